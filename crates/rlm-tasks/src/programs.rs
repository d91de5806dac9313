//! Scripted root programs: the DSL cells a root model would write for each task
//! (look at the context, chunk it, `llm_batch` the chunks, aggregate, `FINAL`),
//! and the baseline prompt that puts the whole context into one call.
//!
//! The programs live in `programs/*.py` and are valid Python as they stand (with
//! an example question); [`root_program`] fills in the task's question, label and
//! chunk size by replacing their `QUESTION = …`, `LABEL = …`, `CHUNK = …` lines,
//! as a model would write the question into its code. They use only `context`,
//! `ctx.chunk`, `ctx.chunk_lines`, `llm_batch`, `json` and `FINAL`, so the same
//! text runs under our interpreter and under CPython with stand-ins.

use crate::task::{Task, TaskQuestion};

const EXPLORE: &str = include_str!("../programs/explore.py");
const NEEDLE: &str = include_str!("../programs/needle.py");
const OOLONG_COUNT: &str = include_str!("../programs/oolong_count.py");
const OOLONG_MOST_COMMON: &str = include_str!("../programs/oolong_most_common.py");

/// Characters per chunk in [`root_program`]: with the prompt's instructions it fits
/// [`crate::RuleModel::DEFAULT_CONTEXT_WINDOW`] (32K tokens at 4 characters each).
pub const DEFAULT_CHUNK_CHARS: usize = 100_000;

/// Smallest chunk [`root_program_with`] uses (a needle sentence must fit in the overlap).
const MIN_CHUNK_CHARS: usize = 400;

/// A root model's program for one task: cells run in order in one session; the last
/// one calls `FINAL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub cells: Vec<String>,
}

/// The root program for `task` with [`DEFAULT_CHUNK_CHARS`].
pub fn root_program(task: &Task) -> Program {
    root_program_with(task, DEFAULT_CHUNK_CHARS)
}

/// The root program for `task`, cutting the context into chunks of `chunk_chars`
/// characters (at least 400); pick it so that a chunk plus ~300 characters of
/// instructions fits the sub-model's window.
pub fn root_program_with(task: &Task, chunk_chars: usize) -> Program {
    let chunk = chunk_chars.max(MIN_CHUNK_CHARS);
    let (template, label) = match &task.asks {
        TaskQuestion::Needle { .. } => (NEEDLE, None),
        TaskQuestion::OolongCount { label } => (OOLONG_COUNT, Some(label.as_str())),
        TaskQuestion::OolongMostCommon => (OOLONG_MOST_COMMON, None),
    };
    let mut main = String::with_capacity(template.len() + 200);
    for line in template.lines() {
        if line.starts_with("QUESTION = ") {
            main.push_str(&format!("QUESTION = {}", py_str_literal(&task.question)));
        } else if let (true, Some(label)) = (line.starts_with("LABEL = "), label) {
            main.push_str(&format!("LABEL = {}", py_str_literal(label)));
        } else if line.starts_with("CHUNK = ") {
            main.push_str(&format!("CHUNK = {chunk}"));
        } else if line.starts_with("OVERLAP = ") {
            main.push_str(&format!("OVERLAP = {}", (chunk / 2).min(1000)));
        } else {
            main.push_str(line);
        }
        main.push('\n');
    }
    Program { cells: vec![EXPLORE.to_string(), main] }
}

/// The root model's replies for `task`: one short remark and a ```repl block per cell,
/// as a scripted root model (e.g. `FakeAdapter::replies`) would send them.
pub fn root_replies(task: &Task) -> Vec<String> {
    let program = root_program(task);
    let remarks = [
        "Let me look at the size and shape of the context first.",
        "The context is too large for one call, so I will split it and query each chunk.",
    ];
    program
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let remark = remarks.get(i).copied().unwrap_or("Next step.");
            format!("{remark}\n```repl\n{}\n```", cell.trim_end())
        })
        .collect()
}

/// The baseline: the whole context and the question in one prompt, for a model
/// called directly (no RLM). Fails with a context-length error when the context
/// does not fit the model's window.
pub fn baseline_prompt(task: &Task) -> String {
    let instructions = match &task.asks {
        TaskQuestion::Needle { .. } => {
            "Read the text below and answer the question that follows it. \
                                    Reply with the number only."
        }
        TaskQuestion::OolongCount { .. } | TaskQuestion::OolongMostCommon => {
            "Each line below is a record whose Instance is a question with one of the labels \
             abbreviation, entity, description, human, location, numeric. Read every record \
             and answer the question that follows them."
        }
    };
    let mut p = String::with_capacity(task.context.len() + task.question.len() + 400);
    p.push_str(instructions);
    p.push_str("\n\n");
    p.push_str(&task.context);
    p.push_str("\n\nQuestion: ");
    p.push_str(&task.question);
    p.push('\n');
    p
}

/// `s` as a double-quoted Python (and DSL) string literal.
pub fn py_str_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{needle, oolong};

    #[test]
    fn every_placeholder_line_exists_once_in_its_template() {
        for (t, names) in [
            (NEEDLE, &["QUESTION = ", "CHUNK = ", "OVERLAP = "][..]),
            (OOLONG_COUNT, &["QUESTION = ", "LABEL = ", "CHUNK = "][..]),
            (OOLONG_MOST_COMMON, &["QUESTION = ", "CHUNK = "][..]),
        ] {
            for n in names {
                assert_eq!(t.lines().filter(|l| l.starts_with(n)).count(), 1, "{n}");
            }
            assert!(t.contains("FINAL("));
        }
    }

    #[test]
    fn rendered_programs_carry_the_task() {
        let t = needle(5_000, 1);
        let p = root_program_with(&t, 2_000);
        assert_eq!(p.cells.len(), 2);
        assert!(p.cells[1].contains(&format!("QUESTION = \"{}\"", t.question)));
        assert!(p.cells[1].contains("CHUNK = 2000\n") && p.cells[1].contains("OVERLAP = 1000\n"));
        assert!(root_program_with(&t, 10).cells[1].contains("CHUNK = 400\n"));

        let o = (0..20).map(|s| oolong(5_000, s)).find(|t| t.answer.parse::<u64>().is_ok());
        let o = o.expect("a count question among 20 seeds");
        let TaskQuestion::OolongCount { label } = o.asks else { unreachable!() };
        let p = root_program(&o);
        assert!(p.cells[1].contains(&format!("LABEL = \"{label}\"")));
        assert!(p.cells[1].contains(r#"QUESTION = "How many instances are labelled '"#));

        let replies = root_replies(&o);
        assert_eq!(replies.len(), 2);
        assert!(replies[1].contains("```repl\n") && replies[1].ends_with("\n```"));
    }

    #[test]
    fn baseline_holds_the_context_and_the_question() {
        let t = needle(3_000, 2);
        let b = baseline_prompt(&t);
        assert!(b.contains(&t.context) && b.trim_end().ends_with(&t.question));
    }

    #[test]
    fn literals_escape_what_python_needs() {
        assert_eq!(py_str_literal(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(py_str_literal("x\ny\u{1}"), r#""x\ny\x01""#);
        assert_eq!(py_str_literal("it's"), r#""it's""#);
    }
}
