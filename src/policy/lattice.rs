//! VPC Lattice: auth policies (`vpc-lattice-svcs:Invoke`) and shares (the resource policy AWS
//! RAM writes on a service or service network), judged by the same engine as execute-api
//! resource policies.
//!
//! A request to a Lattice service names the service and its path (the policy's resource is
//! `arn:…:service/<svc-id>/<path>`) and carries, as condition keys, its method, path, service
//! and service network, the VPC it comes from and that VPC's owner, and its caller: a signed
//! principal, or nobody (Lattice admits unsigned requests where a policy lets `*` in). The
//! request's own facts are fixed per query, so conditions on them are decided before probing;
//! the probes then vary the caller and the VPC, as they vary callers and endpoints for
//! execute-api. Which VPCs a request can come from is not the policy's to say but the service
//! network's (its VPC associations and shares): the caller of [`invoke_reach`] names them.
//!
//! Headers and query strings are the caller's to choose: a condition on them lets in whoever
//! wants in (an Allow holds, a Deny is avoided), as an API key does.

use super::classify::classify_through;
use super::document::{
    BaseOp, Condition, Effect, Operator, Patterns, PrincipalItem, PrincipalSpec, Statement,
};
use super::keys::{Env, Service};
use super::probes::{sources, vocabulary, MAX_MENTIONED};
use super::reference::{
    value_matches, ConditionTruth, CoveringStatements, NetworkSource, SourceOwner,
};
use super::{
    glob, CallerKind, Network, PolicyDocument, PolicyMode, ReachContext, ReachQuery, ReachVerdict,
};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The action of a request to a Lattice service.
pub const INVOKE: &str = "vpc-lattice-svcs:Invoke";
/// What a share of a service network grants: associating one's own VPCs with it.
pub const ASSOCIATE_VPC: &str = "vpc-lattice:CreateServiceNetworkVpcAssociation";
/// What a share of a service grants: adding it to one's own service networks.
pub const ASSOCIATE_SERVICE: &str = "vpc-lattice:CreateServiceNetworkServiceAssociation";

/// The verbs every service is probed with; the policies' `RequestMethod` values are added.
const VERBS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];
/// A path nobody names: it stands for every path no policy singles out.
pub const FRESH_PATH: &str = "/overexposed-probe";
const FRESH_VPC: &str = "vpc-0overexposedprobe";

/// Who owns a VPC a request can come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcOwner {
    Account(String),
    /// Some account the audit cannot name.
    Unknown,
    /// Any account at all: with no VPC id, any VPC of any account.
    AnyAccount,
}

/// A VPC a request can come from: a named one, or (`vpc_id: None`) any VPC of its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVpc {
    pub vpc_id: Option<String>,
    pub owner: VpcOwner,
}

/// A request to a Lattice service, as its auth policies see it.
#[derive(Debug, Clone, Copy)]
pub struct InvokeRequest<'a> {
    pub service_arn: &'a str,
    /// The service network it comes through (`vpc-lattice-svcs:ServiceNetworkArn`), when known.
    pub network_arn: Option<&'a str>,
    pub method: &'a str,
    /// `/orders/1`.
    pub path: &'a str,
    /// The instant it is made at (`aws:CurrentTime`, `aws:EpochTime`): the scan's start, or
    /// `--at`; `None`: time conditions are unknown.
    pub at: Option<OffsetDateTime>,
}

