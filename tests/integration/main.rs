//! The integration suite: the real `overexposed` binary against the real `moto` emulator.
//!
//! One emulator process serves the whole test binary (see `harness`); every estate uses its own
//! account ids, so tests share it without resets and run in parallel. Each test seeds what it
//! needs (once per process), runs the binary, and asserts the exact set of findings: what must
//! be reported and what must not.

mod harness;

mod fault_proxy;

mod api_gateway;
mod apigw_paths;
mod cli;
mod demo;
mod faults;
mod fewest_calls;
mod lattice;
mod network;
mod ops;
mod org_run;
mod packaging;
mod read_only;
mod role_trust;
mod rules_coverage;
mod sarif_split;
mod shard;
mod transit;

use serde_json::Value;
use std::collections::BTreeSet;

/// One finding reduced to what a test pins: (rule, api id, stage, method, path, reach).
pub type Row = (String, String, String, String, String, String);

pub fn rows(report: &Value) -> BTreeSet<Row> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                s("rule_id"),
                s("api_id"),
                s("stage"),
                s("method"),
                s("path"),
                s("reach"),
            )
        })
        .collect()
}

pub fn row(rule: &str, api: &str, stage: &str, method: &str, path: &str, reach: &str) -> Row {
    (
        rule.into(),
        api.into(),
        stage.into(),
        method.into(),
        path.into(),
        reach.into(),
    )
}

/// Findings of one API only.
pub fn rows_for_api(report: &Value, api_id: &str) -> BTreeSet<Row> {
    rows(report).into_iter().filter(|r| r.1 == api_id).collect()
}

/// Pretty diff for set assertions.
#[track_caller]
pub fn assert_rows(actual: &BTreeSet<Row>, expected: &[Row]) {
    let expected: BTreeSet<Row> = expected.iter().cloned().collect();
    if *actual != expected {
        let missing: Vec<_> = expected.difference(actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        panic!("findings differ\n  missing: {missing:#?}\n  unexpected: {extra:#?}");
    }
}
