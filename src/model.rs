//! The vocabulary of a verdict: who can reach an entry point, how callers authenticate, how
//! bad a finding is, and the finding itself. Shared by analysis and every renderer.

use crate::rules::RuleId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who can reach an entry point, from widest to narrowest. The ordering is by width: a
/// greater value is a wider reach (`Internet` > `Owner`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reach {
    /// Only principals/networks of the owner account.
    Owner,
    /// Named external accounts (sorted, deduplicated). An id of `unknown` stands for a network
    /// source (a VPC endpoint or VPC) outside the audited estate whose owner we cannot name.
    Accounts { accounts: Vec<String> },
    /// Principals of an AWS Organization (`o-…`), possibly narrowed by org paths.
    Organization { org_ids: Vec<String> },
    /// Any authenticated principal of any AWS account, or any account's VPC endpoint.
    AnyAwsAccount,
    /// Anyone on the internet, but only from the listed source addresses.
    InternetIpRestricted { cidrs: Vec<String> },
    /// Anyone on the internet.
    Internet,
    /// Principals outside the owner account who can become a role of the owner that can call
    /// the entry point: `through` says who they are, `roles` by which roles.
    ViaRole {
        through: Box<Reach>,
        roles: Vec<RolePath>,
    },
}

/// How outsiders become a caller: the roles they assume in turn, who the first one trusts, and
/// the statements that grant each step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RolePath {
    /// The roles assumed in turn (ARNs); the last one calls the entry point.
    pub chain: Vec<String>,
    /// Who the first role's trust policy lets in, as it names them (account ids, principal
    /// ARNs, `*`, identity provider ARNs).
    pub trusted: Vec<String>,
    /// The statement of the first role's trust policy that lets them in (`Sid`, or `#<index>`).
    pub trust_statement: String,
    /// The statements that let the last role call: `<policy>/<Sid>` of its own policies, or
    /// `resource-policy/<Sid>`.
    pub permission_statements: Vec<String>,
}

impl RolePath {
    /// `role/a->role/b`: the chain by the roles' names.
    pub fn label(&self) -> String {
        self.chain
            .iter()
            .map(|arn| format!("role/{}", role_name(arn)))
            .collect::<Vec<_>>()
            .join("->")
    }
}

