//! The transit gateways of the audited estate: who owns each, its attachments and route
//! tables as its owner's scan read them, and what a route table routes to an attachment.

use super::addrs::{prefix_len, AddrSet};
use super::path_steps::{carried, Dest, Step};
use crate::inventory::{Inventory, Target, TgwAttachment, TgwRoute, TgwRouteTable};
use crate::operation::Operation;
use std::collections::HashMap;

/// Every transit gateway fact of the inventory, across accounts: a gateway's route tables and
/// other attachments are readable by its owner only, so the verdicts of an account attached to
/// a gateway shared with it rest on its owner's scan (when the owner was audited too).
pub(super) struct TransitEstate<'a> {
    /// Region → VPC → the account owning it and its CIDRs, for every VPC read.
    vpcs: ByRegion<'a, (&'a str, &'a [String])>,
    /// Region → transit gateway → what its owner's scan read of it.
    gateways: ByRegion<'a, Gateway<'a>>,
    /// Region → account → its scan.
    targets: ByRegion<'a, &'a Target>,
}

/// Region → id → value.
type ByRegion<'a, V> = HashMap<&'a str, HashMap<&'a str, V>>;

/// A transit gateway as its owner's scan read it.
pub(super) struct Gateway<'a> {
    pub(super) id: &'a str,
    /// The owner's account × region.
    pub(super) owner: &'a Target,
    /// Every attachment of the gateway (the owner sees them all).
    pub(super) attachments: Vec<&'a TgwAttachment>,
    /// Its route tables; `None` when they were not read (the listing failed, or the owner's
    /// scan did not want them).
    pub(super) tables: Option<&'a [TgwRouteTable]>,
}

impl<'a> TransitEstate<'a> {
    pub(super) fn new(inv: &'a Inventory) -> TransitEstate<'a> {
        let mut vpcs: ByRegion<(&str, &[String])> = HashMap::new();
        let mut gateways: ByRegion<Gateway> = HashMap::new();
        let mut targets: ByRegion<&Target> = HashMap::new();
        for t in &inv.targets {
            let region = t.region.as_str();
            targets
                .entry(region)
                .or_default()
                .insert(t.account_id.as_str(), t);
            let region_vpcs = vpcs.entry(region).or_default();
            for v in &t.network.vpcs {
                region_vpcs.insert(
                    v.id.as_str(),
                    (t.account_id.as_str(), v.cidr_blocks.as_slice()),
                );
            }
            let Some(transit) = &t.network.transit else {
                continue;
            };
            let region_gateways = gateways.entry(region).or_default();
            for a in transit
                .attachments
                .iter()
                .filter(|a| a.transit_gateway_owner_id == t.account_id)
            {
                region_gateways
                    .entry(a.transit_gateway_id.as_str())
                    .or_insert_with(|| Gateway {
                        id: &a.transit_gateway_id,
                        owner: t,
                        attachments: vec![],
                        tables: None,
                    })
                    .attachments
                    .push(a);
            }
            for g in &transit.gateways {
                if let Some(gw) = region_gateways.get_mut(g.id.as_str()) {
                    gw.tables = g.route_tables.as_deref();
                }
            }
        }
        TransitEstate {
            vpcs,
            gateways,
            targets,
        }
    }

    /// The scan of `account` in `region`, when it was audited.
    pub(super) fn target(&self, region: &str, account: &str) -> Option<&'a Target> {
        self.targets.get(region)?.get(account).copied()
    }

    /// The gateway `id` of `region`, when its owner was audited and listed its attachments.
    pub(super) fn gateway(&self, region: &str, id: &str) -> Option<&Gateway<'a>> {
        self.gateways.get(region)?.get(id)
    }

    /// The account owning the VPC `id` of `region` and its CIDRs, when some audited account
    /// read it.
    pub(super) fn vpc(&self, region: &str, id: &str) -> Option<(&'a str, &'a [String])> {
        self.vpcs.get(region)?.get(id).copied()
    }
}

