//! The terminal table: findings grouped by account, a one-line summary, and every target that
//! could not be fully scanned. Fixed layout (no terminal-width detection) so the output is the
//! same wherever it is rendered.

use super::stream::{render_with, Finished, Out, Sink};
use super::{counted, AuditReport, Suppressed};
use crate::inventory::TargetStatus;
use crate::model::{EntryPoint, Finding, Severity};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use std::fmt::Write;

/// The short name of the resource a finding is about.
fn short_resource(f: &Finding) -> String {
    match f.entry_point {
        EntryPoint::ApiGatewayRest
        | EntryPoint::ApiGatewayHttp
        | EntryPoint::ApiGatewayWebsocket => {
            let kind = match f.entry_point {
                EntryPoint::ApiGatewayRest => "rest",
                EntryPoint::ApiGatewayWebsocket => "ws",
                _ => "http",
            };
            format!("{kind}:{}", f.api_id.as_deref().unwrap_or("?"))
        }
        _ => f.resource_short_name().to_string(),
    }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Red,
        Severity::High => Color::DarkRed,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

pub fn render_table(report: &AuditReport, color: bool) -> String {
    let sink = TableSink::new(color, false, Out::Memory(Vec::new()));
    render_with(report, Box::new(sink))
}

/// The explanation of every finding, for `--details` under the table: what it is, who can reach
/// it and why that matters (the finding's message), and how to fix it. Plain text, one block a
/// finding, in the table's order.
pub fn render_details(report: &AuditReport) -> String {
    let mut sink = TableSink::new(false, true, Out::Discard);
    for f in &report.findings {
        sink.details(f, report.suppression(f));
    }
    let mut out = String::new();
    sink.write_details(&mut out);
    out
}

/// Findings shown at most in the table of each account, explained at most by `--details`, and
/// suppressed findings listed at most: a table of an organization's 200,000 findings is read
/// by nobody, and the JSON and SARIF reports list every finding.
pub const SHOWN: usize = 1_000;

const HEADER: [&str; 9] = [
    "severity", "rule", "region", "resource", "stage", "method", "path", "reach", "auth",
];

/// The table (and with `details`, the explanations under it), written as the findings come:
/// each account's table when its findings end, the summary and the rest at the end.
pub struct TableSink {
    out: Out,
    color: bool,
    details: bool,
    /// The account whose table is being filled, its rows (at most [`SHOWN`]) and how many
    /// more findings it has.
    account: Option<String>,
    rows: Vec<Vec<Cell>>,
    more: usize,
    /// Active findings by severity ([`Severity`] as index).
    counts: [usize; 5],
    /// The lines of the first suppressed findings, and how many findings were suppressed.
    suppressed_lines: String,
    suppressed: usize,
    /// The explanations of the first findings, and how many findings there were.
    explained: String,
    findings: usize,
}

impl TableSink {
    pub fn new(color: bool, details: bool, out: Out) -> TableSink {
        TableSink {
            out,
            color,
            details,
            account: None,
            rows: Vec::new(),
            more: 0,
            counts: [0; 5],
            suppressed_lines: String::new(),
            suppressed: 0,
            explained: String::new(),
            findings: 0,
        }
    }

    /// Writes the table of the account being filled, if it has a row.
    fn flush_account(&mut self) -> std::io::Result<()> {
        let Some(account) = self.account.take() else {
            return Ok(());
        };
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(HEADER.to_vec());
        for row in self.rows.drain(..) {
            table.add_row(row);
        }
        let mut text = format!("Account {account}\n{table}\n");
        if self.more > 0 {
            let _ = writeln!(
                text,
                "... and {} more {} of account {account} (the table shows the first {SHOWN}; the JSON and SARIF reports list every finding)",
                self.more,
                if self.more == 1 { "finding" } else { "findings" }
            );
        }
        text.push('\n');
        self.more = 0;
        std::io::Write::write_all(&mut self.out, text.as_bytes())
    }

    fn details(&mut self, f: &Finding, suppressed: Option<&Suppressed>) {
        self.findings += 1;
        if self.findings > SHOWN {
            return;
        }
        let n = self.findings;
        let out = &mut self.explained;
        let stage = f
            .stage
            .as_deref()
            .map(|s| format!(" stage {s}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n[{n}] {} {} {}/{} {}{stage} {} {} (reach {}, auth {}, confidence {})",
            f.severity.label(),
            f.rule_id,
            f.account_id,
            f.region,
            short_resource(f),
            f.method,
            f.path,
            f.reach,
            f.auth,
            f.confidence,
        );
        let _ = writeln!(out, "    resource: {}", f.resource_arn);
        let _ = writeln!(out, "    why: {}", f.message);
        let _ = writeln!(out, "    fix: {}", f.remediation);
        if let Some(s) = suppressed {
            let _ = writeln!(out, "    suppressed: {} ({})", s.reason, s.entry);
        }
    }

    fn write_details(&self, out: &mut String) {
        if self.findings == 0 {
            return;
        }
        let _ = writeln!(out, "\nDetails:");
        out.push_str(&self.explained);
        if self.findings > SHOWN {
            let more = self.findings - SHOWN;
            let _ = writeln!(
                out,
                "\n... and {more} more {} (explained are the first {SHOWN}; the JSON and SARIF reports explain every finding)",
                if more == 1 { "finding" } else { "findings" }
            );
        }
    }

    fn suppressed_line(&mut self, f: &Finding, s: &Suppressed) {
        self.suppressed += 1;
        if self.suppressed > SHOWN {
            return;
        }
        let stage = f
            .stage
            .as_deref()
            .map(|s| format!(" stage {s}"))
            .unwrap_or_default();
        let until = s
            .expires
            .as_deref()
            .map(|d| format!(", until {d}"))
            .unwrap_or_default();
        let _ = writeln!(
            self.suppressed_lines,
            "  {} {} {}/{} {}{stage} {} {}: {} ({}{until})",
            f.severity.label(),
            f.rule_id,
            f.account_id,
            f.region,
            short_resource(f),
            f.method,
            f.path,
            s.reason,
            s.entry,
        );
    }
}

impl Sink for TableSink {
    fn finding(&mut self, f: &Finding, suppressed: Option<&Suppressed>) -> std::io::Result<()> {
        if self.details {
            self.details(f, suppressed);
        }
        if let Some(s) = suppressed {
            self.suppressed_line(f, s);
            return Ok(());
        }
        self.counts[f.severity as usize] += 1;
        if self.account.as_deref() != Some(f.account_id.as_str()) {
            self.flush_account()?;
            self.account = Some(f.account_id.clone());
        }
        if self.rows.len() == SHOWN {
            self.more += 1;
            return Ok(());
        }
        let mut sev = Cell::new(f.severity.label());
        if self.color {
            sev = sev.fg(severity_color(f.severity));
        }
        self.rows.push(vec![
            sev,
            Cell::new(f.rule_id.as_str()),
            Cell::new(&f.region),
            Cell::new(short_resource(f)),
            Cell::new(f.stage.as_deref().unwrap_or("-")),
            Cell::new(&f.method),
            Cell::new(&f.path),
            Cell::new(&f.reach),
            Cell::new(f.auth.label()),
        ]);
        Ok(())
    }

    fn finish(mut self: Box<Self>, report: &AuditReport) -> std::io::Result<Finished> {
        self.flush_account()?;
        let mut out = String::new();
        write_footer(&mut out, report, &self);
        if self.details {
            self.write_details(&mut out);
        }
        std::io::Write::write_all(&mut self.out, out.as_bytes())?;
        Ok(Finished {
            out: self.out,
            rejected: vec![],
        })
    }
}

/// Under the tables: the one-line summary, the suppressions, what could not be scanned, the
/// skipped accounts and the notes.
fn write_footer(out: &mut String, report: &AuditReport, sink: &TableSink) {
    let count = |s: Severity| sink.counts[s as usize];
    let active: usize = sink.counts.iter().sum();
    let accounts_scanned = {
        let mut a: Vec<&str> = report
            .scan
            .targets
            .iter()
            .map(|t| t.account_id.as_str())
            .collect();
        a.sort();
        a.dedup();
        a.len()
    };
    let failed: Vec<_> = report.scan.failed_targets().collect();
    let status = report.scan.status();
    let suppressed = match report.suppressions.suppressed {
        0 => String::new(),
        n => format!(" ({n} suppressed)"),
    };
    if active == 0 && report.scan.complete {
        let _ = writeln!(
            out,
            "No over-exposed entry points found{suppressed} across {} / {}; {status}.",
            counted(accounts_scanned, "account", "accounts"),
            counted(report.scan.targets.len(), "target", "targets"),
        );
    } else {
        let _ = writeln!(
            out,
            "{} ({} critical, {} high, {} medium, {} low, {} info){suppressed} across {} / {}; {status}.",
            counted(active, "finding", "findings"),
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info),
            counted(accounts_scanned, "account", "accounts"),
            counted(report.scan.targets.len(), "target", "targets"),
        );
    }
    write_suppressions(out, report, sink);
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "\nNot fully scanned (results for these are incomplete; this is not a clean result):"
        );
        for t in &failed {
            let state = if t.status == TargetStatus::Failed {
                "failed"
            } else {
                "partial"
            };
            let _ = writeln!(out, "  {}/{}: {state}", t.account_id, t.region);
            for e in &t.errors {
                let on = e
                    .resource
                    .as_deref()
                    .map(|r| format!(" on {r}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "    {} {}{on}: {}", e.operation, e.code, e.message);
            }
        }
    }
    let notes: Vec<_> = report
        .scan
        .targets
        .iter()
        .filter(|t| !t.notifications.is_empty())
        .collect();
    if !report.scan.skipped_accounts.is_empty() {
        let _ = writeln!(out, "\nSkipped (not scanned, by design):");
        for a in &report.scan.skipped_accounts {
            let _ = writeln!(out, "  {}: {}", a.account_id, a.reason);
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for t in notes {
            for n in &t.notifications {
                let on = n
                    .resource
                    .as_deref()
                    .map(|r| format!(" on {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {}/{}: {}{on}: {}",
                    t.account_id, t.region, n.operation, n.message
                );
            }
        }
    }
}

/// The suppressed findings (one line each, with the reason; the first [`SHOWN`]), then the
/// entries that expired or matched nothing.
fn write_suppressions(out: &mut String, report: &AuditReport, sink: &TableSink) {
    if sink.suppressed > 0 {
        let _ = writeln!(out, "\nSuppressed (accepted in the configuration):");
        out.push_str(&sink.suppressed_lines);
        if sink.suppressed > SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more (the JSON report marks each with `suppressed`)",
                sink.suppressed - SHOWN
            );
        }
    }
    let summary = &report.suppressions;
    if !summary.expired.is_empty() {
        let _ = writeln!(out, "\nExpired suppressions (they suppress nothing now):");
        for e in &summary.expired {
            let _ = writeln!(
                out,
                "  {}: {}; expired {}; matches {}; reason: {}",
                e.entry,
                e.criteria,
                e.expires.as_deref().unwrap_or("?"),
                counted(e.matches, "finding", "findings"),
                e.reason
            );
        }
    }
    if !summary.stale.is_empty() {
        let _ = writeln!(out, "\nStale suppressions (they matched no finding):");
        for e in &summary.stale {
            let _ = writeln!(out, "  {}: {}", e.entry, e.criteria);
        }
    }
}
