//! The lexer's string literals: prefixes, quotes, bodies and escape sequences.

use smol_str::SmolStr;

use super::Lexer;
use crate::token::Token;
use crate::{Diagnostic, DiagnosticKind, Span};

impl Lexer<'_> {
    pub(super) fn string(&mut self, start: usize, prefix: StrPrefix) {
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

    pub(super) fn unterminated(&mut self, start: usize, triple: bool, fstring: bool) {
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
    pub(super) fn string_body(
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

    pub(super) fn escape(&mut self, out: &mut String, raw: bool) {
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
}

pub(super) enum BodyEnd {
    Quote,
    Brace,
    Unterminated,
}

#[derive(Default, Clone, Copy)]
pub(super) struct StrPrefix {
    pub(super) raw: bool,
    pub(super) fstring: bool,
    pub(super) bytes: bool,
}

impl StrPrefix {
    pub(super) fn parse(word: &str) -> Option<StrPrefix> {
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
