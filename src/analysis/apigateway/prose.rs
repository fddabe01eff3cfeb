//! The words of a finding that are not its rule's: how the caller is authenticated, which
//! verbs and stages it covers, and the facts its rule's fix names (ids, exact commands).

use super::classify::BrokenRule;
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
    // A deployment made without --stage-name goes live on no stage.
    // `$default` is quoted: a shell would expand it to nothing.
    let stage_name = match stage {
        "*" => "STAGE".to_string(),
        s if s.contains('$') => format!("'{s}'"),
        s => s.to_string(),
    };
    let attach_authorizer = format!(
        "aws apigatewayv2 update-route --api-id {api_id} --route-id {} --authorization-type AWS_IAM",
        route.id
    );
    let deploy =
        format!("aws apigatewayv2 create-deployment --api-id {api_id} --stage-name {stage_name}");
    rule.rule()
        .http_route_fix(&[
            ("route", format!("route {}", route.route_key)),
            ("attach_authorizer", attach_authorizer),
            ("deploy", deploy),
        ])
        .unwrap_or_default()
}
