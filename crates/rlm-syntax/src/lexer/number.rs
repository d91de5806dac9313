//! The lexer's numbers: int and float literals (with underscores, hex, octal and
//! binary), and clear errors for the malformed ones.

use smol_str::SmolStr;

use super::{Lexer, is_ident_continue, is_ident_start};
use crate::token::{Keyword, Token};
use crate::{Diagnostic, Span};

impl Lexer<'_> {
    pub(super) fn number(&mut self, start: usize) {
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

    pub(super) fn number_suffix(&mut self, start: usize, tok: Token) {
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
}
