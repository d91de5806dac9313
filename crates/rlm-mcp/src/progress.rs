//! Progress notifications while a run is under way: a trace listener that
//! turns the root run's steps (each root-model call, each program, the final
//! answer) into MCP `notifications/progress` for the request's progress token.
//! The listener is called on the run's thread and must not block: it hands
//! each message to a bounded channel (a message that does not fit is dropped:
//! progress is advisory) and a task sends them to the client in order.
//! [`StepProgress::finish`] closes the queue and waits until every message is
//! sent, so that a tool's result never overtakes its progress.

use std::sync::Mutex;

use rlm_trace::{EventKind, SpanId, TraceEvent, TraceListener};
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use tokio::sync::mpsc;

/// Messages waiting to be sent; beyond this a message is dropped.
const QUEUED_MESSAGES: usize = 256;

/// The listener half: subscribe it to an execution.
pub struct StepProgress {
    /// `None` once finished: later events are not reported.
    tx: Mutex<Option<mpsc::Sender<(f64, String)>>>,
    sender: Mutex<Option<tokio::task::JoinHandle<()>>>,
    state: Mutex<Counter>,
}

#[derive(Default)]
struct Counter {
    sent: u64,
    /// The root run's span: only its steps are reported (a sub-RLM's own
    /// steps would make the count jump).
    root: Option<SpanId>,
}

impl StepProgress {
    /// A listener whose messages go to `peer` under `token` (sent by a task
    /// that ends at [`StepProgress::finish`]).
    pub fn start(peer: Peer<RoleServer>, token: ProgressToken) -> StepProgress {
        let (tx, mut rx) = mpsc::channel::<(f64, String)>(QUEUED_MESSAGES);
        let sender = tokio::spawn(async move {
            while let Some((progress, message)) = rx.recv().await {
                let param =
                    ProgressNotificationParam::new(token.clone(), progress).with_message(message);
                if peer.notify_progress(param).await.is_err() {
                    break;
                }
            }
        });
        StepProgress {
            tx: Mutex::new(Some(tx)),
            sender: Mutex::new(Some(sender)),
            state: Mutex::new(Counter::default()),
        }
    }

    /// Stops reporting and waits until every queued message has been sent.
    pub async fn finish(&self) {
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.await;
        }
    }

    fn send(&self, counter: &mut Counter, message: String) {
        counter.sent += 1;
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = tx.try_send((counter.sent as f64, message));
        }
    }
}

impl TraceListener for StepProgress {
    fn on_event(&self, e: &TraceEvent) {
        let mut c = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &e.kind {
            EventKind::RunStarted(r) if e.parent_span_id.is_none() => {
                c.root = Some(e.span_id);
                let message = format!(
                    "run started: {} chars in {} document(s), model {}",
                    r.context_chars, r.context_documents, r.model
                );
                self.send(&mut c, message);
            }
            EventKind::ModelCallStarted(m) if e.parent_span_id == c.root => {
                self.send(&mut c, format!("step {}: asking {}", m.iteration, m.model));
            }
            EventKind::ProgramFinished(p) => {
                let what = match &p.error {
                    Some(err) => format!("program error: {}", last_line(err)),
                    None => format!("program ran, printed {} line(s)", p.stdout.lines().count()),
                };
                self.send(&mut c, what);
            }
            EventKind::FinalAnswer(_) if Some(e.span_id) == c.root => {
                self.send(&mut c, "final answer".into());
            }
            _ => {}
        }
    }
}

fn last_line(text: &str) -> String {
    let line = text.trim().lines().last().unwrap_or("");
    line.chars().take(120).collect()
}
