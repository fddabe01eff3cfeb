//! The private backends a Lattice service reaches: its target groups' targets (instances,
//! IP addresses, ALBs) matched with the targets of the private load balancers, as every
//! network path is. Such a service bypasses the API Gateway methods that publish the backend.

use super::super::backends::Backend;
use super::super::region_index::{HostPort, RegionIndex};
use crate::inventory::{LatticeService, LatticeTargetGroup, LbTarget, TargetGroup};
use std::collections::BTreeSet;

/// What a service's target groups reach.
pub(super) struct Reached<'a> {
    /// The private backends some target of the service is part of.
    pub(super) backends: Vec<&'a Backend<'a>>,
    /// The service's target groups.
    pub(super) target_groups: Vec<&'a LatticeTargetGroup>,
    /// Target groups whose targets were not read (the backends above may not be all).
    pub(super) unread: Vec<&'a LatticeTargetGroup>,
}

pub(super) fn reached<'a>(
    region: &RegionIndex<'a>,
    backends: &'a [Backend<'a>],
    svc: &LatticeService,
) -> Reached<'a> {
    let lattice = &region.target.lattice;
    let target_groups: Vec<&LatticeTargetGroup> = lattice
        .target_groups
        .iter()
        .filter(|g| g.service_arns.contains(&svc.arn))
        .collect();
    let mut hosts: BTreeSet<HostPort> = BTreeSet::new();
    let mut albs: BTreeSet<&str> = BTreeSet::new();
    let mut unread = Vec::new();
    for g in &target_groups {
        if !g.targets_read && g.target_type != "LAMBDA" {
            unread.push(*g);
        }
        for t in &g.targets {
            let Some(port) = t.port.or(g.port) else {
                continue;
            };
            match g.target_type.as_str() {
                "INSTANCE" => {
                    hosts.insert((t.id.clone(), port));
                }
                "IP" => {
                    hosts.insert((ip_host(region, g, t), port));
                }
                "ALB" => {
                    albs.insert(t.id.as_str());
                    hosts.insert((t.id.clone(), port));
                    // An ALB target stands for the ALB and its own targets.
                    if let Some(alb) = region.lbs.get(t.id.as_str()) {
                        hosts.extend(region.host_ports(alb));
                    }
                }
                _ => {}
            }
        }
    }
    let backends = backends
        .iter()
        .filter(|b| {
            b.members.iter().any(|m| albs.contains(m.lb.arn.as_str()))
                || b.host_ports.iter().any(|hp| hosts.contains(hp))
        })
        .collect();
    Reached {
        backends,
        target_groups,
        unread,
    }
}

/// The host an IP target stands for, as the load balancers' IP targets are keyed.
fn ip_host(region: &RegionIndex, g: &LatticeTargetGroup, t: &LbTarget) -> String {
    let as_elb = TargetGroup {
        target_type: "ip".into(),
        ..Default::default()
    };
    region.host_key(g.vpc_id.as_deref().unwrap_or_default(), &as_elb, t)
}
