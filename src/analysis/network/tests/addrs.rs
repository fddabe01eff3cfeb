//! Address sets against a naive model: the set of every address, in a universe small enough to
//! list (1,024 IPv4 and 1,024 IPv6 addresses, at the bottom or the top of each family's space,
//! where the range arithmetic meets its bounds).

use crate::analysis::network::addrs::AddrSet;
use ipnet::IpNet;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Host bits of the universe: 2^10 addresses per family.
const BITS: u32 = 10;

/// The first address of each family's universe.
#[derive(Clone, Copy, Debug)]
struct Universe {
    v4: u32,
    v6: u128,
}

/// An address of the universe: (IPv6, offset from the universe's first address).
type Addr = (bool, u32);

impl Universe {
    fn addr(&self, (v6, offset): Addr) -> IpAddr {
        if v6 {
            IpAddr::V6(Ipv6Addr::from(self.v6 + offset as u128))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.v4 + offset))
        }
    }

    /// The CIDR of the block of `2^host_bits` addresses at `offset` (aligned down); a single
    /// address is sometimes written bare, as a rule may give it.
    fn cidr(&self, v6: bool, host_bits: u32, offset: u32, bare: bool) -> String {
        let start = offset >> host_bits << host_bits;
        let ip = self.addr((v6, start));
        let len = if v6 { 128 } else { 32 } - host_bits;
        if host_bits == 0 && bare {
            ip.to_string()
        } else {
            format!("{ip}/{len}")
        }
    }

    /// The addresses of a CIDR of the universe.
    fn expand(&self, cidr: &str) -> BTreeSet<Addr> {
        let net: IpNet = match cidr.parse() {
            Ok(net) => net,
            Err(_) => IpNet::from(cidr.parse::<IpAddr>().expect("a CIDR or an address")),
        };
        let size = 1u32 << (net.max_prefix_len() - net.prefix_len());
        let (v6, start) = match net.network() {
            IpAddr::V4(a) => (false, u32::from(a).checked_sub(self.v4)),
            IpAddr::V6(a) => (true, u128::from(a).checked_sub(self.v6).map(|o| o as u32)),
        };
        let start = start.expect("inside the universe");
        assert!(start + size <= 1 << BITS, "{cidr} leaves the universe");
        (start..start + size).map(|o| (v6, o)).collect()
    }

    /// Every address of the universe, in the model.
    fn everything(&self) -> BTreeSet<Addr> {
        [false, true]
            .into_iter()
            .flat_map(|v6| (0..1u32 << BITS).map(move |o| (v6, o)))
            .collect()
    }

    /// The whole universe, as a set.
    fn whole(&self) -> AddrSet {
        AddrSet::of_cidrs(&[
            self.cidr(false, BITS, 0, false),
            self.cidr(true, BITS, 0, false),
        ])
    }

    /// The model of a set: every address its CIDRs cover.
    fn model(&self, set: &AddrSet) -> BTreeSet<Addr> {
        set.cidrs().iter().flat_map(|c| self.expand(c)).collect()
    }

    /// The fewest CIDRs covering exactly `addrs`, found the slow way: from each first address
    /// not yet covered, the largest aligned block wholly inside the set.
    fn fewest_cidrs(&self, addrs: &BTreeSet<Addr>) -> Vec<String> {
        let mut out = Vec::new();
        for v6 in [false, true] {
            let mut offset = 0;
            while offset < 1 << BITS {
                if !addrs.contains(&(v6, offset)) {
                    offset += 1;
                    continue;
                }
                let host_bits = (0..=BITS)
                    .rev()
                    .find(|&b| {
                        offset % (1 << b) == 0
                            && (offset..offset + (1 << b)).all(|o| addrs.contains(&(v6, o)))
                    })
                    .expect("a single address is a block");
                out.push(self.cidr(v6, host_bits, offset, false));
                offset += 1 << host_bits;
            }
        }
        out
    }
}

/// The bottom or the top of each family's space.
fn universe() -> impl Strategy<Value = Universe> {
    prop_oneof![
        Just(Universe { v4: 0, v6: 0 }),
        Just(Universe {
            v4: u32::MAX - (1 << BITS) + 1,
            v6: u128::MAX - (1 << BITS) + 1,
        }),
    ]
}

/// A CIDR of the universe: (IPv6, host bits, offset, written bare when a /32 or /128).
type Cidr = (bool, u32, u32, bool);

/// Up to six CIDRs of the universe.
fn cidrs() -> impl Strategy<Value = Vec<Cidr>> {
    prop::collection::vec(
        (any::<bool>(), 0..=BITS, 0..1u32 << BITS, any::<bool>()),
        0..6,
    )
}

/// A universe and two lists of CIDRs in it.
fn two_sets() -> impl Strategy<Value = (Universe, Vec<Cidr>, Vec<Cidr>)> {
    (universe(), cidrs(), cidrs())
}

/// The set of the CIDRs `spec` describes, and its model.
fn build(u: &Universe, spec: &[Cidr]) -> (AddrSet, BTreeSet<Addr>) {
    let cidrs: Vec<String> = spec
        .iter()
        .map(|&(v6, bits, offset, bare)| u.cidr(v6, bits, offset, bare))
        .collect();
    let model = cidrs.iter().flat_map(|c| u.expand(c)).collect();
    (AddrSet::of_cidrs(&cidrs), model)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn set_operations_agree_with_the_set_of_every_address((u, a, b) in two_sets()) {
        let ((x, xm), (y, ym)) = (build(&u, &a), build(&u, &b));
        prop_assert_eq!(u.model(&x), xm.clone());
        prop_assert_eq!(x.is_empty(), xm.is_empty());
        prop_assert_eq!(u.model(&x.union(&y)), &xm | &ym);
        prop_assert_eq!(u.model(&x.intersect(&y)), &xm & &ym);
        prop_assert_eq!(u.model(&x.subtract(&y)), &xm - &ym);
        // The complement (every address but these), seen within the universe.
        let complement = AddrSet::all().subtract(&x).intersect(&u.whole());
        prop_assert_eq!(u.model(&complement), &u.everything() - &xm);
        prop_assert_eq!(x.intersect(&AddrSet::all()), x.clone());
    }

    #[test]
    fn cidrs_are_the_fewest_that_cover_the_set_and_read_back_as_it((u, a, b) in two_sets()) {
        // A set with holes: one list of blocks minus another.
        let ((x, xm), (y, ym)) = (build(&u, &a), build(&u, &b));
        let set = x.subtract(&y);
        let model = &xm - &ym;
        prop_assert_eq!(set.cidrs(), u.fewest_cidrs(&model));
        prop_assert_eq!(AddrSet::of_cidrs(&set.cidrs()), set);
    }
}
