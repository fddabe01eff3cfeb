"""Builders shared by the estates: a REST API from a compact description, HTTP APIs, and the
network pieces (VPCs, instances, load balancers, endpoint services, peerings).

Everything goes through the AWS APIs of the emulator, exactly as a user would create it.
"""

import json


# ---------------------------------------------------------------------------------------------
# API Gateway

# What real AWS answers to GetDeployment?embed=apisummary for each deployment made through
# `deploy`, recorded when it was made: moto never returns `apiSummary`. seed.py prints it under
# "api_summaries" (deployment id -> summary) and tests hand it to the fault proxy.
API_SUMMARIES = {}


def api_summary(aws, api_id):
    """The working copy's methods as a deployment's apiSummary: {path: {verb: {...}}}."""
    summary = {}
    for r in aws.apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for verb, m in (r.get("resourceMethods") or {}).items():
            summary.setdefault(r["path"], {})[verb] = {
                # moto leaves it out of imported methods; API Gateway's default is NONE.
                "authorizationType": m.get("authorizationType", "NONE"),
                "apiKeyRequired": bool(m.get("apiKeyRequired")),
            }
    return summary


def deploy(aws, api_id, stage=None, **kwargs):
    """Deploys the API's working copy (to `stage`, or to no stage) and records the summary
    real AWS would keep for it. Returns the deployment id."""
    if stage:
        kwargs["stageName"] = stage
    deployment_id = aws.apigw.create_deployment(restApiId=api_id, **kwargs)["id"]
    API_SUMMARIES[deployment_id] = api_summary(aws, api_id)
    return deployment_id


def rest_api(aws, name, methods, stages=("prod",), endpoint="REGIONAL", policy=None,
             escape_policy=False, disable_default_endpoint=False, integration=None,
             authorizers=None):
    """Creates a REST API and deploys it.

    methods: list of (path, verb, authorizationType) or (path, verb, authorizationType, opts)
      where opts is a dict with any of: api_key (bool), authorizer (name of an authorizer in
      `authorizers`), integration (dict of put_integration kwargs, default a MOCK).
    policy: a dict (serialised to JSON) or a string (sent as is), or a callable taking the new
      API's id and returning either (for policies that name the API in full execute-api ARNs:
      the API is created without a policy, then `update_rest_api` replaces `/policy`).
    escape_policy: send the policy backslash-escaped, as real AWS returns it.
    authorizers: {name: create_authorizer kwargs (type, authorizerUri, providerARNs, ...)};
      created before the methods, which reference them with opts {"authorizer": name}.
    Returns (api_id, {path: resource_id}); with `authorizers`, the dict also maps
    "authorizer:<name>" to each authorizer's id.
    """

    def policy_text(p):
        text = p if isinstance(p, str) else json.dumps(p)
        if escape_policy:
            text = text.replace('"', '\\"')
        return text

    kwargs = {"name": name, "endpointConfiguration": {"types": [endpoint]}}
    if policy is not None and not callable(policy):
        kwargs["policy"] = policy_text(policy)
    if disable_default_endpoint:
        kwargs["disableExecuteApiEndpoint"] = True
    api = aws.apigw.create_rest_api(**kwargs)
    api_id = api["id"]
    if callable(policy):
        aws.apigw.update_rest_api(
            restApiId=api_id,
            patchOperations=[{"op": "replace", "path": "/policy", "value": policy_text(policy(api_id))}],
        )
    authorizer_ids = {}
    for auth_name, auth_kwargs in (authorizers or {}).items():
        created = aws.apigw.create_authorizer(restApiId=api_id, name=auth_name, **auth_kwargs)
        authorizer_ids[auth_name] = created["id"]
    root = [r for r in aws.apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/"][0]
    ids = {"/": root["id"]}

    def resource_for(path):
        if path in ids:
            return ids[path]
        parent, _, part = path.rpartition("/")
        parent_id = resource_for(parent or "/")
        created = aws.apigw.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)
        ids[path] = created["id"]
        return created["id"]

    for spec in methods:
        path, verb, auth = spec[:3]
        opts = spec[3] if len(spec) > 3 else {}
        rid = resource_for(path)
        put = {
            "restApiId": api_id,
            "resourceId": rid,
            "httpMethod": verb,
            "authorizationType": auth,
            "apiKeyRequired": bool(opts.get("api_key")),
        }
        if opts.get("authorizer_id"):
            put["authorizerId"] = opts["authorizer_id"]
        if opts.get("authorizer"):
            put["authorizerId"] = authorizer_ids[opts["authorizer"]]
        aws.apigw.put_method(**put)
        integ = opts.get("integration") or integration or {"type": "MOCK"}
        aws.apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod=verb, **integ)

    if stages:
        deployment = deploy(aws, api_id, stages[0])
        for stage in stages[1:]:
            aws.apigw.create_stage(restApiId=api_id, stageName=stage, deploymentId=deployment)
    for auth_name, auth_id in authorizer_ids.items():
        ids[f"authorizer:{auth_name}"] = auth_id
    return api_id, ids


