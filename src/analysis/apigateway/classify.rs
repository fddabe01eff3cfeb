//! The verb → rule classification: which rules a method verdict breaks.

use super::verdict::{MethodVerdict, ANY_VERBS};
use crate::model::{is_write_verb, Auth, Reach};
use crate::policy::ReachChange;
use crate::rules::RuleId;

/// One rule a method breaks, through some of its verbs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BrokenRule {
    pub(super) rule: RuleId,
    /// Widest reach over the verbs that break the rule.
    pub(super) reach: Reach,
    /// Whether a write verb is among them.
    pub(super) write: bool,
    pub(super) verbs: Vec<String>,
    /// The policy's explanation for the widest of them.
    pub(super) explanation: String,
    /// Sids (or `#<index>`) of the Allow statements that let them in.
    pub(super) allowing_statements: Vec<String>,
    /// The change of the widest reach at a known instant, if a time condition makes one.
    pub(super) change: Option<ReachChange>,
}

impl BrokenRule {
    /// Adds what another served version of the same method breaks of this rule (a stage's
    /// canary, or another stage of a collapsed group): the wider reach, its explanation, and
    /// every verb and statement.
    pub(super) fn absorb(&mut self, other: BrokenRule) {
        if other.reach.width() > self.reach.width() {
            self.explanation = other.explanation;
        }
        self.reach = self.reach.clone().widest(other.reach);
        self.write |= other.write;
        for verb in other.verbs {
            if !self.verbs.contains(&verb) {
                self.verbs.push(verb);
            }
        }
        self.verbs
            .sort_by_key(|verb| ANY_VERBS.iter().position(|x| x == verb));
        self.allowing_statements.extend(other.allowing_statements);
        self.allowing_statements.sort();
        self.allowing_statements.dedup();
    }
}

/// The rule one verb breaks at this reach, if any.
fn verb_rule(auth: Auth, verb: &str, reach: &Reach) -> Option<RuleId> {
    if !reach.beyond_owner() {
        return None;
    }
    let write = is_write_verb(verb);
    if auth.is_unauthenticated() {
        return Some(match reach {
            Reach::Internet if write => RuleId::ApigwUnauthenticatedWriteInternet,
            Reach::Internet => RuleId::ApigwUnauthenticatedReadInternet,
            Reach::InternetIpRestricted { .. } => RuleId::ApigwUnauthenticatedIpAllowlisted,
            _ => RuleId::ApigwUnauthenticatedCrossAccount,
        });
    }
    match auth {
        Auth::AwsIam if write => Some(match reach {
            Reach::Accounts { .. } => RuleId::ApigwWriteExternalAccounts,
            Reach::Organization { .. } => RuleId::ApigwWriteOrganization,
            // Principal "*" with IAM auth: any authenticated principal of any account.
            _ => RuleId::ApigwWriteAnyAwsAccount,
        }),
        Auth::AwsIam => match reach {
            Reach::Accounts { .. } | Reach::Organization { .. } => None, // the intended design
            _ => Some(RuleId::ApigwReadAnyAwsAccount),
        },
        _ if write => Some(RuleId::ApigwAuthorizerOnlyWriteExposed),
        _ => None,
    }
}

