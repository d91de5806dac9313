//! `json.dumps`: serialisation with CPython's formatting, held to the
//! string cap and the nesting limit as it writes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err, value_err};
use crate::value::*;

pub(super) struct JsonOpts {
    pub(super) indent: Option<String>,
    pub(super) ensure_ascii: bool,
    pub(super) sort_keys: bool,
    /// `allow_nan=False` refuses nan and the infinities (values and keys).
    pub(super) allow_nan: bool,
    pub(super) item_sep: String,
    pub(super) key_sep: String,
    pub(super) default: Option<Value>,
    /// `skipkeys=True` leaves out the items whose key JSON cannot write.
    pub(super) skip_keys: bool,
    /// Containers being serialised, and objects handed to `default` (for
    /// "Circular reference detected").
    pub(super) seen: RefCell<Vec<usize>>,
    /// The `default` calls under way: a replacement is written at its
    /// object's indentation, but counts as a level for the nesting limit.
    pub(super) in_default: std::cell::Cell<usize>,
}

/// The most bytes `json.dumps` writes for one byte of a string: `\u001f`
/// for a one-byte control character; a wider character's escape under
/// `ensure_ascii` (`\u00e9`, a surrogate pair's 12) is at most three times
/// its UTF-8 bytes. [`escaped_len`] is at most this times the bytes plus 2.
const JSON_ESCAPE_MAX: usize = 6;

/// The bytes `s` takes once escaped: measured before it is written, so
/// the output is held to the string cap and the budget before it grows.
fn escaped_len(s: &str, ensure_ascii: bool) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\x08' | '\x0c' => 2,
            c if (c as u32) < 0x20 => 6,
            c if ensure_ascii && c as u32 >= 0x7f => 6 * c.len_utf16(),
            c => c.len_utf8(),
        })
        .fold(2, usize::saturating_add)
}

/// Makes room for `extra` more bytes of `out`: the string cap and the
/// budget are checked before the buffer grows (a single string or
/// separator can be as long as the cap: `r = json.dumps(r)` in a loop
/// doubled a string to 128 MiB in a 32 MiB session before any check).
fn reserve<C: Callbacks + ?Sized>(cx: &mut C, out: &mut String, extra: usize) -> R<()> {
    let needed = out.len().saturating_add(extra);
    if needed > cx.meter().limits.max_str_len {
        cx.meter().check_str_len(needed)?;
    }
    if needed > out.capacity() {
        cx.meter().check_text_growth(needed)?;
        out.reserve(extra);
    }
    Ok(())
}

/// Writes a separator or an indent that the program chose (any length).
fn push_checked<C: Callbacks + ?Sized>(cx: &mut C, out: &mut String, piece: &str) -> R<()> {
    cx.meter().fuel(crate::cost::fuel_for(crate::cost::TEXT, 0, piece.len() as u64))?;
    reserve(cx, out, piece.len())?;
    out.push_str(piece);
    Ok(())
}

/// Fuel for each character `json.dumps` writes escaped (`\n`, `\u00e9`,
/// a surrogate pair's `\ud83d\ude00`), besides the string's bytes at the
/// text rate, charged a block at a time before the characters are
/// written (what is left of the last block given back). Issue #77: each
/// `\uXXXX` was a `String` formatted on its own, and `json.dumps` of
/// 309,890 strings `'é中😀' * 4` took 56 ns a unit charged (26x the
/// loop's time). Written in place, 1.28 M `\x01` took 15.6 ns each (six
/// bytes of fresh output each) and `'é中😀'` 1.8 ns a unit with 3 units
/// a character: 5 units a character.
const FUEL_PER_CHAR_ESCAPED: u64 = 5;

/// The most escaped characters one charge of [`FUEL_PER_CHAR_ESCAPED`]
/// pays for ahead (the first pays for 16, each next for twice as many).
const MAX_ESCAPES_AHEAD: u64 = 4096;

