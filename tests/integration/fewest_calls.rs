//! Live scans stay within 1.3× of the fewest read calls for the same data (issue 12), for the
//! API Gateway inventory and for the network, transit gateway and IAM reads alike.
//!
//! The estate is the sharding proof's (`shard::proof_snapshot`: the network, transit, trust,
//! VPC Lattice, demo and API Gateway estates, 2 regions each). The fewest calls are counted from what the
//! snapshot holds, independently of how the collector decides its reads: a region-wide listing
//! once per account × region and page, a per-resource read once per resource whose answer is
//! in the snapshot, and where AWS has a batch form the collector does not use (one
//! `DescribeVpcEndpointConnections` filtered on every endpoint service of a region, web ACLs
//! listed with their resources instead of `GetWebACLForResource` per ALB), the batch's count.
//! The calls are the snapshot's `api_calls`: logical calls, every page counted (the emulator
//! throttles nothing, so no retry hides here; `scripts/bench --org` counts retries). An
//! operation not modelled here fails the test, so a new read states its fewest.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Pages of a listing of `n` items at `page` a page; an empty listing is still one call.
fn pages(n: usize, page: usize) -> u64 {
    n.div_ceil(page).max(1) as u64
}

/// The fewest calls, per operation, that read what `snapshot` holds.
pub fn fewest(snapshot: &Value) -> BTreeMap<&'static str, u64> {
    let mut f: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut add = |op: &'static str, n: u64| *f.entry(op).or_default() += n;
    let targets = items(&snapshot["targets"]);
    let accounts: BTreeSet<&str> = targets
        .iter()
        .chain(items(&snapshot["account_failures"]))
        .filter_map(|t| t["account_id"].as_str())
        .collect();
    add("sts:AssumeRole", accounts.len() as u64);
    if snapshot["scope"]["regions"].is_null() {
        add("ec2:DescribeRegions", accounts.len() as u64);
    }
    for account in items(&snapshot["iam"]) {
        let entities = items(&account["roles"]).len() + items(&account["policies"]).len();
        add("iam:GetAccountAuthorizationDetails", pages(entities, 1000));
    }
    for t in targets {
        let rest = items(&t["rest_apis"]);
        let http = items(&t["http_apis"]);
        add("apigateway:GetRestApis", pages(rest.len(), 500));
        add(
            "apigateway:GetVpcLinks",
            pages(items(&t["vpc_links"]).len(), 500),
        );
        add("apigatewayv2:GetApis", pages(http.len(), 500));
        for api in rest {
            let resources = items(&api["resources"]);
            add("apigateway:GetResources", pages(resources.len(), 500));
            add("apigateway:GetStages", 1);
            // Stages (and canaries) sharing a deployment share its read.
            let deployments: BTreeSet<&str> = items(&api["stages"])
                .iter()
                .flat_map(|s| [&s["deployment_id"], &s["canary"]["deployment_id"]])
                .filter_map(Value::as_str)
                .collect();
            add("apigateway:GetDeployment", deployments.len() as u64);
            let authorized = resources
                .iter()
                .flat_map(|r| items(&r["methods"]))
                .any(|m| m["authorizer_id"].is_string());
            if authorized {
                add("apigateway:GetAuthorizers", 1);
            }
        }
        let mut via_link = false;
        for api in http {
            add("apigatewayv2:GetRoutes", 1);
            add("apigatewayv2:GetStages", 1);
            if !items(&api["routes"]).is_empty() {
                add("apigatewayv2:GetIntegrations", 1);
            }
            via_link |= items(&api["integrations"])
                .iter()
                .any(|i| i["connection_type"] == "VPC_LINK");
        }
        if via_link {
            add("apigatewayv2:GetVpcLinks", 1);
        }
        // Custom domains, read only where an API turns its default endpoint off: the HTTP API
        // listing (it names regional REST domains too) and, for REST APIs, the REST listing
        // (edge-optimized domains are only there); one mapping read per domain would do.
        let off = |apis: &[Value]| {
            apis.iter()
                .any(|a| a["disable_execute_api_endpoint"] == true)
        };
        let (rest_off, http_off) = (off(rest), off(http));
        if rest_off || http_off {
            add("apigatewayv2:GetDomainNames", 1);
            add(
                "apigatewayv2:GetApiMappings",
                items(&t["custom_domains"]).len() as u64,
            );
        }
        if rest_off {
            add("apigateway:GetDomainNames", 1);
        }
        add("apigateway:GetBasePathMappings", 0);
        if !snapshot["scope"]["network"].as_bool().unwrap_or(true) {
            continue;
        }
        let net = &t["network"];
        for op in [
            "ec2:DescribeVpcs",
            "ec2:DescribeSubnets",
            "ec2:DescribeRouteTables",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeInstances",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeVpcPeeringConnections",
            "ec2:DescribeVpcEndpointServiceConfigurations",
            "ec2:DescribeTransitGatewayAttachments",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetGroups",
        ] {
            add(op, 1);
        }
        let services = items(&net["endpoint_services"]);
        add(
            "ec2:DescribeVpcEndpointServicePermissions",
            services.len() as u64,
        );
        // One call filtered on every service id of the region would do.
        // (Asked even where the answer failed: moto does not serve it, a notification.)
        add(
            "ec2:DescribeVpcEndpointConnections",
            (!services.is_empty()).into(),
        );
        if !items(&net["network_interfaces"]).is_empty() {
            add("ec2:DescribeNetworkInterfaces", 1);
        }
        let lists = items(&net["prefix_lists"]);
        if !lists.is_empty() {
            add("ec2:DescribeManagedPrefixLists", 1);
        }
        add(
            "ec2:GetManagedPrefixListEntries",
            lists.iter().filter(|l| !l["cidrs"].is_null()).count() as u64,
        );
        let lbs = items(&net["load_balancers"]);
        add(
            "elasticloadbalancing:DescribeListeners",
            lbs.iter().filter(|lb| lb["listeners_read"] == true).count() as u64,
        );
        let health: BTreeSet<&str> = lbs
            .iter()
            .filter(|lb| lb["targets_read"] == true)
            .flat_map(|lb| items(&lb["target_groups"]))
            .filter_map(|tg| tg["arn"].as_str())
            .collect();
        add(
            "elasticloadbalancing:DescribeTargetHealth",
            health.len() as u64,
        );
        // A web ACL per internet-facing ALB, or ListWebACLs and one ListResourcesForWebACL
        // per web ACL, whichever is fewer.
        let albs: Vec<&Value> = lbs
            .iter()
            .filter(|lb| lb["lb_type"] == "application" && lb["scheme"] == "internet-facing")
            .collect();
        let acls: BTreeSet<&str> = albs
            .iter()
            .filter_map(|lb| lb["web_acl_arn"].as_str())
            .collect();
        let by_acl = if albs.is_empty() { 0 } else { 1 + acls.len() };
        add("wafv2:GetWebACLForResource", albs.len().min(by_acl) as u64);
        // VPC Lattice (read with the network inventory): the two listings; per service its
        // details (the listing has no auth type), associations and resource policy; per
        // network the account owns the same three; an auth policy where IAM decides; target
        // groups listed once where there are services, their targets per group read.
        let lattice = &t["lattice"];
        let services = items(&lattice["services"]);
        let networks: Vec<&Value> = items(&lattice["service_networks"])
            .iter()
            .filter(|n| n["details_read"] == true)
            .collect();
        add("vpc-lattice:ListServices", 1);
        add("vpc-lattice:ListServiceNetworks", 1);
        add("vpc-lattice:GetService", services.len() as u64);
        add(
            "vpc-lattice:ListServiceNetworkServiceAssociations",
            services.len() as u64,
        );
        add("vpc-lattice:GetServiceNetwork", networks.len() as u64);
        add(
            "vpc-lattice:ListServiceNetworkVpcAssociations",
            networks.len() as u64,
        );
        add(
            "vpc-lattice:GetResourcePolicy",
            (services.len() + networks.len()) as u64,
        );
        let iam_auth = services
            .iter()
            .chain(networks.iter().copied())
            .filter(|r| r["auth_type"] == "AWS_IAM")
            .count();
        add("vpc-lattice:GetAuthPolicy", iam_auth as u64);
        add(
            "vpc-lattice:ListTargetGroups",
            (!services.is_empty()).into(),
        );
        add(
            "vpc-lattice:ListTargets",
            items(&lattice["target_groups"])
                .iter()
                .filter(|g| g["targets_read"] == true)
                .count() as u64,
        );
        let gateways = items(&net["transit"]["gateways"]);
        let tables: Vec<&Value> = gateways
            .iter()
            .flat_map(|g| items(&g["route_tables"]))
            .collect();
        if gateways.iter().any(|g| !g["route_tables"].is_null()) {
            add("ec2:DescribeTransitGatewayRouteTables", 1);
        }
        add(
            "ec2:GetTransitGatewayRouteTablePropagations",
            tables
                .iter()
                .filter(|t| !t["propagations"].is_null())
                .count() as u64,
        );
        add(
            "ec2:SearchTransitGatewayRoutes",
            tables.iter().filter(|t| !t["routes"].is_null()).count() as u64,
        );
    }
    // A target group's attributes leave no trace in a snapshot when the answer lacks
    // `preserve_client_ip.enabled` (moto never lists it), so their reads are taken as made;
    // `network::the_network_inventory_is_counted_call_by_call` pins them to the target groups
    // whose verdicts need them.
    let attributes = "elasticloadbalancing:DescribeTargetGroupAttributes";
    f.insert(
        attributes,
        snapshot["api_calls"][attributes].as_u64().unwrap_or(0),
    );
    f
}

