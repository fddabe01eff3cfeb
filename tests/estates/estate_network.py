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
"""

from build import (endpoint_service, instance, legacy_backend, load_balancer, peering, route,
                   security_group, subnet, vpc, web_acl)
from seed import Aws

PARTNER = "500000000009"


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
    pvpc, _ = vpc(partner, "10.1.0.0/16")
    pcx = peering(exposed, b["vpc"], partner, pvpc)
    route(exposed, b["main_rtb"], "10.1.0.0/16", pcx)
    ids.update({"exposed_pcx": pcx, "exposed_api": b["api"], "exposed_nlb": b["nlb"]})

    # Peering with the rule but no route back to the peer.
    no_route = Aws(endpoint, "500000000003")
    b = legacy_backend(no_route, admit=[(8080, "10.2.0.0/16")])
    pvpc, _ = vpc(partner, "10.2.0.0/16")
    ids["no_route_pcx"] = peering(no_route, b["vpc"], partner, pvpc)

    # Peering with the route but a rule for SSH only.
    wrong_port = Aws(endpoint, "500000000004")
    b = legacy_backend(wrong_port, admit=[(22, "10.3.0.0/16")])
    pvpc, _ = vpc(partner, "10.3.0.0/16")
    pcx = peering(wrong_port, b["vpc"], partner, pvpc)
    route(wrong_port, b["main_rtb"], "10.3.0.0/16", pcx)
    ids["wrong_port_pcx"] = pcx

    # Same-account peering, wide open: not cross-account.
    same = Aws(endpoint, "500000000005")
    b = legacy_backend(same, admit=[(8080, "10.9.0.0/16")])
    other_vpc, _ = vpc(same, "10.9.0.0/16")
    pcx = peering(same, b["vpc"], same, other_vpc)
    route(same, b["main_rtb"], "10.9.0.0/16", pcx)
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
    pvpc, _ = vpc(partner, "10.4.0.0/16")
    pcx = peering(pending, b["vpc"], partner, pvpc, accept=False)
    route(pending, b["main_rtb"], "10.4.0.0/16", pcx)
    ids["pending_pcx"] = pcx
    return ids


def register(estate):
    estate("network")(network_estate)
