//! Renderers: a `comfy-table` for people, JSON for machines, SARIF 2.1.0 for GitHub code
//! scanning. They read an [`AuditReport`] and never decide anything themselves.

use crate::inventory::{AccountFailure, Notification, ScanError, TargetStatus};
use crate::model::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything a renderer needs: what was scanned, how completely, and what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub tool: ToolInfo,
    pub scan: ScanInfo,
    /// Sorted with [`Finding::sort_key`].
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanInfo {
    pub started_at: String,
    pub finished_at: String,
    /// False when any account or region could not be fully scanned.
    pub complete: bool,
    /// One per account × region, plus one per account that could not be entered
    /// (with `region` = `*`), and one per account whose IAM roles could not be read in full
    /// (with `region` = `global`).
    pub targets: Vec<TargetSummary>,
    /// Logical read calls per `service:Operation`.
    pub api_calls: BTreeMap<String, u64>,
    /// Accounts deliberately not scanned (suspended organization members), with why. They do
    /// not make the scan incomplete: there is nothing in them to enter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_accounts: Vec<crate::inventory::SkippedAccount>,
    /// What kinds of entry point were read: `complete` holds within this scope only.
    #[serde(default)]
    pub scope: crate::inventory::ScanScope,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub account_id: String,
    pub region: String,
    pub status: TargetStatus,
    /// The first error, for a quick read; all of them are in `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ScanError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<Notification>,
}

impl ScanInfo {
    pub fn failed_targets(&self) -> impl Iterator<Item = &TargetSummary> {
        self.targets
            .iter()
            .filter(|t| t.status != TargetStatus::Complete)
    }
}

pub fn account_failure_summary(f: &AccountFailure) -> TargetSummary {
    TargetSummary {
        account_id: f.account_id.clone(),
        region: "*".into(),
        status: TargetStatus::Failed,
        error: Some(format!(
            "{} {}: {}",
            f.error.operation, f.error.code, f.error.message
        )),
        errors: vec![f.error.clone()],
        notifications: vec![],
    }
}

/// An account whose IAM roles could not be read in full, as a target with region `global`
/// (IAM is global); `None` when they were.
pub fn iam_read_summary(a: &crate::inventory::IamAccount) -> Option<TargetSummary> {
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
        error: a
            .errors
            .first()
            .map(|e| format!("{} {}: {}", e.operation, e.code, e.message)),
        errors: a.errors.clone(),
        notifications: vec![],
    })
}

/// A complete, empty-scope report around `findings`, for the renderers' tests.
#[cfg(test)]
pub(crate) fn report_for_tests(findings: Vec<Finding>) -> AuditReport {
    AuditReport {
        tool: ToolInfo {
            name: "overexposed".into(),
            version: "0".into(),
        },
        scan: ScanInfo {
            started_at: String::new(),
            finished_at: String::new(),
            complete: true,
            targets: vec![],
            api_calls: Default::default(),
            skipped_accounts: vec![],
            scope: Default::default(),
        },
        findings,
    }
}

pub mod json;
pub mod sarif;
pub mod table;

/// A stable fingerprint: SHA-256 of the parts joined by the unit separator, hex, 32 chars.
/// Built from a finding's identity (rule, account, region, resource, stage, method, path),
/// never from its message, so it survives wording changes and dedupes across runs.
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(parts.join("\u{1f}").as_bytes());
    let digest = h.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
