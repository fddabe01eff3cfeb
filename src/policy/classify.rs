//! The reach classifier.

use super::fast::FastEvaluator;
use super::probes::{
    fresh_account, memberships, principal_arn_instance, sources, vocabulary, Membership,
};
use super::reference::{Caller, CoveringStatements, NetworkSource, SourceOwner};
use super::{CallerKind, Network, PolicyMode, Reach, ReachContext, ReachQuery, ReachVerdict};
use std::collections::{BTreeMap, BTreeSet};

/// Where one probe caller gets in (see `reach_of`).
#[derive(Default)]
struct Admission {
    /// The Allow statements that let it in through a source open to every account, if any.
    open: Option<Vec<String>>,
    /// Network sources of named external accounts (or outside the estate) that let it in,
    /// with the Allow statements.
    confined: BTreeMap<String, Vec<String>>,
}

fn owner_label(o: &SourceOwner) -> Option<String> {
    match o {
        SourceOwner::Fresh => None,
        SourceOwner::Account(a) => Some(a.clone()),
        SourceOwner::Unknown(id) => Some(format!("unknown:{id}")),
    }
}

impl NetworkSource {
    /// A source nobody mentions and outside every CIDR of the policy: it stands for any network.
    fn is_fresh(&self) -> bool {
        self.owner == SourceOwner::Fresh && self.cidr.is_none()
    }
}

