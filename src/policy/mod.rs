//! The IAM resource-policy engine for `execute-api:Invoke`, and the reach classifier.
//!
//! [`parse_policy`] reads a document as API Gateway returns it. [`reach_of`] answers "which
//! callers from outside the owner account get in?" by concrete probing rather than symbolic
//! reasoning: it evaluates the policy exactly as IAM would for representative callers and
//! network sources, built from the policy's own vocabulary plus fresh values nobody mentions,
//! and reports the widest class admitted.
//!
//! - `document` parses; `glob` matches IAM wildcards and method path templates; `paths` finds
//!   which statements cover one concrete request path together.
//! - `keys` says what a request carries for each condition key; `clock` evaluates the time
//!   conditions.
//! - `reference` evaluates one request statement by statement, the plain reading of IAM's
//!   evaluation logic; `fast` makes the same decisions for many requests, factorized.
//! - `probes` builds the probe callers and network sources; `classify` turns which of them get
//!   in into a [`Reach`] and its explanation.
//! - `lattice` asks the same of VPC Lattice auth policies and shares.
//!
//! - `identity` evaluates a role's own policies (and its permissions boundary) for its calls;
//!   `trust` says who can become a role.
//!
//! Unknown condition keys or operators never silently widen or narrow a verdict: in an Allow they
//! count as satisfied, in a Deny as not satisfied (so the reach is kept), and the verdict is
//! marked low-confidence.

mod classify;
mod clock;
mod document;
mod fast;
pub mod glob;
mod identity;
mod keys;
pub mod lattice;
mod paths;
mod probes;
mod reference;
mod trust;

pub use crate::model::Reach;
use classify::classify_reach;
pub use document::arn_account;
use document::{Effect, Patterns, PrincipalItem, PrincipalSpec, Statement};
pub use identity::{
    may_grant_role, parse_identity_policy, role_invoke, CallNetworks, InvokeRequest, PermissionSet,
    RoleCaller, RoleInvoke,
};
use keys::{Env, Service};
use paths::covering_classes;
use reference::CoveringStatements;
pub use time::OffsetDateTime;
pub use trust::{
    parse_trust_policy, trust_admits, trust_grants, trust_principals, Admission, NamedPrincipals,
    TrustGrant, Trusted,
};

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Every `Resource` and `NotResource` pattern of the document, unescaped (as parsed).
    pub fn resource_patterns(&self) -> impl Iterator<Item = &str> {
        self.statements.iter().flat_map(|s| match &s.resource {
            Patterns::Is(p) | Patterns::Not(p) => p.iter().map(String::as_str),
        })
    }

    /// The principals of the document that name no one: ARNs (or ids) with a wildcard, which
    /// IAM never expands, so the statement grants (or denies, or exempts) nothing through them.
    pub fn unmatchable_principals(&self) -> Vec<UnmatchablePrincipal> {
        let mut out = Vec::new();
        for s in &self.statements {
            let (items, not_principal) = match &s.principal {
                PrincipalSpec::Principal(items) => (items, false),
                PrincipalSpec::NotPrincipal(items) => (items, true),
            };
            for item in items {
                if let PrincipalItem::Unmatchable(p) = item {
                    out.push(UnmatchablePrincipal {
                        sid: s.sid.clone(),
                        allow: s.effect == Effect::Allow,
                        not_principal,
                        principal: p.clone(),
                    });
                }
            }
        }
        out
    }
}

/// A principal of a statement that IAM never matches (see
/// [`PolicyDocument::unmatchable_principals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchablePrincipal {
    /// `Sid`, or `#<index>` when the statement has none.
    pub sid: String,
    /// An Allow statement (else a Deny).
    pub allow: bool,
    /// Listed under `NotPrincipal` (it then exempts no one).
    pub not_principal: bool,
    /// As written in the policy.
    pub principal: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

