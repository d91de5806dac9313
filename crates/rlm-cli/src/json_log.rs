//! `--log-format json` (`RLM_LOG_FORMAT=json`, `log_format = "json"`): the
//! run's progress as structured log lines on stderr, one JSON object per line
//! (tracing-subscriber's JSON formatter), each naming the trace event, the run
//! it belongs to (`run_id`: the span id of its run, the root run or a sub-RLM),
//! the step of that run (`step`: the iteration of its latest root-model call)
//! and the event's own span ids.

use std::collections::HashMap;
use std::sync::Mutex;

use rlm_trace::{EventKind, TraceEvent, TraceListener};

/// Installs the JSON formatter on stderr as the process's tracing subscriber
/// (once; later calls change nothing). Filter: `RUST_LOG`, else `info`.
pub fn install() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A trace listener that logs every event as one structured line.
#[derive(Default)]
pub struct JsonLog {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Span id → the span id of the run it belongs to.
    run_of: HashMap<u64, u64>,
    /// Run span id → its current step.
    step_of: HashMap<u64, u32>,
}

impl TraceListener for JsonLog {
    fn on_event(&self, e: &TraceEvent) {
        let (run_id, step) = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let run_id = match &e.kind {
                EventKind::RunStarted(_) => e.span_id.0,
                _ => s
                    .run_of
                    .get(&e.span_id.0)
                    .or_else(|| e.parent_span_id.and_then(|p| s.run_of.get(&p.0)))
                    .copied()
                    .unwrap_or(e.span_id.0),
            };
            s.run_of.insert(e.span_id.0, run_id);
            if let EventKind::ModelCallStarted(m) = &e.kind {
                s.step_of.insert(run_id, m.iteration);
            }
            (run_id, s.step_of.get(&run_id).copied().unwrap_or(0))
        };
        let parent = e.parent_span_id.map(|p| p.0);
        let event = e.kind.name();
        let span_id = e.span_id.0;
        match &e.kind {
            EventKind::RunStarted(r) => tracing::info!(
                event, run_id, step, span_id, parent, depth = r.depth, query = %short(&r.query),
                "run started"
            ),
            EventKind::ModelCallStarted(m) => tracing::info!(
                event, run_id, step, span_id, parent, model = %m.model, "model call started"
            ),
            EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c) => tracing::info!(
                event,
                run_id,
                step,
                span_id,
                parent,
                outcome = c.outcome.as_str(),
                tokens = c.usage.total(),
                cost_usd = c.cost_usd,
                latency_ms = c.latency_ms,
                cached = c.cached,
                error = c.error.as_deref(),
                "call finished"
            ),
            EventKind::ProgramFinished(p) => {
                let error = p.error.as_deref().map(short);
                tracing::info!(
                    event,
                    run_id,
                    step,
                    span_id,
                    parent,
                    duration_ms = p.duration_ms,
                    output_lines = p.stdout.lines().count(),
                    error = error.as_deref(),
                    "program finished"
                )
            }
            EventKind::Retry(r) => tracing::warn!(
                event,
                run_id,
                step,
                span_id,
                parent,
                attempt = r.attempt,
                reason = r.reason.as_str(),
                delay_ms = r.delay_ms,
                "retry"
            ),
            EventKind::Budget(b) => tracing::warn!(
                event, run_id, step, span_id, parent, level = b.level.as_str(), detail = %b.message,
                "budget"
            ),
            EventKind::Error(err) => tracing::error!(
                event, run_id, step, span_id, parent, detail = %short(&err.message), "error"
            ),
            EventKind::FinalAnswer(a) => tracing::info!(
                event, run_id, step, span_id, parent, answer = %short(&a.answer), "final answer"
            ),
            _ => tracing::info!(event, run_id, step, span_id, parent, "{event}"),
        }
    }
}

/// At most 200 characters on one line: logs carry a glimpse, the trace the whole.
fn short(s: &str) -> String {
    let one = s.replace('\n', " ");
    match one.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &one[..at]),
        None => one,
    }
}
