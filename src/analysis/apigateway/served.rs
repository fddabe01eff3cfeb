//! What each stage serves, method by method: the deployment's API summary joined with the
//! working copy (which alone knows integrations, VPC links and authorizer ids), and the groups
//! of served methods one finding speaks for.

use super::stages::{ServedDeployment, ServedFrom};
use super::verdict::MethodVerdict;
use crate::inventory::{ApiResource, RestApi, RestMethod};
use crate::model::Auth;
use std::collections::BTreeMap;

/// The authorization types of a REST method that authenticate the caller.
pub(super) const REST_AUTHORIZATION_TYPES: [(&str, Auth); 3] = [
    ("AWS_IAM", Auth::AwsIam),
    ("CUSTOM", Auth::LambdaAuthorizer),
    ("COGNITO_USER_POOLS", Auth::Cognito),
];

/// One method as one deployment serves it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ServedMethod<'a> {
    pub(super) served: &'a ServedDeployment<'a>,
    pub(super) path: &'a str,
    pub(super) verb: &'a str,
    pub(super) authorization_type: &'a str,
    pub(super) api_key_required: bool,
    pub(super) auth: Auth,
    /// The working copy's resource and method at this path and verb, when it has one.
    pub(super) working: Option<(&'a ApiResource, &'a RestMethod)>,
}

impl ServedMethod<'_> {
    /// The working copy has this method with another authorization, or not at all: the stage
    /// serves something the working copy no longer says.
    pub(super) fn differs_from_working_copy(&self) -> bool {
        match self.working {
            None => true,
            Some((_, m)) => {
                m.authorization_type != self.authorization_type
                    || m.api_key_required != self.api_key_required
            }
        }
    }

    pub(super) fn read_from_working_copy(&self) -> bool {
        matches!(self.served.from, ServedFrom::WorkingCopy(_))
    }
}

/// A served method and who can reach it.
#[derive(Debug, Clone)]
pub(super) struct Judged<'a> {
    pub(super) m: ServedMethod<'a>,
    pub(super) verdict: MethodVerdict,
}

/// The served methods one finding speaks for: one stage (its deployment, then its canary), or
/// every stage when they all serve the method alike (stage `*`).
pub(super) struct StageGroup<'a> {
    pub(super) stage: String,
    pub(super) judged: Vec<Judged<'a>>,
}

/// An `OPTIONS` method with a `MOCK` integration answers CORS preflights and returns no data.
pub(super) fn is_cors_preflight(m: &RestMethod) -> bool {
    m.http_method == "OPTIONS"
        && m.integration
            .as_ref()
            .and_then(|i| i.integration_type.as_deref())
            == Some("MOCK")
}

/// The working copy's methods by (path, verb).
pub(super) fn working_methods(
    api: &RestApi,
) -> foldhash::HashMap<(&str, &str), (&ApiResource, &RestMethod)> {
    api.resources
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(move |m| ((r.path.as_str(), m.http_method.as_str()), (r, m)))
        })
        .collect()
}

/// Every method each deployment serves, keyed by (path, verb). A summary's method is joined
/// with the working copy's at the same path and verb; a CORS preflight (by the working copy's
/// integration) is no method to judge; one the working copy lacks is judged on what the
/// summary says.
pub(super) fn served_methods<'a>(
    api: &'a RestApi,
    served: &'a [ServedDeployment<'a>],
) -> BTreeMap<(&'a str, &'a str), Vec<ServedMethod<'a>>> {
    let working = working_methods(api);
    let mut out: BTreeMap<(&str, &str), Vec<ServedMethod>> = BTreeMap::new();
    let auth = |authorization_type: &str, api_key_required: bool| {
        super::verdict::caller_auth(
            &REST_AUTHORIZATION_TYPES,
            authorization_type,
            api_key_required,
        )
    };
    for s in served {
        match &s.from {
            ServedFrom::Summary(summary) => {
                for (path, verbs) in summary.iter() {
                    for (verb, deployed) in verbs {
                        let wc = working.get(&(path.as_str(), verb.as_str())).copied();
                        if wc.is_some_and(|(_, m)| is_cors_preflight(m)) {
                            continue;
                        }
                        out.entry((path, verb)).or_default().push(ServedMethod {
                            served: s,
                            path,
                            verb,
                            authorization_type: &deployed.authorization_type,
                            api_key_required: deployed.api_key_required,
                            auth: auth(&deployed.authorization_type, deployed.api_key_required),
                            working: wc,
                        });
                    }
                }
            }
            ServedFrom::WorkingCopy(_) => {
                for r in &api.resources {
                    for m in r.methods.iter().filter(|m| !is_cors_preflight(m)) {
                        out.entry((&r.path, &m.http_method))
                            .or_default()
                            .push(ServedMethod {
                                served: s,
                                path: &r.path,
                                verb: &m.http_method,
                                authorization_type: &m.authorization_type,
                                api_key_required: m.api_key_required,
                                auth: auth(&m.authorization_type, m.api_key_required),
                                working: Some((r, m)),
                            });
                    }
                }
            }
        }
    }
    out
}

/// The groups of one method's verdicts that findings speak for: one per stage serving it, or
/// one for `*` when every stage of the API serves it alike (the same authorization and the
/// same verdict, no canary) and there is more than one stage.
pub(super) fn stage_groups<'a>(judged: Vec<Judged<'a>>, stage_count: usize) -> Vec<StageGroup<'a>> {
    let mut groups: Vec<StageGroup> = Vec::new();
    for j in judged {
        match groups.iter_mut().find(|g| g.stage == j.m.served.stage) {
            Some(g) => g.judged.push(j),
            None => groups.push(StageGroup {
                stage: j.m.served.stage.clone(),
                judged: vec![j],
            }),
        }
    }
    let alike = |a: &Judged, b: &Judged| {
        a.m.authorization_type == b.m.authorization_type
            && a.m.api_key_required == b.m.api_key_required
            && a.verdict == b.verdict
    };
    let collapse = stage_count > 1
        && groups.len() == stage_count
        && groups.iter().all(|g| g.judged.len() == 1)
        && groups
            .windows(2)
            .all(|w| alike(&w[0].judged[0], &w[1].judged[0]));
    if collapse {
        let judged = groups.into_iter().flat_map(|g| g.judged).collect();
        vec![StageGroup {
            stage: "*".to_string(),
            judged,
        }]
    } else {
        groups
    }
}
