use super::partition_of;

#[test]
fn partitions_follow_the_region() {
    for (region, partition) in [
        ("us-east-1", "aws"),
        ("eu-west-2", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ] {
        assert_eq!(partition_of(region), partition, "{region}");
    }
}