/// Which callers of `caller`'s kind, coming from the VPCs `from`, the auth policy `doc` lets
/// invoke `request`. A caller let in only from the VPCs of named accounts reaches as those
/// accounts (`unknown:<vpc>` for a VPC of an account the audit cannot name); the owner's own
/// VPCs never make a caller external. Callable on its own: whoever can become a caller of some
/// class asks this.
pub fn invoke_reach(
    doc: &PolicyDocument,
    request: &InvokeRequest,
    caller: CallerKind,
    owner: &str,
    from: &[SourceVpc],
) -> ReachVerdict {
    let resource = format!(
        "{}/{}",
        request.service_arn,
        request.path.trim_start_matches('/')
    );
    let decided = decided_statements(doc, INVOKE, &resource, Some(request));
    let covering = covering(&decided);
    let vocab = vocabulary(&covering);
    let mut probes: Vec<NetworkSource> = from.iter().map(network_source).collect();
    let capped = probes.len() > 4 * MAX_MENTIONED;
    probes.truncate(4 * MAX_MENTIONED);
    let query = ReachQuery {
        resource_arn: &resource,
        caller,
        mode: PolicyMode::AllowRequired,
        // A request no VPC limits comes from any account's VPC, never from the internet.
        network: Network::PrivateVpce,
    };
    let env = Env {
        service: Service::LatticeInvoke,
        at: request.at,
        // `arn:aws:vpc-lattice:<region>:…`
        region: request.service_arn.split(':').nth(3).unwrap_or(""),
        owner_account: owner,
    };
    classify_through(&covering, &query, owner, env, vocab, (probes, capped))
}

/// Who a resource policy lets perform `action` on `resource_arn`: for a share, who may
/// associate their own VPCs with a service network (or a service with their own networks).
pub fn share_reach(
    doc: &PolicyDocument,
    action: &str,
    resource_arn: &str,
    owner: &str,
    region: &str,
) -> ReachVerdict {
    let decided = decided_statements(doc, action, resource_arn, None);
    let covering = covering(&decided);
    let vocab = vocabulary(&covering);
    let nowhere = |_: &str| None;
    let ctx = ReachContext {
        owner_account: owner,
        region,
        at: None,
        vpce_owner: &nowhere,
        vpc_owner: &nowhere,
        vpce_vpc: &nowhere,
    };
    // The associating call is made over the internet, from wherever the grantee likes.
    let probes = sources(&vocab, Network::Public, &ctx);
    let query = ReachQuery {
        resource_arn,
        caller: CallerKind::Authenticated,
        mode: PolicyMode::AllowRequired,
        network: Network::Public,
    };
    // A control-plane call of AWS RAM's grantee: no `vpc-lattice-svcs:` key; its instant is not
    // known here.
    let env = Env {
        service: Service::Aws,
        at: None,
        region,
        owner_account: owner,
    };
    classify_through(&covering, &query, owner, env, vocab, probes)
}

/// The VPCs and VPC owner accounts the policies name in `SourceVpc`/`SourceVpcOwnerAccount`
/// conditions (sorted, at most [`MAX_MENTIONED`] of each): each may be where a caller comes
/// from, so each becomes a probe when the network lets its owner in.
pub fn mentioned_sources(docs: &[&PolicyDocument]) -> (Vec<String>, Vec<String>) {
    let mut vpcs = BTreeSet::new();
    let mut owners = BTreeSet::new();
    for c in docs
        .iter()
        .flat_map(|d| &d.statements)
        .flat_map(|s| &s.conditions)
    {
        if !compares_values(c) {
            continue;
        }
        let into = match c.key.as_str() {
            "vpc-lattice-svcs:sourcevpc" | "aws:sourcevpc" => &mut vpcs,
            "vpc-lattice-svcs:sourcevpcowneraccount" => &mut owners,
            _ => continue,
        };
        into.extend(c.values.iter().filter(|v| !v.contains(['*', '?'])).cloned());
    }
    let first = |set: BTreeSet<String>| set.into_iter().take(MAX_MENTIONED).collect();
    (first(vpcs), first(owners))
}

