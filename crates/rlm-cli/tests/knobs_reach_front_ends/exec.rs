//! `rlm exec`: every knob's effect, or its start-up warning. exec has no
//! root model of its own: its `--script` is the sub-model and the root model
//! of the runs a cell's `rlm_query` starts, so an `answer` or `prompt` row
//! is probed through such a run (the row's script playing its root model).

use super::*;

/// The cell of an `answer` or `prompt` probe: the answer of a run that
/// `rlm_query` starts (a run without one raises: no answer).
const ASK: &str = "print(rlm_query('what does the context say?'))";

/// What one `rlm exec` probe showed.
pub(super) struct ExecResult {
    output: Output,
    /// Its cell's output (`None`: the cell failed), its cell's error, the
    /// span exports and the requests to the test's provider.
    observed: Observed,
}

/// One `rlm exec --json` of the row's program (an `answer` or `prompt`
/// row: [`ASK`]; any other without a program: a cell that prints), the
/// scripted model playing the row's script, with the row's knob set `way`
/// when `with_knob`.
pub(super) fn exec_probe(row: &Row, way: Way, with_knob: bool) -> ExecResult {
    let row = &row.on("exec");
    let dir = probe_dir(row);
    let d = dir.path();
    let program = match (&row.program, row.probe.as_str()) {
        (Some(p), _) => p.clone(),
        (None, "answer" | "prompt") => ASK.to_string(),
        (None, _) => "print('a cell')".to_string(),
    };
    std::fs::write(d.join("cell.py"), program).unwrap();
    let mut c = rlm(d);
    c.args(["exec", "cell.py", "--context", "context.txt", "--json"]);
    // Subcalls asking SUBCALL-PING answer "pong"; where the row's models are
    // the provider's, those the knob leaves scripted play the row's script.
    if uses_provider(row) {
        c.env("RLM_FAKE_SCRIPT", d.join("script.json"));
    } else {
        c.args(["--script", "script.json"]);
    }
    let mut setting = setting(row, d, way, with_knob);
    if row.probe == "prompt" {
        spans_with_content(&mut setting, d);
    }
    setting.apply(&mut c, d);
    let output = output_of(c, &format!("rlm exec, {}", row.key));
    if with_knob && effect_observed(row, "exec") && row.probe == "file" {
        assert_file_written(&format!("rlm exec, {} set as {way:?}", row.key), row, d);
    }
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let cell = &doc["cells"][0];
    let errors: Vec<String> = cell["error"].as_str().map(str::to_string).into_iter().collect();
    let answer = match (errors.is_empty(), cell["stdout"].as_str()) {
        (true, Some(out)) => Some(out.trim().to_string()),
        _ => None,
    };
    let (exported, provider) = (exported(d), provider_requests(d));
    ExecResult {
        output,
        observed: Observed { answer, errors, exported, provider, ..Observed::default() },
    }
}

#[test]
pub(super) fn every_knob_reaches_rlm_exec_or_is_named_at_start_up() {
    for row in table() {
        for way in WAYS {
            let with = exec_probe(&row, way, true);
            let stderr = text(&with.output.stderr);
            let what = format!("rlm exec, {} = {:?} as {way:?}", row.key, row.on("exec").value);
            if !row.honoured_by("exec") {
                assert!(
                    warning_names(&stderr, &row),
                    "{what}: no start-up warning names it: {stderr}"
                );
                continue;
            }
            assert!(!warning_names(&stderr, &row), "{what}: warned although supported: {stderr}");
            if !effect_observed(&row, "exec") {
                assert_eq!(with.output.status.code(), Some(0), "{what}: {stderr}");
                continue;
            }
            let on = row.on("exec");
            let without = || exec_probe(&row, way, false);
            match on.probe.as_str() {
                "program_error" | "answer" | "otlp" | "provider" => {
                    let without = without();
                    assert_effect(&what, &on, &with.observed, &without.observed);
                    if on.probe == "program_error" {
                        let out = text(&without.output.stdout);
                        assert_eq!(without.output.status.code(), Some(0), "{what}: control: {out}");
                    }
                }
                // A root prompt of the run rlm_query started, in its spans.
                "prompt" => {
                    let expect = on.expect.as_deref().unwrap_or_default();
                    let control = without().observed.exported;
                    assert_exported(&what, expect, &with.observed.exported, &control);
                }
                // Checked in `exec_probe`.
                "file" => assert_eq!(with.output.status.code(), Some(0), "{what}: {stderr}"),
                other => panic!("{what}: exec observes no {other} probe"),
            }
        }
    }
}
