//! The inventory: plain serde structs describing everything `collect` read from AWS.
//!
//! This is the boundary of the pipeline (see `../shared/docs/architecture.md`): the `aws`
//! module converts SDK answers into these types and nothing downstream ever sees an SDK type.
//! The inventory round-trips through JSON, so `overexposed collect` writes a snapshot and
//! `overexposed analyze` audits one offline, and unit tests build estates without a network.
//!
//! Collections are `Vec`s sorted by their natural id when collected, and every map is a
//! `BTreeMap`, so a snapshot serialises deterministically.

use crate::operation::Operation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod merge;
mod parse;
mod shard;
pub use merge::{merge, MergeError};
pub use shard::{shard_of, Shard, ShardSpec, MAX_SHARDS};

/// Version of the snapshot format; bumped on an incompatible change.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub snapshot_version: u32,
    pub started_at: String,
    pub finished_at: String,
    /// One entry per account × region that was planned, whether or not it could be read.
    pub targets: Vec<Target>,
    /// Accounts that were planned but could not be entered at all (AssumeRole failed).
    /// Their regions are not listed in `targets`.
    pub account_failures: Vec<AccountFailure>,
    /// Accounts deliberately not scanned (e.g. suspended members of an organization), with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_accounts: Vec<SkippedAccount>,
    /// Logical read calls made, keyed `service:Operation` (e.g. `apigateway:GetResources`).
    pub api_calls: BTreeMap<String, u64>,
    /// What kinds of entry point were read. A snapshot without it predates the field and is
    /// taken for a full scan of what existed then (VPC Lattice did not).
    #[serde(default = "ScanScope::before_lattice")]
    pub scope: ScanScope,
    /// The IAM roles of each scanned account (IAM is global: read once per account). Empty in
    /// snapshots that predate it, whose `scope.iam` is false: no verdict rests on roles then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iam: Vec<IamAccount>,
    /// Which shard of a scan cut into shards (`--shard K/N`) this snapshot is, and the plan it
    /// was cut from; `None` for a whole scan or a merge of shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Planned targets not read yet: this snapshot is a checkpoint of a scan that was still
    /// running (or was stopped). They make the scan incomplete; `collect --resume` reads them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreached: Vec<TargetRef>,
}

/// One account × region, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TargetRef {
    pub account_id: String,
    pub region: String,
}

/// What a scan covered: which kinds of entry point it read, and how its accounts and regions
/// were chosen. A scan can be complete within a narrower scope (`--no-network`, `--regions`);
/// the scope says so, so that such a scan never passes for a full one, and SARIF uploads of
/// different scopes never close each other's alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanScope {
    /// REST and HTTP APIs (always read today).
    pub api_gateway: bool,
    /// PrivateLink, VPC peering and internet-facing load balancers (off with `--no-network`).
    pub network: bool,
    /// The accounts are every active account of the organization (`--organization`): the
    /// scope stays the same as accounts join and leave.
    #[serde(default)]
    pub organization: bool,
    /// The regions given with `--regions` (sorted); `None`: every enabled region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// VPC Lattice services and service networks (read with the network inventory). False in
    /// snapshots that predate it: their Lattice services were never judged, and the reports
    /// say so.
    #[serde(default)]
    pub lattice: bool,
    /// IAM roles were read, so who can become a caller of an IAM-authenticated method is
    /// judged. False (and not written) in snapshots that predate it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub iam: bool,
    /// The organization's account ids (`--organization`: every account it listed, suspended
    /// ones included): principals of these accounts are inside, not outside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_accounts: Vec<String>,
    /// The organization's id (`o-…`), from the account ARNs `--organization` listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
}

impl Default for ScanScope {
    fn default() -> Self {
        ScanScope {
            api_gateway: true,
            network: true,
            organization: false,
            regions: None,
            lattice: true,
            iam: false,
            organization_accounts: Vec::new(),
            organization_id: None,
        }
    }
}

impl ScanScope {
    /// The scope of a snapshot that predates the field: every kind of entry point of its day,
    /// which did not include VPC Lattice.
    pub fn before_lattice() -> ScanScope {
        ScanScope {
            lattice: false,
            ..ScanScope::default()
        }
    }

