//! Principals, effects, Not* elements.

use super::*;

#[test]
#[rustfmt::skip]
fn principal_forms() {
    run(&[
        case("star, iam", &[ALLOW_ALL], "prod/GET/orders", IAM, ALLOW, PUBLIC, "any_aws_account").by(&["AllowAll"]),
        case("star, anonymous", &[ALLOW_ALL], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet").by(&["AllowAll"]),
        case("AWS star, iam", &[ALLOW_AWS_STAR], "prod/POST/orders", IAM, ALLOW, PUBLIC, "any_aws_account").by(&["AwsStar"]),
        case("AWS star, anonymous", &[ALLOW_AWS_STAR], "prod/POST/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("AWS star in a list", &[r#"{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"execute-api:Invoke","Resource":"*"}"#], "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").by(&["#0"]),
        case("bare account id", &[ALLOW_PARTNER_ID], "prod/DELETE/orders/{id}", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["PartnerId"]),
        case("account root arn", &[ALLOW_PARTNER_ROOT], "prod/GET/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["PartnerRoot"]),
        case("role arn", &[ALLOW_PARTNER_ROLE_GET], "prod/GET/orders/{id}", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["PartnerReadOnly"]),
        case("role arn, other verb", &[ALLOW_PARTNER_ROLE_GET], "prod/POST/orders", IAM, ALLOW, PUBLIC, "owner"),
        case("list of accounts and roles",
            &[r#"{"Sid":"Two","Effect":"Allow","Principal":{"AWS":["333333333333","arn:aws:iam::222222222222:role/partner-reader"]},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]").by(&["Two"]),
        case("owner root only", &[ALLOW_OWNER_ONLY], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("owner id and partner", &[r#"{"Effect":"Allow","Principal":{"AWS":["111111111111","222222222222"]},"Action":"execute-api:Invoke","Resource":"*"}"#], "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("service principal never matches",
            &[r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("service principal never matches anonymous",
            &[r#"{"Effect":"Allow","Principal":{"Service":["apigateway.amazonaws.com"],"Federated":"cognito-identity.amazonaws.com"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("service and account in one principal",
            &[r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"333333333333"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[333333333333]"),
        case("IAM principal never matches an anonymous call", &[ALLOW_PARTNER_ROLE_GET], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("account never matches an anonymous call", &[ALLOW_PARTNER_ID, ALLOW_PARTNER_ROOT], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("no policy statement for the method", &[ALLOW_PARTNER_ROLE_GET], "dev/GET/orders", IAM, ALLOW, PUBLIC, "owner"),
        // An account id is exactly 12 digits; anything else in `AWS` is read as an ARN, and a
        // short number is not an ARN of anyone (IAM rejects it as an invalid principal).
        case("a short number is no account",
            &[r#"{"Effect":"Allow","Principal":{"AWS":"22222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
    ]);
}

#[test]
#[rustfmt::skip]
fn deny_and_not_elements() {
    run(&[
        case("deny beats allow", &[ALLOW_ALL, DENY_ALL], "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("deny beats allow, anonymous", &[DENY_ALL, ALLOW_ALL], "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny of one account leaves the others", &[ALLOW_ALL,
            r#"{"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny of the partner's role leaves its account",
            &[ALLOW_PARTNER_ID, r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/partner-reader"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("deny of writes only", &[ALLOW_ALL,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*/POST/*","execute-api:/*/DELETE/*"]}"#],
            "prod/POST/orders/{id}", IAM, ALLOW, PUBLIC, "owner"),
        case("deny of writes leaves reads", &[ALLOW_ALL,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*/POST/*","execute-api:/*/DELETE/*"]}"#],
            "prod/GET/orders/{id}", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("allow NotPrincipal lets everyone else in",
            &[r#"{"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("allow NotPrincipal admits anonymous",
            &[r#"{"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny NotPrincipal keeps only the named role",
            &[ALLOW_ALL, r#"{"Sid":"OnlyPartner","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::222222222222:role/partner-reader","arn:aws:iam::222222222222:root"]},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["AllowAll"]),
        case("deny NotPrincipal shuts out anonymous",
            &[ALLOW_ALL, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allow NotAction covering Invoke",
            &[r#"{"Effect":"Allow","Principal":"*","NotAction":"execute-api:ManageConnections","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("allow NotAction excluding Invoke",
            &[r#"{"Effect":"Allow","Principal":"*","NotAction":["execute-api:Invoke"],"Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("deny NotAction excluding Invoke does not deny it",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","NotAction":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny NotAction excluding a wildcard that misses Invoke",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","NotAction":"execute-api:Manage*","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allow NotResource admin", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/*/*/admin/*"}"#],
            "prod/GET/orders", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("allow NotResource excludes admin", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/*/*/admin/*"}"#],
            "prod/GET/admin/{proxy+}", IAM, ALLOW, PUBLIC, "owner"),
        case("allow NotResource excluding one instance still grants the template",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/orders/42"}"#],
            "prod/GET/orders/{id}", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny NotResource of GET denies POST",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/*/GET/*"}"#],
            "prod/POST/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("deny NotResource of GET leaves GET",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/*/GET/*"}"#],
            "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("action wildcard execute-api:*", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("action *", &[r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("action case-insensitive", &[r#"{"Effect":"Allow","Principal":"*","Action":"EXECUTE-API:invoke","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("action wildcard ?", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Inv?ke","Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("other action", &[r#"{"Effect":"Allow","Principal":"*","Action":["execute-api:ManageConnections","s3:GetObject"],"Resource":"*"}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allowing statements are those that let the widest callers in",
            &[ALLOW_ALL, ALLOW_AWS_STAR, ALLOW_PARTNER_ID], "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account")
            .by(&["AllowAll", "AwsStar"]),
        case("allowing statements of named accounts",
            &[ALLOW_PARTNER_ROOT, ALLOW_PARTNER_ROLE_GET, ALLOW_OWNER_ONLY], "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]")
            .by(&["PartnerReadOnly", "PartnerRoot"]),
    ]);
}

/// IAM never expands a wildcard inside a principal ("You cannot use a wildcard to match part of
/// a principal name or ARN", IAM User Guide, *AWS JSON policy elements: Principal*): such a
/// principal names no one. Only `"*"` and `{"AWS": "*"}` are everyone.
#[test]
#[rustfmt::skip]
fn principal_arns_with_wildcards_name_no_one() {
    const TASK_ROLES: &str = r#"{"Sid":"TaskRoles","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/*-api-task-role"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
    run(&[
        case("a role name pattern grants nothing", &[TASK_ROLES], "prod/POST/orders", IAM, ALLOW, PUBLIC, "owner"),
        case("a role name pattern grants nothing, private", &[TASK_ROLES], "prod/POST/orders", IAM, ALLOW, PRIVATE, "owner"),
        case("an account pattern grants nothing",
            &[r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::*:root"]},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("a session pattern grants nothing",
            &[r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::222222222222:assumed-role/partner-reader/*"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("the other principals of the statement still count",
            &[r#"{"Sid":"Mixed","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:role/*-api-task-role","arn:aws:iam::222222222222:role/partner-reader"]},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["Mixed"]),
        case("a deny of a role pattern denies no one",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/*"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("NotPrincipal with a role pattern exempts no one",
            &[ALLOW_ALL, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:role/partner-*"},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        // The way to match by pattern: aws:PrincipalArn with ArnLike.
        case("guard: the same pattern through aws:PrincipalArn",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/*-api-task-role"}}}"#],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[444455556666]"),
        case("guard: AWS * in a list is everyone", &[r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::*:root","*"]},"Action":"execute-api:Invoke","Resource":"*"}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
    ]);
}

#[test]
fn unmatchable_principals_are_listed() {
    let d = parse_policy(&doc(&[
        r#"{"Sid":"TaskRoles","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:role/*-api-task-role","222222222222"]},"Action":"execute-api:Invoke","Resource":"*"}"#,
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:role/partner-?"},"Action":"execute-api:Invoke","Resource":"*"}"#,
        ALLOW_ALL,
        ALLOW_PARTNER_ROLE_GET,
    ]))
    .expect("policy");
    assert_eq!(
        d.unmatchable_principals(),
        vec![
            UnmatchablePrincipal {
                sid: "TaskRoles".into(),
                allow: true,
                not_principal: false,
                principal: "arn:aws:iam::444455556666:role/*-api-task-role".into(),
            },
            UnmatchablePrincipal {
                sid: "#1".into(),
                allow: false,
                not_principal: true,
                principal: "arn:aws:iam::222222222222:role/partner-?".into(),
            },
        ]
    );
}

/// How a principal ARN calls (IAM User Guide, *Role session principals*): a role as a session
/// of itself, whose ARN drops the role's path; a session as itself, on behalf of its role; a
/// user or the root as itself.
#[test]
fn how_principals_call() {
    use crate::policy::reference::Caller;
    let calls = |arn: &str| match Caller::principal("222222222222", arn, None) {
        Caller::Principal { arn, session, .. } => (arn, session),
        Caller::Anonymous => unreachable!(),
    };
    assert_eq!(
        calls("arn:aws:iam::222222222222:role/team/app/reader"),
        (
            "arn:aws:iam::222222222222:role/team/app/reader".to_string(),
            Some("arn:aws:sts::222222222222:assumed-role/reader/overexposed-probe".to_string())
        )
    );
    assert_eq!(
        calls("arn:aws-cn:iam::222222222222:role/reader"),
        (
            "arn:aws-cn:iam::222222222222:role/reader".to_string(),
            Some("arn:aws-cn:sts::222222222222:assumed-role/reader/overexposed-probe".to_string())
        )
    );
    assert_eq!(
        calls("arn:aws:sts::222222222222:assumed-role/reader/alice"),
        (
            "arn:aws:iam::222222222222:role/reader".to_string(),
            Some("arn:aws:sts::222222222222:assumed-role/reader/alice".to_string())
        )
    );
    for itself in [
        "arn:aws:iam::222222222222:user/alice",
        "arn:aws:iam::222222222222:root",
        "arn:aws:sts::222222222222:federated-user/bob",
        "not-an-arn",
    ] {
        assert_eq!(calls(itself), (itself.to_string(), None), "{itself}");
    }
}

/// `NotPrincipal` (IAM User Guide, *NotPrincipal*): a Deny spares a caller whose account or
/// calling identity (the session, or the user) is listed, and a Deny naming only a role still
/// denies its sessions; an Allow leaves out only a caller all of whose identities are listed.
#[test]
fn not_principal_exemptions() {
    use crate::policy::document::{Effect, PrincipalItem};
    use crate::policy::reference::{not_principal_exempts, Caller};
    const ROLE: &str = "arn:aws:iam::222222222222:role/reader";
    const SESSION: &str = "arn:aws:sts::222222222222:assumed-role/reader/alice";
    let session = Caller::principal(PARTNER, SESSION, None);
    let user = Caller::principal(PARTNER, "arn:aws:iam::222222222222:user/bob", None);
    let account = PrincipalItem::Account(PARTNER.into());
    let other_account = PrincipalItem::Account(OTHER.into());
    let role = PrincipalItem::Arn(ROLE.into());
    let session_item = PrincipalItem::Arn(SESSION.into());
    let bob = PrincipalItem::Arn("arn:aws:iam::222222222222:user/bob".into());
    let pattern = PrincipalItem::Unmatchable("arn:aws:iam::222222222222:role/*".into());
    use Effect::{Allow, Deny};
    // (items, caller, effect, exempt)
    let rows: Vec<(Vec<PrincipalItem>, &Caller, Effect, bool)> = vec![
        (
            vec![PrincipalItem::Everyone],
            &Caller::Anonymous,
            Deny,
            true,
        ),
        (vec![account.clone()], &Caller::Anonymous, Deny, false),
        (vec![account.clone()], &session, Deny, true),
        (vec![other_account.clone()], &session, Deny, false),
        (vec![role.clone()], &session, Deny, false),
        (vec![session_item.clone()], &session, Deny, true),
        (vec![bob.clone()], &user, Deny, true),
        (vec![pattern.clone()], &session, Deny, false),
        (vec![account.clone()], &session, Allow, false),
        (vec![account.clone(), role.clone()], &session, Allow, false),
        (
            vec![account.clone(), session_item.clone()],
            &session,
            Allow,
            false,
        ),
        (
            vec![role.clone(), session_item.clone()],
            &session,
            Allow,
            false,
        ),
        (
            vec![account.clone(), role.clone(), session_item.clone()],
            &session,
            Allow,
            true,
        ),
        (vec![account.clone(), bob.clone()], &user, Allow, true),
        (vec![bob.clone()], &user, Allow, false),
        (vec![other_account, bob], &user, Allow, false),
        (vec![account, role, pattern], &session, Allow, false),
    ];
    for (items, caller, effect, want) in rows {
        assert_eq!(
            not_principal_exempts(&items, caller, effect),
            want,
            "{items:?} {caller:?} {effect:?}"
        );
    }
}
