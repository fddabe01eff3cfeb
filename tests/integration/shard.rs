//! Sharded scans (`collect --shard K/N`), their merge by `analyze` (several `--inventory`),
//! and resumed collection, against the emulator.
//!
//! The proof the issue asks for: the shards of an estate, merged, give the same report as one
//! unsharded scan of it, in every format, apart from timestamps. It runs on the estates whose
//! paths cross accounts (the `network` estate's peerings and endpoint services, the `demo`
//! estate's partner), where a shard alone would see only half of a path.

use crate::harness;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const NETWORK_ACCOUNTS: [&str; 15] = [
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

/// `collect` of `accounts` in us-east-1 into a scratch file, with `extra` flags; asserts the
/// scan was complete and returns the file.
fn collect(name: &str, accounts: &[&str], extra: &[&str]) -> PathBuf {
    let out = harness::scratch_file(name);
    let accounts = accounts.join(",");
    let mut args = vec![
        "collect",
        "--accounts",
        &accounts,
        "--regions",
        "us-east-1",
        "--quiet",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = harness::run_audit(&args);
    assert_eq!(run.status, 0, "collect {args:?}: {}", run.stderr);
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn accounts_of(snapshot: &Value) -> BTreeSet<String> {
    snapshot["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["account_id"].as_str().unwrap().to_string())
        .collect()
}

/// Collects the `network` estate in `count` shards; returns the shard files, 1 to `count`.
fn network_shards(count: u32) -> Vec<PathBuf> {
    harness::estate("network");
    (1..=count)
        .map(|k| {
            let shard = format!("{k}/{count}");
            collect(
                &format!("network-shard-{k}-of-{count}.json"),
                &NETWORK_ACCOUNTS,
                &["--shard", &shard],
            )
        })
        .collect()
}

#[test]
fn each_shard_reads_its_own_accounts_and_records_the_plan_it_was_cut_from() {
    let shards = network_shards(3);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let all: BTreeSet<String> = NETWORK_ACCOUNTS.iter().map(|a| a.to_string()).collect();
    for (k, file) in shards.iter().enumerate() {
        let snapshot = read_json(file);
        let shard = &snapshot["shard"];
        assert_eq!(shard["index"], k as u64 + 1);
        assert_eq!(shard["count"], 3);
        let plan: BTreeSet<String> = shard["plan_accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(plan, all, "every shard records the whole plan");
        let mine = accounts_of(&snapshot);
        assert!(!mine.is_empty(), "15 accounts over 3 shards: none is empty");
        assert!(seen.is_disjoint(&mine), "an account read by two shards");
        // Each account is entered by its own shard only: one AssumeRole per account overall.
        assert_eq!(
            snapshot["api_calls"]["sts:AssumeRole"],
            mine.len() as u64,
            "shard {}",
            k + 1
        );
        seen.extend(mine);
    }
    assert_eq!(seen, all, "the shards together read every account");
}

#[test]
fn a_shard_report_says_so_and_has_its_own_sarif_category() {
    harness::estate("network");
    let run = harness::run_audit(&[
        "audit",
        "--accounts",
        &NETWORK_ACCOUNTS.join(","),
        "--regions",
        "us-east-1",
        "--shard",
        "2/3",
        "--format",
        "sarif",
        "--quiet",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let id = run.json()["runs"][0]["automationDetails"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        id.starts_with("overexposed/500000000") && id.ends_with("/us-east-1/shard-2-of-3/"),
        "{id}"
    );
    let bad = harness::run_audit(&["collect", "--shard", "4/3", "-o", "-"]);
    assert_eq!(bad.status, 2);
    assert!(bad.stderr.contains("is not a shard"), "{}", bad.stderr);
}

/// The accounts of every estate with paths across accounts or many APIs: `network` (peerings,
/// endpoint services, partners), `transit` (transit gateways shared across accounts),
/// `lattice` (VPC Lattice services and networks shared across accounts), `trust`
/// (roles of other accounts and identity providers that can call IAM-authenticated methods),
/// `demo`, and the API Gateway estates.
fn proof_accounts() -> Vec<&'static str> {
    for estate in [
        "network",
        "transit",
        "trust",
        "lattice",
        "demo",
        "apigw-matrix",
        "apigw-multi",
    ] {
        harness::estate(estate);
    }
    let mut accounts = NETWORK_ACCOUNTS.to_vec();
    accounts.extend([
        "111111111111",
        "222222222222",
        "300000000001",
        "300000000002",
        "300000000003",
        "300000000011",
        "300000000012",
    ]);
    accounts.extend(crate::transit::ACCOUNTS);
    // Lattice services shared with other accounts' networks and VPCs.
    accounts.extend(crate::lattice::ACCOUNTS);
    // The trust cases in which every trust-path rule fires (see `role_trust::trust_report`).
    accounts.extend([
        "811100000001",
        "811100000004",
        "811100000006",
        "811100000010",
    ]);
    accounts
}

/// `analyze` of `inventories` in `format`, timestamps removed; asserts the exit code.
fn analyze(inventories: &[&Path], format: &str, expect_status: i32) -> String {
    let mut args = vec!["analyze".to_string()];
    for inv in inventories {
        args.extend(["--inventory".into(), inv.display().to_string()]);
    }
    args.extend(
        [
            "--format",
            format,
            "--fail-on",
            "never",
            "--quiet",
            "--details",
        ]
        .map(String::from),
    );
    let run = harness::run_audit(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        run.status, expect_status,
        "analyze {args:?}: {}",
        run.stderr
    );
    if format == "table" {
        return run.stdout;
    }
    let mut report: Value = run.json();
    strip_times(&mut report);
    serde_json::to_string_pretty(&report).unwrap()
}

/// Removes the scan's start and end times (JSON `started_at`/`finished_at`, SARIF
/// `startTimeUtc`/`endTimeUtc`), the only things that differ between two runs of one scan.
fn strip_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["started_at", "finished_at", "startTimeUtc", "endTimeUtc"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_times);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_times),
        _ => {}
    }
}

const PROOF_REGIONS: [&str; 2] = ["--regions", "us-east-1,eu-west-1"];

/// The unsharded snapshot of the proof's estate (collected once per test process; the
/// fewest-calls test reads it too).
pub fn proof_snapshot() -> &'static Path {
    static WHOLE: OnceLock<PathBuf> = OnceLock::new();
    WHOLE.get_or_init(|| collect("proof-whole.json", &proof_accounts(), &PROOF_REGIONS))
}

#[test]
fn sharded_and_merged_reports_equal_the_unsharded_ones_apart_from_timestamps() {
    let accounts = proof_accounts();
    let regions = PROOF_REGIONS;
    let whole = proof_snapshot();
    let dir = harness::scratch_file("proof-shards");
    std::fs::create_dir_all(&dir).unwrap();
    let count = 4;
    let shards: Vec<PathBuf> = (1..=count)
        .map(|k| {
            let file = collect(
                &format!("proof-shard-{k}.json"),
                &accounts,
                &[regions[0], regions[1], "--shard", &format!("{k}/{count}")],
            );
            let into_dir = dir.join(format!("shard-{k}.json"));
            std::fs::copy(&file, &into_dir).unwrap();
            file
        })
        .collect();
    let shard_refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    for format in ["json", "sarif", "table"] {
        let expected = analyze(&[whole], format, 0);
        let merged = analyze(&shard_refs, format, 0);
        assert!(
            merged == expected,
            "the merged {format} report differs from the unsharded one:\n{}",
            first_difference(&expected, &merged)
        );
        // A directory of shards is the same as naming each one.
        assert_eq!(
            analyze(&[&dir], format, 0),
            expected,
            "{format} from a directory"
        );
    }
    // Not a vacuous proof: the report has findings in several accounts, across accounts too.
    let report: Value = serde_json::from_str(&analyze(&[whole], "json", 0)).unwrap();
    let accounts_with_findings: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["account_id"].as_str().unwrap())
        .collect();
    assert!(
        accounts_with_findings.len() > 8,
        "{accounts_with_findings:?}"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"].as_str().unwrap().starts_with("peering-")));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"]
            .as_str()
            .unwrap()
            .starts_with("transit-gateway-")));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"].as_str().unwrap().starts_with("lattice-")));
}

