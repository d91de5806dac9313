//! The importable modules (`re` lives in `re_mod`): json, math, collections,
//! itertools, functools, string, textwrap, asyncio, datetime. Also the
//! attributes, methods and reprs of their native objects.

pub(crate) mod re;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use indexmap::IndexMap;
use rlm_syntax::ast::BinOp;
use smol_str::SmolStr;

use crate::builtins::{Kwargs, kw};
use crate::value::*;
use crate::vm::ops::{as_float, as_int};
use crate::vm::{Fault, R, Vm, exc, type_err, value_err};

pub const AVAILABLE: &[&str] = &[
    "re",
    "json",
    "math",
    "collections",
    "itertools",
    "functools",
    "string",
    "textwrap",
    "asyncio",
    "datetime",
];

fn f(module: &'static str, name: &'static str) -> Value {
    Value::Builtin(Rc::new(BuiltinFn { module, name: SmolStr::new_static(name) }))
}

fn module(name: &'static str, attrs: Vec<(&'static str, Value)>) -> Value {
    Value::Module(Rc::new(Module { name, attrs: attrs.into_iter().collect::<IndexMap<_, _>>() }))
}

fn funcs(m: &'static str, names: &[&'static str]) -> Vec<(&'static str, Value)> {
    names.iter().map(|n| (*n, f(m, n))).collect()
}

fn build_module(name: &str) -> Option<Value> {
    Some(match name {
        "re" => module("re", crate::modules::re::module_attrs()),
        "json" => {
            let mut a = funcs("json", &["dumps", "loads"]);
            a.push(("JSONDecodeError", Value::Type(Ty::Exc(ExcKind::JSONDecodeError))));
            module("json", a)
        }
        "math" => {
            let mut a = funcs(
                "math",
                &[
                    "sqrt",
                    "floor",
                    "ceil",
                    "log",
                    "log2",
                    "log10",
                    "log1p",
                    "exp",
                    "pow",
                    "fabs",
                    "isnan",
                    "isinf",
                    "isfinite",
                    "gcd",
                    "lcm",
                    "factorial",
                    "comb",
                    "perm",
                    "trunc",
                    "sin",
                    "cos",
                    "tan",
                    "asin",
                    "acos",
                    "atan",
                    "atan2",
                    "hypot",
                    "prod",
                    "fsum",
                    "isclose",
                    "copysign",
                    "degrees",
                    "radians",
                    "modf",
                    "dist",
                    "isqrt",
                    "expm1",
                    "sinh",
                    "cosh",
                    "tanh",
                    "fmod",
                    "remainder",
                    "frexp",
                    "ldexp",
                ],
            );
            a.extend([
                ("pi", Value::Float(std::f64::consts::PI)),
                ("e", Value::Float(std::f64::consts::E)),
                ("tau", Value::Float(std::f64::consts::TAU)),
                ("inf", Value::Float(f64::INFINITY)),
                ("nan", Value::Float(f64::NAN)),
            ]);
            module("math", a)
        }
        "collections" => module(
            "collections",
            vec![
                ("Counter", Value::Type(Ty::Counter)),
                ("defaultdict", Value::Type(Ty::DefaultDict)),
                ("OrderedDict", Value::Type(Ty::OrderedDict)),
                ("deque", Value::Type(Ty::Deque)),
                ("namedtuple", f("collections", "namedtuple")),
            ],
        ),
        "itertools" => module(
            "itertools",
            funcs(
                "itertools",
                &[
                    "chain",
                    "islice",
                    "groupby",
                    "combinations",
                    "combinations_with_replacement",
                    "permutations",
                    "product",
                    "accumulate",
                    "count",
                    "cycle",
                    "repeat",
                    "zip_longest",
                    "takewhile",
                    "dropwhile",
                    "starmap",
                    "pairwise",
                    "compress",
                    "filterfalse",
                    "tee",
                    "from_iterable",
                ],
            ),
        ),
        "functools" => {
            module("functools", funcs("functools", &["reduce", "partial", "cmp_to_key"]))
        }
        "string" => {
            let mut a: Vec<(&'static str, Value)> = vec![
                (
                    "ascii_letters",
                    Value::str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                ),
                ("ascii_lowercase", Value::str("abcdefghijklmnopqrstuvwxyz")),
                ("ascii_uppercase", Value::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
                ("digits", Value::str("0123456789")),
                ("hexdigits", Value::str("0123456789abcdefABCDEF")),
                ("octdigits", Value::str("01234567")),
                ("punctuation", Value::str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
                ("whitespace", Value::str(" \t\n\r\x0b\x0c")),
                (
                    "printable",
                    Value::str(
                        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c",
                    ),
                ),
            ];
            a.extend(funcs("string", &["capwords"]));
            module("string", a)
        }
        "textwrap" => {
            module("textwrap", funcs("textwrap", &["wrap", "fill", "dedent", "indent", "shorten"]))
        }
        "asyncio" => module(
            "asyncio",
            funcs(
                "asyncio",
                &["gather", "run", "sleep", "create_task", "wait_for", "ensure_future"],
            ),
        ),
        "datetime" => module(
            "datetime",
            vec![
                ("datetime", Value::Type(Ty::Other("datetime"))),
                ("date", Value::Type(Ty::Other("date"))),
                ("time", Value::Type(Ty::Other("time"))),
                ("timedelta", Value::Type(Ty::Other("timedelta"))),
            ],
        ),
        _ => return None,
    })
}

impl Vm {
    pub(crate) fn import(&mut self, name: &str) -> R<Value> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        let key = AVAILABLE.iter().find(|n| **n == name);
        match (key, build_module(name)) {
            (Some(k), Some(m)) => {
                self.modules.insert(k, m.clone());
                Ok(m)
            }
            _ => exc(
                ExcKind::ModuleNotFoundError,
                format!(
                    "No module named '{name}' (not available in this sandbox; available modules: {})",
                    AVAILABLE.join(", ")
                ),
            ),
        }
    }
}

pub(crate) fn call_module_fn(
    vm: &mut Vm,
    m: &str,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match m {
        "re" => vm.re_call(name, None, args, kwargs),
        "json" => json_fn(vm, name, args, kwargs),
        "math" => math_fn(vm, name, args, kwargs),
        "itertools" => itertools_fn(vm, name, args, kwargs),
        "functools" => functools_fn(vm, name, args, kwargs),
        "string" => {
            let Some(Value::Str(s)) = args.first() else {
                return type_err("capwords() argument must be str");
            };
            if let Some(Value::Str(sep)) = args.get(1).or_else(|| kw(&kwargs, "sep")) {
                let parts: Vec<String> = s
                    .as_str()
                    .split(sep.as_str())
                    .map(|w| {
                        let mut c = w.chars();
                        match c.next() {
                            Some(f) => {
                                f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                            }
                            None => String::new(),
                        }
                    })
                    .collect();
                return Ok(Value::str(parts.join(sep.as_str())));
            }
            let words: Vec<String> = crate::types::split_whitespace(s.as_str(), -1)
                .into_iter()
                .map(|w| {
                    let mut c = w.chars();
                    match c.next() {
                        Some(f) => {
                            f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                        }
                        None => String::new(),
                    }
                })
                .collect();
            Ok(Value::str(words.join(" ")))
        }
        "textwrap" => textwrap_fn(vm, name, args, kwargs),
        "asyncio" => match name {
            "gather" => {
                let re = kw(&kwargs, "return_exceptions").is_some_and(|v| v.truthy());
                Ok(Value::Gather(Rc::new(Gather { items: args, return_exceptions: re })))
            }
            "sleep" => {
                Ok(Value::Gather(Rc::new(Gather { items: Vec::new(), return_exceptions: false })))
            }
            "create_task" | "ensure_future" | "wait_for" => {
                Ok(args.into_iter().next().unwrap_or(Value::None))
            }
            "run" => exc(
                ExcKind::RuntimeError,
                "asyncio.run() is not needed here: the cell already runs in an event loop; write `await main()` instead",
            ),
            _ => {
                exc(ExcKind::AttributeError, format!("module 'asyncio' has no attribute '{name}'"))
            }
        },
        "collections" => exc(
            ExcKind::NotImplementedError,
            "namedtuple defines a class, and classes are not available here; use a dict or a tuple",
        ),
        "datetime" => datetime_fn(vm, name, args, kwargs),
        _ => exc(ExcKind::AttributeError, format!("module '{m}' has no attribute '{name}'")),
    }
}

// ------------------------------------------------------------------ json

fn json_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    match name {
        "dumps" => {
            let Some(v) = args.first() else {
                return type_err("dumps() missing 1 required positional argument: 'obj'");
            };
            let indent = match kw(&kwargs, "indent") {
                None | Some(Value::None) => None,
                Some(Value::Str(s)) => Some(s.as_str().to_string()),
                Some(v) => {
                    let n = as_int(v).unwrap_or(0).max(0) as usize;
                    if n > vm.limits.max_str_len {
                        vm.check_str_len(n)?;
                    }
                    Some(" ".repeat(n))
                }
            };
            let ensure_ascii = kw(&kwargs, "ensure_ascii").is_none_or(|v| v.truthy());
            let sort_keys = kw(&kwargs, "sort_keys").is_some_and(|v| v.truthy());
            let (item_sep, key_sep) = match kw(&kwargs, "separators") {
                Some(Value::Tuple(t)) if t.len() == 2 => (
                    t[0].as_str().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    t[1].as_str().map(|s| s.as_str().to_string()).unwrap_or_default(),
                ),
                _ => (
                    if indent.is_some() { ",".to_string() } else { ", ".to_string() },
                    ": ".to_string(),
                ),
            };
            let default = kw(&kwargs, "default").cloned();
            let opts = JsonOpts {
                indent,
                ensure_ascii,
                sort_keys,
                item_sep,
                key_sep,
                default,
                seen: RefCell::new(Vec::new()),
            };
            let mut out = String::new();
            json_dump(vm, v, &opts, 0, &mut out)?;
            Ok(Value::str(out))
        }
        "loads" => {
            let Some(Value::Str(s)) = args.first() else {
                return type_err(format!(
                    "the JSON object must be str, bytes or bytearray, not {}",
                    args.first().map(|v| v.type_name()).unwrap_or("NoneType")
                ));
            };
            vm.fuel(s.byte_len() as u64 / 16)?;
            let mut p = JsonParser { s: s.as_str(), i: 0, depth: 0 };
            let v = p.value(vm)?;
            p.ws();
            if p.i < p.s.len() {
                return p.err("Extra data");
            }
            Ok(v)
        }
        _ => exc(ExcKind::AttributeError, format!("module 'json' has no attribute '{name}'")),
    }
}

