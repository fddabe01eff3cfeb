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
//!   `DescribeVpcEndpointConnections` (who is connected now: accounts connected but no longer
//!   allowed are reported too; a failure is a notification);
//! - only when some verdict compares targets (the region has an endpoint service, an
//!   internet-facing load balancer or an active cross-account peering):
//!   `DescribeTargetHealth` per target group attached to a load balancer, and
//!   `DescribeNetworkInterfaces` (batched) for IP targets that are not instance addresses;
//! - `DescribeListeners` only for internet-facing load balancers and for load balancers in a
//!   VPC with an active cross-account peering (listener ports matter only there);
//! - `elasticloadbalancing:DescribeTargetGroupAttributes` only for the TCP/TLS target groups of
//!   internal NLBs in a VPC with an active cross-account peering (`preserve_client_ip.enabled`
//!   decides whose address the targets' security groups must admit; UDP-like protocols always
//!   preserve it);
//! - `ec2:DescribeManagedPrefixLists` (batched by id) and `GetManagedPrefixListEntries` per list
//!   only for prefix lists named by the security groups of internet-facing load balancers, by
//!   the security groups of a VPC with an active cross-account peering, or by a route to a
//!   peering (the AWS-managed CloudFront origin-facing list needs no entries: it means the
//!   internet, through CloudFront);
//! - `wafv2:GetWebACLForResource` per internet-facing ALB (NLBs cannot carry a web ACL; REST
//!   API stages report theirs in `GetStages`).
//!
//! Per-resource calls run a few at a time ([`bounded`]) and their answers are applied in a
//! fixed order, so the inventory is the same whatever finishes first.
//!
//! Failures of calls that verdicts depend on are scan errors (the target becomes partial);
//! failures of enrichment calls (endpoint connections, web ACL lookups) are notifications.

