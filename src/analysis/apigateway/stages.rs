//! Which stages of an API are judged: those a caller can reach, the candidates when they
//! could not be read, and the collapse of agreeing stages into `*`.

use super::verdict::MethodVerdict;
use crate::arn::Arn;
use crate::inventory::Target;
use crate::operation::Operation;
use crate::policy::PolicyDocument;

/// Stages a caller can actually hit. With the default endpoint disabled, only stages mapped
/// under a custom domain are reachable. If the custom domains could not be read (an error is
/// recorded on the target), assume every stage is reachable rather than hide a finding.
pub(super) fn reachable_stages<'a>(
    target: &Target,
    api_id: &str,
    disabled_default_endpoint: bool,
    stages: &'a [crate::inventory::Stage],
) -> Vec<&'a crate::inventory::Stage> {
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
    stages: &[crate::inventory::Stage],
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

/// One verdict for all stages when they agree (reported as stage `*`), else one per stage.
/// An API with a single stage is always reported under that stage's name.
pub(super) fn collapse_stages(
    verdicts: Vec<(String, MethodVerdict)>,
) -> Vec<(String, MethodVerdict)> {
    if verdicts.len() > 1 && verdicts.windows(2).all(|w| w[0].1 == w[1].1) {
        let v = verdicts
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .expect("non-empty");
        vec![("*".to_string(), v)]
    } else {
        verdicts
    }
}
