//! One request, one path: which statements cover the same concrete request together.
//!
//! A request's resource is one concrete ARN, `…:<api>/<stage>/<VERB>/<the path sent>`. A method
//! on a templated path (`/items/{id}`, `/admin/{proxy+}`) is called with many such paths, and
//! two statements may each cover some of them but never the same one (an Allow of
//! `/items/a`, a Deny of `/items/b`), or cover exactly the same ones (an Allow and a Deny on the
//! identical resource). What decides is, for each concrete path, the set of statements whose
//! resource matches it: [`covering_classes`] returns the distinct such sets (classes), and the
//! verdict is the widest over them.
//!
//! A pattern that matches no instance of the template, or every instance, is the same in every
//! class; only the patterns that match some instances and not others are tracked. The classes
//! are found by exploring the product of the template (its position, and whether a parameter
//! is being read) with the set of live positions of each tracked pattern, over the characters
//! that can tell the patterns apart: the literals at their live positions, and one character
//! none of them names (it stands for every other). The exploration is exact; all of it for one
//! query is bounded by [`MAX_WORK`] steps, past which the classes fall back to one
//! over-approximating class (an Allow covers the method when it matches some instance, a Deny
//! when it is proved to match all of them): wider, never narrower.

use super::document::{Effect, Patterns, Statement};
use super::glob::{self, Tok};
use super::reference::CoveringStatements;
use super::PolicyDocument;
use std::collections::{BTreeSet, HashSet};

/// Bound on the exploration of one query, in pattern positions stepped over.
const MAX_WORK: usize = 200_000;

/// What is left of [`MAX_WORK`] for one query.
pub(super) struct Budget(pub(super) usize);

impl Budget {
    pub(super) fn new() -> Budget {
        Budget(MAX_WORK)
    }
}

/// Most classes kept; past it, the over-approximating class.
const MAX_CLASSES: usize = 64;

/// How one pattern relates to the instances of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coverage {
    Never,
    Sometimes,
    Always,
}

/// A glob pattern as an automaton: its live positions after a prefix of the text.
struct Nfa {
    p: Vec<char>,
}

impl Nfa {
    /// `set` (ascending) with the positions reachable from it without reading: a `*` may match
    /// nothing. A run of `*` reached from one position is reached whole, so a position inside
    /// the run already added adds nothing.
    fn close(&self, set: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::with_capacity(set.len() + 1);
        for &start in set {
            if out.last().is_some_and(|&last| start <= last) {
                continue;
            }
            let mut i = start;
            out.push(i);
            while self.p.get(i as usize) == Some(&'*') {
                i += 1;
                out.push(i);
            }
        }
        out
    }

    fn start(&self) -> Vec<u32> {
        self.close(&[0])
    }

    fn step(&self, set: &[u32], c: char) -> Vec<u32> {
        let mut next = Vec::with_capacity(set.len());
        for &i in set {
            let to = match self.p.get(i as usize) {
                Some('*') => i,
                Some('?') => i + 1,
                Some(&l) if l == c => i + 1,
                _ => continue,
            };
            if next.last() != Some(&to) {
                next.push(to);
            }
        }
        self.close(&next)
    }

    fn accepts(&self, set: &[u32]) -> bool {
        set.last() == Some(&(self.p.len() as u32))
    }
}

