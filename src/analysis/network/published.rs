//! API Gateway methods and routes published through VPC links: REST methods through REST (v1)
//! links, HTTP API routes through v2 links to a load balancer's listener or to a Cloud Map
//! service (tied to the load balancers whose targets its instances are), WebSocket API routes
//! through REST links.

use super::backends::LbView;
use super::region_index::RegionIndex;
use crate::arn::cloud_map_service_id;
use crate::inventory::{
    CloudMapService, HttpApi, HttpIntegration, HttpRoute, RestApi, Target, VpcLink,
};
use std::collections::{BTreeSet, HashMap};

/// An API Gateway method (or HTTP/WebSocket route) that forwards to a load balancer through a
/// VPC link.
#[derive(Clone)]
pub(super) struct PublishedMethod {
    pub(super) api_id: String,
    pub(super) api_name: String,
    pub(super) api_kind: ApiKind,
    /// The verb (`ANY` for an HTTP API's `$default`, `*` for a WebSocket route).
    pub(super) method: String,
    /// The resource path, or the route key when the route has no path (`$default`,
    /// `sendmessage`).
    pub(super) path: String,
    /// What guards it: the method's or route's own; a WebSocket route's is `$connect`'s.
    pub(super) authorization_type: String,
    /// True when the link was inferred: the integration named no link id (moto drops it) or a
    /// stage variable (`${stageVariables.…}`, whose values are not collected), and the method
    /// was tied to the load balancer by its URI or by being the region's only link.
    pub(super) inferred: bool,
    /// The Cloud Map service (ARN) an HTTP API route reaches the backend through: the route
    /// was tied to the backend by the addresses of the service's instances.
    pub(super) cloud_map_service: Option<String>,
}

/// The kind of API a published method belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ApiKind {
    Rest,
    Http,
    WebSocket,
}

impl ApiKind {
    /// As evidence has it (`api_type`).
    pub(super) fn label(self) -> &'static str {
        match self {
            ApiKind::Rest => "rest",
            ApiKind::Http => "http",
            ApiKind::WebSocket => "websocket",
        }
    }

    /// As a message names it.
    pub(super) fn words(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST API",
            ApiKind::Http => "HTTP API",
            ApiKind::WebSocket => "WebSocket API",
        }
    }
}

/// What ties integrations to load balancers in one region: the REST links, and the load
/// balancers those links target by DNS name (a URI names the host, not the link).
struct Links<'t> {
    by_id: HashMap<&'t str, &'t VpcLink>,
    by_dns: HashMap<String, &'t str>,
    only: Option<&'t VpcLink>,
}