/// The accounts the policies name as principals (bare ids, `:root` and principal ARNs with a
/// plain account), sorted: the partners a fix should keep.
pub fn named_principal_accounts(doc: &PolicyDocument) -> Vec<String> {
    let mut out = BTreeSet::new();
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        if let PrincipalSpec::Principal(items) = &s.principal {
            for item in items {
                match item {
                    PrincipalItem::Account(a) => {
                        out.insert(a.clone());
                    }
                    PrincipalItem::Arn(arn) => out.extend(super::arn_account(arn)),
                    _ => {}
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The verbs to probe a service with: the usual ones and every `RequestMethod` the policies
/// name (upper case, as requests carry them).
pub fn probe_methods(docs: &[&PolicyDocument]) -> Vec<String> {
    let mut out: Vec<String> = VERBS.iter().map(|v| v.to_string()).collect();
    for v in condition_values(docs, "vpc-lattice-svcs:requestmethod") {
        let verb = v.to_ascii_uppercase();
        if !verb.contains(['*', '?'])
            && !out.contains(&verb)
            && out.len() < VERBS.len() + MAX_MENTIONED
        {
            out.push(verb);
        }
    }
    out
}

/// The paths to probe a service with, each with how a finding shows it: one nobody names
/// (shown `*`: every path no policy singles out), and an instance of every path pattern the
/// policies name (`RequestPath` values, and the path part of `service/<id>/…` resources),
/// wildcards filled with `x` (shown as the pattern).
pub fn probe_paths(docs: &[&PolicyDocument]) -> Vec<(String, String)> {
    let mut patterns: BTreeSet<String> = condition_values(docs, "vpc-lattice-svcs:requestpath")
        .into_iter()
        .collect();
    for s in docs.iter().flat_map(|d| &d.statements) {
        let (Patterns::Is(resources) | Patterns::Not(resources)) = &s.resource;
        for r in resources {
            if let Some(path) = resource_path(r) {
                patterns.insert(path);
            }
        }
    }
    let mut out = vec![(FRESH_PATH.to_string(), "*".to_string())];
    for p in patterns.into_iter().take(MAX_MENTIONED) {
        let shown = format!("/{}", p.trim_start_matches('/'));
        let probe = shown.replace(['*', '?'], "x");
        if !out.iter().any(|(known, _)| *known == probe) {
            out.push((probe, shown));
        }
    }
    out
}

/// The path part of a `…:service/<svc-id>/<path>` resource pattern, when it has one.
fn resource_path(resource: &str) -> Option<String> {
    let (_, rest) = resource.split_once(":service/")?;
    let (_, path) = rest.split_once('/')?;
    (!path.is_empty() && path != "*").then(|| path.to_string())
}

/// Known operators comparing values (not `Null`, whose values are not identifiers).
fn compares_values(c: &Condition) -> bool {
    matches!(&c.operator, Operator::Known { base, .. } if *base != BaseOp::Null)
}

fn condition_values(docs: &[&PolicyDocument], key: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for c in docs
        .iter()
        .flat_map(|d| &d.statements)
        .flat_map(|s| &s.conditions)
    {
        if c.key == key && compares_values(c) {
            out.extend(c.values.iter().cloned());
        }
    }
    out.into_iter().collect()
}

fn network_source(s: &SourceVpc) -> NetworkSource {
    let vpc = s.vpc_id.clone().unwrap_or_else(|| FRESH_VPC.to_string());
    let owner = match &s.owner {
        VpcOwner::Account(a) => SourceOwner::Account(a.clone()),
        VpcOwner::Unknown => SourceOwner::Unknown(vpc.clone()),
        VpcOwner::AnyAccount => SourceOwner::Fresh,
    };
    NetworkSource {
        ip: None,
        vpce: None,
        vpc: Some(vpc),
        owner,
        cidr: None,
    }
}

fn covering(decided: &[(usize, Statement)]) -> CoveringStatements<'_> {
    let mut c = CoveringStatements {
        allows: vec![],
        denies: vec![],
        positions: vec![],
    };
    for (position, s) in decided {
        c.positions.push(*position);
        match s.effect {
            Effect::Allow => c.allows.push(s),
            Effect::Deny => c.denies.push(s),
        }
    }
    c
}

/// The statements that cover `action` on `resource` (a concrete ARN), with their position,
/// and, for a request, their conditions on its own facts decided: a statement whose such
/// condition fails is dropped, one that holds is dropped from the statement, one the engine
/// cannot evaluate is kept (the probes then treat it as unknown, never narrowing).
fn decided_statements(
    doc: &PolicyDocument,
    action: &str,
    resource: &str,
    request: Option<&InvokeRequest>,
) -> Vec<(usize, Statement)> {
    let mut out = Vec::new();
    for (position, s) in doc.statements.iter().enumerate() {
        let action_ok = match &s.action {
            Patterns::Is(p) => p.iter().any(|a| glob::glob(a, action, true)),
            Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, action, true)),
        };
        let resource_ok = match &s.resource {
            Patterns::Is(p) => p.iter().any(|r| glob::glob(r, resource, false)),
            Patterns::Not(p) => !p.iter().any(|r| glob::glob(r, resource, false)),
        };
        if !action_ok || !resource_ok {
            continue;
        }
        let Some(request) = request else {
            out.push((position, s.clone()));
            continue;
        };
        let mut kept = Vec::new();
        let mut applies = true;
        for c in &s.conditions {
            match (request_fact(&c.key, request), caller_chosen(&c.key)) {
                (Some(value), _) => match fact_condition(c, value) {
                    ConditionTruth::True => {}
                    ConditionTruth::False => applies = false,
                    ConditionTruth::Unknown => kept.push(c.clone()),
                },
                // The caller sends what gets it in, and what keeps a Deny away.
                (None, true) if s.effect == Effect::Deny => applies = false,
                (None, true) => {}
                (None, false) => kept.push(c.clone()),
            }
        }
        if applies {
            out.push((
                position,
                Statement {
                    conditions: kept,
                    ..s.clone()
                },
            ));
        }
    }
    out
}

/// The value a request gives a condition key about itself, if the key is one of those.
fn request_fact<'r>(key: &str, request: &InvokeRequest<'r>) -> Option<&'r str> {
    match key {
        "vpc-lattice-svcs:requestmethod" => Some(request.method),
        "vpc-lattice-svcs:requestpath" => Some(request.path),
        "vpc-lattice-svcs:servicearn" => Some(request.service_arn),
        "vpc-lattice-svcs:servicenetworkarn" => request.network_arn,
        _ => None,
    }
}

