//! Answers the runtime can vouch for (issue #19): what it showed the model
//! (the first message's evidence, every program's output) and the counts it
//! made itself. Two helps read them:
//! - `Helps::bare_answer`: a reply that is only a short answer, with no
//!   program and no `FINAL`, ends the run when that answer is grounded: a
//!   number equal to the runtime's exact count, or a text copied from what
//!   the runtime showed (and not from the question). A 1.5B model answered
//!   "23" to a counting question whose first message showed "count: 23",
//!   and the reply was refused as having no program.
//! - `Helps::confirmed_repeat`: a program sent again right after it printed
//!   a count equal to the runtime's exact count ends the run with that count.
//!   The same model, shown that its count agreed, re-sent the program until
//!   the time budget ran out.

use crate::placeholder::is_placeholder;
use crate::shape::QuestionShape;
use crate::text::strip_quotes;

/// Characters of a bare answer, at most: longer replies are prose.
const BARE_ANSWER_CHARS: usize = 120;

/// Characters of a text answer, at least: shorter ones occur anywhere.
const TEXT_ANSWER_MIN_CHARS: usize = 3;

/// What the runtime showed and counted during one run.
#[derive(Debug, Default)]
pub struct Grounds {
    /// Counts the runtime made itself and vouches for (exact counting plans).
    counts: Vec<u64>,
    /// Texts the runtime showed: evidence and program output.
    shown: Vec<String>,
}

impl Grounds {
    pub fn add_count(&mut self, count: u64) {
        if !self.counts.contains(&count) {
            self.counts.push(count);
        }
    }

    pub fn add_shown(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.shown.push(text.to_string());
        }
    }

    /// Whether `n` is a count the runtime made itself.
    pub fn vouches_for_count(&self, n: u64) -> bool {
        self.counts.contains(&n)
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
        g.add_count(23);
        g.add_shown("[1] context[10:90]: The secret passphrase is cobalt-harbor-71. More text");
        g
    }

    #[test]
    fn a_bare_count_is_taken_only_when_the_runtime_counted_it() {
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
