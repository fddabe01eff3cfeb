//! SARIF within GitHub's limits, on synthetic snapshots past them (no emulator): a single file
//! over the limits is refused with a pointer to `--sarif-split-dir`, the split writes one run
//! per account and loses no result, and an account that alone is past the limits fails clearly.

use crate::harness::{run, scratch_file};
use overexposed::inventory::{
    HttpApi, HttpRoute, Inventory, Stage, Target, TargetStatus, SNAPSHOT_VERSION,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A snapshot where each (account, n) has one HTTP API with n routes open to the internet:
/// one finding per route.
fn snapshot(name: &str, accounts: &[(&str, usize)]) -> PathBuf {
    let targets = accounts
        .iter()
        .map(|&(account, n)| Target {
            account_id: account.into(),
            region: "us-east-1".into(),
            status: TargetStatus::Complete,
            http_apis: vec![HttpApi {
                id: format!("api{}", &account[..4]),
                name: "bulk".into(),
                protocol_type: "HTTP".into(),
                routes: (0..n)
                    .map(|i| HttpRoute {
                        id: format!("r{i}"),
                        route_key: format!("GET /items/{i}"),
                        authorization_type: "NONE".into(),
                        ..Default::default()
                    })
                    .collect(),
                stages: vec![Stage {
                    name: "$default".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    let inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        targets,
        ..Default::default()
    };
    let path = scratch_file(name);
    std::fs::write(&path, serde_json::to_string(&inv).unwrap()).unwrap();
    path
}

fn analyze(inventory: &Path, args: &[&str]) -> crate::harness::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_overexposed"));
    cmd.arg("analyze").arg("--inventory").arg(inventory);
    cmd.args(["--fail-on", "never", "--quiet"]).args(args);
    run(cmd)
}

fn fingerprints(results: &[Value]) -> BTreeSet<String> {
    results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_scan_past_the_limits_is_split_per_account_and_loses_no_result() {
    let snap = snapshot(
        "over-limits.json",
        &[("111111111111", 12_600), ("222222222222", 12_500)],
    );
    let dir = scratch_file("split");
    let json = dir.join("all.json");
    let single = dir.join("all.sarif");
    let out = analyze(
        &snap,
        &["-o", json.to_str().unwrap(), "-o", single.to_str().unwrap()],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "error: {} not written: 25100 results in one run, over GitHub's limit of 25000 per run; write one SARIF file per account with --sarif-split-dir DIR",
            single.display()
        )),
        "{}",
        out.stderr
    );
    assert!(!single.exists());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 25_100);

    let split = dir.join("sarif");
    let out = analyze(
        &snap,
        &[
            "--sarif-split-dir",
            split.to_str().unwrap(),
            "--sarif-category",
            "nightly",
        ],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&split)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["111111111111.sarif", "222222222222.sarif"]);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::harness::project_root().join("tests/schemas/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut all = BTreeSet::new();
    for (name, account, count) in [
        ("111111111111.sarif", "111111111111", 12_600),
        ("222222222222.sarif", "222222222222", 12_500),
    ] {
        let text = std::fs::read_to_string(split.join(name)).unwrap();
        assert!(overexposed::report::sarif::gzip_size(&text) < 10_000_000);
        let log: Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&log), "{name} is not valid SARIF 2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(
            runs[0]["automationDetails"]["id"],
            format!("nightly/{account}/")
        );
        let results = runs[0]["results"].as_array().unwrap();
        assert_eq!(results.len(), count);
        assert!(results.iter().all(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with(&format!("aws/{account}/"))
        ));
        all.extend(fingerprints(results));
    }
    // Every finding of the report is in exactly one file.
    let expected: BTreeSet<String> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all, expected);
}

#[test]
fn an_account_alone_past_the_limits_fails_clearly_and_writes_no_file() {
    let snap = snapshot(
        "one-big-account.json",
        &[("333333333333", 25_001), ("444444444444", 1)],
    );
    let split = scratch_file("split-big");
    let out = analyze(&snap, &["--sarif-split-dir", split.to_str().unwrap()]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "error: --sarif-split-dir {} not written: account 333333333333 alone has 25001 results in one run, over GitHub's limit of 25000 per run; scan it in parts with --regions, each with its own --sarif-category",
            split.display()
        )),
        "{}",
        out.stderr
    );
    assert!(!split.join("444444444444.sarif").exists());
}
