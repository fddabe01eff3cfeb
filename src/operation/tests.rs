use super::*;
use std::collections::BTreeSet;

#[test]
fn every_operation_is_named_service_colon_action_once() {
    let mut names = BTreeSet::new();
    for op in Operation::ALL {
        let (service, action) = op.as_str().split_once(':').unwrap();
        assert_eq!(service, op.service().as_str(), "{op}");
        assert!(
            action.starts_with(|c: char| c.is_ascii_uppercase())
                && action.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{op}"
        );
        assert!(names.insert(op.as_str()), "{op} is listed twice");
    }
}

#[test]
fn a_recorded_name_parses_back_to_its_operation() {
    for op in Operation::ALL {
        assert_eq!(Operation::parse(op.as_str()), Some(*op));
        assert_eq!(op.to_string(), op.as_str());
    }
    // v1 and v2 API Gateway share action names; the service tells them apart.
    assert_eq!(
        Operation::parse("apigatewayv2:GetStages"),
        Some(Operation::ApiGatewayV2GetStages)
    );
    for other in [SCAN_TARGET_STEP, "apigateway:GetStage", "GetStages", ""] {
        assert_eq!(Operation::parse(other), None, "{other}");
    }
}
