//! Parsing.

use super::*;

#[test]
fn the_three_text_shapes_parse_alike() {
    let plain = doc(&[ALLOW_PARTNER_ROLE_GET, PIN_PARTNER_VPCE]);
    let escaped = plain.replace('"', "\\\"");
    let with_slashes = escaped.replace('/', "\\/");
    let literal = serde_json::to_string(&plain).unwrap();
    let literal_of_escaped = serde_json::to_string(&escaped).unwrap();
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&plain).unwrap())
            .unwrap();
    let want = parse_policy(&plain).unwrap();
    assert_eq!(want.statement_count(), 2);
    for (name, text) in [
        ("escaped", escaped),
        ("escaped with \\/", with_slashes),
        ("string literal", literal),
        ("string literal of the escaped form", literal_of_escaped),
        ("pretty", pretty),
        ("padded", format!("  \n{plain}\n\t")),
    ] {
        assert_eq!(parse_policy(&text).as_ref(), Ok(&want), "{name}: {text}");
    }
}

#[test]
fn real_api_gateway_text_parses() {
    // As `aws apigateway get-rest-api --query policy --output text` prints it.
    let text = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:role\/partner-reader\"},\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:abc123\/prod\/GET\/*\"}]}"#;
    let d = parse_policy(text).unwrap();
    let arn = method_arn("prod/GET/orders/{id}");
    let v = verdict(&d, &arn, IAM, ALLOW, PUBLIC);
    assert_eq!(v.reach.label(), "accounts:[222222222222]");
}

#[test]
fn statement_shapes() {
    // A single statement object, values of every accepted scalar shape, Sid fallbacks.
    let single = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}}"#;
    assert_eq!(parse_policy(single).unwrap().statement_count(), 1);
    let d = parse_policy(&doc(&[
        r#"{"Sid":"","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#,
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}"#,
    ]))
    .unwrap();
    assert_eq!(d.statements[0].sid, "#0");
    assert_eq!(d.statements[1].sid, "#1");
    assert_eq!(
        d.statements[1].conditions[0].values,
        vec!["false".to_string()]
    );
    assert_eq!(d.statements[1].conditions[0].key, "aws:securetransport");
    assert_eq!(
        parse_policy(r#"{"Statement":[]}"#)
            .unwrap()
            .statement_count(),
        0
    );
}

