use super::*;
use serde_json::json;

fn day(text: &str) -> Date {
    crate::config::parse_date(text).unwrap()
}

fn report() -> Value {
    let finding = |fp: &str, suppressed: bool| {
        let mut f = json!({
            "rule_id": "apigw-unauthenticated-read-internet",
            "severity": "high",
            "account_id": "111111111111",
            "region": "us-east-1",
            "resource_arn": "arn:aws:execute-api:us-east-1:111111111111:a1/prod/GET/orders",
            "method": "GET",
            "path": "/orders",
            "fingerprint": fp,
        });
        if suppressed {
            f["suppressed"] = json!({"reason": "r", "by": "rule", "entry": "x:1"});
        }
        f
    };
    json!({
        "tool": {"name": "overexposed", "version": "0"},
        "findings": [
            finding("0123456789abcdef0123456789abcdef", false),
            finding("0123456789abcdef0123456789abcdef", false),
            finding("ffffffffffffffffffffffffffffffff", true),
            finding("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ],
    })
}

#[test]
fn every_unsuppressed_finding_once() {
    let found = unsuppressed_findings(&report()).unwrap();
    let fps: Vec<&str> = found.iter().map(|a| a.fingerprint.as_str()).collect();
    assert_eq!(
        fps,
        [
            "0123456789abcdef0123456789abcdef",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ]
    );
    assert_eq!(
        found[0].summary,
        "high apigw-unauthenticated-read-internet 111111111111/us-east-1 \
         arn:aws:execute-api:us-east-1:111111111111:a1/prod/GET/orders GET /orders"
    );
    let err = unsuppressed_findings(&json!({"targets": []})).unwrap_err();
    assert!(err.contains("not a JSON report"), "{err}");
}

#[test]
fn the_entries_read_back_as_suppressions_by_fingerprint() {
    let found = unsuppressed_findings(&report()).unwrap();
    let text = entries_text(
        &found,
        "adopted \"as is\" (SEC-1)",
        Some(day("2027-01-31")),
        day("2026-05-01"),
        "results.json",
    );
    assert!(
        text.starts_with("\n# Baseline of 2026-05-01 from results.json: 2 findings accepted.\n")
    );
    let config = Config::parse(&text, Path::new("overexposed.toml")).unwrap();
    assert_eq!(config.suppress.len(), 2);
    for (entry, accepted) in config.suppress.iter().zip(&found) {
        assert_eq!(
            entry.fingerprint.as_deref(),
            Some(accepted.fingerprint.as_str())
        );
        assert_eq!(entry.reason, "adopted \"as is\" (SEC-1)");
        assert_eq!(entry.expires, Some(day("2027-01-31")));
        assert_eq!(entry.by(), "fingerprint");
    }
    assert_eq!(entries_text(&[], "r", None, day("2026-05-01"), "x"), "");
}

#[test]
fn a_second_run_adds_nothing_and_the_file_keeps_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("results.json");
    std::fs::write(&report_path, report().to_string()).unwrap();
    let config = dir.path().join("overexposed.toml");
    let mine = "# Our scan.\nregions = [\"eu-west-1\"] # the only region we use\n\n[[suppress]]\nfingerprint = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\nreason = \"known\"";
    std::fs::write(&config, mine).unwrap();
    let today = day("2026-05-01");
    let said = run(&report_path, &config, None, None, today).unwrap();
    assert!(
        said.contains("added 1 suppression to") && said.contains("1 already there"),
        "{said}"
    );
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(after.starts_with(&format!("{mine}\n")), "{after}");
    assert!(
        after.contains("reason = \"accepted at the baseline of 2026-05-01\""),
        "{after}"
    );
    let said = run(&report_path, &config, None, None, today).unwrap();
    assert!(said.contains("unchanged"), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), after);

    // An invalid configuration is left alone.
    std::fs::write(&config, "unknown_key = 1\n").unwrap();
    let err = run(&report_path, &config, None, None, today).unwrap_err();
    assert!(err.0.contains("unknown_key"), "{}", err.0);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "unknown_key = 1\n"
    );
}
