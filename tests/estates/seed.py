#!/usr/bin/env python3
"""Seeds AWS estates into a running moto server, through the AWS APIs (boto3).

Usage: seed.py --endpoint http://127.0.0.1:PORT ESTATE [ESTATE...]

Each estate lives in its own accounts (entered with sts:AssumeRole, as the auditor does), so
estates never see each other and the integration tests can share one emulator. The seeder
prints one JSON object on stdout mapping names to the ids moto generated (ids are random unless
the server's id generator was seeded with /moto-api/seed), which the tests use to name what they
assert on, and under "api_summaries" the API summary of every REST deployment made through
build.deploy (what real AWS returns and moto does not).

Estates are registered with @estate("name"); see ESTATES at the bottom. The estate modules are
plain Python files beside this one (estate_*.py), each with a `register(estate)` function.
"""

import argparse
import importlib
import json
import os
import sys

import boto3
from botocore.config import Config

ESTATES = {}


def estate(name):
    def wrap(fn):
        ESTATES[name] = fn
        return fn

    return wrap


class Aws:
    """Clients for one account and region, entered by assuming a role in the account."""

    def __init__(self, endpoint, account, region="us-east-1"):
        self.endpoint = endpoint
        self.account = account
        self.region = region
        base = boto3.session.Session(
            aws_access_key_id="seed-access-key",
            aws_secret_access_key="seed-secret-key",
            region_name=region,
        )
        creds = base.client("sts", endpoint_url=endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seed"
        )["Credentials"]
        self.session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,
                endpoint_url=self.endpoint,
                config=Config(retries={"max_attempts": 2}),
            )
        return self._clients[service]

    @property
    def apigw(self):
        return self.client("apigateway")

    @property
    def apigw2(self):
        return self.client("apigatewayv2")

    @property
    def ec2(self):
        return self.client("ec2")

    @property
    def elbv2(self):
        return self.client("elbv2")

    @property
    def wafv2(self):
        return self.client("wafv2")

    @property
    def lattice(self):
        return self.client("vpc-lattice")

    @property
    def iam(self):
        return self.client("iam")

    def in_region(self, region):
        return Aws(self.endpoint, self.account, region)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("estates", nargs="+")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    for file in sorted(os.listdir(here)):
        if file.startswith("estate_") and file.endswith(".py"):
            importlib.import_module(file[:-3]).register(estate)

    out = {}
    for name in args.estates:
        if name not in ESTATES:
            parser.error(f"unknown estate {name!r}; known: {', '.join(sorted(ESTATES))}")
        out.update(ESTATES[name](args.endpoint) or {})
    import build

    if build.API_SUMMARIES:
        out["api_summaries"] = build.API_SUMMARIES
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
