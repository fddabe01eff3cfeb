"""Estates for the fault-injection and read-only tests (tests/integration/faults.rs and
read_only.rs): a small but complete estate per account, so a fault in one account, region or
API can be shown not to hide the findings of the others.

Accounts 400000000001..400000000003 belong to these estates only.

faults (three accounts):
  400000000001 us-east-1
    - REST API "orders" (REGIONAL): GET and POST /orders with no auth, plus enough
      resources (/orders/{id}, /items, /items/{id}, /health) that GetResources pages when the
      proxy re-pages at 2 items.
    - REST API "partner" (REGIONAL): IAM-authenticated GET/POST /reports, policy
      `Principal: "*"` (any AWS account can call, and write).
    - REST API "linked" (REGIONAL): GET /backend with IAM auth through a VPC link to an
      internal NLB, policy letting in one partner role only (the intended design: no finding).
    - HTTP API "hooks": `POST /hook` with no authorizer (internet), on two stages ($default and
      v1), so that GetStages pages when the proxy re-pages at 1 item.
    - Network: a VPC, two subnets, a security group, an instance, the internal NLB (listener,
      target group with the instance), an internet-facing ALB with a listener.
  400000000001 eu-west-1
    - REST API "eu-open": GET /status with no auth.
  400000000002 us-east-1
    - REST API "b-open": POST /submit with no auth.
  400000000003 us-east-1
    - HTTP API "c-open": `GET /c` with no authorizer.
    - REST API "c-authorized" (REGIONAL, default endpoint disabled, mapped under the v1 custom
      domain legacy.c.example.com at base path "legacy"): GET /c with a Lambda (TOKEN)
      authorizer, and a second (REQUEST) authorizer, so that GetAuthorizers pages at 1 item.
    - HTTP API "c-jwt" (default endpoint disabled, mapped under the custom domain
      api.c.example.com): `GET /jwt` with a JWT authorizer.
      These two make the auditor read authorizers, domain names and API mappings (the
      read-only test wants every kind of call).
    - An endpoint service on an NLB with one allowed principal, a VPC endpoint, and a VPC
      peering between two VPCs. The NLB also forwards (TCP 9000) to an IP target that is no
      instance's address but a bare network interface's, so the auditor reads target health
      and network interfaces here.
      With A's public ALB (listeners, target health, web ACL), every per-resource network
      call has a resource to fail on (fault tests) and to be seen (read-only test).
"""

from build import http_api, instance, load_balancer, rest_api, security_group, subnet, vpc

A = "400000000001"
B = "400000000002"
C = "400000000003"
PARTNER_ROLE = "arn:aws:iam::222222222222:role/partner-reader"


def any_account_policy():
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }


