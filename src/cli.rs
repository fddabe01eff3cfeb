//! Command line: argument parsing, validation, and the glue from scan to report to exit code.
//!
//! Exit codes (documented in the README):
//! - 0: the scan was complete and no finding is at or above `--fail-on`;
//! - 1: the scan was complete and some finding is at or above `--fail-on`;
//! - 2: some account or region could not be fully scanned, or a usage/input error.
//!
//! An incomplete scan always exits 2, findings or not, so it can never pass for clean.

use crate::aws::{self, ScanOptions};
use crate::config::{Config, ScanDefaults};
use crate::inventory::{Inventory, ShardSpec, TargetStatus};
use crate::model::{Finding, Severity};
use crate::policy::OffsetDateTime;
use crate::report::stream::{Out, Render, Rendered, Sink, Spool};
use crate::report::suppression::Matched;
use crate::report::{self, counted, sarif, AuditReport};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_INCOMPLETE_OR_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "overexposed",
    version,
    about = "Finds API Gateway methods and network paths that expose a private backend beyond its AWS account",
    long_about = None,
    after_help = "Exit codes: 0 clean (scan complete, nothing at or above --fail-on), 1 findings, 2 incomplete scan or usage error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan accounts and regions, then report over-exposed entry points.
    Audit {
        #[command(flatten)]
        scan: ScanArgs,
        #[command(flatten)]
        report: ReportArgs,
        /// Also write the raw inventory snapshot here (audit it again later with `analyze`).
        /// Missing parent directories are created.
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
    },
    /// Scan accounts and regions and write the inventory snapshot only (no analysis).
    Collect {
        #[command(flatten)]
        scan: ScanArgs,
        /// Where to write the snapshot (JSON; `-` is stdout). Missing parent directories are
        /// created. A file is also written as the scan goes (see --checkpoint-every), so a
        /// stopped scan leaves a snapshot to resume.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Resume the scan of this snapshot (a checkpoint of a stopped scan, or a scan with
        /// failures): keep every target it read in full, read the rest. The scope flags
        /// (--organization or --accounts, --regions, --no-network, --shard) must be the
        /// snapshot's. The result goes to --output (which may be the same file).
        #[arg(long, value_name = "SNAPSHOT")]
        resume: Option<PathBuf>,
        /// Seconds between two checkpoints of the snapshot file while the scan runs.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        checkpoint_every: u64,
    },
    /// Audit an inventory snapshot offline (no AWS calls).
    Analyze {
        /// Snapshot written by `collect` or `audit --snapshot`. Repeat it, or name a directory
        /// (its `*.json` files), to merge the shards of one scan into one report: every shard
        /// must be there, each once, all of one scope.
        #[arg(long, value_name = "FILE|DIR", required = true)]
        inventory: Vec<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
        /// No summary line on stderr.
        #[arg(long, short)]
        quiet: bool,
        /// The configuration to read (default: ./overexposed.toml when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Accept every finding of a report: append a `[[suppress]]` entry by fingerprint for each
    /// finding not yet suppressed, so that later scans gate only on new exposure.
    Baseline {
        /// A JSON report written by `audit` or `analyze`.
        #[arg(long, value_name = "FILE")]
        report: PathBuf,
        /// The configuration to write or append to (the rest of it is kept as it is).
        #[arg(long, short, value_name = "FILE", default_value = crate::config::DEFAULT_FILE)]
        output: PathBuf,
        /// The reason written on every entry (default: accepted at the baseline of today).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// The last day the entries suppress (YYYY-MM-DD); after it they expire.
        #[arg(long, value_name = "DATE", value_parser = parse_expires)]
        expires: Option<time::Date>,
        /// No summary line on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the rules, or explain one.
    Rules {
        /// Rule id to explain (e.g. apigw-unauthenticated-write-internet).
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Comma-separated 12-digit account ids to enter with sts:AssumeRole. Without it, the
    /// caller's own account is audited with the caller's credentials.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub accounts: Option<Vec<String>>,
    /// Scan every active account of the caller's AWS Organization (organizations:ListAccounts;
    /// run it from the management account or a delegated administrator). Suspended accounts
    /// are skipped and listed.
    #[arg(long, conflicts_with = "accounts")]
    pub organization: bool,
    /// Role assumed in each account: arn:aws:iam::<account>:role/<role-name> [default:
    /// SecurityAudit].
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// External id passed to sts:AssumeRole.
    #[arg(
        long,
        value_name = "ID",
        env = "OVEREXPOSED_EXTERNAL_ID",
        hide_env_values = true
    )]
    pub external_id: Option<String>,
    /// Comma-separated regions. Default: every region enabled in each account.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Option<Vec<String>>,
    /// Named profile for the caller's credentials and region (default: the standard chain).
    /// Wins over AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; AWS_REGION still sets the region.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator, a proxy).
    // clap appends `[env: AWS_ENDPOINT_URL]` itself; hiding the value keeps it from reading
    // `[env: AWS_ENDPOINT_URL=]` when unset.
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub endpoint_url: Option<String>,
    /// Account × region targets scanned at once (each reads 4 resources at a time at most)
    /// [default: 64].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Timeout of each AWS call, in seconds (retries included).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Attempts per AWS call (throttling, 5xx and network errors are retried with exponential
    /// backoff and jitter).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_attempts: u32,
    /// Skip the network inventory (PrivateLink, peering, load balancers): API Gateway only.
    #[arg(long)]
    pub no_network: bool,
    /// Scan only shard K of N (counted from 1): the accounts whose hash falls in this shard.
    /// Run every shard of 1/N … N/N as its own job, then `analyze` every shard's snapshot
    /// together.
    #[arg(long, value_name = "K/N", value_parser = ShardSpec::parse)]
    pub shard: Option<ShardSpec>,
    /// No progress lines and no summary line on stderr (errors still print).
    #[arg(long, short)]
    pub quiet: bool,
    /// The configuration to read: scan defaults (flags win) and `[[suppress]]` entries
    /// (default: ./overexposed.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    /// A summary for people: GitHub step summaries, pull-request comments, tickets.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    /// Any finding, informational ones included (e.g. `peering-cross-account-no-path`).
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Format of the report on stdout (default: table on a terminal, json otherwise), and of
    /// --output files whose name has no known extension (default: json).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE (repeatable; `-` is stdout). The format follows the extension
    /// (.json, .sarif, .txt, .md); any other name gets --format, or JSON without it. Files are
    /// written atomically; missing parent directories are created. Without --format (and
    /// without `-o -`), stdout stays empty and a one-line summary goes to stderr; with
    /// --format, the report also goes to stdout in that format.
    #[arg(long, short, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Exit 1 when a finding that is not suppressed is at or above this severity (`info`: any
    /// finding; `never` turns gating off) [default: low].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Under the table, explain every finding: the resource ARN, why it matters and how to
    /// fix it (JSON and SARIF always carry these).
    #[arg(long)]
    pub details: bool,
    /// Category of the SARIF run (`automationDetails.id` NAME/). GitHub code scanning closes
    /// an alert when an upload of the same category no longer reports it, so give each
    /// scheduled scan one stable name. Default: derived from the scope (see README).
    #[arg(long, value_name = "NAME", value_parser = parse_sarif_category)]
    pub sarif_category: Option<String>,
    /// Also write one SARIF file per account into DIR (`<account>.sarif`, each one run with
    /// its own category `<category>/<account>/`), for scans past GitHub's limits on one upload.
    #[arg(long, value_name = "DIR")]
    pub sarif_split_dir: Option<PathBuf>,
    /// Comma-separated account ids that are yours (beyond the organization --organization
    /// lists): principals of these accounts who can become a role that writes are reported
    /// at a low severity, not as outsiders.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub trusted_accounts: Vec<String>,
    /// Evaluate the policies' time conditions (aws:CurrentTime, aws:EpochTime) at this instant
    /// (RFC 3339, e.g. 2027-03-01T00:00:00Z) instead of the scan's start.
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    pub at: Option<OffsetDateTime>,
}

