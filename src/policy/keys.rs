//! What a request to `execute-api:Invoke` carries for each condition key.
//!
//! IAM documents, key by key, when a key is in the request context ("Availability" on
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>);
//! API Gateway adds one key of its own for `Invoke`, `execute-api:viaDomainArn`
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigateway.html>).
//! The callers this engine probes are people, roles and anonymous callers calling the API
//! directly, never an AWS service principal, so each key falls in one of four kinds:
//!
//! | key | what the request carries |
//! |---|---|
//! | `aws:PrincipalArn`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalIsAWSService` (`false`) | the principal's; absent for anonymous callers |
//! | `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid` | present for every request, anonymous ones included (`anonymous`, `Anonymous`, `anonymous`) |
//! | `aws:PrincipalType`, `aws:username` of a principal that stands for its whole account | chosen by the caller: any account has users, roles and sessions of its choosing |
//! | `aws:userid` of a principal | unknown: unique ids (`AROA…:session`) are not in the inventory |
//! | `aws:PrincipalTag/…` | chosen by the caller for a principal standing for its whole account; unknown for one named principal (its tags are not read); absent for anonymous callers |
//! | `aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`, `aws:TokenIssueTime`, `aws:SourceIdentity`, `aws:AssumedRoot`, `aws:Ec2InstanceSourcePrivateIPv4`, `ec2:RoleDelivery`, `glue:RoleAssumedBy`, `glue:CredentialIssuingService` | chosen by the caller (how it signs, its session); absent for anonymous callers |
//! | `aws:FederatedProvider`, `aws:SignInSessionArn`, `aws:ChatbotSourceArn`, `aws:Ec2InstanceSourceVpc`, `ec2:SourceInstanceArn`, `codebuild:*Arn`, `lambda:SourceFunctionArn`, `ssm:SourceInstanceArn`, `identitystore:UserId` | unknown for a principal (they name resources of some account); absent for anonymous callers |
//! | `aws:PrincipalServiceName`, `aws:PrincipalServiceNamesList`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceOrgPaths` | absent: only an AWS service principal calling on behalf of a resource carries them |
//! | `aws:SourceIp` | the caller's address on a public endpoint; absent through a VPC endpoint |
//! | `aws:SourceVpce`, `aws:SourceVpc` | the endpoint and its VPC on a private API; absent on a public endpoint |
//! | `aws:VpcSourceIp`, `aws:SourceVpcArn`, `aws:VpceAccount`, `aws:VpceOrgID`, `aws:VpceOrgPaths` | absent on a public endpoint; unknown through an endpoint (the caller's private address is not modelled, and `execute-api` is not among the services documented to carry the last four) |
//! | `aws:CurrentTime`, `aws:EpochTime` | the instant evaluated (the scan's start); unknown when it is not known |
//! | `aws:RequestedRegion`, `aws:ResourceAccount`, `aws:SecureTransport` (`true`: HTTPS only), `aws:ViaAWSService` (`false`: a direct call) | always present, known |
//! | `aws:CalledVia`, `aws:CalledViaFirst`, `aws:CalledViaLast`, `aws:RequestTag/…`, `aws:TagKeys` | absent: no service forwards a caller's session to `Invoke`, and `Invoke` passes no tags |
//! | `aws:referer`, `aws:UserAgent` | chosen by the caller (HTTP headers it sends, or not) |
//! | `aws:ResourceOrgID`, `aws:ResourceOrgPaths`, `aws:ResourceTag/…` | unknown: the owner's organization and the API's tags are not read |
//! | `execute-api:viaDomainArn`, `aws:CalledViaAWSMCP`, `aws:ViaAWSMCPService`, `aws:IsMcpServiceAction`, any other key | unknown |
//!
//! A VPC Lattice request (`vpc-lattice-svcs:Invoke`, see `lattice`) carries the keys above the
//! same way (an unsigned request is `Anonymous`), except for the network, and keys of its own
//! (<https://docs.aws.amazon.com/vpc-lattice/latest/ug/auth-policies.html>):
//!
//! | key | what a Lattice request carries |
//! |---|---|
//! | `vpc-lattice-svcs:SourceVpc`, `vpc-lattice-svcs:SourceVpcOwnerAccount` | the VPC it comes from and its owner (unknown for a VPC of an account the audit cannot name) |
//! | `vpc-lattice-svcs:RequestHeader/…`, `vpc-lattice-svcs:RequestQueryString/…` | chosen by the caller |
//! | `vpc-lattice-svcs:RequestMethod`, `RequestPath`, `ServiceArn`, `ServiceNetworkArn` | decided per request by `lattice` before probing; unknown if left |
//! | `vpc-lattice-svcs:Port`, any other `vpc-lattice-svcs:` key | unknown |
//! | `aws:SourceIp`, `aws:SourceVpce`, `aws:SourceVpc`, `aws:VpcSourceIp`, … | unknown: Lattice does not document them |
//!
//! Any other request (`execute-api:Invoke`, `sts:AssumeRole`, a RAM share's association
//! calls) carries no `vpc-lattice-svcs:` key: absent.
//!
//! Only an unknown key lowers a verdict's confidence. A key chosen by the caller is satisfied in
//! an Allow and not in a Deny: the caller sends what lets it in. Each condition is read on its
//! own, so two conditions no single choice satisfies (an Allow requiring one `aws:UserAgent`
//! and a Deny of the same value) still let the caller in: the reading can only be wider than
//! IAM's, never narrower.

