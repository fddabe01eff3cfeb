//! The collection run: accounts entered, account × region targets planned and scanned, the
//! inventory assembled.

use super::config::{base_config, config_for};
use super::errors::{error_chain, one_line, scan_error, truncate};
use super::redact::{redact, register_credentials, register_secret};
use super::resume::{add_calls, not_reached_iam, Checkpointer, IamReads, Resumed};
use super::{apigateway, iam, lattice, network, organizations};
use super::{CallCounter, FatalScanError, FinishedTarget, Progress, RegionCtx, ScanOptions};
use crate::inventory::{
    AccountFailure, IamAccount, Inventory, ScanError, Shard, SkippedAccount, Target, TargetRef,
    TargetStatus, SNAPSHOT_VERSION,
};
use crate::operation::{Operation, SCAN_TARGET_STEP};
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use std::sync::Arc;

/// An account the scan could enter, with the credentials to use there (`None`: the caller's own).
struct EnteredAccount {
    account_id: String,
    creds: Option<Credentials>,
}

/// The accounts a scan covers: those it entered, those it could not, and those it skipped.
struct Accounts {
    /// Every account of the scan before it was cut into shards (sorted).
    plan: Vec<String>,
    entered: Vec<EnteredAccount>,
    /// This shard's accounts not entered because a resumed snapshot read them in full.
    finished: Vec<String>,
    failures: Vec<AccountFailure>,
    skipped: Vec<SkippedAccount>,
    /// With `--organization`: the organization's id and every account it listed.
    organization: Option<organizations::Organization>,
}

/// One account × region to scan.
struct PlannedTarget {
    account_id: String,
    region: String,
    creds: Option<Credentials>,
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs the whole collection and returns the inventory. Per-target failures are recorded in
/// the inventory; only a failure that leaves nothing to scan is an `Err`.
pub async fn collect(opts: &ScanOptions) -> Result<Inventory, FatalScanError> {
    let mut resumed = opts
        .resume
        .as_deref()
        .map(|previous| Resumed::of(previous, opts.regions.as_deref()));
    let started_at = resumed
        .as_ref()
        .map(|r| r.started_at.clone())
        .unwrap_or_else(now_rfc3339);
    let calls = CallCounter::default();
    let base = base_config(opts).await;
    load_caller_credentials(opts, &base).await?;
    let global_region = base
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());

