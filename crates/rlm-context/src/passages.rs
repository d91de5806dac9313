//! Plain term search for a question, with no index: the question's salient
//! words, and the passages of a text where most of them (weighted by rarity)
//! occur together. Small models use it three ways (issue #19): as evidence in
//! the first message, as the text shown when a program printed nothing useful,
//! and as the chunks `answer_from_chunks` asks a sub-model about.
//!
//! One linear regex scan (case-insensitive, whole words) finds every
//! occurrence; windows are scored by the distinct terms they hold, each term
//! weighted `1/sqrt(count)` so a rare word ("passphrase") outweighs a common
//! one ("secret").

use std::collections::HashMap;

use crate::boundary::{ceil_char_boundary, floor_char_boundary};

/// At most this many occurrences are scored (a term in every line of a huge
/// context would otherwise make the scan's bookkeeping grow with it).
const MAX_OCCURRENCES: usize = 200_000;

/// A passage of the text around occurrences of the question's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Code-point offset of the passage in the text (Python's `context[start:end]`).
    pub start: u64,
    /// Code-point offset just past the passage.
    pub end: u64,
    /// The passage itself.
    pub text: String,
    /// The question's terms it holds, lower-cased.
    pub terms: Vec<String>,
    /// Sum of the weights of the distinct terms it holds.
    pub score: f64,
}

/// Words too common to locate anything.
const STOPWORDS: &[&str] = &[
    "about",
    "after",
    "all",
    "also",
    "and",
    "any",
    "are",
    "because",
    "been",
    "before",
    "between",
    "both",
    "but",
    "can",
    "could",
    "did",
    "does",
    "done",
    "each",
    "for",
    "from",
    "give",
    "had",
    "has",
    "have",
    "her",
    "his",
    "how",
    "into",
    "its",
    "just",
    "many",
    "more",
    "most",
    "much",
    "not",
    "only",
    "other",
    "our",
    "out",
    "over",
    "please",
    "say",
    "says",
    "she",
    "should",
    "some",
    "such",
    "tell",
    "text",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "under",
    "until",
    "very",
    "was",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "context",
    "document",
    "documents",
    "answer",
    "question",
    "according",
    "mentioned",
    "given",
    "number",
    "value",
    "name",
];

