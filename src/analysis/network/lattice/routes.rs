//! The ways into a Lattice service: each service network it is in (its VPC associations and
//! who it is shared with), and, when the service itself is shared, the networks its grantees
//! own. Each way has gates: the service's auth, and the network's. What could not be read is
//! assumed open, and says so.

use super::LatticeEstate;
use crate::inventory::{LatticeService, ServiceNetwork, Target};
use crate::model::Reach;
use crate::operation::Operation;
use crate::policy::lattice::{
    mentioned_sources, share_reach, SourceVpc, VpcOwner, ASSOCIATE_SERVICE, ASSOCIATE_VPC,
};
use crate::policy::{arn_account, parse_policy, PolicyDocument};

/// How one level (the service, or a service network) lets a request through.
pub(super) enum Gate {
    /// Auth type `NONE`: whoever the network lets in, with no authentication.
    Open,
    /// `AWS_IAM` with this auth policy: a request needs its Allow.
    Policy(Box<PolicyDocument>),
    /// `AWS_IAM` with no auth policy: AWS denies every request.
    Closed,
}

/// A gate and the reads it could not rest on (then it is [`Gate::Open`]: the widest).
pub(super) struct GateFacts {
    pub(super) gate: Gate,
    pub(super) auth_type: Option<String>,
    pub(super) unread: Vec<String>,
}

/// A VPC associated with a network, and who owns it.
pub(super) struct AssociatedVpc {
    pub(super) association_id: String,
    pub(super) vpc_id: String,
    pub(super) owner: VpcOwner,
}

/// What a way into the service goes through.
pub(super) enum Door<'a> {
    /// A service network whose facts were read.
    Network {
        network: &'a ServiceNetwork,
        owner: &'a str,
    },
    /// A service network whose facts are not in the audit (another account's, not audited, or
    /// not readable): anyone may be behind it.
    UnreadNetwork {
        id: String,
        arn: Option<String>,
        owner: Option<String>,
    },
    /// The networks of the accounts the service itself is shared with: they may add it to
    /// their own networks at will, with their own VPCs and auth.
    SharedService { with: Reach },
    /// The service's associations could not be listed: it may be in any network.
    UnknownNetworks,
}

/// One way into a service.
pub(super) struct Route<'a> {
    pub(super) door: Door<'a>,
    /// The VPCs a request can come from: those associated now, then (see [`add_associable`])
    /// any VPC of whoever may associate one at will.
    pub(super) sources: Vec<SourceVpc>,
    /// Who may associate their own VPCs at will (`Owner`: nobody else).
    pub(super) associable: Reach,
    /// External VPCs associated now, for the words and the fix.
    pub(super) vpcs: Vec<AssociatedVpc>,
    /// Who the network is shared with (`Owner`: nobody), when it was read.
    pub(super) shared_with: Option<Reach>,
    /// A share with organizations only: no one outside them can associate a VPC.
    pub(super) org_cap: Option<Vec<String>>,
    pub(super) gate: GateFacts,
    /// The reads this way's facts could not rest on (each assumed the widest).
    pub(super) unread: Vec<String>,
}

impl Route<'_> {
    /// The ARN of the service network this way goes through, when known.
    pub(super) fn network_arn(&self) -> Option<String> {
        match &self.door {
            Door::Network { network, .. } => Some(network.arn.clone()),
            Door::UnreadNetwork { arn, .. } => arn.clone(),
            Door::SharedService { .. } | Door::UnknownNetworks => None,
        }
    }

    /// How the evidence names this way's gate: `network sn-…`.
    pub(super) fn gate_label(&self) -> String {
        match &self.door {
            Door::Network { network, .. } => format!("network {}", network.id),
            Door::UnreadNetwork { id, .. } => format!("network {id}"),
            Door::SharedService { .. } => "the grantees' networks".into(),
            Door::UnknownNetworks => "unknown networks".into(),
        }
    }
}

/// The failed read of `operation` about `resource` in `target`, in words, if it failed.
fn failed(target: &Target, operation: Operation, resource: &str) -> Option<String> {
    target
        .errors
        .iter()
        .find(|e| e.operation == operation.as_str() && e.resource.as_deref() == Some(resource))
        .map(|e| format!("{operation} on {resource} failed ({})", e.code))
}

