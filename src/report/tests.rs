//! Snapshots of every renderer on one report that has a bit of everything (API and network
//! findings of every width, two accounts, a partial target, an account not entered, a skipped
//! account, notes), and on a clean one. The fixture pins everything that could vary (times,
//! version), so a snapshot changes only when the output does: review it with `cargo insta
//! review`, or accept it with `INSTA_UPDATE=always cargo test`. On CI a changed snapshot fails.

use super::*;
use crate::inventory::{
    AccountFailure, Inventory, ScanScope, SkippedAccount, Target, TargetStatus, SNAPSHOT_VERSION,
};
use crate::model::{fingerprint, Auth, Confidence, EntryPoint, Reach, Severity};
use crate::operation::Operation;
use serde_json::json;

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";

/// A finding as analysis would make it; everything not given is the API method default.
struct Draft {
    rule: &'static str,
    severity: Severity,
    account: &'static str,
    region: &'static str,
    resource_arn: String,
    entry_point: EntryPoint,
    api_id: Option<&'static str>,
    stage: Option<&'static str>,
    method: &'static str,
    path: &'static str,
    reach: Reach,
    auth: Auth,
    confidence: Confidence,
    evidence: serde_json::Value,
}

impl Draft {
    fn finding(self, title: &str, message: &str, remediation: &str) -> Finding {
        let identity = [
            self.rule,
            self.account,
            self.region,
            &self.resource_arn,
            self.stage.unwrap_or(""),
            self.method,
            self.path,
        ];
        Finding {
            rule_id: self.rule.parse().expect("a known rule id"),
            severity: self.severity,
            title: title.into(),
            message: message.into(),
            account_id: self.account.into(),
            region: self.region.into(),
            resource_arn: self.resource_arn.clone(),
            entry_point: self.entry_point,
            api_id: self.api_id.map(str::to_string),
            stage: self.stage.map(str::to_string),
            method: self.method.into(),
            path: self.path.into(),
            reach: self.reach.label(),
            reach_detail: self.reach,
            auth: self.auth,
            write: crate::model::is_write_verb(self.method),
            remediation: remediation.into(),
            fingerprint: fingerprint(&identity),
            confidence: self.confidence,
            evidence: serde_json::from_value(self.evidence).expect("an object"),
        }
    }
}

