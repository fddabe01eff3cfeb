// Equivalent mutants (cargo-mutants, docs/mutation-testing.md): no input can tell them apart.
// - glob.rs `may_match_template`, `inside && j < tl` -> `inside && j <= tl`: a state inside a
//   parameter is only set by a move over a `{param}`/`{proxy+}` token, which exists only at
//   j < tl (and a `*` keeps j), so `inside` implies `j < tl`.

use super::*;
use proptest::prelude::*;

/// Exponential reference matcher: obviously right, used only on short inputs.
fn reference(p: &[char], t: &[char]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some('*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
        (Some(_), None) => false,
        (Some('?'), Some(_)) => reference(&p[1..], &t[1..]),
        (Some(a), Some(b)) => a == b && reference(&p[1..], &t[1..]),
    }
}

#[test]
fn glob_cases() {
    let cases = [
        ("*", "", true),
        ("*", "anything/at:all", true),
        ("a*c", "abbbc", true),
        ("a*c", "abbb", false),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("execute-api:*", "execute-api:Invoke", true),
        ("*/GET/*", "api/prod/GET/orders/1", true),
        ("*/GET/*", "api/prod/POST/orders", false),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXcYb", false),
        ("", "", true),
        ("", "x", false),
    ];
    for (p, t, want) in cases {
        assert_eq!(glob(p, t, false), want, "glob({p:?}, {t:?})");
    }
    assert!(glob("EXECUTE-API:invoke", "execute-api:Invoke", true));
    assert!(!glob("EXECUTE-API:invoke", "execute-api:Invoke", false));
}

#[test]
fn arn_fields_are_matched_one_by_one() {
    let role = "arn:aws:iam::222222222222:role/partner-reader";
    // (pattern, value, expected)
    let cases = [
        ("arn:aws:iam::222222222222:role/partner-*", role, Some(true)),
        ("arn:aws:iam::*:role/partner-reader", role, Some(true)),
        ("arn:*:iam::222222222222:*", role, Some(true)),
        ("arn:aws:iam::2222222222??:role/*", role, Some(true)),
        // A `*` inside one field cannot swallow the colons around it.
        ("arn:aws:*:role/partner-reader", role, None),
        ("arn:aws:iam::*", role, None),
        ("arn:aws:iam:*:role/partner-reader", role, None),
        (
            "arn:aws:i*::222222222222:role/partner-reader",
            role,
            Some(true),
        ),
        ("arn:aws:iam::*:*/partner-reader", role, Some(true)),
        (
            "arn:aws:iam:*::role/partner-reader",
            "arn:aws:iam:us-east-1::role/partner-reader",
            Some(true),
        ),
        ("arn:aws:iam::*2:role/partner-reader", role, Some(true)),
        ("arn:aws:iam::*3:role/partner-reader", role, Some(false)),
        (
            "arn:aws:sts::222222222222:assumed-role/*",
            role,
            Some(false),
        ),
        // The resource field keeps its colons: `*` there spans them.
        (
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:a:b",
            Some(true),
        ),
        // Fields are case-sensitive.
        (
            "arn:aws:iam::222222222222:role/Partner-*",
            role,
            Some(false),
        ),
        (
            "arn:aws:iam::222222222222:role/partner-*",
            "not-an-arn",
            Some(false),
        ),
        ("*", role, None),
    ];
    for (pattern, value, want) in cases {
        assert_eq!(
            arn_like(pattern, value),
            want,
            "arn_like({pattern:?}, {value:?})"
        );
    }
}

#[test]
fn template_may_and_must() {
    // (pattern, template, may, must)
    let cases = [
        (
            "abc/prod/GET/orders/*",
            "abc/prod/GET/orders/{id}",
            true,
            true,
        ),
        (
            "abc/prod/GET/orders/123",
            "abc/prod/GET/orders/{id}",
            true,
            false,
        ),
        (
            "abc/prod/GET/orders",
            "abc/prod/GET/orders/{id}",
            false,
            false,
        ),
        (
            "abc/prod/GET/orders/12/x",
            "abc/prod/GET/orders/{id}",
            false,
            false,
        ),
        (
            "abc/prod/GET/admin/a/b",
            "abc/prod/GET/admin/{proxy+}",
            true,
            false,
        ),
        (
            "abc/prod/GET/admin/*",
            "abc/prod/GET/admin/{proxy+}",
            true,
            true,
        ),
        ("abc/*/GET/*", "abc/prod/GET/orders/{id}/items", true, true),
        (
            "abc/prod/GET/orders/?",
            "abc/prod/GET/orders/{id}",
            true,
            false,
        ),
        ("abc/prod/GET/orders/*", "abc/prod/GET/orders", false, false),
        ("abc/prod/GET/", "abc/prod/GET/", true, true),
    ];
    for (p, t, may, must) in cases {
        assert_eq!(may_match_template(p, t), may, "may({p:?}, {t:?})");
        assert_eq!(must_match_template(p, t), must, "must({p:?}, {t:?})");
    }
}

#[test]
fn long_inputs_stay_fast() {
    let p = "*a".repeat(2000);
    let t = "b".repeat(4000);
    assert!(!glob(&p, &t, false));
    let pattern = format!("{}*", "x*".repeat(500));
    assert!(may_match_template(&pattern, &"x{id}".repeat(200)));
}

proptest! {
    #[test]
    fn glob_agrees_with_reference(p in "[ab?*/]{0,8}", t in "[ab/]{0,8}") {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        prop_assert_eq!(glob(&p, &t, false), reference(&pc, &tc));
    }

    /// ASCII text is matched byte by byte, other text char by char after lower-casing: both
    /// give the reference's answer, with case ignored (`é` is not ASCII, `?` matches it whole).
    #[test]
    fn glob_ignoring_case_agrees_with_reference(p in "[aAé?*]{0,6}", t in "[aAéÉ]{0,6}") {
        let lower = |s: &str| s.to_lowercase().chars().collect::<Vec<char>>();
        prop_assert_eq!(glob(&p, &t, true), reference(&lower(&p), &lower(&t)));
    }

    #[test]
    fn may_match_agrees_with_trying_every_parameter_value(
        p in "[ab?*/]{0,6}",
        before in "[ab/]{0,3}",
        greedy in any::<bool>(),
        after in "[ab/]{0,3}",
    ) {
        // Some value of the parameter (1 to 7 characters of `a`, `b`, and `/` in a greedy
        // one: more than any pattern of 6 can tell apart) makes the pattern match.
        let alphabet: &[char] = if greedy { &['a', 'b', '/'] } else { &['a', 'b'] };
        let mut values: Vec<String> = vec![String::new()];
        let mut found = false;
        for _ in 0..7 {
            values = values
                .iter()
                .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
                .collect();
            found |= values.iter().any(|v| glob(&p, &format!("{before}{v}{after}"), false));
        }
        let template = format!("{before}{{x{}}}{after}", if greedy { "+" } else { "" });
        prop_assert_eq!(may_match_template(&p, &template), found, "{} vs {}", p, template);
    }

    #[test]
    fn may_match_agrees_with_concrete_templates(p in "[ab?*/]{0,8}", t in "[ab/]{0,6}") {
        // Without parameters, a template is a plain string.
        prop_assert_eq!(may_match_template(&p, &t), glob(&p, &t, false));
        prop_assert_eq!(must_match_template(&p, &t), glob(&p, &t, false));
    }
}
