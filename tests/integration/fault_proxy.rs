//! A fault-injecting HTTP proxy between the auditor and the emulator.
//!
//! The binary is pointed at the proxy (`AWS_ENDPOINT_URL`); the proxy names each request's AWS
//! operation (`service:Operation`) from the protocol it uses, attributes it to an account and a
//! region, and either forwards it to moto or answers with a fault: throttling (a given number
//! of times, then forwarding), a 5xx, AccessDenied, a malformed or truncated body, a closed
//! connection, or a hang past the client's timeout.
//!
//! Operation naming, by protocol:
//! - query (EC2, STS, ELBv2): the `Action` parameter of the body (or of the query string);
//! - JSON (WAFv2): the `X-Amz-Target` header (`AWSWAF_20190729.GetWebACLForResource`);
//! - Smithy RPC v2 CBOR: the `/service/<S>/operation/<Op>` path;
//! - REST (API Gateway v1/v2, VPC Lattice): the verb and path shape
//!   (`GET /restapis/{id}/stages`, `POST /targetgroups/{id}/listtargets`), from a table of the
//!   read operations. A request the proxy cannot name is recorded as
//!   `service:UNNAMED <VERB> <path>`, which no read-only check accepts.
//!
//! The service is the SigV4 signing name (`Credential=AKID/date/region/SERVICE/aws4_request`);
//! both API Gateway APIs sign as `apigateway`, and v2 operations are named `apigatewayv2:…`.
//!
//! Attribution: `sts:AssumeRole` belongs to the account of its `RoleArn`. The proxy reads the
//! credentials moto returns and remembers which account each access key belongs to, so every
//! later call signed with them is attributed to that account (calls signed with the caller's
//! own keys have no account). The region is the signing region. Faults can therefore be keyed
//! by operation, account, region and resource (see [`Rule`]), and the assumed-role
//! credentials are available to tests that check they never leak ([`FaultProxy::assumed`]).
//!
//! Paging: moto ignores `limit`/`position` (v2: `maxResults`/`nextToken`) and answers every
//! API Gateway listing in one page. [`FaultProxy::page`] makes the proxy re-page one
//! operation's answers the way real AWS does: at most `min(limit, page size)` items per page,
//! and an opaque token (containing `+`, `/` and `=`, so a client that does not encode it
//! breaks) that must come back verbatim. [`Fault::LoopToken`] makes a listing's tokens go in a
//! circle instead.
//!
//! What moto cannot express: it never returns a deployment's `apiSummary`
//! (`GetDeployment?embed=apisummary`) nor a stage's `canarySettings`.
//! [`FaultProxy::serve_api_summaries`] answers `GetDeployment` with the summaries the seeder
//! recorded when it made each deployment (what real AWS returns), and [`Fault::Edit`] changes
//! any JSON answer on its way back (e.g. a canary added to a stage).

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with the service's throttling error this many times, then forward
    /// (`u32::MAX`: throttle forever).
    Throttle(u32),
    /// Answer `500 InternalFailure` every time.
    ServerError,
    /// Answer the service's AccessDenied error every time.
    AccessDenied,
    /// Answer 200 with a body that is not the protocol's format.
    Malformed,
    /// Forward, then answer 200 with only the first half of moto's body (a cut-off document).
    Truncate,
    /// Close the connection without answering (an endpoint that drops connections).
    Disconnect,
    /// Hold the connection open without answering for this long, then close it.
    Hang(Duration),
    /// Answer `403 SignatureDoesNotMatch` quoting the request the way AWS does (the canonical
    /// request with its signed headers, `X-Amz-Security-Token` included, the credential scope)
    /// and, worse than AWS, its whole body: a service that echoes secrets back.
    EchoRequest,
    /// Answer `400 ValidationError` quoting the request's (form-encoded) body, as a service
    /// that complains about a parameter and echoes them all: percent-encoded secrets included.
    EchoBody,
    /// Answer with the error of a region that is not enabled for the account (an opt-in region
    /// never opted into): `UnrecognizedClientException` from JSON/REST services, `AuthFailure`
    /// from EC2, `InvalidClientTokenId` from the query services.
    RegionDisabled,
    /// Answer 200 with this XML document instead of moto's (e.g. an empty but valid listing).
    Answer(String),
    /// Answer 200 with this JSON document instead of moto's (a fact the emulator cannot hold,
    /// such as a Lattice target group's services and targets).
    AnswerJson(String),
    /// Forward to moto, then hand back a pagination token that leads in a circle: the first
    /// page (no token) is moto's answer with token A; A answers no items and token B; B answers
    /// no items and token A again, forever. API Gateway listings only (`position` for v1,
    /// `nextToken` for v2).
    LoopToken,
    /// Forward to moto, then answer with moto's JSON answer changed by this function: a field
    /// the emulator never returns, as real AWS would (a stage's `canarySettings`).
    Edit(JsonEdit),
}

/// A change to a JSON answer, for [`Fault::Edit`]. Two edits are equal only when they are the
/// same function value.
#[derive(Clone)]
pub struct JsonEdit(std::sync::Arc<dyn Fn(&mut Value) + Send + Sync>);

