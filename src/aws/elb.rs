//! Elastic Load Balancing (v2) listings for the network inventory, and the web ACLs (WAFv2) of
//! load balancers, converted into [`crate::inventory`] types.

use super::config::enrichment_retry;
use super::paging::{listing, Listing};
use super::{or_empty, RegionCtx};
use crate::inventory::{LbTarget, Listener, LoadBalancer, ScanError, TargetGroup};
use crate::operation::Operation;
use aws_sdk_elasticloadbalancingv2 as elb;
use aws_sdk_wafv2 as waf;
use elb::types as t;

/// A target group of the region and the ARNs of the load balancers that use it.
pub(super) type ListedTargetGroup = (TargetGroup, Vec<String>);

pub(super) async fn describe_load_balancers(
    ctx: &RegionCtx,
    c: &elb::Client,
) -> Listing<LoadBalancer> {
    listing(
        ctx,
        Operation::ElbDescribeLoadBalancers,
        None,
        |t| {
            c.describe_load_balancers()
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page, out| {
            out.extend(page.load_balancers().iter().map(load_balancer));
            page.next_marker().map(str::to_string)
        },
    )
    .await
}

fn load_balancer(lb: &t::LoadBalancer) -> LoadBalancer {
    let mut subnets: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    subnets.sort();
    let mut groups = lb.security_groups().to_vec();
    groups.sort();
    LoadBalancer {
        arn: or_empty(lb.load_balancer_arn()),
        name: or_empty(lb.load_balancer_name()),
        // Trust `Type`, never the ARN's shape (moto names NLBs `loadbalancer/app/…`).
        lb_type: or_empty(lb.r#type()),
        scheme: or_empty(lb.scheme()),
        vpc_id: or_empty(lb.vpc_id()),
        subnet_ids: subnets,
        security_group_ids: groups,
        dns_name: lb.dns_name().map(str::to_string),
        ..Default::default()
    }
}

/// Every target group of the region with the load balancers that use it.
pub(super) async fn describe_target_groups(
    ctx: &RegionCtx,
    c: &elb::Client,
) -> Listing<ListedTargetGroup> {
    listing(
        ctx,
        Operation::ElbDescribeTargetGroups,
        None,
        |t| {
            c.describe_target_groups()
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page, out| {
            out.extend(page.target_groups().iter().map(target_group));
            page.next_marker().map(str::to_string)
        },
    )
    .await
}

fn target_group(tg: &t::TargetGroup) -> ListedTargetGroup {
    (
        TargetGroup {
            arn: or_empty(tg.target_group_arn()),
            name: or_empty(tg.target_group_name()),
            target_type: tg
                .target_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "instance".into()),
            port: tg.port(),
            vpc_id: or_empty(tg.vpc_id()),
            targets: vec![],
            protocol: tg.protocol().map(|p| p.as_str().to_string()),
            preserve_client_ip: None,
            attributes_error: None,
        },
        tg.load_balancer_arns().to_vec(),
    )
}

pub(super) async fn target_health(
    ctx: &RegionCtx,
    c: &elb::Client,
    tg_arn: &str,
) -> Result<Vec<LbTarget>, ScanError> {
    let out = ctx
        .call(
            Operation::ElbDescribeTargetHealth,
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
                availability_zone: t.availability_zone().map(str::to_string),
            })
        })
        .collect())
}

/// The `preserve_client_ip.enabled` attribute of a target group (`None` when AWS does not
/// list it: the default for its type and protocol applies).
pub(super) async fn preserve_client_ip(
    ctx: &RegionCtx,
    c: &elb::Client,
    tg_arn: &str,
) -> Result<Option<bool>, ScanError> {
    let out = ctx
        .call(
            Operation::ElbDescribeTargetGroupAttributes,
            Some(tg_arn),
            c.describe_target_group_attributes()
                .target_group_arn(tg_arn)
                .send(),
        )
        .await?;
    Ok(out
        .attributes()
        .iter()
        .find(|a| a.key() == Some("preserve_client_ip.enabled"))
        .and_then(|a| a.value())
        .map(|v| v.eq_ignore_ascii_case("true")))
}

pub(super) async fn listeners(ctx: &RegionCtx, c: &elb::Client, lb_arn: &str) -> Listing<Listener> {
    listing(
        ctx,
        Operation::ElbDescribeListeners,
        Some(lb_arn),
        |t| {
            c.describe_listeners()
                .load_balancer_arn(lb_arn)
                .page_size(400)
                .set_marker(t)
                .send()
        },
        |page, out| {
            out.extend(page.listeners().iter().map(listener));
            page.next_marker().map(str::to_string)
        },
    )
    .await
}

fn listener(l: &t::Listener) -> Listener {
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
    Listener {
        arn: or_empty(l.listener_arn()),
        port: l.port().unwrap_or_default(),
        protocol: or_empty(l.protocol()),
        target_group_arns: tgs,
    }
}

/// The ARN of the web ACL on a load balancer (`None`: it has none). An enrichment call: it
/// gets one retry, not the scan's full budget.
pub(super) async fn web_acl(
    ctx: &RegionCtx,
    c: &waf::Client,
    lb_arn: &str,
) -> Result<Option<String>, ScanError> {
    let req = c
        .get_web_acl_for_resource()
        .resource_arn(lb_arn)
        .customize()
        .config_override(waf::config::Config::builder().retry_config(enrichment_retry()));
    let out = ctx
        .call(
            Operation::Wafv2GetWebAclForResource,
            Some(lb_arn),
            req.send(),
        )
        .await?;
    Ok(out.web_acl().map(|a| a.arn().to_string()))
}
