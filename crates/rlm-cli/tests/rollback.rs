//! A limit error rolls the program back, through `rlm run` with a scripted
//! model (issue #53): the model's first four programs build up state, its
//! fifth changes all of it and then hits a limit, its sixth prints every
//! variable. For every kind of limit, the sixth prints what it prints in a
//! run without the fifth, and the model was told which limit stopped the
//! fifth, where, and that its variables are as they were. The cells are the
//! interpreter's fixture (`tests/rollback/README.md`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            c.env_remove(name);
        }
    }
    c
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/rollback").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The small limits every run has, as flags (the interpreter test's).
const LIMITS: &[&str] = &[
    "--memory-bytes",
    "50331648",
    "--max-str-len",
    "1048576",
    "--max-collection-len",
    "1000000",
    "--max-call-depth",
    "100",
    "--max-nesting",
    "50",
    "--max-output-bytes",
    "20000",
    "--regex-backtrack-limit",
    "100000",
];

/// The fifth program's limit, the fixture that reaches it, and the flags
/// that set that limit's run apart.
const KINDS: &[(&str, &str, &[&str])] = &[
    ("fuel", "limit_fuel.py", &["--fuel", "3000000"]),
    ("memory", "limit_memory.py", &["--fuel", "3000000"]),
    ("string length", "limit_str_len.py", &["--fuel", "3000000"]),
    ("collection size", "limit_collection_len.py", &["--fuel", "3000000"]),
    ("call depth", "limit_call_depth.py", &["--fuel", "3000000"]),
    ("nesting", "limit_nesting.py", &["--fuel", "3000000"]),
    ("output", "limit_output.py", &["--fuel", "3000000"]),
    ("regex backtracking", "limit_regex.py", &["--fuel", "3000000"]),
    // Fuel for minutes: the program's own time limit stops it.
    (
        "wall time",
        "limit_wall_time.py",
        &["--fuel", "100000000000", "--program-timeout-secs", "0.5"],
    ),
];

/// A scripted model that replies with each program in turn, then FINAL.
fn script(dir: &Path, programs: &[String]) -> PathBuf {
    let mut toml = String::new();
    for p in programs.iter().map(String::as_str).chain(["FINAL('done')\n"]) {
        assert!(!p.contains("'''"), "a program the script cannot quote");
        toml.push_str(&format!("[[replies]]\ntext = '''```repl\n{p}```'''\n"));
    }
    let path = dir.join("script.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Every program's end in the trace, in order: (stdout, error).
fn programs_run(trace: &Path) -> Vec<(String, Option<String>)> {
    fn walk(v: &Value, out: &mut Vec<(String, Option<String>)>) {
        match v {
            Value::Object(m) => {
                if m.get("type").and_then(Value::as_str) == Some("program_finished") {
                    let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                    out.push((text("stdout").unwrap_or_default(), text("error")));
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let doc: Value = serde_json::from_slice(&std::fs::read(trace).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&doc, &mut out);
    out
}

/// Runs the model's `programs` with `flags`; every program's end.
fn run(programs: &[String], flags: &[&str]) -> Vec<(String, Option<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context.txt");
    std::fs::write(&context, "The context of a six-step run.\n").unwrap();
    let trace = dir.path().join("trace.json");
    let out = rlm()
        .args(["run", "Build up findings.", "--model", "scripted", "--script"])
        .arg(script(dir.path(), programs))
        .args(LIMITS)
        .args(flags)
        .arg("--trace")
        .arg(&trace)
        .arg("--context")
        .arg(&context)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "done", "{stderr}");
    programs_run(&trace)
}

/// Runs the six programs for each of `kinds` (with `extra` flags), and checks
/// the sixth reads what it reads without the fifth.
fn six_programs(kinds: &[(&str, &str, &[&str])], extra: &[&str]) {
    let build: Vec<String> = (1..=4).map(|i| fixture(&format!("cell{i}.py"))).collect();
    let read = fixture("read.py");
    let control = {
        let programs: Vec<String> = build.iter().cloned().chain([read.clone()]).collect();
        run(&programs, &["--fuel", "3000000"])
    };
    assert_eq!(control.len(), 6, "{control:?}");
    let expected = &control[4].0;
    assert!(expected.contains("made_in_cell_5 is not defined"), "{expected}");
    for (limit, trigger, flags) in kinds {
        let fifth = format!("{}{}", fixture("change.py"), fixture(trigger));
        let programs: Vec<String> = build.iter().cloned().chain([fifth, read.clone()]).collect();
        let flags: Vec<&str> = flags.iter().chain(extra).copied().collect();
        let ran = run(&programs, &flags);
        assert_eq!(ran.len(), 7, "{limit}: {ran:?}");
        let error = ran[4].1.clone().unwrap_or_else(|| panic!("{limit}: the fifth did not fail"));
        assert!(error.contains("LimitError"), "{limit}: {error}");
        assert!(error.contains("every variable is as it was before this program ran"), "{error}");
        assert!(
            error.contains(&format!("The {limit}"))
                && error.contains("limit stopped this program at line"),
            "{limit}: the model is told which limit and where: {error}"
        );
        assert_eq!(&ran[5].0, expected, "{limit}: the sixth program reads other values");
        if *limit == "fuel" {
            // What the model reads after a limit (model-facing text).
            insta::assert_snapshot!("fuel_limit_feedback", error);
        }
        assert!(ran[5].1.is_none(), "{limit}: {:?}", ran[5].1);
    }
}

#[test]
fn a_limit_in_the_fifth_program_leaves_the_first_four_programs_state() {
    six_programs(KINDS, &[]);
}

/// In a sandbox worker process too: the worker rolls its session back (the
/// wall-time limit: the worker ends its own cell at the deadline it was given).
#[test]
fn a_worker_process_rolls_back_as_the_process_does() {
    let kinds: Vec<_> =
        KINDS.iter().copied().filter(|(l, ..)| ["memory", "wall time"].contains(l)).collect();
    six_programs(&kinds, &["--isolate", "process"]);
}
