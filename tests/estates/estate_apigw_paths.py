"""API Gateway paths of issue 10: what a REST stage serves (deployments and canaries), HTTP API
VPC links (v2) to a private load balancer, and WebSocket APIs.

Accounts 9100000000xx belong to these estates only.

| account      | estate               | what is in it                                                |
|--------------|----------------------|--------------------------------------------------------------|
| 910000000001 | apigw-deployments    | REST APIs whose stages serve other deployments than their    |
|              |                      | working copy: fixed but not redeployed, added but never      |
|              |                      | deployed, a canary deployment, and one in step               |
| 910000000002 | apigw-http-links     | an internal NLB published by an HTTP API through a v2 VPC    |
|              |                      | link (integration URI = its listener ARN), a public NLB in   |
|              |                      | front of the same instance, and an HTTP API reaching the     |
|              |                      | backend over the internet (no link: publishes nothing)       |
| 910000000003 | apigw-websocket      | WebSocket APIs: $connect open, with IAM, with a Lambda       |
|              |                      | authorizer, none at all, and one with its endpoint disabled  |
| 910000000004 | apigw-cloudmap       | an HTTP API whose v2 VPC link integrations name Cloud Map    |
|              |                      | services: `catalog`, whose 101st instance is the address of  |
|              |                      | an internal NLB's target (a public NLB fronts it too), and   |
|              |                      | `elsewhere`, whose instance is an address nothing targets    |

Every REST deployment goes through build.deploy, which records the API summary real AWS would
return for it; the tests serve those summaries through the fault proxy.

moto quirks met here (the tests repeat the ones that shape an assertion):
- GetDeployment ignores embed=apisummary: no `apiSummary`, ever.
- update_method is not implemented: a method's authorization is changed by deleting the method
  and putting it again.
- Canaries cannot be seeded: create_deployment ignores `canarySettings`, and update_stage on
  /canarySettings/deploymentId replaces the stage's own deploymentId. The canary deployment is
  made here (a deployment with no stage); the test adds `canarySettings` to GetStages.
- NLB listener ARNs say `listener/app/…` like ALBs' (trust the load balancer's `Type`); the
  auditor derives the load balancer from the listener ARN, which still names it.
- Cloud Map (servicediscovery): a private DNS namespace takes any VPC id and is created at
  once (the operation it returns needs no polling); register_instance accepts any attributes
  (nothing checks that AWS_INSTANCE_IPV4 is an address of the VPC); ListInstances honours
  MaxResults and pages with NextToken. create_integration takes a service ARN as
  IntegrationUri without checking it.
"""

from build import deploy, legacy_backend, load_balancer
from seed import Aws

DEPLOYMENTS = "910000000001"
HTTP_LINKS = "910000000002"
WEBSOCKET = "910000000003"
CLOUD_MAP = "910000000004"

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    f"arn:aws:lambda:us-east-1:{WEBSOCKET}:function:connect-auth/invocations"
)


def rest_with(aws, name, methods):
    """A REST API with (path, verb, authorizationType) MOCK methods, not deployed. Returns
    (api_id, {(path, verb): resource_id})."""
    api_id = aws.apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = aws.apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resources = {"/": root}
    ids = {}
    for path, verb, auth in methods:
        if path not in resources:
            resources[path] = aws.apigw.create_resource(
                restApiId=api_id, parentId=root, pathPart=path.strip("/"))["id"]
        rid = resources[path]
        aws.apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod=verb, authorizationType=auth)
        aws.apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod=verb, type="MOCK")
        ids[(path, verb)] = rid
    return api_id, ids


def set_auth(aws, api_id, resource_id, verb, auth):
    """Changes a method's authorization in the working copy (moto has no update_method: the
    method is put again)."""
    aws.apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb)
    aws.apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                         authorizationType=auth)
    aws.apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                              type="MOCK")


