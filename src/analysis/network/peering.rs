//! VPC peering.

use super::addrs::AddrSet;
use super::backends::{
    backend_evidence, backend_words, bypass_sentence, methods_evidence, Backend,
};
use super::path_steps::{admissions, routes_for, through, Passage, Step, TrafficSource};
use super::region_index::RegionIndex;
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{LbTarget, LoadBalancer, PeeringSide, Target, TargetGroup, VpcPeering};
use crate::model::{EntryPoint, Finding, Reach};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How a peer reaches a backend across a peering, as evidence.
struct PeerPath {
    via: String,
    route_table: String,
    route: String,
    group: Option<String>,
    rule: Option<String>,
    /// Further facts of the path (client IP preservation, the load balancer's groups, …).
    notes: Vec<String>,
    /// The peer addresses that get through.
    exposed: AddrSet,
    assumed: bool,
    /// The steps of the path that were assumed (facts that could not be read), in words.
    assumptions: Vec<String>,
}

impl PeerPath {
    /// From a passage whose first layer is the route and whose last is the admission at the
    /// host; middle layers become notes.
    fn of(via: String, p: Passage, extra_notes: Vec<String>) -> PeerPath {
        let route = &p.witnesses[0];
        let last = p.witnesses.last().expect("at least the route");
        let admission = (p.witnesses.len() > 1).then_some(last);
        let mut notes: Vec<String> = p.witnesses[1..p.witnesses.len().saturating_sub(1)]
            .iter()
            .map(step_words)
            .collect();
        notes.extend(extra_notes);
        // The first layer is the route (its place a route table), the others admissions.
        let assumptions = p
            .witnesses
            .iter()
            .enumerate()
            .filter(|(_, w)| w.assumed)
            .map(|(i, w)| match (i, &w.place) {
                (0, Some(rt)) => format!("route table {rt} routes {}", w.what),
                _ => step_words(w),
            })
            .collect();
        PeerPath {
            via,
            route_table: route.place.clone().unwrap_or_default(),
            route: route.what.clone(),
            group: admission.and_then(|a| a.place.clone()),
            rule: admission.map(|a| a.what.clone()),
            notes,
            exposed: p.set,
            assumed: p.assumed,
            assumptions,
        }
    }

    /// Marks the path as resting on an assumption, named in its notes and assumed steps.
    fn assume(&mut self, note: String) {
        self.assumed = true;
        self.notes.push(note.clone());
        self.assumptions.push(note);
    }
}

fn step_words(s: &Step) -> String {
    match &s.place {
        Some(g) => format!("security group {g} admits {}", s.what),
        None => s.what.clone(),
    }
}

/// Whether the targets of an NLB target group see the client's address.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Preservation {
    On,
    Off,
    Unknown,
}

fn client_ip_preservation(tg: &TargetGroup) -> Preservation {
    if tg.attributes_error.is_some() {
        return Preservation::Unknown;
    }
    if let Some(v) = tg.preserve_client_ip {
        if tg.preservation_configurable() {
            return if v {
                Preservation::On
            } else {
                Preservation::Off
            };
        }
    }
    let proto = tg.protocol.as_deref().map(str::to_ascii_uppercase);
    match (tg.target_type.as_str(), proto.as_deref()) {
        // Always on for UDP-like protocols, whatever the attribute says.
        (_, Some("UDP" | "TCP_UDP" | "QUIC" | "TCP_QUIC")) => Preservation::On,
        ("instance", _) => Preservation::On,
        ("ip", Some("TCP" | "TLS")) => Preservation::Off,
        _ => Preservation::Unknown,
    }
}

/// One peering as the path search walks it from the peer's side: the local VPC whose backends
/// it may reach, the peering, the peer's addresses, and who the peer is to a security group.
struct PeeringWalk<'a> {
    region: &'a RegionIndex<'a>,
    local_vpc: &'a str,
    pcx: &'a str,
    peer: &'a AddrSet,
    source: &'a TrafficSource<'a>,
}

