//! Who a trust policy lets in: AWS principals (named, `*`, narrowed by conditions), conditions
//! the caller sets itself, web identities with and without a pinned subject, and how a trust
//! admits a role of the estate in a chain.

use super::*;

const OWNER: &str = "111111111111";
const PARTNER: &str = "345678901234";
const GITHUB: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

fn trust(statements: &[&str]) -> PolicyDocument {
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    parse_trust_policy(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn grants(statements: &[&str]) -> Vec<TrustGrant> {
    trust_grants(&trust(statements), OWNER)
}

/// The trusted class of each grant.
fn who(statements: &[&str]) -> Vec<Trusted> {
    grants(statements).into_iter().map(|g| g.trusted).collect()
}

fn accounts(list: &[&str]) -> Trusted {
    Trusted::Aws(Reach::Accounts {
        accounts: list.iter().map(|a| a.to_string()).collect(),
    })
}

#[test]
fn a_named_account_or_principal_is_that_account() {
    let g = grants(&[
        r#"{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::345678901234:root"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].statement, "Partner");
    assert_eq!(g[0].trusted, accounts(&[PARTNER]));
    assert_eq!(g[0].principals, [PARTNER]);
    assert!(!g[0].low_confidence);
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::345678901234:role/bridge-caller"},"Action":"sts:AssumeRole"}"#
        ]),
        [accounts(&[PARTNER])]
    );
}

#[test]
fn the_owner_its_services_and_its_workforce_are_not_outsiders() {
    for statement in [
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}"#,
        r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
        r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}"#,
    ] {
        assert_eq!(who(&[statement]), [], "{statement}");
    }
}

#[test]
fn principal_star_is_any_account_unless_a_condition_narrows_it() {
    let star = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#;
    assert_eq!(who(&[star]), [Trusted::Aws(Reach::AnyAwsAccount)]);
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#
        ]),
        [Trusted::Aws(Reach::Organization {
            org_ids: vec!["o-abc123".into()]
        })]
    );
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalAccount":["345678901234"]}}}"#
        ]),
        [accounts(&[PARTNER])]
    );
    // A role name pattern any account can create is no narrowing.
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci-*"}}}"#
        ]),
        [Trusted::Aws(Reach::AnyAwsAccount)]
    );
}

#[test]
fn an_external_id_does_not_narrow_who() {
    let g = grants(&[
        r#"{"Sid":"Anyone","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"}}}"#,
    ]);
    assert_eq!(g[0].trusted, Trusted::Aws(Reach::AnyAwsAccount));
    assert_eq!(g[0].caller_set, ["sts:externalid"]);
    // Understood, not unknown: the verdict stays at high confidence.
    assert!(!g[0].low_confidence, "{g:?}");
    // A Deny that rests on it is stepped around by supplying the id.
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"sts:AssumeRole"}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"sts:ExternalId":"s3cr3t"}}}"#,
        ]),
        [accounts(&[PARTNER])]
    );
}

#[test]
fn each_statement_is_judged_on_its_own_with_every_deny() {
    // An organization and a partner outside it: both are named.
    let both = who(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#,
        r#"{"Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        both,
        [
            Trusted::Aws(Reach::Organization {
                org_ids: vec!["o-abc123".into()]
            }),
            accounts(&[PARTNER])
        ]
    );
    // A Deny of the partner keeps it out.
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"sts:AssumeRole"}"#,
            r#"{"Effect":"Deny","Principal":{"AWS":"345678901234"},"Action":"sts:AssumeRole"}"#,
        ]),
        []
    );
    // A statement for another action lets no one assume the role.
    assert_eq!(
        who(&[
            r#"{"Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"sts:TagSession"}"#
        ]),
        []
    );
}

fn github(condition: &str) -> String {
    format!(
        r#"{{"Sid":"GitHub","Effect":"Allow","Principal":{{"Federated":"{GITHUB}"}},"Action":"sts:AssumeRoleWithWebIdentity"{condition}}}"#
    )
}

#[test]
fn a_web_identity_with_no_subject_pinned_is_anyone_with_a_token() {
    let open = Trusted::WebIdentity {
        provider: "token.actions.githubusercontent.com".into(),
        public: true,
    };
    let no_sub = github(
        r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
    );
    let g = grants(&[&no_sub]);
    assert_eq!(g[0].trusted, open);
    assert_eq!(g[0].principals, [GITHUB]);
    assert!(!g[0].low_confidence);
    for wide in ["repo:*", "*", "repo:my*", "repo:*/infra:*"] {
        let s = github(&format!(
            r#","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"{wide}"}}}}"#
        ));
        assert_eq!(who(&[&s]), std::slice::from_ref(&open), "{wide}");
    }
    for pinned in [
        "repo:my-org/infra:ref:refs/heads/main",
        "repo:my-org/*",
        "repo:my-org/infra:*",
    ] {
        let s = github(&format!(
            r#","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"{pinned}"}}}}"#
        ));
        assert_eq!(who(&[&s]), [], "{pinned}");
    }
    // A Deny of every subject but one pins it too.
    assert_eq!(
        who(&[
            &no_sub,
            &format!(
                r#"{{"Effect":"Deny","Principal":{{"Federated":"{GITHUB}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringNotLike":{{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}}}}}}"#
            ),
        ]),
        []
    );
}

#[test]
fn a_deny_of_some_subjects_leaves_the_others_in() {
    // A Deny that names a subject positively keeps out only that subject: every other workflow
    // GitHub issues a token to still gets in (IAM: a Deny applies where its conditions hold).
    let no_sub = github(
        r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
    );
    let deny_one_repo = format!(
        r#"{{"Effect":"Deny","Principal":{{"Federated":"{GITHUB}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:evil-org/*"}}}}}}"#
    );
    assert_eq!(
        who(&[&no_sub, &deny_one_repo]),
        [Trusted::WebIdentity {
            provider: "token.actions.githubusercontent.com".into(),
            public: true,
        }]
    );
}

