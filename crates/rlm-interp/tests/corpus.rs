//! Conformance on real model-written RLM programs: every program of the
//! shared corpus (extracted by `tests/corpus/extract_programs.py`) runs in
//! our interpreter and in CPython with the same stub replies and the same
//! synthetic context; each trajectory's programs run as consecutive cells of
//! one session. The test prints "N/M identical" and the reason for each
//! difference. Programs using features left out of the DSL on purpose
//! (classes, `with`, ...) are counted separately. No program is charged
//! more than a tenth of the default fuel (issue #77: a builtin's charge
//! follows its worst input, and honest programs must not pay for that).
//!
//! The corpus lives outside the repository: set `RLM_CORPUS_DIR`, or it is
//! looked up at `../shared/corpus/trajectories` from the workspace and its
//! parents. Without it the test is skipped. Set `RLM_CORPUS_STRICT=1` to fail
//! on any difference not listed in `tests/corpus_known.txt`.

mod support;

use std::process::Command;

use support::{Job, difference, run_ours, run_python};

/// A deterministic context for every program: documents with a few needles.
fn synthetic_context() -> String {
    let mut out = String::new();
    let words = [
        "alpha",
        "river",
        "Paris",
        "report",
        "growth",
        "1999",
        "Des Moines",
        "born",
        "the",
        "answer",
    ];
    for doc in 0..40 {
        out.push_str(&format!("Document {doc}: Title {doc}\n"));
        for line in 0..12 {
            let mut l = String::new();
            for k in 0..9 {
                l.push_str(words[(doc * 7 + line * 3 + k * 5) % words.len()]);
                l.push(' ');
            }
            l.push_str(&format!(
                "value={} label: {}\n",
                doc * 13 + line,
                if line % 2 == 0 { "spam" } else { "ham" }
            ));
            out.push_str(&l);
        }
        out.push('\n');
    }
    out
}

rlm_testenv::needs_python3_and_shared_corpus! {
    #[test]
    fn corpus_programs_match_cpython() {
        let dir = rlm_testenv::shared_corpus_dir();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/extract_programs.py");
        let Ok(out) = Command::new("python3").arg(script).arg(&dir).output() else {
            panic!("python3 did not start (needed: the test environment probed it)");
        };
        let entries: Vec<serde_json::Value> =
            serde_json::from_slice(&out.stdout).expect("extractor prints JSON");
        // Group programs by trajectory file, in order: one session per trajectory.
        let mut jobs: Vec<Job> = Vec::new();
        let mut left_out = 0;
        let ctx = synthetic_context();
        for e in &entries {
            if !e["cpython_ok"].as_bool().unwrap_or(false)
                || e["left_out"].as_array().is_some_and(|a| !a.is_empty())
            {
                left_out += 1;
                continue;
            }
            let file = e["file"].as_str().unwrap_or("").to_string();
            let code = e["code"].as_str().unwrap_or("").to_string();
            match jobs.last_mut() {
                Some(j) if j.id == file => j.cells.push(code),
                _ => jobs.push(Job { id: file, cells: vec![code], context: Some(ctx.clone()) }),
            }
        }
        let Some(theirs) = run_python(&jobs) else {
            panic!("python3 did not run the programs (needed: the test environment probed it)");
        };
        let known: Vec<(String, String)> =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus_known.txt"))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .filter_map(|l| {
                    l.split_once(" => ").map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                })
                .collect();
        let mut identical = 0;
        let mut total = 0;
        let mut unexplained = Vec::new();
        let mut heaviest = (0u64, String::new());
        for job in &jobs {
            let ours = run_ours(job, rlm_interp::Limits::default());
            for (i, cell) in ours.iter().enumerate() {
                if cell.fuel > heaviest.0 {
                    heaviest = (cell.fuel, format!("{} cell {i}", job.id));
                }
            }
            let Some(cp) = theirs.get(&job.id) else { continue };
            // Compare cell by cell, so one divergence does not hide the rest.
            for (i, (a, b)) in ours.iter().zip(cp.iter()).enumerate() {
                total += 1;
                match difference(std::slice::from_ref(a), std::slice::from_ref(b)) {
                    None => identical += 1,
                    Some(why) => {
                        let id = format!("{} cell {i}", job.id);
                        match known.iter().find(|(k, _)| *k == id) {
                            Some((_, reason)) => eprintln!("  known: {id}: {reason}"),
                            None => {
                                eprintln!("  DIFF {id}: {why}");
                                unexplained.push(id);
                            }
                        }
                    }
                }
            }
            if ours.len() != cp.len() {
                eprintln!("  {}: ran {} cells, cpython {}", job.id, ours.len(), cp.len());
            }
        }
        eprintln!(
            "corpus: {identical}/{total} programs identical to CPython ({left_out} skipped: use left-out features or are not valid Python)"
        );
        let tenth = rlm_interp::Limits::default().fuel / 10;
        eprintln!(
            "corpus: the heaviest program was charged {} fuel ({:.2}% of the default), {}",
            heaviest.0,
            heaviest.0 as f64 * 100.0 / (tenth * 10) as f64,
            heaviest.1
        );
        assert!(
            heaviest.0 <= tenth,
            "{} was charged {} fuel, past a tenth of the default ({tenth})",
            heaviest.1,
            heaviest.0
        );
        if std::env::var("RLM_CORPUS_STRICT").is_ok_and(|v| v == "1") {
            assert!(unexplained.is_empty(), "unexplained differences: {unexplained:?}");
        }
    }
}
