//! The API Gateway methods published through VPC links: which load balancer a method reaches,
//! and what a finding says of the methods it bypasses.

use super::fixtures::*;
use super::*;
use crate::analysis::network::published::listener_load_balancer;
use crate::inventory::{
    CloudMapInstance, CloudMapService, HttpApi, HttpIntegration, HttpRoute, HttpVpcLink, Subnet,
    Vpc, VpcLink,
};
use crate::rules::RuleId;
use serde_json::json;

#[test]
fn vpc_link_is_resolved_from_the_uri_when_the_link_id_is_missing() {
    // moto drops connectionId: the integration URI names the NLB's DNS name instead.
    let mut t = with_service(&["*"]);
    t.vpc_links.push(VpcLink {
        id: "vl-2".into(),
        name: "other".into(),
        target_arns: vec!["arn:other".into()],
        status: None,
    });
    orders_integration(&mut t).connection_id = None;
    let f = audit(vec![t.clone()]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], false);
    assert_eq!(f[0].confidence, Confidence::High);
    // Neither id nor a matching URI: with two links in the region, nothing is inferred.
    orders_integration(&mut t).uri = Some("http://legacy.internal/orders".into());
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"], json!([]));
}

#[test]
fn a_link_named_by_a_stage_variable_is_inferred() {
    let mut t = with_service(&["*"]);
    orders_integration(&mut t).connection_id = Some("${stageVariables.vpcLinkId}".into());
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], true);
    assert_eq!(f[0].confidence, Confidence::Medium);
}

#[test]
fn no_method_is_said_to_publish_a_backend_when_api_gateway_could_not_be_read() {
    let mut t = with_service(&["*"]);
    t.rest_apis.clear();
    t.vpc_links.clear();
    let f = audit(vec![t.clone()]);
    assert_says(
        &f[0].message,
        &["No API Gateway method publishes this backend"],
    );
    read_failed(
        &mut t,
        Operation::ApiGatewayGetRestApis,
        "TooManyRequestsException",
    );
    let f = audit(vec![t]);
    assert_never_says(
        &f[0].message,
        &["No API Gateway method publishes this backend"],
    );
    assert_says(&f[0].message, &["apigateway:GetRestApis"]);
}

/// The backend NLB's listener, as an HTTP API private integration names it.
const NLB_LISTENER: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/backend/1/9f8e";

/// HTTP API `h1` with `POST /orders` (no authorizer) and `$default` (JWT) through the v2 VPC
/// link `vl2-1` to `uri`.
fn http_api_to(uri: &str) -> HttpApi {
    let route = |id: &str, key: &str, auth: &str| HttpRoute {
        id: id.into(),
        route_key: key.into(),
        authorization_type: auth.into(),
        target: Some("integrations/int-1".into()),
        ..Default::default()
    };
    HttpApi {
        id: "h1".into(),
        name: "orders-v2".into(),
        protocol_type: "HTTP".into(),
        routes: vec![
            route("rt1", "POST /orders", "NONE"),
            route("rt2", "$default", "JWT"),
            // A route with no integration publishes nothing.
            HttpRoute {
                target: None,
                ..route("rt3", "GET /health", "NONE")
            },
        ],
        integrations: Some(vec![HttpIntegration {
            id: "int-1".into(),
            integration_type: Some("HTTP_PROXY".into()),
            connection_type: Some("VPC_LINK".into()),
            connection_id: Some("vl2-1".into()),
            integration_uri: Some(uri.into()),
        }]),
        ..Default::default()
    }
}

#[test]
fn a_listener_arn_names_its_load_balancer() {
    assert_eq!(listener_load_balancer(NLB_LISTENER).as_deref(), Some(NLB));
    assert_eq!(
        listener_load_balancer(
            "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
        )
        .as_deref(),
        Some("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/50dc6c495c0c9188")
    );
    for not_a_listener in [
        "arn:aws:servicediscovery:us-east-1:111111111111:service/srv-1",
        "http://backend.elb.amazonaws.com/orders",
        "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/backend/1",
        "",
    ] {
        assert_eq!(
            listener_load_balancer(not_a_listener),
            None,
            "{not_a_listener}"
        );
    }
}

