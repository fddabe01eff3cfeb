//! VPC Lattice inventory: the services of an account × region, the service networks they can
//! be reached through, who those are shared with, and the target groups behind the services
//! (README, "How it decides": VPC Lattice).
//!
//! Call budget per account × region, read-only:
//! - always (with the network inventory), one listing each: `vpc-lattice:ListServices` and
//!   `ListServiceNetworks`; nothing more when both are empty;
//! - per service: `GetService` (the listing does not carry `authType`),
//!   `ListServiceNetworkServiceAssociations` (the networks it is in, this account's or
//!   another's), `GetResourcePolicy` (who it is shared with), and `GetAuthPolicy` only when
//!   its auth type is `AWS_IAM` (with `NONE` a policy is inactive);
//! - per service network this account owns: `GetServiceNetwork`,
//!   `ListServiceNetworkVpcAssociations`, `GetResourcePolicy`, and `GetAuthPolicy` only with
//!   `AWS_IAM`. A network another account shares with this one is listed, not read: its owner
//!   holds its facts (judged from the owner's own target when that account is audited);
//! - `ListTargetGroups` once when the region has services, and `ListTargets` per target group
//!   that some service routes to (its `serviceArns`), except Lambda ones (no host to bypass
//!   anything with).
//!
//! Identifiers are ids, not ARNs (the emulator accepts only ids; AWS takes both), except
//! `GetResourcePolicy`, which AWS takes by ARN only. A `ResourceNotFoundException` from
//! `GetAuthPolicy` or `GetResourcePolicy` means "no policy", not a failure. Every other failed
//! read is a scan error naming the resource: the verdicts that depend on it assume the widest.
//! A failed `ListTargets` is a notification: targets only tie a finding to the API Gateway
//! methods it bypasses, they decide no verdict.

use super::concurrency::bounded;
use super::paging::{listing, Listing};
use super::{or_empty, ReadLog, RegionCtx};
use crate::arn::Arn;
use crate::inventory::{
    LatticeService, LatticeServiceAssociation, LatticeTargetGroup, LatticeVpcAssociation, LbTarget,
    Notification, ScanError, ServiceNetwork, Target,
};
use crate::operation::Operation;
use aws_sdk_vpclattice as lattice;
use std::future::Future;

/// Items per page of the Lattice listings that take a page size (the most the API accepts).
/// `ListServiceNetworkServiceAssociations` and `ListTargetGroups` are sent without one, at
/// AWS's default page size: the emulator (moto 5.2.1) answers HTTP 500 to their `maxResults`.
const PAGE: i32 = 100;

/// Reads the VPC Lattice inventory of one account × region into `target.lattice`. Returns the
/// number of calls that succeeded.
pub(crate) async fn collect(ctx: &RegionCtx, target: &mut Target) -> usize {
    let c = &lattice::Client::new(&ctx.config);
    let mut log = ReadLog::default();
    let (services, networks) = tokio::join!(list_services(ctx, c), list_service_networks(ctx, c));
    let mut services = log.listed(services).unwrap_or_default();
    let mut networks = log.listed(networks).unwrap_or_default();
    if services.is_empty() && networks.is_empty() {
        return log.finish(target);
    }
    read_services(ctx, c, &mut services, &mut log).await;
    read_owned_networks(ctx, c, &mut networks, &mut log).await;
    let target_groups = if services.is_empty() {
        Vec::new()
    } else {
        read_target_groups(ctx, c, &mut log, &mut target.notifications).await
    };
    services.sort_by(|a, b| a.id.cmp(&b.id));
    networks.sort_by(|a, b| a.id.cmp(&b.id));
    target.lattice.services = services;
    target.lattice.service_networks = networks;
    target.lattice.target_groups = target_groups;
    log.finish(target)
}

