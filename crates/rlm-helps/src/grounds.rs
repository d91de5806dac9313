//! Answers the runtime can vouch for (issue #19): what it showed the model
//! (the first message's evidence, every program's output) and the counts the
//! model's own programs printed. Two helps read them:
//! - `Helps::bare_answer`: a reply that is only a short answer, with no
//!   program and no `FINAL`, ends the run when that answer is grounded: a
//!   count one of the model's programs printed, or a text copied from what
//!   the runtime showed (and not from the question).
//! - judging a counting question's FINAL ([`Grounds::judge_count`]).
//!
//! No circular grounding (issue #39): a count the runtime itself showed (the
//! counting help's lines matching its own regex) grounds nothing. A 1.5B
//! model was shown "(count: 0)" for a question its regex did not express,
//! answered FINAL("0"), and the runtime accepted it; the answer was 9. Only
//! a count a program the model wrote has printed grounds an answer, and a
//! claimed count that contradicts such output is refused.

use crate::placeholder::is_placeholder;
use crate::shape::QuestionShape;
use crate::text::strip_quotes;

/// Characters of a bare answer, at most: longer replies are prose.
const BARE_ANSWER_CHARS: usize = 120;

/// Characters of a text answer, at least: shorter ones occur anywhere.
const TEXT_ANSWER_MIN_CHARS: usize = 3;

/// What the runtime showed and the model's programs printed during one run.
#[derive(Debug, Default)]
pub struct Grounds {
    /// Counts the model's programs printed (the last line of an output), in order.
    printed: Vec<u64>,
    /// Counts the runtime showed itself (what its own search matched): never grounds.
    suggested: Vec<u64>,
    /// Texts the runtime showed: evidence and program output.
    shown: Vec<String>,
}

/// What a counting question's claimed count rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountGround {
    /// A program of the model printed it.
    Printed,
    /// The model's programs printed counts, the last of them this one.
    Contradicts { printed: u64 },
    /// No program of the model printed a count; `suggested`: the runtime
    /// itself showed this number.
    Unprinted { suggested: bool },
}

impl Grounds {
    /// A count a program the model wrote printed.
    pub fn add_printed(&mut self, count: u64) {
        self.printed.retain(|&c| c != count);
        self.printed.push(count);
    }

    /// A count the runtime showed itself (kept only to say so when it is claimed).
    pub fn add_suggested(&mut self, count: u64) {
        if !self.suggested.contains(&count) {
            self.suggested.push(count);
        }
    }

    pub fn add_shown(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.shown.push(text.to_string());
        }
    }

    /// Whether `n` is a count a program of the model printed.
    pub fn vouches_for_count(&self, n: u64) -> bool {
        self.printed.contains(&n)
    }

    /// What a claimed count `n` rests on.
    pub fn judge_count(&self, n: u64) -> CountGround {
        match self.printed.last() {
            _ if self.vouches_for_count(n) => CountGround::Printed,
            Some(&printed) => CountGround::Contradicts { printed },
            None => CountGround::Unprinted { suggested: self.suggested.contains(&n) },
        }
    }

    /// The answer a reply with no program and no `FINAL` gives, when it is
    /// one short line grounded in what the runtime counted or showed.
    pub fn bare_answer(&self, reply: &str, query: &str) -> Option<String> {
        let line = reply.trim();
        if line.is_empty()
            || line.contains('\n')
            || line.contains('`')
            || line.chars().count() > BARE_ANSWER_CHARS
        {
            return None;
        }
        let answer = strip_quotes(line.trim_end_matches('.').trim());
        if answer.is_empty() || is_placeholder(&answer) {
            return None;
        }
        if QuestionShape::of(query) == QuestionShape::Count {
            return count_value(&answer)
                .filter(|&n| self.vouches_for_count(n))
                .map(|n| n.to_string());
        }
        if answer.chars().count() < TEXT_ANSWER_MIN_CHARS
            || query.to_lowercase().contains(&answer.to_lowercase())
        {
            return None;
        }
        self.shown.iter().any(|t| t.contains(answer.as_str())).then_some(answer)
    }
}

