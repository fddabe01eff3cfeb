//! Time: `aws:CurrentTime` and `aws:EpochTime` with the date and numeric operators, evaluated at
//! the scan's start (`SCAN_START`, 2026-06-01), and the instant at which the reach changes.

use super::*;

/// The verdict for `statements` on `GET /x`, anonymous caller of a public API, at `at`.
fn at(statements: &[&str], at: Option<OffsetDateTime>) -> ReachVerdict {
    let d = parse_policy(&doc(statements)).expect("policy");
    let arn = method_arn("prod/GET/x");
    let query = ReachQuery {
        resource_arn: &arn,
        caller: ANON,
        mode: ALLOW,
        network: PUBLIC,
    };
    reach_of(&d, &query, &ContextAt(at).ctx())
}

/// The tests' context at another instant.
struct ContextAt(Option<OffsetDateTime>);

impl ContextAt {
    fn ctx(&self) -> ReachContext<'static> {
        ReachContext {
            at: self.0,
            ..ctx()
        }
    }
}

fn change(v: &ReachVerdict) -> Option<(String, String)> {
    v.change.as_ref().map(|c| (c.at.clone(), c.reach.label()))
}

fn owned(s: &str) -> Option<(String, String)> {
    let (at, reach) = s.split_once(' ')?;
    Some((at.to_string(), reach.to_string()))
}

