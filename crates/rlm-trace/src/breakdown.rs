//! [`ContextBreakdown`]: what a run sent inline (root prompts and replies,
//! subcall prompts and replies, as the providers counted them) against what it
//! held symbolically (the context, in the sandbox, estimated at 4 characters a
//! token), and the tokens of the same question asked directly with the whole
//! context in the prompt. Derived from the trace alone; the direct call's cost
//! needs a price, which the caller supplies ([`ContextBreakdown::price_direct`]).

use rlm_types::{Usage, estimate_tokens_for_chars};
use serde::{Deserialize, Serialize};

use crate::event::{EventKind, TraceEvent};

/// Inline against symbolic context of one run (its sub-runs included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextBreakdown {
    /// The root run's model.
    pub model: String,
    /// Prompt tokens of root-model calls (every run of the tree).
    pub root_prompt_tokens: u64,
    /// Completion tokens of root-model calls.
    pub root_completion_tokens: u64,
    /// Prompt tokens of subcalls that reached a provider.
    pub subcall_prompt_tokens: u64,
    /// Completion tokens of those subcalls.
    pub subcall_completion_tokens: u64,
    /// The four above: everything that went through a model.
    pub inline_tokens: u64,
    /// The root run's context, held in the sandbox and never sent whole (estimate).
    pub symbolic_tokens: u64,
    /// The prompt of one direct call: the context and the question (estimate).
    pub direct_prompt_tokens: u64,
    /// Its completion, taken as the final answer's length (estimate).
    pub direct_completion_tokens: u64,
    /// `direct_prompt_tokens + direct_completion_tokens - inline_tokens`:
    /// positive when holding the context symbolically sent fewer tokens.
    pub saved_tokens: i64,
    /// What the run cost.
    pub cost_usd: f64,
    /// What the direct call would cost at the root model's price, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_cost_usd: Option<f64>,
}

impl ContextBreakdown {
    /// The breakdown of the run whose events these are; `None` without a root run.
    pub fn from_events(events: &[TraceEvent]) -> Option<ContextBreakdown> {
        let (root_span, started) = events.iter().find_map(|e| match &e.kind {
            EventKind::RunStarted(r) if e.parent_span_id.is_none() => Some((e.span_id, r)),
            _ => None,
        })?;
        let mut b = ContextBreakdown { model: started.model.clone(), ..Default::default() };
        let mut answer_chars = 0u64;
        let mut nano = 0i128;
        for event in events {
            match &event.kind {
                EventKind::ModelCallFinished(c) => {
                    b.root_prompt_tokens += c.usage.prompt_tokens;
                    b.root_completion_tokens += c.usage.completion_tokens;
                    nano += crate::summary::to_nano(c.cost_usd);
                }
                EventKind::SubcallFinished(c) if !c.cached && !c.deduped => {
                    b.subcall_prompt_tokens += c.usage.prompt_tokens;
                    b.subcall_completion_tokens += c.usage.completion_tokens;
                    nano += crate::summary::to_nano(c.cost_usd);
                }
                EventKind::FinalAnswer(f) if event.span_id == root_span => {
                    answer_chars = f.answer.chars().count() as u64;
                }
                _ => {}
            }
        }
        b.inline_tokens = b.root_prompt_tokens
            + b.root_completion_tokens
            + b.subcall_prompt_tokens
            + b.subcall_completion_tokens;
        b.symbolic_tokens = estimate_tokens_for_chars(started.context_chars);
        b.direct_prompt_tokens =
            estimate_tokens_for_chars(started.context_chars + started.query.chars().count() as u64);
        b.direct_completion_tokens = estimate_tokens_for_chars(answer_chars);
        b.saved_tokens =
            (b.direct_prompt_tokens + b.direct_completion_tokens) as i64 - b.inline_tokens as i64;
        b.cost_usd = crate::summary::from_nano(nano);
        Some(b)
    }

    /// Prices the direct call with `price(model, usage)` (`None`: unknown price).
    pub fn price_direct(&mut self, price: impl FnOnce(&str, &Usage) -> Option<f64>) {
        let usage = Usage {
            prompt_tokens: self.direct_prompt_tokens,
            completion_tokens: self.direct_completion_tokens,
            ..Usage::default()
        };
        self.direct_cost_usd = price(&self.model, &usage);
    }

    /// A few lines for people.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "context breakdown: {} tokens inline (root prompts {}, root replies {}, subcall prompts {}, subcall replies {}); {} tokens held symbolically\n",
            self.inline_tokens,
            self.root_prompt_tokens,
            self.root_completion_tokens,
            self.subcall_prompt_tokens,
            self.subcall_completion_tokens,
            self.symbolic_tokens
        );
        out.push_str(&format!(
            "asked directly: about {} tokens ({} saved); cost ${:.6}",
            self.direct_prompt_tokens + self.direct_completion_tokens,
            self.saved_tokens,
            self.cost_usd
        ));
        match self.direct_cost_usd {
            Some(c) => out.push_str(&format!(" against about ${c:.6} directly\n")),
            None => out.push('\n'),
        }
        out
    }
}