def http_api(aws, name, routes, stage="$default", disable_default_endpoint=False):
    """Creates an HTTP API with routes [(route_key, authorizationType)] and one stage.
    JWT/CUSTOM routes get an authorizer created for them. Returns (api_id, {route_key: route_id})."""
    kwargs = {"Name": name, "ProtocolType": "HTTP"}
    if disable_default_endpoint:
        kwargs["DisableExecuteApiEndpoint"] = True
    api_id = aws.apigw2.create_api(**kwargs)["ApiId"]
    route_ids = {}
    authorizers = {}
    for key, auth in routes:
        kw = {"ApiId": api_id, "RouteKey": key, "AuthorizationType": auth}
        if auth in ("JWT", "CUSTOM"):
            if auth not in authorizers:
                if auth == "JWT":
                    a = aws.apigw2.create_authorizer(
                        ApiId=api_id, AuthorizerType="JWT", Name="jwt",
                        IdentitySource=["$request.header.Authorization"],
                        JwtConfiguration={"Audience": ["partner"], "Issuer": "https://issuer.example.com"},
                    )
                else:
                    a = aws.apigw2.create_authorizer(
                        ApiId=api_id, AuthorizerType="REQUEST", Name="lambda",
                        IdentitySource=["$request.header.Authorization"],
                        AuthorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:auth/invocations",
                        AuthorizerPayloadFormatVersion="2.0",
                    )
                authorizers[auth] = a["AuthorizerId"]
            kw["AuthorizerId"] = authorizers[auth]
        route_ids[key] = aws.apigw2.create_route(**kw)["RouteId"]
    if stage:
        aws.apigw2.create_stage(ApiId=api_id, StageName=stage)
    return api_id, route_ids


# ---------------------------------------------------------------------------------------------
# Network


def vpc(aws, cidr):
    """Creates a VPC; returns (vpc_id, main_route_table_id)."""
    vpc_id = aws.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    tables = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    main = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))][0]
    return vpc_id, main["RouteTableId"]


def subnet(aws, vpc_id, cidr, az=None):
    az = az or f"{aws.region}a"
    return aws.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]


def security_group(aws, vpc_id, name, ingress=()):
    """ingress: (port, cidr), (port, "sg-…") or (port, "pl-…") tuples; port None = all traffic."""
    gid = aws.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    perms = []
    for port, source in ingress:
        perm = {"IpProtocol": "-1"} if port is None else {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if source.startswith("sg-"):
            perm["UserIdGroupPairs"] = [{"GroupId": source}]
        elif source.startswith("pl-"):
            perm["PrefixListIds"] = [{"PrefixListId": source}]
        else:
            perm["IpRanges"] = [{"CidrIp": source}]
        perms.append(perm)
    if perms:
        aws.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
    return gid


def instance(aws, subnet_id, groups):
    """Runs one instance; returns (instance_id, private_ip)."""
    i = aws.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                              SubnetId=subnet_id, SecurityGroupIds=list(groups))["Instances"][0]
    return i["InstanceId"], i["PrivateIpAddress"]


