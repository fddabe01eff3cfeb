//! Rules as data stay honest: every rule the binary knows fires on some seed estate, in the
//! audits the API Gateway, network, transit gateway, API Gateway paths and VPC Lattice suites
//! already run or the role trust suite's audit of its cases together (a rule no estate
//! triggers is a rule no test proves). The README table and the rule pages are checked by the
//! unit tests of `report::rule_docs`.

use crate::{api_gateway, apigw_paths, lattice, network, role_trust, transit};
use overexposed::rules::RuleId;
use std::collections::BTreeSet;

#[test]
fn every_rule_fires_on_some_estate() {
    let mut fired: BTreeSet<&str> = BTreeSet::new();
    let [deployments, websocket] = apigw_paths::paths_reports();
    for report in [
        api_gateway::matrix_report(),
        network::network_report(),
        transit::transit_report(),
        role_trust::trust_report(),
        lattice::lattice_report(),
        deployments,
        websocket,
    ] {
        for f in report["findings"].as_array().expect("findings array") {
            fired.insert(f["rule_id"].as_str().expect("rule_id"));
        }
    }
    let silent: Vec<RuleId> = RuleId::ALL
        .into_iter()
        .filter(|id| !fired.contains(id.as_str()))
        .collect();
    assert!(
        silent.is_empty(),
        "rules no seed estate makes fire: {silent:?}"
    );
}
