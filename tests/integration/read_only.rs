//! The auditor only reads: every operation the emulator receives during full audits is
//! recorded by the fault proxy and must be a `Get*`, `List*` or `Describe*` call, or
//! `sts:AssumeRole` / `sts:GetCallerIdentity`.
//!
//! The audits cover every path that makes calls: named accounts (AssumeRole) and the caller's
//! own account (GetCallerIdentity), regions given and regions discovered (DescribeRegions),
//! the network inventory enabled, and an estate with REST APIs (authorizers, a VPC link, a
//! disabled default endpoint), HTTP APIs (a JWT route, a custom domain with an API mapping),
//! VPCs, instances, load balancers, an endpoint service with permissions, a VPC endpoint and a
//! peering. The check is over whatever the binary calls when the test runs, so a call added
//! later is checked too; a request the proxy cannot name fails the test.

use crate::fault_proxy::{operation_of, FaultProxy};
use crate::harness;
use serde_json::Value;
use std::collections::BTreeSet;

/// Services the auditor may talk to, by SigV4 signing name (v2 API Gateway as `apigatewayv2`).
const SERVICES: [&str; 6] = [
    "apigateway",
    "apigatewayv2",
    "ec2",
    "elasticloadbalancing",
    "wafv2",
    "sts",
];

/// `service:Operation` is a read: a known service and a `Get`/`List`/`Describe` operation
/// name (one CamelCase word: a proxy that could not name a request says `UNNAMED …`, which
/// never passes), or the two STS calls that enter accounts.
fn is_read(op: &str) -> bool {
    let Some((service, name)) = op.split_once(':') else {
        return false;
    };
    if !SERVICES.contains(&service) || name.is_empty() {
        return false;
    }
    if service == "sts" {
        return name == "AssumeRole" || name == "GetCallerIdentity";
    }
    let camel = name.bytes().all(|b| b.is_ascii_alphanumeric());
    let verb = ["Get", "List", "Describe"].iter().find_map(|v| {
        name.strip_prefix(v)
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    });
    camel && verb.is_some()
}

fn signed(service: &str) -> Vec<(String, String)> {
    vec![(
        "Authorization".into(),
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"),
    )]
}

#[test]
fn the_read_check_accepts_reads_only() {
    for op in [
        "apigateway:GetResources",
        "apigatewayv2:GetApiMappings",
        "ec2:DescribeVpcEndpointServicePermissions",
        "elasticloadbalancing:DescribeTargetHealth",
        "wafv2:GetWebACLForResource",
        "wafv2:ListResourcesForWebACL",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
    ] {
        assert!(is_read(op), "{op}");
    }
    for op in [
        "ec2:CreateVpc",
        "ec2:ModifyVpcEndpointServicePermissions",
        "apigateway:UNNAMED POST /restapis",
        "apigateway:UNNAMED GET /restapis/x/nonsense",
        "apigateway:Getaway",
        "unknown:GetThing",
        "sts:GetSessionToken",
        "sts:AssumeRoleWithWebIdentity",
        "s3:GetObject",
        "ec2:Describe",
        "GetRestApis",
    ] {
        assert!(!is_read(op), "{op}");
    }
}

#[test]
fn the_proxy_names_every_protocol_and_never_names_a_write_as_a_read() {
    let form = |s: &str| {
        let mut h = signed(s);
        h.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ));
        h
    };
    assert_eq!(
        operation_of(
            "POST",
            "/",
            &form("sts"),
            b"Action=AssumeRole&Version=2011-06-15"
        ),
        "sts:AssumeRole"
    );
    assert_eq!(
        operation_of(
            "POST",
            "/",
            &form("ec2"),
            b"Action=DescribeVpcs&Version=2016-11-15"
        ),
        "ec2:DescribeVpcs"
    );
    assert_eq!(
        operation_of(
            "POST",
            "/",
            &form("elasticloadbalancing"),
            b"Action=DescribeLoadBalancers&Version=2015-12-01"
        ),
        "elasticloadbalancing:DescribeLoadBalancers"
    );
    let mut waf = signed("wafv2");
    waf.push((
        "X-Amz-Target".into(),
        "AWSWAF_20190729.GetWebACLForResource".into(),
    ));
    assert_eq!(
        operation_of("POST", "/", &waf, b"{}"),
        "wafv2:GetWebACLForResource"
    );
    assert_eq!(
        operation_of(
            "POST",
            "/service/Svc/operation/DescribeThings",
            &signed("svc"),
            b""
        ),
        "svc:DescribeThings"
    );
    let api = signed("apigateway");
    for (path, op) in [
        ("/restapis?limit=500", "apigateway:GetRestApis"),
        (
            "/restapis/abc/resources?embed=methods&limit=500",
            "apigateway:GetResources",
        ),
        ("/restapis/abc/stages", "apigateway:GetStages"),
        ("/restapis/abc/authorizers", "apigateway:GetAuthorizers"),
        ("/vpclinks", "apigateway:GetVpcLinks"),
        ("/v2/apis", "apigatewayv2:GetApis"),
        ("/v2/apis/x/routes", "apigatewayv2:GetRoutes"),
        ("/v2/apis/x/stages", "apigatewayv2:GetStages"),
        ("/v2/apis/x/authorizers/y", "apigatewayv2:GetAuthorizer"),
        ("/v2/domainnames", "apigatewayv2:GetDomainNames"),
        (
            "/v2/domainnames/d.example.com/apimappings",
            "apigatewayv2:GetApiMappings",
        ),
    ] {
        let named = operation_of("GET", path, &api, b"");
        assert_eq!(named, op, "{path}");
        assert!(is_read(&named), "{named}");
    }
    // Writes and unknown shapes get no read's name, so the read check rejects them.
    for (verb, path) in [
        ("POST", "/restapis"),
        ("PATCH", "/restapis/abc"),
        ("DELETE", "/restapis/abc"),
        ("PUT", "/restapis/abc/resources/r/methods/GET"),
        ("GET", "/restapis/abc/nonsense/x/y"),
        ("POST", "/v2/apis"),
    ] {
        let named = operation_of(verb, path, &api, b"{}");
        assert!(named.contains("UNNAMED"), "{verb} {path}: {named}");
        assert!(!is_read(&named), "{named}");
    }
    assert!(!is_read(&operation_of("GET", "/", &[], b"")));
    assert!(!is_read(&operation_of(
        "POST",
        "/",
        &form("ec2"),
        b"Action=CreateVpc&CidrBlock=10.0.0.0%2F16"
    )));
}

