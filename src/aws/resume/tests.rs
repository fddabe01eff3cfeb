use super::*;
use crate::inventory::{AccountFailure, ScanError};
use std::sync::Mutex;

fn target(account: &str, region: &str, status: TargetStatus) -> Target {
    Target {
        account_id: account.into(),
        region: region.into(),
        status,
        ..Default::default()
    }
}

fn target_ref(account: &str, region: &str) -> TargetRef {
    TargetRef {
        account_id: account.into(),
        region: region.into(),
    }
}

/// Account 1 read in full in both regions; 2 partial in one; 3 failed to enter; 4 read in one
/// region before the scan stopped; 5 read in one region only (its only enabled one).
fn stopped_scan() -> Inventory {
    let mut partial = target("222222222222", "us-east-1", TargetStatus::Partial);
    partial.errors.push(ScanError {
        operation: "apigateway:GetStages".into(),
        code: "ThrottlingException".into(),
        message: "rate exceeded".into(),
        resource: None,
    });
    Inventory {
        started_at: "2026-12-01T10:00:00Z".into(),
        targets: vec![
            target("111111111111", "eu-west-1", TargetStatus::Complete),
            target("111111111111", "us-east-1", TargetStatus::Complete),
            target("222222222222", "eu-west-1", TargetStatus::Complete),
            partial,
            target("444444444444", "eu-west-1", TargetStatus::Complete),
            target("555555555555", "us-east-1", TargetStatus::Complete),
        ],
        account_failures: vec![AccountFailure {
            account_id: "333333333333".into(),
            error: ScanError {
                operation: "sts:AssumeRole".into(),
                code: "AccessDenied".into(),
                message: "denied".into(),
                resource: None,
            },
        }],
        unreached: vec![target_ref("444444444444", "us-east-1")],
        api_calls: [("sts:AssumeRole".to_string(), 4)].into_iter().collect(),
        ..Default::default()
    }
}

#[test]
fn only_accounts_read_in_full_are_not_entered_again() {
    let resumed = Resumed::of(&stopped_scan(), None);
    let finished: Vec<&str> = [
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
        "555555555555",
    ]
    .into_iter()
    .filter(|a| resumed.is_finished(a))
    .collect();
    // 2 has a partial target, 3 was never entered, 4 was not reached everywhere.
    assert_eq!(finished, ["111111111111", "555555555555"]);
    // With regions named, an account is finished only when every named region was read.
    let named = ["eu-west-1".to_string(), "us-east-1".to_string()];
    let resumed = Resumed::of(&stopped_scan(), Some(&named));
    assert!(resumed.is_finished("111111111111"));
    assert!(
        !resumed.is_finished("555555555555"),
        "eu-west-1 was never read"
    );
    assert_eq!(resumed.api_calls["sts:AssumeRole"], 4);
    // A scan that reads roles: an account is finished only with its roles read in full.
    let mut with_roles = stopped_scan();
    with_roles.scope.iam = true;
    with_roles.iam = vec![
        IamAccount {
            account_id: "111111111111".into(),
            ..Default::default()
        },
        not_reached_iam("555555555555"),
    ];
    let mut resumed = Resumed::of(&with_roles, None);
    assert!(resumed.is_finished("111111111111"));
    assert!(!resumed.is_finished("555555555555"));
    assert!(resumed.take_iam("111111111111").is_some());
    assert!(resumed.take_iam("555555555555").is_none());
    assert_eq!(resumed.started_at, "2026-12-01T10:00:00Z");
}

#[test]
fn targets_read_in_full_are_kept_and_the_others_are_read_again() {
    let mut resumed = Resumed::of(&stopped_scan(), None);
    let kept: Vec<(String, String)> = resumed
        .take_account("111111111111", None)
        .into_iter()
        .map(|t| (t.account_id, t.region))
        .collect();
    assert_eq!(
        kept,
        [
            ("111111111111".to_string(), "eu-west-1".to_string()),
            ("111111111111".to_string(), "us-east-1".to_string())
        ]
    );
    // An account entered again keeps its complete regions, not its partial one.
    assert!(resumed.take("222222222222", "eu-west-1").is_some());
    assert!(resumed.take("222222222222", "us-east-1").is_none());
    assert!(resumed.take("444444444444", "us-east-1").is_none());
    let named = ["us-east-1".to_string()];
    assert_eq!(resumed.take_account("555555555555", Some(&named)).len(), 1);
}

#[test]
fn a_checkpoint_lists_what_is_not_read_yet_and_counts_every_call() {
    let written: Arc<Mutex<Vec<Inventory>>> = Arc::default();
    let sink: CheckpointSink = {
        let written = written.clone();
        Arc::new(move |inv: &Inventory| written.lock().unwrap().push(inv.clone()))
    };
    let calls = CallCounter::default();
    let header = Inventory {
        targets: vec![target("111111111111", "us-east-1", TargetStatus::Complete)],
        api_calls: [("sts:AssumeRole".to_string(), 2)].into_iter().collect(),
        iam: vec![not_reached_iam("222222222222")],
        ..Default::default()
    };
    let roles = IamReads::default();
    let planned = vec![
        target_ref("222222222222", "eu-west-1"),
        target_ref("222222222222", "us-east-1"),
    ];
    let mut cp = Checkpointer::new(
        header,
        planned,
        roles.clone(),
        calls.clone(),
        sink,
        Duration::from_secs(3600),
    );
    cp.write(&[]);
    calls.inc(crate::operation::Operation::StsAssumeRole);
    let done = [target("222222222222", "us-east-1", TargetStatus::Complete)];
    roles.lock().unwrap().push(IamAccount {
        account_id: "222222222222".into(),
        ..Default::default()
    });
    cp.tick(&done);
    cp.write(&done);
    let written = written.lock().unwrap();
    assert_eq!(
        written.len(),
        2,
        "the tick within the interval wrote nothing"
    );
    assert_eq!(written[0].unreached.len(), 2);
    assert_eq!(written[0].iam[0].errors[0].code, "NotReached");
    assert_eq!(written[1].iam.len(), 1);
    assert!(
        written[1].iam[0].errors.is_empty(),
        "the read replaced the placeholder"
    );
    assert!(!written[0].is_complete());
    assert_eq!(
        written[1].unreached,
        [target_ref("222222222222", "eu-west-1")]
    );
    assert_eq!(written[1].targets.len(), 2);
    assert_eq!(written[1].api_calls["sts:AssumeRole"], 3);
}
