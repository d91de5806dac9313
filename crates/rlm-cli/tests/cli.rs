//! The `rlm` binary: `exec` runs cells of one session offline (stdout is
//! exactly what programs print; diagnostics on stderr), `check` parses.

use assert_cmd::Command;
use predicates::prelude::*;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
fn exec_runs_cells_in_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir, "a.py", "x = 20\nprint('a', x)\n");
    let b = write(&dir, "b.py", "print('b', x + 1)\n");
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("exec")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout("a 20\nb 21\n")
        .stderr("");
}

#[test]
fn an_error_ends_its_cell_and_the_next_cell_runs() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir, "a.py", "print('start')\nd = {}\nd['missing']\nprint('unreached')\n");
    let b = write(&dir, "b.py", "print('next cell')\n");
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("exec")
        .arg(&a)
        .arg(&b)
        .assert()
        .failure()
        .stdout("start\nnext cell\n")
        .stderr(
            predicate::str::contains("Traceback (most recent call last):")
                .and(predicate::str::contains("KeyError: 'missing'")),
        );
}

#[test]
fn host_calls_answer_from_scripted_replies_and_final_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        &dir,
        "a.py",
        "import asyncio\nr = llm_query('q')\nb = llm_batch(['x', 'y'])\nc = await asyncio.gather(llm_query_async('z'))\nprint(r, b, c)\nFINAL(r + '!')\n",
    );
    let b = write(&dir, "b.py", "print('not run')\n");
    Command::cargo_bin("rlm")
        .unwrap()
        .args(["exec", "--reply", "hi"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout("hi ['hi', 'hi'] ['hi']\n")
        .stderr("FINAL: hi!\n");
    let replies = write(&dir, "replies.json", r#"["one", "two"]"#);
    Command::cargo_bin("rlm")
        .unwrap()
        .args(["exec", "--replies"])
        .arg(&replies)
        .arg(write(&dir, "c.py", "print(llm_query('a'), llm_query('b'), llm_query('c'))\n"))
        .assert()
        .success()
        .stdout("one two two\n");
}

#[test]
fn context_files_bind_context_and_p() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = write(&dir, "ctx.txt", "alpha beta\ngamma needle delta\n");
    let prog =
        write(&dir, "p.py", "print(len(context), context.find('needle'), P.splitlines()[1])\n");
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("exec")
        .arg("--context")
        .arg(&ctx)
        .arg(&prog)
        .assert()
        .success()
        .stdout("30 17 gamma needle delta\n");
}

#[test]
fn json_output_reports_each_cell() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir, "a.py", "print('x')\n1/0\n");
    let out = Command::cargo_bin("rlm")
        .unwrap()
        .arg("exec")
        .arg("--json")
        .arg(&a)
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("one JSON document");
    assert_eq!(v["cells"][0]["stdout"], "x\n");
    assert!(
        v["cells"][0]["error"].as_str().unwrap().contains("ZeroDivisionError: division by zero")
    );
    assert_eq!(v["ok"], false);
}

#[test]
fn check_reports_parse_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(&dir, "good.py", "print(1)\n");
    let bad = write(&dir, "bad.py", "class A:\n    pass\n");
    Command::cargo_bin("rlm").unwrap().arg("check").arg(&good).assert().success();
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("check")
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("class"));
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("check")
        .arg(dir.path().join("missing.py"))
        .assert()
        .code(2);
}

rlm_testenv::needs_python3! {
    /// The README's main command: the example program over the bundled log, bound
    /// through rlm-context. Its stdout must equal CPython's for the same program
    /// with the same stubs (`llm_batch` answering "ok", `FINAL` printing to stderr).
    #[test]
    fn readme_main_job_matches_cpython() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let program = root.join("examples/programs/log_report.py");
        let data = root.join("examples/corpus/service_logs.txt");
        let ours = Command::cargo_bin("rlm")
            .unwrap()
            .arg("exec")
            .arg(&program)
            .arg("--context")
            .arg(&data)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "FINAL: passphrase amber-falcon-42; 220 errors, most in billing (50)",
            ))
            .get_output()
            .stdout
            .clone();
        let driver = r#"
import sys
ctx = open(sys.argv[2], encoding="utf-8").read()
g = {"context": ctx, "P": ctx, "llm_batch": lambda ps: ["ok"] * len(ps),
     "FINAL": lambda x: print("FINAL:", x, file=sys.stderr)}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1], "exec"), g)
"#;
        let cpython = std::process::Command::new("python3")
            .arg("-c")
            .arg(driver)
            .arg(&program)
            .arg(&data)
            .output()
            .expect("python3 runs");
        assert!(cpython.status.success(), "{}", String::from_utf8_lossy(&cpython.stderr));
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&cpython.stdout));
    }
}
