"""Network estates: the three tempting alternatives to the safe design, each in its own
account beside the safe design, plus the look-alikes that must NOT be reported.

Accounts 5000000000xx. Every owner account holds the story's private legacy backend (internal
NLB + VPC link + IAM-only GET methods through it), so each path can be tied to the API methods
it bypasses.

| account      | what is in it                                                            |
|--------------|--------------------------------------------------------------------------|
| 500000000001 | the safe design only                                                     |
| 500000000002 | cross-account peering to ...09, route + security group rule: exposed     |
| 500000000003 | cross-account peering to ...09, no route: informational                  |
| 500000000004 | cross-account peering to ...09, route but rule for another port: info    |
| 500000000005 | same-account peering with route + rule: never cross-account             |
| 500000000006 | endpoint services allowed to *, to ...09, to the owner only              |
| 500000000007 | public NLB and public ALB (WAF) sharing targets with the VPC link NLB,   |
|              | and a public ALB with a WAF in front of an unrelated web backend         |
| 500000000008 | pending (not accepted) cross-account peering with route + rule: nothing  |
| 500000000009 | the partner: just its VPCs (10.1.0.0/16 and friends)                     |
| 500000000010 | peering to ...09 reaching an NLB without security groups whose IP        |
|              | targets (TCP: client IP not preserved) admit the VPC's own CIDR: exposed |
| 500000000011 | peering to ...09 reaching an NLB whose group admits the peer, but whose  |
|              | instance targets (client IP preserved) admit only the VPC: info          |
| 500000000012 | public ALB admitting only the AWS-managed CloudFront prefix list         |
|              | (internet) and one admitting a partner prefix list (IP-restricted)       |
| 500000000013 | peering to ...09 routed and admitted through a customer prefix list      |
| 500000000014 | peering to ...09 routed by 10.0.0.0/8, but the peer's /16 goes to a      |
|              | transit gateway (longest prefix): info                                   |
| 500000000015 | endpoint service allowed to an organization; a public NLB forwarding to  |
|              | an internal ALB (target type alb) in front of the backend instance       |

moto quirks met here: NLB target groups list no `preserve_client_ip.enabled` attribute (the
auditor applies AWS's default for the target type and protocol); the AWS-managed prefix lists
(CloudFront origin-facing among them) exist in every account with owner `AWS`; endpoint
service permissions take any principal string and return no `PrincipalType`.
"""

from build import (endpoint_service, instance, legacy_backend, load_balancer, peering, route,
                   security_group, subnet, vpc, web_acl)
from build import prefix_list as new_prefix_list
from seed import Aws

PARTNER = "500000000009"


def peered(aws, vpc_id, peer_aws, peer_cidr, route_table=None, accept=True):
    """Peers aws's vpc_id with a new VPC of peer_aws at peer_cidr and, with a route_table, routes
    peer_cidr through the peering there. Returns the peering id."""
    peer_vpc, _ = vpc(peer_aws, peer_cidr)
    pcx = peering(aws, vpc_id, peer_aws, peer_vpc, accept=accept)
    if route_table:
        route(aws, route_table, peer_cidr, pcx)
    return pcx


