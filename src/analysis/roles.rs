//! Who can become a caller: the roles of each account that principals from outside it can
//! assume, directly or through a chain of roles within the scanned accounts.
//!
//! Built once per inventory from the IAM listing of every account:
//!
//! 1. Each role's policies are parsed (inline and attached, intersected with its permissions
//!    boundary); a document that cannot be read or parsed is taken as allowing everything (a
//!    verdict never narrows on what could not be read) and lowers the confidence.
//! 2. Each trust statement is judged on its own ([`policy::trust_grants`]): any AWS account,
//!    an organization, named accounts, or a public web identity provider. Outsiders split into
//!    the inside (the organization's accounts and the trusted ones) and the outside.
//! 3. Role chains: a role reached this way that may assume another role (the other's trust
//!    admits it, and, unless the trust names it within one account, its own policies allow
//!    `sts:AssumeRole` on it) passes on who reaches it, up to [`MAX_CHAIN`] roles. Each role
//!    keeps, per class of who reaches it, the shortest chain.
//!
//! A method's verdict then asks which of an account's reachable roles can invoke it
//! ([`RoleCallers::invokers`]).

use super::VpcOwnership;
use crate::inventory::{IamAccount, IamRole, Inventory, TargetStatus};
use crate::model::{Reach, RolePath};
use crate::policy::{
    self, parse_identity_policy, parse_trust_policy, role_invoke, InvokeRequest, Network,
    OffsetDateTime, PermissionSet, PolicyDocument, ReachContext, RoleCaller, RoleInvoke,
    TrustGrant, Trusted,
};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

/// The most roles one chain may hold (the entry role included): IAM's own role chaining ends
/// sessions after an hour, and real chains are short; the bound keeps the search finite.
pub(crate) const MAX_CHAIN: usize = 4;

/// Who counts as inside: the organization's accounts (and its id) and the trusted accounts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inside {
    pub accounts: BTreeSet<String>,
    pub organization: Option<String>,
}

impl Inside {
    fn account(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    /// An organization id, or an organization path pattern starting with it.
    fn organization(&self, org: &str) -> bool {
        self.organization
            .as_deref()
            .is_some_and(|own| org == own || org.starts_with(&format!("{own}/")))
    }
}

/// How principals outside a role's account become that role.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Who: `AnyAwsAccount`, `Organization`, `Accounts`, or `Internet` (a public web identity
    /// provider).
    pub who: Reach,
    /// Every one of them is inside the organization or trusted.
    pub inside: bool,
    /// The roles assumed in turn, the entry role first (ARNs).
    pub chain: Vec<String>,
    /// The entry role's trusted principals as its trust policy names them.
    pub trusted: Vec<String>,
    /// The entry role's trust statement that lets them in.
    pub trust_statement: String,
    /// Why the trust lets them in, and how each later role lets the previous one in.
    pub explanation: String,
    /// The web identity provider, for web identities.
    pub provider: Option<String>,
    /// Conditions the caller satisfies itself (`sts:ExternalId`): they do not narrow who.
    pub caller_set: Vec<String>,
    pub low_confidence: bool,
    pub unevaluated: Vec<String>,
}

impl Entry {
    /// The class of who, for keeping one chain per class: the reach and whether it is inside.
    fn class(&self) -> (String, bool) {
        (self.who.label(), self.inside)
    }
}

/// One role, parsed.
pub(crate) struct Role<'a> {
    pub account: &'a str,
    pub role: &'a IamRole,
    pub permissions: PermissionSet,
    /// Policies that could not be read or parsed (taken as allowing everything).
    pub unreadable: Vec<String>,
    trust: Result<PolicyDocument, String>,
    /// How outsiders become it (empty: only its own account's principals can).
    pub entries: Vec<Entry>,
}

/// The roles of every scanned account that outsiders can become, per account.
pub(crate) struct RoleCallers<'a> {
    roles: Vec<Role<'a>>,
    /// Per account, the roles with an entry (indexes into `roles`).
    reachable: HashMap<&'a str, Vec<usize>>,
    /// Accounts whose IAM was read (in full or in part).
    read: BTreeSet<&'a str>,
    inside: Inside,
    /// Per API (`arn:…:execute-api:<region>:<account>:<api-id>/`), the reachable roles whose
    /// policies (or the API's resource policy) may grant a call to it: found once per API,
    /// then every method of the API is judged against these only.
    candidates: Mutex<HashMap<String, Vec<usize>>>,
    /// The instant a role's call is evaluated at (`aws:CurrentTime`, `aws:EpochTime` in its
    /// policies and the API's resource policy): the same as the direct verdicts'.
    at: Option<OffsetDateTime>,
}

