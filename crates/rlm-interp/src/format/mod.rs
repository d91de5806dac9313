//! Text conversions as CPython prints them: `repr`/`str` of every value,
//! float repr, the format-spec mini-language, `%`-formatting and `str.format`.

use std::rc::Rc;

use crate::value::*;
use crate::vm::ops::as_int;
use crate::vm::{Fault, R, Vm, exc, type_err, value_err};

/// Python's `repr` of a str.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable`, which decides what `repr` escapes.
fn is_printable(c: char) -> bool {
    crate::unicode::is_printable(c)
}

pub fn ascii_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let n = c as u32;
        if n < 128 {
            out.push(c);
        } else if n <= 0xff {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n <= 0xffff {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}

/// Shortest round-trip digits and decimal exponent of a finite, non-zero float.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    // When two digit strings of that length round-trip (an exact tie such as
    // 1000000000000000.25), CPython keeps the one nearest the true value,
    // ties to even; `{:.Ne}` rounds exactly that way. Two candidates can only
    // both round-trip when the spacing of doubles reaches the last digit,
    // which takes 16 digits or more (2^-52 is about 2.2e-16).
    if digits.len() < 15 {
        return (digits, exp);
    }
    let nearest = format!("{:.*e}", digits.len() - 1, f.abs());
    if nearest.parse::<f64>() == Ok(f.abs()) && nearest != s {
        let (mant, exp) = nearest.split_once('e').unwrap_or((&nearest, "0"));
        let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        return (digits, exp.parse().unwrap_or(0));
    }
    (digits, exp)
}

/// `repr(float)` exactly as CPython.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let (digits, exp) = shortest_digits(f);
    let sign = if f < 0.0 { "-" } else { "" };
    let n = digits.len() as i32;
    if (-4..16).contains(&exp) {
        let mut out = String::from(sign);
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if exp + 1 >= n {
            out.push_str(&digits);
            for _ in 0..(exp + 1 - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        }
        out
    } else {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
        out
    }
}

/// Used for `Debug` of values (no VM at hand).
pub fn repr_simple(v: &Value) -> String {
    let mut vm = Vm::new(crate::Limits::default());
    vm.repr(v).unwrap_or_else(|_| "<value>".into())
}

impl Vm {
    pub(crate) fn py_str(&mut self, v: &Value) -> R<String> {
        match v {
            Value::Str(s) => Ok(s.as_str().to_string()),
            Value::Exc(e) => self.exc_str(e),
            Value::Native(n) => match crate::modules::native_str(n) {
                Some(s) => Ok(s),
                None => self.repr(v),
            },
            _ => self.repr(v),
        }
    }

    pub(crate) fn exc_str(&mut self, e: &Exception) -> R<String> {
        match e.args.len() {
            0 => Ok(String::new()),
            1 => {
                if e.kind == ExcKind::KeyError {
                    self.repr(&e.args[0])
                } else {
                    self.py_str(&e.args[0])
                }
            }
            _ => self.repr(&Value::tuple(e.args.clone())),
        }
    }

    pub(crate) fn repr(&mut self, v: &Value) -> R<String> {
        let mut out = String::new();
        let mut seen: Vec<usize> = Vec::new();
        self.repr_into(v, &mut out, 0, &mut seen)?;
        Ok(out)
    }

