use super::*;
use crate::model::{Auth, Confidence, EntryPoint, Reach, Severity};

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("overexposed.toml"))
}

fn date(text: &str) -> Date {
    parse_date(text).unwrap()
}

pub(crate) fn finding(rule: RuleId, method: &str, path: &str, fingerprint: &str) -> Finding {
    Finding {
        rule_id: rule,
        severity: Severity::High,
        title: "t".into(),
        message: "m".into(),
        account_id: "210987654321".into(),
        region: "eu-west-1".into(),
        resource_arn: "arn:aws:execute-api:eu-west-1:210987654321:abc123/prod/GET/reports/daily"
            .into(),
        entry_point: EntryPoint::ApiGatewayRest,
        api_id: Some("abc123".into()),
        stage: Some("prod".into()),
        method: method.into(),
        path: path.into(),
        reach: "any_aws_account".into(),
        reach_detail: Reach::AnyAwsAccount,
        auth: Auth::None,
        write: false,
        remediation: "r".into(),
        fingerprint: fingerprint.into(),
        confidence: Confidence::High,
        evidence: Default::default(),
    }
}

const ISSUE_EXAMPLE: &str = r#"
# Scan defaults.
accounts = ["111111111111", "222222222222"]
role_name = "Auditor"
external_id_env = "AUDIT_EXTERNAL_ID"
regions = ["eu-west-1"]
concurrency = 4
fail_on = "high"
trusted_accounts = ["333333333333"]

[[suppress]]
rule = "apigw-read-any-aws-account"
resource = "arn:aws:execute-api:*:210987654321:abc123/*"
method = "get"
path = "/reports/*"
reason = "partner reads are public by design (ticket SEC-123)"
expires = "2027-03-01"

[[suppress]]
fingerprint = "0123456789ABCDEF0123456789abcdef"
reason = "accepted"
expires = 2026-01-31
"#;

