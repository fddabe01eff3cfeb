//! Network bypass verdicts from hand-built inventories: no network, one estate per case. Each
//! test starts from the base estate (the safe design, see [`fixtures`]), adds one tempting
//! alternative and pins the verdict. One file per entry point; `backends` and `published` hold
//! what the entry points share, `addrs` the address-set properties.

mod addrs;
mod backends;
mod fixtures;
mod lattice;
mod peering;
mod privatelink;
mod public_lb;
mod published;
mod transit;

use crate::inventory::{Inventory, Target};
use crate::model::{Auth, Confidence, Finding};
use crate::operation::Operation;
use fixtures::*;

fn audit(targets: Vec<Target>) -> Vec<Finding> {
    let inv = Inventory {
        targets,
        ..Default::default()
    };
    crate::analysis::analyze(&inv)
}

/// (rule, resource, reach) of every finding, sorted.
fn summary(findings: &[Finding]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.resource_arn.clone(),
                f.reach.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(rule: &str, resource: &str, reach: &str) -> (String, String, String) {
    (rule.into(), resource.into(), reach.into())
}

/// The rule ids of the findings, in order.
fn rules(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule_id.as_str()).collect()
}

/// Audits `t` and returns its one finding, asserting its (rule, resource, reach) and its
/// confidence.
#[track_caller]
fn only_finding(t: Target, want: (String, String, String), confidence: Confidence) -> Finding {
    let f = audit(vec![t]);
    assert_eq!(summary(&f), vec![want]);
    assert_eq!(f[0].confidence, confidence);
    f.into_iter().next().expect("one finding")
}

/// The peering exposes the backend to the partner.
fn peering_exposes() -> (String, String, String) {
    row(
        "peering-exposes-private-backend",
        PCX_ARN,
        "accounts:[222222222222]",
    )
}

/// The peering is cross-account but reaches no backend.
fn peering_no_path() -> (String, String, String) {
    row(
        "peering-cross-account-no-path",
        PCX_ARN,
        "accounts:[222222222222]",
    )
}

/// The internet-facing load balancer `arn` exposes a private backend to `reach`.
fn public_lb_exposes(arn: &str, reach: &str) -> (String, String, String) {
    row("public-lb-exposes-private-backend", arn, reach)
}

/// The endpoint service is open to `reach` (other accounts).
fn service_open_to(reach: &str) -> (String, String, String) {
    row("privatelink-open-to-external-accounts", SVC_ARN, reach)
}

/// The endpoint service is open to any AWS account.
fn service_open_to_any_account() -> (String, String, String) {
    row(
        "privatelink-open-to-any-account",
        SVC_ARN,
        "any_aws_account",
    )
}

/// The fingerprint of a finding of the base estate's account × region: `rule` on `resource`,
/// about `about` (a backend, or what else tells its findings apart).
fn fingerprint_of(rule: &str, resource: &str, about: &str) -> String {
    crate::model::fingerprint(&[rule, OWNER, "us-east-1", resource, about])
}

/// Asserts that `text` (a message or a fix) says each of `needles`.
#[track_caller]
fn assert_says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "lacks {needle:?}: {text}");
    }
}

/// Asserts that `text` says none of `needles`.
#[track_caller]
fn assert_never_says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(!text.contains(needle), "says {needle:?}: {text}");
    }
}

#[test]
fn the_safe_design_has_no_network_finding() {
    assert_eq!(audit(vec![base()]), vec![]);
}

#[test]
fn snapshot_round_trip_keeps_the_verdicts() {
    let mut t = with_service(&["*"]);
    t.network.load_balancers.push(public_nlb(&[BACKEND]));
    let inv = Inventory {
        snapshot_version: crate::inventory::SNAPSHOT_VERSION,
        targets: vec![t],
        ..Default::default()
    };
    let text = serde_json::to_string(&inv).unwrap();
    let back = Inventory::from_snapshot_json(&text).unwrap();
    assert_eq!(
        crate::analysis::analyze(&back),
        crate::analysis::analyze(&inv)
    );
    assert_eq!(crate::analysis::analyze(&inv).len(), 2);
}

/// The analysis one account × region at a time gives what the whole inventory's always gave:
/// every target's API findings, then every network finding, deduplicated by fingerprint and
/// sorted. Targets out of order, a duplicated target, several accounts and regions.
#[test]
fn the_analysis_by_account_and_region_is_the_whole_inventorys() {
    let moved = |mut t: Target, account: &str, region: &str| {
        t.account_id = account.into();
        t.region = region.into();
        t
    };
    let targets = vec![
        moved(
            public_alb_behind(vec![tcp(443, "0.0.0.0/0")]),
            "333333333333",
            "us-east-1",
        ),
        moved(peered_exposed(), OWNER, "eu-west-1"),
        with_service(&["*"]),
        public_alb_behind(vec![tcp(443, "0.0.0.0/0")]),
        moved(peered_exposed(), OWNER, "eu-west-1"),
        moved(with_service(&["*"]), PARTNER, "ap-south-1"),
    ];
    let inv = Inventory {
        targets,
        ..Default::default()
    };
    let whole = {
        let opts = crate::analysis::AnalysisOptions::default();
        let ownership = crate::analysis::VpcOwnership::new(&inv);
        let inside = crate::analysis::roles::inside_of(
            &inv,
            &opts.organization_accounts,
            &opts.trusted_accounts,
        );
        // The default snapshot records no start: time conditions unknown on both sides.
        let at = crate::analysis::scan_start(&inv);
        let callers = crate::analysis::roles::RoleCallers::new(&inv, inside, at);
        let mut all = Vec::new();
        for t in &inv.targets {
            all.extend(crate::analysis::apigateway::analyze_target(
                t, &ownership, &callers, at,
            ));
        }
        all.extend(super::analyze(&inv, at));
        let mut seen = std::collections::HashSet::new();
        all.retain(|f| seen.insert(f.fingerprint.clone()));
        all.sort_by(Finding::by_sort_key);
        all
    };
    let analysis = crate::analysis::Analysis::new(&inv, &Default::default());
    let groups: Vec<Vec<Finding>> = analysis.groups().collect();
    // One group per account × region (the duplicated target's findings deduplicated in it).
    assert_eq!(groups.len(), 4);
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    assert!(sizes.iter().filter(|&&n| n > 0).count() >= 3, "{sizes:?}");
    assert_eq!(groups.concat(), whole);
}
