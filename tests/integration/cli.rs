//! The command line as a new user meets it: usage errors, rule listing, exit codes, and an
//! account with nothing in it.

use crate::harness::{self, Run};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_overexposed"))
}

/// Runs the binary with `args` and nothing else (no emulator, the caller's environment);
/// asserts its exit code.
#[track_caller]
fn local(args: &[&str], code: i32) -> Run {
    let mut cmd = bin();
    cmd.args(args);
    let run = harness::run(cmd);
    assert_eq!(run.status, code, "{args:?}: {}", run.stderr);
    run
}

#[test]
fn bad_account_id_is_a_usage_error_with_a_clear_message() {
    let err = local(&["audit", "--accounts", "1234,111111111111"], 2).stderr;
    assert!(
        err.contains("invalid account id '1234'") && err.contains("12 digits"),
        "{err}"
    );
}

#[test]
fn bad_region_and_unknown_flag_are_usage_errors() {
    let run = local(&["audit", "--regions", "mars-1"], 2);
    assert!(run.stderr.contains("invalid region 'mars-1'"));
    local(&["audit", "--no-such-flag"], 2);
}

#[test]
fn rules_are_listed_and_explained() {
    let list = local(&["rules"], 0).stdout;
    for id in [
        "apigw-unauthenticated-write-internet",
        "apigw-write-any-aws-account",
        "public-lb-exposes-private-backend",
    ] {
        assert!(list.contains(id), "rules list lacks {id}:\n{list}");
    }
    let text = local(&["rules", "apigw-write-external-accounts"], 0)
        .stdout
        .to_lowercase();
    assert!(
        text.contains("remediation") || text.contains("fix"),
        "{text}"
    );
    let run = local(&["rules", "no-such-rule"], 2);
    assert!(run.stderr.contains("unknown rule 'no-such-rule'"));
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

#[test]
fn an_organization_is_scanned_account_by_account_and_suspended_members_are_skipped() {
    let ids = harness::estate("org");
    let open = harness::id(ids, "member-open");
    let clean = harness::id(ids, "member-clean");
    let closed = harness::id(ids, "member-closed");
    let report = harness::audit_at(
        &harness::emulator().endpoint,
        &["--organization", "--regions", "us-east-1", "--no-network"],
    )
    .complete_json();
    let targets: Vec<&str> = report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["account_id"].as_str().unwrap())
        .collect();
    // The management account (the caller's, 123456789012 in moto) and the active members.
    for account in ["123456789012", open.as_str(), clean.as_str()] {
        assert!(
            targets.contains(&account),
            "{account} not scanned: {targets:?}"
        );
    }
    assert!(
        !targets.contains(&closed.as_str()),
        "a suspended account was entered"
    );
    assert_eq!(
        report["scan"]["skipped_accounts"][0]["account_id"],
        closed.as_str()
    );
    assert!(report["scan"]["skipped_accounts"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("SUSPENDED"));
    let open_findings: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["account_id"] == open.as_str())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        open_findings,
        vec![(
            "apigw-unauthenticated-write-internet".to_string(),
            "/jobs".to_string()
        )]
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["account_id"] != clean.as_str()));
    assert_eq!(report["scan"]["api_calls"]["organizations:ListAccounts"], 1);
    assert_eq!(report["scan"]["scope"]["organization"], true);
    // Who is inside, for trust paths: every account listed (the suspended one too) and the
    // organization's id, from the account ARNs.
    let members = &report["scan"]["scope"]["organization_accounts"];
    for account in [
        "123456789012",
        open.as_str(),
        clean.as_str(),
        closed.as_str(),
    ] {
        assert!(
            members.as_array().unwrap().iter().any(|m| m == account),
            "{account} not in {members}"
        );
    }
    assert!(report["scan"]["scope"]["organization_id"]
        .as_str()
        .unwrap()
        .starts_with("o-"));
    // The SARIF category of an organization scan does not list its accounts: it stays the
    // same as accounts join and leave, so alerts close when fixed.
    let sarif = harness::run_audit(&[
        "audit",
        "--organization",
        "--regions",
        "us-east-1",
        "--format",
        "sarif",
        "--quiet",
        "--fail-on",
        "never",
        "--no-network",
    ]);
    assert_eq!(sarif.status, 0, "stderr: {}", sarif.stderr);
    assert_eq!(
        sarif.json()["runs"][0]["automationDetails"]["id"],
        "overexposed-api-only/organization/us-east-1/"
    );
    // --organization and --accounts exclude each other.
    let both = harness::run_audit(&["audit", "--organization", "--accounts", "111111111111"]);
    assert_eq!(both.status, 2);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

