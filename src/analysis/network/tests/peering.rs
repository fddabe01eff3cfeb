//! VPC peering: routes back through the peering ∩ security groups admitting the peer, directly
//! at the targets or through an internal NLB; facts that could not be read are assumed to let
//! the peer through, at medium confidence, and said so.

// Equivalent mutants (cargo-mutants, docs/mutation-testing.md): no input can tell them apart.
// - peering.rs `no_path_finding`, field `specific_fix` deleted from the `FindingDraft`: the draft
//   it completes (`Crossing::draft`, from `FindingDraft::network_path`) already has an empty
//   `specific_fix`, so the field only states the default; either way a no-path finding carries
//   the rule's generic remediation (nothing to remove).

use super::fixtures::*;
use super::*;
use crate::inventory::{GroupRef, IngressRule, LbTarget, Network, Route, RouteTable, Subnet};
use crate::model::Severity;
use serde_json::json;

#[test]
fn cross_account_peering_with_route_and_rule_exposes_the_backend() {
    let f = audit(vec![peered_exposed()]);
    assert_eq!(summary(&f), vec![peering_exposes()]);
    let f = &f[0];
    assert_says(
        &f.message,
        &[
            "pcx-1",
            "rtb-main",
            "10.1.0.0/16 -> pcx-1",
            "sg-backend",
            "GET /orders",
            "bypasses",
        ],
    );
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.evidence["path"]["security_group"], "sg-backend");
}

#[test]
fn covering_cidrs_and_any_address_admit_the_peer_too() {
    for cidr in ["10.0.0.0/8", "0.0.0.0/0", "10.1.2.0/24"] {
        let f = audit(vec![admitting(peered_routed(), tcp(8080, cidr))]);
        assert_eq!(summary(&f), vec![peering_exposes()], "{cidr}");
    }
    let mut all_ports = tcp(0, PEER_CIDR);
    all_ports.protocol = "-1".into();
    all_ports.from_port = None;
    all_ports.to_port = None;
    let f = audit(vec![admitting(peered_routed(), all_ports)]);
    assert_eq!(f.len(), 1);
}

#[test]
fn a_rule_for_another_port_or_network_does_not_admit_the_peer() {
    for rule in [
        tcp(22, PEER_CIDR),
        tcp(8080, "10.2.0.0/16"),
        tcp(8080, "192.168.0.0/16"),
    ] {
        let f = audit(vec![admitting(peered_routed(), rule.clone())]);
        assert_eq!(summary(&f), vec![peering_no_path()], "{rule:?}");
        assert_eq!(f[0].severity, Severity::Info);
    }
}

#[test]
fn peering_without_a_route_is_informational_only() {
    let f = audit(vec![admitting(peered(), tcp(8080, PEER_CIDR))]);
    assert_eq!(summary(&f), vec![peering_no_path()]);
    assert_says(&f[0].message, &["Nothing is exposed today"]);
}

#[test]
fn a_route_in_another_subnets_table_does_not_count() {
    let mut t = admitting(peered(), tcp(8080, PEER_CIDR));
    // The peer route lives in a table associated with another subnet only.
    t.network.route_tables.push(RouteTable {
        id: "rtb-other".into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec!["subnet-other".into()],
        main: false,
        routes: vec![pcx_route(PEER_CIDR)],
    });
    let f = audit(vec![t.clone()]);
    assert_eq!(summary(&f), vec![peering_no_path()]);
    // Associate the backend's subnet with it: now it counts.
    t.network.route_tables[1].subnet_ids.push("subnet-a".into());
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![peering_exposes()]);
    assert_says(&f[0].message, &["rtb-other"]);
}

#[test]
fn same_account_and_inactive_peerings_are_never_cross_account() {
    let exposed_by = |status: &str, peer_owner: &str| {
        let mut t = peered_exposed();
        t.network.peerings[0] = peering(status, peer_owner);
        t
    };
    assert_eq!(audit(vec![exposed_by("active", OWNER)]), vec![]);
    for status in ["pending-acceptance", "rejected", "deleted"] {
        assert_eq!(audit(vec![exposed_by(status, PARTNER)]), vec![], "{status}");
    }
}

