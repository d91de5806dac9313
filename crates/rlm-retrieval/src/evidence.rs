//! Evidence for a retrieval-aware first step: the best hits for a question,
//! rendered for the root model's first message (template
//! `prompts/retrieval_evidence.md`, snapshot-tested), so a model starts from
//! text that may hold the answer instead of guessing search terms.

use crate::error::Result;
use crate::preview::query_words;
use crate::prompts::{RetrievalPrompts, render};
use crate::retriever::Retriever;
use crate::types::{Filters, Hit};

/// The top `k` BM25 hits for `question`, rendered; `None` when nothing matches.
pub async fn first_step_evidence(
    retriever: &dyn Retriever,
    question: &str,
    k: usize,
    prompts: &RetrievalPrompts,
) -> Result<Option<String>> {
    let words = query_words(question);
    if words.is_empty() {
        return Ok(None);
    }
    let hits = retriever.search(question, k, &Filters::none()).await?;
    question_evidence(question, &hits, prompts)
}

/// The evidence block for `question` from hits already found (by a search
/// that needs no waiting, e.g. [`crate::EmbeddedRetriever::search_sync`]);
/// `None` when there are none or the question has no searchable word.
pub fn question_evidence(
    question: &str,
    hits: &[Hit],
    prompts: &RetrievalPrompts,
) -> Result<Option<String>> {
    let words = query_words(question);
    if words.is_empty() || hits.is_empty() {
        return Ok(None);
    }
    render_evidence(hits, &words.join(", "), prompts).map(Some)
}

/// Renders hits as the evidence block.
pub fn render_evidence(hits: &[Hit], terms: &str, prompts: &RetrievalPrompts) -> Result<String> {
    let mut lines = Vec::with_capacity(hits.len());
    for (i, hit) in hits.iter().enumerate() {
        let place = match (hit.metadata.get("start"), hit.metadata.get("end")) {
            (Some(s), Some(e)) => format!("context[{s}:{e}], "),
            _ => String::new(),
        };
        let text: String = hit.preview.split_whitespace().collect::<Vec<_>>().join(" ");
        lines.push(format!(
            "[{}] {} ({place}score {:.2})\n    {text}",
            i + 1,
            hit.doc_id,
            hit.score
        ));
    }
    render(&prompts.retrieval_evidence, &[("terms", terms), ("hits", &lines.join("\n"))])
}