struct JsonOpts {
    indent: Option<String>,
    ensure_ascii: bool,
    sort_keys: bool,
    item_sep: String,
    key_sep: String,
    default: Option<Value>,
    /// Containers being serialised (for "Circular reference detected").
    seen: RefCell<Vec<usize>>,
}

fn json_str(s: &str, ensure_ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_dump(vm: &mut Vm, v: &Value, o: &JsonOpts, depth: usize, out: &mut String) -> R<()> {
    if depth > vm.limits.max_nesting {
        return Err(vm.nesting_err());
    }
    if out.len() > vm.limits.max_str_len {
        vm.check_str_len(out.len())?;
    }
    vm.fuel(1)?;
    // A newline plus `d` indents, held to the string cap before it is
    // written (an indent near the cap times the depth would overshoot it).
    let nl = |vm: &mut Vm, out: &mut String, d: usize| -> R<()> {
        if let Some(ind) = &o.indent {
            let grown = out.len().saturating_add(1).saturating_add(ind.len().saturating_mul(d));
            if grown > vm.limits.max_str_len {
                vm.check_str_len(grown)?;
            }
            out.push('\n');
            for _ in 0..d {
                out.push_str(ind);
            }
        }
        Ok(())
    };
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("NaN")
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            } else {
                out.push_str(&crate::format::float_repr(*f))
            }
        }
        Value::Str(s) => json_str(s.as_str(), o.ensure_ascii, out),
        Value::List(l) if o.seen.borrow().contains(&(Rc::as_ptr(l) as *const u8 as usize)) => {
            return value_err("Circular reference detected");
        }
        Value::Dict(d) if o.seen.borrow().contains(&(Rc::as_ptr(d) as *const u8 as usize)) => {
            return value_err("Circular reference detected");
        }
        Value::List(_) | Value::Tuple(_) => {
            let ptr = match v {
                Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                _ => 0,
            };
            o.seen.borrow_mut().push(ptr);
            let items = vm.iterate(v)?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(vm, out, depth + 1)?;
                json_dump(vm, x, o, depth + 1, out)?;
            }
            nl(vm, out, depth)?;
            out.push(']');
            o.seen.borrow_mut().pop();
        }
        Value::Dict(d) => {
            let mut items: Vec<(Value, Value)> =
                d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            o.seen.borrow_mut().push(Rc::as_ptr(d) as *const u8 as usize);
            if o.sort_keys {
                let mut keys: Vec<Value> = items.iter().map(|(k, _)| k.clone()).collect();
                vm.sort_values(&mut keys, None, false)?;
                let mut sorted = Vec::new();
                for k in keys {
                    if let Some(p) =
                        items.iter().position(|(x, _)| crate::vm::ops::eq_shallow(x, &k))
                    {
                        sorted.push(items.remove(p));
                    }
                }
                items = sorted;
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(vm, out, depth + 1)?;
                let ks = match k {
                    Value::Str(s) => s.as_str().to_string(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => crate::format::float_repr(*f),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                    Value::None => "null".to_string(),
                    other => {
                        return type_err(format!(
                            "keys must be str, int, float, bool or None, not {}",
                            other.type_name()
                        ));
                    }
                };
                json_str(&ks, o.ensure_ascii, out);
                out.push_str(&o.key_sep);
                json_dump(vm, x, o, depth + 1, out)?;
            }
            nl(vm, out, depth)?;
            out.push('}');
            o.seen.borrow_mut().pop();
        }
        other => match &o.default {
            Some(d) => {
                let r = vm.call_value(d, vec![other.clone()], Vec::new())?;
                json_dump(vm, &r, o, depth + 1, out)?;
            }
            None => {
                return type_err(format!(
                    "Object of type {} is not JSON serializable",
                    other.type_name()
                ));
            }
        },
    }
    Ok(())
}

struct JsonParser<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

impl JsonParser<'_> {
    fn err<T>(&self, msg: &str) -> R<T> {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
        let charpos = before.chars().count();
        let col_chars = before[before.rfind('\n').map_or(0, |p| p + 1)..].chars().count() + 1;
        let _ = col;
        exc(
            ExcKind::JSONDecodeError,
            format!("{msg}: line {line} column {col_chars} (char {charpos})"),
        )
    }

    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && matches!(b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, vm: &mut Vm) -> R<Value> {
        self.ws();
        self.depth += 1;
        if self.depth > vm.limits.max_nesting {
            return Err(vm.nesting_err());
        }
        let b = self.s.as_bytes();
        let r = match b.get(self.i) {
            None => self.err("Expecting value"),
            Some(b'{') => {
                self.i += 1;
                let mut d = Dict::new();
                self.ws();
                if b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if b.get(self.i) != Some(&b'"') {
                            return self.err("Expecting property name enclosed in double quotes");
                        }
                        let k = self.string()?;
                        self.ws();
                        if b.get(self.i) != Some(&b':') {
                            return self.err("Expecting ':' delimiter");
                        }
                        self.i += 1;
                        let v = self.value(vm)?;
                        vm.alloc(48)?;
                        d.map.insert(Key(Value::str(k)), v);
                        self.ws();
                        match b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("Expecting ',' delimiter"),
                        }
                    }
                }
                Ok(Value::dict(d))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(vm)?);
                        vm.alloc(16)?;
                        self.ws();
                        match b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("Expecting ',' delimiter"),
                        }
                    }
                }
                Ok(Value::list(items))
            }
            Some(b'"') => Ok(Value::str(self.string()?)),
            Some(b't') if self.s[self.i..].starts_with("true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with("false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with("null") => {
                self.i += 4;
                Ok(Value::None)
            }
            Some(b'N') if self.s[self.i..].starts_with("NaN") => {
                self.i += 3;
                Ok(Value::Float(f64::NAN))
            }
            Some(b'I') if self.s[self.i..].starts_with("Infinity") => {
                self.i += 8;
                Ok(Value::Float(f64::INFINITY))
            }
            Some(b'-') if self.s[self.i..].starts_with("-Infinity") => {
                self.i += 9;
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                if b[self.i] == b'-' {
                    self.i += 1;
                }
                if !b.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                    self.i = start;
                    return self.err("Expecting value");
                }
                while self.i < b.len() && b[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                let mut is_float = false;
                if self.i < b.len()
                    && b[self.i] == b'.'
                    && b.get(self.i + 1).is_some_and(|c| c.is_ascii_digit())
                {
                    is_float = true;
                    self.i += 1;
                    while self.i < b.len() && b[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                }
                if self.i < b.len() && (b[self.i] == b'e' || b[self.i] == b'E') {
                    let save = self.i;
                    self.i += 1;
                    if self.i < b.len() && (b[self.i] == b'+' || b[self.i] == b'-') {
                        self.i += 1;
                    }
                    if b.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                        is_float = true;
                        while self.i < b.len() && b[self.i].is_ascii_digit() {
                            self.i += 1;
                        }
                    } else {
                        self.i = save;
                    }
                }
                let t = &self.s[start..self.i];
                if is_float {
                    Ok(Value::Float(t.parse().unwrap_or(0.0)))
                } else {
                    match t.parse::<i64>() {
                        Ok(i) => Ok(Value::Int(i)),
                        Err(_) => Ok(Value::Float(t.parse().unwrap_or(0.0))),
                    }
                }
            }
            Some(_) => self.err("Expecting value"),
        };
        self.depth -= 1;
        r
    }

    fn string(&mut self) -> R<String> {
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.s[self.i..].chars().next() else {
                self.i = start;
                return self.err("Unterminated string starting at");
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.s[self.i..].chars().next() else {
                        self.i = start;
                        return self.err("Unterminated string starting at");
                    };
                    self.i += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\x08'),
                        'f' => out.push('\x0c'),
                        '/' => out.push('/'),
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        'u' => {
                            let hex = self.s.get(self.i..self.i + 4).unwrap_or("");
                            let Ok(mut cp) = u32::from_str_radix(hex, 16) else {
                                self.i -= 2;
                                return self.err("Invalid \\uXXXX escape");
                            };
                            self.i += 4;
                            if (0xd800..0xdc00).contains(&cp) && self.s[self.i..].starts_with("\\u")
                            {
                                if let Ok(lo) = u32::from_str_radix(
                                    self.s.get(self.i + 2..self.i + 6).unwrap_or(""),
                                    16,
                                ) {
                                    if (0xdc00..0xe000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                        self.i += 6;
                                    }
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 2;
                            return self.err("Invalid \\escape");
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    self.i -= 1;
                    return self.err("Invalid control character at");
                }
                c => out.push(c),
            }
        }
    }
}

// ------------------------------------------------------------------ math

fn num(v: Option<&Value>) -> R<f64> {
    match v.and_then(as_float) {
        Some(f) => Ok(f),
        None => type_err(format!(
            "must be real number, not {}",
            v.map(|v| v.type_name()).unwrap_or("nothing")
        )),
    }
}

fn domain<T>() -> R<T> {
    value_err("math domain error")
}