/// The policies of `role`, from its account's listing.
fn permissions_of(account: &IamAccount, role: &IamRole) -> (PermissionSet, Vec<String>) {
    let mut set = PermissionSet::default();
    let mut unreadable = Vec::new();
    for p in &role.inline_policies {
        let name = format!("inline:{}", p.name);
        match parse_identity_policy(&p.document) {
            Ok(doc) => set.add(&name, &doc),
            Err(e) => {
                unreadable.push(format!("{name} ({e})"));
                set.add_unreadable(&name);
            }
        }
    }
    let managed = |arn: &str| -> Result<PolicyDocument, String> {
        let policy = account
            .policies
            .iter()
            .find(|p| p.arn == arn)
            .ok_or_else(|| "not in the IAM listing".to_string())?;
        let text = policy
            .document
            .as_deref()
            .ok_or_else(|| "no default version listed".to_string())?;
        parse_identity_policy(text).map_err(|e| e.to_string())
    };
    for arn in &role.attached_policy_arns {
        match managed(arn) {
            Ok(doc) => set.add(arn, &doc),
            Err(e) => {
                unreadable.push(format!("{arn} ({e})"));
                set.add_unreadable(arn);
            }
        }
    }
    if let Some(arn) = &role.permissions_boundary_arn {
        match managed(arn) {
            Ok(doc) => set.set_boundary(arn, Some(&doc)),
            Err(e) => {
                unreadable.push(format!("permissions boundary {arn} ({e})"));
                set.set_boundary(arn, None);
            }
        }
    }
    (set, unreadable)
}

/// The entries one trust grant opens: one for outsiders, one for insiders (when it names
/// both); none for an EKS cluster's service accounts (the owner's own workloads).
fn entries_of(grant: &TrustGrant, role_arn: &str, inside: &Inside) -> Vec<Entry> {
    let entry = |who: Reach, is_inside: bool, provider: Option<String>| Entry {
        who,
        inside: is_inside,
        chain: vec![role_arn.to_string()],
        trusted: grant.principals.clone(),
        trust_statement: grant.statement.clone(),
        explanation: grant.explanation.clone(),
        provider,
        caller_set: grant.caller_set.clone(),
        low_confidence: grant.low_confidence,
        unevaluated: grant.unevaluated.clone(),
    };
    match &grant.trusted {
        Trusted::WebIdentity { public: false, .. } => vec![],
        Trusted::WebIdentity { provider, .. } => {
            vec![entry(Reach::Internet, false, Some(provider.clone()))]
        }
        Trusted::Aws(Reach::Accounts { accounts }) => {
            let (ins, outs): (Vec<String>, Vec<String>) =
                accounts.iter().cloned().partition(|a| inside.account(a));
            let mut out = Vec::new();
            if !outs.is_empty() {
                out.push(entry(Reach::Accounts { accounts: outs }, false, None));
            }
            if !ins.is_empty() {
                out.push(entry(Reach::Accounts { accounts: ins }, true, None));
            }
            out
        }
        Trusted::Aws(Reach::Organization { org_ids }) => {
            let (ins, outs): (Vec<String>, Vec<String>) = org_ids
                .iter()
                .cloned()
                .partition(|o| inside.organization(o));
            let mut out = Vec::new();
            if !outs.is_empty() {
                out.push(entry(Reach::Organization { org_ids: outs }, false, None));
            }
            if !ins.is_empty() {
                out.push(entry(Reach::Organization { org_ids: ins }, true, None));
            }
            out
        }
        Trusted::Aws(who) => vec![entry(who.clone(), false, None)],
    }
}

/// Where each role can be found by what a trust policy names.
#[derive(Default)]
struct TrustIndex {
    /// Roles whose trust names this principal ARN exactly.
    by_arn: HashMap<String, Vec<usize>>,
    /// Roles whose trust names this account.
    by_account: HashMap<String, Vec<usize>>,
    /// Roles whose trust names `*`, a wildcard ARN or uses `NotPrincipal`: any role may be let in.
    anyone: Vec<usize>,
}

impl TrustIndex {
    fn new(roles: &[Role]) -> TrustIndex {
        let mut index = TrustIndex::default();
        for (i, r) in roles.iter().enumerate() {
            let Ok(trust) = &r.trust else {
                index.anyone.push(i);
                continue;
            };
            let named = policy::trust_principals(trust);
            if named.anyone {
                index.anyone.push(i);
            }
            for arn in named.arns {
                index.by_arn.entry(arn).or_default().push(i);
            }
            for account in named.accounts {
                index.by_account.entry(account).or_default().push(i);
            }
        }
        index
    }

