//! Network paths that bypass API Gateway (exposure model §4–6): PrivateLink endpoint services,
//! cross-account VPC peering, and internet-facing load balancers, each tied to the private
//! backend it exposes.
//!
//! A **backend** is the set of targets (instance, or IP in a VPC, and port) behind one load
//! balancer. It is **private** when an internal load balancer fronts it, an API Gateway VPC
//! link targets its load balancer, or an endpoint service publishes it. Two backends are the
//! same service when their target sets overlap. Every entry point whose reach goes beyond the
//! owner account and that leads to a private backend is a finding, one per (entry point,
//! exposed backend). Network paths carry no HTTP authentication and let every verb of every
//! path through, so they are all `auth: network_only`, `write: true`; when API Gateway
//! methods publish the same backend, the finding names them: the network path bypasses their
//! auth and their verb restrictions.

use super::{describe_reach, FindingDraft};
use crate::inventory::{
    Inventory, LoadBalancer, Network, RestApi, SecurityGroup, Target, VpcPeering,
};
use crate::model::{EntryPoint, Finding, Reach};
use ipnet::IpNet;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

pub fn analyze(inv: &Inventory) -> Vec<Finding> {
    // Security groups per VPC across the whole audited estate: a rule naming a group of the
    // peer VPC admits the peer for certain when the peer account was audited too.
    let mut groups_by_vpc: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for t in &inv.targets {
        for g in &t.network.security_groups {
            groups_by_vpc
                .entry(g.vpc_id.as_str())
                .or_default()
                .insert(g.id.clone());
        }
    }
    let mut out = Vec::new();
    for target in &inv.targets {
        out.extend(analyze_target(target, &groups_by_vpc));
    }
    out
}

/// One (host, port) a load balancer forwards to. The host is an instance id, or
/// `<vpc-id>/<ip>` for an IP target that is not an instance address (private IPs repeat across
/// VPCs, so an IP alone identifies nothing).
type Endpoint = (String, i32);

/// A load balancer's backend, and why it counts as private.
struct Backend<'a> {
    lb: &'a LoadBalancer,
    endpoints: BTreeSet<Endpoint>,
    /// Why the backend is private (empty: it is not).
    private_because: Vec<String>,
}

/// An API Gateway method that forwards to a load balancer through a VPC link.
#[derive(Clone)]
struct PublishedMethod {
    api_id: String,
    api_name: String,
    method: String,
    path: String,
    authorization_type: String,
    /// True when the link was inferred (the integration named no link id, as moto drops it,
    /// and its URI did not name the load balancer's DNS name either).
    inferred: bool,
}

/// Lookups over one account × region.
struct Index<'a> {
    target: &'a Target,
    net: &'a Network,
    groups: HashMap<&'a str, &'a SecurityGroup>,
    /// Instance id → (subnet, security groups).
    instances: HashMap<&'a str, (&'a str, &'a [String])>,
    /// `<vpc>/<ip>` → instance id, for IP targets that are instance addresses.
    instance_by_ip: HashMap<String, &'a str>,
    /// `<vpc>/<ip>` → (subnet, security groups) of a network interface.
    eni_by_ip: HashMap<String, (&'a str, &'a [String])>,
}

