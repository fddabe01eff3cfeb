use super::*;

#[test]
fn a_fingerprint_is_stable_and_keeps_its_parts_apart() {
    // Pinned: GitHub matches alerts across runs by this value, so it must never change.
    assert_eq!(
        fingerprint(&[
            "apigw-unauthenticated-write-internet",
            "111111111111",
            "us-east-1",
            "abc"
        ]),
        "527235a5e68f6176cfb18d0b60303bff"
    );
    assert_ne!(fingerprint(&["a b", "c"]), fingerprint(&["a", "b c"]));
}

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

/// The wider of two reaches wins; two of the same width name the members of both, sorted and
/// once each (what the verdict over several request paths or stages reports).
#[test]
fn the_widest_reach_unites_the_members_of_equal_widths() {
    let accounts = |ids: &[&str]| Reach::Accounts {
        accounts: ids.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(Reach::Owner.widest(Reach::Internet), Reach::Internet);
    assert_eq!(Reach::Internet.widest(accounts(&["2"])), Reach::Internet);
    assert_eq!(
        accounts(&["3", "2"]).widest(accounts(&["2", "1"])),
        accounts(&["1", "2", "3"])
    );
    let orgs = |ids: &[&str]| Reach::Organization {
        org_ids: ids.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        orgs(&["o-b"]).widest(orgs(&["o-a", "o-b"])),
        orgs(&["o-a", "o-b"])
    );
    let cidrs = |c: &[&str]| Reach::InternetIpRestricted {
        cidrs: c.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        cidrs(&["203.0.113.0/24"]).widest(cidrs(&["198.51.100.0/24"])),
        cidrs(&["198.51.100.0/24", "203.0.113.0/24"])
    );
}