    let Accounts {
        plan: plan_accounts,
        entered,
        finished,
        mut failures,
        skipped,
        organization,
    } = enter_accounts(opts, &base, &calls, &global_region, resumed.as_ref()).await?;
    let mut kept: Vec<Target> = Vec::new();
    let mut kept_iam: Vec<IamAccount> = Vec::new();
    if let Some(resumed) = resumed.as_mut() {
        for account in &finished {
            kept.extend(resumed.take_account(account, opts.regions.as_deref()));
            kept_iam.extend(resumed.take_iam(account));
        }
    }
    let (plan, region_failures) = plan_targets(
        opts,
        &base,
        &calls,
        &global_region,
        &entered,
        resumed.as_mut(),
        &mut kept,
    )
    .await;
    failures.extend(region_failures);
    failures.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    if let Some(progress) = &opts.progress {
        progress(Progress::ScanStarted {
            targets: plan.len(),
            accounts: entered.len(),
            concurrency: opts.concurrency.max(1),
            accounts_not_entered: failures.len(),
        });
    }
    // IAM is global: each account's roles are read once, beside its regions; an account with
    // no region to scan (its regions could not be listed) is not scanned at all. A resumed
    // account keeps the roles its snapshot read in full.
    let has_target = |account: &str| {
        plan.iter().any(|t| t.account_id == account) || kept.iter().any(|t| t.account_id == account)
    };
    let mut scanned: Vec<&EnteredAccount> = Vec::new();
    for account in entered.iter().filter(|a| has_target(&a.account_id)) {
        match resumed
            .as_mut()
            .and_then(|r| r.take_iam(&account.account_id))
        {
            Some(read) => kept_iam.push(read),
            None => scanned.push(account),
        }
    }
    let (organization_id, organization_accounts) =
        organization.map(|o| (o.id, o.accounts)).unwrap_or_default();
    let previous_calls = resumed.map(|r| r.api_calls).unwrap_or_default();
    let mut inventory = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at,
        targets: kept,
        account_failures: failures,
        skipped_accounts: skipped,
        api_calls: previous_calls,
        scope: crate::inventory::ScanScope {
            organization_accounts,
            organization_id,
            ..opts.scope()
        },
        iam: kept_iam,
        shard: opts.shard.map(|spec| Shard {
            index: spec.index,
            count: spec.count,
            plan_accounts,
        }),
        ..Default::default()
    };
    let iam_reads = IamReads::default();
    let mut checkpoints = opts.checkpoint.clone().map(|sink| {
        let planned = plan
            .iter()
            .map(|t| TargetRef {
                account_id: t.account_id.clone(),
                region: t.region.clone(),
            })
            .collect();
        // Roles still to read are a gap in a checkpoint, never an account without roles.
        let mut header = inventory.clone();
        header
            .iam
            .extend(scanned.iter().map(|a| not_reached_iam(&a.account_id)));
        let mut cp = Checkpointer::new(
            header,
            planned,
            iam_reads.clone(),
            calls.clone(),
            sink,
            opts.checkpoint_every,
        );
        // At once: a scan stopped before the first interval still leaves its plan behind.
        cp.write(&[]);
        cp
    });
    let (targets, ()) = tokio::join!(
        scan_targets(opts, &base, &calls, plan, checkpoints.as_mut()),
        read_iam(opts, &base, &calls, &global_region, &scanned, &iam_reads),
    );
    let iam = std::mem::take(&mut *iam_reads.lock().unwrap_or_else(|e| e.into_inner()));
    inventory.targets.extend(targets);
    inventory
        .targets
        .sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    inventory.iam.extend(iam);
    inventory
        .iam
        .sort_by(|a, b| a.account_id.cmp(&b.account_id));
    add_calls(&mut inventory.api_calls, &calls.snapshot());
    inventory.finished_at = now_rfc3339();
    Ok(inventory)
}

/// Reads the IAM roles of these accounts, `--concurrency` accounts at a time, into
/// `read_so_far` as each account's read ends (checkpoints take them from there). A bug
/// that panics on one account's data costs that account's IAM read, not the scan.
async fn read_iam(
    opts: &ScanOptions,
    base: &SdkConfig,
    calls: &CallCounter,
    global_region: &str,
    accounts: &[&EnteredAccount],
    read_so_far: &IamReads,
) {
    use futures_util::stream::{self, StreamExt};
    let reads = accounts.iter().map(|acct| {
        let ctx = RegionCtx {
            config: config_for(base, global_region, acct.creds.as_ref()),
            account_id: acct.account_id.clone(),
            region: global_region.to_string(),
            calls: calls.clone(),
        };
        async move {
            let account_id = ctx.account_id.clone();
            match tokio::spawn(async move { iam::collect_iam(&ctx).await }).await {
                Ok(read) => read,
                Err(e) => IamAccount {
                    account_id,
                    status: TargetStatus::Failed,
                    errors: vec![ScanError {
                        operation: Operation::IamGetAccountAuthorizationDetails.into(),
                        code: "InternalError".into(),
                        message: if e.is_panic() {
                            "reading this account's IAM roles stopped on an internal error (a bug: please report it); no trust path was judged".into()
                        } else {
                            "reading this account's IAM roles was cancelled".into()
                        },
                        resource: None,
                    }],
                    ..Default::default()
                },
            }
        }
    });
    stream::iter(reads)
        .buffer_unordered(opts.concurrency.max(1))
        .for_each(|read| {
            read_so_far
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(read);
            std::future::ready(())
        })
        .await;
}

/// Registers every secret this process holds for redaction (the external id and the caller's
/// credentials), so no error message can carry one (see `redact`). Fails the scan only when
/// the credential chain answers that there are no credentials at all.
async fn load_caller_credentials(
    opts: &ScanOptions,
    base: &SdkConfig,
) -> Result<(), FatalScanError> {
    if let Some(id) = &opts.external_id {
        register_secret(id);
    }
    let Some(provider) = base.credentials_provider() else {
        return Ok(());
    };
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
    Ok(())
}

