//! Whether an answer the model gave ends the run: the guards a FINAL
//! passes (a program first, a sub-model call when required, the task's
//! criteria), the placeholder refusal, a FINAL written in prose, and the
//! answers the runtime vouches for (a grounded bare reply, a confirmed
//! count).

use std::sync::Arc;

use rlm_trace::ErrorEvent;

use super::{RunOut, Runner};
use crate::outcome::Finish;
use crate::root_call::{RootError, call_root};
use rlm_prompts::extract::ProseFinal;
use rlm_prompts::text::{is_literal, py_string, strip_quotes, truncate_middle};
use rlm_types::ChatMessage;

/// A FINAL written in prose that was not taken.
pub(super) enum ProseRefusal {
    /// Not accepted, with a note for the model.
    Note(String),
    /// Evaluating it failed (e.g. a missing variable): the error text.
    Error(String),
}

impl Runner {
    /// The note refusing a FINAL whose value is only template text, with what
    /// the last program printed (this step's output, else the previous one).
    pub(super) fn placeholder_refusal(&self, answer: &str, stdout: &str) -> String {
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent {
                message: format!("FINAL refused: {} is a placeholder", py_string(answer)),
                fatal: false,
            },
        );
        let notes = &self.engine().prompts.notes;
        let seen = if stdout.trim().is_empty() { self.last_output.trim() } else { stdout.trim() };
        let seen = if seen.is_empty() {
            String::new()
        } else {
            self.note(&notes.final_placeholder_seen, &[("output", &truncate_middle(seen, 600))])
        };
        self.note(&notes.final_placeholder, &[("answer", &py_string(answer)), ("seen", &seen)])
    }

    /// `Helps::bare_answer`: the answer a reply with nothing to run gives.
    pub(super) fn bare_answer(&self, reply: &str) -> Option<String> {
        self.helps.bare_answer(reply, &self.query)
    }

    /// Ends the run with an answer the runtime vouches for (a bare answer, a
    /// confirmed count), unless the guards or the task's criteria refuse it:
    /// then the step goes on as if it had not been given.
    pub(super) async fn accept_grounded(&mut self, answer: String, how: Finish) -> Option<RunOut> {
        if self.final_guard(&how).is_some() {
            return None;
        }
        let answer = self.schema_answer(&answer).ok()?;
        if self.unmet_criteria(&answer).await.is_some() {
            return None;
        }
        Some(self.end(Some(answer), how))
    }

    /// Whether a FINAL may end the run now; `Some(note)` refuses it.
    pub(super) fn final_guard(&self, how: &Finish) -> Option<String> {
        let opts = &self.engine().options;
        let notes = &self.engine().prompts.notes;
        if opts.require_program_before_final
            && self.evidence_programs == 0
            && !self.helps.evidence_shown()
        {
            return Some(notes.final_before_program.clone());
        }
        if opts.require_subcall_before_final && self.server.subcalls == 0 {
            return Some(self.note(&notes.final_needs_subcall, &[("how", how.as_str())]));
        }
        None
    }

    /// Checks a FINAL against the task's criteria (root run only; the judge
    /// is asked only when every other criterion passed). `Some(feedback)`
    /// refuses it; the report is kept for the result.
    pub(super) async fn unmet_criteria(&mut self, answer: &str) -> Option<String> {
        let criteria = self.engine().criteria.clone().filter(|_| self.scope.depth == 0)?;
        let mut report = criteria.check(answer);
        if let Some(requirement) = criteria.judge()
            && report.passed()
        {
            let prompt = rlm_taskspec::judge::judge_prompt(&self.query, answer, requirement);
            let verdict =
                match call_root(&self.scope, vec![ChatMessage::user(prompt)], self.steps).await.1 {
                    Ok(reply) => rlm_taskspec::judge::parse_verdict(&reply),
                    Err(e) => rlm_taskspec::judge::Verdict::Fail(format!(
                        "the judge could not be asked: {}",
                        match e {
                            RootError::Budget(e) => e.to_string(),
                            RootError::Model(e) => e.to_string(),
                            RootError::Cancelled => "cancelled".to_string(),
                        }
                    )),
                };
            report.add_judge(requirement, verdict);
        }
        let feedback = report.feedback();
        if let Some(text) = &feedback {
            self.scope.recorder.error(
                self.scope.run_span,
                ErrorEvent {
                    message: format!("FINAL refused by the task's criteria: {text}"),
                    fatal: false,
                },
            );
        }
        self.checked = Some((answer.to_string(), report));
        feedback
    }

    /// The criteria report for the run's answer: the one made when it was
    /// checked as a FINAL, else a check now (no judge call: the run is over).
    pub(super) fn criteria_for(
        &self,
        answer: Option<&str>,
    ) -> Option<rlm_taskspec::CriteriaReport> {
        let criteria = self.engine().criteria.as_ref().filter(|_| self.scope.depth == 0)?;
        let answer = answer?;
        match &self.checked {
            Some((checked, report)) if checked == answer => Some(report.clone()),
            _ => Some(criteria.check(answer)),
        }
    }

    pub(super) fn deferred_note(&self, inner: &str) -> String {
        let expression = truncate_middle(inner, 200);
        self.note(&self.engine().prompts.notes.final_deferred, &[("expression", &expression)])
    }

    /// Evaluates a FINAL written in prose.
    pub(super) async fn prose_final(
        &mut self,
        pf: ProseFinal,
        had_code: bool,
        code_failed: bool,
    ) -> Result<String, ProseRefusal> {
        let engine = Arc::clone(&self.scope.engine);
        let notes = &engine.prompts.notes;
        match pf {
            ProseFinal::Var(name) => {
                let cell = format!("FINAL_VAR({})", py_string(&name));
                let report = self.run_program(&cell, false).await;
                match (report.final_answer, report.error) {
                    (Some(a), _) => Ok(a),
                    (None, Some(e)) => Err(ProseRefusal::Error(e)),
                    (None, None) => Err(ProseRefusal::Note(
                        self.note(&notes.final_var_no_answer, &[("name", &name)]),
                    )),
                }
            }
            ProseFinal::Final(inner) => {
                let parses = rlm_syntax::parse(&format!("({inner})\n")).is_ok();
                if !parses {
                    // Prose inside the parentheses: the text is the answer.
                    if had_code {
                        return Err(ProseRefusal::Note(self.deferred_note(&inner)));
                    }
                    return Ok(strip_quotes(&inner));
                }
                if had_code && (is_literal(&inner) || code_failed) {
                    return Err(ProseRefusal::Note(self.deferred_note(&inner)));
                }
                let report = self.run_program(&format!("FINAL({inner})\n"), false).await;
                match (report.final_answer, report.error) {
                    (Some(a), _) => Ok(a),
                    (None, Some(e)) if rlm_syntax::is_identifier(inner.trim()) => {
                        let name = inner.trim();
                        Err(ProseRefusal::Error(format!(
                            "{e}{}",
                            self.note(&notes.final_not_a_variable, &[("name", name)])
                        )))
                    }
                    (None, Some(e)) => Err(ProseRefusal::Error(e)),
                    (None, None) => Err(ProseRefusal::Note(notes.final_no_answer.clone())),
                }
            }
        }
    }
}
