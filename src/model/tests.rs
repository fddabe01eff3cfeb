use super::*;

#[test]
fn auth_and_confidence_serialize_as_their_labels() {
    for auth in [
        Auth::None,
        Auth::ApiKeyOnly,
        Auth::AwsIam,
        Auth::Cognito,
        Auth::LambdaAuthorizer,
        Auth::Jwt,
        Auth::NetworkOnly,
        Auth::Unknown,
    ] {
        let json = serde_json::to_value(auth).unwrap();
        assert_eq!(json, auth.label(), "{auth:?}");
        assert_eq!(serde_json::from_value::<Auth>(json).unwrap(), auth);
        assert_eq!(auth.to_string(), auth.label());
    }
    for confidence in [Confidence::High, Confidence::Medium] {
        let json = serde_json::to_value(confidence).unwrap();
        assert_eq!(json, confidence.label(), "{confidence:?}");
        assert_eq!(
            serde_json::from_value::<Confidence>(json).unwrap(),
            confidence
        );
    }
}
