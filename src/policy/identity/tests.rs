//! A role's calls: its policies intersected with its boundary, the resource policy's Denies
//! and grants, and the networks from which outsiders holding it can call.

use super::*;

const OWNER: &str = "111111111111";
const ROLE: &str = "arn:aws:iam::111111111111:role/partner-bridge";
const API: &str = "arn:aws:execute-api:us-east-1:111111111111:abc123";

fn identity(statements: &[&str]) -> PolicyDocument {
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    parse_identity_policy(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn resource(statements: &[&str]) -> PolicyDocument {
    super::super::parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    ))
    .unwrap()
}

fn invoke_all() -> PolicyDocument {
    identity(&[
        r#"{"Sid":"Invoke","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/*"}"#,
    ])
}

fn owned_vpce(id: &str) -> Option<String> {
    match id {
        "vpce-0owner" => Some(OWNER.into()),
        "vpce-0partner" => Some("345678901234".into()),
        _ => None,
    }
}

fn vpce_vpc(id: &str) -> Option<String> {
    owned_vpce(id).map(|_| format!("vpc-of-{id}"))
}

fn no_vpc(_: &str) -> Option<String> {
    None
}

fn ctx() -> ReachContext<'static> {
    ReachContext {
        owner_account: OWNER,
        region: "us-east-1",
        at: None,
        vpce_owner: &owned_vpce,
        vpc_owner: &no_vpc,
        vpce_vpc: &vpce_vpc,
    }
}

fn call(
    permissions: &PermissionSet,
    method: &str,
    resource_policy: Option<&PolicyDocument>,
    network: Network,
) -> Option<RoleInvoke> {
    let arn = format!("{API}/{method}");
    role_invoke(
        &RoleCaller {
            account: OWNER,
            arn: ROLE,
            permissions,
            organization: None,
        },
        &InvokeRequest {
            method_arn: &arn,
            resource_policy,
            network,
        },
        &ctx(),
    )
}

fn with(policies: &[(&str, PolicyDocument)]) -> PermissionSet {
    let mut set = PermissionSet::default();
    for (name, doc) in policies {
        set.add(name, doc);
    }
    set
}

