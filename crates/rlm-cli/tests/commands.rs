//! The built `rlm` binary: `check` diagnostics, `trace show`/`trace html`,
//! `repl` sessions, `config`, and every exit code reachable without `run`
//! (each error one paragraph on stderr, never a backtrace).

// The representative trace of rlm-trace's own tests (a two-level run with
// retries, cache hits, a budget signal, errors and final answers).
use crate::common;

use assert_cmd::Command;
use predicates::prelude::*;
use scraper::{Html, Selector};

fn rlm() -> Command {
    Command::cargo_bin("rlm").unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// An error message is one paragraph: `error: ...`, one line, no Rust noise.
fn assert_one_paragraph(stderr: &str) {
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for noise in ["panicked", "backtrace", "RUST_BACKTRACE", "src/main.rs", "Os {"] {
        assert!(!stderr.contains(noise), "{noise} in {stderr}");
    }
}

fn representative_trace() -> rlm_trace::Trace {
    let rec = rlm_trace::TraceRecorder::new();
    common::record_representative(&rec);
    rec.trace().unwrap()
}

// ------------------------------------------------------------------ check

#[test]
fn check_snapshot_of_a_bad_program() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "bad.py", "x = [1, 2\nclass A:\n    pass\nprint(x\n");
    let assert = rlm().current_dir(dir.path()).args(["check", "bad.py"]).assert().code(1);
    assert_eq!(stdout_of(&assert), "");
    insta::assert_snapshot!("check_bad_program", stderr_of(&assert));
}

#[test]
fn check_accepts_several_programs() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a.py", "print(1)\n");
    write(&dir, "b.py", "def f(x):\n    return x\n");
    rlm().current_dir(dir.path()).args(["check", "a.py", "b.py"]).assert().success().stderr("");
}

// ------------------------------------------------------------- exit codes

#[test]
fn exit_0_and_1_from_exec() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(&dir, "ok.py", "print('fine')\n");
    rlm().arg("exec").arg(&ok).assert().code(0).stdout("fine\n");
    let bad = write(&dir, "bad.py", "print('before')\nraise ValueError('nope')\n");
    rlm()
        .arg("exec")
        .arg(&bad)
        .assert()
        .code(1)
        .stdout("before\n")
        .stderr(predicate::str::contains("ValueError: nope"));
}

#[test]
fn exit_2_for_usage_and_missing_files() {
    // Unknown flag / missing subcommand: clap's usage message, exit 2.
    rlm().args(["exec", "--no-such-flag", "x.py"]).assert().code(2);
    rlm().assert().code(2);
    let dir = tempfile::tempdir().unwrap();
    // Missing program file.
    let a = rlm().current_dir(dir.path()).args(["exec", "missing.py"]).assert().code(2);
    assert_eq!(stderr_of(&a), "error: cannot read missing.py: no such file or folder\n");
    let a = rlm().current_dir(dir.path()).args(["check", "missing.py"]).assert().code(2);
    assert_one_paragraph(&stderr_of(&a));
    // Missing context file: nothing runs.
    write(&dir, "p.py", "print('ran')\n");
    let a = rlm()
        .current_dir(dir.path())
        .args(["exec", "p.py", "--context", "nope.txt"])
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(stderr_of(&a), "error: cannot load the context nope.txt: no such file or folder\n");
    // Missing and malformed trace files.
    let a = rlm().current_dir(dir.path()).args(["trace", "show", "nope.json"]).assert().code(2);
    assert_eq!(stderr_of(&a), "error: cannot read nope.json: no such file or folder\n");
    write(&dir, "garbage.jsonl", "{\"seq\": 0}\nnot json at all\n");
    let a = rlm().current_dir(dir.path()).args(["trace", "html", "garbage.jsonl"]).assert().code(2);
    let e = stderr_of(&a);
    assert_one_paragraph(&e);
    assert!(e.contains("garbage.jsonl is not a trace") && e.contains("line 1"), "{e}");
    // An output file in a folder that does not exist.
    let good = write(&dir, "good.json", &representative_trace().to_json());
    let a = rlm()
        .args(["trace", "html"])
        .arg(&good)
        .arg("-o")
        .arg(dir.path().join("no/such/folder/run.html"))
        .assert()
        .code(2);
    let e = stderr_of(&a);
    assert_one_paragraph(&e);
    assert!(e.contains("cannot write") && e.contains("run.html"), "{e}");
    // Bad replies file.
    write(&dir, "replies.json", "{\"not\": \"a list\"}");
    let a = rlm()
        .current_dir(dir.path())
        .args(["exec", "p.py", "--replies", "replies.json"])
        .assert()
        .code(2);
    assert_one_paragraph(&stderr_of(&a));
}

