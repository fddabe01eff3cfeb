//! The verb → rule classification: which rules a method verdict breaks.

use super::verdict::{widest, MethodVerdict, ANY_VERBS};
use crate::model::{is_write_verb, Auth, Reach};

/// One rule a method breaks, through some of its verbs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Classified {
    pub(super) rule: &'static str,
    /// Widest reach over the verbs that break the rule.
    pub(super) reach: Reach,
    /// Whether a write verb is among them.
    pub(super) write: bool,
    pub(super) verbs: Vec<String>,
    pub(super) explanation: String,
    pub(super) allowing_statements: Vec<String>,
}

/// The rule one verb breaks at this reach, if any.
fn verb_rule(auth: Auth, verb: &str, reach: &Reach) -> Option<&'static str> {
    if !reach.beyond_owner() {
        return None;
    }
    let write = is_write_verb(verb);
    if auth.is_unauthenticated() {
        return Some(match reach {
            Reach::Internet if write => "apigw-unauthenticated-write-internet",
            Reach::Internet => "apigw-unauthenticated-read-internet",
            Reach::InternetIpRestricted { .. } => "apigw-unauthenticated-ip-allowlisted",
            _ => "apigw-unauthenticated-cross-account",
        });
    }
    match auth {
        Auth::AwsIam if write => Some(match reach {
            Reach::Accounts { .. } => "apigw-write-external-accounts",
            Reach::Organization { .. } => "apigw-write-organization",
            // Principal "*" with IAM auth: any authenticated principal of any account.
            _ => "apigw-write-any-aws-account",
        }),
        Auth::AwsIam => match reach {
            Reach::Accounts { .. } | Reach::Organization { .. } => None, // the intended design
            _ => Some("apigw-read-any-aws-account"),
        },
        _ if write => Some("apigw-authorizer-only-write-exposed"),
        _ => None,
    }
}

/// A read rule and the write rule that says all it says when its reach is at least as wide.
const IMPLIED_BY: [(&str, &str); 2] = [
    (
        "apigw-unauthenticated-read-internet",
        "apigw-unauthenticated-write-internet",
    ),
    ("apigw-read-any-aws-account", "apigw-write-any-aws-account"),
];

/// Which rules a verdict breaks: each verb is judged on its own, and every distinct rule its
/// verbs earn is reported (an `ANY` method whose GET is open to any AWS account and whose
/// writes go to one partner breaks two rules), except a read rule that the same method's write
/// rule already covers at the same reach.
pub(super) fn classify(auth: Auth, v: &MethodVerdict) -> Vec<Classified> {
    let mut out: Vec<Classified> = Vec::new();
    for vv in &v.verbs {
        let Some(rule) = verb_rule(auth, &vv.verb, &vv.reach) else {
            continue;
        };
        match out.iter_mut().find(|c| c.rule == rule) {
            Some(c) => {
                if vv.reach.width() > c.reach.width() {
                    c.explanation = vv.explanation.clone();
                }
                c.reach = widest(c.reach.clone(), vv.reach.clone());
                c.write |= is_write_verb(&vv.verb);
                c.verbs.push(vv.verb.clone());
                c.allowing_statements
                    .extend(vv.allowing_statements.iter().cloned());
                c.allowing_statements.sort();
                c.allowing_statements.dedup();
            }
            None => out.push(Classified {
                rule,
                reach: vv.reach.clone(),
                write: is_write_verb(&vv.verb),
                verbs: vec![vv.verb.clone()],
                explanation: vv.explanation.clone(),
                allowing_statements: vv.allowing_statements.clone(),
            }),
        }
    }
    // A read rule whose write rule has at least its reach says nothing more: fold its verbs
    // (and the statements that let them in) into the write finding.
    let writer_of = |read: &Classified, all: &[Classified]| -> Option<usize> {
        let (_, write) = IMPLIED_BY.iter().find(|(r, _)| read.rule == *r)?;
        all.iter()
            .position(|w| w.rule == *write && w.reach.width() >= read.reach.width())
    };
    let mut i = 0;
    while i < out.len() {
        let Some(j) = writer_of(&out[i], &out) else {
            i += 1;
            continue;
        };
        let read = out.remove(i);
        let w = &mut out[if j > i { j - 1 } else { j }];
        w.verbs.extend(read.verbs);
        w.verbs
            .sort_by_key(|verb| ANY_VERBS.iter().position(|x| x == verb));
        w.allowing_statements.extend(read.allowing_statements);
        w.allowing_statements.sort();
        w.allowing_statements.dedup();
    }
    out
}
