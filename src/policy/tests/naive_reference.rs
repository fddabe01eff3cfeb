//! Property test: agreement with a naive reference evaluator.
//!
//! The family: statements over a small vocabulary (principals `*`, two accounts, one role;
//! resources with wildcards over stages, verbs and paths; an optional single condition on
//! aws:SourceVpce, aws:PrincipalAccount, aws:SourceIp, aws:PrincipalOrgID or aws:PrincipalArn),
//! concrete methods, and concrete callers. The reference evaluates every (caller, source) pair
//! literally, as IAM's documentation describes, with its own exponential wildcard matcher, and
//! the expected reach is derived from which pairs get in.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

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
                    let v = verdict(&d, &arn, caller, mode, network);
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
