use super::*;
use crate::model::Reach;
use crate::policy::parse_policy;

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";
const SVC: &str = "arn:aws:vpc-lattice:us-east-1:111111111111:service/svc-0123456789abcdef0";
const NET: &str = "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0123456789abcdef0";

fn doc(statements: &str) -> PolicyDocument {
    parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
    ))
    .expect("test policy parses")
}

fn vpc(id: &str, owner: &str) -> SourceVpc {
    SourceVpc {
        vpc_id: Some(id.into()),
        owner: VpcOwner::Account(owner.into()),
    }
}

fn any_vpc() -> SourceVpc {
    SourceVpc {
        vpc_id: None,
        owner: VpcOwner::AnyAccount,
    }
}

/// The owner's VPC and one of the partner's are associated with the network.
fn associated() -> Vec<SourceVpc> {
    vec![vpc("vpc-own", OWNER), vpc("vpc-partner", PARTNER)]
}

fn request<'a>(method: &'a str, path: &'a str) -> InvokeRequest<'a> {
    InvokeRequest {
        service_arn: SVC,
        network_arn: Some(NET),
        method,
        path,
        at: None,
    }
}

fn reach(
    d: &PolicyDocument,
    method: &str,
    path: &str,
    caller: CallerKind,
    from: &[SourceVpc],
) -> Reach {
    invoke_reach(d, &request(method, path), caller, OWNER, from).reach
}

fn accounts(ids: &[&str]) -> Reach {
    Reach::Accounts {
        accounts: ids.iter().map(|s| s.to_string()).collect(),
    }
}

const ALLOW_ALL: &str = r#"{"Sid":"All","Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*"}"#;

#[test]
fn principal_star_admits_unsigned_requests_from_every_associated_vpc() {
    let d = doc(ALLOW_ALL);
    for caller in [CallerKind::Anonymous, CallerKind::Authenticated] {
        assert_eq!(
            reach(&d, "POST", "/orders", caller, &associated()),
            accounts(&[PARTNER]),
            "{caller:?}"
        );
    }
    // Only the owner's own VPCs: nobody from outside.
    let own = [vpc("vpc-own", OWNER)];
    assert_eq!(
        reach(&d, "POST", "/", CallerKind::Anonymous, &own),
        Reach::Owner
    );
    // A network any account can join: any account.
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &[any_vpc()]),
        Reach::AnyAwsAccount
    );
}

#[test]
fn the_principal_type_condition_shuts_out_unsigned_requests_only() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringNotEqualsIgnoreCase":{"aws:PrincipalType":"anonymous"}}}"#,
    );
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &associated()),
        Reach::Owner
    );
    let v = invoke_reach(
        &d,
        &request("GET", "/"),
        CallerKind::Authenticated,
        OWNER,
        &associated(),
    );
    assert_eq!(v.reach, accounts(&[PARTNER]));
    assert!(
        !v.low_confidence,
        "aws:PrincipalType is evaluated: {:?}",
        v.unevaluated
    );
}

#[test]
fn a_partner_role_granted_get_only_reads_and_never_writes() {
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:role/partner-reader"}},
            "Action":"vpc-lattice-svcs:Invoke","Resource":"{SVC}/*",
            "Condition":{{"StringEquals":{{"vpc-lattice-svcs:RequestMethod":"GET"}}}}}}"#
    ));
    let from = [vpc("vpc-own", OWNER), any_vpc()];
    assert_eq!(
        reach(&d, "GET", "/orders", CallerKind::Authenticated, &from),
        accounts(&[PARTNER])
    );
    for verb in ["POST", "DELETE", "PUT"] {
        assert_eq!(
            reach(&d, verb, "/orders", CallerKind::Authenticated, &from),
            Reach::Owner,
            "{verb}"
        );
    }
    assert_eq!(
        reach(&d, "GET", "/orders", CallerKind::Anonymous, &from),
        Reach::Owner
    );
}

#[test]
fn source_vpc_conditions_confine_callers_to_those_vpcs() {
    // Only the owner's own VPC: the partner's associated VPC is kept out.
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"vpc-lattice-svcs:SourceVpc":"vpc-own"}}}"#,
    );
    assert_eq!(
        reach(&d, "POST", "/", CallerKind::Authenticated, &associated()),
        Reach::Owner
    );
    // By owner account: the partner's VPCs only, whatever the network lets in.
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{{"StringEquals":{{"vpc-lattice-svcs:SourceVpcOwnerAccount":"{PARTNER}"}}}}}}"#
    ));
    let from = [any_vpc(), vpc("vpc-partner", PARTNER)];
    assert_eq!(
        reach(&d, "POST", "/", CallerKind::Authenticated, &from),
        accounts(&[PARTNER])
    );
    // A VPC whose owner the audit cannot name is named as such, never as the owner's.
    let unknown = [SourceVpc {
        vpc_id: Some("vpc-far".into()),
        owner: VpcOwner::Unknown,
    }];
    assert_eq!(
        reach(&doc(ALLOW_ALL), "GET", "/", CallerKind::Anonymous, &unknown),
        accounts(&["unknown:vpc-far"])
    );
}

