//! Conditions.

use super::*;

#[test]
#[rustfmt::skip]
fn network_conditions() {
    run(&[
        // aws:SourceIp
        case("ip allow-list", &[ALLOW_NET_24], "prod/POST/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Office"]),
        case("ip allow-list via deny NotIpAddress", &[ALLOW_ALL, DENY_OUTSIDE_24], "prod/POST/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["AllowAll"]),
        case("single ip", &[&allow_when(r#"{"IpAddress":{"aws:SourceIp":"198.51.100.7"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[198.51.100.7]"),
        case("two cidrs", &[&allow_when(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.0/28"]}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[192.0.2.0/28,203.0.113.0/24]"),
        case("deny of a blocklist leaves the internet", &[ALLOW_ALL, &deny_when(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("allow NotIpAddress is the internet", &[&allow_when(r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("0.0.0.0/0 is the internet", &[&allow_when(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("allowed cidr with a denied hole in it",
            &[&named("Wide", allow_when(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)),
              &deny_when(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/25"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Wide"]),
        case("allowed cidr wholly denied",
            &[&allow_when(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#),
              &deny_when(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/25","203.0.113.128/25"]}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("source ip is absent through a private endpoint", &[ALLOW_NET_24], "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("deny NotIpAddress on a private api shuts everyone out", &[ALLOW_ALL, DENY_OUTSIDE_24], "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("ip allow-list with iam: any account from there", &[ALLOW_NET_24], "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // aws:SourceVpce / aws:SourceVpc on private APIs
        case("private, open", &[ALLOW_ALL], "prod/POST/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("private, pinned to the owner's endpoint", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/POST/x", ANON, ALLOW, PRIVATE, "owner"),
        case("private, pinned to the owner's endpoint, iam", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/POST/x", IAM, ALLOW, PRIVATE, "owner"),
        case("private, pinned to a partner endpoint", &[ALLOW_ALL, PIN_PARTNER_VPCE], "prod/POST/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["AllowAll"]),
        case("private, pinned to an unknown endpoint", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/POST/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("private, allow only through the partner's endpoint",
            &[&named("ViaPartner", allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}"#))],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["ViaPartner"]),
        case("private, pinned to the owner's vpc",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("private, allow from the partner's vpc",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpc":["vpc-0partner","vpc-0owner"]}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("private, allow from an unknown vpc",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpc-0elsewhere]"),
        // A pattern names no endpoint the estate can resolve: whoever owns endpoints matching it.
        case("private, StringLike on endpoints is outside the estate",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotLike":{"aws:SourceVpce":"vpce-0own*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpce-0own*]"),
        case("private, deny of one foreign endpoint leaves the rest",
            &[ALLOW_ALL, &deny_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("condition keys are case-insensitive",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"AWS:SOURCEVPCE":"vpce-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("condition values are case-sensitive",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:SourceVpce":"VPCE-0OWNER"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:VPCE-0OWNER]"),
        case("IgnoreCase operator",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-0OWNER"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:VPCE-0OWNER]"),
        case("IfExists: absent key satisfies the allow",
            &[&allow_when(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("IfExists: present key is compared",
            &[&allow_when(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("ForAllValues on an absent key is true (the classic trap)",
            &[&allow_when(r#"{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("ForAnyValue on an absent key is false",
            &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("ForAnyValue on a present single-valued key",
            &[&allow_when(r#"{"ForAnyValue:StringEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("star after a slash needs the slash",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/*"}"#],
            "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("Null true: allow only without an endpoint",
            &[&allow_when(r#"{"Null":{"aws:SourceVpce":"true"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("Null false: allow only through an endpoint, private",
            &[&allow_when(r#"{"Null":{"aws:SourceVpce":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("deny Null false: every private request carries an endpoint",
            &[ALLOW_ALL, &deny_when(r#"{"Null":{"aws:SourceVpce":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("deny Null true: private requests always carry an endpoint",
            &[ALLOW_ALL, &deny_when(r#"{"Null":{"aws:SourceVpce":"true"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("Bool SecureTransport: API Gateway is HTTPS only",
            &[ALLOW_ALL, &deny_when(r#"{"Bool":{"aws:SecureTransport":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // vpce-0partner lives in vpc-0partner: no request comes through it from vpc-0owner.
        case("two keys in one block are ANDed",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner","aws:SourceVpc":"vpc-0owner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("two operators are ANDed",
            &[&allow_when(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0partner"},"StringNotEquals":{"aws:SourceVpce":"vpce-0partner"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
    ]);
}

#[test]
#[rustfmt::skip]
fn principal_conditions() {
    run(&[
        case("PrincipalOrgID", &[&named("Org", allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#))],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc").by(&["Org"]),
        case("PrincipalOrgID never matches anonymous", &[&allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny outside the org", &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("deny outside the org shuts out anonymous", &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("PrincipalOrgPaths", &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("PrincipalOrgPaths never matches anonymous", &[&allow_when(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny ForAnyValue:StringNotLike org paths does not apply without the key",
            &[ALLOW_ALL, &deny_when(r#"{"ForAnyValue:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny ForAllValues:StringNotLike org paths, anonymous has no paths",
            &[ALLOW_ALL, &deny_when(r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("PrincipalAccount", &[&allow_when(r#"{"StringEquals":{"aws:PrincipalAccount":["222222222222","333333333333"]}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]"),
        case("deny other accounts", &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("deny other accounts, owner only", &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("PrincipalArn exact", &[&allow_when(r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-reader"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("PrincipalArn ArnLike with a wildcard role name", &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("PrincipalArn StringLike with a wildcard role name", &[&allow_when(r#"{"StringLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:role/ci-?","arn:aws:iam::333333333333:user/*"]}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]"),
        case("PrincipalArn ArnLike with a wildcard account is any account", &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deployer"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny ArnNotLike keeps the partner's roles", &[ALLOW_ALL, &deny_when(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("deny StringNotEquals PrincipalArn, anonymous denied", &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-reader"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("Null PrincipalAccount false: only signed callers",
            &[&allow_when(r#"{"Null":{"aws:PrincipalAccount":"false"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // IAM: aws:PrincipalAccount "is included in the request context for all requests,
        // including anonymous requests" (value `anonymous`).
        case("Null PrincipalAccount false: anonymous requests carry it too",
            &[&allow_when(r#"{"Null":{"aws:PrincipalAccount":"false"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("org wins over named accounts",
            &[ALLOW_PARTNER_ID, &allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
    ]);
}

#[test]
#[rustfmt::skip]
fn networks_and_endpoint_owners() {
    run(&[
        case("public, pinned to the owner's endpoint, anonymous", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("public, pinned to the owner's endpoint, iam", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("private, principal star through the partner's endpoint, iam", &[ALLOW_ALL, PIN_PARTNER_VPCE], "prod/GET/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("private, principal star through an unknown endpoint, iam", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/GET/x", IAM, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("private, named account through the owner's endpoint only", &[ALLOW_PARTNER_ID, PIN_OWNER_VPCE], "prod/GET/x", IAM, ALLOW, PRIVATE, "owner"),
        case("private, named account through its own endpoint", &[ALLOW_PARTNER_ROLE_GET, PIN_PARTNER_VPCE], "prod/GET/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("private, the intended design", &[ALLOW_PARTNER_ROLE_GET], "prod/GET/orders/{id}", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("private, org through any endpoint", &[&allow_when(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)], "prod/GET/x", IAM, ALLOW, PRIVATE, "organization:o-abc"),
        case("private, no statement at all for the method", &[ALLOW_PARTNER_ROLE_GET], "prod/POST/x", ANON, ALLOW, PRIVATE, "owner"),
    ]);
}

#[test]
#[rustfmt::skip]
fn authorizer_methods_only_see_denies() {
    run(&[
        case("no deny: the authorizer decides, internet", &[ALLOW_PARTNER_ROLE_GET], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "internet").by(&[]),
        case("no deny, private", &[ALLOW_PARTNER_ROLE_GET], "prod/POST/x", ANON, DENY_ONLY, PRIVATE, "any_aws_account"),
        case("deny all", &[DENY_ALL], "prod/GET/x", ANON, DENY_ONLY, PUBLIC, "owner"),
        case("deny outside an ip range", &[DENY_OUTSIDE_24], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]"),
        case("pinned to the owner's endpoint", &[PIN_OWNER_VPCE], "prod/POST/x", ANON, DENY_ONLY, PRIVATE, "owner"),
        case("pinned to the partner's endpoint", &[PIN_PARTNER_VPCE], "prod/POST/x", ANON, DENY_ONLY, PRIVATE, "accounts:[222222222222]"),
        case("an allow is not needed and names itself", &[ALLOW_ALL], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "internet").by(&["AllowAll"]),
        case("deny on another stage", &[r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*"}"#], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "internet"),
    ]);
}

#[test]
#[rustfmt::skip]
fn unknown_conditions_keep_the_reach_and_lower_confidence() {
    run(&[
        case("unknown key in an allow keeps the allow",
            &[&allow_when(r#"{"StringEquals":{"aws:ResourceTag/team":"payments"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
        case("unknown key in a deny keeps the reach",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"execute-api:viaDomainArn":"arn:aws:execute-api:us-east-1:111111111111:/domainnames/api.example.com+abc"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
        case("unknown operator in an allow",
            &[&allow_when(r#"{"BinaryEquals":{"aws:SourceVpce":"dnBjZQ=="}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        case("unknown operator on a known key in a deny",
            &[ALLOW_PARTNER_ID, &deny_when(r#"{"BinaryEquals":{"aws:SourceVpce":"dnBjZQ=="}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").low(),
        case("unknown key next to a known narrowing key",
            &[&allow_when(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringLike":{"aws:ResourceTag/team":"partner-*"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").low(),
        case("private api, aws:VpcSourceIp is not evaluated",
            &[&allow_when(r#"{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account").low(),
        case("unknown condition in a statement that does not apply is harmless",
            &[ALLOW_PARTNER_ROLE_GET, r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"x"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("unknown key in a deny of a narrowed reach",
            &[ALLOW_ALL, PIN_OWNER_VPCE, &deny_when(r#"{"StringEquals":{"aws:ResourceOrgID":"o-abc"}}"#)],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner").low(),
        // A policy variable compares two keys of one request: not evaluated.
        case("a policy variable in a value",
            &[ALLOW_ALL, &deny_when(r#"{"StringNotEquals":{"aws:SourceVpc":"${aws:Ec2InstanceSourceVpc}"}}"#)],
            "prod/GET/x", IAM, ALLOW, PRIVATE, "any_aws_account").low(),
    ]);
}

/// Cases that the engine once got wrong (each fails on the engine before its fix).
#[test]
#[rustfmt::skip]
fn regressions() {
    run(&[
        // 1. `ForAnyValue` on a key missing from the request is false, negated or not.
        case("ForAnyValue negated on a missing key does not deny",
            &[ALLOW_ALL, &deny_when(r#"{"ForAnyValue:StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // 2. Principal ARN patterns (aws:PrincipalArn with ArnLike) name principals too.
        case("ArnLike role pattern of one account",
            &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}"#)],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("ArnLike role pattern of every account",
            &[&allow_when(r#"{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/deployer","arn:aws:iam::222222222222:root"]}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny of everyone but a pattern of every account",
            &[ALLOW_ALL, &deny_when(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}"#)],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // 3. The owner's own endpoint never makes a caller external, on public APIs either.
        case("public api pinned to the owner's endpoint, iam", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("public api pinned to the owner's endpoint, authorizer", &[PIN_OWNER_VPCE], "prod/POST/x", IAM, DENY_ONLY, PUBLIC, "owner"),
        // 4. Principal "*" confined to an endpoint of a named account reaches that account only.
        case("iam through the partner's endpoint", &[ALLOW_ALL, PIN_PARTNER_VPCE], "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["AllowAll"]),
        case("iam from the partner's vpc",
            &[&named("PartnerVpc", allow_when(r#"{"StringEquals":{"aws:SourceVpc":"vpc-0partner"}}"#))],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["PartnerVpc"]),
        case("iam through an unknown endpoint", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("a named account through the partner's endpoint",
            &[r#"{"Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        // 5. Every part of a CIDR the policy tells apart is probed.
        case("allow a /24, deny its lower half",
            &[ALLOW_NET_24, &deny_when(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/25","203.0.113.128/26"]}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Office"]),
        case("allow a /24, deny its first address",
            &[ALLOW_NET_24, &deny_when(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.1","203.0.113.0"]}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]"),
        // 6. `Null` values are not identifiers; a fresh organization stands for any account.
        case("Null PrincipalOrgID false: any principal in some organization",
            &[&allow_when(r#"{"Null":{"aws:PrincipalOrgID":"false"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("org id pattern matching every organization",
            &[&allow_when(r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
    ]);
}
