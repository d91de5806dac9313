//! The one rule every ending of a run asks (issue #78): an answer that does
//! not rest on the run's evidence (`crate::ledger`) is no answer, whatever
//! path ends the run; and where the answer came from (a program computed it,
//! or it was written as text: `evidence::answer_sites`).

use rlm_prompts::text::truncate_middle;
use rlm_trace::ErrorEvent;

use super::evidence;
use super::{ProseFinal, Runner};
use crate::outcome::Finish;

impl Runner {
    /// The one rule every ending asks (issue #78): an answer that does not
    /// rest on the evidence is no answer (`ledger.rs`); the run ends
    /// `no_evidence`, the model's guess kept in the finish and the trace. A
    /// direct answer (the SmartRouter's, by the operator's choice of mode)
    /// and a run whose operator accepts ungrounded answers are left as they are.
    pub(super) fn grounded_end(
        &mut self,
        answer: Option<String>,
        finish: Finish,
    ) -> (Option<String>, Finish) {
        let Some(guess) = answer else { return (None, finish) };
        // A schema's failed candidate is never an answer to begin with.
        let exempt = matches!(finish, Finish::Direct | Finish::SchemaFailed { .. });
        if exempt || self.engine().options.accept_ungrounded {
            return (Some(guess), finish);
        }
        let computed = self.answer_computed(&finish);
        let Err(unfounded) = self.ledger.check(&guess, computed, &self.query) else {
            return (Some(guess), finish);
        };
        let reason = match unfounded.missing.as_slice() {
            [] => format!(
                "the {} answer rests on no evidence: no program printed or computed anything, and no call answered",
                finish.as_str()
            ),
            missing => {
                // A few claims name the fault; an answer of many MiB would
                // otherwise be copied into its reason and its event.
                let mut named = missing.iter().take(MISSING_NAMED).cloned().collect::<Vec<_>>();
                if missing.len() > MISSING_NAMED {
                    named.push(format!("{} more", missing.len() - MISSING_NAMED));
                }
                format!(
                    "the {} answer states {} that no program printed or computed and no call answered",
                    finish.as_str(),
                    named.join(", ")
                )
            }
        };
        let shown = truncate_middle(&guess, GUESS_SHOWN_CHARS);
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent { message: format!("answer refused: {reason}: {shown}"), fatal: false },
        );
        // The guess is no answer: kept for the reader, cut as the trace cuts
        // a long text, so an answer of many MiB is not carried whole through
        // every layer that reports the finish.
        let guess = truncate_middle(&guess, GUESS_KEPT_CHARS);
        (None, Finish::NoEvidence { guess, reason })
    }

    /// Whether the answer an ending gives was computed by a program (not
    /// written as a literal): a FINAL's argument, or the variable the answer
    /// is read from, bound to no literal (`evidence::answer_sites`).
    fn answer_computed(&self, finish: &Finish) -> bool {
        let computed_var = |name: &str| !self.literal_vars.contains(name);
        let auto = self.engine().options.auto_final_var.clone();
        let auto_computed = || auto.as_deref().is_none_or(computed_var);
        match finish {
            Finish::Final => !self.literal_final,
            Finish::ProseFinal => match &self.last_prose_final {
                Some(ProseFinal::Var(name)) => computed_var(name),
                // An expression over the program's variables is computed; a
                // literal (or text that is no expression) is written.
                Some(ProseFinal::Final(inner)) => {
                    let call = rlm_syntax::parse(&format!("FINAL({inner})")).ok();
                    call.is_some()
                        && !evidence::answer_sites(call.as_ref(), &self.literal_vars).literal_final
                }
                None => false,
            },
            Finish::AnswerReady => computed_var(evidence::ANSWER_CONTENT),
            Finish::AutoVariable => auto_computed(),
            Finish::BestEffort { .. } | Finish::Cancelled => {
                computed_var(evidence::ANSWER_CONTENT) && auto_computed()
            }
            Finish::Finalized { .. } => !self.closing_written,
            _ => false,
        }
    }
}

/// The unfounded claims a `no_evidence` reason names (the rest counted).
const MISSING_NAMED: usize = 10;
/// The characters of a refused guess its trace event shows.
const GUESS_SHOWN_CHARS: usize = 2_000;
/// The characters of a refused guess its finish keeps.
const GUESS_KEPT_CHARS: usize = 64 * 1024;
