use super::*;
use crate::aws::Progress;

#[test]
fn a_sarif_category_is_a_path_like_name() {
    assert_eq!(
        parse_sarif_category("overexposed/prod/").unwrap(),
        "overexposed/prod"
    );
    assert_eq!(parse_sarif_category(" nightly ").unwrap(), "nightly");
    for bad in ["", "/", "a//b", "two words", "tab\there"] {
        let err = parse_sarif_category(bad).unwrap_err();
        assert!(err.contains("not a SARIF category"), "{bad:?}: {err}");
    }
}

#[test]
fn region_names() {
    for ok in [
        "us-east-1",
        "eu-west-2",
        "us-gov-west-1",
        "ap-southeast-5",
        "cn-north-1",
    ] {
        assert!(valid_region(ok), "{ok}");
    }
    for bad in [
        "",
        "us-east",
        "useast1",
        "US-EAST-1",
        "us--1",
        "us-east-x",
        "u-east-1",
    ] {
        assert!(!valid_region(bad), "{bad}");
    }
}

fn scan_args(accounts: Option<Vec<&str>>) -> ScanArgs {
    ScanArgs {
        accounts: accounts.map(|v| v.into_iter().map(String::from).collect()),
        organization: false,
        role_name: None,
        external_id: None,
        regions: None,
        profile: None,
        endpoint_url: None,
        concurrency: None,
        timeout: 30,
        max_attempts: 5,
        no_network: false,
        shard: None,
        quiet: true,
        config: None,
    }
}

#[test]
fn account_ids_are_validated_and_deduplicated() {
    let opts = validate_scan(
        &scan_args(Some(vec!["111111111111", " 111111111111", "222222222222"])),
        &ScanDefaults::default(),
    )
    .unwrap();
    assert_eq!(opts.accounts.unwrap(), vec!["111111111111", "222222222222"]);
    let err = validate_scan(&scan_args(Some(vec!["12345"])), &ScanDefaults::default()).unwrap_err();
    assert!(err.0.contains("'12345'"), "{}", err.0);
    assert!(validate_scan(&scan_args(Some(vec!["", " "])), &ScanDefaults::default()).is_err());
}

#[test]
fn progress_lines_say_what_the_scan_is_doing() {
    let org = |active, skipped| progress_line(&Progress::OrganizationListed { active, skipped });
    assert_eq!(org(3, 0), "organization: 3 active accounts");
    assert_eq!(
        org(3, 2),
        "organization: 3 active accounts, 2 skipped (not active)"
    );
    let started = |accounts_not_entered| {
        progress_line(&Progress::ScanStarted {
            targets: 6,
            accounts: 2,
            concurrency: 8,
            accounts_not_entered,
        })
    };
    assert_eq!(
        started(0),
        "scanning 6 account × region targets in 2 accounts, 8 at a time"
    );
    assert_eq!(
        started(1),
        "scanning 6 account × region targets in 2 accounts, 8 at a time; 1 account could not be entered"
    );
    let finished = |status, errors, first_error_code: Option<&str>| {
        progress_line(&Progress::TargetFinished {
            done: 2,
            total: 6,
            target: aws::FinishedTarget {
                account_id: "111111111111".into(),
                region: "eu-west-1".into(),
                status,
                errors,
                first_error_code: first_error_code.map(str::to_string),
                rest_apis: 1,
                http_apis: 2,
                load_balancers: 3,
                endpoint_services: 4,
                peerings: 5,
            },
        })
    };
    let counts = "1 REST API, 2 HTTP APIs, 3 load balancers, 4 endpoint services, 5 peerings";
    for (line, state) in [
        (finished(TargetStatus::Complete, 0, None), "done"),
        (
            finished(TargetStatus::Partial, 2, Some("AccessDenied")),
            "PARTIAL (2 errors)",
        ),
        (
            finished(TargetStatus::Failed, 1, Some("InternalError")),
            "FAILED (InternalError)",
        ),
        (finished(TargetStatus::Failed, 0, None), "FAILED (unknown)"),
    ] {
        assert_eq!(
            line,
            format!("[2/6] 111111111111/eu-west-1: {state}: {counts}")
        );
    }
}

