//! Enumerating the accounts of an AWS Organization (`--organization`).
//!
//! `organizations:ListAccounts` answers only in the management account or a delegated
//! administrator. Suspended and closing accounts cannot be entered and are skipped (and said
//! so); anything else that goes wrong is fatal, because an organization scan that silently
//! covered fewer accounts would look cleaner than it is.

use super::errors::scan_error;
use super::paging::Pager;
use super::{CallCounter, FatalScanError};
use crate::inventory::SkippedAccount;
use crate::operation::Operation;
use aws_config::SdkConfig;

/// The organization's accounts to scan (sorted) and the ones skipped with the reason.
pub(crate) struct OrgAccounts {
    pub active: Vec<String>,
    pub skipped: Vec<SkippedAccount>,
    pub organization: Organization,
}

/// Who is inside the organization: its principals are not outsiders to each other.
#[derive(Default)]
pub(crate) struct Organization {
    /// `o-…`, from the account ARNs (`arn:aws:organizations::<mgmt>:account/o-…/<id>`).
    pub id: Option<String>,
    /// Every account listed, suspended ones included (sorted).
    pub accounts: Vec<String>,
}

/// The organization id in an account's ARN.
fn organization_of(account_arn: &str) -> Option<String> {
    account_arn
        .split_once(":account/")
        .and_then(|(_, rest)| rest.split('/').next())
        .filter(|id| id.starts_with("o-"))
        .map(str::to_string)
}

pub(crate) async fn list_accounts(
    config: &SdkConfig,
    calls: &CallCounter,
) -> Result<OrgAccounts, FatalScanError> {
    let client = aws_sdk_organizations::Client::new(config);
    let mut active = Vec::new();
    let mut skipped = Vec::new();
    let mut organization = Organization::default();
    let mut token: Option<String> = None;
    let mut pager = Pager::new(Operation::OrganizationsListAccounts, None);
    loop {
        calls.inc(Operation::OrganizationsListAccounts);
        let out = client
            .list_accounts()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| {
                let err = scan_error(Operation::OrganizationsListAccounts, None, &e);
                FatalScanError(format!(
                    "could not list the organization's accounts ({}: {}). --organization needs the caller to be the \
                     organization's management account or a delegated administrator with organizations:ListAccounts; \
                     or name the accounts with --accounts.",
                    err.code, err.message
                ))
            })?;
        for a in out.accounts() {
            let Some(id) = a.id() else { continue };
            organization.accounts.push(id.to_string());
            if organization.id.is_none() {
                organization.id = a.arn().and_then(organization_of);
            }
            // `State` supersedes the deprecated `Status`; read both, trust whichever is set.
            let state = a
                .state()
                .map(|s| s.as_str().to_string())
                .or_else(|| a.status().map(|s| s.as_str().to_string()))
                .unwrap_or_else(|| "ACTIVE".to_string());
            if state == "ACTIVE" {
                active.push(id.to_string());
            } else {
                skipped.push(SkippedAccount {
                    account_id: id.to_string(),
                    reason: format!("organization account state {state}"),
                });
            }
        }
        // A listing cut short would scan fewer accounts than the organization has, silently.
        token = pager.next(out.next_token()).map_err(|e| {
            FatalScanError(format!(
                "could not list the organization's accounts ({}: {}); name the accounts with --accounts.",
                e.code, e.message
            ))
        })?;
        if token.is_none() {
            break;
        }
    }
    if active.is_empty() {
        // A member account asking gets an empty list from some implementations (the moto
        // emulator does), not an error: never take that for an empty organization.
        return Err(FatalScanError(
            "organizations:ListAccounts returned no active account. Run --organization from the management \
             account or a delegated administrator, or name the accounts with --accounts."
                .into(),
        ));
    }
    active.sort();
    active.dedup();
    skipped.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    organization.accounts.sort();
    organization.accounts.dedup();
    Ok(OrgAccounts {
        active,
        skipped,
        organization,
    })
}