def network_estate(endpoint):
    ids = {}
    partner = Aws(endpoint, PARTNER)

    safe = Aws(endpoint, "500000000001")
    b = legacy_backend(safe)
    ids.update({"safe_api": b["api"], "safe_nlb": b["nlb"]})

    # Peering that exposes: the partner VPC is 10.1.0.0/16; the backend's main table routes it
    # through the peering and its security group admits it on 8080.
    exposed = Aws(endpoint, "500000000002")
    b = legacy_backend(exposed, admit=[(8080, "10.1.0.0/16")])
    pcx = peered(exposed, b["vpc"], partner, "10.1.0.0/16", b["main_rtb"])
    ids.update({"exposed_pcx": pcx, "exposed_api": b["api"], "exposed_nlb": b["nlb"]})

    # Peering with the rule but no route back to the peer.
    no_route = Aws(endpoint, "500000000003")
    b = legacy_backend(no_route, admit=[(8080, "10.2.0.0/16")])
    ids["no_route_pcx"] = peered(no_route, b["vpc"], partner, "10.2.0.0/16")

    # Peering with the route but a rule for SSH only.
    wrong_port = Aws(endpoint, "500000000004")
    b = legacy_backend(wrong_port, admit=[(22, "10.3.0.0/16")])
    pcx = peered(wrong_port, b["vpc"], partner, "10.3.0.0/16", b["main_rtb"])
    ids["wrong_port_pcx"] = pcx

    # Same-account peering, wide open: not cross-account.
    same = Aws(endpoint, "500000000005")
    b = legacy_backend(same, admit=[(8080, "10.9.0.0/16")])
    pcx = peered(same, b["vpc"], same, "10.9.0.0/16", b["main_rtb"])
    ids["same_account_pcx"] = pcx

    # Endpoint services: one per NLB in front of the same instance.
    svc = Aws(endpoint, "500000000006")
    b = legacy_backend(svc)
    ids["svc_star"] = endpoint_service(svc, b["nlb"], ["*"])
    nlb2, _ = load_balancer(svc, "partner-nlb", b["vpc"], [b["subnet"]], "internal", "network", [(b["instance"], 8080)])
    ids["svc_partner"] = endpoint_service(svc, nlb2, [f"arn:aws:iam::{PARTNER}:root"], acceptance_required=True)
    nlb3, _ = load_balancer(svc, "own-nlb", b["vpc"], [b["subnet"]], "internal", "network", [(b["instance"], 8080)])
    ids["svc_owner_only"] = endpoint_service(svc, nlb3, ["arn:aws:iam::500000000006:root"])
    ids.update({"svc_api": b["api"], "svc_nlb": b["nlb"], "svc_partner_nlb": nlb2})

    # Public load balancers.
    pub = Aws(endpoint, "500000000007")
    b = legacy_backend(pub)
    public_nlb, _ = load_balancer(pub, "public-nlb", b["vpc"], [b["subnet"]], "internet-facing", "network",
                                  [(b["instance"], 8080)])
    alb_sg = security_group(pub, b["vpc"], "public-alb", [(80, "0.0.0.0/0")])
    public_alb, _ = load_balancer(pub, "public-alb", b["vpc"], [b["subnet"]], "internet-facing", "application",
                                  [(b["ip"], 8080)], target_type="ip", security_groups=[alb_sg])
    ids["public_alb_acl"] = web_acl(pub, "partner-allow-list", public_alb)
    web_sg = security_group(pub, b["vpc"], "web", [(443, "0.0.0.0/0")])
    web_subnet = subnet(pub, b["vpc"], "10.0.2.0/24")
    web_inst, _ = instance(pub, web_subnet, [web_sg])
    www_alb, _ = load_balancer(pub, "www-alb", b["vpc"], [web_subnet], "internet-facing", "application",
                               [(web_inst, 443)], port=443, security_groups=[web_sg])
    web_acl(pub, "www-acl", www_alb)
    ids.update({"public_nlb": public_nlb, "public_alb": public_alb, "www_alb": www_alb,
                "public_api": b["api"], "public_backend_nlb": b["nlb"]})

    # A peering request the partner never accepted.
    pending = Aws(endpoint, "500000000008")
    b = legacy_backend(pending, admit=[(8080, "10.4.0.0/16")])
    pcx = peered(pending, b["vpc"], partner, "10.4.0.0/16", b["main_rtb"], accept=False)
    ids["pending_pcx"] = pcx

    # An internal NLB without security groups in front of an IP target (TCP: the target sees
    # the NLB's address, which its VPC-CIDR rule admits): the peer gets in through the NLB.
    nlb_ip = Aws(endpoint, "500000000010")
    vpc_id, main_rtb = vpc(nlb_ip, "10.0.0.0/16")
    sub = subnet(nlb_ip, vpc_id, "10.0.1.0/24")
    sg = security_group(nlb_ip, vpc_id, "backend", [(8080, "10.0.0.0/16")])
    _, ip = instance(nlb_ip, sub, [sg])
    nlb, _ = load_balancer(nlb_ip, "ip-nlb", vpc_id, [sub], "internal", "network", [(ip, 8080)],
                           target_type="ip")
    pcx = peered(nlb_ip, vpc_id, partner, "10.5.0.0/16", main_rtb)
    ids.update({"nlb_ip_pcx": pcx, "nlb_ip_nlb": nlb})

    # The mirror: the NLB's group admits the peer, but its instance targets (client IP
    # preserved) see the peer and admit only their VPC.
    nlb_sg = Aws(endpoint, "500000000011")
    vpc_id, main_rtb = vpc(nlb_sg, "10.0.0.0/16")
    sub = subnet(nlb_sg, vpc_id, "10.0.1.0/24")
    sg = security_group(nlb_sg, vpc_id, "backend", [(8080, "10.0.0.0/16")])
    inst, _ = instance(nlb_sg, sub, [sg])
    front = security_group(nlb_sg, vpc_id, "nlb", [(8080, "10.6.0.0/16")])
    load_balancer(nlb_sg, "sg-nlb", vpc_id, [sub], "internal", "network", [(inst, 8080)],
                  security_groups=[front])
    pcx = peered(nlb_sg, vpc_id, partner, "10.6.0.0/16", main_rtb)
    ids["nlb_sg_pcx"] = pcx

    # Public ALBs whose groups admit prefix lists only.
    pl = Aws(endpoint, "500000000012")
    b = legacy_backend(pl)
    cloudfront = pl.ec2.describe_managed_prefix_lists(Filters=[
        {"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}])
    cloudfront = cloudfront["PrefixLists"][0]["PrefixListId"]
    offices = new_prefix_list(pl, "partner-offices", ["203.0.113.0/24", "10.0.0.0/8"])
    cf_sg = security_group(pl, b["vpc"], "cloudfront-only", [(80, cloudfront)])
    cf_alb, _ = load_balancer(pl, "cf-alb", b["vpc"], [b["subnet"]], "internet-facing", "application",
                              [(b["instance"], 8080)], security_groups=[cf_sg])
    office_sg = security_group(pl, b["vpc"], "offices-only", [(80, offices)])
    office_alb, _ = load_balancer(pl, "office-alb", b["vpc"], [b["subnet"]], "internet-facing",
                                  "application", [(b["instance"], 8080)], security_groups=[office_sg])
    ids.update({"cf_alb": cf_alb, "office_alb": office_alb, "cloudfront_pl": cloudfront,
                "offices_pl": offices, "pl_api": b["api"]})

    # Peering routed and admitted through a customer prefix list naming the peer's CIDR.
    pl_peer = Aws(endpoint, "500000000013")
    peer_list = new_prefix_list(pl_peer, "partner-vpc", ["10.7.0.0/16"])
    b = legacy_backend(pl_peer, admit=[(8080, peer_list)])
    pcx = peered(pl_peer, b["vpc"], partner, "10.7.0.0/16")
    pl_peer.ec2.create_route(RouteTableId=b["main_rtb"], DestinationPrefixListId=peer_list,
                             VpcPeeringConnectionId=pcx)
    ids.update({"pl_pcx": pcx, "peer_pl": peer_list, "pl_peer_api": b["api"]})

    # Longest prefix match: 10.0.0.0/8 to the peering, the peer's /16 to a transit gateway.
    lpm = Aws(endpoint, "500000000014")
    b = legacy_backend(lpm, admit=[(8080, "10.8.0.0/16")])
    pcx = peered(lpm, b["vpc"], partner, "10.8.0.0/16")
    route(lpm, b["main_rtb"], "10.0.0.0/8", pcx)
    tgw = lpm.ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    lpm.ec2.create_route(RouteTableId=b["main_rtb"], DestinationCidrBlock="10.8.0.0/16",
                         TransitGatewayId=tgw)
    ids["lpm_pcx"] = pcx

    # An endpoint service allowed to a whole organization, and a public NLB forwarding to an
    # internal ALB (target type alb) in front of the VPC-link backend's instance.
    org = Aws(endpoint, "500000000015")
    b = legacy_backend(org)
    ids["org_svc"] = endpoint_service(
        org, b["nlb"], ["arn:aws:organizations::500000000099:organization/o-exampleorg1"])
    app_sg = security_group(org, b["vpc"], "app-alb", [(80, "10.0.0.0/16")])
    app_alb, _ = load_balancer(org, "app-alb", b["vpc"], [b["subnet"]], "internal", "application",
                               [(b["instance"], 8080)], security_groups=[app_sg])
    edge_nlb, _ = load_balancer(org, "edge-nlb", b["vpc"], [b["subnet"]], "internet-facing", "network",
                                [(app_alb, 80)], port=80, target_type="alb")
    ids.update({"edge_nlb": edge_nlb, "app_alb": app_alb, "org_api": b["api"]})
    return ids


def register(estate):
    estate("network")(network_estate)
