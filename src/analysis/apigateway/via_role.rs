//! Trust paths into IAM-authenticated methods and routes: outsiders who can become a role of
//! the owner account that can call the method (see `analysis::roles`).
//!
//! The API Gateway flow still applies to the role's calls: for a REST API the role is a
//! same-account caller, so its own policies' Allow (or the resource policy's) suffices unless
//! something denies it, and the resource policy's network conditions bind it; for an HTTP API
//! route with `AWS_IAM`, the role's policies decide. One finding per method (or route), stage
//! and rule, like a direct verdict; its reach names the roles (`accounts:[…] via role/…`).
//!
//! Rules, by who reaches the role: a public web identity provider with no subject pinned
//! (anyone on the internet: reads and writes), any AWS account (reads and writes), named
//! accounts or an organization outside (writes), the organization's own or trusted accounts
//! (writes, low). Reads by named partners, inside or out, are the intended design.

use super::classify::covering_write_rule;
use super::verdict::{method_arn, ANY_VERBS};
use crate::analysis::roles::{Entry, Invoker, RoleCallers};
use crate::analysis::{describe_reach, FindingDraft, VpcOwnership};
use crate::arn::partition_of;
use crate::inventory::{ApiResource, HttpApi, HttpRoute, RestApi, RestMethod, Target};
use crate::model::{is_write_verb, role_name, Auth, EntryPoint, Finding, Reach, RolePath};
use crate::policy::{CallNetworks, Network, PolicyDocument};
use crate::rules::RuleId;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Evidence note: what the verdict did not read.
const SCP_NOTE: &str = "SCPs not considered: service control policies (and session policies) were not read; one may still deny these calls, none is assumed to";

/// The rule one entry into a role breaks when the role can call a verb, if any.
fn rule_for(entry: &Entry, write: bool) -> Option<RuleId> {
    match (&entry.who, entry.inside, write) {
        (Reach::Internet, _, true) => Some(RuleId::ApigwWriteViaWebIdentity),
        (Reach::Internet, _, false) => Some(RuleId::ApigwReadViaWebIdentity),
        (Reach::AnyAwsAccount, _, true) => Some(RuleId::ApigwWriteViaRoleAnyAccount),
        (Reach::AnyAwsAccount, _, false) => Some(RuleId::ApigwReadViaRoleAnyAccount),
        (_, true, true) => Some(RuleId::ApigwWriteViaRoleInOrganization),
        (_, false, true) => Some(RuleId::ApigwWriteViaAssumableRole),
        // A read by named partners (or the organization) is the intended design.
        (_, _, false) => None,
    }
}

/// One path outsiders take, with what explains it.
#[derive(Debug, Clone, PartialEq)]
struct PathDetail {
    path: RolePath,
    explanation: String,
    networks: CallNetworks,
    caller_set: Vec<String>,
    provider: Option<String>,
    /// The last role's policies that could not be read (taken as allowing everything).
    unreadable: Vec<String>,
}

/// What one rule holds for a method on one stage.
#[derive(Debug, Clone, PartialEq)]
struct Hit {
    through: Reach,
    /// Everyone it names is inside the organization or trusted.
    inside: bool,
    verbs: Vec<String>,
    paths: Vec<PathDetail>,
    low_confidence: bool,
    unevaluated: BTreeSet<String>,
}

impl Hit {
    fn write(&self) -> bool {
        self.verbs.iter().any(|v| is_write_verb(v))
    }

    /// Drops the paths that only extend another path of the same hit: when the entry role
    /// (or an earlier one) can call the method itself, the roles it goes on to assume add no
    /// one (an administration role that may assume every role of its account is reported once).
    fn drop_longer_chains(&mut self) {
        let chains: Vec<Vec<String>> = self.paths.iter().map(|p| p.path.chain.clone()).collect();
        self.paths.retain(|p| {
            !chains
                .iter()
                .any(|c| c.len() < p.path.chain.len() && p.path.chain.starts_with(c))
        });
    }

