//! Scale benchmark: bounded time and memory on hostile estates (no criterion; `Instant` and
//! the kernel's peak-RSS counter are enough).
//!
//! `cargo bench --bench scale` runs the full set and prints one table: every stage at growing
//! sizes (n, 2n, 4n, 8n), its wall time, what it produced, the growth ratio against the
//! previous size (≈2 is linear, ≈4 quadratic) and the peak RSS (VmHWM) of the stage.
//!
//! Under `cargo test --all-targets` (cargo passes no `--bench` flag then) the same code runs on
//! tiny estates in well under a second and only asserts that nothing panics and every stage
//! produced something, so the suite compiles and exercises the benchmark without slowing down.
//!
//! Stages:
//! 1. `api`: analysis of one REST API with 1,250 … 10,000 resources × 3 methods × 3 stages
//!    under a realistic resource policy (partner GET grant, an in-VPC allow, a Deny pinned to
//!    two VPC endpoints with `aws:SourceVpce`);
//! 2. `policy`: a ~1 MiB policy (thousands of statements, long principal lists, many
//!    conditions) parsed, then evaluated for a few hundred methods; adversarial wildcard
//!    patterns (`*a*a*a…`) against long paths; over-limit and malformed policies rejected;
//! 3. `network`: one region with 500 … 4,000 load balancers (internal and internet-facing,
//!    shared and unshared targets, peerings, endpoint services, VPC links), then the same
//!    region with failed reads (public load balancers' targets, instances) whose assumptions
//!    must not cost more than linear time;
//! 4. `render`: JSON, SARIF and table of ~20,000 findings;
//! 5. `snapshot`: `Inventory::from_snapshot_json` of the biggest inventory;
//! 6. `iam`: trust paths in one account with 1,000 … 8,000 roles and as many IAM-authenticated
//!    methods (one REST API per 50 methods): service roles, internal roles, partner roles that
//!    read or write one API each, chains of two roles, web identities pinned or not, and a few
//!    administration roles of trusted accounts that can call everything.

use overexposed::inventory::{
    ApiResource, EndpointService, IamAccount, IamRole, IngressRule, InlinePolicy, Instance,
    Integration, Inventory, LbTarget, Listener, LoadBalancer, ManagedPolicy, PeeringSide, RestApi,
    RestMethod, Route, RouteTable, ScanScope, SecurityGroup, Stage, Subnet, Target, TargetGroup,
    Vpc, VpcEndpoint, VpcLink, VpcPeering, SNAPSHOT_VERSION,
};
use overexposed::model::Confidence;
use overexposed::operation::Operation;
use overexposed::policy::{
    self, CallerKind, Network, PolicyDocument, PolicyMode, ReachContext, ReachQuery,
};
use overexposed::{analysis, report};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const OWNER: &str = "111111111111";
const PARTNER: &str = "222222222222";
const REGION: &str = "us-east-1";

// -------------------------------------------------------------------------------------------
// Measurement plumbing.

/// Peak resident set size of this process in KiB (`VmHWM`), if the kernel tells.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak-RSS counter to the current RSS (`echo 5 > /proc/self/clear_refs`), so each
/// stage reports its own peak. Returns false when the kernel does not allow it (the figures are
/// then the process-wide peak so far).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "?".into())
}

fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn human_time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Runs `f` `reps` times and keeps the fastest run (the least disturbed by the machine).
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        let d = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, out));
        }
    }
    best.expect("at least one run")
}

struct Row {
    stage: String,
    size: String,
    time: Duration,
    per_item: String,
    produced: String,
    ratio: String,
    peak: String,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        stage: &str,
        size: String,
        time: Duration,
        items: usize,
        produced: String,
        previous: Option<Duration>,
        peak: Option<u64>,
    ) {
        let per_item = if items > 0 {
            human_time(time / items as u32)
        } else {
            "-".into()
        };
        let ratio = previous
            .filter(|p| !p.is_zero())
            .map(|p| format!("x{:.2}", time.as_secs_f64() / p.as_secs_f64()))
            .unwrap_or_else(|| "-".into());
        let row = Row {
            stage: stage.into(),
            size,
            time,
            per_item,
            produced,
            ratio,
            peak: mib(peak),
        };
        eprintln!(
            "  {:<34} {:<22} {:>10}  {}",
            row.stage,
            row.size,
            human_time(row.time),
            row.produced
        );
        self.rows.push(row);
    }

    fn render(&self) -> String {
        let headers = [
            "stage", "size", "time", "per item", "produced", "growth", "peak RSS",
        ];
        let cells: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.stage.clone(),
                    r.size.clone(),
                    human_time(r.time),
                    r.per_item.clone(),
                    r.produced.clone(),
                    r.ratio.clone(),
                    r.peak.clone(),
                ]
            })
            .collect();
        let mut width = headers.map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in width.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cols: &[String]| -> String {
            let mut s = String::new();
            for (i, (c, w)) in cols.iter().zip(width).enumerate() {
                let pad = w - c.chars().count();
                // Numbers right-aligned, words left-aligned.
                if matches!(i, 2 | 3 | 5 | 6) {
                    let _ = write!(s, "{}{c}  ", " ".repeat(pad));
                } else {
                    let _ = write!(s, "{c}{}  ", " ".repeat(pad));
                }
            }
            s.trim_end().to_string()
        };
        let mut out = String::new();
        let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(out, "{}", line(&head));
        let _ = writeln!(
            out,
            "{}",
            width
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        );
        for row in &cells {
            let _ = writeln!(out, "{}", line(row));
        }
        out
    }
}

