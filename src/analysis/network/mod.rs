//! Network paths that bypass API Gateway: PrivateLink endpoint services, cross-account VPC
//! peering, and internet-facing load balancers, each tied to the private backend it exposes.
//! What each verdict decides is specified in `docs/network-analysis.md`.

mod addrs;
mod backends;
mod path_steps;
mod peer_paths;
mod peering;
mod privatelink;
mod public_lb;
mod published;
mod region_index;

use crate::inventory::{Inventory, Target};
use crate::model::Finding;
use backends::{merge_backends, LbView};
use peering::peering_findings;
use privatelink::endpoint_service_findings;
use public_lb::public_lb_findings;
use published::published_by_lb;
use region_index::RegionIndex;
use std::collections::{BTreeSet, HashMap};

/// The network path findings of every account × region of the inventory.
pub fn analyze(inv: &Inventory) -> Vec<Finding> {
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
    let mut out = Vec::new();
    for target in &inv.targets {
        out.extend(analyze_target(target, &groups_by_vpc));
    }
    out
}

/// The network findings of one account × region: which load balancers are private, the
/// backends they merge into, and each entry point's verdicts on them.
fn analyze_target(
    target: &Target,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let region = RegionIndex::new(target);
    let net = &target.network;
    // Load balancer ARN → the VPC links and endpoint services in front of it.
    let mut fronted_by: HashMap<&str, Vec<String>> = HashMap::new();
    for link in &target.vpc_links {
        for arn in &link.target_arns {
            fronted_by.entry(arn.as_str()).or_default().push(format!(
                "target of API Gateway VPC link {} ({})",
                link.id, link.name
            ));
        }
    }
    for svc in &net.endpoint_services {
        for arn in svc
            .network_load_balancer_arns
            .iter()
            .chain(&svc.gateway_load_balancer_arns)
        {
            fronted_by
                .entry(arn.as_str())
                .or_default()
                .push(format!("published by endpoint service {}", svc.service_id));
        }
    }
    let views: Vec<LbView> = net
        .load_balancers
        .iter()
        .map(|lb| {
            let mut private_because = Vec::new();
            if lb.scheme == "internal" {
                private_because.push(format!(
                    "fronted by the internal {} load balancer {}",
                    lb.lb_type, lb.name
                ));
            }
            private_because.extend(fronted_by.get(lb.arn.as_str()).cloned().unwrap_or_default());
            LbView {
                lb,
                host_ports: region.host_ports(lb),
                private_because,
            }
        })
        .collect();
    let published = published_by_lb(target);
    let backends = merge_backends(&views, &published);

    let mut out = Vec::new();
    out.extend(endpoint_service_findings(&region, &backends, &published));
    for peering in &net.peerings {
        out.extend(peering_findings(&region, peering, &backends, groups_by_vpc));
    }
    out.extend(public_lb_findings(&region, &views, &backends));
    out
}

/// The ARN of an EC2 resource (`vpc-peering-connection/pcx-…`) of this account × region.
fn ec2_arn(target: &Target, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{}:{}:{resource}",
        crate::model::partition_of(&target.region),
        target.region,
        target.account_id,
    )
}

#[cfg(test)]
mod tests;
