//! What a stage serves (exposure model §10): each stage judged by its deployment's API
//! summary and its canary's, the working copy standing in (at medium confidence) only when a
//! summary is missing, and the stages that differ from the working copy reported on their own.

use super::{audit, audit_rest, method, only, rest_api, rows, summary, target_with};
use crate::inventory::{Canary, DeployedMethod, Deployment, RestApi, ScanError, Stage};
use crate::model::{Auth, Confidence, Finding};
use crate::rules::RuleId;
use serde_json::json;
use std::collections::BTreeMap;

const WRITE_INTERNET: RuleId = RuleId::ApigwUnauthenticatedWriteInternet;
const UNDEPLOYED: RuleId = RuleId::ApigwUndeployedChange;

/// A deployment whose API summary has these (path, verb, authorizationType) methods.
fn deployment(id: &str, methods: &[(&str, &str, &str)]) -> Deployment {
    let mut summary: BTreeMap<String, BTreeMap<String, DeployedMethod>> = BTreeMap::new();
    for (path, verb, auth) in methods {
        summary.entry(path.to_string()).or_default().insert(
            verb.to_string(),
            DeployedMethod {
                authorization_type: auth.to_string(),
                api_key_required: false,
            },
        );
    }
    Deployment {
        id: id.into(),
        api_summary: Some(summary),
    }
}

fn stage(name: &str, deployment: &str) -> Stage {
    Stage {
        name: name.into(),
        deployment_id: Some(deployment.into()),
        ..Default::default()
    }
}

/// `api` with these stages and deployments.
fn serving(mut api: RestApi, stages: Vec<Stage>, deployments: Vec<Deployment>) -> RestApi {
    api.stages = stages;
    api.deployments = deployments;
    api
}

/// A regional API whose working copy has the one method `working` (path, verb,
/// authorizationType), and whose one stage, prod, serves deployment `id` with `deployed`.
fn prod_serving(working: (&str, &str, &str), id: &str, deployed: &[(&str, &str, &str)]) -> RestApi {
    let (path, verb, auth) = working;
    serving(
        rest_api("REGIONAL", None, &[], only(path, verb, auth)),
        vec![stage("prod", id)],
        vec![deployment(id, deployed)],
    )
}

fn of_rule(f: &[Finding], rule: RuleId) -> &Finding {
    let hits: Vec<&Finding> = f.iter().filter(|x| x.rule_id == rule).collect();
    assert_eq!(hits.len(), 1, "{rule}: {f:#?}");
    hits[0]
}

#[track_caller]
fn assert_says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "lacks {needle:?}: {text}");
    }
}

#[test]
fn a_method_fixed_in_the_working_copy_is_still_open_on_a_stage_serving_the_old_deployment() {
    // The working copy requires IAM; stage prod still serves d-old, where POST is NONE.
    let api = prod_serving(
        ("/orders", "POST", "AWS_IAM"),
        "d-old",
        &[("/orders", "POST", "NONE")],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&[
            "apigw-unauthenticated-write-internet prod POST /orders internet",
            "apigw-undeployed-change prod * * owner",
        ])
    );
    let open = of_rule(&f, WRITE_INTERNET);
    assert_eq!(open.confidence, Confidence::High);
    assert_eq!(open.auth, Auth::None);
    assert_says(
        &open.message,
        &[
            "working copy has authorizationType AWS_IAM",
            "still serves deployment d-old",
        ],
    );
    // The working copy is already right: deploying it is the whole fix.
    assert_says(
        &open.remediation,
        &["aws apigateway create-deployment --rest-api-id api1 --stage-name prod"],
    );
    assert!(
        !open.remediation.contains("update-method"),
        "{}",
        open.remediation
    );
    assert_eq!(open.evidence["authorization_type"], "NONE");
    assert_eq!(
        open.evidence["working_copy"],
        json!({"authorization_type": "AWS_IAM", "api_key_required": false})
    );
    assert_eq!(
        open.evidence["served_by"],
        json!([{"stage": "prod", "deployment_id": "d-old", "authorization_type": "NONE",
                "api_key_required": false, "read_from": "api_summary"}])
    );
    let drift = of_rule(&f, UNDEPLOYED);
    assert_eq!(drift.confidence, Confidence::High);
    assert_eq!(
        drift.resource_arn,
        "arn:aws:apigateway:us-east-1::/restapis/api1/stages/prod"
    );
    assert_says(
        &drift.message,
        &["POST /orders is AWS_IAM in the working copy and NONE on stage prod"],
    );
}

