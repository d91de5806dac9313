//! `RuleModel`: a sub-model that answers by rules from the text inside the
//! prompt, so that RLM runs over generated tasks are exact and offline.
//!
//! Rules, checked in order on the whole prompt (all messages joined):
//! 1. **Needle** — the prompt asks "What is the special magic number for KEY?":
//!    reply with the number of the sentence "The special magic number for KEY
//!    is N." found in the prompt, else `NOT FOUND`.
//! 2. **OOLONG** — the prompt holds `Instance: ` records: if it also asks an
//!    OOLONG question ("How many instances are labelled 'X'?", "Which label is
//!    the most common among the instances?") reply with the answer over those
//!    records; otherwise reply with the label counts as compact JSON,
//!    `{"abbreviation":3,"entity":0,...}` (every label, in [`Label::ALL`] order).
//! 3. Anything else: a short deterministic reply naming the prompt's size.
//!
//! Like a real model it has a context window (tokens estimated at 4 characters
//! each, like `FakeAdapter`): a prompt (plus `max_tokens`) over it fails with
//! [`AdapterError::ContextLengthExceeded`], so a baseline that stuffs a huge
//! context into one call fails as it would against a real API.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::future::BoxFuture;
use rlm_adapters::{AdapterError, CallReport, ModelAdapter};
use rlm_types::{
    Completion, CompletionRequest, FinishReason, ModelId, Usage, estimate_tokens,
    estimate_tokens_for_chars,
};

use crate::needle::{NEEDLE_QUESTION_PREFIX, NEEDLE_SENTENCE_PREFIX};
use crate::oolong::{
    COUNT_QUESTION_PREFIX, INSTANCE_MARKER, Label, MOST_COMMON_QUESTION, count_labels,
    unique_most_common,
};

/// The reply when a needle prompt's text does not hold the key's sentence.
pub const NOT_FOUND: &str = "NOT FOUND";

/// A deterministic rule-based sub-model (see the module docs for its rules).
#[derive(Debug)]
pub struct RuleModel {
    name: String,
    context_window: u64,
    calls: AtomicU64,
    refused: AtomicU64,
    usage: Mutex<Usage>,
}

impl Default for RuleModel {
    fn default() -> Self {
        RuleModel::new()
    }
}

impl RuleModel {
    /// Window of [`RuleModel::new`], in tokens: 32K, about 128 KB of text.
    pub const DEFAULT_CONTEXT_WINDOW: u64 = 32_768;

    /// A rule model named `rules:rlm-tasks` with a 32K-token window.
    pub fn new() -> RuleModel {
        RuleModel {
            name: "rlm-tasks".into(),
            context_window: Self::DEFAULT_CONTEXT_WINDOW,
            calls: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            usage: Mutex::new(Usage::default()),
        }
    }

    /// The same model with a context window of `tokens` (at least 1).
    pub fn with_context_window(mut self, tokens: u64) -> RuleModel {
        self.context_window = tokens.max(1);
        self
    }

    /// The same model under another model name (its id becomes `rules:<name>`).
    pub fn with_model_name(mut self, name: impl Into<String>) -> RuleModel {
        self.name = name.into();
        self
    }

