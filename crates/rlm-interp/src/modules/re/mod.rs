//! The `re` module: Python regex syntax translated to the linear-time
//! `regex` crate, falling back to `fancy-regex` (backtracking, with a step
//! limit) only for lookaround and backreferences. Positions are code points.

pub(crate) mod sre_check;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::builtins::{Kwargs, kw};
use crate::value::*;
use crate::vm::ops::as_int;
use crate::vm::{Fault, R, Vm, exc, type_err};
use crate::{LimitError, LimitKind};

pub const IGNORECASE: i64 = 2;
pub const LOCALE: i64 = 4;
pub const MULTILINE: i64 = 8;
pub const DOTALL: i64 = 16;
pub const UNICODE: i64 = 32;
pub const VERBOSE: i64 = 64;
pub const ASCII: i64 = 256;

enum Engine {
    Fast(regex::Regex),
    /// The same pattern built with growing backtracking limits (the last
    /// one is `regex_backtrack_limit`): a match is tried with the smallest
    /// first, so the fuel charged follows the work actually done.
    Fancy(Vec<(usize, fancy_regex::Regex)>),
}

pub struct Pattern {
    pub source: String,
    pub flags: i64,
    engine: Engine,
    anchored: RefCell<Option<Rc<Pattern>>>,
    full: RefCell<Option<Rc<Pattern>>>,
    /// Group names by index (index 0 is the whole match).
    pub names: Vec<Option<String>>,
}

pub struct MatchObj {
    pub hay: Str,
    pub spans: Vec<Option<(usize, usize)>>,
    pub pattern: Rc<Pattern>,
    pub pos: usize,
    pub endpos: usize,
}

type Spans = Vec<Option<(usize, usize)>>;

fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if !in_class && n == 'Z' {
                out.push_str("\\z");
            } else {
                out.push('\\');
                out.push(n);
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            } else if c == '[' {
                // A literal '[' inside a class must be escaped for the regex crate.
                out.push('\\');
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if i < chars.len() && chars[i] == '^' {
                    out.push('^');
                    i += 1;
                }
                if i < chars.len() && chars[i] == ']' {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?')
                && chars.get(i + 2) == Some(&'P')
                && chars.get(i + 3) == Some(&'=') =>
            {
                // (?P=name) -> \k<name>
                let mut j = i + 4;
                let mut name = String::new();
                while j < chars.len() && chars[j] != ')' {
                    name.push(chars[j]);
                    j += 1;
                }
                out.push_str(&format!("\\k<{name}>"));
                i = j + 1;
                continue;
            }
            '{' if chars.get(i + 1) == Some(&',') => {
                out.push_str("{0,");
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

thread_local! {
    static CACHE: RefCell<HashMap<(String, i64), Rc<Pattern>>> = RefCell::new(HashMap::new());
}

fn build(source: &str, flags: i64, wrap: &str, backtrack_limit: usize) -> Result<Pattern, String> {
    // CPython's syntax errors and wording first (the engines accept some
    // patterns sre rejects, and word their errors differently).
    crate::modules::re::sre_check::check(source, flags & VERBOSE != 0)?;
    let mut prefix = String::new();
    if flags & IGNORECASE != 0 {
        prefix.push('i');
    }
    if flags & MULTILINE != 0 {
        prefix.push('m');
    }
    if flags & DOTALL != 0 {
        prefix.push('s');
    }
    if flags & VERBOSE != 0 {
        prefix.push('x');
    }
    let body = translate(source);
    let body = match wrap {
        "match" => format!("\\A(?:{body})"),
        "full" => format!("\\A(?:{body})\\z"),
        _ => body,
    };
    let full = if prefix.is_empty() { body } else { format!("(?{prefix}){body}") };
    let engine = match regex::RegexBuilder::new(&full).size_limit(1 << 23).nest_limit(200).build() {
        Ok(r) => Engine::Fast(r),
        Err(fast_err) => {
            let mut limits: Vec<usize> =
                FANCY_TIERS.iter().copied().filter(|&t| t < backtrack_limit).collect();
            limits.push(backtrack_limit);
            let built: Result<Vec<(usize, fancy_regex::Regex)>, fancy_regex::Error> = limits
                .iter()
                .map(|&l| {
                    fancy_regex::RegexBuilder::new(&full).backtrack_limit(l).build().map(|r| (l, r))
                })
                .collect();
            match built {
                Ok(tiers) => Engine::Fancy(tiers),
                Err(e) => {
                    // A pattern the linear engine refused for its size is too
                    // large for the backtracking one too: say so plainly.
                    if let regex::Error::CompiledTooBig(limit) = fast_err {
                        return Err(format!(
                            "pattern too large once compiled (limit {limit} bytes); use smaller repetition counts"
                        ));
                    }
                    return Err(e.to_string());
                }
            }
        }
    };
    let names: Vec<Option<String>> = match &engine {
        Engine::Fast(r) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
        Engine::Fancy(tiers) => match tiers.first() {
            Some((_, r)) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
            None => Vec::new(),
        },
    };
    Ok(Pattern {
        source: source.to_string(),
        flags,
        engine,
        anchored: RefCell::new(None),
        full: RefCell::new(None),
        names,
    })
}

impl Pattern {
    pub fn groups(&self) -> usize {
        self.names.len().saturating_sub(1)
    }

    /// The match at or after `start`, and the backtracking steps to charge:
    /// the limits of the tiers tried (each bounds that attempt's work).
    fn captures_at(&self, hay: &str, start: usize) -> (Result<Option<Spans>, String>, u64) {
        match &self.engine {
            Engine::Fast(r) => (
                Ok(r.captures_at(hay, start)
                    .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())),
                0,
            ),
            Engine::Fancy(tiers) => {
                let mut spent = 0u64;
                for (i, (limit, r)) in tiers.iter().enumerate() {
                    match r.captures_from_pos(hay, start) {
                        Ok(c) => {
                            let spans = c.map(|c| {
                                c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect()
                            });
                            // The successful attempt's steps are unknown: charge
                            // their bound, its limit.
                            return (Ok(spans), spent + *limit as u64);
                        }
                        Err(fancy_regex::Error::RuntimeError(
                            fancy_regex::RuntimeError::BacktrackLimitExceeded,
                        )) if i + 1 < tiers.len() => spent += *limit as u64,
                        Err(e) => return (Err(e.to_string()), spent + *limit as u64),
                    }
                }
                (Ok(None), spent)
            }
        }
    }
}

/// Backtracking limits tried before the session's own (see `Engine::Fancy`).
const FANCY_TIERS: &[usize] = &[256, 8192, 262_144];

impl Vm {
    pub(crate) fn compile_pattern(&mut self, p: &Value, flags: i64) -> R<Rc<Pattern>> {
        match p {
            Value::Native(n) => match &**n {
                Native::Pattern(p) => Ok(p.clone()),
                _ => type_err("first argument must be string or compiled pattern"),
            },
            Value::Str(s) => {
                let key = (s.as_str().to_string(), flags);
                if let Some(p) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
                    return Ok(p);
                }
                self.fuel(s.byte_len() as u64 * 4)?;
                let limit = self.limits.regex_backtrack_limit;
                match build(s.as_str(), flags, "", limit) {
                    Ok(p) => {
                        let p = Rc::new(p);
                        CACHE.with(|c| {
                            let mut c = c.borrow_mut();
                            if c.len() > 256 {
                                c.clear();
                            }
                            c.insert(key, p.clone());
                        });
                        Ok(p)
                    }
                    Err(e) => exc(ExcKind::ReError, e),
                }
            }
            other => type_err(format!(
                "first argument must be string or compiled pattern, not {}",
                other.type_name()
            )),
        }
    }

    fn variant(&mut self, p: &Rc<Pattern>, which: &str) -> R<Rc<Pattern>> {
        let cell = if which == "match" { &p.anchored } else { &p.full };
        if let Some(v) = cell.borrow().as_ref() {
            return Ok(v.clone());
        }
        let v = match build(&p.source, p.flags, which, self.limits.regex_backtrack_limit) {
            Ok(v) => Rc::new(v),
            Err(e) => return exc(ExcKind::ReError, e),
        };
        *cell.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    fn search_at(&mut self, p: &Pattern, hay: &str, start: usize) -> R<Option<Spans>> {
        // Charged before the scan: a linear engine touches each byte a bounded number of times.
        let (result, backtracked) = p.captures_at(hay, start);
        // Charged after the scan, for the bytes it covered (to the end of the
        // match, or of the text when there is none): a linear engine touches
        // each a bounded number of times, and charging the whole rest of the
        // text per match made `findall` quadratic in fuel. A backtracking
        // engine's steps are work too (each attempt is bounded by its tier).
        let scanned = match &result {
            Ok(Some(sp)) => {
                sp.first().copied().flatten().map_or(0, |(_, e)| e.saturating_sub(start))
            }
            _ => hay.len().saturating_sub(start),
        };
        self.fuel(1 + (scanned / 64) as u64 + backtracked)?;
        match result {
            Ok(r) => Ok(r),
            Err(e) => Err(Fault::Limit(LimitError::new(
                LimitKind::Regex,
                format!("regular expression too expensive (backtracking limit reached): {e}"),
            ))),
        }
    }

    /// All matches from `pos` (Python's non-overlapping semantics).
    fn all_matches(&mut self, p: &Pattern, hay: &str, limit: usize) -> R<Vec<Spans>> {
        self.all_matches_from(p, hay, 0, limit)
    }

    fn all_matches_from(
        &mut self,
        p: &Pattern,
        hay: &str,
        start: usize,
        limit: usize,
    ) -> R<Vec<Spans>> {
        let mut out = Vec::new();
        let mut pos = start;
        while pos <= hay.len() && out.len() < limit {
            let Some(sp) = self.search_at(p, hay, pos)? else { break };
            let (s, e) = sp[0].unwrap_or((pos, pos));
            pos = if e == s {
                match hay[e..].chars().next() {
                    Some(c) => e + c.len_utf8(),
                    None => hay.len() + 1,
                }
            } else {
                e
            };
            out.push(sp);
            if out.len() >= self.limits.max_collection_len {
                self.check_len(out.len() + 1)?;
            }
        }
        Ok(out)
    }

    fn make_match(&self, hay: &Str, spans: Spans, p: &Rc<Pattern>) -> Value {
        Value::Native(Rc::new(Native::Match(Rc::new(MatchObj {
            hay: hay.clone(),
            spans,
            pattern: p.clone(),
            pos: 0,
            endpos: hay.char_len(),
        }))))
    }

    pub(crate) fn re_call(
        &mut self,
        name: &str,
        pat: Option<Rc<Pattern>>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let mut args = args.into_iter();
        let pattern = match pat {
            Some(p) => p,
            None => {
                let pv =
                    args.next().or_else(|| kw(&kwargs, "pattern").cloned()).unwrap_or(Value::None);
                let flags_pos = match name {
                    "sub" | "subn" => 4,
                    "split" => 3,
                    "compile" | "escape" => 1,
                    _ => 2,
                };
                let _ = flags_pos;
                if name == "escape" {
                    let Value::Str(s) = pv else {
                        return type_err("escape() argument must be str");
                    };
                    return Ok(Value::str(escape(s.as_str())));
                }
                let flags = kw(&kwargs, "flags").and_then(as_int);
                let rest: Vec<Value> = args.collect();
                let (flags, rest) = match (name, flags) {
                    (_, Some(f)) => (f, rest),
                    ("compile", None) => (rest.first().and_then(as_int).unwrap_or(0), Vec::new()),
                    ("sub" | "subn", None) if rest.len() >= 4 => {
                        let f = as_int(&rest[3]).unwrap_or(0);
                        (f, rest[..3].to_vec())
                    }
                    ("split", None) if rest.len() >= 3 => {
                        (as_int(&rest[2]).unwrap_or(0), rest[..2].to_vec())
                    }
                    ("search" | "match" | "fullmatch" | "findall" | "finditer", None)
                        if rest.len() >= 2 =>
                    {
                        (as_int(&rest[1]).unwrap_or(0), rest[..1].to_vec())
                    }
                    _ => (0, rest),
                };
                let p = self.compile_pattern(&pv, flags)?;
                if name == "compile" {
                    return Ok(Value::Native(Rc::new(Native::Pattern(p))));
                }
                return self.re_call(name, Some(p), rest, kwargs);
            }
        };
        let args: Vec<Value> = args.collect();
        let hay_arg = |i: usize, kname: &str| -> R<Str> {
            match args.get(i).or_else(|| kw(&kwargs, kname)) {
                Some(Value::Str(s)) => Ok(s.clone()),
                Some(o) => type_err(format!(
                    "expected string or bytes-like object, got '{}'",
                    o.type_name()
                )),
                None => type_err(format!("missing required argument '{kname}'")),
            }
        };
        match name {
            "search" | "match" | "fullmatch" => {
                let (hay, start) = window(&hay_arg(0, "string")?, args.get(1), args.get(2));
                if start > 0 && name != "search" {
                    // Anchored at `pos`: search from there and keep a match that starts there.
                    let sp = self.search_at(&pattern, hay.as_str(), start)?;
                    return Ok(match sp {
                        Some(sp)
                            if sp[0].is_some_and(|(a, b)| {
                                a == start && (name == "match" || b == hay.byte_len())
                            }) =>
                        {
                            self.make_match(&hay, sp, &pattern)
                        }
                        _ => Value::None,
                    });
                }
                let p = match name {
                    "search" => pattern.clone(),
                    "match" => self.variant(&pattern, "match")?,
                    _ => self.variant(&pattern, "full")?,
                };
                match self.search_at(&p, hay.as_str(), start)? {
                    Some(sp) => Ok(self.make_match(&hay, sp, &pattern)),
                    None => Ok(Value::None),
                }
            }
            "findall" => {
                let (hay, start) = window(&hay_arg(0, "string")?, args.get(1), args.get(2));
                let ms = self.all_matches_from(&pattern, hay.as_str(), start, usize::MAX)?;
                let g = pattern.groups();
                let text = hay.as_str();
                let sub = |sp: &Option<(usize, usize)>| match sp {
                    Some((a, b)) => Value::Str(hay.byte_substr(
                        *a,
                        *b,
                        if hay.is_ascii() { Some(b - a) } else { None },
                    )),
                    None => Value::str(""),
                };
                let _ = text;
                let out: Vec<Value> = ms
                    .iter()
                    .map(|sp| match g {
                        0 => sub(&sp[0]),
                        1 => sub(&sp[1]),
                        _ => Value::tuple(sp[1..].iter().map(sub).collect()),
                    })
                    .collect();
                self.check_len(out.len())?;
                Ok(Value::list(out))
            }
            "finditer" => {
                let (hay, start) = window(&hay_arg(0, "string")?, args.get(1), args.get(2));
                let ms = self.all_matches_from(&pattern, hay.as_str(), start, usize::MAX)?;
                self.check_len(ms.len())?;
                let out: std::collections::VecDeque<Value> =
                    ms.into_iter().map(|sp| self.make_match(&hay, sp, &pattern)).collect();
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))))
            }
            "sub" | "subn" => {
                let repl =
                    args.first().or_else(|| kw(&kwargs, "repl")).cloned().unwrap_or(Value::None);
                let hay = hay_arg(1, "string")?;
                let count =
                    args.get(2).or_else(|| kw(&kwargs, "count")).and_then(as_int).unwrap_or(0);
                let limit = if count <= 0 { usize::MAX } else { count as usize };
                let ms = self.all_matches(&pattern, hay.as_str(), limit)?;
                let text = hay.as_str();
                let template = match &repl {
                    Value::Str(r) => Some(parse_template(r.as_str(), &pattern)?),
                    _ => None,
                };
                let mut out = String::with_capacity(text.len());
                let mut last = 0;
                let n = ms.len();
                for sp in ms {
                    let (s, e) = sp[0].unwrap_or((last, last));
                    out.push_str(&text[last..s]);
                    match &template {
                        Some(t) => {
                            for piece in t {
                                match piece {
                                    TPiece::Lit(l) => out.push_str(l),
                                    TPiece::Group(g) => {
                                        if let Some(Some((a, b))) = sp.get(*g) {
                                            out.push_str(&text[*a..*b]);
                                        }
                                    }
                                }
                            }
                        }
                        None => {
                            let m = self.make_match(&hay, sp.clone(), &pattern);
                            let r = self.call_value(&repl, vec![m], Vec::new())?;
                            match r {
                                Value::Str(r) => out.push_str(r.as_str()),
                                o => {
                                    return type_err(format!(
                                        "expected str instance, {} found",
                                        o.type_name()
                                    ));
                                }
                            }
                        }
                    }
                    if out.len() > self.limits.max_str_len {
                        self.check_str_len(out.len())?;
                    }
                    last = e;
                }
                out.push_str(&text[last.min(text.len())..]);
                self.check_str_len(out.len())?;
                let s = Value::str(out);
                Ok(if name == "subn" { Value::tuple(vec![s, Value::Int(n as i64)]) } else { s })
            }
            "split" => {
                let hay = hay_arg(0, "string")?;
                let maxsplit =
                    args.get(1).or_else(|| kw(&kwargs, "maxsplit")).and_then(as_int).unwrap_or(0);
                let limit = if maxsplit <= 0 { usize::MAX } else { maxsplit as usize };
                let ms = self.all_matches(&pattern, hay.as_str(), limit)?;
                let mut out = Vec::new();
                let mut last = 0;
                for sp in ms {
                    let (s, e) = sp[0].unwrap_or((last, last));
                    out.push(Value::Str(hay.byte_substr(last, s, None)));
                    for g in &sp[1..] {
                        out.push(match g {
                            Some((a, b)) => Value::Str(hay.byte_substr(*a, *b, None)),
                            None => Value::None,
                        });
                    }
                    last = e;
                }
                out.push(Value::Str(hay.byte_substr(last, hay.byte_len(), None)));
                self.check_len(out.len())?;
                Ok(Value::list(out))
            }
            _ => exc(
                ExcKind::AttributeError,
                format!("'re.Pattern' object has no attribute '{name}'"),
            ),
        }
    }
}

