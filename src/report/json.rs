//! The JSON report: [`AuditReport`] as serde derives it (documented in the README), with each
//! suppressed finding's `suppressed` written on the finding itself.

use super::AuditReport;

pub fn render_json(report: &AuditReport) -> String {
    let mut value = serde_json::to_value(report).expect("an AuditReport always serialises");
    if !report.suppressed.is_empty() {
        if let Some(findings) = value["findings"].as_array_mut() {
            for (json, f) in findings.iter_mut().zip(&report.findings) {
                if let (Some(object), Some(s)) = (json.as_object_mut(), report.suppression(f)) {
                    object.insert(
                        "suppressed".into(),
                        serde_json::to_value(s).expect("a suppression serialises"),
                    );
                }
            }
        }
    }
    let mut s = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    s.push('\n');
    s
}
