//! Rule metadata, as data: one TOML file per rule under `rules/`, embedded at build time.
//!
//! Rule ids are a public contract (GitHub matches code-scanning alerts across runs by rule id):
//! never rename one. The analysis refers to rules by id; titles, severities and remediation
//! text come from here, and so does the SARIF rule metadata.

use crate::model::Severity;
use serde::Deserialize;
use std::sync::OnceLock;

/// `(file name, contents)` of every `rules/*.toml`, sorted by file name.
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable kebab-case id, equal to the file name.
    pub id: String,
    /// PascalCase name (SARIF `rule.name`).
    pub name: String,
    pub title: String,
    pub severity: Severity,
    /// GitHub's `security-severity` score, as a string ("9.8").
    pub security_severity: String,
    /// Entry point kinds the rule applies to (`api_gateway_rest`, `privatelink`, …).
    pub entry_points: Vec<String>,
    pub tags: Vec<String>,
    pub description: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    pub references: Vec<String>,
}

fn parse_all() -> Result<Vec<Rule>, String> {
    let mut rules = Vec::with_capacity(EMBEDDED.len());
    for (file, text) in EMBEDDED {
        let rule: Rule = toml::from_str(text).map_err(|e| format!("rules/{file}: {e}"))?;
        rules.push(rule);
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rules)
}

/// Every rule, sorted by id. The embedded files are validated by this module's tests, so a
/// malformed file cannot reach a release; the panic only guards a broken build.
pub fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| parse_all().unwrap_or_else(|e| panic!("embedded rule is malformed: {e}")))
}

pub fn get(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.id == id)
}

/// Plain-text explanation of one rule, for `overexposed rules ID`.
pub fn explain(rule: &Rule) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{}  [{}, security-severity {}]\n",
        rule.id,
        rule.severity.label(),
        rule.security_severity
    ));
    s.push_str(&format!("{}\n\n", rule.title));
    s.push_str(&format!("Applies to: {}\n\n", rule.entry_points.join(", ")));
    s.push_str(&format!("What it finds:\n  {}\n\n", rule.description));
    s.push_str(&format!("Why it matters:\n  {}\n\n", rule.rationale));
    s.push_str(&format!("Remediation:\n  {}\n\n", rule.remediation));
    s.push_str("References:\n");
    for r in &rule.references {
        s.push_str(&format!("  {r}\n"));
    }
    s
}

/// Table of every rule, for `overexposed rules`.
pub fn list_table() -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(vec!["id", "severity", "title"]);
    for r in all() {
        table.add_row(vec![r.id.as_str(), r.severity.label(), r.title.as_str()]);
    }
    format!(
        "{table}\n{} rules. `overexposed rules ID` explains one.\n",
        all().len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_rule_parses_and_is_complete() {
        let rules = parse_all().expect("all rules parse");
        assert_eq!(rules.len(), EMBEDDED.len());
        assert!(rules.len() >= 15);
        for r in &rules {
            for (field, value) in [
                ("name", &r.name),
                ("title", &r.title),
                ("description", &r.description),
                ("rationale", &r.rationale),
                ("remediation", &r.remediation),
            ] {
                assert!(!value.trim().is_empty(), "{}: empty {field}", r.id);
            }
            assert!(
                !r.references.is_empty() && r.references.iter().all(|u| u.starts_with("https://")),
                "{}: references",
                r.id
            );
            assert!(!r.entry_points.is_empty(), "{}: entry_points", r.id);
            assert!(
                r.tags.iter().any(|t| t == "security"),
                "{}: tags must include security",
                r.id
            );
            assert!(
                r.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}: not kebab-case",
                r.id
            );
            assert!(
                r.name.chars().next().unwrap().is_ascii_uppercase()
                    && r.name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}: name not PascalCase",
                r.id
            );
        }
    }

    #[test]
    fn ids_match_file_names() {
        for (file, text) in EMBEDDED {
            let rule: Rule = toml::from_str(text).unwrap();
            assert_eq!(format!("{}.toml", rule.id), *file);
        }
    }

    #[test]
    fn security_severity_matches_the_severity_band() {
        for r in all() {
            let score: f64 = r
                .security_severity
                .parse()
                .unwrap_or_else(|_| panic!("{}: score", r.id));
            let ok = match r.severity {
                Severity::Critical => score >= 9.0,
                Severity::High => (7.0..9.0).contains(&score),
                Severity::Medium => (4.0..7.0).contains(&score),
                Severity::Low => (0.1..4.0).contains(&score),
                // Shown by GitHub as low; our severity keeps it informational.
                Severity::Info => score > 0.0 && score < 4.0,
            };
            assert!(ok, "{}: {} does not fit {:?}", r.id, score, r.severity);
        }
    }

    #[test]
    fn explain_and_list_name_the_rule() {
        let r = get("apigw-write-any-aws-account").unwrap();
        let text = explain(r);
        assert!(text.contains("Remediation:") && text.contains(&r.title));
        assert!(list_table().contains("apigw-write-any-aws-account"));
        assert!(get("no-such-rule").is_none());
    }
}