impl<'a> PeeringWalk<'a> {
    /// Does the peer reach `backend`? First directly at its targets, then at the targets of
    /// members whose targets were not read, then through each internal member load balancer.
    /// A fact that could not be read (a host, its route table or groups, a member's targets)
    /// is an assumed step. The path reported is the first certain one found, else the first.
    fn path_to(&self, backend: &Backend) -> Option<PeerPath> {
        let internal = backend
            .members
            .iter()
            .map(|m| m.lb)
            .filter(|lb| lb.scheme == "internal");
        let found = self
            .direct_paths(backend)
            .into_iter()
            .chain(self.unread_member_paths(backend))
            .chain(internal.flat_map(|lb| self.internal_lb_paths(lb)));
        let mut best: Option<PeerPath> = None;
        for path in found {
            if best.as_ref().is_none_or(|b| b.assumed && !path.assumed) {
                best = Some(path);
            }
        }
        best
    }

    /// The peer addresses the route table of `place` (in `subnet` of `vpc`, each when known)
    /// sends back through the peering.
    fn routes(&self, place: &str, subnet: Option<&str>, vpc: Option<&str>) -> Vec<Step> {
        routes_for(
            self.region,
            place,
            subnet,
            vpc,
            self.local_vpc,
            self.pcx,
            self.peer,
        )
    }

    /// Straight at the backend's targets: their subnets' route tables send the peer back
    /// through the peering and their groups admit it on the target port.
    fn direct_paths(&self, backend: &Backend) -> Vec<PeerPath> {
        let mut out = Vec::new();
        for (host, port) in &backend.host_ports {
            let Some(facts) = self.region.host(host) else {
                continue;
            };
            let routes = self.routes(
                &format!("target {host}"),
                facts.subnet,
                facts.vpc.as_deref(),
            );
            let admitted = match (facts.groups, &facts.unknown) {
                (Some(groups), _) => {
                    admissions(self.region, groups, Some(*port), self.peer, self.source)
                }
                (None, Some(why)) => vec![Step::fact(
                    self.peer.clone(),
                    format!("{why}, so its security groups are assumed to admit the peer"),
                    true,
                )],
                (None, None) => vec![Step::fact(
                    self.peer.clone(),
                    "the target's security groups could not be read (its interface is unknown), so they are assumed to admit the peer",
                    true,
                )],
            };
            if let Some(passage) = through(&[&routes, &admitted]) {
                out.push(PeerPath::of(
                    format!("target {host}:{port}"),
                    passage,
                    vec![],
                ));
            }
        }
        out
    }

    /// At the targets of members whose targets were not read: they may be anywhere in the
    /// member's VPC and admit anyone.
    fn unread_member_paths(&self, backend: &Backend) -> Vec<PeerPath> {
        let mut out = Vec::new();
        for member in &backend.members {
            let lb = member.lb;
            let Some(why) = self.region.targets_unread(lb) else {
                continue;
            };
            let routes = self.routes(
                &format!("the targets of load balancer {}", lb.name),
                None,
                Some(&lb.vpc_id),
            );
            let admitted = vec![Step::fact(
                self.peer.clone(),
                format!("the targets of load balancer {} could not be read ({why}), so they are assumed to admit the peer", lb.name),
                true,
            )];
            if let Some(passage) = through(&[&routes, &admitted]) {
                out.push(PeerPath::of(
                    format!("the unknown targets of load balancer {}", lb.name),
                    passage,
                    vec![],
                ));
            }
        }
        out
    }

