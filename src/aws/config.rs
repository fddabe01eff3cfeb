//! SDK configuration: the caller's credentials and settings, and each target's region and role.

use super::redact::register_credentials;
use super::ScanOptions;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use std::time::Duration;

/// Wraps the caller's credentials provider so that whatever it hands the SDK is registered
/// for redaction on the spot: credentials resolved only at the first call (after the bounded
/// early resolution in `collect::load_caller_credentials` gave up) or refreshed later (SSO,
/// instance roles) are never unknown to redaction when an error echoes them.
#[derive(Debug)]
struct RegisteringProvider(SharedCredentialsProvider);

impl aws_credential_types::provider::ProvideCredentials for RegisteringProvider {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let creds = self.0.provide_credentials().await?;
            register_credentials(&creds);
            Ok(creds)
        })
    }
}

/// Loads the caller's configuration from the standard chain (env, profile, SSO, instance role),
/// with the retry, timeout and endpoint settings of the scan.
pub(super) async fn base_config(opts: &ScanOptions) -> SdkConfig {
    // With --profile, the region is AWS_REGION's, else the profile's (as the AWS CLI does);
    // without it, the standard chain's. us-east-1 when nothing names one.
    let region = match &opts.profile {
        Some(profile) => RegionProviderChain::first_try(
            aws_config::default_provider::region::DefaultRegionChain::builder()
                .profile_name(profile)
                .build(),
        ),
        None => RegionProviderChain::default_provider(),
    }
    .or_else(Region::new("us-east-1"));
    let region = region.region().await;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.clone())
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
        // Only the profile's credentials: the default chain would try AWS_ACCESS_KEY_ID first
        // and silently ignore --profile whenever keys are in the environment.
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .configure(&aws_config::provider_config::ProviderConfig::default().with_region(region))
            .build();
        loader = loader.profile_name(profile).credentials_provider(provider);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    match config.credentials_provider() {
        Some(provider) => config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(RegisteringProvider(
                provider,
            )))
            .build(),
        None => config,
    }
}

pub(super) fn config_for(base: &SdkConfig, region: &str, creds: Option<&Credentials>) -> SdkConfig {
    let mut b = base.to_builder().region(Region::new(region.to_string()));
    if let Some(c) = creds {
        b = b.credentials_provider(SharedCredentialsProvider::new(c.clone()));
    }
    b.build()
}

/// Enrichment calls change no verdict: give them one retry, not the scan's full budget, so an
/// account (or an emulator) that does not support them costs a second, not half a minute.
pub(super) fn enrichment_retry() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(2)
}

#[cfg(test)]
mod tests;
