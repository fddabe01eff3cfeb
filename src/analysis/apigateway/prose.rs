//! The words of a finding that are not its rule's: how the caller is authenticated, which
//! verbs and stages it covers, and the facts its rule's fix names (ids, exact commands).

use super::classify::BrokenRule;
use super::served::Judged;
use super::stages::ServedFrom;
use super::verdict::ANY_VERBS;
use crate::inventory::HttpRoute;
use crate::model::Auth;
use crate::rules::RuleId;

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
        Auth::Unknown => "an authentication that was not determined",
    }
}

/// The fix of one REST API method finding: the rule's remediation with this method, the
/// exact command that requires IAM on it, and the redeploy that makes a change take effect.
pub(super) fn rest_method_fix(
    rule: RuleId,
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
    rule.rule().fix(&[
        ("method", format!("{verb} {path}")),
        ("api", format!("API {api_id}")),
        ("api_id", api_id.to_string()),
        ("require_iam", require_iam),
        ("redeploy", redeploy),
    ])
}

/// The fix of a REST API whose resource policy does not parse: the commands that read it and
/// put it back.
pub(super) fn unparseable_policy_fix(api_id: &str) -> String {
    RuleId::ApigwPolicyUnparseable.rule().fix(&[
        ("api", format!("API {api_id}")),
        ("api_id", api_id.to_string()),
    ])
}

pub(super) fn principal_never_matches_fix(
    api_id: &str,
    principals: &[String],
    accounts: &[String],
) -> String {
    RuleId::ApigwPolicyPrincipalNeverMatches.rule().fix(&[
        ("api", format!("API {api_id}")),
        ("api_id", api_id.to_string()),
        ("principals", principals.join(", ")),
        ("accounts", accounts.join(", ")),
    ])
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
    for j in by.iter().filter(|j| !j.m.read_from_working_copy()) {
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

/// The fix of a stage that serves something other than the working copy: deploy the working
/// copy, after fixing each method (verb, path, resource id) that deploying it would open.
pub(super) fn undeployed_change_fix(
    api_id: &str,
    stage: &str,
    opened: &[(&str, &str, &str)],
) -> String {
    let before_deploy = if opened.is_empty() {
        String::new()
    } else {
        let each: Vec<String> = opened
            .iter()
            .map(|(verb, path, resource_id)| {
                format!("{verb} {path}: aws apigateway update-method --rest-api-id {api_id} --resource-id {resource_id} --http-method {verb} --patch-operations op=replace,path=/authorizationType,value=AWS_IAM")
            })
            .collect();
        format!(
            "fix first what deploying it would open ({}), ",
            each.join("; ")
        )
    };
    RuleId::ApigwUndeployedChange.rule().fix(&[
        ("api", format!("API {api_id}")),
        ("before_deploy", before_deploy),
        (
            "redeploy",
            format!(
                "then deploy it to the stage ({})",
                deploy_command(api_id, stage)
            ),
        ),
    ])
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

/// The fix of one HTTP API route finding, when its rule has one for routes: attach an
/// authorizer (HTTP APIs have no resource policy, so the route's authorizer is the only
/// lever), then deploy. Empty otherwise: the rule's generic text stands.
pub(super) fn http_route_fix(rule: RuleId, api_id: &str, route: &HttpRoute, stage: &str) -> String {
    let attach_authorizer = format!(
        "aws apigatewayv2 update-route --api-id {api_id} --route-id {} --authorization-type AWS_IAM",
        route.id
    );
    rule.rule()
        .http_route_fix(&[
            ("route", format!("route {}", route.route_key)),
            ("attach_authorizer", attach_authorizer),
            ("deploy", v2_deploy_command(api_id, stage)),
        ])
        .unwrap_or_default()
}

/// The fix of a WebSocket API whose `$connect` is open: require IAM on it (or create a
/// `$connect` route that does), then deploy. Empty for a rule without facts to fill (a
/// `$connect` behind a Lambda authorizer): the rule's generic text stands.
pub(super) fn websocket_connect_fix(
    rule: RuleId,
    api_id: &str,
    connect: Option<&HttpRoute>,
    stage: &str,
) -> String {
    if rule != RuleId::ApigwWebsocketUnauthenticatedConnect {
        return String::new();
    }
    let (route, attach_authorizer) = match connect {
        Some(r) => (
            "route $connect".to_string(),
            format!(
                "aws apigatewayv2 update-route --api-id {api_id} --route-id {} --authorization-type AWS_IAM",
                r.id
            ),
        ),
        None => (
            "a new $connect route".to_string(),
            format!(
                "aws apigatewayv2 create-route --api-id {api_id} --route-key '$connect' --authorization-type AWS_IAM"
            ),
        ),
    };
    rule.rule().fix(&[
        ("route", route),
        ("attach_authorizer", attach_authorizer),
        ("deploy", v2_deploy_command(api_id, stage)),
    ])
}

/// The command that deploys an HTTP or WebSocket API to a stage. A deployment made without
/// --stage-name goes live on no stage; `$default` is quoted, as a shell would expand it to
/// nothing.
fn v2_deploy_command(api_id: &str, stage: &str) -> String {
    let stage_name = match stage {
        "*" => "STAGE".to_string(),
        s if s.contains('$') => format!("'{s}'"),
        s => s.to_string(),
    };
    format!("aws apigatewayv2 create-deployment --api-id {api_id} --stage-name {stage_name}")
}
