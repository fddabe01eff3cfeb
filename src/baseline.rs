//! `overexposed baseline`: accept every finding of a report by appending one `[[suppress]]`
//! entry per fingerprint to a configuration. The way to adopt the tool on an existing estate
//! and gate only on new exposure.
//!
//! The configuration is appended to as text, never re-serialised: its comments, order and
//! layout stay exactly as they were. A second run over the same report adds nothing.

use crate::cli::{write_atomically, UsageError};
use crate::config::{format_date, Config};
use crate::report::counted;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use time::Date;

/// One finding of a report, as the baseline needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub fingerprint: String,
    /// `severity rule account/region resource method path`, written as a comment above the
    /// entry so that a reader knows what the fingerprint stands for.
    pub summary: String,
}

/// The findings of a JSON report that no suppression covers yet, each fingerprint once.
pub fn unsuppressed_findings(report: &Value) -> Result<Vec<Accepted>, String> {
    let findings = match (report.get("tool"), report.get("findings")) {
        (Some(_), Some(Value::Array(findings))) => findings,
        _ => {
            return Err(
                "it is not a JSON report of `overexposed audit` or `analyze` (no `tool` and \
                 `findings`)"
                    .into(),
            )
        }
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for f in findings {
        if f.get("suppressed").is_some() {
            continue;
        }
        let text = |key: &str| f.get(key).and_then(Value::as_str).unwrap_or("?");
        let fingerprint = text("fingerprint");
        if fingerprint == "?" {
            return Err("a finding has no `fingerprint`".into());
        }
        if !seen.insert(fingerprint.to_string()) {
            continue;
        }
        let summary = format!(
            "{} {} {}/{} {} {} {}",
            text("severity"),
            text("rule_id"),
            text("account_id"),
            text("region"),
            text("resource_arn"),
            text("method"),
            text("path"),
        );
        out.push(Accepted {
            fingerprint: fingerprint.to_string(),
            summary: summary.replace(|c: char| c.is_control(), " "),
        });
    }
    Ok(out)
}

/// The text appended to the configuration for `accepted` (empty when there is nothing to add).
pub fn entries_text(
    accepted: &[Accepted],
    reason: &str,
    expires: Option<Date>,
    today: Date,
    source: &str,
) -> String {
    if accepted.is_empty() {
        return String::new();
    }
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "\n# Baseline of {} from {}: {} accepted.\n",
        format_date(today),
        source.replace(|c: char| c.is_control(), " "),
        counted(accepted.len(), "finding", "findings")
    );
    for a in accepted {
        out.push_str("\n[[suppress]]\n");
        out.push_str(&format!("# {}\n", a.summary));
        out.push_str(&format!("fingerprint = {}\n", quoted(&a.fingerprint)));
        out.push_str(&format!("reason = {}\n", quoted(reason)));
        if let Some(d) = expires {
            out.push_str(&format!("expires = {}\n", quoted(&format_date(d))));
        }
    }
    out
}

/// Reads the report, appends the entries the configuration at `output` lacks, and says what it
/// did.
pub fn run(
    report: &Path,
    output: &Path,
    reason: Option<String>,
    expires: Option<Date>,
    today: Date,
) -> Result<String, UsageError> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| UsageError(format!("could not read {}: {e}", report.display())))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "{} is not a JSON report of `overexposed audit` or `analyze`: {e}",
            report.display()
        ))
    })?;
    let findings = unsuppressed_findings(&json)
        .map_err(|why| UsageError(format!("{}: {why}", report.display())))?;
    let existing = match std::fs::read_to_string(output) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(UsageError(format!(
                "could not read {}: {e}",
                output.display()
            )))
        }
    };
    // An invalid configuration is not appended to: the result would be just as invalid.
    let config = Config::parse(&existing, output)?;
    let known: BTreeSet<&str> = config
        .suppress
        .iter()
        .filter_map(|e| e.fingerprint.as_deref())
        .collect();
    let new: Vec<Accepted> = findings
        .iter()
        .filter(|a| !known.contains(a.fingerprint.as_str()))
        .cloned()
        .collect();
    let already = findings.len() - new.len();
    if new.is_empty() {
        return Ok(format!(
            "{} unchanged: every finding of {} is already suppressed ({already} by fingerprint)",
            output.display(),
            report.display()
        ));
    }
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| format!("accepted at the baseline of {}", format_date(today)));
    let mut updated = existing.clone();
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(&entries_text(
        &new,
        &reason,
        expires,
        today,
        &report.display().to_string(),
    ));
    Config::parse(&updated, output).map_err(|e| {
        UsageError(format!(
            "the baseline would leave {} invalid, so it was not written: {e}",
            output.display()
        ))
    })?;
    write_atomically(output, &updated)
        .map_err(|e| UsageError(format!("could not write {}: {e}", output.display())))?;
    Ok(format!(
        "added {} to {} ({already} already there)",
        counted(new.len(), "suppression", "suppressions"),
        output.display()
    ))
}

#[cfg(test)]
mod tests;
