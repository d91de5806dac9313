//! `io.StringIO`: an in-memory text file (CPython's positions are code
//! points; `newline='\n'`, so nothing is translated): read, readline,
//! iteration, write, getvalue, seek, tell, truncate, close. Its buffer
//! charges the memory count itself (see `mem`), since a `StringIO` held in a
//! variable can grow without a container around it.

use std::cell::RefCell;

use crate::args::as_int;
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::cost::CostTable;
use crate::fault::{R, exc, type_err, value_err};
use crate::mem::AccountRef;
use crate::meter::Meter;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// An in-memory text file.
pub struct StringIo(RefCell<IoState>);

struct IoState {
    buf: String,
    /// Byte offset of the position (always on a character boundary).
    pos: usize,
    closed: bool,
    /// Bytes charged to `account` for `buf`.
    charged: usize,
    account: AccountRef,
}

impl IoState {
    fn recharge(&mut self) {
        let now = crate::mem::block(self.buf.capacity());
        self.account.credit(self.charged);
        self.account.charge(now);
        self.charged = now;
    }
}

impl Drop for StringIo {
    fn drop(&mut self) {
        let st = self.0.get_mut();
        st.account.credit(st.charged);
    }
}

pub(crate) const METHODS: &[&str] = &[
    "read",
    "readline",
    "readlines",
    "write",
    "writelines",
    "getvalue",
    "seek",
    "tell",
    "truncate",
    "close",
];

impl StringIo {
    pub(crate) fn new(initial: String) -> StringIo {
        let mut st = IoState {
            buf: initial,
            pos: 0,
            closed: false,
            charged: 0,
            account: crate::mem::current(),
        };
        st.recharge();
        StringIo(RefCell::new(st))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.0.borrow().closed
    }

    /// The lines from the position to the end (the position moves there):
    /// iterating the file.
    pub(crate) fn remaining_lines(&self, meter: &mut Meter) -> R<Vec<Value>> {
        let st = self.0.borrow();
        if st.closed {
            return value_err("I/O operation on closed file");
        }
        let rest = &st.buf[st.pos..];
        meter.fuel((rest.len() / 64) as u64)?;
        // Each line charges itself as it is made, the list as it grows, and
        // pays its making first: a string per line, however short (issue
        // #77's cost fuzzer: 32x the loop's time per unit at none).
        let mut lines = ChargedVec::new();
        for line in rest.split_inclusive('\n') {
            meter.fuel(FUEL_PER_LINE_MADE)?;
            lines.push(meter, Value::str(line))?;
        }
        let end = st.buf.len();
        drop(st);
        self.0.borrow_mut().pos = end;
        Ok(lines.into_vec())
    }
}

/// Fuel for each line `readlines` or iteration makes: a string made and
/// pushed (tens of nanoseconds, as a csv field's).
const FUEL_PER_LINE_MADE: u64 = 24;

/// Byte offset of the `n`th character of `s` from `from` (clamped to the end).
fn advance(s: &str, from: usize, n: usize) -> usize {
    s[from..].char_indices().nth(n).map_or(s.len(), |(b, _)| from + b)
}

fn size_arg(args: &[Value]) -> R<Option<usize>> {
    match args.first() {
        None | Some(Value::None) => Ok(None),
        Some(v) => match as_int(v) {
            Some(n) if n < 0 => Ok(None),
            Some(n) => Ok(Some(n as usize)),
            None => {
                type_err(format!("argument should be integer or None, not '{}'", v.type_name()))
            }
        },
    }
}

