//! Differential tests against CPython: every fixture program (the
//! workspace's `tests/programs/**/*.py` and this crate's own) runs in our
//! interpreter and in `python3` with the same host stubs; stdout must be
//! byte-identical and uncaught exceptions must agree on type and message.
//! Any divergence fails the test: there is no list of tolerated ones.
//!
//! A fixture may have a sibling `NAME.context.txt`, bound to `context`/`P`.
//! `RLM_PROGRAMS_DIR=DIR` adds another directory of fixtures.
//!
//! Deliberate deviations from CPython (documented in grammar/reference.md)
//! live in `tests/programs_dsl_only/`: each starts with a `# DSL-only: why`
//! line and is compared with its checked-in `NAME.expected` (stdout, then
//! `Type: message` for an uncaught error); CPython must disagree with it, or
//! the fixture belongs in the differential tree. `RLM_BLESS=1` rewrites the
//! expected files from our interpreter.

mod support;

use std::path::{Path, PathBuf};

use support::{CellResult, Job, difference, run_ours, run_python};

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

fn job_for(p: &Path) -> Job {
    let ctx = p.with_extension("context.txt");
    Job {
        id: p.display().to_string(),
        cells: vec![std::fs::read_to_string(p).expect("read fixture")],
        context: std::fs::read_to_string(ctx).ok(),
    }
}

rlm_testenv::needs_python3! {
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
        let jobs: Vec<Job> = files.iter().map(|p| job_for(p)).collect();
        let Some(theirs) = run_python(&jobs) else {
            panic!("python3 did not run the fixtures (needed: the test environment probed it)");
        };
        let mut identical = 0;
        let mut failures = Vec::new();
        for job in &jobs {
            let ours = run_ours(job, rlm_interp::Limits::default());
            let short = job.id.rsplit("tests/programs/").next().unwrap_or(&job.id).to_string();
            let Some(cp) = theirs.get(&job.id) else {
                failures.push(format!("{short}: CPython gave no result"));
                continue;
            };
            match difference(&ours, cp) {
                None => identical += 1,
                Some(why) => failures.push(format!("{short}: {why}")),
            }
        }
        eprintln!(
            "differential: {identical}/{} fixtures identical to CPython, {} divergences",
            jobs.len(),
            failures.len()
        );
        assert!(failures.is_empty(), "{} divergences:\n{}", failures.len(), failures.join("\n"));
    }
}

/// What a DSL-only fixture's `.expected` file holds for one run.
fn expected_text(res: &[CellResult]) -> String {
    let mut out = String::new();
    for r in res {
        out.push_str(&r.stdout);
        if let Some((ty, msg)) = &r.error {
            out.push_str(&format!("{ty}: {msg}\n"));
        }
        if let Some(f) = &r.final_answer {
            out.push_str(&format!("FINAL: {f}\n"));
        }
    }
    out
}

rlm_testenv::needs_python3! {
    #[test]
    fn dsl_only_fixtures_match_their_expected_output() {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs_dsl_only"));
        let mut files = Vec::new();
        collect(&dir, &mut files);
        assert!(!files.is_empty(), "no DSL-only fixtures found");
        let bless = std::env::var_os("RLM_BLESS").is_some();
        let jobs: Vec<Job> = files.iter().map(|p| job_for(p)).collect();
        let theirs = run_python(&jobs);
        let mut failures = Vec::new();
        for (path, job) in files.iter().zip(&jobs) {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let reason = job.cells[0].lines().next().unwrap_or("");
            if !reason.starts_with("# DSL-only: ") {
                failures.push(format!("{name}: first line must be `# DSL-only: <why>`"));
            }
            let ours = expected_text(&run_ours(job, rlm_interp::Limits::default()));
            let exp_path = path.with_extension("expected");
            if bless {
                std::fs::write(&exp_path, &ours).expect("write expected");
            }
            match std::fs::read_to_string(&exp_path) {
                Ok(want) if want == ours => {}
                Ok(want) => {
                    failures.push(format!("{name}: output differs\n  ours: {ours:?}\n  want: {want:?}"))
                }
                Err(_) => failures.push(format!("{name}: missing {}", exp_path.display())),
            }
            if let Some(cp) = theirs.as_ref().and_then(|t| t.get(&job.id)) {
                if expected_text(cp) == ours {
                    failures.push(format!("{name}: CPython agrees; move it to tests/programs/"));
                }
            }
        }
        eprintln!("dsl-only: {} fixtures for documented deviations", files.len() - failures.len());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