#[test]
fn a_cognito_identity_pool_for_authenticated_identities_depends_on_its_sign_up() {
    // The trust policy AWS documents for a Cognito identity pool's authenticated role.
    let pool = r#"{"Sid":"Pool","Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-abcd-4321-dcba-123456789012"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}"#;
    let g = grants(&[pool]);
    assert_eq!(g.len(), 1);
    assert_eq!(
        g[0].trusted,
        Trusted::WebIdentity {
            provider: "cognito-identity.amazonaws.com".into(),
            public: true,
        }
    );
    assert!(g[0].low_confidence, "who can sign up is not read");
    assert!(
        g[0].explanation
            .contains("Cognito identity pool authenticates"),
        "{}",
        g[0].explanation
    );
    // The same `amr` condition on another provider says nothing about a pool.
    let github_amr = github(
        r#","Condition":{"ForAnyValue:StringLike":{"token.actions.githubusercontent.com:amr":"authenticated"}}"#,
    );
    let g = grants(&[&github_amr]);
    assert!(!g[0].low_confidence);
    assert!(
        !g[0].explanation.contains("Cognito"),
        "{}",
        g[0].explanation
    );
}

#[test]
fn an_eks_cluster_is_the_owners_and_an_unknown_provider_is_taken_as_public() {
    let eks = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity"}"#;
    assert_eq!(
        who(&[eks]),
        [Trusted::WebIdentity {
            provider: "oidc.eks.us-east-1.amazonaws.com/id/ABC".into(),
            public: false
        }]
    );
    let unknown = r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:oidc-provider/idp.example.com"},"Action":"sts:AssumeRoleWithWebIdentity"}"#;
    let g = grants(&[unknown]);
    assert_eq!(
        g[0].trusted,
        Trusted::WebIdentity {
            provider: "idp.example.com".into(),
            public: true
        }
    );
    assert!(
        g[0].low_confidence,
        "who an unknown provider serves is not known"
    );
}

#[test]
fn the_subject_pattern_decides() {
    for (value, pins) in [
        ("repo:o/r:ref:refs/heads/main", true),
        ("repo:o/*", true),
        ("project_path:group/*", true),
        ("organization:acme:*", true),
        ("system:serviceaccount:ns:sa", true),
        ("repo:*", false),
        ("repo:o*", false),
        ("*", false),
        ("", false),
    ] {
        assert_eq!(pins_subject(value), pins, "{value}");
    }
}

#[test]
fn a_trust_admits_a_role_by_name_or_through_its_account() {
    let bridge = "arn:aws:iam::345678901234:role/bridge";
    let by_name = trust(&[
        r#"{"Sid":"Bridge","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::345678901234:role/bridge"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        trust_admits(&by_name, PARTNER, bridge, None),
        Some(Admission {
            statements: vec!["Bridge".into()],
            by_name: true
        })
    );
    assert_eq!(
        trust_admits(
            &by_name,
            PARTNER,
            "arn:aws:iam::345678901234:role/other",
            None
        ),
        None
    );
    let by_account = trust(&[
        r#"{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"345678901234"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        trust_admits(&by_account, PARTNER, bridge, None).map(|a| a.by_name),
        Some(false)
    );
    // An organization guardrail: unknown membership is tried as a member; a known other
    // organization is not let in.
    let org = trust(&[
        r#"{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#,
    ]);
    assert!(trust_admits(&org, PARTNER, bridge, None).is_some());
    assert!(trust_admits(&org, PARTNER, bridge, Some("o-abc123")).is_some());
    assert!(trust_admits(&org, PARTNER, bridge, Some("o-other")).is_none());
}

#[test]
fn named_principals_index_the_candidates() {
    let doc = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::345678901234:role/bridge","222222222222"]},"Action":"sts:AssumeRole"}"#,
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        trust_principals(&doc),
        NamedPrincipals {
            anyone: false,
            arns: vec!["arn:aws:iam::345678901234:role/bridge".into()],
            accounts: vec!["222222222222".into()],
        }
    );
    let star = trust(&[r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#]);
    assert!(trust_principals(&star).anyone);
    // Only Allows of sts:AssumeRole name candidates: a Deny for everyone outside the
    // organization, or a grant of another action, lets no one in.
    let fenced = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}"#,
        r#"{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::345678901234:role/tagger"},"Action":"sts:TagSession"}"#,
    ]);
    assert_eq!(
        trust_principals(&fenced),
        NamedPrincipals {
            anyone: false,
            arns: vec![],
            accounts: vec!["222222222222".into()],
        }
    );
    // A role session names no role by its ARN: the candidates cannot be indexed by name.
    let session = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::345678901234:assumed-role/bridge/ci"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        trust_principals(&session),
        NamedPrincipals {
            anyone: true,
            arns: vec![],
            accounts: vec![],
        }
    );
}

#[test]
fn trust_documents_parse_as_iam_returns_them() {
    // URL-encoded (real AWS), with a resource-less statement.
    let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22345678901234%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    assert_eq!(
        trust_grants(&parse_trust_policy(encoded).unwrap(), OWNER)[0].trusted,
        accounts(&[PARTNER])
    );
    // A trust policy needs its principals.
    let err = parse_trust_policy(r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#)
        .unwrap_err();
    assert!(err.message.contains("no Principal"), "{err}");
    // Not a document once decoded: an error, never "no one".
    assert!(parse_trust_policy("%7Bnot json").is_err());
}