/// Writes `\u` and `u` as four lowercase hex digits.
fn push_u_escape(out: &mut String, u: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let buf = [
        b'\\',
        b'u',
        HEX[(u >> 12) as usize & 15],
        HEX[(u >> 8) as usize & 15],
        HEX[(u >> 4) as usize & 15],
        HEX[u as usize & 15],
    ];
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Writes `s` as a JSON string, paying fuel per byte and per character
/// escaped and making room for it before a byte is written.
fn json_str<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &str,
    ensure_ascii: bool,
    out: &mut String,
) -> R<()> {
    cx.meter().fuel(crate::cost::fuel_for(crate::cost::TEXT, 1, s.len() as u64))?;
    // Measured exactly only when the bound (`JSON_ESCAPE_MAX` bytes a byte
    // and the quotes) could fail the cap or the budget: else a second scan
    // for nothing.
    let bound = out.len().saturating_add(s.len().saturating_mul(JSON_ESCAPE_MAX)).saturating_add(2);
    if !cx.meter().text_within_unchecked(bound, out.capacity()) {
        reserve(cx, out, escaped_len(s, ensure_ascii))?;
    }
    out.push('"');
    // Escapes paid for and not yet written, and the next block's size.
    let (mut paid, mut block) = (0u64, 16u64);
    // Runs of bytes written as they are (printable ASCII but `"` and `\`)
    // are copied whole; only the rest is looked at a character at a time.
    let mut rest = s;
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .position(|b| b < 0x20 || b == b'"' || b == b'\\' || (ensure_ascii && b >= 0x7f))
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(plain);
        out.push_str(run);
        let mut chars = tail.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        if paid == 0 {
            // No more escapes than characters left (this one and `rest`).
            paid = block.min(rest.len() as u64 + 1);
            block = (block * 2).min(MAX_ESCAPES_AHEAD);
            cx.meter().fuel(paid * FUEL_PER_CHAR_ESCAPED)?;
        }
        paid -= 1;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => push_u_escape(out, c as u16),
            // CPython escapes DEL too under `ensure_ascii` (all but ' '..'~').
            c if ensure_ascii && c as u32 >= 0x7f => {
                let mut buf = [0u16; 2];
                for &u in c.encode_utf16(&mut buf).iter() {
                    push_u_escape(out, u);
                }
            }
            c => out.push(c),
        }
    }
    cx.meter().refund(paid * FUEL_PER_CHAR_ESCAPED);
    out.push('"');
    Ok(())
}

pub(super) fn json_dump<C: Callbacks + ?Sized>(
    cx: &mut C,
    v: &Value,
    o: &JsonOpts,
    depth: usize,
    out: &mut String,
) -> R<()> {
    if depth.saturating_add(o.in_default.get()) > cx.meter().limits.max_nesting {
        return Err(cx.meter().nesting_err());
    }
    crate::stack_guard::guard_stack(cx.meter())?;
    if out.len() > cx.meter().limits.max_str_len {
        cx.meter().check_str_len(out.len())?;
    }
    cx.meter().check_text_growth(out.capacity())?;
    cx.meter().fuel(if depth > 0 { crate::cost::FUEL_PER_VALUE_WRITTEN } else { 1 })?;
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(AlignedBool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        // An int subclass (`re.IGNORECASE`) is written as its int, as CPython's `int.__repr__`.
        Value::Native(n) if n.as_int().is_some() => {
            out.push_str(&n.as_int().unwrap_or_default().to_string())
        }
        Value::Float(f) => out.push_str(&json_float(*f, o.allow_nan)?),
        Value::Str(s) => json_str(cx, s.as_str(), o.ensure_ascii, out)?,
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) => {
            let id = identity(v);
            if o.seen.borrow().contains(&id) {
                return value_err("Circular reference detected");
            }
            match v {
                Value::Dict(d) => dump_dict(cx, v, d, o, depth, out)?,
                _ => dump_list(cx, v, id, o, depth, out)?,
            }
        }
        other => {
            let Some(d) = &o.default else {
                return type_err(format!(
                    "Object of type {} is not JSON serializable",
                    other.type_name()
                ));
            };
            // Marked while its replacement is written: a `default` that
            // gives the object back is a circular reference, as in CPython.
            let id = identity(other);
            if id != 0 && o.seen.borrow().contains(&id) {
                return value_err("Circular reference detected");
            }
            o.seen.borrow_mut().push(id);
            let r = cx.call_value(d, vec![other.clone()], Vec::new())?;
            o.in_default.set(o.in_default.get() + 1);
            json_dump(cx, &r, o, depth, out)?;
            o.in_default.set(o.in_default.get() - 1);
            o.seen.borrow_mut().pop();
        }
    }
    Ok(())
}

