//! `rlm optimize` (issue #81), through the `rlm` binary, on the scripted
//! suite of `examples/optimize`: the cases' model answers with a sentence
//! around the value unless its system prompt asks for the bare value, so the
//! starting prompts score 0/4 and one reachable sentence scores 4/4; the
//! reflection model's first idea does not help, its second (written only
//! when the failures it reads show exact values missed) does. The search
//! must find the 4/4 wording within its budget, show it on the front of its
//! report, write it as the prompts folder, and replay with no model at all.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::clean_rlm::rlm;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/optimize").canonicalize().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `rlm optimize` on the example's cases into `out`, with `extra` flags.
fn optimize(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let ex = example();
    rlm(dir)
        .arg("optimize")
        .arg(ex.join("cases"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn scripted(ex: &Path) -> Vec<String> {
    vec![
        "--model".into(),
        "scripted".into(),
        "--script".into(),
        ex.join("model.toml").display().to_string(),
        "--reflection-script".into(),
        ex.join("reflection.toml").display().to_string(),
    ]
}

/// The table's row of candidate `id`.
fn row(stdout: &str, id: &str) -> String {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no row {id}: {stdout}"))
        .to_string()
}

/// The calls spent, as the table's last line says them ("spent: N of M").
fn spent(stdout: &str) -> (u64, u64) {
    let line = stdout.lines().find(|l| l.contains("spent: ")).unwrap();
    let words: Vec<&str> = line.split("spent: ").nth(1).unwrap().split_whitespace().collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

/// The results of `out` with the wall times taken out (the only field a
/// replay may change).
fn results(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("latency_ms");
            v
        })
        .collect()
}

#[test]
fn a_scripted_suite_goes_from_no_case_passed_to_all_within_its_budget_and_replays() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = example();
    let out = tmp.path().join("run");
    let args = scripted(&ex);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let done = optimize(tmp.path(), &out, &[&args[..], &["--max-calls", "60"]].concat());
    let stdout = text(&done.stdout);
    assert!(done.status.success(), "{stdout}\n{}", text(&done.stderr));

    // The seed scores 0/4; the first reflection's idea is tried on its
    // minibatch and dropped; the second is run on every case and passes all.
    assert!(row(&stdout, "c0").contains("0/4"), "{stdout}");
    assert!(row(&stdout, "c1").contains("not better on its minibatch"), "{stdout}");
    let best = row(&stdout, "c2");
    assert!(best.contains("4/4") && best.contains("1.00"), "{stdout}");
    assert!(best.contains("on the front") && best.contains("best"), "{stdout}");
    assert!(stdout.contains("stopped: a candidate passes every case"), "{stdout}");
    let (calls, max) = spent(&stdout);
    assert!(calls <= max && max == 60, "{stdout}");
    assert!(calls > 4 * 2, "every case run makes calls, counted: {stdout}");

    // The prompts folder is the best candidate's: the sentence added.
    let system = std::fs::read_to_string(out.join("prompts/system.md")).unwrap();
    assert!(system.contains("give only the bare value"), "{system}");
    let embedded = std::fs::read_to_string(ex.join("../../prompts/loop/system.md")).unwrap();
    assert!(system.starts_with(embedded.trim_end()), "the rest of the prompt is kept");
    // Every run of the best candidate passed, each with its trace.
    let rows = results(&out);
    let best_rows: Vec<_> = rows.iter().filter(|r| r["variant"] == "c2").collect();
    assert_eq!(best_rows.len(), 4);
    for r in &best_rows {
        assert_eq!(r["passed"], true, "{r}");
        assert!(out.join(r["trace"].as_str().unwrap()).is_file(), "{r}");
    }

    // The report draws the front (c2 on it, c0 beaten) and shows the change.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("The Pareto front: score against cost"), "{page}");
    let point = |id: &str| {
        page.lines()
            .find(|l| l.contains("<circle") && l.contains(&format!("<title>{id} ")))
            .unwrap_or_else(|| panic!("no point for {id}"))
            .to_string()
    };
    assert!(point("c2").contains("fill=\"#17702b\""), "c2 is on the front");
    assert!(point("c0").contains("fill=\"#bbb\""), "c0 is beaten on both axes");
    assert!(!page.contains("<title>c1 "), "a minibatch-only candidate is not drawn");
    assert!(page.contains("+When you call FINAL, give only the bare value"), "the diff");
    assert!(page.contains("href=\"traces/c2--passphrase.html\""), "{page}");

    // The same optimisation again from its recordings: no model, no script.
    let again = tmp.path().join("again");
    let replay = optimize(
        tmp.path(),
        &again,
        &["--replay-from", out.to_str().unwrap(), "--max-calls", "60"],
    );
    let replayed = text(&replay.stdout);
    assert!(replay.status.success(), "{replayed}\n{}", text(&replay.stderr));
    assert_eq!(
        replayed.replace(again.to_str().unwrap(), "OUT"),
        stdout.replace(out.to_str().unwrap(), "OUT")
    );
    assert_eq!(results(&again), rows);
    assert_eq!(std::fs::read_to_string(again.join("prompts/system.md")).unwrap(), system);
    // And the replay's folder replays in turn: its recordings were kept.
    assert!(again.join("recordings/reflections.recording.jsonl").is_file());
    assert!(again.join("recordings/c2/passphrase.recording.jsonl").is_file());
}

#[test]
fn the_budget_in_calls_is_never_overrun() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = example();
    let args = scripted(&ex);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // The starting prompts alone may take 4 cases × 6 calls: 20 cannot pay.
    let refused =
        optimize(tmp.path(), &tmp.path().join("a"), &[&args[..], &["--max-calls", "20"]].concat());
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    assert!(text(&refused.stderr).contains("the starting prompts alone may take 24 calls"));

    // 30 pays for the seed (16 calls made) but not for a reflection and a
    // minibatch of 3 runs at their worst (1 + 18): the search stops there.
    let out = tmp.path().join("b");
    let short = optimize(tmp.path(), &out, &[&args[..], &["--max-calls", "30"]].concat());
    let stdout = text(&short.stdout);
    assert!(short.status.success(), "{stdout}\n{}", text(&short.stderr));
    assert!(stdout.contains("stopped: the budget cannot pay for another step"), "{stdout}");
    let (calls, max) = spent(&stdout);
    assert!(calls <= max && max == 30, "{stdout}");
    assert!(row(&stdout, "c0").contains("best"), "{stdout}");
}