    /// Calls answered so far (successful or refused).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Calls refused for exceeding the context window.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Usage of every successful call so far.
    pub fn total_usage(&self) -> Usage {
        *self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The rules' reply to `prompt`, ignoring the context window.
    pub fn reply_to(&self, prompt: &str) -> String {
        reply_by_rules(prompt)
    }

    /// One call: checks the window, applies the rules, accounts usage.
    pub fn answer(&self, request: &CompletionRequest) -> Result<Completion, AdapterError> {
        let started = Instant::now();
        self.calls.fetch_add(1, Ordering::Relaxed);
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let prompt_tokens = estimate_tokens_for_chars(prompt_chars as u64);
        let completion_budget = request.params.max_tokens.map_or(0, u64::from);
        let requested = prompt_tokens.saturating_add(completion_budget);
        if requested > self.context_window {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(AdapterError::ContextLengthExceeded {
                status: 400,
                provider_message: format!(
                    "This model's maximum context length is {} tokens. However, you requested \
                     {requested} tokens ({prompt_tokens} in the messages, {completion_budget} \
                     in the completion). Please reduce the length of the messages or completion.",
                    self.context_window
                ),
            });
        }
        let prompt = match request.messages.as_slice() {
            [one] => std::borrow::Cow::Borrowed(one.content.as_str()),
            many => std::borrow::Cow::Owned(
                many.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n"),
            ),
        };
        let mut text = reply_by_rules(&prompt);
        let mut finish = FinishReason::Stop;
        if let Some(max) = request.params.max_tokens {
            let max_chars = usize::try_from(max).unwrap_or(usize::MAX).saturating_mul(4);
            if text.len() > max_chars {
                // Replies are ASCII, so any byte index is a char boundary.
                text.truncate(max_chars);
                finish = FinishReason::Length;
            }
        }
        let usage =
            Usage { prompt_tokens, completion_tokens: estimate_tokens(&text), cached_tokens: 0 };
        *self.usage.lock().unwrap_or_else(|p| p.into_inner()) += usage;
        Ok(Completion {
            text,
            usage,
            finish_reason: Some(finish),
            model: self.name.clone(),
            latency: started.elapsed(),
        })
    }
}

impl ModelAdapter for RuleModel {
    fn model_id(&self) -> ModelId {
        ModelId::new("rules", self.name.as_str())
    }

    fn context_window(&self) -> Option<u64> {
        Some(self.context_window)
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move { CallReport::single(self.answer(request)) })
    }
}

fn reply_by_rules(prompt: &str) -> String {
    if let Some(key) = needle_key(prompt) {
        return find_magic_number(prompt, key).unwrap_or_else(|| NOT_FOUND.to_string());
    }
    if prompt.contains(INSTANCE_MARKER) {
        let counts = count_labels(prompt);
        if let Some(label) = asked_count_label(prompt) {
            return counts[label as usize].to_string();
        }
        if prompt.contains(MOST_COMMON_QUESTION) {
            return match unique_most_common(&counts) {
                Some(l) => l.to_string(),
                None => "There is no single most common label.".to_string(),
            };
        }
        return counts_json(&counts);
    }
    format!("I have no rule for this prompt ({} characters).", prompt.chars().count())
}

/// The key of a needle question in the prompt ("... magic number for KEY?").
fn needle_key(prompt: &str) -> Option<&str> {
    let at = prompt.find(NEEDLE_QUESTION_PREFIX)? + NEEDLE_QUESTION_PREFIX.len();
    let rest = &prompt[at..];
    let end = rest.find('?')?;
    let key = rest[..end].trim();
    (!key.is_empty() && !key.contains(char::is_whitespace)).then_some(key)
}