/// The address that identifies a value held behind a pointer (0 for the
/// rest, which are written without `default` or never twice at once).
fn identity(v: &Value) -> usize {
    fn addr<T: ?Sized>(rc: &Rc<T>) -> usize {
        Rc::as_ptr(rc) as *const u8 as usize
    }
    match v {
        Value::List(l) => addr(l),
        Value::Dict(d) => addr(d),
        Value::Tuple(t) => addr(t),
        Value::Set(s) => addr(s),
        Value::FrozenSet(s) => addr(s),
        Value::Deque(d) => addr(d),
        Value::Range(r) => addr(r),
        Value::Slice(s) => addr(s),
        Value::Func(f) => addr(f),
        Value::Builtin(f) => addr(f),
        Value::Method(m) => addr(m),
        Value::Exc(e) => addr(e),
        Value::Module(m) => addr(m),
        Value::Iter(i) => addr(i),
        Value::Coroutine(c) => addr(c),
        Value::HostFuture(h) => addr(h),
        Value::Gather(g) => addr(g),
        Value::Host(h) => addr(h),
        Value::Native(n) => addr(n),
        _ => 0,
    }
}

/// A newline and `d` indents, held to the string cap before they are
/// written (an indent near the cap times the depth would overshoot it).
fn newline<C: Callbacks + ?Sized>(cx: &mut C, o: &JsonOpts, out: &mut String, d: usize) -> R<()> {
    if let Some(ind) = &o.indent {
        let extra = ind.len().saturating_mul(d).saturating_add(1);
        cx.meter().fuel(crate::cost::fuel_for(crate::cost::FILL, 0, extra as u64))?;
        reserve(cx, out, extra)?;
        out.push('\n');
        for _ in 0..d {
            out.push_str(ind);
        }
    }
    Ok(())
}

/// A list or a tuple. A list is read live, an item at a time, its length
/// read again at each step, as both of CPython's encoders read it: items a
/// `default` appends are written, items it removes are not.
fn dump_list<C: Callbacks + ?Sized>(
    cx: &mut C,
    v: &Value,
    id: usize,
    o: &JsonOpts,
    depth: usize,
    out: &mut String,
) -> R<()> {
    let item = |i: usize| match v {
        Value::List(l) => l.borrow().get(i).cloned(),
        Value::Tuple(t) => t.get(i).cloned(),
        _ => None,
    };
    let Some(first) = item(0) else {
        out.push_str("[]");
        return Ok(());
    };
    // Pushed once it will be popped: an empty list left behind made the
    // next reference to it (`[[]] * 2`) a "circular" one.
    o.seen.borrow_mut().push(id);
    out.push('[');
    newline(cx, o, out, depth + 1)?;
    json_dump(cx, &first, o, depth + 1, out)?;
    let mut i = 1;
    while let Some(x) = item(i) {
        push_checked(cx, out, &o.item_sep)?;
        newline(cx, o, out, depth + 1)?;
        json_dump(cx, &x, o, depth + 1, out)?;
        i += 1;
    }
    newline(cx, o, out, depth)?;
    out.push(']');
    o.seen.borrow_mut().pop();
    Ok(())
}

