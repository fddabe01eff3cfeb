//! Backends: private load balancers whose targets overlap are one service, one finding per
//! entry point and backend, with stable fingerprints.

use super::fixtures::*;
use super::*;
use crate::inventory::{EndpointService, LbTarget};
use crate::rules::RuleId;
use serde_json::json;

#[test]
fn one_finding_per_entry_point_and_backend_with_stable_fingerprints() {
    const SECOND: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a-second/0";
    let build = || {
        // A second internal NLB in front of the same instance: the same service, so one
        // backend (overlapping target sets are merged), identified by the smallest ARN.
        audit(vec![base_with([
            internal_nlb(SECOND, "second", &[BACKEND]),
            public_nlb(&[BACKEND]),
        ])])
    };
    let (a, b) = (build(), build());
    assert_eq!(a.len(), 1, "{:#?}", summary(&a));
    assert_eq!(
        a.iter().map(|f| &f.fingerprint).collect::<Vec<_>>(),
        b.iter().map(|f| &f.fingerprint).collect::<Vec<_>>()
    );
    let f = &a[0];
    assert_eq!(f.evidence["backend"]["load_balancer"], SECOND);
    assert_eq!(
        f.evidence["backend"]["load_balancers"],
        json!([SECOND, NLB])
    );
    assert_eq!(
        f.fingerprint,
        fingerprint_of("public-lb-exposes-private-backend", PUBLIC_NLB, SECOND)
    );
    // It names the API method published through either of the merged load balancers.
    assert_says(&f.message, &["GET /orders", "second (network)"]);
}

#[test]
fn a_method_published_through_two_merged_load_balancers_is_listed_once() {
    // The VPC link targets both internal NLBs in front of the same instance (one backend):
    // GET /orders bypassed through it is one method, not one per load balancer.
    const SECOND: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a-second/0";
    let mut t = base_with([
        internal_nlb(SECOND, "second", &[BACKEND]),
        public_nlb(&[BACKEND]),
    ]);
    t.vpc_links[0].target_arns.push(SECOND.into());
    let f = audit(vec![t]);
    assert_eq!(f.len(), 1, "{:#?}", summary(&f));
    let methods = f[0].evidence["bypassed_methods"]
        .as_array()
        .expect("the bypassed methods");
    let named: Vec<String> = methods
        .iter()
        .map(|m| format!("{} {} {}", m["api_id"], m["method"], m["path"]))
        .collect();
    assert_eq!(named, [r#""api1" "GET" "/orders""#], "{methods:?}");
}

#[test]
fn a_backend_of_one_load_balancer_keeps_its_fingerprint() {
    // The identity of a single-load-balancer backend is that load balancer, as it was before
    // load balancers were merged into backends: alerts already uploaded keep matching.
    let mut t = with_service(&["*"]);
    t.network.load_balancers.push(public_nlb(&[BACKEND]));
    let f = audit(vec![t]);
    let mut want = vec![
        fingerprint_of("public-lb-exposes-private-backend", PUBLIC_NLB, NLB),
        fingerprint_of("privatelink-open-to-any-account", "vpce-svc-1", NLB),
    ];
    want.sort();
    let mut got: Vec<String> = f.iter().map(|f| f.fingerprint.clone()).collect();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn two_load_balancers_of_one_endpoint_service_over_one_service_are_one_finding() {
    const SECOND: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/second/9";
    let mut t = with_service(&["*"]);
    t.network
        .load_balancers
        .push(internal_nlb(SECOND, "second", &[BACKEND]));
    t.network.endpoint_services[0]
        .network_load_balancer_arns
        .push(SECOND.into());
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![service_open_to_any_account()]);
}

#[test]
fn a_gateway_load_balancer_of_an_endpoint_service_is_a_private_backend() {
    const GWLB: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/gwy/inspect/5";
    let mut gw = lb(
        GWLB,
        "inspect",
        "gateway",
        "",
        &[("i-gw", 6081)],
        "instance",
    );
    gw.dns_name = None;
    let mut t = base_with([gw, public_nlb(&[("i-gw", 6081)])]);
    t.network.endpoint_services.push(EndpointService {
        service_id: "vpce-svc-gw".into(),
        service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-gw".into(),
        gateway_load_balancer_arns: vec![GWLB.into()],
        allowed_principals: vec!["*".into()],
        ..Default::default()
    });
    let f = audit(vec![t]);
    let public = f
        .iter()
        .find(|f| f.rule_id == RuleId::PublicLbExposesPrivateBackend)
        .expect("the public NLB shares the GWLB's target");
    assert_eq!(
        public.evidence["backend"]["private_because"],
        json!(["published by endpoint service vpce-svc-gw"])
    );
}

#[test]
fn a_vpc_link_nlb_to_alb_chain_still_names_the_bypassed_methods() {
    // VPC link → NLB → (target type alb) internal ALB → i-app; a public ALB in front of i-app.
    let mut t = base_with([
        internal_alb(&[("i-app", 8080)]),
        public_alb("public", &[("i-app", 8080)]),
    ]);
    let tg = &mut t.network.load_balancers[0].target_groups[0];
    tg.target_type = "alb".into();
    tg.targets = vec![LbTarget {
        id: INTERNAL_ALB.into(),
        port: Some(80),
        ..Default::default()
    }];
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![public_lb_exposes(PUBLIC_ALB, "internet")]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(
        f[0].evidence["backend"]["load_balancers"],
        json!([INTERNAL_ALB, NLB])
    );
}
