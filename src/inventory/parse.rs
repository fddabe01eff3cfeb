//! A snapshot parsed on every core (issue 12): nearly all of an organization's snapshot is its
//! `targets` array, whose elements are independent. One quick pass finds where each element
//! starts and ends (it only has to tell strings apart from structure); the elements are then
//! parsed by several threads at once, and the rest of the document (with `"targets": []`) on
//! its own. Any surprise (no such array, a document serde would reject) falls back to the
//! ordinary parse of the whole document, so the result and every error message are exactly
//! what `serde_json` gives for the whole.

use super::{Inventory, Target};

/// Below this size a snapshot is parsed whole: threads would cost more than they save.
pub(super) const PARALLEL_FROM_BYTES: usize = 4 << 20;

/// `bytes` (a JSON object) parsed with `threads` threads when it is at least `from_bytes` long
/// and its `targets` array can be cut; `None` when it cannot, or when a part does not parse
/// (then the whole document is parsed the ordinary way, for its error).
pub(super) fn parse_in_parallel(
    bytes: &[u8],
    threads: usize,
    from_bytes: usize,
) -> Option<Inventory> {
    if threads < 2 || bytes.len() < from_bytes {
        return None;
    }
    let array = targets_array(bytes)?;
    if array.elements.len() < 2 {
        return None;
    }
    // The rest of the document, with the array emptied: `"targets": []`.
    let mut rest = Vec::with_capacity(bytes.len() - (array.close - array.open));
    rest.extend_from_slice(&bytes[..=array.open]);
    rest.extend_from_slice(&bytes[array.close..]);
    let chunks = chunks_of(&array.elements, threads);
    let (inv, parts) = std::thread::scope(|scope| {
        let parts: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&(start, end)| serde_json::from_slice::<Target>(&bytes[start..end]))
                        .collect::<Result<Vec<Target>, _>>()
                        .ok()
                })
            })
            .collect();
        let inv = serde_json::from_slice::<Inventory>(&rest).ok();
        let parts: Vec<Option<Vec<Target>>> = parts
            .into_iter()
            .map(|p| p.join().unwrap_or(None))
            .collect();
        (inv, parts)
    });
    let mut inv = inv?;
    if !inv.targets.is_empty() {
        // A second `targets` key: serde would have refused the document.
        return None;
    }
    inv.targets.reserve_exact(array.elements.len());
    for part in parts {
        inv.targets.extend(part?);
    }
    Some(inv)
}

/// Where the top-level `targets` array is: its brackets and each element's byte range.
#[derive(Debug, PartialEq)]
struct TargetsArray {
    open: usize,
    close: usize,
    elements: Vec<(usize, usize)>,
}

/// Finds the `targets` member of the top-level object and its elements, reading only what
/// tells strings from structure (the contents of strings are skipped with `memchr`).
/// `None` for anything unexpected: the caller then parses the whole document.
fn targets_array(bytes: &[u8]) -> Option<TargetsArray> {
    let mut i = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[i] != b'{' {
        return None;
    }
    i += 1;
    let mut depth = 1usize;
    // Inside the targets array: where it opened, and where its current element started.
    let mut array: Option<TargetsArray> = None;
    let mut element_start = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i)?;
                if depth == 1 && array.is_none() && &bytes[i + 1..end] == b"targets" {
                    let colon = skip_space(bytes, end + 1)?;
                    if bytes[colon] == b':' {
                        let open = skip_space(bytes, colon + 1)?;
                        if bytes[open] != b'[' {
                            return None;
                        }
                        array = Some(TargetsArray {
                            open,
                            close: 0,
                            elements: Vec::new(),
                        });
                        element_start = open + 1;
                        depth = 2;
                        i = open + 1;
                        continue;
                    }
                }
                i = end + 1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 1 {
                    if let Some(mut found) = array.take() {
                        if bytes[i] != b']' {
                            return None;
                        }
                        if bytes[element_start..i]
                            .iter()
                            .any(|b| !b.is_ascii_whitespace())
                        {
                            found.elements.push((element_start, i));
                        }
                        found.close = i;
                        return Some(found);
                    }
                }
            }
            b',' if depth == 2 => {
                if let Some(found) = array.as_mut() {
                    found.elements.push((element_start, i));
                    element_start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes the string opening at `open`.
fn string_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', &bytes[i..])?;
        if bytes[i] == b'"' {
            return Some(i);
        }
        // An escape: the byte after the backslash is never the end of the string.
        i += 2;
    }
}

/// The first index from `i` that is not JSON white space.
fn skip_space(bytes: &[u8], i: usize) -> Option<usize> {
    bytes
        .get(i..)?
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|n| i + n)
}

/// `elements` cut into at most `parts` runs of about equal bytes, in order.
fn chunks_of(elements: &[(usize, usize)], parts: usize) -> Vec<&[(usize, usize)]> {
    let total: usize = elements.iter().map(|(s, e)| e - s).sum();
    let per_part = total.div_ceil(parts).max(1);
    let mut chunks = Vec::with_capacity(parts);
    let (mut start, mut size) = (0, 0);
    for (i, (s, e)) in elements.iter().enumerate() {
        size += e - s;
        if size >= per_part && chunks.len() + 1 < parts {
            chunks.push(&elements[start..=i]);
            (start, size) = (i + 1, 0);
        }
    }
    if start < elements.len() {
        chunks.push(&elements[start..]);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_targets_array_is_found_past_strings_that_look_like_structure() {
        let doc = br#" {"a": "targets\"]},[{", "x": {"targets": [1]}, "targets" : [ {"s": "],\\"}, [2, 3] ,4 ], "z": []}"#;
        let found = targets_array(doc).unwrap();
        let text = |(s, e): (usize, usize)| std::str::from_utf8(&doc[s..e]).unwrap().trim();
        let elements: Vec<&str> = found.elements.iter().map(|&r| text(r)).collect();
        assert_eq!(elements, [r#"{"s": "],\\"}"#, "[2, 3]", "4"]);
        assert_eq!(doc[found.open], b'[');
        assert_eq!(&doc[found.close..found.close + 3], b"], ");
    }

    #[test]
    fn unexpected_documents_are_left_to_the_whole_parse() {
        for doc in [
            &br#"[1, 2]"#[..],
            br#"{"targets": {}}"#,
            br#"{"targets": [1, 2"#,
            br#"{"targets": [1, "2]}"#,
            br#"{"other": [1, 2]}"#,
            br#"{"targets": [1}, 2]"#,
        ] {
            assert_eq!(targets_array(doc), None, "{}", String::from_utf8_lossy(doc));
        }
        let empty = targets_array(br#"{"targets": [ ]}"#).unwrap();
        assert!(empty.elements.is_empty());
    }

    #[test]
    fn chunks_keep_every_element_in_order_and_about_equal_size() {
        let elements: Vec<(usize, usize)> = (0..10).map(|i| (i * 10, i * 10 + 9)).collect();
        for parts in 1..=12 {
            let chunks = chunks_of(&elements, parts);
            assert!(chunks.len() <= parts && !chunks.is_empty());
            assert!(chunks.iter().all(|c| !c.is_empty()));
            assert_eq!(chunks.concat(), elements, "{parts}");
        }
        assert_eq!(
            chunks_of(&elements, 2)
                .iter()
                .map(|c| c.len())
                .collect::<Vec<_>>(),
            [5, 5]
        );
    }
}
