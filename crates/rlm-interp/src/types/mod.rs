//! Methods of the built-in types: `str`, `list`, `dict` (and the
//! `collections` flavours), `set`, `tuple`, `deque`, and dict views.

pub(crate) mod method_arity;

use std::cell::RefCell;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::builtins::{Kwargs, kw, py_isspace, str_arg};
use crate::value::*;
use crate::vm::ops::{as_int, norm_index};
use crate::vm::{Fault, R, Vm, exc, type_err, value_err};

const STR_METHODS: &[&str] = &[
    "lower",
    "upper",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "rsplit",
    "splitlines",
    "join",
    "replace",
    "find",
    "rfind",
    "index",
    "rindex",
    "count",
    "startswith",
    "endswith",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "istitle",
    "isnumeric",
    "isdecimal",
    "isidentifier",
    "isascii",
    "isprintable",
    "title",
    "capitalize",
    "swapcase",
    "casefold",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "format",
    "format_map",
    "partition",
    "rpartition",
    "removeprefix",
    "removesuffix",
    "expandtabs",
    "encode",
    "translate",
    "maketrans",
];
const LIST_METHODS: &[&str] = &[
    "append", "extend", "insert", "remove", "pop", "index", "count", "sort", "reverse", "clear",
    "copy",
];
const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "clear",
    "copy",
    "fromkeys",
];
const COUNTER_METHODS: &[&str] = &["most_common", "elements", "subtract", "total"];
const ORDERED_METHODS: &[&str] = &["move_to_end"];
const SET_METHODS: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "clear",
    "copy",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
    "update",
    "intersection_update",
    "difference_update",
    "symmetric_difference_update",
    "issubset",
    "issuperset",
    "isdisjoint",
];
const TUPLE_METHODS: &[&str] = &["count", "index"];
const DEQUE_METHODS: &[&str] = &[
    "append",
    "appendleft",
    "pop",
    "popleft",
    "extend",
    "extendleft",
    "clear",
    "rotate",
    "count",
    "copy",
    "index",
    "remove",
    "reverse",
];
const INT_METHODS: &[&str] = &["bit_length", "to_bytes", "conjugate"];
const FLOAT_METHODS: &[&str] = &["is_integer", "as_integer_ratio", "conjugate", "hex"];

pub fn method_names(v: &Value) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = match v {
        Value::Str(_) => STR_METHODS.to_vec(),
        Value::List(_) => LIST_METHODS.to_vec(),
        Value::Dict(d) => {
            let mut m = DICT_METHODS.to_vec();
            match d.borrow().kind {
                DictKind::Counter => m.extend(COUNTER_METHODS),
                DictKind::Ordered => m.extend(ORDERED_METHODS),
                _ => {}
            }
            m
        }
        Value::Set(_) => SET_METHODS.to_vec(),
        Value::FrozenSet(_) => SET_METHODS[5..].to_vec(),
        Value::Tuple(_) => TUPLE_METHODS.to_vec(),
        Value::Deque(_) => DEQUE_METHODS.to_vec(),
        Value::Int(_) | Value::Bool(_) => INT_METHODS.to_vec(),
        Value::Range(_) => vec!["count", "index"],
        Value::Float(_) => FLOAT_METHODS.to_vec(),
        Value::Native(n) => crate::modules::native_method_names(n).to_vec(),
        Value::Type(Ty::Dict) => vec!["fromkeys"],
        Value::Type(Ty::Str) => vec!["maketrans", "join", "lower", "upper", "strip", "split"],
        _ => Vec::new(),
    };
    out.sort_unstable();
    out
}

/// CPython's TypeError for calling a built-in method with `n` positional
/// arguments (and no keywords), when that count is wrong; from the table
/// generated off CPython (`tools/gen_method_arity.py`).
fn arity_error(recv: &Value, name: &str, n: usize) -> Option<String> {
    use crate::types::method_arity::{MAX_LISTED, METHOD_ARITY};
    let ty = arity_type_key(recv)?;
    let i = crate::types::method_arity::arity_row(ty, name)?;
    let template = METHOD_ARITY[i].2[n.min(MAX_LISTED)];
    if template.is_empty() {
        return None;
    }
    let msg = template.replace("{n1}", &(n + 1).to_string()).replace("{n}", &n.to_string());
    Some(if n == 0 { msg.replace("but 1 were given", "but 1 was given") } else { msg })
}

/// CPython's TypeError for a keyword argument a built-in method does not
/// take (or for any keyword, when it takes none).
fn keyword_error(recv: &Value, name: &str, nargs: usize, kwargs: &Kwargs) -> Option<String> {
    use crate::types::method_arity::METHOD_KEYWORDS;
    let ty = arity_type_key(recv)?;
    let i = crate::types::method_arity::keyword_row(ty, name)?;
    let (_, _, accepted, template) = METHOD_KEYWORDS[i];
    // Argument Clinic methods check the total, then names given twice,
    // then unknown names (`_PyArg_UnpackKeywords`).
    if let Some(f) = template.strip_prefix("'{k}' is an invalid keyword argument for ") {
        let f = f.trim_end_matches("()");
        let total = nargs + kwargs.len();
        let max = accepted.len();
        if total > max {
            let s = if max == 1 { "" } else { "s" };
            let what = if nargs == 0 { "keyword argument" } else { "argument" };
            return Some(format!("{f}() takes at most {max} {what}{s} ({total} given)"));
        }
        for (pos, p) in accepted.iter().enumerate().take(nargs) {
            if kwargs.iter().any(|(k, _)| k == p) {
                return Some(format!(
                    "argument for {f}() given by name ('{p}') and position ({})",
                    pos + 1
                ));
            }
        }
    }
    let (bad, _) = kwargs.iter().find(|(k, _)| !accepted.contains(&k.as_str()))?;
    Some(template.replace("{k}", bad))
}

/// The receiver's type as the generated tables code it.
fn arity_type_key(recv: &Value) -> Option<u8> {
    use crate::types::method_arity::*;
    Some(match recv {
        Value::Str(_) => TY_STR,
        Value::List(_) => TY_LIST,
        Value::Dict(d) => match d.borrow().kind {
            DictKind::Plain => TY_DICT,
            DictKind::Counter => TY_COUNTER,
            DictKind::Ordered => TY_ORDERED_DICT,
            DictKind::Default(_) => TY_DEFAULTDICT,
        },
        Value::Set(_) => TY_SET,
        Value::FrozenSet(_) => TY_FROZENSET,
        Value::Tuple(_) => TY_TUPLE,
        Value::Deque(_) => TY_DEQUE,
        Value::Int(_) | Value::Bool(_) => TY_INT,
        Value::Float(_) => TY_FLOAT,
        Value::Range(_) => TY_RANGE,
        _ => return None,
    })
}

pub fn has_method(v: &Value, name: &str) -> bool {
    method_names(v).contains(&name)
}

