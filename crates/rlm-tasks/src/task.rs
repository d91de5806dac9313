//! A generated task (context, question, exact answer) and how a reply is checked
//! against it; plus parsing of task names and human sizes for benchmarks.

use std::fmt;
use std::str::FromStr;

use crate::error::TaskError;
use crate::oolong::Label;

/// Smallest context a generator makes; smaller requests are raised to it.
pub const MIN_CONTEXT_BYTES: usize = 1024;

/// Which generator made a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// S-NIAH-style: find one magic number in filler prose ([`crate::needle`]).
    Needle,
    /// OOLONG-style: aggregate labels over every record ([`crate::oolong`]).
    Oolong,
}

impl TaskKind {
    pub const ALL: [TaskKind; 2] = [TaskKind::Needle, TaskKind::Oolong];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Needle => "needle",
            TaskKind::Oolong => "oolong",
        }
    }

    /// Generates a task of this kind.
    pub fn generate(self, size_bytes: usize, seed: u64) -> Task {
        match self {
            TaskKind::Needle => crate::needle(size_bytes, seed),
            TaskKind::Oolong => crate::oolong(size_bytes, seed),
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskKind {
    type Err = TaskError;
    fn from_str(s: &str) -> Result<Self, TaskError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "needle" | "niah" | "s-niah" => Ok(TaskKind::Needle),
            "oolong" => Ok(TaskKind::Oolong),
            _ => Err(TaskError::UnknownTask(s.to_string())),
        }
    }
}

/// What exactly a task asks, in structured form (what a root program needs to know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskQuestion {
    /// Find the magic number for `key`; the needle sentence starts at byte `offset`.
    Needle { key: String, offset: usize },
    /// Count the instances labelled `label`.
    OolongCount { label: Label },
    /// Name the most common label (the generator guarantees there is no tie).
    OolongMostCommon,
}

impl TaskQuestion {
    pub fn kind(&self) -> TaskKind {
        match self {
            TaskQuestion::Needle { .. } => TaskKind::Needle,
            TaskQuestion::OolongCount { .. } | TaskQuestion::OolongMostCommon => TaskKind::Oolong,
        }
    }
}

/// One generated task: a context, a question about it, and its exact answer.
#[derive(Clone, PartialEq, Eq)]
pub struct Task {
    /// `<kind>-<bytes>B-seed<seed>`, e.g. `needle-10240B-seed1`.
    pub name: String,
    pub asks: TaskQuestion,
    pub context: String,
    pub question: String,
    pub answer: String,
}

impl fmt::Debug for Task {
    // The context can be 100 MB: never print it whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("asks", &self.asks)
            .field("context_bytes", &self.context.len())
            .field("question", &self.question)
            .field("answer", &self.answer)
            .finish()
    }
}

impl Task {
    pub fn kind(&self) -> TaskKind {
        self.asks.kind()
    }

    /// Whether `reply` is the answer, after [`normalise_answer`] on both sides.
    pub fn is_correct(&self, reply: &str) -> bool {
        let expected = normalise_answer(&self.answer);
        !expected.is_empty() && normalise_answer(reply) == expected
    }
}

/// The comparable form of an answer: trimmed, an `Answer:` prefix and surrounding
/// quotes/backticks and trailing periods removed, whitespace collapsed, lower-cased.
pub fn normalise_answer(s: &str) -> String {
    let mut t = s.trim();
    if t.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("answer:")) {
        t = t[7..].trim_start();
    }
    let t = t.trim_end_matches('.').trim();
    let t = t.trim_matches(|c| matches!(c, '"' | '\'' | '`')).trim();
    let t = t.trim_end_matches('.').trim();
    t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Parses `4096`, `10KB`, `1.5MB`, `100MB`, `2GiB` (KB = 1000 bytes, KiB = 1024).
pub fn parse_size(input: &str) -> Result<usize, TaskError> {
    let bad = |reason: &str| TaskError::InvalidSize { input: input.into(), reason: reason.into() };
    let s = input.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    if number.is_empty() {
        return Err(bad("no number"));
    }
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad("unknown unit")),
    };
    let value: f64 = number.parse().map_err(|_| bad("not a number"))?;
    let bytes = (value * multiplier).round();
    if !(bytes.is_finite() && bytes >= 1.0 && bytes <= (1u64 << 40) as f64) {
        return Err(bad("must be between 1 byte and 1 TiB"));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_strips_decoration_but_keeps_content() {
        assert_eq!(normalise_answer("  Answer: \"4821937\". "), "4821937");
        assert_eq!(normalise_answer("`Location`"), "location");
        assert_eq!(normalise_answer("'human'."), "human");
        assert_eq!(normalise_answer("12  34"), "12 34");
        assert_eq!(normalise_answer("ünïcode réply"), "ünïcode réply");
        assert_ne!(normalise_answer("482193"), normalise_answer("4821937"));
    }

    #[test]
    fn is_correct_compares_normalised_forms() {
        let t = Task {
            name: "t".into(),
            asks: TaskQuestion::OolongMostCommon,
            context: String::new(),
            question: "q".into(),
            answer: "location".into(),
        };
        assert!(t.is_correct("Location."));
        assert!(t.is_correct(" answer: location "));
        assert!(!t.is_correct("locations"));
        assert!(!t.is_correct(""));
    }

    #[test]
    fn sizes_parse_with_units_and_reject_nonsense() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("10KB").unwrap(), 10_000);
        assert_eq!(parse_size("1.5MB").unwrap(), 1_500_000);
        assert_eq!(parse_size("100mb").unwrap(), 100_000_000);
        assert_eq!(parse_size("2KiB").unwrap(), 2048);
        assert_eq!(parse_size("1 MiB").unwrap(), 1 << 20);
        for bad in ["", "MB", "10XB", "1.2.3KB", "0", "-5", "99999TB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn task_kinds_parse_and_print() {
        for k in TaskKind::ALL {
            assert_eq!(k.as_str().parse::<TaskKind>().unwrap(), k);
        }
        assert_eq!("haystack".parse::<TaskKind>(), Err(TaskError::UnknownTask("haystack".into())));
    }
}
