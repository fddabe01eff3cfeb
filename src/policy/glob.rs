//! Wildcard matching for IAM patterns (`*` any sequence, `?` one character), and matching of a
//! pattern against a method path TEMPLATE (`orders/{id}`, `{proxy+}`).
//!
//! All matchers are polynomial (no backtracking blow-up): policies are attacker-controlled input
//! from the auditor's point of view.

use crate::arn::Arn;

/// Does `pattern` (with `*` and `?`) match all of `text`? Linear-time greedy algorithm with a
/// single backtrack point (the classic wildcard matcher), O(n·m) worst case. ASCII input (nearly
/// every policy) is matched byte by byte without allocating; other text char by char, after
/// Unicode lower-casing when `ignore_case`.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        let eq = |a: u8, b: u8| {
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        return wildcard_match(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
    let chars = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    wildcard_match(&chars(pattern), &chars(text), '*', '?', |a, b| a == b)
}

/// The wildcard matcher of [`glob`] over any code units.
fn wildcard_match<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    any_run: T,
    any_one: T,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_one || (p[pi] != any_run && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any_run {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == any_run {
        pi += 1;
    }
    pi == p.len()
}

/// `ArnLike`/`ArnEquals` (IAM): both ARNs are split into their six colon-separated fields
/// (the sixth, the resource, keeps any further colons) and each field is matched on its own, so
/// a wildcard never crosses a `:`. `None` when the pattern is not a six-field ARN: IAM documents
/// no meaning for it, so the caller decides how to treat it. A value that is not an ARN matches
/// no pattern.
pub fn arn_like(pattern: &str, value: &str) -> Option<bool> {
    let p = Arn::parse(pattern)?;
    let Some(v) = Arn::parse(value) else {
        return Some(false);
    };
    Some(
        p.fields()
            .iter()
            .zip(v.fields())
            .all(|(pf, vf)| glob(pf, vf, false)),
    )
}

/// One piece of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    /// `{name}`: one or more characters, no `/`.
    Param,
    /// `{name+}`: one or more characters, `/` allowed.
    Greedy,
}

pub(crate) fn tokenize_template(template: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            let mut name = String::new();
            let mut closed = false;
            for n in chars.by_ref() {
                if n == '}' {
                    closed = true;
                    break;
                }
                name.push(n);
            }
            if closed {
                out.push(if name.ends_with('+') {
                    Tok::Greedy
                } else {
                    Tok::Param
                });
            } else {
                out.push(Tok::Lit('{'));
                out.extend(name.chars().map(Tok::Lit));
            }
        } else {
            out.push(Tok::Lit(c));
        }
    }
    out
}

/// Is there SOME value of the template's parameters for which `pattern` matches? (Used for
/// Allow statements: a grant on `orders/123` does let callers in on `orders/{id}`.)
///
/// Reachability over the product of the pattern's and the template's automata, whose states
/// are (pattern position, template position, inside-a-parameter flag). No move goes back in
/// either position, so the states are visited row by row of the pattern: O(pattern × template)
/// time and O(template) memory, whatever the input (a policy is attacker-controlled input).
pub fn may_match_template(pattern: &str, template: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t = tokenize_template(template);
    let (pl, tl) = (p.len(), t.len());
    // row[j] = [outside a parameter, inside one] at template position j, for the current
    // pattern position; next[j] the same for the following one. Only the span of template
    // positions still alive is visited, so a pattern that stops matching early costs little.
    let mut row = vec![[false; 2]; tl + 1];
    let mut next = vec![[false; 2]; tl + 1];
    row[0][0] = true;
    let (mut lo, mut hi) = (0usize, 0usize);
    for i in 0..=pl {
        // The pattern character at this row (none past the end).
        let here = p.get(i).copied();
        let (mut next_lo, mut next_hi) = (usize::MAX, 0usize);
        let mut j = lo;
        while j <= hi {
            // Outside first: consuming into a parameter moves (i, j, out) to (i, j, in).
            for inside in [false, true] {
                if !row[j][inside as usize] {
                    continue;
                }
                if i == pl && j == tl && !inside {
                    return true;
                }
                // Where a move lands: this row (a `*` stays where it is) or the next one.
                let mut land = |same_row: bool, j2: usize, inside2: bool| {
                    if same_row {
                        row[j2][inside2 as usize] = true;
                        hi = hi.max(j2);
                    } else {
                        next[j2][inside2 as usize] = true;
                        next_lo = next_lo.min(j2);
                        next_hi = next_hi.max(j2);
                    }
                };
                // Epsilon moves: a `*` may match nothing; a parameter that has consumed a
                // character may end.
                if here == Some('*') {
                    land(false, j, inside);
                }
                if inside && j < tl {
                    land(true, j + 1, false);
                }
                // Joint moves: the pattern and the template consume the same character.
                if let (Some(pc), true) = (here, j < tl) {
                    let stay = pc == '*';
                    match t[j] {
                        Tok::Lit(d) => {
                            if !inside && (pc == '*' || pc == '?' || pc == d) {
                                land(stay, j + 1, false);
                            }
                        }
                        Tok::Param => {
                            if pc == '*' || pc == '?' || pc != '/' {
                                land(stay, j, true);
                            }
                        }
                        Tok::Greedy => land(stay, j, true),
                    }
                }
            }
            j += 1;
        }
        if next_lo == usize::MAX {
            return false;
        }
        row[lo..=hi].fill([false; 2]);
        std::mem::swap(&mut row, &mut next);
        (lo, hi) = (next_lo, next_hi);
    }
    false
}

/// Does `pattern` match two instances of the template, with values no literal of a real policy
/// names (U+0001, of length 1 and 3, with `/` inside for greedy parameters)? `false` proves
/// that some value of the parameters escapes the pattern; `true` is a strong hint that none
/// does, which `paths` then proves (a `?`-exact pattern can match lengths 1 and 3 but not 2).
pub fn must_match_template(pattern: &str, template: &str) -> bool {
    let toks = tokenize_template(template);
    let instantiate = |short: bool| -> String {
        toks.iter()
            .map(|t| match t {
                Tok::Lit(c) => c.to_string(),
                Tok::Param => {
                    if short {
                        "\u{1}".into()
                    } else {
                        "\u{1}\u{1}\u{1}".into()
                    }
                }
                Tok::Greedy => {
                    if short {
                        "\u{1}".into()
                    } else {
                        "\u{1}/\u{1}".into()
                    }
                }
            })
            .collect()
    };
    glob(pattern, &instantiate(true), false) && glob(pattern, &instantiate(false), false)
}

#[cfg(test)]
mod tests;