impl<'t> Links<'t> {
    fn of(target: &'t Target) -> Links<'t> {
        let linked: BTreeSet<&str> = target
            .vpc_links
            .iter()
            .flat_map(|l| l.target_arns.iter().map(String::as_str))
            .collect();
        Links {
            by_id: target
                .vpc_links
                .iter()
                .map(|l| (l.id.as_str(), l))
                .collect(),
            by_dns: target
                .network
                .load_balancers
                .iter()
                .filter(|lb| linked.contains(lb.arn.as_str()))
                .filter_map(|lb| {
                    Some((
                        lb.dns_name.as_deref()?.to_ascii_lowercase(),
                        lb.arn.as_str(),
                    ))
                })
                .collect(),
            only: match target.vpc_links.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        }
    }

    /// The load balancers a REST link integration reaches, and whether that was inferred: by
    /// its link id; with no id (moto drops it) or a stage variable, by the URI's host, else the
    /// region's only link.
    fn targets(&self, connection_id: Option<&str>, uri: Option<&str>) -> (Vec<&'t str>, bool) {
        let stage_variable = connection_id.is_some_and(|c| c.contains("${stageVariables."));
        match connection_id {
            Some(id) if !stage_variable => (
                self.by_id
                    .get(id)
                    .map(|l| l.target_arns.iter().map(String::as_str).collect())
                    .unwrap_or_default(),
                false,
            ),
            _ => {
                let by_uri =
                    uri.and_then(|u| self.by_dns.get(&uri_host(u).to_ascii_lowercase()).copied());
                match (by_uri, self.only) {
                    (Some(arn), _) => (vec![arn], stage_variable),
                    (None, Some(link)) => {
                        (link.target_arns.iter().map(String::as_str).collect(), true)
                    }
                    (None, None) => (vec![], false),
                }
            }
        }
    }
}

/// Methods published per load balancer ARN, in one pass over the region's methods and routes.
pub(super) fn published_by_lb(target: &Target) -> HashMap<String, Vec<PublishedMethod>> {
    let links = Links::of(target);
    let mut out: HashMap<String, Vec<PublishedMethod>> = HashMap::new();
    for api in &target.rest_apis {
        add_api_methods(api, &links, &mut out);
    }
    for api in &target.http_apis {
        add_api_routes(api, &links, &mut out);
    }
    for methods in out.values_mut() {
        sort_methods(methods);
    }
    out
}

pub(super) fn sort_methods(methods: &mut Vec<PublishedMethod>) {
    methods.sort_by(|a, b| (&a.api_id, &a.path, &a.method).cmp(&(&b.api_id, &b.path, &b.method)));
    methods.dedup_by(|a, b| a.api_id == b.api_id && a.path == b.path && a.method == b.method);
}

fn add_api_methods(api: &RestApi, links: &Links, out: &mut HashMap<String, Vec<PublishedMethod>>) {
    for r in &api.resources {
        for m in &r.methods {
            let Some(i) = &m.integration else { continue };
            if i.connection_type.as_deref() != Some("VPC_LINK") {
                continue;
            }
            let (arns, inferred) = links.targets(i.connection_id.as_deref(), i.uri.as_deref());
            for arn in arns {
                out.entry(arn.to_string())
                    .or_default()
                    .push(PublishedMethod {
                        api_id: api.id.clone(),
                        api_name: api.name.clone(),
                        api_kind: ApiKind::Rest,
                        method: m.http_method.clone(),
                        path: r.path.clone(),
                        authorization_type: m.authorization_type.clone(),
                        inferred,
                        cloud_map_service: None,
                    });
            }
        }
    }
}

/// The load balancer an HTTP API integration's listener ARN belongs to
/// (`…:listener/net/<name>/<lb-id>/<listener-id>` → `…:loadbalancer/net/<name>/<lb-id>`).
pub(super) fn listener_load_balancer(uri: &str) -> Option<String> {
    let (head, resource) = uri.split_once(":listener/")?;
    if !head.contains(":elasticloadbalancing:") {
        return None;
    }
    let (lb, _listener) = resource.rsplit_once('/')?;
    Some(format!("{head}:loadbalancer/{lb}"))
}

/// The routes of an HTTP or WebSocket API whose integration goes through a VPC link: an HTTP
/// API's names a listener (a Cloud Map service is tied by its instances, in
/// [`add_cloud_map_routes`]); a WebSocket API's goes through a REST link, like a REST method.
fn add_api_routes(api: &HttpApi, links: &Links, out: &mut HashMap<String, Vec<PublishedMethod>>) {
    let Some(integrations) = &api.integrations else {
        return;
    };
    let websocket = api.protocol_type == "WEBSOCKET";
    // A WebSocket route is guarded by `$connect`, or by nothing when there is none.
    let connect_auth = api
        .routes
        .iter()
        .find(|r| r.route_key == "$connect")
        .map_or("NONE", |r| r.authorization_type.as_str());
    for route in &api.routes {
        let Some(i) = route_integration(route, integrations) else {
            continue;
        };
        if i.connection_type.as_deref() != Some("VPC_LINK") {
            continue;
        }
        let uri = i.integration_uri.as_deref();
        let (arns, inferred): (Vec<String>, bool) = if websocket {
            let (arns, inferred) = links.targets(i.connection_id.as_deref(), uri);
            (arns.into_iter().map(str::to_string).collect(), inferred)
        } else {
            (
                uri.and_then(listener_load_balancer).into_iter().collect(),
                false,
            )
        };
        let (method, path, authorization_type) = if websocket {
            ("*".to_string(), route.route_key.clone(), connect_auth)
        } else {
            let (method, path) = http_verb_path(route);
            (method, path, route.authorization_type.as_str())
        };
        for arn in arns {
            out.entry(arn).or_default().push(PublishedMethod {
                api_id: api.id.clone(),
                api_name: api.name.clone(),
                api_kind: if websocket {
                    ApiKind::WebSocket
                } else {
                    ApiKind::Http
                },
                method: method.clone(),
                path: path.clone(),
                authorization_type: authorization_type.to_string(),
                inferred,
                cloud_map_service: None,
            });
        }
    }
}

/// The integration a route sends requests to (`integrations/<id>`), if it was read.
fn route_integration<'i>(
    route: &HttpRoute,
    integrations: &'i [HttpIntegration],
) -> Option<&'i HttpIntegration> {
    let id = route.target.as_deref()?.strip_prefix("integrations/")?;
    integrations.iter().find(|i| i.id == id)
}

/// An HTTP API route's verb and path: `GET /orders` → (`GET`, `/orders`); `$default` catches
/// every verb and path no other route matches, so it is (`ANY`, `$default`).
fn http_verb_path(route: &HttpRoute) -> (String, String) {
    match route.route_key.split_once(' ') {
        Some((verb, path)) => (verb.to_string(), path.to_string()),
        None => ("ANY".to_string(), route.route_key.clone()),
    }
}