#[test]
fn live_scans_make_within_1_3x_of_the_fewest_calls_for_the_same_data() {
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(crate::shard::proof_snapshot()).unwrap())
            .unwrap();
    let calls: BTreeMap<String, u64> =
        serde_json::from_value(snapshot["api_calls"].clone()).unwrap();
    let fewest = fewest(&snapshot);
    let unmodelled: Vec<&String> = calls
        .keys()
        .filter(|op| !fewest.contains_key(op.as_str()))
        .collect();
    assert!(
        unmodelled.is_empty(),
        "calls with no fewest count here: {unmodelled:?}"
    );
    let (mut made, mut least) = (0, 0);
    let mut by_service: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    println!("\ncalls against the fewest for the same data (the sharding proof's estate):");
    for (op, &min) in &fewest {
        let n = calls.get(*op).copied().unwrap_or(0);
        made += n;
        least += min;
        // Both API Gateway APIs share one throttling quota: one service here.
        let service = match op.split(':').next().unwrap() {
            "apigatewayv2" => "apigateway",
            service => service,
        };
        let s = by_service.entry(service).or_default();
        s.0 += n;
        s.1 += min;
        if n != min {
            println!("  {op}: {n} calls, {min} at the fewest");
        }
    }
    for (service, (n, min)) in &by_service {
        println!(
            "  {service}: {n} / {min} = {:.3}",
            *n as f64 / (*min).max(1) as f64
        );
    }
    let ratio = made as f64 / least as f64;
    println!(
        "  all: {made} calls / {least} fewest = {ratio:.3} ({} targets)",
        items(&snapshot["targets"]).len()
    );
    // Not vacuous: the estate makes per-resource reads of every kind the ratio is about.
    for op in [
        "apigateway:GetResources",
        "apigateway:GetDeployment",
        "apigatewayv2:GetRoutes",
        "elasticloadbalancing:DescribeTargetHealth",
        "ec2:DescribeVpcEndpointServicePermissions",
        "ec2:SearchTransitGatewayRoutes",
        "iam:GetAccountAuthorizationDetails",
        "vpc-lattice:GetService",
    ] {
        assert!(fewest[op] > 0, "{op}");
    }
    assert!(ratio <= 1.3, "{made} calls for {least} at the fewest");
    // Each service with a volume of its own too, so the network cannot hide behind API
    // Gateway's volume (a service of a few calls is one resource more or less).
    for (service, (n, min)) in by_service {
        assert!(
            min < 50 || n as f64 <= 1.3 * min as f64,
            "{service}: {n} calls for {min}"
        );
    }
}
