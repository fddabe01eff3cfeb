//! Network paths that bypass API Gateway (exposure model §4–6): PrivateLink endpoint services,
//! cross-account VPC peering, and internet-facing load balancers, each tied to the private
//! backend it exposes.
//!
//! A load balancer's **targets** are (host, port) pairs: an instance, or an IP in a VPC
//! (resolved to the instance or interface holding it, in the target group's VPC or, for an IP
//! outside it, in another VPC of the account), and for an NLB forwarding to an ALB (target type
//! `alb`) that ALB and its own targets. A load balancer is **private** when it is internal, an
//! API Gateway VPC link targets it, or an endpoint service publishes it. Private load balancers
//! whose target sets overlap front the same service: they are merged into one **backend**,
//! identified by the smallest of their ARNs (so a backend of one load balancer is identified
//! by that load balancer, as before merging existed).
//!
//! Every entry point whose reach goes beyond the owner account and that leads to a private
//! backend is a finding, one per (entry point, backend). Network paths carry no HTTP
//! authentication and let every verb of every path through, so they are all
//! `auth: network_only`, `write: true`; when API Gateway methods publish the same backend, the
//! finding names them: the network path bypasses their auth and their verb restrictions.
//!
//! Peering verdicts are computed on address sets: the peer addresses whose replies the
//! backend's route table sends back through the peering (longest prefix match: a more specific
//! route elsewhere takes them away) **and** that the security groups on the way admit. A path
//! exists when that set is not empty. Through an internal NLB, the targets see the peer's
//! address when the target group preserves client IPs (the default for instance targets and
//! for UDP-like protocols) and the NLB's own address otherwise (the default for IP targets over
//! TCP/TLS). Whatever cannot be resolved (a prefix list that could not be read, a source group
//! of unknown owner, unreadable target group attributes) is assumed to let the peer through and
//! lowers the confidence to medium: it never silently narrows a verdict.
//!
//! That holds for facts that were **not read** too (the target's `errors` name the failed
//! read, or the fact is missing from a listing that should hold it), each an assumed step
//! named in the message and under `evidence.path.assumed`: a security group on a host or load
//! balancer is assumed to admit the peer (a group merely not of this account, named as a
//! source, is judged by its owner as above); a host whose route table is unknown is served by
//! any table of the peering's VPC (with no table read, the peer is assumed routed back); an
//! instance that was not read has unknown subnet and groups; a member load balancer whose
//! targets were not read (`DescribeTargetHealth`, or `DescribeTargetGroups` for the region)
//! has targets anywhere in its VPC admitting anyone; unknown peer CIDRs are every address.
//! Facts that were read and stop the peer still stop it. The informational no-path verdict says
//! "nothing is exposed" only when no network read of the account × region failed; otherwise it
//! is at medium confidence and names the failed reads (`evidence.unread`).
//!
//! An internet-facing load balancer whose targets could not be read, or in front of whatever a
//! private backend's unread targets are, may share a target with that backend: it is reported
//! (`public-lb-exposes-private-backend`, medium confidence, `evidence.shared_targets_known:
//! false`) **once**, naming every private backend it could share one with
//! (`evidence.possible_backends`) and the reads that would settle it. Once, not once per
//! backend: one failed `DescribeTargetGroups` makes every pair possible, and public load
//! balancers × backends findings would bury the report. Its identity is the load balancer's
//! (`targets-unknown`); a later scan that reads the targets closes it and reports the certain
//! overlaps, one per backend. Unknown targets can be where their target groups are (the load
//! balancer's VPC and its target groups': instance, ALB and Lambda targets live there), or
//! anywhere in the region for IP target groups (addresses of other VPCs) and for target groups
//! that could not be listed; a side whose targets were read and are none shares nothing.
//!
//! Endpoint services: the widest class of allowed principals decides the rule and the reach
//! (`*`, then organizations and OUs, then accounts); accounts named beside an organization are
//! in the message and `evidence.allowed_accounts`. Connected accounts that no principal names
//! are `connected_not_allowed` when no organization is allowed, and `connected_not_named` when
//! one is (they may be members: membership is not read). Permissions that could not be read
//! are assumed to allow every account, at medium confidence. When API Gateway could not be
//! read in full, a finding does not claim its list of bypassed methods is complete.

mod addrs;
mod backends;
mod path_steps;
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
use region_index::Index;
use std::collections::{BTreeSet, HashMap};

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

fn analyze_target(
    target: &Target,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let ix = Index::new(target);
    let net = &target.network;
    let mut why: HashMap<&str, Vec<String>> = HashMap::new();
    for link in &target.vpc_links {
        for arn in &link.target_arns {
            why.entry(arn.as_str()).or_default().push(format!(
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
            why.entry(arn.as_str())
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
            private_because.extend(why.get(lb.arn.as_str()).cloned().unwrap_or_default());
            LbView {
                lb,
                endpoints: ix.endpoints(lb),
                private_because,
            }
        })
        .collect();
    let published = published_by_lb(target);
    let backends = merge_backends(&views, &published);

    let mut out = Vec::new();
    out.extend(endpoint_service_findings(&ix, &backends, &published));
    for p in &net.peerings {
        out.extend(peering_findings(&ix, p, &backends, groups_by_vpc));
    }
    out.extend(public_lb_findings(&ix, &views, &backends));
    out
}

#[cfg(test)]
mod tests;
