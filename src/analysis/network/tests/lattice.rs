//! VPC Lattice services from hand-built inventories: who reaches a service through its
//! networks, and the private backend its target groups reach (moto cannot register targets,
//! so the bypass is pinned here).

use super::*;
use crate::inventory::{
    LatticeService, LatticeServiceAssociation, LatticeTargetGroup, LatticeVpcAssociation, LbTarget,
    ScanScope, ServiceNetwork,
};
use serde_json::json;

const SVC: &str = "arn:aws:vpc-lattice:us-east-1:111111111111:service/svc-1";
const NET: &str = "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-1";

/// The base estate with a service (auth NONE) in its own network (auth NONE) whose VPC
/// associations are `vpcs`, each (VPC, `createdBy`).
fn with_lattice(vpcs: &[(&str, &str)]) -> Target {
    let mut t = base();
    t.lattice.services.push(LatticeService {
        id: "svc-1".into(),
        arn: SVC.into(),
        name: "orders".into(),
        auth_type: Some("NONE".into()),
        network_associations: vec![LatticeServiceAssociation {
            id: "snsa-1".into(),
            network_id: "sn-1".into(),
            network_arn: Some(NET.into()),
            network_name: Some("net".into()),
            status: "ACTIVE".into(),
        }],
        ..Default::default()
    });
    t.lattice.service_networks.push(ServiceNetwork {
        id: "sn-1".into(),
        arn: NET.into(),
        name: "net".into(),
        details_read: true,
        auth_type: Some("NONE".into()),
        vpc_associations: vpcs
            .iter()
            .enumerate()
            .map(|(i, (vpc, by))| LatticeVpcAssociation {
                id: format!("snva-{i}"),
                vpc_id: vpc.to_string(),
                created_by: Some(by.to_string()),
                status: "ACTIVE".into(),
            })
            .collect(),
        ..Default::default()
    });
    t
}

/// A target group of the service with these targets (read).
fn routing_to(t: &mut Target, target_type: &str, targets: &[(&str, i32)]) {
    t.lattice.target_groups.push(LatticeTargetGroup {
        id: "tg-1".into(),
        arn: "arn:aws:vpc-lattice:us-east-1:111111111111:targetgroup/tg-1".into(),
        name: "orders-tg".into(),
        target_type: target_type.into(),
        port: Some(8080),
        vpc_id: Some("vpc-backend".into()),
        service_arns: vec![SVC.into()],
        targets: targets
            .iter()
            .map(|(id, port)| LbTarget {
                id: id.to_string(),
                port: Some(*port),
                availability_zone: None,
            })
            .collect(),
        targets_read: true,
    });
}

fn unauthenticated(reach: &str) -> (String, String, String) {
    row("lattice-unauthenticated-cross-account", SVC, reach)
}

