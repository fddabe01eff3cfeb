//! Steps of a network path: what one hop (a route, a security group rule, an assumed fact) lets
//! through, and the addresses that pass every hop.

use super::addrs::{prefix_len, AddrSet};
use super::region_index::RegionIndex;
use crate::inventory::{GroupRef, IngressRule, PrefixList, RouteTable};
use crate::operation::Operation;
use std::collections::BTreeSet;

pub(super) fn port_in(rule: &IngressRule, port: Option<i32>) -> bool {
    let proto_ok = matches!(rule.protocol.as_str(), "-1" | "tcp" | "6" | "all");
    if !proto_ok {
        return false;
    }
    match (port, rule.from_port, rule.to_port) {
        (_, None, _) | (_, _, None) => true,
        (None, _, _) => true,
        (Some(p), Some(from), Some(to)) => from <= p && p <= to,
    }
}

fn ports_words(rule: &IngressRule) -> String {
    match (rule.from_port, rule.to_port) {
        (Some(a), Some(b)) if a == b => format!("port {a}"),
        (Some(a), Some(b)) => format!("ports {a}-{b}"),
        _ => "all ports".to_string(),
    }
}

/// What one route, rule or fact lets through, of the addresses we follow.
#[derive(Clone, Debug)]
pub(super) struct Step {
    pub(super) set: AddrSet,
    /// Route (`10.1.0.0/16 -> pcx-1`) or admission (`tcp port 8080 from 10.1.0.0/16`).
    pub(super) what: String,
    /// Security group or route table the step belongs to.
    pub(super) place: Option<String>,
    /// True when the step was assumed (unknown owner, unreadable prefix list, …).
    pub(super) assumed: bool,
}

impl Step {
    pub(super) fn fact(set: AddrSet, what: impl Into<String>, assumed: bool) -> Step {
        Step {
            set,
            what: what.into(),
            place: None,
            assumed,
        }
    }
}

/// The addresses that pass every layer (one step of each), with one witness step per layer
/// (a certain one whenever some certain combination passes).
pub(super) struct Passage {
    pub(super) set: AddrSet,
    pub(super) witnesses: Vec<Step>,
    pub(super) assumed: bool,
}

pub(super) fn through(layers: &[&[Step]]) -> Option<Passage> {
    let union = |steps: &[Step], certain_only: bool| {
        steps
            .iter()
            .filter(|s| !certain_only || !s.assumed)
            .fold(AddrSet::default(), |acc, s| acc.union(&s.set))
    };
    let mut all = AddrSet::all();
    let mut certain = AddrSet::all();
    for layer in layers {
        all = all.intersect(&union(layer, false));
        certain = certain.intersect(&union(layer, true));
    }
    if all.is_empty() {
        return None;
    }
    let assumed = certain.is_empty();
    let goal = if assumed { &all } else { &certain };
    let witnesses = layers
        .iter()
        .map(|layer| {
            layer
                .iter()
                .filter(|s| !s.set.intersect(goal).is_empty())
                .min_by_key(|s| s.assumed)
                .cloned()
                .expect("a layer of a non-empty passage has a step")
        })
        .collect();
    Some(Passage {
        set: all,
        witnesses,
        assumed,
    })
}

/// Where the traffic a verdict follows comes from: which source groups of a rule admit it.
pub(super) enum TrafficSource<'s> {
    /// The peer of a peering, or the VPC of another attachment of a transit gateway: its
    /// account, VPC, the peering or attachment it comes through (`via`), and its groups known
    /// to the audit.
    Peer {
        owner: &'s str,
        vpc: &'s str,
        via: &'s str,
        groups: &'s BTreeSet<String>,
    },
    /// Networks the audit cannot see (behind another transit gateway, or on one whose
    /// attachments could not be read): a group that is not this account's may be theirs.
    Unknown,
    /// A load balancer's own nodes (client IP preservation off): its security groups.
    LoadBalancer { groups: &'s [String] },
}

impl TrafficSource<'_> {
    /// Whether a rule naming the source group `sg` (`pair`: what the rule says of its owner)
    /// admits this traffic: `Some(assumed)` when it does, `None` when it does not.
    fn admitted_by_group(
        &self,
        region: &RegionIndex,
        sg: &str,
        pair: Option<&GroupRef>,
    ) -> Option<bool> {
        match self {
            TrafficSource::LoadBalancer { groups } => {
                groups.iter().any(|g| g == sg).then_some(false)
            }
            TrafficSource::Unknown => (!region.groups.contains_key(sg)).then_some(true),
            TrafficSource::Peer {
                owner,
                vpc,
                via,
                groups,
            } => {
                let user = pair.and_then(|p| p.user_id.as_deref());
                let in_vpc = pair.and_then(|p| p.vpc_id.as_deref());
                let through = pair.and_then(|p| p.vpc_peering_connection_id.as_deref());
                let elsewhere =
                    in_vpc.is_some_and(|v| v != *vpc) || through.is_some_and(|x| x != *via);
                if groups.contains(sg) || in_vpc == Some(*vpc) || through == Some(*via) {
                    Some(false)
                } else if elsewhere || region.groups.contains_key(sg) {
                    // A group of this account's own VPCs, or of another VPC: not the peer's.
                    None
                } else if let Some(user) = user {
                    // A group of the peer account admits the peer; one of a third account (or
                    // of this one) does not.
                    (user == *owner).then_some(false)
                } else {
                    // Owner unknown: a group this account does not own can only be referenced
                    // across a peering; assume it is the peer's.
                    Some(true)
                }
            }
        }
    }
}

