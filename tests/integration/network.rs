//! Network paths that bypass API Gateway, against the emulator: the `network` estate
//! (tests/estates/estate_network.py) puts each tempting alternative in its own account beside
//! the safe design, plus the look-alikes that must not be reported, plus the subtler cases
//! (client IP preservation through an NLB, prefix lists, longest prefix match, organization
//! principals, an NLB forwarding to an ALB). One audit of all fifteen accounts; the assertions
//! pin the exact findings both ways.
//!
//! moto quirks met here (5.2.1):
//! - integrations lose `connectionId`, so the link from a method to its NLB is recovered from
//!   the integration URI's host (the NLB's DNS name), as real estates also usually have it;
//! - `DescribeVpcEndpointConnections` is not implemented (HTML 500): a notification on each
//!   endpoint service, not a gap (the allowed principals decide the verdict);
//! - NLB ARNs read `loadbalancer/app/…`: the auditor trusts `Type`;
//! - target group attributes list no `preserve_client_ip.enabled`: AWS's default for the target
//!   type and protocol applies (instance: preserved; IP over TCP: not);
//! - the AWS-managed prefix lists (CloudFront origin-facing among them) exist in every account;
//! - endpoint service permissions accept any principal string (an organization ARN too) and
//!   return no `PrincipalType`;
//! - what moto cannot show is pinned by unit tests instead: IPv6 peering CIDRs (moto returns
//!   none), association states other than `associated`, group pairs of another account (moto
//!   rejects a group it does not hold and sets `UserId` to the caller), endpoint connections of
//!   accounts no longer allowed (not implemented), and a failing web ACL lookup.

use crate::harness;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const ACCOUNTS: [&str; 15] = [
    "500000000001",
    "500000000002",
    "500000000003",
    "500000000004",
    "500000000005",
    "500000000006",
    "500000000007",
    "500000000008",
    "500000000009",
    "500000000010",
    "500000000011",
    "500000000012",
    "500000000013",
    "500000000014",
    "500000000015",
];

/// The estate's ids and the one audit report every test reads.
fn report() -> &'static (Value, Value) {
    static REPORT: OnceLock<(Value, Value)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let ids = harness::estate("network").clone();
        let report = harness::audit_json(&ACCOUNTS, &["us-east-1"], &[]);
        (ids, report)
    })
}

/// The `network` estate's audit report.
pub fn network_report() -> &'static Value {
    &report().1
}

fn ids() -> &'static Value {
    &report().0
}

fn id(key: &str) -> String {
    harness::id(ids(), key)
}

fn findings() -> &'static [Value] {
    report().1["findings"].as_array().expect("findings")
}