#[test]
fn a_method_added_but_never_deployed_is_not_reachable_yet() {
    let api = serving(
        rest_api(
            "REGIONAL",
            None,
            &[],
            vec![(
                "/orders",
                vec![method("GET", "AWS_IAM"), method("POST", "NONE")],
            )],
        ),
        vec![stage("prod", "d1")],
        vec![deployment("d1", &[("/orders", "GET", "AWS_IAM")])],
    );
    let f = audit_rest(api);
    // No method finding: the open POST is not deployed. The stage's note says what
    // deploying would open, and the fix fixes it first.
    assert_eq!(
        summary(&f),
        rows(&["apigw-undeployed-change prod * * owner"])
    );
    assert_says(
        &f[0].message,
        &[
            "POST /orders is in the working copy (NONE) but not deployed (deploying it would break apigw-unauthenticated-write-internet)",
            "deploying it as it is would open 1 method(s)",
        ],
    );
    assert_says(
        &f[0].remediation,
        &[
            "update-method --rest-api-id api1 --resource-id r0 --http-method POST",
            "create-deployment --rest-api-id api1 --stage-name prod",
        ],
    );
    assert_eq!(
        f[0].evidence["changes"][0]["deploying_would_break"],
        json!([WRITE_INTERNET])
    );
    assert_eq!(f[0].severity, crate::model::Severity::Info);
}

#[test]
fn a_method_deleted_from_the_working_copy_is_still_served() {
    let api = prod_serving(
        ("/orders", "GET", "AWS_IAM"),
        "d1",
        &[
            ("/orders", "GET", "AWS_IAM"),
            ("/orders/{id}", "DELETE", "NONE"),
        ],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&[
            "apigw-unauthenticated-write-internet prod DELETE /orders/{id} internet",
            "apigw-undeployed-change prod * * owner",
        ])
    );
    let open = of_rule(&f, WRITE_INTERNET);
    assert_says(
        &open.message,
        &["working copy no longer has this method, but stage prod still serves it"],
    );
    assert_says(
        &open.remediation,
        &["create-deployment --rest-api-id api1 --stage-name prod"],
    );
    assert_eq!(open.evidence["working_copy"], json!(null));
}

#[test]
fn a_canary_serves_its_own_deployment_to_a_share_of_the_traffic() {
    let mut prod = stage("prod", "d1");
    prod.canary = Some(Canary {
        deployment_id: Some("d2".into()),
        percent_traffic: Some(10.0),
    });
    let api = serving(
        rest_api("REGIONAL", None, &[], only("/orders", "POST", "AWS_IAM")),
        vec![prod.clone(), stage("dev", "d1")],
        vec![
            deployment("d1", &[("/orders", "POST", "AWS_IAM")]),
            deployment("d2", &[("/orders", "POST", "NONE")]),
        ],
    );
    let f = audit_rest(api);
    // Only prod's canary serves the open POST: the finding names prod, never `*`; the
    // canary is meant to differ from the working copy, so it is no undeployed change.
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet prod POST /orders internet"])
    );
    assert_says(
        &f[0].message,
        &["canary of stage prod serves it to 10% of the stage's traffic (deployment d2, authorizationType NONE)"],
    );
    assert_says(
        &f[0].remediation,
        &[
            "create-deployment --rest-api-id api1 --stage-name prod --canary-settings percentTraffic=10",
            "update-stage --rest-api-id api1 --stage-name prod --patch-operations op=remove,path=/canarySettings",
        ],
    );
    assert_eq!(
        f[0].evidence["served_by"][0]["canary_percent_traffic"],
        json!(10.0)
    );

    // A canary serving the same open method as its stage adds to the same finding.
    let api = serving(
        rest_api("REGIONAL", None, &[], only("/orders", "POST", "NONE")),
        vec![prod],
        vec![
            deployment("d1", &[("/orders", "POST", "NONE")]),
            deployment("d2", &[("/orders", "POST", "NONE")]),
        ],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet prod POST /orders internet"])
    );
    assert_eq!(f[0].evidence["served_by"].as_array().unwrap().len(), 2);
    // The method itself is the fix, and the canary then needs it too.
    assert_says(
        &f[0].remediation,
        &[
            "update-method --rest-api-id api1 --resource-id r0",
            "--canary-settings",
        ],
    );
}

