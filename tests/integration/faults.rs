//! "Never silently wrong": faults injected between the binary and the emulator.
//!
//! Each test puts a [`FaultProxy`] in front of moto, injects one class of failure into one
//! account, region, API or call (throttling that clears, throttling that does not, a 5xx, a
//! hang past `--timeout`, AccessDenied on reads, AccessDenied on `sts:AssumeRole`, a malformed
//! or cut-off answer, an endpoint that drops connections, a region the account has not enabled,
//! page tokens that loop, an empty region list, a caller identity with no account), and asserts
//! what a user must see:
//! the exit code, `scan.complete`, the status of every target, the operation and AWS error code
//! of each gap, that every finding outside the gap is still reported (compared with a run with
//! no fault), and how the table and SARIF show the gap. Which failures are gaps (a verdict
//! depends on the call) and which are notifications (enrichment only) is pinned per call. The
//! same file proves the paging of real AWS is followed, that reports are written atomically,
//! and that no credential ever reaches an output, a log or an error message.
//!
//! Estate: `faults` (tests/estates/estate_faults.py), accounts 400000000001..3. Small
//! `--timeout`/`--max-attempts` keep every test to a few seconds.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::harness::{self, Run};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const A: &str = "400000000001";
const B: &str = "400000000002";
const C: &str = "400000000003";
const ACCOUNTS: &str = "400000000001,400000000002,400000000003";
const REGIONS: &str = "us-east-1,eu-west-1";
const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

fn id(key: &str) -> String {
    harness::id(harness::estate("faults"), key)
}

fn proxy(rules: Vec<Rule>) -> FaultProxy {
    harness::estate("faults");
    FaultProxy::with_rules(&harness::emulator().endpoint, rules)
}

/// `audit --accounts ALL --regions us-east-1,eu-west-1 --format json --quiet --fail-on never`
/// through the proxy, plus `args` (timeouts, attempts, outputs). Returns the run, its JSON
/// report and how long it took.
fn audit(proxy: &FaultProxy, args: &[&str]) -> (Run, Value, Duration) {
    let scope = ["--accounts", ACCOUNTS, "--regions", REGIONS];
    let args: Vec<&str> = scope.iter().chain(args).copied().collect();
    let started = Instant::now();
    let run = harness::audit_at(&proxy.endpoint, &args);
    let elapsed = started.elapsed();
    let report = run.json();
    (run, report, elapsed)
}

/// `--no-network`, two attempts and a 10 s timeout: enough for a fault in the API Gateway
/// inventory to show, and quick.
const QUICK_API_SCAN: [&str; 5] = ["--no-network", "--max-attempts", "2", "--timeout", "10"];

/// [`audit`] of a scan with a gap: asserts exit 2 and an incomplete scan, and returns the
/// report.
#[track_caller]
fn audit_with_gap(proxy: &FaultProxy, args: &[&str]) -> Value {
    let (run, report, _) = audit(proxy, args);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert_eq!(report["scan"]["complete"], false);
    report
}

/// The report of a run with no fault (API Gateway only, or with the network inventory).
fn baseline(network: bool) -> &'static Value {
    static API_ONLY: OnceLock<Value> = OnceLock::new();
    static WITH_NETWORK: OnceLock<Value> = OnceLock::new();
    let cell = if network { &WITH_NETWORK } else { &API_ONLY };
    cell.get_or_init(|| {
        let p = proxy(vec![]);
        let mut args = vec!["--max-attempts", "3", "--timeout", "20"];
        if !network {
            args.push("--no-network");
        }
        let (run, report, _) = audit(&p, &args);
        assert_eq!(run.status, 0, "the baseline scan failed: {}", run.stderr);
        assert_eq!(report["scan"]["complete"], true, "{report:#}");
        report
    })
}

/// One finding as the tests compare them: (account, region, rule, api, stage, method, path,
/// reach).
type Key = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn key(f: &Value) -> Key {
    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
    (
        s("account_id"),
        s("region"),
        s("rule_id"),
        s("api_id"),
        s("stage"),
        s("method"),
        s("path"),
        s("reach"),
    )
}

fn findings(report: &Value) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(key)
        .collect()
}

/// The baseline's findings without those `lost` says the fault hid.
fn expected(base: &Value, lost: impl Fn(&Key) -> bool) -> BTreeSet<Key> {
    findings(base).into_iter().filter(|k| !lost(k)).collect()
}

#[track_caller]
fn assert_findings(actual: &BTreeSet<Key>, expected: &BTreeSet<Key>) {
    if actual != expected {
        let missing: Vec<_> = expected.difference(actual).collect();
        let extra: Vec<_> = actual.difference(expected).collect();
        panic!("findings differ\n  missing: {missing:#?}\n  unexpected: {extra:#?}");
    }
}

fn target<'a>(report: &'a Value, account: &str, region: &str) -> &'a Value {
    report["scan"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["account_id"] == account && t["region"] == region)
        .unwrap_or_else(|| panic!("no target {account}/{region} in {:#}", report["scan"]))
}

/// Asserts a target's status and that it recorded `op` failing with `code` (on `resource`,
/// when given), and that `error` names the first error.
#[track_caller]
fn assert_gap(
    report: &Value,
    (account, region): (&str, &str),
    status: &str,
    (op, code, resource): (&str, &str, Option<&str>),
) {
    let t = target(report, account, region);
    assert_eq!(t["status"], status, "{t:#}");
    let errors = t["errors"].as_array().expect("errors on a gap");
    assert!(
        errors.iter().any(|e| e["operation"] == op
            && e["code"] == code
            && resource.is_none_or(|r| e["resource"] == r)),
        "{account}/{region} has no error {op} {code} {resource:?}: {t:#}"
    );
    let first = &errors[0];
    let error = t["error"].as_str().expect("error");
    assert!(
        error.starts_with(&format!(
            "{} {}",
            first["operation"].as_str().unwrap(),
            first["code"].as_str().unwrap()
        )),
        "{error}"
    );
}

#[track_caller]
fn assert_complete_except(report: &Value, gaps: &[(&str, &str)]) {
    for t in report["scan"]["targets"].as_array().unwrap() {
        let here = (
            t["account_id"].as_str().unwrap(),
            t["region"].as_str().unwrap(),
        );
        if !gaps.contains(&here) {
            assert_eq!(t["status"], "complete", "{t:#}");
            assert!(t.get("errors").is_none(), "{t:#}");
        }
    }
}

