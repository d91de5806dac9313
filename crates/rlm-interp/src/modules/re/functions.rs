//! The functions of `re` and the methods of compiled patterns (one
//! implementation: a module function compiles its pattern, then calls the
//! method), with CPython's `pos`/`endpos`, `count`/`maxsplit` and templates.

use std::cell::Cell;
use std::rc::Rc;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::charged::{ChargedString, ChargedVec};
use crate::fault::{Fault, R, exc, type_err};
use crate::meter::Meter;
use crate::modules::re::engine::{CompiledRegex, Wrap, compile_pattern, search_at, variant};
use crate::modules::re::error::re_error;
use crate::modules::re::matches::{
    Cursor, all_matches, all_matches_from, make_match, next_cursor, search_from,
};
use crate::modules::re::scanner::Scanner;
use crate::value::*;

/// What one match object costs: its `Native`'s `Rc` box, its own box and
/// its copy of the spans of a pattern with `groups` groups.
fn match_bytes(groups: usize) -> usize {
    use crate::mem::{rc_block, vec_block};
    rc_block::<Native>()
        + crate::value::boxed_cost::<crate::modules::re::match_obj::MatchObj>()
        + vec_block::<Option<(usize, usize)>>(groups + 1)
}

/// `re.name(pattern, ...)` when `pat` is `None`, else `pat.name(...)`.
pub(crate) fn re_call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    pat: Option<Rc<CompiledRegex>>,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match pat {
        Some(p) => re_pattern_call(cx, name, p, args, &kwargs),
        None => re_module_call(cx, name, args, kwargs),
    }
}

/// `re.escape`, or compile the pattern (flags by keyword or position)
/// and call the pattern's method.
fn re_module_call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let mut args = args.into_iter();
    let pv = args.next().or_else(|| kw(&kwargs, "pattern").cloned()).unwrap_or(Value::None);
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
        // Each escape is a push of its own, and its backslash a byte more
        // of the result (charged before it is made).
        let escapes = escaped_count(s.as_str());
        cx.meter().fuel((escapes as u64).saturating_mul(FUEL_PER_ESCAPE))?;
        let _held = crate::charged::charge_scratch(cx.meter(), s.byte_len() + escapes)?;
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
        ("split", None) if rest.len() >= 3 => (as_int(&rest[2]).unwrap_or(0), rest[..2].to_vec()),
        ("search" | "match" | "fullmatch" | "findall" | "finditer", None) if rest.len() >= 2 => {
            (as_int(&rest[1]).unwrap_or(0), rest[..1].to_vec())
        }
        _ => (0, rest),
    };
    let p = compile_pattern(cx.meter(), &pv, flags)?;
    if name == "compile" {
        // A compiled pattern is returned as it is (`re.compile(p) is p`).
        if matches!(pv, Value::Native(_)) {
            return Ok(pv);
        }
        return Ok(Native::value(p));
    }
    re_call(cx, name, Some(p), rest, kwargs)
}

