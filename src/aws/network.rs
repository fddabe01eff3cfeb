//! Network inventory (EC2, ELBv2, WAFv2) for bypass analysis: the paths to a private backend
//! that do not go through API Gateway (README, "How it decides": PrivateLink, VPC peering,
//! transit gateways, internet-facing load balancers). This file decides which reads happen
//! when; `ec2`, `elb` and `transit` make them (`transit` says which transit gateway reads
//! happen when).
//!
//! Call budget per account × region, read-only:
//! - always, one paginated listing each (run concurrently): `ec2:DescribeVpcs`,
//!   `DescribeSubnets`, `DescribeRouteTables`, `DescribeSecurityGroups`, `DescribeInstances`,
//!   `DescribeVpcEndpoints`, `DescribeVpcPeeringConnections`,
//!   `DescribeVpcEndpointServiceConfigurations`, `elasticloadbalancing:DescribeLoadBalancers`
//!   and `DescribeTargetGroups` (all target groups of the region in one listing, each naming
//!   its load balancers), and `ec2:DescribeTransitGatewayAttachments`;
//! - per endpoint service: `DescribeVpcEndpointServicePermissions` (decides the verdict) and
//!   `DescribeVpcEndpointConnections` (who is connected now: accounts connected but no longer
//!   allowed are reported too; a failure is a notification);
//! - the route tables of the transit gateways the account owns where another account comes in
//!   (see `transit`);
//! - only when some verdict compares targets (the region has an endpoint service, an
//!   internet-facing load balancer, a VPC another account comes into (an active cross-account
//!   peering, or a transit gateway attachment another account's traffic can come through), or
//!   a VPC Lattice target group with targets, read before this):
//!   `DescribeTargetHealth` per target group attached to a load balancer, and
//!   `DescribeNetworkInterfaces` (batched) for IP targets that are not instance addresses;
//! - `DescribeListeners` only for internet-facing load balancers and for load balancers in a
//!   VPC another account comes into (listener ports matter only there);
//! - `elasticloadbalancing:DescribeTargetGroupAttributes` only for the TCP/TLS target groups of
//!   internal NLBs in a VPC another account comes into (`preserve_client_ip.enabled`
//!   decides whose address the targets' security groups must admit; UDP-like protocols always
//!   preserve it);
//! - `ec2:DescribeManagedPrefixLists` (batched by id) and `GetManagedPrefixListEntries` per list
//!   only for prefix lists named by the security groups of internet-facing load balancers, by
//!   the security groups of a VPC another account comes into, by a route to a peering or a
//!   transit gateway, or by a transit gateway route read (the AWS-managed CloudFront
//!   origin-facing list needs no entries: it means the internet, through CloudFront);
//! - `wafv2:GetWebACLForResource` per internet-facing ALB (NLBs cannot carry a web ACL; REST
//!   API stages report theirs in `GetStages`).
//!
//! Per-resource calls run a few at a time ([`bounded`]) and their answers are applied in a
//! fixed order, so the inventory is the same whatever finishes first.
//!
//! Failures of calls that verdicts depend on are scan errors (the target becomes partial);
//! failures of enrichment calls (endpoint connections, web ACL lookups) are notifications.

