//! Merging snapshots (`analyze --inventory A --inventory B …`): the shards of one scan, or
//! scans of one scope over different accounts, into one inventory analysed as a whole, so a
//! path that crosses accounts (peering, endpoint services, partners) is judged with every
//! account's facts, exactly as in one unsharded scan.
//!
//! A merge is refused, naming what is wrong, rather than ever reporting less than it seems to:
//! snapshots of different scopes, a target read twice, shards of different plans or counts,
//! and above all a missing shard (its accounts would simply be absent, and the report clean).

use super::{AccountFailure, IamAccount, Inventory, ScanScope, ShardSpec, SkippedAccount};
use std::collections::{BTreeMap, BTreeSet};

/// Why snapshots could not be merged; the message names the files and what differs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot merge these snapshots: {0}")]
pub struct MergeError(pub String);

/// At most this many names in one message (a missing shard of 5,000 accounts need not list them all).
const LISTED: usize = 10;

fn listed<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    let mut text = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        text += &format!(" and {} more", items.len() - LISTED);
    }
    text
}

impl ScanScope {
    /// What a scope covers, in the words of the flags that chose it.
    pub fn describe(&self) -> String {
        let kinds = match (self.network, self.iam) {
            (true, true) => "API Gateway, network paths and IAM roles",
            (true, false) => "API Gateway and network paths, no IAM roles",
            (false, true) => "API Gateway and IAM roles (--no-network)",
            (false, false) => "API Gateway only (--no-network, no IAM roles)",
        };
        let accounts = if self.organization {
            format!(
                "the organization's {} accounts (--organization)",
                self.organization_accounts.len()
            )
        } else {
            "named accounts".into()
        };
        let regions = match &self.regions {
            Some(r) => format!("regions {}", r.join(",")),
            None => "every enabled region".into(),
        };
        format!("{kinds}, {accounts}, {regions}")
    }
}

/// Merges `parts` (each a snapshot and the name it was given by) into one inventory. One
/// snapshot that is not a shard is returned as it is.
pub fn merge(parts: Vec<(String, Inventory)>) -> Result<Inventory, MergeError> {
    let Some((first_name, first)) = parts.first() else {
        return Err(MergeError("no snapshot given".into()));
    };
    // Shards first: shards of different plans also differ in scope (an organization's
    // accounts), and the plans say better what differs.
    check_shards(&parts)?;
    for (name, inv) in &parts[1..] {
        if inv.scope != first.scope {
            return Err(MergeError(format!(
                "{first_name} and {name} are snapshots of different scopes ({} against {}): merge the shards of one scan",
                first.scope.describe(),
                inv.scope.describe()
            )));
        }
    }
    check_duplicates(&parts)?;
    if parts.len() == 1 {
        let (_, mut inv) = parts.into_iter().next().expect("one part");
        inv.shard = None;
        return Ok(inv);
    }
    let mut merged = Inventory {
        snapshot_version: first.snapshot_version,
        scope: first.scope.clone(),
        ..Default::default()
    };
    let mut skipped: BTreeMap<String, SkippedAccount> = BTreeMap::new();
    for (_, inv) in parts {
        // RFC 3339 times in UTC compare as text.
        if merged.started_at.is_empty() || inv.started_at < merged.started_at {
            merged.started_at = inv.started_at;
        }
        if inv.finished_at > merged.finished_at {
            merged.finished_at = inv.finished_at;
        }
        merged.targets.extend(inv.targets);
        merged.account_failures.extend(inv.account_failures);
        merged.unreached.extend(inv.unreached);
        merged.iam.extend(inv.iam);
        for s in inv.skipped_accounts {
            skipped.entry(s.account_id.clone()).or_insert(s);
        }
        for (op, n) in inv.api_calls {
            *merged.api_calls.entry(op).or_default() += n;
        }
    }
    // The order one unsharded scan writes: targets by account and region, accounts by id.
    merged
        .targets
        .sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    merged
        .account_failures
        .sort_by(|a, b| a.account_id.cmp(&b.account_id));
    merged.unreached.sort();
    merged.iam.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    merged.skipped_accounts = skipped.into_values().collect();
    Ok(merged)
}

