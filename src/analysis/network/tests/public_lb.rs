//! Internet-facing load balancers: shared targets with a private backend, who on the internet
//! reaches them, and targets that could not be read.

use super::fixtures::*;
use super::*;
use crate::analysis::network::public_lb::POSSIBLE_BACKENDS_LISTED;
use crate::inventory::{IngressRule, Instance, LbTarget, NetworkInterface, Vpc};
use crate::model::{EntryPoint, Severity};
use serde_json::json;

#[test]
fn public_nlb_sharing_targets_with_the_vpc_link_nlb_is_critical() {
    let f = audit(vec![base_with([public_nlb(&[BACKEND])])]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    let f = &f[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.entry_point, EntryPoint::PublicLoadBalancer);
    assert_says(
        &f.message,
        &[
            "NLB cannot carry a WAF",
            "GET /orders",
            "VPC link vl-1",
            "anyone on the internet",
        ],
    );
}

#[test]
fn public_alb_with_a_waf_over_the_same_instance_by_ip_is_critical_and_names_the_acl() {
    let mut alb = lb(
        PUBLIC_ALB,
        "public",
        "application",
        "internet-facing",
        &[("10.0.1.10", 8080)],
        "ip",
    );
    alb.web_acl_arn =
        Some("arn:aws:wafv2:us-east-1:111111111111:regional/webacl/partner-ips/abc".into());
    let f = audit(vec![base_with([alb])]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_ALB, "internet")]);
    assert_says(
        &f[0].message,
        &["webacl/partner-ips", "does not authenticate"],
    );
    assert_eq!(f[0].evidence["shared_targets"][0], "i-backend:8080");
}

#[test]
fn public_alb_in_front_of_an_unrelated_backend_is_ordinary_web_hosting() {
    let mut t = base_with([public_alb("www", &[("i-web", 443)])]);
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // The same instance on another port is another service.
    t.network.load_balancers[1].target_groups[0].targets = vec![LbTarget {
        id: "i-backend".into(),
        port: Some(443),
        ..Default::default()
    }];
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn public_alb_security_groups_narrow_or_close_the_internet_reach() {
    let with_groups = |rule: IngressRule| audit(vec![public_alb_behind(vec![rule])]);
    let f = with_groups(tcp(443, "203.0.113.0/24"));
    assert_eq!(
        summary(&f),
        vec![public_lb_exposes(
            PUBLIC_ALB,
            "internet_ip_restricted:[203.0.113.0/24]"
        )]
    );
    assert_eq!(
        f[0].severity,
        Severity::Critical,
        "an IP allow-list is not authentication"
    );
    assert_eq!(
        summary(&with_groups(tcp(443, "0.0.0.0/0"))),
        vec![public_lb_exposes(PUBLIC_ALB, "internet")]
    );
    // Only private ranges admitted: the internet cannot reach it.
    assert_eq!(with_groups(tcp(443, "10.0.0.0/8")), vec![]);
    // A rule on another port than the listener's does not open it.
    assert_eq!(with_groups(tcp(8443, "0.0.0.0/0")), vec![]);
}

#[test]
fn an_internet_facing_vpc_link_target_exposes_its_own_backend() {
    let mut t = base();
    t.network.load_balancers[0].scheme = "internet-facing".into();
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![public_lb_exposes(NLB, "internet")]);
}

#[test]
fn ip_targets_resolve_through_network_interfaces() {
    // A public NLB forwarding by IP to an address of an interface (not an instance) that a
    // private IP-target NLB also uses.
    let private = lb(
        "arn:private-ip-nlb",
        "private-ip",
        "network",
        "internal",
        &[("10.0.1.50", 9000)],
        "ip",
    );
    let public = lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("10.0.1.50", 9000)],
        "ip",
    );
    let mut t = base_with([private, public]);
    t.network.network_interfaces.push(NetworkInterface {
        id: "eni-1".into(),
        vpc_id: "vpc-backend".into(),
        subnet_id: "subnet-a".into(),
        private_ips: vec!["10.0.1.50".into()],
        security_group_ids: vec!["sg-backend".into()],
    });
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    assert_eq!(
        f[0].evidence["shared_targets"][0],
        "vpc-backend/10.0.1.50:9000"
    );
}

