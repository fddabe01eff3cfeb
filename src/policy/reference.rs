//! Evaluation of one concrete request.
//!
//! ARN condition operators match field by field, as IAM does; a value that is not a six-field
//! ARN is treated as an unknown condition. Principal ARNs are compared exactly: IAM never
//! expands a wildcard inside a principal.

use super::clock;
use super::document::{
    BaseOp, Condition, Effect, Operator, PrincipalItem, PrincipalSpec, SetOp, Statement,
};
use super::glob;
use super::keys::{key_value, Env, KeyValue};
use super::probes::Membership;
use crate::arn::Arn;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Who is calling.
#[derive(Debug, Clone)]
pub(super) enum Caller {
    Anonymous,
    Principal {
        account: String,
        /// The role or user ARN: what `aws:PrincipalArn` holds (for a role session, its role).
        arn: String,
        /// A role calls as an assumed-role session (`arn:aws:sts::<acct>:assumed-role/<name>/<s>`);
        /// `None` for a user.
        session: Option<String>,
        org_id: Option<String>,
        org_paths: Vec<String>,
        /// The probe role of its account ([`probe_role`]): it stands for every principal of the
        /// account, so what a principal can choose about itself (its type, its user name) is
        /// the caller's choice.
        stands_for_account: bool,
    },
}

impl Caller {
    /// A principal of `account` calling as `arn`: a role ARN becomes a session of that role, an
    /// assumed-role session ARN a session of its role, anything else (a user) calls as itself.
    pub(super) fn principal(account: &str, arn: &str, org: Option<&Membership>) -> Caller {
        let stands_for_account = arn == probe_role(account);
        let (arn, session) = session_of(arn);
        Caller::Principal {
            account: account.to_string(),
            arn,
            session,
            org_id: org.map(|m| m.org_id.clone()),
            org_paths: org.map(|m| m.paths.clone()).unwrap_or_default(),
            stands_for_account,
        }
    }
}

/// Session name of every probe role session, and name of every probe role.
const PROBE_SESSION: &str = "overexposed-probe";

/// The probe role of an account: a role nobody names, standing for every principal of it.
pub(super) fn probe_role(account: &str) -> String {
    crate::arn::iam_role("aws", account, PROBE_SESSION)
}

/// (`aws:PrincipalArn`, session ARN) of a principal ARN, as IAM sees a call by it.
fn session_of(arn: &str) -> (String, Option<String>) {
    let Some(fields) = Arn::parse(arn) else {
        return (arn.to_string(), None);
    };
    let Arn {
        partition,
        service,
        account,
        resource,
        ..
    } = fields;
    if service == "iam" {
        if let Some(path_and_name) = resource.strip_prefix("role/") {
            // Session ARNs drop the role's path.
            let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
            let session = crate::arn::assumed_role_session(partition, account, name, PROBE_SESSION);
            return (arn.to_string(), Some(session));
        }
    }
    if service == "sts" {
        if let Some((name, _session)) = resource
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split_once('/'))
        {
            let role = crate::arn::iam_role(partition, account, name);
            return (role, Some(arn.to_string()));
        }
    }
    (arn.to_string(), None)
}

/// Where the request comes from.
#[derive(Debug, Clone)]
pub(super) struct NetworkSource {
    pub(super) ip: Option<IpAddr>,
    pub(super) vpce: Option<String>,
    pub(super) vpc: Option<String>,
    /// Who owns this network source, for classification.
    pub(super) owner: SourceOwner,
    /// The policy CIDR this source was drawn from, when it was.
    pub(super) cidr: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum SourceOwner {
    /// A source nobody mentions: stands for any network.
    Fresh,
    Account(String),
    /// Mentioned but not in the audited estate.
    Unknown(String),
}

#[derive(Debug, Default)]
pub(super) struct Decision {
    pub(super) allowed_by: Vec<String>,
    pub(super) denied_by: Vec<String>,
    /// Filled by the reference [`evaluate`] only ([`FastEvaluator::decide`] reports to its caller).
    #[cfg(test)]
    pub(super) unevaluated: BTreeSet<String>,
}

/// What one condition makes of one request: IAM's true or false, or unknown when the engine
/// does not evaluate its key, operator or value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ConditionTruth {
    True,
    False,
    Unknown,
}

impl From<bool> for ConditionTruth {
    fn from(holds: bool) -> ConditionTruth {
        if holds {
            ConditionTruth::True
        } else {
            ConditionTruth::False
        }
    }
}

