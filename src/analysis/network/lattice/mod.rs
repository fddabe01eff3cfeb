//! VPC Lattice services: who can call each one, and how (README, "How it decides": VPC
//! Lattice; `docs/network-analysis.md`).
//!
//! A service is reachable from every VPC associated with a service network it is in, and from
//! any VPC of whoever the network is shared with (a share lets the grantee associate its own
//! VPCs at will), or the service itself (the grantee adds it to its own networks). Each
//! network and the service have an auth type: `NONE` lets every such client in with no
//! authentication; `AWS_IAM` needs the Allow of the auth policy (of both, when both use IAM),
//! judged by the same engine as execute-api resource policies, per verb and path. A service
//! whose target groups reach a private backend bypasses that backend's API Gateway methods.
//!
//! [`routes`] finds the ways in and their gates, [`verdict`] decides who gets through and the
//! rules that breaks, `bypass` ties a service to the private backends it reaches, and
//! [`prose`] writes the finding; `never_matches` notes the auth policies (a service's, a
//! network's once) that name principals IAM never matches.

mod bypass;
mod never_matches;
mod prose;
mod routes;
mod verdict;

use super::backends::Backend;
use super::region_index::RegionIndex;
use crate::inventory::{Inventory, ServiceNetwork, Target};
use crate::model::Finding;
use crate::operation::Operation;
use crate::policy::lattice::{probe_methods, probe_paths};
use routes::{add_associable, gate_of, named_sources, policies, routes_of};
use std::collections::HashMap;
use time::OffsetDateTime;
use verdict::{judge, rules_broken, when_reach_changes, Judging};

/// What the verdicts of one account × region need from the rest of the audit: the service
/// networks read anywhere (a service can be in another audited account's network) and who
/// owns each VPC.
pub(crate) struct LatticeEstate<'a> {
    targets: HashMap<(&'a str, &'a str), &'a Target>,
    networks_by_arn: HashMap<&'a str, (&'a Target, &'a ServiceNetwork)>,
    /// By id too: the emulator leaves the network's ARN out of a service's associations.
    networks_by_id: HashMap<&'a str, (&'a Target, &'a ServiceNetwork)>,
    vpc_owner: HashMap<&'a str, &'a str>,
    /// The instant auth policies are evaluated at (the scan's start, or `--at`).
    at: Option<OffsetDateTime>,
}

impl<'a> LatticeEstate<'a> {
    pub(crate) fn new(inv: &'a Inventory, at: Option<OffsetDateTime>) -> LatticeEstate<'a> {
        let mut estate = LatticeEstate {
            at,
            targets: HashMap::new(),
            networks_by_arn: HashMap::new(),
            networks_by_id: HashMap::new(),
            vpc_owner: HashMap::new(),
        };
        for t in &inv.targets {
            estate
                .targets
                .insert((t.account_id.as_str(), t.region.as_str()), t);
            for v in &t.network.vpcs {
                estate
                    .vpc_owner
                    .insert(v.id.as_str(), t.account_id.as_str());
            }
            // The owner's copy (details read) wins over a grantee's listing of it.
            for n in &t.lattice.service_networks {
                for (map, key) in [
                    (&mut estate.networks_by_arn, n.arn.as_str()),
                    (&mut estate.networks_by_id, n.id.as_str()),
                ] {
                    let better = map.get(key).is_none_or(|(_, known)| !known.details_read);
                    if better {
                        map.insert(key, (t, n));
                    }
                }
            }
        }
        estate
    }
}

/// The findings of the Lattice services of one account × region.
pub(super) fn lattice_findings(
    region: &RegionIndex,
    backends: &[Backend],
    estate: &LatticeEstate,
) -> Vec<Finding> {
    let target = region.target;
    let mut out = Vec::new();
    for svc in &target.lattice.services {
        let service = gate_of(
            target,
            (&svc.id, svc.auth_type.as_ref(), svc.auth_policy.as_ref()),
            Operation::LatticeGetService,
        );
        out.extend(never_matches::service_note(target, svc, &service));
        let mut routes = routes_of(target, svc, estate);
        let named = named_sources(&service, &routes);
        add_associable(&mut routes, &named, estate);
        let docs = policies(&service, &routes);
        let methods = probe_methods(&docs);
        let paths = probe_paths(&docs);
        let judging = Judging {
            service_arn: &svc.arn,
            owner: &target.account_id,
            service: &service,
            routes: &routes,
            methods: &methods,
            paths: &paths,
            at: estate.at,
        };
        let verdict = judge(&judging);
        let mut broken = rules_broken(&verdict);
        when_reach_changes(&judging, &docs, &mut broken);
        if broken.is_empty() {
            continue;
        }
        let reached = bypass::reached(region, backends, svc);
        for b in broken {
            out.push(prose::finding(
                &prose::Case {
                    target,
                    svc,
                    service: &service,
                    routes: &routes,
                    verdict: &verdict,
                    methods: &methods,
                    reached: &reached,
                },
                b,
            ));
        }
    }
    out.extend(never_matches::network_notes(target));
    out
}
