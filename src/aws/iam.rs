//! IAM: the roles of one account, with their trust policies, permission policies and
//! permissions boundaries, for the trust-path verdicts (who can become a caller of an
//! IAM-authenticated method). IAM is global: one listing per account, whatever the regions.
//!
//! Call budget per account: `iam:GetAccountAuthorizationDetails`, filtered to roles and managed
//! policies (customer managed, and the AWS-managed ones the account uses: `AdministratorAccess`
//! can invoke every API), 1,000 items a page. Identity providers are not read: a trust policy
//! names an OIDC provider by its URL (in the provider's ARN and in its condition keys), which
//! is all a verdict needs, and a SAML provider is the owner's workforce whatever it is.

use super::paging::{paginate_items, Pager};
use super::{or_empty, ReadLog, RegionCtx};
use crate::inventory::{IamAccount, IamRole, InlinePolicy, ManagedPolicy, TargetStatus};
use crate::operation::Operation;
use aws_sdk_iam as iam;
use iam::types::EntityType;
use std::collections::BTreeSet;

/// Items per page (IAM's most).
const PAGE_SIZE: i32 = 1000;

/// What one page of the listing holds.
#[derive(Default)]
struct Listed {
    roles: Vec<IamRole>,
    policies: Vec<ManagedPolicy>,
}

/// Reads the roles of the account `ctx` is in. Never fails: an error is recorded on the
/// account (a listing cut short keeps the roles it read).
pub(crate) async fn collect_iam(ctx: &RegionCtx) -> IamAccount {
    let client = iam::Client::new(&ctx.config);
    let mut log = ReadLog::default();
    let (pages, listing) = paginate_items(
        ctx,
        Pager::new(Operation::IamGetAccountAuthorizationDetails, None),
        |marker| {
            client
                .get_account_authorization_details()
                .filter(EntityType::Role)
                .filter(EntityType::LocalManagedPolicy)
                .filter(EntityType::AwsManagedPolicy)
                .max_items(PAGE_SIZE)
                .set_marker(marker)
                .send()
        },
        |page, out: &mut Vec<Listed>| {
            out.push(Listed {
                roles: page.role_detail_list().iter().map(convert_role).collect(),
                policies: page.policies().iter().map(convert_policy).collect(),
            });
            page.is_truncated()
                .then(|| page.marker().map(str::to_string))
                .flatten()
        },
    )
    .await;
    log.listing(listing);
    let (mut roles, mut policies): (Vec<IamRole>, Vec<ManagedPolicy>) = (vec![], vec![]);
    for page in pages {
        roles.extend(page.roles);
        policies.extend(page.policies);
    }
    roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    roles.dedup_by(|a, b| a.arn == b.arn);
    // Only what some role uses: policies attached to users or groups alone decide nothing here.
    let used: BTreeSet<&str> = roles
        .iter()
        .flat_map(|r| {
            r.attached_policy_arns
                .iter()
                .chain(&r.permissions_boundary_arn)
                .map(String::as_str)
        })
        .collect();
    policies.retain(|p| used.contains(p.arn.as_str()));
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    policies.dedup_by(|a, b| a.arn == b.arn);
    let status = if log.errors.is_empty() {
        TargetStatus::Complete
    } else if log.succeeded == 0 {
        TargetStatus::Failed
    } else {
        TargetStatus::Partial
    };
    IamAccount {
        account_id: ctx.account_id.clone(),
        status,
        errors: log.errors,
        roles,
        policies,
    }
}

fn convert_role(r: &iam::types::RoleDetail) -> IamRole {
    IamRole {
        arn: or_empty(r.arn()),
        name: or_empty(r.role_name()),
        trust_policy: or_empty(r.assume_role_policy_document()),
        inline_policies: r
            .role_policy_list()
            .iter()
            .map(|p| InlinePolicy {
                name: or_empty(p.policy_name()),
                document: or_empty(p.policy_document()),
            })
            .collect(),
        attached_policy_arns: r
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
        permissions_boundary_arn: r
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
    }
}

fn convert_policy(p: &iam::types::ManagedPolicyDetail) -> ManagedPolicy {
    ManagedPolicy {
        arn: or_empty(p.arn()),
        name: or_empty(p.policy_name()),
        document: p
            .policy_version_list()
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.document())
            .map(str::to_string),
    }
}

#[cfg(test)]
mod tests;
