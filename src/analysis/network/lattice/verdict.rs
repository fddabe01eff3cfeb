//! Who reaches a Lattice service, verb by verb: every way in, every path probe and both kinds
//! of caller (signed, and unsigned), through the service's gate and the network's; then the
//! rules the verbs break.

use super::routes::{Gate, GateFacts, Route};
use crate::analysis::apigateway::covering_write_rule;
use crate::model::Reach;
use crate::policy::lattice::time_boundaries;
use crate::policy::lattice::{invoke_reach, InvokeRequest, SourceVpc, VpcOwner};
use crate::policy::{CallerKind, PolicyDocument, ReachChange};
use crate::rules::RuleId;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// Verbs that only read; every other verb a service accepts can change data.
const READ_VERBS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

pub(super) fn is_write(verb: &str) -> bool {
    !READ_VERBS.contains(&verb)
}

/// What one gate makes of one request.
struct GateVerdict {
    reach: Reach,
    low_confidence: bool,
    unevaluated: Vec<String>,
    allowing: Vec<String>,
    explanation: String,
}

/// Who, of one kind of caller, reaches one verb of a service (widest over its ways in and
/// paths), and by what.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Judged {
    pub(super) reach: Reach,
    /// The paths (as shown: `*` for every path no policy singles out) that reach beyond the owner.
    pub(super) paths: BTreeSet<String>,
    /// The ways in (indices of the routes) that reach beyond the owner.
    pub(super) routes: BTreeSet<usize>,
    /// The Allow statements that let them in, by gate (`service: Sid`, `network sn-…: Sid`).
    pub(super) allowing: BTreeSet<String>,
    /// What the policies say of the widest, when a policy decided.
    pub(super) explanation: String,
}

impl Judged {
    fn nobody() -> Judged {
        Judged {
            reach: Reach::Owner,
            paths: BTreeSet::new(),
            routes: BTreeSet::new(),
            allowing: BTreeSet::new(),
            explanation: String::new(),
        }
    }
}

/// The verdict of one verb: for unsigned callers, and for signed ones.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct VerbVerdict {
    pub(super) verb: String,
    pub(super) anonymous: Judged,
    pub(super) authenticated: Judged,
}

/// Every verb's verdict, and whether some of it rests on something not fully evaluated.
pub(super) struct ServiceVerdict {
    pub(super) verbs: Vec<VerbVerdict>,
    pub(super) low_confidence: bool,
    pub(super) unevaluated: Vec<String>,
}

/// What a service is judged by: its ARN, owner and gate, its ways in, and the requests to
/// probe (verbs, and paths with how each is shown).
pub(super) struct Judging<'a> {
    pub(super) service_arn: &'a str,
    pub(super) owner: &'a str,
    pub(super) service: &'a GateFacts,
    pub(super) routes: &'a [Route<'a>],
    pub(super) methods: &'a [String],
    pub(super) paths: &'a [(String, String)],
    /// The instant requests are made at.
    pub(super) at: Option<OffsetDateTime>,
}

pub(super) fn judge(j: &Judging) -> ServiceVerdict {
    let mut out = ServiceVerdict {
        verbs: Vec::new(),
        low_confidence: false,
        unevaluated: Vec::new(),
    };
    for verb in j.methods {
        let anonymous = judge_caller(j, verb, CallerKind::Anonymous, &mut out);
        let authenticated = judge_caller(j, verb, CallerKind::Authenticated, &mut out);
        out.verbs.push(VerbVerdict {
            verb: verb.clone(),
            anonymous,
            authenticated,
        });
    }
    out.unevaluated.sort();
    out.unevaluated.dedup();
    out
}

fn judge_caller(j: &Judging, verb: &str, caller: CallerKind, out: &mut ServiceVerdict) -> Judged {
    let mut acc = Judged::nobody();
    for (i, route) in j.routes.iter().enumerate() {
        let network_arn = route.network_arn();
        for (probe, shown) in j.paths {
            let request = InvokeRequest {
                service_arn: j.service_arn,
                network_arn: network_arn.as_deref(),
                method: verb,
                path: probe,
                at: j.at,
            };
            let network = route.gate_label();
            let gates = [
                ("service", &j.service.gate),
                (network.as_str(), &route.gate.gate),
            ];
            let mut reach: Option<Reach> = None;
            let mut allowing = Vec::new();
            let mut explanation = Vec::new();
            for (name, gate) in gates {
                let g = gate_reach(gate, &request, caller, j.owner, &route.sources);
                out.low_confidence |= g.low_confidence;
                out.unevaluated.extend(g.unevaluated);
                allowing.extend(g.allowing.into_iter().map(|s| format!("{name}: {s}")));
                if !g.explanation.is_empty() {
                    explanation.push(format!("{name}: {}", g.explanation));
                }
                let (both, widened) = match reach {
                    None => (g.reach, false),
                    Some(r) => narrowest(r, g.reach),
                };
                out.low_confidence |= widened;
                reach = Some(both);
            }
            let reach = capped(reach.unwrap_or(Reach::Owner), route.org_cap.as_deref());
            if !reach.beyond_owner() {
                continue;
            }
            acc.paths.insert(shown.clone());
            acc.routes.insert(i);
            acc.allowing.extend(allowing);
            if reach.width() > acc.reach.width() || acc.explanation.is_empty() {
                acc.explanation = explanation.join("; ");
            }
            acc.reach = acc.reach.clone().widest(reach);
        }
    }
    acc
}

