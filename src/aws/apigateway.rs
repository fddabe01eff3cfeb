//! API Gateway REST (v1) and HTTP (v2) inventory.
//!
//! Call budget per region: one `GetRestApis` page per 500 APIs; per REST API one
//! `GetResources?embed=methods` page per 500 resources (methods and their integrations come
//! embedded: no `GetMethod` per method), one `GetStages`, one `GetDeployment?embed=apisummary`
//! per distinct deployment its stages and canaries serve (stages sharing one share the call),
//! and `GetAuthorizers` (500 a page) only when some method names an authorizer; one
//! `GetVpcLinks` page. Per HTTP or WebSocket API one `GetRoutes` and one `GetStages` page per
//! 500, and one `GetIntegrations` page per 500 when it has routes; the v2 `GetVpcLinks` only
//! when some HTTP API integration goes through a VPC link. Custom domains only when an API
//! disables its default endpoint.
//!
//! Every listing follows its tokens through [`paginate_items`], which turns a token loop or a
//! listing longer than the page limit into a gap. The per-API reads of a region run a few APIs
//! at a time ([`bounded`]).

use super::concurrency::bounded;
use super::paging::{paginate_items, Pager};
use super::{or_empty, ReadLog, RegionCtx};
use crate::inventory::{
    ApiMapping, ApiResource, Authorizer, Canary, CustomDomain, DeployedMethod, Deployment, HttpApi,
    HttpIntegration, HttpRoute, HttpVpcLink, Integration, Notification, RestApi, RestMethod, Stage,
    Target, VpcLink,
};
use crate::operation::Operation;
use aws_sdk_apigateway as apigw;
use aws_sdk_apigatewayv2 as apigw2;
use std::collections::BTreeMap;

/// What was read about one API, merged into the target in API order.
struct ApiDetails<A> {
    api: A,
    log: ReadLog,
    notifications: Vec<Notification>,
}

/// Merges what the per-API reads found: their calls and errors into `log`, their
/// notifications onto the target. Returns the APIs, sorted by id.
fn merge_api_details<A>(
    details: Vec<ApiDetails<A>>,
    log: &mut ReadLog,
    target: &mut Target,
    id: impl Fn(&A) -> &str,
) -> Vec<A> {
    let mut apis = Vec::with_capacity(details.len());
    for d in details {
        log.merge(d.log);
        target.notifications.extend(d.notifications);
        apis.push(d.api);
    }
    apis.sort_by(|a, b| id(a).cmp(id(b)));
    apis
}

