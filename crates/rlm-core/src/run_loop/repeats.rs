//! The loop notices when it is going round (issue #78): a program the same
//! as one that already ran, which would print the same output, is not run
//! again. The model gets a note instead (`program_already_ran`, then
//! `program_already_ran_again`): which step ran it, and that it should write
//! a different program or answer from what it has. No note holds a value.
//!
//! "Would print the same output" is decided without running it: the
//! program's text, with its whitespace normalised, is the same as an earlier
//! program's, and every program run since that one began (that one
//! included) was *pure*: it bound no variable but loop variables, mutated
//! nothing, and called no model or tool. The interpreter is deterministic,
//! so the same text over the same variables prints the same output. A
//! program that is not pure, or calls a model (a sub-model may answer
//! otherwise), runs as it always did.

use super::parsed::Parsed;

/// Method names that change the object they are called on.
const MUTATING_METHODS: &[&str] = &[
    ".append(",
    ".extend(",
    ".insert(",
    ".remove(",
    ".pop(",
    ".popitem(",
    ".clear(",
    ".sort(",
    ".reverse(",
    ".update(",
    ".setdefault(",
    ".add(",
    ".discard(",
    ".appendleft(",
    ".extendleft(",
    ".popleft(",
    ".rotate(",
    ".subtract(",
];

/// A program that ran, as the repeat check remembers it.
#[derive(Debug)]
struct Ran {
    code: String,
    step: u32,
    /// Times it was asked for again and not run.
    repeats: u32,
}

/// The programs that ran since the last impure one (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Repeats {
    pure_since: Vec<Ran>,
}

/// What the check decided for a program about to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Run it.
    Run,
    /// Step `step` ran it over the same variables; asked for `times` times
    /// since (1: the first repeat).
    Skip { step: u32, times: u32 },
}

impl Repeats {
    /// Whether `code` (a step's blocks, joined) is a repeat to skip;
    /// `calls_model` names the functions that reach a model or a tool.
    pub(crate) fn check(
        &mut self,
        code: &str,
        parsed: &mut Parsed,
        calls_model: &dyn Fn(&str) -> bool,
    ) -> Repeat {
        let normal = normalised(code);
        if !is_pure(code, &normal, parsed, calls_model) {
            return Repeat::Run;
        }
        match self.pure_since.iter_mut().find(|r| r.code == normal) {
            Some(ran) => {
                ran.repeats += 1;
                Repeat::Skip { step: ran.step, times: ran.repeats }
            }
            None => Repeat::Run,
        }
    }

    /// `code` ran at `step`: an impure program forgets every earlier one.
    pub(crate) fn ran(
        &mut self,
        code: &str,
        step: u32,
        parsed: &mut Parsed,
        calls_model: &dyn Fn(&str) -> bool,
    ) {
        let normal = normalised(code);
        if !is_pure(code, &normal, parsed, calls_model) {
            self.pure_since.clear();
            return;
        }
        if !self.pure_since.iter().any(|r| r.code == normal) {
            self.pure_since.push(Ran { code: normal, step, repeats: 0 });
        }
    }
}