#[test]
fn an_organization_condition_narrows_any_account_to_the_organization() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#,
    );
    assert_eq!(
        reach(&d, "DELETE", "/", CallerKind::Authenticated, &[any_vpc()]),
        Reach::Organization {
            org_ids: vec!["o-abc123".into()]
        }
    );
    assert_eq!(
        reach(&d, "DELETE", "/", CallerKind::Anonymous, &[any_vpc()]),
        Reach::Owner
    );
}

#[test]
fn request_paths_are_probed_by_the_patterns_the_policy_names() {
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"{SVC}/public/*"}},
           {{"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{{"StringLike":{{"vpc-lattice-svcs:RequestPath":"/public/secret*"}}}}}}"#
    ));
    let paths = probe_paths(&[&d]);
    assert_eq!(
        paths,
        [
            (FRESH_PATH.to_string(), "*".to_string()),
            ("/public/secretx".to_string(), "/public/secret*".to_string()),
            ("/public/x".to_string(), "/public/*".to_string()),
        ]
    );
    let from = associated();
    assert_eq!(
        reach(&d, "GET", FRESH_PATH, CallerKind::Anonymous, &from),
        Reach::Owner
    );
    assert_eq!(
        reach(&d, "GET", "/public/x", CallerKind::Anonymous, &from),
        accounts(&[PARTNER])
    );
    assert_eq!(
        reach(&d, "GET", "/public/secretx", CallerKind::Anonymous, &from),
        Reach::Owner
    );
}

#[test]
fn methods_probed_are_the_usual_verbs_and_those_the_policy_names() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"vpc-lattice-svcs:RequestMethod":["get","PROPFIND"]}}}"#,
    );
    let methods = probe_methods(&[&d]);
    assert_eq!(
        methods,
        ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"]
    );
    // StringEquals is case-sensitive: "get" matches no request (AWS sends the verb upper case).
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &associated()),
        Reach::Owner
    );
    assert_eq!(
        reach(&d, "PROPFIND", "/", CallerKind::Anonymous, &associated()),
        accounts(&[PARTNER])
    );
}

#[test]
fn headers_and_query_strings_are_the_callers_to_choose() {
    // A "secret" header is no authentication: the caller sends it (an Allow holds) or leaves
    // it out (a Deny is avoided).
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"vpc-lattice-svcs:RequestHeader/x-api-key":"s3cret"}}},
           {"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"vpc-lattice-svcs:RequestQueryString/debug":"1"}}}"#,
    );
    let v = invoke_reach(
        &d,
        &request("POST", "/"),
        CallerKind::Anonymous,
        OWNER,
        &associated(),
    );
    assert_eq!(v.reach, accounts(&[PARTNER]));
    assert!(!v.low_confidence);
}

#[test]
fn a_condition_the_engine_cannot_evaluate_keeps_the_reach_at_medium_confidence() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"NumericEquals":{"vpc-lattice-svcs:Port":"443"}}},
           {"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"StringEquals":{"aws:ResourceTag/tier":"internal"}}}"#,
    );
    let v = invoke_reach(
        &d,
        &request("POST", "/"),
        CallerKind::Anonymous,
        OWNER,
        &associated(),
    );
    assert_eq!(v.reach, accounts(&[PARTNER]));
    assert!(v.low_confidence);
    assert!(!v.unevaluated.is_empty());
}

#[test]
fn the_service_and_network_condition_keys_are_the_requests_own() {
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{{"StringEquals":{{"vpc-lattice-svcs:ServiceNetworkArn":"{NET}"}},
                          "ArnLike":{{"vpc-lattice-svcs:ServiceArn":"arn:aws:vpc-lattice:*:*:service/svc-0123*"}}}}}}"#
    ));
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &associated()),
        accounts(&[PARTNER])
    );
    let other_network = InvokeRequest {
        network_arn: Some("arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-other"),
        ..request("GET", "/")
    };
    let v = invoke_reach(
        &d,
        &other_network,
        CallerKind::Anonymous,
        OWNER,
        &associated(),
    );
    assert_eq!(v.reach, Reach::Owner);
}