/// The failed region-wide listing `operation` in `target`, in words, if it failed.
fn listing_failed(target: &Target, operation: Operation) -> Option<String> {
    (target.errors.iter())
        .find(|e| e.operation == operation.as_str() && e.resource.is_none())
        .map(|e| format!("{operation} failed ({})", e.code))
}

/// The gate of a service or network: its auth type, and with `AWS_IAM` its auth policy.
pub(super) fn gate_of(
    target: &Target,
    (id, auth_type, policy): (&str, Option<&String>, Option<&String>),
    get_operation: Operation,
) -> GateFacts {
    let mut unread = Vec::new();
    let auth = match (auth_type, failed(target, get_operation, id)) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(why)) => {
            unread.push(why);
            None
        }
        (None, None) => {
            unread.push(format!("{get_operation} on {id} gave no auth type"));
            None
        }
    };
    let gate = match auth.as_deref() {
        Some("AWS_IAM") => match (policy, failed(target, Operation::LatticeGetAuthPolicy, id)) {
            (_, Some(why)) => {
                unread.push(why);
                Gate::Open
            }
            (None, None) => Gate::Closed,
            (Some(text), None) => match parse_policy(text) {
                Ok(doc) => Gate::Policy(Box::new(doc)),
                Err(e) => {
                    unread.push(format!(
                        "the auth policy of {id} could not be evaluated ({e})"
                    ));
                    Gate::Open
                }
            },
        },
        // NONE, unknown, or a type this auditor does not know: no authentication (the widest).
        _ => Gate::Open,
    };
    GateFacts {
        gate,
        auth_type: auth,
        unread,
    }
}

/// Who a resource policy shares a service or network with (`Owner`: nobody), `None` with
/// the reason when it could not be read or evaluated.
fn share_of(
    target: &Target,
    arn: &str,
    policy: Option<&String>,
    action: &str,
) -> Result<Reach, String> {
    if let Some(why) = failed(target, Operation::LatticeGetResourcePolicy, arn) {
        return Err(why);
    }
    let Some(text) = policy else {
        return Ok(Reach::Owner);
    };
    let doc = parse_policy(text)
        .map_err(|e| format!("the resource policy of {arn} could not be evaluated ({e})"))?;
    let verdict = share_reach(&doc, action, arn, &target.account_id, &target.region);
    Ok(verdict.reach)
}

/// Adds to each route the VPCs of whoever may associate one at will: any VPC of each grantee,
/// and the VPCs and VPC owners the auth policies name (`named`, see [`mentioned_sources`])
/// that a grantee could own.
pub(super) fn add_associable(
    routes: &mut [Route],
    named: &(Vec<String>, Vec<String>),
    estate: &LatticeEstate,
) {
    for r in routes {
        let more = shared_sources(&r.associable, named, estate);
        r.sources.extend(more);
    }
}

/// The VPCs a share (or an unread fact, as `AnyAwsAccount`) lets in.
fn shared_sources(
    share: &Reach,
    named: &(Vec<String>, Vec<String>),
    estate: &LatticeEstate,
) -> Vec<SourceVpc> {
    let (vpcs, owners) = named;
    let mut out = Vec::new();
    if *share == Reach::Owner {
        return out;
    }
    let wide = matches!(share, Reach::AnyAwsAccount | Reach::Organization { .. });
    let grantees: Vec<String> = match share {
        Reach::Accounts { accounts } => accounts.clone(),
        _ => Vec::new(),
    };
    if wide {
        out.push(SourceVpc {
            vpc_id: None,
            owner: VpcOwner::AnyAccount,
        });
    }
    for a in &grantees {
        out.push(SourceVpc {
            vpc_id: None,
            owner: VpcOwner::Account(a.clone()),
        });
    }
    for m in owners {
        if wide || grantees.contains(m) {
            out.push(SourceVpc {
                vpc_id: None,
                owner: VpcOwner::Account(m.clone()),
            });
        }
    }
    for v in vpcs {
        match estate.vpc_owner.get(v.as_str()) {
            Some(o) if wide || grantees.iter().any(|g| g == o) => out.push(SourceVpc {
                vpc_id: Some(v.clone()),
                owner: VpcOwner::Account(o.to_string()),
            }),
            Some(_) => {}
            None if wide => out.push(SourceVpc {
                vpc_id: Some(v.clone()),
                owner: VpcOwner::Unknown,
            }),
            None => out.extend(grantees.iter().map(|g| SourceVpc {
                vpc_id: Some(v.clone()),
                owner: VpcOwner::Account(g.clone()),
            })),
        }
    }
    out
}

