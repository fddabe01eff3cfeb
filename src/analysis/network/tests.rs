//! Network bypass verdicts from hand-built inventories: no network, one estate per case.
//!
//! The base estate is the project's safe design: an internal NLB in front of one instance
//! (the legacy API on port 8080), an API Gateway VPC link to that NLB, and a REST API method
//! `GET /orders` (AWS_IAM) forwarding through the link. Each test adds one tempting
//! alternative and pins the verdict.

use super::public_lb::POSSIBLE_BACKENDS_LISTED;
use crate::inventory::{
    ApiResource, EndpointService, GroupRef, IngressRule, Instance, Integration, Inventory,
    LbTarget, Listener, LoadBalancer, Network, NetworkInterface, PeeringSide, PrefixList, RestApi,
    RestMethod, Route, RouteTable, SecurityGroup, Stage, Subnet, Target, TargetGroup, VpcLink,
    VpcPeering,
};
use crate::model::{EntryPoint, Finding};
use serde_json::json;

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";
const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/backend/1";
const PUBLIC_NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/public/2";
const PUBLIC_ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/public/3";

fn sg(id: &str, vpc: &str, rules: Vec<IngressRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        vpc_id: vpc.into(),
        ingress: rules,
    }
}

fn tcp(port: i32, cidr: &str) -> IngressRule {
    IngressRule {
        protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        cidrs: vec![cidr.into()],
        ..Default::default()
    }
}

