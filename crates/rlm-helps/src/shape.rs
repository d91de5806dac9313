//! The built-in strategy the repeat escape falls back to (issue #19): a
//! program for the question's shape, run by the runtime when the model keeps
//! sending the same program. Counting questions chunk the context and add
//! up a sub-model's counts, or, with `Helps::count_by_program`, select the
//! lines by program and count them there; every other question asks a sub-model about the
//! passages holding the question's words and keeps an answer found in its
//! passage (`answer_from_chunks`). The programs are this crate's
//! `prompts/strategy_*.py`.

use crate::prompts::HelpPrompts;

/// What a question asks for, as far as choosing a strategy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionShape {
    /// "How many ...", "count ...", "number of ...".
    Count,
    /// Anything else: find a fact.
    Lookup,
}

impl QuestionShape {
    pub fn of(question: &str) -> QuestionShape {
        let q = question.to_lowercase();
        let words: Vec<&str> = q.split(|c: char| !c.is_alphanumeric()).collect();
        let has = |w: &str| words.contains(&w);
        let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
        if pair("how", "many") || has("count") || pair("number", "of") || pair("how", "often") {
            QuestionShape::Count
        } else {
            QuestionShape::Lookup
        }
    }

    /// The strategy program for this shape; `by_program`: a counting
    /// question's lines are selected and counted by the program
    /// (`Helps::count_by_program`), not counted by sub-models per chunk.
    pub fn program(self, prompts: &HelpPrompts, by_program: bool) -> &str {
        match self {
            QuestionShape::Count if by_program => &prompts.strategy_count_lines,
            QuestionShape::Count => &prompts.strategy_count,
            QuestionShape::Lookup => &prompts.strategy_lookup,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        use QuestionShape::*;
        assert_eq!(QuestionShape::of("How many FAILED events were logged?"), Count);
        assert_eq!(QuestionShape::of("Count the errors between 3 and 5 May"), Count);
        assert_eq!(QuestionShape::of("What is the number of users?"), Count);
        assert_eq!(QuestionShape::of("What is the secret passphrase?"), Lookup);
        assert_eq!(QuestionShape::of("Which account was counted twice?"), Lookup);
    }
}