    fn absorb(&mut self, other: Hit) {
        self.through = union(self.through.clone(), other.through);
        self.inside &= other.inside;
        for v in other.verbs {
            if !self.verbs.contains(&v) {
                self.verbs.push(v);
            }
        }
        self.verbs
            .sort_by_key(|verb| ANY_VERBS.iter().position(|x| x == verb));
        for p in other.paths {
            // The same chain through another verb: one path, with every statement that grants.
            match self.paths.iter_mut().find(|q| {
                q.path.chain == p.path.chain && q.path.trust_statement == p.path.trust_statement
            }) {
                Some(q) => {
                    let statements = &mut q.path.permission_statements;
                    statements.extend(p.path.permission_statements);
                    statements.sort();
                    statements.dedup();
                    if p.networks == CallNetworks::Any {
                        q.networks = CallNetworks::Any;
                    }
                }
                None => self.paths.push(p),
            }
        }
        self.low_confidence |= other.low_confidence;
        self.unevaluated.extend(other.unevaluated);
    }
}

/// The wider of two reaches; of two of the same kind, the union of their members.
fn union(a: Reach, b: Reach) -> Reach {
    let merged = |x: &[String], y: &[String]| -> Vec<String> {
        let set: BTreeSet<String> = x.iter().chain(y).cloned().collect();
        set.into_iter().collect()
    };
    match (&a, &b) {
        (Reach::Accounts { accounts: x }, Reach::Accounts { accounts: y }) => Reach::Accounts {
            accounts: merged(x, y),
        },
        (Reach::Organization { org_ids: x }, Reach::Organization { org_ids: y }) => {
            Reach::Organization {
                org_ids: merged(x, y),
            }
        }
        _ if b.width() > a.width() => b,
        _ => a,
    }
}

/// The rules a method breaks on one stage, through its verbs: `arn_of(verb)` is the method's
/// ARN for a verb (the path as a template).
fn hits(
    callers: &RoleCallers,
    ownership: &VpcOwnership,
    account: &str,
    verbs: &[String],
    arn_of: impl Fn(&str) -> String,
    resource_policy: Option<&PolicyDocument>,
    network: Network,
) -> BTreeMap<RuleId, Hit> {
    let mut out: BTreeMap<RuleId, Hit> = BTreeMap::new();
    for verb in verbs {
        let arn = arn_of(verb);
        for invoker in callers.invokers(account, &arn, resource_policy, network, ownership) {
            for entry in &invoker.role.entries {
                let Some(rule) = rule_for(entry, is_write_verb(verb)) else {
                    continue;
                };
                let hit = hit_of(&invoker, entry, verb);
                match out.get_mut(&rule) {
                    Some(existing) => existing.absorb(hit),
                    None => {
                        out.insert(rule, hit);
                    }
                }
            }
        }
    }
    // A read rule whose write rule holds too says nothing more (the same class of who).
    let reads: Vec<RuleId> = out.keys().copied().collect();
    for read in reads {
        let Some(write) = covering_write_rule(read).filter(|w| out.contains_key(w)) else {
            continue;
        };
        if let Some(r) = out.remove(&read) {
            out.get_mut(&write).expect("present").absorb(r);
        }
    }
    for hit in out.values_mut() {
        hit.drop_longer_chains();
    }
    out
}

fn hit_of(invoker: &Invoker, entry: &Entry, verb: &str) -> Hit {
    let mut unevaluated: BTreeSet<String> = entry.unevaluated.iter().cloned().collect();
    unevaluated.extend(invoker.invoke.unevaluated.iter().cloned());
    Hit {
        through: entry.who.clone(),
        inside: entry.inside,
        verbs: vec![verb.to_string()],
        paths: vec![PathDetail {
            path: invoker.path(entry),
            explanation: entry.explanation.clone(),
            networks: invoker.invoke.networks.clone(),
            caller_set: entry.caller_set.clone(),
            provider: entry.provider.clone(),
            unreadable: invoker.role.unreadable.clone(),
        }],
        low_confidence: entry.low_confidence
            || invoker.invoke.low_confidence
            || !invoker.role.unreadable.is_empty(),
        unevaluated,
    }
}

/// The verbs a method or route accepts: `ANY` is each of them.
fn verbs_of(verb: &str) -> Vec<String> {
    if verb == "ANY" {
        ANY_VERBS.iter().map(|v| v.to_string()).collect()
    } else {
        vec![verb.to_string()]
    }
}

/// One REST API method as `rest` judges it.
pub(super) struct RestMethodView<'a> {
    pub target: &'a Target,
    pub api: &'a RestApi,
    pub doc: Option<&'a PolicyDocument>,
    pub network: Network,
    /// The stages it is judged on (reachable ones, or candidates when unknown).
    pub stages: &'a [String],
    pub stages_unknown: bool,
    pub resource: &'a ApiResource,
    pub method: &'a RestMethod,
}

