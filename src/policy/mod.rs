//! The IAM resource-policy engine for `execute-api:Invoke`, and the reach classifier.
//!
//! [`parse_policy`] reads a document as API Gateway returns it. [`reach_of`] answers "which
//! callers from outside the owner account get in?" by concrete probing rather than symbolic
//! reasoning: it builds representative callers from the policy's own vocabulary (every account,
//! principal ARN, organization, VPC endpoint, VPC and CIDR it mentions) plus fresh values nobody
//! mentions, evaluates the policy for each exactly as IAM would, and reports the widest class
//! admitted. Fresh values stand for "everyone else": if a fresh account gets in, any account does.
//! Principal ARN patterns (`arn:aws:iam::*:role/deployer`) are probed through an instance of
//! each; a role calls as an assumed-role session of itself, which is what `NotPrincipal` sees.
//! Each named account and principal is probed on its own and as a member of every organization
//! (and organization path) the policy names and of one it does not, so an organization
//! guardrail does not hide a named partner that is a member.
//!
//! Networks: a public API is called from internet addresses (a fresh IPv4 and IPv6 one, and
//! addresses inside the policy's CIDRs), never through a VPC endpoint; a private API through an
//! endpoint, whose request carries both the endpoint and its VPC (from the inventory). A caller
//! let in only through a VPC endpoint or VPC of a named account is confined to that account's
//! network, so the reach names that account (`unknown:<id>` when the endpoint is outside the
//! audited estate); the owner's own endpoints never make a caller external.
//!
//! ARN condition operators match field by field, as IAM does; a value that is not a six-field
//! ARN is treated as an unknown condition (below).
//!
//! Unknown condition keys or operators never silently widen or narrow a verdict: in an Allow they
//! count as satisfied, in a Deny as not satisfied (so the reach is kept), and the verdict is
//! marked low-confidence.

mod document;
mod fast;
pub mod glob;
mod probes;
mod reference;

pub use crate::model::Reach;
pub use document::arn_account;
use document::{Patterns, Statement};
use fast::Prepared;
use probes::{fresh_account, memberships, principal_arn_instance, sources, vocabulary, Membership};
use reference::{relevant, Caller, Relevant, Source, SourceOwner};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

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

// ---------------------------------------------------------------------------------------------
// The reach classifier.

/// Where one probe caller gets in (see `reach_of`).
#[derive(Default)]
struct Admission {
    /// The Allow statements that let it in through a source open to every account, if any.
    open: Option<Vec<String>>,
    /// Network sources of named external accounts (or outside the estate) that let it in,
    /// with the Allow statements.
    confined: BTreeMap<String, Vec<String>>,
}

fn owner_label(o: &SourceOwner) -> Option<String> {
    match o {
        SourceOwner::Fresh => None,
        SourceOwner::Account(a) => Some(a.clone()),
        SourceOwner::Unknown(id) => Some(format!("unknown:{id}")),
    }
}

impl Source {
    /// A source nobody mentions and outside every CIDR of the policy: it stands for any network.
    fn is_fresh(&self) -> bool {
        self.owner == SourceOwner::Fresh && self.cidr.is_none()
    }
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
    let rel = relevant(doc, query.resource_arn);
    let key = (
        rel.positions.clone(),
        query.caller,
        query.mode,
        query.network,
    );
    if let Some(v) = cache.verdicts.get(&key) {
        return v.clone();
    }
    let verdict = classify(&rel, query, ctx);
    cache.verdicts.insert(key, verdict.clone());
    verdict
}

pub fn reach_of(doc: &PolicyDocument, query: &ReachQuery, ctx: &ReachContext) -> ReachVerdict {
    classify(&relevant(doc, query.resource_arn), query, ctx)
}