pub(crate) fn method<C: Callbacks + ?Sized>(
    cx: &mut C,
    f: &StringIo,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    if f.0.borrow().closed && name != "close" {
        return value_err("I/O operation on closed file");
    }
    match name {
        "read" => {
            let size = size_arg(&args)?;
            let mut st = f.0.borrow_mut();
            let end = match size {
                Some(n) => advance(&st.buf, st.pos, n),
                None => st.buf.len(),
            };
            cx.meter().fuel(((end - st.pos) / 64) as u64)?;
            let out = Value::str(&st.buf[st.pos..end]);
            st.pos = end;
            Ok(out)
        }
        "readline" => {
            let size = size_arg(&args)?;
            let mut st = f.0.borrow_mut();
            let rest = &st.buf[st.pos..];
            let mut end = st.pos + rest.find('\n').map_or(rest.len(), |i| i + 1);
            if let Some(n) = size {
                end = end.min(advance(&st.buf, st.pos, n));
            }
            cx.meter().fuel(((end - st.pos) / 64) as u64)?;
            let out = Value::str(&st.buf[st.pos..end]);
            st.pos = end;
            Ok(out)
        }
        "readlines" => Ok(Value::list(f.remaining_lines(cx.meter())?)),
        "write" => {
            let Some(Value::Str(s)) = args.first() else {
                let got = args.first().map_or("nothing", |v| v.type_name());
                return type_err(format!("string argument expected, got '{got}'"));
            };
            write(cx.meter(), f, s.as_str())?;
            Ok(Value::Int(s.char_len() as i64))
        }
        "writelines" => {
            let lines = cx.iterate(args.first().unwrap_or(&Value::None))?;
            for l in lines {
                let Value::Str(s) = &l else {
                    return type_err(format!("string argument expected, got '{}'", l.type_name()));
                };
                write(cx.meter(), f, s.as_str())?;
            }
            Ok(Value::None)
        }
        "getvalue" => {
            let st = f.0.borrow();
            cx.meter().fuel((st.buf.len() / 64) as u64)?;
            cx.meter().alloc(st.buf.len())?;
            Ok(Value::str(st.buf.as_str()))
        }
        "seek" => {
            let pos = args.first().and_then(as_int).unwrap_or(0);
            let whence = args.get(1).and_then(as_int).unwrap_or(0);
            let mut st = f.0.borrow_mut();
            match whence {
                0 if pos < 0 => value_err(format!("Negative seek position {pos}")),
                0 => {
                    cx.meter().fuel(pos as u64 / 64)?;
                    st.pos = advance(&st.buf, 0, pos as usize);
                    Ok(Value::Int(pos))
                }
                1 | 2 if pos != 0 => exc(ExcKind::OSError, "Can't do nonzero cur-relative seeks"),
                1 => Ok(Value::Int(st.buf[..st.pos].chars().count() as i64)),
                2 => {
                    st.pos = st.buf.len();
                    Ok(Value::Int(st.buf.chars().count() as i64))
                }
                w => value_err(format!("Invalid whence ({w}, should be 0, 1 or 2)")),
            }
        }
        "tell" => {
            let st = f.0.borrow();
            cx.meter().fuel((st.pos / 64) as u64)?;
            Ok(Value::Int(st.buf[..st.pos].chars().count() as i64))
        }
        "truncate" => {
            let mut st = f.0.borrow_mut();
            let at = match size_arg(&args)? {
                Some(n) => advance(&st.buf, 0, n),
                None => st.pos,
            };
            let at = at.min(st.buf.len());
            st.buf.truncate(at);
            st.recharge();
            Ok(Value::Int(st.buf[..at].chars().count() as i64))
        }
        "close" => {
            f.0.borrow_mut().closed = true;
            Ok(Value::None)
        }
        _ => {
            exc(ExcKind::AttributeError, format!("'_io.StringIO' object has no attribute '{name}'"))
        }
    }
}

/// Write `s` at the position (overwriting what is there, as CPython does),
/// charged before the buffer grows: when `s` does not fit, the buffer's new
/// capacity (double, as `String` would grow it) is charged and reserved
/// first (charging only `s` let a 256 MiB buffer double uncounted: a
/// `csv.writer` flood peaked at 3x the budget).
pub(crate) fn write(meter: &mut Meter, f: &StringIo, s: &str) -> R<()> {
    meter.fuel((s.len() / 64) as u64 + 1)?;
    let (len, cap) = {
        let st = f.0.borrow();
        (st.buf.len(), st.buf.capacity())
    };
    let new_len = len + s.len();
    meter.check_str_len(s.len())?;
    if new_len > meter.limits.max_str_len {
        meter.check_str_len(new_len)?;
    }
    if new_len > cap {
        let new_cap = cap.saturating_mul(2).max(new_len).max(64);
        meter.alloc(crate::mem::block(new_cap))?;
        let mut st = f.0.borrow_mut();
        st.buf.reserve_exact(new_cap - len);
        st.recharge();
    }
    let mut st = f.0.borrow_mut();
    if st.pos == st.buf.len() {
        st.buf.push_str(s);
    } else {
        let pos = st.pos;
        let end = advance(&st.buf, pos, s.chars().count());
        st.buf.replace_range(pos..end, s);
    }
    st.pos += s.len();
    st.recharge();
    Ok(())
}

/// An `io.StringIO` as a value (iterating it is its remaining lines,
/// `vm/iter.rs`).
impl NativeObject for StringIo {
    fn ty(&self) -> Ty {
        Ty::Other(&"StringIO")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<_io.StringIO object>".to_string())]
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::STRINGIO_COSTS
    }

    /// Its box; its text charges itself (its account).
    fn mem_cost(&self) -> usize {
        boxed_cost::<StringIo>()
    }
}
