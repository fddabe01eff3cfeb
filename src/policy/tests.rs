//! Tests of the resource-policy engine: table-driven cases pinned to documented IAM and API
//! Gateway behaviour (exposure model §2), then property tests (no panics on hostile input, and
//! agreement with a deliberately naive reference evaluator on a small random policy family).

use super::fast::FastEvaluator;
use super::probes::{first_uncovered, Membership, MAX_MENTIONED};
use super::reference::{covering_statements, evaluate, Caller, NetworkSource, SourceOwner};
use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";
const OTHER: &str = "333333333333";
const REGION: &str = "us-east-1";
const API_PREFIX: &str = "arn:aws:execute-api:us-east-1:111111111111:abc123";
const PARTNER_ROLE: &str = "arn:aws:iam::222222222222:role/partner-reader";

// ---------------------------------------------------------------------------------------------
// Harness.

/// VPC endpoints and VPCs of the audited estate: one of the owner, one of the partner.
fn vpce_owner(id: &str) -> Option<String> {
    match id {
        "vpce-0owner" => Some(OWNER.into()),
        "vpce-0partner" => Some(PARTNER.into()),
        _ => None,
    }
}

fn vpc_owner(id: &str) -> Option<String> {
    match id {
        "vpc-0owner" => Some(OWNER.into()),
        "vpc-0partner" => Some(PARTNER.into()),
        _ => None,
    }
}

/// Each endpoint of the estate lives in its owner's VPC.
fn vpce_vpc(id: &str) -> Option<String> {
    match id {
        "vpce-0owner" => Some("vpc-0owner".into()),
        "vpce-0partner" => Some("vpc-0partner".into()),
        _ => None,
    }
}

fn ctx() -> ReachContext<'static> {
    ReachContext {
        owner_account: OWNER,
        region: REGION,
        vpce_owner: &vpce_owner,
        vpc_owner: &vpc_owner,
        vpce_vpc: &vpce_vpc,
    }
}

/// `prod/GET/orders/{id}` → the full method ARN of API `abc123` of the owner.
fn method_arn(method: &str) -> String {
    format!("{API_PREFIX}/{method}")
}

/// A policy document holding these statements.
fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn verdict_of(
    policy: &str,
    method: &str,
    caller: CallerKind,
    mode: PolicyMode,
    network: Network,
) -> ReachVerdict {
    let d = parse_policy(policy).unwrap_or_else(|e| panic!("{policy}: {e}"));
    let arn = method_arn(method);
    reach_of(
        &d,
        &ReachQuery {
            resource_arn: &arn,
            caller,
            mode,
            network,
        },
        &ctx(),
    )
}

use CallerKind::{Anonymous as ANON, Authenticated as IAM};
use Network::{PrivateVpce as PRIVATE, Public as PUBLIC};
use PolicyMode::{AllowRequired as ALLOW, DenyOnly as DENY_ONLY};

/// One row: statements, the method (`stage/VERB/path-template`), the query, the expected reach
/// label and `low_confidence`, and (when given) the expected allowing statements.
struct Case {
    name: &'static str,
    statements: Vec<String>,
    method: &'static str,
    caller: CallerKind,
    mode: PolicyMode,
    network: Network,
    reach: &'static str,
    low_confidence: bool,
    allowing: Option<&'static [&'static str]>,
}

#[allow(clippy::too_many_arguments)]
fn case(
    name: &'static str,
    statements: &[&str],
    method: &'static str,
    caller: CallerKind,
    mode: PolicyMode,
    network: Network,
    reach: &'static str,
) -> Case {
    Case {
        name,
        statements: statements.iter().map(|s| s.to_string()).collect(),
        method,
        caller,
        mode,
        network,
        reach,
        low_confidence: false,
        allowing: None,
    }
}

impl Case {
    fn low(mut self) -> Case {
        self.low_confidence = true;
        self
    }
    fn by(mut self, sids: &'static [&'static str]) -> Case {
        self.allowing = Some(sids);
        self
    }
}