fn findings() -> Vec<Finding> {
    let mut findings = vec![
        Draft {
            rule: "apigw-unauthenticated-write-internet",
            severity: Severity::Critical,
            account: OWNER,
            region: "eu-west-1",
            resource_arn: crate::arn::execute_api_method(
                "eu-west-1", OWNER, "a1b2c3", "prod", "POST", "/orders",
            ),
            entry_point: EntryPoint::ApiGatewayRest,
            api_id: Some("a1b2c3"),
            stage: Some("prod"),
            method: "POST",
            path: "/orders",
            reach: Reach::Internet,
            auth: Auth::None,
            confidence: Confidence::High,
            evidence: json!({"allowing_statements": ["PublicInvoke"]}),
        }
        .finding(
            "Unauthenticated write method reachable from the internet",
            "POST /orders of REST API orders (a1b2c3), stage prod, is reachable by anyone on the internet with no authentication.",
            "Require IAM auth on POST /orders, then redeploy prod.",
        ),
        Draft {
            rule: "apigw-write-organization",
            severity: Severity::Medium,
            account: OWNER,
            region: "eu-west-1",
            resource_arn: crate::arn::execute_api_method(
                "eu-west-1", OWNER, "h7t9p2", "*", "ANY", "/{proxy+}",
            ),
            entry_point: EntryPoint::ApiGatewayHttp,
            api_id: Some("h7t9p2"),
            stage: Some("*"),
            method: "ANY",
            path: "/{proxy+}",
            reach: Reach::Organization {
                org_ids: vec!["o-a1b2c3d4e5".into()],
            },
            auth: Auth::AwsIam,
            confidence: Confidence::Medium,
            evidence: json!({}),
        }
        .finding(
            "Write method granted to a whole organization",
            "ANY /{proxy+} of HTTP API h7t9p2, every stage, is open to every account of the organization o-a1b2c3d4e5.",
            "Grant the partner's role only, and only the verbs it needs.",
        ),
        Draft {
            rule: "peering-exposes-private-backend",
            severity: Severity::High,
            account: OWNER,
            region: "eu-west-1",
            resource_arn: crate::arn::vpc_peering("eu-west-1", OWNER, "pcx-0a1b"),
            entry_point: EntryPoint::VpcPeering,
            api_id: None,
            stage: None,
            method: "*",
            path: "*",
            reach: Reach::Accounts {
                accounts: vec![OTHER.into()],
            },
            auth: Auth::NetworkOnly,
            confidence: Confidence::Medium,
            evidence: json!({"backend": {"load_balancer": "orders-nlb"}}),
        }
        .finding(
            "VPC peering exposes a private backend to another account",
            "Peering pcx-0a1b lets account 222222222222 reach the NLB orders-nlb behind REST API a1b2c3.",
            "Remove the route to the backend's subnet, or the rule that admits the peer.",
        ),
        Draft {
            rule: "privatelink-open-to-any-account",
            severity: Severity::Critical,
            account: OWNER,
            region: "us-east-1",
            resource_arn: crate::arn::endpoint_service("us-east-1", OWNER, "vpce-svc-0c2d"),
            entry_point: EntryPoint::Privatelink,
            api_id: None,
            stage: None,
            method: "*",
            path: "*",
            reach: Reach::AnyAwsAccount,
            auth: Auth::NetworkOnly,
            confidence: Confidence::High,
            evidence: json!({"allowed_principals": ["*"], "acceptance_required": false}),
        }
        .finding(
            "PrivateLink endpoint service open to every AWS account",
            "Endpoint service vpce-svc-0c2d allows principal * and accepts connections without review.",
            "Remove * from the allowed principals of vpce-svc-0c2d.",
        ),
        Draft {
            rule: "public-lb-exposes-private-backend",
            severity: Severity::Critical,
            account: OTHER,
            region: "us-east-1",
            resource_arn: format!(
                "arn:aws:elasticloadbalancing:us-east-1:{OTHER}:loadbalancer/app/web/0123456789abcdef"
            ),
            entry_point: EntryPoint::PublicLoadBalancer,
            api_id: None,
            stage: None,
            method: "*",
            path: "*",
            reach: Reach::InternetIpRestricted {
                cidrs: vec!["203.0.113.0/24".into()],
            },
            auth: Auth::NetworkOnly,
            confidence: Confidence::High,
            evidence: json!({}),
        }
        .finding(
            "Internet-facing load balancer exposes a private backend",
            "Load balancer web forwards 203.0.113.0/24 to the instances behind REST API a1b2c3.",
            "Make web internal, or put the backend behind API Gateway only.",
        ),
    ];
    findings.sort_by_key(Finding::sort_key);
    findings
}

fn target(account: &str, region: &str) -> Target {
    Target {
        account_id: account.into(),
        region: region.into(),
        ..Default::default()
    }
}

