//! The transit gateway entry point: `transit-gateway-exposes-private-backend` and
//! `transit-gateway-cross-account-no-path`. A cross-account attachment is peering at
//! organization scale, so the path search is the peering's ([`super::peer_paths`]) with the
//! transit gateway as the hop the backend's route tables send the replies to, once the
//! transit gateway route tables of both attachments ([`super::transit_routes`]) let the other
//! side's addresses through.

use super::addrs::AddrSet;
use super::backends::{backend_words, backends_in_vpc, bypass_sentence, Backend};
use super::path_steps::{through, Step, TrafficSource};
use super::peer_paths::{PeerPath, PeeringWalk};
use super::peering::{exposure_evidence, no_path_evidence, no_path_today, unread_network_reads};
use super::region_index::RegionIndex;
use super::transit_routes::{Gateway, TransitEstate};
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{Route, TgwAttachment};
use crate::model::{EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// The transit gateway reads: no other entry point's verdict depends on them.
pub(super) const TRANSIT_GATEWAY_READS: [Operation; 4] = [
    Operation::Ec2DescribeTransitGatewayAttachments,
    Operation::Ec2DescribeTransitGatewayRouteTables,
    Operation::Ec2GetTransitGatewayRouteTablePropagations,
    Operation::Ec2SearchTransitGatewayRoutes,
];

/// The findings of this account × region's VPCs attached to transit gateways (or, with the
/// attachments unread, routing to one): one per other side and private backend it reaches;
/// for another account's attachment that reaches none, one informational finding.
pub(super) fn transit_findings(
    region: &RegionIndex,
    backends: &[Backend],
    estate: &TransitEstate,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for local in local_sides(region, estate) {
        let local_backends = backends_in_vpc(region, backends, local.vpc);
        if local_backends.is_empty() {
            continue;
        }
        for far in far_sides(region, estate, &local) {
            let crossing = Crossing::new(region, estate, &local, far);
            let mut exposed = Vec::new();
            if let Some(passage) = &crossing.transit {
                let no_groups = BTreeSet::new();
                let source = match &crossing.far {
                    Far::Vpc { att, owner, .. } => TrafficSource::Peer {
                        owner: owner.unwrap_or("unknown"),
                        vpc: &att.resource_id,
                        via: &att.id,
                        groups: groups_by_vpc
                            .get(att.resource_id.as_str())
                            .unwrap_or(&no_groups),
                    },
                    Far::Peering { .. } | Far::Unknown { .. } => TrafficSource::Unknown,
                };
                let walk = PeeringWalk {
                    region,
                    local_vpc: local.vpc,
                    hop: local.gateway_id,
                    peer: &passage.peer,
                    source: &source,
                };
                for b in &local_backends {
                    if let Some(mut path) = walk.path_to(b) {
                        for note in &crossing.assumptions {
                            path.assume(note.clone());
                        }
                        exposed.push(exposure_finding(region, &crossing, b, &path));
                    }
                }
            }
            if exposed.is_empty() && crossing.cross_account && local.attachment.is_some() {
                out.push(no_path_finding(region, &crossing, &local_backends));
            }
            out.extend(exposed);
        }
    }
    out
}

/// A VPC of this account on a transit gateway: attached to it, or (the attachments unread)
/// routing to it.
struct LocalSide<'a> {
    vpc: &'a str,
    /// Its CIDRs (every address when unknown).
    addrs: AddrSet,
    cidrs: Vec<String>,
    gateway_id: &'a str,
    /// The gateway's owner, when known.
    owner: Option<&'a str>,
    attachment: Option<&'a TgwAttachment>,
}