impl<'a> Index<'a> {
    fn new(target: &'a Target) -> Index<'a> {
        let net = &target.network;
        let mut instances = HashMap::new();
        let mut instance_by_ip = HashMap::new();
        for i in &net.instances {
            instances.insert(
                i.id.as_str(),
                (
                    i.subnet_id.as_deref().unwrap_or(""),
                    i.security_group_ids.as_slice(),
                ),
            );
            if let (Some(vpc), Some(ip)) = (&i.vpc_id, &i.private_ip) {
                instance_by_ip.insert(format!("{vpc}/{ip}"), i.id.as_str());
            }
        }
        let mut eni_by_ip = HashMap::new();
        for e in &net.network_interfaces {
            for ip in &e.private_ips {
                eni_by_ip.insert(
                    format!("{}/{ip}", e.vpc_id),
                    (e.subnet_id.as_str(), e.security_group_ids.as_slice()),
                );
            }
        }
        Index {
            target,
            net,
            groups: net
                .security_groups
                .iter()
                .map(|g| (g.id.as_str(), g))
                .collect(),
            instances,
            instance_by_ip,
            eni_by_ip,
        }
    }

    fn endpoints(&self, lb: &LoadBalancer) -> BTreeSet<Endpoint> {
        let mut out = BTreeSet::new();
        for tg in &lb.target_groups {
            let vpc = if tg.vpc_id.is_empty() {
                &lb.vpc_id
            } else {
                &tg.vpc_id
            };
            for t in &tg.targets {
                let Some(port) = t.port.or(tg.port) else {
                    continue;
                };
                let host = if tg.target_type == "ip" {
                    let key = format!("{vpc}/{}", t.id);
                    match self.instance_by_ip.get(&key) {
                        Some(id) => id.to_string(),
                        None => key,
                    }
                } else {
                    t.id.clone()
                };
                out.insert((host, port));
            }
        }
        out
    }

    /// The subnet and security groups of a host, when known.
    fn host(&self, host: &str) -> Option<(&'a str, Option<&'a [String]>)> {
        if let Some((subnet, groups)) = self.instances.get(host) {
            return Some((subnet, Some(groups)));
        }
        if let Some((subnet, groups)) = self.eni_by_ip.get(host) {
            return Some((subnet, Some(groups)));
        }
        // An IP target with no known interface: find its subnet by address; groups unknown.
        let (vpc, ip) = host.split_once('/')?;
        let ip: IpAddr = ip.parse().ok()?;
        let subnet = self.net.subnets.iter().find(|s| {
            s.vpc_id == vpc && s.cidr_block.parse::<IpNet>().is_ok_and(|n| n.contains(&ip))
        })?;
        Some((subnet.id.as_str(), None))
    }

    fn vpc_of_subnet(&self, subnet: &str) -> Option<&'a str> {
        self.net
            .subnets
            .iter()
            .find(|s| s.id == subnet)
            .map(|s| s.vpc_id.as_str())
    }

    /// The route table serving a subnet: its explicit association, else its VPC's main table.
    fn route_table(&self, subnet: &str) -> Option<&'a crate::inventory::RouteTable> {
        if let Some(rt) = self
            .net
            .route_tables
            .iter()
            .find(|rt| rt.subnet_ids.iter().any(|s| s == subnet))
        {
            return Some(rt);
        }
        let vpc = self.vpc_of_subnet(subnet)?;
        self.net
            .route_tables
            .iter()
            .find(|rt| rt.vpc_id == vpc && rt.main)
    }
}

fn overlaps(a: &str, b: &str) -> bool {
    match (a.parse::<IpNet>(), b.parse::<IpNet>()) {
        (Ok(x), Ok(y)) => x.contains(&y.network()) || y.contains(&x.network()),
        _ => false,
    }
}

fn is_any_address(cidr: &str) -> bool {
    matches!(cidr, "0.0.0.0/0" | "::/0")
}

/// Whether a CIDR lies wholly in private or reserved space (not reachable from the internet).
fn is_private_range(cidr: &str) -> bool {
    let Ok(net) = cidr.parse::<IpNet>() else {
        return false;
    };
    const PRIVATE: [&str; 6] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "fc00::/7",
    ];
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(&net))
}

fn port_in(rule: &crate::inventory::IngressRule, port: Option<i32>) -> bool {
    let proto_ok = matches!(rule.protocol.as_str(), "-1" | "tcp" | "6" | "all");
    if !proto_ok {
        return false;
    }
    match (port, rule.from_port, rule.to_port) {
        (_, None, _) | (_, _, None) => true,
        (None, _, _) => true,
        (Some(p), Some(from), Some(to)) => from <= p && p <= to,
    }
}

/// The first ingress rule (group, description) of `groups` that admits the peer on `port`.
/// Security groups of another VPC are only referable across a peering, so a rule naming a
/// group this account does not own is taken to admit the peer (with `assumed` set).
struct Admission {
    group: String,
    rule: String,
    assumed: bool,
}