#[test]
fn a_peer_security_group_reference_admits_the_peer() {
    let rule = IngressRule {
        source_group_ids: vec!["sg-partner".into()],
        ..on_port(8080)
    };
    // The partner account is audited too: its group is known to live in the peer VPC.
    let partner = Target {
        account_id: PARTNER.into(),
        region: "us-east-1".into(),
        network: Network {
            security_groups: vec![sg("sg-partner", "vpc-partner", vec![])],
            ..Default::default()
        },
        ..Default::default()
    };
    let f = audit(vec![admitting(peered_routed(), rule.clone()), partner]);
    assert_eq!(summary(&f), vec![peering_exposes()]);
    assert_eq!(f[0].confidence, Confidence::High);
    // Not audited: a foreign group can only be referenced across a peering, so it is assumed
    // to be the peer's, at medium confidence.
    only_finding(
        admitting(peered_routed(), rule),
        peering_exposes(),
        Confidence::Medium,
    );
}

// ---------------------------------------------------------------------------------------------
// Client IP preservation through an internal NLB.

#[test]
fn an_nlb_without_groups_and_ip_targets_lets_the_peer_in_as_its_own_address() {
    // IP targets over TCP: preservation is off by default, so the target sees the NLB's
    // address (10.0.1.x), which its VPC-CIDR rule admits: the peer gets in through the NLB.
    let f = audit(vec![peered_through_nlb("ip", "TCP", None)]);
    assert_eq!(summary(&f), vec![peering_exposes()]);
    let f = &f[0];
    assert_eq!(f.confidence, Confidence::High);
    assert_says(
        &f.message,
        &["client IP preservation is off", "has no security groups"],
    );
    assert_eq!(
        f.evidence["path"]["via"],
        "load balancer backend to target i-backend:8080"
    );
    assert_eq!(f.evidence["path"]["security_group"], "sg-backend");
    assert_eq!(
        f.evidence["path"]["peer_addresses_through"],
        json!(["10.1.0.0/16"])
    );
}