fn caller_chosen(key: &str) -> bool {
    key.starts_with("vpc-lattice-svcs:requestheader/")
        || key.starts_with("vpc-lattice-svcs:requestquerystring/")
}

/// A condition on a key the request holds once, with `value`: for a single value every set
/// operator agrees, negated operators being true when nothing matches.
fn fact_condition(c: &Condition, value: &str) -> ConditionTruth {
    let Operator::Known { base, .. } = &c.operator else {
        return ConditionTruth::Unknown;
    };
    if *base == BaseOp::Null {
        // The key is present: `Null: true` fails, `Null: false` holds.
        return ConditionTruth::from(!c.values.iter().any(|v| v.eq_ignore_ascii_case("true")));
    }
    let arn_operator = matches!(
        base,
        BaseOp::ArnEquals | BaseOp::ArnLike | BaseOp::ArnNotEquals | BaseOp::ArnNotLike
    );
    if arn_operator
        && c.values
            .iter()
            .any(|v| glob::arn_like(v, "arn:aws:iam::000000000000:root").is_none())
    {
        return ConditionTruth::Unknown;
    }
    let hit = c.values.iter().any(|pv| value_matches(*base, pv, value));
    ConditionTruth::from(hit != base.negated())
}

/// The instants after `now` at which a verdict on `docs` may change (their `aws:CurrentTime` /
/// `aws:EpochTime` dates, and just after each), ascending and bounded: re-judging at each tells
/// when a grant expires or starts.
pub fn time_boundaries(docs: &[&PolicyDocument], now: OffsetDateTime) -> Vec<OffsetDateTime> {
    super::clock::boundaries(docs.iter().flat_map(|d| d.statements.iter()), now)
}

#[cfg(test)]
mod tests;
