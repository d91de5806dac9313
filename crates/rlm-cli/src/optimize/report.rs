//! `rlm optimize`'s reports: the terminal table (one row per candidate:
//! parent, file changed, score, passes, cost, what became of it) and the
//! self-contained HTML page: the Pareto front of score against cost drawn
//! (every evaluated candidate a point, the front's joined), then each
//! candidate with its diff against its parent and every answer with a link
//! to its run's trace, and the reflections that gave no candidate. Every
//! text shown is escaped; the page has no script.

use std::fmt::Write as _;

use rlm_trace::escape_html;

use super::Refused;
use super::search::{Candidate, CostAxis, SearchBudget, Status};
use crate::snapshot::diff;

/// What the reports show.
pub struct Summary<'a> {
    pub cases: Vec<String>,
    pub candidates: &'a [Candidate],
    pub refused: &'a [Refused],
    /// The front's ids, best first.
    pub front: &'a [usize],
    pub best: usize,
    pub axis: CostAxis,
    pub budget: SearchBudget,
    pub stopped: &'a str,
}

impl Summary<'_> {
    fn what_became(&self, c: &Candidate) -> String {
        let mut words = vec![match c.status {
            Status::Seed => "seed",
            Status::Evaluated => "run on every case",
            Status::NotBetterOnMinibatch => "not better on its minibatch",
            Status::Unfinished => "better on its minibatch, out of budget",
        }];
        if self.front.contains(&c.id) {
            words.push("on the front");
        }
        if c.id == self.best {
            words.push("best");
        }
        words.join(", ")
    }

    fn spent(&self) -> String {
        let b = &self.budget;
        let usd = match b.max_usd {
            Some(max) => format!("${:.4} of ${max:.4}", b.spent_usd),
            None => format!("${:.4}", b.spent_usd),
        };
        format!("{} of {} model calls, {usd}", b.spent_calls, b.max_calls)
    }
}

fn cost_text(axis: CostAxis, cost: f64) -> String {
    match axis {
        CostAxis::Dollars => format!("{cost:.4}"),
        CostAxis::Tokens => format!("{cost:.0}"),
    }
}

