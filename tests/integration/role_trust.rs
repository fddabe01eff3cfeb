//! Role trust paths into IAM-authenticated APIs against the emulator (issue 11): who can
//! become a role of the owner that can call a method or route. Each case of the `trust` estate
//! (`tests/estates/estate_trust.py`) is one owner account with the same two APIs (REST
//! `orders`: GET and POST /orders; HTTP `jobs`: GET and POST /jobs; all AWS_IAM) and its own
//! roles; each test audits its accounts alone and asserts the exact set of findings.
//!
//! moto quirks that shape these tests (real AWS differs): AWS-managed policies are not loaded
//! (attaching `AdministratorAccess` fails), trust policies come back as plain JSON while
//! permission policies are URL-encoded, and `GetAccountAuthorizationDetails` answers in one
//! page. The real shape (every document URL-encoded, an attached AWS-managed policy listed
//! with its versions) goes through the binary by the fault proxy's recorded answer below.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::{assert_rows, harness, row, rows, Row};
use serde_json::Value;
use std::sync::OnceLock;

const ASSUMABLE: &str = "apigw-write-via-assumable-role";
const WRITE_ANY: &str = "apigw-write-via-role-any-account";
const READ_ANY: &str = "apigw-read-via-role-any-account";
const WRITE_WEB: &str = "apigw-write-via-web-identity";
const READ_WEB: &str = "apigw-read-via-web-identity";
const IN_ORG: &str = "apigw-write-via-role-in-organization";

fn owner(n: u8) -> String {
    format!("8111000000{n:02}")
}

fn api(n: u8, kind: &str) -> String {
    harness::id(harness::estate("trust"), &format!("trust_{n:02}_{kind}"))
}

/// `audit` of these owner accounts (API Gateway and IAM only), complete, as JSON.
fn audit(cases: &[u8], extra: &[&str]) -> Value {
    harness::estate("trust");
    let accounts: Vec<String> = cases.iter().map(|&n| owner(n)).collect();
    let accounts: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let mut args = vec!["--no-network"];
    args.extend_from_slice(extra);
    harness::audit_json(&accounts, &["us-east-1"], &args)
}

/// One audit in which every trust-path rule fires (cases 01, 04, 06 and 10, account
/// 811190000005 trusted): what `rules_coverage` reads.
pub fn trust_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| audit(&[1, 4, 6, 10], &["--trusted-accounts", "811190000005"]))
}

/// The rows of case `n` for `verb`: on /orders (REST, prod) and on /jobs (HTTP, $default).
fn case_rows(rule: &str, n: u8, verb: &str, reach: &str) -> Vec<Row> {
    vec![
        row(rule, &api(n, "rest"), "prod", verb, "/orders", reach),
        row(rule, &api(n, "http"), "$default", verb, "/jobs", reach),
    ]
}

/// The write rows of case `n`: POST /orders and POST /jobs.
fn writes(rule: &str, n: u8, reach: &str) -> Vec<Row> {
    case_rows(rule, n, "POST", reach)
}

/// The write rows of case `n` under `write`, then its read rows (GET) under `read`.
fn writes_and_reads(write: &str, read: &str, n: u8, reach: &str) -> Vec<Row> {
    let mut rows = writes(write, n, reach);
    rows.extend(case_rows(read, n, "GET", reach));
    rows
}

fn finding<'a>(report: &'a Value, method: &str, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["method"] == method && f["path"] == path)
        .unwrap_or_else(|| panic!("no finding on {method} {path}: {report:#}"))
}

#[test]
fn a_role_an_external_account_can_assume_with_write_permission_is_a_finding() {
    let report = audit(&[1], &[]);
    let reach = "accounts:[811190000001] via role/partner-bridge";
    // The audit role (no execute-api permission) and the service role (lambda) are not.
    assert_rows(&rows(&report), &writes(ASSUMABLE, 1, reach));
    let post = finding(&report, "POST", "/orders");
    assert_eq!(post["severity"], "high");
    assert_eq!(post["auth"], "aws_iam");
    assert_eq!(post["write"], true);
    assert_eq!(post["confidence"], "high");
    let detail = &post["reach_detail"];
    assert_eq!(detail["kind"], "via_role");
    assert_eq!(detail["through"]["accounts"][0], "811190000001");
    let path = &detail["roles"][0];
    assert_eq!(
        path["chain"][0],
        "arn:aws:iam::811100000001:role/partner-bridge"
    );
    assert_eq!(path["trusted"][0], "811190000001");
    assert_eq!(path["trust_statement"], "Trust");
    assert_eq!(
        path["permission_statements"][0],
        "inline:access/InvokeEverything"
    );
    let message = post["message"].as_str().unwrap();
    for words in [
        "role/partner-bridge",
        "external account(s) 811190000001",
        "SCPs not considered",
    ] {
        assert!(message.contains(words), "{words}: {message}");
    }
    let fix = post["remediation"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "aws iam put-role-policy --role-name partner-bridge --policy-name access --policy-document '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:811100000001:{}/prod/GET/*\"}}]}}'",
            api(1, "rest")
        )),
        "{fix}"
    );
    // IAM is read once per account, and the scope says it was.
    assert_eq!(
        report["scan"]["api_calls"]["iam:GetAccountAuthorizationDetails"],
        1
    );
    assert_eq!(report["scan"]["scope"]["iam"], true);
}

