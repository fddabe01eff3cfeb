//! Role trust policies: who can become a role.
//!
//! Each Allow statement of a trust policy is judged on its own (with every Deny), so a trust
//! that lets in both an organization and a partner outside it names both:
//!
//! - AWS principals (`sts:AssumeRole`) go through the resource-policy classifier: `"*"` is any
//!   AWS account unless `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn` or
//!   another condition narrows it; a named account is any principal its administrators allow
//!   (their side is not read: assumed to allow).
//! - Conditions the caller satisfies itself (`sts:ExternalId`, a session name or tag, MFA) do
//!   not narrow who: an Allow is judged without them, and a Deny that rests on one is a Deny
//!   the caller steps around.
//! - Web identities (`sts:AssumeRoleWithWebIdentity`): a statement that pins no subject admits
//!   anyone the provider issues a token to; on a public provider (GitHub Actions, GitLab,
//!   Google, Cognito, …) that is anyone on the internet.
//! - SAML providers are the owner's workforce, service principals the owner's own services.

use super::classify::classify_reach;
use super::document::{self, Condition, DocumentKind, Effect, Operator, Patterns, PrincipalItem};
use super::document::{BaseOp, PrincipalSpec, Statement};
use super::identity::decode_iam_text;
use super::keys::{Env, Service};
use super::probes::Membership;
use super::reference::{applies, Caller, CoveringStatements, NetworkSource, SourceOwner};
use super::{
    glob, CallerKind, Network, PolicyDocument, PolicyError, PolicyMode, Reach, ReachContext,
    ReachQuery,
};
use std::collections::BTreeSet;

/// Parses a role's trust policy as IAM returns it (URL-encoded, or plain JSON).
pub fn parse_trust_policy(text: &str) -> Result<PolicyDocument, PolicyError> {
    let decoded = decode_iam_text(text)?;
    document::parse_kind(&decoded, DocumentKind::Trust)
        .map(|statements| PolicyDocument { statements })
}

/// Who one trust statement lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trusted {
    /// AWS principals beyond the owner account: the widest class the statement lets in
    /// (`AnyAwsAccount`, `Organization`, or `Accounts`).
    Aws(Reach),
    /// Whoever an OpenID Connect provider issues a token to, when the statement pins no
    /// subject. `public`: a provider that issues tokens to anyone who signs up (GitHub
    /// Actions, GitLab, Google, Cognito, …); `false` only for an EKS cluster's provider (its
    /// service accounts).
    WebIdentity { provider: String, public: bool },
}

/// One statement of a trust policy that lets principals from outside the owner account in.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustGrant {
    /// `Sid`, or `#<index>`.
    pub statement: String,
    pub trusted: Trusted,
    /// The statement's principals as it names them.
    pub principals: Vec<String>,
    /// The conditions the caller satisfies itself, which do not narrow who (`sts:ExternalId`).
    pub caller_set: Vec<String>,
    pub low_confidence: bool,
    pub unevaluated: Vec<String>,
    pub explanation: String,
}

/// Condition keys whose value the caller of `AssumeRole` chooses: they identify no one.
fn caller_set_key(key: &str) -> bool {
    matches!(
        key,
        "sts:externalid"
            | "sts:rolesessionname"
            | "sts:sourceidentity"
            | "sts:transitivetagkeys"
            | "aws:tagkeys"
            | "aws:multifactorauthpresent"
            | "aws:multifactorauthage"
    ) || key.starts_with("aws:requesttag/")
}

/// The statements as the caller can make them apply: caller-set conditions dropped from
/// Allows (the caller satisfies them), and Denies that rest on one dropped (the caller steps
/// around them). Returns the kept statements and the caller-set conditions met.
fn without_caller_set(statements: &[Statement]) -> (Vec<Statement>, BTreeSet<String>) {
    let mut met = BTreeSet::new();
    let mut kept = Vec::new();
    for s in statements {
        let set: Vec<&Condition> = s
            .conditions
            .iter()
            .filter(|c| caller_set_key(&c.key))
            .collect();
        if set.is_empty() {
            kept.push(s.clone());
            continue;
        }
        met.extend(set.iter().map(|c| c.key.clone()));
        if s.effect == Effect::Allow {
            let mut s = s.clone();
            s.conditions.retain(|c| !caller_set_key(&c.key));
            kept.push(s);
        }
    }
    (kept, met)
}

fn covers_action(s: &Statement, action: &str) -> bool {
    match &s.action {
        Patterns::Is(p) => p.iter().any(|a| glob::glob(a, action, true)),
        Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, action, true)),
    }
}