fn math_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let a0 = args.first();
    let x = || num(a0);
    let fl = |v: f64| Ok(Value::Float(v));
    match name {
        "sqrt" => {
            let x = x()?;
            if x < 0.0 { domain() } else { fl(x.sqrt()) }
        }
        "floor" | "ceil" | "trunc" => {
            if let Some(i) = a0.and_then(as_int) {
                return Ok(Value::Int(i));
            }
            let x = x()?;
            if !x.is_finite() {
                return exc(
                    if x.is_nan() { ExcKind::ValueError } else { ExcKind::OverflowError },
                    if x.is_nan() {
                        "cannot convert float NaN to integer"
                    } else {
                        "cannot convert float infinity to integer"
                    },
                );
            }
            let r = match name {
                "floor" => x.floor(),
                "ceil" => x.ceil(),
                _ => x.trunc(),
            };
            Ok(Value::Int(r as i64))
        }
        "log" => {
            let x = x()?;
            if x <= 0.0 {
                return domain();
            }
            match args.get(1) {
                Some(b) => {
                    let b = num(Some(b))?;
                    if b <= 0.0 || b == 1.0 {
                        return if b == 1.0 {
                            exc(ExcKind::ZeroDivisionError, "float division by zero")
                        } else {
                            domain()
                        };
                    }
                    fl(x.ln() / b.ln())
                }
                None => fl(x.ln()),
            }
        }
        "log2" | "log10" | "log1p" => {
            let x = x()?;
            if (name != "log1p" && x <= 0.0) || (name == "log1p" && x <= -1.0) {
                return domain();
            }
            fl(match name {
                "log2" => x.log2(),
                "log10" => x.log10(),
                _ => x.ln_1p(),
            })
        }
        "exp" => {
            let r = x()?.exp();
            if r.is_infinite() { exc(ExcKind::OverflowError, "math range error") } else { fl(r) }
        }
        "expm1" => fl(x()?.exp_m1()),
        "pow" => fl(x()?.powf(num(args.get(1))?)),
        "fabs" => fl(x()?.abs()),
        "isnan" => Ok(Value::Bool(x()?.is_nan())),
        "isinf" => Ok(Value::Bool(x()?.is_infinite())),
        "isfinite" => Ok(Value::Bool(x()?.is_finite())),
        "gcd" | "lcm" => {
            let mut acc: i64 = if name == "gcd" { 0 } else { 1 };
            for a in &args {
                let Some(v) = as_int(a) else {
                    return type_err(format!(
                        "'{}' object cannot be interpreted as an integer",
                        a.type_name()
                    ));
                };
                let g = gcd(acc, v);
                acc = if name == "gcd" {
                    g
                } else if v == 0 || acc == 0 {
                    0
                } else {
                    (acc / gcd(acc, v)).checked_mul(v.abs()).ok_or_else(|| {
                        Fault::Exc(Exception::new(ExcKind::OverflowError, "integer overflow"))
                    })?
                };
            }
            Ok(Value::Int(acc))
        }
        "factorial" => {
            let Some(n) = a0.and_then(as_int) else {
                return type_err("factorial() only accepts integral values");
            };
            if n < 0 {
                return value_err("factorial() not defined for negative values");
            }
            let mut acc: i64 = 1;
            for k in 2..=n {
                acc = acc.checked_mul(k).ok_or_else(|| {
                    Fault::Exc(Exception::new(
                        ExcKind::OverflowError,
                        "integer overflow: integers here are 64-bit",
                    ))
                })?;
            }
            Ok(Value::Int(acc))
        }
        "comb" | "perm" => {
            let (Some(n), k) = (a0.and_then(as_int), args.get(1).and_then(as_int)) else {
                return type_err("comb() arguments must be integers");
            };
            let k = k.unwrap_or(n);
            if n < 0 || k < 0 {
                return value_err("n must be a non-negative integer");
            }
            if k > n {
                return Ok(Value::Int(0));
            }
            let mut acc: i128 = 1;
            let kk = if name == "comb" { k.min(n - k) } else { k };
            for i in 0..kk {
                acc *= (n - i) as i128;
                if name == "comb" {
                    acc /= (i + 1) as i128;
                }
                if acc > i64::MAX as i128 {
                    return exc(
                        ExcKind::OverflowError,
                        "integer overflow: integers here are 64-bit",
                    );
                }
            }
            Ok(Value::Int(acc as i64))
        }
        "isqrt" => {
            let Some(n) = a0.and_then(as_int) else {
                return type_err("isqrt() argument must be an integer");
            };
            if n < 0 {
                return value_err("isqrt() argument must be nonnegative");
            }
            let mut r = (n as f64).sqrt() as i64;
            while r * r > n {
                r -= 1;
            }
            while (r + 1).checked_mul(r + 1).is_some_and(|s| s <= n) {
                r += 1;
            }
            Ok(Value::Int(r))
        }
        "sin" => fl(x()?.sin()),
        "cos" => fl(x()?.cos()),
        "tan" => fl(x()?.tan()),
        "asin" => fl(x()?.asin()),
        "acos" => fl(x()?.acos()),
        "atan" => fl(x()?.atan()),
        "sinh" => fl(x()?.sinh()),
        "cosh" => fl(x()?.cosh()),
        "tanh" => fl(x()?.tanh()),
        "atan2" => fl(x()?.atan2(num(args.get(1))?)),
        "hypot" => {
            let mut vals = Vec::with_capacity(args.len());
            for a in &args {
                vals.push(num(Some(a))?.abs());
            }
            if vals.len() == 2 {
                return fl(vals[0].hypot(vals[1]));
            }
            let max = vals.iter().cloned().fold(0.0f64, f64::max);
            if max == 0.0 || max.is_infinite() {
                return fl(max);
            }
            let sum: f64 = vals.iter().map(|v| (v / max) * (v / max)).sum();
            fl(sum.sqrt() * max)
        }
        "dist" => {
            let p = vm.iterate(a0.unwrap_or(&Value::None))?;
            let q = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut acc = 0.0f64;
            for (a, b) in p.iter().zip(q.iter()) {
                acc = acc.hypot(num(Some(a))? - num(Some(b))?);
            }
            fl(acc)
        }
        "prod" => {
            let items = vm.iterate(a0.unwrap_or(&Value::None))?;
            let mut acc = kw(&kwargs, "start").cloned().unwrap_or(Value::Int(1));
            for it in items {
                acc = vm.binary(BinOp::Mult, &acc, &it)?;
            }
            Ok(acc)
        }
        "fsum" => {
            let items = vm.iterate(a0.unwrap_or(&Value::None))?;
            // Neumaier summation (exactly rounded for typical inputs).
            let mut sum = 0.0f64;
            let mut c = 0.0f64;
            for it in items {
                let v = num(Some(&it))?;
                let t = sum + v;
                if sum.abs() >= v.abs() {
                    c += (sum - t) + v;
                } else {
                    c += (v - t) + sum;
                }
                sum = t;
            }
            fl(sum + c)
        }
        "isclose" => {
            let (a, b) = (x()?, num(args.get(1))?);
            let rel = kw(&kwargs, "rel_tol").and_then(as_float).unwrap_or(1e-9);
            let abs_tol = kw(&kwargs, "abs_tol").and_then(as_float).unwrap_or(0.0);
            Ok(Value::Bool(a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs_tol)))
        }
        "copysign" => fl(x()?.copysign(num(args.get(1))?)),
        "degrees" => fl(x()?.to_degrees()),
        "radians" => fl(x()?.to_radians()),
        "modf" => {
            let v = x()?;
            Ok(Value::tuple(vec![Value::Float(v.fract()), Value::Float(v.trunc())]))
        }
        "frexp" => {
            let v = x()?;
            if v == 0.0 || !v.is_finite() {
                return Ok(Value::tuple(vec![Value::Float(v), Value::Int(0)]));
            }
            let mut e = v.abs().log2().floor() as i64 + 1;
            let mut m = v / 2f64.powi(e as i32);
            if m.abs() >= 1.0 {
                m /= 2.0;
                e += 1;
            }
            if m.abs() < 0.5 {
                m *= 2.0;
                e -= 1;
            }
            Ok(Value::tuple(vec![Value::Float(m), Value::Int(e)]))
        }
        "ldexp" => {
            let e = args.get(1).and_then(as_int).unwrap_or(0);
            fl(x()? * 2f64.powi(e.clamp(-2000, 2000) as i32))
        }
        "fmod" => {
            let (a, b) = (x()?, num(args.get(1))?);
            if b == 0.0 { domain() } else { fl(a % b) }
        }
        "remainder" => {
            let (a, b) = (x()?, num(args.get(1))?);
            fl(a - (a / b).round_ties_even() * b)
        }
        _ => exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'")),
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a as i64
}

// ------------------------------------------------------------------ itertools

fn items_iter(v: Vec<Value>) -> Value {
    Value::Iter(Rc::new(RefCell::new(IterState::Items(v.into()))))
}

/// C(n, r), `None` when it does not fit in a u128.
fn binomial(n: usize, r: usize) -> Option<u128> {
    if r > n {
        return Some(0);
    }
    let r = r.min(n - r) as u128;
    let n = n as u128;
    let mut acc: u128 = 1;
    for i in 0..r {
        // acc * (n - i) is divisible by (i + 1) after the multiplication.
        acc = acc.checked_mul(n - i)? / (i + 1);
    }
    Some(acc)
}

/// n * (n-1) * ... * (n-r+1), `None` when it does not fit in a u128.
fn falling_factorial(n: usize, r: usize) -> Option<u128> {
    if r > n {
        return Some(0);
    }
    (0..r as u128).try_fold(1u128, |acc, i| acc.checked_mul(n as u128 - i))
}

/// Charge the collection cap, fuel and memory for `count` tuples of `width`
/// items before building them (`None`: too many to count).
fn charge_tuples(vm: &mut Vm, count: Option<u128>, width: usize) -> R<()> {
    let n = count.and_then(|c| usize::try_from(c).ok()).unwrap_or(usize::MAX);
    vm.check_len(n)?;
    let items = n.saturating_mul(width.max(1));
    vm.fuel(items as u64)?;
    // A tuple: its header plus 16 bytes per item (as `measure_live` counts).
    vm.alloc(n.saturating_mul(40).saturating_add(items.saturating_mul(16)))
}

