//! Backends: private load balancers whose targets overlap merged into one service, and how a
//! finding names a backend and the API Gateway methods it bypasses.

use super::published::{listener_load_balancer, sort_methods, PublishedMethod};
use super::region_index::{HostPort, RegionIndex};
use crate::arn::cloud_map_service_id;
use crate::inventory::{LoadBalancer, Target};
use crate::operation::Operation;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One load balancer, its targets, and why it is private (empty: it is not).
pub(super) struct LbView<'a> {
    pub(super) lb: &'a LoadBalancer,
    pub(super) host_ports: BTreeSet<HostPort>,
    pub(super) private_because: Vec<String>,
}

/// Private load balancers whose targets overlap, merged: one service.
pub(super) struct Backend<'a> {
    /// The smallest member ARN: stable, and the load balancer's own ARN for a backend of one.
    pub(super) id: String,
    pub(super) members: Vec<&'a LbView<'a>>,
    pub(super) host_ports: BTreeSet<HostPort>,
    pub(super) private_because: Vec<String>,
    pub(super) methods: Vec<PublishedMethod>,
}

/// Each load balancer of the region, its targets, and why it is private: internal, a VPC
/// link's target (a REST link's, or an HTTP API integration's listener), or published by an
/// endpoint service.
pub(super) fn lb_views<'a>(region: &RegionIndex<'a>, target: &'a Target) -> Vec<LbView<'a>> {
    // Load balancer ARN → the VPC links and endpoint services in front of it.
    let mut fronted_by: HashMap<String, Vec<String>> = HashMap::new();
    for link in &target.vpc_links {
        for arn in &link.target_arns {
            fronted_by.entry(arn.clone()).or_default().push(format!(
                "target of API Gateway VPC link {} ({})",
                link.id, link.name
            ));
        }
    }
    for (api, integration) in target.http_apis.iter().flat_map(|api| {
        api.integrations
            .iter()
            .flatten()
            .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
            .map(move |i| (api, i))
    }) {
        let Some(lb) = integration
            .integration_uri
            .as_deref()
            .and_then(listener_load_balancer)
        else {
            continue;
        };
        let link = integration.connection_id.as_deref().unwrap_or("?");
        let link_name = target
            .http_vpc_links
            .iter()
            .find(|l| l.id == link)
            .map(|l| format!(" ({})", l.name))
            .unwrap_or_default();
        fronted_by.entry(lb).or_default().push(format!(
            "published by HTTP API {} ({}) through VPC link {link}{link_name}",
            api.name, api.id
        ));
    }
    for svc in &target.network.endpoint_services {
        for arn in svc
            .network_load_balancer_arns
            .iter()
            .chain(&svc.gateway_load_balancer_arns)
        {
            fronted_by
                .entry(arn.clone())
                .or_default()
                .push(format!("published by endpoint service {}", svc.service_id));
        }
    }
    target
        .network
        .load_balancers
        .iter()
        .map(|lb| {
            let mut private_because = Vec::new();
            if lb.scheme == "internal" {
                private_because.push(format!(
                    "fronted by the internal {} load balancer {}",
                    lb.lb_type, lb.name
                ));
            }
            private_because.extend(fronted_by.get(lb.arn.as_str()).cloned().unwrap_or_default());
            LbView {
                lb,
                host_ports: region.host_ports(lb),
                private_because,
            }
        })
        .collect()
}

