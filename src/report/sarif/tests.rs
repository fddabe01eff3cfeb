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