#[test]
fn client_ip_preservation_decides_whose_address_the_target_must_admit() {
    // The attribute turned on for IP targets: the target sees the peer, which it does not admit.
    let f = audit(vec![peered_through_nlb("ip", "TCP", Some(true))]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    // UDP always preserves, whatever the attribute says.
    let f = audit(vec![peered_through_nlb("ip", "UDP", Some(false))]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    // Instance targets preserve by default; turned off, the NLB's address gets in.
    let f = audit(vec![peered_through_nlb("instance", "TCP", None)]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    let f = audit(vec![peered_through_nlb("instance", "TCP", Some(false))]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
}

#[test]
fn a_target_seeing_the_nlb_admits_the_nlbs_address_and_says_so() {
    // IP targets over TCP: the target sees the NLB's own address (subnet-a), which its VPC
    // rule admits; the finding names the rule with whose address it admitted.
    let f = only_finding(
        peered_through_nlb("ip", "TCP", None),
        peering_exposes(),
        Confidence::High,
    );
    assert_says(
        &f.message,
        &["security group sg-backend admits tcp port 8080 from 10.0.0.0/16 (the NLB's own address)"],
    );
    // Neither the NLB's subnet nor its VPC is known: its address could be any, so the rule is
    // taken to admit it; that is an assumption (medium confidence), and the finding says which.
    let mut t = peered_through_nlb("ip", "TCP", None);
    t.network.load_balancers[0].subnet_ids = vec!["subnet-gone".into()];
    t.network.vpcs.clear();
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(
        &f.message,
        &["(taken for the NLB's own address: its subnets could not be read)"],
    );
}

#[test]
fn unreadable_target_group_attributes_assume_the_wider_and_say_so() {
    let mut t = peered_through_nlb("instance", "TCP", None);
    t.network.load_balancers[0].target_groups[0].attributes_error = Some("AccessDenied".into());
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["client IP preservation is unknown"]);
}

/// [`peered_routed`] with the backend NLB forwarding (target type `alb`, TCP port 80) to the
/// internal ALB in front of the backend, listening on 80 behind `sg-alb` with `alb_rules`.
fn peered_through_nlb_to_alb(alb_rules: Vec<IngressRule>) -> Target {
    let mut t = peered_through_nlb("alb", "TCP", None);
    t.network.load_balancers[0].target_groups[0].targets = vec![LbTarget {
        id: INTERNAL_ALB.into(),
        port: Some(80),
        ..Default::default()
    }];
    let mut alb = internal_alb(&[BACKEND]);
    listen_behind(&mut alb, "sg-alb", 80, "HTTP");
    t.network.load_balancers.push(alb);
    t.network
        .security_groups
        .push(sg("sg-alb", "vpc-backend", alb_rules));
    t
}

#[test]
fn an_alb_behind_an_nlb_always_sees_the_peer_itself() {
    // "When the target group type is alb, you can't modify the target group attributes. These
    // attributes always use their default values" (ELB guide, "Use an Application Load Balancer
    // as a target of a Network Load Balancer"), and preserve_client_ip.enabled defaults to
    // enabled for every group but IP targets over TCP/TLS (API reference,
    // TargetGroupAttribute): the ALB sees the peer's address, never the NLB's.
    // Its group admitting only its own VPC (the NLB's addresses) keeps the peer out: no path.
    // (Before this was known, preservation was unknown and the NLB's addresses were taken to
    // get through: a medium-confidence exposure that AWS would not let happen.)
    let f = only_finding(
        peered_through_nlb_to_alb(vec![tcp(80, "10.0.0.0/16")]),
        peering_no_path(),
        Confidence::High,
    );
    assert_never_says(&f.message, &["client IP preservation is unknown"]);
    // Admitting the peer, the ALB lets it in (straight, or through the NLB: either is certain).
    let f = only_finding(
        peered_through_nlb_to_alb(vec![tcp(80, PEER_CIDR)]),
        peering_exposes(),
        Confidence::High,
    );
    assert_says(
        &f.message,
        &["security group sg-alb admits tcp port 80 from 10.1.0.0/16"],
    );
}

#[test]
fn a_target_group_of_unknown_preservation_makes_even_a_direct_admission_an_assumption() {
    // IP target 10.0.2.10 in subnet-b, whose route table sends nothing back to the peer (so
    // the peer never reaches it straight), behind the NLB in subnet-a (whose table does); the
    // target admits the peer itself.
    let estate = |protocol: Option<&str>| {
        let mut t = admitting(peered_through_nlb("ip", "TCP", None), tcp(8080, PEER_CIDR));
        let n = &mut t.network;
        n.subnets.push(Subnet {
            id: "subnet-b".into(),
            vpc_id: "vpc-backend".into(),
            cidr_block: "10.0.2.0/24".into(),
            ..Default::default()
        });
        n.route_tables.push(RouteTable {
            id: "rtb-b".into(),
            vpc_id: "vpc-backend".into(),
            subnet_ids: vec!["subnet-b".into()],
            main: false,
            routes: vec![],
        });
        n.instances[0].subnet_id = Some("subnet-b".into());
        n.instances[0].private_ip = Some("10.0.2.10".into());
        let tg = &mut n.load_balancers[0].target_groups[0];
        tg.targets[0].id = "10.0.2.10".into();
        tg.protocol = protocol.map(String::from);
        t
    };
    // Protocol given (TCP, IP targets: preservation off by default): the target sees the
    // NLB's address, which its VPC rule admits, for certain.
    let f = only_finding(estate(Some("TCP")), peering_exposes(), Confidence::High);
    assert_says(&f.message, &["client IP preservation is off"]);
    // No protocol and no attribute in the answer: preservation is unknown although no read
    // failed. The target admits either address, but which one it sees is a guess: assumed,
    // medium confidence, whichever address the path was found through.
    let f = only_finding(estate(None), peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["client IP preservation is unknown"]);
    // Admitting only the peer (not its VPC), the path holds only if client IPs are preserved.
    let mut t = estate(None);
    t.network.security_groups[0].ingress.remove(0);
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(
        &f.message,
        &[
            "client IP preservation is unknown",
            "security group sg-backend admits tcp port 8080 from 10.1.0.0/16",
        ],
    );
}

#[test]
fn an_nlb_with_groups_admitting_the_peer_still_needs_targets_that_admit_whom_they_see() {
    let with_nlb_group = |target_type: &str| {
        let mut t = peered_through_nlb(target_type, "TCP", None);
        let nlb = &mut t.network.load_balancers[0];
        listen_behind(nlb, "sg-nlb", 8080, "TCP");
        t.network
            .security_groups
            .push(sg("sg-nlb", "vpc-backend", vec![tcp(8080, PEER_CIDR)]));
        audit(vec![t])
    };
    // Instance targets see the peer (preserved) and admit only their VPC: dropped there.
    assert_eq!(
        rules(&with_nlb_group("instance")),
        vec!["peering-cross-account-no-path"]
    );
    // IP targets see the NLB, which their VPC rule admits: the peer gets through.
    let f = with_nlb_group("ip");
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_says(
        &f[0].message,
        &["security group sg-nlb admits tcp port 8080 from 10.1.0.0/16"],
    );
}

// ---------------------------------------------------------------------------------------------
// Routes: prefix lists, longest prefix match, and routed ∩ admitted.

#[test]
fn peering_routes_and_rules_given_as_prefix_lists_count() {
    let mut t = admitting(peered(), prefix_list_rule(8080, "pl-peer"));
    t.network.route_tables[0].routes.push(Route {
        destination_prefix_list_id: Some("pl-peer".into()),
        vpc_peering_connection_id: Some("pcx-1".into()),
        ..Default::default()
    });
    t.network.prefix_lists.push(prefix_list(
        "pl-peer",
        "partner-vpc",
        OWNER,
        Some(&[PEER_CIDR]),
    ));
    let f = only_finding(t.clone(), peering_exposes(), Confidence::High);
    assert_eq!(
        f.evidence["path"]["route"],
        "prefix list pl-peer (partner-vpc) -> pcx-1"
    );
    // A list of other addresses routes nothing of the peer.
    t.network.prefix_lists[0].cidrs = Some(vec!["10.7.0.0/16".into()]);
    assert_eq!(
        rules(&audit(vec![t.clone()])),
        vec!["peering-cross-account-no-path"]
    );
    // Unreadable: assumed to carry and admit the peer, at medium confidence.
    t.network.prefix_lists.clear();
    only_finding(t, peering_exposes(), Confidence::Medium);
}

#[test]
fn a_more_specific_route_elsewhere_takes_the_peer_away() {
    let with_routes = |routes: Vec<Route>| {
        let mut t = admitting(peered(), tcp(8080, PEER_CIDR));
        t.network.route_tables[0].routes.extend(routes);
        audit(vec![t])
    };
    let f = with_routes(vec![pcx_route("10.0.0.0/8"), tgw_route("10.1.0.0/16")]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    // Half of the peer still goes back through the peering.
    let f = with_routes(vec![pcx_route("10.0.0.0/8"), tgw_route("10.1.0.0/17")]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(
        f[0].evidence["path"]["peer_addresses_through"],
        json!(["10.1.128.0/17"])
    );
    assert_says(&f[0].message, &["Only part of the peer"]);
    // A less specific route elsewhere takes nothing away.
    let f = with_routes(vec![pcx_route("10.1.0.0/16"), tgw_route("10.0.0.0/8")]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
}

#[test]
fn the_routed_and_the_admitted_peer_addresses_must_meet() {
    let with_rule = |cidr: &str| {
        let mut t = admitting(peered(), tcp(8080, cidr));
        t.network.route_tables[0]
            .routes
            .push(pcx_route("10.1.5.0/24"));
        audit(vec![t])
    };
    assert_eq!(
        rules(&with_rule("10.1.9.0/24")),
        vec!["peering-cross-account-no-path"]
    );
    let f = with_rule("10.1.5.128/25");
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(
        f[0].evidence["path"]["peer_addresses_through"],
        json!(["10.1.5.128/25"])
    );
}

#[test]
fn ipv6_peer_cidrs_are_routed_and_admitted_too() {
    let mut t = admitting(peered(), tcp(8080, "::/0"));
    t.network.peerings[0].accepter.cidr_blocks =
        vec![PEER_CIDR.into(), "2600:1f18:aaaa:bb00::/56".into()];
    t.network.route_tables[0]
        .routes
        .push(pcx_route("2600:1f18:aaaa:bb00::/56"));
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(
        f[0].evidence["path"]["peer_addresses_through"],
        json!(["2600:1f18:aaaa:bb00::/56"])
    );
}

#[test]
fn an_ipv6_ip_target_is_placed_in_its_subnet_by_its_ipv6_cidr() {
    // An IP target with no known interface: its subnet (by IPv6 CIDR) routes the peer back,
    // its groups are unknown: assumed at medium confidence.
    let mut t = peered_routed();
    t.network.subnets[0].ipv6_cidr_blocks = vec!["2600:1f18:aaaa:1::/64".into()];
    let tg = &mut t.network.load_balancers[0].target_groups[0];
    tg.target_type = "ip".into();
    tg.protocol = Some("UDP".into());
    tg.targets[0].id = "2600:1f18:aaaa:1::10".into();
    only_finding(t, peering_exposes(), Confidence::Medium);
}

// ---------------------------------------------------------------------------------------------
// Source groups: judged by their owner.

#[test]
fn a_source_group_admits_the_peer_only_when_it_is_the_peers() {
    let audit_with = |pair: GroupRef| audit(vec![admitting(peered_routed(), group_rule(pair))]);
    let pair = |user: Option<&str>, pcx: Option<&str>| GroupRef {
        group_id: "sg-foreign".into(),
        user_id: user.map(str::to_string),
        vpc_peering_connection_id: pcx.map(str::to_string),
        ..Default::default()
    };
    // Owned by the peer account: certain.
    let f = audit_with(pair(Some(PARTNER), None));
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, Confidence::High);
    // Referenced through this very peering: certain.
    let f = audit_with(pair(None, Some("pcx-1")));
    assert_eq!(f[0].confidence, Confidence::High);
    // A third account's group, or one reached through another peering: not this peer.
    for other in [
        pair(Some("333333333333"), None),
        pair(Some(PARTNER), Some("pcx-9")),
    ] {
        assert_eq!(
            rules(&audit_with(other.clone())),
            vec!["peering-cross-account-no-path"],
            "{other:?}"
        );
    }
    // This account's own group (a local VPC's): not the peer.
    let f = audit_with(pair(Some(OWNER), None));
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    // Owner unknown: assumed, at medium confidence.
    let f = audit_with(pair(None, None));
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, Confidence::Medium);
}

// ---------------------------------------------------------------------------------------------
// Facts that could not be read: assumed to let the peer through, at medium confidence, and
// said so; never "nothing is exposed".

#[test]
fn review_unreadable_security_groups_do_not_hide_a_peering_path() {
    let mut t = peered_exposed();
    t.network.security_groups.clear();
    read_failed(
        &mut t,
        Operation::Ec2DescribeSecurityGroups,
        "RequestLimitExceeded",
    );
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(
        &f.message,
        &[
            "sg-backend",
            "ec2:DescribeSecurityGroups",
            "RequestLimitExceeded",
        ],
    );
    let assumed = f.evidence["path"]["assumed"].to_string();
    assert_says(&assumed, &["ec2:DescribeSecurityGroups"]);
}

#[test]
fn review_unreadable_route_tables_do_not_hide_a_peering_path() {
    let mut t = peered_exposed();
    route_tables_unread(&mut t);
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["ec2:DescribeRouteTables"]);
    assert_never_says(&f.message, &["route table  routes"]);
}

#[test]
fn reads_of_other_services_do_not_lower_a_peering_verdict() {
    // A peering verdict stands on EC2 and ELB facts only: a failed IAM or WAF read says
    // nothing about routes and security groups.
    let mut t = peered_exposed();
    read_failed(
        &mut t,
        Operation::IamGetAccountAuthorizationDetails,
        "AccessDenied",
    );
    read_failed(
        &mut t,
        Operation::Wafv2GetWebAclForResource,
        "AccessDeniedException",
    );
    let f = only_finding(t, peering_exposes(), Confidence::High);
    assert_never_says(
        &f.message,
        &["GetAccountAuthorizationDetails", "GetWebACLForResource"],
    );
    // Nor do they make a no-path verdict uncertain.
    let mut t = admitting(peered(), tcp(8080, PEER_CIDR));
    read_failed(
        &mut t,
        Operation::IamGetAccountAuthorizationDetails,
        "AccessDenied",
    );
    let f = only_finding(t, peering_no_path(), Confidence::High);
    assert_says(&f.message, &["Nothing is exposed today"]);
}

#[test]
fn a_peering_finding_is_identified_by_its_account_region_peering_and_backend() {
    let f = audit(vec![peered_exposed()]);
    assert_eq!(f.len(), 1);
    let backend = f[0].evidence["backend"]["load_balancer"]
        .as_str()
        .or_else(|| f[0].evidence["backend"]["instance"].as_str())
        .map(str::to_string);
    let mut parts = vec![
        "peering-exposes-private-backend".to_string(),
        OWNER.to_string(),
        "us-east-1".to_string(),
        "pcx-1".to_string(),
    ];
    parts.extend(backend);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    assert_eq!(
        f[0].fingerprint,
        crate::model::fingerprint(&parts),
        "{:?}",
        f[0].evidence
    );
}

#[test]
fn a_group_missing_from_a_complete_listing_is_assumed_to_admit_the_peer() {
    // The instance names a group the listing did not return (created or changed between the
    // two reads): its rules are unknown, not empty.
    let mut t = peered_routed();
    t.network.instances[0].security_group_ids = vec!["sg-gone".into()];
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["sg-gone"]);
}

#[test]
fn read_facts_that_stop_the_peer_still_stop_it_when_others_are_unread() {
    // The route tables could not be read, but the backend's group (read) admits only its own
    // VPC and the NLB (instance targets) passes the peer's address: nothing gets in whatever
    // the routes are. The verdict stays "no path", but it does not claim the scan was whole.
    let mut t = peered();
    route_tables_unread(&mut t);
    let f = only_finding(t, peering_no_path(), Confidence::Medium);
    assert_never_says(&f.message, &["Nothing is exposed today"]);
    assert_says(&f.message, &["ec2:DescribeRouteTables"]);
    assert_eq!(
        f.evidence["unread"],
        json!(["ec2:DescribeRouteTables (RequestLimitExceeded)"])
    );
}

#[test]
fn unreadable_instances_do_not_hide_a_peering_path() {
    let mut t = peered_routed();
    t.network.instances.clear();
    read_failed(&mut t, Operation::Ec2DescribeInstances, "InternalError");
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["ec2:DescribeInstances"]);
}

#[test]
fn an_instance_missing_from_a_complete_listing_is_unknown_not_absent() {
    // The listing was read in full and the target is not in it (terminated since, or in a
    // subnet shared by another account): its subnet and groups are unknown, so assumed.
    let mut t = peered_routed();
    t.network.load_balancers[0].target_groups[0].targets[0].id = "i-elsewhere".into();
    let f = only_finding(t, peering_exposes(), Confidence::Medium);
    assert_says(
        &f.message,
        &["instance i-elsewhere is not among the instances read"],
    );
}

#[test]
fn unreadable_targets_of_a_peered_backend_do_not_hide_a_peering_path() {
    // Read, the instance target sees the peer (preserved) and admits only its VPC: no path.
    let mut t = peered_routed();
    assert_eq!(
        rules(&audit(vec![t.clone()])),
        vec!["peering-cross-account-no-path"]
    );
    // Not read: the NLB (no groups) takes the routed peer, and its targets are unknown.
    targets_unread(&mut t, 0, "AccessDenied");
    let f = only_finding(t.clone(), peering_exposes(), Confidence::Medium);
    assert_says(&f.message, &["targets", "could not be read"]);
    // No table of the VPC routes the peer to the peering: nothing gets in, targets or not.
    t.network.route_tables[0].routes.pop();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
}

#[test]
fn a_peering_whose_peer_cidrs_are_unknown_assumes_every_address() {
    let mut t = peered_exposed();
    t.network.peerings[0].accepter.cidr_blocks.clear();
    only_finding(t, peering_exposes(), Confidence::Medium);
}

#[test]
fn peering_fix_with_unread_route_tables_says_to_read_them_not_to_remove_an_assumed_route() {
    let mut t = peered_exposed();
    route_tables_unread(&mut t);
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    let fix = &f[0].remediation;
    assert!(
        fix.starts_with("Read the route tables of vpc-backend (aws ec2 describe-route-tables --filters Name=vpc-id,Values=vpc-backend) and remove any route to the peer through pcx-1"),
        "{fix}"
    );
    assert_never_says(fix, &[" from  or"]);
}