/// The API Gateway methods a finding says it bypasses, as (api, method, path).
fn bypassed(f: &Finding) -> Vec<(String, String, String)> {
    f.evidence
        .get("bypassed_methods")
        .and_then(|m| m.as_array())
        .map(|methods| {
            methods
                .iter()
                .map(|m| {
                    let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
                    (s("api_id"), s("method"), s("path"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_service_with_no_auth_and_a_partner_vpc_associated_is_unauthenticated_reach() {
    let t = with_lattice(&[("vpc-backend", OWNER), ("vpc-partner", PARTNER)]);
    let f = only_finding(
        t,
        unauthenticated("accounts:[222222222222]"),
        Confidence::High,
    );
    assert_eq!(f.auth, Auth::None);
    assert!(f.write);
    assert!(f.remediation.contains(
        "aws vpc-lattice delete-service-network-vpc-association --service-network-vpc-association-identifier snva-1"
    ));
    // No target group routes for it: no backend, no bypassed method.
    assert!(bypassed(&f).is_empty());
}

#[test]
fn an_auth_policy_condition_the_engine_cannot_evaluate_lowers_the_confidence() {
    // AWS_IAM with an auth policy that admits everyone under a condition on a resource tag
    // (not read): the reach is kept, at medium confidence.
    let mut t = with_lattice(&[("vpc-backend", OWNER), ("vpc-partner", PARTNER)]);
    t.lattice.services[0].auth_type = Some("AWS_IAM".into());
    t.lattice.services[0].auth_policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}"#.into(),
    );
    let f = audit(vec![t]);
    assert!(!f.is_empty(), "the partner's VPC still gets in");
    for finding in &f {
        assert_eq!(finding.confidence, Confidence::Medium, "{finding:#?}");
    }
}

#[test]
fn the_owners_own_vpcs_reach_nothing_beyond_the_owner() {
    assert!(audit(vec![with_lattice(&[("vpc-backend", OWNER)])]).is_empty());
    // moto's `createdBy` ("user"): the VPC is the audited owner's own, so still nobody else.
    assert!(audit(vec![with_lattice(&[("vpc-backend", "user")])]).is_empty());
}

#[test]
fn a_vpc_nobody_audited_is_never_taken_for_the_owners() {
    // `createdBy` names no account and the VPC is in no inventory read: some other account.
    let t = with_lattice(&[("vpc-elsewhere", "user")]);
    only_finding(
        t,
        unauthenticated("accounts:[unknown:vpc-elsewhere]"),
        Confidence::High,
    );
}

#[test]
fn a_service_whose_instance_target_is_the_backend_bypasses_its_api_methods() {
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    routing_to(&mut t, "INSTANCE", &[BACKEND]);
    let f = only_finding(
        t,
        unauthenticated("accounts:[222222222222]"),
        Confidence::High,
    );
    assert_eq!(
        bypassed(&f),
        [("api1".to_string(), "GET".to_string(), "/orders".to_string())]
    );
    assert!(
        f.message.contains("bypasses their authentication"),
        "{}",
        f.message
    );
}

#[test]
fn an_ip_target_is_matched_to_the_instance_holding_the_address() {
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    routing_to(&mut t, "IP", &[("10.0.1.10", 8080)]);
    let f = audit(vec![t]);
    assert_eq!(bypassed(&f[0]).len(), 1, "{:#?}", f[0].evidence);
    // Another port of the same host is not the backend.
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    routing_to(&mut t, "IP", &[("10.0.1.10", 9090)]);
    assert!(bypassed(&audit(vec![t])[0]).is_empty());
}

#[test]
fn targets_that_could_not_be_read_are_said_so() {
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    routing_to(&mut t, "INSTANCE", &[]);
    t.lattice.target_groups[0].targets_read = false;
    let f = audit(vec![t]);
    assert!(
        f[0].message
            .contains("The targets of tg-1 could not be read, so it may reach other backends too."),
        "{}",
        f[0].message
    );
}

#[test]
fn a_network_of_an_account_outside_the_audit_is_assumed_open_at_medium_confidence() {
    let mut t = with_lattice(&[]);
    t.lattice.service_networks.clear();
    let a = &mut t.lattice.services[0].network_associations[0];
    a.network_arn = Some("arn:aws:vpc-lattice:us-east-1:333333333333:servicenetwork/sn-9".into());
    a.network_id = "sn-9".into();
    let f = only_finding(t, unauthenticated("any_aws_account"), Confidence::Medium);
    assert!(
        f.message.contains(
            "service network sn-9 belongs to account 333333333333, which this audit did not read"
        ),
        "{}",
        f.message
    );
}

#[test]
fn only_the_failed_listing_of_service_networks_explains_a_network_not_read() {
    // The service's own account's network sn-1 is not among the networks read. Why is said
    // only from a failed region-wide ListServiceNetworks (an error with no resource): another
    // service's failed listing, or a failed read of one network, does not explain it
    // (mutants: routes.rs `listing_failed`, `&&` -> `||`, `==` -> `!=`).
    let said = |errors: Vec<crate::inventory::ScanError>| {
        let mut t = with_lattice(&[]);
        t.lattice.service_networks.clear();
        t.errors = errors;
        let f = audit(vec![t]);
        assert_eq!(summary(&f), vec![unauthenticated("any_aws_account")]);
        assert_eq!(f[0].confidence, Confidence::Medium);
        f[0].message.clone()
    };
    let listing = scan_error(
        Operation::LatticeListServiceNetworks,
        "AccessDeniedException",
        None,
    );
    assert_says(
        &said(vec![listing]),
        &["service network sn-1 could not be read: vpc-lattice:ListServiceNetworks failed (AccessDeniedException)"],
    );
    let others = vec![
        scan_error(
            Operation::IamGetAccountAuthorizationDetails,
            "AccessDenied",
            None,
        ),
        scan_error(
            Operation::LatticeListServiceNetworks,
            "ThrottlingException",
            Some(NET),
        ),
    ];
    let message = said(others);
    assert_says(
        &message,
        &["service network sn-1 is not among the service networks read"],
    );
    assert_never_says(&message, &["AccessDenied", "ThrottlingException"]);
}

#[test]
fn a_network_shared_with_an_organization_reaches_that_organization_only() {
    // RAM shares sn-1 with the organization o-abc123: only that organization's accounts may
    // associate a VPC, so the service's reach is capped at the organization, not any AWS
    // account (mutants: routes.rs `org_cap` -> None / Some(..) of other organizations).
    let mut t = with_lattice(&[]);
    t.lattice.service_networks[0].resource_policy = Some(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"vpc-lattice:CreateServiceNetworkVpcAssociation","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}]}"#
            .into(),
    );
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![unauthenticated("organization:o-abc123")]);
}

#[test]
fn a_vpc_owner_the_auth_policy_names_is_judged_as_one_who_may_associate() {
    // sn-1 is shared with any AWS account (RAM, `Principal: *`), and the service lets in only
    // requests from VPCs of account 333333333333: that account is one who may associate a VPC,
    // so it reaches the service (mutant: routes.rs `policies`, the `Gate::Policy` arm deleted:
    // no owner named becomes a probe, and "any account" alone is not that one).
    let mut t = with_lattice(&[]);
    t.lattice.service_networks[0].resource_policy = Some(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "vpc-lattice:CreateServiceNetworkVpcAssociation", "Resource": "*"}]})
        .to_string(),
    );
    t.lattice.services[0].auth_type = Some("AWS_IAM".into());
    t.lattice.services[0].auth_policy = Some(
        json!({"Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "vpc-lattice-svcs:Invoke", "Resource": "*",
            "Condition": {"StringEquals": {"vpc-lattice-svcs:SourceVpcOwnerAccount": "333333333333"}}}]})
        .to_string(),
    );
    let f = audit(vec![t]);
    assert_eq!(
        summary(&f),
        vec![row(
            "lattice-unauthenticated-cross-account",
            SVC,
            "accounts:[333333333333]"
        )]
    );
}