    /// Every kind of entry point was read (whatever accounts and regions).
    pub fn is_full(&self) -> bool {
        self.api_gateway && self.network
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedAccount {
    pub account_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountFailure {
    pub account_id: String,
    pub error: ScanError,
}

/// Whether a target was read in full. Anything but `Complete` makes the scan incomplete and
/// the exit code 2: an incomplete scan is never presented as clean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    #[default]
    Complete,
    /// Some reads failed; what was read is kept and analysed.
    Partial,
    /// Nothing useful could be read (e.g. the region is not enabled, endpoint unreachable).
    Failed,
}

/// A failed read: which call, on what, and the AWS error code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanError {
    /// `service:Operation`, e.g. `apigateway:GetStages` (an [`Operation`]'s name, or
    /// [`crate::operation::SCAN_TARGET_STEP`]). Text, so a snapshot of any version loads.
    pub operation: String,
    /// AWS error code (`AccessDeniedException`, `ThrottlingException`, …) or a transport class
    /// (`Timeout`, `DispatchFailure`, `MalformedResponse`).
    pub code: String,
    pub message: String,
    /// The resource the call was about, when it was about one (e.g. a REST API id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl ScanError {
    /// Whether this is a failed call of `operation`.
    pub fn is(&self, operation: Operation) -> bool {
        self.operation == operation.as_str()
    }

    /// The AWS operation that failed; `None` for the auditor's own steps (and for a name this
    /// version does not call).
    pub fn aws_operation(&self) -> Option<Operation> {
        Operation::parse(&self.operation)
    }
}

/// Something worth telling that changes no verdict (e.g. an enrichment call the emulator or
/// the account does not support).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notification {
    pub operation: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// Everything read from one account in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub account_id: String,
    pub region: String,
    pub status: TargetStatus,
    #[serde(default)]
    pub errors: Vec<ScanError>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
    #[serde(default)]
    pub rest_apis: Vec<RestApi>,
    #[serde(default)]
    pub http_apis: Vec<HttpApi>,
    /// REST API (v1) VPC links.
    #[serde(default)]
    pub vpc_links: Vec<VpcLink>,
    /// HTTP API (v2) VPC links, read only when some HTTP API integration goes through one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_vpc_links: Vec<HttpVpcLink>,
    /// The AWS Cloud Map services HTTP API integrations reach through v2 VPC links, with their
    /// instances: read (with the network inventory) only for those services. A service an
    /// integration names that is missing here was not read (a snapshot older than this read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloud_map_services: Vec<CloudMapService>,
    /// Custom domain names and the API stages mapped under them. Read only when some API in
    /// the target disables its default `execute-api` endpoint (then a domain is the only way in).
    #[serde(default)]
    pub custom_domains: Vec<CustomDomain>,
    #[serde(default)]
    pub network: Network,
    /// VPC Lattice services and service networks, read with the network inventory (see
    /// `scope.lattice` for whether they were read at all).
    #[serde(default, skip_serializing_if = "Lattice::is_empty")]
    pub lattice: Lattice,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomDomain {
    pub domain_name: String,
    pub mappings: Vec<ApiMapping>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiMapping {
    pub api_id: String,
    pub stage: String,
    #[serde(default)]
    pub base_path: String,
}

/// API Gateway REST API (v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    /// `EDGE`, `REGIONAL`, `PRIVATE`.
    pub endpoint_types: Vec<String>,
    /// VPC endpoint ids bound to a private API (`endpointConfiguration.vpcEndpointIds`).
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
    /// The resource policy text exactly as AWS returned it (plain or backslash-escaped JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// `HEADER` or `AUTHORIZER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_source: Option<String>,
    #[serde(default)]
    pub resources: Vec<ApiResource>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    /// True when some reads about this API failed; findings that were proven are still kept.
    #[serde(default)]
    pub partial: bool,
    /// The deployments its stages and canaries serve, each read once (`GetDeployment`). A
    /// deployment a stage names that is missing here was not read: the target's errors say
    /// whether the read failed; a snapshot older than these reads has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<Deployment>,
}

/// A REST API deployment: the snapshot of the API that a stage (or its canary) serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    /// What callers hit, per path and verb (`GetDeployment` with `embed=apisummary`); `None`
    /// when AWS answered without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_summary: Option<BTreeMap<String, BTreeMap<String, DeployedMethod>>>,
}

