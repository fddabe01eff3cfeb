//! The configuration file, `overexposed.toml`: scan defaults that flags override, and
//! `[[suppress]]` entries (decisions already made about findings).
//!
//! Read from `--config FILE`, else from `./overexposed.toml` when it exists. Unknown keys are
//! errors (a misspelt key must not silently do nothing), and every error names the file, the
//! line and the key.

use crate::cli::FailOn;
use crate::model::Finding;
use crate::policy::glob::glob;
use crate::rules::RuleId;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use time::Date;

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_FILE: &str = "overexposed.toml";

/// A configuration file that cannot be read or used: printed as `error: …`, exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A configuration as read: where from, the scan defaults, and the suppressions.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file as the user named it (or `overexposed.toml`); `None` when there was none.
    pub source: Option<PathBuf>,
    pub scan: ScanDefaults,
    /// In file order: the first entry that matches a finding is the one that suppresses it.
    pub suppress: Vec<SuppressEntry>,
}

/// Scan defaults; a flag given on the command line wins over each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanDefaults {
    pub accounts: Option<Vec<String>>,
    pub organization: Option<bool>,
    pub role_name: Option<String>,
    /// The NAME of the environment variable that holds the external id: the secret itself
    /// never belongs in a file that is committed.
    pub external_id_env: Option<String>,
    pub regions: Option<Vec<String>>,
    pub concurrency: Option<usize>,
    pub fail_on: Option<FailOn>,
    /// Accounts that are yours beyond the organization (`--trusted-accounts`).
    pub trusted_accounts: Option<Vec<String>>,
}

/// The file's shape, as serde reads it; [`SuppressEntry`] is the checked form of an entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    accounts: Option<Vec<String>>,
    organization: Option<bool>,
    role_name: Option<String>,
    external_id_env: Option<String>,
    regions: Option<Vec<String>>,
    concurrency: Option<usize>,
    fail_on: Option<FailOn>,
    trusted_accounts: Option<Vec<String>>,
    #[serde(default)]
    suppress: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: Option<String>,
    resource: Option<String>,
    method: Option<String>,
    path: Option<String>,
    fingerprint: Option<String>,
    reason: Option<String>,
    expires: Option<toml::Value>,
}

/// One `[[suppress]]` entry. Every criterion given must match (they are and-ed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressEntry {
    /// `FILE:LINE` of the entry's `[[suppress]]` header, for every message about it.
    pub location: String,
    pub rule: Option<RuleId>,
    /// Glob (`*`, `?`) on the finding's `resource_arn`.
    pub resource: Option<String>,
    /// The HTTP verb (`GET`, `ANY`; `*` for network findings), case-insensitive glob.
    pub method: Option<String>,
    /// Glob on the method path (`/reports/*`).
    pub path: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: String,
    /// The last day the entry suppresses (UTC); from the next day on it has expired.
    pub expires: Option<Date>,
}

impl SuppressEntry {
    pub fn matches(&self, f: &Finding) -> bool {
        self.rule.is_none_or(|r| r == f.rule_id)
            && self
                .resource
                .as_deref()
                .is_none_or(|p| glob(p, &f.resource_arn, false))
            && self
                .method
                .as_deref()
                .is_none_or(|m| glob(m, &f.method, true))
            && self.path.as_deref().is_none_or(|p| glob(p, &f.path, false))
            && self
                .fingerprint
                .as_deref()
                .is_none_or(|fp| fp == f.fingerprint)
    }

    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last_day| today > last_day)
    }

    /// The criteria the entry names, joined with `+` (`fingerprint`, `rule+resource`).
    pub fn by(&self) -> String {
        let named = [
            ("rule", self.rule.is_some()),
            ("resource", self.resource.is_some()),
            ("method", self.method.is_some()),
            ("path", self.path.is_some()),
            ("fingerprint", self.fingerprint.is_some()),
        ];
        named
            .iter()
            .filter(|(_, given)| *given)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join("+")
    }

    /// The criteria with their values, for people: `rule apigw-…, method GET`.
    pub fn criteria(&self) -> String {
        let rule = self.rule.map(|r| r.to_string());
        [
            ("rule", rule.as_deref()),
            ("resource", self.resource.as_deref()),
            ("method", self.method.as_deref()),
            ("path", self.path.as_deref()),
            ("fingerprint", self.fingerprint.as_deref()),
        ]
        .iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
    }

    pub fn expires_label(&self) -> Option<String> {
        self.expires.map(format_date)
    }
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

