//! `rlm repl`: a person types DSL against a loaded context, with the
//! functions the model has (`context`/`P`, `ctx.*`, `llm_query`, `llm_batch`,
//! `FINAL`, ...).
//!
//! Input works like Python's REPL: a simple statement runs when its line ends
//! (brackets and triple-quoted strings continue over lines); a compound
//! statement (`if`, `for`, `def`, ...) continues until a blank line. The value
//! of a bare expression statement is printed as its `repr` (`None` is not),
//! in blocks too (`for i in x: i`) but not in function bodies, as in Python.
//! Prompts and the banner go to stderr and only when stdin is a terminal, so
//! a piped session prints exactly what the code prints. Tracebacks go to
//! stderr; `FINAL(x)` prints `FINAL: x` on stderr and ends the session.
//!
//! Bare expressions are displayed without any interpreter support: the cell
//! is rewritten so that each such expression statement `e` becomes
//! `__rlm_repl_display__((e))`, a suspending host function the driver
//! answers by printing the `repr` of its argument. The rewrite keeps every
//! line where it was, so tracebacks name the lines the person typed.

use std::io::{BufRead, IsTerminal, Write};

use futures::future::LocalBoxFuture;
use rlm_core::ProgramHost;
use rlm_core::cell::{Answers, CallServer, CellEnd, run_cell};
use rlm_interp::{HostCall, HostFunc, Interpreter, SmolStr, Value};
use rlm_syntax::DiagnosticKind;
use rlm_syntax::ast::StmtKind;

use crate::exec::{OpenSession, SessionArgs, exit_for_error, kept_until_exit};
use crate::exit::{CliError, Exit};

/// The host function bare expressions are wrapped in.
const DISPLAY: &str = "__rlm_repl_display__";

/// The flags of `rlm repl`: those of `rlm exec` (the models, from `--model`
/// or the configuration, answer `llm_query`, `ask`, `rlm_query`...; none
/// configured: the scripted replies `--reply`/`--replies`, or the scripted
/// model `--script`).
#[derive(Debug, clap::Args)]
pub struct ReplArgs {
    #[command(flatten)]
    pub session: SessionArgs,
}

/// The REPL's host: displays bare expressions itself (their `repr` on
/// stdout), and hands every other call to rlm-core.
struct ReplServer {
    host: ProgramHost,
    /// The first failed write to stdout, reported after the cell.
    write_error: Option<CliError>,
}

impl CallServer for ReplServer {
    fn serve<'a>(
        &'a mut self,
        session: &'a mut Interpreter,
        calls: Vec<HostCall>,
    ) -> LocalBoxFuture<'a, Answers> {
        Box::pin(async move {
            let (shown, rest): (Vec<HostCall>, Vec<HostCall>) =
                calls.into_iter().partition(|c| c.name == DISPLAY);
            let mut answers = Vec::with_capacity(shown.len() + rest.len());
            for call in shown {
                let value = call.args.first().cloned().unwrap_or(Value::None);
                if !matches!(value, Value::None) && self.write_error.is_none() {
                    let mut text = session.repr(&value);
                    text.push('\n');
                    self.write_error = write_out(&text).err();
                }
                answers.push((call.id, Ok(Value::None)));
            }
            if !rest.is_empty() {
                answers.extend(self.host.serve(session, rest).await);
            }
            answers
        })
    }
}

/// What to do with the lines typed so far.
#[derive(Debug, PartialEq, Eq)]
enum Ready {
    /// Run them now.
    Run,
    /// An open bracket or triple-quoted string: read another line (blank
    /// lines belong to it).
    Open,
    /// Unfinished otherwise (a `:` with no block yet): read another line; a
    /// blank one runs what was typed, to show the error.
    More,
    /// A compound statement: read until a blank line.
    Block,
}

/// Whether a line opens a block: it ends with `:` (a comment after it aside),
/// or is a decorator.
fn opens_block(line: &str) -> bool {
    let code = line.trim();
    if code.starts_with('@') || code.ends_with(':') {
        return true;
    }
    // `if x:  # why` — the part before the last `#` (good enough for a
    // prompt: a `#` inside a string on a block-opening line is rare).
    code.rfind('#').is_some_and(|i| code[..i].trim_end().ends_with(':'))
}

