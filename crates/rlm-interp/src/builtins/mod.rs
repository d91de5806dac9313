//! Built-in functions and type constructors (`print`, `len`, `sorted`,
//! `int(...)`, ...), the names deliberately left out (with hints), and the
//! host-function entry points (`llm_query`, `FINAL`, ...).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::host::{HostFunc, HostReturn};
use crate::value::*;
use crate::vm::ops::{as_float, as_int};
use crate::vm::{Fault, PendingCall, R, Vm, exc, type_err, value_err};

pub type Kwargs = Vec<(SmolStr, Value)>;

const FUNCTIONS: &[&str] = &[
    "print",
    "len",
    "range",
    "enumerate",
    "zip",
    "sorted",
    "reversed",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "abs",
    "round",
    "isinstance",
    "issubclass",
    "hasattr",
    "getattr",
    "repr",
    "ascii",
    "chr",
    "ord",
    "map",
    "filter",
    "divmod",
    "pow",
    "hex",
    "bin",
    "oct",
    "iter",
    "next",
    "callable",
    "hash",
    "id",
    "format",
    "input",
    "dir",
    "FINAL",
    "FINAL_VAR",
    "SHOW_VARS",
];

const TYPE_NAMES: &[&str] = &[
    "int",
    "float",
    "str",
    "bool",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "range",
    "type",
    "slice",
    "None",
];

/// Names that exist in Python but not here, with what to do instead.
fn unavailable_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "eval" | "exec" | "compile" => {
            "running code from strings is not available in this sandbox; write the code directly"
        }
        "open" => "files are not available in this sandbox; the data is in `context`",
        "globals" | "locals" | "vars" => {
            "introspection is not available; use SHOW_VARS() to list variables"
        }
        "__builtins__" => {
            "the builtins namespace is not available in this sandbox (no introspection)"
        }
        "__import__" => {
            "use a plain `import` statement (available modules: re, json, math, collections, itertools, functools, string, textwrap, asyncio, datetime)"
        }
        "setattr" | "delattr" | "super" | "object" | "property" | "classmethod"
        | "staticmethod" => "classes and objects are not available here; use dicts and functions",
        "exit" | "quit" => "to finish, call FINAL(answer)",
        "breakpoint" | "help" | "memoryview" | "bytearray" | "bytes" => {
            "this builtin is not available in this sandbox"
        }
        _ => return None,
    })
}

pub fn name_error(name: &str) -> Rc<Exception> {
    match unavailable_hint(name) {
        Some(h) => {
            Exception::new(ExcKind::NameError, format!("name '{name}' is not defined ({h})"))
        }
        None => Exception::new(ExcKind::NameError, format!("name '{name}' is not defined"))
            .with_hint(crate::value::suggest(
                name,
                FUNCTIONS.iter().copied().chain(TYPE_NAMES.iter().copied()),
            )),
    }
}

pub fn lookup_builtin(name: &str) -> Option<Value> {
    let ty = match name {
        "int" => Some(Ty::Int),
        "float" => Some(Ty::Float),
        "str" => Some(Ty::Str),
        "bool" => Some(Ty::Bool),
        "list" => Some(Ty::List),
        "tuple" => Some(Ty::Tuple),
        "dict" => Some(Ty::Dict),
        "set" => Some(Ty::Set),
        "frozenset" => Some(Ty::FrozenSet),
        "range" => Some(Ty::Range),
        "type" => Some(Ty::Type),
        "slice" => Some(Ty::Slice),
        _ => None,
    };
    if let Some(t) = ty {
        return Some(Value::Type(t));
    }
    if let Some(k) = ExcKind::ALL.iter().find(|k| k.name() == name) {
        return Some(Value::Type(Ty::Exc(*k)));
    }
    if name == "None" {
        return Some(Value::None);
    }
    if FUNCTIONS.contains(&name) {
        let name = FUNCTIONS.iter().find(|n| **n == name)?;
        return Some(Value::Builtin(Rc::new(BuiltinFn {
            module: "",
            name: SmolStr::new_static(name),
        })));
    }
    None
}

pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        ((stop as i128 - start as i128 - 1) / step as i128 + 1) as i64
    } else if step < 0 && start > stop {
        ((start as i128 - stop as i128 - 1) / (-(step as i128)) + 1) as i64
    } else {
        0
    }
}

pub(crate) fn kw<'a>(kwargs: &'a [(SmolStr, Value)], name: &str) -> Option<&'a Value> {
    kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn check_kwargs(fname: &str, kwargs: &[(SmolStr, Value)], allowed: &[&str]) -> R<()> {
    for (k, _) in kwargs {
        if !allowed.contains(&k.as_str()) {
            return type_err(format!("{fname}() got an unexpected keyword argument '{k}'"));
        }
    }
    Ok(())
}

fn nargs(fname: &str, args: &[Value], min: usize, max: usize) -> R<()> {
    if args.len() < min || args.len() > max {
        if min == max {
            let n = if min == 1 { "one argument".to_string() } else { format!("{min} arguments") };
            return type_err(format!("{fname}() takes exactly {n} ({} given)", args.len()));
        }
        if args.len() < min {
            return type_err(format!(
                "{fname} expected at least {min} argument{}, got {}",
                if min == 1 { "" } else { "s" },
                args.len()
            ));
        }
        return type_err(format!(
            "{fname} expected at most {max} argument{}, got {}",
            if max == 1 { "" } else { "s" },
            args.len()
        ));
    }
    Ok(())
}

pub(crate) fn str_arg<'a>(fname: &str, v: &'a Value) -> R<&'a Str> {
    match v {
        Value::Str(s) => Ok(s),
        other => type_err(format!("{fname}() argument must be str, not {}", other.type_name())),
    }
}

