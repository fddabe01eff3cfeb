//! The IAM resource-policy engine for `execute-api:Invoke`, and the reach classifier.
//!
//! [`parse_policy`] reads a document as API Gateway returns it. [`reach_of`] answers "which
//! callers from outside the owner account get in?" by concrete probing rather than symbolic
//! reasoning: it evaluates the policy exactly as IAM would for representative callers and
//! network sources, built from the policy's own vocabulary plus fresh values nobody mentions,
//! and reports the widest class admitted.
//!
//! - `document` parses; `glob` matches IAM wildcards and method path templates.
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
mod document;
mod fast;
pub mod glob;
mod identity;
pub mod lattice;
mod probes;
mod reference;
mod trust;

pub use crate::model::Reach;
use classify::classify_reach;
pub use document::arn_account;
use document::{Patterns, Statement};
pub use identity::{
    may_grant_role, parse_identity_policy, role_invoke, CallNetworks, InvokeRequest, PermissionSet,
    RoleCaller, RoleInvoke,
};
use reference::covering_statements;
use std::collections::HashMap;
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

pub struct ReachContext<'a> {
    pub owner_account: &'a str,
    pub region: &'a str,
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
}

/// Verdicts already computed for one policy and one [`ReachContext`], keyed by what a verdict
/// depends on: the statements that cover the method, the caller kind, the mode and the
/// network. The methods of an API share a handful of such keys, so an API with 10,000
/// resources costs a handful of classifications, not 10,000.
#[derive(Default)]
pub struct ReachCache {
    verdicts: HashMap<(Vec<usize>, CallerKind, PolicyMode, Network), ReachVerdict>,
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
    let covering = covering_statements(doc, query.resource_arn);
    let key = (
        covering.positions.clone(),
        query.caller,
        query.mode,
        query.network,
    );
    if let Some(v) = cache.verdicts.get(&key) {
        return v.clone();
    }
    let verdict = classify_reach(&covering, query, ctx);
    cache.verdicts.insert(key, verdict.clone());
    verdict
}

/// Which callers from outside the owner account `doc` lets invoke the query's method.
pub fn reach_of(doc: &PolicyDocument, query: &ReachQuery, ctx: &ReachContext) -> ReachVerdict {
    classify_reach(&covering_statements(doc, query.resource_arn), query, ctx)
}

#[cfg(test)]
mod tests;
