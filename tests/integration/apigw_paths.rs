//! The API Gateway paths of issue 10 against the emulator: what a REST stage serves (its
//! deployment and its canary's, not the working copy), HTTP API routes published through v2
//! VPC links, and WebSocket APIs. The estates are in `tests/estates/estate_apigw_paths.py`.
//!
//! moto quirks that shape these tests (real AWS differs):
//! - `GetDeployment` ignores `embed=apisummary`: it never returns `apiSummary`. The seeder
//!   records, for each deployment it makes, the summary real AWS keeps (the working copy at
//!   that moment), and the fault proxy answers `GetDeployment` with it
//!   (`FaultProxy::serve_api_summaries`). Without it every REST stage is judged on the working
//!   copy, at medium confidence: one test pins that too.
//! - Canaries cannot be seeded (`create_deployment` ignores `canarySettings`, and
//!   `update_stage` on `/canarySettings/deploymentId` moves the stage's own deployment): the
//!   canary's deployment is seeded with no stage, and the proxy adds `canarySettings` to the
//!   stage in `GetStages` (`Fault::Edit`).
//! - `update_method` is not implemented: the seeder changes a method by putting it again.
//! - NLB listener ARNs say `listener/app/…`: the load balancer is derived from the ARN, which
//!   still names it.
//! - Cloud Map: `register_instance` takes any attributes (an address no VPC holds is as good as
//!   any), `create_integration` takes a service ARN unchecked, and `ListInstances` honours
//!   `MaxResults` (the seeder's 101 instances are two pages of 100).

use crate::fault_proxy::{Fault, FaultProxy, JsonEdit, Rule};
use crate::{assert_rows, harness, row, rows, rows_for_api, Row};
use serde_json::{json, Value};
use std::sync::OnceLock;

const DEPLOYMENTS: &str = "910000000001";
const HTTP_LINKS: &str = "910000000002";
const WEBSOCKET: &str = "910000000003";
const CLOUD_MAP: &str = "910000000004";

const WRITE_INTERNET: &str = "apigw-unauthenticated-write-internet";
const UNDEPLOYED: &str = "apigw-undeployed-change";
const OPEN_CONNECT: &str = "apigw-websocket-unauthenticated-connect";
const AUTHORIZER_WRITE: &str = "apigw-authorizer-only-write-exposed";
const PUBLIC_LB: &str = "public-lb-exposes-private-backend";

/// Runs `audit` of one account in us-east-1 through `proxy`; returns (exit code, report).
fn audit_through(proxy: &FaultProxy, account: &str) -> (i32, Value) {
    let run = harness::audit_at(
        &proxy.endpoint,
        &["--accounts", account, "--regions", "us-east-1"],
    );
    assert!(
        run.status == 0 || run.status == 2,
        "audit failed ({}):\n{}",
        run.status,
        run.stderr
    );
    (run.status, run.json())
}

/// A proxy that answers as real AWS would: the recorded API summaries, and the canary of
/// `rest:canary` (10% of stage prod's traffic to its second deployment).
fn real_aws_proxy(ids: &Value) -> FaultProxy {
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, vec![]);
    proxy.serve_api_summaries(&ids["api_summaries"]);
    let canary = harness::id(ids, "deployment:canary-canary");
    proxy.add(
        Rule::new(
            "apigateway:GetStages",
            Fault::Edit(JsonEdit::new(move |doc| {
                for stage in doc["item"].as_array_mut().into_iter().flatten() {
                    if stage["stageName"] == "prod" {
                        stage["canarySettings"] =
                            json!({"deploymentId": canary, "percentTraffic": 10.0});
                    }
                }
            })),
        )
        .resource(&harness::id(ids, "rest:canary")),
    );
    proxy
}

fn finding<'a>(report: &'a Value, api: &str, rule: &str) -> &'a Value {
    let hits: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["api_id"] == api && f["rule_id"] == rule)
        .collect();
    assert_eq!(hits.len(), 1, "{api} {rule}: {hits:#?}");
    hits[0]
}

fn text<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key].as_str().unwrap_or("")
}

#[track_caller]
fn assert_says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "lacks {needle:?}: {text}");
    }
}

/// The four REST APIs of the deployments estate.
fn deployment_apis(ids: &Value) -> [String; 4] {
    [
        "rest:fixed-not-deployed",
        "rest:added-not-deployed",
        "rest:canary",
        "rest:in-step",
    ]
    .map(|k| harness::id(ids, k))
}

/// The deployments estate audited as real AWS would answer (exit code, report): the stage
/// drift of `apigw-undeployed-change` fires here.
fn deployments_audit() -> &'static (i32, Value) {
    static REPORT: OnceLock<(i32, Value)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let ids = harness::estate("apigw-deployments");
        audit_through(&real_aws_proxy(ids), DEPLOYMENTS)
    })
}

