//! The judge criterion: the prompt a (cheaper) model answers about an answer,
//! and how its reply is read. The call itself is made by the loop.

use crate::prompts::{CRITERIA_JUDGE, render};

/// What the judge said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The answer fails; the judge's reason.
    Fail(String),
}

/// The judge's prompt for `requirement` about `answer` to `question`.
pub fn judge_prompt(question: &str, answer: &str, requirement: &str) -> String {
    render(
        CRITERIA_JUDGE,
        &[("question", question), ("answer", answer), ("requirement", requirement)],
    )
}

/// Reads the judge's reply: the first non-empty line starting with `PASS`
/// passes; anything else fails, with the reply (after `FAIL:`) as the reason.
/// An unreadable reply fails rather than passing unchecked.
pub fn parse_verdict(reply: &str) -> Verdict {
    let line = reply.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let line = line.trim_matches(|c: char| c == '`' || c == '*');
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("PASS") {
        return Verdict::Pass;
    }
    let reason = if upper.starts_with("FAIL") {
        line[4..].trim_start_matches([':', ' ', '-']).trim().to_string()
    } else {
        String::new()
    };
    if reason.is_empty() {
        Verdict::Fail(format!("the judge did not pass the answer (reply: {line:?})"))
    } else {
        Verdict::Fail(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_read_strictly() {
        assert_eq!(parse_verdict("PASS"), Verdict::Pass);
        assert_eq!(parse_verdict("\n  **PASS** the answer is fine"), Verdict::Pass);
        assert_eq!(
            parse_verdict("FAIL: no year is given"),
            Verdict::Fail("no year is given".into())
        );
        assert!(
            matches!(parse_verdict("I think it is fine"), Verdict::Fail(r) if r.contains("did not pass"))
        );
        assert!(matches!(parse_verdict(""), Verdict::Fail(_)));
    }
}