#[test]
fn a_share_read_that_failed_is_a_gap_assumed_open() {
    let mut t = with_lattice(&[("vpc-backend", OWNER)]);
    t.errors.push(scan_error(
        Operation::LatticeGetResourcePolicy,
        "AccessDeniedException",
        Some(NET),
    ));
    let f = only_finding(t, unauthenticated("any_aws_account"), Confidence::Medium);
    assert!(
        f.evidence["unread"]
            .to_string()
            .contains("vpc-lattice:GetResourcePolicy"),
        "{:#?}",
        f.evidence
    );
}

#[test]
fn a_snapshot_from_before_lattice_was_read_judges_no_lattice_service() {
    let inv = Inventory {
        targets: vec![with_lattice(&[("vpc-partner", PARTNER)])],
        scope: ScanScope::before_lattice(),
        ..Default::default()
    };
    assert!(crate::analysis::analyze(&inv)
        .iter()
        .all(|f| f.entry_point != crate::model::EntryPoint::VpcLattice));
}

/// The partner's VPC is associated, and the service lets in anyone (`Principal: *`, so unsigned
/// requests too) until 2027-03-01: a finding now, that says when it ends.
#[test]
fn a_grant_that_expires_says_until_when_it_holds() {
    let mut t = with_lattice(&[("vpc-backend", OWNER), ("vpc-partner", PARTNER)]);
    t.lattice.services[0].auth_type = Some("AWS_IAM".into());
    t.lattice.services[0].auth_policy = Some(
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-03-01T00:00:00Z"}}
        }]})
        .to_string(),
    );
    let judged_at = |at: &str| {
        let inv = Inventory {
            started_at: at.into(),
            targets: vec![t.clone()],
            ..Default::default()
        };
        crate::analysis::analyze(&inv)
    };
    let now = judged_at("2026-12-06T02:00:00Z");
    assert_eq!(
        summary(&now),
        vec![unauthenticated("accounts:[222222222222]")]
    );
    assert!(
        now[0].message.contains(
            "This holds until 2027-03-01T00:00:00Z (from then on: only the owner account)."
        ),
        "{}",
        now[0].message
    );
    assert_eq!(
        now[0].evidence["reach_change"],
        json!({"at": "2027-03-01T00:00:00Z", "reach": "owner"})
    );
    // Judged after the date, nobody outside gets in; with no instant known, nothing is said
    // of time (the grant's condition is not evaluated: medium confidence, no change).
    assert_eq!(summary(&judged_at("2027-03-02T00:00:00Z")), vec![]);
    let unknown = judged_at("");
    assert!(unknown
        .iter()
        .all(|f| !f.evidence.contains_key("reach_change")));
}