pub fn str_find(hay: &str, needle: &str) -> Option<usize> {
    if needle.len() == 1 {
        return memchr_byte(needle.as_bytes()[0], hay.as_bytes());
    }
    hay.find(needle)
}

fn memchr_byte(b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == b)
}

fn get_str_kw<'a>(
    args: &'a [Value],
    i: usize,
    kwargs: &'a [(SmolStr, Value)],
    name: &str,
) -> Option<&'a Value> {
    args.get(i).or_else(|| kw(kwargs, name))
}

/// Python whitespace split.
pub fn split_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(py_isspace);
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push(rest.to_string());
            return out;
        }
        match rest.find(py_isspace) {
            Some(p) => {
                out.push(rest[..p].to_string());
                rest = rest[p..].trim_start_matches(py_isspace);
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out
}

/// Byte ranges of Python's whitespace split.
pub fn split_whitespace_ranges(s: &str, maxsplit: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    let n = s.len();
    let ascii = s.is_ascii();
    let is_ws_at = |i: usize| -> (bool, usize) {
        if ascii {
            let c = bytes[i];
            (matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f), 1)
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            (py_isspace(c), c.len_utf8())
        }
    };
    loop {
        while i < n {
            let (ws, l) = is_ws_at(i);
            if !ws {
                break;
            }
            i += l;
        }
        if i >= n {
            break;
        }
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push((i, n));
            break;
        }
        let start = i;
        while i < n {
            let (ws, l) = is_ws_at(i);
            if ws {
                break;
            }
            i += l;
        }
        out.push((start, i));
    }
    out
}

fn rsplit_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_end_matches(py_isspace);
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push(rest.to_string());
            break;
        }
        match rest.rfind(py_isspace) {
            Some(p) => {
                let c = rest[p..].chars().next().map_or(1, |c| c.len_utf8());
                out.push(rest[p + c..].to_string());
                rest = rest[..p].trim_end_matches(py_isspace);
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out.reverse();
    out
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

pub fn splitlines(s: &str, keepends: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (b, c) = bytes[i];
        if is_line_break(c) {
            let mut end = b + c.len_utf8();
            if c == '\r' && i + 1 < bytes.len() && bytes[i + 1].1 == '\n' {
                end += 1;
                i += 1;
            }
            out.push(if keepends { s[start..end].to_string() } else { s[start..b].to_string() });
            start = end;
        }
        i += 1;
    }
    if start < s.len() {
        out.push(s[start..].to_string());
    }
    out
}

fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            crate::unicode::push_title(c, &mut out);
        }
        prev_cased = crate::unicode::is_cased(c);
    }
    out
}

fn str_list(items: Vec<String>) -> Value {
    Value::list(items.into_iter().map(Value::str).collect())
}

/// Append to a deque, dropping from the other end when it is at `maxlen`.
fn push_bounded(d: &DequeObj, x: Value, back: bool) {
    let mut q = d.borrow_mut();
    if d.maxlen == Some(0) {
        return;
    }
    if let Some(m) = d.maxlen {
        if q.len() >= m {
            if back {
                q.pop_front();
            } else {
                q.pop_back();
            }
        }
    }
    if back {
        q.push_back(x);
    } else {
        q.push_front(x);
    }
}

impl Vm {
    /// Resolve optional start/end char indices (Python slice semantics) to byte offsets.
    fn str_range(
        &mut self,
        s: &Str,
        start: Option<&Value>,
        end: Option<&Value>,
    ) -> R<(usize, usize)> {
        let len = s.char_len() as i64;
        let conv = |v: Option<&Value>, default: i64| -> R<i64> {
            match v {
                None | Some(Value::None) => Ok(default),
                Some(v) => match as_int(v) {
                    Some(i) => Ok(if i < 0 { (i + len).max(0) } else { i.min(len) }),
                    None => type_err(
                        "slice indices must be integers or None or have an __index__ method",
                    ),
                },
            }
        };
        let a = conv(start, 0)?;
        let b = conv(end, len)?;
        if a > b {
            return Ok((usize::MAX, 0));
        }
        Ok((s.byte_of_char(a as usize), s.byte_of_char(b as usize)))
    }

    /// Call a method of a built-in or host value; the result is held to the
    /// limits by [`Vm::guard_result`].
    pub(crate) fn call_method(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let v = self.call_method_unguarded(recv, name, args, kwargs)?;
        self.guard_result(&v)?;
        Ok(v)
    }

