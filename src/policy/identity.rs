//! Identity policies: what a role of the owner account may call.
//!
//! A role's calls are allowed by its own policies (inline and attached) intersected with its
//! permissions boundary, or by a resource policy that grants them; an explicit Deny in any of
//! them wins. The same statement matching, conditions and wildcards as for resource policies
//! decide each request; a condition key the engine does not know counts as satisfied in an
//! Allow and as not satisfied in a Deny, and lowers the confidence. Service control policies
//! and session policies are not read: they are never assumed to deny.
//!
//! IAM returns policy documents URL-encoded (RFC 3986); some emulators return them as plain
//! JSON. Both are read; a document that reads as neither is an error, never "no permission".

use super::document::{self, DocumentKind, Effect, Patterns, Statement};
use super::keys::{Env, Service};
use super::probes::{memberships, sources, vocabulary, Membership};
use super::reference::{
    applies, principal_matches, Caller, CoveringStatements, NetworkSource, SourceOwner,
};
use super::{glob, Network, PolicyDocument, PolicyError, ReachContext};
use std::collections::BTreeSet;

/// The text of a document as IAM returns it: URL-decoded when it is URL-encoded.
pub(super) fn decode_iam_text(text: &str) -> Result<String, PolicyError> {
    let trimmed = text.trim();
    // A JSON document starts with `{` (or is a JSON string holding one); a URL-encoded one
    // starts with `%7B`.
    if trimmed.starts_with('{') || trimmed.starts_with('"') {
        return Ok(trimmed.to_string());
    }
    percent_encoding::percent_decode_str(trimmed)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|e| PolicyError {
            message: format!("the URL-encoded document is not UTF-8 once decoded: {e}"),
        })
}

/// Parses an identity policy (inline, managed, or a permissions boundary) as IAM returns it.
pub fn parse_identity_policy(text: &str) -> Result<PolicyDocument, PolicyError> {
    let decoded = decode_iam_text(text)?;
    document::parse_kind(&decoded, DocumentKind::Identity)
        .map(|statements| PolicyDocument { statements })
}

/// Statements whose action and resource cover a request: Allows where some instance of the
/// resource template matches, Denies where every instance does (as for resource policies).
pub(super) fn covering<'a>(
    statements: impl Iterator<Item = &'a Statement>,
    action: &str,
    resource: &str,
) -> Vec<&'a Statement> {
    statements
        .filter(|s| {
            let action_ok = match &s.action {
                Patterns::Is(p) => p.iter().any(|a| glob::glob(a, action, true)),
                Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, action, true)),
            };
            let allow = s.effect == Effect::Allow;
            let covers = |p: &String, universal: bool| {
                if universal {
                    glob::must_match_template(p, resource)
                } else {
                    glob::may_match_template(p, resource)
                }
            };
            action_ok
                && match &s.resource {
                    Patterns::Is(p) => p.iter().any(|x| covers(x, !allow)),
                    Patterns::Not(p) => !p.iter().any(|x| covers(x, allow)),
                }
        })
        .collect()
}

/// One policy of a role, by the name reports give it.
#[derive(Debug, Clone)]
struct NamedStatements {
    /// `inline:<name>`, or the managed policy's ARN.
    policy: String,
    statements: Vec<Statement>,
}

/// What a role's own policies allow: its inline and attached policies, and its permissions
/// boundary when it has one.
#[derive(Debug, Clone, Default)]
pub struct PermissionSet {
    policies: Vec<NamedStatements>,
    /// `None`: no boundary (nothing narrows the policies).
    boundary: Option<NamedStatements>,
}

/// An identity statement that allows every action on every resource: what an unreadable
/// policy is taken for (a verdict never narrows on what could not be read).
fn allow_everything() -> Statement {
    document::parse_kind(
        r#"{"Statement":{"Sid":"unreadable","Effect":"Allow","Action":"*","Resource":"*"}}"#,
        DocumentKind::Identity,
    )
    .expect("a literal policy")
    .remove(0)
}

impl PermissionSet {
    /// Adds one of the role's policies (`policy` names it in reports).
    pub fn add(&mut self, policy: &str, doc: &PolicyDocument) {
        self.policies.push(NamedStatements {
            policy: policy.to_string(),
            statements: doc.statements.clone(),
        });
    }

