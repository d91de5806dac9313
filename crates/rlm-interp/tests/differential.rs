//! Differential tests against CPython: every fixture program (the
//! workspace's `tests/programs/**/*.py` and this crate's own) runs in our
//! interpreter and in `python3` with the same host stubs; stdout must be
//! byte-identical and uncaught exceptions must agree on type and message.
//!
//! A fixture may have a sibling `NAME.context.txt`, bound to `context`/`P`.
//! Known, documented divergences are listed in `tests/programs/KNOWN_DIVERGENCES.txt`
//! (`path: reason`); they are reported but do not fail the test.
//! `RLM_PROGRAMS_DIR=DIR` adds another directory of fixtures.

mod support;

use std::path::{Path, PathBuf};

use support::{Job, difference, run_ours, run_python};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "py") && !p.ends_with("check.py") {
            out.push(p);
        }
    }
}

#[test]
fn fixtures_match_cpython() {
    let roots = [
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/programs")),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs")),
    ];
    let mut files = Vec::new();
    let extra = std::env::var("RLM_PROGRAMS_DIR").ok().map(PathBuf::from);
    for r in roots.iter().chain(extra.iter()) {
        collect(r, &mut files);
    }
    assert!(!files.is_empty(), "no fixture programs found");
    let known_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/KNOWN_DIVERGENCES.txt");
    let known: Vec<(String, String)> = std::fs::read_to_string(known_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(':').map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect();
    let jobs: Vec<Job> = files
        .iter()
        .map(|p| {
            let ctx = p.with_extension("context.txt");
            Job {
                id: p.display().to_string(),
                cells: vec![std::fs::read_to_string(p).expect("read fixture")],
                context: std::fs::read_to_string(ctx).ok(),
            }
        })
        .collect();
    let Some(theirs) = run_python(&jobs) else {
        eprintln!("python3 not available: differential test skipped");
        return;
    };
    let mut identical = 0;
    let mut failures = Vec::new();
    let mut known_hits = Vec::new();
    for job in &jobs {
        let ours = run_ours(job, rlm_interp::Limits::default());
        let Some(cp) = theirs.get(&job.id) else { continue };
        match difference(&ours, cp) {
            None => identical += 1,
            Some(why) => {
                let short = job.id.rsplit("tests/programs/").next().unwrap_or(&job.id).to_string();
                match known.iter().find(|(k, _)| short.ends_with(k.as_str())) {
                    Some((_, reason)) => known_hits.push(format!("{short}: {reason}\n    {why}")),
                    None => failures.push(format!("{short}: {why}")),
                }
            }
        }
    }
    eprintln!("differential: {identical}/{} identical to CPython", jobs.len());
    for k in &known_hits {
        eprintln!("  known divergence: {k}");
    }
    assert!(failures.is_empty(), "{} divergences:\n{}", failures.len(), failures.join("\n"));
}