fn parse_instant(raw: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339).map_err(|e| {
        format!("'{raw}' is not an RFC 3339 instant such as 2027-03-01T00:00:00Z: {e}")
    })
}

impl ReportArgs {
    /// What the analysis is told beyond the inventory; the configuration's `trusted_accounts`
    /// when the flag is not given.
    fn analysis_options(
        &self,
        defaults: &ScanDefaults,
    ) -> Result<crate::analysis::AnalysisOptions, UsageError> {
        let given = if self.trusted_accounts.is_empty() {
            defaults.trusted_accounts.as_deref().unwrap_or_default()
        } else {
            &self.trusted_accounts
        };
        let mut trusted = std::collections::BTreeSet::new();
        for raw in given {
            let a = raw.trim();
            if a.is_empty() {
                continue;
            }
            if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UsageError(format!(
                    "invalid account id '{a}' in --trusted-accounts: an AWS account id is exactly 12 digits"
                )));
            }
            trusted.insert(a.to_string());
        }
        Ok(crate::analysis::AnalysisOptions {
            trusted_accounts: trusted,
            at: self.at,
            ..Default::default()
        })
    }
}

/// A category is a path-like name: no spaces or control characters, no empty segments.
fn parse_sarif_category(raw: &str) -> Result<String, String> {
    let name = raw.trim().trim_end_matches('/');
    if name.is_empty()
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
        || name.split('/').any(str::is_empty)
    {
        return Err(format!(
            "'{raw}' is not a SARIF category: use a name such as overexposed/prod-org (no spaces, no empty path segments)"
        ));
    }
    Ok(name.to_string())
}