// -------------------------------------------------------------------------------------------
// Estates.

fn target(account: &str) -> Target {
    Target {
        account_id: account.into(),
        region: REGION.into(),
        ..Default::default()
    }
}

fn inventory(targets: Vec<Target>) -> Inventory {
    Inventory {
        snapshot_version: SNAPSHOT_VERSION,
        started_at: "2025-01-01T00:00:00Z".into(),
        finished_at: "2025-01-01T00:01:00Z".into(),
        targets,
        ..Default::default()
    }
}

/// The realistic private-API policy: the partner role may GET everything, anyone may call
/// through a VPC endpoint, but `internal/` paths are pinned to the owner's and the partner's
/// endpoints.
const REALISTIC_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PartnerRead", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::222222222222:role/partner-reader"},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"},
    {"Sid": "InVpc", "Effect": "Allow", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "PinInternal", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/svc*/internal/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-0owner", "vpce-0partner"]}}}
  ]
}"#;

fn method(verb: &str, auth: &str, link: Option<&str>) -> RestMethod {
    RestMethod {
        http_method: verb.into(),
        authorization_type: auth.into(),
        authorizer_id: (auth == "CUSTOM").then(|| "auth1".to_string()),
        integration: Some(match link {
            Some(id) => Integration {
                integration_type: Some("HTTP_PROXY".into()),
                connection_type: Some("VPC_LINK".into()),
                connection_id: Some(id.into()),
                uri: Some("http://backend.elb.amazonaws.com/".into()),
            },
            None => Integration {
                integration_type: Some("AWS_PROXY".into()),
                ..Default::default()
            },
        }),
        ..Default::default()
    }
}

/// One private REST API with `resources` resources × 3 methods (GET IAM, POST NONE, and DELETE
/// IAM or ANY CUSTOM), deployed on 3 stages, under [`REALISTIC_POLICY`].
fn api_estate(resources: usize) -> Inventory {
    let mut owner = target(OWNER);
    owner.network.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-0owner".into(),
        vpc_id: "vpc-owner".into(),
        service_name: format!("com.amazonaws.{REGION}.execute-api"),
        endpoint_type: "Interface".into(),
        owner_id: OWNER.into(),
    });
    owner.vpc_links.push(VpcLink {
        id: "vl-1".into(),
        name: "backend".into(),
        target_arns: vec![format!(
            "arn:aws:elasticloadbalancing:{REGION}:{OWNER}:loadbalancer/net/backend/1"
        )],
        status: Some("AVAILABLE".into()),
    });
    let resources = (0..resources)
        .map(|i| {
            let svc = i / 50;
            let path = match i % 3 {
                0 => format!("/svc{svc}/internal/res{i}"),
                1 => format!("/svc{svc}/res{i}"),
                _ => format!("/svc{svc}/res{i}/{{id}}"),
            };
            let third = if i % 4 == 0 {
                method("ANY", "CUSTOM", None)
            } else {
                method("DELETE", "AWS_IAM", Some("vl-1"))
            };
            ApiResource {
                id: format!("r{i}"),
                path,
                methods: vec![
                    method("GET", "AWS_IAM", Some("vl-1")),
                    method("POST", "NONE", None),
                    third,
                ],
            }
        })
        .collect();
    owner.rest_apis.push(RestApi {
        id: "big0api".into(),
        name: "big-api".into(),
        endpoint_types: vec!["PRIVATE".into()],
        vpc_endpoint_ids: vec!["vpce-0owner".into()],
        policy: Some(REALISTIC_POLICY.into()),
        resources,
        stages: ["prod", "staging", "dev"]
            .iter()
            .map(|s| Stage {
                name: s.to_string(),
                deployment_id: Some("d1".into()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    });
    let mut partner = target(PARTNER);
    partner.network.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-0partner".into(),
        vpc_id: "vpc-partner".into(),
        service_name: format!("com.amazonaws.{REGION}.execute-api"),
        endpoint_type: "Interface".into(),
        owner_id: PARTNER.into(),
    });
    inventory(vec![owner, partner])
}

fn account(k: usize) -> String {
    format!("{:012}", 300_000_000_000u64 + k as u64)
}

/// A policy of about `target_bytes`: statements with long principal lists, several resources
/// and many conditions, all about `execute-api:Invoke`.
fn big_policy(target_bytes: usize) -> String {
    big_policy_shaped(target_bytes, false)
}