    /// Through an internal member load balancer: its subnets route the peer back, its groups
    /// (when it has any) admit the peer on a listener port, and its targets admit whoever they
    /// see.
    fn internal_lb_paths(&self, lb: &LoadBalancer) -> Vec<PeerPath> {
        let mut routes = Vec::new();
        for s in &lb.subnet_ids {
            routes.extend(self.routes(
                &format!("load balancer {}", lb.name),
                Some(s),
                Some(&lb.vpc_id),
            ));
        }
        if routes.is_empty() {
            return vec![];
        }
        let at_lb = self.admitted_at_lb(lb);
        if lb.lb_type != "network" {
            // An ALB terminates the connection: its targets see the ALB, never the peer.
            return through(&[&routes, &at_lb])
                .map(|passage| PeerPath::of(format!("load balancer {}", lb.name), passage, vec![]))
                .into_iter()
                .collect();
        }
        let mut out = Vec::new();
        if let Some(why) = self.region.targets_unread(lb) {
            let unknown = [Step::fact(
                AddrSet::all(),
                format!("the targets of load balancer {} could not be read ({why}), so they are assumed to admit whoever they see", lb.name),
                true,
            )];
            if let Some(passage) = through(&[&routes, &at_lb, &unknown]) {
                out.push(PeerPath::of(
                    format!("load balancer {} to its unknown targets", lb.name),
                    passage,
                    vec![],
                ));
            }
        }
        out.extend(self.nlb_target_paths(lb, &routes, &at_lb));
        out
    }

    /// What the load balancer's groups admit of the peer on its listener ports (on any port,
    /// assumed, when the listeners were not read); with no group, whatever is routed to it.
    fn admitted_at_lb(&self, lb: &LoadBalancer) -> Vec<Step> {
        if lb.security_group_ids.is_empty() {
            return vec![Step::fact(
                AddrSet::all(),
                format!(
                    "load balancer {} has no security groups: it takes whatever is routed to it",
                    lb.name
                ),
                false,
            )];
        }
        let ports: Vec<Option<i32>> = if lb.listeners_read {
            lb.listeners.iter().map(|l| Some(l.port)).collect()
        } else {
            vec![None]
        };
        let mut steps = Vec::new();
        for port in ports {
            steps.extend(
                admissions(
                    self.region,
                    &lb.security_group_ids,
                    port,
                    self.peer,
                    self.source,
                )
                .into_iter()
                .map(|mut s| {
                    s.assumed |= !lb.listeners_read;
                    s
                }),
            );
        }
        steps
    }

    /// From an internal NLB (its routes and admission given) on to each of its targets, which
    /// admit whoever they see: the peer when client IPs are preserved, the NLB's own addresses
    /// when not.
    fn nlb_target_paths(
        &self,
        lb: &LoadBalancer,
        routes: &[Step],
        at_lb: &[Step],
    ) -> Vec<PeerPath> {
        let nodes = NlbNodes::of(self.region, lb);
        let mut out = Vec::new();
        for tg in &lb.target_groups {
            let preservation = client_ip_preservation(tg);
            for t in &tg.targets {
                let Some(target) = self.nlb_target(lb, tg, t) else {
                    continue;
                };
                let (target_steps, note) = self.admitted_at_target(&nodes, &target, preservation);
                if let Some(passage) = through(&[routes, at_lb, &target_steps]) {
                    let mut path = PeerPath::of(
                        format!("load balancer {} to {}", lb.name, target.words),
                        passage,
                        vec![note.to_string()],
                    );
                    if preservation == Preservation::Unknown && tg.attributes_error.is_some() {
                        path.assumed = true;
                    }
                    out.push(path);
                }
            }
        }
        out
    }

