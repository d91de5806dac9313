//! The run's output schema in the loop (issue #57): a FINAL (every way a
//! run gets an answer) is checked before it is accepted; a failure goes back
//! to the model with the failing paths and what was expected there, and the
//! loop goes on; the run's end turns an answer that still fails (or none,
//! after a refused candidate) into [`Finish::SchemaFailed`] carrying the
//! last candidate. Root run only: a sub-RLM answers its parent's program.

use rlm_prompts::text::truncate_middle;
use rlm_taskspec::OutputSchema;
use rlm_trace::ErrorEvent;

use super::Runner;
use crate::answer_schema::{SchemaCheck, check};
use crate::outcome::Finish;

impl Runner {
    /// The schema this run's answer must match (root run, schema set).
    fn root_schema(&self) -> Option<OutputSchema> {
        self.engine().output_schema.clone().filter(|_| self.scope.depth == 0)
    }

    /// A FINAL under the output schema: `Ok` with the answer to accept (as
    /// compact JSON text when there is a schema), `Err` with the note that
    /// refuses it. The refused answer is kept as the run's last candidate.
    pub(super) fn schema_answer(&mut self, answer: &str) -> Result<String, String> {
        let Some(schema) = self.root_schema() else { return Ok(answer.to_string()) };
        match check(&schema, answer) {
            SchemaCheck::Valid(json) => Ok(json),
            SchemaCheck::Invalid(violations) => {
                self.scope.recorder.error(
                    self.scope.run_span,
                    ErrorEvent {
                        message: format!("FINAL refused by the output schema:\n{violations}"),
                        fatal: false,
                    },
                );
                self.schema_candidate = Some((answer.to_string(), violations.clone()));
                let shown = truncate_middle(answer, 400);
                Err(self.note(
                    &self.engine().prompts.notes.final_schema_invalid,
                    &[("answer", &shown), ("violations", &violations)],
                ))
            }
        }
    }

    /// How the run ends under the output schema: a matching answer as JSON
    /// text; one that fails it, or none after a refused candidate, ends
    /// [`Finish::SchemaFailed`] with that candidate. Cancelled and failed
    /// runs keep their finish.
    pub(super) fn schema_end(
        &mut self,
        answer: Option<String>,
        finish: Finish,
    ) -> (Option<String>, Finish) {
        let Some(schema) = self.root_schema() else { return (answer, finish) };
        if matches!(
            finish,
            Finish::Cancelled
                | Finish::ModelError { .. }
                | Finish::SandboxFailed { .. }
                | Finish::SchemaFailed { .. }
        ) {
            return (answer, finish);
        }
        let failed = match answer {
            Some(a) => match check(&schema, &a) {
                SchemaCheck::Valid(json) => return (Some(json), finish),
                SchemaCheck::Invalid(violations) => (a, violations),
            },
            None => match self.schema_candidate.take() {
                Some(candidate) => candidate,
                None => return (None, finish),
            },
        };
        let (candidate, violations) = failed;
        let reason = format!(
            "no answer matching the output schema ({}); the last candidate fails it:\n{violations}",
            finish.as_str()
        );
        self.scope
            .recorder
            .error(self.scope.run_span, ErrorEvent { message: reason.clone(), fatal: false });
        (Some(candidate), Finish::SchemaFailed { reason })
    }
}