/// The WebSocket estate's audit: `apigw-websocket-unauthenticated-connect` fires here.
fn websocket_audit() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        // Seeded here, not only by the suite's own test: the rules' coverage check may run
        // this audit first.
        harness::estate("apigw-websocket");
        harness::audit_json(&[WEBSOCKET], &["us-east-1"], &[])
    })
}

/// The reports of this suite's estates, for the rules' coverage check.
pub fn paths_reports() -> [&'static Value; 2] {
    [&deployments_audit().1, websocket_audit()]
}

#[test]
fn each_stage_is_judged_by_the_deployments_it_serves() {
    let ids = harness::estate("apigw-deployments");
    let [fixed, added, canary, in_step] = deployment_apis(ids);
    let (status, report) = deployments_audit();
    assert_eq!(*status, 0, "{:#}", report["scan"]);
    assert_rows(
        &rows(report),
        &[
            // Fixed in the working copy, never redeployed: still open on prod.
            row(
                WRITE_INTERNET,
                &fixed,
                "prod",
                "POST",
                "/orders",
                "internet",
            ),
            row(UNDEPLOYED, &fixed, "prod", "*", "*", "owner"),
            // Added open, never deployed: not reachable; the stage's note says so.
            row(UNDEPLOYED, &added, "prod", "*", "*", "owner"),
            // The working copy and prod's deployment require IAM; the canary does not.
            row(
                WRITE_INTERNET,
                &canary,
                "prod",
                "POST",
                "/orders",
                "internet",
            ),
            row(
                WRITE_INTERNET,
                &in_step,
                "prod",
                "POST",
                "/orders",
                "internet",
            ),
        ],
    );
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["confidence"], "high", "{f:#}");
    }
    // One GetDeployment per deployment served: four stages and one canary.
    assert_eq!(report["scan"]["api_calls"]["apigateway:GetDeployment"], 5);

    let open = finding(report, &fixed, WRITE_INTERNET);
    assert_says(
        text(open, "message"),
        &[
            "working copy has authorizationType AWS_IAM",
            &format!(
                "still serves deployment {}",
                harness::id(ids, "deployment:fixed-not-deployed")
            ),
        ],
    );
    assert_says(
        text(open, "remediation"),
        &[&format!(
            "aws apigateway create-deployment --rest-api-id {fixed} --stage-name prod"
        )],
    );
    let note = finding(report, &added, UNDEPLOYED);
    assert_eq!(note["severity"], "info");
    assert_says(
        text(note, "message"),
        &["DELETE /orders is in the working copy (NONE) but not deployed (deploying it would break apigw-unauthenticated-write-internet)"],
    );
    let through_canary = finding(report, &canary, WRITE_INTERNET);
    assert_says(
        text(through_canary, "message"),
        &["canary of stage prod serves it to 10% of the stage's traffic"],
    );
    assert_says(
        text(through_canary, "remediation"),
        &[
            "--canary-settings percentTraffic=10",
            "op=remove,path=/canarySettings",
        ],
    );
    assert_eq!(
        through_canary["evidence"]["served_by"][0]["deployment_id"],
        harness::id(ids, "deployment:canary-canary").as_str()
    );
}

#[test]
fn without_api_summaries_each_stage_is_judged_on_the_working_copy_at_medium_confidence() {
    // Plain moto: no summary, so the working copy stands in for every deployment. The fixed
    // method looks closed and the added one open: what the working copy says, flagged as a
    // guess (medium confidence, and why), never silence about it.
    let ids = harness::estate("apigw-deployments");
    let [_, added, _, in_step] = deployment_apis(ids);
    let report = harness::audit_json(&[DEPLOYMENTS], &["us-east-1"], &[]);
    assert_rows(
        &rows(&report),
        &[
            row(
                WRITE_INTERNET,
                &added,
                "prod",
                "DELETE",
                "/orders",
                "internet",
            ),
            row(
                WRITE_INTERNET,
                &in_step,
                "prod",
                "POST",
                "/orders",
                "internet",
            ),
        ],
    );
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["confidence"], "medium", "{f:#}");
        assert_says(
            text(f, "message"),
            &["Judged on the API's working copy, at medium confidence: AWS returned no API summary for deployment"],
        );
    }
    assert_eq!(report["scan"]["complete"], true);
}