/// Enters the accounts to scan: the caller's own, the named ones, or the organization's.
async fn enter_accounts(
    opts: &ScanOptions,
    base: &SdkConfig,
    calls: &CallCounter,
    global_region: &str,
    resumed: Option<&Resumed>,
) -> Result<Accounts, FatalScanError> {
    let (named, skipped, organization) = if opts.organization {
        let org = organizations::list_accounts(base, calls).await?;
        if let Some(progress) = &opts.progress {
            progress(Progress::OrganizationListed {
                active: org.active.len(),
                skipped: org.skipped.len(),
            });
        }
        (Some(org.active), org.skipped, Some(org.organization))
    } else {
        (opts.accounts.clone(), Vec::new(), None)
    };
    let in_shard = |account: &str| opts.shard.is_none_or(|shard| shard.owns(account));
    let is_finished = |account: &str| resumed.is_some_and(|r| r.is_finished(account));
    let (plan, entered, finished, failures) = match named {
        None => {
            let caller = enter_caller_account(base, calls).await?;
            let plan = vec![caller.account_id.clone()];
            let (entered, finished) = if !in_shard(&caller.account_id) {
                (Vec::new(), Vec::new())
            } else if is_finished(&caller.account_id) {
                (Vec::new(), vec![caller.account_id])
            } else {
                (vec![caller], Vec::new())
            };
            (plan, entered, finished, Vec::new())
        }
        Some(mut accounts) => {
            // Only this shard's accounts are entered: each account is entered by one shard.
            let (finished, to_enter): (Vec<String>, Vec<String>) = accounts
                .iter()
                .filter(|a| in_shard(a))
                .cloned()
                .partition(|a| is_finished(a));
            let (entered, failures) =
                assume_audit_roles(opts, base, calls, global_region, &to_enter).await;
            accounts.sort();
            accounts.dedup();
            (accounts, entered, finished, failures)
        }
    };
    Ok(Accounts {
        plan,
        entered,
        finished,
        failures,
        skipped,
        organization,
    })
}