/// The trust-path findings of one IAM-authenticated REST method.
pub(super) fn rest_method(
    callers: &RoleCallers,
    ownership: &VpcOwnership,
    m: &RestMethodView,
) -> Vec<Finding> {
    let target = m.target;
    // A private API with no resource policy lets no one in, whoever they become.
    if !callers.read(&target.account_id) || (m.network == Network::PrivateVpce && m.doc.is_none()) {
        return vec![];
    }
    let verb = &m.method.http_method;
    let verbs = verbs_of(verb);
    // Stages unknown: some stage, whichever the grants name (a template segment).
    let stages: Vec<String> = if m.stages_unknown {
        vec!["{stage}".to_string()]
    } else {
        m.stages.to_vec()
    };
    let mut per_stage: Vec<(String, BTreeMap<RuleId, Hit>)> = stages
        .iter()
        .map(|stage| {
            let found = hits(
                callers,
                ownership,
                &target.account_id,
                &verbs,
                |v| method_arn(target, &m.api.id, stage, v, &m.resource.path),
                m.doc,
                m.network,
            );
            (stage.clone(), found)
        })
        .collect();
    if per_stage.len() > 1 && per_stage.windows(2).all(|w| w[0].1 == w[1].1) {
        per_stage.truncate(1);
        per_stage[0].0 = "*".into();
    }
    let mut out = Vec::new();
    for (stage, found) in per_stage {
        let stage = if stage == "{stage}" {
            "*".to_string()
        } else {
            stage
        };
        for (rule, hit) in found {
            let place = Place {
                target,
                entry_point: EntryPoint::ApiGatewayRest,
                api_id: &m.api.id,
                api_words: format!(
                    "REST API {} ({}, {})",
                    m.api.name,
                    m.api.id,
                    m.api.endpoint_types.join(",")
                ),
                stage: &stage,
                stage_words: super::prose::stage_words(
                    &stage,
                    m.stages_unknown,
                    "every deployed stage",
                ),
                verb,
                path: &m.resource.path,
                identity_key: format!("{verb} {}", m.resource.path),
                authorization_type: &m.method.authorization_type,
                rest_api_with_policy: m.api.policy.is_some(),
            };
            out.push(finding(&place, rule, hit, m.stages_unknown));
        }
    }
    out
}

/// The trust-path findings of one HTTP API route with `AWS_IAM`: `stage` as `http` reports it
/// (one stage, or `*`).
pub(super) fn http_route(
    callers: &RoleCallers,
    ownership: &VpcOwnership,
    target: &Target,
    api: &HttpApi,
    route: &HttpRoute,
    stage: &str,
    stages_unknown: bool,
) -> Vec<Finding> {
    if !callers.read(&target.account_id) {
        return vec![];
    }
    let (verb, path) = match route.route_key.split_once(' ') {
        Some((v, p)) => (v.to_string(), p.to_string()),
        None => ("ANY".to_string(), route.route_key.clone()),
    };
    // `$default` catches every request no other route takes: any path.
    let template = if route.route_key == "$default" {
        "/{proxy+}".to_string()
    } else {
        path.clone()
    };
    let arn_stage = if stage == "*" { "{stage}" } else { stage };
    let found = hits(
        callers,
        ownership,
        &target.account_id,
        &verbs_of(&verb),
        |v| method_arn(target, &api.id, arn_stage, v, &template),
        None,
        Network::Public,
    );
    found
        .into_iter()
        .map(|(rule, hit)| {
            let place = Place {
                target,
                entry_point: EntryPoint::ApiGatewayHttp,
                api_id: &api.id,
                api_words: format!("HTTP API {} ({})", api.name, api.id),
                stage,
                stage_words: super::prose::stage_words(stage, stages_unknown, "every stage"),
                verb: &verb,
                path: &path,
                identity_key: route.route_key.clone(),
                authorization_type: &route.authorization_type,
                rest_api_with_policy: false,
            };
            finding(&place, rule, hit, stages_unknown)
        })
        .collect()
}

/// Where a finding is: the method or route and how to name it.
struct Place<'a> {
    target: &'a Target,
    entry_point: EntryPoint,
    api_id: &'a str,
    api_words: String,
    stage: &'a str,
    stage_words: String,
    verb: &'a str,
    path: &'a str,
    /// What identifies the method or route beyond the API and stage (for the fingerprint).
    identity_key: String,
    authorization_type: &'a str,
    rest_api_with_policy: bool,
}