#[test]
fn a_file_that_is_not_a_prompt_template_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let done = optimize(
        tmp.path(),
        &tmp.path().join("o"),
        &["--model", "scripted", "--file", "notes.toml"],
    );
    assert_eq!(done.status.code(), Some(2));
    assert!(
        text(&done.stderr).contains("--file notes.toml: not a prompt file"),
        "{}",
        text(&done.stderr)
    );
}

/// A real optimisation (`examples/optimize/real-1.5b`: the 1.5B model of
/// `../shared/tools/local-llm` as the cases' model and the reflection model,
/// 33 of 40 calls, 0/4 -> 1/4) replays from its recordings with the model
/// server stopped (port 9 answers nothing), to the same candidates, scores
/// and prompts.
#[test]
fn a_real_optimisation_replays_to_the_same_prompts_with_the_model_server_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let recorded = example().join("real-1.5b");
    let out = tmp.path().join("replayed");
    let replay = rlm(tmp.path())
        .env("LLAMACPP_BASE_URL", "http://127.0.0.1:9/v1")
        .arg("optimize")
        .arg(example().join("cases"))
        .arg("--replay-from")
        .arg(&recorded)
        .args([
            "--max-calls",
            "40",
            "--run-calls",
            "4",
            "--minibatch",
            "2",
            "--timeout-secs",
            "1200",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = text(&replay.stdout);
    assert!(replay.status.success(), "{stdout}\n{}", text(&replay.stderr));
    assert!(row(&stdout, "c1").contains("1/4") && row(&stdout, "c1").contains("best"), "{stdout}");
    assert_eq!(spent(&stdout), (33, 40), "{stdout}");
    assert_eq!(results(&out), results(&recorded));
    let prompts = |dir: &Path| std::fs::read_to_string(dir.join("prompts/system.md")).unwrap();
    assert_eq!(prompts(&out), prompts(&recorded));
}
