//! Showing a model text it did not think to print (issue #19): the passages
//! a plain term search finds for the question, in the first message
//! ("evidence first"), and in the feedback of a program that printed nothing
//! useful ("output that teaches"); and the passages of a program's output
//! that hold the question's words, presented as evidence to answer from
//! ("answer from output"). The search is rlm-context's
//! [`best_passages`]; the wording is this crate's `prompts/passage_evidence.md` and the
//! `teaching_*` / `passage_line` / `output_*` notes.

use rlm_context::{Context, Passage, best_passages, salient_terms};

use crate::Switches;
use crate::count::{count_check, count_evidence};
use crate::prompts::HelpPrompts;
use crate::shape::QuestionShape;
use crate::template::render_or_explain;

/// Characters per passage shown.
const PASSAGE_CHARS: usize = 320;

/// Passages of a program's output shown as evidence, at most.
const OUTPUT_PASSAGES: usize = 2;

/// Outputs that say "nothing found" (compared trimmed).
const EMPTY_RESULTS: [&str; 11] =
    ["[]", "()", "{}", "None", "0", "-1", "False", "''", "\"\"", "set()", "[[]]"];

/// The evidence block of a root run's first message (issue #19): the first
/// found of a counting question's selected lines (the count is the
/// program's: shown BM25 hits instead, a 1.5B model answered 1 for 23 at logs
/// 100K), the retrieval-aware first step's hits (`retrieval`, asked only
/// when no counting block was found), the plain term passages.
pub(crate) fn first_evidence(
    prompts: &HelpPrompts,
    helps: &Switches,
    context: &Context,
    query: &str,
    retrieval: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let counted = helps.count_by_program.then(|| count_evidence(prompts, context, query));
    counted.flatten().or_else(retrieval).or_else(|| {
        (helps.evidence_passages > 0)
            .then(|| passage_evidence(prompts, context, query, helps.evidence_passages))?
    })
}

/// The note a step's program gets about what it printed (no error): the
/// lines a printed count counts (`count_by_program`), else the output's own
/// passages holding the question's words (`answer_from_output`, counting
/// questions aside), else the text around the first hits when the output
/// is nothing useful (`teaching_feedback`).
pub(crate) fn step_evidence(
    prompts: &HelpPrompts,
    helps: &Switches,
    context: &Context,
    query: &str,
    code: &str,
    stdout: &str,
) -> Option<String> {
    let counted = helps.count_by_program.then(|| count_check(prompts, context, query, stdout));
    counted
        .flatten()
        .or_else(|| {
            let lookup = QuestionShape::of(query) != QuestionShape::Count;
            (helps.answer_from_output && lookup).then(|| output_evidence(prompts, query, stdout))?
        })
        .or_else(|| {
            helps.teaching_feedback.then(|| teaching_note(prompts, context, query, code, stdout))?
        })
}

/// The evidence block for the first message: the best `n` passages for the
/// question's salient words; `None` when none occurs in the context.
pub(crate) fn passage_evidence(
    prompts: &HelpPrompts,
    context: &Context,
    query: &str,
    n: usize,
) -> Option<String> {
    let terms = salient_terms(query);
    let passages = best_passages(context.text().as_str(), &terms, PASSAGE_CHARS, n);
    if passages.is_empty() {
        return None;
    }
    Some(render_or_explain(
        &prompts.passage_evidence,
        &[("terms", &terms.join(", ")), ("passages", &render_passages(prompts, &passages))],
    ))
}

/// The teaching note for a program that ran without error but printed
/// nothing, or only its own search words or an empty result: the text around
/// the first hits of its search words (else of the question's). `None` when
/// the output was useful or nothing can be found.
pub(crate) fn teaching_note(
    prompts: &HelpPrompts,
    context: &Context,
    query: &str,
    code: &str,
    stdout: &str,
) -> Option<String> {
    let literals = string_literals(code);
    let notes = &prompts.notes;
    let what = if stdout.trim().is_empty() {
        notes.teaching_nothing.clone()
    } else if only_echoes(stdout, &literals) {
        notes.teaching_own_words.clone()
    } else {
        return None;
    };
    let text = context.text();
    let mut terms: Vec<String> = Vec::new();
    for l in &literals {
        for t in salient_terms(l) {
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
    }
    let mut passages = best_passages(text.as_str(), &terms, PASSAGE_CHARS, 2);
    if passages.is_empty() {
        terms = salient_terms(query);
        passages = best_passages(text.as_str(), &terms, PASSAGE_CHARS, 2);
    }
    if passages.is_empty() {
        return None;
    }
    Some(render_or_explain(
        &notes.teaching_hits,
        &[
            ("what", &what),
            ("terms", &terms.join(", ")),
            ("passages", &render_passages(prompts, &passages)),
        ],
    ))
}

/// The evidence note for a program whose output holds text with most of the
/// question's salient words (`Helps::answer_from_output`): those passages of
/// the output, framed as the first message's evidence is, with the question
/// and "answer from it with FINAL". `None` when no passage of the output
/// holds enough of the words, or the question has none.
pub(crate) fn output_evidence(prompts: &HelpPrompts, query: &str, stdout: &str) -> Option<String> {
    let terms = salient_terms(query);
    if terms.is_empty() {
        return None;
    }
    // Printed reprs of lists hold `\n` escapes; words must not run together.
    let output = stdout.replace("\\n", " ");
    let needed = terms_needed(terms.len());
    let passages: Vec<Passage> = best_passages(&output, &terms, PASSAGE_CHARS, OUTPUT_PASSAGES)
        .into_iter()
        .filter(|p| p.terms.len() >= needed)
        .collect();
    if passages.is_empty() {
        return None;
    }
    let notes = &prompts.notes;
    let listed = render_lines(&notes.output_line, &passages);
    Some(render_or_explain(
        &notes.output_evidence,
        &[("terms", &terms.join(", ")), ("passages", &listed), ("query", query)],
    ))
}

/// Distinct question words a passage of the output must hold to be shown as
/// evidence: all of one or two, else two thirds (at least two). A passage
/// with one common word of a four-word question ("number") is not evidence.
fn terms_needed(terms: usize) -> usize {
    if terms <= 2 { terms } else { (terms * 2).div_ceil(3).max(2) }
}

/// One line per passage of the context, whitespace collapsed.
fn render_passages(prompts: &HelpPrompts, passages: &[Passage]) -> String {
    render_lines(&prompts.notes.passage_line, passages)
}

/// One `line` per passage (its `n`, `start`, `end` and `text`, whitespace
/// collapsed; a template uses the values it names).
fn render_lines(line: &str, passages: &[Passage]) -> String {
    let mut out = String::new();
    for (i, p) in passages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let text: String = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&render_or_explain(
            line,
            &[
                ("n", &(i + 1).to_string()),
                ("start", &p.start.to_string()),
                ("end", &p.end.to_string()),
                ("text", &text),
            ],
        ));
    }
    out
}

