//! Stages that serve something other than the working copy (`apigw-undeployed-change`): the
//! working copy's changes are not live until deployed, and callers keep getting the old
//! methods meanwhile. Only a stage's own deployment read from its API summary is compared (a
//! canary is meant to differ, and without a summary there is nothing to compare).

use super::prose::undeployed_change_fix;
use super::rest::RestApiScope;
use super::served::{is_cors_preflight, working_methods, REST_AUTHORIZATION_TYPES};
use super::stages::{ApiSummary, ServedDeployment, ServedFrom};
use super::verdict::caller_auth;
use crate::analysis::FindingDraft;
use crate::inventory::{ApiResource, DeployedMethod, RestMethod};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::policy::ReachCache;
use crate::rules::RuleId;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// How many changes a finding's message names (the evidence holds up to [`EVIDENCE_CHANGES`]).
const MESSAGE_CHANGES: usize = 8;
const EVIDENCE_CHANGES: usize = 50;

/// One finding per stage whose deployment differs from the working copy.
pub(super) fn undeployed_change_findings(
    scope: &RestApiScope,
    served: &[ServedDeployment],
    cache: &mut ReachCache,
) -> Vec<Finding> {
    served
        .iter()
        .filter(|s| !s.is_canary())
        .filter_map(|s| match &s.from {
            ServedFrom::Summary(summary) => {
                let changes = changes(scope, &s.stage, summary, cache);
                (!changes.is_empty()).then(|| drift_finding(scope, s, &changes))
            }
            ServedFrom::WorkingCopy(_) => None,
        })
        .collect()
}

/// A method that the working copy and the stage's deployment disagree on.
struct Change<'a> {
    path: &'a str,
    verb: &'a str,
    working: Option<(&'a ApiResource, &'a RestMethod)>,
    deployed: Option<&'a DeployedMethod>,
    /// Rules the working copy's version breaks on this stage that the deployed one does not:
    /// what deploying the working copy as it is would open.
    opens: Vec<RuleId>,
}

fn changes<'a>(
    scope: &RestApiScope<'a>,
    stage: &str,
    summary: &'a ApiSummary,
    cache: &mut ReachCache,
) -> Vec<Change<'a>> {
    let working = working_methods(scope.api);
    let keys: BTreeSet<(&str, &str)> =
        working
            .keys()
            .copied()
            .chain(summary.iter().flat_map(|(path, verbs)| {
                verbs.keys().map(move |verb| (path.as_str(), verb.as_str()))
            }))
            .collect();
    let mut out = Vec::new();
    for (path, verb) in keys {
        let wc = working.get(&(path, verb)).copied();
        if wc.is_some_and(|(_, m)| is_cors_preflight(m)) {
            continue;
        }
        let deployed = summary.get(path).and_then(|verbs| verbs.get(verb));
        let differs = match (wc, deployed) {
            (Some((_, w)), Some(d)) => {
                w.authorization_type != d.authorization_type
                    || w.api_key_required != d.api_key_required
            }
            _ => true,
        };
        if !differs {
            continue;
        }
        let opens = match wc {
            Some((_, w)) => {
                let now: Vec<RuleId> = match deployed {
                    Some(d) => {
                        let auth = caller_auth(
                            &REST_AUTHORIZATION_TYPES,
                            &d.authorization_type,
                            d.api_key_required,
                        );
                        let verdict = scope.verdict(stage, verb, path, auth, cache);
                        super::classify::rules_broken(auth, &verdict)
                            .into_iter()
                            .map(|b| b.rule)
                            .collect()
                    }
                    None => vec![],
                };
                scope
                    .working_copy_rules(stage, path, w, cache)
                    .into_iter()
                    .map(|b| b.rule)
                    .filter(|rule| !now.contains(rule))
                    .collect()
            }
            None => vec![],
        };
        out.push(Change {
            path,
            verb,
            working: wc,
            deployed,
            opens,
        });
    }
    out
}

