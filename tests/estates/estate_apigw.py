"""API Gateway estates: every auth type, policy construct and rule of the exposure model §2–3.

Accounts (all in the 3000000000xx range, used by no other estate):
  300000000001  owner of the `apigw-matrix` estate (us-east-1)
  300000000002  partner named in policies (never audited, never seeded)
  300000000003  another external account named in policies (never audited, never seeded)
  300000000011  `apigw-multi` account A (us-east-1 and eu-west-1)
  300000000012  `apigw-multi` account B (us-east-1; eu-west-1 left empty)
  300000000021  `apigw-pages`: one REST API with 520 resources

Each estate prints {name: id} for what the tests assert on. API names are the keys: `rest:<name>`
for REST APIs, `http:<name>` for HTTP APIs.

moto quirks met while seeding (the tests repeat the ones that shape an assertion):
- `create_rest_api` stores `policy` verbatim and never validates it (real AWS rejects a policy
  that is not JSON), which is how the unparseable-policy API exists at all.
- `update_rest_api` with `replace /policy` is supported: that is how policies naming the API in
  full `arn:aws:execute-api:…:<api-id>/…` ARNs are written after the id is known.
- A PRIVATE REST API deploys without a resource policy (real AWS refuses the deployment).
- apigatewayv2 `create_api_mapping` only accepts v2 (HTTP/WebSocket) API ids, so a REST API
  cannot be mapped under a custom domain; the disabled-endpoint + domain case is exercised with an
  HTTP API here and for REST APIs in the analysis unit tests.
- `create_vpc_endpoint` accepts `com.amazonaws.us-east-1.execute-api` without any subnet or
  security group.
"""

import json

from build import http_api, rest_api

OWNER = "300000000001"
PARTNER = "300000000002"
OTHER = "300000000003"
MULTI_A = "300000000011"
MULTI_B = "300000000012"
PAGES = "300000000021"

ORG = "o-a1b2c3d4e5"
UNKNOWN_VPCE = "vpce-0123456789abcdef0"
UNKNOWN_VPC = "vpc-0ffee0ffee0ffee00"

EXECUTE_API = "com.amazonaws.us-east-1.execute-api"
LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    f"arn:aws:lambda:us-east-1:{OWNER}:function:authorizer/invocations"
)


def statement(effect, resource="execute-api:/*", principal="*", condition=None, **extra):
    """One execute-api:Invoke statement. `extra` may replace Principal/Action/Resource with
    their Not* forms (pass e.g. NotPrincipal=..., principal=None)."""
    s = {"Effect": effect}
    if principal is not None:
        s["Principal"] = principal
    if "NotAction" not in extra:
        s["Action"] = "execute-api:Invoke"
    if resource is not None and "NotResource" not in extra:
        s["Resource"] = resource
    if condition:
        s["Condition"] = condition
    s.update(extra)
    return s


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