/// Who reaches the role, for the message: accounts inside are not called external.
fn who_words(through: &Reach, inside: bool) -> String {
    match through {
        Reach::Accounts { accounts } if inside => format!(
            "the account(s) {} (of the organization or trusted)",
            accounts.join(", ")
        ),
        _ => describe_reach(through),
    }
}

fn networks_words(n: &CallNetworks) -> String {
    match n {
        CallNetworks::Any => "from any network".into(),
        CallNetworks::Addresses(c) => format!("only from {}", c.join(", ")),
        CallNetworks::AccountNetworks(a) => {
            format!("only through VPC endpoints or VPCs of {}", a.join(", "))
        }
    }
}

fn networks_json(n: &CallNetworks) -> serde_json::Value {
    match n {
        CallNetworks::Any => json!("any"),
        CallNetworks::Addresses(c) => json!({ "addresses": c }),
        CallNetworks::AccountNetworks(a) => json!({ "account_networks": a }),
    }
}

fn finding(place: &Place, rule: RuleId, hit: Hit, stages_unknown: bool) -> Finding {
    let target = place.target;
    let through = hit.through.clone();
    let reach = Reach::ViaRole {
        through: Box::new(through.clone()),
        roles: hit.paths.iter().map(|p| p.path.clone()).collect(),
    };
    let any = if place.verb == "ANY" {
        format!(" (ANY: this holds for {})", hit.verbs.join(", "))
    } else {
        String::new()
    };
    let paths_words: Vec<String> = hit
        .paths
        .iter()
        .map(|p| {
            let mut words = format!(
                "{} ({}; the call is allowed by {}, {})",
                p.path.label(),
                p.explanation,
                p.path.permission_statements.join(", "),
                networks_words(&p.networks)
            );
            if !p.caller_set.is_empty() {
                words.push_str(&format!(
                    "; {} does not narrow who, the caller supplies it",
                    p.caller_set.join(", ")
                ));
            }
            words
        })
        .collect();
    let message = format!(
        "{} {} on {} in {}/{}, {}: reachable by {} with IAM (SigV4) authentication{any}, by assuming {} (SCPs not considered). {}",
        place.verb,
        place.path,
        place.api_words,
        target.account_id,
        target.region,
        place.stage_words,
        who_words(&through, hit.inside),
        paths_words.join("; or "),
        rule.rule().impact,
    );
    let mut evidence = BTreeMap::new();
    evidence.insert("authorization_type".into(), json!(place.authorization_type));
    evidence.insert(
        "role_paths".into(),
        json!(hit
            .paths
            .iter()
            .map(|p| {
                let mut v = json!({
                    "chain": p.path.chain,
                    "trusted": p.path.trusted,
                    "trust_statement": p.path.trust_statement,
                    "trust_explanation": p.explanation,
                    "permission_statements": p.path.permission_statements,
                    "networks": networks_json(&p.networks),
                });
                if !p.caller_set.is_empty() {
                    v["caller_set_conditions"] = json!(p.caller_set);
                }
                if let Some(provider) = &p.provider {
                    v["web_identity_provider"] = json!(provider);
                }
                if !p.unreadable.is_empty() {
                    v["unreadable_policies"] = json!(p.unreadable);
                }
                v
            })
            .collect::<Vec<_>>()),
    );
    evidence.insert("scp_note".into(), json!(SCP_NOTE));
    if place.rest_api_with_policy {
        evidence.insert("policy_note".into(), json!("verdict on the current resource policy; a policy change takes effect on callers only after the API is redeployed"));
    }
    if !hit.unevaluated.is_empty() {
        evidence.insert(
            "unevaluated_conditions".into(),
            json!(hit.unevaluated.iter().collect::<Vec<_>>()),
        );
    }
    let write = hit.write();
    let fix = fix(place, rule, &hit);
    FindingDraft {
        rule_id: rule,
        account_id: target.account_id.clone(),
        region: target.region.clone(),
        resource_arn: method_arn(
            target,
            place.api_id,
            place.stage,
            if place.entry_point == EntryPoint::ApiGatewayHttp && place.verb == "ANY" {
                "*"
            } else {
                place.verb
            },
            place.path,
        ),
        entry_point: place.entry_point,
        api_id: Some(place.api_id.to_string()),
        stage: Some(place.stage.to_string()),
        method: place.verb.to_string(),
        path: place.path.to_string(),
        reach,
        auth: Auth::AwsIam,
        write,
        message,
        specific_fix: fix,
        low_confidence: hit.low_confidence || stages_unknown,
        evidence,
        identity: vec![
            target.account_id.clone(),
            target.region.clone(),
            place.api_id.to_string(),
            place.stage.to_string(),
            place.identity_key.clone(),
        ],
    }
    .build()
}

