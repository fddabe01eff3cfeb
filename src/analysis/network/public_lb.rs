//! The internet-facing load balancer entry point: `public-lb-exposes-private-backend`, certain
//! (a shared target) or possible (targets that could not be read).

use super::addrs::{is_any_address, is_private_range};
use super::backends::{
    and_more, backend_evidence, backend_words, bypass_sentence, methods_evidence, Backend, LbView,
};
use super::path_steps::port_in;
use super::published::PublishedMethod;
use super::region_index::{HostPort, RegionIndex};
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{LoadBalancer, PrefixList, Target};
use crate::model::{EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who on the internet reaches an internet-facing load balancer, and what that rests on.
struct InternetReach {
    reach: Reach,
    notes: Vec<String>,
    assumed: bool,
}

/// Its security groups (when it has any and its listeners are known) narrow the internet to
/// the public ranges they admit on listener ports, directly or through prefix lists (the
/// AWS-managed CloudFront origin-facing list is the internet, through CloudFront; a list that
/// could not be read is assumed to be the internet). `None`: the groups admit no public
/// address, so the internet cannot reach it.
fn internet_reach(region: &RegionIndex, lb: &LoadBalancer) -> Option<InternetReach> {
    let mut r = InternetReach {
        reach: Reach::Internet,
        notes: vec![],
        assumed: false,
    };
    if lb.security_group_ids.is_empty() || !lb.listeners_read {
        return Some(r);
    }
    let mut cidrs = BTreeSet::new();
    let mut anyone = false;
    for gid in &lb.security_group_ids {
        let Some(g) = region.groups.get(gid.as_str()) else {
            anyone = true;
            r.assumed = true;
            r.notes.push(format!(
                "Security group {gid} could not be read, so it is assumed to admit anyone."
            ));
            continue;
        };
        for rule in &g.ingress {
            if !lb.listeners.iter().any(|l| port_in(rule, Some(l.port))) {
                continue;
            }
            cidrs.extend(rule.cidrs.iter().filter(|c| !is_private_range(c)).cloned());
            for pl in &rule.prefix_list_ids {
                let words = region.prefix_list_words(pl);
                match region.prefix_lists.get(pl.as_str()) {
                    Some(p) if p.is_cloudfront_origin_facing() => {
                        anyone = true;
                        r.notes.push(format!(
                            "Security group {gid} admits the {words}: anyone on the internet reaches the load balancer through a CloudFront distribution pointed at it."
                        ));
                    }
                    Some(PrefixList {
                        cidrs: Some(entries),
                        ..
                    }) => {
                        let public: Vec<&String> =
                            entries.iter().filter(|c| !is_private_range(c)).collect();
                        if !public.is_empty() {
                            r.notes
                                .push(format!("Security group {gid} admits the {words}."));
                        }
                        cidrs.extend(public.into_iter().cloned());
                    }
                    _ => {
                        anyone = true;
                        r.assumed = true;
                        r.notes.push(format!(
                            "Security group {gid} admits the {words}, whose entries could not be read, so it is assumed to admit anyone."
                        ));
                    }
                }
            }
        }
    }
    if anyone || cidrs.iter().any(|c| is_any_address(c)) {
        Some(r)
    } else if cidrs.is_empty() {
        None
    } else {
        r.reach = Reach::InternetIpRestricted {
            cidrs: cidrs.into_iter().collect(),
        };
        Some(r)
    }
}

/// The VPCs a load balancer's targets can be in: its own and its target groups' (instance, ALB
/// and Lambda targets live there), and those of the hosts read among its targets.
fn target_vpcs(
    region: &RegionIndex,
    lb: &LoadBalancer,
    host_ports: &BTreeSet<HostPort>,
) -> BTreeSet<String> {
    let mut vpcs: BTreeSet<String> = std::iter::once(lb.vpc_id.clone())
        .chain(
            lb.target_groups
                .iter()
                .map(|tg| RegionIndex::target_group_vpc(lb, tg).to_string()),
        )
        .collect();
    vpcs.extend(
        host_ports
            .iter()
            .filter_map(|(h, _)| region.host(h).and_then(|f| f.vpc)),
    );
    vpcs
}

/// What one side of a possible overlap (a public load balancer, or a private backend's
/// members) knows of its targets. Computed once per side, so matching public load balancers
/// with backends costs nothing when every target was read.
struct TargetKnowledge<'a> {
    /// Its load balancers whose targets could not be read, and why.
    unread: Vec<(&'a LoadBalancer, String)>,
    /// Whether those unknown targets may be anywhere in the region (IP targets, unlisted
    /// target groups), not only in [`TargetKnowledge::vpcs`].
    anywhere: bool,
    /// The VPCs its targets can be in.
    vpcs: BTreeSet<String>,
    /// Whether some target of it was read.
    has_targets: bool,
}

impl<'a> TargetKnowledge<'a> {
    fn of(region: &RegionIndex, members: &[&'a LbView<'a>]) -> TargetKnowledge<'a> {
        let unread: Vec<(&LoadBalancer, String)> = members
            .iter()
            .filter_map(|m| region.targets_unread(m.lb).map(|w| (m.lb, w)))
            .collect();
        TargetKnowledge {
            anywhere: unread
                .iter()
                .any(|(lb, _)| RegionIndex::targets_anywhere(lb)),
            unread,
            vpcs: members
                .iter()
                .flat_map(|m| target_vpcs(region, m.lb, &m.host_ports))
                .collect(),
            has_targets: members.iter().any(|m| !m.host_ports.is_empty()),
        }
    }
}