    fn repr_into(
        &mut self,
        v: &Value,
        out: &mut String,
        depth: usize,
        seen: &mut Vec<usize>,
    ) -> R<()> {
        if depth > self.limits.max_nesting {
            return Err(self.nesting_err());
        }
        if out.len() > self.limits.max_str_len {
            self.check_str_len(out.len())?;
        }
        match v {
            Value::None => out.push_str("None"),
            Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => {
                self.fuel(s.byte_len() as u64 / 64)?;
                out.push_str(&repr_str(s.as_str()))
            }
            Value::List(l) => {
                let p = Rc::as_ptr(l) as *const u8 as usize;
                if seen.contains(&p) {
                    out.push_str("[...]");
                    return Ok(());
                }
                seen.push(p);
                let items = l.borrow().clone();
                out.push('[');
                self.repr_seq(&items, out, depth, seen)?;
                out.push(']');
                seen.pop();
            }
            Value::Tuple(t) => {
                let p = Rc::as_ptr(t) as *const u8 as usize;
                if seen.contains(&p) {
                    out.push_str("(...)");
                    return Ok(());
                }
                seen.push(p);
                out.push('(');
                self.repr_seq(t, out, depth, seen)?;
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
                seen.pop();
            }
            Value::Dict(d) => {
                let p = Rc::as_ptr(d) as *const u8 as usize;
                if seen.contains(&p) {
                    out.push_str("{...}");
                    return Ok(());
                }
                seen.push(p);
                let (items, kind): (Vec<(Value, Value)>, DictKind) = {
                    let d = d.borrow();
                    (d.map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect(), d.kind.clone())
                };
                let close = match &kind {
                    DictKind::Plain => "}",
                    DictKind::Counter => {
                        if items.is_empty() {
                            out.push_str("Counter()");
                            seen.pop();
                            return Ok(());
                        }
                        out.push_str("Counter(");
                        "})"
                    }
                    DictKind::Ordered => {
                        if items.is_empty() {
                            out.push_str("OrderedDict()");
                            seen.pop();
                            return Ok(());
                        }
                        out.push_str("OrderedDict([");
                        for (i, (k, v)) in items.iter().enumerate() {
                            if i > 0 {
                                out.push_str(", ");
                            }
                            out.push('(');
                            self.repr_into(k, out, depth + 1, seen)?;
                            out.push_str(", ");
                            self.repr_into(v, out, depth + 1, seen)?;
                            out.push(')');
                        }
                        out.push_str("])");
                        seen.pop();
                        return Ok(());
                    }
                    DictKind::Default(f) => {
                        out.push_str("defaultdict(");
                        let f = f.clone();
                        self.repr_into(&f, out, depth + 1, seen)?;
                        out.push_str(", ");
                        "})"
                    }
                };
                let items = if let DictKind::Counter = kind {
                    let mut items = items;
                    // Counter prints most common first (stable for ties).
                    let mut keyed: Vec<(f64, usize, (Value, Value))> = items
                        .drain(..)
                        .enumerate()
                        .map(|(i, kv)| (crate::vm::ops::as_float(&kv.1).unwrap_or(0.0), i, kv))
                        .collect();
                    keyed.sort_by(|a, b| {
                        b.0.partial_cmp(&a.0)
                            .unwrap_or(std::cmp::Ordering::Equal)
                            .then(a.1.cmp(&b.1))
                    });
                    keyed.into_iter().map(|x| x.2).collect()
                } else {
                    items
                };
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.repr_into(k, out, depth + 1, seen)?;
                    out.push_str(": ");
                    self.repr_into(v, out, depth + 1, seen)?;
                }
                out.push_str(close);
                seen.pop();
            }
            Value::Set(s) => {
                let items: Vec<Value> = crate::vm::ops::set_order(&s.borrow());
                if items.is_empty() {
                    out.push_str("set()");
                } else {
                    out.push('{');
                    self.repr_seq(&items, out, depth, seen)?;
                    out.push('}');
                }
            }
            Value::FrozenSet(s) => {
                let items: Vec<Value> = crate::vm::ops::set_order(s);
                if items.is_empty() {
                    out.push_str("frozenset()");
                } else {
                    out.push_str("frozenset({");
                    self.repr_seq(&items, out, depth, seen)?;
                    out.push_str("})");
                }
            }
            Value::Deque(d) => {
                let items: Vec<Value> = d.borrow().iter().cloned().collect();
                out.push_str("deque([");
                self.repr_seq(&items, out, depth, seen)?;
                match d.maxlen {
                    Some(m) => out.push_str(&format!("], maxlen={m})")),
                    None => out.push_str("])"),
                }
            }
            Value::Range(r) => {
                if r.2 == 1 {
                    out.push_str(&format!("range({}, {})", r.0, r.1));
                } else {
                    out.push_str(&format!("range({}, {}, {})", r.0, r.1, r.2));
                }
            }
            Value::Slice(s) => {
                out.push_str("slice(");
                let s = s.clone();
                self.repr_into(&s.0, out, depth + 1, seen)?;
                out.push_str(", ");
                self.repr_into(&s.1, out, depth + 1, seen)?;
                out.push_str(", ");
                self.repr_into(&s.2, out, depth + 1, seen)?;
                out.push(')');
            }
            Value::Func(f) => out.push_str(&format!(
                "<function {} at 0x{:x}>",
                f.code.name,
                Rc::as_ptr(f) as usize
            )),
            Value::Builtin(b) => {
                if b.module == "host" {
                    out.push_str(&format!("<host function {}>", b.name))
                } else {
                    out.push_str(&format!("<built-in function {}>", b.name))
                }
            }
            Value::Method(m) => {
                out.push_str(&format!("<built-in method {} of {} object>", m.1, m.0.type_name()))
            }
            Value::Type(t) => out.push_str(&t.class_repr()),
            Value::Exc(e) => {
                out.push_str(e.kind.name());
                let args = Value::tuple(e.args.clone());
                if e.args.len() == 1 {
                    out.push('(');
                    self.repr_into(&e.args[0], out, depth + 1, seen)?;
                    out.push(')');
                } else {
                    self.repr_into(&args, out, depth + 1, seen)?;
                }
            }
            Value::Module(m) => out.push_str(&format!("<module '{}' (built-in)>", m.name)),
            Value::Iter(_) => out.push_str("<iterator object>"),
            Value::Coroutine(c) => {
                out.push_str(&format!("<coroutine object {}>", c.borrow().func.code.name))
            }
            Value::HostFuture(h) => out.push_str(&format!("<coroutine object {}>", h.name)),
            Value::Gather(_) => out.push_str("<_GatheringFuture pending>"),
            Value::Host(h) => out.push_str(&format!("<{} object>", h.type_name())),
            Value::Native(n) => out.push_str(&crate::modules::native_repr(self, n)?),
            Value::Ellipsis => out.push_str("Ellipsis"),
        }
        Ok(())
    }

    fn repr_seq(
        &mut self,
        items: &[Value],
        out: &mut String,
        depth: usize,
        seen: &mut Vec<usize>,
    ) -> R<()> {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.repr_into(x, out, depth + 1, seen)?;
        }
        Ok(())
    }

    // ----------------------------------------------------- format spec

    pub(crate) fn format_spec(&mut self, v: &Value, spec: &str) -> R<String> {
        if let Value::Native(n) = v {
            if let Native::DateTime(d) = &**n {
                return Ok(crate::modules::strftime(d, spec));
            }
        }
        let sp = parse_spec(spec)?;
        if let Some(w) = sp.width {
            self.check_str_len(w)?;
        }
        if let Some(p) = sp.precision {
            // Past the string cap it is the cap's error (a limit), as for width.
            if p > self.limits.max_str_len {
                self.check_str_len(p)?;
            }
            if p > 10_000 {
                return value_err("precision too big");
            }
        }
        let body = match v {
            Value::Str(s) => {
                if let Some(t) = sp.ty {
                    if t != 's' {
                        return value_err(format!(
                            "Unknown format code '{t}' for object of type 'str'"
                        ));
                    }
                }
                if sp.sign.is_some() {
                    return value_err("Sign not allowed in string format specifier");
                }
                if sp.align == Some('=') {
                    return value_err("'=' alignment not allowed in string format specifier");
                }
                if sp.alt {
                    return value_err("Alternate form (#) not allowed in string format specifier");
                }
                if let Some(g) = sp.grouping {
                    return value_err(format!("Cannot specify '{g}' with 's'."));
                }
                let mut t = s.as_str().to_string();
                if let Some(p) = sp.precision {
                    t = t.chars().take(p).collect();
                }
                return Ok(pad(&t, &sp, '<'));
            }
            Value::Int(_) | Value::Bool(_) => {
                let i = as_int(v).unwrap_or(0);
                if matches!(v, Value::Bool(_)) && sp.ty.is_none() && spec.is_empty() {
                    return Ok(if i != 0 { "True".into() } else { "False".into() });
                }
                if let (Some('s'), Some(g)) = (sp.ty, sp.grouping) {
                    return value_err(format!("Cannot specify '{g}' with 's'."));
                }
                match sp.ty {
                    None | Some('d') | Some('n') => {
                        if sp.precision.is_some() {
                            return value_err("Precision not allowed in integer format specifier");
                        }
                        fmt_int(i, 10, false, &sp)
                    }
                    Some('b') => fmt_int(i, 2, false, &sp),
                    Some('o') => fmt_int(i, 8, false, &sp),
                    Some('x') => fmt_int(i, 16, false, &sp),
                    Some('X') => fmt_int(i, 16, true, &sp),
                    Some('c') => match char::from_u32(i as u32) {
                        Some(c) => return Ok(pad(&c.to_string(), &sp, '<')),
                        None => {
                            return exc(ExcKind::OverflowError, "%c arg not in range(0x110000)");
                        }
                    },
                    Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => fmt_float(i as f64, &sp),
                    Some(t) => {
                        return value_err(format!(
                            "Unknown format code '{t}' for object of type 'int'"
                        ));
                    }
                }
            }
            Value::Float(f) => match sp.ty {
                Some('d' | 'b' | 'o' | 'x' | 'X' | 'c') => {
                    return value_err(format!(
                        "Unknown format code '{}' for object of type 'float'",
                        sp.ty.unwrap_or('d')
                    ));
                }
                _ => fmt_float(*f, &sp),
            },
            other => {
                if spec.is_empty() {
                    return self.py_str(other);
                }
                return type_err(format!(
                    "unsupported format string passed to {}.__format__",
                    other.type_name()
                ));
            }
        };
        Ok(pad_number(&body, &sp))
    }

    // ----------------------------------------------------- % formatting

    pub(crate) fn percent_format(&mut self, fmt: &str, args: &Value) -> R<String> {
        let (items, mapping): (Vec<Value>, Option<Value>) = match args {
            Value::Tuple(t) => (t.to_vec(), None),
            Value::Dict(_) => (vec![args.clone()], Some(args.clone())),
            other => (vec![other.clone()], None),
        };
        let mut out = String::new();
        let mut ai = 0;
        let chars: Vec<char> = fmt.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c != '%' {
                out.push(c);
                i += 1;
                continue;
            }
            i += 1;
            if i >= chars.len() {
                return value_err("incomplete format");
            }
            let mut key = None;
            if chars[i] == '(' {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != ')' {
                    j += 1;
                }
                key = Some(chars[start..j].iter().collect::<String>());
                i = j + 1;
            }
            let mut flags = String::new();
            while i < chars.len() && "-+ #0".contains(chars[i]) {
                flags.push(chars[i]);
                i += 1;
            }
            let mut width = String::new();
            if i < chars.len() && chars[i] == '*' {
                let w = items.get(ai).cloned().unwrap_or(Value::Int(0));
                ai += 1;
                width = as_int(&w).unwrap_or(0).to_string();
                i += 1;
            }
            while i < chars.len() && chars[i].is_ascii_digit() {
                width.push(chars[i]);
                i += 1;
            }
            // Checked before padding allocates (`'%1000000000s' % x`); an
            // unparsable (overlong) width is over any cap too.
            if !width.is_empty() {
                self.check_str_len(
                    width.trim_start_matches('-').parse::<usize>().unwrap_or(usize::MAX),
                )?;
            }
            let mut prec = None;
            if i < chars.len() && chars[i] == '.' && chars.get(i + 1) == Some(&'*') {
                let pv = items.get(ai).cloned().unwrap_or(Value::Int(0));
                ai += 1;
                i += 2;
                prec = Some(as_int(&pv).unwrap_or(0).to_string());
            }
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                let mut p = String::new();
                while i < chars.len() && chars[i].is_ascii_digit() {
                    p.push(chars[i]);
                    i += 1;
                }
                prec = Some(p);
            }
            if let Some(p) = prec.as_deref().filter(|p| !p.is_empty()) {
                self.check_str_len(
                    p.trim_start_matches('-').parse::<usize>().unwrap_or(usize::MAX),
                )?;
            }
            if i >= chars.len() {
                return value_err("incomplete format");
            }
            let conv = chars[i];
            i += 1;
            if conv == '%' {
                out.push('%');
                continue;
            }
            let arg = match (&key, &mapping) {
                (Some(k), Some(m)) => self.getitem(m, &Value::str(k.as_str()))?,
                (Some(_), None) => return type_err("format requires a mapping"),
                (None, _) => {
                    let a = items.get(ai).cloned();
                    ai += 1;
                    match a {
                        Some(a) => a,
                        None => return type_err("not enough arguments for format string"),
                    }
                }
            };
            let mut spec = String::new();
            let left = flags.contains('-');
            if flags.contains('+') {
                spec.push('+');
            } else if flags.contains(' ') {
                spec.push(' ');
            }
            if flags.contains('#') {
                spec.push('#');
            }
            if flags.contains('0') && !left {
                spec.push('0');
            }
            spec.push_str(&width);
            if let Some(p) = &prec {
                spec.push('.');
                spec.push_str(if p.is_empty() { "0" } else { p });
            }
            let piece = match conv {
                's' | 'r' | 'a' => {
                    let s = match conv {
                        's' => self.py_str(&arg)?,
                        'r' => self.repr(&arg)?,
                        _ => ascii_escape(&self.repr(&arg)?),
                    };
                    let s: String = match &prec {
                        Some(p) => s.chars().take(p.parse().unwrap_or(0)).collect(),
                        None => s,
                    };
                    let w: usize = width.parse().unwrap_or(0);
                    let n = s.chars().count();
                    if n < w {
                        if left {
                            format!("{s}{}", " ".repeat(w - n))
                        } else {
                            format!("{}{s}", " ".repeat(w - n))
                        }
                    } else {
                        s
                    }
                }
                'd' | 'i' | 'u' => {
                    let n = match &arg {
                        Value::Float(f) => Value::Int(f.trunc() as i64),
                        Value::Int(_) | Value::Bool(_) => Value::Int(as_int(&arg).unwrap_or(0)),
                        other => {
                            return type_err(format!(
                                "%{conv} format: a real number is required, not {}",
                                other.type_name()
                            ));
                        }
                    };
                    let iv = as_int(&n).unwrap_or(0);
                    match &prec {
                        Some(p) => {
                            let pn: usize = p.parse().unwrap_or(0);
                            let digits = iv.unsigned_abs().to_string();
                            let zeros = "0".repeat(pn.saturating_sub(digits.len()));
                            let sign = if iv < 0 {
                                "-"
                            } else if flags.contains('+') {
                                "+"
                            } else if flags.contains(' ') {
                                " "
                            } else {
                                ""
                            };
                            pad_plain(format!("{sign}{zeros}{digits}"), left, &width)
                        }
                        None => {
                            let s = self.format_spec(&n, &spec)?;
                            left_pad_fix(s, left, &width)
                        }
                    }
                }
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                    let f = match crate::vm::ops::as_float(&arg) {
                        Some(f) => f,
                        None => {
                            return type_err(format!(
                                "must be real number, not {}",
                                arg.type_name()
                            ));
                        }
                    };
                    let mut sp = spec.clone();
                    if prec.is_none() {
                        sp.push_str(".6");
                    }
                    sp.push(conv);
                    let s = self.format_spec(&Value::Float(f), &sp)?;
                    left_pad_fix(s, left, &width)
                }
                'x' | 'X' | 'o' => {
                    let Some(n) = as_int(&arg) else {
                        return type_err(format!(
                            "%{conv} format: an integer is required, not {}",
                            arg.type_name()
                        ));
                    };
                    let mut sp = spec.clone();
                    sp.push(conv);
                    let s = self.format_spec(&Value::Int(n), &sp)?;
                    left_pad_fix(s, left, &width)
                }
                'c' => match &arg {
                    Value::Str(s) => s.as_str().to_string(),
                    v => match as_int(v).and_then(|i| char::from_u32(i as u32)) {
                        Some(c) => c.to_string(),
                        None => return type_err("%c requires int or char"),
                    },
                },
                other => {
                    return value_err(format!(
                        "unsupported format character '{other}' (0x{:x}) at index {}",
                        other as u32,
                        i - 1
                    ));
                }
            };
            out.push_str(&piece);
        }
        if mapping.is_none() && ai < items.len() {
            return type_err("not all arguments converted during string formatting");
        }
        Ok(out)
    }

    // ----------------------------------------------------- str.format

    pub(crate) fn str_format(
        &mut self,
        fmt: &str,
        args: &[Value],
        kwargs: &[(smol_str::SmolStr, Value)],
    ) -> R<String> {
        let mut out = String::new();
        let chars: Vec<char> = fmt.chars().collect();
        let mut i = 0;
        let mut auto = 0usize;
        let (mut manual, mut used_auto) = (false, false);
        while i < chars.len() {
            let c = chars[i];
            if c == '{' {
                if chars.get(i + 1) == Some(&'{') {
                    out.push('{');
                    i += 2;
                    continue;
                }
                // Find the matching close brace (one level of nesting for specs).
                let mut j = i + 1;
                let mut depth = 1;
                while j < chars.len() {
                    if chars[j] == '{' {
                        depth += 1;
                    } else if chars[j] == '}' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return value_err("Single '{' encountered in format string");
                }
                let field: String = chars[i + 1..j].iter().collect();
                i = j + 1;
                let (name_part, spec) = match field.find(':') {
                    Some(p) => (field[..p].to_string(), field[p + 1..].to_string()),
                    None => (field.clone(), String::new()),
                };
                let (name_part, conv) = match name_part.find('!') {
                    Some(p) => (name_part[..p].to_string(), name_part[p + 1..].chars().next()),
                    None => (name_part, None),
                };
                // Split name into base and [index] accessors.
                let base_end = name_part.find(['[', '.']).unwrap_or(name_part.len());
                let base = &name_part[..base_end];
                if base.is_empty() {
                    if manual {
                        return value_err(
                            "cannot switch from manual field specification to automatic field numbering",
                        );
                    }
                    used_auto = true;
                } else if base.parse::<usize>().is_ok() {
                    if used_auto {
                        return value_err(
                            "cannot switch from automatic field numbering to manual field specification",
                        );
                    }
                    manual = true;
                }
                let mut v = if base.is_empty() {
                    let v = args.get(auto).cloned();
                    auto += 1;
                    match v {
                        Some(v) => v,
                        None => {
                            return exc(
                                ExcKind::IndexError,
                                format!(
                                    "Replacement index {} out of range for positional args tuple",
                                    auto - 1
                                ),
                            );
                        }
                    }
                } else if let Ok(n) = base.parse::<usize>() {
                    match args.get(n) {
                        Some(v) => v.clone(),
                        None => {
                            return exc(
                                ExcKind::IndexError,
                                format!(
                                    "Replacement index {n} out of range for positional args tuple"
                                ),
                            );
                        }
                    }
                } else {
                    match kwargs.iter().find(|(k, _)| k == base) {
                        Some((_, v)) => v.clone(),
                        None => {
                            return Err(Fault::Exc(Exception::with_args(
                                ExcKind::KeyError,
                                vec![Value::str(base)],
                            )));
                        }
                    }
                };
                let mut rest = &name_part[base_end..];
                while !rest.is_empty() {
                    if let Some(r) = rest.strip_prefix('[') {
                        let end = r.find(']').unwrap_or(r.len());
                        let key = &r[..end];
                        let idx = match key.parse::<i64>() {
                            Ok(n) => Value::Int(n),
                            Err(_) => Value::str(key),
                        };
                        v = self.getitem(&v, &idx)?;
                        rest = &r[(end + 1).min(r.len())..];
                    } else if let Some(r) = rest.strip_prefix('.') {
                        let end = r.find(['[', '.']).unwrap_or(r.len());
                        v = self.get_attr(&v, &r[..end])?;
                        rest = &r[end..];
                    } else {
                        break;
                    }
                }
                let v = match conv {
                    Some('r') => Value::str(self.repr(&v)?),
                    Some('s') => Value::str(self.py_str(&v)?),
                    Some('a') => Value::str(ascii_escape(&self.repr(&v)?)),
                    _ => v,
                };
                // Nested fields in the spec (`{:{}}`) continue the automatic numbering.
                let spec = if spec.contains('{') {
                    let mut resolved = String::with_capacity(spec.len());
                    let mut rest = spec.as_str();
                    while let Some(open) = rest.find('{') {
                        resolved.push_str(&rest[..open]);
                        let Some(close) = rest[open..].find('}') else {
                            return value_err("unmatched '{' in format spec");
                        };
                        let name = &rest[open + 1..open + close];
                        let arg = if name.is_empty() {
                            if manual {
                                return value_err(
                                    "cannot switch from manual field specification to automatic field numbering",
                                );
                            }
                            used_auto = true;
                            auto += 1;
                            args.get(auto - 1).cloned().ok_or(auto - 1)
                        } else if let Ok(n) = name.parse::<usize>() {
                            args.get(n).cloned().ok_or(n)
                        } else {
                            match kwargs.iter().find(|(k, _)| k == name) {
                                Some((_, v)) => Ok(v.clone()),
                                None => {
                                    return Err(Fault::Exc(Exception::with_args(
                                        ExcKind::KeyError,
                                        vec![Value::str(name)],
                                    )));
                                }
                            }
                        };
                        match arg {
                            Ok(a) => resolved.push_str(&self.py_str(&a)?),
                            Err(n) => {
                                return exc(
                                    ExcKind::IndexError,
                                    format!(
                                        "Replacement index {n} out of range for positional args tuple"
                                    ),
                                );
                            }
                        }
                        rest = &rest[open + close + 1..];
                    }
                    resolved.push_str(rest);
                    resolved
                } else {
                    spec
                };
                let s =
                    if spec.is_empty() { self.py_str(&v)? } else { self.format_spec(&v, &spec)? };
                out.push_str(&s);
            } else if c == '}' {
                if chars.get(i + 1) == Some(&'}') {
                    out.push('}');
                    i += 2;
                    continue;
                }
                return value_err("Single '}' encountered in format string");
            } else {
                out.push(c);
                i += 1;
            }
        }
        self.check_str_len(out.len())?;
        Ok(out)
    }
}

