//! The report of a scan ([`build_report`]) and its renderers: a `comfy-table` for people, JSON
//! for machines, SARIF 2.1.0 for GitHub code scanning, Markdown for summaries. Renderers never
//! decide anything themselves; each is a [`stream::Sink`] handed the findings one at a time, so
//! a report is written as the analysis goes (the `render_*` functions feed them an
//! [`AuditReport`] held in memory).

mod build;
pub mod json;
pub mod markdown;
pub mod rule_docs;
pub mod sarif;
pub mod stream;
pub mod suppression;
pub mod table;

pub use build::build_report;
pub use suppression::{Suppressed, SuppressionSummary};

use crate::inventory::{Notification, ScanError, TargetStatus};
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
    /// What the configuration's `[[suppress]]` entries did (absent when there were none).
    #[serde(default, skip_serializing_if = "SuppressionSummary::is_empty")]
    pub suppressions: SuppressionSummary,
    /// Suppressed findings by fingerprint; each finding's JSON carries its own as `suppressed`.
    #[serde(skip)]
    pub suppressed: BTreeMap<String, Suppressed>,
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
    /// The one shard of a scan cut into shards this report covers (`audit --shard K/N`);
    /// absent for a whole scan and for a merge of every shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::inventory::ShardSpec>,
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

    /// How complete the scan was, in the words the table and the CLI's summary line share:
    /// `scan complete`, or how many targets were not fully scanned, and whether the network
    /// paths were left out.
    pub fn status(&self) -> String {
        let mut status = if self.complete {
            "scan complete".to_string()
        } else {
            format!(
                "SCAN INCOMPLETE: {} could not be fully scanned",
                counted(self.failed_targets().count(), "target", "targets")
            )
        };
        // A clean API-only scan says nothing about the network paths: never let it read as clean.
        if !self.scope.network {
            status.push_str("; network paths not scanned (--no-network)");
        } else if !self.scope.lattice {
            // A snapshot from before VPC Lattice was read: its services were never judged.
            status.push_str("; VPC Lattice not read (the snapshot predates it)");
        }
        if let Some(shard) = self.shard {
            status.push_str(&format!("; shard {shard} only"));
        }
        status
    }
}

/// `1 finding`, `2 findings`: a count and its noun, in the right number.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The line on stderr when the report went to files only: how many findings, and the status.
pub fn one_line_summary(report: &AuditReport) -> String {
    one_line_summary_of(
        report.active_findings().count(),
        &report.suppressions,
        &report.scan,
    )
}

/// [`one_line_summary`] of a report written as its findings came: `active` findings not
/// suppressed.
pub fn one_line_summary_of(active: usize, summary: &SuppressionSummary, scan: &ScanInfo) -> String {
    let mut notes = Vec::new();
    if summary.suppressed > 0 {
        notes.push(format!("{} suppressed", summary.suppressed));
    }
    if !summary.expired.is_empty() {
        notes.push(counted(
            summary.expired.len(),
            "expired suppression",
            "expired suppressions",
        ));
    }
    if !summary.stale.is_empty() {
        notes.push(counted(
            summary.stale.len(),
            "stale suppression",
            "stale suppressions",
        ));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    format!(
        "overexposed: {}{notes}; {}",
        counted(active, "finding", "findings"),
        scan.status()
    )
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
            shard: None,
        },
        findings,
        suppressions: Default::default(),
        suppressed: Default::default(),
    }
}

#[cfg(test)]
mod tests;
