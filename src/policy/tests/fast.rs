//! The classifier decides through [`FastEvaluator`] (conditions split by the side of the request
//! they read, outcomes cached per principal, membership and source); [`evaluate`] is the plain
//! statement-by-statement reading. They must agree on every request.

use super::no_panics::statementish;
use super::*;
use crate::policy::fast::FastEvaluator;
use crate::policy::keys::{Env, Service};
use crate::policy::paths::covering_classes;
use crate::policy::probes::Membership;
use crate::policy::reference::{evaluate, Caller, NetworkSource, SourceOwner};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn probe_callers() -> Vec<Caller> {
    let member = |org: &str, path: &str| Membership {
        org_id: org.into(),
        paths: vec![path.into()],
        label: Some(org.into()),
    };
    let abc = member("o-abc", "o-abc/r-1/ou-1/");
    let other = member("o-zzz", "o-zzz/r-9/ou-9/");
    vec![
        Caller::Anonymous,
        Caller::principal("222222222222", "arn:aws:iam::222222222222:role/x1", None),
        Caller::principal(
            "222222222222",
            "arn:aws:iam::222222222222:role/x1",
            Some(&abc),
        ),
        Caller::principal(
            "333333333333",
            "arn:aws:iam::333333333333:user/u",
            Some(&other),
        ),
        Caller::principal(
            "111111111111",
            "arn:aws:iam::111111111111:role/r",
            Some(&abc),
        ),
        Caller::principal(
            "444444444444",
            "arn:aws:sts::444444444444:assumed-role/x2/s",
            None,
        ),
    ]
}

fn probe_sources() -> Vec<NetworkSource> {
    let src = |ip: Option<&str>, vpce: Option<&str>, vpc: Option<&str>| NetworkSource {
        ip: ip.map(|i| i.parse().unwrap()),
        vpce: vpce.map(str::to_string),
        vpc: vpc.map(str::to_string),
        owner: SourceOwner::Fresh,
        cidr: None,
    };
    vec![
        src(Some("203.0.113.9"), None, None),
        src(Some("198.51.100.1"), None, None),
        src(Some("2001:db8::1"), None, None),
        src(Some("10.0.0.1"), None, None),
        src(None, Some("vpce-0owner"), Some("vpc-0owner")),
        src(None, Some("vpce-0partner"), Some("vpc-0partner")),
        src(None, None, None),
    ]
}

/// The fast decisions against the statement-by-statement ones, for every probe caller and
/// source, on each class of request paths of `method`.
fn agree(statements: &[serde_json::Value], method: &str) -> Result<(), TestCaseError> {
    let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let Ok(d) = parse_policy(&text) else {
        return Ok(());
    };
    let arn = format!("{API_PREFIX}/{method}");
    let sources = probe_sources();
    let env = Env {
        service: Service::Aws,
        at: Some(scan_start()),
        region: REGION,
        owner_account: OWNER,
    };
    for covering in covering_classes(&d, &arn).0 {
        let mut fast = FastEvaluator::new(&covering, &sources, env);
        for caller in probe_callers() {
            let outcome = fast.caller_outcome(&caller);
            for (i, source) in sources.iter().enumerate() {
                let want = evaluate(&covering, &caller, source, &env);
                let mut unevaluated = BTreeSet::new();
                let got = fast.decide((&caller, &outcome), (source, i), &mut unevaluated);
                let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
                prop_assert_eq!(
                    sorted(&got.allowed_by),
                    sorted(&want.allowed_by),
                    "allows: {:?} {:?} {}",
                    caller,
                    source,
                    text
                );
                prop_assert_eq!(
                    sorted(&got.denied_by),
                    sorted(&want.denied_by),
                    "denies: {:?} {:?} {}",
                    caller,
                    source,
                    text
                );
                // The fast path names the unknown conditions of the statements that apply; the
                // reference also names those of statements a later condition rules out, which
                // change nothing. An unknown condition in play is named by both.
                prop_assert!(
                    unevaluated.is_subset(&want.unevaluated),
                    "unevaluated {:?} not within {:?}: {}",
                    unevaluated,
                    want.unevaluated,
                    text
                );
            }
        }
    }
    Ok(())
}

/// A statement whose conditions read every side of a request (the principal, its organization,
/// the network, neither), in pairs, with keys the engine knows, does not know, and leaves to
/// the caller.
fn sided_statement() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let single = prop::sample::select(vec![
        json!({"StringEquals": {"aws:PrincipalAccount": "222222222222"}}),
        json!({"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}}),
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        json!({"StringEquals": {"aws:SourceVpce": "vpce-0partner"}}),
        json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
        json!({"StringEquals": {"aws:ResourceTag/team": "x"}}),
        json!({"StringLike": {"aws:userid": "AROA*"}}),
        json!({"StringLike": {"aws:UserAgent": "partner/*"}}),
        json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}),
        json!({"StringEquals": {"aws:PrincipalType": "AssumedRole"}}),
    ]);
    let condition = prop::collection::vec(single, 0..3).prop_map(|parts| {
        let mut m = serde_json::Map::new();
        for (i, part) in parts.into_iter().enumerate() {
            for (op, block) in part.as_object().expect("object") {
                // Two conditions under one operator name: keep both by suffixing a set qualifier.
                let name = if m.contains_key(op) {
                    format!("{op}IfExists")
                } else {
                    op.clone()
                };
                let _ = i;
                m.insert(name, block.clone());
            }
        }
        serde_json::Value::Object(m)
    });
    (
        prop::sample::select(vec!["Allow", "Deny"]),
        prop::sample::select(vec![
            json!("*"),
            json!({"AWS": "222222222222"}),
            json!({"AWS": "arn:aws:iam::222222222222:role/x1"}),
        ]),
        any::<bool>(),
        condition,
    )
        .prop_map(|(effect, principal, not_principal, condition)| {
            let mut m = serde_json::Map::new();
            m.insert("Effect".into(), json!(effect));
            m.insert(
                if not_principal {
                    "NotPrincipal"
                } else {
                    "Principal"
                }
                .into(),
                principal,
            );
            m.insert("Action".into(), json!("execute-api:Invoke"));
            m.insert("Resource".into(), json!("*"));
            if condition.as_object().is_some_and(|c| !c.is_empty()) {
                m.insert("Condition".into(), condition);
            }
            serde_json::Value::Object(m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn factorized_decisions_equal_the_statement_by_statement_reading(
        statements in prop::collection::vec(statementish(), 1..6),
        method in prop::sample::select(vec!["prod/GET/orders/1", "prod/POST/admin", "dev/GET/x"]),
    ) {
        agree(&statements, method)?;
    }

    #[test]
    fn factorized_decisions_equal_the_reading_on_every_side(
        statements in prop::collection::vec(sided_statement(), 1..8),
    ) {
        agree(&statements, "prod/GET/x")?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Past 64 statements the sets span several words.
    #[test]
    fn factorized_decisions_equal_the_reading_on_many_statements(
        statements in prop::collection::vec(sided_statement(), 60..140),
    ) {
        agree(&statements, "prod/GET/x")?;
    }
}
