//! The DSL's front end: lexer, parser, AST and diagnostics.
//!
//! The DSL is a strict subset of Python 3: every program this crate accepts is
//! a valid Python program with the same meaning (the deviations are listed in
//! `grammar/reference.md`). Features deliberately left out (classes, `with`,
//! generators, `global`, ...) are reported with a hint saying what to write
//! instead, because the reader of these errors is a language model that will
//! try again.
//!
//! Entry point: [`parse`] (or [`parse_with`] for custom limits). It never
//! panics and never overflows the stack: the source size is capped, and the
//! lexer enforces a nesting budget that bounds the parser's recursion.
//!
//! This crate knows nothing of evaluation, LLMs or I/O.

pub mod ast;
mod diagnostic;
mod lexer;
mod parser;
pub mod printer;
mod span;
pub mod token;

use chumsky::error::{RichPattern, RichReason};
use chumsky::input::Input as _;
use chumsky::prelude::*;

pub use diagnostic::{Diagnostic, DiagnosticKind, line_col, render};
pub use lexer::is_identifier;
pub use span::Span;
use token::{Keyword, Op, Tok, Token};

/// Limits for one parse.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Largest accepted source, in bytes.
    pub max_source_bytes: usize,
    /// Nesting budget shared by blocks, brackets and recursing operators.
    pub max_nesting: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        // Model-written cells are a few KB; data belongs in the context, not
        // in the program. 1 MiB leaves a wide margin.
        ParseOptions { max_source_bytes: 1 << 20, max_nesting: 200 }
    }
}

/// A failed parse: every problem found (error recovery reports several at once).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .diagnostics.first().map(|d| d.to_string()).unwrap_or_default())]
pub struct ParseError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// Plain-text rendering (line, caret, hint) for a program named `name`.
    pub fn render(&self, source: &str, name: &str) -> String {
        render(source, name, &self.diagnostics)
    }
}

/// Parse a program with the default limits.
pub fn parse(source: &str) -> Result<ast::Module, ParseError> {
    parse_with(source, &ParseOptions::default())
}

/// Whether `source` is a valid program under the default limits: the same
/// answer as `parse(source).is_ok()`, without what a failure costs there
/// (re-lexing and the explaining pass that builds its diagnostics). For
/// callers that only ask "is this code?" of text that is often prose.
pub fn parses(source: &str) -> bool {
    parses_with(source, &ParseOptions::default())
}

/// [`parses`] with explicit limits: `parse_with(source, options).is_ok()`.
pub fn parses_with(source: &str, options: &ParseOptions) -> bool {
    if check_size(source, options).is_err() {
        return false;
    }
    let lexed = lexer::lex(source, options.max_nesting);
    // Any lexer error is a diagnostic, so `parse_with` fails; otherwise it
    // succeeds exactly when the fast pass does (the explaining pass is the
    // same grammar, run only to word the errors).
    if lexed.fatal || !lexed.errors.is_empty() {
        return false;
    }
    let eoi = SimpleSpan::from(source.len()..source.len());
    fast_parse(lexed.tokens, lexed.strings, eoi).is_some()
}

/// Lex a program (exposed for tests, fuzzing and tools).
pub fn tokenize(source: &str, options: &ParseOptions) -> Result<Vec<(Token, Span)>, ParseError> {
    check_size(source, options)?;
    let lexed = lexer::lex(source, options.max_nesting);
    if lexed.errors.is_empty() {
        let strings = lexed.strings;
        Ok(lexed.tokens.into_iter().map(|(t, s)| (strings.token(t), Span::from(s))).collect())
    } else {
        Err(ParseError { diagnostics: lexed.errors })
    }
}

fn check_size(source: &str, options: &ParseOptions) -> Result<(), ParseError> {
    if source.len() > options.max_source_bytes {
        let d = Diagnostic::new(
            format!(
                "the program is too large ({} bytes; the limit is {} bytes)",
                source.len(),
                options.max_source_bytes
            ),
            Span::new(0, 0),
        )
        .with_hint(
            "keep data in the context (`context`, `ctx`) and write short programs that read it",
        );
        return Err(ParseError { diagnostics: vec![d] });
    }
    Ok(())
}

