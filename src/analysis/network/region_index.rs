//! Lookups over one account × region: hosts, route tables, security groups and load balancer
//! targets, and which reads failed.

use super::addrs::AddrSet;
use crate::inventory::{
    Instance, LbTarget, LoadBalancer, PrefixList, RouteTable, ScanError, SecurityGroup, Subnet,
    Target, TargetGroup,
};
use crate::operation::Operation;
use ipnet::IpNet;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// One (host, port) a load balancer forwards to. The host is an instance id, `<vpc-id>/<ip>`
/// for an IP target that is not an instance address (private IPs repeat across VPCs, so an IP
/// alone identifies nothing), or an ALB's ARN for an NLB forwarding to that ALB.
pub(super) type HostPort = (String, i32);

/// What the inventory says of a host: each fact `None` when it was not read.
pub(super) struct HostFacts<'a> {
    pub(super) subnet: Option<&'a str>,
    pub(super) vpc: Option<String>,
    pub(super) groups: Option<&'a [String]>,
    /// Why the host itself is unknown (its instance or subnet could not be read), if it is.
    pub(super) unknown: Option<String>,
}

/// One account × region's inventory, indexed for the lookups every verdict makes.
pub(super) struct RegionIndex<'a> {
    pub(super) target: &'a Target,
    pub(super) groups: HashMap<&'a str, &'a SecurityGroup>,
    instances: HashMap<&'a str, &'a Instance>,
    /// `<vpc>/<ip>` → instance id, for IP targets that are instance addresses.
    instance_by_ip: HashMap<String, &'a str>,
    /// `<vpc>/<ip>` → (subnet, security groups) of a network interface.
    eni_by_ip: HashMap<String, (&'a str, &'a [String])>,
    /// IP → VPCs holding it (instances and interfaces), for IP targets outside their target
    /// group's VPC.
    vpcs_by_ip: HashMap<&'a str, BTreeSet<&'a str>>,
    subnets: HashMap<&'a str, &'a Subnet>,
    table_of_subnet: HashMap<&'a str, &'a RouteTable>,
    main_table: HashMap<&'a str, &'a RouteTable>,
    vpc_cidrs: HashMap<&'a str, AddrSet>,
    pub(super) lbs: HashMap<&'a str, &'a LoadBalancer>,
    pub(super) prefix_lists: HashMap<&'a str, &'a PrefixList>,
    /// VPC → VPCs it is actively peered with.
    peered: HashMap<&'a str, BTreeSet<&'a str>>,
    /// The first failed read of each operation, and of each (operation, resource): a verdict
    /// asks per load balancer and target group, so a scan with many failures stays linear.
    first_failure: HashMap<&'a str, &'a ScanError>,
    /// VPC → its subnets, in inventory order (IP targets with no known interface are placed
    /// by address, once per verdict that asks).
    subnets_of_vpc: HashMap<&'a str, Vec<&'a Subnet>>,
    /// VPC → its route tables, in inventory order.
    pub(super) tables_of_vpc: HashMap<&'a str, Vec<&'a RouteTable>>,
    failure_about: HashMap<(&'a str, &'a str), &'a ScanError>,
}

/// `items` per VPC, in inventory order.
fn by_vpc<'a, T>(
    items: &'a [T],
    vpc: impl Fn(&'a T) -> &'a String,
) -> HashMap<&'a str, Vec<&'a T>> {
    let mut out: HashMap<&str, Vec<&T>> = HashMap::new();
    for item in items {
        out.entry(vpc(item).as_str()).or_default().push(item);
    }
    out
}

