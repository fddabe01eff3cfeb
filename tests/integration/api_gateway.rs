//! API Gateway against the emulator: every `apigw-*` rule, every auth type, every policy construct
//! of the exposure model §2–3, stages, pagination, several accounts and regions, and what each
//! finding says. The estates are in `tests/estates/estate_apigw.py`.
//!
//! Each estate is seeded once and audited once (the report is shared by the tests that read
//! it), so the whole module costs a few audits of a fraction of a second each, plus seeding.
//!
//! moto quirks that shape these tests (real AWS differs):
//! - `GetResources`/`GetRestApis` ignore `limit` and never return `position`: one page always.
//!   Real paging is exercised through the fault proxy, which re-pages moto's answer at 500.
//! - `policy` comes back exactly as sent (real AWS backslash-escapes it); the escaped estate API
//!   sends it escaped, so both shapes go through the real binary.
//! - `create_rest_api` accepts a policy that is not JSON (real AWS rejects it): that is how the
//!   unparseable-policy API exists.
//! - apigatewayv2 `create_api_mapping` accepts only HTTP/WebSocket API ids, so a REST API with
//!   its default endpoint disabled is mapped here through the v1 API (`create_base_path_mapping`
//!   on an edge-optimized domain), which is also the only listing that shows edge domains.
//! - A PRIVATE REST API deploys without a policy, and a deployment needs only one method with an
//!   integration (real AWS wants a policy, and an integration on every method).
//! - The 520-resource API is created by one `ImportRestApi`; moto leaves `authorizationType` out
//!   of imported methods (real AWS says NONE), which the collector reads as NONE.
//! - `update_rest_api` with `replace /policy` works (used to write full-ARN policies once the id
//!   is known); `replace /disableExecuteApiEndpoint` would store `bool("false") == True`, so the
//!   estates only set that flag at creation.
//! - apigatewayv2 `create_api_mapping` does not check that the stage exists, and moto keeps v1
//!   (`apigateway`) and v2 domain names apart, whereas on AWS a regional domain is one resource.
//! - `create_vpc_endpoint` for `com.amazonaws.us-east-1.execute-api` needs no subnet or security
//!   group; the endpoint and its VPC show up in the network inventory, which is what lets the
//!   engine resolve `aws:SourceVpce`/`aws:SourceVpc` to their owner.
//! - `GetDeployment` never returns `apiSummary`: the matrix is audited through the fault proxy,
//!   which answers with the summary the seeder recorded for each deployment (what real AWS
//!   returns), so its stages are judged by what they serve, at high confidence; on plain moto
//!   the same findings stand on the working copy, at medium confidence.

use crate::fault_proxy::FaultProxy;
use crate::{assert_rows, harness, row, rows, rows_for_api, Row};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const OWNER: &str = "300000000001";
const PARTNER: &str = "300000000002";
const OTHER: &str = "300000000003";
const MULTI_A: &str = "300000000011";
const MULTI_B: &str = "300000000012";
const PAGES: &str = "300000000021";

const WRITE_INTERNET: &str = "apigw-unauthenticated-write-internet";
const READ_INTERNET: &str = "apigw-unauthenticated-read-internet";
const IP_ALLOWLISTED: &str = "apigw-unauthenticated-ip-allowlisted";
const CROSS_ACCOUNT: &str = "apigw-unauthenticated-cross-account";
const WRITE_ANY: &str = "apigw-write-any-aws-account";
const WRITE_ORG: &str = "apigw-write-organization";
const WRITE_EXTERNAL: &str = "apigw-write-external-accounts";
const READ_ANY: &str = "apigw-read-any-aws-account";
const AUTHORIZER_WRITE: &str = "apigw-authorizer-only-write-exposed";
const UNPARSEABLE: &str = "apigw-policy-unparseable";
const PRINCIPAL_NEVER_MATCHES: &str = "apigw-policy-principal-never-matches";

const ORG: &str = "o-a1b2c3d4e5";
const UNKNOWN_VPCE: &str = "vpce-0123456789abcdef0";
const UNKNOWN_VPC: &str = "vpc-0ffee0ffee0ffee00";

/// The `apigw-matrix` estate and its one shared audit.
struct Matrix {
    ids: &'static Value,
    report: Value,
}

/// The `apigw-matrix` audit report.
pub fn matrix_report() -> &'static Value {
    &matrix().report
}

fn matrix() -> &'static Matrix {
    static M: OnceLock<Matrix> = OnceLock::new();
    M.get_or_init(|| {
        let ids = harness::estate("apigw-matrix");
        let report = audit_serving_summaries(ids);
        Matrix { ids, report }
    })
}

impl Matrix {
    /// Id of a REST (`rest:<name>`) or HTTP (`http:<name>`) API.
    fn api(&self, key: &str) -> String {
        harness::id(self.ids, key)
    }

    fn rows_of(&self, key: &str) -> BTreeSet<Row> {
        rows_for_api(&self.report, &self.api(key))
    }

    /// The one finding of this API, verb and path.
    fn finding(&self, key: &str, method: &str, path: &str) -> &Value {
        let api = self.api(key);
        let hits: Vec<&Value> = self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["api_id"] == api.as_str() && f["method"] == method && f["path"] == path)
            .collect();
        assert_eq!(hits.len(), 1, "{key} {method} {path}: {hits:#?}");
        hits[0]
    }
}

/// Expected findings of one matrix API, as (rule, stage, method, path, reach).
type Expect = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    String,
);

fn e(
    rule: &'static str,
    stage: &'static str,
    method: &'static str,
    path: &'static str,
    reach: &str,
) -> Expect {
    (rule, stage, method, path, reach.to_string())
}

