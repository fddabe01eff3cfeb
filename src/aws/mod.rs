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
mod organizations;

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
    /// Print one progress line per finished target on stderr.
    pub progress: bool,
    /// Also read the network inventory (EC2, ELBv2, WAFv2) for bypass analysis.
    pub network: bool,
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
            .field("progress", &self.progress)
            .field("network", &self.network)
            .finish()
    }
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

/// Upper bound on pages of any one listing: a defence against a service that keeps handing
/// back a token (500 × 10,000 = five million items is beyond any real quota).
const MAX_PAGES: usize = 10_000;

/// Follows a pagination token, stopping on a missing, empty or repeated token.
pub(crate) fn next_token(
    current: &Option<String>,
    next: Option<&str>,
    pages: usize,
) -> Option<String> {
    match next {
        Some(t) if !t.is_empty() && current.as_deref() != Some(t) && pages < MAX_PAGES => {
            Some(t.to_string())
        }
        _ => None,
    }
}

/// Pages through one listing: `request(token)` sends one page's call, `on_page(output)` takes
/// the items and returns the next token. Every page is counted as one call. Returns the number
/// of pages read; the first failing page is the error (items of earlier pages are kept by
/// `on_page`'s owner, but a listing cut short is reported, never passed off as complete).
pub(crate) async fn paginate<O, E, Fut, F, G>(
    ctx: &RegionCtx,
    operation: &str,
    resource: Option<&str>,
    mut request: F,
    mut on_page: G,
) -> Result<usize, ScanError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    G: FnMut(O) -> Option<String>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = ctx
            .call(operation, resource, request(token.clone()))
            .await?;
        pages += 1;
        let next = on_page(out);
        token = next_token(&token, next.as_deref(), pages);
        if token.is_none() {
            return Ok(pages);
        }
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
///
/// The message is one line, at most 400 characters, and passed through [`redact`]: a service
/// may echo parts of the request in an error (a `SignatureDoesNotMatch` answer quotes the
/// canonical request, session-token header included), and nothing of it may reach a report.
pub(crate) fn scan_error<E>(
    operation: &str,
    resource: Option<&str>,
    err: &SdkError<E, HttpResponse>,
) -> ScanError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message) = match err {
        SdkError::ServiceError(service) if service.raw().status().is_success() => {
            // A success status whose body could not be deserialized: the SDK reports it as an
            // unhandled service error with no code. It is a malformed answer, not a refusal.
            let status = service.raw().status().as_u16();
            (
                "MalformedResponse".to_string(),
                format!(
                    "the service answered HTTP {status} with a body that could not be read ({})",
                    error_chain(service.err())
                ),
            )
        }
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
            "the call did not complete within the operation timeout (--timeout, retries included)"
                .to_string(),
        ),
        SdkError::DispatchFailure(d) => {
            let code = if d.is_timeout() {
                "Timeout"
            } else {
                "DispatchFailure"
            };
            (code.to_string(), error_chain(err))
        }
        SdkError::ResponseError(_) => (
            "MalformedResponse".to_string(),
            format!("the answer could not be read: {}", error_chain(err)),
        ),
        _ => ("ClientError".to_string(), error_chain(err)),
    };
    ScanError {
        operation: operation.to_string(),
        code,
        message: truncate(&redact(&one_line(&message)), 400),
        resource: resource.map(str::to_string),
    }
}

/// An error and its sources, each `Display`ed once (`a: b: c`), without the `Debug` dumps that
/// `DisplayErrorContext` appends.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
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