use super::concurrency::bounded;
use super::ec2::{
    describe_endpoint_services, describe_instances, describe_peerings, describe_prefix_lists,
    describe_route_tables, describe_security_groups, describe_subnets, describe_vpc_endpoints,
    describe_vpcs, network_interfaces, prefix_list_entries, service_connections,
    service_permissions,
};
use super::elb::{
    describe_load_balancers, describe_target_groups, listeners, preserve_client_ip, target_health,
    web_acl, ListedTargetGroup,
};
use super::transit::{
    describe_attachments, read_route_tables, route_prefix_lists, transit_vpcs,
    vpc_route_prefix_lists,
};
use super::{ReadLog, RegionCtx};
use crate::inventory::{
    LbTarget, LoadBalancer, Network, Notification, PrefixList, Target, TargetGroup, Transit,
};
use aws_sdk_ec2 as ec2;
use aws_sdk_elasticloadbalancingv2 as elb;
use aws_sdk_wafv2 as waf;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Reads the network inventory of one account × region. Returns the number of calls that
/// succeeded (0 means nothing could be read).
pub(crate) async fn collect(ctx: &RegionCtx, target: &mut Target) -> usize {
    // The steps' per-resource futures borrow these clients but own their items: futures
    // holding borrowed items are not `Send` across the scan's `tokio::spawn`.
    let ec2 = &ec2::Client::new(&ctx.config);
    let elb = &elb::Client::new(&ctx.config);
    let mut log = ReadLog::default();

    let (mut net, target_groups) = read_listings(ctx, ec2, elb, &mut log).await;
    read_endpoint_services(ctx, ec2, &mut net, &mut log, &mut target.notifications).await;
    // Unlisted target groups leave every load balancer's targets unknown, not "none".
    let target_groups_listed = target_groups.is_some();
    attach_target_groups(&mut net, target_groups.unwrap_or_default());

    // The per-resource reads below happen only where some verdict needs them.
    // Transit gateway route tables first: which VPCs another account comes into depends on
    // the gateways' attachments.
    read_route_tables(ctx, ec2, &mut net, &target.account_id, &mut log).await;
    let mut crossed_vpcs = peered_vpcs(&net, &target.account_id);
    crossed_vpcs.extend(transit_vpcs(&net, &target.account_id));
    let lattice_targets = (target.lattice.target_groups.iter()).any(|g| !g.targets.is_empty());
    if verdicts_compare_targets(&net, &crossed_vpcs) || lattice_targets {
        read_target_health(ctx, elb, &mut net, target_groups_listed, &mut log).await;
        read_target_interfaces(ctx, ec2, &mut net, &mut log).await;
    }
    read_listeners(ctx, elb, &mut net, &crossed_vpcs, &mut log).await;
    read_client_ip_preservation(ctx, elb, &mut net, &crossed_vpcs, &mut log).await;
    // Prefix lists that some verdict depends on: resolved, never guessed.
    let wanted = referenced_prefix_lists(&net, &crossed_vpcs);
    if !wanted.is_empty() {
        net.prefix_lists = resolve_prefix_lists(ctx, ec2, &wanted, &mut log).await;
    }
    read_web_acls(ctx, &mut net, &mut log, &mut target.notifications).await;

    sort_network(&mut net);
    target.network = net;
    log.finish(target)
}

/// The region-wide listings, run at once (they do not depend on each other): the network
/// they describe, and the region's target groups (`None` when they could not be listed).
async fn read_listings(
    ctx: &RegionCtx,
    ec2: &ec2::Client,
    elb: &elb::Client,
    log: &mut ReadLog,
) -> (Network, Option<Vec<ListedTargetGroup>>) {
    let (
        vpcs,
        subnets,
        route_tables,
        groups,
        instances,
        endpoints,
        peerings,
        services,
        lbs,
        tgs,
        attachments,
    ) = tokio::join!(
        describe_vpcs(ctx, ec2),
        describe_subnets(ctx, ec2),
        describe_route_tables(ctx, ec2),
        describe_security_groups(ctx, ec2),
        describe_instances(ctx, ec2),
        describe_vpc_endpoints(ctx, ec2),
        describe_peerings(ctx, ec2),
        describe_endpoint_services(ctx, ec2),
        describe_load_balancers(ctx, elb),
        describe_target_groups(ctx, elb),
        describe_attachments(ctx, ec2),
    );
    let net = Network {
        vpcs: log.listed(vpcs).unwrap_or_default(),
        subnets: log.listed(subnets).unwrap_or_default(),
        route_tables: log.listed(route_tables).unwrap_or_default(),
        security_groups: log.listed(groups).unwrap_or_default(),
        instances: log.listed(instances).unwrap_or_default(),
        vpc_endpoints: log.listed(endpoints).unwrap_or_default(),
        peerings: log.listed(peerings).unwrap_or_default(),
        endpoint_services: log.listed(services).unwrap_or_default(),
        load_balancers: log.listed(lbs).unwrap_or_default(),
        transit: log.listed(attachments).map(|attachments| Transit {
            attachments,
            gateways: vec![],
        }),
        ..Default::default()
    };
    (net, log.listed(tgs))
}