/// Reads REST APIs, their resources/methods, stages, authorizers, and the region's VPC links.
/// Returns the number of calls that succeeded (0 means nothing could be read).
pub(crate) async fn collect_rest(ctx: &RegionCtx, target: &mut Target) -> usize {
    let client = apigw::Client::new(&ctx.config);
    let mut log = ReadLog::default();

    let (apis, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayGetRestApis, None),
        |position| {
            client
                .get_rest_apis()
                .limit(500)
                .set_position(position)
                .send()
        },
        |page, apis| {
            apis.extend(page.items().iter().map(convert_rest_api));
            page.position().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);

    let details = bounded(apis, |api| read_rest_api_details(ctx, &client, api)).await;
    target.rest_apis = merge_api_details(details, &mut log, target, |a| a.id.as_str());

    let (mut links, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayGetVpcLinks, None),
        |position| {
            client
                .get_vpc_links()
                .limit(500)
                .set_position(position)
                .send()
        },
        |page, links| {
            links.extend(page.items().iter().map(|l| VpcLink {
                id: or_empty(l.id()),
                name: or_empty(l.name()),
                target_arns: l.target_arns().to_vec(),
                status: l.status().map(|s| s.as_str().to_string()),
            }));
            page.position().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);
    links.sort_by(|a, b| a.id.cmp(&b.id));
    target.vpc_links = links;
    log.finish(target)
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
        id: or_empty(a.id()),
        name: or_empty(a.name()),
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
    mut api: RestApi,
) -> ApiDetails<RestApi> {
    let mut log = ReadLog::default();
    let mut notifications = Vec::new();
    let api_id = api.id.clone();

    // Resources with their methods embedded, 500 a page.
    let (mut resources, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayGetResources, Some(&api_id)),
        |position| {
            client
                .get_resources()
                .rest_api_id(&api_id)
                .embed("methods")
                .limit(500)
                .set_position(position)
                .send()
        },
        |page, resources| {
            resources.extend(page.items().iter().map(convert_resource));
            page.position().map(str::to_string)
        },
    )
    .await;
    if !log.listing(listing) {
        api.partial = true;
    }
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    api.resources = resources;

    // GetStages (v1) answers every stage at once: it has no pagination.
    let stages = ctx
        .call(
            Operation::ApiGatewayGetStages,
            Some(&api_id),
            client.get_stages().rest_api_id(&api_id).send(),
        )
        .await;
    match log.answer(stages) {
        Ok(out) => {
            api.stages = out
                .item()
                .iter()
                .map(|s| Stage {
                    name: or_empty(s.stage_name()),
                    deployment_id: s.deployment_id().map(str::to_string),
                    web_acl_arn: s.web_acl_arn().map(str::to_string),
                    canary: s.canary_settings().map(|c| Canary {
                        deployment_id: c.deployment_id().map(str::to_string),
                        percent_traffic: Some(c.percent_traffic()),
                    }),
                })
                .collect();
            api.stages.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Err(_) => api.partial = true,
    }

    // What callers hit is what the stages serve, not the working copy: each deployment a
    // stage or its canary serves is read once. A failed read is a gap (the stage is then
    // judged on the working copy, never narrower).
    let mut served: Vec<&str> = api
        .stages
        .iter()
        .flat_map(|s| {
            let canary = s.canary.as_ref().and_then(|c| c.deployment_id.as_deref());
            s.deployment_id.as_deref().into_iter().chain(canary)
        })
        .collect();
    served.sort();
    served.dedup();
    let mut deployments = Vec::with_capacity(served.len());
    for deployment_id in served {
        let resource = format!("{api_id}/{deployment_id}");
        let answer = ctx
            .call(
                Operation::ApiGatewayGetDeployment,
                Some(&resource),
                client
                    .get_deployment()
                    .rest_api_id(&api_id)
                    .deployment_id(deployment_id)
                    .embed("apisummary")
                    .send(),
            )
            .await;
        match log.answer(answer) {
            Ok(out) => deployments.push(convert_deployment(deployment_id, &out)),
            Err(_) => api.partial = true,
        }
    }
    api.deployments = deployments;

    // Authorizers only label findings: the method's authorizationType (CUSTOM, COGNITO_USER_POOLS)
    // already says what guards it, and no verdict reads the authorizer itself. So they are read
    // only when a method names one, and a failure to read them is a notification on the API,
    // not a gap (an enrichment call whose absence changes no verdict).
    let uses_authorizer = api
        .resources
        .iter()
        .flat_map(|r| &r.methods)
        .any(|m| m.authorizer_id.is_some());
    if uses_authorizer {
        let (mut authorizers, (pages, result)) = paginate_items(
            ctx,
            Pager::new(Operation::ApiGatewayGetAuthorizers, Some(&api_id)),
            |position| {
                client
                    .get_authorizers()
                    .rest_api_id(&api_id)
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page, authorizers| {
                authorizers.extend(page.items().iter().map(|a| Authorizer {
                    id: or_empty(a.id()),
                    name: or_empty(a.name()),
                    authorizer_type: or_empty(a.r#type()),
                }));
                page.position().map(str::to_string)
            },
        )
        .await;
        log.succeeded += pages;
        if let Err(e) = result {
            notifications.push(Notification {
                operation: e.operation,
                message: format!(
                    "could not read the authorizers of this API ({}: {}); each method's authorization type still decides its verdict, only the authorizers' names and types are missing",
                    e.code, e.message
                ),
                resource: Some(api_id.clone()),
            });
        }
        authorizers.sort_by(|a, b| a.id.cmp(&b.id));
        api.authorizers = authorizers;
    }
    ApiDetails {
        api,
        log,
        notifications,
    }
}

fn convert_deployment(
    id: &str,
    out: &apigw::operation::get_deployment::GetDeploymentOutput,
) -> Deployment {
    Deployment {
        id: id.to_string(),
        api_summary: out.api_summary().map(|paths| {
            paths
                .iter()
                .map(|(path, verbs)| {
                    let verbs = verbs
                        .iter()
                        .map(|(verb, m)| {
                            let method = DeployedMethod {
                                // API Gateway's default, as for the working copy's methods.
                                authorization_type: m
                                    .authorization_type()
                                    .unwrap_or("NONE")
                                    .to_string(),
                                api_key_required: m.api_key_required(),
                            };
                            (verb.clone(), method)
                        })
                        .collect();
                    (path.clone(), verbs)
                })
                .collect()
        }),
    }
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
        id: or_empty(r.id()),
        path: r.path().unwrap_or("/").to_string(),
        methods,
    }
}

/// Reads HTTP and WebSocket APIs (v2) with routes, stages and integrations, and the HTTP API
/// VPC links they use. Returns the number of calls that succeeded.
pub(crate) async fn collect_http(ctx: &RegionCtx, target: &mut Target) -> usize {
    let client = apigw2::Client::new(&ctx.config);
    let mut log = ReadLog::default();
    let (apis, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetApis, None),
        |token| {
            client
                .get_apis()
                .max_results("500")
                .set_next_token(token)
                .send()
        },
        |page, apis| {
            apis.extend(page.items().iter().map(|a| {
                HttpApi {
                    id: or_empty(a.api_id()),
                    name: or_empty(a.name()),
                    protocol_type: a
                        .protocol_type()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_else(|| "HTTP".into()),
                    disable_execute_api_endpoint: a.disable_execute_api_endpoint().unwrap_or(false),
                    ..Default::default()
                }
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);

    let details = bounded(apis, |api| read_http_api_details(ctx, &client, api)).await;
    target.http_apis = merge_api_details(details, &mut log, target, |a| a.id.as_str());
    read_http_vpc_links(ctx, &client, &mut log, target).await;
    log.finish(target)
}

async fn read_http_api_details(
    ctx: &RegionCtx,
    client: &apigw2::Client,
    mut api: HttpApi,
) -> ApiDetails<HttpApi> {
    let mut log = ReadLog::default();
    let api_id = api.id.clone();

    let (mut routes, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetRoutes, Some(&api_id)),
        |token| {
            client
                .get_routes()
                .api_id(&api_id)
                .max_results("500")
                .set_next_token(token)
                .send()
        },
        |page, routes| {
            routes.extend(page.items().iter().map(|r| {
                HttpRoute {
                    id: or_empty(r.route_id()),
                    route_key: or_empty(r.route_key()),
                    authorization_type: r
                        .authorization_type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_else(|| "NONE".into()),
                    authorizer_id: r.authorizer_id().map(str::to_string),
                    api_key_required: r.api_key_required().unwrap_or(false),
                    target: r.target().map(str::to_string),
                }
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await;
    if !log.listing(listing) {
        api.partial = true;
    }
    routes.sort_by(|a, b| a.route_key.cmp(&b.route_key));
    api.routes = routes;

    // Unlike v1, v2 GetStages pages (nextToken): an API with more stages than one page holds
    // would otherwise lose the rest, and their findings with them.
    let (mut stages, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetStages, Some(&api_id)),
        |token| {
            client
                .get_stages()
                .api_id(&api_id)
                .max_results("500")
                .set_next_token(token)
                .send()
        },
        |page, stages| {
            stages.extend(page.items().iter().map(|s| Stage {
                name: or_empty(s.stage_name()),
                deployment_id: s.deployment_id().map(str::to_string),
                web_acl_arn: None,
                canary: None,
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await;
    if !log.listing(listing) {
        api.partial = true;
    }
    stages.sort_by(|a, b| a.name.cmp(&b.name));
    api.stages = stages;

    // Integrations say which private backends the routes publish (through VPC links): a
    // network path to such a backend bypasses them. Nothing to publish without routes.
    if !api.routes.is_empty() {
        let (mut integrations, listing) = paginate_items(
            ctx,
            Pager::new(Operation::ApiGatewayV2GetIntegrations, Some(&api_id)),
            |token| {
                client
                    .get_integrations()
                    .api_id(&api_id)
                    .max_results("500")
                    .set_next_token(token)
                    .send()
            },
            |page, integrations| {
                integrations.extend(page.items().iter().map(|i| HttpIntegration {
                    id: or_empty(i.integration_id()),
                    integration_type: i.integration_type().map(|t| t.as_str().to_string()),
                    connection_type: i.connection_type().map(|t| t.as_str().to_string()),
                    connection_id: i.connection_id().map(str::to_string),
                    integration_uri: i.integration_uri().map(str::to_string),
                }));
                page.next_token().map(str::to_string)
            },
        )
        .await;
        if log.listing(listing) {
            integrations.sort_by(|a, b| a.id.cmp(&b.id));
            api.integrations = Some(integrations);
        } else {
            api.partial = true;
        }
    }
    ApiDetails {
        api,
        log,
        notifications: Vec::new(),
    }
}

/// Reads the region's HTTP API VPC links, only when some HTTP API integration goes through
/// one: they name the link in findings and evidence. The integration itself names the listener
/// or service, so no verdict depends on this read and its failure is a notification.
async fn read_http_vpc_links(
    ctx: &RegionCtx,
    client: &apigw2::Client,
    log: &mut ReadLog,
    target: &mut Target,
) {
    let through_link = target
        .http_apis
        .iter()
        .filter(|a| a.protocol_type == "HTTP")
        .flat_map(|a| a.integrations.iter().flatten())
        .any(|i| i.connection_type.as_deref() == Some("VPC_LINK"));
    if !through_link {
        return;
    }
    let (mut links, (pages, result)) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetVpcLinks, None),
        |token| {
            client
                .get_vpc_links()
                .max_results("500")
                .set_next_token(token)
                .send()
        },
        |page, links| {
            links.extend(page.items().iter().map(|l| HttpVpcLink {
                id: or_empty(l.vpc_link_id()),
                name: or_empty(l.name()),
                subnet_ids: l.subnet_ids().to_vec(),
                security_group_ids: l.security_group_ids().to_vec(),
                status: l.vpc_link_status().map(|s| s.as_str().to_string()),
            }));
            page.next_token().map(str::to_string)
        },
    )
    .await;
    log.succeeded += pages;
    if let Err(e) = result {
        target.notifications.push(Notification {
            operation: e.operation,
            message: format!(
                "could not read the HTTP API VPC links ({}: {}); each integration still names the listener or service it reaches, only the links' names are missing",
                e.code, e.message
            ),
            resource: None,
        });
    }
    links.sort_by(|a, b| a.id.cmp(&b.id));
    target.http_vpc_links = links;
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
    let mut log = ReadLog::default();
    let mut domains: BTreeMap<String, Vec<ApiMapping>> = BTreeMap::new();

    let v2 = apigw2::Client::new(&ctx.config);
    for name in v2_domain_names(ctx, &v2, &mut log).await {
        let mappings = v2_api_mappings(ctx, &v2, &name, &mut log).await;
        domains.entry(name).or_default().extend(mappings);
    }
    if rest_needs {
        let v1 = apigw::Client::new(&ctx.config);
        for name in v1_domain_names(ctx, &v1, &mut log).await {
            let mappings = v1_base_path_mappings(ctx, &v1, &name, &mut log).await;
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
    log.finish(target)
}

/// The region's custom domains in the v2 listing (regional domains of REST and HTTP APIs).
async fn v2_domain_names(ctx: &RegionCtx, v2: &apigw2::Client, log: &mut ReadLog) -> Vec<String> {
    let (names, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetDomainNames, None),
        |t| {
            v2.get_domain_names()
                .max_results("500")
                .set_next_token(t)
                .send()
        },
        |page, names| {
            names.extend(
                page.items()
                    .iter()
                    .filter_map(|d| d.domain_name())
                    .map(str::to_string),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);
    names
}

async fn v2_api_mappings(
    ctx: &RegionCtx,
    v2: &apigw2::Client,
    domain_name: &str,
    log: &mut ReadLog,
) -> Vec<ApiMapping> {
    let (mappings, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayV2GetApiMappings, Some(domain_name)),
        |t| {
            v2.get_api_mappings()
                .domain_name(domain_name)
                .max_results("500")
                .set_next_token(t)
                .send()
        },
        |page, mappings| {
            mappings.extend(
                page.items()
                    .iter()
                    .map(|m| api_mapping(m.api_id(), m.stage(), m.api_mapping_key())),
            );
            page.next_token().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);
    mappings
}

/// The region's custom domains in the v1 listing, the only one with edge-optimized domains.
async fn v1_domain_names(ctx: &RegionCtx, v1: &apigw::Client, log: &mut ReadLog) -> Vec<String> {
    let (names, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayGetDomainNames, None),
        |t| v1.get_domain_names().limit(500).set_position(t).send(),
        |page, names| {
            names.extend(
                page.items()
                    .iter()
                    .filter_map(|d| d.domain_name())
                    .map(str::to_string),
            );
            page.position().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);
    names
}

async fn v1_base_path_mappings(
    ctx: &RegionCtx,
    v1: &apigw::Client,
    domain_name: &str,
    log: &mut ReadLog,
) -> Vec<ApiMapping> {
    let (mappings, listing) = paginate_items(
        ctx,
        Pager::new(Operation::ApiGatewayGetBasePathMappings, Some(domain_name)),
        |t| {
            v1.get_base_path_mappings()
                .domain_name(domain_name)
                .limit(500)
                .set_position(t)
                .send()
        },
        |page, mappings| {
            mappings.extend(
                page.items()
                    .iter()
                    .map(|m| api_mapping(m.rest_api_id(), m.stage(), m.base_path())),
            );
            page.position().map(str::to_string)
        },
    )
    .await;
    log.listing(listing);
    mappings
}

/// A custom domain's mapping of a base path to an API's stage, as both API versions give it.
fn api_mapping(api_id: Option<&str>, stage: Option<&str>, base_path: Option<&str>) -> ApiMapping {
    ApiMapping {
        api_id: or_empty(api_id),
        stage: or_empty(stage),
        base_path: or_empty(base_path),
    }
}
