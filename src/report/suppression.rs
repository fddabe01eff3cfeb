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
    let mut suppressor = Suppressor::new(entries, today);
    let mut marks = std::collections::BTreeMap::new();
    for f in &report.findings {
        if let Some(s) = suppressor.check(f) {
            marks.insert(f.fingerprint.clone(), s);
        }
    }
    report.suppressed = marks;
    report.suppressions = suppressor.summary();
}

/// Suppression one finding at a time, as a report is written: what suppresses each finding,
/// and counters for the entries' summary at the end (no finding is kept).
pub struct Suppressor<'a> {
    index: SuppressionIndex<'a>,
    tally: SuppressionTally,
}

impl<'a> Suppressor<'a> {
    pub fn new(entries: &'a [SuppressEntry], today: Date) -> Suppressor<'a> {
        let index = SuppressionIndex::new(entries, today);
        let tally = index.tally();
        Suppressor { index, tally }
    }

    /// How `f` is suppressed, if it is: by the first live entry in file order that matches it.
    pub fn check(&mut self, f: &Finding) -> Option<Suppressed> {
        let matched = self.index.matching(f);
        self.tally.record(&matched);
        matched.suppressed
    }

    /// The findings suppressed, and the expired and stale entries, of the findings checked.
    pub fn summary(&self) -> SuppressionSummary {
        self.tally.summary(&self.index)
    }
}

/// The entries of a configuration, ready to match findings on any thread ([`Suppressor`] in
/// two parts: the report writer keeps the [`SuppressionTally`], the analysis threads match).
pub struct SuppressionIndex<'a> {
    entries: &'a [SuppressEntry],
    today: Date,
    /// The entries that name no fingerprint, in file order: each finding is checked against
    /// them all.
    general: Vec<usize>,
    /// The entries that name a fingerprint, by it: a baseline of a large estate is one entry
    /// per finding, and a finding is checked only against its own.
    by_fingerprint: std::collections::HashMap<&'a str, Vec<usize>>,
}

/// What the entries of a [`SuppressionIndex`] make of one finding.
#[derive(Debug, Default)]
pub struct Matched {
    /// The entries that match it, live or expired, in file order.
    entries: Vec<usize>,
    /// How it is suppressed: by the first live entry among them.
    pub suppressed: Option<Suppressed>,
}

/// The counters of the suppressions' summary: findings suppressed, and what each entry matched.
pub struct SuppressionTally {
    matches: Vec<usize>,
    suppressed: usize,
}

impl<'a> SuppressionIndex<'a> {
    pub fn new(entries: &'a [SuppressEntry], today: Date) -> SuppressionIndex<'a> {
        let mut general = Vec::new();
        let mut by_fingerprint: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, entry) in entries.iter().enumerate() {
            match entry.fingerprint.as_deref() {
                Some(fp) => by_fingerprint.entry(fp).or_default().push(i),
                None => general.push(i),
            }
        }
        SuppressionIndex {
            entries,
            today,
            general,
            by_fingerprint,
        }
    }

    /// Counters for the findings this index will match.
    pub fn tally(&self) -> SuppressionTally {
        SuppressionTally {
            matches: vec![0; self.entries.len()],
            suppressed: 0,
        }
    }

    /// The entries that match `f`, and how it is suppressed (no allocation for a finding
    /// nothing matches).
    pub fn matching(&self, f: &Finding) -> Matched {
        let named = self
            .by_fingerprint
            .get(f.fingerprint.as_str())
            .map_or(&[][..], Vec::as_slice);
        let mut entries: Vec<usize> = self
            .general
            .iter()
            .chain(named)
            .copied()
            .filter(|&i| self.entries[i].matches(f))
            .collect();
        // File order decides which entry is named on the finding.
        entries.sort_unstable();
        let suppressed = entries
            .iter()
            .map(|&i| &self.entries[i])
            .find(|entry| !entry.is_expired(self.today))
            .map(suppressed_by);
        Matched {
            entries,
            suppressed,
        }
    }
}

impl SuppressionTally {
    /// Counts what `matched` says of one finding.
    pub fn record(&mut self, matched: &Matched) {
        for &i in &matched.entries {
            self.matches[i] += 1;
        }
        self.suppressed += usize::from(matched.suppressed.is_some());
    }

    /// The findings suppressed, and the expired and stale entries, of the findings recorded.
    pub fn summary(&self, index: &SuppressionIndex) -> SuppressionSummary {
        let mut summary = SuppressionSummary {
            suppressed: self.suppressed,
            ..Default::default()
        };
        for (entry, &n) in index.entries.iter().zip(&self.matches) {
            if entry.is_expired(index.today) {
                summary.expired.push(note(entry, n));
            } else if n == 0 {
                summary.stale.push(note(entry, 0));
            }
        }
        summary
    }
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
