//! The Markdown summary, for `$GITHUB_STEP_SUMMARY`, pull-request comments and tickets: counts
//! by severity and account, a Mermaid diagram of the exposure paths, the findings (critical
//! and high first, with their fix), what could not be scanned, and the suppressions.
//!
//! Everything is taken from the findings' own data (entry point, resource, reach, the backend
//! and bypassed methods in `evidence`), never from a list of kinds, so a new entry point or
//! rule renders without a change here. The summary stays within GitHub's 1 MiB step-summary
//! limit: past it, it says how many findings were left out and where the full report is.

use super::stream::{render_with, Finished, Out, Sink};
use super::{AuditReport, Suppressed, TargetSummary};
use crate::inventory::TargetStatus;
use crate::model::{EntryPoint, Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// GitHub's limit on a job's step summary (bytes).
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Paths drawn at most in the diagram: past that, GitHub's renderer gives up or the picture
/// says nothing; the rest are counted under it.
const DIAGRAM_PATHS: usize = 40;

/// Suppressed findings listed at most (a baseline can accept thousands; they are decisions
/// already made, so a count is enough past these).
const SUPPRESSED_LISTED: usize = 100;

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// The summary within [`STEP_SUMMARY_LIMIT`]. `full_report` names where the full report is
/// (e.g. the JSON file written beside it), for the note on findings left out.
pub fn render_markdown(report: &AuditReport, full_report: Option<&str>) -> String {
    render_markdown_within(report, full_report, STEP_SUMMARY_LIMIT)
}

/// The summary within `budget` bytes.
pub fn render_markdown_within(
    report: &AuditReport,
    full_report: Option<&str>,
    budget: usize,
) -> String {
    let sink = MarkdownSink::new(full_report, budget, Out::Memory(Vec::new()));
    render_with(report, Box::new(sink))
}

/// The summary, put together when the findings end from what it keeps as they come: counts by
/// severity and account, the exposure paths, the first suppressed findings, and the findings'
/// entries by severity as long as they could still fit in the budget (past that, a finding is
/// only counted: it would be left out anyway).
pub struct MarkdownSink {
    out: Out,
    full_report: Option<String>,
    budget: usize,
    /// Active findings by account, by severity ([`Severity`] as index).
    counts: BTreeMap<String, [usize; 5]>,
    paths: BTreeSet<Path>,
    /// By severity: the entries kept, their total length, and how many were not kept.
    entries: [(Vec<String>, usize, usize); 5],
    /// The first suppressed findings' lines, and how many findings were suppressed.
    suppressed: Vec<String>,
}

impl MarkdownSink {
    pub fn new(full_report: Option<&str>, budget: usize, out: Out) -> MarkdownSink {
        MarkdownSink {
            out,
            full_report: full_report.map(str::to_string),
            budget,
            counts: BTreeMap::new(),
            paths: BTreeSet::new(),
            entries: Default::default(),
            suppressed: Vec::new(),
        }
    }
}

impl Sink for MarkdownSink {
    fn finding(&mut self, f: &Finding, suppressed: Option<&Suppressed>) -> std::io::Result<()> {
        if let Some(s) = suppressed {
            if self.suppressed.len() < SUPPRESSED_LISTED {
                self.suppressed.push(format!(
                    "- {}: {} ({})",
                    finding_heading(f),
                    text(&s.reason),
                    code(&s.entry)
                ));
            }
            return Ok(());
        }
        let severity = f.severity as usize;
        match self.counts.get_mut(f.account_id.as_str()) {
            Some(c) => c[severity] += 1,
            None => {
                let mut c = [0; 5];
                c[severity] = 1;
                self.counts.insert(f.account_id.clone(), c);
            }
        }
        self.paths.insert(path_of(f));
        let (kept, length, dropped) = &mut self.entries[severity];
        // Once the kept entries of a severity alone pass the budget, the later ones of that
        // severity cannot fit whatever the rest of the summary is: they are counted only.
        if *length > self.budget {
            *dropped += 1;
        } else {
            let entry = if f.severity >= Severity::High {
                full_entry(f)
            } else {
                table_row(f)
            };
            *length += entry.len();
            kept.push(entry);
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, report: &AuditReport) -> std::io::Result<Finished> {
        let text = self.assemble(report);
        std::io::Write::write_all(&mut self.out, text.as_bytes())?;
        Ok(Finished {
            out: self.out,
            rejected: vec![],
        })
    }
}

impl MarkdownSink {
    fn assemble(&self, report: &AuditReport) -> String {
        let mut head = String::new();
        write_header(&mut head, report, &self.counts);
        write_diagram(&mut head, &self.paths);

        let mut tail = String::new();
        write_not_scanned(&mut tail, report);
        write_suppressions(&mut tail, report, &self.suppressed);

        // The findings fill what the header and the tail leave, with room kept for the note.
        let note_room = 400;
        let room = self
            .budget
            .saturating_sub(head.len() + tail.len() + note_room);
        let (findings, left_out) = self.findings_section(room);
        let mut out = head;
        out.push_str(&findings);
        if left_out > 0 {
            let whence = self
                .full_report
                .as_deref()
                .map(|p| format!("the full report is {}", code(p)))
                .unwrap_or_else(|| {
                    "write the full report with `-o results.json` or `-o results.sarif`".to_string()
                });
            let _ = writeln!(
                out,
                "\n> **{left_out} {} left out** to keep this summary within GitHub's 1 MiB limit: {whence}.",
                plural(left_out, "finding", "findings")
            );
        }
        out.push_str(&tail);
        out
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Text safe in Markdown prose and table cells: no HTML, no cell breaks, one line.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// An inline code span that holds `s` whatever backticks it contains.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!(
        "{fence}{pad}{}{pad}{fence}",
        s.replace(['\n', '\r'], " ").replace('|', "\\|")
    )
}

fn write_header(out: &mut String, report: &AuditReport, counts: &BTreeMap<String, [usize; 5]>) {
    let active: usize = counts.values().flatten().sum();
    let title = match active {
        0 => "no over-exposed entry points".to_string(),
        n => format!("{n} {}", plural(n, "finding", "findings")),
    };
    let _ = writeln!(out, "# overexposed: {title}\n");
    let accounts: BTreeSet<&str> = report
        .scan
        .targets
        .iter()
        .map(|t| t.account_id.as_str())
        .collect();
    let targets = report.scan.targets.len();
    let mut status = format!(
        "**{}** across {} {} / {} {}",
        text(&report.scan.status()),
        accounts.len(),
        plural(accounts.len(), "account", "accounts"),
        targets,
        plural(targets, "target", "targets"),
    );
    let suppressed = report.suppressions.suppressed;
    if suppressed > 0 {
        let _ = write!(status, "; {suppressed} suppressed");
    }
    let _ = writeln!(out, "{status}.\n");
    if !report.scan.complete {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> The scan is incomplete: this is not a clean result (see [Not fully scanned](#not-fully-scanned)).\n"
        );
    }
    if active == 0 {
        return;
    }
    let count = |s: Severity| counts.values().map(|c| c[s as usize]).sum::<usize>();
    let _ = writeln!(
        out,
        "| severity | {} |\n|---|{}",
        SEVERITIES.map(|s| s.label()).join(" | "),
        "---:|".repeat(SEVERITIES.len())
    );
    let _ = writeln!(
        out,
        "| findings | {} |\n",
        SEVERITIES.map(|s| count(s).to_string()).join(" | ")
    );
    let _ = writeln!(
        out,
        "| account | {} | total |\n|---|{}---:|",
        SEVERITIES.map(|s| s.label()).join(" | "),
        "---:|".repeat(SEVERITIES.len())
    );
    for (account, c) in counts {
        let total: usize = c.iter().sum();
        let _ = writeln!(
            out,
            "| {} | {} | {total} |",
            code(account),
            SEVERITIES.map(|s| c[s as usize].to_string()).join(" | ")
        );
    }
    out.push('\n');
}

/// A Mermaid label: quoted, with the characters Mermaid would read as syntax escaped.
fn label(s: &str) -> String {
    let escaped = s
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('`', "#96;")
        .replace(['\n', '\r'], " ");
    format!("\"{escaped}\"")
}

/// Who can reach the entry point, in words.
fn who(f: &Finding) -> String {
    reach_words(&f.reach_detail, &f.account_id)
}

fn reach_words(reach: &crate::model::Reach, owner: &str) -> String {
    use crate::model::Reach;
    match reach {
        Reach::Owner => format!("account {owner}"),
        Reach::Accounts { accounts } => format!("accounts {}", accounts.join(", ")),
        Reach::Organization { org_ids } => format!("organization {}", org_ids.join(", ")),
        Reach::AnyAwsAccount => "any AWS account".into(),
        Reach::InternetIpRestricted { cidrs } => format!("internet from {}", cidrs.join(", ")),
        Reach::Internet => "internet".into(),
        Reach::ViaRole { through, roles } => {
            // The role that makes the call: the last of each chain, by name.
            let callers: BTreeSet<&str> = roles
                .iter()
                .filter_map(|r| r.chain.last())
                .map(|arn| arn.rsplit('/').next().unwrap_or(arn))
                .collect();
            format!(
                "{} via role {}",
                reach_words(through, owner),
                callers.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// The entry point: its kind and the resource's name (an API's name when the evidence has it).
fn entry(f: &Finding) -> String {
    let kind = f.entry_point.label().replace('_', " ");
    let api = matches!(
        f.entry_point,
        EntryPoint::ApiGatewayRest | EntryPoint::ApiGatewayHttp
    );
    let name = if api {
        f.evidence
            .get("api_name")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| f.api_id.clone())
            .unwrap_or_else(|| f.resource_short_name().to_string())
    } else {
        f.resource_short_name().to_string()
    };
    format!("{kind} {name}")
}

/// The private backend the path ends at, when the finding names one (`evidence.backend`).
fn backend(f: &Finding) -> Option<String> {
    let b = f.evidence.get("backend")?;
    let name = b.get("name").and_then(|v| v.as_str())?;
    let kind = match b.get("type").and_then(|v| v.as_str()) {
        Some("network") => "NLB".to_string(),
        Some("application") => "ALB".to_string(),
        Some(other) => other.to_string(),
        None => "backend".to_string(),
    };
    Some(format!("{kind} {name}"))
}

/// The APIs whose methods the path bypasses (`evidence.bypassed_methods`), by name.
fn bypassed_apis(f: &Finding) -> BTreeSet<String> {
    f.evidence
        .get("bypassed_methods")
        .and_then(|v| v.as_array())
        .map(|methods| {
            methods
                .iter()
                .filter_map(|m| {
                    m.get("api_name")
                        .or_else(|| m.get("api_id"))
                        .and_then(|v| v.as_str())
                        .map(|n| format!("API Gateway {n}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One exposure path: who → entry point (→ backend ← bypassed APIs).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Path {
    severity: std::cmp::Reverse<Severity>,
    who: String,
    entry: String,
    backend: Option<String>,
    bypassed: BTreeSet<String>,
}

/// The exposure path of an active finding.
fn path_of(f: &Finding) -> Path {
    Path {
        severity: std::cmp::Reverse(f.severity),
        who: who(f),
        entry: format!("{} ({}/{})", entry(f), f.account_id, f.region),
        backend: backend(f).map(|b| format!("{b} ({}/{})", f.account_id, f.region)),
        bypassed: bypassed_apis(f),
    }
}

fn write_diagram(out: &mut String, paths: &BTreeSet<Path>) {
    if paths.is_empty() {
        return;
    }
    // The same route at several severities is drawn once, at its worst.
    let mut drawn: BTreeSet<(&str, &str, Option<&str>)> = BTreeSet::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut nodes = String::new();
    let mut edges: BTreeSet<String> = BTreeSet::new();
    let mut edge_lines = String::new();
    let mut node = |name: &str, shape: (&str, &str), nodes: &mut String| -> String {
        if let Some(id) = ids.get(name) {
            return id.clone();
        }
        let id = format!("n{}", ids.len() + 1);
        let _ = writeln!(nodes, "  {id}{}{}{}", shape.0, label(name), shape.1);
        ids.insert(name.to_string(), id.clone());
        id
    };
    let mut shown = 0usize;
    let mut distinct = 0usize;
    for p in paths {
        if !drawn.insert((&p.who, &p.entry, p.backend.as_deref())) {
            continue;
        }
        distinct += 1;
        if shown == DIAGRAM_PATHS {
            continue;
        }
        shown += 1;
        let w = node(&p.who, ("([", "])"), &mut nodes);
        let e = node(&p.entry, ("[", "]"), &mut nodes);
        let mut edge = |line: String, lines: &mut String| {
            if edges.insert(line.clone()) {
                let _ = writeln!(lines, "  {line}");
            }
        };
        edge(format!("{w} --> {e}"), &mut edge_lines);
        if let Some(b) = &p.backend {
            let b = node(b, ("[(", ")]"), &mut nodes);
            edge(format!("{e} --> {b}"), &mut edge_lines);
            for api in &p.bypassed {
                let a = node(api, ("[", "]"), &mut nodes);
                edge(format!("{a} -. bypassed .-> {b}"), &mut edge_lines);
            }
        }
    }
    let _ = writeln!(
        out,
        "## Exposure paths\n\nWho can reach what (→), and the API Gateway APIs each path bypasses (⇢).\n"
    );
    let _ = writeln!(out, "```mermaid\nflowchart LR\n{nodes}{edge_lines}```\n");
    if distinct > shown {
        let more = distinct - shown;
        let _ = writeln!(
            out,
            "{more} more {} not drawn (the findings below list them all).\n",
            plural(more, "path", "paths")
        );
    }
}

fn finding_heading(f: &Finding) -> String {
    let stage = f
        .stage
        .as_deref()
        .map(|s| format!(" stage {}", code(s)))
        .unwrap_or_default();
    format!(
        "**{}** {} · {}/{} · {}{stage} {} {}",
        f.severity.label(),
        code(f.rule_id.as_str()),
        f.account_id,
        text(&f.region),
        code(&entry(f)),
        code(&f.method),
        code(&f.path),
    )
}

fn full_entry(f: &Finding) -> String {
    format!(
        "- {}\n  - resource {}; reach {}, auth {}, confidence {}\n  - {}\n  - **Fix:** {}\n",
        finding_heading(f),
        code(&f.resource_arn),
        code(&f.reach),
        code(f.auth.label()),
        f.confidence.label(),
        text(&f.message),
        text(&f.remediation),
    )
}

fn table_row(f: &Finding) -> String {
    format!(
        "| {} | {} | {}/{} | {} | {} {} | {} |\n",
        f.severity.label(),
        code(f.rule_id.as_str()),
        f.account_id,
        text(&f.region),
        code(&entry(f)),
        code(&f.method),
        code(&f.path),
        code(&f.reach),
    )
}

impl MarkdownSink {
    /// The findings, worst first (within a severity, in report order), as much as fits in
    /// `room` bytes; and how many did not fit.
    fn findings_section(&self, room: usize) -> (String, usize) {
        if self.counts.is_empty() {
            return (String::new(), 0);
        }
        let mut out = String::from("## Findings\n\n");
        let mut table_started = false;
        let mut left_out = 0usize;
        for severity in SEVERITIES {
            let serious = severity >= Severity::High;
            let (kept, _, dropped) = &self.entries[severity as usize];
            for entry in kept {
                let header = if !serious && !table_started {
                    "\n| severity | rule | where | entry point | method and path | reach |\n|---|---|---|---|---|---|\n"
                } else {
                    ""
                };
                if left_out > 0 || out.len() + header.len() + entry.len() > room {
                    left_out += 1;
                    continue;
                }
                if !serious {
                    table_started = true;
                }
                out.push_str(header);
                out.push_str(entry);
            }
            left_out += dropped;
        }
        out.push('\n');
        (out, left_out)
    }
}

fn write_not_scanned(out: &mut String, report: &AuditReport) {
    let failed: Vec<&TargetSummary> = report.scan.failed_targets().collect();
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "## Not fully scanned\n\nResults for these are incomplete; this is not a clean result.\n"
        );
        for t in failed {
            let state = if t.status == TargetStatus::Failed {
                "failed"
            } else {
                "partial"
            };
            let _ = writeln!(out, "- {}/{}: {state}", t.account_id, text(&t.region));
            for e in &t.errors {
                let on = e
                    .resource
                    .as_deref()
                    .map(|r| format!(" on {}", code(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - {} {}{on}: {}",
                    code(&e.operation),
                    code(&e.code),
                    text(&e.message)
                );
            }
        }
        out.push('\n');
    }
    if !report.scan.skipped_accounts.is_empty() {
        let _ = writeln!(out, "## Skipped (not scanned, by design)\n");
        for a in &report.scan.skipped_accounts {
            let _ = writeln!(out, "- {}: {}", a.account_id, text(&a.reason));
        }
        out.push('\n');
    }
}

fn write_suppressions(out: &mut String, report: &AuditReport, listed: &[String]) {
    let summary = &report.suppressions;
    if !summary.expired.is_empty() {
        let _ = writeln!(
            out,
            "## Expired suppressions\n\nThey suppress nothing now: renew them with a new `expires`, or fix what they accepted.\n"
        );
        for e in &summary.expired {
            let _ = writeln!(
                out,
                "- {} ({}): expired {}; matches {} {}; reason: {}",
                code(&e.entry),
                text(&e.criteria),
                e.expires.as_deref().unwrap_or("?"),
                e.matches,
                plural(e.matches, "finding", "findings"),
                text(&e.reason)
            );
        }
        out.push('\n');
    }
    if !summary.stale.is_empty() {
        let _ = writeln!(
            out,
            "## Stale suppressions\n\nThey matched no finding: remove them, or fix what they name.\n"
        );
        for e in &summary.stale {
            let _ = writeln!(out, "- {} ({})", code(&e.entry), text(&e.criteria));
        }
        out.push('\n');
    }
    if summary.suppressed > 0 {
        let _ = writeln!(
            out,
            "<details><summary>{} suppressed {}</summary>\n",
            summary.suppressed,
            plural(summary.suppressed, "finding", "findings")
        );
        for line in listed {
            let _ = writeln!(out, "{line}");
        }
        if summary.suppressed > SUPPRESSED_LISTED {
            let _ = writeln!(
                out,
                "- and {} more (the JSON report marks each with `suppressed`)",
                summary.suppressed - SUPPRESSED_LISTED
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
}
