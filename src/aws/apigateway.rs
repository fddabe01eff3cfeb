//! API Gateway REST (v1) and HTTP (v2) inventory.
//!
//! Call budget per region: one `GetRestApis` page per 500 APIs; per REST API one
//! `GetResources?embed=methods` page per 500 resources (methods and their integrations come
//! embedded: no `GetMethod` per method), one `GetStages`, and `GetAuthorizers` only when some
//! method names an authorizer; one `GetVpcLinks` page. Per HTTP API one `GetRoutes` and one
//! `GetStages`. Custom domains only when an API disables its default endpoint.

use super::{next_token, paginate, RegionCtx};
use crate::inventory::{
    ApiMapping, ApiResource, Authorizer, CustomDomain, HttpApi, HttpRoute, Integration, RestApi,
    RestMethod, ScanError, Stage, Target, VpcLink,
};
use aws_sdk_apigateway as apigw;
use aws_sdk_apigatewayv2 as apigw2;
use std::collections::BTreeMap;

/// Reads REST APIs, their resources/methods, stages, authorizers, and the region's VPC links.
/// Returns the number of calls that succeeded (0 means nothing could be read).
pub(crate) async fn collect_rest(ctx: &RegionCtx, target: &mut Target) -> usize {
    let client = apigw::Client::new(&ctx.config);
    let mut ok = 0;

    let mut apis = Vec::new();
    let mut position: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = client.get_rest_apis().limit(500);
        if let Some(p) = &position {
            req = req.position(p);
        }
        match ctx.call("apigateway:GetRestApis", None, req.send()).await {
            Ok(out) => {
                ok += 1;
                pages += 1;
                apis.extend(out.items().iter().map(convert_rest_api));
                position = next_token(&position, out.position(), pages);
                if position.is_none() {
                    break;
                }
            }
            Err(e) => {
                target.errors.push(e);
                break;
            }
        }
    }

    for api in &mut apis {
        ok += read_rest_api_details(ctx, &client, api, &mut target.errors).await;
    }
    apis.sort_by(|a, b| a.id.cmp(&b.id));
    target.rest_apis = apis;

    let mut position: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = client.get_vpc_links().limit(500);
        if let Some(p) = &position {
            req = req.position(p);
        }
        match ctx.call("apigateway:GetVpcLinks", None, req.send()).await {
            Ok(out) => {
                ok += 1;
                pages += 1;
                target.vpc_links.extend(out.items().iter().map(|l| VpcLink {
                    id: l.id().unwrap_or_default().to_string(),
                    name: l.name().unwrap_or_default().to_string(),
                    target_arns: l.target_arns().to_vec(),
                    status: l.status().map(|s| s.as_str().to_string()),
                }));
                position = next_token(&position, out.position(), pages);
                if position.is_none() {
                    break;
                }
            }
            Err(e) => {
                target.errors.push(e);
                break;
            }
        }
    }
    target.vpc_links.sort_by(|a, b| a.id.cmp(&b.id));
    ok
}

fn convert_rest_api(a: &apigw::types::RestApi) -> RestApi {
    let (endpoint_types, vpc_endpoint_ids) = match a.endpoint_configuration() {
        Some(ec) => (
            ec.types().iter().map(|t| t.as_str().to_string()).collect(),
            ec.vpc_endpoint_ids().to_vec(),
        ),
        // API Gateway's default endpoint type is EDGE.
        None => (vec!["EDGE".to_string()], vec![]),
    };
    RestApi {
        id: a.id().unwrap_or_default().to_string(),
        name: a.name().unwrap_or_default().to_string(),
        endpoint_types,
        vpc_endpoint_ids,
        policy: a
            .policy()
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string),
        disable_execute_api_endpoint: a.disable_execute_api_endpoint(),
        api_key_source: a.api_key_source().map(|s| s.as_str().to_string()),
        ..Default::default()
    }
}