#[test]
fn read_only_permission_or_another_apis_permission_is_no_finding() {
    assert_rows(&rows(&audit(&[2], &[])), &[]);
}

#[test]
fn a_chain_of_two_roles_is_reported_with_its_chain() {
    let report = audit(&[3], &[]);
    let reach = "accounts:[811190000003] via role/chain-entry->role/chain-invoker";
    assert_rows(&rows(&report), &writes(ASSUMABLE, 3, reach));
    let post = finding(&report, "POST", "/orders");
    assert_eq!(
        post["reach_detail"]["roles"][0]["chain"],
        serde_json::json!([
            "arn:aws:iam::811100000003:role/chain-entry",
            "arn:aws:iam::811100000003:role/chain-invoker"
        ])
    );
    let message = post["message"].as_str().unwrap();
    assert!(
        message.contains("inline:access/NextHop allows sts:AssumeRole"),
        "{message}"
    );
}

#[test]
fn principal_star_trust_is_any_account_and_an_org_condition_narrows_it() {
    let report = audit(&[4], &[]);
    let reach = "any_aws_account via role/open-to-all";
    assert_rows(
        &rows(&report),
        &writes_and_reads(WRITE_ANY, READ_ANY, 4, reach),
    );
    let post = finding(&report, "POST", "/orders");
    assert_eq!(post["severity"], "critical");
    // The external id narrows nothing, and is understood (high confidence).
    assert_eq!(post["confidence"], "high");
    assert!(post["message"]
        .as_str()
        .unwrap()
        .contains("sts:externalid does not narrow who"));
    assert!(post["remediation"]
        .as_str()
        .unwrap()
        .contains("aws iam update-assume-role-policy --role-name open-to-all --policy-document"));

    // Narrowed to an organization the scan was not told is its own: outside, writes only.
    assert_rows(
        &rows(&audit(&[5], &[])),
        &writes(ASSUMABLE, 5, "organization:o-8111foreign via role/org-only"),
    );
}

#[test]
fn an_oidc_trust_without_a_subject_is_the_internet_and_with_one_is_no_finding() {
    let report = audit(&[6], &[]);
    let reach = "internet via role/gh-open";
    assert_rows(
        &rows(&report),
        &writes_and_reads(WRITE_WEB, READ_WEB, 6, reach),
    );
    let post = finding(&report, "POST", "/jobs");
    assert_eq!(post["severity"], "critical");
    assert_eq!(
        post["evidence"]["role_paths"][0]["web_identity_provider"],
        "token.actions.githubusercontent.com"
    );
    assert!(post["remediation"]
        .as_str()
        .unwrap()
        .contains("token.actions.githubusercontent.com:sub"));
    assert_rows(&rows(&audit(&[7], &[])), &[]);
}

#[test]
fn a_permissions_boundary_that_removes_the_grant_leaves_no_finding() {
    assert_rows(&rows(&audit(&[8], &[])), &[]);
}

#[test]
fn a_resource_policy_deny_still_blocks_the_role_but_not_on_the_http_api() {
    let reach = "accounts:[811190000001] via role/denied-bridge";
    assert_rows(
        &rows(&audit(&[9], &[])),
        &[row(
            ASSUMABLE,
            &api(9, "http"),
            "$default",
            "POST",
            "/jobs",
            reach,
        )],
    );
}

#[test]
fn an_organization_internal_trust_is_low_and_an_unknown_account_is_outside() {
    let reach = "accounts:[811190000005] via role/sister-admin";
    assert_rows(&rows(&audit(&[10], &[])), &writes(ASSUMABLE, 10, reach));
    let report = audit(&[10], &["--trusted-accounts", "811190000005"]);
    assert_rows(&rows(&report), &writes(IN_ORG, 10, reach));
    assert_eq!(finding(&report, "POST", "/orders")["severity"], "low");
}