/// The SARIF run says the scan was not successful and carries one error notification for the
/// gap, named by the AWS error code.
#[track_caller]
fn assert_sarif_gap(path: &Path, account: &str, region: &str, op: &str, code: &str) {
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation:#}");
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("toolExecutionNotifications");
    let wanted = format!("{account}/{region}: {op} {code}");
    assert!(
        notes.iter().any(|n| n["level"] == "error"
            && n["descriptor"]["id"] == code
            && n["message"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(&wanted))),
        "no SARIF notification {wanted:?}: {notes:#?}"
    );
}

/// The table's footer lists the target as not fully scanned, with the operation and code.
#[track_caller]
fn assert_table_gap(path: &Path, account: &str, region: &str, status: &str, op: &str, code: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("SCAN INCOMPLETE"), "{text}");
    let footer = text
        .split("Not fully scanned")
        .nth(1)
        .unwrap_or_else(|| panic!("no 'Not fully scanned' section:\n{text}"));
    assert!(
        footer.contains(&format!("  {account}/{region}: {status}\n")),
        "{account}/{region}: {status} not in the footer:\n{footer}"
    );
    assert!(
        footer.contains(&format!("    {op} {code}")),
        "{op} {code} not in the footer:\n{footer}"
    );
}

fn scratch(name: &str) -> PathBuf {
    harness::scratch_file(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_baseline_has_findings_in_every_account_and_region() {
    // Every comparison below subtracts from this: it must not be empty where faults are put.
    let base = findings(baseline(false));
    let (orders, partner, hooks) = (
        id("faults_orders"),
        id("faults_partner"),
        id("faults_hooks"),
    );
    for (account, region, api, method, path) in [
        (A, US, orders.as_str(), "POST", "/orders"),
        (A, US, partner.as_str(), "POST", "/reports"),
        (A, US, hooks.as_str(), "POST", "/hook"),
        (A, EU, id("faults_eu_open").as_str(), "GET", "/status"),
        (B, US, id("faults_b_open").as_str(), "POST", "/submit"),
        (C, US, id("faults_c_open").as_str(), "GET", "/c"),
    ] {
        assert!(
            base.iter().any(|k| k.0 == account
                && k.1 == region
                && k.3 == api
                && k.5 == method
                && k.6 == path),
            "baseline lacks {account}/{region} {api} {method} {path}: {base:#?}"
        );
    }
}

#[test]
fn throttling_that_clears_within_the_retries_changes_nothing() {
    let orders = id("faults_orders");
    let p = proxy(vec![
        Rule::new("apigateway:GetStages", Fault::Throttle(2)).resource(&orders),
        Rule::new("sts:AssumeRole", Fault::Throttle(2)).account(B),
        Rule::new("apigatewayv2:GetApis", Fault::Throttle(2))
            .account(C)
            .region(US),
    ]);
    let (run, report, elapsed) = audit(
        &p,
        &["--no-network", "--max-attempts", "3", "--timeout", "10"],
    );
    assert_eq!(run.status, 0, "{}\n{report:#}", run.stderr);
    assert_eq!(report["scan"]["complete"], true);
    assert_complete_except(&report, &[]);
    let base = baseline(false);
    assert_findings(&findings(&report), &findings(base));
    // Six throttles were answered, and the logical calls are those of a quiet day.
    let throttled = p.requests().iter().filter(|r| r.fault.is_some()).count();
    assert_eq!(throttled, 6, "{:#?}", p.requests());
    assert_eq!(report["scan"]["api_calls"], base["scan"]["api_calls"]);
    assert_eq!(
        p.count("apigateway:GetStages") as u64,
        base["scan"]["api_calls"]["apigateway:GetStages"]
            .as_u64()
            .unwrap()
            + 2
    );
    // Backoff of 2 retries is at most 1 s + 2 s (AssumeRole, then the targets in parallel).
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");
}

#[test]
fn throttling_that_outlasts_the_retries_is_a_gap() {
    let partner = id("faults_partner");
    let p = proxy(vec![Rule::new(
        "apigateway:GetResources",
        Fault::Throttle(u32::MAX),
    )
    .resource(&partner)]);
    let table = scratch("throttled.txt");
    let report = audit_with_gap(
        &p,
        &[QUICK_API_SCAN.as_slice(), &["-o", s(&table)]].concat(),
    );
    let gap = (
        "apigateway:GetResources",
        "TooManyRequestsException",
        Some(partner.as_str()),
    );
    assert_gap(&report, (A, US), "partial", gap);
    assert_complete_except(&report, &[(A, US)]);
    // Exactly --max-attempts tries, then the gap.
    let tries = p
        .requests()
        .iter()
        .filter(|r| r.op == "apigateway:GetResources" && r.fault.is_some())
        .count();
    assert_eq!(tries, 2);
    // Only the API whose methods could not be read loses its findings.
    assert_findings(
        &findings(&report),
        &expected(baseline(false), |k| k.3 == partner),
    );
    assert_table_gap(
        &table,
        A,
        US,
        "partial",
        "apigateway:GetResources",
        "TooManyRequestsException",
    );
    let footer = std::fs::read_to_string(&table).unwrap();
    assert!(footer.contains(&format!("TooManyRequestsException on {partner}")));
}

#[test]
fn a_server_error_fails_its_region_and_the_rest_goes_on() {
    // Every call of account A in eu-west-1 answers 500, network inventory included.
    let p = proxy(vec![Rule::new("*", Fault::ServerError)
        .account(A)
        .region(EU)]);
    let sarif = scratch("server-error.sarif");
    let report = audit_with_gap(
        &p,
        &["--max-attempts", "1", "--timeout", "10", "-o", s(&sarif)],
    );
    for op in ["apigateway:GetRestApis", "apigatewayv2:GetApis"] {
        assert_gap(&report, (A, EU), "failed", (op, "InternalFailure", None));
    }
    let t = target(&report, A, EU);
    let errors = t["errors"].as_array().unwrap();
    assert!(
        errors.iter().all(|e| e["code"] == "InternalFailure"),
        "{t:#}"
    );
    // Every call the proxy failed is a recorded gap (network calls included, whatever they are
    // at the time this runs), except enrichment calls, which are notifications.
    let failed_ops: BTreeSet<String> = p
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .map(|r| r.op)
        .collect();
    let recorded: BTreeSet<String> = errors
        .iter()
        .chain(t["notifications"].as_array().into_iter().flatten())
        .map(|e| e["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed_ops, recorded);
    assert_complete_except(&report, &[(A, EU)]);
    assert_findings(
        &findings(&report),
        &expected(baseline(true), |k| k.0 == A && k.1 == EU),
    );
    assert_sarif_gap(&sarif, A, EU, "apigateway:GetRestApis", "InternalFailure");
}

#[test]
fn a_call_that_hangs_past_the_timeout_is_a_timeout_gap() {
    let p = proxy(vec![Rule::new(
        "apigatewayv2:GetApis",
        Fault::Hang(Duration::from_secs(20)),
    )
    .account(C)
    .region(US)]);
    let (table, sarif) = (scratch("hang.txt"), scratch("hang.sarif"));
    let (run, report, elapsed) = audit(
        &p,
        &[
            "--no-network",
            "--max-attempts",
            "2",
            "--timeout",
            "1",
            "-o",
            s(&table),
            "-o",
            s(&sarif),
        ],
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert_eq!(report["scan"]["complete"], false);
    assert_gap(
        &report,
        (C, US),
        "partial",
        ("apigatewayv2:GetApis", "Timeout", None),
    );
    assert_complete_except(&report, &[(C, US)]);
    // The timeout covers the retries: the hang (20 s) was not waited out.
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    let http: [String; 2] = [id("faults_c_open"), id("faults_c_jwt")];
    assert_findings(
        &findings(&report),
        &expected(baseline(false), |k| http.contains(&k.3)),
    );
    assert_table_gap(&table, C, US, "partial", "apigatewayv2:GetApis", "Timeout");
    assert_sarif_gap(&sarif, C, US, "apigatewayv2:GetApis", "Timeout");
}

#[test]
fn access_denied_on_reads_keeps_what_was_proven() {
    // The orders API's resources come in pages of 2; its second page is denied, and the
    // partner API's stages are denied. Both APIs are partial; what was read is still judged.
    let (orders, partner) = (id("faults_orders"), id("faults_partner"));
    let p = proxy(vec![
        Rule::new("apigateway:GetResources", Fault::AccessDenied)
            .resource(&orders)
            .skip(1),
        Rule::new("apigateway:GetStages", Fault::AccessDenied).resource(&partner),
    ]);
    p.page("apigateway:GetResources", 2);
    let (snapshot, sarif) = (scratch("denied-snapshot.json"), scratch("denied.sarif"));
    let report = audit_with_gap(
        &p,
        &[
            QUICK_API_SCAN.as_slice(),
            &["--snapshot", s(&snapshot), "-o", s(&sarif)],
        ]
        .concat(),
    );
    let denied = "AccessDeniedException";
    assert_gap(
        &report,
        (A, US),
        "partial",
        ("apigateway:GetResources", denied, Some(orders.as_str())),
    );
    assert_gap(
        &report,
        (A, US),
        "partial",
        ("apigateway:GetStages", denied, Some(partner.as_str())),
    );
    assert_complete_except(&report, &[(A, US)]);

    // The first page of orders' resources was read and is judged; the rest is unknown.
    let page_one: BTreeSet<String> = p
        .served(&format!("/restapis/{orders}/resources"))
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(page_one.len(), 2, "{page_one:?}");
    let base = baseline(false);
    // The partner API's stages are unknown: its methods are still judged, as deployed on
    // "some stage" (`*`), at medium confidence, rather than dropped.
    let want: BTreeSet<Key> = expected(base, |k| k.3 == orders && !page_one.contains(&k.6))
        .into_iter()
        .map(|mut k| {
            if k.3 == partner {
                k.4 = "*".into();
            }
            k
        })
        .collect();
    assert!(
        want.iter().any(|k| k.3 == partner),
        "the partner API has no finding to keep"
    );
    for f in report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["api_id"] == partner.as_str())
    {
        assert_eq!(f["confidence"], "medium", "{f:#}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("stages could not be read"),
            "{f:#}"
        );
    }
    assert!(
        want.iter().any(|k| k.3 == orders),
        "page 1 ({page_one:?}) holds none of orders' findings: the test proves nothing"
    );
    assert_findings(&findings(&report), &want);

    // The snapshot marks exactly the two APIs partial and keeps what was read.
    let inv: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    let t = inv["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account_id"] == A && t["region"] == US)
        .unwrap();
    for api in t["rest_apis"].as_array().unwrap() {
        let id = api["id"].as_str().unwrap();
        assert_eq!(
            api["partial"],
            id == orders || id == partner,
            "{id}: {api:#}"
        );
        if id == orders {
            let paths: BTreeSet<String> = api["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["path"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(paths, page_one);
        }
    }
    assert_sarif_gap(&sarif, A, US, "apigateway:GetResources", denied);
}

#[test]
fn an_account_whose_role_cannot_be_assumed_is_a_failed_target() {
    let p = proxy(vec![
        Rule::new("sts:AssumeRole", Fault::AccessDenied).account(B)
    ]);
    let (table, sarif) = (scratch("assume.txt"), scratch("assume.sarif"));
    let report = audit_with_gap(
        &p,
        &[
            QUICK_API_SCAN.as_slice(),
            &["-o", s(&table), "-o", s(&sarif)],
        ]
        .concat(),
    );
    let role = format!("arn:aws:iam::{B}:role/SecurityAudit");
    assert_gap(
        &report,
        (B, "*"),
        "failed",
        ("sts:AssumeRole", "AccessDenied", Some(role.as_str())),
    );
    // The healthy accounts are scanned in full; the denied one has no region targets.
    let targets: Vec<(String, String)> = report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["account_id"].as_str().unwrap().to_string(),
                t["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [(A, EU), (A, US), (B, "*"), (C, EU), (C, US)]
        .iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect();
    assert_eq!(targets, want);
    assert_complete_except(&report, &[(B, "*")]);
    assert_findings(&findings(&report), &expected(baseline(false), |k| k.0 == B));
    // No read was attempted in the account that could not be entered.
    assert!(p
        .requests()
        .iter()
        .all(|r| r.op == "sts:AssumeRole" || r.account.as_deref() != Some(B)));
    assert_table_gap(&table, B, "*", "failed", "sts:AssumeRole", "AccessDenied");
    assert_sarif_gap(&sarif, B, "*", "sts:AssumeRole", "AccessDenied");
}

#[test]
fn a_malformed_answer_is_a_gap_not_an_empty_list() {
    // Garbage where XML belongs (A's AssumeRole), where JSON belongs (B), and a document cut
    // in half (C).
    let p = proxy(vec![
        Rule::new("sts:AssumeRole", Fault::Malformed).account(A),
        Rule::new("apigateway:GetRestApis", Fault::Malformed)
            .account(B)
            .region(US),
        Rule::new("apigatewayv2:GetApis", Fault::Truncate)
            .account(C)
            .region(US),
    ]);
    let table = scratch("malformed.txt");
    let report = audit_with_gap(
        &p,
        &[QUICK_API_SCAN.as_slice(), &["-o", s(&table)]].concat(),
    );
    let malformed = "MalformedResponse";
    assert_gap(
        &report,
        (A, "*"),
        "failed",
        ("sts:AssumeRole", malformed, None),
    );
    assert_gap(
        &report,
        (B, US),
        "partial",
        ("apigateway:GetRestApis", malformed, None),
    );
    assert_gap(
        &report,
        (C, US),
        "partial",
        ("apigatewayv2:GetApis", malformed, None),
    );
    assert_complete_except(&report, &[(A, "*"), (B, US), (C, US)]);
    let http: [String; 2] = [id("faults_c_open"), id("faults_c_jwt")];
    assert_findings(
        &findings(&report),
        &expected(baseline(false), |k| {
            k.0 == A || (k.0 == B && k.1 == US) || http.contains(&k.3)
        }),
    );
    assert_table_gap(&table, A, "*", "failed", "sts:AssumeRole", malformed);
    assert_table_gap(
        &table,
        B,
        US,
        "partial",
        "apigateway:GetRestApis",
        malformed,
    );
    assert_table_gap(&table, C, US, "partial", "apigatewayv2:GetApis", malformed);
}

/// `audit` of accounts B and C in every region they have (no `--regions`), where C's regions
/// could not be listed: asserts C is one failed target with `code` on ec2:DescribeRegions and
/// every other target is complete. Returns the report.
#[track_caller]
fn audit_with_regions_of_c_unlisted(p: &FaultProxy, code: &str) -> Value {
    let accounts = ["--accounts", "400000000002,400000000003"];
    let run = harness::audit_at(
        &p.endpoint,
        &[&accounts, QUICK_API_SCAN.as_slice()].concat(),
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["scan"]["complete"], false);
    assert_gap(
        &report,
        (C, "*"),
        "failed",
        ("ec2:DescribeRegions", code, None),
    );
    assert_complete_except(&report, &[(C, "*")]);
    report
}

#[test]
fn an_account_whose_regions_cannot_be_listed_is_a_failed_target() {
    // Without --regions, each account's regions come from ec2:DescribeRegions; C's is denied.
    let p = proxy(vec![
        Rule::new("ec2:DescribeRegions", Fault::AccessDenied).account(C)
    ]);
    let report = audit_with_regions_of_c_unlisted(&p, "UnauthorizedOperation");
    let targets = report["scan"]["targets"].as_array().unwrap();
    assert!(targets
        .iter()
        .all(|t| t["account_id"] != C || t["region"] == "*"));
    // B is scanned in every region it has, and its finding is there.
    let b_regions = targets.iter().filter(|t| t["account_id"] == B).count();
    assert!(b_regions > 10, "{b_regions} regions for {B}");
    assert_findings(&findings(&report), &expected(baseline(false), |k| k.0 != B));
}

#[test]
fn an_unreachable_region_fails_alone() {
    // Every connection for eu-west-1 is dropped without an answer.
    let p = proxy(vec![Rule::new("*", Fault::Disconnect).region(EU)]);
    let sarif = scratch("unreachable.sarif");
    let report = audit_with_gap(
        &p,
        &[
            "--no-network",
            "--max-attempts",
            "1",
            "--timeout",
            "10",
            "-o",
            s(&sarif),
        ],
    );
    for account in [A, B, C] {
        assert_gap(
            &report,
            (account, EU),
            "failed",
            ("apigateway:GetRestApis", "DispatchFailure", None),
        );
    }
    assert_complete_except(&report, &[(A, EU), (B, EU), (C, EU)]);
    let dropped = p.requests().into_iter().filter(|r| r.fault.is_some());
    assert!(dropped.map(|r| r.region).all(|r| r == EU));
    assert_findings(
        &findings(&report),
        &expected(baseline(false), |k| k.1 == EU),
    );
    assert_sarif_gap(&sarif, A, EU, "apigateway:GetRestApis", "DispatchFailure");
}

#[test]
fn pages_are_followed_like_real_aws_pages() {
    // moto answers in one page; the proxy cuts its answers into pages of 2 with opaque
    // position tokens (that need percent-encoding) and rejects any token it did not issue.
    let unpaged = proxy(vec![]);
    let snapshot = scratch("unpaged-snapshot.json");
    let plain = harness::audit_at(
        &unpaged.endpoint,
        &[
            "--accounts",
            A,
            "--regions",
            US,
            "--no-network",
            "--snapshot",
            s(&snapshot),
        ],
    );
    assert_eq!(plain.status, 0, "{}", plain.stderr);
    let inv: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    let apis = inv["targets"][0]["rest_apis"].as_array().unwrap();
    let pages = |n: usize| n.div_ceil(2).max(1) as u64;
    let resource_pages: u64 = apis
        .iter()
        .map(|a| pages(a["resources"].as_array().unwrap().len()))
        .sum();
    let api_pages = pages(apis.len());
    assert!(
        api_pages >= 2 && resource_pages > apis.len() as u64,
        "the estate is too small to page: {apis:#?}"
    );

    let paged = proxy(vec![]);
    paged.page("apigateway:GetRestApis", 2);
    paged.page("apigateway:GetResources", 2);
    let report = harness::audit_at(
        &paged.endpoint,
        &["--accounts", A, "--regions", US, "--no-network"],
    )
    .complete_json();
    assert_eq!(report["scan"]["complete"], true, "{:#}", report["scan"]);
    assert_findings(&findings(&report), &findings(&plain.json()));
    let calls = &report["scan"]["api_calls"];
    assert_eq!(calls["apigateway:GetRestApis"], api_pages);
    assert_eq!(calls["apigateway:GetResources"], resource_pages);
    assert_eq!(
        paged.pages_served("apigateway:GetRestApis") as u64,
        api_pages
    );
    assert_eq!(
        paged.pages_served("apigateway:GetResources") as u64,
        resource_pages
    );
    assert_eq!(
        paged.count("apigateway:GetResources") as u64,
        resource_pages
    );
}

/// Files in `dir` whose name says they are temporary.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp") || n.contains(".tmp."))
        .collect()
}

#[test]
fn reports_are_replaced_atomically_or_not_at_all() {
    harness::estate("faults");
    let dir = scratch("atomic");
    std::fs::create_dir_all(&dir).unwrap();
    let outputs: Vec<PathBuf> = ["report.json", "report.sarif", "report.txt"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    let previous = "PREVIOUS REPORT, MUST SURVIVE A FAILED RUN\n";
    for path in &outputs {
        std::fs::write(path, previous).unwrap();
    }
    // A hard link to the old report: an in-place rewrite would show through it, a rename
    // does not.
    let link = dir.join("old-report.json");
    std::fs::hard_link(&outputs[0], &link).unwrap();
    let out_args: Vec<&str> = outputs.iter().flat_map(|p| ["-o", s(p)]).collect();
    let unchanged = |what: &str| {
        for path in &outputs {
            assert_eq!(
                std::fs::read_to_string(path).unwrap(),
                previous,
                "{what}: {} changed",
                path.display()
            );
        }
        assert_eq!(temp_files(&dir), Vec::<String>::new(), "{what}");
    };

    // 1. The run fails before anything is written (the caller cannot be identified).
    let p = proxy(vec![Rule::new(
        "sts:GetCallerIdentity",
        Fault::AccessDenied,
    )]);
    let mut cmd = harness::command(&p.endpoint);
    cmd.args(["audit", "--regions", US, "--quiet", "--max-attempts", "1"])
        .args(&out_args);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("could not identify the caller") && run.stderr.contains("AccessDenied"),
        "{}",
        run.stderr
    );
    unchanged("a run that failed before writing");

    // 2. The run is killed in the middle of the scan.
    let p = proxy(vec![Rule::new(
        "apigateway:GetRestApis",
        Fault::Hang(Duration::from_secs(30)),
    )]);
    let mut cmd = harness::command(&p.endpoint);
    cmd.args(["audit", "--accounts", A, "--regions", US, "--quiet"])
        .args(["--timeout", "60"])
        .args(&out_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while p.count("apigateway:GetRestApis") == 0 {
        assert!(
            Instant::now() < deadline,
            "the scan never reached GetRestApis"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    unchanged("a run killed mid-scan");

    // 3. An incomplete scan still writes its reports (the gap is the news), whole.
    let p = proxy(vec![
        Rule::new("apigateway:GetStages", Fault::AccessDenied).account(A)
    ]);
    let mut cmd = harness::command(&p.endpoint);
    // Not --quiet: it would silence the summary line on stderr checked below.
    cmd.args(["audit", "--accounts", A, "--regions", US, "--no-network"])
        .args(&out_args);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "with -o and no --format, stdout stays empty"
    );
    assert!(run.stderr.contains("SCAN INCOMPLETE"), "{}", run.stderr);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&outputs[0]).unwrap()).unwrap();
    assert_eq!(json["scan"]["complete"], false);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs[1]).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert!(std::fs::read_to_string(&outputs[2])
        .unwrap()
        .contains("SCAN INCOMPLETE"));
    assert_eq!(std::fs::read_to_string(&link).unwrap(), previous);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_ne!(
            std::fs::metadata(&outputs[0]).unwrap().ino(),
            std::fs::metadata(&link).unwrap().ino(),
            "the report was rewritten in place, not replaced"
        );
    }
    assert_eq!(temp_files(&dir), Vec::<String>::new());
}

/// Fake credentials that are easy to find anywhere they leak.
const KEY_ID: &str = "AKIASECRETMARKER0001";
const SECRET_KEY: &str = "SECRETMARKERsecret/access+key0000000000001";
const SESSION_TOKEN: &str = "SECRETMARKERsessionToken/FQoGabc+def==";
/// With `+`, `/` and `=`, which a form body carries percent-encoded (`%2B`, `%2F`, `%3D`): an
/// echo of the body holds a form of the id that a search for the raw id does not find.
const EXTERNAL_ID: &str = "SECRETMARKERexternal+id/42==";

fn with_secrets(proxy: &FaultProxy) -> std::process::Command {
    let mut cmd = harness::command(&proxy.endpoint);
    cmd.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN);
    cmd
}

/// Everything a run left behind: stdout, stderr, and the files it wrote.
fn texts(run: &Run, files: &[&Path]) -> Vec<(String, String)> {
    let mut out = vec![
        ("stdout".to_string(), run.stdout.clone()),
        ("stderr".to_string(), run.stderr.clone()),
    ];
    for f in files {
        let text = std::fs::read_to_string(f)
            .unwrap_or_else(|e| panic!("{} was not written: {e}", f.display()));
        out.push((f.display().to_string(), text));
    }
    out
}

/// AWS access key ids (`AKIA…`/`ASIA…` and 16 more uppercase letters or digits).
fn find_key_id(text: &str) -> Option<String> {
    let b = text.as_bytes();
    b.windows(20)
        .find(|w| {
            (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
                && w[4..]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

/// Audits every account and region through `p` with the secrets and the external id, plus
/// `args`, writing every report format and the snapshot to scratch files named after `name`.
/// Returns the run, the snapshot's path and everything the run left behind.
fn audit_with_every_output(
    p: &FaultProxy,
    name: &str,
    status: i32,
    args: &[&str],
) -> (Run, PathBuf, Vec<(String, String)>) {
    let (json, sarif, table, snap) = (
        scratch(&format!("{name}.json")),
        scratch(&format!("{name}.sarif")),
        scratch(&format!("{name}.txt")),
        scratch(&format!("{name}-snapshot.json")),
    );
    let mut cmd = with_secrets(p);
    cmd.args(["audit", "--accounts", ACCOUNTS, "--regions", REGIONS])
        .args(["--external-id", EXTERNAL_ID])
        .args(args)
        .args(["--snapshot", s(&snap)])
        .args(["-o", s(&json), "-o", s(&sarif), "-o", s(&table)]);
    let run = harness::run(cmd);
    assert_eq!(run.status, status, "{}", run.stderr);
    let left = texts(&run, &[&json, &sarif, &table, &snap]);
    (run, snap, left)
}

#[test]
fn credentials_never_reach_an_output_a_log_or_an_error() {
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut assumed = Vec::new();
    let ext = ["--external-id", EXTERNAL_ID];

    // Healthy: every format, the snapshot, progress lines on stderr.
    let p = proxy(vec![]);
    let (_, _, left) = audit_with_every_output(
        &p,
        "healthy",
        0,
        &["--format", "table", "--fail-on", "never"],
    );
    outputs.extend(left);
    assumed.extend(p.assumed());

    // Failing: services that echo the signed request back (session token header, credential
    // scope, the AssumeRole body with the external id), on the caller's keys (AssumeRole) and
    // on assumed-role keys (reads), plus other failures.
    let p = proxy(vec![
        Rule::new("sts:AssumeRole", Fault::EchoRequest).account(B),
        Rule::new("apigateway:GetStages", Fault::EchoRequest).account(A),
        Rule::new("ec2:DescribeVpcs", Fault::EchoRequest).account(C),
        Rule::new("apigatewayv2:GetApis", Fault::AccessDenied).account(C),
        Rule::new("apigateway:GetRestApis", Fault::Malformed)
            .account(A)
            .region(EU),
    ]);
    let (run, snap, left) = audit_with_every_output(
        &p,
        "failing",
        2,
        &["--format", "json", "--max-attempts", "1"],
    );
    // The echoes happened and were recorded, with the secrets cut out.
    let report = run.json();
    for (account, region, op) in [
        (B, "*", "sts:AssumeRole"),
        (A, US, "apigateway:GetStages"),
        (C, US, "ec2:DescribeVpcs"),
    ] {
        assert_gap(
            &report,
            (account, region),
            if region == "*" { "failed" } else { "partial" },
            (op, "SignatureDoesNotMatch", None),
        );
        let t = target(&report, account, region);
        let e = t["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["operation"] == op)
            .unwrap();
        assert!(
            e["message"].as_str().unwrap().contains("[REDACTED]"),
            "{e:#}"
        );
    }
    outputs.extend(left);
    assumed.extend(p.assumed());

    // `collect`, and `analyze` of the failing snapshot.
    let collected = scratch("collected.json");
    let mut cmd = with_secrets(&p);
    cmd.args(["collect", "--accounts", ACCOUNTS, "--regions", REGIONS])
        .args(ext)
        .args(["--max-attempts", "1", "-o", s(&collected)]);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stderr);
    outputs.extend(texts(&run, &[&collected]));
    assumed.extend(p.assumed());
    let mut cmd = harness::command(&p.endpoint);
    cmd.args(["analyze", "--inventory", s(&snap), "--format", "sarif"]);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stderr);
    outputs.extend(texts(&run, &[]));

    // A service that echoes the request's parameters, form-encoded: the external id arrives
    // percent-encoded.
    let p = proxy(vec![Rule::new("sts:AssumeRole", Fault::EchoBody).account(C)]);
    let mut cmd = with_secrets(&p);
    cmd.args(["audit", "--accounts", C, "--regions", US, "--no-network"])
        .args(["--format", "json", "--max-attempts", "1"])
        .args(ext);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stderr);
    let report = run.json();
    assert_gap(
        &report,
        (C, "*"),
        "failed",
        ("sts:AssumeRole", "ValidationError", None),
    );
    let message = target(&report, C, "*")["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("ExternalId=[REDACTED]"),
        "the echo did not quote the external id where this test looks: {message}"
    );
    outputs.extend(texts(&run, &[]));
    assumed.extend(p.assumed());

    // Fatal: the caller cannot be identified, and the answer echoes its credentials.
    let p = proxy(vec![Rule::new("sts:GetCallerIdentity", Fault::EchoRequest)]);
    let mut cmd = with_secrets(&p);
    cmd.args(["audit", "--regions", US, "--max-attempts", "1"])
        .args(ext);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("SignatureDoesNotMatch") && run.stderr.contains("[REDACTED]"),
        "{}",
        run.stderr
    );
    outputs.extend(texts(&run, &[]));

    // What moto handed out must be as invisible as what we brought.
    assert!(assumed.len() >= 6, "{assumed:#?}");
    let mut secrets: Vec<String> = vec![
        KEY_ID.into(),
        SECRET_KEY.into(),
        SESSION_TOKEN.into(),
        EXTERNAL_ID.into(),
    ];
    for c in &assumed {
        assert!(c.access_key_id.starts_with("ASIA"), "{c:?}");
        assert!([A, B, C].contains(&c.account.as_str()), "{c:?}");
        secrets.extend([
            c.access_key_id.clone(),
            c.secret_access_key.clone(),
            c.session_token.clone(),
        ]);
    }
    let mut leaks = BTreeMap::new();
    for (name, text) in &outputs {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                leaks.insert(name.clone(), secret.clone());
            }
        }
        // Fragments too: a shortened message must not carry half a token.
        for fragment in ["SECRETMARKER", "FQoG"] {
            if text.contains(fragment) {
                leaks.insert(name.clone(), fragment.to_string());
            }
        }
        if let Some(k) = find_key_id(text) {
            leaks.insert(name.clone(), k);
        }
    }
    assert!(leaks.is_empty(), "credentials leaked: {leaks:#?}");
}