/// Python's `pos`/`endpos`: the text seen is `hay[:endpos]`, searched from `pos`.
fn window(hay: &Str, pos: Option<&Value>, endpos: Option<&Value>) -> (Str, usize) {
    let n = hay.char_len() as i64;
    let clamp =
        |v: Option<&Value>, d: i64| v.and_then(as_int).map_or(d, |i| i.clamp(0, n)) as usize;
    let end = clamp(endpos, n);
    let start = clamp(pos, 0).min(end);
    let view = if end < hay.char_len() { hay.substr(0, end) } else { hay.clone() };
    let b = view.byte_of_char(start);
    (view, b)
}

enum TPiece {
    Lit(String),
    Group(usize),
}

fn parse_template(t: &str, p: &Pattern) -> R<Vec<TPiece>> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    let bad = |msg: String| -> Fault { Fault::Exc(Exception::new(ExcKind::ReError, msg)) };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            lit.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        let mut group = None;
        // Where sre reports a bad reference: the digits, or the name in `\g<...>`.
        let ref_pos = if n == 'g' { i + 3 } else { i + 1 };
        match n {
            'n' => lit.push('\n'),
            't' => lit.push('\t'),
            'r' => lit.push('\r'),
            '\\' => lit.push('\\'),
            'g' => {
                if chars.get(i + 2) != Some(&'<') {
                    return Err(bad(format!("missing < at position {}", i + 2)));
                }
                let mut j = i + 3;
                let mut name = String::new();
                while j < chars.len() && chars[j] != '>' {
                    name.push(chars[j]);
                    j += 1;
                }
                let g = match name.parse::<usize>() {
                    Ok(g) => g,
                    Err(_) => {
                        match p.names.iter().position(|x| x.as_deref() == Some(name.as_str())) {
                            Some(g) => g,
                            None => {
                                return Err(Fault::Exc(Exception::new(
                                    ExcKind::IndexError,
                                    format!("unknown group name '{name}'"),
                                )));
                            }
                        }
                    }
                };
                group = Some(g);
                i = j + 1;
            }
            d if d.is_ascii_digit() => {
                let mut j = i + 1;
                let mut num = String::new();
                while j < chars.len() && chars[j].is_ascii_digit() && num.len() < 2 {
                    num.push(chars[j]);
                    j += 1;
                }
                group = Some(num.parse().unwrap_or(0));
                i = j;
            }
            c if c.is_ascii_alphabetic() => {
                return Err(bad(format!("bad escape \\{c} at position {i}")));
            }
            c => {
                lit.push('\\');
                lit.push(c);
            }
        }
        match group {
            Some(g) => {
                if g > p.groups() {
                    return Err(bad(format!("invalid group reference {g} at position {ref_pos}")));
                }
                if !lit.is_empty() {
                    out.push(TPiece::Lit(std::mem::take(&mut lit)));
                }
                out.push(TPiece::Group(g));
            }
            None => {
                if !matches!(n, 'g') && !n.is_ascii_digit() {
                    i += 2;
                }
            }
        }
    }
    if !lit.is_empty() {
        out.push(TPiece::Lit(lit));
    }
    Ok(out)
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn group_index(m: &MatchObj, g: &Value) -> R<usize> {
    match g {
        Value::Str(name) => {
            match m.pattern.names.iter().position(|n| n.as_deref() == Some(name.as_str())) {
                Some(i) => Ok(i),
                None => exc(ExcKind::IndexError, "no such group"),
            }
        }
        v => match as_int(v) {
            Some(i) if i >= 0 && (i as usize) < m.spans.len() => Ok(i as usize),
            _ => exc(ExcKind::IndexError, "no such group"),
        },
    }
}