#[test]
fn a_web_acl_that_could_not_be_read_is_not_called_absent() {
    let mut alb = public_alb("public", &[BACKEND]);
    alb.web_acl_error = Some("AccessDeniedException".into());
    let f = audit(vec![base_with([alb])]);
    assert_eq!(f.len(), 1);
    assert_never_says(&f[0].message, &["No web ACL is attached"]);
    assert_says(
        &f[0].message,
        &["could not be read (AccessDeniedException)"],
    );
    assert_eq!(f[0].evidence["web_acl_read"], false);
}

// ---------------------------------------------------------------------------------------------
// Prefix lists.

#[test]
fn a_public_alb_admitting_the_cloudfront_prefix_list_is_on_the_internet() {
    let mut t = public_alb_behind(vec![prefix_list_rule(443, "pl-3b927c52")]);
    t.network.prefix_lists.push(prefix_list(
        "pl-3b927c52",
        "com.amazonaws.global.cloudfront.origin-facing",
        "AWS",
        None,
    ));
    let f = only_finding(
        t,
        public_lb_exposes(PUBLIC_ALB, "internet"),
        Confidence::High,
    );
    assert_says(&f.message, &["CloudFront"]);
}

#[test]
fn a_prefix_list_that_could_not_be_read_never_narrows_the_reach() {
    // Not in the inventory at all (not read, or an older snapshot).
    let f = audit(vec![public_alb_behind(vec![prefix_list_rule(
        443,
        "pl-unknown",
    )])]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_ALB, "internet")]);
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert_says(&f[0].message, &["could not be read"]);
}

#[test]
fn a_readable_prefix_list_narrows_the_reach_to_its_public_entries() {
    let mut t = public_alb_behind(vec![prefix_list_rule(443, "pl-partner")]);
    t.network.prefix_lists.push(prefix_list(
        "pl-partner",
        "partner-offices",
        OWNER,
        Some(&["203.0.113.0/24", "10.0.0.0/8"]),
    ));
    let f = audit(vec![t.clone()]);
    assert_eq!(
        summary(&f),
        vec![public_lb_exposes(
            PUBLIC_ALB,
            "internet_ip_restricted:[203.0.113.0/24]"
        )]
    );
    assert_eq!(f[0].confidence, Confidence::High);
    // Only private entries: the internet cannot reach it.
    t.network.prefix_lists[0].cidrs = Some(vec!["10.0.0.0/8".into()]);
    assert_eq!(audit(vec![t]), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Targets: ALB targets, IP targets outside their target group's VPC.

#[test]
fn an_nlb_forwarding_to_an_alb_reaches_the_albs_targets() {
    // A public NLB forwards to an internal ALB (target type `alb`) whose targets are the
    // VPC-link backend's instance: the internet reaches the backend.
    let f = audit(vec![base_with([
        internal_alb(&[BACKEND]),
        public_nlb_to_internal_alb(),
    ])]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    assert_says(&f[0].message, &["GET /orders"]);
    assert!(f[0].evidence["shared_targets"]
        .as_array()
        .unwrap()
        .contains(&json!("i-backend:8080")));
}

#[test]
fn an_ip_target_in_a_peered_vpc_resolves_to_its_instance() {
    // A public NLB in vpc-backend forwards by IP (AvailabilityZone `all`) to an instance of a
    // peered VPC of the same account, which an internal NLB there fronts.
    let mut other = internal_nlb("arn:other-internal", "other", &[("i-other", 443)]);
    other.vpc_id = "vpc-other".into();
    let mut public = lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[("10.5.0.10", 443)],
        "ip",
    );
    public.target_groups[0].targets[0].availability_zone = Some("all".into());
    let mut t = base_with([other, public]);
    t.network.vpcs.push(Vpc {
        id: "vpc-other".into(),
        cidr_blocks: vec!["10.5.0.0/16".into()],
    });
    t.network.instances.push(Instance {
        id: "i-other".into(),
        vpc_id: Some("vpc-other".into()),
        subnet_id: Some("subnet-other".into()),
        private_ip: Some("10.5.0.10".into()),
        security_group_ids: vec![],
    });
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    assert_eq!(f[0].evidence["shared_targets"], json!(["i-other:443"]));
}

// ---------------------------------------------------------------------------------------------
// Targets that could not be read: one finding per public load balancer, naming every backend
// it may share one with.

#[test]
fn review_public_lb_whose_targets_could_not_be_read_is_not_dropped() {
    let mut t = base_with([public_nlb(&[])]);
    targets_unread(&mut t, 1, "AccessDenied");
    let f = audit(vec![t]);
    assert!(!f.is_empty());
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_NLB, "internet")]);
    let f = &f[0];
    assert_eq!(f.confidence, Confidence::Medium);
    assert_says(
        &f.message,
        &[
            "could not be read",
            "unknown",
            "GET /orders",
            "AccessDenied",
        ],
    );
    assert_eq!(f.evidence["shared_targets_known"], false);
    // One alert per load balancer whose overlap is unknown, apart from the certain verdicts
    // (one per backend): a scan that reads the targets closes it and opens those.
    assert_eq!(
        f.fingerprint,
        fingerprint_of(
            "public-lb-exposes-private-backend",
            PUBLIC_NLB,
            "targets-unknown"
        )
    );
    assert_eq!(f.evidence["possible_backends_total"], 1);
    assert_eq!(f.evidence["possible_backends"][0]["load_balancer"], NLB);
}