/// Endpoint services: who may connect (verdict) and who is connected (connections outlive
/// the permission that allowed them, so they can widen the verdict; a failure only loses
/// that detail).
async fn read_endpoint_services(
    ctx: &RegionCtx,
    ec2: &ec2::Client,
    net: &mut Network,
    log: &mut ReadLog,
    notifications: &mut Vec<Notification>,
) {
    let ids: Vec<String> = net
        .endpoint_services
        .iter()
        .map(|s| s.service_id.clone())
        .collect();
    let answers = bounded(ids, |id| async move {
        tokio::join!(
            service_permissions(ctx, ec2, &id),
            service_connections(ctx, ec2, &id)
        )
    })
    .await;
    for (svc, (permissions, connections)) in net.endpoint_services.iter_mut().zip(answers) {
        if let Some(principals) = log.listed(permissions) {
            for (principal, kind) in principals {
                if let Some(kind) = kind {
                    svc.principal_types.insert(principal.clone(), kind);
                }
                svc.allowed_principals.push(principal);
            }
            svc.allowed_principals.sort();
            svc.allowed_principals.dedup();
        }
        match connections {
            Ok((pages, accounts)) => {
                log.succeeded += pages;
                svc.connected_accounts = Some(accounts);
            }
            Err(e) => notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not list the endpoint connections ({}: {}); the allowed principals still decide the verdict, only accounts connected but no longer allowed would be missing",
                    e.code, e.message
                ),
                resource: Some(svc.service_id.clone()),
            }),
        }
    }
}

/// Attaches the target groups to their load balancers (one pass, not load balancers × groups).
fn attach_target_groups(net: &mut Network, target_groups: Vec<ListedTargetGroup>) {
    let mut groups_of: HashMap<String, Vec<TargetGroup>> = HashMap::new();
    for (tg, lb_arns) in &target_groups {
        for arn in lb_arns {
            groups_of.entry(arn.clone()).or_default().push(tg.clone());
        }
    }
    for lb in &mut net.load_balancers {
        lb.target_groups = groups_of.remove(&lb.arn).unwrap_or_default();
    }
}

/// The VPCs of this account (`owner`) in an active cross-account peering: where a peer can
/// come in.
fn peered_vpcs(net: &Network, owner: &str) -> BTreeSet<String> {
    net.peerings
        .iter()
        .filter(|p| p.status == "active" && p.requester.owner_id != p.accepter.owner_id)
        .flat_map(|p| [&p.requester, &p.accepter])
        .filter(|side| side.owner_id == owner)
        .map(|side| side.vpc_id.clone())
        .collect()
}

/// Whether some verdict of the region compares load balancer targets with a backend: the
/// region has an endpoint service, an internet-facing load balancer or a VPC another account
/// comes into (`crossed_vpcs`: peered, or attached to a transit gateway).
fn verdicts_compare_targets(net: &Network, crossed_vpcs: &BTreeSet<String>) -> bool {
    let any_public_lb = net
        .load_balancers
        .iter()
        .any(|lb| lb.scheme == "internet-facing");
    any_public_lb || !crossed_vpcs.is_empty() || !net.endpoint_services.is_empty()
}

/// The targets of every load balancer: one `DescribeTargetHealth` per target group, shared by
/// every load balancer using it. A load balancer's targets count as read only when all its
/// groups' were and the region's groups were listed.
async fn read_target_health(
    ctx: &RegionCtx,
    elb: &elb::Client,
    net: &mut Network,
    target_groups_listed: bool,
    log: &mut ReadLog,
) {
    let tg_arns: BTreeSet<String> = net
        .load_balancers
        .iter()
        .flat_map(|lb| &lb.target_groups)
        .map(|tg| tg.arn.clone())
        .collect();
    let answers = bounded(tg_arns.iter().cloned(), |arn| async move {
        target_health(ctx, elb, &arn).await
    })
    .await;
    let targets_of: BTreeMap<&str, Option<Vec<LbTarget>>> = tg_arns
        .iter()
        .zip(answers)
        .map(|(arn, answer)| (arn.as_str(), log.answer(answer).ok()))
        .collect();
    for lb in &mut net.load_balancers {
        let mut all_read = true;
        for tg in &mut lb.target_groups {
            match targets_of.get(tg.arn.as_str()) {
                Some(Some(targets)) => tg.targets = targets.clone(),
                _ => all_read = false,
            }
        }
        lb.targets_read = all_read && target_groups_listed;
    }
}

