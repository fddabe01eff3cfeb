//! REST API methods: each method each stage serves (its deployment, and its canary's) judged
//! against the resource policy, the endpoint type and the method's authorization.

use super::classify::{rules_broken, BrokenRule};
use super::drift::undeployed_change_findings;
use super::prose::{
    any_words, auth_phrase, principal_never_matches_fix, served_fix, served_words, stage_words,
    unparseable_policy_fix,
};
use super::served::{
    served_methods, stage_groups, Judged, ServedMethod, StageGroup, REST_AUTHORIZATION_TYPES,
};
use super::stages::{
    candidate_stages, reachable_stages, served_deployments, stages_unreadable, ServedDeployment,
    ServedFrom,
};
use super::verdict::{caller_auth, method_arn, rest_verdict, widest_verdict, MethodVerdict};
use super::via_role::{self, RestMethodView};
use crate::analysis::never_matches::{never_matching, NeverMatching};
use crate::analysis::roles::RoleCallers;
use crate::analysis::{describe_reach, FindingDraft, VpcOwnership};
use crate::inventory::{RestApi, RestMethod, Target};
use crate::model::{Auth, EntryPoint, Finding, Reach};
use crate::operation::Operation;
use crate::policy::{self, Network, OffsetDateTime, PolicyDocument, ReachCache};
use crate::rules::RuleId;
use serde_json::json;
use std::collections::BTreeMap;