def load_balancer(aws, name, vpc_id, subnets, scheme, kind, targets, port=8080,
                  target_type="instance", listener_port=None, security_groups=None):
    """Creates an NLB/ALB forwarding to `targets` [(id or ip, port)]; returns (arn, dns_name)."""
    kwargs = {"Name": name, "Subnets": list(subnets), "Scheme": scheme, "Type": kind}
    if security_groups:
        kwargs["SecurityGroups"] = list(security_groups)
    lb = aws.elbv2.create_load_balancer(**kwargs)["LoadBalancers"][0]
    protocol = "TCP" if kind == "network" else "HTTP"
    tg = aws.elbv2.create_target_group(Name=f"{name}-tg", Protocol=protocol, Port=port, VpcId=vpc_id,
                                       TargetType=target_type)["TargetGroups"][0]["TargetGroupArn"]
    aws.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": i, "Port": p} for i, p in targets])
    aws.elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol=protocol,
                              Port=listener_port or (80 if kind == "application" else port),
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    return lb["LoadBalancerArn"], lb["DNSName"]


def endpoint_service(aws, nlb_arn, principals, acceptance_required=False):
    svc = aws.ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb_arn], AcceptanceRequired=acceptance_required)["ServiceConfiguration"]
    if principals:
        aws.ec2.modify_vpc_endpoint_service_permissions(ServiceId=svc["ServiceId"], AddAllowedPrincipals=list(principals))
    return svc["ServiceId"]


def peering(aws, vpc_id, peer_aws, peer_vpc_id, accept=True):
    """Requests a peering from aws/vpc_id to peer_aws/peer_vpc_id and accepts it as the peer."""
    pcx = aws.ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=peer_vpc_id,
                                                PeerOwnerId=peer_aws.account)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    if accept:
        peer_aws.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    return pcx


def prefix_list(aws, name, cidrs):
    """Creates a customer-managed IPv4 prefix list; returns its id."""
    return aws.ec2.create_managed_prefix_list(
        PrefixListName=name, AddressFamily="IPv4", MaxEntries=max(len(cidrs), 1),
        Entries=[{"Cidr": c} for c in cidrs])["PrefixList"]["PrefixListId"]


def route(aws, table_id, cidr, pcx):
    aws.ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx)


def web_acl(aws, name, resource_arn=None):
    acl = aws.wafv2.create_web_acl(
        Name=name, Scope="REGIONAL", DefaultAction={"Block": {}}, Rules=[],
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
    )["Summary"]["ARN"]
    if resource_arn:
        aws.wafv2.associate_web_acl(WebACLArn=acl, ResourceArn=resource_arn)
    return acl


# ---------------------------------------------------------------------------------------------
# VPC Lattice (moto accepts ids, not ARNs, as identifiers; see estate_lattice.py)


def lattice_service(aws, name, auth_type, policy=None, network=None, target_vpc=None):
    """Creates a VPC Lattice service with `auth_type` and, given one, its auth policy (a dict);
    associates it with `network` (a service network id) and, with `target_vpc`, gives it an
    instance target group on port 8080 behind an HTTP listener. Returns a dict of ids."""
    svc = aws.lattice.create_service(name=name, authType=auth_type)
    out = {"id": svc["id"], "arn": svc["arn"]}
    if policy is not None:
        aws.lattice.put_auth_policy(resourceIdentifier=svc["id"], policy=json.dumps(policy))
    if network:
        out["association"] = aws.lattice.create_service_network_service_association(
            serviceNetworkIdentifier=network, serviceIdentifier=svc["id"])["id"]
    if target_vpc:
        tg = aws.lattice.create_target_group(name=f"{name}-tg", type="INSTANCE",
                                             config={"port": 8080, "protocol": "HTTP", "vpcIdentifier": target_vpc})
        aws.lattice.create_listener(serviceIdentifier=svc["id"], name=f"{name}-http", protocol="HTTP", port=80,
                                    defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
        out.update({"target_group": tg["id"], "target_group_arn": tg["arn"]})
    return out


def lattice_network(aws, name, auth_type, policy=None, vpcs=(), shared_with=None, share_condition=None):
    """Creates a service network with `auth_type` (and auth policy `policy`), associates the
    VPC ids `vpcs` with it (from this account's side, whoever owns them: moto lets no other
    account associate), and shares it with the principals `shared_with` through its resource
    policy, as AWS RAM writes it (moto refuses RAM shares of Lattice resources), under
    `share_condition` when given (an organization share). Returns a
    dict of ids: "id", "arn", and "assoc:<vpc>" per VPC association."""
    sn = aws.lattice.create_service_network(name=name, authType=auth_type)
    out = {"id": sn["id"], "arn": sn["arn"]}
    if policy is not None:
        aws.lattice.put_auth_policy(resourceIdentifier=sn["id"], policy=json.dumps(policy))
    for v in vpcs:
        out[f"assoc:{v}"] = aws.lattice.create_service_network_vpc_association(
            serviceNetworkIdentifier=sn["id"], vpcIdentifier=v)["id"]
    if shared_with:
        aws.lattice.put_resource_policy(resourceArn=sn["arn"], policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": list(shared_with)},
                "Action": ["vpc-lattice:CreateServiceNetworkVpcAssociation",
                           "vpc-lattice:CreateServiceNetworkServiceAssociation",
                           "vpc-lattice:GetServiceNetwork"],
                "Resource": sn["arn"],
                **({"Condition": share_condition} if share_condition else {}),
            }],
        }))
    return out


