//! The probe vocabulary: the values a policy mentions, and fresh values that stand for
//! everyone else.
//!
//! Every account, principal ARN, organization, VPC endpoint, VPC and CIDR the covering
//! statements mention is probed, and so are fresh values nobody mentions: if a fresh account
//! gets in, any account does. Principal ARN patterns (`arn:aws:iam::*:role/deployer`) are
//! probed through an instance of each; a role calls as an assumed-role session of itself, which
//! is what `NotPrincipal` sees. Each named account and principal is probed on its own and as a
//! member of every organization (and organization path) the policy names and of one it does
//! not, so an organization guardrail does not hide a named partner that is a member.
//!
//! Networks: a public API is called from internet addresses (a fresh IPv4 and IPv6 one, and
//! addresses inside the policy's CIDRs), never through a VPC endpoint; a private API through an
//! endpoint, whose request carries both the endpoint and its VPC (from the inventory).

use super::document::{self, BaseOp, Operator, PrincipalItem, PrincipalSpec};
use super::reference::{ip_in, CoveringStatements, NetworkSource, SourceOwner};
use super::{glob, Network, ReachContext};
use crate::arn::Arn;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Caps on how many mentioned values become probes: a hostile 1 MiB policy cannot make the
/// classifier quadratic. Past a cap the verdict is marked low-confidence.
pub(super) const MAX_MENTIONED: usize = 64;
/// Cap on the addresses probed inside the policy's CIDRs (nested CIDRs add probes).
const MAX_ADDRESS_PROBES: usize = 4 * MAX_MENTIONED;

#[derive(Default)]
pub(super) struct Vocabulary {
    pub(super) accounts: BTreeSet<String>,
    /// Principal ARNs and ARN patterns (`arn:aws:iam::222222222222:role/partner-*`) from
    /// `Principal` and `aws:PrincipalArn`: each becomes a probe principal of matching accounts.
    pub(super) arns: BTreeSet<String>,
    org_ids: BTreeSet<String>,
    org_paths: BTreeSet<String>,
    vpces: BTreeSet<String>,
    vpcs: BTreeSet<String>,
    cidrs: BTreeSet<String>,
    pub(super) truncated: bool,
}

/// The values the covering statements mention. Statements that do not cover the query cannot
/// tell one caller from another, so their values would only repeat what fresh probes show: a
/// big policy costs each query only what applies to it.
pub(super) fn vocabulary(covering: &CoveringStatements) -> Vocabulary {
    let mut v = Vocabulary::default();
    for s in covering.allows.iter().chain(&covering.denies) {
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
    let account = Arn::parse(arn)?.account;
    (account.contains(['*', '?']) && account != "*").then(|| account.to_string())
}

/// A concrete principal ARN of `account` matching the ARN (pattern) `pattern`, when one exists:
/// wildcards outside the account field become `x`, the account field becomes `account`.
/// `arn:aws:iam::*:role/deployer` for `444455556666` → `arn:aws:iam::444455556666:role/deployer`.
pub(super) fn principal_arn_instance(pattern: &str, account: &str) -> Option<String> {
    let fields = Arn::parse(pattern)?;
    if !glob::glob(fields.account, account, false) {
        return None;
    }
    let fill = |s: &str| s.replace(['*', '?'], "x");
    let arn = Arn {
        partition: &fill(fields.partition),
        service: &fill(fields.service),
        region: &fill(fields.region),
        account,
        resource: &fill(fields.resource),
    }
    .to_string();
    glob::glob(pattern, &arn, false).then_some(arn)
}

/// A 12-digit account id that the policy never mentions and that is not the owner.
pub(super) fn fresh_account(v: &Vocabulary, owner: &str, skip: usize) -> String {
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
pub(super) fn first_uncovered(like: IpAddr, cidrs: &BTreeSet<String>) -> Option<IpAddr> {
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
pub(super) struct Membership {
    pub(super) org_id: String,
    /// `aws:PrincipalOrgPaths` of the principal: one path (an account sits in one OU).
    pub(super) paths: Vec<String>,
    /// What a reach through this membership is called: the organization id, or the path pattern
    /// when the policy names a path of no particular organization; `None` for an organization
    /// nobody names (it stands for any organization).
    pub(super) label: Option<String>,
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
pub(super) fn memberships(v: &Vocabulary) -> (Vec<Membership>, bool) {
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
pub(super) fn sources(
    v: &Vocabulary,
    network: Network,
    ctx: &ReachContext,
) -> (Vec<NetworkSource>, bool) {
    let mut out = Vec::new();
    let mut capped = false;
    match network {
        // A public API is called over the internet, never through an execute-api VPC endpoint
        // (an endpoint serves only private APIs), so its requests carry no aws:SourceVpce or
        // aws:SourceVpc: only addresses are probed.
        Network::Public => {
            for ip in fresh_ips(v) {
                out.push(NetworkSource {
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
                    out.push(NetworkSource {
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
            let through = |vpce: &str, vpc: &str, owner: SourceOwner| NetworkSource {
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
