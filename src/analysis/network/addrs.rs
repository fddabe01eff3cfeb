//! Sets of IP addresses (IPv4 and IPv6, as sorted disjoint ranges) and CIDR helpers: peering
//! verdicts are computed on them.

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A set of IP addresses: sorted, disjoint, inclusive ranges per address family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct AddrSet {
    v4: Vec<(u128, u128)>,
    v6: Vec<(u128, u128)>,
}

impl AddrSet {
    pub(super) fn all() -> AddrSet {
        AddrSet {
            v4: vec![(0, u32::MAX as u128)],
            v6: vec![(0, u128::MAX)],
        }
    }

    /// The addresses of a CIDR (or of a single address); `None` when it does not parse.
    pub(super) fn of_cidr(cidr: &str) -> Option<AddrSet> {
        let net: IpNet = match cidr.parse() {
            Ok(n) => n,
            Err(_) => IpNet::from(cidr.parse::<IpAddr>().ok()?),
        };
        let mut s = AddrSet::default();
        match net {
            IpNet::V4(n) => s.v4.push((
                u32::from(n.network()) as u128,
                u32::from(n.broadcast()) as u128,
            )),
            IpNet::V6(n) => {
                s.v6.push((u128::from(n.network()), u128::from(n.broadcast())))
            }
        }
        Some(s)
    }

    pub(super) fn of_cidrs<'a>(cidrs: impl IntoIterator<Item = &'a String>) -> AddrSet {
        cidrs
            .into_iter()
            .filter_map(|c| AddrSet::of_cidr(c))
            .fold(AddrSet::default(), |acc, s| acc.union(&s))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub(super) fn union(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: normalize(self.v4.iter().chain(&o.v4).copied().collect()),
            v6: normalize(self.v6.iter().chain(&o.v6).copied().collect()),
        }
    }

    pub(super) fn intersect(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: intersect(&self.v4, &o.v4),
            v6: intersect(&self.v6, &o.v6),
        }
    }

    pub(super) fn subtract(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: subtract(&self.v4, &o.v4),
            v6: subtract(&self.v6, &o.v6),
        }
    }

    /// The fewest CIDRs covering exactly this set.
    pub(super) fn cidrs(&self) -> Vec<String> {
        let mut out = Vec::new();
        for &(a, b) in &self.v4 {
            let subnets = Ipv4Subnets::new(Ipv4Addr::from(a as u32), Ipv4Addr::from(b as u32), 0);
            out.extend(subnets.map(|n: Ipv4Net| n.to_string()));
        }
        for &(a, b) in &self.v6 {
            let subnets = Ipv6Subnets::new(Ipv6Addr::from(a), Ipv6Addr::from(b), 0);
            out.extend(subnets.map(|n: Ipv6Net| n.to_string()));
        }
        out
    }
}

fn normalize(mut v: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    v.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn intersect(x: &[(u128, u128)], y: &[(u128, u128)]) -> Vec<(u128, u128)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < x.len() && j < y.len() {
        let (a, b) = (x[i].0.max(y[j].0), x[i].1.min(y[j].1));
        if a <= b {
            out.push((a, b));
        }
        if x[i].1 < y[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn subtract(x: &[(u128, u128)], y: &[(u128, u128)]) -> Vec<(u128, u128)> {
    let mut out = Vec::new();
    for &(mut a, b) in x {
        let mut open = true;
        for &(c, d) in y {
            if c > b || d < a {
                continue;
            }
            if c > a {
                out.push((a, c - 1));
            }
            if d >= b {
                open = false;
                break;
            }
            a = d + 1;
        }
        if open {
            out.push((a, b));
        }
    }
    out
}

pub(super) fn prefix_len(cidr: &str) -> u8 {
    cidr.parse::<IpNet>()
        .map(|n| n.prefix_len())
        .unwrap_or(if cidr.contains(':') { 128 } else { 32 })
}

pub(super) fn is_any_address(cidr: &str) -> bool {
    matches!(cidr, "0.0.0.0/0" | "::/0")
}

/// Whether a CIDR lies wholly in private or reserved space (not reachable from the internet).
pub(super) fn is_private_range(cidr: &str) -> bool {
    let Ok(net) = cidr.parse::<IpNet>() else {
        return false;
    };
    const PRIVATE: [&str; 7] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
    ];
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(&net))
}
