//! Counting by program, shown to the model (issue #19,
//! `Helps::count_by_program`): a small model cannot count, but a program can
//! select the lines a counting question counts ([`CountPlan`]: the
//! question's terms, its dates). The first message shows those lines and
//! the `count_lines` call that counts them; a program that prints a count
//! is shown the lines selected, so a wrong count can be seen as wrong. The
//! wording is this crate's `prompts/count_evidence.md` and the `count_*` notes.

use rlm_context::{Context, CountPlan, DateWindow};

use crate::prompts::HelpPrompts;
use crate::shape::QuestionShape;
use crate::template::render_or_explain;

/// Lines shown at most.
const SHOWN_LINES: usize = 20;

/// Characters of one line shown at most.
const LINE_CHARS: usize = 240;

/// The plan for a counting question; `None` for other questions or when no
/// term of the question occurs in the context.
fn plan(context: &Context, query: &str) -> Option<CountPlan> {
    if QuestionShape::of(query) != QuestionShape::Count {
        return None;
    }
    CountPlan::for_question(query, context.text().as_str())
}

/// The first message's block: the selected lines and the call counting them.
pub(crate) fn count_evidence(
    prompts: &HelpPrompts,
    context: &Context,
    query: &str,
) -> Option<String> {
    let plan = plan(context, query)?;
    let text = context.text();
    let lines = plan.lines(text.as_str());
    let notes = &prompts.notes;
    let bounds = match plan.window {
        None => String::new(),
        Some(w) => {
            let arg = |name: &str, s: Option<rlm_context::Stamp>| {
                s.map(|s| format!(", {name}={:?}", s.render())).unwrap_or_default()
            };
            format!("{}{}", arg("since", w.since), arg("until", w.until))
        }
    };
    let advice = if plan.exact { &notes.count_exact } else { &notes.count_confirm };
    Some(render_or_explain(
        &prompts.count_evidence,
        &[
            ("terms", &plan.terms.join(", ")),
            ("window", &window_text(prompts, plan.window.as_ref())),
            ("count", &lines.len().to_string()),
            ("shown", &shown_text(prompts, lines.len())),
            ("lines", &render_lines(&lines)),
            ("advice", advice),
            ("pattern", &python_literal(&plan.pattern)),
            ("bounds", &bounds),
        ],
    ))
}

/// The count of the lines a counting question counts, when the plan counts
/// each of them (`CountPlan::exact`): a count the runtime vouches for.
pub(crate) fn exact_count(context: &Context, query: &str) -> Option<u64> {
    let plan = plan(context, query).filter(|p| p.exact)?;
    u64::try_from(plan.lines(context.text().as_str()).len()).ok()
}

/// The note after a program of a counting question that printed a count
/// (its last line is a number): the lines a program selects, for comparing.
pub(crate) fn count_check(
    prompts: &HelpPrompts,
    context: &Context,
    query: &str,
    stdout: &str,
) -> Option<String> {
    let printed = stdout.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    printed.parse::<i64>().ok()?;
    let plan = plan(context, query)?;
    let text = context.text();
    let lines = plan.lines(text.as_str());
    Some(render_or_explain(
        &prompts.notes.count_check,
        &[
            ("printed", printed),
            ("terms", &plan.terms.join(", ")),
            ("window", &window_text(prompts, plan.window.as_ref())),
            ("count", &lines.len().to_string()),
            ("shown", &shown_text(prompts, lines.len())),
            ("lines", &render_lines(&lines)),
        ],
    ))
}

/// `pattern` as a Python string literal a model can copy: raw when it can be.
fn python_literal(pattern: &str) -> String {
    if pattern.contains(['"', '\n']) || pattern.ends_with('\\') {
        format!("{pattern:?}")
    } else {
        format!("r\"{pattern}\"")
    }
}

fn window_text(prompts: &HelpPrompts, window: Option<&DateWindow>) -> String {
    let notes = &prompts.notes;
    let Some(w) = window else { return String::new() };
    let render = |s: Option<rlm_context::Stamp>| s.map(|s| s.render()).unwrap_or_default();
    let (since, until) = (render(w.since), render(w.until));
    let template = match (w.since.is_some(), w.until.is_some()) {
        (true, true) => &notes.count_window_both,
        (true, false) => &notes.count_window_since,
        (false, _) => &notes.count_window_until,
    };
    render_or_explain(template, &[("since", &since), ("until", &until)])
}

fn shown_text(prompts: &HelpPrompts, count: usize) -> String {
    if count <= SHOWN_LINES {
        return String::new();
    }
    render_or_explain(&prompts.notes.count_shown_first, &[("shown", &SHOWN_LINES.to_string())])
}

fn render_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines.iter().take(SHOWN_LINES) {
        if !out.is_empty() {
            out.push('\n');
        }
        match l.char_indices().nth(LINE_CHARS) {
            Some((cut, _)) => {
                out.push_str(&l[..cut]);
                out.push_str("...");
            }
            None => out.push_str(l),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Context {
        Context::from_text(
            "# columns: time | level | event\n\
             2026-03-03T10:00:00Z | ERROR | LOGIN_FAILED\n\
             2026-03-04T08:00:00Z | ERROR | LOGIN_FAILED\n\
             2026-03-04T09:00:00Z | INFO | LOGIN_OK\n\
             2026-03-06T23:00:00Z | ERROR | LOGIN_FAILED\n",
        )
    }

    #[test]
    fn the_evidence_shows_the_lines_and_the_call() {
        let p = HelpPrompts::default();
        let q = "How many LOGIN_FAILED events from 2026-03-04 to 2026-03-06?";
        let e = count_evidence(&p, &log(), q).unwrap();
        assert!(e.contains("(count: 2)"), "{e}");
        assert!(e.contains("2026-03-06T23:00:00Z | ERROR | LOGIN_FAILED"), "{e}");
        assert!(!e.contains("2026-03-03T10"), "{e}");
        assert!(
            e.contains(
                r#"count_lines(r"\bLOGIN_FAILED\b", since="2026-03-04", until="2026-03-06")"#
            ),
            "{e}"
        );
        assert!(count_evidence(&p, &log(), "What failed on 2026-03-04?").is_none());
    }

    #[test]
    fn a_printed_count_is_shown_the_lines() {
        let p = HelpPrompts::default();
        let q = "Count the LOGIN_FAILED lines on March 4, 2026";
        let n = count_check(&p, &log(), q, "8\n").unwrap();
        assert!(n.starts_with("Your program printed 8.") && n.contains(" are 1:"), "{n}");
        assert!(count_check(&p, &log(), q, "LOGIN_FAILED\n").is_none());
        assert!(count_check(&p, &log(), "What is it?", "8").is_none());
    }
}
