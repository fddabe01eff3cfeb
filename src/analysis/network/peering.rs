//! VPC peering.

use super::addrs::AddrSet;
use super::backends::{
    backend_evidence, backend_words, bypass_sentence, methods_evidence, Backend,
};
use super::path_steps::{admissions, routes_for, through, Passage, Step, TrafficSource};
use super::region_index::RegionIndex;
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{TargetGroup, VpcPeering};
use crate::model::{EntryPoint, Finding, Reach};
use serde_json::json;
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

/// Does the peer reach `backend` across `pcx` (a peering of `local_vpc`)? First directly at
/// its targets (their subnets' route tables send the peer back through the peering and their
/// groups admit it on the target port), then through an internal member load balancer (its
/// subnets route the peer back, its groups, when it has any, admit the peer on a listener
/// port, and the targets admit whoever they see: the peer when client IPs are preserved, the
/// NLB's own addresses when not; an ALB proxies, its targets see the ALB). A fact that could
/// not be read (a host, its route table or groups, a member's targets) is an assumed step.
fn peer_path(
    region: &RegionIndex,
    backend: &Backend,
    local_vpc: &str,
    pcx: &str,
    peer: &AddrSet,
    source: &TrafficSource,
) -> Option<PeerPath> {
    let mut best: Option<PeerPath> = None;
    let mut consider = |path: PeerPath| {
        if best.as_ref().is_none_or(|b| b.assumed && !path.assumed) {
            best = Some(path);
        }
    };
    for (host, port) in &backend.host_ports {
        let Some(facts) = region.host(host) else {
            continue;
        };
        let routes = routes_for(
            region,
            &format!("target {host}"),
            facts.subnet,
            facts.vpc.as_deref(),
            local_vpc,
            pcx,
            peer,
        );
        let admitted = match (facts.groups, &facts.unknown) {
            (Some(groups), _) => admissions(region, groups, Some(*port), peer, source),
            (None, Some(why)) => vec![Step::fact(
                peer.clone(),
                format!("{why}, so its security groups are assumed to admit the peer"),
                true,
            )],
            (None, None) => vec![Step::fact(
                peer.clone(),
                "the target's security groups could not be read (its interface is unknown), so they are assumed to admit the peer",
                true,
            )],
        };
        if let Some(p) = through(&[&routes, &admitted]) {
            consider(PeerPath::of(format!("target {host}:{port}"), p, vec![]));
        }
    }
    // Members whose targets were not read: those targets may be anywhere in the member's VPC
    // and admit anyone.
    for member in &backend.members {
        let lb = member.lb;
        let Some(why) = region.targets_unread(lb) else {
            continue;
        };
        let routes = routes_for(
            region,
            &format!("the targets of load balancer {}", lb.name),
            None,
            Some(&lb.vpc_id),
            local_vpc,
            pcx,
            peer,
        );
        let admitted = vec![Step::fact(
            peer.clone(),
            format!("the targets of load balancer {} could not be read ({why}), so they are assumed to admit the peer", lb.name),
            true,
        )];
        if let Some(p) = through(&[&routes, &admitted]) {
            consider(PeerPath::of(
                format!("the unknown targets of load balancer {}", lb.name),
                p,
                vec![],
            ));
        }
    }
    for member in &backend.members {
        let lb = member.lb;
        if lb.scheme != "internal" {
            continue;
        }
        let mut routes = Vec::new();
        for s in &lb.subnet_ids {
            routes.extend(routes_for(
                region,
                &format!("load balancer {}", lb.name),
                Some(s),
                Some(&lb.vpc_id),
                local_vpc,
                pcx,
                peer,
            ));
        }
        if routes.is_empty() {
            continue;
        }
        let at_lb: Vec<Step> = if lb.security_group_ids.is_empty() {
            vec![Step::fact(
                AddrSet::all(),
                format!(
                    "load balancer {} has no security groups: it takes whatever is routed to it",
                    lb.name
                ),
                false,
            )]
        } else {
            let ports: Vec<Option<i32>> = if lb.listeners_read {
                lb.listeners.iter().map(|l| Some(l.port)).collect()
            } else {
                vec![None]
            };
            let mut steps = Vec::new();
            for port in ports {
                steps.extend(
                    admissions(region, &lb.security_group_ids, port, peer, source)
                        .into_iter()
                        .map(|mut s| {
                            s.assumed |= !lb.listeners_read;
                            s
                        }),
                );
            }
            steps
        };
        if lb.lb_type != "network" {
            // An ALB terminates the connection: its targets see the ALB, never the peer.
            if let Some(p) = through(&[&routes, &at_lb]) {
                consider(PeerPath::of(
                    format!("load balancer {}", lb.name),
                    p,
                    vec![],
                ));
            }
            continue;
        }
        if let Some(why) = region.targets_unread(lb) {
            let unknown = [Step::fact(
                AddrSet::all(),
                format!("the targets of load balancer {} could not be read ({why}), so they are assumed to admit whoever they see", lb.name),
                true,
            )];
            if let Some(p) = through(&[&routes, &at_lb, &unknown]) {
                consider(PeerPath::of(
                    format!("load balancer {} to its unknown targets", lb.name),
                    p,
                    vec![],
                ));
            }
        }
        // The NLB's own nodes (preservation off): any of its addresses or groups; when its
        // subnets and VPC could not be read, any address, assumed.
        let (lb_addrs, lb_addrs_known) = match region.lb_addresses(lb) {
            Some(a) => (a, true),
            None => (AddrSet::all(), false),
        };
        for tg in &lb.target_groups {
            let preservation = client_ip_preservation(tg);
            for t in &tg.targets {
                let Some((key, port)) = region.host_port_of(lb, tg, t) else {
                    continue;
                };
                let (host, groups, why): (String, Option<&[String]>, Option<String>) =
                    if tg.target_type == "alb" {
                        match region.lbs.get(t.id.as_str()) {
                            Some(alb) => (
                                format!("load balancer {}", alb.name),
                                Some(&alb.security_group_ids),
                                None,
                            ),
                            None => (t.id.clone(), None, None),
                        }
                    } else {
                        let facts = region.host(&key);
                        let groups = facts.as_ref().and_then(|f| f.groups);
                        let why = facts.and_then(|f| f.unknown);
                        (format!("target {key}:{port}"), groups, why)
                    };
                let unknown = || {
                    vec![Step::fact(
                        AddrSet::all(),
                        match &why {
                            Some(why) => format!("{why}, so its security groups are assumed to admit it"),
                            None => "the target's security groups could not be read, so they are assumed to admit it".to_string(),
                        },
                        true,
                    )]
                };
                // The peer itself (preservation on).
                let peer_steps = match groups {
                    Some(g) => admissions(region, g, Some(port), peer, source),
                    None => unknown(),
                };
                let nlb_source = TrafficSource::LoadBalancer {
                    groups: &lb.security_group_ids,
                };
                let admits_nlb = match groups {
                    Some(g) => admissions(region, g, Some(port), &lb_addrs, &nlb_source),
                    None => unknown(),
                };
                let nlb_steps: Vec<Step> = admits_nlb
                    .into_iter()
                    .map(|s| Step {
                        set: AddrSet::all(),
                        what: if lb_addrs_known {
                            format!("{} (the NLB's own address)", s.what)
                        } else {
                            format!("{} (taken for the NLB's own address: its subnets could not be read)", s.what)
                        },
                        assumed: s.assumed || !lb_addrs_known,
                        ..s
                    })
                    .collect();
                let (target_steps, note) = match preservation {
                    Preservation::On => (
                        peer_steps,
                        "client IP preservation is on: the target sees the peer's address",
                    ),
                    Preservation::Off => (
                        nlb_steps,
                        "client IP preservation is off: the target sees the NLB's own address",
                    ),
                    Preservation::Unknown => {
                        let either: Vec<Step> = peer_steps
                            .into_iter()
                            .chain(nlb_steps.into_iter().map(|mut s| {
                                s.assumed = true;
                                s
                            }))
                            .collect();
                        (either, "client IP preservation is unknown: the target is taken to admit the peer if it admits either the peer or the NLB")
                    }
                };
                if let Some(p) = through(&[&routes, &at_lb, &target_steps]) {
                    let mut path = PeerPath::of(
                        format!("load balancer {} to {host}", lb.name),
                        p,
                        vec![note.to_string()],
                    );
                    if preservation == Preservation::Unknown && tg.attributes_error.is_some() {
                        path.assumed = true;
                    }
                    consider(path);
                }
            }
        }
    }
    best
}