fn lb(
    arn: &str,
    name: &str,
    kind: &str,
    scheme: &str,
    targets: &[(&str, i32)],
    target_type: &str,
) -> LoadBalancer {
    LoadBalancer {
        arn: arn.into(),
        name: name.into(),
        lb_type: kind.into(),
        scheme: scheme.into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec!["subnet-a".into()],
        dns_name: Some(format!("{name}.elb.amazonaws.com")),
        target_groups: vec![TargetGroup {
            arn: format!("{arn}/tg"),
            name: format!("{name}-tg"),
            target_type: target_type.into(),
            port: Some(8080),
            vpc_id: "vpc-backend".into(),
            targets: targets
                .iter()
                .map(|(id, port)| LbTarget {
                    id: id.to_string(),
                    port: Some(*port),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        targets_read: true,
        ..Default::default()
    }
}

/// One listener (`port`, `protocol`) on `lb`, behind the single security group `group`.
fn listen_behind(lb: &mut LoadBalancer, group: &str, port: i32, protocol: &str) {
    lb.security_group_ids = vec![group.into()];
    lb.listeners = vec![Listener {
        arn: "l1".into(),
        port,
        protocol: protocol.into(),
        target_group_arns: vec![],
    }];
    lb.listeners_read = true;
}

fn base() -> Target {
    let mut t = Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    let n = &mut t.network;
    n.vpcs.push(crate::inventory::Vpc {
        id: "vpc-backend".into(),
        cidr_blocks: vec!["10.0.0.0/16".into()],
    });
    n.subnets.push(Subnet {
        id: "subnet-a".into(),
        vpc_id: "vpc-backend".into(),
        cidr_block: "10.0.1.0/24".into(),
        ..Default::default()
    });
    n.route_tables.push(RouteTable {
        id: "rtb-main".into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec![],
        main: true,
        routes: vec![Route {
            destination_cidr: "10.0.0.0/16".into(),
            gateway_id: Some("local".into()),
            vpc_peering_connection_id: None,
            ..Default::default()
        }],
    });
    n.security_groups.push(sg(
        "sg-backend",
        "vpc-backend",
        vec![tcp(8080, "10.0.0.0/16")],
    ));
    n.instances.push(Instance {
        id: "i-backend".into(),
        vpc_id: Some("vpc-backend".into()),
        subnet_id: Some("subnet-a".into()),
        private_ip: Some("10.0.1.10".into()),
        security_group_ids: vec!["sg-backend".into()],
    });
    n.load_balancers.push(lb(
        NLB,
        "backend",
        "network",
        "internal",
        &[("i-backend", 8080)],
        "instance",
    ));
    t.vpc_links.push(VpcLink {
        id: "vl-1".into(),
        name: "legacy".into(),
        target_arns: vec![NLB.into()],
        status: Some("AVAILABLE".into()),
    });
    t.rest_apis.push(RestApi {
        id: "api1".into(),
        name: "partner-api".into(),
        endpoint_types: vec!["REGIONAL".into()],
        resources: vec![ApiResource {
            id: "r1".into(),
            path: "/orders".into(),
            methods: vec![RestMethod {
                http_method: "GET".into(),
                authorization_type: "AWS_IAM".into(),
                integration: Some(Integration {
                    integration_type: Some("HTTP_PROXY".into()),
                    connection_type: Some("VPC_LINK".into()),
                    connection_id: Some("vl-1".into()),
                    uri: Some("http://backend.elb.amazonaws.com/orders".into()),
                }),
                ..Default::default()
            }],
        }],
        stages: vec![Stage {
            name: "prod".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    t
}

fn audit(targets: Vec<Target>) -> Vec<Finding> {
    let inv = Inventory {
        targets,
        ..Default::default()
    };
    crate::analysis::analyze(&inv)
}

/// (rule, resource, reach) of every finding, sorted.
fn summary(findings: &[Finding]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.resource_arn.clone(), f.reach.clone()))
        .collect();
    v.sort();
    v
}

fn row(rule: &str, resource: &str, reach: &str) -> (String, String, String) {
    (rule.into(), resource.into(), reach.into())
}

fn service(principals: &[&str]) -> EndpointService {
    EndpointService {
        service_id: "vpce-svc-1".into(),
        service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-1".into(),
        acceptance_required: false,
        network_load_balancer_arns: vec![NLB.into()],
        allowed_principals: principals.iter().map(|p| p.to_string()).collect(),
        connected_accounts: Some(vec![PARTNER.into()]),
        ..Default::default()
    }
}

const SVC_ARN: &str = "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-1";
const PCX_ARN: &str = "arn:aws:ec2:us-east-1:111111111111:vpc-peering-connection/pcx-1";

#[test]
fn the_safe_design_has_no_network_finding() {
    assert_eq!(audit(vec![base()]), vec![]);
}

#[test]
fn endpoint_service_open_to_everyone_is_critical_and_names_the_bypassed_methods() {
    let mut t = base();
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-any-account",
            SVC_ARN,
            "any_aws_account"
        )]
    );
    let f = &f[0];
    assert_eq!(f.severity, crate::model::Severity::Critical);
    assert_eq!(
        (f.auth.as_str(), f.write, f.method.as_str(), f.path.as_str()),
        ("network_only", true, "*", "*")
    );
    assert_eq!(f.entry_point, EntryPoint::Privatelink);
    for needle in [
        "vpce-svc-1",
        "GET /orders",
        "api1",
        "AWS_IAM",
        "bypasses",
        "acceptance not required",
        PARTNER,
        "i-backend:8080",
    ] {
        assert!(
            f.message.contains(needle),
            "message lacks {needle:?}: {}",
            f.message
        );
    }
    assert_eq!(f.evidence["bypassed_methods"][0]["path"], "/orders");
    assert!(
        f.remediation.contains("--remove-allowed-principals"),
        "{}",
        f.remediation
    );
}

#[test]
fn endpoint_service_open_to_a_partner_is_high_with_the_account() {
    let mut t = base();
    t.network.endpoint_services.push(service(&[
        &format!("arn:aws:iam::{PARTNER}:root"),
        &format!("arn:aws:iam::{OWNER}:root"),
    ]));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-external-accounts",
            SVC_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert_eq!(f[0].severity, crate::model::Severity::High);
}

#[test]
fn endpoint_service_allowed_to_its_owner_only_is_not_a_finding() {
    let mut t = base();
    t.network.endpoint_services.push(service(&[
        &format!("arn:aws:iam::{OWNER}:root"),
        &format!("arn:aws:iam::{OWNER}:role/ops"),
    ]));
    t.network.endpoint_services[0].connected_accounts = Some(vec![]);
    assert_eq!(audit(vec![t]), vec![]);
}

fn peering(status: &str, peer_owner: &str) -> VpcPeering {
    VpcPeering {
        id: "pcx-1".into(),
        status: status.into(),
        requester: PeeringSide {
            owner_id: OWNER.into(),
            vpc_id: "vpc-backend".into(),
            region: Some("us-east-1".into()),
            cidr_blocks: vec!["10.0.0.0/16".into()],
        },
        accepter: PeeringSide {
            owner_id: peer_owner.into(),
            vpc_id: "vpc-partner".into(),
            region: Some("us-east-1".into()),
            cidr_blocks: vec!["10.1.0.0/16".into()],
        },
    }
}

fn peered(status: &str, peer_owner: &str, route: bool, rule: Option<IngressRule>) -> Target {
    let mut t = base();
    t.network.peerings.push(peering(status, peer_owner));
    if route {
        t.network.route_tables[0].routes.push(Route {
            destination_cidr: "10.1.0.0/16".into(),
            vpc_peering_connection_id: Some("pcx-1".into()),
            gateway_id: None,
            ..Default::default()
        });
    }
    if let Some(rule) = rule {
        t.network.security_groups[0].ingress.push(rule);
    }
    t
}

#[test]
fn cross_account_peering_with_route_and_rule_exposes_the_backend() {
    let f = audit(vec![peered(
        "active",
        PARTNER,
        true,
        Some(tcp(8080, "10.1.0.0/16")),
    )]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    let f = &f[0];
    for needle in [
        "pcx-1",
        "rtb-main",
        "10.1.0.0/16 -> pcx-1",
        "sg-backend",
        "GET /orders",
        "bypasses",
    ] {
        assert!(
            f.message.contains(needle),
            "message lacks {needle:?}: {}",
            f.message
        );
    }
    assert_eq!(f.confidence, "high");
    assert_eq!(f.evidence["path"]["security_group"], "sg-backend");
}

#[test]
fn covering_cidrs_and_any_address_admit_the_peer_too() {
    for cidr in ["10.0.0.0/8", "0.0.0.0/0", "10.1.2.0/24"] {
        let f = audit(vec![peered("active", PARTNER, true, Some(tcp(8080, cidr)))]);
        assert_eq!(
            summary(&f),
            vec![row(
                "peering-exposes-private-backend",
                PCX_ARN,
                "accounts:[222222222222]"
            )],
            "{cidr}"
        );
    }
    let mut all_ports = tcp(0, "10.1.0.0/16");
    all_ports.protocol = "-1".into();
    all_ports.from_port = None;
    all_ports.to_port = None;
    let f = audit(vec![peered("active", PARTNER, true, Some(all_ports))]);
    assert_eq!(f.len(), 1);
}

#[test]
fn a_rule_for_another_port_or_network_does_not_admit_the_peer() {
    for rule in [
        tcp(22, "10.1.0.0/16"),
        tcp(8080, "10.2.0.0/16"),
        tcp(8080, "192.168.0.0/16"),
    ] {
        let f = audit(vec![peered("active", PARTNER, true, Some(rule.clone()))]);
        assert_eq!(
            summary(&f),
            vec![row(
                "peering-cross-account-no-path",
                PCX_ARN,
                "accounts:[222222222222]"
            )],
            "{rule:?}"
        );
        assert_eq!(f[0].severity, crate::model::Severity::Info);
    }
}

#[test]
fn peering_without_a_route_is_informational_only() {
    let f = audit(vec![peered(
        "active",
        PARTNER,
        false,
        Some(tcp(8080, "10.1.0.0/16")),
    )]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-cross-account-no-path",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert!(
        f[0].message.contains("Nothing is exposed today"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_route_in_another_subnets_table_does_not_count() {
    let mut t = peered("active", PARTNER, false, Some(tcp(8080, "10.1.0.0/16")));
    // The peer route lives in a table associated with another subnet only.
    t.network.route_tables.push(RouteTable {
        id: "rtb-other".into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec!["subnet-other".into()],
        main: false,
        routes: vec![Route {
            destination_cidr: "10.1.0.0/16".into(),
            vpc_peering_connection_id: Some("pcx-1".into()),
            gateway_id: None,
            ..Default::default()
        }],
    });
    let f = audit(vec![t.clone()]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-cross-account-no-path",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    // Associate the backend's subnet with it: now it counts.
    t.network.route_tables[1].subnet_ids.push("subnet-a".into());
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert!(f[0].message.contains("rtb-other"), "{}", f[0].message);
}

#[test]
fn same_account_and_inactive_peerings_are_never_cross_account() {
    assert_eq!(
        audit(vec![peered(
            "active",
            OWNER,
            true,
            Some(tcp(8080, "10.1.0.0/16"))
        )]),
        vec![]
    );
    for status in ["pending-acceptance", "rejected", "deleted"] {
        assert_eq!(
            audit(vec![peered(
                status,
                PARTNER,
                true,
                Some(tcp(8080, "10.1.0.0/16"))
            )]),
            vec![],
            "{status}"
        );
    }
}

#[test]
fn a_peer_security_group_reference_admits_the_peer() {
    let rule = IngressRule {
        protocol: "tcp".into(),
        from_port: Some(8080),
        to_port: Some(8080),
        cidrs: vec![],
        source_group_ids: vec!["sg-partner".into()],
        ..Default::default()
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
    let f = audit(vec![
        peered("active", PARTNER, true, Some(rule.clone())),
        partner,
    ]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert_eq!(f[0].confidence, "high");
    // Not audited: a foreign group can only be referenced across a peering, so it is assumed
    // to be the peer's, at medium confidence.
    let f = audit(vec![peered("active", PARTNER, true, Some(rule))]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].confidence, "medium");
}

#[test]
fn public_nlb_sharing_targets_with_the_vpc_link_nlb_is_critical() {
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("i-backend", 8080)],
        "instance",
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "internet"
        )]
    );
    let f = &f[0];
    assert_eq!(f.severity, crate::model::Severity::Critical);
    assert_eq!(f.entry_point, EntryPoint::PublicLoadBalancer);
    for needle in [
        "NLB cannot carry a WAF",
        "GET /orders",
        "VPC link vl-1",
        "anyone on the internet",
    ] {
        assert!(
            f.message.contains(needle),
            "message lacks {needle:?}: {}",
            f.message
        );
    }
}

#[test]
fn public_alb_with_a_waf_over_the_same_instance_by_ip_is_critical_and_names_the_acl() {
    let mut t = base();
    let mut alb = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[("10.0.1.10", 8080)],
        "ip",
    );
    alb.web_acl_arn =
        Some("arn:aws:wafv2:us-east-1:111111111111:regional/webacl/partner-ips/abc".into());
    t.network.load_balancers.push(alb);
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert!(
        f[0].message.contains("webacl/partner-ips"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("does not authenticate"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["shared_targets"][0], "i-backend:8080");
}

#[test]
fn public_alb_in_front_of_an_unrelated_backend_is_ordinary_web_hosting() {
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_ALB,
        "www",
        "application",
        "internet-facing",
        &[("i-web", 443)],
        "instance",
    ));
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // The same instance on another port is another service.
    t.network.load_balancers[1].target_groups[0].targets = vec![LbTarget {
        id: "i-backend".into(),
        port: Some(443),
        ..Default::default()
    }];
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn public_alb_security_groups_narrow_or_close_the_internet_reach() {
    let with_groups = |rule: IngressRule| {
        let mut t = base();
        let mut alb = lb(
            PUBLIC_ALB,
            "public",
            "application",
            "internet-facing",
            &[("i-backend", 8080)],
            "instance",
        );
        listen_behind(&mut alb, "sg-alb", 443, "HTTPS");
        t.network.load_balancers.push(alb);
        t.network
            .security_groups
            .push(sg("sg-alb", "vpc-backend", vec![rule]));
        audit(vec![t])
    };
    let f = with_groups(tcp(443, "203.0.113.0/24"));
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet_ip_restricted:[203.0.113.0/24]"
        )]
    );
    assert_eq!(
        f[0].severity,
        crate::model::Severity::Critical,
        "an IP allow-list is not authentication"
    );
    assert_eq!(
        summary(&with_groups(tcp(443, "0.0.0.0/0"))),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    // Only private ranges admitted: the internet cannot reach it.
    assert_eq!(with_groups(tcp(443, "10.0.0.0/8")), vec![]);
    // A rule on another port than the listener's does not open it.
    assert_eq!(with_groups(tcp(8443, "0.0.0.0/0")), vec![]);
}

#[test]
fn an_internet_facing_vpc_link_target_exposes_its_own_backend() {
    let mut t = base();
    t.network.load_balancers[0].scheme = "internet-facing".into();
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row("public-lb-exposes-private-backend", NLB, "internet")]
    );
}

#[test]
fn vpc_link_is_resolved_from_the_uri_when_the_link_id_is_missing() {
    // moto drops connectionId: the integration URI names the NLB's DNS name instead.
    let mut t = base();
    t.vpc_links.push(VpcLink {
        id: "vl-2".into(),
        name: "other".into(),
        target_arns: vec!["arn:other".into()],
        status: None,
    });
    t.rest_apis[0].resources[0].methods[0]
        .integration
        .as_mut()
        .unwrap()
        .connection_id = None;
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t.clone()]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], false);
    assert_eq!(f[0].confidence, "high");
    // Neither id nor a matching URI: with two links in the region, nothing is inferred.
    t.rest_apis[0].resources[0].methods[0]
        .integration
        .as_mut()
        .unwrap()
        .uri = Some("http://legacy.internal/orders".into());
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"], json!([]));
}

