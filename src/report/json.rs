//! The JSON report: [`AuditReport`] exactly as serde derives it (documented in the README).

use super::AuditReport;

pub fn render_json(report: &AuditReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("an AuditReport always serialises");
    s.push('\n');
    s
}
