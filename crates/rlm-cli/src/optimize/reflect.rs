//! The reflection step of `rlm optimize`: the prompt a reflection model
//! reads (the file under optimisation, whole, and the cases its candidate
//! failed, each with what was expected, the answer and the model's steps,
//! as GEPA reflects on traces), and the new file read back from its reply,
//! checked before a case is run with it.

use rlm_core::RunResult;
use rlm_core::prompt_text::truncate_middle;
use rlm_core::prompts::{placeholders, render};
use rlm_trace::EventKind;

use crate::exit::CliError;

/// The reflection prompt (`prompts/optimize/reflect.md`).
const REFLECT: &str = include_str!("../../prompts/reflect.md");
/// One failing case in it (`prompts/optimize/reflect_case.md`).
const REFLECT_CASE: &str = include_str!("../../prompts/reflect_case.md");
/// Characters of a case's steps shown (its start and its end): a small
/// reflection model's window holds the file and a few cases.
const MAX_STEPS_CHARS: usize = 2_400;
/// Characters of one program's output or one reply shown in the steps.
const MAX_PIECE_CHARS: usize = 600;
/// Characters of an answer shown.
const MAX_ANSWER_CHARS: usize = 800;

/// A case a candidate failed, as the reflection model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub name: String,
    pub question: String,
    /// The criteria the answer missed, each with why.
    pub expected: String,
    pub answer: String,
    /// The root model's replies and programs, with their outputs.
    pub steps: String,
}

impl Failure {
    /// The failure of case `name` asked `question`, from its run.
    pub fn of(name: &str, question: &str, result: &RunResult) -> Failure {
        let missed: Vec<String> = result
            .criteria
            .iter()
            .flat_map(|c| c.results.iter())
            .filter(|r| !r.passed || result.answer.is_none())
            .map(|r| match r.detail.as_str() {
                "" => r.criterion.clone(),
                why => format!("{} (missed: {why})", r.criterion),
            })
            .collect();
        let expected = if missed.is_empty() { "an answer".to_string() } else { missed.join("; ") };
        let answer = match &result.answer {
            Some(a) => truncate_middle(a, MAX_ANSWER_CHARS),
            None => format!("none: the run ended with {}", result.finish.as_str()),
        };
        Failure {
            name: name.to_string(),
            question: question.to_string(),
            expected,
            answer,
            steps: truncate_middle(&steps_of(result), MAX_STEPS_CHARS),
        }
    }
}

/// The root model's replies that ran no program, and each program with its
/// output or error, in order.
fn steps_of(result: &RunResult) -> String {
    let mut out = String::new();
    let mut pending_reply: Option<String> = None;
    for event in &result.events {
        match &event.kind {
            EventKind::ModelCallFinished(call) => {
                pending_reply = Some(call.response_preview.clone());
            }
            EventKind::ProgramStarted(p) => {
                pending_reply = None;
                out.push_str(&format!("program:\n{}\n", truncate_middle(&p.code, MAX_PIECE_CHARS)));
            }
            EventKind::ProgramFinished(p) => {
                let shown = p.error.as_deref().map_or_else(
                    || format!("output:\n{}\n", p.stdout),
                    |e| format!("error:\n{e}\n"),
                );
                out.push_str(&truncate_middle(&shown, MAX_PIECE_CHARS));
                out.push('\n');
            }
            EventKind::FinalAnswer(_) | EventKind::RunFinished(_) => {
                if let Some(reply) = pending_reply.take() {
                    out.push_str(&format!(
                        "reply:\n{}\n",
                        truncate_middle(&reply, MAX_PIECE_CHARS)
                    ));
                }
            }
            _ => {}
        }
    }
    if out.is_empty() { "(no step recorded)".to_string() } else { out }
}

/// The reflection prompt for `file`, whose text is `current`, over `failures`.
pub fn prompt(file: &str, current: &str, failures: &[Failure]) -> Result<String, CliError> {
    let bad = |e: rlm_core::PromptError| CliError::Internal(format!("reflection prompt: {e}"));
    let mut cases = Vec::with_capacity(failures.len());
    for f in failures {
        let values = [
            ("name", f.name.as_str()),
            ("question", f.question.as_str()),
            ("expected", f.expected.as_str()),
            ("answer", f.answer.as_str()),
            ("steps", f.steps.trim_end()),
        ];
        cases.push(render(REFLECT_CASE, &values).map_err(bad)?);
    }
    let cases = cases.join("\n");
    render(REFLECT, &[("file", file), ("current", current.trim_end()), ("cases", cases.trim_end())])
        .map_err(bad)
}

/// Why a reflection's reply gives no candidate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the reply holds no <new>...</new> or <add>...</add> block")]
    NoBlock,
    #[error("the reply reached its token limit before </{0}>")]
    Cut(&'static str),
    #[error("the new file is empty")]
    Empty,
    #[error("the new file is the current one")]
    Unchanged,
    #[error("the new file has an unclosed placeholder")]
    Unclosed,
    #[error("the new file's placeholders differ: {missing} missing, {added} added")]
    Placeholders { missing: String, added: String },
}

