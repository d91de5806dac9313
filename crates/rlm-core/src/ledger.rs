//! No answer without evidence (issue #78): the one rule every ending of a
//! run asks, whatever path ends it (a FINAL in a program, the closing call,
//! the forced ending after replies without programs, the time budget, the
//! fallback program, a partial answer).
//!
//! The ledger keeps the *claims* (numbers and names, see below) of the
//! run's evidence: what its programs printed, what sub-models, sub-RLMs and
//! tools answered, and context text the runtime showed verbatim (the
//! evidence help's passages: the context itself, as a program printing it
//! would show it; a count or any value the runtime computed is never
//! evidence, so a step's help note gives its words and not its numbers).
//!
//! A session's earlier answers, shown to the model as its history, hold
//! claims too (what the session settled on), but are no evidence that the
//! run itself looked at anything.
//!
//! An answer a program *computed* (its FINAL's argument, or the variable it
//! answers with, is no literal: `run_loop/evidence.rs`'s `answer_sites`) is evidence of
//! itself. An answer *written* (a literal in a program, the text of a
//! reply) is grounded when every claim in it is in the evidence or in the
//! question. An answer with no other claim ("yes") is grounded once the run
//! has any evidence at all (a program computed or printed something, a call
//! answered).
//!
//! Claims:
//! - a **number** is a run of digits, its groups joined by single `,` `_`
//!   or `'` (thousands separators) and at most one `.` before more digits;
//!   numbers compare by value (`11,050` = `11050`, `3.50` = `3.5`);
//! - a **name** is a run of letters, digits and inner `_` or `-` of at least
//!   two characters holding a letter and a digit (`u882`, `shard-3`), or an
//!   upper-case letter where it is not the first word of a sentence
//!   (`Alice`, `GRPC`); names compare without case.
//!
//! Memory: the claims are kept as sets, at most [`MAX_CLAIMS`] of each kind
//! (the earliest kept; a run past them rarely turns on its last claims), each
//! at most [`MAX_CLAIM_BYTES`] long (a longer run of digits or letters is no
//! claim); the text is read in place, never copied.

use std::collections::HashSet;

/// The most claims kept per set.
pub(crate) const MAX_CLAIMS: usize = 100_000;

/// The longest claim, in bytes: a longer run of digits or letters states no
/// fact a reader would check (a hash, a filler), and keeping it would copy
/// a program's or a question's whole text.
const MAX_CLAIM_BYTES: usize = 128;

/// See the module docs.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Ledger {
    evidence: Claims,
    /// Whether anything at all was evidence (a program printed or computed
    /// something, a call answered).
    any_evidence: bool,
}

/// Numbers (canonical decimal text) and names (lower case).
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Claims {
    numbers: HashSet<String>,
    names: HashSet<String>,
}

impl Claims {
    /// Every number and every word of `text` (evidence and the question
    /// hold a name wherever it stands, a sentence's first word too).
    fn add(&mut self, text: &str) {
        for_each_claim(text, true, |claim| {
            let set = match claim {
                Claim::Number(_) => &mut self.numbers,
                Claim::Name(_) => &mut self.names,
            };
            if set.len() < MAX_CLAIMS {
                set.insert(claim.into_key());
            }
        });
    }

    /// Adds `other`'s claims, within the same bound.
    fn absorb(&mut self, other: Claims) {
        for (mine, theirs) in [(&mut self.numbers, other.numbers), (&mut self.names, other.names)] {
            let room = MAX_CLAIMS.saturating_sub(mine.len());
            mine.extend(theirs.into_iter().take(room));
        }
    }

    fn holds(&self, claim: &Claim) -> bool {
        match claim {
            Claim::Number(n) => self.numbers.contains(n),
            Claim::Name(n) => self.names.contains(n),
        }
    }
}

/// Why an answer is not grounded: its claims no evidence holds (empty: the
/// run has no evidence at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unfounded {
    pub missing: Vec<String>,
}

impl Ledger {
    /// Evidence: a program's output, a sub-model's or tool's answer,
    /// context text the runtime showed verbatim.
    pub(crate) fn evidence(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.any_evidence = true;
        self.evidence.add(text);
    }

    /// Takes in another ledger's evidence (what a program's calls answered,
    /// gathered while they were served).
    pub(crate) fn absorb(&mut self, other: Ledger) {
        self.any_evidence |= other.any_evidence;
        self.evidence.absorb(other.evidence);
    }

    /// An earlier answer of the run's session, shown as its history: its
    /// claims ground a later answer's, but it is no sign this run looked at
    /// anything (an answer with no claims still needs this run's evidence).
    pub(crate) fn settled(&mut self, answer: &str) {
        self.evidence.add(answer);
    }