/// The question's words worth locating: letters/digits (with inner `-`/`_`),
/// 3+ characters, not stopwords, lower-cased, first occurrence order.
pub fn salient_terms(question: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in question.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')) {
        let w = raw.trim_matches(|c| c == '-' || c == '_').to_lowercase();
        if w.chars().count() < 3 || STOPWORDS.contains(&w.as_str()) {
            continue;
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    // "What is the code?" alone still deserves a search.
    if out.is_empty() {
        for raw in question.split(|c: char| !c.is_alphanumeric()) {
            let w = raw.to_lowercase();
            if w.chars().count() >= 3 && !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

/// The best `max` non-overlapping passages of about `width` characters
/// around occurrences of `terms` (case-insensitive, whole words), best
/// first. Empty when no term occurs.
pub fn best_passages(text: &str, terms: &[String], width: usize, max: usize) -> Vec<Passage> {
    if terms.is_empty() || max == 0 || text.is_empty() {
        return Vec::new();
    }
    let Some(re) = terms_regex(terms) else {
        return Vec::new();
    };
    let index: HashMap<String, usize> =
        terms.iter().enumerate().map(|(i, t)| (t.to_lowercase(), i)).collect();
    let mut hits: Vec<(usize, usize)> = Vec::new(); // (byte offset, term index)
    for m in re.find_iter(text).take(MAX_OCCURRENCES) {
        if let Some(&t) = index.get(&m.as_str().to_lowercase()) {
            hits.push((m.start(), t));
        }
    }
    if hits.is_empty() {
        return Vec::new();
    }
    let mut counts = vec![0usize; terms.len()];
    for &(_, t) in &hits {
        counts[t] += 1;
    }
    let weight: Vec<f64> =
        counts.iter().map(|&c| if c == 0 { 0.0 } else { 1.0 / (c as f64).sqrt() }).collect();
    // Each hit anchors a window [p - width/4, p + 3*width/4) (an answer
    // usually follows the words that ask for it): score the distinct terms
    // inside it with two pointers over the sorted hits.
    let before = width / 4;
    let after = width - before;
    let mut scored: Vec<(f64, usize)> = Vec::with_capacity(hits.len());
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut inside = vec![0usize; terms.len()];
    let mut score = 0.0f64;
    for (i, &(p, _)) in hits.iter().enumerate() {
        let from = p.saturating_sub(before);
        while hi < hits.len() && hits[hi].0 < p + after {
            let t = hits[hi].1;
            if inside[t] == 0 {
                score += weight[t];
            }
            inside[t] += 1;
            hi += 1;
        }
        while lo < hi && hits[lo].0 < from {
            let t = hits[lo].1;
            inside[t] -= 1;
            if inside[t] == 0 {
                score -= weight[t];
            }
            lo += 1;
        }
        scored.push((score, i));
    }
    // Best score first; ties: anchored on the rarer term, then earliest.
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(weight[hits[b.1].1].total_cmp(&weight[hits[a.1].1]))
            .then(a.1.cmp(&b.1))
    });
    let mut chosen: Vec<(usize, usize, f64)> = Vec::new(); // byte ranges
    for (s, i) in scored {
        if chosen.len() == max {
            break;
        }
        let p = hits[i].0;
        let (a, b) = window(text, p, before, after);
        if chosen.iter().any(|&(ca, cb, _)| a < cb && ca < b) {
            continue;
        }
        chosen.push((a, b, s));
    }
    chosen
        .into_iter()
        .map(|(a, b, s)| {
            let body = &text[a..b];
            let lower = body.to_lowercase();
            let held = terms
                .iter()
                .filter(|t| re.find_iter(&lower).any(|m| m.as_str() == t.as_str()))
                .cloned()
                .collect();
            let start = text[..a].chars().count() as u64;
            Passage {
                start,
                end: start + body.chars().count() as u64,
                text: body.to_string(),
                terms: held,
                score: s,
            }
        })
        .collect()
}

/// A case-insensitive whole-word regex for any of `terms`.
fn terms_regex(terms: &[String]) -> Option<regex::Regex> {
    let alternatives: Vec<String> = terms.iter().map(|t| regex::escape(t)).collect();
    regex::RegexBuilder::new(&format!(r"\b(?:{})\b", alternatives.join("|")))
        .case_insensitive(true)
        .size_limit(1 << 22)
        .build()
        .ok()
}

/// Byte range from about `before` bytes before `p` to `after` bytes after
/// it, on char boundaries, narrowed to whitespace so words are not cut.
fn window(text: &str, p: usize, before: usize, after: usize) -> (usize, usize) {
    let mut a = floor_char_boundary(text, p.saturating_sub(before));
    let mut b = ceil_char_boundary(text, (p + after).min(text.len()));
    // Step to a word boundary (at most 20 bytes each way). The probes' far
    // ends are rounded to char boundaries too: 20 bytes from a boundary can
    // land inside a multi-byte character.
    if a > 0 {
        let probe_end = floor_char_boundary(text, (a + 20).min(p));
        if let Some(sp) = text.get(a..probe_end).and_then(|s| s.find(char::is_whitespace)) {
            a += sp + 1;
        }
    }
    if b < text.len() {
        let probe_start = ceil_char_boundary(text, b.saturating_sub(20).max(p));
        if let Some(sp) = text.get(probe_start..b).and_then(|s| s.rfind(char::is_whitespace)) {
            b = probe_start + sp;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_stay_on_char_boundaries_next_to_multibyte_text() {
        // A hit surrounded by two- and three-byte characters, at every offset
        // of the window's edges: the probes for a word boundary used to cut a
        // character in two and panic (a 2 MB essay with curly quotes did).
        for pad in 0..8 {
            let text = format!("{}é’ needle ’é{}", "x".repeat(pad), "é’ ".repeat(30));
            let p = text.find("needle").unwrap();
            for before in 0..30 {
                for after in 0..30 {
                    let (a, b) = window(&text, p, before, after);
                    assert!(
                        text.is_char_boundary(a) && text.is_char_boundary(b),
                        "{pad} {before} {after}"
                    );
                    assert!(a <= p && b <= text.len());
                }
            }
        }
    }

    #[test]
    fn salient_terms_drop_stopwords_and_keep_codes() {
        assert_eq!(
            salient_terms("What is the secret passphrase for the archive vault?"),
            ["secret", "passphrase", "archive", "vault"]
        );
        assert_eq!(salient_terms("What is the code of ZX-3390?"), ["code", "zx-3390"]);
        assert_eq!(salient_terms("Who?"), ["who"]);
    }

    #[test]
    fn the_passage_holding_every_rare_term_wins() {
        let filler = "A secret is worth keeping. ".repeat(400);
        let text = format!(
            "{filler}The secret passphrase for the archive vault is cobalt-harbor-71. {filler}"
        );
        let terms = salient_terms("What is the secret passphrase for the archive vault?");
        let ps = best_passages(&text, &terms, 200, 3);
        assert_eq!(ps.len(), 3);
        assert!(ps[0].text.contains("cobalt-harbor-71"), "{:?}", ps[0]);
        assert_eq!(ps[0].terms, ["secret", "passphrase", "archive", "vault"]);
        let start = ps[0].start as usize;
        let chars: Vec<char> = text.chars().collect();
        let back: String = chars[start..ps[0].end as usize].iter().collect();
        assert_eq!(back, ps[0].text);
        assert!(ps[0].score > ps[1].score);
    }

    #[test]
    fn nothing_found_and_non_ascii_text() {
        assert!(best_passages("nothing here", &salient_terms("passphrase?"), 100, 3).is_empty());
        assert!(best_passages("", &salient_terms("passphrase?"), 100, 3).is_empty());
        let text = "日本語 ".repeat(100) + "the vault code is 7 " + &"é ".repeat(100);
        let ps = best_passages(&text, &salient_terms("vault code"), 40, 2);
        assert_eq!(ps.len(), 1);
        assert!(ps[0].text.contains("vault code is 7"));
        let chars: Vec<char> = text.chars().collect();
        let back: String = chars[ps[0].start as usize..ps[0].end as usize].iter().collect();
        assert_eq!(back, ps[0].text);
    }
}