/// How a deployment serves one method: the two facts its API summary gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedMethod {
    /// `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    #[serde(default)]
    pub api_key_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiResource {
    pub id: String,
    /// e.g. `/orders/{id}`.
    pub path: String,
    pub methods: Vec<RestMethod>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestMethod {
    /// HTTP verb as API Gateway has it: `GET`, `POST`, `ANY`, …
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    #[serde(default)]
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// `HTTP`, `HTTP_PROXY`, `AWS`, `AWS_PROXY`, `MOCK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<String>,
    /// `INTERNET` or `VPC_LINK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// VPC link id when `connection_type` is `VPC_LINK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// WAFv2 web ACL associated with this stage, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl_arn: Option<String>,
    /// A REST stage's canary: another deployment served to a share of its traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
}

/// A canary release on a REST stage (`canarySettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// The share of the stage's traffic it serves (0.0–100.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_traffic: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// REST: `TOKEN`, `REQUEST`, `COGNITO_USER_POOLS`; HTTP: `REQUEST`, `JWT`.
    pub authorizer_type: String,
}

/// REST API VPC link (v1): targets are NLB ARNs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcLink {
    pub id: String,
    pub name: String,
    pub target_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// API Gateway HTTP API (v2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpApi {
    pub id: String,
    pub name: String,
    /// `HTTP` or `WEBSOCKET`.
    pub protocol_type: String,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub routes: Vec<HttpRoute>,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    #[serde(default)]
    pub partial: bool,
    /// The API's integrations (`GetIntegrations`); `None` when they were not read (no routes,
    /// a failed read, or a snapshot older than these reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrations: Option<Vec<HttpIntegration>>,
}

/// An integration of an HTTP or WebSocket API: where its routes send requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpIntegration {
    pub id: String,
    /// `HTTP_PROXY`, `AWS_PROXY`, `HTTP`, `AWS`, `MOCK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<String>,
    /// `INTERNET` or `VPC_LINK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// The VPC link id when `connection_type` is `VPC_LINK`: a v2 link for HTTP APIs, a REST
    /// (v1) link for WebSocket APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Through a VPC link, an ALB/NLB listener ARN or a Cloud Map service ARN (HTTP APIs), or
    /// a URL (WebSocket APIs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpRoute {
    pub id: String,
    /// `GET /orders/{id}`, `ANY /{proxy+}`, `$default`.
    pub route_key: String,
    /// `NONE`, `AWS_IAM`, `JWT`, `CUSTOM`.
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    /// Where the route sends requests: `integrations/<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// HTTP API VPC link (v2): the subnets and security groups its private integrations leave
/// from; the integration names the listener or Cloud Map service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpVpcLink {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// An AWS Cloud Map service an HTTP API integration reaches through a v2 VPC link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloudMapService {
    /// `arn:aws:servicediscovery:<region>:<account>:service/srv-…`, as the integration names it.
    pub arn: String,
    /// `srv-…`.
    pub id: String,
    /// The registered instances (`ListInstances`); `None` when they could not be read (the
    /// target's errors say why): which backend the routes reach is then unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Vec<CloudMapInstance>>,
}

/// A Cloud Map service instance: the address API Gateway sends requests to. Only the
/// attributes AWS defines for addressing are kept (custom attributes are the owner's data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloudMapInstance {
    /// The instance's id in the service (any string the registrant chose; an ECS task id).
    pub id: String,
    /// `AWS_INSTANCE_IPV4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<String>,
    /// `AWS_INSTANCE_PORT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `AWS_EC2_INSTANCE_ID`: an EC2 instance registered by its id (Cloud Map then fills
    /// `AWS_INSTANCE_IPV4` with its primary private address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_instance_id: Option<String>,
    /// `ECS_SERVICE_NAME`, for an ECS task registered by ECS service discovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_service: Option<String>,
}

