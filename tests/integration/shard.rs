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
