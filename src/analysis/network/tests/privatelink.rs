//! Endpoint services: who may connect, who is connected, and the backend they publish.

use super::fixtures::*;
use super::*;
use crate::model::{EntryPoint, Severity};
use serde_json::json;

#[test]
fn endpoint_service_open_to_everyone_is_critical_and_names_the_bypassed_methods() {
    let f = audit(vec![with_service(&["*"])]);
    assert_eq!(summary(&f), vec![service_open_to_any_account()]);
    let f = &f[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        (f.auth, f.write, f.method.as_str(), f.path.as_str()),
        (Auth::NetworkOnly, true, "*", "*")
    );
    assert_eq!(f.entry_point, EntryPoint::Privatelink);
    assert_says(
        &f.message,
        &[
            "vpce-svc-1",
            "GET /orders",
            "api1",
            "AWS_IAM",
            "bypasses",
            "acceptance not required",
            PARTNER,
            "i-backend:8080",
        ],
    );
    assert_eq!(f.evidence["bypassed_methods"][0]["path"], "/orders");
    assert_says(&f.remediation, &["--remove-allowed-principals"]);
}

#[test]
fn endpoint_service_open_to_a_partner_is_high_with_the_account() {
    let f = audit(vec![with_service(&[
        &format!("arn:aws:iam::{PARTNER}:root"),
        &format!("arn:aws:iam::{OWNER}:root"),
    ])]);
    assert_eq!(
        summary(&f),
        vec![service_open_to("accounts:[222222222222]")]
    );
    assert_eq!(f[0].severity, Severity::High);
}

#[test]
fn endpoint_service_allowed_to_its_owner_only_is_not_a_finding() {
    let mut t = with_service(&[
        &format!("arn:aws:iam::{OWNER}:root"),
        &format!("arn:aws:iam::{OWNER}:role/ops"),
    ]);
    t.network.endpoint_services[0].connected_accounts = Some(vec![]);
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn accounts_still_connected_but_no_longer_allowed_are_reported() {
    let mut t = with_service(&[&format!("arn:aws:iam::{OWNER}:root")]);
    t.network.endpoint_services[0].connected_accounts = Some(vec![PARTNER.into(), OWNER.into()]);
    let f = audit(vec![t.clone()]);
    assert_eq!(
        summary(&f),
        vec![service_open_to("accounts:[222222222222]")]
    );
    assert_says(&f[0].message, &["no longer allowed"]);
    assert_eq!(f[0].evidence["connected_not_allowed"], json!([PARTNER]));
    // Allowed and connected partners, plus a stale third account: all of them.
    t.network.endpoint_services[0].allowed_principals =
        vec![format!("arn:aws:iam::{PARTNER}:root")];
    t.network.endpoint_services[0].connected_accounts =
        Some(vec![PARTNER.into(), "333333333333".into()]);
    let f = audit(vec![t]);
    assert_eq!(f[0].reach, "accounts:[222222222222,333333333333]");
}

#[test]
fn organization_and_ou_principals_reach_the_organization_not_its_management_account() {
    for (principal, kind, ou) in [
        (
            "arn:aws:organizations::999999999999:organization/o-abc123",
            None,
            false,
        ),
        (
            "arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-xyz",
            Some("OrganizationUnit"),
            true,
        ),
    ] {
        let mut t = with_service(&[principal]);
        if let Some(kind) = kind {
            t.network.endpoint_services[0]
                .principal_types
                .insert(principal.to_string(), kind.to_string());
        }
        let f = audit(vec![t]);
        assert_eq!(
            summary(&f),
            vec![service_open_to("organization:o-abc123")],
            "{principal}"
        );
        assert_eq!(f[0].message.contains("ou-ab12-xyz"), ou, "{}", f[0].message);
    }
}

#[test]
fn an_endpoint_service_is_reported_even_when_its_load_balancers_could_not_be_read() {
    let mut t = with_service(&["*"]);
    t.network.load_balancers.clear();
    read_failed(&mut t, Operation::ElbDescribeLoadBalancers, "AccessDenied");
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![service_open_to_any_account()]);
    assert_says(
        &f[0].message,
        &["the load balancers could not be read (AccessDenied)"],
    );
    assert_eq!(f[0].evidence["backend"]["unknown"], true);
    // The VPC link id still ties the methods to the load balancer's ARN.
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
}

#[test]
fn endpoint_service_allowing_an_organization_and_an_account_names_both() {
    let mut t = with_service(&[
        "arn:aws:organizations::999999999999:organization/o-abc",
        "arn:aws:iam::333333333333:root",
    ]);
    t.network.endpoint_services[0].connected_accounts =
        Some(vec!["333333333333".into(), "444444444444".into()]);
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![service_open_to("organization:o-abc")]);
    let f = &f[0];
    assert_says(&f.message, &["333333333333"]);
    assert_eq!(f.evidence["allowed_accounts"], json!(["333333333333"]));
    // 444 is connected and not named: maybe a member, so not called "no longer allowed".
    assert_says(&f.message, &["444444444444", "not named"]);
    assert_never_says(&f.message, &["no longer allowed"]);
    assert_eq!(f.evidence["connected_not_named"], json!(["444444444444"]));
    assert_eq!(f.evidence["connected_not_allowed"], json!([]));
}

#[test]
fn endpoint_service_allowing_everyone_and_an_account_is_any_account() {
    let f = audit(vec![with_service(&["*", "arn:aws:iam::333333333333:root"])]);
    assert_eq!(summary(&f), vec![service_open_to_any_account()]);
}

#[test]
fn endpoint_service_whose_permissions_could_not_be_read_is_assumed_open() {
    let mut t = with_service(&[]);
    t.network.endpoint_services[0].connected_accounts = Some(vec![]);
    t.errors.push(scan_error(
        Operation::Ec2DescribeVpcEndpointServicePermissions,
        "UnauthorizedOperation",
        Some("vpce-svc-1"),
    ));
    let f = only_finding(t, service_open_to_any_account(), Confidence::Medium);
    assert_says(&f.message, &["could not be read (UnauthorizedOperation)"]);
    assert_eq!(f.evidence["allowed_principals_read"], false);
}

#[test]
fn privatelink_fix_removes_an_organization_whose_management_account_is_the_owner() {
    let f = audit(vec![with_service(&[
        "arn:aws:organizations::111111111111:organization/o-abc",
        "arn:aws:iam::333333333333:root",
        "arn:aws:iam::111111111111:role/ops",
    ])]);
    assert_eq!(summary(&f), vec![service_open_to("organization:o-abc")]);
    let fix = &f[0].remediation;
    assert!(
        fix.contains("--remove-allowed-principals arn:aws:organizations::111111111111:organization/o-abc arn:aws:iam::333333333333:root)"),
        "the organization lets every member in, and the owner's own role stays: {fix}"
    );
}
