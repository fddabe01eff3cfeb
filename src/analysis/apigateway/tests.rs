//! Verdicts from hand-built inventory snapshots: no network, one estate per case.

use super::prose::{
    http_route_fix, principal_never_matches_fix, rest_method_fix, unparseable_policy_fix,
};
use super::stages::candidate_stages;
use crate::inventory::{
    ApiMapping, ApiResource, CustomDomain, HttpApi, HttpRoute, Integration, Inventory, RestApi,
    RestMethod, ScanError, Stage, Target, VpcEndpoint,
};
use crate::model::{Auth, Confidence, EntryPoint, Finding};
use crate::operation::Operation;
use crate::policy;
use crate::rules::{placeholders, RuleId};
use serde_json::json;

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";

fn method(verb: &str, auth: &str) -> RestMethod {
    RestMethod {
        http_method: verb.into(),
        authorization_type: auth.into(),
        ..Default::default()
    }
}

/// The resources of an API with one method on one path.
fn only<'a>(path: &'a str, verb: &str, auth: &str) -> Vec<(&'a str, Vec<RestMethod>)> {
    vec![(path, vec![method(verb, auth)])]
}

fn rest_api(
    endpoint: &str,
    policy: Option<&str>,
    stages: &[&str],
    resources: Vec<(&str, Vec<RestMethod>)>,
) -> RestApi {
    RestApi {
        id: "api1".into(),
        name: "orders".into(),
        endpoint_types: vec![endpoint.into()],
        policy: policy.map(str::to_string),
        resources: resources
            .into_iter()
            .enumerate()
            .map(|(i, (path, methods))| ApiResource {
                id: format!("r{i}"),
                path: path.into(),
                methods,
            })
            .collect(),
        stages: stages_named(stages),
        ..Default::default()
    }
}

fn stages_named(names: &[&str]) -> Vec<Stage> {
    names
        .iter()
        .map(|name| Stage {
            name: name.to_string(),
            ..Default::default()
        })
        .collect()
}

/// HTTP API `h1` with these routes, deployed on these stages.
fn http_api(routes: Vec<HttpRoute>, stages: &[&str]) -> HttpApi {
    HttpApi {
        id: "h1".into(),
        name: "orders-v2".into(),
        protocol_type: "HTTP".into(),
        routes,
        stages: stages_named(stages),
        ..Default::default()
    }
}

/// A route whose id is its key.
fn route(key: &str, auth: &str) -> HttpRoute {
    HttpRoute {
        id: key.into(),
        route_key: key.into(),
        authorization_type: auth.into(),
        ..Default::default()
    }
}

/// An interface endpoint of the execute-api service in us-east-1.
fn execute_api_endpoint(id: &str, vpc: &str, owner: &str) -> VpcEndpoint {
    VpcEndpoint {
        id: id.into(),
        vpc_id: vpc.into(),
        service_name: "com.amazonaws.us-east-1.execute-api".into(),
        endpoint_type: "Interface".into(),
        owner_id: owner.into(),
    }
}

/// The stages of REST API `api1` could not be read (AccessDenied).
fn deny_get_stages(t: &mut Target) {
    t.errors.push(ScanError {
        operation: Operation::ApiGatewayGetStages.into(),
        code: "AccessDeniedException".into(),
        message: "denied".into(),
        resource: Some("api1".into()),
    });
}

fn target_with(rest: Vec<RestApi>, http: Vec<HttpApi>) -> Target {
    Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        rest_apis: rest,
        http_apis: http,
        ..Default::default()
    }
}

fn audit(target: Target) -> Vec<Finding> {
    let inv = Inventory {
        targets: vec![target],
        ..Default::default()
    };
    crate::analysis::analyze(&inv)
}

/// The findings of an account whose only API is `api`.
fn audit_rest(api: RestApi) -> Vec<Finding> {
    audit(target_with(vec![api], vec![]))
}

/// The findings of an account whose only API is the HTTP API `api`.
fn audit_http(api: HttpApi) -> Vec<Finding> {
    audit(target_with(vec![], vec![api]))
}

/// (rule, stage, method, path, reach) of every finding, sorted.
fn summary(findings: &[Finding]) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.stage.clone().unwrap_or_default(),
                f.method.clone(),
                f.path.clone(),
                f.reach.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Expected `summary` rows, each "rule stage method path reach".
fn rows(rows: &[&str]) -> Vec<(String, String, String, String, String)> {
    rows.iter()
        .map(|row| {
            let f: Vec<String> = row.split(' ').map(str::to_string).collect();
            assert_eq!(f.len(), 5, "not a summary row: {row}");
            (
                f[0].clone(),
                f[1].clone(),
                f[2].clone(),
                f[3].clone(),
                f[4].clone(),
            )
        })
        .collect()
}

/// Any caller, every method.
const OPEN_TO_EVERYONE: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;

