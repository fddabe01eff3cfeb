//! The words of a Lattice finding: who reaches the service and through what, what the gates
//! say, the backend it bypasses, and the complete fix with the commands for this service.

use super::super::backends::{backend_evidence, backend_words, methods_evidence};
use super::super::published::{sort_methods, PublishedMethod};
use super::bypass::Reached;
use super::routes::{Door, Gate, GateFacts, Route};
use super::verdict::{Broken, ServiceVerdict};
use crate::analysis::{describe_reach, FindingDraft};
use crate::inventory::{LatticeService, Target};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::policy::lattice::{named_principal_accounts, VpcOwner};
use crate::rules::RuleId;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A service as judged: everything a finding about it says.
pub(super) struct Case<'a> {
    pub(super) target: &'a Target,
    pub(super) svc: &'a LatticeService,
    pub(super) service: &'a GateFacts,
    pub(super) routes: &'a [Route<'a>],
    pub(super) verdict: &'a ServiceVerdict,
    pub(super) methods: &'a [String],
    pub(super) reached: &'a Reached<'a>,
}

pub(super) fn finding(c: &Case, b: Broken) -> Finding {
    let auth = if b.rule == RuleId::LatticeUnauthenticatedCrossAccount {
        Auth::None
    } else {
        Auth::AwsIam
    };
    let method = if b.verbs.len() == c.methods.len() {
        "*".to_string()
    } else {
        b.verbs.join(",")
    };
    let path = if b.judged.paths.contains("*") {
        "*".to_string()
    } else {
        b.judged.paths.iter().cloned().collect::<Vec<_>>().join(",")
    };
    let routes: Vec<&Route> = b.judged.routes.iter().map(|&i| &c.routes[i]).collect();
    let unread = unread_reads(c.service, &routes);
    let low_confidence = c.verdict.low_confidence || !unread.is_empty();
    let message = message(c, &b, &routes, &unread);
    let specific_fix = fix(c, &b, &routes);
    let evidence = evidence(c, &b, &routes, &unread);
    FindingDraft {
        rule_id: b.rule,
        account_id: c.target.account_id.clone(),
        region: c.target.region.clone(),
        resource_arn: c.svc.arn.clone(),
        entry_point: EntryPoint::VpcLattice,
        api_id: None,
        stage: None,
        method,
        path,
        reach: b.reach.clone(),
        auth,
        write: b.write,
        message,
        specific_fix,
        low_confidence,
        evidence,
        identity: vec![
            c.target.account_id.clone(),
            c.target.region.clone(),
            c.svc.id.clone(),
        ],
    }
    .build()
}

/// The reads the verdict could not rest on, each assumed open.
fn unread_reads(service: &GateFacts, routes: &[&Route]) -> Vec<String> {
    let mut out: Vec<String> = service.unread.clone();
    for r in routes {
        out.extend(r.unread.iter().cloned());
        out.extend(r.gate.unread.iter().cloned());
    }
    out.sort();
    out.dedup();
    out
}

/// How a gate lets requests through, in words that fit "the service has …".
fn gate_words(g: &GateFacts) -> String {
    match (&g.gate, g.auth_type.as_deref()) {
        (Gate::Policy(_), _) => "auth type AWS_IAM with an auth policy".into(),
        (Gate::Closed, _) => "auth type AWS_IAM with no auth policy (every request denied)".into(),
        (Gate::Open, Some("NONE")) => "auth type NONE".into(),
        (Gate::Open, Some("AWS_IAM")) => {
            "auth type AWS_IAM with an auth policy that could not be read (assumed to let everyone in)".into()
        }
        (Gate::Open, Some(other)) => format!("auth type {other} (not understood: assumed NONE)"),
        (Gate::Open, None) => "an auth type that could not be read (assumed NONE)".into(),
    }
}

fn account_words(owner: &VpcOwner, vpc: &str) -> String {
    match owner {
        VpcOwner::Account(a) => format!("{vpc} of account {a}"),
        VpcOwner::Unknown => format!("{vpc} of an account outside the audit"),
        VpcOwner::AnyAccount => format!("{vpc} of any account"),
    }
}