/// Parses a policy: plain JSON, backslash-escaped JSON (as real AWS returns it), or a JSON
/// string literal holding the document. Malformed input is an error, never an empty policy.
pub fn parse_policy(text: &str) -> Result<PolicyDocument, PolicyError> {
    document::parse(text).map(|statements| PolicyDocument { statements })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallerKind {
    /// NONE / API-key methods: the caller has no AWS identity.
    Anonymous,
    /// AWS_IAM methods: the caller is an authenticated AWS principal.
    Authenticated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyMode {
    /// NONE and AWS_IAM (and authorizers on a private API): a non-owner caller needs an
    /// explicit Allow and no explicit Deny.
    AllowRequired,
    /// CUSTOM / COGNITO_USER_POOLS on a public API: explicit Denies are checked, then the
    /// authorizer decides.
    DenyOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// EDGE / REGIONAL: any IP on the internet.
    Public,
    /// PRIVATE: only through some account's execute-api VPC endpoint.
    PrivateVpce,
}

#[derive(Clone, Copy)]
pub struct ReachContext<'a> {
    pub owner_account: &'a str,
    pub region: &'a str,
    /// The instant the request is evaluated at (`aws:CurrentTime`, `aws:EpochTime`): the scan's
    /// start. `None` when it is not known: time conditions are then unknown.
    pub at: Option<OffsetDateTime>,
    /// Owner account of a VPC endpoint id, from the audited inventory; `None` = outside it.
    pub vpce_owner: &'a dyn Fn(&str) -> Option<String>,
    pub vpc_owner: &'a dyn Fn(&str) -> Option<String>,
    /// The VPC a VPC endpoint id lives in, from the audited inventory; `None` = outside it. A
    /// request through an endpoint carries both `aws:SourceVpce` and `aws:SourceVpc`.
    pub vpce_vpc: &'a dyn Fn(&str) -> Option<String>,
}

pub struct ReachQuery<'a> {
    /// Method ARN with the path as a template and a concrete verb:
    /// `arn:aws:execute-api:us-east-1:111111111111:abc123/prod/POST/orders/{id}`.
    pub resource_arn: &'a str,
    pub caller: CallerKind,
    pub mode: PolicyMode,
    pub network: Network,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReachVerdict {
    /// Widest class of non-owner callers let in (`Owner` when none).
    pub reach: Reach,
    pub low_confidence: bool,
    /// Unknown condition keys/operators met (sorted, deduplicated).
    pub unevaluated: Vec<String>,
    /// Sids (or `#<index>`) of the Allow statements that let the widest callers in.
    pub allowing_statements: Vec<String>,
    pub explanation: String,
    /// The first later instant at which a time condition of the policy changes the reach, if
    /// one does.
    pub change: Option<ReachChange>,
}

/// A change of reach at a known instant: a grant that expires, or one that starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReachChange {
    /// RFC 3339, to the second.
    pub at: String,
    /// The reach from that instant on.
    pub reach: Reach,
}

impl ReachChange {
    /// The reach from `at` on, with the instant as findings write it.
    pub fn new(at: OffsetDateTime, reach: Reach) -> ReachChange {
        ReachChange {
            at: clock::format(at),
            reach,
        }
    }
}

type CacheKey = (
    Vec<usize>,
    CallerKind,
    PolicyMode,
    Network,
    Option<OffsetDateTime>,
);

/// Verdicts already computed for one policy and one [`ReachContext`], keyed by what a verdict
/// depends on: the statements that cover one request path of the method together, the caller
/// kind, the mode, the network and the instant. The methods of an API share a handful of such
/// keys, so an API with 10,000 resources costs a handful of classifications, not 10,000.
#[derive(Default)]
pub struct ReachCache {
    verdicts: foldhash::HashMap<CacheKey, ReachVerdict>,
}

impl ReachCache {
    /// Number of distinct classifications made so far.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }
}