#[test]
#[rustfmt::skip]
fn malformed_documents_are_errors_with_useful_messages() {
    let st = |body: &str| format!(r#"{{"Statement":[{{{body}}}]}}"#);
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", "".into(), "empty"),
        ("blank", "  \n ".into(), "empty"),
        ("not json", "{not json".into(), "not valid JSON"),
        (
            "truncated",
            r#"{"Statement":[{"Effect":"Allow""#.into(),
            "not valid JSON",
        ),
        ("array", "[1,2]".into(), "not a JSON object"),
        ("number", "42".into(), "not a JSON object"),
        ("string of garbage", r#""hello""#.into(), "not valid JSON"),
        (
            "no statement",
            r#"{"Version":"2012-10-17"}"#.into(),
            "no Statement",
        ),
        (
            "lower-case statement",
            r#"{"statement":[]}"#.into(),
            "no Statement",
        ),
        (
            "statement a string",
            r#"{"Statement":"Allow"}"#.into(),
            "Statement must be an object or a list",
        ),
        (
            "statement not an object",
            r#"{"Statement":[42]}"#.into(),
            "statement #0 is not an object",
        ),
        (
            "no effect",
            st(r#""Principal":"*","Action":"execute-api:Invoke","Resource":"*""#),
            "has no Effect",
        ),
        (
            "bad effect",
            st(
                r#""Sid":"S1","Effect":"Permit","Principal":"*","Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "statement S1: Effect \"Permit\" is neither Allow nor Deny",
        ),
        (
            "effect case",
            st(r#""Effect":"allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*""#),
            "neither Allow nor Deny",
        ),
        (
            "both principals",
            st(
                r#""Effect":"Allow","Principal":"*","NotPrincipal":{"AWS":"*"},"Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "both Principal and NotPrincipal",
        ),
        (
            "no principal",
            st(r#""Effect":"Allow","Action":"execute-api:Invoke","Resource":"*""#),
            "has no Principal",
        ),
        (
            "principal a bare account string",
            st(
                r#""Effect":"Allow","Principal":"222222222222","Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "Principal \"222222222222\" must be",
        ),
        (
            "principal a number",
            st(r#""Effect":"Allow","Principal":7,"Action":"execute-api:Invoke","Resource":"*""#),
            "Principal must be",
        ),
        (
            "principal holds an object",
            st(
                r#""Effect":"Allow","Principal":{"AWS":{"x":1}},"Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "Principal must be a string or a list",
        ),
        (
            "no action",
            st(r#""Effect":"Allow","Principal":"*","Resource":"*""#),
            "exactly one of Action and NotAction",
        ),
        (
            "both actions",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","NotAction":"*","Resource":"*""#),
            "exactly one of Action and NotAction",
        ),
        (
            "action an object",
            st(r#""Effect":"Allow","Principal":"*","Action":{"a":1},"Resource":"*""#),
            "Action must be",
        ),
        (
            "missing resource",
            st(r#""Effect":"Allow","Principal":"*","Action":"execute-api:Invoke""#),
            "exactly one of Resource and NotResource",
        ),
        (
            "both resources",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","NotResource":"*""#),
            "exactly one of Resource and NotResource",
        ),
        (
            "resource list of objects",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":[{}]"#),
            "Resource must hold strings",
        ),
        (
            "condition a list",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":[]"#),
            "Condition must be an object",
        ),
        (
            "condition block a string",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}"#,
            ),
            "condition StringEquals must map keys to values",
        ),
        (
            "condition value an object",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":{"a":"b"}}}"#,
            ),
            "condition value must be",
        ),
        (
            "condition value null",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":null}}"#,
            ),
            "condition value must be",
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, want) in &cases {
        match parse_policy(text) {
            Ok(d) => failures.push(format!(
                "{name}: parsed as {} statements",
                d.statement_count()
            )),
            Err(e) if !e.message.contains(want) => {
                failures.push(format!("{name}: message {:?} lacks {want:?}", e.message))
            }
            Err(_) => {}
        }
        // The escaped form of a broken document is just as broken.
        if !text.trim().is_empty() {
            let escaped = text.replace('"', "\\\"");
            if parse_policy(&escaped).is_ok() {
                failures.push(format!("{name}: escaped form parsed"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn oversized_documents_are_refused() {
    let huge = format!(
        r#"{{"Statement":[],"Pad":"{}"}}"#,
        "x".repeat(document::MAX_POLICY_BYTES)
    );
    assert!(parse_policy(&huge).unwrap_err().message.contains("bytes"));
    // A document of exactly the limit is evaluated.
    let head = format!(r#"{{"Statement":[{ALLOW_ALL}],"Pad":""#);
    let at_limit = format!(
        r#"{head}{}"}}"#,
        "x".repeat(document::MAX_POLICY_BYTES - head.len() - 2)
    );
    assert_eq!(at_limit.len(), document::MAX_POLICY_BYTES);
    assert_eq!(parse_policy(&at_limit).map(|d| d.statement_count()), Ok(1));
    // The bound is 2 MiB: a document of 1.5 MiB (past what API Gateway stores, but a
    // hand-made snapshot may hold one) is still evaluated, not refused.
    let mid = format!(r#"{head}{}"}}"#, "x".repeat(1_572_864 - head.len() - 2));
    assert_eq!(mid.len(), 1_572_864);
    assert_eq!(parse_policy(&mid).map(|d| d.statement_count()), Ok(1));
    // The limit itself is evaluated; one more statement is refused.
    let at_limit = format!(
        r#"{{"Statement":[{}]}}"#,
        vec![ALLOW_ALL; document::MAX_STATEMENTS].join(",")
    );
    assert_eq!(
        parse_policy(&at_limit).map(|d| d.statement_count()),
        Ok(document::MAX_STATEMENTS)
    );
    let many = format!(
        r#"{{"Statement":[{}]}}"#,
        vec![ALLOW_ALL; document::MAX_STATEMENTS + 1].join(",")
    );
    assert!(parse_policy(&many)
        .unwrap_err()
        .message
        .contains("statements"));
}

#[test]
fn errors_display_their_message() {
    let e = parse_policy("{").unwrap_err();
    assert_eq!(e.to_string(), e.message);
}
