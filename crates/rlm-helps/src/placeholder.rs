//! Answers that are only template text: a small model copies the `FINAL(...)`
//! example of its prompt instead of writing the answer it saw (issue #19: at
//! logs 100K the 1.5B printed the right count, then wrote
//! `FINAL("the answer")`). [`is_placeholder`] recognises such a value (the
//! prompts' own slot wording, "answer", "your answer", "<answer>", "...",
//! an empty string, "None", and any `<slot written in words>`); the loop
//! refuses it and asks again.
//!
//! Only whole values are matched: "The answer is 42" is an answer.

/// What a placeholder reads as once [`normalise`]d.
const PLACEHOLDERS: &[&str] = &[
    "",
    "answer",
    "the answer",
    "an answer",
    "your answer",
    "my answer",
    "final answer",
    "the final answer",
    "your final answer",
    "best answer",
    "your best answer",
    "answer here",
    "your answer here",
    "the answer here",
    "insert answer",
    "insert answer here",
    "answer text",
    "the answer text",
    // The slot of the prompts (`FINAL("<the answer itself>")`).
    "the answer itself",
    "..",
    "...",
    "…",
    "none",
    "null",
    "n/a",
    "placeholder",
    "todo",
];

/// Whether `value` (a FINAL's value, as text) is only a placeholder.
pub fn is_placeholder(value: &str) -> bool {
    PLACEHOLDERS.contains(&normalise(value).as_str()) || is_slot(value)
}

/// A slot written as the prompts write theirs, `<` words `>` with a space
/// between them: a 0.5B model, shown the passage that held the code, wrote
/// `FINAL("<launch code of the Orion project>")` (issue #60's grid). A tag
/// or an address in brackets (`<div>`, `<ada@example.com>`) has no space,
/// and one with attributes has `=` or quotes.
fn is_slot(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'', '`']).trim();
    let Some(inner) = v.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')) else {
        return false;
    };
    inner.trim().contains(' ')
        && inner.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '\''))
}

/// Lower-cased, whitespace collapsed, wrapping quotes and brackets
/// (`"..."`, `<...>`, `[...]`, `{...}`, `(...)`, backticks) and trailing
/// `.`/`:` removed, repeatedly.
fn normalise(value: &str) -> String {
    let mut s: String = value.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    loop {
        let trimmed = s.trim().trim_end_matches([':', '!']).trim();
        let inner =
            [('"', '"'), ('\'', '\''), ('`', '`'), ('<', '>'), ('[', ']'), ('{', '}'), ('(', ')')]
                .iter()
                .find_map(|&(open, close)| {
                    trimmed.strip_prefix(open).and_then(|rest| rest.strip_suffix(close))
                });
        let next = match inner {
            Some(inner) => inner.trim().to_string(),
            // A single trailing full stop ("the answer.") but not "...".
            None if trimmed.ends_with('.') && !trimmed.ends_with("..") => {
                trimmed.trim_end_matches('.').trim().to_string()
            }
            None => trimmed.to_string(),
        };
        if next == s {
            return s;
        }
        s = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_text_is_a_placeholder() {
        for p in [
            "answer",
            "the answer",
            "The Answer",
            "  your answer ",
            "<answer>",
            "<the answer itself>",
            "\"<your answer>\"",
            "'the answer'",
            "[answer]",
            "{answer}",
            "{{answer}}",
            "...",
            "…",
            "",
            "   ",
            "None",
            "null",
            "the answer.",
            "`answer`",
            "Your final answer",
            "<launch code of the Orion project>",
            "\"<the vault's passphrase>\"",
        ] {
            assert!(is_placeholder(p), "{p:?} should be a placeholder");
        }
    }

    #[test]
    fn real_answers_are_not() {
        for a in [
            "The answer is 42",
            "42",
            "0",
            "23",
            "cobalt-harbor-71",
            "answer: 42",
            "No answer was found in the text",
            "ZX-3390.",
            "The answer is 4817.",
            "answers",
            "a",
            "<div>",
            "<ada@example.com>",
            "<a href=\"x\">link</a>",
            "<3 and >2",
        ] {
            assert!(!is_placeholder(a), "{a:?} is an answer");
        }
    }
}
