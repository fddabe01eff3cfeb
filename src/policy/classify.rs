//! The reach classifier: the widest class of callers the probes let in, and its wording.
//!
//! A caller let in only through a VPC endpoint or VPC of a named account is confined to that
//! account's network, so the reach names that account (`unknown:<id>` when the endpoint is
//! outside the audited estate); the owner's own endpoints never make a caller external.

use super::fast::FastEvaluator;
use super::keys::Env;
use super::probes::{
    fresh_account, memberships, principal_arn_instance, sources, vocabulary, Membership, Vocabulary,
};
use super::reference::{probe_role, Caller, CoveringStatements, NetworkSource, SourceOwner};
use super::{CallerKind, Network, PolicyMode, Reach, ReachContext, ReachQuery, ReachVerdict};
use std::collections::{BTreeMap, BTreeSet};

/// Network sources of named external accounts (or outside the estate), by owner label, with
/// the Allow statements that let a caller in through them.
type Confined = BTreeMap<String, Vec<String>>;

/// Where one probe caller gets in.
#[derive(Default)]
struct Admission {
    /// The Allow statements that let it in through a source open to every account, if any.
    open: Option<Vec<String>>,
    /// Network sources of named external accounts (or outside the estate) that let it in,
    /// with the Allow statements.
    confined: Confined,
}

/// Where the principals of one named account get in.
struct NamedAccountAdmission {
    /// Who gets in from a source open to every account (worded), with the Allow statements.
    open: Vec<(String, Vec<String>)>,
    /// For each probe that does not get in that way, its principal and the other accounts'
    /// networks that let it in.
    elsewhere: Vec<(String, Confined)>,
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

/// The verdict of the covering statements for one query, at the instant of `env`.
pub(super) fn classify_reach(
    covering: &CoveringStatements,
    query: &ReachQuery,
    ctx: &ReachContext,
    env: Env,
) -> ReachVerdict {
    let vocab = vocabulary(covering);
    let probes = sources(&vocab, query.network, ctx);
    classify_through(covering, query, ctx.owner_account, env, vocab, probes)
}

/// The verdict of the covering statements for callers coming through the given network
/// sources (and whether those had to be capped), for requests of `env`: [`classify_reach`]
/// with the sources chosen by the caller (VPC Lattice: the VPCs that can reach a service).
pub(super) fn classify_through(
    covering: &CoveringStatements,
    query: &ReachQuery,
    owner: &str,
    env: Env,
    vocab: Vocabulary,
    (sources, capped): (Vec<NetworkSource>, bool),
) -> ReachVerdict {
    let mut c = Classification {
        mode: query.mode,
        owner,
        prober: Prober {
            fast: FastEvaluator::new(covering, &sources, env),
            mode: query.mode,
            unevaluated: BTreeSet::new(),
        },
        vocab,
        sources,
        allowing: BTreeSet::new(),
        capped,
    };
    let (reach, explanation) = match query.caller {
        CallerKind::Anonymous => c.anonymous_reach(query.network),
        CallerKind::Authenticated => c.authenticated_reach(),
    };
    c.verdict(reach, explanation)
}

/// Decides probe requests, and remembers the conditions it could not evaluate on the way.
struct Prober<'a> {
    fast: FastEvaluator<'a>,
    mode: PolicyMode,
    unevaluated: BTreeSet<String>,
}

impl Prober<'_> {
    /// The Allow statements that let `caller` in through `source` (at `index` in the
    /// classifier's sources), or `None` when the policy keeps it out.
    fn admitted(
        &mut self,
        caller: &Caller,
        (source, index): (&NetworkSource, usize),
    ) -> Option<Vec<String>> {
        let outcome = self.fast.caller_outcome(caller);
        let d = self
            .fast
            .decide((caller, &outcome), (source, index), &mut self.unevaluated);
        let ok = d.denied_by.is_empty()
            && (self.mode == PolicyMode::DenyOnly || !d.allowed_by.is_empty());
        ok.then_some(d.allowed_by)
    }
}

/// One query being classified: its probes, and what they have shown so far.
struct Classification<'a> {
    mode: PolicyMode,
    owner: &'a str,
    prober: Prober<'a>,
    vocab: Vocabulary,
    sources: Vec<NetworkSource>,
    /// The Allow statements that let the widest callers found so far in.
    allowing: BTreeSet<String>,
    /// Whether some probes had to be left out.
    capped: bool,
}