/// Whether a public load balancer and a private backend may share a target that could not be
/// read (false: they cannot, or every target of both was read). Unknown targets are in the
/// side's VPCs, or anywhere for IP targets and unlisted target groups; a side whose targets
/// were read and are none shares nothing.
fn may_share(public: &TargetKnowledge, backend: &TargetKnowledge) -> bool {
    if public.unread.is_empty() && (backend.unread.is_empty() || !public.has_targets) {
        return false;
    }
    if backend.unread.is_empty() && !backend.has_targets {
        return false;
    }
    public.anywhere || backend.anywhere || !public.vpcs.is_disjoint(&backend.vpcs)
}

/// The private backends an internet-facing load balancer may share an unread target with,
/// found through a VPC index instead of trying every backend.
struct PossibleShares<'a> {
    backends: Vec<TargetKnowledge<'a>>,
    /// VPC → backends with targets there; and the same for backends with unread targets.
    by_vpc: HashMap<String, Vec<usize>>,
    unread_by_vpc: HashMap<String, Vec<usize>>,
    /// Backends whose unread targets may be anywhere.
    anywhere: Vec<usize>,
    any_unread: bool,
}

impl<'a> PossibleShares<'a> {
    fn new(region: &RegionIndex, backends: &'a [Backend<'a>]) -> PossibleShares<'a> {
        let knowledge: Vec<TargetKnowledge> = backends
            .iter()
            .map(|b| TargetKnowledge::of(region, &b.members))
            .collect();
        let mut by_vpc: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unread_by_vpc: HashMap<String, Vec<usize>> = HashMap::new();
        let mut anywhere = Vec::new();
        for (i, k) in knowledge.iter().enumerate() {
            for v in &k.vpcs {
                by_vpc.entry(v.clone()).or_default().push(i);
                if !k.unread.is_empty() {
                    unread_by_vpc.entry(v.clone()).or_default().push(i);
                }
            }
            if k.anywhere {
                anywhere.push(i);
            }
        }
        PossibleShares {
            any_unread: knowledge.iter().any(|k| !k.unread.is_empty()),
            backends: knowledge,
            by_vpc,
            unread_by_vpc,
            anywhere,
        }
    }

    /// The backends (not among `certain`) that `public` may share an unread target with.
    fn of(
        &self,
        public: &TargetKnowledge,
        certain: &BTreeMap<usize, BTreeSet<&HostPort>>,
    ) -> Vec<usize> {
        if public.unread.is_empty() && !self.any_unread {
            return vec![];
        }
        let mut candidates: BTreeSet<usize> = self.anywhere.iter().copied().collect();
        if !public.unread.is_empty() && public.anywhere {
            candidates.extend(0..self.backends.len());
        } else {
            let index = if public.unread.is_empty() {
                &self.unread_by_vpc
            } else {
                &self.by_vpc
            };
            for v in &public.vpcs {
                candidates.extend(index.get(v).into_iter().flatten().copied());
            }
        }
        candidates
            .into_iter()
            .filter(|i| !certain.contains_key(i) && may_share(public, &self.backends[*i]))
            .collect()
    }
}