def seed_deployments(aws):
    out = {}
    # Deployed open, then fixed in the working copy and never redeployed: still open on prod.
    api, ids = rest_with(aws, "fixed-not-deployed",
                         [("/orders", "GET", "AWS_IAM"), ("/orders", "POST", "NONE")])
    out["rest:fixed-not-deployed"] = api
    out["deployment:fixed-not-deployed"] = deploy(aws, api, "prod")
    set_auth(aws, api, ids[("/orders", "POST")], "POST", "AWS_IAM")

    # Deployed safe, then an open method added and never deployed: not reachable yet.
    api, ids = rest_with(aws, "added-not-deployed", [("/orders", "GET", "AWS_IAM")])
    out["rest:added-not-deployed"] = api
    out["deployment:added-not-deployed"] = deploy(aws, api, "prod")
    aws.apigw.put_method(restApiId=api, resourceId=ids[("/orders", "GET")], httpMethod="DELETE",
                         authorizationType="NONE")
    aws.apigw.put_integration(restApiId=api, resourceId=ids[("/orders", "GET")],
                              httpMethod="DELETE", type="MOCK")

    # prod serves a safe deployment; its canary (added by the test: moto cannot) serves one
    # where POST was open; the working copy is back to IAM.
    api, ids = rest_with(aws, "canary", [("/orders", "POST", "AWS_IAM")])
    out["rest:canary"] = api
    out["deployment:canary"] = deploy(aws, api, "prod")
    set_auth(aws, api, ids[("/orders", "POST")], "POST", "NONE")
    out["deployment:canary-canary"] = deploy(aws, api, description="canary")
    set_auth(aws, api, ids[("/orders", "POST")], "POST", "AWS_IAM")

    # In step: what the stage serves is the working copy.
    api, _ = rest_with(aws, "in-step", [("/orders", "GET", "AWS_IAM"), ("/orders", "POST", "NONE")])
    out["rest:in-step"] = api
    out["deployment:in-step"] = deploy(aws, api, "prod")
    return out


def seed_http_links(aws):
    b = legacy_backend(aws, cidr="10.91.0.0/16", name="orders", api=False)
    listener = aws.elbv2.describe_listeners(LoadBalancerArn=b["nlb"])["Listeners"][0]["ListenerArn"]
    public_nlb, _ = load_balancer(aws, "orders-public", b["vpc"], [b["subnet"]], "internet-facing",
                                  "network", [(b["instance"], 8080)])
    link = aws.apigw2.create_vpc_link(Name="orders-v2-link", SubnetIds=[b["subnet"]],
                                      SecurityGroupIds=[b["sg"]])["VpcLinkId"]

    api = aws.apigw2.create_api(Name="orders-http", ProtocolType="HTTP")["ApiId"]
    integration = aws.apigw2.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", ConnectionType="VPC_LINK",
        ConnectionId=link, IntegrationUri=listener, PayloadFormatVersion="1.0")["IntegrationId"]
    routes = {}
    for key, auth in [("POST /orders", "NONE"), ("GET /orders", "AWS_IAM")]:
        routes[key] = aws.apigw2.create_route(ApiId=api, RouteKey=key, AuthorizationType=auth,
                                              Target=f"integrations/{integration}")["RouteId"]
    aws.apigw2.create_stage(ApiId=api, StageName="$default")

    # The same backend over the internet (its DNS name, no VPC link): publishes nothing.
    direct = aws.apigw2.create_api(Name="orders-direct", ProtocolType="HTTP")["ApiId"]
    direct_integration = aws.apigw2.create_integration(
        ApiId=direct, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
        IntegrationUri=f"http://{b['nlb_dns']}/orders", PayloadFormatVersion="1.0")["IntegrationId"]
    aws.apigw2.create_route(ApiId=direct, RouteKey="GET /orders", AuthorizationType="AWS_IAM",
                            Target=f"integrations/{direct_integration}")
    aws.apigw2.create_stage(ApiId=direct, StageName="$default")
    return {
        "http:orders-http": api,
        "http:orders-direct": direct,
        "http_link": link,
        "http_links_nlb": b["nlb"],
        "http_links_listener": listener,
        "http_links_public_nlb": public_nlb,
        "http_links_vpc_link_v1": b["vpc_link"],
    }


