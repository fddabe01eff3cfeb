use super::*;
use proptest::prelude::*;

#[test]
fn the_resource_keeps_its_colons_and_patterns_keep_their_wildcards() {
    assert_eq!(
        Arn::parse("arn:aws:logs:us-east-1:111111111111:log-group:a:b"),
        Some(Arn {
            partition: "aws",
            service: "logs",
            region: "us-east-1",
            account: "111111111111",
            resource: "log-group:a:b",
        })
    );
    let pattern = Arn::parse("arn:*:iam::2222????????:role/partner-*").unwrap();
    assert_eq!(
        pattern.fields(),
        ["*", "iam", "", "2222????????", "role/partner-*"]
    );
    // Empty fields are fields; the resource may be empty too.
    assert_eq!(Arn::parse("arn:::::").unwrap().fields(), [""; 5]);
}

#[test]
fn text_that_is_not_an_arn_does_not_parse() {
    for text in [
        "",
        "*",
        "arn",
        "arn:aws:iam::111111111111",
        "aws:iam::111111111111:root",
        "ARN:aws:iam::111111111111:root",
        "*:aws:iam::111111111111:root",
        "execute-api:/prod/GET/*",
    ] {
        assert_eq!(Arn::parse(text), None, "{text}");
    }
}

#[test]
fn a_cloud_map_service_arn_names_its_service_and_nothing_else_does() {
    assert_eq!(
        cloud_map_service_id("arn:aws:servicediscovery:us-east-1:111122223333:service/srv-abc123"),
        Some("srv-abc123")
    );
    assert_eq!(
        cloud_map_service_id("arn:aws-cn:servicediscovery:cn-north-1:1:service/srv-x"),
        Some("srv-x")
    );
    for other in [
        "arn:aws:servicediscovery:us-east-1:1:namespace/ns-abc",
        "arn:aws:servicediscovery:us-east-1:1:service/",
        "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/nlb/1/2",
        "http://orders.internal/srv-x",
        "srv-abc123",
    ] {
        assert_eq!(cloud_map_service_id(other), None, "{other}");
    }
}

#[test]
fn partitions_follow_the_region() {
    for (region, partition) in [
        ("us-east-1", "aws"),
        ("eu-west-2", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eu-isoe-west-1", "aws-iso-e"),
    ] {
        assert_eq!(partition_of(region), partition, "{region}");
    }
}

#[test]
fn built_arns_name_the_resource_in_the_region_s_partition() {
    assert_eq!(
        execute_api_method(
            "us-east-1",
            "111111111111",
            "abc",
            "prod",
            "POST",
            "/orders/{id}"
        ),
        "arn:aws:execute-api:us-east-1:111111111111:abc/prod/POST/orders/{id}"
    );
    // The root resource: nothing after the verb's slash.
    assert_eq!(
        execute_api_method("cn-north-1", "111111111111", "abc", "*", "GET", "/"),
        "arn:aws-cn:execute-api:cn-north-1:111111111111:abc/*/GET/"
    );
    assert_eq!(
        rest_api("us-gov-west-1", "abc"),
        "arn:aws-us-gov:apigateway:us-gov-west-1::/restapis/abc"
    );
    assert_eq!(
        vpc_peering("eu-west-1", "111111111111", "pcx-1"),
        "arn:aws:ec2:eu-west-1:111111111111:vpc-peering-connection/pcx-1"
    );
    assert_eq!(
        endpoint_service("eu-west-1", "111111111111", "vpce-svc-1"),
        "arn:aws:ec2:eu-west-1:111111111111:vpc-endpoint-service/vpce-svc-1"
    );
    assert_eq!(
        iam_role("aws", "111111111111", "ops/SecurityAudit"),
        "arn:aws:iam::111111111111:role/ops/SecurityAudit"
    );
    assert_eq!(
        assumed_role_session("aws", "111111111111", "SecurityAudit", "s"),
        "arn:aws:sts::111111111111:assumed-role/SecurityAudit/s"
    );
}

/// A field before the resource: anything but a colon, wildcards included.
fn field() -> impl Strategy<Value = String> {
    "[a-z0-9*?/._-]{0,12}"
}

proptest! {
    #[test]
    fn an_arn_parses_back_into_the_fields_it_was_built_from(
        partition in field(),
        service in field(),
        region in field(),
        account in field(),
        resource in "[a-zA-Z0-9*?/:{}+._-]{0,30}",
    ) {
        let arn = Arn {
            partition: &partition,
            service: &service,
            region: &region,
            account: &account,
            resource: &resource,
        };
        let text = arn.to_string();
        prop_assert_eq!(Arn::parse(&text), Some(arn));
    }

    #[test]
    fn a_built_method_arn_parses_into_its_parts(
        region in "[a-z]{2}(-gov|-iso|-isob)?-[a-z]{4,9}-[1-9]",
        account in "[0-9]{12}",
        api_id in "[a-z0-9]{10}",
        stage in "[A-Za-z0-9_*-]{1,12}",
        verb in "(GET|POST|ANY|\\*)",
        path in "(/[a-z{}+]{1,8}){0,3}",
    ) {
        let text = execute_api_method(&region, &account, &api_id, &stage, &verb, &path);
        let arn = Arn::parse(&text).expect("a built ARN parses");
        prop_assert_eq!(arn.partition, partition_of(&region));
        prop_assert_eq!(arn.service, "execute-api");
        prop_assert_eq!(arn.region, region.as_str());
        prop_assert_eq!(arn.account, account.as_str());
        let resource = format!("{api_id}/{stage}/{verb}/{}", path.trim_start_matches('/'));
        prop_assert_eq!(arn.resource, resource.as_str());
    }
}

#[test]
fn a_method_arn_is_the_regional_arn_of_its_stage_verb_and_path() {
    for (region, path) in [
        ("us-east-1", "/items/{id}"),
        ("cn-north-1", "items"),
        ("us-gov-west-1", "/"),
        ("eu-west-1", ""),
    ] {
        let trimmed = path.trim_start_matches('/');
        assert_eq!(
            execute_api_method(region, "111111111111", "a1b2", "prod", "GET", path),
            regional(
                "execute-api",
                region,
                "111111111111",
                &format!("a1b2/prod/GET/{trimmed}")
            )
        );
    }
    assert_eq!(
        execute_api_method("cn-north-1", "1", "api", "v1", "POST", "/x"),
        "arn:aws-cn:execute-api:cn-north-1:1:api/v1/POST/x"
    );
}