fn pad_plain(s: String, left: bool, width: &str) -> String {
    let w: usize = width.parse().unwrap_or(0);
    let n = s.chars().count();
    if n >= w {
        s
    } else if left {
        format!("{s}{}", " ".repeat(w - n))
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

fn left_pad_fix(s: String, left: bool, width: &str) -> String {
    if !left {
        return s;
    }
    let w: usize = width.parse().unwrap_or(0);
    let t = s.trim_start().to_string();
    let n = t.chars().count();
    if n < w { format!("{t}{}", " ".repeat(w - n)) } else { t }
}

#[derive(Debug, Default)]
pub(crate) struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> R<Spec> {
    let c: Vec<char> = spec.chars().collect();
    let mut sp = Spec::default();
    let mut i = 0;
    if c.len() >= 2 && "<>=^".contains(c[1]) {
        sp.fill = Some(c[0]);
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && "<>=^".contains(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && "+- ".contains(c[i]) {
        sp.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let mut w = String::new();
    while i < c.len() && c[i].is_ascii_digit() {
        w.push(c[i]);
        i += 1;
    }
    if !w.is_empty() {
        sp.width = Some(w.parse().map_err(|_| {
            Fault::Exc(Exception::new(
                ExcKind::ValueError,
                "Too many decimal digits in format string",
            ))
        })?);
    }
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        sp.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let mut p = String::new();
        while i < c.len() && c[i].is_ascii_digit() {
            p.push(c[i]);
            i += 1;
        }
        if p.is_empty() {
            return value_err("Format specifier missing precision");
        }
        sp.precision = Some(p.parse().map_err(|_| {
            Fault::Exc(Exception::new(
                ExcKind::ValueError,
                "Too many decimal digits in format string",
            ))
        })?);
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return value_err("Invalid format specifier");
    }
    Ok(sp)
}

fn group_digits(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i) % every == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn sign_str(neg: bool, sp: &Spec) -> &'static str {
    if neg {
        "-"
    } else {
        match sp.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    }
}

/// Returns "sign|prefix|digits" joined with \0 separators for padding.
fn fmt_int(i: i64, base: u32, upper: bool, sp: &Spec) -> String {
    let neg = i < 0;
    let mag = i.unsigned_abs();
    let mut digits = match base {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 => {
            if upper {
                format!("{mag:X}")
            } else {
                format!("{mag:x}")
            }
        }
        _ => mag.to_string(),
    };
    if let Some(g) = sp.grouping {
        digits = group_digits(&digits, g, if base == 10 { 3 } else { 4 });
    }
    let prefix = if sp.alt {
        match (base, upper) {
            (2, _) => "0b",
            (8, _) => "0o",
            (16, false) => "0x",
            (16, true) => "0X",
            _ => "",
        }
    } else {
        ""
    };
    format!("{}\0{}\0{}", sign_str(neg, sp), prefix, digits)
}

fn fmt_float(f: f64, sp: &Spec) -> String {
    let neg = f.is_sign_negative() && !f.is_nan();
    let a = f.abs();
    let upper = matches!(sp.ty, Some('E' | 'F' | 'G'));
    let mut body = if !a.is_finite() {
        if a.is_nan() { "nan".to_string() } else { "inf".to_string() }
    } else {
        match sp.ty {
            Some('f' | 'F') => format!("{:.*}", sp.precision.unwrap_or(6), a),
            Some('%') => format!("{:.*}%", sp.precision.unwrap_or(6), a * 100.0),
            Some('e' | 'E') => fmt_exp(a, sp.precision.unwrap_or(6), sp.alt),
            Some('g' | 'G') => fmt_general(a, sp.precision.unwrap_or(6), sp.alt),
            Some('n') => fmt_general(a, sp.precision.unwrap_or(6), sp.alt),
            _ => match sp.precision {
                // No type: like 'g' but always with a decimal point or exponent.
                Some(p) => {
                    let g = fmt_general(a, p.max(1), sp.alt);
                    if g.contains(['.', 'e', 'n', 'i']) { g } else { format!("{g}.0") }
                }
                None => float_repr(a),
            },
        }
    };
    if upper {
        body = body.to_uppercase();
    }
    if let Some(g) = sp.grouping {
        let (int_part, rest) = match body.find(['.', 'e', 'E', '%']) {
            Some(p) => (body[..p].to_string(), body[p..].to_string()),
            None => (body.clone(), String::new()),
        };
        if int_part.chars().all(|c| c.is_ascii_digit()) {
            body = format!("{}{}", group_digits(&int_part, g, 3), rest);
        }
    }
    format!("{}\0\0{}", sign_str(neg, sp), body)
}

fn fmt_exp(a: f64, prec: usize, alt: bool) -> String {
    let s = format!("{:.*e}", prec, a);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mant = if alt && prec == 0 { format!("{mant}.") } else { mant.to_string() };
    format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn fmt_general(a: f64, prec: usize, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if a == 0.0 {
        return if alt { format!("0.{}", "0".repeat(p - 1)) } else { "0".into() };
    }
    let s = format!("{:.*e}", p - 1, a);
    let exp: i32 = s.split_once('e').map(|(_, e)| e.parse().unwrap_or(0)).unwrap_or(0);
    if exp >= -4 && exp < p as i32 {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let mut t = format!("{:.*}", decimals, a);
        if !alt && t.contains('.') {
            t = t.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if alt && !t.contains('.') {
            t.push('.');
        }
        t
    } else {
        let (mant, _) = s.split_once('e').unwrap_or((&s, ""));
        let mut m = mant.to_string();
        if !alt && m.contains('.') {
            m = m.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// Pad a formatted number ("sign\0prefix\0digits") per the spec.
fn pad_number(body: &str, sp: &Spec) -> String {
    let mut parts = body.splitn(3, '\0');
    let sign = parts.next().unwrap_or("");
    let prefix = parts.next().unwrap_or("");
    let digits = parts.next().unwrap_or("");
    let width = sp.width.unwrap_or(0);
    let len = sign.chars().count() + prefix.len() + digits.chars().count();
    let fill = sp.fill.unwrap_or(if sp.zero { '0' } else { ' ' });
    let align = sp.align.unwrap_or(if sp.zero { '=' } else { '>' });
    if len >= width {
        return format!("{sign}{prefix}{digits}");
    }
    let padn = width - len;
    if align == '=' && fill == '0' && sp.grouping.is_some() && sp.zero {
        // Zero padding with grouping inserts separators into the padding.
        let g = sp.grouping.unwrap_or(',');
        let raw: String = digits.chars().filter(|c| *c != g).collect();
        let (int_part, rest) = match raw.find(['.', 'e', 'E', '%']) {
            Some(p) => (raw[..p].to_string(), raw[p..].to_string()),
            None => (raw.clone(), String::new()),
        };
        let mut int_digits = int_part;
        loop {
            let grouped = group_digits(&int_digits, g, 3);
            let total = sign.len() + prefix.len() + grouped.len() + rest.len();
            if total >= width {
                return format!("{sign}{prefix}{grouped}{rest}");
            }
            int_digits.insert(0, '0');
        }
    }
    let fills = |n: usize| fill.to_string().repeat(n);
    match align {
        '<' => format!("{sign}{prefix}{digits}{}", fills(padn)),
        '^' => format!("{}{sign}{prefix}{digits}{}", fills(padn / 2), fills(padn - padn / 2)),
        '=' => format!("{sign}{prefix}{}{digits}", fills(padn)),
        _ => format!("{}{sign}{prefix}{digits}", fills(padn)),
    }
}

fn pad(s: &str, sp: &Spec, default_align: char) -> String {
    let width = sp.width.unwrap_or(0);
    let n = s.chars().count();
    if n >= width {
        return s.to_string();
    }
    let fill = sp.fill.unwrap_or(if sp.zero && sp.align.is_none() { '0' } else { ' ' });
    let padn = width - n;
    let fills = |k: usize| fill.to_string().repeat(k);
    match sp.align.unwrap_or(default_align) {
        '>' => format!("{}{s}", fills(padn)),
        '^' => format!("{}{s}{}", fills(padn / 2), fills(padn - padn / 2)),
        _ => format!("{s}{}", fills(padn)),
    }
}