#[test]
fn an_organization_listing_from_a_member_account_is_an_error_not_an_empty_scan() {
    // Keys moto has never seen land in the default account; a member's assumed keys land in
    // the member, whose ListAccounts comes back empty (a moto quirk; real AWS denies it).
    let ids = harness::estate("org");
    let creds: Vec<&str> = ids["member_clean_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut cmd = harness::command(&harness::emulator().endpoint);
    cmd.args([
        "audit",
        "--organization",
        "--regions",
        "us-east-1",
        "--format",
        "json",
        "--quiet",
    ])
    .env("AWS_ACCESS_KEY_ID", creds[0])
    .env("AWS_SECRET_ACCESS_KEY", creds[1])
    .env("AWS_SESSION_TOKEN", creds[2]);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2, "stdout: {}", run.stdout);
    assert!(
        run.stderr
            .contains("management account or a delegated administrator"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_credentials_are_one_clear_error() {
    let mut cmd = harness::command(&harness::emulator().endpoint);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    cmd.args([
        "audit",
        "--accounts",
        "111111111111",
        "--regions",
        "us-east-1",
        "--quiet",
        "--timeout",
        "5",
    ]);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("could not load AWS credentials"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no report for a scan that never started: {}",
        run.stdout
    );
}

#[test]
fn a_snapshot_target_with_errors_is_never_complete_whatever_its_status_says() {
    // A hand-edited (or foreign) snapshot: the target says `complete` but records a gap.
    let snapshot = harness::scratch_file("lying-snapshot.json");
    let text = serde_json::json!({
        "snapshot_version": 1,
        "started_at": "2024-01-01T00:00:00Z",
        "finished_at": "2024-01-01T00:00:01Z",
        "targets": [{
            "account_id": "111111111111",
            "region": "us-east-1",
            "status": "complete",
            "errors": [{
                "operation": "apigateway:GetResources",
                "code": "AccessDeniedException",
                "message": "denied",
                "resource": "abc123"
            }]
        }],
        "account_failures": [],
        "api_calls": {}
    });
    std::fs::write(&snapshot, text.to_string()).unwrap();
    let sarif = harness::scratch_file("lying-snapshot.sarif");
    let out = bin()
        .args(["analyze", "--inventory", snapshot.to_str().unwrap()])
        .args(["--format", "json", "--fail-on", "never"])
        .args(["-o", sarif.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scan"]["complete"], false);
    let target = &report["scan"]["targets"][0];
    assert_eq!(target["status"], "partial", "{target:#}");
    assert_eq!(target["errors"][0]["code"], "AccessDeniedException");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

/// A complete snapshot of one account × region with nothing in it (offline: no emulator).
fn clean_snapshot(name: &str) -> std::path::PathBuf {
    let snapshot = harness::scratch_file(name);
    let text = serde_json::json!({
        "snapshot_version": 1,
        "started_at": "2024-01-01T00:00:00Z",
        "finished_at": "2024-01-01T00:00:01Z",
        "targets": [{"account_id": "111111111111", "region": "us-east-1", "status": "complete"}],
        "account_failures": [],
        "api_calls": {}
    });
    std::fs::write(&snapshot, text.to_string()).unwrap();
    snapshot
}

/// stdout on a full device: every write fails with ENOSPC.
#[cfg(target_os = "linux")]
fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full")
}

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_to_stdout_is_an_error_not_a_clean_exit() {
    let snapshot = clean_snapshot("clean-snapshot.json");
    for format in ["json", "table", "sarif"] {
        let out = bin()
            .args(["analyze", "--inventory", snapshot.to_str().unwrap()])
            .args(["--format", format, "--fail-on", "never"])
            .stdout(dev_full())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(err.contains("could not write to stdout"), "{format}: {err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn rules_on_an_unwritable_stdout_is_an_error_not_a_panic() {
    for args in [
        &["rules"][..],
        &["rules", "apigw-write-external-accounts"][..],
    ] {
        let out = bin().args(args).stdout(dev_full()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("could not write to stdout"), "{args:?}: {err}");
    }
}

/// A shared credentials file with one profile, `auditor`, holding these keys.
fn credentials_file(creds: &[&str]) -> std::path::PathBuf {
    let path = harness::scratch_file("aws-credentials");
    std::fs::write(
        &path,
        format!(
            "[auditor]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            creds[0], creds[1], creds[2]
        ),
    )
    .unwrap();
    path
}

/// `audit --profile <profile> --regions us-east-1 --quiet` plus `args`, with `file` as the
/// shared credentials file and the harness's own keys still in the environment.
fn audit_with_profile(file: &std::path::Path, profile: &str, args: &[&str]) -> Run {
    let mut cmd = harness::command(&harness::emulator().endpoint);
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", file)
        .args([
            "audit",
            "--profile",
            profile,
            "--regions",
            "us-east-1",
            "--quiet",
        ])
        .args(args);
    harness::run(cmd)
}

#[test]
fn profile_wins_over_keys_in_the_environment() {
    // moto maps an assumed role's keys to the role's account (GetCallerIdentity), and any
    // other key to its default account 123456789012: the audited account tells whose keys
    // signed the calls.
    let ids = harness::estate("org");
    let member = harness::id(ids, "member-clean");
    let creds: Vec<&str> = ids["member_clean_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let file = credentials_file(&creds);
    let run = audit_with_profile(&file, "auditor", &["--no-network", "--format", "json"]);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["scan"]["targets"][0]["account_id"],
        member.as_str(),
        "the environment's keys were used, not the profile's"
    );
    for secret in &creds[1..] {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    }
}

#[test]
fn an_unknown_profile_is_a_clear_error_even_with_keys_in_the_environment() {
    let file = credentials_file(&["AKIAEXAMPLEEXAMPLE00", "secret", "token"]);
    let run = audit_with_profile(&file, "nosuch", &["--accounts", "111111111111"]);
    assert_eq!(run.status, 2, "stdout: {}", run.stdout);
    assert!(run.stderr.contains("profile 'nosuch'"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_no_network_scan_says_so_and_never_shares_the_full_scans_sarif_category() {
    harness::emulator();
    let scan = |extra: &[&str], stem: &str| {
        let json = harness::scratch_file(&format!("{stem}.json"));
        let sarif = harness::scratch_file(&format!("{stem}.sarif"));
        let table = harness::scratch_file(&format!("{stem}.txt"));
        let mut args = vec![
            "audit",
            "--accounts",
            "999999999990",
            "--regions",
            "us-east-1",
        ];
        // Not --quiet: the summary line on stderr is under test too.
        args.extend_from_slice(&["--fail-on", "never"]);
        for p in [&json, &sarif, &table] {
            args.extend_from_slice(&["-o", p.to_str().unwrap()]);
        }
        args.extend_from_slice(extra);
        let run = harness::run_audit(&args);
        assert_eq!(run.status, 0, "stderr: {}", run.stderr);
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
        let json: serde_json::Value = serde_json::from_str(&read(&json)).unwrap();
        let sarif: serde_json::Value = serde_json::from_str(&read(&sarif)).unwrap();
        (json, sarif, read(&table), run.stderr)
    };
    let (json, sarif, table, summary) = scan(&["--no-network"], "api-only");
    assert_eq!(
        json["scan"]["scope"],
        serde_json::json!({"api_gateway": true, "network": false, "organization": false, "regions": ["us-east-1"], "lattice": false, "iam": true})
    );
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "overexposed-api-only/999999999990/us-east-1/"
    );
    assert!(
        table.contains("network paths not scanned (--no-network)"),
        "{table}"
    );
    assert!(
        summary.contains("network paths not scanned (--no-network)"),
        "{summary}"
    );

    let (json, sarif, table, summary) = scan(&[], "full");
    assert_eq!(
        json["scan"]["scope"],
        serde_json::json!({"api_gateway": true, "network": true, "organization": false, "regions": ["us-east-1"], "lattice": true, "iam": true})
    );
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "overexposed/999999999990/us-east-1/"
    );
    assert!(!table.contains("not scanned"), "{table}");
    assert!(!summary.contains("not scanned"), "{summary}");
}

#[test]
fn analyze_keeps_the_scope_of_a_no_network_snapshot() {
    harness::emulator();
    let snapshot = harness::scratch_file("api-only-snapshot.json");
    let run = harness::run_audit(&[
        "collect",
        "--accounts",
        "999999999990",
        "--regions",
        "us-east-1",
        "--no-network",
        "--quiet",
        "-o",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let run = local(
        &[
            "analyze",
            "--inventory",
            snapshot.to_str().unwrap(),
            "--format",
            "sarif",
        ],
        0,
    );
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "overexposed-api-only/999999999990/us-east-1/"
    );
}

/// An endpoint nobody listens on: a scan that got as far as an AWS call would fail there and
/// print a report, so an empty stdout shows the check came first.
fn dead_endpoint() -> String {
    format!("http://127.0.0.1:{}", harness::free_port())
}

#[test]
fn bad_output_paths_are_rejected_before_any_aws_call() {
    let dir = harness::scratch_dir().join("an-existing-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.to_str().unwrap().to_string();
    let not_a_dir = harness::scratch_file("plain-file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let under_file = format!("{}/report.json", not_a_dir.display());
    let scan = ["--accounts", "111111111111", "--regions", "us-east-1"];
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["audit", "-o", &dir], "--output", &dir),
        (vec!["audit", "--snapshot", &dir], "--snapshot", &dir),
        (vec!["audit", "-o", &under_file], "--output", &under_file),
        (vec!["collect", "-o", &dir], "--output", &dir),
        (vec!["collect", "-o", &under_file], "--output", &under_file),
    ];
    for (args, flag, path) in cases {
        let mut cmd = harness::command(&dead_endpoint());
        cmd.args(&args)
            .args(scan)
            .args(["--timeout", "5", "--max-attempts", "1"]);
        let run = harness::run(cmd);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("cannot write {flag} {path}")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty() && !run.stderr.contains("DispatchFailure"),
            "{args:?} scanned before checking its output path:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    let snapshot = clean_snapshot("for-a-bad-output.json");
    let run = local(
        &[
            "analyze",
            "--inventory",
            snapshot.to_str().unwrap(),
            "-o",
            &dir,
        ],
        2,
    );
    assert!(run.stderr.contains(&format!("cannot write --output {dir}")));
}

#[test]
fn missing_parent_directories_of_an_output_are_created() {
    let snapshot = clean_snapshot("for-nested-output.json");
    let nested = harness::scratch_dir().join("new/nested/report.sarif");
    local(
        &[
            "analyze",
            "--inventory",
            snapshot.to_str().unwrap(),
            "-o",
            nested.to_str().unwrap(),
        ],
        0,
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&nested).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn dash_is_stdout_for_collect_and_audit() {
    harness::emulator();
    let cwd = harness::scratch_dir().join("dash-cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let scan = [
        "--accounts",
        "999999999990",
        "--regions",
        "us-east-1",
        "--no-network",
        "--quiet",
    ];
    let mut cmd = harness::command(&harness::emulator().endpoint);
    cmd.current_dir(&cwd)
        .args(["collect", "-o", "-"])
        .args(scan);
    let run = harness::run(cmd);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.json()["snapshot_version"], 1);
    // Audit: `-o -` is the report on stdout (JSON when stdout is not a terminal), beside files.
    let file = harness::scratch_file("dash-and-file.sarif");
    let mut cmd = harness::command(&harness::emulator().endpoint);
    cmd.current_dir(&cwd)
        .args(["audit", "-o", "-", "-o", file.to_str().unwrap()])
        .args(scan);
    let run = harness::run(cmd);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.json()["scan"]["complete"], true);
    assert!(file.is_file());
    assert!(
        !cwd.join("-").exists(),
        "a file named '-' was written instead of stdout"
    );
    // A snapshot cannot share stdout with the report.
    let mut cmd = harness::command(&dead_endpoint());
    cmd.args(["audit", "--snapshot", "-"]).args(scan);
    let run = harness::run(cmd);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--snapshot -"), "{}", run.stderr);
}

#[test]
fn quiet_silences_the_summary_line_of_a_report_written_to_files() {
    let snapshot = clean_snapshot("for-quiet.json");
    let file = harness::scratch_file("quiet.json");
    let analyze = |quiet: bool| {
        let mut cmd = bin();
        cmd.args(["analyze", "--inventory", snapshot.to_str().unwrap()])
            .args(["-o", file.to_str().unwrap()]);
        if quiet {
            cmd.arg("-q");
        }
        cmd.output().unwrap()
    };
    let loud = analyze(false);
    assert_eq!(loud.status.code(), Some(0));
    assert!(loud.stdout.is_empty());
    assert!(String::from_utf8_lossy(&loud.stderr).contains("overexposed: 0 findings"));
    let quiet = analyze(true);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
}

/// `script` (util-linux; Debian's essential `bsdutils`, so on every machine the suite runs on)
/// runs the binary with a terminal on stdout, where the stdout default is the table: a file
/// with no known extension must still be JSON. Never skipped: without `script` it fails.
#[cfg(target_os = "linux")]
#[test]
fn an_output_file_format_does_not_depend_on_a_terminal() {
    let snapshot = clean_snapshot("for-tty.json");
    let file = harness::scratch_file("report-without-extension");
    let line = format!(
        "{} analyze --inventory {} -o {}",
        env!("CARGO_BIN_EXE_overexposed"),
        snapshot.display(),
        file.display()
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .output()
        .expect("`script` (util-linux / bsdutils) puts a terminal on stdout");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "not JSON:\n{text}"
    );
}

#[test]
fn analyze_of_an_audit_report_says_what_the_file_is() {
    let snapshot = clean_snapshot("to-report.json");
    let report = harness::scratch_file("a-report.json");
    let (snapshot, report_path) = (snapshot.to_str().unwrap(), report.to_str().unwrap());
    local(
        &["analyze", "--inventory", snapshot, "-q", "-o", report_path],
        0,
    );
    let err = local(&["analyze", "--inventory", report_path], 2).stderr;
    assert!(
        err.contains(&format!(
            "{} is an audit report, not an inventory snapshot",
            report.display()
        )) && err.contains("overexposed collect"),
        "{err}"
    );
    // Any other foreign JSON still gets the parser's reason.
    let other = harness::scratch_file("other.json");
    std::fs::write(&other, r#"{"findings": []}"#).unwrap();
    let run = local(&["analyze", "--inventory", other.to_str().unwrap()], 2);
    assert!(run.stderr.contains("not an overexposed inventory snapshot"));
}

#[test]
fn endpoint_url_help_names_its_variable_once() {
    let out = bin()
        .args(["audit", "--help"])
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert_eq!(help.matches("AWS_ENDPOINT_URL").count(), 1, "{help}");
    assert!(help.contains("[env: AWS_ENDPOINT_URL]"), "{help}");
}