pub(super) fn classify_reach(
    covering: &CoveringStatements,
    query: &ReachQuery,
    ctx: &ReachContext,
) -> ReachVerdict {
    let vocab = vocabulary(covering);
    let (srcs, mut capped) = sources(&vocab, query.network, ctx);
    let mut unevaluated = BTreeSet::new();
    let mut fast = FastEvaluator::new(covering, &srcs);
    // `source` is an index into `srcs`.
    let mut admitted = |caller: &Caller, source: usize| -> Option<Vec<String>> {
        let outcome = fast.caller_outcome(caller);
        let d = fast.decide(
            (caller, &outcome),
            (&srcs[source], source),
            &mut unevaluated,
        );
        let ok = d.denied_by.is_empty()
            && (query.mode == PolicyMode::DenyOnly || !d.allowed_by.is_empty());
        ok.then_some(d.allowed_by)
    };

    let mut allowing: BTreeSet<String> = BTreeSet::new();
    let reach;
    let explanation;
    match query.caller {
        CallerKind::Anonymous => {
            let anon = Caller::Anonymous;
            let mut open = false;
            for (i, _) in srcs.iter().enumerate().filter(|(_, s)| s.is_fresh()) {
                if let Some(by) = admitted(&anon, i) {
                    open = true;
                    allowing.extend(by);
                }
            }
            if open {
                reach = match query.network {
                    Network::Public => Reach::Internet,
                    Network::PrivateVpce => Reach::AnyAwsAccount,
                };
                explanation = describe(&allowing, query.mode, "anonymous callers from any network");
            } else {
                let mut cidrs = BTreeSet::new();
                let mut accounts = BTreeSet::new();
                for (i, s) in srcs.iter().enumerate().filter(|(_, s)| !s.is_fresh()) {
                    if let Some(by) = admitted(&anon, i) {
                        if let Some(c) = &s.cidr {
                            cidrs.insert(c.clone());
                            allowing.extend(by);
                        } else if let Some(label) = owner_label(&s.owner) {
                            if label != ctx.owner_account {
                                accounts.insert(label);
                                allowing.extend(by);
                            }
                        }
                    }
                }
                if !cidrs.is_empty() {
                    let list: Vec<String> = cidrs.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!("anonymous callers from {}", list.join(", ")),
                    );
                    reach = Reach::InternetIpRestricted { cidrs: list };
                } else if !accounts.is_empty() {
                    let list: Vec<String> = accounts.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!(
                            "anonymous callers through network sources of {}",
                            list.join(", ")
                        ),
                    );
                    reach = Reach::Accounts { accounts: list };
                } else {
                    reach = Reach::Owner;
                    explanation = "no caller from outside the owner account is let in".into();
                }
            }
        }
        CallerKind::Authenticated => {
            let role = |account: &str| format!("arn:aws:iam::{account}:role/overexposed-probe");
            // Probe principals of an account: a role nobody names, and an instance of every
            // principal ARN or ARN pattern the policy mentions that fits the account.
            let principals_of = |account: &str| -> Vec<String> {
                let mut arns = vec![role(account)];
                for pattern in &vocab.arns {
                    if let Some(arn) = principal_arn_instance(pattern, account) {
                        if !arns.contains(&arn) {
                            arns.push(arn);
                        }
                    }
                }
                arns
            };
            // Where a caller gets in. A source nobody mentions (the internet, a CIDR, a fresh
            // endpoint) is open to every account; an endpoint or VPC of a named external account
            // (or one outside the audited estate) confines callers to that account's network; the
            // owner's own endpoints and VPCs never make a caller external.
            let mut admission = |caller: &Caller| -> Admission {
                let mut a = Admission::default();
                for (i, s) in srcs.iter().enumerate() {
                    match owner_label(&s.owner) {
                        None => {
                            if a.open.is_none() {
                                a.open = admitted(caller, i);
                            }
                        }
                        Some(label) if label == ctx.owner_account => {}
                        Some(label) => {
                            if let std::collections::btree_map::Entry::Vacant(slot) =
                                a.confined.entry(label)
                            {
                                if let Some(by) = admitted(caller, i) {
                                    slot.insert(by);
                                }
                            }
                        }
                    }
                }
                a
            };
            let (orgs_to_probe, memberships_capped) = memberships(&vocab);
            capped |= memberships_capped;
            let any_org = &orgs_to_probe[0];

            // Everyone else: a fresh account, and a fresh account in an organization nobody
            // names (any account can be in some organization).
            let stranger = fresh_account(&vocab, ctx.owner_account, 0);
            let member_account = fresh_account(&vocab, ctx.owner_account, 1);
            let mut everyone: Vec<Caller> = principals_of(&stranger)
                .iter()
                .map(|arn| Caller::principal(&stranger, arn, None))
                .collect();
            everyone.extend(
                principals_of(&member_account)
                    .iter()
                    .map(|arn| Caller::principal(&member_account, arn, Some(any_org))),
            );
            let mut open_to_all = false;
            let mut confined: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for c in &everyone {
                let a = admission(c);
                if let Some(by) = a.open {
                    open_to_all = true;
                    allowing.extend(by);
                }
                for (label, by) in a.confined {
                    confined.entry(label).or_default().extend(by);
                }
            }

            if open_to_all {
                reach = Reach::AnyAwsAccount;
                explanation = describe(
                    &allowing,
                    query.mode,
                    "any authenticated principal of any AWS account",
                );
            } else {
                // Every member of an organization (or of an organization path) the policy
                // names, seen through an account it does not name.
                let mut orgs = BTreeSet::new();
                for m in &orgs_to_probe {
                    let Some(label) = &m.label else { continue };
                    for arn in principals_of(&member_account) {
                        let a = admission(&Caller::principal(&member_account, &arn, Some(m)));
                        if let Some(by) = a.open {
                            orgs.insert(label.clone());
                            allowing.extend(by);
                        }
                        for (label, by) in a.confined {
                            confined.entry(label).or_default().extend(by);
                        }
                    }
                }
                if !orgs.is_empty() {
                    let orgs: Vec<String> = orgs.into_iter().collect();
                    explanation = describe(
                        &allowing,
                        query.mode,
                        &format!(
                            "every principal of the organization {}",
                            orgs.iter()
                                .map(|o| org_words(o))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    reach = Reach::Organization { org_ids: orgs };
                } else {
                    let mut accounts = BTreeSet::new();
                    let mut who = BTreeSet::new();
                    for (label, by) in confined {
                        who.insert(format!("principals using network sources of {label}"));
                        accounts.insert(label);
                        allowing.extend(by);
                    }
                    // Each named account and principal, on its own and as a member of each
                    // organization (or path) the policy names, or of one it does not: an
                    // organization guardrail (Deny unless aws:PrincipalOrgID …) lets in the
                    // named partners that are members.
                    let as_member_of = std::iter::once(None).chain(orgs_to_probe.iter().map(Some));
                    for account in vocab
                        .accounts
                        .iter()
                        .filter(|a| a.as_str() != ctx.owner_account)
                    {
                        let mut open = Vec::new();
                        let mut elsewhere = Vec::new();
                        for arn in principals_of(account) {
                            for m in as_member_of.clone() {
                                let a = admission(&Caller::principal(account, &arn, m));
                                if let Some(by) = a.open {
                                    let name = if arn == role(account) {
                                        format!("account {account}")
                                    } else {
                                        arn.clone()
                                    };
                                    let membership = match m {
                                        None => String::new(),
                                        Some(Membership { label: None, .. }) => {
                                            " as a member of an AWS Organization".into()
                                        }
                                        Some(Membership { label: Some(l), .. }) => {
                                            format!(" as a member of {}", org_words(l))
                                        }
                                    };
                                    open.push((format!("{name}{membership}"), by));
                                    break;
                                }
                                elsewhere.push((arn.clone(), a.confined));
                            }
                        }
                        if !open.is_empty() {
                            accounts.insert(account.clone());
                            for (name, by) in open {
                                who.insert(name);
                                allowing.extend(by);
                            }
                        } else {
                            // Let in only through another account's network: that network's
                            // owner is who can reach the method (as for everyone else).
                            for (arn, confined) in elsewhere {
                                for (label, by) in confined {
                                    who.insert(format!("{arn} through network sources of {label}"));
                                    accounts.insert(label);
                                    allowing.extend(by);
                                }
                            }
                        }
                    }
                    if accounts.is_empty() {
                        reach = Reach::Owner;
                        explanation =
                            "no principal from outside the owner account is let in".into();
                    } else {
                        let who: Vec<String> = who.into_iter().collect();
                        explanation = describe(&allowing, query.mode, &who.join(", "));
                        reach = Reach::Accounts {
                            accounts: accounts.into_iter().collect(),
                        };
                    }
                }
            }
        }
    }
    if !reach.beyond_owner() {
        allowing.clear();
    }
    let unevaluated: Vec<String> = unevaluated.into_iter().collect();
    ReachVerdict {
        low_confidence: !unevaluated.is_empty() || vocab.truncated || capped,
        reach,
        unevaluated,
        allowing_statements: allowing.into_iter().collect(),
        explanation,
    }
}

/// `o-abc`, or `path */ou-ab12-22222222/*` for an organization path of no named organization.
fn org_words(id: &str) -> String {
    if id.starts_with("o-") && !id.contains('/') {
        id.to_string()
    } else {
        format!("path {id}")
    }
}

fn describe(allowing: &BTreeSet<String>, mode: PolicyMode, who: &str) -> String {
    if allowing.is_empty() || mode == PolicyMode::DenyOnly {
        format!("no statement denies {who} (an authorizer, not the policy, decides)")
    } else {
        let sids: Vec<&str> = allowing.iter().map(String::as_str).collect();
        format!("statement {} allows {who}", sids.join(", "))
    }
}
