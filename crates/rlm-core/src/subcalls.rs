//! Sub-model calls: the scheduler's executor over the configured adapters,
//! request building, and the window check that turns an oversized prompt into
//! an error the program can see (or into window-sized parts).

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_adapters::{AdapterError, ModelAdapter, RetryReason};
use rlm_sched::SubcallExecutor;
use rlm_types::{ChatMessage, Completion, CompletionRequest, GenerationParams, ModelId};

use crate::rlm::OverflowPolicy;

/// Calls the adapter registered for the request's model.
pub struct AdapterExecutor {
    models: HashMap<ModelId, Arc<dyn ModelAdapter>>,
    default: Arc<dyn ModelAdapter>,
}

impl AdapterExecutor {
    pub(crate) fn new(models: Vec<Arc<dyn ModelAdapter>>, default: Arc<dyn ModelAdapter>) -> Self {
        // The sub-model first: if another model shares its id, subcalls still reach it.
        let mut map = HashMap::new();
        map.insert(default.model_id(), Arc::clone(&default));
        for m in models {
            map.entry(m.model_id()).or_insert(m);
        }
        AdapterExecutor { models: map, default }
    }

    /// The adapter for a program's `model=` argument (`None`: the sub-model).
    pub(crate) fn resolve(&self, name: Option<&str>) -> Result<Arc<dyn ModelAdapter>, String> {
        let Some(name) = name else { return Ok(Arc::clone(&self.default)) };
        if let Some(a) = self.models.values().find(|a| {
            let id = a.model_id();
            id.to_string() == name || id.model == name
        }) {
            return Ok(Arc::clone(a));
        }
        let mut known: Vec<String> = self.models.keys().map(|k| k.to_string()).collect();
        known.sort();
        Err(format!("unknown model '{name}'; available: {}", known.join(", ")))
    }
}

impl SubcallExecutor for AdapterExecutor {
    type Error = AdapterError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, AdapterError>> {
        let adapter = self.models.get(model).cloned();
        let model = model.clone();
        Box::pin(async move {
            match adapter {
                Some(a) => a.call(&request).await.result,
                None => Err(AdapterError::synthetic(
                    rlm_adapters::ErrorKind::ModelNotFound,
                    format!("no adapter for {model}"),
                )),
            }
        })
    }
}

/// Estimated tokens of a text (about 4 characters per token, rounded up),
/// the same rule the scripted adapter and the scheduler's heuristic use.
pub(crate) fn estimate_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4)
}

/// A subcall request: the subcall system prompt and the program's prompt.
pub(crate) fn request(system: &str, prompt: String, max_tokens: Option<u32>) -> CompletionRequest {
    CompletionRequest {
        messages: vec![ChatMessage::system(system), ChatMessage::user(prompt)],
        params: GenerationParams { max_tokens, ..GenerationParams::default() },
    }
}

/// What to do with one prompt given the sub-model's window.
pub(crate) enum Fit {
    /// Send as is.
    One(String),
    /// Send these parts; join the answers.
    Parts(Vec<String>),
    /// Refuse with this message.
    TooLarge(String),
}

/// Checks `prompt` against `window` tokens (minus the system prompt and the
/// completion's room).
pub(crate) fn fit(
    prompt: String,
    system_chars: usize,
    window: Option<u64>,
    reserve_completion: u64,
    policy: OverflowPolicy,
) -> Fit {
    let Some(window) = window else { return Fit::One(prompt) };
    let prompt_chars = prompt.chars().count();
    let tokens = estimate_tokens(prompt_chars + system_chars);
    let room = window.saturating_sub(reserve_completion);
    if tokens <= room {
        return Fit::One(prompt);
    }
    match policy {
        OverflowPolicy::Error => Fit::TooLarge(format!(
            "the prompt is ~{tokens} tokens ({prompt_chars} chars), over the sub-model's window of \
             {window} tokens; pass a smaller piece of text (e.g. chunks of {} chars from \
             ctx.chunk(...)) or several prompts with llm_batch",
            room.saturating_mul(4).saturating_sub(system_chars as u64) / 2
        )),
        OverflowPolicy::Chunk => {
            let room_chars =
                (room.saturating_mul(4) as usize).saturating_sub(system_chars).max(256);
            // The first lines usually hold the instruction: repeat them on every part.
            let header: String = prompt.chars().take((room_chars / 4).min(500)).collect();
            let header = match header.rfind('\n') {
                Some(i) if i > 0 => header[..i].to_string(),
                _ => header,
            };
            let body_room = room_chars.saturating_sub(header.chars().count() + 64).max(128);
            let chars: Vec<char> = prompt.chars().collect();
            let n = chars.len().div_ceil(body_room);
            let parts = chars
                .chunks(body_room)
                .enumerate()
                .map(|(i, c)| {
                    let body: String = c.iter().collect();
                    if i == 0 {
                        format!("(part 1 of {n})\n{body}")
                    } else {
                        format!("{header}\n(part {} of {n})\n{body}", i + 1)
                    }
                })
                .collect();
            Fit::Parts(parts)
        }
    }
}

/// A short machine-friendly name for a retry reason (for trace events).
pub(crate) fn retry_reason(r: &RetryReason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_else(|| "retry".to_string())
}

/// The message a program sees when a subcall failed.
pub(crate) fn subcall_error_message(e: &rlm_sched::SubcallError<AdapterError>) -> String {
    match e {
        rlm_sched::SubcallError::Budget(b) => format!("budget refused the sub-model call: {b}"),
        rlm_sched::SubcallError::Executor(a) if a.is_context_length_exceeded() => format!(
            "the sub-model refused the prompt as too long for its context window ({a}); pass \
             smaller pieces of text"
        ),
        rlm_sched::SubcallError::Executor(a) => format!("sub-model call failed: {a}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_prompts_are_refused_or_split() {
        let big = "x".repeat(10_000);
        match fit(big.clone(), 0, Some(1000), 100, OverflowPolicy::Error) {
            Fit::TooLarge(m) => {
                assert!(m.contains("over the sub-model's window of 1000 tokens"), "{m}")
            }
            _ => panic!("expected a refusal"),
        }
        match fit(format!("Summarise:\n{big}"), 0, Some(1000), 100, OverflowPolicy::Chunk) {
            Fit::Parts(parts) => {
                assert!(parts.len() >= 3);
                for p in &parts {
                    assert!(estimate_tokens(p.chars().count()) <= 900, "{}", p.len());
                }
                assert!(parts[1].starts_with("Summarise:"));
            }
            _ => panic!("expected parts"),
        }
        assert!(matches!(fit("hi".into(), 0, Some(1000), 100, OverflowPolicy::Error), Fit::One(_)));
        assert!(matches!(fit(big, 0, None, 100, OverflowPolicy::Error), Fit::One(_)));
    }
}