use super::reference::{Caller, NetworkSource, SourceOwner};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The kind of request a policy is asked about: which service-specific keys it can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    /// `execute-api:Invoke`, and the other signed AWS API calls the engine asks about
    /// (`sts:AssumeRole`, a RAM share's association calls): no `vpc-lattice-svcs:` key.
    Aws,
    /// `vpc-lattice-svcs:Invoke`: a request from a VPC associated with a service network.
    LatticeInvoke,
}

/// Facts of a request that depend neither on the caller nor on the network: when it is made,
/// to which API, and of which kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Env<'a> {
    pub(super) service: Service,
    /// The instant evaluated; `None` when it is not known.
    pub(super) at: Option<OffsetDateTime>,
    pub(super) region: &'a str,
    pub(super) owner_account: &'a str,
}

/// What one request carries for one key.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KeyValue {
    Present(Vec<String>),
    Absent,
    /// The caller decides: any value, or none.
    ChosenByCaller,
    /// The engine does not know.
    Unknown,
}

/// The part of a request a key belongs to: conditions on one side are evaluated once per
/// distinct value of that side (see `fast`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Principal,
    Org,
    Source,
    Constant,
}

/// Keys of a role session or of how the caller signed: chosen by the caller (its own
/// credentials), absent for anonymous callers.
const CHOSEN_SESSION_KEYS: [&str; 9] = [
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:tokenissuetime",
    "aws:sourceidentity",
    "aws:assumedroot",
    "aws:ec2instancesourceprivateipv4",
    "ec2:roledelivery",
    "glue:roleassumedby",
    "glue:credentialissuingservice",
];

/// Keys of a role session that name a resource of some account: unknown for a principal,
/// absent for anonymous callers.
const ACCOUNT_BOUND_SESSION_KEYS: [&str; 10] = [
    "aws:federatedprovider",
    "aws:signinsessionarn",
    "aws:chatbotsourcearn",
    "aws:ec2instancesourcevpc",
    "ec2:sourceinstancearn",
    "codebuild:buildarn",
    "codebuild:projectarn",
    "lambda:sourcefunctionarn",
    "ssm:sourceinstancearn",
    "identitystore:userid",
];