    /// Adds a policy that could not be read or parsed, taken as allowing everything.
    pub fn add_unreadable(&mut self, policy: &str) {
        self.policies.push(NamedStatements {
            policy: policy.to_string(),
            statements: vec![allow_everything()],
        });
    }

    /// Sets the permissions boundary; `None` for a boundary that could not be read or parsed,
    /// which then narrows nothing.
    pub fn set_boundary(&mut self, policy: &str, doc: Option<&PolicyDocument>) {
        self.boundary = Some(NamedStatements {
            policy: policy.to_string(),
            statements: match doc {
                Some(d) => d.statements.clone(),
                None => vec![allow_everything()],
            },
        });
    }

    /// Whether some Allow of the role's own policies may cover `action` on some resource that
    /// starts with `prefix` (a cheap filter before evaluating requests one by one: a `false`
    /// is certain, a `true` only possible).
    pub fn may_allow_under(&self, action: &str, prefix: &str) -> bool {
        self.policies.iter().flat_map(|p| &p.statements).any(|s| {
            s.effect == Effect::Allow
                && match &s.action {
                    Patterns::Is(p) => p.iter().any(|a| glob::glob(a, action, true)),
                    Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, action, true)),
                }
                && match &s.resource {
                    Patterns::Is(p) => p.iter().any(|r| prefix_compatible(r, prefix)),
                    Patterns::Not(_) => true,
                }
        })
    }

    /// Whether these policies, held by the role `holder_arn` of `holder_account`, allow
    /// `sts:AssumeRole` on `role_arn` (from any network): the Allow statements that do
    /// (`<policy>/<Sid>`), or `None`.
    pub fn allows_assume(
        &self,
        role_arn: &str,
        holder_account: &str,
        holder_arn: &str,
    ) -> Option<Vec<String>> {
        let caller = &Caller::principal(holder_account, holder_arn, None);
        let mut unevaluated = BTreeSet::new();
        // The instant, region and resource account of the call are not known here: conditions
        // on them stay unknown.
        let env = Env {
            service: Service::Aws,
            at: None,
            region: "",
            owner_account: "",
        };
        let (allowed, denied) = self.covering("sts:AssumeRole", role_arn).decide(
            caller,
            &any_network(),
            &env,
            &mut unevaluated,
        );
        (denied.is_empty() && !allowed.is_empty()).then_some(allowed)
    }

    /// The statements of the role's policies and boundary that cover one request (computed
    /// once per request: they do not depend on the caller or the network).
    fn covering(&self, action: &str, resource: &str) -> CoveringPermissions<'_> {
        CoveringPermissions {
            policies: self
                .policies
                .iter()
                .flat_map(|p| {
                    covering(p.statements.iter(), action, resource)
                        .into_iter()
                        .map(move |s| (p.policy.as_str(), s))
                })
                .collect(),
            boundary: self
                .boundary
                .as_ref()
                .map(|b| covering(b.statements.iter(), action, resource)),
        }
    }
}

/// The statements of a role's policies (with the policy each comes from) and of its boundary
/// that cover one request.
struct CoveringPermissions<'a> {
    policies: Vec<(&'a str, &'a Statement)>,
    /// `None`: no boundary.
    boundary: Option<Vec<&'a Statement>>,
}

impl CoveringPermissions<'_> {
    /// Whether some Allow of the role's own policies covers the request at all.
    fn may_allow(&self) -> bool {
        self.policies.iter().any(|(_, s)| s.effect == Effect::Allow)
    }

    /// The role's own verdict for this caller and source: the Allow statements that grant it
    /// (empty when none does, or the boundary does not) and the Deny statements that refuse it.
    fn decide(
        &self,
        caller: &Caller,
        source: &NetworkSource,
        env: &Env,
        unevaluated: &mut BTreeSet<String>,
    ) -> (Vec<String>, Vec<String>) {
        let mut allowed = Vec::new();
        let mut denied = Vec::new();
        for (policy, s) in &self.policies {
            if applies(s, caller, source, env, unevaluated) {
                let name = format!("{policy}/{}", s.sid);
                match s.effect {
                    Effect::Deny => denied.push(name),
                    Effect::Allow => allowed.push(name),
                }
            }
        }
        for s in self.boundary.iter().flatten() {
            if s.effect == Effect::Deny && applies(s, caller, source, env, unevaluated) {
                denied.push(format!("permissions-boundary/{}", s.sid));
            }
        }
        if !allowed.is_empty() && !self.boundary_allows(caller, source, env) {
            allowed.clear();
        }
        (allowed, denied)
    }

    /// Whether the boundary (if any) allows the request.
    fn boundary_allows(&self, caller: &Caller, source: &NetworkSource, env: &Env) -> bool {
        let Some(b) = &self.boundary else {
            return true;
        };
        let mut ignored = BTreeSet::new();
        b.iter()
            .any(|s| s.effect == Effect::Allow && applies(s, caller, source, env, &mut ignored))
    }
}

