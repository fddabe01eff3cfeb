//! PrivateLink.

use super::backends::{
    backend_evidence, backend_words, bypass_sentence, methods_evidence, Backend,
};
use super::published::PublishedMethod;
use super::region_index::RegionIndex;
use crate::analysis::{describe_reach, FindingDraft};
use crate::model::{EntryPoint, Finding, Reach};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn principal_account(p: &str) -> Option<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_string());
    }
    crate::policy::arn_account(p)
}

/// The organization (`o-…`) and, for an OU, its path, of an organization or OU principal
/// (`arn:aws:organizations::<mgmt>:organization/o-…`, `…:ou/o-…/ou-…`). Its account field is
/// the management account, which is not who gets in: every member (of the OU) does.
fn principal_organization(p: &str, kind: Option<&str>) -> Option<(String, Option<String>)> {
    let resource = p.strip_prefix("arn:")?.split(':').nth(4).filter(|_| {
        p.split(':').nth(2) == Some("organizations")
            || kind.is_some_and(|k| k == "OrganizationUnit")
    })?;
    let mut parts = resource.split('/');
    match parts.next()? {
        "organization" => Some((parts.next()?.to_string(), None)),
        "ou" => {
            let org = parts.next()?.to_string();
            let path = resource.trim_start_matches("ou/").to_string();
            Some((org, Some(path)))
        }
        _ => None,
    }
}