impl JsonEdit {
    pub fn new(edit: impl Fn(&mut Value) + Send + Sync + 'static) -> JsonEdit {
        JsonEdit(std::sync::Arc::new(edit))
    }
}

impl fmt::Debug for JsonEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsonEdit")
    }
}

impl PartialEq for JsonEdit {
    fn eq(&self, other: &JsonEdit) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for JsonEdit {}

/// Where a fault applies. Every field but `op` narrows the match; `op` may be `*`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `service:Operation` as the proxy names it, or `*` for every operation.
    pub op: String,
    /// Only requests attributed to this account (see the module docs).
    pub account: Option<String>,
    /// Only requests signed for this region.
    pub region: Option<String>,
    /// Only requests whose path has this segment (e.g. a REST API id).
    pub resource: Option<String>,
    /// Let this many matching requests through before the fault starts.
    pub skip: u32,
    pub fault: Fault,
}

impl Rule {
    pub fn new(op: &str, fault: Fault) -> Rule {
        Rule {
            op: op.to_string(),
            account: None,
            region: None,
            resource: None,
            skip: 0,
            fault,
        }
    }

    pub fn account(mut self, account: &str) -> Rule {
        self.account = Some(account.to_string());
        self
    }

    pub fn region(mut self, region: &str) -> Rule {
        self.region = Some(region.to_string());
        self
    }

    pub fn resource(mut self, resource: &str) -> Rule {
        self.resource = Some(resource.to_string());
        self
    }

    pub fn skip(mut self, n: u32) -> Rule {
        self.skip = n;
        self
    }