/// Whether a resource pattern can match some ARN starting with `prefix`: the pattern's literal
/// head (up to its first wildcard) and the prefix must agree where both are defined.
fn prefix_compatible(pattern: &str, prefix: &str) -> bool {
    let head = pattern.split(['*', '?']).next().unwrap_or("");
    if head.len() == pattern.len() {
        // No wildcard: the pattern is one ARN.
        return pattern.starts_with(prefix) || prefix.starts_with(pattern);
    }
    head.starts_with(prefix) || prefix.starts_with(head)
}

/// A source nobody mentions: any network.
fn any_network() -> NetworkSource {
    NetworkSource {
        ip: Some("198.51.100.77".parse().expect("literal address")),
        vpce: None,
        vpc: None,
        owner: SourceOwner::Fresh,
        cidr: None,
    }
}

/// A role of the owner account, as a caller: its sessions call with its identity.
pub struct RoleCaller<'a> {
    pub account: &'a str,
    pub arn: &'a str,
    pub permissions: &'a PermissionSet,
    /// The organization the owner account belongs to, when the scan knows it; `None`: every
    /// organization a policy names is tried, and the widest outcome stands.
    pub organization: Option<&'a str>,
}

/// One call of a method by a role: the method ARN (with its path as a template and a concrete
/// verb) and what else decides it.
pub struct InvokeRequest<'a> {
    pub method_arn: &'a str,
    /// The API's resource policy (REST APIs with one); its Denies bind the role's calls, and
    /// its Allow grants them on its own (within the role's permissions boundary).
    pub resource_policy: Option<&'a PolicyDocument>,
    pub network: Network,
}

/// From where outsiders holding a role can make a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallNetworks {
    /// From any network.
    Any,
    /// Only from these addresses (the policies' `aws:SourceIp` ranges).
    Addresses(Vec<String>),
    /// Only through VPC endpoints or VPCs of these accounts (`unknown:<id>` outside the
    /// audited estate).
    AccountNetworks(Vec<String>),
}

/// What lets a role call a method from outside the owner's own networks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleInvoke {
    pub networks: CallNetworks,
    /// `<policy>/<Sid>` of the role's policies, and `resource-policy/<Sid>`, that allow it.
    pub allowing_statements: Vec<String>,
    pub low_confidence: bool,
    /// Conditions the engine could not evaluate, and what the scan did not know.
    pub unevaluated: Vec<String>,
}

