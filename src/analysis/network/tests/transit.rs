//! Transit gateways: the backend's route tables sending the other side's addresses to the
//! gateway ∩ the gateway's route tables routing them both ways ∩ security groups admitting
//! them, as for peering; the other side judged by who owns it; what could not be read
//! (a gateway shared by an account not audited, its route tables, the attachments) assumed to
//! let the traffic through, at medium confidence, and said so.

// Equivalent mutants (cargo-mutants, docs/mutation-testing.md): no input can tell them apart.
// - transit.rs `no_path_finding`, field `specific_fix` deleted from the `FindingDraft`: the draft
//   it completes (`Crossing::draft`, from `FindingDraft::network_path`) already has an empty
//   `specific_fix`, so the field only states the default; either way a no-path finding carries
//   the rule's generic remediation (nothing to remove), which
//   `a_no_path_verdict_says_what_it_checked_and_what_it_could_not_read` pins.

use super::fixtures::*;
use super::*;
use crate::inventory::{IngressRule, Network, OwnedTransitGateway, Transit};
use crate::model::{Confidence, EntryPoint, Severity};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::json;

const PARTNER_ATTACHMENT_ARN: &str =
    "arn:aws:ec2:us-east-1:222222222222:transit-gateway-attachment/tgw-attach-partner";

/// The attachment of the partner's VPC as the hub's scan names it.
const HUB_PARTNER_ATTACHMENT_ARN: &str =
    "arn:aws:ec2:us-east-1:111111111111:transit-gateway-attachment/tgw-attach-partner";

/// The gateway, or the attachment `resource`, exposes the backend to `reach`.
fn exposes(resource: &str, reach: &str) -> (String, String, String) {
    row("transit-gateway-exposes-private-backend", resource, reach)
}

/// The gateway exposes the backend to the partner.
fn transit_exposes() -> (String, String, String) {
    exposes(PARTNER_ATTACHMENT_ARN, "accounts:[222222222222]")
}

/// The partner's attachment is cross-account but reaches no backend.
fn transit_no_path() -> (String, String, String) {
    row(
        "transit-gateway-cross-account-no-path",
        PARTNER_ATTACHMENT_ARN,
        "accounts:[222222222222]",
    )
}

/// `hub` beside the partner's scan: its one finding, asserted.
#[track_caller]
fn only(hub: Target, want: (String, String, String), confidence: Confidence) -> Finding {
    let f = audit(vec![hub, partner_account()]);
    assert_eq!(summary(&f), vec![want]);
    assert_eq!(f[0].confidence, confidence);
    f.into_iter().next().expect("one finding")
}

