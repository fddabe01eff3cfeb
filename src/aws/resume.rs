//! Resumed collection (`collect --resume SNAPSHOT`) and the checkpoints that make a stopped
//! scan resumable.
//!
//! A scan writes its snapshot as it goes (every `--checkpoint-every` seconds, atomically), not
//! only at the end and not on a signal: a job killed outright (out of memory, a spot instance
//! reclaimed, a pod past its grace period) gets no chance to run a handler, and a periodic
//! checkpoint loses at most one interval of work whatever stopped the scan. The checkpoint is
//! an ordinary snapshot whose unread targets are listed in `unreached`, so it is never taken
//! for a complete scan.
//!
//! Resuming keeps every target the snapshot read in full and reads the rest: the targets that
//! failed, were partial or were not reached, and the accounts that could not be entered. An
//! account whose every target was read in full is not entered again (no `sts:AssumeRole`, no
//! `ec2:DescribeRegions`).

use super::CallCounter;
use crate::inventory::{IamAccount, Inventory, ScanError, Target, TargetRef, TargetStatus};
use crate::operation::Operation;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Receives each checkpoint of a running scan (a snapshot with its unread targets listed).
pub type CheckpointSink = Arc<dyn Fn(&Inventory) + Send + Sync>;

/// What a resumed scan keeps of the snapshot it resumes.
pub(crate) struct Resumed {
    /// Targets read in full, by account and region.
    complete: BTreeMap<(String, String), Target>,
    /// IAM roles read in full, by account.
    iam: BTreeMap<String, IamAccount>,
    /// Accounts whose every target (and roles, when the scan reads them) was read in full.
    finished: BTreeSet<String>,
    pub api_calls: BTreeMap<String, u64>,
    pub started_at: String,
}

fn read_in_full(t: &Target) -> bool {
    t.status == TargetStatus::Complete && t.errors.is_empty()
}

impl Resumed {
    /// `regions`: the regions the scan names (`None`: each account's enabled regions, as the
    /// snapshot found them).
    pub(crate) fn of(previous: &Inventory, regions: Option<&[String]>) -> Resumed {
        let mut complete = BTreeMap::new();
        let mut unfinished: BTreeSet<&str> = BTreeSet::new();
        for t in &previous.targets {
            if read_in_full(t) {
                complete.insert((t.account_id.clone(), t.region.clone()), t.clone());
            } else {
                unfinished.insert(&t.account_id);
            }
        }
        unfinished.extend(previous.unreached.iter().map(|t| t.account_id.as_str()));
        let mut iam = BTreeMap::new();
        for a in &previous.iam {
            if a.status == TargetStatus::Complete && a.errors.is_empty() {
                iam.insert(a.account_id.clone(), a.clone());
            } else {
                unfinished.insert(&a.account_id);
            }
        }
        unfinished.extend(
            previous
                .account_failures
                .iter()
                .map(|f| f.account_id.as_str()),
        );
        let mut finished: BTreeSet<String> = complete
            .keys()
            .map(|(account, _)| account.clone())
            .filter(|a| !unfinished.contains(a.as_str()))
            .collect();
        if previous.scope.iam {
            finished.retain(|a| iam.contains_key(a));
        }
        if let Some(regions) = regions {
            finished.retain(|a| {
                regions
                    .iter()
                    .all(|r| complete.contains_key(&(a.clone(), r.clone())))
            });
        }
        Resumed {
            complete,
            iam,
            finished,
            api_calls: previous.api_calls.clone(),
            started_at: previous.started_at.clone(),
        }
    }

    /// Whether every target of `account` was read in full: it need not be entered again.
    pub(crate) fn is_finished(&self, account: &str) -> bool {
        self.finished.contains(account)
    }

    /// The targets of a finished account (of the named regions only, when regions are named).
    pub(crate) fn take_account(
        &mut self,
        account: &str,
        regions: Option<&[String]>,
    ) -> Vec<Target> {
        let keys: Vec<(String, String)> = self
            .complete
            .range((account.to_string(), String::new())..)
            .take_while(|((a, _), _)| a == account)
            .map(|(k, _)| k.clone())
            .filter(|(_, r)| regions.is_none_or(|named| named.contains(r)))
            .collect();
        keys.iter()
            .filter_map(|k| self.complete.remove(k))
            .collect()
    }