#[test]
fn a_public_lb_whose_target_groups_could_not_be_listed_is_not_dropped() {
    let mut public = public_alb("public", &[]);
    public.target_groups.clear();
    let mut t = base_with([public]);
    read_failed(&mut t, Operation::ElbDescribeTargetGroups, "Throttling");
    only_finding(
        t,
        public_lb_exposes(PUBLIC_ALB, "internet"),
        Confidence::Medium,
    );
}

#[test]
fn a_public_lb_with_unread_targets_is_matched_only_where_it_could_share_one() {
    // Instance targets live in their target group's VPC: a public LB of another VPC cannot
    // share the backend's instance, whatever its unread targets are.
    let mut public = public_nlb(&[]);
    public.vpc_id = "vpc-web".into();
    public.target_groups[0].vpc_id = "vpc-web".into();
    public.targets_read = false;
    let mut t = base_with([public]);
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // IP targets can be addresses of other VPCs: then any private backend of the region.
    t.network.load_balancers[1].target_groups[0].target_type = "ip".into();
    only_finding(
        t,
        public_lb_exposes(PUBLIC_NLB, "internet"),
        Confidence::Medium,
    );
}

#[test]
fn a_private_backend_whose_targets_could_not_be_read_is_matched_as_possible() {
    let mut t = base_with([public_alb("www", &[("i-web", 443)])]);
    // Read: ordinary web hosting.
    assert_eq!(audit(vec![t.clone()]), vec![]);
    // The backend's targets unread (no answer at all in this scan): the public ALB may share
    // them.
    t.network.load_balancers[0].targets_read = false;
    t.network.load_balancers[0].target_groups[0].targets.clear();
    let f = only_finding(
        t,
        public_lb_exposes(PUBLIC_ALB, "internet"),
        Confidence::Medium,
    );
    assert_says(&f.message, &["could not be read"]);
}

#[test]
fn a_public_lb_whose_groups_admit_no_public_address_stays_closed_with_unread_targets() {
    let mut t = public_alb_behind(vec![tcp(443, "10.0.0.0/8")]);
    let public = &mut t.network.load_balancers[1];
    public.targets_read = false;
    public.target_groups[0].targets.clear();
    assert_eq!(audit(vec![t]), vec![]);
}

#[test]
fn public_lb_remediation_names_the_exact_targets_to_take_off_or_what_to_read_first() {
    // Shared targets known: the exact deregister-targets call, for the shared target only.
    let t = base_with([public_nlb(&[BACKEND, ("i-website", 80)])]);
    let f = audit(vec![t.clone()]);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].remediation.starts_with(&format!(
            "Take the shared targets off public: aws elbv2 deregister-targets --target-group-arn {PUBLIC_NLB}/tg --targets Id=i-backend,Port=8080; or recreate public with Scheme internal."
        )),
        "{}",
        f[0].remediation
    );
    assert!(
        !f[0].remediation.contains("i-website"),
        "only shared targets are taken off"
    );

    // The VPC link's own load balancer is internet-facing: deregistering would not help.
    let mut own = base();
    own.network.load_balancers[0].scheme = "internet-facing".into();
    let f = audit(vec![own]);
    assert!(
        f[0].remediation
            .starts_with("backend is itself the private backend's entry (")
            && f[0]
                .remediation
                .contains("recreate it with Scheme internal"),
        "{}",
        f[0].remediation
    );
    assert_never_says(&f[0].remediation, &["deregister-targets"]);

    // The public load balancer's targets were not read: read them first.
    let mut unread = t;
    targets_unread(&mut unread, 1, "Throttling");
    let f = audit(vec![unread]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].remediation.starts_with(&format!(
            "Read the targets that could not be read (public: aws elbv2 describe-target-health --target-group-arn {PUBLIC_NLB}/tg) to see whether public shares one"
        )),
        "{}",
        f[0].remediation
    );
}