    fn call_method_unguarded(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let msg = if kwargs.is_empty() {
            arity_error(recv, name, args.len())
        } else {
            keyword_error(recv, name, args.len(), &kwargs)
        };
        if let Some(msg) = msg {
            return type_err(msg);
        }
        match recv {
            Value::Str(s) => self.str_method(s, name, args, kwargs),
            Value::List(l) => self.list_method(recv, l, name, args, kwargs),
            Value::Dict(d) => self.dict_method(recv, d, name, args, kwargs),
            Value::Set(_) | Value::FrozenSet(_) => self.set_method(recv, name, args),
            Value::Tuple(t) => match name {
                "count" => {
                    let x = args.first().cloned().unwrap_or(Value::None);
                    let mut n = 0;
                    // Each comparison is work even when it is one step.
                    self.fuel(t.len() as u64 / 4)?;
                    for it in t.iter() {
                        if self.eq(it, &x)? {
                            n += 1;
                        }
                    }
                    Ok(Value::Int(n))
                }
                "index" => {
                    let x = args.first().cloned().unwrap_or(Value::None);
                    let len = t.len() as i64;
                    let norm = |v: Option<&Value>, d: i64| match v.and_then(as_int) {
                        Some(i) if i < 0 => (i + len).max(0),
                        Some(i) => i.min(len),
                        None => d,
                    };
                    let (start, end) =
                        (norm(args.get(1), 0) as usize, norm(args.get(2), len) as usize);
                    // Each comparison is work even when it is one step.
                    self.fuel(t.len() as u64 / 4)?;
                    for (i, it) in t.iter().enumerate().take(end).skip(start) {
                        if self.eq(it, &x)? {
                            return Ok(Value::Int(i as i64));
                        }
                    }
                    value_err("tuple.index(x): x not in tuple")
                }
                _ => self.no_attr(recv, name),
            },
            Value::Deque(d) => self.deque_method(recv, d, name, args),
            Value::Range(r) => {
                let (start, _stop, step) = **r;
                let x = args.first().cloned().unwrap_or(Value::None);
                let found = match as_int(&x) {
                    Some(i) if self.contains(recv, &x)? => Some((i - start) / step),
                    _ => None,
                };
                match (name, found) {
                    ("count", f) => Ok(Value::Int(f.is_some() as i64)),
                    ("index", Some(k)) => Ok(Value::Int(k)),
                    ("index", None) => {
                        let r = self.repr(&x)?;
                        value_err(format!("{r} is not in range"))
                    }
                    _ => self.no_attr(recv, name),
                }
            }
            Value::Int(i) => match name {
                "bit_length" => Ok(Value::Int(64 - i.unsigned_abs().leading_zeros() as i64)),
                "conjugate" => Ok(Value::Int(*i)),
                _ => self.no_attr(recv, name),
            },
            Value::Float(f) => match name {
                "is_integer" => Ok(Value::Bool(f.is_finite() && f.fract() == 0.0)),
                "conjugate" => Ok(Value::Float(*f)),
                _ => self.no_attr(recv, name),
            },
            Value::Native(n) => crate::modules::native_method(self, recv, n, name, args, kwargs),
            Value::Host(h) => {
                let h = h.clone();
                let mut fuel_err = None;
                let r = {
                    let fuel_used = &mut self.fuel_used;
                    let limit = self.limits.fuel;
                    let mut charge = |n: u64| -> Result<(), crate::LimitError> {
                        *fuel_used = fuel_used.saturating_add(n);
                        if *fuel_used > limit {
                            let e = crate::LimitError::new(
                                crate::LimitKind::Fuel,
                                format!("the program ran out of fuel ({limit} steps)"),
                            );
                            fuel_err = Some(e.clone());
                            return Err(e);
                        }
                        Ok(())
                    };
                    h.call_method(name, &args, &kwargs, &mut charge)
                };
                if let Some(e) = fuel_err {
                    return Err(Fault::Limit(e));
                }
                match r {
                    None => exc(
                        ExcKind::AttributeError,
                        format!("'{}' object has no attribute '{name}'", h.type_name()),
                    ),
                    Some(Ok(crate::host::HostReturn::Value(v))) => Ok(v),
                    Some(Ok(crate::host::HostReturn::Suspend { name, args, kwargs })) => Err(
                        Fault::Suspend(vec![crate::vm::PendingCall { name, args, kwargs }], true),
                    ),
                    Some(Err(e)) => exc(e.kind, e.message),
                }
            }
            Value::Type(Ty::Dict) if name == "fromkeys" => {
                let keys = match args.first() {
                    Some(v) => self.iterate(v)?,
                    None => return type_err("fromkeys expected at least 1 argument, got 0"),
                };
                let val = args.get(1).cloned().unwrap_or(Value::None);
                let mut d = Dict::new();
                for k in keys {
                    let k = self.key(k)?;
                    d.map.insert(k, val.clone());
                }
                Ok(Value::dict(d))
            }
            Value::Type(Ty::Other(t)) => crate::modules::type_method(self, t, name, args),
            Value::Type(Ty::Str) if name == "maketrans" => {
                let mut d = Dict::new();
                match (args.first(), args.get(1)) {
                    (Some(Value::Dict(src)), None) => {
                        for (k, v) in src.borrow().map.iter() {
                            let k = match &k.0 {
                                Value::Str(s) if s.char_len() == 1 => {
                                    Value::Int(s.as_str().chars().next().map_or(0, |c| c as i64))
                                }
                                Value::Int(i) => Value::Int(*i),
                                _ => {
                                    return type_err(
                                        "keys in translate table must be strings or integers",
                                    );
                                }
                            };
                            d.map.insert(Key(k), v.clone());
                        }
                    }
                    (Some(Value::Str(a)), Some(Value::Str(b))) => {
                        if a.char_len() != b.char_len() {
                            return value_err(
                                "the first two maketrans arguments must have equal length",
                            );
                        }
                        for (x, y) in a.as_str().chars().zip(b.as_str().chars()) {
                            d.map.insert(Key(Value::Int(x as i64)), Value::Int(y as i64));
                        }
                        if let Some(Value::Str(z)) = args.get(2) {
                            for x in z.as_str().chars() {
                                d.map.insert(Key(Value::Int(x as i64)), Value::None);
                            }
                        }
                    }
                    _ => {
                        return type_err(
                            "maketrans() arguments must be a dict, or two strings of equal length",
                        );
                    }
                }
                Ok(Value::dict(d))
            }
            Value::Type(Ty::Str) => {
                // `str.lower(x)` style: unbound method call.
                let mut it = args.into_iter();
                match it.next() {
                    Some(Value::Str(s)) => self.str_method(&s, name, it.collect(), kwargs),
                    _ => type_err(format!("descriptor '{name}' requires a 'str' object")),
                }
            }
            _ => self.no_attr(recv, name),
        }
    }

    fn no_attr<T>(&mut self, recv: &Value, name: &str) -> R<T> {
        let e = Exception::new(
            ExcKind::AttributeError,
            format!(
                "'{}' object has no attribute '{name}'",
                crate::modules::qualified_type_name(recv)
            ),
        );
        Err(Fault::Exc(e.with_hint(crate::value::suggest(name, method_names(recv)))))
    }

