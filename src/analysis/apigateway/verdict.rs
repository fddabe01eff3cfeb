//! Who can reach a method: the verdict for each verb it accepts, on one stage or the widest
//! over several.

use crate::analysis::VpcOwnership;
use crate::inventory::{RestApi, Target};
use crate::model::{Auth, Reach};
use crate::policy::{
    self, CallerKind, Network, OffsetDateTime, PolicyDocument, PolicyMode, ReachCache, ReachChange,
    ReachContext, ReachQuery,
};

/// The verbs an `ANY` method accepts.
pub(super) const ANY_VERBS: [&str; 7] =
    ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

/// The widest of several verdicts of one method, verb by verb (used when the stage is unknown).
pub(super) fn widest_verdict(verdicts: Vec<(String, MethodVerdict)>) -> MethodVerdict {
    let mut all = verdicts.into_iter().map(|(_, v)| v);
    let mut out = all.next().expect("at least one candidate stage");
    for v in all {
        out.low_confidence |= v.low_confidence;
        out.unevaluated.extend(v.unevaluated);
        for (mine, theirs) in out.verbs.iter_mut().zip(v.verbs) {
            if theirs.reach.width() > mine.reach.width() {
                mine.explanation = theirs.explanation;
                mine.change = theirs.change;
            }
            mine.allowing_statements.extend(theirs.allowing_statements);
            mine.allowing_statements.sort();
            mine.allowing_statements.dedup();
            mine.reach = mine.reach.clone().widest(theirs.reach);
        }
    }
    out.unevaluated.sort();
    out.unevaluated.dedup();
    out
}

/// How a method or route authenticates its callers: the entry of `known` for its
/// authorization type; `NONE`, or anything unrecognised, is no authentication (the wider
/// verdict), or only an API key when one is required.
pub(super) fn caller_auth(
    known: &[(&str, Auth)],
    authorization_type: &str,
    api_key_required: bool,
) -> Auth {
    match known.iter().find(|(name, _)| *name == authorization_type) {
        Some((_, auth)) => *auth,
        None if api_key_required => Auth::ApiKeyOnly,
        None => Auth::None,
    }
}

/// The verbs a method or route accepts: `ANY` is each of them.
fn expand_verb(verb: &str) -> Vec<String> {
    if verb == "ANY" {
        ANY_VERBS.iter().map(|v| v.to_string()).collect()
    } else {
        vec![verb.to_string()]
    }
}

/// Who can reach one concrete verb of a method.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct VerbVerdict {
    pub(super) verb: String,
    pub(super) reach: Reach,
    pub(super) explanation: String,
    pub(super) allowing_statements: Vec<String>,
    /// When a time condition changes this reach at a known instant: the first such change.
    pub(super) change: Option<ReachChange>,
}

/// The verdict for one method on one stage.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MethodVerdict {
    /// One per verb the method accepts (`ANY` expanded), each judged on its own: the policy is
    /// evaluated against the verb of the actual request.
    pub(super) verbs: Vec<VerbVerdict>,
    pub(super) low_confidence: bool,
    pub(super) unevaluated: Vec<String>,
}

pub(super) fn method_arn(
    target: &Target,
    api_id: &str,
    stage: &str,
    verb: &str,
    path: &str,
) -> String {
    crate::arn::execute_api_method(
        &target.region,
        &target.account_id,
        api_id,
        stage,
        verb,
        path,
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn rest_verdict(
    target: &Target,
    api: &RestApi,
    doc: Option<&PolicyDocument>,
    network: Network,
    auth: Auth,
    stage: &str,
    verb: &str,
    path: &str,
    ownership: &VpcOwnership,
    at: Option<OffsetDateTime>,
    cache: &mut ReachCache,
) -> MethodVerdict {
    let mut v = MethodVerdict {
        verbs: vec![],
        low_confidence: false,
        unevaluated: vec![],
    };
    let vpce_owner = |id: &str| ownership.vpce_owner.get(id).cloned();
    let vpc_owner = |id: &str| ownership.vpc_owner.get(id).cloned();
    let vpce_vpc = |id: &str| ownership.vpce_vpc.get(id).cloned();
    let ctx = ReachContext {
        owner_account: &target.account_id,
        region: &target.region,
        at,
        vpce_owner: &vpce_owner,
        vpc_owner: &vpc_owner,
        vpce_vpc: &vpce_vpc,
    };
    for concrete in expand_verb(verb) {
        let verdict = match doc {
            None => {
                // No resource policy: NONE and authorizers are open to whoever reaches the
                // endpoint; IAM admits only the owner's principals; a private API with no policy
                // admits nobody.
                let reach = match (auth, network) {
                    (Auth::AwsIam, _) => Reach::Owner,
                    (_, Network::PrivateVpce) => Reach::Owner,
                    (_, Network::Public) => Reach::Internet,
                };
                VerbVerdict {
                    verb: concrete,
                    reach,
                    explanation: String::new(),
                    allowing_statements: vec![],
                    change: None,
                }
            }
            Some(doc) => {
                let (caller, mode) = match (auth, network) {
                    (Auth::AwsIam, _) => (CallerKind::Authenticated, PolicyMode::AllowRequired),
                    // A private API is reachable only through what its policy allows, authorizer
                    // or not: the policy's Allow is needed.
                    (Auth::LambdaAuthorizer | Auth::Cognito | Auth::Jwt, Network::PrivateVpce) => {
                        (CallerKind::Anonymous, PolicyMode::AllowRequired)
                    }
                    // On a public API, explicit Denies are checked, then the authorizer decides.
                    (Auth::LambdaAuthorizer | Auth::Cognito | Auth::Jwt, Network::Public) => {
                        (CallerKind::Anonymous, PolicyMode::DenyOnly)
                    }
                    _ => (CallerKind::Anonymous, PolicyMode::AllowRequired),
                };
                let arn = method_arn(target, &api.id, stage, &concrete, path);
                let verdict = policy::reach_of_cached(
                    doc,
                    &ReachQuery {
                        resource_arn: &arn,
                        caller,
                        mode,
                        network,
                    },
                    &ctx,
                    cache,
                );
                v.low_confidence |= verdict.low_confidence;
                v.unevaluated.extend(verdict.unevaluated.iter().cloned());
                let explanation = match &verdict.change {
                    None => verdict.explanation,
                    Some(change) => format!(
                        "{}; this holds until {} (from then on: {})",
                        verdict.explanation.trim_end_matches('.'),
                        change.at,
                        crate::analysis::describe_reach(&change.reach)
                    ),
                };
                VerbVerdict {
                    verb: concrete,
                    reach: verdict.reach,
                    explanation,
                    allowing_statements: verdict.allowing_statements,
                    change: verdict.change,
                }
            }
        };
        v.verbs.push(verdict);
    }
    v.unevaluated.sort();
    v.unevaluated.dedup();
    v
}

/// The verdict of an HTTP API route: with no resource policy, IAM admits only the owner's
/// principals and anything else lets in whoever reaches the endpoint.
pub(super) fn route_verdict(verb: &str, auth: Auth) -> MethodVerdict {
    let reach = if auth == Auth::AwsIam {
        Reach::Owner
    } else {
        Reach::Internet
    };
    MethodVerdict {
        verbs: expand_verb(verb)
            .into_iter()
            .map(|verb| VerbVerdict {
                verb,
                reach: reach.clone(),
                explanation: String::new(),
                allowing_statements: vec![],
                change: None,
            })
            .collect(),
        low_confidence: false,
        unevaluated: vec![],
    }
}