/// Decide whether `source` (the lines typed so far) is ready to run.
fn readiness(source: &str) -> Ready {
    // A statement that opens a block is complete only at a blank line, as in
    // Python (`try:` with its body is not an error yet: `except` may follow).
    if source.lines().find(|l| !l.trim().is_empty()).is_some_and(opens_block) {
        return Ready::Block;
    }
    match rlm_syntax::parse(source) {
        Ok(module) => {
            let compound = module.body.last().is_some_and(|s| {
                matches!(
                    s.kind,
                    StmtKind::If { .. }
                        | StmtKind::While { .. }
                        | StmtKind::For { .. }
                        | StmtKind::FunctionDef(_)
                        | StmtKind::Try { .. }
                        | StmtKind::AsyncWith { .. }
                )
            });
            if compound { Ready::Block } else { Ready::Run }
        }
        Err(e) => {
            // An unclosed bracket or triple-quoted string (reported where it
            // opens) is not finished; nor is input whose error is at its very
            // end (a `:` with no block). Anything else is a real error to show now.
            let open = |d: &rlm_syntax::Diagnostic| {
                matches!(
                    d.kind,
                    DiagnosticKind::UnclosedBracket
                        | DiagnosticKind::UnterminatedString { triple: true }
                )
            };
            let end = source.trim_end().len();
            let at_end = |d: &rlm_syntax::Diagnostic| {
                d.span.start as usize >= end || d.kind == DiagnosticKind::UnexpectedEnd
            };
            if e.diagnostics.iter().any(open) {
                Ready::Open
            } else if source.trim_end().ends_with(':') || e.diagnostics.iter().any(at_end) {
                Ready::More
            } else {
                Ready::Run
            }
        }
    }
}

/// The spans of the expression statements Python's REPL displays: those of
/// the typed statement and of the blocks inside it (`for i in x: i` shows
/// each `i`), but not those inside a function body.
fn displayed_expressions(stmts: &[rlm_syntax::ast::Stmt], out: &mut Vec<(usize, usize)>) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Expr(e) => out.push((e.span.start as usize, e.span.end as usize)),
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                displayed_expressions(body, out);
                displayed_expressions(orelse, out);
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                displayed_expressions(body, out);
                for h in handlers {
                    displayed_expressions(&h.body, out);
                }
                displayed_expressions(orelse, out);
                displayed_expressions(finalbody, out);
            }
            StmtKind::AsyncWith { body, .. } => displayed_expressions(body, out),
            _ => {}
        }
    }
}

/// Wrap each displayed expression statement in the display function.
fn wrap_expressions(source: &str) -> String {
    let Ok(module) = rlm_syntax::parse(source) else {
        return source.to_string();
    };
    let mut spans = Vec::new();
    displayed_expressions(&module.body, &mut spans);
    spans.retain(|(a, b)| a < b && *b <= source.len());
    spans.sort_unstable();
    let mut out = String::with_capacity(source.len() + spans.len() * 32);
    let mut at = 0;
    for (start, end) in spans {
        if start < at || !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            continue;
        }
        out.push_str(&source[at..start]);
        out.push_str(DISPLAY);
        out.push_str("((");
        out.push_str(&source[start..end]);
        out.push_str("))");
        at = end;
    }
    out.push_str(&source[at..]);
    out
}

fn write_out(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::Write { what: "stdout".into(), source: e })
}

/// What the session loop decided after a cell.
enum After {
    Continue,
    /// A limit stopped the cell (rolled back): the session goes on, and
    /// ends with the budget's exit code.
    Limited,
    Stop(Exit),
}

fn run_one(
    session: &mut Interpreter,
    server: &mut ReplServer,
    runtime: &tokio::runtime::Runtime,
    source: &str,
) -> Result<After, CliError> {
    let wrapped = wrap_expressions(source);
    // The run's wall-time budget and the program's time limit stop the cell
    // with the wall-time error (rolled back).
    session.set_interrupt_check(Some(server.host.interrupt().check()));
    let end = runtime.block_on(run_cell(session, &wrapped, server, &mut |t| write_out(t)))?;
    if let Some(e) = server.write_error.take() {
        return Err(e);
    }
    Ok(match end {
        CellEnd::Done | CellEnd::Cancelled => After::Continue,
        CellEnd::Final(answer) => {
            eprintln!("FINAL: {}", session.display(&answer));
            After::Stop(Exit::Ok)
        }
        CellEnd::Error(e) => {
            // A limit rolled the cell back (its rendering says so): the
            // session goes on as it was before the cell.
            eprint!("{}", e.render(source, "<stdin>"));
            match exit_for_error(&e.kind) {
                Exit::BudgetExhausted => After::Limited,
                _ => After::Continue,
            }
        }
    })
}

