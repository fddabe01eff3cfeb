"""The end-to-end scan benchmark estate (scripts/bench): a few accounts × regions, each holding
a realistic amount of API Gateway and network resources, so that a scan's wall time and number
of AWS calls per account × region can be measured against the emulator.

Accounts 6000000000xx (used by no other estate):
  600000000001 … 600000000003  audited, each in us-east-1 and eu-west-1
  600000000099                 the partner named in policies and endpoint services (not seeded)

Per account × region:
- the story's private legacy backend (VPC, instance, internal NLB, VPC link, the safe REST API
  with two IAM GET methods through the link);
- REST_APIS REST APIs of RESOURCES resources × 2 methods (GET AWS_IAM through the VPC link,
  POST NONE) on two stages; every other one under the partner GET grant + a Deny pinning
  `internal/` paths to the owner's VPC endpoint;
- one HTTP API with a few routes;
- an internet-facing NLB sharing the backend instance (a bypass), an internet-facing ALB in
  front of an unrelated web instance, an internal NLB published by an endpoint service allowed
  to the partner.

The targets are seeded in parallel (moto serves requests concurrently). Prints {"targets": n,
"rest_apis": n, "resources": n, "load_balancers": n}.
"""

import concurrent.futures
import os

from build import (endpoint_service, http_api, instance, legacy_backend, load_balancer, rest_api,
                   security_group, subnet)
from seed import Aws

ACCOUNTS = ["600000000001", "600000000002", "600000000003"]
REGIONS = ["us-east-1", "eu-west-1"]
PARTNER = "600000000099"
REST_APIS = int(os.environ.get("BENCH_REST_APIS", "3"))
RESOURCES = int(os.environ.get("BENCH_RESOURCES", "25"))


def policy(owner_vpce):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "PartnerRead", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/partner-reader"},
             "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"},
            {"Sid": "PinInternal", "Effect": "Deny", "Principal": "*",
             "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/internal/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": owner_vpce}}},
        ],
    }


def seed_target(endpoint, account, region):
    aws = Aws(endpoint, account, region)
    b = legacy_backend(aws, name=f"legacy-{region}")
    owner_vpce = aws.ec2.create_vpc_endpoint(
        VpcId=b["vpc"], ServiceName=f"com.amazonaws.{region}.execute-api",
        VpcEndpointType="Interface")["VpcEndpoint"]["VpcEndpointId"]
    integration = {"type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
                   "uri": f"http://{b['nlb_dns']}/", "connectionType": "VPC_LINK",
                   "connectionId": b["vpc_link"]}
    resources = 0
    for a in range(REST_APIS):
        methods = []
        for r in range(RESOURCES):
            path = f"/svc{r // 10}/{'internal/' if r % 3 == 0 else ''}res{r}"
            methods.append((path, "GET", "AWS_IAM", {"integration": integration}))
            methods.append((path, "POST", "NONE"))
        resources += RESOURCES
        rest_api(aws, f"bench-{a}", methods, stages=("prod", "dev"),
                 policy=policy(owner_vpce) if a % 2 == 0 else None)
    http_api(aws, "bench-http", [("GET /items", "NONE"), ("POST /items", "AWS_IAM"),
                                 ("DELETE /items/{id}", "JWT"), ("GET /health", "NONE")])
    load_balancer(aws, f"pub-nlb-{region[:2]}", b["vpc"], [b["subnet"]], "internet-facing", "network",
                  [(b["instance"], 8080)])
    web_sg = security_group(aws, b["vpc"], "web", [(443, "0.0.0.0/0")])
    web_subnet = subnet(aws, b["vpc"], "10.0.2.0/24")
    web_inst, _ = instance(aws, web_subnet, [web_sg])
    load_balancer(aws, f"www-alb-{region[:2]}", b["vpc"], [web_subnet], "internet-facing", "application",
                  [(web_inst, 443)], port=443, security_groups=[web_sg])
    svc_nlb, _ = load_balancer(aws, f"svc-nlb-{region[:2]}", b["vpc"], [b["subnet"]], "internal", "network",
                               [(b["instance"], 8080)])
    endpoint_service(aws, svc_nlb, [f"arn:aws:iam::{PARTNER}:root"])
    return {"rest_apis": REST_APIS + 1, "resources": resources + 2, "load_balancers": 4}


def bench_estate(endpoint):
    totals = {"targets": 0, "rest_apis": 0, "resources": 0, "load_balancers": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(ACCOUNTS) * len(REGIONS)) as pool:
        futures = [pool.submit(seed_target, endpoint, a, r) for a in ACCOUNTS for r in REGIONS]
        for f in futures:
            counts = f.result()
            totals["targets"] += 1
            for k, v in counts.items():
                totals[k] += v
    return totals


def register(estate):
    estate("bench")(bench_estate)