/// Keys only an AWS service principal calling on behalf of a resource carries, or that a
/// direct `Invoke` never carries.
const NEVER_PRESENT_KEYS: [&str; 10] = [
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:tagkeys",
];

/// Keys present only through a VPC endpoint whose value the engine does not model.
const ENDPOINT_ONLY_UNMODELLED_KEYS: [&str; 5] = [
    "aws:vpcsourceip",
    "aws:sourcevpcarn",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
];

/// The network keys of an AWS API call (public endpoint or VPC endpoint). VPC Lattice does not
/// document them for `vpc-lattice-svcs:Invoke` (its requests come from an associated VPC, not
/// through an endpoint): unknown there.
fn aws_network_key(key: &str) -> bool {
    matches!(key, "aws:sourceip" | "aws:sourcevpce" | "aws:sourcevpc")
        || ENDPOINT_ONLY_UNMODELLED_KEYS.contains(&key)
}

/// The owner `vpc-lattice-svcs:SourceVpcOwnerAccount` carries for a VPC nobody names: an
/// account no policy mentions.
const FRESH_VPC_OWNER: &str = "000000000000";

/// The side of a request a (lower-cased) key depends on.
pub(super) fn side_of(key: &str) -> Side {
    match key {
        "aws:sourceip" | "aws:sourcevpce" | "aws:sourcevpc" => Side::Source,
        "vpc-lattice-svcs:sourcevpc" | "vpc-lattice-svcs:sourcevpcowneraccount" => Side::Source,
        k if ENDPOINT_ONLY_UNMODELLED_KEYS.contains(&k) => Side::Source,
        "aws:principalorgid" | "aws:principalorgpaths" => Side::Org,
        "aws:principalaccount"
        | "aws:principalarn"
        | "aws:principaltype"
        | "aws:userid"
        | "aws:username"
        | "aws:principalisawsservice" => Side::Principal,
        k if k.starts_with("aws:principaltag/") => Side::Principal,
        k if CHOSEN_SESSION_KEYS.contains(&k) || ACCOUNT_BOUND_SESSION_KEYS.contains(&k) => {
            Side::Principal
        }
        _ => Side::Constant,
    }
}

/// `aws:PrincipalType` of a principal ARN as it calls (a role calls as an assumed-role
/// session), when the ARN says.
fn principal_type(arn: &str) -> Option<&'static str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    Some(match resource {
        "root" => "Account",
        r if r.starts_with("role/") || r.starts_with("assumed-role/") => "AssumedRole",
        r if r.starts_with("user/") => "User",
        r if r.starts_with("federated-user/") => "FederatedUser",
        _ => return None,
    })
}

