//! Condition keys by availability: what a request to `execute-api:Invoke` carries, per IAM's
//! "AWS global condition context keys" page (Availability of each key; see `policy/keys.rs`).
//! Only a key the engine does not know lowers the confidence.

use super::*;

#[test]
#[rustfmt::skip]
fn keys_only_service_principals_carry() {
    run(&[
        // "included in the request context only when the call to your resource is being made
        // directly by an AWS service principal": no person, role or anonymous caller has it.
        case("allow needing aws:SourceAccount admits no caller",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceAccount":"222222222222"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("allow needing aws:SourceArn admits no anonymous caller",
            &[&allow_when(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:222222222222:rule/*"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allow needing aws:SourceOrgID",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceOrgID":"o-abc"}}"#)],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "owner"),
        case("allow needing aws:SourceOrgPaths",
            &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:SourceOrgPaths":"o-abc/*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        // A service principal is not a cross-account grant either.
        case("a service principal with its source account",
            &[r#"{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"222222222222"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        // A Deny with a negated operator on such a key applies to every other caller.
        case("deny StringNotEquals aws:SourceAccount shuts everyone out",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("deny ArnNotLike aws:SourceArn shuts anonymous callers out",
            &[ALLOW_ALL, &deny_when(r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111111111111:*"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny …IfExists on aws:SourceAccount applies without the key",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEqualsIfExists":{"aws:SourceAccount":"111111111111"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        // guard: a positive operator on the missing key denies no one.
        case("guard: deny StringEquals aws:SourceAccount denies no caller",
            &[ALLOW_ALL, &deny_when(r#"{"StringEquals":{"aws:SourceAccount":"222222222222"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "internet"),
        // The confused-deputy guard of AWS's examples: only requests that carry the key are held.
        case("guard: the documented confused-deputy deny spares direct callers",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEqualsIfExists":{"aws:SourceAccount":"111111111111"},"Null":{"aws:SourceAccount":"false"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "internet"),
    ]);
}

#[test]
#[rustfmt::skip]
fn principal_keys_and_anonymous_callers() {
    run(&[
        // aws:PrincipalType and aws:userid are present for anonymous requests too.
        case("anonymous callers are of type Anonymous",
            &[&allow_when(r#"{"StringEquals":{"aws:PrincipalType":"Anonymous"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny of the Anonymous type",
            &[ALLOW_ALL, &deny_when(r#"{"StringEquals":{"aws:PrincipalType":"Anonymous"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("guard: deny of the Anonymous type spares signed callers",
            &[ALLOW_ALL, &deny_when(r#"{"StringEquals":{"aws:PrincipalType":"Anonymous"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // Any account has users, roles and sessions of its choosing.
        case("deny of every type but AssumedRole spares an account's roles",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalType":"AssumedRole"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("allow of IAM users of one account",
            &[&allow_when(r#"{"StringEquals":{"aws:PrincipalType":"User","aws:PrincipalAccount":"222222222222"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("a user name any account can give a user",
            &[&allow_when(r#"{"StringEquals":{"aws:username":"deployer"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("anonymous callers have no user name",
            &[&allow_when(r#"{"StringEquals":{"aws:username":"deployer"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("the anonymous user id",
            &[&allow_when(r#"{"StringEquals":{"aws:userid":"anonymous"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // A role's unique id (AROA…) is not in the inventory.
        case("a role's unique id is unknown",
            &[&allow_when(r#"{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        case("aws:PrincipalIsAWSService is false for signed callers",
            &[ALLOW_ALL, &deny_when(r#"{"Bool":{"aws:PrincipalIsAWSService":"false"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("aws:PrincipalIsAWSService is absent for anonymous callers",
            &[ALLOW_ALL, &deny_when(r#"{"Bool":{"aws:PrincipalIsAWSService":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("…IfExists on aws:PrincipalIsAWSService holds anonymous callers",
            &[ALLOW_ALL, &deny_when(r#"{"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        // A caller tags its own principals and chooses how it signs.
        case("principal tags are the caller's",
            &[&allow_when(r#"{"StringEquals":{"aws:PrincipalTag/team":"payments"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("anonymous callers have no principal tag",
            &[&allow_when(r#"{"StringEquals":{"aws:PrincipalTag/team":"payments"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny unless MFA: a caller can use MFA",
            &[ALLOW_ALL, &deny_when(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny unless MFA holds anonymous callers",
            &[ALLOW_ALL, &deny_when(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        // Session keys naming another account's resources are not known.
        case("the Lambda function a session comes from",
            &[&allow_when(r#"{"ArnEquals":{"lambda:SourceFunctionArn":"arn:aws:lambda:us-east-1:222222222222:function:caller"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
    ]);
}

#[test]
#[rustfmt::skip]
fn request_and_network_keys() {
    run(&[
        // HTTP headers are the caller's: a condition on them keeps no one out.
        case("allow by referer admits whoever sends it",
            &[&allow_when(r#"{"StringLike":{"aws:Referer":"https://example.com/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny of other user agents spares whoever sends the right one",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotLike":{"aws:UserAgent":"partner-client/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // Always present, known.
        case("the requested region is the API's",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("an allow for another region",
            &[&allow_when(r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("the resource account is the owner",
            &[&allow_when(r#"{"StringEquals":{"aws:ResourceAccount":"111111111111"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("a direct call is not via an AWS service",
            &[ALLOW_ALL, &deny_when(r#"{"Bool":{"aws:ViaAWSService":"true"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // Never present on Invoke.
        case("no service forwards a session to Invoke",
            &[&allow_when(r#"{"ForAnyValue:StringEquals":{"aws:CalledVia":"cloudformation.amazonaws.com"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("Invoke passes no tags",
            &[&allow_when(r#"{"StringEquals":{"aws:RequestTag/env":"prod"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        // Endpoint keys: absent on a public endpoint, unknown through one.
        case("aws:VpcSourceIp is absent on a public endpoint",
            &[&allow_when(r#"{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("aws:SourceVpcArn is absent on a public endpoint",
            &[ALLOW_ALL, &deny_when(r#"{"ArnNotEquals":{"aws:SourceVpcArn":"arn:aws:ec2:us-east-1:111111111111:vpc/vpc-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("aws:VpceAccount through an endpoint is not known",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:VpceAccount":"111111111111"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account").low(),
    ]);
}

/// What one request carries, key by key, for the kinds of callers and networks the engine
/// probes (the table of `policy/keys.rs`).
#[test]
fn key_values_by_caller_and_network() {
    use crate::policy::keys::{key_value, side_of, Env, KeyValue, Service, Side};
    use crate::policy::probes::Membership;
    use crate::policy::reference::{probe_role, Caller, NetworkSource, SourceOwner};
    use KeyValue::{Absent, ChosenByCaller, Present, Unknown};
    let one = |v: &str| Present(vec![v.to_string()]);
    let org = Membership {
        org_id: "o-abc".into(),
        paths: vec!["o-abc/r-1/ou-1/".into()],
        label: None,
    };
    let anonymous = Caller::Anonymous;
    let account = Caller::principal(PARTNER, &probe_role(PARTNER), Some(&org));
    let role = Caller::principal(PARTNER, PARTNER_ROLE, None);
    let user = Caller::principal(PARTNER, "arn:aws:iam::222222222222:user/ops/alice", None);
    let root = Caller::principal(PARTNER, "arn:aws:iam::222222222222:root", None);
    let public = NetworkSource {
        ip: Some("198.51.100.7".parse().unwrap()),
        vpce: None,
        vpc: None,
        owner: SourceOwner::Fresh,
        cidr: None,
    };
    let endpoint = NetworkSource {
        ip: None,
        vpce: Some("vpce-0partner".into()),
        vpc: Some("vpc-0partner".into()),
        owner: SourceOwner::Account(PARTNER.into()),
        cidr: None,
    };
    let env = Env {
        service: Service::Aws,
        at: Some(scan_start()),
        region: REGION,
        owner_account: OWNER,
    };
    let unknown_time = Env { at: None, ..env };
    // (key, caller, source, env, value, side)
    let rows: Vec<(&str, &Caller, &NetworkSource, &Env, KeyValue, Side)> = vec![
        (
            "aws:sourceip",
            &anonymous,
            &public,
            &env,
            one("198.51.100.7"),
            Side::Source,
        ),
        (
            "aws:sourceip",
            &anonymous,
            &endpoint,
            &env,
            Absent,
            Side::Source,
        ),
        (
            "aws:sourcevpce",
            &role,
            &endpoint,
            &env,
            one("vpce-0partner"),
            Side::Source,
        ),
        ("aws:sourcevpce", &role, &public, &env, Absent, Side::Source),
        (
            "aws:sourcevpc",
            &role,
            &endpoint,
            &env,
            one("vpc-0partner"),
            Side::Source,
        ),
        ("aws:sourcevpc", &role, &public, &env, Absent, Side::Source),
        (
            "aws:vpcsourceip",
            &role,
            &endpoint,
            &env,
            Unknown,
            Side::Source,
        ),
        (
            "aws:vpcsourceip",
            &role,
            &public,
            &env,
            Absent,
            Side::Source,
        ),
        (
            "aws:vpceaccount",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Source,
        ),
        (
            "aws:principalaccount",
            &anonymous,
            &public,
            &env,
            one("anonymous"),
            Side::Principal,
        ),
        (
            "aws:principalaccount",
            &role,
            &public,
            &env,
            one(PARTNER),
            Side::Principal,
        ),
        (
            "aws:principaltype",
            &anonymous,
            &public,
            &env,
            one("Anonymous"),
            Side::Principal,
        ),
        (
            "aws:principaltype",
            &account,
            &public,
            &env,
            ChosenByCaller,
            Side::Principal,
        ),
        (
            "aws:principaltype",
            &role,
            &public,
            &env,
            one("AssumedRole"),
            Side::Principal,
        ),
        (
            "aws:principaltype",
            &user,
            &public,
            &env,
            one("User"),
            Side::Principal,
        ),
        (
            "aws:principaltype",
            &root,
            &public,
            &env,
            one("Account"),
            Side::Principal,
        ),
        (
            "aws:userid",
            &anonymous,
            &public,
            &env,
            one("anonymous"),
            Side::Principal,
        ),
        ("aws:userid", &role, &public, &env, Unknown, Side::Principal),
        (
            "aws:username",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:username",
            &account,
            &public,
            &env,
            ChosenByCaller,
            Side::Principal,
        ),
        (
            "aws:username",
            &user,
            &public,
            &env,
            one("alice"),
            Side::Principal,
        ),
        (
            "aws:username",
            &role,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:principalarn",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:principalarn",
            &role,
            &public,
            &env,
            one(PARTNER_ROLE),
            Side::Principal,
        ),
        (
            "aws:principalisawsservice",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:principalisawsservice",
            &user,
            &public,
            &env,
            one("false"),
            Side::Principal,
        ),
        (
            "aws:principalorgid",
            &account,
            &public,
            &env,
            one("o-abc"),
            Side::Org,
        ),
        (
            "aws:principalorgid",
            &role,
            &public,
            &env,
            Absent,
            Side::Org,
        ),
        (
            "aws:principalorgid",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Org,
        ),
        (
            "aws:principalorgpaths",
            &account,
            &public,
            &env,
            one("o-abc/r-1/ou-1/"),
            Side::Org,
        ),
        (
            "aws:principalorgpaths",
            &role,
            &public,
            &env,
            Absent,
            Side::Org,
        ),
        // A named role's tags are not read (the role trust paths judge roles of the scanned
        // account, whose tags the caller does not choose); a whole account's principals carry
        // the tags that account gives them.
        (
            "aws:principaltag/team",
            &role,
            &public,
            &env,
            Unknown,
            Side::Principal,
        ),
        (
            "aws:principaltag/team",
            &account,
            &public,
            &env,
            ChosenByCaller,
            Side::Principal,
        ),
        (
            "aws:principaltag/team",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:multifactorauthpresent",
            &role,
            &public,
            &env,
            ChosenByCaller,
            Side::Principal,
        ),
        (
            "aws:multifactorauthage",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "lambda:sourcefunctionarn",
            &role,
            &public,
            &env,
            Unknown,
            Side::Principal,
        ),
        (
            "ec2:sourceinstancearn",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Principal,
        ),
        (
            "aws:principalservicename",
            &role,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:sourceaccount",
            &role,
            &endpoint,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:sourcearn",
            &anonymous,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:sourceorgid",
            &role,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:sourceorgpaths",
            &role,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:calledvia",
            &role,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        (
            "aws:requesttag/env",
            &role,
            &public,
            &env,
            Absent,
            Side::Constant,
        ),
        ("aws:tagkeys", &role, &public, &env, Absent, Side::Constant),
        (
            "aws:currenttime",
            &anonymous,
            &public,
            &env,
            one(SCAN_START),
            Side::Constant,
        ),
        (
            "aws:currenttime",
            &anonymous,
            &public,
            &unknown_time,
            Unknown,
            Side::Constant,
        ),
        (
            "aws:epochtime",
            &anonymous,
            &public,
            &env,
            one("1780272000"),
            Side::Constant,
        ),
        (
            "aws:epochtime",
            &anonymous,
            &public,
            &unknown_time,
            Unknown,
            Side::Constant,
        ),
        (
            "aws:requestedregion",
            &anonymous,
            &public,
            &env,
            one(REGION),
            Side::Constant,
        ),
        (
            "aws:resourceaccount",
            &anonymous,
            &public,
            &env,
            one(OWNER),
            Side::Constant,
        ),
        (
            "aws:securetransport",
            &anonymous,
            &public,
            &env,
            one("true"),
            Side::Constant,
        ),
        (
            "aws:viaawsservice",
            &role,
            &public,
            &env,
            one("false"),
            Side::Constant,
        ),
        (
            "aws:referer",
            &anonymous,
            &public,
            &env,
            ChosenByCaller,
            Side::Constant,
        ),
        (
            "aws:useragent",
            &anonymous,
            &public,
            &env,
            ChosenByCaller,
            Side::Constant,
        ),
        (
            "aws:resourceorgid",
            &role,
            &public,
            &env,
            Unknown,
            Side::Constant,
        ),
        (
            "aws:resourcetag/team",
            &role,
            &public,
            &env,
            Unknown,
            Side::Constant,
        ),
        (
            "execute-api:viadomainarn",
            &role,
            &endpoint,
            &env,
            Unknown,
            Side::Constant,
        ),
        (
            "aws:ismcpserviceaction",
            &role,
            &public,
            &env,
            Unknown,
            Side::Constant,
        ),
    ];
    let mut wrong = vec![];
    for (key, caller, source, env, want, side) in &rows {
        let got = key_value(key, caller, source, env);
        if got != *want || side_of(key) != *side {
            wrong.push(format!(
                "{key} for {caller:?} through {source:?}: {got:?}/{:?} (want {want:?}/{side:?})",
                side_of(key)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// VPC Lattice's keys (the second table of `policy/keys.rs`): present on a Lattice request
/// only, where AWS's network keys are not documented.
#[test]
fn lattice_keys_on_lattice_requests_only() {
    use crate::policy::keys::{key_value, side_of, Env, KeyValue, Service, Side};
    use crate::policy::reference::{probe_role, Caller, NetworkSource, SourceOwner};
    use KeyValue::{Absent, ChosenByCaller, Present, Unknown};
    let one = |v: &str| Present(vec![v.to_string()]);
    let from = |owner: SourceOwner| NetworkSource {
        ip: None,
        vpce: None,
        vpc: Some("vpc-0partner".into()),
        owner,
        cidr: None,
    };
    let partner_vpc = from(SourceOwner::Account(PARTNER.into()));
    let fresh_vpc = from(SourceOwner::Fresh);
    let far_vpc = from(SourceOwner::Unknown("vpc-0partner".into()));
    let public = NetworkSource {
        ip: Some("198.51.100.7".parse().unwrap()),
        vpce: None,
        vpc: None,
        owner: SourceOwner::Fresh,
        cidr: None,
    };
    let lattice = Env {
        service: Service::LatticeInvoke,
        at: None,
        region: "",
        owner_account: OWNER,
    };
    let api = Env {
        service: Service::Aws,
        at: None,
        region: REGION,
        owner_account: OWNER,
    };
    let anonymous = Caller::Anonymous;
    let account = Caller::principal(PARTNER, &probe_role(PARTNER), None);
    let sourcevpc = "vpc-lattice-svcs:sourcevpc";
    let owner = "vpc-lattice-svcs:sourcevpcowneraccount";
    // (key, caller, source, env, value, side)
    let rows: Vec<(&str, &Caller, &NetworkSource, &Env, KeyValue, Side)> = vec![
        (
            sourcevpc,
            &anonymous,
            &partner_vpc,
            &lattice,
            one("vpc-0partner"),
            Side::Source,
        ),
        (
            sourcevpc,
            &account,
            &partner_vpc,
            &api,
            Absent,
            Side::Source,
        ),
        (
            owner,
            &account,
            &partner_vpc,
            &lattice,
            one(PARTNER),
            Side::Source,
        ),
        (
            owner,
            &account,
            &fresh_vpc,
            &lattice,
            one("000000000000"),
            Side::Source,
        ),
        (owner, &account, &far_vpc, &lattice, Unknown, Side::Source),
        (owner, &account, &public, &api, Absent, Side::Source),
        (
            "vpc-lattice-svcs:requestheader/x-tenant",
            &account,
            &partner_vpc,
            &lattice,
            ChosenByCaller,
            Side::Constant,
        ),
        (
            "vpc-lattice-svcs:requestquerystring/debug",
            &anonymous,
            &partner_vpc,
            &lattice,
            ChosenByCaller,
            Side::Constant,
        ),
        (
            "vpc-lattice-svcs:requestheader/x-tenant",
            &account,
            &public,
            &api,
            Absent,
            Side::Constant,
        ),
        // Decided per request before probing: what is left is what `lattice` could not read.
        (
            "vpc-lattice-svcs:requestmethod",
            &account,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Constant,
        ),
        (
            "vpc-lattice-svcs:requestmethod",
            &account,
            &public,
            &api,
            Absent,
            Side::Constant,
        ),
        (
            "vpc-lattice-svcs:port",
            &account,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Constant,
        ),
        (
            "vpc-lattice-svcs:servicenetworkarn",
            &account,
            &public,
            &api,
            Absent,
            Side::Constant,
        ),
        // AWS's network keys are not documented for Lattice: unknown, never absent.
        (
            "aws:sourceip",
            &anonymous,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Source,
        ),
        (
            "aws:sourcevpc",
            &account,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Source,
        ),
        (
            "aws:sourcevpce",
            &account,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Source,
        ),
        (
            "aws:vpcsourceip",
            &account,
            &partner_vpc,
            &lattice,
            Unknown,
            Side::Source,
        ),
        // The principal keys read as for execute-api: unsigned requests are `Anonymous`.
        (
            "aws:principaltype",
            &anonymous,
            &partner_vpc,
            &lattice,
            one("Anonymous"),
            Side::Principal,
        ),
        (
            "aws:principalaccount",
            &account,
            &partner_vpc,
            &lattice,
            one(PARTNER),
            Side::Principal,
        ),
        (
            "aws:principalarn",
            &anonymous,
            &partner_vpc,
            &lattice,
            Absent,
            Side::Principal,
        ),
    ];
    let mut wrong = vec![];
    for (key, caller, source, env, want, side) in &rows {
        let got = key_value(key, caller, source, env);
        if got != *want || side_of(key) != *side {
            wrong.push(format!(
                "{key} for {caller:?} through {source:?} ({:?}): {got:?}/{:?} (want {want:?}/{side:?})",
                env.service,
                side_of(key)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
#[rustfmt::skip]
fn lattice_keys_are_absent_from_execute_api_requests() {
    run(&[
        // A Lattice key in an API Gateway policy: no execute-api request carries it, so the
        // Allow admits no one (and the verdict is sure of it).
        case("allow needing vpc-lattice-svcs:SourceVpc admits no API caller",
            &[&allow_when(r#"{"StringEquals":{"vpc-lattice-svcs:SourceVpc":"vpc-0partner"}}"#)],
            "prod/GET/x", IAM, ALLOW, PRIVATE, "owner"),
        case("deny StringNotEquals vpc-lattice-svcs:SourceVpcOwnerAccount shuts everyone out",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"vpc-lattice-svcs:SourceVpcOwnerAccount":"111111111111"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        // guard: a positive operator on the missing key denies no one.
        case("guard: deny StringEquals vpc-lattice-svcs:RequestMethod denies no API caller",
            &[ALLOW_ALL, &deny_when(r#"{"StringEquals":{"vpc-lattice-svcs:RequestMethod":"GET"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
    ]);
}