pub fn repl(args: ReplArgs) -> Result<Exit, CliError> {
    let OpenSession { session, host, runtime, model, .. } = args.session.open("rlm repl")?;
    let mut session = kept_until_exit(session);
    let mut server = ReplServer { host, write_error: None };
    session.set_cell_name("<stdin>");
    session.register(DISPLAY, HostFunc::Suspend { call: SmolStr::new_static(DISPLAY) });
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    if interactive {
        let context = if args.session.context.is_empty() {
            "no context loaded".to_string()
        } else {
            format!(
                "context from {} path(s) bound to context/P and ctx",
                args.session.context.len()
            )
        };
        eprintln!(
            "rlm repl: {context}; llm_query, ask, rlm_query... answered by {}. \
             A blank line ends a block; FINAL(x) or Ctrl-D ends the session.",
            model.as_deref().unwrap_or(if args.session.script.is_some() {
                "the scripted model"
            } else {
                "the scripted replies"
            })
        );
    }
    let mut lines = stdin.lock().lines();
    let mut buffer = String::new();
    let mut block = false;
    // The exit code: a limit (rolled back) ends the session with 3 at the end.
    let mut exit = Exit::Ok;
    loop {
        if interactive {
            eprint!("{}", if buffer.is_empty() { ">>> " } else { "... " });
            let _ = std::io::stderr().flush();
        }
        let line = match lines.next() {
            None => break,
            Some(Ok(line)) => line,
            Some(Err(e)) => return Err(CliError::read(std::path::Path::new("<stdin>"), &e)),
        };
        let blank = line.trim().is_empty();
        if buffer.is_empty() {
            if blank {
                continue;
            }
            if matches!(line.trim(), "exit" | "quit" | "exit()" | "quit()") {
                return Ok(Exit::Ok);
            }
        }
        let ready = if block {
            // Inside a compound statement: a blank line ends it.
            if blank {
                Ready::Run
            } else {
                buffer.push_str(&line);
                buffer.push('\n');
                Ready::Block
            }
        } else {
            buffer.push_str(&line);
            buffer.push('\n');
            match readiness(&buffer) {
                // A blank line after an unfinished statement runs it to show
                // the error, rather than waiting forever (`if x:` then Enter).
                Ready::More if blank => Ready::Run,
                other => other,
            }
        };
        match ready {
            Ready::More | Ready::Open => continue,
            Ready::Block => {
                block = true;
                continue;
            }
            Ready::Run => {}
        }
        let source = std::mem::take(&mut buffer);
        block = false;
        match run_one(&mut session, &mut server, &runtime, &source)? {
            After::Stop(exit) => return Ok(exit),
            After::Limited => exit = Exit::BudgetExhausted,
            After::Continue => {}
        }
    }
    // End of input with a statement still open: run what was typed.
    if !buffer.trim().is_empty() {
        match run_one(&mut session, &mut server, &runtime, &buffer)? {
            After::Stop(exit) => return Ok(exit),
            After::Limited => exit = Exit::BudgetExhausted,
            After::Continue => {}
        }
    }
    if interactive {
        eprintln!();
    }
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_follows_python() {
        assert_eq!(readiness("x = 1\n"), Ready::Run);
        assert_eq!(readiness("1 +* 2\n"), Ready::Run); // a real error: show it now
        assert_eq!(readiness("if x:\n"), Ready::Block);
        assert_eq!(readiness("if x:  # comment\n"), Ready::Block);
        assert_eq!(readiness("try:\n    1/0\n"), Ready::Block);
        assert_eq!(readiness("@decorator\n"), Ready::Block);
        assert_eq!(readiness("if x: y = 1\n"), Ready::Block);
        assert_eq!(readiness("x = \n"), Ready::More);
        assert_eq!(readiness("if x:\n    y = 1\n"), Ready::Block);
        assert_eq!(readiness("f(1,\n"), Ready::Open);
        assert_eq!(readiness("f(1,\n\n"), Ready::Open);
        assert_eq!(readiness("s = \"\"\"abc\n\n"), Ready::Open);
        assert_eq!(readiness("d = {'a': [1,\n  2]}\n"), Ready::Run);
        assert_eq!(readiness("def f():\n    return 1\n"), Ready::Block);
        assert_eq!(readiness("x = 1 +\n"), Ready::More); // the error is at the very end
        assert_eq!(readiness("s = 'abc\n"), Ready::Run); // a one-line string never continues
        assert_eq!(readiness("x = [1, 2]]\n"), Ready::Run); // "expected end of input": a real error
    }

    #[test]
    fn expressions_are_wrapped_in_place() {
        assert_eq!(wrap_expressions("x = 1\nx + 1\n"), "x = 1\n__rlm_repl_display__((x + 1))\n");
        assert_eq!(
            wrap_expressions("1; print(2)\n"),
            "__rlm_repl_display__((1)); __rlm_repl_display__((print(2)))\n"
        );
        // Inside blocks too, as Python's REPL does, but not in function bodies.
        assert_eq!(
            wrap_expressions("for i in x:\n    i\nelse:\n    0\n"),
            "for i in x:\n    __rlm_repl_display__((i))\nelse:\n    __rlm_repl_display__((0))\n"
        );
        assert_eq!(
            wrap_expressions("try:\n    a\nexcept E:\n    b\nfinally:\n    c\n"),
            "try:\n    __rlm_repl_display__((a))\nexcept E:\n    __rlm_repl_display__((b))\nfinally:\n    __rlm_repl_display__((c))\n"
        );
        assert_eq!(wrap_expressions("def f():\n    y\n"), "def f():\n    y\n");
        // A bad program is left alone (its error is shown as typed).
        assert_eq!(wrap_expressions("1 +* 2\n"), "1 +* 2\n");
    }
}
