//! One request, one path: a method on a templated path is open when some single value of its
//! parameters makes some Allow match and no Deny match for that same value (README, *How it
//! decides*). Tables pin the cases, then property tests hold the exploration to brute force over
//! every short parameter value.

// Equivalent mutants (cargo-mutants, docs/mutation-testing.md): no input can tell them apart.
// - paths.rs `MEMO_ENTRIES`, `1 << 16` -> `1 >> 16` (0): the memo of `index_classes` is then
//   emptied before every insertion, so it holds one entry at most; it memoizes a pure function
//   ("the answers are the same with or without it"), so only the speed changes, which the
//   benchmarks (docs/benchmarks.md), not the tests, measure.

use super::*;
use crate::policy::glob::glob;
use crate::policy::paths::{coverage, match_sets, Budget, Coverage};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// An unconditional statement of `effect` for everyone on `resource`.
fn on(effect: &str, sid: &str, resource: &str) -> String {
    format!(
        r#"{{"Sid":"{sid}","Effect":"{effect}","Principal":"*","Action":"execute-api:Invoke","Resource":"{resource}"}}"#
    )
}

#[test]
#[rustfmt::skip]
fn the_three_reproductions_of_the_issue() {
    run(&[
        // Every path the Allow admits is the one the Deny refuses.
        case("allow and deny */x/y on a greedy path",
            &[&on("Allow", "A", "execute-api:/prod/*/x/y"), &on("Deny", "D", "execute-api:/prod/*/x/y")],
            "prod/GET/admin/{proxy+}", ANON, ALLOW, PUBLIC, "owner"),
        case("allow and deny one item on a parameter",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/x"), &on("Deny", "D", "execute-api:/prod/GET/items/x")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "owner"),
        // The only path the Allow admits carries the Deny's address condition: as for a literal
        // `GET /reports`.
        case("allow one path, deny it outside an address range, on {proxy+}",
            &[&on("Allow", "Reports", "execute-api:/prod/GET/reports"),
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/reports","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#],
            "prod/GET/{proxy+}", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Reports"]),
        case("the same on the literal path",
            &[&on("Allow", "Reports", "execute-api:/prod/GET/reports"),
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/reports","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#],
            "prod/GET/reports", ANON, ALLOW, PUBLIC, "internet_ip_restricted:[203.0.113.0/24]").by(&["Reports"]),
    ]);
}

#[test]
#[rustfmt::skip]
fn one_request_one_path() {
    run(&[
        // guard: Allow and Deny on different values leave the Allow's value open.
        case("allow one value, deny another",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/a"), &on("Deny", "D", "execute-api:/prod/GET/items/b")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "internet").by(&["A"]),
        case("allow every value, deny one",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/*"), &on("Deny", "D", "execute-api:/prod/GET/items/x")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("allow one value, deny every one-character value",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/x"), &on("Deny", "D", "execute-api:/prod/GET/items/?")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "owner"),
        // Two Denies that together cover every value the Allow admits.
        case("denies covering the allow together",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/*"), &on("Deny", "Short", "execute-api:/prod/GET/items/?"),
              &on("Deny", "Long", "execute-api:/prod/GET/items/??*")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("denies leaving one length open",
            &[&on("Allow", "A", "execute-api:/prod/GET/items/*"), &on("Deny", "Short", "execute-api:/prod/GET/items/?"),
              &on("Deny", "Long", "execute-api:/prod/GET/items/???*")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "internet"),
        // A parameter holds no `/`: a Deny needing one never applies to `{id}`, always may to `{proxy+}`.
        case("deny of nested paths leaves a plain parameter",
            &[&on("Allow", "A", "execute-api:/prod/GET/admin/*"), &on("Deny", "D", "execute-api:/prod/GET/admin/*/*")],
            "prod/GET/admin/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("deny of nested paths leaves one segment of a greedy one",
            &[&on("Allow", "A", "execute-api:/prod/GET/admin/*"), &on("Deny", "D", "execute-api:/prod/GET/admin/*/*")],
            "prod/GET/admin/{proxy+}", ANON, ALLOW, PUBLIC, "internet"),
        case("allow of nested paths only, denied, on a greedy path",
            &[&on("Allow", "A", "execute-api:/prod/GET/admin/*/*"), &on("Deny", "D", "execute-api:/prod/GET/admin/*/*")],
            "prod/GET/admin/{proxy+}", ANON, ALLOW, PUBLIC, "owner"),
        // A conditional Deny on part of the paths leaves the others open to everyone.
        case("conditional deny of one path of a greedy method",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/reports","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#],
            "prod/GET/{proxy+}", ANON, ALLOW, PUBLIC, "internet"),
        // Each path's own grants: partner 222 on one value, 333 on another.
        case("grants of different values add up",
            &[r#"{"Sid":"P2","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/a"}"#,
              r#"{"Sid":"P3","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/b"}"#],
            "prod/GET/items/{id}", IAM, ALLOW, PUBLIC, "accounts:[222222222222,333333333333]").by(&["P2", "P3"]),
        case("a grant of one value denied, another not",
            &[r#"{"Sid":"P2","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/a"}"#,
              r#"{"Sid":"P3","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/b"}"#,
              &on("Deny", "D", "execute-api:/prod/GET/items/a")],
            "prod/GET/items/{id}", IAM, ALLOW, PUBLIC, "accounts:[333333333333]").by(&["P3"]),
        // NotResource: the paths no pattern names.
        case("allow NotResource of one value on a parameter",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/items/x"}"#,
              &on("Deny", "D", "execute-api:/prod/GET/items/*")],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("allow NotResource of one value, the others denied",
            &[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/items/x"}"#,
              r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/items/x"}"#],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("deny NotResource of one value: that value stays open",
            &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/items/x"}"#],
            "prod/GET/items/{id}", ANON, ALLOW, PUBLIC, "internet"),
        // Where only Denies count, the path no Deny covers decides.
        case("authorizer method, deny of one value",
            &[&on("Deny", "D", "execute-api:/prod/POST/items/x")],
            "prod/POST/items/{id}", ANON, DENY_ONLY, PUBLIC, "internet"),
        case("authorizer method, deny of every value",
            &[&on("Deny", "D", "execute-api:/prod/POST/items/*")],
            "prod/POST/items/{id}", ANON, DENY_ONLY, PUBLIC, "owner"),
    ]);
}

/// The classes of one template: their statement sets.
#[test]
fn classes_of_a_template() {
    let d = parse_policy(&doc(&[
        &on("Allow", "A", "execute-api:/prod/GET/items/a"),
        &on("Deny", "D", "execute-api:/prod/GET/items/b"),
        &on("Allow", "All", "execute-api:/*"),
    ]))
    .expect("policy");
    let classes = crate::policy::paths::covering_classes(&d, &method_arn("prod/GET/items/{id}")).0;
    let sets: BTreeSet<Vec<usize>> = classes.into_iter().map(|c| c.positions).collect();
    // `a` (A and All), `b` (D and All), anything else (All).
    assert_eq!(
        sets,
        BTreeSet::from([vec![0, 2], vec![1, 2], vec![2]]),
        "{sets:?}"
    );
}

/// Every value of up to `max` characters of `alphabet`.
fn values(alphabet: &[char], max: usize) -> Vec<String> {
    let mut all = vec![];
    let mut layer = vec![String::new()];
    for _ in 0..max {
        layer = layer
            .iter()
            .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
            .collect();
        all.extend(layer.iter().cloned());
    }
    all
}

/// A template of literal pieces and parameters (`{p}` without `/`, `{g+}` with).
fn template_strategy() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            3 => "[ab/]{1,2}",
            2 => Just("{p}".to_string()),
            1 => Just("{g+}".to_string()),
        ],
        1..4,
    )
    .prop_filter("at most two parameters", |pieces| {
        pieces.iter().filter(|p| p.starts_with('{')).count() <= 2
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The exploration finds exactly the sets of patterns that match one instance together,
    /// against every instance whose parameters hold up to 4 characters of `a`, `b`, `c` (which no
    /// pattern names) and, in a greedy parameter, `/`. Patterns with at most 4 characters other
    /// than `*` in all are told apart by such values; with more, a value matching several at
    /// once can need more characters (`?a*` and `*//?` together need `xa//y`), which the
    /// exploration finds and this enumeration would not.
    #[test]
    fn match_sets_agree_with_every_short_instance(
        pieces in template_strategy(),
        patterns in prop::collection::vec("[ab/*?]{0,4}", 1..4).prop_filter(
            "at most 4 characters other than * in all",
            |ps| ps.iter().map(|p| p.chars().filter(|c| *c != '*').count()).sum::<usize>() <= 4,
        ),
    ) {
        let template: String = pieces.concat();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let got = match_sets(&template, &refs, &mut Budget::new()).expect("small inputs stay within the bound");
        let params: Vec<bool> = pieces.iter().filter(|p| p.starts_with('{')).map(|p| p.ends_with("+}")).collect();
        let per_param: Vec<Vec<String>> = params
            .iter()
            .map(|greedy| values(if *greedy { &['a', 'b', 'c', '/'] } else { &['a', 'b', 'c'] }, 4))
            .collect();
        let mut want = BTreeSet::new();
        let mut choice = vec![0usize; params.len()];
        loop {
            let mut k = 0;
            let instance: String = pieces
                .iter()
                .map(|p| if p.starts_with('{') { k += 1; per_param[k - 1][choice[k - 1]].clone() } else { p.clone() })
                .collect();
            want.insert(patterns.iter().map(|p| glob(p, &instance, false)).collect::<Vec<bool>>());
            // Next combination of values.
            let mut i = 0;
            while i < choice.len() {
                choice[i] += 1;
                if choice[i] < per_param[i].len() { break; }
                choice[i] = 0;
                i += 1;
            }
            if i == choice.len() { break; }
        }
        prop_assert_eq!(got, want, "template {} patterns {:?}", template, patterns);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whether one pattern matches no, some or every instance of a template, against every
    /// instance whose parameters hold up to 4 characters.
    #[test]
    fn coverage_agrees_with_every_short_instance(
        pieces in template_strategy(),
        pattern in "[ab/*?]{0,4}",
    ) {
        let template: String = pieces.concat();
        let params: Vec<bool> = pieces.iter().filter(|p| p.starts_with('{')).map(|p| p.ends_with("+}")).collect();
        let per_param: Vec<Vec<String>> = params
            .iter()
            .map(|greedy| values(if *greedy { &['a', 'b', 'c', '/'] } else { &['a', 'b', 'c'] }, 4))
            .collect();
        let (mut some, mut all) = (false, true);
        let mut choice = vec![0usize; params.len()];
        loop {
            let mut k = 0;
            let instance: String = pieces
                .iter()
                .map(|p| if p.starts_with('{') { k += 1; per_param[k - 1][choice[k - 1]].clone() } else { p.clone() })
                .collect();
            let hit = glob(&pattern, &instance, false);
            some |= hit;
            all &= hit;
            let mut i = 0;
            while i < choice.len() {
                choice[i] += 1;
                if choice[i] < per_param[i].len() { break; }
                choice[i] = 0;
                i += 1;
            }
            if i == choice.len() { break; }
        }
        let want = if all { Coverage::Always } else if some { Coverage::Sometimes } else { Coverage::Never };
        prop_assert_eq!(coverage(&pattern, &template, &mut Budget::new()), want, "{} on {}", pattern, template);
    }
}

fn path_statement() -> impl Strategy<Value = String> {
    let resource = prop::sample::select(vec![
        "execute-api:/prod/GET/i/*",
        "execute-api:/prod/GET/i/a",
        "execute-api:/prod/GET/i/?",
        "execute-api:/prod/GET/i/a*",
        "execute-api:/prod/GET/i/*/b",
        "execute-api:/prod/*/b",
        "execute-api:/*",
    ]);
    let principal = prop::sample::select(vec![
        r#""*""#,
        r#"{"AWS":"222222222222"}"#,
        r#"{"AWS":"333333333333"}"#,
    ]);
    let condition = prop::sample::select(vec![
        "",
        r#","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
    ]);
    (any::<bool>(), any::<bool>(), principal, resource, condition).prop_map(
        |(allow, not_resource, principal, resource, condition)| {
            format!(
                r#"{{"Effect":"{}","Principal":{principal},"Action":"execute-api:Invoke","{}":"{resource}"{condition}}}"#,
                if allow { "Allow" } else { "Deny" },
                if not_resource { "NotResource" } else { "Resource" },
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A verdict on a template is the widest of the verdicts on its concrete paths (every value
    /// of up to 3 characters of `a`, `b`, `c` and, in the greedy parameter, `/`).
    #[test]
    fn a_template_verdict_is_the_widest_over_its_paths(
        statements in prop::collection::vec(path_statement(), 1..4),
        greedy in any::<bool>(),
        caller in prop::sample::select(vec![ANON, IAM]),
        mode in prop::sample::select(vec![ALLOW, DENY_ONLY]),
    ) {
        let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
        let d = parse_policy(&doc(&refs)).expect("policy");
        let template = if greedy { "prod/GET/i/{p+}" } else { "prod/GET/i/{p}" };
        let alphabet: &[char] = if greedy { &['a', 'b', 'c', '/'] } else { &['a', 'b', 'c'] };
        let want = values(alphabet, 3).iter().map(|v| {
            verdict(&d, &method_arn(&format!("prod/GET/i/{v}")), caller, mode, PUBLIC).reach
        })
        .reduce(Reach::widest)
        .expect("at least one path");
        let got = verdict(&d, &method_arn(template), caller, mode, PUBLIC).reach;
        prop_assert_eq!(got, want, "{} on {}", doc(&refs), template);
    }
}

/// Past the exploration's bound, the verdict is the widest reading (an Allow that covers some
/// path, a Deny only where it is proved to cover every path), at medium confidence.
#[test]
fn past_the_bound_the_widest_reading() {
    let mut statements = vec![
        on("Allow", "A", "execute-api:/prod/GET/items/x"),
        on("Deny", "D", "execute-api:/prod/GET/items/x"),
    ];
    statements.extend((0..400).map(|i| {
        on(
            "Deny",
            &format!("Junk{i}"),
            &format!("execute-api:/prod/GET/items/*{i}?*"),
        )
    }));
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let v = verdict_of(&doc(&refs), "prod/GET/items/{id}", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::Internet);
    assert!(v.low_confidence);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // guard: within the bound, the exact verdict.
    let v = verdict_of(&doc(&refs[..2]), "prod/GET/items/{id}", ANON, ALLOW, PUBLIC);
    assert_eq!(v.reach, Reach::Owner);
    assert!(!v.low_confidence);
}

/// Past the bound, a `NotResource` statement covers the paths none of its patterns matches: a
/// Deny only when its patterns match no path of the method, an Allow unless they match every
/// path.
#[test]
fn past_the_bound_not_resource_covers_what_its_patterns_leave() {
    let junk: Vec<String> = (0..400)
        .map(|i| {
            on(
                "Deny",
                &format!("Junk{i}"),
                &format!("execute-api:/prod/GET/items/*{i}?*"),
            )
        })
        .collect();
    let not_on = |effect: &str, resource: &str| {
        format!(
            r#"{{"Effect":"{effect}","Principal":"*","Action":"execute-api:Invoke","NotResource":"{resource}"}}"#
        )
    };
    let with_junk = |head: &[&str]| -> ReachVerdict {
        let refs: Vec<&str> = head
            .iter()
            .copied()
            .chain(junk.iter().map(String::as_str))
            .collect();
        verdict_of(&doc(&refs), "prod/GET/items/{id}", ANON, ALLOW, PUBLIC)
    };
    // Deny everything but /public: every path of /items/{id} is denied.
    let deny_but_public = not_on("Deny", "execute-api:/prod/GET/public/*");
    let v = with_junk(&[ALLOW_ALL, &deny_but_public]);
    assert_eq!((v.reach, v.low_confidence), (Reach::Owner, true));
    // Deny everything but /items/*: no path of /items/{id} is.
    let deny_but_items = not_on("Deny", "execute-api:/prod/GET/items/*");
    let v = with_junk(&[ALLOW_ALL, &deny_but_items]);
    assert_eq!((v.reach, v.low_confidence), (Reach::Internet, true));
    // Allow everything but /public: every path is allowed; but /items/*: none is.
    let allow_but_public = not_on("Allow", "execute-api:/prod/GET/public/*");
    let v = with_junk(&[&allow_but_public]);
    assert_eq!((v.reach, v.low_confidence), (Reach::Internet, true));
    let allow_but_items = not_on("Allow", "execute-api:/prod/GET/items/*");
    let v = with_junk(&[&allow_but_items]);
    assert_eq!(v.reach, Reach::Owner);
}

/// Two patterns can need a longer value together than either alone: `xa//y` matches both
/// `?a*` and `*//?` (found by the property test when it enumerated only 4 characters).
#[test]
fn patterns_matched_together_by_a_longer_value() {
    let got = match_sets("{g+}", &["?a*", "*//?"], &mut Budget::new()).expect("within the bound");
    assert!(got.contains(&vec![true, true]), "{got:?}");
    assert!(glob("?a*", "xa//y", false) && glob("*//?", "xa//y", false));
}

/// IAM's `*` matches zero characters too, also at the start of a pattern and before the first
/// character of the path: `*?` matches every one-character value, `*a` the value `a`.
#[test]
fn a_leading_star_may_match_nothing() {
    assert!(glob("*?", "x", false) && glob("*a", "a", false));
    assert_eq!(coverage("*?", "{id}", &mut Budget::new()), Coverage::Always);
    let got = match_sets("a", &["*a", "*?"], &mut Budget::new()).expect("within the bound");
    assert_eq!(got, BTreeSet::from([vec![true, true]]));
}

#[test]
fn the_cache_counts_the_classifications_it_holds() {
    let d = parse_policy(&doc(&[ALLOW_ALL])).expect("a policy");
    let mut cache = ReachCache::default();
    assert!(cache.is_empty());
    assert_eq!(cache.len(), 0);
    let arn = method_arn("prod/GET/orders");
    let query = ReachQuery {
        resource_arn: &arn,
        caller: ANON,
        mode: ALLOW,
        network: PUBLIC,
    };
    reach_of_cached(&d, &query, &ctx(), &mut cache);
    assert!(!cache.is_empty());
    let held = cache.len();
    assert!(held >= 1);
    // The same query again is answered from the cache: nothing new is classified.
    reach_of_cached(&d, &query, &ctx(), &mut cache);
    assert_eq!(cache.len(), held);
}

#[test]
fn resource_patterns_lists_every_resource_and_not_resource_pattern() {
    let d = parse_policy(&doc(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/prod/GET/a","execute-api:/prod/*"]}"#,
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","NotResource":"execute-api:/prod/GET/b"}"#,
    ]))
    .expect("a policy");
    assert_eq!(
        d.resource_patterns().collect::<Vec<_>>(),
        vec![
            "execute-api:/prod/GET/a",
            "execute-api:/prod/*",
            "execute-api:/prod/GET/b"
        ]
    );
}

#[test]
fn a_deny_with_an_unknown_key_on_some_paths_leaves_the_open_paths_certain() {
    // GET /items/{id}: every path is allowed to anyone; the paths starting with `a` are also
    // denied on a condition the engine cannot evaluate (`aws:ResourceTag/…`). The other paths are open whatever it
    // says, so the method is open to the internet, certainly, and the unknown key is not
    // listed: the class of `a…` paths lets in no one the other class does not.
    let all = r#"{"Sid":"All","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/*"}"#;
    let deny = r#"{"Sid":"Deny","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/items/a*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}"#;
    // The same Deny on every path but the `a…` ones (`NotResource`): its class comes first in
    // the order of the path classes, before the class that makes it irrelevant.
    let deny_elsewhere = deny.replace(r#""Resource":"#, r#""NotResource":"#);
    for order in [
        [all, deny],
        [deny, all],
        [all, &deny_elsewhere],
        [&deny_elsewhere, all],
    ] {
        let policy = doc(&order);
        let v = verdict_of(&policy, "prod/GET/items/{id}", ANON, ALLOW, PUBLIC);
        assert_eq!(v.reach.label(), "internet", "{policy}");
        assert!(
            !v.low_confidence && v.unevaluated.is_empty(),
            "{policy}: {:?}",
            v.unevaluated
        );
    }
}