fn items(s: &Statement) -> &[PrincipalItem] {
    match &s.principal {
        PrincipalSpec::Principal(i) | PrincipalSpec::NotPrincipal(i) => i,
    }
}

/// The AWS principals a statement names, as written.
fn aws_principals(s: &Statement) -> Vec<String> {
    items(s)
        .iter()
        .filter_map(|i| match i {
            PrincipalItem::Everyone => Some("*".to_string()),
            PrincipalItem::Account(a) => Some(a.clone()),
            PrincipalItem::Arn(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

/// Every statement of the trust policy that lets principals from outside `owner` in.
pub fn trust_grants(doc: &PolicyDocument, owner: &str) -> Vec<TrustGrant> {
    let (statements, caller_set) = without_caller_set(&doc.statements);
    let caller_set: Vec<String> = caller_set.into_iter().collect();
    let mut out = Vec::new();
    out.extend(aws_grants(&statements, owner, &caller_set));
    out.extend(web_identity_grants(&statements, &caller_set));
    out
}

/// Nothing resolves network sources for `sts:AssumeRole`: an endpoint a trust policy names is
/// outside what the classifier knows.
fn unknown_source(_: &str) -> Option<String> {
    None
}

fn aws_grants(statements: &[Statement], owner: &str, caller_set: &[String]) -> Vec<TrustGrant> {
    const ACTION: &str = "sts:AssumeRole";
    let denies: Vec<&Statement> = statements
        .iter()
        .filter(|s| s.effect == Effect::Deny && covers_action(s, ACTION))
        .collect();
    let ctx = ReachContext {
        owner_account: owner,
        region: "",
        at: None,
        vpce_owner: &unknown_source,
        vpc_owner: &unknown_source,
        vpce_vpc: &unknown_source,
    };
    let query = ReachQuery {
        resource_arn: "",
        caller: CallerKind::Authenticated,
        mode: PolicyMode::AllowRequired,
        network: Network::Public,
    };
    let mut out = Vec::new();
    for s in statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && covers_action(s, ACTION))
    {
        let principals = aws_principals(s);
        if principals.is_empty() && matches!(s.principal, PrincipalSpec::Principal(_)) {
            continue;
        }
        let covering = CoveringStatements {
            allows: vec![s],
            denies: denies.clone(),
            positions: vec![],
        };
        let verdict = classify_reach(&covering, &query, &ctx, trust_env(owner));
        if !verdict.reach.beyond_owner() {
            continue;
        }
        out.push(TrustGrant {
            statement: s.sid.clone(),
            trusted: Trusted::Aws(verdict.reach),
            principals,
            caller_set: caller_set.to_vec(),
            low_confidence: verdict.low_confidence,
            unevaluated: verdict.unevaluated,
            explanation: verdict.explanation,
        });
    }
    out
}

/// Providers that issue tokens to anyone who signs up, by the name trust policies use (the
/// host, or host and path, of the provider's URL).
const PUBLIC_PROVIDERS: [&str; 8] = [
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "app.terraform.io",
    "api.bitbucket.org",
];

/// The provider a `Federated` principal names, as its condition keys spell it: the URL of an
/// OIDC provider's ARN (`arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com`),
/// or a web identity provider's name. `None` for a SAML provider (the owner's workforce).
fn oidc_provider(federated: &str) -> Option<String> {
    if federated.contains(":saml-provider/") {
        return None;
    }
    match federated.split_once(":oidc-provider/") {
        Some((_, url)) => Some(url.to_string()),
        None if federated.starts_with("arn:") => None,
        None => Some(federated.to_string()),
    }
}

/// Claims that do not say who the caller is: the audience (GitHub lets every workflow choose
/// it; for Cognito and Google it names the owner's pool or app, not a person), the
/// authentication method, the authorized party.
fn non_identity_claim(claim: &str) -> bool {
    matches!(claim, "aud" | "oaud" | "amr" | "azp")
}

/// Whether a subject pattern names particular identities: a value with no wildcard does; a
/// pattern does when what comes before its first wildcard, past a subject type such as
/// `repo:`, names an owner and ends it (`repo:my-org/*`, `project_path:group/*`). `repo:*`,
/// `repo:my*` (anyone can create an owner starting with `my`) and `*` do not.
fn pins_subject(value: &str) -> bool {
    let Some(wildcard) = value.find(['*', '?']) else {
        return !value.is_empty();
    };
    let head = &value[..wildcard];
    let owner = ["repo:", "project_path:", "organization:", "org/"]
        .iter()
        .find_map(|tag| head.strip_prefix(tag))
        .unwrap_or(head);
    match owner.find(['/', ':']) {
        Some(end) => end > 0,
        None => false,
    }
}

/// Whether a condition on a claim of `provider` names particular identities (positively: an
/// Allow with it admits only them).
fn pins_identity(c: &Condition, provider: &str) -> bool {
    let Some(claim) = c
        .key
        .strip_prefix(&format!("{}:", provider.to_ascii_lowercase()))
    else {
        return false;
    };
    let positive = matches!(
        c.operator,
        Operator::Known {
            base: BaseOp::StringEquals | BaseOp::StringEqualsIgnoreCase | BaseOp::StringLike,
            if_exists: false,
            ..
        }
    );
    positive
        && !non_identity_claim(claim)
        && !c.values.is_empty()
        && c.values.iter().all(|v| pins_subject(v))
}

/// Whether a Deny statement keeps out tokens whose identity claims it does not name: a Deny
/// with only negated conditions on identity claims, each pinning.
fn deny_pins(s: &Statement, provider: &str) -> bool {
    let prefix = format!("{}:", provider.to_ascii_lowercase());
    !s.conditions.is_empty()
        && s.conditions.iter().all(|c| {
            let negated = matches!(
                c.operator,
                Operator::Known {
                    base: BaseOp::StringNotEquals | BaseOp::StringNotLike,
                    ..
                }
            );
            negated
                && c.key
                    .strip_prefix(&prefix)
                    .is_some_and(|claim| !non_identity_claim(claim))
                && c.values.iter().all(|v| pins_subject(v))
        })
}

fn web_identity_grants(statements: &[Statement], caller_set: &[String]) -> Vec<TrustGrant> {
    const ACTION: &str = "sts:AssumeRoleWithWebIdentity";
    let mut out = Vec::new();
    for s in statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && covers_action(s, ACTION))
    {
        let PrincipalSpec::Principal(principal_items) = &s.principal else {
            continue;
        };
        for item in principal_items {
            let PrincipalItem::Federated(federated) = item else {
                continue;
            };
            let Some(provider) = oidc_provider(federated) else {
                continue;
            };
            let pinned = s.conditions.iter().any(|c| pins_identity(c, &provider))
                || statements.iter().any(|d| {
                    d.effect == Effect::Deny
                        && covers_action(d, ACTION)
                        && matches!(&d.principal, PrincipalSpec::Principal(i)
                            if i.iter().any(|x| x == item || *x == PrincipalItem::Everyone))
                        && (d.conditions.is_empty() || deny_pins(d, &provider))
                });
            if pinned {
                continue;
            }
            let host = provider.split('/').next().unwrap_or(&provider);
            let eks = host.starts_with("oidc.eks.") && host.ends_with(".amazonaws.com");
            let known = PUBLIC_PROVIDERS.contains(&provider.as_str());
            let unevaluated: Vec<String> = s
                .conditions
                .iter()
                .filter(|c| matches!(c.operator, Operator::Unknown(_)))
                .map(|c| c.key.clone())
                .collect();
            // A Cognito identity pool that admits only the identities it authenticated: who
            // that is depends on the pool's sign-up settings, which are not read.
            let authenticated_only = provider == "cognito-identity.amazonaws.com"
                && s.conditions.iter().any(|c| {
                    c.key == "cognito-identity.amazonaws.com:amr"
                        && c.values.iter().all(|v| v == "authenticated")
                });
            let explanation = if authenticated_only {
                format!("statement {} lets in any identity the Cognito identity pool authenticates: who can sign up is the pool's setting, which is not read", s.sid)
            } else if eks {
                format!("statement {} lets in every service account of the EKS cluster behind {provider}: no subject is pinned", s.sid)
            } else if known {
                format!("statement {} lets in anyone {provider} issues a token to: no subject (sub) is pinned", s.sid)
            } else {
                format!("statement {} lets in anyone {provider} issues a token to: no subject (sub) is pinned, and overexposed does not know who that provider serves (taken as anyone)", s.sid)
            };
            out.push(TrustGrant {
                statement: s.sid.clone(),
                trusted: Trusted::WebIdentity {
                    provider: provider.clone(),
                    public: !eks,
                },
                principals: vec![federated.clone()],
                caller_set: caller_set.to_vec(),
                low_confidence: (!known && !eks) || authenticated_only || !unevaluated.is_empty(),
                unevaluated,
                explanation,
            });
        }
    }
    out
}

/// How a trust policy admits one principal of the audited estate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// The Allow statements that let it in.
    pub statements: Vec<String>,
    /// Whether one of them names it (its ARN, or `*`) rather than only its account: within one
    /// account, such a grant needs no permission of the caller's own (a grant to the account
    /// needs the caller's policies to allow `sts:AssumeRole` too).
    pub by_name: bool,
}

/// Whether `doc` lets a session of the role `caller_arn` of `caller_account` call
/// `sts:AssumeRole` (from any network). `organization`: the caller's organization when known;
/// otherwise every organization the policy names is tried, the widest outcome standing.
/// What a call to `sts:AssumeRole` carries beyond its caller: the role's account when known;
/// the instant and the region are not known (time and region conditions stay unknown).
fn trust_env(owner: &str) -> Env<'_> {
    Env {
        service: Service::Aws,
        at: None,
        region: "",
        owner_account: owner,
    }
}