fn re_pattern_call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    pattern: Rc<CompiledRegex>,
    args: Vec<Value>,
    kwargs: &Kwargs,
) -> R<Value> {
    match name {
        "search" | "match" | "fullmatch" => {
            let (hay, start) = window(
                &hay_arg(&args, kwargs, 0, "string")?,
                arg(&args, kwargs, 1, "pos"),
                arg(&args, kwargs, 2, "endpos"),
            );
            if start > 0 && name != "search" {
                // Anchored at `pos`: search from there and keep a match that starts there.
                let sp = search_at(cx.meter(), &pattern, &hay, start)?;
                return Ok(match sp {
                    Some(sp)
                        if sp[0].is_some_and(|(a, b)| {
                            a == start && (name == "match" || b == hay.byte_len())
                        }) =>
                    {
                        make_match(&hay, sp, &pattern)
                    }
                    _ => Value::None,
                });
            }
            let p = match name {
                "search" => pattern.clone(),
                "match" => variant(cx.meter(), &pattern, Wrap::Match)?,
                _ => variant(cx.meter(), &pattern, Wrap::Full)?,
            };
            match search_at(cx.meter(), &p, &hay, start)? {
                Some(sp) => Ok(make_match(&hay, sp, &pattern)),
                None => Ok(Value::None),
            }
        }
        "findall" => {
            let (hay, start) = window(
                &hay_arg(&args, kwargs, 0, "string")?,
                arg(&args, kwargs, 1, "pos"),
                arg(&args, kwargs, 2, "endpos"),
            );
            let ms = all_matches_from(cx.meter(), &pattern, &hay, start, usize::MAX)?;
            let g = pattern.groups();
            let sub = |sp: &Option<(usize, usize)>| match sp {
                Some((a, b)) => Value::Str(hay.byte_substr(
                    *a,
                    *b,
                    if hay.is_ascii() { Some(b - a) } else { None },
                )),
                None => Value::str(""),
            };
            // Each item charges itself as it is made; the list is
            // charged as it grows (`re.findall("", "a" * 10**7)`).
            let mut out = ChargedVec::new();
            out.reserve(cx.meter(), ms.len())?;
            for sp in ms.as_slice() {
                let item = match g {
                    0 => sub(&sp[0]),
                    1 => sub(&sp[1]),
                    _ => Value::tuple(sp[1..].iter().map(sub).collect()),
                };
                out.push(cx.meter(), item)?;
            }
            drop(ms);
            Ok(Value::list(out.into_vec()))
        }
        "finditer" => {
            // Lazy, as CPython's: each step is one search.
            let (hay, start) = window(
                &hay_arg(&args, kwargs, 0, "string")?,
                arg(&args, kwargs, 1, "pos"),
                arg(&args, kwargs, 2, "endpos"),
            );
            let p = Native::value(pattern);
            Ok(Value::iter(IterState::Matches(p, hay, start, false, false)))
        }
        "scanner" => {
            let (hay, start) = window(
                &hay_arg(&args, kwargs, 0, "string")?,
                arg(&args, kwargs, 1, "pos"),
                arg(&args, kwargs, 2, "endpos"),
            );
            Ok(Native::value(Scanner {
                pattern: Native::value(pattern),
                hay,
                at: Cell::new(Cursor::at(start)),
                searched: Cell::new(false),
            }))
        }
        "sub" | "subn" => re_sub(cx, name, &pattern, &args, kwargs),
        "split" => {
            let hay = hay_arg(&args, kwargs, 0, "string")?;
            let maxsplit =
                args.get(1).or_else(|| kw(kwargs, "maxsplit")).and_then(as_int).unwrap_or(0);
            let limit = match_limit(maxsplit);
            let ms = all_matches(cx.meter(), &pattern, &hay, limit)?;
            let parts = hay.parts();
            let mut out = ChargedVec::new();
            let mut last = 0;
            for sp in ms.as_slice() {
                let (s, e) = sp[0].unwrap_or((last, last));
                out.push(cx.meter(), parts.part(last, s))?;
                for g in &sp[1..] {
                    let item = match g {
                        Some((a, b)) => parts.part(*a, *b),
                        None => Value::None,
                    };
                    out.push(cx.meter(), item)?;
                }
                last = e;
            }
            out.push(cx.meter(), parts.part(last, hay.byte_len()))?;
            drop(ms);
            Ok(Value::list(out.into_vec()))
        }
        _ => exc(ExcKind::AttributeError, format!("'re.Pattern' object has no attribute '{name}'")),
    }
}

/// What each match a `re.finditer` over `pattern` yields holds (a
/// match object charges nothing itself: a list of them is charged so
/// much a slot while it is built).
pub(crate) fn finditer_match_bytes(pattern: &Value) -> usize {
    Native::of::<Rc<CompiledRegex>>(pattern).map_or(0, |p| match_bytes(p.groups()))
}

