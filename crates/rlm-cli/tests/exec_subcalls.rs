//! `rlm exec`'s subcalls count against the session (issue #33): the host's
//! bytes for a fan-out of pending calls are charged to the session's memory
//! budget, so a huge `asyncio.gather` of `llm_query` ends with the memory
//! error instead of growing the process, and `--max-subcalls` caps the calls
//! as `rlm run --max-subcalls` does. The sub-model is the scripted replies,
//! or a scripted model (`--script`), which also plays the root model of the
//! runs `rlm_query` starts.

use assert_cmd::Command;
use predicates::prelude::*;

fn rlm() -> Command {
    Command::cargo_bin("rlm").unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

/// `n` concurrent calls, each with the same 100 kB prompt: the program
/// itself holds one prompt; the host would hold `n` copies of it.
fn fan_out(n: usize) -> String {
    format!(
        "import asyncio\nprompt = 'x' * 100000\n\
         results = await asyncio.gather(*[llm_query(prompt) for i in range({n})])\n\
         print(len(results), results[0])\n"
    )
}

#[test]
fn a_huge_fan_out_of_subcalls_ends_with_the_memory_error() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 pending prompts of 100 kB: ~400 MB held by the host, far past a
    // 64 MB budget that the program's own values fit in. (The calls' fuel,
    // 420 M units, would end it first under the default fuel: the fuel is
    // raised so that the budget is what stops it.)
    let huge = write(&dir, "huge.py", &fan_out(2000));
    rlm()
        .args(["exec", "--memory", "64000000", "--fuel", "2000000000", "--reply", "done"])
        .arg(&huge)
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("memory limit exceeded"));
    // A fan-out that fits is served.
    let small = write(&dir, "small.py", &fan_out(20));
    rlm()
        .args(["exec", "--memory", "64000000", "--reply", "done"])
        .arg(&small)
        .assert()
        .code(0)
        .stdout("20 done\n");
}

#[test]
fn max_subcalls_is_honoured_by_exec_and_repl() {
    let dir = tempfile::tempdir().unwrap();
    let calls = write(
        &dir,
        "calls.py",
        "for i in range(5):\n    try:\n        print(i, llm_query('q'))\n    except Exception as e:\n        print(i, 'refused:', e)\n",
    );
    let out = rlm()
        .args(["exec", "--max-subcalls", "2", "--reply", "yes"])
        .arg(&calls)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(&lines[..2], ["0 yes", "1 yes"], "{out}");
    for l in &lines[2..] {
        assert!(l.contains("refused:") && l.contains("subcall limit reached"), "{out}");
    }
    // Without the flag every call is served.
    rlm()
        .args(["exec", "--reply", "yes"])
        .arg(&calls)
        .assert()
        .code(0)
        .stdout("0 yes\n1 yes\n2 yes\n3 yes\n4 yes\n");
    // The REPL takes the same flag.
    rlm()
        .args(["repl", "--max-subcalls", "1", "--reply", "yes"])
        .write_stdin("print(llm_query('a'))\ntry:\n    llm_query('b')\nexcept Exception as e:\n    print('refused' if 'subcall limit' in str(e) else e)\n\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("yes\nrefused\n"));
}

#[test]
fn a_fan_out_of_big_prompts_ends_with_the_fuel_error_under_the_default_limits() {
    // tests/hostile/atk_subcall_fanout_big_prompts.py: each round hands the
    // host 500 calls on a 100 kB prompt. Every call pays its fixed charge and
    // its text before it leaves the sandbox, so the default fuel ends it
    // within a few rounds instead of letting the host work for minutes.
    // (500 calls at once are past the default batch cap, which would end it
    // at the first round: the cap is raised so that the fuel is what stops it.)
    let dir = tempfile::tempdir().unwrap();
    let prog = write(
        &dir,
        "fanout.py",
        "import asyncio\np = 'q' * 100000\nkept = []\nwhile True:\n    rs = await asyncio.gather(*[llm_query(p) for _ in range(500)])\n    kept.append(rs)\nprint('ESCAPED')\n",
    );
    rlm()
        .args(["exec", "--reply", "ok", "--max-batch", "500"])
        .arg(&prog)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("ESCAPED").not())
        .stderr(predicate::str::contains("out of fuel"));
}

#[test]
fn the_records_of_finished_subcalls_count_against_the_budget() {
    // Each call's prompt is dropped by the program once sent, but the host
    // keeps a record of every finished call (its trace span and previews):
    // call after call, those records fill an 8 MB budget the program's own
    // values never approach, and the run ends with the memory error.
    let dir = tempfile::tempdir().unwrap();
    let prog = write(
        &dir,
        "records.py",
        "i = 0\nwhile True:\n    llm_query(str(i) * 2000)\n    i += 1\nprint('ESCAPED')\n",
    );
    rlm()
        .args(["exec", "--memory", "8000000", "--reply", "ok"])
        .arg(&prog)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("memory limit exceeded"));
}

#[test]
fn a_script_answers_the_subcalls_and_plays_the_runs_rlm_query_starts() {
    // The format of `rlm run --script`: a rule answers the cell's
    // llm_query; the replies play the root model of rlm_query's run (a
    // program, then a FINAL resting on what it printed).
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        &dir,
        "script.json",
        r#"{"replies": ["```repl\nprint(len(context))\n```", "FINAL('the child looked')"],
            "rules": [{"pattern": "ping", "reply": "pong"}]}"#,
    );
    let cell = write(
        &dir,
        "cell.py",
        "print(llm_query('ping'))\nprint(rlm_query('what does the context say?'))\n",
    );
    let context = write(&dir, "context.txt", "a small context\n");
    rlm()
        .args(["exec", "--context"])
        .arg(&context)
        .arg("--script")
        .arg(&script)
        .arg(&cell)
        .assert()
        .code(0)
        .stdout("pong\nthe child looked\n");
    // The REPL takes the same flag.
    rlm()
        .args(["repl", "--script"])
        .arg(&script)
        .write_stdin("print(llm_query('ping'))\n")
        .assert()
        .code(0)
        .stdout("pong\n");
    // One scripted model: not with --reply.
    rlm()
        .args(["exec", "--reply", "x", "--script"])
        .arg(&script)
        .arg(&cell)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--script"));
}
