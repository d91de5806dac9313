//! Counting by program (issue #19): which lines of a text a "how many ..."
//! question counts. A small model cannot count, but the question usually
//! names what to count (an identifier like `LOGIN_FAILED`, or plain words
//! like "errors") and often a date window; lines holding those terms inside
//! the window are the candidates, and the program counts them. The plan says
//! whether the match is exact (every candidate is meant) or needs a
//! sub-model to confirm each line.

use regex::{Regex, RegexBuilder};

use crate::dates::{DateWindow, first_stamp, stamps_in};
use crate::passages::salient_terms;

/// Words of a counting question that say "count" rather than what to count.
const COUNT_WORDS: &[&str] = &[
    "answer",
    "appear",
    "appears",
    "count",
    "days",
    "day",
    "entries",
    "entry",
    "event",
    "events",
    "file",
    "happen",
    "happened",
    "inclusive",
    "included",
    "including",
    "line",
    "lines",
    "log",
    "logged",
    "logs",
    "messages",
    "number",
    "occur",
    "occurred",
    "occurrences",
    "record",
    "recorded",
    "records",
    "seen",
    "there",
    "times",
    "total",
];

/// What a counting question counts in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct CountPlan {
    /// The terms a candidate line holds (identifiers: all of them; plain
    /// words: any of them, in any case).
    pub terms: Vec<String>,
    /// The same as a case-insensitive regex for one line.
    pub pattern: String,
    /// The dates the question names, if any.
    pub window: Option<DateWindow>,
    /// Every candidate is meant (the question named identifiers and nothing
    /// else tells the candidates apart); otherwise a sub-model confirms.
    pub exact: bool,
    /// Words of the question the pattern does not express (issue #39): its
    /// plain words when it counts identifiers, and its identifiers and words
    /// that never occur in the text. Empty when the pattern is all the
    /// question names besides counting words and dates.
    pub unmapped: Vec<String>,
}

impl CountPlan {
    /// The plan for `question` over `text`: `None` when no word of the
    /// question occurs in the text.
    pub fn for_question(question: &str, text: &str) -> Option<CountPlan> {
        // Dates are the window, not terms.
        let mut rest = question.to_string();
        for (_, range) in stamps_in(question).into_iter().rev() {
            rest.replace_range(range, " ");
        }
        let window = DateWindow::from_question(question);
        let identifiers: Vec<String> = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map(|w| w.trim_matches(|c| c == '-' || c == '.'))
            .filter(|w| is_identifier(w))
            .map(str::to_string)
            .fold(Vec::new(), |mut acc, w| {
                if !acc.contains(&w) {
                    acc.push(w);
                }
                acc
            });
        let named = identifiers.clone();
        let identifiers: Vec<String> = identifiers
            .into_iter()
            .filter(|w| word_regex(&[w]).is_some_and(|r| r.is_match(text)))
            .collect();
        let plain: Vec<String> = salient_terms(&rest)
            .into_iter()
            .filter(|w| {
                !COUNT_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit())
            })
            .filter(|w| !named.iter().any(|i| i.eq_ignore_ascii_case(w)))
            .collect();
        let occurs = |w: &String| word_regex(&[w]).is_some_and(|r| r.is_match(text));
        // A plain word is expressed when it or its singular occurs.
        let mut words: Vec<String> = Vec::new();
        let mut absent: Vec<String> = Vec::new();
        for w in plain {
            let forms: Vec<String> =
                std::iter::once(w.clone()).chain(singular(&w)).filter(occurs).collect();
            if forms.is_empty() {
                absent.push(w);
            }
            words.extend(forms);
        }
        let (terms, all) =
            if identifiers.is_empty() { (words.clone(), false) } else { (identifiers, true) };
        if terms.is_empty() {
            return None;
        }
        let mut unmapped: Vec<String> = named.into_iter().filter(|w| !terms.contains(w)).collect();
        if all {
            unmapped.extend(words.iter().cloned());
        }
        unmapped.extend(absent);
        let mut plan = CountPlan { terms, pattern: String::new(), window, exact: all, unmapped };
        plan.pattern = plan.line_pattern(all);
        if plan.exact {
            // Other words of the question that hold for some candidates and
            // not others (a service, a user) need a reader.
            let candidates = plan.lines(text);
            plan.exact = !words.iter().any(|w| {
                word_regex(&[w]).is_some_and(|r| {
                    let n = candidates.iter().filter(|l| r.is_match(l)).count();
                    n > 0 && n < candidates.len()
                })
            });
        }
        Some(plan)
    }

    /// One regex a line must match: identifiers in order of appearance
    /// (each a whole word) or any plain word.
    fn line_pattern(&self, all: bool) -> String {
        let escaped: Vec<String> = self.terms.iter().map(|t| regex::escape(t)).collect();
        if all && escaped.len() > 1 {
            // Lines hold several identifiers in either order.
            let orders = [
                escaped.join(r"\b.*\b"),
                escaped.iter().rev().cloned().collect::<Vec<_>>().join(r"\b.*\b"),
            ];
            format!(r"\b(?:{})\b", orders.join("|"))
        } else if let [one] = escaped.as_slice() {
            format!(r"\b{one}\b")
        } else {
            format!(r"\b(?:{})\b", escaped.join("|"))
        }
    }

    /// The candidate lines of `text`: they match the pattern and, when the
    /// question names dates, are dated inside the window.
    pub fn lines<'t>(&self, text: &'t str) -> Vec<&'t str> {
        match case_insensitive(&self.pattern) {
            Some(re) => select_lines(text, &re, self.window.as_ref()),
            None => Vec::new(),
        }
    }
}