fn admits(
    ix: &Index,
    groups: &[String],
    peer_cidrs: &[String],
    peer_groups: &BTreeSet<String>,
    port: Option<i32>,
) -> Option<Admission> {
    for gid in groups {
        let Some(g) = ix.groups.get(gid.as_str()) else {
            continue;
        };
        for rule in &g.ingress {
            if !port_in(rule, port) {
                continue;
            }
            let ports = match (rule.from_port, rule.to_port) {
                (Some(a), Some(b)) if a == b => format!("port {a}"),
                (Some(a), Some(b)) => format!("ports {a}-{b}"),
                _ => "all ports".to_string(),
            };
            if let Some(c) = rule
                .cidrs
                .iter()
                .find(|c| peer_cidrs.iter().any(|p| overlaps(c, p)))
            {
                return Some(Admission {
                    group: gid.clone(),
                    rule: format!("{} {ports} from {c}", rule.protocol),
                    assumed: false,
                });
            }
            for src in &rule.source_group_ids {
                let known_peer = peer_groups.contains(src);
                let foreign = !ix.groups.contains_key(src.as_str());
                if known_peer || foreign {
                    return Some(Admission {
                        group: gid.clone(),
                        rule: format!("{} {ports} from security group {src}", rule.protocol),
                        assumed: !known_peer,
                    });
                }
            }
        }
    }
    None
}

/// The route (table id, destination) sending the peer's traffic back through the peering.
fn route_to_peer(
    ix: &Index,
    subnet: &str,
    pcx: &str,
    peer_cidrs: &[String],
) -> Option<(String, String)> {
    let rt = ix.route_table(subnet)?;
    rt.routes
        .iter()
        .find(|r| {
            r.vpc_peering_connection_id.as_deref() == Some(pcx)
                && peer_cidrs.iter().any(|p| overlaps(&r.destination_cidr, p))
        })
        .map(|r| (rt.id.clone(), r.destination_cidr.clone()))
}

/// The API Gateway methods of this target that forward to `lb` through a VPC link.
fn published_methods(target: &Target, lb: &LoadBalancer) -> Vec<PublishedMethod> {
    let links_to_lb: BTreeSet<&str> = target
        .vpc_links
        .iter()
        .filter(|l| l.target_arns.iter().any(|a| a == &lb.arn))
        .map(|l| l.id.as_str())
        .collect();
    if links_to_lb.is_empty() {
        return vec![];
    }
    let only_link = target.vpc_links.len() == 1;
    let mut out = Vec::new();
    for api in &target.rest_apis {
        collect_api_methods(api, lb, &links_to_lb, only_link, &mut out);
    }
    out.sort_by(|a, b| (&a.api_id, &a.path, &a.method).cmp(&(&b.api_id, &b.path, &b.method)));
    out
}