/// Listed in a possible-overlap finding; the rest are counted.
pub(super) const POSSIBLE_BACKENDS_LISTED: usize = 20;

/// One finding per internet-facing load balancer the internet reaches and private backend it
/// shares a target with; and one for all the backends it may share an unread target with.
pub(super) fn public_lb_findings(
    region: &RegionIndex,
    views: &[LbView],
    backends: &[Backend],
) -> Vec<Finding> {
    let owners = TargetOwners::new(backends);
    // Possible overlaps exist only where some target could not be read: a fully read region
    // (the usual case) builds nothing for them.
    let possible = views
        .iter()
        .any(|v| region.targets_unread(v.lb).is_some())
        .then(|| PossibleShares::new(region, backends));
    let mut out = Vec::new();
    for view in views.iter().filter(|v| v.lb.scheme == "internet-facing") {
        let Some(public) = PublicLb::of(region, view) else {
            continue;
        };
        let shared = owners.shared_with(view, backends);
        // Targets that could not be read (its own or a backend's) may be shared: one finding
        // for all the backends it may share one with, so one failed listing cannot multiply
        // public load balancers by backends.
        if let Some(possible) = &possible {
            let knowledge = TargetKnowledge::of(region, &[view]);
            let uncertain = possible.of(&knowledge, &shared);
            if !uncertain.is_empty() {
                out.push(possible_share_finding(
                    region,
                    &public,
                    &knowledge,
                    uncertain
                        .iter()
                        .map(|&i| (&backends[i], &possible.backends[i]))
                        .collect(),
                ));
            }
        }
        for (i, shared) in shared {
            out.push(shared_finding(region, &public, &backends[i], &shared));
        }
    }
    out
}

/// The backend of each private target, and of each private load balancer, so each public load
/// balancer is matched in one pass over its targets.
struct TargetOwners<'a> {
    by_target: HashMap<&'a HostPort, usize>,
    by_member: HashMap<&'a str, usize>,
}

impl<'a> TargetOwners<'a> {
    fn new(backends: &'a [Backend<'a>]) -> TargetOwners<'a> {
        let mut by_target: HashMap<&HostPort, usize> = HashMap::new();
        let mut by_member: HashMap<&str, usize> = HashMap::new();
        for (i, b) in backends.iter().enumerate() {
            for e in &b.host_ports {
                by_target.insert(e, i);
            }
            for m in &b.members {
                by_member.insert(m.lb.arn.as_str(), i);
            }
        }
        TargetOwners {
            by_target,
            by_member,
        }
    }

    /// The backends a public load balancer certainly shares targets with, and those targets.
    fn shared_with<'v>(
        &self,
        public: &'v LbView,
        backends: &'v [Backend],
    ) -> BTreeMap<usize, BTreeSet<&'v HostPort>> {
        let mut shared: BTreeMap<usize, BTreeSet<&HostPort>> = BTreeMap::new();
        if let Some(&i) = self.by_member.get(public.lb.arn.as_str()) {
            // An internet-facing load balancer that is itself a VPC link target or an
            // endpoint service's: its backend is a private one.
            shared.insert(i, backends[i].host_ports.iter().collect());
        }
        for e in &public.host_ports {
            if let Some(&i) = self.by_target.get(e) {
                shared.entry(i).or_default().insert(e);
            }
        }
        shared
    }
}

/// An internet-facing load balancer the internet reaches, and what every finding on it says:
/// who reaches it, its web ACL, and its evidence.
struct PublicLb<'a> {
    view: &'a LbView<'a>,
    internet: InternetReach,
    waf: String,
    /// The reach notes, as sentences after the first one.
    notes: String,
    evidence: BTreeMap<String, Value>,
}

