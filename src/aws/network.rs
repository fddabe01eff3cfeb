//! Network inventory (EC2, ELBv2, WAFv2) for bypass analysis: the paths to a private backend
//! that do not go through API Gateway (exposure model §4–6).
//!
//! Call budget per account × region, read-only:
//! - always, one paginated listing each (run concurrently): `ec2:DescribeVpcs`,
//!   `DescribeSubnets`, `DescribeRouteTables`, `DescribeSecurityGroups`, `DescribeInstances`,
//!   `DescribeVpcEndpoints`, `DescribeVpcPeeringConnections`,
//!   `DescribeVpcEndpointServiceConfigurations`, `elasticloadbalancing:DescribeLoadBalancers`
//!   and `DescribeTargetGroups` (all target groups of the region in one listing, each naming
//!   its load balancers);
//! - per endpoint service: `DescribeVpcEndpointServicePermissions` (decides the verdict) and
//!   `DescribeVpcEndpointConnections` (who is connected now: enrichment only);
//! - only when some verdict compares targets (the region has an endpoint service, an
//!   internet-facing load balancer or an active cross-account peering):
//!   `DescribeTargetHealth` per target group attached to a load balancer, and
//!   `DescribeNetworkInterfaces` (batched) for IP targets that are not instance addresses;
//! - `DescribeListeners` only for internet-facing load balancers and for load balancers in a
//!   VPC with an active cross-account peering (listener ports matter only there);
//! - `wafv2:GetWebACLForResource` per internet-facing ALB (NLBs cannot carry a web ACL; REST
//!   API stages report theirs in `GetStages`).
//!
//! Failures of calls that verdicts depend on are scan errors (the target becomes partial);
//! failures of enrichment calls (endpoint connections, web ACL lookups) are notifications.

use super::{paginate, RegionCtx};
use crate::inventory::{
    EndpointService, IngressRule, Instance, LbTarget, Listener, LoadBalancer, Network,
    NetworkInterface, Notification, PeeringSide, Route, RouteTable, ScanError, SecurityGroup,
    Subnet, Target, TargetGroup, Vpc, VpcEndpoint, VpcPeering,
};
use aws_sdk_ec2 as ec2;
use aws_sdk_elasticloadbalancingv2 as elb;
use aws_sdk_wafv2 as waf;
use std::collections::{BTreeMap, BTreeSet};