/// The distinct sets of `patterns` that match one instance of `template` together (one flag
/// per pattern), or `None` when the exploration would use more than what is left of `budget`.
pub(super) fn match_sets(
    template: &str,
    patterns: &[&str],
    budget: &mut Budget,
) -> Option<BTreeSet<Vec<bool>>> {
    let toks = glob::tokenize_template(template);
    let nfas: Vec<Nfa> = patterns
        .iter()
        .map(|p| Nfa {
            p: p.chars().collect(),
        })
        .collect();
    // A character no pattern names: it stands for every character they do not.
    let named: HashSet<char> = nfas.iter().flat_map(|n| n.p.iter().copied()).collect();
    let fresh = ('\u{e000}'..)
        .find(|c| !named.contains(c))
        .expect("a character no pattern names");
    type State = (usize, bool, Vec<Vec<u32>>);
    let start: State = (0, false, nfas.iter().map(Nfa::start).collect());
    let mut seen: HashSet<State> = HashSet::new();
    let mut stack = vec![start];
    let mut out = BTreeSet::new();
    while let Some(state) = stack.pop() {
        if !seen.insert(state.clone()) {
            continue;
        }
        let (j, inside, sets) = state;
        let work: usize = sets.iter().map(|s| s.len() + 1).sum();
        if work > budget.0 {
            budget.0 = 0;
            return None;
        }
        budget.0 -= work;
        if j == toks.len() && !inside {
            out.insert(nfas.iter().zip(&sets).map(|(n, s)| n.accepts(s)).collect());
            continue;
        }
        let read = |c: char| -> Vec<Vec<u32>> {
            nfas.iter().zip(&sets).map(|(n, s)| n.step(s, c)).collect()
        };
        match toks.get(j) {
            Some(Tok::Lit(c)) if !inside => stack.push((j + 1, false, read(*c))),
            Some(param @ (Tok::Param | Tok::Greedy)) => {
                // A parameter holds one or more characters: once one is read it may end.
                if inside {
                    stack.push((j + 1, false, sets.clone()));
                }
                let mut alphabet: Vec<char> = nfas
                    .iter()
                    .zip(&sets)
                    .flat_map(|(n, s)| s.iter().filter_map(|&i| n.p.get(i as usize).copied()))
                    .filter(|c| !matches!(c, '*' | '?'))
                    .filter(|c| *param == Tok::Greedy || *c != '/')
                    .collect();
                alphabet.push(fresh);
                alphabet.sort_unstable();
                alphabet.dedup();
                for c in alphabet {
                    stack.push((j, true, read(c)));
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// Whether `pattern` matches no, some or every instance of `template`. Universality is first
/// refuted cheaply on two instances ([`glob::must_match_template`]). For a pattern without `?`
/// (nor the instances' own character) matching them proves it: each value character of the
/// instance, which no literal names, lies in the span of some `*`, and a `*` matches any other
/// value as well. Otherwise exploration proves it; past the bound it stays `Sometimes`.
pub(super) fn coverage(pattern: &str, template: &str, budget: &mut Budget) -> Coverage {
    if !glob::may_match_template(pattern, template) {
        return Coverage::Never;
    }
    if !glob::must_match_template(pattern, template) {
        return Coverage::Sometimes;
    }
    if !pattern.contains(['?', '\u{1}']) {
        return Coverage::Always;
    }
    match match_sets(template, &[pattern], budget) {
        Some(sets) if sets.iter().all(|s| s[0]) => Coverage::Always,
        _ => Coverage::Sometimes,
    }
}

/// A resource pattern of a statement, for the method of `api_prefix/<rest>`: `execute-api:/…`
/// is relative to the API of the policy. A pattern that starts with the API's own ARN and a `/`
/// is read relative to it as well (its prefix is a literal, so it matches exactly the requests
/// whose rest it matches), which lets methods of different APIs with the same paths share their
/// classes ([`ClassMemo`]). Any other pattern is kept whole, and the method's whole ARN is
/// matched instead.
enum ResourcePattern<'a> {
    Relative(&'a str),
    Whole(&'a str),
}

fn resource_pattern<'a>(pattern: &'a str, api_prefix: &str) -> ResourcePattern<'a> {
    if let Some(rest) = pattern.strip_prefix("execute-api:/") {
        return ResourcePattern::Relative(rest);
    }
    match pattern
        .strip_prefix(api_prefix)
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(rest) => ResourcePattern::Relative(rest),
        None => ResourcePattern::Whole(pattern),
    }
}

/// A statement that covers `execute-api:Invoke`, with its resource patterns.
struct Candidate<'a> {
    position: usize,
    statement: &'a Statement,
    not_resource: bool,
    patterns: Vec<ResourcePattern<'a>>,
}

/// What the classes of a method depend on, for one candidate: its effect, `NotResource`, and
/// its patterns, each with how it relates to the method (by index into the tracked patterns
/// when it is `Sometimes`).
struct Judged {
    allow: bool,
    not_resource: bool,
    patterns: Vec<(Coverage, Option<usize>)>,
}

impl Judged {
    /// Whether the statement covers a request whose tracked patterns match as `class` says.
    fn covers(&self, class: &[bool]) -> bool {
        let matched = |(r, k): &(Coverage, Option<usize>)| match r {
            Coverage::Always => true,
            Coverage::Never => false,
            Coverage::Sometimes => k.is_some_and(|k| class[k]),
        };
        self.not_resource != self.patterns.iter().any(matched)
    }

    /// The over-approximating reading: an Allow covers the method when some instance is
    /// covered, a Deny only when every instance is.
    fn covers_widest(&self) -> bool {
        let some = |r: Coverage| r != Coverage::Never;
        let every = |r: Coverage| r == Coverage::Always;
        let matched =
            |wanted: &dyn Fn(Coverage) -> bool| self.patterns.iter().any(|(r, _)| wanted(*r));
        match (self.allow, self.not_resource) {
            (true, false) => matched(&some),
            (false, false) => matched(&every),
            // NotResource: the statement covers the instances no pattern matches.
            (true, true) => !matched(&every),
            (false, true) => !matched(&some),
        }
    }
}

/// The classes of one method, each the indexes (into the candidates) of the statements that
/// cover one concrete request together, distinct; and whether they are the over-approximating
/// class.
#[derive(Clone)]
struct IndexClasses {
    classes: Vec<Vec<u32>>,
    approximate: bool,
}

/// The classes of candidates `(allow, not_resource, patterns)` on the method `template` (the
/// patterns and the template both whole, or both relative to the API).
fn index_classes(candidates: &[(bool, bool, Vec<&str>)], template: &str) -> IndexClasses {
    let mut tracked: Vec<&str> = Vec::new();
    let mut budget = Budget::new();
    let judged: Vec<Judged> = candidates
        .iter()
        .map(|(allow, not_resource, patterns)| Judged {
            allow: *allow,
            not_resource: *not_resource,
            patterns: patterns
                .iter()
                .map(|&p| {
                    let reach = coverage(p, template, &mut budget);
                    let index = (reach == Coverage::Sometimes).then(|| {
                        tracked.iter().position(|t| *t == p).unwrap_or_else(|| {
                            tracked.push(p);
                            tracked.len() - 1
                        })
                    });
                    (reach, index)
                })
                .collect(),
        })
        .collect();
    let of = |covers: &dyn Fn(&Judged) -> bool| -> Vec<u32> {
        (0..judged.len() as u32)
            .filter(|&i| covers(&judged[i as usize]))
            .collect()
    };
    let sets = if tracked.is_empty() {
        Some(BTreeSet::from([vec![]]))
    } else {
        match_sets(template, &tracked, &mut budget).filter(|s| s.len() <= MAX_CLASSES)
    };
    let Some(sets) = sets else {
        return IndexClasses {
            classes: vec![of(&Judged::covers_widest)],
            approximate: true,
        };
    };
    let mut classes: Vec<Vec<u32>> = Vec::new();
    for class in &sets {
        let c = of(&|j: &Judged| j.covers(class));
        if !classes.contains(&c) {
            classes.push(c);
        }
    }
    IndexClasses {
        classes,
        approximate: false,
    }
}

/// Classes already found, keyed by everything [`index_classes`] reads: the method's template
/// and each candidate's effect, `NotResource` and patterns (relative to the API when they can
/// be, so the methods of every API with the same paths and statement shapes share an entry —
/// the common case across an organization's stages and accounts). The key spells each part
/// with its length, so no two inputs share a key. Bounded: emptied when full.
struct ClassMemo {
    entries: foldhash::HashMap<Box<str>, IndexClasses>,
}

/// Most entries kept by a thread's [`ClassMemo`] (each a few hundred bytes).
const MEMO_ENTRIES: usize = 1 << 16;

thread_local! {
    // A memo of a pure function: the answers are the same with or without it.
    static CLASS_MEMO: std::cell::RefCell<ClassMemo> = std::cell::RefCell::new(ClassMemo {
        entries: foldhash::HashMap::default(),
    });
}

fn memo_key(template: &str, candidates: &[(bool, bool, Vec<&str>)]) -> String {
    use std::fmt::Write;
    let mut key = String::with_capacity(template.len() + 64);
    let _ = write!(key, "{}:{}", template.len(), template);
    for (allow, not_resource, patterns) in candidates {
        let _ = write!(
            key,
            "|{}{}{}",
            *allow as u8,
            *not_resource as u8,
            patterns.len()
        );
        for p in patterns {
            let _ = write!(key, ",{}:{}", p.len(), p);
        }
    }
    key
}

/// The classes of statements that cover one concrete request of the method `resource_arn`
/// (whose path may be a template) together, distinct and in no particular order (always at
/// least one), and whether they had to fall back to the over-approximating class.
pub(super) fn covering_classes<'a>(
    doc: &'a PolicyDocument,
    resource_arn: &str,
) -> (Vec<CoveringStatements<'a>>, bool) {
    const ACTION: &str = "execute-api:Invoke";
    // `arn:aws:execute-api:region:account:api-id` — everything before the first `/`.
    let (api_prefix, relative_template) =
        resource_arn.split_once('/').unwrap_or((resource_arn, ""));
    let mut candidates = Vec::new();
    for (position, s) in doc.statements.iter().enumerate() {
        let action_ok = match &s.action {
            Patterns::Is(p) => p.iter().any(|a| glob::glob(a, ACTION, true)),
            Patterns::Not(p) => !p.iter().any(|a| glob::glob(a, ACTION, true)),
        };
        if !action_ok {
            continue;
        }
        let (not_resource, raw) = match &s.resource {
            Patterns::Is(p) => (false, p),
            Patterns::Not(p) => (true, p),
        };
        candidates.push(Candidate {
            position,
            statement: s,
            not_resource,
            patterns: raw
                .iter()
                .map(|p| resource_pattern(p, api_prefix))
                .collect(),
        });
    }
    // Relative to the API when every pattern is (and the API's ARN is a plain literal);
    // otherwise the whole ARN against the whole patterns, with the relative ones expanded.
    let relative = !api_prefix.contains(['*', '?', '{'])
        && candidates.iter().all(|c| {
            c.patterns
                .iter()
                .all(|p| matches!(p, ResourcePattern::Relative(_)))
        });
    let expanded: Vec<Vec<std::borrow::Cow<str>>> = candidates
        .iter()
        .map(|c| {
            c.patterns
                .iter()
                .map(|p| match p {
                    ResourcePattern::Relative(rest) if relative => (*rest).into(),
                    ResourcePattern::Relative(rest) => format!("{api_prefix}/{rest}").into(),
                    ResourcePattern::Whole(p) => (*p).into(),
                })
                .collect()
        })
        .collect();
    let shapes: Vec<(bool, bool, Vec<&str>)> = candidates
        .iter()
        .zip(&expanded)
        .map(|(c, patterns)| {
            (
                c.statement.effect == Effect::Allow,
                c.not_resource,
                patterns.iter().map(|p| p.as_ref()).collect(),
            )
        })
        .collect();
    let template = if relative {
        relative_template
    } else {
        resource_arn
    };
    let key = memo_key(template, &shapes);
    let found = CLASS_MEMO.with(|m| m.borrow().entries.get(key.as_str()).cloned());
    let found = found.unwrap_or_else(|| {
        let computed = index_classes(&shapes, template);
        CLASS_MEMO.with(|m| {
            let mut m = m.borrow_mut();
            if m.entries.len() >= MEMO_ENTRIES {
                m.entries.clear();
            }
            m.entries.insert(key.into_boxed_str(), computed.clone());
        });
        computed
    });
    let classes = found
        .classes
        .iter()
        .map(|class| {
            let mut r = CoveringStatements {
                allows: vec![],
                denies: vec![],
                positions: Vec::with_capacity(class.len()),
            };
            for &i in class {
                let c = &candidates[i as usize];
                r.positions.push(c.position);
                match c.statement.effect {
                    Effect::Allow => r.allows.push(c.statement),
                    Effect::Deny => r.denies.push(c.statement),
                }
            }
            r
        })
        .collect();
    (classes, found.approximate)
}

/// The widest single reading of the statements covering the method's requests, for callers
/// that judge one set of statements: every Allow that covers some request, and the Denies that
/// cover every request the Allows do (those in every class). Never narrower than IAM.
pub(super) fn widest_covering<'a>(
    doc: &'a PolicyDocument,
    resource_arn: &str,
) -> CoveringStatements<'a> {
    let (classes, _) = covering_classes(doc, resource_arn);
    let has = |list: &[&Statement], s: &Statement| list.iter().any(|t| std::ptr::eq(*t, s));
    let mut out = CoveringStatements {
        allows: vec![],
        denies: vec![],
        positions: vec![],
    };
    for c in &classes {
        for s in &c.allows {
            if !has(&out.allows, s) {
                out.allows.push(s);
            }
        }
    }
    if let Some(first) = classes.first() {
        out.denies = first
            .denies
            .iter()
            .copied()
            .filter(|d| classes.iter().all(|c| has(&c.denies, d)))
            .collect();
    }
    out
}