/// A target's errors and notifications as (operation, code-or-"", resource) sets.
fn gaps_of(t: &Value, field: &str) -> Vec<(String, String, String)> {
    t[field]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("operation"), s("code"), s("resource"))
        })
        .collect()
}

/// Reads the snapshot written by `--snapshot`.
fn snapshot_target<'a>(inv: &'a Value, account: &str, region: &str) -> &'a Value {
    inv["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account_id"] == account && t["region"] == region)
        .unwrap_or_else(|| panic!("no target {account}/{region} in the snapshot"))
}

fn snapshot_api<'a>(t: &'a Value, kind: &str, api: &str) -> &'a Value {
    t[kind]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == api)
        .unwrap_or_else(|| panic!("no {kind} {api} in {t:#}"))
}

#[test]
fn a_pagination_token_loop_is_a_gap_and_keeps_what_was_read() {
    // The orders API's resources and the hooks API's routes come with tokens that go in a
    // circle (A, B, A, …), each listing's first page holding everything there is. Before,
    // only an immediate repeat was caught: this ran 10,000 pages and passed for complete.
    let (orders, hooks) = (id("faults_orders"), id("faults_hooks"));
    let p = proxy(vec![
        Rule::new("apigateway:GetResources", Fault::LoopToken).resource(&orders),
        Rule::new("apigatewayv2:GetRoutes", Fault::LoopToken).resource(&hooks),
    ]);
    let (snapshot, sarif) = (scratch("loop-snapshot.json"), scratch("loop.sarif"));
    let report = audit_with_gap(
        &p,
        &[
            QUICK_API_SCAN.as_slice(),
            &["--snapshot", s(&snapshot), "-o", s(&sarif)],
        ]
        .concat(),
    );
    let t = target(&report, A, US);
    assert_eq!(t["status"], "partial", "{t:#}");
    let mut errors = gaps_of(t, "errors");
    errors.sort();
    let mut want = vec![
        (
            "apigateway:GetResources".to_string(),
            "PaginationLoop".to_string(),
            orders.clone(),
        ),
        (
            "apigatewayv2:GetRoutes".to_string(),
            "PaginationLoop".to_string(),
            hooks.clone(),
        ),
    ];
    want.sort();
    assert_eq!(errors, want, "{t:#}");
    assert_complete_except(&report, &[(A, US)]);
    // Three pages each (nothing, A, B; then A again is the loop), never more.
    let base = baseline(false);
    for op in ["apigateway:GetResources", "apigatewayv2:GetRoutes"] {
        assert_eq!(
            report["scan"]["api_calls"][op].as_u64().unwrap(),
            base["scan"]["api_calls"][op].as_u64().unwrap() + 2,
            "{op}"
        );
    }
    // What the first pages proved is kept: every finding of the quiet day.
    assert_findings(&findings(&report), &findings(base));
    let inv: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    let st = snapshot_target(&inv, A, US);
    let orders_api = snapshot_api(st, "rest_apis", &orders);
    assert_eq!(orders_api["partial"], true);
    let paths: BTreeSet<&str> = orders_api["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    // Every resource of the estate's orders API (tests/estates/estate_faults.py), once.
    let want_paths: BTreeSet<&str> = [
        "/",
        "/orders",
        "/orders/{id}",
        "/items",
        "/items/{id}",
        "/health",
    ]
    .into();
    assert_eq!(paths, want_paths);
    assert_eq!(
        orders_api["resources"].as_array().unwrap().len(),
        paths.len()
    );
    let hooks_api = snapshot_api(st, "http_apis", &hooks);
    assert_eq!(hooks_api["partial"], true);
    assert_eq!(hooks_api["routes"][0]["route_key"], "POST /hook");
    assert_sarif_gap(&sarif, A, US, "apigateway:GetResources", "PaginationLoop");
}

#[test]
fn http_api_stages_and_rest_api_authorizers_follow_their_pages() {
    // One item a page: the hooks HTTP API has two stages, c-authorized two authorizers.
    let (hooks, authorized) = (id("faults_hooks"), id("faults_c_authorized"));
    let p = proxy(vec![]);
    p.page("apigatewayv2:GetStages", 1);
    p.page("apigateway:GetAuthorizers", 1);
    let snapshot = scratch("paged-stages-snapshot.json");
    let (run, report, _) = audit(
        &p,
        &[
            "--no-network",
            "--max-attempts",
            "2",
            "--timeout",
            "10",
            "--snapshot",
            s(&snapshot),
        ],
    );
    assert_eq!(run.status, 0, "{}\n{report:#}", run.stderr);
    let base = baseline(false);
    assert_findings(&findings(&report), &findings(base));
    let inv: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    let names = |api: &Value, field: &str, key: &str| -> Vec<String> {
        api[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].as_str().unwrap().to_string())
            .collect()
    };
    let hooks_api = snapshot_api(snapshot_target(&inv, A, US), "http_apis", &hooks);
    assert_eq!(names(hooks_api, "stages", "name"), ["$default", "v1"]);
    let authorized_api = snapshot_api(snapshot_target(&inv, C, US), "rest_apis", &authorized);
    let mut kinds = names(authorized_api, "authorizers", "name");
    kinds.sort();
    assert_eq!(kinds, ["request", "token"]);
    // Every page served was asked for and counted: one more page of each than on a quiet day.
    for op in ["apigatewayv2:GetStages", "apigateway:GetAuthorizers"] {
        let counted = report["scan"]["api_calls"][op].as_u64().unwrap();
        assert_eq!(counted, p.pages_served(op) as u64, "{op}");
        assert_eq!(
            counted,
            base["scan"]["api_calls"][op].as_u64().unwrap() + 1,
            "{op}"
        );
    }
}