/// The VPCs of this account on transit gateways. With the attachments unread (a snapshot older
/// than them, or the listing failed), each VPC whose route tables route to a transit gateway
/// stands for an attachment to it.
fn local_sides<'a>(region: &RegionIndex<'a>, estate: &TransitEstate<'a>) -> Vec<LocalSide<'a>> {
    let target = region.target;
    let cidrs_of = |vpc: &str| -> Vec<String> {
        estate
            .vpc(&target.region, vpc)
            .map(|(_, c)| c.to_vec())
            .unwrap_or_default()
    };
    let side = |vpc: &'a str, gateway_id: &'a str, owner, attachment| {
        let cidrs = cidrs_of(vpc);
        let addrs = AddrSet::of_cidrs(&cidrs);
        LocalSide {
            vpc,
            addrs: if addrs.is_empty() {
                AddrSet::all()
            } else {
                addrs
            },
            cidrs,
            gateway_id,
            owner,
            attachment,
        }
    };
    let Some(transit) = &target.network.transit else {
        let mut pairs = BTreeSet::new();
        for rt in &target.network.route_tables {
            for r in &rt.routes {
                if let Some(tgw) = r.target_id.as_deref().filter(|t| t.starts_with("tgw-")) {
                    pairs.insert((rt.vpc_id.as_str(), tgw));
                }
            }
        }
        return pairs
            .into_iter()
            .map(|(vpc, tgw)| side(vpc, tgw, None, None))
            .collect();
    };
    // The VPCs the account sees: its own and those shared with it (DescribeVpcs lists both; a
    // participant's load balancers and instances live in the owner's VPC, whose attachment
    // names the owner). With the VPCs unread, any VPC attachment may be one of them, whoever
    // owns it: `transit_findings` keeps only the sides holding a backend of this account, so
    // the failed read widens nothing, and narrows nothing either (keeping only this account's
    // attachments would lose a backend in a VPC shared with it).
    let seen_vpcs: BTreeSet<&str> = target.network.vpcs.iter().map(|v| v.id.as_str()).collect();
    let vpcs_unread = region.failed(Operation::Ec2DescribeVpcs, None).is_some();
    transit
        .attachments
        .iter()
        .filter(|a| a.is_vpc() && a.carries_traffic())
        .filter(|a| vpcs_unread || seen_vpcs.contains(a.resource_id.as_str()))
        .map(|a| {
            side(
                &a.resource_id,
                &a.transit_gateway_id,
                Some(a.transit_gateway_owner_id.as_str()).filter(|o| !o.is_empty()),
                Some(a),
            )
        })
        .collect()
}

/// Who is on the other side of the transit gateway.
enum Far<'a> {
    /// Another VPC attachment of the gateway: its VPC's owner and CIDRs, when known.
    Vpc {
        att: &'a TgwAttachment,
        owner: Option<&'a str>,
        cidrs: Option<&'a [String]>,
    },
    /// A peering with another transit gateway: whatever that one connects.
    Peering { att: &'a TgwAttachment },
    /// Whatever the gateway connects: its attachments and route tables could not be read.
    Unknown { why: String },
}

/// The other attachments of the local side's gateway that another account may be behind:
/// VPC attachments of other accounts (or of accounts unknown) and peerings; with the gateway's
/// attachments unknown, one unknown side.
fn far_sides<'a>(
    region: &RegionIndex<'a>,
    estate: &TransitEstate<'a>,
    local: &LocalSide<'a>,
) -> Vec<Far<'a>> {
    let target = region.target;
    let Some(local_att) = local.attachment else {
        let why = match region.failed_words(Operation::Ec2DescribeTransitGatewayAttachments, None) {
            Some(w) => format!("the transit gateway attachments could not be read ({w})"),
            None => "the transit gateway attachments were not read (the snapshot predates them)"
                .to_string(),
        };
        return vec![Far::Unknown { why }];
    };
    let Some(gw) = estate.gateway(&target.region, local.gateway_id) else {
        let owner = local.owner.unwrap_or("an unknown account");
        let why = match estate.target(&target.region, owner) {
            Some(t) => match t.errors.iter().find(|e| e.aws_operation() == Some(Operation::Ec2DescribeTransitGatewayAttachments)) {
                Some(e) => format!("{} is owned by {owner}, whose scan could not read its attachments ({} failed: {})", local.gateway_id, e.operation, e.code),
                None => format!("{} is owned by {owner}, whose scan did not read its attachments", local.gateway_id),
            },
            None => format!(
                "{} is owned by {owner}, which was not audited: its other attachments and its route tables can be read only by their owner",
                local.gateway_id
            ),
        };
        return vec![Far::Unknown { why }];
    };
    gw.attachments
        .iter()
        .copied()
        .filter(|a| a.id != local_att.id && a.carries_traffic())
        .filter_map(|a| {
            if a.is_peering() {
                return Some(Far::Peering { att: a });
            }
            if !a.is_vpc() {
                // VPN, Direct Connect and Connect attachments are the owner's own networks.
                return None;
            }
            let home = estate.vpc(&target.region, &a.resource_id);
            // The emulator names the gateway's owner as the owner of any VPC attached from its
            // side: a VPC the owner's scan did not list is another account's.
            let owner = home.map(|(acct, _)| acct).or_else(|| {
                (!a.resource_owner_id.is_empty() && a.resource_owner_id != gw.owner.account_id)
                    .then_some(a.resource_owner_id.as_str())
            });
            if owner == Some(target.account_id.as_str()) {
                return None;
            }
            Some(Far::Vpc {
                att: a,
                owner,
                cidrs: home.map(|(_, c)| c).filter(|c| !c.is_empty()),
            })
        })
        .collect()
}

