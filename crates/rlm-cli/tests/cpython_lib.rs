//! CPython's own regression tests as an anchor nobody here wrote (issue #76).
//!
//! `cpython_lib/convert.py` turns the test methods of `Lib/test` (Debian's
//! `libpython3.11-testsuite`) for the modules the DSL has into standalone
//! programs, skipping (and counting, by reason) the methods that need what
//! the DSL leaves out, and dropping those that fail under this machine's
//! CPython, and skipping (as "int beyond 64 bits") those that fail or print
//! otherwise when CPython's ints overflow past 64 bits as the DSL's do by
//! design. Each program then runs in our interpreter: it passes when it ends
//! without an error and prints what CPython printed. A program the DSL cannot
//! parse is skipped and counted too.
//!
//! `cpython_lib/expected.txt` holds, per module, how many programs were
//! converted and how many pass, and every program that diverges today with
//! its error. A new divergence fails the test (a regression), and so does a
//! listed program that now passes or a changed count (an improvement, to be
//! recorded): `RLM_BLESS=1` rewrites the file from this run. The per-module
//! table (BENCHMARKS.md) is printed on stderr (`--nocapture`).
//!
//! Conversion happens here, from the installed package, rather than being
//! committed: the programs are derived from CPython's files (PSF-licensed,
//! thousands of lines), and a new package version is then tested as it is.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use rlm_interp::{Interpreter, Limits, Outcome};

struct Program {
    module: String,
    id: String,
    source: String,
    stdout: String,
}

#[derive(Default)]
struct ModuleCounts {
    /// Skipped by the converter, by reason (and "fails under CPython",
    /// "DSL parse error").
    skipped: BTreeMap<String, usize>,
    converted: usize,
    pass: usize,
}

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cpython_lib")
}

/// Runs one program in our interpreter: `None` when it passes, or why not.
fn run_ours(p: &Program) -> Option<String> {
    let mut s = Interpreter::new(Limits::default());
    let o = s.run_cell(&p.source);
    let out = s.take_output();
    match o {
        Outcome::Done => {
            if out == p.stdout {
                None
            } else {
                Some(format!("output differs: {:?} (CPython {:?})", clip(&out), clip(&p.stdout)))
            }
        }
        Outcome::Error(e) => {
            let first = e.message.lines().next().unwrap_or("").to_string();
            Some(clip(&format!("{}: {}", e.type_name, first)))
        }
        Outcome::Final(_) => Some("FINAL called".into()),
        Outcome::Suspended(_) => Some("suspended on a host call".into()),
    }
}

fn clip(s: &str) -> String {
    let one: String = s.replace(['\n', '\t'], " ");
    if one.chars().count() > 160 { one.chars().take(160).collect::<String>() + "…" } else { one }
}

/// `expected.txt`: `module NAME converted N pass P` lines, then one
/// `diverges ID<TAB>why` line per program that does not pass.
struct Expected {
    modules: BTreeMap<String, (usize, usize)>,
    diverges: BTreeMap<String, String>,
}

fn read_expected(text: &str) -> Expected {
    let mut e = Expected { modules: BTreeMap::new(), diverges: BTreeMap::new() };
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("module ") {
            let w: Vec<&str> = rest.split_whitespace().collect();
            if let [name, "converted", n, "pass", p] = w[..] {
                e.modules.insert(name.to_string(), (n.parse().unwrap(), p.parse().unwrap()));
                continue;
            }
        }
        if let Some(rest) = line.strip_prefix("diverges ") {
            let (id, why) = rest.split_once('\t').unwrap_or((rest, ""));
            e.diverges.insert(id.to_string(), why.to_string());
            continue;
        }
        panic!("expected.txt: cannot read the line {line:?}");
    }
    e
}

fn write_expected(
    counts: &BTreeMap<String, ModuleCounts>,
    diverges: &BTreeMap<String, String>,
) -> String {
    let mut s = String::from(
        "# CPython's Lib/test methods converted to DSL programs (crates/rlm-cli/tests/cpython_lib.rs).\n\
         # Per module: programs converted (passing under CPython, parsed by the DSL) and passing in\n\
         # the DSL; then each program that diverges today, with our error. RLM_BLESS=1 rewrites it.\n",
    );
    for (m, c) in counts {
        s.push_str(&format!("module {m} converted {} pass {}\n", c.converted, c.pass));
    }
    for (id, why) in diverges {
        s.push_str(&format!("diverges {id}\t{why}\n"));
    }
    s
}

