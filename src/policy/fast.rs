//! Fast evaluation: the same decisions as [`evaluate`], factorized.
//!
//! A condition reads one context key, and every key belongs to one side of a request (see
//! `keys`): the principal (`aws:PrincipalAccount`, `aws:PrincipalArn`, … and the `Principal`
//! element itself), its organization (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`), the
//! network source (`aws:SourceIp`, `aws:SourceVpce`, `aws:SourceVpc`, …), or neither (keys
//! whose value never changes between probes, such as the time, and keys or operators the
//! engine does not evaluate). So whether a
//! statement applies to a (caller, source) pair is the AND of one bit per side, and each bit
//! needs one evaluation per distinct principal, membership or source, not one per pair. The
//! classifier probes up to tens of thousands of pairs on a big policy; with the bits cached, a
//! pair costs a few word-wide ANDs instead of a walk over every condition of every statement.

use super::document::{Operator, PrincipalSpec, Statement};
use super::keys::{side_of, Env, Side};
use super::reference::{
    condition, not_principal_exempts, principal_matches, Caller, ConditionTruth,
    CoveringStatements, Decision, NetworkSource, SourceOwner,
};
use std::collections::{BTreeSet, HashMap};

/// A fixed-size set of statement positions.
#[derive(Clone, PartialEq, Eq, Hash)]
struct StatementSet(Vec<u64>);

impl StatementSet {
    fn empty(n: usize) -> StatementSet {
        StatementSet(vec![0; n.div_ceil(64)])
    }

    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

/// What one side of a request makes of each statement: the statements whose conditions of
/// that side do not fail, and those where one of them cannot be evaluated.
#[derive(Clone)]
pub(super) struct SideOutcome {
    ok: StatementSet,
    unknown: StatementSet,
}

impl SideOutcome {
    fn and(&self, other: &SideOutcome) -> SideOutcome {
        SideOutcome {
            ok: StatementSet(
                self.ok
                    .0
                    .iter()
                    .zip(&other.ok.0)
                    .map(|(a, b)| a & b)
                    .collect(),
            ),
            unknown: StatementSet(
                (self.unknown.0.iter().zip(&other.unknown.0))
                    .map(|(a, b)| a | b)
                    .collect(),
            ),
        }
    }
}

/// The covering statements (denies first, then allows), with what each side of a request
/// makes of them.
pub(super) struct FastEvaluator<'a> {
    statements: Vec<&'a Statement>,
    env: Env<'a>,
    deny: StatementSet,
    constant: SideOutcome,
    /// Per source (index into the classifier's sources).
    sources: Vec<SideOutcome>,
    principals: HashMap<(String, String, Option<String>), SideOutcome>,
    orgs: HashMap<(Option<String>, Vec<String>), SideOutcome>,
}

/// The context of an empty request: no principal, no source.
fn nobody() -> (Caller, NetworkSource) {
    (
        Caller::Anonymous,
        NetworkSource {
            ip: None,
            vpce: None,
            vpc: None,
            owner: SourceOwner::Fresh,
            cidr: None,
        },
    )
}

/// The conditions of a statement the engine cannot evaluate for this request, named as
/// `unevaluated` reports them.
fn unevaluated_names<'s>(
    s: &'s Statement,
    caller: &'s Caller,
    source: &'s NetworkSource,
    env: &'s Env,
) -> impl Iterator<Item = String> + 's {
    s.conditions
        .iter()
        .filter(move |c| condition(c, s.effect, caller, source, env) == ConditionTruth::Unknown)
        .map(|c| {
            let op = match &c.operator {
                Operator::Unknown(name) => name.clone(),
                Operator::Known { .. } => "condition".into(),
            };
            format!("{op} {}", c.key)
        })
}