/// A trust policy that lets in only `who`, for `update-assume-role-policy`.
fn narrowed_trust(p: &PathDetail) -> String {
    match &p.provider {
        Some(provider) if provider == "token.actions.githubusercontent.com" => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{provider}:aud":"sts.amazonaws.com","{provider}:sub":"repo:<OWNER>/<REPO>:ref:refs/heads/main"}}}}}}]}}"#,
            p.path.trusted.first().map(String::as_str).unwrap_or("")
        ),
        Some(provider) => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{provider}:sub":"<SUBJECT>"}}}}}}]}}"#,
            p.path.trusted.first().map(String::as_str).unwrap_or("")
        ),
        None => r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::<PARTNER_ACCOUNT>:role/<PARTNER_ROLE>"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"<EXTERNAL_ID>"}}}]}"#.to_string(),
    }
}

/// The command that narrows the last role's grant to the read methods of this API and stage.
fn narrow_grant(place: &Place, p: &PathDetail) -> String {
    let last = p.path.chain.last().map(String::as_str).unwrap_or("");
    let role = role_name(last);
    let stage = if place.stage == "*" {
        "<STAGE>"
    } else {
        place.stage
    };
    let target = place.target;
    let reads = format!(
        "arn:{}:execute-api:{}:{}:{}/{stage}/GET/*",
        partition_of(&target.region),
        target.region,
        target.account_id,
        place.api_id
    );
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"{reads}"}}]}}"#
    );
    let commands: Vec<String> = p
        .path
        .permission_statements
        .iter()
        .filter_map(|s| s.rsplit_once('/').map(|(policy, _)| policy))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(|policy| {
            if let Some(name) = policy.strip_prefix("inline:") {
                format!("aws iam put-role-policy --role-name {role} --policy-name {name} --policy-document '{document}' (keep the policy's other statements)")
            } else if policy == "resource-policy" {
                format!("in the resource policy of API {}, stop granting execute-api:Invoke on {} {} to {last} (aws apigateway update-rest-api --rest-api-id {} --patch-operations op=replace,path=/policy,value='<POLICY>'), then redeploy (aws apigateway create-deployment --rest-api-id {} --stage-name {stage})", place.api_id, place.verb, place.path, place.api_id, place.api_id)
            } else if policy.contains(":aws:policy/") {
                format!("aws iam detach-role-policy --role-name {role} --policy-arn {policy}, then grant the reads it needs: aws iam put-role-policy --role-name {role} --policy-name invoke-reads --policy-document '{document}'")
            } else {
                format!("aws iam create-policy-version --policy-arn {policy} --policy-document '{document}' --set-as-default (keep the policy's other statements; every role attaching it changes)")
            }
        })
        .collect();
    commands.join("; ")
}

/// The complete fix: the rule's remediation with the roles of this finding's paths and the
/// exact commands that restrict who can become them or narrow what they may call.
fn fix(place: &Place, rule: RuleId, hit: &Hit) -> String {
    let roles = |pick: fn(&RolePath) -> Option<&String>| -> String {
        let names: BTreeSet<String> = hit
            .paths
            .iter()
            .filter_map(|p| pick(&p.path))
            .map(|arn| format!("role/{}", role_name(arn)))
            .collect();
        names.into_iter().collect::<Vec<_>>().join(", ")
    };
    let commands = |command: &dyn Fn(&PathDetail) -> String| -> String {
        let mut out: Vec<String> = Vec::new();
        for p in &hit.paths {
            let c = command(p);
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.join("; ")
    };
    let restrict_trust = commands(&|p| {
        let first = p.path.chain.first().map(String::as_str).unwrap_or("");
        format!(
            "aws iam update-assume-role-policy --role-name {} --policy-document '{}'",
            role_name(first),
            narrowed_trust(p)
        )
    });
    let narrow_invoke = commands(&|p| narrow_grant(place, p));
    rule.rule().fix(&[
        ("entry_role", roles(|p| p.chain.first())),
        ("calling_role", roles(|p| p.chain.last())),
        ("api", format!("API {}", place.api_id)),
        ("restrict_trust", restrict_trust),
        ("narrow_invoke", narrow_invoke),
    ])
}