/// Parse a program with explicit limits.
pub fn parse_with(source: &str, options: &ParseOptions) -> Result<ast::Module, ParseError> {
    check_size(source, options)?;
    let mut lexed = lexer::lex(source, options.max_nesting);
    let mut diagnostics = std::mem::take(&mut lexed.errors);
    // A nesting overflow stops the lexer; parsing what it produced would only
    // add noise, and the parser must never see deeper input than the budget.
    if lexed.fatal {
        return Err(ParseError { diagnostics });
    }
    let eoi = SimpleSpan::from(source.len()..source.len());
    // Lexer errors need the explaining pass anyway; otherwise try the fast one.
    if diagnostics.is_empty() {
        if let Some(body) = fast_parse(lexed.tokens, lexed.strings, eoi) {
            return Ok(ast::Module { body });
        }
        // Rare: re-lexing is cheaper than keeping a copy of every token.
        lexed = lexer::lex(source, options.max_nesting);
    }
    // Everything after an unclosed string is its echo (dropped below), so the
    // explaining pass reads only what comes before it. Unclosed brackets nested
    // in one another made its backtracking exponential in their depth (a 1.3 KB
    // program of open `[` took a minute: the syntax_structured fuzzer's slow
    // units), so it reads no further than the second one: the first open
    // bracket still lets it point at what CPython points at (`x = [1, 2` then
    // `class A:` is an error at `class`).
    let swallowed_from = diagnostics
        .iter()
        .filter(|d| d.kind.swallows_rest())
        .map(|d| d.span.start)
        .chain(lexed.unclosed_from.and_then(|at| u32::try_from(at).ok()))
        .min();
    let mut strings = parser::rich::State::from(lexed.strings);
    let mut tokens = lexed.tokens;
    tokens.retain(|(_, s)| swallowed_from.is_none_or(|at| s.start < at as usize));
    let (body, errors) = parser::rich::module_parser()
        .parse_with_state(tokens.as_slice().map(eoi, |(t, s)| (t, s)), &mut strings)
        .into_output_errors();
    // Lexer errors first: a parse error right after a bad token is usually its
    // echo, and everything after an unclosed bracket or string is one (the
    // rest of the program became part of it).
    let lexer_error_at: Vec<Span> = diagnostics.iter().map(|d| d.span).collect();
    let unclosed_at =
        diagnostics.iter().filter(|d| d.kind.swallows_rest()).map(|d| d.span.start).min();
    for e in errors {
        let d = convert_error(source, &tokens, &strings, e);
        let line_of = |at: u32| line_col(source, at as usize).0;
        let echo = lexer_error_at.iter().any(|s| line_of(s.start) == line_of(d.span.start))
            || unclosed_at.is_some_and(|at| d.span.start >= at);
        if !echo && !diagnostics.iter().any(|x| x.span == d.span && x.message == d.message) {
            diagnostics.push(d);
        }
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    diagnostics.truncate(10);
    match body {
        Some(body) if diagnostics.is_empty() => Ok(ast::Module { body }),
        _ => {
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::new("invalid syntax", Span::new(0, source.len())));
            }
            Err(ParseError { diagnostics })
        }
    }
}

/// The fast pass: `Some` when the tokens form a valid program.
///
/// Its parser is built once per thread. The lexer moves the tokens' text
/// into a table (the parse's chumsky state), and the parser reads `Copy`
/// tokens from an owned `Stream`, so it borrows nothing from one parse.
/// Building and dropping the combinators per call was about half of parsing
/// `print(1)` (chumsky 0.13 ties a parser to its input's lifetime, and the
/// tokens were a borrowed slice); owned inputs of the tokens that carried
/// their text cloned one on every failed alternative, which cost more. Built
/// once, `print(1)` took 27K instructions instead of 50K; the grammar's
/// fast-pass shortcuts (`guard`, `op_in`, `arith_climb.rs`) brought it to
/// 13K (figures in docs/decisions/rlm-syntax.md).
fn fast_parse(
    tokens: Vec<(Tok, SimpleSpan)>,
    strings: token::Strings,
    eoi: SimpleSpan,
) -> Option<Vec<ast::Stmt>> {
    let mut strings = parser::fast::State::from(strings);
    let mut tokens = Some(tokens);
    let mut run = |parse: &FastParse| parse(tokens.take().unwrap_or_default(), eoi, &mut strings);
    // The thread's parser is gone only while the thread is being torn down.
    FAST.try_with(&mut run).unwrap_or_else(|_| run(&fast_parser(|(t, s)| (t, s))))
}