/// The count a text is (digits, optionally grouped with commas), if it is one.
pub fn count_value(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == ',') || t.starts_with(',') {
        return None;
    }
    t.replace(',', "").parse().ok()
}

/// The count a program printed: its last non-empty output line, when that
/// line is a count.
pub fn printed_count(stdout: &str) -> Option<u64> {
    stdout.lines().map(str::trim).rfind(|l| !l.is_empty()).and_then(count_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNT_Q: &str = "How many LOGIN_FAILED events are logged on 2026-03-04?";
    const LOOKUP_Q: &str = "What is the secret passphrase for the archive vault?";

    fn grounds() -> Grounds {
        let mut g = Grounds::default();
        g.add_printed(23);
        g.add_shown("[1] context[10:90]: The secret passphrase is cobalt-harbor-71. More text");
        g
    }

    #[test]
    fn a_count_the_runtime_suggested_grounds_nothing() {
        let mut g = Grounds::default();
        g.add_suggested(0);
        assert_eq!(g.bare_answer("0", COUNT_Q), None);
        assert_eq!(g.judge_count(0), CountGround::Unprinted { suggested: true });
        assert_eq!(g.judge_count(9), CountGround::Unprinted { suggested: false });
        g.add_printed(9);
        g.add_printed(4);
        assert_eq!(g.judge_count(9), CountGround::Printed);
        assert_eq!(g.judge_count(0), CountGround::Contradicts { printed: 4 });
        assert_eq!(g.bare_answer("9", COUNT_Q).as_deref(), Some("9"));
    }

    #[test]
    fn a_bare_count_is_taken_only_when_a_program_printed_it() {
        let g = grounds();
        assert_eq!(g.bare_answer("23", COUNT_Q).as_deref(), Some("23"));
        assert_eq!(g.bare_answer(" \"23\". ", COUNT_Q).as_deref(), Some("23"));
        assert_eq!(g.bare_answer("2", COUNT_Q), None);
        assert_eq!(g.bare_answer("23 events", COUNT_Q), None, "prose is not a bare count");
        assert_eq!(Grounds::default().bare_answer("23", COUNT_Q), None);
    }

    #[test]
    fn a_bare_text_is_taken_only_when_it_was_shown_and_is_not_the_question() {
        let g = grounds();
        assert_eq!(
            g.bare_answer("cobalt-harbor-71", LOOKUP_Q).as_deref(),
            Some("cobalt-harbor-71")
        );
        assert_eq!(g.bare_answer("amber-falcon-42", LOOKUP_Q), None, "never shown");
        assert_eq!(g.bare_answer("secret passphrase", LOOKUP_Q), None, "the question's words");
        assert_eq!(g.bare_answer("is", LOOKUP_Q), None, "too short to mean anything");
        assert_eq!(g.bare_answer("```repl\nprint(1)\n```", LOOKUP_Q), None);
        assert_eq!(g.bare_answer("cobalt-harbor-71\nand more", LOOKUP_Q), None);
        assert_eq!(g.bare_answer("answer", LOOKUP_Q), None, "a placeholder");
        // A counting question's answer is a number the runtime counted; a
        // lookup's may be a number the runtime showed.
        assert_eq!(g.bare_answer("cobalt-harbor-71", COUNT_Q), None);
        assert_eq!(g.bare_answer("90", LOOKUP_Q), None, "too short");
        let mut g = grounds();
        g.add_shown("founded in 1997 by");
        assert_eq!(g.bare_answer("1997", LOOKUP_Q).as_deref(), Some("1997"));
    }

    #[test]
    fn counts_in_output() {
        assert_eq!(printed_count("lines\n1,234\n\n"), Some(1234));
        assert_eq!(printed_count("23"), Some(23));
        assert_eq!(printed_count("23.5"), None);
        assert_eq!(printed_count("-3"), None);
        assert_eq!(printed_count(""), None);
        assert_eq!(count_value(",5"), None);
    }
}