/// The new file of a reflection's `reply`, from its last block: `<new>`
/// holds the whole file, `<add>` text to add at the end of `current` (what
/// a small model manages where a rewrite loses placeholders). An unclosed
/// block runs to the end (small models stop early), unless the reply was
/// `cut` at its token limit (a small model repeating itself until the limit
/// gives no file). The file must differ from `current` and keep exactly its
/// placeholders.
pub fn proposal(reply: &str, current: &str, cut: bool) -> Result<String, Rejected> {
    let (tag, start) = ["new", "add"]
        .into_iter()
        .filter_map(|tag| reply.rfind(&format!("<{tag}>")).map(|at| (tag, at + tag.len() + 2)))
        .max_by_key(|&(_, at)| at)
        .ok_or(Rejected::NoBlock)?;
    let body = &reply[start..];
    let body = match body.find(&format!("</{tag}>")) {
        Some(end) => &body[..end],
        None if cut => return Err(Rejected::Cut(tag)),
        None => body,
    };
    let body = body.trim_matches(['\n', '\r']).trim_end();
    if body.trim().is_empty() {
        return Err(Rejected::Empty);
    }
    let text = match tag {
        "add" => format!("{}\n\n{}", current.trim_end(), body.trim()),
        _ => body.to_string(),
    };
    let text = text.as_str();
    if text.trim() == current.trim() {
        return Err(Rejected::Unchanged);
    }
    let new = placeholders(text).ok_or(Rejected::Unclosed)?;
    let old = placeholders(current).unwrap_or_default();
    let missing: Vec<&str> = old.iter().filter(|n| !new.contains(n)).map(String::as_str).collect();
    let added: Vec<&str> = new.iter().filter(|n| !old.contains(n)).map(String::as_str).collect();
    if !missing.is_empty() || !added.is_empty() {
        let list = |names: &[&str]| if names.is_empty() { "none".into() } else { names.join(", ") };
        return Err(Rejected::Placeholders { missing: list(&missing), added: list(&added) });
    }
    Ok(format!("{text}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reflection prompt as a model reads it (model-facing text is
    /// snapshot-tested: `cargo insta review` after editing prompts/optimize).
    #[test]
    fn the_reflection_prompt_shows_the_file_and_each_failure() {
        let failure = Failure {
            name: "error_count".into(),
            question: "How many ERROR lines did the noisiest service log?".into(),
            expected: "exactly \"50\" (missed: the answer is not exactly \"50\")".into(),
            answer: "The noisiest service logged 50 ERROR lines.".into(),
            steps: "program:\nprint(len(context))\n\noutput:\n12345\n".into(),
        };
        let text = prompt("system.md", "Answer {{query}}.\n", &[failure]).unwrap();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_proposal_is_the_last_new_block_and_keeps_the_placeholders() {
        let current = "Answer {{query}}.\n";
        let reply =
            "Thinking...\n<new>\nold idea\n</new>\n<new>\nAnswer {{query}} with a number.\n</new>";
        assert_eq!(proposal(reply, current, false).unwrap(), "Answer {{query}} with a number.\n");
        let unclosed = "<new>\nAnswer {{ query }} briefly.";
        assert_eq!(proposal(unclosed, current, false).unwrap(), "Answer {{ query }} briefly.\n");
        assert_eq!(proposal(unclosed, current, true), Err(Rejected::Cut("new")));
    }

    #[test]
    fn an_added_text_goes_at_the_end_of_the_file() {
        let current = "Answer {{query}}.\n";
        let reply = "<add>\nGive the bare value.\n</add>";
        assert_eq!(
            proposal(reply, current, false).unwrap(),
            "Answer {{query}}.\n\nGive the bare value.\n"
        );
        let later_wins = "<new>\nX {{query}}\n</new> then <add>Be brief.";
        assert_eq!(
            proposal(later_wins, current, false).unwrap(),
            "Answer {{query}}.\n\nBe brief.\n"
        );
        let err = proposal("<add>Use {{tools}}.</add>", current, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the new file's placeholders differ: none missing, tools added"
        );
    }

    #[test]
    fn a_reply_that_cannot_be_a_candidate_says_why() {
        let current = "Answer {{query}}.";
        assert_eq!(proposal("no block here", current, false), Err(Rejected::NoBlock));
        assert_eq!(proposal("<new>\n  \n</new>", current, false), Err(Rejected::Empty));
        assert_eq!(
            proposal("<new>\nAnswer {{query}}.\n</new>", current, false),
            Err(Rejected::Unchanged)
        );
        assert_eq!(proposal("<new>Answer {{query</new>", current, false), Err(Rejected::Unclosed));
        let err = proposal("<new>Answer {{question}}.</new>", current, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the new file's placeholders differ: query missing, question added"
        );
    }
}