/// The root of `i`'s set in the union-find forest `parent`, halving paths on the way.
fn find_root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges private load balancers sharing a target (union-find over a target → first owner
/// map: linear in the number of targets).
pub(super) fn merge_backends<'a>(
    views: &'a [LbView<'a>],
    published: &HashMap<String, Vec<PublishedMethod>>,
) -> Vec<Backend<'a>> {
    let private: Vec<usize> = (0..views.len())
        .filter(|&i| !views[i].private_because.is_empty())
        .collect();
    let mut parent: Vec<usize> = (0..views.len()).collect();
    let mut owner: HashMap<&HostPort, usize> = HashMap::new();
    for &i in &private {
        for e in &views[i].host_ports {
            match owner.get(e) {
                Some(&j) => {
                    let (a, b) = (find_root(&mut parent, i), find_root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(e, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &i in &private {
        let root = find_root(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Backend> = groups
        .into_values()
        .map(|mut members| {
            members.sort_by(|&a, &b| views[a].lb.arn.cmp(&views[b].lb.arn));
            let mut host_ports = BTreeSet::new();
            let mut private_because: Vec<String> = Vec::new();
            let mut methods = Vec::new();
            for &m in &members {
                host_ports.extend(views[m].host_ports.iter().cloned());
                for why in &views[m].private_because {
                    if !private_because.contains(why) {
                        private_because.push(why.clone());
                    }
                }
                methods.extend(
                    published
                        .get(views[m].lb.arn.as_str())
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            sort_methods(&mut methods);
            Backend {
                id: views[members[0]].lb.arn.clone(),
                members: members.iter().map(|&m| &views[m]).collect(),
                host_ports,
                private_because,
                methods,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The backends in `vpc`: a member load balancer or a target of theirs is there.
pub(super) fn backends_in_vpc<'b, 'a>(
    region: &RegionIndex,
    backends: &'b [Backend<'a>],
    vpc: &str,
) -> Vec<&'b Backend<'a>> {
    backends
        .iter()
        .filter(|b| {
            b.members.iter().any(|m| m.lb.vpc_id == vpc)
                || b.host_ports
                    .iter()
                    .any(|(h, _)| region.host(h).and_then(|f| f.vpc).as_deref() == Some(vpc))
        })
        .collect()
}

pub(super) fn backend_evidence(b: &Backend) -> Value {
    let first = b.members[0].lb;
    json!({
        "load_balancer": b.id,
        "name": first.name,
        "type": first.lb_type,
        "scheme": first.scheme,
        "vpc_id": first.vpc_id,
        "load_balancers": b.members.iter().map(|m| m.lb.arn.clone()).collect::<Vec<_>>(),
        "targets": b.host_ports.iter().map(|(h, p)| format!("{h}:{p}")).collect::<Vec<_>>(),
        "private_because": b.private_because,
    })
}

pub(super) fn methods_evidence(methods: &[PublishedMethod]) -> Value {
    json!(methods
        .iter()
        .map(|m| {
            let mut e = json!({
                "api_id": m.api_id,
                "api_name": m.api_name,
                "api_type": m.api_kind.label(),
                "method": m.method,
                "path": m.path,
                "authorization_type": m.authorization_type,
                "link_inferred": m.inferred,
            });
            if let Some(service) = &m.cloud_map_service {
                e["cloud_map_service"] = json!(service);
            }
            e
        })
        .collect::<Vec<_>>())
}

/// The API Gateway reads that tie methods to load balancers and failed here (`operation
/// (code)`, once each), plus the APIs only partly read: the methods found may not be all.
fn unread_api_reads(target: &Target) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<String> = target
        .errors
        .iter()
        .filter(|e| {
            e.aws_operation().is_some_and(|op| {
                matches!(
                    op,
                    Operation::ApiGatewayGetRestApis
                        | Operation::ApiGatewayGetResources
                        | Operation::ApiGatewayGetVpcLinks
                        | Operation::ApiGatewayV2GetApis
                        | Operation::ApiGatewayV2GetRoutes
                        | Operation::ApiGatewayV2GetIntegrations
                        | Operation::ServiceDiscoveryListInstances
                )
            })
        })
        .filter(|e| seen.insert(e.operation.as_str()))
        .map(|e| format!("{} ({})", e.operation, e.code))
        .collect();
    out.extend(
        target
            .rest_apis
            .iter()
            .filter(|a| a.partial && !seen.contains(Operation::ApiGatewayGetResources.as_str()))
            .map(|a| format!("REST API {} (partly)", a.id)),
    );
    // Routes whose integrations were not read at all (a snapshot older than these reads).
    if !seen.contains(Operation::ApiGatewayV2GetIntegrations.as_str()) {
        out.extend(
            target
                .http_apis
                .iter()
                .filter(|a| !a.routes.is_empty() && a.integrations.is_none())
                .map(|a| format!("the integrations of API {} (not in this snapshot)", a.id)),
        );
    }
    // Cloud Map services some route reaches whose instances were not read at all (a snapshot
    // older than that read): which backend those routes publish is unknown.
    let read: BTreeSet<&str> = target
        .cloud_map_services
        .iter()
        .map(|s| s.arn.as_str())
        .collect();
    let unread_services: BTreeSet<&str> = target
        .http_apis
        .iter()
        .filter(|a| a.protocol_type == "HTTP")
        .flat_map(|a| a.integrations.iter().flatten())
        .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
        .filter_map(|i| i.integration_uri.as_deref())
        .filter(|u| !read.contains(u))
        .filter_map(cloud_map_service_id)
        .collect();
    out.extend(
        unread_services
            .into_iter()
            .map(|id| format!("the instances of Cloud Map service {id} (not in this snapshot)")),
    );
    out
}

/// "The same backend is published through API Gateway …" or, when no method publishes it,
/// why the exposure still matters. When API Gateway could not be read in full, it does not
/// claim the list is complete.
pub(super) fn bypass_sentence(region: &RegionIndex, methods: &[PublishedMethod]) -> String {
    let unread = unread_api_reads(region.target);
    if methods.is_empty() {
        if !unread.is_empty() {
            return format!(
                "No API Gateway method is known to publish this backend, but {} could not be read, so some may; either way nothing restricts verbs or paths on this path: every verb of every path is reachable with no HTTP authentication.",
                unread.join(", ")
            );
        }
        return "No API Gateway method publishes this backend, so nothing restricts verbs or paths: every verb of every path is reachable with no HTTP authentication.".into();
    }
    let list: Vec<String> = methods
        .iter()
        .take(8)
        .map(|m| {
            format!(
                "{} {} on {} {} ({}, {}{}{})",
                m.method,
                m.path,
                m.api_kind.words(),
                m.api_name,
                m.api_id,
                m.authorization_type,
                if m.inferred { ", link inferred" } else { "" },
                m.cloud_map_service
                    .as_deref()
                    .and_then(cloud_map_service_id)
                    .map(|id| format!(", through Cloud Map service {id}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let more = and_more(methods.len(), 8, "");
    let incomplete = if unread.is_empty() {
        String::new()
    } else {
        format!(
            " ({} could not be read, so other methods may publish it too)",
            unread.join(", ")
        )
    };
    format!(
        "The same backend is published through API Gateway as {}{more}{incomplete}; this network path bypasses their authentication and their verb restrictions: every verb of every path of the backend is reachable with no HTTP authentication.",
        list.join(", ")
    )
}

/// " and 3 more{noun}" after the first `shown` of `total` listed; nothing when all were.
pub(super) fn and_more(total: usize, shown: usize, noun: &str) -> String {
    if total > shown {
        format!(" and {} more{noun}", total - shown)
    } else {
        String::new()
    }
}

pub(super) fn backend_words(b: &Backend) -> String {
    let targets: Vec<String> = b
        .host_ports
        .iter()
        .take(4)
        .map(|(h, p)| format!("{h}:{p}"))
        .collect();
    let more = and_more(b.host_ports.len(), 4, "");
    let fronted = match b.members.as_slice() {
        [one] => format!("the {} load balancer {}", one.lb.lb_type, one.lb.name),
        many => format!(
            "the load balancers {} (one service: their targets overlap)",
            many.iter()
                .map(|m| format!("{} ({})", m.lb.name, m.lb.lb_type))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "the private backend behind {fronted} ({}; targets {}{more})",
        b.private_because.join(", "),
        if targets.is_empty() {
            "not read".to_string()
        } else {
            targets.join(", ")
        },
    )
}