fn itertools_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let cap = vm.limits.max_collection_len;
    match name {
        "chain" => {
            let mut out = Vec::new();
            for a in &args {
                out.extend(vm.iterate(a)?);
                vm.check_len(out.len())?;
            }
            Ok(items_iter(out))
        }
        "from_iterable" => {
            let outer = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let mut out = Vec::new();
            for a in &outer {
                out.extend(vm.iterate(a)?);
                vm.check_len(out.len())?;
            }
            Ok(items_iter(out))
        }
        "islice" => {
            let src = args.first().cloned().unwrap_or(Value::None);
            let ints: Vec<Option<i64>> = args[1.min(args.len())..].iter().map(as_int).collect();
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [a, b] => (a.unwrap_or(0), *b, 1),
                [a, b, c] => (a.unwrap_or(0), *b, c.unwrap_or(1)),
                _ => return type_err("islice expected 2 to 4 arguments"),
            };
            if start < 0 || stop.is_some_and(|s| s < 0) || step <= 0 {
                return value_err(
                    "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
                );
            }
            let it = vm.get_iter(src)?;
            let Value::Iter(it) = it else { return Ok(items_iter(Vec::new())) };
            let mut out = Vec::new();
            let mut i = 0i64;
            loop {
                if stop.is_some_and(|s| i >= s) {
                    break;
                }
                let Some(v) = vm.iter_next(&it)? else { break };
                vm.fuel(1)?;
                if i >= start && (i - start) % step == 0 {
                    out.push(v);
                    if out.len() > cap {
                        vm.check_len(out.len())?;
                    }
                }
                i += 1;
            }
            Ok(items_iter(out))
        }
        "count" => {
            let start_v = args.first().or_else(|| kw(&kwargs, "start")).cloned();
            let step_v = args.get(1).or_else(|| kw(&kwargs, "step")).cloned();
            for v in [&start_v, &step_v].into_iter().flatten() {
                if !matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
                    return type_err("a number is required");
                }
            }
            if matches!(start_v, Some(Value::Float(_))) || matches!(step_v, Some(Value::Float(_))) {
                // CPython adds the step to the running value, so the first
                // value keeps the start's type and later ones are floats.
                let start = match start_v {
                    Some(Value::Float(f)) => Value::Float(f),
                    Some(v) => Value::Int(as_int(&v).unwrap_or(0)),
                    None => Value::Int(0),
                };
                let step = match step_v {
                    Some(Value::Float(f)) => f,
                    Some(v) => as_int(&v).unwrap_or(1) as f64,
                    None => 1.0,
                };
                return Ok(Value::Iter(Rc::new(RefCell::new(IterState::CountFloat(start, step)))));
            }
            let start = start_v.as_ref().and_then(as_int).unwrap_or(0);
            let step = step_v.as_ref().and_then(as_int).unwrap_or(1);
            Ok(Value::Iter(Rc::new(RefCell::new(IterState::Count(start, step)))))
        }
        "cycle" => {
            let items = vm.iterate(args.first().unwrap_or(&Value::None))?;
            Ok(Value::Iter(Rc::new(RefCell::new(IterState::Cycle(items, 0)))))
        }
        "repeat" => {
            let v = args.first().cloned().unwrap_or(Value::None);
            let n = args.get(1).or_else(|| kw(&kwargs, "times")).and_then(as_int);
            Ok(Value::Iter(Rc::new(RefCell::new(IterState::Repeat(v, n.map(|n| n.max(0)))))))
        }
        "groupby" => {
            let items = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let key = args
                .get(1)
                .or_else(|| kw(&kwargs, "key"))
                .cloned()
                .filter(|k| !matches!(k, Value::None));
            let mut out: Vec<Value> = Vec::new();
            let mut cur_key: Option<Value> = None;
            let mut group: Vec<Value> = Vec::new();
            for it in items {
                let k = match &key {
                    Some(kf) => vm.call_value(kf, vec![it.clone()], Vec::new())?,
                    None => it.clone(),
                };
                let same = match &cur_key {
                    Some(ck) => vm.eq(ck, &k)?,
                    None => false,
                };
                if !same {
                    if let Some(ck) = cur_key.take() {
                        out.push(Value::tuple(vec![ck, items_iter(std::mem::take(&mut group))]));
                    }
                    cur_key = Some(k);
                }
                group.push(it);
            }
            if let Some(ck) = cur_key {
                out.push(Value::tuple(vec![ck, items_iter(group)]));
            }
            Ok(items_iter(out))
        }
        "combinations" | "combinations_with_replacement" | "permutations" => {
            let pool = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let n = pool.len();
            let r = match args.get(1).or_else(|| kw(&kwargs, "r")) {
                Some(v) => as_int(v).unwrap_or(0).max(0) as usize,
                None if name == "permutations" => n,
                None => return type_err(format!("{name}() missing required argument 'r' (pos 2)")),
            };
            // Size the result first (checked arithmetic: 20! or C(10**5, 50)
            // overflows) and charge it before generating anything.
            let count = match name {
                "combinations" => binomial(n, r),
                "combinations_with_replacement" if n == 0 => Some(u128::from(r == 0)),
                "combinations_with_replacement" => binomial(n + r - 1, r),
                _ => falling_factorial(n, r),
            };
            charge_tuples(vm, count, r)?;
            if count == Some(0) {
                return Ok(items_iter(Vec::new()));
            }
            let mut out = Vec::new();
            let mut idx: Vec<usize> = Vec::new();
            // Iterative generation in lexicographic index order (as CPython).
            fn push(out: &mut Vec<Value>, pool: &[Value], idx: &[usize]) {
                out.push(Value::tuple(idx.iter().map(|&i| pool[i].clone()).collect()));
            }
            let mut stack: Vec<usize> = vec![0];
            while let Some(top) = stack.last_mut() {
                if idx.len() == r {
                    push(&mut out, &pool, &idx);
                    vm.fuel(1)?;
                    if out.len() > cap {
                        vm.check_len(out.len())?;
                    }
                    stack.pop();
                    idx.pop();
                    continue;
                }
                let cand = *top;
                if cand >= n {
                    stack.pop();
                    idx.pop();
                    continue;
                }
                *top += 1;
                let ok = match name {
                    "permutations" => !idx.contains(&cand),
                    _ => true,
                };
                if !ok {
                    continue;
                }
                idx.push(cand);
                let next_start = match name {
                    "combinations" => cand + 1,
                    "combinations_with_replacement" => cand,
                    _ => 0,
                };
                stack.push(next_start);
            }
            Ok(items_iter(out))
        }
        "product" => {
            let repeat = kw(&kwargs, "repeat").and_then(as_int).unwrap_or(1).max(0) as usize;
            let mut pools = Vec::new();
            for a in &args {
                pools.push(vm.iterate(a)?);
            }
            // Size the result before repeating the pools or building tuples.
            let width = pools.len().checked_mul(repeat);
            let mut count: Option<u128> = Some(1);
            for p in &pools {
                let len = p.len() as u128;
                if len == 0 && repeat > 0 {
                    count = Some(0);
                    break;
                }
                if len == 1 {
                    continue;
                }
                count = count.and_then(|c| {
                    (0..repeat).try_fold(c, |acc, _| acc.checked_mul(len).filter(|&x| x <= 1 << 64))
                });
            }
            match width {
                Some(w) if count == Some(0) => charge_tuples(vm, Some(0), w)?,
                Some(w) => charge_tuples(vm, count, w)?,
                None => charge_tuples(vm, None, usize::MAX)?,
            }
            if count == Some(0) {
                return Ok(items_iter(Vec::new()));
            }
            let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.iter().cloned()).collect();
            let mut result: Vec<Vec<Value>> = vec![Vec::new()];
            for p in &pools {
                let mut next = Vec::new();
                for r in &result {
                    for x in p {
                        let mut t = r.clone();
                        t.push(x.clone());
                        next.push(t);
                    }
                }
                vm.check_len(next.len())?;
                result = next;
            }
            Ok(items_iter(result.into_iter().map(Value::tuple).collect()))
        }
        "accumulate" => {
            let items = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let func = args
                .get(1)
                .or_else(|| kw(&kwargs, "func"))
                .cloned()
                .filter(|f| !matches!(f, Value::None));
            let mut acc = kw(&kwargs, "initial").cloned().filter(|v| !matches!(v, Value::None));
            let mut out = Vec::new();
            if let Some(a) = &acc {
                out.push(a.clone());
            }
            for it in items {
                let next = match &acc {
                    None => it,
                    Some(a) => match &func {
                        Some(f) => vm.call_value(f, vec![a.clone(), it], Vec::new())?,
                        None => vm.binary(BinOp::Add, a, &it)?,
                    },
                };
                out.push(next.clone());
                acc = Some(next);
            }
            Ok(items_iter(out))
        }
        "zip_longest" => {
            let fill = kw(&kwargs, "fillvalue").cloned().unwrap_or(Value::None);
            let mut cols = Vec::new();
            for a in &args {
                cols.push(vm.iterate(a)?);
            }
            let n = cols.iter().map(|c| c.len()).max().unwrap_or(0);
            vm.check_len(n)?;
            Ok(items_iter(
                (0..n)
                    .map(|i| {
                        Value::tuple(
                            cols.iter()
                                .map(|c| c.get(i).cloned().unwrap_or(fill.clone()))
                                .collect(),
                        )
                    })
                    .collect(),
            ))
        }
        "takewhile" => {
            let pred = args.first().cloned().unwrap_or(Value::None);
            let it = vm.get_iter(args.get(1).cloned().unwrap_or(Value::None))?;
            let Value::Iter(it) = it else { return Ok(items_iter(Vec::new())) };
            let mut out = Vec::new();
            while let Some(x) = vm.iter_next(&it)? {
                vm.fuel(1)?;
                if !vm.call_value(&pred, vec![x.clone()], Vec::new())?.truthy() {
                    break;
                }
                out.push(x);
                if out.len() > cap {
                    vm.check_len(out.len())?;
                }
            }
            Ok(items_iter(out))
        }
        "dropwhile" | "filterfalse" => {
            let pred = args.first().cloned().unwrap_or(Value::None);
            let items = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut out = Vec::new();
            let mut dropping = true;
            for it in items {
                let t = if matches!(pred, Value::None) {
                    it.truthy()
                } else {
                    vm.call_value(&pred, vec![it.clone()], Vec::new())?.truthy()
                };
                match name {
                    "takewhile" => {
                        if !t {
                            break;
                        }
                        out.push(it);
                    }
                    "dropwhile" => {
                        if dropping && t {
                            continue;
                        }
                        dropping = false;
                        out.push(it);
                    }
                    _ => {
                        if !t {
                            out.push(it);
                        }
                    }
                }
            }
            Ok(items_iter(out))
        }
        "starmap" => {
            let func = args.first().cloned().unwrap_or(Value::None);
            let items = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut out = Vec::new();
            for it in items {
                let a = vm.iterate(&it)?;
                out.push(vm.call_value(&func, a, Vec::new())?);
            }
            Ok(items_iter(out))
        }
        "pairwise" => {
            let items = vm.iterate(args.first().unwrap_or(&Value::None))?;
            Ok(items_iter(items.windows(2).map(|w| Value::tuple(w.to_vec())).collect()))
        }
        "compress" => {
            let data = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let sel = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            Ok(items_iter(
                data.into_iter().zip(sel).filter(|(_, s)| s.truthy()).map(|(d, _)| d).collect(),
            ))
        }
        "tee" => {
            let items = vm.iterate(args.first().unwrap_or(&Value::None))?;
            let n = args.get(1).and_then(as_int).unwrap_or(2).max(0) as usize;
            Ok(Value::tuple((0..n).map(|_| items_iter(items.clone())).collect()))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'itertools' has no attribute '{name}'")),
    }
}

