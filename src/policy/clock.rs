//! Time: the date and numeric operators on `aws:CurrentTime` and `aws:EpochTime`, and the
//! instants at which a policy's time conditions change their answer.
//!
//! IAM's date operators take an ISO 8601 date or epoch seconds
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>);
//! `aws:EpochTime` also works with the numeric operators, in seconds. A value the engine cannot
//! read makes its condition unknown.

use super::document::{BaseOp, Condition, Operator, Statement};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The keys whose value is the time of the request.
pub(super) fn is_time_key(key: &str) -> bool {
    key == "aws:currenttime" || key == "aws:epochtime"
}

/// A date of a policy or a request: RFC 3339 (`2027-03-01T00:00:00Z`), a day (midnight UTC),
/// or epoch seconds.
pub(super) fn parse_date(value: &str) -> Option<OffsetDateTime> {
    let v = value.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t);
    }
    if v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' {
        return OffsetDateTime::parse(&format!("{v}T00:00:00Z"), &Rfc3339).ok();
    }
    let seconds: i64 = v.parse().ok()?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// A number of a numeric operator.
pub(super) fn parse_number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Whether `request` stands in the operator's relation to `policy` (for `…NotEquals`, whether
/// they are equal: the caller negates). `None` when either value cannot be read.
pub(super) fn compare(base: BaseOp, policy: &str, request: &str) -> Option<bool> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let order = if base.is_date() {
        parse_date(request)?.cmp(&parse_date(policy)?)
    } else {
        parse_number(request)?.partial_cmp(&parse_number(policy)?)?
    };
    Some(match base {
        BaseOp::DateEquals | BaseOp::DateNotEquals | BaseOp::NumericEquals => order == Equal,
        BaseOp::NumericNotEquals => order == Equal,
        BaseOp::DateLessThan | BaseOp::NumericLessThan => order == Less,
        BaseOp::DateLessThanEquals | BaseOp::NumericLessThanEquals => order != Greater,
        BaseOp::DateGreaterThan | BaseOp::NumericGreaterThan => order == Greater,
        BaseOp::DateGreaterThanEquals | BaseOp::NumericGreaterThanEquals => order != Less,
        _ => return None,
    })
}

/// Most instants probed for a change of verdict: a policy with more time conditions than this
/// is judged at its first ones.
const MAX_BOUNDARIES: usize = 16;

/// The instants after `after` at which a time condition of `statements` can change its answer,
/// sorted: each date a condition names, just after it (for `…Equals`), and one second after it
/// (`aws:EpochTime` counts whole seconds).
pub(super) fn boundaries<'a>(
    statements: impl Iterator<Item = &'a Statement>,
    after: OffsetDateTime,
) -> Vec<OffsetDateTime> {
    let mut out: Vec<OffsetDateTime> = statements
        .flat_map(|s| s.conditions.iter())
        .filter(|c| is_time_condition(c))
        .flat_map(|c| c.values.iter().filter_map(|v| parse_date(v)))
        .flat_map(|t| [t, t + Duration::nanoseconds(1), t + Duration::seconds(1)])
        .filter(|t| *t > after)
        .collect();
    out.sort();
    out.dedup();
    out.truncate(MAX_BOUNDARIES);
    out
}

fn is_time_condition(c: &Condition) -> bool {
    matches!(&c.operator, Operator::Known { base, .. } if base.is_date() || base.is_numeric())
        && is_time_key(&c.key)
}

/// An instant as the report writes it: RFC 3339 in UTC, to the second (a change just after a
/// date is written as that date).
pub(super) fn format(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let whole = utc.replace_nanosecond(0).unwrap_or(utc);
    whole.format(&Rfc3339).unwrap_or_default()
}