#[test]
fn actions_other_than_invoke_grant_nothing() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice:GetService","Resource":"*"}"#,
    );
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &associated()),
        Reach::Owner
    );
    let d =
        doc(r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:*","Resource":"*"}"#);
    assert_eq!(
        reach(&d, "GET", "/", CallerKind::Anonymous, &associated()),
        accounts(&[PARTNER])
    );
}

#[test]
fn not_action_covers_every_action_but_those_it_lists() {
    // IAM: `NotAction` matches every action except the listed ones, with either effect.
    let allow_but_connect = doc(
        r#"{"Effect":"Allow","Principal":"*","NotAction":"vpc-lattice-svcs:Connect","Resource":"*"}"#,
    );
    assert_eq!(
        reach(
            &allow_but_connect,
            "GET",
            "/",
            CallerKind::Anonymous,
            &associated()
        ),
        accounts(&[PARTNER])
    );
    let allow_but_invoke = doc(
        r#"{"Effect":"Allow","Principal":"*","NotAction":"vpc-lattice-svcs:Invoke","Resource":"*"}"#,
    );
    assert_eq!(
        reach(
            &allow_but_invoke,
            "GET",
            "/",
            CallerKind::Anonymous,
            &associated()
        ),
        Reach::Owner
    );
    // A Deny of everything outside the management API (`vpc-lattice:`) covers Invoke.
    let deny_outside_management = doc(&format!(
        r#"{ALLOW_ALL},{{"Effect":"Deny","Principal":"*","NotAction":"vpc-lattice:*","Resource":"*"}}"#
    ));
    assert_eq!(
        reach(
            &deny_outside_management,
            "GET",
            "/",
            CallerKind::Anonymous,
            &associated()
        ),
        Reach::Owner
    );
}

#[test]
fn more_source_vpcs_than_the_probe_cap_lower_the_confidence() {
    let d = doc(ALLOW_ALL);
    let partner_vpcs = |n: usize| -> Vec<SourceVpc> {
        (0..n)
            .map(|i| vpc(&format!("vpc-p{i:05}"), PARTNER))
            .collect()
    };
    let at_cap = invoke_reach(
        &d,
        &request("GET", "/"),
        CallerKind::Anonymous,
        OWNER,
        &partner_vpcs(4 * MAX_MENTIONED),
    );
    assert_eq!(at_cap.reach, accounts(&[PARTNER]));
    assert!(!at_cap.low_confidence, "every VPC was probed");
    let over = invoke_reach(
        &d,
        &request("GET", "/"),
        CallerKind::Anonymous,
        OWNER,
        &partner_vpcs(4 * MAX_MENTIONED + 1),
    );
    assert_eq!(over.reach, accounts(&[PARTNER]));
    assert!(over.low_confidence, "a VPC was left unprobed");
}

#[test]
fn a_share_names_who_may_associate_their_vpcs() {
    let ram = |principal: &str| {
        doc(&format!(
            r#"{{"Effect":"Allow","Principal":{principal},
                "Action":["vpc-lattice:CreateServiceNetworkVpcAssociation","vpc-lattice:CreateServiceNetworkServiceAssociation","vpc-lattice:GetServiceNetwork"],
                "Resource":"{NET}"}}"#
        ))
    };
    let share = |d: &PolicyDocument| share_reach(d, ASSOCIATE_VPC, NET, OWNER, "us-east-1").reach;
    assert_eq!(
        share(&ram(&format!(r#"{{"AWS":"arn:aws:iam::{PARTNER}:root"}}"#))),
        accounts(&[PARTNER])
    );
    assert_eq!(share(&ram(r#"{"AWS":"*"}"#)), Reach::AnyAwsAccount);
    // A share of another resource, or of another action, shares nothing here.
    let other = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{PARTNER}"}},"Action":"vpc-lattice:GetServiceNetwork","Resource":"{NET}"}}"#
    ));
    assert_eq!(share(&other), Reach::Owner);
    let org = doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"vpc-lattice:CreateServiceNetworkVpcAssociation","Resource":"{NET}",
            "Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
    ));
    assert_eq!(
        share(&org),
        Reach::Organization {
            org_ids: vec!["o-abc123".into()]
        }
    );
}

#[test]
fn the_policies_name_their_vpcs_owners_and_partners() {
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{PARTNER}:role/r","333333333333"]}},
            "Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{{"StringEquals":{{"vpc-lattice-svcs:SourceVpc":["vpc-b","vpc-a"],
                                           "vpc-lattice-svcs:SourceVpcOwnerAccount":"444444444444"}}}}}}"#
    ));
    assert_eq!(
        mentioned_sources(&[&d]),
        (
            vec!["vpc-a".to_string(), "vpc-b".to_string()],
            vec!["444444444444".to_string()]
        )
    );
    assert_eq!(named_principal_accounts(&d), [PARTNER, "333333333333"]);
}