#[test]
fn exit_3_when_the_fuel_budget_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let before = write(&dir, "before.py", "x = ['kept']\n");
    let spin =
        write(&dir, "spin.py", "print('start')\nx.append('lost')\ny = 1\nwhile True:\n    pass\n");
    let after =
        write(&dir, "after.py", "try:\n    print(y)\nexcept NameError:\n    print(x, 'no y')\n");
    // The limit rolls the cell back: the next cell runs on the session as it
    // was before it; the command ends with 3.
    rlm()
        .args(["exec", "--fuel", "10000"])
        .arg(&before)
        .arg(&spin)
        .arg(&after)
        .assert()
        .code(3)
        .stdout("start\n['kept'] no y\n")
        .stderr(
            predicate::str::contains("LimitError").and(predicate::str::contains(
                "every variable is as it was before this program ran",
            )),
        );
    // The same in a REPL session: it goes on, and ends with 3.
    rlm()
        .args(["repl", "--fuel", "10000"])
        .write_stdin("x = 1\nprint('a')\nwhile True:\n    x = 2\n\nprint('b', x)\n")
        .assert()
        .code(3)
        .stdout("a\nb 1\n");
}

#[test]
fn exit_3_when_any_sandbox_limit_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let grow =
        write(&dir, "grow.py", "print('start')\nx = []\nwhile True:\n    x.append('y' * 1000)\n");
    // A memory limit is a budget running out too, like fuel.
    rlm()
        .args(["exec", "--memory", "2000000"])
        .arg(&grow)
        .assert()
        .code(3)
        .stdout("start\n")
        .stderr(predicate::str::contains("memory limit exceeded"));
    rlm()
        .args(["repl", "--memory", "2000000"])
        .write_stdin("print('a')\nx = []\nwhile True:\n    x.append('y' * 1000)\n\nprint('b')\n")
        .assert()
        .code(3)
        .stdout("a\nb\n");
    // Other limits (here the string length cap) end with 3 as well.
    let long = write(&dir, "long.py", "s = 'x' * (10 ** 12)\n");
    rlm().arg("exec").arg(&long).assert().code(3).stderr(predicate::str::contains("LimitError"));
}

/// Config commands run with a clean environment and no config file around.
fn config_cmd(home: &tempfile::TempDir) -> Command {
    let mut c = rlm();
    c.env_clear().env("HOME", home.path()).current_dir(home.path()).arg("config");
    c
}

#[test]
fn exit_2_when_no_model_is_configured_with_what_to_set() {
    let home = tempfile::tempdir().unwrap();
    let a = config_cmd(&home).assert().code(2);
    let e = stderr_of(&a);
    assert_one_paragraph(&e);
    for needle in
        ["no model is configured", "--model openai:gpt-5-mini", "RLM_MODEL=", "OPENAI_API_KEY"]
    {
        assert!(e.contains(needle), "{needle} missing: {e}");
    }
}

/// A model string's slip is named with what was meant: a bare model name
/// gets its provider, a misspelt provider the nearest one; the internal
/// `fake` provider is never listed.
#[test]
fn a_model_string_slip_says_did_you_mean() {
    let home = tempfile::tempdir().unwrap();
    let bare = stderr_of(&config_cmd(&home).env("RLM_MODEL", "gpt-4o").assert().code(2));
    assert!(bare.contains("did you mean \"openai:gpt-4o\"?"), "{bare}");
    assert!(bare.contains("`provider:model`") && !bare.contains("expected \"gpt-4o\""), "{bare}");
    let typo = stderr_of(&config_cmd(&home).env("RLM_MODEL", "opneai:x").assert().code(2));
    assert!(typo.contains("did you mean \"openai:x\"?"), "{typo}");
    assert!(typo.contains("anthropic") && !typo.contains("fake"), "{typo}");
    let none = stderr_of(&config_cmd(&home).assert().code(2));
    assert!(none.contains("--script") && !none.contains("RLM_FAKE_SCRIPT"), "{none}");
}

