//! The regression corpus: real resource policies from public sources
//! (`tests/policy-corpus/*.json`, see its README), each with the verdicts derived from AWS's
//! documentation. Every row must agree.

use super::*;
use serde_json::Value;
use std::collections::HashMap;

/// The instant the corpus is judged at.
const CORPUS_AT: &str = "2026-12-01T00:00:00Z";

/// What the analysis asks the engine for a method of this authorization on this endpoint
/// (as `analysis/apigateway` does).
fn query_kind(auth: &str, endpoint: &str) -> (CallerKind, PolicyMode, Network) {
    let network = if endpoint == "PRIVATE" {
        Network::PrivateVpce
    } else {
        Network::Public
    };
    let (caller, mode) = match (auth, network) {
        ("AWS_IAM", _) => (CallerKind::Authenticated, PolicyMode::AllowRequired),
        ("CUSTOM" | "COGNITO_USER_POOLS", Network::Public) => {
            (CallerKind::Anonymous, PolicyMode::DenyOnly)
        }
        _ => (CallerKind::Anonymous, PolicyMode::AllowRequired),
    };
    (caller, mode, network)
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_string()
}

/// The verdicts of one corpus file: (row description, expected, got).
fn judge(entry: &Value) -> Vec<(String, String, String)> {
    let owner = text(entry, "owner_account");
    let region = text(entry, "region");
    let api = text(entry, "api_id");
    let list = |kind: &str| {
        entry["estate"][kind]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let vpce_owner: HashMap<String, String> = list("vpc_endpoints")
        .iter()
        .map(|e| (text(e, "id"), text(e, "owner")))
        .collect();
    let vpce_vpc: HashMap<String, String> = list("vpc_endpoints")
        .iter()
        .map(|e| (text(e, "id"), text(e, "vpc")))
        .collect();
    let vpc_owner: HashMap<String, String> = list("vpcs")
        .iter()
        .map(|v| (text(v, "id"), text(v, "owner")))
        .collect();
    let by_vpce = |id: &str| vpce_owner.get(id).cloned();
    let by_vpc = |id: &str| vpc_owner.get(id).cloned();
    let vpc_of = |id: &str| vpce_vpc.get(id).cloned();
    let at = OffsetDateTime::parse(CORPUS_AT, &::time::format_description::well_known::Rfc3339)
        .expect("instant");
    let ctx = ReachContext {
        owner_account: &owner,
        region: &region,
        at: Some(at),
        vpce_owner: &by_vpce,
        vpc_owner: &by_vpc,
        vpce_vpc: &vpc_of,
    };
    let parsed = parse_policy(&entry["policy"].to_string());
    let mut out = Vec::new();
    for row in entry["expect"].as_array().expect("expect rows") {
        let (stage, method, path) = (text(row, "stage"), text(row, "method"), text(row, "path"));
        let (auth, endpoint) = (text(row, "auth"), text(row, "endpoint"));
        let got = match &parsed {
            Err(_) => "error".to_string(),
            Ok(doc) => {
                let arn = format!(
                    "arn:aws:execute-api:{region}:{owner}:{api}/{stage}/{method}/{}",
                    path.trim_start_matches('/')
                );
                let (caller, mode, network) = query_kind(&auth, &endpoint);
                let query = ReachQuery {
                    resource_arn: &arn,
                    caller,
                    mode,
                    network,
                };
                reach_of(doc, &query, &ctx).reach.label()
            }
        };
        out.push((
            format!(
                "{}: {stage} {method} {path} ({auth}, {endpoint})",
                text(entry, "id")
            ),
            text(row, "reach"),
            got,
        ));
    }
    out
}

#[test]
fn the_corpus_agrees_with_the_documented_verdicts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for f in &files {
        let entry: Value = serde_json::from_str(&std::fs::read_to_string(f).expect("read"))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            entry["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://")),
            "{}: every policy names its public source",
            f.display()
        );
        rows.extend(judge(&entry));
    }
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(_, want, got)| want != got)
        .map(|(what, want, got)| format!("{what}: expected {want}, engine says {got}"))
        .collect();
    assert!(files.len() >= 30, "{} policies", files.len());
    assert!(
        wrong.is_empty(),
        "{} of {} rows ({} policies) disagree:\n  {}",
        wrong.len(),
        rows.len(),
        files.len(),
        wrong.join("\n  ")
    );
}