/// Network inventory (issue 3): EC2, ELBv2 and WAF facts of one account × region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    #[serde(default)]
    pub endpoint_services: Vec<EndpointService>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub peerings: Vec<VpcPeering>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub instances: Vec<Instance>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    /// VPC ids and their CIDRs, used to resolve `aws:SourceVpc` and peering sides.
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    /// Network interfaces holding the addresses of IP targets that are not instances (their
    /// subnet and security groups decide whether a peer can reach them). Read only for those.
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    /// Managed prefix lists named by security group rules or routes that some verdict depends
    /// on (see `aws::network`), with their entries when they could be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_lists: Vec<PrefixList>,
    /// Transit Gateway attachments, and the route tables of the transit gateways this account
    /// owns where a verdict depends on them (see `aws::transit`). `None`: the attachments were
    /// not read (a snapshot older than them, or the listing failed: the target's errors say
    /// which), so whatever a route to a transit gateway leads to is unknown, never "nothing".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit: Option<Transit>,
}

/// What one account × region reads of its transit gateways.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transit {
    /// The attachments this account sees: its own, on any transit gateway (one shared with it
    /// through AWS RAM included), and every attachment of the transit gateways it owns.
    pub attachments: Vec<TgwAttachment>,
    /// The transit gateways this account owns whose route tables were wanted (some attachment
    /// is another account's VPC, or a peering with another transit gateway).
    #[serde(default)]
    pub gateways: Vec<OwnedTransitGateway>,
}

/// A transit gateway attachment (`tgw-attach-…`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TgwAttachment {
    pub id: String,
    pub transit_gateway_id: String,
    pub transit_gateway_owner_id: String,
    /// `vpc`, `peering` (another transit gateway), `vpn`, `direct-connect-gateway`, `connect`, …
    pub resource_type: String,
    /// The VPC id of a VPC attachment; the other transit gateway's id of a peering.
    pub resource_id: String,
    /// The account owning the resource (as AWS says it: the emulator says the transit gateway's
    /// owner even for another account's VPC).
    pub resource_owner_id: String,
    /// `available`, `pendingAcceptance`, `deleted`, …
    pub state: String,
    /// The transit gateway route table the attachment is associated with: the table that
    /// routes the traffic coming in through it. `None`: not associated with any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
}

/// A transit gateway of this account, with its route tables (`None` when they could not be
/// listed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnedTransitGateway {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_tables: Option<Vec<TgwRouteTable>>,
}

