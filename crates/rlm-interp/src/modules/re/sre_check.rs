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
    /// Set on reaching syntax this checker does not model: from there on
    /// the engines decide, and no error is reported from here.
    gave_up: bool,
}

/// Check `pattern` as CPython's `re.compile` would; `Err` carries the
/// `re.error` message.
pub(crate) fn check(pattern: &str, verbose: bool) -> Result<(), String> {
    let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
    if trailing % 2 == 1 {
        // sre's tokenizer reads one token ahead, so a lone trailing
        // backslash is reported as soon as the token before it is read:
        // before any error found at the end, or at that token.
        let len = pattern.chars().count();
        let body: String = pattern.chars().take(len - 1).collect();
        let prev_token = if trailing >= 3 { len - 3 } else { len.saturating_sub(2) };
        let body_len = len - 1;
        let chars: Vec<char> = body.chars().collect();
        // Errors sre can only notice at the end of the pattern come after
        // the look-ahead that finds the backslash.
        let eof_error = |m: &str| {
            ["unterminated", "unexpected end", "requires fixed-width"].iter().any(|k| m.contains(k))
                || error_position(m, &chars) == Some(body_len)
        };
        return match check_body(&body, verbose) {
            // A `)` is only peeked at, so its error comes before the look-ahead.
            Err(m)
                if !eof_error(&m)
                    && error_position(&m, &chars).is_some_and(|p| {
                        p < prev_token || (p == prev_token && m.starts_with("unbalanced"))
                    }) =>
            {
                Err(m)
            }
            _ => Err(format!("bad escape (end of pattern) at position {}", len - 1)),
        };
    }
    check_body(pattern, verbose)
}

/// Where sre notices the error: its reported position, or the end of the
/// offending text when it reads all of it first (an unknown extension, an
/// escape, a `{m,n}` repeat).
fn error_position(msg: &str, chars: &[char]) -> Option<usize> {
    let (text, p) = msg.rsplit_once(" at position ")?;
    let p: usize = p.parse().ok()?;
    if let Some(tail) = text.strip_prefix("unknown extension ?") {
        return Some(p + tail.chars().count());
    }
    // Group-name errors: noticed at the name's closing delimiter.
    if ["redefinition of group name '", "bad character in group name '", "unknown group name '"]
        .iter()
        .any(|k| text.starts_with(k))
    {
        let name_len = text.split('\'').nth(1).map_or(0, |n| n.chars().count());
        return Some(p + name_len);
    }
    if text == "nothing to repeat" || text == "multiple repeat" {
        if chars.get(p) == Some(&'{') {
            return Some(chars[p..].iter().position(|&c| c == '}').map_or(p, |e| p + e));
        }
        return Some(p);
    }
    match text.strip_prefix("bad escape \\") {
        Some(tail) if !tail.starts_with('(') => Some(p + tail.chars().count()),
        _ => Some(p),
    }
}

