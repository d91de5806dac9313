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

use smol_str::SmolStr;

use crate::token::{Keyword, Op, Token};
use crate::{Diagnostic, DiagnosticKind, Span};

/// The lexer's output: tokens with spans, and any errors found.
pub struct Lexed {
    pub tokens: Vec<(Token, Span)>,
    pub errors: Vec<Diagnostic>,
    /// A budget was exhausted: the tokens are incomplete and must not be parsed.
    pub fatal: bool,
}

/// Tokenise `src`. `max_nesting` is the nesting budget (see the module docs).
pub fn lex(src: &str, max_nesting: usize) -> Lexed {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
        indents: vec![0],
        brackets: Vec::new(),
        chains: vec![(0, 0)],
        nesting: 0,
        max_nesting,
        folds: vec![0],
        depth: 0,
        max_depth: max_nesting.saturating_mul(5),
        fatal: false,
    };
    lx.run();
    Lexed { tokens: lx.tokens, errors: lx.errors, fatal: lx.fatal }
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<(Token, Span)>,
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
    /// Set when the nesting budget is exhausted: lexing stops at once.
    fatal: bool,
}

/// Where an f-string field stops scanning ordinary tokens.
#[derive(PartialEq)]
enum FieldEnd {
    Close,
    Conversion,
    Spec,
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
        self.tokens.push((tok, Span::new(start, end)));
    }

    fn last_token(&self) -> Option<&Token> {
        self.tokens.last().map(|(t, _)| t)
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
            Some(Token::Op(op)) => !matches!(op, Op::RParen | Op::RBracket | Op::RBrace),
            Some(Token::Kw(k)) => !matches!(k, Keyword::True | Keyword::False | Keyword::None),
            Some(Token::Newline | Token::Indent | Token::Dedent | Token::FStart) => true,
            Some(Token::FMiddle(_) | Token::FDebug(_)) => true,
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
        if !matches!(self.last_token(), None | Some(Token::Newline | Token::Indent | Token::Dedent))
        {
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

    // ---- numbers ------------------------------------------------------------------

    fn number(&mut self, start: usize) {
        let b = self.bytes;
        let mut i = start;
        let digits = |i: &mut usize, ok: &dyn Fn(u8) -> bool| {
            while *i < b.len()
                && (ok(b[*i]) || (b[*i] == b'_' && *i + 1 < b.len() && ok(b[*i + 1])))
            {
                *i += 1;
            }
        };
        let radix = if b[i] == b'0' {
            match b.get(i + 1) {
                Some(b'x' | b'X') => Some(16),
                Some(b'o' | b'O') => Some(8),
                Some(b'b' | b'B') => Some(2),
                _ => None,
            }
        } else {
            None
        };
        if let Some(radix) = radix {
            i += 2;
            let ds = i;
            digits(&mut i, &|c: u8| (c as char).is_digit(radix));
            // Python allows an underscore right after the base prefix.
            if ds == i && b.get(i) == Some(&b'_') {
                i += 1;
                digits(&mut i, &|c: u8| (c as char).is_digit(radix));
            }
            let text: String = self.src[ds..i].chars().filter(|&c| c != '_').collect();
            self.pos = i;
            if text.is_empty() {
                self.err(
                    Diagnostic::new("invalid number literal", Span::new(start, i))
                        .with_hint("digits must follow `0x`, `0o` or `0b`"),
                );
                return;
            }
            let tok = match u128::from_str_radix(&text, radix) {
                Ok(v) => match i64::try_from(v) {
                    Ok(v) => Token::Int(v),
                    Err(_) => Token::BigInt(SmolStr::new(v.to_string())),
                },
                Err(_) => {
                    self.err(Diagnostic::new("integer literal too large", Span::new(start, i)));
                    return;
                }
            };
            self.number_suffix(start, tok);
            return;
        }
        let int_start = i;
        digits(&mut i, &|c: u8| c.is_ascii_digit());
        let int_end = i;
        let mut is_float = false;
        if b.get(i) == Some(&b'.') && !(b.get(i + 1) == Some(&b'.') && b.get(i + 2) == Some(&b'.'))
        {
            is_float = true;
            i += 1;
            digits(&mut i, &|c: u8| c.is_ascii_digit());
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                i = j;
                digits(&mut i, &|c: u8| c.is_ascii_digit());
            }
        }
        self.pos = i;
        let text: String = self.src[start..i].chars().filter(|&c| c != '_').collect();
        let tok = if is_float {
            match text.parse::<f64>() {
                Ok(v) => Token::Float(v),
                Err(_) => {
                    self.err(Diagnostic::new("invalid float literal", Span::new(start, i)));
                    return;
                }
            }
        } else {
            let int_text = &self.src[int_start..int_end];
            if int_text.len() > 1
                && int_text.starts_with('0')
                && int_text.bytes().any(|c| c != b'0' && c != b'_')
            {
                self.err(
                    Diagnostic::new(
                        "leading zeros in decimal integer literals are not permitted",
                        Span::new(start, i),
                    )
                    .with_hint("write the number without leading zeros (or `0o…` for octal)"),
                );
                return;
            }
            match text.parse::<i64>() {
                Ok(v) => Token::Int(v),
                Err(_) => Token::BigInt(SmolStr::new(text.trim_start_matches('0'))),
            }
        };
        self.number_suffix(start, tok);
    }

    fn number_suffix(&mut self, start: usize, tok: Token) {
        let end = self.pos;
        match self.peek() {
            Some('j' | 'J') => {
                self.pos += 1;
                self.err(
                    Diagnostic::new(
                        "complex numbers are not available",
                        Span::new(start, self.pos),
                    )
                    .with_hint("use floats (or a pair of floats for real and imaginary parts)"),
                );
            }
            Some(c) if is_ident_start(c) => {
                // `1if x else 2` is valid (if frowned upon) Python; `1abc` is not.
                let word: String =
                    self.src[end..].chars().take_while(|&c| is_ident_continue(c)).collect();
                if Keyword::from_word(&word).is_none() {
                    let bad_end = end + word.len();
                    self.pos = bad_end;
                    self.err(
                        Diagnostic::new("invalid number literal", Span::new(start, bad_end))
                            .with_hint("a name cannot start with a digit; put an operator or a space between a number and a name"),
                    );
                    return;
                }
                self.push(tok, start, end);
            }
            _ => self.push(tok, start, end),
        }
    }

    // ---- strings --------------------------------------------------------------

    fn string(&mut self, start: usize, prefix: StrPrefix) {
        let quote = self.bytes[self.pos];
        let triple = self.peek_byte(1) == Some(quote) && self.peek_byte(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        if prefix.bytes {
            self.err(
                Diagnostic::new("bytes literals are not available", Span::new(start, self.pos))
                    .with_hint("use a str literal (drop the `b` prefix)"),
            );
        }
        if prefix.fstring {
            self.fstring(start, quote, triple, prefix.raw);
            return;
        }
        let mut value = String::new();
        match self.string_body(&mut value, quote, triple, prefix.raw, false) {
            // Plain strings scan with `fmode == false`, so they never stop at a brace.
            BodyEnd::Quote | BodyEnd::Brace => {
                self.push(Token::Str(SmolStr::from(value)), start, self.pos)
            }
            BodyEnd::Unterminated => self.unterminated(start, triple, false),
        }
    }

    fn unterminated(&mut self, start: usize, triple: bool, fstring: bool) {
        let what = match (triple, fstring) {
            (true, true) => "unterminated triple-quoted f-string",
            (true, false) => "unterminated triple-quoted string",
            (false, true) => "unterminated f-string",
            (false, false) => "unterminated string",
        };
        let hint = if triple {
            "close it with the same three quotes it opened with"
        } else {
            "close the quote on the same line, or use a triple-quoted string for text over several lines"
        };
        let end = (start + 1).min(self.bytes.len());
        self.err(
            Diagnostic::new(what, Span::new(start, end))
                .with_label("starts here")
                .with_hint(hint)
                .with_kind(DiagnosticKind::UnterminatedString { triple }),
        );
    }

    /// Scan string contents into `out` up to the closing quote. In f-string
    /// mode, also stops before a `{` (not `{{`) and handles `}}`.
    fn string_body(
        &mut self,
        out: &mut String,
        quote: u8,
        triple: bool,
        raw: bool,
        fmode: bool,
    ) -> BodyEnd {
        let b = self.bytes;
        loop {
            // Fast path: copy the run of ordinary bytes in one go (the
            // delimiters are all ASCII, so byte scanning is UTF-8 safe).
            let run_start = self.pos;
            while let Some(&c) = b.get(self.pos) {
                if c == quote
                    || c == b'\\'
                    || c == b'\n'
                    || c == b'\r'
                    || (fmode && (c == b'{' || c == b'}'))
                {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.src[run_start..self.pos]);
            let Some(&c) = b.get(self.pos) else { return BodyEnd::Unterminated };
            match c {
                _ if c == quote => {
                    if !triple {
                        self.pos += 1;
                        return BodyEnd::Quote;
                    }
                    if b.get(self.pos + 1) == Some(&quote) && b.get(self.pos + 2) == Some(&quote) {
                        self.pos += 3;
                        return BodyEnd::Quote;
                    }
                    out.push(quote as char);
                    self.pos += 1;
                }
                b'\n' | b'\r' => {
                    if !triple {
                        return BodyEnd::Unterminated;
                    }
                    // Python normalises newlines in source to `\n`.
                    if b.get(self.pos) == Some(&b'\r') && b.get(self.pos + 1) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.pos += 1;
                    out.push('\n');
                }
                b'{' | b'}' => {
                    if b.get(self.pos + 1) == Some(&c) {
                        out.push(c as char);
                        self.pos += 2;
                    } else if c == b'{' {
                        return BodyEnd::Brace;
                    } else {
                        let at = self.pos;
                        self.err(
                            Diagnostic::new(
                                "single `}` is not allowed in an f-string",
                                Span::new(at, at + 1),
                            )
                            .with_hint("write `}}` for a literal `}`"),
                        );
                        self.pos += 1;
                    }
                }
                _ => self.escape(out, raw),
            }
        }
    }

    fn escape(&mut self, out: &mut String, raw: bool) {
        let start = self.pos;
        self.pos += 1; // the backslash
        let Some(c) = self.peek() else {
            out.push('\\');
            return;
        };
        if raw {
            // In raw strings a backslash escapes nothing, but `\"` still does
            // not end the string; both characters stay.
            out.push('\\');
            out.push(c);
            self.pos += c.len_utf8();
            if c == '\r' && self.peek_byte(0) == Some(b'\n') {
                self.pos += 1;
            }
            return;
        }
        self.pos += c.len_utf8();
        let simple = match c {
            '\n' => Some(None),
            '\r' => {
                if self.peek_byte(0) == Some(b'\n') {
                    self.pos += 1;
                }
                Some(None)
            }
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(ch) = simple {
            if let Some(ch) = ch {
                out.push(ch);
            }
            return;
        }
        match c {
            '0'..='7' => {
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek_byte(0) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let n = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex = self.src.get(self.pos..self.pos + n).unwrap_or("");
                let value = if hex.len() == n && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                } else {
                    None
                };
                match value {
                    Some(ch) => {
                        self.pos += n;
                        out.push(ch);
                    }
                    None => self.err(
                        Diagnostic::new(
                            format!("invalid `\\{c}` escape"),
                            Span::new(start, self.pos),
                        )
                        .with_hint(format!(
                            "`\\{c}` takes exactly {n} hex digits (or use a raw string r\"...\")"
                        )),
                    ),
                }
            }
            'N' => {
                // `\N{NAME}`: the name is looked up case-insensitively, with
                // the Unicode name aliases, as CPython's unicodedata does.
                let name = if self.peek_byte(0) == Some(b'{') {
                    let rest = &self.src[self.pos + 1..];
                    let len = rest
                        .bytes()
                        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-'))
                        .count();
                    (rest.as_bytes().get(len) == Some(&b'}')).then(|| &rest[..len])
                } else {
                    None
                };
                let Some(name) = name else {
                    self.err(
                        Diagnostic::new("malformed `\\N` escape", Span::new(start, self.pos))
                            .with_hint("write `\\N{NAME}`, e.g. `\\N{BULLET}`"),
                    );
                    return;
                };
                let name_end = self.pos + 1 + name.len() + 1;
                match unicode_names2::character(name) {
                    Some(ch) if !name.is_empty() => {
                        self.pos = name_end;
                        out.push(ch);
                    }
                    _ => {
                        self.pos = name_end;
                        self.err(
                            Diagnostic::new(
                                format!("unknown Unicode character name `{name}`"),
                                Span::new(start, name_end),
                            )
                            .with_hint("check the name, or write the character itself or `\\u` with its code point"),
                        );
                    }
                }
            }
            other => {
                // Python keeps unknown escapes as they are (with a warning).
                out.push('\\');
                out.push(other);
            }
        }
    }

    fn fstring(&mut self, start: usize, quote: u8, triple: bool, raw: bool) {
        let open_end = self.pos;
        self.push(Token::FStart, start, open_end);
        self.open_group(Op::LBrace, start, open_end);
        if self.fatal {
            return;
        }
        loop {
            let mut text = String::new();
            let text_start = self.pos;
            let end = self.string_body(&mut text, quote, triple, raw, true);
            if !text.is_empty() {
                self.push(Token::FMiddle(SmolStr::from(text)), text_start, self.pos);
            }
            match end {
                BodyEnd::Quote => {
                    let q = if triple { 3 } else { 1 };
                    self.push(Token::FEnd, self.pos - q, self.pos);
                    break;
                }
                BodyEnd::Unterminated => {
                    self.unterminated(start, triple, true);
                    self.push(Token::FEnd, self.pos, self.pos);
                    break;
                }
                BodyEnd::Brace => {
                    if !self.field(quote, triple, raw) {
                        self.unterminated(start, triple, true);
                        self.push(Token::FEnd, self.pos, self.pos);
                        break;
                    }
                    if self.fatal {
                        return;
                    }
                }
            }
        }
        self.close_group();
    }

    /// Lex one replacement field `{expr[=][!c][:spec]}` starting at `{`.
    /// Returns false if the source ended inside it.
    fn field(&mut self, quote: u8, triple: bool, raw: bool) -> bool {
        let open = self.pos;
        self.push(Token::Op(Op::LBrace), open, open + 1);
        self.pos += 1;
        self.open_group(Op::LBrace, open, open + 1);
        let depth = self.brackets.len();
        let expr_start = self.pos;
        let ended = loop {
            if self.fatal {
                return true;
            }
            let Some(c) = self.peek() else { break None };
            let at_top = self.brackets.len() == depth;
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '\n' | '\r' if triple || !at_top => self.pos += 1,
                '\n' | '\r' => break None,
                '}' if at_top => break Some(FieldEnd::Close),
                ':' if at_top => break Some(FieldEnd::Spec),
                '!' if at_top && self.peek_byte(1) != Some(b'=') => {
                    break Some(FieldEnd::Conversion);
                }
                '=' if at_top && self.is_debug_equals() => {
                    // Python prints the field's text verbatim, spaces after `=` included.
                    let eq = self.pos;
                    self.pos += 1;
                    while self.peek_byte(0) == Some(b' ') {
                        self.pos += 1;
                    }
                    let text = SmolStr::new(&self.src[expr_start..self.pos]);
                    self.push(Token::FDebug(text), eq, eq + 1);
                }
                '#' => {
                    let at = self.pos;
                    self.err(
                        Diagnostic::new(
                            "f-string expression cannot contain `#`",
                            Span::new(at, at + 1),
                        )
                        .with_hint("compute the value in a variable first"),
                    );
                    self.pos += 1;
                }
                '\\' => self.backslash(),
                // PEP 701: a quote of the enclosing kind may start a nested
                // string (`f"{d["k"]}"`) when it closes on this line.
                c if c as u32 == u32::from(quote)
                    && !triple
                    && at_top
                    && !self.closes_on_this_line(quote) =>
                {
                    // `f"{a"`: the string ends inside the field. Report it
                    // here and close the field, so nothing else cascades.
                    let at = self.pos;
                    self.err(
                        Diagnostic::new("f-string: expecting `}`", Span::new(at, at + 1))
                            .with_hint("close every `{` of an f-string with `}`; write `{{` for a literal brace"),
                    );
                    self.close_group();
                    return true;
                }
                _ => self.token(),
            }
        };
        let Some(mut ended) = ended else { return false };
        if ended == FieldEnd::Conversion {
            let at = self.pos;
            self.push(Token::Op(Op::Bang), at, at + 1);
            self.pos += 1;
            let name_start = self.pos;
            while self.peek().is_some_and(is_ident_continue) {
                self.pos += 1;
            }
            let word = &self.src[name_start..self.pos];
            self.push(Token::Name(SmolStr::new(word)), name_start, self.pos);
            ended = match self.peek() {
                Some('}') => FieldEnd::Close,
                Some(':') => FieldEnd::Spec,
                _ => return false,
            };
        }
        if ended == FieldEnd::Spec {
            let at = self.pos;
            self.push(Token::Op(Op::Colon), at, at + 1);
            self.pos += 1;
            // The format spec is f-string text with nested fields, up to `}`.
            loop {
                let mut text = String::new();
                let text_start = self.pos;
                let b = self.bytes;
                while let Some(&c) = b.get(self.pos) {
                    if c == b'{' || c == b'}' || c == quote || c == b'\n' || c == b'\\' {
                        break;
                    }
                    self.pos += 1;
                }
                text.push_str(&self.src[text_start..self.pos]);
                if !text.is_empty() {
                    self.push(Token::FMiddle(SmolStr::from(text)), text_start, self.pos);
                }
                match b.get(self.pos) {
                    Some(b'{') => {
                        if !self.field(quote, triple, raw) {
                            return false;
                        }
                        if self.fatal {
                            return true;
                        }
                    }
                    Some(b'}') => break,
                    Some(b'\\') => {
                        let mut esc = String::new();
                        let s = self.pos;
                        self.escape(&mut esc, raw);
                        self.push(Token::FMiddle(SmolStr::from(esc)), s, self.pos);
                    }
                    _ => return false,
                }
            }
        }
        let close = self.pos;
        self.push(Token::Op(Op::RBrace), close, close + 1);
        self.pos += 1;
        self.close_group();
        true
    }

    /// Does the quote at `pos` have a partner later on the same line?
    fn closes_on_this_line(&self, quote: u8) -> bool {
        let rest = &self.bytes[self.pos + 1..];
        let line = rest.iter().position(|&b| b == b'\n').map_or(rest, |n| &rest[..n]);
        line.contains(&quote)
    }

    /// Is the `=` at `pos` the self-documenting `=` of `f"{x=}"`?
    fn is_debug_equals(&self) -> bool {
        let b = self.bytes;
        let p = self.pos;
        if p > 0 && matches!(b[p - 1], b'=' | b'!' | b'<' | b'>') {
            return false;
        }
        if b.get(p + 1) == Some(&b'=') {
            return false;
        }
        let mut q = p + 1;
        while b.get(q) == Some(&b' ') {
            q += 1;
        }
        matches!(b.get(q), Some(b'}' | b'!' | b':'))
    }
}

enum BodyEnd {
    Quote,
    Brace,
    Unterminated,
}

#[derive(Default, Clone, Copy)]
struct StrPrefix {
    raw: bool,
    fstring: bool,
    bytes: bool,
}

impl StrPrefix {
    fn parse(word: &str) -> Option<StrPrefix> {
        if word.len() > 2 {
            return None;
        }
        let mut p = StrPrefix::default();
        for c in word.chars() {
            match c.to_ascii_lowercase() {
                'r' if !p.raw => p.raw = true,
                'f' if !p.fstring && !p.bytes => p.fstring = true,
                'b' if !p.bytes && !p.fstring => p.bytes = true,
                'u' if word.len() == 1 => {}
                _ => return None,
            }
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_value(src: &str) -> Result<String, String> {
        let l = lex(src, 200);
        if let Some(e) = l.errors.first() {
            return Err(e.message.clone());
        }
        l.tokens
            .iter()
            .find_map(|(t, _)| match t {
                Token::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .ok_or_else(|| "no string token".to_string())
    }

    #[test]
    fn named_escapes() {
        assert_eq!(
            string_value(r#"x = "\N{BULLET} \N{greek small letter alpha}""#).as_deref(),
            Ok("• α")
        );
        assert_eq!(string_value(r#"x = r"\N{BULLET}""#).as_deref(), Ok(r"\N{BULLET}"));
        let f = lex(r#"x = f"{1}\N{BULLET}""#, 200);
        assert!(f.errors.is_empty());
        assert!(f.tokens.iter().any(|(t, _)| matches!(t, Token::FMiddle(m) if m == "•")));
        assert!(
            string_value(r#"x = "\N{NO SUCH NAME}""#)
                .unwrap_err()
                .contains("unknown Unicode character name")
        );
        assert!(string_value(r#"x = "\N{BULLET""#).unwrap_err().contains("malformed"));
        assert!(string_value(r#"x = "\N""#).unwrap_err().contains("malformed"));
    }

    /// Every character name CPython's unicodedata knows (upper- and
    /// lowercase) decodes to the same character; skipped without python3.
    #[test]
    fn every_cpython_character_name_decodes() {
        let script = r#"
import sys, unicodedata
for cp in range(sys.maxunicode + 1):
    n = unicodedata.name(chr(cp), None)
    if n:
        print(f"{cp:x} {n}")
"#;
        let Ok(o) = std::process::Command::new("python3").arg("-c").arg(script).output() else {
            eprintln!("python3 not available: skipped");
            return;
        };
        let text = String::from_utf8(o.stdout).expect("utf-8");
        let mut src_upper = String::from("x = \"");
        let mut src_lower = String::from("x = \"");
        let mut want = String::new();
        for line in text.lines() {
            let Some((cp, name)) = line.split_once(' ') else { continue };
            let cp = u32::from_str_radix(cp, 16).expect("hex");
            want.push(char::from_u32(cp).expect("char"));
            src_upper.push_str(&format!("\\N{{{name}}}"));
            src_lower.push_str(&format!("\\N{{{}}}", name.to_lowercase()));
        }
        assert!(want.chars().count() > 100_000, "python3 listed too few names");
        src_upper.push('"');
        src_lower.push('"');
        assert!(string_value(&src_upper) == Ok(want.clone()), "upper-case names differ");
        assert!(string_value(&src_lower) == Ok(want), "lower-case names differ");
    }
}
