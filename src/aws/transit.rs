//! Transit Gateway reads for the network inventory (README, "How it decides": Transit
//! Gateway): an account's attachments, and the route tables of the transit gateways it owns
//! where another account's traffic can come in.
//!
//! Call budget per account × region, read-only:
//! - always, one paginated listing: `ec2:DescribeTransitGatewayAttachments`. It holds the
//!   account's own attachments (on any transit gateway, one shared with it included) and every
//!   attachment of the transit gateways it owns, each with its gateway, the gateway's owner and
//!   the route table it is associated with: `DescribeTransitGateways` and
//!   `GetTransitGatewayRouteTableAssociations` would add calls and change no verdict;
//! - only for the transit gateways this account owns that have another account's VPC attached,
//!   or a peering with another transit gateway: `DescribeTransitGatewayRouteTables` (one
//!   listing, filtered by those gateways), then per route table
//!   `GetTransitGatewayRouteTablePropagations` (which attachments propagate their VPC's CIDRs:
//!   the emulator's route search returns no propagated route) and `SearchTransitGatewayRoutes`
//!   (static and propagated routes, active and blackhole).
//!
//! A transit gateway owned by another account has route tables only its owner can read: they
//! are judged from that account's scan when it was audited too, else assumed to let traffic
//! through (`analysis::network`).

use super::concurrency::bounded;
use super::ec2::filter;
use super::paging::{listing, Listing};
use super::{or_empty, ReadLog, RegionCtx};
use crate::inventory::{
    Network, OwnedTransitGateway, Route, RouteTable, ScanError, TgwAttachment, TgwRoute,
    TgwRouteTable,
};
use crate::operation::Operation;
use aws_sdk_ec2 as ec2;
use ec2::types as t;
use std::collections::{BTreeMap, BTreeSet};