/// Every credential and external id this process holds (the caller's keys, each assumed
/// role's keys, `--external-id`), so that [`redact`] can strip them from anything a service
/// echoes back. Process-wide because an error can be classified anywhere in `aws/`.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers a secret for [`redact`]. Values shorter than 4 characters are not worth hiding
/// and would garble messages.
pub(crate) fn register_secret(secret: &str) {
    if secret.chars().count() < 4 {
        return;
    }
    let mut all = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !all.iter().any(|s| s == secret) {
        all.push(secret.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

fn register_credentials(c: &Credentials) {
    register_secret(c.access_key_id());
    register_secret(c.secret_access_key());
    if let Some(token) = c.session_token() {
        register_secret(token);
    }
}

/// Removes every registered secret from `text`, and whatever follows the markers AWS uses when
/// it quotes a signed request (`X-Amz-Security-Token`, `Credential=`, `Signature=`), so an echo
/// of credentials this process never registered is stripped too.
pub(crate) fn redact(text: &str) -> String {
    let mut out = text.to_string();
    for secret in SECRETS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[REDACTED]");
        }
    }
    for marker in [
        "x-amz-security-token:",
        "x-amz-security-token=",
        "credential=",
        "signature=",
    ] {
        out = redact_after(&out, marker);
    }
    out
}

/// Replaces the value after each (ASCII case-insensitive) `marker`, up to the next whitespace,
/// comma, quote or `&`, with `[REDACTED]`.
fn redact_after(text: &str, marker: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find(marker) {
        let value_start = i + found + marker.len();
        out.push_str(&text[i..value_start]);
        let rest = &text[value_start..];
        let value_len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '\'' | '"' | '&'))
            .unwrap_or(rest.len());
        if value_len > 0 && !rest[..value_len].starts_with("[REDACTED]") {
            out.push_str("[REDACTED]");
        } else {
            out.push_str(&rest[..value_len]);
        }
        i = value_start + value_len;
    }
    out.push_str(&text[i..]);
    out
}