/// The name of a role from its ARN (`arn:aws:iam::1:role/path/name` → `name`).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Reach {
    /// Width rank used to pick the widest of several reaches.
    pub fn width(&self) -> u8 {
        match self {
            Reach::Owner => 0,
            Reach::Accounts { .. } => 1,
            Reach::Organization { .. } => 2,
            Reach::AnyAwsAccount => 3,
            Reach::InternetIpRestricted { .. } => 4,
            Reach::Internet => 5,
            Reach::ViaRole { through, .. } => through.width(),
        }
    }

    pub fn beyond_owner(&self) -> bool {
        !matches!(self, Reach::Owner)
    }

    /// The wider of two reaches; of two of the same width, one reach naming the members of
    /// both (accounts, organizations, address ranges, sorted and deduplicated).
    pub fn widest(self, other: Reach) -> Reach {
        fn union(mut x: Vec<String>, y: Vec<String>) -> Vec<String> {
            x.extend(y);
            x.sort();
            x.dedup();
            x
        }
        match self.width().cmp(&other.width()) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal => match (self, other) {
                (Reach::Accounts { accounts: x }, Reach::Accounts { accounts: y }) => {
                    Reach::Accounts {
                        accounts: union(x, y),
                    }
                }
                (Reach::Organization { org_ids: x }, Reach::Organization { org_ids: y }) => {
                    Reach::Organization {
                        org_ids: union(x, y),
                    }
                }
                (
                    Reach::InternetIpRestricted { cidrs: x },
                    Reach::InternetIpRestricted { cidrs: y },
                ) => Reach::InternetIpRestricted { cidrs: union(x, y) },
                (a, _) => a,
            },
        }
    }

    /// The stable string form used in JSON (`reach`) and tables:
    /// `internet`, `internet_ip_restricted:[…]`, `any_aws_account`, `organization:o-…`,
    /// `accounts:[…]`, `owner`; a reach through roles adds ` via role/…` (see
    /// [`RolePath::label`]).
    pub fn label(&self) -> String {
        match self {
            Reach::Owner => "owner".into(),
            Reach::Accounts { accounts } => format!("accounts:[{}]", accounts.join(",")),
            Reach::Organization { org_ids } => format!("organization:{}", org_ids.join(",")),
            Reach::AnyAwsAccount => "any_aws_account".into(),
            Reach::InternetIpRestricted { cidrs } => {
                format!("internet_ip_restricted:[{}]", cidrs.join(","))
            }
            Reach::Internet => "internet".into(),
            Reach::ViaRole { through, roles } => format!(
                "{} via {}",
                through.label(),
                roles
                    .iter()
                    .map(RolePath::label)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// How callers of an entry point are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    None,
    /// An API key identifies a caller; it does not authenticate one.
    ApiKeyOnly,
    AwsIam,
    Cognito,
    LambdaAuthorizer,
    Jwt,
    /// PrivateLink, peering and load balancers carry no HTTP-level auth at all.
    NetworkOnly,
    /// Not decided: the API's methods were not judged (its resource policy could not be
    /// evaluated).
    Unknown,
}

impl Auth {
    /// True when nothing proves who the caller is.
    pub fn is_unauthenticated(self) -> bool {
        matches!(self, Auth::None | Auth::ApiKeyOnly | Auth::NetworkOnly)
    }

    pub fn label(self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::ApiKeyOnly => "api_key_only",
            Auth::AwsIam => "aws_iam",
            Auth::Cognito => "cognito",
            Auth::LambdaAuthorizer => "lambda_authorizer",
            Auth::Jwt => "jwt",
            Auth::NetworkOnly => "network_only",
            Auth::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How sure a verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The verdict relied on something the engine could not fully evaluate (an unknown
    /// condition key, a read that failed and was assumed to let the caller through, …).
    Medium,
    High,
}

impl Confidence {
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The kind of door into a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryPoint {
    ApiGatewayRest,
    ApiGatewayHttp,
    Privatelink,
    VpcPeering,
    PublicLoadBalancer,
    TransitGateway,
    ApiGatewayWebsocket,
    VpcLattice,
}

impl EntryPoint {
    pub fn label(self) -> &'static str {
        match self {
            EntryPoint::ApiGatewayRest => "api_gateway_rest",
            EntryPoint::ApiGatewayHttp => "api_gateway_http",
            EntryPoint::Privatelink => "privatelink",
            EntryPoint::VpcPeering => "vpc_peering",
            EntryPoint::PublicLoadBalancer => "public_load_balancer",
            EntryPoint::TransitGateway => "transit_gateway",
            EntryPoint::ApiGatewayWebsocket => "api_gateway_websocket",
            EntryPoint::VpcLattice => "vpc_lattice",
        }
    }
}

/// Verbs that change state. `ANY` and network-level paths let every verb through, so they
/// count as writes too.
pub fn is_write_verb(verb: &str) -> bool {
    matches!(
        verb.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH" | "DELETE" | "ANY" | "*"
    )
}

/// One over-exposed entry point. Method-level findings are one per (API, stage or all
/// stages, method, path); network findings one per (entry point, exposed backend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: RuleId,
    pub severity: Severity,
    pub title: String,
    /// One paragraph: the entry point, who can reach it, by which path, why it matters.
    pub message: String,
    pub account_id: String,
    pub region: String,
    pub resource_arn: String,
    pub entry_point: EntryPoint,
    /// REST/HTTP API id, when the entry point is an API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    /// Stage name, or `*` when the verdict holds for every deployed stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// HTTP verb as API Gateway has it (`POST`, `ANY`), or `*` for network paths.
    pub method: String,
    /// Resource path (`/orders/{id}`), or `*` for network paths.
    pub path: String,
    /// Stable string form of [`Reach`] (`internet`, `accounts:[…]`, …).
    pub reach: String,
    /// Structured reach, for consumers that want the parts.
    pub reach_detail: Reach,
    pub auth: Auth,
    pub write: bool,
    pub remediation: String,
    /// Stable across runs: hash of rule id and the resource identity (not of the message).
    pub fingerprint: String,
    pub confidence: Confidence,
    /// Extra facts that explain the verdict (policy statements that matched, backend, bypassed
    /// methods, attached web ACL, …). Sorted keys.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub evidence: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Finding {
    /// The short name of the resource a network finding is about: a load balancer's name
    /// (`…:loadbalancer/app/<name>/<id>`; names are unique per account and region), else the
    /// last segment of the ARN (`vpce-svc-…`, `pcx-…`).
    pub fn resource_short_name(&self) -> &str {
        let arn = self.resource_arn.as_str();
        if let Some((_, rest)) = arn.split_once(":loadbalancer/") {
            if let Some(name) = rest.split('/').nth(1) {
                return name;
            }
        }
        arn.rsplit(['/', ':']).next().unwrap_or(arn)
    }

    /// Sort key for deterministic output: account, region, rule severity (worst first),
    /// resource, stage, path, method.
    pub fn sort_key(
        &self,
    ) -> (
        &str,
        &str,
        std::cmp::Reverse<Severity>,
        RuleId,
        &str,
        &str,
        &str,
        &str,
    ) {
        (
            &self.account_id,
            &self.region,
            std::cmp::Reverse(self.severity),
            self.rule_id,
            &self.resource_arn,
            self.stage.as_deref().unwrap_or_default(),
            &self.path,
            &self.method,
        )
    }

    /// Orders findings by [`Finding::sort_key`].
    pub fn by_sort_key(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        a.sort_key().cmp(&b.sort_key())
    }
}

/// A stable fingerprint: SHA-256 of the parts joined by the unit separator, hex, 32 chars.
/// Built from a finding's identity (rule, account, region, resource, stage, method, path),
/// never from its message, so it survives wording changes and dedupes across runs.
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // The parts joined with U+001F, hashed as they come (no joined copy: every finding has one).
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update("\u{1f}".as_bytes());
        }
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hex: Vec<u8> = digest
        .iter()
        .take(16)
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .collect();
    String::from_utf8(hex).expect("hex digits are ASCII")
}

#[cfg(test)]
mod tests;
