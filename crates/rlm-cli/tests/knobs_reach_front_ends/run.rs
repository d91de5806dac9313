//! `rlm run`: every knob's effect, or its start-up warning.

use super::*;

pub(super) struct RunResult {
    output: Output,
    answer: Option<String>,
    /// The errors of its programs (from its trace).
    errors: Vec<String>,
    /// What its trace shows (answer, errors, prompts).
    observed: Observed,
}

pub(super) fn run_probe(row: &Row, way: Way, with_knob: bool) -> RunResult {
    let dir = probe_dir(row);
    let d = dir.path();
    let trace = d.join("probe-trace.jsonl");
    let mut c = rlm(d);
    c.args(["run", "what does the context say?", "--context", "context.txt", "--json"]).args([
        "--script",
        "script.json",
        "--progress",
        "never",
    ]);
    if row.key != "trace" {
        c.env("RLM_TRACE", &trace);
    }
    setting(row, d, way, with_knob).apply_to_a_scripted_run(&mut c, d);
    let output = c.output().expect("run rlm run");
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let answer = doc["answer"].as_str().map(str::to_string);
    let mut observed =
        observed_in(answer.clone(), &std::fs::read_to_string(&trace).unwrap_or_default());
    observed.exported = exported(d);
    observed.provider = provider_requests(d);
    let errors = observed.errors.clone();
    if with_knob && effect_observed(row, "run") && row.probe == "file" {
        assert_file_written(&format!("rlm run, {} set as {way:?}", row.key), row, d);
    }
    RunResult { output, answer, errors, observed }
}

#[test]
pub(super) fn every_knob_reaches_rlm_run_or_is_named_at_start_up() {
    for (row, way) in table().iter().flat_map(|r| WAYS.map(|w| (r, w))) {
        let with = run_probe(row, way, true);
        let stderr = text(&with.output.stderr);
        let what = format!("rlm run, {} = {:?} as {way:?}", row.key, row.value);
        if !row.honoured_by("run") {
            assert!(warning_names(&stderr, row), "{what}: no start-up warning names it: {stderr}");
            continue;
        }
        assert!(!warning_names(&stderr, row), "{what}: warned although supported: {stderr}");
        match row.probe.as_str() {
            "program_error" => {
                let expect = row.expect.as_deref().unwrap_or_default();
                assert!(
                    has_error(&with.errors, expect),
                    "{what}: no {expect:?} error: {:?} {stderr}",
                    with.errors
                );
                let without = run_probe(row, way, false);
                assert!(
                    !has_error(&without.errors, expect),
                    "{what}: the control run fails too: {:?}",
                    without.errors
                );
            }
            "answer" => {
                let expect = row.expect.as_deref().unwrap_or_default();
                assert!(
                    answer_matches(&with.answer, expect),
                    "{what}: answer {:?}, expected {expect:?}: {stderr}",
                    with.answer
                );
                let without = run_probe(row, way, false);
                assert!(
                    !answer_matches(&without.answer, expect),
                    "{what}: the control run answers {:?} too",
                    without.answer
                );
                if let Some(control) = &row.control {
                    assert!(
                        answer_matches(&without.answer, control),
                        "{what}: control answer {:?}, expected {control:?}",
                        without.answer
                    );
                }
            }
            "prompt" | "otlp" | "provider" => {
                assert_effect(&what, row, &with.observed, &run_probe(row, way, false).observed)
            }
            "json_logs" => {
                let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
                assert!(!lines.is_empty(), "{what}: no logs");
                for l in lines {
                    assert!(
                        serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object()),
                        "{what}: {l}"
                    );
                }
            }
            // `file`: checked in `run_probe`; `accepted`: it ran with the knob.
            _ => assert_eq!(with.output.status.code(), Some(0), "{what}: {stderr}"),
        }
    }
}
