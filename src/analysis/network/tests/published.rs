//! The API Gateway methods published through VPC links: which load balancer a method reaches,
//! and what a finding says of the methods it bypasses.

use super::fixtures::*;
use super::*;
use crate::inventory::VpcLink;
use serde_json::json;

#[test]
fn vpc_link_is_resolved_from_the_uri_when_the_link_id_is_missing() {
    // moto drops connectionId: the integration URI names the NLB's DNS name instead.
    let mut t = with_service(&["*"]);
    t.vpc_links.push(VpcLink {
        id: "vl-2".into(),
        name: "other".into(),
        target_arns: vec!["arn:other".into()],
        status: None,
    });
    orders_integration(&mut t).connection_id = None;
    let f = audit(vec![t.clone()]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], false);
    assert_eq!(f[0].confidence, Confidence::High);
    // Neither id nor a matching URI: with two links in the region, nothing is inferred.
    orders_integration(&mut t).uri = Some("http://legacy.internal/orders".into());
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"], json!([]));
}

#[test]
fn a_link_named_by_a_stage_variable_is_inferred() {
    let mut t = with_service(&["*"]);
    orders_integration(&mut t).connection_id = Some("${stageVariables.vpcLinkId}".into());
    let f = audit(vec![t]);
    assert_eq!(f[0].evidence["bypassed_methods"][0]["path"], "/orders");
    assert_eq!(f[0].evidence["bypassed_methods"][0]["link_inferred"], true);
    assert_eq!(f[0].confidence, Confidence::Medium);
}

#[test]
fn no_method_is_said_to_publish_a_backend_when_api_gateway_could_not_be_read() {
    let mut t = with_service(&["*"]);
    t.rest_apis.clear();
    t.vpc_links.clear();
    let f = audit(vec![t.clone()]);
    assert_says(
        &f[0].message,
        &["No API Gateway method publishes this backend"],
    );
    read_failed(
        &mut t,
        Operation::ApiGatewayGetRestApis,
        "TooManyRequestsException",
    );
    let f = audit(vec![t]);
    assert_never_says(
        &f[0].message,
        &["No API Gateway method publishes this backend"],
    );
    assert_says(&f[0].message, &["apigateway:GetRestApis"]);
}
