//! The auditor only reads, and only what it needs. Three checks hold each other up:
//!
//! 1. [`ALLOWED`] is the reviewed list of every AWS operation the auditor may call: each a
//!    `Get`/`List`/`Describe`/`Search` read (or `sts:AssumeRole` / `sts:GetCallerIdentity`),
//!    and none a sensitive read that merely looks like one (`ec2:GetPasswordData`,
//!    `GetConsoleOutput`).
//! 2. [`Operation::ALL`], the only way `src/aws` names a call, is exactly that list: a new call
//!    cannot land without a review of it.
//! 3. Every operation the emulator receives during full audits (recorded by the fault proxy)
//!    is on the list, and every operation on the list was seen: the names in the source are
//!    the calls on the wire, and the audits reach every call there is.
//!
//! The audits cover every path that makes calls: named accounts (AssumeRole), the caller's own
//! account (GetCallerIdentity), an organization (ListAccounts), regions given and discovered
//! (DescribeRegions), the network inventory, and an estate with REST APIs (authorizers, a VPC
//! link, a disabled default endpoint under a v1 custom domain), HTTP APIs (a JWT route, a v2
//! custom domain with an API mapping), VPCs, instances, load balancers (public ALB: listeners,
//! web ACL), an endpoint service with permissions and an IP target that is a bare network
//! interface, a VPC endpoint and a peering; the network estate (prefix lists, internal NLBs
//! in peered VPCs); the transit estate (transit gateways with another account's VPC
//! attached: their route tables); HTTP API routes through a v2 VPC link (to a listener and to
//! Cloud Map services: their instances); and the Lattice
//! estate (services, service networks, auth and resource policies, and, injected because moto
//! holds neither, a target group routing for a service and its targets). A request the proxy
//! cannot name fails the test.
//!
//! And the README's minimal IAM policy for the audit role grants exactly those calls.

use crate::fault_proxy::{operation_of, FaultProxy};
use crate::harness;
use overexposed::operation::Operation;
use serde_json::Value;
use std::collections::BTreeSet;

/// Services the auditor may talk to, by SigV4 signing name (v2 API Gateway as `apigatewayv2`).
const SERVICES: [&str; 10] = [
    "apigateway",
    "apigatewayv2",
    "ec2",
    "elasticloadbalancing",
    "wafv2",
    "sts",
    "organizations",
    "iam",
    "vpc-lattice",
    "servicediscovery",
];

/// Every operation the auditor may call, reviewed one by one: reads of API Gateway and of the
/// network facts bypass analysis needs, the account and region discovery calls, and the two
/// STS calls that enter accounts. Adding a call means adding it here, in review.
const ALLOWED: &[&str] = &[
    // Entering accounts and finding what to scan.
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
    "organizations:ListAccounts",
    "ec2:DescribeRegions",
    // API Gateway REST (v1).
    "apigateway:GetRestApis",
    "apigateway:GetResources",
    "apigateway:GetStages",
    "apigateway:GetDeployment",
    "apigateway:GetAuthorizers",
    "apigateway:GetVpcLinks",
    "apigateway:GetDomainNames",
    "apigateway:GetBasePathMappings",
    // API Gateway HTTP (v2).
    "apigatewayv2:GetApis",
    "apigatewayv2:GetRoutes",
    "apigatewayv2:GetStages",
    "apigatewayv2:GetDomainNames",
    "apigatewayv2:GetApiMappings",
    "apigatewayv2:GetIntegrations",
    "apigatewayv2:GetVpcLinks",
    // Network inventory.
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcEndpointServiceConfigurations",
    "ec2:DescribeVpcEndpointServicePermissions",
    "ec2:DescribeVpcEndpointConnections",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "wafv2:GetWebACLForResource",
    // Role trust paths: every role with its policies, once per account (IAM is global).
    "iam:GetAccountAuthorizationDetails",
    // Transit gateways.
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:GetTransitGatewayRouteTablePropagations",
    "ec2:SearchTransitGatewayRoutes",
    // VPC Lattice.
    "vpc-lattice:ListServices",
    "vpc-lattice:ListServiceNetworks",
    "vpc-lattice:GetService",
    "vpc-lattice:GetServiceNetwork",
    "vpc-lattice:ListServiceNetworkServiceAssociations",
    "vpc-lattice:ListServiceNetworkVpcAssociations",
    "vpc-lattice:GetAuthPolicy",
    "vpc-lattice:GetResourcePolicy",
    "vpc-lattice:ListTargetGroups",
    "vpc-lattice:ListTargets",
    // AWS Cloud Map: the instances of services HTTP API integrations reach.
    "servicediscovery:ListInstances",
];