/// (rule, account, resource id, reach) of every network finding.
fn network_rows() -> BTreeSet<(String, String, String, String)> {
    findings()
        .iter()
        .filter(|f| {
            f["entry_point"] != "api_gateway_rest" && f["entry_point"] != "api_gateway_http"
        })
        .map(|f| {
            let arn = f["resource_arn"].as_str().unwrap();
            // Endpoint services and peerings: the id after the last `/`; load balancers: the ARN.
            let id = if arn.contains(":elasticloadbalancing:") {
                arn.to_string()
            } else {
                arn.rsplit('/').next().unwrap().to_string()
            };
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["account_id"].as_str().unwrap().to_string(),
                id,
                f["reach"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding(rule: &str, resource_suffix: &str) -> &'static Value {
    findings()
        .iter()
        .find(|f| {
            f["rule_id"] == rule
                && f["resource_arn"]
                    .as_str()
                    .unwrap()
                    .ends_with(resource_suffix)
        })
        .unwrap_or_else(|| panic!("no {rule} finding on {resource_suffix}"))
}

#[test]
fn exactly_the_alternatives_are_reported() {
    let r = |rule: &str, account: &str, id: String, reach: &str| {
        (rule.to_string(), account.to_string(), id, reach.to_string())
    };
    let expected: BTreeSet<_> = [
        r(
            "peering-exposes-private-backend",
            "500000000002",
            id("exposed_pcx"),
            "accounts:[500000000009]",
        ),
        r(
            "peering-cross-account-no-path",
            "500000000003",
            id("no_route_pcx"),
            "accounts:[500000000009]",
        ),
        r(
            "peering-cross-account-no-path",
            "500000000004",
            id("wrong_port_pcx"),
            "accounts:[500000000009]",
        ),
        r(
            "privatelink-open-to-any-account",
            "500000000006",
            id("svc_star"),
            "any_aws_account",
        ),
        r(
            "privatelink-open-to-external-accounts",
            "500000000006",
            id("svc_partner"),
            "accounts:[500000000009]",
        ),
        r(
            "public-lb-exposes-private-backend",
            "500000000007",
            id("public_nlb"),
            "internet",
        ),
        r(
            "public-lb-exposes-private-backend",
            "500000000007",
            id("public_alb"),
            "internet",
        ),
        // An NLB without security groups, IP targets over TCP: the targets see the NLB.
        r(
            "peering-exposes-private-backend",
            "500000000010",
            id("nlb_ip_pcx"),
            "accounts:[500000000009]",
        ),
        // The NLB's group admits the peer, its instance targets (which see the peer) do not.
        r(
            "peering-cross-account-no-path",
            "500000000011",
            id("nlb_sg_pcx"),
            "accounts:[500000000009]",
        ),
        // Groups admitting prefix lists only.
        r(
            "public-lb-exposes-private-backend",
            "500000000012",
            id("cf_alb"),
            "internet",
        ),
        r(
            "public-lb-exposes-private-backend",
            "500000000012",
            id("office_alb"),
            "internet_ip_restricted:[203.0.113.0/24]",
        ),
        r(
            "peering-exposes-private-backend",
            "500000000013",
            id("pl_pcx"),
            "accounts:[500000000009]",
        ),
        // The peer's /16 goes to a transit gateway, not to the peering's /8.
        r(
            "peering-cross-account-no-path",
            "500000000014",
            id("lpm_pcx"),
            "accounts:[500000000009]",
        ),
        r(
            "privatelink-open-to-external-accounts",
            "500000000015",
            id("org_svc"),
            "organization:o-exampleorg1",
        ),
        r(
            "public-lb-exposes-private-backend",
            "500000000015",
            id("edge_nlb"),
            "internet",
        ),
    ]
    .into_iter()
    .collect();
    let actual = network_rows();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

#[test]
fn the_safe_design_and_the_look_alikes_are_not_reported() {
    // The safe account, the same-account peering, the pending peering and the partner have no
    // finding at all; the owner-only endpoint service and the public web ALB none either.
    for account in [
        "500000000001",
        "500000000005",
        "500000000008",
        "500000000009",
    ] {
        let theirs: Vec<_> = findings()
            .iter()
            .filter(|f| f["account_id"] == account)
            .collect();
        assert!(theirs.is_empty(), "{account} has findings: {theirs:#?}");
    }
    let resources: Vec<&str> = findings()
        .iter()
        .map(|f| f["resource_arn"].as_str().unwrap())
        .collect();
    for quiet in [
        id("svc_owner_only"),
        id("www_alb"),
        id("same_account_pcx"),
        id("pending_pcx"),
    ] {
        assert!(
            !resources.iter().any(|r| r.ends_with(&quiet)),
            "{quiet} was reported"
        );
    }
    // None of the API methods is a finding either: they are the intended design.
    assert!(findings()
        .iter()
        .all(|f| f["entry_point"] != "api_gateway_rest"));
}

#[test]
fn network_findings_say_network_only_write_and_name_the_backend() {
    for f in findings() {
        assert_eq!(f["auth"], "network_only", "{f:#}");
        assert_eq!(f["write"], true);
        assert_eq!(
            (f["method"].as_str(), f["path"].as_str()),
            (Some("*"), Some("*"))
        );
        assert!(
            f["evidence"]["backend"].is_object() || f["rule_id"] == "peering-cross-account-no-path",
            "{f:#}"
        );
        assert!(!f["remediation"].as_str().unwrap().is_empty());
    }
}

#[test]
fn every_exposure_names_the_api_methods_it_bypasses() {
    for (rule, resource, api) in [
        (
            "peering-exposes-private-backend",
            id("exposed_pcx"),
            id("exposed_api"),
        ),
        (
            "privatelink-open-to-any-account",
            id("svc_star"),
            id("svc_api"),
        ),
        // A second NLB over the same instance: tied to the API by the shared target.
        (
            "privatelink-open-to-external-accounts",
            id("svc_partner"),
            id("svc_api"),
        ),
        (
            "public-lb-exposes-private-backend",
            id("public_nlb"),
            id("public_api"),
        ),
        (
            "public-lb-exposes-private-backend",
            id("public_alb"),
            id("public_api"),
        ),
        (
            "public-lb-exposes-private-backend",
            id("cf_alb"),
            id("pl_api"),
        ),
        (
            "public-lb-exposes-private-backend",
            id("office_alb"),
            id("pl_api"),
        ),
        (
            "peering-exposes-private-backend",
            id("pl_pcx"),
            id("pl_peer_api"),
        ),
        // Through the internal ALB that the public NLB forwards to (target type alb).
        (
            "public-lb-exposes-private-backend",
            id("edge_nlb"),
            id("org_api"),
        ),
        (
            "privatelink-open-to-external-accounts",
            id("org_svc"),
            id("org_api"),
        ),
    ] {
        let f = finding(rule, &resource);
        let methods: BTreeSet<(String, String, String)> = f["evidence"]["bypassed_methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["api_id"].as_str().unwrap().into(),
                    m["method"].as_str().unwrap().into(),
                    m["path"].as_str().unwrap().into(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String, String)> = [
            (api.clone(), "GET".into(), "/orders".into()),
            (api.clone(), "GET".into(), "/orders/{id}".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(methods, want, "{rule} {resource}");
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains("bypasses their authentication and their verb restrictions"),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "GET /orders on REST API legacy-api ({api}, AWS_IAM)"
            )),
            "{message}"
        );
    }
}

#[test]
fn privatelink_findings_carry_acceptance_and_principals() {
    let star = finding("privatelink-open-to-any-account", &id("svc_star"));
    assert_eq!(star["severity"], "critical");
    assert_eq!(star["evidence"]["acceptance_required"], false);
    assert_eq!(
        star["evidence"]["allowed_principals"],
        serde_json::json!(["*"])
    );
    let partner = finding("privatelink-open-to-external-accounts", &id("svc_partner"));
    assert_eq!(partner["severity"], "high");
    assert_eq!(partner["evidence"]["acceptance_required"], true);
    assert!(partner["message"]
        .as_str()
        .unwrap()
        .contains("acceptance required"));
    // moto does not implement DescribeVpcEndpointConnections: a note per service, no gap.
    let target = report().1["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account_id"] == "500000000006")
        .unwrap();
    assert_eq!(target["status"], "complete");
    let notes = target["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 3, "{notes:#?}");
    assert!(notes
        .iter()
        .all(|n| n["operation"] == "ec2:DescribeVpcEndpointConnections"));
    assert_eq!(star["evidence"]["connected_accounts"], Value::Null);
}

#[test]
fn peering_findings_show_the_route_and_the_rule() {
    let f = finding("peering-exposes-private-backend", &id("exposed_pcx"));
    assert_eq!(f["severity"], "high");
    assert_eq!(
        f["evidence"]["path"]["route"],
        format!("10.1.0.0/16 -> {}", id("exposed_pcx"))
    );
    assert_eq!(
        f["evidence"]["path"]["ingress_rule"],
        "tcp port 8080 from 10.1.0.0/16"
    );
    assert_eq!(f["evidence"]["peering"]["peer"]["owner_id"], "500000000009");
    let info = finding("peering-cross-account-no-path", &id("no_route_pcx"));
    assert_eq!(info["severity"], "info");
    assert!(info["message"]
        .as_str()
        .unwrap()
        .contains("Nothing is exposed today"));
}

#[test]
fn public_load_balancers_say_what_a_waf_does_and_does_not() {
    let alb = finding("public-lb-exposes-private-backend", &id("public_alb"));
    let message = alb["message"].as_str().unwrap();
    assert!(message.contains(&id("public_alb_acl")), "{message}");
    assert!(message.contains("does not authenticate"), "{message}");
    assert_eq!(alb["evidence"]["web_acl"], id("public_alb_acl"));
    let nlb = finding("public-lb-exposes-private-backend", &id("public_nlb"));
    assert!(nlb["message"]
        .as_str()
        .unwrap()
        .contains("NLB cannot carry a WAF"));
    assert_eq!(nlb["severity"], "critical");
}

#[test]
fn the_network_inventory_is_counted_call_by_call() {
    let calls = &report().1["scan"]["api_calls"];
    let n = |op: &str| calls[op].as_u64().unwrap_or(0);
    // One listing each per account × region (15 targets), every page counted.
    for op in [
        "sts:AssumeRole",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTargetGroups",
        "ec2:DescribeTransitGatewayAttachments",
    ] {
        assert_eq!(n(op), 15, "{op}: {calls:#}");
    }
    // Account 14's transit gateway has nothing attached: its route tables are not read.
    assert_eq!(n("ec2:DescribeTransitGatewayRouteTables"), 0, "{calls:#}");
    // Four endpoint services; WAF only for the four internet-facing ALBs.
    assert_eq!(n("ec2:DescribeVpcEndpointServicePermissions"), 4);
    assert_eq!(n("wafv2:GetWebACLForResource"), 4);
    // Targets only where a verdict compares them: accounts 2, 3, 4, 10, 11, 13, 14
    // (cross-account peering, one NLB each), 6 (endpoint services: 3 NLBs), 7 (3 LBs + the
    // backend NLB), 12 (2 ALBs + the backend NLB) and 15 (NLB, ALB, backend NLB): 7+3+4+3+3.
    assert_eq!(
        n("elasticloadbalancing:DescribeTargetHealth"),
        20,
        "{calls:#}"
    );
    // Client IP preservation only for the TCP target groups of internal NLBs in peered VPCs
    // (the pending peering of account 8 is not active).
    assert_eq!(
        n("elasticloadbalancing:DescribeTargetGroupAttributes"),
        7,
        "{calls:#}"
    );
    // Prefix lists only where named: account 12 (CloudFront needs no entries: it means the
    // internet) and account 13.
    assert_eq!(n("ec2:DescribeManagedPrefixLists"), 2, "{calls:#}");
    assert_eq!(n("ec2:GetManagedPrefixListEntries"), 2, "{calls:#}");
}

#[test]
fn client_ip_preservation_decides_what_a_peer_gets_through_an_nlb() {
    // IP targets over TCP see the NLB's own address, which their VPC-CIDR rule admits.
    let f = finding("peering-exposes-private-backend", &id("nlb_ip_pcx"));
    assert_eq!(f["confidence"], "high");
    let path = &f["evidence"]["path"];
    assert!(
        path["via"]
            .as_str()
            .unwrap()
            .starts_with("load balancer ip-nlb to target i-"),
        "{path:#}"
    );
    assert_eq!(
        path["ingress_rule"],
        "tcp port 8080 from 10.0.0.0/16 (the NLB's own address)"
    );
    assert!(
        path["notes"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(
                "client IP preservation is off: the target sees the NLB's own address"
            )),
        "{path:#}"
    );
    // Instance targets see the peer itself, which they do not admit, whatever the NLB's group
    // lets in.
    let info = finding("peering-cross-account-no-path", &id("nlb_sg_pcx"));
    assert_eq!(info["severity"], "info");
}

#[test]
fn prefix_lists_are_followed_in_groups_and_routes() {
    let cf = finding("public-lb-exposes-private-backend", &id("cf_alb"));
    let message = cf["message"].as_str().unwrap();
    assert!(message.contains(&id("cloudfront_pl")), "{message}");
    assert!(
        message.contains("through a CloudFront distribution"),
        "{message}"
    );
    assert_eq!(cf["confidence"], "high");
    let office = finding("public-lb-exposes-private-backend", &id("office_alb"));
    assert!(office["message"]
        .as_str()
        .unwrap()
        .contains(&format!("{} (partner-offices)", id("offices_pl"))));
    let pcx = finding("peering-exposes-private-backend", &id("pl_pcx"));
    assert_eq!(
        pcx["evidence"]["path"]["route"],
        format!(
            "prefix list {} (partner-vpc) -> {}",
            id("peer_pl"),
            id("pl_pcx")
        )
    );
    assert_eq!(
        pcx["evidence"]["path"]["peer_addresses_through"],
        serde_json::json!(["10.7.0.0/16"])
    );
}
