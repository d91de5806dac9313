//! The lexer: Python 3 tokenisation of DSL source.
//!
//! Hand-written, one pass, no backtracking. It produces INDENT/DEDENT from an
//! indent stack, joins lines inside brackets and after a backslash, decodes
//! string escapes, splits f-strings into PEP 701 tokens, and reads numbers.
//!
//! It also enforces the nesting budget shared with the parser. The parser is
//! recursive descent, so its stack depth grows with brackets, blocks and chains
//! of operators that recurse (`not not x`, `- - x`, `a ** b ** c`, nested
//! lambdas and conditional expressions). The lexer counts exactly those, as an
//! upper bound of the parser's depth, and stops with a clear error before the
//! parser could ever recurse deeper than the budget.

use chumsky::span::SimpleSpan;
use smol_str::SmolStr;

use crate::token::{Keyword, Op, Strings, Tok, Token};
use crate::{Diagnostic, DiagnosticKind, Span};

mod fstring;
mod number;
mod string;
#[cfg(test)]
mod tests;

use string::StrPrefix;

/// The lexer's output: tokens with spans, and any errors found.
pub struct Lexed {
    /// The parser's tokens: their text is in `strings` (moved there as each
    /// token is made, so that the parser reads them as they are).
    pub tokens: Vec<(Tok, SimpleSpan)>,
    pub strings: Strings,
    pub errors: Vec<Diagnostic>,
    /// A budget was exhausted: the tokens are incomplete and must not be parsed.
    pub fatal: bool,
    /// Where the second bracket still open at the end (one nested in the
    /// outermost open one) was opened: from there on, tokens sit two or more
    /// unclosed groups deep.
    pub unclosed_from: Option<usize>,
}

/// Tokenise `src`. `max_nesting` is the nesting budget (see the module docs).
pub fn lex(src: &str, max_nesting: usize) -> Lexed {
    // Room for a small cell's tokens and a few levels of nesting up front:
    // growing these vectors one reallocation at a time was a third of lexing
    // `print(1)`. (A token per 2 bytes is generous for code; large sources
    // grow past the cap as before.)
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::with_capacity((src.len() / 2 + 8).min(4096)),
        strings: Strings::default(),
        errors: Vec::new(),
        indents: stack(0),
        brackets: Vec::with_capacity(8),
        chains: stack((0, 0)),
        nesting: 0,
        max_nesting,
        folds: stack(0),
        depth: 0,
        max_depth: max_nesting.saturating_mul(5),
        unclosed_from: None,
        fatal: false,
    };
    lx.run();
    Lexed {
        tokens: lx.tokens,
        strings: lx.strings,
        errors: lx.errors,
        fatal: lx.fatal,
        unclosed_from: lx.unclosed_from,
    }
}

/// A stack holding `first`, with room for a few more.
fn stack<T>(first: T) -> Vec<T> {
    let mut v = Vec::with_capacity(8);
    v.push(first);
    v
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<(Tok, SimpleSpan)>,
    strings: Strings,
    errors: Vec<Diagnostic>,
    /// Column of each open block; `[0]` at top level.
    indents: Vec<usize>,
    /// Open brackets (and f-string fields) with where they opened.
    brackets: Vec<(Op, usize)>,
    /// Recursing operators seen in each open group: `(since last comma, sticky)`.
    /// Unary operators recurse only until the next comma; `lambda` and the
    /// conditional `if` recurse through commas (`lambda a, b: lambda c, d: ...`).
    chains: Vec<(u32, u32)>,
    /// Current total: open blocks + open groups + recursing operators.
    nesting: usize,
    max_nesting: usize,
    /// Left-associative operators (binary, `.`, calls, subscripts) in each
    /// open group since its last comma. The parser folds them iteratively, but
    /// the tree it builds is as deep as the chain, and every consumer of the
    /// tree (printers, the compiler, `Drop`) recurses over it.
    folds: Vec<u32>,
    /// `nesting` plus all open groups' `folds`: a bound on the AST's depth.
    depth: usize,
    max_depth: usize,
    /// Where the second bracket left open at the end of the source was opened.
    unclosed_from: Option<usize>,
    /// Set when the nesting budget is exhausted: lexing stops at once.
    fatal: bool,
}