/// Reads the network inventory of one account × region. Returns the number of calls that
/// succeeded (0 means nothing could be read).
pub(crate) async fn collect(ctx: &RegionCtx, target: &mut Target) -> usize {
    let ec2 = ec2::Client::new(&ctx.config);
    let elb = elb::Client::new(&ctx.config);
    let mut ok = 0usize;
    let mut errors: Vec<ScanError> = Vec::new();
    let mut net = Network::default();

    // The region-wide listings do not depend on each other: run them at once.
    let (vpcs, subnets, route_tables, groups, instances, endpoints, peerings, services, lbs, tgs) = tokio::join!(
        describe_vpcs(ctx, &ec2),
        describe_subnets(ctx, &ec2),
        describe_route_tables(ctx, &ec2),
        describe_security_groups(ctx, &ec2),
        describe_instances(ctx, &ec2),
        describe_vpc_endpoints(ctx, &ec2),
        describe_peerings(ctx, &ec2),
        describe_endpoint_services(ctx, &ec2),
        describe_load_balancers(ctx, &elb),
        describe_target_groups(ctx, &elb),
    );
    macro_rules! take {
        ($result:expr, $field:expr) => {
            match $result {
                Ok((pages, items)) => {
                    ok += pages;
                    $field = items;
                }
                Err(e) => errors.push(e),
            }
        };
    }
    take!(vpcs, net.vpcs);
    take!(subnets, net.subnets);
    take!(route_tables, net.route_tables);
    take!(groups, net.security_groups);
    take!(instances, net.instances);
    take!(endpoints, net.vpc_endpoints);
    take!(peerings, net.peerings);
    take!(services, net.endpoint_services);
    take!(lbs, net.load_balancers);
    let mut target_groups: Vec<(TargetGroup, Vec<String>)> = Vec::new();
    take!(tgs, target_groups);

    // Endpoint services: who may connect (verdict) and who is connected (enrichment).
    for svc in &mut net.endpoint_services {
        match service_permissions(ctx, &ec2, &svc.service_id).await {
            Ok((pages, principals)) => {
                ok += pages;
                svc.allowed_principals = principals;
            }
            Err(e) => errors.push(e),
        }
        match service_connections(ctx, &ec2, &svc.service_id).await {
            Ok((pages, accounts)) => {
                ok += pages;
                svc.connected_accounts = Some(accounts);
            }
            Err(e) => target.notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not list the endpoint connections ({}: {}); the allowed principals still decide the verdict, only the list of connected accounts is missing",
                    e.code, e.message
                ),
                resource: Some(svc.service_id.clone()),
            }),
        }
    }

    // Attach target groups to their load balancers.
    for lb in &mut net.load_balancers {
        lb.target_groups = target_groups
            .iter()
            .filter(|(_, lbs)| lbs.iter().any(|a| a == &lb.arn))
            .map(|(tg, _)| tg.clone())
            .collect();
    }

    let owner = target.account_id.as_str();
    let peered_vpcs: BTreeSet<String> = net
        .peerings
        .iter()
        .filter(|p| p.status == "active" && p.requester.owner_id != p.accepter.owner_id)
        .flat_map(|p| [&p.requester, &p.accepter])
        .filter(|side| side.owner_id == owner)
        .map(|side| side.vpc_id.clone())
        .collect();
    let any_public_lb = net
        .load_balancers
        .iter()
        .any(|lb| lb.scheme == "internet-facing");
    let needs_targets =
        any_public_lb || !peered_vpcs.is_empty() || !net.endpoint_services.is_empty();

    if needs_targets {
        // One DescribeTargetHealth per target group, shared by every load balancer using it.
        let mut targets_of: BTreeMap<String, Result<Vec<LbTarget>, ()>> = BTreeMap::new();
        for lb in &net.load_balancers {
            for tg in &lb.target_groups {
                if targets_of.contains_key(&tg.arn) {
                    continue;
                }
                let result = match target_health(ctx, &elb, &tg.arn).await {
                    Ok(targets) => {
                        ok += 1;
                        Ok(targets)
                    }
                    Err(e) => {
                        errors.push(e);
                        Err(())
                    }
                };
                targets_of.insert(tg.arn.clone(), result);
            }
        }
        for lb in &mut net.load_balancers {
            let mut all_read = true;
            for tg in &mut lb.target_groups {
                match targets_of.get(&tg.arn) {
                    Some(Ok(targets)) => tg.targets = targets.clone(),
                    _ => all_read = false,
                }
            }
            lb.targets_read = all_read;
        }

        // IP targets that are not instance addresses: find their interfaces (subnet and
        // security groups decide what a peer can reach).
        let instance_ips: BTreeSet<&str> = net
            .instances
            .iter()
            .filter_map(|i| i.private_ip.as_deref())
            .collect();
        let orphan_ips: BTreeSet<String> = net
            .load_balancers
            .iter()
            .flat_map(|lb| &lb.target_groups)
            .filter(|tg| tg.target_type == "ip")
            .flat_map(|tg| &tg.targets)
            .filter(|t| !instance_ips.contains(t.id.as_str()))
            .map(|t| t.id.clone())
            .collect();
        if !orphan_ips.is_empty() {
            let ips: Vec<String> = orphan_ips.into_iter().collect();
            for batch in ips.chunks(100) {
                match network_interfaces(ctx, &ec2, batch).await {
                    Ok((pages, enis)) => {
                        ok += pages;
                        net.network_interfaces.extend(enis);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
    }

    for lb in &mut net.load_balancers {
        let wanted = lb.scheme == "internet-facing" || peered_vpcs.contains(&lb.vpc_id);
        if !wanted {
            continue;
        }
        match listeners(ctx, &elb, &lb.arn).await {
            Ok((pages, listeners)) => {
                ok += pages;
                lb.listeners = listeners;
                lb.listeners_read = true;
            }
            Err(e) => errors.push(e),
        }
    }

    let waf_client = waf::Client::new(&ctx.config);
    for lb in &mut net.load_balancers {
        if lb.scheme != "internet-facing" || lb.lb_type != "application" {
            continue;
        }
        let req = waf_client
            .get_web_acl_for_resource()
            .resource_arn(&lb.arn)
            .customize()
            .config_override(waf::config::Config::builder().retry_config(enrichment_retry()));
        match ctx.call("wafv2:GetWebACLForResource", Some(&lb.arn), req.send()).await {
            Ok(out) => {
                ok += 1;
                lb.web_acl_arn = out.web_acl().map(|a| a.arn().to_string());
            }
            Err(e) => target.notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not read the web ACL of this load balancer ({}: {}); a WAF changes no verdict (it filters, it does not authenticate), so only the ACL's name is missing from findings",
                    e.code, e.message
                ),
                resource: Some(lb.arn.clone()),
            }),
        }
    }

    sort_network(&mut net);
    target.network = net;
    target.errors.extend(errors);
    ok
}