/// Runs the binary through `proxy` with `args`; returns its report (stdout JSON) if any.
/// `complete`: the scan must have been complete (exit 0 with `--fail-on never`).
fn run(proxy: &FaultProxy, args: &[&str], complete: bool) -> Option<Value> {
    let mut cmd = harness::command(&proxy.endpoint);
    cmd.args(args);
    let run = harness::run(cmd);
    assert!(
        run.status == 0 || (!complete && run.status == 2),
        "{args:?} failed ({}):\n{}\n{}",
        run.status,
        run.stderr,
        run.stdout
    );
    (!run.stdout.trim().is_empty()).then(|| run.json())
}

#[test]
fn a_full_audit_calls_read_operations_only() {
    harness::estate("faults");
    let proxy = FaultProxy::start(&harness::emulator().endpoint, &[]);

    // 1. Named accounts and regions, network inventory on.
    let report = run(
        &proxy,
        &[
            "audit",
            "--accounts",
            "400000000001,400000000002,400000000003",
            "--regions",
            "us-east-1,eu-west-1",
            "--format",
            "json",
            "--quiet",
            "--fail-on",
            "never",
        ],
        true,
    )
    .expect("a report");
    assert_eq!(report["scan"]["complete"], true, "{:#}", report["scan"]);
    // The proxy names every operation the binary says it called.
    let seen: BTreeSet<String> = proxy.seen().into_iter().collect();
    let counted: BTreeSet<String> = report["scan"]["api_calls"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let unseen: Vec<_> = counted.difference(&seen).collect();
    assert!(
        unseen.is_empty(),
        "the binary counted calls the proxy did not name: {unseen:?}\nseen: {seen:#?}"
    );

    // 2. Regions discovered per account (ec2:DescribeRegions), `collect`.
    let snapshot = harness::scratch_file("read-only-collect.json");
    run(
        &proxy,
        &[
            "collect",
            "--accounts",
            "400000000002",
            "--quiet",
            "-o",
            snapshot.to_str().unwrap(),
        ],
        false,
    );

    // 3. The caller's own account (sts:GetCallerIdentity). It is the emulator's default
    //    account, which other tests may fill with anything: only its calls matter here.
    run(
        &proxy,
        &[
            "audit",
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "--quiet",
            "--fail-on",
            "never",
        ],
        false,
    );

    let all = proxy.seen();
    let ops: BTreeSet<&str> = all.iter().map(String::as_str).collect();
    eprintln!("{} requests, {} operations: {ops:#?}", all.len(), ops.len());
    let writes: Vec<&&str> = ops.iter().filter(|op| !is_read(op)).collect();
    assert!(
        writes.is_empty(),
        "the auditor called operations that are not reads (or that the proxy could not name): {writes:#?}"
    );
    // The audits did reach every kind of call this test is meant to watch.
    for op in [
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
        "apigateway:GetRestApis",
        "apigateway:GetResources",
        "apigateway:GetStages",
        "apigateway:GetAuthorizers",
        "apigateway:GetVpcLinks",
        "apigatewayv2:GetApis",
        "apigatewayv2:GetRoutes",
        "apigatewayv2:GetStages",
        "apigatewayv2:GetDomainNames",
        "apigatewayv2:GetApiMappings",
    ] {
        assert!(ops.contains(op), "no {op} was seen: {ops:#?}");
    }
    // With the network inventory on, EC2 and ELB are read too.
    for service in ["ec2:Describe", "elasticloadbalancing:Describe"] {
        assert!(
            ops.iter()
                .any(|op| op.starts_with(service) && *op != "ec2:DescribeRegions"),
            "no {service}* call was seen: {ops:#?}"
        );
    }
}