#[test]
fn http_routes_through_a_v2_link_are_bypassed_like_rest_methods() {
    let mut t = base_with([public_nlb(&[BACKEND])]);
    t.http_apis.push(http_api_to(NLB_LISTENER));
    t.http_vpc_links.push(HttpVpcLink {
        id: "vl2-1".into(),
        name: "orders-link".into(),
        ..Default::default()
    });
    let f: Vec<Finding> = audit(vec![t])
        .into_iter()
        .filter(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .collect();
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    let bypassed = &f[0].evidence["bypassed_methods"];
    assert_eq!(
        bypassed,
        &json!([
            {"api_id": "api1", "api_name": "partner-api", "api_type": "rest", "method": "GET",
             "path": "/orders", "authorization_type": "AWS_IAM", "link_inferred": false},
            {"api_id": "h1", "api_name": "orders-v2", "api_type": "http", "method": "ANY",
             "path": "$default", "authorization_type": "JWT", "link_inferred": false},
            {"api_id": "h1", "api_name": "orders-v2", "api_type": "http", "method": "POST",
             "path": "/orders", "authorization_type": "NONE", "link_inferred": false},
        ])
    );
    assert_eq!(f[0].confidence, Confidence::High);
    assert_says(
        &f[0].message,
        &[
            "POST /orders on HTTP API orders-v2 (h1, NONE)",
            "GET /orders on REST API",
        ],
    );
}

#[test]
fn an_http_link_alone_makes_its_backend_private() {
    // No REST link: the backend NLB is published only by the HTTP API's integration. An
    // internet-facing NLB in front of it would be ordinary hosting otherwise.
    let mut t = base_with([public_nlb(&[BACKEND])]);
    t.vpc_links.clear();
    t.rest_apis.clear();
    t.network.load_balancers[0].scheme = "internet-facing".into();
    assert_eq!(audit(vec![t.clone()]), vec![]);
    t.http_apis.push(http_api_to(NLB_LISTENER));
    let f: Vec<Finding> = audit(vec![t])
        .into_iter()
        .filter(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .collect();
    // The link's own load balancer is internet-facing too: it is a door of its own, as for
    // a REST VPC link.
    assert_eq!(
        summary(&f),
        vec![
            public_lb_exposes(NLB, "internet"),
            public_lb_exposes(PUBLIC_NLB, "internet")
        ]
    );
    for finding in &f {
        assert_eq!(
            finding.evidence["backend"]["private_because"],
            json!(["published by HTTP API orders-v2 (h1) through VPC link vl2-1"])
        );
    }
}

/// The Cloud Map service HTTP API `h1` reaches in the Cloud Map tests.
const SRV: &str = "arn:aws:servicediscovery:us-east-1:111111111111:service/srv-1";

fn cloud_map_instance(ip: Option<&str>, port: Option<i32>, ec2: Option<&str>) -> CloudMapInstance {
    CloudMapInstance {
        id: "inst-1".into(),
        ipv4: ip.map(str::to_string),
        port,
        ec2_instance_id: ec2.map(str::to_string),
        ecs_service: None,
    }
}

/// The base estate, an internet-facing NLB in front of its backend instance, and HTTP API `h1`
/// through the v2 link `vl2-1` to the Cloud Map service `srv-1` with `instances` (`None`: not
/// read).
fn through_cloud_map(instances: Option<Vec<CloudMapInstance>>) -> Target {
    let mut t = base_with([public_nlb(&[BACKEND])]);
    t.http_apis.push(http_api_to(SRV));
    t.cloud_map_services.push(CloudMapService {
        arn: SRV.into(),
        id: "srv-1".into(),
        instances,
    });
    t
}

/// The public load balancer's finding on the backend.
fn public_lb_finding(t: Target) -> Finding {
    let f: Vec<Finding> = audit(vec![t])
        .into_iter()
        .filter(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().unwrap()
}

/// The (api type, method, path) of a finding's bypassed methods.
fn bypassed(f: &Finding) -> Vec<(String, String, String)> {
    f.evidence["bypassed_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_string();
            (s("api_type"), s("method"), s("path"))
        })
        .collect()
}

fn rest_get_orders() -> (String, String, String) {
    ("rest".into(), "GET".into(), "/orders".into())
}

fn cloud_map_routes() -> Vec<(String, String, String)> {
    vec![
        ("http".into(), "POST".into(), "/orders".into()),
        ("http".into(), "ANY".into(), "$default".into()),
        rest_get_orders(),
    ]
}

#[test]
fn a_route_through_cloud_map_is_bypassed_where_its_instances_are_a_backend_s_targets() {
    // The instance registered by its address and port: the backend instance 10.0.1.10:8080,
    // the internal NLB's target (and the public NLB's).
    let f = public_lb_finding(through_cloud_map(Some(vec![cloud_map_instance(
        Some("10.0.1.10"),
        Some(8080),
        None,
    )])));
    let mut want = cloud_map_routes();
    want.sort_by(|a, b| (&a.2, &a.1).cmp(&(&b.2, &b.1)));
    let mut got = bypassed(&f);
    got.sort_by(|a, b| (&a.2, &a.1).cmp(&(&b.2, &b.1)));
    assert_eq!(got, want);
    let post = f.evidence["bypassed_methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"] == "POST")
        .unwrap();
    assert_eq!(
        post,
        &json!({"api_id": "h1", "api_name": "orders-v2", "api_type": "http", "method": "POST",
                "path": "/orders", "authorization_type": "NONE", "link_inferred": false,
                "cloud_map_service": SRV})
    );
    assert_says(
        &f.message,
        &["POST /orders on HTTP API orders-v2 (h1, NONE, through Cloud Map service srv-1)"],
    );
    assert_never_says(&f.message, &["could not be read"]);
    // The route changes no backend's privacy: the NLB was private already, the public one is not.
    assert_eq!(
        f.evidence["backend"]["private_because"],
        json!([
            "fronted by the internal network load balancer backend",
            "target of API Gateway VPC link vl-1 (legacy)"
        ])
    );
    assert_eq!(f.confidence, Confidence::High);
}

#[test]
fn an_instance_registered_by_its_ec2_id_or_with_no_port_is_the_backend_instance() {
    for instance in [
        cloud_map_instance(None, None, Some("i-backend")),
        cloud_map_instance(Some("10.0.1.10"), None, None),
    ] {
        let f = public_lb_finding(through_cloud_map(Some(vec![instance.clone()])));
        assert_eq!(bypassed(&f).len(), 3, "{instance:?}: {:?}", f.evidence);
    }
}

#[test]
fn a_service_whose_instances_are_elsewhere_publishes_nothing_here() {
    let link_elsewhere = |mut t: Target| {
        // The link's subnets are in another VPC: the same address there is another host.
        t.network.vpcs.push(Vpc {
            id: "vpc-other".into(),
            cidr_blocks: vec!["10.0.0.0/16".into()],
        });
        t.network.subnets.push(Subnet {
            id: "subnet-other".into(),
            vpc_id: "vpc-other".into(),
            cidr_block: "10.0.1.0/24".into(),
            ..Default::default()
        });
        t.http_vpc_links.push(HttpVpcLink {
            id: "vl2-1".into(),
            name: "orders-v2-link".into(),
            subnet_ids: vec!["subnet-other".into()],
            ..Default::default()
        });
        t
    };
    for (why, t) in [
        (
            "another address",
            through_cloud_map(Some(vec![cloud_map_instance(
                Some("10.0.9.9"),
                Some(8080),
                None,
            )])),
        ),
        (
            "another port",
            through_cloud_map(Some(vec![cloud_map_instance(
                Some("10.0.1.10"),
                Some(9090),
                None,
            )])),
        ),
        ("no instance", through_cloud_map(Some(vec![]))),
        (
            "the address in the link's other VPC",
            link_elsewhere(through_cloud_map(Some(vec![cloud_map_instance(
                Some("10.0.1.10"),
                Some(8080),
                None,
            )]))),
        ),
    ] {
        let f = public_lb_finding(t);
        assert_eq!(bypassed(&f), vec![rest_get_orders()], "{why}");
        assert_never_says(&f.message, &["could not be read"]);
    }
    // In the link's own VPC the same instance is tied.
    let mut t = link_elsewhere(through_cloud_map(Some(vec![cloud_map_instance(
        Some("10.0.1.10"),
        Some(8080),
        None,
    )])));
    t.network.subnets.retain(|s| s.id != "subnet-other");
    t.network.subnets.push(Subnet {
        id: "subnet-other".into(),
        vpc_id: "vpc-backend".into(),
        cidr_block: "10.0.2.0/24".into(),
        ..Default::default()
    });
    assert_eq!(bypassed(&public_lb_finding(t)).len(), 3);
}

#[test]
fn instances_that_could_not_be_read_leave_the_list_open() {
    let mut t = through_cloud_map(None);
    t.errors.push(scan_error(
        Operation::ServiceDiscoveryListInstances,
        "AccessDeniedException",
        Some("srv-1"),
    ));
    let f = public_lb_finding(t);
    assert_eq!(bypassed(&f), vec![rest_get_orders()]);
    assert_says(
        &f.message,
        &["servicediscovery:ListInstances (AccessDeniedException) could not be read, so other methods may publish it too"],
    );
    // A snapshot older than the read: the service is not in it at all.
    let mut t = through_cloud_map(None);
    t.cloud_map_services.clear();
    let f = public_lb_finding(t);
    assert_eq!(bypassed(&f), vec![rest_get_orders()]);
    assert_says(
        &f.message,
        &["the instances of Cloud Map service srv-1 (not in this snapshot) could not be read"],
    );
}

#[test]
fn websocket_routes_through_a_rest_link_are_guarded_by_connect() {
    let mut t = base_with([public_nlb(&[BACKEND])]);
    let mut ws = http_api_to("http://backend.elb.amazonaws.com/ws");
    ws.id = "ws1".into();
    ws.name = "chat".into();
    ws.protocol_type = "WEBSOCKET".into();
    ws.routes = vec![
        HttpRoute {
            id: "rc".into(),
            route_key: "$connect".into(),
            authorization_type: "AWS_IAM".into(),
            ..Default::default()
        },
        HttpRoute {
            id: "rs".into(),
            route_key: "sendmessage".into(),
            authorization_type: "NONE".into(),
            target: Some("integrations/int-1".into()),
            ..Default::default()
        },
    ];
    // WebSocket private integrations go through REST (v1) links.
    ws.integrations.as_mut().unwrap()[0].connection_id = Some("vl-1".into());
    t.http_apis.push(ws);
    let f = audit(vec![t]);
    let bypassed = f
        .iter()
        .find(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .map(|f| f.evidence["bypassed_methods"].clone())
        .unwrap();
    assert_eq!(
        bypassed[1],
        json!({"api_id": "ws1", "api_name": "chat", "api_type": "websocket", "method": "*",
               "path": "sendmessage", "authorization_type": "AWS_IAM", "link_inferred": false})
    );
}

#[test]
fn routes_whose_integrations_were_not_read_leave_the_list_open() {
    let mut t = base_with([public_nlb(&[BACKEND])]);
    let mut api = http_api_to(NLB_LISTENER);
    api.integrations = None;
    t.http_apis.push(api);
    let f = audit(vec![t.clone()]);
    let lb = f
        .iter()
        .find(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .unwrap();
    assert_says(
        &lb.message,
        &["the integrations of API h1 (not in this snapshot) could not be read"],
    );
    // A failed read says which read failed, once.
    read_failed(
        &mut t,
        Operation::ApiGatewayV2GetIntegrations,
        "AccessDeniedException",
    );
    let f = audit(vec![t]);
    let lb = f
        .iter()
        .find(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .unwrap();
    assert_says(
        &lb.message,
        &["apigatewayv2:GetIntegrations (AccessDeniedException)"],
    );
    assert_never_says(&lb.message, &["(not in this snapshot)"]);
}
