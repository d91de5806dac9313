//! The Prometheus exposition obeys the text format: HELP and TYPE once per
//! family and before its samples, families contiguous, valid metric and label
//! names, escaped label values, summaries with quantile/_sum/_count.

mod common;

use std::collections::HashSet;

use regex::Regex;
use rlm_trace::*;

/// Check `text` against the Prometheus text format 0.0.4; returns the family names.
fn validate(text: &str) -> Vec<String> {
    let name = r"[a-zA-Z_:][a-zA-Z0-9_:]*";
    let help = Regex::new(&format!(r"^# HELP ({name}) (.*)$")).unwrap();
    let typ = Regex::new(&format!(r"^# TYPE ({name}) (counter|gauge|summary|histogram|untyped)$"))
        .unwrap();
    let label = r#"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*""#;
    let sample = Regex::new(&format!(
        r"^({name})(?:\{{({label}(?:,{label})*)?\}})? (NaN|[+-]Inf|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$"
    ))
    .unwrap();
    let mut families: Vec<String> = Vec::new();
    let mut types: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(c) = help.captures(line) {
            assert!(!families.contains(&c[1].to_string()), "HELP twice for {}", &c[1]);
            families.push(c[1].to_string());
            assert!(!c[2].contains('\n'));
        } else if let Some(c) = typ.captures(line) {
            assert_eq!(
                families.last().map(String::as_str),
                Some(&c[1]),
                "TYPE without HELP just before"
            );
            types.push((c[1].to_string(), c[2].to_string()));
            current = Some((c[1].to_string(), c[2].to_string()));
        } else if let Some(c) = sample.captures(line) {
            let (fam, kind) = current.clone().expect("sample before any TYPE");
            let metric = &c[1];
            let ok = metric == fam
                || (kind == "summary"
                    && (metric == format!("{fam}_sum") || metric == format!("{fam}_count")));
            assert!(ok, "sample {metric} outside its family {fam}");
            if kind == "counter" {
                assert!(fam.ends_with("_total"), "counter {fam} should end in _total");
            }
            if kind == "summary" && metric == fam {
                assert!(line.contains("quantile=\""), "summary sample without quantile: {line}");
            }
        } else {
            panic!("line is not valid exposition format: {line:?}");
        }
    }
    let unique: HashSet<_> = families.iter().collect();
    assert_eq!(unique.len(), families.len());
    families
}

#[test]
fn representative_exposition_is_valid() {
    let rec = TraceRecorder::new();
    common::record_representative(&rec);
    let text = rec.summary().to_prometheus("rlm");
    let families = validate(&text);
    assert!(families.iter().all(|f| f.starts_with("rlm_")));
    assert!(text.contains("rlm_call_latency_seconds{call=\"subcall\",quantile=\"0.99\"} 2.4\n"));
    // One cached subcall out of four (root-model calls are not counted).
    assert!(text.contains("rlm_cache_hit_ratio 0.25\n"));
}

#[test]
fn hostile_label_values_are_escaped() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    let evil = "we\"ird\\model\nname} 1\n# TYPE x counter";
    let sub = rec.start_subcall(prog, SubcallStarted { model: evil.into(), ..Default::default() });
    rec.retry(sub, Retry { attempt: 1, reason: evil.into(), delay_ms: 0 });
    rec.finish_subcall(sub, common::ok_call("", common::usage(1, 1), 0.5, 10));
    rec.budget(
        run,
        BudgetEvent {
            level: BudgetLevel::HardStop,
            budget: evil.into(),
            used: 1.0,
            limit: 1.0,
            message: String::new(),
        },
    );
    let text = rec.summary().to_prometheus("my-app.rlm");
    validate(&text);
    assert!(text.contains(r#"model="we\"ird\\model\nname} 1\n# TYPE x counter""#), "{text}");
    assert!(text.starts_with("# HELP my_app_rlm_"));
}

#[test]
fn empty_summary_is_valid() {
    let text = TraceSummary::default().to_prometheus("");
    validate(&text);
    assert!(text.contains("\nerrors_total 0\n"));
}
