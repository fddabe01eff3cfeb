//! Evaluation of one concrete request.
//!
//! ARN condition operators match field by field, as IAM does; a value that is not a six-field
//! ARN is treated as an unknown condition.

use super::document::{
    BaseOp, Condition, Effect, Operator, Patterns, PrincipalItem, PrincipalSpec, SetOp, Statement,
};
use super::probes::Membership;
use super::{glob, PolicyDocument};
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
    },
}

impl Caller {
    /// A principal of `account` calling as `arn`: a role ARN becomes a session of that role, an
    /// assumed-role session ARN a session of its role, anything else (a user) calls as itself.
    pub(super) fn principal(account: &str, arn: &str, org: Option<&Membership>) -> Caller {
        let (arn, session) = session_of(arn);
        Caller::Principal {
            account: account.to_string(),
            arn,
            session,
            org_id: org.map(|m| m.org_id.clone()),
            org_paths: org.map(|m| m.paths.clone()).unwrap_or_default(),
        }
    }
}

/// Session name of every probe role session.
const PROBE_SESSION: &str = "overexposed-probe";

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
/// does not evaluate its key or operator.
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
/// every principal of it.
pub(super) fn principal_matches(items: &[PrincipalItem], caller: &Caller) -> bool {
    items.iter().any(|item| match (item, caller) {
        (PrincipalItem::Everyone, _) => true,
        (PrincipalItem::Account(a), Caller::Principal { account, .. }) => a == account,
        (PrincipalItem::Arn(pattern), Caller::Principal { arn, session, .. }) => {
            glob::glob(pattern, arn, false)
                || session
                    .as_deref()
                    .is_some_and(|s| glob::glob(pattern, s, false))
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
            .any(|i| matches!(i, PrincipalItem::Arn(p) if glob::glob(p, x, false)))
    };
    let calling = session.as_deref().unwrap_or(arn);
    match effect {
        Effect::Deny => account_listed || listed(calling),
        Effect::Allow => account_listed && listed(calling) && (session.is_none() || listed(arn)),
    }
}

fn context_values(
    key: &str,
    caller: &Caller,
    source: &NetworkSource,
) -> Result<Option<Vec<String>>, ()> {
    // Principal keys are absent from anonymous requests.
    let (account, arn, org_id, org_paths) = match caller {
        Caller::Anonymous => (None, None, None, None),
        Caller::Principal {
            account,
            arn,
            org_id,
            org_paths,
            ..
        } => (
            Some(account),
            Some(arn),
            org_id.as_ref(),
            Some(org_paths).filter(|p| !p.is_empty()),
        ),
    };
    Ok(match key {
        "aws:sourceip" => source.ip.map(|ip| vec![ip.to_string()]),
        "aws:sourcevpce" => source.vpce.clone().map(|v| vec![v]),
        "aws:sourcevpc" => source.vpc.clone().map(|v| vec![v]),
        "aws:securetransport" => Some(vec!["true".into()]),
        "aws:principalaccount" => account.map(|a| vec![a.clone()]),
        "aws:principalarn" => arn.map(|a| vec![a.clone()]),
        "aws:principalorgid" => org_id.map(|o| vec![o.clone()]),
        "aws:principalorgpaths" => org_paths.cloned(),
        // IAM's values; an unsigned request is `Anonymous` (VPC Lattice admits those).
        "aws:principaltype" => Some(vec![match caller {
            Caller::Anonymous => "Anonymous".into(),
            Caller::Principal {
                session: Some(_), ..
            } => "AssumedRole".into(),
            Caller::Principal { .. } => "User".into(),
        }]),
        // A VPC Lattice request carries the VPC it comes from and that VPC's owner.
        "vpc-lattice-svcs:sourcevpc" => source.vpc.clone().map(|v| vec![v]),
        "vpc-lattice-svcs:sourcevpcowneraccount" => match &source.owner {
            SourceOwner::Account(a) => Some(vec![a.clone()]),
            SourceOwner::Fresh => source.vpc.as_ref().map(|_| vec![FRESH_VPC_OWNER.into()]),
            // Some account we cannot name: neither this value nor that one.
            SourceOwner::Unknown(_) => return Err(()),
        },
        _ => return Err(()),
    })
}

/// The owner of a VPC nobody names: an account no policy mentions.
const FRESH_VPC_OWNER: &str = "000000000000";

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

pub(super) fn condition(c: &Condition, caller: &Caller, source: &NetworkSource) -> ConditionTruth {
    let Operator::Known {
        base,
        set,
        if_exists,
    } = &c.operator
    else {
        return ConditionTruth::Unknown;
    };
    let Ok(values) = context_values(&c.key, caller, source) else {
        return ConditionTruth::Unknown;
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

fn expand_resource(pattern: &str, api_prefix: &str) -> String {
    // `execute-api:/stage/VERB/path` is relative to the API of the policy.
    match pattern.strip_prefix("execute-api:/") {
        Some(rest) => format!("{api_prefix}/{rest}"),
        None => pattern.to_string(),
    }
}

pub(super) fn covering_statements<'a>(
    doc: &'a PolicyDocument,
    resource_arn: &str,
) -> CoveringStatements<'a> {
    const ACTION: &str = "execute-api:Invoke";
    // `arn:aws:execute-api:region:account:api-id` — everything before the first `/`.
    let api_prefix = resource_arn.split('/').next().unwrap_or(resource_arn);
    let mut r = CoveringStatements {
        allows: vec![],
        denies: vec![],
        positions: vec![],
    };
    for (position, s) in doc.statements.iter().enumerate() {
        let action_ok = match &s.action {
            Patterns::Is(p) => p.iter().any(|a| glob::glob(a, ACTION, true)),
            Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, ACTION, true)),
        };
        if !action_ok {
            continue;
        }
        let allow = s.effect == Effect::Allow;
        // Allow: some instance of the path template must be granted; Deny: every instance must be
        // covered, or the deny does not reliably stop callers.
        let covers = |p: &String, universal: bool| {
            let p = expand_resource(p, api_prefix);
            if universal {
                glob::must_match_template(&p, resource_arn)
            } else {
                glob::may_match_template(&p, resource_arn)
            }
        };
        let resource_ok = match &s.resource {
            Patterns::Is(p) => p.iter().any(|x| covers(x, !allow)),
            // Allow+NotResource applies unless every instance is excluded; Deny+NotResource only
            // when no instance can be excluded.
            Patterns::Not(p) => !p.iter().any(|x| covers(x, allow)),
        };
        if !resource_ok {
            continue;
        }
        r.positions.push(position);
        if allow {
            r.allows.push(s);
        } else {
            r.denies.push(s);
        }
    }
    r
}

/// Whether a statement applies to this caller from this source. A condition the engine cannot
/// evaluate is named in `unevaluated` and counts as satisfied in an Allow, not in a Deny.
pub(super) fn applies(
    s: &Statement,
    caller: &Caller,
    source: &NetworkSource,
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
        match condition(c, caller, source) {
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
) -> Decision {
    let mut d = Decision::default();
    for s in &covering.denies {
        if applies(s, caller, source, &mut d.unevaluated) {
            d.denied_by.push(s.sid.clone());
        }
    }
    for s in &covering.allows {
        if applies(s, caller, source, &mut d.unevaluated) {
            d.allowed_by.push(s.sid.clone());
        }
    }
    d
}
