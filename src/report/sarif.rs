//! SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`.
//!
//! What GitHub's ingestion demands (see ../shared/docs/emulator-and-sarif-notes.md): a
//! relative `artifactLocation.uri` with no scheme and no `:` (an `arn:` URI rejects the whole
//! upload), `region.startLine`, our own `partialFingerprints.primaryLocationLineHash` (the
//! upload action computes it only for files in the checkout), `security-severity` on the rule,
//! and one `automationDetails.id` per scope so uploads replace each other correctly.

use super::rule_docs::page_url;
use super::stream::{render_item, render_with, Finished, Frame, Items, Out, Render, Sink, Spool};
use super::{AuditReport, Suppressed, TargetSummary};
use crate::model::{EntryPoint, Finding, Severity};
use crate::rules::{self, Rule};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Suppression, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const INFORMATION_URI: &str = "https://github.com/overexposed/overexposed";

/// Everything but unreserved characters is encoded in a segment, `:` included (GitHub rejects a
/// `:` anywhere in the uri).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn enc(segment: &str) -> String {
    let s = utf8_percent_encode(segment, SEGMENT).to_string();
    if s.is_empty() {
        "_".to_string()
    } else {
        s
    }
}

/// `aws/<account>/<region>/apigateway/<api-id>/<stage>/<METHOD>/<path…>` for API findings,
/// `aws/<account>/<region>/<entry-point>/<resource-id>` for network findings. Each segment is
/// percent-encoded; the method path keeps its `/` structure.
pub fn artifact_uri(f: &Finding) -> String {
    let mut parts = vec!["aws".to_string(), enc(&f.account_id), enc(&f.region)];
    match f.entry_point {
        EntryPoint::ApiGatewayRest
        | EntryPoint::ApiGatewayHttp
        | EntryPoint::ApiGatewayWebsocket => {
            parts.push("apigateway".into());
            parts.push(enc(f.api_id.as_deref().unwrap_or("unknown")));
            parts.push(enc(f.stage.as_deref().unwrap_or("*")));
            parts.push(enc(&f.method));
            let path = f.path.trim_start_matches('/');
            if path.is_empty() {
                parts.push("_root".into());
            } else {
                parts.extend(path.split('/').map(enc));
            }
        }
        other => {
            parts.push(other.label().to_string());
            parts.push(enc(f.resource_short_name()));
        }
    }
    parts.join("/")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn result_level(s: Severity) -> ResultLevel {
    match level(s) {
        "error" => ResultLevel::Error,
        "warning" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let references: String = rule.references.iter().map(|r| format!("- {r}\n")).collect();
    let route = rule.generic_http_route_remediation();
    let help_md = format!(
        "**{}**\n\n{}\n\n**Why it matters.** {}\n\n**Remediation.** {}{}\n\n**References**\n\n{}",
        rule.title,
        rule.description,
        rule.why_it_matters(),
        rule.generic_remediation(),
        route
            .as_ref()
            .map(|r| format!("\n\n**HTTP API routes.** {r}"))
            .unwrap_or_default(),
        references
    );
    let help_text = format!(
        "{}\n\nWhy it matters: {}\n\nRemediation: {}{}\n\nReferences: {}",
        rule.description,
        rule.why_it_matters(),
        rule.generic_remediation(),
        route
            .as_ref()
            .map(|r| format!(" HTTP API routes: {r}"))
            .unwrap_or_default(),
        rule.references.join(" ")
    );
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(rule.security_severity),
    );
    props.insert("precision".to_string(), json!("high"));
    props.insert("problem.severity".to_string(), json!(level(rule.severity)));
    ReportingDescriptor::builder()
        .id(rule.id.to_string())
        .name(rule.name.to_string())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.title.to_string())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.description.to_string())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        // The rule's page in the repository; the AWS references are in the help text.
        .help_uri(page_url(rule.id))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(rule.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(rule.tags.iter().map(|t| t.to_string()).collect::<Vec<_>>())
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn result(f: &Finding, rule_index: i64, suppressed: Option<&Suppressed>) -> SarifResult {
    let text = format!(
        "{}: {} Fix: {}",
        f.title.trim_end_matches('.'),
        f.message,
        f.remediation
    );
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(artifact_uri(f)).build())
        .region(Region::builder().start_line(1).build())
        .build();
    let logical = LogicalLocation::builder()
        .fully_qualified_name(f.resource_arn.clone())
        .kind("resource".to_string())
        .build();
    let location = Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("primaryLocationLineHash".to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("reach".to_string(), json!(f.reach));
    props.insert("auth".to_string(), json!(f.auth));
    props.insert("write".to_string(), json!(f.write));
    props.insert("entry_point".to_string(), json!(f.entry_point.label()));
    props.insert("confidence".to_string(), json!(f.confidence));
    props.insert("severity".to_string(), json!(f.severity.label()));
    let mut result = SarifResult::builder()
        .rule_id(f.rule_id.to_string())
        .rule_index(rule_index)
        .level(result_level(f.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    // `external`: the decision lives in overexposed.toml, not in the audited resource. GitHub
    // shows such a result as a dismissed alert.
    if let Some(s) = suppressed {
        result.suppressions = Some(vec![Suppression::builder()
            .kind(json!("external"))
            .justification(suppression_justification(s))
            .build()]);
    }
    result
}

fn suppression_justification(s: &Suppressed) -> String {
    let until = s
        .expires
        .as_deref()
        .map(|d| format!(" (until {d})"))
        .unwrap_or_default();
    format!("{}{until} [{} by {}]", s.reason, s.entry, s.by)
}

fn notification(level: &str, id: &str, text: String) -> Notification {
    Notification::builder()
        .level(json!(level))
        .descriptor(
            ReportingDescriptorReference::builder()
                .id(id.to_string())
                .build(),
        )
        .message(Message::builder().text(text).build())
        .build()
}

/// The run's `automationDetails.id`, `<category>/`: GitHub code scanning closes an alert when
/// an upload of the same category no longer reports it, so the category names the scope and
/// nothing that changes between runs of the same scheduled scan. `category` overrides it;
/// the default is `overexposed` (`overexposed-api-only` for a `--no-network` scan: uploaded
/// under the full scan's, it would close every network alert as fixed), then
/// `organization` or the sorted accounts joined with `+`, then the `--regions` given, then
/// `shard-K-of-N` for the report of one shard.
pub fn automation_id(report: &AuditReport, category: Option<&str>) -> String {
    if let Some(name) = category {
        return format!("{name}/");
    }
    let scope = &report.scan.scope;
    let tool = if scope.is_full() {
        "overexposed"
    } else {
        "overexposed-api-only"
    };
    let accounts = if scope.organization {
        // Accounts join and leave the organization: the scope stays the same.
        "organization".to_string()
    } else {
        let mut accounts: Vec<&str> = report
            .scan
            .targets
            .iter()
            .map(|t| t.account_id.as_str())
            .collect();
        accounts.sort();
        accounts.dedup();
        accounts.join("+")
    };
    let mut id = match &scope.regions {
        Some(regions) => format!("{tool}/{accounts}/{}/", regions.join("+")),
        None => format!("{tool}/{accounts}/"),
    };
    // One shard's report must not close the alerts of the other shards' accounts.
    if let Some(shard) = report.scan.shard {
        id.push_str(&format!("shard-{}-of-{}/", shard.index, shard.count));
    }
    id
}

pub fn render_sarif(report: &AuditReport, category: Option<&str>) -> String {
    let sink = SarifSink::new(
        report,
        category,
        None,
        Out::Memory(Vec::new()),
        Spool::Memory(Vec::new()),
    );
    render_with(report, Box::new(sink))
}

/// The index of `f`'s rule in the log's rules (every log lists [`rules::all`]).
fn rule_index(f: &Finding) -> i64 {
    rules::all()
        .iter()
        .position(|r| r.id == f.rule_id)
        .expect("every rule is listed") as i64
}

/// One SARIF log of one run with no result: the notifications of `targets` (and of the skipped
/// accounts when `with_skipped`), under `automation_id`; the results are written into its
/// `"results": []` (see [`Frame`]).
fn run_skeleton(
    report: &AuditReport,
    targets: &[&TargetSummary],
    complete: bool,
    with_skipped: bool,
    automation_id: String,
) -> String {
    let all = rules::all();
    let mut notifications = Vec::new();
    for t in targets {
        for e in &t.errors {
            notifications.push(notification(
                "error",
                &e.code,
                format!(
                    "{}/{}: {} {}: {}",
                    t.account_id, t.region, e.operation, e.code, e.message
                ),
            ));
        }
        for n in &t.notifications {
            notifications.push(notification(
                "note",
                "notice",
                format!(
                    "{}/{}: {}: {}",
                    t.account_id, t.region, n.operation, n.message
                ),
            ));
        }
    }
    for a in report.scan.skipped_accounts.iter().filter(|_| with_skipped) {
        notifications.push(notification(
            "note",
            "skipped-account",
            format!("{}: not scanned: {}", a.account_id, a.reason),
        ));
    }
    for e in &report.suppressions.expired {
        notifications.push(notification(
            "warning",
            "suppression-expired",
            format!(
                "suppression {} ({}) expired on {}: it no longer suppresses {}",
                e.entry,
                e.criteria,
                e.expires.as_deref().unwrap_or("?"),
                super::counted(e.matches, "finding", "findings")
            ),
        ));
    }
    for e in &report.suppressions.stale {
        notifications.push(notification(
            "note",
            "suppression-stale",
            format!(
                "suppression {} ({}) matched no finding: remove it or fix what it names",
                e.entry, e.criteria
            ),
        ));
    }
    let mut invocation = Invocation::builder().execution_successful(complete).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    if !report.scan.started_at.is_empty() {
        invocation.start_time_utc = Some(report.scan.started_at.clone());
    }
    if !report.scan.finished_at.is_empty() {
        invocation.end_time_utc = Some(report.scan.finished_at.clone());
    }

    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .semantic_version(report.tool.version.clone())
        .information_uri(INFORMATION_URI.to_string())
        .rules(all.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(Vec::<SarifResult>::new())
        .invocations(vec![invocation])
        .automation_details(RunAutomationDetails::builder().id(automation_id).build())
        .build();
    let sarif = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    s.push('\n');
    s
}

mod split;
#[cfg(test)]
mod tests;

pub use split::{account_automation_id, render_split, AccountSarif, SplitSink};

/// GitHub code scanning's hard limits on one SARIF upload: past any of them the whole upload
/// is rejected (see the README's SARIF section for the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub runs_per_file: usize,
    pub results_per_run: usize,
    pub rules_per_run: usize,
    pub tags_per_rule: usize,
    pub locations_per_result: usize,
    /// The file gzip-compressed, in bytes (10 MB, taken as 10,000,000 to stay clear of it).
    pub gzip_bytes: u64,
}

pub const GITHUB_LIMITS: Limits = Limits {
    runs_per_file: 20,
    results_per_run: 25_000,
    rules_per_run: 25_000,
    tags_per_rule: 20,
    locations_per_result: 1_000,
    gzip_bytes: 10_000_000,
};

/// Counts what is written through it (the gzip-compressed size, without keeping the bytes).
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn gzip_size(text: &str) -> u64 {
    gzip_size_of(|w| w.write_all(text.as_bytes())).expect("writing to a counter never fails")
}

/// The gzip-compressed size of what `write` writes.
fn gzip_size_of(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<u64> {
    let mut gz = flate2::write::GzEncoder::new(Counter(0), flate2::Compression::default());
    write(&mut gz)?;
    Ok(gz.finish()?.0)
}

/// Why GitHub would reject a SARIF file of one run with `results` results, if it would.
/// Every result has one location and every file one run, so those limits hold by construction;
/// the rules and their tags are the tool's own and are checked too.
pub fn over_limits(text: &str, results: usize, limits: &Limits) -> Option<String> {
    over_limits_of(results, text.len() as u64, limits, || gzip_size(text))
}

/// [`over_limits`] of a file of `size` bytes, `gzip` giving its compressed size. A file whose
/// compressed size cannot reach the limit is not compressed: deflate adds at most 5 bytes to
/// each stored block of 16 KiB or more, and gzip 18 bytes of header and trailer.
fn over_limits_of(
    results: usize,
    size: u64,
    limits: &Limits,
    gzip: impl FnOnce() -> u64,
) -> Option<String> {
    let all = rules::all();
    if results > limits.results_per_run {
        return Some(format!(
            "{results} results in one run, over GitHub's limit of {} per run",
            limits.results_per_run
        ));
    }
    if all.len() > limits.rules_per_run {
        return Some(format!(
            "{} rules, over GitHub's limit of {} per run",
            all.len(),
            limits.rules_per_run
        ));
    }
    if let Some(rule) = all.iter().find(|r| r.tags.len() > limits.tags_per_rule) {
        return Some(format!(
            "rule {} has {} tags, over GitHub's limit of {}",
            rule.id,
            rule.tags.len(),
            limits.tags_per_rule
        ));
    }
    if size + size / 1000 + 64 <= limits.gzip_bytes {
        return None;
    }
    let gzip = gzip();
    if gzip > limits.gzip_bytes {
        return Some(format!(
            "{gzip} bytes gzip-compressed, over GitHub's limit of {} per file",
            limits.gzip_bytes
        ));
    }
    None
}

/// The SARIF log of the whole report, written as the findings come: the results go to a spool
/// (the run's invocation, which names the expired and stale suppressions, precedes them in
/// the log), and the log is put together when the findings end. With `limits`, a log GitHub
/// would reject is not written (and a spool past the results limit stops growing: that log is
/// rejected whatever follows).
pub struct SarifSink {
    out: Out,
    category: Option<String>,
    limits: Option<Limits>,
    spool: Spool,
    items: Items,
    results: usize,
}

/// The frame of a log: its results' indentation is the same in every log.
fn frame_of(report: &AuditReport) -> Frame {
    Frame::around(
        &run_skeleton(report, &[], true, false, String::new()),
        "results",
    )
}

impl SarifSink {
    pub fn new(
        report: &AuditReport,
        category: Option<&str>,
        limits: Option<Limits>,
        out: Out,
        spool: Spool,
    ) -> SarifSink {
        SarifSink {
            out,
            category: category.map(str::to_string),
            limits,
            spool,
            items: frame_of(report).items(),
            results: 0,
        }
    }
}

/// The SARIF result of a finding as an item of `results` (the same place in every log).
struct ResultItem {
    /// The indentation of the items' lines (see [`Items::indent`]).
    indent: String,
}

impl Render for ResultItem {
    fn render(
        &self,
        f: &Finding,
        suppressed: Option<&Suppressed>,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        render_item(
            self.indent.as_bytes(),
            &result(f, rule_index(f), suppressed),
            out,
        )
    }
}

impl SarifSink {
    /// Counts one more result; false once the log is past its limit of results (the log
    /// will be rejected, so the rest are only counted).
    fn counted(&mut self) -> bool {
        self.results += 1;
        self.limits
            .is_none_or(|l| self.results <= l.results_per_run)
    }
}

impl Sink for SarifSink {
    fn renderer(&self) -> Option<Box<dyn Render>> {
        Some(Box::new(ResultItem {
            indent: self.items.indent().to_string(),
        }))
    }

    fn rendered(
        &mut self,
        _f: &Finding,
        _suppressed: Option<&Suppressed>,
        item: &[u8],
    ) -> io::Result<()> {
        if !self.counted() {
            return Ok(());
        }
        self.items.write_rendered(&mut self.spool, item)
    }

    fn finish(mut self: Box<Self>, report: &AuditReport) -> io::Result<Finished> {
        let targets: Vec<&TargetSummary> = report.scan.targets.iter().collect();
        let frame = Frame::around(
            &run_skeleton(
                report,
                &targets,
                report.scan.complete,
                true,
                automation_id(report, self.category.as_deref()),
            ),
            "results",
        );
        let file = Assembly {
            frame: &frame,
            items: &self.items,
            range: (0, self.spool.len()),
        };
        self.spool.flush()?;
        if let Some(limits) = &self.limits {
            let size = file.size();
            let spool = &self.spool;
            let mut failed = None;
            let why = over_limits_of(self.results, size, limits, || {
                gzip_size_of(|w| file.write(spool, w)).unwrap_or_else(|e| {
                    failed = Some(e);
                    0
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            if let Some(why) = why {
                return Ok(Finished {
                    out: self.out,
                    rejected: vec![why],
                });
            }
        }
        file.write_into(&self.spool, &mut self.out)?;
        Ok(Finished {
            out: self.out,
            rejected: vec![],
        })
    }
}

/// A log put together from its frame and a range of a spool of results.
struct Assembly<'a> {
    frame: &'a Frame,
    items: &'a Items,
    range: (u64, u64),
}

impl Assembly<'_> {
    fn write(&self, spool: &Spool, w: &mut dyn Write) -> io::Result<()> {
        self.write_with(w, |w| spool.copy_range(self.range.0, self.range.1, w))
    }

    /// [`Assembly::write`] into a report, the results copied by the kernel where it can.
    fn write_into(&self, spool: &Spool, out: &mut Out) -> io::Result<()> {
        self.write_with(out, |out| {
            spool.copy_range_into(self.range.0, self.range.1, out)
        })
    }

    fn write_with<W: Write + ?Sized>(
        &self,
        w: &mut W,
        results: impl FnOnce(&mut W) -> io::Result<()>,
    ) -> io::Result<()> {
        w.write_all(self.frame.head.as_bytes())?;
        results(w)?;
        self.items.close(w)?;
        w.write_all(self.frame.tail.as_bytes())
    }

    fn size(&self) -> u64 {
        let mut close = Counter(0);
        self.items
            .close(&mut close)
            .expect("writing to a counter never fails");
        (self.frame.head.len() + self.frame.tail.len()) as u64
            + (self.range.1 - self.range.0)
            + close.0
    }
}