/// The interfaces of IP targets that are not instance addresses (their subnet and security
/// groups decide what a peer can reach). The lookup is region-wide, so a target in another
/// VPC of the account (a peered one) is found too.
async fn read_target_interfaces(
    ctx: &RegionCtx,
    ec2: &ec2::Client,
    net: &mut Network,
    log: &mut ReadLog,
) {
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
    // IPv4 and IPv6 addresses are filtered by different keys.
    let (v6, v4): (Vec<String>, Vec<String>) =
        orphan_ips.into_iter().partition(|ip| ip.contains(':'));
    let batches: Vec<(bool, Vec<String>)> = v4
        .chunks(100)
        .map(|b| (false, b.to_vec()))
        .chain(v6.chunks(100).map(|b| (true, b.to_vec())))
        .collect();
    let answers = bounded(batches, |(v6, batch)| async move {
        let key = if v6 {
            "ipv6-addresses.ipv6-address"
        } else {
            "addresses.private-ip-address"
        };
        network_interfaces(ctx, ec2, key, &batch).await
    })
    .await;
    for answer in answers {
        net.network_interfaces
            .extend(log.listed(answer).unwrap_or_default());
    }
    net.network_interfaces.sort_by(|a, b| a.id.cmp(&b.id));
    net.network_interfaces.dedup_by(|a, b| a.id == b.id);
}

/// The load balancers `wanted`: their places in `net.load_balancers`, and their ARNs.
fn load_balancers_where(
    net: &Network,
    wanted: impl Fn(&LoadBalancer) -> bool,
) -> (Vec<usize>, Vec<String>) {
    net.load_balancers
        .iter()
        .enumerate()
        .filter(|(_, lb)| wanted(lb))
        .map(|(i, lb)| (i, lb.arn.clone()))
        .unzip()
}

/// The listeners of internet-facing load balancers and of those in a VPC another account
/// comes into: listener ports matter only there.
async fn read_listeners(
    ctx: &RegionCtx,
    elb: &elb::Client,
    net: &mut Network,
    crossed_vpcs: &BTreeSet<String>,
    log: &mut ReadLog,
) {
    let (wanted, arns) = load_balancers_where(net, |lb| {
        lb.scheme == "internet-facing" || crossed_vpcs.contains(&lb.vpc_id)
    });
    let answers = bounded(arns, |arn| async move { listeners(ctx, elb, &arn).await }).await;
    for (&i, answer) in wanted.iter().zip(answers) {
        if let Some(listeners) = log.listed(answer) {
            net.load_balancers[i].listeners = listeners;
            net.load_balancers[i].listeners_read = true;
        }
    }
}

/// Client IP preservation decides whose address the targets of an internal NLB see when a
/// peer comes through it: the peer's (preserved) or the NLB's own. Only VPCs another account
/// comes into need it.
async fn read_client_ip_preservation(
    ctx: &RegionCtx,
    elb: &elb::Client,
    net: &mut Network,
    crossed_vpcs: &BTreeSet<String>,
    log: &mut ReadLog,
) {
    let configurable_groups: BTreeSet<String> = net
        .load_balancers
        .iter()
        .filter(|lb| {
            lb.lb_type == "network" && lb.scheme == "internal" && crossed_vpcs.contains(&lb.vpc_id)
        })
        .flat_map(|lb| &lb.target_groups)
        .filter(|tg| tg.preservation_configurable())
        .map(|tg| tg.arn.clone())
        .collect();
    let answers = bounded(configurable_groups.iter().cloned(), |arn| async move {
        preserve_client_ip(ctx, elb, &arn).await
    })
    .await;
    let preservation_of: BTreeMap<&str, Result<Option<bool>, String>> = configurable_groups
        .iter()
        .zip(answers)
        .map(|(arn, answer)| (arn.as_str(), log.answer(answer)))
        .collect();
    for tg in net
        .load_balancers
        .iter_mut()
        .flat_map(|lb| &mut lb.target_groups)
    {
        match preservation_of.get(tg.arn.as_str()) {
            Some(Ok(v)) => tg.preserve_client_ip = *v,
            Some(Err(code)) => tg.attributes_error = Some(code.clone()),
            None => {}
        }
    }
}

