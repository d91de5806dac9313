//! How the runtime talks to models: the [`ModelAdapter`] trait and its
//! implementations — OpenAI-compatible servers (OpenAI, Ollama, vLLM, LM Studio,
//! llama.cpp, OpenRouter), Anthropic Messages, Azure OpenAI, Gemini/Vertex, a
//! generic JSON-template adapter and a scripted fake — with retries that
//! honour the providers' wait hints, typed errors with secrets scrubbed, usage
//! and cost, a fault-injection wrapper for stress tests, and recording and
//! replaying a run's exchanges (`Recorder`, `Replayer`).
//!
//! Start from [`adapter_from_model_string`] (`"openai:gpt-5-mini"`,
//! `"anthropic:claude-sonnet-4-5"`, `"ollama:llama3"`, `"fake:echo"`) or build an
//! adapter from its config struct.
//!
//! ```
//! use rlm_adapters::{EnvVars, ModelAdapter, adapter_from_model_string};
//! use rlm_types::CompletionRequest;
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let adapter = adapter_from_model_string("fake:fixed:FINAL(42)", &EnvVars::default()).unwrap();
//! let report = rt.block_on(adapter.call(&CompletionRequest::user("What is the answer?")));
//! assert_eq!(report.result.unwrap().text, "FINAL(42)");
//! assert!(report.retries.is_empty());
//! assert_eq!(adapter.model_id().to_string(), "fake:fixed");
//! ```

mod adapter;
mod anthropic;
mod azure;
mod config;
mod error;
mod fake;
mod fault;
mod gemini;
mod generic;
mod http;
mod openai;
mod paced;
mod pricing;
mod recording;
mod retry;
mod secret;
mod sse;
mod stream_util;
mod structured;

#[cfg(test)]
mod hostile_tests;

pub use adapter::{
    CallReport, CompletionEvents, ModelAdapter, StreamEvent, StreamReport, collect_stream,
};
pub use anthropic::{AnthropicAdapter, AnthropicConfig};
pub use azure::{AzureAuth, AzureConfig, azure_adapter};
pub use config::{
    EnvVars, FactoryOptions, adapter_from_model_string, adapter_with_options, is_known_provider,
    known_providers,
};
pub use error::{AdapterError, AdapterErrorKind};
pub use fake::{
    FakeAdapter, FakeReply, FakeReplySpec, FakeRule, FakeScript, MatchTarget, SCRIPTED_MODEL,
    WhenExhausted,
};
pub use fault::{Burst, Fault, FaultInjector, FaultRule, FaultStats};
pub use gemini::{GeminiAdapter, GeminiConfig, GeminiEndpoint};
pub use generic::{GenericAdapter, GenericConfig, ResponsePointers};
pub use http::{HttpOptions, MAX_REPLY_BYTES};
pub use openai::{OpenAiAdapter, OpenAiConfig, TokenLimitField};
pub use paced::Paced;
pub use pricing::{PriceTable, known_context_window};
pub use recording::{
    RecordedError, RecordedExchange, Recorder, RecordingSink, RecordingWriter, ReplayBook,
    ReplaySession, Replayer, fingerprint, recorded_models,
};
pub use retry::{
    DEFAULT_CALL_DEADLINE, DelaySource, RetryBudget, RetryGate, RetryListener, RetryPolicy,
    RetryReason, RetryRecord, Sleeper,
};
pub use secret::Secret;
pub use sse::SseParser;
