//! A syntax check of regular expressions that follows CPython's `sre_parse`:
//! the patterns it rejects are rejected here with its message and position
//! (`missing ), unterminated subpattern at position 0`), before the pattern
//! is handed to the regex engines, whose own wording differs and which accept
//! some syntax CPython does not (`(?<n>x)`, `\p{L}`, `(?i)` mid-pattern).
//! It is conservative: syntax it does not model is left to the engines.

/// Width bounds of a sub-pattern, `None` = unbounded.
type Width = (u64, Option<u64>);

struct Checker {
    chars: Vec<char>,
    pos: usize,
    verbose: bool,
    /// Capturing groups opened so far (CPython's `state.groups - 1`).
    groups: usize,
    /// Names of the named groups, with their numbers.
    names: Vec<(String, usize)>,
    /// Groups whose `)` has not been seen yet.
    open: Vec<usize>,
}

/// Check `pattern` as CPython's `re.compile` would; `Err` carries the
/// `re.error` message.
pub(crate) fn check(pattern: &str, verbose: bool) -> Result<(), String> {
    let mut c = Checker {
        chars: pattern.chars().collect(),
        pos: 0,
        verbose,
        groups: 0,
        names: Vec::new(),
        open: Vec::new(),
    };
    // Leading global flags may turn on verbose mode.
    c.leading_flags();
    c.alternation(0, true)?;
    if c.pos < c.chars.len() {
        // Only a `)` stops the top level early.
        return Err(format!("unbalanced parenthesis at position {}", c.pos));
    }
    Ok(())
}

fn err<T>(msg: impl Into<String>, pos: usize) -> Result<T, String> {
    Err(format!("{} at position {pos}", msg.into()))
}

impl Checker {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn leading_flags(&mut self) {
        let mut i = 0;
        while self.at(i) == Some('(') && self.at(i + 1) == Some('?') {
            let mut j = i + 2;
            while self.at(j).is_some_and(|c| "aiLmsux".contains(c)) {
                if self.at(j) == Some('x') {
                    self.verbose = true;
                }
                j += 1;
            }
            if j == i + 2 || self.at(j) != Some(')') {
                break;
            }
            i = j + 1;
        }
    }

    fn skip_verbose(&mut self) {
        if !self.verbose {
            return;
        }
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => self.pos += 1,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// Branches separated by `|`, up to a `)` or the end.
    fn alternation(&mut self, depth: usize, top: bool) -> Result<Width, String> {
        if depth > 200 {
            // Nesting this deep is the engines' to refuse.
            return Ok((0, None));
        }
        let mut width = self.sequence(depth, top)?;
        while self.peek() == Some('|') {
            self.pos += 1;
            let w = self.sequence(depth, top)?;
            width = (
                width.0.min(w.0),
                match (width.1, w.1) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                },
            );
        }
        Ok(width)
    }

    fn sequence(&mut self, depth: usize, top: bool) -> Result<Width, String> {
        let mut total: Width = (0, Some(0));
        // The last item: its width, and whether it can take a quantifier
        // (None: nothing before, or an anchor; Some(true): already repeated).
        let mut last: Option<(Width, bool)> = None;
        loop {
            self.skip_verbose();
            let Some(c) = self.peek() else { break };
            let here = self.pos;
            let item: Option<Width> = match c {
                '|' | ')' => break,
                '(' => Some(self.group(depth)?),
                '[' => Some(self.class()?),
                '\\' => self.escape()?,
                '^' | '$' => {
                    self.pos += 1;
                    None
                }
                '*' | '+' | '?' | '{' => {
                    let Some((min, max)) = self.quantifier()? else {
                        // A `{` that is not a repeat is a literal.
                        self.pos = here + 1;
                        last = Some(((1, Some(1)), false));
                        add(&mut total, (1, Some(1)));
                        continue;
                    };
                    match last {
                        None => return err("nothing to repeat", here),
                        Some((_, true)) => return err("multiple repeat", here),
                        Some((w, false)) => {
                            // Lazy `?` or possessive `+` may follow once.
                            if matches!(self.peek(), Some('?') | Some('+')) {
                                self.pos += 1;
                            }
                            let rep = (
                                w.0.saturating_mul(min),
                                match (w.1, max) {
                                    (Some(a), Some(b)) => Some(a.saturating_mul(b)),
                                    (Some(0), None) => Some(0),
                                    _ => None,
                                },
                            );
                            // Replace the item's width by the repeated one.
                            total.0 = total.0.saturating_sub(w.0).saturating_add(rep.0);
                            total.1 = match (total.1, w.1, rep.1) {
                                (Some(t), Some(a), Some(r)) => {
                                    Some(t.saturating_sub(a).saturating_add(r))
                                }
                                _ => None,
                            };
                            last = Some((rep, true));
                            continue;
                        }
                    }
                }
                _ => {
                    self.pos += 1;
                    Some((1, Some(1)))
                }
            };
            match item {
                Some(w) => {
                    add(&mut total, w);
                    last = Some((w, false));
                }
                None => last = None,
            }
        }
        let _ = top;
        Ok(total)
    }