/// Any caller, but only through the owner's endpoint `vpce-0owner`.
const PINNED_TO_OWNERS_ENDPOINT: &str = r#"{"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
    {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0owner"}}}]}"#;

const PARTNER_GET_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PartnerReadOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/partner-reader"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}]}"#;

#[test]
fn the_intended_design_is_not_a_finding() {
    let api = rest_api(
        "REGIONAL",
        Some(PARTNER_GET_ONLY),
        &["prod"],
        vec![
            ("/orders", vec![method("GET", "AWS_IAM")]),
            ("/orders/{id}", vec![method("GET", "AWS_IAM")]),
        ],
    );
    assert_eq!(audit_rest(api), vec![]);
}

#[test]
fn drift_on_the_safe_api_is_reported_per_method() {
    let api = rest_api(
        "REGIONAL",
        Some(PARTNER_GET_ONLY),
        &["prod"],
        vec![
            (
                "/orders",
                vec![method("GET", "AWS_IAM"), method("POST", "NONE")],
            ),
            ("/admin/{proxy+}", vec![method("ANY", "AWS_IAM")]),
        ],
    );
    let f = audit_rest(api);
    // POST with NONE: the policy names only an IAM principal, which never matches an
    // anonymous call, so the anonymous POST is denied: not reachable. ANY with IAM: the
    // partner's grant covers GET only, so no write leaks either.
    assert_eq!(summary(&f), vec![]);
}

#[test]
fn no_policy_none_auth_is_open_to_the_internet() {
    let mut key_only = method("GET", "NONE");
    key_only.api_key_required = true;
    let api = rest_api(
        "REGIONAL",
        None,
        &["v1"],
        vec![
            (
                "/items",
                vec![
                    method("GET", "NONE"),
                    method("POST", "NONE"),
                    method("PUT", "AWS_IAM"),
                ],
            ),
            ("/keyed", vec![key_only]),
        ],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&[
            "apigw-unauthenticated-read-internet v1 GET /items internet",
            "apigw-unauthenticated-read-internet v1 GET /keyed internet",
            "apigw-unauthenticated-write-internet v1 POST /items internet"
        ])
    );
    let keyed = f.iter().find(|x| x.path == "/keyed").unwrap();
    assert_eq!(keyed.auth, Auth::ApiKeyOnly);
    let post = f.iter().find(|x| x.method == "POST").unwrap();
    assert!(post.write);
    assert_eq!(
        post.resource_arn,
        "arn:aws:execute-api:us-east-1:111111111111:api1/v1/POST/items"
    );
    assert!(
        post.message.contains("POST /items") && post.message.contains("anyone on the internet"),
        "{}",
        post.message
    );
}

#[test]
fn principal_star_with_iam_admits_any_aws_account() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(policy),
        &["prod"],
        vec![
            (
                "/orders/{id}",
                vec![method("DELETE", "AWS_IAM"), method("GET", "AWS_IAM")],
            ),
            ("/health", vec![method("GET", "NONE")]),
        ],
    );
    assert_eq!(
        summary(&audit_rest(api)),
        rows(&[
            "apigw-read-any-aws-account prod GET /orders/{id} any_aws_account",
            "apigw-unauthenticated-read-internet prod GET /health internet",
            "apigw-write-any-aws-account prod DELETE /orders/{id} any_aws_account"
        ])
    );
}

#[test]
fn write_granted_to_a_named_partner_is_reported_with_the_account() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(policy),
        &["prod"],
        only("/admin/{proxy+}", "ANY", "AWS_IAM"),
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&[&format!(
            "apigw-write-external-accounts prod ANY /admin/{{proxy+}} accounts:[{PARTNER}]"
        )])
    );
    assert!(f[0].write);
}

#[test]
fn private_api_open_to_any_vpc_endpoint_is_cross_account() {
    let api = rest_api(
        "PRIVATE",
        Some(OPEN_TO_EVERYONE),
        &["prod"],
        only("/items", "GET", "NONE"),
    );
    assert_eq!(
        summary(&audit_rest(api)),
        rows(&["apigw-unauthenticated-cross-account prod GET /items any_aws_account"])
    );
}

#[test]
fn private_api_pinned_to_the_owners_endpoint_is_clean() {
    let api = rest_api(
        "PRIVATE",
        Some(PINNED_TO_OWNERS_ENDPOINT),
        &["prod"],
        only("/items", "POST", "NONE"),
    );
    let mut t = target_with(vec![api], vec![]);
    t.network
        .vpc_endpoints
        .push(execute_api_endpoint("vpce-0owner", "vpc-1", OWNER));
    assert_eq!(audit(t), vec![]);
}

#[test]
fn stage_scoped_grant_names_only_that_stage() {
    let dev_only = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*"}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(dev_only),
        &["dev", "prod"],
        only("/items", "POST", "NONE"),
    );
    assert_eq!(
        summary(&audit_rest(api)),
        rows(&["apigw-unauthenticated-write-internet dev POST /items internet"])
    );
}

#[test]
fn identical_verdicts_on_every_stage_collapse_to_star() {
    let api = rest_api(
        "REGIONAL",
        None,
        &["dev", "prod"],
        only("/items", "POST", "NONE"),
    );
    assert_eq!(
        summary(&audit_rest(api)),
        rows(&["apigw-unauthenticated-write-internet * POST /items internet"])
    );
}