/// Enrichment calls change no verdict: give them one retry, not the scan's full budget, so an
/// account (or an emulator) that does not support them costs a second, not half a minute.
fn enrichment_retry() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(2)
}

/// Deterministic order everywhere, so snapshots and reports diff cleanly.
fn sort_network(net: &mut Network) {
    net.vpcs.sort_by(|a, b| a.id.cmp(&b.id));
    net.subnets.sort_by(|a, b| a.id.cmp(&b.id));
    net.route_tables.sort_by(|a, b| a.id.cmp(&b.id));
    net.security_groups.sort_by(|a, b| a.id.cmp(&b.id));
    net.instances.sort_by(|a, b| a.id.cmp(&b.id));
    net.vpc_endpoints.sort_by(|a, b| a.id.cmp(&b.id));
    net.peerings.sort_by(|a, b| a.id.cmp(&b.id));
    net.endpoint_services
        .sort_by(|a, b| a.service_id.cmp(&b.service_id));
    net.network_interfaces.sort_by(|a, b| a.id.cmp(&b.id));
    net.load_balancers.sort_by(|a, b| a.arn.cmp(&b.arn));
    for lb in &mut net.load_balancers {
        lb.listeners.sort_by(|a, b| a.arn.cmp(&b.arn));
        lb.target_groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        for tg in &mut lb.target_groups {
            tg.targets.sort();
            tg.targets.dedup();
        }
    }
}

type Listing<T> = Result<(usize, Vec<T>), ScanError>;

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