    fn matches(&self, ctx: &Ctx) -> bool {
        (self.op == "*" || self.op == ctx.op)
            && self
                .account
                .as_ref()
                .is_none_or(|a| ctx.account.as_ref() == Some(a))
            && self.region.as_ref().is_none_or(|r| *r == ctx.region)
            && self
                .resource
                .as_ref()
                .is_none_or(|r| ctx.segments.iter().any(|s| s == r))
    }
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub op: String,
    /// The account the request was attributed to; `None` for the caller's own credentials.
    pub account: Option<String>,
    pub region: String,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

/// Credentials moto handed out through `sts:AssumeRole`.
#[derive(Debug, Clone)]
pub struct AssumedCredentials {
    pub account: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

#[derive(Default)]
struct State {
    rules: Vec<(Rule, u32)>,
    seen: Vec<Seen>,
    /// Access key id → account, learned from AssumeRole answers.
    keys: HashMap<String, String>,
    assumed: Vec<AssumedCredentials>,
    /// Operation → page size, for re-paged operations.
    paging: HashMap<String, usize>,
    /// Position token → (operation, listing path, offset).
    tokens: HashMap<String, (String, String, usize)>,
    /// Pages served per operation (re-paged operations only).
    pages: HashMap<String, usize>,
    /// Items served per listing path (re-paged operations only), in order.
    served: HashMap<String, Vec<Value>>,
    /// Deployment id → the `apiSummary` to answer `GetDeployment` with.
    api_summaries: HashMap<String, Value>,
    /// When set, the proxy stands in for a whole organization of empty accounts.
    simulation: Option<Simulation>,
    /// Token buckets of the simulation, by (bucket service, account, region).
    buckets: HashMap<(String, String, String), Bucket>,
    /// Answers the simulation throttled.
    throttled: usize,
}

/// An organization of empty accounts behind AWS-like latency and throttling, for the
/// simulated organization run (see `scripts/bench --org`). Every call waits `latency`; every
/// read but `sts:AssumeRole` (forwarded to moto, so the proxy learns each account's keys) is
/// answered by the proxy as an empty account answers, after a token from the bucket of its
/// service, account and region: out of tokens, the service's throttling error.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub latency: Duration,
    /// The regions `ec2:DescribeRegions` lists.
    pub regions: Vec<String>,
    /// (SigV4 service, tokens per second, burst): `apigateway` covers both API Gateway APIs.
    pub buckets: Vec<(String, f64, f64)>,
    /// Accounts that hold, in every region, `large_rest_apis` REST APIs (with no resources or
    /// stages): each costs a `GetResources` and a `GetStages`, so these targets read API
    /// Gateway faster than its bucket refills and meet its throttling.
    pub large_accounts: BTreeSet<String>,
    pub large_rest_apis: usize,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: std::time::Instant,
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`) on a free port, with
    /// faults keyed by operation only.
    pub fn start(upstream: &str, faults: &[(&str, Fault)]) -> FaultProxy {
        Self::with_rules(
            upstream,
            faults
                .iter()
                .map(|(op, f)| Rule::new(op, f.clone()))
                .collect(),
        )
    }

    /// Starts a proxy with these rules (the first matching rule that is due applies).
    pub fn with_rules(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let state = Arc::new(Mutex::new(State {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            ..Default::default()
        }));
        let s2 = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (upstream, state) = (upstream.clone(), s2.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &upstream, &state);
                });
            }
        });
        FaultProxy { endpoint, state }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every operation seen, in order (faulted or forwarded).
    pub fn seen(&self) -> Vec<String> {
        self.lock().seen.iter().map(|s| s.op.clone()).collect()
    }

    /// Every request seen, with its attribution and fault.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// How many times the proxy saw this operation.
    pub fn count(&self, op: &str) -> usize {
        self.lock().seen.iter().filter(|s| s.op == op).count()
    }

    /// Adds a fault on an operation (`None`: removes every rule on it).
    #[allow(dead_code)]
    pub fn set(&self, op: &str, fault: Option<Fault>) {
        let mut st = self.lock();
        match fault {
            Some(fault) => st.rules.push((Rule::new(op, fault), 0)),
            None => st.rules.retain(|(r, _)| r.op != op),
        }
    }

    #[allow(dead_code)]
    pub fn add(&self, rule: Rule) {
        self.lock().rules.push((rule, 0));
    }

    /// Re-pages the answers of `op` (`apigateway:GetRestApis`, `apigateway:GetResources`, or
    /// any API Gateway listing with an `item` array, or a v2 listing with an `items` array) at
    /// `page_size` items a page.
    pub fn page(&self, op: &str, page_size: usize) {
        assert!(page_size > 0);
        self.lock().paging.insert(op.to_string(), page_size);
    }

    /// Pages served so far for a re-paged operation.
    pub fn pages_served(&self, op: &str) -> usize {
        self.lock().pages.get(op).copied().unwrap_or(0)
    }

    /// The items served so far by a re-paged listing (its path, e.g.
    /// `/restapis/<id>/resources`), in order.
    pub fn served(&self, listing: &str) -> Vec<Value> {
        self.lock().served.get(listing).cloned().unwrap_or_default()
    }

    /// Turns the proxy into a simulated organization (see [`Simulation`]).
    pub fn simulate(&self, simulation: Simulation) {
        self.lock().simulation = Some(simulation);
    }

    /// Answers throttled by the simulation so far.
    pub fn throttled(&self) -> usize {
        self.lock().throttled
    }

    /// Answers `apigateway:GetDeployment` as real AWS does with `embed=apisummary`: moto's
    /// answer plus the summary recorded for that deployment (`summaries`, an object of
    /// deployment id → summary, as `seed.py` prints it under `api_summaries`). Deployments it
    /// does not name keep moto's answer, which has none. A fault on the call still applies.
    pub fn serve_api_summaries(&self, summaries: &Value) {
        let mut st = self.lock();
        for (id, summary) in summaries.as_object().into_iter().flatten() {
            st.api_summaries.insert(id.clone(), summary.clone());
        }
    }

    /// The credentials moto returned to every AssumeRole that went through the proxy.
    pub fn assumed(&self) -> Vec<AssumedCredentials> {
        self.lock().assumed.clone()
    }
}

struct Request {
    method: String,
    /// The request target (path and query) as sent.
    target: String,
    /// Header lines as sent (without the request line and the blank line), minus `Connection`.
    header_lines: Vec<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn query(&self) -> Vec<(String, String)> {
        self.target
            .split_once('?')
            .map(|(_, q)| form_pairs(q))
            .unwrap_or_default()
    }

    /// The request as bytes for moto, with the request line's target replaced.
    fn to_upstream(&self, target: &str) -> Vec<u8> {
        let mut head = format!("{} {target} HTTP/1.1\r\n", self.method);
        for line in &self.header_lines {
            head.push_str(line);
            head.push_str("\r\n");
        }
        // Forward with a fresh connection per request: keep the upstream side simple.
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(None);
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    let mut header_lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_string(), v.trim().to_string());
            if !k.eq_ignore_ascii_case("connection") {
                header_lines.push(line.trim_end_matches(['\r', '\n']).to_string());
            }
            headers.push((k, v));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        target,
        header_lines,
        headers,
        body,
    }))
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Percent-decoding; `+` is a space in form bodies and query strings.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

/// The SigV4 credential scope `AKID/date/region/service/aws4_request`, from the Authorization
/// header or a presigned query.
fn credential_scope(req: &Request) -> Vec<String> {
    let from_header = header(req, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or(c).to_string());
    let from_query = || {
        req.query()
            .into_iter()
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v)
    };
    from_header
        .or_else(from_query)
        .map(|c| c.split('/').map(str::to_string).collect())
        .unwrap_or_default()
}

fn signing_service(req: &Request) -> String {
    credential_scope(req)
        .get(3)
        .cloned()
        .unwrap_or_else(|| "unknown".into())
}

/// Names the AWS operation of a request (see the module docs).
#[allow(dead_code)]
pub fn operation_of(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> String {
    let req = Request {
        method: method.into(),
        target: path.into(),
        header_lines: vec![],
        headers: headers.to_vec(),
        body: body.to_vec(),
    };
    operation(&req)
}

/// API Gateway v1 read operations: (path pattern, name); `{}` is any one segment.
const APIGW_V1_GETS: &[(&str, &str)] = &[
    ("account", "GetAccount"),
    ("apikeys", "GetApiKeys"),
    ("apikeys/{}", "GetApiKey"),
    ("clientcertificates", "GetClientCertificates"),
    ("clientcertificates/{}", "GetClientCertificate"),
    ("domainnames", "GetDomainNames"),
    ("domainnames/{}", "GetDomainName"),
    ("domainnames/{}/basepathmappings", "GetBasePathMappings"),
    ("domainnames/{}/basepathmappings/{}", "GetBasePathMapping"),
    ("restapis", "GetRestApis"),
    ("restapis/{}", "GetRestApi"),
    ("restapis/{}/authorizers", "GetAuthorizers"),
    ("restapis/{}/authorizers/{}", "GetAuthorizer"),
    ("restapis/{}/deployments", "GetDeployments"),
    ("restapis/{}/deployments/{}", "GetDeployment"),
    ("restapis/{}/documentation/parts", "GetDocumentationParts"),
    ("restapis/{}/documentation/parts/{}", "GetDocumentationPart"),
    (
        "restapis/{}/documentation/versions",
        "GetDocumentationVersions",
    ),
    (
        "restapis/{}/documentation/versions/{}",
        "GetDocumentationVersion",
    ),
    ("restapis/{}/gatewayresponses", "GetGatewayResponses"),
    ("restapis/{}/gatewayresponses/{}", "GetGatewayResponse"),
    ("restapis/{}/models", "GetModels"),
    ("restapis/{}/models/{}", "GetModel"),
    ("restapis/{}/models/{}/default_template", "GetModelTemplate"),
    ("restapis/{}/requestvalidators", "GetRequestValidators"),
    ("restapis/{}/requestvalidators/{}", "GetRequestValidator"),
    ("restapis/{}/resources", "GetResources"),
    ("restapis/{}/resources/{}", "GetResource"),
    ("restapis/{}/resources/{}/methods/{}", "GetMethod"),
    (
        "restapis/{}/resources/{}/methods/{}/responses/{}",
        "GetMethodResponse",
    ),
    (
        "restapis/{}/resources/{}/methods/{}/integration",
        "GetIntegration",
    ),
    (
        "restapis/{}/resources/{}/methods/{}/integration/responses/{}",
        "GetIntegrationResponse",
    ),
    ("restapis/{}/stages", "GetStages"),
    ("restapis/{}/stages/{}", "GetStage"),
    ("restapis/{}/stages/{}/exports/{}", "GetExport"),
    ("restapis/{}/stages/{}/sdks/{}", "GetSdk"),
    ("sdktypes", "GetSdkTypes"),
    ("sdktypes/{}", "GetSdkType"),
    ("tags/{}", "GetTags"),
    ("usageplans", "GetUsagePlans"),
    ("usageplans/{}", "GetUsagePlan"),
    ("usageplans/{}/keys", "GetUsagePlanKeys"),
    ("usageplans/{}/keys/{}", "GetUsagePlanKey"),
    ("usageplans/{}/usage", "GetUsage"),
    ("vpclinks", "GetVpcLinks"),
    ("vpclinks/{}", "GetVpcLink"),
];

/// API Gateway v2 read operations (paths under `/v2/`).
const APIGW_V2_GETS: &[(&str, &str)] = &[
    ("apis", "GetApis"),
    ("apis/{}", "GetApi"),
    ("apis/{}/authorizers", "GetAuthorizers"),
    ("apis/{}/authorizers/{}", "GetAuthorizer"),
    ("apis/{}/deployments", "GetDeployments"),
    ("apis/{}/deployments/{}", "GetDeployment"),
    ("apis/{}/integrations", "GetIntegrations"),
    ("apis/{}/integrations/{}", "GetIntegration"),
    (
        "apis/{}/integrations/{}/integrationresponses",
        "GetIntegrationResponses",
    ),
    (
        "apis/{}/integrations/{}/integrationresponses/{}",
        "GetIntegrationResponse",
    ),
    ("apis/{}/models", "GetModels"),
    ("apis/{}/models/{}", "GetModel"),
    ("apis/{}/models/{}/template", "GetModelTemplate"),
    ("apis/{}/routes", "GetRoutes"),
    ("apis/{}/routes/{}", "GetRoute"),
    ("apis/{}/routes/{}/routeresponses", "GetRouteResponses"),
    ("apis/{}/routes/{}/routeresponses/{}", "GetRouteResponse"),
    ("apis/{}/stages", "GetStages"),
    ("apis/{}/stages/{}", "GetStage"),
    ("domainnames", "GetDomainNames"),
    ("domainnames/{}", "GetDomainName"),
    ("domainnames/{}/apimappings", "GetApiMappings"),
    ("domainnames/{}/apimappings/{}", "GetApiMapping"),
    ("tags/{}", "GetTags"),
    ("vpclinks", "GetVpcLinks"),
    ("vpclinks/{}", "GetVpcLink"),
];

/// VPC Lattice read operations: (verb, path pattern, name). `ListTargets` is a POST.
const LATTICE_READS: &[(&str, &str, &str)] = &[
    ("GET", "services", "ListServices"),
    ("GET", "services/{}", "GetService"),
    ("GET", "services/{}/listeners", "ListListeners"),
    ("GET", "servicenetworks", "ListServiceNetworks"),
    ("GET", "servicenetworks/{}", "GetServiceNetwork"),
    (
        "GET",
        "servicenetworkserviceassociations",
        "ListServiceNetworkServiceAssociations",
    ),
    (
        "GET",
        "servicenetworkvpcassociations",
        "ListServiceNetworkVpcAssociations",
    ),
    ("GET", "authpolicy/{}", "GetAuthPolicy"),
    ("GET", "resourcepolicy/{}", "GetResourcePolicy"),
    ("GET", "targetgroups", "ListTargetGroups"),
    ("GET", "targetgroups/{}", "GetTargetGroup"),
    ("POST", "targetgroups/{}/listtargets", "ListTargets"),
];

fn match_table(table: &[(&str, &'static str)], segs: &[&str]) -> Option<&'static str> {
    table.iter().find_map(|(pattern, name)| {
        let pat: Vec<&str> = pattern.split('/').collect();
        (pat.len() == segs.len()
            && pat
                .iter()
                .zip(segs)
                .all(|(p, s)| *p == "{}" || p.eq_ignore_ascii_case(s)))
        .then_some(*name)
    })
}

fn operation(req: &Request) -> String {
    let service = signing_service(req);
    if let Some(target) = header(req, "x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or(target);
        return format!("{service}:{op}");
    }
    let path = req.path();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let ["service", _, "operation", op] = segs.as_slice() {
        return format!("{service}:{op}");
    }
    let form = if header(req, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        form_pairs(&String::from_utf8_lossy(&req.body))
    } else {
        vec![]
    };
    if let Some((_, action)) = form
        .iter()
        .chain(req.query().iter())
        .find(|(k, _)| k == "Action")
    {
        return format!("{service}:{action}");
    }
    if service == "vpc-lattice" {
        let named = LATTICE_READS.iter().find_map(|(verb, pattern, name)| {
            (*verb == req.method && match_table(&[(pattern, name)], &segs).is_some())
                .then_some(*name)
        });
        if let Some(name) = named {
            return format!("{service}:{name}");
        }
    }
    if service == "apigateway" && req.method == "GET" {
        let named = match segs.split_first() {
            Some((&"v2", rest)) => match_table(APIGW_V2_GETS, rest).map(|n| ("apigatewayv2", n)),
            _ => match_table(APIGW_V1_GETS, &segs).map(|n| ("apigateway", n)),
        };
        if let Some((svc, name)) = named {
            return format!("{svc}:{name}");
        }
    }
    format!("{service}:UNNAMED {} {path}", req.method)
}

/// The account a request acts in: the RoleArn's account for AssumeRole, else the account of
/// the assumed-role access key it is signed with.
fn account_of(req: &Request, op: &str, keys: &HashMap<String, String>) -> Option<String> {
    if op == "sts:AssumeRole" {
        return role_arn(req).and_then(|arn| arn.split(':').nth(4).map(str::to_string));
    }
    let key = credential_scope(req).into_iter().next()?;
    keys.get(&key).cloned()
}

fn role_arn(req: &Request) -> Option<String> {
    form_pairs(&String::from_utf8_lossy(&req.body))
        .into_iter()
        .chain(req.query())
        .find(|(k, _)| k == "RoleArn")
        .map(|(_, v)| v)
}

/// What the service of this request answers for one error: (status, content-type, extra
/// headers, body).
fn fault_response(req: &Request, code: &str, status: u16, message: &str) -> Vec<u8> {
    let service = signing_service(req);
    let json_service = service == "apigateway" || service == "vpc-lattice";
    let (ctype, extra, body) = if header(req, "x-amz-target").is_some() || json_service {
        (
            "application/json",
            format!("x-amzn-ErrorType: {code}\r\n"),
            format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
        )
    } else if service == "ec2" {
        (
            "text/xml",
            String::new(),
            format!("<?xml version=\"1.0\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"),
        )
    } else {
        (
            "text/xml",
            String::new(),
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"),
        )
    };
    response(status, ctype, &extra, body.as_bytes())
}

fn response(status: u16, ctype: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Fault\r\nContent-Type: {ctype}\r\n{extra_headers}Content-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The simulation's answer to a request: `None` to forward it to moto (`sts:AssumeRole`),
/// else the throttling error when its bucket is empty, or what an empty account answers.
fn simulated_answer(st: &mut State, sim: &Simulation, req: &Request, ctx: &Ctx) -> Option<Vec<u8>> {
    if ctx.op == "sts:AssumeRole" {
        return None;
    }
    let service = signing_service(req);
    if let Some((_, rate, burst)) = sim.buckets.iter().find(|(s, _, _)| *s == service) {
        let key = (
            service.clone(),
            ctx.account.clone().unwrap_or_default(),
            ctx.region.clone(),
        );
        let now = std::time::Instant::now();
        let bucket = st.buckets.entry(key).or_insert(Bucket {
            tokens: *burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(*burst);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            st.throttled += 1;
            let (code, status) = throttle_code(req);
            return Some(fault_response(req, code, status, "Rate exceeded"));
        }
        bucket.tokens -= 1.0;
    }
    let action = ctx.op.split(':').nth(1).unwrap_or_default();
    Some(
        if ctx.op == "apigateway:GetRestApis"
            && ctx
                .account
                .as_ref()
                .is_some_and(|a| sim.large_accounts.contains(a))
        {
            // At most 500 a page (the collector asks for 500): one page, no position.
            let items: Vec<Value> = (0..sim.large_rest_apis.min(500))
                .map(|n| {
                    serde_json::json!({
                        "id": format!("sim{n:04}"),
                        "name": format!("sim-{n}"),
                        "endpointConfiguration": {"types": ["REGIONAL"]},
                    })
                })
                .collect();
            let body = serde_json::to_vec(&serde_json::json!({ "item": items })).unwrap();
            response(200, "application/json", "", &body)
        } else if header(req, "x-amz-target").is_some() || service.starts_with("apigateway") {
            // JSON and REST-JSON: an empty object is an empty listing (no items, no next token).
            response(200, "application/json", "", b"{}")
        } else if ctx.op == "ec2:DescribeRegions" {
            let items: String = sim
            .regions
            .iter()
            .map(|r| format!("<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"))
            .collect();
            let body = format!("<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>sim</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>");
            response(200, "text/xml", "", body.as_bytes())
        } else if service == "ec2" {
            let body = format!("<{action}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>sim</requestId></{action}Response>");
            response(200, "text/xml", "", body.as_bytes())
        } else {
            // The query protocol (ELBv2, IAM): the answer inside its `Result` element.
            let body = format!("<{action}Response><{action}Result></{action}Result><ResponseMetadata><RequestId>sim</RequestId></ResponseMetadata></{action}Response>");
            response(200, "text/xml", "", body.as_bytes())
        },
    )
}

fn throttle_code(req: &Request) -> (&'static str, u16) {
    match signing_service(req).as_str() {
        "apigateway" => ("TooManyRequestsException", 429),
        "ec2" => ("RequestLimitExceeded", 503),
        "wafv2" => ("WAFLimitsExceededException", 400),
        _ => ("Throttling", 400),
    }
}

fn access_denied_code(req: &Request) -> &'static str {
    match signing_service(req).as_str() {
        "ec2" => "UnauthorizedOperation",
        "sts" | "elasticloadbalancing" | "iam" => "AccessDenied",
        _ => "AccessDeniedException",
    }
}

fn region_disabled_code(req: &Request) -> (&'static str, u16, &'static str) {
    match signing_service(req).as_str() {
        "ec2" => (
            "AuthFailure",
            401,
            "AWS was not able to validate the provided access credentials",
        ),
        "sts" | "elasticloadbalancing" => (
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
        ),
        _ => (
            "UnrecognizedClientException",
            403,
            "The security token included in the request is invalid.",
        ),
    }
}

/// The pagination parameters of an API Gateway listing: (limit, token, items, output token).
fn paging_keys(req: &Request) -> (&'static str, &'static str, &'static str, &'static str) {
    if req.path().starts_with("/v2/") {
        ("maxResults", "nextToken", "items", "nextToken")
    } else {
        ("limit", "position", "item", "position")
    }
}

/// The request target without the given query parameters (moto ignores API Gateway paging
/// parameters, or chokes on tokens it did not issue).
fn target_without(req: &Request, drop: &[&str]) -> String {
    let rest: Vec<String> = req
        .query()
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect();
    if rest.is_empty() {
        req.path().to_string()
    } else {
        format!("{}?{}", req.path(), rest.join("&"))
    }
}

/// The tokens of [`Fault::LoopToken`], with characters a client must percent-encode.
const LOOP_A: &str = "loop+A/=";
const LOOP_B: &str = "loop+B/=";

/// Answers a listing with a circular pagination token (see [`Fault::LoopToken`]).
fn looping(req: &Request, upstream: &str) -> std::io::Result<Vec<u8>> {
    let (limit_key, token_key, items_key, out_key) = paging_keys(req);
    let token = req
        .query()
        .into_iter()
        .find(|(k, _)| k == token_key)
        .map(|(_, v)| v);
    let mut up = forward(req, &target_without(req, &[limit_key, token_key]), upstream)?;
    let Ok(mut doc) = serde_json::from_slice::<Value>(&up.body) else {
        return Ok(up.bytes());
    };
    let Some(obj) = doc.as_object_mut() else {
        return Ok(up.bytes());
    };
    let next = match token.as_deref() {
        None => LOOP_A,
        Some(LOOP_A) => {
            obj.insert(items_key.into(), Value::Array(vec![]));
            LOOP_B
        }
        Some(_) => {
            obj.insert(items_key.into(), Value::Array(vec![]));
            LOOP_A
        }
    };
    obj.insert(out_key.into(), Value::String(next.into()));
    up.body = serde_json::to_vec(&doc).expect("re-serialise a page");
    Ok(up.bytes())
}

/// What the proxy knows about one request when it decides its fate.
struct Ctx {
    op: String,
    account: Option<String>,
    region: String,
    segments: Vec<String>,
}

/// The fault due for this request, if any (and counts it against its rule).
fn due_fault(st: &mut State, ctx: &Ctx) -> Option<Fault> {
    for (rule, hits) in st.rules.iter_mut() {
        if !rule.matches(ctx) {
            continue;
        }
        *hits += 1;
        if *hits <= rule.skip {
            return None;
        }
        return match &mut rule.fault {
            Fault::Throttle(0) => None,
            Fault::Throttle(n) => {
                if *n != u32::MAX {
                    *n -= 1;
                }
                Some(Fault::Throttle(1))
            }
            other => Some(other.clone()),
        };
    }
    None
}

fn serve(conn: TcpStream, upstream: &str, state: &Mutex<State>) -> std::io::Result<()> {
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    while let Some(req) = read_request(&mut reader)? {
        let op = operation(&req);
        let scope = credential_scope(&req);
        let (fault, page_size, simulated) = {
            let mut st = lock();
            let ctx = Ctx {
                account: account_of(&req, &op, &st.keys),
                region: scope.get(2).cloned().unwrap_or_default(),
                segments: req
                    .path()
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(url_decode)
                    .collect(),
                op: op.clone(),
            };
            let fault = due_fault(&mut st, &ctx);
            let simulated = st
                .simulation
                .clone()
                .map(|sim| (simulated_answer(&mut st, &sim, &req, &ctx), sim.latency));
            st.seen.push(Seen {
                op: op.clone(),
                account: ctx.account,
                region: ctx.region,
                fault: fault.clone(),
            });
            (fault, st.paging.get(&op).copied(), simulated)
        };
        if let Some((answer, latency)) = simulated {
            std::thread::sleep(latency);
            let bytes = match answer {
                Some(bytes) => bytes,
                None => {
                    let up = forward(&req, &req.target, upstream)?;
                    if op == "sts:AssumeRole" {
                        learn_credentials(&req, &up.body, &mut lock());
                    }
                    up.bytes()
                }
            };
            writer.write_all(&bytes)?;
            writer.flush()?;
            continue;
        }
        let response = match fault {
            None => match page_size {
                Some(size) => paged(&req, upstream, &op, size, state)?,
                None => {
                    let mut up = forward(&req, &req.target, upstream)?;
                    if op == "sts:AssumeRole" {
                        learn_credentials(&req, &up.body, &mut lock());
                    }
                    if op == "apigateway:GetDeployment" {
                        let summaries = lock().api_summaries.clone();
                        edit_json(&mut up, |doc| {
                            let summary = doc["id"].as_str().and_then(|id| summaries.get(id));
                            if let (Some(summary), Some(obj)) = (summary, doc.as_object_mut()) {
                                obj.insert("apiSummary".into(), summary.clone());
                            }
                        });
                    }
                    up.bytes()
                }
            },
            Some(Fault::Edit(edit)) => {
                let mut up = forward(&req, &req.target, upstream)?;
                edit_json(&mut up, |doc| (edit.0)(doc));
                up.bytes()
            }
            Some(Fault::Throttle(_)) => {
                let (code, status) = throttle_code(&req);
                fault_response(&req, code, status, "Rate exceeded")
            }
            Some(Fault::ServerError) => {
                fault_response(&req, "InternalFailure", 500, "injected internal failure")
            }
            Some(Fault::AccessDenied) => fault_response(
                &req,
                access_denied_code(&req),
                403,
                "injected: not authorized to perform this operation",
            ),
            Some(Fault::Malformed) => response(
                200,
                "application/json",
                "",
                b"<<<this is not json or xml>>>",
            ),
            Some(Fault::Truncate) => {
                let mut up = forward(&req, &req.target, upstream)?;
                up.body.truncate(up.body.len() / 2);
                up.bytes()
            }
            Some(Fault::EchoRequest) => {
                // Secrets first: the client may shorten a long message.
                let mut quoted = format!("{}\n{}\n", req.method, req.target);
                for name in ["x-amz-security-token", "authorization"] {
                    if let Some(v) = header(&req, name) {
                        quoted.push_str(&format!("{name}:{v}\n"));
                    }
                }
                quoted.push_str(&String::from_utf8_lossy(&req.body));
                quoted.push('\n');
                for (k, v) in &req.headers {
                    quoted.push_str(&format!("{}:{v}\n", k.to_ascii_lowercase()));
                }
                let message = format!(
                    "The request signature we calculated does not match the signature you provided. The Canonical String for this request should have been '{quoted}'"
                );
                // As a JSON/XML string: escape what would break the document.
                let message = message
                    .replace('\\', "\\\\")
                    .replace('"', "'")
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('\n', " ");
                fault_response(&req, "SignatureDoesNotMatch", 403, &message)
            }
            Some(Fault::EchoBody) => {
                let body = String::from_utf8_lossy(&req.body)
                    .replace('\\', "\\\\")
                    .replace('"', "'")
                    .replace('&', "&amp;")
                    .replace('<', "&lt;");
                fault_response(
                    &req,
                    "ValidationError",
                    400,
                    &format!("Invalid parameters in request: {body}"),
                )
            }
            Some(Fault::RegionDisabled) => {
                let (code, status, message) = region_disabled_code(&req);
                fault_response(&req, code, status, message)
            }
            Some(Fault::Answer(body)) => response(200, "text/xml", "", body.as_bytes()),
            Some(Fault::AnswerJson(body)) => response(200, "application/json", "", body.as_bytes()),
            Some(Fault::LoopToken) => looping(&req, upstream)?,
            Some(Fault::Disconnect) => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Hang(d)) => {
                std::thread::sleep(d);
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
        };
        writer.write_all(&response)?;
        writer.flush()?;
    }
    Ok(())
}

/// Remembers the credentials in an AssumeRole answer and the account they belong to.
fn learn_credentials(req: &Request, body: &[u8], st: &mut State) {
    let text = String::from_utf8_lossy(body);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&close)? + start;
        Some(text[start..end].to_string())
    };
    let (Some(account), Some(key), Some(secret), Some(token)) = (
        role_arn(req).and_then(|a| a.split(':').nth(4).map(str::to_string)),
        tag("AccessKeyId"),
        tag("SecretAccessKey"),
        tag("SessionToken"),
    ) else {
        return;
    };
    st.keys.insert(key.clone(), account.clone());
    st.assumed.push(AssumedCredentials {
        account,
        access_key_id: key,
        secret_access_key: secret,
        session_token: token,
    });
}

/// Answers a listing from moto's single page, re-paged like real AWS (see the module docs).
fn paged(
    req: &Request,
    upstream: &str,
    op: &str,
    page_size: usize,
    state: &Mutex<State>,
) -> std::io::Result<Vec<u8>> {
    let (limit_key, token_key, items_key, out_key) = paging_keys(req);
    let query = req.query();
    let limit = query
        .iter()
        .find(|(k, _)| k == limit_key)
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(25);
    let position = query.iter().find(|(k, _)| k == token_key).map(|(_, v)| v);
    let listing = req.path().to_string();
    let offset = match position {
        None => 0,
        Some(token) => {
            let known = state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .tokens
                .get(token)
                .cloned();
            match known {
                Some((o, l, offset)) if o == op && l == listing => offset,
                _ => {
                    return Ok(fault_response(
                        req,
                        "BadRequestException",
                        400,
                        "Invalid position parameter",
                    ))
                }
            }
        }
    };
    // moto ignores the paging parameters; ask without them and cut the answer ourselves.
    let target = target_without(req, &[limit_key, token_key]);
    let mut up = forward(req, &target, upstream)?;
    let Ok(mut doc) = serde_json::from_slice::<Value>(&up.body) else {
        return Ok(up.bytes());
    };
    let Some(items) = doc.get(items_key).and_then(Value::as_array).cloned() else {
        return Ok(up.bytes());
    };
    let size = limit.clamp(1, page_size);
    let end = (offset + size).min(items.len());
    let page: Vec<Value> = items[offset.min(end)..end].to_vec();
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    *st.pages.entry(op.to_string()).or_default() += 1;
    st.served
        .entry(listing.clone())
        .or_default()
        .extend(page.iter().cloned());
    doc[items_key] = Value::Array(page);
    match doc.as_object_mut() {
        Some(obj) if end < items.len() => {
            // Opaque, and with characters a client must percent-encode.
            let token = format!("pg+{:x}/{}=", st.tokens.len() + 1, end * 7919);
            st.tokens
                .insert(token.clone(), (op.to_string(), listing, end));
            obj.insert(out_key.into(), Value::String(token));
        }
        Some(obj) => {
            obj.remove(out_key);
        }
        None => {}
    }
    up.body = serde_json::to_vec(&doc).expect("re-serialise a page");
    Ok(up.bytes())
}

/// Changes a JSON answer from moto in place (an answer that is not JSON is left as it is).
fn edit_json(up: &mut Upstream, edit: impl FnOnce(&mut Value)) {
    if let Ok(mut doc) = serde_json::from_slice::<Value>(&up.body) {
        edit(&mut doc);
        up.body = serde_json::to_vec(&doc).expect("re-serialise an answer");
    }
}

/// A response from moto: its status line and headers (minus framing) and its whole body.
struct Upstream {
    head: Vec<String>,
    body: Vec<u8>,
}

impl Upstream {
    /// Framed for the client: Content-Length and keep-alive.
    fn bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for line in &self.head {
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Sends the request upstream (with this request target) on a fresh connection and returns
/// the whole response.
fn forward(req: &Request, target: &str, upstream: &str) -> std::io::Result<Upstream> {
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&req.to_upstream(target))?;
    let mut raw = Vec::new();
    up.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(raw.len());
    let (head, body) = raw.split_at(split);
    let head = String::from_utf8_lossy(head);
    let mut lines = Vec::new();
    for (i, line) in head.split("\r\n").enumerate() {
        if line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if i > 0
            && (lower.starts_with("connection:")
                || lower.starts_with("content-length:")
                || lower.starts_with("transfer-encoding:"))
        {
            continue;
        }
        lines.push(line.to_string());
    }
    // moto (werkzeug) frames with Content-Length or closes the connection; either way `body`
    // is the whole payload now.
    Ok(Upstream {
        head: lines,
        body: body.to_vec(),
    })
}