// ------------------------------------------------------------------ functools

fn functools_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    match name {
        "reduce" => {
            let func = args.first().cloned().unwrap_or(Value::None);
            let items = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut it = items.into_iter();
            let mut acc = match args.get(2).cloned() {
                Some(v) => v,
                None => match it.next() {
                    Some(v) => v,
                    None => return type_err("reduce() of empty iterable with no initial value"),
                },
            };
            for x in it {
                acc = vm.call_value(&func, vec![acc, x], Vec::new())?;
            }
            Ok(acc)
        }
        "partial" => {
            let mut a = args.into_iter();
            let Some(func) = a.next() else {
                return type_err("partial() missing required argument 'func'");
            };
            Ok(Value::Native(Rc::new(Native::Partial(Partial { func, args: a.collect(), kwargs }))))
        }
        "cmp_to_key" => {
            let Some(func) = args.into_iter().next() else {
                return type_err("cmp_to_key() missing required argument 'mycmp'");
            };
            let marker = Value::Builtin(Rc::new(BuiltinFn {
                module: "functools",
                name: SmolStr::new_static("_cmp_key"),
            }));
            Ok(Value::Native(Rc::new(Native::Partial(Partial {
                func: marker,
                args: vec![func],
                kwargs: Vec::new(),
            }))))
        }
        "_cmp_key" => exc(
            ExcKind::NotImplementedError,
            "cmp_to_key(...) keys work with sorted() and list.sort(); use a key function elsewhere",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'functools' has no attribute '{name}'")),
    }
}

// ------------------------------------------------------------------ textwrap

fn wrap_text(text: &str, width: usize, max_lines: Option<usize>, placeholder: &str) -> Vec<String> {
    wrap_indented(text, width, max_lines, placeholder, "", "")
}