/// The terminal table.
pub fn table(s: &Summary) -> String {
    let mut out = format!(
        "{:9}  {:6}  {:13}  {:>5}  {:>6}  {:>15}  what became of it\n",
        "candidate",
        "parent",
        "file",
        "score",
        "passed",
        s.axis.label()
    );
    for c in s.candidates {
        let parent = c.parent.map_or("-".to_string(), |p| format!("c{p}"));
        let _ = writeln!(
            out,
            "{:9}  {:6}  {:13}  {:>5.2}  {:>6}  {:>15}  {}",
            format!("c{}", c.id),
            parent,
            c.changed.as_deref().unwrap_or("-"),
            c.score(),
            format!("{}/{}", c.passed(), c.rows.len()),
            cost_text(s.axis, c.cost(s.axis)),
            s.what_became(c)
        );
    }
    let _ = writeln!(
        out,
        "{} reflection(s) gave no candidate. spent: {}. stopped: {}.",
        s.refused.len(),
        s.spent(),
        s.stopped
    );
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.5em;vertical-align:top;text-align:left}\
th{background:#f3f3f3}.num{font-variant-numeric:tabular-nums}.pass{color:#17702b}.fail{color:#b42318}\
pre{white-space:pre-wrap;margin:.2em 0;background:#fafafa;padding:.3em}tr.front td{background:#f1f8f3}\
svg text{font:12px system-ui,sans-serif}";

/// The HTML report.
pub fn html(s: &Summary) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>rlm optimize</title>\n",
    );
    let _ = write!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<h1>rlm optimize</h1>\n");
    let _ = writeln!(
        out,
        "<p>{} case(s), {} candidate(s), {} reflection(s) without a candidate. Spent {}. Stopped: {}. Best: <b>c{}</b> (score {:.2}, written to <code>prompts/</code>).</p>",
        s.cases.len(),
        s.candidates.len(),
        s.refused.len(),
        escape_html(&s.spent()),
        escape_html(s.stopped),
        s.best,
        s.candidates.get(s.best).map_or(0.0, Candidate::score)
    );
    out.push_str("<h2>The Pareto front: score against cost</h2>\n");
    out.push_str(&front_svg(s));
    out.push_str("\n<h2>Candidates</h2>\n<table>\n<tr><th>candidate</th><th>score</th>");
    let _ = write!(out, "<th>{}</th>", escape_html(s.axis.label()));
    for case in &s.cases {
        let _ = write!(out, "<th>{}</th>", escape_html(case));
    }
    out.push_str("<th>change from its parent</th></tr>\n");
    for c in s.candidates {
        out.push_str(&candidate_row(s, c));
    }
    out.push_str("</table>\n");
    if !s.refused.is_empty() {
        out.push_str("<h2>Reflections that gave no candidate</h2>\n<ul>\n");
        for r in s.refused {
            let _ = writeln!(
                out,
                "<li>on c{} ({}): {}</li>",
                r.parent,
                escape_html(&r.file),
                escape_html(&r.why)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn candidate_row(s: &Summary, c: &Candidate) -> String {
    let class = if s.front.contains(&c.id) { " class=\"front\"" } else { "" };
    let mut row = format!(
        "<tr{class}><td><b>c{}</b>{}<br>{}</td><td class=\"num\">{:.2}<br>{}/{} passed</td><td class=\"num\">{}</td>",
        c.id,
        c.parent.map_or(String::new(), |p| format!(" from c{p}")),
        escape_html(&s.what_became(c)),
        c.score(),
        c.passed(),
        c.rows.len(),
        cost_text(s.axis, c.cost(s.axis))
    );
    for case in &s.cases {
        let Some(r) = c.rows.get(case) else {
            row.push_str("<td>not run</td>");
            continue;
        };
        let (mark, class) = if r.passed { ("✓", "pass") } else { ("✗", "fail") };
        let trace = r
            .trace
            .as_deref()
            .map_or(String::new(), |t| format!(" · <a href=\"{}\">trace</a>", escape_html(t)));
        let _ = write!(
            row,
            "<td><span class=\"{class}\">{mark}</span> <pre>{}</pre>{} tokens{trace}{}</td>",
            escape_html(r.answer.as_deref().unwrap_or("(no answer)")),
            r.tokens,
            r.error
                .as_deref()
                .map_or(String::new(), |e| format!("<pre class=\"fail\">{}</pre>", escape_html(e)))
        );
    }
    let change = match (c.parent, &c.changed) {
        (Some(p), Some(file)) => {
            let old = s.candidates[p].files.get(file).map_or("", String::as_str);
            let new = c.files.get(file).map_or("", String::as_str);
            let d = diff(old, new, &format!("c{p}/{file}"), &format!("c{}/{file}", c.id), false);
            format!("<pre>{}</pre>", escape_html(&d))
        }
        _ => "the starting prompts".to_string(),
    };
    let _ = writeln!(row, "<td>{change}</td></tr>");
    row
}

/// The scatter of the evaluated candidates, the front's joined by a line.
fn front_svg(s: &Summary) -> String {
    let (w, h, pad) = (560.0, 300.0, 48.0);
    let evaluated: Vec<&Candidate> =
        s.candidates.iter().filter(|c| c.is_evaluated(s.cases.len())).collect();
    let max_cost = evaluated.iter().map(|c| c.cost(s.axis)).fold(0.0_f64, f64::max).max(1e-9);
    let x = |cost: f64| pad + cost / max_cost * (w - 2.0 * pad);
    let y = |score: f64| h - pad - score * (h - 2.0 * pad);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"score against cost\">\n\
<line x1=\"{pad}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#888\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{0}\" stroke=\"#888\"/>\n\
<text x=\"{1}\" y=\"{2}\" text-anchor=\"end\">{3} →</text><text x=\"6\" y=\"{pad}\">score 1</text><text x=\"6\" y=\"{0}\">0</text>\n",
        h - pad,
        w - pad,
        h - 12.0,
        escape_html(s.axis.label())
    );
    let mut on_front: Vec<&Candidate> = s.front.iter().map(|&id| &s.candidates[id]).collect();
    on_front.sort_by(|a, b| a.cost(s.axis).total_cmp(&b.cost(s.axis)));
    let points: Vec<String> =
        on_front.iter().map(|c| format!("{:.1},{:.1}", x(c.cost(s.axis)), y(c.score()))).collect();
    let _ = writeln!(
        svg,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#17702b\" stroke-width=\"2\"/>",
        points.join(" ")
    );
    for c in evaluated {
        let (cx, cy) = (x(c.cost(s.axis)), y(c.score()));
        let fill = if s.front.contains(&c.id) { "#17702b" } else { "#bbb" };
        let _ = writeln!(
            svg,
            "<circle class=\"candidate\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{fill}\"><title>c{} score {:.2}, {} {}</title></circle><text x=\"{:.1}\" y=\"{:.1}\">c{}</text>",
            c.id,
            c.score(),
            cost_text(s.axis, c.cost(s.axis)),
            escape_html(s.axis.label()),
            cx + 7.0,
            cy - 7.0,
            c.id
        );
    }
    svg.push_str("</svg>");
    svg
}
