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
mod concurrency;
mod config;
mod errors;
pub mod network;
mod organizations;
mod paging;
mod redact;

use config::{base_config, config_for};
use errors::{error_chain, one_line, scan_error, truncate};
use redact::{redact, register_credentials, register_secret};

use crate::inventory::{
    AccountFailure, Inventory, ScanError, Target, TargetStatus, SNAPSHOT_VERSION,
};
use aws_config::SdkConfig;
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

/// Clients and bookkeeping for one account × region. Cheap to clone (the SDK config and the
/// counter are shared), so per-API work can run in its own task.
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
            Ok(Err(e)) if opts.profile.is_some() => {
                return Err(FatalScanError(format!(
                    "could not load AWS credentials of profile '{}' ({}). Check that the profile \
                     exists and has credentials in ~/.aws/config or ~/.aws/credentials (or the \
                     files AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name).",
                    opts.profile.as_deref().unwrap_or_default(),
                    redact(&one_line(&error_chain(&e)))
                )))
            }
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
            // Never scan account "": every finding and gap would be attributed to nobody.
            let account_id = match who.account() {
                Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => a.to_string(),
                other => {
                    return Err(FatalScanError(format!(
                        "sts:GetCallerIdentity did not say which account the caller is in (account id {:?}); \
                         name the accounts to audit with --accounts.",
                        truncate(&redact(other.unwrap_or("")), 40)
                    )))
                }
            };
            entered.push(EnteredAccount {
                account_id,
                creds: None,
            });
        }
        Some(accounts) => {
            let sts = aws_sdk_sts::Client::new(&base);
            let mut handles = Vec::new();
            // The audit roles live in the caller's partition (GovCloud and China ARNs differ).
            let partition = crate::model::partition_of(&global_region);
            for account in accounts {
                let sts = sts.clone();
                let calls = calls.clone();
                let role_arn = format!("arn:{partition}:iam::{account}:role/{}", opts.role_name);
                let external_id = opts.external_id.clone();
                let task_arn = role_arn.clone();
                let task = tokio::spawn(async move {
                    calls.inc("sts:AssumeRole");
                    let mut req = sts
                        .assume_role()
                        .role_arn(&task_arn)
                        .role_session_name("overexposed-audit");
                    if let Some(id) = external_id {
                        req = req.external_id(id);
                    }
                    req.send().await
                });
                handles.push((account.clone(), role_arn, task));
            }
            let (ok, failed) = join_assume_roles(handles).await;
            entered.extend(ok);
            account_failures.extend(failed);
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
                match enabled_regions(&acct.account_id, ec2.describe_regions().send().await) {
                    Ok(r) => r,
                    Err(failure) => {
                        account_failures.push(failure);
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
    let mut planned = std::collections::HashMap::new();
    for (account_id, region, creds) in plan {
        let ctx = RegionCtx {
            config: config_for(&base, &region, creds.as_ref()),
            account_id: account_id.clone(),
            region: region.clone(),
            calls: calls.clone(),
        };
        let semaphore = semaphore.clone();
        let done = done.clone();
        let progress = opts.progress;
        let network = opts.network;
        let handle = set.spawn(async move {
            // Nothing closes this semaphore; were it closed, scanning unbounded beats a panic.
            let _permit = semaphore.acquire_owned().await.ok();
            let (account_id, region) = (ctx.account_id.clone(), ctx.region.clone());
            // A bug that panics on one target's data must cost that target, not the scan: the
            // scan runs in its own task and a panic becomes a failed target.
            let target = match tokio::spawn(async move { scan_target(&ctx, network).await }).await {
                Ok(target) => target,
                Err(e) => internal_error_target(account_id, region, e.is_panic()),
            };
            if progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                eprintln!("{}", progress_line(n, total, &target));
            }
            target
        });
        planned.insert(handle.id(), (account_id, region));
    }
    let mut targets = join_targets(set, planned).await;
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
        scope: crate::inventory::ScanScope {
            api_gateway: true,
            network: opts.network,
            organization: opts.organization,
            regions: opts.regions.clone().map(|mut r| {
                r.sort();
                r.dedup();
                r
            }),
        },
    })
}

