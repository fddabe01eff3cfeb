//! The words of a finding: how the caller is authenticated, why the rule matters, and the
//! complete fix.

use super::classify::BrokenRule;
use super::served::Judged;
use super::stages::ServedFrom;
use super::verdict::ANY_VERBS;
use crate::inventory::HttpRoute;
use crate::model::Auth;

/// How the caller is authenticated, in words that fit "reachable by … with {}".
pub(super) fn auth_phrase(auth: Auth) -> &'static str {
    match auth {
        Auth::None => "no authentication (authorizationType NONE)",
        Auth::ApiKeyOnly => {
            "only an API key, which identifies a caller but does not authenticate one"
        }
        Auth::AwsIam => "IAM (SigV4) authentication",
        Auth::Cognito => "a Cognito user pool authorizer",
        Auth::LambdaAuthorizer => "a Lambda authorizer",
        Auth::Jwt => "a JWT authorizer",
        Auth::NetworkOnly => "no HTTP authentication (network path only)",
    }
}

/// Why breaking the rule matters, the last sentence of a finding's message.
pub(super) fn why_it_matters(rule: &str) -> &'static str {
    match rule {
        "apigw-unauthenticated-write-internet" => "Anyone can change data through it without proving who they are.",
        "apigw-unauthenticated-read-internet" => "Anyone can read through it without proving who they are.",
        "apigw-unauthenticated-ip-allowlisted" => "An IP allow-list filters networks; it does not authenticate callers, and every verb the method accepts gets through.",
        "apigw-unauthenticated-cross-account" => "Callers in other AWS accounts get in without authenticating.",
        "apigw-write-any-aws-account" => "Principal \"*\" with IAM auth admits any authenticated principal of any AWS account, so anyone with an AWS account can write.",
        "apigw-read-any-aws-account" => "Principal \"*\" with IAM auth admits any authenticated principal of any AWS account.",
        "apigw-write-external-accounts" => "The safe design grants external accounts only read (GET) methods; this grant lets them change data.",
        "apigw-write-organization" => "Every principal of every account in the organization can change data, not just the intended partner.",
        "apigw-authorizer-only-write-exposed" => "A write method reachable from outside the account rests entirely on the authorizer's logic.",
        _ => "",
    }
}

/// The complete fix of one REST API method finding (it replaces the rule's generic text):
/// the exact command for this method, the redeploy that makes it take effect, and the advice
/// of the rule that still applies.
pub(super) fn rest_method_fix(
    rule: &str,
    api_id: &str,
    resource_id: &str,
    stage: &str,
    verb: &str,
    path: &str,
) -> String {
    let require_iam = format!(
        "aws apigateway update-method --rest-api-id {api_id} --resource-id {resource_id} --http-method {verb} --patch-operations op=replace,path=/authorizationType,value=AWS_IAM"
    );
    // A grant or a method changes nothing until the stage is redeployed.
    let redeploy = if stage == "*" {
        format!("then redeploy every stage (aws apigateway create-deployment --rest-api-id {api_id} --stage-name STAGE)")
    } else {
        format!("then redeploy (aws apigateway create-deployment --rest-api-id {api_id} --stage-name {stage})")
    };
    match rule {
        "apigw-unauthenticated-write-internet" => format!(
            "Require IAM (SigV4) authorization on {verb} {path} ({require_iam}), or delete the method if nothing should write through it; {redeploy}. If only partners should call it, also let only their role in through the resource policy."
        ),
        "apigw-unauthenticated-read-internet" => format!(
            "Require IAM (SigV4) authorization on {verb} {path} ({require_iam}) and let only the partner's role in through the resource policy; {redeploy}. If the data is truly public, document it and suppress this finding for the method."
        ),
        "apigw-unauthenticated-ip-allowlisted" => format!(
            "An IP allow-list is not authentication: require IAM (SigV4) authorization on {verb} {path} ({require_iam}) and let only the partner's role in through the resource policy (the IP condition may stay); {redeploy}."
        ),
        "apigw-unauthenticated-cross-account" => format!(
            "Pin the resource policy of API {api_id} to your own VPC endpoints (Allow execute-api:Invoke, plus a Deny with StringNotEquals aws:SourceVpce [your vpce-… ids]) and require IAM (SigV4) authorization on {verb} {path} ({require_iam}); {redeploy}."
        ),
        "apigw-write-any-aws-account" => format!(
            "In the resource policy of API {api_id}, replace Principal \"*\" with the partner role's ARN (or narrow it with aws:PrincipalOrgID / aws:PrincipalAccount) and grant it only the read paths it needs (execute-api:/<stage>/GET/...), so that {verb} {path} is not granted beyond the owner account; {redeploy}."
        ),
        "apigw-write-external-accounts" => format!(
            "Narrow the resource policy of API {api_id} so that {verb} {path} is not granted to other accounts: Resource only the read methods (execute-api:/<stage>/GET/...), or replace ANY methods with explicit GET methods; {redeploy}."
        ),
        "apigw-write-organization" => format!(
            "Narrow the resource policy of API {api_id} so that {verb} {path} is not granted to the whole organization: grant writes only to the principals that need them (aws:PrincipalArn or named roles), or drop the write verbs from the organization-wide grant; {redeploy}."
        ),
        "apigw-read-any-aws-account" => format!(
            "In the resource policy of API {api_id}, replace Principal \"*\" with the partner role's ARN (or narrow it with aws:PrincipalOrgID / aws:PrincipalAccount); {redeploy}."
        ),
        _ => String::new(),
    }
}