/// A transit gateway route table (`tgw-rtb-…`). Each fact is `None` when it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TgwRouteTable {
    pub id: String,
    /// The attachments propagating their routes (their VPCs' CIDRs) into this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagations: Option<Vec<String>>,
    /// Static and propagated routes, active or blackhole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<TgwRoute>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TgwRoute {
    /// IPv4 or IPv6 destination; empty when the destination is a prefix list.
    pub destination_cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
    /// The attachments it sends traffic to (several: equal-cost paths). Empty on a blackhole,
    /// and on the emulator's static routes, which come back without theirs.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    /// `static` or `propagated`.
    pub route_type: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// A managed prefix list (`pl-…`), customer-managed or AWS-managed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrefixList {
    pub id: String,
    /// e.g. `com.amazonaws.global.cloudfront.origin-facing`; `None` when it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `AWS` for AWS-managed lists, else the owning account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The CIDRs of the list; `None` when they were not read or could not be (analysis then
    /// assumes the widest and lowers its confidence, never narrows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// Private IPv4 and IPv6 addresses.
    pub private_ips: Vec<String>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vpc {
    pub id: String,
    /// IPv4 and IPv6 CIDRs.
    pub cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointService {
    pub service_id: String,
    pub service_name: String,
    pub acceptance_required: bool,
    pub network_load_balancer_arns: Vec<String>,
    #[serde(default)]
    pub gateway_load_balancer_arns: Vec<String>,
    /// Allowed principals: `*`, `arn:aws:iam::<acct>:root`, role/user ARNs, organization or
    /// OU ARNs (`arn:aws:organizations::<mgmt>:organization/o-…`, `…:ou/o-…/ou-…`).
    pub allowed_principals: Vec<String>,
    /// `PrincipalType` of each allowed principal (`All`, `Account`, `OrganizationUnit`,
    /// `Role`, `User`, `Service`), when AWS gave it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub principal_types: BTreeMap<String, String>,
    /// Accounts that have an endpoint connected (or pending) right now, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_accounts: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`.
    pub endpoint_type: String,
    pub owner_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcPeering {
    pub id: String,
    pub status: String,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeeringSide {
    pub owner_id: String,
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// IPv4 and IPv6 CIDRs of the side's VPC.
    pub cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    /// Subnets explicitly associated with this table (associations in state `associated`).
    pub subnet_ids: Vec<String>,
    /// True for the VPC's main table (it serves subnets with no explicit association).
    pub main: bool,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// IPv4 or IPv6 destination; empty when the destination is a prefix list.
    pub destination_cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// The destination when it is a managed prefix list (`pl-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
    /// Any other target (transit gateway, NAT gateway, interface, instance, …): a more
    /// specific route to it takes the traffic away from a peering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub vpc_id: String,
    pub ingress: Vec<IngressRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngressRule {
    /// `-1` for all protocols, else `tcp`, `udp`, …
    pub protocol: String,
    /// Inclusive port range; `None` means all ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default)]
    pub cidrs: Vec<String>,
    /// Source security groups (`sg-…`), possibly in a peer account.
    #[serde(default)]
    pub source_group_ids: Vec<String>,
    /// What AWS says about each source group (`UserIdGroupPair`): its owner, VPC and the
    /// peering a cross-VPC reference goes through. Absent in older snapshots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_groups: Vec<GroupRef>,
    /// Source managed prefix lists (`pl-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<String>,
}

/// A security group named as the source of a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub group_id: String,
    /// The account owning the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr_block: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `network`, `application`, `gateway` (trust this, not the ARN's shape).
    pub lb_type: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub vpc_id: String,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// The DNS name; a VPC_LINK integration's URI usually names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    /// Listeners, when they were read (only where a verdict depends on listener ports: see
    /// `aws::network`). `listeners_read = false` means "unknown", not "none".
    pub listeners: Vec<Listener>,
    #[serde(default)]
    pub listeners_read: bool,
    /// Target groups attached to this load balancer, with their registered targets when
    /// `targets_read` (targets are read only where some verdict compares them).
    pub target_groups: Vec<TargetGroup>,
    #[serde(default)]
    pub targets_read: bool,
    /// WAFv2 web ACL associated with this load balancer, when any (ALBs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl_arn: Option<String>,
    /// The error code when the web ACL lookup failed: `web_acl_arn` is then unknown, not
    /// "none".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub arn: String,
    pub port: i32,
    pub protocol: String,
    /// Target groups this listener forwards to (default actions).
    pub target_group_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    /// `instance`, `ip`, `lambda`, `alb`.
    pub target_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default)]
    pub vpc_id: String,
    pub targets: Vec<LbTarget>,
    /// `TCP`, `TLS`, `UDP`, `TCP_UDP`, `HTTP`, `HTTPS`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The `preserve_client_ip.enabled` attribute, when it was read (only for NLB target
    /// groups where a peering verdict depends on it); `None`: AWS's default for the target
    /// type and protocol applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_client_ip: Option<bool>,
    /// The error code when the attributes could not be read (preservation is then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LbTarget {
    /// Instance id, IP address, or (target type `alb`) the ARN of an Application Load Balancer.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `all` for an IP target outside the target group's VPC (e.g. in a peered VPC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

/// VPC Lattice facts of one account × region: the services it owns, the service networks it
/// owns or that other accounts share with it, and the target groups behind its services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lattice {
    #[serde(default)]
    pub services: Vec<LatticeService>,
    #[serde(default)]
    pub service_networks: Vec<ServiceNetwork>,
    #[serde(default)]
    pub target_groups: Vec<LatticeTargetGroup>,
}

impl Lattice {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
            && self.service_networks.is_empty()
            && self.target_groups.is_empty()
    }
}

/// A VPC Lattice service of this account. A read that failed leaves its field `None` and
/// names itself in the target's errors (operation and service id): analysis then assumes the
/// widest, never "none".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatticeService {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// `NONE` or `AWS_IAM` (`GetService`: the listing does not carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    /// The auth policy exactly as returned; `None`: none attached (or not read, see above).
    /// Read only when `auth_type` is `AWS_IAM` (with `NONE` a policy is inactive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_policy: Option<String>,
    /// The resource policy AWS RAM writes when the service is shared: who may associate it
    /// with their own service networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// The service networks the service is associated with, its own or other accounts'.
    #[serde(default)]
    pub network_associations: Vec<LatticeServiceAssociation>,
}

