//! The researcher and chatbot examples run offline (scripted root, extractive
//! reader) in Enzu's file convention, run after run, with a session budget
//! that holds across runs: the run that finds it spent is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn run(bin: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new(bin);
    c.arg("--dir").arg(dir).arg("--context").arg(corpus()).args(extra);
    c.output().unwrap()
}

fn state(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn researcher_reads_input_writes_output_and_keeps_its_session() {
    let bin = env!("CARGO_BIN_EXE_researcher");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("research_input.txt"), "What is the vault passphrase?\n")
        .unwrap();
    let first = run(bin, dir.path(), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let output = std::fs::read_to_string(dir.path().join("research_output.txt")).unwrap();
    assert!(output.starts_with("# What is the vault passphrase?\n"), "{output}");
    // The offline reader returns the sentence that best matches the question.
    let printed = String::from_utf8_lossy(&first.stdout);
    assert!(printed.to_lowercase().contains("vault passphrase"), "{printed}");
    assert!(output.ends_with(&format!("\n\n{printed}")), "{output}");
    let s = state(&dir.path().join("research_state.json"));
    assert_eq!(s["usage"]["executions"], 1);
    assert_eq!(s["history"].as_array().unwrap().len(), 1);
    // A second run continues the same session.
    std::fs::write(dir.path().join("research_input.txt"), "Which service logged errors?\n")
        .unwrap();
    let second = run(bin, dir.path(), &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let s2 = state(&dir.path().join("research_state.json"));
    assert_eq!(s2["id"], s["id"]);
    assert_eq!(s2["usage"]["executions"], 2);
    assert!(
        s2["usage"]["usage"]["prompt_tokens"].as_u64()
            > s["usage"]["usage"]["prompt_tokens"].as_u64()
    );
}

/// The session may make one model call more than the first run made: the
/// second run starts, runs out mid-run, and the third is refused with the
/// session's typed budget error (exit 3), changing nothing.
#[test]
fn the_session_budget_runs_out_mid_session_and_the_next_run_is_refused() {
    for (bin, name) in
        [(env!("CARGO_BIN_EXE_researcher"), "research"), (env!("CARGO_BIN_EXE_chatbot"), "chat")]
    {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join(format!("{name}_input.txt"));
        let state_path = dir.path().join(format!("{name}_state.json"));
        std::fs::write(&input, "What is the vault passphrase?\n").unwrap();
        let first = run(bin, dir.path(), &[]);
        assert!(first.status.success(), "{bin}: {}", stderr(&first));
        let s = state(&state_path);
        let calls =
            s["usage"]["root_calls"].as_u64().unwrap() + s["usage"]["subcalls"].as_u64().unwrap();
        assert!(calls >= 3, "{s}");
        let cap = (calls + 1).to_string();
        // Run 2: one call of room for a run that needs several.
        std::fs::write(&input, "And which service logged the most errors?\n").unwrap();
        let second = run(bin, dir.path(), &["--session-max-calls", &cap]);
        assert!(second.status.success(), "{bin}: {}", stderr(&second));
        let s2 = state(&state_path);
        assert_eq!(s2["usage"]["executions"], 2, "{bin}");
        let calls2 =
            s2["usage"]["root_calls"].as_u64().unwrap() + s2["usage"]["subcalls"].as_u64().unwrap();
        assert!(calls2 > calls, "{bin}: the cap was reached: {calls2}");
        let cut_short = &s2["executions"][1];
        assert_ne!(cut_short["finish"], s["executions"][0]["finish"], "{bin}: {cut_short}");
        // Run 3: refused before any model call; the state is untouched.
        let before = std::fs::read_to_string(&state_path).unwrap();
        let third = run(bin, dir.path(), &["--session-max-calls", &cap]);
        assert_eq!(third.status.code(), Some(3), "{bin}: {}", stderr(&third));
        let e = stderr(&third);
        assert!(e.contains("the session's model calls budget is spent"), "{bin}: {e}");
        assert_eq!(std::fs::read_to_string(&state_path).unwrap(), before, "{bin}");
        // The cap is kept in the state: a later run without flags is refused too.
        assert_eq!(run(bin, dir.path(), &[]).status.code(), Some(3), "{bin}");
    }
}

#[test]
fn the_chatbot_keeps_the_conversation_and_missing_input_is_a_clear_error() {
    let bin = env!("CARGO_BIN_EXE_chatbot");
    let dir = tempfile::tempdir().unwrap();
    let missing = run(bin, dir.path(), &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("chat_input.txt"), "{}", stderr(&missing));
    std::fs::write(dir.path().join("chat_input.txt"), "What is the vault passphrase?").unwrap();
    let first = run(bin, dir.path(), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let reply = std::fs::read_to_string(dir.path().join("chat_output.txt")).unwrap();
    assert!(reply.to_lowercase().contains("vault passphrase"), "{reply}");
    assert_eq!(reply, String::from_utf8_lossy(&first.stdout));
    std::fs::write(dir.path().join("chat_input.txt"), "Thanks. Who is on call?").unwrap();
    assert!(run(bin, dir.path(), &[]).status.success());
    let s = state(&dir.path().join("chat_state.json"));
    let history = s["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["query"], "Thanks. Who is on call?", "{s}");
}