#[test]
fn bad_role_and_endpoint_are_rejected() {
    let mut a = scan_args(None);
    a.role_name = Some("bad role!".into());
    assert!(validate_scan(&a, &ScanDefaults::default()).is_err());
    let mut a = scan_args(None);
    a.endpoint_url = Some("localhost:5000".into());
    assert!(validate_scan(&a, &ScanDefaults::default())
        .unwrap_err()
        .0
        .contains("http://"));
}

#[test]
fn output_format_follows_extension() {
    assert_eq!(
        format_for(Path::new("a.sarif"), Format::Table),
        Format::Sarif
    );
    assert_eq!(
        format_for(Path::new("a.sarif.json"), Format::Table),
        Format::Sarif
    );
    assert_eq!(format_for(Path::new("a.json"), Format::Table), Format::Json);
    assert_eq!(format_for(Path::new("a.txt"), Format::Json), Format::Table);
    assert_eq!(format_for(Path::new("a.out"), Format::Json), Format::Json);
}

/// A writer that fails every write with `kind`.
struct Failing(std::io::ErrorKind);

impl Write for Failing {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(self.0))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_reader_that_went_away_is_not_an_error_but_a_failed_write_is() {
    assert!(write_report(&mut Failing(std::io::ErrorKind::BrokenPipe), "x").is_ok());
    // A snapshot is never cut short in silence, not even by a reader that went away.
    let err =
        write_snapshot_to_stdout(&mut Failing(std::io::ErrorKind::BrokenPipe), "x").unwrap_err();
    assert!(
        err.to_string().contains("could not write the snapshot"),
        "{err}"
    );
    let err = write_report(&mut Failing(std::io::ErrorKind::StorageFull), "x").unwrap_err();
    assert!(
        err.to_string().contains("could not write to stdout"),
        "{err}"
    );
    let mut ok = Vec::new();
    write_report(&mut ok, "report").unwrap();
    assert_eq!(ok, b"report");
}