    /// A repeat at the current position: `*`, `+`, `?` or a well-formed
    /// `{m,n}`; `None` for a `{` that CPython reads as a literal.
    fn quantifier(&mut self) -> Result<Option<(u64, Option<u64>)>, String> {
        let c = self.peek();
        self.pos += 1;
        match c {
            Some('*') => Ok(Some((0, None))),
            Some('+') => Ok(Some((1, None))),
            Some('?') => Ok(Some((0, Some(1)))),
            _ => {
                let start = self.pos;
                let digits = |s: &mut Self| {
                    let b = s.pos;
                    while s.peek().is_some_and(|c| c.is_ascii_digit()) {
                        s.pos += 1;
                    }
                    s.chars[b..s.pos].iter().collect::<String>()
                };
                let lo = digits(self);
                let mut hi = lo.clone();
                if self.peek() == Some(',') {
                    self.pos += 1;
                    hi = digits(self);
                } else if lo.is_empty() {
                    return Ok(None);
                }
                if self.peek() != Some('}') {
                    return Ok(None);
                }
                self.pos += 1;
                let min = if lo.is_empty() { 0 } else { lo.parse().unwrap_or(u64::MAX) };
                let max = if hi.is_empty() { None } else { Some(hi.parse().unwrap_or(u64::MAX)) };
                if max.is_some_and(|m| m < min) {
                    return err("min repeat greater than max repeat", start);
                }
                Ok(Some((min, max)))
            }
        }
    }