#[test]
fn the_issue_example_reads_with_its_defaults_and_entries() {
    let config = parse(ISSUE_EXAMPLE).unwrap();
    assert_eq!(
        config.scan,
        ScanDefaults {
            accounts: Some(vec!["111111111111".into(), "222222222222".into()]),
            organization: None,
            role_name: Some("Auditor".into()),
            external_id_env: Some("AUDIT_EXTERNAL_ID".into()),
            regions: Some(vec!["eu-west-1".into()]),
            concurrency: Some(4),
            fail_on: Some(FailOn::High),
            trusted_accounts: Some(vec!["333333333333".into()]),
        }
    );
    let [first, second] = config.suppress.as_slice() else {
        panic!("{:?}", config.suppress)
    };
    assert_eq!(first.location, "overexposed.toml:11");
    assert_eq!(first.rule, Some(RuleId::ApigwReadAnyAwsAccount));
    assert_eq!(first.method.as_deref(), Some("GET"));
    assert_eq!(first.expires, Some(date("2027-03-01")));
    assert_eq!(first.by(), "rule+resource+method+path");
    assert_eq!(second.location, "overexposed.toml:19");
    // Fingerprints are compared in the case reports print them; a TOML date is a date too.
    assert_eq!(
        second.fingerprint.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(second.expires, Some(date("2026-01-31")));
    assert_eq!(second.by(), "fingerprint");
}

#[test]
fn every_criterion_must_match() {
    let config = parse(ISSUE_EXAMPLE).unwrap();
    let entry = &config.suppress[0];
    let fp = "0123456789abcdef0123456789abcdef";
    assert!(entry.matches(&finding(
        RuleId::ApigwReadAnyAwsAccount,
        "GET",
        "/reports/daily",
        fp
    )));
    assert!(!entry.matches(&finding(
        RuleId::ApigwReadAnyAwsAccount,
        "POST",
        "/reports/daily",
        fp
    )));
    assert!(!entry.matches(&finding(
        RuleId::ApigwReadAnyAwsAccount,
        "GET",
        "/orders",
        fp
    )));
    assert!(!entry.matches(&finding(
        RuleId::ApigwWriteAnyAwsAccount,
        "GET",
        "/reports/daily",
        fp
    )));
    let mut other_account = finding(RuleId::ApigwReadAnyAwsAccount, "GET", "/reports/x", fp);
    other_account.resource_arn = "arn:aws:execute-api:eu-west-1:111111111111:abc123/prod".into();
    assert!(!entry.matches(&other_account));
    let by_fingerprint = &config.suppress[1];
    assert!(by_fingerprint.matches(&finding(RuleId::ApigwWriteAnyAwsAccount, "PUT", "/x", fp)));
    assert!(!by_fingerprint.matches(&finding(
        RuleId::ApigwWriteAnyAwsAccount,
        "PUT",
        "/x",
        "ffffffffffffffffffffffffffffffff"
    )));
}

#[test]
fn an_entry_lasts_through_its_expiry_day() {
    let config = parse(ISSUE_EXAMPLE).unwrap();
    let entry = &config.suppress[0];
    assert!(!entry.is_expired(date("2027-03-01")));
    assert!(entry.is_expired(date("2027-03-02")));
}

/// The error message of a configuration that must be refused.
fn refused(text: &str) -> String {
    parse(text).map(|c| format!("{c:?}")).unwrap_err().0
}

/// Asserts that `text` is refused with an error naming every one of `needles`.
#[track_caller]
fn refused_naming(text: &str, needles: &[&str]) {
    let error = refused(text);
    for needle in needles {
        assert!(error.contains(needle), "lacks {needle:?}: {error}");
    }
}

#[test]
fn errors_name_the_line_and_the_key() {
    refused_naming(
        "regions = [\"eu-west-1\"]\nrole = \"x\"\n",
        &["line 2", "`role`"],
    );
    refused_naming(
        "[[suppress]]\nrule = \"apigw-read-any-aws-account\"\nreasons = \"x\"\n",
        &["line 3", "`reasons`"],
    );
    refused_naming("concurrency = \"four\"\n", &["line 1", "concurrency"]);
    refused_naming(
        "accounts = [\n",
        &["invalid configuration overexposed.toml"],
    );
    let fail_on = refused("fail_on = \"severe\"\n");
    assert!(
        fail_on.contains("fail_on") || fail_on.contains("severe"),
        "{fail_on}"
    );
}

#[test]
fn entries_that_would_suppress_too_much_or_say_too_little_are_refused() {
    refused_naming(
        "\n[[suppress]]\nmethod = \"GET\"\nreason = \"x\"\n",
        &["overexposed.toml:2", "at least"],
    );
    refused_naming(
        "[[suppress]]\nrule = \"apigw-read-any-aws-account\"\n",
        &["`reason` is required"],
    );
    refused_naming(
        "[[suppress]]\nrule = \"apigw-read-any-aws-account\"\nreason = \" \"\n",
        &["`reason` is required"],
    );
    refused_naming(
        "[[suppress]]\nrule = \"no-such-rule\"\nreason = \"x\"\n",
        &["unknown rule 'no-such-rule'"],
    );
    refused_naming(
        "[[suppress]]\nfingerprint = \"abc\"\nreason = \"x\"\n",
        &["32 hex digits"],
    );
    refused_naming("[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"x\"\nexpires = \"1 March\"\n", &["YYYY-MM-DD"]);
    refused_naming("[[suppress]]\nfingerprint = \"0123456789abcdef0123456789abcdef\"\nreason = \"x\"\nexpires = 2027-03-01T10:00:00Z\n", &["without a time of day"]);
}

#[test]
fn scan_defaults_are_checked() {
    refused_naming(
        "accounts = [\"111111111111\"]\norganization = true\n",
        &["exclude each other"],
    );
    refused_naming(
        "external_id_env = \"s3cr3t-value!\"\n",
        &["name of an environment variable"],
    );
}

#[test]
fn dates_are_days() {
    assert_eq!(format_date(date("2027-03-01")), "2027-03-01");
    for bad in ["2027-3-1", "2027-02-30", "27-03-01", "2027-03-01T00:00", ""] {
        assert!(parse_date(bad).is_none(), "{bad}");
    }
}

#[test]
fn an_explicit_file_must_exist() {
    let err = Config::load(Some(Path::new("/nonexistent/overexposed.toml"))).unwrap_err();
    assert!(err.0.contains("/nonexistent/overexposed.toml"), "{}", err.0);
}