#[test]
fn stages_serving_the_same_methods_collapse_to_every_stage_at_high_confidence() {
    let api = serving(
        rest_api("REGIONAL", None, &[], only("/orders", "POST", "NONE")),
        vec![stage("dev", "d1"), stage("prod", "d2")],
        vec![
            deployment("d1", &[("/orders", "POST", "NONE")]),
            deployment("d2", &[("/orders", "POST", "NONE")]),
        ],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet * POST /orders internet"])
    );
    assert_eq!(f[0].confidence, Confidence::High);
    assert_eq!(f[0].evidence["served_by"].as_array().unwrap().len(), 2);
    // Served as the working copy has it: no working copy to tell apart.
    assert!(
        !f[0].evidence.contains_key("working_copy"),
        "{:?}",
        f[0].evidence
    );
    // A stage that serves it differently splits them.
    let api = serving(
        rest_api("REGIONAL", None, &[], only("/orders", "POST", "NONE")),
        vec![stage("dev", "d1"), stage("prod", "d2")],
        vec![
            deployment("d1", &[("/orders", "POST", "NONE")]),
            deployment("d2", &[("/orders", "POST", "AWS_IAM")]),
        ],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&[
            "apigw-unauthenticated-write-internet dev POST /orders internet",
            "apigw-undeployed-change prod * * owner",
        ])
    );
}

#[test]
fn a_missing_summary_judges_the_working_copy_at_medium_confidence_and_says_why() {
    let api = || rest_api("REGIONAL", None, &[], only("/orders", "POST", "NONE"));
    let cases: Vec<(RestApi, Option<ScanError>, &str)> = vec![
        // AWS answered without a summary (the emulator never returns one).
        (
            serving(
                api(),
                vec![stage("prod", "d1")],
                vec![Deployment {
                    id: "d1".into(),
                    api_summary: None,
                }],
            ),
            None,
            "AWS returned no API summary for deployment d1 of stage prod",
        ),
        // The read failed: a gap, and the verdict stands on the working copy.
        (
            serving(api(), vec![stage("prod", "d1")], vec![]),
            Some(ScanError {
                operation: "apigateway:GetDeployment".into(),
                code: "AccessDeniedException".into(),
                message: "denied".into(),
                resource: Some("api1/d1".into()),
            }),
            "deployment d1 of stage prod could not be read (apigateway:GetDeployment: AccessDeniedException)",
        ),
        // A snapshot from before deployments were read.
        (
            serving(api(), vec![stage("prod", "d1")], vec![]),
            None,
            "deployment d1 of stage prod was not read",
        ),
        (
            serving(api(), vec![Stage { name: "prod".into(), ..Default::default() }], vec![]),
            None,
            "stage prod names no deployment",
        ),
    ];
    for (api, error, why) in cases {
        let mut t = target_with(vec![api], vec![]);
        t.errors.extend(error);
        let f = audit(t);
        assert_eq!(
            summary(&f),
            rows(&["apigw-unauthenticated-write-internet prod POST /orders internet"]),
            "{why}"
        );
        assert_eq!(f[0].confidence, Confidence::Medium, "{why}");
        assert_says(
            &f[0].message,
            &[
                "Judged on the API's working copy, at medium confidence",
                why,
            ],
        );
        assert_eq!(f[0].evidence["served_by"][0]["read_from"], "working_copy");
    }
}

