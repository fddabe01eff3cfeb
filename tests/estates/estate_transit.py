"""Transit gateway estates (issue 10 §1): the exposed case and each near-miss, each in its own
account, beside the partner whose VPCs are attached.

Accounts 7410000000xx. Every owner account holds the story's private legacy backend (internal
NLB + VPC link + IAM-only GET methods through it, VPC 10.0.0.0/16) and owns a transit gateway
with the backend's VPC and one partner VPC attached, both associated with its default route
table.

| account      | what is in it                                                              |
|--------------|----------------------------------------------------------------------------|
| 741000000001 | both attachments propagate into the table, route + rule: exposed          |
| 741000000002 | the same, but no route to the gateway in the backend's table: info        |
| 741000000003 | route, but a rule for another port (22): info                             |
| 741000000004 | only the backend's attachment propagates: the table associated with it    |
|              | has no route to the partner (isolated): info                              |
| 741000000005 | both propagate, and a static blackhole covers the partner's /16: info     |
| 741000000006 | a static route to the partner instead of its propagation: the emulator     |
|              | returns it without its attachment, so it is assumed to go there (medium)  |
| 741000000007 | the account's own second VPC attached, meshed, route + rule: never        |
|              | cross-account                                                             |
| 741000000008 | a route + rule to a transit gateway of its own with nothing attached: no  |
|              | path (the tests make it a gateway shared by an account not audited)       |
| 741000000009 | the partner: its VPCs (10.1.0.0/16, 10.2.0.0/16, …)                       |

moto quirks met here (5.2.1): another account cannot attach to a gateway (not found, shared or
not), so the partner's VPCs are attached from the owner's side, and their attachments then
name the owner as the VPC's owner (the auditor sees a VPC the owner does not have, and the
partner's scan lists it); an attachment stays associated with the default route table
(disassociating is a 500; associating it with another table adds a second association, and the
gateway's option to associate nothing by default is ignored), so the isolated table of 004 is
the default one; propagation never
happens by itself, and the route search returns no propagated route (the auditor derives them
from the propagations and the attached VPCs' CIDRs); a static route comes back without its
attachment; the route search fails (HTTP 500) when given `MaxResults`.
"""

from build import (legacy_backend, route_to_tgw, subnet, tgw_attachment, transit_gateway,
                   vpc)
from seed import Aws

PARTNER = "741000000009"


def hub(owner, partner, partner_cidr, admit=(), route=True, propagate=("backend", "partner")):
    """The backend in `owner`, a partner VPC of `partner_cidr`, both attached to a transit
    gateway of `owner` (its default route table: the attachments named in `propagate`
    propagate into it), the backend's main table routing the partner's CIDR to the gateway
    (`route`). Returns the ids."""
    b = legacy_backend(owner, admit=list(admit))
    tgw, table = transit_gateway(owner)
    base = partner_cidr.split("/")[0].rsplit(".", 2)[0]
    pvpc, _ = vpc(partner, partner_cidr)
    psub = subnet(partner, pvpc, f"{base}.1.0/24")
    backend_att = tgw_attachment(owner, tgw, b["vpc"], [b["subnet"]],
                                 propagate_to=table if "backend" in propagate else None)
    partner_att = tgw_attachment(owner, tgw, pvpc, [psub],
                                 propagate_to=table if "partner" in propagate else None)
    if route:
        route_to_tgw(owner, b["main_rtb"], partner_cidr, tgw)
    return {"tgw": tgw, "table": table, "backend_att": backend_att, "partner_att": partner_att,
            "partner_vpc": pvpc, **b}


def transit_estate(endpoint):
    ids = {}
    partner = Aws(endpoint, PARTNER)

    h = hub(Aws(endpoint, "741000000001"), partner, "10.1.0.0/16", admit=[(8080, "10.1.0.0/16")])
    ids.update({"exposed_att": h["partner_att"], "exposed_table": h["table"], "exposed_tgw": h["tgw"],
                "exposed_rtb": h["main_rtb"], "exposed_api": h["api"]})

    h = hub(Aws(endpoint, "741000000002"), partner, "10.2.0.0/16", admit=[(8080, "10.2.0.0/16")],
            route=False)
    ids["no_route_att"] = h["partner_att"]

    h = hub(Aws(endpoint, "741000000003"), partner, "10.3.0.0/16", admit=[(22, "10.3.0.0/16")])
    ids["wrong_port_att"] = h["partner_att"]

    h = hub(Aws(endpoint, "741000000004"), partner, "10.4.0.0/16", admit=[(8080, "10.4.0.0/16")],
            propagate=("backend",))
    ids.update({"isolated_att": h["partner_att"], "isolated_table": h["table"]})

    blackhole = Aws(endpoint, "741000000005")
    h = hub(blackhole, partner, "10.5.0.0/16", admit=[(8080, "10.5.0.0/16")])
    blackhole.ec2.create_transit_gateway_route(DestinationCidrBlock="10.5.0.0/16",
                                               TransitGatewayRouteTableId=h["table"], Blackhole=True)
    ids["blackhole_att"] = h["partner_att"]

    static = Aws(endpoint, "741000000006")
    h = hub(static, partner, "10.6.0.0/16", admit=[(8080, "10.6.0.0/16")], propagate=("backend",))
    static.ec2.create_transit_gateway_route(DestinationCidrBlock="10.6.0.0/16",
                                            TransitGatewayRouteTableId=h["table"],
                                            TransitGatewayAttachmentId=h["partner_att"])
    ids["static_att"] = h["partner_att"]

    same = Aws(endpoint, "741000000007")
    h = hub(same, same, "10.7.0.0/16", admit=[(8080, "10.7.0.0/16")])
    ids["same_account_att"] = h["partner_att"]

    shared = Aws(endpoint, "741000000008")
    b = legacy_backend(shared, admit=[(8080, "10.8.0.0/16")])
    tgw, _ = transit_gateway(shared)
    route_to_tgw(shared, b["main_rtb"], "10.8.0.0/16", tgw)
    ids.update({"shared_tgw": tgw, "shared_vpc": b["vpc"], "shared_subnet": b["subnet"]})
    return ids


def register(estate):
    estate("transit")(transit_estate)
