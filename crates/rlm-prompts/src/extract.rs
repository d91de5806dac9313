//! Finds what to run and what is claimed as the answer in a root model's reply.
//!
//! Models answer in every shape: fenced ```repl / ```python blocks (several,
//! or one left unclosed when the reply was cut), bare code, prose around code,
//! invented "Output:" blocks, `FINAL(...)` in prose with nested parentheses,
//! code in the wrong language. This module turns a reply into an
//! [`Extraction`]; the loop decides what to trust.

/// What a reply contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// Programs to run, in order.
    pub code: Vec<String>,
    /// A `FINAL(...)` / `FINAL_VAR(...)` written outside any code block.
    pub prose_final: Option<ProseFinal>,
    /// The reply contained blocks that claim program output (```output, "Output:"):
    /// they are ignored, the real output is fed back instead.
    pub claimed_output: bool,
    /// Fence languages refused (```javascript, ```bash...).
    pub rejected_languages: Vec<String>,
    /// A reply without fences whose every line reads as code but which does
    /// not parse: the parser's diagnostic, rendered (the model is shown its
    /// SyntaxError rather than "no ```repl block").
    pub bare_syntax_error: Option<String>,
}

/// A final answer written in prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProseFinal {
    /// `FINAL(<expr>)`: the text between the parentheses.
    Final(String),
    /// `FINAL_VAR(<name>)`: the name, quotes stripped.
    Var(String),
}

impl Extraction {
    /// Nothing to run and nothing answered.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty() && self.prose_final.is_none()
    }
}

const CODE_LANGS: &[&str] = &["repl", "python", "py", "python3", "dsl", "ipython", "pycon"];
/// Whether `word` names a language whose fenced blocks are programs
/// (`repl`, `python`, ...), in any case.
pub fn is_code_language(word: &str) -> bool {
    CODE_LANGS.contains(&word.trim().to_ascii_lowercase().as_str())
}

const OUTPUT_LANGS: &[&str] =
    &["output", "text", "txt", "console", "stdout", "result", "results", "plaintext", "out"];

/// Splits `reply` into code, a prose FINAL, and ignored parts.
pub fn extract(reply: &str) -> Extraction {
    let mut ex = Extraction::default();
    let mut prose = String::new();
    let mut lines = reply.lines().peekable();
    let mut saw_fence = false;
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            prose.push_str(line);
            prose.push('\n');
            continue;
        };
        saw_fence = true;
        let lang = info.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        let indent = line.len() - trimmed.len();
        let mut body = String::new();
        for inner in lines.by_ref() {
            if inner.trim() == "```" {
                break;
            }
            // Drop the fence's own indentation (models indent fences inside lists).
            let cut = inner.len() - inner.trim_start().len();
            body.push_str(&inner[cut.min(indent)..]);
            body.push('\n');
        }
        classify_block(&lang, body, &mut ex);
    }
    if !saw_fence {
        bare_code(reply, &mut ex);
        // Bare code was taken whole: FINAL inside it is code, not prose.
        if !ex.code.is_empty() {
            return ex;
        }
    }
    ex.prose_final = find_final(&prose);
    if prose_claims_output(&prose) {
        ex.claimed_output = true;
    }
    ex
}

fn classify_block(lang: &str, body: String, ex: &mut Extraction) {
    let lang = lang.trim_start_matches('{').trim_end_matches('}');
    if CODE_LANGS.contains(&lang) {
        let body = strip_prompts(&body);
        if !body.trim().is_empty() {
            ex.code.push(body);
        }
    } else if OUTPUT_LANGS.contains(&lang) {
        ex.claimed_output = true;
    } else if lang.is_empty() {
        // The language on the fence's next line (```\nrepl\n...), as small
        // models write it: that line names the language, it is not code.
        if let Some((first, rest)) = body.split_once('\n') {
            let first = first.trim().to_ascii_lowercase();
            if CODE_LANGS.contains(&first.as_str()) {
                return classify_block(&first, rest.to_string(), ex);
            }
        }
        // An unlabelled block: code if it parses as our DSL, else claimed output.
        let body = strip_prompts(&body);
        if looks_like_code(&body) {
            ex.code.push(body);
        } else if !body.trim().is_empty() {
            ex.claimed_output = true;
        }
    } else {
        ex.rejected_languages.push(lang.to_string());
    }
}