impl<'a> FastEvaluator<'a> {
    pub(super) fn new(
        covering: &CoveringStatements<'a>,
        sources: &[NetworkSource],
        env: Env<'a>,
    ) -> FastEvaluator<'a> {
        let statements: Vec<&Statement> = covering
            .denies
            .iter()
            .chain(&covering.allows)
            .copied()
            .collect();
        let mut deny = StatementSet::empty(statements.len());
        for i in 0..covering.denies.len() {
            deny.set(i);
        }
        let mut p = FastEvaluator {
            statements,
            env,
            deny,
            constant: SideOutcome {
                ok: StatementSet(vec![]),
                unknown: StatementSet(vec![]),
            },
            sources: vec![],
            principals: HashMap::new(),
            orgs: HashMap::new(),
        };
        let (caller, nowhere) = nobody();
        p.constant = p.side_outcome(Side::Constant, &caller, &nowhere);
        p.sources = sources
            .iter()
            .map(|src| p.side_outcome(Side::Source, &caller, src))
            .collect();
        p
    }

    /// What the conditions of one side make of each statement for this caller and source (on
    /// the principal side, `Principal`/`NotPrincipal` must take the caller in too).
    fn side_outcome(&self, side: Side, caller: &Caller, source: &NetworkSource) -> SideOutcome {
        let n = self.statements.len();
        let mut out = SideOutcome {
            ok: StatementSet::empty(n),
            unknown: StatementSet::empty(n),
        };
        for (i, s) in self.statements.iter().enumerate() {
            if side == Side::Principal {
                let taken_in = match &s.principal {
                    PrincipalSpec::Principal(items) => principal_matches(items, caller),
                    PrincipalSpec::NotPrincipal(items) => {
                        !not_principal_exempts(items, caller, s.effect)
                    }
                };
                if !taken_in {
                    continue;
                }
            }
            let mut ok = true;
            for c in s.conditions.iter().filter(|c| side_of(&c.key) == side) {
                match condition(c, s.effect, caller, source, &self.env) {
                    ConditionTruth::False => ok = false,
                    ConditionTruth::Unknown => out.unknown.set(i),
                    ConditionTruth::True => {}
                }
            }
            if ok {
                out.ok.set(i);
            }
        }
        out
    }

    /// What a caller's principal and organization (and the constant conditions) make of each
    /// statement; computed once per distinct principal and membership.
    pub(super) fn caller_outcome(&mut self, caller: &Caller) -> SideOutcome {
        let (principal_key, org_key) = match caller {
            Caller::Anonymous => ((String::new(), String::new(), None), (None, vec![])),
            Caller::Principal {
                account,
                arn,
                session,
                org_id,
                org_paths,
                ..
            } => (
                (account.clone(), arn.clone(), session.clone()),
                (org_id.clone(), org_paths.clone()),
            ),
        };
        let (_, nowhere) = nobody();
        if !self.principals.contains_key(&principal_key) {
            let outcome = self.side_outcome(Side::Principal, caller, &nowhere);
            self.principals.insert(principal_key.clone(), outcome);
        }
        if !self.orgs.contains_key(&org_key) {
            let outcome = self.side_outcome(Side::Org, caller, &nowhere);
            self.orgs.insert(org_key.clone(), outcome);
        }
        self.principals[&principal_key]
            .and(&self.orgs[&org_key])
            .and(&self.constant)
    }

    /// The decision for a caller (with its outcome from [`FastEvaluator::caller_outcome`])
    /// through a source (with its index in the classifier's sources), exactly as [`evaluate`]
    /// decides: a statement applies when every side lets it; an unknown condition keeps an Allow
    /// applying and stops a Deny.
    pub(super) fn decide(
        &self,
        (caller, caller_outcome): (&Caller, &SideOutcome),
        (source, source_index): (&NetworkSource, usize),
        unevaluated: &mut BTreeSet<String>,
    ) -> Decision {
        let both = caller_outcome.and(&self.sources[source_index]);
        let mut d = Decision::default();
        for (w, &applied) in both.ok.0.iter().enumerate() {
            let unknown = applied & both.unknown.0[w];
            let deny = self.deny.0[w];
            let mut rest = applied;
            while rest != 0 {
                let b = rest.trailing_zeros();
                rest &= rest - 1;
                let i = w * 64 + b as usize;
                let s = self.statements[i];
                if unknown & (1 << b) != 0 {
                    unevaluated.extend(unevaluated_names(s, caller, source, &self.env));
                    if deny & (1 << b) != 0 {
                        continue;
                    }
                }
                if deny & (1 << b) != 0 {
                    d.denied_by.push(s.sid.clone());
                } else {
                    d.allowed_by.push(s.sid.clone());
                }
            }
        }
        d
    }
}