/// The organizations a share is limited to, if it is an organization share.
fn org_cap(share: &Reach) -> Option<Vec<String>> {
    match share {
        Reach::Organization { org_ids } => Some(org_ids.clone()),
        _ => None,
    }
}

/// The ways into `svc` of `target`, their sources the VPCs associated now (see
/// [`add_associable`] for the rest).
pub(super) fn routes_of<'a>(
    target: &'a Target,
    svc: &'a LatticeService,
    estate: &LatticeEstate<'a>,
) -> Vec<Route<'a>> {
    let mut routes = Vec::new();
    match failed(
        target,
        Operation::LatticeListServiceNetworkServiceAssociations,
        &svc.id,
    ) {
        Some(why) => routes.push(Route::unread(Door::UnknownNetworks, why)),
        None => {
            for a in svc
                .network_associations
                .iter()
                .filter(|a| a.status != "CREATE_FAILED")
            {
                routes.push(network_route(target, a, estate));
            }
        }
    }
    match share_of(
        target,
        &svc.arn,
        svc.resource_policy.as_ref(),
        ASSOCIATE_SERVICE,
    ) {
        Ok(Reach::Owner) => {}
        Ok(with) => routes.push(Route {
            sources: vec![],
            associable: with.clone(),
            org_cap: org_cap(&with),
            door: Door::SharedService { with },
            vpcs: vec![],
            shared_with: None,
            gate: open_unread(),
            unread: vec![],
        }),
        Err(why) => routes.push(Route::unread(
            Door::SharedService {
                with: Reach::AnyAwsAccount,
            },
            why,
        )),
    }
    routes
}

/// A network whose gate is another account's to set, or unknown: open, with nothing to say.
fn open_unread() -> GateFacts {
    GateFacts {
        gate: Gate::Open,
        auth_type: None,
        unread: vec![],
    }
}

impl<'a> Route<'a> {
    /// A way whose facts could not be read (`why`): no VPC known, anyone may associate one,
    /// and its gate open.
    fn unread(door: Door<'a>, why: String) -> Self {
        Route {
            door,
            sources: vec![],
            associable: Reach::AnyAwsAccount,
            vpcs: vec![],
            shared_with: None,
            org_cap: None,
            gate: open_unread(),
            unread: vec![why],
        }
    }
}