#[test]
fn ip_allow_list_is_not_authentication() {
    let ip = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(ip),
        &["prod"],
        only("/items", "POST", "NONE"),
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-ip-allowlisted prod POST /items internet_ip_restricted:[203.0.113.0/24]"])
    );
}

/// (name, endpoint type, policy, authorization type, expected `rules_of`).
type RuleCase<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    Vec<(String, String, bool)>,
);

/// (rule, reach, write) of every finding, sorted.
fn rules_of(findings: &[Finding]) -> Vec<(String, String, bool)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.rule_id.to_string(), f.reach.clone(), f.write))
        .collect();
    v.sort();
    v
}

/// One expected `rules_of` row.
fn rule_row(rule: &str, reach: &str, write: bool) -> (String, String, bool) {
    (rule.to_string(), reach.to_string(), write)
}

/// Judges `verb /items` on stage prod for every case of the table, in an account that also
/// records `endpoint`, and fails once, naming each case whose `rules_of` is not the one wanted.
fn assert_cases(table: Vec<RuleCase>, verb: &str, endpoint: Option<VpcEndpoint>) {
    let mut failures = Vec::new();
    for (name, endpoint_type, policy, auth, want) in table {
        let api = rest_api(endpoint_type, policy, &["prod"], only("/items", verb, auth));
        let mut t = target_with(vec![api], vec![]);
        t.network.vpc_endpoints.extend(endpoint.clone());
        let got = rules_of(&audit(t));
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each verb of an `ANY` method is judged on its own, and every distinct rule the verbs
/// break is reported, except a read rule its write rule covers at the same reach.
#[test]
fn any_methods_report_every_rule_their_verbs_break() {
    let split = r#"{"Statement":[
        {"Sid":"PublicReads","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"},
        {"Sid":"OfficeWrites","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let reads_anyone_writes_partner = r#"{"Statement":[
        {"Sid":"AnyoneReads","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"},
        {"Sid":"PartnerAll","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}"#;
    let reads_anyone_writes_org = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"},
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#;
    let reads_only = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"}]}"#;
    let table: Vec<RuleCase> = vec![
        (
            "iam: reads for any account, writes for a partner",
            "REGIONAL",
            Some(reads_anyone_writes_partner),
            "AWS_IAM",
            vec![
                rule_row("apigw-read-any-aws-account", "any_aws_account", false),
                rule_row(
                    "apigw-write-external-accounts",
                    &format!("accounts:[{PARTNER}]"),
                    true,
                ),
            ],
        ),
        (
            "iam: reads for any account, writes for the organization",
            "REGIONAL",
            Some(reads_anyone_writes_org),
            "AWS_IAM",
            vec![
                rule_row("apigw-read-any-aws-account", "any_aws_account", false),
                rule_row("apigw-write-organization", "organization:o-abc", true),
            ],
        ),
        (
            "none: public reads, allow-listed writes",
            "REGIONAL",
            Some(split),
            "NONE",
            vec![
                rule_row(
                    "apigw-unauthenticated-ip-allowlisted",
                    "internet_ip_restricted:[203.0.113.0/24]",
                    true,
                ),
                rule_row("apigw-unauthenticated-read-internet", "internet", false),
            ],
        ),
        (
            "none: public reads only",
            "REGIONAL",
            Some(reads_only),
            "NONE",
            vec![rule_row(
                "apigw-unauthenticated-read-internet",
                "internet",
                false,
            )],
        ),
        // The write rule at the same reach says all the read rule would.
        (
            "none: no policy, one write finding",
            "REGIONAL",
            None,
            "NONE",
            vec![rule_row(
                "apigw-unauthenticated-write-internet",
                "internet",
                true,
            )],
        ),
        (
            "iam: principal star, one write finding",
            "REGIONAL",
            Some(OPEN_TO_EVERYONE),
            "AWS_IAM",
            vec![rule_row(
                "apigw-write-any-aws-account",
                "any_aws_account",
                true,
            )],
        ),
        (
            "none, private: one cross-account finding for every verb",
            "PRIVATE",
            Some(OPEN_TO_EVERYONE),
            "NONE",
            vec![rule_row(
                "apigw-unauthenticated-cross-account",
                "any_aws_account",
                true,
            )],
        ),
        (
            "authorizer: reads are not findings",
            "REGIONAL",
            None,
            "CUSTOM",
            vec![rule_row(
                "apigw-authorizer-only-write-exposed",
                "internet",
                true,
            )],
        ),
    ];
    assert_cases(table, "ANY", None);

    // Each finding says which verbs it is about.
    let api = rest_api(
        "REGIONAL",
        Some(split),
        &["prod"],
        only("/items", "ANY", "NONE"),
    );
    let f = audit_rest(api);
    let msg = |rule: &str| {
        f.iter()
            .find(|x| x.rule_id.as_str() == rule)
            .map(|x| x.message.clone())
            .unwrap_or_default()
    };
    let ip = msg("apigw-unauthenticated-ip-allowlisted");
    // The public grant names GET only: HEAD and OPTIONS come from the allow-listed range.
    assert!(
        ip.contains("holds for HEAD, OPTIONS, POST, PUT, PATCH, DELETE"),
        "{ip}"
    );
    let read = msg("apigw-unauthenticated-read-internet");
    assert!(read.contains("holds for GET."), "{read}");
    assert!(!read.contains("change data"), "{read}");
    assert_ne!(f[0].fingerprint, f[1].fingerprint);

    // A read rule folded into its write rule leaves the write finding covering every verb.
    let api = rest_api(
        "REGIONAL",
        Some(
            reads_anyone_writes_partner
                .replace("222222222222", "*")
                .as_str(),
        ),
        &["prod"],
        only("/items", "ANY", "AWS_IAM"),
    );
    let f = audit_rest(api);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].message
            .contains("ANY lets every verb through, writes included"),
        "{}",
        f[0].message
    );
    assert_eq!(
        f[0].evidence["policy_statements"],
        json!(["AnyoneReads", "PartnerAll"])
    );
}

/// When several verbs of an `ANY` method break one rule at different reaches, the finding
/// carries the widest reach and the policy's explanation for it, and lists the verbs in the
/// usual order (GET before DELETE) also after a read rule is folded into its write rule.
#[test]
fn one_rule_over_several_verbs_explains_the_widest_and_orders_the_verbs() {
    // A private API: GET through any account's endpoint, POST only through the partner's.
    let reads_any_endpoint_writes_partner = r#"{"Statement":[
        {"Sid":"AnyEndpointReads","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"},
        {"Sid":"PartnerEndpointWrites","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/POST/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}]}"#;
    let api = rest_api(
        "PRIVATE",
        Some(reads_any_endpoint_writes_partner),
        &["prod"],
        only("/items", "ANY", "NONE"),
    );
    let mut t = target_with(vec![api], vec![]);
    t.network.vpc_endpoints.push(execute_api_endpoint(
        "vpce-0partner",
        "vpc-0partner",
        PARTNER,
    ));
    let f = audit(t);
    assert_eq!(
        rules_of(&f),
        vec![rule_row(
            "apigw-unauthenticated-cross-account",
            "any_aws_account",
            true
        )]
    );
    let explanation = f[0].evidence["policy_explanation"].to_string();
    assert!(explanation.contains("AnyEndpointReads"), "{explanation}");
    assert!(
        !explanation.contains("PartnerEndpointWrites"),
        "{explanation}"
    );
    // IAM callers of any account may GET and DELETE: the read rule folds into the write rule.
    let get_and_delete = r#"{"Statement":[{"Sid":"Two","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/prod/DELETE/*","execute-api:/prod/GET/*"]}]}"#;
    let f = audit_rest(rest_api(
        "REGIONAL",
        Some(get_and_delete),
        &["prod"],
        only("/items", "ANY", "AWS_IAM"),
    ));
    assert_eq!(
        rules_of(&f),
        vec![rule_row(
            "apigw-write-any-aws-account",
            "any_aws_account",
            true
        )]
    );
    assert!(
        f[0].message.contains("this reach holds for GET, DELETE"),
        "{}",
        f[0].message
    );
}

/// A private API is reachable only through what its resource policy allows: an authorizer
/// does not stand in for the policy's Allow. Public APIs with an authorizer still need no Allow.
#[test]
fn private_apis_need_the_policys_allow_even_behind_an_authorizer() {
    let deletes_denied = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}"#;
    let table: Vec<RuleCase> = vec![
        (
            "private, lambda, policy grants only the partner's GETs",
            "PRIVATE",
            Some(PARTNER_GET_ONLY),
            "CUSTOM",
            vec![],
        ),
        (
            "private, cognito, policy with only a deny",
            "PRIVATE",
            Some(deletes_denied),
            "COGNITO_USER_POOLS",
            vec![],
        ),
        (
            "guard: private, lambda, no policy",
            "PRIVATE",
            None,
            "CUSTOM",
            vec![],
        ),
        (
            "guard: private, lambda, pinned to the owner's endpoint",
            "PRIVATE",
            Some(PINNED_TO_OWNERS_ENDPOINT),
            "CUSTOM",
            vec![],
        ),
        (
            "guard: private, lambda, open policy",
            "PRIVATE",
            Some(OPEN_TO_EVERYONE),
            "CUSTOM",
            vec![rule_row(
                "apigw-authorizer-only-write-exposed",
                "any_aws_account",
                true,
            )],
        ),
        (
            "guard: regional, lambda, policy grants only the partner's GETs",
            "REGIONAL",
            Some(PARTNER_GET_ONLY),
            "CUSTOM",
            vec![rule_row(
                "apigw-authorizer-only-write-exposed",
                "internet",
                true,
            )],
        ),
    ];
    let owners_endpoint = execute_api_endpoint("vpce-0owner", "vpc-0owner", OWNER);
    assert_cases(table, "POST", Some(owners_endpoint));
}

/// Endpoint conditions resolve through the inventory: a request through an endpoint
/// carries the endpoint's VPC too, and a public API is never called through an endpoint.
#[test]
fn endpoint_conditions_resolve_through_the_inventory() {
    let via_partner_vpce_in_its_vpc = r#"{"Statement":[
        {"Sid":"ViaPartner","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}},
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0partner"}}}]}"#;
    let via_partner_vpce = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}]}"#;
    let partner = format!("accounts:[{PARTNER}]");
    let table: Vec<RuleCase> = vec![
        (
            "private: the partner's endpoint, in its VPC",
            "PRIVATE",
            Some(via_partner_vpce_in_its_vpc),
            "NONE",
            vec![rule_row(
                "apigw-unauthenticated-cross-account",
                &partner,
                true,
            )],
        ),
        (
            "guard: private: the partner's endpoint",
            "PRIVATE",
            Some(via_partner_vpce),
            "NONE",
            vec![rule_row(
                "apigw-unauthenticated-cross-account",
                &partner,
                true,
            )],
        ),
        (
            "regional: no request comes through an endpoint",
            "REGIONAL",
            Some(via_partner_vpce),
            "NONE",
            vec![],
        ),
        (
            "guard: edge: no request comes through an endpoint",
            "EDGE",
            Some(via_partner_vpce_in_its_vpc),
            "NONE",
            vec![],
        ),
    ];
    // The partner's endpoint, as an organization scan of both accounts records it.
    let partners_endpoint = execute_api_endpoint("vpce-0partner", "vpc-0partner", PARTNER);
    assert_cases(table, "POST", Some(partners_endpoint));
}

#[test]
fn escaped_and_plain_policies_give_the_same_verdict() {
    let escaped = OPEN_TO_EVERYONE.replace('"', "\\\"");
    let a = audit_rest(rest_api(
        "REGIONAL",
        Some(OPEN_TO_EVERYONE),
        &["prod"],
        only("/x", "POST", "AWS_IAM"),
    ));
    let b = audit_rest(rest_api(
        "REGIONAL",
        Some(&escaped),
        &["prod"],
        only("/x", "POST", "AWS_IAM"),
    ));
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(
        summary(&a),
        rows(&["apigw-write-any-aws-account prod POST /x any_aws_account"])
    );
}

#[test]
fn unparseable_policy_is_reported_not_ignored() {
    let api = rest_api(
        "REGIONAL",
        Some("{not json"),
        &["prod"],
        only("/x", "POST", "NONE"),
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&["apigw-policy-unparseable * * * internet"])
    );
    assert!(f[0].evidence.contains_key("parse_error"));
}

#[test]
fn undeployed_and_disabled_apis_are_unreachable_unless_a_domain_maps_them() {
    let undeployed = rest_api("REGIONAL", None, &[], only("/x", "POST", "NONE"));
    assert_eq!(audit_rest(undeployed), vec![]);

    let mut disabled = rest_api("REGIONAL", None, &["prod"], only("/x", "POST", "NONE"));
    disabled.disable_execute_api_endpoint = true;
    assert_eq!(audit_rest(disabled.clone()), vec![]);

    let mut t = target_with(vec![disabled], vec![]);
    t.custom_domains.push(CustomDomain {
        domain_name: "api.example.com".into(),
        mappings: vec![ApiMapping {
            api_id: "api1".into(),
            stage: "prod".into(),
            base_path: "".into(),
        }],
    });
    assert_eq!(
        summary(&audit(t)),
        rows(&["apigw-unauthenticated-write-internet prod POST /x internet"])
    );
}

#[test]
fn authorizers_guard_reads_but_writes_beyond_the_account_are_reported() {
    let api = rest_api(
        "REGIONAL",
        None,
        &["v1"],
        vec![(
            "/items",
            vec![
                method("GET", "CUSTOM"),
                method("POST", "CUSTOM"),
                method("PUT", "COGNITO_USER_POOLS"),
            ],
        )],
    );
    assert_eq!(
        summary(&audit_rest(api)),
        rows(&[
            "apigw-authorizer-only-write-exposed v1 POST /items internet",
            "apigw-authorizer-only-write-exposed v1 PUT /items internet"
        ])
    );
}

#[test]
fn cors_preflight_is_skipped() {
    let mut options = method("OPTIONS", "NONE");
    options.integration = Some(Integration {
        integration_type: Some("MOCK".into()),
        ..Default::default()
    });
    let api = rest_api("REGIONAL", None, &["v1"], vec![("/items", vec![options])]);
    assert_eq!(audit_rest(api), vec![]);
}

/// Every fix a REST method or HTTP route finding can carry names its own facts: no
/// placeholder of its rule's text is left unfilled.
#[test]
fn every_fix_fills_its_rules_placeholders() {
    let post = HttpRoute {
        id: "r1".into(),
        ..route("POST /orders", "NONE")
    };
    for id in RuleId::ALL {
        // Trust-path fixes take their facts from the roles a finding names: checked on
        // findings in `analysis::roles::tests`. A stage's drift is no method's: its fix is
        // checked with the stage (tests/served.rs).
        if matches!(
            id,
            RuleId::ApigwReadViaRoleAnyAccount
                | RuleId::ApigwReadViaWebIdentity
                | RuleId::ApigwWriteViaAssumableRole
                | RuleId::ApigwWriteViaRoleAnyAccount
                | RuleId::ApigwWriteViaRoleInOrganization
                | RuleId::ApigwWriteViaWebIdentity
                | RuleId::ApigwUndeployedChange
        ) {
            continue;
        }
        let entry_points = id.rule().entry_points;
        let mut fixes = vec![];
        // The never-matching principal note is per API, with its own facts (checked below).
        if entry_points.contains(&EntryPoint::ApiGatewayRest)
            && id != RuleId::ApigwPolicyPrincipalNeverMatches
        {
            fixes.push(rest_method_fix(id, "a1", "res1", "prod", "POST", "/orders"));
        }
        if entry_points.contains(&EntryPoint::ApiGatewayHttp) {
            fixes.push(http_route_fix(id, "h1", &post, "prod"));
        }
        for fix in fixes {
            assert!(placeholders(&fix).is_empty(), "{id}: {fix}");
        }
    }
    let fix = principal_never_matches_fix(
        "a1",
        &["arn:aws:iam::222222222222:role/*-task".into()],
        &["arn:aws:iam::222222222222:root".into()],
    );
    assert!(
        placeholders(&fix).is_empty() && fix.contains("--rest-api-id a1 "),
        "{fix}"
    );
    let fix = unparseable_policy_fix("a1");
    assert!(
        placeholders(&fix).is_empty() && fix.contains("--rest-api-id a1 "),
        "{fix}"
    );
}

#[test]
fn http_route_fix_deploys_to_the_stage_it_names() {
    let post = HttpRoute {
        id: "r1".into(),
        ..route("POST /orders", "NONE")
    };
    let api = |stages: &[&str]| http_api(vec![post.clone()], stages);
    let f = audit_http(api(&["prod"]));
    assert_eq!(f.len(), 1);
    assert!(
        f[0].remediation
            .contains("aws apigatewayv2 create-deployment --api-id h1 --stage-name prod)"),
        "{}",
        f[0].remediation
    );
    let f = audit_http(api(&["$default"]));
    assert!(
        f[0].remediation.contains("--stage-name '$default')"),
        "{}",
        f[0].remediation
    );
    let f = audit_http(api(&["prod", "test"]));
    assert!(
        f[0].remediation.contains("--stage-name STAGE)"),
        "{}",
        f[0].remediation
    );
}

#[test]
fn http_api_routes() {
    let api = http_api(
        vec![
            route("GET /a", "NONE"),
            route("POST /c", "AWS_IAM"),
            route("DELETE /d", "JWT"),
            route("$default", "NONE"),
            route("GET /e", "JWT"),
        ],
        &["$default"],
    );
    let f = audit_http(api);
    assert_eq!(
        summary(&f),
        rows(&[
            "apigw-authorizer-only-write-exposed $default DELETE /d internet",
            "apigw-unauthenticated-read-internet $default GET /a internet",
            "apigw-unauthenticated-write-internet $default ANY $default internet"
        ])
    );
    assert!(f
        .iter()
        .all(|x| x.entry_point == EntryPoint::ApiGatewayHttp));
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let build = || {
        audit_rest(rest_api(
            "REGIONAL",
            None,
            &["v1"],
            vec![("/a", vec![method("POST", "NONE"), method("GET", "NONE")])],
        ))
    };
    let (a, b) = (build(), build());
    assert_eq!(
        a.iter().map(|f| &f.fingerprint).collect::<Vec<_>>(),
        b.iter().map(|f| &f.fingerprint).collect::<Vec<_>>()
    );
    assert_ne!(a[0].fingerprint, a[1].fingerprint);
}

#[test]
fn findings_explain_themselves() {
    let f = audit_rest(rest_api(
        "REGIONAL",
        None,
        &["v1"],
        only("/a", "DELETE", "NONE"),
    ));
    let f = &f[0];
    for needle in [
        "DELETE /a",
        "api1",
        "111111111111/us-east-1",
        "stage v1",
        "anyone on the internet",
        "no authentication",
    ] {
        assert!(
            f.message.contains(needle),
            "message lacks {needle:?}: {}",
            f.message
        );
    }
    assert!(f.remediation.contains("AWS_IAM"), "{}", f.remediation);
}

/// Stages named by the policy when GetStages failed, read from the parsed document: real
/// AWS returns the policy with `\"` and `\/` escapes.
#[test]
fn candidate_stages_are_read_from_the_document() {
    let plain = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/prod/POST/*","arn:aws:execute-api:us-east-1:111111111111:api1/dev/GET/*","arn:aws:execute-api:*:*:*/beta/*","execute-api:/*/GET/*","arn:aws:execute-api:us-east-1:111111111111:api1/pro?/*"]}]}"#;
    let escaped = plain.replace('"', "\\\"");
    let escaped_slashes = escaped.replace('/', "\\/");
    let want = ["beta", "dev", "overexposed-unknown-stage", "prod"];
    for (name, text) in [
        ("plain", plain.to_string()),
        ("escaped quotes", escaped),
        ("escaped quotes and slashes", escaped_slashes),
    ] {
        let doc = policy::parse_policy(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(candidate_stages(Some(&doc)), want, "{name}: {text}");
    }
    assert_eq!(candidate_stages(None), ["overexposed-unknown-stage"]);
}

#[test]
fn unreadable_stages_with_a_real_escaped_policy() {
    // As real AWS returns it: `\"` and `\/` escapes; the grant names stage prod only.
    let shapes = [
        r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:\/prod\/POST\/*\"}]}"#,
        r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:api1\/prod\/POST\/*\"}]}"#,
        r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:*\/prod\/POST\/*\"}]}"#,
    ];
    for policy in shapes {
        let api = rest_api(
            "REGIONAL",
            Some(policy),
            &[],
            only("/items", "POST", "NONE"),
        );
        let mut t = target_with(vec![api], vec![]);
        deny_get_stages(&mut t);
        let f = audit(t);
        assert_eq!(
            summary(&f),
            rows(&["apigw-unauthenticated-write-internet * POST /items internet"]),
            "{policy}"
        );
        assert_eq!(f[0].confidence, Confidence::Medium);
    }
}

#[test]
fn grants_in_govcloud_and_china_name_their_own_partition() {
    // API Gateway stores `execute-api:/*` as a full ARN of the API's own partition: a
    // method ARN built as `arn:aws:` would match none of them and every Allow would be lost.
    for (region, partition) in [("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")] {
        let policy = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:{partition}:execute-api:{region}:111111111111:api1/*"}}]}}"#
        );
        let api = rest_api(
            "REGIONAL",
            Some(&policy),
            &["prod"],
            only("/orders", "POST", "NONE"),
        );
        let mut t = target_with(vec![api], vec![]);
        t.region = region.into();
        let f = audit(t);
        assert_eq!(
            summary(&f),
            rows(&["apigw-unauthenticated-write-internet prod POST /orders internet"]),
            "{region}"
        );
        assert!(
            f[0].resource_arn
                .starts_with(&format!("arn:{partition}:execute-api:{region}:")),
            "{}",
            f[0].resource_arn
        );
    }
}

#[test]
fn unreadable_stages_are_judged_as_deployed_at_medium_confidence() {
    // A grant scoped to one stage name: the unknown stages are probed with the names the
    // policy mentions, so the grant still shows.
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/POST/*"}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(policy),
        &[],
        vec![(
            "/items",
            vec![method("POST", "NONE"), method("GET", "NONE")],
        )],
    );
    // Undeployed and known to be: nothing to report.
    assert_eq!(audit_rest(api.clone()), vec![]);
    // Stages unreadable: judged as deployed, on "some stage".
    let mut t = target_with(vec![api], vec![]);
    deny_get_stages(&mut t);
    let f = audit(t);
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet * POST /items internet"])
    );
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert!(
        f[0].message.contains("stages could not be read"),
        "{}",
        f[0].message
    );
    // Read from the working copy itself: there is no other working copy to compare with.
    assert!(
        !f[0].evidence.contains_key("working_copy"),
        "{:?}",
        f[0].evidence
    );
}

/// A verdict the engine had to bound (more accounts named than it probes) is at medium
/// confidence, though no condition is left unevaluated.
#[test]
fn a_capped_policy_verdict_lowers_the_findings_confidence() {
    let ids: Vec<String> = (0..100)
        .map(|i| format!("\"{:012}\"", 500_000_000_000u64 + i))
        .collect();
    let many = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"execute-api:Invoke","Resource":"*"}}]}}"#,
        ids.join(",")
    );
    let f = audit_rest(rest_api(
        "REGIONAL",
        Some(&many),
        &["prod"],
        only("/items", "POST", "AWS_IAM"),
    ));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule_id.as_str(), "apigw-write-external-accounts");
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert!(!f[0].evidence.contains_key("unevaluated_conditions"));
}

/// A condition key the engine cannot evaluate keeps the reach and lowers the confidence of the
/// finding, which names the condition.
#[test]
fn an_unevaluated_condition_lowers_the_findings_confidence() {
    let tagged = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}"#;
    let f = audit_rest(rest_api(
        "REGIONAL",
        Some(tagged),
        &["prod"],
        only("/items", "POST", "NONE"),
    ));
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet prod POST /items internet"])
    );
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert_eq!(
        f[0].evidence["unevaluated_conditions"],
        json!(["condition aws:resourcetag/team"])
    );
}

/// An API whose GET /feed is open to anyone until 2027-03-01 (`DateLessThan aws:CurrentTime`).
fn expiring_api() -> RestApi {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"UntilLaunch","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}}]}"#;
    rest_api(
        "REGIONAL",
        Some(policy),
        &["prod"],
        only("/feed", "GET", "NONE"),
    )
}

fn inventory_started(started_at: &str, api: RestApi) -> Inventory {
    Inventory {
        started_at: started_at.into(),
        targets: vec![target_with(vec![api], vec![])],
        ..Default::default()
    }
}

#[test]
fn time_conditions_are_read_at_the_scan_start_and_name_the_change() {
    let inv = inventory_started("2026-12-01T10:00:00Z", expiring_api());
    let findings = crate::analysis::analyze(&inv);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule_id, RuleId::ApigwUnauthenticatedReadInternet);
    // Decided: no condition left unevaluated (the fixture has no deployment summary, which
    // alone makes the confidence medium).
    assert!(!f.evidence.contains_key("unevaluated_conditions"), "{f:#?}");
    assert!(
        f.message.contains(
            "this holds until 2027-03-01T00:00:00Z (from then on: only the owner account)"
        ),
        "{}",
        f.message
    );
    assert_eq!(
        f.evidence["reach_change"],
        json!({"at": "2027-03-01T00:00:00Z", "reach": "owner"})
    );
    // At another instant (`--at`): past the end, nobody gets in.
    let later = crate::policy::OffsetDateTime::parse(
        "2027-03-01T00:00:00Z",
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let opts = crate::analysis::AnalysisOptions {
        at: Some(later),
        ..Default::default()
    };
    assert!(crate::analysis::analyze_with(&inv, &opts).is_empty());
}

#[test]
fn an_unknown_scan_start_leaves_time_conditions_unknown() {
    // An older or hand-written snapshot without `started_at`: the grant is kept, at medium
    // confidence, and no change is claimed.
    let findings = crate::analysis::analyze(&inventory_started("", expiring_api()));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].confidence, Confidence::Medium);
    assert_eq!(
        findings[0].evidence["unevaluated_conditions"],
        json!(["condition aws:currenttime"])
    );
    assert!(!findings[0].evidence.contains_key("reach_change"));
}

#[test]
fn a_principal_arn_with_a_wildcard_is_a_note_never_a_grant() {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"TaskRoles","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:role/*-api-task-role"}},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}}]}}"#
    );
    let findings = audit_rest(rest_api(
        "REGIONAL",
        Some(&policy),
        &["prod"],
        only("/orders", "POST", "AWS_IAM"),
    ));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule_id, RuleId::ApigwPolicyPrincipalNeverMatches);
    assert_eq!(f.reach, "owner");
    assert!(f.message.contains("statement TaskRoles grants nothing through arn:aws:iam::222222222222:role/*-api-task-role"), "{}", f.message);
    assert!(
        f.remediation.contains("--rest-api-id api1"),
        "{}",
        f.remediation
    );
    assert!(
        f.remediation.contains("arn:aws:iam::222222222222:root"),
        "{}",
        f.remediation
    );
    assert!(placeholders(&f.remediation).is_empty(), "{}", f.remediation);
}

mod served;
mod websocket;

/// An organization of `accounts` accounts in two regions, each with an open API (whose findings
/// name their account), listed out of order.
fn open_organization(accounts: usize) -> Inventory {
    let mut targets = Vec::new();
    for a in (0..accounts).rev() {
        for region in ["us-west-2", "eu-west-1"] {
            let api = rest_api(
                "REGIONAL",
                None,
                &["v1"],
                vec![(
                    "/items",
                    vec![method("GET", "NONE"), method("POST", "NONE")],
                )],
            );
            targets.push(Target {
                account_id: format!("{:012}", 100_000_000_000u64 + a as u64),
                region: region.into(),
                rest_apis: vec![api],
                ..Default::default()
            });
        }
    }
    Inventory {
        targets,
        ..Default::default()
    }
}

#[test]
fn groups_analysed_on_worker_threads_come_in_report_order() {
    let inv = open_organization(40);
    let analysis = crate::analysis::Analysis::new(&inv, &Default::default());
    let one_by_one: Vec<Vec<Finding>> = analysis.groups().collect();
    assert_eq!(one_by_one.len(), 80);
    for threads in [1, 2, 3] {
        let mut handed = Vec::new();
        analysis
            .for_each_group(threads, |g| {
                handed.push(g);
                Ok::<(), ()>(())
            })
            .unwrap();
        let key = |g: &Vec<Finding>| (g[0].account_id.clone(), g[0].region.clone());
        assert_eq!(
            handed.iter().map(key).collect::<Vec<_>>(),
            one_by_one.iter().map(key).collect::<Vec<_>>(),
            "{threads} threads"
        );
        let fingerprints = |gs: &[Vec<Finding>]| -> Vec<String> {
            gs.iter().flatten().map(|f| f.fingerprint.clone()).collect()
        };
        assert_eq!(fingerprints(&handed), fingerprints(&one_by_one));
    }
}

#[test]
fn a_writer_error_stops_the_workers_and_is_returned() {
    let inv = open_organization(40);
    let analysis = crate::analysis::Analysis::new(&inv, &Default::default());
    let mut handed = 0;
    let result = analysis.for_each_group(2, |_| {
        handed += 1;
        if handed == 3 {
            Err("disk full")
        } else {
            Ok(())
        }
    });
    assert_eq!(result, Err("disk full"));
    assert_eq!(handed, 3, "no group is handed over after the error");
}
