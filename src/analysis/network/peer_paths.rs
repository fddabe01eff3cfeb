//! How a peer reaches a backend across a peering: the path search.

use super::addrs::AddrSet;
use super::backends::Backend;
use super::path_steps::{admissions, routes_for, through, Passage, Step, TrafficSource};
use super::region_index::RegionIndex;
use crate::inventory::{LbTarget, LoadBalancer, TargetGroup};

/// How a peer reaches a backend across a peering, as evidence.
pub(super) struct PeerPath {
    pub(super) via: String,
    pub(super) route_table: String,
    pub(super) route: String,
    pub(super) group: Option<String>,
    pub(super) rule: Option<String>,
    /// Further facts of the path (client IP preservation, the load balancer's groups, …).
    pub(super) notes: Vec<String>,
    /// The peer addresses that get through.
    pub(super) exposed: AddrSet,
    pub(super) assumed: bool,
    /// The steps of the path that were assumed (facts that could not be read), in words.
    pub(super) assumptions: Vec<String>,
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

    /// The path along `layers` (the route first, the admission at the host last), when some
    /// address passes them all.
    fn along(via: String, layers: &[&[Step]], notes: Vec<String>) -> Option<PeerPath> {
        through(layers).map(|passage| PeerPath::of(via, passage, notes))
    }

    /// "security group sg-1 admits tcp port 8080 from … (via target i-1:8080; notes)", or
    /// what else let the traffic in (`nothing_stops` when nothing did).
    pub(super) fn admitted_via(&self, nothing_stops: &str) -> String {
        let admission = match (&self.group, &self.rule) {
            (Some(g), Some(r)) => format!("security group {g} admits {r}"),
            (None, Some(r)) => r.clone(),
            _ => nothing_stops.to_string(),
        };
        let notes = if self.notes.is_empty() {
            String::new()
        } else {
            format!("; {}", self.notes.join("; "))
        };
        format!("{admission} (via {}{notes})", self.via)
    }

    /// "route table rtb-1 routes 10.1.0.0/16 -> pcx-1", or the route assumed.
    pub(super) fn route_words(&self) -> String {
        if self.route_table.is_empty() {
            self.route.clone()
        } else {
            format!("route table {} routes {}", self.route_table, self.route)
        }
    }

    /// " Only part of {who} gets through: …." when the addresses through are not all of
    /// `whole`; nothing when they are.
    pub(super) fn partial_words(&self, whole: &AddrSet, who: &str) -> String {
        if self.exposed == *whole {
            return String::new();
        }
        format!(
            " Only part of {who} gets through: {}.",
            self.exposed
                .cidrs()
                .iter()
                .take(8)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// Marks the path as resting on an assumption, named in its notes and assumed steps.
    pub(super) fn assume(&mut self, note: String) {
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
    // An `alb`-type group (an Application Load Balancer registered as the NLB's target) always
    // preserves: "When the target group type is alb, you can't modify the target group
    // attributes. These attributes always use their default values" (ELB guide, "Use an
    // Application Load Balancer as a target of a Network Load Balancer", Considerations), and
    // the default of `preserve_client_ip.enabled` is disabled only for IP targets over TCP or
    // TLS, "Otherwise, the default is enabled" (ELB API reference, TargetGroupAttribute). The
    // ALB's security group therefore sees the peer's own address. The attribute is never read
    // for such a group (`preservation_configurable`), so no read can fail or contradict this.
    if tg.target_type == "alb" {
        return Preservation::On;
    }
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

/// One peering (or transit gateway) as the path search walks it from the peer's side: the
/// local VPC whose backends it may reach, the peering or transit gateway the replies go back
/// through (`hop`), the peer's addresses, and who the peer is to a security group.
pub(super) struct PeeringWalk<'a> {
    pub(super) region: &'a RegionIndex<'a>,
    pub(super) local_vpc: &'a str,
    pub(super) hop: &'a str,
    pub(super) peer: &'a AddrSet,
    pub(super) source: &'a TrafficSource<'a>,
}

impl<'a> PeeringWalk<'a> {
    /// Does the peer reach `backend`? First directly at its targets, then at the targets of
    /// members whose targets were not read, then through each internal member load balancer.
    /// A fact that could not be read (a host, its route table or groups, a member's targets)
    /// is an assumed step. The path reported is the first certain one found, else the first.
    pub(super) fn path_to(&self, backend: &Backend) -> Option<PeerPath> {
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

    /// One assumed step admitting the whole peer, for a fact that could not be read.
    fn assumed_to_admit_the_peer(&self, what: impl Into<String>) -> Vec<Step> {
        vec![Step::fact(self.peer.clone(), what, true)]
    }

    /// The peer addresses the route table of `place` (in `subnet` of `vpc`, each when known)
    /// sends back through the hop.
    fn routes(&self, place: &str, subnet: Option<&str>, vpc: Option<&str>) -> Vec<Step> {
        routes_for(
            self.region,
            place,
            subnet,
            vpc,
            self.local_vpc,
            self.hop,
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
                (None, Some(why)) => self.assumed_to_admit_the_peer(format!(
                    "{why}, so its security groups are assumed to admit the peer"
                )),
                (None, None) => self.assumed_to_admit_the_peer(
                    "the target's security groups could not be read (its interface is unknown), so they are assumed to admit the peer",
                ),
            };
            out.extend(PeerPath::along(
                format!("target {host}:{port}"),
                &[&routes, &admitted],
                vec![],
            ));
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
            let admitted = self.assumed_to_admit_the_peer(format!(
                "the targets of load balancer {} could not be read ({why}), so they are assumed to admit the peer",
                lb.name
            ));
            out.extend(PeerPath::along(
                format!("the unknown targets of load balancer {}", lb.name),
                &[&routes, &admitted],
                vec![],
            ));
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
            return PeerPath::along(
                format!("load balancer {}", lb.name),
                &[&routes, &at_lb],
                vec![],
            )
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
            out.extend(PeerPath::along(
                format!("load balancer {} to its unknown targets", lb.name),
                &[&routes, &at_lb, &unknown],
                vec![],
            ));
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
                if let Some(mut path) = PeerPath::along(
                    format!("load balancer {} to {}", lb.name, target.words),
                    &[routes, at_lb, &target_steps],
                    vec![note.to_string()],
                ) {
                    // Whatever made it unknown (a failed read, or a group whose protocol and
                    // attribute were not given), the path rests on a guess of whose address
                    // the target sees: it is assumed, even when the target admits the peer.
                    if preservation == Preservation::Unknown {
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