/// Who one gate lets in, of the callers coming from `sources`.
fn gate_reach(
    gate: &Gate,
    request: &InvokeRequest,
    caller: CallerKind,
    owner: &str,
    sources: &[SourceVpc],
) -> GateVerdict {
    match gate {
        Gate::Open => GateVerdict {
            reach: sources_reach(sources, owner),
            low_confidence: false,
            unevaluated: vec![],
            allowing: vec![],
            explanation: String::new(),
        },
        Gate::Closed => GateVerdict {
            reach: Reach::Owner,
            low_confidence: false,
            unevaluated: vec![],
            allowing: vec![],
            explanation: "AWS_IAM with no auth policy denies every request".into(),
        },
        Gate::Policy(doc) => {
            let v = invoke_reach(doc, request, caller, owner, sources);
            GateVerdict {
                reach: v.reach,
                low_confidence: v.low_confidence,
                unevaluated: v.unevaluated,
                allowing: v.allowing_statements,
                explanation: v.explanation,
            }
        }
    }
}

/// Whoever has a client in one of `sources`: every account when one of them is any
/// account's, else the owners of the external ones (`unknown:<vpc>` when unnamed).
pub(super) fn sources_reach(sources: &[SourceVpc], owner: &str) -> Reach {
    let mut accounts = BTreeSet::new();
    for s in sources {
        match &s.owner {
            VpcOwner::AnyAccount => return Reach::AnyAwsAccount,
            VpcOwner::Account(a) if a == owner => {}
            VpcOwner::Account(a) => {
                accounts.insert(a.clone());
            }
            VpcOwner::Unknown => {
                accounts.insert(format!("unknown:{}", s.vpc_id.as_deref().unwrap_or("vpc")));
            }
        }
    }
    if accounts.is_empty() {
        Reach::Owner
    } else {
        Reach::Accounts {
            accounts: accounts.into_iter().collect(),
        }
    }
}

/// A network shared with organizations only: whoever else gets in can only be an account of
/// those organizations.
fn capped(reach: Reach, orgs: Option<&[String]>) -> Reach {
    match (reach, orgs) {
        (Reach::AnyAwsAccount, Some(orgs)) => Reach::Organization {
            org_ids: orgs.to_vec(),
        },
        (reach, _) => reach,
    }
}

fn union(mut x: Vec<String>, y: Vec<String>) -> Vec<String> {
    x.extend(y);
    x.sort();
    x.dedup();
    x
}

/// Who both gates let in, and whether it had to be widened. Each gate's reach names the
/// widest class it lets in; the callers both let in are in the narrower class. Two sets of
/// accounts are intersected, but a caller named by one gate may come from a VPC the other
/// names, so when they share no account both are kept (wider, never narrower: at medium
/// confidence).
pub(super) fn narrowest(a: Reach, b: Reach) -> (Reach, bool) {
    match (a, b) {
        (Reach::Owner, _) | (_, Reach::Owner) => (Reach::Owner, false),
        (Reach::Accounts { accounts: x }, Reach::Accounts { accounts: y }) => {
            same_class(x, y, |accounts| Reach::Accounts { accounts })
        }
        (Reach::Organization { org_ids: x }, Reach::Organization { org_ids: y }) => {
            same_class(x, y, |org_ids| Reach::Organization { org_ids })
        }
        (a, b) if a.width() <= b.width() => (a, false),
        (_, b) => (b, false),
    }
}

/// [`narrowest`] of two reaches of one class (`class` makes one of its members): the members
/// both name, or, when they name none in common, all of them (widened).
fn same_class(x: Vec<String>, y: Vec<String>, class: fn(Vec<String>) -> Reach) -> (Reach, bool) {
    let both: Vec<String> = x.iter().filter(|m| y.contains(m)).cloned().collect();
    if both.is_empty() {
        (class(union(x, y)), true)
    } else {
        (class(both), false)
    }
}

/// Whether `wide` already says all `narrow` says: a wider class, or the same class with every
/// member of `narrow`.
pub(super) fn covers(wide: &Reach, narrow: &Reach) -> bool {
    match (wide, narrow) {
        (Reach::Accounts { accounts: x }, Reach::Accounts { accounts: y }) => {
            y.iter().all(|a| x.contains(a))
        }
        (Reach::Organization { org_ids: x }, Reach::Organization { org_ids: y }) => {
            y.iter().all(|o| x.contains(o))
        }
        _ => wide.width() >= narrow.width(),
    }
}