#[test]
fn an_output_file_without_a_known_extension_is_json_unless_format_says_otherwise() {
    assert_eq!(file_format(Path::new("report"), None), Format::Json);
    assert_eq!(file_format(Path::new("r.out"), None), Format::Json);
    assert_eq!(
        file_format(Path::new("r.out"), Some(Format::Table)),
        Format::Table
    );
    assert_eq!(
        file_format(Path::new("r.txt"), Some(Format::Json)),
        Format::Table
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("overexposed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn output_paths_are_checked_and_their_directories_created() {
    let dir = scratch("outputs");
    // A directory, named with or without a trailing slash.
    for given in [dir.display().to_string(), format!("{}/", dir.display())] {
        let err = check_output_path(Path::new(&given), "--output").unwrap_err();
        assert!(
            err.0.contains(&format!("cannot write --output {given}"))
                && err.0.contains("directory"),
            "{}",
            err.0
        );
    }
    // A parent that is a file cannot become a directory.
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("report.json");
    let err = check_output_path(&under_file, "--snapshot").unwrap_err();
    assert!(
        err.0
            .contains(&format!("cannot write --snapshot {}", under_file.display())),
        "{}",
        err.0
    );
    // Missing parents are created, and the probe leaves nothing behind.
    let nested = dir.join("a/b/report.json");
    check_output_path(&nested, "--output").unwrap();
    assert!(nested.parent().unwrap().is_dir());
    assert_eq!(
        std::fs::read_dir(nested.parent().unwrap()).unwrap().count(),
        0
    );
    assert!(check_output_path(Path::new("-"), "--output").is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn report_with(severities: &[Severity]) -> AuditReport {
    let finding = |severity: Severity| crate::model::Finding {
        rule_id: crate::rules::RuleId::PeeringCrossAccountNoPath,
        severity,
        title: "t".into(),
        message: "m".into(),
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        resource_arn: "arn:aws:ec2:us-east-1:111111111111:vpc-peering-connection/pcx-1".into(),
        entry_point: crate::model::EntryPoint::VpcPeering,
        api_id: None,
        stage: None,
        method: "*".into(),
        path: "*".into(),
        reach: "accounts:[222222222222]".into(),
        reach_detail: crate::model::Reach::Internet,
        auth: crate::model::Auth::NetworkOnly,
        write: false,
        remediation: "r".into(),
        fingerprint: "f".into(),
        confidence: crate::model::Confidence::High,
        evidence: Default::default(),
    };
    crate::report::report_for_tests(severities.iter().copied().map(finding).collect())
}

#[test]
fn fail_on_info_gates_on_any_finding_and_low_stays_the_default() {
    let info = report_with(&[Severity::Info]);
    assert_eq!(exit_code(&info, FailOn::Info), EXIT_FINDINGS);
    assert_eq!(exit_code(&info, FailOn::Low), EXIT_CLEAN);
    assert_eq!(exit_code(&report_with(&[]), FailOn::Info), EXIT_CLEAN);
    assert_eq!(
        exit_code(&report_with(&[Severity::Low]), FailOn::Info),
        EXIT_FINDINGS
    );
    let cli = Cli::try_parse_from(["overexposed", "analyze", "--inventory", "x"]).unwrap();
    match cli.command {
        Command::Analyze { report, .. } => assert_eq!(report.fail_on, None),
        other => panic!("{other:?}"),
    }
    let cli = Cli::try_parse_from([
        "overexposed",
        "analyze",
        "--inventory",
        "x",
        "--fail-on",
        "info",
    ])
    .unwrap();
    match cli.command {
        Command::Analyze { report, .. } => assert_eq!(report.fail_on, Some(FailOn::Info)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn atomic_write_replaces_and_leaves_no_temp_file() {
    let dir = std::env::temp_dir().join(format!("overexposed-atomic-{}", std::process::id()));
    let path = dir.join("sub/report.json");
    write_atomically(&path, "first").unwrap();
    write_atomically(&path, "second").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_atomically_written_report_gets_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("permissions");
    let plain = dir.join("plain.json");
    std::fs::File::create(&plain).unwrap();
    let report = dir.join("report.json");
    write_atomically(&report, "x").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&report), mode(&plain));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn counts_read_in_the_right_number() {
    let one = progress_line(&Progress::TargetFinished {
        done: 1,
        total: 1,
        target: aws::FinishedTarget {
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            status: TargetStatus::Partial,
            errors: 1,
            first_error_code: None,
            rest_apis: 0,
            http_apis: 1,
            load_balancers: 1,
            endpoint_services: 1,
            peerings: 1,
        },
    });
    assert_eq!(
        one,
        "[1/1] 111111111111/us-east-1: PARTIAL (1 error): 0 REST APIs, 1 HTTP API, 1 load balancer, 1 endpoint service, 1 peering"
    );
    assert_eq!(
        progress_line(&Progress::OrganizationListed {
            active: 1,
            skipped: 0
        }),
        "organization: 1 active account"
    );
}

#[test]
fn ci_means_a_set_ci_variable() {
    assert!(in_ci(Some("true")) && in_ci(Some("1")));
    assert!(!in_ci(None) && !in_ci(Some("")) && !in_ci(Some("false")) && !in_ci(Some("0")));
}

#[test]
fn a_snapshot_read_whole_and_one_parsed_as_it_is_read_load_alike() {
    let dir = scratch("load-whole-or-streamed");
    let snapshot = dir.join("snapshot.json");
    let inv = crate::inventory::tests::populated();
    std::fs::write(
        &snapshot,
        format!("\n  {}", serde_json::to_string(&inv).unwrap()),
    )
    .unwrap();
    let report = dir.join("report.json");
    std::fs::write(
        &report,
        crate::report::json::render_json(&report_with(&[Severity::High])),
    )
    .unwrap();
    let array = dir.join("array.json");
    std::fs::write(&array, "[1, 2]").unwrap();
    // 0: every file is bigger than the limit, so it is parsed as it is read.
    for limit in [0, u64::MAX] {
        let loaded = load_inventory_reading_whole_up_to(&snapshot, limit).unwrap();
        assert_eq!(loaded, inv, "limit {limit}");
        let err = load_inventory_reading_whole_up_to(&report, limit)
            .unwrap_err()
            .0;
        assert!(
            err.contains("is an audit report, not an inventory snapshot"),
            "{limit}: {err}"
        );
        let err = load_inventory_reading_whole_up_to(&array, limit)
            .unwrap_err()
            .0;
        assert!(err.ends_with("expected a JSON object"), "{limit}: {err}");
        let err = load_inventory_reading_whole_up_to(&dir.join("missing.json"), limit)
            .unwrap_err()
            .0;
        assert!(
            err.starts_with("could not read inventory"),
            "{limit}: {err}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
