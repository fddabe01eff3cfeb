//! The README's demo command, run for real: `scripts/demo` starts its own emulator (its id
//! generator is seeded, so ids are stable; that is why it cannot share the suite's emulator,
//! whose ids interleave with every other test; moto 5.2.1 draws VPC Lattice ids from the
//! unseeded `uuid.uuid4`, so the demo's emulator is tests/estates/stable_moto.py, which seeds
//! that too), seeds the story's estate, audits it, and writes
//! the four reports. The tests check what the demo shows, that the SARIF validates against
//! the official schema, and that the committed `reports/` are current.

use crate::harness;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Runs the demo once per process into a scratch directory; returns that directory.
fn demo_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = harness::scratch_dir().join("demo");
        let out = Command::new(harness::project_root().join("scripts/demo"))
            .args(["--out-dir", dir.to_str().unwrap()])
            .env("OVEREXPOSED_BIN", env!("CARGO_BIN_EXE_overexposed"))
            .output()
            .expect("run scripts/demo");
        assert_eq!(
            out.status.code(),
            Some(0),
            "scripts/demo failed.\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        let written = std::fs::read_to_string(dir.join("demo.txt")).unwrap();
        assert_eq!(printed, written, "the demo prints the table it writes");
        dir
    })
}

fn read(name: &str) -> String {
    std::fs::read_to_string(demo_dir().join(name)).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap()
}

/// Timestamps are the only part of a report that differs between two runs of the demo.
fn without_timestamps(text: &str) -> String {
    text.lines()
        .filter(|l| {
            ![
                "\"started_at\"",
                "\"finished_at\"",
                "\"startTimeUtc\"",
                "\"endTimeUtc\"",
            ]
            .iter()
            .any(|k| l.trim_start().starts_with(k))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn committed_reports_are_current() {
    for name in ["demo.txt", "demo.json", "demo.sarif", "demo.md"] {
        let committed = harness::project_root().join("reports").join(name);
        let committed = std::fs::read_to_string(&committed).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run scripts/demo to create it",
                committed.display()
            )
        });
        assert!(
            without_timestamps(&committed) == without_timestamps(&read(name)),
            "reports/{name} is stale: run scripts/demo and commit reports/"
        );
    }
}

#[test]
fn the_demo_shows_the_safe_design_clean_and_every_alternative_flagged() {
    let report = json("demo.json");
    assert_eq!(report["scan"]["complete"], true);
    let findings = report["findings"].as_array().unwrap();
    let rows: BTreeSet<(String, String, String, String, String)> = findings
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                s("rule_id"),
                s("entry_point"),
                s("method"),
                s("path"),
                s("reach"),
            )
        })
        .collect();
    let r = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        (a.into(), b.into(), c.into(), d.into(), e.into())
    };
    let expected: BTreeSet<_> = [
        // Drift on API Gateway.
        r(
            "apigw-unauthenticated-write-internet",
            "api_gateway_rest",
            "POST",
            "/orders",
            "internet",
        ),
        r(
            "apigw-write-any-aws-account",
            "api_gateway_rest",
            "ANY",
            "/admin/{proxy+}",
            "any_aws_account",
        ),
        r(
            "apigw-write-any-aws-account",
            "api_gateway_rest",
            "DELETE",
            "/orders/{id}",
            "any_aws_account",
        ),
        r(
            "apigw-read-any-aws-account",
            "api_gateway_rest",
            "GET",
            "/orders",
            "any_aws_account",
        ),
        r(
            "apigw-unauthenticated-write-internet",
            "api_gateway_http",
            "POST",
            "/orders",
            "internet",
        ),
        r(
            "apigw-unauthenticated-read-internet",
            "api_gateway_http",
            "GET",
            "/orders",
            "internet",
        ),
        // The five tempting alternatives.
        r(
            "privatelink-open-to-external-accounts",
            "privatelink",
            "*",
            "*",
            "accounts:[222222222222]",
        ),
        r(
            "peering-exposes-private-backend",
            "vpc_peering",
            "*",
            "*",
            "accounts:[222222222222]",
        ),
        r(
            "public-lb-exposes-private-backend",
            "public_load_balancer",
            "*",
            "*",
            "internet",
        ),
        r(
            "transit-gateway-exposes-private-backend",
            "transit_gateway",
            "*",
            "*",
            "accounts:[222222222222]",
        ),
        // No authentication on the service, the partner's VPC associated with its network.
        r(
            "lattice-unauthenticated-cross-account",
            "vpc_lattice",
            "*",
            "*",
            "accounts:[222222222222]",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(rows, expected);
    // Two public load balancers (ALB with a WAF, NLB): one finding each.
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule_id"] == "public-lb-exposes-private-backend")
            .count(),
        2
    );
    // The safe API (the only one with a partner-only policy) has no finding at all.
    let safe_api = findings
        .iter()
        .filter(|f| f["evidence"]["api_name"] == "orders-partner-api")
        .count();
    assert_eq!(safe_api, 0);
    // Every network finding names the safe API's methods it bypasses.
    for f in findings.iter().filter(|f| f["auth"] == "network_only") {
        let bypassed = f["evidence"]["bypassed_methods"].as_array().unwrap();
        assert!(
            bypassed
                .iter()
                .any(|m| m["api_name"] == "orders-partner-api" && m["method"] == "GET"),
            "{f:#}"
        );
    }
    let table = read("demo.txt");
    assert!(
        table.contains("12 findings (6 critical, 6 high, 0 medium, 0 low, 0 info)"),
        "{table}"
    );
    assert!(table.contains("scan complete"));
}

#[test]
fn demo_sarif_validates_against_the_official_schema_and_github_rules() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            harness::project_root().join("tests/schemas/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let sarif = json("demo.sarif");
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );

    // What GitHub code scanning demands beyond the schema.
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("security-severity string")
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&score));
        assert!(rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security"));
        assert!(
            rule["help"]["markdown"].as_str().is_some() && rule["help"]["text"].as_str().is_some()
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 12);
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            !uri.contains(':') && uri.starts_with("aws/111111111111/us-east-1/"),
            "{uri}"
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert!(r["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .is_some());
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:")
        );
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(
        run["automationDetails"]["id"],
        "overexposed/111111111111+222222222222/us-east-1/"
    );
}

#[test]
fn the_readme_shows_the_current_demo() {
    let readme = std::fs::read_to_string(harness::project_root().join("README.md")).unwrap();
    let table = read("demo.txt");
    assert!(
        readme.contains(table.trim_end()),
        "README's demo table is stale: paste reports/demo.txt into it"
    );
    let calls: u64 = json("demo.json")["scan"]["api_calls"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(
        readme.contains(&format!("The demo's audit makes {calls} calls")),
        "README's call count of the demo is stale: it makes {calls}"
    );
}
