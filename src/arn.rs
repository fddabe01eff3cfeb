//! ARNs: the six fields of one, read with wildcards allowed (policies hold ARN patterns), and
//! the ARNs the auditor builds for what it reports and probes.

use std::fmt;

/// The fields of `arn:partition:service:region:account:resource`. The resource keeps any
/// further colons (`log-group:a:b`). Fields are text as written: a pattern's `*` and `?` stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` when `text` does not start with `arn:` or has fewer than six fields.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut fields = text.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next()?,
        })
    }

    /// The fields after `arn`, in order: what `ArnLike` matches one by one.
    pub fn fields(&self) -> [&'a str; 5] {
        [
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The `srv-…` id of an AWS Cloud Map service ARN
/// (`arn:aws:servicediscovery:<region>:<account>:service/srv-…`), as an HTTP API integration
/// through a v2 VPC link names one; `None` for any other URI (a listener ARN).
pub fn cloud_map_service_id(uri: &str) -> Option<&str> {
    let arn = Arn::parse(uri)?;
    if arn.service != "servicediscovery" {
        return None;
    }
    arn.resource
        .strip_prefix("service/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The ARN partition of a region: ARNs of resources in GovCloud, China and the isolated
/// regions do not start with `arn:aws:`, and a policy written there names its own partition.
pub fn partition_of(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-iso-", "aws-iso"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map(|(_, partition)| *partition)
        .unwrap_or("aws")
}

/// A resource of `service` in `region` and `account`, in the region's partition.
fn regional(service: &str, region: &str, account: &str, resource: &str) -> String {
    Arn {
        partition: partition_of(region),
        service,
        region,
        account,
        resource,
    }
    .to_string()
}

/// The `execute-api` ARN of one method of one stage: what a resource policy's `Resource`
/// matches. `path` is the resource path, with or without its leading `/`.
pub fn execute_api_method(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    verb: &str,
    path: &str,
) -> String {
    // Joined by hand: one ARN per method judged, so this is on the hot path of an
    // organization's analysis (the same string as `regional` gives).
    let path = path.trim_start_matches('/');
    let parts = [
        "arn:",
        partition_of(region),
        ":execute-api:",
        region,
        ":",
        account,
        ":",
        api_id,
        "/",
        stage,
        "/",
        verb,
        "/",
        path,
    ];
    let mut arn = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        arn.push_str(p);
    }
    arn
}

/// The ARN of a REST API as API Gateway's own management actions name it (no account).
pub fn rest_api(region: &str, api_id: &str) -> String {
    regional("apigateway", region, "", &format!("/restapis/{api_id}"))
}

/// The ARN of one stage of a REST API, as API Gateway's management actions name it.
pub fn rest_api_stage(region: &str, api_id: &str, stage: &str) -> String {
    regional(
        "apigateway",
        region,
        "",
        &format!("/restapis/{api_id}/stages/{stage}"),
    )
}

/// The `execute-api` ARN of one route of a WebSocket API stage (`$connect`, …).
pub fn execute_api_route(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    route_key: &str,
) -> String {
    regional(
        "execute-api",
        region,
        account,
        &format!("{api_id}/{stage}/{route_key}"),
    )
}

/// The ARN of a VPC peering connection (`pcx-…`).
pub fn vpc_peering(region: &str, account: &str, peering_id: &str) -> String {
    regional(
        "ec2",
        region,
        account,
        &format!("vpc-peering-connection/{peering_id}"),
    )
}

/// The ARN of a VPC endpoint service (`vpce-svc-…`).
pub fn endpoint_service(region: &str, account: &str, service_id: &str) -> String {
    regional(
        "ec2",
        region,
        account,
        &format!("vpc-endpoint-service/{service_id}"),
    )
}

/// The ARN of a transit gateway (`tgw-…`) of `account`, its owner.
pub fn transit_gateway(region: &str, account: &str, id: &str) -> String {
    regional("ec2", region, account, &format!("transit-gateway/{id}"))
}

/// The ARN of a transit gateway attachment (`tgw-attach-…`) of `account`.
pub fn transit_gateway_attachment(region: &str, account: &str, id: &str) -> String {
    regional(
        "ec2",
        region,
        account,
        &format!("transit-gateway-attachment/{id}"),
    )
}

/// The ARN of an IAM role; `name` may carry the role's path (`ops/auditor`). IAM is global:
/// the partition is given, the region empty.
pub fn iam_role(partition: &str, account: &str, name: &str) -> String {
    Arn {
        partition,
        service: "iam",
        region: "",
        account,
        resource: &format!("role/{name}"),
    }
    .to_string()
}

/// The ARN of a session of role `role_name` (its name without path, as STS has it).
pub fn assumed_role_session(
    partition: &str,
    account: &str,
    role_name: &str,
    session: &str,
) -> String {
    Arn {
        partition,
        service: "sts",
        region: "",
        account,
        resource: &format!("assumed-role/{role_name}/{session}"),
    }
    .to_string()
}

#[cfg(test)]
mod tests;