#[test]
fn ip_targets_resolve_through_network_interfaces() {
    // A public NLB forwarding by IP to an address of an interface (not an instance) that a
    // private IP-target NLB also uses.
    let mut t = base();
    let mut private = lb(
        "arn:private-ip-nlb",
        "private-ip",
        "network",
        "internal",
        &[("10.0.1.50", 9000)],
        "ip",
    );
    private.subnet_ids = vec!["subnet-a".into()];
    t.network.load_balancers.push(private);
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("10.0.1.50", 9000)],
        "ip",
    ));
    t.network.network_interfaces.push(NetworkInterface {
        id: "eni-1".into(),
        vpc_id: "vpc-backend".into(),
        subnet_id: "subnet-a".into(),
        private_ips: vec!["10.0.1.50".into()],
        security_group_ids: vec!["sg-backend".into()],
    });
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "internet"
        )]
    );
    assert_eq!(
        f[0].evidence["shared_targets"][0],
        "vpc-backend/10.0.1.50:9000"
    );
}

#[test]
fn one_finding_per_entry_point_and_backend_with_stable_fingerprints() {
    const SECOND: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a-second/0";
    let build = || {
        let mut t = base();
        // A second internal NLB in front of the same instance: the same service, so one
        // backend (overlapping target sets are merged), identified by the smallest ARN.
        t.network.load_balancers.push(lb(
            SECOND,
            "second",
            "network",
            "internal",
            &[("i-backend", 8080)],
            "instance",
        ));
        t.network.load_balancers.push(lb(
            PUBLIC_NLB,
            "public",
            "network",
            "internet-facing",
            &[("i-backend", 8080)],
            "instance",
        ));
        audit(vec![t])
    };
    let (a, b) = (build(), build());
    assert_eq!(a.len(), 1, "{:#?}", summary(&a));
    assert_eq!(
        a.iter().map(|f| &f.fingerprint).collect::<Vec<_>>(),
        b.iter().map(|f| &f.fingerprint).collect::<Vec<_>>()
    );
    let f = &a[0];
    assert_eq!(f.evidence["backend"]["load_balancer"], SECOND);
    assert_eq!(
        f.evidence["backend"]["load_balancers"],
        json!([SECOND, NLB])
    );
    assert_eq!(
        f.fingerprint,
        crate::report::fingerprint(&[
            "public-lb-exposes-private-backend",
            OWNER,
            "us-east-1",
            PUBLIC_NLB,
            SECOND
        ])
    );
    // It names the API method published through either of the merged load balancers.
    assert!(f.message.contains("GET /orders"), "{}", f.message);
    assert!(f.message.contains("second (network)"), "{}", f.message);
}

#[test]
fn a_backend_of_one_load_balancer_keeps_its_fingerprint() {
    // The identity of a single-load-balancer backend is that load balancer, as it was before
    // load balancers were merged into backends: alerts already uploaded keep matching.
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("i-backend", 8080)],
        "instance",
    ));
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t]);
    let fp = |parts: &[&str]| crate::report::fingerprint(parts);
    let mut want = vec![
        fp(&[
            "public-lb-exposes-private-backend",
            OWNER,
            "us-east-1",
            PUBLIC_NLB,
            NLB,
        ]),
        fp(&[
            "privatelink-open-to-any-account",
            OWNER,
            "us-east-1",
            "vpce-svc-1",
            NLB,
        ]),
    ];
    want.sort();
    let mut got: Vec<String> = f.iter().map(|f| f.fingerprint.clone()).collect();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn two_load_balancers_of_one_endpoint_service_over_one_service_are_one_finding() {
    const SECOND: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/second/9";
    let mut t = base();
    t.network.load_balancers.push(lb(
        SECOND,
        "second",
        "network",
        "internal",
        &[("i-backend", 8080)],
        "instance",
    ));
    let mut svc = service(&["*"]);
    svc.network_load_balancer_arns.push(SECOND.into());
    t.network.endpoint_services.push(svc);
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-any-account",
            SVC_ARN,
            "any_aws_account"
        )]
    );
}