fn group_value(m: &MatchObj, i: usize, default: &Value) -> Value {
    match m.spans.get(i).copied().flatten() {
        Some((a, b)) => Value::Str(m.hay.byte_substr(a, b, None)),
        None => default.clone(),
    }
}

pub(crate) fn match_group(_vm: &mut Vm, m: &MatchObj, idx: &Value) -> R<Value> {
    let i = group_index(m, idx)?;
    Ok(group_value(m, i, &Value::None))
}

pub(crate) fn match_method(
    vm: &mut Vm,
    m: &MatchObj,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let char_pos = |b: usize| m.hay.char_of_byte(b) as i64;
    match name {
        "group" => {
            if args.is_empty() {
                return Ok(group_value(m, 0, &Value::None));
            }
            if args.len() == 1 {
                return match_group(vm, m, &args[0]);
            }
            let mut out = Vec::new();
            for a in &args {
                out.push(match_group(vm, m, a)?);
            }
            Ok(Value::tuple(out))
        }
        "groups" => {
            let default =
                args.first().or_else(|| kw(&kwargs, "default")).cloned().unwrap_or(Value::None);
            Ok(Value::tuple((1..m.spans.len()).map(|i| group_value(m, i, &default)).collect()))
        }
        "groupdict" => {
            let default =
                args.first().or_else(|| kw(&kwargs, "default")).cloned().unwrap_or(Value::None);
            let mut d = Dict::new();
            for (i, n) in m.pattern.names.iter().enumerate() {
                if let Some(n) = n {
                    d.map.insert(Key(Value::str(n.as_str())), group_value(m, i, &default));
                }
            }
            Ok(Value::dict(d))
        }
        "start" | "end" | "span" => {
            let i = match args.first() {
                Some(g) => group_index(m, g)?,
                None => 0,
            };
            let sp = m.spans.get(i).copied().flatten();
            let (a, b) = match sp {
                Some((a, b)) => (char_pos(a), char_pos(b)),
                None => (-1, -1),
            };
            Ok(match name {
                "start" => Value::Int(a),
                "end" => Value::Int(b),
                _ => Value::tuple(vec![Value::Int(a), Value::Int(b)]),
            })
        }
        "expand" => {
            let Some(Value::Str(t)) = args.first() else {
                return type_err("expand() argument must be str");
            };
            let pieces = parse_template(t.as_str(), &m.pattern)?;
            let mut out = String::new();
            for p in pieces {
                match p {
                    TPiece::Lit(l) => out.push_str(&l),
                    TPiece::Group(g) => {
                        if let Some(Some((a, b))) = m.spans.get(g) {
                            out.push_str(&m.hay.as_str()[*a..*b]);
                        }
                    }
                }
            }
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("'re.Match' object has no attribute '{name}'")),
    }
}