/// A service's association with a service network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatticeServiceAssociation {
    pub id: String,
    pub network_id: String,
    /// The network's ARN (its account is the network's owner); the emulator leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_name: Option<String>,
    /// `ACTIVE`, `CREATE_IN_PROGRESS`, `DELETE_IN_PROGRESS`, `CREATE_FAILED`, `DELETE_FAILED`.
    pub status: String,
}

/// A VPC Lattice service network this account owns or that another account shares with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceNetwork {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// Whether its details below were read: only for the networks this account owns (a
    /// shared network's owner holds them, and is judged from its own target when audited).
    #[serde(default)]
    pub details_read: bool,
    /// `NONE` or `AWS_IAM` (`GetServiceNetwork`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    /// As for a service: read only with `AWS_IAM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_policy: Option<String>,
    /// Who the network is shared with: they may associate their own VPCs with it at will.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// The VPCs associated with the network: clients in them reach every service in it.
    #[serde(default)]
    pub vpc_associations: Vec<LatticeVpcAssociation>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatticeVpcAssociation {
    pub id: String,
    pub vpc_id: String,
    /// The account that created the association, which on AWS owns the VPC (only a VPC's
    /// owner can associate it); the emulator says `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub status: String,
}

/// A VPC Lattice target group, with the services that route to it and its targets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatticeTargetGroup {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// `INSTANCE`, `IP`, `ALB` or `LAMBDA`.
    pub target_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The services whose listeners or rules forward to it.
    #[serde(default)]
    pub service_arns: Vec<String>,
    /// Registered targets (instance id, IP address or ALB ARN), when `targets_read`.
    #[serde(default)]
    pub targets: Vec<LbTarget>,
    #[serde(default)]
    pub targets_read: bool,
}

/// The IAM roles of one account and the managed policies they use, from
/// `iam:GetAccountAuthorizationDetails` (IAM is global: one listing per account).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IamAccount {
    pub account_id: String,
    /// Whether the listing was read to its end. A listing cut short keeps the roles it read;
    /// what they prove stands, and the scan is incomplete.
    pub status: TargetStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ScanError>,
    #[serde(default)]
    pub roles: Vec<IamRole>,
    /// The managed policies (customer and AWS managed) that some role attaches or takes as
    /// its permissions boundary, with their default version's document.
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    /// The trust policy exactly as IAM returned it (URL-encoded on real AWS, plain JSON from
    /// some emulators).
    pub trust_policy: String,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_arn: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InlinePolicy {
    pub name: String,
    /// As IAM returned it (URL-encoded on real AWS).
    pub document: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's document as IAM returned it; `None` when the listing gave none
    /// (the policy is then taken as allowing everything: a verdict never narrows on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// The AWS-managed prefix list of CloudFront's origin-facing addresses: admitting it admits
/// anyone on the internet, through any CloudFront distribution.
pub const CLOUDFRONT_ORIGIN_FACING: &str = "com.amazonaws.global.cloudfront.origin-facing";

impl PrefixList {
    /// The AWS-managed CloudFront origin-facing list (by name, and AWS's ownership when known).
    pub fn is_cloudfront_origin_facing(&self) -> bool {
        self.name.as_deref() == Some(CLOUDFRONT_ORIGIN_FACING)
            && self.owner_id.as_deref().is_none_or(|o| o == "AWS")
    }
}

impl TargetGroup {
    /// Client IP preservation of an NLB target group can be switched only for TCP and TLS
    /// (UDP, TCP_UDP, QUIC and TCP_QUIC always preserve it), and only for instance and IP
    /// targets.
    pub fn preservation_configurable(&self) -> bool {
        let proto_ok = self
            .protocol
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case("TCP") || p.eq_ignore_ascii_case("TLS"));
        proto_ok && matches!(self.target_type.as_str(), "instance" | "ip")
    }
}