/// [`reach_of`], reusing a verdict of `cache` when the same statements decide. Use one cache
/// per policy document and context.
pub fn reach_of_cached(
    doc: &PolicyDocument,
    query: &ReachQuery,
    ctx: &ReachContext,
    cache: &mut ReachCache,
) -> ReachVerdict {
    let (classes, approximate) = covering_classes(doc, query.resource_arn);
    let classes = relevant_classes(classes, query.mode);
    let mut at = |instant: Option<OffsetDateTime>| {
        join(classes.iter().map(|covering| {
            let key = (
                covering.positions.clone(),
                query.caller,
                query.mode,
                query.network,
                instant,
            );
            cache
                .verdicts
                .entry(key)
                .or_insert_with(|| classify_reach(covering, query, ctx, env(ctx, instant)))
                .clone()
        }))
    };
    let mut verdict = at(ctx.at);
    // Past the exploration's bound the classes are the widest reading: not the exact verdict.
    verdict.low_confidence |= approximate;
    if let Some(now) = ctx.at {
        let statements = classes
            .iter()
            .flat_map(|c| c.allows.iter().chain(&c.denies).copied());
        for instant in clock::boundaries(statements, now) {
            let later = at(Some(instant));
            if later.reach != verdict.reach {
                verdict.change = Some(ReachChange::new(instant, later.reach));
                break;
            }
        }
    }
    verdict
}

/// Which callers from outside the owner account `doc` lets invoke the query's method: the
/// widest over the concrete request paths of the method.
pub fn reach_of(doc: &PolicyDocument, query: &ReachQuery, ctx: &ReachContext) -> ReachVerdict {
    reach_of_cached(doc, query, ctx, &mut ReachCache::default())
}

fn env<'a>(ctx: &ReachContext<'a>, at: Option<OffsetDateTime>) -> Env<'a> {
    Env {
        service: Service::Aws,
        at,
        region: ctx.region,
        owner_account: ctx.owner_account,
    }
}

/// The classes that can decide the verdict: where an Allow is required, a request path no Allow
/// covers lets no one in; a class whose Allows are among another's and whose Denies include the
/// other's lets in no one the other does not. At least one class stays (with no statement when
/// none covers an allowed path), so there is always a verdict and its wording.
fn relevant_classes(classes: Vec<CoveringStatements>, mode: PolicyMode) -> Vec<CoveringStatements> {
    let candidates: Vec<CoveringStatements> = classes
        .into_iter()
        .filter(|c| mode == PolicyMode::DenyOnly || !c.allows.is_empty())
        .collect();
    let within = |a: &CoveringStatements, b: &CoveringStatements| {
        let has = |list: &[&Statement], s: &Statement| list.iter().any(|t| std::ptr::eq(*t, s));
        a.allows.iter().all(|s| has(&b.allows, s)) && b.denies.iter().all(|s| has(&a.denies, s))
    };
    let mut kept: Vec<CoveringStatements> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let dominated = candidates
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && within(c, other) && (!within(other, c) || j < i));
        if !dominated {
            kept.push(CoveringStatements {
                allows: c.allows.clone(),
                denies: c.denies.clone(),
                positions: c.positions.clone(),
            });
        }
    }
    if kept.is_empty() {
        kept.push(CoveringStatements {
            allows: vec![],
            denies: vec![],
            positions: vec![],
        });
    }
    kept
}

/// The widest of several verdicts, one per class of request paths: the widest reach, with the
/// lists of reaches of that kind merged (accounts, organizations, address ranges), and what
/// each of those verdicts says.
fn join(verdicts: impl Iterator<Item = ReachVerdict>) -> ReachVerdict {
    let all: Vec<ReachVerdict> = verdicts.collect();
    let width = all.iter().map(|v| v.reach.width()).max().unwrap_or(0);
    let mut widest = all.iter().filter(|v| v.reach.width() == width);
    let mut out = widest.next().cloned().expect("at least one verdict");
    for v in widest {
        out.reach = out.reach.clone().widest(v.reach.clone());
        for s in &v.allowing_statements {
            if !out.allowing_statements.contains(s) {
                out.allowing_statements.push(s.clone());
            }
        }
        if !out.explanation.split("; ").any(|e| e == v.explanation) {
            out.explanation = format!("{}; {}", out.explanation, v.explanation);
        }
    }
    out.allowing_statements.sort();
    for v in &all {
        out.low_confidence |= v.low_confidence;
        out.unevaluated.extend(v.unevaluated.iter().cloned());
    }
    out.unevaluated.sort();
    out.unevaluated.dedup();
    out
}

#[cfg(test)]
mod tests;