#[test]
fn exit_4_when_the_provider_cannot_be_set_up() {
    let home = tempfile::tempdir().unwrap();
    let a = config_cmd(&home).env("RLM_MODEL", "anthropic:claude-sonnet-4-5").assert().code(4);
    let e = stderr_of(&a);
    assert_one_paragraph(&e);
    assert!(e.contains("ANTHROPIC_API_KEY"), "{e}");
}

#[test]
fn config_shows_each_setting_and_its_source() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home,
        "rlm.toml",
        "model = \"openai:gpt-5\"\n[budgets]\nmax_steps = 9\nmax_cost_usd = 0.5\n\
         [profiles.tight.budgets]\nmax_cost_usd = 0.1\n",
    );
    let a = config_cmd(&home)
        .env("RLM_SUB_MODEL", "fake:echo")
        .env("OPENAI_API_KEY", "sk-test-not-real")
        .args(["--max-steps", "4", "--profile", "tight"])
        .assert()
        .code(0);
    let out = stdout_of(&a);
    let file = home.path().join("rlm.toml").display().to_string();
    let line = |key: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .to_string()
    };
    assert!(line("model").ends_with(&format!("= openai:gpt-5  (file {file}:1)")), "{out}");
    assert!(line("sub_model").ends_with("= fake:echo  (environment variable RLM_SUB_MODEL)"));
    assert!(line("budgets.max_steps").ends_with("= 4  (flag --max-steps)"), "{out}");
    assert!(
        line("budgets.max_cost_usd").ends_with(&format!("= 0.1  (profile tight, {file}:6)")),
        "{out}"
    );
    assert!(line("limits.fuel").ends_with("(default)"), "{out}");
    assert!(line("budgets.max_subcalls").ends_with("= (unset)  (default)"), "{out}");
    assert!(out.contains("profile: tight (flag --profile)"), "{out}");
    assert!(out.contains("model check: openai:gpt-5 and fake:echo can be set up"), "{out}");
    assert!(!out.contains("sk-test-not-real"));
    // The same as JSON: every knob, its value and where it came from.
    let a = config_cmd(&home)
        .env("OPENAI_API_KEY", "sk-test-not-real")
        .env("RLM_RATE_LIMITS", "openai:gpt-5=rpm:60")
        .args(["--json"])
        .assert()
        .code(0);
    let doc: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let settings = doc["settings"].as_array().unwrap();
    let knob = |key: &str| settings.iter().find(|s| s["key"] == key).unwrap().clone();
    assert_eq!(knob("budgets.max_steps")["value"], 9);
    assert_eq!(knob("budgets.max_steps")["source"], "file");
    assert_eq!(knob("rate_limits")["value"][0]["rpm"], 60);
    assert_eq!(knob("rate_limits")["source"], "env");
    assert_eq!(knob("concurrency")["source"], "default");
    assert_eq!(knob("helps")["env"], "RLM_HELPS");
    assert_eq!(knob("helps")["flag"], "--helps");
    // A typo in the file is a usage error naming the file, the line and the fix.
    write(&home, "rlm.toml", "modle = \"openai:gpt-5\"\n");
    let a = config_cmd(&home).assert().code(2);
    let e = stderr_of(&a);
    assert_one_paragraph(&e);
    assert!(e.contains("rlm.toml:1: `modle` is not a known key; did you mean `model`?"), "{e}");
}