#[test]
fn the_roles_own_grant_decides_verb_path_and_api() {
    let all = with(&[("inline:invoke", invoke_all())]);
    let got = call(&all, "prod/POST/orders/{id}", None, Network::Public).expect("allowed");
    assert_eq!(got.networks, CallNetworks::Any);
    assert_eq!(got.allowing_statements, ["inline:invoke/Invoke"]);
    assert!(!got.low_confidence);

    let reads = with(&[(
        "inline:reads",
        identity(&[
            r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:abc123/prod/GET/*"}"#,
        ]),
    )]);
    assert!(call(&reads, "prod/GET/orders/{id}", None, Network::Public).is_some());
    assert!(call(&reads, "prod/POST/orders", None, Network::Public).is_none());
    let other_api = with(&[(
        "inline:other",
        identity(&[
            r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:zzz999/*"}"#,
        ]),
    )]);
    assert!(call(&other_api, "prod/POST/orders", None, Network::Public).is_none());
    // `*` and `execute-api:*` count; another service's action does not.
    for action in ["*", "execute-api:*", "execute-api:Inv*"] {
        let set = with(&[(
            "p",
            identity(&[&format!(
                r#"{{"Effect":"Allow","Action":"{action}","Resource":"*"}}"#
            )]),
        )]);
        assert!(
            call(&set, "prod/POST/orders", None, Network::Public).is_some(),
            "{action}"
        );
    }
    let s3 = with(&[(
        "p",
        identity(&[r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#]),
    )]);
    assert!(call(&s3, "prod/POST/orders", None, Network::Public).is_none());
    // NotAction that leaves execute-api in (PowerUserAccess's shape).
    let power = with(&[(
        "arn:aws:iam::aws:policy/PowerUserAccess",
        identity(&[r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#]),
    )]);
    assert!(call(&power, "prod/POST/orders", None, Network::Public).is_some());
}

#[test]
fn a_permissions_boundary_intersects_and_a_deny_wins() {
    let mut bounded = with(&[("inline:invoke", invoke_all())]);
    bounded.set_boundary(
        "arn:aws:iam::111111111111:policy/boundary",
        Some(&identity(&[
            r#"{"Effect":"Allow","Action":["s3:*","execute-api:Invoke"],"Resource":"arn:aws:execute-api:*:*:*/*/GET/*"}"#,
        ])),
    );
    assert!(call(&bounded, "prod/POST/orders", None, Network::Public).is_none());
    assert!(call(&bounded, "prod/GET/orders", None, Network::Public).is_some());
    // A boundary that could not be read narrows nothing.
    let mut unread = with(&[("inline:invoke", invoke_all())]);
    unread.set_boundary("arn:aws:iam::111111111111:policy/gone", None);
    assert!(call(&unread, "prod/POST/orders", None, Network::Public).is_some());
    let denied = with(&[
        ("inline:invoke", invoke_all()),
        (
            "inline:no-writes",
            identity(&[
                r#"{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/POST/*"}"#,
            ]),
        ),
    ]);
    assert!(call(&denied, "prod/POST/orders", None, Network::Public).is_none());
}

#[test]
fn the_resource_policy_still_binds_the_role() {
    let all = with(&[("inline:invoke", invoke_all())]);
    let deny_role = resource(&[
        r#"{"Sid":"NoBridge","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/partner-bridge"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
    ]);
    assert!(call(&all, "prod/POST/orders", Some(&deny_role), Network::Public).is_none());
    // Pinned to the owner's own endpoint: outsiders holding the role are not there.
    let pinned = |vpce: &str| {
        resource(&[
            r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
            &format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"{vpce}"}}}}}}"#
            ),
        ])
    };
    assert!(call(
        &all,
        "prod/POST/orders",
        Some(&pinned("vpce-0owner")),
        Network::PrivateVpce
    )
    .is_none());
    let partner = call(
        &all,
        "prod/POST/orders",
        Some(&pinned("vpce-0partner")),
        Network::PrivateVpce,
    )
    .expect("through the partner's endpoint");
    assert_eq!(
        partner.networks,
        CallNetworks::AccountNetworks(vec!["345678901234".into()])
    );
    // An address allow-list binds the role's calls too.
    let ip = resource(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    ]);
    assert_eq!(
        call(&all, "prod/POST/orders", Some(&ip), Network::Public).map(|i| i.networks),
        Some(CallNetworks::Addresses(vec!["203.0.113.0/24".into()]))
    );
}

#[test]
fn a_resource_policy_grant_to_the_role_suffices_within_its_boundary() {
    let grant = resource(&[
        r#"{"Sid":"Bridge","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/partner-bridge"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}"#,
    ]);
    let nothing = PermissionSet::default();
    let got = call(&nothing, "prod/POST/orders", Some(&grant), Network::Public).expect("granted");
    assert_eq!(got.allowing_statements, ["resource-policy/Bridge"]);
    assert!(may_grant_role(&grant, OWNER, ROLE));
    assert!(!may_grant_role(
        &grant,
        OWNER,
        "arn:aws:iam::111111111111:role/other"
    ));
    let mut bounded = PermissionSet::default();
    bounded.set_boundary(
        "b",
        Some(&identity(&[
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
        ])),
    );
    assert!(call(&bounded, "prod/POST/orders", Some(&grant), Network::Public).is_none());
}

#[test]
fn an_unknown_condition_keeps_the_grant_at_medium_confidence() {
    let tagged = with(&[(
        "inline:tagged",
        identity(&[
            r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"payments"}}}"#,
        ]),
    )]);
    let got = call(&tagged, "prod/POST/orders", None, Network::Public).expect("kept");
    assert!(got.low_confidence);
    assert_eq!(got.unevaluated, ["condition aws:principaltag/team"]);
}

#[test]
fn an_unreadable_policy_is_taken_as_allowing_everything() {
    let mut set = PermissionSet::default();
    set.add_unreadable("inline:broken");
    assert!(call(&set, "prod/DELETE/orders", None, Network::Public).is_some());
    assert!(set
        .allows_assume("arn:aws:iam::222222222222:role/x", OWNER, ROLE)
        .is_some());
}

#[test]
fn assuming_another_role_needs_the_roles_own_grant() {
    let set = with(&[(
        "inline:assume",
        identity(&[
            r#"{"Sid":"Next","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/invoker"}"#,
        ]),
    )]);
    assert_eq!(
        set.allows_assume("arn:aws:iam::111111111111:role/invoker", OWNER, ROLE),
        Some(vec!["inline:assume/Next".to_string()])
    );
    assert_eq!(
        set.allows_assume("arn:aws:iam::111111111111:role/admin", OWNER, ROLE),
        None
    );
}

#[test]
fn the_resource_account_of_an_assume_role_call_is_not_known_so_never_narrows() {
    // `allows_assume` is asked without the target role's account: a condition on
    // `aws:ResourceAccount` is unknown there, which keeps an Allow (never narrows the reach)
    // and leaves a Deny out.
    let set = with(&[(
        "inline:assume",
        identity(&[
            r#"{"Sid":"Own","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":"111111111111"}}}"#,
            r#"{"Sid":"Fence","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceAccount":"111111111111"}}}"#,
        ]),
    )]);
    assert_eq!(
        set.allows_assume("arn:aws:iam::111111111111:role/invoker", OWNER, ROLE),
        Some(vec!["inline:assume/Own".to_string()])
    );
}

#[test]
fn a_grant_fits_an_api_by_its_literal_head() {
    let prefix = "arn:aws:execute-api:us-east-1:111111111111:abc123/";
    for (pattern, fits) in [
        ("*", true),
        ("arn:aws:execute-api:*", true),
        ("arn:aws:execute-api:us-east-1:111111111111:abc123/*", true),
        (
            "arn:aws:execute-api:us-east-1:111111111111:abc123/prod/GET/x",
            true,
        ),
        ("arn:aws:execute-api:us-east-1:111111111111:zzz/*", false),
        ("arn:aws:execute-api:eu-west-1:*", false),
    ] {
        assert_eq!(prefix_compatible(pattern, prefix), fits, "{pattern}");
    }
}

#[test]
fn identity_documents_parse_as_iam_returns_them() {
    let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22execute-api%3AInvoke%22%2C%22Resource%22%3A%22*%22%7D%7D";
    assert_eq!(parse_identity_policy(encoded).unwrap().statement_count(), 1);
    let err = parse_identity_policy(
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
    )
    .unwrap_err();
    assert!(err.message.contains("names a principal"), "{err}");
    assert!(parse_identity_policy("%FF%FE").is_err());
}