/// One rule a service breaks, through some of its verbs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Broken {
    pub(super) rule: RuleId,
    pub(super) reach: Reach,
    pub(super) write: bool,
    pub(super) verbs: Vec<String>,
    pub(super) judged: Judged,
    /// When, after the scan's instant, the reach of these verbs changes (a time condition of
    /// an auth policy: a grant that expires, or starts), and to what.
    pub(super) change: Option<ReachChange>,
}

/// The rules one verb breaks: unsigned callers beyond the owner, and signed ones the unsigned
/// verdict does not already cover (writes beyond the owner, reads open to any account).
fn verb_rules(v: &VerbVerdict) -> Vec<(RuleId, &Judged)> {
    let mut out = Vec::new();
    if v.anonymous.reach.beyond_owner() {
        out.push((RuleId::LatticeUnauthenticatedCrossAccount, &v.anonymous));
    }
    let signed = &v.authenticated;
    if !signed.reach.beyond_owner() || covers(&v.anonymous.reach, &signed.reach) {
        return out;
    }
    let rule = match (&signed.reach, is_write(&v.verb)) {
        (Reach::Accounts { .. }, true) => Some(RuleId::LatticeWriteExternalAccounts),
        (Reach::Organization { .. }, true) => Some(RuleId::LatticeWriteOrganization),
        (_, true) => Some(RuleId::LatticeWriteAnyAwsAccount),
        // Reads granted to named accounts or an organization: the intended design.
        (Reach::Accounts { .. } | Reach::Organization { .. }, false) => None,
        (_, false) => Some(RuleId::LatticeReadAnyAwsAccount),
    };
    out.extend(rule.map(|r| (r, signed)));
    out
}

/// Every distinct rule the service's verbs break; a read rule that the write rule covers at
/// the same reach is folded into it.
pub(super) fn rules_broken(verdict: &ServiceVerdict) -> Vec<Broken> {
    let mut out: Vec<Broken> = Vec::new();
    for v in &verdict.verbs {
        for (rule, judged) in verb_rules(v) {
            match out.iter_mut().find(|b| b.rule == rule) {
                Some(b) => merge(b, &v.verb, judged),
                None => out.push(Broken {
                    rule,
                    reach: judged.reach.clone(),
                    write: is_write(&v.verb),
                    verbs: vec![v.verb.clone()],
                    judged: judged.clone(),
                    change: None,
                }),
            }
        }
    }
    // A read rule whose write rule the service also breaks, at a reach that covers it, is
    // folded into that write rule (as for API Gateway methods).
    let mut i = 0;
    while i < out.len() {
        let covering = covering_write_rule(out[i].rule)
            .and_then(|w| out.iter().position(|b| b.rule == w))
            .filter(|&w| covers(&out[w].reach, &out[i].reach));
        match covering {
            Some(w) => {
                let read = out.remove(i);
                let w = if w > i { w - 1 } else { w };
                for verb in read.verbs {
                    merge(&mut out[w], &verb, &read.judged);
                }
            }
            None => i += 1,
        }
    }
    out
}

fn merge(b: &mut Broken, verb: &str, judged: &Judged) {
    if judged.reach.width() > b.reach.width() {
        b.judged.explanation = judged.explanation.clone();
    }
    b.reach = b.reach.clone().widest(judged.reach.clone());
    b.judged.reach = b.reach.clone();
    b.write |= is_write(verb);
    if !b.verbs.iter().any(|v| v == verb) {
        b.verbs.push(verb.to_string());
    }
    b.judged.paths.extend(judged.paths.iter().cloned());
    b.judged.routes.extend(judged.routes.iter().copied());
    b.judged.allowing.extend(judged.allowing.iter().cloned());
}

/// Sets, on each of `broken` (judged at `j.at`), the first later instant at which the reach of
/// its verbs, for its kind of caller, is no longer what it is now: the service is judged again
/// just before and after each date the auth policies `docs` compare the time with.
pub(super) fn when_reach_changes(j: &Judging, docs: &[&PolicyDocument], broken: &mut [Broken]) {
    let Some(now) = j.at else { return };
    for instant in time_boundaries(docs, now) {
        if broken.iter().all(|b| b.change.is_some()) {
            return;
        }
        let later = judge(&Judging {
            at: Some(instant),
            ..*j
        });
        for b in broken.iter_mut().filter(|b| b.change.is_none()) {
            let reach = later
                .verbs
                .iter()
                .filter(|v| b.verbs.contains(&v.verb))
                .map(|v| {
                    if b.rule == RuleId::LatticeUnauthenticatedCrossAccount {
                        v.anonymous.reach.clone()
                    } else {
                        v.authenticated.reach.clone()
                    }
                })
                .fold(Reach::Owner, Reach::widest);
            if reach != b.reach {
                b.change = Some(ReachChange::new(instant, reach));
            }
        }
    }
}