/// What every API of the matrix must report: nothing more, nothing less. APIs with an empty
/// list must report nothing.
fn expected_matrix() -> Vec<(&'static str, Vec<Expect>)> {
    let partner = format!("accounts:[{PARTNER}]");
    let other = format!("accounts:[{OTHER}]");
    let org = format!("organization:{ORG}");
    let unknown_vpc = format!("accounts:[unknown:{UNKNOWN_VPC}]");
    let star_iam = vec![
        e(READ_INTERNET, "prod", "GET", "/health", "internet"),
        e(
            WRITE_ANY,
            "prod",
            "DELETE",
            "/orders/{id}",
            "any_aws_account",
        ),
        e(READ_ANY, "prod", "GET", "/orders/{id}", "any_aws_account"),
    ];
    vec![
        // No policy, two stages with the same verdict: stage "*". PUT (IAM, no policy) admits
        // only the owner; OPTIONS + MOCK is a CORS preflight; OPTIONS to a backend is a read.
        (
            "rest:open",
            vec![
                e(READ_INTERNET, "*", "GET", "/items", "internet"),
                e(WRITE_INTERNET, "*", "POST", "/items", "internet"),
                e(READ_INTERNET, "*", "GET", "/keyed", "internet"),
                e(WRITE_INTERNET, "*", "DELETE", "/keyed", "internet"),
                e(READ_INTERNET, "*", "OPTIONS", "/preflight", "internet"),
                e(WRITE_INTERNET, "*", "ANY", "/{proxy+}", "internet"),
            ],
        ),
        // Lambda (CUSTOM) and Cognito authorizers: reads are fine, writes rest on the authorizer.
        (
            "rest:authorizers",
            vec![
                e(AUTHORIZER_WRITE, "prod", "POST", "/orders", "internet"),
                e(
                    AUTHORIZER_WRITE,
                    "prod",
                    "PATCH",
                    "/orders/{id}",
                    "internet",
                ),
            ],
        ),
        // A policy with only a Deny: the denied DELETE is stopped, the PUT needs no Allow.
        (
            "rest:authorizers-deny",
            vec![e(AUTHORIZER_WRITE, "prod", "PUT", "/items", "internet")],
        ),
        ("rest:intended-regional", vec![]),
        ("rest:intended-private", vec![]),
        ("rest:intended-any", vec![]),
        (
            "rest:edge",
            vec![e(READ_INTERNET, "prod", "GET", "/items", "internet")],
        ),
        ("rest:iam-star", star_iam.clone()),
        ("rest:iam-star-escaped", star_iam),
        // Only the owner's own APIs in us-east-1 match `arn:…:<owner>:*/prod/GET/*`.
        (
            "rest:wildcard-api-id",
            vec![e(READ_ANY, "prod", "GET", "/reports", "any_aws_account")],
        ),
        // `execute-api:/prod/*` to the partner covers writes; PUT also goes to OTHER's root.
        // The partner's GET is the intended design; POST NONE never matches an IAM principal.
        (
            "rest:partner-write",
            vec![
                e(WRITE_EXTERNAL, "prod", "ANY", "/admin/{proxy+}", &partner),
                e(
                    WRITE_EXTERNAL,
                    "prod",
                    "PUT",
                    "/orders",
                    &format!("accounts:[{PARTNER},{OTHER}]"),
                ),
            ],
        ),
        (
            "rest:org-allow",
            vec![e(WRITE_ORG, "prod", "POST", "/orders", &org)],
        ),
        // Allow {"AWS":"*"} + Deny StringNotEquals PrincipalOrgID: the org, and no anonymous PUT.
        (
            "rest:org-deny-pin",
            vec![e(WRITE_ORG, "prod", "POST", "/orders", &org)],
        ),
        (
            "rest:principal-account",
            vec![e(WRITE_EXTERNAL, "prod", "DELETE", "/items", &other)],
        ),
        (
            "rest:principal-arn",
            vec![e(WRITE_EXTERNAL, "prod", "PUT", "/items", &partner)],
        ),
        // ArnLike / ArnNotLike on a wildcard role ARN: the partner account is named.
        (
            "rest:principal-arn-like",
            vec![e(WRITE_EXTERNAL, "prod", "POST", "/items", &partner)],
        ),
        (
            "rest:principal-arn-deny",
            vec![e(WRITE_EXTERNAL, "prod", "PUT", "/items", &partner)],
        ),
        // Deny NotPrincipal naming only the partner-reader role: its callers are sessions of the
        // role, which the list does not name, so everyone is denied (this expected the partner
        // before sessions were modelled). Anonymous callers are denied too.
        ("rest:not-principal", vec![]),
        // Naming the session, the role and the account spares the partner.
        (
            "rest:not-principal-session",
            vec![e(WRITE_EXTERNAL, "prod", "POST", "/items", &partner)],
        ),
        // Deny StringNotEquals PrincipalOrgID: the named partner, a member, still writes; the
        // anonymous PUT is denied.
        (
            "rest:org-guardrail-partner",
            vec![e(WRITE_EXTERNAL, "prod", "POST", "/orders", &partner)],
        ),
        (
            "rest:org-ou-path",
            vec![e(
                WRITE_ORG,
                "prod",
                "POST",
                "/orders",
                "organization:*/ou-ab12-22222222/*",
            )],
        ),
        // GET for any AWS account and every verb for the partner: both rules, on one method.
        (
            "rest:any-reads-anyone-writes-partner",
            vec![
                e(READ_ANY, "prod", "ANY", "/items", "any_aws_account"),
                e(WRITE_EXTERNAL, "prod", "ANY", "/items", &partner),
            ],
        ),
        (
            "rest:not-action",
            vec![e(READ_INTERNET, "prod", "GET", "/items", "internet")],
        ),
        // NotResource */POST/* and */DELETE/*: GET and PUT are granted; ANY lets PUT/PATCH out.
        (
            "rest:not-resource",
            vec![
                e(READ_INTERNET, "prod", "GET", "/items", "internet"),
                e(WRITE_INTERNET, "prod", "PUT", "/items", "internet"),
                e(WRITE_INTERNET, "prod", "ANY", "/any", "internet"),
            ],
        ),
        // Deny */DELETE/orders/* covers DELETE /orders/{id}, not DELETE /orders.
        (
            "rest:deny-wins",
            vec![
                e(WRITE_INTERNET, "prod", "POST", "/orders", "internet"),
                e(WRITE_INTERNET, "prod", "DELETE", "/orders", "internet"),
                e(READ_INTERNET, "prod", "GET", "/orders/{id}", "internet"),
            ],
        ),
        (
            "rest:stage-scoped",
            vec![
                e(READ_INTERNET, "dev", "GET", "/items", "internet"),
                e(WRITE_INTERNET, "dev", "POST", "/items", "internet"),
            ],
        ),
        // `execute-api:/pro?/GET/*`: stage prod matches, beta does not; POST is not granted.
        (
            "rest:stage-wildcard",
            vec![e(READ_INTERNET, "prod", "GET", "/items", "internet")],
        ),
        (
            "rest:ip-allow",
            vec![
                e(
                    IP_ALLOWLISTED,
                    "prod",
                    "GET",
                    "/items",
                    "internet_ip_restricted:[198.51.100.7/32,203.0.113.0/24]",
                ),
                e(
                    IP_ALLOWLISTED,
                    "prod",
                    "POST",
                    "/items",
                    "internet_ip_restricted:[198.51.100.7/32,203.0.113.0/24]",
                ),
            ],
        ),
        // Allow * + Deny NotIpAddress: the negated form pins the same way.
        (
            "rest:ip-deny",
            vec![e(
                IP_ALLOWLISTED,
                "prod",
                "POST",
                "/items",
                "internet_ip_restricted:[203.0.113.0/24]",
            )],
        ),
        // PRIVATE with no endpoint pin: every account's execute-api endpoint gets in.
        (
            "rest:private-open",
            vec![
                e(CROSS_ACCOUNT, "prod", "GET", "/items", "any_aws_account"),
                e(CROSS_ACCOUNT, "prod", "POST", "/data", "any_aws_account"),
                e(WRITE_ANY, "prod", "POST", "/items", "any_aws_account"),
            ],
        ),
        // Allow * + Deny StringNotEquals aws:SourceVpce <the owner's endpoint>: only the owner.
        ("rest:private-pinned", vec![]),
        (
            "rest:private-unknown-vpce",
            vec![e(
                CROSS_ACCOUNT,
                "prod",
                "GET",
                "/items",
                &format!("accounts:[unknown:{UNKNOWN_VPCE}]"),
            )],
        ),
        // aws:SourceVpc = the owner's VPC (resolved from the network inventory): only the owner.
        ("rest:private-source-vpc", vec![]),
        (
            "rest:private-unknown-vpc",
            vec![
                e(CROSS_ACCOUNT, "prod", "POST", "/items", &unknown_vpc),
                // An IAM principal of any account still has to come from that VPC.
                e(WRITE_EXTERNAL, "prod", "PUT", "/items", &unknown_vpc),
            ],
        ),
        // ANY, GET open to everyone, every other verb only from 203.0.113.0/24: a public read
        // and an allow-listed write, not a public write. (Before every rule of an ANY method was
        // reported, the allow-listed write showed only in the read finding's message.)
        (
            "rest:any-split",
            vec![
                e(READ_INTERNET, "prod", "ANY", "/items", "internet"),
                e(
                    IP_ALLOWLISTED,
                    "prod",
                    "ANY",
                    "/items",
                    "internet_ip_restricted:[203.0.113.0/24]",
                ),
            ],
        ),
        (
            "rest:ip-v6-all",
            vec![e(READ_INTERNET, "prod", "GET", "/items", "internet")],
        ),
        (
            "rest:private-unknown-vpce-in-vpc",
            vec![e(
                CROSS_ACCOUNT,
                "prod",
                "GET",
                "/items",
                &format!("accounts:[unknown:{UNKNOWN_VPCE}]"),
            )],
        ),
        ("rest:regional-vpce-only", vec![]),
        ("rest:private-authorizer", vec![]),
        (
            "rest:unknown-condition",
            vec![e(WRITE_INTERNET, "prod", "POST", "/items", "internet")],
        ),
        ("rest:paired-deny-greedy", vec![]),
        // Only GET /reports gets through, and only from 203.0.113.0/24.
        (
            "rest:paired-ip-proxy",
            vec![e(
                IP_ALLOWLISTED,
                "prod",
                "ANY",
                "/{proxy+}",
                "internet_ip_restricted:[203.0.113.0/24]",
            )],
        ),
        ("rest:service-only", vec![]),
        (
            "rest:expiring",
            vec![e(READ_INTERNET, "prod", "GET", "/feed", "internet")],
        ),
        // The grant names no one: only the note, never a write granted to the partner.
        (
            "rest:wildcard-principal",
            vec![e(PRINCIPAL_NEVER_MATCHES, "*", "*", "*", "owner")],
        ),
        (
            "rest:unparseable",
            vec![e(UNPARSEABLE, "*", "*", "*", "internet")],
        ),
        ("rest:undeployed", vec![]),
        ("rest:disabled", vec![]),
        // Default endpoint disabled, stage prod mapped under a v1 (edge) domain: reachable.
        (
            "rest:mapped",
            vec![e(WRITE_INTERNET, "prod", "POST", "/items", "internet")],
        ),
        (
            "http:routes",
            vec![
                e(READ_INTERNET, "$default", "GET", "/a", "internet"),
                e(AUTHORIZER_WRITE, "$default", "DELETE", "/c", "internet"),
                e(AUTHORIZER_WRITE, "$default", "PUT", "/e", "internet"),
                e(WRITE_INTERNET, "$default", "ANY", "$default", "internet"),
                e(WRITE_INTERNET, "$default", "ANY", "/{proxy+}", "internet"),
            ],
        ),
        (
            "http:multi-stage",
            vec![e(READ_INTERNET, "*", "GET", "/a", "internet")],
        ),
        ("http:disabled", vec![]),
        ("http:undeployed", vec![]),
        // Default endpoint disabled, stage `live` mapped under a custom domain: still reachable.
        (
            "http:mapped",
            vec![e(WRITE_INTERNET, "live", "POST", "/x", "internet")],
        ),
    ]
}

