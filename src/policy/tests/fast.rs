//! The classifier decides through [`FastEvaluator`] (conditions split by the side of the request
//! they read, outcomes cached per principal, membership and source); [`evaluate`] is the plain
//! statement-by-statement reading. They must agree on every request.

use super::no_panics::statementish;
use super::*;
use crate::policy::fast::FastEvaluator;
use crate::policy::keys::Env;
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn factorized_decisions_equal_the_statement_by_statement_reading(
        statements in prop::collection::vec(statementish(), 1..6),
        method in prop::sample::select(vec!["prod/GET/orders/1", "prod/POST/admin", "dev/GET/x"]),
    ) {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let Ok(d) = parse_policy(&text) else { return Ok(()); };
        let arn = format!("{API_PREFIX}/{method}");
        let sources = probe_sources();
        let env = Env { at: Some(scan_start()), region: REGION, owner_account: OWNER };
        for covering in covering_classes(&d, &arn).0 {
        let mut fast = FastEvaluator::new(&covering, &sources, env);
        for caller in probe_callers() {
            let outcome = fast.caller_outcome(&caller);
            for (i, source) in sources.iter().enumerate() {
                let want = evaluate(&covering, &caller, source, &env);
                let mut unevaluated = BTreeSet::new();
                let got = fast.decide((&caller, &outcome), (source, i), &mut unevaluated);
                let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
                prop_assert_eq!(sorted(&got.allowed_by), sorted(&want.allowed_by), "allows: {:?} {:?} {}", caller, source, text);
                prop_assert_eq!(
                    got.denied_by.is_empty(), want.denied_by.is_empty(),
                    "denies: {:?} {:?} {}", caller, source, text
                );
                // The fast path names the unknown conditions of the statements that apply; the
                // reference also names those of statements a later condition rules out, which
                // change nothing. An unknown condition in play is named by both.
                prop_assert!(
                    unevaluated.is_subset(&want.unevaluated),
                    "unevaluated {:?} not within {:?}: {}", unevaluated, want.unevaluated, text
                );
            }
        }
        }
    }
}
