//! An execution's settings are merged in one function (issue #83):
//! `rlm-core/src/assembly/overrides.rs` (`merge`, with its budget
//! `RunOverrides::budget`), called by `Rlm::from_config`. Each front end
//! builds a `RunOverrides` value and calls `from_config`; none layers a
//! setting over the built engine afterwards. Reads every crate's sources
//! (tests, examples and benches aside: they drive the builder directly) for
//! the ways a setting was merged again: the configuration's budgets turned
//! into limits, a builder's `map_*` hook, a session's own execution budget,
//! a model pair recorded or replayed by hand.

use std::path::{Path, PathBuf};

/// The one file where per-execution settings are merged.
const MERGE: &str = "rlm-core/src/assembly/overrides.rs";

/// What only the merge (or the builder that defines them) may write.
const MERGING: &[(&str, &[&str])] = &[
    (".to_limits()", &[MERGE]),
    (".map_budget(", &[]),
    (".map_options(", &[]),
    (".map_scheduler(", &[]),
    (".map_prompts(", &[]),
    ("execution_limits: Some", &[]),
    ("record_or_replay(", &["rlm-core/src/assembly/mod.rs"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of `source` before its unit tests (`#[cfg(test)]`), which may
/// build engines by hand.
fn without_unit_tests(source: &str) -> &str {
    source.find("#[cfg(test)]").map_or(source, |at| &source[..at])
}

#[test]
fn per_execution_settings_are_merged_in_one_function() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crates folder");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(crates).expect("the crates folder") {
        let src = entry.expect("an entry").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 100, "the sources were found: {}", files.len());
    let mut found = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(crates).expect("under crates").to_string_lossy();
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        if rel.ends_with("/tests.rs") || rel.contains("/tests/") {
            continue; // a crate's unit tests, in a file of their own
        }
        let text = std::fs::read_to_string(path).expect("a readable source");
        for (pattern, allowed) in MERGING {
            if allowed.contains(&rel.as_str()) {
                continue;
            }
            for (n, line) in without_unit_tests(&text).lines().enumerate() {
                if line.contains(pattern) && !line.trim_start().starts_with("//") {
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "settings merged outside {MERGE} (build a RunOverrides and call Rlm::from_config):\n{}",
        found.join("\n")
    );
}