/// What a path through the transit gateway starts from: the other side's addresses the
/// gateway's route tables let through both ways, and the route that does it each way.
struct Transit {
    peer: AddrSet,
    /// The route carrying the replies to the other side, and the one carrying its traffic to
    /// the backend's VPC (none when the route tables could not be read at all).
    reply: Option<Step>,
    forward: Option<Step>,
}

/// One (local side, other side) pair of a transit gateway, and what every finding on it says.
struct Crossing<'a> {
    local: &'a LocalSide<'a>,
    /// The backend's attachment as the gateway's owner sees it (its association is the
    /// owner's to read), else as this account does.
    local_att: Option<&'a TgwAttachment>,
    far: Far<'a>,
    gateway: Option<&'a Gateway<'a>>,
    /// `None`: the transit gateway route tables route nothing of the other side to it, or
    /// nothing of this side back (`blocked` says which).
    transit: Option<Transit>,
    blocked: String,
    /// Facts that were not read and were assumed to let the other side through.
    assumptions: Vec<String>,
    /// The other side is another account's (or may be).
    cross_account: bool,
    resource_arn: String,
    /// The other side's attachment (or the gateway, when it is unknown): the finding's
    /// identity.
    far_id: String,
    reach: Reach,
    evidence: Value,
}

impl<'a> Crossing<'a> {
    fn new(
        region: &RegionIndex<'a>,
        estate: &'a TransitEstate<'a>,
        local: &'a LocalSide<'a>,
        far: Far<'a>,
    ) -> Crossing<'a> {
        let target = region.target;
        let gateway = estate.gateway(&target.region, local.gateway_id);
        let owner = local.owner.unwrap_or("unknown");
        let mut assumptions = Vec::new();
        let (peer, far_id, resource_arn, accounts, cross_account) = match &far {
            Far::Vpc {
                att,
                owner: o,
                cidrs,
            } => {
                let peer = match cidrs {
                    Some(c) => AddrSet::of_cidrs(c.iter()),
                    None => {
                        assumptions.push(format!(
                            "the CIDRs of {} are unknown (its account was not audited), so it is assumed to hold every address",
                            att.resource_id
                        ));
                        AddrSet::all()
                    }
                };
                (
                    peer,
                    att.id.clone(),
                    crate::arn::transit_gateway_attachment(
                        &target.region,
                        o.unwrap_or(owner),
                        &att.id,
                    ),
                    vec![o.unwrap_or("unknown").to_string()],
                    true,
                )
            }
            Far::Peering { att } => {
                assumptions.push(format!(
                    "behind the peering {} is whatever the transit gateway {} connects: every address, of accounts unknown",
                    att.id, att.resource_id
                ));
                let mut accounts = vec!["unknown".to_string()];
                if !att.resource_owner_id.is_empty() && att.resource_owner_id != target.account_id {
                    accounts.insert(0, att.resource_owner_id.clone());
                }
                (
                    AddrSet::all(),
                    att.id.clone(),
                    crate::arn::transit_gateway_attachment(&target.region, owner, &att.id),
                    accounts,
                    true,
                )
            }
            Far::Unknown { why } => {
                assumptions.push(format!(
                    "{why}, so whatever it connects is assumed to reach every address of this VPC"
                ));
                let mut accounts = vec!["unknown".to_string()];
                let other_owner = local.owner.filter(|o| *o != target.account_id);
                if let Some(o) = other_owner {
                    accounts.insert(0, o.to_string());
                }
                (
                    AddrSet::all(),
                    local.gateway_id.to_string(),
                    crate::arn::transit_gateway(
                        &target.region,
                        local.owner.unwrap_or(&target.account_id),
                        local.gateway_id,
                    ),
                    accounts,
                    other_owner.is_some(),
                )
            }
        };
        let local_att = local
            .attachment
            .map(|own| gateway.and_then(|g| g.attachment(&own.id)).unwrap_or(own));
        let mut crossing = Crossing {
            local,
            local_att,
            far,
            gateway,
            transit: None,
            blocked: String::new(),
            assumptions,
            cross_account,
            resource_arn,
            far_id,
            reach: Reach::Accounts { accounts },
            evidence: Value::Null,
        };
        crossing.route_through_gateway(estate, &target.region, peer);
        crossing.evidence = crossing.transit_evidence();
        crossing
    }

    /// What the transit gateway route tables let through: the other side's addresses routed
    /// to it from the backend's attachment, when the other side's attachment routes the
    /// backend's VPC back. Unknown sides pass whole (the tables cannot be read).
    fn route_through_gateway(&mut self, estate: &TransitEstate, region: &str, peer: AddrSet) {
        let (Some(gw), Some(local_att), Some(far_att)) =
            (self.gateway, self.local_att, self.far.attachment())
        else {
            self.transit = Some(Transit {
                peer,
                reply: None,
                forward: None,
            });
            return;
        };
        let cidrs_of = |a: &TgwAttachment| -> Option<AddrSet> {
            if !a.is_vpc() {
                return None;
            }
            let (_, cidrs) = estate.vpc(region, &a.resource_id)?;
            let set = AddrSet::of_cidrs(cidrs.iter());
            (!set.is_empty()).then_some(set)
        };
        let reply = gw.routed(local_att, &peer, far_att, &cidrs_of);
        let Some(reply) = through(&[&reply]) else {
            self.blocked = match &local_att.route_table_id {
                Some(t) => format!(
                    "the transit gateway route table {t} (associated with {}) routes none of its addresses to {}",
                    local_att.id, far_att.id
                ),
                None => format!(
                    "{} is associated with no transit gateway route table",
                    local_att.id
                ),
            };
            return;
        };
        let forward = gw.routed(far_att, &self.local.addrs, local_att, &cidrs_of);
        let Some(forward) = through(&[&forward]) else {
            self.blocked = match &far_att.route_table_id {
                Some(t) => format!(
                    "the transit gateway route table {t} (associated with {}) routes nothing of {} to {}",
                    far_att.id, self.local.vpc, local_att.id
                ),
                None => format!(
                    "{} is associated with no transit gateway route table",
                    far_att.id
                ),
            };
            return;
        };
        for (passage, way) in [(&reply, "to the other side"), (&forward, "back")] {
            if passage.assumed {
                self.assumptions.push(format!(
                    "{} ({way})",
                    transit_step_words(&passage.witnesses[0])
                ));
            }
        }
        self.transit = Some(Transit {
            peer: peer.intersect(&reply.set),
            reply: reply.witnesses.into_iter().next(),
            forward: forward.witnesses.into_iter().next(),
        });
    }

    fn transit_evidence(&self) -> Value {
        let local = self.local;
        let mut evidence = json!({
            "id": local.gateway_id,
            "owner_id": local.owner,
            "local": {
                "vpc_id": local.vpc,
                "cidr_blocks": local.cidrs,
                "attachment_id": self.local_att.map(|a| a.id.clone()),
                "route_table_id": self.local_att.and_then(|a| a.route_table_id.clone()),
            },
            "other": match &self.far {
                Far::Vpc { att, owner, cidrs } => json!({
                    "type": "vpc", "attachment_id": att.id, "vpc_id": att.resource_id,
                    "owner_id": owner, "cidr_blocks": cidrs,
                    "route_table_id": att.route_table_id,
                }),
                Far::Peering { att } => json!({
                    "type": "peering", "attachment_id": att.id,
                    "transit_gateway_id": att.resource_id, "owner_id": att.resource_owner_id,
                    "route_table_id": att.route_table_id,
                }),
                Far::Unknown { why } => json!({"type": "unknown", "why": why}),
            },
        });
        if let Some(t) = &self.transit {
            evidence["routes"] = json!({
                "to_other": t.reply.as_ref().map(step_evidence),
                "back": t.forward.as_ref().map(step_evidence),
            });
        }
        evidence
    }

    /// A finding on this pair, about `backend` or, with none, about the pair itself.
    fn draft(&self, region: &RegionIndex, rule: RuleId, about: &str) -> FindingDraft {
        let target = region.target;
        FindingDraft {
            identity: vec![
                target.account_id.clone(),
                target.region.clone(),
                self.far_id.clone(),
                about.to_string(),
            ],
            ..FindingDraft::network_path(
                rule,
                target,
                self.resource_arn.clone(),
                EntryPoint::TransitGateway,
                self.reach.clone(),
            )
        }
    }

    /// "vpc-p (account 2222…, 10.1.0.0/16; attachment tgw-attach-p)" and the like.
    fn far_words(&self) -> String {
        match &self.far {
            Far::Vpc { att, owner, cidrs } => format!(
                "{} ({}, {}; attachment {})",
                att.resource_id,
                owner.map_or("an account not audited".to_string(), |o| format!(
                    "account {o}"
                )),
                cidrs.map_or("CIDRs unknown".to_string(), |c| c.join(",")),
                att.id
            ),
            Far::Peering { att } => format!(
                "whatever the transit gateway {} (account {}) connects, through the peering {}",
                att.resource_id, att.resource_owner_id, att.id
            ),
            Far::Unknown { .. } => "whatever else it connects".to_string(),
        }
    }

    fn local_words(&self, region: &RegionIndex) -> String {
        let local = self.local;
        let attachment = local
            .attachment
            .map(|a| format!("; attachment {}", a.id))
            .unwrap_or_default();
        format!(
            "{} ({} in {}{attachment})",
            local.vpc,
            if local.cidrs.is_empty() {
                "CIDRs unknown".to_string()
            } else {
                local.cidrs.join(",")
            },
            region.target.account_id
        )
    }

    fn gateway_words(&self) -> String {
        match self.local.owner {
            Some(o) => format!("Transit gateway {} (owned by {o})", self.local.gateway_id),
            None => format!("Transit gateway {}", self.local.gateway_id),
        }
    }
}

