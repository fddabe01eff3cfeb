use super::*;
use crate::model::{Auth, Confidence, EntryPoint, Reach};

fn finding(rule: &str, severity: Severity, path: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        severity,
        title: "t".into(),
        message: format!("message about {path}"),
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        resource_arn: format!("arn:aws:execute-api:us-east-1:111111111111:abc/prod/POST{path}"),
        entry_point: EntryPoint::ApiGatewayRest,
        api_id: Some("abc".into()),
        stage: Some("prod".into()),
        method: "POST".into(),
        path: path.into(),
        reach: "internet".into(),
        reach_detail: Reach::Internet,
        auth: Auth::None,
        write: true,
        remediation: format!("fix {path}"),
        fingerprint: "f".into(),
        confidence: Confidence::High,
        evidence: Default::default(),
    }
}

fn report(findings: Vec<Finding>) -> AuditReport {
    crate::report::report_for_tests(findings)
}

#[test]
fn details_explain_every_finding_in_table_order() {
    let r = report(vec![
        finding(
            "apigw-unauthenticated-write-internet",
            Severity::Critical,
            "/a",
        ),
        finding("apigw-write-organization", Severity::Medium, "/b"),
    ]);
    let text = render_details(&r);
    let first = text
        .find("[1] critical apigw-unauthenticated-write-internet")
        .unwrap();
    let second = text.find("[2] medium apigw-write-organization").unwrap();
    assert!(first < second, "{text}");
    for expected in [
        "rest:abc stage prod POST /a (reach internet, auth none, confidence high)",
        "resource: arn:aws:execute-api:us-east-1:111111111111:abc/prod/POST/a",
        "why: message about /a",
        "fix: fix /b",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert_eq!(render_details(&report(vec![])), "");
}