/// Lines of `text` that `re` matches and, given a window, whose first date
/// falls inside it (undated lines are then left out).
pub fn select_lines<'t>(text: &'t str, re: &Regex, window: Option<&DateWindow>) -> Vec<&'t str> {
    text.lines()
        .filter(|l| re.is_match(l))
        .filter(|l| window.is_none_or(|w| first_stamp(l).is_some_and(|s| w.contains(&s))))
        .collect()
}

/// `pattern` compiled case-insensitively, size-limited.
pub fn case_insensitive(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 22).build().ok()
}

fn word_regex(words: &[&String]) -> Option<Regex> {
    let alternatives: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
    case_insensitive(&format!(r"\b(?:{})\b", alternatives.join("|")))
}

/// A token written as a name, not a word: `LOGIN_FAILED`, `TIMEOUT`,
/// `E1234`, `u9408`, `cache-miss`.
fn is_identifier(w: &str) -> bool {
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 || w.chars().count() < 2 {
        return false;
    }
    let upper = w.chars().filter(|c| c.is_uppercase()).count();
    w.contains('_')
        || (upper == letters && letters >= 2)
        || (w.chars().any(|c| c.is_ascii_digit()) && w.chars().all(|c| c.is_alphanumeric()))
        || (w.contains('-') && w.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// "errors" -> "error", "entries" -> "entry"; `None` for words not plural.
fn singular(w: &str) -> Option<String> {
    if let Some(stem) = w.strip_suffix("ies") {
        return (stem.len() >= 2).then(|| format!("{stem}y"));
    }
    if w.ends_with("ss") || w.ends_with("us") {
        return None;
    }
    w.strip_suffix('s').filter(|s| s.len() >= 3).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# export; columns: time | level | service | event | user\n\
        2026-03-03T10:00:00Z | ERROR | auth | LOGIN_FAILED | u1\n\
        2026-03-04T08:12:31Z | ERROR | search | LOGIN_FAILED | u2\n\
        2026-03-04T09:00:00Z | INFO | auth | LOGIN_OK | u3\n\
        2026-03-05T23:59:00Z | ERROR | auth | LOGIN_FAILED | u4\n\
        2026-03-06T01:00:00Z | ERROR | billing | PAYMENT_FAILED | u5\n\
        2026-03-06T22:00:00Z | ERROR | mailer | login_failed | u6\n\
        2026-03-07T00:00:01Z | ERROR | auth | LOGIN_FAILED | u7\n";

    fn count(question: &str) -> (usize, bool) {
        let plan = CountPlan::for_question(question, LOG).unwrap();
        (plan.lines(LOG).len(), plan.exact)
    }

    #[test]
    fn identifiers_and_a_window_in_several_phrasings() {
        for q in [
            "How many LOGIN_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)? Answer with a number.",
            "Count the LOGIN_FAILED entries between March 4, 2026 and March 6, 2026.",
            "What is the number of LOGIN_FAILED lines from 03/04/2026 through 03/06/2026?",
            "how many times does LOGIN_FAILED occur between 4 Mar 2026 and 6 Mar 2026",
        ] {
            assert_eq!(count(q), (3, true), "{q}");
        }
        // No window: every line with the identifier, the header left out.
        assert_eq!(count("How many LOGIN_FAILED events are there?"), (5, true));
        assert_eq!(count("How many PAYMENT_FAILED events on 2026-03-06?"), (1, true));
        let plan =
            CountPlan::for_question("How many LOGIN_FAILED since 2026-03-06T00:00?", LOG).unwrap();
        assert_eq!(plan.lines(LOG).len(), 2);
    }

    #[test]
    fn plain_words_and_distinguishing_words_need_a_reader() {
        // "errors" is a word, not a name: every ERROR line is a candidate.
        assert_eq!(count("How many errors were logged on 2026-03-06?"), (2, false));
        // "auth" holds for some LOGIN_FAILED lines and not others.
        let plan =
            CountPlan::for_question("How many LOGIN_FAILED events did the auth service log?", LOG)
                .unwrap();
        assert!(!plan.exact && plan.lines(LOG).len() == 5, "{plan:?}");
        assert_eq!(CountPlan::for_question("How many zebras?", LOG), None);
    }

    #[test]
    fn the_words_a_plan_does_not_express_are_named() {
        let plan = |q: &str| CountPlan::for_question(q, LOG).unwrap();
        let window = "How many LOGIN_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)? Answer with a number.";
        assert!(plan(window).unmapped.is_empty(), "{:?}", plan(window));
        // The issue #39 miss: the users were no part of the regex.
        let p = plan("How many users had LOGIN_FAILED and then TIMEOUT?");
        assert_eq!(
            (p.terms.clone(), p.unmapped.clone()),
            (vec!["LOGIN_FAILED".to_string()], vec!["TIMEOUT".to_string(), "user".to_string()])
        );
        assert_eq!(
            plan("How many LOGIN_FAILED events did the auth service log?").unmapped,
            ["auth", "service"]
        );
        assert_eq!(plan("How many errors by gremlins?").unmapped, ["gremlins"]);
    }

    #[test]
    fn identifiers_and_plurals() {
        assert!(
            is_identifier("LOGIN_FAILED") && is_identifier("TIMEOUT") && is_identifier("u9408")
        );
        assert!(!is_identifier("How") && !is_identifier("events") && !is_identifier("A"));
        assert_eq!(singular("errors").as_deref(), Some("error"));
        assert_eq!(singular("entries").as_deref(), Some("entry"));
        assert_eq!(singular("status"), None);
    }
}
