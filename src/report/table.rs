//! The terminal table: findings grouped by account, a one-line summary, and every target that
//! could not be fully scanned. Fixed layout (no terminal-width detection) so the output is the
//! same wherever it is rendered.

use super::{counted, AuditReport};
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
    let mut out = String::new();
    let mut accounts: Vec<&str> = report
        .active_findings()
        .map(|f| f.account_id.as_str())
        .collect();
    accounts.dedup();
    for account in &accounts {
        let _ = writeln!(out, "Account {account}");
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(vec![
                "severity", "rule", "region", "resource", "stage", "method", "path", "reach",
                "auth",
            ]);
        for f in report
            .active_findings()
            .filter(|f| f.account_id == *account)
        {
            let mut sev = Cell::new(f.severity.label());
            if color {
                sev = sev.fg(severity_color(f.severity));
            }
            table.add_row(vec![
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
        }
        let _ = writeln!(out, "{table}\n");
    }

    let count = |s: Severity| report.active_findings().filter(|f| f.severity == s).count();
    let active = report.active_findings().count();
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
    write_suppressions(&mut out, report);
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
    out
}

/// The suppressed findings (one line each, with the reason), then the entries that expired or
/// matched nothing.
fn write_suppressions(out: &mut String, report: &AuditReport) {
    let mut suppressed = report.suppressed_findings().peekable();
    if suppressed.peek().is_some() {
        let _ = writeln!(out, "\nSuppressed (accepted in the configuration):");
        for (f, s) in suppressed {
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
                out,
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

/// The explanation of every finding, for `--details` under the table: what it is, who can reach
/// it and why that matters (the finding's message), and how to fix it. Plain text, one block a
/// finding, in the table's order.
pub fn render_details(report: &AuditReport) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nDetails:");
    for (n, f) in report.findings.iter().enumerate() {
        let stage = f
            .stage
            .as_deref()
            .map(|s| format!(" stage {s}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n[{}] {} {} {}/{} {}{stage} {} {} (reach {}, auth {}, confidence {})",
            n + 1,
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
        if let Some(s) = report.suppression(f) {
            let _ = writeln!(out, "    suppressed: {} ({})", s.reason, s.entry);
        }
    }
    out
}
