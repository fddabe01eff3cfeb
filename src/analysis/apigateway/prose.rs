//! The words of a finding: how the caller is authenticated, why the rule matters, and the
//! complete fix.

use super::classify::BrokenRule;
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
        Auth::Unknown => "an authentication that was not determined",
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