    /// A registered target of an NLB (`None` without a port), with its security groups.
    fn nlb_target(
        &self,
        lb: &LoadBalancer,
        tg: &TargetGroup,
        t: &LbTarget,
    ) -> Option<NlbTarget<'a>> {
        let (key, port) = self.region.host_port_of(lb, tg, t)?;
        if tg.target_type == "alb" {
            return Some(match self.region.lbs.get(t.id.as_str()).copied() {
                Some(alb) => NlbTarget {
                    words: format!("load balancer {}", alb.name),
                    port,
                    groups: Some(&alb.security_group_ids),
                    unknown: None,
                },
                None => NlbTarget {
                    words: t.id.clone(),
                    port,
                    groups: None,
                    unknown: None,
                },
            });
        }
        let facts = self.region.host(&key);
        Some(NlbTarget {
            words: format!("target {key}:{port}"),
            port,
            groups: facts.as_ref().and_then(|f| f.groups),
            unknown: facts.and_then(|f| f.unknown),
        })
    }

    /// What a target behind the NLB admits of what it sees, and the note saying whose address
    /// that is: the peer's (client IPs preserved), the NLB's own (not preserved), or either,
    /// assumed (unknown).
    fn admitted_at_target(
        &self,
        nodes: &NlbNodes,
        target: &NlbTarget,
        preservation: Preservation,
    ) -> (Vec<Step>, &'static str) {
        let unknown = || {
            vec![Step::fact(
                AddrSet::all(),
                match &target.unknown {
                    Some(why) => format!("{why}, so its security groups are assumed to admit it"),
                    None => "the target's security groups could not be read, so they are assumed to admit it".to_string(),
                },
                true,
            )]
        };
        // The peer itself (preservation on).
        let peer_steps = match target.groups {
            Some(g) => admissions(self.region, g, Some(target.port), self.peer, self.source),
            None => unknown(),
        };
        let admits_nodes = match target.groups {
            Some(g) => admissions(
                self.region,
                g,
                Some(target.port),
                &nodes.addrs,
                &nodes.source,
            ),
            None => unknown(),
        };
        let node_steps = nodes.passing_the_peer(admits_nodes);
        match preservation {
            Preservation::On => (
                peer_steps,
                "client IP preservation is on: the target sees the peer's address",
            ),
            Preservation::Off => (
                node_steps,
                "client IP preservation is off: the target sees the NLB's own address",
            ),
            Preservation::Unknown => {
                let either: Vec<Step> = peer_steps
                    .into_iter()
                    .chain(node_steps.into_iter().map(|mut s| {
                        s.assumed = true;
                        s
                    }))
                    .collect();
                (either, "client IP preservation is unknown: the target is taken to admit the peer if it admits either the peer or the NLB")
            }
        }
    }
}

/// A registered target of an NLB, as the path search sees it.
struct NlbTarget<'a> {
    /// `target <host>:<port>`, or the load balancer an ALB target is.
    words: String,
    port: i32,
    /// Its security groups; `None` when unknown.
    groups: Option<&'a [String]>,
    /// Why the target itself is unknown, if it is.
    unknown: Option<String>,
}

/// An NLB's own nodes, which its targets see when client IPs are not preserved.
struct NlbNodes<'a> {
    /// Their addresses: the NLB's subnets (else its VPC); any address when neither was read.
    addrs: AddrSet,
    addrs_known: bool,
    source: TrafficSource<'a>,
}