def partner_policy():
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER_ROLE},
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/prod/GET/*",
            }
        ],
    }


def network(aws):
    """VPC, subnets, a security group, an instance, an internal NLB and a public ALB.
    Returns (ids, nlb_arn)."""
    vpc_id, _ = vpc(aws, "10.40.0.0/16")
    subnets = [subnet(aws, vpc_id, "10.40.1.0/24", "us-east-1a"),
               subnet(aws, vpc_id, "10.40.2.0/24", "us-east-1b")]
    sg = security_group(aws, vpc_id, "backend", [(8080, "10.40.0.0/16")])
    instance_id, _ = instance(aws, subnets[0], [sg])
    targets = [(instance_id, 8080)]
    nlb, _ = load_balancer(aws, "backend-nlb", vpc_id, subnets, "internal", "network", targets,
                           listener_port=80)
    alb, _ = load_balancer(aws, "public-alb", vpc_id, subnets, "internet-facing", "application", targets,
                           security_groups=[sg])
    ids = {
        "faults_vpc": vpc_id,
        "faults_instance": instance_id,
        "faults_nlb": nlb,
        "faults_alb": alb,
    }
    return ids, nlb


def register(estate):
    @estate("faults")
    def faults(endpoint):
        from seed import Aws

        out = {}
        a = Aws(endpoint, A)
        net_ids, nlb = network(a)
        out.update(net_ids)

        orders, _ = rest_api(
            a,
            "orders",
            [
                ("/orders", "GET", "NONE"),
                ("/orders", "POST", "NONE"),
                ("/orders/{id}", "GET", "AWS_IAM"),
                ("/items", "GET", "AWS_IAM"),
                ("/items/{id}", "GET", "AWS_IAM"),
                ("/health", "GET", "AWS_IAM"),
            ],
        )
        out["faults_orders"] = orders

        partner, _ = rest_api(
            a,
            "partner",
            [("/reports", "GET", "AWS_IAM"), ("/reports", "POST", "AWS_IAM")],
            policy=any_account_policy(),
        )
        out["faults_partner"] = partner

        link = a.apigw.create_vpc_link(name="backend-link", targetArns=[nlb])["id"]
        out["faults_vpc_link"] = link
        linked, _ = rest_api(
            a,
            "linked",
            [
                (
                    "/backend",
                    "GET",
                    "AWS_IAM",
                    {
                        "integration": {
                            "type": "HTTP_PROXY",
                            "integrationHttpMethod": "GET",
                            "uri": "http://backend.internal:8080/",
                            "connectionType": "VPC_LINK",
                            "connectionId": link,
                        }
                    },
                )
            ],
            policy=partner_policy(),
        )
        out["faults_linked"] = linked

        hooks, _ = http_api(a, "hooks", [("POST /hook", "NONE")])
        a.apigw2.create_stage(ApiId=hooks, StageName="v1")
        out["faults_hooks"] = hooks

        eu = a.in_region("eu-west-1")
        eu_open, _ = rest_api(eu, "eu-open", [("/status", "GET", "NONE")])
        out["faults_eu_open"] = eu_open

        b = Aws(endpoint, B)
        b_open, _ = rest_api(b, "b-open", [("/submit", "POST", "NONE")])
        out["faults_b_open"] = b_open

        c = Aws(endpoint, C)
        c_open, _ = http_api(c, "c-open", [("GET /c", "NONE")])
        out["faults_c_open"] = c_open
        out.update(authorized_api(c))
        jwt, _ = http_api(c, "c-jwt", [("GET /jwt", "JWT")], disable_default_endpoint=True)
        out["faults_c_jwt"] = jwt
        c.apigw2.create_domain_name(
            DomainName="api.c.example.com",
            DomainNameConfigurations=[
                {
                    "CertificateArn": "arn:aws:acm:us-east-1:400000000003:certificate/c",
                    "EndpointType": "REGIONAL",
                }
            ],
        )
        c.apigw2.create_api_mapping(DomainName="api.c.example.com", ApiId=jwt, Stage="$default")
        c.apigw.create_domain_name(
            domainName="legacy.c.example.com",
            regionalCertificateArn="arn:aws:acm:us-east-1:400000000003:certificate/legacy",
            endpointConfiguration={"types": ["REGIONAL"]},
        )
        c.apigw.create_base_path_mapping(
            domainName="legacy.c.example.com",
            restApiId=out["faults_c_authorized"],
            stage="prod",
            basePath="legacy",
        )
        out.update(endpoint_service_and_peering(c))
        return out


def authorized_api(aws):
    """A REST API with a Lambda authorizer and its default endpoint disabled."""
    api = aws.apigw.create_rest_api(
        name="c-authorized",
        endpointConfiguration={"types": ["REGIONAL"]},
        disableExecuteApiEndpoint=True,
    )["id"]
    root = [r for r in aws.apigw.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
    res = aws.apigw.create_resource(restApiId=api, parentId=root, pathPart="c")["id"]
    authorizer = aws.apigw.create_authorizer(
        restApiId=api,
        name="token",
        type="TOKEN",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:400000000003:function:auth/invocations",
        identitySource="method.request.header.Authorization",
    )["id"]
    aws.apigw.create_authorizer(
        restApiId=api,
        name="request",
        type="REQUEST",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:400000000003:function:auth2/invocations",
        identitySource="method.request.header.X-Token",
    )
    aws.apigw.put_method(
        restApiId=api, resourceId=res, httpMethod="GET", authorizationType="CUSTOM",
        authorizerId=authorizer,
    )
    aws.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="MOCK")
    aws.apigw.create_deployment(restApiId=api, stageName="prod")
    return {"faults_c_authorized": api}


def endpoint_service_and_peering(aws):
    ec2, elbv2 = aws.ec2, aws.elbv2
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.43.1.0/24", AvailabilityZone="us-east-1a")[
        "Subnet"
    ]["SubnetId"]
    nlb = elbv2.create_load_balancer(
        Name="c-service-nlb", Subnets=[sub], Scheme="internal", Type="network"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    svc = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=True
    )["ServiceConfiguration"]
    ec2.modify_vpc_endpoint_service_permissions(
        ServiceId=svc["ServiceId"], AddAllowedPrincipals=["arn:aws:iam::222222222222:root"]
    )
    # An IP target that is no instance's address: a bare network interface.
    eni = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="10.43.1.50")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    ip_tg = elbv2.create_target_group(
        Name="c-ip-tg", Protocol="TCP", Port=9000, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=ip_tg, Targets=[{"Id": "10.43.1.50", "Port": 9000}])
    elbv2.create_listener(
        LoadBalancerArn=nlb,
        Protocol="TCP",
        Port=9000,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ip_tg}],
    )
    consumer = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=consumer, ServiceName=svc["ServiceName"], VpcEndpointType="Interface"
    )["VpcEndpoint"]["VpcEndpointId"]
    peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=consumer)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
    return {
        "faults_c_service": svc["ServiceId"],
        "faults_c_eni": eni,
        "faults_c_service_nlb": nlb,
        "faults_c_endpoint": endpoint,
        "faults_c_peering": peering,
    }
