//! Estate builders. The base estate is the project's safe design: an internal NLB in front of
//! one instance (the legacy API on port 8080), an API Gateway VPC link to that NLB, and a REST
//! API method `GET /orders` (AWS_IAM) forwarding through the link. The other builders add to
//! it the alternatives the tests tempt it with.

use crate::inventory::{
    ApiResource, EndpointService, GroupRef, IngressRule, Instance, Integration, LbTarget, Listener,
    LoadBalancer, OwnedTransitGateway, PeeringSide, PrefixList, RestApi, RestMethod, Route,
    RouteTable, ScanError, SecurityGroup, Stage, Subnet, Target, TargetGroup, TgwAttachment,
    TgwRoute, TgwRouteTable, Transit, Vpc, VpcLink, VpcPeering,
};
use crate::operation::Operation;

pub(super) const OWNER: &str = "111111111111";
pub(super) const PARTNER: &str = "222222222222";
pub(super) const NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/backend/1";
pub(super) const PUBLIC_NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/public/2";
pub(super) const PUBLIC_ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/public/3";
pub(super) const INTERNAL_ALB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/internal/7";
pub(super) const SVC_ARN: &str =
    "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-1";
pub(super) const PCX_ARN: &str = "arn:aws:ec2:us-east-1:111111111111:vpc-peering-connection/pcx-1";

/// The base estate's one target: the backend instance on the legacy API's port.
pub(super) const BACKEND: (&str, i32) = ("i-backend", 8080);
/// The partner VPC across the peering.
pub(super) const PEER_CIDR: &str = "10.1.0.0/16";

pub(super) fn sg(id: &str, vpc: &str, rules: Vec<IngressRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        vpc_id: vpc.into(),
        ingress: rules,
    }
}

/// A TCP rule on `port` admitting nothing yet.
pub(super) fn on_port(port: i32) -> IngressRule {
    IngressRule {
        protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        ..Default::default()
    }
}

pub(super) fn tcp(port: i32, cidr: &str) -> IngressRule {
    IngressRule {
        cidrs: vec![cidr.into()],
        ..on_port(port)
    }
}