#[test]
fn snapshot_round_trip_keeps_the_verdicts() {
    let mut t = base();
    t.network.endpoint_services.push(service(&["*"]));
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("i-backend", 8080)],
        "instance",
    ));
    let inv = Inventory {
        snapshot_version: crate::inventory::SNAPSHOT_VERSION,
        targets: vec![t],
        ..Default::default()
    };
    let text = serde_json::to_string(&inv).unwrap();
    let back = Inventory::from_snapshot_json(&text).unwrap();
    assert_eq!(
        crate::analysis::analyze(&back),
        crate::analysis::analyze(&inv)
    );
    assert_eq!(crate::analysis::analyze(&inv).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Client IP preservation through an internal NLB (peering).

/// The base estate peered with the partner, the peer routed back from the main table (it
/// serves the NLB's and the target's subnet), and the backend's target group as given. The
/// target's group admits only its own VPC: the peer never gets in directly.
fn peered_through_nlb(target_type: &str, protocol: &str, preserve: Option<bool>) -> Target {
    let mut t = peered("active", PARTNER, true, None);
    let tg = &mut t.network.load_balancers[0].target_groups[0];
    tg.target_type = target_type.into();
    tg.protocol = Some(protocol.into());
    tg.preserve_client_ip = preserve;
    if target_type == "ip" {
        tg.targets[0].id = "10.0.1.10".into();
    }
    t
}

fn rules(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn an_nlb_without_groups_and_ip_targets_lets_the_peer_in_as_its_own_address() {
    // IP targets over TCP: preservation is off by default, so the target sees the NLB's
    // address (10.0.1.x), which its VPC-CIDR rule admits: the peer gets in through the NLB.
    let f = audit(vec![peered_through_nlb("ip", "TCP", None)]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    let f = &f[0];
    assert_eq!(f.confidence, "high");
    assert!(
        f.message.contains("client IP preservation is off"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("has no security groups"),
        "{}",
        f.message
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
fn unreadable_target_group_attributes_assume_the_wider_and_say_so() {
    let mut t = peered_through_nlb("instance", "TCP", None);
    t.network.load_balancers[0].target_groups[0].attributes_error = Some("AccessDenied".into());
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("client IP preservation is unknown"),
        "{}",
        f[0].message
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
            .push(sg("sg-nlb", "vpc-backend", vec![tcp(8080, "10.1.0.0/16")]));
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
    assert!(
        f[0].message
            .contains("security group sg-nlb admits tcp port 8080 from 10.1.0.0/16"),
        "{}",
        f[0].message
    );
}

// ---------------------------------------------------------------------------------------------
// Prefix lists.

fn prefix_list(id: &str, name: &str, owner: &str, cidrs: Option<&[&str]>) -> PrefixList {
    PrefixList {
        id: id.into(),
        name: Some(name.into()),
        owner_id: Some(owner.into()),
        cidrs: cidrs.map(|c| c.iter().map(|c| c.to_string()).collect()),
    }
}

/// The base estate with a public ALB over the backend instance whose group admits, on the
/// listener port, only the prefix list `pl`.
fn public_alb_admitting_prefix_list(pl: &str) -> Target {
    let mut t = base();
    let mut alb = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[("i-backend", 8080)],
        "instance",
    );
    listen_behind(&mut alb, "sg-alb", 443, "HTTPS");
    t.network.load_balancers.push(alb);
    t.network.security_groups.push(sg(
        "sg-alb",
        "vpc-backend",
        vec![IngressRule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            prefix_list_ids: vec![pl.into()],
            ..Default::default()
        }],
    ));
    t
}

#[test]
fn a_public_alb_admitting_the_cloudfront_prefix_list_is_on_the_internet() {
    let mut t = public_alb_admitting_prefix_list("pl-3b927c52");
    t.network.prefix_lists.push(prefix_list(
        "pl-3b927c52",
        "com.amazonaws.global.cloudfront.origin-facing",
        "AWS",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert_eq!(f[0].confidence, "high");
    assert!(f[0].message.contains("CloudFront"), "{}", f[0].message);
}

#[test]
fn a_prefix_list_that_could_not_be_read_never_narrows_the_reach() {
    // Not in the inventory at all (not read, or an older snapshot).
    let f = audit(vec![public_alb_admitting_prefix_list("pl-unknown")]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("could not be read"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_readable_prefix_list_narrows_the_reach_to_its_public_entries() {
    let mut t = public_alb_admitting_prefix_list("pl-partner");
    t.network.prefix_lists.push(prefix_list(
        "pl-partner",
        "partner-offices",
        OWNER,
        Some(&["203.0.113.0/24", "10.0.0.0/8"]),
    ));
    let f = audit(vec![t.clone()]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet_ip_restricted:[203.0.113.0/24]"
        )]
    );
    assert_eq!(f[0].confidence, "high");
    // Only private entries: the internet cannot reach it.
    t.network.prefix_lists[0].cidrs = Some(vec!["10.0.0.0/8".into()]);
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn peering_routes_and_rules_given_as_prefix_lists_count() {
    let mut t = peered("active", PARTNER, false, None);
    t.network.route_tables[0].routes.push(Route {
        destination_prefix_list_id: Some("pl-peer".into()),
        vpc_peering_connection_id: Some("pcx-1".into()),
        ..Default::default()
    });
    t.network.security_groups[0].ingress.push(IngressRule {
        protocol: "tcp".into(),
        from_port: Some(8080),
        to_port: Some(8080),
        prefix_list_ids: vec!["pl-peer".into()],
        ..Default::default()
    });
    t.network.prefix_lists.push(prefix_list(
        "pl-peer",
        "partner-vpc",
        OWNER,
        Some(&["10.1.0.0/16"]),
    ));
    let f = audit(vec![t.clone()]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "high");
    assert_eq!(
        f[0].evidence["path"]["route"],
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
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
}

// ---------------------------------------------------------------------------------------------
// Targets: ALB targets, IP targets outside their target group's VPC.

const INTERNAL_ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/internal/7";

#[test]
fn an_nlb_forwarding_to_an_alb_reaches_the_albs_targets() {
    // A public NLB forwards to an internal ALB (target type `alb`) whose targets are the
    // VPC-link backend's instance: the internet reaches the backend.
    let mut t = base();
    t.network.load_balancers.push(lb(
        INTERNAL_ALB,
        "internal-alb",
        "application",
        "internal",
        &[("i-backend", 8080)],
        "instance",
    ));
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[(INTERNAL_ALB, 80)],
        "alb",
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "internet"
        )]
    );
    assert!(f[0].message.contains("GET /orders"), "{}", f[0].message);
    assert!(f[0].evidence["shared_targets"]
        .as_array()
        .unwrap()
        .contains(&json!("i-backend:8080")));
}

#[test]
fn a_vpc_link_nlb_to_alb_chain_still_names_the_bypassed_methods() {
    // VPC link → NLB → (target type alb) internal ALB → i-app; a public ALB in front of i-app.
    let mut t = base();
    t.network.load_balancers[0].target_groups[0].target_type = "alb".into();
    t.network.load_balancers[0].target_groups[0].targets = vec![LbTarget {
        id: INTERNAL_ALB.into(),
        port: Some(80),
        ..Default::default()
    }];
    t.network.load_balancers.push(lb(
        INTERNAL_ALB,
        "internal-alb",
        "application",
        "internal",
        &[("i-app", 8080)],
        "instance",
    ));
    t.network.load_balancers.push(lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[("i-app", 8080)],
        "instance",
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(
        f[0].evidence["backend"]["load_balancers"],
        json!([INTERNAL_ALB, NLB])
    );
}

#[test]
fn an_ip_target_in_a_peered_vpc_resolves_to_its_instance() {
    // A public NLB in vpc-backend forwards by IP (AvailabilityZone `all`) to an instance of a
    // peered VPC of the same account, which an internal NLB there fronts.
    let mut t = base();
    let n = &mut t.network;
    n.vpcs.push(crate::inventory::Vpc {
        id: "vpc-other".into(),
        cidr_blocks: vec!["10.5.0.0/16".into()],
    });
    n.instances.push(Instance {
        id: "i-other".into(),
        vpc_id: Some("vpc-other".into()),
        subnet_id: Some("subnet-other".into()),
        private_ip: Some("10.5.0.10".into()),
        security_group_ids: vec![],
    });
    let mut other = lb(
        "arn:other-internal",
        "other",
        "network",
        "internal",
        &[("i-other", 443)],
        "instance",
    );
    other.vpc_id = "vpc-other".into();
    n.load_balancers.push(other);
    let mut public = lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("10.5.0.10", 443)],
        "ip",
    );
    public.target_groups[0].targets[0].availability_zone = Some("all".into());
    n.load_balancers.push(public);
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "internet"
        )]
    );
    assert_eq!(f[0].evidence["shared_targets"], json!(["i-other:443"]));
}

// ---------------------------------------------------------------------------------------------
// Endpoint services: live connections, organizations.

#[test]
fn accounts_still_connected_but_no_longer_allowed_are_reported() {
    let mut t = base();
    let mut svc = service(&[&format!("arn:aws:iam::{OWNER}:root")]);
    svc.connected_accounts = Some(vec![PARTNER.into(), OWNER.into()]);
    t.network.endpoint_services.push(svc);
    let f = audit(vec![t.clone()]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-external-accounts",
            SVC_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert!(
        f[0].message.contains("no longer allowed"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["connected_not_allowed"], json!([PARTNER]));
    // Allowed and connected partners, plus a stale third account: all of them.
    t.network.endpoint_services[0].allowed_principals =
        vec![format!("arn:aws:iam::{PARTNER}:root")];
    t.network.endpoint_services[0].connected_accounts =
        Some(vec![PARTNER.into(), "333333333333".into()]);
    let f = audit(vec![t]);
    assert_eq!(f[0].reach, "accounts:[222222222222,333333333333]");
}

#[test]
fn organization_and_ou_principals_reach_the_organization_not_its_management_account() {
    for (principal, kind, ou) in [
        (
            "arn:aws:organizations::999999999999:organization/o-abc123",
            None,
            false,
        ),
        (
            "arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-xyz",
            Some("OrganizationUnit"),
            true,
        ),
    ] {
        let mut t = base();
        let mut svc = service(&[principal]);
        if let Some(kind) = kind {
            svc.principal_types
                .insert(principal.to_string(), kind.to_string());
        }
        t.network.endpoint_services.push(svc);
        let f = audit(vec![t]);
        assert_eq!(
            summary(&f),
            vec![row(
                "privatelink-open-to-external-accounts",
                SVC_ARN,
                "organization:o-abc123"
            )],
            "{principal}"
        );
        assert_eq!(f[0].message.contains("ou-ab12-xyz"), ou, "{}", f[0].message);
    }
}

#[test]
fn an_endpoint_service_is_reported_even_when_its_load_balancers_could_not_be_read() {
    let mut t = base();
    t.network.load_balancers.clear();
    t.errors.push(crate::inventory::ScanError {
        operation: "elasticloadbalancing:DescribeLoadBalancers".into(),
        code: "AccessDenied".into(),
        message: "denied".into(),
        resource: None,
    });
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-any-account",
            SVC_ARN,
            "any_aws_account"
        )]
    );
    assert!(
        f[0].message
            .contains("the load balancers could not be read (AccessDenied)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["backend"]["unknown"], true);
    // The VPC link id still ties the methods to the load balancer's ARN.
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
}

#[test]
fn a_gateway_load_balancer_of_an_endpoint_service_is_a_private_backend() {
    const GWLB: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/gwy/inspect/5";
    let mut t = base();
    let mut gw = lb(
        GWLB,
        "inspect",
        "gateway",
        "",
        &[("i-gw", 6081)],
        "instance",
    );
    gw.dns_name = None;
    t.network.load_balancers.push(gw);
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("i-gw", 6081)],
        "instance",
    ));
    t.network.endpoint_services.push(EndpointService {
        service_id: "vpce-svc-gw".into(),
        service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-gw".into(),
        gateway_load_balancer_arns: vec![GWLB.into()],
        allowed_principals: vec!["*".into()],
        ..Default::default()
    });
    let f = audit(vec![t]);
    let public = f
        .iter()
        .find(|f| f.rule_id == "public-lb-exposes-private-backend")
        .expect("the public NLB shares the GWLB's target");
    assert_eq!(
        public.evidence["backend"]["private_because"],
        json!(["published by endpoint service vpce-svc-gw"])
    );
}