def legacy_backend(aws, cidr="10.0.0.0/16", name="legacy", api=True, admit=(), policy=None, api_name=None):
    """The story's private legacy API: a VPC, one instance listening on 8080 (security group
    admitting the VPC itself plus `admit`), an internal NLB in front of it, an API Gateway VPC
    link to the NLB, and (api=True) the safe REST API: GET methods with IAM auth through the
    link, under `policy` (none by default: IAM then admits only the owner's principals).
    Returns a dict of ids."""
    base = cidr.split("/")[0].rsplit(".", 2)[0]  # "10.0"
    vpc_id, main_rtb = vpc(aws, cidr)
    sub = subnet(aws, vpc_id, f"{base}.1.0/24")
    sg = security_group(aws, vpc_id, f"{name}-backend", [(8080, cidr)] + list(admit))
    inst, ip = instance(aws, sub, [sg])
    nlb, dns = load_balancer(aws, f"{name}-nlb", vpc_id, [sub], "internal", "network", [(inst, 8080)])
    link = aws.apigw.create_vpc_link(name=f"{name}-link", targetArns=[nlb])["id"]
    out = {"vpc": vpc_id, "main_rtb": main_rtb, "subnet": sub, "sg": sg, "instance": inst, "ip": ip,
           "nlb": nlb, "nlb_dns": dns, "vpc_link": link}
    if api:
        integration = {"type": "HTTP_PROXY", "integrationHttpMethod": "GET", "uri": f"http://{dns}/orders",
                       "connectionType": "VPC_LINK", "connectionId": link}
        api_id, _ = rest_api(aws, api_name or f"{name}-api", [
            ("/orders", "GET", "AWS_IAM", {"integration": integration}),
            ("/orders/{id}", "GET", "AWS_IAM", {"integration": dict(integration, uri=f"http://{dns}/orders/{{id}}")}),
        ], policy=policy)
        out["api"] = api_id
    return out


# ---------------------------------------------------------------------------------------------
# Transit gateways


def transit_gateway(aws):
    """Creates a transit gateway; returns (tgw_id, default_route_table_id). The emulator
    associates every attachment with the default table (whatever the gateway's options say) and
    never propagates by itself."""
    tgw = aws.ec2.create_transit_gateway(Description="hub")["TransitGateway"]
    return tgw["TransitGatewayId"], tgw["Options"]["AssociationDefaultRouteTableId"]


def tgw_attachment(aws, tgw, vpc_id, subnet_ids, propagate_to=None):
    """Attaches a VPC (this account's, or another's: the emulator lets only the gateway's owner
    attach, so another account's VPC is attached from the owner's side) and, with
    `propagate_to` (a route table id), propagates its CIDRs there. Returns the attachment id."""
    att = aws.ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc_id, SubnetIds=list(subnet_ids))["TransitGatewayVpcAttachment"]
    att_id = att["TransitGatewayAttachmentId"]
    if propagate_to:
        aws.ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=propagate_to, TransitGatewayAttachmentId=att_id)
    return att_id


def route_to_tgw(aws, table_id, cidr, tgw):
    aws.ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=cidr, TransitGatewayId=tgw)
