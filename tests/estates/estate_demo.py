"""The demo estate: the project's story, all four designs side by side.

Account 111111111111 owns a private legacy HTTP API (no auth of its own) on an instance behind
an internal NLB. Account 222222222222 (the partner) must call a few read-only GET methods.

1. The safe design (must be clean): REST API `orders-partner-api`, VPC link to the internal
   NLB, AWS_IAM on GET /orders and GET /orders/{id}, and a resource policy admitting only
   arn:aws:iam::222222222222:role/partner-reader on execute-api:/prod/GET/*.
2. Drift on API Gateway: `orders-internal-api`, where someone added a POST with authorization
   NONE, an ANY method, and a resource policy with Principal "*"; and an HTTP API whose routes
   have no authorizer.
3. The tempting alternatives, each on the same backend:
   - PrivateLink: an endpoint service on the backend NLB allowed to the partner account;
   - VPC peering: the partner's VPC (10.1.0.0/16) peered, routed and admitted on port 8080;
   - an internet-facing ALB with a WAF "IP allow-list", and an internet-facing NLB (which
     cannot carry a WAF), both forwarding to the backend instance;
   - a transit gateway of the owner with the partner's second VPC (10.2.0.0/16) attached
     beside the backend's, one route table for both (a full mesh), routed and admitted on 8080;
   - VPC Lattice: a service with auth type NONE in a service network the partner's VPC is
     associated with.

The seeder's ids are deterministic when the server's id generator is seeded first
(scripts/demo does that), so the committed reports can be checked byte for byte.
"""

from build import (endpoint_service, http_api, lattice_network, lattice_service, legacy_backend, load_balancer,
                   peering, rest_api, route, route_to_tgw, security_group, subnet, tgw_attachment,
                   transit_gateway, vpc, web_acl)
from seed import Aws

OWNER = "111111111111"
PARTNER = "222222222222"

PARTNER_READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "PartnerReadOnly",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/partner-reader"},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/prod/GET/*",
    }],
}

ANYONE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TemporaryOpenForMigration",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }],
}


def demo_estate(endpoint):
    owner = Aws(endpoint, OWNER)
    partner = Aws(endpoint, PARTNER)

    # 1. The safe design.
    b = legacy_backend(owner, name="orders", policy=PARTNER_READ_ONLY, api_name="orders-partner-api")
    ids = {"safe_api": b["api"], "backend_nlb": b["nlb"], "backend_instance": b["instance"]}

    # 2. Drift: a second REST API on the same backend, and an HTTP API.
    integration = {"type": "HTTP_PROXY", "integrationHttpMethod": "ANY", "uri": f"http://{b['nlb_dns']}/orders",
                   "connectionType": "VPC_LINK", "connectionId": b["vpc_link"]}
    drifted, _ = rest_api(owner, "orders-internal-api", [
        ("/orders", "GET", "AWS_IAM", {"integration": integration}),
        ("/orders", "POST", "NONE", {"integration": integration}),
        ("/orders/{id}", "DELETE", "AWS_IAM", {"integration": integration}),
        ("/admin/{proxy+}", "ANY", "AWS_IAM", {"integration": integration}),
    ], policy=ANYONE)
    ids["drifted_api"] = drifted
    http, _ = http_api(owner, "orders-http-api", [
        ("GET /orders", "NONE"),
        ("POST /orders", "NONE"),
        ("GET /orders/{id}", "AWS_IAM"),
    ])
    ids["http_api"] = http

    # 3a. PrivateLink to the partner.
    ids["endpoint_service"] = endpoint_service(owner, b["nlb"], [f"arn:aws:iam::{PARTNER}:root"])

    # 3b. VPC peering with the partner's VPC, routed and admitted on the backend port.
    partner_vpc, _ = vpc(partner, "10.1.0.0/16")
    pcx = peering(owner, b["vpc"], partner, partner_vpc)
    route(owner, b["main_rtb"], "10.1.0.0/16", pcx)
    owner.ec2.authorize_security_group_ingress(GroupId=b["sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
    ids["peering"] = pcx

    # 3c. Internet-facing load balancers: an ALB behind a WAF "allow-list", and an NLB.
    alb_sg = security_group(owner, b["vpc"], "partner-alb", [(80, "0.0.0.0/0")])
    alb, _ = load_balancer(owner, "partner-alb", b["vpc"], [b["subnet"]], "internet-facing", "application",
                           [(b["instance"], 8080)], security_groups=[alb_sg])
    ids["public_alb"] = alb
    ids["web_acl"] = web_acl(owner, "partner-ip-allow-list", alb)
    nlb, _ = load_balancer(owner, "partner-nlb", b["vpc"], [b["subnet"]], "internet-facing", "network",
                           [(b["instance"], 8080)])
    ids["public_nlb"] = nlb

    # 3d. A transit gateway of the owner, the partner's second VPC attached from the owner's
    # side (the emulator lets no other account attach), both propagating into the default table.
    tgw, table = transit_gateway(owner)
    partner_vpc2, _ = vpc(partner, "10.2.0.0/16")
    partner_subnet2 = subnet(partner, partner_vpc2, "10.2.1.0/24")
    tgw_attachment(owner, tgw, b["vpc"], [b["subnet"]], propagate_to=table)
    ids["partner_attachment"] = tgw_attachment(owner, tgw, partner_vpc2, [partner_subnet2],
                                               propagate_to=table)
    route_to_tgw(owner, b["main_rtb"], "10.2.0.0/16", tgw)
    owner.ec2.authorize_security_group_ingress(GroupId=b["sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.2.0.0/16"}]}])
    ids["transit_gateway"] = tgw

    # 3e. VPC Lattice: no authentication, the partner's VPC associated with the network.
    net = lattice_network(owner, "orders-net", "NONE", vpcs=[b["vpc"], partner_vpc])
    ids["lattice_service"] = lattice_service(owner, "orders-lattice", "NONE", network=net["id"])["id"]
    return ids


def register(estate):
    estate("demo")(demo_estate)