// ---------------------------------------------------------------------------------------------
// Routes: longest prefix match, and routed ∩ admitted.

fn tgw_route(cidr: &str) -> Route {
    Route {
        destination_cidr: cidr.into(),
        target_id: Some("tgw-1".into()),
        ..Default::default()
    }
}

fn pcx_route(cidr: &str) -> Route {
    Route {
        destination_cidr: cidr.into(),
        vpc_peering_connection_id: Some("pcx-1".into()),
        ..Default::default()
    }
}

#[test]
fn a_more_specific_route_elsewhere_takes_the_peer_away() {
    let with_routes = |routes: Vec<Route>| {
        let mut t = peered("active", PARTNER, false, Some(tcp(8080, "10.1.0.0/16")));
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
    assert!(
        f[0].message.contains("Only part of the peer"),
        "{}",
        f[0].message
    );
    // A less specific route elsewhere takes nothing away.
    let f = with_routes(vec![pcx_route("10.1.0.0/16"), tgw_route("10.0.0.0/8")]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
}

#[test]
fn the_routed_and_the_admitted_peer_addresses_must_meet() {
    let with_rule = |cidr: &str| {
        let mut t = peered("active", PARTNER, false, Some(tcp(8080, cidr)));
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
    let mut t = peered("active", PARTNER, false, None);
    t.network.peerings[0].accepter.cidr_blocks =
        vec!["10.1.0.0/16".into(), "2600:1f18:aaaa:bb00::/56".into()];
    t.network.route_tables[0]
        .routes
        .push(pcx_route("2600:1f18:aaaa:bb00::/56"));
    t.network.security_groups[0].ingress.push(tcp(8080, "::/0"));
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
    let mut t = peered("active", PARTNER, true, None);
    t.network.subnets[0].ipv6_cidr_blocks = vec!["2600:1f18:aaaa:1::/64".into()];
    let tg = &mut t.network.load_balancers[0].target_groups[0];
    tg.target_type = "ip".into();
    tg.protocol = Some("UDP".into());
    tg.targets[0].id = "2600:1f18:aaaa:1::10".into();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
}

// ---------------------------------------------------------------------------------------------
// Source groups: judged by their owner.

fn group_rule(pair: GroupRef) -> IngressRule {
    IngressRule {
        protocol: "tcp".into(),
        from_port: Some(8080),
        to_port: Some(8080),
        source_group_ids: vec![pair.group_id.clone()],
        source_groups: vec![pair],
        ..Default::default()
    }
}

#[test]
fn a_source_group_admits_the_peer_only_when_it_is_the_peers() {
    let audit_with = |pair: GroupRef| {
        audit(vec![peered(
            "active",
            PARTNER,
            true,
            Some(group_rule(pair)),
        )])
    };
    let pair = |user: Option<&str>, pcx: Option<&str>| GroupRef {
        group_id: "sg-foreign".into(),
        user_id: user.map(str::to_string),
        vpc_peering_connection_id: pcx.map(str::to_string),
        ..Default::default()
    };
    // Owned by the peer account: certain.
    let f = audit_with(pair(Some(PARTNER), None));
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "high");
    // Referenced through this very peering: certain.
    let f = audit_with(pair(None, Some("pcx-1")));
    assert_eq!(f[0].confidence, "high");
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
    assert_eq!(f[0].confidence, "medium");
}

// ---------------------------------------------------------------------------------------------
// Web ACL lookups and stage-variable links.

#[test]
fn a_web_acl_that_could_not_be_read_is_not_called_absent() {
    let mut t = base();
    let mut alb = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[("i-backend", 8080)],
        "instance",
    );
    alb.web_acl_error = Some("AccessDeniedException".into());
    t.network.load_balancers.push(alb);
    let f = audit(vec![t]);
    assert_eq!(f.len(), 1);
    assert!(
        !f[0].message.contains("No web ACL is attached"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message
            .contains("could not be read (AccessDeniedException)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["web_acl_read"], false);
}

#[test]
fn a_link_named_by_a_stage_variable_is_inferred() {
    let mut t = base();
    t.rest_apis[0].resources[0].methods[0]
        .integration
        .as_mut()
        .unwrap()
        .connection_id = Some("${stageVariables.vpcLinkId}".into());
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], true);
    assert_eq!(f[0].confidence, "medium");
}

// ---------------------------------------------------------------------------------------------
// Facts that could not be read: assumed to let the peer (or the internet) through, at medium
// confidence, and said so; never "nothing is exposed".

fn scan_error(operation: &str, code: &str, resource: Option<&str>) -> crate::inventory::ScanError {
    crate::inventory::ScanError {
        operation: operation.into(),
        code: code.into(),
        message: "failed".into(),
        resource: resource.map(str::to_string),
    }
}

#[test]
fn review_unreadable_security_groups_do_not_hide_a_peering_path() {
    let mut t = peered("active", PARTNER, true, Some(tcp(8080, "10.1.0.0/16")));
    t.network.security_groups.clear();
    t.errors.push(crate::inventory::ScanError {
        operation: "ec2:DescribeSecurityGroups".into(),
        code: "RequestLimitExceeded".into(),
        message: "throttled".into(),
        resource: None,
    });
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    for needle in [
        "sg-backend",
        "ec2:DescribeSecurityGroups",
        "RequestLimitExceeded",
    ] {
        assert!(
            f[0].message.contains(needle),
            "lacks {needle:?}: {}",
            f[0].message
        );
    }
    let assumed = f[0].evidence["path"]["assumed"].to_string();
    assert!(assumed.contains("ec2:DescribeSecurityGroups"), "{assumed}");
}

#[test]
fn review_unreadable_route_tables_do_not_hide_a_peering_path() {
    let mut t = peered("active", PARTNER, true, Some(tcp(8080, "10.1.0.0/16")));
    t.network.route_tables.clear();
    t.errors.push(scan_error(
        "ec2:DescribeRouteTables",
        "RequestLimitExceeded",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "peering-exposes-private-backend",
            PCX_ARN,
            "accounts:[222222222222]"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("ec2:DescribeRouteTables"),
        "{}",
        f[0].message
    );
    assert!(
        !f[0].message.contains("route table  routes"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_group_missing_from_a_complete_listing_is_assumed_to_admit_the_peer() {
    // The instance names a group the listing did not return (created or changed between the
    // two reads): its rules are unknown, not empty.
    let mut t = peered("active", PARTNER, true, None);
    t.network.instances[0].security_group_ids = vec!["sg-gone".into()];
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(f[0].message.contains("sg-gone"), "{}", f[0].message);
}

#[test]
fn read_facts_that_stop_the_peer_still_stop_it_when_others_are_unread() {
    // The route tables could not be read, but the backend's group (read) admits only its own
    // VPC and the NLB (instance targets) passes the peer's address: nothing gets in whatever
    // the routes are. The verdict stays "no path", but it does not claim the scan was whole.
    let mut t = peered("active", PARTNER, false, None);
    t.network.route_tables.clear();
    t.errors.push(scan_error(
        "ec2:DescribeRouteTables",
        "RequestLimitExceeded",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(
        !f[0].message.contains("Nothing is exposed today"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("ec2:DescribeRouteTables"),
        "{}",
        f[0].message
    );
    assert_eq!(
        f[0].evidence["unread"],
        json!(["ec2:DescribeRouteTables (RequestLimitExceeded)"])
    );
}

#[test]
fn unreadable_instances_do_not_hide_a_peering_path() {
    let mut t = peered("active", PARTNER, true, None);
    t.network.instances.clear();
    t.errors
        .push(scan_error("ec2:DescribeInstances", "InternalError", None));
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("ec2:DescribeInstances"),
        "{}",
        f[0].message
    );
}

#[test]
fn an_instance_missing_from_a_complete_listing_is_unknown_not_absent() {
    // The listing was read in full and the target is not in it (terminated since, or in a
    // subnet shared by another account): its subnet and groups are unknown, so assumed.
    let mut t = peered("active", PARTNER, true, None);
    t.network.load_balancers[0].target_groups[0].targets[0].id = "i-elsewhere".into();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message
            .contains("instance i-elsewhere is not among the instances read"),
        "{}",
        f[0].message
    );
}

#[test]
fn unreadable_targets_of_a_peered_backend_do_not_hide_a_peering_path() {
    // Read, the instance target sees the peer (preserved) and admits only its VPC: no path.
    let t = peered("active", PARTNER, true, None);
    assert_eq!(
        rules(&audit(vec![t.clone()])),
        vec!["peering-cross-account-no-path"]
    );
    // Not read: the NLB (no groups) takes the routed peer, and its targets are unknown.
    let mut t = t;
    let nlb = &mut t.network.load_balancers[0];
    nlb.targets_read = false;
    nlb.target_groups[0].targets.clear();
    let tg = nlb.target_groups[0].arn.clone();
    t.errors.push(scan_error(
        "elasticloadbalancing:DescribeTargetHealth",
        "AccessDenied",
        Some(&tg),
    ));
    let f = audit(vec![t.clone()]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("targets") && f[0].message.contains("could not be read"),
        "{}",
        f[0].message
    );
    // No table of the VPC routes the peer to the peering: nothing gets in, targets or not.
    t.network.route_tables[0].routes.pop();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-cross-account-no-path"]);
}

#[test]
fn a_peering_whose_peer_cidrs_are_unknown_assumes_every_address() {
    let mut t = peered("active", PARTNER, true, Some(tcp(8080, "10.1.0.0/16")));
    t.network.peerings[0].accepter.cidr_blocks.clear();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
}

#[test]
fn review_public_lb_whose_targets_could_not_be_read_is_not_dropped() {
    let mut t = base();
    let mut public = lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[],
        "instance",
    );
    public.targets_read = false;
    t.network.load_balancers.push(public);
    t.errors.push(scan_error(
        "elasticloadbalancing:DescribeTargetHealth",
        "AccessDenied",
        Some(&format!("{PUBLIC_NLB}/tg")),
    ));
    let f = audit(vec![t]);
    assert!(!f.is_empty());
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "internet"
        )]
    );
    let f = &f[0];
    assert_eq!(f.confidence, "medium");
    for needle in [
        "could not be read",
        "unknown",
        "GET /orders",
        "AccessDenied",
    ] {
        assert!(
            f.message.contains(needle),
            "lacks {needle:?}: {}",
            f.message
        );
    }
    assert_eq!(f.evidence["shared_targets_known"], false);
    // One alert per load balancer whose overlap is unknown, apart from the certain verdicts
    // (one per backend): a scan that reads the targets closes it and opens those.
    assert_eq!(
        f.fingerprint,
        crate::report::fingerprint(&[
            "public-lb-exposes-private-backend",
            OWNER,
            "us-east-1",
            PUBLIC_NLB,
            "targets-unknown"
        ])
    );
    assert_eq!(f.evidence["possible_backends_total"], 1);
    assert_eq!(f.evidence["possible_backends"][0]["load_balancer"], NLB);
}

#[test]
fn a_public_lb_whose_target_groups_could_not_be_listed_is_not_dropped() {
    let mut t = base();
    let mut public = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[],
        "instance",
    );
    public.target_groups.clear();
    t.network.load_balancers.push(public);
    t.errors.push(scan_error(
        "elasticloadbalancing:DescribeTargetGroups",
        "Throttling",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
}

#[test]
fn a_public_lb_with_unread_targets_is_matched_only_where_it_could_share_one() {
    // Instance targets live in their target group's VPC: a public LB of another VPC cannot
    // share the backend's instance, whatever its unread targets are.
    let mut t = base();
    let mut public = lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[],
        "instance",
    );
    public.vpc_id = "vpc-web".into();
    public.target_groups[0].vpc_id = "vpc-web".into();
    public.targets_read = false;
    t.network.load_balancers.push(public.clone());
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // IP targets can be addresses of other VPCs: then any private backend of the region.
    t.network.load_balancers[1].target_groups[0].target_type = "ip".into();
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["public-lb-exposes-private-backend"]);
    assert_eq!(f[0].confidence, "medium");
}

#[test]
fn a_private_backend_whose_targets_could_not_be_read_is_matched_as_possible() {
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_ALB,
        "www",
        "application",
        "internet-facing",
        &[("i-web", 443)],
        "instance",
    ));
    // Read: ordinary web hosting.
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // The backend's targets unread: the public ALB may share them.
    t.network.load_balancers[0].targets_read = false;
    t.network.load_balancers[0].target_groups[0].targets.clear();
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "public-lb-exposes-private-backend",
            PUBLIC_ALB,
            "internet"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("could not be read"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_public_lb_whose_groups_admit_no_public_address_stays_closed_with_unread_targets() {
    let mut t = base();
    let mut public = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[],
        "instance",
    );
    public.targets_read = false;
    listen_behind(&mut public, "sg-alb", 443, "HTTPS");
    t.network.load_balancers.push(public);
    t.network
        .security_groups
        .push(sg("sg-alb", "vpc-backend", vec![tcp(443, "10.0.0.0/8")]));
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn endpoint_service_allowing_an_organization_and_an_account_names_both() {
    let mut t = base();
    let mut svc = service(&[
        "arn:aws:organizations::999999999999:organization/o-abc",
        "arn:aws:iam::333333333333:root",
    ]);
    svc.connected_accounts = Some(vec!["333333333333".into(), "444444444444".into()]);
    t.network.endpoint_services.push(svc);
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-external-accounts",
            SVC_ARN,
            "organization:o-abc"
        )]
    );
    let f = &f[0];
    assert!(f.message.contains("333333333333"), "{}", f.message);
    assert_eq!(f.evidence["allowed_accounts"], json!(["333333333333"]));
    // 444 is connected and not named: maybe a member, so not called "no longer allowed".
    assert!(f.message.contains("444444444444"), "{}", f.message);
    assert!(f.message.contains("not named"), "{}", f.message);
    assert!(!f.message.contains("no longer allowed"), "{}", f.message);
    assert_eq!(f.evidence["connected_not_named"], json!(["444444444444"]));
    assert_eq!(f.evidence["connected_not_allowed"], json!([]));
}