fn expected_rows(m: &Matrix, key: &str) -> Vec<Row> {
    let api = m.api(key);
    expected_matrix()
        .into_iter()
        .find(|(k, _)| *k == key)
        .unwrap_or_else(|| panic!("no expectation for {key}"))
        .1
        .into_iter()
        .map(|(rule, stage, method, path, reach)| row(rule, &api, stage, method, path, &reach))
        .collect()
}

#[track_caller]
fn assert_apis(m: &Matrix, keys: &[&str]) {
    for key in keys {
        let actual = m.rows_of(key);
        let expected = expected_rows(m, key);
        let expected_set: BTreeSet<Row> = expected.iter().cloned().collect();
        if actual != expected_set {
            panic!(
                "{key}: findings differ\n  missing: {:#?}\n  unexpected: {:#?}",
                expected_set.difference(&actual).collect::<Vec<_>>(),
                actual.difference(&expected_set).collect::<Vec<_>>()
            );
        }
    }
}

fn s<'a>(f: &'a Value, k: &str) -> &'a str {
    f[k].as_str()
        .unwrap_or_else(|| panic!("finding has no string {k}: {f:#}"))
}

#[test]
fn matrix_reports_exactly_the_expected_findings_and_nothing_else() {
    let m = matrix();
    assert_eq!(m.report["scan"]["complete"], true, "{:#}", m.report["scan"]);
    let mut expected = Vec::new();
    for (key, _) in expected_matrix() {
        expected.extend(expected_rows(m, key));
    }
    // Every API of the estate has an expectation (an API seeded later but not listed here
    // would otherwise go unchecked).
    let listed: BTreeSet<String> = expected_matrix()
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    let seeded: BTreeSet<String> = m
        .ids
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("rest:") || k.starts_with("http:"))
        .cloned()
        .collect();
    assert_eq!(listed, seeded);
    assert_rows(&rows(&m.report), &expected);
    assert_eq!(expected.len(), 66);
    // Every finding belongs to the audited account and region.
    for f in m.report["findings"].as_array().unwrap() {
        assert_eq!(s(f, "account_id"), OWNER);
        assert_eq!(s(f, "region"), "us-east-1");
    }
}

