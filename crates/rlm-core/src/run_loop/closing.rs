//! The closing call: the run must end (a budget, too many invalid replies,
//! failing steps, the time left), and the model is asked for its answer
//! with no code. It gets an answer, not another program (issue #60):
//! - where the provider decodes under a grammar, the reply is held to the
//!   answer call alone (`ROOT_ANSWER_GRAMMAR`); under an output schema, to
//!   the schema (the reply is then the JSON answer), and an answer that
//!   fails the schema is sent back once with what is wrong (issue #57);
//! - elsewhere a reply that is a program is refused, and the model is
//!   asked once more, briefly, for the answer alone (if a call still fits
//!   in the time left); so is a FINAL of the template's text (small models
//!   copy the prompt's `FINAL("<the answer itself>")`), and an answer that
//!   copies the closing prompt's own words back;
//! - the closing call is made while it still fits: once the time left is
//!   under three times the slowest root call so far (one more step would
//!   leave no room for the closing call and its one re-ask), the run
//!   closes rather than take another step.

use std::time::Duration;

use rlm_helps::is_placeholder;
use rlm_prompts::extract::{ProseFinal, extract, lone_final};
use rlm_prompts::render_or_explain;
use rlm_prompts::text::{is_literal, plain_text, strip_quotes, truncate_middle};
use rlm_trace::ErrorEvent;
use rlm_types::ChatMessage;

use super::{RunOut, Runner};
use crate::outcome::Finish;
use crate::root_call::{RootError, Sampling, call_root_with};

/// The closing call's sampling: held to the answer call where the provider can.
const CLOSING: Sampling = Sampling { temperature: None, constrained: false, answer_only: true };

impl Runner {
    /// `Some(reason)` when the time left no longer fits another step, the
    /// closing call and its re-ask: under three times the slowest root call.
    pub(super) fn time_short(&self) -> Option<String> {
        // The values decided by are the recorded ones in a replay (they say
        // themselves in the closing prompt): `RunClock::decided`.
        let clock = self.scope.budget.clock();
        let left = clock.decided(self.scope.budget.time_left()?);
        let slowest = clock.decided(self.slowest_root_call);
        if slowest.is_zero() || left >= slowest * 3 {
            return None;
        }
        let seconds = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        Some(self.note(
            &self.engine().prompts.notes.finalize_time_short,
            &[("left", &seconds(left)), ("latency", &seconds(slowest))],
        ))
    }

    /// Asks the model for an answer now (no code), or ends with what the
    /// program has put aside.
    pub(super) async fn finalize(&mut self, reason: String) -> RunOut {
        if self.scope.cancelled() {
            return self.cancelled();
        }
        let partial = self.partial();
        let notes = &self.engine().prompts.notes;
        let partial_note = match &partial {
            Some(p) => self.note(&notes.finalize_partial, &[("answer", &truncate_middle(p, 500))]),
            None => String::new(),
        };
        let prompt = render_or_explain(
            &self.engine().prompts.finalize_now,
            &[("reason", &reason), ("partial", &partial_note)],
        );
        let messages = self.closing_messages(&prompt);
        let (mut messages, first) =
            call_root_with(&self.scope, messages, self.steps + 1, CLOSING).await;
        let mut reply = match first {
            Ok(reply) => reply,
            Err(RootError::Cancelled) => return self.cancelled(),
            Err(_) => return self.end(partial, Finish::BestEffort { reason }),
        };
        // One re-ask at most (the time check leaves room for one): a program,
        // the template's own FINAL, or the prompt's words copied back, is no answer.
        let mut said = prompt;
        if let Some((why, note)) = self.no_answer_shape(&reply, &said)
            && self.one_more_call_fits()
        {
            said.push_str(&note);
            self.scope.recorder.error(
                self.scope.run_span,
                ErrorEvent {
                    message: format!("the closing reply was {why}: asked once more for the answer"),
                    fatal: false,
                },
            );
            match self.ask_again(&mut messages, &reply, note).await {
                Ok(Some(again)) => reply = again,
                Err(Cancelled) => return self.cancelled(),
                // The first reply stands (it holds no answer: the partial one is taken).
                Ok(None) => {}
            }
        }
        let mut answer = self.closing_answer(&reply).await.filter(|a| !self.echoes(&said, a));
        // Under an output schema, an answer that fails it is sent back once
        // with what is wrong, as a FINAL in a step would be (issue #57).
        if let Some(candidate) = answer.clone()
            && let Err(note) = self.schema_answer(&candidate)
            && self.one_more_call_fits()
        {
            match self.ask_again(&mut messages, &reply, note).await {
                Ok(Some(again)) => answer = self.closing_answer(&again).await.or(answer),
                Err(Cancelled) => return self.cancelled(),
                Ok(None) => {}
            }
        }
        if answer.is_none() {
            // The partial answer's origin: the variable the program left it in.
            let auto = self.engine().options.auto_final_var.clone();
            self.closing_written = self.literal_vars.contains(super::evidence::ANSWER_CONTENT)
                || auto.is_some_and(|v| self.literal_vars.contains(&v));
        }
        self.end(answer.or(partial), Finish::Finalized { reason })
    }