#[test]
#[rustfmt::skip]
fn time_conditions_at_the_scan_start() {
    run(&[
        case("a grant until a later date is open",
            &[&allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("a grant that ended is closed",
            &[&allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("a grant that starts later is closed",
            &[&allow_when(r#"{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01"}}"#)],
            "prod/GET/x", IAM, ALLOW, PUBLIC, "owner"),
        case("a window around the scan",
            &[&allow_when(r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-05-01T00:00:00Z"},"DateLessThanEquals":{"aws:CurrentTime":"2026-07-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("a date operator with epoch seconds",
            &[&allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"1798761600"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("aws:EpochTime with a numeric operator",
            &[&allow_when(r#"{"NumericLessThan":{"aws:EpochTime":"1798761600"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // Condition values may be bare JSON numbers (IAM reads them as their decimal text), alone
        // or in a list.
        case("aws:EpochTime as a bare JSON number",
            &[&allow_when(r#"{"NumericLessThan":{"aws:EpochTime":1798761600}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("a bare JSON number that ended",
            &[&allow_when(r#"{"NumericLessThan":{"aws:EpochTime":1700000000}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("JSON numbers in a list",
            &[&allow_when(r#"{"NumericLessThan":{"aws:EpochTime":[1700000000, 1798761600]}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("aws:EpochTime with a date operator",
            &[&allow_when(r#"{"DateGreaterThan":{"aws:EpochTime":"2027-01-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("a deny from a date on",
            &[ALLOW_ALL, &deny_when(r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        // NumericEquals is known: the scan's second (1780272000) or not, decided and certain.
        case("NumericEquals on aws:EpochTime at the scan's second",
            &[&allow_when(r#"{"NumericEquals":{"aws:EpochTime":"1780272000"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        case("NumericEquals on aws:EpochTime at another second",
            &[&allow_when(r#"{"NumericEquals":{"aws:EpochTime":"1798761600"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "owner"),
        case("DateNotEquals: the scan is not that instant",
            &[&allow_when(r#"{"DateNotEquals":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet"),
        // What the engine cannot read stays unknown.
        case("a date the engine cannot read",
            &[&allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"next tuesday"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
        case("a numeric operator on aws:CurrentTime",
            &[ALLOW_ALL, &deny_when(r#"{"NumericGreaterThan":{"aws:CurrentTime":"5"}}"#)],
            "prod/GET/x", ANON, ALLOW, PUBLIC, "internet").low(),
    ]);
}

#[test]
fn the_reach_changes_at_a_known_instant() {
    let until = allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#);
    let v = at(&[&until], Some(scan_start()));
    assert_eq!(v.reach, Reach::Internet);
    assert_eq!(change(&v), owned("2027-03-01T00:00:00Z owner"));
    // `…Equals` includes the instant itself: the change is just after it, written as it.
    let through =
        allow_when(r#"{"DateLessThanEquals":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#);
    assert_eq!(
        change(&at(&[&through], Some(scan_start()))),
        owned("2027-03-01T00:00:00Z owner")
    );
    let opens = allow_when(r#"{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}"#);
    let v = at(&[&opens], Some(scan_start()));
    assert_eq!(v.reach, Reach::Owner);
    assert_eq!(change(&v), owned("2027-01-01T00:00:00Z internet"));
    // Numeric on epoch seconds: `<= N` holds through the second N, so it ends at N + 1.
    let seconds = allow_when(r#"{"NumericLessThanEquals":{"aws:EpochTime":"1798761600"}}"#);
    assert_eq!(
        change(&at(&[&seconds], Some(scan_start()))),
        owned("2027-01-01T00:00:01Z owner")
    );
    // A deny from a later date narrows an open grant.
    let deny_later =
        deny_when(r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-09-01T00:00:00Z"}}"#);
    let v = at(&[ALLOW_ALL, &deny_later], Some(scan_start()));
    assert_eq!(v.reach, Reach::Internet);
    assert_eq!(change(&v), owned("2026-09-01T00:00:00Z owner"));
    // Past dates change nothing; two changes name the first.
    let past = allow_when(r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#);
    assert_eq!(change(&at(&[&past], Some(scan_start()))), None);
    let window = allow_when(
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-08-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2026-10-01T00:00:00Z"}}"#,
    );
    assert_eq!(
        change(&at(&[&window], Some(scan_start()))),
        owned("2026-08-01T00:00:00Z internet")
    );
    // A date that changes nothing is not a change.
    let irrelevant = named(
        "Later",
        allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#),
    );
    assert_eq!(
        change(&at(&[ALLOW_ALL, &irrelevant], Some(scan_start()))),
        None
    );
}

#[test]
fn another_instant_is_evaluated_when_asked() {
    let until = allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#);
    let later = OffsetDateTime::parse(
        "2027-06-01T00:00:00Z",
        &::time::format_description::well_known::Rfc3339,
    )
    .expect("instant");
    let v = at(&[&until], Some(later));
    assert_eq!(v.reach, Reach::Owner);
    assert_eq!(change(&v), None);
    assert!(!v.low_confidence);
}

#[test]
fn an_unknown_instant_leaves_time_conditions_unknown() {
    let until = allow_when(r#"{"DateLessThan":{"aws:CurrentTime":"2027-03-01T00:00:00Z"}}"#);
    let v = at(&[&until], None);
    assert_eq!(v.reach, Reach::Internet);
    assert!(v.low_confidence);
    assert_eq!(v.unevaluated, vec!["condition aws:currenttime".to_string()]);
    assert_eq!(change(&v), None);
    let deny = deny_when(r#"{"DateGreaterThan":{"aws:EpochTime":"1700000000"}}"#);
    let v = at(&[ALLOW_ALL, &deny], None);
    assert_eq!(v.reach, Reach::Internet);
    assert!(v.low_confidence);
}

#[test]
fn dates_and_numbers_of_a_policy() {
    use crate::policy::clock::{compare, format, parse_date, parse_number};
    use crate::policy::document::BaseOp::*;
    let t = |s: &str| parse_date(s).map(format);
    assert_eq!(
        t("2027-03-01T00:00:00Z").as_deref(),
        Some("2027-03-01T00:00:00Z")
    );
    assert_eq!(
        t("2027-03-01T02:00:00+02:00").as_deref(),
        Some("2027-03-01T00:00:00Z")
    );
    assert_eq!(t("2027-03-01").as_deref(), Some("2027-03-01T00:00:00Z"));
    assert_eq!(t(" 1798761600 ").as_deref(), Some("2027-01-01T00:00:00Z"));
    assert_eq!(
        t("2027-03-01T00:00:00.999Z").as_deref(),
        Some("2027-03-01T00:00:00Z")
    );
    for bad in ["2027-3-1", "next tuesday", "", "2027-03-01T00:00", "1e9"] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
    assert_eq!(parse_number("1.5"), Some(1.5));
    assert_eq!(parse_number(" 42 "), Some(42.0));
    assert_eq!(parse_number("inf"), None);
    assert_eq!(parse_number("x"), None);
    // (operator, policy value, request value, holds)
    let rows = [
        (DateEquals, "2027-01-01", "2027-01-01T00:00:00Z", true),
        (DateEquals, "2027-01-01", "2027-01-01T00:00:01Z", false),
        (DateNotEquals, "2027-01-01", "2027-01-01T00:00:00Z", true),
        (DateLessThan, "2027-01-01", "2026-12-31T23:59:59Z", true),
        (DateLessThan, "2027-01-01", "2027-01-01T00:00:00Z", false),
        (
            DateLessThanEquals,
            "2027-01-01",
            "2027-01-01T00:00:00Z",
            true,
        ),
        (
            DateLessThanEquals,
            "2027-01-01",
            "2027-01-01T00:00:01Z",
            false,
        ),
        (DateGreaterThan, "2027-01-01", "2027-01-01T00:00:00Z", false),
        (DateGreaterThan, "2027-01-01", "2027-01-01T00:00:01Z", true),
        (
            DateGreaterThanEquals,
            "2027-01-01",
            "2027-01-01T00:00:00Z",
            true,
        ),
        (
            DateGreaterThanEquals,
            "2027-01-01",
            "2026-12-31T23:59:59Z",
            false,
        ),
        (NumericEquals, "5", "5", true),
        (NumericEquals, "5", "6", false),
        (NumericNotEquals, "5", "5", true),
        (NumericLessThan, "5", "4", true),
        (NumericLessThan, "5", "5", false),
        (NumericLessThanEquals, "5", "5", true),
        (NumericLessThanEquals, "5", "6", false),
        (NumericGreaterThan, "5", "5", false),
        (NumericGreaterThan, "5", "6", true),
        (NumericGreaterThanEquals, "5", "5", true),
        (NumericGreaterThanEquals, "5", "4", false),
    ];
    for (op, policy, request, want) in rows {
        assert_eq!(
            compare(op, policy, request),
            Some(want),
            "{op:?} {policy} {request}"
        );
    }
    assert_eq!(compare(DateLessThan, "soon", "2027-01-01T00:00:00Z"), None);
    assert_eq!(compare(NumericLessThan, "5", "2027-01-01T00:00:00Z"), None);
    assert_eq!(compare(StringEquals, "5", "5"), None);
}

#[test]
fn the_instants_a_time_condition_can_change_at() {
    use crate::policy::clock::{boundaries, format};
    let d = parse_policy(&doc(&[
        &allow_when(
            r#"{"DateLessThan":{"aws:CurrentTime":["2027-03-01T00:00:00Z","2020-01-01"]}}"#,
        ),
        &deny_when(r#"{"NumericGreaterThan":{"aws:EpochTime":"1798761600"}}"#),
        // Not a time key, not a time operator: no instant.
        &allow_when(r#"{"DateLessThan":{"aws:TokenIssueTime":"2028-01-01T00:00:00Z"}}"#),
        &allow_when(r#"{"StringEquals":{"aws:CurrentTime":"2029-01-01T00:00:00Z"}}"#),
    ]))
    .expect("policy");
    let got: Vec<String> = boundaries(d.statements.iter(), scan_start())
        .into_iter()
        .map(|t| {
            let whole = format(t);
            if t.nanosecond() == 0 {
                whole
            } else {
                format!("{whole}+")
            }
        })
        .collect();
    // Each date, just after it, and a second after it; past dates left out; sorted.
    assert_eq!(
        got,
        [
            "2027-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z+",
            "2027-01-01T00:00:01Z",
            "2027-03-01T00:00:00Z",
            "2027-03-01T00:00:00Z+",
            "2027-03-01T00:00:01Z",
        ]
    );
    // At most sixteen, the first ones.
    let many: Vec<String> = (0..10)
        .map(|i| {
            allow_when(&format!(
                r#"{{"DateLessThan":{{"aws:CurrentTime":"{}-01-01"}}}}"#,
                2030 + i
            ))
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let d = parse_policy(&doc(&refs)).expect("policy");
    let instants = boundaries(d.statements.iter(), scan_start());
    assert_eq!(instants.len(), 16);
    assert_eq!(format(instants[0]), "2030-01-01T00:00:00Z");
    assert_eq!(format(instants[15]), "2035-01-01T00:00:00Z");
}

#[test]
fn the_scan_start_itself_is_no_instant_after_it() {
    // A grant that opens just after the scan starts names the start as its date: the instants
    // probed are those strictly after it (at the start itself the verdict is already known), so
    // the start takes none of the sixteen places.
    let d = parse_policy(&doc(&[&allow_when(
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}"#,
    )]))
    .expect("policy");
    let instants = crate::policy::clock::boundaries(d.statements.iter(), scan_start());
    assert_eq!(instants.len(), 2, "{instants:?}");
    assert!(instants.iter().all(|t| *t > scan_start()), "{instants:?}");
}