/// The matrix's audit through a fault proxy that answers `GetDeployment` with the API summary
/// the seeder recorded for each deployment (moto returns none).
fn audit_serving_summaries(ids: &Value) -> Value {
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, vec![]);
    proxy.serve_api_summaries(&ids["api_summaries"]);
    harness::audit_json_at(&proxy.endpoint, &[OWNER], &["us-east-1"], &[])
}

#[test]
fn every_apigw_rule_is_exercised() {
    let m = matrix();
    let fired: BTreeSet<&str> = m.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| s(f, "rule_id"))
        .collect();
    let mut all: Vec<String> = std::fs::read_dir(harness::project_root().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("apigw-"))
        .map(|n| n.trim_end_matches(".toml").to_string())
        // Trust-path rules need IAM roles: `role_trust` exercises them.
        .filter(|n| !n.contains("-via-"))
        .collect();
    // A stage's drift and a WebSocket API's open `$connect` are exercised by the apigw-paths
    // estate (tests/integration/apigw_paths.rs): the matrix serves what its working copy says
    // and has no WebSocket API.
    all.retain(|rule| {
        rule != "apigw-undeployed-change" && rule != "apigw-websocket-unauthenticated-connect"
    });
    all.sort();
    // Nine method-level rules, the policy-unparseable one and the never-matching principal.
    assert_eq!(all.len(), 11, "{all:?}");
    for rule in &all {
        assert!(fired.contains(rule.as_str()), "rule {rule} never fired");
    }
}

#[test]
fn auth_types_of_rest_methods() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:open",
            "rest:authorizers",
            "rest:authorizers-deny",
            "rest:edge",
        ],
    );
    for (key, method, path, auth, write) in [
        ("rest:open", "GET", "/items", "none", false),
        ("rest:open", "POST", "/items", "none", true),
        ("rest:open", "GET", "/keyed", "api_key_only", false),
        ("rest:open", "DELETE", "/keyed", "api_key_only", true),
        ("rest:open", "ANY", "/{proxy+}", "none", true),
        (
            "rest:authorizers",
            "POST",
            "/orders",
            "lambda_authorizer",
            true,
        ),
        ("rest:authorizers", "PATCH", "/orders/{id}", "cognito", true),
        (
            "rest:authorizers-deny",
            "PUT",
            "/items",
            "lambda_authorizer",
            true,
        ),
        ("rest:iam-star", "GET", "/orders/{id}", "aws_iam", false),
        ("rest:iam-star", "DELETE", "/orders/{id}", "aws_iam", true),
    ] {
        let f = m.finding(key, method, path);
        assert_eq!(s(f, "auth"), auth, "{key} {method} {path}");
        assert_eq!(f["write"], write, "{key} {method} {path}");
        assert_eq!(s(f, "entry_point"), "api_gateway_rest");
    }
    let keyed = m.finding("rest:open", "GET", "/keyed");
    assert_eq!(keyed["evidence"]["api_key_required"], true);
    // Authorizers are read only for APIs whose methods name one: three here (`authorizers`,
    // `authorizers-deny`, `private-authorizer`).
    assert_eq!(
        m.report["scan"]["api_calls"]["apigateway:GetAuthorizers"],
        3
    );
}

