//! An execution's settings are merged in one function (issue #83):
//! `rlm-core/src/assembly/overrides.rs` (`merge`, with its budget
//! `RunOverrides::budget`), called by `Rlm::from_config`. Each front end
//! builds a `RunOverrides` value and calls `from_config`; none layers a
//! setting over the built engine afterwards. Reads every crate's code proper
//! (`src/`, through rlm-house; tests, examples and benches drive the builder
//! directly) for the ways a setting was merged again: the configuration's
//! budgets turned into limits, a builder's `map_*` hook, a session's own
//! execution budget, a model pair recorded or replayed by hand.

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

#[test]
fn per_execution_settings_are_merged_in_one_function() {
    let mut found = Vec::new();
    let mut files = 0;
    for (name, src) in rlm_house::workspace_crates() {
        for (rel, code) in rlm_house::crate_sources(&src) {
            files += 1;
            let rel = format!("{name}/src/{rel}");
            if rel.ends_with("/tests.rs") || rel.contains("/tests/") {
                continue; // a crate's unit tests, in a file of their own
            }
            for (pattern, allowed) in MERGING {
                if allowed.contains(&rel.as_str()) {
                    continue;
                }
                for (n, line) in code.lines().enumerate() {
                    if line.contains(pattern) {
                        found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(files > 100, "the sources were found: {files}");
    assert!(
        found.is_empty(),
        "settings merged outside {MERGE} (build a RunOverrides and call Rlm::from_config):\n{}",
        found.join("\n")
    );
}