pub(super) fn peering_findings(
    region: &RegionIndex,
    p: &VpcPeering,
    backends: &[Backend],
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let target = region.target;
    let mut out = Vec::new();
    if p.status != "active" || p.requester.owner_id == p.accepter.owner_id {
        // Pending, rejected or deleted peerings carry no traffic; same-account peering is
        // never cross-account.
        return out;
    }
    let region_ok = |r: &Option<String>| r.as_deref().is_none_or(|r| r == target.region);
    let (local, peer) =
        if p.requester.owner_id == target.account_id && region_ok(&p.requester.region) {
            (&p.requester, &p.accepter)
        } else if p.accepter.owner_id == target.account_id && region_ok(&p.accepter.region) {
            (&p.accepter, &p.requester)
        } else {
            return out;
        };
    let no_groups = BTreeSet::new();
    let peer_groups = groups_by_vpc
        .get(peer.vpc_id.as_str())
        .unwrap_or(&no_groups);
    let source = TrafficSource::Peer {
        owner: &peer.owner_id,
        vpc: &peer.vpc_id,
        pcx: &p.id,
        groups: peer_groups,
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
    let reach = Reach::Accounts {
        accounts: vec![peer.owner_id.clone()],
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
    let peering_evidence = json!({
        "id": p.id, "status": p.status,
        "local": {"owner_id": local.owner_id, "vpc_id": local.vpc_id, "cidr_blocks": local.cidr_blocks},
        "peer": {"owner_id": peer.owner_id, "vpc_id": peer.vpc_id, "cidr_blocks": peer.cidr_blocks, "region": peer.region},
    });
    let mut exposed_any = false;
    for b in &local_backends {
        let Some(mut path) = peer_path(region, b, &local.vpc_id, &p.id, &peer_addrs, &source)
        else {
            continue;
        };
        if peer_unknown {
            let note = format!(
                "the CIDRs of the peer VPC {} are unknown, so it is assumed to hold every address",
                peer.vpc_id
            );
            path.assumed = true;
            path.notes.push(note.clone());
            path.assumptions.push(note);
        }
        exposed_any = true;
        let methods = &b.methods;
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
        let exposed = path.exposed.cidrs();
        let partial = if path.exposed == peer_addrs {
            String::new()
        } else {
            format!(
                " Only part of the peer gets through: {}.",
                exposed
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
        let message = format!(
            "VPC peering {} between {} ({} in {}) and {} ({} {}) is active and exposes {} to {}: {route_words} and {} (via {}{notes}).{partial} {}",
            p.id,
            local.vpc_id,
            local.cidr_blocks.join(","),
            target.account_id,
            peer.vpc_id,
            peer.owner_id,
            peer.cidr_blocks.join(","),
            backend_words(b),
            describe_reach(&reach),
            admission,
            path.via,
            bypass_sentence(region, methods),
        );
        let mut evidence = BTreeMap::new();
        evidence.insert("peering".into(), peering_evidence.clone());
        let mut path_evidence = json!({
            "via": path.via, "route_table": path.route_table, "route": path.route,
            "security_group": path.group, "ingress_rule": path.rule,
            "notes": path.notes, "peer_addresses_through": exposed,
        });
        if !path.assumptions.is_empty() {
            path_evidence["assumed"] = json!(path.assumptions);
        }
        evidence.insert("path".into(), path_evidence);
        evidence.insert("backend".into(), backend_evidence(b));
        evidence.insert("bypassed_methods".into(), methods_evidence(methods));
        out.push(
            FindingDraft {
                message,
                specific_fix: {
                    let rule = path
                        .group
                        .as_deref()
                        .map(|g| format!(" from {g}"))
                        .unwrap_or_default();
                    if path.route_table.is_empty() {
                        // The route was assumed (the tables could not be read): there is no
                        // route to name, only the tables to read.
                        format!(
                            "Read the route tables of {vpc} (aws ec2 describe-route-tables --filters Name=vpc-id,Values={vpc}) and remove any route to the peer through {pcx}, or remove the ingress rule admitting the peer{rule}, or delete peering {pcx}. {INSTEAD_OF_PEERING}",
                            vpc = local.vpc_id,
                            pcx = p.id
                        )
                    } else {
                        format!(
                            "Remove the route {} from {} or the ingress rule admitting the peer{rule}, or delete peering {}. {INSTEAD_OF_PEERING}",
                            path.route, path.route_table, p.id
                        )
                    }
                },
                low_confidence: path.assumed || methods.iter().any(|m| m.inferred),
                evidence,
                identity: vec![target.account_id.clone(), target.region.clone(), p.id.clone(), b.id.clone()],
                ..FindingDraft::network_path("peering-exposes-private-backend", target, resource_arn.clone(), EntryPoint::VpcPeering, reach.clone())
            }
            .build(),
        );
    }
    if !exposed_any && !local_backends.is_empty() {
        let names: Vec<String> = local_backends
            .iter()
            .flat_map(|b| b.members.iter().map(|m| m.lb.name.clone()))
            .collect();
        // Whatever could be assumed was (and found no path); facts that cannot be assumed
        // (load balancers or target groups missing from a failed listing, …) may still hide
        // one: then this is not a certain "nothing".
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
            p.id,
            local.vpc_id,
            target.account_id,
            peer.vpc_id,
            peer.owner_id,
            peer.cidr_blocks.join(","),
            names.join(", "),
            peer.owner_id,
        );
        let mut evidence = BTreeMap::new();
        evidence.insert("peering".into(), peering_evidence);
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
        out.push(
            FindingDraft {
                message,
                specific_fix: String::new(),
                low_confidence: !unread.is_empty(),
                evidence,
                identity: vec![
                    target.account_id.clone(),
                    target.region.clone(),
                    p.id.clone(),
                ],
                ..FindingDraft::network_path(
                    "peering-cross-account-no-path",
                    target,
                    resource_arn,
                    EntryPoint::VpcPeering,
                    reach,
                )
            }
            .build(),
        );
    }
    out
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