impl TgwAttachment {
    /// Whether traffic goes through it: available, being modified, or created and about to
    /// be (an attachment awaiting the owner's acceptance, failed or deleted carries none). A
    /// state left out is taken to carry traffic.
    pub fn carries_traffic(&self) -> bool {
        matches!(
            self.state.as_str(),
            "available" | "modifying" | "pending" | ""
        )
    }

    pub fn is_vpc(&self) -> bool {
        self.resource_type == "vpc"
    }

    /// A peering with another transit gateway.
    pub fn is_peering(&self) -> bool {
        matches!(self.resource_type.as_str(), "peering" | "tgw-peering")
    }
}

/// Why a snapshot could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SnapshotError(pub String);

impl Inventory {
    /// Loads a snapshot written by `collect` or `audit --snapshot`. Snapshots are input from
    /// files a user hands us: anything malformed, or of another format version, is an error
    /// that says what is wrong, never a panic and never a silently empty inventory.
    pub fn from_snapshot_json(text: &str) -> Result<Inventory, SnapshotError> {
        Inventory::from_snapshot_bytes(text.as_bytes())
    }

    /// [`Inventory::from_snapshot_json`] of bytes (a snapshot file read whole).
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Inventory, SnapshotError> {
        // serde accepts a struct written as a JSON array of its fields too; a snapshot is
        // always an object, and anything else is somebody else's file.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(SnapshotError(
                "not an overexposed inventory snapshot: expected a JSON object".into(),
            ));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let inv = match parse::parse_in_parallel(bytes, threads, parse::PARALLEL_FROM_BYTES) {
            Some(inv) => inv,
            None => serde_json::from_slice(bytes).map_err(|e| {
                SnapshotError(format!("not an overexposed inventory snapshot: {e}"))
            })?,
        };
        inv.checked()
    }

    /// [`Inventory::from_snapshot_json`] of what `reader` holds, parsed as it is read: an
    /// organization's snapshot is never held as text beside the inventory it becomes.
    pub fn from_snapshot_reader(reader: impl std::io::Read) -> Result<Inventory, SnapshotError> {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
        // The first byte that is not white space, without consuming it.
        let first = loop {
            let buf = reader
                .fill_buf()
                .map_err(|e| SnapshotError(format!("could not read the snapshot: {e}")))?;
            if buf.is_empty() {
                break None;
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    reader.consume(i);
                    break Some(b);
                }
                None => {
                    let n = buf.len();
                    reader.consume(n);
                }
            }
        };
        if first != Some(b'{') {
            return Err(SnapshotError(
                "not an overexposed inventory snapshot: expected a JSON object".into(),
            ));
        }
        let inv: Inventory = serde_json::from_reader(reader)
            .map_err(|e| SnapshotError(format!("not an overexposed inventory snapshot: {e}")))?;
        inv.checked()
    }

    /// The version check and the status repairs every loaded snapshot gets.
    fn checked(mut self) -> Result<Inventory, SnapshotError> {
        let inv = &mut self;
        if inv.snapshot_version != SNAPSHOT_VERSION {
            return Err(SnapshotError(format!(
                "snapshot version {} is not the version this overexposed reads ({SNAPSHOT_VERSION})",
                inv.snapshot_version
            )));
        }
        // A snapshot is a file anyone can edit: a target that records errors was not read in
        // full, whatever its `status` says, and every report must show it as such.
        for t in &mut inv.targets {
            if !t.errors.is_empty() && t.status == TargetStatus::Complete {
                t.status = TargetStatus::Partial;
            }
        }
        for a in &mut inv.iam {
            if !a.errors.is_empty() && a.status == TargetStatus::Complete {
                a.status = TargetStatus::Partial;
            }
        }
        Ok(self)
    }

    /// True when every planned account and region was read in full: no account failed, no
    /// target was left unread, no target has a status other than complete or any recorded
    /// error, and every account's IAM roles were read.
    pub fn is_complete(&self) -> bool {
        self.account_failures.is_empty()
            && self.unreached.is_empty()
            && self
                .targets
                .iter()
                .all(|t| t.status == TargetStatus::Complete && t.errors.is_empty())
            && self
                .iam
                .iter()
                .all(|a| a.status == TargetStatus::Complete && a.errors.is_empty())
    }
}

#[cfg(test)]
pub(crate) mod tests;