#[test]
fn a_meshed_gateway_with_route_and_rule_exposes_the_backend() {
    let f = only(
        routed_and_admitted(meshed_hub()),
        transit_exposes(),
        Confidence::High,
    );
    assert_eq!(f.entry_point, EntryPoint::TransitGateway);
    assert_eq!(f.severity, Severity::High);
    assert_eq!((f.method.as_str(), f.path.as_str()), ("*", "*"));
    assert_says(
        &f.message,
        &[
            "Transit gateway tgw-1 (owned by 111111111111)",
            "vpc-partner (account 222222222222, 10.1.0.0/16; attachment tgw-attach-partner)",
            "route table rtb-main routes 10.1.0.0/16 -> tgw-1",
            "tgw-rtb-1 routes 10.1.0.0/16 -> tgw-attach-partner (propagated)",
            "tgw-rtb-1 routes 10.0.0.0/16 -> tgw-attach-backend (propagated)",
            "security group sg-backend admits tcp port 8080 from 10.1.0.0/16",
            "GET /orders",
            "bypasses",
        ],
    );
    assert_says(
        &f.remediation,
        &[
            "aws ec2 disable-transit-gateway-route-table-propagation --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --transit-gateway-attachment-id tgw-attach-partner",
            "as account 111111111111",
            "aws ec2 delete-route --region us-east-1 --route-table-id rtb-main --destination-cidr-block 10.1.0.0/16",
            "from sg-backend",
        ],
    );
    let tgw = &f.evidence["transit_gateway"];
    assert_eq!(tgw["other"]["attachment_id"], "tgw-attach-partner");
    assert_eq!(tgw["local"]["attachment_id"], "tgw-attach-backend");
    assert_eq!(tgw["routes"]["to_other"]["route_table"], "tgw-rtb-1");
    assert_eq!(f.evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(f.evidence["path"]["route_table"], "rtb-main");
    assert_eq!(
        f.fingerprint,
        fingerprint_of(
            "transit-gateway-exposes-private-backend",
            "tgw-attach-partner",
            NLB
        )
    );
}

#[test]
fn the_fix_removes_only_routes_that_carry_the_other_accounts_addresses() {
    // rtb-main also sends an unrelated network (not the partner's) to the gateway: that route
    // carries none of the partner's addresses, and the fix leaves it alone.
    let hub = routing_to_tgw(routed_and_admitted(meshed_hub()), "192.168.0.0/16");
    let f = only(hub, transit_exposes(), Confidence::High);
    assert_says(
        &f.remediation,
        &["aws ec2 delete-route --region us-east-1 --route-table-id rtb-main --destination-cidr-block 10.1.0.0/16"],
    );
    assert_never_says(&f.remediation, &["192.168.0.0/16"]);
}

#[test]
fn another_accounts_vpc_attached_from_the_owners_side_is_still_that_accounts() {
    // The emulator says the gateway's owner owns every VPC attached from its side: the VPC
    // is not the owner's, and the partner's scan lists it.
    let mut hub = routed_and_admitted(meshed_hub());
    let transit = hub.network.transit.as_mut().unwrap();
    transit.attachments[1].resource_owner_id = OWNER.into();
    only(hub.clone(), transit_exposes(), Confidence::High);
    // Not audited: the owner is unknown, and so are its CIDRs (every address, assumed).
    let f = only_finding(
        hub,
        exposes(HUB_PARTNER_ATTACHMENT_ARN, "accounts:[unknown]"),
        Confidence::Medium,
    );
    assert_says(&f.message, &["the CIDRs of vpc-partner are unknown"]);
}

#[test]
fn a_partner_not_audited_is_named_by_the_attachment() {
    // Its CIDRs are unknown: every address, assumed.
    only_finding(
        routed_and_admitted(meshed_hub()),
        transit_exposes(),
        Confidence::Medium,
    );
}

#[test]
fn no_route_to_the_gateway_is_informational_only() {
    let hub = admitting(meshed_hub(), tcp(8080, PEER_CIDR));
    let f = only(hub, transit_no_path(), Confidence::High);
    assert_eq!(f.severity, Severity::Info);
    assert_says(
        &f.message,
        &[
            "no route table of the private backend(s) backend sends its addresses to tgw-1",
            "Nothing is exposed today",
        ],
    );
}

#[test]
fn a_no_path_verdict_says_what_it_checked_and_what_it_could_not_read() {
    let hub = admitting(meshed_hub(), tcp(8080, PEER_CIDR));
    let f = only(hub.clone(), transit_no_path(), Confidence::High);
    assert_eq!(f.evidence["backends_checked"], json!([NLB]));
    assert_eq!(
        f.evidence["transit_gateway"]["other"]["attachment_id"],
        "tgw-attach-partner"
    );
    assert!(!f.evidence.contains_key("unread"), "{:?}", f.evidence);
    // Nothing to remove: the rule's own remediation, not an exposure's commands.
    assert_eq!(
        f.remediation,
        RuleId::TransitGatewayCrossAccountNoPath
            .rule()
            .generic_remediation()
            .trim()
    );
    // A network read failed (one no step of the path needed): the same verdict, not certain,
    // naming the read.
    let mut hub = hub;
    read_failed(
        &mut hub,
        Operation::Ec2DescribeVpcPeeringConnections,
        "Throttling",
    );
    let f = only(hub, transit_no_path(), Confidence::Medium);
    assert_eq!(
        f.evidence["unread"],
        json!(["ec2:DescribeVpcPeeringConnections (Throttling)"])
    );
    assert_says(
        &f.message,
        &["not certain", "ec2:DescribeVpcPeeringConnections"],
    );
    assert_never_says(&f.message, &["Nothing is exposed today"]);
}

#[test]
fn a_route_but_no_rule_is_informational_only() {
    for rule in [tcp(22, PEER_CIDR), tcp(8080, "10.2.0.0/16")] {
        let hub = admitting(routing_to_tgw(meshed_hub(), PEER_CIDR), rule.clone());
        only(hub, transit_no_path(), Confidence::High);
    }
}

#[test]
fn an_isolated_gateway_route_table_stops_the_other_account() {
    let isolated = |propagations: &[&str]| {
        routed_and_admitted(hub(vec![tgw_table("tgw-rtb-1", propagations, vec![])]))
    };
    // Nothing routes the replies to the partner's attachment.
    let f = only(
        isolated(&["tgw-attach-backend"]),
        transit_no_path(),
        Confidence::High,
    );
    assert_says(
        &f.message,
        &["the transit gateway route table tgw-rtb-1 (associated with tgw-attach-backend) routes none of its addresses to tgw-attach-partner"],
    );
    // Nothing routes the partner's traffic to the backend's attachment.
    let f = only(
        isolated(&["tgw-attach-partner"]),
        transit_no_path(),
        Confidence::High,
    );
    assert_says(
        &f.message,
        &["(associated with tgw-attach-partner) routes nothing of vpc-backend to tgw-attach-backend"],
    );
    // The backend's attachment in a table of its own with no route to the partner.
    let mut t = hub(vec![
        tgw_table(
            "tgw-rtb-1",
            &["tgw-attach-backend", "tgw-attach-partner"],
            vec![],
        ),
        tgw_table("tgw-rtb-isolated", &[], vec![]),
    ]);
    t.network.transit.as_mut().unwrap().attachments[0].route_table_id =
        Some("tgw-rtb-isolated".into());
    only(
        routed_and_admitted(t.clone()),
        transit_no_path(),
        Confidence::High,
    );
    // Associated with no table at all: nothing it sends is routed.
    t.network.transit.as_mut().unwrap().attachments[0].route_table_id = None;
    let f = only(routed_and_admitted(t), transit_no_path(), Confidence::High);
    assert_says(
        &f.message,
        &["tgw-attach-backend is associated with no transit gateway route table"],
    );
}

#[test]
fn a_blackhole_takes_away_what_it_covers() {
    let with_blackhole = |cidr: &str| {
        routed_and_admitted(hub(vec![tgw_table(
            "tgw-rtb-1",
            &["tgw-attach-backend", "tgw-attach-partner"],
            vec![tgw_static(cidr, &[])],
        )]))
    };
    // The same prefix: the static blackhole wins over the propagated route.
    only(
        with_blackhole(PEER_CIDR),
        transit_no_path(),
        Confidence::High,
    );
    // A more specific one takes half of the partner away.
    let f = only(
        with_blackhole("10.1.0.0/17"),
        transit_exposes(),
        Confidence::High,
    );
    assert_says(&f.message, &["Only part of it gets through: 10.1.128.0/17"]);
}

#[test]
fn static_routes_route_as_they_say() {
    let with_routes = |routes| {
        routed_and_admitted(hub(vec![tgw_table(
            "tgw-rtb-1",
            &["tgw-attach-backend"],
            routes,
        )]))
    };
    // To the partner: exposed, and the fix deletes it.
    let f = only(
        with_routes(vec![tgw_static(PEER_CIDR, &["tgw-attach-partner"])]),
        transit_exposes(),
        Confidence::High,
    );
    assert_says(
        &f.remediation,
        &["aws ec2 delete-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.1.0.0/16"],
    );
    // To another attachment: not the partner.
    only(
        with_routes(vec![tgw_static(PEER_CIDR, &["tgw-attach-other"])]),
        transit_no_path(),
        Confidence::High,
    );
    // A static route naming no attachment (as the emulator returns them): assumed to be the
    // partner's, at medium confidence.
    let mut unnamed = tgw_static(PEER_CIDR, &["x"]);
    unnamed.attachment_ids.clear();
    let f = only(
        with_routes(vec![unnamed]),
        transit_exposes(),
        Confidence::Medium,
    );
    assert_says(
        &f.message,
        &["an attachment the route does not name (static, assumed to be tgw-attach-partner)"],
    );
}

#[test]
fn the_gateway_fix_deletes_only_routes_to_the_other_attachment() {
    // tgw-rtb-1 also routes an unrelated network to a third attachment: an active route, but
    // not one that carries the traffic to the partner, so the fix leaves it in place
    // (mutant: transit.rs `isolation_commands`, `state == "active" && ...` -> `||`).
    let t = routed_and_admitted(hub(vec![tgw_table(
        "tgw-rtb-1",
        &["tgw-attach-backend"],
        vec![
            tgw_static(PEER_CIDR, &["tgw-attach-partner"]),
            tgw_static("172.16.0.0/16", &["tgw-attach-other"]),
        ],
    )]));
    let f = only(t, transit_exposes(), Confidence::High);
    assert_says(
        &f.remediation,
        &["aws ec2 delete-transit-gateway-route --region us-east-1 --transit-gateway-route-table-id tgw-rtb-1 --destination-cidr-block 10.1.0.0/16"],
    );
    assert_never_says(&f.remediation, &["172.16.0.0/16"]);
}

#[test]
fn propagated_routes_the_search_returns_count_as_read() {
    let mut propagated = tgw_static(PEER_CIDR, &["tgw-attach-partner"]);
    propagated.route_type = "propagated".into();
    let t = routed_and_admitted(hub(vec![tgw_table(
        "tgw-rtb-1",
        &["tgw-attach-backend", "tgw-attach-partner"],
        vec![propagated],
    )]));
    // The partner not audited: its CIDRs come from the route the search returned.
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![transit_exposes()]);
    assert_says(
        &f[0].message,
        &["10.1.0.0/16 -> tgw-attach-partner (propagated)"],
    );
}

