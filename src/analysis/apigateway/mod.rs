//! Verdicts for API Gateway REST methods and HTTP API routes (exposure model §2–3).
//!
//! For every method × deployed stage: who can reach it (network + resource policy), how the
//! caller is authenticated, and whether a write verb gets through. `ANY` is expanded into each
//! concrete verb, because the policy is evaluated against the verb of the actual request, and
//! every distinct rule its verbs break is reported (one finding per API, stage, method, path
//! and rule), except a read rule that the method's write rule covers at the same reach.
//!
//! How the policy combines with auth: `NONE`/API key needs the policy's Allow for an anonymous
//! caller; `AWS_IAM` the Allow for a principal of another account; Lambda/Cognito authorizers on
//! a public API are stopped only by explicit Denies, and on a private API need the Allow too
//! (a private API is reachable only through what its policy allows).

use super::{describe_reach, Estate, FindingDraft};
use crate::inventory::{HttpApi, RestApi, RestMethod, Target};
use crate::model::{partition_of, Auth, EntryPoint, Finding, Reach};
use crate::policy::{self, Network, ReachCache};
use classify::{classify, Classified};
use prose::{any_words, auth_phrase, specific_fix, why};
use serde_json::json;
use stages::{candidate_stages, collapse_stages, reachable_stages, stages_unreadable};
use std::collections::BTreeMap;
use verdict::{expand_verb, method_arn, rest_verdict, widest_verdict, MethodVerdict, VerbVerdict};

mod classify;
mod prose;
mod stages;
mod verdict;

pub(super) fn analyze_target(target: &Target, estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for api in &target.rest_apis {
        out.extend(analyze_rest_api(target, api, estate));
    }
    for api in &target.http_apis {
        out.extend(analyze_http_api(target, api));
    }
    out
}

fn rest_auth(m: &RestMethod) -> Auth {
    match m.authorization_type.as_str() {
        "AWS_IAM" => Auth::AwsIam,
        "CUSTOM" => Auth::LambdaAuthorizer,
        "COGNITO_USER_POOLS" => Auth::Cognito,
        // NONE, or anything unrecognised: treat as no auth (the wider verdict).
        _ if m.api_key_required => Auth::ApiKeyOnly,
        _ => Auth::None,
    }
}

