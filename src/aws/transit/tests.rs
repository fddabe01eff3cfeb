//! The transit gateway conversions and which route tables are read, from SDK values built as
//! AWS returns them (the emulator cannot show them: its static routes come back without their
//! attachment, its attachments of another account's VPC name the gateway's owner as the VPC's,
//! and an attachment stays associated with the default route table whatever it is moved to).
use super::*;
use crate::inventory::{Route, Transit, Vpc};
use ec2::types as t;

const OWNER: &str = "111111111111";

fn attachment_of(
    id: &str,
    resource_type: &str,
    resource: &str,
    resource_owner: &str,
) -> TgwAttachment {
    TgwAttachment {
        id: id.into(),
        transit_gateway_id: "tgw-1".into(),
        transit_gateway_owner_id: OWNER.into(),
        resource_type: resource_type.into(),
        resource_id: resource.into(),
        resource_owner_id: resource_owner.into(),
        state: "available".into(),
        route_table_id: Some("tgw-rtb-1".into()),
    }
}

fn network(attachments: Vec<TgwAttachment>) -> Network {
    Network {
        vpcs: vec![Vpc {
            id: "vpc-own".into(),
            cidr_blocks: vec!["10.0.0.0/16".into()],
        }],
        transit: Some(Transit {
            attachments,
            gateways: vec![],
        }),
        ..Default::default()
    }
}

/// An SDK attachment of the partner's VPC, associated with `tgw-rtb-1` in `state`.
fn sdk_attachment(state: t::TransitGatewayAssociationState) -> t::TransitGatewayAttachment {
    t::TransitGatewayAttachment::builder()
        .transit_gateway_attachment_id("tgw-attach-p")
        .transit_gateway_id("tgw-1")
        .transit_gateway_owner_id(OWNER)
        .resource_owner_id("222222222222")
        .resource_type(t::TransitGatewayAttachmentResourceType::Vpc)
        .resource_id("vpc-partner")
        .state(t::TransitGatewayAttachmentState::Available)
        .association(
            t::TransitGatewayAttachmentAssociation::builder()
                .transit_gateway_route_table_id("tgw-rtb-1")
                .state(state)
                .build(),
        )
        .build()
}

#[test]
fn an_attachment_keeps_its_gateway_owner_and_live_association() {
    assert_eq!(
        attachment(&sdk_attachment(
            t::TransitGatewayAssociationState::Associated
        )),
        attachment_of("tgw-attach-p", "vpc", "vpc-partner", "222222222222")
    );
    // An association being removed routes nothing.
    let leaving = sdk_attachment(t::TransitGatewayAssociationState::Disassociating);
    assert_eq!(attachment(&leaving).route_table_id, None);
}

#[test]
fn a_route_keeps_its_attachments_type_and_state() {
    let propagated = t::TransitGatewayRoute::builder()
        .destination_cidr_block("10.1.0.0/16")
        .transit_gateway_attachments(
            t::TransitGatewayRouteAttachment::builder()
                .transit_gateway_attachment_id("tgw-attach-p")
                .resource_id("vpc-partner")
                .resource_type(t::TransitGatewayAttachmentResourceType::Vpc)
                .build(),
        )
        .r#type(t::TransitGatewayRouteType::Propagated)
        .state(t::TransitGatewayRouteState::Active)
        .build();
    assert_eq!(
        tgw_route(&propagated),
        TgwRoute {
            destination_cidr: "10.1.0.0/16".into(),
            prefix_list_id: None,
            attachment_ids: vec!["tgw-attach-p".into()],
            route_type: "propagated".into(),
            state: "active".into(),
        }
    );
    let blackhole = t::TransitGatewayRoute::builder()
        .prefix_list_id("pl-partner")
        .r#type(t::TransitGatewayRouteType::Static)
        .state(t::TransitGatewayRouteState::Blackhole)
        .build();
    let got = tgw_route(&blackhole);
    assert_eq!(got.prefix_list_id.as_deref(), Some("pl-partner"));
    assert_eq!(
        (got.route_type.as_str(), got.state.as_str()),
        ("static", "blackhole")
    );
    assert!(got.attachment_ids.is_empty() && got.destination_cidr.is_empty());
}

#[test]
fn route_tables_are_read_only_where_another_account_can_come_in() {
    // The account's own VPCs only: no other account's traffic, no route table read.
    let own = network(vec![
        attachment_of("tgw-attach-a", "vpc", "vpc-own", OWNER),
        attachment_of("tgw-attach-b", "vpc", "vpc-own", OWNER),
    ]);
    assert!(gateways_wanting_tables(&own, OWNER).is_empty());
    assert!(transit_vpcs(&own, OWNER).is_empty());
    // Another account's VPC, as AWS says it and as the emulator does (owner = the gateway's
    // owner, but not one of this account's VPCs); a peering with another transit gateway.
    for other in [
        attachment_of("tgw-attach-p", "vpc", "vpc-partner", "222222222222"),
        attachment_of("tgw-attach-p", "vpc", "vpc-partner", OWNER),
        attachment_of("tgw-attach-p", "peering", "tgw-2", "333333333333"),
    ] {
        let net = network(vec![
            attachment_of("tgw-attach-a", "vpc", "vpc-own", OWNER),
            other.clone(),
        ]);
        assert_eq!(
            gateways_wanting_tables(&net, OWNER),
            BTreeSet::from(["tgw-1".to_string()]),
            "{other:?}"
        );
        assert_eq!(
            transit_vpcs(&net, OWNER),
            BTreeSet::from(["vpc-own".to_string()])
        );
    }
    // One awaiting acceptance carries nothing yet.
    let mut pending = attachment_of("tgw-attach-p", "vpc", "vpc-partner", "222222222222");
    pending.state = "pendingAcceptance".into();
    let net = network(vec![
        attachment_of("tgw-attach-a", "vpc", "vpc-own", OWNER),
        pending,
    ]);
    assert!(gateways_wanting_tables(&net, OWNER).is_empty());
    // A gateway shared with this account by its owner: its tables are the owner's to read, but
    // another account comes in through it.
    let mut shared = attachment_of("tgw-attach-a", "vpc", "vpc-own", OWNER);
    shared.transit_gateway_owner_id = "999999999999".into();
    let net = network(vec![shared]);
    assert!(gateways_wanting_tables(&net, OWNER).is_empty());
    assert_eq!(
        transit_vpcs(&net, OWNER),
        BTreeSet::from(["vpc-own".to_string()])
    );
}

#[test]
fn with_the_attachments_unread_every_vpc_routing_to_a_transit_gateway_is_crossed() {
    let route = |target: &str| Route {
        destination_cidr: "10.1.0.0/16".into(),
        target_id: Some(target.into()),
        ..Default::default()
    };
    let net = Network {
        route_tables: vec![
            RouteTable {
                id: "rtb-a".into(),
                vpc_id: "vpc-a".into(),
                routes: vec![route("tgw-1")],
                ..Default::default()
            },
            RouteTable {
                id: "rtb-b".into(),
                vpc_id: "vpc-b".into(),
                routes: vec![route("nat-1")],
                ..Default::default()
            },
        ],
        transit: None,
        ..Default::default()
    };
    assert_eq!(
        transit_vpcs(&net, OWNER),
        BTreeSet::from(["vpc-a".to_string()])
    );
}
