//! Collection: the only code that knows AWS SDK types.
//!
//! It plans accounts × regions, assumes the audit role in each account itself (so the endpoint
//! override is honoured and the external id is passed exactly once), pages through read-only
//! calls, and converts every answer into [`crate::inventory`] types at this boundary.
//!
//! Errors are data here: a failed call becomes a [`ScanError`] on its target (with the AWS error
//! code and the operation) and the scan goes on. Nothing in this module writes credentials
//! anywhere: they live in SDK credential objects only, and error messages come from the SDK's
//! error metadata, which never carries them.
//!
//! Where things are:
//! - `collect`: the run (credentials, accounts entered, targets planned and scanned, the
//!   inventory assembled);
//! - `apigateway`, `network` (which reads, and when; `ec2`, `elb` and `transit` make them),
//!   `lattice`, `organizations`, `iam` (roles, once per account): what is read;
//! - `paging`, `concurrency`, `errors`, `redact`, `config`: how every read is made.

mod apigateway;
mod collect;
mod concurrency;
mod config;
mod ec2;
mod elb;
mod errors;
mod iam;
mod lattice;
pub mod network;
mod organizations;
mod paging;
mod redact;
mod resume;
mod transit;

pub use collect::collect;
use errors::scan_error;
use paging::Listing;
pub use resume::CheckpointSink;

use crate::inventory::{Inventory, ScanError, ScanScope, ShardSpec, Target, TargetStatus};
use crate::operation::Operation;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to scan and how. Built by the CLI from flags. Its `Debug` never shows the external id.
#[derive(Clone)]
pub struct ScanOptions {
    /// Accounts to enter with `sts:AssumeRole`; `None` scans the caller's own account with the
    /// caller's own credentials.
    pub accounts: Option<Vec<String>>,
    /// Scan every active account of the caller's AWS Organization (`organizations:ListAccounts`)
    /// instead of `accounts`.
    pub organization: bool,
    pub role_name: String,
    pub external_id: Option<String>,
    /// Regions to scan; `None` means every region enabled in each account (`ec2:DescribeRegions`).
    pub regions: Option<Vec<String>>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Account × region targets scanned at once (each has its own API throttling quota).
    pub concurrency: usize,
    pub operation_timeout: Duration,
    pub max_attempts: u32,
    /// Told what the scan is doing as it goes (`None`: nothing is reported).
    pub progress: Option<ProgressSink>,
    /// Also read the network inventory (EC2, ELBv2, WAFv2) for bypass analysis.
    pub network: bool,
    /// Scan only this shard's accounts (`--shard K/N`); `None`: every account.
    pub shard: Option<ShardSpec>,
    /// A snapshot of the same scope to resume (`collect --resume`): what it read in full is
    /// kept, the rest is read.
    pub resume: Option<Arc<Inventory>>,
    /// Receives checkpoints of the running scan (`None`: none are made).
    pub checkpoint: Option<CheckpointSink>,
    /// The time between two checkpoints.
    pub checkpoint_every: Duration,
}

impl ScanOptions {
    /// What these options scan: the kinds of entry point, and how accounts and regions are
    /// chosen. The organization's accounts and id are known only once it is listed: empty here.
    pub fn scope(&self) -> ScanScope {
        ScanScope {
            api_gateway: true,
            network: self.network,
            lattice: self.network,
            organization: self.organization,
            regions: self.regions.clone().map(|mut r| {
                r.sort();
                r.dedup();
                r
            }),
            iam: true,
            organization_accounts: Vec::new(),
            organization_id: None,
        }
    }
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("accounts", &self.accounts)
            .field("organization", &self.organization)
            .field("role_name", &self.role_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "[REDACTED]"),
            )
            .field("regions", &self.regions)
            .field("profile", &self.profile)
            .field("endpoint_url", &self.endpoint_url)
            .field("concurrency", &self.concurrency)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("progress", &self.progress.as_ref().map(|_| "callback"))
            .field("network", &self.network)
            .field("shard", &self.shard)
            .field("resume", &self.resume.as_ref().map(|_| "snapshot"))
            .field("checkpoint", &self.checkpoint.as_ref().map(|_| "callback"))
            .field("checkpoint_every", &self.checkpoint_every)
            .finish()
    }
}

/// What a scan reports while it runs, for its caller to show. `aws/` prints nothing itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The organization's accounts were listed (`organization`).
    OrganizationListed { active: usize, skipped: usize },
    /// The targets are planned and their scan begins.
    ScanStarted {
        targets: usize,
        accounts: usize,
        /// Targets scanned at once.
        concurrency: usize,
        /// Accounts that could not be entered (or whose regions could not be listed).
        accounts_not_entered: usize,
    },
    /// One target's scan finished, the `done`-th of `total`.
    TargetFinished {
        done: usize,
        total: usize,
        target: FinishedTarget,
    },
}

