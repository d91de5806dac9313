//! What a run produces: its answer, how it ended ([`Finish`]), whether the
//! SmartRouter sent it through the loop ([`Mode`]), its spend and its trace.

use rlm_policy::UsageSnapshot;
use rlm_trace::{Trace, TraceError, TraceEvent};
use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finish {
    /// A program called `FINAL(x)` / `FINAL_VAR(name)`.
    Final,
    /// The reply's prose contained `FINAL(...)` / `FINAL_VAR(...)`.
    ProseFinal,
    /// A program set `answer["ready"] = True`.
    AnswerReady,
    /// A program set the auto-finalize variable.
    AutoVariable,
    /// The reply was only a short answer, grounded in what the runtime
    /// counted or showed (`Helps::bare_answer`).
    BareAnswer,
    /// The model re-sent a program whose printed count the runtime's own
    /// count had confirmed (`Helps::confirmed_repeat`).
    ConfirmedCount,
    /// A budget (or the model's repeated failure) ended the loop and the model
    /// answered the finalize-now prompt.
    Finalized { reason: String },
    /// The loop was stopped and the answer (if any) comes from the program's
    /// partial state (`answer["content"]`, the auto-finalize variable).
    BestEffort { reason: String },
    /// The root model failed (after its retries).
    ModelError { message: String },
    /// The SmartRouter answered with one direct model call.
    Direct,
    /// The run was cancelled by its caller; calls in flight were abandoned and
    /// the answer (if any) is the program's partial state.
    Cancelled,
    /// The sandbox worker process running the program died (or broke its
    /// protocol): `reason` says how, naming the signal. Only this run fails.
    SandboxFailed { reason: String },
    /// The run ended on an answer that rests on no evidence (issue #78): a
    /// number or name the model wrote that no program printed or computed
    /// and no call answered (`run_loop/ledger.rs`). No answer is given; the
    /// model's `guess` is kept here and in the trace, never as the answer.
    NoEvidence { guess: String, reason: String },
    /// The run has an output schema and ended with no answer matching it:
    /// the answer, if any, is the last candidate, which fails the schema
    /// (`reason` says how). Never an answer to take as valid.
    SchemaFailed { reason: String },
}

impl Finish {
    /// A short machine-friendly name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Finish::Final => "final",
            Finish::ProseFinal => "prose_final",
            Finish::AnswerReady => "answer_ready",
            Finish::AutoVariable => "auto_variable",
            Finish::BareAnswer => "bare_answer",
            Finish::ConfirmedCount => "confirmed_count",
            Finish::Finalized { .. } => "finalized",
            Finish::BestEffort { .. } => "best_effort",
            Finish::ModelError { .. } => "model_error",
            Finish::Direct => "direct",
            Finish::Cancelled => "cancelled",
            Finish::SandboxFailed { .. } => "sandbox_failed",
            Finish::SchemaFailed { .. } => "schema_failed",
            Finish::NoEvidence { .. } => "no_evidence",
        }
    }

    /// Why the run ended, when the finish carries a reason or an error message.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Finish::Finalized { reason } | Finish::BestEffort { reason } => Some(reason),
            Finish::ModelError { message } => Some(message),
            Finish::SandboxFailed { reason }
            | Finish::SchemaFailed { reason }
            | Finish::NoEvidence { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// Whether the SmartRouter sent the question through the RLM loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Rlm,
    Direct,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The answer; `None` when the run ended without one.
    pub answer: Option<String>,
    pub finish: Finish,
    pub mode: Mode,
    /// Root-loop iterations of the top-level run.
    pub steps: u32,
    /// Spend of the whole tree (sub-RLMs included).
    pub usage: UsageSnapshot,
    /// The run's trace events (the source of truth; see [`RunResult::trace`]).
    pub events: Vec<TraceEvent>,
    /// With success criteria ([`crate::RlmBuilder::criteria`]): how the
    /// answer fared, criterion by criterion.
    pub criteria: Option<rlm_taskspec::CriteriaReport>,
}

impl RunResult {
    /// The trace as a tree.
    pub fn trace(&self) -> Result<Trace, TraceError> {
        Trace::from_events(self.events.clone())
    }
}