    /// The roles whose trust may let `role` in (to be checked one by one): those that name it
    /// exactly, and those that name its account or anyone, which it can assume only when its
    /// own policies allow `sts:AssumeRole` (`may_assume`; within one account, a trust naming
    /// the role itself needs no such permission).
    fn candidates(&self, role: &Role, may_assume: bool) -> BTreeSet<usize> {
        let mut out: BTreeSet<usize> = self
            .by_arn
            .get(&role.role.arn)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        if may_assume {
            out.extend(self.anyone.iter().copied());
            out.extend(self.by_account.get(role.account).into_iter().flatten());
        }
        out
    }
}

impl<'a> RoleCallers<'a> {
    /// Parses every account's roles, finds who can become each, and follows role chains; the
    /// calls they make are evaluated at `at`.
    pub(crate) fn new(
        inv: &'a Inventory,
        inside: Inside,
        at: Option<OffsetDateTime>,
    ) -> RoleCallers<'a> {
        let mut roles = Vec::new();
        let mut read = BTreeSet::new();
        for account in &inv.iam {
            if account.status == TargetStatus::Failed && account.roles.is_empty() {
                continue;
            }
            read.insert(account.account_id.as_str());
            for role in &account.roles {
                let (permissions, unreadable) = permissions_of(account, role);
                let trust = parse_trust_policy(&role.trust_policy).map_err(|e| e.to_string());
                let entries = match &trust {
                    Ok(doc) => policy::trust_grants(doc, &account.account_id)
                        .iter()
                        .flat_map(|g| entries_of(g, &role.arn, &inside))
                        .collect(),
                    // A trust policy that cannot be read: taken as open to any AWS account.
                    Err(e) => vec![Entry {
                        who: Reach::AnyAwsAccount,
                        inside: false,
                        chain: vec![role.arn.clone()],
                        trusted: vec![],
                        trust_statement: "(unreadable)".into(),
                        explanation: format!("the trust policy could not be parsed ({e}), so it is taken as letting in any AWS account"),
                        provider: None,
                        caller_set: vec![],
                        low_confidence: true,
                        unevaluated: vec![],
                    }],
                };
                roles.push(Role {
                    account: account.account_id.as_str(),
                    role,
                    permissions,
                    unreadable,
                    trust,
                    entries,
                });
            }
        }
        let mut callers = RoleCallers {
            roles,
            reachable: HashMap::new(),
            read,
            inside,
            candidates: Mutex::new(HashMap::new()),
            at,
        };
        callers.follow_chains();
        for (i, r) in callers.roles.iter().enumerate() {
            if !r.entries.is_empty() {
                callers.reachable.entry(r.account).or_default().push(i);
            }
        }
        callers
    }

    /// Whether role `from` can assume role `to`, and how (words for the chain's explanation).
    fn assumes(&self, from: usize, to: usize) -> Option<String> {
        let (f, t) = (&self.roles[from], &self.roles[to]);
        if from == to {
            return None;
        }
        let organization = self
            .inside
            .account(f.account)
            .then_some(self.inside.organization.as_deref())
            .flatten();
        let admission = match &t.trust {
            Ok(doc) => policy::trust_admits(doc, f.account, &f.role.arn, organization)?,
            // Unreadable trust: taken as open, and the caller's own policies must allow.
            Err(_) => policy::Admission {
                statements: vec!["(unreadable)".into()],
                by_name: false,
            },
        };
        let own = if f.account == t.account && admission.by_name {
            None
        } else {
            Some(
                f.permissions
                    .allows_assume(&t.role.arn, f.account, &f.role.arn)?,
            )
        };
        let trust_words = format!(
            "role/{} lets role/{} in through trust statement {}",
            crate::model::role_name(&t.role.arn),
            crate::model::role_name(&f.role.arn),
            admission.statements.join(", ")
        );
        Some(match own {
            None => trust_words,
            Some(statements) => format!(
                "{trust_words} and {} allows sts:AssumeRole on it",
                statements.join(", ")
            ),
        })
    }

    /// Passes each role's entries on to the roles it can assume, breadth first (shortest
    /// chains first), keeping one entry per class of who per role.
    fn follow_chains(&mut self) {
        let index = TrustIndex::new(&self.roles);
        // Whether each role's own policies allow `sts:AssumeRole` on anything: most roles'
        // do not, which spares checking them against every trust that names their account.
        let may_assume: Vec<bool> = self
            .roles
            .iter()
            .map(|r| r.permissions.may_allow_under("sts:AssumeRole", ""))
            .collect();
        let mut queue: VecDeque<usize> = (0..self.roles.len())
            .filter(|&i| !self.roles[i].entries.is_empty())
            .collect();
        let mut checked: HashMap<(usize, usize), Option<String>> = HashMap::new();
        while let Some(from) = queue.pop_front() {
            let passing: Vec<Entry> = self.roles[from]
                .entries
                .iter()
                .filter(|e| e.chain.len() < MAX_CHAIN)
                .cloned()
                .collect();
            if passing.is_empty() {
                continue;
            }
            for to in index.candidates(&self.roles[from], may_assume[from]) {
                let how = checked
                    .entry((from, to))
                    .or_insert_with(|| self.assumes(from, to))
                    .clone();
                let Some(how) = how else { continue };
                let mut grew = false;
                for e in &passing {
                    let to_role = &self.roles[to];
                    if e.chain.contains(&to_role.role.arn)
                        || to_role.entries.iter().any(|x| x.class() == e.class())
                    {
                        continue;
                    }
                    let mut next = e.clone();
                    next.chain.push(to_role.role.arn.clone());
                    next.explanation = format!("{}; {how}", e.explanation);
                    self.roles[to].entries.push(next);
                    grew = true;
                }
                if grew {
                    queue.push_back(to);
                }
            }
        }
    }

    /// Whether this account's IAM was read, so trust-path verdicts can be made for it.
    pub(crate) fn read(&self, account: &str) -> bool {
        self.read.contains(account)
    }

    /// The roles of `account` that outsiders can become and that can invoke the method (a
    /// method ARN with a concrete verb), each with how.
    pub(crate) fn invokers(
        &self,
        account: &str,
        method_arn: &str,
        resource_policy: Option<&PolicyDocument>,
        network: Network,
        ownership: &VpcOwnership,
    ) -> Vec<Invoker<'_, 'a>> {
        let Some(reachable) = self.reachable.get(account) else {
            return vec![];
        };
        // `arn:aws:execute-api:<region>:<account>:<api-id>/`: a role's grant must fit it.
        let api_prefix = match method_arn.split_once('/') {
            Some((api, _)) => format!("{api}/"),
            None => method_arn.to_string(),
        };
        let region = method_arn.split(':').nth(3).unwrap_or("");
        let vpce_owner = |id: &str| ownership.vpce_owner.get(id).cloned();
        let vpc_owner = |id: &str| ownership.vpc_owner.get(id).cloned();
        let vpce_vpc = |id: &str| ownership.vpce_vpc.get(id).cloned();
        let ctx = ReachContext {
            owner_account: account,
            region,
            at: self.at,
            vpce_owner: &vpce_owner,
            vpc_owner: &vpc_owner,
            vpce_vpc: &vpce_vpc,
        };
        let request = InvokeRequest {
            method_arn,
            resource_policy,
            network,
        };
        let organization = self
            .inside
            .account(account)
            .then_some(self.inside.organization.as_deref())
            .flatten();
        // Looked up, then computed without the lock (the workers of
        // `Analysis::for_each_group` share this index; two may compute the same API's list at
        // worst, never a different one).
        let known = self
            .candidates
            .lock()
            .expect("no panic while holding the lock")
            .get(&api_prefix)
            .cloned();
        let candidates = known.unwrap_or_else(|| {
            let found: Vec<usize> = reachable
                .iter()
                .copied()
                .filter(|&i| {
                    let r = &self.roles[i];
                    r.permissions
                        .may_allow_under("execute-api:Invoke", &api_prefix)
                        || resource_policy
                            .is_some_and(|d| policy::may_grant_role(d, r.account, &r.role.arn))
                })
                .collect();
            self.candidates
                .lock()
                .expect("no panic while holding the lock")
                .insert(api_prefix.clone(), found.clone());
            found
        });
        candidates
            .into_iter()
            .map(|i| &self.roles[i])
            .filter_map(|r| {
                let caller = RoleCaller {
                    account: r.account,
                    arn: &r.role.arn,
                    permissions: &r.permissions,
                    organization,
                };
                role_invoke(&caller, &request, &ctx).map(|invoke| Invoker { role: r, invoke })
            })
            .collect()
    }
}

/// A role outsiders can become that can invoke a method, and how it can.
pub(crate) struct Invoker<'r, 'a> {
    pub role: &'r Role<'a>,
    pub invoke: RoleInvoke,
}

impl Invoker<'_, '_> {
    /// The path of one of the role's entries, for a finding's reach.
    pub(crate) fn path(&self, entry: &Entry) -> RolePath {
        RolePath {
            chain: entry.chain.clone(),
            trusted: entry.trusted.clone(),
            trust_statement: entry.trust_statement.clone(),
            permission_statements: self.invoke.allowing_statements.clone(),
        }
    }
}

/// The inside, from the analysis options and what the scan recorded.
pub(crate) fn inside_of(
    inv: &Inventory,
    organization_accounts: &BTreeSet<String>,
    trusted_accounts: &BTreeSet<String>,
) -> Inside {
    let mut accounts: BTreeSet<String> = organization_accounts
        .iter()
        .chain(trusted_accounts)
        .cloned()
        .collect();
    accounts.extend(inv.scope.organization_accounts.iter().cloned());
    Inside {
        accounts,
        organization: inv.scope.organization_id.clone(),
    }
}

#[cfg(test)]
mod tests;