#[test]
fn the_intended_design_is_not_a_finding() {
    let m = matrix();
    // REGIONAL and PRIVATE, AWS_IAM GETs, policy admitting only the partner's reader role on
    // execute-api:/prod/GET/*.
    let intended = [
        "rest:intended-regional",
        "rest:intended-private",
        "rest:intended-any",
    ];
    assert_apis(m, &intended);
    for key in intended {
        assert!(m.rows_of(key).is_empty(), "{key}");
    }
}

#[test]
fn principal_star_with_iam_in_full_arn_form_and_escaped() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:iam-star",
            "rest:iam-star-escaped",
            "rest:wildcard-api-id",
        ],
    );
    // The escaped policy (as real AWS returns it) gives the same verdicts, statements and
    // explanations as the plain one.
    let view = |key: &str| -> BTreeSet<String> {
        let api = m.api(key);
        m.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["api_id"] == api.as_str())
            .map(|f| {
                format!(
                    "{} {} {} {} {} {} {}",
                    s(f, "rule_id"),
                    s(f, "method"),
                    s(f, "path"),
                    s(f, "reach"),
                    s(f, "confidence"),
                    f["evidence"]["policy_statements"],
                    f["evidence"]["policy_explanation"]
                )
            })
            .collect()
    };
    assert_eq!(view("rest:iam-star"), view("rest:iam-star-escaped"));
    let del = m.finding("rest:iam-star", "DELETE", "/orders/{id}");
    assert_eq!(
        del["evidence"]["policy_statements"],
        serde_json::json!(["AnyoneFullArn"])
    );
}

#[test]
fn named_accounts_principals_and_organizations() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:partner-write",
            "rest:org-allow",
            "rest:org-deny-pin",
            "rest:principal-account",
            "rest:principal-arn",
            "rest:principal-arn-like",
            "rest:principal-arn-deny",
            "rest:not-principal",
            "rest:not-principal-session",
            "rest:org-guardrail-partner",
            "rest:org-ou-path",
        ],
    );
    let org = m.finding("rest:org-allow", "POST", "/orders");
    assert_eq!(
        org["reach_detail"],
        serde_json::json!({"kind": "organization", "org_ids": [ORG]})
    );
    let put = m.finding("rest:partner-write", "PUT", "/orders");
    assert_eq!(
        put["reach_detail"],
        serde_json::json!({"kind": "accounts", "accounts": [PARTNER, OTHER]})
    );
}

#[test]
fn not_action_not_resource_deny_and_wildcards() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:not-action",
            "rest:not-resource",
            "rest:deny-wins",
            "rest:wildcard-api-id",
            "rest:stage-wildcard",
        ],
    );
}

#[test]
fn network_conditions_and_private_apis() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:ip-allow",
            "rest:ip-deny",
            "rest:private-open",
            "rest:private-pinned",
            "rest:private-unknown-vpce",
            "rest:private-source-vpc",
            "rest:private-unknown-vpc",
            "rest:private-unknown-vpce-in-vpc",
            "rest:regional-vpce-only",
            "rest:private-authorizer",
            "rest:ip-v6-all",
        ],
    );
    // The pin resolves because the owner's execute-api endpoint (ec2 create_vpc_endpoint) is in
    // the audited inventory; the same policy naming an unknown endpoint is cross-account.
    assert!(harness::id(m.ids, "owner_vpce").starts_with("vpce-"));
    let unknown = m.finding("rest:private-unknown-vpce", "GET", "/items");
    assert!(
        s(unknown, "message").contains(UNKNOWN_VPCE),
        "{}",
        s(unknown, "message")
    );
    assert_eq!(s(unknown, "entry_point"), "api_gateway_rest");
}

#[test]
fn stages_undeployed_and_disabled_endpoints() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:open",
            "rest:stage-scoped",
            "rest:stage-wildcard",
            "rest:undeployed",
            "rest:disabled",
            "rest:mapped",
            "http:multi-stage",
            "http:disabled",
            "http:mapped",
        ],
    );
    // The domain listing is read because some API disables its default endpoint.
    let calls = &m.report["scan"]["api_calls"];
    assert_eq!(calls["apigatewayv2:GetDomainNames"], 1);
    assert_eq!(calls["apigatewayv2:GetApiMappings"], 1);
    // REST APIs disable theirs too: the v1 listing (edge domains) is read as well.
    assert_eq!(calls["apigateway:GetDomainNames"], 1);
    assert_eq!(calls["apigateway:GetBasePathMappings"], 1);
    let collapsed = m.finding("rest:open", "POST", "/items");
    assert!(
        s(collapsed, "message").contains("every deployed stage"),
        "{}",
        s(collapsed, "message")
    );
    let dev = m.finding("rest:stage-scoped", "POST", "/items");
    assert!(
        s(dev, "message").contains("stage dev"),
        "{}",
        s(dev, "message")
    );
}

#[test]
fn any_method_whose_writes_are_narrower_than_its_reads() {
    // Regression: the rule was chosen on the widest reach of any verb, so public GETs plus
    // IP-restricted writes on an ANY method were reported as a critical public write. Each
    // verb is judged on its own: a public read, and an allow-listed write.
    let m = matrix();
    assert_apis(
        m,
        &["rest:any-split", "rest:any-reads-anyone-writes-partner"],
    );
    let api = m.api("rest:any-split");
    let of_rule = |rule: &str| -> &Value {
        m.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["api_id"] == api.as_str() && f["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} finding"))
    };
    let read = of_rule(READ_INTERNET);
    assert_eq!(s(read, "severity"), "high");
    assert_eq!(read["write"], false);
    let msg = s(read, "message");
    assert!(msg.contains("this reach holds for GET."), "{msg}");
    assert!(!msg.contains("change data"), "{msg}");
    let write = of_rule(IP_ALLOWLISTED);
    assert_eq!(write["write"], true);
    let msg = s(write, "message");
    assert!(msg.contains("POST, PUT, PATCH, DELETE"), "{msg}");
    assert_ne!(read["fingerprint"], write["fingerprint"]);
}