/// An auth policy allowing `vpc-lattice-svcs:Invoke` to each (Sid, effect, principal key,
/// principal) statement.
fn auth_policy(statements: &[(&str, &str, &str, &str)]) -> String {
    let statements: Vec<serde_json::Value> = statements
        .iter()
        .map(|(sid, effect, key, principal)| {
            serde_json::json!({
                "Sid": sid,
                "Effect": effect,
                key.to_string(): {"AWS": principal},
                "Action": "vpc-lattice-svcs:Invoke",
                "Resource": "*",
            })
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// The findings of the never-matching principal rule.
fn never_matches(f: &[Finding]) -> Vec<&Finding> {
    f.iter()
        .filter(|f| f.rule_id.as_str() == "lattice-policy-principal-never-matches")
        .collect()
}

const TASK_ROLES: &str = "arn:aws:iam::222222222222:role/*-api-task-role";

#[test]
fn a_service_policy_granting_a_role_pattern_grants_nothing_and_says_so() {
    // The partner's VPC is associated: a literal grant would be a partner write finding.
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    let svc = &mut t.lattice.services[0];
    svc.auth_type = Some("AWS_IAM".into());
    svc.auth_policy = Some(auth_policy(&[(
        "PartnerTasks",
        "Allow",
        "Principal",
        TASK_ROLES,
    )]));
    // IAM reads the pattern literally: nobody is let in, only the note is left.
    let f = only_finding(
        t,
        row("lattice-policy-principal-never-matches", SVC, "owner"),
        Confidence::High,
    );
    assert_eq!((f.method.as_str(), f.path.as_str()), ("*", "*"));
    assert!(!f.write);
    assert!(
        f.message.contains(
            "The auth policy of VPC Lattice service orders (svc-1) in 111111111111/us-east-1"
        ) && f
            .message
            .contains("statement PartnerTasks grants nothing through arn:aws:iam::222222222222:role/*-api-task-role"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence["principals"], serde_json::json!([TASK_ROLES]));
    for command in [
        "aws vpc-lattice get-auth-policy --resource-identifier svc-1",
        "aws vpc-lattice put-auth-policy --resource-identifier svc-1",
        "(arn:aws:iam::222222222222:root)",
        "ArnLike condition on aws:PrincipalArn",
    ] {
        assert!(
            f.remediation.contains(command),
            "{command}: {}",
            f.remediation
        );
    }
}

#[test]
fn a_network_policy_is_noted_once_for_the_network_not_per_service() {
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    // A second service in the same network.
    let mut second = t.lattice.services[0].clone();
    second.id = "svc-2".into();
    second.arn = "arn:aws:vpc-lattice:us-east-1:111111111111:service/svc-2".into();
    second.name = "invoices".into();
    second.network_associations[0].id = "snsa-2".into();
    t.lattice.services.push(second);
    let net = &mut t.lattice.service_networks[0];
    net.auth_type = Some("AWS_IAM".into());
    net.auth_policy = Some(auth_policy(&[
        (
            "Owner",
            "Allow",
            "Principal",
            "arn:aws:iam::111111111111:root",
        ),
        (
            "DenyCi",
            "Deny",
            "Principal",
            "arn:aws:iam::111111111111:role/ci-*",
        ),
    ]));
    let f = only_finding(
        t,
        row("lattice-policy-principal-never-matches", NET, "owner"),
        Confidence::High,
    );
    assert!(
        f.message.contains("VPC Lattice service network net (sn-1)")
            && f.message.contains(
                "statement DenyCi denies nothing through arn:aws:iam::111111111111:role/ci-*"
            )
            && f.message.contains("every service in the network"),
        "{}",
        f.message
    );
    assert!(
        f.remediation
            .contains("aws vpc-lattice put-auth-policy --resource-identifier sn-1"),
        "{}",
        f.remediation
    );
}

#[test]
fn a_deny_with_a_not_principal_pattern_exempts_no_one() {
    let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
    let svc = &mut t.lattice.services[0];
    svc.auth_type = Some("AWS_IAM".into());
    // Meant: only the partner's admin roles. As IAM reads it the Deny exempts no one, so it
    // denies the partner too: the service is closed, and the note says why.
    svc.auth_policy = Some(auth_policy(&[
        (
            "Partner",
            "Allow",
            "Principal",
            "arn:aws:iam::222222222222:root",
        ),
        (
            "OnlyAdmins",
            "Deny",
            "NotPrincipal",
            "arn:aws:iam::222222222222:role/admin-*",
        ),
    ]));
    let f = only_finding(
        t,
        row("lattice-policy-principal-never-matches", SVC, "owner"),
        Confidence::High,
    );
    assert!(
        f.message.contains(
            "statement OnlyAdmins exempts no one through NotPrincipal arn:aws:iam::222222222222:role/admin-*"
        ),
        "{}",
        f.message
    );
}

#[test]
fn wildcard_and_account_principals_are_real_and_get_no_note() {
    for principal in ["*", "arn:aws:iam::222222222222:root", "222222222222"] {
        let mut t = with_lattice(&[("vpc-partner", PARTNER)]);
        let svc = &mut t.lattice.services[0];
        svc.auth_type = Some("AWS_IAM".into());
        svc.auth_policy = Some(auth_policy(&[("Partner", "Allow", "Principal", principal)]));
        let f = audit(vec![t]);
        assert!(never_matches(&f).is_empty(), "{principal}: {:#?}", f);
        // The grant works: the partner (or everyone) gets in.
        assert!(!f.is_empty(), "{principal}");
    }
}

#[test]
fn a_policy_on_a_service_with_auth_none_is_not_in_force_and_not_noted() {
    let mut t = with_lattice(&[("vpc-backend", OWNER)]);
    t.lattice.services[0].auth_policy = Some(auth_policy(&[(
        "PartnerTasks",
        "Allow",
        "Principal",
        TASK_ROLES,
    )]));
    t.lattice.service_networks[0].auth_policy = t.lattice.services[0].auth_policy.clone();
    assert!(audit(vec![t]).is_empty());
}