/// What the ingress rules of `groups` on `port` admit of `addrs` (the source's addresses).
pub(super) fn admissions(
    region: &RegionIndex,
    groups: &[String],
    port: Option<i32>,
    addrs: &AddrSet,
    source: &TrafficSource,
) -> Vec<Step> {
    let mut out = Vec::new();
    for gid in groups {
        let Some(g) = region.groups.get(gid.as_str()) else {
            // A group on the host itself is this account's: if it is unknown, it was not read
            // (the listing failed, or it changed between reads). Assumed to admit the source.
            let why = match region.failed_words(Operation::Ec2DescribeSecurityGroups, None) {
                Some(w) => format!("it could not be read ({w})"),
                None => "it is not among the security groups read".to_string(),
            };
            if !addrs.is_empty() {
                out.push(Step {
                    set: addrs.clone(),
                    what: format!("anyone, assumed: {why}"),
                    place: Some(gid.clone()),
                    assumed: true,
                });
            }
            continue;
        };
        for rule in g.ingress.iter().filter(|r| port_in(r, port)) {
            let ports = ports_words(rule);
            let mut push = |set: AddrSet, from: String, assumed: bool| {
                if !set.is_empty() {
                    out.push(Step {
                        set,
                        what: format!("{} {ports} from {from}", rule.protocol),
                        place: Some(gid.clone()),
                        assumed,
                    });
                }
            };
            for c in &rule.cidrs {
                if let Some(set) = AddrSet::of_cidr(c) {
                    push(set.intersect(addrs), c.clone(), false);
                }
            }
            for pl in &rule.prefix_list_ids {
                let words = region.prefix_list_words(pl);
                match region.prefix_lists.get(pl.as_str()) {
                    // CloudFront's edge addresses are public AWS ranges, never a VPC's.
                    Some(p) if p.is_cloudfront_origin_facing() => {}
                    Some(PrefixList {
                        cidrs: Some(cidrs), ..
                    }) => push(AddrSet::of_cidrs(cidrs).intersect(addrs), words, false),
                    _ => push(
                        addrs.clone(),
                        format!("{words}, whose entries could not be read (assumed to admit it)"),
                        true,
                    ),
                }
            }
            for sg in &rule.source_group_ids {
                let pair = rule.source_groups.iter().find(|p| &p.group_id == sg);
                let verdict = source.admitted_by_group(region, sg, pair);
                if let Some(assumed) = verdict {
                    let owner = pair
                        .and_then(|p| p.user_id.as_deref())
                        .map(|u| format!(" of account {u}"))
                        .unwrap_or_default();
                    push(
                        addrs.clone(),
                        format!("security group {sg}{owner}"),
                        assumed,
                    );
                }
            }
        }
    }
    out
}

/// The peer addresses that the route table of a host (in `subnet` of `vpc`, each when known)
/// sends back through `hop` (a peering or a transit gateway of `local_vpc`). Only a table of
/// that VPC can route to it. When the host's table is unknown (the route tables, its subnet or
/// the host itself could not be read), any table of the VPC may serve it: the peer addresses
/// some table of the VPC routes to the hop, assumed; with no table of the VPC read, the whole
/// peer, assumed.
pub(super) fn routes_for(
    region: &RegionIndex,
    host: &str,
    subnet: Option<&str>,
    vpc: Option<&str>,
    local_vpc: &str,
    hop: &str,
    peer: &AddrSet,
) -> Vec<Step> {
    let vpc = subnet.and_then(|s| region.vpc_of_subnet(s)).or(vpc);
    if vpc.is_some_and(|v| v != local_vpc) {
        return vec![];
    }
    if let Some(rt) = subnet.and_then(|s| region.route_table(Some(s), vpc.or(Some(local_vpc)))) {
        return routed(region, rt, hop, peer);
    }
    let place = subnet
        .map(|s| format!("subnet {s}"))
        .unwrap_or_else(|| host.to_string());
    if let Some(w) = region.failed_words(Operation::Ec2DescribeRouteTables, None) {
        return vec![Step::fact(
            peer.clone(),
            format!("the route tables could not be read ({w}), so the route table of {place} is assumed to send the peer back through {hop}"),
            true,
        )];
    }
    // Indexed: hosts of unknown subnet (their instances unread) are asked once per peering and
    // backend, so a scan of the region's tables each time would multiply them.
    let tables: Vec<&RouteTable> = region
        .tables_of_vpc
        .get(local_vpc)
        .cloned()
        .unwrap_or_default();
    if tables.is_empty() {
        return vec![Step::fact(
            peer.clone(),
            format!("no route table of {local_vpc} was read, so the route table of {place} is assumed to send the peer back through {hop}"),
            true,
        )];
    }
    tables
        .into_iter()
        .flat_map(|rt| routed(region, rt, hop, peer))
        .map(|mut s| {
            s.assumed = true;
            s.what = format!(
                "{} (assumed to serve {place}, whose route table is unknown)",
                s.what
            );
            s
        })
        .collect()
}