/// Whether `s` is an identifier as Python's `str.isidentifier` says (keywords included).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_continue)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn err(&mut self, d: Diagnostic) {
        // A flood of errors helps no one: after 20 the rest are noise.
        if self.errors.len() < 20 {
            self.errors.push(d);
        }
    }

    fn push(&mut self, tok: Token, start: usize, end: usize) {
        let tok = self.strings.intern(tok);
        self.tokens.push((tok, SimpleSpan::from(start..end)));
    }

    fn last_token(&self) -> Option<Tok> {
        self.tokens.last().map(|&(t, _)| t)
    }

    // ---- the nesting budget -------------------------------------------------

    fn nest_in(&mut self, at: Span) {
        self.nesting += 1;
        self.depth += 1;
        self.check_nesting(at);
    }

    fn nest_out(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
        self.depth = self.depth.saturating_sub(1);
    }

    fn fold_op(&mut self, at: Span) {
        if let Some(f) = self.folds.last_mut() {
            *f += 1;
        }
        self.depth += 1;
        if self.depth > self.max_depth && !self.fatal {
            self.fatal = true;
            let limit = self.max_depth;
            self.errors.push(
                Diagnostic::new(
                    format!("the expression is too long (limit: {limit} chained operations)"),
                    at,
                )
                .with_label("too long here")
                .with_hint("split the expression into smaller ones with intermediate variables"),
            );
        }
    }

    fn reset_folds(&mut self) {
        if let Some(f) = self.folds.last_mut() {
            self.depth = self.depth.saturating_sub(*f as usize);
            *f = 0;
        }
    }

    fn check_nesting(&mut self, at: Span) {
        if self.nesting > self.max_nesting && !self.fatal {
            self.fatal = true;
            let limit = self.max_nesting;
            self.errors.push(
                Diagnostic::new(
                    format!("the program nests too deeply (limit: {limit} levels)"),
                    at,
                )
                .with_label("too deep here")
                .with_hint(
                    "brackets, indented blocks and chained operators count as levels; \
                         split the expression into smaller ones with intermediate variables",
                ),
            );
        }
    }

    fn open_group(&mut self, op: Op, start: usize, end: usize) {
        self.brackets.push((op, start));
        self.chains.push((0, 0));
        self.folds.push(0);
        self.nest_in(Span::new(start, end));
    }

    fn close_group(&mut self) {
        self.brackets.pop();
        if let Some((c, s)) = self.chains.pop() {
            self.nesting = self.nesting.saturating_sub((c + s) as usize);
            self.depth = self.depth.saturating_sub((c + s) as usize);
        }
        if let Some(f) = self.folds.pop() {
            self.depth = self.depth.saturating_sub(f as usize);
        }
        self.nest_out();
        if self.chains.is_empty() {
            self.chains.push((0, 0));
        }
        if self.folds.is_empty() {
            self.folds.push(0);
        }
    }

    fn chain_op(&mut self, span: Span, sticky: bool) {
        if let Some((c, s)) = self.chains.last_mut() {
            if sticky {
                *s += 1;
            } else {
                *c += 1;
            }
        }
        self.nest_in(span);
    }

    /// At a comma: the unary chain and the fold chain of this group end.
    fn reset_chain(&mut self) {
        if let Some((c, _)) = self.chains.last_mut() {
            self.nesting = self.nesting.saturating_sub(*c as usize);
            self.depth = self.depth.saturating_sub(*c as usize);
            *c = 0;
        }
        self.reset_folds();
    }

    /// At the end of a logical line: every chain of the top level ends.
    fn reset_line(&mut self) {
        if let Some((c, s)) = self.chains.last_mut() {
            self.nesting = self.nesting.saturating_sub((*c + *s) as usize);
            self.depth = self.depth.saturating_sub((*c + *s) as usize);
            *c = 0;
            *s = 0;
        }
        self.reset_folds();
    }

    /// True when an operator here would be a prefix (unary) operator.
    fn in_operand_position(&self) -> bool {
        match self.last_token() {
            None => true,
            Some(Tok::Op(op)) => !matches!(op, Op::RParen | Op::RBracket | Op::RBrace),
            Some(Tok::Kw(k)) => !matches!(k, Keyword::True | Keyword::False | Keyword::None),
            Some(Tok::Newline | Tok::Indent | Tok::Dedent | Tok::FStart) => true,
            Some(Tok::FMiddle(_) | Tok::FDebug(_)) => true,
            _ => false,
        }
    }

    // ---- lines and indentation ------------------------------------------------

    fn run(&mut self) {
        let mut at_line_start = true;
        while self.pos < self.bytes.len() && !self.fatal {
            if at_line_start && self.brackets.is_empty() {
                // A blank or comment-only line was skipped: the next line starts fresh.
                at_line_start = self.indentation();
                if at_line_start {
                    continue;
                }
            }
            let Some(c) = self.peek() else { break };
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '#' => self.skip_comment(),
                '\\' => self.backslash(),
                '\n' | '\r' => {
                    let start = self.pos;
                    self.pos += if self.src[self.pos..].starts_with("\r\n") { 2 } else { 1 };
                    if self.brackets.is_empty() {
                        self.end_logical_line(start);
                        at_line_start = true;
                    }
                }
                _ => self.token(),
            }
        }
        if self.fatal {
            return;
        }
        let end = self.bytes.len();
        self.unclosed_from = self.brackets.get(1).map(|&(_, at)| at);
        if let Some(&(op, at)) = self.brackets.last() {
            let d = Diagnostic::new(
                format!("`{}` was never closed", op.as_str()),
                Span::new(at, at + 1),
            )
            .with_label("opened here")
            .with_hint("close every bracket; check for a missing `)`, `]` or `}`")
            .with_kind(DiagnosticKind::UnclosedBracket);
            self.err(d);
            self.brackets.clear();
        }
        self.end_logical_line(end);
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(Token::Dedent, end, end);
        }
    }

    fn end_logical_line(&mut self, at: usize) {
        if !matches!(self.last_token(), None | Some(Tok::Newline | Tok::Indent | Tok::Dedent)) {
            self.push(Token::Newline, at, at);
        }
        self.reset_line();
    }

    fn skip_comment(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == b'\n' || b == b'\r' {
                break;
            }
            self.pos += 1;
        }
    }

    fn backslash(&mut self) {
        let start = self.pos;
        self.pos += 1;
        match self.peek_byte(0) {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => self.pos += if self.peek_byte(1) == Some(b'\n') { 2 } else { 1 },
            None => {}
            _ => self.err(
                Diagnostic::new(
                    "unexpected character after line continuation `\\`",
                    Span::new(start, start + 1),
                )
                .with_hint("a `\\` outside a string must be the last character of its line"),
            ),
        }
    }

    /// Measure the indentation of a new line and emit INDENT/DEDENT. Returns
    /// true when the line is blank (or only a comment) and was skipped.
    fn indentation(&mut self) -> bool {
        let line_start = self.pos;
        let mut col = 0usize;
        let mut tab_at = None;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' => col += 1,
                b'\t' => {
                    tab_at.get_or_insert(self.pos);
                    col = (col / 8 + 1) * 8;
                }
                b'\x0c' => col = 0,
                _ => break,
            }
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            None | Some(b'\n' | b'\r' | b'#') => {
                // Blank or comment-only lines do not affect indentation.
                self.skip_comment();
                if self.pos < self.bytes.len() {
                    self.pos += if self.src[self.pos..].starts_with("\r\n") { 2 } else { 1 };
                }
                return true;
            }
            Some(b'\\') if matches!(self.bytes.get(self.pos + 1), Some(b'\n' | b'\r')) => {}
            _ => {}
        }
        if let Some(t) = tab_at {
            self.err(
                Diagnostic::new("tab character in indentation", Span::new(t, t + 1))
                    .with_hint("indent with spaces only (4 per level)"),
            );
        }
        let current = self.indents.last().copied().unwrap_or(0);
        let here = Span::new(line_start, self.pos);
        if col > current {
            self.indents.push(col);
            self.push(Token::Indent, line_start, self.pos);
            self.nest_in(here);
        } else if col < current {
            while self.indents.last().is_some_and(|&c| c > col) {
                self.indents.pop();
                self.push(Token::Dedent, self.pos, self.pos);
                self.nest_out();
            }
            if self.indents.last().copied().unwrap_or(0) != col {
                self.err(
                    Diagnostic::new("unindent does not match any outer indentation level", here)
                        .with_hint(
                            "line up this line with the block it belongs to (4 spaces per level)",
                        ),
                );
                // Treat the line as opening a block at its own column, so the
                // rest of the program still lexes consistently.
                self.indents.push(col);
                self.push(Token::Indent, line_start, self.pos);
                self.nest_in(here);
            }
        }
        false
    }

    // ---- tokens ----------------------------------------------------------------

    fn token(&mut self) {
        let start = self.pos;
        let Some(c) = self.peek() else { return };
        if is_ident_start(c) {
            self.name_or_string(start);
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_byte(1).is_some_and(|b| b.is_ascii_digit()))
        {
            self.number(start);
        } else if c == '"' || c == '\'' {
            self.string(start, StrPrefix::default());
        } else {
            self.operator(start, c);
        }
    }

    fn name_or_string(&mut self, start: usize) {
        let mut end = start;
        for (i, ch) in self.src[start..].char_indices() {
            if !is_ident_continue(ch) {
                break;
            }
            end = start + i + ch.len_utf8();
        }
        let word = &self.src[start..end];
        if matches!(self.bytes.get(end), Some(b'"' | b'\'')) {
            if let Some(prefix) = StrPrefix::parse(word) {
                self.pos = end;
                self.string(start, prefix);
                return;
            }
        }
        self.pos = end;
        match Keyword::from_word(word) {
            Some(kw) => {
                let span = Span::new(start, end);
                match kw {
                    Keyword::Not | Keyword::Await => self.chain_op(span, false),
                    Keyword::Lambda | Keyword::If => self.chain_op(span, true),
                    _ => {}
                }
                self.push(Token::Kw(kw), start, end);
            }
            None => self.push(Token::Name(SmolStr::new(word)), start, end),
        }
    }

    fn operator(&mut self, start: usize, c: char) {
        use Op::*;
        let rest = &self.bytes[start..];
        let three: Option<Op> = match rest.get(..3) {
            Some(b"**=") => Some(DoubleStarEq),
            Some(b"//=") => Some(DoubleSlashEq),
            Some(b">>=") => Some(RShiftEq),
            Some(b"<<=") => Some(LShiftEq),
            Some(b"...") => Some(Ellipsis),
            _ => None,
        };
        let two: Option<Op> = match rest.get(..2) {
            Some(b"**") => Some(DoubleStar),
            Some(b"//") => Some(DoubleSlash),
            Some(b"<<") => Some(LShift),
            Some(b">>") => Some(RShift),
            Some(b"<=") => Some(LtE),
            Some(b">=") => Some(GtE),
            Some(b"==") => Some(EqEq),
            Some(b"!=") => Some(NotEq),
            Some(b"->") => Some(Arrow),
            Some(b":=") => Some(Walrus),
            Some(b"+=") => Some(PlusEq),
            Some(b"-=") => Some(MinusEq),
            Some(b"*=") => Some(StarEq),
            Some(b"/=") => Some(SlashEq),
            Some(b"%=") => Some(PercentEq),
            Some(b"&=") => Some(AmpEq),
            Some(b"|=") => Some(PipeEq),
            Some(b"^=") => Some(CaretEq),
            Some(b"@=") => Some(AtEq),
            Some(b"&&") => return self.slip(start, 2, "`&&` is not Python", "use `and`"),
            Some(b"||") => return self.slip(start, 2, "`||` is not Python", "use `or`"),
            Some(b"++") if !self.in_operand_position() => {
                return self.slip(start, 2, "`++` is not Python", "use `x += 1`");
            }
            _ => None,
        };
        let (op, len) = if let Some(op) = three {
            (op, 3)
        } else if let Some(op) = two {
            (op, 2)
        } else {
            let op = match c {
                '(' => LParen,
                ')' => RParen,
                '[' => LBracket,
                ']' => RBracket,
                '{' => LBrace,
                '}' => RBrace,
                ',' => Comma,
                ':' => Colon,
                ';' => Semi,
                '.' => Dot,
                '@' => At,
                '=' => Eq,
                '+' => Plus,
                '-' => Minus,
                '*' => Star,
                '/' => Slash,
                '%' => Percent,
                '&' => Amp,
                '|' => Pipe,
                '^' => Caret,
                '~' => Tilde,
                '<' => Lt,
                '>' => Gt,
                '!' => {
                    return self.slip(
                        start,
                        1,
                        "`!` is not an operator in Python",
                        "use `not x` (and `!=` to compare)",
                    );
                }
                '`' | '$' | '?' => {
                    return self.slip(
                        start,
                        1,
                        &format!("unexpected character `{c}`"),
                        "this character is not part of Python syntax",
                    );
                }
                _ => {
                    let msg =
                        format!("invalid character `{}` (U+{:04X})", c.escape_debug(), c as u32);
                    return self.slip(
                        start,
                        c.len_utf8(),
                        &msg,
                        "only ASCII operators and punctuation are valid outside strings",
                    );
                }
            };
            (op, 1)
        };
        let end = start + len;
        let span = Span::new(start, end);
        // A postfix `(`/`[` or a binary operator extends a left-leaning chain.
        let operand_before = !self.in_operand_position();
        match op {
            LParen | LBracket if operand_before => self.fold_op(span),
            Plus | Minus | Star | Slash | DoubleSlash | Percent | At | Amp | Pipe | Caret
            | LShift | RShift | Dot
                if operand_before =>
            {
                self.fold_op(span)
            }
            _ => {}
        }
        if self.fatal {
            return;
        }
        match op {
            LParen | LBracket | LBrace => {
                self.push(Token::Op(op), start, end);
                self.pos = end;
                self.open_group(op, start, end);
                return;
            }
            RParen | RBracket | RBrace => {
                let want = match op {
                    RParen => LParen,
                    RBracket => LBracket,
                    _ => LBrace,
                };
                match self.brackets.last() {
                    Some(&(open, _)) if open == want => self.close_group(),
                    Some(&(open, at)) => {
                        let d = Diagnostic::new(
                            format!("closing `{}` does not match `{}`", op.as_str(), open.as_str()),
                            span,
                        )
                        .with_related(Span::new(at, at + 1), "opened here")
                        .with_hint(
                            "check the brackets: each `(`, `[` and `{` needs its own closer",
                        );
                        self.err(d);
                        self.close_group();
                    }
                    None => {
                        let d = Diagnostic::new(format!("unmatched `{}`", op.as_str()), span)
                            .with_hint("remove it, or add the opening bracket it closes");
                        self.err(d);
                        self.pos = end;
                        return;
                    }
                }
            }
            Comma => self.reset_chain(),
            DoubleStar => self.chain_op(span, false),
            Plus | Minus | Tilde | Star if self.in_operand_position() => self.chain_op(span, false),
            _ => {}
        }
        self.push(Token::Op(op), start, end);
        self.pos = end;
    }

    /// A common slip from other languages: report it, skip it, go on.
    fn slip(&mut self, start: usize, len: usize, message: &str, hint: &str) {
        self.err(Diagnostic::new(message, Span::new(start, start + len)).with_hint(hint));
        self.pos = start + len;
    }
}
