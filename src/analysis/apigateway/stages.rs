//! Which stages of an API are judged and what each serves: the stages a caller can reach,
//! the candidates when they could not be read, and the deployment (and canary) each serves.

use crate::arn::Arn;
use crate::inventory::{DeployedMethod, Deployment, RestApi, Stage, Target};
use crate::operation::Operation;
use crate::policy::PolicyDocument;
use std::collections::BTreeMap;

/// What a deployment serves: per path, per verb, the method's authorization.
pub(super) type ApiSummary = BTreeMap<String, BTreeMap<String, DeployedMethod>>;

/// Stages a caller can actually hit. With the default endpoint disabled, only stages mapped
/// under a custom domain are reachable. If the custom domains could not be read (an error is
/// recorded on the target), assume every stage is reachable rather than hide a finding.
pub(super) fn reachable_stages<'a>(
    target: &Target,
    api_id: &str,
    disabled_default_endpoint: bool,
    stages: &'a [Stage],
) -> Vec<&'a Stage> {
    if !disabled_default_endpoint {
        return stages.iter().collect();
    }
    let domains_unknown = target.errors.iter().any(|e| {
        e.aws_operation().is_some_and(|op| {
            matches!(
                op,
                Operation::ApiGatewayV2GetDomainNames
                    | Operation::ApiGatewayV2GetApiMappings
                    | Operation::ApiGatewayGetDomainNames
                    | Operation::ApiGatewayGetBasePathMappings
            )
        })
    });
    if domains_unknown {
        return stages.iter().collect();
    }
    stages
        .iter()
        .filter(|s| {
            target.custom_domains.iter().any(|d| {
                d.mappings
                    .iter()
                    .any(|m| m.api_id == api_id && (m.stage == s.name || m.stage.is_empty()))
            })
        })
        .collect()
}

/// True when this API's stages could not be read (the read failed, so "no stage" proves
/// nothing): its methods are then judged as if deployed, at medium confidence.
pub(super) fn stages_unreadable(
    target: &Target,
    operation: Operation,
    api_id: &str,
    stages: &[Stage],
) -> bool {
    stages.is_empty()
        && target
            .errors
            .iter()
            .any(|e| e.is(operation) && e.resource.as_deref() == Some(api_id))
}

/// Stage names to judge a method on when the stages are unknown: every stage the policy names
/// in a resource (`execute-api:/<stage>/…` or `arn:…:execute-api:…:<api-id>/<stage>/…`) plus
/// one it does not, so a grant to any stage shows up. The widest verdict over them stands for
/// "some stage". The stages are read from the parsed document, so escaped text (`\/prod\/…`,
/// as real AWS returns it) reads like plain text.
pub(super) fn candidate_stages(doc: Option<&PolicyDocument>) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for pattern in doc.into_iter().flat_map(PolicyDocument::resource_patterns) {
        let below_api = match pattern.strip_prefix("execute-api:/") {
            Some(rest) => Some(rest),
            None => Arn::parse(pattern)
                .filter(|arn| arn.service == "execute-api")
                .and_then(|arn| arn.resource.split_once('/').map(|(_, rest)| rest)),
        };
        let Some(stage) = below_api.and_then(|rest| rest.split('/').next()) else {
            continue;
        };
        // Bounded: a hostile policy naming thousands of stages costs 16 probes.
        if !stage.is_empty() && stage.len() <= 128 && !stage.contains(['*', '?']) && out.len() < 16
        {
            out.insert(stage.to_string());
        }
    }
    out.insert("overexposed-unknown-stage".to_string());
    out.into_iter().collect()
}

/// Where the methods a stage serves are read from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ServedFrom<'a> {
    /// The deployment's API summary: exactly what callers hit.
    Summary(&'a ApiSummary),
    /// The API's working copy, because the deployment's summary is missing; says why.
    WorkingCopy(String),
}

/// One deployment a stage serves: its own, or its canary's to a share of its traffic.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ServedDeployment<'a> {
    pub(super) stage: String,
    pub(super) deployment_id: Option<&'a str>,
    /// The canary's share of the stage's traffic; `None` for the stage's own deployment.
    pub(super) canary_percent: Option<f64>,
    pub(super) from: ServedFrom<'a>,
}

impl ServedDeployment<'_> {
    pub(super) fn is_canary(&self) -> bool {
        self.canary_percent.is_some()
    }
}

/// What each stage serves: its deployment, then its canary's when it has one. A deployment
/// whose summary is missing (not read, the read failed, or AWS gave none) is judged on the
/// working copy, and the reason goes with it: never a narrower verdict than the facts allow.
pub(super) fn served_deployments<'a>(
    target: &Target,
    api: &'a RestApi,
    stages: &[&'a Stage],
) -> Vec<ServedDeployment<'a>> {
    let mut out = Vec::new();
    for stage in stages {
        out.push(served(
            target,
            api,
            &stage.name,
            stage.deployment_id.as_deref(),
            None,
        ));
        if let Some(canary) = &stage.canary {
            out.push(served(
                target,
                api,
                &stage.name,
                canary.deployment_id.as_deref(),
                Some(canary.percent_traffic.unwrap_or(0.0)),
            ));
        }
    }
    out
}

fn served<'a>(
    target: &Target,
    api: &'a RestApi,
    stage: &str,
    deployment_id: Option<&'a str>,
    canary_percent: Option<f64>,
) -> ServedDeployment<'a> {
    let whose = match canary_percent {
        None => format!("stage {stage}"),
        Some(_) => format!("the canary of stage {stage}"),
    };
    let from = match deployment_id {
        None => ServedFrom::WorkingCopy(format!("{whose} names no deployment")),
        Some(id) => match api.deployments.iter().find(|d| d.id == id) {
            Some(Deployment {
                api_summary: Some(summary),
                ..
            }) => ServedFrom::Summary(summary),
            Some(_) => ServedFrom::WorkingCopy(format!(
                "AWS returned no API summary for deployment {id} of {whose}"
            )),
            None => {
                let resource = format!("{}/{id}", api.id);
                let failed = target.errors.iter().find(|e| {
                    e.is(Operation::ApiGatewayGetDeployment)
                        && e.resource.as_deref() == Some(resource.as_str())
                });
                ServedFrom::WorkingCopy(match failed {
                    Some(e) => format!(
                        "deployment {id} of {whose} could not be read ({}: {})",
                        e.operation, e.code
                    ),
                    None => format!("deployment {id} of {whose} was not read"),
                })
            }
        },
    };
    ServedDeployment {
        stage: stage.to_string(),
        deployment_id,
        canary_percent,
        from,
    }
}