fn wrap_indented(
    text: &str,
    full_width: usize,
    max_lines: Option<usize>,
    placeholder: &str,
    initial: &str,
    subsequent: &str,
) -> Vec<String> {
    let ind = |n: usize| if n == 0 { initial } else { subsequent };
    let width_for = |n: usize| full_width.saturating_sub(ind(n).chars().count()).max(1);
    let words: Vec<String> =
        crate::types::split_whitespace(&text.replace(['\t', '\n', '\r', '\x0b', '\x0c'], " "), -1);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut queue: VecDeque<String> = words.into();
    while let Some(w) = queue.pop_front() {
        let width = width_for(lines.len());
        let wl = w.chars().count();
        let cl = cur.chars().count();
        if cur.is_empty() {
            if wl > width {
                // break_long_words: split the word.
                let head: String = w.chars().take(width).collect();
                let tail: String = w.chars().skip(width).collect();
                lines.push(head);
                queue.push_front(tail);
                continue;
            }
            cur = w;
        } else if cl + 1 + wl <= width {
            cur.push(' ');
            cur.push_str(&w);
        } else if wl > width && cl + 1 < width {
            // A word longer than a line fills the rest of the current one.
            let space = width - cl - 1;
            cur.push(' ');
            cur.extend(w.chars().take(space));
            lines.push(std::mem::take(&mut cur));
            queue.push_front(w.chars().skip(space).collect());
        } else {
            lines.push(std::mem::take(&mut cur));
            queue.push_front(w);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    let width = full_width;
    if !initial.is_empty() || !subsequent.is_empty() {
        lines = lines.into_iter().enumerate().map(|(i, l)| format!("{}{l}", ind(i))).collect();
    }
    if let Some(m) = max_lines {
        #[allow(clippy::while_let_loop)]
        if lines.len() > m {
            let mut kept: Vec<String> = lines[..m].to_vec();
            // Append the placeholder to the last kept line, dropping words until it fits.
            loop {
                let Some(last) = kept.last_mut() else { break };
                if last.chars().count() + placeholder.chars().count() <= width {
                    last.push_str(placeholder);
                    break;
                }
                match last.rfind(' ') {
                    Some(p) => last.truncate(p),
                    None => {
                        kept.pop();
                        if kept.is_empty() {
                            kept.push(placeholder.trim_start().to_string());
                            break;
                        }
                    }
                }
            }
            return kept;
        }
    }
    lines
}

fn textwrap_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let Some(Value::Str(text)) = args.first() else {
        return type_err(format!("{name}() argument must be str"));
    };
    vm.fuel(text.byte_len() as u64 / 16)?;
    let text = text.as_str();
    let width =
        args.get(1).or_else(|| kw(&kwargs, "width")).and_then(as_int).unwrap_or(70).max(1) as usize;
    match name {
        "wrap" | "fill" => {
            let max_lines = kw(&kwargs, "max_lines").and_then(as_int).map(|m| m.max(1) as usize);
            let ph =
                kw(&kwargs, "placeholder").and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            let init = kw(&kwargs, "initial_indent")
                .and_then(|v| v.as_str().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            let subs = kw(&kwargs, "subsequent_indent")
                .and_then(|v| v.as_str().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            let lines = wrap_indented(
                text,
                width,
                max_lines,
                ph.as_deref().unwrap_or(" [...]"),
                &init,
                &subs,
            );
            if name == "wrap" {
                Ok(Value::list(lines.into_iter().map(Value::str).collect()))
            } else {
                Ok(Value::str(lines.join("\n")))
            }
        }
        "shorten" => {
            let ph =
                kw(&kwargs, "placeholder").and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            let ph = ph.unwrap_or_else(|| " [...]".to_string());
            let collapsed = crate::types::split_whitespace(text, -1).join(" ");
            if collapsed.chars().count() <= width {
                return Ok(Value::str(collapsed));
            }
            let lines = wrap_text(&collapsed, width, Some(1), &ph);
            Ok(Value::str(lines.into_iter().next().unwrap_or_default()))
        }
        "dedent" => {
            let lines: Vec<&str> = text.split('\n').collect();
            let mut margin: Option<String> = None;
            for l in &lines {
                if l.trim().is_empty() {
                    continue;
                }
                let ind: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                margin = Some(match margin {
                    None => ind,
                    Some(m) => {
                        let common: String = m
                            .chars()
                            .zip(ind.chars())
                            .take_while(|(a, b)| a == b)
                            .map(|(a, _)| a)
                            .collect();
                        common
                    }
                });
            }
            let m = margin.unwrap_or_default();
            let out: Vec<String> = lines
                .iter()
                .map(|l| {
                    if l.trim().is_empty() {
                        String::new()
                    } else {
                        l.strip_prefix(m.as_str()).unwrap_or(l).to_string()
                    }
                })
                .collect();
            Ok(Value::str(out.join("\n")))
        }
        "indent" => {
            let Some(Value::Str(prefix)) = args.get(1).or_else(|| kw(&kwargs, "prefix")) else {
                return type_err("indent() missing required argument 'prefix'");
            };
            let prefix = prefix.clone();
            let pred = args
                .get(2)
                .or_else(|| kw(&kwargs, "predicate"))
                .cloned()
                .filter(|p| !matches!(p, Value::None));
            let mut out = String::new();
            for l in crate::types::splitlines(text, true) {
                let add = match &pred {
                    Some(p) => vm.call_value(p, vec![Value::str(l.as_str())], Vec::new())?.truthy(),
                    None => !l.trim().is_empty(),
                };
                if add {
                    out.push_str(prefix.as_str());
                }
                out.push_str(&l);
            }
            vm.check_str_len(out.len())?;
            Ok(Value::str(out))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'textwrap' has no attribute '{name}'")),
    }
}

// ------------------------------------------------------------------ datetime

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub micro: i64,
    pub has_time: bool,
    /// A `datetime.time`: only the clock fields mean anything (the date is
    /// CPython's strftime default, 1900-01-01).
    pub time_only: bool,
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days-since-epoch of the Monday of ISO week 1 (the week holding 4 January).
fn iso_week1_monday(year: i64) -> i64 {
    let first = days_from_civil(year, 1, 1);
    let wd = (first + 3).rem_euclid(7);
    if wd > 3 { first - wd + 7 } else { first - wd }
}

/// Proleptic Gregorian ordinal (1 = 0001-01-01) of days-since-epoch 0.
const ORDINAL_OF_EPOCH: i64 = 719163;

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

impl DateTime {
    fn validate(self) -> R<DateTime> {
        if !(1..=9999).contains(&self.year) {
            return value_err(format!("year {} is out of range", self.year));
        }
        if !(1..=12).contains(&self.month) {
            return value_err("month must be in 1..12");
        }
        if self.day < 1 || self.day > days_in_month(self.year, self.month) {
            return value_err("day is out of range for month");
        }
        if !(0..24).contains(&self.hour) {
            return value_err("hour must be in 0..23");
        }
        if !(0..60).contains(&self.minute) {
            return value_err("minute must be in 0..59");
        }
        if !(0..60).contains(&self.second) {
            return value_err("second must be in 0..59");
        }
        if !(0..1_000_000).contains(&self.micro) {
            return value_err("microsecond must be in 0..999999");
        }
        Ok(self)
    }

    fn total_micros(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        ((days * 86400 + self.hour * 3600 + self.minute * 60 + self.second) * 1_000_000)
            + self.micro
    }

    fn from_micros(us: i64, has_time: bool) -> DateTime {
        let days = us.div_euclid(86_400_000_000);
        let rem = us.rem_euclid(86_400_000_000);
        let (y, m, d) = civil_from_days(days);
        let secs = rem / 1_000_000;
        DateTime {
            year: y,
            month: m,
            day: d,
            hour: secs / 3600,
            minute: (secs / 60) % 60,
            second: secs % 60,
            micro: rem % 1_000_000,
            has_time,
            time_only: false,
        }
    }

    fn weekday(&self) -> i64 {
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7)
    }

    /// Day of the year, 1-based.
    fn yday(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1) + 1
    }

    /// ISO 8601 (year, week, weekday 1..7), for `%G`, `%V` and `%u`.
    fn iso_calendar(&self) -> (i64, i64, i64) {
        let day = days_from_civil(self.year, self.month, self.day);
        let mut year = self.year;
        let mut week1 = iso_week1_monday(year);
        if day < week1 {
            year -= 1;
            week1 = iso_week1_monday(year);
        } else if day >= iso_week1_monday(year + 1) {
            year += 1;
            week1 = iso_week1_monday(year);
        }
        (year, (day - week1) / 7 + 1, self.weekday() + 1)
    }

    fn isoformat(&self, sep: &str) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if !self.has_time {
            return date;
        }
        let (date, sep) = if self.time_only { (String::new(), "") } else { (date, sep) };
        let mut t = format!("{date}{sep}{:02}:{:02}:{:02}", self.hour, self.minute, self.second);
        if self.micro != 0 {
            t.push_str(&format!(".{:06}", self.micro));
        }
        t
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// `strftime` as CPython on glibc (C locale): unknown directives are kept
/// as written, years are not zero-padded.
pub fn strftime(d: &DateTime, fmt: &str) -> String {
    let mut out = String::new();
    let mut it = fmt.chars();
    let month = MONTHS[(d.month - 1).clamp(0, 11) as usize];
    let day = DAYS[d.weekday().clamp(0, 6) as usize];
    let hour12 = if d.hour % 12 == 0 { 12 } else { d.hour % 12 };
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let piece = match it.next() {
            Some('Y') => d.year.to_string(),
            Some('y') => format!("{:02}", d.year % 100),
            Some('C') => (d.year / 100).to_string(),
            Some('m') => format!("{:02}", d.month),
            Some('d') => format!("{:02}", d.day),
            Some('e') => format!("{:2}", d.day),
            Some('H') => format!("{:02}", d.hour),
            Some('k') => format!("{:2}", d.hour),
            Some('I') => format!("{hour12:02}"),
            Some('l') => format!("{hour12:2}"),
            Some('p') => (if d.hour < 12 { "AM" } else { "PM" }).to_string(),
            Some('P') => (if d.hour < 12 { "am" } else { "pm" }).to_string(),
            Some('M') => format!("{:02}", d.minute),
            Some('S') => format!("{:02}", d.second),
            Some('f') => format!("{:06}", d.micro),
            Some('B') => month.to_string(),
            Some('b') | Some('h') => month[..3].to_string(),
            Some('A') => day.to_string(),
            Some('a') => day[..3].to_string(),
            Some('j') => format!("{:03}", d.yday()),
            Some('w') => ((d.weekday() + 1) % 7).to_string(),
            Some('u') => (d.weekday() + 1).to_string(),
            // Weeks starting on Sunday (%U) or Monday (%W); days before the
            // first such day are in week 0.
            Some('U') => format!("{:02}", (d.yday() - 1 + 7 - (d.weekday() + 1) % 7) / 7),
            Some('W') => format!("{:02}", (d.yday() - 1 + 7 - d.weekday()) / 7),
            Some('V') => format!("{:02}", d.iso_calendar().1),
            Some('G') => d.iso_calendar().0.to_string(),
            Some('g') => format!("{:02}", d.iso_calendar().0 % 100),
            Some('D') => strftime(d, "%m/%d/%y"),
            Some('x') => strftime(d, "%m/%d/%y"),
            Some('F') => strftime(d, "%Y-%m-%d"),
            Some('T') | Some('X') => strftime(d, "%H:%M:%S"),
            Some('R') => strftime(d, "%H:%M"),
            Some('r') => strftime(d, "%I:%M:%S %p"),
            Some('c') => strftime(d, "%a %b %e %H:%M:%S %Y"),
            Some('n') => "\n".to_string(),
            Some('t') => "\t".to_string(),
            Some('z') | Some('Z') => String::new(),
            Some('%') => "%".to_string(),
            Some(o) => format!("%{o}"),
            None => "%".to_string(),
        };
        out.push_str(&piece);
    }
    out
}

/// The regex CPython's `_strptime` matches a format directive with
/// (`TimeRE`, C locale); `None` for a directive it does not know.
fn strptime_directive_re(c: char) -> Option<String> {
    let names = |xs: &[&str]| {
        let mut v: Vec<&str> = xs.to_vec();
        // Longest first, as `_strptime.__seqToRE`: "March" before "Mar".
        v.sort_by_key(|x| std::cmp::Reverse(x.len()));
        v.join("|")
    };
    let full_months: Vec<&str> = MONTHS.to_vec();
    let abbr_months: Vec<&str> = MONTHS.iter().map(|m| &m[..3]).collect();
    let full_days: Vec<&str> = DAYS.to_vec();
    let abbr_days: Vec<&str> = DAYS.iter().map(|m| &m[..3]).collect();
    let body = match c {
        'd' => r"3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]".to_string(),
        'f' => r"[0-9]{1,6}".to_string(),
        'H' => r"2[0-3]|[0-1]\d|\d".to_string(),
        'I' => r"1[0-2]|0[1-9]|[1-9]".to_string(),
        'G' | 'Y' => r"\d\d\d\d".to_string(),
        'j' => r"36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9]".to_string(),
        'm' => r"1[0-2]|0[1-9]|[1-9]".to_string(),
        'M' => r"[0-5]\d|\d".to_string(),
        'S' => r"6[0-1]|[0-5]\d|\d".to_string(),
        'U' | 'W' => r"5[0-3]|[0-4]\d|\d".to_string(),
        'w' => r"[0-6]".to_string(),
        'u' => r"[1-7]".to_string(),
        'V' => r"5[0-3]|0[1-9]|[1-4]\d|\d".to_string(),
        'y' => r"\d\d".to_string(),
        'B' => names(&full_months),
        'b' => names(&abbr_months),
        'A' => names(&full_days),
        'a' => names(&abbr_days),
        'p' => "am|pm".to_string(),
        _ => return None,
    };
    Some(format!("(?P<{c}>{body})"))
}

/// `datetime.strptime` as CPython's `_strptime`: the format becomes a regex
/// (leftmost-first alternation, case-insensitive), so out-of-range fields
/// "do not match format" exactly when they do in CPython.
fn strptime(s: &str, fmt: &str) -> R<DateTime> {
    let fmt_repr = crate::format::repr_str(fmt);
    let mut pattern = String::from("(?i)^");
    let mut seen = Vec::new();
    let mut fc = fmt.chars().peekable();
    while let Some(c) = fc.next() {
        if c == '%' {
            let Some(dc) = fc.next() else {
                return value_err(format!("stray % in format {fmt_repr}"));
            };
            if dc == '%' {
                pattern.push('%');
                continue;
            }
            let Some(re) = strptime_directive_re(dc) else {
                return value_err(format!("'{dc}' is a bad directive in format {fmt_repr}"));
            };
            if seen.contains(&dc) {
                return exc(ExcKind::ReError, format!("redefinition of group name '{dc}'"));
            }
            seen.push(dc);
            pattern.push_str(&re);
        } else if c.is_whitespace() {
            while fc.peek().is_some_and(|c| c.is_whitespace()) {
                fc.next();
            }
            pattern.push_str(r"\s+");
        } else {
            pattern.push_str(&regex::escape(&c.to_string()));
        }
    }
    let bad = || {
        value_err(format!(
            "time data {} does not match format {fmt_repr}",
            crate::format::repr_str(s)
        ))
    };
    let Ok(re) = regex::Regex::new(&pattern) else { return bad() };
    let Some(caps) = re.captures(s) else { return bad() };
    let end = caps.get(0).map_or(0, |m| m.end());
    if end != s.len() {
        return value_err(format!("unconverted data remains: {}", &s[end..]));
    }
    let text = |c: &str| caps.name(c).map(|m| m.as_str());
    let num = |c: &str| -> Option<i64> {
        let t = text(c)?;
        t.trim().chars().try_fold(0i64, |acc, ch| Some(acc * 10 + ch.to_digit(10)? as i64))
    };
    let find = |c: &str, names: &[&str], n: usize| -> Option<i64> {
        let t = text(c)?.to_lowercase();
        names.iter().position(|x| x[..n.min(x.len())].to_lowercase() == t).map(|i| i as i64)
    };
    let mut year = 1900;
    if let Some(y) = num("y") {
        year = if y <= 68 { 2000 + y } else { 1900 + y };
    }
    if let Some(y) = num("Y") {
        year = y;
    }
    let mut month = find("B", &MONTHS, 99).or_else(|| find("b", &MONTHS, 3)).map_or(1, |m| m + 1);
    if let Some(m) = num("m") {
        month = m;
    }
    let mut day = num("d").unwrap_or(1);
    let mut hour = num("H").unwrap_or(0);
    if let Some(h) = num("I") {
        let pm = text("p").is_some_and(|p| p.eq_ignore_ascii_case("pm"));
        hour = match (pm, h) {
            (false, 12) => 0,
            (true, h) if h != 12 => h + 12,
            (_, h) => h,
        };
    }
    let micro = text("f").map_or(0, |f| {
        let v = num("f").unwrap_or(0);
        v * 10i64.pow((6 - f.len().min(6)) as u32)
    });
    // Weekday, Monday = 0, from whichever directive gave one.
    let weekday = find("A", &DAYS, 99)
        .or_else(|| find("a", &DAYS, 3))
        .or_else(|| num("w").map(|w| (w + 6) % 7))
        .or_else(|| num("u").map(|u| u - 1));
    let iso_year = num("G");
    let iso_week = num("V");
    if iso_year.is_some() || iso_week.is_some() {
        let (Some(g), Some(v), Some(wd)) = (iso_year, iso_week, weekday) else {
            return value_err(if iso_year.is_some() {
                "ISO year directive '%G' must be used with the ISO week directive '%V' and a weekday directive ('%A', '%a', '%w', or '%u')."
            } else {
                "ISO week directive '%V' must be used with the ISO year directive '%G' and a weekday directive ('%A', '%a', '%w', or '%u')."
            });
        };
        let (y, m, d) = civil_from_days(iso_week1_monday(g) + (v - 1) * 7 + wd);
        (year, month, day) = (y, m, d);
    } else if let Some(j) = num("j") {
        let (y, m, d) = civil_from_days(days_from_civil(year, 1, 1) + j - 1);
        (year, month, day) = (y, m, d);
    } else if let (Some(wd), Some(week), sunday_first) =
        (weekday, num("U").or_else(|| num("W")), text("U").is_some())
    {
        // CPython's `_calc_julian_from_U_or_W`.
        let first = days_from_civil(year, 1, 1);
        let first_wd = (first + 3).rem_euclid(7);
        let (first_wd, wd) =
            if sunday_first { ((first_wd + 1) % 7, (wd + 1) % 7) } else { (first_wd, wd) };
        let week0_len = (7 - first_wd) % 7;
        let julian =
            if week == 0 { 1 + wd - first_wd } else { 1 + week0_len + (week - 1) * 7 + wd };
        let (y, m, d) = civil_from_days(first + julian - 1);
        (year, month, day) = (y, m, d);
    }
    DateTime {
        year,
        month,
        day,
        hour,
        minute: num("M").unwrap_or(0),
        second: num("S").unwrap_or(0),
        micro,
        has_time: true,
        time_only: false,
    }
    .validate()
}

/// Order two date/time values; mixing kinds is CPython's TypeError.
pub(crate) fn datetime_cmp(p: &DateTime, q: &DateTime, op: &str) -> R<std::cmp::Ordering> {
    let kind = |d: &DateTime| match (d.time_only, d.has_time) {
        (true, _) => "datetime.time",
        (false, true) => "datetime.datetime",
        (false, false) => "datetime.date",
    };
    let (kp, kq) = (kind(p), kind(q));
    if kp == kq {
        return Ok(p.cmp(q));
    }
    if p.time_only || q.time_only {
        return type_err(format!("'{op}' not supported between instances of '{kp}' and '{kq}'"));
    }
    type_err(format!("can't compare {kp} to {kq}"))
}

/// A type name as CPython's argument errors spell it (`datetime.time`).
pub(crate) fn qualified_type_name(v: &Value) -> String {
    match v {
        Value::Native(n) if matches!(**n, Native::DateTime(_) | Native::TimeDelta(..)) => {
            format!("datetime.{}", v.type_name())
        }
        _ => v.type_name().to_string(),
    }
}

fn dt_value(d: DateTime) -> Value {
    Value::Native(Rc::new(Native::DateTime(d)))
}

fn td_value(micros: i64) -> Value {
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000);
    Value::Native(Rc::new(Native::TimeDelta(days, rem / 1_000_000, rem % 1_000_000)))
}

fn td_micros(days: i64, secs: i64, us: i64) -> i64 {
    (days * 86400 + secs) * 1_000_000 + us
}

pub(crate) fn construct_other(
    vm: &mut Vm,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let get = |i: usize, k: &str, def: i64| -> R<i64> {
        match args.get(i).or_else(|| kw(&kwargs, k)) {
            Some(v) => match as_int(v) {
                Some(x) => Ok(x),
                None => type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    v.type_name()
                )),
            },
            None => Ok(def),
        }
    };
    match name {
        "datetime" | "date" => {
            let d = DateTime {
                year: get(0, "year", -1)?,
                month: get(1, "month", -1)?,
                day: get(2, "day", -1)?,
                hour: if name == "date" { 0 } else { get(3, "hour", 0)? },
                minute: if name == "date" { 0 } else { get(4, "minute", 0)? },
                second: if name == "date" { 0 } else { get(5, "second", 0)? },
                micro: if name == "date" { 0 } else { get(6, "microsecond", 0)? },
                has_time: name == "datetime",
                time_only: false,
            };
            Ok(dt_value(d.validate()?))
        }
        "time" => {
            let d = DateTime {
                year: 1900,
                month: 1,
                day: 1,
                hour: get(0, "hour", 0)?,
                minute: get(1, "minute", 0)?,
                second: get(2, "second", 0)?,
                micro: get(3, "microsecond", 0)?,
                has_time: true,
                time_only: true,
            };
            Ok(dt_value(d.validate()?))
        }
        "timedelta" => {
            let fget = |i: usize, k: &str| -> f64 {
                args.get(i).or_else(|| kw(&kwargs, k)).and_then(as_float).unwrap_or(0.0)
            };
            let total = fget(0, "days") * 86400e6
                + fget(1, "seconds") * 1e6
                + fget(2, "microseconds")
                + fget(3, "milliseconds") * 1e3
                + fget(4, "minutes") * 60e6
                + fget(5, "hours") * 3600e6
                + fget(6, "weeks") * 7.0 * 86400e6;
            let _ = vm;
            Ok(td_value(total.round() as i64))
        }
        _ => type_err(format!("cannot create '{name}' instances")),
    }
}

