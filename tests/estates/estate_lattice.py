"""VPC Lattice estate: a service reachable from another account's VPC with no authentication,
beside each near miss. One account per case, so each finding (or its absence) is that case's.

Accounts 8450000000xx (01 to 13), us-east-1. Every owner holds one service network (`net`) and one
service (`orders`) in it.

| account      | what is in it                                                                   |
|--------------|---------------------------------------------------------------------------------|
| 845000000001 | the partner: just its VPC                                                       |
| 845000000002 | NONE service and network, the partner's VPC associated; the service's target    |
|              | group sits in the VPC of the story's legacy backend: unauthenticated, bypass    |
| 845000000003 | NONE service and network, only the owner's own VPC, not shared: nothing         |
| 845000000004 | NONE service and network shared with the partner, no association yet:          |
|              | unauthenticated (a share is reach)                                              |
| 845000000005 | AWS_IAM service whose policy lets one partner role GET, network shared with the |
|              | partner and its VPC associated: nothing (the intended design)                   |
| 845000000006 | AWS_IAM service whose policy lets the partner account do anything, its VPC      |
|              | associated: writes granted to an external account                               |
| 845000000007 | AWS_IAM service with Principal "*" (signed only) in an AWS_IAM network whose    |
|              | policy admits only the owner's principals, the partner's VPC associated:        |
|              | nothing (both must allow, the network denies)                                   |
| 845000000008 | AWS_IAM service with Principal "*" (signed only), network shared with every     |
|              | account: writes (and reads) open to any AWS account                             |
| 845000000009 | AWS_IAM service with no auth policy (AWS denies every request), the partner's   |
|              | VPC associated: nothing                                                         |
| 845000000010 | NONE service in an AWS_IAM network whose policy lets Principal "*" in without   |
|              | excluding unsigned requests, the partner's VPC associated: unauthenticated      |
| 845000000011 | AWS_IAM service whose policy lets every principal of one organization in,       |
|              | network shared with that organization: writes granted to the organization (with |
|              | the partner's VPC associated instead, the partner account alone would be the    |
|              | reach: only whoever runs code in an associated VPC calls the service)           |
| 845000000012 | AWS_IAM service whose policy lets Principal "*" (signed only) GET, network      |
|              | shared with every account: reads open to any AWS account                        |
| 845000000013 | principal patterns IAM never matches: AWS_IAM service whose policy allows the   |
|              | partner's roles `role/*-api-task-role` (grants nothing), in an AWS_IAM network  |
|              | whose policy allows "*" (signed) and denies the partner's `role/ci-*` (denies   |
|              | nothing), the partner's VPC associated: no one gets in; one note for the        |
|              | service's policy and one for the network's                                      |

moto quirks met here (each pinned by a test): only ids, not ARNs, are accepted as identifiers
(except the resource policy, which AWS takes by ARN); another account cannot associate its VPC
with a network, so the owner associates the partner's VPC and `createdBy` reads "user" (the
partner is audited too, so its VPC's owner is known); a RAM share of a Lattice resource is
refused, so the share is the resource policy RAM would write; targets cannot be registered
and target groups list no `serviceArns` (the integration test injects both through the proxy).
"""

from build import lattice_network, lattice_service, legacy_backend, vpc
from seed import Aws

PARTNER = "845000000001"
ORG = "o-lattice0001"


def invoke(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


SIGNED_ONLY = {"StringNotEqualsIgnoreCase": {"aws:PrincipalType": "anonymous"}}


def lattice_estate(endpoint):
    ids = {}
    partner = Aws(endpoint, PARTNER)
    partner_vpc, _ = vpc(partner, "10.1.0.0/16")
    ids["partner_vpc"] = partner_vpc

    def case(account, key, network_auth="NONE", network_policy=None, partner_associated=True,
             shared_with=None, share_condition=None, service_auth="NONE", service_policy=None, backend=False):
        aws = Aws(endpoint, account)
        if backend:
            b = legacy_backend(aws, name=f"{key}-legacy")
            own_vpc = b["vpc"]
            ids.update({f"{key}_api": b["api"], f"{key}_instance": b["instance"], f"{key}_vpc": own_vpc})
        else:
            own_vpc, _ = vpc(aws, "10.0.0.0/16")
        vpcs = [own_vpc] + ([partner_vpc] if partner_associated else [])
        net = lattice_network(aws, "net", network_auth, network_policy, vpcs, shared_with, share_condition)
        svc = lattice_service(aws, "orders", service_auth, service_policy, network=net["id"],
                              target_vpc=own_vpc if backend else None)
        ids.update({f"{key}_network": net["id"], f"{key}_network_arn": net["arn"], f"{key}_service": svc["id"],
                    f"{key}_service_arn": svc["arn"]})
        if partner_associated:
            ids[f"{key}_partner_association"] = net[f"assoc:{partner_vpc}"]
        if backend:
            ids.update({f"{key}_target_group": svc["target_group"], f"{key}_target_group_arn": svc["target_group_arn"]})

    case("845000000002", "open", backend=True)
    case("845000000003", "private", partner_associated=False)
    case("845000000004", "shared", partner_associated=False, shared_with=[f"arn:aws:iam::{PARTNER}:root"])
    case("845000000005", "narrow", shared_with=[f"arn:aws:iam::{PARTNER}:root"], service_auth="AWS_IAM",
         service_policy=invoke({"AWS": f"arn:aws:iam::{PARTNER}:role/partner-reader"},
                               {"StringEquals": {"vpc-lattice-svcs:RequestMethod": "GET"}}))
    case("845000000006", "writes", service_auth="AWS_IAM", service_policy=invoke({"AWS": PARTNER}))
    case("845000000007", "denied", network_auth="AWS_IAM",
         network_policy=invoke("*", {"StringEquals": {"aws:PrincipalAccount": "845000000007"}}),
         service_auth="AWS_IAM", service_policy=invoke("*", SIGNED_ONLY))
    case("845000000008", "anyone", partner_associated=False, shared_with=["*"], service_auth="AWS_IAM",
         service_policy=invoke("*", SIGNED_ONLY))
    case("845000000009", "closed", service_auth="AWS_IAM")
    case("845000000010", "unsigned", network_auth="AWS_IAM", network_policy=invoke("*"))
    in_org = {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    case("845000000011", "org", partner_associated=False, shared_with=["*"], share_condition=in_org,
         service_auth="AWS_IAM", service_policy=invoke("*", in_org))
    case("845000000012", "reads", partner_associated=False, shared_with=["*"], service_auth="AWS_IAM",
         service_policy=invoke("*", {**SIGNED_ONLY, "StringEquals": {"vpc-lattice-svcs:RequestMethod": "GET"}}))
    task_roles = invoke({"AWS": f"arn:aws:iam::{PARTNER}:role/*-api-task-role"})
    task_roles["Statement"][0]["Sid"] = "PartnerTasks"
    deny_ci = invoke("*", SIGNED_ONLY)
    deny_ci["Statement"].append({"Sid": "DenyPartnerCi", "Effect": "Deny",
                                 "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/ci-*"},
                                 "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"})
    case("845000000013", "patterns", network_auth="AWS_IAM", network_policy=deny_ci, service_auth="AWS_IAM",
         service_policy=task_roles)
    return ids


def register(estate):
    estate("lattice")(lattice_estate)
