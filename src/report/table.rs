//! The terminal table: findings grouped by account, a one-line summary, and every target that
//! could not be fully scanned. Fixed layout (no terminal-width detection) so the output is the
//! same wherever it is rendered.

use super::AuditReport;
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
        .findings
        .iter()
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
        for f in report.findings.iter().filter(|f| f.account_id == *account) {
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

    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
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
    if report.findings.is_empty() && report.scan.complete {
        let _ = writeln!(
            out,
            "No over-exposed entry points found across {accounts_scanned} account(s) / {} target(s); {status}.",
            report.scan.targets.len()
        );
    } else {
        let _ = writeln!(
            out,
            "{} finding(s) ({} critical, {} high, {} medium, {} low, {} info) across {accounts_scanned} account(s) / {} target(s); {status}.",
            report.findings.len(),
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info),
            report.scan.targets.len(),
        );
    }
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
    }
    out
}