/// The caller's own account, scanned with the caller's own credentials.
async fn enter_caller_account(
    base: &SdkConfig,
    calls: &CallCounter,
) -> Result<EnteredAccount, FatalScanError> {
    let sts = aws_sdk_sts::Client::new(base);
    calls.inc(Operation::StsGetCallerIdentity);
    let who = sts.get_caller_identity().send().await.map_err(|e| {
        let err = scan_error(Operation::StsGetCallerIdentity, None, &e);
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
    Ok(EnteredAccount {
        account_id,
        creds: None,
    })
}

/// Assumes the audit role in every named account at once.
async fn assume_audit_roles(
    opts: &ScanOptions,
    base: &SdkConfig,
    calls: &CallCounter,
    global_region: &str,
    accounts: &[String],
) -> (Vec<EnteredAccount>, Vec<AccountFailure>) {
    let sts = aws_sdk_sts::Client::new(base);
    let mut handles = Vec::new();
    // The audit roles live in the caller's partition (GovCloud and China ARNs differ).
    let partition = crate::arn::partition_of(global_region);
    for account in accounts {
        let sts = sts.clone();
        let calls = calls.clone();
        let role_arn = crate::arn::iam_role(partition, account, &opts.role_name);
        let external_id = opts.external_id.clone();
        let task_arn = role_arn.clone();
        let task = tokio::spawn(async move {
            calls.inc(Operation::StsAssumeRole);
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
    join_assume_roles(handles).await
}

/// The account × region targets of the entered accounts: the named regions, else each
/// account's enabled ones. An account whose regions cannot be listed is a failure. A target a
/// resumed snapshot read in full goes to `kept` instead of the plan.
async fn plan_targets(
    opts: &ScanOptions,
    base: &SdkConfig,
    calls: &CallCounter,
    global_region: &str,
    entered: &[EnteredAccount],
    mut resumed: Option<&mut Resumed>,
    kept: &mut Vec<Target>,
) -> (Vec<PlannedTarget>, Vec<AccountFailure>) {
    use futures_util::stream::{self, StreamExt};
    let mut plan = Vec::new();
    let mut failures = Vec::new();
    // The regions of `--concurrency` accounts are listed at once: one account after the other,
    // an organization of 1,000 accounts would wait 1,000 round trips before its first read.
    let listed: Vec<Result<Vec<String>, AccountFailure>> = stream::iter(entered)
        .map(|acct| async move {
            match &opts.regions {
                Some(r) => Ok(r.clone()),
                None => {
                    let cfg = config_for(base, global_region, acct.creds.as_ref());
                    let ec2 = aws_sdk_ec2::Client::new(&cfg);
                    calls.inc(Operation::Ec2DescribeRegions);
                    enabled_regions(&acct.account_id, ec2.describe_regions().send().await)
                }
            }
        })
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    for (acct, regions) in entered.iter().zip(listed) {
        let regions = match regions {
            Ok(r) => r,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        for region in regions {
            if let Some(target) = resumed
                .as_deref_mut()
                .and_then(|r| r.take(&acct.account_id, &region))
            {
                kept.push(target);
                continue;
            }
            plan.push(PlannedTarget {
                account_id: acct.account_id.clone(),
                region,
                creds: acct.creds.clone(),
            });
        }
    }
    (plan, failures)
}

/// Scans the planned targets in parallel, `--concurrency` at a time, and returns them sorted,
/// writing checkpoints as they finish.
async fn scan_targets(
    opts: &ScanOptions,
    base: &SdkConfig,
    calls: &CallCounter,
    plan: Vec<PlannedTarget>,
    checkpoints: Option<&mut Checkpointer>,
) -> Vec<Target> {
    let total = plan.len();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    let mut planned = std::collections::HashMap::new();
    for PlannedTarget {
        account_id,
        region,
        creds,
    } in plan
    {
        let ctx = RegionCtx {
            config: config_for(base, &region, creds.as_ref()),
            account_id: account_id.clone(),
            region: region.clone(),
            calls: calls.clone(),
        };
        let semaphore = semaphore.clone();
        let done = done.clone();
        let progress = opts.progress.clone();
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
            if let Some(progress) = progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                progress(Progress::TargetFinished {
                    done: n,
                    total,
                    target: FinishedTarget::of(&target),
                });
            }
            target
        });
        planned.insert(handle.id(), (account_id, region));
    }
    let mut targets = join_targets(set, planned, checkpoints).await;
    targets.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    targets
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
                        operation: Operation::StsAssumeRole.into(),
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
                        operation: Operation::StsAssumeRole.into(),
                        code: "MalformedResponse".into(),
                        message: format!("AssumeRole on {role_arn} returned no credentials"),
                        resource: Some(role_arn),
                    },
                }),
            },
            Err(e) => failures.push(AccountFailure {
                account_id: account,
                error: scan_error(Operation::StsAssumeRole, Some(&role_arn), &e),
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
                        operation: Operation::Ec2DescribeRegions.into(),
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
            error: scan_error(Operation::Ec2DescribeRegions, None, &e),
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
            operation: SCAN_TARGET_STEP.into(),
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
/// the inner scan task, e.g. while reporting progress) still yields a failed target, found by
/// its task id, so no planned target ever disappears from the report.
async fn join_targets(
    mut set: tokio::task::JoinSet<Target>,
    mut planned: std::collections::HashMap<tokio::task::Id, (String, String)>,
    mut checkpoints: Option<&mut Checkpointer>,
) -> Vec<Target> {
    let mut targets = Vec::with_capacity(planned.len());
    loop {
        // A checkpoint falls due even while no target finishes (the last ones may hang for
        // long): wait for the next target at most until then.
        let next = match checkpoints.as_deref() {
            Some(cp) => tokio::time::timeout(cp.due_in(), set.join_next_with_id()).await,
            None => Ok(set.join_next_with_id().await),
        };
        let res = match next {
            Ok(Some(res)) => res,
            Ok(None) => break,
            Err(_due) => {
                if let Some(cp) = checkpoints.as_deref_mut() {
                    cp.tick(&targets);
                }
                continue;
            }
        };
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
        if let Some(checkpoints) = checkpoints.as_deref_mut() {
            checkpoints.tick(&targets);
        }
    }
    targets
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
        // Lattice first: its target groups decide whether the load balancers' targets are read.
        succeeded += lattice::collect(ctx, &mut target).await;
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
mod tests;