/// A finished target as progress reports it: where, how it went, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedTarget {
    pub account_id: String,
    pub region: String,
    pub status: TargetStatus,
    pub errors: usize,
    /// The code of the target's first error (its errors are sorted).
    pub first_error_code: Option<String>,
    pub rest_apis: usize,
    pub http_apis: usize,
    pub load_balancers: usize,
    pub endpoint_services: usize,
    pub peerings: usize,
}

impl FinishedTarget {
    pub(crate) fn of(target: &Target) -> FinishedTarget {
        FinishedTarget {
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            status: target.status,
            errors: target.errors.len(),
            first_error_code: target.errors.first().map(|e| e.code.clone()),
            rest_apis: target.rest_apis.len(),
            http_apis: target.http_apis.len(),
            load_balancers: target.network.load_balancers.len(),
            endpoint_services: target.network.endpoint_services.len(),
            peerings: target.network.peerings.len(),
        }
    }
}

/// Receives [`Progress`] events. Called from the scan's tasks as things happen, so it must be
/// thread-safe and quick.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// Counts logical read calls per `service:Operation`. Shared by every target of a scan.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallCounter {
    pub fn inc(&self, operation: Operation) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(operation.into()).or_default() += 1;
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Clients and bookkeeping for one account × region. Cheap to clone (the SDK config and the
/// counter are shared).
#[derive(Clone)]
pub(crate) struct RegionCtx {
    pub account_id: String,
    pub region: String,
    pub config: SdkConfig,
    pub calls: CallCounter,
}

impl RegionCtx {
    /// Runs one SDK call, counts it, and turns a failure into a [`ScanError`].
    pub(crate) async fn call<T, E, F>(
        &self,
        operation: Operation,
        resource: Option<&str>,
        fut: F,
    ) -> Result<T, ScanError>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.calls.inc(operation);
        fut.await
            .map_err(|err| scan_error(operation, resource, &err))
    }
}

/// What a run of reads on one target came to: how many calls succeeded, and the errors of
/// those that failed where a verdict depends on them (each one a gap that makes the target
/// partial). Enrichment reads that fail are notifications instead, kept by their callers.
#[derive(Debug, Default)]
pub(crate) struct ReadLog {
    pub succeeded: usize,
    pub errors: Vec<ScanError>,
}

impl ReadLog {
    /// Records a listing read by [`paging::paginate_all`]: its pages count as calls that
    /// succeeded, and its error, when it was cut short, is kept. Returns whether it was read
    /// in full.
    pub(crate) fn listing(&mut self, (pages, result): (usize, Result<(), ScanError>)) -> bool {
        self.succeeded += pages;
        match result {
            Ok(()) => true,
            Err(e) => {
                self.errors.push(e);
                false
            }
        }
    }

    /// The items of a listing, its pages counted; `None` when it failed (its error is kept).
    pub(crate) fn listed<T>(&mut self, listing: Listing<T>) -> Option<Vec<T>> {
        match listing {
            Ok((pages, items)) => {
                self.succeeded += pages;
                Some(items)
            }
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// The answer of one call, counted; when it failed, its error is kept and its code returned.
    pub(crate) fn answer<T>(&mut self, answer: Result<T, ScanError>) -> Result<T, String> {
        match answer {
            Ok(value) => {
                self.succeeded += 1;
                Ok(value)
            }
            Err(e) => {
                let code = e.code.clone();
                self.errors.push(e);
                Err(code)
            }
        }
    }

    /// Adds what another run of reads came to.
    pub(crate) fn merge(&mut self, other: ReadLog) {
        self.succeeded += other.succeeded;
        self.errors.extend(other.errors);
    }

    /// Moves the errors onto `target`; returns the number of calls that succeeded.
    pub(crate) fn finish(self, target: &mut Target) -> usize {
        target.errors.extend(self.errors);
        self.succeeded
    }
}

/// A text or enum field of an SDK answer as its text, owned; empty when AWS left it out.
fn or_empty(v: Option<impl AsRef<str>>) -> String {
    v.map(|text| text.as_ref().to_string()).unwrap_or_default()
}

/// Fatal problems that stop a scan before any target is read (no credentials at all, bad
/// endpoint). Everything else is recorded per target.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FatalScanError(pub String);

#[cfg(test)]
mod tests;