impl<'a> PublicLb<'a> {
    /// `None` when its security groups admit no public address.
    fn of(region: &RegionIndex, view: &'a LbView<'a>) -> Option<PublicLb<'a>> {
        let internet = internet_reach(region, view.lb)?;
        let notes = if internet.notes.is_empty() {
            String::new()
        } else {
            format!(" {}", internet.notes.join(" "))
        };
        Some(PublicLb {
            view,
            waf: waf_words(view.lb),
            notes,
            evidence: public_lb_evidence(view.lb, &internet),
            internet,
        })
    }

    /// A finding on this load balancer, about `about` (a backend, or `targets-unknown`).
    fn draft(&self, target: &Target, about: String) -> FindingDraft {
        let lb = self.view.lb;
        FindingDraft {
            identity: vec![
                target.account_id.clone(),
                target.region.clone(),
                lb.arn.clone(),
                about,
            ],
            ..FindingDraft::network_path(
                RuleId::PublicLbExposesPrivateBackend,
                target,
                lb.arn.clone(),
                EntryPoint::PublicLoadBalancer,
                self.internet.reach.clone(),
            )
        }
    }
}

/// What a web ACL does, or cannot do, on this load balancer.
fn waf_words(lb: &LoadBalancer) -> String {
    match (lb.lb_type.as_str(), &lb.web_acl_arn, &lb.web_acl_error) {
        ("application", Some(acl), _) => format!("Web ACL {acl} is attached; a WAF filters requests, it does not authenticate callers, and every verb still gets through."),
        ("application", None, Some(code)) => format!("Whether a web ACL is attached could not be read ({code}); a WAF would filter requests, not authenticate callers, so the verdict stands either way."),
        ("application", None, None) => "No web ACL is attached.".to_string(),
        ("network", _, _) => "An NLB cannot carry a WAF web ACL at all.".to_string(),
        _ => String::new(),
    }
}

fn public_lb_evidence(lb: &LoadBalancer, internet: &InternetReach) -> BTreeMap<String, Value> {
    let mut evidence = BTreeMap::new();
    evidence.insert(
        "load_balancer".to_string(),
        json!({
            "arn": lb.arn, "name": lb.name, "type": lb.lb_type,
            "scheme": lb.scheme, "dns_name": lb.dns_name,
            "security_groups": lb.security_group_ids,
            "listener_ports": lb.listeners.iter().map(|l| l.port).collect::<Vec<_>>(),
        }),
    );
    evidence.insert("web_acl".into(), json!(lb.web_acl_arn));
    if lb.lb_type == "application" {
        evidence.insert("web_acl_read".into(), json!(lb.web_acl_error.is_none()));
    }
    if !internet.notes.is_empty() {
        evidence.insert("reach_notes".into(), json!(internet.notes));
    }
    evidence
}

/// The finding of a public load balancer that shares `shared` with a private backend.
fn shared_finding(
    region: &RegionIndex,
    public: &PublicLb,
    private: &Backend,
    shared: &BTreeSet<&HostPort>,
) -> Finding {
    let target = region.target;
    let lb = public.view.lb;
    let methods = &private.methods;
    let shared_words: Vec<String> = shared
        .iter()
        .take(4)
        .map(|(h, p)| format!("{h}:{p}"))
        .collect();
    let message = format!(
        "Internet-facing {} load balancer {} in {}/{} forwards to {} (shared targets: {}), so {} reaches it with no HTTP authentication.{} {} {}",
        lb.lb_type,
        lb.name,
        target.account_id,
        target.region,
        backend_words(private),
        if shared_words.is_empty() { "its own".to_string() } else { shared_words.join(", ") },
        describe_reach(&public.internet.reach),
        public.notes,
        public.waf,
        bypass_sentence(region, methods),
    );
    let mut evidence = public.evidence.clone();
    evidence.insert(
        "shared_targets".into(),
        json!(shared
            .iter()
            .map(|(h, p)| format!("{h}:{p}"))
            .collect::<Vec<_>>()),
    );
    evidence.insert("backend".into(), backend_evidence(private));
    evidence.insert("bypassed_methods".into(), methods_evidence(methods));
    FindingDraft {
        message,
        specific_fix: public_lb_fix(region, lb, private, shared),
        low_confidence: public.internet.assumed || methods.iter().any(|m| m.inferred),
        evidence,
        ..public.draft(target, private.id.clone())
    }
    .build()
}