/// A dict. Without an indent CPython's C encoder writes a copy of its
/// items taken first (sorted by key under `sort_keys`); with one, its
/// Python encoder walks the live items (a value changed by a `default` is
/// seen, a change of size raises), or a sorted copy under `sort_keys`.
fn dump_dict<C: Callbacks + ?Sized>(
    cx: &mut C,
    v: &Value,
    d: &Rc<crate::gc::store_cell::StoreCell<Dict>>,
    o: &JsonOpts,
    depth: usize,
    out: &mut String,
) -> R<()> {
    if d.borrow().map.is_empty() {
        out.push_str("{}");
        return Ok(());
    }
    o.seen.borrow_mut().push(identity(v));
    let mut items: Vec<(Value, Value)> = Vec::new();
    let mut live = None;
    if o.indent.is_none() || o.sort_keys {
        items = d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
        if o.sort_keys {
            // The items in their keys' order (CPython sorts the (key,
            // value) pairs, whose keys differ: the keys decide).
            let keys: Vec<Value> = items.iter().map(|(k, _)| k.clone()).collect();
            let _scratch = crate::builtins::sort::charge_sort(cx, keys.len(), false)?;
            let (order, sorted) = crate::builtins::sort::order_of(cx, &keys, None, false)?;
            sorted?;
            let mut slots: Vec<Option<(Value, Value)>> = items.drain(..).map(Some).collect();
            items = order.iter().filter_map(|&i| slots.get_mut(i).and_then(Option::take)).collect();
        }
        items.reverse();
    } else {
        let view = Value::Native(Rc::new(Native::DictView(2, d.clone())));
        let Value::Iter(it) = cx.get_iter(view)? else {
            return type_err("dict items are not iterable");
        };
        live = Some(it);
    }
    out.push('{');
    newline(cx, o, out, depth + 1)?;
    let mut first = true;
    loop {
        let (k, x) = match &live {
            None => match items.pop() {
                Some(kx) => kx,
                None => break,
            },
            Some(it) => match cx.iter_next(it)? {
                Some(Value::Tuple(t)) if t.len() == 2 => (t[0].clone(), t[1].clone()),
                _ => break,
            },
        };
        // A string key is written from the program's own string, not a copy.
        let ks: std::borrow::Cow<'_, str> = match &k {
            Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
            Value::Int(i) => i.to_string().into(),
            Value::Native(n) if n.as_int().is_some() => {
                n.as_int().unwrap_or_default().to_string().into()
            }
            Value::Float(f) => json_float(*f, o.allow_nan)?.into(),
            Value::Bool(AlignedBool(b)) => (if *b { "true" } else { "false" }).into(),
            Value::None => "null".into(),
            _ if o.skip_keys => continue,
            other => {
                return type_err(format!(
                    "keys must be str, int, float, bool or None, not {}",
                    other.type_name()
                ));
            }
        };
        if !first {
            push_checked(cx, out, &o.item_sep)?;
            newline(cx, o, out, depth + 1)?;
        }
        first = false;
        json_str(cx, &ks, o.ensure_ascii, out)?;
        push_checked(cx, out, &o.key_sep)?;
        json_dump(cx, &x, o, depth + 1, out)?;
    }
    newline(cx, o, out, depth)?;
    out.push('}');
    o.seen.borrow_mut().pop();
    Ok(())
}

/// A float as JSON writes it, as a value or a key: `NaN`, `Infinity`,
/// `-Infinity`, else its repr.
fn json_float(f: f64, allow_nan: bool) -> R<String> {
    if !f.is_finite() && !allow_nan {
        return value_err("Out of range float values are not JSON compliant");
    }
    Ok(if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        (if f > 0.0 { "Infinity" } else { "-Infinity" }).into()
    } else {
        crate::types::float::repr::float_repr(f)
    })
}
