//! Helpers shared by the integration tests: deterministic requests and completions.
#![allow(dead_code)]

use std::time::Duration;

use rlm_types::{Completion, CompletionRequest, FinishReason, ModelId, Usage};

pub fn model() -> ModelId {
    ModelId::new("openai", "gpt-5-mini")
}

pub fn request(i: u64) -> CompletionRequest {
    CompletionRequest::user(format!("question number {i}: what is {i} squared?"))
}

/// A completion whose text is `filler` bytes long and identifies `i`.
pub fn completion(i: u64, filler: usize) -> Completion {
    Completion {
        text: format!("answer {i}: {}{}", i * i, "x".repeat(filler)),
        usage: Usage { prompt_tokens: 10 + i, completion_tokens: 3, cached_tokens: 0 },
        finish_reason: Some(FinishReason::Stop),
        model: "gpt-5-mini-2025-08-07".into(),
        latency: Duration::from_millis(100 + i % 50),
    }
}
