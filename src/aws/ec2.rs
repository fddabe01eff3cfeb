//! EC2 listings for the network inventory, converted into [`crate::inventory`] types.

use super::config::enrichment_retry;
use super::paging::{listing, Listing};
use super::{or_empty, RegionCtx};
use crate::inventory::{
    EndpointService, GroupRef, IngressRule, Instance, NetworkInterface, PeeringSide, Route,
    RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint, VpcPeering,
};
use crate::operation::Operation;
use aws_sdk_ec2 as ec2;
use ec2::types as t;
use std::collections::BTreeMap;

/// Addresses or CIDR blocks an answer gives in several fields (the primary one, the associated
/// ones, the IPv6 ones), sorted, each once.
fn sorted_unique<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Vec<String> {
    let mut out: Vec<String> = values.into_iter().flatten().map(str::to_string).collect();
    out.sort();
    out.dedup();
    out
}

/// A listing's items sorted, each once.
fn sorted_unique_items<T: Ord>((pages, mut items): (usize, Vec<T>)) -> (usize, Vec<T>) {
    items.sort();
    items.dedup();
    (pages, items)
}

/// A filter on `name`, matching any of `values`.
pub(super) fn filter(name: &str, values: &[impl AsRef<str>]) -> t::Filter {
    let values = values.iter().map(|v| v.as_ref().to_string()).collect();
    t::Filter::builder()
        .name(name)
        .set_values(Some(values))
        .build()
}