/// The way through one service network the service is associated with.
fn network_route<'a>(
    target: &'a Target,
    a: &'a crate::inventory::LatticeServiceAssociation,
    estate: &LatticeEstate<'a>,
) -> Route<'a> {
    let found = a
        .network_arn
        .as_deref()
        .and_then(|arn| estate.networks_by_arn.get(arn))
        .or_else(|| estate.networks_by_id.get(a.network_id.as_str()))
        .copied();
    let Some((owner_target, network)) = found.filter(|(_, n)| n.details_read) else {
        return unread_network_route(target, a, estate);
    };
    let owner = owner_target.account_id.as_str();
    let mut unread = Vec::new();
    let mut sources = Vec::new();
    let mut vpcs = Vec::new();
    let mut any_vpc = false;
    match failed(
        owner_target,
        Operation::LatticeListServiceNetworkVpcAssociations,
        &network.id,
    ) {
        Some(why) => {
            unread.push(why);
            any_vpc = true;
        }
        None => {
            for v in network
                .vpc_associations
                .iter()
                .filter(|v| v.status != "CREATE_FAILED")
            {
                let owner = vpc_owner(v.created_by.as_deref(), &v.vpc_id, estate);
                sources.push(SourceVpc {
                    vpc_id: Some(v.vpc_id.clone()),
                    owner: owner.clone(),
                });
                if owner != VpcOwner::Account(owner_target.account_id.clone()) {
                    vpcs.push(AssociatedVpc {
                        association_id: v.id.clone(),
                        vpc_id: v.vpc_id.clone(),
                        owner,
                    });
                }
            }
        }
    }
    let share = share_of(
        owner_target,
        &network.arn,
        network.resource_policy.as_ref(),
        ASSOCIATE_VPC,
    );
    let (shared_with, cap) = match share {
        Ok(with) => {
            let cap = org_cap(&with);
            (Some(with), cap)
        }
        Err(why) => {
            unread.push(why);
            any_vpc = true;
            (None, None)
        }
    };
    let associable = match (&shared_with, any_vpc) {
        (Some(with), false) => with.clone(),
        _ => Reach::AnyAwsAccount,
    };
    let gate = gate_of(
        owner_target,
        (
            &network.id,
            network.auth_type.as_ref(),
            network.auth_policy.as_ref(),
        ),
        Operation::LatticeGetServiceNetwork,
    );
    Route {
        door: Door::Network { network, owner },
        sources,
        associable,
        vpcs,
        shared_with,
        org_cap: cap,
        gate,
        unread,
    }
}

/// Who owns an associated VPC: the account that created the association (on AWS, only a
/// VPC's owner can associate it), else the audited account holding the VPC, else unknown:
/// never assumed to be the network owner's.
fn vpc_owner(created_by: Option<&str>, vpc_id: &str, estate: &LatticeEstate) -> VpcOwner {
    match created_by {
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => {
            VpcOwner::Account(a.to_string())
        }
        _ => match estate.vpc_owner.get(vpc_id) {
            Some(o) => VpcOwner::Account(o.to_string()),
            None => VpcOwner::Unknown,
        },
    }
}

/// A network the audit holds no facts of: anyone may be behind it.
fn unread_network_route<'a>(
    target: &Target,
    a: &crate::inventory::LatticeServiceAssociation,
    estate: &LatticeEstate,
) -> Route<'a> {
    let owner = a.network_arn.as_deref().and_then(arn_account);
    let why = match &owner {
        Some(o) if *o != target.account_id && !estate.audited(o, &target.region) => format!(
            "service network {} belongs to account {o}, which this audit did not read",
            a.network_id
        ),
        _ => {
            let listing = estate.lattice_listing_failed(
                owner.as_deref().unwrap_or(&target.account_id),
                &target.region,
            );
            match listing {
                Some(why) => format!("service network {} could not be read: {why}", a.network_id),
                None => format!(
                    "service network {} is not among the service networks read",
                    a.network_id
                ),
            }
        }
    };
    Route::unread(
        Door::UnreadNetwork {
            id: a.network_id.clone(),
            arn: a.network_arn.clone(),
            owner,
        },
        why,
    )
}

impl LatticeEstate<'_> {
    /// The failed `ListServiceNetworks` of an account × region, in words, if it failed.
    fn lattice_listing_failed(&self, account: &str, region: &str) -> Option<String> {
        let t = self.targets.get(&(account, region))?;
        listing_failed(t, Operation::LatticeListServiceNetworks)
    }

    /// Whether the audit read this account × region.
    fn audited(&self, account: &str, region: &str) -> bool {
        self.targets.contains_key(&(account, region))
    }
}

/// The auth policies a service's verdicts read: its own and its read networks'.
pub(super) fn policies<'r>(service: &'r GateFacts, routes: &'r [Route]) -> Vec<&'r PolicyDocument> {
    std::iter::once(service)
        .chain(routes.iter().map(|r| &r.gate))
        .filter_map(|g| match &g.gate {
            Gate::Policy(doc) => Some(doc.as_ref()),
            _ => None,
        })
        .collect()
}

/// The VPCs and VPC owners the auth policies of a service and its networks name.
pub(super) fn named_sources(service: &GateFacts, routes: &[Route]) -> (Vec<String>, Vec<String>) {
    mentioned_sources(&policies(service, routes))
}