/// The one finding of an internet-facing load balancer that may share unread targets with
/// private backends (medium confidence): it names them (the first
/// [`POSSIBLE_BACKENDS_LISTED`], and how many there are), why the targets are unknown, and
/// which reads would settle it. Its identity is the load balancer's, apart from the certain
/// per-backend findings.
fn possible_share_finding(
    region: &RegionIndex,
    public: &PublicLb,
    knowledge: &TargetKnowledge,
    candidates: Vec<(&Backend, &TargetKnowledge)>,
) -> Finding {
    let target = region.target;
    let lb = public.view.lb;
    let unread = unread_load_balancers(knowledge, &candidates);
    let why = unread_words(lb, &unread);
    let listed: Vec<&Backend> = candidates
        .iter()
        .take(POSSIBLE_BACKENDS_LISTED)
        .map(|(b, _)| *b)
        .collect();
    let backends_words = match listed.as_slice() {
        [one] => backend_words(one),
        many => format!(
            "any of {} private backends ({}{})",
            candidates.len(),
            many.iter()
                .take(3)
                .map(|b| b.members[0].lb.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if candidates.len() > 3 { ", …" } else { "" }
        ),
    };
    let methods: Vec<PublishedMethod> = listed
        .iter()
        .flat_map(|b| b.methods.iter().cloned())
        .collect();
    let message = format!(
        "Internet-facing {} load balancer {} in {}/{} may forward to {backends_words}: {why}, so whether they share a target is unknown. If they do, {} reaches the backend with no HTTP authentication.{} {} {}",
        lb.lb_type,
        lb.name,
        target.account_id,
        target.region,
        describe_reach(&public.internet.reach),
        public.notes,
        public.waf,
        bypass_sentence(region, &methods),
    );
    let mut evidence = public.evidence.clone();
    evidence.insert("shared_targets".into(), json!([]));
    evidence.insert("shared_targets_known".into(), json!(false));
    evidence.insert("targets_unread".into(), json!(why));
    evidence.insert(
        "possible_backends".into(),
        json!(listed
            .iter()
            .map(|b| backend_evidence(b))
            .collect::<Vec<_>>()),
    );
    evidence.insert("possible_backends_total".into(), json!(candidates.len()));
    evidence.insert("bypassed_methods".into(), methods_evidence(&methods));
    FindingDraft {
        message,
        specific_fix: read_targets_fix(region, lb, &unread),
        low_confidence: true,
        evidence,
        ..public.draft(target, "targets-unknown".into())
    }
    .build()
}

/// The load balancers whose targets could not be read, and why, once each: the public one's
/// own, then the backends'.
fn unread_load_balancers<'k>(
    knowledge: &'k TargetKnowledge,
    candidates: &[(&Backend, &'k TargetKnowledge)],
) -> Vec<(&'k LoadBalancer, &'k str)> {
    let mut unread: Vec<(&LoadBalancer, &str)> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (u, w) in knowledge
        .unread
        .iter()
        .chain(candidates.iter().flat_map(|(_, k)| k.unread.iter()))
    {
        if seen.insert(u.arn.as_str()) {
            unread.push((u, w.as_str()));
        }
    }
    unread
}

/// Why the targets are unknown, for the first three load balancers (the others counted).
fn unread_words(public: &LoadBalancer, unread: &[(&LoadBalancer, &str)]) -> String {
    let mut why: Vec<String> = unread
        .iter()
        .take(3)
        .map(|(u, w)| {
            if u.arn == public.arn {
                format!("its targets could not be read ({w})")
            } else {
                format!(
                    "the targets of load balancer {} could not be read ({w})",
                    u.name
                )
            }
        })
        .collect();
    if unread.len() > 3 {
        why.push(format!("those of {} more load balancers", unread.len() - 3));
    }
    why.join(" and ")
}

/// What to read to settle a possible overlap: per load balancer whose targets are unknown (up
/// to 3), the target group whose `DescribeTargetHealth` failed, or its target groups' listing.
fn read_targets_fix(
    region: &RegionIndex,
    public: &LoadBalancer,
    unread: &[(&LoadBalancer, &str)],
) -> String {
    let listing_failed = region
        .failed(Operation::ElbDescribeTargetGroups, None)
        .is_some();
    let reads: Vec<String> = unread
        .iter()
        .take(3)
        .map(|(u, _)| {
            let failed_group = u.target_groups.iter().find(|tg| {
                region
                    .failed(Operation::ElbDescribeTargetHealth, Some(&tg.arn))
                    .is_some()
            });
            match failed_group.or(u.target_groups.first()) {
                Some(tg) if !listing_failed => format!(
                    "{}: aws elbv2 describe-target-health --target-group-arn {}",
                    u.name, tg.arn
                ),
                _ => format!(
                    "{}: aws elbv2 describe-target-groups --load-balancer-arn {}",
                    u.name, u.arn
                ),
            }
        })
        .collect();
    let more = and_more(unread.len(), 3, " load balancers");
    format!(
        "Read the targets that could not be read ({}{more}) to see whether {} shares one with a private backend; if it does, deregister it from {} or recreate {} with Scheme internal.",
        reads.join("; "),
        public.name,
        public.name,
        public.name
    )
}

/// The concrete step for one public load balancer and the private backend it exposes: the
/// exact `deregister-targets` calls for the shared targets, or, for a load balancer that is
/// itself the private backend's entry (a VPC link's or an endpoint service's), that
/// deregistering would not help.
fn public_lb_fix(
    region: &RegionIndex,
    lb: &LoadBalancer,
    private: &Backend,
    shared: &BTreeSet<&HostPort>,
) -> String {
    if private.members.iter().any(|m| m.lb.arn == lb.arn) {
        return format!(
            "{} is itself the private backend's entry ({}): recreate it with Scheme internal and point the VPC link or endpoint service at the internal one. Publish what must be public through API Gateway with authentication.",
            lb.name,
            private.private_because.join("; ")
        );
    }
    // Group the shared targets by the public load balancer's target group that holds them.
    let mut per_group: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for tg in &lb.target_groups {
        for t in &tg.targets {
            let Some(host_port) = region.host_port_of(lb, tg, t) else {
                continue;
            };
            // An ALB target carries the private targets behind it: taking the ALB off takes
            // them off this load balancer.
            let carries_shared = shared.contains(&host_port)
                || (tg.target_type == "alb"
                    && region.alb_target(lb, t).is_some_and(|alb| {
                        region.host_ports(alb).iter().any(|e| shared.contains(e))
                    }));
            if carries_shared {
                let mut target = format!("Id={}", t.id);
                if t.port.is_some() {
                    target.push_str(&format!(",Port={}", host_port.1));
                }
                // An IP target outside the VPC was registered with its zone (`all`); the
                // deregistration must name it too, or it silently matches nothing.
                if let Some(az) = t
                    .availability_zone
                    .as_ref()
                    .filter(|_| tg.target_type == "ip")
                {
                    target.push_str(&format!(",AvailabilityZone={az}"));
                }
                per_group.entry(tg.arn.as_str()).or_default().insert(target);
            }
        }
    }
    if per_group.is_empty() {
        return format!(
            "Deregister the shared targets from the target groups of {name} (aws elbv2 describe-target-groups --load-balancer-arn {arn} lists them), or recreate {name} with Scheme internal. Publish what must be public through API Gateway with authentication.",
            name = lb.name,
            arn = lb.arn
        );
    }
    let commands: Vec<String> = per_group
        .iter()
        .take(3)
        .map(|(arn, targets)| {
            let ids: Vec<&str> = targets.iter().map(String::as_str).collect();
            format!(
                "aws elbv2 deregister-targets --target-group-arn {arn} --targets {}",
                ids.join(" ")
            )
        })
        .collect();
    let more = and_more(per_group.len(), 3, " target groups");
    format!(
        "Take the shared targets off {}: {}{more}; or recreate {} with Scheme internal. Publish what must be public through API Gateway with authentication.",
        lb.name,
        commands.join("; "),
        lb.name
    )
}
