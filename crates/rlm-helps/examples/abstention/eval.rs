//! The abstention measurement of issue #39, shared by the `abstention`
//! example (which prints the table) and the crate's `abstention` test (which
//! requires no wrong statement): every help that could state an answer is run
//! over each question of `heldout/abstention.toml` (questions the helps must
//! not answer) on its shipped corpus, and what it said is classified.
//!
//! What a help said, read from its text:
//! - silent: no text;
//! - passages: text of the context with no count and no invitation to answer;
//! - labelled: a count presented as what the runtime's own query matched,
//!   with "check that this is what the question asks";
//! - wrong: a count or text presented as the answer (a count not labelled so,
//!   or any text inviting the model to answer from it with FINAL), or, for
//!   the grounding row, a bare reply accepted because it equals the runtime's
//!   own count.

use std::path::{Path, PathBuf};

use rlm_context::{Context, CountPlan, best_passages, salient_terms};
use rlm_helps::{HelpPrompts, RunHelps, Switches};
use serde::Deserialize;

/// The label a count must carry to be a heuristic shown as what it is.
pub const LABEL: &str = "check that this is what the question asks";

/// Words of a help's text that invite an answer from what it shows.
pub const INVITATION: &str = "FINAL";

#[derive(Debug, Deserialize)]
pub struct HeldOut {
    pub question: Vec<Question>,
}

#[derive(Debug, Deserialize)]
pub struct Question {
    pub corpus: String,
    pub kind: String,
    pub text: String,
}

/// What one help said about one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    Silent,
    Passages,
    Labelled,
    Wrong,
}

/// The helps measured, in table order.
pub const HELPS: [&str; 4] = [
    "count (first message)",
    "count check (after a printed count)",
    "answer from output (lookup)",
    "bare reply = runtime's count",
];

/// The crate directory (for `heldout/`) and the workspace's `examples/corpus`.
pub fn paths() -> (PathBuf, PathBuf) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    (here.join("heldout/abstention.toml"), here.join("../../examples/corpus"))
}

pub fn load() -> Result<HeldOut, String> {
    let (set, _) = paths();
    let text = std::fs::read_to_string(&set).map_err(|e| format!("{}: {e}", set.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", set.display()))
}

fn classify_count(text: Option<&str>) -> Said {
    match text {
        None => Said::Silent,
        Some(t) if t.contains(INVITATION) => Said::Wrong,
        Some(t) if t.contains(LABEL) => Said::Labelled,
        Some(_) => Said::Wrong,
    }
}

fn classify_passages(text: Option<&str>) -> Said {
    match text {
        None => Said::Silent,
        Some(t) if t.contains(INVITATION) => Said::Wrong,
        Some(_) => Said::Passages,
    }
}

/// What each help of [`HELPS`] said about `q` over `context`.
pub fn judge(context: &Context, q: &str) -> [Said; 4] {
    let prompts = HelpPrompts::default();
    let count_on = Switches { count_by_program: true, ..Switches::default() };
    let (_, first) = RunHelps::first_message(&prompts, count_on, context, q, true, || None);
    let count = classify_count(first.as_deref());

    let (mut helps, _) = RunHelps::first_message(&prompts, count_on, context, q, true, || None);
    let note = helps.after_output(&prompts, context, q, "print(17)", "17\n", false);
    let check = classify_count(note.as_deref());

    // A lookup program's output: the passages holding the question's words.
    let text = context.text();
    let printed: Vec<String> = best_passages(text.as_str(), &salient_terms(q), 320, 2)
        .into_iter()
        .map(|p| p.text)
        .collect();
    let answer_on = Switches { answer_from_output: true, ..Switches::default() };
    let (mut helps, _) = RunHelps::first_message(&prompts, answer_on, context, q, true, || None);
    let note =
        helps.after_output(&prompts, context, q, "print(grep(\"x\"))", &printed.join("\n"), false);
    let lookup = classify_passages(note.as_deref());

    // Circular grounding: a bare reply equal to the count of the lines the
    // runtime's own plan selects, before any program printed anything.
    let grounded = Switches { count_by_program: true, bare_answer: true, ..Switches::default() };
    let (helps, _) = RunHelps::first_message(&prompts, grounded, context, q, true, || None);
    let own = CountPlan::for_question(q, text.as_str()).map(|p| p.lines(text.as_str()).len());
    let bare = match own {
        Some(n) if helps.bare_answer(&n.to_string(), q).is_some() => Said::Wrong,
        _ => Said::Silent,
    };
    [count, check, lookup, bare]
}

/// Every question judged: (question, what each help said).
pub fn run() -> Result<Vec<(Question, [Said; 4])>, String> {
    let set = load()?;
    let (_, corpus) = paths();
    let mut out = Vec::new();
    for q in set.question {
        let path = corpus.join(&q.corpus);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let said = judge(&Context::from_text(text), &q.text);
        out.push((q, said));
    }
    Ok(out)
}

/// The table: one row per help (silent, passages, labelled, wrong of N).
pub fn table(rows: &[(Question, [Said; 4])]) -> String {
    let mut out = String::from(
        "| help | questions | silent | passages only | labelled count | wrong statements |\n|---|---|---|---|---|---|\n",
    );
    for (i, help) in HELPS.iter().enumerate() {
        let n = |s: Said| rows.iter().filter(|(_, said)| said[i] == s).count();
        out.push_str(&format!(
            "| {help} | {} | {} | {} | {} | {} |\n",
            rows.len(),
            n(Said::Silent),
            n(Said::Passages),
            n(Said::Labelled),
            n(Said::Wrong)
        ));
    }
    out
}
