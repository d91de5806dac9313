//! One run's helps ([`RunHelps`]): the switches it was given, and what the
//! helps remember between steps (what the runtime showed and counted, the
//! count a program printed, the programs sent, the repeats). The loop calls
//! it at three points: the first message ([`RunHelps::first_message`]),
//! after a program's output ([`RunHelps::after_output`]), and when judging a
//! candidate answer ([`RunHelps::bare_answer`], [`RunHelps::confirmed_count`],
//! [`RunHelps::final_refusal`], [`crate::is_placeholder`],
//! [`RunHelps::evidence_shown`]).

use rlm_context::Context;

use crate::count::shown_count;
use crate::evidence::{first_evidence, step_evidence};
use crate::grounds::{CountGround, Grounds, count_value, printed_count};
use crate::prompts::HelpPrompts;
use crate::shape::QuestionShape;
use crate::template::render_or_explain;

/// Which helps a run uses (each switchable; rlm-core's `Helps` says which
/// are on for a prompt profile).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Switches {
    /// Passages of a plain term search shown in the first message (0: none).
    pub evidence_passages: usize,
    /// A program that printed nothing useful is shown the text around the first hits.
    pub teaching_feedback: bool,
    /// Counting questions are counted by program (their lines shown).
    pub count_by_program: bool,
    /// Output holding most of the question's words is presented as evidence.
    pub answer_from_output: bool,
    /// A short grounded reply with no program and no FINAL is the answer.
    pub bare_answer: bool,
    /// A program re-sent right after it printed a count ends the run with it.
    pub confirmed_repeat: bool,
}

/// What the helps remember during one run.
#[derive(Debug, Default)]
pub struct RunHelps {
    switches: Switches,
    /// Evidence of the context was shown (first message or a step's note):
    /// a FINAL may rest on it before any program ran.
    evidence_shown: bool,
    /// What the runtime showed and counted (bare answers, confirmed repeats).
    grounds: Grounds,
    /// The count the last program printed (a counting question's).
    confirmed_count: Option<u64>,
    /// Every program sent, to recognise a repeat.
    programs_seen: Vec<String>,
    /// Programs not run because they repeated one sent before.
    repeats: u32,
    /// The built-in strategy ran (it runs once).
    strategy_used: bool,
    /// The first message showed the runtime's own count: its closing line
    /// then asks for a program, never for an answer (issue #39).
    count_shown: bool,
}

impl RunHelps {
    /// The first call: the evidence block of a root run's first message (a
    /// sub-RLM's question is its parent's program's, already informed: `root`
    /// false shows none), and the helps' state for the run. `retrieval` gives
    /// the retrieval-aware first step's block, asked only when no counting
    /// block was found.
    pub fn first_message(
        prompts: &HelpPrompts,
        switches: Switches,
        context: &Context,
        query: &str,
        root: bool,
        retrieval: impl FnOnce() -> Option<String>,
    ) -> (RunHelps, Option<String>) {
        let evidence =
            root.then(|| first_evidence(prompts, &switches, context, query, retrieval)).flatten();
        let mut helps =
            RunHelps { switches, evidence_shown: evidence.is_some(), ..RunHelps::default() };
        // Grounds are read only by the two grounded helps: without them the
        // runtime neither keeps what it showed nor counts the context again.
        if switches.bare_answer
            && let Some(e) = &evidence
        {
            helps.grounds.add_shown(e);
        }
        // The count the runtime showed: remembered only to refuse it as an
        // answer when no program of the model printed it (issue #39).
        if root
            && switches.count_by_program
            && evidence.is_some()
            && let Some(n) = shown_count(context, query)
        {
            helps.grounds.add_suggested(n);
            helps.count_shown = true;
        }
        (helps, evidence)
    }

    /// Whether the first message showed the runtime's own count (a
    /// heuristic reading of the question): the first message must then not
    /// invite an answer from the text above it.
    pub fn count_shown(&self) -> bool {
        self.count_shown
    }

    /// The second call, after a step's programs ran (`failed`: the last one
    /// ended with an error): the evidence note for what they printed, if
    /// any; remembers what was shown and the count printed.
    pub fn after_output(
        &mut self,
        prompts: &HelpPrompts,
        context: &Context,
        query: &str,
        code: &str,
        stdout: &str,
        failed: bool,
    ) -> Option<String> {
        let note = (!failed)
            .then(|| step_evidence(prompts, &self.switches, context, query, code, stdout))
            .flatten();
        if let Some(note) = &note {
            // The note shows the context's own text (or the runtime's count),
            // as the first message's evidence does: a FINAL may rest on it.
            self.evidence_shown = true;
            if self.switches.bare_answer {
                self.grounds.add_shown(note);
            }
        }
        if self.switches.bare_answer {
            self.grounds.add_shown(stdout);
        }
        let printed = printed_count(stdout).filter(|_| !failed);
        if let Some(n) = printed {
            self.grounds.add_printed(n);
        }
        self.confirmed_count = printed.filter(|_| QuestionShape::of(query) == QuestionShape::Count);
        note
    }

