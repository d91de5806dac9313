//! History compaction: when the root model's history nears its window (or
//! overflowed it), the turns between the first question and the last few are
//! replaced by a summary the root model writes. Recorded as a `compaction`
//! trace event; the loop keeps the full history for the program's `history`.

use rlm_trace::CompactionEvent;
use rlm_types::{ChatMessage, Role, estimate_tokens_for_chars};

use crate::root_call::call_root;
use crate::scope::RunScope;
use rlm_prompts::render;
use rlm_prompts::text::truncate_middle;

/// A compacted history.
pub(crate) struct Compacted {
    pub messages: Vec<ChatMessage>,
}

/// Estimated tokens of a history (bytes / 4: free to compute, errs high).
fn history_tokens(messages: &[ChatMessage]) -> u64 {
    estimate_tokens_for_chars(messages.iter().map(|m| m.content.len() as u64).sum())
}

/// Whether `messages` passed the compaction threshold of the root window.
pub(crate) fn is_due(scope: &RunScope, messages: &[ChatMessage]) -> bool {
    let engine = &scope.engine;
    let (Some(c), Some(window)) = (&engine.options.compaction, engine.root_window()) else {
        return false;
    };
    history_tokens(messages) as f64 >= c.threshold_ratio * window as f64
}

/// Summarises the turns between the first user message and the last
/// `keep_last` messages. `None` when there was nothing to summarise or the
/// summary call failed.
pub(crate) async fn compact(
    scope: &RunScope,
    messages: &[ChatMessage],
    query: &str,
    iteration: u32,
) -> Option<Compacted> {
    let engine = &scope.engine;
    let prompts = &engine.prompts;
    let keep = engine.options.compaction.as_ref().map(|c| c.keep_last).unwrap_or(4);
    let keep = keep + keep % 2;
    if messages.len() <= 2 + keep {
        return None;
    }
    let cut = messages.len() - keep;
    let mut transcript = String::new();
    for m in &messages[2..cut] {
        let role = match m.role {
            Role::Assistant => "assistant",
            Role::User => "user",
            Role::System => "system",
        };
        transcript.push_str(&format!("[{role}]\n{}\n\n", truncate_middle(&m.content, 4000)));
    }
    let prompt =
        render(&prompts.compaction, &[("query", query), ("transcript", &transcript)]).ok()?;
    let request =
        vec![ChatMessage::system(prompts.subcall_system.clone()), ChatMessage::user(prompt)];
    let summary = call_root(scope, request, iteration).await.1.ok()?;
    let note = render(&prompts.compacted, &[("summary", summary.trim())]).unwrap_or(summary);
    let mut first_user = messages[1].clone();
    first_user.content = format!("{}\n\n{}", first_user.content.trim_end(), note);
    let mut compacted = vec![messages[0].clone(), first_user];
    compacted.extend(messages[cut..].iter().cloned());
    scope.recorder.compaction(
        scope.run_span,
        CompactionEvent {
            messages_summarised: (cut - 2) as u32,
            tokens_before: history_tokens(messages),
            tokens_after: history_tokens(&compacted),
        },
    );
    Some(Compacted { messages: compacted })
}