fn analyze_rest_api(target: &Target, api: &RestApi, estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    let parsed = api.policy.as_deref().map(policy::parse_policy);
    let stages_unknown = stages_unreadable(target, "apigateway:GetStages", &api.id, &api.stages);
    let stage_names: Vec<String> = if stages_unknown {
        candidate_stages(parsed.as_ref().and_then(|p| p.as_ref().ok()))
    } else {
        reachable_stages(
            target,
            &api.id,
            api.disable_execute_api_endpoint,
            &api.stages,
        )
        .into_iter()
        .map(|s| s.name.clone())
        .collect()
    };
    if stage_names.is_empty() {
        // Never deployed, or its only door is disabled: nothing can call it.
        return out;
    }
    let network = if api.endpoint_types.iter().any(|t| t == "PRIVATE") {
        Network::PrivateVpce
    } else {
        Network::Public
    };
    let api_arn = format!(
        "arn:{}:apigateway:{}::/restapis/{}",
        partition_of(&target.region),
        target.region,
        api.id
    );

    let doc = match parsed {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => {
            // A policy we cannot read must never look like "no policy". Report the API and skip
            // method verdicts, which would all rest on a guess.
            let reach = match network {
                Network::Public => Reach::Internet,
                Network::PrivateVpce => Reach::AnyAwsAccount,
            };
            let mut evidence = BTreeMap::new();
            evidence.insert("parse_error".into(), json!(e.message));
            evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
            out.push(
                FindingDraft {
                    rule_id: "apigw-policy-unparseable",
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: api_arn.clone(),
                    entry_point: EntryPoint::ApiGatewayRest,
                    api_id: Some(api.id.clone()),
                    stage: Some("*".into()),
                    method: "*".into(),
                    path: "*".into(),
                    reach,
                    auth: "unknown".into(),
                    write: true,
                    message: format!(
                        "The resource policy of REST API {} ({}) in {}/{} could not be evaluated ({}), so who can call its methods cannot be decided; its methods were not judged. Until fixed, assume it may be open as wide as its endpoint ({}).",
                        api.name, api.id, target.account_id, target.region, e.message,
                        api.endpoint_types.join(",")
                    ),
                    specific_fix: format!("Read the policy of API {id} (aws apigateway get-rest-api --rest-api-id {id} --query policy), rewrite it as a valid IAM policy document, put it back (aws apigateway update-rest-api --rest-api-id {id} --patch-operations op=replace,path=/policy,value=...), redeploy the stages, and re-run the audit.", id = api.id),
                    low_confidence: false,
                    evidence,
                    identity: vec![target.account_id.clone(), target.region.clone(), api.id.clone()],
                }
                .build(),
            );
            return out;
        }
    };

    // One cache for the API's policy: methods decided by the same statements share a verdict.
    let mut cache = ReachCache::default();
    for resource in &api.resources {
        for m in &resource.methods {
            let is_cors_preflight = m.http_method == "OPTIONS"
                && m.integration
                    .as_ref()
                    .and_then(|i| i.integration_type.as_deref())
                    == Some("MOCK");
            if is_cors_preflight {
                continue;
            }
            let auth = rest_auth(m);
            let verdicts: Vec<(String, MethodVerdict)> = stage_names
                .iter()
                .map(|stage| {
                    (
                        stage.clone(),
                        rest_verdict(
                            target,
                            api,
                            doc.as_ref(),
                            network,
                            auth,
                            stage,
                            &m.http_method,
                            &resource.path,
                            estate,
                            &mut cache,
                        ),
                    )
                })
                .collect();
            let verdicts = if stages_unknown {
                let mut v = widest_verdict(verdicts);
                v.low_confidence = true;
                vec![("*".to_string(), v)]
            } else {
                collapse_stages(verdicts)
            };
            for (stage, verdict) in verdicts {
                for c in classify(auth, &verdict) {
                    let Classified {
                        rule, reach, write, ..
                    } = c.clone();
                    let mut evidence = BTreeMap::new();
                    evidence.insert("api_name".into(), json!(api.name));
                    evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
                    evidence.insert("authorization_type".into(), json!(m.authorization_type));
                    if m.api_key_required {
                        evidence.insert("api_key_required".into(), json!(true));
                    }
                    if api.policy.is_some() {
                        evidence.insert("policy_statements".into(), json!(c.allowing_statements));
                        evidence.insert("policy_explanation".into(), json!(c.explanation));
                        evidence.insert("policy_note".into(), json!("verdict on the current resource policy; a policy change takes effect on callers only after the API is redeployed"));
                    }
                    if !verdict.unevaluated.is_empty() {
                        evidence
                            .insert("unevaluated_conditions".into(), json!(verdict.unevaluated));
                    }
                    if let Some(link) = vpc_link_of(target, m) {
                        evidence.insert("vpc_link".into(), json!(link));
                    }
                    let stage_words = if stages_unknown {
                        "any stage (its stages could not be read, so it is judged as deployed)"
                            .to_string()
                    } else if stage == "*" {
                        "every deployed stage".to_string()
                    } else {
                        format!("stage {stage}")
                    };
                    let policy_words = match (&api.policy, c.explanation.is_empty()) {
                        (None, _) => " The API has no resource policy.".to_string(),
                        (Some(_), true) => String::new(),
                        (Some(_), false) => {
                            format!(" Resource policy: {}.", c.explanation.trim_end_matches('.'))
                        }
                    };
                    let any_words = any_words(&m.http_method, &c);
                    let message = format!(
                    "{} {} on REST API {} ({}, {}) in {}/{}, {}: reachable by {} with {}{}.{} {}",
                    m.http_method,
                    resource.path,
                    api.name,
                    api.id,
                    api.endpoint_types.join(","),
                    target.account_id,
                    target.region,
                    stage_words,
                    describe_reach(&reach),
                    auth_phrase(auth),
                    any_words,
                    policy_words,
                    why(rule),
                );
                    out.push(
                        FindingDraft {
                            rule_id: rule,
                            account_id: target.account_id.clone(),
                            region: target.region.clone(),
                            resource_arn: method_arn(
                                target,
                                &api.id,
                                &stage,
                                &m.http_method,
                                &resource.path,
                            ),
                            entry_point: EntryPoint::ApiGatewayRest,
                            api_id: Some(api.id.clone()),
                            stage: Some(stage.clone()),
                            method: m.http_method.clone(),
                            path: resource.path.clone(),
                            reach,
                            auth: auth.label().to_string(),
                            write,
                            message,
                            specific_fix: specific_fix(
                                rule,
                                &api.id,
                                &resource.id,
                                &stage,
                                &m.http_method,
                                &resource.path,
                            ),
                            low_confidence: verdict.low_confidence,
                            evidence,
                            identity: vec![
                                target.account_id.clone(),
                                target.region.clone(),
                                api.id.clone(),
                                stage.clone(),
                                m.http_method.clone(),
                                resource.path.clone(),
                            ],
                        }
                        .build(),
                    );
                }
            }
        }
    }
    out
}

fn vpc_link_of(target: &Target, m: &RestMethod) -> Option<serde_json::Value> {
    let integration = m.integration.as_ref()?;
    if integration.connection_type.as_deref() != Some("VPC_LINK") {
        return None;
    }
    let id = integration.connection_id.as_deref()?;
    let targets = target
        .vpc_links
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.target_arns.clone())
        .unwrap_or_default();
    Some(json!({"id": id, "target_arns": targets}))
}

