//! The conversion of `GetAccountAuthorizationDetails` answers, on the shape real AWS returns:
//! every document URL-encoded (the emulator returns trust policies as plain JSON), several
//! versions per managed policy with one default.

use super::*;
use crate::policy::{parse_identity_policy, parse_trust_policy};
use iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, ManagedPolicyDetail, PolicyDetail, PolicyVersion,
    RoleDetail,
};

/// A role as real AWS lists it (documents URL-encoded, RFC 3986).
fn recorded_role() -> RoleDetail {
    RoleDetail::builder()
        .path("/partners/")
        .role_name("partner-bridge")
        .arn("arn:aws:iam::111111111111:role/partners/partner-bridge")
        .assume_role_policy_document(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A345678901234%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3AExternalId%22%3A%22a%20b%26c%22%7D%7D%7D%5D%7D",
        )
        .role_policy_list(
            PolicyDetail::builder()
                .policy_name("invoke")
                .policy_document("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22execute-api%3AInvoke%22%2C%22Resource%22%3A%22arn%3Aaws%3Aexecute-api%3A*%3A*%3A*%2F*%2F*%2F*%22%7D%5D%7D")
                .build(),
        )
        .attached_managed_policies(
            AttachedPolicy::builder()
                .policy_name("AdministratorAccess")
                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                .build(),
        )
        .permissions_boundary(
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn("arn:aws:iam::111111111111:policy/boundary")
                .build(),
        )
        .build()
}

#[test]
fn a_role_keeps_its_documents_as_iam_returned_them_and_they_parse() {
    let role = convert_role(&recorded_role());
    assert_eq!(
        role.arn,
        "arn:aws:iam::111111111111:role/partners/partner-bridge"
    );
    assert_eq!(role.name, "partner-bridge");
    assert!(
        role.trust_policy.starts_with("%7B"),
        "{}",
        role.trust_policy
    );
    assert_eq!(
        role.attached_policy_arns,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    assert_eq!(
        role.permissions_boundary_arn.as_deref(),
        Some("arn:aws:iam::111111111111:policy/boundary")
    );
    assert_eq!(role.inline_policies[0].name, "invoke");
    // Decoded where they are read: the trust's external id keeps its space and ampersand.
    let trust = parse_trust_policy(&role.trust_policy).unwrap();
    assert_eq!(trust.statement_count(), 1);
    let inline = parse_identity_policy(&role.inline_policies[0].document).unwrap();
    assert_eq!(
        inline.resource_patterns().collect::<Vec<_>>(),
        ["arn:aws:execute-api:*:*:*/*/*/*"]
    );
}

#[test]
fn a_managed_policy_is_its_default_version() {
    let version = |id: &str, default: bool, action: &str| {
        PolicyVersion::builder()
            .version_id(id)
            .is_default_version(default)
            .document(format!("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22{action}%22%2C%22Resource%22%3A%22*%22%7D%7D"))
            .build()
    };
    let policy = ManagedPolicyDetail::builder()
        .policy_name("AdministratorAccess")
        .arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .default_version_id("v2")
        .policy_version_list(version("v1", false, "s3%3A*"))
        .policy_version_list(version("v2", true, "*"))
        .build();
    let converted = convert_policy(&policy);
    assert_eq!(converted.name, "AdministratorAccess");
    let doc = converted.document.expect("the default version's document");
    assert!(doc.contains("%22Action%22%3A%22*%22"), "{doc}");
    // No default version listed: no document (taken as allowing everything downstream).
    let bare = ManagedPolicyDetail::builder()
        .arn("arn:aws:iam::111111111111:policy/x")
        .policy_version_list(version("v1", false, "*"))
        .build();
    assert_eq!(convert_policy(&bare).document, None);
}
