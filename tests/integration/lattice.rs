//! VPC Lattice services against the emulator: the `lattice` estate
//! (tests/estates/estate_lattice.py) puts each case in its own account: a service reachable
//! from another account's VPC with no authentication, a network shared before any association,
//! writes granted to an external account, an organization or any account, reads open to any
//! account, an auth policy on the network that admits unsigned requests, and the near misses
//! (the owner's VPCs only, a narrow auth policy, both levels AWS_IAM with the network denying,
//! AWS_IAM with no auth policy), and auth policies naming principal patterns IAM never
//! matches (a note each, no one let in). One audit of all thirteen accounts; the assertions
//! pin the exact findings both ways.
//!
//! moto quirks met here (5.2.1):
//! - only ids, not ARNs, are accepted as identifiers (the auditor reads by id, and the
//!   resource policy by ARN, as AWS requires);
//! - another account cannot associate its VPC with a network: the owner associates the
//!   partner's VPC, so `createdBy` reads "user" and the VPC's owner comes from the partner's
//!   own audited inventory;
//! - a RAM share of a Lattice resource is refused: the share is the resource policy RAM would
//!   write (`vpc-lattice:PutResourcePolicy`), which is what the auditor reads;
//! - targets cannot be registered (`ListTargets` is not implemented) and target groups list no
//!   `serviceArns`: the bypass test injects both answers through the fault proxy;
//! - a service's network associations carry no network ARN: the network is found by its id;
//! - `ListServiceNetworkServiceAssociations` and `ListTargetGroups` answer HTTP 500 to a
//!   `maxResults` parameter: the auditor sends them without one (AWS's default page size);
//! - `PutAuthPolicy` accepts a principal ARN with a wildcard inside it, under `Principal` and
//!   `NotPrincipal`, and `GetAuthPolicy` returns it verbatim (moto validates no principal;
//!   whether AWS refuses one at save time is not pinned here): the auditor must judge it.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::harness;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

const PARTNER: &str = "845000000001";
pub const ACCOUNTS: [&str; 13] = [
    "845000000001",
    "845000000002",
    "845000000003",
    "845000000004",
    "845000000005",
    "845000000006",
    "845000000007",
    "845000000008",
    "845000000009",
    "845000000010",
    "845000000011",
    "845000000012",
    "845000000013",
];

fn ids() -> &'static Value {
    harness::estate("lattice")
}

fn id(key: &str) -> String {
    harness::id(ids(), key)
}

/// The one audit of every account, with no fault.
pub(crate) fn lattice_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        ids();
        harness::audit_json(&ACCOUNTS, &["us-east-1"], &[])
    })
}

fn lattice_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["entry_point"] == "vpc_lattice")
        .collect()
}

/// (rule, service id, method, path, reach, auth) of every Lattice finding.
type Row = (String, String, String, String, String, String);

fn rows(report: &Value) -> BTreeSet<Row> {
    lattice_findings(report)
        .into_iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            let service = s("resource_arn").rsplit('/').next().unwrap().to_string();
            (
                s("rule_id"),
                service,
                s("method"),
                s("path"),
                s("reach"),
                s("auth"),
            )
        })
        .collect()
}

fn row(rule: &str, service_key: &str, method: &str, reach: &str, auth: &str) -> Row {
    (
        rule.into(),
        id(service_key),
        method.into(),
        "*".into(),
        reach.into(),
        auth.into(),
    )
}

fn finding<'a>(report: &'a Value, service_key: &str) -> &'a Value {
    let svc = id(service_key);
    lattice_findings(report)
        .into_iter()
        .find(|f| f["resource_arn"].as_str().unwrap().ends_with(&svc))
        .unwrap_or_else(|| panic!("no finding on {service_key}: {:#}", report["findings"]))
}