/// The big policy, each statement granting either a few resources of its own or (`universal`)
/// every method of the API: then every statement is relevant to every method, and only the
/// classifier's caps on probed values keep one verdict bounded.
fn big_policy_shaped(target_bytes: usize, universal: bool) -> String {
    let mut statements = Vec::new();
    let mut size = 0;
    let mut k = 0usize;
    while size < target_bytes {
        let principals: Vec<String> = (0..12)
            .map(|j| format!("arn:aws:iam::{}:role/team-{}-reader", account(k * 7 + j), j))
            .chain((0..4).map(|j| account(k * 3 + j)))
            .collect();
        let resources: Vec<String> = if universal {
            vec!["execute-api:/*".to_string()]
        } else {
            (0..4)
                .map(|j| format!("execute-api:/*/GET/svc{}/res{}*", (k + j) % 200, k % 97))
                .collect()
        };
        let effect = if k % 5 == 4 { "Deny" } else { "Allow" };
        // Realistic condition blocks, a different mix per statement (every key at once would
        // let nobody in: a request has either a source IP or a VPC endpoint, not both).
        let condition = match k % 3 {
            0 => serde_json::json!({
                "StringEquals": {
                    "aws:SourceVpce": (0..4).map(|j| format!("vpce-{:017x}", k * 4 + j)).collect::<Vec<_>>(),
                },
            }),
            1 => serde_json::json!({
                "IpAddress": {"aws:SourceIp": [format!("198.{}.{}.0/24", 18 + k % 2, (k / 2) % 250), format!("192.0.2.{}/32", k % 250)]},
                "Bool": {"aws:SecureTransport": "true"},
            }),
            _ => serde_json::json!({
                "ArnLike": {"aws:PrincipalArn": [format!("arn:aws:iam::{}:role/team-*", account(k * 7))]},
                "StringNotEquals": {"aws:PrincipalOrgID": [format!("o-{:010x}", k % 50)]},
                "StringNotLike": {"aws:PrincipalOrgPaths": [format!("o-{:010x}/r-ab12/ou-ab12-{:08x}/*", k % 50, k)]},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            }),
        };
        let statement = serde_json::json!({
            "Sid": format!("S{k}"),
            "Effect": effect,
            "Principal": {"AWS": principals},
            "Action": ["execute-api:Invoke", "execute-api:ManageConnections"],
            "Resource": resources,
            "Condition": condition,
        });
        let text = statement.to_string();
        size += text.len() + 1;
        statements.push(text);
        k += 1;
    }
    format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
        statements.join(",")
    )
}