/// The accounts entered by `sts:AssumeRole` and the ones that could not be, from the tasks
/// that called it (account, role ARN, task). A task that panicked (a bug) costs its account,
/// recorded as an `InternalError` failure, never the scan.
async fn join_assume_roles(
    handles: Vec<(String, String, tokio::task::JoinHandle<AssumeRoleResult>)>,
) -> (Vec<EnteredAccount>, Vec<AccountFailure>) {
    let mut entered = Vec::new();
    let mut failures = Vec::new();
    for (account, role_arn, handle) in handles {
        let result = match handle.await {
            Ok(result) => result,
            Err(e) => {
                failures.push(AccountFailure {
                    account_id: account,
                    error: ScanError {
                        operation: "sts:AssumeRole".into(),
                        code: "InternalError".into(),
                        message: if e.is_panic() {
                            "entering this account stopped on an internal error (a bug: please report it); nothing in it was scanned".into()
                        } else {
                            "entering this account was cancelled; nothing in it was scanned".into()
                        },
                        resource: Some(role_arn),
                    },
                });
                continue;
            }
        };
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
                None => failures.push(AccountFailure {
                    account_id: account,
                    error: ScanError {
                        operation: "sts:AssumeRole".into(),
                        code: "MalformedResponse".into(),
                        message: format!("AssumeRole on {role_arn} returned no credentials"),
                        resource: Some(role_arn),
                    },
                }),
            },
            Err(e) => failures.push(AccountFailure {
                account_id: account,
                error: scan_error("sts:AssumeRole", Some(&role_arn), &e),
            }),
        }
    }
    (entered, failures)
}

type AssumeRoleResult = Result<
    aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
    SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse>,
>;

/// The regions to scan in one account from its `ec2:DescribeRegions` answer (sorted). An
/// answer with no region is a failure of the account, not an account with nothing in it:
/// otherwise the account would vanish from the report and the scan would pass for complete.
fn enabled_regions(
    account_id: &str,
    answer: Result<
        aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput,
        SdkError<aws_sdk_ec2::operation::describe_regions::DescribeRegionsError, HttpResponse>,
    >,
) -> Result<Vec<String>, AccountFailure> {
    match answer {
        Ok(out) => {
            let mut regions: Vec<String> = out
                .regions()
                .iter()
                .filter_map(|r| r.region_name())
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect();
            regions.sort();
            regions.dedup();
            if regions.is_empty() {
                Err(AccountFailure {
                    account_id: account_id.to_string(),
                    error: ScanError {
                        operation: "ec2:DescribeRegions".into(),
                        code: "NoRegions".into(),
                        message: "ec2:DescribeRegions returned no enabled region, so nothing in this account could be scanned; name the regions with --regions".into(),
                        resource: None,
                    },
                })
            } else {
                Ok(regions)
            }
        }
        Err(e) => Err(AccountFailure {
            account_id: account_id.to_string(),
            error: scan_error("ec2:DescribeRegions", None, &e),
        }),
    }
}

/// A target whose scan task did not return (a panic, i.e. a bug, or a cancellation).
fn internal_error_target(account_id: String, region: String, panicked: bool) -> Target {
    Target {
        account_id,
        region,
        status: TargetStatus::Failed,
        errors: vec![ScanError {
            operation: "overexposed:ScanTarget".into(),
            code: "InternalError".into(),
            message: if panicked {
                "the scan of this target stopped on an internal error (a bug: please report it); nothing read here was analysed".into()
            } else {
                "the scan of this target was cancelled".into()
            },
            resource: None,
        }],
        ..Default::default()
    }
}