/// What the stage serves, when it is not simply the working copy's method: the canary that
/// serves it, a deployment older than the working copy's change, or why the working copy had
/// to stand in for the deployment. Empty, or sentences each led by a space.
pub(super) fn served_words(by: &[&Judged], stages_unknown: bool) -> String {
    if stages_unknown {
        // The stage words already say the method is judged as deployed.
        return String::new();
    }
    let mut out = String::new();
    let mut reasons: Vec<&str> = by
        .iter()
        .filter_map(|j| match &j.m.served.from {
            ServedFrom::WorkingCopy(why) => Some(why.as_str()),
            ServedFrom::Summary(_) => None,
        })
        .collect();
    reasons.dedup();
    if !reasons.is_empty() {
        out.push_str(&format!(
            " Judged on the API's working copy, at medium confidence: {}.",
            reasons.join("; ")
        ));
    }
    for j in by.iter().filter(|j| !j.m.from_working_copy()) {
        let (s, m) = (j.m.served, &j.m);
        let deployment = s.deployment_id.unwrap_or("?");
        if let Some(percent) = s.canary_percent {
            out.push_str(&format!(
                " The canary of stage {} serves it to {percent}% of the stage's traffic (deployment {deployment}, authorizationType {}{}).",
                s.stage,
                m.authorization_type,
                key_words(m.api_key_required)
            ));
        } else if m.differs_from_working_copy() {
            match m.working {
                None => out.push_str(&format!(
                    " The working copy no longer has this method, but stage {} still serves it (deployment {deployment}).",
                    s.stage
                )),
                Some((_, wc)) => out.push_str(&format!(
                    " The working copy has authorizationType {}{} on it, but stage {} still serves deployment {deployment}, where it has {}{}: the change is not live until the stage is redeployed.",
                    wc.authorization_type,
                    key_words(wc.api_key_required),
                    s.stage,
                    m.authorization_type,
                    key_words(m.api_key_required)
                )),
            }
        }
    }
    out
}

fn key_words(api_key_required: bool) -> &'static str {
    if api_key_required {
        " with an API key required"
    } else {
        ""
    }
}