impl<'a> Gateway<'a> {
    pub(super) fn attachment(&self, id: &str) -> Option<&'a TgwAttachment> {
        self.attachments.iter().copied().find(|a| a.id == id)
    }

    /// Why its route tables are unknown, in words.
    pub(super) fn tables_unread(&self) -> String {
        match failed_words(
            self.owner,
            Operation::Ec2DescribeTransitGatewayRouteTables,
            None,
        ) {
            Some(w) => format!("the route tables of {} could not be read ({w})", self.id),
            None => format!(
                "the route tables of {} were not read by the scan of its owner {}",
                self.id, self.owner.account_id
            ),
        }
    }

    /// What the route table associated with `from` routes of `addrs` to the attachment `to`,
    /// one step per route (longest prefix match; static routes win over propagated ones of the
    /// same length, blackholes and routes elsewhere take addresses away). A propagation the
    /// route search did not return stands for the CIDRs `cidrs_of` its attachment (a
    /// propagation of `to` whose CIDRs are unknown, for `addrs`). What could not be read is
    /// assumed to route `addrs` to `to`.
    pub(super) fn routed(
        &self,
        from: &TgwAttachment,
        addrs: &AddrSet,
        to: &TgwAttachment,
        cidrs_of: &dyn Fn(&TgwAttachment) -> Option<AddrSet>,
    ) -> Vec<Step> {
        let assumed = |why: String| {
            vec![Step::fact(
                addrs.clone(),
                format!(
                    "{why}, so the one associated with {} is assumed to route them to {}",
                    from.id, to.id
                ),
                true,
            )]
        };
        // No association: nothing coming in through it is routed anywhere.
        let Some(table_id) = &from.route_table_id else {
            return vec![];
        };
        let Some(tables) = self.tables else {
            return assumed(self.tables_unread());
        };
        let Some(table) = tables.iter().find(|t| &t.id == table_id) else {
            return assumed(format!(
                "the route table {table_id} is not among the route tables of {} read",
                self.id
            ));
        };
        let Some(routes) = &table.routes else {
            let why = failed_words(
                self.owner,
                Operation::Ec2SearchTransitGatewayRoutes,
                Some(&table.id),
            )
            .unwrap_or_else(|| "not read".into());
            return vec![Step {
                set: addrs.clone(),
                what: format!(
                    "its routes could not be read ({why}): assumed to route them to {}",
                    to.id
                ),
                place: Some(table.id.clone()),
                assumed: true,
            }];
        };
        let mut table_routes: Vec<Destination> = routes
            .iter()
            .map(|r| Destination::of_route(r, to))
            .collect();
        let mut steps = Vec::new();
        match &table.propagations {
            Some(propagating) => {
                // Propagations the route search did not return (the emulator returns none):
                // the propagating attachment's VPC CIDRs, when known.
                for id in propagating.iter().filter(|id| {
                    !routes
                        .iter()
                        .any(|r| r.route_type == "propagated" && r.attachment_ids.contains(id))
                }) {
                    let known = self.attachment(id).and_then(cidrs_of);
                    match known {
                        Some(cidrs) => {
                            let words = cidrs.cidrs().join(",");
                            table_routes.push(Destination::propagated(id, cidrs, words, to));
                        }
                        None if id == &to.id => {
                            let words = format!("the CIDRs of {} (unknown)", to.resource_id);
                            table_routes.push(Destination::propagated(
                                id,
                                addrs.clone(),
                                words,
                                to,
                            ));
                        }
                        None => {}
                    }
                }
            }
            None => {
                let why = failed_words(
                    self.owner,
                    Operation::Ec2GetTransitGatewayRouteTablePropagations,
                    Some(&table.id),
                )
                .unwrap_or_else(|| "not read".into());
                steps.push(Step {
                    set: addrs.clone(),
                    what: format!(
                        "its propagations could not be read ({why}): {} is assumed to propagate into it",
                        to.id
                    ),
                    place: Some(table.id.clone()),
                    assumed: true,
                });
            }
        }
        let prefix_lists = |pl: &str| {
            self.owner
                .network
                .prefix_lists
                .iter()
                .find(|p| p.id == pl)
                .and_then(|p| p.cidrs.clone())
        };
        let mut dests = Vec::new();
        for (i, d) in table_routes.iter().enumerate() {
            let cidrs = match (&d.prefix_list, &d.cidrs) {
                (Some(pl), _) => match prefix_lists(pl) {
                    Some(entries) => entries,
                    // Unreadable: to `to` it may carry anything; elsewhere it is ignored
                    // (taking addresses away could only narrow).
                    None if d.to_hop => {
                        steps.push(Step {
                            set: addrs.clone(),
                            what: format!(
                                "{} (entries could not be read: assumed to carry them)",
                                d.words
                            ),
                            place: Some(table.id.clone()),
                            assumed: true,
                        });
                        continue;
                    }
                    None => continue,
                },
                (None, cidrs) => cidrs.clone(),
            };
            for c in &cidrs {
                if let Some(set) = AddrSet::of_cidr(c) {
                    dests.push(Dest {
                        set,
                        len: prefix_len(c),
                        rank: d.rank,
                        to_hop: d.to_hop,
                        route: i,
                    });
                }
            }
        }
        let mut out: Vec<Step> = carried(&dests, addrs)
            .into_iter()
            .map(|(i, set)| Step {
                set,
                what: table_routes[i].words.clone(),
                place: Some(table.id.clone()),
                assumed: table_routes[i].unnamed,
            })
            .collect();
        out.extend(steps);
        out
    }
}

