//! `rlm eval`'s reports: the terminal table (one row per case and
//! configuration: runs, mean score, passes, mean tokens, cost and latency,
//! and whether its answers differ from the first configuration's) and the
//! self-contained HTML page (cases down, configurations across; per cell the
//! figures and every run's answer, shown, with its tokens, cost, latency and
//! a link to its trace; a cell whose answers differ from the first
//! configuration's is marked; a totals row). Everything shown is escaped;
//! the page has no script.

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

    /// Its runs' answers, trimmed, each once, sorted (`(no answer)` for a
    /// run without one): what two configurations are compared by.
    fn answers(&self) -> Vec<String> {
        let mut answers: Vec<String> = self
            .runs
            .iter()
            .map(|r| r.answer.as_deref().map_or("(no answer)".to_string(), |a| a.trim().into()))
            .collect();
        answers.sort();
        answers.dedup();
        answers
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

/// Whether `cell`'s answers differ from those of the first
/// configuration's cell of the same case (`first`).
fn differs(cell: &Cell, first: &Cell) -> bool {
    cell.answers() != first.answers()
}

/// The terminal table; `answers` says `differs` where a configuration's
/// answers to a case are not the first configuration's.
pub fn table(cases: &[String], variants: &[String], rows: &[EvalRow]) -> String {
    let case_w = cases.iter().map(|c| c.chars().count()).chain([5]).max().unwrap_or(5);
    let var_w = variants.iter().map(|v| v.chars().count()).chain([13]).max().unwrap_or(13);
    let mut out = format!(
        "{:case_w$}  {:var_w$}  {:>5}  {:>6}  {:>7}  {:>8}  {:>10}  {:>11}  answers\n",
        "case", "configuration", "runs", "score", "passed", "tokens", "cost $", "latency ms"
    );
    let mut line = |case: &str, variant: &str, cell: &Cell, mark: &str| {
        let (score, passed, runs, cost, latency) = cell.figures();
        let tokens = cell.mean(|r| r.tokens as f64);
        out.push_str(&format!(
            "{case:case_w$}  {variant:var_w$}  {runs:>5}  {score:>6.2}  {:>7}  {tokens:>8.0}  {cost:>10.4}  {latency:>11.0}  {mark}\n",
            format!("{passed}/{runs}")
        ));
    };
    for case in cases {
        let first = Cell::of(rows, Some(case), &variants[0]);
        for (i, variant) in variants.iter().enumerate() {
            let cell = Cell::of(rows, Some(case), variant);
            let mark = match i {
                0 if variants.len() > 1 => "(first)",
                0 => "",
                _ if differs(&cell, &first) => "differs",
                _ => "same",
            };
            line(case, variant, &cell, mark);
        }
    }
    for variant in variants {
        line("(all)", variant, &Cell::of(rows, None, variant), "");
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.5em;vertical-align:top;text-align:left}\
th{background:#f3f3f3}.num{font-variant-numeric:tabular-nums}.pass{color:#17702b}.fail{color:#b42318}\
details{margin:.3em 0}pre{white-space:pre-wrap;margin:.2em 0;background:#fafafa;padding:.3em}\
.total td{font-weight:600;background:#f9f9f9}td.differs{background:#fff7d6}\
.mark{font-weight:600;color:#8a5a00}.run{border-top:1px dashed #ddd;padding-top:.3em;margin-top:.3em}";

/// The HTML report.
pub fn html(cases: &[String], variants: &[String], rows: &[EvalRow]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>rlm eval</title>\n",
    );
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<h1>rlm eval</h1>\n"));
    out.push_str(&format!(
        "<p>{} case(s) × {} configuration(s), {} run(s) in all. Score: the share of a task's criteria passed; passed: runs passing every criterion. A shaded cell's answers differ from those of the first configuration ({}); the last column counts them.</p>\n",
        cases.len(),
        variants.len(),
        rows.len(),
        escape_html(variants.first().map_or("", String::as_str))
    ));
    out.push_str("<table>\n<tr><th>case</th>");
    for v in variants {
        out.push_str(&format!("<th>{}</th>", escape_html(v)));
    }
    out.push_str("<th>answers</th></tr>\n");
    let mut differing_cases = 0;
    for case in cases {
        out.push_str(&format!("<tr><td>{}</td>", escape_html(case)));
        let first = Cell::of(rows, Some(case), &variants[0]);
        let mut differing = 0;
        for (i, v) in variants.iter().enumerate() {
            let cell = Cell::of(rows, Some(case), v);
            let (class, mark) = if i > 0 && differs(&cell, &first) {
                differing += 1;
                (" class=\"differs\"", "<div class=\"mark\">≠ differs from the first</div>")
            } else {
                ("", "")
            };
            out.push_str(&format!(
                "<td{class}>{mark}{}{}</td>",
                figures_html(&cell),
                runs_html(&cell)
            ));
        }
        differing_cases += usize::from(differing > 0);
        let agree = match (variants.len(), differing) {
            (1, _) => "—".to_string(),
            (_, 0) => "same".to_string(),
            (_, n) => format!("<span class=\"mark\">{n} differ</span>"),
        };
        out.push_str(&format!("<td>{agree}</td></tr>\n"));
    }
    out.push_str("<tr class=\"total\"><td>all cases</td>");
    for v in variants {
        out.push_str(&format!("<td>{}</td>", figures_html(&Cell::of(rows, None, v))));
    }
    out.push_str(&format!(
        "<td>{differing_cases} of {} case(s) differ</td></tr>\n</table>\n</body>\n</html>\n",
        cases.len()
    ));
    out
}

fn figures_html(cell: &Cell) -> String {
    let (score, passed, runs, cost, latency) = cell.figures();
    let tokens = cell.mean(|r| r.tokens as f64);
    let class = if passed == runs && runs > 0 { "pass" } else { "fail" };
    format!(
        "<div class=\"num\">score <b>{score:.2}</b> · <span class=\"{class}\">passed {passed}/{runs}</span><br>{tokens:.0} tokens · cost ${cost:.4} · latency {latency:.0} ms</div>"
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
        out.push_str(&format!("<div class=\"run\">run {} {mark} {detail}</div>", r.run));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(case: &str, variant: &str, run: u32, answer: Option<&str>) -> EvalRow {
        EvalRow {
            case: case.into(),
            variant: variant.into(),
            run,
            model: None,
            answer: answer.map(str::to_string),
            finish: "answered".into(),
            passed: answer.is_some(),
            criteria_passed: 1,
            criteria_total: 1,
            score: if answer.is_some() { 1.0 } else { 0.0 },
            judge: None,
            cost_usd: 0.001,
            tokens: 1200,
            latency_ms: 35,
            steps: 2,
            subcalls: 1,
            trace: Some(format!("traces/{case}-{variant}-{run}.html")),
            trace_events: None,
            error: None,
        }
    }

    fn rows() -> (Vec<String>, Vec<String>, Vec<EvalRow>) {
        let cases = vec!["alike".to_string(), "apart".to_string()];
        let variants = vec!["profile full".to_string(), "profile compact".to_string()];
        let rows = vec![
            row("alike", "profile full", 1, Some("billing")),
            row("alike", "profile compact", 1, Some(" billing\n")),
            row("apart", "profile full", 1, Some("amber-falcon-42")),
            row("apart", "profile compact", 1, None),
        ];
        (cases, variants, rows)
    }

    #[test]
    fn the_table_marks_the_configuration_whose_answers_differ_and_shows_tokens() {
        let (cases, variants, rows) = rows();
        let table = table(&cases, &variants, &rows);
        let line = |case: &str, variant: &str| {
            table.lines().find(|l| l.starts_with(case) && l.contains(variant)).unwrap().to_string()
        };
        assert!(line("alike", "profile compact").ends_with("same"), "{table}");
        assert!(line("apart", "profile compact").ends_with("differs"), "{table}");
        assert!(line("apart", "profile full").ends_with("(first)"), "{table}");
        assert!(table.lines().next().unwrap().contains("tokens"), "{table}");
        assert!(line("alike", "profile full").contains("1200"), "{table}");
    }

    #[test]
    fn the_page_shows_every_answer_and_shades_the_differing_cell() {
        let (cases, variants, rows) = rows();
        let page = html(&cases, &variants, &rows);
        assert_eq!(page.matches("class=\"differs\"").count(), 1, "{page}");
        assert!(page.contains("1 of 2 case(s) differ"), "{page}");
        assert!(page.contains("<pre>amber-falcon-42</pre>"), "answers are shown: {page}");
        assert!(page.contains("<pre>(no answer)</pre>"), "{page}");
        assert!(!page.contains("<details"), "nothing is collapsed: {page}");
        assert!(page.contains("href=\"traces/apart-profile compact-1.html\""), "{page}");
        assert!(page.contains("1200 tokens"), "{page}");
    }
}