/// Loads the caller's configuration from the standard chain (env, profile, SSO, instance role),
/// with the retry, timeout and endpoint settings of the scan.
async fn base_config(opts: &ScanOptions) -> SdkConfig {
    let region = RegionProviderChain::default_provider().or_else(Region::new("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        // Standard retry: throttling, 5xx and transient network errors are retried with
        // exponential backoff and full jitter (at most 1 s, 2 s, 4 s, … between attempts), so a
        // throttle that clears within --max-attempts always fits in --timeout (5 attempts wait
        // at most 15 s). Adaptive retry was tried and dropped: its client-side rate limiter,
        // shared by every account of a region, made each throttled retry of a fresh client wait
        // 8-10 s, so the default 5 attempts could not fit in the default 30 s and one
        // account's throttling slowed every other account's scan.
        .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)))
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
    // Know every secret this process holds, so no error message can carry one (see `redact`).
    if let Some(id) = &opts.external_id {
        register_secret(id);
    }
    if let Some(provider) = base.credentials_provider() {
        use aws_credential_types::provider::ProvideCredentials;
        // Bounded: with no credentials anywhere the chain may wait on instance metadata, and
        // the first real call reports that failure anyway.
        let resolved =
            tokio::time::timeout(opts.operation_timeout, provider.provide_credentials()).await;
        match resolved {
            Ok(Ok(c)) => register_credentials(&c),
            // No credentials anywhere in the chain: say so once, plainly, instead of failing
            // every account with the same transport error.
            Ok(Err(e)) => {
                return Err(FatalScanError(format!(
                    "could not load AWS credentials ({}). Configure them the standard way \
                     (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile or AWS_PROFILE, \
                     `aws sso login`, or an instance/task role).",
                    redact(&one_line(&error_chain(&e)))
                )))
            }
            Err(_) => {}
        }
    }
    let global_region = base
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let mut account_failures = Vec::new();
    let mut skipped_accounts = Vec::new();

    // 1. Enter accounts: the caller's own, the named ones, or the organization's.
    let named_accounts = if opts.organization {
        let org = organizations::list_accounts(&base, &calls).await?;
        if opts.progress {
            eprintln!(
                "organization: {} active account(s){}",
                org.active.len(),
                if org.skipped.is_empty() {
                    String::new()
                } else {
                    format!(", {} skipped (not active)", org.skipped.len())
                }
            );
        }
        skipped_accounts = org.skipped;
        Some(org.active)
    } else {
        opts.accounts.clone()
    };
    let mut entered = Vec::new();
    match &named_accounts {
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
                        Some(c) => {
                            let creds = Credentials::new(
                                c.access_key_id(),
                                c.secret_access_key(),
                                Some(c.session_token().to_string()),
                                None,
                                "overexposed-assume-role",
                            );
                            register_credentials(&creds);
                            entered.push(EnteredAccount {
                                account_id: account,
                                creds: Some(creds),
                            })
                        }
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
    if opts.progress {
        eprintln!(
            "scanning {total} account × region target(s) in {} account(s), {} at a time{}",
            entered.len(),
            opts.concurrency.max(1),
            if account_failures.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} account(s) could not be entered",
                    account_failures.len()
                )
            }
        );
    }
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
            let (account_id, region) = (ctx.account_id.clone(), ctx.region.clone());
            // A bug that panics on one target's data must cost that target, not the scan: the
            // scan runs in its own task and a panic becomes a failed target.
            let target = match tokio::spawn(async move { scan_target(&ctx, network).await }).await
            {
                Ok(target) => target,
                Err(e) => Target {
                    account_id,
                    region,
                    status: TargetStatus::Failed,
                    errors: vec![ScanError {
                        operation: "overexposed:ScanTarget".into(),
                        code: "InternalError".into(),
                        message: if e.is_panic() {
                            "the scan of this target stopped on an internal error (a bug: please report it); nothing read here was analysed".into()
                        } else {
                            "the scan of this target was cancelled".into()
                        },
                        resource: None,
                    }],
                    ..Default::default()
                },
            };
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
        skipped_accounts,
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
    let n_net = &t.network;
    format!(
        "[{n}/{total}] {}/{}: {state}: {} REST APIs, {} HTTP APIs, {} load balancers, {} endpoint services, {} peerings",
        t.account_id,
        t.region,
        t.rest_apis.len(),
        t.http_apis.len(),
        n_net.load_balancers.len(),
        n_net.endpoint_services.len(),
        n_net.peerings.len(),
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

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn registered_secrets_and_quoted_signatures_are_redacted() {
        register_secret("REDACTIONTESTsecretvalue/abc+def=");
        register_secret("REDACTIONTESTkey");
        register_secret("ab"); // too short to hide
        let echoed = "The Canonical String for this request should have been 'POST / \
            x-amz-security-token:UNREGISTEREDtoken+/= authorization:AWS4-HMAC-SHA256 \
            Credential=AKIAUNREGISTERED0001/20240101/us-east-1/sts/aws4_request, \
            SignedHeaders=host, Signature=0123abcd Action=AssumeRole&ExternalId=REDACTIONTESTkey' \
            and REDACTIONTESTsecretvalue/abc+def= ab";
        let out = redact(echoed);
        for leaked in [
            "UNREGISTEREDtoken",
            "AKIAUNREGISTERED0001",
            "0123abcd",
            "REDACTIONTEST",
        ] {
            assert!(!out.contains(leaked), "{leaked} in {out}");
        }
        assert!(out.contains("x-amz-security-token:[REDACTED]"), "{out}");
        assert!(out.contains("Credential=[REDACTED]"), "{out}");
        assert!(out.contains("ExternalId=[REDACTED]"), "{out}");
        assert!(out.ends_with(" ab"), "{out}");
        // Idempotent, and plain messages pass untouched.
        assert_eq!(redact(&out), out);
        let plain =
            "User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole";
        assert_eq!(redact(plain), plain);
    }

    #[test]
    fn error_chains_are_one_readable_line() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let e = E(
            "dispatch failure",
            Some(Box::new(E(
                "io error",
                Some(Box::new(E("connection refused", None))),
            ))),
        );
        assert_eq!(
            error_chain(&e),
            "dispatch failure: io error: connection refused"
        );
        let repeated = E("timeout", Some(Box::new(E("timeout", None))));
        assert_eq!(error_chain(&repeated), "timeout");
        let long = "x".repeat(500);
        assert_eq!(truncate(&long, 400).chars().count(), 401);
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