#[test]
fn exit_5_on_an_internal_error_without_backtrace() {
    let a = rlm().env("RUST_BACKTRACE", "full").arg("internal-panic-test").assert().code(5);
    let e = stderr_of(&a);
    assert!(e.starts_with("error: internal error: internal-panic-test was asked to fail"), "{e}");
    assert!(e.contains("This is a bug in rlm"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(!e.contains("stack backtrace") && !e.contains("panicked"), "{e}");
}

// ------------------------------------------------------------------ trace

#[test]
fn trace_show_reads_both_forms_and_prints_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let trace = representative_trace();
    let tree = write(&dir, "out.json", &trace.to_json());
    let mut lines = Vec::new();
    rlm_trace::write_jsonl(&trace.to_events(), &mut lines).unwrap();
    let jsonl = write(&dir, "out.jsonl", std::str::from_utf8(&lines).unwrap());
    let from_tree = stdout_of(&rlm().args(["trace", "show"]).arg(&tree).assert().success());
    let from_lines = stdout_of(&rlm().args(["trace", "show"]).arg(&jsonl).assert().success());
    assert_eq!(from_tree, from_lines);
    // Not a terminal: no colour, and exactly the library's render, then the
    // run's context breakdown.
    assert!(!from_tree.contains('\x1b'));
    let mut expected = trace.render_tree_text(&rlm_trace::TextRenderOptions::default());
    let breakdown = rlm_trace::ContextBreakdown::from_events(&trace.to_events())
        .expect("the trace has a root run");
    expected.push('\n');
    expected.push_str(&breakdown.render_text());
    assert_eq!(from_tree, expected);
    assert!(from_tree.contains("context breakdown: 7157 tokens inline"));
    for needle in [
        "run #1 · openai:gpt-5 · depth 0 — ok · 3 iterations · 7650+411 tok · $0.0095 · 67.30s",
        "sub-run #10",
        "subcall #7 · openai:gpt-5-mini · batch[3] — ok",
        "• retry: attempt 2: http_503, waited 500ms",
        "• budget: soft_limit tokens",
        "• final answer: Barcelona",
        "chunks = ctx.chunk(200000)",
        "NameError: name 'answr' is not defined",
    ] {
        assert!(from_tree.contains(needle), "missing {needle:?} in\n{from_tree}");
    }
    // --color always forces colours; stdin works with `-`.
    let coloured = stdout_of(
        &rlm()
            .args(["trace", "show", "--color", "always", "-"])
            .write_stdin(trace.to_json())
            .assert()
            .success(),
    );
    assert!(coloured.contains("\x1b[32mok\x1b[0m"));
}

#[test]
fn trace_html_is_a_page_with_the_whole_tree() {
    let dir = tempfile::tempdir().unwrap();
    let trace = representative_trace();
    let file = write(&dir, "out.json", &trace.to_json());
    let html = stdout_of(&rlm().args(["trace", "html"]).arg(&file).assert().success());
    let doc = Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let spans = Selector::parse("details.span").unwrap();
    assert_eq!(doc.select(&spans).count(), trace.spans().len());
    for span in trace.spans() {
        let sel = Selector::parse(&format!("details#span-{}", span.span_id().0)).unwrap();
        assert_eq!(doc.select(&sel).count(), 1);
    }
    assert_eq!(doc.select(&Selector::parse("script").unwrap()).count(), 0);
    // -o writes the same page to a file.
    let out = dir.path().join("run.html");
    rlm().args(["trace", "html"]).arg(&file).arg("-o").arg(&out).assert().success().stdout("");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);
}

// ------------------------------------------------------------------- repl

#[test]
fn repl_session_prints_like_python() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = write(&dir, "ctx.txt", "alpha beta\ngamma needle delta\n");
    let session = "\
x = 20
x + 1
'text'
None
print('printed')
len(context), context.find('needle')
for i in range(3):
    print(i)
    i * 10

def double(n):
    return n * 2

double(x)
d = {'a': [1,
  2]}
d
s = \"\"\"a

b\"\"\"
s
t = (1,

  2)