async fn list_services(ctx: &RegionCtx, c: &lattice::Client) -> Listing<LatticeService> {
    listing(
        ctx,
        Operation::LatticeListServices,
        None,
        |t| c.list_services().max_results(PAGE).set_next_token(t).send(),
        |page, out| {
            out.extend(page.items().iter().map(|s| LatticeService {
                id: or_empty(s.id()),
                arn: or_empty(s.arn()),
                name: or_empty(s.name()),
                ..Default::default()
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

async fn list_service_networks(ctx: &RegionCtx, c: &lattice::Client) -> Listing<ServiceNetwork> {
    listing(
        ctx,
        Operation::LatticeListServiceNetworks,
        None,
        |t| {
            c.list_service_networks()
                .max_results(PAGE)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.items().iter().map(|n| ServiceNetwork {
                id: or_empty(n.id()),
                arn: or_empty(n.arn()),
                name: or_empty(n.name()),
                ..Default::default()
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

/// Each service's auth type, networks, shares and (with `AWS_IAM`) auth policy.
async fn read_services(
    ctx: &RegionCtx,
    c: &lattice::Client,
    services: &mut [LatticeService],
    log: &mut ReadLog,
) {
    let ids = services
        .iter()
        .map(|s| (s.id.clone(), s.arn.clone()))
        .collect();
    let details = read_details(ctx, c, ids, log, service_auth_type, service_associations).await;
    for (svc, d) in services.iter_mut().zip(details) {
        svc.auth_type = d.auth_type;
        svc.network_associations = d.associations;
        svc.resource_policy = d.resource_policy;
        svc.auth_policy = d.auth_policy;
    }
}

/// The details of the networks this account owns (by the account in their ARN).
async fn read_owned_networks(
    ctx: &RegionCtx,
    c: &lattice::Client,
    networks: &mut [ServiceNetwork],
    log: &mut ReadLog,
) {
    let owned: Vec<usize> = (0..networks.len())
        .filter(|&i| Arn::parse(&networks[i].arn).is_some_and(|a| a.account == ctx.account_id))
        .collect();
    let ids = owned
        .iter()
        .map(|&i| (networks[i].id.clone(), networks[i].arn.clone()))
        .collect();
    let details = read_details(ctx, c, ids, log, network_auth_type, vpc_associations).await;
    for (i, d) in owned.into_iter().zip(details) {
        let n = &mut networks[i];
        n.details_read = true;
        n.auth_type = d.auth_type;
        n.vpc_associations = d.associations;
        n.resource_policy = d.resource_policy;
        n.auth_policy = d.auth_policy;
    }
}

/// What is read of one service or owned service network; a failed read leaves its part empty
/// (`None`, no associations) and is kept in the [`ReadLog`].
struct Details<A> {
    auth_type: Option<String>,
    /// The networks a service is in, or the VPCs a network is associated with.
    associations: Vec<A>,
    resource_policy: Option<String>,
    auth_policy: Option<String>,
}

/// Reads, for each `(id, arn)` of a service or network, its auth type, its associations and
/// who it is shared with, then its auth policy only when the auth type is `AWS_IAM` (with
/// `NONE` a policy is inactive). Services and networks are read alike; only the calls that
/// give the auth type and the associations differ.
async fn read_details<A>(
    ctx: &RegionCtx,
    c: &lattice::Client,
    ids: Vec<(String, String)>,
    log: &mut ReadLog,
    auth_type: impl AsyncFn(&RegionCtx, &lattice::Client, &str) -> Result<Option<String>, ScanError>,
    associations: impl AsyncFn(&RegionCtx, &lattice::Client, &str) -> Listing<A>,
) -> Vec<Details<A>> {
    let (auth_type, associations) = (&auth_type, &associations);
    let answers = bounded(ids, |(id, arn)| async move {
        let (auth_type, associations, share) = tokio::join!(
            auth_type(ctx, c, &id),
            associations(ctx, c, &id),
            resource_policy(ctx, c, &arn),
        );
        let policy = match &auth_type {
            Ok(Some(t)) if t == "AWS_IAM" => Some(auth_policy(ctx, c, &id).await),
            _ => None,
        };
        (auth_type, associations, share, policy)
    })
    .await;
    // Recorded in the order of the reads, as before they were shared: auth type,
    // associations, share, auth policy.
    (answers.into_iter())
        .map(|(auth_type, associations, share, policy)| Details {
            auth_type: log.answer(auth_type).ok().flatten(),
            associations: log.listed(associations).unwrap_or_default(),
            resource_policy: log.answer(share).ok().flatten(),
            auth_policy: policy.and_then(|p| log.answer(p).ok().flatten()),
        })
        .collect()
}

async fn service_auth_type(
    ctx: &RegionCtx,
    c: &lattice::Client,
    id: &str,
) -> Result<Option<String>, ScanError> {
    let out = ctx
        .call(
            Operation::LatticeGetService,
            Some(id),
            c.get_service().service_identifier(id).send(),
        )
        .await?;
    Ok(out.auth_type().map(|t| t.as_str().to_string()))
}

async fn network_auth_type(
    ctx: &RegionCtx,
    c: &lattice::Client,
    id: &str,
) -> Result<Option<String>, ScanError> {
    let out = ctx
        .call(
            Operation::LatticeGetServiceNetwork,
            Some(id),
            c.get_service_network()
                .service_network_identifier(id)
                .send(),
        )
        .await?;
    Ok(out.auth_type().map(|t| t.as_str().to_string()))
}

async fn service_associations(
    ctx: &RegionCtx,
    c: &lattice::Client,
    service_id: &str,
) -> Listing<LatticeServiceAssociation> {
    listing(
        ctx,
        Operation::LatticeListServiceNetworkServiceAssociations,
        Some(service_id),
        |t| {
            c.list_service_network_service_associations()
                .service_identifier(service_id)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.items().iter().map(|a| LatticeServiceAssociation {
                id: or_empty(a.id()),
                network_id: or_empty(a.service_network_id()),
                network_arn: a.service_network_arn().map(str::to_string),
                network_name: a.service_network_name().map(str::to_string),
                status: or_empty(a.status()),
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

async fn vpc_associations(
    ctx: &RegionCtx,
    c: &lattice::Client,
    network_id: &str,
) -> Listing<LatticeVpcAssociation> {
    listing(
        ctx,
        Operation::LatticeListServiceNetworkVpcAssociations,
        Some(network_id),
        |t| {
            c.list_service_network_vpc_associations()
                .service_network_identifier(network_id)
                .max_results(PAGE)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.items().iter().map(|a| LatticeVpcAssociation {
                id: or_empty(a.id()),
                vpc_id: or_empty(a.vpc_id()),
                created_by: a.created_by().map(str::to_string),
                status: or_empty(a.status()),
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}

/// A policy read: the text, or `None` when the resource has none (AWS answers
/// `ResourceNotFoundException`, or an empty policy).
async fn policy_text<O>(
    read: impl Future<Output = Result<O, ScanError>>,
    text: impl FnOnce(&O) -> Option<&str>,
) -> Result<Option<String>, ScanError> {
    match read.await {
        Ok(out) => Ok(text(&out)
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)),
        Err(e) if e.code == "ResourceNotFoundException" => Ok(None),
        Err(e) => Err(e),
    }
}

async fn auth_policy(
    ctx: &RegionCtx,
    c: &lattice::Client,
    id: &str,
) -> Result<Option<String>, ScanError> {
    let read = ctx.call(
        Operation::LatticeGetAuthPolicy,
        Some(id),
        c.get_auth_policy().resource_identifier(id).send(),
    );
    policy_text(read, |out| out.policy()).await
}

async fn resource_policy(
    ctx: &RegionCtx,
    c: &lattice::Client,
    arn: &str,
) -> Result<Option<String>, ScanError> {
    let read = ctx.call(
        Operation::LatticeGetResourcePolicy,
        Some(arn),
        c.get_resource_policy().resource_arn(arn).send(),
    );
    policy_text(read, |out| out.policy()).await
}

/// The region's target groups, with the targets of those a service routes to.
async fn read_target_groups(
    ctx: &RegionCtx,
    c: &lattice::Client,
    log: &mut ReadLog,
    notifications: &mut Vec<Notification>,
) -> Vec<LatticeTargetGroup> {
    let listed = listing(
        ctx,
        Operation::LatticeListTargetGroups,
        None,
        |t| c.list_target_groups().set_next_token(t).send(),
        |page, out| {
            out.extend(page.items().iter().map(|g| {
                let mut service_arns = g.service_arns().to_vec();
                service_arns.sort();
                LatticeTargetGroup {
                    id: or_empty(g.id()),
                    arn: or_empty(g.arn()),
                    name: or_empty(g.name()),
                    target_type: or_empty(g.r#type()),
                    port: g.port(),
                    vpc_id: g.vpc_identifier().map(str::to_string),
                    service_arns,
                    ..Default::default()
                }
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await;
    let mut groups = log.listed(listed).unwrap_or_default();
    let wanted: Vec<(usize, String)> = (groups.iter().enumerate())
        .filter(|(_, g)| !g.service_arns.is_empty() && g.target_type != "LAMBDA")
        .map(|(i, g)| (i, g.id.clone()))
        .collect();
    let ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
    let answers = bounded(ids, |id| async move { targets(ctx, c, &id).await }).await;
    for ((i, _), answer) in wanted.iter().zip(answers) {
        let g = &mut groups[*i];
        match answer {
            Ok((pages, mut targets)) => {
                log.succeeded += pages;
                targets.sort();
                g.targets = targets;
                g.targets_read = true;
            }
            Err(e) => notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not list the targets of Lattice target group {} ({}: {}); the services that route to it are judged all the same, but the API Gateway methods they bypass may be missing",
                    g.name, e.code, e.message
                ),
                resource: Some(g.id.clone()),
            }),
        }
    }
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    groups
}

async fn targets(ctx: &RegionCtx, c: &lattice::Client, tg_id: &str) -> Listing<LbTarget> {
    listing(
        ctx,
        Operation::LatticeListTargets,
        Some(tg_id),
        |t| {
            c.list_targets()
                .target_group_identifier(tg_id)
                .max_results(PAGE)
                .set_next_token(t)
                .send()
        },
        |page, out| {
            out.extend(page.items().iter().filter_map(|t| {
                Some(LbTarget {
                    id: t.id()?.to_string(),
                    port: t.port(),
                    availability_zone: None,
                })
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await
}