#[test]
fn a_deployment_that_cannot_be_read_is_a_gap_and_its_stage_is_judged_on_the_working_copy() {
    let ids = harness::estate("apigw-deployments");
    let [fixed, _, _, in_step] = deployment_apis(ids);
    let proxy = real_aws_proxy(ids);
    let denied = harness::id(ids, "deployment:in-step");
    proxy.add(Rule::new("apigateway:GetDeployment", Fault::AccessDenied).resource(&denied));
    let (status, report) = audit_through(&proxy, DEPLOYMENTS);
    assert_eq!(
        status, 2,
        "a failed read that a verdict depends on is a gap"
    );
    let target = &report["scan"]["targets"][0];
    assert_eq!(target["status"], "partial");
    assert_eq!(
        target["errors"][0]["resource"],
        format!("{in_step}/{denied}").as_str()
    );
    let f = finding(&report, &in_step, WRITE_INTERNET);
    assert_eq!(f["confidence"], "medium");
    assert_says(
        text(f, "message"),
        &["could not be read (apigateway:GetDeployment: AccessDeniedException)"],
    );
    // The other APIs keep what their summaries prove.
    assert_eq!(
        finding(&report, &fixed, WRITE_INTERNET)["confidence"],
        "high"
    );
}

#[test]
fn http_routes_through_a_v2_vpc_link_are_bypassed_by_the_public_load_balancer() {
    let ids = harness::estate("apigw-http-links");
    let http = harness::id(ids, "http:orders-http");
    let direct = harness::id(ids, "http:orders-direct");
    let report = harness::audit_json(&[HTTP_LINKS], &["us-east-1"], &[]);
    let public_nlb = harness::id(ids, "http_links_public_nlb");
    let lb_rows: Vec<Row> = rows(&report)
        .into_iter()
        .filter(|r| r.0 == PUBLIC_LB)
        .collect();
    assert_eq!(
        lb_rows,
        vec![row(PUBLIC_LB, "", "", "*", "*", "internet")],
        "{:#}",
        report["findings"]
    );
    // The per-route verdicts are unchanged: the open POST is reported as ever, the IAM GET
    // and the route over the internet are not.
    assert_rows(
        &rows_for_api(&report, &http),
        &[row(
            WRITE_INTERNET,
            &http,
            "$default",
            "POST",
            "/orders",
            "internet",
        )],
    );
    assert_rows(&rows_for_api(&report, &direct), &[]);

    let lb = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == PUBLIC_LB)
        .unwrap();
    assert_eq!(text(lb, "resource_arn"), public_nlb);
    assert_eq!(
        lb["evidence"]["bypassed_methods"],
        json!([
            {"api_id": http, "api_name": "orders-http", "api_type": "http", "method": "GET",
             "path": "/orders", "authorization_type": "AWS_IAM", "link_inferred": false},
            {"api_id": http, "api_name": "orders-http", "api_type": "http", "method": "POST",
             "path": "/orders", "authorization_type": "NONE", "link_inferred": false},
        ])
    );
    let link = harness::id(ids, "http_link");
    assert_eq!(
        lb["evidence"]["backend"]["private_because"],
        json!([
            "fronted by the internal network load balancer orders-nlb",
            format!(
                "target of API Gateway VPC link {} (orders-link)",
                harness::id(ids, "http_links_vpc_link_v1")
            ),
            format!("published by HTTP API orders-http ({http}) through VPC link {link} (orders-v2-link)"),
        ])
    );
    assert_says(
        text(lb, "message"),
        &[&format!(
            "POST /orders on HTTP API orders-http ({http}, NONE)"
        )],
    );
    let calls = &report["scan"]["api_calls"];
    assert_eq!(calls["apigatewayv2:GetIntegrations"], 2);
    assert_eq!(calls["apigatewayv2:GetVpcLinks"], 1);
}

/// The public load balancer's finding in a report of the Cloud Map estate.
fn cloud_map_public_lb(report: &Value) -> &Value {
    let hits: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == PUBLIC_LB)
        .collect();
    assert_eq!(hits.len(), 1, "{hits:#?}");
    hits[0]
}

