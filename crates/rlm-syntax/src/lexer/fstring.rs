//! The lexer's f-strings: PEP 701 tokens for literal parts, fields, conversions and
//! format specs.

use smol_str::SmolStr;

use super::string::BodyEnd;
use super::{Lexer, is_ident_continue};
use crate::token::{Op, Token};
use crate::{Diagnostic, Span};

/// Where an f-string field stops scanning ordinary tokens.
#[derive(PartialEq)]
pub(super) enum FieldEnd {
    Close,
    Conversion,
    Spec,
}

impl Lexer<'_> {
    pub(super) fn fstring(&mut self, start: usize, quote: u8, triple: bool, raw: bool) {
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
    pub(super) fn field(&mut self, quote: u8, triple: bool, raw: bool) -> bool {
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
            // A conversion's name may hold any identifier character, not only ASCII:
            // step by whole characters, never into the middle of one.
            while let Some(c) = self.peek().filter(|&c| is_ident_continue(c)) {
                self.pos += c.len_utf8();
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
    pub(super) fn closes_on_this_line(&self, quote: u8) -> bool {
        let rest = &self.bytes[self.pos + 1..];
        let line = rest.iter().position(|&b| b == b'\n').map_or(rest, |n| &rest[..n]);
        line.contains(&quote)
    }

    /// Is the `=` at `pos` the self-documenting `=` of `f"{x=}"`?
    pub(super) fn is_debug_equals(&self) -> bool {
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
