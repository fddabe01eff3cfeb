//! REST API methods: each method on each stage judged against the resource policy, the
//! endpoint type and the method's authorization.

use super::classify::{rules_broken, BrokenRule};
use super::prose::{any_words, auth_phrase, rest_method_fix, stage_words, unparseable_policy_fix};
use super::stages::{candidate_stages, collapse_stages, reachable_stages, stages_unreadable};
use super::verdict::{caller_auth, method_arn, rest_verdict, widest_verdict, MethodVerdict};
use super::via_role::{self, RestMethodView};
use crate::analysis::roles::RoleCallers;
use crate::analysis::{describe_reach, FindingDraft, VpcOwnership};
use crate::inventory::{ApiResource, RestApi, RestMethod, Target};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::policy::{self, Network, PolicyDocument, ReachCache};
use crate::rules::RuleId;
use serde_json::json;
use std::collections::BTreeMap;

/// The authorization types of a REST method that authenticate the caller.
const REST_AUTHORIZATION_TYPES: [(&str, Auth); 3] = [
    ("AWS_IAM", Auth::AwsIam),
    ("CUSTOM", Auth::LambdaAuthorizer),
    ("COGNITO_USER_POOLS", Auth::Cognito),
];

/// The findings of one REST API: each rule each method breaks on each stage it can be called
/// on, or a single finding when its resource policy does not parse.
pub(super) fn analyze_rest_api(
    target: &Target,
    api: &RestApi,
    ownership: &VpcOwnership,
    roles: &RoleCallers,
) -> Vec<Finding> {
    let parsed = api.policy.as_deref().map(policy::parse_policy);
    let stages_unknown =
        stages_unreadable(target, Operation::ApiGatewayGetStages, &api.id, &api.stages);
    let stage_names: Vec<String> = if stages_unknown {
        candidate_stages(parsed.as_ref().and_then(|p| p.as_ref().ok()))
    } else {
        reachable_stages(
            target,
            &api.id,
            api.disable_execute_api_endpoint,
            &api.stages,
        )
        .into_iter()
        .map(|s| s.name.clone())
        .collect()
    };
    if stage_names.is_empty() {
        // Never deployed, or its only door is disabled: nothing can call it.
        return Vec::new();
    }
    let network = if api.endpoint_types.iter().any(|t| t == "PRIVATE") {
        Network::PrivateVpce
    } else {
        Network::Public
    };
    let doc = match parsed {
        None => None,
        Some(Ok(doc)) => Some(doc),
        // A policy we cannot read must never look like "no policy". Report the API and skip
        // method verdicts, which would all rest on a guess.
        Some(Err(e)) => return vec![unparseable_policy_finding(target, api, network, &e.message)],
    };
    let scope = RestApiScope {
        target,
        api,
        ownership,
        network,
        doc,
        stage_names,
        stages_unknown,
    };

    let mut out = Vec::new();
    // One cache for the API's policy: methods decided by the same statements share a verdict.
    let mut cache = ReachCache::default();
    for resource in &api.resources {
        for method in resource.methods.iter().filter(|m| !is_cors_preflight(m)) {
            let method = JudgedMethod {
                resource,
                method,
                auth: caller_auth(
                    &REST_AUTHORIZATION_TYPES,
                    &method.authorization_type,
                    method.api_key_required,
                ),
            };
            for (stage, verdict) in scope.method_verdicts(&method, &mut cache) {
                for broken in rules_broken(method.auth, &verdict) {
                    out.push(scope.method_finding(&method, &stage, &verdict, broken));
                }
            }
            // Who can call it by becoming a role of the owner.
            if method.auth == Auth::AwsIam {
                let view = RestMethodView {
                    target,
                    api,
                    doc: scope.doc.as_ref(),
                    network: scope.network,
                    stages: &scope.stage_names,
                    stages_unknown: scope.stages_unknown,
                    resource,
                    method: method.method,
                };
                out.extend(via_role::rest_method(roles, ownership, &view));
            }
        }
    }
    out
}

/// An `OPTIONS` method with a `MOCK` integration answers CORS preflights and returns no data.
fn is_cors_preflight(m: &RestMethod) -> bool {
    m.http_method == "OPTIONS"
        && m.integration
            .as_ref()
            .and_then(|i| i.integration_type.as_deref())
            == Some("MOCK")
}

/// The finding for an API whose resource policy does not parse: it may be open as wide as its
/// endpoint, and none of its methods can be judged.
fn unparseable_policy_finding(
    target: &Target,
    api: &RestApi,
    network: Network,
    parse_error: &str,
) -> Finding {
    let api_arn = crate::arn::rest_api(&target.region, &api.id);
    let reach = match network {
        Network::Public => Reach::Internet,
        Network::PrivateVpce => Reach::AnyAwsAccount,
    };
    let mut evidence = BTreeMap::new();
    evidence.insert("parse_error".into(), json!(parse_error));
    evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
    FindingDraft {
        rule_id: RuleId::ApigwPolicyUnparseable,
        account_id: target.account_id.clone(),
        region: target.region.clone(),
        resource_arn: api_arn,
        entry_point: EntryPoint::ApiGatewayRest,
        api_id: Some(api.id.clone()),
        stage: Some("*".into()),
        method: "*".into(),
        path: "*".into(),
        reach,
        auth: Auth::Unknown,
        write: true,
        message: format!(
            "The resource policy of REST API {} ({}) in {}/{} could not be evaluated ({}), so who can call its methods cannot be decided; its methods were not judged. Until fixed, assume it may be open as wide as its endpoint ({}).",
            api.name, api.id, target.account_id, target.region, parse_error,
            api.endpoint_types.join(",")
        ),
        specific_fix: unparseable_policy_fix(&api.id),
        low_confidence: false,
        evidence,
        identity: vec![target.account_id.clone(), target.region.clone(), api.id.clone()],
    }
    .build()
}