/// Every output line is one of the program's string literals (what it
/// searched for), a repr of one, or an empty result.
fn only_echoes(stdout: &str, literals: &[String]) -> bool {
    stdout.lines().map(str::trim).filter(|l| !l.is_empty()).all(|line| {
        EMPTY_RESULTS.contains(&line)
            || literals.iter().any(|lit| {
                let bare = line.trim_matches(|c| c == '\'' || c == '"' || c == '[' || c == ']');
                bare.eq_ignore_ascii_case(lit)
                    || line.split(", ").all(|part| {
                        part.trim_matches(|c| c == '\'' || c == '"' || c == '[' || c == ']')
                            .eq_ignore_ascii_case(lit)
                    })
            })
    })
}

/// The contents of the program's short quoted strings (3 to 80 characters,
/// no escapes): what a search program looks for.
fn string_literals(code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'"' || q == b'\'' {
            if let Some(len) = code[i + 1..].find([q as char, '\n', '\\']) {
                let end = i + 1 + len;
                if bytes[end] == q {
                    let lit = &code[i + 1..end];
                    let n = lit.chars().count();
                    if (3..=80).contains(&n) && !out.iter().any(|o| o == lit) {
                        out.push(lit.to_string());
                    }
                    i = end + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let filler = "Essays about startups and painting. ".repeat(200);
        Context::from_text(format!(
            "{filler}The secret passphrase for the archive vault is cobalt-harbor-71. {filler}"
        ))
    }

    #[test]
    fn literals_and_echoes() {
        let code =
            "hits = ctx.find(\"secret passphrase\")\nprint('secret passphrase')\nx = \"a\\\"b\"";
        assert_eq!(string_literals(code), ["secret passphrase"]);
        let lits = string_literals(code);
        assert!(only_echoes("secret passphrase\n[]\n", &lits));
        assert!(only_echoes("['secret passphrase', 'secret passphrase']", &lits));
        assert!(!only_echoes("the passphrase is cobalt", &lits));
    }

    #[test]
    fn a_program_echoing_its_search_term_is_shown_the_text_around_it() {
        let p = HelpPrompts::default();
        let code = "m = re.findall(\"secret passphrase\", context)\nprint(m[0])";
        let note = teaching_note(&p, &ctx(), "q?", code, "secret passphrase\n").unwrap();
        assert!(note.contains("cobalt-harbor-71"), "{note}");
        assert!(note.contains("only its own search words"), "{note}");
        // Useful output: no note.
        assert!(teaching_note(&p, &ctx(), "q?", code, "is cobalt-harbor-71").is_none());
        // Nothing printed and no literal found: the question's words.
        let note = teaching_note(&p, &ctx(), "What is the archive vault passphrase?", "x = 1", "")
            .unwrap();
        assert!(note.contains("cobalt-harbor-71") && note.contains("printed nothing"), "{note}");
    }

    #[test]
    fn output_holding_the_question_words_is_evidence() {
        let p = HelpPrompts::default();
        let q = "What is Marta Kowalski's favourite number?";
        let out = "[\"you probably\\nshouldn't do it. Marta Kowalski's favourite number is 4817.  But if\"]\n";
        let note = output_evidence(&p, q, out).unwrap();
        assert!(note.contains("4817") && note.contains(q), "{note}");
        assert!(!note.contains("\\n"), "{note}");
        // One common word of the question is not evidence.
        let out = "increasing numbers of things; a significant number.[4]";
        assert!(output_evidence(&p, q, out).is_none());
        assert!(output_evidence(&p, q, "").is_none());
        assert_eq!(
            (terms_needed(1), terms_needed(2), terms_needed(3), terms_needed(4)),
            (1, 2, 2, 3)
        );
        assert_eq!(terms_needed(6), 4);
    }

    #[test]
    fn evidence_for_the_question() {
        let p = HelpPrompts::default();
        let e = passage_evidence(&p, &ctx(), "What is the secret passphrase?", 2).unwrap();
        assert!(e.contains("cobalt-harbor-71") && e.contains("secret, passphrase"), "{e}");
        assert!(passage_evidence(&p, &ctx(), "Which zebra?", 2).is_none());
    }
}