#[test]
fn a_stage_serving_a_safe_deployment_is_clean_while_its_working_copy_is_open() {
    let api = prod_serving(
        ("/orders", "DELETE", "NONE"),
        "d1",
        &[("/orders", "DELETE", "AWS_IAM")],
    );
    let f = audit_rest(api);
    assert_eq!(
        summary(&f),
        rows(&["apigw-undeployed-change prod * * owner"])
    );
    assert_says(
        &f[0].message,
        &["DELETE /orders is NONE in the working copy and AWS_IAM on stage prod (deploying it would break apigw-unauthenticated-write-internet)"],
    );
}

#[test]
fn an_api_key_required_by_the_deployment_is_what_callers_meet() {
    let mut api = prod_serving(
        ("/orders", "POST", "NONE"),
        "d1",
        &[("/orders", "POST", "NONE")],
    );
    api.deployments[0]
        .api_summary
        .as_mut()
        .unwrap()
        .get_mut("/orders")
        .unwrap()
        .get_mut("POST")
        .unwrap()
        .api_key_required = true;
    let f = audit_rest(api);
    let open = of_rule(&f, WRITE_INTERNET);
    assert_eq!(open.auth, Auth::ApiKeyOnly);
    assert_says(
        &of_rule(&f, UNDEPLOYED).message,
        &["POST /orders is NONE in the working copy and NONE with an API key on stage prod"],
    );
}

#[test]
fn a_cors_preflight_in_the_summary_is_no_method_and_no_change() {
    let mut options = method("OPTIONS", "NONE");
    options.integration = Some(crate::inventory::Integration {
        integration_type: Some("MOCK".into()),
        ..Default::default()
    });
    let api = serving(
        rest_api("REGIONAL", None, &[], vec![("/orders", vec![options])]),
        vec![stage("prod", "d1")],
        vec![deployment("d1", &[("/orders", "OPTIONS", "NONE")])],
    );
    assert_eq!(audit_rest(api), vec![]);
}

#[test]
fn unreadable_stages_are_judged_on_the_working_copy_without_change_notes() {
    // GetStages failed: whatever deployments were read, the candidate stages are judged on
    // the working copy (the widest), and no stage is compared with it.
    let api = serving(
        rest_api("REGIONAL", None, &[], only("/orders", "POST", "NONE")),
        vec![],
        vec![deployment("d1", &[("/orders", "POST", "AWS_IAM")])],
    );
    let mut t = target_with(vec![api], vec![]);
    t.errors.push(ScanError {
        operation: "apigateway:GetStages".into(),
        code: "AccessDeniedException".into(),
        message: "denied".into(),
        resource: Some("api1".into()),
    });
    let f = audit(t);
    assert_eq!(
        summary(&f),
        rows(&["apigw-unauthenticated-write-internet * POST /orders internet"])
    );
    assert_eq!(f[0].confidence, Confidence::Medium);
    assert!(!f[0].evidence.contains_key("served_by"));
}

/// A policy verdict the engine had to bound (more accounts named than it probes) lowers the
/// confidence of a method judged from its deployment's summary, which alone would be high
/// (mutant: verdict.rs `rest_verdict`, `low_confidence |= verdict.low_confidence` -> `&=`;
/// the fixtures of `apigateway/tests.rs` have no summary, so they are at medium anyway).
#[test]
fn a_capped_policy_verdict_lowers_the_confidence_of_a_deployed_method() {
    let policy = |n: u64| {
        let ids: Vec<String> = (0..n)
            .map(|i| format!("\"{:012}\"", 500_000_000_000u64 + i))
            .collect();
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"execute-api:Invoke","Resource":"*"}}]}}"#,
            ids.join(",")
        )
    };
    let judged = |n: u64| {
        let text = policy(n);
        let api = serving(
            rest_api(
                "REGIONAL",
                Some(&text),
                &[],
                only("/items", "POST", "AWS_IAM"),
            ),
            vec![stage("prod", "d1")],
            vec![deployment("d1", &[("/items", "POST", "AWS_IAM")])],
        );
        let f = audit_rest(api);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].rule_id.as_str(), "apigw-write-external-accounts");
        assert!(!f[0].evidence.contains_key("unevaluated_conditions"));
        f[0].confidence
    };
    assert_eq!(judged(2), Confidence::High);
    assert_eq!(judged(100), Confidence::Medium);
}