impl<'a> RegionIndex<'a> {
    pub(super) fn new(target: &'a Target) -> RegionIndex<'a> {
        let net = &target.network;
        let mut instances = HashMap::new();
        let mut instance_by_ip = HashMap::new();
        let mut vpcs_by_ip: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for i in &net.instances {
            instances.insert(i.id.as_str(), i);
            if let (Some(vpc), Some(ip)) = (&i.vpc_id, &i.private_ip) {
                instance_by_ip.insert(format!("{vpc}/{ip}"), i.id.as_str());
                vpcs_by_ip.entry(ip.as_str()).or_default().insert(vpc);
            }
        }
        let mut eni_by_ip = HashMap::new();
        for e in &net.network_interfaces {
            for ip in &e.private_ips {
                eni_by_ip.insert(
                    format!("{}/{ip}", e.vpc_id),
                    (e.subnet_id.as_str(), e.security_group_ids.as_slice()),
                );
                vpcs_by_ip
                    .entry(ip.as_str())
                    .or_default()
                    .insert(e.vpc_id.as_str());
            }
        }
        let mut table_of_subnet = HashMap::new();
        let mut main_table = HashMap::new();
        for rt in &net.route_tables {
            for s in &rt.subnet_ids {
                table_of_subnet.entry(s.as_str()).or_insert(rt);
            }
            if rt.main {
                main_table.entry(rt.vpc_id.as_str()).or_insert(rt);
            }
        }
        let mut peered: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for p in net.peerings.iter().filter(|p| p.status == "active") {
            let (a, b) = (p.requester.vpc_id.as_str(), p.accepter.vpc_id.as_str());
            peered.entry(a).or_default().insert(b);
            peered.entry(b).or_default().insert(a);
        }
        let mut first_failure = HashMap::new();
        let mut failure_about = HashMap::new();
        for e in &target.errors {
            first_failure.entry(e.operation.as_str()).or_insert(e);
            if let Some(r) = &e.resource {
                failure_about
                    .entry((e.operation.as_str(), r.as_str()))
                    .or_insert(e);
            }
        }
        RegionIndex {
            target,
            first_failure,
            failure_about,
            tables_of_vpc: by_vpc(&net.route_tables, |rt| &rt.vpc_id),
            subnets_of_vpc: by_vpc(&net.subnets, |s| &s.vpc_id),
            groups: net
                .security_groups
                .iter()
                .map(|g| (g.id.as_str(), g))
                .collect(),
            instances,
            instance_by_ip,
            eni_by_ip,
            vpcs_by_ip,
            subnets: net.subnets.iter().map(|s| (s.id.as_str(), s)).collect(),
            table_of_subnet,
            main_table,
            vpc_cidrs: net
                .vpcs
                .iter()
                .map(|v| (v.id.as_str(), AddrSet::of_cidrs(&v.cidr_blocks)))
                .collect(),
            lbs: net
                .load_balancers
                .iter()
                .map(|lb| (lb.arn.as_str(), lb))
                .collect(),
            prefix_lists: net
                .prefix_lists
                .iter()
                .map(|p| (p.id.as_str(), p))
                .collect(),
            peered,
        }
    }

    pub(super) fn target_group_vpc<'b>(lb: &'b LoadBalancer, tg: &'b TargetGroup) -> &'b str {
        if tg.vpc_id.is_empty() {
            &lb.vpc_id
        } else {
            &tg.vpc_id
        }
    }

    /// The host an IP or instance target stands for (see [`HostPort`]).
    pub(super) fn host_key(&self, vpc: &str, tg: &TargetGroup, t: &LbTarget) -> String {
        if tg.target_type != "ip" {
            return t.id.clone();
        }
        let in_vpc = |v: &str| {
            let key = format!("{v}/{}", t.id);
            match self.instance_by_ip.get(&key) {
                Some(id) => Some(id.to_string()),
                None => self.eni_by_ip.contains_key(&key).then_some(key),
            }
        };
        if let Some(host) = in_vpc(vpc) {
            return host;
        }
        // An IP target outside the target group's VPC (AvailabilityZone `all`: a peered VPC,
        // or an address not in the VPC's CIDRs): look for it in the account's other VPCs,
        // preferring one peered with the target group's VPC when several hold it.
        let inside = self
            .vpc_cidrs
            .get(vpc)
            .is_some_and(|c| AddrSet::of_cidr(&t.id).is_some_and(|ip| !ip.intersect(c).is_empty()));
        if t.availability_zone.as_deref() == Some("all") || !inside {
            let candidates: Vec<&str> = self
                .vpcs_by_ip
                .get(t.id.as_str())
                .map(|s| s.iter().copied().filter(|v| *v != vpc).collect())
                .unwrap_or_default();
            let peered: Vec<&str> = candidates
                .iter()
                .copied()
                .filter(|c| self.peered.get(vpc).is_some_and(|p| p.contains(c)))
                .collect();
            let pick = match (candidates.as_slice(), peered.as_slice()) {
                ([only], _) => Some(*only),
                (_, [only]) => Some(*only),
                _ => None,
            };
            if let Some(host) = pick.and_then(in_vpc) {
                return host;
            }
        }
        format!("{vpc}/{}", t.id)
    }

    /// The hosts (see [`HostPort`]) an address stands for in `vpc`, or in any VPC of the
    /// region when `vpc` is unknown: the instance holding it, else `<vpc>/<ip>`, as
    /// [`RegionIndex::host_key`] names an IP target.
    pub(super) fn hosts_of_ip(&self, ip: &str, vpc: Option<&str>) -> BTreeSet<String> {
        let vpcs: BTreeSet<&str> = match vpc {
            Some(v) => BTreeSet::from([v]),
            None => self
                .vpc_cidrs
                .keys()
                .copied()
                .chain(self.vpcs_by_ip.get(ip).into_iter().flatten().copied())
                .collect(),
        };
        vpcs.into_iter()
            .map(|v| {
                let key = format!("{v}/{ip}");
                match self.instance_by_ip.get(&key) {
                    Some(id) => id.to_string(),
                    None => key,
                }
            })
            .collect()
    }

    /// The targets of a load balancer; an ALB target stands for the ALB and its own targets.
    pub(super) fn host_ports(&self, lb: &LoadBalancer) -> BTreeSet<HostPort> {
        let mut out = BTreeSet::new();
        self.add_host_ports(lb, &mut out, true);
        out
    }

    fn add_host_ports(&self, lb: &LoadBalancer, out: &mut BTreeSet<HostPort>, follow_albs: bool) {
        for tg in &lb.target_groups {
            for t in &tg.targets {
                let Some(host_port) = self.host_port_of(lb, tg, t) else {
                    continue;
                };
                out.insert(host_port);
                if tg.target_type == "alb" && follow_albs {
                    if let Some(alb) = self.alb_target(lb, t) {
                        self.add_host_ports(alb, out, false);
                    }
                }
            }
        }
    }

    /// The (host, port) a registered target is (`None` without a port): an ALB target by its ARN,
    /// any other by [`RegionIndex::host_key`].
    pub(super) fn host_port_of(
        &self,
        lb: &LoadBalancer,
        tg: &TargetGroup,
        t: &LbTarget,
    ) -> Option<HostPort> {
        let port = t.port.or(tg.port)?;
        if tg.target_type == "alb" {
            return Some((t.id.clone(), port));
        }
        Some((
            self.host_key(RegionIndex::target_group_vpc(lb, tg), tg, t),
            port,
        ))
    }

    /// The ALB an `alb` target of `lb` names, if it was read (and is not `lb` itself).
    pub(super) fn alb_target(&self, lb: &LoadBalancer, t: &LbTarget) -> Option<&'a LoadBalancer> {
        self.lbs
            .get(t.id.as_str())
            .copied()
            .filter(|a| a.arn != lb.arn)
    }