# The intended design of the README: IAM-authenticated GETs, one partner role, GET only.
PARTNER_READER = f"arn:aws:iam::{PARTNER}:role/partner-reader"
INTENDED = doc(
    {
        "Sid": "PartnerReadOnly",
        "Effect": "Allow",
        "Principal": {"AWS": PARTNER_READER},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/prod/GET/*",
    }
)


def iam_star_full_arn(api_id):
    """Principal "*" over the whole API, in the full ARN form naming the API's own id."""
    return doc(
        {
            "Sid": "AnyoneFullArn",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:us-east-1:{OWNER}:{api_id}/*",
        }
    )


def vpc_endpoint(aws, cidr):
    vpc = aws.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    vpce = aws.ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=EXECUTE_API, VpcEndpointType="Interface"
    )["VpcEndpoint"]["VpcEndpointId"]
    return vpc, vpce


def seed_matrix(aws):
    out = {}
    vpc, vpce = vpc_endpoint(aws, "10.30.0.0/16")
    out["owner_vpc"] = vpc
    out["owner_vpce"] = vpce

    def rest(name, methods, **kw):
        api_id, ids = rest_api(aws, name, methods, **kw)
        out[f"rest:{name}"] = api_id
        return api_id, ids

    # --- Auth types with no resource policy --------------------------------------------------
    # Two stages with identical verdicts: every finding collapses to stage "*".
    rest(
        "open",
        [
            ("/items", "GET", "NONE"),
            ("/items", "POST", "NONE"),
            ("/items", "PUT", "AWS_IAM"),
            # CORS preflight (OPTIONS + MOCK): returns no data, never a finding.
            ("/items", "OPTIONS", "NONE"),
            # OPTIONS that reaches a backend is a real read.
            ("/preflight", "OPTIONS", "NONE",
             {"integration": {"type": "HTTP_PROXY", "integrationHttpMethod": "OPTIONS",
                              "uri": "http://backend.internal.example/preflight"}}),
            ("/keyed", "GET", "NONE", {"api_key": True}),
            ("/keyed", "DELETE", "NONE", {"api_key": True}),
            ("/{proxy+}", "ANY", "NONE"),
        ],
        stages=("prod", "dev"),
    )
    rest(
        "authorizers",
        [
            ("/orders", "GET", "CUSTOM", {"authorizer": "lambda"}),
            ("/orders", "POST", "CUSTOM", {"authorizer": "lambda"}),
            ("/orders/{id}", "GET", "COGNITO_USER_POOLS", {"authorizer": "cognito"}),
            ("/orders/{id}", "PATCH", "COGNITO_USER_POOLS", {"authorizer": "cognito"}),
        ],
        authorizers={
            "lambda": {"type": "TOKEN", "authorizerUri": LAMBDA_URI,
                       "identitySource": "method.request.header.Authorization"},
            "cognito": {"type": "COGNITO_USER_POOLS",
                        "providerARNs": [f"arn:aws:cognito-idp:us-east-1:{OWNER}:userpool/us-east-1_pool"],
                        "identitySource": "method.request.header.Authorization"},
        },
    )
    # Authorizers with a policy: only explicit Denies count; no Allow is needed.
    rest(
        "authorizers-deny",
        [
            ("/items", "DELETE", "CUSTOM", {"authorizer": "lambda"}),
            ("/items", "PUT", "CUSTOM", {"authorizer": "lambda"}),
        ],
        authorizers={"lambda": {"type": "REQUEST", "authorizerUri": LAMBDA_URI,
                                "identitySource": "method.request.header.Authorization"}},
        policy=doc(statement("Deny", "execute-api:/*/DELETE/*", Sid="NoDeletes")),
    )

    # --- The intended design: no finding -----------------------------------------------------
    intended_methods = [("/orders", "GET", "AWS_IAM"), ("/orders/{id}", "GET", "AWS_IAM")]
    rest("intended-regional", intended_methods, policy=INTENDED)
    rest("intended-private", intended_methods, endpoint="PRIVATE", policy=INTENDED)
    # ANY with IAM under the intended policy: ANY is expanded per verb, and only GET is granted,
    # so no write leaves the account.
    rest("intended-any", [("/orders", "ANY", "AWS_IAM")], policy=INTENDED)
    # EDGE is on the internet like REGIONAL.
    rest("edge", [("/items", "GET", "NONE")], endpoint="EDGE")

    # --- Principal "*" with IAM, full ARN form (written after the id is known), plain/escaped --
    star_methods = [
        ("/orders/{id}", "GET", "AWS_IAM"),
        ("/orders/{id}", "DELETE", "AWS_IAM"),
        ("/health", "GET", "NONE"),
    ]
    rest("iam-star", star_methods, policy=iam_star_full_arn)
    rest("iam-star-escaped", star_methods, policy=iam_star_full_arn, escape_policy=True)

    # Wildcard api-id ARNs; grants for another account's or region's APIs must not count.
    rest(
        "wildcard-api-id",
        [
            ("/reports", "GET", "AWS_IAM"),
            ("/reports", "POST", "AWS_IAM"),
            ("/ingest", "POST", "NONE"),
            ("/ingest", "PUT", "NONE"),
        ],
        policy=doc(
            statement("Allow", f"arn:aws:execute-api:us-east-1:{OWNER}:*/prod/GET/*",
                      principal={"AWS": "*"}),
            statement("Allow", [f"arn:aws:execute-api:us-east-1:{OTHER}:*/prod/POST/*",
                                f"arn:aws:execute-api:eu-west-1:{OWNER}:*/prod/PUT/*"]),
        ),
    )

    # --- Named accounts, principals and organizations -----------------------------------------
    rest(
        "partner-write",
        [
            ("/admin/{proxy+}", "ANY", "AWS_IAM"),
            ("/orders", "GET", "AWS_IAM"),
            ("/orders", "PUT", "AWS_IAM"),
            # An IAM principal in the policy never matches an anonymous call.
            ("/orders", "POST", "NONE"),
        ],
        policy=doc(
            statement("Allow", "execute-api:/prod/*", principal={"AWS": PARTNER}, Sid="Partner"),
            statement("Allow", "execute-api:/prod/PUT/orders",
                      principal={"AWS": f"arn:aws:iam::{OTHER}:root"}, Sid="OtherPut"),
        ),
    )
    rest(
        "org-allow",
        [("/orders", "GET", "AWS_IAM"), ("/orders", "POST", "AWS_IAM")],
        policy=doc(statement("Allow", principal={"AWS": "*"},
                             condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})),
    )
    rest(
        "org-deny-pin",
        [("/orders", "POST", "AWS_IAM"), ("/orders", "PUT", "NONE")],
        policy=doc(
            statement("Allow", principal={"AWS": "*"}),
            statement("Deny", condition={"StringNotEquals": {"aws:PrincipalOrgID": ORG}}),
        ),
    )
    rest(
        "principal-account",
        [("/items", "GET", "AWS_IAM"), ("/items", "DELETE", "AWS_IAM")],
        policy=doc(statement("Allow", principal={"AWS": "*"},
                             condition={"StringEquals": {"aws:PrincipalAccount": [OTHER]}})),
    )
    rest(
        "principal-arn",
        [("/items", "PUT", "AWS_IAM")],
        policy=doc(statement(
            "Allow", principal={"AWS": "*"},
            condition={"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:role/partner-writer"}},
        )),
    )
    # Wildcard principal ARNs in conditions: every partner-* role of the partner, in an Allow
    # (ArnLike) and as the negated pin of a Deny (ArnNotLike).
    rest(
        "principal-arn-like",
        [("/items", "POST", "AWS_IAM")],
        policy=doc(statement("Allow", principal={"AWS": "*"}, condition={
            "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:role/partner-*"}})),
    )
    rest(
        "principal-arn-deny",
        [("/items", "PUT", "AWS_IAM"), ("/items", "GET", "NONE")],
        policy=doc(
            statement("Allow"),
            statement("Deny", condition={
                "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:role/partner-*"}}),
        ),
    )
    # NotPrincipal naming only the role: the partner's callers are sessions of that role, which
    # the list does not name, so the Deny still stops them (IAM user guide, NotPrincipal).
    rest(
        "not-principal",
        [("/items", "POST", "AWS_IAM"), ("/items", "GET", "NONE")],
        policy=doc(
            statement("Allow", "*"),
            statement("Deny", "*", principal=None, NotPrincipal={"AWS": [PARTNER_READER]}),
        ),
    )
    # The documented form: the session, the role and the account are named.
    rest(
        "not-principal-session",
        [("/items", "POST", "AWS_IAM")],
        policy=doc(
            statement("Allow", "*"),
            statement("Deny", "*", principal=None, NotPrincipal={"AWS": [
                f"arn:aws:sts::{PARTNER}:assumed-role/partner-reader/partner-app",
                PARTNER_READER,
                f"arn:aws:iam::{PARTNER}:root",
            ]}),
        ),
    )
    # An organization guardrail does not hide the named partner, a member of the organization.
    rest(
        "org-guardrail-partner",
        [("/orders", "POST", "AWS_IAM"), ("/orders", "PUT", "NONE")],
        policy=doc(
            statement("Allow", principal={"AWS": f"arn:aws:iam::{PARTNER}:root"}),
            statement("Deny", condition={"StringNotEquals": {"aws:PrincipalOrgID": ORG}}),
        ),
    )
    # An OU of whichever organization: every account under it.
    rest(
        "org-ou-path",
        [("/orders", "POST", "AWS_IAM")],
        policy=doc(statement("Allow", principal={"AWS": "*"}, condition={
            "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*/ou-ab12-22222222/*"}})),
    )
    # ANY with IAM: GET for any AWS account, every verb for the partner: two rules broken.
    rest(
        "any-reads-anyone-writes-partner",
        [("/items", "ANY", "AWS_IAM")],
        policy=doc(
            statement("Allow", "execute-api:/prod/GET/*", principal={"AWS": "*"}),
            statement("Allow", "execute-api:/prod/*", principal={"AWS": PARTNER}),
        ),
    )

    # --- NotAction / NotResource / Deny / wildcards / stages ----------------------------------
    rest(
        "not-action",
        [("/items", "GET", "NONE")],
        policy=doc(
            statement("Allow", NotAction="execute-api:ManageConnections"),
            # A Deny of everything but Invoke does not touch Invoke.
            statement("Deny", "*", NotAction="execute-api:Invoke"),
        ),
    )
    rest(
        "not-resource",
        [
            ("/items", "GET", "NONE"),
            ("/items", "POST", "NONE"),
            ("/items", "DELETE", "NONE"),
            ("/items", "PUT", "NONE"),
            ("/any", "ANY", "NONE"),
        ],
        policy=doc(statement("Allow", None,
                             NotResource=["execute-api:/*/POST/*", "execute-api:/*/DELETE/*"])),
    )
    rest(
        "deny-wins",
        [
            ("/orders", "POST", "NONE"),
            ("/orders", "DELETE", "NONE"),
            ("/orders/{id}", "GET", "NONE"),
            ("/orders/{id}", "DELETE", "NONE"),
        ],
        policy=doc(
            statement("Allow", "*"),
            # Path template: /orders/{id} is covered by orders/*; /orders itself is not.
            statement("Deny", "execute-api:/*/DELETE/orders/*"),
        ),
    )
    rest(
        "stage-scoped",
        [("/items", "GET", "NONE"), ("/items", "POST", "NONE")],
        stages=("dev", "prod"),
        policy=doc(statement("Allow", "execute-api:/dev/*")),
    )
    rest(
        "stage-wildcard",
        [("/items", "GET", "NONE"), ("/items", "POST", "NONE")],
        stages=("prod", "beta"),
        policy=doc(statement("Allow", "execute-api:/pro?/GET/*")),
    )

    # --- Network conditions -------------------------------------------------------------------
    rest(
        "ip-allow",
        [("/items", "GET", "NONE"), ("/items", "POST", "NONE")],
        policy=doc(statement("Allow", condition={
            "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.7/32"]}})),
    )
    rest(
        "ip-deny",
        [("/items", "POST", "NONE")],
        policy=doc(
            statement("Allow"),
            statement("Deny", condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ),
    )
    rest(
        "private-open",
        [("/items", "GET", "NONE"), ("/items", "POST", "AWS_IAM"), ("/data", "POST", "NONE")],
        endpoint="PRIVATE",
        policy=doc(statement("Allow")),
    )
    rest(
        "private-pinned",
        [("/items", "POST", "NONE"), ("/items", "GET", "AWS_IAM"), ("/items", "PUT", "AWS_IAM")],
        endpoint="PRIVATE",
        policy=doc(
            statement("Allow"),
            statement("Deny", condition={"StringNotEquals": {"aws:SourceVpce": vpce}}),
        ),
    )
    rest(
        "private-unknown-vpce",
        [("/items", "GET", "NONE")],
        endpoint="PRIVATE",
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:SourceVpce": UNKNOWN_VPCE}})),
    )
    rest(
        "private-source-vpc",
        [("/items", "POST", "NONE")],
        endpoint="PRIVATE",
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:SourceVpc": vpc}})),
    )
    rest(
        "private-unknown-vpc",
        [("/items", "POST", "NONE"), ("/items", "PUT", "AWS_IAM")],
        endpoint="PRIVATE",
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:SourceVpc": UNKNOWN_VPC}})),
    )
    # IPv6: ::/0 is the whole (IPv6) internet.
    rest(
        "ip-v6-all",
        [("/items", "GET", "NONE")],
        policy=doc(statement("Allow", condition={"IpAddress": {"aws:SourceIp": "::/0"}})),
    )
    # An endpoint outside the estate, pinned to a VPC outside it: a request through the
    # endpoint comes from that VPC, so whoever owns the endpoint gets in.
    rest(
        "private-unknown-vpce-in-vpc",
        [("/items", "GET", "NONE")],
        endpoint="PRIVATE",
        policy=doc(
            statement("Allow", condition={"StringEquals": {"aws:SourceVpce": UNKNOWN_VPCE}}),
            statement("Deny", condition={"StringNotEquals": {"aws:SourceVpc": UNKNOWN_VPC}}),
        ),
    )
    # A REGIONAL API is never called through a VPC endpoint: an Allow only through one admits
    # nobody.
    rest(
        "regional-vpce-only",
        [("/items", "POST", "NONE")],
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:SourceVpce": UNKNOWN_VPCE}})),
    )
    # A PRIVATE API behind a Lambda authorizer still needs the policy's Allow: the policy
    # grants only the partner's IAM GETs, so the authorizer's POST is out of reach.
    rest(
        "private-authorizer",
        [("/orders", "POST", "CUSTOM", {"authorizer": "lambda"})],
        endpoint="PRIVATE",
        policy=INTENDED,
        authorizers={"lambda": {"type": "TOKEN", "authorizerUri": LAMBDA_URI,
                                "identitySource": "method.request.header.Authorization"}},
    )
    # ANY with reads for everyone but writes only from an office range: the internet reads,
    # it does not write.
    rest(
        "any-split",
        [("/items", "ANY", "NONE")],
        policy=doc(
            statement("Allow", "execute-api:/*/GET/*", Sid="PublicReads"),
            statement("Allow", "execute-api:/*/*/*", Sid="OfficeWrites",
                      condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ),
    )
    rest(
        "unknown-condition",
        [("/items", "POST", "NONE")],
        # The API's tags are not read: aws:ResourceTag is unknown to the engine.
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:ResourceTag/team": "payments"}})),
    )

    # --- Precision (issue 13): one request one path, keys by availability, time, principals ----
    # Each Allow is paired with a Deny of the same resource: every request the Allow admits is
    # one the Deny refuses, on a greedy path too.
    rest(
        "paired-deny-greedy",
        [("/admin/{proxy+}", "ANY", "NONE")],
        policy=doc(statement("Allow", "execute-api:/prod/*/x/y"),
                   statement("Deny", "execute-api:/prod/*/x/y")),
    )
    # The only request path the Allow admits (GET /reports) is denied outside 203.0.113.0/24.
    rest(
        "paired-ip-proxy",
        [("/{proxy+}", "ANY", "NONE")],
        policy=doc(statement("Allow", "execute-api:/prod/GET/reports"),
                   statement("Deny", "execute-api:/prod/GET/reports",
                             condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
    )
    # Only an AWS service principal carries aws:SourceAccount: nobody calls this directly.
    rest(
        "service-only",
        [("/hook", "POST", "NONE")],
        policy=doc(statement("Allow", condition={"StringEquals": {"aws:SourceAccount": OWNER}})),
    )
    # A grant that expires: open until 2099-01-01, evaluated at the scan's start.
    rest(
        "expiring",
        [("/feed", "GET", "NONE")],
        policy=doc(statement("Allow", Sid="UntilLaunch",
                             condition={"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}})),
    )
    # A principal ARN with a wildcard inside names no one (IAM never expands it). moto stores the
    # policy as sent; the AWS documentation does not say API Gateway rejects it at save time.
    rest(
        "wildcard-principal",
        [("/orders", "POST", "AWS_IAM")],
        policy=doc(statement("Allow", principal={"AWS": f"arn:aws:iam::{PARTNER}:role/*-api-task-role"},
                             Sid="TaskRoles")),
    )

    # --- Unreadable policy, undeployed, disabled default endpoint ------------------------------
    rest("unparseable", [("/items", "POST", "NONE")], policy="{not json")
    rest("undeployed", [("/items", "POST", "NONE")], stages=())
    rest("disabled", [("/items", "POST", "NONE")], disable_default_endpoint=True)
    # Disabled default endpoint, but stage prod mapped under an edge-optimized (v1) domain:
    # only the v1 API lists that mapping.
    rest_mapped, _ = rest("mapped", [("/items", "POST", "NONE")], disable_default_endpoint=True)
    aws.apigw.create_domain_name(domainName="edge.apigw-matrix.example.com",
                                 certificateArn=f"arn:aws:acm:us-east-1:{OWNER}:certificate/edge")
    aws.apigw.create_base_path_mapping(domainName="edge.apigw-matrix.example.com", restApiId=rest_mapped,
                                       basePath="orders", stage="prod")

    # --- HTTP APIs ----------------------------------------------------------------------------
    def http(name, routes, **kw):
        api_id, route_ids = http_api(aws, name, routes, **kw)
        out[f"http:{name}"] = api_id
        return api_id

    http(
        "routes",
        [
            ("GET /a", "NONE"),
            ("POST /b", "AWS_IAM"),
            ("DELETE /c", "JWT"),
            ("GET /d", "JWT"),
            ("PUT /e", "CUSTOM"),
            ("GET /f", "CUSTOM"),
            ("$default", "NONE"),
            ("ANY /{proxy+}", "NONE"),
        ],
    )
    multi = http("multi-stage", [("GET /a", "NONE")], stage="dev")
    aws.apigw2.create_stage(ApiId=multi, StageName="prod")
    http("disabled", [("POST /x", "NONE")], disable_default_endpoint=True)
    http("undeployed", [("POST /x", "NONE")], stage=None)
    mapped = http("mapped", [("POST /x", "NONE")], stage="live", disable_default_endpoint=True)
    domain = "api.apigw-matrix.example.com"
    aws.apigw2.create_domain_name(
        DomainName=domain,
        DomainNameConfigurations=[{"EndpointType": "REGIONAL",
                                   "CertificateArn": f"arn:aws:acm:us-east-1:{OWNER}:certificate/x"}],
    )
    aws.apigw2.create_api_mapping(DomainName=domain, ApiId=mapped, Stage="live", ApiMappingKey="v1")
    out["domain"] = domain
    return out


def seed_multi(endpoint, Aws):
    out = {}
    a_east = Aws(endpoint, MULTI_A, "us-east-1")
    a_west = a_east.in_region("eu-west-1")
    b_east = Aws(endpoint, MULTI_B, "us-east-1")

    _, a_vpce = vpc_endpoint(a_east, "10.31.0.0/16")
    out["a_vpce"] = a_vpce
    out["rest:a-east"], _ = rest_api(a_east, "a-east", [("/a", "POST", "NONE")])
    out["rest:a-west"], _ = rest_api(a_west, "a-west", [("/a", "GET", "NONE")])
    out["http:a-west"], _ = http_api(a_west, "a-west-v2", [("DELETE /w", "NONE")])
    # B's private API admits only A's endpoint: A (audited) is named, nobody else gets in.
    out["rest:b-east"], _ = rest_api(
        b_east, "b-east",
        [("/b", "POST", "NONE")],
        endpoint="PRIVATE",
        policy=doc(
            statement("Allow"),
            statement("Deny", condition={"StringNotEquals": {"aws:SourceVpce": a_vpce}}),
        ),
    )
    # B grants A's reader role the GETs: the intended design across audited accounts.
    out["rest:b-east-intended"], _ = rest_api(
        b_east, "b-east-intended",
        [("/orders", "GET", "AWS_IAM")],
        policy=doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MULTI_A}:role/reader"},
                    "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"}),
    )
    return out


def seed_pages(aws):
    """One REST API with 520 resources, each with a POST method and no auth: more than one page
    of GetResources on real AWS (500 a page).

    Created by one ImportRestApi (OpenAPI 3) call instead of ~1,000 CreateResource/PutMethod
    calls, which took 4-10 s on a loaded machine. moto quirk: imported methods have no
    `authorizationType` at all (real AWS stores NONE for a method without security); the
    collector reads an absent type as NONE, API Gateway's default. moto also needs only one
    method with an integration to deploy.
    """
    paths = {f"/r{i:03d}": {"post": {"responses": {}}} for i in range(520)}
    spec = {"openapi": "3.0.1", "info": {"title": "big", "description": "520 resources",
                                        "version": "1"}, "paths": paths}
    api_id = aws.apigw.import_rest_api(body=json.dumps(spec).encode())["id"]
    first = next(r for r in aws.apigw.get_resources(restApiId=api_id)["items"]
                 if r["path"] == "/r000")
    aws.apigw.put_integration(restApiId=api_id, resourceId=first["id"], httpMethod="POST",
                              type="MOCK")
    aws.apigw.create_deployment(restApiId=api_id, stageName="prod")
    return {"rest:big": api_id}


def register(estate):
    from seed import Aws

    @estate("apigw-matrix")
    def _matrix(endpoint):
        return seed_matrix(Aws(endpoint, OWNER))

    @estate("apigw-multi")
    def _multi(endpoint):
        return seed_multi(endpoint, Aws)

    @estate("apigw-pages")
    def _pages(endpoint):
        return seed_pages(Aws(endpoint, PAGES))

