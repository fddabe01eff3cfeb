//! Suppressions applied to a report: which findings an entry of the configuration suppresses,
//! which entries expired, and which matched nothing (stale). A suppressed finding stays in the
//! report, marked; it only stops counting for `--fail-on`.

use super::AuditReport;
use crate::config::SuppressEntry;
use crate::model::Finding;
use serde::{Deserialize, Serialize};
use time::Date;

/// How a finding was suppressed: the JSON report's `suppressed` on the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The criteria of the entry that matched, joined with `+` (`fingerprint`, `rule+resource`).
    pub by: String,
    /// `FILE:LINE` of the entry.
    pub entry: String,
}

/// An entry worth a word in the report: expired, or stale (it matched nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryNote {
    /// `FILE:LINE` of the entry.
    pub entry: String,
    /// What it names: `rule apigw-…, resource arn:…`.
    pub criteria: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Findings of this report it matches (for an expired entry: what it no longer suppresses).
    pub matches: usize,
}

/// The suppressions' part of the report (JSON `suppressions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionSummary {
    /// Findings suppressed (they stay in `findings`, each with its `suppressed`).
    pub suppressed: usize,
    /// Entries past their `expires` date: they suppress nothing.
    #[serde(default)]
    pub expired: Vec<EntryNote>,
    /// Entries that matched no finding: remove them, or fix what they name.
    #[serde(default)]
    pub stale: Vec<EntryNote>,
}

impl SuppressionSummary {
    pub fn is_empty(&self) -> bool {
        self.suppressed == 0 && self.expired.is_empty() && self.stale.is_empty()
    }
}

fn note(entry: &SuppressEntry, matches: usize) -> EntryNote {
    EntryNote {
        entry: entry.location.clone(),
        criteria: entry.criteria(),
        reason: entry.reason.clone(),
        expires: entry.expires_label(),
        matches,
    }
}

/// Marks the findings of `report` that `entries` suppress (as of `today`, UTC), and records the
/// expired and stale entries. The first live entry in file order that matches a finding is the
/// one named on it.
pub fn apply(report: &mut AuditReport, entries: &[SuppressEntry], today: Date) {
    let mut matches = vec![0usize; entries.len()];
    let mut marks = std::collections::BTreeMap::new();
    for f in &report.findings {
        let mut chosen: Option<&SuppressEntry> = None;
        for (i, entry) in entries.iter().enumerate() {
            if entry.matches(f) {
                matches[i] += 1;
                if chosen.is_none() && !entry.is_expired(today) {
                    chosen = Some(entry);
                }
            }
        }
        if let Some(entry) = chosen {
            marks.insert(f.fingerprint.clone(), suppressed_by(entry));
        }
    }
    let mut summary = SuppressionSummary {
        suppressed: report
            .findings
            .iter()
            .filter(|f| marks.contains_key(&f.fingerprint))
            .count(),
        ..Default::default()
    };
    for (entry, &n) in entries.iter().zip(&matches) {
        if entry.is_expired(today) {
            summary.expired.push(note(entry, n));
        } else if n == 0 {
            summary.stale.push(note(entry, 0));
        }
    }
    report.suppressed = marks;
    report.suppressions = summary;
}

fn suppressed_by(entry: &SuppressEntry) -> Suppressed {
    Suppressed {
        reason: entry.reason.clone(),
        expires: entry.expires_label(),
        by: entry.by(),
        entry: entry.location.clone(),
    }
}

impl AuditReport {
    /// How `f` was suppressed, if it was.
    pub fn suppression(&self, f: &Finding) -> Option<&Suppressed> {
        self.suppressed.get(&f.fingerprint)
    }

    /// The findings no suppression covers: the ones `--fail-on` and the counts judge.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| !self.suppressed.contains_key(&f.fingerprint))
    }

    /// The suppressed findings, in report order.
    pub fn suppressed_findings(&self) -> impl Iterator<Item = (&Finding, &Suppressed)> {
        self.findings
            .iter()
            .filter_map(|f| self.suppression(f).map(|s| (f, s)))
    }
}