fn datetime_fn(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    construct_other(vm, name, args, kwargs)
}

pub(crate) fn type_attr(t: &'static str, name: &str) -> Option<Value> {
    match (t, name) {
        (
            "datetime" | "date",
            "strptime" | "fromisoformat" | "fromordinal" | "now" | "today" | "utcnow"
            | "fromtimestamp",
        )
        | ("datetime", "combine") => {
            Some(Value::Method(Rc::new((Value::Type(Ty::Other(t)), SmolStr::new(name)))))
        }
        _ => None,
    }
}

pub(crate) fn type_method(vm: &mut Vm, t: &'static str, name: &str, args: Vec<Value>) -> R<Value> {
    let _ = vm;
    match name {
        "strptime" => {
            let (Some(Value::Str(s)), Some(Value::Str(f))) = (args.first(), args.get(1)) else {
                return type_err("strptime() argument must be str");
            };
            strptime(s.as_str(), f.as_str()).map(dt_value)
        }
        "fromordinal" => {
            let n = match args.first() {
                Some(v) => match as_int(v) {
                    Some(n) => n,
                    None => {
                        return type_err(format!(
                            "'{}' object cannot be interpreted as an integer",
                            v.type_name()
                        ));
                    }
                },
                None => return type_err("fromordinal() takes exactly one argument (0 given)"),
            };
            if n < 1 {
                return value_err("ordinal must be >= 1");
            }
            let (year, month, day) = civil_from_days(n - ORDINAL_OF_EPOCH);
            let d = DateTime {
                year,
                month,
                day,
                hour: 0,
                minute: 0,
                second: 0,
                micro: 0,
                has_time: t == "datetime",
                time_only: false,
            };
            d.validate().map(dt_value)
        }
        "combine" => match (args.first(), args.get(1)) {
            (Some(Value::Native(a)), Some(Value::Native(b))) => match (&**a, &**b) {
                (Native::DateTime(d), Native::DateTime(tm)) if tm.time_only => {
                    Ok(dt_value(DateTime {
                        hour: tm.hour,
                        minute: tm.minute,
                        second: tm.second,
                        micro: tm.micro,
                        has_time: true,
                        time_only: false,
                        ..*d
                    }))
                }
                (Native::DateTime(d), _) if !d.time_only => type_err(format!(
                    "combine() argument 2 must be datetime.time, not {}",
                    qualified_type_name(&args[1])
                )),
                _ => type_err(format!(
                    "combine() argument 1 must be datetime.date, not {}",
                    qualified_type_name(&args[0])
                )),
            },
            (Some(a), Some(b)) => type_err(format!(
                "combine() argument {} must be {}, not {}",
                if matches!(a, Value::Native(_)) { 2 } else { 1 },
                if matches!(a, Value::Native(_)) { "datetime.time" } else { "datetime.date" },
                qualified_type_name(if matches!(a, Value::Native(_)) { b } else { a })
            )),
            _ => type_err("combine() missing required argument 'date' (pos 1)"),
        },
        "fromisoformat" => {
            let Some(Value::Str(s)) = args.first() else {
                return type_err("fromisoformat: argument must be str");
            };
            let s = s.as_str();
            let bad =
                || value_err(format!("Invalid isoformat string: {}", crate::format::repr_str(s)));
            let (date, time) = match s.find(['T', ' ']) {
                Some(p) if t == "datetime" => (&s[..p], Some(&s[p + 1..])),
                _ => (s, None),
            };
            let parts: Vec<&str> = date.split('-').collect();
            if parts.len() != 3 {
                return bad();
            }
            let p = |x: &str| x.parse::<i64>().ok();
            let (Some(y), Some(m), Some(d)) = (p(parts[0]), p(parts[1]), p(parts[2])) else {
                return bad();
            };
            let mut dt = DateTime {
                year: y,
                month: m,
                day: d,
                hour: 0,
                minute: 0,
                second: 0,
                micro: 0,
                has_time: t == "datetime",
                time_only: false,
            };
            if let Some(time) = time {
                let tp: Vec<&str> = time.split(':').collect();
                dt.hour = tp.first().and_then(|x| p(x)).unwrap_or(0);
                dt.minute = tp.get(1).and_then(|x| p(x)).unwrap_or(0);
                if let Some(sec) = tp.get(2) {
                    let (s2, us) = sec.split_once('.').unwrap_or((sec, "0"));
                    dt.second = p(s2).unwrap_or(0);
                    dt.micro = p(&format!("{us:0<6}")[..6]).unwrap_or(0);
                }
            }
            dt.validate().map(dt_value)
        }
        _ => exc(
            ExcKind::RuntimeError,
            format!(
                "{t}.{name}() is not available: the sandbox has no clock (results must be reproducible)"
            ),
        ),
    }
}

pub(crate) fn datetime_arith(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> R<Value> {
    let _ = vm;
    let err = || {
        type_err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.as_str(),
            qualified_type_name(a),
            qualified_type_name(b)
        ))
    };
    if let (Value::Native(x), Some(k)) = (a, as_float(b)) {
        if let Native::TimeDelta(d, s, u) = &**x {
            let us = td_micros(*d, *s, *u) as f64;
            return match op {
                BinOp::Mult => Ok(td_value((us * k).round() as i64)),
                BinOp::Div if k != 0.0 => Ok(td_value((us / k).round() as i64)),
                BinOp::FloorDiv if k != 0.0 => Ok(td_value((us / k).floor() as i64)),
                _ => err(),
            };
        }
    }
    if let (Some(k), Value::Native(x)) = (as_float(a), b) {
        if let (Native::TimeDelta(d, s, u), BinOp::Mult) = (&**x, op) {
            return Ok(td_value((td_micros(*d, *s, *u) as f64 * k).round() as i64));
        }
    }
    let (Value::Native(x), Value::Native(y)) = (a, b) else { return err() };
    let is_time = |n: &Native| matches!(n, Native::DateTime(d) if d.time_only);
    if is_time(x) || is_time(y) {
        return err();
    }
    match (&**x, &**y, op) {
        (Native::DateTime(d), Native::TimeDelta(dd, ss, us), BinOp::Add) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() + td_micros(*dd, *ss, *us), d.has_time),
        )),
        (Native::DateTime(d), Native::TimeDelta(dd, ss, us), BinOp::Sub) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() - td_micros(*dd, *ss, *us), d.has_time),
        )),
        (Native::DateTime(d), Native::DateTime(e), BinOp::Sub) => {
            Ok(td_value(d.total_micros() - e.total_micros()))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Div) => {
            Ok(Value::Float(td_micros(*a1, *b1, *c1) as f64 / td_micros(*a2, *b2, *c2) as f64))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Add) => {
            Ok(td_value(td_micros(*a1, *b1, *c1) + td_micros(*a2, *b2, *c2)))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Sub) => {
            Ok(td_value(td_micros(*a1, *b1, *c1) - td_micros(*a2, *b2, *c2)))
        }
        _ => err(),
    }
}