/// Python's `str.isspace` for one character.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    let t = s.trim_matches(py_isspace);
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let mut base = base;
    let mut body = body.to_string();
    let lower = body.to_ascii_lowercase();
    for (p, b) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if (base == b || base == 0) && lower.starts_with(p) {
            body = body[2..].to_string();
            if let Some(r) = body.strip_prefix('_') {
                body = r.to_string();
            }
            base = b;
        }
    }
    if base == 0 {
        base = 10;
    }
    if body.is_empty()
        || body.starts_with(['_', '+', '-'])
        || body.ends_with('_')
        || body.contains("__")
        || body.contains(char::is_whitespace)
    {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let digits: String = digits
        .chars()
        .map(|c| {
            if c.is_numeric() {
                c.to_digit(10).map_or(c, |d| char::from_digit(d, 10).unwrap_or(c))
            } else {
                c
            }
        })
        .collect();
    let v = i64::from_str_radix(&digits, base).ok()?;
    Some(if neg { -v } else { v })
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim_matches(py_isspace);
    let lower = t.to_ascii_lowercase();
    let (sign, body) = match lower.strip_prefix('-') {
        Some(r) => (-1.0, r.to_string()),
        None => (1.0, lower.strip_prefix('+').unwrap_or(&lower).to_string()),
    };
    match body.as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if body.is_empty() || body.contains("__") || body.starts_with('_') || body.ends_with('_') {
        return None;
    }
    if !body.chars().all(|c| c.is_ascii_digit() || "._e+-".contains(c)) {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok().map(|f| sign * f)
}

impl Vm {
    pub(crate) fn call_nonframe(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        match f {
            Value::Builtin(b) => {
                let v = match b.module {
                    "" => self.call_builtin(&b.name, args, kwargs),
                    "host" => return self.call_host(&b.name, args, kwargs),
                    m => crate::modules::call_module_fn(self, m, &b.name, args, kwargs),
                }?;
                self.guard_result(&v)?;
                Ok(v)
            }
            Value::Method(m) => {
                let (recv, name) = (&m.0, &m.1);
                self.call_method(recv, name, args, kwargs)
            }
            Value::Type(t) => self.construct(*t, args, kwargs),
            other => type_err(format!("'{}' object is not callable", other.type_name())),
        }
    }

    fn call_host(&mut self, name: &SmolStr, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let Some(h) = self.host_funcs.get(name).cloned() else {
            return Err(Fault::Exc(name_error(name)));
        };
        match h {
            HostFunc::Suspend { call } => {
                Err(Fault::Suspend(vec![PendingCall { name: call, args, kwargs }], true))
            }
            HostFunc::Async { call } => Ok(Value::HostFuture(Rc::new(HostFuture {
                name: call,
                args,
                kwargs,
                awaited: std::cell::Cell::new(false),
            }))),
            HostFunc::Batch { call, awaitable } => {
                let mut args = args.into_iter();
                let items = match args.next().or_else(|| kw(&kwargs, "prompts").cloned()) {
                    Some(v) => self.iterate(&v)?,
                    None => {
                        return type_err(format!(
                            "{name}() missing 1 required positional argument: 'prompts'"
                        ));
                    }
                };
                let rest: Vec<Value> = args.collect();
                let kwargs: Kwargs = kwargs.into_iter().filter(|(k, _)| k != "prompts").collect();
                if awaitable {
                    let futs = items
                        .into_iter()
                        .map(|p| {
                            let mut a = vec![p];
                            a.extend(rest.iter().cloned());
                            Value::HostFuture(Rc::new(HostFuture {
                                name: call.clone(),
                                args: a,
                                kwargs: kwargs.clone(),
                                awaited: std::cell::Cell::new(false),
                            }))
                        })
                        .collect();
                    return Ok(Value::Gather(Rc::new(Gather {
                        items: futs,
                        return_exceptions: false,
                    })));
                }
                let calls = items
                    .into_iter()
                    .map(|p| {
                        let mut a = vec![p];
                        a.extend(rest.iter().cloned());
                        PendingCall { name: call.clone(), args: a, kwargs: kwargs.clone() }
                    })
                    .collect();
                Err(Fault::Suspend(calls, false))
            }
            HostFunc::Inline(f) => match f(&args, &kwargs) {
                Ok(HostReturn::Value(v)) => Ok(v),
                Ok(HostReturn::Suspend { name, args, kwargs }) => {
                    Err(Fault::Suspend(vec![PendingCall { name, args, kwargs }], true))
                }
                Err(e) => exc(e.kind, e.message),
            },
            HostFunc::InlineMetered(f) => {
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
                    f(&args, &kwargs, &mut charge)
                };
                if let Some(e) = fuel_err {
                    return Err(Fault::Limit(e));
                }
                match r {
                    Ok(HostReturn::Value(v)) => Ok(v),
                    Ok(HostReturn::Suspend { name, args, kwargs }) => {
                        Err(Fault::Suspend(vec![PendingCall { name, args, kwargs }], true))
                    }
                    Err(e) => exc(e.kind, e.message),
                }
            }
        }
    }

    pub(crate) fn len_of(&mut self, v: &Value) -> R<usize> {
        Ok(match v {
            Value::Str(s) => s.char_len(),
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) => d.borrow().map.len(),
            Value::Set(s) => s.borrow().len(),
            Value::FrozenSet(s) => s.len(),
            Value::Deque(d) => d.borrow().len(),
            Value::Range(r) => range_len(r.0, r.1, r.2) as usize,
            Value::Native(n) => match &**n {
                Native::DictView(_, d) => d.borrow().map.len(),
                _ => return type_err(format!("object of type '{}' has no len()", v.type_name())),
            },
            _ => return type_err(format!("object of type '{}' has no len()", v.type_name())),
        })
    }

    pub(crate) fn sort_values(
        &mut self,
        items: &mut [Value],
        key: Option<&Value>,
        reverse: bool,
    ) -> R<()> {
        self.fuel(items.len() as u64 * 2)?;
        // functools.cmp_to_key(f): compare with f(a, b) < 0.
        let cmp_fn = match key {
            Some(Value::Native(n)) => match &**n {
                Native::Partial(p) if matches!(&p.func, Value::Builtin(b) if b.name == "_cmp_key") => {
                    p.args.first().cloned()
                }
                _ => None,
            },
            _ => None,
        };
        let key = if cmp_fn.is_some() { None } else { key };
        self.sort_cmp = cmp_fn;
        let keys: Vec<Value> = match key {
            Some(k) if !matches!(k, Value::None) => {
                let mut ks = Vec::with_capacity(items.len());
                for it in items.iter() {
                    ks.push(self.call_value(k, vec![it.clone()], Vec::new())?);
                }
                ks
            }
            _ => items.to_vec(),
        };
        // CPython's order of comparisons (always `later < earlier`), so that
        // errors on mixed types name the operands the same way; stable; a
        // reverse sort reverses before and after, as CPython does.
        let mut idx: Vec<usize> = (0..items.len()).collect();
        if reverse {
            idx.reverse();
        }
        let sorted = self.merge_sort(idx, &keys);
        self.sort_cmp = None;
        let idx = sorted?;
        let idx: Vec<usize> = if reverse { idx.into_iter().rev().collect() } else { idx };
        let sorted: Vec<Value> = idx.iter().map(|&i| items[i].clone()).collect();
        items.clone_from_slice(&sorted);
        Ok(())
    }

    fn merge_sort(&mut self, v: Vec<usize>, keys: &[Value]) -> R<Vec<usize>> {
        if v.len() <= 1 {
            return Ok(v);
        }
        let mid = v.len() / 2;
        let mut v = v;
        let right = v.split_off(mid);
        let left = self.merge_sort(v, keys)?;
        let right = self.merge_sort(right, keys)?;
        let mut out = Vec::with_capacity(left.len() + right.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            let lt = match self.sort_cmp.clone() {
                Some(f) => {
                    let r = self.call_value(
                        &f,
                        vec![keys[right[j]].clone(), keys[left[i]].clone()],
                        Vec::new(),
                    )?;
                    self.compare(rlm_syntax::ast::CmpOp::Lt, &r, &Value::Int(0))?
                }
                None => {
                    self.compare(rlm_syntax::ast::CmpOp::Lt, &keys[right[j]], &keys[left[i]])?
                }
            };
            if lt {
                out.push(right[j]);
                j += 1;
            } else {
                out.push(left[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&left[i..]);
        out.extend_from_slice(&right[j..]);
        Ok(out)
    }

    fn min_max(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
        want_max: bool,
    ) -> R<Value> {
        check_kwargs(name, &kwargs, &["key", "default"])?;
        let key = kw(&kwargs, "key").cloned().filter(|k| !matches!(k, Value::None));
        if args.len() > 1 && kw(&kwargs, "default").is_some() {
            return type_err(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            ));
        }
        let items = if args.len() == 1 {
            self.iterate(&args[0])?
        } else if args.is_empty() {
            return type_err(format!("{name} expected at least 1 argument, got 0"));
        } else {
            args
        };
        if items.is_empty() {
            if let Some(d) = kw(&kwargs, "default") {
                return Ok(d.clone());
            }
            return value_err(format!("{name}() arg is an empty sequence"));
        }
        let mut best = items[0].clone();
        let mut best_key = match &key {
            Some(k) => self.call_value(k, vec![best.clone()], Vec::new())?,
            None => best.clone(),
        };
        for it in items.into_iter().skip(1) {
            self.fuel(1)?;
            let k = match &key {
                Some(kf) => self.call_value(kf, vec![it.clone()], Vec::new())?,
                None => it.clone(),
            };
            let better = if want_max {
                self.compare(rlm_syntax::ast::CmpOp::Gt, &k, &best_key)?
            } else {
                self.compare(rlm_syntax::ast::CmpOp::Lt, &k, &best_key)?
            };
            if better {
                best = it;
                best_key = k;
            }
        }
        Ok(best)
    }

    pub(crate) fn isinstance(&mut self, v: &Value, t: &Value) -> R<bool> {
        match t {
            Value::Type(t) => Ok(match (v.ty(), t) {
                (a, b) if a == *b => true,
                (Ty::Bool, Ty::Int) => true,
                (Ty::Counter | Ty::DefaultDict | Ty::OrderedDict, Ty::Dict) => true,
                (Ty::Exc(a), Ty::Exc(b)) => a.is_subclass_of(*b),
                (_, Ty::Object) => true,
                _ => false,
            }),
            Value::Tuple(ts) => {
                for t in ts.iter() {
                    if self.isinstance(v, t)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            // CPython 3.11's wording (no "not <type>" suffix).
            _ => type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
        }
    }

    fn call_builtin(&mut self, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        match name {
            "print" => {
                check_kwargs("print", &kwargs, &["sep", "end", "flush", "file"])?;
                let sep = match kw(&kwargs, "sep") {
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(Value::None) | None => " ".into(),
                    Some(o) => {
                        return type_err(format!(
                            "sep must be None or a string, not {}",
                            o.type_name()
                        ));
                    }
                };
                let end = match kw(&kwargs, "end") {
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(Value::None) | None => "\n".into(),
                    Some(o) => {
                        return type_err(format!(
                            "end must be None or a string, not {}",
                            o.type_name()
                        ));
                    }
                };
                let mut line = String::new();
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        line.push_str(&sep);
                    }
                    match a {
                        Value::Str(s) => line.push_str(s.as_str()),
                        other => {
                            let s = self.py_str(other)?;
                            line.push_str(&s);
                        }
                    }
                }
                line.push_str(&end);
                self.write_output(&line)?;
                Ok(Value::None)
            }
            "len" => {
                nargs("len", &args, 1, 1)?;
                Ok(Value::Int(self.len_of(&args[0])? as i64))
            }
            "range" => self.construct(Ty::Range, args, kwargs),
            "enumerate" => {
                check_kwargs("enumerate", &kwargs, &["start"])?;
                let start = match args.get(1).or_else(|| kw(&kwargs, "start")) {
                    Some(v) => as_int(v).ok_or_else(|| {
                        Fault::Exc(Exception::new(
                            ExcKind::TypeError,
                            format!(
                                "'{}' object cannot be interpreted as an integer",
                                v.type_name()
                            ),
                        ))
                    })?,
                    None => 0,
                };
                let Some(src) = args.first() else {
                    return type_err("enumerate() missing required argument 'iterable' (pos 1)");
                };
                let items = self.iterate(src)?;
                self.check_len(items.len() * 3)?;
                let out: VecDeque<Value> = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Value::tuple(vec![Value::Int(start + i as i64), v]))
                    .collect();
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))))
            }
            "zip" => {
                // Step all iterators in lockstep (works with infinite ones).
                let strict = kw(&kwargs, "strict").is_some_and(|v| v.truthy());
                let mut its = Vec::new();
                for a in &args {
                    match self.get_iter(a.clone())? {
                        Value::Iter(it) => its.push(it),
                        _ => return type_err("zip argument is not iterable"),
                    }
                }
                let mut out = VecDeque::new();
                if its.is_empty() {
                    return Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))));
                }
                'outer: loop {
                    let mut row = Vec::with_capacity(its.len());
                    for (i, it) in its.iter().enumerate() {
                        match self.iter_next(it)? {
                            Some(v) => row.push(v),
                            None => {
                                if strict {
                                    if i > 0 {
                                        return value_err(format!(
                                            "zip() argument {} is shorter than argument{} 1{}",
                                            i + 1,
                                            if i > 1 { "s" } else { "" },
                                            if i > 1 { format!("-{i}") } else { String::new() }
                                        ));
                                    }
                                    for (j, other) in its.iter().enumerate().skip(1) {
                                        if self.iter_next(other)?.is_some() {
                                            return value_err(format!(
                                                "zip() argument {} is longer than argument{} 1{}",
                                                j + 1,
                                                if j > 1 { "s" } else { "" },
                                                if j > 1 { format!("-{j}") } else { String::new() }
                                            ));
                                        }
                                    }
                                }
                                break 'outer;
                            }
                        }
                    }
                    self.fuel(row.len() as u64)?;
                    out.push_back(Value::tuple(row));
                    if out.len() >= self.limits.max_collection_len {
                        self.check_len(out.len() + 1)?;
                    }
                }
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))))
            }
            "sorted" => {
                check_kwargs("sorted", &kwargs, &["key", "reverse"])?;
                if args.len() != 1 {
                    return type_err(format!("sorted expected 1 argument, got {}", args.len()));
                }
                let mut items = self.iterate(&args[0])?;
                let key = kw(&kwargs, "key").cloned();
                let reverse = kw(&kwargs, "reverse").is_some_and(|v| v.truthy());
                self.sort_values(&mut items, key.as_ref(), reverse)?;
                Ok(Value::list(items))
            }
            "reversed" => {
                nargs("reversed", &args, 1, 1)?;
                let items = match &args[0] {
                    Value::Dict(_)
                    | Value::List(_)
                    | Value::Tuple(_)
                    | Value::Str(_)
                    | Value::Range(_)
                    | Value::Deque(_) => self.iterate(&args[0])?,
                    Value::Native(n) if matches!(**n, Native::DictView(..)) => {
                        self.iterate(&args[0])?
                    }
                    other => {
                        return type_err(format!(
                            "'{}' object is not reversible",
                            other.type_name()
                        ));
                    }
                };
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(
                    items.into_iter().rev().collect(),
                )))))
            }
            "min" => self.min_max("min", args, kwargs, false),
            "max" => self.min_max("max", args, kwargs, true),
            "sum" => {
                check_kwargs("sum", &kwargs, &["start"])?;
                let Some(src) = args.first() else {
                    return type_err("sum() takes at least 1 positional argument (0 given)");
                };
                let mut acc =
                    args.get(1).or_else(|| kw(&kwargs, "start")).cloned().unwrap_or(Value::Int(0));
                if let Value::Str(_) = acc {
                    return type_err("sum() can't sum strings [use ''.join(seq) instead]");
                }
                let items = self.iterate(src)?;
                for it in items {
                    acc = match (&acc, &it) {
                        (Value::Int(a), Value::Int(b)) if a.checked_add(*b).is_some() => {
                            Value::Int(a + b)
                        }
                        (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                        _ => self.binary(rlm_syntax::ast::BinOp::Add, &acc, &it)?,
                    };
                }
                Ok(acc)
            }
            "any" | "all" => {
                nargs(name, &args, 1, 1)?;
                let it = self.get_iter(args[0].clone())?;
                let Value::Iter(it) = it else { return Ok(Value::Bool(name == "all")) };
                while let Some(v) = self.iter_next(&it)? {
                    self.fuel(1)?;
                    let t = v.truthy();
                    if name == "any" && t {
                        return Ok(Value::Bool(true));
                    }
                    if name == "all" && !t {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(name == "all"))
            }
            "abs" => {
                nargs("abs", &args, 1, 1)?;
                match &args[0] {
                    Value::Float(f) => Ok(Value::Float(f.abs())),
                    v if as_int(v).is_some() => match as_int(v).unwrap_or(0).checked_abs() {
                        Some(x) => Ok(Value::Int(x)),
                        None => exc(ExcKind::OverflowError, "integer overflow"),
                    },
                    Value::Native(n) if matches!(**n, Native::TimeDelta(d, ..) if d < 0) => {
                        self.unary(rlm_syntax::ast::UnaryOp::Neg, &args[0])
                    }
                    v @ Value::Native(n) if matches!(**n, Native::TimeDelta(..)) => Ok(v.clone()),
                    v => type_err(format!("bad operand type for abs(): '{}'", v.type_name())),
                }
            }
            "round" => {
                check_kwargs("round", &kwargs, &["ndigits"])?;
                let Some(x) = args.first() else {
                    return type_err("round() missing required argument 'number' (pos 1)");
                };
                let nd = args
                    .get(1)
                    .or_else(|| kw(&kwargs, "ndigits"))
                    .filter(|v| !matches!(v, Value::None));
                if let Some(n) = nd {
                    if as_int(n).is_none() {
                        return type_err(format!(
                            "'{}' object cannot be interpreted as an integer",
                            n.type_name()
                        ));
                    }
                }
                match (x, nd) {
                    (Value::Float(f), None) => {
                        if !f.is_finite() {
                            return exc(
                                if f.is_nan() {
                                    ExcKind::ValueError
                                } else {
                                    ExcKind::OverflowError
                                },
                                if f.is_nan() {
                                    "cannot convert float NaN to integer"
                                } else {
                                    "cannot convert float infinity to integer"
                                },
                            );
                        }
                        Ok(Value::Int(f.round_ties_even() as i64))
                    }
                    (Value::Float(f), Some(n)) => {
                        let n = as_int(n).unwrap_or(0);
                        if !f.is_finite() {
                            return Ok(Value::Float(*f));
                        }
                        if n >= 0 {
                            let n = n.min(300) as usize;
                            let s = format!("{:.*}", n, f);
                            Ok(Value::Float(s.parse().unwrap_or(*f)))
                        } else {
                            let p = 10f64.powi((-n).min(300) as i32);
                            Ok(Value::Float((f / p).round_ties_even() * p))
                        }
                    }
                    (v, None) if as_int(v).is_some() => Ok(Value::Int(as_int(v).unwrap_or(0))),
                    (v, Some(n)) if as_int(v).is_some() => {
                        let i = as_int(v).unwrap_or(0);
                        let n = as_int(n).unwrap_or(0);
                        if n >= 0 {
                            return Ok(Value::Int(i));
                        }
                        if n < -18 {
                            return Ok(Value::Int(0));
                        }
                        let p = 10i64.pow((-n) as u32);
                        let q = crate::vm::ops::floordiv_i(i, p)?;
                        let r = i - q * p;
                        let q = if r * 2 > p || (r * 2 == p && q % 2 != 0) { q + 1 } else { q };
                        Ok(Value::Int(q * p))
                    }
                    (v, _) => {
                        type_err(format!("type {} doesn't define __round__ method", v.type_name()))
                    }
                }
            }
            "isinstance" => {
                nargs("isinstance", &args, 2, 2)?;
                Ok(Value::Bool(self.isinstance(&args[0], &args[1])?))
            }
            "issubclass" => {
                nargs("issubclass", &args, 2, 2)?;
                match (&args[0], &args[1]) {
                    (Value::Type(Ty::Exc(a)), Value::Type(Ty::Exc(b))) => {
                        Ok(Value::Bool(a.is_subclass_of(*b)))
                    }
                    (Value::Type(a), Value::Type(b)) => {
                        Ok(Value::Bool(a == b || (*a == Ty::Bool && *b == Ty::Int)))
                    }
                    _ => type_err("issubclass() arg 1 must be a class"),
                }
            }
            "hasattr" => {
                nargs("hasattr", &args, 2, 2)?;
                let n = str_arg("hasattr", &args[1])?.as_str().to_string();
                if n.starts_with("__") && n.ends_with("__") {
                    // Common model idiom: hasattr(x, '__len__') / '__iter__'.
                    let v = &args[0];
                    let r = match n.as_str() {
                        "__len__" => self.len_of(v).is_ok(),
                        "__iter__" => matches!(
                            v,
                            Value::Str(_)
                                | Value::List(_)
                                | Value::Tuple(_)
                                | Value::Dict(_)
                                | Value::Set(_)
                                | Value::FrozenSet(_)
                                | Value::Range(_)
                                | Value::Iter(_)
                                | Value::Deque(_)
                        ),
                        "__getitem__" => matches!(
                            v,
                            Value::Str(_)
                                | Value::List(_)
                                | Value::Tuple(_)
                                | Value::Dict(_)
                                | Value::Range(_)
                        ),
                        "__call__" => matches!(
                            v,
                            Value::Func(_) | Value::Builtin(_) | Value::Method(_) | Value::Type(_)
                        ),
                        _ => false,
                    };
                    return Ok(Value::Bool(r));
                }
                match self.get_attr(&args[0], &n) {
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(Fault::Exc(e)) if e.kind == ExcKind::AttributeError => {
                        Ok(Value::Bool(false))
                    }
                    Err(e) => Err(e),
                }
            }
            "getattr" => {
                nargs("getattr", &args, 2, 3)?;
                let n = str_arg("getattr", &args[1])?.as_str().to_string();
                // A default does not turn the sandbox's refusal of a dunder
                // into a silent value: `getattr(x, '__iter__', None)` would
                // otherwise say "no" for a list.
                let dunder = n.len() > 4 && n.starts_with("__") && n.ends_with("__");
                match self.get_attr(&args[0], &n) {
                    Ok(v) => Ok(v),
                    Err(Fault::Exc(e))
                        if e.kind == ExcKind::AttributeError && args.len() == 3 && !dunder =>
                    {
                        Ok(args[2].clone())
                    }
                    Err(e) => Err(e),
                }
            }
            "repr" => {
                nargs("repr", &args, 1, 1)?;
                Ok(Value::str(self.repr(&args[0])?))
            }
            "ascii" => {
                nargs("ascii", &args, 1, 1)?;
                Ok(Value::str(crate::format::ascii_escape(&self.repr(&args[0])?)))
            }
            "chr" => {
                nargs("chr", &args, 1, 1)?;
                let Some(i) = as_int(&args[0]) else {
                    return type_err(format!(
                        "'{}' object cannot be interpreted as an integer",
                        args[0].type_name()
                    ));
                };
                match u32::try_from(i).ok().and_then(char::from_u32) {
                    Some(c) => Ok(Value::str(c.to_string())),
                    None => value_err("chr() arg not in range(0x110000)"),
                }
            }
            "ord" => {
                nargs("ord", &args, 1, 1)?;
                match &args[0] {
                    Value::Str(s) if s.char_len() == 1 => {
                        Ok(Value::Int(s.as_str().chars().next().map_or(0, |c| c as i64)))
                    }
                    Value::Str(s) => type_err(format!(
                        "ord() expected a character, but string of length {} found",
                        s.char_len()
                    )),
                    v => type_err(format!(
                        "ord() expected string of length 1, but {} found",
                        v.type_name()
                    )),
                }
            }
            "map" => {
                if args.len() < 2 {
                    return type_err("map() must have at least two arguments.");
                }
                let f = args[0].clone();
                let mut cols = Vec::new();
                for a in &args[1..] {
                    cols.push(self.iterate(a)?);
                }
                let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
                let mut out = VecDeque::with_capacity(n);
                for i in 0..n {
                    let a: Vec<Value> = cols.iter().map(|c| c[i].clone()).collect();
                    out.push_back(self.call_value(&f, a, Vec::new())?);
                }
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))))
            }
            "filter" => {
                nargs("filter", &args, 2, 2)?;
                let items = self.iterate(&args[1])?;
                let mut out = VecDeque::new();
                for it in items {
                    let keep = if matches!(args[0], Value::None) {
                        it.truthy()
                    } else {
                        self.call_value(&args[0], vec![it.clone()], Vec::new())?.truthy()
                    };
                    if keep {
                        out.push_back(it);
                    }
                }
                Ok(Value::Iter(Rc::new(RefCell::new(IterState::Items(out)))))
            }
            "divmod" => {
                nargs("divmod", &args, 2, 2)?;
                if as_float(&args[0]).is_none() || as_float(&args[1]).is_none() {
                    return type_err(format!(
                        "unsupported operand type(s) for divmod(): '{}' and '{}'",
                        args[0].type_name(),
                        args[1].type_name()
                    ));
                }
                if let (Some(_), Some(0)) = (as_int(&args[0]), as_int(&args[1])) {
                    return exc(ExcKind::ZeroDivisionError, "integer division or modulo by zero");
                }
                if as_float(&args[1]) == Some(0.0) {
                    return exc(ExcKind::ZeroDivisionError, "float divmod()");
                }
                let q = self.binary(rlm_syntax::ast::BinOp::FloorDiv, &args[0], &args[1])?;
                let r = self.binary(rlm_syntax::ast::BinOp::Mod, &args[0], &args[1])?;
                Ok(Value::tuple(vec![q, r]))
            }
            "pow" => {
                nargs("pow", &args, 2, 3)?;
                if args.len() == 3 {
                    let (Some(b), Some(e), Some(m)) =
                        (as_int(&args[0]), as_int(&args[1]), as_int(&args[2]))
                    else {
                        return type_err(
                            "pow() 3rd argument not allowed unless all arguments are integers",
                        );
                    };
                    if m == 0 {
                        return value_err("pow() 3rd argument cannot be 0");
                    }
                    let m128 = m as i128;
                    let mut b = b as i128;
                    let mut e = e;
                    if e < 0 {
                        // Modular inverse by the extended Euclidean algorithm.
                        let (mut r0, mut r1, mut s0, mut s1) =
                            (b.rem_euclid(m128.abs()), m128.abs(), 1i128, 0i128);
                        while r1 != 0 {
                            let q = r0 / r1;
                            (r0, r1) = (r1, r0 - q * r1);
                            (s0, s1) = (s1, s0 - q * s1);
                        }
                        if r0 != 1 {
                            return value_err("base is not invertible for the given modulus");
                        }
                        b = s0;
                        e = -e;
                    }
                    let (mut base, mut exp) = (b.rem_euclid(m128), e);
                    let mut acc: i128 = 1 % m128.abs();
                    while exp > 0 {
                        if exp & 1 == 1 {
                            acc = (acc * base).rem_euclid(m128);
                        }
                        base = (base * base).rem_euclid(m128);
                        exp >>= 1;
                    }
                    let r = if m < 0 && acc > 0 { acc + m128 } else { acc };
                    return Ok(Value::Int(r as i64));
                }
                self.binary(rlm_syntax::ast::BinOp::Pow, &args[0], &args[1])
            }
            "hex" | "bin" | "oct" => {
                nargs(name, &args, 1, 1)?;
                let Some(i) = as_int(&args[0]) else {
                    return type_err(format!(
                        "'{}' object cannot be interpreted as an integer",
                        args[0].type_name()
                    ));
                };
                let mag = i.unsigned_abs();
                let body = match name {
                    "hex" => format!("0x{mag:x}"),
                    "bin" => format!("0b{mag:b}"),
                    _ => format!("0o{mag:o}"),
                };
                Ok(Value::str(if i < 0 { format!("-{body}") } else { body }))
            }
            "iter" => {
                nargs("iter", &args, 1, 1)?;
                self.get_iter(args[0].clone())
            }
            "next" => {
                nargs("next", &args, 1, 2)?;
                match &args[0] {
                    Value::Iter(it) => match self.iter_next(it)? {
                        Some(v) => Ok(v),
                        None => match args.get(1) {
                            Some(d) => Ok(d.clone()),
                            None => Err(Fault::Exc(Exception::with_args(
                                ExcKind::StopIteration,
                                Vec::new(),
                            ))),
                        },
                    },
                    other => type_err(format!("'{}' object is not an iterator", other.type_name())),
                }
            }
            "callable" => {
                nargs("callable", &args, 1, 1)?;
                Ok(Value::Bool(
                    matches!(
                        args[0],
                        Value::Func(_) | Value::Builtin(_) | Value::Method(_) | Value::Type(_)
                    ) || matches!(&args[0], Value::Native(n) if matches!(**n, Native::Partial(_))),
                ))
            }
            "hash" => {
                nargs("hash", &args, 1, 1)?;
                use std::hash::{Hash, Hasher};
                let k = self.key(args[0].clone())?;
                if let Some(i) = as_int(&args[0]) {
                    return Ok(Value::Int(if i == -1 { -2 } else { i }));
                }
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                Ok(Value::Int(h.finish() as i64 >> 1))
            }
            "id" => {
                nargs("id", &args, 1, 1)?;
                let p = match &args[0] {
                    Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                    Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
                    Value::Func(f) => Rc::as_ptr(f) as *const u8 as usize,
                    Value::Int(i) => *i as usize,
                    _ => 0,
                };
                Ok(Value::Int(p as i64 & i64::MAX))
            }
            "format" => {
                nargs("format", &args, 1, 2)?;
                let spec = match args.get(1) {
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(o) => {
                        return type_err(format!(
                            "format() argument 2 must be str, not {}",
                            o.type_name()
                        ));
                    }
                    None => String::new(),
                };
                if spec.is_empty() {
                    return Ok(Value::str(self.py_str(&args[0])?));
                }
                Ok(Value::str(self.format_spec(&args[0], &spec)?))
            }
            "input" => exc(
                ExcKind::RuntimeError,
                "input() is not available: there is no user to type; the data is in `context`",
            ),
            "dir" => {
                if args.is_empty() {
                    return type_err(
                        "dir() without an argument is not available in this sandbox (no introspection); \
                         use SHOW_VARS() to list variables",
                    );
                }
                nargs("dir", &args, 1, 1)?;
                let mut names: Vec<Value> =
                    crate::types::method_names(&args[0]).into_iter().map(Value::str).collect();
                if let Value::Module(m) = &args[0] {
                    names = m.attrs.keys().map(|k| Value::str(*k)).collect();
                }
                self.sort_values(&mut names, None, false)?;
                Ok(Value::list(names))
            }
            "FINAL" => {
                let v = args
                    .into_iter()
                    .next()
                    .or_else(|| kw(&kwargs, "answer").cloned())
                    .unwrap_or(Value::None);
                Err(Fault::Final(v))
            }
            "FINAL_VAR" => {
                let Some(v) = args.into_iter().next() else {
                    return type_err("FINAL_VAR() missing 1 required positional argument: 'name'");
                };
                match &v {
                    Value::Str(s) => {
                        let n =
                            s.as_str().trim().trim_matches(|c| c == '"' || c == '\'').to_string();
                        match self.get_global(&n) {
                            Some(val) => Err(Fault::Final(val)),
                            None => exc(
                                ExcKind::NameError,
                                format!(
                                    "FINAL_VAR: variable '{n}' is not defined; assign it first (e.g. {n} = ...) or call FINAL(value)"
                                ),
                            ),
                        }
                    }
                    _ => Err(Fault::Final(v)),
                }
            }
            "SHOW_VARS" => {
                let vars = self.user_globals();
                let mut parts = Vec::new();
                for (n, v) in vars {
                    if matches!(v, Value::Module(_)) {
                        continue;
                    }
                    parts.push(format!("'{}': '{}'", n, v.type_name()));
                }
                Ok(Value::str(format!("Available variables: {{{}}}", parts.join(", "))))
            }
            other => Err(Fault::Exc(name_error(other))),
        }
    }

    /// Call a type object: `int("3")`, `list(x)`, `ValueError("m")`...
    pub(crate) fn construct(&mut self, t: Ty, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let tn = t.name();
        match t {
            Ty::Exc(k) => Ok(Value::Exc(Exception::with_args(k, args))),
            Ty::Int => {
                check_kwargs("int", &kwargs, &["base"])?;
                let base =
                    args.get(1).or_else(|| kw(&kwargs, "base")).map(|b| as_int(b).unwrap_or(10));
                match args.first() {
                    None => Ok(Value::Int(0)),
                    Some(Value::Str(s)) => {
                        let b = base.unwrap_or(10);
                        if !(b == 0 || (2..=36).contains(&b)) {
                            return value_err("int() base must be >= 2 and <= 36, or 0");
                        }
                        match parse_int(&crate::unicode::ascii_numeral(s.as_str()), b as u32) {
                            Some(i) => Ok(Value::Int(i)),
                            // Valid digits, too many of them: ints are 64-bit here.
                            None if b == 10
                                && s.as_str().trim().trim_start_matches(['+', '-']).len() > 18
                                && s.as_str()
                                    .trim()
                                    .trim_start_matches(['+', '-'])
                                    .bytes()
                                    .all(|c| c.is_ascii_digit() || c == b'_') =>
                            {
                                exc(
                                    ExcKind::OverflowError,
                                    format!(
                                        "int() of a {}-digit number: ints are 64-bit in this sandbox",
                                        s.as_str().trim().trim_start_matches(['+', '-']).len()
                                    ),
                                )
                            }
                            None => value_err(format!(
                                "invalid literal for int() with base {}: {}",
                                b,
                                crate::format::repr_str(s.as_str())
                            )),
                        }
                    }
                    Some(_) if base.is_some() => {
                        type_err("int() can't convert non-string with explicit base")
                    }
                    Some(Value::Float(f)) => {
                        if f.is_nan() {
                            return value_err("cannot convert float NaN to integer");
                        }
                        if f.is_infinite() {
                            return exc(
                                ExcKind::OverflowError,
                                "cannot convert float infinity to integer",
                            );
                        }
                        if f.abs() >= 9.223372036854776e18 {
                            return exc(
                                ExcKind::OverflowError,
                                "integer overflow: integers here are 64-bit",
                            );
                        }
                        Ok(Value::Int(f.trunc() as i64))
                    }
                    Some(v) if as_int(v).is_some() => Ok(Value::Int(as_int(v).unwrap_or(0))),
                    Some(v) => type_err(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    )),
                }
            }
            Ty::Float => match args.first() {
                None => Ok(Value::Float(0.0)),
                Some(Value::Str(s)) => {
                    match parse_float(&crate::unicode::ascii_numeral(s.as_str())) {
                        Some(f) => Ok(Value::Float(f)),
                        None => value_err(format!(
                            "could not convert string to float: {}",
                            crate::format::repr_str(s.as_str())
                        )),
                    }
                }
                Some(v) => match as_float(v) {
                    Some(f) => Ok(Value::Float(f)),
                    None => type_err(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    )),
                },
            },
            Ty::Str => match args.first() {
                None => Ok(Value::str("")),
                Some(v @ Value::Str(_)) => Ok(v.clone()),
                Some(v) => Ok(Value::str(self.py_str(v)?)),
            },
            Ty::Bool => Ok(Value::Bool(args.first().is_some_and(|v| v.truthy()))),
            Ty::List => match args.first() {
                None => Ok(Value::list(Vec::new())),
                Some(v) => {
                    let items = self.iterate(v)?;
                    self.check_len(items.len())?;
                    Ok(Value::list(items))
                }
            },
            Ty::Tuple => match args.first() {
                None => Ok(Value::tuple(Vec::new())),
                Some(v @ Value::Tuple(_)) => Ok(v.clone()),
                Some(v) => {
                    let items = self.iterate(v)?;
                    Ok(Value::tuple(items))
                }
            },
            Ty::Set | Ty::FrozenSet => {
                let mut set = KeySet::default();
                if let Some(v) = args.first() {
                    for x in self.iterate(v)? {
                        set.insert(self.key(x)?);
                    }
                }
                self.check_len(set.len())?;
                Ok(if t == Ty::Set { Value::new_set(set) } else { Value::FrozenSet(Rc::new(set)) })
            }
            Ty::Dict | Ty::OrderedDict | Ty::Counter | Ty::DefaultDict => {
                let mut d = Dict::new();
                d.kind = match t {
                    Ty::OrderedDict => DictKind::Ordered,
                    Ty::Counter => DictKind::Counter,
                    _ => DictKind::Plain,
                };
                let mut args = args.into_iter();
                if t == Ty::DefaultDict {
                    let factory = args.next().unwrap_or(Value::None);
                    d.kind = DictKind::Default(factory);
                }
                let dv = Value::dict(d);
                if let Some(src) = args.next() {
                    if t == Ty::Counter {
                        self.counter_update(&dv, &src, 1)?;
                    } else {
                        self.dict_update(&dv, &src)?;
                    }
                }
                if !kwargs.is_empty() {
                    let kd = Value::dict(Dict {
                        map: kwargs
                            .into_iter()
                            .map(|(k, v)| (Key(Value::str(k.as_str())), v))
                            .collect(),
                        kind: DictKind::Plain,
                    });
                    if t == Ty::Counter {
                        self.counter_update(&dv, &kd, 1)?;
                    } else {
                        self.dict_update(&dv, &kd)?;
                    }
                }
                Ok(dv)
            }
            Ty::Deque => {
                let items = match args.first() {
                    Some(v) => self.iterate(v)?,
                    None => Vec::new(),
                };
                let maxlen = args.get(1).or_else(|| kw(&kwargs, "maxlen")).and_then(as_int);
                let mut d: VecDeque<Value> = items.into();
                if let Some(m) = maxlen {
                    while d.len() > m.max(0) as usize {
                        d.pop_front();
                    }
                }
                let d = Rc::new(DequeObj {
                    items: RefCell::new(d),
                    maxlen: maxlen.map(|m| m.max(0) as usize),
                });
                crate::gc::track_deque(&d);
                Ok(Value::Deque(d))
            }
            Ty::Range => {
                let ints: Vec<i64> = args
                    .iter()
                    .map(|a| {
                        as_int(a).ok_or_else(|| {
                            Fault::Exc(Exception::new(
                                ExcKind::TypeError,
                                format!(
                                    "'{}' object cannot be interpreted as an integer",
                                    a.type_name()
                                ),
                            ))
                        })
                    })
                    .collect::<R<_>>()?;
                let (start, stop, step) = match ints.as_slice() {
                    [stop] => (0, *stop, 1),
                    [a, b] => (*a, *b, 1),
                    [a, b, c] => (*a, *b, *c),
                    [] => return type_err("range expected at least 1 argument, got 0"),
                    _ => {
                        return type_err(format!(
                            "range expected at most 3 arguments, got {}",
                            ints.len()
                        ));
                    }
                };
                if step == 0 {
                    return value_err("range() arg 3 must not be zero");
                }
                Ok(Value::Range(Rc::new((start, stop, step))))
            }
            Ty::Type => {
                nargs("type", &args, 1, 1)?;
                Ok(Value::Type(args[0].ty()))
            }
            Ty::Slice => {
                if args.iter().any(|a| !matches!(a, Value::None | Value::Int(_) | Value::Bool(_))) {
                    return type_err("slice() arguments must be integers or None here");
                }
                let mut a = args.into_iter();
                let (x, y, z) = (a.next(), a.next(), a.next());
                Ok(match (x, y, z) {
                    (Some(stop), None, None) => {
                        Value::Slice(Rc::new((Value::None, stop, Value::None)))
                    }
                    (Some(s), Some(e), st) => {
                        Value::Slice(Rc::new((s, e, st.unwrap_or(Value::None))))
                    }
                    _ => return type_err("slice expected at least 1 argument, got 0"),
                })
            }
            Ty::NoneType => Ok(Value::None),
            Ty::Other(n @ ("datetime" | "date" | "time" | "timedelta")) => {
                crate::modules::construct_other(self, n, args, kwargs)
            }
            _ => type_err(format!("cannot create '{tn}' instances")),
        }
    }

    pub(crate) fn dict_update(&mut self, d: &Value, src: &Value) -> R<()> {
        let Value::Dict(d) = d else { return Ok(()) };
        match src {
            Value::Dict(s) => {
                let items: Vec<(Key, Value)> =
                    s.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                self.check_len(items.len())?;
                d.borrow_mut().map.extend(items);
            }
            other => {
                let items = self.iterate(other)?;
                for (i, it) in items.into_iter().enumerate() {
                    let pair = match self.iterate(&it) {
                        Ok(p) => p,
                        Err(_) => {
                            return type_err(format!(
                                "cannot convert dictionary update sequence element #{i} to a sequence"
                            ));
                        }
                    };
                    if pair.len() != 2 {
                        return value_err(format!(
                            "dictionary update sequence element #{i} has length {}; 2 is required",
                            pair.len()
                        ));
                    }
                    let mut p = pair.into_iter();
                    let (Some(k), Some(v)) = (p.next(), p.next()) else { continue };
                    let k = self.key(k)?;
                    self.alloc(48)?;
                    d.borrow_mut().map.insert(k, v);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn counter_update(&mut self, d: &Value, src: &Value, sign: i64) -> R<()> {
        let Value::Dict(d) = d else { return Ok(()) };
        let pairs: Vec<(Value, Value)> = match src {
            Value::Dict(s) => {
                s.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect()
            }
            other => self.iterate(other)?.into_iter().map(|x| (x, Value::Int(1))).collect(),
        };
        for (k, n) in pairs {
            self.fuel(1)?;
            let key = self.key(k)?;
            let cur = d.borrow().map.get(&key).cloned().unwrap_or(Value::Int(0));
            let delta = if sign < 0 { self.unary(rlm_syntax::ast::UnaryOp::Neg, &n)? } else { n };
            let new = self.binary(rlm_syntax::ast::BinOp::Add, &cur, &delta)?;
            d.borrow_mut().map.insert(key, new);
        }
        Ok(())
    }
}
