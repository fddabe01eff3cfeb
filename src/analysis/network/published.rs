//! API Gateway methods published through VPC links.

use crate::inventory::{RestApi, Target};
use std::collections::{BTreeSet, HashMap};

/// An API Gateway method that forwards to a load balancer through a VPC link.
#[derive(Clone)]
pub(super) struct PublishedMethod {
    pub(super) api_id: String,
    pub(super) api_name: String,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) authorization_type: String,
    /// True when the link was inferred: the integration named no link id (moto drops it) or a
    /// stage variable (`${stageVariables.…}`, whose values are not collected), and the method
    /// was tied to the load balancer by its URI or by being the region's only link.
    pub(super) inferred: bool,
}

/// Methods published per load balancer ARN, in one pass over the region's methods.
pub(super) fn published_by_lb(target: &Target) -> HashMap<&str, Vec<PublishedMethod>> {
    let links: HashMap<&str, &crate::inventory::VpcLink> = target
        .vpc_links
        .iter()
        .map(|l| (l.id.as_str(), l))
        .collect();
    let linked: BTreeSet<&str> = target
        .vpc_links
        .iter()
        .flat_map(|l| l.target_arns.iter().map(String::as_str))
        .collect();
    let by_dns: HashMap<String, &str> = target
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
        .collect();
    let only_link = match target.vpc_links.as_slice() {
        [only] => Some(only),
        _ => None,
    };
    let mut out: HashMap<&str, Vec<PublishedMethod>> = HashMap::new();
    for api in &target.rest_apis {
        add_api_methods(api, &links, &by_dns, only_link, &mut out);
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

fn add_api_methods<'t>(
    api: &RestApi,
    links: &HashMap<&str, &'t crate::inventory::VpcLink>,
    by_dns: &HashMap<String, &'t str>,
    only_link: Option<&'t crate::inventory::VpcLink>,
    out: &mut HashMap<&'t str, Vec<PublishedMethod>>,
) {
    for r in &api.resources {
        for m in &r.methods {
            let Some(i) = &m.integration else { continue };
            if i.connection_type.as_deref() != Some("VPC_LINK") {
                continue;
            }
            let stage_variable = i
                .connection_id
                .as_deref()
                .is_some_and(|c| c.contains("${stageVariables."));
            let by_uri = i
                .uri
                .as_deref()
                .and_then(|u| by_dns.get(&uri_host(u).to_ascii_lowercase()).copied());
            let (arns, inferred): (Vec<&'t str>, bool) = match i.connection_id.as_deref() {
                Some(id) if !stage_variable => (
                    links
                        .get(id)
                        .map(|l| l.target_arns.iter().map(String::as_str).collect())
                        .unwrap_or_default(),
                    false,
                ),
                // No link id (moto drops it) or a stage variable: trust the URI's host, else
                // the region's only link.
                _ => match (by_uri, only_link) {
                    (Some(arn), _) => (vec![arn], stage_variable),
                    (None, Some(link)) => {
                        (link.target_arns.iter().map(String::as_str).collect(), true)
                    }
                    (None, None) => (vec![], false),
                },
            };
            for arn in arns {
                out.entry(arn).or_default().push(PublishedMethod {
                    api_id: api.id.clone(),
                    api_name: api.name.clone(),
                    method: m.http_method.clone(),
                    path: r.path.clone(),
                    authorization_type: m.authorization_type.clone(),
                    inferred,
                });
            }
        }
    }
}

fn uri_host(uri: &str) -> &str {
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    let host_port = rest.split(['/', '?']).next().unwrap_or("");
    host_port
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(host_port)
}
