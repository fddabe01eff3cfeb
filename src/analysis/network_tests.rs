//! Network bypass verdicts from hand-built inventories: no network, one estate per case.
//!
//! The base estate is the project's safe design: an internal NLB in front of one instance
//! (the legacy API on port 8080), an API Gateway VPC link to that NLB, and a REST API method
//! `GET /orders` (AWS_IAM) forwarding through the link. Each test adds one tempting
//! alternative and pins the verdict.

use super::*;
use crate::inventory::{
    ApiResource, EndpointService, IngressRule, Instance, Integration, Inventory, LbTarget,
    Listener, NetworkInterface, PeeringSide, RestMethod, Route, RouteTable, Stage, Subnet,
    TargetGroup, VpcLink,
};

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
        alb.security_group_ids = vec!["sg-alb".into()];
        alb.listeners = vec![Listener {
            arn: "l1".into(),
            port: 443,
            protocol: "HTTPS".into(),
            target_group_arns: vec![],
        }];
        alb.listeners_read = true;
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
    let build = || {
        let mut t = base();
        // A second internal NLB in front of the same instance: two private backends.
        t.network.load_balancers.push(lb(
            "arn:second-internal",
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
    assert_eq!(a.len(), 2, "{:#?}", summary(&a));
    assert_ne!(a[0].fingerprint, a[1].fingerprint);
    assert_eq!(
        a.iter().map(|f| &f.fingerprint).collect::<Vec<_>>(),
        b.iter().map(|f| &f.fingerprint).collect::<Vec<_>>()
    );
    // Both name the API method through the shared targets.
    assert!(a.iter().all(|f| f.message.contains("GET /orders")));
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
