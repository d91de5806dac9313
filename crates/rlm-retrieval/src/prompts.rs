//! The model-facing text of the rerankers, the query rewriter and the first-step evidence: templates
//! from the crate's own `prompts/` directory, rendered strictly (every
//! placeholder filled, no unknown one left). Snapshot-tested in `tests/prompts.rs`.

use crate::error::{Result, RetrievalError};

/// The templates, overridable by embedders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrievalPrompts {
    /// Placeholders: `{count}`, `{passages}`, `{query}`.
    pub rerank_listwise: String,
    /// Placeholders: `{count}`, `{passages}`, `{query}`, `{keep}`.
    pub rerank_select: String,
    /// The rewriter's system prompt. Placeholder: `{n}`.
    pub query_rewrite: String,
    /// The evidence block of a retrieval-aware first step. Placeholders: `{terms}`, `{hits}`.
    pub retrieval_evidence: String,
}

impl Default for RetrievalPrompts {
    fn default() -> Self {
        RetrievalPrompts {
            rerank_listwise: include_str!("../prompts/rerank_listwise.md").to_string(),
            rerank_select: include_str!("../prompts/rerank_select.md").to_string(),
            query_rewrite: include_str!("../prompts/query_rewrite.md").to_string(),
            retrieval_evidence: include_str!("../prompts/retrieval_evidence.md").to_string(),
        }
    }
}

/// Replaces each `{name}` of `values` in `template`; a listed placeholder the
/// template lacks, or a `{word}` left unfilled, is an error.
pub(crate) fn render(template: &str, values: &[(&str, &str)]) -> Result<String> {
    let mut out = template.to_string();
    for (name, value) in values {
        let placeholder = format!("{{{name}}}");
        if !out.contains(&placeholder) {
            return Err(RetrievalError::invalid(format!("prompt template has no {placeholder}")));
        }
        out = out.replace(&placeholder, &value.replace('{', "\u{0}").replace('}', "\u{1}"));
    }
    if let Some(left) = unfilled(&out) {
        return Err(RetrievalError::invalid(format!(
            "prompt template placeholder {left} has no value"
        )));
    }
    // Values may contain braces; they were shielded from the check above.
    Ok(out.trim_end().replace('\u{0}', "{").replace('\u{1}', "}"))
}

/// The first `{identifier}` in `text`.
fn unfilled(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let tail = &rest[open + 1..];
        let len =
            tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        if len > 0 && tail[len..].starts_with('}') {
            return Some(&rest[open..open + len + 2]);
        }
        rest = tail;
    }
    None
}

/// Numbered passages, each cut to `max_chars` code points: `[1] text`.
pub(crate) fn numbered_passages<'a>(
    texts: impl Iterator<Item = &'a str>,
    max_chars: usize,
) -> String {
    let mut out = String::new();
    for (i, text) in texts.enumerate() {
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut: String = one_line.chars().take(max_chars).collect();
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("[{}] {}", i + 1, cut));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_is_strict_and_keeps_braces_in_values() {
        assert_eq!(render("q={query}", &[("query", "{x}")]).unwrap(), "q={x}");
        assert!(render("q={query} {other}", &[("query", "x")]).is_err());
        assert!(render("no placeholder", &[("query", "x")]).is_err());
        // JSON in a template is not a placeholder.
        assert_eq!(render("{\"a\": 1} {n}", &[("n", "3")]).unwrap(), "{\"a\": 1} 3");
    }

    #[test]
    fn passages_are_numbered_flattened_and_cut() {
        let p = numbered_passages(["a\n b", "ccccc"].into_iter(), 3);
        assert_eq!(p, "[1] a b\n[2] ccc");
    }
}