fn collect_api_methods(
    api: &RestApi,
    lb: &LoadBalancer,
    links_to_lb: &BTreeSet<&str>,
    only_link: bool,
    out: &mut Vec<PublishedMethod>,
) {
    for r in &api.resources {
        for m in &r.methods {
            let Some(i) = &m.integration else { continue };
            if i.connection_type.as_deref() != Some("VPC_LINK") {
                continue;
            }
            let by_id = i
                .connection_id
                .as_deref()
                .map(|id| links_to_lb.contains(id));
            let by_uri = lb.dns_name.as_deref().is_some_and(|dns| {
                i.uri
                    .as_deref()
                    .is_some_and(|u| uri_host(u).eq_ignore_ascii_case(dns))
            });
            let (matched, inferred) = match by_id {
                Some(hit) => (hit, false),
                // No link id (moto drops it): trust the URI's host, else the region's only link.
                None if by_uri => (true, false),
                None => (only_link, true),
            };
            if matched {
                out.push(PublishedMethod {
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

fn analyze_target(
    target: &Target,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let ix = Index::new(target);
    let net = &target.network;
    let backends: Vec<Backend> = net
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
            for link in target
                .vpc_links
                .iter()
                .filter(|l| l.target_arns.iter().any(|a| a == &lb.arn))
            {
                private_because.push(format!(
                    "target of API Gateway VPC link {} ({})",
                    link.id, link.name
                ));
            }
            for svc in net
                .endpoint_services
                .iter()
                .filter(|s| s.network_load_balancer_arns.iter().any(|a| a == &lb.arn))
            {
                private_because.push(format!("published by endpoint service {}", svc.service_id));
            }
            Backend {
                lb,
                endpoints: ix.endpoints(lb),
                private_because,
            }
        })
        .collect();
    // Methods published per load balancer, computed once.
    let published: HashMap<&str, Vec<PublishedMethod>> = net
        .load_balancers
        .iter()
        .map(|lb| (lb.arn.as_str(), published_methods(target, lb)))
        .collect();

    let mut out = Vec::new();
    out.extend(endpoint_service_findings(target, &backends, &published));
    for p in &net.peerings {
        out.extend(peering_findings(
            &ix,
            p,
            &backends,
            &published,
            groups_by_vpc,
        ));
    }
    out.extend(public_lb_findings(&ix, &backends, &published));
    out
}

/// API Gateway methods that publish `backend`: through its own load balancer, or through
/// another load balancer forwarding to some of the same targets.
fn methods_publishing(
    backend: &Backend,
    backends: &[Backend],
    published: &HashMap<&str, Vec<PublishedMethod>>,
) -> Vec<PublishedMethod> {
    let mut out: Vec<PublishedMethod> = Vec::new();
    for other in backends {
        let same =
            other.lb.arn == backend.lb.arn || !other.endpoints.is_disjoint(&backend.endpoints);
        if same {
            out.extend(
                published
                    .get(other.lb.arn.as_str())
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    out.sort_by(|a, b| (&a.api_id, &a.path, &a.method).cmp(&(&b.api_id, &b.path, &b.method)));
    out.dedup_by(|a, b| a.api_id == b.api_id && a.path == b.path && a.method == b.method);
    out
}

fn backend_evidence(b: &Backend) -> Value {
    json!({
        "load_balancer": b.lb.arn,
        "name": b.lb.name,
        "type": b.lb.lb_type,
        "scheme": b.lb.scheme,
        "vpc_id": b.lb.vpc_id,
        "targets": b.endpoints.iter().map(|(h, p)| format!("{h}:{p}")).collect::<Vec<_>>(),
        "private_because": b.private_because,
    })
}

fn methods_evidence(methods: &[PublishedMethod]) -> Value {
    json!(methods
        .iter()
        .map(|m| json!({
            "api_id": m.api_id,
            "api_name": m.api_name,
            "method": m.method,
            "path": m.path,
            "authorization_type": m.authorization_type,
            "link_inferred": m.inferred,
        }))
        .collect::<Vec<_>>())
}

/// "The same backend is published through API Gateway …" or, when no method publishes it,
/// why the exposure still matters.
fn bypass_sentence(methods: &[PublishedMethod]) -> String {
    if methods.is_empty() {
        return "No API Gateway method publishes this backend, so nothing restricts verbs or paths: every verb of every path is reachable with no HTTP authentication.".into();
    }
    let list: Vec<String> = methods
        .iter()
        .take(8)
        .map(|m| {
            format!(
                "{} {} on REST API {} ({}, {})",
                m.method, m.path, m.api_name, m.api_id, m.authorization_type
            )
        })
        .collect();
    let more = if methods.len() > 8 {
        format!(" and {} more", methods.len() - 8)
    } else {
        String::new()
    };
    format!(
        "The same backend is published through API Gateway as {}{more}; this network path bypasses their authentication and their verb restrictions: every verb of every path of the backend is reachable with no HTTP authentication.",
        list.join(", ")
    )
}

fn backend_words(b: &Backend) -> String {
    let targets: Vec<String> = b
        .endpoints
        .iter()
        .take(4)
        .map(|(h, p)| format!("{h}:{p}"))
        .collect();
    let more = if b.endpoints.len() > 4 {
        format!(" and {} more", b.endpoints.len() - 4)
    } else {
        String::new()
    };
    format!(
        "the private backend behind the {} load balancer {} ({}; targets {}{more})",
        b.lb.lb_type,
        b.lb.name,
        b.private_because.join(", "),
        if targets.is_empty() {
            "not read".to_string()
        } else {
            targets.join(", ")
        },
    )
}

fn principal_account(p: &str) -> Option<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_string());
    }
    crate::policy::arn_account(p)
}

fn endpoint_service_findings(
    target: &Target,
    backends: &[Backend],
    published: &HashMap<&str, Vec<PublishedMethod>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for svc in &target.network.endpoint_services {
        let everyone = svc.allowed_principals.iter().any(|p| p.trim() == "*");
        let external: BTreeSet<String> = svc
            .allowed_principals
            .iter()
            .filter_map(|p| principal_account(p.trim()))
            .filter(|a| a != &target.account_id)
            .collect();
        let (rule, reach) = if everyone {
            ("privatelink-open-to-any-account", Reach::AnyAwsAccount)
        } else if !external.is_empty() {
            (
                "privatelink-open-to-external-accounts",
                Reach::Accounts {
                    accounts: external.iter().cloned().collect(),
                },
            )
        } else {
            continue;
        };
        let resource_arn = format!(
            "arn:aws:ec2:{}:{}:vpc-endpoint-service/{}",
            target.region, target.account_id, svc.service_id
        );
        let lb_arns = svc
            .network_load_balancer_arns
            .iter()
            .chain(&svc.gateway_load_balancer_arns);
        for lb_arn in lb_arns {
            let Some(backend) = backends.iter().find(|b| &b.lb.arn == lb_arn) else {
                continue;
            };
            let methods = methods_publishing(backend, backends, published);
            let connected = match &svc.connected_accounts {
                Some(list) => {
                    let ext: Vec<&String> =
                        list.iter().filter(|a| *a != &target.account_id).collect();
                    if ext.is_empty() {
                        "No external account is connected right now.".to_string()
                    } else {
                        format!(
                            "Connected right now: {}.",
                            ext.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                }
                None => "Who is connected right now could not be read.".to_string(),
            };
            let message = format!(
                "Endpoint service {} ({}) in {}/{} publishes {} over PrivateLink to {} (allowed principals: {}); connection requests are {}. {} {}",
                svc.service_id,
                svc.service_name,
                target.account_id,
                target.region,
                backend_words(backend),
                describe_reach(&reach),
                svc.allowed_principals.join(", "),
                if svc.acceptance_required { "reviewed (acceptance required)" } else { "accepted automatically (acceptance not required)" },
                connected,
                bypass_sentence(&methods),
            );
            let mut evidence = BTreeMap::new();
            evidence.insert("allowed_principals".into(), json!(svc.allowed_principals));
            evidence.insert("acceptance_required".into(), json!(svc.acceptance_required));
            evidence.insert("connected_accounts".into(), json!(svc.connected_accounts));
            evidence.insert("backend".into(), backend_evidence(backend));
            evidence.insert("bypassed_methods".into(), methods_evidence(&methods));
            let fix = if everyone {
                format!("Remove `*` from the allowed principals of {} (aws ec2 modify-vpc-endpoint-service-permissions --service-id {} --remove-allowed-principals '*').", svc.service_id, svc.service_id)
            } else {
                format!("Remove the external principals from {} (aws ec2 modify-vpc-endpoint-service-permissions --service-id {} --remove-allowed-principals ...).", svc.service_id, svc.service_id)
            };
            out.push(
                FindingDraft {
                    rule_id: rule,
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: resource_arn.clone(),
                    entry_point: EntryPoint::Privatelink,
                    api_id: None,
                    stage: None,
                    method: "*".into(),
                    path: "*".into(),
                    reach: reach.clone(),
                    auth: "network_only".into(),
                    write: true,
                    message,
                    specific_fix: fix,
                    low_confidence: methods.iter().any(|m| m.inferred),
                    evidence,
                    identity: vec![
                        target.account_id.clone(),
                        target.region.clone(),
                        svc.service_id.clone(),
                        lb_arn.clone(),
                    ],
                }
                .build(),
            );
        }
    }
    out
}

/// How a peer reaches a backend across a peering, as evidence.
struct PeerPath {
    via: String,
    route_table: String,
    route: String,
    group: Option<String>,
    rule: Option<String>,
    assumed: bool,
}

/// Does the peer (CIDRs, groups) reach `backend` across `pcx`? Target level (the backend's
/// hosts route to the peer and admit it on the target port), then load-balancer level (the
/// internal load balancer's subnets route to the peer and its security groups admit the peer
/// on a listener port; an NLB without security groups preserves client addresses, so its
/// targets' groups must admit the peer).
fn peer_path(
    ix: &Index,
    backend: &Backend,
    pcx: &str,
    peer_cidrs: &[String],
    peer_groups: &BTreeSet<String>,
) -> Option<PeerPath> {
    for (host, port) in &backend.endpoints {
        let Some((subnet, groups)) = ix.host(host) else {
            continue;
        };
        let Some((rt, dest)) = route_to_peer(ix, subnet, pcx, peer_cidrs) else {
            continue;
        };
        match groups {
            Some(groups) => {
                if let Some(a) = admits(ix, groups, peer_cidrs, peer_groups, Some(*port)) {
                    return Some(PeerPath {
                        via: format!("target {host}:{port}"),
                        route_table: rt,
                        route: format!("{dest} -> {pcx}"),
                        group: Some(a.group),
                        rule: Some(a.rule),
                        assumed: a.assumed,
                    });
                }
            }
            // Interface unknown: the route is there, the security groups cannot be checked.
            None => {
                return Some(PeerPath {
                    via: format!("target {host}:{port}"),
                    route_table: rt,
                    route: format!("{dest} -> {pcx}"),
                    group: None,
                    rule: None,
                    assumed: true,
                })
            }
        }
    }
    let lb = backend.lb;
    if lb.scheme != "internal" {
        return None;
    }
    let routed = lb
        .subnet_ids
        .iter()
        .find_map(|s| route_to_peer(ix, s, pcx, peer_cidrs))?;
    if !lb.security_group_ids.is_empty() {
        let ports: Vec<Option<i32>> = if lb.listeners_read {
            lb.listeners.iter().map(|l| Some(l.port)).collect()
        } else {
            vec![None]
        };
        for port in ports {
            if let Some(a) = admits(ix, &lb.security_group_ids, peer_cidrs, peer_groups, port) {
                return Some(PeerPath {
                    via: format!("load balancer {}", lb.name),
                    route_table: routed.0,
                    route: format!("{} -> {pcx}", routed.1),
                    group: Some(a.group),
                    rule: Some(a.rule),
                    assumed: a.assumed || !lb.listeners_read,
                });
            }
        }
        return None;
    }
    for (host, port) in &backend.endpoints {
        let Some((_, Some(groups))) = ix.host(host) else {
            continue;
        };
        if let Some(a) = admits(ix, groups, peer_cidrs, peer_groups, Some(*port)) {
            return Some(PeerPath {
                via: format!("load balancer {} to target {host}:{port}", lb.name),
                route_table: routed.0,
                route: format!("{} -> {pcx}", routed.1),
                group: Some(a.group),
                rule: Some(a.rule),
                assumed: a.assumed,
            });
        }
    }
    None
}

fn peering_findings(
    ix: &Index,
    p: &VpcPeering,
    backends: &[Backend],
    published: &HashMap<&str, Vec<PublishedMethod>>,
    groups_by_vpc: &HashMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    let target = ix.target;
    let mut out = Vec::new();
    if p.status != "active" || p.requester.owner_id == p.accepter.owner_id {
        // Pending, rejected or deleted peerings carry no traffic; same-account peering is
        // never cross-account.
        return out;
    }
    let region_ok = |r: &Option<String>| r.as_deref().is_none_or(|r| r == target.region);
    let (local, peer) =
        if p.requester.owner_id == target.account_id && region_ok(&p.requester.region) {
            (&p.requester, &p.accepter)
        } else if p.accepter.owner_id == target.account_id && region_ok(&p.accepter.region) {
            (&p.accepter, &p.requester)
        } else {
            return out;
        };
    let peer_groups = groups_by_vpc
        .get(peer.vpc_id.as_str())
        .cloned()
        .unwrap_or_default();
    let resource_arn = format!(
        "arn:aws:ec2:{}:{}:vpc-peering-connection/{}",
        target.region, target.account_id, p.id
    );
    let reach = Reach::Accounts {
        accounts: vec![peer.owner_id.clone()],
    };
    let local_backends: Vec<&Backend> = backends
        .iter()
        .filter(|b| !b.private_because.is_empty())
        .filter(|b| {
            b.lb.vpc_id == local.vpc_id
                || b.endpoints.iter().any(|(h, _)| {
                    ix.host(h).and_then(|(s, _)| ix.vpc_of_subnet(s)) == Some(local.vpc_id.as_str())
                })
        })
        .collect();
    let mut exposed_any = false;
    for b in &local_backends {
        let Some(path) = peer_path(ix, b, &p.id, &peer.cidr_blocks, &peer_groups) else {
            continue;
        };
        exposed_any = true;
        let methods = methods_publishing(b, backends, published);
        let admission = match (&path.group, &path.rule) {
            (Some(g), Some(r)) => format!("security group {g} admits {r}"),
            _ => "the target's security groups could not be read (its interface is unknown), so they are assumed to admit the peer".into(),
        };
        let message = format!(
            "VPC peering {} between {} ({} in {}) and {} ({} {}) is active and exposes {} to {}: route table {} routes {} and {} (via {}). {}",
            p.id,
            local.vpc_id,
            local.cidr_blocks.join(","),
            target.account_id,
            peer.vpc_id,
            peer.owner_id,
            peer.cidr_blocks.join(","),
            backend_words(b),
            describe_reach(&reach),
            path.route_table,
            path.route,
            admission,
            path.via,
            bypass_sentence(&methods),
        );
        let mut evidence = BTreeMap::new();
        evidence.insert("peering".into(), json!({
            "id": p.id, "status": p.status,
            "local": {"owner_id": local.owner_id, "vpc_id": local.vpc_id, "cidr_blocks": local.cidr_blocks},
            "peer": {"owner_id": peer.owner_id, "vpc_id": peer.vpc_id, "cidr_blocks": peer.cidr_blocks, "region": peer.region},
        }));
        evidence.insert(
            "path".into(),
            json!({
                "via": path.via, "route_table": path.route_table, "route": path.route,
                "security_group": path.group, "ingress_rule": path.rule,
            }),
        );
        evidence.insert("backend".into(), backend_evidence(b));
        evidence.insert("bypassed_methods".into(), methods_evidence(&methods));
        out.push(
            FindingDraft {
                rule_id: "peering-exposes-private-backend",
                account_id: target.account_id.clone(),
                region: target.region.clone(),
                resource_arn: resource_arn.clone(),
                entry_point: EntryPoint::VpcPeering,
                api_id: None,
                stage: None,
                method: "*".into(),
                path: "*".into(),
                reach: reach.clone(),
                auth: "network_only".into(),
                write: true,
                message,
                specific_fix: format!(
                    "Remove the route {} from {} or the ingress rule admitting the peer{}, or delete peering {}.",
                    path.route,
                    path.route_table,
                    path.group.as_deref().map(|g| format!(" from {g}")).unwrap_or_default(),
                    p.id
                ),
                low_confidence: path.assumed || methods.iter().any(|m| m.inferred),
                evidence,
                identity: vec![target.account_id.clone(), target.region.clone(), p.id.clone(), b.lb.arn.clone()],
            }
            .build(),
        );
    }
    if !exposed_any && !local_backends.is_empty() {
        let names: Vec<String> = local_backends.iter().map(|b| b.lb.name.clone()).collect();
        let message = format!(
            "VPC peering {} between {} ({}) and {} ({} {}) is active and cross-account, but no route table of the private backend(s) {} routes the peer through it with a security group admitting the peer on the backend's port. Nothing is exposed today; one route or rule would expose every method of the backend to {}.",
            p.id,
            local.vpc_id,
            target.account_id,
            peer.vpc_id,
            peer.owner_id,
            peer.cidr_blocks.join(","),
            names.join(", "),
            peer.owner_id,
        );
        let mut evidence = BTreeMap::new();
        evidence.insert("peering".into(), json!({
            "id": p.id, "status": p.status,
            "local": {"owner_id": local.owner_id, "vpc_id": local.vpc_id, "cidr_blocks": local.cidr_blocks},
            "peer": {"owner_id": peer.owner_id, "vpc_id": peer.vpc_id, "cidr_blocks": peer.cidr_blocks, "region": peer.region},
        }));
        evidence.insert(
            "backends_checked".into(),
            json!(local_backends
                .iter()
                .map(|b| b.lb.arn.clone())
                .collect::<Vec<_>>()),
        );
        out.push(
            FindingDraft {
                rule_id: "peering-cross-account-no-path",
                account_id: target.account_id.clone(),
                region: target.region.clone(),
                resource_arn,
                entry_point: EntryPoint::VpcPeering,
                api_id: None,
                stage: None,
                method: "*".into(),
                path: "*".into(),
                reach: Reach::Accounts {
                    accounts: vec![peer.owner_id.clone()],
                },
                auth: "network_only".into(),
                write: true,
                message,
                specific_fix: String::new(),
                low_confidence: false,
                evidence,
                identity: vec![
                    target.account_id.clone(),
                    target.region.clone(),
                    p.id.clone(),
                ],
            }
            .build(),
        );
    }
    out
}

/// Who on the internet reaches an internet-facing load balancer: its security groups (when it
/// has any and its listeners are known) narrow it to the public ranges they admit on listener
/// ports. `None`: the groups admit no public address, so the internet cannot reach it.
fn internet_reach(ix: &Index, lb: &LoadBalancer) -> Option<Reach> {
    if lb.security_group_ids.is_empty() || !lb.listeners_read {
        return Some(Reach::Internet);
    }
    let mut cidrs = BTreeSet::new();
    for gid in &lb.security_group_ids {
        let Some(g) = ix.groups.get(gid.as_str()) else {
            // A group we cannot see: assume the widest.
            return Some(Reach::Internet);
        };
        for rule in &g.ingress {
            if lb.listeners.iter().any(|l| port_in(rule, Some(l.port))) {
                cidrs.extend(rule.cidrs.iter().filter(|c| !is_private_range(c)).cloned());
            }
        }
    }
    if cidrs.iter().any(|c| is_any_address(c)) {
        Some(Reach::Internet)
    } else if cidrs.is_empty() {
        None
    } else {
        Some(Reach::InternetIpRestricted {
            cidrs: cidrs.into_iter().collect(),
        })
    }
}

fn public_lb_findings(
    ix: &Index,
    backends: &[Backend],
    published: &HashMap<&str, Vec<PublishedMethod>>,
) -> Vec<Finding> {
    let target = ix.target;
    let mut out = Vec::new();
    for public in backends.iter().filter(|b| b.lb.scheme == "internet-facing") {
        let Some(reach) = internet_reach(ix, public.lb) else {
            continue;
        };
        for private in backends.iter().filter(|b| !b.private_because.is_empty()) {
            let shared: BTreeSet<&Endpoint> = if private.lb.arn == public.lb.arn {
                // An internet-facing load balancer that is itself a VPC link target or an
                // endpoint service's: its own backend is the private one.
                private.endpoints.iter().collect()
            } else {
                public.endpoints.intersection(&private.endpoints).collect()
            };
            if shared.is_empty() && private.lb.arn != public.lb.arn {
                continue;
            }
            let methods = methods_publishing(private, backends, published);
            let waf = match (public.lb.lb_type.as_str(), &public.lb.web_acl_arn) {
                ("application", Some(acl)) => format!("Web ACL {acl} is attached; a WAF filters requests, it does not authenticate callers, and every verb still gets through."),
                ("application", None) => "No web ACL is attached.".to_string(),
                ("network", _) => "An NLB cannot carry a WAF web ACL at all.".to_string(),
                _ => String::new(),
            };
            let shared_words: Vec<String> = shared
                .iter()
                .take(4)
                .map(|(h, p)| format!("{h}:{p}"))
                .collect();
            let message = format!(
                "Internet-facing {} load balancer {} in {}/{} forwards to {} (shared targets: {}), so {} reaches it with no HTTP authentication. {} {}",
                public.lb.lb_type,
                public.lb.name,
                target.account_id,
                target.region,
                backend_words(private),
                if shared_words.is_empty() { "its own".to_string() } else { shared_words.join(", ") },
                describe_reach(&reach),
                waf,
                bypass_sentence(&methods),
            );
            let mut evidence = BTreeMap::new();
            evidence.insert("load_balancer".into(), json!({
                "arn": public.lb.arn, "name": public.lb.name, "type": public.lb.lb_type,
                "scheme": public.lb.scheme, "dns_name": public.lb.dns_name,
                "security_groups": public.lb.security_group_ids,
                "listener_ports": public.lb.listeners.iter().map(|l| l.port).collect::<Vec<_>>(),
            }));
            evidence.insert("web_acl".into(), json!(public.lb.web_acl_arn));
            evidence.insert(
                "shared_targets".into(),
                json!(shared
                    .iter()
                    .map(|(h, p)| format!("{h}:{p}"))
                    .collect::<Vec<_>>()),
            );
            evidence.insert("backend".into(), backend_evidence(private));
            evidence.insert("bypassed_methods".into(), methods_evidence(&methods));
            out.push(
                FindingDraft {
                    rule_id: "public-lb-exposes-private-backend",
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: public.lb.arn.clone(),
                    entry_point: EntryPoint::PublicLoadBalancer,
                    api_id: None,
                    stage: None,
                    method: "*".into(),
                    path: "*".into(),
                    reach: reach.clone(),
                    auth: "network_only".into(),
                    write: true,
                    message,
                    specific_fix: format!(
                        "Deregister the private backend's targets from {} or recreate it with Scheme internal.",
                        public.lb.name
                    ),
                    low_confidence: methods.iter().any(|m| m.inferred),
                    evidence,
                    identity: vec![target.account_id.clone(), target.region.clone(), public.lb.arn.clone(), private.lb.arn.clone()],
                }
                .build(),
            );
        }
    }
    out
}

#[cfg(test)]
#[path = "network_tests.rs"]
mod tests;