impl Config {
    /// `--config FILE` when given (it must exist), else `./overexposed.toml` if it exists, else
    /// an empty configuration.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let default = PathBuf::from(DEFAULT_FILE);
                if !default.exists() {
                    return Ok(Config::default());
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ConfigError(format!(
                "could not read the configuration {}: {e}",
                path.display()
            ))
        })?;
        Config::parse(&text, &path)
    }

    /// Parses and checks a configuration's text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let file: File = toml::from_str(text).map_err(|e| {
            ConfigError(format!(
                "invalid configuration {shown}: {}",
                e.to_string().trim_end()
            ))
        })?;
        let mut suppress = Vec::with_capacity(file.suppress.len());
        for spanned in file.suppress {
            let line = line_of(text, spanned.span().start);
            let location = format!("{shown}:{line}");
            suppress.push(check_entry(spanned.into_inner(), location)?);
        }
        let scan = ScanDefaults {
            accounts: file.accounts,
            organization: file.organization,
            role_name: file.role_name,
            external_id_env: file.external_id_env,
            regions: file.regions,
            concurrency: file.concurrency,
            fail_on: file.fail_on,
            trusted_accounts: file.trusted_accounts,
        };
        check_scan(&scan, &shown)?;
        Ok(Config {
            source: Some(path.to_path_buf()),
            scan,
            suppress,
        })
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn check_scan(scan: &ScanDefaults, shown: &str) -> Result<(), ConfigError> {
    if scan.organization == Some(true) && scan.accounts.is_some() {
        return Err(ConfigError(format!(
            "invalid configuration {shown}: `accounts` and `organization = true` exclude each other"
        )));
    }
    if let Some(name) = &scan.external_id_env {
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(ConfigError(format!(
                "invalid configuration {shown}: `external_id_env` is the name of an environment \
                 variable (letters, digits, _), not the external id itself"
            )));
        }
    }
    Ok(())
}

fn check_entry(raw: RawEntry, location: String) -> Result<SuppressEntry, ConfigError> {
    let bad = |why: String| ConfigError(format!("invalid [[suppress]] entry at {location}: {why}"));
    let rule = match raw.rule.as_deref() {
        None => None,
        Some(id) => Some(RuleId::from_str(id.trim()).map_err(|_| {
            bad(format!(
                "`rule`: unknown rule '{id}' (`overexposed rules` lists them)"
            ))
        })?),
    };
    let fingerprint = match raw.fingerprint {
        None => None,
        Some(fp) => {
            let fp = fp.trim().to_ascii_lowercase();
            if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(format!(
                    "`fingerprint`: '{fp}' is not a finding's fingerprint (32 hex digits, the \
                     `fingerprint` of a JSON report's finding)"
                )));
            }
            Some(fp)
        }
    };
    let non_empty = |key: &str, v: Option<String>| -> Result<Option<String>, ConfigError> {
        match v {
            Some(s) if s.trim().is_empty() => Err(bad(format!("`{key}` is empty"))),
            other => Ok(other.map(|s| s.trim().to_string())),
        }
    };
    let resource = non_empty("resource", raw.resource)?;
    let method = non_empty("method", raw.method)?.map(|m| m.to_ascii_uppercase());
    let path = non_empty("path", raw.path)?;
    if rule.is_none() && resource.is_none() && fingerprint.is_none() {
        return Err(bad(
            "name at least a `rule`, a `resource` or a `fingerprint` (an entry that matches \
             every finding is not allowed)"
                .into(),
        ));
    }
    let reason = match raw.reason {
        Some(r) if !r.trim().is_empty() => r.trim().to_string(),
        _ => {
            return Err(bad(
                "`reason` is required: say why the finding is accepted (e.g. a ticket)".into(),
            ))
        }
    };
    let expires = match raw.expires {
        None => None,
        Some(toml::Value::String(s)) => Some(parse_date(&s).ok_or_else(|| {
            bad(format!(
                "`expires`: '{s}' is not a date (write it as YYYY-MM-DD)"
            ))
        })?),
        Some(toml::Value::Datetime(d)) => match (d.date, d.time) {
            (Some(date), None) => Some(
                Date::from_calendar_date(
                    i32::from(date.year),
                    time::Month::try_from(date.month).map_err(|e| bad(e.to_string()))?,
                    date.day,
                )
                .map_err(|e| bad(format!("`expires`: {e}")))?,
            ),
            _ => {
                return Err(bad(
                    "`expires` is a day (YYYY-MM-DD), without a time of day".into(),
                ))
            }
        },
        Some(other) => {
            return Err(bad(format!(
                "`expires` is a date (YYYY-MM-DD), not {}",
                other.type_str()
            )))
        }
    };
    Ok(SuppressEntry {
        location,
        rule,
        resource,
        method,
        path,
        fingerprint,
        reason,
        expires,
    })
}

#[cfg(test)]
mod tests;