#[test]
fn unread_gateway_route_tables_are_assumed_to_route_both_ways() {
    let mut t = routed_and_admitted(meshed_hub());
    t.network.transit.as_mut().unwrap().gateways[0].route_tables = None;
    read_failed(
        &mut t,
        Operation::Ec2DescribeTransitGatewayRouteTables,
        "Throttling",
    );
    let f = only(t, transit_exposes(), Confidence::Medium);
    assert_says(
        &f.message,
        &["the route tables of tgw-1 could not be read (ec2:DescribeTransitGatewayRouteTables failed: Throttling)"],
    );
    // A table whose routes or propagations could not be read.
    let mut t = routed_and_admitted(hub(vec![tgw_table("tgw-rtb-1", &[], vec![])]));
    let table = &mut t.network.transit.as_mut().unwrap().gateways[0]
        .route_tables
        .as_mut()
        .unwrap()[0];
    table.routes = None;
    t.errors.push(scan_error(
        Operation::Ec2SearchTransitGatewayRoutes,
        "AdditionalRoutesAvailable",
        Some("tgw-rtb-1"),
    ));
    let f = only(t.clone(), transit_exposes(), Confidence::Medium);
    assert_says(&f.message, &["its routes could not be read (ec2:SearchTransitGatewayRoutes failed: AdditionalRoutesAvailable)"]);
    let table = &mut t.network.transit.as_mut().unwrap().gateways[0]
        .route_tables
        .as_mut()
        .unwrap()[0];
    table.routes = Some(vec![]);
    table.propagations = None;
    let f = only(t, transit_exposes(), Confidence::Medium);
    assert_says(&f.message, &["its propagations could not be read"]);
}

