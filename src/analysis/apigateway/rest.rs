//! REST API methods: each method on each stage judged against the resource policy, the
//! endpoint type and the method's authorization.

use super::classify::{rules_broken, BrokenRule};
use super::prose::{any_words, auth_phrase, rest_method_fix, why_it_matters};
use super::stages::{candidate_stages, collapse_stages, reachable_stages, stages_unreadable};
use super::verdict::{method_arn, rest_verdict, widest_verdict, MethodVerdict};
use crate::analysis::{describe_reach, FindingDraft, VpcOwnership};
use crate::inventory::{RestApi, RestMethod, Target};
use crate::model::{partition_of, Auth, EntryPoint, Finding, Reach};
use crate::policy::{self, Network, ReachCache};
use serde_json::json;
use std::collections::BTreeMap;

fn rest_auth(m: &RestMethod) -> Auth {
    match m.authorization_type.as_str() {
        "AWS_IAM" => Auth::AwsIam,
        "CUSTOM" => Auth::LambdaAuthorizer,
        "COGNITO_USER_POOLS" => Auth::Cognito,
        // NONE, or anything unrecognised: treat as no auth (the wider verdict).
        _ if m.api_key_required => Auth::ApiKeyOnly,
        _ => Auth::None,
    }
}

pub(super) fn analyze_rest_api(
    target: &Target,
    api: &RestApi,
    ownership: &VpcOwnership,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let parsed = api.policy.as_deref().map(policy::parse_policy);
    let stages_unknown = stages_unreadable(target, "apigateway:GetStages", &api.id, &api.stages);
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
        return out;
    }
    let network = if api.endpoint_types.iter().any(|t| t == "PRIVATE") {
        Network::PrivateVpce
    } else {
        Network::Public
    };
    let api_arn = format!(
        "arn:{}:apigateway:{}::/restapis/{}",
        partition_of(&target.region),
        target.region,
        api.id
    );

    let doc = match parsed {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => {
            // A policy we cannot read must never look like "no policy". Report the API and skip
            // method verdicts, which would all rest on a guess.
            let reach = match network {
                Network::Public => Reach::Internet,
                Network::PrivateVpce => Reach::AnyAwsAccount,
            };
            let mut evidence = BTreeMap::new();
            evidence.insert("parse_error".into(), json!(e.message));
            evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
            out.push(
                FindingDraft {
                    rule_id: "apigw-policy-unparseable",
                    account_id: target.account_id.clone(),
                    region: target.region.clone(),
                    resource_arn: api_arn.clone(),
                    entry_point: EntryPoint::ApiGatewayRest,
                    api_id: Some(api.id.clone()),
                    stage: Some("*".into()),
                    method: "*".into(),
                    path: "*".into(),
                    reach,
                    auth: "unknown".into(),
                    write: true,
                    message: format!(
                        "The resource policy of REST API {} ({}) in {}/{} could not be evaluated ({}), so who can call its methods cannot be decided; its methods were not judged. Until fixed, assume it may be open as wide as its endpoint ({}).",
                        api.name, api.id, target.account_id, target.region, e.message,
                        api.endpoint_types.join(",")
                    ),
                    specific_fix: format!("Read the policy of API {id} (aws apigateway get-rest-api --rest-api-id {id} --query policy), rewrite it as a valid IAM policy document, put it back (aws apigateway update-rest-api --rest-api-id {id} --patch-operations op=replace,path=/policy,value=...), redeploy the stages, and re-run the audit.", id = api.id),
                    low_confidence: false,
                    evidence,
                    identity: vec![target.account_id.clone(), target.region.clone(), api.id.clone()],
                }
                .build(),
            );
            return out;
        }
    };

    // One cache for the API's policy: methods decided by the same statements share a verdict.
    let mut cache = ReachCache::default();
    for resource in &api.resources {
        for m in &resource.methods {
            let is_cors_preflight = m.http_method == "OPTIONS"
                && m.integration
                    .as_ref()
                    .and_then(|i| i.integration_type.as_deref())
                    == Some("MOCK");
            if is_cors_preflight {
                continue;
            }
            let auth = rest_auth(m);
            let verdicts: Vec<(String, MethodVerdict)> = stage_names
                .iter()
                .map(|stage| {
                    (
                        stage.clone(),
                        rest_verdict(
                            target,
                            api,
                            doc.as_ref(),
                            network,
                            auth,
                            stage,
                            &m.http_method,
                            &resource.path,
                            ownership,
                            &mut cache,
                        ),
                    )
                })
                .collect();
            let verdicts = if stages_unknown {
                let mut v = widest_verdict(verdicts);
                v.low_confidence = true;
                vec![("*".to_string(), v)]
            } else {
                collapse_stages(verdicts)
            };
            for (stage, verdict) in verdicts {
                for c in rules_broken(auth, &verdict) {
                    let BrokenRule {
                        rule, reach, write, ..
                    } = c.clone();
                    let mut evidence = BTreeMap::new();
                    evidence.insert("api_name".into(), json!(api.name));
                    evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
                    evidence.insert("authorization_type".into(), json!(m.authorization_type));
                    if m.api_key_required {
                        evidence.insert("api_key_required".into(), json!(true));
                    }
                    if api.policy.is_some() {
                        evidence.insert("policy_statements".into(), json!(c.allowing_statements));
                        evidence.insert("policy_explanation".into(), json!(c.explanation));
                        evidence.insert("policy_note".into(), json!("verdict on the current resource policy; a policy change takes effect on callers only after the API is redeployed"));
                    }
                    if !verdict.unevaluated.is_empty() {
                        evidence
                            .insert("unevaluated_conditions".into(), json!(verdict.unevaluated));
                    }
                    if let Some(link) = vpc_link_of(target, m) {
                        evidence.insert("vpc_link".into(), json!(link));
                    }
                    let stage_words = if stages_unknown {
                        "any stage (its stages could not be read, so it is judged as deployed)"
                            .to_string()
                    } else if stage == "*" {
                        "every deployed stage".to_string()
                    } else {
                        format!("stage {stage}")
                    };
                    let policy_words = match (&api.policy, c.explanation.is_empty()) {
                        (None, _) => " The API has no resource policy.".to_string(),
                        (Some(_), true) => String::new(),
                        (Some(_), false) => {
                            format!(" Resource policy: {}.", c.explanation.trim_end_matches('.'))
                        }
                    };
                    let any_words = any_words(&m.http_method, &c);
                    let message = format!(
                    "{} {} on REST API {} ({}, {}) in {}/{}, {}: reachable by {} with {}{}.{} {}",
                    m.http_method,
                    resource.path,
                    api.name,
                    api.id,
                    api.endpoint_types.join(","),
                    target.account_id,
                    target.region,
                    stage_words,
                    describe_reach(&reach),
                    auth_phrase(auth),
                    any_words,
                    policy_words,
                    why_it_matters(rule),
                );
                    out.push(
                        FindingDraft {
                            rule_id: rule,
                            account_id: target.account_id.clone(),
                            region: target.region.clone(),
                            resource_arn: method_arn(
                                target,
                                &api.id,
                                &stage,
                                &m.http_method,
                                &resource.path,
                            ),
                            entry_point: EntryPoint::ApiGatewayRest,
                            api_id: Some(api.id.clone()),
                            stage: Some(stage.clone()),
                            method: m.http_method.clone(),
                            path: resource.path.clone(),
                            reach,
                            auth: auth.label().to_string(),
                            write,
                            message,
                            specific_fix: rest_method_fix(
                                rule,
                                &api.id,
                                &resource.id,
                                &stage,
                                &m.http_method,
                                &resource.path,
                            ),
                            low_confidence: verdict.low_confidence,
                            evidence,
                            identity: vec![
                                target.account_id.clone(),
                                target.region.clone(),
                                api.id.clone(),
                                stage.clone(),
                                m.http_method.clone(),
                                resource.path.clone(),
                            ],
                        }
                        .build(),
                    );
                }
            }
        }
    }
    out
}

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
