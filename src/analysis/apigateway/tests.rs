//! Verdicts from hand-built inventory snapshots: no network, one estate per case.

use super::stages::candidate_stages;
use crate::inventory::{
    ApiMapping, ApiResource, CustomDomain, HttpApi, HttpRoute, Integration, Inventory, RestApi,
    RestMethod, Target, VpcEndpoint,
};
use crate::model::{EntryPoint, Finding};
use crate::policy;
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
        stages: stages
            .iter()
            .map(|s| crate::inventory::Stage {
                name: s.to_string(),
                ..Default::default()
            })
            .collect(),
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
    t.errors.push(crate::inventory::ScanError {
        operation: "apigateway:GetStages".into(),
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

/// (rule, stage, method, path, reach) of every finding, sorted.
fn summary(findings: &[Finding]) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
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

fn row(
    rule: &str,
    stage: &str,
    method: &str,
    path: &str,
    reach: &str,
) -> (String, String, String, String, String) {
    (
        rule.into(),
        stage.into(),
        method.into(),
        path.into(),
        reach.into(),
    )
}

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
    assert_eq!(audit(target_with(vec![api], vec![])), vec![]);
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
    let f = audit(target_with(vec![api], vec![]));
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
    let f = audit(target_with(vec![api], vec![]));
    assert_eq!(
        summary(&f),
        vec![
            row(
                "apigw-unauthenticated-read-internet",
                "v1",
                "GET",
                "/items",
                "internet"
            ),
            row(
                "apigw-unauthenticated-read-internet",
                "v1",
                "GET",
                "/keyed",
                "internet"
            ),
            row(
                "apigw-unauthenticated-write-internet",
                "v1",
                "POST",
                "/items",
                "internet"
            ),
        ]
    );
    let keyed = f.iter().find(|x| x.path == "/keyed").unwrap();
    assert_eq!(keyed.auth, "api_key_only");
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
        summary(&audit(target_with(vec![api], vec![]))),
        vec![
            row(
                "apigw-read-any-aws-account",
                "prod",
                "GET",
                "/orders/{id}",
                "any_aws_account"
            ),
            row(
                "apigw-unauthenticated-read-internet",
                "prod",
                "GET",
                "/health",
                "internet"
            ),
            row(
                "apigw-write-any-aws-account",
                "prod",
                "DELETE",
                "/orders/{id}",
                "any_aws_account"
            ),
        ]
    );
}

#[test]
fn write_granted_to_a_named_partner_is_reported_with_the_account() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(policy),
        &["prod"],
        vec![("/admin/{proxy+}", vec![method("ANY", "AWS_IAM")])],
    );
    let f = audit(target_with(vec![api], vec![]));
    assert_eq!(
        summary(&f),
        vec![row(
            "apigw-write-external-accounts",
            "prod",
            "ANY",
            "/admin/{proxy+}",
            &format!("accounts:[{PARTNER}]")
        )]
    );
    assert!(f[0].write);
}

#[test]
fn private_api_open_to_any_vpc_endpoint_is_cross_account() {
    let open = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let api = rest_api(
        "PRIVATE",
        Some(open),
        &["prod"],
        vec![("/items", vec![method("GET", "NONE")])],
    );
    assert_eq!(
        summary(&audit(target_with(vec![api], vec![]))),
        vec![row(
            "apigw-unauthenticated-cross-account",
            "prod",
            "GET",
            "/items",
            "any_aws_account"
        ),]
    );
}

#[test]
fn private_api_pinned_to_the_owners_endpoint_is_clean() {
    let pinned = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0owner"}}}]}"#;
    let api = rest_api(
        "PRIVATE",
        Some(pinned),
        &["prod"],
        vec![("/items", vec![method("POST", "NONE")])],
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
        vec![("/items", vec![method("POST", "NONE")])],
    );
    assert_eq!(
        summary(&audit(target_with(vec![api], vec![]))),
        vec![row(
            "apigw-unauthenticated-write-internet",
            "dev",
            "POST",
            "/items",
            "internet"
        ),]
    );
}

#[test]
fn identical_verdicts_on_every_stage_collapse_to_star() {
    let api = rest_api(
        "REGIONAL",
        None,
        &["dev", "prod"],
        vec![("/items", vec![method("POST", "NONE")])],
    );
    assert_eq!(
        summary(&audit(target_with(vec![api], vec![]))),
        vec![row(
            "apigw-unauthenticated-write-internet",
            "*",
            "POST",
            "/items",
            "internet"
        ),]
    );
}

