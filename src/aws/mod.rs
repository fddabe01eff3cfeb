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

mod apigateway;
pub mod network;

use crate::inventory::{
    AccountFailure, Inventory, ScanError, Target, TargetStatus, SNAPSHOT_VERSION,
};
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to scan and how. Built by the CLI from flags.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Accounts to enter with `sts:AssumeRole`; `None` scans the caller's own account with the
    /// caller's own credentials.
    pub accounts: Option<Vec<String>>,
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
    /// Print one progress line per finished target on stderr.
    pub progress: bool,
    /// Also read the network inventory (EC2, ELBv2, WAFv2) for bypass analysis.
    pub network: bool,
}

/// Counts logical read calls per `service:Operation`. Shared by every target of a scan.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallCounter {
    pub fn inc(&self, operation: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(operation.to_string()).or_default() += 1;
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Clients and bookkeeping for one account × region.
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
        operation: &str,
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

/// Classifies an SDK failure: the AWS error code when the service answered with one, else the
/// transport class (`Timeout`, `DispatchFailure`, `MalformedResponse`, `HTTP <status>`).
pub(crate) fn scan_error<E>(
    operation: &str,
    resource: Option<&str>,
    err: &SdkError<E, HttpResponse>,
) -> ScanError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message) = match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            let code = e
                .code()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {status}"));
            let message = e.message().map(str::to_string).unwrap_or_else(|| {
                format!("the service answered HTTP {status} with no error message")
            });
            (code, message)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_string(),
            "the call did not complete within the operation timeout".to_string(),
        ),
        SdkError::DispatchFailure(d) => {
            let code = if d.is_timeout() {
                "Timeout"
            } else {
                "DispatchFailure"
            };
            (
                code.to_string(),
                one_line(&aws_smithy_types::error::display::DisplayErrorContext(err).to_string()),
            )
        }
        SdkError::ResponseError(_) => (
            "MalformedResponse".to_string(),
            one_line(&aws_smithy_types::error::display::DisplayErrorContext(err).to_string()),
        ),
        _ => (
            "ClientError".to_string(),
            one_line(&aws_smithy_types::error::display::DisplayErrorContext(err).to_string()),
        ),
    };
    ScanError {
        operation: operation.to_string(),
        code,
        message: truncate(&message, 400),
        resource: resource.map(str::to_string),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Loads the caller's configuration from the standard chain (env, profile, SSO, instance role),
/// with the retry, timeout and endpoint settings of the scan.
async fn base_config(opts: &ScanOptions) -> SdkConfig {
    let region = RegionProviderChain::default_provider().or_else(Region::new("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        // Adaptive retry backs off on throttling, which API Gateway's management API does at a
        // low single-digit rate per account and region.
        .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(opts.operation_timeout)
                .operation_attempt_timeout(opts.operation_timeout)
                .connect_timeout(Duration::from_secs(10).min(opts.operation_timeout))
                .build(),
        );
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

fn config_for(base: &SdkConfig, region: &str, creds: Option<&Credentials>) -> SdkConfig {
    let mut b = base.to_builder().region(Region::new(region.to_string()));
    if let Some(c) = creds {
        b = b.credentials_provider(SharedCredentialsProvider::new(c.clone()));
    }
    b.build()
}

/// An account the scan could enter, with the credentials to use there (`None`: the caller's own).
struct EnteredAccount {
    account_id: String,
    creds: Option<Credentials>,
}

/// Fatal problems that stop a scan before any target is read (no credentials at all, bad
/// endpoint). Everything else is recorded per target.
#[derive(Debug)]
pub struct FatalScanError(pub String);

impl std::fmt::Display for FatalScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FatalScanError {}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs the whole collection and returns the inventory. Per-target failures are recorded in
/// the inventory; only a failure that leaves nothing to scan is an `Err`.
pub async fn collect(opts: &ScanOptions) -> Result<Inventory, FatalScanError> {
    let started_at = now_rfc3339();
    let calls = CallCounter::default();
    let base = base_config(opts).await;
    let global_region = base
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let mut account_failures = Vec::new();

    // 1. Enter accounts.
    let mut entered = Vec::new();
    match &opts.accounts {
        None => {
            let sts = aws_sdk_sts::Client::new(&base);
            calls.inc("sts:GetCallerIdentity");
            let who = sts.get_caller_identity().send().await.map_err(|e| {
                let err = scan_error("sts:GetCallerIdentity", None, &e);
                FatalScanError(format!(
                    "could not identify the caller ({}: {}). Configure AWS credentials (environment, \
                     --profile, SSO or an instance role) or name accounts with --accounts.",
                    err.code, err.message
                ))
            })?;
            let account_id = who.account().unwrap_or_default().to_string();
            entered.push(EnteredAccount {
                account_id,
                creds: None,
            });
        }
        Some(accounts) => {
            let sts = aws_sdk_sts::Client::new(&base);
            let mut handles = Vec::new();
            for account in accounts {
                let sts = sts.clone();
                let calls = calls.clone();
                let role_arn = format!("arn:aws:iam::{account}:role/{}", opts.role_name);
                let external_id = opts.external_id.clone();
                let account = account.clone();
                handles.push(tokio::spawn(async move {
                    calls.inc("sts:AssumeRole");
                    let mut req = sts
                        .assume_role()
                        .role_arn(&role_arn)
                        .role_session_name("overexposed-audit");
                    if let Some(id) = external_id {
                        req = req.external_id(id);
                    }
                    let result = req.send().await;
                    (account, role_arn, result)
                }));
            }
            for h in handles {
                let (account, role_arn, result) = h.await.expect("assume-role task panicked");
                match result {
                    Ok(out) => match out.credentials() {
                        Some(c) => entered.push(EnteredAccount {
                            account_id: account,
                            creds: Some(Credentials::new(
                                c.access_key_id(),
                                c.secret_access_key(),
                                Some(c.session_token().to_string()),
                                None,
                                "overexposed-assume-role",
                            )),
                        }),
                        None => account_failures.push(AccountFailure {
                            account_id: account,
                            error: ScanError {
                                operation: "sts:AssumeRole".into(),
                                code: "MalformedResponse".into(),
                                message: format!(
                                    "AssumeRole on {role_arn} returned no credentials"
                                ),
                                resource: Some(role_arn),
                            },
                        }),
                    },
                    Err(e) => account_failures.push(AccountFailure {
                        account_id: account,
                        error: scan_error("sts:AssumeRole", Some(&role_arn), &e),
                    }),
                }
            }
        }
    }

    // 2. Plan regions per account.
    let mut plan: Vec<(String, String, Option<Credentials>)> = Vec::new();
    for acct in &entered {
        let regions = match &opts.regions {
            Some(r) => r.clone(),
            None => {
                let cfg = config_for(&base, &global_region, acct.creds.as_ref());
                let ec2 = aws_sdk_ec2::Client::new(&cfg);
                calls.inc("ec2:DescribeRegions");
                match ec2.describe_regions().send().await {
                    Ok(out) => {
                        let mut r: Vec<String> = out
                            .regions()
                            .iter()
                            .filter_map(|r| r.region_name().map(str::to_string))
                            .collect();
                        r.sort();
                        r
                    }
                    Err(e) => {
                        account_failures.push(AccountFailure {
                            account_id: acct.account_id.clone(),
                            error: scan_error("ec2:DescribeRegions", None, &e),
                        });
                        continue;
                    }
                }
            }
        };
        for region in regions {
            plan.push((acct.account_id.clone(), region, acct.creds.clone()));
        }
    }

    // 3. Scan targets in parallel, a bounded number at a time.
    let total = plan.len();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for (account_id, region, creds) in plan {
        let ctx = RegionCtx {
            config: config_for(&base, &region, creds.as_ref()),
            account_id,
            region,
            calls: calls.clone(),
        };
        let semaphore = semaphore.clone();
        let done = done.clone();
        let progress = opts.progress;
        let network = opts.network;
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await.expect("semaphore closed");
            let target = scan_target(&ctx, network).await;
            if progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                eprintln!("{}", progress_line(n, total, &target));
            }
            target
        });
    }
    let mut targets = Vec::with_capacity(total);
    while let Some(res) = set.join_next().await {
        targets.push(res.expect("target scan task panicked"));
    }
    targets.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    account_failures.sort_by(|a, b| a.account_id.cmp(&b.account_id));

    Ok(Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at,
        finished_at: now_rfc3339(),
        targets,
        account_failures,
        api_calls: calls.snapshot(),
    })
}

