use super::*;
use crate::aws::redact::register_secret;

#[test]
fn error_codes_are_redacted_and_bounded_like_messages() {
    register_secret("CODESECRETvalue1");
    let code = format!("Weird\nCODESECRETvalue1{}", "X".repeat(500));
    let cleaned = clean(&code, 100);
    assert!(!cleaned.contains("CODESECRET"), "{cleaned}");
    assert!(!cleaned.contains('\n'));
    assert_eq!(cleaned.chars().count(), 101);
    // A huge message is cut before redaction but never lets a secret through.
    let huge = format!("{}CODESECRETvalue1", "y".repeat(390));
    let cleaned = clean(&(huge + &"z".repeat(1_000_000)), 400);
    assert!(!cleaned.contains("CODESECRET"), "{cleaned}");
}

#[test]
fn error_chains_are_one_readable_line() {
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct E(&'static str, #[source] Option<Box<E>>);
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
