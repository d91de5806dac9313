//! `rlm stress`: every knob's effect on its generated tasks, or its start-up warning.

use super::*;

/// One offline `rlm stress` run with the row's knob.
pub(super) fn stress_probe(row: &Row, way: Way) -> Output {
    stress_run(row, way, true).0
}

/// One offline `rlm stress` run (one generated task), with the row's knob
/// set `way` when `with_knob`: its output and span exports; a `file` row's
/// path exists after it.
pub(super) fn stress_run(row: &Row, way: Way, with_knob: bool) -> (Output, Observed) {
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["stress", "--scenario", "baseline", "--runs", "1", "--latency-scale", "0"]).args([
        "--context-bytes",
        "2000",
        "--json",
        "--report",
        "report.html",
    ]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    let output = output_of(c, &format!("rlm stress, {}", row.key));
    if with_knob && effect_observed(row, "stress") && row.probe == "file" {
        assert_file_written(&format!("rlm stress, {} set as {way:?}", row.key), row, d);
    }
    (
        output,
        Observed { exported: exported(d), provider: provider_requests(d), ..Observed::default() },
    )
}

/// How many of a `rlm stress --json` run's generated tasks were answered correctly.
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
        let what = format!("rlm stress, {} = {:?} as {way:?}", row.key, row.value);
        let (with, with_seen) = stress_run(&row, way, true);
        match row.probe.as_str() {
            // Checked in `stress_run`.
            "file" => assert!(exited_zero(&with), "{what}: {}", text(&with.stderr)),
            // A budget that ends the generated task without an answer.
            "answer" => {
                assert_eq!(stress_correct(&with), 0, "{what}: answered: {}", text(&with.stdout));
                let (without, _) = stress_run(&row, way, false);
                let out = text(&without.stdout);
                assert_eq!(stress_correct(&without), 1, "{what}: the control run: {out}");
            }
            "otlp" | "provider" => {
                assert_effect(&what, &row, &with_seen, &stress_run(&row, way, false).1)
            }
            other => panic!("{what}: stress observes no {other} probe"),
        }
    }
}