/// The backend's account attached (`tgw-attach-backend`) to `tgw-1`, owned by `owner` and
/// shared with it.
fn spoke(owner: &str) -> Target {
    let mut t = base();
    let mut attachment = tgw_attachment("tgw-attach-backend", "vpc-backend", OWNER, "tgw-rtb-1");
    attachment.transit_gateway_owner_id = owner.into();
    t.network.transit = Some(Transit {
        attachments: vec![attachment],
        gateways: vec![],
    });
    t
}

#[test]
fn a_gateway_shared_by_an_account_not_audited_is_assumed_to_connect_anyone() {
    let f = only_finding(
        routed_and_admitted(spoke("999999999999")),
        exposes(
            "arn:aws:ec2:us-east-1:999999999999:transit-gateway/tgw-1",
            "accounts:[999999999999,unknown]",
        ),
        Confidence::Medium,
    );
    assert_says(
        &f.message,
        &[
            "tgw-1 is owned by 999999999999, which was not audited",
            "the transit gateway route tables (unread) are assumed to route both ways",
        ],
    );
    // Without the route back, nothing gets in: informational, and certain.
    let f = audit(vec![admitting(spoke("999999999999"), tcp(8080, PEER_CIDR))]);
    assert_eq!(rules(&f), vec!["transit-gateway-cross-account-no-path"]);
    assert_eq!(f[0].confidence, Confidence::High);
}

