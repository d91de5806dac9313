//! `rlm exec`: every knob's effect, or its start-up warning.

use super::*;

/// One `rlm exec` of the row's program (else a cell that prints): its
/// output, and its span exports and requests to the test's provider.
pub(super) fn exec_probe(row: &Row, way: Way, with_knob: bool) -> (Output, Observed) {
    let dir = probe_dir(row);
    let d = dir.path();
    let program = row.program.clone().unwrap_or_else(|| "print('a cell')".to_string());
    std::fs::write(d.join("cell.py"), program).unwrap();
    let mut c = rlm(d);
    c.args(["exec", "cell.py"]);
    // Subcalls answer "pong"; where the row's models are the provider's,
    // those the knob leaves scripted play the row's script.
    if uses_provider(row) {
        c.env("RLM_FAKE_SCRIPT", d.join("script.json"));
    } else {
        c.args(["--reply", "pong"]);
    }
    setting(row, d, way, with_knob).apply(&mut c, d);
    let output = c.output().expect("run rlm exec");
    if with_knob && effect_observed(row, "exec") && row.probe == "file" {
        assert_file_written(&format!("rlm exec, {} set as {way:?}", row.key), row, d);
    }
    (
        output,
        Observed { exported: exported(d), provider: provider_requests(d), ..Observed::default() },
    )
}

#[test]
pub(super) fn every_knob_reaches_rlm_exec_or_is_named_at_start_up() {
    for row in table() {
        for way in WAYS {
            let (with, with_seen) = exec_probe(&row, way, true);
            let stderr = text(&with.stderr);
            let what = format!("rlm exec, {} = {:?} as {way:?}", row.key, row.value);
            if !row.honoured_by("exec") {
                assert!(
                    warning_names(&stderr, &row),
                    "{what}: no start-up warning names it: {stderr}"
                );
                continue;
            }
            assert!(!warning_names(&stderr, &row), "{what}: warned although supported: {stderr}");
            if !effect_observed(&row, "exec") {
                assert_eq!(with.status.code(), Some(0), "{what}: {stderr}");
                continue;
            }
            match row.probe.as_str() {
                "program_error" => {
                    let expect = row.expect.as_deref().unwrap_or_default();
                    let lower = stderr.to_lowercase();
                    assert!(
                        lower.contains(&expect.to_lowercase()),
                        "{what}: no {expect:?} error: {stderr}"
                    );
                    let (without, _) = exec_probe(&row, way, false);
                    let lower = text(&without.stderr).to_lowercase();
                    assert!(
                        !lower.contains(&expect.to_lowercase()),
                        "{what}: the control run fails too: {lower}"
                    );
                    assert_eq!(without.status.code(), Some(0), "{what}: the control run: {lower}");
                }
                // Checked in `exec_probe`.
                "file" => assert_eq!(with.status.code(), Some(0), "{what}: {stderr}"),
                "otlp" | "provider" => {
                    assert_effect(&what, &row, &with_seen, &exec_probe(&row, way, false).1)
                }
                other => panic!("{what}: exec observes no {other} probe"),
            }
        }
    }
}