fn change_words(c: &Change, stage: &str) -> String {
    let key = |required: bool| if required { " with an API key" } else { "" };
    let mut words = match (c.working, c.deployed) {
        (Some((_, w)), None) => format!(
            "{} {} is in the working copy ({}{}) but not deployed",
            c.verb,
            c.path,
            w.authorization_type,
            key(w.api_key_required)
        ),
        (None, Some(d)) => format!(
            "{} {} is deployed ({}{}) but no longer in the working copy",
            c.verb,
            c.path,
            d.authorization_type,
            key(d.api_key_required)
        ),
        (Some((_, w)), Some(d)) => format!(
            "{} {} is {}{} in the working copy and {}{} on stage {stage}",
            c.verb,
            c.path,
            w.authorization_type,
            key(w.api_key_required),
            d.authorization_type,
            key(d.api_key_required)
        ),
        (None, None) => unreachable!("a change is on one side at least"),
    };
    if !c.opens.is_empty() {
        words.push_str(&format!(
            " (deploying it would break {})",
            c.opens
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    words
}

fn drift_finding(scope: &RestApiScope, s: &ServedDeployment, changes: &[Change]) -> Finding {
    let (target, api) = (scope.target, scope.api);
    let deployment = s.deployment_id.unwrap_or("?");
    let listed: Vec<String> = changes
        .iter()
        .take(MESSAGE_CHANGES)
        .map(|c| change_words(c, &s.stage))
        .collect();
    let more = if changes.len() > MESSAGE_CHANGES {
        format!(" and {} more", changes.len() - MESSAGE_CHANGES)
    } else {
        String::new()
    };
    let opening: Vec<&Change> = changes.iter().filter(|c| !c.opens.is_empty()).collect();
    let message = format!(
        "Stage {} of REST API {} ({}) in {}/{} serves deployment {deployment}, which differs from the API's working copy in {} method(s): {}{more}. Callers get what the stage serves: the working copy's changes take effect only when deployed{}.",
        s.stage,
        api.name,
        api.id,
        target.account_id,
        target.region,
        changes.len(),
        listed.join("; "),
        if opening.is_empty() {
            String::new()
        } else {
            format!(
                ", and deploying it as it is would open {} method(s)",
                opening.len()
            )
        },
    );
    let opened: Vec<(&str, &str, &str)> = opening
        .iter()
        .map(|c| {
            let resource_id = c.working.map_or("RESOURCE_ID", |(r, _)| r.id.as_str());
            (c.verb, c.path, resource_id)
        })
        .collect();
    let fix = undeployed_change_fix(&api.id, &s.stage, &opened);
    let mut evidence = BTreeMap::new();
    evidence.insert("api_name".into(), json!(api.name));
    evidence.insert("deployment_id".into(), json!(deployment));
    evidence.insert(
        "changes".into(),
        json!(changes
            .iter()
            .take(EVIDENCE_CHANGES)
            .map(|c| json!({
                "method": c.verb,
                "path": c.path,
                "working_copy": c.working.map(|(_, w)| json!({
                    "authorization_type": w.authorization_type,
                    "api_key_required": w.api_key_required,
                })),
                "deployed": c.deployed.map(|d| json!({
                    "authorization_type": d.authorization_type,
                    "api_key_required": d.api_key_required,
                })),
                "deploying_would_break": c.opens,
            }))
            .collect::<Vec<_>>()),
    );
    evidence.insert("changes_total".into(), json!(changes.len()));
    FindingDraft {
        rule_id: RuleId::ApigwUndeployedChange,
        account_id: target.account_id.clone(),
        region: target.region.clone(),
        resource_arn: crate::arn::rest_api_stage(&target.region, &api.id, &s.stage),
        entry_point: EntryPoint::ApiGatewayRest,
        api_id: Some(api.id.clone()),
        stage: Some(s.stage.clone()),
        method: "*".into(),
        path: "*".into(),
        // The working copy reaches nobody: it is a note to the owner.
        reach: Reach::Owner,
        auth: Auth::Unknown,
        write: false,
        message,
        specific_fix: fix,
        low_confidence: false,
        evidence,
        identity: vec![
            target.account_id.clone(),
            target.region.clone(),
            api.id.clone(),
            s.stage.clone(),
        ],
    }
    .build()
}
