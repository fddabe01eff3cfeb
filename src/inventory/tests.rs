//! Snapshot loading: round trips, version checks, and hostile input (no panics), plus the
//! analysis run on every snapshot that loads (no panics, deterministic).
//!
//! Every struct literal ends with `..Default::default()`, even when it names every field today:
//! the snapshot format grows (defaulted fields), and these tests must keep compiling when it does.
#![allow(clippy::needless_update)]

use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

#[test]
fn a_default_snapshot_round_trips() {
    let inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        ..Default::default()
    };
    let text = serde_json::to_string(&inv).unwrap();
    assert_eq!(Inventory::from_snapshot_json(&text).unwrap(), inv);
}

#[test]
fn other_versions_and_garbage_are_errors() {
    let err = Inventory::from_snapshot_json(r#"{"snapshot_version":99,"started_at":"","finished_at":"","targets":[],"account_failures":[],"api_calls":{}}"#).unwrap_err();
    assert!(err.0.contains("snapshot version 99"), "{err}");
    assert!(Inventory::from_snapshot_json("").is_err());
    assert!(Inventory::from_snapshot_json("[1,2,3]").is_err());
}

// ---------------------------------------------------------------------------------------------
// A snapshot with every part of the format filled in.

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";

const POLICY_PLAIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":["vpce-0owner","vpce-0partner"]}}}]}"#;

fn method(verb: &str, auth: &str) -> RestMethod {
    RestMethod {
        http_method: verb.into(),
        authorization_type: auth.into(),
        ..Default::default()
    }
}

fn stage(name: &str) -> Stage {
    Stage {
        name: name.into(),
        ..Default::default()
    }
}

/// An inventory with one of most things (shared with the CLI's snapshot loading tests).
pub(crate) fn populated() -> Inventory {
    let rest = RestApi {
        id: "abc123".into(),
        name: "orders".into(),
        endpoint_types: vec!["PRIVATE".into()],
        vpc_endpoint_ids: vec!["vpce-0owner".into()],
        policy: Some(POLICY_PLAIN.replace('"', "\\\"")),
        disable_execute_api_endpoint: false,
        api_key_source: Some("HEADER".into()),
        resources: vec![
            ApiResource {
                id: "r0".into(),
                path: "/".into(),
                methods: vec![],
                ..Default::default()
            },
            ApiResource {
                id: "r1".into(),
                path: "/orders/{id}".into(),
                methods: vec![
                    RestMethod {
                        http_method: "GET".into(),
                        authorization_type: "AWS_IAM".into(),
                        api_key_required: true,
                        authorizer_id: None,
                        integration: Some(Integration {
                            integration_type: Some("HTTP_PROXY".into()),
                            connection_type: Some("VPC_LINK".into()),
                            connection_id: Some("vl-1".into()),
                            uri: Some("http://internal-nlb.example/orders/{id}".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    RestMethod {
                        http_method: "POST".into(),
                        authorization_type: "CUSTOM".into(),
                        authorizer_id: Some("auth1".into()),
                        ..Default::default()
                    },
                    RestMethod {
                        http_method: "OPTIONS".into(),
                        authorization_type: "NONE".into(),
                        integration: Some(Integration {
                            integration_type: Some("MOCK".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
            ApiResource {
                id: "r2".into(),
                path: "/admin/{proxy+}".into(),
                methods: vec![method("ANY", "NONE")],
                ..Default::default()
            },
        ],
        stages: vec![
            Stage {
                name: "prod".into(),
                deployment_id: Some("d1".into()),
                web_acl_arn: Some(
                    "arn:aws:wafv2:us-east-1:111111111111:regional/webacl/x/1".into(),
                ),
                ..Default::default()
            },
            stage("dev"),
        ],
        authorizers: vec![Authorizer {
            id: "auth1".into(),
            name: "tokens".into(),
            authorizer_type: "TOKEN".into(),
            ..Default::default()
        }],
        partial: true,
        ..Default::default()
    };
    let http = HttpApi {
        id: "h1".into(),
        name: "orders-v2".into(),
        protocol_type: "HTTP".into(),
        disable_execute_api_endpoint: true,
        routes: vec![
            HttpRoute {
                id: "rt1".into(),
                route_key: "GET /orders/{id}".into(),
                authorization_type: "JWT".into(),
                authorizer_id: Some("jwt1".into()),
                api_key_required: false,
                ..Default::default()
            },
            HttpRoute {
                id: "rt2".into(),
                route_key: "$default".into(),
                authorization_type: "NONE".into(),
                authorizer_id: None,
                api_key_required: true,
                ..Default::default()
            },
        ],
        stages: vec![stage("$default")],
        authorizers: vec![Authorizer {
            id: "jwt1".into(),
            name: "cognito".into(),
            authorizer_type: "JWT".into(),
            ..Default::default()
        }],
        partial: false,
        ..Default::default()
    };
    let network = Network {
        endpoint_services: vec![EndpointService {
            service_id: "vpce-svc-1".into(),
            service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-1".into(),
            acceptance_required: false,
            network_load_balancer_arns: vec![
                "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/internal/1"
                    .into(),
            ],
            gateway_load_balancer_arns: vec![],
            allowed_principals: vec!["*".into(), format!("arn:aws:iam::{PARTNER}:root")],
            connected_accounts: Some(vec![PARTNER.into()]),
            ..Default::default()
        }],
        vpc_endpoints: vec![VpcEndpoint {
            id: "vpce-0owner".into(),
            vpc_id: "vpc-0owner".into(),
            service_name: "com.amazonaws.us-east-1.execute-api".into(),
            endpoint_type: "Interface".into(),
            owner_id: OWNER.into(),
            ..Default::default()
        }],
        peerings: vec![VpcPeering {
            id: "pcx-1".into(),
            status: "active".into(),
            requester: PeeringSide {
                owner_id: PARTNER.into(),
                vpc_id: "vpc-0partner".into(),
                region: Some("us-east-1".into()),
                cidr_blocks: vec!["10.2.0.0/16".into()],
                ..Default::default()
            },
            accepter: PeeringSide {
                owner_id: OWNER.into(),
                vpc_id: "vpc-0owner".into(),
                region: None,
                cidr_blocks: vec!["10.1.0.0/16".into()],
                ..Default::default()
            },
            ..Default::default()
        }],
        route_tables: vec![RouteTable {
            id: "rtb-1".into(),
            vpc_id: "vpc-0owner".into(),
            subnet_ids: vec!["subnet-1".into()],
            main: true,
            routes: vec![
                Route {
                    destination_cidr: "10.2.0.0/16".into(),
                    vpc_peering_connection_id: Some("pcx-1".into()),
                    gateway_id: None,
                    ..Default::default()
                },
                Route {
                    destination_cidr: "0.0.0.0/0".into(),
                    vpc_peering_connection_id: None,
                    gateway_id: Some("igw-1".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        security_groups: vec![SecurityGroup {
            id: "sg-1".into(),
            vpc_id: "vpc-0owner".into(),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                cidrs: vec!["10.2.0.0/16".into()],
                source_group_ids: vec!["sg-partner".into()],
                ..Default::default()
            }],
            ..Default::default()
        }],
        subnets: vec![Subnet {
            id: "subnet-1".into(),
            vpc_id: "vpc-0owner".into(),
            cidr_block: "10.1.1.0/24".into(),
            ..Default::default()
        }],
        instances: vec![Instance {
            id: "i-1".into(),
            vpc_id: Some("vpc-0owner".into()),
            subnet_id: Some("subnet-1".into()),
            private_ip: Some("10.1.1.10".into()),
            security_group_ids: vec!["sg-1".into()],
            ..Default::default()
        }],
        load_balancers: vec![LoadBalancer {
            arn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/internal/1"
                .into(),
            name: "internal".into(),
            lb_type: "network".into(),
            scheme: "internal".into(),
            vpc_id: "vpc-0owner".into(),
            subnet_ids: vec!["subnet-1".into()],
            security_group_ids: vec![],
            listeners: vec![Listener {
                arn:
                    "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/internal/1/2"
                        .into(),
                port: 443,
                protocol: "TCP".into(),
                target_group_arns: vec![
                    "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/backend/3"
                        .into(),
                ],
                ..Default::default()
            }],
            target_groups: vec![TargetGroup {
                arn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/backend/3"
                    .into(),
                name: "backend".into(),
                target_type: "instance".into(),
                port: Some(8080),
                targets: vec![LbTarget {
                    id: "i-1".into(),
                    port: Some(8080),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            web_acl_arn: None,
            ..Default::default()
        }],
        vpcs: vec![Vpc {
            id: "vpc-0owner".into(),
            cidr_blocks: vec!["10.1.0.0/16".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let target = Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        status: TargetStatus::Partial,
        errors: vec![ScanError {
            operation: "apigateway:GetStages".into(),
            code: "AccessDeniedException".into(),
            message: "User is not authorized — «ünïcödé» \"quoted\" \\ back\nslash".into(),
            resource: Some("abc123".into()),
        }],
        notifications: vec![Notification {
            operation: "wafv2:GetWebACLForResource".into(),
            message: "not supported by this endpoint".into(),
            resource: None,
        }],
        rest_apis: vec![rest],
        http_apis: vec![http],
        vpc_links: vec![VpcLink {
            id: "vl-1".into(),
            name: "to-nlb".into(),
            target_arns: vec![
                "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/internal/1"
                    .into(),
            ],
            status: Some("AVAILABLE".into()),
            ..Default::default()
        }],
        custom_domains: vec![CustomDomain {
            domain_name: "api.example.com".into(),
            mappings: vec![ApiMapping {
                api_id: "h1".into(),
                stage: "$default".into(),
                base_path: "v2".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        network,
        ..Default::default()
    };
    let mut api_calls = BTreeMap::new();
    api_calls.insert("apigateway:GetResources".to_string(), 3);
    api_calls.insert("ec2:DescribeVpcEndpoints".to_string(), u64::MAX);
    Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at: "2024-05-01T10:00:00Z".into(),
        finished_at: "2024-05-01T10:00:07.123Z".into(),
        targets: vec![
            target,
            Target {
                account_id: PARTNER.into(),
                region: "eu-west-1".into(),
                status: TargetStatus::Failed,
                ..Default::default()
            },
        ],
        account_failures: vec![AccountFailure {
            account_id: "333333333333".into(),
            error: ScanError {
                operation: "sts:AssumeRole".into(),
                code: "AccessDenied".into(),
                message: "not authorized to perform sts:AssumeRole".into(),
                resource: None,
            },
        }],
        api_calls,
        ..Default::default()
    }
}

#[test]
fn a_populated_snapshot_round_trips_exactly() {
    let inv = populated();
    for text in [
        serde_json::to_string(&inv).unwrap(),
        serde_json::to_string_pretty(&inv).unwrap(),
    ] {
        let back = Inventory::from_snapshot_json(&text).unwrap();
        assert_eq!(back, inv);
        // And the text itself is stable: writing the loaded snapshot gives the same bytes.
        let again = if text.contains('\n') {
            serde_json::to_string_pretty(&back).unwrap()
        } else {
            serde_json::to_string(&back).unwrap()
        };
        assert_eq!(again, text);
    }
    assert!(!inv.is_complete());
}

#[test]
fn the_populated_snapshot_analyses_the_same_after_a_round_trip() {
    let inv = populated();
    let text = serde_json::to_string(&inv).unwrap();
    let back = Inventory::from_snapshot_json(&text).unwrap();
    let findings = crate::analysis::analyze(&inv);
    assert_eq!(crate::analysis::analyze(&back), findings);
    // The private API is pinned to the owner's endpoint and to `vpce-0partner`, which the
    // snapshot does not hold: its unauthenticated ANY method is reachable through an endpoint
    // outside the audited estate (exposure model §2).
    assert!(
        findings
            .iter()
            .any(|f| f.path == "/admin/{proxy+}" && f.reach == "accounts:[unknown:vpce-0partner]"),
        "{:#?}",
        findings
            .iter()
            .map(|f| (&f.rule_id, &f.path, &f.reach))
            .collect::<Vec<_>>()
    );
}

#[test]
fn optional_and_defaulted_fields_may_be_absent() {
    // Only the fields without `#[serde(default)]` are required.
    let text = format!(
        r#"{{"snapshot_version":{SNAPSHOT_VERSION},"started_at":"","finished_at":"","account_failures":[],"api_calls":{{}},
            "targets":[{{"account_id":"{OWNER}","region":"us-east-1","status":"complete",
                "rest_apis":[{{"id":"a","name":"n","endpoint_types":["REGIONAL"],
                    "resources":[{{"id":"r","path":"/x","methods":[{{"http_method":"GET","authorization_type":"NONE"}}]}}],
                    "stages":[{{"name":"prod"}}]}}]}}]}}"#
    );
    let inv = Inventory::from_snapshot_json(&text).unwrap();
    let api = &inv.targets[0].rest_apis[0];
    assert_eq!(api.policy, None);
    assert!(!api.disable_execute_api_endpoint);
    assert!(inv.targets[0].http_apis.is_empty());
    assert!(inv.is_complete());
    let findings = crate::analysis::analyze(&inv);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].reach, "internet");
}

#[test]
#[rustfmt::skip]
fn malformed_snapshots_say_what_is_wrong() {
    let good: Value = serde_json::to_value(populated()).unwrap();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        v.to_string()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "expected a JSON object"),
        ("not json", "snapshot".into(), "expected a JSON object"),
        ("a list", "[]".into(), "expected a JSON object"),
        ("null", "null".into(), "expected a JSON object"),
        ("not json after a brace", "{snapshot".into(), "key must be a string"),
        ("truncated", good.to_string()[..200].to_string(), "EOF"),
        ("no version", with(&|v| { v.as_object_mut().unwrap().remove("snapshot_version"); }), "missing field `snapshot_version`"),
        ("version 0", with(&|v| v["snapshot_version"] = json!(0)), "snapshot version 0"),
        ("version a string", with(&|v| v["snapshot_version"] = json!("1")), "invalid type"),
        ("version negative", with(&|v| v["snapshot_version"] = json!(-1)), "invalid value"),
        ("version too big", with(&|v| v["snapshot_version"] = json!(u64::MAX)), "invalid value"),
        ("no targets", with(&|v| { v.as_object_mut().unwrap().remove("targets"); }), "missing field `targets`"),
        ("targets an object", with(&|v| v["targets"] = json!({})), "invalid type"),
        ("bad status", with(&|v| v["targets"][0]["status"] = json!("done")), "unknown variant `done`"),
        ("method without verb", with(&|v| { v["targets"][0]["rest_apis"][0]["resources"][1]["methods"][0].as_object_mut().unwrap().remove("http_method"); }), "missing field `http_method`"),
        ("port out of range", with(&|v| v["targets"][0]["network"]["security_groups"][0]["ingress"][0]["from_port"] = json!(1u64 << 40)), "invalid value"),
        ("api call count negative", with(&|v| v["api_calls"]["apigateway:GetResources"] = json!(-3)), "invalid value"),
        ("policy not a string", with(&|v| v["targets"][0]["rest_apis"][0]["policy"] = json!({"Statement": []})), "invalid type"),
    ];
    let mut failures = Vec::new();
    for (name, text, want) in &cases {
        match Inventory::from_snapshot_json(text) {
            Ok(_) => failures.push(format!("{name}: loaded")),
            Err(e) if !e.0.contains(want) => failures.push(format!("{name}: {e:?} lacks {want:?}")),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Property tests.

/// Loading never panics; an error always says something; a loaded snapshot is analysable.
fn load_and_analyse(text: &str) -> Result<(), TestCaseError> {
    match Inventory::from_snapshot_json(text) {
        Ok(inv) => {
            prop_assert_eq!(inv.snapshot_version, SNAPSHOT_VERSION);
            let findings = crate::analysis::analyze(&inv);
            prop_assert_eq!(&crate::analysis::analyze(&inv), &findings);
        }
        Err(e) => {
            prop_assert!(
                e.0.starts_with("not an overexposed inventory snapshot")
                    || e.0.starts_with("snapshot version"),
                "{}",
                e.0
            );
        }
    }
    Ok(())
}

/// A value of another type than `v`.
fn other_type(v: &Value, pick: u8) -> Value {
    let candidates = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!(u64::MAX),
        json!(""),
        json!("GET"),
        json!([]),
        json!([1, "x"]),
        json!({}),
        json!({"id": 1}),
    ];
    let same_type = |c: &Value| std::mem::discriminant(c) == std::mem::discriminant(v);
    let others: Vec<&Value> = candidates.iter().filter(|c| !same_type(c)).collect();
    others[pick as usize % others.len()].clone()
}

/// Walks `path` (each step picks a child by index modulo the number of children) and applies
/// `edit` to the node reached.
fn edit_at(v: &mut Value, path: &[u16], edit: &dyn Fn(&mut Value)) {
    let Some((step, rest)) = path.split_first() else {
        return edit(v);
    };
    let child = match v {
        Value::Array(items) if !items.is_empty() => {
            let n = items.len();
            &mut items[*step as usize % n]
        }
        Value::Object(map) if !map.is_empty() => {
            let n = map.len();
            let key = map
                .keys()
                .nth(*step as usize % n)
                .cloned()
                .expect("in range");
            map.get_mut(&key).expect("present")
        }
        _ => return edit(v),
    };
    edit_at(child, rest, edit)
}

/// Policy texts: valid, escaped, a string literal, malformed, random.
fn policy_text() -> impl Strategy<Value = Option<String>> {
    let fixed = prop::sample::select(vec![
        POLICY_PLAIN.to_string(),
        POLICY_PLAIN.replace('"', "\\\""),
        serde_json::to_string(POLICY_PLAIN).unwrap(),
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/partner-reader"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}]}"#.to_string(),
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringEquals":{"aws:Referer":"x"}}}]}"#.to_string(),
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/POST/*"},{"Effect":"Allow","Principal":"*","Action":"*","NotResource":"execute-api:/dev/*"}]}"#.to_string(),
        "{not json".to_string(),
        String::new(),
        r#"{"Statement":[{"Effect":"Allow"}]}"#.to_string(),
    ]);
    prop_oneof![
        2 => Just(None),
        4 => fixed.prop_map(Some),
        1 => any::<String>().prop_map(Some),
    ]
}

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9]{1,6}",
        1 => Just(String::new()),
        1 => any::<String>(),
    ]
}

fn rest_method() -> impl Strategy<Value = RestMethod> {
    (
        prop::sample::select(vec![
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "get", "",
        ]),
        prop::sample::select(vec![
            "NONE",
            "AWS_IAM",
            "CUSTOM",
            "COGNITO_USER_POOLS",
            "aws_iam",
            "",
        ]),
        any::<bool>(),
        prop::option::of(ident()),
        prop::option::of(
            (
                prop::option::of(prop::sample::select(vec![
                    "MOCK",
                    "HTTP_PROXY",
                    "AWS_PROXY",
                ])),
                prop::option::of(prop::sample::select(vec!["VPC_LINK", "INTERNET"])),
                prop::option::of(prop::sample::select(vec!["vl-1", "vl-missing"])),
            )
                .prop_map(|(t, c, id)| Integration {
                    integration_type: t.map(str::to_string),
                    connection_type: c.map(str::to_string),
                    connection_id: id.map(str::to_string),
                    uri: None,
                    ..Default::default()
                }),
        ),
    )
        .prop_map(|(verb, auth, key, authorizer, integration)| RestMethod {
            http_method: verb.into(),
            authorization_type: auth.into(),
            api_key_required: key,
            authorizer_id: authorizer,
            integration,
            ..Default::default()
        })
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/",
            "/orders",
            "/orders/{id}",
            "/admin/{proxy+}",
            "/a/{b}/c/{d+}",
            "/{",
            "/}",
            "/{unclosed/x",
            "//",
            "",
            "/ünï/{cödé}",
        ])
        .prop_map(str::to_string),
        "/[a-z{}+/*?:]{0,12}",
    ]
}

fn rest_api() -> impl Strategy<Value = RestApi> {
    (
        ident(),
        prop::collection::vec(
            prop::sample::select(vec!["EDGE", "REGIONAL", "PRIVATE", "private", ""]),
            0..3,
        ),
        policy_text(),
        any::<bool>(),
        prop::collection::vec((path(), prop::collection::vec(rest_method(), 0..4)), 0..4),
        prop::collection::vec(
            prop::sample::select(vec!["prod", "dev", "$default", "", "ü/*"]),
            0..3,
        ),
        prop::collection::vec(prop::sample::select(vec!["vpce-0owner", "vpce-x"]), 0..2),
    )
        .prop_map(
            |(id, endpoints, policy, disabled, resources, stages, vpces)| RestApi {
                id,
                name: "api".into(),
                endpoint_types: endpoints.into_iter().map(str::to_string).collect(),
                vpc_endpoint_ids: vpces.into_iter().map(str::to_string).collect(),
                policy,
                disable_execute_api_endpoint: disabled,
                resources: resources
                    .into_iter()
                    .enumerate()
                    .map(|(i, (path, methods))| ApiResource {
                        id: format!("r{i}"),
                        path,
                        methods,
                        ..Default::default()
                    })
                    .collect(),
                stages: stages.into_iter().map(stage).collect(),
                ..Default::default()
            },
        )
}

fn http_api() -> impl Strategy<Value = HttpApi> {
    let route = (
        prop_oneof![
            prop::sample::select(vec![
                "GET /orders/{id}",
                "POST /orders",
                "ANY /{proxy+}",
                "$default",
                "DELETE /",
                "",
                " ",
                "GET",
                "PUT  /double space",
            ])
            .prop_map(str::to_string),
            any::<String>(),
        ],
        prop::sample::select(vec!["NONE", "AWS_IAM", "JWT", "CUSTOM", "?"]),
        any::<bool>(),
    )
        .prop_map(|(key, auth, api_key)| HttpRoute {
            id: "rt".into(),
            route_key: key,
            authorization_type: auth.into(),
            authorizer_id: None,
            api_key_required: api_key,
            ..Default::default()
        });
    (
        ident(),
        prop::sample::select(vec!["HTTP", "WEBSOCKET", ""]),
        any::<bool>(),
        prop::collection::vec(route, 0..4),
        prop::collection::vec(prop::sample::select(vec!["$default", "prod", ""]), 0..3),
    )
        .prop_map(|(id, protocol, disabled, routes, stages)| HttpApi {
            id,
            name: "http".into(),
            protocol_type: protocol.into(),
            disable_execute_api_endpoint: disabled,
            routes,
            stages: stages.into_iter().map(stage).collect(),
            ..Default::default()
        })
}

fn target() -> impl Strategy<Value = Target> {
    (
        prop::sample::select(vec![OWNER, PARTNER, "", "not-an-account"]),
        prop::sample::select(vec![
            TargetStatus::Complete,
            TargetStatus::Partial,
            TargetStatus::Failed,
        ]),
        prop::collection::vec(rest_api(), 0..3),
        prop::collection::vec(http_api(), 0..2),
        prop::collection::vec(
            (
                prop::sample::select(vec!["vpce-0owner", "vpce-0partner", "vpce-x"]),
                prop::sample::select(vec![OWNER, PARTNER, ""]),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                prop::sample::select(vec!["h1", "abc", ""]),
                prop::sample::select(vec!["prod", "$default", ""]),
            ),
            0..2,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(account, status, rest_apis, http_apis, endpoints, mappings, domain_error)| Target {
                account_id: account.into(),
                region: "us-east-1".into(),
                // As `collect` writes them: a target with an error is never complete (loading
                // a snapshot makes it partial otherwise, see `from_snapshot_json`).
                status: if domain_error && status == TargetStatus::Complete {
                    TargetStatus::Partial
                } else {
                    status
                },
                errors: if domain_error {
                    vec![ScanError {
                        operation: "apigatewayv2:GetDomainNames".into(),
                        code: "AccessDeniedException".into(),
                        message: "denied".into(),
                        resource: None,
                    }]
                } else {
                    vec![]
                },
                rest_apis,
                http_apis,
                custom_domains: vec![CustomDomain {
                    domain_name: "api.example.com".into(),
                    mappings: mappings
                        .into_iter()
                        .map(|(api, stage)| ApiMapping {
                            api_id: api.into(),
                            stage: stage.into(),
                            base_path: String::new(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                network: Network {
                    vpc_endpoints: endpoints
                        .into_iter()
                        .map(|(id, owner)| VpcEndpoint {
                            id: id.into(),
                            vpc_id: format!("vpc-of-{id}"),
                            service_name: "com.amazonaws.us-east-1.execute-api".into(),
                            endpoint_type: "Interface".into(),
                            owner_id: owner.into(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
}

fn inventory() -> impl Strategy<Value = Inventory> {
    (prop::collection::vec(target(), 0..3), any::<bool>()).prop_map(|(targets, failed)| Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at: "2024-05-01T10:00:00Z".into(),
        finished_at: "2024-05-01T10:00:01Z".into(),
        targets,
        account_failures: if failed {
            vec![AccountFailure {
                account_id: "333333333333".into(),
                error: ScanError {
                    operation: "sts:AssumeRole".into(),
                    code: "AccessDenied".into(),
                    message: "no".into(),
                    resource: None,
                },
            }]
        } else {
            vec![]
        },
        api_calls: BTreeMap::new(),
        ..Default::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn loading_arbitrary_text_never_panics(text in any::<String>()) {
        load_and_analyse(&text)?;
    }

    #[test]
    fn loading_json_like_text_never_panics(text in r#"[{}\[\]":,0-9a-z_ ]{0,80}"#) {
        load_and_analyse(&text)?;
    }

    #[test]
    fn truncated_snapshots_never_panic(cut in 0usize..100_000) {
        let text = serde_json::to_string_pretty(&populated()).unwrap();
        let cut = cut % (text.len() + 1);
        // The populated snapshot holds non-ASCII text: cut on a character boundary.
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let truncated = &text[..cut];
        if cut < text.len() {
            prop_assert!(Inventory::from_snapshot_json(truncated).is_err());
        }
        load_and_analyse(truncated)?;
    }

    #[test]
    fn snapshots_with_flipped_bytes_never_panic(
        flips in prop::collection::vec((0usize..100_000, any::<u8>()), 1..6),
    ) {
        let mut bytes = serde_json::to_vec(&populated()).unwrap();
        let len = bytes.len();
        for (at, b) in flips {
            bytes[at % len] = b;
        }
        load_and_analyse(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn snapshots_with_changed_types_never_panic(
        edits in prop::collection::vec((prop::collection::vec(any::<u16>(), 0..8), any::<u8>()), 1..4),
    ) {
        let mut v = serde_json::to_value(populated()).unwrap();
        for (path, pick) in &edits {
            edit_at(&mut v, path, &|node: &mut Value| *node = other_type(node, *pick));
        }
        load_and_analyse(&v.to_string())?;
    }

    #[test]
    fn snapshots_with_other_policies_and_paths_never_panic(
        policy in policy_text(),
        path in path(),
        endpoint in prop::sample::select(vec!["EDGE", "REGIONAL", "PRIVATE"]),
    ) {
        let mut inv = populated();
        let api = &mut inv.targets[0].rest_apis[0];
        api.policy = policy;
        api.endpoint_types = vec![endpoint.to_string()];
        api.resources[2].path = path;
        load_and_analyse(&serde_json::to_string(&inv).unwrap())?;
    }

    #[test]
    fn a_snapshot_parsed_on_several_threads_is_the_one_parsed_whole(
        inv in inventory(),
        threads in 2usize..5,
        pretty in any::<bool>(),
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&inv).unwrap()
        } else {
            serde_json::to_string(&inv).unwrap()
        };
        match super::parse::parse_in_parallel(text.as_bytes(), threads, 0) {
            Some(back) => prop_assert_eq!(&back, &inv),
            // Only an inventory of fewer than two targets is not worth cutting.
            None => prop_assert!(inv.targets.len() < 2, "{} targets", inv.targets.len()),
        }
    }

    #[test]
    fn random_inventories_round_trip_and_analyse(inv in inventory()) {
        let text = serde_json::to_string(&inv).unwrap();
        let back = Inventory::from_snapshot_json(&text)
            .map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(&back, &inv);
        let findings = crate::analysis::analyze(&back);
        prop_assert_eq!(&crate::analysis::analyze(&inv), &findings);
        // Findings come back sorted and with distinct fingerprints.
        let mut fingerprints: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        fingerprints.sort();
        fingerprints.dedup();
        prop_assert_eq!(fingerprints.len(), findings.len());
        let keys: Vec<_> = findings.iter().map(|f| f.sort_key()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
    }
}

#[test]
fn a_json_array_is_not_a_snapshot() {
    // serde would read a struct from an array of its fields: that must not pass for an
    // (empty) inventory.
    let err = Inventory::from_snapshot_json(r#"[1,"","",[],[],{}]"#).unwrap_err();
    assert!(err.0.contains("expected a JSON object"), "{err}");
}

#[test]
fn a_snapshot_without_a_scope_is_a_full_scan_and_a_narrow_scope_round_trips() {
    let old = r#"{"snapshot_version":1,"started_at":"","finished_at":"","targets":[],"account_failures":[],"api_calls":{}}"#;
    let inv = Inventory::from_snapshot_json(old).unwrap();
    assert!(inv.scope.is_full());
    // It predates VPC Lattice: its Lattice services were never read.
    assert!(!inv.scope.lattice);
    let narrow = Inventory {
        scope: ScanScope {
            api_gateway: true,
            network: false,
            organization: true,
            regions: Some(vec!["eu-west-1".into()]),
            lattice: false,
            ..Default::default()
        },
        snapshot_version: SNAPSHOT_VERSION,
        ..Default::default()
    };
    let back = Inventory::from_snapshot_json(&serde_json::to_string(&narrow).unwrap()).unwrap();
    assert_eq!(back.scope, narrow.scope);
}

#[test]
fn transit_gateway_facts_round_trip_and_an_older_snapshot_has_none_read() {
    let mut inv = Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        ..Default::default()
    };
    let mut target = Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    target.network.transit = Some(Transit {
        attachments: vec![TgwAttachment {
            id: "tgw-attach-1".into(),
            transit_gateway_id: "tgw-1".into(),
            transit_gateway_owner_id: OWNER.into(),
            resource_type: "vpc".into(),
            resource_id: "vpc-0partner".into(),
            resource_owner_id: PARTNER.into(),
            state: "available".into(),
            route_table_id: Some("tgw-rtb-1".into()),
        }],
        gateways: vec![OwnedTransitGateway {
            id: "tgw-1".into(),
            route_tables: Some(vec![TgwRouteTable {
                id: "tgw-rtb-1".into(),
                propagations: Some(vec!["tgw-attach-1".into()]),
                routes: Some(vec![TgwRoute {
                    destination_cidr: "10.2.0.0/16".into(),
                    prefix_list_id: None,
                    attachment_ids: vec!["tgw-attach-1".into()],
                    route_type: "propagated".into(),
                    state: "active".into(),
                }]),
            }]),
        }],
    });
    inv.targets.push(target);
    let back = Inventory::from_snapshot_json(&serde_json::to_string(&inv).unwrap()).unwrap();
    assert_eq!(back, inv);
    // A snapshot written before transit gateways were read says nothing of them: not read,
    // which the analysis never takes for "attached to none".
    let old = format!(
        r#"{{"snapshot_version":{SNAPSHOT_VERSION},"started_at":"","finished_at":"","account_failures":[],"api_calls":{{}},
            "targets":[{{"account_id":"{OWNER}","region":"us-east-1","status":"complete","network":{{}}}}]}}"#
    );
    let inv = Inventory::from_snapshot_json(&old).unwrap();
    assert_eq!(inv.targets[0].network.transit, None);
}

/// A snapshot the whole parse would refuse is never accepted by the parse on several threads:
/// it gives up, and the whole parse words the error.
#[test]
fn a_snapshot_cut_for_threads_that_does_not_parse_is_left_to_the_whole_parse() {
    let mut inv = populated();
    inv.targets.push(inv.targets[0].clone());
    inv.targets.push(inv.targets[0].clone());
    let text = serde_json::to_string_pretty(&inv).unwrap();
    assert_eq!(
        super::parse::parse_in_parallel(text.as_bytes(), 2, 0).as_ref(),
        Some(&inv)
    );
    let broken_target = text.replacen("\"region\": \"eu-west-1\"", "\"region\": 5", 1);
    assert!(broken_target != text, "the edit applies");
    // A second `targets` member after the one cut out.
    let twice = format!(
        "{}, \"targets\": []}}",
        text.trim_end().trim_end_matches('}')
    );
    let trailing = format!("{text} x");
    for doc in [broken_target, twice, trailing] {
        assert!(super::parse::parse_in_parallel(doc.as_bytes(), 2, 0).is_none());
        assert!(Inventory::from_snapshot_json(&doc).is_err());
    }
}