/// Whether a session of the role can invoke the method from some network outside the owner
/// account's own endpoints and VPCs, and through which statements. `None` when nothing allows
/// it, something denies it from every such network, or only the owner's own networks get in
/// (outsiders holding the role cannot use those).
pub fn role_invoke(
    role: &RoleCaller,
    request: &InvokeRequest,
    ctx: &ReachContext,
) -> Option<RoleInvoke> {
    let own = role
        .permissions
        .covering("execute-api:Invoke", request.method_arn);
    let resource_policy: Vec<&Statement> = request
        .resource_policy
        .map(|d| super::paths::widest_covering(d, request.method_arn))
        .map(|c| c.denies.into_iter().chain(c.allows).collect())
        .unwrap_or_default();
    let env = Env {
        service: Service::Aws,
        at: ctx.at,
        region: ctx.region,
        owner_account: ctx.owner_account,
    };
    // Nothing grants the call, whoever and wherever the caller is.
    if !own.may_allow() && !resource_policy.iter().any(|s| s.effect == Effect::Allow) {
        return None;
    }
    // The probe vocabulary: every value the statements that cover the call mention.
    let mentioned = CoveringStatements {
        allows: own
            .policies
            .iter()
            .map(|(_, s)| *s)
            .chain(own.boundary.iter().flatten().copied())
            .chain(resource_policy.iter().copied())
            .collect(),
        denies: vec![],
        positions: vec![],
    };
    let vocab = vocabulary(&mentioned);
    let (probe_sources, capped) = sources(&vocab, request.network, ctx);
    let orgs: Vec<Option<Membership>> = match role.organization {
        Some(org) => vec![Some(Membership {
            org_id: org.to_string(),
            paths: vec![format!("{org}/r-0probe/ou-0probe-00000000/")],
            label: Some(org.to_string()),
        })],
        None => std::iter::once(None)
            .chain(memberships(&vocab).0.into_iter().map(Some))
            .collect(),
    };
    let mut unevaluated = BTreeSet::new();
    let mut allowing = BTreeSet::new();
    let mut any = false;
    let mut addresses = BTreeSet::new();
    let mut networks = BTreeSet::new();
    // Whether the outcome depended on the organization, which the scan did not know.
    let mut outcomes_by_org = BTreeSet::new();
    for org in &orgs {
        let caller = Caller::principal(role.account, role.arn, org.as_ref());
        let mut admitted_somewhere = false;
        for source in &probe_sources {
            let (mut allowed, denied) = own.decide(&caller, source, &env, &mut unevaluated);
            let mut resource_denied = false;
            let mut resource_allowed = Vec::new();
            for s in &resource_policy {
                if applies(s, &caller, source, &env, &mut unevaluated) {
                    if s.effect == Effect::Deny {
                        resource_denied = true;
                    } else {
                        resource_allowed.push(format!("resource-policy/{}", s.sid));
                    }
                }
            }
            // A resource policy's grant to the role is limited by its permissions boundary.
            if !resource_allowed.is_empty() && own.boundary_allows(&caller, source, &env) {
                allowed.extend(resource_allowed);
            }
            if !denied.is_empty() || resource_denied || allowed.is_empty() {
                continue;
            }
            match &source.owner {
                // The owner's own endpoints and VPCs: outsiders holding the role are not there.
                SourceOwner::Account(a) if a == role.account => continue,
                SourceOwner::Fresh => match &source.cidr {
                    None => any = true,
                    Some(c) => {
                        addresses.insert(c.clone());
                    }
                },
                SourceOwner::Account(a) => {
                    networks.insert(a.clone());
                }
                SourceOwner::Unknown(id) => {
                    networks.insert(format!("unknown:{id}"));
                }
            }
            admitted_somewhere = true;
            allowing.extend(allowed);
        }
        outcomes_by_org.insert(admitted_somewhere);
    }
    if allowing.is_empty() {
        return None;
    }
    if outcomes_by_org.len() > 1 {
        unevaluated.insert(
            "the owner account's organization (not read): taken as the one that lets the role in"
                .into(),
        );
    }
    let networks = if any {
        CallNetworks::Any
    } else if !addresses.is_empty() {
        CallNetworks::Addresses(addresses.into_iter().collect())
    } else {
        CallNetworks::AccountNetworks(networks.into_iter().collect())
    };
    Some(RoleInvoke {
        networks,
        allowing_statements: allowing.into_iter().collect(),
        low_confidence: !unevaluated.is_empty() || capped || vocab.truncated,
        unevaluated: unevaluated.into_iter().collect(),
    })
}

/// Whether some Allow of a resource policy may let a session of the role in: it names `*`, the
/// role's account, the role or its sessions, or lets in everyone but some (`NotPrincipal`).
/// A cheap filter before evaluating the role's calls one by one.
pub fn may_grant_role(doc: &PolicyDocument, account: &str, role_arn: &str) -> bool {
    let caller = Caller::principal(account, role_arn, None);
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && match &s.principal {
                document::PrincipalSpec::Principal(items) => principal_matches(items, &caller),
                document::PrincipalSpec::NotPrincipal(_) => true,
            }
    })
}

#[cfg(test)]
mod tests;
