use super::*;
use crate::inventory::{ScanScope, TargetStatus};
use crate::report::TargetSummary;

fn report(accounts: &[&str], scope: ScanScope) -> AuditReport {
    let mut r = crate::report::report_for_tests(vec![]);
    r.scan.scope = scope;
    r.scan.targets = accounts
        .iter()
        .map(|a| TargetSummary {
            account_id: a.to_string(),
            region: "us-east-1".into(),
            status: TargetStatus::Complete,
            error: None,
            errors: vec![],
            notifications: vec![],
        })
        .collect();
    r
}

#[test]
fn the_sarif_category_names_the_scope_and_nothing_that_changes_between_runs() {
    let full = ScanScope::default();
    assert_eq!(
        automation_id(
            &report(
                &["222222222222", "111111111111", "111111111111"],
                full.clone()
            ),
            None
        ),
        "overexposed/111111111111+222222222222/"
    );
    // An organization scan keeps its category as accounts join and leave.
    let org = ScanScope {
        organization: true,
        ..full.clone()
    };
    assert_eq!(
        automation_id(&report(&["111111111111"], org.clone()), None),
        automation_id(&report(&["111111111111", "333333333333"], org), None)
    );
    // Regions given narrow the scope: a scan of one region never closes another's alerts.
    let regions = ScanScope {
        regions: Some(vec!["eu-west-1".into(), "us-east-1".into()]),
        ..full.clone()
    };
    assert_eq!(
        automation_id(&report(&["111111111111"], regions), None),
        "overexposed/111111111111/eu-west-1+us-east-1/"
    );
    let api_only = ScanScope {
        network: false,
        organization: true,
        ..full
    };
    assert_eq!(
        automation_id(&report(&[], api_only.clone()), None),
        "overexposed-api-only/organization/"
    );
    // A category given wins, whatever the scope.
    let r = report(&["111111111111"], api_only);
    assert_eq!(automation_id(&r, Some("nightly/prod")), "nightly/prod/");
    let sarif: serde_json::Value =
        serde_json::from_str(&render_sarif(&r, Some("nightly/prod"))).unwrap();
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "nightly/prod/");
}

#[test]
fn a_split_upload_has_one_run_per_account_each_with_the_category_of_a_scan_of_it_alone() {
    let mut r = report(&["222222222222", "111111111111"], ScanScope::default());
    r.scan.targets[0].status = TargetStatus::Partial;
    let files = render_split(&r, None);
    let summary: Vec<(&str, &str, &str, usize)> = files
        .iter()
        .map(|f| {
            (
                f.account_id.as_str(),
                f.file_name.as_str(),
                f.automation_id.as_str(),
                f.results,
            )
        })
        .collect();
    // Accounts without findings get their file too: an empty run is what closes fixed alerts.
    assert_eq!(
        summary,
        [
            (
                "111111111111",
                "111111111111.sarif",
                "overexposed/111111111111/",
                0
            ),
            (
                "222222222222",
                "222222222222.sarif",
                "overexposed/222222222222/",
                0
            ),
        ]
    );
    let single = report(&["111111111111"], ScanScope::default());
    assert_eq!(automation_id(&single, None), files[0].automation_id);
    let runs: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::from_str::<serde_json::Value>(&f.text).unwrap()["runs"][0].clone())
        .collect();
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], true);
    assert_eq!(runs[1]["invocations"][0]["executionSuccessful"], false);

    let regions = ScanScope {
        regions: Some(vec!["eu-west-1".into(), "us-east-1".into()]),
        network: false,
        ..ScanScope::default()
    };
    let r = report(&["111111111111"], regions);
    assert_eq!(
        account_automation_id(&r, None, "111111111111"),
        "overexposed-api-only/111111111111/eu-west-1+us-east-1/"
    );
    assert_eq!(
        account_automation_id(&r, Some("nightly"), "111111111111"),
        "nightly/111111111111/"
    );
}

#[test]
fn the_limits_name_what_github_would_reject() {
    let r = report(&["111111111111"], ScanScope::default());
    let text = render_sarif(&r, None);
    assert_eq!(over_limits(&text, 25_000, &GITHUB_LIMITS), None);
    assert_eq!(
        over_limits(&text, 25_001, &GITHUB_LIMITS).unwrap(),
        "25001 results in one run, over GitHub's limit of 25000 per run"
    );
    let gzip = gzip_size(&text);
    assert!(gzip > 0 && gzip < text.len() as u64);
    let tight = Limits {
        gzip_bytes: gzip - 1,
        ..GITHUB_LIMITS
    };
    assert_eq!(
        over_limits(&text, 0, &tight).unwrap(),
        format!(
            "{gzip} bytes gzip-compressed, over GitHub's limit of {} per file",
            gzip - 1
        )
    );
    let few_tags = Limits {
        tags_per_rule: 0,
        ..GITHUB_LIMITS
    };
    assert!(over_limits(&text, 0, &few_tags)
        .unwrap()
        .contains("tags, over GitHub's limit of 0"));
    let few_rules = Limits {
        rules_per_run: 1,
        ..GITHUB_LIMITS
    };
    assert!(over_limits(&text, 0, &few_rules)
        .unwrap()
        .contains("rules, over GitHub's limit of 1 per run"));
}

/// The split SARIF files are written on several threads: every item once, results in the
/// items' order, and an error of any item is the result.
#[test]
fn work_in_parallel_keeps_the_order_and_the_first_error() {
    let items: Vec<u32> = (0..23).collect();
    for threads in 1..=5 {
        let doubled = super::split::in_parallel(&items, threads, |&i| Ok(i * 2)).unwrap();
        assert_eq!(
            doubled,
            items.iter().map(|i| i * 2).collect::<Vec<_>>(),
            "{threads}"
        );
        let failed = super::split::in_parallel(&items, threads, |&i| {
            if i == 17 {
                Err(std::io::Error::other("item 17"))
            } else {
                Ok(i)
            }
        });
        assert_eq!(failed.unwrap_err().to_string(), "item 17", "{threads}");
    }
    assert!(super::split::in_parallel(&[] as &[u32], 3, |&i| Ok(i))
        .unwrap()
        .is_empty());
}