    /// The closing call's messages (issue #78): the run's opening, then the
    /// digest of what the programs printed (each distinct output once, with
    /// its step, within the step output's size) and the closing prompt, in
    /// place of the transcript whose repeats drowned the evidence. A run
    /// whose programs printed nothing keeps its transcript.
    fn closing_messages(&self, prompt: &str) -> Vec<ChatMessage> {
        if self.outputs.is_empty() {
            let mut messages = self.messages.clone();
            messages.push(ChatMessage::user(prompt.to_string()));
            return messages;
        }
        let notes = &self.engine().prompts.notes;
        let budget = self.engine().options.max_output_chars;
        let each = (budget / self.outputs.len()).max(DIGEST_ENTRY_MIN_CHARS);
        let entries: String = self
            .outputs
            .iter()
            .map(|(step, output)| {
                let output = truncate_middle(output, each);
                self.note(
                    &notes.closing_digest_entry,
                    &[("step", &step.to_string()), ("output", &output)],
                )
            })
            .collect();
        let digest = self.note(&notes.closing_digest, &[("outputs", &entries)]);
        let mut messages: Vec<ChatMessage> =
            self.full_history.iter().take(self.opening).cloned().collect();
        messages.push(ChatMessage::user(format!("{digest}{prompt}")));
        messages
    }

    /// One more closing call: `reply` and `note` added to `messages`, the
    /// new reply (`None`: the call failed).
    async fn ask_again(
        &mut self,
        messages: &mut Vec<ChatMessage>,
        reply: &str,
        note: String,
    ) -> Result<Option<String>, Cancelled> {
        messages.push(ChatMessage::assistant(reply.to_string()));
        messages.push(ChatMessage::user(note));
        let sent = std::mem::take(messages);
        let (back, again) = call_root_with(&self.scope, sent, self.steps + 1, CLOSING).await;
        *messages = back;
        match again {
            Ok(again) => Ok(Some(again)),
            Err(RootError::Cancelled) => Err(Cancelled),
            Err(_) => Ok(None),
        }
    }

    /// Whether a closing answer only copies the closing prompt back (a 1.5B
    /// model answered `The run must end now: 100% of the steps budget is
    /// used...`): the runtime's own words are no answer. An answer the
    /// prompt quotes as the program's (`finalize_partial`) is the partial
    /// one, which the run falls back to anyway.
    fn echoes(&mut self, prompt: &str, answer: &str) -> bool {
        let echoed = copies(prompt, answer);
        if echoed {
            self.scope.recorder.error(
                self.scope.run_span,
                ErrorEvent {
                    message: "the closing reply copied the closing prompt: no answer".into(),
                    fatal: false,
                },
            );
        }
        echoed
    }

    /// What makes a closing reply no answer, and the note that asks again:
    /// a program, a FINAL of the template's text, or an answer that is the
    /// closing prompt's words copied back (`prompt`, what the runtime said).
    fn no_answer_shape(&self, reply: &str, prompt: &str) -> Option<(&'static str, String)> {
        let notes = &self.engine().prompts.notes;
        if is_program(reply) {
            Some(("a program", notes.finalize_answer_only.clone()))
        } else if self.answers_with_template(reply) {
            Some(("the template's FINAL", notes.finalize_template_answer.clone()))
        } else if written_answer(reply).is_some_and(|a| copies(prompt, &a)) {
            Some(("the closing prompt copied", notes.finalize_copied_prompt.clone()))
        } else {
            None
        }
    }

    /// Whether a closing reply's FINAL is template text: a 0.5B model answered
    /// `FINAL("<the answer itself>")`, the closing prompt's own shape, after
    /// its programs had printed the answer (issue #60's grid).
    fn answers_with_template(&self, reply: &str) -> bool {
        if !self.engine().options.refuse_placeholder_final {
            return false;
        }
        let ex = extract(reply);
        let call = ex.prose_final.or_else(|| ex.code.iter().rev().find_map(|c| lone_final(c)));
        matches!(call, Some(ProseFinal::Final(inner)) if is_placeholder(&strip_quotes(&inner)))
    }

    /// Whether a root call as slow as the slowest so far fits in the time left.
    fn one_more_call_fits(&self) -> bool {
        let clock = self.scope.budget.clock();
        match self.scope.budget.time_left() {
            Some(left) => clock.decided(left) > clock.decided(self.slowest_root_call),
            None => true,
        }
    }