/// What the request of `caller` through `source` carries for `key` (lower-cased).
pub(super) fn key_value(key: &str, caller: &Caller, source: &NetworkSource, env: &Env) -> KeyValue {
    use KeyValue::{Absent, ChosenByCaller, Present, Unknown};
    let one = |v: &str| Present(vec![v.to_string()]);
    let through_endpoint = source.vpce.is_some();
    let principal = match caller {
        Caller::Anonymous => None,
        Caller::Principal {
            account,
            arn,
            org_id,
            org_paths,
            stands_for_account,
            ..
        } => Some((account, arn, org_id, org_paths, *stands_for_account)),
    };
    let lattice = env.service == Service::LatticeInvoke;
    match key {
        // VPC Lattice: the VPC a request comes from and its owner, on Lattice requests only.
        "vpc-lattice-svcs:sourcevpc" if lattice => source.vpc.as_deref().map_or(Absent, one),
        "vpc-lattice-svcs:sourcevpcowneraccount" if lattice => match (&source.owner, &source.vpc) {
            (_, None) => Absent,
            (SourceOwner::Account(a), _) => one(a),
            (SourceOwner::Fresh, _) => one(FRESH_VPC_OWNER),
            // Some account the audit cannot name: neither this value nor that one.
            (SourceOwner::Unknown(_), _) => Unknown,
        },
        // Headers and query strings are the caller's to send.
        k if lattice
            && (k.starts_with("vpc-lattice-svcs:requestheader/")
                || k.starts_with("vpc-lattice-svcs:requestquerystring/")) =>
        {
            ChosenByCaller
        }
        // The method, path, service, network and port: `lattice` decides the first four per
        // request before probing, so what reaches the probes is what it could not decide.
        k if lattice && k.starts_with("vpc-lattice-svcs:") => Unknown,
        // Keys of `vpc-lattice-svcs:Invoke` only.
        k if k.starts_with("vpc-lattice-svcs:") => Absent,
        k if lattice && aws_network_key(k) => Unknown,
        // The network.
        "aws:sourceip" => match source.ip {
            Some(ip) => one(&ip.to_string()),
            None => Absent,
        },
        "aws:sourcevpce" => source.vpce.as_deref().map_or(Absent, one),
        "aws:sourcevpc" => source.vpc.as_deref().map_or(Absent, one),
        k if ENDPOINT_ONLY_UNMODELLED_KEYS.contains(&k) => {
            if through_endpoint {
                Unknown
            } else {
                Absent
            }
        }
        // The principal.
        "aws:principalaccount" => match principal {
            Some((account, ..)) => one(account),
            None => one("anonymous"),
        },
        "aws:principaltype" => match principal {
            None => one("Anonymous"),
            Some((.., true)) => ChosenByCaller,
            Some((_, arn, ..)) => principal_type(arn).map_or(Unknown, one),
        },
        "aws:userid" => match principal {
            None => one("anonymous"),
            Some(_) => Unknown,
        },
        "aws:username" => match principal {
            None => Absent,
            Some((.., true)) => ChosenByCaller,
            Some((_, arn, ..)) => match arn.splitn(6, ':').nth(5) {
                Some(r) if r.starts_with("user/") => one(r.rsplit('/').next().unwrap_or(r)),
                _ => Absent,
            },
        },
        "aws:principalarn" => principal.map_or(Absent, |(_, arn, ..)| one(arn)),
        "aws:principalisawsservice" => principal.map_or(Absent, |_| one("false")),
        "aws:principalorgid" => match principal {
            Some((_, _, Some(org), ..)) => one(org),
            _ => Absent,
        },
        "aws:principalorgpaths" => match principal {
            Some((_, _, _, paths, _)) if !paths.is_empty() => Present(paths.clone()),
            _ => Absent,
        },
        // Tags of a principal that stands for its account are that account's choice; the tags
        // of one named principal (a partner's role, a role of the scanned account) are not read.
        k if k.starts_with("aws:principaltag/") => match principal {
            None => Absent,
            Some((.., true)) => ChosenByCaller,
            Some(_) => Unknown,
        },
        k if CHOSEN_SESSION_KEYS.contains(&k) => principal.map_or(Absent, |_| ChosenByCaller),
        k if ACCOUNT_BOUND_SESSION_KEYS.contains(&k) => principal.map_or(Absent, |_| Unknown),
        k if NEVER_PRESENT_KEYS.contains(&k) || k.starts_with("aws:requesttag/") => Absent,
        // The request.
        "aws:currenttime" => match env.at.and_then(|t| t.format(&Rfc3339).ok()) {
            Some(t) => one(&t),
            None => Unknown,
        },
        "aws:epochtime" => match env.at {
            Some(t) => one(&t.unix_timestamp().to_string()),
            None => Unknown,
        },
        // Empty when the caller of the engine does not know them (a trust policy's role).
        "aws:requestedregion" if !env.region.is_empty() => one(env.region),
        "aws:resourceaccount" if !env.owner_account.is_empty() => one(env.owner_account),
        "aws:securetransport" => one("true"),
        "aws:viaawsservice" => one("false"),
        "aws:referer" | "aws:useragent" => ChosenByCaller,
        _ => Unknown,
    }
}