/// The first line where two texts differ, with a little context.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(3);
    format!(
        "line {at}:\n  unsharded: {:?}\n  merged:    {:?}",
        &a[from..(at + 3).min(a.len())],
        &b[from..(at + 3).min(b.len())]
    )
}

#[test]
fn a_missing_shard_is_refused_by_name_and_nothing_is_written() {
    let shards = network_shards(3);
    let out = harness::scratch_file("never-written.json");
    let run = harness::run_audit(&[
        "analyze",
        "--inventory",
        shards[0].to_str().unwrap(),
        "--inventory",
        shards[2].to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("shard(s) 2/3 missing"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert!(
        !out.exists(),
        "a report of a missing shard's scan was written"
    );
    // The same shard twice is refused too, naming both files.
    let twice = harness::run_audit(&[
        "analyze",
        "--inventory",
        shards[0].to_str().unwrap(),
        "--inventory",
        shards[1].to_str().unwrap(),
        "--inventory",
        shards[1].to_str().unwrap(),
        "--inventory",
        shards[2].to_str().unwrap(),
    ]);
    assert_eq!(twice.status, 2);
    assert!(
        twice.stderr.contains("shard 2/3 is given twice"),
        "{}",
        twice.stderr
    );
    let empty = harness::scratch_file("no-shards-here");
    std::fs::create_dir_all(&empty).unwrap();
    let none = harness::run_audit(&["analyze", "--inventory", empty.to_str().unwrap()]);
    assert_eq!(none.status, 2);
    assert!(none.stderr.contains("holds no snapshot"), "{}", none.stderr);
}

// ---------------------------------------------------------------------------------------------
// Resumed collection.

use crate::fault_proxy::{Fault, FaultProxy, Rule};

const RESUME_ACCOUNTS: &str = "500000000001,500000000002,500000000003";

/// `collect` of three `network` accounts through `proxy` into `out`, plus `extra`.
fn collect_via(proxy: &FaultProxy, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = harness::command(&proxy.endpoint);
    cmd.args([
        "collect",
        "--accounts",
        RESUME_ACCOUNTS,
        "--regions",
        "us-east-1,eu-west-1",
        "--quiet",
        "-o",
        out.to_str().unwrap(),
    ])
    .args(extra);
    cmd
}

/// The accounts the proxy saw calls for since the `from`-th request.
fn accounts_called(proxy: &FaultProxy, from: usize) -> BTreeSet<String> {
    proxy.requests()[from..]
        .iter()
        .map(|r| r.account.clone().unwrap_or_else(|| "caller".into()))
        .collect()
}

/// The report of a snapshot, without what differs between a resumed scan and a scan in one go:
/// timestamps, and the calls (a resumed snapshot counts the calls of both runs).
fn comparable_report(snapshot: &Path) -> Value {
    let mut report: Value = serde_json::from_str(&analyze(&[snapshot], "json", 0)).unwrap();
    report["scan"].as_object_mut().unwrap().remove("api_calls");
    report
}

#[test]
fn resume_reads_only_the_failed_targets_and_completes_the_snapshot() {
    harness::estate("network");
    let proxy = FaultProxy::with_rules(
        &harness::emulator().endpoint,
        vec![Rule::new("apigateway:GetRestApis", Fault::AccessDenied)
            .account("500000000002")
            .region("eu-west-1")],
    );
    let out = harness::scratch_file("resume-failed.json");
    let first = harness::run(collect_via(&proxy, &out, &[]));
    assert_eq!(first.status, 2, "{}", first.stderr);
    let snapshot = read_json(&out);
    let not_complete: Vec<(&str, &str)> = snapshot["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "complete")
        .map(|t| {
            (
                t["account_id"].as_str().unwrap(),
                t["region"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(not_complete, [("500000000002", "eu-west-1")]);
    let first_calls: u64 = snapshot["api_calls"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();

    proxy.set("apigateway:GetRestApis", None);
    let before = proxy.requests().len();
    let resumed = harness::scratch_file("resumed.json");
    let second = harness::run(collect_via(
        &proxy,
        &resumed,
        &["--resume", out.to_str().unwrap()],
    ));
    assert_eq!(second.status, 0, "{}", second.stderr);
    // Only the account with the failed target was entered and read again.
    assert_eq!(
        accounts_called(&proxy, before),
        BTreeSet::from(["500000000002".to_string()])
    );
    let regions: BTreeSet<String> = proxy.requests()[before..]
        .iter()
        .filter(|r| r.op != "sts:AssumeRole")
        .map(|r| r.region.clone())
        .collect();
    assert_eq!(regions, BTreeSet::from(["eu-west-1".to_string()]));
    let resumed_snapshot = read_json(&resumed);
    let resumed_calls: u64 = resumed_snapshot["api_calls"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        resumed_calls,
        first_calls + (proxy.requests().len() - before) as u64,
        "a resumed snapshot counts the calls of both runs"
    );
    // The same scan as one made in one go.
    let fresh = harness::scratch_file("resume-fresh.json");
    assert_eq!(harness::run(collect_via(&proxy, &fresh, &[])).status, 0);
    assert_eq!(comparable_report(&resumed), comparable_report(&fresh));
}

#[test]
fn a_stopped_scan_leaves_a_checkpoint_that_resume_completes() {
    harness::estate("network");
    // One target hangs: the scan cannot finish, the way a scan killed at 90 % never does.
    let proxy = FaultProxy::with_rules(
        &harness::emulator().endpoint,
        vec![Rule::new(
            "apigateway:GetRestApis",
            Fault::Hang(std::time::Duration::from_secs(120)),
        )
        .account("500000000003")
        .region("us-east-1")],
    );
    let out = harness::scratch_file("stopped.json");
    let mut child = collect_via(
        &proxy,
        &out,
        &["--checkpoint-every", "1", "--timeout", "100"],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    // Wait for a checkpoint with every other target read.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let checkpoint = loop {
        let snapshot = std::fs::read_to_string(&out)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok());
        if let Some(s) = snapshot.filter(|s| s["targets"].as_array().is_some_and(|t| t.len() == 5))
        {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint with 5 targets read"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // Killed outright: no handler runs, the last checkpoint is what is left.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        checkpoint["unreached"],
        serde_json::json!([{"account_id": "500000000003", "region": "us-east-1"}])
    );
    // The checkpoint is a snapshot: analysed, it is an incomplete scan, never a clean one.
    let report: Value = serde_json::from_str(&analyze(&[&out], "json", 2)).unwrap();
    assert_eq!(report["scan"]["complete"], false);
    assert!(report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["account_id"] == "500000000003"
            && t["region"] == "us-east-1"
            && t["errors"][0]["code"] == "NotReached"));

    proxy.set("apigateway:GetRestApis", None);
    let before = proxy.requests().len();
    let second = harness::run(collect_via(
        &proxy,
        &out,
        &["--resume", out.to_str().unwrap()],
    ));
    assert_eq!(second.status, 0, "{}", second.stderr);
    assert_eq!(
        accounts_called(&proxy, before),
        BTreeSet::from(["500000000003".to_string()])
    );
    let fresh = harness::scratch_file("stopped-fresh.json");
    assert_eq!(harness::run(collect_via(&proxy, &fresh, &[])).status, 0);
    assert_eq!(comparable_report(&out), comparable_report(&fresh));
    // Resuming with another scope is refused.
    let other = harness::run(collect_via(
        &proxy,
        &fresh,
        &["--resume", out.to_str().unwrap(), "--no-network"],
    ));
    assert_eq!(other.status, 2);
    assert!(other.stderr.contains("another scope"), "{}", other.stderr);
}