#[test]
fn unknown_condition_keys_keep_the_reach_at_medium_confidence() {
    let m = matrix();
    assert_apis(m, &["rest:unknown-condition"]);
    let f = m.finding("rest:unknown-condition", "POST", "/items");
    assert_eq!(s(f, "confidence"), "medium");
    let unevaluated = f["evidence"]["unevaluated_conditions"].to_string();
    assert!(
        unevaluated.contains("aws:resourcetag/team"),
        "{unevaluated}"
    );
    // Everything else in the matrix is high confidence.
    for f in m.report["findings"].as_array().unwrap() {
        if f["api_id"] != m.api("rest:unknown-condition").as_str() {
            assert_eq!(s(f, "confidence"), "high", "{f:#}");
        }
    }
}

/// Issue 13 against the emulator: a request is one concrete path, so an Allow paired with a Deny
/// of the same resource admits nobody (on a greedy path too) or only the Deny's exempt
/// addresses; a key only service principals carry admits no direct caller; a time condition is
/// read at the scan's start and its end is named; a principal ARN with a wildcard names no one.
#[test]
fn one_request_one_path_service_keys_time_and_literal_principals() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "rest:paired-deny-greedy",
            "rest:paired-ip-proxy",
            "rest:service-only",
            "rest:expiring",
            "rest:wildcard-principal",
        ],
    );
    // Decided, not guessed: no condition is left unevaluated (moto returns no deployment
    // summary, which alone puts REST findings at medium confidence).
    let ip = m.finding("rest:paired-ip-proxy", "ANY", "/{proxy+}");
    assert!(ip["evidence"]["unevaluated_conditions"].is_null(), "{ip:#}");

    let expiring = m.finding("rest:expiring", "GET", "/feed");
    assert!(
        expiring["evidence"]["unevaluated_conditions"].is_null(),
        "{expiring:#}"
    );
    assert_eq!(
        expiring["evidence"]["reach_change"],
        serde_json::json!({"at": "2099-01-01T00:00:00Z", "reach": "owner"}),
        "{expiring:#}"
    );
    assert!(
        s(expiring, "message").contains("until 2099-01-01T00:00:00Z"),
        "{}",
        s(expiring, "message")
    );

    let api = m.api("rest:wildcard-principal");
    let note = m.finding("rest:wildcard-principal", "*", "*");
    assert_eq!(s(note, "severity"), "info");
    let principal = format!("arn:aws:iam::{PARTNER}:role/*-api-task-role");
    assert_eq!(
        note["evidence"]["principals"],
        serde_json::json!([principal])
    );
    assert!(
        s(note, "message").contains("TaskRoles"),
        "{}",
        s(note, "message")
    );
    let fix = s(note, "remediation");
    assert!(fix.contains(&format!("--rest-api-id {api}")), "{fix}");
    assert!(
        fix.contains(&format!("arn:aws:iam::{PARTNER}:root")),
        "{fix}"
    );
    assert!(fix.contains("aws:PrincipalArn"), "{fix}");
}

#[test]
fn without_api_summaries_the_matrix_keeps_every_finding_at_medium_confidence() {
    // Plain moto gives no deployment summary: each REST stage is judged on the working copy,
    // which here is what was deployed. The same findings, each saying why it is a guess.
    // Two API-level findings read the policy itself, not what a stage serves, and keep their
    // confidence: an unparseable policy and a principal IAM never matches.
    let m = matrix();
    let plain = harness::audit_json(&[OWNER], &["us-east-1"], &[]);
    assert_eq!(rows(&plain), rows(&m.report));
    for f in plain["findings"].as_array().unwrap() {
        let rest = f["entry_point"] == "api_gateway_rest"
            && f["rule_id"] != UNPARSEABLE
            && f["rule_id"] != PRINCIPAL_NEVER_MATCHES;
        if rest {
            assert_eq!(s(f, "confidence"), "medium", "{f:#}");
            assert!(
                s(f, "message").contains("AWS returned no API summary for deployment"),
                "{}",
                s(f, "message")
            );
        }
    }
    let fingerprints = |r: &Value| -> BTreeSet<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| s(f, "fingerprint").to_string())
            .collect()
    };
    assert_eq!(fingerprints(&plain), fingerprints(&m.report));
}

#[test]
fn an_unparseable_policy_is_a_finding_never_silence() {
    let m = matrix();
    assert_apis(m, &["rest:unparseable"]);
    let api = m.api("rest:unparseable");
    let f = m.finding("rest:unparseable", "*", "*");
    assert_eq!(
        s(f, "resource_arn"),
        format!("arn:aws:apigateway:us-east-1::/restapis/{api}")
    );
    assert!(f["evidence"]["parse_error"].is_string(), "{f:#}");
    assert!(s(f, "message").contains(&api), "{}", s(f, "message"));
    assert!(
        s(f, "remediation").contains(&format!("--rest-api-id {api}")),
        "{}",
        s(f, "remediation")
    );
}