def seed_cloud_map(aws):
    b = legacy_backend(aws, cidr="10.94.0.0/16", name="catalog", api=False)
    public_nlb, _ = load_balancer(aws, "catalog-public", b["vpc"], [b["subnet"]], "internet-facing",
                                  "network", [(b["instance"], 8080)])
    sd = aws.client("servicediscovery")
    sd.create_private_dns_namespace(Name="catalog.local", Vpc=b["vpc"])
    ns = [n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == "catalog.local"][0]["Id"]

    def service(name):
        return sd.create_service(Name=name, NamespaceId=ns,
                                 DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 60}]})["Service"]

    catalog = service("catalog")
    # 100 addresses nothing targets, then the backend instance's: the tie needs every page.
    for n in range(100):
        sd.register_instance(ServiceId=catalog["Id"], InstanceId=f"decoy-{n:03}",
                             Attributes={"AWS_INSTANCE_IPV4": f"10.94.2.{n + 1}", "AWS_INSTANCE_PORT": "8080"})
    sd.register_instance(ServiceId=catalog["Id"], InstanceId="catalog-task",
                         Attributes={"AWS_INSTANCE_IPV4": b["ip"], "AWS_INSTANCE_PORT": "8080",
                                     "ECS_SERVICE_NAME": "catalog"})
    elsewhere = service("elsewhere")
    sd.register_instance(ServiceId=elsewhere["Id"], InstanceId="elsewhere-task",
                         Attributes={"AWS_INSTANCE_IPV4": "10.94.1.250", "AWS_INSTANCE_PORT": "8080"})

    link = aws.apigw2.create_vpc_link(Name="catalog-v2-link", SubnetIds=[b["subnet"]],
                                      SecurityGroupIds=[b["sg"]])["VpcLinkId"]
    api = aws.apigw2.create_api(Name="catalog-http", ProtocolType="HTTP")["ApiId"]

    def integration(svc):
        return aws.apigw2.create_integration(
            ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", ConnectionType="VPC_LINK",
            ConnectionId=link, IntegrationUri=svc["Arn"], PayloadFormatVersion="1.0")["IntegrationId"]

    to_catalog, to_elsewhere = integration(catalog), integration(elsewhere)
    for key, auth, target in [("POST /items", "NONE", to_catalog), ("GET /items", "AWS_IAM", to_catalog),
                              ("DELETE /elsewhere", "NONE", to_elsewhere)]:
        aws.apigw2.create_route(ApiId=api, RouteKey=key, AuthorizationType=auth,
                                Target=f"integrations/{target}")
    aws.apigw2.create_stage(ApiId=api, StageName="$default")
    return {
        "http:catalog-http": api,
        "cloud_map_link": link,
        "cloud_map_catalog": catalog["Arn"],
        "cloud_map_catalog_id": catalog["Id"],
        "cloud_map_elsewhere": elsewhere["Arn"],
        "cloud_map_elsewhere_id": elsewhere["Id"],
        "cloud_map_public_nlb": public_nlb,
        "cloud_map_nlb": b["nlb"],
    }


def websocket_api(aws, name, connect_auth, routes=("sendmessage", "$default"), disabled=False):
    """A WebSocket API with `routes` (no authorization: only $connect can have any) and, unless
    `connect_auth` is None, a $connect route with that authorization; one stage, prod."""
    kwargs = {"Name": name, "ProtocolType": "WEBSOCKET",
              "RouteSelectionExpression": "$request.body.action"}
    if disabled:
        kwargs["DisableExecuteApiEndpoint"] = True
    api = aws.apigw2.create_api(**kwargs)["ApiId"]
    ids = {f"ws:{name}": api}
    for key in routes:
        aws.apigw2.create_route(ApiId=api, RouteKey=key, AuthorizationType="NONE")
    if connect_auth:
        kw = {"ApiId": api, "RouteKey": "$connect", "AuthorizationType": connect_auth}
        if connect_auth == "CUSTOM":
            kw["AuthorizerId"] = aws.apigw2.create_authorizer(
                ApiId=api, AuthorizerType="REQUEST", Name="connect-auth",
                IdentitySource=["route.request.header.Authorization"],
                AuthorizerUri=LAMBDA_URI)["AuthorizerId"]
        ids[f"connect:{name}"] = aws.apigw2.create_route(**kw)["RouteId"]
    aws.apigw2.create_stage(ApiId=api, StageName="prod")
    return ids


def seed_websocket(aws):
    out = {}
    out.update(websocket_api(aws, "chat-open", "NONE"))
    out.update(websocket_api(aws, "chat-iam", "AWS_IAM"))
    out.update(websocket_api(aws, "chat-lambda", "CUSTOM"))
    out.update(websocket_api(aws, "chat-no-connect", None))
    out.update(websocket_api(aws, "chat-disabled", "NONE", disabled=True))
    return out


def register(estate):
    @estate("apigw-deployments")
    def _deployments(endpoint):
        return seed_deployments(Aws(endpoint, DEPLOYMENTS))

    @estate("apigw-http-links")
    def _http_links(endpoint):
        return seed_http_links(Aws(endpoint, HTTP_LINKS))

    @estate("apigw-cloudmap")
    def _cloud_map(endpoint):
        return seed_cloud_map(Aws(endpoint, CLOUD_MAP))

    @estate("apigw-websocket")
    def _websocket(endpoint):
        return seed_websocket(Aws(endpoint, WEBSOCKET))
