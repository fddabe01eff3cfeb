//! The command line as a new user meets it: usage errors, rule listing, exit codes, and an
//! account with nothing in it.

use crate::harness;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_overexposed"))
}

#[test]
fn bad_account_id_is_a_usage_error_with_a_clear_message() {
    let out = bin()
        .args(["audit", "--accounts", "1234,111111111111"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid account id '1234'") && err.contains("12 digits"),
        "{err}"
    );
}

#[test]
fn bad_region_and_unknown_flag_are_usage_errors() {
    let out = bin()
        .args(["audit", "--regions", "mars-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid region 'mars-1'"));
    let out = bin().args(["audit", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_are_listed_and_explained() {
    let out = bin().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8_lossy(&out.stdout);
    for id in [
        "apigw-unauthenticated-write-internet",
        "apigw-write-any-aws-account",
        "public-lb-exposes-private-backend",
    ] {
        assert!(list.contains(id), "rules list lacks {id}:\n{list}");
    }
    let out = bin()
        .args(["rules", "apigw-write-external-accounts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        text.contains("remediation") || text.contains("fix"),
        "{text}"
    );
    let out = bin().args(["rules", "no-such-rule"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule 'no-such-rule'"));
}

#[test]
fn an_empty_account_is_clean_and_exits_zero() {
    harness::emulator();
    // 999999999990 is never seeded by any estate.
    let run = harness::run_audit(&[
        "audit",
        "--accounts",
        "999999999990",
        "--regions",
        "us-east-1",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["scan"]["complete"], true);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["scan"]["targets"][0]["account_id"], "999999999990");
    assert_eq!(report["scan"]["targets"][0]["status"], "complete");
    assert!(
        report["scan"]["api_calls"]["apigateway:GetRestApis"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(report["scan"]["api_calls"]["sts:AssumeRole"], 1);
}

#[test]
fn an_unreachable_endpoint_is_never_clean() {
    // A port nobody listens on: bind, take the port, drop the listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bin()
        .args([
            "audit",
            "--accounts",
            "999999999991",
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "--timeout",
            "5",
            "--max-attempts",
            "1",
            "--quiet",
        ])
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("json even when nothing could be scanned");
    assert_eq!(report["scan"]["complete"], false);
    let target = &report["scan"]["targets"][0];
    assert_eq!(target["status"], "failed");
    assert_eq!(target["errors"][0]["operation"], "sts:AssumeRole");
    assert_eq!(target["errors"][0]["code"], "DispatchFailure");
}