#[test]
fn lattice_services_are_reported_exactly_where_another_account_gets_through() {
    let partner = format!("accounts:[{PARTNER}]");
    let expected: BTreeSet<Row> = [
        // NONE everywhere, the partner's VPC associated.
        row(
            "lattice-unauthenticated-cross-account",
            "open_service",
            "*",
            &partner,
            "none",
        ),
        // A share is reach before any association.
        row(
            "lattice-unauthenticated-cross-account",
            "shared_service",
            "*",
            &partner,
            "none",
        ),
        // The partner account may do anything: its writes are reported, its reads are not.
        row(
            "lattice-write-external-accounts",
            "writes_service",
            "POST,PUT,PATCH,DELETE",
            &partner,
            "aws_iam",
        ),
        // Principal "*" (signed) in a network shared with every account.
        row(
            "lattice-write-any-aws-account",
            "anyone_service",
            "*",
            "any_aws_account",
            "aws_iam",
        ),
        // The network's policy admits unsigned requests.
        row(
            "lattice-unauthenticated-cross-account",
            "unsigned_service",
            "*",
            &partner,
            "none",
        ),
        // Every principal of one organization, from the partner's VPC: its writes.
        row(
            "lattice-write-organization",
            "org_service",
            "POST,PUT,PATCH,DELETE",
            "organization:o-lattice0001",
            "aws_iam",
        ),
        // Principal "*" (signed), GET only, in a network shared with every account.
        row(
            "lattice-read-any-aws-account",
            "reads_service",
            "GET",
            "any_aws_account",
            "aws_iam",
        ),
        // Principal patterns IAM never matches: the service lets no one in (no access
        // finding), and each policy, the service's and the network's, gets its note.
        row(
            "lattice-policy-principal-never-matches",
            "patterns_service",
            "*",
            "owner",
            "aws_iam",
        ),
        row(
            "lattice-policy-principal-never-matches",
            "patterns_network",
            "*",
            "owner",
            "aws_iam",
        ),
    ]
    .into_iter()
    .collect();
    let actual = rows(lattice_report());
    if actual != expected {
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        panic!("Lattice findings differ\n  missing: {missing:#?}\n  unexpected: {extra:#?}");
    }
    assert_eq!(lattice_report()["scan"]["complete"], true);
    for f in lattice_findings(lattice_report()) {
        assert_eq!(f["confidence"], "high", "{f:#}");
    }
}

#[test]
fn a_finding_says_who_gets_in_through_what_and_how_to_fix_it() {
    let open = finding(lattice_report(), "open_service");
    let message = open["message"].as_str().unwrap();
    let partner_vpc = id("partner_vpc");
    assert!(
        message.contains(&format!("VPC {partner_vpc} of account {PARTNER}")),
        "{message}"
    );
    assert!(message.contains("auth type NONE"), "{message}");
    assert_eq!(
        open["evidence"]["through"][0]["network"]["id"],
        id("open_network")
    );
    let fix = open["remediation"].as_str().unwrap();
    let svc = id("open_service");
    for command in [
        format!("aws vpc-lattice update-service --service-identifier {svc} --auth-type AWS_IAM"),
        format!("aws vpc-lattice put-auth-policy --resource-identifier {svc} --policy '"),
        format!(
            "aws vpc-lattice delete-service-network-vpc-association --service-network-vpc-association-identifier {}",
            id("open_partner_association")
        ),
    ] {
        assert!(fix.contains(&command), "{command}\nnot in: {fix}");
    }

    // The share, named with the account it lets in and the command that stops it.
    let shared = finding(lattice_report(), "shared_service");
    let message = shared["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "lets the external account(s) {PARTNER} associate their own VPCs at will"
        )),
        "{message}"
    );
    let fix = shared["remediation"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "aws ram list-resources --resource-owner SELF --resource-arns {}",
            id("shared_network_arn")
        )),
        "{fix}"
    );

    // Writes to a partner: the fix keeps the partner, for reads only.
    let writes = finding(lattice_report(), "writes_service");
    let fix = writes["remediation"].as_str().unwrap();
    assert!(
        fix.contains(&format!("arn:aws:iam::{PARTNER}:root"))
            && fix.contains("\"vpc-lattice-svcs:RequestMethod\":[\"GET\",\"HEAD\"]"),
        "{fix}"
    );
    assert_eq!(writes["write"], true);
    let unsigned = finding(lattice_report(), "unsigned_service");
    assert!(
        unsigned["evidence"]["allowing_statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("network ")),
        "{unsigned:#}"
    );
}