pub(super) async fn describe_attachments(
    ctx: &RegionCtx,
    c: &ec2::Client,
) -> Listing<TgwAttachment> {
    listing(
        ctx,
        Operation::Ec2DescribeTransitGatewayAttachments,
        None,
        |t| {
            c.describe_transit_gateway_attachments()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.transit_gateway_attachments().iter().map(attachment));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn attachment(a: &t::TransitGatewayAttachment) -> TgwAttachment {
    // An association being made counts (it routes as soon as it is made); one being removed or
    // gone routes nothing.
    let route_table_id = a
        .association()
        .filter(|assoc| {
            assoc
                .state()
                .is_none_or(|st| matches!(st.as_str(), "associated" | "associating"))
        })
        .and_then(|assoc| assoc.transit_gateway_route_table_id())
        .map(str::to_string);
    TgwAttachment {
        id: or_empty(a.transit_gateway_attachment_id()),
        transit_gateway_id: or_empty(a.transit_gateway_id()),
        transit_gateway_owner_id: or_empty(a.transit_gateway_owner_id()),
        resource_type: or_empty(a.resource_type()),
        resource_id: or_empty(a.resource_id()),
        resource_owner_id: or_empty(a.resource_owner_id()),
        state: or_empty(a.state()),
        route_table_id,
    }
}

/// The transit gateways `account` owns whose route tables some verdict needs: another
/// account's traffic can come in through them (a VPC attachment that is not one of the
/// account's VPCs, or a peering with another transit gateway).
fn gateways_wanting_tables(net: &Network, account: &str) -> BTreeSet<String> {
    let Some(transit) = &net.transit else {
        return BTreeSet::new();
    };
    let own_vpcs: BTreeSet<&str> = net.vpcs.iter().map(|v| v.id.as_str()).collect();
    transit
        .attachments
        .iter()
        .filter(|a| a.transit_gateway_owner_id == account && a.carries_traffic())
        .filter(|a| {
            a.is_peering()
                || (a.is_vpc()
                    && (a.resource_owner_id != account
                        || !own_vpcs.contains(a.resource_id.as_str())))
        })
        .map(|a| a.transit_gateway_id.clone())
        .collect()
}

/// The VPCs of `account` another account's network can come into through a transit gateway:
/// attached to one it does not own, or to one it owns that another account's traffic can come
/// in through. With the attachments unread, every VPC whose route tables send something to a
/// transit gateway.
pub(super) fn transit_vpcs(net: &Network, account: &str) -> BTreeSet<String> {
    let Some(transit) = &net.transit else {
        return net
            .route_tables
            .iter()
            .filter(|rt| rt.routes.iter().any(routes_to_gateway))
            .map(|rt| rt.vpc_id.clone())
            .collect();
    };
    let crossed = gateways_wanting_tables(net, account);
    let own_vpcs: BTreeSet<&str> = net.vpcs.iter().map(|v| v.id.as_str()).collect();
    transit
        .attachments
        .iter()
        .filter(|a| a.is_vpc() && a.carries_traffic() && own_vpcs.contains(a.resource_id.as_str()))
        .filter(|a| {
            a.transit_gateway_owner_id != account || crossed.contains(&a.transit_gateway_id)
        })
        .map(|a| a.resource_id.clone())
        .collect()
}

/// A VPC route whose target is a transit gateway.
pub(super) fn routes_to_gateway(r: &Route) -> bool {
    r.target_id
        .as_deref()
        .is_some_and(|t| t.starts_with("tgw-"))
}

/// The prefix lists the owned transit gateway route tables route to (their entries decide
/// where the traffic goes).
pub(super) fn route_prefix_lists(net: &Network) -> BTreeSet<String> {
    net.transit
        .iter()
        .flat_map(|t| &t.gateways)
        .flat_map(|g| g.route_tables.iter().flatten())
        .flat_map(|rt| rt.routes.iter().flatten())
        .filter_map(|r| r.prefix_list_id.clone())
        .collect()
}

/// The VPC route tables' routes to a transit gateway given as prefix lists.
pub(super) fn vpc_route_prefix_lists<'a>(
    tables: impl Iterator<Item = &'a RouteTable>,
) -> BTreeSet<String> {
    tables
        .flat_map(|rt| &rt.routes)
        .filter(|r| routes_to_gateway(r))
        .filter_map(|r| r.destination_prefix_list_id.clone())
        .collect()
}

/// Reads the route tables of the transit gateways of `account` that some verdict needs, with
/// their propagations and routes, into `net.transit`.
pub(super) async fn read_route_tables(
    ctx: &RegionCtx,
    c: &ec2::Client,
    net: &mut Network,
    account: &str,
    log: &mut ReadLog,
) {
    let wanted = gateways_wanting_tables(net, account);
    let Some(transit) = net.transit.as_mut() else {
        return;
    };
    if wanted.is_empty() {
        return;
    }
    let ids: Vec<String> = wanted.iter().cloned().collect();
    let listed = log.listed(describe_route_tables(ctx, c, &ids).await);
    let Some(listed) = listed else {
        transit.gateways = ids
            .into_iter()
            .map(|id| OwnedTransitGateway {
                id,
                route_tables: None,
            })
            .collect();
        return;
    };
    let table_ids: Vec<String> = listed.iter().map(|(table, _)| table.clone()).collect();
    let answers = bounded(table_ids, |table| async move {
        tokio::join!(propagations(ctx, c, &table), search_routes(ctx, c, &table))
    })
    .await;
    let mut tables_of: BTreeMap<String, Vec<TgwRouteTable>> =
        ids.iter().map(|id| (id.clone(), vec![])).collect();
    for ((table, gateway), (propagations, routes)) in listed.into_iter().zip(answers) {
        tables_of.entry(gateway).or_default().push(TgwRouteTable {
            id: table,
            propagations: log.listed(propagations),
            routes: log.listed(routes),
        });
    }
    transit.gateways = tables_of
        .into_iter()
        .map(|(id, mut tables)| {
            tables.sort_by(|a, b| a.id.cmp(&b.id));
            OwnedTransitGateway {
                id,
                route_tables: Some(tables),
            }
        })
        .collect();
}

/// (route table, its transit gateway) of the route tables of `gateways`.
async fn describe_route_tables(
    ctx: &RegionCtx,
    c: &ec2::Client,
    gateways: &[String],
) -> Listing<(String, String)> {
    let filter = filter("transit-gateway-id", gateways);
    listing(
        ctx,
        Operation::Ec2DescribeTransitGatewayRouteTables,
        None,
        |t| {
            c.describe_transit_gateway_route_tables()
                .filters(filter.clone())
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(
                page.transit_gateway_route_tables()
                    .iter()
                    .filter(|rt| {
                        // A table being deleted or gone routes nothing.
                        !matches!(rt.state().map(|s| s.as_str()), Some("deleting" | "deleted"))
                    })
                    .filter_map(|rt| {
                        Some((
                            rt.transit_gateway_route_table_id()?.to_string(),
                            rt.transit_gateway_id()?.to_string(),
                        ))
                    }),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
}

/// The attachments propagating into `table` (enabled or being enabled), sorted.
async fn propagations(ctx: &RegionCtx, c: &ec2::Client, table: &str) -> Listing<String> {
    listing(
        ctx,
        Operation::Ec2GetTransitGatewayRouteTablePropagations,
        Some(table),
        |t| {
            c.get_transit_gateway_route_table_propagations()
                .transit_gateway_route_table_id(table)
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(
                page.transit_gateway_route_table_propagations()
                    .iter()
                    .filter(|p| {
                        p.state()
                            .is_none_or(|st| matches!(st.as_str(), "enabled" | "enabling"))
                    })
                    .filter_map(|p| p.transit_gateway_attachment_id().map(str::to_string)),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map(|(pages, mut ids)| {
        ids.sort();
        ids.dedup();
        (pages, ids)
    })
}

/// The static and propagated routes of `table`, active or blackhole. A search that says more
/// routes are available but hands back no token to read them was cut short: an error, never
/// a table passed off as read.
async fn search_routes(ctx: &RegionCtx, c: &ec2::Client, table: &str) -> Listing<TgwRoute> {
    let types = filter("type", &["static", "propagated"]);
    let states = filter("state", &["active", "blackhole"]);
    let mut cut_short = false;
    let read = listing(
        ctx,
        Operation::Ec2SearchTransitGatewayRoutes,
        Some(table),
        |t| {
            c.search_transit_gateway_routes()
                .transit_gateway_route_table_id(table)
                .filters(types.clone())
                .filters(states.clone())
                // No MaxResults: AWS's default is its maximum (1,000), and the emulator fails
                // on any (HTTP 500).
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.routes().iter().map(tgw_route));
            let next = page.next_token().map(str::to_string);
            cut_short = next.is_none() && page.additional_routes_available() == Some(true);
            next
        },
    )
    .await;
    match read {
        Ok(_) if cut_short => Err(ScanError {
            operation: Operation::Ec2SearchTransitGatewayRoutes.into(),
            code: "AdditionalRoutesAvailable".into(),
            message: "the search returned part of the route table's routes and no token to read the rest: its routes are unknown".into(),
            resource: Some(table.to_string()),
        }),
        other => other,
    }
}

fn tgw_route(r: &t::TransitGatewayRoute) -> TgwRoute {
    let mut attachment_ids: Vec<String> = r
        .transit_gateway_attachments()
        .iter()
        .filter_map(|a| a.transit_gateway_attachment_id().map(str::to_string))
        .collect();
    attachment_ids.sort();
    TgwRoute {
        destination_cidr: or_empty(r.destination_cidr_block()),
        prefix_list_id: r.prefix_list_id().map(str::to_string),
        attachment_ids,
        route_type: or_empty(r.r#type()),
        state: or_empty(r.state()),
    }
}

#[cfg(test)]
mod tests;
