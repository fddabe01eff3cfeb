//! Cases from the review of the engine: each table row failed on the engine before its fix
//! (rows marked "guard" pin what the fix must not break).

use super::*;
use crate::policy::probes::MAX_MENTIONED;

const ORG_GUARDRAIL: &str = r#"{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#;
const ALLOW_PARTNER_ROLE_ALL: &str = r#"{"Sid":"PartnerRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/partner-writer"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;

/// An organization guardrail (Deny unless the caller is in the organization) lets in the named
/// partners that are members: each named account and principal is probed as a member of each
/// organization (and path) the policy names, and of one it does not.
#[test]
#[rustfmt::skip]
fn org_guardrails_keep_named_members() {
    run(&[
        case("account root under an org guardrail", &[ALLOW_PARTNER_ROOT, ORG_GUARDRAIL], "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["PartnerRoot"]),
        case("role under an org guardrail", &[ALLOW_PARTNER_ROLE_ALL, ORG_GUARDRAIL], "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["PartnerRole"]),
        case("account under an org guardrail, private api", &[ALLOW_PARTNER_ROOT, ORG_GUARDRAIL], "prod/POST/orders", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("account under an org-path guardrail",
            &[ALLOW_PARTNER_ROOT, &deny_when(r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}"#)],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("one allow needing both the org and the account",
            &[&named("Both", allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc","aws:PrincipalAccount":"222222222222"}}"#))],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["Both"]),
        case("an account in some organization, none named",
            &[&allow_when(r#"{"Null":{"aws:PrincipalOrgID":"false"},"StringEquals":{"aws:PrincipalAccount":"222222222222"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("role pattern under an org guardrail",
            &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/ci-*"}}"#), ORG_GUARDRAIL],
            "prod/DELETE/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        // guard: the guardrail still shuts out anonymous callers and non-members.
        case("guard: anonymous under an org guardrail", &[ALLOW_ALL, ORG_GUARDRAIL], "prod/POST/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("guard: everyone else is the organization", &[ALLOW_ALL, ORG_GUARDRAIL], "prod/POST/orders", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("guard: a second pin to the owner account",
            &[ALLOW_PARTNER_ROOT, ORG_GUARDRAIL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}"#)],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "owner"),
        case("guard: a member of another organization", &[ALLOW_PARTNER_ROOT,
            &deny_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
    ]);
}

#[test]
fn a_member_partner_is_named_with_its_organization() {
    let v = verdict_of(
        &doc(&[ALLOW_PARTNER_ROOT, ORG_GUARDRAIL]),
        "prod/POST/orders",
        IAM,
        ALLOW,
        PUBLIC,
    );
    assert!(
        v.explanation
            .contains("account 222222222222 as a member of o-abc"),
        "{}",
        v.explanation
    );
}

/// `aws:PrincipalOrgPaths` patterns of no particular organization (`*/ou-…/*`) name an OU of
/// whichever organization: every account under it gets in.
#[test]
#[rustfmt::skip]
fn org_paths_of_no_named_organization() {
    const OU: &str = "organization:*/ou-ab12-22222222/*";
    run(&[
        case("allow an ou of any organization",
            &[&named("Ou", allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}"#))],
            "prod/POST/x", IAM, ALLOW, PUBLIC, OU).by(&["Ou"]),
        case("deny outside an ou of any organization",
            &[ALLOW_ALL, &deny_when(r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PRIVATE, OU),
        case("an ou of a named organization",
            &[&allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"},"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, OU),
        case("a named partner under an ou guardrail",
            &[ALLOW_PARTNER_ROOT, &deny_when(r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        // guard: anonymous callers have no org path; a path of a named organization is that organization.
        case("guard: anonymous", &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("guard: a path of a named organization",
            &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("guard: a path pattern of every organization is anyone in one",
            &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
    ]);
}

/// A request through an execute-api endpoint carries the endpoint and its VPC: endpoints of the
/// estate are probed in their own VPC, endpoints outside it in any VPC the policy names.
#[test]
#[rustfmt::skip]
fn private_endpoints_carry_their_vpc() {
    const VIA_PARTNER_VPCE: &str = r#"{"Sid":"ViaPartner","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#;
    const PIN_PARTNER_VPC: &str = r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0partner"}}}"#;
    run(&[
        case("endpoint allowed, its vpc pinned", &[VIA_PARTNER_VPCE, PIN_PARTNER_VPC], "prod/POST/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["ViaPartner"]),
        case("endpoint allowed, its vpc pinned, iam", &[VIA_PARTNER_VPCE, PIN_PARTNER_VPC], "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("vpc allowed, its endpoint pinned",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpc":"vpc-0partner"}}"#), PIN_PARTNER_VPCE],
            "prod/POST/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("endpoint outside the estate in a vpc the policy names",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0stranger"}}"#),
              &deny_when(r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("guard: a deny pinned on both keys spares the partner's network", &[&deny_when(r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-0partner","aws:SourceVpc":"vpc-0partner"}}"#)],
            "prod/POST/x", ANON, DENY_ONLY, PRIVATE, "accounts:[222222222222]"),
        // guard: the owner's endpoint, pinned both ways, stays the owner's.
        case("guard: owner's endpoint and vpc", &[ALLOW_ALL, PIN_OWNER_VPCE,
            &deny_when(r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}"#)],
            "prod/POST/x", ANON, ALLOW, PRIVATE, "owner"),
        case("guard: partner's endpoint pinned to the owner's vpc", &[VIA_PARTNER_VPCE,
            &deny_when(r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}"#)],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "owner"),
    ]);
}

/// Requests to a public (EDGE/REGIONAL) API never come through an execute-api VPC endpoint:
/// aws:SourceVpce and aws:SourceVpc are absent from them.
#[test]
#[rustfmt::skip]
fn public_apis_see_no_endpoints() {
    run(&[
        case("allow through the partner's endpoint", &[&allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allow through the partner's endpoint, iam", &[&allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("allow from an unknown vpc", &[&allow_when(r#"{"StringEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("authorizer behind a pin to the partner's endpoints", &[PIN_PARTNER_VPCE], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "owner"),
        case("pin to an unknown endpoint", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        // guard: conditions that hold without an endpoint.
        case("guard: StringNotEquals an endpoint holds on the internet",
            &[&allow_when(r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "internet"),
    ]);
}

/// The condition `{"<op>":{"aws:SourceIp":<cidrs>}}`; `cidrs` is a JSON string or list.
fn source_ip(op: &str, cidrs: &str) -> String {
    format!(r#"{{"{op}":{{"aws:SourceIp":{cidrs}}}}}"#)
}

/// `::/0` is every IPv6 address as `0.0.0.0/0` is every IPv4 one: an IPv6 caller is probed too.
#[test]
#[rustfmt::skip]
fn ipv6_callers_are_probed() {
    let allow_ip = |cidrs: &str| named("Ip", allow_when(&source_ip("IpAddress", cidrs)));
    let deny = |op: &str, cidrs: &str| deny_when(&source_ip(op, cidrs));
    let cases = [
        ("::/0 is the internet", vec![allow_ip(r#""::/0""#)], ANON, "internet"),
        ("guard: both families", vec![allow_ip(r#"["0.0.0.0/0","::/0"]"#)], ANON, "internet"),
        ("guard: ::/0 with iam", vec![allow_ip(r#""::/0""#)], IAM, "any_aws_account"),
        ("deny of everything not IPv6", vec![ALLOW_ALL.to_string(), deny("NotIpAddress", r#""::/0""#)], ANON, "internet"),
        ("deny of every IPv4 address leaves IPv6 callers", vec![ALLOW_ALL.to_string(), deny("IpAddress", r#""0.0.0.0/0""#)], ANON, "internet"),
        // guard: a real IPv6 range is a range.
        ("guard: an IPv6 range", vec![allow_ip(r#""2001:db8::/32""#)], ANON, "internet_ip_restricted:[2001:db8::/32]"),
        ("guard: both families denied", vec![ALLOW_ALL.to_string(), deny("IpAddress", r#"["0.0.0.0/0","::/0"]"#)], ANON, "owner"),
    ];
    let table: Vec<Case> = cases
        .iter()
        .map(|(name, statements, caller, reach)| {
            let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
            case(name, &statements, "prod/GET/x", *caller, ALLOW, PUBLIC, reach)
        })
        .collect();
    run(&table);
}

/// ARN operators match field by field; a value that is not a six-field ARN is not evaluated
/// (it keeps the reach, at low confidence) rather than matched as a whole string.
#[test]
#[rustfmt::skip]
fn arn_conditions_match_field_by_field() {
    run(&[
        case("five-field pattern in a deny is not evaluated",
            &[ALLOW_ALL, &deny_when(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        case("five-field pattern naming the partner's roles",
            &[ALLOW_ALL, &deny_when(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:*::222222222222:role/partner-reader"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        // guard: six-field patterns with wildcards inside fields.
        case("a partial wildcard in the account field",
            &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::2222222222??:role/partner-reader"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[2222222222??]"),
        case("guard: every role of the partner", &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: a role name in every account", &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/partner-reader"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("guard: ArnEquals takes wildcards too", &[&allow_when(r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-?eader"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: anonymous has no principal arn", &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
    ]);
}

/// A role calls as an assumed-role session: a Deny whose NotPrincipal names only the role
/// still denies its sessions; one naming the session (or the account) spares them.
#[test]
#[rustfmt::skip]
fn not_principal_and_role_sessions() {
    const SESSION: &str = "arn:aws:sts::222222222222:assumed-role/partner-reader/app";
    let deny_not = |items: &[&str]| format!(
        r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":{}}},"Action":"execute-api:Invoke","Resource":"*"}}"#,
        serde_json::to_string(items).unwrap()
    );
    let role_only = deny_not(&[PARTNER_ROLE]);
    let all_three = deny_not(&[SESSION, PARTNER_ROLE, "arn:aws:iam::222222222222:root"]);
    let session_and_role = deny_not(&[SESSION, PARTNER_ROLE]);
    let table = vec![
        case("deny NotPrincipal naming only the role", &[ALLOW_ALL, &role_only], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("allow NotPrincipal naming the account does not surely leave its sessions out",
            &[r#"{"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#,
              &deny_when(r#"{"StringNotEquals":{"aws:PrincipalAccount":"222222222222"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        // guard: the documented form, and the session named without the account.
        case("guard: session, role and account", &[ALLOW_ALL, &all_three], "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: session and role", &[ALLOW_ALL, &session_and_role], "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: a Principal role ARN matches its sessions", &[ALLOW_PARTNER_ROLE_GET], "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: a deny of one session leaves the rest of the account",
            &[ALLOW_PARTNER_ID, &format!(r#"{{"Effect":"Deny","Principal":{{"AWS":"{SESSION}"}},"Action":"execute-api:Invoke","Resource":"*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: anonymous under deny NotPrincipal", &[ALLOW_ALL, &all_three], "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
    ];
    run(&table);
}

#[test]
fn nested_cidrs_are_probed_part_by_part() {
    // Allowed: a chain of nested CIDRs; denied: many /16s at the bottom of the /8.
    let chain: Vec<String> = (8..=32).map(|len| format!("\"10.0.0.0/{len}\"")).collect();
    let holes: Vec<String> = (0..30).map(|i| format!("\"10.{i}.0.0/16\"")).collect();
    let allow = named(
        "Ten",
        allow_when(&source_ip("IpAddress", &format!("[{}]", chain.join(",")))),
    );
    let deny = deny_when(&source_ip("IpAddress", &format!("[{}]", holes.join(","))));
    let v = verdict_of(&doc(&[&allow, &deny]), "prod/GET/x", ANON, ALLOW, PUBLIC);
    // 10.30.0.0 and up is in the /11, the /10, the /9 and the /8; the /12 and below are denied.
    assert_eq!(
        v.reach.label(),
        "internet_ip_restricted:[10.0.0.0/10,10.0.0.0/11,10.0.0.0/8,10.0.0.0/9]"
    );
    assert!(!v.low_confidence);
    assert_eq!(v.allowing_statements, vec!["Ten".to_string()]);
    // Deny every /16 of 10.0.0.0/10: nothing of the /10 is left, the upper /9 is untouched.
    let all_holes: Vec<String> = (0..64).map(|i| format!("\"10.{i}.0.0/16\"")).collect();
    let deny = deny_when(&source_ip(
        "IpAddress",
        &format!("[{}]", all_holes.join(",")),
    ));
    let allow = &allow_when(r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/10","10.128.0.0/9"]}}"#);
    let v = verdict_of(&doc(&[allow, &deny]), "prod/GET/x", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach.label(), "internet_ip_restricted:[10.128.0.0/9]");
}

#[test]
fn pathological_cidr_lists_are_capped_and_marked() {
    // 32 spellings of one /8 (host bits set) and 32 /24s inside it: 32 × 33 probes.
    let spellings: Vec<String> = (0..32).map(|i| format!("\"10.0.0.{i}/8\"")).collect();
    let inner: Vec<String> = (0..32).map(|i| format!("\"10.0.{i}.0/24\"")).collect();
    let cidrs = format!("[{},{}]", spellings.join(","), inner.join(","));
    let allow = allow_when(&source_ip("IpAddress", &cidrs));
    let started = std::time::Instant::now();
    let v = verdict_of(&doc(&[&allow]), "prod/GET/x", ANON, ALLOW, PUBLIC);
    assert!(
        matches!(v.reach, Reach::InternetIpRestricted { .. }),
        "{:?}",
        v.reach
    );
    assert!(v.low_confidence);
    let v = verdict_of(&doc(&[&allow]), "prod/GET/x", IAM, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::AnyAwsAccount);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn unevaluated_conditions_are_named() {
    let policy = doc(&[&allow_when(
        r#"{"StringEquals":{"aws:ResourceTag/team":"x"},"BinaryEquals":{"aws:UserAgent":"eA=="}}"#,
    )]);
    let v = verdict_of(&policy, "prod/GET/x", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::Internet);
    assert!(v.low_confidence);
    assert_eq!(
        v.unevaluated,
        vec![
            "BinaryEquals aws:useragent".to_string(),
            "condition aws:resourcetag/team".to_string()
        ]
    );
}

#[test]
fn a_huge_vocabulary_is_capped_and_marked() {
    let ids: Vec<String> = (0..100)
        .map(|i| format!("\"{:012}\"", 500_000_000_000u64 + i))
        .collect();
    let stmt = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"execute-api:Invoke","Resource":"*"}}"#,
        ids.join(",")
    );
    let v = verdict_of(&doc(&[&stmt]), "prod/GET/x", IAM, ALLOW, PUBLIC);
    assert!(v.low_confidence);
    let Reach::Accounts { accounts } = v.reach else {
        panic!("{:?}", v.reach)
    };
    assert_eq!(accounts.len(), MAX_MENTIONED);
}

#[test]
fn too_many_organization_probes_are_capped_and_marked() {
    // As many organizations as the vocabulary keeps, plus the probe of an organization nobody
    // names: one probe over the cap, so one named organization goes unprobed.
    let orgs: Vec<String> = (0..MAX_MENTIONED)
        .map(|i| format!("\"o-probe{i:05}\""))
        .collect();
    let stmt = allow_when(&format!(
        r#"{{"StringEquals":{{"aws:PrincipalOrgID":[{}]}}}}"#,
        orgs.join(",")
    ));
    let v = verdict_of(&doc(&[&stmt]), "prod/GET/x", IAM, ALLOW, PUBLIC);
    let Reach::Organization { org_ids } = &v.reach else {
        panic!("{:?}", v.reach)
    };
    assert_eq!(org_ids.len(), MAX_MENTIONED - 1);
    assert!(v.low_confidence);
    // One organization fewer: every one is probed, at full confidence.
    let stmt = allow_when(&format!(
        r#"{{"StringEquals":{{"aws:PrincipalOrgID":[{}]}}}}"#,
        orgs[1..].join(",")
    ));
    let v = verdict_of(&doc(&[&stmt]), "prod/GET/x", IAM, ALLOW, PUBLIC);
    let Reach::Organization { org_ids } = &v.reach else {
        panic!("{:?}", v.reach)
    };
    assert_eq!(org_ids.len(), MAX_MENTIONED - 1);
    assert!(!v.low_confidence);
}

#[test]
fn labels_and_explanations() {
    let v = verdict_of(
        &doc(&[ALLOW_PARTNER_ROLE_GET]),
        "prod/GET/x",
        IAM,
        ALLOW,
        PUBLIC,
    );
    assert_eq!(
        v.reach,
        Reach::Accounts {
            accounts: vec![PARTNER.into()]
        }
    );
    assert!(
        v.explanation.contains("PartnerReadOnly"),
        "{}",
        v.explanation
    );
    assert!(v.explanation.contains(PARTNER_ROLE), "{}", v.explanation);
    let v = verdict_of(&doc(&[ALLOW_ALL]), "prod/GET/x", ANON, DENY_ONLY, PUBLIC);
    assert!(v.explanation.contains("authorizer"), "{}", v.explanation);
    let v = verdict_of(&doc(&[DENY_ALL]), "prod/GET/x", IAM, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::Owner);
    assert!(v.allowing_statements.is_empty());
    assert!(!v.explanation.is_empty());
}