/// Waits for every target task. A task that did not return its target (it panicked outside
/// the inner scan task, e.g. while printing progress) still yields a failed target, found by
/// its task id, so no planned target ever disappears from the report.
async fn join_targets(
    mut set: tokio::task::JoinSet<Target>,
    mut planned: std::collections::HashMap<tokio::task::Id, (String, String)>,
) -> Vec<Target> {
    let mut targets = Vec::with_capacity(planned.len());
    while let Some(res) = set.join_next_with_id().await {
        match res {
            Ok((id, target)) => {
                planned.remove(&id);
                targets.push(target);
            }
            Err(e) => {
                if let Some((account_id, region)) = planned.remove(&e.id()) {
                    targets.push(internal_error_target(account_id, region, e.is_panic()));
                }
            }
        }
    }
    targets
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
mod collection_tests {
    use super::*;

    #[tokio::test]
    async fn an_assume_role_task_that_panics_fails_its_account_only() {
        use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
        let ok = tokio::spawn(async {
            Ok(AssumeRoleOutput::builder()
                .credentials(
                    aws_sdk_sts::types::Credentials::builder()
                        .access_key_id("ASIAJOINTEST00000001")
                        .secret_access_key("join-test-secret")
                        .session_token("join-test-token")
                        .expiration(aws_smithy_types::DateTime::from_secs(0))
                        .build()
                        .unwrap(),
                )
                .build())
        });
        let panics: tokio::task::JoinHandle<AssumeRoleResult> =
            tokio::spawn(async { panic!("bug while entering the account") });
        let no_creds = tokio::spawn(async { Ok(AssumeRoleOutput::builder().build()) });
        let (entered, failures) = join_assume_roles(vec![
            ("111111111111".into(), "arn:1".into(), ok),
            ("222222222222".into(), "arn:2".into(), panics),
            ("333333333333".into(), "arn:3".into(), no_creds),
        ])
        .await;
        assert_eq!(entered.len(), 1);
        assert_eq!(entered[0].account_id, "111111111111");
        let failed: Vec<(&str, &str)> = failures
            .iter()
            .map(|f| (f.account_id.as_str(), f.error.code.as_str()))
            .collect();
        assert_eq!(
            failed,
            vec![
                ("222222222222", "InternalError"),
                ("333333333333", "MalformedResponse")
            ]
        );
        assert_eq!(failures[0].error.operation, "sts:AssumeRole");
        assert_eq!(failures[0].error.resource.as_deref(), Some("arn:2"));
        // The credentials that were handed out are known to redaction at once.
        assert_eq!(redact("x join-test-secret y"), "x [REDACTED] y");
    }

    #[tokio::test]
    async fn a_target_task_that_panics_is_a_failed_target_not_a_lost_scan() {
        let mut set = tokio::task::JoinSet::new();
        let mut planned = std::collections::HashMap::new();
        let fine = set.spawn(async {
            Target {
                account_id: "111111111111".into(),
                region: "us-east-1".into(),
                ..Default::default()
            }
        });
        planned.insert(fine.id(), ("111111111111".into(), "us-east-1".into()));
        let broken = set.spawn(async { panic!("bug outside the inner scan task") });
        planned.insert(broken.id(), ("111111111111".into(), "eu-west-1".into()));
        let mut targets = join_targets(set, planned).await;
        targets.sort_by(|a, b| a.region.cmp(&b.region));
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].region, "eu-west-1");
        assert_eq!(targets[0].status, TargetStatus::Failed);
        assert_eq!(targets[0].errors[0].code, "InternalError");
        assert_eq!(targets[1].status, TargetStatus::Complete);
    }

    #[test]
    fn an_account_with_no_region_is_a_failure_not_an_empty_account() {
        use aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput;
        use aws_sdk_ec2::types::Region as Ec2Region;
        let failure = enabled_regions("111111111111", Ok(DescribeRegionsOutput::builder().build()))
            .unwrap_err();
        assert_eq!(failure.account_id, "111111111111");
        assert_eq!(failure.error.operation, "ec2:DescribeRegions");
        assert_eq!(failure.error.code, "NoRegions");
        let nameless = DescribeRegionsOutput::builder()
            .regions(Ec2Region::builder().build())
            .build();
        assert!(enabled_regions("111111111111", Ok(nameless)).is_err());
        let two = DescribeRegionsOutput::builder()
            .regions(Ec2Region::builder().region_name("eu-west-1").build())
            .regions(Ec2Region::builder().region_name("us-east-1").build())
            .regions(Ec2Region::builder().region_name("eu-west-1").build())
            .build();
        assert_eq!(
            enabled_regions("111111111111", Ok(two)).unwrap(),
            vec!["eu-west-1", "us-east-1"]
        );
    }
}