/// The findings of one REST API: each rule each method breaks on each stage that serves it,
/// the stages whose deployment differs from the working copy, or a single finding when its
/// resource policy does not parse.
pub(super) fn analyze_rest_api(
    target: &Target,
    api: &RestApi,
    ownership: &VpcOwnership,
    roles: &RoleCallers,
    at: Option<OffsetDateTime>,
) -> Vec<Finding> {
    let parsed = api.policy.as_deref().map(policy::parse_policy);
    let stages_unknown =
        stages_unreadable(target, Operation::ApiGatewayGetStages, &api.id, &api.stages);
    let served: Vec<ServedDeployment> = if stages_unknown {
        candidate_stages(parsed.as_ref().and_then(|p| p.as_ref().ok()))
            .into_iter()
            .map(|stage| ServedDeployment {
                stage,
                deployment_id: None,
                canary_percent: None,
                from: ServedFrom::WorkingCopy("its stages could not be read".to_string()),
            })
            .collect()
    } else {
        let stages = reachable_stages(
            target,
            &api.id,
            api.disable_execute_api_endpoint,
            &api.stages,
        );
        served_deployments(target, api, &stages)
    };
    if served.is_empty() {
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
    let mut out: Vec<Finding> = doc
        .as_ref()
        .and_then(|doc| principal_never_matches_finding(target, api, doc))
        .into_iter()
        .collect();
    let mut stage_count = served.iter().map(|s| &s.stage).collect::<Vec<_>>();
    stage_count.dedup();
    let scope = RestApiScope {
        target,
        api,
        ownership,
        network,
        doc,
        stages_unknown,
        at,
        stage_count: stage_count.len(),
    };

    // One cache for the API's policy: methods decided by the same statements share a verdict.
    let mut cache = ReachCache::default();
    for methods in served_methods(api, &served).into_values() {
        out.extend(scope.via_role_findings(&methods, roles));
        for group in scope.groups(methods, &mut cache) {
            out.extend(scope.group_findings(&group, &mut cache));
        }
    }
    if !stages_unknown {
        out.extend(undeployed_change_findings(&scope, &served, &mut cache));
    }
    out
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

/// The note that the API's resource policy names principals IAM never matches (an ARN with a
/// wildcard inside it): the statements grant, deny or exempt nothing through them, which the
/// method verdicts already reflect; the owner learns why the intended grant does not work.
fn principal_never_matches_finding(
    target: &Target,
    api: &RestApi,
    doc: &PolicyDocument,
) -> Option<Finding> {
    let NeverMatching {
        principals,
        accounts,
        statements,
    } = never_matching(doc, &target.region)?;
    let mut evidence = BTreeMap::new();
    evidence.insert("principals".into(), json!(principals));
    evidence.insert("statements".into(), json!(statements));
    evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
    Some(
        FindingDraft {
            rule_id: RuleId::ApigwPolicyPrincipalNeverMatches,
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            resource_arn: crate::arn::rest_api(&target.region, &api.id),
            entry_point: EntryPoint::ApiGatewayRest,
            api_id: Some(api.id.clone()),
            stage: Some("*".into()),
            method: "*".into(),
            path: "*".into(),
            reach: Reach::Owner,
            auth: Auth::Unknown,
            write: false,
            message: format!(
                "The resource policy of REST API {} ({}) in {}/{} names principals with a wildcard inside an ARN, which IAM never expands: {}. Only \"*\" is a wildcard principal; to match principals by pattern, name the account and add an ArnLike condition on aws:PrincipalArn. {}",
                api.name,
                api.id,
                target.account_id,
                target.region,
                statements.join("; "),
                RuleId::ApigwPolicyPrincipalNeverMatches.rule().impact,
            ),
            specific_fix: principal_never_matches_fix(&api.id, &principals, &accounts),
            low_confidence: false,
            evidence,
            identity: vec![target.account_id.clone(), target.region.clone(), api.id.clone()],
        }
        .build(),
    )
}

/// One REST API whose policy parsed, as its methods are judged.
pub(super) struct RestApiScope<'a> {
    pub(super) target: &'a Target,
    pub(super) api: &'a RestApi,
    ownership: &'a VpcOwnership,
    network: Network,
    doc: Option<PolicyDocument>,
    /// The stages could not be read: the served deployments are the candidate stages, each
    /// judged on the working copy, and a method's verdict is the widest over them.
    stages_unknown: bool,
    /// Distinct stages judged.
    stage_count: usize,
    /// The instant time conditions are evaluated at.
    at: Option<OffsetDateTime>,
}

impl RestApiScope<'_> {
    /// Who can call one method by becoming a role of the owner, on the stages that serve it
    /// with IAM authorization. The working copy names the resource the trust-path fix needs:
    /// a method it no longer has keeps only its direct verdicts.
    fn via_role_findings(&self, methods: &[ServedMethod], roles: &RoleCallers) -> Vec<Finding> {
        let Some((resource, method)) = methods.iter().find_map(|m| m.working) else {
            return Vec::new();
        };
        let mut stages: Vec<String> = methods
            .iter()
            .filter(|m| m.auth == Auth::AwsIam)
            .map(|m| m.served.stage.clone())
            .collect();
        stages.dedup();
        if stages.is_empty() {
            return Vec::new();
        }
        let view = RestMethodView {
            target: self.target,
            api: self.api,
            doc: self.doc.as_ref(),
            network: self.network,
            stages: &stages,
            stages_unknown: self.stages_unknown,
            resource,
            method,
        };
        via_role::rest_method(roles, self.ownership, &view)
    }

    /// Who can reach a method with this authorization on this stage.
    pub(super) fn verdict(
        &self,
        stage: &str,
        verb: &str,
        path: &str,
        auth: Auth,
        cache: &mut ReachCache,
    ) -> MethodVerdict {
        rest_verdict(
            self.target,
            self.api,
            self.doc.as_ref(),
            self.network,
            auth,
            stage,
            verb,
            path,
            self.ownership,
            self.at,
            cache,
        )
    }

    /// The rules the working copy's version of a method breaks on `stage`.
    pub(super) fn working_copy_rules(
        &self,
        stage: &str,
        path: &str,
        m: &RestMethod,
        cache: &mut ReachCache,
    ) -> Vec<BrokenRule> {
        let auth = caller_auth(
            &REST_AUTHORIZATION_TYPES,
            &m.authorization_type,
            m.api_key_required,
        );
        let verdict = self.verdict(stage, &m.http_method, path, auth, cache);
        rules_broken(auth, &verdict)
    }

    /// One method's verdict on every deployment that serves it, grouped the way findings
    /// speak: per stage, or `*` when every stage serves it alike. With the stages unknown, one
    /// group `*` holds the widest verdict over the candidate stages.
    fn groups<'m>(
        &self,
        methods: Vec<ServedMethod<'m>>,
        cache: &mut ReachCache,
    ) -> Vec<StageGroup<'m>> {
        let judged: Vec<Judged> = methods
            .into_iter()
            .map(|m| {
                let mut verdict = self.verdict(&m.served.stage, m.verb, m.path, m.auth, cache);
                // A stage judged on the working copy may serve something else.
                verdict.low_confidence |= m.read_from_working_copy();
                Judged { m, verdict }
            })
            .collect();
        if self.stages_unknown {
            let m = judged[0].m;
            let verdict = widest_verdict(
                judged
                    .into_iter()
                    .map(|j| (j.m.served.stage.clone(), j.verdict))
                    .collect(),
            );
            return vec![StageGroup {
                stage: "*".to_string(),
                judged: vec![Judged { m, verdict }],
            }];
        }
        stage_groups(judged, self.stage_count)
    }

    /// The findings of one group: each rule its served versions break, once, with the widest
    /// reach any of them has.
    fn group_findings(&self, group: &StageGroup, cache: &mut ReachCache) -> Vec<Finding> {
        let mut broken: Vec<(BrokenRule, Vec<&Judged>)> = Vec::new();
        for j in &group.judged {
            for b in rules_broken(j.m.auth, &j.verdict) {
                match broken.iter_mut().find(|(seen, _)| seen.rule == b.rule) {
                    Some((seen, by)) => {
                        seen.absorb(b);
                        by.push(j);
                    }
                    None => broken.push((b, vec![j])),
                }
            }
        }
        broken
            .into_iter()
            .map(|(rule, by)| self.method_finding(&group.stage, &by, rule, cache))
            .collect()
    }

    /// The finding for one rule that these served versions of a method (the first is the one
    /// reported: a stage's own deployment before its canary) break on `stage`.
    fn method_finding(
        &self,
        stage: &str,
        by: &[&Judged],
        broken: BrokenRule,
        cache: &mut ReachCache,
    ) -> Finding {
        let m = &by[0].m;
        let target = self.target;
        let working_copy_fixed = self.working_copy_clears(by, broken.rule, cache);
        FindingDraft {
            rule_id: broken.rule,
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            resource_arn: method_arn(target, &self.api.id, stage, m.verb, m.path),
            entry_point: EntryPoint::ApiGatewayRest,
            api_id: Some(self.api.id.clone()),
            stage: Some(stage.to_string()),
            method: m.verb.to_string(),
            path: m.path.to_string(),
            reach: broken.reach.clone(),
            auth: m.auth,
            write: broken.write,
            message: self.method_message(stage, by, &broken),
            specific_fix: served_fix(&self.api.id, stage, by, &broken, working_copy_fixed),
            low_confidence: by.iter().any(|j| j.verdict.low_confidence),
            evidence: self.method_evidence(by, &broken),
            identity: vec![
                target.account_id.clone(),
                target.region.clone(),
                self.api.id.clone(),
                stage.to_string(),
                m.verb.to_string(),
                m.path.to_string(),
            ],
        }
        .build()
    }

    /// True when the working copy no longer breaks `rule` where these served versions do:
    /// each was read from a deployment that differs from the working copy, whose own version
    /// of the method (if it still has one) breaks nothing of the kind on that stage. Then
    /// deploying the working copy is the whole fix.
    fn working_copy_clears(&self, by: &[&Judged], rule: RuleId, cache: &mut ReachCache) -> bool {
        by.iter().all(|j| {
            if j.m.read_from_working_copy() || !j.m.differs_from_working_copy() {
                return false;
            }
            match j.m.working {
                None => true,
                Some((_, wc)) => self
                    .working_copy_rules(&j.m.served.stage, j.m.path, wc, cache)
                    .iter()
                    .all(|b| b.rule != rule),
            }
        })
    }

    fn method_message(&self, stage: &str, by: &[&Judged], broken: &BrokenRule) -> String {
        let (target, api, m) = (self.target, self.api, &by[0].m);
        let policy_words = match (&api.policy, broken.explanation.is_empty()) {
            (None, _) => " The API has no resource policy.".to_string(),
            (Some(_), true) => String::new(),
            (Some(_), false) => format!(
                " Resource policy: {}.",
                broken.explanation.trim_end_matches('.')
            ),
        };
        format!(
            "{} {} on REST API {} ({}, {}) in {}/{}, {}: reachable by {} with {}{}.{}{} {}",
            m.verb,
            m.path,
            api.name,
            api.id,
            api.endpoint_types.join(","),
            target.account_id,
            target.region,
            stage_words(stage, self.stages_unknown, "every deployed stage"),
            describe_reach(&broken.reach),
            auth_phrase(m.auth),
            any_words(m.verb, broken),
            served_words(by, self.stages_unknown),
            policy_words,
            broken.rule.rule().impact,
        )
    }

    fn method_evidence(
        &self,
        by: &[&Judged],
        broken: &BrokenRule,
    ) -> BTreeMap<String, serde_json::Value> {
        let (api, m) = (self.api, &by[0].m);
        let mut evidence = BTreeMap::new();
        evidence.insert("api_name".into(), json!(api.name));
        evidence.insert("endpoint_types".into(), json!(api.endpoint_types));
        evidence.insert("authorization_type".into(), json!(m.authorization_type));
        if m.api_key_required {
            evidence.insert("api_key_required".into(), json!(true));
        }
        if !self.stages_unknown {
            evidence.insert(
                "served_by".into(),
                json!(by.iter().map(|j| served_evidence(&j.m)).collect::<Vec<_>>()),
            );
        }
        if !m.read_from_working_copy() && m.differs_from_working_copy() {
            let working = m.working.map(|(_, wc)| {
                json!({
                    "authorization_type": wc.authorization_type,
                    "api_key_required": wc.api_key_required,
                })
            });
            evidence.insert("working_copy".into(), json!(working));
        }
        if api.policy.is_some() {
            evidence.insert(
                "policy_statements".into(),
                json!(broken.allowing_statements),
            );
            evidence.insert("policy_explanation".into(), json!(broken.explanation));
            evidence.insert("policy_note".into(), json!("verdict on the current resource policy; a policy change takes effect on callers only after the API is redeployed, and no API returns the policy a deployment serves"));
        }
        if let Some(change) = &broken.change {
            evidence.insert(
                "reach_change".into(),
                json!({"at": change.at, "reach": change.reach.label()}),
            );
        }
        let mut unevaluated: Vec<&String> =
            by.iter().flat_map(|j| &j.verdict.unevaluated).collect();
        unevaluated.sort();
        unevaluated.dedup();
        if !unevaluated.is_empty() {
            evidence.insert("unevaluated_conditions".into(), json!(unevaluated));
        }
        if let Some(link) = m.working.and_then(|(_, wc)| vpc_link_of(self.target, wc)) {
            evidence.insert("vpc_link".into(), json!(link));
        }
        evidence
    }
}

/// Which deployment served a method, and where its facts were read.
fn served_evidence(m: &ServedMethod) -> serde_json::Value {
    let s = m.served;
    let mut out = serde_json::Map::new();
    out.insert("stage".into(), json!(s.stage));
    if let Some(id) = s.deployment_id {
        out.insert("deployment_id".into(), json!(id));
    }
    if let Some(percent) = s.canary_percent {
        out.insert("canary_percent_traffic".into(), json!(percent));
    }
    out.insert("authorization_type".into(), json!(m.authorization_type));
    out.insert("api_key_required".into(), json!(m.api_key_required));
    match &s.from {
        ServedFrom::Summary(_) => {
            out.insert("read_from".into(), json!("api_summary"));
        }
        ServedFrom::WorkingCopy(why) => {
            out.insert("read_from".into(), json!("working_copy"));
            out.insert("why".into(), json!(why));
        }
    }
    serde_json::Value::Object(out)
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
