//! The rules as documents: the `overexposed rules` table and explanation, the README's rules
//! table, and one page per rule under `docs/rules/`. The README table and the pages are
//! generated from `rules/*.toml`; this module's tests fail when they are stale and rewrite
//! them with `UPDATE_DOCS=1`.

use super::sarif::INFORMATION_URI;
use crate::rules::{self, Rule, RuleId};
use std::fmt::Write;

/// Where a rule's page lives in the repository.
pub fn page_path(id: RuleId) -> String {
    format!("docs/rules/{id}.md")
}

/// A rule's page on GitHub (the SARIF rule's `helpUri`).
pub fn page_url(id: RuleId) -> String {
    format!("{INFORMATION_URI}/blob/main/{}", page_path(id))
}

/// Table of every rule, for `overexposed rules`.
pub fn list_table() -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(vec!["id", "severity", "title"]);
    for r in rules::all() {
        table.add_row(vec![r.id.as_str(), r.severity.label(), r.title]);
    }
    format!(
        "{table}\n{} rules. `overexposed rules ID` explains one.\n",
        rules::all().len()
    )
}

/// Plain-text explanation of one rule, for `overexposed rules ID`.
pub fn explain(rule: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}  [{}, security-severity {}]",
        rule.id,
        rule.severity.label(),
        rule.security_severity
    );
    let _ = writeln!(s, "{}\n", rule.title);
    let _ = writeln!(s, "Applies to: {}\n", entry_points(rule, ", "));
    let _ = writeln!(s, "What it finds:\n  {}\n", rule.description);
    let _ = writeln!(s, "Why it matters:\n  {}\n", rule.why_it_matters());
    let _ = writeln!(s, "Remediation:\n  {}", rule.generic_remediation());
    if let Some(route) = rule.generic_http_route_remediation() {
        let _ = writeln!(s, "  HTTP API routes: {route}");
    }
    let _ = writeln!(s, "\nReferences:");
    for r in rule.references {
        let _ = writeln!(s, "  {r}");
    }
    let _ = writeln!(s, "\nDocumentation: {}", page_url(rule.id));
    s
}

fn entry_points(rule: &Rule, separator: &str) -> String {
    rule.entry_points
        .iter()
        .map(|e| e.label())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The command that regenerates the README table and the pages.
const REGENERATE: &str = "UPDATE_DOCS=1 cargo test --lib rule_docs";

/// The README's rules table, between its two marker lines.
pub fn readme_table() -> String {
    let mut s = String::from("| rule | severity | security-severity | entry points | finds |\n");
    s.push_str("|---|---|---|---|---|\n");
    for r in rules::all() {
        let _ = writeln!(
            s,
            "| [`{id}`]({path}) | {} | {} | {} | {} |",
            r.severity.label(),
            r.security_severity,
            entry_points(r, ", "),
            r.title,
            id = r.id,
            path = page_path(r.id),
        );
    }
    s
}

/// One rule's page, `docs/rules/<id>.md`.
pub fn page(rule: &Rule) -> String {
    let id = rule.id;
    let mut s = String::new();
    let _ = writeln!(s, "# `{id}`: {}\n", rule.title);
    let _ = writeln!(
        s,
        "<!-- Generated from rules/{id}.toml by `{REGENERATE}`: edit the TOML, not this page. -->\n"
    );
    s.push_str("| severity | security-severity | entry points | SARIF name |\n");
    s.push_str("|---|---|---|---|\n");
    let _ = writeln!(
        s,
        "| {} | {} | `{}` | `{}` |\n",
        rule.severity.label(),
        rule.security_severity,
        entry_points(rule, "`, `"),
        rule.name
    );
    let _ = writeln!(s, "## What it finds\n\n{}\n", rule.description);
    let _ = writeln!(s, "## Why it matters\n\n{}\n", rule.why_it_matters());
    let _ = writeln!(s, "## How to fix\n\n{}\n", rule.generic_remediation());
    if let Some(route) = rule.generic_http_route_remediation() {
        let _ = writeln!(s, "HTTP API routes: {route}\n");
    }
    if [rule.remediation, rule.http_route_remediation]
        .iter()
        .any(|t| !rules::placeholders(t).is_empty())
    {
        let placeholders = rules::placeholders(rule.remediation);
        s.push_str(
            if placeholders.contains(&"auth_resource_id") {
                // An auth policy's note: about the policy, whichever level holds it.
                "Each finding's fix names its own service or service network, the principals to rewrite and the account to name instead.\n\n"
            } else if rule.entry_points.contains(&crate::model::EntryPoint::VpcLattice) {
                "Each finding's fix names its own service, the auth policy to put on it, and the VPC associations and shares that let other accounts in.\n\n"
            } else {
                "Each finding's fix names its own API, and its method or route and stage where these commands need them.\n\n"
            },
        );
    }
    s.push_str("## References\n\n");
    for r in rule.references {
        let _ = writeln!(s, "- <{r}>");
    }
    let _ = writeln!(
        s,
        "\nThe rule's data: [`rules/{id}.toml`](../../rules/{id}.toml)."
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn updating() -> bool {
        std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1")
    }

    const TABLE_START: &str = "<!-- rules table: generated from rules/*.toml -->\n";
    const TABLE_END: &str = "<!-- end of rules table -->\n";

    #[test]
    fn the_readme_rules_table_is_current() {
        let path = root().join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme
            .find(TABLE_START)
            .expect("README marks its rules table")
            + TABLE_START.len();
        let end = start
            + readme[start..]
                .find(TABLE_END)
                .expect("README ends its rules table");
        let table = readme_table();
        if updating() {
            let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            assert!(
                readme[start..end] == table,
                "README.md's rules table is stale: run `{REGENERATE}`"
            );
        }
    }

    #[test]
    fn the_rule_pages_are_current() {
        let dir = root().join("docs/rules");
        let expected: Vec<(PathBuf, String)> = rules::all()
            .iter()
            .map(|r| (root().join(page_path(r.id)), page(r)))
            .collect();
        let present: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        let extra: Vec<&PathBuf> = present
            .iter()
            .filter(|p| !expected.iter().any(|(e, _)| e == *p))
            .collect();
        if updating() {
            std::fs::create_dir_all(&dir).unwrap();
            for (path, text) in &expected {
                std::fs::write(path, text).unwrap();
            }
            for path in extra {
                std::fs::remove_file(path).unwrap();
            }
            return;
        }
        assert!(
            extra.is_empty(),
            "pages of no rule: {extra:?}: run `{REGENERATE}`"
        );
        for (path, text) in &expected {
            let current = std::fs::read_to_string(path).unwrap_or_default();
            assert!(
                current == *text,
                "{} is missing or stale: run `{REGENERATE}`",
                path.display()
            );
        }
    }

    #[test]
    fn explain_and_list_name_the_rule() {
        let r = RuleId::ApigwWriteAnyAwsAccount.rule();
        let text = explain(r);
        assert!(
            text.contains("Remediation:") && text.contains(r.title),
            "{text}"
        );
        assert!(
            text.contains("https://github.com/overexposed/overexposed/blob/main/docs/rules/apigw-write-any-aws-account.md"),
            "{text}"
        );
        assert!(list_table().contains("apigw-write-any-aws-account"));
        // A rule with a route fix says it apart.
        let text = explain(RuleId::ApigwUnauthenticatedWriteInternet.rule());
        assert!(
            text.contains("  HTTP API routes: Attach an authorizer to the route"),
            "{text}"
        );
    }
}
