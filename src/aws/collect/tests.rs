use super::*;

#[tokio::test]
async fn an_assume_role_task_that_panics_fails_its_account_only() {
    use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
    let ok = tokio::spawn(async {
        Ok(AssumeRoleOutput::builder()
            .credentials(
                aws_sdk_sts::types::Credentials::builder()
                    .access_key_id("ASIAJOINTEST00000001")
                    .secret_access_key("join-test-secret")
                    .session_token("join-test-token")
                    .expiration(aws_smithy_types::DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .build())
    });
    let panics: tokio::task::JoinHandle<AssumeRoleResult> =
        tokio::spawn(async { panic!("bug while entering the account") });
    let no_creds = tokio::spawn(async { Ok(AssumeRoleOutput::builder().build()) });
    let (entered, failures) = join_assume_roles(vec![
        ("111111111111".into(), "arn:1".into(), ok),
        ("222222222222".into(), "arn:2".into(), panics),
        ("333333333333".into(), "arn:3".into(), no_creds),
    ])
    .await;
    assert_eq!(entered.len(), 1);
    assert_eq!(entered[0].account_id, "111111111111");
    let failed: Vec<(&str, &str)> = failures
        .iter()
        .map(|f| (f.account_id.as_str(), f.error.code.as_str()))
        .collect();
    assert_eq!(
        failed,
        vec![
            ("222222222222", "InternalError"),
            ("333333333333", "MalformedResponse")
        ]
    );
    assert_eq!(
        failures[0].error.operation,
        Operation::StsAssumeRole.as_str()
    );
    assert_eq!(failures[0].error.resource.as_deref(), Some("arn:2"));
    // The credentials that were handed out are known to redaction at once.
    assert_eq!(redact("x join-test-secret y"), "x [REDACTED] y");
}

#[tokio::test]
async fn a_target_task_that_panics_is_a_failed_target_not_a_lost_scan() {
    let mut set = tokio::task::JoinSet::new();
    let mut planned = std::collections::HashMap::new();
    let fine = set.spawn(async {
        Target {
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            ..Default::default()
        }
    });
    planned.insert(fine.id(), ("111111111111".into(), "us-east-1".into()));
    let broken = set.spawn(async { panic!("bug outside the inner scan task") });
    planned.insert(broken.id(), ("111111111111".into(), "eu-west-1".into()));
    let mut targets = join_targets(set, planned, None).await;
    targets.sort_by(|a, b| a.region.cmp(&b.region));
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].region, "eu-west-1");
    assert_eq!(targets[0].status, TargetStatus::Failed);
    assert_eq!(targets[0].errors[0].code, "InternalError");
    assert_eq!(targets[1].status, TargetStatus::Complete);
}

#[test]
fn an_account_with_no_region_is_a_failure_not_an_empty_account() {
    use aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput;
    use aws_sdk_ec2::types::Region as Ec2Region;
    let failure =
        enabled_regions("111111111111", Ok(DescribeRegionsOutput::builder().build())).unwrap_err();
    assert_eq!(failure.account_id, "111111111111");
    assert_eq!(
        failure.error.operation,
        Operation::Ec2DescribeRegions.as_str()
    );
    assert_eq!(failure.error.code, "NoRegions");
    let nameless = DescribeRegionsOutput::builder()
        .regions(Ec2Region::builder().build())
        .build();
    assert!(enabled_regions("111111111111", Ok(nameless)).is_err());
    let two = DescribeRegionsOutput::builder()
        .regions(Ec2Region::builder().region_name("eu-west-1").build())
        .regions(Ec2Region::builder().region_name("us-east-1").build())
        .regions(Ec2Region::builder().region_name("eu-west-1").build())
        .build();
    assert_eq!(
        enabled_regions("111111111111", Ok(two)).unwrap(),
        vec!["eu-west-1", "us-east-1"]
    );
}