#[test]
fn http_routes_through_a_cloud_map_service_are_bypassed_where_its_instances_are_targets() {
    let ids = harness::estate("apigw-cloudmap");
    let http = harness::id(ids, "http:catalog-http");
    let catalog = harness::id(ids, "cloud_map_catalog");
    let report = harness::audit_json(&[CLOUD_MAP], &["us-east-1"], &[]);
    // The per-route verdicts are unchanged: both open writes are reported as ever, wherever
    // their Cloud Map service's instances are.
    assert_rows(
        &rows_for_api(&report, &http),
        &[
            row(
                WRITE_INTERNET,
                &http,
                "$default",
                "POST",
                "/items",
                "internet",
            ),
            row(
                WRITE_INTERNET,
                &http,
                "$default",
                "DELETE",
                "/elsewhere",
                "internet",
            ),
        ],
    );
    let lb = cloud_map_public_lb(&report);
    assert_eq!(
        text(lb, "resource_arn"),
        harness::id(ids, "cloud_map_public_nlb")
    );
    assert_eq!(
        lb["evidence"]["backend"]["load_balancer"],
        harness::id(ids, "cloud_map_nlb").as_str()
    );
    // `catalog`'s last instance (on its second page) is the backend instance's address: its
    // routes are bypassed. `elsewhere`'s instance is an address no load balancer targets, so
    // DELETE /elsewhere is not listed.
    assert_eq!(
        lb["evidence"]["bypassed_methods"],
        json!([
            {"api_id": http, "api_name": "catalog-http", "api_type": "http", "method": "GET",
             "path": "/items", "authorization_type": "AWS_IAM", "link_inferred": false,
             "cloud_map_service": catalog},
            {"api_id": http, "api_name": "catalog-http", "api_type": "http", "method": "POST",
             "path": "/items", "authorization_type": "NONE", "link_inferred": false,
             "cloud_map_service": catalog},
        ])
    );
    assert_says(
        text(lb, "message"),
        &[&format!(
            "POST /items on HTTP API catalog-http ({http}, NONE, through Cloud Map service {})",
            harness::id(ids, "cloud_map_catalog_id")
        )],
    );
    assert!(!text(lb, "message").contains("could not be read"));
    // Two pages for `catalog`'s 101 instances, one for `elsewhere`.
    assert_eq!(
        report["scan"]["api_calls"]["servicediscovery:ListInstances"],
        3
    );
}

#[test]
fn cloud_map_instances_that_cannot_be_read_leave_the_bypass_list_open() {
    let ids = harness::estate("apigw-cloudmap");
    let http = harness::id(ids, "http:catalog-http");
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, vec![]);
    proxy.add(Rule::new("servicediscovery:ListInstances", Fault::AccessDenied).account(CLOUD_MAP));
    let (status, report) = audit_through(&proxy, CLOUD_MAP);
    assert_eq!(
        status, 2,
        "a failed read that a verdict depends on is a gap"
    );
    let target = &report["scan"]["targets"][0];
    assert_eq!(target["status"], "partial");
    assert_eq!(
        target["errors"][0]["operation"],
        "servicediscovery:ListInstances"
    );
    let lb = cloud_map_public_lb(&report);
    // Which backend the routes publish is unknown: none is claimed, and the finding says its
    // list may be incomplete rather than that no method publishes the backend.
    assert_eq!(lb["evidence"]["bypassed_methods"], json!([]));
    assert_says(
        text(lb, "message"),
        &["servicediscovery:ListInstances (AccessDeniedException) could not be read, so some may"],
    );
    assert!(!text(lb, "message").contains("No API Gateway method publishes this backend"));
    // The per-route verdicts do not depend on the read.
    let writes: Vec<String> = rows_for_api(&report, &http)
        .into_iter()
        .filter(|r| r.0 == WRITE_INTERNET)
        .map(|r| format!("{} {}", r.3, r.4))
        .collect();
    assert_eq!(writes, ["DELETE /elsewhere", "POST /items"]);
}

#[test]
fn websocket_apis_are_judged_by_their_connect_route() {
    let ids = harness::estate("apigw-websocket");
    let api = |name: &str| harness::id(ids, &format!("ws:{name}"));
    let report = websocket_audit();
    assert_rows(
        &rows(report),
        &[
            row(
                OPEN_CONNECT,
                &api("chat-open"),
                "prod",
                "*",
                "$connect",
                "internet",
            ),
            row(
                OPEN_CONNECT,
                &api("chat-no-connect"),
                "prod",
                "*",
                "$connect",
                "internet",
            ),
            row(
                AUTHORIZER_WRITE,
                &api("chat-lambda"),
                "prod",
                "*",
                "$connect",
                "internet",
            ),
        ],
    );
    let open = finding(report, &api("chat-open"), OPEN_CONNECT);
    assert_eq!(open["severity"], "critical");
    assert_eq!(open["entry_point"], "api_gateway_websocket");
    assert_eq!(open["write"], true);
    assert_eq!(open["confidence"], "high");
    assert_says(
        text(open, "message"),
        &["$default, sendmessage", "write channel"],
    );
    assert_says(
        text(open, "remediation"),
        &[&format!(
            "aws apigatewayv2 update-route --api-id {} --route-id {} --authorization-type AWS_IAM",
            api("chat-open"),
            harness::id(ids, "connect:chat-open")
        )],
    );
    let none = finding(report, &api("chat-no-connect"), OPEN_CONNECT);
    assert_says(text(none, "message"), &["it has no $connect route"]);
    // Every WebSocket API has routes: their integrations are read too (none goes through a
    // VPC link, so the v2 links are not).
    let calls = &report["scan"]["api_calls"];
    assert_eq!(calls["apigatewayv2:GetIntegrations"], 5);
    assert!(calls.get("apigatewayv2:GetVpcLinks").is_none(), "{calls:#}");
}