pub fn trust_admits(
    doc: &PolicyDocument,
    caller_account: &str,
    caller_arn: &str,
    organization: Option<&str>,
) -> Option<Admission> {
    const ACTION: &str = "sts:AssumeRole";
    let (statements, _) = without_caller_set(&doc.statements);
    let source = NetworkSource {
        ip: Some("198.51.100.77".parse().expect("literal address")),
        vpce: None,
        vpc: None,
        owner: SourceOwner::Fresh,
        cidr: None,
    };
    let mut orgs: Vec<Option<Membership>> = vec![None];
    let named: BTreeSet<String> = statements
        .iter()
        .flat_map(|s| &s.conditions)
        .filter(|c| c.key == "aws:principalorgid")
        .flat_map(|c| c.values.iter().cloned())
        .filter(|v| !v.contains(['*', '?']))
        .chain(organization.map(str::to_string))
        .collect();
    for org in named {
        if organization.is_none_or(|o| o == org) {
            orgs.push(Some(Membership {
                paths: vec![format!("{org}/r-0probe/ou-0probe-00000000/")],
                label: Some(org.clone()),
                org_id: org,
            }));
        }
    }
    if organization.is_some() {
        orgs.remove(0);
    }
    let mut ignored = BTreeSet::new();
    let env = trust_env("");
    for org in &orgs {
        let caller = Caller::principal(caller_account, caller_arn, org.as_ref());
        let denied = statements.iter().any(|s| {
            s.effect == Effect::Deny
                && covers_action(s, ACTION)
                && applies(s, &caller, &source, &env, &mut ignored)
        });
        if denied {
            continue;
        }
        let allowing: Vec<&Statement> = statements
            .iter()
            .filter(|s| {
                s.effect == Effect::Allow
                    && covers_action(s, ACTION)
                    && applies(s, &caller, &source, &env, &mut ignored)
            })
            .collect();
        if allowing.is_empty() {
            continue;
        }
        let by_name = allowing.iter().any(|s| {
            items(s).iter().any(|i| match i {
                PrincipalItem::Everyone => true,
                PrincipalItem::Arn(p) => glob::glob(p, caller_arn, false),
                _ => false,
            })
        });
        return Some(Admission {
            statements: allowing.iter().map(|s| s.sid.clone()).collect(),
            by_name,
        });
    }
    None
}