    fn str_method(&mut self, s: &Str, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let text = s.as_str();
        const NO_ARGS: &[&str] = &[
            "lower",
            "upper",
            "title",
            "capitalize",
            "swapcase",
            "casefold",
            "isdigit",
            "isalpha",
            "isalnum",
            "isspace",
            "isupper",
            "islower",
            "istitle",
            "isnumeric",
            "isdecimal",
            "isidentifier",
            "isascii",
            "isprintable",
        ];
        if !args.is_empty() && NO_ARGS.contains(&name) {
            return type_err(format!("str.{name}() takes no arguments ({} given)", args.len()));
        }
        // Work over the whole string is charged up front.
        self.fuel(1 + text.len() as u64 / 32)?;
        let arg_str = |i: usize| -> R<Option<&Str>> {
            match args.get(i) {
                None | Some(Value::None) => Ok(None),
                Some(Value::Str(t)) => Ok(Some(t)),
                Some(o) => type_err(format!("must be str or None, not {}", o.type_name())),
            }
        };
        match name {
            "lower" => {
                self.check_str_len(text.len())?;
                Ok(if s.is_ascii() {
                    Value::str(text.to_ascii_lowercase())
                } else {
                    Value::str(text.to_lowercase())
                })
            }
            "upper" => {
                self.check_str_len(text.len())?;
                Ok(if s.is_ascii() {
                    Value::str(text.to_ascii_uppercase())
                } else {
                    Value::str(text.to_uppercase())
                })
            }
            "casefold" => Ok(Value::str(text.to_lowercase().replace('ß', "ss"))),
            "strip" | "lstrip" | "rstrip" => {
                let chars: Option<Vec<char>> = arg_str(0)?.map(|c| c.as_str().chars().collect());
                let f = |c: char| match &chars {
                    Some(cs) => cs.contains(&c),
                    None => py_isspace(c),
                };
                let (a, b) = match name {
                    "strip" => {
                        let t = text.trim_start_matches(f);
                        let a = text.len() - t.len();
                        (a, a + t.trim_end_matches(f).len())
                    }
                    "lstrip" => (text.len() - text.trim_start_matches(f).len(), text.len()),
                    _ => (0, text.trim_end_matches(f).len()),
                };
                if a == 0 && b == text.len() {
                    return Ok(Value::Str(s.clone()));
                }
                Ok(Value::Str(s.byte_substr(a, b, None)))
            }
            "split" | "rsplit" => {
                let sep = get_str_kw(&args, 0, &kwargs, "sep").cloned();
                let maxsplit =
                    get_str_kw(&args, 1, &kwargs, "maxsplit").and_then(as_int).unwrap_or(-1);
                let parts: Vec<Value> = match sep {
                    None | Some(Value::None) if name == "split" => {
                        // Views into the receiver: no copy for shared context text.
                        split_whitespace_ranges(text, maxsplit)
                            .into_iter()
                            .map(|(a, b)| Value::Str(s.byte_substr(a, b, None)))
                            .collect()
                    }
                    None | Some(Value::None) => {
                        let p = rsplit_whitespace(text, maxsplit);
                        p.into_iter().map(Value::str).collect()
                    }
                    Some(Value::Str(sep)) => {
                        let sep = sep.as_str();
                        if sep.is_empty() {
                            return value_err("empty separator");
                        }
                        let mut out: Vec<(usize, usize)> = Vec::new();
                        if name == "split" {
                            let mut start = 0;
                            let mut n = 0;
                            while maxsplit < 0 || n < maxsplit {
                                match text[start..].find(sep) {
                                    Some(p) => {
                                        out.push((start, start + p));
                                        start += p + sep.len();
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push((start, text.len()));
                        } else {
                            let mut end = text.len();
                            let mut n = 0;
                            while maxsplit < 0 || n < maxsplit {
                                match text[..end].rfind(sep) {
                                    Some(p) => {
                                        out.push((p + sep.len(), end));
                                        end = p;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push((0, end));
                            out.reverse();
                        }
                        self.check_len(out.len())?;
                        out.into_iter()
                            .map(|(a, b)| Value::Str(s.byte_substr(a, b, None)))
                            .collect()
                    }
                    Some(o) => {
                        return type_err(format!("must be str or None, not {}", o.type_name()));
                    }
                };
                self.check_len(parts.len())?;
                Ok(Value::list(parts))
            }
            "splitlines" => {
                let keep = get_str_kw(&args, 0, &kwargs, "keepends").is_some_and(|v| v.truthy());
                let lines = splitlines(text, keep);
                self.check_len(lines.len())?;
                Ok(str_list(lines))
            }
            "join" => {
                if args.len() != 1 {
                    return type_err(format!(
                        "str.join() takes exactly one argument ({} given)",
                        args.len()
                    ));
                }
                let it = &args[0];
                let items = self.iterate(it)?;
                let mut total = text.len() * items.len().saturating_sub(1);
                for (i, x) in items.iter().enumerate() {
                    match x {
                        Value::Str(t) => total += t.byte_len(),
                        other => {
                            return type_err(format!(
                                "sequence item {i}: expected str instance, {} found",
                                other.type_name()
                            ));
                        }
                    }
                }
                self.check_str_len(total)?;
                let mut out = String::with_capacity(total);
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(text);
                    }
                    if let Value::Str(t) = x {
                        out.push_str(t.as_str());
                    }
                }
                Ok(Value::str(out))
            }
            "replace" => {
                let (Some(Value::Str(old)), Some(Value::Str(new))) = (args.first(), args.get(1))
                else {
                    return type_err("replace() argument must be str");
                };
                let count =
                    args.get(2).or_else(|| kw(&kwargs, "count")).and_then(as_int).unwrap_or(-1);
                let (old, new) = (old.as_str(), new.as_str());
                let occurrences =
                    if old.is_empty() { s.char_len() + 1 } else { text.matches(old).count() };
                let n = if count < 0 { occurrences } else { occurrences.min(count as usize) };
                let total = text.len() + n * new.len();
                self.check_str_len(total)?;
                if old.is_empty() {
                    let mut out = String::with_capacity(total);
                    let mut done = 0;
                    for c in text.chars() {
                        if done < n {
                            out.push_str(new);
                            done += 1;
                        }
                        out.push(c);
                    }
                    if done < n {
                        out.push_str(new);
                    }
                    return Ok(Value::str(out));
                }
                Ok(Value::str(if count < 0 {
                    text.replace(old, new)
                } else {
                    text.replacen(old, new, n)
                }))
            }
            "find" | "rfind" | "index" | "rindex" | "count" => {
                let Some(Value::Str(sub)) = args.first() else {
                    return type_err(format!(
                        "must be str, not {}",
                        args.first().map(|v| v.type_name()).unwrap_or("nothing")
                    ));
                };
                if let Some(st) = args.get(1).and_then(as_int) {
                    if st > s.char_len() as i64 {
                        return if name.ends_with("index") {
                            value_err("substring not found")
                        } else {
                            Ok(Value::Int(if name == "count" { 0 } else { -1 }))
                        };
                    }
                }
                let (a, b) = self.str_range(s, args.get(1), args.get(2))?;
                let sub = sub.as_str();
                if a == usize::MAX || a > b {
                    return Ok(Value::Int(if name == "count" { 0 } else { -1 })).and_then(|v| {
                        if name.ends_with("index") {
                            value_err("substring not found")
                        } else {
                            Ok(v)
                        }
                    });
                }
                let hay = &text[a..b];
                if name == "count" {
                    let n = if sub.is_empty() {
                        hay.chars().count() + 1
                    } else {
                        hay.matches(sub).count()
                    };
                    return Ok(Value::Int(n as i64));
                }
                let pos = if name.starts_with('r') { hay.rfind(sub) } else { str_find(hay, sub) };
                match pos {
                    Some(p) => Ok(Value::Int(s.char_of_byte(a + p) as i64)),
                    None if name.ends_with("index") => value_err("substring not found"),
                    None => Ok(Value::Int(-1)),
                }
            }
            "startswith" | "endswith" => {
                let Some(p) = args.first() else {
                    return type_err(format!("{name}() takes at least 1 argument (0 given)"));
                };
                let (a, b) = self.str_range(s, args.get(1), args.get(2))?;
                if a == usize::MAX {
                    return Ok(Value::Bool(false));
                }
                let hay = &text[a..b];
                let check = |p: &str| {
                    if name == "startswith" { hay.starts_with(p) } else { hay.ends_with(p) }
                };
                match p {
                    Value::Str(p) => Ok(Value::Bool(check(p.as_str()))),
                    Value::Tuple(ps) => {
                        for p in ps.iter() {
                            match p {
                                Value::Str(p) => {
                                    if check(p.as_str()) {
                                        return Ok(Value::Bool(true));
                                    }
                                }
                                o => {
                                    return type_err(format!(
                                        "tuple for {name} must only contain str, not {}",
                                        o.type_name()
                                    ));
                                }
                            }
                        }
                        Ok(Value::Bool(false))
                    }
                    o => type_err(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        o.type_name()
                    )),
                }
            }
            "isdigit" | "isnumeric" | "isdecimal" => {
                let pred = match name {
                    "isdigit" => crate::unicode::is_digit,
                    "isnumeric" => crate::unicode::is_numeric,
                    _ => crate::unicode::is_decimal,
                };
                Ok(Value::Bool(!text.is_empty() && text.chars().all(pred)))
            }
            "isalpha" => {
                Ok(Value::Bool(!text.is_empty() && text.chars().all(crate::unicode::is_alpha)))
            }
            "isalnum" => {
                Ok(Value::Bool(!text.is_empty() && text.chars().all(crate::unicode::is_alnum)))
            }
            "isspace" => Ok(Value::Bool(!text.is_empty() && text.chars().all(py_isspace))),
            "isascii" => Ok(Value::Bool(s.is_ascii())),
            "isprintable" => Ok(Value::Bool(text.chars().all(crate::unicode::is_printable))),
            "isupper" => Ok(Value::Bool(
                text.chars().any(|c| c.is_uppercase()) && !text.chars().any(|c| c.is_lowercase()),
            )),
            "islower" => Ok(Value::Bool(
                text.chars().any(|c| c.is_lowercase()) && !text.chars().any(|c| c.is_uppercase()),
            )),
            "istitle" => {
                // CPython's rule: upper/titlecase only after an uncased
                // character, lowercase only after a cased one, one cased at least.
                let (mut cased, mut prev_cased) = (false, false);
                for c in text.chars() {
                    if c.is_uppercase() || crate::unicode::is_titlecase(c) {
                        if prev_cased {
                            return Ok(Value::Bool(false));
                        }
                        (prev_cased, cased) = (true, true);
                    } else if c.is_lowercase() {
                        if !prev_cased {
                            return Ok(Value::Bool(false));
                        }
                        (prev_cased, cased) = (true, true);
                    } else {
                        prev_cased = false;
                    }
                }
                Ok(Value::Bool(cased))
            }
            "isidentifier" => Ok(Value::Bool(
                text.chars().next().is_some_and(|c| c == '_' || c.is_alphabetic())
                    && text.chars().all(|c| c == '_' || c.is_alphanumeric()),
            )),
            "title" => Ok(Value::str(py_title(text))),
            "capitalize" => {
                let mut cs = text.chars();
                Ok(Value::str(match cs.next() {
                    Some(c) => {
                        let mut out = String::new();
                        crate::unicode::push_title(c, &mut out);
                        out + &cs.as_str().to_lowercase()
                    }
                    None => String::new(),
                }))
            }
            "swapcase" => Ok(Value::str(
                text.chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else if c.is_lowercase() {
                            c.to_uppercase().collect::<Vec<_>>()
                        } else {
                            vec![c]
                        }
                    })
                    .collect::<String>(),
            )),
            "center" | "ljust" | "rjust" => {
                let Some(w) = args.first().and_then(as_int) else {
                    return type_err(format!("{name}() takes at least 1 argument"));
                };
                let fill = match args.get(1) {
                    Some(Value::Str(f)) if f.char_len() == 1 => {
                        f.as_str().chars().next().unwrap_or(' ')
                    }
                    Some(_) => {
                        return type_err("The fill character must be exactly one character long");
                    }
                    None => ' ',
                };
                let n = s.char_len();
                let w = w.max(0) as usize;
                if w <= n {
                    return Ok(Value::Str(s.clone()));
                }
                self.check_str_len(w)?;
                let pad = w - n;
                let f = |k: usize| fill.to_string().repeat(k);
                Ok(Value::str(match name {
                    "ljust" => format!("{text}{}", f(pad)),
                    "rjust" => format!("{}{text}", f(pad)),
                    _ => {
                        // CPython's centering puts the extra space on the right when odd... unless the width is odd.
                        let left = pad / 2 + (pad & w & 1);
                        format!("{}{text}{}", f(left), f(pad - left))
                    }
                }))
            }
            "zfill" => {
                let w = args.first().and_then(as_int).unwrap_or(0).max(0) as usize;
                let n = s.char_len();
                if w <= n {
                    return Ok(Value::Str(s.clone()));
                }
                self.check_str_len(w)?;
                let (sign, rest) = match text.chars().next() {
                    Some(c @ ('+' | '-')) => (c.to_string(), &text[1..]),
                    _ => (String::new(), text),
                };
                Ok(Value::str(format!("{sign}{}{rest}", "0".repeat(w - n))))
            }
            "format" => Ok(Value::str(self.str_format(text, &args, &kwargs)?)),
            "format_map" => {
                let Some(Value::Dict(d)) = args.first() else {
                    return type_err("format_map() argument must be a mapping");
                };
                let kws: Kwargs = d
                    .borrow()
                    .map
                    .iter()
                    .filter_map(|(k, v)| {
                        k.0.as_str().map(|s| (SmolStr::new(s.as_str()), v.clone()))
                    })
                    .collect();
                Ok(Value::str(self.str_format(text, &[], &kws)?))
            }
            "partition" | "rpartition" => {
                let Some(Value::Str(sep)) = args.first() else { return type_err("must be str") };
                let sep = sep.as_str();
                if sep.is_empty() {
                    return value_err("empty separator");
                }
                let pos = if name == "partition" { text.find(sep) } else { text.rfind(sep) };
                Ok(Value::tuple(match pos {
                    Some(p) => vec![
                        Value::Str(s.byte_substr(0, p, None)),
                        Value::str(sep),
                        Value::Str(s.byte_substr(p + sep.len(), text.len(), None)),
                    ],
                    None if name == "partition" => {
                        vec![Value::Str(s.clone()), Value::str(""), Value::str("")]
                    }
                    None => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
                }))
            }
            "removeprefix" => {
                let Some(Value::Str(p)) = args.first() else {
                    return type_err("removeprefix() argument must be str");
                };
                Ok(match text.strip_prefix(p.as_str()) {
                    Some(_) if !p.as_str().is_empty() => {
                        Value::Str(s.byte_substr(p.byte_len(), text.len(), None))
                    }
                    _ => Value::Str(s.clone()),
                })
            }
            "removesuffix" => {
                let Some(Value::Str(p)) = args.first() else {
                    return type_err("removesuffix() argument must be str");
                };
                Ok(match text.strip_suffix(p.as_str()) {
                    Some(r) if !p.as_str().is_empty() => {
                        Value::Str(s.byte_substr(0, r.len(), None))
                    }
                    _ => Value::Str(s.clone()),
                })
            }
            "expandtabs" => {
                let ts = args.first().and_then(as_int).unwrap_or(8).max(0) as usize;
                let mut out = String::new();
                let mut col = 0;
                for c in text.chars() {
                    match c {
                        '\t' => {
                            if ts > 0 {
                                let n = ts - col % ts;
                                self.check_str_len(out.len() + n)?;
                                out.push_str(&" ".repeat(n));
                                col += n;
                            }
                        }
                        '\n' | '\r' => {
                            out.push(c);
                            col = 0;
                        }
                        c => {
                            out.push(c);
                            col += 1;
                        }
                    }
                }
                Ok(Value::str(out))
            }
            "maketrans" => self.call_method(&Value::Type(Ty::Str), "maketrans", args, kwargs),
            "translate" => {
                let Some(Value::Dict(table)) = args.first() else {
                    return type_err("translate() argument must be a mapping (use str.maketrans)");
                };
                let table = table.clone();
                let mut out = String::with_capacity(text.len());
                for c in text.chars() {
                    let k = Key(Value::Int(c as i64));
                    match table.borrow().map.get(&k) {
                        None => out.push(c),
                        Some(Value::None) => {}
                        Some(Value::Str(r)) => out.push_str(r.as_str()),
                        Some(v) => match as_int(v).and_then(|i| char::from_u32(i as u32)) {
                            Some(r) => out.push(r),
                            None => {
                                return type_err(
                                    "character mapping must return integer, None or str",
                                );
                            }
                        },
                    }
                }
                self.check_str_len(out.len())?;
                Ok(Value::str(out))
            }
            "encode" => exc(
                ExcKind::NotImplementedError,
                "bytes are not available in this sandbox; work with str",
            ),
            _ => {
                let _ = str_arg;
                self.no_attr(&Value::Str(s.clone()), name)
            }
        }
    }

    fn list_method(
        &mut self,
        recv: &Value,
        l: &Rc<ListObj>,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        match name {
            "append" => {
                let [x] = <[Value; 1]>::try_from(args).map_err(|a| {
                    Fault::Exc(Exception::new(
                        ExcKind::TypeError,
                        format!("list.append() takes exactly one argument ({} given)", a.len()),
                    ))
                })?;
                let n = l.borrow().len();
                if n >= self.limits.max_collection_len {
                    self.check_len(n + 1)?;
                }
                self.alloc(16)?;
                l.borrow_mut().push(x);
                Ok(Value::None)
            }
            "extend" => {
                let Some(it) = args.first() else {
                    return type_err("list.extend() takes exactly one argument (0 given)");
                };
                let items = self.iterate(it)?;
                let n = l.borrow().len() + items.len();
                self.check_len(n)?;
                l.borrow_mut().extend(items);
                Ok(Value::None)
            }
            "insert" => {
                if args.len() != 2 {
                    return type_err(format!("insert expected 2 arguments, got {}", args.len()));
                }
                let i = as_int(&args[0]).ok_or_else(|| {
                    Fault::Exc(Exception::new(
                        ExcKind::TypeError,
                        "'str' object cannot be interpreted as an integer",
                    ))
                })?;
                let n = l.borrow().len() as i64;
                self.check_len(n as usize + 1)?;
                let pos = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
                l.borrow_mut().insert(pos, args[1].clone());
                Ok(Value::None)
            }
            "remove" => {
                let x = args.first().cloned().unwrap_or(Value::None);
                let items = l.borrow().clone();
                // Each comparison is work even when it is one step.
                self.fuel(items.len() as u64 / 4)?;
                for (i, it) in items.iter().enumerate() {
                    if self.eq(it, &x)? {
                        l.borrow_mut().remove(i);
                        return Ok(Value::None);
                    }
                }
                value_err("list.remove(x): x not in list")
            }
            "pop" => {
                let n = l.borrow().len();
                if n == 0 {
                    return exc(ExcKind::IndexError, "pop from empty list");
                }
                let i = match args.first() {
                    Some(v) => as_int(v).unwrap_or(-1),
                    None => -1,
                };
                match norm_index(i, n) {
                    Some(i) => Ok(l.borrow_mut().remove(i)),
                    None => exc(ExcKind::IndexError, "pop index out of range"),
                }
            }
            "index" => {
                let x = args.first().cloned().unwrap_or(Value::None);
                let items = l.borrow().clone();
                let len = items.len() as i64;
                let start = args
                    .get(1)
                    .and_then(as_int)
                    .map(|i| if i < 0 { (i + len).max(0) } else { i })
                    .unwrap_or(0) as usize;
                let end = args
                    .get(2)
                    .and_then(as_int)
                    .map(|i| if i < 0 { (i + len).max(0) } else { i.min(len) })
                    .unwrap_or(len) as usize;
                // Each comparison is work even when it is one step.
                self.fuel(items.len() as u64 / 4)?;
                for (i, it) in items.iter().enumerate().take(end).skip(start) {
                    if self.eq(it, &x)? {
                        return Ok(Value::Int(i as i64));
                    }
                }
                let r = self.repr(&x)?;
                value_err(format!("{r} is not in list"))
            }
            "count" => {
                let x = args.first().cloned().unwrap_or(Value::None);
                let items = l.borrow().clone();
                let mut n = 0;
                // Each comparison is work even when it is one step.
                self.fuel(items.len() as u64 / 4)?;
                for it in items.iter() {
                    if self.eq(it, &x)? {
                        n += 1;
                    }
                }
                Ok(Value::Int(n))
            }
            "sort" => {
                if !args.is_empty() {
                    return type_err("sort() takes no positional arguments");
                }
                let mut items = l.borrow().clone();
                let key = kw(&kwargs, "key").cloned();
                let reverse = kw(&kwargs, "reverse").is_some_and(|v| v.truthy());
                self.sort_values(&mut items, key.as_ref(), reverse)?;
                *l.borrow_mut() = items;
                Ok(Value::None)
            }
            "reverse" => {
                l.borrow_mut().reverse();
                Ok(Value::None)
            }
            "clear" => {
                l.borrow_mut().clear();
                Ok(Value::None)
            }
            "copy" => {
                let v = l.borrow().clone();
                self.check_len(v.len())?;
                Ok(Value::list(v))
            }
            _ => self.no_attr(recv, name),
        }
    }

    fn dict_method(
        &mut self,
        recv: &Value,
        d: &Rc<RefCell<Dict>>,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        match name {
            "get" => {
                if args.is_empty() || args.len() > 2 {
                    return type_err(format!(
                        "get expected at least 1 argument, got {}",
                        args.len()
                    ));
                }
                let k = self.key(args[0].clone())?;
                Ok(d.borrow()
                    .map
                    .get(&k)
                    .cloned()
                    .unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None)))
            }
            "keys" => Ok(Value::Native(Rc::new(Native::DictView(0, d.clone())))),
            "values" => Ok(Value::Native(Rc::new(Native::DictView(1, d.clone())))),
            "items" => Ok(Value::Native(Rc::new(Native::DictView(2, d.clone())))),
            "pop" => {
                let Some(k0) = args.first() else {
                    return type_err("pop expected at least 1 argument, got 0");
                };
                let k = self.key(k0.clone())?;
                let r = d.borrow_mut().map.shift_remove(&k);
                match r {
                    Some(v) => Ok(v),
                    None => match args.get(1) {
                        Some(dv) => Ok(dv.clone()),
                        None => Err(Fault::Exc(Exception::with_args(
                            ExcKind::KeyError,
                            vec![k0.clone()],
                        ))),
                    },
                }
            }
            "popitem" => {
                let last = args.first().or_else(|| kw(&kwargs, "last")).is_none_or(|v| v.truthy());
                let r = if last {
                    d.borrow_mut().map.pop()
                } else {
                    d.borrow_mut().map.shift_remove_index(0)
                };
                match r {
                    Some((k, v)) => Ok(Value::tuple(vec![k.0, v])),
                    None => exc(ExcKind::KeyError, "popitem(): dictionary is empty"),
                }
            }
            "setdefault" => {
                let Some(k0) = args.first() else {
                    return type_err("setdefault expected at least 1 argument, got 0");
                };
                let k = self.key(k0.clone())?;
                if let Some(v) = d.borrow().map.get(&k) {
                    return Ok(v.clone());
                }
                let v = args.get(1).cloned().unwrap_or(Value::None);
                self.alloc(48)?;
                d.borrow_mut().map.insert(k, v.clone());
                Ok(v)
            }
            "update" => {
                let is_counter = matches!(d.borrow().kind, DictKind::Counter);
                if let Some(src) = args.first() {
                    if is_counter {
                        self.counter_update(recv, src, 1)?;
                    } else {
                        self.dict_update(recv, src)?;
                    }
                }
                for (k, v) in kwargs {
                    d.borrow_mut().map.insert(Key(Value::str(k.as_str())), v);
                }
                Ok(Value::None)
            }
            "subtract" => {
                if let Some(src) = args.first() {
                    self.counter_update(recv, src, -1)?;
                }
                Ok(Value::None)
            }
            "clear" => {
                d.borrow_mut().map.clear();
                Ok(Value::None)
            }
            "copy" => {
                let c = Dict { map: d.borrow().map.clone(), kind: d.borrow().kind.clone() };
                self.check_len(c.map.len())?;
                Ok(Value::dict(c))
            }
            "most_common" => {
                let mut items: Vec<(Value, Value)> =
                    d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
                let mut err = None;
                // Stable sort by count, descending (ties keep insertion order, as CPython).
                items.sort_by(|a, b| {
                    match (crate::vm::ops::as_float(&a.1), crate::vm::ops::as_float(&b.1)) {
                        (Some(x), Some(y)) => {
                            y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal)
                        }
                        _ => {
                            err = Some(());
                            std::cmp::Ordering::Equal
                        }
                    }
                });
                if err.is_some() {
                    return type_err("'<' not supported between counts");
                }
                let n = match args.first() {
                    Some(Value::None) | None => items.len(),
                    Some(v) => as_int(v).unwrap_or(0).max(0) as usize,
                };
                Ok(Value::list(
                    items.into_iter().take(n).map(|(k, v)| Value::tuple(vec![k, v])).collect(),
                ))
            }
            "elements" => {
                // Sum the counts (checked) and charge the total before
                // expanding: Counter({'a': 10**12}) is tiny.
                let total = d.borrow().map.values().try_fold(0usize, |acc, v| {
                    acc.checked_add(as_int(v).unwrap_or(0).max(0) as usize)
                });
                self.check_len(total.unwrap_or(usize::MAX))?;
                let mut out = Vec::with_capacity(total.unwrap_or(0));
                for (k, v) in d.borrow().map.iter() {
                    let n = as_int(v).unwrap_or(0).max(0) as usize;
                    out.extend(std::iter::repeat_n(k.0.clone(), n));
                }
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out.into())))))
            }
            "total" => {
                let vals: Vec<Value> = d.borrow().map.values().cloned().collect();
                let mut acc = Value::Int(0);
                for v in vals {
                    acc = self.binary(rlm_syntax::ast::BinOp::Add, &acc, &v)?;
                }
                Ok(acc)
            }
            "move_to_end" => {
                let Some(k0) = args.first() else {
                    return type_err("move_to_end expected 1 argument");
                };
                let last = args.get(1).or_else(|| kw(&kwargs, "last")).is_none_or(|v| v.truthy());
                let k = self.key(k0.clone())?;
                let mut dm = d.borrow_mut();
                let Some(idx) = dm.map.get_index_of(&k) else {
                    return Err(Fault::Exc(Exception::with_args(
                        ExcKind::KeyError,
                        vec![k0.clone()],
                    )));
                };
                let n = dm.map.len();
                if last {
                    dm.map.move_index(idx, n - 1)
                } else {
                    dm.map.move_index(idx, 0)
                }
                Ok(Value::None)
            }
            "fromkeys" => self.call_method(&Value::Type(Ty::Dict), name, args, kwargs),
            _ => self.no_attr(recv, name),
        }
    }

    fn set_method(&mut self, recv: &Value, name: &str, args: Vec<Value>) -> R<Value> {
        let as_set = |vm: &mut Vm, v: &Value| -> R<KeySet> {
            match crate::vm::ops::set_items(v) {
                Some(s) => Ok(s),
                None => {
                    let mut s = KeySet::default();
                    for x in vm.iterate(v)? {
                        s.insert(vm.key(x)?);
                    }
                    Ok(s)
                }
            }
        };
        let mine = crate::vm::ops::set_items(recv).unwrap_or_default();
        let mutable = match recv {
            Value::Set(s) => Some(s.clone()),
            _ => None,
        };
        match name {
            "add" => {
                let x = args.into_iter().next().unwrap_or(Value::None);
                let k = self.key(x)?;
                if let Some(s) = mutable {
                    let n = s.borrow().len();
                    if n >= self.limits.max_collection_len {
                        self.check_len(n + 1)?;
                    }
                    self.alloc(32)?;
                    s.borrow_mut().insert(k);
                }
                Ok(Value::None)
            }
            "remove" | "discard" => {
                let x = args.into_iter().next().unwrap_or(Value::None);
                let k = self.key(x.clone())?;
                let removed = mutable.map(|s| s.borrow_mut().shift_remove(&k)).unwrap_or(false);
                if !removed && name == "remove" {
                    return Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![x])));
                }
                Ok(Value::None)
            }
            "pop" => {
                let r = mutable.and_then(|s| s.borrow_mut().shift_remove_index(0));
                match r {
                    Some(k) => Ok(k.0),
                    None => exc(ExcKind::KeyError, "pop from an empty set"),
                }
            }
            "clear" => {
                if let Some(s) = mutable {
                    s.borrow_mut().clear();
                }
                Ok(Value::None)
            }
            "copy" => Ok(match recv {
                Value::Set(_) => Value::new_set(mine),
                other => other.clone(),
            }),
            "union" | "intersection" | "difference" | "symmetric_difference" => {
                let mut acc = mine;
                for a in &args {
                    let o = as_set(self, a)?;
                    // Every element of both sides is copied or hashed.
                    self.fuel((acc.len() + o.len()) as u64)?;
                    acc = match name {
                        "union" => acc.into_iter().chain(o).collect(),
                        "intersection" => acc.into_iter().filter(|k| o.contains(k)).collect(),
                        "difference" => acc.into_iter().filter(|k| !o.contains(k)).collect(),
                        _ => {
                            let left: Vec<Key> =
                                acc.iter().filter(|k| !o.contains(*k)).cloned().collect();
                            let right: Vec<Key> =
                                o.iter().filter(|k| !acc.contains(*k)).cloned().collect();
                            left.into_iter().chain(right).collect()
                        }
                    };
                }
                self.check_len(acc.len())?;
                Ok(match recv {
                    Value::FrozenSet(_) => Value::FrozenSet(Rc::new(acc)),
                    _ => Value::new_set(acc),
                })
            }
            "update"
            | "intersection_update"
            | "difference_update"
            | "symmetric_difference_update" => {
                let base = name.trim_end_matches("_update");
                let base = if base == "update" { "union" } else { base };
                let r = self.set_method(recv, base, args)?;
                if let (Some(s), Value::Set(r)) = (mutable, r) {
                    let new = r.borrow().clone();
                    *s.borrow_mut() = new;
                }
                Ok(Value::None)
            }
            "issubset" | "issuperset" | "isdisjoint" => {
                let Some(a) = args.first() else {
                    return type_err(format!("{name}() takes exactly one argument"));
                };
                let o = as_set(self, a)?;
                self.fuel((mine.len() + o.len()) as u64)?;
                Ok(Value::Bool(match name {
                    "issubset" => mine.iter().all(|k| o.contains(k)),
                    "issuperset" => o.iter().all(|k| mine.contains(k)),
                    _ => !mine.iter().any(|k| o.contains(k)),
                }))
            }
            _ => self.no_attr(recv, name),
        }
    }

    fn deque_method(
        &mut self,
        recv: &Value,
        d: &Rc<DequeObj>,
        name: &str,
        args: Vec<Value>,
    ) -> R<Value> {
        let arg0 = args.first().cloned();
        match name {
            "append" | "appendleft" => {
                let x = arg0.unwrap_or(Value::None);
                let n = d.borrow().len();
                self.check_len(n + 1)?;
                push_bounded(d, x, name == "append");
                Ok(Value::None)
            }
            "pop" | "popleft" => {
                let r = if name == "pop" {
                    d.borrow_mut().pop_back()
                } else {
                    d.borrow_mut().pop_front()
                };
                match r {
                    Some(v) => Ok(v),
                    None => exc(ExcKind::IndexError, "pop from an empty deque"),
                }
            }
            "extend" | "extendleft" => {
                let items = self.iterate(&arg0.unwrap_or(Value::None))?;
                let n = d.borrow().len() + items.len();
                self.check_len(n)?;
                for x in items {
                    push_bounded(d, x, name == "extend");
                }
                Ok(Value::None)
            }
            "clear" => {
                d.borrow_mut().clear();
                Ok(Value::None)
            }
            "rotate" => {
                let n = arg0.as_ref().and_then(as_int).unwrap_or(1);
                let mut dm = d.borrow_mut();
                let len = dm.len() as i64;
                if len > 0 {
                    let k = n.rem_euclid(len) as usize;
                    dm.rotate_right(k);
                }
                Ok(Value::None)
            }
            "reverse" => {
                let v: Vec<Value> = d.borrow().iter().rev().cloned().collect();
                *d.borrow_mut() = v.into();
                Ok(Value::None)
            }
            "copy" => {
                let d =
                    Rc::new(DequeObj { items: RefCell::new(d.borrow().clone()), maxlen: d.maxlen });
                crate::gc::track_deque(&d);
                Ok(Value::Deque(d))
            }
            "count" | "index" | "remove" => {
                let x = arg0.unwrap_or(Value::None);
                let items: Vec<Value> = d.borrow().iter().cloned().collect();
                let mut n = 0;
                // Each comparison is work even when it is one step.
                self.fuel(items.len() as u64 / 4)?;
                for (i, it) in items.iter().enumerate() {
                    if self.eq(it, &x)? {
                        if name == "index" {
                            return Ok(Value::Int(i as i64));
                        }
                        if name == "remove" {
                            d.borrow_mut().remove(i);
                            return Ok(Value::None);
                        }
                        n += 1;
                    }
                }
                match name {
                    "count" => Ok(Value::Int(n)),
                    "index" => {
                        let r = self.repr(&x)?;
                        value_err(format!("{r} is not in deque"))
                    }
                    _ => value_err("deque.remove(x): x not in deque"),
                }
            }
            _ => self.no_attr(recv, name),
        }
    }
}

