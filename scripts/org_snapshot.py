#!/usr/bin/env python3
"""Writes a synthetic organization inventory snapshot for `overexposed analyze` benchmarks
(scripts/bench --analyze-only; docs/benchmarks.md, "Organization scale").

The estate of issue 12: ACCOUNTS accounts × 1 region × APIS REST APIs × RESOURCES resources ×
3 methods (GET, POST, DELETE) on one deployed stage, plus a small network per account (a VPC,
two subnets, a route table, a security group, the execute-api VPC endpoint). Half of the APIs
carry a resource policy (the owner account's principals allowed, a Deny pinning `/internal`
paths to the owner's VPC endpoint), so half of the method verdicts go through the policy
engine. Methods carry no integration (no verdict of this estate depends on one), which keeps the
snapshot near the issue's 80 MB. The mix:

- `--findings heavy` (default): in the APIs without a policy, 2 methods in 5 take no
  authorization (`NONE`) on a regional endpoint, one finding each: 1 method in 5 of the estate
  yields a finding (198,000 of 990,000 at the default size);
- `--findings none`: the same estate with every method `AWS_IAM`: no finding at all.

Everything else is `AWS_IAM` under the owner-only policy or no policy: no finding. The output is
compact JSON (about 80 MB at the default size), written as it is generated.

Usage: scripts/org_snapshot.py [--accounts N] [--apis N] [--resources N]
                               [--findings heavy|none] -o FILE
"""

import argparse
import json
import sys

REGION = "us-east-1"
VERBS = ["GET", "POST", "DELETE"]
WORDS = ["orders", "items", "users", "payments", "reports", "catalog", "invoices", "internal",
         "shipments", "accounts", "profiles"]


def account_id(n):
    return f"{800000000000 + n:012d}"


def policy(account, vpce):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "OwnerOnly", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Sid": "PinInternal", "Effect": "Deny", "Principal": "*",
             "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/internal/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": vpce}}},
        ],
    })


def resource_paths(count):
    """`/`, then `/<word>`, `/<word>/{id}`, `/<word>/{id}/<word>`, … up to `count` paths."""
    paths = []
    i = 0
    while len(paths) < count:
        word = WORDS[i % len(WORDS)]
        suffix = "" if i < len(WORDS) else str(i // len(WORDS))
        for p in (f"/{word}{suffix}", f"/{word}{suffix}/{{id}}", f"/{word}{suffix}/{{id}}/detail"):
            if len(paths) < count:
                paths.append(p)
        i += 1
    return paths


def rest_api(account, index, paths, heavy, vpce):
    api_id = f"a{int(account) % 100000:05d}{index:04d}"
    with_policy = index % 2 == 1
    resources = []
    method_no = 0
    for r, path in enumerate(paths):
        methods = []
        for verb in VERBS:
            open_method = heavy and not with_policy and method_no % 5 < 2
            methods.append({
                "http_method": verb,
                "authorization_type": "NONE" if open_method else "AWS_IAM",
            })
            method_no += 1
        resources.append({"id": f"{api_id}r{r:03d}", "path": path, "methods": methods})
    api = {
        "id": api_id,
        "name": f"service-{index}",
        "endpoint_types": ["REGIONAL"],
        "vpc_endpoint_ids": [],
        "disable_execute_api_endpoint": False,
        "resources": resources,
        "stages": [{"name": "prod", "deployment_id": f"d{api_id}"}],
        "authorizers": [],
        "partial": False,
    }
    if with_policy:
        api["policy"] = policy(account, vpce)
    return api


def target(n, apis, paths, heavy):
    account = account_id(n)
    suffix = f"{n:08x}"
    vpc = f"vpc-{suffix}"
    vpce = f"vpce-{suffix}"
    return {
        "account_id": account,
        "region": REGION,
        "status": "complete",
        "errors": [],
        "notifications": [],
        "rest_apis": [rest_api(account, i, paths, heavy, vpce) for i in range(apis)],
        "http_apis": [],
        "vpc_links": [],
        "custom_domains": [],
        "network": {
            "endpoint_services": [],
            "vpc_endpoints": [{"id": vpce, "vpc_id": vpc,
                               "service_name": f"com.amazonaws.{REGION}.execute-api",
                               "endpoint_type": "Interface", "owner_id": account}],
            "peerings": [],
            "route_tables": [{"id": f"rtb-{suffix}", "vpc_id": vpc, "subnet_ids": [],
                              "main": True,
                              "routes": [{"destination_cidr": "10.0.0.0/16",
                                          "gateway_id": "local"}]}],
            "security_groups": [{"id": f"sg-{suffix}", "vpc_id": vpc, "ingress": []}],
            "subnets": [{"id": f"subnet-{suffix}a", "vpc_id": vpc, "cidr_block": "10.0.0.0/20"},
                        {"id": f"subnet-{suffix}b", "vpc_id": vpc,
                         "cidr_block": "10.0.16.0/20"}],
            "instances": [],
            "load_balancers": [],
            "vpcs": [{"id": vpc, "cidr_blocks": ["10.0.0.0/16"]}],
            "network_interfaces": [],
            "transit": {"attachments": [], "gateways": []},
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--apis", type=int, default=10)
    ap.add_argument("--resources", type=int, default=33)
    ap.add_argument("--findings", choices=["heavy", "none"], default="heavy")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    paths = resource_paths(args.resources)
    heavy = args.findings == "heavy"
    accounts = args.accounts
    per_target_calls = {"apigateway:GetRestApis": 1, "apigateway:GetResources": args.apis,
                        "apigateway:GetStages": args.apis, "apigateway:GetVpcLinks": 1,
                        "apigatewayv2:GetApis": 1, "ec2:DescribeVpcs": 1}
    header = {
        "snapshot_version": 1,
        "started_at": "2026-12-01T00:00:00Z",
        "finished_at": "2026-12-01T01:00:00Z",
    }
    with open(args.output, "w") as out:
        out.write(json.dumps(header)[:-1])
        out.write(', "targets": [')
        for n in range(accounts):
            if n:
                out.write(",")
            out.write(json.dumps(target(n + 1, args.apis, paths, heavy), separators=(",", ":")))
        out.write("], ")
        tail = {
            "account_failures": [],
            "api_calls": {k: v * accounts for k, v in sorted(per_target_calls.items())},
            "scope": {"api_gateway": True, "network": True, "organization": True,
                      "regions": [REGION]},
        }
        out.write(json.dumps(tail)[1:])
        out.write("\n")
    methods = accounts * args.apis * args.resources * len(VERBS)
    print(f"{args.output}: {accounts} accounts, {methods} methods", file=sys.stderr)


if __name__ == "__main__":
    main()