/// `Principal`: a role ARN matches the role's sessions, a session ARN that session, an account
/// every principal of it; an ARN with a wildcard nobody.
pub(super) fn principal_matches(items: &[PrincipalItem], caller: &Caller) -> bool {
    items.iter().any(|item| match (item, caller) {
        (PrincipalItem::Everyone, _) => true,
        (PrincipalItem::Account(a), Caller::Principal { account, .. }) => a == account,
        (PrincipalItem::Arn(named), Caller::Principal { arn, session, .. }) => {
            named == arn || session.as_deref() == Some(named.as_str())
        }
        _ => false,
    })
}

/// `NotPrincipal`: does the list leave this caller out of the statement? IAM evaluates a role
/// session as its account, its role and the session itself, and documents that a Deny that
/// names only the role still denies the role's sessions (a real caller is always a session).
/// Where the guide says the account "might" be checked first, take the reading that lets more
/// callers in: a Deny spares a caller whose account or calling identity (session, or user) is
/// listed; an Allow leaves out only a caller all of whose identities are listed.
pub(super) fn not_principal_exempts(
    items: &[PrincipalItem],
    caller: &Caller,
    effect: Effect,
) -> bool {
    if items.iter().any(|i| matches!(i, PrincipalItem::Everyone)) {
        return true;
    }
    let Caller::Principal {
        account,
        arn,
        session,
        ..
    } = caller
    else {
        return false;
    };
    let account_listed = items
        .iter()
        .any(|i| matches!(i, PrincipalItem::Account(a) if a == account));
    let listed = |x: &str| {
        items
            .iter()
            .any(|i| matches!(i, PrincipalItem::Arn(named) if named == x))
    };
    let calling = session.as_deref().unwrap_or(arn);
    match effect {
        Effect::Deny => account_listed || listed(calling),
        Effect::Allow => account_listed && listed(calling) && (session.is_none() || listed(arn)),
    }
}

/// Whether a policy value matches a request value (for negated operators, whether the
/// positive form does). Date and numeric operators have set aside unreadable values already.
pub(super) fn value_matches(base: BaseOp, policy_value: &str, request_value: &str) -> bool {
    match base {
        BaseOp::StringEquals | BaseOp::StringNotEquals => policy_value == request_value,
        BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
            policy_value.eq_ignore_ascii_case(request_value)
        }
        BaseOp::StringLike | BaseOp::StringNotLike => {
            glob::glob(policy_value, request_value, false)
        }
        // Field by field; `condition` has already set aside patterns that are not ARNs.
        BaseOp::ArnEquals | BaseOp::ArnLike | BaseOp::ArnNotEquals | BaseOp::ArnNotLike => {
            glob::arn_like(policy_value, request_value).unwrap_or(false)
        }
        BaseOp::IpAddress | BaseOp::NotIpAddress => ip_in(policy_value, request_value),
        BaseOp::Bool => policy_value.eq_ignore_ascii_case(request_value),
        BaseOp::Null => false,
        _ => clock::compare(base, policy_value, request_value).unwrap_or(false),
    }
}

pub(super) fn ip_in(cidr: &str, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    if let Ok(net) = cidr.parse::<ipnet::IpNet>() {
        return net.contains(&ip);
    }
    cidr.parse::<IpAddr>().map(|c| c == ip).unwrap_or(false)
}