fn http_auth(route: &crate::inventory::HttpRoute) -> Auth {
    match route.authorization_type.as_str() {
        "AWS_IAM" => Auth::AwsIam,
        "JWT" => Auth::Jwt,
        "CUSTOM" => Auth::LambdaAuthorizer,
        _ if route.api_key_required => Auth::ApiKeyOnly,
        _ => Auth::None,
    }
}

/// HTTP APIs have no resource policy (exposure model §3): a route is open to the internet
/// unless IAM guards it (IAM admits only the owner's principals: no cross-account grant exists).
fn analyze_http_api(target: &Target, api: &HttpApi) -> Vec<Finding> {
    let mut out = Vec::new();
    if api.protocol_type != "HTTP" {
        // WebSocket APIs have no verbs or paths; not modelled yet.
        return out;
    }
    let stages_unknown = stages_unreadable(target, "apigatewayv2:GetStages", &api.id, &api.stages);
    let stages = reachable_stages(
        target,
        &api.id,
        api.disable_execute_api_endpoint,
        &api.stages,
    );
    if stages.is_empty() && !stages_unknown {
        return out;
    }
    let stage = if stages.len() == 1 {
        stages[0].name.clone()
    } else {
        "*".to_string()
    };
    for route in &api.routes {
        let (verb, path) = match route.route_key.split_once(' ') {
            Some((v, p)) => (v.to_string(), p.to_string()),
            // `$default` catches every verb and path that no other route matches.
            None => ("ANY".to_string(), route.route_key.clone()),
        };
        let auth = http_auth(route);
        let reach = if auth == Auth::AwsIam {
            Reach::Owner
        } else {
            Reach::Internet
        };
        let verdict = MethodVerdict {
            verbs: expand_verb(&verb)
                .into_iter()
                .map(|verb| VerbVerdict {
                    verb,
                    reach: reach.clone(),
                    explanation: String::new(),
                    allowing_statements: vec![],
                })
                .collect(),
            low_confidence: false,
            unevaluated: vec![],
        };
        for Classified {
            rule, reach, write, ..
        } in classify(auth, &verdict)
        {
            let mut evidence = BTreeMap::new();
            evidence.insert("api_name".into(), json!(api.name));
            evidence.insert("route_key".into(), json!(route.route_key));
            evidence.insert("authorization_type".into(), json!(route.authorization_type));
            let message = format!(
            "Route {} on HTTP API {} ({}) in {}/{}, {}: reachable by {} with {}. HTTP APIs have no resource policy, so nothing narrows who can call it. {}",
            route.route_key,
            api.name,
            api.id,
            target.account_id,
            target.region,
            if stages_unknown {
                "any stage (its stages could not be read, so it is judged as deployed)".to_string()
            } else if stage == "*" {
                "every stage".to_string()
            } else {
                format!("stage {stage}")
            },
            describe_reach(&reach),
            auth_phrase(auth),
            why(rule),
        );
            // HTTP APIs have no resource policy: the route's authorizer is the only lever.
            let fix = if auth.is_unauthenticated() {
                let attach = format!(
                    "Attach an authorizer to route {} (aws apigatewayv2 update-route --api-id {} --route-id {} --authorization-type AWS_IAM, or a JWT or Lambda authorizer)",
                    route.route_key, api.id, route.id
                );
                // A deployment made without --stage-name goes live on no stage.
                // `$default` is quoted: a shell would expand it to nothing.
                let stage_name = match stage.as_str() {
                    "*" => "STAGE".to_string(),
                    s if s.contains('$') => format!("'{s}'"),
                    s => s.to_string(),
                };
                let deploy = format!(
                    "stages without automatic deployment need a new deployment (aws apigatewayv2 create-deployment --api-id {} --stage-name {stage_name})",
                    api.id
                );
                if write {
                    format!("{attach}, or delete the route if nothing should write through it; {deploy}.")
                } else {
                    format!("{attach}; {deploy}. If the data is truly public, document it and suppress this finding for the route.")
                }
            } else {
                String::new()
            };
            out.push(
                FindingDraft {
                    rule_id: rule,
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: format!(
                        "arn:{}:execute-api:{}:{}:{}/{}/{}/{}",
                        partition_of(&target.region),
                        target.region,
                        target.account_id,
                        api.id,
                        stage,
                        if verb == "ANY" { "*" } else { verb.as_str() },
                        path.trim_start_matches('/')
                    ),
                    entry_point: EntryPoint::ApiGatewayHttp,
                    api_id: Some(api.id.clone()),
                    stage: Some(stage.clone()),
                    method: verb.clone(),
                    path: path.clone(),
                    reach,
                    auth: auth.label().to_string(),
                    write,
                    message,
                    specific_fix: fix,
                    low_confidence: stages_unknown,
                    evidence,
                    identity: vec![
                        target.account_id.clone(),
                        target.region.clone(),
                        api.id.clone(),
                        stage.clone(),
                        route.route_key.clone(),
                    ],
                }
                .build(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