impl<'a> NlbNodes<'a> {
    fn of(region: &RegionIndex, lb: &'a LoadBalancer) -> NlbNodes<'a> {
        let (addrs, addrs_known) = match region.lb_addresses(lb) {
            Some(a) => (a, true),
            None => (AddrSet::all(), false),
        };
        NlbNodes {
            addrs,
            addrs_known,
            source: TrafficSource::LoadBalancer {
                groups: &lb.security_group_ids,
            },
        }
    }

    /// The steps admitting the nodes, as steps of the peer's path: whatever the NLB took, it
    /// passes on from its own address.
    fn passing_the_peer(&self, admitted: Vec<Step>) -> Vec<Step> {
        admitted
            .into_iter()
            .map(|s| Step {
                set: AddrSet::all(),
                what: if self.addrs_known {
                    format!("{} (the NLB's own address)", s.what)
                } else {
                    format!(
                        "{} (taken for the NLB's own address: its subnets could not be read)",
                        s.what
                    )
                },
                assumed: s.assumed || !self.addrs_known,
                ..s
            })
            .collect()
    }
}

/// One finding per local private backend a cross-account peering exposes; when it exposes none,
/// one informational finding that says so.
pub(super) fn peering_findings(
    region: &RegionIndex,
    peering: &VpcPeering,
    backends: &[Backend],
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let Some(crossing) = Crossing::of(region.target, peering) else {
        return vec![];
    };
    let (local, peer) = (crossing.local, crossing.peer);
    let no_groups = BTreeSet::new();
    let source = TrafficSource::Peer {
        owner: &peer.owner_id,
        vpc: &peer.vpc_id,
        pcx: &peering.id,
        groups: groups_by_vpc
            .get(peer.vpc_id.as_str())
            .unwrap_or(&no_groups),
    };
    let walk = PeeringWalk {
        region,
        local_vpc: &local.vpc_id,
        pcx: &peering.id,
        peer: &crossing.peer_addrs,
        source: &source,
    };
    let local_backends: Vec<&Backend> = backends
        .iter()
        .filter(|b| {
            b.members.iter().any(|m| m.lb.vpc_id == local.vpc_id)
                || b.host_ports.iter().any(|(h, _)| {
                    region.host(h).and_then(|f| f.vpc).as_deref() == Some(local.vpc_id.as_str())
                })
        })
        .collect();
    let mut out = Vec::new();
    for b in &local_backends {
        let Some(mut path) = walk.path_to(b) else {
            continue;
        };
        if crossing.peer_unknown {
            path.assume(format!(
                "the CIDRs of the peer VPC {} are unknown, so it is assumed to hold every address",
                peer.vpc_id
            ));
        }
        out.push(exposure_finding(region, &crossing, b, &path));
    }
    if out.is_empty() && !local_backends.is_empty() {
        out.push(no_path_finding(region, &crossing, &local_backends));
    }
    out
}

/// A cross-account peering of this account × region, from its local side, and what every
/// finding on it says of it.
struct Crossing<'a> {
    peering: &'a VpcPeering,
    local: &'a PeeringSide,
    peer: &'a PeeringSide,
    /// The peer's addresses: every address when its CIDRs are unknown.
    peer_addrs: AddrSet,
    peer_unknown: bool,
    resource_arn: String,
    reach: Reach,
    evidence: Value,
}