fn run(table: &[Case]) {
    let mut failures = Vec::new();
    for c in table {
        let statements: Vec<&str> = c.statements.iter().map(String::as_str).collect();
        let policy = doc(&statements);
        let v = verdict_of(&policy, c.method, c.caller, c.mode, c.network);
        let mut wrong = Vec::new();
        if v.reach.label() != c.reach {
            wrong.push(format!("reach {} (want {})", v.reach.label(), c.reach));
        }
        if v.low_confidence != c.low_confidence {
            wrong.push(format!(
                "low_confidence {} (want {}; unevaluated {:?})",
                v.low_confidence, c.low_confidence, v.unevaluated
            ));
        }
        if let Some(want) = c.allowing {
            if v.allowing_statements != want {
                wrong.push(format!(
                    "allowing {:?} (want {want:?})",
                    v.allowing_statements
                ));
            }
        }
        if !v.reach.beyond_owner() && !v.allowing_statements.is_empty() {
            wrong.push("an owner-only verdict names allowing statements".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", c.name, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n  {}",
        failures.len(),
        table.len(),
        failures.join("\n  ")
    );
}

// Statement fragments (each a whole statement).
const ALLOW_ALL: &str = r#"{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}"#;
const ALLOW_AWS_STAR: &str = r#"{"Sid":"AwsStar","Effect":"Allow","Principal":{"AWS":"*"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
const ALLOW_PARTNER_ID: &str = r#"{"Sid":"PartnerId","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
const ALLOW_PARTNER_ROOT: &str = r#"{"Sid":"PartnerRoot","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
const ALLOW_PARTNER_ROLE_GET: &str = r#"{"Sid":"PartnerReadOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/partner-reader"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}"#;
const ALLOW_OWNER_ONLY: &str = r#"{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"execute-api:Invoke","Resource":"*"}"#;
const DENY_ALL: &str = r#"{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}"#;
const PIN_OWNER_VPCE: &str = r#"{"Sid":"PinVpce","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0owner"}}}"#;
const PIN_PARTNER_VPCE: &str = r#"{"Sid":"PinVpce","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":["vpce-0owner","vpce-0partner"]}}}"#;
const PIN_UNKNOWN_VPCE: &str = r#"{"Sid":"PinVpce","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0stranger"}}}"#;
const ALLOW_NET_24: &str = r#"{"Sid":"Office","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#;
const DENY_OUTSIDE_24: &str = r#"{"Sid":"NotOffice","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#;

// ---------------------------------------------------------------------------------------------
// Principals, effects, Not* elements.

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

// ---------------------------------------------------------------------------------------------
// Resources: both ARN forms, wildcards, templates, stages.

#[test]
#[rustfmt::skip]
fn resources_wildcards_and_templates() {
    /// One Allow statement `G` for everyone on `resource` (a JSON value).
    fn grant(resource: &str) -> String {
        format!(
            r#"{{"Sid":"G","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":{resource}}}"#
        )
    }
    let table = [
        case(
            "full arn",
            &[&grant(
                r#""arn:aws:execute-api:us-east-1:111111111111:abc123/prod/GET/orders""#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        )
        .by(&["G"]),
        case(
            "full arn, other api",
            &[&grant(
                r#""arn:aws:execute-api:us-east-1:111111111111:zzz999/*""#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "full arn, other region",
            &[&grant(
                r#""arn:aws:execute-api:eu-west-1:111111111111:abc123/*""#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "full arn, other account",
            &[&grant(
                r#""arn:aws:execute-api:us-east-1:999999999999:abc123/*""#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "full arn, wildcard region and account",
            &[&grant(r#""arn:aws:execute-api:*:*:abc123/*""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "full arn, ? in the api id",
            &[&grant(
                r#""arn:aws:execute-api:us-east-1:111111111111:abc12?/prod/*""#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "shorthand",
            &[&grant(r#""execute-api:/prod/GET/orders""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "shorthand, other path",
            &[&grant(r#""execute-api:/prod/GET/orders""#)],
            "prod/GET/customers",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "shorthand, path is a prefix only",
            &[&grant(r#""execute-api:/prod/GET/orders""#)],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "shorthand all",
            &[&grant(r#""execute-api:/*""#)],
            "dev/PATCH/a/b/{c}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "star spans slashes",
            &[&grant(r#""execute-api:/prod/*""#)],
            "prod/PUT/a/b/c/{d}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "star verb",
            &[&grant(r#""execute-api:/prod/*/orders""#)],
            "prod/DELETE/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "star stage",
            &[&grant(r#""execute-api:/*/GET/orders""#)],
            "staging/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "? stage",
            &[&grant(r#""execute-api:/pro?/GET/*""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "? stage, wrong length",
            &[&grant(r#""execute-api:/pro?/GET/*""#)],
            "production/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "? verb",
            &[&grant(r#""execute-api:/prod/?ET/*""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "? verb, other verb",
            &[&grant(r#""execute-api:/prod/?ET/*""#)],
            "prod/POST/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "? in path",
            &[&grant(r#""execute-api:/prod/GET/order?""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "template matched by *",
            &[&grant(r#""execute-api:/prod/GET/orders/*""#)],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "greedy template matched by *",
            &[&grant(r#""execute-api:/prod/GET/admin/*""#)],
            "prod/GET/admin/{proxy+}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "greedy template, one concrete instance granted",
            &[&grant(r#""execute-api:/prod/GET/admin/users/7""#)],
            "prod/GET/admin/{proxy+}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "template, one concrete instance granted",
            &[&grant(r#""execute-api:/prod/GET/orders/42""#)],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "template, instance with a slash is not a value",
            &[&grant(r#""execute-api:/prod/GET/orders/4/2""#)],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "template needs a non-empty value",
            &[&grant(r#""execute-api:/prod/GET/orders/""#)],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "nested template",
            &[&grant(r#""execute-api:/prod/GET/orders/*/items""#)],
            "prod/GET/orders/{id}/items",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "root path",
            &[&grant(r#""execute-api:/prod/GET/""#)],
            "prod/GET/",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "resource list, one matches",
            &[&grant(
                r#"["execute-api:/dev/*","execute-api:/prod/GET/orders"]"#,
            )],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "stage-scoped grant, granted stage",
            &[&grant(r#""execute-api:/dev/*""#)],
            "dev/POST/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "stage-scoped grant, other stage",
            &[&grant(r#""execute-api:/dev/*""#)],
            "prod/POST/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "resource is case-sensitive",
            &[&grant(r#""execute-api:/prod/get/*""#)],
            "prod/GET/orders",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "deny on one instance does not cover the template",
            &[
                ALLOW_ALL,
                r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/42"}"#,
            ],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
        case(
            "deny with * covers the template",
            &[
                ALLOW_ALL,
                r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/*"}"#,
            ],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "deny with * covers the greedy template",
            &[
                ALLOW_ALL,
                r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:abc123/*/*/admin/*"}"#,
            ],
            "prod/PATCH/admin/{proxy+}",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "deny with ? does not cover the template",
            &[
                ALLOW_ALL,
                r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/?"}"#,
            ],
            "prod/GET/orders/{id}",
            ANON,
            ALLOW,
            PUBLIC,
            "internet",
        ),
    ];
    run(&table);
}

// ---------------------------------------------------------------------------------------------
// Conditions.

#[test]
#[rustfmt::skip]
fn network_conditions() {
    run(&[
        // aws:SourceIp
        case("ip allow-list", &[ALLOW_NET_24], "prod/POST/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Office"]),
        case("ip allow-list via deny NotIpAddress", &[ALLOW_ALL, DENY_OUTSIDE_24], "prod/POST/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["AllowAll"]),
        case("single ip", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.7"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[198.51.100.7]"),
        case("two cidrs", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.0/28"]}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[192.0.2.0/28,203.0.113.0/24]"),
        case("deny of a blocklist leaves the internet", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("allow NotIpAddress is the internet", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("0.0.0.0/0 is the internet", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("allowed cidr with a denied hole in it",
            &[r#"{"Sid":"Wide","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/25"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Wide"]),
        case("allowed cidr wholly denied",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/25","203.0.113.128/25"]}}}"#],
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
            &[r#"{"Sid":"ViaPartner","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["ViaPartner"]),
        case("private, pinned to the owner's vpc",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("private, allow from the partner's vpc",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":["vpc-0partner","vpc-0owner"]}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("private, allow from an unknown vpc",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpc-0elsewhere]"),
        // A pattern names no endpoint the estate can resolve: whoever owns endpoints matching it.
        case("private, StringLike on endpoints is outside the estate",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotLike":{"aws:SourceVpce":"vpce-0own*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpce-0own*]"),
        case("private, deny of one foreign endpoint leaves the rest",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("condition keys are case-insensitive",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"AWS:SOURCEVPCE":"vpce-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("condition values are case-sensitive",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"VPCE-0OWNER"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:VPCE-0OWNER]"),
        case("IgnoreCase operator",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-0OWNER"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:VPCE-0OWNER]"),
        case("IfExists: absent key satisfies the allow",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("IfExists: present key is compared",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("ForAllValues on an absent key is true (the classic trap)",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("ForAnyValue on an absent key is false",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("ForAnyValue on a present single-valued key",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("star after a slash needs the slash",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/*"}"#],
            "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("Null true: allow only without an endpoint",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"true"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("Null false: allow only through an endpoint, private",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"false"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("deny Null false: every private request carries an endpoint",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"false"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("deny Null true: private requests always carry an endpoint",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"true"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account"),
        case("Bool SecureTransport: API Gateway is HTTPS only",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // vpce-0partner lives in vpc-0partner: no request comes through it from vpc-0owner.
        case("two keys in one block are ANDed",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner","aws:SourceVpc":"vpc-0owner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
        case("two operators are ANDed",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"},"StringNotEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner"),
    ]);
}

#[test]
#[rustfmt::skip]
fn principal_conditions() {
    run(&[
        case("PrincipalOrgID", &[r#"{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc").by(&["Org"]),
        case("PrincipalOrgID never matches anonymous", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny outside the org", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("deny outside the org shuts out anonymous", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("PrincipalOrgPaths", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("PrincipalOrgPaths never matches anonymous", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("deny ForAnyValue:StringNotLike org paths does not apply without the key",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("deny ForAllValues:StringNotLike org paths, anonymous has no paths",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("PrincipalAccount", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["222222222222","333333333333"]}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]"),
        case("deny other accounts", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("deny other accounts, owner only", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("PrincipalArn exact", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-reader"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("PrincipalArn ArnLike with a wildcard role name", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("PrincipalArn StringLike with a wildcard role name", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:role/ci-?","arn:aws:iam::333333333333:user/*"]}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]"),
        case("PrincipalArn ArnLike with a wildcard account is any account", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deployer"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny ArnNotLike keeps the partner's roles", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("deny StringNotEquals PrincipalArn, anonymous denied", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-reader"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("Null PrincipalAccount false: only signed callers",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:PrincipalAccount":"false"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("Null PrincipalAccount false: anonymous never",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:PrincipalAccount":"false"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("org wins over named accounts",
            &[ALLOW_PARTNER_ID, r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
    ]);
}

#[test]
#[rustfmt::skip]
fn networks_and_endpoint_owners() {
    run(&[
        case(
            "public, pinned to the owner's endpoint, anonymous",
            &[ALLOW_ALL, PIN_OWNER_VPCE],
            "prod/GET/x",
            ANON,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "public, pinned to the owner's endpoint, iam",
            &[ALLOW_ALL, PIN_OWNER_VPCE],
            "prod/GET/x",
            IAM,
            ALLOW,
            PUBLIC,
            "owner",
        ),
        case(
            "private, principal star through the partner's endpoint, iam",
            &[ALLOW_ALL, PIN_PARTNER_VPCE],
            "prod/GET/x",
            IAM,
            ALLOW,
            PRIVATE,
            "accounts:[222222222222]",
        ),
        case(
            "private, principal star through an unknown endpoint, iam",
            &[ALLOW_ALL, PIN_UNKNOWN_VPCE],
            "prod/GET/x",
            IAM,
            ALLOW,
            PRIVATE,
            "accounts:[unknown:vpce-0stranger]",
        ),
        case(
            "private, named account through the owner's endpoint only",
            &[ALLOW_PARTNER_ID, PIN_OWNER_VPCE],
            "prod/GET/x",
            IAM,
            ALLOW,
            PRIVATE,
            "owner",
        ),
        case(
            "private, named account through its own endpoint",
            &[ALLOW_PARTNER_ROLE_GET, PIN_PARTNER_VPCE],
            "prod/GET/x",
            IAM,
            ALLOW,
            PRIVATE,
            "accounts:[222222222222]",
        ),
        case(
            "private, the intended design",
            &[ALLOW_PARTNER_ROLE_GET],
            "prod/GET/orders/{id}",
            IAM,
            ALLOW,
            PRIVATE,
            "accounts:[222222222222]",
        ),
        case(
            "private, org through any endpoint",
            &[
                r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
            ],
            "prod/GET/x",
            IAM,
            ALLOW,
            PRIVATE,
            "organization:o-abc",
        ),
        case(
            "private, no statement at all for the method",
            &[ALLOW_PARTNER_ROLE_GET],
            "prod/POST/x",
            ANON,
            ALLOW,
            PRIVATE,
            "owner",
        ),
    ]);
}

#[test]
#[rustfmt::skip]
fn authorizer_methods_only_see_denies() {
    run(&[
        case(
            "no deny: the authorizer decides, internet",
            &[ALLOW_PARTNER_ROLE_GET],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PUBLIC,
            "internet",
        )
        .by(&[]),
        case(
            "no deny, private",
            &[ALLOW_PARTNER_ROLE_GET],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PRIVATE,
            "any_aws_account",
        ),
        case(
            "deny all",
            &[DENY_ALL],
            "prod/GET/x",
            ANON,
            DENY_ONLY,
            PUBLIC,
            "owner",
        ),
        case(
            "deny outside an ip range",
            &[DENY_OUTSIDE_24],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PUBLIC,
            "internet_ip_restricted:[203.0.113.0/24]",
        ),
        case(
            "pinned to the owner's endpoint",
            &[PIN_OWNER_VPCE],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PRIVATE,
            "owner",
        ),
        case(
            "pinned to the partner's endpoint",
            &[PIN_PARTNER_VPCE],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PRIVATE,
            "accounts:[222222222222]",
        ),
        case(
            "an allow is not needed and names itself",
            &[ALLOW_ALL],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PUBLIC,
            "internet",
        )
        .by(&["AllowAll"]),
        case(
            "deny on another stage",
            &[
                r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*"}"#,
            ],
            "prod/POST/x",
            ANON,
            DENY_ONLY,
            PUBLIC,
            "internet",
        ),
    ]);
}

#[test]
#[rustfmt::skip]
fn unknown_conditions_keep_the_reach_and_lower_confidence() {
    run(&[
        case("unknown key in an allow keeps the allow",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:Referer":"https://example.com/"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
        case("unknown key in a deny keeps the reach",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:UserAgent":"curl"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
        case("unknown operator in an allow",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        case("unknown operator on a known key in a deny",
            &[ALLOW_PARTNER_ID, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"BinaryEquals":{"aws:SourceVpce":"dnBjZQ=="}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").low(),
        case("unknown key next to a known narrowing key",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringLike":{"aws:UserAgent":"partner-*"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").low(),
        case("private api, aws:VpcSourceIp is not evaluated",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "any_aws_account").low(),
        case("unknown condition in a statement that does not apply is harmless",
            &[ALLOW_PARTNER_ROLE_GET, r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*","Condition":{"StringEquals":{"aws:Referer":"x"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("unknown key in a deny of a narrowed reach",
            &[ALLOW_ALL, PIN_OWNER_VPCE, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/x":"y"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "owner").low(),
    ]);
}

/// Cases that the engine once got wrong (each fails on the engine before its fix).
#[test]
#[rustfmt::skip]
fn regressions() {
    run(&[
        // 1. `ForAnyValue` on a key missing from the request is false, negated or not.
        case("ForAnyValue negated on a missing key does not deny",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // 2. Principal ARN patterns (aws:PrincipalArn with ArnLike) name principals too.
        case("ArnLike role pattern of one account",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("ArnLike role pattern of every account",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/deployer","arn:aws:iam::222222222222:root"]}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("deny of everyone but a pattern of every account",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        // 3. The owner's own endpoint never makes a caller external, on public APIs either.
        case("public api pinned to the owner's endpoint, iam", &[ALLOW_ALL, PIN_OWNER_VPCE], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("public api pinned to the owner's endpoint, authorizer", &[PIN_OWNER_VPCE], "prod/POST/x", IAM, DENY_ONLY, PUBLIC, "owner"),
        // 4. Principal "*" confined to an endpoint of a named account reaches that account only.
        case("iam through the partner's endpoint", &[ALLOW_ALL, PIN_PARTNER_VPCE], "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["AllowAll"]),
        case("iam from the partner's vpc",
            &[r#"{"Sid":"PartnerVpc","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0partner"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]").by(&["PartnerVpc"]),
        case("iam through an unknown endpoint", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("a named account through the partner's endpoint",
            &[r#"{"Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        // 5. Every part of a CIDR the policy tells apart is probed.
        case("allow a /24, deny its lower half",
            &[ALLOW_NET_24, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/25","203.0.113.128/26"]}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Office"]),
        case("allow a /24, deny its first address",
            &[ALLOW_NET_24, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.1","203.0.113.0"]}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]"),
        // 6. `Null` values are not identifiers; a fresh organization stands for any account.
        case("Null PrincipalOrgID false: any principal in some organization",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:PrincipalOrgID":"false"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("org id pattern matching every organization",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
    ]);
}

// Cases from the review of the engine: each table row failed on the engine before its fix
// (rows marked "guard" pin what the fix must not break).

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
            &[ALLOW_PARTNER_ROOT, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-ab12/ou-ab12-11111111/*"}}}"#],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("one allow needing both the org and the account",
            &[r#"{"Sid":"Both","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc","aws:PrincipalAccount":"222222222222"}}}"#],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "accounts:[222222222222]").by(&["Both"]),
        case("an account in some organization, none named",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Null":{"aws:PrincipalOrgID":"false"},"StringEquals":{"aws:PrincipalAccount":"222222222222"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("role pattern under an org guardrail",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/ci-*"}}}"#, ORG_GUARDRAIL],
            "prod/DELETE/x", IAM, ALLOW, PRIVATE, "accounts:[222222222222]"),
        // guard: the guardrail still shuts out anonymous callers and non-members.
        case("guard: anonymous under an org guardrail", &[ALLOW_ALL, ORG_GUARDRAIL], "prod/POST/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("guard: everyone else is the organization", &[ALLOW_ALL, ORG_GUARDRAIL], "prod/POST/orders", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("guard: a second pin to the owner account",
            &[ALLOW_PARTNER_ROOT, ORG_GUARDRAIL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}}"#],
            "prod/POST/orders", IAM, ALLOW, PUBLIC, "owner"),
        case("guard: a member of another organization", &[ALLOW_PARTNER_ROOT,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#],
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
            &[r#"{"Sid":"Ou","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, OU).by(&["Ou"]),
        case("deny outside an ou of any organization",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, OU),
        case("an ou of a named organization",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"},"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, OU),
        case("a named partner under an ou guardrail",
            &[ALLOW_PARTNER_ROOT, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        // guard: anonymous callers have no org path; a path of a named organization is that organization.
        case("guard: anonymous", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"*/ou-ab12-22222222/*"}}}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("guard: a path of a named organization",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-abc/*"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "organization:o-abc"),
        case("guard: a path pattern of every organization is anyone in one",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-*"}}}"#],
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
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0partner"}}}"#, PIN_PARTNER_VPCE],
            "prod/POST/x", ANON, ALLOW, PRIVATE, "accounts:[222222222222]"),
        case("endpoint outside the estate in a vpc the policy names",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0stranger"}}}"#,
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}}"#],
            "prod/GET/x", ANON, ALLOW, PRIVATE, "accounts:[unknown:vpce-0stranger]"),
        case("guard: a deny pinned on both keys spares the partner's network", &[r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0partner","aws:SourceVpc":"vpc-0partner"}}}"#],
            "prod/POST/x", ANON, DENY_ONLY, PRIVATE, "accounts:[222222222222]"),
        // guard: the owner's endpoint, pinned both ways, stays the owner's.
        case("guard: owner's endpoint and vpc", &[ALLOW_ALL, PIN_OWNER_VPCE,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}}"#],
            "prod/POST/x", ANON, ALLOW, PRIVATE, "owner"),
        case("guard: partner's endpoint pinned to the owner's vpc", &[VIA_PARTNER_VPCE,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-0owner"}}}"#],
            "prod/POST/x", IAM, ALLOW, PRIVATE, "owner"),
    ]);
}

/// Requests to a public (EDGE/REGIONAL) API never come through an execute-api VPC endpoint:
/// aws:SourceVpce and aws:SourceVpc are absent from them.
#[test]
#[rustfmt::skip]
fn public_apis_see_no_endpoints() {
    run(&[
        case("allow through the partner's endpoint", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "owner"),
        case("allow through the partner's endpoint, iam", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        case("allow from an unknown vpc", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0elsewhere"}}}"#],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("authorizer behind a pin to the partner's endpoints", &[PIN_PARTNER_VPCE], "prod/POST/x", ANON, DENY_ONLY, PUBLIC, "owner"),
        case("pin to an unknown endpoint", &[ALLOW_ALL, PIN_UNKNOWN_VPCE], "prod/POST/x", IAM, ALLOW, PUBLIC, "owner"),
        // guard: conditions that hold without an endpoint.
        case("guard: StringNotEquals an endpoint holds on the internet",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0partner"}}}"#],
            "prod/POST/x", ANON, ALLOW, PUBLIC, "internet"),
    ]);
}

/// `::/0` is every IPv6 address as `0.0.0.0/0` is every IPv4 one: an IPv6 caller is probed too.
#[test]
#[rustfmt::skip]
fn ipv6_callers_are_probed() {
    let allow_ip = |cidrs: &str| format!(r#"{{"Sid":"Ip","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":{cidrs}}}}}}}"#);
    let deny = |op: &str, cidrs: &str| format!(r#"{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"{op}":{{"aws:SourceIp":{cidrs}}}}}}}"#);
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
        .into_iter()
        .map(|(name, statements, caller, reach)| Case {
            name,
            statements,
            method: "prod/GET/x",
            caller,
            mode: ALLOW,
            network: PUBLIC,
            reach,
            low_confidence: false,
            allowing: None,
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
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        case("five-field pattern naming the partner's roles",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:*::222222222222:role/partner-reader"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account").low(),
        // guard: six-field patterns with wildcards inside fields.
        case("a partial wildcard in the account field",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::2222222222??:role/partner-reader"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[2222222222??]"),
        case("guard: every role of the partner", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::222222222222:*"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: a role name in every account", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/partner-reader"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "any_aws_account"),
        case("guard: ArnEquals takes wildcards too", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::222222222222:role/partner-?eader"}}}"#],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "accounts:[222222222222]"),
        case("guard: anonymous has no principal arn", &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}}"#],
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
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"222222222222"}}}"#],
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
    let allow = format!(
        r#"{{"Sid":"Ten","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":[{}]}}}}}}"#,
        chain.join(",")
    );
    let deny = format!(
        r#"{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":[{}]}}}}}}"#,
        holes.join(",")
    );
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
    let deny = format!(
        r#"{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":[{}]}}}}}}"#,
        all_holes.join(",")
    );
    let allow = r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/10","10.128.0.0/9"]}}}"#;
    let v = verdict_of(&doc(&[allow, &deny]), "prod/GET/x", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach.label(), "internet_ip_restricted:[10.128.0.0/9]");
}

#[test]
fn pathological_cidr_lists_are_capped_and_marked() {
    // 32 spellings of one /8 (host bits set) and 32 /24s inside it: 32 × 33 probes.
    let spellings: Vec<String> = (0..32).map(|i| format!("\"10.0.0.{i}/8\"")).collect();
    let inner: Vec<String> = (0..32).map(|i| format!("\"10.0.{i}.0/24\"")).collect();
    let allow = format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":[{},{}]}}}}}}"#,
        spellings.join(","),
        inner.join(",")
    );
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
    let policy = doc(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:Referer":"x"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#,
    ]);
    let v = verdict_of(&policy, "prod/GET/x", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::Internet);
    assert!(v.low_confidence);
    assert_eq!(
        v.unevaluated,
        vec![
            "DateLessThan aws:currenttime".to_string(),
            "condition aws:referer".to_string()
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

// ---------------------------------------------------------------------------------------------
// Parsing.

#[test]
fn the_three_text_shapes_parse_alike() {
    let plain = doc(&[ALLOW_PARTNER_ROLE_GET, PIN_PARTNER_VPCE]);
    let escaped = plain.replace('"', "\\\"");
    let with_slashes = escaped.replace('/', "\\/");
    let literal = serde_json::to_string(&plain).unwrap();
    let literal_of_escaped = serde_json::to_string(&escaped).unwrap();
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&plain).unwrap())
            .unwrap();
    let want = parse_policy(&plain).unwrap();
    assert_eq!(want.statement_count(), 2);
    for (name, text) in [
        ("escaped", escaped),
        ("escaped with \\/", with_slashes),
        ("string literal", literal),
        ("string literal of the escaped form", literal_of_escaped),
        ("pretty", pretty),
        ("padded", format!("  \n{plain}\n\t")),
    ] {
        assert_eq!(parse_policy(&text).as_ref(), Ok(&want), "{name}: {text}");
    }
}

#[test]
fn real_api_gateway_text_parses() {
    // As `aws apigateway get-rest-api --query policy --output text` prints it.
    let text = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:role\/partner-reader\"},\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:abc123\/prod\/GET\/*\"}]}"#;
    let d = parse_policy(text).unwrap();
    let arn = method_arn("prod/GET/orders/{id}");
    let v = reach_of(
        &d,
        &ReachQuery {
            resource_arn: &arn,
            caller: IAM,
            mode: ALLOW,
            network: PUBLIC,
        },
        &ctx(),
    );
    assert_eq!(v.reach.label(), "accounts:[222222222222]");
}

#[test]
fn statement_shapes() {
    // A single statement object, values of every accepted scalar shape, Sid fallbacks.
    let single = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}}"#;
    assert_eq!(parse_policy(single).unwrap().statement_count(), 1);
    let d = parse_policy(&doc(&[
        r#"{"Sid":"","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"*"}"#,
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}"#,
    ]))
    .unwrap();
    assert_eq!(d.statements[0].sid, "#0");
    assert_eq!(d.statements[1].sid, "#1");
    assert_eq!(
        d.statements[1].conditions[0].values,
        vec!["false".to_string()]
    );
    assert_eq!(d.statements[1].conditions[0].key, "aws:securetransport");
    assert_eq!(
        parse_policy(r#"{"Statement":[]}"#)
            .unwrap()
            .statement_count(),
        0
    );
}

#[test]
#[rustfmt::skip]
fn malformed_documents_are_errors_with_useful_messages() {
    let st = |body: &str| format!(r#"{{"Statement":[{{{body}}}]}}"#);
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", "".into(), "empty"),
        ("blank", "  \n ".into(), "empty"),
        ("not json", "{not json".into(), "not valid JSON"),
        (
            "truncated",
            r#"{"Statement":[{"Effect":"Allow""#.into(),
            "not valid JSON",
        ),
        ("array", "[1,2]".into(), "not a JSON object"),
        ("number", "42".into(), "not a JSON object"),
        ("string of garbage", r#""hello""#.into(), "not valid JSON"),
        (
            "no statement",
            r#"{"Version":"2012-10-17"}"#.into(),
            "no Statement",
        ),
        (
            "lower-case statement",
            r#"{"statement":[]}"#.into(),
            "no Statement",
        ),
        (
            "statement a string",
            r#"{"Statement":"Allow"}"#.into(),
            "Statement must be an object or a list",
        ),
        (
            "statement not an object",
            r#"{"Statement":[42]}"#.into(),
            "statement #0 is not an object",
        ),
        (
            "no effect",
            st(r#""Principal":"*","Action":"execute-api:Invoke","Resource":"*""#),
            "has no Effect",
        ),
        (
            "bad effect",
            st(
                r#""Sid":"S1","Effect":"Permit","Principal":"*","Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "statement S1: Effect \"Permit\" is neither Allow nor Deny",
        ),
        (
            "effect case",
            st(r#""Effect":"allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*""#),
            "neither Allow nor Deny",
        ),
        (
            "both principals",
            st(
                r#""Effect":"Allow","Principal":"*","NotPrincipal":{"AWS":"*"},"Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "both Principal and NotPrincipal",
        ),
        (
            "no principal",
            st(r#""Effect":"Allow","Action":"execute-api:Invoke","Resource":"*""#),
            "has no Principal",
        ),
        (
            "principal a bare account string",
            st(
                r#""Effect":"Allow","Principal":"222222222222","Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "Principal \"222222222222\" must be",
        ),
        (
            "principal a number",
            st(r#""Effect":"Allow","Principal":7,"Action":"execute-api:Invoke","Resource":"*""#),
            "Principal must be",
        ),
        (
            "principal holds an object",
            st(
                r#""Effect":"Allow","Principal":{"AWS":{"x":1}},"Action":"execute-api:Invoke","Resource":"*""#,
            ),
            "Principal must be a string or a list",
        ),
        (
            "no action",
            st(r#""Effect":"Allow","Principal":"*","Resource":"*""#),
            "exactly one of Action and NotAction",
        ),
        (
            "both actions",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","NotAction":"*","Resource":"*""#),
            "exactly one of Action and NotAction",
        ),
        (
            "action an object",
            st(r#""Effect":"Allow","Principal":"*","Action":{"a":1},"Resource":"*""#),
            "Action must be",
        ),
        (
            "missing resource",
            st(r#""Effect":"Allow","Principal":"*","Action":"execute-api:Invoke""#),
            "exactly one of Resource and NotResource",
        ),
        (
            "both resources",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","NotResource":"*""#),
            "exactly one of Resource and NotResource",
        ),
        (
            "resource list of objects",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":[{}]"#),
            "Resource must hold strings",
        ),
        (
            "condition a list",
            st(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":[]"#),
            "Condition must be an object",
        ),
        (
            "condition block a string",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}"#,
            ),
            "condition StringEquals must map keys to values",
        ),
        (
            "condition value an object",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":{"a":"b"}}}"#,
            ),
            "condition value must be",
        ),
        (
            "condition value null",
            st(
                r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":null}}"#,
            ),
            "condition value must be",
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, want) in &cases {
        match parse_policy(text) {
            Ok(d) => failures.push(format!(
                "{name}: parsed as {} statements",
                d.statement_count()
            )),
            Err(e) if !e.message.contains(want) => {
                failures.push(format!("{name}: message {:?} lacks {want:?}", e.message))
            }
            Err(_) => {}
        }
        // The escaped form of a broken document is just as broken.
        if !text.trim().is_empty() {
            let escaped = text.replace('"', "\\\"");
            if parse_policy(&escaped).is_ok() {
                failures.push(format!("{name}: escaped form parsed"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn oversized_documents_are_refused() {
    let huge = format!(
        r#"{{"Statement":[],"Pad":"{}"}}"#,
        "x".repeat(document::MAX_POLICY_BYTES)
    );
    assert!(parse_policy(&huge).unwrap_err().message.contains("bytes"));
    let many = format!(
        r#"{{"Statement":[{}]}}"#,
        vec![ALLOW_ALL; document::MAX_STATEMENTS + 1].join(",")
    );
    assert!(parse_policy(&many)
        .unwrap_err()
        .message
        .contains("statements"));
}

#[test]
fn errors_display_their_message() {
    let e = parse_policy("{").unwrap_err();
    assert_eq!(e.to_string(), e.message);
}

// ---------------------------------------------------------------------------------------------
// Property tests: no panics.

/// Arbitrary JSON, biased towards the policy vocabulary so that deep parts of the parser run.
fn policyish_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let words = prop::sample::select(vec![
        "*",
        "Allow",
        "Deny",
        "execute-api:Invoke",
        "execute-api:/*",
        "arn:aws:iam::222222222222:root",
        "222222222222",
        "arn:aws:iam::222222222222:role/r*",
        "vpce-0partner",
        "vpce-0owner",
        "o-abc",
        "203.0.113.0/24",
        "10.0.0.1",
        "true",
        "false",
        "",
        "{",
        "}",
        "execute-api:/prod/GET/a/{id}",
        "arn:aws:execute-api:*:*:*/*/*/*",
        "o-abc/r-1/*",
        "aws:SourceVpce",
    ]);
    let leaf = prop_oneof![
        words.prop_map(|w| Value::String(w.into())),
        any::<String>().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(Value::Null),
    ];
    let keys = prop::sample::select(vec![
        "Statement",
        "Effect",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringEquals",
        "StringNotEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringNotEquals",
        "StringEqualsIfExists",
        "IpAddress",
        "NotIpAddress",
        "Null",
        "ArnLike",
        "Bool",
        "NumericLessThan",
        "aws:SourceVpce",
        "aws:sourcevpc",
        "aws:SourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:Referer",
        "Sid",
        "Version",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A statement assembled from random parts, so that most of them parse.
fn statementish() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"AWS": ["222222222222", "arn:aws:iam::333333333333:root"]})),
        Just(json!({"AWS": "arn:aws:iam::*:role/x*"})),
        Just(json!({"Service": "lambda.amazonaws.com"})),
        policyish_json(),
    ];
    let patterns = prop_oneof![
        Just(json!("*")),
        Just(json!("execute-api:/*/GET/*")),
        Just(json!([
            "execute-api:/prod/*",
            "arn:aws:execute-api:us-east-1:111111111111:abc123/*/POST/{x"
        ])),
        "[a-zA-Z0-9:/*?{}+-]{0,24}".prop_map(Value::String),
        policyish_json(),
    ];
    let condition = prop_oneof![
        Just(Value::Null),
        Just(json!({"StringNotEquals": {"aws:SourceVpce": ["vpce-0owner", "vpce-0partner"]}})),
        Just(
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "::/0", "bogus", "10.0.0.1"]}})
        ),
        Just(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-abc/*", "o-*/r/*"]}})),
        Just(
            json!({"Null": {"aws:SourceVpce": "true"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:*"}})
        ),
        Just(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}})),
        policyish_json(),
    ];
    (
        prop::sample::select(vec!["Allow", "Deny"]),
        any::<bool>(),
        principal,
        any::<bool>(),
        patterns.clone(),
        any::<bool>(),
        patterns,
        condition,
    )
        .prop_map(|(effect, not_p, p, not_a, a, not_r, r, c)| {
            let mut m = serde_json::Map::new();
            m.insert("Effect".into(), json!(effect));
            m.insert(if not_p { "NotPrincipal" } else { "Principal" }.into(), p);
            m.insert(if not_a { "NotAction" } else { "Action" }.into(), a);
            m.insert(if not_r { "NotResource" } else { "Resource" }.into(), r);
            if !c.is_null() {
                m.insert("Condition".into(), c);
            }
            Value::Object(m)
        })
}

fn odd_method() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,5}/(GET|POST|\\*|)/[a-z{}+/*?]{0,16}",
        "[a-z{}/+]{0,10}",
        any::<String>(),
        Just("prod/GET/orders/{id".to_string()),
        Just("prod/GET/orders/id}".to_string()),
        Just("prod/GET/{proxy+}/{".to_string()),
        Just("//GET//".to_string()),
        Just(String::new()),
    ]
}

fn any_query() -> impl Strategy<Value = (CallerKind, PolicyMode, Network)> {
    (
        prop::sample::select(vec![ANON, IAM]),
        prop::sample::select(vec![ALLOW, DENY_ONLY]),
        prop::sample::select(vec![PUBLIC, PRIVATE]),
    )
}

fn reach_all_queries(d: &PolicyDocument, arn: &str) {
    for caller in [ANON, IAM] {
        for mode in [ALLOW, DENY_ONLY] {
            for network in [PUBLIC, PRIVATE] {
                let v = reach_of(
                    d,
                    &ReachQuery {
                        resource_arn: arn,
                        caller,
                        mode,
                        network,
                    },
                    &ctx(),
                );
                // Invariants that hold for every verdict.
                if !v.unevaluated.is_empty() {
                    assert!(v.low_confidence);
                }
                if !v.reach.beyond_owner() {
                    assert!(v.allowing_statements.is_empty());
                }
                if caller == IAM {
                    assert!(
                        !matches!(
                            v.reach,
                            Reach::Internet | Reach::InternetIpRestricted { .. }
                        ),
                        "an authenticated caller is never 'the internet': {:?}",
                        v.reach
                    );
                }
                if network == PRIVATE {
                    assert!(v.reach.width() <= Reach::AnyAwsAccount.width());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_text(text in any::<String>()) {
        let _ = parse_policy(&text);
        let _ = parse_policy(&text.replace('"', "\\\""));
    }

    #[test]
    fn parse_never_panics_on_json(v in policyish_json()) {
        let text = v.to_string();
        let _ = parse_policy(&text);
        let _ = parse_policy(&text.replace('"', "\\\""));
        let _ = parse_policy(&serde_json::to_string(&text).unwrap());
        let wrapped = serde_json::json!({"Version": "2012-10-17", "Statement": v}).to_string();
        let _ = parse_policy(&wrapped);
    }

    #[test]
    fn parse_errors_say_something(text in "[{}\\[\\]\":,a-zA-Z ]{0,40}") {
        if let Err(e) = parse_policy(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn reach_never_panics(
        statements in prop::collection::vec(statementish(), 0..5),
        method in odd_method(),
        (caller, mode, network) in any_query(),
    ) {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        if let Ok(d) = parse_policy(&text) {
            let arn = method_arn(&method);
            let _ = reach_of(&d, &ReachQuery { resource_arn: &arn, caller, mode, network }, &ctx());
            reach_all_queries(&d, &method);
            reach_all_queries(&d, &arn);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Property test: agreement with a naive reference evaluator.
//
// The family: statements over a small vocabulary (principals `*`, two accounts, one role;
// resources with wildcards over stages, verbs and paths; an optional single condition on
// aws:SourceVpce, aws:PrincipalAccount, aws:SourceIp, aws:PrincipalOrgID or aws:PrincipalArn),
// concrete methods, and concrete callers. The reference evaluates every (caller, source) pair literally, as IAM's
// documentation describes, with its own exponential wildcard matcher, and the expected reach is
// derived from which pairs get in.

const FAMILY_CIDR: &str = "203.0.113.0/24";
const STRANGER: &str = "444444444444";

#[derive(Debug, Clone)]
enum RefPrincipal {
    Star,
    Account(&'static str),
    Role(&'static str),
}

#[derive(Debug, Clone)]
enum RefCond {
    Vpce {
        negated: bool,
        value: &'static str,
    },
    Account {
        negated: bool,
        value: &'static str,
    },
    Ip {
        negated: bool,
    },
    OrgId {
        negated: bool,
        value: &'static str,
    },
    /// `ArnLike` / `ArnNotLike` on aws:PrincipalArn.
    Arn {
        negated: bool,
        pattern: &'static str,
    },
}

#[derive(Debug, Clone)]
struct RefStatement {
    allow: bool,
    not_principal: bool,
    principals: Vec<RefPrincipal>,
    not_action: bool,
    action: &'static str,
    not_resource: bool,
    resources: Vec<String>,
    condition: Option<RefCond>,
}

#[derive(Debug, Clone)]
struct RefCaller {
    /// `None`: anonymous.
    account: Option<&'static str>,
    arn: String,
    org: Option<&'static str>,
}

impl RefCaller {
    fn principal(account: &'static str, role: &str, org: Option<&'static str>) -> RefCaller {
        RefCaller {
            account: Some(account),
            arn: format!("arn:aws:iam::{account}:role/{role}"),
            org,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum RefSource {
    Ip(&'static str),
    Vpce(&'static str),
}

impl RefStatement {
    fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let principals: Vec<serde_json::Value> = self
            .principals
            .iter()
            .map(|p| match p {
                RefPrincipal::Star => json!("*"),
                RefPrincipal::Account(a) => json!(a),
                RefPrincipal::Role(r) => json!(r),
            })
            .collect();
        let principal = if principals.len() == 1 && matches!(self.principals[0], RefPrincipal::Star)
        {
            // Half the time the bare "*" form, else {"AWS": "*"}: the same principal.
            if self.resources.len() % 2 == 0 {
                json!("*")
            } else {
                json!({"AWS": "*"})
            }
        } else {
            json!({ "AWS": principals })
        };
        let mut m = serde_json::Map::new();
        m.insert(
            "Effect".into(),
            json!(if self.allow { "Allow" } else { "Deny" }),
        );
        m.insert(
            if self.not_principal {
                "NotPrincipal"
            } else {
                "Principal"
            }
            .into(),
            principal,
        );
        m.insert(
            if self.not_action {
                "NotAction"
            } else {
                "Action"
            }
            .into(),
            json!(self.action),
        );
        m.insert(
            if self.not_resource {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            json!(self.resources),
        );
        if let Some(c) = &self.condition {
            let (op, key, value) = match c {
                RefCond::Vpce { negated, value } => (
                    if *negated {
                        "StringNotEquals"
                    } else {
                        "StringEquals"
                    },
                    "aws:SourceVpce",
                    *value,
                ),
                RefCond::Account { negated, value } => (
                    if *negated {
                        "StringNotEquals"
                    } else {
                        "StringEquals"
                    },
                    "aws:PrincipalAccount",
                    *value,
                ),
                RefCond::Ip { negated } => (
                    if *negated {
                        "NotIpAddress"
                    } else {
                        "IpAddress"
                    },
                    "aws:SourceIp",
                    FAMILY_CIDR,
                ),
                RefCond::OrgId { negated, value } => (
                    if *negated {
                        "StringNotEquals"
                    } else {
                        "StringEquals"
                    },
                    "aws:PrincipalOrgID",
                    *value,
                ),
                RefCond::Arn { negated, pattern } => (
                    if *negated { "ArnNotLike" } else { "ArnLike" },
                    "aws:PrincipalArn",
                    *pattern,
                ),
            };
            m.insert("Condition".into(), json!({ op: { key: value } }));
        }
        serde_json::Value::Object(m)
    }
}

/// Exponential, obviously-right wildcard matcher (`*` any run, `?` one character).
fn naive_glob(p: &[u8], t: &[u8]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(b'*'), _) => naive_glob(&p[1..], t) || (!t.is_empty() && naive_glob(p, &t[1..])),
        (Some(_), None) => false,
        (Some(b'?'), Some(_)) => naive_glob(&p[1..], &t[1..]),
        (Some(a), Some(b)) => a == b && naive_glob(&p[1..], &t[1..]),
    }
}

fn naive_in_cidr(ip: &str) -> bool {
    ip.starts_with("203.0.113.")
}

fn naive_applies(
    s: &RefStatement,
    method_arn: &str,
    caller: &RefCaller,
    source: &RefSource,
) -> bool {
    // Every probe principal calls as a session of its role, and no statement of the family
    // names a session. `Principal` with a role ARN matches the role's sessions; `NotPrincipal`
    // with only the role ARN does not spare them (IAM user guide, NotPrincipal). An account in
    // a Deny's NotPrincipal spares its principals; an Allow's NotPrincipal leaves a principal
    // out only if it names the session too (never here).
    let principal_applies = if s.not_principal {
        let exempt = s.principals.iter().any(|p| match p {
            RefPrincipal::Star => true,
            RefPrincipal::Account(a) => !s.allow && caller.account == Some(*a),
            RefPrincipal::Role(_) => false,
        });
        !exempt
    } else {
        s.principals.iter().any(|p| match p {
            RefPrincipal::Star => true,
            RefPrincipal::Account(a) => caller.account == Some(*a),
            RefPrincipal::Role(r) => caller.account.is_some() && caller.arn == *r,
        })
    };
    if !principal_applies {
        return false;
    }
    let action_hit = naive_glob(
        s.action.to_ascii_lowercase().as_bytes(),
        b"execute-api:invoke",
    );
    if action_hit == s.not_action {
        return false;
    }
    let resource_hit = s.resources.iter().any(|r| {
        let full = match r.strip_prefix("execute-api:/") {
            Some(rest) => format!("{API_PREFIX}/{rest}"),
            None => r.clone(),
        };
        naive_glob(full.as_bytes(), method_arn.as_bytes())
    });
    if resource_hit == s.not_resource {
        return false;
    }
    match &s.condition {
        None => true,
        Some(RefCond::Vpce { negated, value }) => match source {
            RefSource::Vpce(v) => (v == value) != *negated,
            RefSource::Ip(_) => *negated,
        },
        Some(RefCond::Account { negated, value }) => match caller.account {
            Some(a) => (a == *value) != *negated,
            None => *negated,
        },
        Some(RefCond::Ip { negated }) => match source {
            RefSource::Ip(ip) => naive_in_cidr(ip) != *negated,
            RefSource::Vpce(_) => *negated,
        },
        Some(RefCond::OrgId { negated, value }) => match caller.org {
            Some(org) => (org == *value) != *negated,
            None => *negated,
        },
        Some(RefCond::Arn { negated, pattern }) => match caller.account {
            Some(_) => naive_glob(pattern.as_bytes(), caller.arn.as_bytes()) != *negated,
            None => *negated,
        },
    }
}

fn naive_admits(
    statements: &[RefStatement],
    method_arn: &str,
    mode: PolicyMode,
    caller: &RefCaller,
    source: &RefSource,
) -> bool {
    let applying = |allow: bool| {
        statements
            .iter()
            .filter(|s| s.allow == allow)
            .any(|s| naive_applies(s, method_arn, caller, source))
    };
    !applying(false) && (mode == DENY_ONLY || applying(true))
}

/// The reach the reference expects, from which concrete (caller, source) pairs get in.
fn naive_reach(
    statements: &[RefStatement],
    method_arn: &str,
    caller_kind: CallerKind,
    mode: PolicyMode,
    network: Network,
) -> Reach {
    let admits = |c: &RefCaller, s: &RefSource| naive_admits(statements, method_arn, mode, c, s);
    // Sources: "fresh" ones stand for any network; the owner's endpoint never makes a caller
    // external; the partner's endpoint confines callers to the partner's network. Requests to a
    // public API never come through an execute-api endpoint, so only private APIs see them.
    let fresh: Vec<RefSource> = match network {
        Network::Public => vec![RefSource::Ip("198.51.100.7")],
        Network::PrivateVpce => vec![RefSource::Vpce("vpce-0fresh")],
    };
    let in_cidr = RefSource::Ip("203.0.113.9");
    let partner_vpce = RefSource::Vpce("vpce-0partner");
    let private = network == Network::PrivateVpce;
    match caller_kind {
        CallerKind::Anonymous => {
            let anon = RefCaller {
                account: None,
                arn: String::new(),
                org: None,
            };
            if fresh.iter().any(|s| admits(&anon, s)) {
                return match network {
                    Network::Public => Reach::Internet,
                    Network::PrivateVpce => Reach::AnyAwsAccount,
                };
            }
            if network == Network::Public && admits(&anon, &in_cidr) {
                return Reach::InternetIpRestricted {
                    cidrs: vec![FAMILY_CIDR.into()],
                };
            }
            if private && admits(&anon, &partner_vpce) {
                return Reach::Accounts {
                    accounts: vec![PARTNER.into()],
                };
            }
            Reach::Owner
        }
        CallerKind::Authenticated => {
            let mut open: Vec<RefSource> = fresh.clone();
            if network == Network::Public {
                open.push(in_cidr.clone());
            }
            // Each probe account with the role names the family's patterns can tell apart.
            let roles = ["someone", "partner-reader", "partner-other"];
            let callers = |account: &'static str, org: Option<&'static str>| -> Vec<RefCaller> {
                roles
                    .iter()
                    .map(|r| RefCaller::principal(account, r, org))
                    .collect()
            };
            let open_for = |cs: &[RefCaller]| cs.iter().any(|c| open.iter().any(|s| admits(c, s)));
            let via_partner =
                |cs: &[RefCaller]| private && cs.iter().any(|c| admits(c, &partner_vpce));
            // Anyone: an unmentioned account, alone or in an organization nobody names.
            let anyone = [
                callers(STRANGER, None),
                callers("555555555555", Some("o-other")),
            ];
            if anyone.iter().any(|cs| open_for(cs)) {
                return Reach::AnyAwsAccount;
            }
            let members = [
                ("o-abc", callers("666666666666", Some("o-abc"))),
                ("o-zzz", callers("777777777777", Some("o-zzz"))),
            ];
            let orgs: Vec<String> = members
                .iter()
                .filter(|(_, cs)| open_for(cs))
                .map(|(org, _)| org.to_string())
                .collect();
            if !orgs.is_empty() {
                return Reach::Organization { org_ids: orgs };
            }
            let mut accounts = std::collections::BTreeSet::new();
            if anyone
                .iter()
                .chain(members.iter().map(|(_, cs)| cs))
                .any(|cs| via_partner(cs))
            {
                accounts.insert(PARTNER.to_string());
            }
            // A named account let in from an open source widens the reach to itself; one let in
            // only through the partner's endpoint is confined to the partner's network. A named
            // account may be a member of any organization, named or not.
            for account in [PARTNER, OTHER] {
                let cs: Vec<RefCaller> = [None, Some("o-abc"), Some("o-zzz"), Some("o-other")]
                    .into_iter()
                    .flat_map(|org| callers(account, org))
                    .collect();
                if open_for(&cs) {
                    accounts.insert(account.to_string());
                } else if via_partner(&cs) {
                    accounts.insert(PARTNER.to_string());
                }
            }
            if accounts.is_empty() {
                Reach::Owner
            } else {
                Reach::Accounts {
                    accounts: accounts.into_iter().collect(),
                }
            }
        }
    }
}

fn ref_statement() -> impl Strategy<Value = RefStatement> {
    let principal = prop_oneof![
        3 => Just(RefPrincipal::Star),
        2 => Just(RefPrincipal::Account(PARTNER)),
        1 => Just(RefPrincipal::Account(OTHER)),
        1 => Just(RefPrincipal::Account(OWNER)),
        2 => Just(RefPrincipal::Role(PARTNER_ROLE)),
    ];
    let stage = prop::sample::select(vec!["prod", "dev", "*", "pro?"]);
    let verb = prop::sample::select(vec!["GET", "POST", "*", "?ET"]);
    let path = prop::sample::select(vec!["orders", "orders/*", "*", "admin", "orders/1", "*s"]);
    let resource = prop_oneof![
        4 => (stage, verb, path).prop_map(|(s, v, p)| format!("execute-api:/{s}/{v}/{p}")),
        1 => Just("*".to_string()),
        1 => Just(format!("{API_PREFIX}/prod/*")),
        1 => Just("arn:aws:execute-api:*:*:*/dev/*".to_string()),
        1 => Just("arn:aws:execute-api:us-east-1:111111111111:other/*".to_string()),
    ];
    let condition = prop_oneof![
        3 => Just(None),
        1 => (any::<bool>(), prop::sample::select(vec!["vpce-0owner", "vpce-0partner"]))
            .prop_map(|(negated, value)| Some(RefCond::Vpce { negated, value })),
        1 => (any::<bool>(), prop::sample::select(vec![PARTNER, OTHER, OWNER]))
            .prop_map(|(negated, value)| Some(RefCond::Account { negated, value })),
        1 => any::<bool>().prop_map(|negated| Some(RefCond::Ip { negated })),
        1 => (any::<bool>(), prop::sample::select(vec!["o-abc", "o-zzz"]))
            .prop_map(|(negated, value)| Some(RefCond::OrgId { negated, value })),
        1 => (
            any::<bool>(),
            prop::sample::select(vec![
                "arn:aws:iam::222222222222:role/partner-*",
                "arn:aws:iam::*:role/partner-reader",
                "arn:aws:iam::333333333333:*",
                "arn:aws:iam::111111111111:role/*",
            ]),
        )
            .prop_map(|(negated, pattern)| Some(RefCond::Arn { negated, pattern })),
    ];
    (
        prop::bool::weighted(0.6),
        prop::bool::weighted(0.1),
        prop::collection::vec(principal, 1..3),
        prop::bool::weighted(0.1),
        prop::sample::select(vec![
            "execute-api:Invoke",
            "execute-api:*",
            "*",
            "execute-api:ManageConnections",
        ]),
        prop::bool::weighted(0.1),
        prop::collection::vec(resource, 1..3),
        condition,
    )
        .prop_map(
            |(
                allow,
                not_principal,
                principals,
                not_action,
                action,
                not_resource,
                resources,
                condition,
            )| {
                RefStatement {
                    allow,
                    not_principal,
                    principals,
                    not_action,
                    action,
                    not_resource,
                    resources,
                    condition,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_naive_reference(
        statements in prop::collection::vec(ref_statement(), 1..5),
        stage in prop::sample::select(vec!["prod", "dev"]),
        verb in prop::sample::select(vec!["GET", "POST"]),
        path in prop::sample::select(vec!["orders", "orders/1", "admin"]),
    ) {
        let text = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": statements.iter().map(RefStatement::to_json).collect::<Vec<_>>(),
        })
        .to_string();
        let d = parse_policy(&text).map_err(|e| TestCaseError::fail(e.message))?;
        let arn = format!("{API_PREFIX}/{stage}/{verb}/{path}");
        let mut seen = BTreeMap::new();
        for caller in [ANON, IAM] {
            for mode in [ALLOW, DENY_ONLY] {
                for network in [PUBLIC, PRIVATE] {
                    let v = reach_of(&d, &ReachQuery { resource_arn: &arn, caller, mode, network }, &ctx());
                    let want = naive_reach(&statements, &arn, caller, mode, network);
                    prop_assert_eq!(
                        &v.reach, &want,
                        "{:?} {:?} {:?} on {} with {}", caller, mode, network, arn, text
                    );
                    prop_assert!(!v.low_confidence);
                    seen.insert(format!("{caller:?}/{mode:?}/{network:?}"), v.reach.label());
                }
            }
        }
        // DenyOnly never admits fewer callers than AllowRequired.
        for caller in ["Anonymous", "Authenticated"] {
            for network in ["Public", "PrivateVpce"] {
                let a = &seen[&format!("{caller}/AllowRequired/{network}")];
                let d = &seen[&format!("{caller}/DenyOnly/{network}")];
                prop_assert!(
                    label_width(d) >= label_width(a),
                    "{caller} {network}: DenyOnly {d} narrower than AllowRequired {a}"
                );
            }
        }
    }
}

fn label_width(label: &str) -> u8 {
    match label.split(':').next().unwrap_or("") {
        "owner" => 0,
        "accounts" => 1,
        "organization" => 2,
        "any_aws_account" => 3,
        "internet_ip_restricted" => 4,
        _ => 5,
    }
}

// The classifier decides through [`FastEvaluator`] (conditions split by the side of the request
// they read, outcomes cached per principal, membership and source); [`evaluate`] is the plain
// statement-by-statement reading. They must agree on every request.
fn probe_callers() -> Vec<Caller> {
    let member = |org: &str, path: &str| Membership {
        org_id: org.into(),
        paths: vec![path.into()],
        label: Some(org.into()),
    };
    let abc = member("o-abc", "o-abc/r-1/ou-1/");
    let other = member("o-zzz", "o-zzz/r-9/ou-9/");
    vec![
        Caller::Anonymous,
        Caller::principal("222222222222", "arn:aws:iam::222222222222:role/x1", None),
        Caller::principal(
            "222222222222",
            "arn:aws:iam::222222222222:role/x1",
            Some(&abc),
        ),
        Caller::principal(
            "333333333333",
            "arn:aws:iam::333333333333:user/u",
            Some(&other),
        ),
        Caller::principal(
            "111111111111",
            "arn:aws:iam::111111111111:role/r",
            Some(&abc),
        ),
        Caller::principal(
            "444444444444",
            "arn:aws:sts::444444444444:assumed-role/x2/s",
            None,
        ),
    ]
}

fn probe_sources() -> Vec<NetworkSource> {
    let src = |ip: Option<&str>, vpce: Option<&str>, vpc: Option<&str>| NetworkSource {
        ip: ip.map(|i| i.parse().unwrap()),
        vpce: vpce.map(str::to_string),
        vpc: vpc.map(str::to_string),
        owner: SourceOwner::Fresh,
        cidr: None,
    };
    vec![
        src(Some("203.0.113.9"), None, None),
        src(Some("198.51.100.1"), None, None),
        src(Some("2001:db8::1"), None, None),
        src(Some("10.0.0.1"), None, None),
        src(None, Some("vpce-0owner"), Some("vpc-0owner")),
        src(None, Some("vpce-0partner"), Some("vpc-0partner")),
        src(None, None, None),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn factorized_decisions_equal_the_statement_by_statement_reading(
        statements in prop::collection::vec(statementish(), 1..6),
        method in prop::sample::select(vec!["prod/GET/orders/1", "prod/POST/admin", "dev/GET/x"]),
    ) {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let Ok(d) = parse_policy(&text) else { return Ok(()); };
        let arn = format!("{API_PREFIX}/{method}");
        let covering = covering_statements(&d, &arn);
        let sources = probe_sources();
        let mut fast = FastEvaluator::new(&covering, &sources);
        for caller in probe_callers() {
            let outcome = fast.caller_outcome(&caller);
            for (i, source) in sources.iter().enumerate() {
                let want = evaluate(&covering, &caller, source);
                let mut unevaluated = BTreeSet::new();
                let got = fast.decide((&caller, &outcome), (source, i), &mut unevaluated);
                let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
                prop_assert_eq!(sorted(&got.allowed_by), sorted(&want.allowed_by), "allows: {:?} {:?} {}", caller, source, text);
                prop_assert_eq!(
                    got.denied_by.is_empty(), want.denied_by.is_empty(),
                    "denies: {:?} {:?} {}", caller, source, text
                );
                // The fast path names the unknown conditions of the statements that apply; the
                // reference also names those of statements a later condition rules out, which
                // change nothing. An unknown condition in play is named by both.
                prop_assert!(
                    unevaluated.is_subset(&want.unevaluated),
                    "unevaluated {:?} not within {:?}: {}", unevaluated, want.unevaluated, text
                );
            }
        }
    }
}

#[test]
fn the_internet_a_policy_does_not_name_is_probed_even_past_every_usual_address() {
    // The Deny covers every usual probe address but leaves 208.0.0.0/4 open: the internet
    // still gets in there.
    let policy = parse_policy(
        r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/2","192.0.0.0/4","224.0.0.0/3","::/0"]}}}]}"#,
    )
    .unwrap();
    let arn = format!("{API_PREFIX}/prod/POST/x");
    let q = ReachQuery {
        resource_arn: &arn,
        caller: ANON,
        mode: ALLOW,
        network: PUBLIC,
    };
    assert_eq!(reach_of(&policy, &q, &ctx()).reach, Reach::Internet);
    // Closing the gap closes the method.
    let closed = parse_policy(
        r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/2","192.0.0.0/4","224.0.0.0/3","208.0.0.0/4","::/0"]}}}]}"#,
    )
    .unwrap();
    assert_eq!(reach_of(&closed, &q, &ctx()).reach, Reach::Owner);
}

#[test]
fn first_uncovered_address_jumps_over_overlapping_ranges() {
    let cidrs = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let v4: IpAddr = "1.2.3.4".parse().unwrap();
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    assert_eq!(
        first_uncovered(v4, &cidrs(&[])),
        Some("0.0.0.0".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(
            v4,
            &cidrs(&["0.0.0.0/8", "0.0.0.0/4", "16.0.0.0/4", "32.0.0.1"])
        ),
        Some("32.0.0.0".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(v4, &cidrs(&["0.0.0.0/4", "16.0.0.0/4", "32.0.0.0", "::/0"])),
        Some("32.0.0.1".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(v4, &cidrs(&["0.0.0.0/1", "128.0.0.0/1"])),
        None
    );
    assert_eq!(
        first_uncovered(v6, &cidrs(&["0.0.0.0/0", "::/1"])),
        Some("8000::".parse().unwrap())
    );
    assert_eq!(first_uncovered(v6, &cidrs(&["::/0"])), None);
}