/// The keys of an execute-api request's network (`aws:SourceIp`, `aws:SourceVpc`, …) are not
/// documented for Lattice requests: a condition on them is unknown, which keeps the reach and
/// lowers the confidence, never narrows (the second table of `policy/keys.rs`).
#[test]
fn aws_network_keys_are_unknown_on_lattice_requests() {
    for condition in [
        r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-own"}}"#,
        r#"{"Null":{"aws:SourceVpce":"true"}}"#,
    ] {
        let d = doc(&format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
                "Condition":{condition}}}"#
        ));
        let v = invoke_reach(
            &d,
            &request("GET", "/"),
            CallerKind::Authenticated,
            OWNER,
            &associated(),
        );
        assert_eq!(v.reach, accounts(&[PARTNER]), "{condition}");
        assert!(v.low_confidence, "{condition}: {:?}", v.unevaluated);
    }
    // guard: Lattice's own network keys are known, and keep the confidence.
    let d = doc(&format!(
        r#"{ALLOW_ALL},{{"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{{"StringNotEquals":{{"vpc-lattice-svcs:SourceVpcOwnerAccount":"{OWNER}"}}}}}}"#
    ));
    let v = invoke_reach(
        &d,
        &request("GET", "/"),
        CallerKind::Authenticated,
        OWNER,
        &associated(),
    );
    assert_eq!(v.reach, Reach::Owner);
    assert!(!v.low_confidence, "{:?}", v.unevaluated);
}

/// A share's association call is a control-plane call: it carries none of the keys of a
/// request to a service, so a share's Allow that needs one grants nobody.
#[test]
fn a_share_call_carries_no_invoke_key() {
    let d = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{PARTNER}"}},"Action":"{ASSOCIATE_VPC}","Resource":"{NET}",
            "Condition":{{"StringEquals":{{"vpc-lattice-svcs:SourceVpc":"vpc-partner"}}}}}}"#
    ));
    let v = share_reach(&d, ASSOCIATE_VPC, NET, OWNER, "us-east-1");
    assert_eq!(v.reach, Reach::Owner);
    assert!(!v.low_confidence, "{:?}", v.unevaluated);
}

/// Time conditions of an auth policy are evaluated at the request's instant (the scan's start,
/// or `--at`), as for execute-api; with no instant they are unknown.
#[test]
fn time_conditions_are_evaluated_at_the_request_instant() {
    let d = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*",
            "Condition":{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}}"#,
    );
    let at = |instant: &str| InvokeRequest {
        at: Some(
            OffsetDateTime::parse(instant, &time::format_description::well_known::Rfc3339).unwrap(),
        ),
        ..request("GET", "/")
    };
    let verdict = |request: &InvokeRequest| {
        invoke_reach(&d, request, CallerKind::Anonymous, OWNER, &associated())
    };
    let before = verdict(&at("2027-02-28T23:59:59Z"));
    assert_eq!(before.reach, accounts(&[PARTNER]));
    assert!(!before.low_confidence, "{:?}", before.unevaluated);
    let after = verdict(&at("2027-03-01T00:00:00Z"));
    assert_eq!(after.reach, Reach::Owner);
    assert!(!after.low_confidence, "{:?}", after.unevaluated);
    // No instant: the grant is kept, at low confidence.
    let unknown = verdict(&request("GET", "/"));
    assert_eq!(unknown.reach, accounts(&[PARTNER]));
    assert!(unknown.low_confidence);
}

#[test]
fn a_lattice_verdict_may_change_at_the_dates_its_policies_name() {
    let rfc = |s: &str| {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect("a date")
    };
    let network = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}}"#,
    );
    let service = doc(
        r#"{"Effect":"Deny","Principal":"*","Action":"vpc-lattice-svcs:Invoke","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}}"#,
    );
    // The network's grant expires in 2027 (the instant, and just after); the service's deny
    // started in the past and changes nothing after the scan.
    let instants = time_boundaries(&[&network, &service], rfc("2026-06-01T00:00:00Z"));
    let expiry = rfc("2027-03-01T00:00:00Z");
    assert_eq!(
        instants,
        vec![
            expiry,
            expiry + time::Duration::nanoseconds(1),
            expiry + time::Duration::seconds(1)
        ]
    );
}
