//! The loop's side of durable runs (`crate::checkpoint`): after each
//! completed root step the run's checkpoint goes to the sink; a run started
//! from a checkpoint takes its history, counters and variables back, runs
//! again the programs whose variables had no saved form, and goes on at the
//! next step.

use std::sync::Arc;

use rlm_interp::{GlobalsSnapshot, LostGlobal, SnapshotLimits};
use rlm_trace::ErrorEvent;

use super::Runner;
use crate::checkpoint::{CHECKPOINT_VERSION, Durable};
use crate::checkpoint::{Checkpoint, CheckpointSink, LoopCounters, ReplayProgram};
use rlm_functions::MemoryMap;
use rlm_prompts::render_or_explain;

/// A durable run's state between checkpoints.
pub(super) struct DurableRun {
    sink: Arc<dyn CheckpointSink>,
    memory_at_start: Option<MemoryMap>,
    /// The last complete variables and the step they were taken after.
    base: (u32, GlobalsSnapshot),
    /// Programs run since `base`.
    replay: Vec<ReplayProgram>,
    /// The first trace event not yet in a checkpoint.
    trace_from: u64,
    /// The checkpoint to start from (taken by [`Runner::resume`]).
    from: Option<Checkpoint>,
}

impl DurableRun {
    pub(super) fn new(durable: Durable, memory_at_start: Option<MemoryMap>) -> DurableRun {
        DurableRun {
            sink: durable.sink,
            memory_at_start,
            base: (0, GlobalsSnapshot::default()),
            replay: Vec::new(),
            trace_from: 0,
            from: durable.from,
        }
    }
}

impl DurableRun {
    /// Whether the run starts from a checkpoint.
    pub(super) fn resuming(&self) -> bool {
        self.from.is_some()
    }

    /// The run's trace so far was recorded elsewhere, up to `seq` (excluded).
    pub(super) fn continue_trace_at(&mut self, seq: u64) {
        self.trace_from = seq;
    }
}

/// `name (reason), ...` of the variables left out.
fn lost_list(lost: &[LostGlobal]) -> String {
    lost.iter().map(|l| format!("`{}` ({})", l.name, l.reason)).collect::<Vec<_>>().join(", ")
}

impl Runner {
    /// A program ran: a durable run keeps it for a replay.
    pub(super) fn remember_program(&mut self, code: &str, counted: bool) {
        if let Some(d) = &mut self.durable {
            d.replay.push(ReplayProgram { step: self.steps, code: code.to_string(), counted });
        }
    }

    /// Starts from the checkpoint the run was given, if any: history,
    /// counters and variables back, the programs since the last complete
    /// variables run again. `false`: the run was cancelled meanwhile.
    pub(super) async fn resume(&mut self) -> bool {
        let Some(cp) = self.durable.as_mut().and_then(|d| d.from.take()) else { return true };
        for _ in 0..cp.step {
            // The resumed run's step limit counts the steps already done.
            let _ = self.scope.budget.begin_step();
        }
        self.steps = cp.step;
        self.messages = cp.messages;
        self.full_history = cp.full_history;
        self.compacted = cp.compacted;
        let c = cp.counters;
        self.evidence_programs = c.programs_run;
        self.invalid_streak = c.invalid_streak;
        self.fallback_used = c.fallback_used;
        self.soft_limit_seen = c.soft_limit_seen;
        self.last_code = c.last_code;
        self.last_output = c.last_output;
        if let Some(ledger) = c.evidence.ledger {
            self.ledger = ledger;
        }
        self.literal_vars = c.evidence.literal_vars.into_iter().collect();
        self.outputs = c.evidence.outputs;
        if let Err(e) = self.sandbox.restore_globals(&cp.globals, &SnapshotLimits::default()) {
            // `Rlm::resume` checked the snapshot: this is the sandbox's failure.
            self.note_error(format!("the checkpoint's variables were not restored: {e}"));
        }
        let steps = self.steps;
        for p in &cp.replay {
            if self.compacted {
                self.sandbox.set_global("history", super::history_value(&self.full_history));
            }
            self.steps = p.step;
            let report = self.sandbox.run(&p.code, p.step, p.counted, &mut self.server).await;
            if report.cancelled || self.scope.cancelled() {
                self.steps = steps;
                return false;
            }
        }
        self.steps = steps;
        if let Some(d) = &mut self.durable {
            d.base = (cp.globals_step, cp.globals);
            d.replay = cp.replay;
        }
        true
    }

    /// After a completed root step: the checkpoint to the sink.
    pub(super) async fn checkpoint(&mut self) {
        if self.durable.is_none() {
            return;
        }
        let snap = self.sandbox.snapshot_globals(&SnapshotLimits::default());
        let step = self.steps;
        let lost = match snap {
            Some(s) if s.lost.is_empty() => {
                if let Some(d) = &mut self.durable {
                    d.base = (step, s);
                    d.replay.clear();
                }
                Vec::new()
            }
            Some(s) => s.lost,
            None => vec![LostGlobal {
                name: "*".into(),
                reason: "this sandbox cannot save variables".into(),
            }],
        };
        let note = (!lost.is_empty()).then(|| {
            let since = self.durable.as_ref().map_or(0, |d| d.base.0) + 1;
            render_or_explain(
                &self.engine().prompts.notes.checkpoint_lost,
                &[
                    ("step", &step.to_string()),
                    ("lost", &lost_list(&lost)),
                    ("since", &since.to_string()),
                ],
            )
        });
        if let Some(n) = &note {
            self.note_error(n.clone());
        }
        let counters = LoopCounters {
            // The step's output is seen by the next call: a resumed run is past it.
            programs_run: self.evidence_programs + u32::from(self.printed_unseen),
            invalid_streak: self.invalid_streak,
            fallback_used: self.fallback_used,
            soft_limit_seen: self.soft_limit_seen,
            last_code: self.last_code.clone(),
            last_output: self.last_output.clone(),
            evidence: crate::checkpoint::RunEvidence {
                ledger: Some(self.ledger.clone()),
                literal_vars: self.literal_vars.iter().cloned().collect(),
                outputs: self.outputs.clone(),
            },
        };
        let Some(d) = &mut self.durable else { return };
        let trace = self.scope.recorder.events_since(d.trace_from);
        if let Some(last) = trace.last() {
            d.trace_from = last.seq + 1;
        }
        let cp = Checkpoint {
            version: CHECKPOINT_VERSION,
            query: self.query.clone(),
            step,
            messages: self.messages.clone(),
            full_history: self.full_history.clone(),
            compacted: self.compacted,
            counters,
            memory_at_start: d.memory_at_start.clone(),
            globals: d.base.1.clone(),
            globals_step: d.base.0,
            replay: d.replay.clone(),
            lost,
            note,
            trace,
        };
        if let Err(e) = d.sink.save(cp).await {
            self.note_error(e.to_string());
        }
    }

    /// A note in the trace (the run goes on).
    fn note_error(&self, message: String) {
        self.scope.recorder.error(self.scope.run_span, ErrorEvent { message, fatal: false });
    }
}