/// Security group ids, sorted.
fn sorted_group_ids(groups: &[t::GroupIdentifier]) -> Vec<String> {
    let mut ids: Vec<String> = groups
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

pub(super) async fn describe_vpcs(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Vpc> {
    listing(
        ctx,
        Operation::Ec2DescribeVpcs,
        None,
        |t| c.describe_vpcs().max_results(1000).set_next_token(t).send(),
        |page, out| {
            out.extend(page.vpcs().iter().map(vpc));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn vpc(v: &t::Vpc) -> Vpc {
    Vpc {
        id: or_empty(v.vpc_id()),
        cidr_blocks: sorted_unique(
            v.cidr_block_association_set()
                .iter()
                .map(|a| a.cidr_block())
                .chain([v.cidr_block()])
                .chain(
                    v.ipv6_cidr_block_association_set()
                        .iter()
                        .map(|a| a.ipv6_cidr_block()),
                ),
        ),
    }
}

pub(super) async fn describe_subnets(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Subnet> {
    listing(
        ctx,
        Operation::Ec2DescribeSubnets,
        None,
        |t| {
            c.describe_subnets()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.subnets().iter().map(subnet));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn subnet(sn: &t::Subnet) -> Subnet {
    Subnet {
        id: or_empty(sn.subnet_id()),
        vpc_id: or_empty(sn.vpc_id()),
        cidr_block: or_empty(sn.cidr_block()),
        ipv6_cidr_blocks: sn
            .ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
            .collect(),
    }
}

pub(super) async fn describe_route_tables(ctx: &RegionCtx, c: &ec2::Client) -> Listing<RouteTable> {
    listing(
        ctx,
        Operation::Ec2DescribeRouteTables,
        None,
        |t| {
            c.describe_route_tables()
                .max_results(100)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.route_tables().iter().map(route_table));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn route_table(rt: &t::RouteTable) -> RouteTable {
    // An association being made, being removed or failed routes nothing (yet): only
    // `associated` ones count (no state at all, as older answers have it: associated).
    let live: Vec<&t::RouteTableAssociation> = rt
        .associations()
        .iter()
        .filter(|a| {
            a.association_state()
                .and_then(|st| st.state())
                .is_none_or(|st| st.as_str() == "associated")
        })
        .collect();
    let mut subnet_ids: Vec<String> = live
        .iter()
        .filter_map(|a| a.subnet_id().map(str::to_string))
        .collect();
    subnet_ids.sort();
    RouteTable {
        id: or_empty(rt.route_table_id()),
        vpc_id: or_empty(rt.vpc_id()),
        subnet_ids,
        main: live.iter().any(|a| a.main() == Some(true)),
        routes: rt.routes().iter().filter_map(route).collect(),
    }
}

/// One route; a destination given as a prefix list is kept (it may be what routes a peer).
fn route(r: &t::Route) -> Option<Route> {
    let prefix_list = r.destination_prefix_list_id().map(str::to_string);
    let dest = r
        .destination_cidr_block()
        .or(r.destination_ipv6_cidr_block());
    if dest.is_none() && prefix_list.is_none() {
        return None;
    }
    let target_id = [
        r.transit_gateway_id(),
        r.nat_gateway_id(),
        r.network_interface_id(),
        r.instance_id(),
        r.egress_only_internet_gateway_id(),
        r.carrier_gateway_id(),
        r.local_gateway_id(),
        r.core_network_arn(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(str::to_string);
    Some(Route {
        destination_cidr: dest.unwrap_or_default().to_string(),
        vpc_peering_connection_id: r.vpc_peering_connection_id().map(str::to_string),
        gateway_id: r.gateway_id().map(str::to_string),
        destination_prefix_list_id: prefix_list,
        target_id,
    })
}

pub(super) async fn describe_security_groups(
    ctx: &RegionCtx,
    c: &ec2::Client,
) -> Listing<SecurityGroup> {
    listing(
        ctx,
        Operation::Ec2DescribeSecurityGroups,
        None,
        |t| {
            c.describe_security_groups()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.security_groups().iter().map(security_group));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn security_group(g: &t::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: or_empty(g.group_id()),
        vpc_id: or_empty(g.vpc_id()),
        ingress: g.ip_permissions().iter().map(ingress_rule).collect(),
    }
}

fn ingress_rule(p: &t::IpPermission) -> IngressRule {
    let pairs = p.user_id_group_pairs();
    IngressRule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        // All-protocol rules carry no ports (or -1): every port.
        from_port: p.from_port().filter(|&x| x >= 0),
        to_port: p.to_port().filter(|&x| x >= 0),
        cidrs: p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip().map(str::to_string))
            .chain(
                p.ipv6_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ipv6().map(str::to_string)),
            )
            .collect(),
        source_group_ids: pairs
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        // Who owns a source group decides whether it can be a peer's.
        source_groups: pairs
            .iter()
            .filter_map(|g| {
                Some(GroupRef {
                    group_id: g.group_id()?.to_string(),
                    user_id: g.user_id().map(str::to_string),
                    vpc_id: g.vpc_id().map(str::to_string),
                    vpc_peering_connection_id: g.vpc_peering_connection_id().map(str::to_string),
                })
            })
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .filter_map(|l| l.prefix_list_id().map(str::to_string))
            .collect(),
    }
}

pub(super) async fn describe_instances(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Instance> {
    listing(
        ctx,
        Operation::Ec2DescribeInstances,
        None,
        |t| {
            c.describe_instances()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(
                page.reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(instance),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn instance(i: &t::Instance) -> Instance {
    Instance {
        id: or_empty(i.instance_id()),
        vpc_id: i.vpc_id().map(str::to_string),
        subnet_id: i.subnet_id().map(str::to_string),
        private_ip: i.private_ip_address().map(str::to_string),
        security_group_ids: sorted_group_ids(i.security_groups()),
    }
}

pub(super) async fn describe_vpc_endpoints(
    ctx: &RegionCtx,
    c: &ec2::Client,
) -> Listing<VpcEndpoint> {
    listing(
        ctx,
        Operation::Ec2DescribeVpcEndpoints,
        None,
        |t| {
            c.describe_vpc_endpoints()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.vpc_endpoints().iter().map(vpc_endpoint));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn vpc_endpoint(e: &t::VpcEndpoint) -> VpcEndpoint {
    VpcEndpoint {
        id: or_empty(e.vpc_endpoint_id()),
        vpc_id: or_empty(e.vpc_id()),
        service_name: or_empty(e.service_name()),
        endpoint_type: or_empty(e.vpc_endpoint_type()),
        owner_id: or_empty(e.owner_id()),
    }
}

pub(super) async fn describe_peerings(ctx: &RegionCtx, c: &ec2::Client) -> Listing<VpcPeering> {
    listing(
        ctx,
        Operation::Ec2DescribeVpcPeeringConnections,
        None,
        |t| {
            c.describe_vpc_peering_connections()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.vpc_peering_connections().iter().map(peering));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn peering(p: &t::VpcPeeringConnection) -> VpcPeering {
    VpcPeering {
        id: or_empty(p.vpc_peering_connection_id()),
        status: or_empty(p.status().and_then(|st| st.code())),
        requester: peering_side(p.requester_vpc_info()),
        accepter: peering_side(p.accepter_vpc_info()),
    }
}

fn peering_side(info: Option<&t::VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    let Some(info) = info else {
        return PeeringSide::default();
    };
    PeeringSide {
        owner_id: or_empty(info.owner_id()),
        vpc_id: or_empty(info.vpc_id()),
        region: info.region().map(str::to_string),
        // IPv6 CIDRs route and admit a peer just as well.
        cidr_blocks: sorted_unique(
            info.cidr_block_set()
                .iter()
                .map(|c| c.cidr_block())
                .chain([info.cidr_block()])
                .chain(
                    info.ipv6_cidr_block_set()
                        .iter()
                        .map(|c| c.ipv6_cidr_block()),
                ),
        ),
    }
}

pub(super) async fn describe_endpoint_services(
    ctx: &RegionCtx,
    c: &ec2::Client,
) -> Listing<EndpointService> {
    listing(
        ctx,
        Operation::Ec2DescribeVpcEndpointServiceConfigurations,
        None,
        |t| {
            c.describe_vpc_endpoint_service_configurations()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.service_configurations().iter().map(endpoint_service));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn endpoint_service(sc: &t::ServiceConfiguration) -> EndpointService {
    EndpointService {
        service_id: or_empty(sc.service_id()),
        service_name: or_empty(sc.service_name()),
        // AWS's default is to require acceptance; absent means the default.
        acceptance_required: sc.acceptance_required().unwrap_or(true),
        network_load_balancer_arns: sc.network_load_balancer_arns().to_vec(),
        gateway_load_balancer_arns: sc.gateway_load_balancer_arns().to_vec(),
        allowed_principals: vec![],
        principal_types: BTreeMap::new(),
        connected_accounts: None,
    }
}

/// Allowed principals with their `PrincipalType` (when given).
pub(super) async fn service_permissions(
    ctx: &RegionCtx,
    c: &ec2::Client,
    service_id: &str,
) -> Listing<(String, Option<String>)> {
    listing(
        ctx,
        Operation::Ec2DescribeVpcEndpointServicePermissions,
        Some(service_id),
        |t| {
            c.describe_vpc_endpoint_service_permissions()
                .service_id(service_id)
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.allowed_principals().iter().filter_map(|p| {
                Some((
                    p.principal()?.to_string(),
                    p.principal_type().map(|t| t.as_str().to_string()),
                ))
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map(sorted_unique_items)
}

/// The accounts connected to an endpoint service now, sorted.
pub(super) async fn service_connections(
    ctx: &RegionCtx,
    c: &ec2::Client,
    service_id: &str,
) -> Listing<String> {
    let filter = filter("service-id", &[service_id]);
    listing(
        ctx,
        Operation::Ec2DescribeVpcEndpointConnections,
        Some(service_id),
        |t| {
            c.describe_vpc_endpoint_connections()
                .filters(filter.clone())
                .max_results(1000)
                .set_next_token(t)
                .customize()
                .config_override(ec2::config::Config::builder().retry_config(enrichment_retry()))
                .send()
        },
        |page, out| {
            out.extend(
                page.vpc_endpoint_connections()
                    .iter()
                    .filter(|conn| {
                        // Rejected, deleted or failed connections carry no traffic.
                        !matches!(
                            conn.vpc_endpoint_state().map(|s| s.as_str()),
                            Some(
                                "rejected"
                                    | "deleted"
                                    | "failed"
                                    | "expired"
                                    | "Rejected"
                                    | "Deleted"
                                    | "Failed"
                                    | "Expired"
                            )
                        )
                    })
                    .filter_map(|conn| conn.vpc_endpoint_owner().map(str::to_string)),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map(sorted_unique_items)
}

/// Interfaces holding `ips`, filtered by `key` (`addresses.private-ip-address` for IPv4,
/// `ipv6-addresses.ipv6-address` for IPv6).
pub(super) async fn network_interfaces(
    ctx: &RegionCtx,
    c: &ec2::Client,
    key: &str,
    ips: &[String],
) -> Listing<NetworkInterface> {
    let filter = filter(key, ips);
    listing(
        ctx,
        Operation::Ec2DescribeNetworkInterfaces,
        None,
        |t| {
            c.describe_network_interfaces()
                .filters(filter.clone())
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.network_interfaces().iter().map(network_interface));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

fn network_interface(eni: &t::NetworkInterface) -> NetworkInterface {
    NetworkInterface {
        id: or_empty(eni.network_interface_id()),
        vpc_id: or_empty(eni.vpc_id()),
        subnet_id: or_empty(eni.subnet_id()),
        private_ips: sorted_unique(
            eni.private_ip_addresses()
                .iter()
                .map(|a| a.private_ip_address())
                .chain([eni.private_ip_address()])
                .chain(eni.ipv6_addresses().iter().map(|a| a.ipv6_address())),
        ),
        security_group_ids: sorted_group_ids(eni.groups()),
    }
}

/// (id, name, owner) of the prefix lists among `ids`.
pub(super) async fn describe_prefix_lists(
    ctx: &RegionCtx,
    c: &ec2::Client,
    ids: &[String],
) -> Listing<(String, Option<String>, Option<String>)> {
    let filter = filter("prefix-list-id", ids);
    listing(
        ctx,
        Operation::Ec2DescribeManagedPrefixLists,
        None,
        |t| {
            c.describe_managed_prefix_lists()
                .filters(filter.clone())
                .max_results(100)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.prefix_lists().iter().filter_map(|pl| {
                Some((
                    pl.prefix_list_id()?.to_string(),
                    pl.prefix_list_name().map(str::to_string),
                    pl.owner_id().map(str::to_string),
                ))
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

/// The CIDRs of a prefix list, sorted.
pub(super) async fn prefix_list_entries(
    ctx: &RegionCtx,
    c: &ec2::Client,
    id: &str,
) -> Listing<String> {
    listing(
        ctx,
        Operation::Ec2GetManagedPrefixListEntries,
        Some(id),
        |t| {
            c.get_managed_prefix_list_entries()
                .prefix_list_id(id)
                .max_results(100)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(
                page.entries()
                    .iter()
                    .filter_map(|e| e.cidr().map(str::to_string)),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map(sorted_unique_items)
}

#[cfg(test)]
mod tests;
