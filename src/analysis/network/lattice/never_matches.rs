//! The note that an auth policy names principals IAM never matches (an ARN with a wildcard
//! inside it, see [`crate::policy::PolicyDocument::unmatchable_principals`]): the verdicts of
//! the services already read the policy as IAM does, so nothing is reported open through such
//! a principal; the owner learns that the statement grants (denies, exempts) nothing, and how
//! to write the grant they meant. A service's own policy is judged with the service; a service
//! network's, once for the network (from the owner's target), whatever services are in it.

use super::routes::{gate_of, Gate, GateFacts};
use crate::analysis::never_matches::{never_matching, NeverMatching};
use crate::analysis::FindingDraft;
use crate::inventory::{LatticeService, Target};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::json;
use std::collections::BTreeMap;

/// Whose auth policy a note is about.
struct PolicyOwner<'a> {
    /// "service" or "service network", for the words.
    kind: &'static str,
    id: &'a str,
    arn: &'a str,
    name: &'a str,
}

/// The note for the service's own auth policy, if it names never-matching principals (only
/// an `AWS_IAM` service's policy is in force: with `NONE` it is not read at all).
pub(super) fn service_note(
    target: &Target,
    svc: &LatticeService,
    service: &GateFacts,
) -> Option<Finding> {
    let owner = PolicyOwner {
        kind: "service",
        id: &svc.id,
        arn: &svc.arn,
        name: &svc.name,
    };
    note(target, &owner, service)
}

/// The notes for the auth policies of the service networks `target` owns (the networks whose
/// details it read: a grantee's listing of a shared network carries no policy), one per
/// network.
pub(super) fn network_notes(target: &Target) -> Vec<Finding> {
    (target.lattice.service_networks.iter())
        .filter(|n| n.details_read)
        .filter_map(|n| {
            let gate = gate_of(
                target,
                (&n.id, n.auth_type.as_ref(), n.auth_policy.as_ref()),
                Operation::LatticeGetServiceNetwork,
            );
            let owner = PolicyOwner {
                kind: "service network",
                id: &n.id,
                arn: &n.arn,
                name: &n.name,
            };
            note(target, &owner, &gate)
        })
        .collect()
}

fn note(target: &Target, owner: &PolicyOwner, gate: &GateFacts) -> Option<Finding> {
    let Gate::Policy(doc) = &gate.gate else {
        return None;
    };
    let NeverMatching {
        principals,
        accounts,
        statements,
    } = never_matching(doc, &target.region)?;
    let scope = if owner.kind == "service network" {
        " It applies to every service in the network."
    } else {
        ""
    };
    let message = format!(
        "The auth policy of VPC Lattice {} {} ({}) in {}/{} names principals with a wildcard inside an ARN, which IAM never expands: {}. Only \"*\" is a wildcard principal; to match principals by pattern, name the account and add an ArnLike condition on aws:PrincipalArn.{} {}",
        owner.kind,
        owner.name,
        owner.id,
        target.account_id,
        target.region,
        statements.join("; "),
        scope,
        RuleId::LatticePolicyPrincipalNeverMatches.rule().impact,
    );
    let specific_fix = RuleId::LatticePolicyPrincipalNeverMatches.rule().fix(&[
        ("auth_resource", format!("{} {}", owner.kind, owner.id)),
        ("auth_resource_id", owner.id.to_string()),
        ("principals", principals.join(", ")),
        ("accounts", accounts.join(", ")),
    ]);
    let mut evidence = BTreeMap::new();
    evidence.insert("principals".into(), json!(principals));
    evidence.insert("statements".into(), json!(statements));
    Some(
        FindingDraft {
            rule_id: RuleId::LatticePolicyPrincipalNeverMatches,
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            resource_arn: owner.arn.to_string(),
            entry_point: EntryPoint::VpcLattice,
            api_id: None,
            stage: None,
            method: "*".into(),
            path: "*".into(),
            reach: Reach::Owner,
            // The policy is in force only with auth type AWS_IAM.
            auth: Auth::AwsIam,
            write: false,
            message,
            specific_fix,
            low_confidence: false,
            evidence,
            identity: vec![
                target.account_id.clone(),
                target.region.clone(),
                owner.id.to_string(),
            ],
        }
        .build(),
    )
}
