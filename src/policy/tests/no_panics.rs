//! Property tests: no panics.

use super::*;
use proptest::prelude::*;

/// Arbitrary JSON, biased towards the policy vocabulary so that deep parts of the parser run.
fn policyish_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let words = prop::sample::select(vec![
        "*",
        "Allow",
        "Deny",
        "execute-api:Invoke",
        "execute-api:/*",
        "arn:aws:iam::222222222222:root",
        "222222222222",
        "arn:aws:iam::222222222222:role/r*",
        "vpce-0partner",
        "vpce-0owner",
        "o-abc",
        "203.0.113.0/24",
        "10.0.0.1",
        "true",
        "false",
        "",
        "{",
        "}",
        "execute-api:/prod/GET/a/{id}",
        "arn:aws:execute-api:*:*:*/*/*/*",
        "o-abc/r-1/*",
        "aws:SourceVpce",
    ]);
    let leaf = prop_oneof![
        words.prop_map(|w| Value::String(w.into())),
        any::<String>().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(Value::Null),
    ];
    let keys = prop::sample::select(vec![
        "Statement",
        "Effect",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringEquals",
        "StringNotEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringNotEquals",
        "StringEqualsIfExists",
        "IpAddress",
        "NotIpAddress",
        "Null",
        "ArnLike",
        "Bool",
        "NumericLessThan",
        "aws:SourceVpce",
        "aws:sourcevpc",
        "aws:SourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:Referer",
        "Sid",
        "Version",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A statement assembled from random parts, so that most of them parse.
pub(super) fn statementish() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"AWS": ["222222222222", "arn:aws:iam::333333333333:root"]})),
        Just(json!({"AWS": "arn:aws:iam::*:role/x*"})),
        Just(json!({"Service": "lambda.amazonaws.com"})),
        policyish_json(),
    ];
    let patterns = prop_oneof![
        Just(json!("*")),
        Just(json!("execute-api:/*/GET/*")),
        Just(json!([
            "execute-api:/prod/*",
            "arn:aws:execute-api:us-east-1:111111111111:abc123/*/POST/{x"
        ])),
        "[a-zA-Z0-9:/*?{}+-]{0,24}".prop_map(Value::String),
        policyish_json(),
    ];
    let condition = prop_oneof![
        Just(Value::Null),
        Just(json!({"StringNotEquals": {"aws:SourceVpce": ["vpce-0owner", "vpce-0partner"]}})),
        Just(
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "::/0", "bogus", "10.0.0.1"]}})
        ),
        Just(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-abc/*", "o-*/r/*"]}})),
        Just(
            json!({"Null": {"aws:SourceVpce": "true"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:*"}})
        ),
        Just(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}})),
        policyish_json(),
    ];
    (
        prop::sample::select(vec!["Allow", "Deny"]),
        any::<bool>(),
        principal,
        any::<bool>(),
        patterns.clone(),
        any::<bool>(),
        patterns,
        condition,
    )
        .prop_map(|(effect, not_p, p, not_a, a, not_r, r, c)| {
            let mut m = serde_json::Map::new();
            m.insert("Effect".into(), json!(effect));
            m.insert(if not_p { "NotPrincipal" } else { "Principal" }.into(), p);
            m.insert(if not_a { "NotAction" } else { "Action" }.into(), a);
            m.insert(if not_r { "NotResource" } else { "Resource" }.into(), r);
            if !c.is_null() {
                m.insert("Condition".into(), c);
            }
            Value::Object(m)
        })
}

fn odd_method() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,5}/(GET|POST|\\*|)/[a-z{}+/*?]{0,16}",
        "[a-z{}/+]{0,10}",
        any::<String>(),
        Just("prod/GET/orders/{id".to_string()),
        Just("prod/GET/orders/id}".to_string()),
        Just("prod/GET/{proxy+}/{".to_string()),
        Just("//GET//".to_string()),
        Just(String::new()),
    ]
}

fn any_query() -> impl Strategy<Value = (CallerKind, PolicyMode, Network)> {
    (
        prop::sample::select(vec![ANON, IAM]),
        prop::sample::select(vec![ALLOW, DENY_ONLY]),
        prop::sample::select(vec![PUBLIC, PRIVATE]),
    )
}

fn reach_all_queries(d: &PolicyDocument, arn: &str) {
    for caller in [ANON, IAM] {
        for mode in [ALLOW, DENY_ONLY] {
            for network in [PUBLIC, PRIVATE] {
                let v = verdict(d, arn, caller, mode, network);
                // Invariants that hold for every verdict.
                if !v.unevaluated.is_empty() {
                    assert!(v.low_confidence);
                }
                if !v.reach.beyond_owner() {
                    assert!(v.allowing_statements.is_empty());
                }
                if caller == IAM {
                    assert!(
                        !matches!(
                            v.reach,
                            Reach::Internet | Reach::InternetIpRestricted { .. }
                        ),
                        "an authenticated caller is never 'the internet': {:?}",
                        v.reach
                    );
                }
                if network == PRIVATE {
                    assert!(v.reach.width() <= Reach::AnyAwsAccount.width());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_text(text in any::<String>()) {
        let _ = parse_policy(&text);
        let _ = parse_policy(&text.replace('"', "\\\""));
    }

    #[test]
    fn parse_never_panics_on_json(v in policyish_json()) {
        let text = v.to_string();
        let _ = parse_policy(&text);
        let _ = parse_policy(&text.replace('"', "\\\""));
        let _ = parse_policy(&serde_json::to_string(&text).unwrap());
        let wrapped = serde_json::json!({"Version": "2012-10-17", "Statement": v}).to_string();
        let _ = parse_policy(&wrapped);
    }

    #[test]
    fn parse_errors_say_something(text in "[{}\\[\\]\":,a-zA-Z ]{0,40}") {
        if let Err(e) = parse_policy(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn reach_never_panics(
        statements in prop::collection::vec(statementish(), 0..5),
        method in odd_method(),
        (caller, mode, network) in any_query(),
    ) {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        if let Ok(d) = parse_policy(&text) {
            let arn = method_arn(&method);
            let _ = verdict(&d, &arn, caller, mode, network);
            reach_all_queries(&d, &method);
            reach_all_queries(&d, &arn);
        }
    }
}