#[test]
fn an_empty_region_list_is_a_failed_account_not_a_vanished_one() {
    let p = proxy(vec![Rule::new(
        "ec2:DescribeRegions",
        Fault::Answer(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>fault</requestId><regionInfo/></DescribeRegionsResponse>".into(),
        ),
    )
    .account(C)]);
    let report = audit_with_regions_of_c_unlisted(&p, "NoRegions");
    let targets = report["scan"]["targets"].as_array().unwrap();
    assert!(targets.iter().filter(|t| t["account_id"] == B).count() > 10);
    assert!(p.requests().iter().all(|r| r.account.as_deref() != Some(C)
        || ["sts:AssumeRole", "ec2:DescribeRegions"].contains(&r.op.as_str())));
}

#[test]
fn a_caller_identity_without_an_account_stops_the_scan() {
    let p = proxy(vec![Rule::new(
        "sts:GetCallerIdentity",
        Fault::Answer(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/someone</Arn><UserId>AIDAEXAMPLEUSER</UserId></GetCallerIdentityResult><ResponseMetadata><RequestId>fault</RequestId></ResponseMetadata></GetCallerIdentityResponse>".into(),
        ),
    )]);
    let mut cmd = harness::command(&p.endpoint);
    cmd.args(["audit", "--regions", US, "--no-network", "--quiet"])
        .args(["--format", "json", "--max-attempts", "1"]);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("did not say which account") && run.stderr.contains("--accounts"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // Nothing was read for an account nobody could name.
    assert_eq!(p.seen(), ["sts:GetCallerIdentity"]);
}

#[test]
fn authorizers_that_cannot_be_read_are_a_notification_not_a_gap() {
    // No verdict reads an authorizer (the method's authorization type decides), so failing to
    // list them changes no finding: the scan stays complete and says what is missing.
    let authorized = id("faults_c_authorized");
    let p = proxy(vec![Rule::new(
        "apigateway:GetAuthorizers",
        Fault::AccessDenied,
    )]);
    let snapshot = scratch("authorizers-snapshot.json");
    let (run, report, _) = audit(
        &p,
        &[
            "--no-network",
            "--max-attempts",
            "1",
            "--snapshot",
            s(&snapshot),
        ],
    );
    assert_eq!(run.status, 0, "{}\n{report:#}", run.stderr);
    assert_eq!(report["scan"]["complete"], true);
    assert_complete_except(&report, &[]);
    assert!(p.requests().iter().any(|r| r.fault.is_some()));
    let t = target(&report, C, US);
    assert_eq!(
        gaps_of(t, "notifications"),
        [(
            "apigateway:GetAuthorizers".to_string(),
            String::new(),
            authorized.clone()
        )]
    );
    assert_findings(&findings(&report), &findings(baseline(false)));
    let inv: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    let api = snapshot_api(snapshot_target(&inv, C, US), "rest_apis", &authorized);
    assert_eq!(api["partial"], false, "{api:#}");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A verdict depends on the call: its failure is an error, the target partial, exit 2.
    Gap,
    /// Enrichment only: a notification, the scan still complete.
    Notification,
}

#[test]
fn network_failures_are_gaps_or_notifications_by_what_verdicts_need() {
    // Each per-resource network call fails (AccessDenied) in a target that has the resources
    // it reads: A's public ALB and internal NLB (listeners, target health, web ACL), C's
    // endpoint service (permissions, connections) with an IP target that is a bare network
    // interface (target health, network interfaces).
    let base = baseline(true);
    let cases = [
        (
            "elasticloadbalancing:DescribeListeners",
            A,
            "AccessDenied",
            Kind::Gap,
        ),
        (
            "elasticloadbalancing:DescribeTargetHealth",
            A,
            "AccessDenied",
            Kind::Gap,
        ),
        (
            "elasticloadbalancing:DescribeTargetHealth",
            C,
            "AccessDenied",
            Kind::Gap,
        ),
        (
            "ec2:DescribeVpcEndpointServicePermissions",
            C,
            "UnauthorizedOperation",
            Kind::Gap,
        ),
        (
            "ec2:DescribeNetworkInterfaces",
            C,
            "UnauthorizedOperation",
            Kind::Gap,
        ),
        (
            "wafv2:GetWebACLForResource",
            A,
            "AccessDeniedException",
            Kind::Notification,
        ),
        (
            "ec2:DescribeVpcEndpointConnections",
            C,
            "UnauthorizedOperation",
            Kind::Notification,
        ),
    ];
    for (op, account, code, kind) in cases {
        let p = proxy(vec![Rule::new(op, Fault::AccessDenied)
            .account(account)
            .region(US)]);
        let (run, report, _) = audit(&p, &["--max-attempts", "1", "--timeout", "10"]);
        let faulted = p.requests().iter().filter(|r| r.fault.is_some()).count();
        assert!(faulted >= 1, "{op}: the estate gave it nothing to fail on");
        let t = target(&report, account, US);
        let errors = gaps_of(t, "errors");
        let notes = gaps_of(t, "notifications");
        match kind {
            Kind::Gap => {
                assert_eq!(run.status, 2, "{op}: {}", run.stderr);
                assert_eq!(report["scan"]["complete"], false, "{op}");
                assert_eq!(t["status"], "partial", "{op}: {t:#}");
                // One error per failed call, each this operation with the AWS code.
                assert_eq!(errors.len(), faulted, "{op}: {t:#}");
                assert!(
                    errors.iter().all(|e| e.0 == op && e.1 == code),
                    "{op}: {t:#}"
                );
                assert!(notes.iter().all(|n| n.0 != op), "{op}: {t:#}");
            }
            Kind::Notification => {
                assert_eq!(run.status, 0, "{op}: {}", run.stderr);
                assert_eq!(report["scan"]["complete"], true, "{op}");
                assert_eq!(t["status"], "complete", "{op}: {t:#}");
                assert!(errors.is_empty(), "{op}: {t:#}");
                assert!(
                    notes.iter().any(|n| n.0 == op && !n.2.is_empty()),
                    "{op}: {t:#}"
                );
            }
        }
        assert_complete_except(&report, &[(account, US)]);
        // Proven findings are kept: everything but the network findings of the faulted target
        // is exactly the quiet day's. (What the analysis concludes from a network fact it does
        // not have, e.g. unknown listener ports, is its business, not collection's.)
        let actual = findings(&report);
        let outside = |k: &Key| !(k.0 == account && k.1 == US && k.3.is_empty());
        let kept: BTreeSet<Key> = findings(base).into_iter().filter(outside).collect();
        let actual_outside: BTreeSet<Key> = actual.iter().filter(|k| outside(k)).cloned().collect();
        assert_findings(&actual_outside, &kept);
        if kind == Kind::Notification {
            // An enrichment call changes no verdict: the findings are all there, as they were.
            assert_findings(&actual, &findings(base));
        }
    }
}

#[test]
fn a_region_that_is_not_enabled_fails_alone() {
    // Account A never opted into eu-west-1: every call there is refused as unrecognized.
    let p = proxy(vec![Rule::new("*", Fault::RegionDisabled)
        .account(A)
        .region(EU)]);
    let table = scratch("disabled.txt");
    let report = audit_with_gap(
        &p,
        &["--max-attempts", "3", "--timeout", "10", "-o", s(&table)],
    );
    assert_gap(
        &report,
        (A, EU),
        "failed",
        (
            "apigateway:GetRestApis",
            "UnrecognizedClientException",
            None,
        ),
    );
    let t = target(&report, A, EU);
    let errors = gaps_of(t, "errors");
    for (op, code, _) in &errors {
        let want = match op.split(':').next().unwrap() {
            "ec2" => "AuthFailure",
            "elasticloadbalancing" => "InvalidClientTokenId",
            _ => "UnrecognizedClientException",
        };
        assert_eq!(code, want, "{op}: {t:#}");
    }
    // Every refused call is a gap (there is nothing to enrich in a region never read), and
    // none was retried: an unrecognized client is no transient failure.
    let refused: Vec<String> = p
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .map(|r| r.op)
        .collect();
    let mut recorded: Vec<String> = errors.iter().map(|e| e.0.clone()).collect();
    let mut refused_sorted = refused.clone();
    refused_sorted.sort();
    recorded.sort();
    assert_eq!(recorded, refused_sorted);
    assert!(t["notifications"].as_array().is_none_or(|n| n.is_empty()));
    assert_complete_except(&report, &[(A, EU)]);
    assert_findings(
        &findings(&report),
        &expected(baseline(true), |k| k.0 == A && k.1 == EU),
    );
    assert_table_gap(
        &table,
        A,
        EU,
        "failed",
        "apigateway:GetRestApis",
        "UnrecognizedClientException",
    );
}