/// The complete fix of one REST method finding, from what serves it: when the working copy
/// no longer breaks the rule, deploying it is the fix; otherwise the method's own fix. A
/// canary that serves the method gets its own step: deploy the fix to it, or turn it off.
pub(super) fn served_fix(
    api_id: &str,
    stage: &str,
    by: &[&Judged],
    broken: &BrokenRule,
    working_copy_fixed: bool,
) -> String {
    let m = &by[0].m;
    let canary_steps: Vec<String> = by
        .iter()
        .filter_map(|j| {
            let s = j.m.served;
            let percent = s.canary_percent?;
            Some(format!(
                "the canary of stage {stage} serves deployment {} to {percent}% of its traffic: deploy the fixed API to the canary (aws apigateway create-deployment --rest-api-id {api_id} --stage-name {stage} --canary-settings percentTraffic={percent}) or turn the canary off (aws apigateway update-stage --rest-api-id {api_id} --stage-name {stage} --patch-operations op=remove,path=/canarySettings)",
                s.deployment_id.unwrap_or("?"),
                stage = s.stage,
            ))
        })
        .collect();
    let primary_breaks = by.iter().any(|j| !j.m.served.is_canary());
    let resource_id = by
        .iter()
        .find_map(|j| j.m.working.map(|(r, _)| r.id.as_str()));
    let mut fix = match resource_id {
        Some(resource_id) if !working_copy_fixed => {
            rest_method_fix(broken.rule, api_id, resource_id, stage, m.verb, m.path)
                .trim_end_matches('.')
                .to_string()
        }
        _ if primary_breaks => format!(
            "The working copy no longer lets {} {} through this way: deploy it ({})",
            m.verb,
            m.path,
            deploy_command(api_id, stage)
        ),
        _ => String::new(),
    };
    for step in canary_steps {
        if fix.is_empty() {
            let mut chars = step.chars();
            fix = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
        } else {
            fix.push_str(&format!("; then {step}"));
        }
    }
    fix.push('.');
    fix
}

/// The command that deploys the working copy to a stage (`*`: to each stage).
pub(super) fn deploy_command(api_id: &str, stage: &str) -> String {
    if stage == "*" {
        format!("aws apigateway create-deployment --rest-api-id {api_id} --stage-name STAGE, for every stage")
    } else {
        format!("aws apigateway create-deployment --rest-api-id {api_id} --stage-name {stage}")
    }
}

/// What an `ANY` finding covers: every verb, or only those that reach this far (the others
/// are reported under their own rule, or are not exposed).
pub(super) fn any_words(method: &str, c: &BrokenRule) -> String {
    if method != "ANY" {
        String::new()
    } else if c.verbs.len() == ANY_VERBS.len() {
        "; ANY lets every verb through, writes included".to_string()
    } else {
        format!(
            "; ANY lets every verb through, and this reach holds for {}",
            c.verbs.join(", ")
        )
    }
}

/// The stage a finding holds on, for its message: `*` reads as `every_stage`.
pub(super) fn stage_words(stage: &str, stages_unknown: bool, every_stage: &str) -> String {
    if stages_unknown {
        "any stage (its stages could not be read, so it is judged as deployed)".to_string()
    } else if stage == "*" {
        every_stage.to_string()
    } else {
        format!("stage {stage}")
    }
}

/// The complete fix of one HTTP API route finding: attach an authorizer (HTTP APIs have no
/// resource policy, so the route's authorizer is the only lever), then deploy. Empty when the
/// route already has one: the rule's generic text stands.
pub(super) fn http_route_fix(
    auth: Auth,
    write: bool,
    api_id: &str,
    route: &HttpRoute,
    stage: &str,
) -> String {
    if !auth.is_unauthenticated() {
        return String::new();
    }
    let attach = format!(
        "Attach an authorizer to route {} (aws apigatewayv2 update-route --api-id {} --route-id {} --authorization-type AWS_IAM, or a JWT or Lambda authorizer)",
        route.route_key, api_id, route.id
    );
    // A deployment made without --stage-name goes live on no stage.
    // `$default` is quoted: a shell would expand it to nothing.
    let stage_name = match stage {
        "*" => "STAGE".to_string(),
        s if s.contains('$') => format!("'{s}'"),
        s => s.to_string(),
    };
    let deploy = format!(
        "stages without automatic deployment need a new deployment (aws apigatewayv2 create-deployment --api-id {} --stage-name {stage_name})",
        api_id
    );
    if write {
        format!("{attach}, or delete the route if nothing should write through it; {deploy}.")
    } else {
        format!("{attach}; {deploy}. If the data is truly public, document it and suppress this finding for the route.")
    }
}