use super::concurrency::bounded;
use super::config::enrichment_retry;
use super::ec2::{
    describe_endpoint_services, describe_instances, describe_peerings, describe_prefix_lists,
    describe_route_tables, describe_security_groups, describe_subnets, describe_vpc_endpoints,
    describe_vpcs, network_interfaces, prefix_list_entries, service_connections,
    service_permissions,
};
use super::elb::{
    describe_load_balancers, describe_target_groups, listeners, preserve_client_ip, target_health,
};
use super::RegionCtx;
use crate::inventory::{
    LbTarget, Network, Notification, PrefixList, ScanError, Target, TargetGroup,
};
use aws_sdk_ec2 as ec2;
use aws_sdk_elasticloadbalancingv2 as elb;
use aws_sdk_wafv2 as waf;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Reads the network inventory of one account × region. Returns the number of calls that
/// succeeded (0 means nothing could be read).
pub(crate) async fn collect(ctx: &RegionCtx, target: &mut Target) -> usize {
    // References, so the per-resource futures below can share them (their items are owned
    // values: futures holding borrowed items are not `Send` across the scan's `tokio::spawn`).
    let ec2 = &ec2::Client::new(&ctx.config);
    let elb = &elb::Client::new(&ctx.config);
    let mut ok = 0usize;
    let mut errors: Vec<ScanError> = Vec::new();
    let mut net = Network::default();

    // The region-wide listings do not depend on each other: run them at once.
    let (vpcs, subnets, route_tables, groups, instances, endpoints, peerings, services, lbs, tgs) = tokio::join!(
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
    // Unlisted target groups leave every load balancer's targets unknown, not "none".
    let tgs_listed = tgs.is_ok();
    take!(tgs, target_groups);

    // Endpoint services: who may connect (verdict) and who is connected (connections outlive
    // the permission that allowed them, so they can widen the verdict; a failure only loses
    // that detail).
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
        match permissions {
            Ok((pages, principals)) => {
                ok += pages;
                for (principal, kind) in principals {
                    if let Some(kind) = kind {
                        svc.principal_types.insert(principal.clone(), kind);
                    }
                    svc.allowed_principals.push(principal);
                }
                svc.allowed_principals.sort();
                svc.allowed_principals.dedup();
            }
            Err(e) => errors.push(e),
        }
        match connections {
            Ok((pages, accounts)) => {
                ok += pages;
                svc.connected_accounts = Some(accounts);
            }
            Err(e) => target.notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not list the endpoint connections ({}: {}); the allowed principals still decide the verdict, only accounts connected but no longer allowed would be missing",
                    e.code, e.message
                ),
                resource: Some(svc.service_id.clone()),
            }),
        }
    }

    // Attach target groups to their load balancers (one pass, not load balancers × groups).
    let mut groups_of: HashMap<String, Vec<TargetGroup>> = HashMap::new();
    for (tg, lb_arns) in &target_groups {
        for arn in lb_arns {
            groups_of.entry(arn.clone()).or_default().push(tg.clone());
        }
    }
    for lb in &mut net.load_balancers {
        lb.target_groups = groups_of.remove(&lb.arn).unwrap_or_default();
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
        let mut targets_of: BTreeMap<&str, Option<Vec<LbTarget>>> = BTreeMap::new();
        for (arn, answer) in tg_arns.iter().zip(answers) {
            let targets = match answer {
                Ok(targets) => {
                    ok += 1;
                    Some(targets)
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            targets_of.insert(arn.as_str(), targets);
        }
        for lb in &mut net.load_balancers {
            let mut all_read = true;
            for tg in &mut lb.target_groups {
                match targets_of.get(tg.arn.as_str()) {
                    Some(Some(targets)) => tg.targets = targets.clone(),
                    _ => all_read = false,
                }
            }
            lb.targets_read = all_read && tgs_listed;
        }

        // IP targets that are not instance addresses: find their interfaces (subnet and
        // security groups decide what a peer can reach). The lookup is region-wide, so a target
        // in another VPC of the account (a peered one) is found too.
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
            match answer {
                Ok((pages, enis)) => {
                    ok += pages;
                    net.network_interfaces.extend(enis);
                }
                Err(e) => errors.push(e),
            }
        }
        net.network_interfaces.sort_by(|a, b| a.id.cmp(&b.id));
        net.network_interfaces.dedup_by(|a, b| a.id == b.id);
    }

    let wanted: Vec<usize> = (0..net.load_balancers.len())
        .filter(|&i| {
            let lb = &net.load_balancers[i];
            lb.scheme == "internet-facing" || peered_vpcs.contains(&lb.vpc_id)
        })
        .collect();
    let arns: Vec<String> = wanted
        .iter()
        .map(|&i| net.load_balancers[i].arn.clone())
        .collect();
    let answers = bounded(arns, |arn| async move { listeners(ctx, elb, &arn).await }).await;
    for (&i, answer) in wanted.iter().zip(answers) {
        match answer {
            Ok((pages, listeners)) => {
                ok += pages;
                net.load_balancers[i].listeners = listeners;
                net.load_balancers[i].listeners_read = true;
            }
            Err(e) => errors.push(e),
        }
    }

    // Client IP preservation decides whose address the targets of an internal NLB see when a
    // peer comes through it: the peer's (preserved) or the NLB's own. Only peered VPCs need it.
    let tg_attrs: BTreeSet<String> = net
        .load_balancers
        .iter()
        .filter(|lb| {
            lb.lb_type == "network" && lb.scheme == "internal" && peered_vpcs.contains(&lb.vpc_id)
        })
        .flat_map(|lb| &lb.target_groups)
        .filter(|tg| tg.preservation_configurable())
        .map(|tg| tg.arn.clone())
        .collect();
    let answers = bounded(tg_attrs.iter().cloned(), |arn| async move {
        preserve_client_ip(ctx, elb, &arn).await
    })
    .await;
    let mut preserve: BTreeMap<&str, Result<Option<bool>, String>> = BTreeMap::new();
    for (arn, answer) in tg_attrs.iter().zip(answers) {
        let value = match answer {
            Ok(v) => {
                ok += 1;
                Ok(v)
            }
            Err(e) => {
                let code = e.code.clone();
                errors.push(e);
                Err(code)
            }
        };
        preserve.insert(arn.as_str(), value);
    }
    for tg in net
        .load_balancers
        .iter_mut()
        .flat_map(|lb| &mut lb.target_groups)
    {
        match preserve.get(tg.arn.as_str()) {
            Some(Ok(v)) => tg.preserve_client_ip = *v,
            Some(Err(code)) => tg.attributes_error = Some(code.clone()),
            None => {}
        }
    }

    // Prefix lists that some verdict depends on: resolved, never guessed.
    let wanted = referenced_prefix_lists(&net, &peered_vpcs);
    if !wanted.is_empty() {
        let (lists, n) = resolve_prefix_lists(ctx, ec2, &wanted, &mut errors).await;
        ok += n;
        net.prefix_lists = lists;
    }

    let waf_client = &waf::Client::new(&ctx.config);
    let albs: Vec<usize> = (0..net.load_balancers.len())
        .filter(|&i| {
            let lb = &net.load_balancers[i];
            lb.scheme == "internet-facing" && lb.lb_type == "application"
        })
        .collect();
    let arns: Vec<String> = albs
        .iter()
        .map(|&i| net.load_balancers[i].arn.clone())
        .collect();
    let answers = bounded(arns, |arn| async move {
        let req = waf_client
            .get_web_acl_for_resource()
            .resource_arn(&arn)
            .customize()
            .config_override(waf::config::Config::builder().retry_config(enrichment_retry()));
        ctx.call("wafv2:GetWebACLForResource", Some(&arn), req.send())
            .await
    })
    .await;
    for (&i, answer) in albs.iter().zip(answers) {
        let lb = &mut net.load_balancers[i];
        match answer {
            Ok(out) => {
                ok += 1;
                lb.web_acl_arn = out.web_acl().map(|a| a.arn().to_string());
            }
            Err(e) => {
                lb.web_acl_error = Some(e.code.clone());
                target.notifications.push(Notification {
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

    sort_network(&mut net);
    target.network = net;
    target.errors.extend(errors);
    ok
}

/// Prefix lists named where a verdict depends on them: rules of the security groups of
/// internet-facing load balancers (who on the internet reaches them), rules of every group in
/// a VPC with an active cross-account peering, and destinations of routes to a peering.
fn referenced_prefix_lists(net: &Network, peered_vpcs: &BTreeSet<String>) -> BTreeSet<String> {
    let public_groups: BTreeSet<&str> = net
        .load_balancers
        .iter()
        .filter(|lb| lb.scheme == "internet-facing")
        .flat_map(|lb| lb.security_group_ids.iter().map(String::as_str))
        .collect();
    let mut out = BTreeSet::new();
    for g in &net.security_groups {
        if public_groups.contains(g.id.as_str()) || peered_vpcs.contains(&g.vpc_id) {
            for rule in &g.ingress {
                out.extend(rule.prefix_list_ids.iter().cloned());
            }
        }
    }
    for rt in net
        .route_tables
        .iter()
        .filter(|rt| peered_vpcs.contains(&rt.vpc_id))
    {
        for r in &rt.routes {
            if r.vpc_peering_connection_id.is_some() {
                out.extend(r.destination_prefix_list_id.iter().cloned());
            }
        }
    }
    out
}

/// Names, owners and entries of the prefix lists `ids`. A list whose description or entries
/// cannot be read is kept with `cidrs: None` (analysis then assumes the widest) and the failure
/// is a scan error: a verdict depends on it. Returns the lists and the calls that succeeded.
async fn resolve_prefix_lists(
    ctx: &RegionCtx,
    c: &ec2::Client,
    ids: &BTreeSet<String>,
    errors: &mut Vec<ScanError>,
) -> (Vec<PrefixList>, usize) {
    let mut ok = 0;
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
    for answer in answers {
        match answer {
            Ok((pages, found)) => {
                ok += pages;
                for (id, name, owner) in found {
                    if let Some(pl) = lists.get_mut(&id) {
                        pl.name = name;
                        pl.owner_id = owner;
                    }
                }
            }
            Err(e) => errors.push(e),
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
        match answer {
            Ok((pages, cidrs)) => {
                ok += pages;
                if let Some(pl) = lists.get_mut(id) {
                    pl.cidrs = Some(cidrs);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (lists.into_values().collect(), ok)
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