fn classify(rel: &Relevant, query: &ReachQuery, ctx: &ReachContext) -> ReachVerdict {
    let vocab = vocabulary(rel);
    let (srcs, mut capped) = sources(&vocab, query.network, ctx);
    let mut unevaluated = BTreeSet::new();
    let mut prepared = Prepared::new(rel, &srcs);
    // `source` is an index into `srcs`.
    let mut admitted = |caller: &Caller, source: usize| -> Option<Vec<String>> {
        let bits = prepared.caller_bits(caller);
        let d = prepared.decide((caller, &bits), (&srcs[source], source), &mut unevaluated);
        let ok = d.denied_by.is_empty()
            && (query.mode == PolicyMode::DenyOnly || !d.allowed_by.is_empty());
        ok.then_some(d.allowed_by)
    };

    let mut allowing: BTreeSet<String> = BTreeSet::new();
    let reach;
    let explanation;
    match query.caller {
        CallerKind::Anonymous => {
            let anon = Caller::Anonymous;
            let mut open = false;
            for (i, _) in srcs.iter().enumerate().filter(|(_, s)| s.is_fresh()) {
                if let Some(by) = admitted(&anon, i) {
                    open = true;
                    allowing.extend(by);
                }
            }
            if open {
                reach = match query.network {
                    Network::Public => Reach::Internet,
                    Network::PrivateVpce => Reach::AnyAwsAccount,
                };
                explanation = describe(&allowing, query.mode, "anonymous callers from any network");
            } else {
                let mut cidrs = BTreeSet::new();
                let mut accounts = BTreeSet::new();
                for (i, s) in srcs.iter().enumerate().filter(|(_, s)| !s.is_fresh()) {
                    if let Some(by) = admitted(&anon, i) {
                        if let Some(c) = &s.cidr {
                            cidrs.insert(c.clone());
                            allowing.extend(by);
                        } else if let Some(label) = owner_label(&s.owner) {
                            if label != ctx.owner_account {
                                accounts.insert(label);
                                allowing.extend(by);
                            }
                        }
                    }
                }
                if !cidrs.is_empty() {
                    let list: Vec<String> = cidrs.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!("anonymous callers from {}", list.join(", ")),
                    );
                    reach = Reach::InternetIpRestricted { cidrs: list };
                } else if !accounts.is_empty() {
                    let list: Vec<String> = accounts.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!(
                            "anonymous callers through network sources of {}",
                            list.join(", ")
                        ),
                    );
                    reach = Reach::Accounts { accounts: list };
                } else {
                    reach = Reach::Owner;
                    explanation = "no caller from outside the owner account is let in".into();
                }
            }
        }
        CallerKind::Authenticated => {
            let role = |account: &str| format!("arn:aws:iam::{account}:role/overexposed-probe");
            // Probe principals of an account: a role nobody names, and an instance of every
            // principal ARN or ARN pattern the policy mentions that fits the account.
            let principals_of = |account: &str| -> Vec<String> {
                let mut arns = vec![role(account)];
                for pattern in &vocab.arns {
                    if let Some(arn) = principal_arn_instance(pattern, account) {
                        if !arns.contains(&arn) {
                            arns.push(arn);
                        }
                    }
                }
                arns
            };
            // Where a caller gets in. A source nobody mentions (the internet, a CIDR, a fresh
            // endpoint) is open to every account; an endpoint or VPC of a named external account
            // (or one outside the audited estate) confines callers to that account's network; the
            // owner's own endpoints and VPCs never make a caller external.
            let mut admission = |caller: &Caller| -> Admission {
                let mut a = Admission::default();
                for (i, s) in srcs.iter().enumerate() {
                    match owner_label(&s.owner) {
                        None => {
                            if a.open.is_none() {
                                a.open = admitted(caller, i);
                            }
                        }
                        Some(label) if label == ctx.owner_account => {}
                        Some(label) => {
                            if let std::collections::btree_map::Entry::Vacant(slot) =
                                a.confined.entry(label)
                            {
                                if let Some(by) = admitted(caller, i) {
                                    slot.insert(by);
                                }
                            }
                        }
                    }
                }
                a
            };
            let (orgs_to_probe, memberships_capped) = memberships(&vocab);
            capped |= memberships_capped;
            let any_org = &orgs_to_probe[0];

            // Everyone else: a fresh account, and a fresh account in an organization nobody
            // names (any account can be in some organization).
            let stranger = fresh_account(&vocab, ctx.owner_account, 0);
            let member_account = fresh_account(&vocab, ctx.owner_account, 1);
            let mut everyone: Vec<Caller> = principals_of(&stranger)
                .iter()
                .map(|arn| Caller::principal(&stranger, arn, None))
                .collect();
            everyone.extend(
                principals_of(&member_account)
                    .iter()
                    .map(|arn| Caller::principal(&member_account, arn, Some(any_org))),
            );
            let mut open_to_all = false;
            let mut confined: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for c in &everyone {
                let a = admission(c);
                if let Some(by) = a.open {
                    open_to_all = true;
                    allowing.extend(by);
                }
                for (label, by) in a.confined {
                    confined.entry(label).or_default().extend(by);
                }
            }

            if open_to_all {
                reach = Reach::AnyAwsAccount;
                explanation = describe(
                    &allowing,
                    query.mode,
                    "any authenticated principal of any AWS account",
                );
            } else {
                // Every member of an organization (or of an organization path) the policy
                // names, seen through an account it does not name.
                let mut orgs = BTreeSet::new();
                for m in &orgs_to_probe {
                    let Some(label) = &m.label else { continue };
                    for arn in principals_of(&member_account) {
                        let a = admission(&Caller::principal(&member_account, &arn, Some(m)));
                        if let Some(by) = a.open {
                            orgs.insert(label.clone());
                            allowing.extend(by);
                        }
                        for (label, by) in a.confined {
                            confined.entry(label).or_default().extend(by);
                        }
                    }
                }
                if !orgs.is_empty() {
                    let orgs: Vec<String> = orgs.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!(
                            "every principal of the organization {}",
                            orgs.iter()
                                .map(|o| org_words(o))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    reach = Reach::Organization { org_ids: orgs };
                } else {
                    let mut accounts = BTreeSet::new();
                    let mut who = BTreeSet::new();
                    for (label, by) in confined {
                        who.insert(format!("principals using network sources of {label}"));
                        accounts.insert(label);
                        allowing.extend(by);
                    }
                    // Each named account and principal, on its own and as a member of each
                    // organization (or path) the policy names, or of one it does not: an
                    // organization guardrail (Deny unless aws:PrincipalOrgID …) lets in the
                    // named partners that are members.
                    let as_member_of = std::iter::once(None).chain(orgs_to_probe.iter().map(Some));
                    for account in vocab
                        .accounts
                        .iter()
                        .filter(|a| a.as_str() != ctx.owner_account)
                    {
                        let mut open = Vec::new();
                        let mut elsewhere = Vec::new();
                        for arn in principals_of(account) {
                            for m in as_member_of.clone() {
                                let a = admission(&Caller::principal(account, &arn, m));
                                if let Some(by) = a.open {
                                    let name = if arn == role(account) {
                                        format!("account {account}")
                                    } else {
                                        arn.clone()
                                    };
                                    let membership = match m {
                                        None => String::new(),
                                        Some(Membership { label: None, .. }) => {
                                            " as a member of an AWS Organization".into()
                                        }
                                        Some(Membership { label: Some(l), .. }) => {
                                            format!(" as a member of {}", org_words(l))
                                        }
                                    };
                                    open.push((format!("{name}{membership}"), by));
                                    break;
                                }
                                elsewhere.push((arn.clone(), a.confined));
                            }
                        }
                        if !open.is_empty() {
                            accounts.insert(account.clone());
                            for (name, by) in open {
                                who.insert(name);
                                allowing.extend(by);
                            }
                        } else {
                            // Let in only through another account's network: that network's
                            // owner is who can reach the method (as for everyone else).
                            for (arn, confined) in elsewhere {
                                for (label, by) in confined {
                                    who.insert(format!("{arn} through network sources of {label}"));
                                    accounts.insert(label);
                                    allowing.extend(by);
                                }
                            }
                        }
                    }
                    if accounts.is_empty() {
                        reach = Reach::Owner;
                        explanation =
                            "no principal from outside the owner account is let in".into();
                    } else {
                        let who: Vec<String> = who.into_iter().collect();
                        explanation = describe(&allowing, query.mode, &who.join(", "));
                        reach = Reach::Accounts {
                            accounts: accounts.into_iter().collect(),
                        };
                    }
                }
            }
        }
    }
    if !reach.beyond_owner() {
        allowing.clear();
    }
    let unevaluated: Vec<String> = unevaluated.into_iter().collect();
    ReachVerdict {
        low_confidence: !unevaluated.is_empty() || vocab.truncated || capped,
        reach,
        unevaluated,
        allowing_statements: allowing.into_iter().collect(),
        explanation,
    }
}

/// `o-abc`, or `path */ou-ab12-22222222/*` for an organization path of no named organization.
fn org_words(id: &str) -> String {
    if id.starts_with("o-") && !id.contains('/') {
        id.to_string()
    } else {
        format!("path {id}")
    }
}

fn describe(allowing: &BTreeSet<String>, mode: PolicyMode, who: &str) -> String {
    if allowing.is_empty() || mode == PolicyMode::DenyOnly {
        format!("no statement denies {who} (an authorizer, not the policy, decides)")
    } else {
        let sids: Vec<&str> = allowing.iter().map(String::as_str).collect();
        format!("statement {} allows {who}", sids.join(", "))
    }
}

#[cfg(test)]
mod tests;
