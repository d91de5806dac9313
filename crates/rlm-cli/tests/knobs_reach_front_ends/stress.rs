//! `rlm stress`: every knob's effect on its generated tasks, or its start-up
//! warning. Its generated task (look at the context, then one `llm_batch`
//! over its chunks and a FINAL) runs, not the row's script: a row's
//! `[knob.stress]` gives the value, expectation, other knobs or arguments
//! that bite it. stress writes no trace: a program's error, a root prompt
//! and an answer are read in its spans (with their content), sent to the
//! test's receiver in the runs with the knob and without it alike.

use super::*;

/// The probe's scenario: one baseline run without latency over a context of 2000 bytes.
const SCENARIO: [&str; 8] =
    ["--scenario", "baseline", "--runs", "1", "--latency-scale", "0", "--context-bytes", "2000"];

/// One offline `rlm stress` run with the row's knob.
pub(super) fn stress_probe(row: &Row, way: Way) -> Output {
    stress_run(row, way, true).0
}

/// One offline `rlm stress` run (the row's `[knob.stress]` arguments, else
/// [`SCENARIO`]), with the row's knob set `way` when `with_knob`: its output,
/// span exports and requests to the test's provider; a `file` row's path
/// exists after it.
pub(super) fn stress_run(row: &Row, way: Way, with_knob: bool) -> (Output, Observed) {
    let row = &row.on("stress");
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.arg("stress");
    if row.args.is_empty() {
        c.args(SCENARIO);
    } else {
        c.args(&row.args);
    }
    c.args(["--json", "--report", "report.html"]);
    let mut setting = setting(row, d, way, with_knob);
    if matches!(row.probe.as_str(), "program_error" | "prompt" | "answer") {
        spans_with_content(&mut setting, d);
    }
    setting.apply(&mut c, d);
    let output = output_of(c, &format!("rlm stress, {}", row.key));
    if with_knob && effect_observed(row, "stress") && row.probe == "file" {
        assert_file_written(&format!("rlm stress, {} set as {way:?}", row.key), row, d);
    }
    (
        output,
        Observed { exported: exported(d), provider: provider_requests(d), ..Observed::default() },
    )
}

/// How many of a `rlm stress --json` run's generated tasks were answered
/// correctly (its first scenario's).
pub(super) fn stress_correct(output: &Output) -> u64 {
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    doc["scenarios"][0]["outcomes"]["correct"].as_u64().unwrap_or(0)
}

pub(super) fn exited_zero(output: &Output) -> bool {
    output.status.code() == Some(0)
}

#[test]
pub(super) fn every_knob_reaches_rlm_stress_or_is_named_at_start_up() {
    honoured_or_named("stress", stress_probe, exited_zero);
    let observed = table().into_iter().filter(|r| effect_observed(r, "stress"));
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r.clone(), w))) {
        // A provider's model is stress's from its command line alone (a
        // stress run spends only when asked there): set another way it
        // stays scripted, and sends the provider nothing.
        if row.key == "model" && way != Way::Flag {
            let (ran, seen) = stress_run(&row, way, true);
            assert!(exited_zero(&ran), "{}", text(&ran.stderr));
            assert!(seen.provider.is_empty(), "rlm stress, model as {way:?}: {:?}", seen.provider);
            continue;
        }
        let on = row.on("stress");
        let what = format!("rlm stress, {} = {:?} as {way:?}", row.key, on.value);
        let expect = on.expect.as_deref().unwrap_or_default();
        let (with, with_seen) = stress_run(&row, way, true);
        assert!(exited_zero(&with), "{what}: {}", text(&with.stderr));
        match on.probe.as_str() {
            // Checked in `stress_run`.
            "file" => {}
            // A budget that ends the generated task without an answer.
            "answer" if expect.is_empty() => {
                assert_eq!(stress_correct(&with), 0, "{what}: answered: {}", text(&with.stdout));
                let (without, _) = stress_run(&row, way, false);
                let out = text(&without.stdout);
                assert_eq!(stress_correct(&without), 1, "{what}: the control run: {out}");
            }
            // The task's answer is another, in its spans; the control's is right.
            "answer" => {
                assert_eq!(stress_correct(&with), 0, "{what}: answered: {}", text(&with.stdout));
                let (without, without_seen) = stress_run(&row, way, false);
                let out = text(&without.stdout);
                assert_eq!(stress_correct(&without), 1, "{what}: the control run: {out}");
                assert_exported(&what, expect, &with_seen.exported, &without_seen.exported);
            }
            // A program's error or a root prompt, in the spans.
            "program_error" | "prompt" => {
                let control = stress_run(&row, way, false).1.exported;
                assert_exported(&what, expect, &with_seen.exported, &control)
            }
            "otlp" | "provider" => {
                assert_effect(&what, &on, &with_seen, &stress_run(&row, way, false).1)
            }
            other => panic!("{what}: stress observes no {other} probe"),
        }
    }
}