pub(crate) fn match_attr(m: &MatchObj, name: &str) -> Option<Value> {
    Some(match name {
        "string" => Value::Str(m.hay.clone()),
        "re" => Value::Native(Rc::new(Native::Pattern(m.pattern.clone()))),
        "pos" => Value::Int(m.pos as i64),
        "endpos" => Value::Int(m.endpos as i64),
        "lastindex" => match (1..m.spans.len()).rev().find(|&i| m.spans[i].is_some()) {
            Some(i) => Value::Int(i as i64),
            None => Value::None,
        },
        "lastgroup" => match (1..m.spans.len()).rev().find(|&i| m.spans[i].is_some()) {
            Some(i) => m.pattern.names[i].as_ref().map_or(Value::None, |n| Value::str(n.as_str())),
            None => Value::None,
        },
        _ => return None,
    })
}

pub(crate) fn pattern_attr(p: &Pattern, name: &str) -> Option<Value> {
    Some(match name {
        "pattern" => Value::str(p.source.as_str()),
        "flags" => Value::Int(p.flags | UNICODE),
        "groups" => Value::Int(p.groups() as i64),
        "groupindex" => {
            let mut d = Dict::new();
            for (i, n) in p.names.iter().enumerate() {
                if let Some(n) = n {
                    d.map.insert(Key(Value::str(n.as_str())), Value::Int(i as i64));
                }
            }
            Value::dict(d)
        }
        _ => return None,
    })
}

