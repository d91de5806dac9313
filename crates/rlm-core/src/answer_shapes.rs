//! How the answers of one host call's sub-model prompts make the value the
//! call returns ([`Shape`]): joined, a list, the first real answer, the first
//! answer its own passage bears out, or JSON.

use rlm_functions::pick_first;
use rlm_functions::pyrlm::{json_records, parse_jsonish};
use rlm_interp::Value;

/// How the answers of a job's prompts make its result.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Window-sized parts of one prompt: the answers joined with newlines.
    Joined,
    /// One prompt per item (`ask_chunks`): the list of answers.
    List,
    /// One prompt per item (`ask_chunks_first`): the first real answer, or None.
    First,
    /// One prompt per passage (`answer_from_chunks`): the first real answer
    /// its passage confirms, or None.
    Verified,
    /// Window-sized parts of one prompt, joined and read as JSON
    /// (`llm_query_json`; `records`: `llm_query_records`).
    Json { records: bool },
}

/// A job's answers (one per part of its prompt) as the value its call returns.
pub(crate) fn shaped(answers: Vec<String>, shape: Shape, passages: &[String]) -> Value {
    match shape {
        Shape::Joined => Value::str(answers.join("\n")),
        Shape::Json { records } => {
            let parsed = parse_jsonish(&answers.join("\n"));
            if records { json_records(parsed) } else { parsed }
        }
        Shape::List => Value::list(answers.into_iter().map(Value::str).collect()),
        Shape::First => {
            let answers: Vec<Value> = answers.into_iter().map(Value::str).collect();
            pick_first(&answers).map(Value::str).unwrap_or(Value::None)
        }
        Shape::Verified => answers
            .iter()
            .zip(passages)
            .find_map(|(a, passage)| {
                let picked = pick_first(&[Value::str(a.as_str())])?;
                confirmed_by(&picked, passage).then_some(picked)
            })
            .map(Value::str)
            .unwrap_or(Value::None),
    }
}

/// Whether `passage` bears out `answer`: it holds the answer (quotes and a
/// final period trimmed), or a distinctive token of it (3+ characters with a
/// digit, or a capitalised word not at the answer's start), case-insensitive.
/// A sub-model's sentence ("The code is ZX-3390.") passes by its token; an
/// invented answer does not.
fn confirmed_by(answer: &str, passage: &str) -> bool {
    let hay = passage.to_lowercase();
    let bare = answer.trim().trim_matches(|c| c == '"' || c == '\'' || c == '.').to_lowercase();
    if !bare.is_empty() && contains_whole(&hay, &bare) {
        return true;
    }
    answer
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '(' | ')'))
        .map(|t| t.trim_end_matches(['.', ':', '!', '?']))
        .enumerate()
        .filter(|(i, t)| {
            t.chars().count() >= 3
                && (t.chars().any(|c| c.is_ascii_digit())
                    || (*i > 0 && t.chars().next().is_some_and(char::is_uppercase)))
        })
        .any(|(_, t)| contains_whole(&hay, &t.to_lowercase()))
}

/// `needle` occurs in `hay` not inside a longer word or number.
fn contains_whole(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::confirmed_by;

    #[test]
    fn answers_are_confirmed_by_their_passage() {
        let passage = "Notes. The launch code of the Orion project is ZX-3390. More notes.";
        assert!(confirmed_by("ZX-3390", passage));
        assert!(confirmed_by("The launch code is ZX-3390.", passage));
        assert!(confirmed_by("\"zx-3390\"", passage));
        assert!(!confirmed_by("AB-1234", passage));
        assert!(!confirmed_by("The code is 4817.", passage));
        assert!(!confirmed_by("the", "other"));
        assert!(!confirmed_by("4817", "code 48170"));
    }
}