/// One way in, in words: what the service network is, what is associated with it and who it
/// is shared with.
fn route_words(r: &Route) -> String {
    match &r.door {
        Door::Network { network, owner } => {
            let mut parts = Vec::new();
            if !r.vpcs.is_empty() {
                let vpcs: Vec<String> = (r.vpcs.iter())
                    .map(|v| account_words(&v.owner, &v.vpc_id))
                    .collect();
                parts.push(format!("VPC {} is associated with it", vpcs.join(", VPC ")));
            }
            if let Some(with) = r.shared_with.as_ref().filter(|w| w.beyond_owner()) {
                parts.push(format!(
                    "its resource policy (an AWS RAM share) lets {} associate their own VPCs at will",
                    describe_reach(with)
                ));
            }
            let facts = if parts.is_empty() {
                String::new()
            } else {
                format!(": {}", parts.join(", and "))
            };
            format!(
                "service network {} ({}, account {owner}, {}){facts}",
                network.name,
                network.id,
                gate_words(&r.gate)
            )
        }
        Door::UnreadNetwork { id, owner, .. } => format!(
            "service network {id}{}, whose associations, shares and auth were not read",
            owner
                .as_deref()
                .map(|o| format!(" of account {o}"))
                .unwrap_or_default()
        ),
        Door::SharedService { with } => format!(
            "the service networks of {}, with whom the service itself is shared (its resource policy lets them add it to their own networks, with their own VPCs and auth)",
            describe_reach(with)
        ),
        Door::UnknownNetworks => {
            "service networks that could not be listed (any network, with any VPC)".into()
        }
    }
}

fn message(c: &Case, b: &Broken, routes: &[&Route], unread: &[String]) -> String {
    let verbs = if b.verbs.len() == c.methods.len() {
        "with every verb".to_string()
    } else {
        format!("with {}", b.verbs.join(", "))
    };
    let paths = if b.judged.paths.contains("*") {
        "on every path".to_string()
    } else {
        format!(
            "on {}",
            b.judged
                .paths
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let how = if b.rule == RuleId::LatticeUnauthenticatedCrossAccount {
        "without authenticating"
    } else {
        "with IAM (SigV4) authentication"
    };
    let through: Vec<String> = routes.iter().map(|r| route_words(r)).collect();
    let policies = if b.judged.explanation.is_empty() {
        String::new()
    } else {
        format!(" The auth policies: {}.", b.judged.explanation)
    };
    let not_read = if unread.is_empty() {
        String::new()
    } else {
        format!(" Not read, so assumed open: {}.", unread.join("; "))
    };
    let until = match &b.change {
        None => String::new(),
        Some(change) => format!(
            " This holds until {} (from then on: {}).",
            change.at,
            describe_reach(&change.reach)
        ),
    };
    format!(
        "VPC Lattice service {} ({}) in {}/{} can be called by {} {how}, {verbs} {paths}, through {}.{until} The service has {}.{policies}{not_read} {} {}",
        c.svc.name,
        c.svc.id,
        c.target.account_id,
        c.target.region,
        describe_reach(&b.reach),
        through.join("; and through "),
        gate_words(c.service),
        bypass_words(c.reached),
        b.rule.rule().impact,
    )
}

/// The API Gateway methods the service bypasses, or why that is unknown.
fn bypass_words(reached: &Reached) -> String {
    let methods = bypassed_methods(reached);
    let mut out = if reached.target_groups.is_empty() {
        "No target group routes for it, so it bypasses no API Gateway method that is known."
            .to_string()
    } else if reached.backends.is_empty() {
        "Its target groups reach no private backend that API Gateway publishes.".to_string()
    } else {
        let backends: Vec<String> = reached.backends.iter().map(|b| backend_words(b)).collect();
        let list: Vec<String> = methods
            .iter()
            .take(8)
            .map(|m| {
                format!(
                    "{} {} on REST API {} ({}, {})",
                    m.method, m.path, m.api_name, m.api_id, m.authorization_type
                )
            })
            .collect();
        let published = if list.is_empty() {
            "no API Gateway method publishes it".to_string()
        } else {
            format!(
                "the same backend is published through API Gateway as {}{}; this path bypasses their authentication and verb restrictions",
                list.join(", "),
                super::super::backends::and_more(methods.len(), 8, "")
            )
        };
        format!(
            "Its target groups reach {}: {published}.",
            backends.join(", and ")
        )
    };
    if !reached.unread.is_empty() {
        let groups: Vec<&str> = reached.unread.iter().map(|g| g.id.as_str()).collect();
        out.push_str(&format!(
            " The targets of {} could not be read, so it may reach other backends too.",
            groups.join(", ")
        ));
    }
    out
}

fn bypassed_methods(reached: &Reached) -> Vec<PublishedMethod> {
    let mut methods: Vec<PublishedMethod> = reached
        .backends
        .iter()
        .flat_map(|b| b.methods.iter().cloned())
        .collect();
    sort_methods(&mut methods);
    methods
}

/// The auth policy a fix puts on the service: the partner principals the current policy
/// names (else a placeholder to fill in), signed requests only, and for a write rule only
/// the read methods.
fn narrow_policy(c: &Case, reads_only: bool) -> String {
    let current = match &c.service.gate {
        Gate::Policy(doc) => named_principal_accounts(doc),
        _ => vec![],
    };
    let partners: Vec<String> = current
        .iter()
        .filter(|a| **a != c.target.account_id)
        .map(|a| format!("arn:aws:iam::{a}:root"))
        .collect();
    let principal = if partners.is_empty() {
        json!("arn:aws:iam::PARTNER_ACCOUNT_ID:role/PARTNER_ROLE")
    } else {
        json!(partners)
    };
    let mut condition = json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalType": "anonymous"}});
    if reads_only {
        condition["StringEquals"] = json!({"vpc-lattice-svcs:RequestMethod": ["GET", "HEAD"]});
    }
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "vpc-lattice-svcs:Invoke",
            "Resource": format!("{}/*", c.svc.arn),
            "Condition": condition,
        }]
    });
    policy.to_string()
}

