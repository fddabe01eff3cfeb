//! The VPC peering entry point: `peering-exposes-private-backend` and
//! `peering-cross-account-no-path`. The path search is in [`super::peer_paths`].

use super::addrs::AddrSet;
use super::backends::{
    backend_evidence, backend_words, backends_in_vpc, bypass_sentence, methods_evidence, Backend,
};
use super::path_steps::TrafficSource;
use super::peer_paths::{PeerPath, PeeringWalk};
use super::region_index::RegionIndex;
use super::transit::TRANSIT_GATEWAY_READS;
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{PeeringSide, Target, VpcPeering};
use crate::model::{EntryPoint, Finding, Reach};
use crate::operation::{Operation, Service};
use crate::rules::RuleId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
        via: &peering.id,
        groups: groups_by_vpc
            .get(peer.vpc_id.as_str())
            .unwrap_or(&no_groups),
    };
    let walk = PeeringWalk {
        region,
        local_vpc: &local.vpc_id,
        hop: &peering.id,
        peer: &crossing.peer_addrs,
        source: &source,
    };
    let local_backends = backends_in_vpc(region, backends, &local.vpc_id);
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
    /// The peering, as every finding's `evidence.peering`.
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
        let resource_arn = crate::arn::vpc_peering(&target.region, &target.account_id, &p.id);
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

    /// A finding on this peering, about `backend` or, with none, about the peering itself.
    fn draft(&self, target: &Target, rule: RuleId, backend: Option<&str>) -> FindingDraft {
        let mut identity = vec![
            target.account_id.clone(),
            target.region.clone(),
            self.peering.id.clone(),
        ];
        identity.extend(backend.map(str::to_string));
        FindingDraft {
            identity,
            ..FindingDraft::network_path(
                rule,
                target,
                self.resource_arn.clone(),
                EntryPoint::VpcPeering,
                self.reach.clone(),
            )
        }
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
    FindingDraft {
        message: exposure_message(region, crossing, backend, path),
        specific_fix: exposure_fix(crossing, path),
        low_confidence: path.assumed || backend.methods.iter().any(|m| m.inferred),
        evidence: exposure_evidence("peering", &crossing.evidence, path, backend),
        ..crossing.draft(
            target,
            RuleId::PeeringExposesPrivateBackend,
            Some(&backend.id),
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
    let admitted = path.admitted_via("nothing stops the peer");
    let partial = path.partial_words(&crossing.peer_addrs, "the peer");
    let route_words = path.route_words();
    format!(
        "VPC peering {} between {} ({} in {}) and {} ({} {}) is active and exposes {} to {}: {route_words} and {admitted}.{partial} {}",
        crossing.peering.id,
        local.vpc_id,
        local.cidr_blocks.join(","),
        region.target.account_id,
        peer.vpc_id,
        peer.owner_id,
        peer.cidr_blocks.join(","),
        backend_words(backend),
        describe_reach(&crossing.reach),
        bypass_sentence(region, &backend.methods),
    )
}

/// The evidence of an exposure: the entry point's (under `key`), the path, the backend and the
/// methods it bypasses.
pub(super) fn exposure_evidence(
    key: &str,
    entry: &Value,
    path: &PeerPath,
    backend: &Backend,
) -> BTreeMap<String, Value> {
    let mut evidence = BTreeMap::new();
    evidence.insert(key.into(), entry.clone());
    evidence.insert("path".into(), path_evidence(path));
    evidence.insert("backend".into(), backend_evidence(backend));
    evidence.insert(
        "bypassed_methods".into(),
        methods_evidence(&backend.methods),
    );
    evidence
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
    let unread = unread_network_reads(region, false);
    let today = no_path_today(&unread, "the peer");
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
    FindingDraft {
        message,
        specific_fix: String::new(),
        low_confidence: !unread.is_empty(),
        evidence: no_path_evidence("peering", &crossing.evidence, &unread, local_backends),
        ..crossing.draft(target, RuleId::PeeringCrossAccountNoPath, None)
    }
    .build()
}

/// Whether a no-path verdict is certain, in words: nothing is exposed today, or (some network
/// reads failed) not certain, naming them. `who` is what the assumptions let through.
pub(super) fn no_path_today(unread: &[String], who: &str) -> String {
    if unread.is_empty() {
        "Nothing is exposed today".to_string()
    } else {
        format!(
            "No path was found, but this is not certain: {} could not be read (what they left unknown was assumed to let {who} through where it could be)",
            unread.join(", ")
        )
    }
}

/// The evidence of a no-path finding: the entry point's (under `key`), the reads that failed,
/// and the backends checked.
pub(super) fn no_path_evidence(
    key: &str,
    entry: &Value,
    unread: &[String],
    local_backends: &[&Backend],
) -> BTreeMap<String, Value> {
    let mut evidence = BTreeMap::new();
    evidence.insert(key.into(), entry.clone());
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
    evidence
}

/// The network reads of this account × region that failed, as `operation (code)`, once each
/// (endpoint service permissions aside: no peering or transit gateway verdict depends on
/// them; nor does a peering verdict depend on transit gateway reads, kept `with_transit`).
pub(super) fn unread_network_reads(region: &RegionIndex, with_transit: bool) -> Vec<String> {
    let mut seen = BTreeSet::new();
    region
        .target
        .errors
        .iter()
        .filter(|e| {
            e.aws_operation().is_some_and(|op| {
                matches!(op.service(), Service::Ec2 | Service::ElasticLoadBalancing)
                    && op != Operation::Ec2DescribeVpcEndpointServicePermissions
                    && (with_transit || !TRANSIT_GATEWAY_READS.contains(&op))
            })
        })
        .filter(|e| seen.insert(e.operation.as_str()))
        .map(|e| format!("{} ({})", e.operation, e.code))
        .collect()
}

/// The way out of a peering that exposes a private backend, whatever the route or rule.
const INSTEAD_OF_PEERING: &str =
    "Share the few methods the partner needs through API Gateway with IAM auth instead.";