/// Adds the HTTP API routes whose integration reaches a Cloud Map service through a v2 VPC
/// link to every private load balancer whose targets are the service's instances: API Gateway
/// sends their requests to an instance's `AWS_INSTANCE_IPV4`:`AWS_INSTANCE_PORT`, so a network
/// path to that load balancer's backend reaches what the routes publish. An instance is the
/// host holding its address in the link's VPC (any VPC of the region when the link's subnets
/// are unknown), or the EC2 instance it was registered by (`AWS_EC2_INSTANCE_ID`); with no
/// port, any port of that host. Services whose instances were not read tie to nothing (the
/// failed read makes the bypass lists say they may be incomplete).
pub(super) fn add_cloud_map_routes(
    region: &RegionIndex,
    target: &Target,
    views: &[LbView],
    out: &mut HashMap<String, Vec<PublishedMethod>>,
) {
    if target.cloud_map_services.is_empty() {
        return;
    }
    let services: HashMap<&str, &CloudMapService> = target
        .cloud_map_services
        .iter()
        .map(|s| (s.arn.as_str(), s))
        .collect();
    // Host → (port, private load balancer) of every private target: each service looks its
    // instances up here, so the tie is linear in targets and instances, not their product.
    let mut by_host: HashMap<&str, Vec<(i32, &str)>> = HashMap::new();
    for v in views.iter().filter(|v| !v.private_because.is_empty()) {
        for (host, port) in &v.host_ports {
            by_host
                .entry(host.as_str())
                .or_default()
                .push((*port, v.lb.arn.as_str()));
        }
    }
    // (service ARN, link id) → the private load balancers it reaches, once per pair.
    let mut reached: HashMap<(&str, Option<&str>), Vec<&str>> = HashMap::new();
    for api in target
        .http_apis
        .iter()
        .filter(|a| a.protocol_type == "HTTP")
    {
        let Some(integrations) = &api.integrations else {
            continue;
        };
        for route in &api.routes {
            let Some(i) = route_integration(route, integrations) else {
                continue;
            };
            if i.connection_type.as_deref() != Some("VPC_LINK") {
                continue;
            }
            let Some(service) = i
                .integration_uri
                .as_deref()
                .filter(|u| cloud_map_service_id(u).is_some())
                .and_then(|u| services.get(u).copied())
            else {
                continue;
            };
            let link = i.connection_id.as_deref();
            let lbs = reached
                .entry((service.arn.as_str(), link))
                .or_insert_with(|| service_load_balancers(region, target, &by_host, service, link));
            let (method, path) = http_verb_path(route);
            for lb in lbs.iter() {
                out.entry(lb.to_string())
                    .or_default()
                    .push(PublishedMethod {
                        api_id: api.id.clone(),
                        api_name: api.name.clone(),
                        api_kind: ApiKind::Http,
                        method: method.clone(),
                        path: path.clone(),
                        authorization_type: route.authorization_type.clone(),
                        inferred: false,
                        cloud_map_service: Some(service.arn.clone()),
                    });
            }
        }
    }
    for methods in out.values_mut() {
        sort_methods(methods);
    }
}

/// The private load balancers some target of which is an instance of `service` (see
/// [`add_cloud_map_routes`]), reached through the v2 link `link`; `by_host` holds the private
/// targets (host → port and load balancer).
fn service_load_balancers<'v>(
    region: &RegionIndex,
    target: &Target,
    by_host: &HashMap<&str, Vec<(i32, &'v str)>>,
    service: &CloudMapService,
    link: Option<&str>,
) -> Vec<&'v str> {
    let Some(instances) = &service.instances else {
        return Vec::new();
    };
    let vpc = link
        .and_then(|id| target.http_vpc_links.iter().find(|l| l.id == id))
        .and_then(|l| l.subnet_ids.iter().find_map(|s| region.vpc_of_subnet(s)));
    let mut out = BTreeSet::new();
    for instance in instances {
        let hosts = instance
            .ipv4
            .as_deref()
            .map(|ip| region.hosts_of_ip(ip, vpc))
            .unwrap_or_default();
        for host in hosts.iter().chain(&instance.ec2_instance_id) {
            for (port, lb) in by_host.get(host.as_str()).into_iter().flatten() {
                if instance.port.is_none_or(|p| p == *port) {
                    out.insert(*lb);
                }
            }
        }
    }
    out.into_iter().collect()
}

fn uri_host(uri: &str) -> &str {
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    let host_port = rest.split(['/', '?']).next().unwrap_or("");
    host_port
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(host_port)
}