/// What `c`, in a statement of `effect`, makes of the request of `caller` through `source`.
pub(super) fn condition(
    c: &Condition,
    effect: Effect,
    caller: &Caller,
    source: &NetworkSource,
    env: &Env,
) -> ConditionTruth {
    let Operator::Known {
        base,
        set,
        if_exists,
    } = &c.operator
    else {
        return ConditionTruth::Unknown;
    };
    // A policy variable (`${aws:SourceVpc}`) compares two keys of the request: not evaluated.
    if c.values.iter().any(|v| v.contains("${")) {
        return ConditionTruth::Unknown;
    }
    let values = match key_value(&c.key, caller, source, env) {
        KeyValue::Present(values) => Some(values),
        KeyValue::Absent => None,
        // The caller sends whatever lets it in: what an Allow asks, what a Deny does not.
        KeyValue::ChosenByCaller => return ConditionTruth::from(effect == Effect::Allow),
        KeyValue::Unknown => return ConditionTruth::Unknown,
    };
    if *base == BaseOp::Null {
        let want_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return ConditionTruth::from(values.is_none() == want_absent);
    }
    let Some(values) = values else {
        // IAM, on a missing key: `ForAllValues` is vacuously true; `ForAnyValue` is false, negated
        // or not ("for no matching context key or a null dataset, the condition returns false");
        // a single-valued operator is true when negated or …IfExists, and false otherwise.
        let satisfied = match set {
            SetOp::ForAllValues => true,
            SetOp::ForAnyValue => *if_exists,
            SetOp::Single => base.negated() || *if_exists,
        };
        return ConditionTruth::from(satisfied);
    };
    let arn_operator = matches!(
        base,
        BaseOp::ArnEquals | BaseOp::ArnLike | BaseOp::ArnNotEquals | BaseOp::ArnNotLike
    );
    if arn_operator
        && c.values
            .iter()
            .any(|v| glob::arn_like(v, "arn:aws:iam::000000000000:root").is_none())
    {
        // An ARN operator with a value that is not a six-field ARN: IAM gives it no defined
        // meaning, so neither widen nor narrow on it.
        return ConditionTruth::Unknown;
    }
    if (base.is_date() || base.is_numeric())
        && c.values.iter().any(|pv| {
            values
                .iter()
                .any(|rv| clock::compare(*base, pv, rv).is_none())
        })
    {
        // A date or number the engine cannot read (or a key that holds none).
        return ConditionTruth::Unknown;
    }
    let hit = |rv: &String| c.values.iter().any(|pv| value_matches(*base, pv, rv));
    let result = match set {
        SetOp::Single | SetOp::ForAnyValue => {
            if base.negated() {
                // Single-valued negation: true when no policy value matches the request value.
                match set {
                    SetOp::Single => !values.iter().any(hit),
                    _ => values.iter().any(|v| !hit(v)),
                }
            } else {
                values.iter().any(hit)
            }
        }
        SetOp::ForAllValues => {
            if base.negated() {
                values.iter().all(|v| !hit(v))
            } else {
                values.iter().all(hit)
            }
        }
    };
    ConditionTruth::from(result)
}

/// Statements whose action and resource cover the query, split by effect (computed once per
/// query: these checks do not depend on the caller).
pub(super) struct CoveringStatements<'a> {
    pub(super) allows: Vec<&'a Statement>,
    pub(super) denies: Vec<&'a Statement>,
    /// Positions of the covering statements in the document, in order: two queries with the
    /// same positions (and caller, mode, network) get the same verdict.
    pub(super) positions: Vec<usize>,
}

/// Whether a statement applies to this caller from this source. A condition the engine cannot
/// evaluate is named in `unevaluated` and counts as satisfied in an Allow, not in a Deny.
pub(super) fn applies(
    s: &Statement,
    caller: &Caller,
    source: &NetworkSource,
    env: &Env,
    unevaluated: &mut BTreeSet<String>,
) -> bool {
    let principal_ok = match &s.principal {
        PrincipalSpec::Principal(items) => principal_matches(items, caller),
        PrincipalSpec::NotPrincipal(items) => !not_principal_exempts(items, caller, s.effect),
    };
    if !principal_ok {
        return false;
    }
    let mut unknown = false;
    for c in &s.conditions {
        match condition(c, s.effect, caller, source, env) {
            ConditionTruth::False => return false,
            ConditionTruth::Unknown => {
                unknown = true;
                let op = match &c.operator {
                    Operator::Unknown(name) => name.clone(),
                    Operator::Known { .. } => "condition".into(),
                };
                unevaluated.insert(format!("{op} {}", c.key));
            }
            ConditionTruth::True => {}
        }
    }
    // Unknown in an Allow: satisfied (keeps the reach). In a Deny: not satisfied.
    !(unknown && s.effect == Effect::Deny)
}

/// One request, statement by statement: the plain reading of IAM's evaluation logic. The
/// classifier uses [`FastEvaluator`], which must decide exactly as this does (a property test
/// holds the two together).
#[cfg(test)]
pub(super) fn evaluate(
    covering: &CoveringStatements,
    caller: &Caller,
    source: &NetworkSource,
    env: &Env,
) -> Decision {
    let mut d = Decision::default();
    for s in &covering.denies {
        if applies(s, caller, source, env, &mut d.unevaluated) {
            d.denied_by.push(s.sid.clone());
        }
    }
    for s in &covering.allows {
        if applies(s, caller, source, env, &mut d.unevaluated) {
            d.allowed_by.push(s.sid.clone());
        }
    }
    d
}
