//! Tests of the resource-policy engine: table-driven cases pinned to documented IAM and API
//! Gateway behaviour (README, *How it decides*), then property tests (no panics on hostile
//! input, and agreement with a deliberately naive reference evaluator on a small random policy
//! family).

use super::*;

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

/// The instant the tests' scans start at.
const SCAN_START: &str = "2026-06-01T00:00:00Z";

fn scan_start() -> OffsetDateTime {
    OffsetDateTime::parse(SCAN_START, &::time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 instant")
}

fn ctx() -> ReachContext<'static> {
    ReachContext {
        owner_account: OWNER,
        region: REGION,
        at: Some(scan_start()),
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
    verdict(&d, &method_arn(method), caller, mode, network)
}

/// [`reach_of`] for the resource ARN `arn` in the estate of [`ctx`].
fn verdict(
    d: &PolicyDocument,
    arn: &str,
    caller: CallerKind,
    mode: PolicyMode,
    network: Network,
) -> ReachVerdict {
    let query = ReachQuery {
        resource_arn: arn,
        caller,
        mode,
        network,
    };
    reach_of(d, &query, &ctx())
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

/// A statement that lets everyone in on every resource when `condition` (a JSON object) holds.
fn allow_when(condition: &str) -> String {
    format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{condition}}}"#
    )
}

/// A statement that keeps everyone out of every resource when `condition` holds.
fn deny_when(condition: &str) -> String {
    format!(
        r#"{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{condition}}}"#
    )
}

/// `statement` with the Sid `sid`.
fn named(sid: &str, statement: String) -> String {
    format!(r#"{{"Sid":"{sid}",{}"#, &statement[1..])
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

mod clock;
mod conditions;
mod corpus;
mod fast;
mod keys;
mod naive_reference;
mod no_panics;
mod parsing;
mod paths;
mod principals;
mod probes;
mod resources;
mod review;