/// `--expires`: a day, `YYYY-MM-DD`.
fn parse_expires(raw: &str) -> Result<time::Date, String> {
    crate::config::parse_date(raw).ok_or_else(|| format!("'{raw}' is not a date: write YYYY-MM-DD"))
}

/// A usage or input error: printed as `error: …` and exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl From<crate::config::ConfigError> for UsageError {
    fn from(e: crate::config::ConfigError) -> UsageError {
        UsageError(e.0)
    }
}

/// The scan options: the flags, else the configuration's defaults, else the built-in ones.
fn validate_scan(args: &ScanArgs, defaults: &ScanDefaults) -> Result<ScanOptions, UsageError> {
    // A scope on the command line replaces the configuration's scope as a whole.
    let flag_scope = args.accounts.is_some() || args.organization;
    let organization = args.organization || (!flag_scope && defaults.organization == Some(true));
    let accounts_given = if flag_scope {
        args.accounts.clone()
    } else {
        defaults.accounts.clone()
    };
    let role_name = args
        .role_name
        .clone()
        .or_else(|| defaults.role_name.clone())
        .unwrap_or_else(|| "SecurityAudit".into());
    let external_id = match (&args.external_id, &defaults.external_id_env) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(name)) => Some(std::env::var(name).map_err(|_| {
            UsageError(format!(
                "the configuration's external_id_env names {name}, which is not set (or not UTF-8)"
            ))
        })?),
        (None, None) => None,
    };
    let regions_given = args.regions.clone().or_else(|| defaults.regions.clone());
    let concurrency = args.concurrency.or(defaults.concurrency).unwrap_or(64);
    let accounts = match &accounts_given {
        None => None,
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for raw in list {
                let a = raw.trim();
                if a.is_empty() {
                    continue;
                }
                if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(UsageError(format!(
                        "invalid account id '{a}' in --accounts: an AWS account id is exactly 12 digits"
                    )));
                }
                if !out.iter().any(|x| x == a) {
                    out.push(a.to_string());
                }
            }
            if out.is_empty() {
                return Err(UsageError(
                    "--accounts is empty: name at least one 12-digit account id".into(),
                ));
            }
            Some(out)
        }
    };
    let role_ok = !role_name.is_empty()
        && role_name.len() <= 512
        && role_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if !role_ok {
        return Err(UsageError(format!(
            "invalid --role-name '{role_name}': use the role's name (letters, digits and +=,.@_-), optionally with its path",
        )));
    }
    if let Some(id) = &external_id {
        if id.len() < 2 || id.len() > 1224 {
            return Err(UsageError(
                "invalid --external-id: AWS accepts 2 to 1224 characters".into(),
            ));
        }
    }
    let regions = match &regions_given {
        None => None,
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for raw in list {
                let r = raw.trim();
                if r.is_empty() {
                    continue;
                }
                if !valid_region(r) {
                    return Err(UsageError(format!(
                        "invalid region '{r}' in --regions (expected a name like us-east-1 or eu-west-2)"
                    )));
                }
                if !out.iter().any(|x| x == r) {
                    out.push(r.to_string());
                }
            }
            if out.is_empty() {
                return Err(UsageError("--regions is empty".into()));
            }
            Some(out)
        }
    };
    if concurrency == 0 || concurrency > 256 {
        return Err(UsageError("--concurrency must be between 1 and 256".into()));
    }
    if args.timeout == 0 || args.timeout > 3600 {
        return Err(UsageError(
            "--timeout must be between 1 and 3600 seconds".into(),
        ));
    }
    if args.max_attempts == 0 || args.max_attempts > 20 {
        return Err(UsageError("--max-attempts must be between 1 and 20".into()));
    }
    if let Some(url) = &args.endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(UsageError(format!(
                "invalid --endpoint-url '{url}': expected http:// or https://"
            )));
        }
    }
    Ok(ScanOptions {
        accounts,
        organization,
        role_name,
        external_id,
        regions,
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone().filter(|u| !u.is_empty()),
        concurrency,
        operation_timeout: Duration::from_secs(args.timeout),
        max_attempts: args.max_attempts,
        progress: (!args.quiet).then(stderr_progress),
        network: !args.no_network,
        shard: args.shard,
        resume: None,
        checkpoint: None,
        checkpoint_every: Duration::from_secs(30),
    })
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-5`, `cn-north-1`.
fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed and
/// synced, then renamed over the target. A crash never leaves a truncated report behind, and a
/// failed write leaves no temporary file (it is removed when dropped).
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .permissions(report::stream::ordinary_file_permissions())
        .tempfile_in(&dir)?;
    tmp.write_all(contents.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `-` as an output path: stdout.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Checks, before any AWS call, that a report or snapshot can be written to `path`: a scan of
/// a whole organization must not end with "could not write". Creates the missing parent
/// directories (the write would create them anyway) and probes them with a temporary file;
/// errors name the path as the user gave it. `what` is the flag, for the message.
fn check_output_path(path: &Path, what: &str) -> Result<(), UsageError> {
    if is_stdout(path) {
        return Ok(());
    }
    let shown = path.display();
    let bad = |why: String| UsageError(format!("cannot write {what} {shown}: {why}"));
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        return Err(bad("it is a directory; name a file".into()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        bad(format!(
            "could not create its directory {}: {e}",
            dir.display()
        ))
    })?;
    // The same kind of file `write_atomically` creates, so the probe tests what the write does.
    let probe = dir.join(format!(".overexposed-probe.{}.tmp", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| {
        bad(format!(
            "its directory {} is not writable: {e}",
            dir.display()
        ))
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

fn check_report_outputs(args: &ReportArgs) -> Result<(), UsageError> {
    for path in &args.output {
        check_output_path(path, "--output")?;
    }
    if let Some(dir) = &args.sarif_split_dir {
        if dir.exists() && !dir.is_dir() {
            return Err(UsageError(format!(
                "cannot write --sarif-split-dir {}: it is not a directory",
                dir.display()
            )));
        }
        check_output_path(&dir.join("account.sarif"), "--sarif-split-dir")?;
    }
    Ok(())
}

/// The format of an `--output` file. It never depends on whether stdout is a terminal (a report
/// file must not change with where the command ran): a name with no known extension gets
/// `--format`, else JSON.
fn file_format(path: &Path, format_flag: Option<Format>) -> Format {
    format_for(path, format_flag.unwrap_or(Format::Json))
}

fn format_for(path: &Path, fallback: Format) -> Format {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".sarif") || name.ends_with(".sarif.json") {
        Format::Sarif
    } else if name.ends_with(".json") {
        Format::Json
    } else if name.ends_with(".txt") || name.ends_with(".table") {
        Format::Table
    } else if name.ends_with(".md") || name.ends_with(".markdown") {
        Format::Markdown
    } else {
        fallback
    }
}

/// The renderer of `format`, writing to `out`.
fn sink<'a>(
    header: &AuditReport,
    format: Format,
    color: bool,
    args: &ReportArgs,
    out: Out,
) -> std::io::Result<Box<dyn Sink + 'a>> {
    Ok(match format {
        Format::Table => Box::new(report::table::TableSink::new(color, args.details, out)),
        Format::Json => Box::new(report::json::JsonSink::new(header, out)?),
        Format::Sarif => Box::new(sarif::SarifSink::new(
            header,
            args.sarif_category.as_deref(),
            // A SARIF report GitHub would reject is not written: the other reports still
            // are, and the run fails (exit 2) saying why, so no upload step ever sees a file
            // that loses results.
            Some(sarif::GITHUB_LIMITS),
            out,
            Spool::temporary()?,
        )),
        Format::Markdown => Box::new(report::markdown::MarkdownSink::new(
            full_report_path(args).as_deref(),
            report::markdown::STEP_SUMMARY_LIMIT,
            out,
        )),
    })
}

/// Where a Markdown summary that had to leave findings out sends the reader: the first JSON,
/// else SARIF, report file written beside it.
fn full_report_path(args: &ReportArgs) -> Option<String> {
    let files = || args.output.iter().filter(|p| !is_stdout(p));
    [Format::Json, Format::Sarif]
        .into_iter()
        .find_map(|wanted| {
            files()
                .find(|p| file_format(p, args.format) == wanted)
                .map(|p| p.display().to_string())
        })
}

/// One account × region's findings as the analysis thread that made them leaves them for the
/// writer: each finding's suppression, and what each sink with a renderer writes for it (or
/// why rendering failed).
struct PreparedGroup {
    findings: Vec<Finding>,
    matched: Vec<Matched>,
    rendered: Vec<Option<Result<Rendered, String>>>,
}

/// Where a sink writes, for its messages.
enum Dest {
    File(PathBuf),
    SplitDir,
    Stdout,
}

impl Dest {
    fn write_error(&self, e: std::io::Error) -> anyhow::Error {
        match self {
            Dest::File(path) => anyhow::anyhow!("could not write {}: {e}", path.display()),
            Dest::SplitDir => anyhow::anyhow!("could not write --sarif-split-dir: {e}"),
            Dest::Stdout => anyhow::anyhow!("could not write to stdout: {e}"),
        }
    }
}

/// Analyses `inv` one account × region at a time and writes every report as the findings
/// come, to every output at once, applying the configuration's suppressions on the way; then
/// decides the exit code. No finding is kept beyond its account × region (issue 12).
fn emit(
    inv: &Inventory,
    analysis: &crate::analysis::AnalysisOptions,
    config: &Config,
    args: &ReportArgs,
    quiet: bool,
) -> anyhow::Result<i32> {
    let header = report::build_report(inv, Vec::new());
    let fail_on = args.fail_on.or(config.scan.fail_on).unwrap_or(FailOn::Low);
    let stdout_tty = std::io::stdout().is_terminal();
    let default_format = if stdout_tty {
        Format::Table
    } else {
        Format::Json
    };
    let format = args.format.unwrap_or(default_format);
    let mut sinks: Vec<(Box<dyn Sink>, Dest)> = Vec::new();
    for path in args.output.iter().filter(|p| !is_stdout(p)) {
        let dest = Dest::File(path.clone());
        let out = Out::file(path).map_err(|e| dest.write_error(e))?;
        let sink = sink(&header, file_format(path, args.format), false, args, out)
            .map_err(|e| dest.write_error(e))?;
        sinks.push((sink, dest));
    }
    if let Some(dir) = &args.sarif_split_dir {
        let spool = Spool::temporary().map_err(|e| Dest::SplitDir.write_error(e))?;
        let split = sarif::SplitSink::new(&header, args.sarif_category.as_deref(), spool);
        sinks.push((Box::new(split.into_dir(dir)), Dest::SplitDir));
    }
    let to_stdout =
        args.output.is_empty() || args.format.is_some() || args.output.iter().any(|p| is_stdout(p));
    if to_stdout {
        let color = stdout_tty && std::env::var_os("NO_COLOR").is_none() && format == Format::Table;
        let sink = sink(&header, format, color, args, Out::stdout())
            .map_err(|e| Dest::Stdout.write_error(e))?;
        sinks.push((sink, Dest::Stdout));
    }

    let index = report::suppression::SuppressionIndex::new(&config.suppress, today());
    let mut tally = index.tally();
    let mut active = 0usize;
    let mut worst: Option<Severity> = None;
    // The accounts are analysed on every core, where each finding is also matched against the
    // suppressions and rendered for the sinks that can render it on its own; this thread
    // writes the reports, in order.
    let renderers: Vec<Option<Box<dyn Render>>> =
        sinks.iter().map(|(sink, _)| sink.renderer()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let prepare = |findings: Vec<Finding>| {
        let matched: Vec<Matched> = findings.iter().map(|f| index.matching(f)).collect();
        let rendered = renderers
            .iter()
            .map(|r| {
                let each = findings.iter().zip(&matched);
                r.as_ref().map(|r| {
                    Rendered::of(&**r, each.map(|(f, m)| (f, m.suppressed.as_ref())))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        PreparedGroup {
            findings,
            matched,
            rendered,
        }
    };
    crate::analysis::Analysis::new(inv, analysis).for_each_group_prepared(
        threads,
        prepare,
        |group| {
            for (i, (f, matched)) in group.findings.iter().zip(&group.matched).enumerate() {
                tally.record(matched);
                let suppressed = matched.suppressed.as_ref();
                if suppressed.is_none() {
                    active += 1;
                    worst = worst.max(Some(f.severity));
                }
                for ((sink, dest), rendered) in sinks.iter_mut().zip(&group.rendered) {
                    match rendered {
                        None => sink.finding(f, suppressed),
                        Some(Ok(r)) => sink.rendered(f, suppressed, r.item(i)),
                        Some(Err(e)) => Err(std::io::Error::other(e.clone())),
                    }
                    .map_err(|e| dest.write_error(e))?;
                }
            }
            Ok::<(), anyhow::Error>(())
        },
    )?;

    let mut report = header;
    report.suppressions = tally.summary(&index);
    let mut rejected: Vec<String> = Vec::new();
    for (sink, dest) in sinks {
        let finished = sink.finish(&report).map_err(|e| dest.write_error(e))?;
        if finished.rejected.is_empty() {
            finished.out.commit().map_err(|e| dest.write_error(e))?;
            continue;
        }
        let what = match &dest {
            Dest::File(path) => path.display().to_string(),
            Dest::Stdout => "the SARIF report on stdout".to_string(),
            Dest::SplitDir => {
                // The split sink's reasons name the directory and the account.
                rejected.extend(finished.rejected);
                continue;
            }
        };
        for why in finished.rejected {
            rejected.push(format!(
                "{what} not written: {why}; write one SARIF file per account with --sarif-split-dir DIR"
            ));
        }
    }
    if !to_stdout && !quiet {
        eprintln!(
            "{}",
            report::one_line_summary_of(active, &report.suppressions, &report.scan)
        );
    }
    if !rejected.is_empty() {
        for why in &rejected {
            eprintln!("error: {why}");
        }
        return Ok(EXIT_INCOMPLETE_OR_USAGE);
    }
    Ok(exit_code_of(report.scan.complete, worst, fail_on))
}

/// Today in UTC: the day suppressions' `expires` dates are compared with.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Writes `text` to `out`. A reader that went away (EPIPE, e.g. `| head`) took what it wanted,
/// so that is not an error; any other failure (a full disk, a closed or unwritable stdout) is,
/// because a report that was never written must not pass for a clean run.
fn write_report(out: &mut impl Write, text: &str) -> anyhow::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
    }
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    write_report(&mut std::io::stdout().lock(), text)
}

/// A snapshot on stdout is data for another program: one cut short by a reader that went away
/// is a failure (exit 2), never a complete collection.
fn write_snapshot_to_stdout(out: &mut impl Write, text: &str) -> anyhow::Result<()> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("could not write the snapshot to stdout: {e}"))
}

pub fn exit_code(report: &AuditReport, fail_on: FailOn) -> i32 {
    exit_code_of(
        report.scan.complete,
        report.active_findings().map(|f| f.severity).max(),
        fail_on,
    )
}

/// The exit code of a scan `complete` or not whose worst finding not suppressed is `worst`.
fn exit_code_of(complete: bool, worst: Option<Severity>, fail_on: FailOn) -> i32 {
    if !complete {
        return EXIT_INCOMPLETE_OR_USAGE;
    }
    let threshold = match fail_on {
        FailOn::Never => return EXIT_CLEAN,
        FailOn::Critical => Severity::Critical,
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
        FailOn::Info => Severity::Info,
    };
    if worst.is_some_and(|w| w >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Runs a parsed command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Rules { id } => {
            match id {
                // Not `print!`: it panics when stdout cannot be written (e.g. `> /dev/full`).
                None => write_stdout(&report::rule_docs::list_table())?,
                Some(id) => match crate::rules::get(&id) {
                    Some(rule) => write_stdout(&report::rule_docs::explain(rule))?,
                    None => {
                        return Err(UsageError(format!(
                            "unknown rule '{id}'; `overexposed rules` lists them"
                        ))
                        .into())
                    }
                },
            }
            Ok(EXIT_CLEAN)
        }
        Command::Analyze {
            inventory,
            report: args,
            quiet,
            config,
        } => {
            let config = Config::load(config.as_deref()).map_err(UsageError::from)?;
            check_report_outputs(&args)?;
            let analysis = args.analysis_options(&config.scan)?;
            let inv = load_inventories(&inventory)?;
            let code = emit(&inv, &analysis, &config, &args, quiet);
            // The process ends next: freeing an organization's inventory piece by piece would
            // take a tenth of a second for nothing (the OS takes the memory back at once).
            std::mem::forget(inv);
            code
        }
        Command::Baseline {
            report,
            output,
            reason,
            expires,
            quiet,
        } => {
            let added = crate::baseline::run(&report, &output, reason, expires, today())?;
            if !quiet {
                eprintln!("overexposed: {added}");
            }
            Ok(EXIT_CLEAN)
        }
        Command::Collect {
            scan,
            output,
            resume,
            checkpoint_every,
        } => {
            let config = Config::load(scan.config.as_deref()).map_err(UsageError::from)?;
            let mut opts = validate_scan(&scan, &config.scan)?;
            check_output_path(&output, "--output")?;
            if checkpoint_every == 0 {
                return Err(
                    UsageError("--checkpoint-every must be at least 1 second".into()).into(),
                );
            }
            opts.checkpoint_every = Duration::from_secs(checkpoint_every);
            if let Some(path) = &resume {
                let previous = load_inventory(path)?;
                check_resumable(&previous, &opts, path)?;
                if !scan.quiet {
                    eprintln!(
                        "resuming {}: {} target(s) read in full are kept, the rest is read",
                        path.display(),
                        previous
                            .targets
                            .iter()
                            .filter(|t| t.status == TargetStatus::Complete && t.errors.is_empty())
                            .count()
                    );
                }
                opts.resume = Some(Arc::new(previous));
            }
            if !is_stdout(&output) {
                opts.checkpoint = Some(checkpoint_to(output.clone()));
            }
            let inv = runtime()?.block_on(aws::collect(&opts))?;
            let json = serde_json::to_string_pretty(&inv)? + "\n";
            let written = if is_stdout(&output) {
                write_snapshot_to_stdout(&mut std::io::stdout().lock(), &json)?;
                "the snapshot to stdout".to_string()
            } else {
                write_atomically(&output, &json)
                    .map_err(|e| anyhow::anyhow!("could not write {}: {e}", output.display()))?;
                output.display().to_string()
            };
            let complete = inv.is_complete();
            if !scan.quiet {
                eprintln!(
                    "overexposed: wrote {written} ({}){}",
                    counted(inv.targets.len(), "target", "targets"),
                    if complete { "" } else { "; SCAN INCOMPLETE" }
                );
            }
            Ok(if complete {
                EXIT_CLEAN
            } else {
                EXIT_INCOMPLETE_OR_USAGE
            })
        }
        Command::Audit {
            scan,
            report: args,
            snapshot,
        } => {
            let config = Config::load(scan.config.as_deref()).map_err(UsageError::from)?;
            let opts = validate_scan(&scan, &config.scan)?;
            check_report_outputs(&args)?;
            let analysis = args.analysis_options(&config.scan)?;
            if let Some(path) = &snapshot {
                if is_stdout(path) {
                    return Err(UsageError(
                        "--snapshot -: stdout carries the report; write the snapshot to a file, \
                         or use `overexposed collect -o -`"
                            .into(),
                    )
                    .into());
                }
                check_output_path(path, "--snapshot")?;
            }
            let inv = runtime()?.block_on(aws::collect(&opts))?;
            if let Some(path) = &snapshot {
                let json = serde_json::to_string_pretty(&inv)? + "\n";
                write_atomically(path, &json)
                    .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
            }
            emit(&inv, &analysis, &config, &args, scan.quiet)
        }
    }
}

mod progress;
mod snapshots;

use progress::stderr_progress;
#[cfg(test)]
use progress::{in_ci, progress_line};
#[cfg(test)]
use snapshots::load_inventory_reading_whole_up_to;
use snapshots::{check_resumable, checkpoint_to, load_inventories, load_inventory};

#[cfg(test)]
mod tests;
