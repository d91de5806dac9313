//! The stress report: a table for the terminal, and one self-contained HTML
//! page (inline CSS and SVG charts; no script, nothing fetched) for people:
//! run latency p50/p95/p99, outcomes, retries and faults per scenario.

use std::fmt::Write as _;

use rlm_trace::escape_html;

use super::{RunOutcome, ScenarioReport, StressReport};

/// The scenarios as a plain-text table.
pub fn render_table(report: &StressReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>5} {:>4} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>9} {:>6} {:>7} {:>7}",
        "scenario",
        "runs",
        "conc",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "correct",
        "wrong",
        "budget",
        "model_err",
        "retry",
        "faults",
        "attempts"
    );
    for s in &report.scenarios {
        let n = |o: RunOutcome| s.outcomes.get(&o).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<16} {:>5} {:>4} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>9} {:>6} {:>7} {:>7}",
            s.name,
            s.runs,
            s.concurrency,
            s.latency.p50_ms,
            s.latency.p95_ms,
            s.latency.p99_ms,
            n(RunOutcome::Correct),
            n(RunOutcome::Wrong),
            n(RunOutcome::BudgetExhausted),
            n(RunOutcome::ModelError),
            s.retries,
            s.faults.injected.values().sum::<u64>(),
            s.faults.attempts
        );
    }
    out
}

const CHART_WIDTH: f64 = 640.0;
const ROW: f64 = 28.0;
const LABEL: f64 = 130.0;

/// One self-contained page.
pub fn render_html(report: &StressReport) -> String {
    let mut html = String::new();
    let model = if report.scripted {
        "the scripted model (a scripted root program and a rule-based sub-model; not an LLM)"
            .to_string()
    } else {
        report.model.clone()
    };
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>rlm stress report</title><style>{STYLE}</style></head><body>\
         <h1>rlm stress report</h1>\
         <p>Model: {}. Context: a generated needle task of {} bytes (seed {}). Latency scale: {}{}.</p>",
        escape_html(&model),
        report.context_bytes,
        report.seed,
        report.latency_scale,
        if report.latency_scale == 1.0 {
            ""
        } else {
            " (injected latencies and retry backoff were scaled by this factor)"
        }
    );
    html.push_str("<h2>Run latency (ms)</h2>");
    html.push_str(&latency_chart(&report.scenarios));
    html.push_str("<h2>Outcomes</h2>");
    html.push_str(&outcome_chart(&report.scenarios));
    html.push_str("<h2>Retries and injected faults</h2>");
    html.push_str(&retry_chart(&report.scenarios));
    html.push_str("<h2>Table</h2><pre>");
    html.push_str(&escape_html(&render_table(report)));
    html.push_str("</pre></body></html>\n");
    html
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:760px}\
h1{font-size:22px}h2{font-size:16px;margin-top:28px}svg text{font:12px system-ui,sans-serif}\
pre{background:#f5f5f5;padding:8px;overflow-x:auto;font-size:11px}.legend span{display:inline-block;margin-right:14px}\
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}";

/// The opening tag of a chart of `rows` scenario rows.
fn svg_open(rows: usize) -> String {
    let height = rows as f64 * ROW + 6.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{height}\" role=\"img\">"
    )
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (name, colour) in items {
        let _ = write!(
            out,
            "<span><svg class=\"sw\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"{colour}\"/></svg>{}</span>",
            escape_html(name)
        );
    }
    out.push_str("</div>");
    out
}

/// Grouped horizontal bars: p50, p95, p99 per scenario.
fn latency_chart(scenarios: &[ScenarioReport]) -> String {
    let series = [("p50", "#4c78a8"), ("p95", "#f58518"), ("p99", "#e45756")];
    let max = scenarios.iter().map(|s| s.latency.p99_ms).max().unwrap_or(0).max(1) as f64;
    let mut svg = svg_open(scenarios.len());
    let width = CHART_WIDTH - LABEL - 70.0;
    for (i, s) in scenarios.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(svg, "<text x=\"0\" y=\"{}\">{}</text>", y + 16.0, escape_html(&s.name));
        for (j, (value, (_, colour))) in
            [s.latency.p50_ms, s.latency.p95_ms, s.latency.p99_ms].iter().zip(series).enumerate()
        {
            let w = *value as f64 / max * width;
            let _ = write!(
                svg,
                "<rect x=\"{LABEL}\" y=\"{}\" width=\"{w:.1}\" height=\"7\" fill=\"{colour}\"><title>{} {}: {value} ms</title></rect>",
                y + 3.0 + j as f64 * 8.0,
                escape_html(&s.name),
                ["p50", "p95", "p99"][j]
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\">{} ms</text>",
            LABEL + s.latency.p99_ms as f64 / max * width + 6.0,
            y + 16.0,
            s.latency.p99_ms
        );
    }
    svg.push_str("</svg>");
    legend(&series) + &svg
}

/// Stacked horizontal bars: the share of each outcome per scenario.
fn outcome_chart(scenarios: &[ScenarioReport]) -> String {
    let colours = ["#54a24b", "#eeca3b", "#f58518", "#e45756"];
    let mut svg = svg_open(scenarios.len());
    let width = CHART_WIDTH - LABEL - 70.0;
    for (i, s) in scenarios.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(svg, "<text x=\"0\" y=\"{}\">{}</text>", y + 16.0, escape_html(&s.name));
        let total = s.outcomes.values().sum::<u64>().max(1) as f64;
        let mut x = LABEL;
        for (outcome, colour) in RunOutcome::ALL.iter().zip(colours) {
            let n = s.outcomes.get(outcome).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let w = n as f64 / total * width;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"20\" fill=\"{colour}\"><title>{}: {n}</title></rect>",
                y + 2.0,
                outcome.as_str()
            );
            if w > 18.0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" fill=\"#fff\">{n}</text>",
                    x + 4.0,
                    y + 16.0
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{} runs</text>",
            LABEL + width + 6.0,
            y + 16.0,
            s.runs
        );
    }
    svg.push_str("</svg>");
    let names: Vec<(&str, &str)> =
        RunOutcome::ALL.iter().map(|o| o.as_str()).zip(colours).collect();
    legend(&names) + &svg
}

/// Paired bars: retries recorded and faults injected per scenario.
fn retry_chart(scenarios: &[ScenarioReport]) -> String {
    let series = [("retries", "#4c78a8"), ("faults injected", "#e45756")];
    let faults = |s: &ScenarioReport| s.faults.injected.values().sum::<u64>();
    let max = scenarios.iter().map(|s| s.retries.max(faults(s))).max().unwrap_or(0).max(1) as f64;
    let mut svg = svg_open(scenarios.len());
    let width = CHART_WIDTH - LABEL - 70.0;
    for (i, s) in scenarios.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(svg, "<text x=\"0\" y=\"{}\">{}</text>", y + 16.0, escape_html(&s.name));
        for (j, (value, (name, colour))) in [s.retries, faults(s)].iter().zip(series).enumerate() {
            let w = *value as f64 / max * width;
            let _ = write!(
                svg,
                "<rect x=\"{LABEL}\" y=\"{}\" width=\"{w:.1}\" height=\"10\" fill=\"{colour}\"><title>{name}: {value}</title></rect>\
                 <text x=\"{:.1}\" y=\"{}\">{value}</text>",
                y + 3.0 + j as f64 * 11.0,
                LABEL + w + 4.0,
                y + 12.0 + j as f64 * 11.0
            );
        }
    }
    svg.push_str("</svg>");
    legend(&series) + &svg
}