/// `sub`/`subn`: a template string (groups, escapes) or a function of the match.
fn re_sub<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    pattern: &Rc<CompiledRegex>,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let repl = args.first().or_else(|| kw(kwargs, "repl")).cloned().unwrap_or(Value::None);
    let hay = hay_arg(args, kwargs, 1, "string")?;
    let count = args.get(2).or_else(|| kw(kwargs, "count")).and_then(as_int).unwrap_or(0);
    let limit = match_limit(count);
    let ms = all_matches(cx.meter(), pattern, &hay, limit)?;
    let text = hay.as_str();
    let template = match &repl {
        Value::Str(r) => Some(parse_template(r, pattern)?),
        _ => None,
    };
    // Charged as it grows, and held to the string cap (empty matches
    // insert the replacement between every two characters).
    let mut out = ChargedString::new();
    let mut last = 0;
    let n = ms.len();
    for sp in ms.as_slice() {
        let (s, e) = sp[0].unwrap_or((last, last));
        out.push_str(cx.meter(), &text[last..s])?;
        match &template {
            Some(t) => {
                for piece in t {
                    match piece {
                        TPiece::Lit(l) => out.push_str(cx.meter(), l)?,
                        TPiece::Group(g) => {
                            if let Some(Some((a, b))) = sp.get(*g) {
                                out.push_str(cx.meter(), &text[*a..*b])?;
                            }
                        }
                    }
                }
            }
            None => {
                let m = make_match(&hay, sp.clone(), pattern);
                let r = cx.call_value(&repl, vec![m], Vec::new())?;
                match r {
                    Value::Str(r) => out.push_str(cx.meter(), r.as_str())?,
                    o => {
                        return type_err(format!("expected str instance, {} found", o.type_name()));
                    }
                }
            }
        }
        last = e;
    }
    drop(ms);
    out.push_str(cx.meter(), &text[last.min(text.len())..])?;
    cx.meter().check_str_len(out.len())?;
    let s = Value::str(out.into_string());
    Ok(if name == "subn" { Value::tuple(vec![s, Value::Int(n as i64)]) } else { s })
}
/// The next match of a `re.finditer` (`IterState::Matches`) searched
/// from `at` in `hay` (`searched`: not its first search, whose charge is
/// paid), and where the search after it starts.
pub(crate) fn finditer_step(
    meter: &mut Meter,
    pattern: &Value,
    hay: &Str,
    at: Cursor,
    searched: bool,
) -> R<Option<(Value, Cursor)>> {
    let Some(p) = Native::of::<Rc<CompiledRegex>>(pattern) else { return Ok(None) };
    if at.pos > hay.byte_len() {
        return Ok(None);
    }
    if !searched {
        super::engine::charge_first_search(meter, p, hay.byte_len().saturating_sub(at.pos))?;
    }
    let Some(sp) = search_from(meter, p, hay, at)? else { return Ok(None) };
    let next = next_cursor(at, &sp);
    // The match object: charged before it is made.
    meter.alloc(match_bytes(p.groups()))?;
    Ok(Some((make_match(hay, sp, p), next)))
}

/// `scanner.search()` or `scanner.match()`: the next match from where the
/// last one ended (`None` from then on once none is left).
pub(crate) fn scanner_call<C: Callbacks + ?Sized>(cx: &mut C, s: &Scanner, name: &str) -> R<Value> {
    let at = s.at.get();
    let Some(p) = Native::of::<Rc<CompiledRegex>>(&s.pattern) else { return Ok(Value::None) };
    let found = match name {
        "search" => {
            let searched = s.searched.replace(true);
            finditer_step(cx.meter(), &s.pattern, &s.hay, at, searched)?
        }
        "match" if at.pos <= s.hay.byte_len() => {
            let rest = s.hay.byte_len().saturating_sub(at.pos);
            super::engine::charge_first_search(cx.meter(), p, rest)?;
            let sp = search_from(cx.meter(), p, &s.hay, at)?;
            match sp {
                Some(sp) if sp[0].is_some_and(|(a, _)| a == at.pos) => {
                    let next = next_cursor(at, &sp);
                    cx.meter().alloc(match_bytes(p.groups()))?;
                    Some((make_match(&s.hay, sp, p), next))
                }
                _ => None,
            }
        }
        "match" => None,
        _ => {
            let msg = format!("'re.SRE_Scanner' object has no attribute '{name}'");
            return exc(ExcKind::AttributeError, msg);
        }
    };
    Ok(match found {
        Some((m, next)) => {
            s.at.set(next);
            m
        }
        None => {
            s.at.set(Cursor::at(usize::MAX));
            Value::None
        }
    })
}

/// The argument at position `i` or keyword `name`.
fn arg<'a>(args: &'a [Value], kwargs: &'a Kwargs, i: usize, name: &str) -> Option<&'a Value> {
    args.get(i).or_else(|| kw(kwargs, name))
}