/// One region of `lbs` load balancers in the owner account: a quarter internal NLBs in front of
/// one instance each (every other one a VPC link target, every fifth published by an endpoint
/// service), a quarter internet-facing ALBs sharing their neighbour's instance, a quarter
/// internal ALBs with IP targets, a quarter internet-facing NLBs in front of unrelated web
/// instances. Eight cross-account peerings, routed and admitted.
fn network_estate(lbs: usize) -> Inventory {
    let mut t = target(OWNER);
    let mut rest = RestApi {
        id: "netapi".into(),
        name: "published".into(),
        endpoint_types: vec!["REGIONAL".into()],
        stages: vec![Stage {
            name: "prod".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let vpcs = lbs.div_ceil(500).max(1);
    let n = &mut t.network;
    for v in 0..vpcs {
        let vpc = format!("vpc-{v:05}");
        let cidr = format!("10.{v}.0.0/16");
        n.vpcs.push(Vpc {
            id: vpc.clone(),
            cidr_blocks: vec![cidr.clone()],
        });
        n.route_tables.push(RouteTable {
            id: format!("rtb-main-{v}"),
            vpc_id: vpc.clone(),
            subnet_ids: vec![],
            main: true,
            routes: vec![Route {
                destination_cidr: cidr.clone(),
                gateway_id: Some("local".into()),
                vpc_peering_connection_id: None,
                ..Default::default()
            }],
        });
        n.security_groups.push(SecurityGroup {
            id: format!("sg-backend-{v}"),
            vpc_id: vpc.clone(),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(8080),
                to_port: Some(8080),
                cidrs: vec![cidr.clone()],
                source_group_ids: vec![],
                ..Default::default()
            }],
        });
        n.security_groups.push(SecurityGroup {
            id: format!("sg-web-{v}"),
            vpc_id: vpc.clone(),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                cidrs: vec!["0.0.0.0/0".into()],
                source_group_ids: vec![],
                ..Default::default()
            }],
        });
    }
    // Eight cross-account peerings spread over the VPCs, routed from the main tables and
    // admitted on 8080 by the backend groups.
    for p in 0..8 {
        let v = p % vpcs;
        let peer_cidr = format!("172.{}.0.0/16", 16 + p);
        let pcx = format!("pcx-{p:05}");
        n.peerings.push(VpcPeering {
            id: pcx.clone(),
            status: "active".into(),
            requester: PeeringSide {
                owner_id: OWNER.into(),
                vpc_id: format!("vpc-{v:05}"),
                region: Some(REGION.into()),
                cidr_blocks: vec![format!("10.{v}.0.0/16")],
            },
            accepter: PeeringSide {
                owner_id: account(900 + p),
                vpc_id: format!("vpc-peer{p}"),
                region: Some(REGION.into()),
                cidr_blocks: vec![peer_cidr.clone()],
            },
        });
        n.route_tables[v].routes.push(Route {
            destination_cidr: peer_cidr.clone(),
            vpc_peering_connection_id: Some(pcx),
            gateway_id: None,
            ..Default::default()
        });
        n.security_groups[2 * v].ingress.push(IngressRule {
            protocol: "tcp".into(),
            from_port: Some(8080),
            to_port: Some(8080),
            cidrs: vec![peer_cidr],
            source_group_ids: vec![],
            ..Default::default()
        });
    }
    for k in 0..lbs {
        let v = k / 500;
        let vpc = format!("vpc-{v:05}");
        // 25 load balancers per subnet; every other subnet has its own route table.
        let s = (k % 500) / 25;
        let subnet = format!("subnet-{v:03}-{s:03}");
        if k % 25 == 0 {
            n.subnets.push(Subnet {
                id: subnet.clone(),
                vpc_id: vpc.clone(),
                cidr_block: format!("10.{v}.{s}.0/24"),
                ..Default::default()
            });
            if s % 2 == 1 {
                let main = &n.route_tables[v];
                n.route_tables.push(RouteTable {
                    id: format!("rtb-{v}-{s}"),
                    vpc_id: vpc.clone(),
                    subnet_ids: vec![subnet.clone()],
                    main: false,
                    routes: main.routes.clone(),
                });
            }
        }
        let ip = format!("10.{v}.{s}.{}", 10 + k % 25);
        let (kind, scheme, tg_type, target_id, sg) = match k % 4 {
            0 => (
                "network",
                "internal",
                "instance",
                format!("i-{k:08}"),
                "backend",
            ),
            // Shares the previous internal NLB's instance.
            1 => (
                "application",
                "internet-facing",
                "instance",
                format!("i-{:08}", k - 1),
                "web",
            ),
            2 => ("application", "internal", "ip", ip.clone(), "backend"),
            _ => (
                "network",
                "internet-facing",
                "instance",
                format!("i-{k:08}"),
                "web",
            ),
        };
        if k % 4 != 1 {
            n.instances.push(Instance {
                id: format!("i-{k:08}"),
                vpc_id: Some(vpc.clone()),
                subnet_id: Some(subnet.clone()),
                private_ip: Some(ip.clone()),
                security_group_ids: vec![format!("sg-{sg}-{v}")],
            });
        }
        let lb_type_path = if kind == "network" { "net" } else { "app" };
        let arn = format!(
            "arn:aws:elasticloadbalancing:{REGION}:{OWNER}:loadbalancer/{lb_type_path}/lb{k}/{k:016x}"
        );
        let name = format!("lb{k}");
        n.load_balancers.push(LoadBalancer {
            arn: arn.clone(),
            name: name.clone(),
            lb_type: kind.into(),
            scheme: scheme.into(),
            vpc_id: vpc.clone(),
            subnet_ids: vec![subnet.clone()],
            security_group_ids: if kind == "application" {
                vec![format!("sg-{sg}-{v}")]
            } else {
                vec![]
            },
            dns_name: Some(format!("{name}.elb.amazonaws.com")),
            listeners: vec![Listener {
                arn: format!("{arn}/listener"),
                port: if sg == "web" { 443 } else { 8080 },
                protocol: if kind == "network" { "TCP" } else { "HTTP" }.into(),
                target_group_arns: vec![format!("{arn}/tg")],
            }],
            listeners_read: true,
            target_groups: vec![TargetGroup {
                arn: format!("{arn}/tg"),
                name: format!("{name}-tg"),
                target_type: tg_type.into(),
                port: Some(8080),
                vpc_id: vpc.clone(),
                targets: vec![LbTarget {
                    id: target_id,
                    port: Some(8080),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            targets_read: true,
            web_acl_arn: (kind == "application" && scheme == "internet-facing")
                .then(|| format!("arn:aws:wafv2:{REGION}:{OWNER}:regional/webacl/allow-list/{k}")),
            ..Default::default()
        });
        if k % 8 == 0 {
            let link = format!("vl-{k}");
            t.vpc_links.push(VpcLink {
                id: link.clone(),
                name: format!("link-{k}"),
                target_arns: vec![arn.clone()],
                status: Some("AVAILABLE".into()),
            });
            rest.resources.push(ApiResource {
                id: format!("r{k}"),
                path: format!("/backend{k}/{{proxy+}}"),
                methods: vec![method("GET", "AWS_IAM", Some(&link))],
            });
        }
        if k % 20 == 0 {
            n.endpoint_services.push(EndpointService {
                service_id: format!("vpce-svc-{k:017x}"),
                service_name: format!("com.amazonaws.vpce.{REGION}.vpce-svc-{k:017x}"),
                acceptance_required: k % 40 == 0,
                network_load_balancer_arns: vec![arn.clone()],
                gateway_load_balancer_arns: vec![],
                allowed_principals: if k % 60 == 0 {
                    vec!["*".into()]
                } else {
                    vec![format!("arn:aws:iam::{PARTNER}:root")]
                },
                connected_accounts: Some(vec![PARTNER.into()]),
                ..Default::default()
            });
        }
    }
    t.rest_apis.push(rest);
    inventory(vec![t])
}

/// The administration roles' account: trusted (inside), like an organization's management
/// account.
const ADMIN_ACCOUNT: &str = "999999999999";

fn policy_doc(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn trust_doc(principal: &str) -> String {
    policy_doc(&[format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}"#
    )])
}

fn invoke(resource: &str) -> String {
    format!(r#"{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"{resource}"}}"#)
}

/// One account with `methods` IAM-authenticated methods (REST APIs of 25 resources × GET and
/// POST, on stage prod) and `roles` roles, by the twentieth: 14 service roles (lambda, each
/// allowed to call one API), 2 internal roles (trusted by the account, one API each), 1
/// partner role reading one API, 1 writing one API, 1 chain entry (a partner may assume it,
/// and it may assume an internal role), 1 GitHub Actions role (subject pinned or not, one API);
/// plus 3 administration roles of a trusted account that may call everything. The service
/// roles share one managed policy.
fn iam_estate(roles: usize, methods: usize) -> Inventory {
    let apis = (methods / 50).max(1);
    let api_arn = |k: usize| format!("arn:aws:execute-api:{REGION}:{OWNER}:api{k}");
    let mut owner = target(OWNER);
    for k in 0..apis {
        owner.rest_apis.push(RestApi {
            id: format!("api{k}"),
            name: format!("api-{k}"),
            endpoint_types: vec!["REGIONAL".into()],
            resources: (0..25)
                .map(|r| ApiResource {
                    id: format!("r{r}"),
                    path: format!("/items{r}/{{id}}"),
                    methods: vec![
                        method("GET", "AWS_IAM", None),
                        method("POST", "AWS_IAM", None),
                    ],
                })
                .collect(),
            stages: vec![Stage {
                name: "prod".into(),
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    let role_arn = |name: &str| format!("arn:aws:iam::{OWNER}:role/{name}");
    let role = |name: String, trust: String, inline: Vec<String>| IamRole {
        arn: role_arn(&name),
        name: name.clone(),
        trust_policy: trust,
        inline_policies: vec![InlinePolicy {
            name: "access".into(),
            document: policy_doc(&inline),
        }],
        ..Default::default()
    };
    let shared = format!("arn:aws:iam::{OWNER}:policy/service-base");
    let mut iam = IamAccount {
        account_id: OWNER.into(),
        policies: vec![ManagedPolicy {
            arn: shared.clone(),
            name: "service-base".into(),
            document: Some(policy_doc(&[
                r#"{"Effect":"Allow","Action":["s3:GetObject","logs:*"],"Resource":"*"}"#.into(),
            ])),
        }],
        ..Default::default()
    };
    for i in 0..roles {
        let api = api_arn(i % apis);
        let partner = format!(r#"{{"AWS":"{}"}}"#, account(i));
        let r = match i % 20 {
            0..=13 => {
                let mut r = role(
                    format!("service-{i}"),
                    trust_doc(r#"{"Service":"lambda.amazonaws.com"}"#),
                    vec![invoke(&format!("{api}/*"))],
                );
                r.attached_policy_arns.push(shared.clone());
                r
            }
            14 | 15 => role(
                format!("internal-{i}"),
                trust_doc(&format!(r#"{{"AWS":"arn:aws:iam::{OWNER}:root"}}"#)),
                vec![invoke(&format!("{api}/prod/*"))],
            ),
            16 => role(
                format!("partner-reader-{i}"),
                trust_doc(&partner),
                vec![invoke(&format!("{api}/prod/GET/*"))],
            ),
            17 => role(
                format!("partner-writer-{i}"),
                trust_doc(&partner),
                vec![invoke(&format!("{api}/*"))],
            ),
            18 => role(
                format!("chain-entry-{i}"),
                trust_doc(&partner),
                vec![format!(
                    r#"{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{}"}}"#,
                    role_arn(&format!("internal-{}", i - 4))
                )],
            ),
            _ => {
                let sub = if i % 40 == 19 {
                    r#","StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}"#
                } else {
                    ""
                };
                role(
                    format!("github-{i}"),
                    policy_doc(&[format!(
                        r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{OWNER}:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}{sub}}}}}"#
                    )]),
                    vec![invoke(&format!("{api}/prod/GET/*"))],
                )
            }
        };
        iam.roles.push(r);
    }
    for a in 0..3 {
        iam.roles.push(role(
            format!("admin-{a}"),
            trust_doc(&format!(r#"{{"AWS":"arn:aws:iam::{ADMIN_ACCOUNT}:root"}}"#)),
            vec![r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#.into()],
        ));
    }
    let mut inv = inventory(vec![owner]);
    inv.iam = vec![iam];
    inv.scope = ScanScope {
        iam: true,
        ..Default::default()
    };
    inv
}

// -------------------------------------------------------------------------------------------
// Stages.

/// Of two callers, an authenticated one from the internet and an anonymous one through a VPC
/// endpoint, how many `doc` lets in beyond the owner on `arn`.
fn callers_beyond_owner(doc: &PolicyDocument, arn: &str, ctx: &ReachContext) -> usize {
    [
        (CallerKind::Authenticated, Network::Public),
        (CallerKind::Anonymous, Network::PrivateVpce),
    ]
    .into_iter()
    .filter(|&(caller, network)| {
        let query = ReachQuery {
            resource_arn: arn,
            caller,
            mode: PolicyMode::AllowRequired,
            network,
        };
        policy::reach_of(doc, &query, ctx).reach.beyond_owner()
    })
    .count()
}

/// Four sizes, each twice the one before: a linear stage takes twice as long at each.
const fn doubling(first: usize) -> [usize; 4] {
    [first, first * 2, first * 4, first * 8]
}

/// The sizes of each stage's four runs.
struct Sizes {
    iam_roles: [usize; 4],
    iam_methods: [usize; 4],
    api: [usize; 4],
    policy_bytes: [usize; 4],
    policy_methods: usize,
    glob_len: [usize; 4],
    lbs: [usize; 4],
    render_findings: usize,
    reps: usize,
}

const FULL: Sizes = Sizes {
    iam_roles: doubling(1_000),
    iam_methods: doubling(1_000),
    api: doubling(1_250),
    policy_bytes: doubling(128 << 10),
    policy_methods: 300,
    glob_len: doubling(1_000),
    lbs: doubling(500),
    render_findings: 20_000,
    reps: 3,
};

const SMOKE: Sizes = Sizes {
    iam_roles: doubling(40),
    iam_methods: doubling(50),
    api: doubling(4),
    policy_bytes: doubling(4 << 10),
    policy_methods: 5,
    glob_len: doubling(50),
    lbs: doubling(8),
    render_findings: 200,
    reps: 1,
};

fn bench_api(sz: &Sizes, table: &mut Table) -> Inventory {
    let mut previous = None;
    let mut biggest = Inventory::default();
    for &n in &sz.api {
        let inv = api_estate(n);
        let methods: usize = inv.targets[0].rest_apis[0]
            .resources
            .iter()
            .map(|r| r.methods.len())
            .sum();
        reset_peak_rss();
        let (d, findings) = timed(sz.reps, || analysis::analyze(&inv));
        assert!(!findings.is_empty(), "the API estate has findings");
        table.push(
            "api: analyze REST API",
            format!("{n} res / {methods} methods"),
            d,
            methods,
            format!("{} findings", findings.len()),
            previous,
            peak_rss_kib(),
        );
        previous = Some(d);
        biggest = inv;
    }
    biggest
}

fn bench_iam(sz: &Sizes, table: &mut Table) {
    let mut previous = None;
    let trusted = analysis::AnalysisOptions {
        trusted_accounts: [ADMIN_ACCOUNT.to_string()].into(),
        ..Default::default()
    };
    for (&roles, &methods) in sz.iam_roles.iter().zip(&sz.iam_methods) {
        let inv = iam_estate(roles, methods);
        // The same estate with its IAM unread: what the direct verdicts cost on their own.
        let unread = Inventory {
            iam: vec![],
            ..inv.clone()
        };
        let (direct, _) = timed(sz.reps, || analysis::analyze_with(&unread, &trusted));
        reset_peak_rss();
        let (d, findings) = timed(sz.reps, || analysis::analyze_with(&inv, &trusted));
        let via_role = findings
            .iter()
            .filter(|f| f.rule_id.as_str().contains("-via-"))
            .count();
        assert!(via_role > 0, "the IAM estate has trust-path findings");
        table.push(
            "iam: trust paths",
            format!("{roles} roles × {methods} methods"),
            d,
            methods,
            format!("{via_role} findings; {} without IAM", human_time(direct)),
            previous,
            peak_rss_kib(),
        );
        previous = Some(d);
    }
}

fn bench_policy(sz: &Sizes, table: &mut Table) {
    let ctx_owner = |_: &str| None;
    let ctx = ReachContext {
        owner_account: OWNER,
        region: REGION,
        at: None,
        vpce_owner: &ctx_owner,
        vpc_owner: &ctx_owner,
        vpce_vpc: &ctx_owner,
    };
    let mut previous_parse = None;
    let mut previous_eval = None;
    let mut previous_universal = None;
    for &bytes in &sz.policy_bytes {
        let text = big_policy(bytes);
        reset_peak_rss();
        let (d, doc) = timed(sz.reps, || policy::parse_policy(&text));
        let doc = doc.expect("the big policy parses");
        // Methods spread over the statements' resources (statement k grants
        // `svc{k % 200}/res{k % 97}*`), three reads for every write.
        let arns: Vec<String> = (0..sz.policy_methods)
            .map(|i| {
                let k = (i * 13) % doc.statement_count();
                let verb = if i % 4 == 3 { "POST" } else { "GET" };
                format!(
                    "arn:aws:execute-api:{REGION}:{OWNER}:abc123/prod/{verb}/svc{}/res{}/{{id}}",
                    k % 200,
                    k % 97
                )
            })
            .collect();
        table.push(
            "policy: parse",
            format!(
                "{} / {} stmts",
                human_bytes(text.len()),
                doc.statement_count()
            ),
            d,
            doc.statement_count(),
            format!("{} statements", doc.statement_count()),
            previous_parse,
            peak_rss_kib(),
        );
        previous_parse = Some(d);

        reset_peak_rss();
        let evaluations = arns.len() * 2;
        let (d, wide) = timed(1, || {
            arns.iter()
                .map(|arn| callers_beyond_owner(&doc, arn, &ctx))
                .sum::<usize>()
        });
        assert!(wide > 0, "some method is let out by the big policy");
        table.push(
            "policy: evaluate (reach_of)",
            format!("{} x {evaluations} evals", human_bytes(text.len())),
            d,
            evaluations,
            format!("{wide} beyond owner"),
            previous_eval,
            peak_rss_kib(),
        );
        previous_eval = Some(d);

        // The worst case for one verdict: every statement covers the method, so every value
        // the policy names is a probe (up to the caps).
        let universal = policy::parse_policy(&big_policy_shaped(bytes, true))
            .expect("the universal policy parses");
        let arn = format!("arn:aws:execute-api:{REGION}:{OWNER}:abc123/prod/POST/svc1/res1/x");
        reset_peak_rss();
        let (d, wide) = timed(1, || callers_beyond_owner(&universal, &arn, &ctx));
        table.push(
            "policy: one verdict, all relevant",
            format!(
                "{} / {} stmts",
                human_bytes(bytes),
                universal.statement_count()
            ),
            d,
            2,
            format!("{wide} of 2 beyond owner"),
            previous_universal,
            peak_rss_kib(),
        );
        previous_universal = Some(d);
    }

    // Adversarial wildcards: `*a*a*a…*b` never matches a long run of `a`s but makes a naive
    // backtracking matcher exponential; the engine's matchers are O(pattern × text).
    let mut previous = None;
    for &len in &sz.glob_len {
        let pattern = format!("{}*b", "*a".repeat(len / 2));
        let path = "a".repeat(len);
        // The template ends in a literal `a`, so no value of `{id}` can end the path in `b`.
        let template = format!("{path}/{{id}}a");
        let arn = format!("arn:aws:execute-api:{REGION}:{OWNER}:abc123/prod/GET/{template}");
        let statement_resource = format!("execute-api:/prod/GET/{pattern}");
        let doc_text = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": statement_resource},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": statement_resource},
        ]})
        .to_string();
        let doc = policy::parse_policy(&doc_text).expect("parses");
        reset_peak_rss();
        let (d, matched) = timed(sz.reps, || {
            let g = policy::glob::glob(&pattern, &path, false);
            let may = policy::glob::may_match_template(&pattern, &template);
            let v = policy::reach_of(
                &doc,
                &ReachQuery {
                    resource_arn: &arn,
                    caller: CallerKind::Anonymous,
                    mode: PolicyMode::AllowRequired,
                    network: Network::Public,
                },
                &ctx,
            );
            (g, may, v.reach.beyond_owner())
        });
        assert_eq!(
            matched,
            (false, false, false),
            "`*a*a…*b` matches no `aaa…`"
        );
        table.push(
            "policy: wildcard *a*a…*b vs a…a",
            format!("pattern {len} / path {len}"),
            d,
            0,
            "no match (right)".into(),
            previous,
            peak_rss_kib(),
        );
        previous = Some(d);
    }

    // Hostile documents are errors, never panics.
    let over_limit = format!(
        "{{\"Statement\":[{}]}}",
        vec![r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#; 40_000].join(",")
    );
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut rejected = 0;
    let (d, _) = timed(1, || {
        for text in [
            over_limit.as_str(),
            nested.as_str(),
            "{\"Statement\":",
            "\u{0}",
        ] {
            rejected += policy::parse_policy(text).is_err() as usize;
        }
    });
    assert_eq!(rejected, 4, "hostile documents are rejected");
    table.push(
        "policy: hostile docs rejected",
        format!("{} / 100k-deep nesting", human_bytes(over_limit.len())),
        d,
        4,
        "4 of 4 errors, no panic".into(),
        None,
        peak_rss_kib(),
    );
}

fn bench_network(sz: &Sizes, table: &mut Table) -> Inventory {
    let biggest = network_stage(
        sz,
        table,
        "network: analyze region",
        |_| {},
        |findings| {
            let mut by_rule = std::collections::BTreeMap::<&str, usize>::new();
            for f in findings {
                *by_rule.entry(f.entry_point.label()).or_default() += 1;
            }
            format!(
                "{} findings ({} lb, {} pcx, {} svc)",
                findings.len(),
                by_rule.get("public_load_balancer").unwrap_or(&0),
                by_rule.get("vpc_peering").unwrap_or(&0),
                by_rule.get("privatelink").unwrap_or(&0)
            )
        },
    );
    // Failure cases: reads that failed make the analysis assume the worst, and must not make
    // it slower than linear. The targets of every internet-facing load balancer unread (one
    // DescribeTargetHealth error per target group): each may share targets with the private
    // backends of its VPCs, found through a VPC index rather than pair by pair.
    network_failure_stage(sz, table, "network: public LB targets unread", |t| {
        let mut errors = Vec::new();
        for lb in t
            .network
            .load_balancers
            .iter_mut()
            .filter(|l| l.scheme == "internet-facing")
        {
            lb.targets_read = false;
            for tg in &mut lb.target_groups {
                tg.targets.clear();
                errors.push(scan_error(
                    Operation::ElbDescribeTargetHealth,
                    Some(&tg.arn),
                ));
            }
        }
        t.errors.extend(errors);
    });
    // The instances unread: every instance target's subnet and groups are unknown, so each
    // peering × backend assumes the worst about every host (route tables found by VPC).
    network_failure_stage(sz, table, "network: instances unread", |t| {
        t.network.instances.clear();
        t.errors
            .push(scan_error(Operation::Ec2DescribeInstances, None));
    });
    biggest
}

fn scan_error(operation: Operation, resource: Option<&str>) -> overexposed::inventory::ScanError {
    overexposed::inventory::ScanError {
        operation: operation.into(),
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
        resource: resource.map(str::to_string),
    }
}

/// One network stage: the region estate at each size, changed by `prepare`, analysed; returns
/// the biggest estate (the render and snapshot stages reuse it).
fn network_stage(
    sz: &Sizes,
    table: &mut Table,
    stage: &'static str,
    prepare: impl Fn(&mut Target),
    describe: impl Fn(&[overexposed::model::Finding]) -> String,
) -> Inventory {
    let mut previous = None;
    let mut biggest = Inventory::default();
    for &n in &sz.lbs {
        let mut inv = network_estate(n);
        inv.targets.iter_mut().for_each(&prepare);
        reset_peak_rss();
        let (d, findings) = timed(sz.reps, || analysis::analyze(&inv));
        assert!(
            !findings.is_empty(),
            "{stage}: the network estate has findings"
        );
        table.push(
            stage,
            format!("{n} LBs"),
            d,
            n,
            describe(&findings),
            previous,
            peak_rss_kib(),
        );
        previous = Some(d);
        biggest = inv;
    }
    biggest
}

/// The network stage again on estates where `fail` removed what a failed read would have
/// brought; the findings must still come (at medium confidence), in linear time.
fn network_failure_stage(
    sz: &Sizes,
    table: &mut Table,
    stage: &'static str,
    fail: impl Fn(&mut Target),
) {
    network_stage(sz, table, stage, fail, |findings| {
        let medium = findings
            .iter()
            .filter(|f| f.confidence == Confidence::Medium)
            .count();
        assert!(
            medium > 0,
            "{stage}: assumptions give medium-confidence findings"
        );
        format!("{} findings ({medium} medium confidence)", findings.len())
    });
}

fn bench_render(sz: &Sizes, api: &Inventory, table: &mut Table) {
    let mut report = report::build_report(api, analysis::analyze(api));
    // Exactly the requested number of findings: repeat the estate's findings in more regions
    // when it has too few, cut when it has too many (order stays sorted by region).
    let base = report.findings.clone();
    assert!(!base.is_empty());
    let mut findings = Vec::with_capacity(sz.render_findings);
    let mut copy = 0;
    while findings.len() < sz.render_findings {
        for f in &base {
            if findings.len() == sz.render_findings {
                break;
            }
            let mut f = f.clone();
            if copy > 0 {
                f.region = format!("{REGION}-{copy}");
                f.fingerprint = format!("{}-{copy}", f.fingerprint);
            }
            findings.push(f);
        }
        copy += 1;
    }
    report.findings = findings;
    let n = report.findings.len();
    type Renderer = fn(&report::AuditReport) -> String;
    let renderers: [(&str, Renderer); 3] = [
        ("render: json", report::json::render_json),
        ("render: sarif", |r| report::sarif::render_sarif(r, None)),
        ("render: table", |r| report::table::render_table(r, false)),
    ];
    for (stage, render) in renderers {
        reset_peak_rss();
        let (d, out) = timed(sz.reps, || render(&report));
        assert!(out.len() > n, "{stage} wrote something per finding");
        table.push(
            stage,
            format!("{n} findings"),
            d,
            n,
            human_bytes(out.len()),
            None,
            peak_rss_kib(),
        );
    }
}

fn bench_snapshot(sz: &Sizes, api: Inventory, network: Inventory, table: &mut Table) {
    let mut inv = api;
    inv.targets.extend(network.targets);
    let text = serde_json::to_string(&inv).expect("serialises");
    drop(inv);
    reset_peak_rss();
    let (d, loaded) = timed(sz.reps, || {
        overexposed::inventory::Inventory::from_snapshot_json(&text)
    });
    let loaded = loaded.expect("the snapshot loads");
    let resources: usize = loaded
        .targets
        .iter()
        .flat_map(|t| &t.rest_apis)
        .map(|a| a.resources.len())
        .sum();
    let lbs: usize = loaded
        .targets
        .iter()
        .map(|t| t.network.load_balancers.len())
        .sum();
    table.push(
        "snapshot: from_snapshot_json",
        human_bytes(text.len()),
        d,
        0,
        format!("{resources} resources + {lbs} LBs"),
        None,
        peak_rss_kib(),
    );
    // Hostile snapshots are errors, never panics.
    let nested = format!(
        "{{\"snapshot_version\":1,\"targets\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(overexposed::inventory::Inventory::from_snapshot_json(&nested).is_err());
    assert!(
        overexposed::inventory::Inventory::from_snapshot_json(&text[..text.len() / 2]).is_err()
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sz = if full { &FULL } else { &SMOKE };
    let started = Instant::now();
    let rss_reset = reset_peak_rss();
    eprintln!(
        "overexposed scale benchmark ({} mode){}",
        if full { "full" } else { "smoke" },
        if rss_reset {
            ""
        } else {
            "; peak RSS is process-wide (clear_refs not allowed)"
        }
    );
    let mut table = Table::default();
    let api = bench_api(sz, &mut table);
    bench_policy(sz, &mut table);
    let network = bench_network(sz, &mut table);
    bench_render(sz, &api, &mut table);
    bench_snapshot(sz, api, network, &mut table);
    bench_iam(sz, &mut table);
    let total = started.elapsed();
    if full {
        println!();
        print!("{}", table.render());
        println!(
            "\ngrowth: time against the previous size in the same stage (each size doubles: x2 is linear, x4 quadratic)."
        );
        println!(
            "peak RSS: VmHWM of the stage ({}).",
            if rss_reset {
                "reset before each stage"
            } else {
                "process-wide; the kernel refused a reset"
            }
        );
        println!(
            "total {} (process peak {})",
            human_time(total),
            mib(peak_rss_kib())
        );
    } else {
        println!(
            "scale smoke: {} stages ran in {}, nothing panicked (run `cargo bench --bench scale` for figures)",
            table.rows.len(),
            human_time(total)
        );
    }
}