    /// The target of `account` in `region`, when the snapshot read it in full.
    pub(crate) fn take(&mut self, account: &str, region: &str) -> Option<Target> {
        self.complete
            .remove(&(account.to_string(), region.to_string()))
    }
}

impl Resumed {
    /// The roles of `account`, when the snapshot read them in full.
    pub(crate) fn take_iam(&mut self, account: &str) -> Option<IamAccount> {
        self.iam.remove(account)
    }
}

/// The roles of an account not read yet, as a checkpoint records them: a failed read (a gap
/// that makes the scan incomplete), never an account without roles.
pub(crate) fn not_reached_iam(account_id: &str) -> IamAccount {
    IamAccount {
        account_id: account_id.to_string(),
        status: TargetStatus::Failed,
        errors: vec![ScanError {
            operation: Operation::IamGetAccountAuthorizationDetails.into(),
            code: "NotReached".into(),
            message: "the scan stopped before reading this account's IAM roles; `overexposed collect --resume` reads them".into(),
            resource: None,
        }],
        ..Default::default()
    }
}

/// Adds `more` calls to `calls`: a resumed snapshot counts every call spent to produce it.
pub(crate) fn add_calls(calls: &mut BTreeMap<String, u64>, more: &BTreeMap<String, u64>) {
    for (op, n) in more {
        *calls.entry(op.clone()).or_default() += n;
    }
}

/// The IAM reads of a running scan, as each account's ends.
pub(crate) type IamReads = Arc<Mutex<Vec<IamAccount>>>;

/// Writes checkpoints of a running scan, at most one per interval.
pub(crate) struct Checkpointer {
    /// Everything but what this run reads: scope, shard, failures, kept targets and roles, and
    /// a not-reached read of each account's roles to read.
    header: Inventory,
    planned: Vec<TargetRef>,
    iam: IamReads,
    calls: CallCounter,
    sink: CheckpointSink,
    every: Duration,
    last: Instant,
    /// Targets and roles read at the last checkpoint.
    written: (usize, usize),
}

impl Checkpointer {
    pub(crate) fn new(
        header: Inventory,
        planned: Vec<TargetRef>,
        iam: IamReads,
        calls: CallCounter,
        sink: CheckpointSink,
        every: Duration,
    ) -> Checkpointer {
        Checkpointer {
            header,
            planned,
            iam,
            calls,
            sink,
            every,
            last: Instant::now(),
            written: (0, 0),
        }
    }

    /// The time until the next checkpoint is due.
    pub(crate) fn due_in(&self) -> Duration {
        self.every.saturating_sub(self.last.elapsed())
    }

    /// Writes a checkpoint with `done` read if one is due and more was read since the last.
    pub(crate) fn tick(&mut self, done: &[Target]) {
        if self.last.elapsed() < self.every {
            return;
        }
        if (done.len(), self.iam_read()) == self.written {
            self.last = Instant::now();
            return;
        }
        self.write(done);
    }

    fn iam_read(&self) -> usize {
        self.iam.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Writes a checkpoint with `done` read, now.
    pub(crate) fn write(&mut self, done: &[Target]) {
        let roles: Vec<IamAccount> = self.iam.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let read: HashSet<(&str, &str)> = done
            .iter()
            .map(|t| (t.account_id.as_str(), t.region.as_str()))
            .collect();
        let mut inv = self.header.clone();
        inv.targets.extend(done.iter().cloned());
        inv.targets
            .sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
        inv.unreached = self
            .planned
            .iter()
            .filter(|t| !read.contains(&(t.account_id.as_str(), t.region.as_str())))
            .cloned()
            .collect();
        // Each account read replaces its not-reached placeholder.
        for read in &roles {
            match inv.iam.iter_mut().find(|a| a.account_id == read.account_id) {
                Some(slot) => *slot = read.clone(),
                None => inv.iam.push(read.clone()),
            }
        }
        inv.iam.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        add_calls(&mut inv.api_calls, &self.calls.snapshot());
        inv.finished_at = super::collect::now_rfc3339();
        (self.sink)(&inv);
        self.last = Instant::now();
        self.written = (done.len(), roles.len());
    }
}

#[cfg(test)]
mod tests;
