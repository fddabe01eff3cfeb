//! Trust paths from hand-built snapshots: who can become a role, through which chain, and the
//! findings on the methods and routes the role can call (the issue's cases, offline).

use crate::analysis::{analyze_with, AnalysisOptions};
use crate::inventory::{
    ApiResource, HttpApi, HttpRoute, IamAccount, IamRole, InlinePolicy, Inventory, ManagedPolicy,
    RestApi, RestMethod, ScanScope, Stage, Target, TargetStatus,
};
use crate::model::{Confidence, Finding, Reach, Severity};
use crate::rules::{placeholders, RuleId};
use std::collections::BTreeSet;

const OWNER: &str = "111111111111";
const PARTNER: &str = "345678901234";
const SISTER: &str = "222222222222";

fn policy(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn trusts(principal: &str) -> String {
    policy(&[&format!(
        r#"{{"Sid":"Trust","Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}"#
    )])
}

const INVOKE_ALL: &str = r#"{"Sid":"InvokeAll","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/*"}"#;

fn role(name: &str, trust: &str, inline: &[&str]) -> IamRole {
    IamRole {
        arn: format!("arn:aws:iam::{OWNER}:role/{name}"),
        name: name.into(),
        trust_policy: trust.into(),
        inline_policies: if inline.is_empty() {
            vec![]
        } else {
            vec![InlinePolicy {
                name: "access".into(),
                document: policy(inline),
            }]
        },
        ..Default::default()
    }
}

fn iam(roles: Vec<IamRole>) -> IamAccount {
    IamAccount {
        account_id: OWNER.into(),
        roles,
        ..Default::default()
    }
}

fn method(verb: &str) -> RestMethod {
    RestMethod {
        http_method: verb.into(),
        authorization_type: "AWS_IAM".into(),
        ..Default::default()
    }
}

/// REST API `api1` (GET and POST /orders, ANY /admin/{proxy+}, all AWS_IAM) and HTTP API `h1`
/// (`POST /jobs` with AWS_IAM), both on stage prod.
fn target(policy: Option<String>) -> Target {
    Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        rest_apis: vec![RestApi {
            id: "api1".into(),
            name: "orders".into(),
            endpoint_types: vec!["REGIONAL".into()],
            policy,
            resources: vec![
                ApiResource {
                    id: "r1".into(),
                    path: "/orders".into(),
                    methods: vec![method("GET"), method("POST")],
                },
                ApiResource {
                    id: "r2".into(),
                    path: "/admin/{proxy+}".into(),
                    methods: vec![method("ANY")],
                },
            ],
            stages: vec![Stage {
                name: "prod".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        http_apis: vec![HttpApi {
            id: "h1".into(),
            name: "jobs".into(),
            protocol_type: "HTTP".into(),
            routes: vec![HttpRoute {
                id: "rt1".into(),
                route_key: "POST /jobs".into(),
                authorization_type: "AWS_IAM".into(),
                ..Default::default()
            }],
            stages: vec![Stage {
                name: "$default".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn estate(iam: Vec<IamAccount>, policy: Option<String>) -> Inventory {
    Inventory {
        targets: vec![target(policy)],
        iam,
        scope: ScanScope {
            iam: true,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The findings when the owner's account holds `roles` and the API has no resource policy.
fn audit_roles(roles: Vec<IamRole>) -> Vec<Finding> {
    audit(&estate(vec![iam(roles)], None))
}

fn audit(inv: &Inventory) -> Vec<Finding> {
    analyze_with(inv, &AnalysisOptions::default())
}

/// (rule, api, method, path, reach) of every trust-path finding, sorted.
fn rows(findings: &[Finding]) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .filter(|f| matches!(f.reach_detail, Reach::ViaRole { .. }))
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.api_id.clone().unwrap_or_default(),
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
    api: &str,
    method: &str,
    path: &str,
    reach: &str,
) -> (String, String, String, String, String) {
    (
        rule.into(),
        api.into(),
        method.into(),
        path.into(),
        reach.into(),
    )
}

/// Every write of both APIs, under one rule and reach.
fn every_write(rule: &str, reach: &str) -> Vec<(String, String, String, String, String)> {
    vec![
        row(rule, "api1", "ANY", "/admin/{proxy+}", reach),
        row(rule, "api1", "POST", "/orders", reach),
        row(rule, "h1", "POST", "/jobs", reach),
    ]
}

/// [`every_write`] and the one read the role's invoke grant reaches (GET /orders), sorted.
fn every_write_and_the_read(
    write_rule: &str,
    read_rule: &str,
    reach: &str,
) -> Vec<(String, String, String, String, String)> {
    let mut rows = every_write(write_rule, reach);
    rows.push(row(read_rule, "api1", "GET", "/orders", reach));
    rows.sort();
    rows
}

/// The finding on POST /orders.
fn post_orders(findings: &[Finding]) -> &Finding {
    findings
        .iter()
        .find(|f| f.method == "POST" && f.path == "/orders")
        .unwrap()
}

#[test]
fn a_partner_trusted_role_with_write_permission_is_a_finding_on_every_write() {
    let bridge = role(
        "partner-bridge",
        &trusts(r#"{"AWS":"arn:aws:iam::345678901234:root"}"#),
        &[INVOKE_ALL],
    );
    let findings = audit_roles(vec![bridge]);
    let reach = "accounts:[345678901234] via role/partner-bridge";
    assert_eq!(
        rows(&findings),
        every_write("apigw-write-via-assumable-role", reach)
    );
    let post = findings
        .iter()
        .find(|f| f.method == "POST" && f.api_id.as_deref() == Some("api1"))
        .unwrap();
    assert_eq!(post.severity, Severity::High);
    assert_eq!(post.stage.as_deref(), Some("prod"));
    assert_eq!(post.auth, crate::model::Auth::AwsIam);
    assert!(post.write);
    let Reach::ViaRole { through, roles } = &post.reach_detail else {
        panic!("{:?}", post.reach_detail)
    };
    assert_eq!(
        **through,
        Reach::Accounts {
            accounts: vec![PARTNER.into()]
        }
    );
    assert_eq!(
        roles[0].chain,
        ["arn:aws:iam::111111111111:role/partner-bridge"]
    );
    assert_eq!(roles[0].trusted, [PARTNER]);
    assert_eq!(roles[0].trust_statement, "Trust");
    assert_eq!(roles[0].permission_statements, ["inline:access/InvokeAll"]);
    for words in [
        "role/partner-bridge",
        "inline:access/InvokeAll",
        "SCPs not considered",
    ] {
        assert!(post.message.contains(words), "{words}: {}", post.message);
    }
    assert!(
        post.remediation.contains("aws iam put-role-policy --role-name partner-bridge --policy-name access --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:api1/prod/GET/*\"}]}'"),
        "{}",
        post.remediation
    );
    assert_eq!(
        post.evidence["scp_note"]
            .as_str()
            .map(|s| s.starts_with("SCPs not considered")),
        Some(true)
    );
    assert_eq!(post.confidence, Confidence::High);
}

#[test]
fn a_grant_in_the_apis_resource_policy_is_fixed_in_that_policy() {
    // Same account, AWS_IAM: the resource policy's Allow of the role suffices (API Gateway's
    // authorization workflow), so the fix is in the resource policy, not in the role.
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[],
    );
    let grant = policy(&[
        r#"{"Sid":"Bridge","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/partner-bridge"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
    ]);
    let findings = audit(&estate(vec![iam(vec![bridge])], Some(grant)));
    let post = post_orders(&findings);
    let Reach::ViaRole { roles, .. } = &post.reach_detail else {
        panic!("{:?}", post.reach_detail)
    };
    assert_eq!(roles[0].permission_statements, ["resource-policy/Bridge"]);
    assert!(
        post.remediation.contains(
            "in the resource policy of API api1, stop granting execute-api:Invoke on POST /orders"
        ),
        "{}",
        post.remediation
    );
    assert!(
        !post.remediation.contains("create-policy-version"),
        "{}",
        post.remediation
    );
}

#[test]
fn the_same_trust_path_on_every_stage_is_one_finding_on_every_stage() {
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[INVOKE_ALL],
    );
    let mut inv = estate(vec![iam(vec![bridge])], None);
    inv.targets[0].rest_apis[0].stages.push(Stage {
        name: "dev".into(),
        ..Default::default()
    });
    let findings = audit(&inv);
    let posts: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.method == "POST" && f.path == "/orders")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(posts[0].stage.as_deref(), Some("*"));
}

#[test]
fn read_only_or_another_apis_permission_is_no_finding() {
    let reads = role(
        "partner-reader",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        // Stage named: `api1/*/GET/*` would also match `POST /admin/x/GET/y` (a `*` spans `/`).
        &[
            r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:us-east-1:111111111111:api1/prod/GET/*","arn:aws:execute-api:us-east-1:111111111111:h1/$default/GET/*"]}"#,
        ],
    );
    let other = role(
        "other-api",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[
            r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:zzz999/*"}"#,
        ],
    );
    assert_eq!(rows(&audit_roles(vec![reads, other])), []);
}

#[test]
fn a_chain_of_two_roles_is_followed_and_reported() {
    // The partner may assume `entry`, which may assume `invoker` (trusted by the owner
    // account, so `entry`'s own policy must allow it), which may call the APIs.
    let entry = role(
        "entry",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[
            r#"{"Sid":"Hop","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/invoker"}"#,
        ],
    );
    let invoker = role(
        "invoker",
        &trusts(&format!(r#"{{"AWS":"{OWNER}"}}"#)),
        &[INVOKE_ALL],
    );
    let findings = audit_roles(vec![entry.clone(), invoker]);
    let reach = "accounts:[345678901234] via role/entry->role/invoker";
    assert_eq!(
        rows(&findings),
        every_write("apigw-write-via-assumable-role", reach)
    );
    assert!(
        findings[0].message.contains("inline:access/Hop"),
        "{}",
        findings[0].message
    );
    // Without the hop's permission, a trust naming only the account lets no one through.
    let stuck = role("entry", &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)), &[]);
    let invoker = role(
        "invoker",
        &trusts(&format!(r#"{{"AWS":"{OWNER}"}}"#)),
        &[INVOKE_ALL],
    );
    assert_eq!(
        rows(&audit(&estate(
            vec![iam(vec![stuck.clone(), invoker])],
            None
        ))),
        []
    );
    // A trust naming the role itself needs no permission of its own within one account.
    let by_name = role(
        "invoker",
        &trusts(r#"{"AWS":"arn:aws:iam::111111111111:role/entry"}"#),
        &[INVOKE_ALL],
    );
    assert_eq!(
        rows(&audit_roles(vec![stuck, by_name])),
        every_write("apigw-write-via-assumable-role", reach)
    );
}

#[test]
fn every_class_of_outsider_that_reaches_a_role_through_a_chain_is_kept() {
    // Two entry roles, trusted by two different outside accounts, may both assume `invoker`:
    // whoever of either account becomes it, so both must be named (one chain per class of who).
    const THIRD: &str = "444455556666";
    let hop = r#"{"Sid":"Hop","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/invoker"}"#;
    let entry_a = role(
        "entry-a",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[hop],
    );
    let entry_b = role(
        "entry-b",
        &trusts(&format!(r#"{{"AWS":"{THIRD}"}}"#)),
        &[hop],
    );
    let invoker = role(
        "invoker",
        &trusts(&format!(r#"{{"AWS":"{OWNER}"}}"#)),
        &[INVOKE_ALL],
    );
    let findings = audit_roles(vec![entry_a, entry_b, invoker]);
    let reaches: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.method == "POST" && f.path == "/orders")
        .map(|f| f.reach.clone())
        .collect();
    for account in [PARTNER, THIRD] {
        assert!(
            reaches.iter().any(|r| r.contains(account)),
            "{account} missing from {reaches:?}"
        );
    }
}

#[test]
fn principal_star_is_any_account_unless_narrowed_to_an_organization() {
    let anyone = role("open", &trusts(r#"{"AWS":"*"}"#), &[INVOKE_ALL]);
    let findings = audit_roles(vec![anyone]);
    let reach = "any_aws_account via role/open";
    assert_eq!(
        rows(&findings),
        every_write_and_the_read(
            "apigw-write-via-role-any-account",
            "apigw-read-via-role-any-account",
            reach
        )
    );
    let any = findings.iter().find(|f| f.method == "ANY").unwrap();
    assert_eq!(any.severity, Severity::Critical);
    // The ANY method's reads are folded into its write finding.
    assert!(
        any.message.contains("GET, HEAD, OPTIONS, POST"),
        "{}",
        any.message
    );
    assert!(
        any.remediation
            .contains("aws iam update-assume-role-policy --role-name open"),
        "{}",
        any.remediation
    );

    let org_trust = policy(&[
        r#"{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#,
    ]);
    let org = role("org-wide", &org_trust, &[INVOKE_ALL]);
    // An organization the scan does not know as its own: outside.
    let inv = estate(vec![iam(vec![org])], None);
    assert_eq!(
        rows(&audit(&inv)),
        every_write(
            "apigw-write-via-assumable-role",
            "organization:o-abc123 via role/org-wide"
        )
    );
    // The scanned organization: inside, at low severity.
    let mut own = inv.clone();
    own.scope.organization_id = Some("o-abc123".into());
    let findings = audit(&own);
    assert_eq!(
        rows(&findings),
        every_write(
            "apigw-write-via-role-in-organization",
            "organization:o-abc123 via role/org-wide"
        )
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Low));
}

#[test]
fn an_external_id_does_not_narrow_any_account() {
    let anyone = role(
        "vendor",
        &policy(&[
            r#"{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"}}}"#,
        ]),
        &[INVOKE_ALL],
    );
    let findings = audit_roles(vec![anyone]);
    let post = post_orders(&findings);
    assert_eq!(post.rule_id, RuleId::ApigwWriteViaRoleAnyAccount);
    assert_eq!(post.confidence, Confidence::High);
    assert!(
        post.message.contains("sts:externalid does not narrow who"),
        "{}",
        post.message
    );
}

fn github(condition: &str) -> String {
    policy(&[&format!(
        r#"{{"Sid":"GitHub","Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}{condition}}}}}"#
    )])
}

#[test]
fn a_web_identity_without_a_subject_is_anyone_on_the_internet() {
    let open = role("deploy", &github(""), &[INVOKE_ALL]);
    let findings = audit_roles(vec![open]);
    let reach = "internet via role/deploy";
    assert_eq!(
        rows(&findings),
        every_write_and_the_read(
            "apigw-write-via-web-identity",
            "apigw-read-via-web-identity",
            reach
        )
    );
    let post = post_orders(&findings);
    assert_eq!(post.severity, Severity::Critical);
    assert!(
        post.remediation
            .contains("token.actions.githubusercontent.com:sub"),
        "{}",
        post.remediation
    );
    // A pinned subject is the owner's chosen workload.
    let pinned = role(
        "deploy",
        &github(
            r#","StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/infra:*"}"#,
        ),
        &[INVOKE_ALL],
    );
    assert_eq!(rows(&audit_roles(vec![pinned])), []);
}

#[test]
fn a_permissions_boundary_that_removes_the_grant_leaves_no_finding() {
    let mut bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[INVOKE_ALL],
    );
    bridge.permissions_boundary_arn = Some("arn:aws:iam::111111111111:policy/read-only".into());
    let mut account = iam(vec![bridge]);
    account.policies.push(ManagedPolicy {
        arn: "arn:aws:iam::111111111111:policy/read-only".into(),
        name: "read-only".into(),
        document: Some(policy(&[r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:api1/prod/GET/*"}"#])),
    });
    assert_eq!(rows(&audit(&estate(vec![account], None))), []);
}

#[test]
fn a_resource_policy_deny_still_blocks_the_role_on_rest_apis() {
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[INVOKE_ALL],
    );
    let deny = policy(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::345678901234:role/partner-reader"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}"#,
        r#"{"Sid":"NoBridge","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/partner-bridge"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
    ]);
    // The HTTP API has no resource policy: its route is still reached.
    assert_eq!(
        rows(&audit(&estate(vec![iam(vec![bridge])], Some(deny)))),
        [row(
            "apigw-write-via-assumable-role",
            "h1",
            "POST",
            "/jobs",
            "accounts:[345678901234] via role/partner-bridge"
        )]
    );
}

#[test]
fn trusted_and_organization_accounts_are_inside() {
    let admin = role(
        "OrganizationAccountAccessRole",
        &trusts(&format!(r#"{{"AWS":"arn:aws:iam::{SISTER}:root"}}"#)),
        &[r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#],
    );
    let inv = estate(vec![iam(vec![admin])], None);
    let outside = audit(&inv);
    assert!(
        outside
            .iter()
            .all(|f| f.rule_id == RuleId::ApigwWriteViaAssumableRole),
        "{:?}",
        rows(&outside)
    );
    let opts = AnalysisOptions {
        trusted_accounts: [SISTER.to_string()].into(),
        ..Default::default()
    };
    assert_eq!(
        rows(&analyze_with(&inv, &opts)),
        every_write(
            "apigw-write-via-role-in-organization",
            "accounts:[222222222222] via role/OrganizationAccountAccessRole"
        )
    );
    let mut org = inv.clone();
    org.scope.organization_accounts = vec![OWNER.into(), SISTER.into()];
    assert_eq!(rows(&audit(&org)), rows(&analyze_with(&inv, &opts)));
}

#[test]
fn unread_iam_makes_no_trust_verdict_and_an_unreadable_trust_is_any_account() {
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[INVOKE_ALL],
    );
    // A snapshot that predates IAM, and a listing that failed: IAM methods keep their direct
    // verdict only.
    assert_eq!(rows(&audit(&estate(vec![], None))), []);
    let failed = IamAccount {
        status: TargetStatus::Failed,
        ..iam(vec![])
    };
    assert_eq!(rows(&audit(&estate(vec![failed], None))), []);
    // A listing cut short keeps what its roles prove.
    let partial = IamAccount {
        status: TargetStatus::Partial,
        ..iam(vec![bridge])
    };
    assert_eq!(rows(&audit(&estate(vec![partial], None))).len(), 3);
    let broken = role("broken", "%7Bnot json", &[INVOKE_ALL]);
    let findings = audit_roles(vec![broken]);
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f.confidence == Confidence::Medium
            && f.reach.starts_with("any_aws_account via role/broken")),
        "{:?}",
        rows(&findings)
    );
}

#[test]
fn a_private_api_lets_the_role_in_only_through_what_its_policy_allows() {
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[INVOKE_ALL],
    );
    let private = |policy: Option<String>| {
        let mut inv = estate(vec![iam(vec![bridge.clone()])], policy);
        inv.targets[0].rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        inv.targets[0].http_apis.clear();
        inv
    };
    // No resource policy: a private API admits no one.
    assert_eq!(rows(&audit(&private(None))), []);
    // Any account's endpoint: the partner holding the role calls through its own.
    let open = policy(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
    ]);
    let findings = audit(&private(Some(open)));
    let reach = "accounts:[345678901234] via role/partner-bridge";
    assert_eq!(
        rows(&findings)
            .into_iter()
            .filter(|r| r.0 == "apigw-write-via-assumable-role")
            .collect::<Vec<_>>(),
        [
            row(
                "apigw-write-via-assumable-role",
                "api1",
                "ANY",
                "/admin/{proxy+}",
                reach
            ),
            row(
                "apigw-write-via-assumable-role",
                "api1",
                "POST",
                "/orders",
                reach
            ),
        ]
    );
}

#[test]
fn a_role_that_can_call_itself_is_reported_once_not_through_the_roles_it_may_assume() {
    // The administration role may call everything and assume every role of the account.
    let admin = role(
        "OrganizationAccountAccessRole",
        &trusts(&format!(r#"{{"AWS":"arn:aws:iam::{SISTER}:root"}}"#)),
        &[r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#],
    );
    let worker = role(
        "worker",
        &trusts(&format!(r#"{{"AWS":"{OWNER}"}}"#)),
        &[INVOKE_ALL],
    );
    assert_eq!(
        rows(&audit_roles(vec![admin, worker])),
        every_write(
            "apigw-write-via-assumable-role",
            "accounts:[222222222222] via role/OrganizationAccountAccessRole"
        )
    );
}

/// Every trust-path rule fires on one estate, and each finding's fix fills its rule's
/// placeholders with the roles and commands of that finding.
#[test]
fn every_trust_path_rule_fires_with_a_complete_fix() {
    let roles = vec![
        role(
            "partner-bridge",
            &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
            &[INVOKE_ALL],
        ),
        role("open-to-all", &trusts(r#""*""#), &[INVOKE_ALL]),
        role("deploy", &github(""), &[INVOKE_ALL]),
        role(
            "OrganizationAccountAccessRole",
            &trusts(&format!(r#"{{"AWS":"arn:aws:iam::{SISTER}:root"}}"#)),
            &[INVOKE_ALL],
        ),
    ];
    let opts = AnalysisOptions {
        trusted_accounts: [SISTER.to_string()].into(),
        ..Default::default()
    };
    let findings = analyze_with(&estate(vec![iam(roles)], None), &opts);
    let fired: BTreeSet<RuleId> = findings.iter().map(|f| f.rule_id).collect();
    assert_eq!(
        fired,
        [
            RuleId::ApigwReadViaRoleAnyAccount,
            RuleId::ApigwReadViaWebIdentity,
            RuleId::ApigwWriteViaAssumableRole,
            RuleId::ApigwWriteViaRoleAnyAccount,
            RuleId::ApigwWriteViaRoleInOrganization,
            RuleId::ApigwWriteViaWebIdentity,
        ]
        .into()
    );
    for f in &findings {
        assert!(
            placeholders(&f.remediation).is_empty() && f.remediation.contains("aws iam "),
            "{}: {}",
            f.rule_id,
            f.remediation
        );
        assert!(
            f.message.ends_with(f.rule_id.rule().impact),
            "{}",
            f.message
        );
    }
    // The organization's or trusted accounts are not called external.
    let inside = findings
        .iter()
        .find(|f| f.rule_id == RuleId::ApigwWriteViaRoleInOrganization)
        .unwrap();
    assert!(
        inside
            .message
            .contains("reachable by the account(s) 222222222222 (of the organization or trusted)"),
        "{}",
        inside.message
    );
}

fn instant(rfc3339: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 instant")
}

#[test]
fn a_roles_time_conditions_are_read_at_the_scan_start_like_the_direct_verdicts() {
    // The role's grant ends at 2027-03-01; the resource policy admits the role until the same
    // instant. Both are judged at the scan's start (or `--at`), as a direct caller's are.
    let until = r#""Condition":{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#;
    let bridge = role(
        "partner-bridge",
        &trusts(&format!(r#"{{"AWS":"{PARTNER}"}}"#)),
        &[&format!(
            r#"{{"Sid":"InvokeUntil","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/*",{until}}}"#
        )],
    );
    let mut inv = estate(vec![iam(vec![bridge])], None);
    let reach = "accounts:[345678901234] via role/partner-bridge";
    let before = AnalysisOptions {
        at: Some(instant("2026-12-01T10:00:00Z")),
        ..Default::default()
    };
    let found = analyze_with(&inv, &before);
    assert_eq!(
        rows(&found),
        every_write("apigw-write-via-assumable-role", reach)
    );
    let post = post_orders(&found);
    assert!(
        !post.evidence.contains_key("unevaluated_conditions"),
        "{post:#?}"
    );
    assert_eq!(post.confidence, Confidence::High);
    let after = AnalysisOptions {
        at: Some(instant("2027-03-01T00:00:00Z")),
        ..Default::default()
    };
    assert_eq!(rows(&analyze_with(&inv, &after)), []);
    // The scan's start stands in when no instant is given; none known: the grant is kept, its
    // condition named as unevaluated.
    inv.started_at = "2027-06-01T00:00:00Z".into();
    assert_eq!(rows(&audit(&inv)), []);
    inv.started_at = String::new();
    let unknown = audit(&inv);
    assert_eq!(
        rows(&unknown),
        every_write("apigw-write-via-assumable-role", reach)
    );
    assert_eq!(
        post_orders(&unknown).evidence["unevaluated_conditions"],
        serde_json::json!(["condition aws:currenttime"])
    );
}