#[test]
fn ip_allow_list_is_not_authentication() {
    let ip = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let api = rest_api(
        "REGIONAL",
        Some(ip),
        &["prod"],
        vec![("/items", vec![method("POST", "NONE")])],
    );
    let f = audit(target_with(vec![api], vec![]));
    assert_eq!(
        summary(&f),
        vec![row(
            "apigw-unauthenticated-ip-allowlisted",
            "prod",
            "POST",
            "/items",
            "internet_ip_restricted:[203.0.113.0/24]"
        ),]
    );
}

/// (name, endpoint type, policy, authorization type, expected `rules_of`).
type AnyCase<'a> = (
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
        .map(|f| (f.rule_id.clone(), f.reach.clone(), f.write))
        .collect();
    v.sort();
    v
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
    let everyone = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let reads_only = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"}]}"#;
    let r = |rule: &str, reach: &str, write: bool| (rule.to_string(), reach.to_string(), write);
    // (name, endpoint, policy, auth, expected (rule, reach, write))
    let table: Vec<AnyCase> = vec![
        (
            "iam: reads for any account, writes for a partner",
            "REGIONAL",
            Some(reads_anyone_writes_partner),
            "AWS_IAM",
            vec![
                r("apigw-read-any-aws-account", "any_aws_account", false),
                r(
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
                r("apigw-read-any-aws-account", "any_aws_account", false),
                r("apigw-write-organization", "organization:o-abc", true),
            ],
        ),
        (
            "none: public reads, allow-listed writes",
            "REGIONAL",
            Some(split),
            "NONE",
            vec![
                r(
                    "apigw-unauthenticated-ip-allowlisted",
                    "internet_ip_restricted:[203.0.113.0/24]",
                    true,
                ),
                r("apigw-unauthenticated-read-internet", "internet", false),
            ],
        ),
        (
            "none: public reads only",
            "REGIONAL",
            Some(reads_only),
            "NONE",
            vec![r("apigw-unauthenticated-read-internet", "internet", false)],
        ),
        // The write rule at the same reach says all the read rule would.
        (
            "none: no policy, one write finding",
            "REGIONAL",
            None,
            "NONE",
            vec![r("apigw-unauthenticated-write-internet", "internet", true)],
        ),
        (
            "iam: principal star, one write finding",
            "REGIONAL",
            Some(everyone),
            "AWS_IAM",
            vec![r("apigw-write-any-aws-account", "any_aws_account", true)],
        ),
        (
            "none, private: one cross-account finding for every verb",
            "PRIVATE",
            Some(everyone),
            "NONE",
            vec![r(
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
            vec![r("apigw-authorizer-only-write-exposed", "internet", true)],
        ),
    ];
    let mut failures = Vec::new();
    for (name, endpoint, policy, auth, want) in table {
        let api = rest_api(
            endpoint,
            policy,
            &["prod"],
            vec![("/items", vec![method("ANY", auth)])],
        );
        let got = rules_of(&audit(target_with(vec![api], vec![])));
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Each finding says which verbs it is about.
    let api = rest_api(
        "REGIONAL",
        Some(split),
        &["prod"],
        vec![("/items", vec![method("ANY", "NONE")])],
    );
    let f = audit(target_with(vec![api], vec![]));
    let msg = |rule: &str| {
        f.iter()
            .find(|x| x.rule_id == rule)
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
        vec![("/items", vec![method("ANY", "AWS_IAM")])],
    );
    let f = audit(target_with(vec![api], vec![]));
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

/// A private API is reachable only through what its resource policy allows: an authorizer
/// does not stand in for the policy's Allow. Public APIs with an authorizer still need no Allow.
#[test]
fn private_apis_need_the_policys_allow_even_behind_an_authorizer() {
    let deletes_denied = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}"#;
    let everyone = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let owner_pinned = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0owner"}}}]}"#;
    // (name, endpoint, policy, auth, expected (rule, reach, write))
    let table: Vec<AnyCase> = vec![
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
            Some(owner_pinned),
            "CUSTOM",
            vec![],
        ),
        (
            "guard: private, lambda, open policy",
            "PRIVATE",
            Some(everyone),
            "CUSTOM",
            vec![(
                "apigw-authorizer-only-write-exposed".into(),
                "any_aws_account".into(),
                true,
            )],
        ),
        (
            "guard: regional, lambda, policy grants only the partner's GETs",
            "REGIONAL",
            Some(PARTNER_GET_ONLY),
            "CUSTOM",
            vec![(
                "apigw-authorizer-only-write-exposed".into(),
                "internet".into(),
                true,
            )],
        ),
    ];
    let mut failures = Vec::new();
    for (name, endpoint, policy, auth, want) in table {
        let api = rest_api(
            endpoint,
            policy,
            &["prod"],
            vec![("/items", vec![method("POST", auth)])],
        );
        let mut t = target_with(vec![api], vec![]);
        t.network
            .vpc_endpoints
            .push(execute_api_endpoint("vpce-0owner", "vpc-0owner", OWNER));
        let got = rules_of(&audit(t));
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
    // (name, endpoint type, policy, expected (rule, reach, write))
    let table = vec![
        (
            "private: the partner's endpoint, in its VPC",
            "PRIVATE",
            via_partner_vpce_in_its_vpc,
            vec![(
                "apigw-unauthenticated-cross-account".to_string(),
                partner.clone(),
                true,
            )],
        ),
        (
            "guard: private: the partner's endpoint",
            "PRIVATE",
            via_partner_vpce,
            vec![(
                "apigw-unauthenticated-cross-account".to_string(),
                partner.clone(),
                true,
            )],
        ),
        (
            "regional: no request comes through an endpoint",
            "REGIONAL",
            via_partner_vpce,
            vec![],
        ),
        (
            "guard: edge: no request comes through an endpoint",
            "EDGE",
            via_partner_vpce_in_its_vpc,
            vec![],
        ),
    ];
    let mut failures = Vec::new();
    for (name, endpoint, policy, want) in table {
        let api = rest_api(
            endpoint,
            Some(policy),
            &["prod"],
            vec![("/items", vec![method("POST", "NONE")])],
        );
        let mut t = target_with(vec![api], vec![]);
        // The partner's endpoint, as an organization scan of both accounts records it.
        t.network.vpc_endpoints.push(execute_api_endpoint(
            "vpce-0partner",
            "vpc-0partner",
            PARTNER,
        ));
        let got = rules_of(&audit(t));
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn escaped_and_plain_policies_give_the_same_verdict() {
    let plain = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let escaped = plain.replace('"', "\\\"");
    let a = audit(target_with(
        vec![rest_api(
            "REGIONAL",
            Some(plain),
            &["prod"],
            vec![("/x", vec![method("POST", "AWS_IAM")])],
        )],
        vec![],
    ));
    let b = audit(target_with(
        vec![rest_api(
            "REGIONAL",
            Some(&escaped),
            &["prod"],
            vec![("/x", vec![method("POST", "AWS_IAM")])],
        )],
        vec![],
    ));
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(
        summary(&a),
        vec![row(
            "apigw-write-any-aws-account",
            "prod",
            "POST",
            "/x",
            "any_aws_account"
        )]
    );
}

#[test]
fn unparseable_policy_is_reported_not_ignored() {
    let api = rest_api(
        "REGIONAL",
        Some("{not json"),
        &["prod"],
        vec![("/x", vec![method("POST", "NONE")])],
    );
    let f = audit(target_with(vec![api], vec![]));
    assert_eq!(
        summary(&f),
        vec![row("apigw-policy-unparseable", "*", "*", "*", "internet")]
    );
    assert!(f[0].evidence.contains_key("parse_error"));
}

#[test]
fn undeployed_and_disabled_apis_are_unreachable_unless_a_domain_maps_them() {
    let undeployed = rest_api(
        "REGIONAL",
        None,
        &[],
        vec![("/x", vec![method("POST", "NONE")])],
    );
    assert_eq!(audit(target_with(vec![undeployed], vec![])), vec![]);

    let mut disabled = rest_api(
        "REGIONAL",
        None,
        &["prod"],
        vec![("/x", vec![method("POST", "NONE")])],
    );
    disabled.disable_execute_api_endpoint = true;
    assert_eq!(audit(target_with(vec![disabled.clone()], vec![])), vec![]);

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
        vec![row(
            "apigw-unauthenticated-write-internet",
            "prod",
            "POST",
            "/x",
            "internet"
        )]
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
        summary(&audit(target_with(vec![api], vec![]))),
        vec![
            row(
                "apigw-authorizer-only-write-exposed",
                "v1",
                "POST",
                "/items",
                "internet"
            ),
            row(
                "apigw-authorizer-only-write-exposed",
                "v1",
                "PUT",
                "/items",
                "internet"
            ),
        ]
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
    assert_eq!(audit(target_with(vec![api], vec![])), vec![]);
}

#[test]
fn http_route_fix_deploys_to_the_stage_it_names() {
    let api = |stages: &[&str]| HttpApi {
        id: "h1".into(),
        name: "orders-v2".into(),
        protocol_type: "HTTP".into(),
        routes: vec![HttpRoute {
            id: "r1".into(),
            route_key: "POST /orders".into(),
            authorization_type: "NONE".into(),
            ..Default::default()
        }],
        stages: stages
            .iter()
            .map(|name| crate::inventory::Stage {
                name: name.to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let f = audit(target_with(vec![], vec![api(&["prod"])]));
    assert_eq!(f.len(), 1);
    assert!(
        f[0].remediation
            .contains("aws apigatewayv2 create-deployment --api-id h1 --stage-name prod)"),
        "{}",
        f[0].remediation
    );
    let f = audit(target_with(vec![], vec![api(&["$default"])]));
    assert!(
        f[0].remediation.contains("--stage-name '$default')"),
        "{}",
        f[0].remediation
    );
    let f = audit(target_with(vec![], vec![api(&["prod", "test"])]));
    assert!(
        f[0].remediation.contains("--stage-name STAGE)"),
        "{}",
        f[0].remediation
    );
}

#[test]
fn http_api_routes() {
    let route = |key: &str, auth: &str| HttpRoute {
        id: key.into(),
        route_key: key.into(),
        authorization_type: auth.into(),
        ..Default::default()
    };
    let api = HttpApi {
        id: "h1".into(),
        name: "orders-v2".into(),
        protocol_type: "HTTP".into(),
        routes: vec![
            route("GET /a", "NONE"),
            route("POST /c", "AWS_IAM"),
            route("DELETE /d", "JWT"),
            route("$default", "NONE"),
            route("GET /e", "JWT"),
        ],
        stages: vec![crate::inventory::Stage {
            name: "$default".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let f = audit(target_with(vec![], vec![api]));
    assert_eq!(
        summary(&f),
        vec![
            row(
                "apigw-authorizer-only-write-exposed",
                "$default",
                "DELETE",
                "/d",
                "internet"
            ),
            row(
                "apigw-unauthenticated-read-internet",
                "$default",
                "GET",
                "/a",
                "internet"
            ),
            row(
                "apigw-unauthenticated-write-internet",
                "$default",
                "ANY",
                "$default",
                "internet"
            ),
        ]
    );
    assert!(f
        .iter()
        .all(|x| x.entry_point == EntryPoint::ApiGatewayHttp));
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let build = || {
        audit(target_with(
            vec![rest_api(
                "REGIONAL",
                None,
                &["v1"],
                vec![("/a", vec![method("POST", "NONE"), method("GET", "NONE")])],
            )],
            vec![],
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
    let f = audit(target_with(
        vec![rest_api(
            "REGIONAL",
            None,
            &["v1"],
            vec![("/a", vec![method("DELETE", "NONE")])],
        )],
        vec![],
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
            vec![("/items", vec![method("POST", "NONE")])],
        );
        let mut t = target_with(vec![api], vec![]);
        deny_get_stages(&mut t);
        let f = audit(t);
        assert_eq!(
            summary(&f),
            vec![row(
                "apigw-unauthenticated-write-internet",
                "*",
                "POST",
                "/items",
                "internet"
            )],
            "{policy}"
        );
        assert_eq!(f[0].confidence, "medium");
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
            vec![("/orders", vec![method("POST", "NONE")])],
        );
        let mut t = target_with(vec![api], vec![]);
        t.region = region.into();
        let f = audit(t);
        assert_eq!(
            summary(&f),
            vec![row(
                "apigw-unauthenticated-write-internet",
                "prod",
                "POST",
                "/orders",
                "internet"
            )],
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
    assert_eq!(audit(target_with(vec![api.clone()], vec![])), vec![]);
    // Stages unreadable: judged as deployed, on "some stage".
    let mut t = target_with(vec![api], vec![]);
    deny_get_stages(&mut t);
    let f = audit(t);
    assert_eq!(
        summary(&f),
        vec![row(
            "apigw-unauthenticated-write-internet",
            "*",
            "POST",
            "/items",
            "internet"
        )]
    );
    assert_eq!(f[0].confidence, "medium");
    assert!(
        f[0].message.contains("stages could not be read"),
        "{}",
        f[0].message
    );
}
