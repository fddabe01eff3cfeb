//! Suppressions and the baseline, end to end against the emulator: the configuration file,
//! entries that match, expire and go stale, `--fail-on` over what is left, and the adoption
//! flow (audit → baseline → audit again: clean; a new exposure then fails).

use crate::harness::{command, emulator, estate, id, run, scratch_file, Run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const SUPPRESS_ACCOUNT: &str = "810000000001";
const BASELINE_ACCOUNT: &str = "810000000002";

/// The binary against the emulator, in `cwd`.
fn overexposed(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = command(&emulator().endpoint);
    cmd.current_dir(cwd).args(args);
    run(cmd)
}

fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = scratch_file(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (method, path) of the findings, and of those among them that are suppressed.
fn routes(report: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut all = BTreeSet::new();
    let mut suppressed = BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        let route = format!(
            "{} {}",
            f["method"].as_str().unwrap(),
            f["path"].as_str().unwrap()
        );
        if f.get("suppressed").is_some() {
            suppressed.insert(route.clone());
        }
        all.insert(route);
    }
    (all, suppressed)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Asserts that `run` was refused (exit 2) with an error naming every one of `needles`.
#[track_caller]
fn assert_refused(run: &Run, needles: &[&str]) {
    assert_eq!(run.status, 2, "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "lacks {needle:?}: {}",
            run.stderr
        );
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn suppressions_match_expire_go_stale_and_never_trigger_fail_on() {
    let api = id(estate("ops-suppress"), "suppress_api");
    let dir = fresh_dir("suppress");
    // The scope and the gate come from the file, read from the working directory.
    let config = format!(
        r#"accounts = ["{SUPPRESS_ACCOUNT}"]
regions = ["us-east-1"]
fail_on = "critical"

[[suppress]]
rule = "apigw-unauthenticated-write-internet"
resource = "arn:aws:execute-api:*:{SUPPRESS_ACCOUNT}:{api}/*"
method = "post"
reason = "the upload form is public by design (SEC-123)"
expires = "2999-12-31"

[[suppress]]
rule = "apigw-unauthenticated-read-internet"
path = "/admin*"
reason = "a decision that ran out"
expires = "2020-01-01"

[[suppress]]
fingerprint = "00000000000000000000000000000000"
reason = "a finding that went away"
"#
    );
    std::fs::write(dir.join("overexposed.toml"), &config).unwrap();

    // The critical POST is suppressed; what is left is high, under the file's fail_on.
    let run = overexposed(
        &dir,
        &["audit", "-o", "r.json", "-o", "r.sarif", "-o", "r.txt"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "overexposed: 2 findings (1 suppressed, 1 expired suppression, 1 stale suppression); scan complete"
        ),
        "{}",
        run.stderr
    );
    let report = read_json(&dir.join("r.json"));
    let targets: Vec<(&str, &str)> = report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["account_id"].as_str().unwrap(),
                t["region"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(targets, [(SUPPRESS_ACCOUNT, "us-east-1")]);
    let (all, suppressed) = routes(&report);
    assert_eq!(all, set(&["GET /admin", "GET /reports", "POST /reports"]));
    assert_eq!(suppressed, set(&["POST /reports"]));
    let post = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["method"] == "POST")
        .unwrap();
    assert_eq!(
        post["suppressed"],
        serde_json::json!({
            "reason": "the upload form is public by design (SEC-123)",
            "expires": "2999-12-31",
            "by": "rule+resource+method",
            "entry": "overexposed.toml:5",
        })
    );
    assert_eq!(report["suppressions"]["suppressed"], 1);
    let expired = &report["suppressions"]["expired"];
    assert_eq!(expired.as_array().unwrap().len(), 1, "{expired}");
    assert_eq!(expired[0]["entry"], "overexposed.toml:12");
    assert_eq!(expired[0]["expires"], "2020-01-01");
    assert_eq!(expired[0]["matches"], 1);
    let stale = &report["suppressions"]["stale"];
    assert_eq!(stale.as_array().unwrap().len(), 1, "{stale}");
    assert_eq!(stale[0]["entry"], "overexposed.toml:18");

    // SARIF: the suppressed result is dismissed (external), the others are not; the expired
    // and stale entries are notifications.
    let sarif = read_json(&dir.join("r.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let dismissed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(dismissed.len(), 1);
    assert_eq!(
        dismissed[0]["ruleId"],
        "apigw-unauthenticated-write-internet"
    );
    assert_eq!(dismissed[0]["suppressions"][0]["kind"], "external");
    assert!(dismissed[0]["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .starts_with("the upload form is public by design (SEC-123) (until 2999-12-31)"));
    let notes: BTreeSet<&str> = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| n["descriptor"]["id"].as_str().unwrap())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        notes.contains("suppression-expired") && notes.contains("suppression-stale"),
        "{notes:?}"
    );

    // The table lists the suppressed finding in a section of its own.
    let table = std::fs::read_to_string(dir.join("r.txt")).unwrap();
    assert!(
        table.contains("2 findings (0 critical, 2 high, 0 medium, 0 low, 0 info) (1 suppressed)"),
        "{table}"
    );
    assert!(table.contains("Suppressed (accepted in the configuration):\n  critical apigw-unauthenticated-write-internet"), "{table}");
    assert!(table.contains("Expired suppressions"), "{table}");
    assert!(table.contains("Stale suppressions (they matched no finding):\n  overexposed.toml:18: fingerprint 00000000000000000000000000000000"), "{table}");

    // A flag wins over the file: the high findings left fail the run.
    let run = overexposed(
        &dir,
        &["audit", "--quiet", "--fail-on", "high", "-o", "r2.json"],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    // Without the suppression, the critical POST fails even the file's gate.
    let bare = fresh_dir("suppress-bare");
    std::fs::write(
        bare.join("overexposed.toml"),
        format!("accounts = [\"{SUPPRESS_ACCOUNT}\"]\nregions = [\"us-east-1\"]\nfail_on = \"critical\"\n"),
    )
    .unwrap();
    let run = overexposed(&bare, &["audit", "--quiet", "-o", "r.json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);

    // `analyze` applies the same file to a snapshot.
    let run = overexposed(
        &dir,
        &[
            "audit",
            "--quiet",
            "--snapshot",
            "snap.json",
            "-o",
            "r3.json",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let run = overexposed(
        &dir,
        &["analyze", "--inventory", "snap.json", "--format", "json"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(routes(&run.json()).1, set(&["POST /reports"]));
}

#[test]
fn a_bad_configuration_is_an_error_naming_the_line_and_the_key() {
    let dir = fresh_dir("bad-config");
    let missing = overexposed(
        &dir,
        &[
            "audit",
            "--config",
            "nope.toml",
            "--accounts",
            SUPPRESS_ACCOUNT,
        ],
    );
    assert_refused(&missing, &["could not read the configuration nope.toml"]);
    std::fs::write(
        dir.join("overexposed.toml"),
        "regions = [\"us-east-1\"]\n\n[[suppress]]\nrule = \"apigw-unauthenticated-read-internet\"\nreasn = \"typo\"\n",
    )
    .unwrap();
    for args in [
        &["audit", "--accounts", SUPPRESS_ACCOUNT][..],
        &["collect", "--accounts", SUPPRESS_ACCOUNT, "-o", "s.json"][..],
        &["analyze", "--inventory", "s.json"][..],
    ] {
        let run = overexposed(&dir, args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("invalid configuration overexposed.toml")
                && run.stderr.contains("line 5")
                && run.stderr.contains("unknown field `reasn`"),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::write(
        dir.join("catch-all.toml"),
        "[[suppress]]\npath = \"*\"\nreason = \"quiet, please\"\n",
    )
    .unwrap();
    let run = overexposed(
        &dir,
        &[
            "analyze",
            "--inventory",
            "s.json",
            "--config",
            "catch-all.toml",
        ],
    );
    assert_refused(&run, &["catch-all.toml:1", "at least a `rule`"]);
}

#[test]
fn baseline_adopts_an_estate_and_only_new_exposure_fails() {
    estate("ops-baseline");
    let dir = fresh_dir("baseline");
    let audit = [
        "audit",
        "--accounts",
        BASELINE_ACCOUNT,
        "--regions",
        "us-east-1",
        "--quiet",
        "-o",
        "report.json",
    ];

    let first = overexposed(&dir, &audit);
    assert_eq!(first.status, 1, "{}", first.stderr);
    let (before, _) = routes(&read_json(&dir.join("report.json")));
    assert_eq!(before, set(&["GET /orders", "POST /orders"]));

    // The team's own file, kept as it is: the baseline appends to it.
    let own = "# Nightly scan of the legacy account.\nregions = [\"us-east-1\"] # where it runs\n";
    std::fs::write(dir.join("overexposed.toml"), own).unwrap();
    let baseline = [
        "baseline",
        "--report",
        "report.json",
        "-o",
        "overexposed.toml",
        "--reason",
        "adopted as is (SEC-7)",
    ];
    let run = overexposed(&dir, &baseline);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("added 2 suppressions to overexposed.toml"),
        "{}",
        run.stderr
    );
    let written = std::fs::read_to_string(dir.join("overexposed.toml")).unwrap();
    assert!(written.starts_with(own), "{written}");
    assert_eq!(written.matches("[[suppress]]").count(), 2, "{written}");
    assert_eq!(
        written
            .matches("reason = \"adopted as is (SEC-7)\"")
            .count(),
        2,
        "{written}"
    );
    // Idempotent.
    let run = overexposed(&dir, &baseline);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("unchanged"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("overexposed.toml")).unwrap(),
        written
    );

    // Audited again: everything is suppressed, the gate passes.
    let again = overexposed(&dir, &audit);
    assert_eq!(again.status, 0, "{}", again.stderr);
    let (all, suppressed) = routes(&read_json(&dir.join("report.json")));
    assert_eq!(all, before);
    assert_eq!(suppressed, before);

    // A new exposure fails the gate, and only it is unsuppressed.
    estate("ops-baseline-new");
    let after = overexposed(&dir, &audit);
    assert_eq!(after.status, 1, "{}", after.stderr);
    let (all, suppressed) = routes(&read_json(&dir.join("report.json")));
    assert_eq!(all, set(&["DELETE /items", "GET /orders", "POST /orders"]));
    assert_eq!(suppressed, before);
}

#[test]
fn baseline_refuses_what_is_not_a_report() {
    let dir = fresh_dir("baseline-bad");
    std::fs::write(dir.join("snapshot.json"), "{\"targets\": []}").unwrap();
    let run = overexposed(&dir, &["baseline", "--report", "snapshot.json"]);
    assert_refused(&run, &["not a JSON report"]);
    assert!(!dir.join("overexposed.toml").exists());
    let run = overexposed(
        &dir,
        &["baseline", "--report", "snapshot.json", "--expires", "soon"],
    );
    assert_refused(&run, &["YYYY-MM-DD"]);
}
