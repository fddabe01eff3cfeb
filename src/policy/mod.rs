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
mod reference;

pub use crate::model::Reach;
pub use document::arn_account;
use document::{BaseOp, Operator, Patterns, PrincipalItem, PrincipalSpec, Statement};
use fast::Prepared;
use reference::{ip_in, relevant, Caller, Relevant, Source, SourceOwner};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

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

/// The values the relevant statements mention. Statements that do not cover the query cannot
/// tell one caller from another, so their values would only repeat what fresh probes show: a
/// big policy costs each query only what applies to it.
fn vocabulary(rel: &Relevant) -> Vocabulary {
    let mut v = Vocabulary::default();
    for s in rel.allows.iter().chain(&rel.denies) {
        let items = match &s.principal {
            PrincipalSpec::Principal(i) | PrincipalSpec::NotPrincipal(i) => i,
        };
        for item in items {
            match item {
                PrincipalItem::Account(a) => {
                    v.accounts.insert(a.clone());
                }
                PrincipalItem::Arn(arn) => {
                    if let Some(a) = arn_account_or_pattern(arn) {
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
                        if let Some(a) = arn_account_or_pattern(val) {
                            v.accounts.insert(a);
                        }
                        v.arns.insert(val.clone());
                    }
                    "aws:principalorgid" => {
                        v.org_ids.insert(val.clone());
                    }
                    "aws:principalorgpaths" => {
                        // `o-abc/r-ab12/ou-…/*` names its organization; `*/ou-…/*` names an OU
                        // of whichever organization (probed as such, see `memberships`).
                        if let Some(org) = val
                            .split('/')
                            .next()
                            .filter(|o| o.starts_with("o-") && !o.contains(['*', '?']))
                        {
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

/// The account an ARN (pattern) names: its id, or its account field when that is a partial
/// wildcard (`2222*`). Like an `aws:PrincipalAccount` pattern, such a field is probed as an
/// account of its own: the pattern matches itself, so the accounts it stands for are reported
/// under it. A bare `*` names no account (fresh accounts stand for every account).
fn arn_account_or_pattern(arn: &str) -> Option<String> {
    if let Some(a) = document::arn_account(arn) {
        return Some(a);
    }
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let account = *fields.get(4)?;
    (fields.len() == 6 && account.contains(['*', '?']) && account != "*")
        .then(|| account.to_string())
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

/// Internet addresses in none of the policy's CIDRs, one IPv4 and one IPv6 (EDGE APIs, and
/// REGIONAL ones set to dualstack, take IPv6 callers too). When the policy's CIDRs cover every
/// candidate of a family (`0.0.0.0/0`, `::/0`), the last candidate stands for that family: the
/// policy treats the whole family alike anyway.
fn fresh_ips(v: &Vocabulary) -> Vec<IpAddr> {
    let v4 = [
        "198.51.100.77",
        "192.0.2.200",
        "203.0.113.250",
        "100.64.77.1",
        "45.77.1.2",
        "9.9.9.9",
        "1.2.3.4",
        "172.217.1.1",
        "240.0.0.1",
        "255.255.255.254",
    ];
    let v6 = [
        "2001:db8:77::1",
        "2600:1f18:77::1",
        "2a05:d018:77::1",
        "2400:cb00:77::1",
        "fd00:77::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
    ];
    [&v4[..], &v6[..]]
        .iter()
        .map(|family| {
            let parsed: Vec<IpAddr> = family
                .iter()
                .map(|c| c.parse().expect("literal ip"))
                .collect();
            let last = *parsed.last().expect("candidates");
            parsed
                .iter()
                .copied()
                .find(|ip| !v.cidrs.iter().any(|c| ip_in(c, &ip.to_string())))
                .or_else(|| first_uncovered(last, &v.cidrs))
                .unwrap_or(last)
        })
        .collect()
}

/// The lowest address of `like`'s family that none of `cidrs` covers, if the CIDRs leave one.
/// Used when the policy's CIDRs cover every usual candidate: the address found stands for
/// the part of the internet the policy does not name (`Deny 0.0.0.0/1, 128.0.0.0/2, …` can
/// leave `208.0.0.0/4` open).
fn first_uncovered(like: IpAddr, cidrs: &BTreeSet<String>) -> Option<IpAddr> {
    let v4 = like.is_ipv4();
    // Each CIDR of the family as an inclusive range of addresses.
    let ranges: Vec<(u128, u128)> = cidrs
        .iter()
        .filter_map(|c| {
            c.parse::<ipnet::IpNet>()
                .ok()
                .or_else(|| c.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .filter(|n| n.network().is_ipv4() == v4)
        .map(|n| {
            let n = n.trunc();
            let as_int = |ip: IpAddr| match ip {
                IpAddr::V4(a) => u128::from(u32::from(a)),
                IpAddr::V6(a) => u128::from(a),
            };
            (as_int(n.network()), as_int(n.broadcast()))
        })
        .collect();
    let max = if v4 { u128::from(u32::MAX) } else { u128::MAX };
    // Jump past every range that holds the candidate: each range is jumped at most once.
    let mut candidate: u128 = 0;
    loop {
        match ranges
            .iter()
            .filter(|(lo, hi)| *lo <= candidate && candidate <= *hi)
            .map(|(_, hi)| *hi)
            .max()
        {
            None => break,
            Some(hi) if hi == max => return None,
            Some(hi) => candidate = hi + 1,
        }
    }
    Some(if v4 {
        IpAddr::V4((candidate as u32).into())
    } else {
        IpAddr::V6(candidate.into())
    })
}

/// An organization a probe principal belongs to, and its place in it.
#[derive(Debug, Clone, PartialEq)]
struct Membership {
    org_id: String,
    /// `aws:PrincipalOrgPaths` of the principal: one path (an account sits in one OU).
    paths: Vec<String>,
    /// What a reach through this membership is called: the organization id, or the path pattern
    /// when the policy names a path of no particular organization; `None` for an organization
    /// nobody names (it stands for any organization).
    label: Option<String>,
}

/// An organization nobody names: any account can be in some organization.
const FRESH_ORG: &str = "o-0overexposedprobe";

/// A path in `org` that an account could have and that `pattern` (a StringLike pattern of
/// `aws:PrincipalOrgPaths`) matches, if one exists.
fn org_path_instance(pattern: &str, org: &str) -> Option<String> {
    let fill = |s: &str| s.replace('*', "").replace('?', "x");
    let below_org = pattern.split_once('/').map(|(_, r)| r).unwrap_or("");
    let prefix = format!("{org}/");
    [
        fill(pattern),
        format!("{org}/{}", fill(below_org)),
        format!("{org}/r-0probe/{}", fill(below_org)),
    ]
    .into_iter()
    .find(|c| c.starts_with(&prefix) && glob::glob(pattern, c, false))
}

/// The organization memberships to probe, and whether they had to be capped. The first is a
/// member of an organization nobody names; then, for every organization the policy names, a
/// member somewhere it names no path and one under each path pattern that fits it; then a
/// member under each path pattern of no particular organization (`*/ou-ab12-22222222/*`).
fn memberships(v: &Vocabulary) -> (Vec<Membership>, bool) {
    let somewhere = |org: &str| format!("{org}/r-0probe/ou-0probe-00000000/");
    let mut out = vec![Membership {
        org_id: FRESH_ORG.into(),
        paths: vec![somewhere(FRESH_ORG)],
        label: None,
    }];
    for org in &v.org_ids {
        out.push(Membership {
            org_id: org.clone(),
            paths: vec![somewhere(org)],
            label: Some(org.clone()),
        });
        for pattern in &v.org_paths {
            if let Some(path) = org_path_instance(pattern, org) {
                // A path of this very organization is reported as the organization, a path
                // pattern of any organization as itself.
                let own = pattern.starts_with(&format!("{org}/"));
                out.push(Membership {
                    org_id: org.clone(),
                    paths: vec![path],
                    label: Some(if own { org.clone() } else { pattern.clone() }),
                });
            }
        }
    }
    for pattern in &v.org_paths {
        if let Some(path) = org_path_instance(pattern, FRESH_ORG) {
            out.push(Membership {
                org_id: FRESH_ORG.into(),
                paths: vec![path],
                label: Some(pattern.clone()),
            });
        }
    }
    let mut unique: Vec<Membership> = Vec::new();
    for m in out {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    let capped = unique.len() > MAX_MENTIONED;
    unique.truncate(MAX_MENTIONED);
    (unique, capped)
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

const FRESH_VPCE: &str = "vpce-0overexposedprobe";
const FRESH_VPC: &str = "vpc-0overexposedprobe";

/// Network sources to probe, and whether the probes had to be capped.
fn sources(v: &Vocabulary, network: Network, ctx: &ReachContext) -> (Vec<Source>, bool) {
    let mut out = Vec::new();
    let mut capped = false;
    match network {
        // A public API is called over the internet, never through an execute-api VPC endpoint
        // (an endpoint serves only private APIs), so its requests carry no aws:SourceVpce or
        // aws:SourceVpc: only addresses are probed.
        Network::Public => {
            for ip in fresh_ips(v) {
                out.push(Source {
                    ip: Some(ip),
                    vpce: None,
                    vpc: None,
                    owner: SourceOwner::Fresh,
                    cidr: None,
                });
            }
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
        // Every request through an endpoint carries the endpoint and the VPC it lives in.
        Network::PrivateVpce => {
            let through = |vpce: &str, vpc: &str, owner: SourceOwner| Source {
                ip: None,
                vpce: Some(vpce.to_string()),
                vpc: Some(vpc.to_string()),
                owner,
                cidr: None,
            };
            out.push(through(FRESH_VPCE, FRESH_VPC, SourceOwner::Fresh));
            for e in &v.vpces {
                match (ctx.vpce_vpc)(e) {
                    // In the estate: its own VPC, its owner's network.
                    Some(vpc) => {
                        let owner = (ctx.vpce_owner)(e)
                            .or_else(|| (ctx.vpc_owner)(&vpc))
                            .map(SourceOwner::Account)
                            .unwrap_or_else(|| SourceOwner::Unknown(e.clone()));
                        out.push(through(e, &vpc, owner));
                    }
                    // Outside the estate: in a VPC nobody names, or in any VPC the policy names.
                    None => {
                        out.push(through(e, FRESH_VPC, SourceOwner::Unknown(e.clone())));
                        for vpc in &v.vpcs {
                            let owner = (ctx.vpc_owner)(vpc)
                                .map(SourceOwner::Account)
                                .unwrap_or_else(|| SourceOwner::Unknown(e.clone()));
                            out.push(through(e, vpc, owner));
                        }
                    }
                }
            }
            // An endpoint nobody names in a VPC the policy names: its owner's network.
            for vpc in &v.vpcs {
                let owner = (ctx.vpc_owner)(vpc)
                    .map(SourceOwner::Account)
                    .unwrap_or_else(|| SourceOwner::Unknown(vpc.clone()));
                out.push(through(FRESH_VPCE, vpc, owner));
            }
            if out.len() > MAX_ADDRESS_PROBES {
                capped = true;
                out.truncate(MAX_ADDRESS_PROBES);
            }
        }
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