    fn group(&mut self, depth: usize) -> Result<Width, String> {
        let open = self.pos;
        self.pos += 1;
        let mut capture = true;
        let mut lookbehind = false;
        if self.peek() == Some('?') {
            self.pos += 1;
            let Some(c) = self.peek() else {
                return err("unexpected end of pattern", self.pos);
            };
            capture = false;
            match c {
                ':' | '=' | '!' | '>' => self.pos += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != ')') {
                        self.pos += 1;
                    }
                    if self.peek().is_none() {
                        return err("missing ), unterminated comment", open);
                    }
                    self.pos += 1;
                    return Ok((0, Some(0)));
                }
                '<' => match self.at(self.pos + 1) {
                    Some('=') | Some('!') => {
                        self.pos += 2;
                        lookbehind = true;
                    }
                    other => {
                        let tail = other.map(String::from).unwrap_or_default();
                        return err(format!("unknown extension ?<{tail}"), open + 1);
                    }
                },
                'P' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('<') => {
                            self.pos += 1;
                            let name = self.name('>')?;
                            self.groups += 1;
                            if let Some((_, was)) = self.names.iter().find(|(n, _)| *n == name.1) {
                                return err(
                                    format!(
                                        "redefinition of group name '{}' as group {}; was group {was}",
                                        name.1, self.groups
                                    ),
                                    name.0,
                                );
                            }
                            self.names.push((name.1, self.groups));
                            return self.group_body(open, depth, Some(self.groups), false);
                        }
                        Some('=') => {
                            self.pos += 1;
                            let (at, name) = self.name(')')?;
                            return match self.names.iter().find(|(n, _)| *n == name) {
                                Some((_, g)) if self.open.contains(g) => {
                                    err("cannot refer to an open group", at)
                                }
                                Some(_) => Ok((0, None)),
                                None => err(format!("unknown group name '{name}'"), at),
                            };
                        }
                        other => {
                            let tail = other.map(String::from).unwrap_or_default();
                            return err(format!("unknown extension ?P{tail}"), open + 1);
                        }
                    }
                }
                '(' => {
                    // Conditional groups: left to the engines.
                    return self.skip_to_close(open);
                }
                c if "aiLmsux-".contains(c) => {
                    while self.peek().is_some_and(|c| "aiLmsux-".contains(c)) {
                        self.pos += 1;
                    }
                    match self.peek() {
                        Some(')') => {
                            self.pos += 1;
                            if open != 0 && !self.only_flags_before(open) {
                                return err(
                                    "global flags not at the start of the expression",
                                    open,
                                );
                            }
                            return Ok((0, Some(0)));
                        }
                        Some(':') => self.pos += 1,
                        None => return err("missing -, : or )", self.pos),
                        Some(_) => return Ok((0, None)),
                    }
                }
                other => return err(format!("unknown extension ?{other}"), open + 1),
            }
        }
        let number = if capture {
            self.groups += 1;
            Some(self.groups)
        } else {
            None
        };
        self.group_body(open, depth, number, lookbehind)
    }

    /// Everything before `open` is global flag groups like `(?i)`.
    fn only_flags_before(&self, open: usize) -> bool {
        let mut i = 0;
        while i < open {
            if self.at(i) != Some('(') || self.at(i + 1) != Some('?') {
                return false;
            }
            let mut j = i + 2;
            while j < open && self.at(j).is_some_and(|c| "aiLmsux".contains(c)) {
                j += 1;
            }
            if j == i + 2 || self.at(j) != Some(')') {
                return false;
            }
            i = j + 1;
        }
        true
    }

    fn group_body(
        &mut self,
        open: usize,
        depth: usize,
        number: Option<usize>,
        lookbehind: bool,
    ) -> Result<Width, String> {
        if let Some(n) = number {
            self.open.push(n);
        }
        let w = self.alternation(depth + 1, false)?;
        if self.peek() != Some(')') {
            return err("missing ), unterminated subpattern", open);
        }
        self.pos += 1;
        if let Some(n) = number {
            self.open.retain(|&g| g != n);
        }
        if lookbehind {
            if w.1 != Some(w.0) {
                return Err("look-behind requires fixed-width pattern".into());
            }
            return Ok((0, Some(0)));
        }
        Ok(w)
    }

    /// Skip a construct this checker does not model, up to its `)`.
    fn skip_to_close(&mut self, open: usize) -> Result<Width, String> {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\\' => self.pos += 1,
                '(' => depth += 1,
                ')' if depth == 0 => return Ok((0, None)),
                ')' => depth -= 1,
                _ => {}
            }
        }
        err("missing ), unterminated subpattern", open)
    }

    /// A group name up to `end`; returns where it starts and the name.
    fn name(&mut self, end: char) -> Result<(usize, String), String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != end) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if self.peek().is_none() {
            let what = if end == '>' {
                "missing >, unterminated name"
            } else {
                "missing ), unterminated name"
            };
            return err(what, start);
        }
        self.pos += 1;
        if name.is_empty() {
            return err("missing group name", start);
        }
        let mut cs = name.chars();
        let ident = cs.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && cs.all(|c| c == '_' || c.is_alphanumeric());
        if !ident {
            return err(format!("bad character in group name '{name}'"), start);
        }
        Ok((start, name))
    }

    /// An escape outside a class: its width, or `None` for an anchor.
    fn escape(&mut self) -> Result<Option<Width>, String> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return err("bad escape (end of pattern)", start);
        };
        self.pos += 1;
        match c {
            'A' | 'b' | 'B' | 'Z' => Ok(None),
            'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
                Ok(Some((1, Some(1))))
            }
            'x' | 'u' | 'U' | 'N' => {
                self.hex_escape(start, c)?;
                Ok(Some((1, Some(1))))
            }
            '0' => {
                self.octal_digits(2);
                Ok(Some((1, Some(1))))
            }
            '1'..='9' => {
                // Octal when three octal digits follow the backslash.
                let d1 = self.peek();
                let d2 = self.at(self.pos + 1);
                let oct = |d: Option<char>| d.is_some_and(|d| ('0'..='7').contains(&d));
                if c <= '7' && oct(d1) && oct(d2) {
                    self.pos += 2;
                    let v = u32::from_str_radix(
                        &format!("{c}{}{}", d1.unwrap_or('0'), d2.unwrap_or('0')),
                        8,
                    )
                    .unwrap_or(0);
                    if v > 0o377 {
                        return err(
                            format!(
                                "octal escape value \\{c}{}{} outside of range 0-0o377",
                                d1.unwrap_or('0'),
                                d2.unwrap_or('0')
                            ),
                            start,
                        );
                    }
                    return Ok(Some((1, Some(1))));
                }
                let mut num = c.to_string();
                if d1.is_some_and(|d| d.is_ascii_digit()) {
                    num.push(d1.unwrap_or('0'));
                    self.pos += 1;
                }
                let g: usize = num.parse().unwrap_or(0);
                if g > self.groups {
                    return err(format!("invalid group reference {g}"), start + 1);
                }
                if self.open.contains(&g) {
                    return err("cannot refer to an open group", start);
                }
                Ok(Some((0, None)))
            }
            c if c.is_ascii_alphabetic() => err(format!("bad escape \\{c}"), start),
            _ => Ok(Some((1, Some(1)))),
        }
    }

    fn octal_digits(&mut self, max: usize) {
        for _ in 0..max {
            if self.peek().is_some_and(|d| ('0'..='7').contains(&d)) {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// `\x`, `\u`, `\U` (a fixed number of hex digits) and `\N{NAME}`.
    fn hex_escape(&mut self, start: usize, kind: char) -> Result<(), String> {
        if kind == 'N' {
            if self.peek() != Some('{') {
                return err("missing {", self.pos);
            }
            while self.peek().is_some_and(|c| c != '}') {
                self.pos += 1;
            }
            if self.peek().is_none() {
                return err("missing }, unterminated name", start + 3);
            }
            self.pos += 1;
            let name: String = self.chars[start + 3..self.pos - 1].iter().collect();
            if unicode_names2::character(&name).is_none() {
                return err(format!("undefined character name '{name}'"), start);
            }
            return Ok(());
        }
        let n = match kind {
            'x' => 2,
            'u' => 4,
            _ => 8,
        };
        let b = self.pos;
        while self.pos - b < n && self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        if self.pos - b < n {
            let got: String = self.chars[start..self.pos].iter().collect();
            return err(format!("incomplete escape {got}"), start);
        }
        if kind == 'U' {
            let hex: String = self.chars[b..self.pos].iter().collect();
            if u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).is_none() {
                let got: String = self.chars[start..self.pos].iter().collect();
                return err(format!("bad escape {got}"), start);
            }
        }
        Ok(())
    }

    /// A character class `[...]`.
    fn class(&mut self) -> Result<Width, String> {
        let open = self.pos;
        self.pos += 1;
        if self.peek() == Some('^') {
            self.pos += 1;
        }
        let first = self.pos;
        loop {
            let Some(c) = self.peek() else {
                return err("unterminated character set", open);
            };
            if c == ']' && self.pos > first {
                self.pos += 1;
                return Ok((1, Some(1)));
            }
            let item_start = self.pos;
            let lo = self.class_item()?;
            if self.peek() == Some('-') && self.at(self.pos + 1).is_some_and(|c| c != ']') {
                self.pos += 1;
                let hi_start = self.pos;
                let hi = self.class_item()?;
                let text = |a: usize, b: usize| self.chars[a..b].iter().collect::<String>();
                match (lo, hi) {
                    (Some(a), Some(b)) if b < a => {
                        return err(
                            format!(
                                "bad character range {}-{}",
                                text(item_start, hi_start - 1),
                                text(hi_start, self.pos)
                            ),
                            item_start,
                        );
                    }
                    (Some(_), Some(_)) => {}
                    _ => {
                        return err(
                            format!(
                                "bad character range {}-{}",
                                text(item_start, hi_start - 1),
                                text(hi_start, self.pos)
                            ),
                            item_start,
                        );
                    }
                }
            }
        }
    }

    /// One class member: its code point, or `None` for a class escape (`\d`).
    fn class_item(&mut self) -> Result<Option<u32>, String> {
        let Some(c) = self.peek() else { return Ok(None) };
        let start = self.pos;
        self.pos += 1;
        if c != '\\' {
            return Ok(Some(c as u32));
        }
        let Some(e) = self.peek() else {
            return err("bad escape (end of pattern)", start);
        };
        self.pos += 1;
        Ok(match e {
            'd' | 'D' | 's' | 'S' | 'w' | 'W' => None,
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(10),
            'r' => Some(13),
            't' => Some(9),
            'v' => Some(11),
            'x' | 'u' | 'U' | 'N' => {
                self.hex_escape(start, e)?;
                if e == 'N' {
                    let name: String = self.chars[start + 3..self.pos - 1].iter().collect();
                    unicode_names2::character(&name).map(|c| c as u32)
                } else {
                    let hex: String = self.chars[start + 2..self.pos].iter().collect();
                    u32::from_str_radix(&hex, 16).ok()
                }
            }
            '0'..='7' => {
                let b = self.pos - 1;
                self.octal_digits(2);
                let oct: String = self.chars[b..self.pos].iter().collect();
                let v = u32::from_str_radix(&oct, 8).unwrap_or(0);
                if v > 0o377 {
                    return err(
                        format!("octal escape value \\{oct} outside of range 0-0o377"),
                        start,
                    );
                }
                Some(v)
            }
            e if e.is_ascii_alphanumeric() => return err(format!("bad escape \\{e}"), start),
            e => Some(e as u32),
        })
    }
}

fn add(total: &mut Width, w: Width) {
    total.0 = total.0.saturating_add(w.0);
    total.1 = match (total.1, w.1) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use super::check;

    /// Patterns CPython rejects, with its exact message.
    #[test]
    fn sre_messages() {
        let cases = [
            ("(", "missing ), unterminated subpattern at position 0"),
            ("a)", "unbalanced parenthesis at position 1"),
            ("*a", "nothing to repeat at position 0"),
            ("a|*", "nothing to repeat at position 2"),
            ("a**", "multiple repeat at position 2"),
            ("a{2}{3}", "multiple repeat at position 4"),
            ("[a-", "unterminated character set at position 0"),
            ("[]", "unterminated character set at position 0"),
            ("[z-a]", "bad character range z-a at position 1"),
            ("[a-\\d]", "bad character range a-\\d at position 1"),
            ("\\", "bad escape (end of pattern) at position 0"),
            ("\\q", "bad escape \\q at position 0"),
            ("[\\q]", "bad escape \\q at position 1"),
            (
                "(?P<n>x)(?P<n>y)",
                "redefinition of group name 'n' as group 2; was group 1 at position 12",
            ),
            ("x(?P<1a>y)", "bad character in group name '1a' at position 5"),
            ("(?<n>x)", "unknown extension ?<n at position 1"),
            ("(?P=m)", "unknown group name 'm' at position 4"),
            ("\\1", "invalid group reference 1 at position 1"),
            ("a{3,2}", "min repeat greater than max repeat at position 2"),
            ("(?", "unexpected end of pattern at position 2"),
            ("(?i", "missing -, : or ) at position 3"),
            ("(?P<n", "missing >, unterminated name at position 4"),
            ("(?<=a+)b", "look-behind requires fixed-width pattern"),
            ("(?#abc", "missing ), unterminated comment at position 0"),
            ("a(?i)b", "global flags not at the start of the expression at position 1"),
            ("\\p{L}", "bad escape \\p at position 0"),
        ];
        for (p, want) in cases {
            assert_eq!(check(p, false), Err(want.to_string()), "pattern {p:?}");
        }
    }

    /// Valid patterns must pass (the checker must never be stricter than sre).
    #[test]
    fn valid_patterns_pass() {
        for p in [
            "",
            "a++",
            "a*?",
            "a{2,}",
            "a{,3}",
            "{",
            "a{1",
            "x{a}",
            "[]a]",
            "[^]a]",
            "[a-]",
            "[-a]",
            "(?i)abc",
            "(?i)(?s)a",
            "(?i:a)b",
            "(?P<n>a)(?P=n)",
            "(a)\\1",
            "(?<=ab)c",
            "(?<!a|b)c",
            "\\d+\\.\\d*",
            "[\\w.-]+@[\\w-]+\\.\\w+",
            "\\x41\\u0041\\U00000041",
            "\\0",
            "\\101",
            "(?:a|b)*",
            "^$",
            "\\bword\\b",
            "(?=a)",
            "(?!a)",
            "(?>ab)",
            "[\\]]",
            "\\N{BULLET}",
            "(a)(?(1)a|b)",
            "a|",
            "|a",
            "()",
            "(?x) a b # comment",
        ] {
            assert_eq!(check(p, false), Ok(()), "pattern {p:?}");
        }
        assert_eq!(check("a  *", true), Ok(()));
    }
}