#[test]
fn endpoint_service_allowing_everyone_and_an_account_is_any_account() {
    let mut t = base();
    t.network
        .endpoint_services
        .push(service(&["*", "arn:aws:iam::333333333333:root"]));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-any-account",
            SVC_ARN,
            "any_aws_account"
        )]
    );
}

#[test]
fn endpoint_service_whose_permissions_could_not_be_read_is_assumed_open() {
    let mut t = base();
    let mut svc = service(&[]);
    svc.connected_accounts = Some(vec![]);
    t.network.endpoint_services.push(svc);
    t.errors.push(scan_error(
        "ec2:DescribeVpcEndpointServicePermissions",
        "UnauthorizedOperation",
        Some("vpce-svc-1"),
    ));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-any-account",
            SVC_ARN,
            "any_aws_account"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message
            .contains("could not be read (UnauthorizedOperation)"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].evidence["allowed_principals_read"], false);
}

#[test]
fn no_method_is_said_to_publish_a_backend_when_api_gateway_could_not_be_read() {
    let mut t = base();
    t.rest_apis.clear();
    t.vpc_links.clear();
    t.network.endpoint_services.push(service(&["*"]));
    let f = audit(vec![t.clone()]);
    assert!(
        f[0].message
            .contains("No API Gateway method publishes this backend"),
        "{}",
        f[0].message
    );
    t.errors.push(scan_error(
        "apigateway:GetRestApis",
        "TooManyRequestsException",
        None,
    ));
    let f = audit(vec![t]);
    assert!(
        !f[0]
            .message
            .contains("No API Gateway method publishes this backend"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("apigateway:GetRestApis"),
        "{}",
        f[0].message
    );
}

#[test]
fn public_lb_remediation_names_the_exact_targets_to_take_off_or_what_to_read_first() {
    // Shared targets known: the exact deregister-targets call, for the shared target only.
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("i-backend", 8080), ("i-website", 80)],
        "instance",
    ));
    let f = audit(vec![t.clone()]);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].remediation.starts_with(&format!(
            "Take the shared targets off public: aws elbv2 deregister-targets --target-group-arn {PUBLIC_NLB}/tg --targets Id=i-backend,Port=8080; or recreate public with Scheme internal."
        )),
        "{}",
        f[0].remediation
    );
    assert!(
        !f[0].remediation.contains("i-website"),
        "only shared targets are taken off"
    );

    // The VPC link's own load balancer is internet-facing: deregistering would not help.
    let mut own = base();
    own.network.load_balancers[0].scheme = "internet-facing".into();
    let f = audit(vec![own]);
    assert!(
        f[0].remediation
            .starts_with("backend is itself the private backend's entry (")
            && f[0]
                .remediation
                .contains("recreate it with Scheme internal"),
        "{}",
        f[0].remediation
    );
    assert!(
        !f[0].remediation.contains("deregister-targets"),
        "{}",
        f[0].remediation
    );

    // The public load balancer's targets were not read: read them first.
    let mut unread = t;
    let public = unread.network.load_balancers.last_mut().unwrap();
    public.targets_read = false;
    public.target_groups[0].targets.clear();
    unread.errors.push(crate::inventory::ScanError {
        operation: "elasticloadbalancing:DescribeTargetHealth".into(),
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
        resource: Some(format!("{PUBLIC_NLB}/tg")),
    });
    let f = audit(vec![unread]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].remediation.starts_with(&format!(
            "Read the targets that could not be read (public: aws elbv2 describe-target-health --target-group-arn {PUBLIC_NLB}/tg) to see whether public shares one"
        )),
        "{}",
        f[0].remediation
    );
}