#[test]
fn a_chain_crosses_the_scanned_accounts() {
    // sister-admin (account 10, every permission) may assume open-to-all (account 04, Principal
    // "*"): account 811190000005 reaches account 04's APIs through both.
    let report = audit(&[4, 10], &[]);
    let chained = "accounts:[811190000005] via role/sister-admin->role/open-to-all";
    let any = "any_aws_account via role/open-to-all";
    let mut expected = writes_and_reads(WRITE_ANY, READ_ANY, 4, any);
    expected.extend(writes(ASSUMABLE, 4, chained));
    expected.extend(writes(
        ASSUMABLE,
        10,
        "accounts:[811190000005] via role/sister-admin",
    ));
    assert_rows(&rows(&report), &expected);
}

/// A `GetAccountAuthorizationDetails` answer as real AWS gives it: every document URL-encoded,
/// an attached AWS-managed policy listed with its default version.
const RECORDED_LISTING: &str = concat!(
    r#"<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/><RoleDetailList><member><Path>/vendors/</Path><RoleName>vendor-admin</RoleName><RoleId>AROAEXAMPLEVENDOR0001</RoleId><Arn>arn:aws:iam::811100000011:role/vendors/vendor-admin</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>"#,
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22Vendor%22%2C%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A811190000007%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3AExternalId%22%3A%22vendor%20id%261%22%7D%7D%7D%5D%7D",
    r#"</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList/><AttachedManagedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedManagedPolicies><Tags/><RoleLastUsed/></member></RoleDetailList><Policies><member><PolicyName>AdministratorAccess</PolicyName><PolicyId>ANPAIWMBCKSKIEE64ZLYK</PolicyId><Arn>arn:aws:iam::aws:policy/AdministratorAccess</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable><CreateDate>2015-02-06T18:39:46Z</CreateDate><UpdateDate>2015-02-06T18:39:46Z</UpdateDate><PolicyVersionList><member><Document>"#,
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
    r#"</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2015-02-06T18:39:46Z</CreateDate></member></PolicyVersionList></member></Policies></GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>"#,
);

/// `audit` of account 11 through a proxy with these rules (API Gateway and IAM only).
fn audit_through(rules: Vec<Rule>) -> (harness::Run, Value) {
    harness::estate("trust");
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, rules);
    let scope = [
        "--accounts",
        &owner(11),
        "--regions",
        "us-east-1",
        "--no-network",
    ];
    let limits = ["--max-attempts", "2", "--timeout", "10"];
    let run = harness::audit_at(&proxy.endpoint, &[&scope[..], &limits].concat());
    let report = run.json();
    (run, report)
}

#[test]
fn a_real_aws_listing_is_decoded_and_an_aws_managed_policy_grants() {
    // Account 11 has no role in the emulator: the recorded listing is all it has.
    let (run, report) = audit_through(vec![Rule::new(
        "iam:GetAccountAuthorizationDetails",
        Fault::Answer(RECORDED_LISTING.into()),
    )
    .account(&owner(11))]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let reach = "accounts:[811190000007] via role/vendor-admin";
    assert_rows(&rows(&report), &writes(ASSUMABLE, 11, reach));
    let post = finding(&report, "POST", "/orders");
    assert_eq!(
        post["reach_detail"]["roles"][0]["permission_statements"][0],
        "arn:aws:iam::aws:policy/AdministratorAccess/#0"
    );
    // The role's path is kept in its ARN; the fix names it by its name.
    assert_eq!(
        post["reach_detail"]["roles"][0]["chain"][0],
        "arn:aws:iam::811100000011:role/vendors/vendor-admin"
    );
    assert!(post["remediation"]
        .as_str()
        .unwrap()
        .contains("aws iam detach-role-policy --role-name vendor-admin --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"));
}

#[test]
fn an_iam_listing_that_fails_is_a_gap_never_no_role() {
    // The listing fails: the scan is incomplete, the account's IAM is a failed target of region
    // `global`, its regions stay complete, and no trust-path verdict rests on what was not read.
    let (run, report) = audit_through(vec![Rule::new(
        "iam:GetAccountAuthorizationDetails",
        Fault::AccessDenied,
    )
    .account(&owner(11))]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert_eq!(report["scan"]["complete"], false);
    let targets = report["scan"]["targets"].as_array().unwrap();
    let iam = targets
        .iter()
        .find(|t| t["region"] == "global")
        .unwrap_or_else(|| panic!("no IAM target: {targets:#?}"));
    assert_eq!(iam["account_id"], owner(11));
    assert_eq!(iam["status"], "failed");
    assert_eq!(
        iam["errors"][0]["operation"],
        "iam:GetAccountAuthorizationDetails"
    );
    assert_eq!(iam["errors"][0]["code"], "AccessDenied");
    let region = targets.iter().find(|t| t["region"] == "us-east-1").unwrap();
    assert_eq!(region["status"], "complete");
    assert_rows(&rows(&report), &[]);
}
