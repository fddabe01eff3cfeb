//! The simulated organization run: a benchmark that prints figures, not a timed test (it is
//! `#[ignore]`d; `scripts/bench --org` runs it).
//!
//! `collect` of an organization of empty accounts (1,000 × 4 regions by default) through the
//! fault proxy standing in for AWS (see `fault_proxy::Simulation`): 50 ms on every call, and
//! AWS's documented throttling per account × region, as token buckets: API Gateway's
//! management API 10 requests per second with a burst of 40, EC2's non-mutating actions 20 per
//! second with a bucket of 100. Accounts are entered with `sts:AssumeRole` on the emulator (so
//! the proxy attributes each call to its account); regions are discovered
//! (`ec2:DescribeRegions`). For each `--concurrency` it prints the wall time, the logical
//! calls, the requests the proxy answered, the throttled answers and the retries.
//!
//! One account in 100 is large: in every region it holds ORG_LARGE_APIS REST APIs, so it reads
//! API Gateway faster than the bucket refills, meets throttling and retries (the SDK's standard
//! retry: exponential backoff with jitter). The run also prints the calls against the fewest
//! for the same data (`fewest_calls::fewest`).
//!
//! Environment: ORG_ACCOUNTS (1000), ORG_REGIONS (4), ORG_CONCURRENCY (a comma-separated list:
//! 8,32,64), ORG_LATENCY_MS (50), ORG_LARGE_APIS (100; 0: every account empty),
//! OVEREXPOSED_BIN (a release binary; default: the test's).

use crate::fault_proxy::{FaultProxy, Simulation};
use crate::harness;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[test]
#[ignore = "a benchmark: scripts/bench --org runs it and prints its figures"]
fn simulated_organization_run() {
    let accounts: usize = env_or("ORG_ACCOUNTS", "1000").parse().unwrap();
    let region_count: usize = env_or("ORG_REGIONS", "4").parse().unwrap();
    let latency = Duration::from_millis(env_or("ORG_LATENCY_MS", "50").parse().unwrap());
    let levels: Vec<usize> = env_or("ORG_CONCURRENCY", "8,32,64")
        .split(',')
        .map(|c| c.trim().parse().unwrap())
        .collect();
    let regions: Vec<String> = [
        "us-east-1",
        "eu-west-1",
        "us-west-2",
        "ap-southeast-2",
        "eu-central-1",
        "ap-northeast-1",
    ]
    .iter()
    .take(region_count)
    .map(|r| r.to_string())
    .collect();
    let ids: Vec<String> = (0..accounts)
        .map(|n| format!("{:012}", 900_000_000_000u64 + n as u64))
        .collect();
    let large_rest_apis: usize = env_or("ORG_LARGE_APIS", "100").parse().unwrap();
    let large_accounts: BTreeSet<String> = if large_rest_apis == 0 {
        BTreeSet::new()
    } else {
        ids.iter().step_by(100).cloned().collect()
    };
    let bin = std::env::var("OVEREXPOSED_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_overexposed").to_string());
    println!(
        "\nsimulated organization run: {accounts} accounts x {region_count} regions ({} of them with {large_rest_apis} REST APIs per region), {} ms per call, {bin}",
        large_accounts.len(),
        latency.as_millis()
    );
    println!(
        "{:>11} {:>9} {:>9} {:>10} {:>10} {:>8} {:>9} {:>8} {:>9} {:>8}",
        "concurrency",
        "wall s",
        "targets",
        "calls",
        "requests",
        "retries",
        "throttled",
        "partial",
        "complete",
        "/fewest"
    );
    for concurrency in levels {
        let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, vec![]);
        proxy.simulate(Simulation {
            latency,
            regions: regions.clone(),
            buckets: vec![
                ("apigateway".into(), 10.0, 40.0),
                ("ec2".into(), 20.0, 100.0),
            ],
            large_accounts: large_accounts.clone(),
            large_rest_apis,
        });
        let out = harness::scratch_file(&format!("org-run-{concurrency}.json"));
        // The harness's clean AWS environment, for whichever binary is measured.
        let env = harness::command(&proxy.endpoint);
        let mut cmd = std::process::Command::new(&bin);
        for (k, v) in env.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.args([
            "collect",
            "--accounts",
            &ids.join(","),
            "--quiet",
            "--concurrency",
            &concurrency.to_string(),
            "-o",
            out.to_str().unwrap(),
        ]);
        let started = Instant::now();
        let run = harness::run(cmd);
        let wall = started.elapsed();
        assert!(run.status == 0 || run.status == 2, "{}", run.stderr);
        let snapshot: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let calls: u64 = snapshot["api_calls"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        let requests = proxy.requests().len() as u64;
        let fewest: u64 = crate::fewest_calls::fewest(&snapshot).values().sum();
        let targets = snapshot["targets"].as_array().unwrap();
        let partial = targets.iter().filter(|t| t["status"] != "complete").count();
        println!(
            "{:>11} {:>9.1} {:>9} {:>10} {:>10} {:>8} {:>9} {:>8} {:>9} {:>8.3}",
            concurrency,
            wall.as_secs_f64(),
            targets.len(),
            calls,
            requests,
            requests.saturating_sub(calls),
            proxy.throttled(),
            partial,
            run.status == 0,
            calls as f64 / fewest as f64
        );
    }
}