/// The commands that put a narrow auth policy on the service (requiring IAM first when it
/// has none).
fn auth_policy_commands(c: &Case, reads_only: bool) -> String {
    let id = &c.svc.id;
    let put = format!(
        "aws vpc-lattice put-auth-policy --resource-identifier {id} --policy '{}'",
        narrow_policy(c, reads_only)
    );
    if c.service.auth_type.as_deref() == Some("AWS_IAM") {
        put
    } else {
        format!("aws vpc-lattice update-service --service-identifier {id} --auth-type AWS_IAM, then {put}")
    }
}

/// The commands that take the other accounts' ways in away: their VPC associations, and the
/// shares of the networks (and of the service).
fn reach_commands(c: &Case, routes: &[&Route]) -> Vec<String> {
    let mut out = Vec::new();
    for r in routes {
        match &r.door {
            Door::Network { network, .. } => {
                for v in &r.vpcs {
                    out.push(format!(
                        "aws vpc-lattice delete-service-network-vpc-association --service-network-vpc-association-identifier {} (VPC {})",
                        v.association_id, v.vpc_id
                    ));
                }
                if r.shared_with.as_ref().is_some_and(Reach::beyond_owner) {
                    out.push(unshare(&network.arn));
                }
            }
            Door::SharedService { .. } => out.push(unshare(&c.svc.arn)),
            Door::UnreadNetwork { id, .. } => out.push(format!(
                "review service network {id} with its owner, or take the service out of it (aws vpc-lattice list-service-network-service-associations --service-identifier {} names the association; aws vpc-lattice delete-service-network-service-association --service-network-service-association-identifier ASSOCIATION_ID)",
                c.svc.id
            )),
            Door::UnknownNetworks => {}
        }
    }
    out.dedup();
    out
}

fn unshare(arn: &str) -> String {
    format!(
        "stop sharing {arn} (aws ram list-resources --resource-owner SELF --resource-arns {arn} names its resource share; aws ram disassociate-resource-share --resource-share-arn SHARE_ARN --principals ACCOUNT_ID; a resource policy put without RAM: aws vpc-lattice delete-resource-policy --resource-arn {arn})"
    )
}