    /// The scan error of a read that failed in this account × region (the first one of
    /// `operation`, about `resource` when given), if any.
    pub(super) fn failed(
        &self,
        operation: Operation,
        resource: Option<&str>,
    ) -> Option<&'a ScanError> {
        match resource {
            None => self.first_failure.get(operation.as_str()).copied(),
            Some(r) => self.failure_about.get(&(operation.as_str(), r)).copied(),
        }
    }

    /// "ec2:DescribeRouteTables failed: RequestLimitExceeded", when that read failed.
    pub(super) fn failed_words(
        &self,
        operation: Operation,
        resource: Option<&str>,
    ) -> Option<String> {
        self.failed(operation, resource)
            .map(|e| format!("{} failed: {}", e.operation, e.code))
    }

    /// What is known of a host (see [`HostPort`]): its subnet, VPC and security groups. `None`
    /// when it can be nowhere the analysis looks: an IP address outside every subnet read (in
    /// another account's VPC across a peering, on premises), or not a host at all (an ALB's
    /// ARN, whose own targets are (host, port) pairs too). An instance missing from the instances read
    /// (the listing failed, or the instance was not in it) is known by nothing but its id.
    pub(super) fn host(&self, host: &str) -> Option<HostFacts<'a>> {
        if let Some(i) = self.instances.get(host) {
            let subnet = i.subnet_id.as_deref();
            return Some(HostFacts {
                subnet,
                vpc: i
                    .vpc_id
                    .as_deref()
                    .or_else(|| subnet.and_then(|s| self.vpc_of_subnet(s)))
                    .map(str::to_string),
                groups: Some(&i.security_group_ids),
                unknown: None,
            });
        }
        if let Some((subnet, groups)) = self.eni_by_ip.get(host) {
            return Some(HostFacts {
                subnet: Some(subnet),
                vpc: host.split_once('/').map(|(v, _)| v.to_string()),
                groups: Some(groups),
                unknown: None,
            });
        }
        if host.starts_with("i-") && !host.contains('/') {
            let why = match self.failed_words(Operation::Ec2DescribeInstances, None) {
                Some(w) => format!("instance {host} could not be read ({w})"),
                None => format!("instance {host} is not among the instances read"),
            };
            return Some(HostFacts {
                subnet: None,
                vpc: None,
                groups: None,
                unknown: Some(why),
            });
        }
        // An IP target with no known interface: find its subnet by address; groups unknown.
        let (vpc, ip) = host.split_once('/')?;
        let ip: IpAddr = ip.parse().ok()?;
        let subnet = self
            .subnets_of_vpc
            .get(vpc)
            .into_iter()
            .flatten()
            .find(|s| {
                std::iter::once(&s.cidr_block)
                    .chain(&s.ipv6_cidr_blocks)
                    .any(|c| c.parse::<IpNet>().is_ok_and(|n| n.contains(&ip)))
            });
        match (
            subnet,
            self.failed_words(Operation::Ec2DescribeSubnets, None),
        ) {
            (Some(s), _) => Some(HostFacts {
                subnet: Some(s.id.as_str()),
                vpc: Some(s.vpc_id.clone()),
                groups: None,
                unknown: None,
            }),
            // Its subnet may be one that could not be read.
            (None, Some(w)) => Some(HostFacts {
                subnet: None,
                vpc: Some(vpc.to_string()),
                groups: None,
                unknown: Some(format!("the subnets could not be read ({w})")),
            }),
            (None, None) => None,
        }
    }

    pub(super) fn vpc_of_subnet(&self, subnet: &str) -> Option<&'a str> {
        self.subnets.get(subnet).map(|s| s.vpc_id.as_str())
    }

    /// The route table serving a subnet of `vpc`: its explicit association, else the VPC's
    /// main table (the VPC from the subnets read, else the one given).
    pub(super) fn route_table(
        &self,
        subnet: Option<&str>,
        vpc: Option<&str>,
    ) -> Option<&'a RouteTable> {
        if let Some(rt) = subnet.and_then(|s| self.table_of_subnet.get(s)) {
            return Some(rt);
        }
        let vpc = subnet.and_then(|s| self.vpc_of_subnet(s)).or(vpc)?;
        self.main_table.get(vpc).copied()
    }

    /// Why the targets of a load balancer are unknown (`None`: they were read): its target
    /// groups could not be listed, or their targets (`DescribeTargetHealth`) not read.
    pub(super) fn targets_unread(&self, lb: &LoadBalancer) -> Option<String> {
        if let Some(w) = self.failed_words(Operation::ElbDescribeTargetGroups, None) {
            return Some(w);
        }
        if lb.targets_read {
            return None;
        }
        let health = lb
            .target_groups
            .iter()
            .find_map(|tg| self.failed_words(Operation::ElbDescribeTargetHealth, Some(&tg.arn)));
        Some(health.unwrap_or_else(|| {
            "no elasticloadbalancing:DescribeTargetHealth answer in this scan".to_string()
        }))
    }

    /// Whether the unknown targets of a load balancer may be anywhere in the region: IP
    /// targets can be addresses of other VPCs, and unlisted target groups may be of any type.
    /// Otherwise (instance, ALB and Lambda targets) they are in its target groups' VPCs.
    pub(super) fn targets_anywhere(lb: &LoadBalancer) -> bool {
        lb.target_groups.is_empty() || lb.target_groups.iter().any(|tg| tg.target_type == "ip")
    }

    /// The addresses of a load balancer's own nodes: its subnets (else its VPC); `None` when
    /// neither could be read.
    pub(super) fn lb_addresses(&self, lb: &LoadBalancer) -> Option<AddrSet> {
        let mut set = AddrSet::default();
        for s in lb
            .subnet_ids
            .iter()
            .filter_map(|s| self.subnets.get(s.as_str()))
        {
            set = set.union(&AddrSet::of_cidrs(
                std::iter::once(&s.cidr_block).chain(&s.ipv6_cidr_blocks),
            ));
        }
        if set.is_empty() {
            set = self
                .vpc_cidrs
                .get(lb.vpc_id.as_str())
                .cloned()
                .unwrap_or_default();
        }
        (!set.is_empty()).then_some(set)
    }

    pub(super) fn prefix_list_words(&self, id: &str) -> String {
        match self.prefix_lists.get(id).and_then(|p| p.name.as_deref()) {
            Some(name) => format!("prefix list {id} ({name})"),
            None => format!("prefix list {id}"),
        }
    }
}