#[test]
fn peering_fix_with_unread_route_tables_says_to_read_them_not_to_remove_an_assumed_route() {
    let mut t = peered("active", PARTNER, true, Some(tcp(8080, "10.1.0.0/16")));
    t.network.route_tables.clear();
    t.errors.push(scan_error(
        "ec2:DescribeRouteTables",
        "RequestLimitExceeded",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["peering-exposes-private-backend"]);
    let fix = &f[0].remediation;
    assert!(
        fix.starts_with("Read the route tables of vpc-backend (aws ec2 describe-route-tables --filters Name=vpc-id,Values=vpc-backend) and remove any route to the peer through pcx-1"),
        "{fix}"
    );
    assert!(!fix.contains(" from  or"), "{fix}");
}

/// A region of `n` internal NLBs (each a private backend: an endpoint service publishes it)
/// and `n` internet-facing NLBs in other VPCs, in front of unrelated instances.
fn many_backends_and_public_lbs(n: usize) -> Target {
    let mut t = base();
    for k in 0..n {
        let arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/int{k}/{k}"
        );
        t.network.load_balancers.push(lb(
            &arn,
            &format!("int{k}"),
            "network",
            "internal",
            &[(&format!("i-int{k}"), 8080)],
            "instance",
        ));
        let arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/pub{k}/{k}"
        );
        let mut public = lb(
            &arn,
            &format!("pub{k}"),
            "network",
            "internet-facing",
            &[(&format!("i-pub{k}"), 80)],
            "instance",
        );
        public.vpc_id = format!("vpc-web{k}");
        public.target_groups[0].vpc_id = format!("vpc-web{k}");
        t.network.load_balancers.push(public);
    }
    t
}

