//! The conversions at the SDK boundary, from SDK values built as AWS returns them (the
//! emulator cannot show these shapes: moto returns no IPv6 peering CIDRs, no association
//! states other than `associated`, and a `UserId` equal to the caller on every group pair).
use super::*;
use ec2::types as t;

#[test]
fn peering_sides_keep_their_ipv6_cidrs() {
    let info = t::VpcPeeringConnectionVpcInfo::builder()
        .owner_id("222222222222")
        .vpc_id("vpc-p")
        .cidr_block("10.1.0.0/16")
        .cidr_block_set(t::CidrBlock::builder().cidr_block("10.1.0.0/16").build())
        .ipv6_cidr_block_set(
            t::Ipv6CidrBlock::builder()
                .ipv6_cidr_block("2600:1f18:aaaa:bb00::/56")
                .build(),
        )
        .build();
    assert_eq!(
        peering_side(Some(&info)).cidr_blocks,
        vec!["10.1.0.0/16", "2600:1f18:aaaa:bb00::/56"]
    );
}

#[test]
fn only_associated_subnets_are_served_by_a_route_table() {
    let assoc = |subnet: &str, state: Option<&str>| {
        let mut a = t::RouteTableAssociation::builder().subnet_id(subnet);
        if let Some(state) = state {
            a = a.association_state(
                t::RouteTableAssociationState::builder()
                    .state(t::RouteTableAssociationStateCode::from(state))
                    .build(),
            );
        }
        a.build()
    };
    let rt = t::RouteTable::builder()
        .route_table_id("rtb-1")
        .vpc_id("vpc-1")
        .associations(assoc("subnet-live", Some("associated")))
        .associations(assoc("subnet-old", Some("disassociated")))
        .associations(assoc("subnet-coming", Some("associating")))
        .associations(assoc("subnet-failed", Some("failed")))
        .associations(assoc("subnet-legacy", None))
        .build();
    assert_eq!(
        route_table(&rt).subnet_ids,
        vec!["subnet-legacy", "subnet-live"]
    );
}

#[test]
fn prefix_list_routes_and_other_targets_are_kept() {
    let rt = t::RouteTable::builder()
        .routes(
            t::Route::builder()
                .destination_prefix_list_id("pl-peer")
                .vpc_peering_connection_id("pcx-1")
                .build(),
        )
        .routes(
            t::Route::builder()
                .destination_cidr_block("10.1.0.0/16")
                .transit_gateway_id("tgw-1")
                .build(),
        )
        .routes(
            t::Route::builder()
                .destination_ipv6_cidr_block("2600:1f18::/56")
                .vpc_peering_connection_id("pcx-1")
                .build(),
        )
        .build();
    let routes = route_table(&rt).routes;
    assert_eq!(routes.len(), 3, "{routes:?}");
    assert_eq!(
        routes[0].destination_prefix_list_id.as_deref(),
        Some("pl-peer")
    );
    assert_eq!(
        routes[0].vpc_peering_connection_id.as_deref(),
        Some("pcx-1")
    );
    assert_eq!(routes[1].target_id.as_deref(), Some("tgw-1"));
    assert_eq!(routes[2].destination_cidr, "2600:1f18::/56");
}

#[test]
fn rules_keep_prefix_lists_and_who_owns_their_source_groups() {
    let p = t::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .prefix_list_ids(t::PrefixListId::builder().prefix_list_id("pl-cf").build())
        .user_id_group_pairs(
            t::UserIdGroupPair::builder()
                .group_id("sg-peer")
                .user_id("222222222222")
                .vpc_id("vpc-p")
                .vpc_peering_connection_id("pcx-1")
                .build(),
        )
        .build();
    let rule = ingress_rule(&p);
    assert_eq!(rule.prefix_list_ids, vec!["pl-cf"]);
    assert_eq!(rule.source_group_ids, vec!["sg-peer"]);
    assert_eq!(
        rule.source_groups,
        vec![GroupRef {
            group_id: "sg-peer".into(),
            user_id: Some("222222222222".into()),
            vpc_id: Some("vpc-p".into()),
            vpc_peering_connection_id: Some("pcx-1".into()),
        }]
    );
}

#[test]
fn an_interface_keeps_every_address_once_and_its_groups_sorted() {
    let eni = t::NetworkInterface::builder()
        .network_interface_id("eni-1")
        .private_ip_address("10.0.0.5")
        .private_ip_addresses(
            t::NetworkInterfacePrivateIpAddress::builder()
                .private_ip_address("10.0.0.5")
                .build(),
        )
        .private_ip_addresses(
            t::NetworkInterfacePrivateIpAddress::builder()
                .private_ip_address("10.0.0.17")
                .build(),
        )
        .ipv6_addresses(
            t::NetworkInterfaceIpv6Address::builder()
                .ipv6_address("2600:1f18::5")
                .build(),
        )
        .groups(t::GroupIdentifier::builder().group_id("sg-b").build())
        .groups(t::GroupIdentifier::builder().group_id("sg-a").build())
        .build();
    let converted = network_interface(&eni);
    assert_eq!(
        converted.private_ips,
        ["10.0.0.17", "10.0.0.5", "2600:1f18::5"]
    );
    assert_eq!(converted.security_group_ids, ["sg-a", "sg-b"]);
}
