//! HTTP API (v2) routes: no resource policy, so the route's authorization alone decides.

use super::classify::{rules_broken, BrokenRule};
use super::prose::{auth_phrase, why_it_matters};
use super::stages::{reachable_stages, stages_unreadable};
use super::verdict::{expand_verb, MethodVerdict, VerbVerdict};
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{HttpApi, Target};
use crate::model::{partition_of, Auth, EntryPoint, Finding, Reach};
use serde_json::json;
use std::collections::BTreeMap;

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
pub(super) fn analyze_http_api(target: &Target, api: &HttpApi) -> Vec<Finding> {
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
        for BrokenRule {
            rule, reach, write, ..
        } in rules_broken(auth, &verdict)
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
            why_it_matters(rule),
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