fn check_body(pattern: &str, verbose: bool) -> Result<(), String> {
    let mut c = Checker {
        chars: pattern.chars().collect(),
        pos: 0,
        verbose,
        groups: 0,
        names: Vec::new(),
        open: Vec::new(),
        gave_up: false,
    };
    // Leading global flags may turn on verbose mode.
    c.leading_flags();
    let r = c.alternation(0, true);
    if c.gave_up {
        return Ok(());
    }
    r?;
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
            // Nesting this deep is the engines' to refuse (with a limit error).
            self.gave_up = true;
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
                    None => return err("unexpected end of pattern", self.pos + 1),
                    Some('\\') => match self.at(self.pos + 2) {
                        Some(n) => return err(format!("unknown extension ?<\\{n}"), open + 1),
                        None => return err("bad escape (end of pattern)", self.pos + 1),
                    },
                    Some(other) => return err(format!("unknown extension ?<{other}"), open + 1),
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
                        None => return err("unexpected end of pattern", self.pos),
                        Some('\\') => match self.at(self.pos + 1) {
                            Some(n) => return err(format!("unknown extension ?P\\{n}"), open + 1),
                            None => return err("bad escape (end of pattern)", self.pos),
                        },
                        Some(other) => {
                            return err(format!("unknown extension ?P{other}"), open + 1);
                        }
                    }
                }
                '(' => {
                    // A conditional `(?(name)yes|no)`: the name must close.
                    self.pos += 1;
                    let at = self.pos;
                    while self.peek().is_some_and(|c| c != ')') {
                        self.pos += 1;
                    }
                    if self.peek().is_none() {
                        let msg = if at == self.pos {
                            "missing group name"
                        } else {
                            "missing ), unterminated name"
                        };
                        return err(msg, at);
                    }
                    let name: String = self.chars[at..self.pos].iter().collect();
                    self.pos += 1;
                    let simple = name.chars().all(|c| c.is_ascii_digit())
                        || self.names.iter().any(|(n, _)| *n == name);
                    if name.is_empty() || !simple {
                        // Finer rules (bad names, unknown groups) left to the engines.
                        return self.skip_to_close(open);
                    }
                    return self.group_body(open, depth, None, false).map(|w| (0, w.1));
                }
                c if "aiLmsux-".contains(c) => {
                    let spec: String = self.chars[self.pos..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphabetic() || **c == '-')
                        .collect();
                    let (on, off) = spec.split_once('-').unwrap_or((&spec, ""));
                    if spec.contains('L')
                        || (on.contains('a') && on.contains('u'))
                        || off.contains(['a', 'u'])
                    {
                        // The ASCII/LOCALE/UNICODE flag rules: left to the engines.
                        return self.skip_to_close(open);
                    }
                    // CPython's `_parse_flags`.
                    let flag = |c: char| "imsxau".contains(c);
                    let at_char = |s: &Self| s.peek();
                    let mut c = c;
                    if c != '-' {
                        loop {
                            self.pos += 1;
                            match at_char(self) {
                                None => return err("missing -, : or )", self.pos),
                                Some(n) if ")-:".contains(n) => {
                                    c = n;
                                    break;
                                }
                                Some(n) if flag(n) => {}
                                Some(n) => {
                                    let msg = if crate::unicode::is_alpha(n) {
                                        "unknown flag"
                                    } else {
                                        "missing -, : or )"
                                    };
                                    return err(msg, self.pos);
                                }
                            }
                        }
                        if c == ')' {
                            self.pos += 1;
                            if open != 0 && !self.only_flags_before(open) {
                                return err(
                                    "global flags not at the start of the expression",
                                    open,
                                );
                            }
                            return Ok((0, Some(0)));
                        }
                    }
                    if c == '-' {
                        self.pos += 1;
                        match at_char(self) {
                            None => return err("missing flag", self.pos),
                            Some(n) if flag(n) => {}
                            Some(n) => {
                                let msg = if crate::unicode::is_alpha(n) {
                                    "unknown flag"
                                } else {
                                    "missing flag"
                                };
                                return err(msg, self.pos);
                            }
                        }
                        loop {
                            self.pos += 1;
                            match at_char(self) {
                                None => return err("missing :", self.pos),
                                Some(':') => break,
                                Some(n) if flag(n) => {}
                                Some(n) => {
                                    let msg = if crate::unicode::is_alpha(n) {
                                        "unknown flag"
                                    } else {
                                        "missing :"
                                    };
                                    return err(msg, self.pos);
                                }
                            }
                        }
                    }
                    // At the `:` of a scoped-flags group.
                    self.pos += 1;
                }
                '\\' => {
                    // sre reads an escape as one two-character "char".
                    return match self.at(self.pos + 1) {
                        Some(n) => err(format!("unknown extension ?\\{n}"), open + 1),
                        None => err("bad escape (end of pattern)", self.pos),
                    };
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

    /// Skip a construct this checker does not model, up to its `)` (when
    /// that is not found, give up on the whole pattern).
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
        let _ = open;
        self.gave_up = true;
        Ok((0, None))
    }

    /// A group name up to `end`; returns where it starts and the name.
    fn name(&mut self, end: char) -> Result<(usize, String), String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != end) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if self.peek().is_none() {
            if start == self.pos {
                return err("missing group name", start);
            }
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
        if !crate::unicode::is_identifier(&name) {
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

    rlm_testenv::needs_python3! {
        /// Random short patterns against CPython's `re.compile` (skipped without
        /// python3): whatever CPython accepts must pass, and every rejection
        /// here must carry CPython's exact message.
        #[test]
        fn random_patterns_agree_with_cpython() {
            const PIECES: &[&str] = &[
                "a", "b", "(", ")", "[", "]", "*", "+", "?", "{", "}", ",", "1", "2", "\\", "|", "^",
                "$", "-", "(?P<n>", "(?", "d", "w", ":", "=", "!", "<", ">", "#", "i", "x", "P", "\\d",
                "z",
            ];
            let mut seed: u64 = 0x2718_2818_2845_9045;
            let mut next = |n: usize| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % n as u64) as usize
            };
            let patterns: Vec<String> = (0..4000)
                .map(|_| (0..1 + next(8)).map(|_| PIECES[next(PIECES.len())]).collect())
                .collect();
            let script = r#"
import json, re, sys, warnings
warnings.simplefilter("ignore")
out = []
for p in json.load(sys.stdin):
    try:
        re.compile(p)
        out.append(None)
    except re.error as e:
        out.append(str(e))
    except Exception as e:
        out.append("other: " + str(e))
print(json.dumps(out))
"#;
            let Ok(mut child) = std::process::Command::new("python3")
                .arg("-c")
                .arg(script)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
            else {
                panic!("python3 did not start (needed: the test environment probed it)");
            };
            let body = serde_json::to_string(&patterns).expect("json");
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                stdin.write_all(body.as_bytes()).expect("write");
            }
            let out = child.wait_with_output().expect("python3 ran");
            let theirs: Vec<Option<String>> = serde_json::from_slice(&out.stdout).expect("json reply");
            let mut bad = Vec::new();
            for (p, want) in patterns.iter().zip(&theirs) {
                match (check(p, false), want) {
                    (Ok(()), _) => {}
                    (Err(m), Some(w)) if &m == w => {}
                    (got, want) => bad.push(format!("{p:?}: ours {got:?}, CPython {want:?}")),
                }
            }
            assert!(
                bad.is_empty(),
                "{} disagreements:\n{}",
                bad.len(),
                bad[..bad.len().min(30)].join("\n")
            );
        }
    }
}