impl<'a> Crossing<'a> {
    /// `None` for a peering that is not active and cross-account with a side in this account
    /// × region.
    fn of(target: &Target, p: &'a VpcPeering) -> Option<Crossing<'a>> {
        if p.status != "active" || p.requester.owner_id == p.accepter.owner_id {
            // Pending, rejected or deleted peerings carry no traffic; same-account peering is
            // never cross-account.
            return None;
        }
        let region_ok = |r: &Option<String>| r.as_deref().is_none_or(|r| r == target.region);
        let (local, peer) =
            if p.requester.owner_id == target.account_id && region_ok(&p.requester.region) {
                (&p.requester, &p.accepter)
            } else if p.accepter.owner_id == target.account_id && region_ok(&p.accepter.region) {
                (&p.accepter, &p.requester)
            } else {
                return None;
            };
        // The peer's CIDRs are always given for an active peering; if not, every address.
        let peer_addrs = AddrSet::of_cidrs(&peer.cidr_blocks);
        let peer_unknown = peer_addrs.is_empty();
        let peer_addrs = if peer_unknown {
            AddrSet::all()
        } else {
            peer_addrs
        };
        let resource_arn = format!(
            "arn:{}:ec2:{}:{}:vpc-peering-connection/{}",
            crate::model::partition_of(&target.region),
            target.region,
            target.account_id,
            p.id
        );
        let evidence = json!({
            "id": p.id, "status": p.status,
            "local": {"owner_id": local.owner_id, "vpc_id": local.vpc_id, "cidr_blocks": local.cidr_blocks},
            "peer": {"owner_id": peer.owner_id, "vpc_id": peer.vpc_id, "cidr_blocks": peer.cidr_blocks, "region": peer.region},
        });
        Some(Crossing {
            peering: p,
            local,
            peer,
            peer_addrs,
            peer_unknown,
            resource_arn,
            reach: Reach::Accounts {
                accounts: vec![peer.owner_id.clone()],
            },
            evidence,
        })
    }
}

/// The finding of a backend the peer reaches along `path`.
fn exposure_finding(
    region: &RegionIndex,
    crossing: &Crossing,
    backend: &Backend,
    path: &PeerPath,
) -> Finding {
    let target = region.target;
    let mut evidence = BTreeMap::new();
    evidence.insert("peering".into(), crossing.evidence.clone());
    evidence.insert("path".into(), path_evidence(path));
    evidence.insert("backend".into(), backend_evidence(backend));
    evidence.insert(
        "bypassed_methods".into(),
        methods_evidence(&backend.methods),
    );
    FindingDraft {
        message: exposure_message(region, crossing, backend, path),
        specific_fix: exposure_fix(crossing, path),
        low_confidence: path.assumed || backend.methods.iter().any(|m| m.inferred),
        evidence,
        identity: vec![
            target.account_id.clone(),
            target.region.clone(),
            crossing.peering.id.clone(),
            backend.id.clone(),
        ],
        ..FindingDraft::network_path(
            "peering-exposes-private-backend",
            target,
            crossing.resource_arn.clone(),
            EntryPoint::VpcPeering,
            crossing.reach.clone(),
        )
    }
    .build()
}

fn exposure_message(
    region: &RegionIndex,
    crossing: &Crossing,
    backend: &Backend,
    path: &PeerPath,
) -> String {
    let (local, peer) = (crossing.local, crossing.peer);
    let admission = match (&path.group, &path.rule) {
        (Some(g), Some(r)) => format!("security group {g} admits {r}"),
        (None, Some(r)) => r.clone(),
        _ => "nothing stops the peer".into(),
    };
    let notes = if path.notes.is_empty() {
        String::new()
    } else {
        format!("; {}", path.notes.join("; "))
    };
    let partial = if path.exposed == crossing.peer_addrs {
        String::new()
    } else {
        format!(
            " Only part of the peer gets through: {}.",
            path.exposed
                .cidrs()
                .iter()
                .take(8)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let route_words = if path.route_table.is_empty() {
        path.route.clone()
    } else {
        format!("route table {} routes {}", path.route_table, path.route)
    };
    format!(
        "VPC peering {} between {} ({} in {}) and {} ({} {}) is active and exposes {} to {}: {route_words} and {} (via {}{notes}).{partial} {}",
        crossing.peering.id,
        local.vpc_id,
        local.cidr_blocks.join(","),
        region.target.account_id,
        peer.vpc_id,
        peer.owner_id,
        peer.cidr_blocks.join(","),
        backend_words(backend),
        describe_reach(&crossing.reach),
        admission,
        path.via,
        bypass_sentence(region, &backend.methods),
    )
}

fn path_evidence(path: &PeerPath) -> Value {
    let mut evidence = json!({
        "via": path.via, "route_table": path.route_table, "route": path.route,
        "security_group": path.group, "ingress_rule": path.rule,
        "notes": path.notes, "peer_addresses_through": path.exposed.cidrs(),
    });
    if !path.assumptions.is_empty() {
        evidence["assumed"] = json!(path.assumptions);
    }
    evidence
}

/// Remove the route or the rule, or the peering; when the route was assumed (the tables could
/// not be read), there is no route to name, only the tables to read.
fn exposure_fix(crossing: &Crossing, path: &PeerPath) -> String {
    let pcx = &crossing.peering.id;
    let rule = path
        .group
        .as_deref()
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    if path.route_table.is_empty() {
        format!(
            "Read the route tables of {vpc} (aws ec2 describe-route-tables --filters Name=vpc-id,Values={vpc}) and remove any route to the peer through {pcx}, or remove the ingress rule admitting the peer{rule}, or delete peering {pcx}. {INSTEAD_OF_PEERING}",
            vpc = crossing.local.vpc_id,
        )
    } else {
        format!(
            "Remove the route {} from {} or the ingress rule admitting the peer{rule}, or delete peering {pcx}. {INSTEAD_OF_PEERING}",
            path.route, path.route_table
        )
    }
}

/// The informational finding of a peering that reaches none of the local backends. Whatever
/// could be assumed was (and found no path); facts that cannot be assumed (load balancers or
/// target groups missing from a failed listing, …) may still hide one: then this is not a
/// certain "nothing".
fn no_path_finding(
    region: &RegionIndex,
    crossing: &Crossing,
    local_backends: &[&Backend],
) -> Finding {
    let target = region.target;
    let (local, peer) = (crossing.local, crossing.peer);
    let names: Vec<String> = local_backends
        .iter()
        .flat_map(|b| b.members.iter().map(|m| m.lb.name.clone()))
        .collect();
    let unread = unread_network_reads(region);
    let today = if unread.is_empty() {
        "Nothing is exposed today".to_string()
    } else {
        format!(
            "No path was found, but this is not certain: {} could not be read (what they left unknown was assumed to let the peer through where it could be)",
            unread.join(", ")
        )
    };
    let message = format!(
        "VPC peering {} between {} ({}) and {} ({} {}) is active and cross-account, but no route table of the private backend(s) {} routes the peer through it with a security group admitting the peer on the backend's port. {today}; one route or rule would expose every method of the backend to {}.",
        crossing.peering.id,
        local.vpc_id,
        target.account_id,
        peer.vpc_id,
        peer.owner_id,
        peer.cidr_blocks.join(","),
        names.join(", "),
        peer.owner_id,
    );
    let mut evidence = BTreeMap::new();
    evidence.insert("peering".into(), crossing.evidence.clone());
    if !unread.is_empty() {
        evidence.insert("unread".into(), json!(unread));
    }
    evidence.insert(
        "backends_checked".into(),
        json!(local_backends
            .iter()
            .flat_map(|b| b.members.iter().map(|m| m.lb.arn.clone()))
            .collect::<Vec<_>>()),
    );
    FindingDraft {
        message,
        specific_fix: String::new(),
        low_confidence: !unread.is_empty(),
        evidence,
        identity: vec![
            target.account_id.clone(),
            target.region.clone(),
            crossing.peering.id.clone(),
        ],
        ..FindingDraft::network_path(
            "peering-cross-account-no-path",
            target,
            crossing.resource_arn.clone(),
            EntryPoint::VpcPeering,
            crossing.reach.clone(),
        )
    }
    .build()
}

/// The network reads of this account × region that failed, as `operation (code)`, once each
/// (endpoint service permissions aside: no peering verdict depends on them).
fn unread_network_reads(region: &RegionIndex) -> Vec<String> {
    let mut seen = BTreeSet::new();
    region
        .target
        .errors
        .iter()
        .filter(|e| {
            (e.operation.starts_with("ec2:") || e.operation.starts_with("elasticloadbalancing:"))
                && e.operation != "ec2:DescribeVpcEndpointServicePermissions"
        })
        .filter(|e| seen.insert(e.operation.as_str()))
        .map(|e| format!("{} ({})", e.operation, e.code))
        .collect()
}

/// The way out of a peering that exposes a private backend, whatever the route or rule.
const INSTEAD_OF_PEERING: &str =
    "Share the few methods the partner needs through API Gateway with IAM auth instead.";