/// What the fast pass runs: its parser, built once per thread, over an input
/// built per call. A closure, because the input's type names the token
/// mapper's: a closure's type is unnameable, and a `fn` pointer there (a call
/// per token read) made parsing a third slower.
type FastParse = Box<
    dyn Fn(Vec<(Tok, SimpleSpan)>, SimpleSpan, &mut parser::fast::State) -> Option<Vec<ast::Stmt>>,
>;

fn fast_parser<F>(mapper: F) -> FastParse
where
    F: Fn((Tok, SimpleSpan)) -> (Tok, SimpleSpan) + Copy + 'static,
{
    type Input<F> = chumsky::input::MappedInput<
        'static,
        Tok,
        SimpleSpan,
        chumsky::input::Stream<std::vec::IntoIter<(Tok, SimpleSpan)>>,
        F,
    >;
    let parser = parser::fast::module_parser::<Input<F>>();
    Box::new(move |tokens, eoi, strings| {
        let input = chumsky::input::Stream::from_iter(tokens).map(eoi, mapper);
        let (body, errors) = parser.parse_with_state(input, strings).into_output_errors();
        if errors.is_empty() { body } else { None }
    })
}

thread_local! {
    static FAST: FastParse = fast_parser(|(t, s)| (t, s));
}

fn describe_found(t: Option<&Token>) -> String {
    match t {
        None => "end of input".to_string(),
        Some(t) => t.to_string(),
    }
}

/// Turn a chumsky error into a diagnostic with a short message and, where we
/// recognise a common slip, a hint.
fn convert_error(
    source: &str,
    tokens: &[(Tok, SimpleSpan)],
    strings: &token::Strings,
    e: Rich<'_, Tok, SimpleSpan>,
) -> Diagnostic {
    let span = Span::new(e.span().start, e.span().end);
    let found = e.found().map(|t| strings.token(*t));
    let prev = tokens
        .iter()
        .rev()
        .find(|(_, s)| s.end <= e.span().start && s.start < s.end)
        .map(|(t, _)| strings.token(*t));
    match e.reason() {
        RichReason::Custom(msg) => {
            let mut d = Diagnostic::new(msg.clone(), span);
            if let Some(kw) = keyword_in(msg) {
                if let Some((_, hint)) = parser::left_out_hint(kw) {
                    d = d.with_hint(hint);
                }
            }
            if msg == "decorators are not available" {
                d = d.with_hint("call the function explicitly: f = wrapper(f)");
            }
            if msg == "relative imports are not available" {
                d = d.with_hint("import the built-in modules by name, e.g. `import re` or `from collections import Counter`");
            }
            if msg == "unexpected indent" {
                d = d.with_hint("indent only the body of a block (after a line ending in `:`), 4 spaces per level");
            }
            d
        }
        RichReason::ExpectedFound { .. } => {
            let mut expected: Vec<String> = Vec::new();
            for p in e.expected() {
                let s = match p {
                    RichPattern::Token(t) => describe_expected(&strings.token(**t)),
                    RichPattern::Label(l) => l.to_string(),
                    RichPattern::EndOfInput => "end of input".to_string(),
                    _ => continue,
                };
                if !expected.contains(&s) {
                    expected.push(s);
                }
            }
            // Operators that could continue an expression are rarely what was
            // meant; name them only when nothing else was possible.
            let wants_expr = expected.iter().any(|s| s == "an expression");
            let structural: Vec<String> = expected
                .iter()
                .filter(|s| {
                    !(is_operator_continuation(s) || (wants_expr && is_expression_start(s)))
                })
                .cloned()
                .collect();
            if !structural.is_empty() {
                expected = structural;
            }
            // Keep the message short: the most telling few, labels first.
            expected.sort_by_key(|s| (expected_rank(s), s.clone()));
            expected.truncate(4);
            let found_text = describe_found(found.as_ref());
            let message = if expected.is_empty() {
                format!("unexpected {found_text}")
            } else {
                format!("expected {}, found {found_text}", join_or(&expected))
            };
            let mut d = Diagnostic::new(message, span);
            if found.is_none() {
                d = d.with_kind(DiagnosticKind::UnexpectedEnd);
            }
            if let Some(h) = slip_hint(source, found.as_ref(), prev.as_ref(), &expected, span) {
                d = d.with_hint(h);
            }
            d
        }
    }
}

