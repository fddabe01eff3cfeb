//! Rules as data stay honest: every rule in `rules/` is exercised by some test (its id is
//! asserted in a test source), and documented in the README's rules table.

use crate::harness;
use std::path::Path;

fn rule_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(harness::project_root().join("rules"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

/// The text of every test: integration tests, and the `#[cfg(test)]` part of library sources
/// (test modules inline or in `*_tests.rs` / `tests.rs` files).
fn test_corpus() -> String {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = harness::project_root();
    let mut files = Vec::new();
    walk(&root.join("tests"), &mut files);
    walk(&root.join("src"), &mut files);
    let mut corpus = String::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy();
        if f.starts_with(root.join("tests")) || name.ends_with("tests.rs") {
            corpus.push_str(&text);
        } else if let Some(i) = text.find("#[cfg(test)]") {
            corpus.push_str(&text[i..]);
        }
    }
    corpus
}

#[test]
fn every_rule_is_exercised_by_a_test() {
    let corpus = test_corpus();
    let ids = rule_ids();
    assert!(ids.len() >= 15, "{ids:?}");
    // This file names the ids only through rule_ids(), so it cannot satisfy itself.
    let untested: Vec<&String> = ids
        .iter()
        .filter(|id| !corpus.contains(&format!("\"{id}\"")))
        .collect();
    assert!(untested.is_empty(), "rules no test asserts: {untested:?}");
}

#[test]
fn every_rule_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(harness::project_root().join("README.md")).unwrap();
    for id in rule_ids() {
        assert!(
            readme.contains(&format!("[`{id}`](rules/{id}.toml)")),
            "README's rules table lacks {id}"
        );
    }
}