/// A load balancer in the backend's VPC and subnet, with one target group (port 8080) of
/// `targets`, all read.
pub(super) fn lb(
    arn: &str,
    name: &str,
    kind: &str,
    scheme: &str,
    targets: &[(&str, i32)],
    target_type: &str,
) -> LoadBalancer {
    LoadBalancer {
        arn: arn.into(),
        name: name.into(),
        lb_type: kind.into(),
        scheme: scheme.into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec!["subnet-a".into()],
        dns_name: Some(format!("{name}.elb.amazonaws.com")),
        target_groups: vec![TargetGroup {
            arn: format!("{arn}/tg"),
            name: format!("{name}-tg"),
            target_type: target_type.into(),
            port: Some(8080),
            vpc_id: "vpc-backend".into(),
            targets: targets
                .iter()
                .map(|(id, port)| LbTarget {
                    id: id.to_string(),
                    port: Some(*port),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        targets_read: true,
        ..Default::default()
    }
}

/// The internet-facing NLB `public` in front of instance `targets`.
pub(super) fn public_nlb(targets: &[(&str, i32)]) -> LoadBalancer {
    lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        targets,
        "instance",
    )
}

/// The internet-facing NLB `public` forwarding to the internal ALB (target type `alb`).
pub(super) fn public_nlb_to_internal_alb() -> LoadBalancer {
    lb(
        PUBLIC_NLB,
        "public",
        "network",
        "internet-facing",
        &[(INTERNAL_ALB, 80)],
        "alb",
    )
}

/// The internet-facing ALB `name` in front of instance `targets`.
pub(super) fn public_alb(name: &str, targets: &[(&str, i32)]) -> LoadBalancer {
    lb(
        PUBLIC_ALB,
        name,
        "application",
        "internet-facing",
        targets,
        "instance",
    )
}

/// An internal NLB in front of instance `targets`.
pub(super) fn internal_nlb(arn: &str, name: &str, targets: &[(&str, i32)]) -> LoadBalancer {
    lb(arn, name, "network", "internal", targets, "instance")
}

/// The internal ALB `internal-alb` in front of instance `targets`.
pub(super) fn internal_alb(targets: &[(&str, i32)]) -> LoadBalancer {
    lb(
        INTERNAL_ALB,
        "internal-alb",
        "application",
        "internal",
        targets,
        "instance",
    )
}

/// One listener (`port`, `protocol`) on `lb`, behind the single security group `group`.
pub(super) fn listen_behind(lb: &mut LoadBalancer, group: &str, port: i32, protocol: &str) {
    lb.security_group_ids = vec![group.into()];
    lb.listeners = vec![Listener {
        arn: "l1".into(),
        port,
        protocol: protocol.into(),
        target_group_arns: vec![],
    }];
    lb.listeners_read = true;
}

pub(super) fn base() -> Target {
    let mut t = Target {
        account_id: OWNER.into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    let n = &mut t.network;
    n.vpcs.push(Vpc {
        id: "vpc-backend".into(),
        cidr_blocks: vec!["10.0.0.0/16".into()],
    });
    n.subnets.push(Subnet {
        id: "subnet-a".into(),
        vpc_id: "vpc-backend".into(),
        cidr_block: "10.0.1.0/24".into(),
        ..Default::default()
    });
    n.route_tables.push(RouteTable {
        id: "rtb-main".into(),
        vpc_id: "vpc-backend".into(),
        subnet_ids: vec![],
        main: true,
        routes: vec![Route {
            destination_cidr: "10.0.0.0/16".into(),
            gateway_id: Some("local".into()),
            vpc_peering_connection_id: None,
            ..Default::default()
        }],
    });
    n.security_groups.push(sg(
        "sg-backend",
        "vpc-backend",
        vec![tcp(8080, "10.0.0.0/16")],
    ));
    n.instances.push(Instance {
        id: "i-backend".into(),
        vpc_id: Some("vpc-backend".into()),
        subnet_id: Some("subnet-a".into()),
        private_ip: Some("10.0.1.10".into()),
        security_group_ids: vec!["sg-backend".into()],
    });
    n.load_balancers
        .push(internal_nlb(NLB, "backend", &[BACKEND]));
    // Read, and attached to no transit gateway.
    n.transit = Some(Transit::default());
    t.vpc_links.push(VpcLink {
        id: "vl-1".into(),
        name: "legacy".into(),
        target_arns: vec![NLB.into()],
        status: Some("AVAILABLE".into()),
    });
    t.rest_apis.push(RestApi {
        id: "api1".into(),
        name: "partner-api".into(),
        endpoint_types: vec!["REGIONAL".into()],
        resources: vec![ApiResource {
            id: "r1".into(),
            path: "/orders".into(),
            methods: vec![RestMethod {
                http_method: "GET".into(),
                authorization_type: "AWS_IAM".into(),
                integration: Some(Integration {
                    integration_type: Some("HTTP_PROXY".into()),
                    connection_type: Some("VPC_LINK".into()),
                    connection_id: Some("vl-1".into()),
                    uri: Some("http://backend.elb.amazonaws.com/orders".into()),
                }),
                ..Default::default()
            }],
        }],
        stages: vec![Stage {
            name: "prod".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    t
}

/// The base estate with more load balancers.
pub(super) fn base_with(lbs: impl IntoIterator<Item = LoadBalancer>) -> Target {
    let mut t = base();
    t.network.load_balancers.extend(lbs);
    t
}

/// The integration of the base estate's `GET /orders`.
pub(super) fn orders_integration(t: &mut Target) -> &mut Integration {
    t.rest_apis[0].resources[0].methods[0]
        .integration
        .as_mut()
        .unwrap()
}

/// The endpoint service `vpce-svc-1` publishing the backend NLB, with the partner connected.
pub(super) fn service(principals: &[&str]) -> EndpointService {
    EndpointService {
        service_id: "vpce-svc-1".into(),
        service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-1".into(),
        acceptance_required: false,
        network_load_balancer_arns: vec![NLB.into()],
        allowed_principals: principals.iter().map(|p| p.to_string()).collect(),
        connected_accounts: Some(vec![PARTNER.into()]),
        ..Default::default()
    }
}

/// The base estate with [`service`] allowing `principals`.
pub(super) fn with_service(principals: &[&str]) -> Target {
    let mut t = base();
    t.network.endpoint_services.push(service(principals));
    t
}

/// The peering `pcx-1` between the backend's VPC and the peer owned by `peer_owner`.
pub(super) fn peering(status: &str, peer_owner: &str) -> VpcPeering {
    VpcPeering {
        id: "pcx-1".into(),
        status: status.into(),
        requester: PeeringSide {
            owner_id: OWNER.into(),
            vpc_id: "vpc-backend".into(),
            region: Some("us-east-1".into()),
            cidr_blocks: vec!["10.0.0.0/16".into()],
        },
        accepter: PeeringSide {
            owner_id: peer_owner.into(),
            vpc_id: "vpc-partner".into(),
            region: Some("us-east-1".into()),
            cidr_blocks: vec![PEER_CIDR.into()],
        },
    }
}

/// The base estate peered with the partner: nothing routes the peer back, nothing admits it
/// beyond the base rules.
pub(super) fn peered() -> Target {
    let mut t = base();
    t.network.peerings.push(peering("active", PARTNER));
    t
}

/// [`peered`], the main table (it serves the NLB's and the target's subnet) routing the peer
/// back through the peering.
pub(super) fn peered_routed() -> Target {
    let mut t = peered();
    t.network.route_tables[0].routes.push(pcx_route(PEER_CIDR));
    t
}

/// [`peered_routed`], the backend's group admitting the peer on the target port: the backend
/// is exposed.
pub(super) fn peered_exposed() -> Target {
    admitting(peered_routed(), tcp(8080, PEER_CIDR))
}

/// `t` with one more ingress rule on the backend's security group.
pub(super) fn admitting(mut t: Target, rule: IngressRule) -> Target {
    t.network.security_groups[0].ingress.push(rule);
    t
}

/// [`peered_routed`], with the backend's target group as given. The target's group admits
/// only its own VPC: the peer never gets in directly.
pub(super) fn peered_through_nlb(
    target_type: &str,
    protocol: &str,
    preserve: Option<bool>,
) -> Target {
    let mut t = peered_routed();
    let tg = &mut t.network.load_balancers[0].target_groups[0];
    tg.target_type = target_type.into();
    tg.protocol = Some(protocol.into());
    tg.preserve_client_ip = preserve;
    if target_type == "ip" {
        tg.targets[0].id = "10.0.1.10".into();
    }
    t
}

pub(super) fn tgw_route(cidr: &str) -> Route {
    Route {
        destination_cidr: cidr.into(),
        target_id: Some("tgw-1".into()),
        ..Default::default()
    }
}

pub(super) fn pcx_route(cidr: &str) -> Route {
    Route {
        destination_cidr: cidr.into(),
        vpc_peering_connection_id: Some("pcx-1".into()),
        ..Default::default()
    }
}

/// A rule on the target port admitting the source group of `pair`.
pub(super) fn group_rule(pair: GroupRef) -> IngressRule {
    IngressRule {
        source_group_ids: vec![pair.group_id.clone()],
        source_groups: vec![pair],
        ..on_port(8080)
    }
}

/// A rule on `port` admitting the prefix list `pl`.
pub(super) fn prefix_list_rule(port: i32, pl: &str) -> IngressRule {
    IngressRule {
        prefix_list_ids: vec![pl.into()],
        ..on_port(port)
    }
}

pub(super) fn prefix_list(id: &str, name: &str, owner: &str, cidrs: Option<&[&str]>) -> PrefixList {
    PrefixList {
        id: id.into(),
        name: Some(name.into()),
        owner_id: Some(owner.into()),
        cidrs: cidrs.map(|c| c.iter().map(|c| c.to_string()).collect()),
    }
}

/// The base estate with the public ALB `public` over the backend instance, listening on 443
/// behind `sg-alb`, whose rules are `rules`.
pub(super) fn public_alb_behind(rules: Vec<IngressRule>) -> Target {
    let mut alb = public_alb("public", &[BACKEND]);
    listen_behind(&mut alb, "sg-alb", 443, "HTTPS");
    let mut t = base_with([alb]);
    t.network
        .security_groups
        .push(sg("sg-alb", "vpc-backend", rules));
    t
}

pub(super) fn scan_error(operation: Operation, code: &str, resource: Option<&str>) -> ScanError {
    ScanError {
        operation: operation.into(),
        code: code.into(),
        message: "failed".into(),
        resource: resource.map(str::to_string),
    }
}

/// A read of the account × region (not about one resource) failed with `code`.
pub(super) fn read_failed(t: &mut Target, operation: Operation, code: &str) {
    t.errors.push(scan_error(operation, code, None));
}

/// The route tables could not be read (throttled): none is in the inventory.
pub(super) fn route_tables_unread(t: &mut Target) {
    t.network.route_tables.clear();
    read_failed(t, Operation::Ec2DescribeRouteTables, "RequestLimitExceeded");
}

/// `lb` whose targets were not read: `DescribeTargetHealth` failed on its target group.
pub(super) fn targets_unread(t: &mut Target, lb: usize, code: &str) {
    let lb = &mut t.network.load_balancers[lb];
    lb.targets_read = false;
    lb.target_groups[0].targets.clear();
    let tg = lb.target_groups[0].arn.clone();
    t.errors.push(scan_error(
        Operation::ElbDescribeTargetHealth,
        code,
        Some(&tg),
    ));
}

/// A region of `n` internal NLBs (each a private backend: an endpoint service publishes it)
/// and `n` internet-facing NLBs in other VPCs, in front of unrelated instances.
pub(super) fn many_backends_and_public_lbs(n: usize) -> Target {
    let mut t = base();
    for k in 0..n {
        let arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/int{k}/{k}"
        );
        t.network.load_balancers.push(internal_nlb(
            &arn,
            &format!("int{k}"),
            &[(&format!("i-int{k}"), 8080)],
        ));
        let arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/pub{k}/{k}"
        );
        let mut public = lb(
            &arn,
            &format!("pub{k}"),
            "network",
            "internet-facing",
            &[(&format!("i-pub{k}"), 80)],
            "instance",
        );
        public.vpc_id = format!("vpc-web{k}");
        public.target_groups[0].vpc_id = format!("vpc-web{k}");
        t.network.load_balancers.push(public);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Transit gateways.

/// The transit gateway `tgw-1` of the base estate's account.
pub(super) const TGW: &str = "tgw-1";
/// The partner's VPC attached to it.
pub(super) const PARTNER_VPC: &str = "vpc-partner";

/// A live VPC attachment of `vpc` (owned by `owner`) to `tgw-1`, associated with `table`.
pub(super) fn tgw_attachment(id: &str, vpc: &str, owner: &str, table: &str) -> TgwAttachment {
    TgwAttachment {
        id: id.into(),
        transit_gateway_id: TGW.into(),
        transit_gateway_owner_id: OWNER.into(),
        resource_type: "vpc".into(),
        resource_id: vpc.into(),
        resource_owner_id: owner.into(),
        state: "available".into(),
        route_table_id: Some(table.into()),
    }
}

/// The route table `id`: its propagations, and the routes the search returned.
pub(super) fn tgw_table(id: &str, propagations: &[&str], routes: Vec<TgwRoute>) -> TgwRouteTable {
    TgwRouteTable {
        id: id.into(),
        propagations: Some(propagations.iter().map(|p| p.to_string()).collect()),
        routes: Some(routes),
    }
}

/// A static route of `cidr` to `attachments` (none: a blackhole).
pub(super) fn tgw_static(cidr: &str, attachments: &[&str]) -> TgwRoute {
    TgwRoute {
        destination_cidr: cidr.into(),
        prefix_list_id: None,
        attachment_ids: attachments.iter().map(|a| a.to_string()).collect(),
        route_type: "static".into(),
        state: if attachments.is_empty() {
            "blackhole"
        } else {
            "active"
        }
        .into(),
    }
}

/// The base estate's account owning `tgw-1`, with the backend's VPC attached
/// (`tgw-attach-backend`) and the partner's (`tgw-attach-partner`), both associated with
/// `tgw-rtb-1`, and the gateway's route tables `tables`. Nothing routes to the gateway yet.
pub(super) fn hub(tables: Vec<TgwRouteTable>) -> Target {
    let mut t = base();
    t.network.transit = Some(Transit {
        attachments: vec![
            tgw_attachment("tgw-attach-backend", "vpc-backend", OWNER, "tgw-rtb-1"),
            tgw_attachment("tgw-attach-partner", PARTNER_VPC, PARTNER, "tgw-rtb-1"),
        ],
        gateways: vec![OwnedTransitGateway {
            id: TGW.into(),
            route_tables: Some(tables),
        }],
    });
    t
}

/// [`hub`] whose one route table has both attachments propagating: a full mesh.
pub(super) fn meshed_hub() -> Target {
    hub(vec![tgw_table(
        "tgw-rtb-1",
        &["tgw-attach-backend", "tgw-attach-partner"],
        vec![],
    )])
}

/// `t` whose backend's route table sends `cidr` to `tgw-1`.
pub(super) fn routing_to_tgw(mut t: Target, cidr: &str) -> Target {
    t.network.route_tables[0].routes.push(Route {
        destination_cidr: cidr.into(),
        target_id: Some(TGW.into()),
        ..Default::default()
    });
    t
}

/// `t` routing the partner's VPC to the transit gateway and admitting it on the backend port.
pub(super) fn routed_and_admitted(t: Target) -> Target {
    admitting(routing_to_tgw(t, PEER_CIDR), tcp(8080, PEER_CIDR))
}

/// The partner account's scan: its VPC (the peer CIDR), attached to no gateway of its own.
pub(super) fn partner_account() -> Target {
    let mut t = Target {
        account_id: PARTNER.into(),
        region: "us-east-1".into(),
        ..Default::default()
    };
    t.network.vpcs.push(Vpc {
        id: PARTNER_VPC.into(),
        cidr_blocks: vec![PEER_CIDR.into()],
    });
    t.network.transit = Some(Transit::default());
    t
}
