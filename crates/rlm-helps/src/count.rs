//! Counting by program, shown to the model (issue #19,
//! `Helps::count_by_program`): a small model cannot count, but a program can
//! select the lines a counting question counts ([`CountPlan`]: the
//! question's terms, its dates). The first message shows those lines and
//! the `count_lines` call that counts them; a program that prints a count
//! is shown the lines selected, so a wrong count can be seen as wrong. The
//! wording is this crate's `prompts/count_evidence.md` and the `count_*` notes.
//!
//! The selection is a heuristic reading of the question, never its answer
//! (issue #39): it is shown only when the plan expresses everything the
//! question names ([`sure_plan`]), and then as what it is, "lines matching
//! REGEX: N — check that this is what the question asks", with no
//! invitation to answer from it. A question with two properties, a
//! comparison, a negation or a range over a field gets no count at all.

use rlm_context::{Context, CountPlan, DateWindow};

use crate::prompts::HelpPrompts;
use crate::shape::QuestionShape;
use crate::template::render_or_explain;

/// Lines shown at most.
const SHOWN_LINES: usize = 20;

/// Characters of one line shown at most.
const LINE_CHARS: usize = 240;

/// Words that make a question more than "lines holding one term": a
/// negation, a comparison, a second property or an aggregate over a field.
/// The dates' own words (`DATE_WORDS`) are allowed when the plan has a window.
const QUALIFIERS: &[&str] = &[
    "above",
    "after",
    "and",
    "average",
    "before",
    "below",
    "between",
    "both",
    "different",
    "distinct",
    "each",
    "every",
    "except",
    "excluding",
    "fewer",
    "first",
    "greater",
    "larger",
    "largest",
    "last",
    "least",
    "less",
    "longer",
    "longest",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "more",
    "most",
    "neither",
    "never",
    "no",
    "nor",
    "not",
    "only",
    "or",
    "other",
    "over",
    "per",
    "shorter",
    "since",
    "smaller",
    "smallest",
    "sum",
    "than",
    "under",
    "unique",
    "until",
    "within",
    "without",
];

/// Qualifiers that belong to a date window ("from 2026-03-04 to 2026-03-06
/// (both days included)", "between March 2 and March 3").
const DATE_WORDS: &[&str] = &["after", "and", "before", "between", "both", "since", "until"];

/// The plan for a counting question when the runtime is sure it is what the
/// question counts: one term, matched exactly, every other word of the
/// question a counting word or a date, and no qualifier. `None` otherwise:
/// the help then shows passages or nothing.
pub(crate) fn sure_plan(context: &Context, query: &str) -> Option<CountPlan> {
    if QuestionShape::of(query) != QuestionShape::Count {
        return None;
    }
    let plan = CountPlan::for_question(query, context.text().as_str())?;
    let lower = query.to_lowercase();
    let qualified = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| QUALIFIERS.contains(&w) && !(plan.window.is_some() && DATE_WORDS.contains(&w)));
    let sure = plan.exact && plan.terms.len() == 1 && plan.unmapped.is_empty() && !qualified;
    sure.then_some(plan)
}

/// The first message's block: the selected lines and the call counting them.
pub(crate) fn count_evidence(
    prompts: &HelpPrompts,
    context: &Context,
    query: &str,
) -> Option<String> {
    let plan = sure_plan(context, query)?;
    let text = context.text();
    let lines = plan.lines(text.as_str());
    let bounds = match plan.window {
        None => String::new(),
        Some(w) => {
            let arg = |name: &str, s: Option<rlm_context::Stamp>| {
                s.map(|s| format!(", {name}={:?}", s.render())).unwrap_or_default()
            };
            format!("{}{}", arg("since", w.since), arg("until", w.until))
        }
    };
    Some(render_or_explain(
        &prompts.count_evidence,
        &[
            ("terms", &plan.terms.join(", ")),
            ("window", &window_text(prompts, plan.window.as_ref())),
            ("count", &lines.len().to_string()),
            ("shown", &shown_text(prompts, lines.len())),
            ("lines", &render_lines(&lines)),
            ("pattern", &python_literal(&plan.pattern)),
            ("bounds", &bounds),
        ],
    ))
}

/// The count the first message showed for `query` (its sure plan's lines):
/// a count the runtime suggested, which can never ground an answer.
pub(crate) fn shown_count(context: &Context, query: &str) -> Option<u64> {
    let plan = sure_plan(context, query)?;
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
    let plan = sure_plan(context, query)?;
    let text = context.text();
    let lines = plan.lines(text.as_str());
    Some(render_or_explain(
        &prompts.notes.count_check,
        &[
            ("printed", printed),
            ("pattern", &python_literal(&plan.pattern)),
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
        assert!(
            e.starts_with(r#"Lines of the context matching r"\bLOGIN_FAILED\b" dated from 2026-03-04 to 2026-03-06 (both included): 2."#),
            "{e}"
        );
        assert!(
            e.contains("check that this is what the question asks") && !e.contains("FINAL"),
            "{e}"
        );
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
        assert!(
            n.starts_with("Your program printed 8.") && n.contains(" (both included): 1 ("),
            "{n}"
        );
        assert!(count_check(&p, &log(), q, "LOGIN_FAILED\n").is_none());
        assert!(count_check(&p, &log(), "What is it?", "8").is_none());
    }

    #[test]
    fn a_question_the_plan_does_not_express_gets_no_count() {
        // Issue #39: a question about the log's users got a regex of two of
        // its words and "(count: 0)"; the right answer was 9.
        let p = HelpPrompts::default();
        for q in [
            "How many users had a LOGIN_FAILED and then a LOGIN_OK?",
            "How many LOGIN_FAILED events are not from 2026-03-04?",
            "How many LOGIN_FAILED or LOGIN_OK events are there?",
            "How many distinct users had LOGIN_FAILED?",
            "How many LOGIN_FAILED events came after more than 3 LOGIN_OK?",
            "How many LOGIN_FAILED events by the zebra service?",
        ] {
            assert_eq!(sure_plan(&log(), q), None, "{q}");
            assert_eq!(count_evidence(&p, &log(), q), None, "{q}");
            assert_eq!(count_check(&p, &log(), q, "3\n"), None, "{q}");
        }
        // The dates' own words do not qualify a plan with a window.
        let q =
            "How many LOGIN_FAILED events between 2026-03-04 and 2026-03-06 (both days included)?";
        assert_eq!(shown_count(&log(), q), Some(2));
    }
}