/// Binary/comparison operators and call/subscript openers: what could follow
/// any complete expression.
fn is_operator_continuation(s: &str) -> bool {
    const OPS: &[&str] = &[
        "`+`", "`-`", "`*`", "`/`", "`//`", "`%`", "`**`", "`@`", "`&`", "`|`", "`^`", "`<<`",
        "`>>`", "`<`", "`>`", "`<=`", "`>=`", "`==`", "`!=`", "`in`", "`not`", "`is`", "`and`",
        "`or`", "`if`", "`(`", "`[`", "`.`", "`for`", "`async`", "`:=`", "`=`", "`+=`", "`-=`",
        "`*=`", "`/=`", "`//=`", "`%=`", "`**=`", "`&=`", "`|=`", "`^=`", "`<<=`", "`>>=`", "`@=`",
        "`;`", "`!`", "`else`",
    ];
    OPS.contains(&s)
}

/// Tokens that can start an expression: implied by "an expression".
fn is_expression_start(s: &str) -> bool {
    const STARTS: &[&str] = &[
        "`await`", "`~`", "`-`", "`+`", "`not`", "`lambda`", "`*`", "`(`", "`[`", "`{`", "`yield`",
        "`**`", "a name", "string", "f-string", "`None`", "`True`", "`False`", "`...`",
    ];
    STARTS.contains(&s)
}

/// Order of mention: what most often fixes the error first.
fn expected_rank(s: &str) -> u8 {
    match s {
        "`:`" => 0,
        "`)`" | "`]`" | "`}`" => 1,
        "end of line" => 2,
        _ if s.starts_with("an ") || s.starts_with("a ") => 3,
        _ => 4,
    }
}

fn describe_expected(t: &Token) -> String {
    match t {
        Token::Op(o) => format!("`{}`", o.as_str()),
        Token::Kw(k) => format!("`{}`", k.as_str()),
        Token::Newline => "end of line".to_string(),
        Token::Indent => "an indented block".to_string(),
        Token::Dedent => "end of block".to_string(),
        other => other.to_string(),
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn keyword_in(msg: &str) -> Option<Keyword> {
    [Keyword::Class, Keyword::With, Keyword::Yield, Keyword::Global, Keyword::Nonlocal]
        .into_iter()
        .find(|k| parser::left_out_hint(*k).is_some_and(|(what, _)| what == msg))
}

/// Hints for the slips models (and people) make most.
fn slip_hint(
    source: &str,
    found: Option<&Token>,
    prev: Option<&Token>,
    expected: &[String],
    span: Span,
) -> Option<String> {
    let expects = |s: &str| expected.iter().any(|e| e == s);
    match (found, prev) {
        (Some(Token::Op(Op::Eq)), _) if expects("`:`") || expects("`)`") => {
            Some("use `==` to compare; `=` assigns".into())
        }
        (Some(Token::Kw(Keyword::If)), Some(Token::Kw(Keyword::Else))) => {
            Some("write `elif`, not `else if`".into())
        }
        (Some(Token::Newline), _) if expects("`:`") => {
            Some("a line that opens a block (`if`, `for`, `def`, ...) ends with `:`".into())
        }
        (
            Some(Token::Str(_) | Token::FStart | Token::Name(_) | Token::Int(_)),
            Some(Token::Name(n)),
        ) if n == "print" || n == "exec" => Some(format!("call it with parentheses: {n}(...)")),
        (Some(Token::Indent), _) => Some(
            "indent only the body of a block (after a line ending in `:`), 4 spaces per level"
                .into(),
        ),
        _ if expects("an indented block") => {
            Some("the block after `:` must be indented (4 spaces)".into())
        }
        (_, Some(Token::Name(n))) if n == "match" && source.get(span.range()).is_some() => {
            Some("`match` statements are not available; use if/elif".into())
        }
        _ => None,
    }
}