pub(super) fn endpoint_service_findings(
    region: &RegionIndex,
    backends: &[Backend],
    published: &HashMap<&str, Vec<PublishedMethod>>,
) -> Vec<Finding> {
    let target = region.target;
    let owner = target.account_id.as_str();
    let member_of: HashMap<&str, usize> = backends
        .iter()
        .enumerate()
        .flat_map(|(i, b)| b.members.iter().map(move |m| (m.lb.arn.as_str(), i)))
        .collect();
    let mut out = Vec::new();
    for svc in &target.network.endpoint_services {
        // Permissions that could not be read are unknown, not "nobody": assumed to allow every
        // account (the widest), at medium confidence.
        let perms_unread = region.failed(
            "ec2:DescribeVpcEndpointServicePermissions",
            Some(&svc.service_id),
        );
        let everyone =
            perms_unread.is_some() || svc.allowed_principals.iter().any(|p| p.trim() == "*");
        let mut orgs: BTreeSet<String> = BTreeSet::new();
        let mut ous: BTreeSet<String> = BTreeSet::new();
        let mut allowed: BTreeSet<String> = BTreeSet::new();
        for p in svc.allowed_principals.iter().map(|p| p.trim()) {
            let kind = svc.principal_types.get(p).map(String::as_str);
            if let Some((org, ou)) = principal_organization(p, kind) {
                orgs.insert(org);
                ous.extend(ou);
            } else if let Some(a) = principal_account(p).filter(|a| a != owner) {
                allowed.insert(a);
            }
        }
        // Accepted connections outlive the permission that allowed them: an account still
        // connected but not named keeps its way in. With an organization allowed, it may be a
        // member (membership is not read): "not named", not "no longer allowed". With every
        // account allowed, nobody is beyond the permissions.
        let connected: BTreeSet<String> = svc
            .connected_accounts
            .iter()
            .flatten()
            .filter(|a| a.as_str() != owner)
            .cloned()
            .collect();
        let unnamed: BTreeSet<String> = if everyone {
            BTreeSet::new()
        } else {
            connected.difference(&allowed).cloned().collect()
        };
        let (stale, not_named): (BTreeSet<String>, BTreeSet<String>) = if orgs.is_empty() {
            (unnamed, BTreeSet::new())
        } else {
            (BTreeSet::new(), unnamed)
        };
        // The widest class decides the rule and the reach; accounts named beside an
        // organization are said in the message and the evidence.
        let (rule, reach) = if everyone {
            ("privatelink-open-to-any-account", Reach::AnyAwsAccount)
        } else if !orgs.is_empty() {
            (
                "privatelink-open-to-external-accounts",
                Reach::Organization {
                    org_ids: orgs.iter().cloned().collect(),
                },
            )
        } else if !allowed.is_empty() || !stale.is_empty() {
            (
                "privatelink-open-to-external-accounts",
                Reach::Accounts {
                    accounts: allowed.union(&stale).cloned().collect(),
                },
            )
        } else {
            continue;
        };
        let resource_arn = format!(
            "arn:{}:ec2:{}:{}:vpc-endpoint-service/{}",
            crate::model::partition_of(&target.region),
            target.region,
            target.account_id,
            svc.service_id
        );
        let connected_words = match &svc.connected_accounts {
            Some(_) if connected.is_empty() => {
                "No external account is connected right now.".to_string()
            }
            Some(_) => format!(
                "Connected right now: {}.",
                connected.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            None => "Who is connected right now could not be read.".to_string(),
        };
        let stale_words = if stale.is_empty() {
            String::new()
        } else {
            format!(
                " {} connected though no longer allowed: removing a principal does not tear down an accepted endpoint connection, so they keep their way in until it is rejected.",
                stale.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        let mut org_words = if ous.is_empty() {
            String::new()
        } else {
            format!(
                " The organizational units {} are allowed: every account in them can connect.",
                ous.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        if !orgs.is_empty() && !everyone && !allowed.is_empty() {
            org_words.push_str(&format!(
                " Also allowed by name: {} (inside the organization or not).",
                allowed.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if !not_named.is_empty() {
            org_words.push_str(&format!(
                " {} connected right now but not named among the allowed principals: they may be members of the organization (membership is not read), or connected before a principal was removed, which does not tear down an accepted endpoint connection.",
                not_named.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(e) = perms_unread {
            org_words.push_str(&format!(
                " Its allowed principals could not be read ({}), so it is assumed open to every AWS account.",
                e.code
            ));
        }
        // Whatever the branch: the partner's few methods belong behind API Gateway.
        let instead = "Publish the partner's methods through API Gateway instead (VPC link to the NLB, IAM auth, a resource policy for one role); if PrivateLink must stay, require acceptance and put authentication in the backend.";
        let fix = if perms_unread.is_some() {
            format!("Check who may connect to {} (aws ec2 describe-vpc-endpoint-service-permissions --service-id {}) and remove every principal that is not meant to reach the backend; reject the endpoint connections they made. {instead}", svc.service_id, svc.service_id)
        } else if everyone {
            format!("Remove `*` from the allowed principals of {} (aws ec2 modify-vpc-endpoint-service-permissions --service-id {} --remove-allowed-principals '*'). {instead}", svc.service_id, svc.service_id)
        } else if !stale.is_empty() && allowed.is_empty() {
            format!("Reject the endpoint connections of {} from {} (aws ec2 reject-vpc-endpoint-connections --service-id {} --vpc-endpoint-ids ...). {instead}", svc.service_id, stale.iter().cloned().collect::<Vec<_>>().join(", "), svc.service_id)
        } else {
            // Every principal but the owner's own IAM ones: an organization or OU ARN names
            // the management account, which may be the owner, and still lets every member in.
            let owners_own = |p: &str| {
                let mut parts = p.split(':');
                parts.nth(2) == Some("iam") && parts.nth(1) == Some(target.account_id.as_str())
            };
            let external: Vec<&str> = svc
                .allowed_principals
                .iter()
                .map(String::as_str)
                .filter(|p| !owners_own(p))
                .collect();
            let principals = if external.is_empty() {
                "...".to_string()
            } else {
                external.join(" ")
            };
            format!("Remove the external principals from {} (aws ec2 modify-vpc-endpoint-service-permissions --service-id {} --remove-allowed-principals {principals}) and reject the endpoint connections they made. {instead}", svc.service_id, svc.service_id)
        };
        let mut evidence_base = BTreeMap::new();
        evidence_base.insert("allowed_principals".into(), json!(svc.allowed_principals));
        if !svc.principal_types.is_empty() {
            evidence_base.insert("principal_types".into(), json!(svc.principal_types));
        }
        evidence_base.insert("acceptance_required".into(), json!(svc.acceptance_required));
        evidence_base.insert("connected_accounts".into(), json!(svc.connected_accounts));
        evidence_base.insert(
            "connected_not_allowed".into(),
            json!(stale.iter().collect::<Vec<_>>()),
        );
        if !orgs.is_empty() {
            evidence_base.insert(
                "connected_not_named".into(),
                json!(not_named.iter().collect::<Vec<_>>()),
            );
        }
        if !matches!(reach, Reach::Accounts { .. }) && !allowed.is_empty() {
            evidence_base.insert(
                "allowed_accounts".into(),
                json!(allowed.iter().collect::<Vec<_>>()),
            );
        }
        if perms_unread.is_some() {
            evidence_base.insert("allowed_principals_read".into(), json!(false));
        }
        // The service's load balancers, as backends (several may merge into one), and those
        // the inventory does not hold: the permissions alone prove the exposure.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let lb_arns = svc
            .network_load_balancer_arns
            .iter()
            .chain(&svc.gateway_load_balancer_arns);
        for lb_arn in lb_arns {
            let backend = member_of.get(lb_arn.as_str()).map(|&i| &backends[i]);
            let (backend_text, backend_json, methods, id) = match backend {
                Some(b) => {
                    if !seen.insert(b.id.as_str()) {
                        continue;
                    }
                    (
                        backend_words(b),
                        backend_evidence(b),
                        b.methods.clone(),
                        b.id.clone(),
                    )
                }
                None => {
                    let why = match target
                        .errors
                        .iter()
                        .find(|e| e.operation == "elasticloadbalancing:DescribeLoadBalancers")
                    {
                        Some(e) => format!("the load balancers could not be read ({})", e.code),
                        None => "it is not among the load balancers read in this region".into(),
                    };
                    (
                        format!("the backend behind load balancer {lb_arn}, unknown because {why}"),
                        json!({"load_balancer": lb_arn, "unknown": true, "why": why}),
                        published.get(lb_arn.as_str()).cloned().unwrap_or_default(),
                        lb_arn.clone(),
                    )
                }
            };
            let message = format!(
                "Endpoint service {} ({}) in {}/{} publishes {} over PrivateLink to {} (allowed principals: {}); connection requests are {}. {}{}{} {}",
                svc.service_id,
                svc.service_name,
                target.account_id,
                target.region,
                backend_text,
                describe_reach(&reach),
                if perms_unread.is_some() { "could not be read".to_string() } else if svc.allowed_principals.is_empty() { "none".to_string() } else { svc.allowed_principals.join(", ") },
                if svc.acceptance_required { "reviewed (acceptance required)" } else { "accepted automatically (acceptance not required)" },
                connected_words,
                stale_words,
                org_words,
                bypass_sentence(region, &methods),
            );
            let mut evidence = evidence_base.clone();
            evidence.insert("backend".into(), backend_json);
            evidence.insert("bypassed_methods".into(), methods_evidence(&methods));
            out.push(
                FindingDraft {
                    message,
                    specific_fix: fix.clone(),
                    low_confidence: perms_unread.is_some() || methods.iter().any(|m| m.inferred),
                    evidence,
                    identity: vec![
                        target.account_id.clone(),
                        target.region.clone(),
                        svc.service_id.clone(),
                        id,
                    ],
                    ..FindingDraft::network_path(
                        rule,
                        target,
                        resource_arn.clone(),
                        EntryPoint::Privatelink,
                        reach.clone(),
                    )
                }
                .build(),
            );
        }
    }
    out
}
