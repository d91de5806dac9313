//! Token and cost estimates made before a call (for budget reservations and
//! token rate limits) and the cost of a call's real usage.

use std::collections::HashMap;

use rlm_types::{CompletionRequest, ModelId, Price, Usage};

/// Estimates what a request will use and prices usage. The embedder usually
/// implements it with a real tokenizer and the adapters' price table;
/// [`HeuristicCosting`] is the dependency-free default.
pub trait Costing: Send + Sync {
    /// Expected prompt and completion tokens of `request` on `model`.
    fn estimate_usage(&self, model: &ModelId, request: &CompletionRequest) -> Usage;
    /// Dollars charged for `usage` on `model`.
    fn cost_usd(&self, model: &ModelId, usage: &Usage) -> f64;
}

/// How [`HeuristicCosting`] counts prompt tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EstimateMode {
    /// About 4 characters per token (English text on GPT-style tokenizers),
    /// rounded up: close to the real count, so reservations are tight, but a
    /// call can use more than it reserved.
    #[default]
    Typical,
    /// One token per UTF-8 byte: a byte-level BPE tokenizer never produces more
    /// tokens than bytes, so with the completion capped by `max_tokens` the
    /// reservation is an upper bound and a budget is never overshot.
    UpperBound,
}

/// Chat-template overhead per message and per request, as OpenAI documents it.
const TOKENS_PER_MESSAGE: u64 = 4;
const TOKENS_PER_REQUEST: u64 = 3;

/// Character-count token estimates and a per-model price table.
#[derive(Debug, Clone)]
pub struct HeuristicCosting {
    pub mode: EstimateMode,
    /// Completion tokens assumed when a request sets no `max_tokens`.
    pub default_completion_tokens: u32,
    /// Models not listed cost nothing.
    pub prices: HashMap<ModelId, Price>,
}

impl Default for HeuristicCosting {
    fn default() -> Self {
        Self { mode: EstimateMode::Typical, default_completion_tokens: 512, prices: HashMap::new() }
    }
}

impl Costing for HeuristicCosting {
    fn estimate_usage(&self, _model: &ModelId, request: &CompletionRequest) -> Usage {
        let mut prompt = TOKENS_PER_REQUEST;
        for message in &request.messages {
            let content = match self.mode {
                EstimateMode::Typical => rlm_types::estimate_tokens(&message.content),
                EstimateMode::UpperBound => message.content.len() as u64,
            };
            prompt = prompt.saturating_add(content).saturating_add(TOKENS_PER_MESSAGE);
        }
        let completion =
            u64::from(request.params.max_tokens.unwrap_or(self.default_completion_tokens));
        Usage { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0 }
    }

    fn cost_usd(&self, model: &ModelId, usage: &Usage) -> f64 {
        match self.prices.get(model) {
            Some(price) => price.cost(usage),
            None => 0.0,
        }
    }
}