/// Shards merge only with the other shards of the same scan, all of them, each once.
fn check_shards(parts: &[(String, Inventory)]) -> Result<(), MergeError> {
    let (sharded, whole): (Vec<_>, Vec<_>) = parts.iter().partition(|(_, inv)| inv.shard.is_some());
    let Some((first_name, first)) = sharded.first() else {
        return Ok(());
    };
    if let Some((name, _)) = whole.first() {
        return Err(MergeError(format!(
            "{first_name} is a shard of a scan and {name} is a whole scan: merge the shards of one scan only"
        )));
    }
    let plan = first.shard.as_ref().expect("sharded");
    let mut by_index: BTreeMap<u32, &str> = BTreeMap::new();
    for (name, inv) in &sharded {
        let shard = inv.shard.as_ref().expect("sharded");
        if shard.count != plan.count {
            return Err(MergeError(format!(
                "{first_name} is shard {} and {name} is shard {}: shards of scans cut differently",
                plan.spec(),
                shard.spec()
            )));
        }
        if shard.plan_accounts != plan.plan_accounts {
            let a: BTreeSet<&String> = plan.plan_accounts.iter().collect();
            let b: BTreeSet<&String> = shard.plan_accounts.iter().collect();
            let mut diff = Vec::new();
            let only_a: Vec<_> = a.difference(&b).collect();
            let only_b: Vec<_> = b.difference(&a).collect();
            if !only_a.is_empty() {
                diff.push(format!("only {first_name} plans {}", listed(only_a)));
            }
            if !only_b.is_empty() {
                diff.push(format!("only {name} plans {}", listed(only_b)));
            }
            return Err(MergeError(format!(
                "{first_name} and {name} were cut from different sets of accounts ({}): the organization changed between the shards' runs; collect every shard again",
                diff.join("; ")
            )));
        }
        if let Some(other) = by_index.insert(shard.index, name) {
            return Err(MergeError(format!(
                "shard {} is given twice: {other} and {name}",
                shard.spec()
            )));
        }
        let spec = shard.spec();
        let stray = inv
            .targets
            .iter()
            .map(|t| &t.account_id)
            .chain(inv.account_failures.iter().map(|f| &f.account_id))
            .chain(inv.unreached.iter().map(|t| &t.account_id))
            .chain(inv.iam.iter().map(|a| &a.account_id))
            .find(|a| !spec.owns(a));
        if let Some(account) = stray {
            return Err(MergeError(format!(
                "{name} (shard {spec}) holds account {account}, which is not in that shard: the file was not written by `collect --shard {spec}`"
            )));
        }
    }
    let missing: Vec<ShardSpec> = (1..=plan.count)
        .filter(|k| !by_index.contains_key(k))
        .map(|index| ShardSpec {
            index,
            count: plan.count,
        })
        .collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "shard(s) {} missing: without them their accounts would be absent from the report, not clean; pass every shard's snapshot",
            listed(&missing)
        )));
    }
    let covered: BTreeSet<&String> = sharded
        .iter()
        .flat_map(|(_, inv)| {
            inv.targets
                .iter()
                .map(|t| &t.account_id)
                .chain(inv.account_failures.iter().map(|f| &f.account_id))
                .chain(inv.unreached.iter().map(|t| &t.account_id))
        })
        .collect();
    let absent: Vec<&String> = plan
        .plan_accounts
        .iter()
        .filter(|a| !covered.contains(a))
        .collect();
    if !absent.is_empty() {
        return Err(MergeError(format!(
            "account(s) {} of the plan are in no shard's snapshot",
            listed(absent)
        )));
    }
    Ok(())
}

/// No account × region may be read by two snapshots (nor an account fail in one and be read
/// in another): which reading would the report believe?
fn check_duplicates(parts: &[(String, Inventory)]) -> Result<(), MergeError> {
    let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut failed: BTreeMap<&str, &str> = BTreeMap::new();
    let mut roles: BTreeMap<&str, &str> = BTreeMap::new();
    let mut duplicated: Vec<String> = Vec::new();
    let mut files: BTreeSet<&str> = BTreeSet::new();
    for (name, inv) in parts {
        let read = inv.targets.iter().map(|t| (&t.account_id, &t.region));
        let unread = inv.unreached.iter().map(|t| (&t.account_id, &t.region));
        for (account_id, region) in read.chain(unread) {
            if let Some(other) = seen.insert((account_id, region), name) {
                duplicated.push(format!("{account_id}/{region}"));
                files.extend([other, name.as_str()]);
            }
        }
        for AccountFailure { account_id, .. } in &inv.account_failures {
            if let Some(other) = failed.insert(account_id, name) {
                duplicated.push(account_id.clone());
                files.extend([other, name.as_str()]);
            }
        }
        for IamAccount { account_id, .. } in &inv.iam {
            if let Some(other) = roles.insert(account_id, name) {
                duplicated.push(format!("{account_id}/global (IAM roles)"));
                files.extend([other, name.as_str()]);
            }
        }
    }
    for ((account, region), name) in &seen {
        if let Some(other) = failed.get(account) {
            if other != name {
                duplicated.push(format!("{account}/{region}"));
                files.extend([*other, *name]);
            }
        }
    }
    if duplicated.is_empty() {
        return Ok(());
    }
    Err(MergeError(format!(
        "duplicated target(s) {} (in {}): each account × region must come from one snapshot",
        listed(&duplicated),
        listed(&files)
    )))
}

#[cfg(test)]
mod tests;
