//! The principals of a policy that IAM never matches (an ARN with a wildcard inside it), in
//! the words and facts every "principal never matches" note shares: API Gateway resource
//! policies and VPC Lattice auth policies are read by the same engine, so they are told alike.

use crate::policy::{self, PolicyDocument};

/// What a policy's never-matching principals do, as a note says it.
pub(crate) struct NeverMatching {
    /// The principals as written, sorted, each once.
    pub principals: Vec<String>,
    /// The account root of each principal's account (`arn:<partition>:iam::<account>:root`):
    /// what to name instead, with the pattern moved into an `aws:PrincipalArn` condition.
    pub accounts: Vec<String>,
    /// One sentence part per statement × principal: "statement <Sid> grants nothing through …".
    pub statements: Vec<String>,
}

/// The never-matching principals of `doc` (a policy of `region`), `None` when it has none.
pub(crate) fn never_matching(doc: &PolicyDocument, region: &str) -> Option<NeverMatching> {
    let unmatchable = doc.unmatchable_principals();
    if unmatchable.is_empty() {
        return None;
    }
    let mut principals: Vec<String> = unmatchable.iter().map(|u| u.principal.clone()).collect();
    principals.sort();
    principals.dedup();
    let partition = crate::arn::partition_of(region);
    let mut accounts: Vec<String> = principals
        .iter()
        .filter_map(|p| policy::arn_account(p))
        .map(|account| format!("arn:{partition}:iam::{account}:root"))
        .collect();
    accounts.sort();
    accounts.dedup();
    let statements = unmatchable
        .iter()
        .map(|u| {
            // Under NotPrincipal the principal is exempted from the statement: naming no one,
            // it exempts no one, whatever the effect.
            let effect = match (u.allow, u.not_principal) {
                (true, false) => "grants nothing through",
                (false, false) => "denies nothing through",
                (_, true) => "exempts no one through NotPrincipal",
            };
            format!("statement {} {} {}", u.sid, effect, u.principal)
        })
        .collect();
    Some(NeverMatching {
        principals,
        accounts,
        statements,
    })
}