/// The string argument at position `i` or keyword `kname`.
fn hay_arg(args: &[Value], kwargs: &Kwargs, i: usize, kname: &str) -> R<Str> {
    match args.get(i).or_else(|| kw(kwargs, kname)) {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(o) => {
            type_err(format!("expected string or bytes-like object, got '{}'", o.type_name()))
        }
        None => type_err(format!("missing required argument '{kname}'")),
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

pub(super) enum TPiece {
    Lit(String),
    Group(usize),
}

/// The pieces of a `sub` template (its errors name it as their pattern).
pub(super) fn parse_template(template: &Str, p: &CompiledRegex) -> R<Vec<TPiece>> {
    let mut out = Vec::new();
    if !template.as_str().contains('\\') {
        // All literal: one piece, without the walk's char at a time (a
        // 4 MiB template of spaces ran 44 ns a fuel unit: issue #77).
        if !template.as_str().is_empty() {
            out.push(TPiece::Lit(template.as_str().to_string()));
        }
        return Ok(out);
    }
    let mut lit = String::new();
    let chars: Vec<char> = template.as_str().chars().collect();
    let mut i = 0;
    let bad = |msg: String| -> Fault { re_error(&Value::Str(template.clone()), &msg) };
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
            'a' => lit.push('\x07'),
            'b' => lit.push('\x08'),
            'f' => lit.push('\x0c'),
            'v' => lit.push('\x0b'),
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
                if j == chars.len() {
                    return Err(bad(format!("missing >, unterminated name at position {}", i + 3)));
                }
                if name.is_empty() {
                    return Err(bad(format!("missing group name at position {}", i + 3)));
                }
                let numeric = name.bytes().all(|b| b.is_ascii_digit());
                if !numeric && !crate::unicode::is_identifier(&name) {
                    let at = i + 3;
                    return Err(bad(format!(
                        "bad character in group name '{name}' at position {at}"
                    )));
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
                let (item, next) = template_digits(&chars, i).map_err(&bad)?;
                match item {
                    Ok(c) => lit.push(c),
                    Err(g) => group = Some(g),
                }
                i = next;
            }
            c if c.is_ascii_alphabetic() => {
                return Err(bad(format!("bad escape \\{c} at position {i}")));
            }
            c => {
                lit.push('\\');
                lit.push(c);
            }
        }
        if n.is_ascii_digit() && group.is_none() {
            // An octal escape, already read.
            continue;
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

/// The escape of digits at `i` of a template, as sre reads it: a `0` and
/// up to two more octal digits, or three octal digits, are a character
/// (`Ok`); else one or two digits are a group (`Err`). With where the
/// template goes on, or the error's message.
fn template_digits(chars: &[char], i: usize) -> Result<(Result<char, usize>, usize), String> {
    let octal = |k: usize| chars.get(k).is_some_and(|c| ('0'..='7').contains(c));
    let digit = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
    let value = |from: usize, to: usize| {
        chars[from..to].iter().fold(0u32, |v, c| v * 8 + c.to_digit(8).unwrap_or(0))
    };
    if chars[i + 1] == '0' {
        let mut j = i + 2;
        while j < i + 4 && octal(j) {
            j += 1;
        }
        return Ok((Ok(char::from_u32(value(i + 1, j)).unwrap_or('\0')), j));
    }
    if octal(i + 1) && octal(i + 2) && octal(i + 3) {
        let v = value(i + 1, i + 4);
        if v > 0o377 {
            let text: String = chars[i..i + 4].iter().collect();
            return Err(format!(
                "octal escape value {text} outside of range 0-0o377 at position {i}"
            ));
        }
        return Ok((Ok(char::from_u32(v).unwrap_or('\0')), i + 4));
    }
    let end = if digit(i + 2) { i + 3 } else { i + 2 };
    let g =
        chars[i + 1..end].iter().fold(0usize, |v, c| v * 10 + c.to_digit(10).unwrap_or(0) as usize);
    Ok((Err(g), end))
}

/// The ASCII characters `re.escape` escapes (CPython 3.7+'s set).
const ESCAPED: [bool; 128] = {
    let mut table = [false; 128];
    let special = b"()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// How many characters of `s` [`escape`] escapes (each a backslash more).
pub(crate) fn escaped_count(s: &str) -> usize {
    s.bytes().filter(|&b| b < 128 && ESCAPED[b as usize]).count()
}

/// `re.escape`: the runs between special characters copied whole (a
/// character at a time, testing each against the set, ran 16 ns a byte
/// over 4 MiB of newlines: issue #77).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + escaped_count(s));
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        // A special character is ASCII: `i` is a char boundary.
        if b < 128 && ESCAPED[b as usize] {
            out.push_str(&s[run..i]);
            out.push('\\');
            run = i;
        }
    }
    out.push_str(&s[run..]);
    out
}

/// Fuel per character `re.escape` escapes, besides the cost table's per
/// byte: a push of the run before it and of its backslash.
const FUEL_PER_ESCAPE: u64 = 2;

/// The matches a `count` or `maxsplit` allows: 0 is all of them, a negative
/// one none (CPython 3.11 substitutes and splits nothing then).
fn match_limit(n: i64) -> usize {
    match n {
        0 => usize::MAX,
        n if n < 0 => 0,
        n => n as usize,
    }
}
