//! HTTP API (v2) routes: no resource policy, so the route's authorization alone decides.

use super::classify::{rules_broken, BrokenRule};
use super::prose::{auth_phrase, http_route_fix, stage_words};
use super::stages::{reachable_stages, stages_unreadable};
use super::verdict::{caller_auth, method_arn, route_verdict};
use super::via_role;
use crate::analysis::roles::RoleCallers;
use crate::analysis::{describe_reach, FindingDraft, VpcOwnership};
use crate::inventory::{HttpApi, HttpRoute, Target};
use crate::model::{Auth, EntryPoint, Finding};
use crate::operation::Operation;
use serde_json::json;
use std::collections::BTreeMap;

/// The authorization types of an HTTP API route that authenticate the caller.
const HTTP_AUTHORIZATION_TYPES: [(&str, Auth); 3] = [
    ("AWS_IAM", Auth::AwsIam),
    ("JWT", Auth::Jwt),
    ("CUSTOM", Auth::LambdaAuthorizer),
];

/// The stage an HTTP or WebSocket API is judged on, and whether its stages could not be read:
/// its only reachable stage by name, else `*` (every stage, or any stage when they could not
/// be read: judged as deployed). `None` when no stage is reachable: nothing to judge.
pub(super) fn judged_stage(target: &Target, api: &HttpApi) -> Option<(String, bool)> {
    let stages_unknown = stages_unreadable(
        target,
        Operation::ApiGatewayV2GetStages,
        &api.id,
        &api.stages,
    );
    let stages = reachable_stages(
        target,
        &api.id,
        api.disable_execute_api_endpoint,
        &api.stages,
    );
    // Stages that could not be read are none listed, so an only stage is a read one.
    let stage = match stages.as_slice() {
        [] if !stages_unknown => return None,
        [only] => only.name.clone(),
        _ => "*".to_string(),
    };
    Some((stage, stages_unknown))
}

/// HTTP APIs have no resource policy: a route is open to the internet unless IAM guards it (IAM
/// admits only the owner's principals: no cross-account grant exists, but outsiders may become
/// one of those principals).
pub(super) fn analyze_http_api(
    target: &Target,
    api: &HttpApi,
    ownership: &VpcOwnership,
    roles: &RoleCallers,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if api.protocol_type != "HTTP" {
        // WebSocket APIs are judged by their `$connect` route (see `websocket`).
        return out;
    }
    let Some((stage, stages_unknown)) = judged_stage(target, api) else {
        return out;
    };
    for route in &api.routes {
        let (verb, path) = match route.route_key.split_once(' ') {
            Some((v, p)) => (v.to_string(), p.to_string()),
            // `$default` catches every verb and path that no other route matches.
            None => ("ANY".to_string(), route.route_key.clone()),
        };
        let auth = caller_auth(
            &HTTP_AUTHORIZATION_TYPES,
            &route.authorization_type,
            route.api_key_required,
        );
        if auth == Auth::AwsIam {
            out.extend(via_role::http_route(
                roles,
                ownership,
                target,
                api,
                route,
                &stage,
                stages_unknown,
            ));
        }
        for broken in rules_broken(auth, &route_verdict(&verb, auth)) {
            let mut evidence = BTreeMap::new();
            evidence.insert("api_name".into(), json!(api.name));
            evidence.insert("route_key".into(), json!(route.route_key));
            evidence.insert("authorization_type".into(), json!(route.authorization_type));
            let message = route_message(target, api, route, &stage, stages_unknown, auth, &broken);
            out.push(
                FindingDraft {
                    rule_id: broken.rule,
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: method_arn(
                        target,
                        &api.id,
                        &stage,
                        if verb == "ANY" { "*" } else { verb.as_str() },
                        &path,
                    ),
                    entry_point: EntryPoint::ApiGatewayHttp,
                    api_id: Some(api.id.clone()),
                    stage: Some(stage.clone()),
                    method: verb.clone(),
                    path: path.clone(),
                    reach: broken.reach,
                    auth,
                    write: broken.write,
                    message,
                    specific_fix: http_route_fix(broken.rule, &api.id, route, &stage),
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

fn route_message(
    target: &Target,
    api: &HttpApi,
    route: &HttpRoute,
    stage: &str,
    stages_unknown: bool,
    auth: Auth,
    broken: &BrokenRule,
) -> String {
    format!(
        "Route {} on HTTP API {} ({}) in {}/{}, {}: reachable by {} with {}. HTTP APIs have no resource policy, so nothing narrows who can call it. {}",
        route.route_key,
        api.name,
        api.id,
        target.account_id,
        target.region,
        stage_words(stage, stages_unknown, "every stage"),
        describe_reach(&broken.reach),
        auth_phrase(auth),
        broken.rule.rule().impact,
    )
}