    /// Context text a help showed in a step's note (the teaching note's
    /// passages, the counting help's lines): its words are evidence, its
    /// numbers are not (such a note also holds the runtime's own count,
    /// which grounds nothing: issue #39).
    pub(crate) fn shown(&mut self, note: &str) {
        if note.trim().is_empty() {
            return;
        }
        self.any_evidence = true;
        let names = &mut self.evidence.names;
        for_each_claim(note, true, |claim| {
            if let Claim::Name(name) = claim
                && names.len() < MAX_CLAIMS
            {
                names.insert(name);
            }
        });
    }

    /// A program computed something (it read the context or a variable,
    /// called a function, looped: `evidence::Evidence::Computed`), printed
    /// or not: the run has evidence, for an answer with no claims.
    pub(crate) fn computed(&mut self) {
        self.any_evidence = true;
    }

    /// Whether `answer` rests on the evidence or on `question` (whose
    /// claims need none): at once when a program `computed` it, else by its
    /// claims (see the module docs). The question is read here, never kept:
    /// it may be many MiB, and only the answer's few claims are looked for.
    pub(crate) fn check(
        &self,
        answer: &str,
        computed: bool,
        question: &str,
    ) -> Result<(), Unfounded> {
        if computed {
            return Ok(());
        }
        // In the answer's order, each once: an answer or a question of many
        // MiB costs a set lookup per claim, never a scan of the others.
        let mut missing: Vec<Claim> = Vec::new();
        let mut unfounded: HashSet<Claim> = HashSet::new();
        for_each_claim(answer, false, |claim| {
            if unfounded.len() < MAX_CLAIMS
                && !self.evidence.holds(&claim)
                && unfounded.insert(claim.clone())
            {
                missing.push(claim);
            }
        });
        if !unfounded.is_empty() {
            for_each_claim(question, true, |claim| {
                unfounded.remove(&claim);
            });
        }
        let missing: Vec<String> = missing
            .into_iter()
            .filter(|claim| unfounded.contains(claim))
            .map(Claim::into_key)
            .collect();
        match (missing.is_empty(), self.any_evidence) {
            (true, true) => Ok(()),
            _ => Err(Unfounded { missing }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Claim {
    Number(String),
    Name(String),
}

impl Claim {
    fn into_key(self) -> String {
        match self {
            Claim::Number(n) | Claim::Name(n) => n,
        }
    }
}

/// Visits the claims of `text`, in order (see the module docs); with
/// `every_word`, every word of two characters or more is a name (what
/// evidence holds). It walks `text` in place: a program's whole output or a
/// question of many MiB costs no copy of it, only the claims kept.
fn for_each_claim(text: &str, every_word: bool, mut visit: impl FnMut(Claim)) {
    let mut sentence_start = true;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if c.is_ascii_digit() {
            let (end, number) = number_at(text, i);
            let Some(number) = number else {
                // Too long to be a claim: skipped whole, as a word is.
                i = word_end(text, end);
                sentence_start = false;
                continue;
            };
            // A number glued to letters is a name (`u882`): read as a word.
            let glued =
                text[end..].chars().next().is_some_and(|n| is_word_char(n) && !n.is_ascii_digit());
            let after_word = text[..i].chars().next_back().is_some_and(is_word_char);
            if !glued && !after_word {
                visit(Claim::Number(number));
                i = end;
                sentence_start = false;
                continue;
            }
        }
        if is_word_char(c) {
            let end = word_end(text, i);
            let word = &text[i..end];
            if word.len() > MAX_CLAIM_BYTES {
                sentence_start = false;
                i = end;
                continue;
            }
            let name = match every_word {
                true => (word.chars().nth(1).is_some()).then(|| word.to_lowercase()),
                false => name_of(word, sentence_start),
            };
            if let Some(name) = name {
                visit(Claim::Name(name));
            }
            sentence_start = false;
            i = end;
            continue;
        }
        if matches!(c, '.' | '!' | '?' | '\n') {
            sentence_start = true;
        }
        i += c.len_utf8();
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The end (a byte offset) of the word starting at byte `start`: letters and
/// digits, with inner `_` or `-` joining them.
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut rest = text[start..].chars().peekable();
    while let Some(c) = rest.next() {
        let joins = matches!(c, '_' | '-') && rest.peek().is_some_and(|&n| is_word_char(n));
        if !is_word_char(c) && !joins {
            break;
        }
        end += c.len_utf8();
    }
    end
}

/// A word's name claim (lower case), if it is one (see the module docs).
fn name_of(word: &str, sentence_start: bool) -> Option<String> {
    // One character is no name.
    word.chars().nth(1)?;
    let letter = word.chars().any(char::is_alphabetic);
    let digit = word.chars().any(|c| c.is_ascii_digit());
    let upper = word.chars().any(char::is_uppercase);
    ((letter && digit) || (upper && !sentence_start)).then(|| word.to_lowercase())
}

/// The number starting at byte `start` (a digit): where it ends and its
/// value as canonical decimal text (`None` past [`MAX_CLAIM_BYTES`]).
/// Digits and separators are ASCII, so it reads bytes.
fn number_at(text: &str, start: usize) -> (usize, Option<String>) {
    let bytes = text.as_bytes();
    let digit = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    let mut digits = String::new();
    let mut fraction = String::new();
    let mut end = start;
    while digit(end) {
        end += 1;
    }
    if end - start > MAX_CLAIM_BYTES {
        return (end, None);
    }
    digits.push_str(&text[start..end]);
    // Thousands groups: a separator, then exactly three digits.
    while matches!(bytes.get(end), Some(b',' | b'_' | b'\''))
        && (end + 1..end + 4).all(digit)
        && !digit(end + 4)
    {
        digits.push_str(&text[end + 1..end + 4]);
        end += 4;
        if end - start > MAX_CLAIM_BYTES {
            return (end, None);
        }
    }
    if bytes.get(end) == Some(&b'.') && digit(end + 1) {
        let from = end + 1;
        end = from;
        while digit(end) {
            end += 1;
        }
        if end - start > MAX_CLAIM_BYTES {
            return (end, None);
        }
        fraction.push_str(&text[from..end]);
    }
    let whole = digits.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    let value = if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") };
    (end, Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_claim(text, false, |claim| out.push(claim.into_key()));
        out
    }

    #[test]
    fn numbers_compare_by_value_and_names_by_letters() {
        assert_eq!(keys("The total is 11,050."), ["11050"]);
        assert_eq!(keys("3.50 and 3.0 and 007"), ["3.5", "3", "7"]);
        assert_eq!(keys("1_000_000 but 12,34"), ["1000000", "12", "34"]);
        assert_eq!(keys("Alice met Bob in GRPC logs"), ["bob", "grpc"]);
        assert_eq!(
            keys("user u882 on shard-3562, cost 10,000 euros."),
            ["u882", "shard-3562", "10000"]
        );
        assert_eq!(keys("Done. Next, Carol said hi! Yes"), ["carol"]);
        assert_eq!(keys("no claims here at all"), Vec::<String>::new());
        // Past the longest claim: skipped whole, the rest still read.
        let long = format!("{} Bob {}x 12", "9".repeat(200), "Y".repeat(200));
        assert_eq!(keys(&long), ["bob", "12"]);
    }

    #[test]
    fn a_written_answer_s_claims_must_be_in_the_evidence() {
        let question = "How much did the order cost?";
        let mut ledger = Ledger::default();
        ledger.evidence("total: 10,000");
        assert_eq!(
            ledger.check("The order cost 11,050 euros.", false, question),
            Err(Unfounded { missing: vec!["11050".into()] })
        );
        assert_eq!(ledger.check("It cost 10000 euros", false, question), Ok(()));
        // A program computed it: evidence of itself.
        assert_eq!(ledger.check("11,050", true, question), Ok(()));
    }

    #[test]
    fn the_question_s_claims_need_no_evidence_and_no_evidence_grounds_nothing() {
        let question = "Is user U882 an admin?";
        let mut ledger = Ledger::default();
        assert_eq!(ledger.check("yes, U882", false, question), Err(Unfounded { missing: vec![] }));
        ledger.evidence("role: admin");
        assert_eq!(ledger.check("yes, U882", false, question), Ok(()));
    }

    #[test]
    fn missing_claims_are_named_once_in_the_answer_s_order_whatever_the_sizes() {
        let mut ledger = Ledger::default();
        ledger.evidence("seen: 8");
        // Answers and questions of many claims (a model's long reply, a
        // question of MiBs): each claim is looked up once, not scanned for.
        let answer: String = (0..60_000).map(|n| format!("{n} ")).collect();
        let question: String = (1..60_000).step_by(2).map(|n| format!("{n} ")).collect();
        let Err(Unfounded { missing }) = ledger.check(&answer, false, &question) else {
            panic!("an answer of unseen numbers is not grounded")
        };
        // The odd ones are asked, 8 was seen: the other even ones are missing.
        let expected: Vec<String> =
            (0..60_000).step_by(2).filter(|n| *n != 8).map(|n: usize| n.to_string()).collect();
        assert!(missing == expected, "{} missing, {} expected", missing.len(), expected.len());
        // At most MAX_CLAIMS are looked for.
        let many: String = (0..2 * MAX_CLAIMS).map(|n| format!("{n} ")).collect();
        let Err(Unfounded { missing }) = ledger.check(&many, false, "") else {
            panic!("not grounded")
        };
        assert_eq!(missing.len(), MAX_CLAIMS);
        assert_eq!(
            ledger.check("12 u882 12 Bob u882", false, ""),
            Err(Unfounded { missing: vec!["12".into(), "u882".into(), "bob".into()] })
        );
    }
}
