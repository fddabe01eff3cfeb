use super::*;
use crate::inventory::{PeeringSide, VpcPeering};

fn peering(status: &str, requester: (&str, &str), accepter: (&str, &str)) -> VpcPeering {
    let side = |(owner_id, vpc_id): (&str, &str)| PeeringSide {
        owner_id: owner_id.into(),
        vpc_id: vpc_id.into(),
        ..Default::default()
    };
    VpcPeering {
        id: format!("pcx-{}", requester.1),
        status: status.into(),
        requester: side(requester),
        accepter: side(accepter),
    }
}

#[test]
fn only_this_accounts_side_of_an_active_cross_account_peering_is_peered() {
    let net = Network {
        peerings: vec![
            peering(
                "active",
                ("111111111111", "vpc-a"),
                ("222222222222", "vpc-x"),
            ),
            peering(
                "active",
                ("333333333333", "vpc-y"),
                ("111111111111", "vpc-b"),
            ),
            // Same account, or not active: no peer comes in.
            peering(
                "active",
                ("111111111111", "vpc-c"),
                ("111111111111", "vpc-d"),
            ),
            peering(
                "pending-acceptance",
                ("111111111111", "vpc-e"),
                ("222222222222", "vpc-z"),
            ),
        ],
        ..Default::default()
    };
    let peered = peered_vpcs(&net, "111111111111");
    assert_eq!(peered, BTreeSet::from(["vpc-a".into(), "vpc-b".into()]));
    assert!(verdicts_compare_targets(&net, &peered));
    assert!(!verdicts_compare_targets(
        &Network::default(),
        &BTreeSet::new()
    ));
}

#[test]
fn load_balancers_are_picked_with_their_place_and_arn() {
    let lb = |arn: &str, scheme: &str| LoadBalancer {
        arn: arn.into(),
        scheme: scheme.into(),
        ..Default::default()
    };
    let net = Network {
        load_balancers: vec![
            lb("arn:a", "internal"),
            lb("arn:b", "internet-facing"),
            lb("arn:c", "internet-facing"),
        ],
        ..Default::default()
    };
    // An internet-facing load balancer alone: target health is read for the region.
    assert!(verdicts_compare_targets(&net, &BTreeSet::new()));
    let (places, arns) = load_balancers_where(&net, |lb| lb.scheme == "internet-facing");
    assert_eq!(places, [1, 2]);
    assert_eq!(arns, ["arn:b", "arn:c"]);
}