#[test]
fn one_failed_target_group_listing_gives_one_possible_finding_per_public_lb_not_per_pair() {
    let n = 40;
    let mut t = many_backends_and_public_lbs(n);
    assert_eq!(
        audit(vec![t.clone()]),
        vec![],
        "every target read: nothing shared"
    );
    for l in &mut t.network.load_balancers {
        l.targets_read = false;
        l.target_groups.clear();
    }
    t.errors.push(scan_error(
        "elasticloadbalancing:DescribeTargetGroups",
        "Throttling",
        None,
    ));
    let f = audit(vec![t]);
    assert_eq!(
        f.len(),
        n,
        "one per public load balancer, not {} pairs",
        n * (n + 1)
    );
    for f in &f {
        assert_eq!(f.confidence, "medium");
        // Every private backend of the region (the base estate's and the n internal NLBs).
        assert_eq!(
            f.evidence["possible_backends_total"],
            n + 1,
            "{:#?}",
            f.evidence
        );
        assert_eq!(
            f.evidence["possible_backends"].as_array().unwrap().len(),
            POSSIBLE_BACKENDS_LISTED
        );
        assert!(
            f.message
                .contains(&format!("any of {} private backends", n + 1)),
            "{}",
            f.message
        );
        assert!(
            f.remediation.contains(&format!(
                "describe-target-groups --load-balancer-arn {}",
                f.resource_arn
            )),
            "the listing failed, so the fix reads it: {}",
            f.remediation
        );
    }
}

#[test]
fn possible_overlap_fix_reads_the_backend_targets_when_only_they_are_unread() {
    let mut t = base();
    t.network.load_balancers.push(lb(
        PUBLIC_ALB,
        "www",
        "application",
        "internet-facing",
        &[("i-web", 443)],
        "instance",
    ));
    t.network.load_balancers[0].targets_read = false;
    t.network.load_balancers[0].target_groups[0].targets.clear();
    t.errors.push(scan_error(
        "elasticloadbalancing:DescribeTargetHealth",
        "Throttling",
        Some(&format!("{NLB}/tg")),
    ));
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["public-lb-exposes-private-backend"]);
    let fix = &f[0].remediation;
    assert!(
        fix.contains(&format!(
            "backend: aws elbv2 describe-target-health --target-group-arn {NLB}/tg"
        )),
        "the fix names the target group that failed: {fix}"
    );
    assert!(
        !fix.contains(&format!("--target-group-arn {PUBLIC_ALB}/tg")),
        "the public ALB's targets were read: {fix}"
    );
}

#[test]
fn public_nlb_in_front_of_an_internal_alb_is_fixed_by_taking_the_alb_off() {
    let mut t = base();
    t.network.load_balancers.push(lb(
        INTERNAL_ALB,
        "internal-alb",
        "application",
        "internal",
        &[("i-backend", 8080)],
        "instance",
    ));
    t.network.load_balancers.push(lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[(INTERNAL_ALB, 80)],
        "alb",
    ));
    let f = audit(vec![t]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].remediation.contains(&format!(
            "aws elbv2 deregister-targets --target-group-arn {PUBLIC_NLB}/tg --targets Id={INTERNAL_ALB},Port=80"
        )),
        "{}",
        f[0].remediation
    );
}

#[test]
fn privatelink_fix_removes_an_organization_whose_management_account_is_the_owner() {
    let mut t = base();
    t.network.endpoint_services.push(service(&[
        "arn:aws:organizations::111111111111:organization/o-abc",
        "arn:aws:iam::333333333333:root",
        "arn:aws:iam::111111111111:role/ops",
    ]));
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "privatelink-open-to-external-accounts",
            SVC_ARN,
            "organization:o-abc"
        )]
    );
    let fix = &f[0].remediation;
    assert!(
        fix.contains("--remove-allowed-principals arn:aws:organizations::111111111111:organization/o-abc arn:aws:iam::333333333333:root)"),
        "the organization lets every member in, and the owner's own role stays: {fix}"
    );
}

#[test]
fn deregistering_an_ip_target_outside_the_vpc_names_its_zone() {
    // An address of a peered VPC, registered with AvailabilityZone=all behind the internal NLB
    // and the public one alike.
    let with_ip = |arn: &str, name: &str, scheme: &str| {
        let mut l = lb(arn, name, "network", scheme, &[("10.9.0.5", 8080)], "ip");
        l.target_groups[0].targets[0].availability_zone = Some("all".into());
        l
    };
    let mut t = base();
    t.network.load_balancers[0] = with_ip(NLB, "backend", "internal");
    t.network
        .load_balancers
        .push(with_ip(PUBLIC_NLB, "public", "internet-facing"));
    let f = audit(vec![t]);
    assert_eq!(
        rules(&f),
        vec!["public-lb-exposes-private-backend"],
        "{f:#?}"
    );
    assert!(
        f[0].remediation
            .contains("--targets Id=10.9.0.5,Port=8080,AvailabilityZone=all"),
        "{}",
        f[0].remediation
    );
}
