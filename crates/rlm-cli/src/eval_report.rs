//! `rlm eval`'s reports: the terminal table (one row per case and
//! configuration: runs, mean score, passes, mean cost, mean latency) and the
//! self-contained HTML page (cases down, configurations across; per cell the
//! figures and every run's answer with a link to its trace; a totals row).
//! Everything shown is escaped; the page has no script.

use rlm_trace::escape_html;

use crate::eval_cmd::EvalRow;

/// The mean figures of a cell's runs.
struct Cell<'a> {
    runs: Vec<&'a EvalRow>,
}

impl<'a> Cell<'a> {
    fn of(rows: &'a [EvalRow], case: Option<&str>, variant: &str) -> Cell<'a> {
        let runs = rows
            .iter()
            .filter(|r| r.variant == variant && case.is_none_or(|c| r.case == c))
            .collect();
        Cell { runs }
    }

    fn mean(&self, f: impl Fn(&EvalRow) -> f64) -> f64 {
        if self.runs.is_empty() {
            return 0.0;
        }
        self.runs.iter().map(|r| f(r)).sum::<f64>() / self.runs.len() as f64
    }

    fn passed(&self) -> usize {
        self.runs.iter().filter(|r| r.passed).count()
    }

    fn figures(&self) -> (f64, usize, usize, f64, f64) {
        (
            self.mean(|r| r.score),
            self.passed(),
            self.runs.len(),
            self.mean(|r| r.cost_usd),
            self.mean(|r| r.latency_ms as f64),
        )
    }
}

/// The terminal table.
pub fn table(cases: &[String], variants: &[String], rows: &[EvalRow]) -> String {
    let case_w = cases.iter().map(|c| c.chars().count()).chain([5]).max().unwrap_or(5);
    let var_w = variants.iter().map(|v| v.chars().count()).chain([13]).max().unwrap_or(13);
    let mut out = format!(
        "{:case_w$}  {:var_w$}  {:>5}  {:>6}  {:>7}  {:>10}  {:>11}\n",
        "case", "configuration", "runs", "score", "passed", "cost $", "latency ms"
    );
    let mut line = |case: &str, variant: &str, cell: &Cell| {
        let (score, passed, runs, cost, latency) = cell.figures();
        out.push_str(&format!(
            "{case:case_w$}  {variant:var_w$}  {runs:>5}  {score:>6.2}  {:>7}  {cost:>10.4}  {latency:>11.0}\n",
            format!("{passed}/{runs}")
        ));
    };
    for case in cases {
        for variant in variants {
            line(case, variant, &Cell::of(rows, Some(case), variant));
        }
    }
    for variant in variants {
        line("(all)", variant, &Cell::of(rows, None, variant));
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.5em;vertical-align:top;text-align:left}\
th{background:#f3f3f3}.num{font-variant-numeric:tabular-nums}.pass{color:#17702b}.fail{color:#b42318}\
details{margin:.3em 0}pre{white-space:pre-wrap;margin:.2em 0;background:#fafafa;padding:.3em}\
.total td{font-weight:600;background:#f9f9f9}";

/// The HTML report.
pub fn html(cases: &[String], variants: &[String], rows: &[EvalRow]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>rlm eval</title>\n",
    );
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<h1>rlm eval</h1>\n"));
    out.push_str(&format!(
        "<p>{} case(s) × {} configuration(s), {} run(s) in all. Score: the share of a task's criteria passed; passed: runs passing every criterion.</p>\n",
        cases.len(),
        variants.len(),
        rows.len()
    ));
    out.push_str("<table>\n<tr><th>case</th>");
    for v in variants {
        out.push_str(&format!("<th>{}</th>", escape_html(v)));
    }
    out.push_str("</tr>\n");
    for case in cases {
        out.push_str(&format!("<tr><td>{}</td>", escape_html(case)));
        for v in variants {
            let cell = Cell::of(rows, Some(case), v);
            out.push_str(&format!("<td>{}{}</td>", figures_html(&cell), runs_html(&cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("<tr class=\"total\"><td>all cases</td>");
    for v in variants {
        out.push_str(&format!("<td>{}</td>", figures_html(&Cell::of(rows, None, v))));
    }
    out.push_str("</tr>\n</table>\n</body>\n</html>\n");
    out
}

fn figures_html(cell: &Cell) -> String {
    let (score, passed, runs, cost, latency) = cell.figures();
    let class = if passed == runs && runs > 0 { "pass" } else { "fail" };
    format!(
        "<div class=\"num\">score <b>{score:.2}</b> · <span class=\"{class}\">passed {passed}/{runs}</span><br>cost ${cost:.4} · latency {latency:.0} ms</div>"
    )
}

fn runs_html(cell: &Cell) -> String {
    let mut out = String::new();
    for r in &cell.runs {
        let answer = r.answer.as_deref().unwrap_or("(no answer)");
        let mark = if r.passed { "✓" } else { "✗" };
        let trace = match &r.trace {
            Some(t) => format!(
                " · <a href=\"{}\">trace</a> · <a href=\"{}\">events</a>",
                escape_html(t),
                escape_html(r.trace_events.as_deref().unwrap_or(""))
            ),
            None => String::new(),
        };
        let mut detail = format!(
            "<pre>{}</pre>finish {} · {}/{} criteria · {} tokens · ${:.4} · {} ms{trace}",
            escape_html(answer),
            escape_html(&r.finish),
            if r.answer.is_some() { r.criteria_passed } else { 0 },
            r.criteria_total,
            r.tokens,
            r.cost_usd,
            r.latency_ms
        );
        if let Some(j) = &r.judge {
            detail.push_str(&format!("<br>judge: {}", escape_html(j)));
        }
        if let Some(e) = &r.error {
            detail.push_str(&format!("<pre class=\"fail\">{}</pre>", escape_html(e)));
        }
        out.push_str(&format!(
            "<details><summary>run {} {mark} {}</summary>{detail}</details>",
            r.run,
            escape_html(&short(answer, 60))
        ));
    }
    out
}

fn short(text: &str, n: usize) -> String {
    let one = text.replace('\n', " ");
    if one.chars().count() > n {
        format!("{}…", one.chars().take(n).collect::<String>())
    } else {
        one
    }
}
