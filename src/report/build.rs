//! The report of a scan: its inventory's targets summarised, and the findings of its analysis.

use super::{AuditReport, ScanInfo, TargetSummary, ToolInfo};
use crate::inventory::{
    AccountFailure, IamAccount, Inventory, ScanError, Target, TargetRef, TargetStatus,
};
use crate::model::Finding;
use crate::operation::SCAN_TARGET_STEP;

/// The report a renderer reads: what `inv` covered, how completely, and `findings` (as
/// [`crate::analysis::analyze`] returns them for `inv`).
pub fn build_report(inv: &Inventory, findings: Vec<Finding>) -> AuditReport {
    let mut targets: Vec<TargetSummary> = inv.targets.iter().map(target_summary).collect();
    targets.extend(inv.account_failures.iter().map(account_failure_summary));
    targets.extend(inv.unreached.iter().map(unreached_summary));
    targets.extend(inv.iam.iter().filter_map(iam_read_summary));
    targets.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    AuditReport {
        tool: ToolInfo {
            name: "overexposed".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scan: ScanInfo {
            started_at: inv.started_at.clone(),
            finished_at: inv.finished_at.clone(),
            complete: inv.is_complete(),
            targets,
            api_calls: inv.api_calls.clone(),
            skipped_accounts: inv.skipped_accounts.clone(),
            scope: inv.scope.clone(),
            shard: inv.shard.as_ref().map(|s| s.spec()),
        },
        findings,
        suppressions: Default::default(),
        suppressed: Default::default(),
    }
}

fn target_summary(t: &Target) -> TargetSummary {
    TargetSummary {
        account_id: t.account_id.clone(),
        region: t.region.clone(),
        status: t.status,
        error: t.errors.first().map(error_line),
        errors: t.errors.clone(),
        notifications: t.notifications.clone(),
    }
}

/// An account that could not be entered, as a target of every region (`*`) that failed.
fn account_failure_summary(f: &AccountFailure) -> TargetSummary {
    TargetSummary {
        account_id: f.account_id.clone(),
        region: "*".into(),
        status: TargetStatus::Failed,
        error: Some(error_line(&f.error)),
        errors: vec![f.error.clone()],
        notifications: vec![],
    }
}

/// A target the scan never read (a checkpoint of a scan that stopped): a gap like any failure.
fn unreached_summary(t: &TargetRef) -> TargetSummary {
    let error = ScanError {
        operation: SCAN_TARGET_STEP.into(),
        code: "NotReached".into(),
        message:
            "the scan stopped before reading this target; `overexposed collect --resume` reads it"
                .into(),
        resource: None,
    };
    TargetSummary {
        account_id: t.account_id.clone(),
        region: t.region.clone(),
        status: TargetStatus::Failed,
        error: Some(error_line(&error)),
        errors: vec![error],
        notifications: vec![],
    }
}

/// An account whose IAM roles could not be read in full, as a target of region `global` (IAM
/// is global); `None` when they were.
fn iam_read_summary(a: &IamAccount) -> Option<TargetSummary> {
    if a.status == TargetStatus::Complete && a.errors.is_empty() {
        return None;
    }
    Some(TargetSummary {
        account_id: a.account_id.clone(),
        region: "global".into(),
        status: if a.status == TargetStatus::Complete {
            TargetStatus::Partial
        } else {
            a.status
        },
        error: a.errors.first().map(error_line),
        errors: a.errors.clone(),
        notifications: vec![],
    })
}

/// `operation code: message`, the quick read of a target's first error.
fn error_line(e: &ScanError) -> String {
    format!("{} {}: {}", e.operation, e.code, e.message)
}
