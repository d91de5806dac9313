//! The step guards (pyrlm-runtime's `fallback_guard_steps` and
//! `subcall_guard_steps`): after a root step that did not end the run, the
//! fallback program runs (once) when the run has reached a given step with
//! no answer in its auto-finalize variable, or with no sub-model call while
//! one is required. Its answer (a FINAL, `answer["ready"]`, or the variable)
//! then ends the run; otherwise its output goes to the model with this
//! step's.

use rlm_helps::is_placeholder;
use rlm_types::Role;

use super::{RunOut, Runner};
use crate::outcome::Finish;

/// Values of the auto-finalize variable that are no answer (pyrlm's words).
fn no_answer(value: &str) -> bool {
    let v = value.trim().to_lowercase();
    v.is_empty() || v == "no_answer" || v == "none" || v == "0"
}

impl Runner {
    /// Runs the fallback program when a step guard is due; `Some` ends the run.
    pub(super) async fn step_guards(&mut self) -> Option<RunOut> {
        if self.fallback_used {
            return None;
        }
        let opts = &self.engine().options;
        let program = opts.fallback_program.clone()?;
        let var = opts.auto_final_var.clone();
        let subcall_due = opts.require_subcall_before_final
            && self.server.subcalls == 0
            && opts.subcall_guard_steps.is_some_and(|n| self.steps >= n);
        let answer_due = opts.fallback_guard_steps.is_some_and(|n| self.steps >= n);
        let answer_due = answer_due
            && match &var {
                Some(v) => self.sandbox.auto_final(v).is_none_or(|a| no_answer(&a)),
                None => false,
            };
        if !(subcall_due || answer_due) {
            return None;
        }
        self.fallback_used = true;
        let report = self.run_program(&program, true).await;
        if report.cancelled {
            return Some(self.cancelled());
        }
        if let Some(answer) = report.final_answer {
            return Some(self.end(Some(answer), Finish::Final));
        }
        if let Some(a) = self.sandbox.answer_ready() {
            return Some(self.end(Some(a), Finish::AnswerReady));
        }
        if let Some(v) = &var
            && let Some(a) = self.sandbox.auto_final(v)
            && !no_answer(&a)
            && !is_placeholder(&a)
            && self.final_guard(&Finish::AutoVariable).is_none()
        {
            return Some(self.end(Some(a), Finish::AutoVariable));
        }
        let note = self.engine().prompts.notes.fallback_ran.clone();
        let feedback =
            self.feedback(&report.stdout, report.error.as_deref(), std::slice::from_ref(&note));
        self.append_user(feedback);
        None
    }

    /// Adds `text` to the last user message (this step's feedback), or as
    /// one of its own when the history does not end with one.
    fn append_user(&mut self, text: String) {
        let joined = |messages: &mut Vec<rlm_types::ChatMessage>| match messages.last_mut() {
            Some(m) if m.role == Role::User => {
                m.content.push_str("\n\n");
                m.content.push_str(&text);
            }
            _ => messages.push(rlm_types::ChatMessage::user(text.clone())),
        };
        if self.compacted {
            joined(&mut self.full_history);
        }
        joined(&mut self.messages);
    }
}

#[cfg(test)]
mod tests {
    use super::no_answer;

    #[test]
    fn no_answer_values_are_pyrlms() {
        for v in ["", "  ", "NO_ANSWER", "none", "None", "0"] {
            assert!(no_answer(v), "{v:?}");
        }
        for v in ["42", "an answer", "00"] {
            assert!(!no_answer(v), "{v:?}");
        }
    }
}