/// The report of a scan with a bit of everything, built the way the CLI builds it.
fn full_report() -> AuditReport {
    let mut partial = target(OWNER, "eu-west-1");
    partial.status = TargetStatus::Partial;
    partial.errors.push(ScanError {
        operation: Operation::ApiGatewayGetStages.into(),
        code: "AccessDeniedException".into(),
        message: "User is not authorized to perform apigateway:GET".into(),
        resource: Some("a1b2c3".into()),
    });
    partial.notifications.push(Notification {
        operation: Operation::Wafv2GetWebAclForResource.into(),
        message: "could not read the web ACL of this load balancer (WAFUnavailableEntityException: not available)".into(),
        resource: Some("web".into()),
    });
    let inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at: "2024-05-01T12:00:00Z".into(),
        finished_at: "2024-05-01T12:03:30Z".into(),
        targets: vec![
            partial,
            target(OWNER, "us-east-1"),
            target(OTHER, "us-east-1"),
        ],
        account_failures: vec![AccountFailure {
            account_id: "333333333333".into(),
            error: ScanError {
                operation: Operation::StsAssumeRole.into(),
                code: "AccessDenied".into(),
                message: "not authorized to perform sts:AssumeRole".into(),
                resource: Some(crate::arn::iam_role("aws", "333333333333", "SecurityAudit")),
            },
        }],
        skipped_accounts: vec![SkippedAccount {
            account_id: "444444444444".into(),
            reason: "account is SUSPENDED in the organization".into(),
        }],
        api_calls: [
            (Operation::ApiGatewayGetRestApis, 3),
            (Operation::ApiGatewayGetStages, 2),
            (Operation::StsAssumeRole, 3),
        ]
        .into_iter()
        .map(|(op, n)| (op.into(), n))
        .collect(),
        scope: ScanScope {
            regions: Some(vec!["eu-west-1".into(), "us-east-1".into()]),
            ..Default::default()
        },
        ..Default::default()
    };
    pinned(build_report(&inv, findings()))
}

/// A complete API-only scan of one account that found nothing.
fn clean_report() -> AuditReport {
    let inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        targets: vec![target(OWNER, "us-east-1")],
        scope: ScanScope {
            network: false,
            ..Default::default()
        },
        ..Default::default()
    };
    pinned(build_report(&inv, vec![]))
}

/// The version is the crate's: pinned, so a release does not change the snapshots.
fn pinned(mut report: AuditReport) -> AuditReport {
    report.tool.version = "0.0.0-test".into();
    report
}

#[test]
fn a_report_summarises_every_target_and_every_account_not_entered() {
    let report = full_report();
    let targets: Vec<(&str, &str, TargetStatus, Option<&str>)> = report
        .scan
        .targets
        .iter()
        .map(|t| {
            (
                t.account_id.as_str(),
                t.region.as_str(),
                t.status,
                t.error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            (
                OWNER,
                "eu-west-1",
                TargetStatus::Partial,
                Some("apigateway:GetStages AccessDeniedException: User is not authorized to perform apigateway:GET")
            ),
            (OWNER, "us-east-1", TargetStatus::Complete, None),
            (OTHER, "us-east-1", TargetStatus::Complete, None),
            (
                "333333333333",
                "*",
                TargetStatus::Failed,
                Some("sts:AssumeRole AccessDenied: not authorized to perform sts:AssumeRole")
            ),
        ]
    );
    assert!(!report.scan.complete);
}

#[test]
fn the_status_sentence_says_what_was_not_scanned() {
    let full = full_report();
    assert_eq!(
        full.scan.status(),
        "SCAN INCOMPLETE: 2 target(s) could not be fully scanned"
    );
    assert_eq!(
        one_line_summary(&full),
        "overexposed: 5 finding(s); SCAN INCOMPLETE: 2 target(s) could not be fully scanned"
    );
    assert_eq!(
        one_line_summary(&clean_report()),
        "overexposed: 0 finding(s); scan complete; network paths not scanned (--no-network)"
    );
}

#[test]
fn table() {
    insta::assert_snapshot!(table::render_table(&full_report(), false));
}

#[test]
fn table_of_a_clean_api_only_scan() {
    insta::assert_snapshot!(table::render_table(&clean_report(), false));
}

#[test]
fn details() {
    insta::assert_snapshot!(table::render_details(&full_report()));
    assert_eq!(table::render_details(&clean_report()), "");
}

#[test]
fn json() {
    insta::assert_snapshot!(json::render_json(&full_report()));
}

/// The SARIF log, its rule descriptors reduced to their ids: their text is the rules' own
/// (`rules/*.toml`), not the renderer's.
#[test]
fn sarif() {
    let text = sarif::render_sarif(&full_report(), None);
    let mut log: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
    let ids: Vec<serde_json::Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    *rules = serde_json::Value::Array(ids);
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
}
