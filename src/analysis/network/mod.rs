//! Network paths that bypass API Gateway: PrivateLink endpoint services, cross-account VPC
//! peering, transit gateways, internet-facing load balancers and VPC Lattice services, each
//! tied to the private backend it exposes.
//! What each verdict decides is specified in `docs/network-analysis.md`.

mod addrs;
mod backends;
mod lattice;
mod path_steps;
mod peer_paths;
mod peering;
mod privatelink;
mod public_lb;
mod published;
mod region_index;
mod transit;
mod transit_routes;

use crate::inventory::{Inventory, Target};
use crate::model::Finding;
use backends::{lb_views, merge_backends};
use lattice::{lattice_findings, LatticeEstate};
use peering::peering_findings;
use privatelink::endpoint_service_findings;
use public_lb::public_lb_findings;
use published::published_by_lb;
use region_index::RegionIndex;
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;
use transit::transit_findings;
use transit_routes::TransitEstate;

/// The network path findings of every account × region of the inventory.
/// `at`: the instant auth policies are evaluated at (the scan's start, or `--at`).
pub fn analyze(inv: &Inventory, at: Option<OffsetDateTime>) -> Vec<Finding> {
    // Security groups per VPC across the whole audited estate: a rule naming a group of the
    // peer VPC admits the peer for certain when the peer account was audited too.
    let mut groups_by_vpc: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for t in &inv.targets {
        for g in &t.network.security_groups {
            groups_by_vpc
                .entry(g.vpc_id.as_str())
                .or_default()
                .insert(g.id.clone());
        }
    }
    let transit = TransitEstate::new(inv);
    // Lattice services are judged only where Lattice was read (not in older snapshots).
    let lattice = inv.scope.lattice.then(|| LatticeEstate::new(inv, at));
    let mut out = Vec::new();
    for target in &inv.targets {
        out.extend(analyze_target(
            target,
            &groups_by_vpc,
            &transit,
            lattice.as_ref(),
        ));
    }
    out
}

/// The network findings of one account × region: which load balancers are private, the
/// backends they merge into, and each entry point's verdicts on them.
fn analyze_target(
    target: &Target,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
    transit: &TransitEstate,
    lattice: Option<&LatticeEstate>,
) -> Vec<Finding> {
    let region = RegionIndex::new(target);
    let views = lb_views(&region, target);
    let published = published_by_lb(target);
    let backends = merge_backends(&views, &published);

    let mut out = Vec::new();
    out.extend(endpoint_service_findings(&region, &backends, &published));
    for peering in &target.network.peerings {
        out.extend(peering_findings(&region, peering, &backends, groups_by_vpc));
    }
    out.extend(public_lb_findings(&region, &views, &backends));
    out.extend(transit_findings(&region, &backends, transit, groups_by_vpc));
    if let Some(estate) = lattice {
        out.extend(lattice_findings(&region, &backends, estate));
    }
    out
}

#[cfg(test)]
mod tests;