async fn read_rest_api_details(
    ctx: &RegionCtx,
    client: &apigw::Client,
    api: &mut RestApi,
    errors: &mut Vec<ScanError>,
) -> usize {
    let mut ok = 0;
    let api_id = api.id.clone();

    // Resources with their methods embedded, 500 a page.
    let mut position: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = client
            .get_resources()
            .rest_api_id(&api_id)
            .embed("methods")
            .limit(500);
        if let Some(p) = &position {
            req = req.position(p);
        }
        match ctx
            .call("apigateway:GetResources", Some(&api_id), req.send())
            .await
        {
            Ok(out) => {
                ok += 1;
                pages += 1;
                api.resources
                    .extend(out.items().iter().map(convert_resource));
                position = next_token(&position, out.position(), pages);
                if position.is_none() {
                    break;
                }
            }
            Err(e) => {
                errors.push(e);
                api.partial = true;
                break;
            }
        }
    }
    api.resources.sort_by(|a, b| a.path.cmp(&b.path));

    match ctx
        .call(
            "apigateway:GetStages",
            Some(&api_id),
            client.get_stages().rest_api_id(&api_id).send(),
        )
        .await
    {
        Ok(out) => {
            ok += 1;
            api.stages = out
                .item()
                .iter()
                .map(|s| Stage {
                    name: s.stage_name().unwrap_or_default().to_string(),
                    deployment_id: s.deployment_id().map(str::to_string),
                    web_acl_arn: s.web_acl_arn().map(str::to_string),
                })
                .collect();
            api.stages.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Err(e) => {
            errors.push(e);
            api.partial = true;
        }
    }

    // Authorizers only label findings (Lambda vs Cognito is already in authorizationType), so
    // they are read only when a method names one.
    let uses_authorizer = api
        .resources
        .iter()
        .flat_map(|r| &r.methods)
        .any(|m| m.authorizer_id.is_some());
    if uses_authorizer {
        match ctx
            .call(
                "apigateway:GetAuthorizers",
                Some(&api_id),
                client
                    .get_authorizers()
                    .rest_api_id(&api_id)
                    .limit(500)
                    .send(),
            )
            .await
        {
            Ok(out) => {
                ok += 1;
                api.authorizers = out
                    .items()
                    .iter()
                    .map(|a| Authorizer {
                        id: a.id().unwrap_or_default().to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                        authorizer_type: a
                            .r#type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                    })
                    .collect();
                api.authorizers.sort_by(|a, b| a.id.cmp(&b.id));
            }
            Err(e) => {
                errors.push(e);
                api.partial = true;
            }
        }
    }
    ok
}

fn convert_resource(r: &apigw::types::Resource) -> ApiResource {
    let mut methods: Vec<RestMethod> = r
        .resource_methods()
        .map(|m| {
            m.iter()
                .map(|(verb, method)| RestMethod {
                    http_method: method.http_method().unwrap_or(verb).to_string(),
                    authorization_type: method.authorization_type().unwrap_or("NONE").to_string(),
                    api_key_required: method.api_key_required().unwrap_or(false),
                    authorizer_id: method.authorizer_id().map(str::to_string),
                    integration: method.method_integration().map(|i| Integration {
                        integration_type: i.r#type().map(|t| t.as_str().to_string()),
                        connection_type: i.connection_type().map(|t| t.as_str().to_string()),
                        connection_id: i.connection_id().map(str::to_string),
                        uri: i.uri().map(str::to_string),
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
    ApiResource {
        id: r.id().unwrap_or_default().to_string(),
        path: r.path().unwrap_or("/").to_string(),
        methods,
    }
}

/// Reads HTTP APIs (v2) with routes and stages. Returns the number of calls that succeeded.
pub(crate) async fn collect_http(ctx: &RegionCtx, target: &mut Target) -> usize {
    let client = apigw2::Client::new(&ctx.config);
    let mut ok = 0;
    let mut apis = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = client.get_apis().max_results("500");
        if let Some(t) = &token {
            req = req.next_token(t);
        }
        match ctx.call("apigatewayv2:GetApis", None, req.send()).await {
            Ok(out) => {
                ok += 1;
                pages += 1;
                apis.extend(out.items().iter().map(|a| {
                    HttpApi {
                        id: a.api_id().unwrap_or_default().to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                        protocol_type: a
                            .protocol_type()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_else(|| "HTTP".into()),
                        disable_execute_api_endpoint: a
                            .disable_execute_api_endpoint()
                            .unwrap_or(false),
                        ..Default::default()
                    }
                }));
                token = next_token(&token, out.next_token(), pages);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                target.errors.push(e);
                break;
            }
        }
    }

    for api in &mut apis {
        let api_id = api.id.clone();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut req = client.get_routes().api_id(&api_id).max_results("500");
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            match ctx
                .call("apigatewayv2:GetRoutes", Some(&api_id), req.send())
                .await
            {
                Ok(out) => {
                    ok += 1;
                    pages += 1;
                    api.routes.extend(out.items().iter().map(|r| {
                        HttpRoute {
                            id: r.route_id().unwrap_or_default().to_string(),
                            route_key: r.route_key().unwrap_or_default().to_string(),
                            authorization_type: r
                                .authorization_type()
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_else(|| "NONE".into()),
                            authorizer_id: r.authorizer_id().map(str::to_string),
                            api_key_required: r.api_key_required().unwrap_or(false),
                        }
                    }));
                    token = next_token(&token, out.next_token(), pages);
                    if token.is_none() {
                        break;
                    }
                }
                Err(e) => {
                    target.errors.push(e);
                    api.partial = true;
                    break;
                }
            }
        }
        api.routes.sort_by(|a, b| a.route_key.cmp(&b.route_key));

        match ctx
            .call(
                "apigatewayv2:GetStages",
                Some(&api_id),
                client.get_stages().api_id(&api_id).send(),
            )
            .await
        {
            Ok(out) => {
                ok += 1;
                api.stages = out
                    .items()
                    .iter()
                    .map(|s| Stage {
                        name: s.stage_name().unwrap_or_default().to_string(),
                        deployment_id: s.deployment_id().map(str::to_string),
                        web_acl_arn: None,
                    })
                    .collect();
                api.stages.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Err(e) => {
                target.errors.push(e);
                api.partial = true;
            }
        }
    }
    apis.sort_by(|a, b| a.id.cmp(&b.id));
    target.http_apis = apis;
    ok
}

/// Reads custom domains and their API mappings, only when some API disables its default
/// `execute-api` endpoint: then a custom domain is the only way in, and whether one maps the
/// API decides whether it is reachable at all. The v2 listing has the regional domains of REST
/// and HTTP APIs; edge-optimized domains (REST only) are listed by the v1 API alone, so REST
/// APIs read both and the mappings are merged per domain.
pub(crate) async fn collect_custom_domains(ctx: &RegionCtx, target: &mut Target) -> usize {
    let rest_needs = target
        .rest_apis
        .iter()
        .any(|a| a.disable_execute_api_endpoint);
    let http_needs = target
        .http_apis
        .iter()
        .any(|a| a.disable_execute_api_endpoint);
    if !rest_needs && !http_needs {
        return 0;
    }
    let mut ok = 0;
    let mut domains: BTreeMap<String, Vec<ApiMapping>> = BTreeMap::new();

    let v2 = apigw2::Client::new(&ctx.config);
    let mut names = Vec::new();
    match paginate(
        ctx,
        "apigatewayv2:GetDomainNames",
        None,
        |t| {
            v2.get_domain_names()
                .max_results("500")
                .set_next_token(t)
                .send()
        },
        |page| {
            names.extend(
                page.items()
                    .iter()
                    .filter_map(|d| d.domain_name().map(str::to_string)),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await
    {
        Ok(pages) => ok += pages,
        Err(e) => target.errors.push(e),
    }
    for name in names {
        let mut mappings = Vec::new();
        match paginate(
            ctx,
            "apigatewayv2:GetApiMappings",
            Some(&name),
            |t| {
                v2.get_api_mappings()
                    .domain_name(&name)
                    .max_results("500")
                    .set_next_token(t)
                    .send()
            },
            |page| {
                mappings.extend(page.items().iter().map(|m| ApiMapping {
                    api_id: m.api_id().unwrap_or_default().to_string(),
                    stage: m.stage().unwrap_or_default().to_string(),
                    base_path: m.api_mapping_key().unwrap_or_default().to_string(),
                }));
                page.next_token().map(str::to_string)
            },
        )
        .await
        {
            Ok(pages) => ok += pages,
            Err(e) => target.errors.push(e),
        }
        domains.entry(name).or_default().extend(mappings);
    }

    if rest_needs {
        let v1 = apigw::Client::new(&ctx.config);
        let mut names = Vec::new();
        match paginate(
            ctx,
            "apigateway:GetDomainNames",
            None,
            |t| v1.get_domain_names().limit(500).set_position(t).send(),
            |page| {
                names.extend(
                    page.items()
                        .iter()
                        .filter_map(|d| d.domain_name().map(str::to_string)),
                );
                page.position().map(str::to_string)
            },
        )
        .await
        {
            Ok(pages) => ok += pages,
            Err(e) => target.errors.push(e),
        }
        for name in names {
            let mut mappings = Vec::new();
            match paginate(
                ctx,
                "apigateway:GetBasePathMappings",
                Some(&name),
                |t| {
                    v1.get_base_path_mappings()
                        .domain_name(&name)
                        .limit(500)
                        .set_position(t)
                        .send()
                },
                |page| {
                    mappings.extend(page.items().iter().map(|m| ApiMapping {
                        api_id: m.rest_api_id().unwrap_or_default().to_string(),
                        stage: m.stage().unwrap_or_default().to_string(),
                        base_path: m.base_path().unwrap_or_default().to_string(),
                    }));
                    page.position().map(str::to_string)
                },
            )
            .await
            {
                Ok(pages) => ok += pages,
                Err(e) => target.errors.push(e),
            }
            domains.entry(name).or_default().extend(mappings);
        }
    }

    target.custom_domains = domains
        .into_iter()
        .map(|(domain_name, mut mappings)| {
            mappings.sort_by(|a, b| {
                (&a.api_id, &a.stage, &a.base_path).cmp(&(&b.api_id, &b.stage, &b.base_path))
            });
            mappings.dedup();
            CustomDomain {
                domain_name,
                mappings,
            }
        })
        .collect();
    ok
}
