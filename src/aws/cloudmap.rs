//! AWS Cloud Map services reached by HTTP API integrations through v2 VPC links.
//!
//! Call budget: nothing unless some HTTP API integration through a VPC link names a Cloud Map
//! service ARN; then one `servicediscovery:ListInstances` page (100 instances) per distinct
//! service. The instances' addresses tie the routes to the backend whose targets they are.
//! A failed listing is a gap: which backend the routes publish is then unknown, and the
//! findings of the region do not claim their list of bypassed methods is complete.

use super::concurrency::bounded;
use super::paging::{paginate_items, Pager};
use super::{or_empty, ReadLog, RegionCtx};
use crate::arn::cloud_map_service_id;
use crate::inventory::{CloudMapInstance, CloudMapService, Target};
use crate::operation::Operation;
use aws_sdk_servicediscovery as sd;
use std::collections::{BTreeMap, HashMap};

/// The Cloud Map services (ARN → `srv-…` id) the HTTP API integrations of `target` reach
/// through VPC links, in ARN order.
pub(crate) fn services_of(target: &Target) -> BTreeMap<String, String> {
    target
        .http_apis
        .iter()
        .filter(|a| a.protocol_type == "HTTP")
        .flat_map(|a| a.integrations.iter().flatten())
        .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
        .filter_map(|i| {
            let uri = i.integration_uri.as_deref()?;
            Some((uri.to_string(), cloud_map_service_id(uri)?.to_string()))
        })
        .collect()
}

/// Reads the instances of every Cloud Map service an HTTP API integration reaches (see the
/// module docs). Returns the number of calls that succeeded.
pub(crate) async fn collect(ctx: &RegionCtx, target: &mut Target) -> usize {
    let services = services_of(target);
    if services.is_empty() {
        return 0;
    }
    let client = sd::Client::new(&ctx.config);
    let mut log = ReadLog::default();
    let read = bounded(services, |(arn, id)| read_service(ctx, &client, arn, id)).await;
    for (service, service_log) in read {
        log.merge(service_log);
        target.cloud_map_services.push(service);
    }
    log.finish(target)
}

async fn read_service(
    ctx: &RegionCtx,
    client: &sd::Client,
    arn: String,
    id: String,
) -> (CloudMapService, ReadLog) {
    let mut log = ReadLog::default();
    let (mut instances, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ServiceDiscoveryListInstances, Some(&id)),
        |token| {
            client
                .list_instances()
                .service_id(&id)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page, instances| {
            instances.extend(
                page.instances()
                    .iter()
                    .map(|i| instance(or_empty(i.id()), i.attributes())),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await;
    // A listing cut short keeps nothing: a partial list of addresses would tie the routes to
    // some backends and silently not to others.
    let instances = log.listing(listing).then(|| {
        instances.sort_by(|a, b| a.id.cmp(&b.id));
        instances
    });
    (CloudMapService { arn, id, instances }, log)
}

/// The addressing attributes of one instance (custom attributes are not kept).
fn instance(id: String, attributes: Option<&HashMap<String, String>>) -> CloudMapInstance {
    let get = |k: &str| attributes.and_then(|a| a.get(k)).cloned();
    CloudMapInstance {
        id,
        ipv4: get("AWS_INSTANCE_IPV4"),
        port: get("AWS_INSTANCE_PORT").and_then(|p| p.trim().parse().ok()),
        ec2_instance_id: get("AWS_EC2_INSTANCE_ID"),
        ecs_service: get("ECS_SERVICE_NAME"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{HttpApi, HttpIntegration};

    fn api(protocol: &str, integrations: &[(&str, &str)]) -> HttpApi {
        HttpApi {
            id: "a".into(),
            protocol_type: protocol.into(),
            integrations: Some(
                integrations
                    .iter()
                    .map(|(connection, uri)| HttpIntegration {
                        id: uri.to_string(),
                        connection_type: Some(connection.to_string()),
                        integration_uri: Some(uri.to_string()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn only_services_http_apis_reach_through_a_vpc_link_are_read_once_each() {
        let svc = "arn:aws:servicediscovery:us-east-1:1:service/srv-1";
        let target = Target {
            http_apis: vec![
                api(
                    "HTTP",
                    &[
                        ("VPC_LINK", svc),
                        (
                            "VPC_LINK",
                            "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/n/1/2",
                        ),
                        (
                            "INTERNET",
                            "arn:aws:servicediscovery:us-east-1:1:service/srv-2",
                        ),
                    ],
                ),
                api("HTTP", &[("VPC_LINK", svc)]),
                api(
                    "WEBSOCKET",
                    &[(
                        "VPC_LINK",
                        "arn:aws:servicediscovery:us-east-1:1:service/srv-3",
                    )],
                ),
            ],
            ..Default::default()
        };
        assert_eq!(
            services_of(&target),
            BTreeMap::from([(svc.to_string(), "srv-1".to_string())])
        );
        assert!(services_of(&Target::default()).is_empty());
    }

    #[test]
    fn an_instance_keeps_its_addressing_attributes_only() {
        let attrs = HashMap::from([
            ("AWS_INSTANCE_IPV4".to_string(), "10.0.1.5".to_string()),
            ("AWS_INSTANCE_PORT".to_string(), "8080".to_string()),
            ("ECS_SERVICE_NAME".to_string(), "orders".to_string()),
            ("team".to_string(), "payments".to_string()),
        ]);
        let i = instance("task-1".into(), Some(&attrs));
        assert_eq!(i.ipv4.as_deref(), Some("10.0.1.5"));
        assert_eq!(i.port, Some(8080));
        assert_eq!(i.ecs_service.as_deref(), Some("orders"));
        assert_eq!(i.ec2_instance_id, None);
        let bare = instance("i-1".into(), None);
        assert_eq!((bare.ipv4, bare.port), (None, None));
    }
}