fn progress_line(n: usize, total: usize, t: &Target) -> String {
    let state = match t.status {
        TargetStatus::Complete => "done".to_string(),
        TargetStatus::Partial => format!("PARTIAL ({} errors)", t.errors.len()),
        TargetStatus::Failed => format!(
            "FAILED ({})",
            t.errors
                .first()
                .map(|e| e.code.as_str())
                .unwrap_or("unknown")
        ),
    };
    format!(
        "[{n}/{total}] {}/{}: {state}: {} REST APIs, {} HTTP APIs",
        t.account_id,
        t.region,
        t.rest_apis.len(),
        t.http_apis.len()
    )
}

/// Reads one account × region. Never fails: every error is recorded on the target.
async fn scan_target(ctx: &RegionCtx, network: bool) -> Target {
    let mut target = Target {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        ..Default::default()
    };
    let mut succeeded = 0usize;
    succeeded += apigateway::collect_rest(ctx, &mut target).await;
    succeeded += apigateway::collect_http(ctx, &mut target).await;
    succeeded += apigateway::collect_custom_domains(ctx, &mut target).await;
    if network {
        succeeded += network::collect(ctx, &mut target).await;
    }
    target.errors.sort();
    target.errors.dedup();
    target.notifications.sort();
    target.notifications.dedup();
    target.status = if target.errors.is_empty() {
        TargetStatus::Complete
    } else if succeeded == 0 {
        TargetStatus::Failed
    } else {
        TargetStatus::Partial
    };
    target
}