#[test]
fn http_api_routes_of_every_auth_type() {
    let m = matrix();
    assert_apis(
        m,
        &[
            "http:routes",
            "http:multi-stage",
            "http:disabled",
            "http:mapped",
        ],
    );
    for (method, path, auth, write) in [
        ("GET", "/a", "none", false),
        ("DELETE", "/c", "jwt", true),
        ("PUT", "/e", "lambda_authorizer", true),
        ("ANY", "$default", "none", true),
        ("ANY", "/{proxy+}", "none", true),
    ] {
        let f = m.finding("http:routes", method, path);
        assert_eq!(s(f, "auth"), auth, "{method} {path}");
        assert_eq!(f["write"], write, "{method} {path}");
        assert_eq!(s(f, "entry_point"), "api_gateway_http");
    }
    // Routes and stages: one GetRoutes and one GetStages per HTTP API (five of them).
    let calls = &m.report["scan"]["api_calls"];
    assert_eq!(calls["apigatewayv2:GetRoutes"], 5);
    assert_eq!(calls["apigatewayv2:GetStages"], 5);
}

#[test]
fn findings_explain_themselves() {
    let m = matrix();

    // An unauthenticated write collapsed over both stages.
    let api = m.api("rest:open");
    let f = m.finding("rest:open", "POST", "/items");
    let msg = s(f, "message");
    for needle in [
        "POST /items",
        api.as_str(),
        "every deployed stage",
        "anyone on the internet",
        "no authentication",
        OWNER,
    ] {
        assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
    }
    assert_eq!(f["write"], true);
    assert_eq!(s(f, "severity"), "critical");
    assert_eq!(
        s(f, "resource_arn"),
        format!("arn:aws:execute-api:us-east-1:{OWNER}:{api}/*/POST/items")
    );
    let fix = s(f, "remediation");
    for needle in [
        "AWS_IAM",
        "POST /items",
        &format!("--rest-api-id {api}"),
        "redeploy",
    ] {
        assert!(fix.contains(needle), "remediation lacks {needle:?}: {fix}");
    }

    // A write granted to a partner through ANY.
    let api = m.api("rest:partner-write");
    let f = m.finding("rest:partner-write", "ANY", "/admin/{proxy+}");
    let msg = s(f, "message");
    for needle in [
        "ANY /admin/{proxy+}",
        api.as_str(),
        "stage prod",
        PARTNER,
        "IAM (SigV4)",
        "ANY lets every verb through",
        "Partner",
    ] {
        assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
    }
    assert_eq!(f["write"], true);
    assert_eq!(
        s(f, "resource_arn"),
        format!("arn:aws:execute-api:us-east-1:{OWNER}:{api}/prod/ANY/admin/{{proxy+}}")
    );
    let fix = s(f, "remediation");
    assert!(fix.contains(&api) && fix.contains("GET"), "{fix}");

    // A read open to any AWS account: not a write.
    let f = m.finding("rest:iam-star", "GET", "/orders/{id}");
    assert_eq!(f["write"], false);
    assert!(
        s(f, "message").contains("any AWS account"),
        "{}",
        s(f, "message")
    );
    assert!(
        s(f, "remediation").contains("Principal"),
        "{}",
        s(f, "remediation")
    );

    // An HTTP API route behind a JWT authorizer.
    let api = m.api("http:routes");
    let f = m.finding("http:routes", "DELETE", "/c");
    let msg = s(f, "message");
    for needle in [
        "DELETE /c",
        api.as_str(),
        "stage $default",
        "JWT authorizer",
        "anyone on the internet",
    ] {
        assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
    }
    assert_eq!(s(f, "entry_point"), "api_gateway_http");
    assert_eq!(
        s(f, "resource_arn"),
        format!("arn:aws:execute-api:us-east-1:{OWNER}:{api}/$default/DELETE/c")
    );
    assert!(
        s(f, "remediation").contains("authorizer"),
        "{}",
        s(f, "remediation")
    );
    let f = m.finding("http:routes", "GET", "/a");
    assert!(
        s(f, "remediation").contains(&format!("--api-id {api}")),
        "{}",
        s(f, "remediation")
    );

    // Every finding carries a non-empty remediation and a fingerprint; a finding's own fix
    // replaces the rule's generic text rather than repeating it, and names the real resource
    // (never a placeholder id, never the other kind of API's command).
    let mut specific = 0;
    for f in m.report["findings"].as_array().unwrap() {
        let fix = s(f, "remediation");
        let generic = overexposed::rules::get(s(f, "rule_id"))
            .unwrap()
            .generic_remediation();
        let generic = generic.trim();
        if fix != generic {
            specific += 1;
            assert!(
                !fix.contains(generic),
                "the fix repeats the rule's text: {fix}"
            );
        }
        assert!(!fix.contains("<id>"), "{fix}");
        if s(f, "entry_point") == "api_gateway_http" {
            assert!(
                !fix.contains("aws apigateway "),
                "a REST command for an HTTP API: {fix}"
            );
        }
        if s(f, "entry_point") == "api_gateway_rest" && fix.contains("update-method") {
            assert!(
                fix.contains("--resource-id ") && fix.contains("create-deployment"),
                "{fix}"
            );
        }
        assert!(fix.len() > 40, "{f:#}");
        assert!(!s(f, "fingerprint").is_empty());
    }
    assert!(
        specific > 20,
        "most findings carry their own fix ({specific})"
    );
}

#[test]
fn fingerprints_are_stable_across_runs_and_distinct() {
    let m = matrix();
    let again = audit_serving_summaries(m.ids);
    let prints = |report: &Value| -> BTreeMap<String, String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    format!(
                        "{} {} {} {} {}",
                        s(f, "rule_id"),
                        s(f, "api_id"),
                        s(f, "stage"),
                        s(f, "method"),
                        s(f, "path")
                    ),
                    s(f, "fingerprint").to_string(),
                )
            })
            .collect()
    };
    let (a, b) = (prints(&m.report), prints(&again));
    assert_eq!(a, b);
    let distinct: BTreeSet<&String> = a.values().collect();
    assert_eq!(distinct.len(), a.len());
    // Reports are deterministic: same findings in the same order.
    assert_eq!(m.report["findings"], again["findings"]);
}