pub(crate) fn counter_arith(
    vm: &mut Vm,
    op: BinOp,
    x: &Rc<RefCell<Dict>>,
    y: &Rc<RefCell<Dict>>,
) -> R<Value> {
    let mut out = Dict { map: Map::default(), kind: DictKind::Counter };
    let xs: Vec<(Key, Value)> =
        x.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let ys: Vec<(Key, Value)> =
        y.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in &xs {
        let other =
            ys.iter().find(|(k2, _)| k2 == k).map(|(_, v)| v.clone()).unwrap_or(Value::Int(0));
        let r = match op {
            BinOp::BitAnd | BinOp::BitOr => {
                let lt = vm.compare(rlm_syntax::ast::CmpOp::Lt, v, &other)?;
                if (op == BinOp::BitAnd) == lt { v.clone() } else { other }
            }
            _ => vm.binary(op, v, &other)?,
        };
        out.map.insert(k.clone(), r);
    }
    if op == BinOp::Add || op == BinOp::BitOr {
        for (k, v) in &ys {
            if !out.map.contains_key(k) {
                out.map.insert(k.clone(), v.clone());
            }
        }
    }
    out.map.retain(|_, v| as_float(v).is_some_and(|f| f > 0.0));
    Ok(Value::dict(out))
}

// ------------------------------------------------------------------ natives

pub(crate) fn native_method_names(n: &Native) -> &'static [&'static str] {
    match n {
        Native::Pattern(_) => {
            &["search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"]
        }
        Native::Match(_) => &["group", "groups", "groupdict", "start", "end", "span", "expand"],
        Native::DateTime(d) if d.time_only => &["strftime", "isoformat", "replace"],
        Native::DateTime(_) => &[
            "strftime",
            "isoformat",
            "weekday",
            "isoweekday",
            "date",
            "time",
            "replace",
            "timestamp",
            "toordinal",
        ],
        Native::TimeDelta(..) => &["total_seconds"],
        Native::DictView(..) => &["isdisjoint"],
        Native::Partial(_) => &[],
    }
}

pub(crate) fn native_attr(vm: &mut Vm, n: &Rc<Native>, name: &str) -> R<Option<Value>> {
    let _ = vm;
    Ok(match &**n {
        Native::Match(m) => crate::modules::re::match_attr(m, name),
        Native::Pattern(p) => crate::modules::re::pattern_attr(p, name),
        Native::DateTime(d) => match name {
            "year" if !d.time_only => Some(Value::Int(d.year)),
            "month" if !d.time_only => Some(Value::Int(d.month)),
            "day" if !d.time_only => Some(Value::Int(d.day)),
            "hour" if d.has_time => Some(Value::Int(d.hour)),
            "minute" if d.has_time => Some(Value::Int(d.minute)),
            "second" if d.has_time => Some(Value::Int(d.second)),
            "microsecond" if d.has_time => Some(Value::Int(d.micro)),
            _ => None,
        },
        Native::TimeDelta(days, secs, us) => match name {
            "days" => Some(Value::Int(*days)),
            "seconds" => Some(Value::Int(*secs)),
            "microseconds" => Some(Value::Int(*us)),
            _ => None,
        },
        Native::Partial(p) => match name {
            "func" => Some(p.func.clone()),
            "args" => Some(Value::tuple(p.args.clone())),
            _ => None,
        },
        Native::DictView(..) => None,
    })
}

pub(crate) fn native_method(
    vm: &mut Vm,
    recv: &Value,
    n: &Rc<Native>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match &**n {
        Native::Pattern(p) => vm.re_call(name, Some(p.clone()), args, kwargs),
        Native::Match(m) => crate::modules::re::match_method(vm, m, name, args, kwargs),
        Native::DateTime(d) => match name {
            "strftime" => {
                let Some(Value::Str(f)) = args.first() else {
                    return type_err("strftime() argument must be str");
                };
                Ok(Value::str(strftime(d, f.as_str())))
            }
            "isoformat" => {
                let sep = match args.first().or_else(|| kw(&kwargs, "sep")) {
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    _ => "T".to_string(),
                };
                Ok(Value::str(d.isoformat(&sep)))
            }
            _ if d.time_only && !matches!(name, "strftime" | "isoformat" | "replace") => exc(
                ExcKind::AttributeError,
                format!("'datetime.time' object has no attribute '{name}'"),
            ),
            "weekday" => Ok(Value::Int(d.weekday())),
            "time" => {
                Ok(dt_value(DateTime { year: 1900, month: 1, day: 1, time_only: true, ..*d }))
            }
            "isoweekday" => Ok(Value::Int(d.weekday() + 1)),
            "toordinal" => {
                Ok(Value::Int(days_from_civil(d.year, d.month, d.day) + ORDINAL_OF_EPOCH))
            }
            "date" => Ok(dt_value(DateTime {
                hour: 0,
                minute: 0,
                second: 0,
                micro: 0,
                has_time: false,
                time_only: false,
                ..*d
            })),
            "replace" => {
                let mut e = *d;
                for (k, v) in &kwargs {
                    let v = as_int(v).unwrap_or(0);
                    match k.as_str() {
                        "year" if !d.time_only => e.year = v,
                        "month" if !d.time_only => e.month = v,
                        "day" if !d.time_only => e.day = v,
                        "hour" => e.hour = v,
                        "minute" => e.minute = v,
                        "second" => e.second = v,
                        "microsecond" => e.micro = v,
                        other => {
                            return type_err(format!(
                                "'{other}' is an invalid keyword argument for replace()"
                            ));
                        }
                    }
                }
                e.validate().map(dt_value)
            }
            _ => exc(
                ExcKind::AttributeError,
                format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
            ),
        },
        Native::TimeDelta(days, secs, us) => match name {
            "total_seconds" => Ok(Value::Float(td_micros(*days, *secs, *us) as f64 / 1e6)),
            _ => exc(
                ExcKind::AttributeError,
                format!("'datetime.timedelta' object has no attribute '{name}'"),
            ),
        },
        Native::DictView(kind, d) => match name {
            "isdisjoint" => {
                let mine = view_items(*kind, d);
                let other = vm.iterate(args.first().unwrap_or(&Value::None))?;
                for o in &other {
                    for m in &mine {
                        if vm.eq(m, o)? {
                            return Ok(Value::Bool(false));
                        }
                    }
                }
                Ok(Value::Bool(true))
            }
            _ => exc(
                ExcKind::AttributeError,
                format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
            ),
        },
        Native::Partial(_) => exc(
            ExcKind::AttributeError,
            format!("'functools.partial' object has no attribute '{name}'"),
        ),
    }
}

pub(crate) fn view_items(kind: u8, d: &Rc<RefCell<Dict>>) -> Vec<Value> {
    let d = d.borrow();
    match kind {
        0 => d.map.keys().map(|k| k.0.clone()).collect(),
        1 => d.map.values().cloned().collect(),
        _ => d.map.iter().map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()])).collect(),
    }
}

pub(crate) fn native_repr(vm: &mut Vm, n: &Rc<Native>) -> R<String> {
    Ok(match &**n {
        Native::Pattern(p) => crate::modules::re::pattern_repr(vm, p)?,
        Native::Match(m) => crate::modules::re::match_repr(vm, m)?,
        Native::Partial(p) => {
            let mut parts = vec![vm.repr(&p.func)?];
            for a in &p.args {
                parts.push(vm.repr(a)?);
            }
            for (k, v) in &p.kwargs {
                parts.push(format!("{k}={}", vm.repr(v)?));
            }
            format!("functools.partial({})", parts.join(", "))
        }
        Native::DateTime(d) => {
            if d.has_time {
                let mut s = if d.time_only {
                    format!("datetime.time({}, {}", d.hour, d.minute)
                } else {
                    format!(
                        "datetime.datetime({}, {}, {}, {}, {}",
                        d.year, d.month, d.day, d.hour, d.minute
                    )
                };
                if d.second != 0 || d.micro != 0 {
                    s.push_str(&format!(", {}", d.second));
                }
                if d.micro != 0 {
                    s.push_str(&format!(", {}", d.micro));
                }
                s.push(')');
                s
            } else {
                format!("datetime.date({}, {}, {})", d.year, d.month, d.day)
            }
        }
        Native::TimeDelta(days, secs, us) => {
            let mut parts = Vec::new();
            if *days != 0 {
                parts.push(format!("days={days}"));
            }
            if *secs != 0 {
                parts.push(format!("seconds={secs}"));
            }
            if *us != 0 {
                parts.push(format!("microseconds={us}"));
            }
            if parts.is_empty() {
                "datetime.timedelta(0)".to_string()
            } else {
                format!("datetime.timedelta({})", parts.join(", "))
            }
        }
        Native::DictView(kind, d) => {
            let items = view_items(*kind, d);
            let inner = vm.repr(&Value::list(items))?;
            let name = match kind {
                0 => "dict_keys",
                1 => "dict_values",
                _ => "dict_items",
            };
            format!("{name}({inner})")
        }
    })
}

/// `str()` of a datetime/timedelta differs from its repr.
pub(crate) fn native_str(n: &Native) -> Option<String> {
    match n {
        Native::DateTime(d) => Some(d.isoformat(" ")),
        Native::TimeDelta(days, secs, us) => {
            let mut s = String::new();
            if *days != 0 {
                s.push_str(&format!("{days} day{}, ", if days.abs() == 1 { "" } else { "s" }));
            }
            s.push_str(&format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60));
            if *us != 0 {
                s.push_str(&format!(".{us:06}"));
            }
            Some(s)
        }
        _ => None,
    }
}