#[test]
fn principal_patterns_iam_never_matches_are_noted_per_policy_with_the_fix() {
    let service = finding(lattice_report(), "patterns_service");
    let message = service["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "statement PartnerTasks grants nothing through arn:aws:iam::{PARTNER}:role/*-api-task-role"
        )),
        "{message}"
    );
    assert_eq!(service["severity"], "info");
    assert_eq!(service["write"], false);
    let svc = id("patterns_service");
    let fix = service["remediation"].as_str().unwrap();
    for command in [
        format!("aws vpc-lattice get-auth-policy --resource-identifier {svc}"),
        format!("aws vpc-lattice put-auth-policy --resource-identifier {svc}"),
        format!("by its account (arn:aws:iam::{PARTNER}:root)"),
        "ArnLike condition on aws:PrincipalArn".to_string(),
    ] {
        assert!(fix.contains(&command), "{command}\nnot in: {fix}");
    }
    let network = finding(lattice_report(), "patterns_network");
    let message = network["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "statement DenyPartnerCi denies nothing through arn:aws:iam::{PARTNER}:role/ci-*"
        )) && message.contains(&format!("service network net ({})", id("patterns_network"))),
        "{message}"
    );
    assert_eq!(
        network["evidence"]["principals"],
        json!([format!("arn:aws:iam::{PARTNER}:role/ci-*")])
    );
}

#[test]
fn lattice_reads_only_what_exists_and_never_a_target_it_does_not_need() {
    let calls = &lattice_report()["scan"]["api_calls"];
    // Two listings per account, then per service and per owned network.
    assert_eq!(calls["vpc-lattice:ListServices"], 13, "{calls:#}");
    assert_eq!(calls["vpc-lattice:ListServiceNetworks"], 13);
    assert_eq!(calls["vpc-lattice:GetService"], 12);
    assert_eq!(
        calls["vpc-lattice:ListServiceNetworkServiceAssociations"],
        12
    );
    assert_eq!(calls["vpc-lattice:GetServiceNetwork"], 12);
    assert_eq!(calls["vpc-lattice:ListServiceNetworkVpcAssociations"], 12);
    // Who each service and each network is shared with.
    assert_eq!(calls["vpc-lattice:GetResourcePolicy"], 24);
    // Auth policies only where a level uses AWS_IAM: 8 services and 3 networks.
    assert_eq!(calls["vpc-lattice:GetAuthPolicy"], 11);
    assert_eq!(calls["vpc-lattice:ListTargetGroups"], 12);
    // moto lists no services per target group: no target is worth reading.
    assert!(calls.get("vpc-lattice:ListTargets").is_none(), "{calls:#}");
}

#[test]
fn the_partner_account_and_the_no_network_scan_read_no_lattice_details() {
    // The partner has no service and no network: its two listings are all.
    let p = harness::audit_json(&[PARTNER], &["us-east-1"], &[]);
    let calls = p["scan"]["api_calls"].as_object().unwrap();
    let lattice: Vec<&String> = calls
        .keys()
        .filter(|k| k.starts_with("vpc-lattice:"))
        .collect();
    assert_eq!(
        lattice,
        [
            "vpc-lattice:ListServiceNetworks",
            "vpc-lattice:ListServices"
        ]
    );
    let api_only = harness::audit_json(&["845000000002"], &["us-east-1"], &["--no-network"]);
    assert!(lattice_findings(&api_only).is_empty());
    assert_eq!(api_only["scan"]["scope"]["lattice"], false);
    let calls = api_only["scan"]["api_calls"].as_object().unwrap();
    assert!(
        !calls.keys().any(|k| k.starts_with("vpc-lattice:")),
        "{calls:#?}"
    );
}

/// The injected answers that show what moto cannot hold: the open service's target group
/// routes for it, and its target is the legacy backend's instance.
pub(crate) fn injected_targets() -> Vec<Rule> {
    let groups = json!({"items": [{
        "id": id("open_target_group"),
        "arn": id("open_target_group_arn"),
        "name": "orders-tg",
        "type": "INSTANCE",
        "port": 8080,
        "protocol": "HTTP",
        "vpcIdentifier": id("open_vpc"),
        "serviceArns": [id("open_service_arn")],
        "status": "ACTIVE",
    }]});
    let targets =
        json!({"items": [{"id": id("open_instance"), "port": 8080, "status": "HEALTHY"}]});
    vec![
        Rule::new(
            "vpc-lattice:ListTargetGroups",
            Fault::AnswerJson(groups.to_string()),
        )
        .account("845000000002"),
        Rule::new(
            "vpc-lattice:ListTargets",
            Fault::AnswerJson(targets.to_string()),
        )
        .account("845000000002"),
    ]
}

#[test]
fn a_service_whose_target_is_a_private_backend_names_the_api_methods_it_bypasses() {
    ids();
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, injected_targets());
    let report = harness::audit_json_at(
        &proxy.endpoint,
        &[PARTNER, "845000000002"],
        &["us-east-1"],
        &[],
    );
    let open = finding(&report, "open_service");
    let api = id("open_api");
    let methods: BTreeSet<(String, String, String)> = open["evidence"]["bypassed_methods"]
        .as_array()
        .unwrap_or_else(|| panic!("no bypassed methods: {open:#}"))
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_string();
            (s("api_id"), s("method"), s("path"))
        })
        .collect();
    assert_eq!(
        methods,
        [
            (api.clone(), "GET".to_string(), "/orders".to_string()),
            (api.clone(), "GET".to_string(), "/orders/{id}".to_string()),
        ]
        .into_iter()
        .collect()
    );
    let message = open["message"].as_str().unwrap();
    assert!(
        message.contains("this path bypasses their authentication and verb restrictions"),
        "{message}"
    );
    // The targets were read, and so were the load balancers' (to compare them).
    assert_eq!(proxy.count("vpc-lattice:ListTargets"), 1);
    assert!(proxy.count("elasticloadbalancing:DescribeTargetHealth") >= 1);
}

#[test]
fn an_auth_policy_that_cannot_be_read_is_a_gap_and_assumed_open() {
    ids();
    let proxy = FaultProxy::with_rules(
        &harness::emulator().endpoint,
        vec![Rule::new("vpc-lattice:GetAuthPolicy", Fault::AccessDenied).account("845000000005")],
    );
    let run = harness::audit_at(
        &proxy.endpoint,
        &[
            "--accounts",
            "845000000001,845000000005",
            "--regions",
            "us-east-1",
            "--max-attempts",
            "1",
        ],
    );
    assert_eq!(
        run.status, 2,
        "an unread auth policy is a gap: {}",
        run.stderr
    );
    let report = run.json();
    let target = report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account_id"] == "845000000005")
        .unwrap();
    assert_eq!(target["status"], "partial", "{target:#}");
    assert_eq!(
        target["errors"][0]["operation"],
        "vpc-lattice:GetAuthPolicy"
    );
    assert_eq!(target["errors"][0]["code"], "AccessDeniedException");
    // The narrow policy could not be read: the service is judged as if it let everyone in.
    let narrow = finding(&report, "narrow_service");
    assert_eq!(narrow["rule_id"], "lattice-unauthenticated-cross-account");
    assert_eq!(narrow["confidence"], "medium");
    let unread = narrow["evidence"]["unread"].to_string();
    assert!(unread.contains("vpc-lattice:GetAuthPolicy"), "{unread}");
}