#[cfg(test)]
mod arity_tests {
    use super::*;

    /// Every generated arity row names a method the DSL really has on that
    /// receiver (else a wrong count would hide an AttributeError).
    #[test]
    fn arity_table_names_existing_methods() {
        let sample = |ty: &str| -> Value {
            let dict = |kind| Value::dict(Dict { map: Map::default(), kind });
            match ty {
                "str" => Value::str("a"),
                "list" => Value::list(vec![]),
                "dict" => dict(DictKind::Plain),
                "Counter" => dict(DictKind::Counter),
                "OrderedDict" => dict(DictKind::Ordered),
                "defaultdict" => dict(DictKind::Default(Value::None)),
                "tuple" => Value::tuple(vec![]),
                "int" => Value::Int(1),
                "float" => Value::Float(1.0),
                "range" => Value::Range(Rc::new((0, 1, 1))),
                _ => Value::None,
            }
        };
        let keyword_rows =
            crate::types::method_arity::METHOD_KEYWORDS.iter().map(|(t, m, ..)| (t, m));
        let arity_rows = crate::types::method_arity::METHOD_ARITY.iter().map(|(t, m, _)| (t, m));
        for (ty, m) in arity_rows.chain(keyword_rows) {
            let v = sample(ty);
            if matches!(v, Value::None) {
                continue;
            }
            assert!(has_method(&v, m), "{ty}.{m} is in the arity table but not a DSL method");
        }
        let sorted = crate::types::method_arity::METHOD_ARITY
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        assert!(sorted, "the arity table must be sorted for binary search");
        let sorted = crate::types::method_arity::METHOD_KEYWORDS
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        assert!(sorted, "the keyword table must be sorted for binary search");
    }
}
