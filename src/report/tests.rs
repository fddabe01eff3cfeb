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
    findings.sort_by(Finding::by_sort_key);
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
        "SCAN INCOMPLETE: 2 targets could not be fully scanned"
    );
    assert_eq!(
        one_line_summary(&full),
        "overexposed: 5 findings; SCAN INCOMPLETE: 2 targets could not be fully scanned"
    );
    assert_eq!(
        one_line_summary(&clean_report()),
        "overexposed: 0 findings; scan complete; network paths not scanned (--no-network)"
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

/// The full report with a configuration's suppressions applied on 2026-01-01: a rule entry
/// that expired, then a live one for the same finding (the live one suppresses it), an entry
/// by fingerprint, and one that matches nothing.
fn suppressed_report() -> AuditReport {
    let mut report = full_report();
    let write = report.findings[0].fingerprint.clone();
    let text = format!(
        r#"[[suppress]]
rule = "apigw-unauthenticated-write-internet"
reason = "was accepted until the migration"
expires = "2025-12-31"

[[suppress]]
resource = "arn:aws:execute-api:eu-west-1:{OWNER}:a1b2c3/*"
method = "POST"
reason = "public upload form (SEC-123)"
expires = "2026-01-01"

[[suppress]]
fingerprint = "{write}"
reason = "shadowed by the entry above"

[[suppress]]
rule = "peering-exposes-private-backend"
resource = "arn:aws:ec2:*:999999999999:*"
reason = "the peering was removed"
"#
    );
    let config =
        crate::config::Config::parse(&text, std::path::Path::new("overexposed.toml")).unwrap();
    let today = crate::config::parse_date("2026-01-01").unwrap();
    suppression::apply(&mut report, &config.suppress, today);
    report
}

#[test]
fn the_first_live_entry_that_matches_suppresses_and_the_others_are_accounted_for() {
    let report = suppressed_report();
    let marked: Vec<(&str, &Suppressed)> = report
        .suppressed_findings()
        .map(|(f, s)| (f.path.as_str(), s))
        .collect();
    assert_eq!(
        marked,
        [(
            "/orders",
            &Suppressed {
                reason: "public upload form (SEC-123)".into(),
                expires: Some("2026-01-01".into()),
                by: "resource+method".into(),
                entry: "overexposed.toml:6".into(),
            }
        )]
    );
    let summary = &report.suppressions;
    assert_eq!(summary.suppressed, 1);
    let expired: Vec<(&str, usize)> = summary
        .expired
        .iter()
        .map(|e| (e.entry.as_str(), e.matches))
        .collect();
    assert_eq!(expired, [("overexposed.toml:1", 1)]);
    // The fingerprint entry matched (it is not stale), though an earlier entry suppressed.
    let stale: Vec<&str> = summary.stale.iter().map(|e| e.entry.as_str()).collect();
    assert_eq!(stale, ["overexposed.toml:16"]);
    assert_eq!(report.active_findings().count(), report.findings.len() - 1);
    assert_eq!(
        one_line_summary(&report),
        "overexposed: 4 findings (1 suppressed, 1 expired suppression, 1 stale suppression); SCAN INCOMPLETE: 2 targets could not be fully scanned"
    );
}

#[test]
fn table_with_suppressions() {
    insta::assert_snapshot!(table::render_table(&suppressed_report(), false));
}

#[test]
fn json_with_suppressions() {
    let report = suppressed_report();
    let log: serde_json::Value = serde_json::from_str(&json::render_json(&report)).unwrap();
    let marks: Vec<&serde_json::Value> = log["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["suppressed"])
        .collect();
    assert_eq!(marks[0]["entry"], "overexposed.toml:6");
    assert!(marks[1..].iter().all(|m| m.is_null()));
    insta::assert_json_snapshot!(log["suppressions"]);
}

#[test]
fn markdown() {
    insta::assert_snapshot!(markdown::render_markdown(
        &suppressed_report(),
        Some("results.json")
    ));
}

#[test]
fn markdown_of_a_clean_api_only_scan() {
    insta::assert_snapshot!(markdown::render_markdown(&clean_report(), None));
}

/// Past the budget, the summary keeps the worst findings, says how many it left out and where
/// the full report is, and still ends with what could not be scanned.
#[test]
fn markdown_within_a_budget_says_what_it_left_out() {
    let report = full_report();
    let full = markdown::render_markdown(&report, Some("results.json"));
    let budget = full.len() - 200;
    let cut = markdown::render_markdown_within(&report, Some("results.json"), budget);
    assert!(cut.len() <= budget, "{} > {budget}", cut.len());
    assert!(
        cut.contains("left out** to keep this summary within GitHub's 1 MiB limit: the full report is `results.json`."),
        "{cut}"
    );
    assert!(cut.contains("## Not fully scanned"), "{cut}");
    // The critical findings come first, so they are the ones kept.
    assert!(cut.contains("**critical**"), "{cut}");
    let tiny = markdown::render_markdown_within(&report, None, 0);
    assert!(
        tiny.contains("**5 findings left out**") && tiny.contains("write the full report with"),
        "{tiny}"
    );
}

/// The diagram follows a network path to its private backend and names the APIs it bypasses,
/// from the finding's evidence alone.
#[test]
fn markdown_draws_who_the_entry_point_the_backend_and_the_bypassed_api() {
    let mut report = full_report();
    let lb = report
        .findings
        .iter_mut()
        .find(|f| f.entry_point == EntryPoint::PublicLoadBalancer)
        .unwrap();
    lb.evidence.insert(
        "backend".into(),
        json!({"name": "legacy-nlb", "type": "network"}),
    );
    lb.evidence.insert(
        "bypassed_methods".into(),
        json!([
            {"api_id": "a1b2c3", "api_name": "orders-api", "method": "GET", "path": "/orders"},
            {"api_id": "a1b2c3", "api_name": "orders-api", "method": "POST", "path": "/orders"}
        ]),
    );
    let md = markdown::render_markdown(&report, None);
    let diagram = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    for line in [
        "flowchart LR",
        r#"n5(["internet from 203.0.113.0/24"])"#,
        r#"n6["public load balancer web (222222222222/us-east-1)"]"#,
        r#"n7[("NLB legacy-nlb (222222222222/us-east-1)")]"#,
        r#"n8["API Gateway orders-api"]"#,
        "n5 --> n6",
        "n6 --> n7",
        "n8 -. bypassed .-> n7",
    ] {
        assert!(
            diagram.lines().any(|l| l.trim() == line),
            "{line} not in\n{diagram}"
        );
    }
    // One bypass edge per API, however many of its methods.
    assert_eq!(diagram.matches("bypassed").count(), 1, "{diagram}");
}

/// Many findings of one account: `count` copies of the first finding on distinct paths, in
/// report order.
fn crowded_report(count: usize) -> AuditReport {
    let mut report = full_report();
    let first = report.findings[0].clone();
    report.findings = (0..count)
        .map(|i| {
            let mut f = first.clone();
            f.path = format!("/orders/{i:05}");
            f.fingerprint = fingerprint(&[&f.path]);
            f
        })
        .collect();
    report
}

/// Every format streamed to files (results spooled to a temporary file) is what its
/// `render_*` gives in memory, suppressions included.
#[test]
fn reports_streamed_to_files_are_the_rendered_ones() {
    use stream::{Out, Sink, Spool};
    let report = suppressed_report();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let header = report.header();
    let sinks: Vec<(Box<dyn Sink>, String, String)> = vec![
        (
            Box::new(json::JsonSink::new(&header, Out::file(&path("r.json")).unwrap()).unwrap()),
            "r.json".into(),
            json::render_json(&report),
        ),
        (
            Box::new(sarif::SarifSink::new(
                &header,
                Some("nightly"),
                Some(sarif::GITHUB_LIMITS),
                Out::file(&path("r.sarif")).unwrap(),
                Spool::temporary().unwrap(),
            )),
            "r.sarif".into(),
            sarif::render_sarif(&report, Some("nightly")),
        ),
        (
            Box::new(table::TableSink::new(
                false,
                true,
                Out::file(&path("r.txt")).unwrap(),
            )),
            "r.txt".into(),
            table::render_table(&report, false) + &table::render_details(&report),
        ),
        (
            Box::new(markdown::MarkdownSink::new(
                None,
                markdown::STEP_SUMMARY_LIMIT,
                Out::file(&path("r.md")).unwrap(),
            )),
            "r.md".into(),
            markdown::render_markdown(&report, None),
        ),
    ];
    let mut names = Vec::new();
    let mut wanted = Vec::new();
    let mut sinks: Vec<Box<dyn Sink>> = sinks
        .into_iter()
        .map(|(sink, name, want)| {
            names.push(name);
            wanted.push(want);
            sink
        })
        .collect();
    for f in &report.findings {
        for sink in sinks.iter_mut() {
            sink.finding(f, report.suppression(f)).unwrap();
        }
    }
    for sink in sinks {
        let finished = sink.finish(&header).unwrap();
        assert!(finished.rejected.is_empty());
        finished.out.commit().unwrap();
    }
    for (name, want) in names.iter().zip(&wanted) {
        let got = std::fs::read_to_string(path(name)).unwrap();
        assert_eq!(&got, want, "{name}");
    }
    // Nothing but the reports is left in the directory (the temporary files were renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
}

/// A SARIF log past GitHub's limit on results is rejected, not written, whatever the spool
/// stopped keeping.
#[test]
fn a_sarif_log_past_the_results_limit_is_rejected() {
    use stream::{Out, Sink, Spool};
    let report = crowded_report(5);
    let limits = sarif::Limits {
        results_per_run: 3,
        ..sarif::GITHUB_LIMITS
    };
    let mut sink = Box::new(sarif::SarifSink::new(
        &report,
        None,
        Some(limits),
        Out::Memory(Vec::new()),
        Spool::Memory(Vec::new()),
    ));
    for f in &report.findings {
        sink.finding(f, None).unwrap();
    }
    let finished = sink.finish(&report.header()).unwrap();
    assert_eq!(
        finished.rejected,
        ["5 results in one run, over GitHub's limit of 3 per run"]
    );
    assert!(finished.out.commit().unwrap().is_empty());
}

/// The table shows the first 1,000 findings of an account and counts the rest; `--details`
/// explains the first 1,000.
#[test]
fn the_table_shows_the_first_findings_of_an_account_and_counts_the_rest() {
    let report = crowded_report(table::SHOWN + 7);
    let text = table::render_table(&report, false);
    let rows = text.lines().filter(|l| l.contains("/orders/")).count();
    assert_eq!(rows, table::SHOWN);
    assert!(text.contains("/orders/00999") && !text.contains("/orders/01000"));
    assert!(
        text.contains(
            "... and 7 more findings of account 111111111111 (the table shows the first 1000;"
        ),
        "{text}"
    );
    // The summary counts them all.
    assert!(text.contains("1007 findings (1007 critical,"), "{text}");
    let details = table::render_details(&report);
    assert!(details.contains("\n[1000] ") && !details.contains("[1001]"));
    assert!(details.contains("... and 7 more findings (explained are the first 1000;"));
}

/// The Markdown summary keeps a severity's entries only while they could fit: the rest are
/// counted, and the summary says how many were left out, as when it kept them all.
#[test]
fn the_markdown_summary_counts_the_findings_it_could_not_fit() {
    let report = crowded_report(3_000);
    let budget = 100_000;
    let text = markdown::render_markdown_within(&report, None, budget);
    assert!(text.len() <= budget);
    let shown = text.matches("/orders/").count();
    assert!(shown > 10 && shown < 3_000, "{shown}");
    assert!(
        text.contains(&format!("**{} findings left out**", 3_000 - shown)),
        "{text}"
    );
}

/// A baseline's fingerprint entries are looked up by fingerprint, and the first matching entry
/// in file order is still the one named on the finding.
#[test]
fn fingerprint_entries_keep_file_order() {
    let report = crowded_report(3);
    let text = format!(
        r#"[[suppress]]
fingerprint = "{}"
reason = "by fingerprint, first"

[[suppress]]
rule = "apigw-unauthenticated-write-internet"
reason = "the rule, second"
"#,
        report.findings[1].fingerprint
    );
    let config =
        crate::config::Config::parse(&text, std::path::Path::new("overexposed.toml")).unwrap();
    let today = crate::config::parse_date("2026-01-01").unwrap();
    let mut suppressor = suppression::Suppressor::new(&config.suppress, today);
    let reasons: Vec<String> = report
        .findings
        .iter()
        .map(|f| suppressor.check(f).unwrap().reason)
        .collect();
    assert_eq!(
        reasons,
        [
            "the rule, second",
            "by fingerprint, first",
            "the rule, second"
        ]
    );
    let summary = suppressor.summary();
    assert_eq!(summary.suppressed, 3);
    assert!(summary.stale.is_empty() && summary.expired.is_empty());
}

/// Items rendered apart (on another thread) and copied into a frame one at a time make byte
/// for byte the pretty JSON of the whole document.
#[test]
fn items_rendered_apart_match_pretty_json_of_the_whole_document() {
    let value = json!({
        "a": [], "b": {}, "c": [1, [2, []], {"d": "e\n\"f\"", "g": [{}]}],
        "h": {"i": {"j": null, "k": true}}, "l": "tab\there",
    });
    let whole = |items: Vec<serde_json::Value>| {
        serde_json::to_string_pretty(&json!({"outer": {"x": 1, "findings": items}})).unwrap()
    };
    let frame = stream::Frame::around(&whole(vec![]), "findings");
    for n in 0..3 {
        let mut copied = frame.head.clone().into_bytes();
        let mut items = frame.items();
        for _ in 0..n {
            let mut item = Vec::new();
            stream::render_item(items.indent().as_bytes(), &value, &mut item).unwrap();
            items.write_rendered(&mut copied, &item).unwrap();
        }
        items.close(&mut copied).unwrap();
        copied.extend_from_slice(frame.tail.as_bytes());
        assert_eq!(
            String::from_utf8(copied).unwrap(),
            whole(vec![value.clone(); n])
        );
    }
    let empty = frame.items();
    let mut closed = Vec::new();
    empty.close(&mut closed).unwrap();
    assert!(closed.is_empty());
}

/// A batch of files is renamed into place only at its commit, every file at once; dropped
/// before, it leaves the old files and no temporary file.
#[test]
fn a_batch_of_files_replaces_them_only_when_committed() {
    let dir = std::env::temp_dir().join(format!("overexposed-batch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.sarif"), dir.join("b.sarif"));
    std::fs::write(&a, "old a").unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    let batch_of = |texts: [&str; 2]| {
        let mut batch = stream::Batch::default();
        for (path, text) in [(&a, texts[0]), (&b, texts[1])] {
            let mut out = stream::Out::file(path).unwrap();
            std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
            batch.add(out).unwrap();
        }
        batch
    };
    let abandoned = batch_of(["new a", "new b"]);
    assert_eq!(listing().len(), 3, "two temporary files beside a.sarif");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
    drop(abandoned);
    assert_eq!(listing(), ["a.sarif"]);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
    batch_of(["new a", "new b"]).commit().unwrap();
    assert_eq!(listing(), ["a.sarif", "b.sarif"]);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
    assert!(stream::Batch::default()
        .add(stream::Out::Memory(Vec::new()))
        .is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A range of the spool copied into a report file (by the kernel, file to file) lands between
/// what was written before and after it, as the ordinary copy puts it.
#[test]
fn a_spool_range_copied_into_a_file_lands_in_place() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("overexposed-copy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text: String = (0..20_000).map(|i| format!("result {i}\n")).collect();
    let (start, end) = (7, text.len() as u64 - 5);
    for mut spool in [
        stream::Spool::temporary().unwrap(),
        stream::Spool::Memory(Vec::new()),
    ] {
        spool.write_all(text.as_bytes()).unwrap();
        let path = dir.join("log.sarif");
        let mut out = stream::Out::file(&path).unwrap();
        out.write_all(b"head[").unwrap();
        spool.copy_range_into(start, end, &mut out).unwrap();
        out.write_all(b"]tail").unwrap();
        out.commit().unwrap();
        let expected = format!("head[{}]tail", &text[start as usize..end as usize]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        let mut empty = stream::Out::Memory(Vec::new());
        spool.copy_range_into(3, 3, &mut empty).unwrap();
        assert!(empty.commit().unwrap().is_empty());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A report file longer than the writeback step (its writeback started on the way) is written
/// whole and in order.
#[test]
fn a_report_file_past_the_writeback_step_is_written_whole() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("overexposed-writeback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("big.json");
    let mut out = stream::Out::file(&path).unwrap();
    let line: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
    for i in 0..33u8 {
        out.write_all(&[i]).unwrap();
        out.write_all(&line).unwrap();
    }
    out.commit().unwrap();
    let back = std::fs::read(&path).unwrap();
    assert_eq!(back.len(), 33 * ((1 << 20) + 1));
    for (i, chunk) in back.chunks((1 << 20) + 1).enumerate() {
        assert_eq!(usize::from(chunk[0]), i);
        assert_eq!(&chunk[1..], &line[..]);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