/// The principals the `sts:AssumeRole` Allows of a trust policy name: where to look for the
/// roles it may let in (each still checked with [`trust_admits`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NamedPrincipals {
    /// `*`, a session ARN or `NotPrincipal`: any principal may be let in. A principal ARN with
    /// a wildcard inside it is counted here too although IAM never matches it (it names no
    /// one): that only widens the roles looked at, and [`trust_admits`] lets none of them in
    /// through it.
    pub anyone: bool,
    /// Principal ARNs named exactly.
    pub arns: Vec<String>,
    /// Accounts named (by id or root ARN).
    pub accounts: Vec<String>,
}

pub fn trust_principals(doc: &PolicyDocument) -> NamedPrincipals {
    let mut out = NamedPrincipals::default();
    for s in doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && covers_action(s, "sts:AssumeRole"))
    {
        let PrincipalSpec::Principal(principal_items) = &s.principal else {
            out.anyone = true;
            continue;
        };
        for item in principal_items {
            match item {
                PrincipalItem::Everyone => out.anyone = true,
                PrincipalItem::Account(a) => out.accounts.push(a.clone()),
                PrincipalItem::Arn(a) if a.contains(['*', '?']) || a.contains(":assumed-role/") => {
                    out.anyone = true
                }
                PrincipalItem::Arn(a) => out.arns.push(a.clone()),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
