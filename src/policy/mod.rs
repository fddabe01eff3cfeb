//! The IAM resource-policy engine for `execute-api:Invoke`, and the reach classifier.
//!
//! [`parse_policy`] reads a document as API Gateway returns it. [`reach_of`] answers "which
//! callers from outside the owner account get in?" by concrete probing rather than symbolic
//! reasoning: it builds representative callers from the policy's own vocabulary (every account,
//! principal ARN, organization, VPC endpoint, VPC and CIDR it mentions) plus fresh values nobody
//! mentions, evaluates the policy for each exactly as IAM would, and reports the widest class
//! admitted. Fresh values stand for "everyone else": if a fresh account gets in, any account does.
//! Principal ARN patterns (`arn:aws:iam::*:role/deployer`) are probed through an instance of
//! each. A caller let in only through a VPC endpoint or VPC of a named account is confined to
//! that account's network, so the reach names that account (`unknown:<id>` when the endpoint is
//! outside the audited estate); the owner's own endpoints never make a caller external.
//!
//! Unknown condition keys or operators never silently widen or narrow a verdict: in an Allow they
//! count as satisfied, in a Deny as not satisfied (so the reach is kept), and the verdict is
//! marked low-confidence.

mod document;
pub mod glob;

pub use crate::model::Reach;
pub use document::arn_account;
use document::{
    BaseOp, Condition, Effect, Operator, Patterns, PrincipalItem, PrincipalSpec, SetOp, Statement,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn statement_count(&self) -> usize {
        self.statements.len()
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// NONE / API-key methods: the caller has no AWS identity.
    Anonymous,
    /// AWS_IAM methods: the caller is an authenticated AWS principal.
    Authenticated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyMode {
    /// NONE and AWS_IAM: a non-owner caller needs an explicit Allow and no explicit Deny.
    AllowRequired,
    /// CUSTOM / COGNITO_USER_POOLS: explicit Denies are checked, then the authorizer decides.
    DenyOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
// Evaluation of one concrete request.

/// Who is calling.
#[derive(Debug, Clone)]
enum Caller {
    Anonymous,
    Principal {
        account: String,
        arn: String,
        org_id: Option<String>,
        org_paths: Vec<String>,
    },
}

/// Where the request comes from.
#[derive(Debug, Clone)]
struct Source {
    ip: Option<IpAddr>,
    vpce: Option<String>,
    vpc: Option<String>,
    /// Who owns this network source, for classification.
    owner: SourceOwner,
    /// The policy CIDR this source was drawn from, when it was.
    cidr: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum SourceOwner {
    /// A source nobody mentions: stands for any network.
    Fresh,
    Account(String),
    /// Mentioned but not in the audited estate.
    Unknown(String),
}

#[derive(Debug, Default)]
struct Decision {
    allowed_by: Vec<String>,
    denied_by: Vec<String>,
    unevaluated: BTreeSet<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

fn principal_matches(items: &[PrincipalItem], caller: &Caller) -> bool {
    items.iter().any(|item| match (item, caller) {
        (PrincipalItem::Everyone, _) => true,
        (PrincipalItem::Account(a), Caller::Principal { account, .. }) => a == account,
        (PrincipalItem::Arn(pattern), Caller::Principal { arn, .. }) => {
            glob::glob(pattern, arn, false)
        }
        _ => false,
    })
}

fn context_values(key: &str, caller: &Caller, source: &Source) -> Result<Option<Vec<String>>, ()> {
    // Principal keys are absent from anonymous requests.
    let (account, arn, org_id, org_paths) = match caller {
        Caller::Anonymous => (None, None, None, None),
        Caller::Principal {
            account,
            arn,
            org_id,
            org_paths,
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
        _ => return Err(()),
    })
}

fn value_matches(base: BaseOp, policy_value: &str, request_value: &str) -> bool {
    match base {
        BaseOp::StringEquals | BaseOp::StringNotEquals => policy_value == request_value,
        BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
            policy_value.eq_ignore_ascii_case(request_value)
        }
        BaseOp::StringLike
        | BaseOp::StringNotLike
        | BaseOp::ArnEquals
        | BaseOp::ArnLike
        | BaseOp::ArnNotEquals
        | BaseOp::ArnNotLike => glob::glob(policy_value, request_value, false),
        BaseOp::IpAddress | BaseOp::NotIpAddress => ip_in(policy_value, request_value),
        BaseOp::Bool => policy_value.eq_ignore_ascii_case(request_value),
        BaseOp::Null => false,
    }
}

fn ip_in(cidr: &str, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    if let Ok(net) = cidr.parse::<ipnet::IpNet>() {
        return net.contains(&ip);
    }
    cidr.parse::<IpAddr>().map(|c| c == ip).unwrap_or(false)
}

fn condition(c: &Condition, caller: &Caller, source: &Source) -> Tri {
    let Operator::Known {
        base,
        set,
        if_exists,
    } = &c.operator
    else {
        return Tri::Unknown;
    };
    let Ok(values) = context_values(&c.key, caller, source) else {
        return Tri::Unknown;
    };
    if *base == BaseOp::Null {
        let want_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return if values.is_none() == want_absent {
            Tri::True
        } else {
            Tri::False
        };
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
        return if satisfied { Tri::True } else { Tri::False };
    };
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
    if result {
        Tri::True
    } else {
        Tri::False
    }
}

/// Statements whose action and resource cover the query, split by effect (computed once per
/// query: these checks do not depend on the caller).
struct Relevant<'a> {
    allows: Vec<&'a Statement>,
    denies: Vec<&'a Statement>,
}

fn expand_resource(pattern: &str, api_prefix: &str) -> String {
    // `execute-api:/stage/VERB/path` is relative to the API of the policy.
    match pattern.strip_prefix("execute-api:/") {
        Some(rest) => format!("{api_prefix}/{rest}"),
        None => pattern.to_string(),
    }
}

fn relevant<'a>(doc: &'a PolicyDocument, resource_arn: &str) -> Relevant<'a> {
    const ACTION: &str = "execute-api:Invoke";
    // `arn:aws:execute-api:region:account:api-id` — everything before the first `/`.
    let api_prefix = resource_arn.split('/').next().unwrap_or(resource_arn);
    let mut r = Relevant {
        allows: vec![],
        denies: vec![],
    };
    for s in &doc.statements {
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
        if allow {
            r.allows.push(s);
        } else {
            r.denies.push(s);
        }
    }
    r
}

fn evaluate(rel: &Relevant, caller: &Caller, source: &Source) -> Decision {
    let mut d = Decision::default();
    let applies = |s: &Statement, d: &mut Decision| -> bool {
        let principal_ok = match &s.principal {
            PrincipalSpec::Principal(items) => principal_matches(items, caller),
            PrincipalSpec::NotPrincipal(items) => !principal_matches(items, caller),
        };
        if !principal_ok {
            return false;
        }
        let mut unknown = false;
        for c in &s.conditions {
            match condition(c, caller, source) {
                Tri::False => return false,
                Tri::Unknown => {
                    unknown = true;
                    let op = match &c.operator {
                        Operator::Unknown(name) => name.clone(),
                        Operator::Known { .. } => "condition".into(),
                    };
                    d.unevaluated.insert(format!("{op} {}", c.key));
                }
                Tri::True => {}
            }
        }
        // Unknown in an Allow: satisfied (keeps the reach). In a Deny: not satisfied.
        !(unknown && s.effect == Effect::Deny)
    };
    for s in &rel.denies {
        if applies(s, &mut d) {
            d.denied_by.push(s.sid.clone());
        }
    }
    for s in &rel.allows {
        if applies(s, &mut d) {
            d.allowed_by.push(s.sid.clone());
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// The reach classifier.

/// Caps on how many mentioned values become probes: a hostile 1 MiB policy cannot make the
/// classifier quadratic. Past a cap the verdict is marked low-confidence.
const MAX_MENTIONED: usize = 64;
/// Cap on the addresses probed inside the policy's CIDRs (nested CIDRs add probes).
const MAX_ADDRESS_PROBES: usize = 4 * MAX_MENTIONED;

#[derive(Default)]
struct Vocabulary {
    accounts: BTreeSet<String>,
    /// Principal ARNs and ARN patterns (`arn:aws:iam::222222222222:role/partner-*`) from
    /// `Principal` and `aws:PrincipalArn`: each becomes a probe principal of matching accounts.
    arns: BTreeSet<String>,
    org_ids: BTreeSet<String>,
    org_paths: BTreeSet<String>,
    vpces: BTreeSet<String>,
    vpcs: BTreeSet<String>,
    cidrs: BTreeSet<String>,
    truncated: bool,
}

fn vocabulary(doc: &PolicyDocument) -> Vocabulary {
    let mut v = Vocabulary::default();
    for s in &doc.statements {
        let items = match &s.principal {
            PrincipalSpec::Principal(i) | PrincipalSpec::NotPrincipal(i) => i,
        };
        for item in items {
            match item {
                PrincipalItem::Account(a) => {
                    v.accounts.insert(a.clone());
                }
                PrincipalItem::Arn(arn) => {
                    if let Some(a) = document::arn_account(arn) {
                        v.accounts.insert(a);
                    }
                    v.arns.insert(arn.clone());
                }
                _ => {}
            }
        }
        for c in &s.conditions {
            // The values of `Null` ("true"/"false") and of operators the engine does not
            // evaluate are not identifiers: probing them would invent endpoints and orgs.
            let compares_values =
                matches!(&c.operator, Operator::Known { base, .. } if *base != BaseOp::Null);
            if !compares_values {
                continue;
            }
            for val in &c.values {
                match c.key.as_str() {
                    "aws:principalaccount" => {
                        v.accounts.insert(val.clone());
                    }
                    "aws:principalarn" => {
                        if let Some(a) = document::arn_account(val) {
                            v.accounts.insert(a);
                        }
                        v.arns.insert(val.clone());
                    }
                    "aws:principalorgid" => {
                        v.org_ids.insert(val.clone());
                    }
                    "aws:principalorgpaths" => {
                        if let Some(org) = val.split('/').next().filter(|o| o.starts_with("o-")) {
                            v.org_ids.insert(org.to_string());
                        }
                        v.org_paths.insert(val.clone());
                    }
                    "aws:sourcevpce" => {
                        v.vpces.insert(val.clone());
                    }
                    "aws:sourcevpc" => {
                        v.vpcs.insert(val.clone());
                    }
                    "aws:sourceip" => {
                        v.cidrs.insert(val.clone());
                    }
                    _ => {}
                }
            }
        }
    }
    for set in [
        &mut v.accounts,
        &mut v.arns,
        &mut v.org_ids,
        &mut v.org_paths,
        &mut v.vpces,
        &mut v.vpcs,
        &mut v.cidrs,
    ] {
        if set.len() > MAX_MENTIONED {
            v.truncated = true;
            let keep: BTreeSet<String> = set.iter().take(MAX_MENTIONED).cloned().collect();
            *set = keep;
        }
    }
    v
}

/// A concrete principal ARN of `account` matching the ARN (pattern) `pattern`, when one exists:
/// wildcards outside the account field become `x`, the account field becomes `account`.
/// `arn:aws:iam::*:role/deployer` for `444455556666` → `arn:aws:iam::444455556666:role/deployer`.
fn principal_arn_instance(pattern: &str, account: &str) -> Option<String> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() != 6 || !glob::glob(parts[4], account, false) {
        return None;
    }
    let fill = |s: &str| s.replace(['*', '?'], "x");
    let arn = format!(
        "{}:{}:{}:{}:{account}:{}",
        fill(parts[0]),
        fill(parts[1]),
        fill(parts[2]),
        fill(parts[3]),
        fill(parts[5])
    );
    glob::glob(pattern, &arn, false).then_some(arn)
}

/// A 12-digit account id that the policy never mentions and that is not the owner.
fn fresh_account(v: &Vocabulary, owner: &str, skip: usize) -> String {
    (1..)
        .map(|n: u64| format!("{:012}", 987_654_000_000u64 + n))
        .filter(|a| a != owner && !v.accounts.contains(a))
        .nth(skip)
        .expect("an unused account id exists")
}

/// An internet address in none of the policy's CIDRs.
fn fresh_ip(v: &Vocabulary) -> IpAddr {
    let candidates = [
        "198.51.100.77",
        "192.0.2.200",
        "203.0.113.250",
        "100.64.77.1",
        "45.77.1.2",
        "9.9.9.9",
        "1.2.3.4",
        "172.217.1.1",
        "240.0.0.1",
    ];
    candidates
        .iter()
        .map(|c| c.parse::<IpAddr>().expect("literal ip"))
        .find(|ip| !v.cidrs.iter().any(|c| ip_in(c, &ip.to_string())))
        .unwrap_or_else(|| "255.255.255.254".parse().expect("literal ip"))
}

/// The address right after `ip`, if any.
fn next_ip(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(a) => u32::from(a).checked_add(1).map(|n| IpAddr::V4(n.into())),
        IpAddr::V6(a) => u128::from(a).checked_add(1).map(|n| IpAddr::V6(n.into())),
    }
}

/// Addresses inside a CIDR (or the address itself) that represent every part of it the policy
/// can tell apart: its first host, and the first address after each CIDR of the policy nested
/// in it (the outermost ones: the parts of the CIDR outside them start there). A policy that
/// allows `203.0.113.0/24` and denies `203.0.113.0/25` still lets in `203.0.113.128`, which
/// probing only the first host would miss.
fn ips_inside(cidr: &str, all: &BTreeSet<String>) -> Vec<IpAddr> {
    let Ok(net) = cidr.parse::<ipnet::IpNet>().map(|n| n.trunc()) else {
        return cidr.parse::<IpAddr>().ok().into_iter().collect();
    };
    // Nested CIDRs (a single address is a /32 or /128).
    let nested: Vec<ipnet::IpNet> = all
        .iter()
        .filter_map(|o| {
            o.parse::<ipnet::IpNet>()
                .map(|n| n.trunc())
                .ok()
                .or_else(|| o.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .filter(|o| *o != net && net.contains(o))
        .collect();
    let mut out = vec![net.hosts().next().unwrap_or(net.network())];
    for o in &nested {
        let outermost = !nested.iter().any(|p| p != o && p.contains(o));
        if !outermost {
            continue;
        }
        if let Some(ip) = next_ip(o.broadcast()).filter(|ip| net.contains(ip)) {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// Network sources to probe, and whether the address probes had to be capped.
fn sources(v: &Vocabulary, network: Network, ctx: &ReachContext) -> (Vec<Source>, bool) {
    let mut out = Vec::new();
    let mut capped = false;
    match network {
        Network::Public => {
            out.push(Source {
                ip: Some(fresh_ip(v)),
                vpce: None,
                vpc: None,
                owner: SourceOwner::Fresh,
                cidr: None,
            });
            for c in &v.cidrs {
                for ip in ips_inside(c, &v.cidrs) {
                    if out.len() > MAX_ADDRESS_PROBES {
                        capped = true;
                        break;
                    }
                    out.push(Source {
                        ip: Some(ip),
                        vpce: None,
                        vpc: None,
                        owner: SourceOwner::Fresh,
                        cidr: Some(c.clone()),
                    });
                }
            }
        }
        Network::PrivateVpce => {
            out.push(Source {
                ip: None,
                vpce: Some("vpce-0overexposedprobe".into()),
                vpc: Some("vpc-0overexposedprobe".into()),
                owner: SourceOwner::Fresh,
                cidr: None,
            });
        }
    }
    // Requests through a mentioned endpoint or from a mentioned VPC (private APIs; public APIs
    // reached from a VPC through an endpoint also carry these keys).
    for e in &v.vpces {
        let owner = (ctx.vpce_owner)(e)
            .map(SourceOwner::Account)
            .unwrap_or_else(|| SourceOwner::Unknown(e.clone()));
        out.push(Source {
            ip: None,
            vpce: Some(e.clone()),
            vpc: None,
            owner,
            cidr: None,
        });
    }
    for vpc in &v.vpcs {
        let owner = (ctx.vpc_owner)(vpc)
            .map(SourceOwner::Account)
            .unwrap_or_else(|| SourceOwner::Unknown(vpc.clone()));
        out.push(Source {
            ip: None,
            vpce: Some("vpce-0overexposedprobe".into()),
            vpc: Some(vpc.clone()),
            owner,
            cidr: None,
        });
    }
    (out, capped)
}

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

pub fn reach_of(doc: &PolicyDocument, query: &ReachQuery, ctx: &ReachContext) -> ReachVerdict {
    let rel = relevant(doc, query.resource_arn);
    let vocab = vocabulary(doc);
    let (srcs, capped) = sources(&vocab, query.network, ctx);
    let mut unevaluated = BTreeSet::new();
    let mut admitted = |caller: &Caller, source: &Source| -> Option<Vec<String>> {
        let d = evaluate(&rel, caller, source);
        unevaluated.extend(d.unevaluated.iter().cloned());
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
            let fresh = &srcs[0];
            if let Some(by) = admitted(&anon, fresh) {
                allowing.extend(by);
                reach = match query.network {
                    Network::Public => Reach::Internet,
                    Network::PrivateVpce => Reach::AnyAwsAccount,
                };
                explanation = describe(&allowing, query.mode, "anonymous callers from any network");
            } else {
                let mut cidrs = BTreeSet::new();
                let mut accounts = BTreeSet::new();
                for s in &srcs[1..] {
                    if let Some(by) = admitted(&anon, s) {
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
                for s in &srcs {
                    match owner_label(&s.owner) {
                        None => {
                            if a.open.is_none() {
                                a.open = admitted(caller, s);
                            }
                        }
                        Some(label) if label == ctx.owner_account => {}
                        Some(label) => {
                            if let std::collections::btree_map::Entry::Vacant(slot) =
                                a.confined.entry(label)
                            {
                                if let Some(by) = admitted(caller, s) {
                                    slot.insert(by);
                                }
                            }
                        }
                    }
                }
                a
            };
            let caller = |account: &str, arn: &str, org: Option<(&str, Vec<String>)>| {
                let (org_id, org_paths) = match org {
                    Some((id, paths)) => (Some(id.to_string()), paths),
                    None => (None, vec![]),
                };
                Caller::Principal {
                    account: account.to_string(),
                    arn: arn.to_string(),
                    org_id,
                    org_paths,
                }
            };

            // Everyone else: a fresh account, and a fresh account in an organization nobody
            // names (any account can be in some organization).
            let stranger = fresh_account(&vocab, ctx.owner_account, 0);
            let member_account = fresh_account(&vocab, ctx.owner_account, 1);
            const FRESH_ORG: &str = "o-0overexposedprobe";
            let fresh_org_paths = vec![format!("{FRESH_ORG}/r-0probe/ou-0probe-00000000/")];
            let mut everyone: Vec<Caller> = principals_of(&stranger)
                .iter()
                .map(|arn| caller(&stranger, arn, None))
                .collect();
            everyone.extend(principals_of(&member_account).iter().map(|arn| {
                caller(
                    &member_account,
                    arn,
                    Some((FRESH_ORG, fresh_org_paths.clone())),
                )
            }));
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
                let mut orgs = Vec::new();
                for org in &vocab.org_ids {
                    let paths: Vec<String> = vocab
                        .org_paths
                        .iter()
                        .filter(|p| p.starts_with(org.as_str()))
                        .cloned()
                        .collect();
                    let mut in_org = false;
                    for arn in principals_of(&member_account) {
                        let a = admission(&caller(
                            &member_account,
                            &arn,
                            Some((org.as_str(), paths.clone())),
                        ));
                        if let Some(by) = a.open {
                            in_org = true;
                            allowing.extend(by);
                        }
                        for (label, by) in a.confined {
                            confined.entry(label).or_default().extend(by);
                        }
                    }
                    if in_org {
                        orgs.push(org.clone());
                    }
                }
                if !orgs.is_empty() {
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!("every principal of the organization {}", orgs.join(", ")),
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
                    for account in vocab
                        .accounts
                        .iter()
                        .filter(|a| a.as_str() != ctx.owner_account)
                    {
                        let admissions: Vec<(String, Admission)> = principals_of(account)
                            .into_iter()
                            .map(|arn| {
                                let a = admission(&caller(account, &arn, None));
                                (arn, a)
                            })
                            .collect();
                        if admissions.iter().any(|(_, a)| a.open.is_some()) {
                            accounts.insert(account.clone());
                            for (arn, a) in admissions {
                                let Some(by) = a.open else { continue };
                                who.insert(if arn == role(account) {
                                    format!("account {account}")
                                } else {
                                    arn
                                });
                                allowing.extend(by);
                            }
                        } else {
                            // Let in only through another account's network: that network's
                            // owner is who can reach the method (as for everyone else).
                            for (arn, a) in admissions {
                                for (label, by) in a.confined {
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