impl<'a> Far<'a> {
    fn attachment(&self) -> Option<&'a TgwAttachment> {
        match self {
            Far::Vpc { att, .. } | Far::Peering { att } => Some(*att),
            Far::Unknown { .. } => None,
        }
    }
}

fn step_evidence(s: &Step) -> Value {
    json!({"route_table": s.place, "route": s.what, "assumed": s.assumed})
}

fn transit_step_words(s: &Step) -> String {
    match &s.place {
        Some(t) => format!("transit gateway route table {t} routes {}", s.what),
        None => s.what.clone(),
    }
}

/// The finding of a backend the other side reaches along `path`.
fn exposure_finding(
    region: &RegionIndex,
    crossing: &Crossing,
    backend: &Backend,
    path: &PeerPath,
) -> Finding {
    FindingDraft {
        message: exposure_message(region, crossing, backend, path),
        specific_fix: exposure_fix(region, crossing, path),
        low_confidence: path.assumed || backend.methods.iter().any(|m| m.inferred),
        evidence: exposure_evidence("transit_gateway", &crossing.evidence, path, backend),
        ..crossing.draft(
            region,
            RuleId::TransitGatewayExposesPrivateBackend,
            &backend.id,
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
    let admitted = path.admitted_via("nothing stops them");
    let route_words = path.route_words();
    let transit_words = match crossing.transit.as_ref().map(|t| (&t.reply, &t.forward)) {
        Some((Some(reply), Some(forward))) => format!(
            ", {} and {}",
            transit_step_words(reply),
            transit_step_words(forward)
        ),
        _ => ", the transit gateway route tables (unread) are assumed to route both ways".into(),
    };
    let partial = match &crossing.far {
        Far::Vpc {
            cidrs: Some(cidrs), ..
        } => path.partial_words(&AddrSet::of_cidrs(cidrs.iter()), "it"),
        _ => String::new(),
    };
    format!(
        "{} connects {} with {} and exposes {} to {}: {route_words}{transit_words}, and {admitted}.{partial} {}",
        crossing.gateway_words(),
        crossing.local_words(region),
        crossing.far_words(),
        backend_words(backend),
        describe_reach(&crossing.reach),
        bypass_sentence(region, &backend.methods),
    )
}

/// The way out of a transit gateway path that exposes a private backend, whatever the route.
const INSTEAD_OF_TRANSIT: &str =
    "Share the few methods the other account needs through API Gateway with IAM auth instead.";

/// Isolate the backend's attachment in the transit gateway (the commands for the routes of
/// its route table that carry the other side, run by the gateway's owner), or, in this
/// account, delete the routes sending the replies to the transit gateway or the rule admitting
/// them.
fn exposure_fix(region: &RegionIndex, crossing: &Crossing, path: &PeerPath) -> String {
    let r = &region.target.region;
    let mut parts = Vec::new();
    let isolation = isolation_commands(crossing, r);
    if !isolation.is_empty() {
        let owner = crossing.local.owner.unwrap_or("its owner");
        parts.push(format!(
            "Isolate the backend's attachment in the transit gateway (as account {owner}, its owner): {}.",
            isolation.join("; ")
        ));
    }
    let rule = path
        .group
        .as_deref()
        .map(|g| format!(" from {g}"))
        .unwrap_or_default();
    let vpc_routes = vpc_route_commands(region, crossing, path);
    let in_account = if vpc_routes.is_empty() {
        format!(
            "read the route tables of {vpc} (aws ec2 describe-route-tables --region {r} --filters Name=vpc-id,Values={vpc}) and remove the routes to {tgw}",
            vpc = crossing.local.vpc,
            tgw = crossing.local.gateway_id
        )
    } else {
        format!(
            "remove the routes sending the replies to the transit gateway: {}",
            vpc_routes.join("; ")
        )
    };
    let lead = if parts.is_empty() { "In" } else { "Or, in" };
    parts.push(format!(
        "{lead} account {}, {in_account}; or remove the ingress rule admitting them{rule}. {INSTEAD_OF_TRANSIT}",
        region.target.account_id
    ));
    parts.join(" ")
}

/// The commands that stop the route table associated with the backend's attachment from
/// routing to the other side's attachment: every active route there to it (static routes and
/// prefix list references deleted, propagations disabled). None when the tables are unknown.
fn isolation_commands(crossing: &Crossing, region: &str) -> Vec<String> {
    let (Some(gw), Some(local_att), Some(far_att)) = (
        crossing.gateway,
        crossing.local_att,
        crossing.far.attachment(),
    ) else {
        return vec![];
    };
    let Some(table) = gw.tables.and_then(|tables| {
        tables
            .iter()
            .find(|t| Some(&t.id) == local_att.route_table_id.as_ref())
    }) else {
        return vec![];
    };
    let mut out = Vec::new();
    let disable = format!(
        "aws ec2 disable-transit-gateway-route-table-propagation --region {region} --transit-gateway-route-table-id {} --transit-gateway-attachment-id {}",
        table.id, far_att.id
    );
    for route in table.routes.iter().flatten().filter(|r| {
        r.state == "active"
            && (r.attachment_ids.is_empty() || r.attachment_ids.contains(&far_att.id))
    }) {
        let command = match (route.route_type.as_str(), &route.prefix_list_id) {
            ("propagated", _) => disable.clone(),
            (_, Some(pl)) => format!(
                "aws ec2 delete-transit-gateway-prefix-list-reference --region {region} --transit-gateway-route-table-id {} --prefix-list-id {pl}",
                table.id
            ),
            _ => format!(
                "aws ec2 delete-transit-gateway-route --region {region} --transit-gateway-route-table-id {} --destination-cidr-block {}",
                table.id, route.destination_cidr
            ),
        };
        if !out.contains(&command) {
            out.push(command);
        }
    }
    if table
        .propagations
        .iter()
        .flatten()
        .any(|p| p == &far_att.id)
        && !out.contains(&disable)
    {
        out.push(disable);
    }
    out
}

/// `aws ec2 delete-route` for each route of the backend's route table that sends some of the
/// exposed addresses to the transit gateway.
fn vpc_route_commands(region: &RegionIndex, crossing: &Crossing, path: &PeerPath) -> Vec<String> {
    let r = &region.target.region;
    let Some(rt) = region
        .target
        .network
        .route_tables
        .iter()
        .find(|t| t.id == path.route_table)
    else {
        return vec![];
    };
    rt.routes
        .iter()
        .filter(|route| route.target_id.as_deref() == Some(crossing.local.gateway_id))
        .filter(|route| carries_any(region, route, &path.exposed))
        .map(|route| {
            let dest = match &route.destination_prefix_list_id {
                Some(pl) => format!("--destination-prefix-list-id {pl}"),
                None if route.destination_cidr.contains(':') => {
                    format!("--destination-ipv6-cidr-block {}", route.destination_cidr)
                }
                None => format!("--destination-cidr-block {}", route.destination_cidr),
            };
            format!(
                "aws ec2 delete-route --region {r} --route-table-id {} {dest}",
                rt.id
            )
        })
        .collect()
}

/// Whether a route's destination holds some of `addrs` (a prefix list whose entries are unknown
/// may).
fn carries_any(region: &RegionIndex, route: &Route, addrs: &AddrSet) -> bool {
    let dest = match &route.destination_prefix_list_id {
        Some(pl) => match region
            .prefix_lists
            .get(pl.as_str())
            .and_then(|p| p.cidrs.as_ref())
        {
            Some(cidrs) => AddrSet::of_cidrs(cidrs),
            None => return true,
        },
        None => AddrSet::of_cidr(&route.destination_cidr).unwrap_or_default(),
    };
    !dest.intersect(addrs).is_empty()
}

/// The informational finding of another account's attachment that reaches none of the local
/// backends: why (the transit gateway route tables, or the backend's routes and groups), and
/// whether that is certain.
fn no_path_finding(
    region: &RegionIndex,
    crossing: &Crossing,
    local_backends: &[&Backend],
) -> Finding {
    let names: Vec<String> = local_backends
        .iter()
        .flat_map(|b| b.members.iter().map(|m| m.lb.name.clone()))
        .collect();
    let why = if crossing.blocked.is_empty() {
        format!(
            "no route table of the private backend(s) {} sends its addresses to {} with a security group admitting them on the backend's port",
            names.join(", "),
            crossing.local.gateway_id
        )
    } else {
        format!(
            "{}, so nothing of it reaches the private backend(s) {}",
            crossing.blocked,
            names.join(", ")
        )
    };
    let unread = unread_network_reads(region, true);
    let today = no_path_today(&unread, "the traffic");
    let message = format!(
        "{} connects {} with {}, but {why}. {today}; one route, propagation or rule would expose every method of the backend to {}.",
        crossing.gateway_words(),
        crossing.local_words(region),
        crossing.far_words(),
        describe_reach(&crossing.reach),
    );
    FindingDraft {
        message,
        specific_fix: String::new(),
        low_confidence: !unread.is_empty(),
        evidence: no_path_evidence(
            "transit_gateway",
            &crossing.evidence,
            &unread,
            local_backends,
        ),
        ..crossing.draft(
            region,
            RuleId::TransitGatewayCrossAccountNoPath,
            crossing.local.vpc,
        )
    }
    .build()
}
