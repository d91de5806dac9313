//! One model behind a scheduler: how rerankers and the rewriter call models.

use rlm_policy::Budget;
use rlm_sched::{Scheduler, SubcallExecutor};
use rlm_types::{ChatMessage, CompletionRequest, GenerationParams, ModelId};

use crate::error::{Result, RetrievalError};

/// Sends prompts to `model` through `scheduler`, charging `budget` when set.
/// Requests are deterministic (temperature 0), so repeated prompts hit the
/// scheduler's cache and in-flight deduplication.
pub struct ModelCaller<X: SubcallExecutor> {
    scheduler: Scheduler<X>,
    model: ModelId,
    budget: Option<Budget>,
    max_tokens: u32,
}

impl<X: SubcallExecutor> Clone for ModelCaller<X> {
    fn clone(&self) -> Self {
        ModelCaller {
            scheduler: self.scheduler.clone(),
            model: self.model.clone(),
            budget: self.budget.clone(),
            max_tokens: self.max_tokens,
        }
    }
}

impl<X: SubcallExecutor> ModelCaller<X> {
    pub fn new(scheduler: Scheduler<X>, model: ModelId) -> Self {
        ModelCaller { scheduler, model, budget: None, max_tokens: 400 }
    }

    /// Charge every call to this budget (a run's, or a child of it).
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Cap on each reply's tokens (default 400).
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    pub fn scheduler(&self) -> &Scheduler<X> {
        &self.scheduler
    }

    fn request(&self, system: Option<&str>, user: String) -> CompletionRequest {
        let mut messages = Vec::with_capacity(2);
        if let Some(system) = system {
            messages.push(ChatMessage::system(system));
        }
        messages.push(ChatMessage::user(user));
        CompletionRequest {
            messages,
            params: GenerationParams {
                max_tokens: Some(self.max_tokens),
                temperature: Some(0.0),
                ..GenerationParams::default()
            },
            traceparent: None,
        }
    }

    /// One call.
    pub async fn call(&self, system: Option<&str>, user: String) -> Result<String> {
        let request = self.request(system, user);
        self.scheduler
            .run_one(&self.model, request, self.budget.as_ref())
            .await
            .map(|c| c.text)
            .map_err(|e| RetrievalError::ModelCall(e.to_string()))
    }

    /// Many calls at once (one scheduler batch), results in input order.
    pub async fn call_many(&self, prompts: Vec<String>) -> Vec<Result<String>> {
        let requests = prompts.into_iter().map(|p| self.request(None, p)).collect();
        self.scheduler
            .run_batch(&self.model, requests, self.budget.as_ref())
            .await
            .into_iter()
            .map(|r| r.map(|c| c.text).map_err(|e| RetrievalError::ModelCall(e.to_string())))
            .collect()
    }
}