/// Removes `>>> ` / `... ` REPL prompts when every code line has them.
fn strip_prompts(body: &str) -> String {
    let code_lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    if code_lines.is_empty()
        || !code_lines.iter().all(|l| l.starts_with(">>>") || l.starts_with("..."))
    {
        return body.to_string();
    }
    // `... ` continuation lines keep their content.
    let mut full = String::with_capacity(body.len());
    for l in body.lines() {
        if let Some(x) = l.strip_prefix(">>> ").or_else(|| l.strip_prefix(">>>")) {
            full.push_str(x);
        } else if let Some(x) = l.strip_prefix("... ").or_else(|| l.strip_prefix("...")) {
            full.push_str(x);
        } else {
            continue;
        }
        full.push('\n');
    }
    full
}

/// A reply with no fences: code if the whole of it parses and reads as code,
/// else the longest code-looking runs of lines that parse.
fn bare_code(reply: &str, ex: &mut Extraction) {
    let trimmed = reply.trim();
    if trimmed.is_empty() {
        return;
    }
    // The cheap test first: a lone FINAL is never taken here, parsed or not.
    if !is_lone_final(trimmed) && looks_like_code(trimmed) {
        ex.code.push(format!("{trimmed}\n"));
        return;
    }
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, ex: &mut Extraction| {
        if !run.is_empty() {
            let code = run.join("\n") + "\n";
            if !is_lone_final(&code) && looks_like_code(&code) {
                ex.code.push(code);
            }
            run.clear();
        }
    };
    let mut all_code = true;
    for line in reply.lines() {
        let continuation = !run.is_empty() && (line.starts_with(' ') || line.starts_with('\t'));
        if code_line(line) || continuation {
            run.push(line);
        } else {
            all_code &= line.trim().is_empty();
            flush(&mut run, ex);
        }
    }
    flush(&mut run, ex);
    if ex.code.is_empty() && all_code {
        if let Err(e) = rlm_syntax::parse(trimmed) {
            ex.bare_syntax_error = Some(e.render(trimmed, "<reply>"));
        }
    }
}

/// The answer of a block that is only one `FINAL(...)` / `FINAL_VAR(...)`
/// call, in any case (`Final(...)`, `final(...)`: small models write them),
/// or `None`. For replies that must not run code (the run's last call).
pub fn lone_final(code: &str) -> Option<ProseFinal> {
    let t = code.trim();
    if t.contains('\n') {
        return None;
    }
    let keyword_len = if t.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("final_var(")) {
        "FINAL_VAR".len()
    } else if t.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("final(")) {
        "FINAL".len()
    } else {
        return None;
    };
    let canonical = format!("{}{}", t[..keyword_len].to_ascii_uppercase(), &t[keyword_len..]);
    // The call is the whole block: its `(` closes at the end.
    (matching_paren(&canonical, keyword_len)? + 1 == canonical.len())
        .then(|| find_final(&canonical))?
}

/// A run that is only `FINAL(...)`: left to the prose-FINAL path, which
/// tolerates prose inside the parentheses.
fn is_lone_final(code: &str) -> bool {
    let t = code.trim();
    (t.starts_with("FINAL(") || t.starts_with("FINAL_VAR(")) && !t.contains('\n')
}

fn code_line(line: &str) -> bool {
    let t = line.trim_start();
    if t.is_empty() || line.starts_with(' ') && t.starts_with(|c: char| c.is_uppercase()) {
        return false;
    }
    const KEYWORDS: &[&str] = &[
        "print(",
        "for ",
        "if ",
        "while ",
        "import ",
        "from ",
        "def ",
        "try:",
        "except",
        "else:",
        "elif ",
        "return",
        "#",
        "FINAL(",
        "FINAL_VAR(",
        "await ",
        "async def ",
        "with ",
    ];
    if KEYWORDS.iter().any(|k| t.starts_with(k)) {
        return true;
    }
    // `name = ...`, `name += ...`, `name.method(...)`, `name[...] = ...`, `name(...)`
    let ident_end = t.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(t.len());
    if ident_end == 0 {
        return false;
    }
    let rest = t[ident_end..].trim_start();
    rest.starts_with('=') && !rest.starts_with("==")
        || ["+=", "-=", "*=", "/=", "(", ".", "[", ","].iter().any(|p| rest.starts_with(p))
            && t.contains(['(', '=', '['])
}