/// The program's text with its whitespace normalised: blank lines and
/// trailing spaces dropped, a line's indentation kept (it is the program's
/// structure), and inside a line, outside string literals, spaces kept only
/// between two word characters (one space), so `print( x )` is `print(x)`.
fn normalised(code: &str) -> String {
    code.lines()
        .map(normalised_line)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn normalised_line(line: &str) -> String {
    let body = line.trim_start();
    let mut out: String = line[..line.len() - body.len()].to_string();
    let chars: Vec<char> = body.trim_end().chars().collect();
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c.is_whitespace() => {
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                let word = |c: &char| c.is_alphanumeric() || *c == '_';
                if out.chars().last().is_some_and(|p| word(&p)) && next.is_some_and(word) {
                    out.push(' ');
                }
                while i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                    i += 1;
                }
            }
            None => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether the program binds no variable but loop variables, mutates
/// nothing and reaches no model (see the module docs). Its text is read as
/// `normal` (`x.append (1)` is `x.append(1)` there), its syntax tree is the
/// program's own, as the sandbox runs it. One that does not parse is not
/// pure (its error may change with nothing else).
fn is_pure(
    code: &str,
    normal: &str,
    parsed: &mut Parsed,
    calls_model: &dyn Fn(&str) -> bool,
) -> bool {
    if normal.contains(":=") || MUTATING_METHODS.iter().any(|m| normal.contains(m)) {
        return false;
    }
    if identifiers(normal).any(|name| calls_model(name) || is_answer_call(name)) {
        return false;
    }
    let Some(module) = parsed.module(code) else { return false };
    let mut stack: Vec<&rlm_syntax::ast::Stmt> = module.body.iter().collect();
    while let Some(stmt) = stack.pop() {
        use rlm_syntax::ast::StmtKind as S;
        match &stmt.kind {
            S::Assign { .. } | S::AugAssign { .. } | S::AnnAssign { .. } | S::Delete(_) => {
                return false;
            }
            S::FunctionDef(_) => return false,
            S::If { body, orelse, .. }
            | S::While { body, orelse, .. }
            | S::For { body, orelse, .. } => {
                stack.extend(body);
                stack.extend(orelse);
            }
            S::Try { body, handlers, orelse, finalbody } => {
                stack.extend(body);
                stack.extend(handlers.iter().flat_map(|h| h.body.iter()));
                stack.extend(orelse);
                stack.extend(finalbody);
            }
            _ => {}
        }
    }
    true
}

/// The identifiers a program's text holds (a name in a string counts too:
/// the check errs toward running).
fn identifiers(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

/// The answer calls: a program giving an answer is never skipped.
fn is_answer_call(name: &str) -> bool {
    matches!(name.to_ascii_lowercase().as_str(), "final" | "final_var" | "answer")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> bool {
        name.starts_with("llm_") || name == "rlm_query" || name == "ask"
    }

    #[test]
    fn the_same_pure_program_is_a_repeat_until_an_impure_one_runs() {
        let mut r = Repeats::default();
        let mut p = Parsed::default();
        let grep = "print(grep('handler'))";
        assert_eq!(r.check(grep, &mut p, &model), Repeat::Run);
        r.ran(grep, 2, &mut p, &model);
        let other = "for l in context.splitlines()[:3]:\n    print(l)";
        assert_eq!(r.check(other, &mut p, &model), Repeat::Run);
        r.ran(other, 3, &mut p, &model);
        assert_eq!(
            r.check("print( grep('handler') )\n\n", &mut p, &model),
            Repeat::Skip { step: 2, times: 1 }
        );
        assert_eq!(r.check(other, &mut p, &model), Repeat::Skip { step: 3, times: 1 });
        assert_eq!(r.check(grep, &mut p, &model), Repeat::Skip { step: 2, times: 2 });
        r.ran("x = 1", 4, &mut p, &model);
        assert_eq!(r.check(grep, &mut p, &model), Repeat::Run, "a variable was bound since");
    }

    #[test]
    fn binding_mutating_calling_a_model_or_answering_is_never_skipped() {
        for code in [
            "x = len(context)\nprint(x)",
            "hits.append(1)\nprint(hits)",
            "print(llm_query('q'))",
            "print(ask('q', context[:10]))",
            "FINAL(len(context))",
            "answer['content'] = 'x'",
            "def f():\n    return 1\nprint(f())",
            "if (n := 3):\n    print(n)",
        ] {
            let mut r = Repeats::default();
            let mut p = Parsed::default();
            r.ran(code, 1, &mut p, &model);
            assert_eq!(r.check(code, &mut p, &model), Repeat::Run, "{code}");
        }
    }
}