/// One route of a transit gateway route table, as the path weighs it.
struct Destination {
    cidrs: Vec<String>,
    prefix_list: Option<String>,
    /// Static 0, prefix list 1, propagated 2: at equal length the lower wins.
    rank: u8,
    /// It goes to the attachment the path goes to.
    to_hop: bool,
    /// An active route that names no attachment (the emulator's static routes): assumed to go
    /// where the path goes.
    unnamed: bool,
    words: String,
}

impl Destination {
    fn of_route(r: &TgwRoute, to: &TgwAttachment) -> Destination {
        let active = r.state == "active";
        let unnamed = active && r.attachment_ids.is_empty();
        let dest = match &r.prefix_list_id {
            Some(pl) => format!("prefix list {pl}"),
            None => r.destination_cidr.clone(),
        };
        let words = if r.state == "blackhole" {
            format!("{dest} -> blackhole ({})", r.route_type)
        } else if unnamed {
            format!(
                "{dest} -> an attachment the route does not name ({}, assumed to be {})",
                r.route_type, to.id
            )
        } else {
            format!(
                "{dest} -> {} ({})",
                r.attachment_ids.join(", "),
                r.route_type
            )
        };
        Destination {
            cidrs: vec![r.destination_cidr.clone()],
            prefix_list: r.prefix_list_id.clone(),
            rank: match (r.route_type.as_str(), &r.prefix_list_id) {
                ("propagated", _) => 2,
                (_, Some(_)) => 1,
                _ => 0,
            },
            to_hop: active && (unnamed || r.attachment_ids.iter().any(|a| a == &to.id)),
            unnamed,
            words,
        }
    }

    /// A propagation of `id` the route search did not return, as the routes it installs to
    /// `cidrs` (`dest`, in words).
    fn propagated(id: &str, cidrs: AddrSet, dest: String, to: &TgwAttachment) -> Destination {
        Destination {
            words: format!("{dest} -> {id} (propagated)"),
            cidrs: cidrs.cidrs(),
            prefix_list: None,
            rank: 2,
            to_hop: id == to.id,
            unnamed: false,
        }
    }
}

/// "ec2:SearchTransitGatewayRoutes failed: Throttling", when that read of `target` failed (about
/// `resource` when given).
fn failed_words(target: &Target, operation: Operation, resource: Option<&str>) -> Option<String> {
    target
        .errors
        .iter()
        .find(|e| {
            e.aws_operation() == Some(operation)
                && resource.is_none_or(|r| e.resource.as_deref() == Some(r))
        })
        .map(|e| format!("{} failed: {}", e.operation, e.code))
}
