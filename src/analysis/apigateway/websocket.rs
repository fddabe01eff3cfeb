//! WebSocket APIs: authorization happens once, on `$connect`; a client that connects can then
//! send messages to every route, each one a request into the route's backend. So a WebSocket
//! API is judged per API and stage, by its `$connect` route alone: with no authorizer (or no
//! `$connect` route at all) anyone on the internet opens a write channel to every backend.

use super::http::judged_stage;
use super::prose::websocket_connect_fix;
use super::verdict::caller_auth;
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{HttpApi, HttpRoute, Target};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::json;
use std::collections::BTreeMap;

/// The authorization types `$connect` accepts (JWT authorizers are for HTTP APIs only).
const CONNECT_AUTHORIZATION_TYPES: [(&str, Auth); 2] = [
    ("AWS_IAM", Auth::AwsIam),
    ("CUSTOM", Auth::LambdaAuthorizer),
];

const CONNECT: &str = "$connect";

/// The finding of one WebSocket API, if connecting to it is open beyond the owner: one for
/// all its stages (`*`), or under its only stage's name.
pub(super) fn analyze_websocket_api(target: &Target, api: &HttpApi) -> Vec<Finding> {
    let Some((stage, stages_unknown)) = judged_stage(target, api) else {
        return Vec::new();
    };
    let routes_unknown = target.errors.iter().any(|e| {
        e.is(Operation::ApiGatewayV2GetRoutes) && e.resource.as_deref() == Some(api.id.as_str())
    });
    if api.routes.is_empty() && !routes_unknown {
        // No route sends a message anywhere.
        return Vec::new();
    }
    let connect = api.routes.iter().find(|r| r.route_key == CONNECT);
    // Without a `$connect` route nothing checks who connects; routes that could not be read
    // are assumed to check nothing either.
    let auth = connect.map_or(Auth::None, |r| {
        caller_auth(
            &CONNECT_AUTHORIZATION_TYPES,
            &r.authorization_type,
            r.api_key_required,
        )
    });
    let rule = match auth {
        Auth::AwsIam => return Vec::new(),
        a if a.is_unauthenticated() => RuleId::ApigwWebsocketUnauthenticatedConnect,
        // A Lambda authorizer decides alone who opens a write channel.
        _ => RuleId::ApigwAuthorizerOnlyWriteExposed,
    };
    let low_confidence = stages_unknown || routes_unknown;
    let reach = Reach::Internet;
    let mut route_keys: Vec<&str> = api.routes.iter().map(|r| r.route_key.as_str()).collect();
    route_keys.sort();
    let mut evidence = BTreeMap::new();
    evidence.insert("api_name".into(), json!(api.name));
    evidence.insert("protocol_type".into(), json!(api.protocol_type));
    evidence.insert("routes".into(), json!(route_keys));
    evidence.insert(
        "connect_route".into(),
        json!(connect.map(|r| json!({
            "route_id": r.id,
            "authorization_type": r.authorization_type,
            "api_key_required": r.api_key_required,
        }))),
    );
    if routes_unknown {
        evidence.insert(
            "unread".into(),
            json!([Operation::ApiGatewayV2GetRoutes.as_str()]),
        );
    }
    vec![FindingDraft {
        rule_id: rule,
        account_id: target.account_id.clone(),
        region: target.region.clone(),
        resource_arn: crate::arn::execute_api_route(
            &target.region,
            &target.account_id,
            &api.id,
            &stage,
            CONNECT,
        ),
        entry_point: EntryPoint::ApiGatewayWebsocket,
        api_id: Some(api.id.clone()),
        stage: Some(stage.clone()),
        method: "*".into(),
        path: CONNECT.into(),
        message: connect_message(
            target,
            api,
            connect,
            &stage,
            stages_unknown,
            routes_unknown,
            auth,
            &reach,
        ),
        reach,
        auth,
        write: true,
        specific_fix: websocket_connect_fix(rule, &api.id, connect, &stage),
        low_confidence,
        evidence,
        identity: vec![
            target.account_id.clone(),
            target.region.clone(),
            api.id.clone(),
            stage,
            CONNECT.to_string(),
        ],
    }
    .build()]
}

#[allow(clippy::too_many_arguments)]
fn connect_message(
    target: &Target,
    api: &HttpApi,
    connect: Option<&HttpRoute>,
    stage: &str,
    stages_unknown: bool,
    routes_unknown: bool,
    auth: Auth,
    reach: &Reach,
) -> String {
    let stage_words = if stages_unknown {
        "any stage (its stages could not be read, so it is judged as deployed)".to_string()
    } else if stage == "*" {
        "every stage".to_string()
    } else {
        format!("stage {stage}")
    };
    let door = match (connect, routes_unknown) {
        (_, true) => "its routes could not be read, so $connect is assumed to check nobody".to_string(),
        (None, false) => "it has no $connect route, so nothing checks who connects".to_string(),
        (Some(r), false) => match auth {
            Auth::LambdaAuthorizer => format!(
                "$connect (route {}) is guarded only by a Lambda authorizer",
                r.id
            ),
            Auth::ApiKeyOnly => format!(
                "$connect (route {}) asks only for an API key, which identifies a caller but does not authenticate one",
                r.id
            ),
            _ => format!(
                "$connect (route {}) has no authorization (authorizationType {})",
                r.id, r.authorization_type
            ),
        },
    };
    let mut routes: Vec<&str> = api
        .routes
        .iter()
        .map(|r| r.route_key.as_str())
        .filter(|k| *k != CONNECT)
        .collect();
    routes.sort();
    let reached = if routes.is_empty() {
        String::new()
    } else {
        format!(" to its routes {}", routes.join(", "))
    };
    format!(
        "WebSocket API {} ({}) in {}/{}, {}: {}. Anyone who connects ({}) can then send messages{reached}: authorization happens only on $connect, and every message is a request into a route's backend, so a connection is a write channel.",
        api.name,
        api.id,
        target.account_id,
        target.region,
        stage_words,
        door,
        describe_reach(reach),
    )
}
