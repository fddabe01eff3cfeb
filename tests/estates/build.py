"""Builders shared by the estates: a REST API from a compact description, HTTP APIs, and the
network pieces (VPCs, instances, load balancers, endpoint services, peerings).

Everything goes through the AWS APIs of the emulator, exactly as a user would create it.
"""

import json


# ---------------------------------------------------------------------------------------------
# API Gateway


def rest_api(aws, name, methods, stages=("prod",), endpoint="REGIONAL", policy=None,
             escape_policy=False, disable_default_endpoint=False, integration=None):
    """Creates a REST API and deploys it.

    methods: list of (path, verb, authorizationType) or (path, verb, authorizationType, opts)
      where opts is a dict with any of: api_key (bool), authorizer (name of an authorizer in
      `authorizers`), integration (dict of put_integration kwargs, default a MOCK).
    policy: a dict (serialised to JSON) or a string (sent as is).
    escape_policy: send the policy backslash-escaped, as real AWS returns it.
    Returns (api_id, {path: resource_id}).
    """
    kwargs = {"name": name, "endpointConfiguration": {"types": [endpoint]}}
    if policy is not None:
        text = policy if isinstance(policy, str) else json.dumps(policy)
        if escape_policy:
            text = text.replace('"', '\\"')
        kwargs["policy"] = text
    if disable_default_endpoint:
        kwargs["disableExecuteApiEndpoint"] = True
    api = aws.apigw.create_rest_api(**kwargs)
    api_id = api["id"]
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
        aws.apigw.put_method(**put)
        integ = opts.get("integration") or integration or {"type": "MOCK"}
        aws.apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod=verb, **integ)

    if stages:
        deployment = aws.apigw.create_deployment(restApiId=api_id, stageName=stages[0])
        for stage in stages[1:]:
            aws.apigw.create_stage(restApiId=api_id, stageName=stage, deploymentId=deployment["id"])
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