/// One destination of a route, as longest prefix match weighs it.
pub(super) struct Dest {
    pub(super) set: AddrSet,
    pub(super) len: u8,
    /// At equal length the lower rank wins: a CIDR over a prefix list entry in a VPC route
    /// table; static over prefix list over propagated in a transit gateway route table.
    pub(super) rank: u8,
    /// Whether the route goes where the path goes.
    pub(super) to_hop: bool,
    /// Which route of its table it is.
    pub(super) route: usize,
}

/// The addresses of `addrs` that each route to the hop carries, per route in route order:
/// longest prefix match, so a more specific route elsewhere (or an equally specific one of
/// lower rank) takes addresses away. Routes that carry nothing are left out.
pub(super) fn carried(dests: &[Dest], addrs: &AddrSet) -> Vec<(usize, AddrSet)> {
    let mut out: Vec<(usize, AddrSet)> = Vec::new();
    for d in dests.iter().filter(|d| d.to_hop) {
        let mut set = d.set.intersect(addrs);
        for other in dests.iter().filter(|o| !o.to_hop) {
            if other.len > d.len || (other.len == d.len && other.rank < d.rank) {
                set = set.subtract(&other.set);
            }
        }
        if set.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(j, _)| *j == d.route) {
            Some((_, s)) => *s = s.union(&set),
            None => out.push((d.route, set)),
        }
    }
    out
}

/// The peer addresses whose traffic the route table sends through `hop` (a peering or a
/// transit gateway), one step per route: longest prefix match, so a more specific route to
/// anything else takes addresses away (at equal length, a CIDR route wins over a prefix-list
/// entry). A route whose prefix list could not be read is assumed to carry the whole peer.
fn routed(region: &RegionIndex, rt: &RouteTable, hop: &str, peer: &AddrSet) -> Vec<Step> {
    let mut dests: Vec<Dest> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (i, r) in rt.routes.iter().enumerate() {
        let to_hop = r.vpc_peering_connection_id.as_deref() == Some(hop)
            || r.target_id.as_deref() == Some(hop);
        match &r.destination_prefix_list_id {
            Some(pl) => match region
                .prefix_lists
                .get(pl.as_str())
                .and_then(|p| p.cidrs.as_ref())
            {
                Some(cidrs) => {
                    for c in cidrs {
                        if let Some(set) = AddrSet::of_cidr(c) {
                            dests.push(Dest {
                                set,
                                len: prefix_len(c),
                                rank: 1,
                                to_hop,
                                route: i,
                            });
                        }
                    }
                }
                // Unreadable: to the hop it may carry anything; elsewhere it is ignored
                // (taking addresses away could only narrow).
                None if to_hop => unknown.push(i),
                None => {}
            },
            None => {
                if let Some(set) = AddrSet::of_cidr(&r.destination_cidr) {
                    dests.push(Dest {
                        set,
                        len: prefix_len(&r.destination_cidr),
                        rank: 0,
                        to_hop,
                        route: i,
                    });
                }
            }
        }
    }
    let words = |i: usize| {
        let r = &rt.routes[i];
        let dest = match &r.destination_prefix_list_id {
            Some(pl) => region.prefix_list_words(pl),
            None => r.destination_cidr.clone(),
        };
        format!("{dest} -> {hop}")
    };
    let mut out: Vec<Step> = carried(&dests, peer)
        .into_iter()
        .map(|(i, set)| Step {
            set,
            what: words(i),
            place: Some(rt.id.clone()),
            assumed: false,
        })
        .collect();
    for i in unknown {
        out.push(Step {
            set: peer.clone(),
            what: format!(
                "{} (entries could not be read: assumed to carry the peer)",
                words(i)
            ),
            place: Some(rt.id.clone()),
            assumed: true,
        });
    }
    out
}
