use super::*;
use crate::aws::redact::redact;

#[tokio::test]
async fn credentials_are_registered_whenever_the_provider_hands_them_out() {
    use aws_credential_types::provider::ProvideCredentials;
    let late = Credentials::new(
        "AKIALATEREGISTERED01",
        "late-secret-access-key",
        Some("late-session-token".into()),
        None,
        "test",
    );
    assert_eq!(
        redact("late-secret-access-key"),
        "late-secret-access-key",
        "registered too early"
    );
    let provider = RegisteringProvider(SharedCredentialsProvider::new(late));
    provider.provide_credentials().await.unwrap();
    assert_eq!(
        redact("AKIALATEREGISTERED01 late-secret-access-key late-session-token"),
        "[REDACTED] [REDACTED] [REDACTED]"
    );
}