/// Parses as our DSL and has something a program does (a call, an assignment,
/// a statement keyword): `Yes` or `42` alone is prose.
///
/// The cheap tests first: most prose fails them, and the parse is only
/// asked whether it succeeds (`rlm_syntax::parses`: no diagnostics built).
pub fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    let acts = t.contains('(')
        || t.contains('=')
        || t.lines().any(|l| {
            let l = l.trim_start();
            ["for ", "if ", "while ", "import ", "from ", "def ", "try:"]
                .iter()
                .any(|k| l.starts_with(k))
        });
    acts && rlm_syntax::parses(t)
}

fn prose_claims_output(prose: &str) -> bool {
    prose.lines().any(|l| {
        let l = l.trim().to_ascii_lowercase();
        l.starts_with("output:") || l.starts_with("repl output") || l.starts_with("result:")
    })
}

/// The last `FINAL(...)` or `FINAL_VAR(...)` in prose, with balanced
/// parentheses (quotes respected), or `None`. A line `FINAL_VAR: name` or
/// `FINAL: text` (pyrlm-runtime's protocol, which models trained on it
/// write) counts too; the text of `FINAL:` is the answer as written.
pub fn find_final(text: &str) -> Option<ProseFinal> {
    let mut found = colon_final(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("FINAL") {
        let start = i + pos;
        i = start + 5;
        // A whole word: not `MY_FINAL(`.
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let (is_var, open) = if text[start..].starts_with("FINAL_VAR(") {
            (true, start + "FINAL_VAR".len())
        } else if text[start..].starts_with("FINAL(") {
            (false, start + "FINAL".len())
        } else {
            continue;
        };
        let Some(close) = matching_paren(text, open) else { continue };
        let inner = text[open + 1..close].trim().to_string();
        i = close + 1;
        found = Some(if is_var {
            ProseFinal::Var(inner.trim_matches(|c| c == '"' || c == '\'').trim().to_string())
        } else {
            ProseFinal::Final(inner)
        });
    }
    found
}

/// The last `FINAL_VAR: name` / `FINAL: text` line, or `None`.
fn colon_final(text: &str) -> Option<ProseFinal> {
    text.lines().rev().find_map(|line| {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("FINAL_VAR:") {
            let name = name.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`').trim();
            return rlm_syntax::is_identifier(name).then(|| ProseFinal::Var(name.to_string()));
        }
        let answer = line.strip_prefix("FINAL:")?.trim();
        (!answer.is_empty()).then(|| ProseFinal::Final(py_literal(answer)))
    })
}

/// `s` as a Python string literal (so the loop takes it as text, not code).
fn py_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Index of the `)` closing the `(` at `open`, skipping string literals.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (off, c) in text[open..].char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (c == ')').then_some(open + off);
                }
            }
            _ => {}
        }
    }
    // An unclosed string inside (an apostrophe in prose): retry without quotes.
    if quote.is_some() {
        let mut depth = 0usize;
        for (off, c) in text[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + off);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(reply: &str) -> Vec<String> {
        extract(reply).code
    }

    #[test]
    fn fenced_blocks_in_every_label() {
        let r = "Let me look.\n```repl\nprint(len(context))\n```\nThen:\n```python\nx = 1\n```\n";
        assert_eq!(code(r), vec!["print(len(context))\n", "x = 1\n"]);
        assert_eq!(code("```py\nprint(1)\n```"), vec!["print(1)\n"]);
        assert_eq!(code("```\nprint(2)\n```"), vec!["print(2)\n"]);
    }

    #[test]
    fn unclosed_fence_is_taken_to_the_end() {
        assert_eq!(code("```repl\nprint(1)\nprint(2)"), vec!["print(1)\nprint(2)\n"]);
    }

    #[test]
    fn indented_fences_lose_their_indentation() {
        assert_eq!(
            code("1. First:\n   ```python\n   x = 1\n   if x:\n       print(x)\n   ```"),
            vec!["x = 1\nif x:\n    print(x)\n"]
        );
    }

    #[test]
    fn claimed_output_is_flagged_not_run() {
        let ex = extract("```repl\nprint(40 + 2)\n```\n```output\n42\n```\nFINAL(42)");
        assert_eq!(ex.code, vec!["print(40 + 2)\n"]);
        assert!(ex.claimed_output);
        assert_eq!(ex.prose_final, Some(ProseFinal::Final("42".into())));
        let ex = extract("```repl\nprint(1)\n```\nOutput: 1");
        assert!(ex.claimed_output);
        // An unlabelled block that is not code is a claimed output.
        let ex = extract("```repl\nprint(1)\n```\n```\nThe answer is 1\n```");
        assert!(ex.claimed_output);
        assert_eq!(ex.code.len(), 1);
    }

    #[test]
    fn wrong_languages_are_refused() {
        let ex = extract("```javascript\nconsole.log(1)\n```");
        assert!(ex.code.is_empty());
        assert_eq!(ex.rejected_languages, vec!["javascript"]);
    }

    #[test]
    fn final_in_prose_with_nested_parentheses() {
        assert_eq!(
            find_final("So FINAL(f\"{a} ({b})\" + str(len(x)))."),
            Some(ProseFinal::Final("f\"{a} ({b})\" + str(len(x))".into()))
        );
        assert_eq!(
            find_final("FINAL(The answer is 42 (probably))"),
            Some(ProseFinal::Final("The answer is 42 (probably)".into()))
        );
        assert_eq!(find_final("FINAL_VAR(\"result\")"), Some(ProseFinal::Var("result".into())));
        // pyrlm-runtime's line protocol.
        assert_eq!(find_final("FINAL_VAR: answer"), Some(ProseFinal::Var("answer".into())));
        assert_eq!(
            find_final("Done.\nFINAL: the \"key\" is 42"),
            Some(ProseFinal::Final("\"the \\\"key\\\" is 42\"".into()))
        );
        assert_eq!(find_final("FINAL_VAR: not a name"), None);
        assert_eq!(find_final("MY_FINAL(3)"), None);
        assert_eq!(find_final("FINAL(it's done)"), Some(ProseFinal::Final("it's done".into())));
        assert_eq!(find_final("I will call FINAL when ready"), None);
        assert_eq!(find_final("FINAL(1) then FINAL(2)"), Some(ProseFinal::Final("2".into())));
        assert_eq!(lone_final("Final(\"x-1\")"), Some(ProseFinal::Final("\"x-1\"".into())));
        assert_eq!(lone_final(" final_var('r')\n"), Some(ProseFinal::Var("r".into())));
        assert_eq!(lone_final("FINAL(a)\nprint(1)"), None);
        assert_eq!(lone_final("finally_(3)"), None);
        assert_eq!(lone_final("Final(3) + 1"), None);
        assert_eq!(lone_final("Final(3) + f(1)"), None);
        // The fence's language on its own line.
        let ex = extract("```\nrepl\nprint(grep('vault'))\n```");
        assert_eq!(ex.code, vec!["print(grep('vault'))\n".to_string()]);
        let ex = extract("```\nPython\nx = 1\n```");
        assert_eq!(ex.code, vec!["x = 1\n".to_string()]);
    }

    #[test]
    fn bare_code_and_prose() {
        assert_eq!(code("print(len(context))"), vec!["print(len(context))\n"]);
        assert!(code("Yes").is_empty());
        assert!(code("The answer is 42.").is_empty());
        assert_eq!(
            code(
                "I will count the lines.\nn = len(context.split('\\n'))\nprint(n)\nThat should work."
            ),
            vec!["n = len(context.split('\\n'))\nprint(n)\n"]
        );
        let ex = extract("The answer is FINAL(Paris)");
        assert!(ex.code.is_empty());
        assert_eq!(ex.prose_final, Some(ProseFinal::Final("Paris".into())));
    }

    #[test]
    fn bare_code_that_does_not_parse_keeps_its_syntax_error() {
        let ex = extract("i = 0\nwhile True\n    i += 1");
        assert!(ex.code.is_empty());
        let error = ex.bare_syntax_error.expect("a syntax error");
        assert!(error.contains("<reply>:2:") && error.contains("expected `:`"), "{error}");
        // Prose, or prose around code, is not taken for a broken program.
        assert_eq!(extract("I think the answer is in the file.").bare_syntax_error, None);
        assert_eq!(extract("Let me look.\nx = (\nThen count.").bare_syntax_error, None);
        assert_eq!(extract("print(1)").bare_syntax_error, None);
    }

    #[test]
    fn repl_prompts_are_stripped() {
        assert_eq!(code("```python\n>>> x = 1\n>>> print(x)\n```"), vec!["x = 1\nprint(x)\n"]);
    }

    #[test]
    fn empty_and_whitespace_replies() {
        assert!(extract("").is_empty());
        assert!(extract("  \n\n").is_empty());
        assert!(extract("```repl\n\n```").is_empty());
    }
}