#[test]
fn several_accounts_and_regions_keep_findings_apart() {
    let ids = harness::estate("apigw-multi");
    let report = harness::audit_json(&[MULTI_A, MULTI_B], &["us-east-1", "eu-west-1"], &[]);
    let targets: BTreeSet<(String, String, String)> = report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                s(t, "account_id").to_string(),
                s(t, "region").to_string(),
                s(t, "status").to_string(),
            )
        })
        .collect();
    let complete = |a: &str, r: &str| (a.to_string(), r.to_string(), "complete".to_string());
    assert_eq!(
        targets,
        BTreeSet::from([
            complete(MULTI_A, "eu-west-1"),
            complete(MULTI_A, "us-east-1"),
            complete(MULTI_B, "eu-west-1"),
            complete(MULTI_B, "us-east-1"),
        ])
    );
    assert_eq!(report["scan"]["api_calls"]["sts:AssumeRole"], 2);
    assert_eq!(report["scan"]["api_calls"]["apigateway:GetRestApis"], 4);

    let id = |k: &str| harness::id(ids, k);
    let located: BTreeSet<(String, String, Row)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(f, "account_id").to_string(),
                s(f, "region").to_string(),
                row(
                    s(f, "rule_id"),
                    s(f, "api_id"),
                    s(f, "stage"),
                    s(f, "method"),
                    s(f, "path"),
                    s(f, "reach"),
                ),
            )
        })
        .collect();
    let at = |a: &str, r: &str, row: Row| (a.to_string(), r.to_string(), row);
    assert_eq!(
        located,
        BTreeSet::from([
            at(
                MULTI_A,
                "us-east-1",
                row(
                    WRITE_INTERNET,
                    &id("rest:a-east"),
                    "prod",
                    "POST",
                    "/a",
                    "internet"
                )
            ),
            at(
                MULTI_A,
                "eu-west-1",
                row(
                    READ_INTERNET,
                    &id("rest:a-west"),
                    "prod",
                    "GET",
                    "/a",
                    "internet"
                )
            ),
            at(
                MULTI_A,
                "eu-west-1",
                row(
                    WRITE_INTERNET,
                    &id("http:a-west"),
                    "$default",
                    "DELETE",
                    "/w",
                    "internet"
                )
            ),
            // B's private API is pinned to A's endpoint: A is named (resolved across accounts).
            at(
                MULTI_B,
                "us-east-1",
                row(
                    CROSS_ACCOUNT,
                    &id("rest:b-east"),
                    "prod",
                    "POST",
                    "/b",
                    &format!("accounts:[{MULTI_A}]")
                )
            ),
            // B's GET granted to A's reader role (the intended design) is not a finding.
        ])
    );
    for f in report["findings"].as_array().unwrap() {
        let arn = s(f, "resource_arn");
        assert!(
            arn.contains(&format!(":{}:{}:", s(f, "region"), s(f, "account_id"))),
            "{arn}"
        );
    }

    // Auditing one account alone gives exactly its own findings.
    let only_a = harness::audit_json(&[MULTI_A], &["us-east-1", "eu-west-1"], &[]);
    let a_rows: BTreeSet<Row> = located
        .iter()
        .filter(|(a, _, _)| a == MULTI_A)
        .map(|(_, _, r)| r.clone())
        .collect();
    assert_eq!(rows(&only_a), a_rows);
    // Auditing B alone: A's endpoint is outside the audited estate, so it is unknown.
    let only_b = harness::audit_json(&[MULTI_B], &["us-east-1"], &[]);
    assert_rows(
        &rows(&only_b),
        &[row(
            CROSS_ACCOUNT,
            &id("rest:b-east"),
            "prod",
            "POST",
            "/b",
            &format!("accounts:[unknown:{}]", id("a_vpce")),
        )],
    );
}

fn expected_pages(api: &str) -> Vec<Row> {
    (0..520)
        .map(|i| {
            row(
                WRITE_INTERNET,
                api,
                "prod",
                "POST",
                &format!("/r{i:03}"),
                "internet",
            )
        })
        .collect()
}

#[test]
fn more_than_500_resources_are_all_read() {
    let ids = harness::estate("apigw-pages");
    let api = harness::id(ids, "rest:big");
    let report = harness::audit_json(&[PAGES], &["us-east-1"], &[]);
    assert_rows(&rows(&report), &expected_pages(&api));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["auth"] == "none" && f["write"] == true));
    // moto answers with all 521 resources (root included) in one page and no `position`.
    let calls = &report["scan"]["api_calls"];
    assert_eq!(calls["apigateway:GetResources"], 1);
    assert_eq!(calls["apigateway:GetRestApis"], 1);
    assert_eq!(calls["apigateway:GetStages"], 1);
    assert!(
        calls.get("apigateway:GetAuthorizers").is_none(),
        "{calls:#}"
    );
}

#[test]
fn more_than_500_resources_are_read_page_by_page() {
    // The fault proxy re-pages moto's answer as real AWS does (500 items and a `position`),
    // so the binary must follow the token: two GetResources calls, every resource read.
    let ids = harness::estate("apigw-pages");
    let api = harness::id(ids, "rest:big");
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, vec![]);
    proxy.page("apigateway:GetResources", 500);
    let report = harness::audit_at(
        &proxy.endpoint,
        &[
            "--accounts",
            PAGES,
            "--regions",
            "us-east-1",
            "--no-network",
        ],
    )
    .complete_json();
    assert_rows(&rows(&report), &expected_pages(&api));
    assert_eq!(report["scan"]["api_calls"]["apigateway:GetResources"], 2);
    assert_eq!(proxy.pages_served("apigateway:GetResources"), 2);
}