#[test]
fn a_gateway_shared_by_an_audited_account_is_judged_from_its_owners_scan() {
    const NETWORK_ACCOUNT: &str = "999999999999";
    let mut owner = Target {
        account_id: NETWORK_ACCOUNT.into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    let mut attachments = vec![
        tgw_attachment("tgw-attach-backend", "vpc-backend", OWNER, "tgw-rtb-1"),
        tgw_attachment("tgw-attach-partner", PARTNER_VPC, PARTNER, "tgw-rtb-1"),
    ];
    for a in &mut attachments {
        a.transit_gateway_owner_id = NETWORK_ACCOUNT.into();
    }
    owner.network.transit = Some(Transit {
        attachments,
        gateways: vec![OwnedTransitGateway {
            id: TGW.into(),
            route_tables: Some(vec![tgw_table(
                "tgw-rtb-1",
                &["tgw-attach-backend", "tgw-attach-partner"],
                vec![],
            )]),
        }],
    });
    let mut spoke = routed_and_admitted(spoke(NETWORK_ACCOUNT));
    // The association is the owner's to read: the spoke's own listing may not say it.
    spoke.network.transit.as_mut().unwrap().attachments[0].route_table_id = None;
    let f = audit(vec![spoke.clone(), owner.clone(), partner_account()]);
    assert_eq!(summary(&f), vec![transit_exposes()]);
    assert_eq!(f[0].confidence, Confidence::High);
    assert_says(&f[0].remediation, &["as account 999999999999"]);
    // The owner isolates the partner: certain, and nothing is exposed.
    owner.network.transit.as_mut().unwrap().gateways[0].route_tables = Some(vec![tgw_table(
        "tgw-rtb-1",
        &["tgw-attach-backend"],
        vec![],
    )]);
    let f = audit(vec![spoke, owner, partner_account()]);
    assert_eq!(summary(&f), vec![transit_no_path()]);
}

#[test]
fn unread_attachments_leave_every_route_to_a_gateway_open() {
    // An older snapshot (no transit facts) or a failed listing: a route to a transit gateway
    // may lead anywhere, never nowhere.
    let mut t = routed_and_admitted(base());
    t.network.transit = None;
    let f = only_finding(
        t.clone(),
        exposes(
            "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1",
            "accounts:[unknown]",
        ),
        Confidence::Medium,
    );
    assert_says(&f.message, &["the snapshot predates them"]);
    read_failed(
        &mut t,
        Operation::Ec2DescribeTransitGatewayAttachments,
        "AccessDenied",
    );
    let f = audit(vec![t.clone()]);
    assert_says(
        &f[0].message,
        &["ec2:DescribeTransitGatewayAttachments failed: AccessDenied"],
    );
    // Without a rule admitting it, no finding: whether the gateway is another account's is
    // unknown.
    t.network.security_groups[0].ingress.pop();
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn same_account_pending_and_vpn_attachments_are_not_another_account() {
    let with_partner = |edit: &dyn Fn(&mut crate::inventory::TgwAttachment)| {
        let mut t = routed_and_admitted(meshed_hub());
        edit(&mut t.network.transit.as_mut().unwrap().attachments[1]);
        t
    };
    let own_vpc = with_partner(&|a| a.resource_owner_id = OWNER.into());
    let mut own_vpc_listed = own_vpc.clone();
    own_vpc_listed.network.vpcs.push(crate::inventory::Vpc {
        id: PARTNER_VPC.into(),
        cidr_blocks: vec![PEER_CIDR.into()],
    });
    assert_eq!(audit(vec![own_vpc_listed]), vec![]);
    assert_eq!(
        audit(vec![
            with_partner(&|a| a.state = "pendingAcceptance".into()),
            partner_account()
        ]),
        vec![]
    );
    assert_eq!(
        audit(vec![
            with_partner(&|a| a.resource_type = "vpn".into()),
            partner_account()
        ]),
        vec![]
    );
}

#[test]
fn a_peering_with_another_gateway_reaches_whatever_is_behind_it() {
    let mut t = routed_and_admitted(hub(vec![tgw_table(
        "tgw-rtb-1",
        &["tgw-attach-backend"],
        vec![tgw_static("10.0.0.0/8", &["tgw-attach-partner"])],
    )]));
    let peer = &mut t.network.transit.as_mut().unwrap().attachments[1];
    peer.resource_type = "peering".into();
    peer.resource_id = "tgw-far".into();
    peer.resource_owner_id = "333333333333".into();
    let f = only_finding(
        t,
        exposes(
            HUB_PARTNER_ATTACHMENT_ARN,
            "accounts:[333333333333,unknown]",
        ),
        Confidence::Medium,
    );
    assert_says(&f.message, &["whatever the transit gateway tgw-far"]);
}

#[test]
fn a_partner_security_group_reference_admits_it() {
    let rule = IngressRule {
        source_group_ids: vec!["sg-partner".into()],
        ..on_port(8080)
    };
    let mut partner = partner_account();
    partner
        .network
        .security_groups
        .push(sg("sg-partner", PARTNER_VPC, vec![]));
    let hub = admitting(routing_to_tgw(meshed_hub(), PEER_CIDR), rule);
    let f = audit(vec![hub, partner]);
    assert_eq!(summary(&f), vec![transit_exposes()]);
    assert_eq!(f[0].confidence, Confidence::High);
}

#[test]
fn a_vpc_shared_with_this_account_stays_its_side_when_the_vpcs_cannot_be_read() {
    // vpc-backend belongs to 333333333333, which shares its subnet with the hub's account (VPC
    // sharing): the hub's load balancer and instance live in it, DescribeVpcs lists it with
    // the account's own VPCs, and its attachment names its owner.
    let shared = || {
        let mut hub = routed_and_admitted(meshed_hub());
        hub.network.transit.as_mut().unwrap().attachments[0].resource_owner_id =
            "333333333333".into();
        hub
    };
    let read = audit(vec![shared(), partner_account()]);
    assert_eq!(summary(&read), vec![transit_exposes()]);
    // DescribeVpcs failed: nothing says which VPCs are the account's, but its backend is
    // still in vpc-backend, whose attachment stays this side of the gateway: the same exposure,
    // not silence. (Taking only this account's attachments for its VPCs lost it.) The
    // partner's attachment, a candidate too, holds no backend of the hub: no finding from it.
    let mut hub = shared();
    hub.network.vpcs.clear();
    read_failed(&mut hub, Operation::Ec2DescribeVpcs, "RequestLimitExceeded");
    let unread = audit(vec![hub.clone(), partner_account()]);
    assert_eq!(summary(&unread), vec![transit_exposes()]);
    assert_says(
        &unread[0].message,
        &["security group sg-backend admits tcp port 8080 from 10.1.0.0/16"],
    );
    // The hub's own VPC, likewise.
    hub.network.transit.as_mut().unwrap().attachments[0].resource_owner_id = OWNER.into();
    let own = audit(vec![hub, partner_account()]);
    assert_eq!(summary(&own), vec![transit_exposes()]);
}

#[test]
fn a_vpc_without_a_private_backend_has_no_transit_finding() {
    let mut t = routed_and_admitted(meshed_hub());
    t.network.load_balancers.clear();
    t.vpc_links.clear();
    assert_eq!(audit(vec![t, partner_account()]), vec![]);
    // And an empty network with nothing attached reports nothing.
    let empty = Target {
        network: Network {
            transit: Some(Transit::default()),
            ..Default::default()
        },
        ..base()
    };
    assert_eq!(audit(vec![empty]), vec![]);
}