async fn describe_vpcs(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Vpc> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcs",
        None,
        |t| c.describe_vpcs().max_results(1000).set_next_token(t).send(),
        |page| {
            for v in page.vpcs() {
                let mut cidrs: Vec<String> = v
                    .cidr_block_association_set()
                    .iter()
                    .filter_map(|a| a.cidr_block().map(str::to_string))
                    .collect();
                if let Some(primary) = v.cidr_block() {
                    cidrs.push(primary.to_string());
                }
                cidrs.sort();
                cidrs.dedup();
                out.push(Vpc {
                    id: s(v.vpc_id()),
                    cidr_blocks: cidrs,
                });
            }
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_subnets(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Subnet> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeSubnets",
        None,
        |t| {
            c.describe_subnets()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            out.extend(page.subnets().iter().map(|sn| Subnet {
                id: s(sn.subnet_id()),
                vpc_id: s(sn.vpc_id()),
                cidr_block: s(sn.cidr_block()),
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_route_tables(ctx: &RegionCtx, c: &ec2::Client) -> Listing<RouteTable> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeRouteTables",
        None,
        |t| {
            c.describe_route_tables()
                .max_results(100)
                .set_next_token(t)
                .send()
        },
        |page| {
            for rt in page.route_tables() {
                let mut subnet_ids: Vec<String> = rt
                    .associations()
                    .iter()
                    .filter_map(|a| a.subnet_id().map(str::to_string))
                    .collect();
                subnet_ids.sort();
                out.push(RouteTable {
                    id: s(rt.route_table_id()),
                    vpc_id: s(rt.vpc_id()),
                    subnet_ids,
                    main: rt.associations().iter().any(|a| a.main() == Some(true)),
                    routes: rt
                        .routes()
                        .iter()
                        .filter_map(|r| {
                            let dest = r
                                .destination_cidr_block()
                                .or(r.destination_ipv6_cidr_block())?;
                            Some(Route {
                                destination_cidr: dest.to_string(),
                                vpc_peering_connection_id: r
                                    .vpc_peering_connection_id()
                                    .map(str::to_string),
                                gateway_id: r.gateway_id().map(str::to_string),
                            })
                        })
                        .collect(),
                });
            }
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_security_groups(ctx: &RegionCtx, c: &ec2::Client) -> Listing<SecurityGroup> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeSecurityGroups",
        None,
        |t| {
            c.describe_security_groups()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            for g in page.security_groups() {
                out.push(SecurityGroup {
                    id: s(g.group_id()),
                    vpc_id: s(g.vpc_id()),
                    ingress: g
                        .ip_permissions()
                        .iter()
                        .map(|p| IngressRule {
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
                            source_group_ids: p
                                .user_id_group_pairs()
                                .iter()
                                .filter_map(|g| g.group_id().map(str::to_string))
                                .collect(),
                        })
                        .collect(),
                });
            }
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_instances(ctx: &RegionCtx, c: &ec2::Client) -> Listing<Instance> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeInstances",
        None,
        |t| {
            c.describe_instances()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            for r in page.reservations() {
                for i in r.instances() {
                    let mut groups: Vec<String> = i
                        .security_groups()
                        .iter()
                        .filter_map(|g| g.group_id().map(str::to_string))
                        .collect();
                    groups.sort();
                    out.push(Instance {
                        id: s(i.instance_id()),
                        vpc_id: i.vpc_id().map(str::to_string),
                        subnet_id: i.subnet_id().map(str::to_string),
                        private_ip: i.private_ip_address().map(str::to_string),
                        security_group_ids: groups,
                    });
                }
            }
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_vpc_endpoints(ctx: &RegionCtx, c: &ec2::Client) -> Listing<VpcEndpoint> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcEndpoints",
        None,
        |t| {
            c.describe_vpc_endpoints()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            out.extend(page.vpc_endpoints().iter().map(|e| {
                VpcEndpoint {
                    id: s(e.vpc_endpoint_id()),
                    vpc_id: s(e.vpc_id()),
                    service_name: s(e.service_name()),
                    endpoint_type: e
                        .vpc_endpoint_type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    owner_id: s(e.owner_id()),
                }
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

fn peering_side(info: Option<&ec2::types::VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    let Some(info) = info else {
        return PeeringSide::default();
    };
    let mut cidrs: Vec<String> = info
        .cidr_block_set()
        .iter()
        .filter_map(|c| c.cidr_block().map(str::to_string))
        .collect();
    if let Some(primary) = info.cidr_block() {
        cidrs.push(primary.to_string());
    }
    cidrs.sort();
    cidrs.dedup();
    PeeringSide {
        owner_id: s(info.owner_id()),
        vpc_id: s(info.vpc_id()),
        region: info.region().map(str::to_string),
        cidr_blocks: cidrs,
    }
}

async fn describe_peerings(ctx: &RegionCtx, c: &ec2::Client) -> Listing<VpcPeering> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcPeeringConnections",
        None,
        |t| {
            c.describe_vpc_peering_connections()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            out.extend(page.vpc_peering_connections().iter().map(|p| {
                VpcPeering {
                    id: s(p.vpc_peering_connection_id()),
                    status: p
                        .status()
                        .and_then(|st| st.code())
                        .map(|c| c.as_str().to_string())
                        .unwrap_or_default(),
                    requester: peering_side(p.requester_vpc_info()),
                    accepter: peering_side(p.accepter_vpc_info()),
                }
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_endpoint_services(ctx: &RegionCtx, c: &ec2::Client) -> Listing<EndpointService> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcEndpointServiceConfigurations",
        None,
        |t| {
            c.describe_vpc_endpoint_service_configurations()
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            out.extend(
                page.service_configurations()
                    .iter()
                    .map(|sc| EndpointService {
                        service_id: s(sc.service_id()),
                        service_name: s(sc.service_name()),
                        // AWS's default is to require acceptance; absent means the default.
                        acceptance_required: sc.acceptance_required().unwrap_or(true),
                        network_load_balancer_arns: sc.network_load_balancer_arns().to_vec(),
                        gateway_load_balancer_arns: sc.gateway_load_balancer_arns().to_vec(),
                        allowed_principals: vec![],
                        connected_accounts: None,
                    }),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn service_permissions(
    ctx: &RegionCtx,
    c: &ec2::Client,
    service_id: &str,
) -> Listing<String> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcEndpointServicePermissions",
        Some(service_id),
        |t| {
            c.describe_vpc_endpoint_service_permissions()
                .service_id(service_id)
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            out.extend(
                page.allowed_principals()
                    .iter()
                    .filter_map(|p| p.principal().map(str::to_string)),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    out.sort();
    out.dedup();
    Ok((pages, out))
}

async fn service_connections(
    ctx: &RegionCtx,
    c: &ec2::Client,
    service_id: &str,
) -> Listing<String> {
    let mut out = Vec::new();
    let filter = ec2::types::Filter::builder()
        .name("service-id")
        .values(service_id)
        .build();
    let pages = paginate(
        ctx,
        "ec2:DescribeVpcEndpointConnections",
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
        |page| {
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
    .await?;
    out.sort();
    out.dedup();
    Ok((pages, out))
}

async fn network_interfaces(
    ctx: &RegionCtx,
    c: &ec2::Client,
    ips: &[String],
) -> Listing<NetworkInterface> {
    let mut out = Vec::new();
    let filter = ec2::types::Filter::builder()
        .name("addresses.private-ip-address")
        .set_values(Some(ips.to_vec()))
        .build();
    let pages = paginate(
        ctx,
        "ec2:DescribeNetworkInterfaces",
        None,
        |t| {
            c.describe_network_interfaces()
                .filters(filter.clone())
                .max_results(1000)
                .set_next_token(t)
                .send()
        },
        |page| {
            for eni in page.network_interfaces() {
                let mut ips: Vec<String> = eni
                    .private_ip_addresses()
                    .iter()
                    .filter_map(|a| a.private_ip_address().map(str::to_string))
                    .collect();
                if let Some(primary) = eni.private_ip_address() {
                    ips.push(primary.to_string());
                }
                ips.sort();
                ips.dedup();
                let mut groups: Vec<String> = eni
                    .groups()
                    .iter()
                    .filter_map(|g| g.group_id().map(str::to_string))
                    .collect();
                groups.sort();
                out.push(NetworkInterface {
                    id: s(eni.network_interface_id()),
                    vpc_id: s(eni.vpc_id()),
                    subnet_id: s(eni.subnet_id()),
                    private_ips: ips,
                    security_group_ids: groups,
                });
            }
            page.next_token().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn describe_load_balancers(ctx: &RegionCtx, c: &elb::Client) -> Listing<LoadBalancer> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "elasticloadbalancing:DescribeLoadBalancers",
        None,
        |t| {
            c.describe_load_balancers()
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page| {
            for lb in page.load_balancers() {
                let mut subnets: Vec<String> = lb
                    .availability_zones()
                    .iter()
                    .filter_map(|z| z.subnet_id().map(str::to_string))
                    .collect();
                subnets.sort();
                let mut groups = lb.security_groups().to_vec();
                groups.sort();
                out.push(LoadBalancer {
                    arn: s(lb.load_balancer_arn()),
                    name: s(lb.load_balancer_name()),
                    // Trust `Type`, never the ARN's shape (moto names NLBs `loadbalancer/app/…`).
                    lb_type: lb
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    scheme: lb
                        .scheme()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    vpc_id: s(lb.vpc_id()),
                    subnet_ids: subnets,
                    security_group_ids: groups,
                    dns_name: lb.dns_name().map(str::to_string),
                    ..Default::default()
                });
            }
            page.next_marker().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

/// Every target group of the region with the load balancers that use it.
async fn describe_target_groups(
    ctx: &RegionCtx,
    c: &elb::Client,
) -> Listing<(TargetGroup, Vec<String>)> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "elasticloadbalancing:DescribeTargetGroups",
        None,
        |t| {
            c.describe_target_groups()
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page| {
            for tg in page.target_groups() {
                out.push((
                    TargetGroup {
                        arn: s(tg.target_group_arn()),
                        name: s(tg.target_group_name()),
                        target_type: tg
                            .target_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_else(|| "instance".into()),
                        port: tg.port(),
                        vpc_id: s(tg.vpc_id()),
                        targets: vec![],
                    },
                    tg.load_balancer_arns().to_vec(),
                ));
            }
            page.next_marker().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}

async fn target_health(
    ctx: &RegionCtx,
    c: &elb::Client,
    tg_arn: &str,
) -> Result<Vec<LbTarget>, ScanError> {
    let out = ctx
        .call(
            "elasticloadbalancing:DescribeTargetHealth",
            Some(tg_arn),
            c.describe_target_health().target_group_arn(tg_arn).send(),
        )
        .await?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .filter_map(|t| {
            Some(LbTarget {
                id: t.id()?.to_string(),
                port: t.port(),
            })
        })
        .collect())
}

async fn listeners(ctx: &RegionCtx, c: &elb::Client, lb_arn: &str) -> Listing<Listener> {
    let mut out = Vec::new();
    let pages = paginate(
        ctx,
        "elasticloadbalancing:DescribeListeners",
        Some(lb_arn),
        |t| {
            c.describe_listeners()
                .load_balancer_arn(lb_arn)
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page| {
            for l in page.listeners() {
                let mut tgs: Vec<String> = Vec::new();
                for a in l.default_actions() {
                    tgs.extend(a.target_group_arn().map(str::to_string));
                    if let Some(fc) = a.forward_config() {
                        tgs.extend(
                            fc.target_groups()
                                .iter()
                                .filter_map(|t| t.target_group_arn().map(str::to_string)),
                        );
                    }
                }
                tgs.sort();
                tgs.dedup();
                out.push(Listener {
                    arn: s(l.listener_arn()),
                    port: l.port().unwrap_or_default(),
                    protocol: l
                        .protocol()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    target_group_arns: tgs,
                });
            }
            page.next_marker().map(str::to_string)
        },
    )
    .await?;
    Ok((pages, out))
}
