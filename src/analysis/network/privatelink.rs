//! The PrivateLink entry point: `privatelink-open-to-any-account` and
//! `privatelink-open-to-external-accounts`, one finding per endpoint service and backend.

use super::backends::{
    backend_evidence, backend_words, bypass_sentence, methods_evidence, Backend,
};
use super::published::PublishedMethod;
use super::region_index::RegionIndex;
use crate::analysis::{describe_reach, FindingDraft};
use crate::arn::Arn;
use crate::inventory::{EndpointService, ScanError, Target};
use crate::model::{EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::rules::RuleId;
use serde_json::{json, Value};
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
    let resource = Arn::parse(p)
        .filter(|arn| {
            arn.service == "organizations" || kind.is_some_and(|k| k == "OrganizationUnit")
        })?
        .resource;
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

/// One finding per endpoint service open to other accounts and private backend it publishes.
pub(super) fn endpoint_service_findings(
    region: &RegionIndex,
    backends: &[Backend],
    published: &HashMap<String, Vec<PublishedMethod>>,
) -> Vec<Finding> {
    let target = region.target;
    let member_of: HashMap<&str, usize> = backends
        .iter()
        .enumerate()
        .flat_map(|(i, b)| b.members.iter().map(move |m| (m.lb.arn.as_str(), i)))
        .collect();
    let mut out = Vec::new();
    for svc in &target.network.endpoint_services {
        let access = ServiceAccess::of(region, svc);
        let Some((rule, reach)) = access.verdict() else {
            continue;
        };
        let resource_arn =
            crate::arn::endpoint_service(&target.region, &target.account_id, &svc.service_id);
        let fix = privatelink_fix(target, svc, &access);
        let evidence_base = service_evidence(svc, &access, &reach);
        for backend in service_backends(target, svc, backends, &member_of, published) {
            let mut evidence = evidence_base.clone();
            evidence.insert("backend".into(), backend.evidence);
            evidence.insert(
                "bypassed_methods".into(),
                methods_evidence(&backend.methods),
            );
            out.push(
                FindingDraft {
                    message: service_message(
                        region,
                        svc,
                        &access,
                        &reach,
                        &backend.words,
                        &backend.methods,
                    ),
                    specific_fix: fix.clone(),
                    low_confidence: access.perms_unread.is_some()
                        || backend.methods.iter().any(|m| m.inferred),
                    evidence,
                    identity: vec![
                        target.account_id.clone(),
                        target.region.clone(),
                        svc.service_id.clone(),
                        backend.id,
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

/// Who may connect to an endpoint service: its allowed principals by class, and the accounts
/// connected right now (the owner aside in both).
struct ServiceAccess<'a> {
    /// Why the permissions could not be read, if they could not: then every account is assumed
    /// allowed.
    perms_unread: Option<&'a ScanError>,
    /// `*` is allowed, or the permissions are unknown.
    everyone: bool,
    orgs: BTreeSet<String>,
    /// OU paths (`o-…/ou-…`).
    ous: BTreeSet<String>,
    /// Accounts allowed by name.
    allowed: BTreeSet<String>,
    connected: BTreeSet<String>,
    /// Connected though no longer allowed (no organization is allowed).
    stale: BTreeSet<String>,
    /// Connected but not named while an organization is allowed: they may be members.
    not_named: BTreeSet<String>,
}

impl<'a> ServiceAccess<'a> {
    fn of(region: &RegionIndex<'a>, svc: &EndpointService) -> ServiceAccess<'a> {
        let owner = region.target.account_id.as_str();
        // Permissions that could not be read are unknown, not "nobody": assumed to allow every
        // account (the widest), at medium confidence.
        let perms_unread = region.failed(
            Operation::Ec2DescribeVpcEndpointServicePermissions,
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
        ServiceAccess {
            perms_unread,
            everyone,
            orgs,
            ous,
            allowed,
            connected,
            stale,
            not_named,
        }
    }

    /// The rule and the reach, `None` when no other account gets in. The widest class decides;
    /// accounts named beside an organization are said in the message and the evidence.
    fn verdict(&self) -> Option<(RuleId, Reach)> {
        if self.everyone {
            Some((RuleId::PrivatelinkOpenToAnyAccount, Reach::AnyAwsAccount))
        } else if !self.orgs.is_empty() {
            Some((
                RuleId::PrivatelinkOpenToExternalAccounts,
                Reach::Organization {
                    org_ids: self.orgs.iter().cloned().collect(),
                },
            ))
        } else if !self.allowed.is_empty() || !self.stale.is_empty() {
            Some((
                RuleId::PrivatelinkOpenToExternalAccounts,
                Reach::Accounts {
                    accounts: self.allowed.union(&self.stale).cloned().collect(),
                },
            ))
        } else {
            None
        }
    }
}

fn joined(accounts: &BTreeSet<String>) -> String {
    accounts.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The message of one (service, backend) finding.
fn service_message(
    region: &RegionIndex,
    svc: &EndpointService,
    access: &ServiceAccess,
    reach: &Reach,
    backend_words: &str,
    methods: &[PublishedMethod],
) -> String {
    let target = region.target;
    let principals = if access.perms_unread.is_some() {
        "could not be read".to_string()
    } else if svc.allowed_principals.is_empty() {
        "none".to_string()
    } else {
        svc.allowed_principals.join(", ")
    };
    let acceptance = if svc.acceptance_required {
        "reviewed (acceptance required)"
    } else {
        "accepted automatically (acceptance not required)"
    };
    format!(
        "Endpoint service {} ({}) in {}/{} publishes {backend_words} over PrivateLink to {} (allowed principals: {principals}); connection requests are {acceptance}. {}{}{} {}",
        svc.service_id,
        svc.service_name,
        target.account_id,
        target.region,
        describe_reach(reach),
        connected_words(svc, access),
        stale_words(access),
        beyond_reach_words(access),
        bypass_sentence(region, methods),
    )
}

/// Who is connected right now, as a sentence.
fn connected_words(svc: &EndpointService, access: &ServiceAccess) -> String {
    match &svc.connected_accounts {
        Some(_) if access.connected.is_empty() => {
            "No external account is connected right now.".to_string()
        }
        Some(_) => format!("Connected right now: {}.", joined(&access.connected)),
        None => "Who is connected right now could not be read.".to_string(),
    }
}

/// The accounts connected though no longer allowed, if any.
fn stale_words(access: &ServiceAccess) -> String {
    if access.stale.is_empty() {
        return String::new();
    }
    format!(
        " {} connected though no longer allowed: removing a principal does not tear down an accepted endpoint connection, so they keep their way in until it is rejected.",
        joined(&access.stale)
    )
}

/// What the reach does not say: the OUs allowed, accounts named beside an organization,
/// connected accounts not named, and permissions that could not be read.
fn beyond_reach_words(access: &ServiceAccess) -> String {
    let mut words = if access.ous.is_empty() {
        String::new()
    } else {
        format!(
            " The organizational units {} are allowed: every account in them can connect.",
            joined(&access.ous)
        )
    };
    if !access.orgs.is_empty() && !access.everyone && !access.allowed.is_empty() {
        words.push_str(&format!(
            " Also allowed by name: {} (inside the organization or not).",
            joined(&access.allowed)
        ));
    }
    if !access.not_named.is_empty() {
        words.push_str(&format!(
            " {} connected right now but not named among the allowed principals: they may be members of the organization (membership is not read), or connected before a principal was removed, which does not tear down an accepted endpoint connection.",
            joined(&access.not_named)
        ));
    }
    if let Some(e) = access.perms_unread {
        words.push_str(&format!(
            " Its allowed principals could not be read ({}), so it is assumed open to every AWS account.",
            e.code
        ));
    }
    words
}

/// The fix for a service: check the permissions when they could not be read, remove `*`, reject
/// stale connections, or remove the external principals.
fn privatelink_fix(target: &Target, svc: &EndpointService, access: &ServiceAccess) -> String {
    // Whatever the branch: the partner's few methods belong behind API Gateway.
    let instead = "Publish the partner's methods through API Gateway instead (VPC link to the NLB, IAM auth, a resource policy for one role); if PrivateLink must stay, require acceptance and put authentication in the backend.";
    if access.perms_unread.is_some() {
        format!("Check who may connect to {} (aws ec2 describe-vpc-endpoint-service-permissions --service-id {}) and remove every principal that is not meant to reach the backend; reject the endpoint connections they made. {instead}", svc.service_id, svc.service_id)
    } else if access.everyone {
        format!("Remove `*` from the allowed principals of {} (aws ec2 modify-vpc-endpoint-service-permissions --service-id {} --remove-allowed-principals '*'). {instead}", svc.service_id, svc.service_id)
    } else if !access.stale.is_empty() && access.allowed.is_empty() {
        format!("Reject the endpoint connections of {} from {} (aws ec2 reject-vpc-endpoint-connections --service-id {} --vpc-endpoint-ids ...). {instead}", svc.service_id, joined(&access.stale), svc.service_id)
    } else {
        // Every principal but the owner's own IAM ones: an organization or OU ARN names
        // the management account, which may be the owner, and still lets every member in.
        let owners_own = |p: &str| {
            Arn::parse(p)
                .is_some_and(|arn| arn.service == "iam" && arn.account == target.account_id)
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
    }
}

/// The evidence every finding of a service shares: its permissions and connections.
fn service_evidence(
    svc: &EndpointService,
    access: &ServiceAccess,
    reach: &Reach,
) -> BTreeMap<String, Value> {
    let mut evidence = BTreeMap::new();
    evidence.insert("allowed_principals".into(), json!(svc.allowed_principals));
    if !svc.principal_types.is_empty() {
        evidence.insert("principal_types".into(), json!(svc.principal_types));
    }
    evidence.insert("acceptance_required".into(), json!(svc.acceptance_required));
    evidence.insert("connected_accounts".into(), json!(svc.connected_accounts));
    evidence.insert(
        "connected_not_allowed".into(),
        json!(access.stale.iter().collect::<Vec<_>>()),
    );
    if !access.orgs.is_empty() {
        evidence.insert(
            "connected_not_named".into(),
            json!(access.not_named.iter().collect::<Vec<_>>()),
        );
    }
    if !matches!(reach, Reach::Accounts { .. }) && !access.allowed.is_empty() {
        evidence.insert(
            "allowed_accounts".into(),
            json!(access.allowed.iter().collect::<Vec<_>>()),
        );
    }
    if access.perms_unread.is_some() {
        evidence.insert("allowed_principals_read".into(), json!(false));
    }
    evidence
}

/// A backend an endpoint service publishes: in words, as evidence, the API Gateway methods
/// that publish it too, and its identity.
struct ServedBackend {
    words: String,
    evidence: Value,
    methods: Vec<PublishedMethod>,
    id: String,
}

/// The service's load balancers, as backends (several may merge into one), and those the
/// inventory does not hold: the permissions alone prove the exposure.
fn service_backends(
    target: &Target,
    svc: &EndpointService,
    backends: &[Backend],
    member_of: &HashMap<&str, usize>,
    published: &HashMap<String, Vec<PublishedMethod>>,
) -> Vec<ServedBackend> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let lb_arns = svc
        .network_load_balancer_arns
        .iter()
        .chain(&svc.gateway_load_balancer_arns);
    for lb_arn in lb_arns {
        match member_of.get(lb_arn.as_str()).map(|&i| &backends[i]) {
            Some(b) => {
                if seen.insert(b.id.as_str()) {
                    out.push(ServedBackend {
                        words: backend_words(b),
                        evidence: backend_evidence(b),
                        methods: b.methods.clone(),
                        id: b.id.clone(),
                    });
                }
            }
            None => out.push(unknown_backend(target, lb_arn, published)),
        }
    }
    out
}

/// The backend behind a load balancer the inventory does not hold, and why.
fn unknown_backend(
    target: &Target,
    lb_arn: &str,
    published: &HashMap<String, Vec<PublishedMethod>>,
) -> ServedBackend {
    let why = match target
        .errors
        .iter()
        .find(|e| e.is(Operation::ElbDescribeLoadBalancers))
    {
        Some(e) => format!("the load balancers could not be read ({})", e.code),
        None => "it is not among the load balancers read in this region".into(),
    };
    ServedBackend {
        words: format!("the backend behind load balancer {lb_arn}, unknown because {why}"),
        evidence: json!({"load_balancer": lb_arn, "unknown": true, "why": why}),
        methods: published.get(lb_arn).cloned().unwrap_or_default(),
        id: lb_arn.to_string(),
    }
}