impl Classification<'_> {
    /// The explanation of a reach of `who`, naming the statements that let them in.
    fn explain(&self, who: &str) -> String {
        describe(&self.allowing, self.mode, who)
    }

    /// Anonymous callers: from any network, from the policy's CIDRs, or through the network
    /// sources of named accounts.
    fn anonymous_reach(&mut self, network: Network) -> (Reach, String) {
        let anon = Caller::Anonymous;
        let mut open = false;
        for (i, s) in self
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_fresh())
        {
            if let Some(by) = self.prober.admitted(&anon, (s, i)) {
                open = true;
                self.allowing.extend(by);
            }
        }
        if open {
            let reach = match network {
                Network::Public => Reach::Internet,
                Network::PrivateVpce => Reach::AnyAwsAccount,
            };
            return (reach, self.explain("anonymous callers from any network"));
        }
        let mut cidrs = BTreeSet::new();
        let mut accounts = BTreeSet::new();
        for (i, s) in self
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_fresh())
        {
            if let Some(by) = self.prober.admitted(&anon, (s, i)) {
                if let Some(c) = &s.cidr {
                    cidrs.insert(c.clone());
                    self.allowing.extend(by);
                } else if let Some(label) = owner_label(&s.owner) {
                    if label != self.owner {
                        accounts.insert(label);
                        self.allowing.extend(by);
                    }
                }
            }
        }
        if !cidrs.is_empty() {
            let list: Vec<String> = cidrs.into_iter().collect();
            let explanation = self.explain(&format!("anonymous callers from {}", list.join(", ")));
            (Reach::InternetIpRestricted { cidrs: list }, explanation)
        } else if !accounts.is_empty() {
            let list: Vec<String> = accounts.into_iter().collect();
            let explanation = self.explain(&format!(
                "anonymous callers through network sources of {}",
                list.join(", ")
            ));
            (Reach::Accounts { accounts: list }, explanation)
        } else {
            (
                Reach::Owner,
                "no caller from outside the owner account is let in".into(),
            )
        }
    }

    /// Authenticated callers: any account, the members of a named organization, or named
    /// accounts and principals (directly or through another account's network).
    fn authenticated_reach(&mut self) -> (Reach, String) {
        let (orgs_to_probe, memberships_capped) = memberships(&self.vocab);
        self.capped |= memberships_capped;
        let member_account = fresh_account(&self.vocab, self.owner, 1);
        let (open_to_all, mut confined) = self.everyone_else(&orgs_to_probe[0], &member_account);
        if open_to_all {
            let explanation = self.explain("any authenticated principal of any AWS account");
            return (Reach::AnyAwsAccount, explanation);
        }
        let orgs = self.named_organizations(&orgs_to_probe, &member_account, &mut confined);
        if !orgs.is_empty() {
            let orgs: Vec<String> = orgs.into_iter().collect();
            let explanation = self.explain(&format!(
                "every principal of the organization {}",
                orgs.iter()
                    .map(|o| org_words(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return (Reach::Organization { org_ids: orgs }, explanation);
        }
        self.named_accounts(&orgs_to_probe, confined)
    }

    /// Probe principals of an account: a role nobody names, and an instance of every principal
    /// ARN or ARN pattern the policy mentions that fits the account.
    fn principals_of(&self, account: &str) -> Vec<String> {
        let mut arns = vec![probe_role(account)];
        for pattern in &self.vocab.arns {
            if let Some(arn) = principal_arn_instance(pattern, account) {
                if !arns.contains(&arn) {
                    arns.push(arn);
                }
            }
        }
        arns
    }

    /// Where a caller gets in. A source nobody mentions (the internet, a CIDR, a fresh
    /// endpoint) is open to every account; an endpoint or VPC of a named external account (or
    /// one outside the audited estate) confines callers to that account's network; the owner's
    /// own endpoints and VPCs never make a caller external.
    fn admission(&mut self, caller: &Caller) -> Admission {
        let mut a = Admission::default();
        for (i, s) in self.sources.iter().enumerate() {
            match owner_label(&s.owner) {
                None => {
                    if a.open.is_none() {
                        a.open = self.prober.admitted(caller, (s, i));
                    }
                }
                Some(label) if label == self.owner => {}
                Some(label) => {
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        a.confined.entry(label)
                    {
                        if let Some(by) = self.prober.admitted(caller, (s, i)) {
                            slot.insert(by);
                        }
                    }
                }
            }
        }
        a
    }

    /// Everyone else: a fresh account, and a fresh account (`member_account`) in an
    /// organization nobody names (any account can be in some organization). Whether they get
    /// in from a source open to every account, and the other accounts' networks that let them
    /// in.
    fn everyone_else(&mut self, any_org: &Membership, member_account: &str) -> (bool, Confined) {
        let stranger = fresh_account(&self.vocab, self.owner, 0);
        let mut everyone: Vec<Caller> = self
            .principals_of(&stranger)
            .iter()
            .map(|arn| Caller::principal(&stranger, arn, None))
            .collect();
        everyone.extend(
            self.principals_of(member_account)
                .iter()
                .map(|arn| Caller::principal(member_account, arn, Some(any_org))),
        );
        let mut open_to_all = false;
        let mut confined: Confined = BTreeMap::new();
        for c in &everyone {
            let a = self.admission(c);
            if let Some(by) = a.open {
                open_to_all = true;
                self.allowing.extend(by);
            }
            for (label, by) in a.confined {
                confined.entry(label).or_default().extend(by);
            }
        }
        (open_to_all, confined)
    }

    /// Every member of an organization (or of an organization path) the policy names, seen
    /// through an account it does not name: the organizations that let them in. The other
    /// accounts' networks that let them in are added to `confined`.
    fn named_organizations(
        &mut self,
        orgs_to_probe: &[Membership],
        member_account: &str,
        confined: &mut Confined,
    ) -> BTreeSet<String> {
        let mut orgs = BTreeSet::new();
        for m in orgs_to_probe {
            let Some(label) = &m.label else { continue };
            for arn in self.principals_of(member_account) {
                let a = self.admission(&Caller::principal(member_account, &arn, Some(m)));
                if let Some(by) = a.open {
                    orgs.insert(label.clone());
                    self.allowing.extend(by);
                }
                for (label, by) in a.confined {
                    confined.entry(label).or_default().extend(by);
                }
            }
        }
        orgs
    }

    /// The accounts that can reach the method when no organization can: the owners of the
    /// networks in `confined`, and each named account or principal let in.
    fn named_accounts(
        &mut self,
        orgs_to_probe: &[Membership],
        confined: Confined,
    ) -> (Reach, String) {
        let mut accounts = BTreeSet::new();
        let mut who = BTreeSet::new();
        for (label, by) in confined {
            who.insert(format!("principals using network sources of {label}"));
            accounts.insert(label);
            self.allowing.extend(by);
        }
        let named: Vec<String> = (self.vocab.accounts.iter())
            .filter(|a| a.as_str() != self.owner)
            .cloned()
            .collect();
        for account in &named {
            let NamedAccountAdmission { open, elsewhere } =
                self.named_account(account, orgs_to_probe);
            if !open.is_empty() {
                accounts.insert(account.clone());
                for (name, by) in open {
                    who.insert(name);
                    self.allowing.extend(by);
                }
            } else {
                // Let in only through another account's network: that network's owner is who
                // can reach the method (as for everyone else).
                for (arn, confined) in elsewhere {
                    for (label, by) in confined {
                        who.insert(format!("{arn} through network sources of {label}"));
                        accounts.insert(label);
                        self.allowing.extend(by);
                    }
                }
            }
        }
        if accounts.is_empty() {
            (
                Reach::Owner,
                "no principal from outside the owner account is let in".into(),
            )
        } else {
            let who: Vec<String> = who.into_iter().collect();
            let explanation = self.explain(&who.join(", "));
            let reach = Reach::Accounts {
                accounts: accounts.into_iter().collect(),
            };
            (reach, explanation)
        }
    }

    /// Each principal of a named account, on its own and as a member of each organization (or
    /// path) the policy names, or of one it does not: an organization guardrail (Deny unless
    /// aws:PrincipalOrgID …) lets in the named partners that are members.
    fn named_account(
        &mut self,
        account: &str,
        orgs_to_probe: &[Membership],
    ) -> NamedAccountAdmission {
        let as_member_of = std::iter::once(None).chain(orgs_to_probe.iter().map(Some));
        let mut open = Vec::new();
        let mut elsewhere = Vec::new();
        for arn in self.principals_of(account) {
            for m in as_member_of.clone() {
                let a = self.admission(&Caller::principal(account, &arn, m));
                if let Some(by) = a.open {
                    let name = if arn == probe_role(account) {
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
        NamedAccountAdmission { open, elsewhere }
    }

    fn verdict(self, reach: Reach, explanation: String) -> ReachVerdict {
        let mut allowing = self.allowing;
        if !reach.beyond_owner() {
            allowing.clear();
        }
        let unevaluated: Vec<String> = self.prober.unevaluated.into_iter().collect();
        ReachVerdict {
            low_confidence: !unevaluated.is_empty() || self.vocab.truncated || self.capped,
            reach,
            unevaluated,
            allowing_statements: allowing.into_iter().collect(),
            explanation,
            change: None,
        }
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