/// One REST API whose policy parsed, as its methods are judged.
struct RestApiScope<'a> {
    target: &'a Target,
    api: &'a RestApi,
    ownership: &'a VpcOwnership,
    network: Network,
    doc: Option<PolicyDocument>,
    /// The stages to judge each method on: the reachable ones, or the candidates when the
    /// stages could not be read.
    stage_names: Vec<String>,
    stages_unknown: bool,
}

/// One method of the API and the authentication it asks of callers.
struct JudgedMethod<'a> {
    resource: &'a ApiResource,
    method: &'a RestMethod,
    auth: Auth,
}

impl RestApiScope<'_> {
    /// The method's verdict per stage: one per stage, or one for `*` when all stages agree or
    /// the stages are unknown (then the widest over the candidates, at medium confidence).
    fn method_verdicts(
        &self,
        m: &JudgedMethod,
        cache: &mut ReachCache,
    ) -> Vec<(String, MethodVerdict)> {
        let verdicts: Vec<(String, MethodVerdict)> = self
            .stage_names
            .iter()
            .map(|stage| {
                (
                    stage.clone(),
                    rest_verdict(
                        self.target,
                        self.api,
                        self.doc.as_ref(),
                        self.network,
                        m.auth,
                        stage,
                        &m.method.http_method,
                        &m.resource.path,
                        self.ownership,
                        cache,
                    ),
                )
            })
            .collect();
        if self.stages_unknown {
            let mut v = widest_verdict(verdicts);
            v.low_confidence = true;
            vec![("*".to_string(), v)]
        } else {
            collapse_stages(verdicts)
        }
    }

    /// The finding for one rule the method breaks on `stage`.
    fn method_finding(
        &self,
        m: &JudgedMethod,
        stage: &str,
        verdict: &MethodVerdict,
        broken: BrokenRule,
    ) -> Finding {
        let (target, api, verb, path) = (
            self.target,
            self.api,
            &m.method.http_method,
            &m.resource.path,
        );
        FindingDraft {
            rule_id: broken.rule,
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            resource_arn: method_arn(target, &api.id, stage, verb, path),
            entry_point: EntryPoint::ApiGatewayRest,
            api_id: Some(api.id.clone()),
            stage: Some(stage.to_string()),
            method: verb.clone(),
            path: path.clone(),
            reach: broken.reach.clone(),
            auth: m.auth,
            write: broken.write,
            message: self.method_message(m, stage, &broken),
            specific_fix: rest_method_fix(broken.rule, &api.id, &m.resource.id, stage, verb, path),
            low_confidence: verdict.low_confidence,
            evidence: self.method_evidence(m, verdict, &broken),
            identity: vec![
                target.account_id.clone(),
                target.region.clone(),
                api.id.clone(),
                stage.to_string(),
                verb.clone(),
                path.clone(),
            ],
        }
        .build()
    }

    fn method_message(&self, m: &JudgedMethod, stage: &str, broken: &BrokenRule) -> String {
        let (target, api) = (self.target, self.api);
        let policy_words = match (&api.policy, broken.explanation.is_empty()) {
            (None, _) => " The API has no resource policy.".to_string(),
            (Some(_), true) => String::new(),
            (Some(_), false) => format!(
                " Resource policy: {}.",
                broken.explanation.trim_end_matches('.')
            ),
        };
        format!(
            "{} {} on REST API {} ({}, {}) in {}/{}, {}: reachable by {} with {}{}.{} {}",
            m.method.http_method,
            m.resource.path,
            api.name,
            api.id,
            api.endpoint_types.join(","),
            target.account_id,
            target.region,
            stage_words(stage, self.stages_unknown, "every deployed stage"),
            describe_reach(&broken.reach),
            auth_phrase(m.auth),
            any_words(&m.method.http_method, broken),
            policy_words,
            broken.rule.rule().impact,
        )
    }

    fn method_evidence(
        &self,
        m: &JudgedMethod,
        verdict: &MethodVerdict,
        broken: &BrokenRule,
    ) -> BTreeMap<String, serde_json::Value> {
        let api = self.api;
        let mut evidence = BTreeMap::new();
        evidence.insert("api_name".into(), json!(api.name));
        evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
        evidence.insert(
            "authorization_type".into(),
            json!(m.method.authorization_type),
        );
        if m.method.api_key_required {
            evidence.insert("api_key_required".into(), json!(true));
        }
        if api.policy.is_some() {
            evidence.insert(
                "policy_statements".into(),
                json!(broken.allowing_statements),
            );
            evidence.insert("policy_explanation".into(), json!(broken.explanation));
            evidence.insert("policy_note".into(), json!("verdict on the current resource policy; a policy change takes effect on callers only after the API is redeployed"));
        }
        if !verdict.unevaluated.is_empty() {
            evidence.insert("unevaluated_conditions".into(), json!(verdict.unevaluated));
        }
        if let Some(link) = vpc_link_of(self.target, m.method) {
            evidence.insert("vpc_link".into(), json!(link));
        }
        evidence
    }
}

/// The VPC link a method's integration forwards to, with the link's targets, as evidence.
fn vpc_link_of(target: &Target, m: &RestMethod) -> Option<serde_json::Value> {
    let integration = m.integration.as_ref()?;
    if integration.connection_type.as_deref() != Some("VPC_LINK") {
        return None;
    }
    let id = integration.connection_id.as_deref()?;
    let targets = target
        .vpc_links
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.target_arns.clone())
        .unwrap_or_default();
    Some(json!({"id": id, "target_arns": targets}))
}