/// On the reviewed list, and a read by its name.
fn is_allowed(op: &str) -> bool {
    ALLOWED.contains(&op) && is_read(op)
}

/// `service:Operation` is a read: a known service and a `Get`/`List`/`Describe`/`Search`
/// operation name (one CamelCase word: a proxy that could not name a request says
/// `UNNAMED …`, which never passes), or the two STS calls that enter accounts.
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
    let verb = ["Get", "List", "Describe", "Search"].iter().find_map(|v| {
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
        "organizations:ListAccounts",
        "apigateway:GetResources",
        "apigatewayv2:GetApiMappings",
        "ec2:DescribeVpcEndpointServicePermissions",
        "elasticloadbalancing:DescribeTargetHealth",
        "wafv2:GetWebACLForResource",
        "wafv2:ListResourcesForWebACL",
        "ec2:SearchTransitGatewayRoutes",
        "sts:AssumeRole",
        "sts:GetCallerIdentity",
    ] {
        assert!(is_read(op), "{op}");
    }
    // A read by its name, but not one the auditor needs: only the allowlist lets a call in.
    for op in [
        "ec2:GetPasswordData",
        "ec2:GetConsoleOutput",
        "ec2:GetLaunchTemplateData",
        "apigateway:GetApiKeys",
        "apigateway:GetExport",
        "organizations:ListPolicies",
    ] {
        assert!(is_read(op) && !is_allowed(op), "{op}");
    }
    for op in ALLOWED {
        assert!(is_read(op), "{op} is on the allowlist but is not a read");
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
        "organizations:CreateAccount",
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
    let mut cloud_map = signed("servicediscovery");
    cloud_map.push((
        "X-Amz-Target".into(),
        "Route53AutoNaming_v20170314.ListInstances".into(),
    ));
    assert_eq!(
        operation_of("POST", "/", &cloud_map, b"{\"ServiceId\":\"srv-1\"}"),
        "servicediscovery:ListInstances"
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
        (
            "/restapis/abc/deployments/d1?embed=apisummary",
            "apigateway:GetDeployment",
        ),
        ("/restapis/abc/authorizers", "apigateway:GetAuthorizers"),
        ("/vpclinks", "apigateway:GetVpcLinks"),
        ("/v2/apis", "apigatewayv2:GetApis"),
        ("/v2/apis/x/routes", "apigatewayv2:GetRoutes"),
        ("/v2/apis/x/stages", "apigatewayv2:GetStages"),
        ("/v2/apis/x/integrations", "apigatewayv2:GetIntegrations"),
        ("/v2/vpclinks", "apigatewayv2:GetVpcLinks"),
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
    let lattice = signed("vpc-lattice");
    for (verb, path, op) in [
        ("GET", "/services", "vpc-lattice:ListServices"),
        ("GET", "/services/svc-1", "vpc-lattice:GetService"),
        (
            "GET",
            "/servicenetworks/sn-1",
            "vpc-lattice:GetServiceNetwork",
        ),
        (
            "GET",
            "/servicenetworkvpcassociations",
            "vpc-lattice:ListServiceNetworkVpcAssociations",
        ),
        ("GET", "/authpolicy/svc-1", "vpc-lattice:GetAuthPolicy"),
        (
            "GET",
            "/resourcepolicy/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A1%3Aservice%2Fsvc-1",
            "vpc-lattice:GetResourcePolicy",
        ),
        (
            "POST",
            "/targetgroups/tg-1/listtargets",
            "vpc-lattice:ListTargets",
        ),
    ] {
        let named = operation_of(verb, path, &lattice, b"");
        assert_eq!(named, op, "{verb} {path}");
        assert!(is_read(&named), "{named}");
    }
    for (verb, path) in [
        ("PUT", "/authpolicy/svc-1"),
        ("POST", "/services"),
        ("DELETE", "/services/svc-1"),
        ("POST", "/targetgroups/tg-1/registertargets"),
        ("GET", "/targetgroups/tg-1/listtargets"),
    ] {
        let named = operation_of(verb, path, &lattice, b"{}");
        assert!(named.contains("UNNAMED"), "{verb} {path}: {named}");
    }
    assert!(!is_read(&operation_of("GET", "/", &[], b"")));
    assert!(!is_read(&operation_of(
        "POST",
        "/",
        &form("ec2"),
        b"Action=CreateVpc&CidrBlock=10.0.0.0%2F16"
    )));
}

#[test]
fn the_reviewed_allowlist_is_every_operation_the_auditor_has() {
    let allowed: BTreeSet<&str> = ALLOWED.iter().copied().collect();
    assert_eq!(
        allowed.len(),
        ALLOWED.len(),
        "the allowlist names a call twice"
    );
    let calls: BTreeSet<&str> = Operation::ALL.iter().map(|op| op.as_str()).collect();
    let unreviewed: Vec<&&str> = calls.difference(&allowed).collect();
    assert!(
        unreviewed.is_empty(),
        "src/operation.rs lists operations that are not on the reviewed allowlist (tests/integration/read_only.rs): {unreviewed:#?}"
    );
    let stale: Vec<&&str> = allowed.difference(&calls).collect();
    assert!(
        stale.is_empty(),
        "the allowlist has operations the auditor never calls: {stale:#?}"
    );
}

/// The README's minimal policy for the audit role, as its IAM actions.
fn readme_audit_role_actions() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(harness::project_root().join("README.md")).unwrap();
    let section = readme
        .split("## The audit role: minimal read-only IAM policy")
        .nth(1)
        .expect("README has the audit role section");
    let json = section
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the section holds a JSON policy");
    let policy: Value = serde_json::from_str(json).expect("the README's policy is valid JSON");
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| st["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_readme_policy_grants_every_call_of_the_audit_role_and_no_more() {
    let actions = readme_audit_role_actions();
    // The calls the audit role makes (AssumeRole is granted by the role's trust policy,
    // GetCallerIdentity needs no permission, ListAccounts is the caller's, said beside it).
    let role_calls = ALLOWED.iter().filter(|op| {
        !matches!(
            **op,
            "sts:AssumeRole" | "sts:GetCallerIdentity" | "organizations:ListAccounts"
        )
    });
    let mut needed = BTreeSet::new();
    for op in role_calls {
        let (service, _) = op.split_once(':').unwrap();
        // Every API Gateway read, v1 or v2, is authorized as the HTTP verb on the resource.
        needed.insert(match service {
            "apigateway" | "apigatewayv2" => "apigateway:GET".to_string(),
            _ => op.to_string(),
        });
    }
    let missing: Vec<&String> = needed.difference(&actions).collect();
    assert!(
        missing.is_empty(),
        "README's minimal IAM policy lacks calls the auditor makes: {missing:#?}"
    );
    let extra: Vec<&String> = actions.difference(&needed).collect();
    assert!(
        extra.is_empty(),
        "README's minimal IAM policy grants what the auditor never calls: {extra:#?}"
    );
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

/// [`run`] of `audit` with the harness's JSON report flags plus `scope`.
fn audit(proxy: &FaultProxy, scope: &[&str], complete: bool) -> Option<Value> {
    let args: Vec<&str> = ["audit"]
        .iter()
        .chain(&harness::JSON_REPORT)
        .chain(scope)
        .copied()
        .collect();
    run(proxy, &args, complete)
}

#[test]
fn a_full_audit_calls_read_operations_only() {
    harness::estate("faults");
    let proxy = FaultProxy::start(&harness::emulator().endpoint, &[]);

    // 1. Named accounts and regions, network inventory on.
    let report = audit(
        &proxy,
        &[
            "--accounts",
            "400000000001,400000000002,400000000003",
            "--regions",
            "us-east-1,eu-west-1",
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
    audit(&proxy, &["--regions", "us-east-1"], false);

    // 4. An organization (organizations:ListAccounts from the caller, then its accounts).
    harness::estate("org");
    let before = proxy.count("organizations:ListAccounts");
    audit(
        &proxy,
        &["--organization", "--regions", "us-east-1", "--no-network"],
        false,
    );
    assert_eq!(proxy.count("organizations:ListAccounts"), before + 1);

    // 5. The network estate: prefix lists in security groups and routes
    //    (ec2:DescribeManagedPrefixLists, GetManagedPrefixListEntries) and internal NLBs in
    //    peered VPCs (elasticloadbalancing:DescribeTargetGroupAttributes).
    // 6. The transit estate: route tables of transit gateways with another account's VPC
    //    attached (ec2:DescribeTransitGatewayRouteTables, GetTransitGatewayRouteTablePropagations,
    //    SearchTransitGatewayRoutes).
    // 7. The Lattice estate: services, networks, auth and resource policies, and (injected:
    //    moto holds neither) a target group that routes for a service, and its targets.
    for rule in crate::lattice::injected_targets() {
        proxy.add(rule);
    }
    for (estate, accounts) in [
        (
            "network",
            (1..=15)
                .map(|n| format!("5000000000{n:02}"))
                .collect::<Vec<_>>(),
        ),
        (
            "transit",
            (1..=9).map(|n| format!("74100000000{n}")).collect(),
        ),
        (
            "lattice",
            (1..=13).map(|n| format!("8450000000{n:02}")).collect(),
        ),
    ] {
        harness::estate(estate);
        let scope = ["--accounts", &accounts.join(","), "--regions", "us-east-1"];
        let report = audit(&proxy, &scope, true).expect("a report");
        assert_eq!(
            report["scan"]["complete"], true,
            "{estate}: {:#}",
            report["scan"]
        );
    }

    // 8. HTTP APIs through v2 VPC links (apigatewayv2:GetIntegrations, GetVpcLinks), to a
    //    listener and to Cloud Map services (servicediscovery:ListInstances).
    harness::estate("apigw-http-links");
    harness::estate("apigw-cloudmap");
    audit(
        &proxy,
        &[
            "--accounts",
            "910000000002,910000000004",
            "--regions",
            "us-east-1",
        ],
        true,
    );

    let all = proxy.seen();
    let ops: BTreeSet<&str> = all.iter().map(String::as_str).collect();
    eprintln!("{} requests, {} operations: {ops:#?}", all.len(), ops.len());
    let unlisted: Vec<&&str> = ops.iter().filter(|op| !is_allowed(op)).collect();
    assert!(
        unlisted.is_empty(),
        "the auditor called operations that are not on the reviewed allowlist of reads (or that the proxy could not name): {unlisted:#?}"
    );
    // The audits reached every call the auditor has, per-resource network and custom domain
    // calls included: what this test watches is everything there is to watch.
    let unseen: Vec<&&str> = ALLOWED.iter().filter(|op| !ops.contains(**op)).collect();
    assert!(
        unseen.is_empty(),
        "the audits never made these calls, so this test proves nothing about them: {unseen:#?}"
    );
}
