//! Conformance with what models actually write: every program in the shared
//! RLM corpus that CPython accepts (and that uses none of the features the DSL
//! leaves out) must parse; every program CPython rejects must be rejected too.
//!
//! The programs are extracted by `tests/corpus/extract_programs.py` at the
//! workspace root, so CPython decides what counts as valid Python.

use std::path::PathBuf;
use std::process::Command;

#[derive(serde::Deserialize)]
struct Program {
    file: String,
    #[serde(rename = "where")]
    at: String,
    code: String,
    cpython_ok: bool,
    left_out: Vec<String>,
}

fn load() -> Vec<Program> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = rlm_testenv::shared_corpus_dir();
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {} (set RLM_CORPUS_DIR to its trajectories folder)",
        dir.display()
    );
    let out = Command::new("python3")
        .arg(root.join("tests/corpus/extract_programs.py"))
        .arg(&dir)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "extractor failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("extractor prints JSON")
}

rlm_testenv::needs_python3_and_shared_corpus! {
    #[test]
    fn corpus_programs_parse() {
        let programs = load();
        assert!(!programs.is_empty(), "the corpus yielded no programs");
        let eligible: Vec<&Program> =
            programs.iter().filter(|p| p.cpython_ok && p.left_out.is_empty()).collect();
        let mut failures = Vec::new();
        for p in &eligible {
            if let Err(e) = rlm_syntax::parse(&p.code) {
                failures.push(format!("{} {}:\n{}", p.file, p.at, e.render(&p.code, &p.at)));
            }
        }
        let ineligible: Vec<String> = programs
            .iter()
            .filter(|p| !p.left_out.is_empty())
            .map(|p| format!("{} {} uses {}", p.file, p.at, p.left_out.join(", ")))
            .collect();
        println!(
            "corpus: {}/{} eligible programs parse ({} total, {} rejected by CPython, {} use left-out features{})",
            eligible.len() - failures.len(),
            eligible.len(),
            programs.len(),
            programs.iter().filter(|p| !p.cpython_ok).count(),
            ineligible.len(),
            if ineligible.is_empty() { String::new() } else { format!(": {}", ineligible.join("; ")) }
        );
        assert!(
            failures.is_empty(),
            "{} corpus programs fail to parse:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn corpus_programs_cpython_rejects_are_rejected() {
    for p in load().iter().filter(|p| !p.cpython_ok) {
        assert!(
            rlm_syntax::parse(&p.code).is_err(),
            "{} {} is invalid Python but parsed",
            p.file,
            p.at
        );
    }
}

#[test]
fn corpus_programs_round_trip() {
    use rlm_syntax::printer::{sexpr, unparse};
    for p in load().iter().filter(|p| p.cpython_ok && p.left_out.is_empty()) {
        let Ok(first) = rlm_syntax::parse(&p.code) else { continue };
        let printed = unparse(&first);
        let second = rlm_syntax::parse(&printed).unwrap_or_else(|e| {
            panic!("{} {}: unparse does not re-parse:\n{}", p.file, p.at, e.render(&printed, "x"))
        });
        assert_eq!(
            sexpr(&first),
            sexpr(&second),
            "{} {}: round trip changed the tree",
            p.file,
            p.at
        );
    }
}