#[test]
fn one_failed_target_group_listing_gives_one_possible_finding_per_public_lb_not_per_pair() {
    let n = 40;
    let mut t = many_backends_and_public_lbs(n);
    assert_eq!(
        audit(vec![t.clone()]),
        vec![],
        "every target read: nothing shared"
    );
    for l in &mut t.network.load_balancers {
        l.targets_read = false;
        l.target_groups.clear();
    }
    read_failed(&mut t, Operation::ElbDescribeTargetGroups, "Throttling");
    let f = audit(vec![t]);
    assert_eq!(
        f.len(),
        n,
        "one per public load balancer, not {} pairs",
        n * (n + 1)
    );
    for f in &f {
        assert_eq!(f.confidence, Confidence::Medium);
        // Every private backend of the region (the base estate's and the n internal NLBs).
        assert_eq!(
            f.evidence["possible_backends_total"],
            n + 1,
            "{:#?}",
            f.evidence
        );
        assert_eq!(
            f.evidence["possible_backends"].as_array().unwrap().len(),
            POSSIBLE_BACKENDS_LISTED
        );
        assert_says(&f.message, &[&format!("any of {} private backends", n + 1)]);
        assert!(
            f.remediation.contains(&format!(
                "describe-target-groups --load-balancer-arn {}",
                f.resource_arn
            )),
            "the listing failed, so the fix reads it: {}",
            f.remediation
        );
    }
}

#[test]
fn possible_overlap_fix_reads_the_backend_targets_when_only_they_are_unread() {
    let mut t = base_with([public_alb("www", &[("i-web", 443)])]);
    targets_unread(&mut t, 0, "Throttling");
    let f = audit(vec![t]);
    assert_eq!(rules(&f), vec!["public-lb-exposes-private-backend"]);
    let fix = &f[0].remediation;
    assert!(
        fix.contains(&format!(
            "backend: aws elbv2 describe-target-health --target-group-arn {NLB}/tg"
        )),
        "the fix names the target group that failed: {fix}"
    );
    assert!(
        !fix.contains(&format!("--target-group-arn {PUBLIC_ALB}/tg")),
        "the public ALB's targets were read: {fix}"
    );
}

#[test]
fn public_nlb_in_front_of_an_internal_alb_is_fixed_by_taking_the_alb_off() {
    let f = audit(vec![base_with([
        internal_alb(&[BACKEND]),
        public_nlb_to_internal_alb(),
    ])]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_says(
        &f[0].remediation,
        &[&format!(
            "aws elbv2 deregister-targets --target-group-arn {PUBLIC_NLB}/tg --targets Id={INTERNAL_ALB},Port=80"
        )],
    );
}

#[test]
fn deregistering_an_ip_target_outside_the_vpc_names_its_zone() {
    // An address of a peered VPC, registered with AvailabilityZone=all behind the internal NLB
    // and the public one alike.
    let with_ip = |arn: &str, name: &str, scheme: &str| {
        let mut l = lb(arn, name, "network", scheme, &[("10.9.0.5", 8080)], "ip");
        l.target_groups[0].targets[0].availability_zone = Some("all".into());
        l
    };
    let mut t = base();
    t.network.load_balancers[0] = with_ip(NLB, "backend", "internal");
    t.network
        .load_balancers
        .push(with_ip(PUBLIC_NLB, "public", "internet-facing"));
    let f = audit(vec![t]);
    assert_eq!(
        rules(&f),
        vec!["public-lb-exposes-private-backend"],
        "{f:#?}"
    );
    assert_says(
        &f[0].remediation,
        &["--targets Id=10.9.0.5,Port=8080,AvailabilityZone=all"],
    );
}
