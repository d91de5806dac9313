//! `rlm mcp` over stdio: every knob's effect, or its start-up warning.

use super::*;

/// `rlm mcp` over stdio with the row's knob, its input closed at once: it
/// builds its engine from the configuration, warns, and ends with its input.
pub(super) fn mcp_probe(row: &Row, way: Way) -> Output {
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["mcp", "--script", "script.json"]);
    setting(row, d, way, true).apply_to_a_scripted_run(&mut c, d);
    output_of(c, &format!("rlm mcp, {}", row.key))
}

/// One `rlm_ask` through `rlm mcp` over stdio, the row's script as its
/// model, with the knob set `way` when `with_knob`: its answer and the
/// errors of its programs (from the run's trace resource). A `file` row's
/// path exists after it.
pub(super) fn mcp_effect_probe(row: &Row, way: Way, with_knob: bool) -> Observed {
    let dir = probe_dir(row);
    let d = dir.path();
    let what = format!("rlm mcp, {} set as {way:?} (with it: {with_knob})", row.key);
    let mut c = rlm(d);
    c.args(["mcp", "--script", "script.json"]);
    setting(row, d, way, with_knob).apply_to_a_scripted_run(&mut c, d);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("{what}: spawn: {e}"));
    let asked = mcp_stdio::ask(&mut child, "what does the context say?", "a small context");
    // Its input is closed: it ends (its files written) or is killed.
    for _ in 0..300 {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let asked = asked.unwrap_or_else(|| panic!("{what}: rlm mcp did not answer"));
    if with_knob && row.probe == "file" {
        assert_file_written(&what, row, d);
    }
    let answer = asked.doc["answer"].as_str().map(str::to_string);
    let programs = mcp_stdio::kinds_in_tree(&asked.trace, "program_finished");
    let calls = mcp_stdio::kinds_in_tree(&asked.trace, "model_call_started");
    let provider = provider_requests(d);
    Observed { exported: exported(d), provider, ..observed_of(answer, &programs, &calls) }
}

/// How `rlm mcp` ends when its input closes before a client's first
/// request: after its configuration was read and its engine built.
pub(super) fn mcp_ended_with_its_input(output: &Output) -> bool {
    output.status.code() == Some(0)
        || text(&output.stderr).contains("connection closed: initialize request")
}

#[test]
pub(super) fn every_knob_reaches_rlm_mcp_or_is_named_at_start_up() {
    honoured_or_named("mcp", mcp_probe, mcp_ended_with_its_input);
    // The server probes (a listener's connections) are connections.rs's.
    let scripted = |r: &Row| SCRIPTED_PROBES.contains(&r.probe.as_str());
    let observed = table().into_iter().filter(|r| effect_observed(r, "mcp") && scripted(r));
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r.clone(), w))) {
        let what = format!("rlm mcp, {} = {:?} as {way:?}", row.key, row.value);
        let with = mcp_effect_probe(&row, way, true);
        // A `file` row's path was checked in the probe.
        if row.probe != "file" {
            assert_effect(&what, &row, &with, &mcp_effect_probe(&row, way, false));
        }
    }
}