pub(crate) fn match_repr(vm: &mut Vm, m: &MatchObj) -> R<String> {
    let (a, b) = m.spans[0].unwrap_or((0, 0));
    let text = vm.repr(&Value::str(&m.hay.as_str()[a..b]))?;
    Ok(format!(
        "<re.Match object; span=({}, {}), match={}>",
        m.hay.char_of_byte(a),
        m.hay.char_of_byte(b),
        text
    ))
}

pub(crate) fn pattern_repr(vm: &mut Vm, p: &Pattern) -> R<String> {
    let src = vm.repr(&Value::str(p.source.as_str()))?;
    let mut flags = Vec::new();
    for (bit, name) in [
        (IGNORECASE, "re.IGNORECASE"),
        (MULTILINE, "re.MULTILINE"),
        (DOTALL, "re.DOTALL"),
        (VERBOSE, "re.VERBOSE"),
    ] {
        if p.flags & bit != 0 {
            flags.push(name);
        }
    }
    if flags.is_empty() {
        Ok(format!("re.compile({src})"))
    } else {
        Ok(format!("re.compile({src}, {})", flags.join("|")))
    }
}

pub(crate) fn module_attrs() -> Vec<(&'static str, Value)> {
    let f = |n: &'static str| {
        Value::Builtin(Rc::new(BuiltinFn { module: "re", name: SmolStr::new_static(n) }))
    };
    let mut v: Vec<(&'static str, Value)> = [
        "compile",
        "search",
        "match",
        "fullmatch",
        "findall",
        "finditer",
        "sub",
        "subn",
        "split",
        "escape",
    ]
    .iter()
    .map(|n| (*n, f(n)))
    .collect();
    for (n, x) in [
        ("I", IGNORECASE),
        ("IGNORECASE", IGNORECASE),
        ("M", MULTILINE),
        ("MULTILINE", MULTILINE),
        ("S", DOTALL),
        ("DOTALL", DOTALL),
        ("X", VERBOSE),
        ("VERBOSE", VERBOSE),
        ("A", ASCII),
        ("ASCII", ASCII),
        ("U", UNICODE),
        ("UNICODE", UNICODE),
        ("L", LOCALE),
    ] {
        v.push((n, Value::Int(x)));
    }
    v.push(("error", Value::Type(Ty::Exc(ExcKind::ReError))));
    v.push(("Pattern", Value::Type(Ty::Other("re.Pattern"))));
    v.push(("Match", Value::Type(Ty::Other("re.Match"))));
    v
}