/// The rule's remediation with this service's commands: the auth policy to put (read methods
/// only for a write rule), and the associations and shares that let other accounts in.
fn fix(c: &Case, b: &Broken, routes: &[&Route]) -> String {
    // A write rule keeps the grant to the read methods; the others narrow who, not what.
    let reads_only = matches!(
        b.rule,
        RuleId::LatticeWriteAnyAwsAccount
            | RuleId::LatticeWriteExternalAccounts
            | RuleId::LatticeWriteOrganization
    );
    let mut reach = reach_commands(c, routes);
    if reach.is_empty() {
        reach.push(format!(
            "take the service out of the networks other accounts reach (aws vpc-lattice list-service-network-service-associations --service-identifier {} names them; aws vpc-lattice delete-service-network-service-association --service-network-service-association-identifier ASSOCIATION_ID)",
            c.svc.id
        ));
    }
    b.rule.rule().fix(&[
        (
            "service",
            format!("VPC Lattice service {} ({})", c.svc.name, c.svc.id),
        ),
        ("lattice_auth", auth_policy_commands(c, reads_only)),
        ("lattice_reach", reach.join("; ")),
    ])
}

fn route_evidence(r: &Route) -> Value {
    let (kind, network) = match &r.door {
        Door::Network { network, owner } => (
            "service_network",
            json!({"id": network.id, "arn": network.arn, "name": network.name, "owner": owner}),
        ),
        Door::UnreadNetwork { id, arn, owner } => (
            "unread_service_network",
            json!({"id": id, "arn": arn, "owner": owner}),
        ),
        Door::SharedService { with } => ("shared_service", json!({"shared_with": with.label()})),
        Door::UnknownNetworks => ("unknown_service_networks", json!({})),
    };
    json!({
        "kind": kind,
        "network": network,
        "auth_type": r.gate.auth_type,
        "external_vpcs": r.vpcs.iter().map(|v| json!({
            "vpc_id": v.vpc_id,
            "association_id": v.association_id,
            "owner": match &v.owner { VpcOwner::Account(a) => a.clone(), _ => "unknown".into() },
        })).collect::<Vec<_>>(),
        "shared_with": r.shared_with.as_ref().map(Reach::label),
    })
}

fn evidence(c: &Case, b: &Broken, routes: &[&Route], unread: &[String]) -> BTreeMap<String, Value> {
    let mut e = BTreeMap::new();
    e.insert(
        "service".into(),
        json!({"id": c.svc.id, "name": c.svc.name, "auth_type": c.service.auth_type}),
    );
    e.insert(
        "through".into(),
        json!(routes.iter().map(|r| route_evidence(r)).collect::<Vec<_>>()),
    );
    e.insert("verbs".into(), json!(b.verbs));
    if let Some(change) = &b.change {
        e.insert(
            "reach_change".into(),
            json!({"at": change.at, "reach": change.reach.label()}),
        );
    }
    e.insert("paths".into(), json!(b.judged.paths));
    if !b.judged.allowing.is_empty() {
        e.insert("allowing_statements".into(), json!(b.judged.allowing));
    }
    if !unread.is_empty() {
        e.insert("unread".into(), json!(unread));
    }
    if !c.verdict.unevaluated.is_empty() {
        e.insert("unevaluated".into(), json!(c.verdict.unevaluated));
    }
    if !c.reached.target_groups.is_empty() {
        e.insert(
            "target_groups".into(),
            json!(c
                .reached
                .target_groups
                .iter()
                .map(|g| json!({
                    "id": g.id, "name": g.name, "type": g.target_type,
                    "targets": g.targets.iter().map(|t| match t.port {
                        Some(p) => format!("{}:{p}", t.id),
                        None => t.id.clone(),
                    }).collect::<Vec<_>>(),
                    "targets_read": g.targets_read,
                }))
                .collect::<Vec<_>>()),
        );
    }
    if !c.reached.backends.is_empty() {
        e.insert(
            "backends".into(),
            json!(c
                .reached
                .backends
                .iter()
                .map(|b| backend_evidence(b))
                .collect::<Vec<_>>()),
        );
        let methods = bypassed_methods(c.reached);
        if !methods.is_empty() {
            e.insert("bypassed_methods".into(), methods_evidence(&methods));
        }
    }
    e
}