    /// Judging a FINAL (issue #39): the note refusing it when, with
    /// `count_by_program` on, a counting question's answer is a count written
    /// as a literal (`FINAL(9)`, `FINAL("9")`, in the reply's text) that no
    /// program of the model printed: it contradicts the count the model's
    /// last program printed, or none was printed (a count the runtime showed
    /// grounds nothing). A FINAL of a value a program computed is not judged.
    /// `stdout`: this step's output, whose count counts as printed.
    pub fn final_refusal(
        &self,
        prompts: &HelpPrompts,
        query: &str,
        answer: &str,
        reply: &str,
        stdout: &str,
    ) -> Option<String> {
        if !self.switches.count_by_program || QuestionShape::of(query) != QuestionShape::Count {
            return None;
        }
        let n = count_value(answer)?;
        if !literal_final(reply, answer.trim()) {
            return None;
        }
        let notes = &prompts.notes;
        let answer = n.to_string();
        let ground = match printed_count(stdout) {
            Some(p) if p == n => CountGround::Printed,
            Some(p) => CountGround::Contradicts { printed: p },
            None => self.grounds.judge_count(n),
        };
        match ground {
            CountGround::Printed => None,
            CountGround::Contradicts { printed } => Some(render_or_explain(
                &notes.final_count_contradicts,
                &[("answer", &answer), ("printed", &printed.to_string())],
            )),
            CountGround::Unprinted { suggested } => {
                let why = if suggested { notes.final_count_suggested.as_str() } else { "" };
                Some(render_or_explain(
                    &notes.final_count_unprinted,
                    &[("answer", &answer), ("suggested", why)],
                ))
            }
        }
    }

    /// Judging the answer of the run's last, forced call (issue #39), where no
    /// program runs: with `count_by_program` on, a counting question's answer
    /// given as a literal count that no program of the model printed (or that
    /// contradicts the count its last program printed) is not taken, even
    /// though the run must end. The runtime's own count grounds nothing there
    /// either. `true`: refuse it.
    pub fn forced_final_ungrounded(&self, query: &str, answer: &str) -> bool {
        if !self.switches.count_by_program || QuestionShape::of(query) != QuestionShape::Count {
            return false;
        }
        count_value(answer).is_some_and(|n| self.grounds.judge_count(n) != CountGround::Printed)
    }

    /// Judging: the answer a reply with no program and no FINAL gives, when
    /// `bare_answer` is on and it is grounded in what the runtime showed or counted.
    pub fn bare_answer(&self, reply: &str, query: &str) -> Option<String> {
        self.switches.bare_answer.then(|| self.grounds.bare_answer(reply, query))?
    }

    /// Judging a re-sent program: the count its last run printed (a counting
    /// question's), when `confirmed_repeat` is on: the model's own program
    /// printed it, and re-sending it says the model stands by it.
    pub fn confirmed_count(&self) -> Option<u64> {
        self.confirmed_count.filter(|_| self.switches.confirmed_repeat)
    }

    /// Whether the runtime showed text of the context (a FINAL may rest on it).
    pub fn evidence_shown(&self) -> bool {
        self.evidence_shown
    }

    /// Whether `code` was sent before (the repeat escape's test).
    pub fn seen_before(&self, code: &str) -> bool {
        self.programs_seen.iter().any(|p| p.trim() == code.trim())
    }

    /// Remembers a program sent.
    pub fn remember(&mut self, code: &str) {
        self.programs_seen.push(code.to_string());
    }

    /// Counts one more repeat; its number.
    pub fn count_repeat(&mut self) -> u32 {
        self.repeats += 1;
        self.repeats
    }

    /// The built-in strategy program for `query`'s shape, once, when
    /// `fallback_after` (> 0) repeats were counted.
    pub fn strategy_due(
        &mut self,
        prompts: &HelpPrompts,
        query: &str,
        fallback_after: u32,
    ) -> Option<String> {
        if fallback_after == 0 || self.repeats < fallback_after || self.strategy_used {
            return None;
        }
        self.strategy_used = true;
        let shape = QuestionShape::of(query);
        Some(shape.program(prompts, self.switches.count_by_program).to_string())
    }
}

/// Whether `reply` gives `answer` as a literal: `FINAL(answer)`,
/// `FINAL("answer")` or `FINAL('answer')`, any case, spaces aside.
fn literal_final(reply: &str, answer: &str) -> bool {
    let compact: String =
        reply.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let answer: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    ["", "\"", "'"].iter().any(|q| compact.contains(&format!("final({q}{answer}{q})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_finals() {
        assert!(literal_final("FINAL(\"0\")", "0"));
        assert!(literal_final("The answer.\nFINAL( 12 )", "12"));
        assert!(literal_final("```repl\nFinal('7')\n```", "7"));
        assert!(!literal_final("```repl\nFINAL(len(lines))\n```", "7"));
        assert!(!literal_final("FINAL(\"17\")", "7"));
    }
}
