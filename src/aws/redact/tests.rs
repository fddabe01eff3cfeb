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
fn secrets_are_redacted_in_every_encoding_a_service_may_echo() {
    let secret = "ENCODEDext+id/42==";
    register_secret(secret);
    for echoed in [
        "ExternalId=ENCODEDext%2Bid%2F42%3D%3D&Version=2011-06-15",
        "ExternalId=ENCODEDext%2bid%2f42%3d%3d",
        "ExternalId=ENCODEDext%2Bid/42%3D=",
        "{\"externalId\":\"ENCODEDext+id\\/42==\"}",
        "%45%4E%43ODEDext+id/42==",
        "ENCODEDext+id/42==",
    ] {
        let out = redact(echoed);
        assert!(!out.contains("ENCODED"), "{echoed} -> {out}");
        assert!(!out.contains("%2"), "{echoed} -> {out}");
        assert!(out.contains("[REDACTED]"), "{echoed} -> {out}");
    }
    assert_eq!(
        redact("ExternalId=ENCODEDext%2Bid%2F42%3D%3D&Version=1"),
        "ExternalId=[REDACTED]&Version=1"
    );
    // A near miss stays as it is; multi-byte text around a match survives.
    assert_eq!(redact("ENCODEDext+id/43=="), "ENCODEDext+id/43==");
    assert_eq!(redact("é ENCODEDext%2Bid%2F42%3D%3D ü"), "é [REDACTED] ü");
}
