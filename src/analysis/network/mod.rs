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
use published::{add_cloud_map_routes, published_by_lb};
use region_index::RegionIndex;
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;
use transit::transit_findings;
use transit_routes::TransitEstate;

/// The network path findings of every account × region of the inventory.
/// `at`: the instant auth policies are evaluated at (the scan's start, or `--at`).
pub fn analyze(inv: &Inventory, at: Option<OffsetDateTime>) -> Vec<Finding> {
    let estate = Estate::new(inv, at);
    inv.targets.iter().flat_map(|t| estate.target(t)).collect()
}

/// What the network verdicts of one account × region need from the whole estate, built once:
/// the analysis then goes one target at a time (see [`crate::analysis::Analysis`]).
pub(crate) struct Estate<'a> {
    /// Security groups per VPC across the whole audited estate: a rule naming a group of the
    /// peer VPC admits the peer for certain when the peer account was audited too.
    groups_by_vpc: HashMap<&'a str, BTreeSet<String>>,
    transit: TransitEstate<'a>,
    /// Lattice services are judged only where Lattice was read (not in older snapshots).
    lattice: Option<LatticeEstate<'a>>,
}

impl<'a> Estate<'a> {
    pub(crate) fn new(inv: &'a Inventory, at: Option<OffsetDateTime>) -> Estate<'a> {
        let mut groups_by_vpc: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for t in &inv.targets {
            for g in &t.network.security_groups {
                groups_by_vpc
                    .entry(g.vpc_id.as_str())
                    .or_default()
                    .insert(g.id.clone());
            }
        }
        Estate {
            groups_by_vpc,
            transit: TransitEstate::new(inv),
            lattice: inv.scope.lattice.then(|| LatticeEstate::new(inv, at)),
        }
    }

    /// The network findings of `target`.
    pub(crate) fn target(&self, target: &Target) -> Vec<Finding> {
        analyze_target(
            target,
            &self.groups_by_vpc,
            &self.transit,
            self.lattice.as_ref(),
        )
    }
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
    let mut published = published_by_lb(target);
    add_cloud_map_routes(&region, target, &views, &mut published);
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
