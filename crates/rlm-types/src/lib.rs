//! Small vocabulary types shared by the leaf crates.
//!
//! The leaf crates (`rlm-adapters`, `rlm-cache`, `rlm-sched`, `rlm-trace`,
//! `rlm-policy`) do not depend on each other; when two of them must agree on
//! the shape of a chat message or a completion, they agree through this crate.
//! It holds plain data only: no I/O, no async, no behaviour beyond arithmetic
//! on usage counts and prices, parsing of model strings, and reading the
//! system clock ([`SystemClock`]; tests inject a [`ManualClock`]; a run's
//! [`RunClock`], which replays move).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

mod clock;
mod price;

pub use clock::{Clock, ManualClock, RunClock, SystemClock};
pub use price::Price;

/// Who said a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of a chat conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: Role::System, content: content.into() }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: Role::User, content: content.into() }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self { role: Role::Assistant, content: content.into() }
    }
}

/// Sampling parameters that change a model's output (and so belong in cache keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Constrained decoding: the reply's shape, for servers that support it
    /// (llama.cpp's `grammar` / `response_format`); adapters of providers
    /// without it ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<OutputConstraint>,
}

/// A shape the server must hold a reply to (constrained decoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputConstraint {
    /// A GBNF grammar (llama.cpp's `grammar` field).
    Grammar(String),
    /// A JSON schema, as JSON text (`response_format: {"type": "json_schema", ...}`).
    JsonSchema(String),
}

/// A request for one chat completion. The model is chosen by the adapter the
/// request is sent to, not by the request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CompletionRequest {
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub params: GenerationParams,
    /// The W3C `traceparent` HTTP adapters send with the request: the span
    /// of the call that makes it, set by whoever opened that span (rlm-core,
    /// when runs are exported as OpenTelemetry traces). Where a call sits in
    /// a trace is not what it asks: it is not serialised (recordings, cache
    /// keys) and two requests differing only in it are equal.
    #[serde(skip)]
    pub traceparent: Option<String>,
}

impl PartialEq for CompletionRequest {
    fn eq(&self, other: &Self) -> bool {
        self.messages == other.messages && self.params == other.params
    }
}

impl CompletionRequest {
    /// A single user message with default parameters.
    pub fn user(prompt: impl Into<String>) -> Self {
        Self::new(vec![ChatMessage::user(prompt)], GenerationParams::default())
    }

    /// `messages` with `params`, outside any trace.
    pub fn new(messages: Vec<ChatMessage>, params: GenerationParams) -> Self {
        Self { messages, params, traceparent: None }
    }
}

/// Token usage of one or more calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Prompt tokens served from the provider's prompt cache (a subset of `prompt_tokens`).
    #[serde(default)]
    pub cached_tokens: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, o: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.saturating_add(o.prompt_tokens),
            completion_tokens: self.completion_tokens.saturating_add(o.completion_tokens),
            cached_tokens: self.cached_tokens.saturating_add(o.cached_tokens),
        }
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        *self = *self + o;
    }
}

/// Why a model stopped generating.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
    ContentFilter,
    ToolCalls,
    Other(String),
}

/// One completed model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    pub usage: Usage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// The model id as the provider reported it (may differ from the one asked for).
    pub model: String,
    /// Wall time of the call, including retries.
    #[serde(with = "duration_ms", default)]
    pub latency: Duration,
}

/// Which adapter and which model: `openai:gpt-5-mini`, `anthropic:claude-sonnet-4`,
/// `ollama:llama3`, `fake:scripted`. Stable: used in cache keys and price lookups.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModelId {
    pub provider: SmolStr,
    pub model: SmolStr,
}

/// A model string without a `provider:` prefix, or with an empty part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "model string {0:?} is not of the form `provider:model` (e.g. `openai:gpt-5-mini`, `ollama:llama3`, `fake:echo`)"
)]
pub struct ModelIdError(pub String);

impl ModelId {
    pub fn new(provider: impl Into<SmolStr>, model: impl Into<SmolStr>) -> Self {
        Self { provider: provider.into(), model: model.into() }
    }
}

impl std::str::FromStr for ModelId {
    type Err = ModelIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((p, m)) if !p.is_empty() && !m.is_empty() => Ok(ModelId::new(p.trim(), m.trim())),
            _ => Err(ModelIdError(s.to_string())),
        }
    }
}

/// A provider as users know it: the offline scripted model's is `scripted`,
/// not the adapters' internal `fake` (which recordings and their
/// fingerprints keep); any other as it is.
pub fn shown_provider(provider: &str) -> &str {
    if provider == "fake" { "scripted" } else { provider }
}

/// A model id as users know it ([`shown_provider`]'s rule).
pub fn shown_model_id(id: &str) -> String {
    match id.split_once(':') {
        Some((provider, model)) => format!("{}:{model}", shown_provider(provider)),
        None => id.to_string(),
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.model)
    }
}

/// Estimated tokens of `text` without a tokenizer: about 4 characters per
/// token, rounded up (English prose on GPT-style tokenizers; text in scripts
/// such as CJK runs closer to one token per character, so this underestimates
/// it). The one estimate every crate uses (budget reservations, the scripted
/// adapters' usage, window checks, context metadata); an exact count needs a
/// tokenizer (`rlm_context::Encoding::count`).
pub fn estimate_tokens(text: &str) -> u64 {
    estimate_tokens_for_chars(text.chars().count() as u64)
}

/// [`estimate_tokens`] of a text of `chars` characters.
pub fn estimate_tokens_for_chars(chars: u64) -> u64 {
    chars.div_ceil(4)
}

/// A store of completed calls, consulted before a model is called.
///
/// Defined here so that the scheduler (which consults it) and the sled cache
/// (which implements it) need not depend on each other. A cache never fails a
/// call: anything it cannot read is a miss, anything it cannot write is dropped
/// (implementations count both in their statistics).
pub trait CompletionCache: Send + Sync {
    /// The stored completion for this model and request, if any.
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion>;
    /// Store a completion for this model and request.
    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion);
}

/// Serde helper: a `Duration` as integer milliseconds.
pub mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_id_round_trips() {
        let id: ModelId = "openai:gpt-5-mini".parse().unwrap();
        assert_eq!(id.provider, "openai");
        assert_eq!(id.model, "gpt-5-mini");
        assert_eq!(id.to_string(), "openai:gpt-5-mini");
        // model names may themselves contain colons (ollama tags)
        let id: ModelId = "ollama:llama3:8b".parse().unwrap();
        assert_eq!(id.model, "llama3:8b");
        assert!("gpt-5".parse::<ModelId>().is_err());
        assert!(":x".parse::<ModelId>().is_err());
    }

    #[test]
    fn completion_serde_round_trip() {
        let c = Completion {
            text: "hi".into(),
            usage: Usage { prompt_tokens: 3, completion_tokens: 1, cached_tokens: 0 },
            finish_reason: Some(FinishReason::Stop),
            model: "m".into(),
            latency: Duration::from_millis(12),
        };
        let j = serde_json::to_string(&c).unwrap();
        let back: Completion = serde_json::from_str(&j).unwrap();
        assert_eq!(back, c);
        assert_eq!((c.usage + c.usage).total(), 8);
    }
}