/// The web ACLs of internet-facing ALBs (NLBs cannot carry one). A failure is a
/// notification: a WAF changes no verdict.
async fn read_web_acls(
    ctx: &RegionCtx,
    net: &mut Network,
    log: &mut ReadLog,
    notifications: &mut Vec<Notification>,
) {
    let waf_client = &waf::Client::new(&ctx.config);
    let (albs, arns) = load_balancers_where(net, |lb| {
        lb.scheme == "internet-facing" && lb.lb_type == "application"
    });
    let answers = bounded(
        arns,
        |arn| async move { web_acl(ctx, waf_client, &arn).await },
    )
    .await;
    for (&i, answer) in albs.iter().zip(answers) {
        let lb = &mut net.load_balancers[i];
        match answer {
            Ok(web_acl_arn) => {
                log.succeeded += 1;
                lb.web_acl_arn = web_acl_arn;
            }
            Err(e) => {
                lb.web_acl_error = Some(e.code.clone());
                notifications.push(Notification {
                    operation: e.operation,
                    message: format!(
                        "could not read the web ACL of this load balancer ({}: {}); a WAF changes no verdict (it filters, it does not authenticate), so findings only say the ACL is unknown",
                        e.code, e.message
                    ),
                    resource: Some(lb.arn.clone()),
                });
            }
        }
    }
}

/// Prefix lists named where a verdict depends on them: rules of the security groups of
/// internet-facing load balancers (who on the internet reaches them), rules of every group in
/// a VPC another account comes into (an active cross-account peering, a transit gateway),
/// destinations of routes to a peering or a transit gateway, and of the routes of the transit
/// gateway route tables read.
fn referenced_prefix_lists(net: &Network, crossed_vpcs: &BTreeSet<String>) -> BTreeSet<String> {
    let public_groups: BTreeSet<&str> = net
        .load_balancers
        .iter()
        .filter(|lb| lb.scheme == "internet-facing")
        .flat_map(|lb| lb.security_group_ids.iter().map(String::as_str))
        .collect();
    let mut out = BTreeSet::new();
    for g in &net.security_groups {
        if public_groups.contains(g.id.as_str()) || crossed_vpcs.contains(&g.vpc_id) {
            for rule in &g.ingress {
                out.extend(rule.prefix_list_ids.iter().cloned());
            }
        }
    }
    let crossed_tables = || {
        net.route_tables
            .iter()
            .filter(|rt| crossed_vpcs.contains(&rt.vpc_id))
    };
    for rt in crossed_tables() {
        for r in &rt.routes {
            if r.vpc_peering_connection_id.is_some() {
                out.extend(r.destination_prefix_list_id.iter().cloned());
            }
        }
    }
    out.extend(vpc_route_prefix_lists(crossed_tables()));
    out.extend(route_prefix_lists(net));
    out
}

/// Names, owners and entries of the prefix lists `ids`. A list whose description or entries
/// cannot be read is kept with `cidrs: None` (analysis then assumes the widest) and the failure
/// is a scan error: a verdict depends on it.
async fn resolve_prefix_lists(
    ctx: &RegionCtx,
    c: &ec2::Client,
    ids: &BTreeSet<String>,
    log: &mut ReadLog,
) -> Vec<PrefixList> {
    let mut lists: BTreeMap<String, PrefixList> = ids
        .iter()
        .map(|id| {
            (
                id.clone(),
                PrefixList {
                    id: id.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();
    let ids: Vec<String> = ids.iter().cloned().collect();
    // A filter, not `PrefixListIds`: an id that no longer exists must not fail the others.
    let batches: Vec<Vec<String>> = ids.chunks(100).map(<[String]>::to_vec).collect();
    let answers = bounded(batches, |batch| async move {
        describe_prefix_lists(ctx, c, &batch).await
    })
    .await;
    for found in answers.into_iter().filter_map(|answer| log.listed(answer)) {
        for (id, name, owner) in found {
            if let Some(pl) = lists.get_mut(&id) {
                pl.name = name;
                pl.owner_id = owner;
            }
        }
    }
    // The CloudFront list means "the internet" whatever its entries: no call for it.
    let need_entries: Vec<String> = lists
        .values()
        .filter(|pl| pl.name.is_some() && !pl.is_cloudfront_origin_facing())
        .map(|pl| pl.id.clone())
        .collect();
    let answers = bounded(need_entries.iter().cloned(), |id| async move {
        prefix_list_entries(ctx, c, &id).await
    })
    .await;
    for (id, answer) in need_entries.iter().zip(answers) {
        if let Some(cidrs) = log.listed(answer) {
            if let Some(pl) = lists.get_mut(id) {
                pl.cidrs = Some(cidrs);
            }
        }
    }
    lists.into_values().collect()
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
    net.prefix_lists.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(transit) = &mut net.transit {
        transit.attachments.sort_by(|a, b| a.id.cmp(&b.id));
    }
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

#[cfg(test)]
mod tests;