/// The number in a whole sentence "The special magic number for KEY is N." in `text`.
fn find_magic_number(text: &str, key: &str) -> Option<String> {
    let sentence = format!("{NEEDLE_SENTENCE_PREFIX}{key} is ");
    let mut from = 0;
    while let Some(i) = text[from..].find(&sentence) {
        let start = from + i + sentence.len();
        let rest = &text[start..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        // A sentence cut at a chunk's end ("... is 48") is not an answer: require the period.
        if digits > 0 && rest.as_bytes().get(digits) == Some(&b'.') {
            return Some(rest[..digits].to_string());
        }
        from = start;
    }
    None
}

/// The label of a count question in the prompt ("How many instances are labelled 'X'?").
fn asked_count_label(prompt: &str) -> Option<Label> {
    let at = prompt.find(COUNT_QUESTION_PREFIX)? + COUNT_QUESTION_PREFIX.len();
    let rest = &prompt[at..];
    rest[..rest.find('\'')?].parse().ok()
}

fn counts_json(counts: &[u64; 6]) -> String {
    let mut out = String::from("{");
    for (i, label) in Label::ALL.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{label}\":{}", counts[i]));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_types::ChatMessage;

    fn complete(model: &RuleModel, req: &CompletionRequest) -> Result<Completion, AdapterError> {
        futures::executor::block_on(model.complete(req))
    }

    #[test]
    fn needle_rule_finds_the_asked_key_only() {
        let text = "Filler. The special magic number for amber-otter is 1234567. More. \
                    The special magic number for jade-lynx is 7654321. End.";
        let m = RuleModel::new();
        let ask = |k: &str| m.reply_to(&format!("Question: {NEEDLE_QUESTION_PREFIX}{k}?\n{text}"));
        assert_eq!(ask("jade-lynx"), "7654321");
        assert_eq!(ask("amber-otter"), "1234567");
        assert_eq!(ask("jade-otter"), NOT_FOUND);
        assert_eq!(ask("jade"), NOT_FOUND);
        // A sentence cut mid-number (at a chunk's end) is not an answer.
        let cut = format!(
            "{NEEDLE_QUESTION_PREFIX}teal-yak?\nThe special magic number for teal-yak is 12"
        );
        assert_eq!(m.reply_to(&cut), NOT_FOUND);
    }

    #[test]
    fn oolong_rules_count_as_json_or_answer_the_question() {
        let records = "Date: Jan 01, 2000 || User: 11111 || Instance: Where is the quiet tower located?\n\
                       Date: Jan 01, 2000 || User: 22222 || Instance: Who built the royal canal?\n\
                       Date: Jan 02, 2000 || User: 33333 || Instance: Where is the oldest bridge located?\n";
        let m = RuleModel::new();
        assert_eq!(
            m.reply_to(&format!("Label these.\n{records}")),
            r#"{"abbreviation":0,"entity":0,"description":0,"human":1,"location":2,"numeric":0}"#
        );
        let v: serde_json::Value = serde_json::from_str(&m.reply_to(records)).unwrap();
        assert_eq!(v["location"], 2);
        assert_eq!(m.reply_to(&format!("{records}\n{MOST_COMMON_QUESTION}")), "location");
        assert_eq!(
            m.reply_to(&format!("{records}\nHow many instances are labelled 'human'?")),
            "1"
        );
    }

    #[test]
    fn other_prompts_get_a_short_deterministic_reply() {
        let m = RuleModel::new();
        assert_eq!(m.reply_to("hello"), m.reply_to("hello"));
        assert!(m.reply_to("hello").contains("5 characters"));
    }

    #[test]
    fn window_is_enforced_with_the_context_length_error_and_usage_is_counted() {
        let m = RuleModel::new().with_context_window(10).with_model_name("tiny");
        assert_eq!(m.model_id().to_string(), "rules:tiny");
        assert_eq!(m.context_window(), Some(10));
        let ok = complete(&m, &CompletionRequest::user("a".repeat(40))).unwrap();
        assert_eq!(ok.usage.prompt_tokens, 10);
        assert_eq!(ok.finish_reason, Some(FinishReason::Stop));
        let err = complete(&m, &CompletionRequest::user("a".repeat(41))).unwrap_err();
        assert!(err.is_context_length_exceeded(), "{err}");
        assert!(err.to_string().contains("maximum context length is 10 tokens"), "{err}");
        // max_tokens counts against the window too.
        let mut req = CompletionRequest::user("a".repeat(36));
        req.params.max_tokens = Some(2);
        assert!(complete(&m, &req).unwrap_err().is_context_length_exceeded());
        assert_eq!((m.calls(), m.refused()), (3, 2));
        assert_eq!(m.total_usage().prompt_tokens, 10);
        assert_eq!(m.total_usage().completion_tokens, ok.usage.completion_tokens);
    }

    #[test]
    fn rules_see_every_message_and_max_tokens_cuts_the_reply() {
        let m = RuleModel::new();
        let mut req = CompletionRequest {
            messages: vec![
                ChatMessage::system("The special magic number for teal-yak is 5550001."),
                ChatMessage::user(format!("{NEEDLE_QUESTION_PREFIX}teal-yak?")),
            ],
            params: Default::default(),
            traceparent: None,
        };
        assert_eq!(complete(&m, &req).unwrap().text, "5550001");
        req.params.max_tokens = Some(1);
        let cut = complete(&m, &req).unwrap();
        assert_eq!((cut.text.as_str(), cut.finish_reason), ("5550", Some(FinishReason::Length)));
    }
}