/// The write rule that says all a read rule says when its reach is at least as wide. Every
/// rule is listed: a new one does not compile until it is placed here. VPC Lattice services
/// fold their rules by it too.
pub(crate) fn covering_write_rule(rule: RuleId) -> Option<RuleId> {
    match rule {
        RuleId::ApigwUnauthenticatedReadInternet => Some(RuleId::ApigwUnauthenticatedWriteInternet),
        RuleId::ApigwReadAnyAwsAccount => Some(RuleId::ApigwWriteAnyAwsAccount),
        RuleId::ApigwReadViaRoleAnyAccount => Some(RuleId::ApigwWriteViaRoleAnyAccount),
        RuleId::ApigwReadViaWebIdentity => Some(RuleId::ApigwWriteViaWebIdentity),
        RuleId::LatticeReadAnyAwsAccount => Some(RuleId::LatticeWriteAnyAwsAccount),
        RuleId::ApigwAuthorizerOnlyWriteExposed
        | RuleId::ApigwPolicyPrincipalNeverMatches
        | RuleId::ApigwPolicyUnparseable
        | RuleId::ApigwUnauthenticatedCrossAccount
        | RuleId::ApigwUnauthenticatedIpAllowlisted
        | RuleId::ApigwUnauthenticatedWriteInternet
        | RuleId::ApigwUndeployedChange
        | RuleId::ApigwWebsocketUnauthenticatedConnect
        | RuleId::ApigwWriteAnyAwsAccount
        | RuleId::ApigwWriteExternalAccounts
        | RuleId::ApigwWriteOrganization
        | RuleId::ApigwWriteViaAssumableRole
        | RuleId::ApigwWriteViaRoleAnyAccount
        | RuleId::ApigwWriteViaRoleInOrganization
        | RuleId::ApigwWriteViaWebIdentity
        | RuleId::PeeringCrossAccountNoPath
        | RuleId::PeeringExposesPrivateBackend
        | RuleId::PrivatelinkOpenToAnyAccount
        | RuleId::PrivatelinkOpenToExternalAccounts
        | RuleId::PublicLbExposesPrivateBackend
        | RuleId::TransitGatewayCrossAccountNoPath
        | RuleId::TransitGatewayExposesPrivateBackend
        | RuleId::LatticePolicyPrincipalNeverMatches
        | RuleId::LatticeUnauthenticatedCrossAccount
        | RuleId::LatticeWriteAnyAwsAccount
        | RuleId::LatticeWriteExternalAccounts
        | RuleId::LatticeWriteOrganization => None,
    }
}

/// Which rules a verdict breaks: each verb is judged on its own, and every distinct rule its
/// verbs earn is reported (an `ANY` method whose GET is open to any AWS account and whose
/// writes go to one partner breaks two rules), except a read rule that the same method's write
/// rule already covers at the same reach.
pub(super) fn rules_broken(auth: Auth, verdict: &MethodVerdict) -> Vec<BrokenRule> {
    let mut out: Vec<BrokenRule> = Vec::new();
    for judged in &verdict.verbs {
        let Some(rule) = verb_rule(auth, &judged.verb, &judged.reach) else {
            continue;
        };
        match out.iter_mut().find(|b| b.rule == rule) {
            Some(broken) => {
                if judged.reach.width() > broken.reach.width() {
                    broken.explanation = judged.explanation.clone();
                    broken.change = judged.change.clone();
                }
                broken.reach = broken.reach.clone().widest(judged.reach.clone());
                broken.write |= is_write_verb(&judged.verb);
                broken.verbs.push(judged.verb.clone());
                broken
                    .allowing_statements
                    .extend(judged.allowing_statements.iter().cloned());
                broken.allowing_statements.sort();
                broken.allowing_statements.dedup();
            }
            None => out.push(BrokenRule {
                rule,
                reach: judged.reach.clone(),
                write: is_write_verb(&judged.verb),
                verbs: vec![judged.verb.clone()],
                explanation: judged.explanation.clone(),
                allowing_statements: judged.allowing_statements.clone(),
                change: judged.change.clone(),
            }),
        }
    }
    // A read rule whose write rule has at least its reach says nothing more: fold its verbs
    // (and the statements that let them in) into the write finding.
    let writer_of = |read: &BrokenRule, all: &[BrokenRule]| -> Option<usize> {
        let write = covering_write_rule(read.rule)?;
        all.iter()
            .position(|w| w.rule == write && w.reach.width() >= read.reach.width())
    };
    let mut i = 0;
    while i < out.len() {
        let Some(j) = writer_of(&out[i], &out) else {
            i += 1;
            continue;
        };
        let read = out.remove(i);
        let w = &mut out[if j > i { j - 1 } else { j }];
        w.verbs.extend(read.verbs);
        w.verbs
            .sort_by_key(|verb| ANY_VERBS.iter().position(|x| x == verb));
        w.allowing_statements.extend(read.allowing_statements);
        w.allowing_statements.sort();
        w.allowing_statements.dedup();
    }
    out
}