fn table(counts: &BTreeMap<String, ModuleCounts>) -> String {
    let mut t = String::from(
        "| module | methods | skipped | converted | pass | pass rate | skipped, by reason |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    let (mut tm, mut ts, mut tc, mut tp) = (0, 0, 0, 0);
    let rate = |p: usize, n: usize| {
        if n == 0 { "—".to_string() } else { format!("{:.1}%", 100.0 * p as f64 / n as f64) }
    };
    for (m, c) in counts {
        let skipped: usize = c.skipped.values().sum();
        let mut reasons: Vec<(&String, &usize)> = c.skipped.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
        t.push_str(&format!(
            "| {m} | {} | {skipped} | {} | {} | {} | {} |\n",
            skipped + c.converted,
            c.converted,
            c.pass,
            rate(c.pass, c.converted),
            reasons.join(", ")
        ));
        tm += skipped + c.converted;
        ts += skipped;
        tc += c.converted;
        tp += c.pass;
    }
    t.push_str(&format!("| all | {tm} | {ts} | {tc} | {tp} | {} | |\n", rate(tp, tc)));
    t
}

rlm_testenv::needs_python3_and_cpython_testsuite! {
    #[test]
    fn cpython_lib_tests_pass_in_the_dsl() {
        let started = Instant::now();
        let lib = rlm_testenv::cpython_lib_test_dir();
        let convert = here().join("convert.py");
        // What each DSL module has, from the DSL itself: a method that uses
        // anything else is skipped as "not in the DSL: module.name".
        let program = Command::new("python3")
            .arg(&convert)
            .arg("--dsl-names-program")
            .output()
            .expect("run python3 convert.py");
        let names = {
            let mut s = Interpreter::new(Limits::default());
            let o = s.run_cell(&String::from_utf8(program.stdout).unwrap());
            assert!(matches!(o, Outcome::Done), "the DSL could not list its modules' names");
            s.take_output()
        };
        let mut child = Command::new("python3")
            .arg(&convert)
            .args(["--json", "--dsl-names", "-", "--lib"])
            .arg(&lib)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run python3 convert.py");
        {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(names.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().expect("convert.py's output");
        assert!(
            out.status.success(),
            "convert.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("convert.py's JSON");
        let converted_in = started.elapsed();
        let mut counts: BTreeMap<String, ModuleCounts> = BTreeMap::new();
        for (m, v) in doc["modules"].as_object().expect("modules") {
            let c = counts.entry(m.clone()).or_default();
            for (reason, n) in v["skipped"].as_object().expect("skipped") {
                c.skipped.insert(reason.clone(), n.as_u64().unwrap() as usize);
            }
            let failed = v["cpython_failed"].as_u64().unwrap() as usize;
            if failed > 0 {
                c.skipped.insert("fails under CPython".into(), failed);
            }
        }
        let mut programs = Vec::new();
        for p in doc["programs"].as_array().expect("programs") {
            let p = Program {
                module: p["module"].as_str().unwrap().to_string(),
                id: p["id"].as_str().unwrap().to_string(),
                source: p["source"].as_str().unwrap().to_string(),
                stdout: p["stdout"].as_str().unwrap().to_string(),
            };
            let c = counts.entry(p.module.clone()).or_default();
            if rlm_syntax::parse(&p.source).is_err() {
                *c.skipped.entry("DSL parse error".into()).or_default() += 1;
                continue;
            }
            c.converted += 1;
            programs.push(p);
        }
        // Run on every core: each program has its own interpreter.
        let next = Mutex::new(0usize);
        let results: Mutex<Vec<(usize, Option<String>)>> = Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(p) = programs.get(i) else { break };
                    let r = run_ours(p);
                    results.lock().unwrap().push((i, r));
                });
            }
        });
        let mut diverges = BTreeMap::new();
        for (i, r) in results.into_inner().unwrap() {
            let p = &programs[i];
            match r {
                None => counts.get_mut(&p.module).unwrap().pass += 1,
                Some(why) => {
                    diverges.insert(p.id.clone(), why);
                }
            }
        }
        eprintln!(
            "CPython {} Lib/test at {}: {} programs, converted in {:.1?}, all run in {:.1?}\n{}",
            doc["python"].as_str().unwrap_or("?"),
            lib.display(),
            programs.len(),
            converted_in,
            started.elapsed(),
            table(&counts)
        );
        let path = here().join("expected.txt");
        if std::env::var_os("RLM_BLESS").is_some() {
            std::fs::write(&path, write_expected(&counts, &diverges)).expect("write expected.txt");
            return;
        }
        let expected = read_expected(&std::fs::read_to_string(&path).expect("read expected.txt"));
        let mut problems = Vec::new();
        for (id, why) in &diverges {
            if !expected.diverges.contains_key(id) {
                problems.push(format!("new divergence (a regression?): {id}: {why}"));
            }
        }
        for id in expected.diverges.keys() {
            if !diverges.contains_key(id) && programs.iter().any(|p| &p.id == id) {
                problems.push(format!("now passes (an improvement: RLM_BLESS=1 to record it): {id}"));
            }
        }
        for (m, c) in &counts {
            match expected.modules.get(m) {
                Some(&(n, p)) if n == c.converted && p == c.pass => {}
                Some(&(n, p)) => problems.push(format!(
                    "{m}: converted {} pass {} where expected.txt says converted {n} pass {p} (RLM_BLESS=1 records a change that is right)",
                    c.converted, c.pass
                )),
                None => problems.push(format!("{m}: not in expected.txt")),
            }
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }
}
