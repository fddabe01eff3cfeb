//! WebSocket APIs: judged by `$connect` alone, one finding per API and stage naming the routes
//! a connection reaches.

use super::{audit, audit_http, route, rows, summary, target_with};
use crate::inventory::{ApiMapping, CustomDomain, HttpApi, HttpRoute, ScanError, Stage};
use crate::model::{Auth, Confidence, EntryPoint, Severity};
use crate::rules::RuleId;
use serde_json::json;

const OPEN_CONNECT: RuleId = RuleId::ApigwWebsocketUnauthenticatedConnect;

/// WebSocket API `ws1` with these routes, deployed on these stages.
fn websocket(routes: Vec<HttpRoute>, stages: &[&str]) -> HttpApi {
    HttpApi {
        id: "ws1".into(),
        name: "chat".into(),
        protocol_type: "WEBSOCKET".into(),
        routes,
        stages: stages
            .iter()
            .map(|s| Stage {
                name: s.to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn connect(auth: &str) -> HttpRoute {
    HttpRoute {
        id: "rc".into(),
        ..route("$connect", auth)
    }
}

fn messages() -> Vec<HttpRoute> {
    vec![route("sendmessage", "NONE"), route("$default", "NONE")]
}

#[test]
fn an_open_connect_is_a_write_channel_from_the_internet() {
    let mut routes = messages();
    routes.push(connect("NONE"));
    let f = audit_http(websocket(routes, &["prod"]));
    assert_eq!(
        summary(&f),
        rows(&["apigw-websocket-unauthenticated-connect prod * $connect internet"])
    );
    let f = &f[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.entry_point, EntryPoint::ApiGatewayWebsocket);
    assert!(f.write);
    assert_eq!(f.auth, Auth::None);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(
        f.resource_arn,
        "arn:aws:execute-api:us-east-1:111111111111:ws1/prod/$connect"
    );
    for needle in [
        "WebSocket API chat (ws1)",
        "$connect (route rc) has no authorization",
        "$default, sendmessage",
        "write channel",
    ] {
        assert!(
            f.message.contains(needle),
            "lacks {needle:?}: {}",
            f.message
        );
    }
    assert!(
        f.remediation.contains(
            "aws apigatewayv2 update-route --api-id ws1 --route-id rc --authorization-type AWS_IAM"
        ) && f
            .remediation
            .contains("aws apigatewayv2 create-deployment --api-id ws1 --stage-name prod"),
        "{}",
        f.remediation
    );
    assert_eq!(
        f.evidence["routes"],
        json!(["$connect", "$default", "sendmessage"])
    );
}

#[test]
fn without_a_connect_route_nothing_checks_who_connects() {
    let f = audit_http(websocket(messages(), &["prod", "dev"]));
    assert_eq!(
        summary(&f),
        rows(&["apigw-websocket-unauthenticated-connect * * $connect internet"])
    );
    assert!(
        f[0].message.contains("it has no $connect route"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].remediation.contains(
            "aws apigatewayv2 create-route --api-id ws1 --route-key '$connect' --authorization-type AWS_IAM"
        ) && f[0].remediation.contains("--stage-name STAGE)"),
        "{}",
        f[0].remediation
    );
    assert_eq!(f[0].evidence["connect_route"], json!(null));
}

#[test]
fn the_connect_authorizer_decides() {
    // IAM: only the owner's principals connect.
    let mut routes = messages();
    routes.push(connect("AWS_IAM"));
    assert_eq!(audit_http(websocket(routes, &["prod"])), vec![]);
    // A Lambda authorizer alone guards a write channel: the authorizer rule.
    let mut routes = messages();
    routes.push(connect("CUSTOM"));
    let f = audit_http(websocket(routes, &["prod"]));
    assert_eq!(
        summary(&f),
        rows(&["apigw-authorizer-only-write-exposed prod * $connect internet"])
    );
    assert_eq!(f[0].auth, Auth::LambdaAuthorizer);
    // An API key identifies; it does not authenticate.
    let mut keyed = connect("NONE");
    keyed.api_key_required = true;
    let mut routes = messages();
    routes.push(keyed);
    let f = audit_http(websocket(routes, &["prod"]));
    assert_eq!(f[0].rule_id, OPEN_CONNECT);
    assert_eq!(f[0].auth, Auth::ApiKeyOnly);
    // Only $connect authorizes: IAM on another route changes nothing.
    let routes = vec![route("sendmessage", "AWS_IAM"), connect("NONE")];
    let f = audit_http(websocket(routes, &["prod"]));
    assert_eq!(f[0].rule_id, OPEN_CONNECT);
}

#[test]
fn undeployed_unmapped_or_routeless_apis_are_not_findings() {
    let mut routes = messages();
    routes.push(connect("NONE"));
    // No stage.
    assert_eq!(audit_http(websocket(routes.clone(), &[])), vec![]);
    // No route sends a message anywhere.
    assert_eq!(audit_http(websocket(vec![], &["prod"])), vec![]);
    // Default endpoint disabled and no custom domain maps it; then one does.
    let mut disabled = websocket(routes, &["prod"]);
    disabled.disable_execute_api_endpoint = true;
    assert_eq!(audit_http(disabled.clone()), vec![]);
    let mut t = target_with(vec![], vec![disabled]);
    t.custom_domains.push(CustomDomain {
        domain_name: "ws.example.com".into(),
        mappings: vec![ApiMapping {
            api_id: "ws1".into(),
            stage: "prod".into(),
            base_path: String::new(),
        }],
    });
    assert_eq!(audit(t).len(), 1);
}

#[test]
fn unreadable_routes_or_stages_assume_an_open_connect_at_medium_confidence() {
    for op in ["apigatewayv2:GetRoutes", "apigatewayv2:GetStages"] {
        let routes = if op == "apigatewayv2:GetRoutes" {
            vec![]
        } else {
            vec![connect("NONE")]
        };
        let stages: &[&str] = if op == "apigatewayv2:GetStages" {
            &[]
        } else {
            &["prod"]
        };
        let mut t = target_with(vec![], vec![websocket(routes, stages)]);
        t.errors.push(ScanError {
            operation: op.into(),
            code: "AccessDeniedException".into(),
            message: "denied".into(),
            resource: Some("ws1".into()),
        });
        let f = audit(t);
        assert_eq!(f.len(), 1, "{op}: {f:#?}");
        assert_eq!(f[0].rule_id, OPEN_CONNECT, "{op}");
        assert_eq!(f[0].confidence, Confidence::Medium, "{op}");
    }
}