    /// The answer a closing reply gives, if any. Code is not run here: a
    /// block that is only the answer call counts. Template text is no
    /// answer, and neither is a count no program printed (issue #39: the
    /// runtime's own count grounds nothing, on the last call as on every
    /// other).
    async fn closing_answer(&mut self, reply: &str) -> Option<String> {
        // Under an output schema the closing reply may be the JSON itself
        // (the call is held to the schema where the provider can).
        if self.engine().output_schema.is_some()
            && self.scope.depth == 0
            && reply.trim_start().starts_with(['{', '['])
            && serde_json::from_str::<serde_json::Value>(reply.trim()).is_ok()
        {
            self.closing_written = true;
            return self.unless_ungrounded(reply.trim().to_string());
        }
        let ex = extract(reply);
        let prose_final =
            ex.prose_final.clone().or_else(|| ex.code.iter().rev().find_map(|c| lone_final(c)));
        // `literal`: the answer is text the reply wrote, not a value a program made.
        let (answer, literal) = match prose_final {
            Some(ProseFinal::Var(name)) => {
                self.closing_written = self.literal_vars.contains(&name);
                (self.sandbox.auto_final(&name), false)
            }
            Some(ProseFinal::Final(inner)) => {
                // A variable name or an expression over the REPL's state, else the text.
                let name = inner.trim();
                let shown = rlm_syntax::is_identifier(name)
                    .then(|| self.sandbox.display_global(name))
                    .flatten();
                if let Some(shown) = shown {
                    self.closing_written = self.literal_vars.contains(name);
                    (Some(shown), false)
                } else if is_expression(&inner) {
                    // Its value, as a step's FINAL gives it (`FINAL(f"{top} ...")`):
                    // code that fails is no answer, and its text never is one.
                    self.closing_written = false;
                    (
                        self.run_program(&format!("FINAL({inner})\n"), false).await.final_answer,
                        false,
                    )
                } else {
                    self.closing_written = true;
                    (Some(strip_quotes(&inner)), true)
                }
            }
            None if ex.code.is_empty() && !reply.trim().is_empty() => {
                self.closing_written = true;
                (Some(plain_text(reply)).filter(|a| !a.is_empty()), true)
            }
            None => (None, false),
        };
        let answer = answer?;
        if self.engine().options.refuse_placeholder_final && is_placeholder(&answer) {
            return None;
        }
        if literal { self.unless_ungrounded(answer) } else { Some(answer) }
    }

    /// A literal the closing reply wrote, unless it is a count no program
    /// printed (issue #39).
    fn unless_ungrounded(&mut self, answer: String) -> Option<String> {
        if self.helps.forced_final_ungrounded(&self.query, &answer) {
            self.scope.recorder.error(
                self.scope.run_span,
                ErrorEvent {
                    message: format!(
                        "FINAL refused at the last call: {answer} is no count a program printed"
                    ),
                    fatal: false,
                },
            );
            return None;
        }
        Some(answer)
    }
}

/// The fewest characters of one output the digest shows.
const DIGEST_ENTRY_MIN_CHARS: usize = 600;

/// Characters of a closing answer that, found in the closing prompt, make
/// it a copy of the prompt: longer than any answer the prompt itself quotes
/// by chance, shorter than its first sentence.
const ECHO_CHARS: usize = 40;
/// The shortest whole answer that counts as copied when the closing prompt
/// holds all of it (shorter ones, a number or a name, may well be there by chance).
const ECHO_WHOLE_CHARS: usize = 24;

/// Whether `answer` only copies `prompt` back: its first `ECHO_CHARS`
/// characters are in it, or all of it from `ECHO_WHOLE_CHARS` (a 0.5B model
/// answered `100% of the steps budget is used.`, the closing reason, word
/// for word).
fn copies(prompt: &str, answer: &str) -> bool {
    let whole = answer.trim();
    let head: String = whole.chars().take(ECHO_CHARS).collect();
    (head.chars().count() >= ECHO_CHARS && prompt.contains(&head))
        || (whole.chars().count() >= ECHO_WHOLE_CHARS && prompt.contains(whole))
}

/// The text a closing reply gives as its answer, as written: a FINAL's
/// literal, or prose with no code. `None` for a FINAL of a name or of an
/// expression (a value the program made, which copies nothing).
fn written_answer(reply: &str) -> Option<String> {
    let ex = extract(reply);
    match ex.prose_final.or_else(|| ex.code.iter().rev().find_map(|c| lone_final(c))) {
        Some(ProseFinal::Final(inner)) if !rlm_syntax::is_identifier(inner.trim()) => {
            Some(strip_quotes(&inner))
        }
        Some(_) => None,
        None if ex.code.is_empty() => Some(plain_text(reply)),
        None => None,
    }
}

/// Whether a FINAL's argument is code over the REPL's state: it parses, and
/// names something outside its string literals (a bare name is read as the
/// variable, or else as the word it is).
fn is_expression(inner: &str) -> bool {
    !rlm_syntax::is_identifier(inner.trim())
        && !is_literal(inner)
        && rlm_syntax::parse(&format!("({inner})\n")).is_ok()
}

/// The execution was cancelled during a closing call.
struct Cancelled;

/// Whether a closing reply is a program and no answer: code, with neither
/// a FINAL in prose nor a block that is only the answer call.
fn is_program(reply: &str) -> bool {
    let ex = extract(reply);
    !ex.code.is_empty()
        && ex.prose_final.is_none()
        && ex.code.iter().all(|c| lone_final(c).is_none())
}
