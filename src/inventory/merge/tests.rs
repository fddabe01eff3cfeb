use super::*;
use crate::inventory::{ScanError, Shard, Target, SNAPSHOT_VERSION};

fn target(account: &str, region: &str) -> Target {
    Target {
        account_id: account.into(),
        region: region.into(),
        ..Default::default()
    }
}

/// Ten accounts, and the shard of 3 each one falls in.
fn accounts() -> Vec<(String, u32)> {
    (1..=10u64)
        .map(|n| {
            let a = format!("{:012}", 700_000_000_000 + n);
            let k = crate::inventory::shard_of(&a, 3);
            (a, k)
        })
        .collect()
}

/// Shard `k` of 3 of a scan of [`accounts`] in two regions, as `collect --shard k/3` writes it.
fn shard(k: u32) -> (String, Inventory) {
    let all = accounts();
    let mut inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at: format!("2026-12-01T10:0{k}:00Z"),
        finished_at: format!("2026-12-01T11:0{k}:00Z"),
        shard: Some(Shard {
            index: k,
            count: 3,
            plan_accounts: all.iter().map(|(a, _)| a.clone()).collect(),
        }),
        ..Default::default()
    };
    for (a, _) in all.iter().filter(|(_, s)| *s == k) {
        inv.targets.push(target(a, "eu-west-1"));
        inv.targets.push(target(a, "us-east-1"));
        *inv.api_calls.entry("sts:AssumeRole".into()).or_default() += 1;
    }
    (format!("shard-{k}.json"), inv)
}

#[test]
fn every_shard_merges_into_the_scan_in_its_order_with_calls_summed() {
    let shards: Vec<_> = (1..=3).map(shard).collect();
    // The balance of these ten accounts over three shards: none empty, so the order matters.
    assert!(shards.iter().all(|(_, s)| !s.targets.is_empty()));
    let merged = merge(vec![
        shards[2].clone(),
        shards[0].clone(),
        shards[1].clone(),
    ])
    .unwrap();
    let mut expected: Vec<(String, String)> = accounts()
        .into_iter()
        .flat_map(|(a, _)| {
            [
                (a.clone(), "eu-west-1".to_string()),
                (a, "us-east-1".to_string()),
            ]
        })
        .collect();
    expected.sort();
    let got: Vec<(String, String)> = merged
        .targets
        .iter()
        .map(|t| (t.account_id.clone(), t.region.clone()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(merged.api_calls["sts:AssumeRole"], 10);
    assert_eq!(merged.started_at, "2026-12-01T10:01:00Z");
    assert_eq!(merged.finished_at, "2026-12-01T11:03:00Z");
    assert_eq!(merged.shard, None, "the merge is the whole scan");
    assert!(merged.is_complete());
}

#[test]
fn a_missing_shard_is_refused_and_named() {
    let err = merge(vec![shard(1), shard(3)]).unwrap_err();
    assert!(err.0.contains("shard(s) 2/3 missing"), "{err}");
    let alone = merge(vec![shard(2)]).unwrap_err();
    assert!(alone.0.contains("shard(s) 1/3, 3/3 missing"), "{alone}");
}

#[test]
fn a_shard_given_twice_or_a_target_read_twice_is_refused() {
    let (_, again) = shard(2);
    let err = merge(vec![
        shard(1),
        shard(2),
        ("copy.json".into(), again),
        shard(3),
    ])
    .unwrap_err();
    assert!(
        err.0
            .contains("shard 2/3 is given twice: shard-2.json and copy.json"),
        "{err}"
    );
    // Two whole scans of one scope that both read an account × region.
    let a = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        targets: vec![target("111111111111", "us-east-1")],
        ..Default::default()
    };
    let mut b = a.clone();
    b.targets.push(target("222222222222", "us-east-1"));
    let err = merge(vec![("a.json".into(), a.clone()), ("b.json".into(), b)]).unwrap_err();
    assert!(
        err.0
            .contains("duplicated target(s) 111111111111/us-east-1 (in a.json, b.json)"),
        "{err}"
    );
    // An account that could not be entered in one scan and was read in another.
    let mut c = a.clone();
    c.targets.clear();
    c.account_failures.push(AccountFailure {
        account_id: "111111111111".into(),
        error: ScanError {
            operation: "sts:AssumeRole".into(),
            code: "AccessDenied".into(),
            message: "denied".into(),
            resource: None,
        },
    });
    let err = merge(vec![("a.json".into(), a), ("c.json".into(), c)]).unwrap_err();
    assert!(
        err.0
            .contains("duplicated target(s) 111111111111/us-east-1"),
        "{err}"
    );
}

#[test]
fn snapshots_of_different_scopes_or_plans_are_refused() {
    let (_, mut api_only) = shard(2);
    api_only.scope.network = false;
    let err = merge(vec![shard(1), ("api.json".into(), api_only), shard(3)]).unwrap_err();
    assert!(
        err.0.contains("shard-1.json and api.json are snapshots of different scopes (API Gateway and network paths, no IAM roles, named accounts, every enabled region against API Gateway only (--no-network, no IAM roles)"),
        "{err}"
    );
    let (_, mut grown) = shard(3);
    grown
        .shard
        .as_mut()
        .unwrap()
        .plan_accounts
        .push("799999999999".into());
    let err = merge(vec![shard(1), shard(2), ("late.json".into(), grown)]).unwrap_err();
    assert!(
        err.0.contains("only late.json plans 799999999999")
            && err.0.contains("organization changed"),
        "{err}"
    );
    let (_, mut recut) = shard(2);
    recut.shard.as_mut().unwrap().count = 4;
    let err = merge(vec![shard(1), ("recut.json".into(), recut)]).unwrap_err();
    assert!(err.0.contains("shards of scans cut differently"), "{err}");
    let whole = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        ..Default::default()
    };
    let err = merge(vec![shard(1), ("whole.json".into(), whole)]).unwrap_err();
    assert!(err.0.contains("whole.json is a whole scan"), "{err}");
}

#[test]
fn a_shard_holding_another_shards_account_or_missing_one_is_refused() {
    let (_, mut one) = shard(1);
    let (_, two) = shard(2);
    one.targets.push(two.targets[0].clone());
    let err = merge(vec![("one.json".into(), one), shard(2), shard(3)]).unwrap_err();
    assert!(err.0.contains("which is not in that shard"), "{err}");
    let (_, mut emptied) = shard(3);
    let lost = emptied.targets[0].account_id.clone();
    emptied.targets.retain(|t| t.account_id != lost);
    let err = merge(vec![shard(1), shard(2), ("three.json".into(), emptied)]).unwrap_err();
    assert!(
        err.0
            .contains(&format!("account(s) {lost} of the plan are in no shard")),
        "{err}"
    );
}

#[test]
fn one_whole_snapshot_is_itself_and_skipped_accounts_are_not_doubled() {
    let inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        targets: vec![target("111111111111", "us-east-1")],
        ..Default::default()
    };
    assert_eq!(merge(vec![("a.json".into(), inv.clone())]).unwrap(), inv);
    let skipped = SkippedAccount {
        account_id: "799999999990".into(),
        reason: "organization account state SUSPENDED".into(),
    };
    let parts: Vec<_> = (1..=3)
        .map(|k| {
            let (name, mut s) = shard(k);
            s.skipped_accounts.push(skipped.clone());
            (name, s)
        })
        .collect();
    assert_eq!(merge(parts).unwrap().skipped_accounts, vec![skipped]);
}