t
1/0
x
llm_query('anything')
FINAL(x * 2)
print('not reached')
";
    let a = rlm()
        .arg("repl")
        .arg("--context")
        .arg(&ctx)
        .args(["--reply", "scripted answer"])
        .write_stdin(session)
        .assert()
        .code(0);
    assert_eq!(
        stdout_of(&a),
        "21\n'text'\nprinted\n(30, 17)\n0\n0\n1\n10\n2\n20\n40\n{'a': [1, 2]}\n'a\\n\\nb'\n(1, 2)\n20\n'scripted answer'\n"
    );
    let e = stderr_of(&a);
    assert!(e.contains("ZeroDivisionError: division by zero"), "{e}");
    assert!(e.ends_with("FINAL: 40\n"), "{e}");
    // No prompts or banner when stdin is not a terminal.
    assert!(!e.contains(">>>"), "{e}");
}

#[test]
fn repl_reports_syntax_errors_and_keeps_going_and_ends_at_eof() {
    let a =
        rlm().arg("repl").write_stdin("y = 1 +* 2\ny = 5\ny\nundefined_name\n").assert().code(0);
    assert_eq!(stdout_of(&a), "5\n");
    let e = stderr_of(&a);
    assert!(e.contains("<stdin>"), "{e}");
    assert!(e.contains("NameError: name 'undefined_name' is not defined"), "{e}");
    // A block still open at the end of input runs.
    rlm().arg("repl").write_stdin("if True:\n    print('last')").assert().code(0).stdout("last\n");
    // exit / quit end the session.
    rlm().arg("repl").write_stdin("print(1)\nquit()\nprint(2)\n").assert().code(0).stdout("1\n");
}

rlm_testenv::needs_python3! {
    /// A session without context or model calls prints exactly what CPython's
    /// own REPL prints for it (`python3 -i` reading the same lines).
    #[test]
    fn repl_output_matches_cpython_repl() {
        let session = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl_session.py"),
        )
        .unwrap();
        let ours = stdout_of(&rlm().arg("repl").write_stdin(session.clone()).assert().code(0));
        let mut python = std::process::Command::new("python3")
            .args(["-i", "-q"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        {
            use std::io::Write;
            python.stdin.take().unwrap().write_all(session.as_bytes()).unwrap();
        }
        let cpython = python.wait_with_output().unwrap();
        assert!(cpython.status.success());
        assert_eq!(ours, String::from_utf8_lossy(&cpython.stdout));
        assert!(ours.contains("'caught'") && ours.contains("'a\\n\\nb'"), "{ours}");
    }
}

/// Each subcommand's help shows the knob flags its front end honours, under
/// headings; `-h` is the short form (no environment or `rlm.toml` names),
/// `--help` the long one. A flag a command does not honour is not shown but
/// still parses (the command warns that it is ignored).
#[test]
fn help_fits_its_command_with_headings_and_a_short_form() {
    let help = |args: &[&str]| stdout_of(&rlm().args(args).assert().success());
    let run_short = help(&["run", "-h"]);
    let run_long = help(&["run", "--help"]);
    for heading in ["Model:", "Budgets:", "Sandbox limits:", "Output and traces:"] {
        assert!(run_short.contains(heading), "{heading} missing: {run_short}");
    }
    for other in ["--nats-url", "--redis-cache", "--blob-dir", "--max-connections", "Cluster:"] {
        assert!(!run_short.contains(other) && !run_long.contains(other), "{other} in run's help");
    }
    assert!(!run_short.contains("[env: RLM_MAX_STEPS]"), "-h is the short form");
    assert!(run_long.contains("[env: RLM_MAX_STEPS]"), "--help is the long form");
    assert!(run_short.lines().count() * 3 / 2 < run_long.lines().count(), "-h is shorter");
    let serve = help(&["serve", "-h"]);
    for heading in ["Server:", "Cluster:", "--nats-url", "--listen"] {
        assert!(serve.contains(heading), "{heading} missing: {serve}");
    }
    // Not shown, still accepted: `run` says it ignores it.
    let home = tempfile::tempdir().unwrap();
    let ctx = write(&home, "c.txt", "billing error\n");
    let a = rlm()
        .env("HOME", home.path())
        .args(["run", "q", "--model", "scripted", "--nats-url", "nats://127.0.0.1:1", "-c"])
        .arg(&ctx)
        .assert()
        .success();
    assert!(stderr_of(&a).contains("nats"), "{}", stderr_of(&a));
}
