//! `csv.reader`: an iterator that reads its source a line at a time, as
//! CPython's does (a `StringIO`'s next line, any iterator's next string),
//! and only as far as the record it gives: a file read further by the
//! program after `next(reader)` goes on from there. Its `line_num` counts
//! the lines read; its `dialect` (`_csv.Dialect`, also a writer's) has the
//! formatting options as attributes. Each line pays the reader's fuel and
//! each field its memory as the eager reading does (`read_rows`).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{Dialect, Parser, State, csv_err};
use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::types::stringio::StringIo;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// Where a reader's lines come from.
enum Lines {
    /// A `StringIO`, read a line at a time (iterating the file).
    File(Value),
    /// Any other iterator of strings.
    Iter(Rc<RefCell<IterState>>),
}

/// A reader's state between its steps, held by its iterator
/// (`IterState::Tool`, stepped by `vm/iter_next.rs`).
pub(crate) struct ReaderSteps {
    lines: Lines,
    dialect: Dialect,
    line_num: Rc<Cell<i64>>,
}

impl Suspended for ReaderSteps {
    fn mem_cost(&self) -> usize {
        boxed_cost::<ReaderSteps>() + self.dialect.lineterminator.capacity()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Drop for ReaderSteps {
    /// The source leaves without recursion (a reader over a reader...).
    fn drop(&mut self) {
        let src = match &mut self.lines {
            Lines::File(v) => std::mem::replace(v, Value::None),
            Lines::Iter(it) => {
                Value::Iter(std::mem::replace(it, Rc::new(RefCell::new(IterState::Busy(0)))))
            }
        };
        defer_drop_one(src);
    }
}

impl ReaderSteps {
    /// The reader a `Tool` iterator state holds, if it is one.
    pub(crate) fn of(state: &mut dyn Suspended) -> Option<&mut ReaderSteps> {
        state.as_any_mut().downcast_mut::<ReaderSteps>()
    }

    /// The next line, or `None` at the end of the source.
    fn next_line<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        match &self.lines {
            Lines::File(f) => {
                let Some(file) = Native::of::<StringIo>(f) else { return Ok(None) };
                let line = crate::types::stringio::method(cx, file, "readline", Vec::new())?;
                Ok(match &line {
                    Value::Str(s) if s.byte_len() == 0 => None,
                    _ => Some(line),
                })
            }
            Lines::Iter(it) => {
                let it = it.clone();
                cx.iter_next(&it)
            }
        }
    }

    /// The next record, reading lines until it ends (CPython's
    /// `Reader_iternext`).
    pub(crate) fn next<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        let dialect = self.dialect.clone();
        let mut p = Parser {
            d: &dialect,
            state: State::StartRecord,
            field: String::new(),
            field_chars: 0,
            limit: *cx.csv_field_limit(),
            numeric: false,
            fields: Vec::new(),
        };
        loop {
            let Some(line) = self.next_line(cx)? else {
                // The data ended inside a record: its last field, or
                // nothing more.
                if p.field.is_empty() && p.state != State::InQuotedField {
                    return Ok(None);
                }
                if dialect.strict {
                    return Err(csv_err("unexpected end of data"));
                }
                p.save(cx)?;
                break;
            };
            let Value::Str(s) = &line else {
                return Err(csv_err(format!(
                    "iterator should return strings, not {} (the file should be opened in text mode)",
                    line.type_name()
                )));
            };
            self.line_num.set(self.line_num.get() + 1);
            cx.meter().fuel(super::line_fuel(s.byte_len()))?;
            for c in s.as_str().chars() {
                p.step(cx, Some(c))?;
            }
            p.step(cx, None)?;
            if p.state == State::StartRecord {
                break;
            }
        }
        cx.meter().alloc(crate::meter::LIST_SLOT_COST)?;
        Ok(Some(Value::list(std::mem::take(&mut p.fields))))
    }
}

/// `csv.reader(src, dialect, **options)`: the reader, nothing read yet.
pub(crate) fn reader<C: Callbacks + ?Sized>(cx: &mut C, src: Value, dialect: Dialect) -> R<Value> {
    let lines = if Native::of::<StringIo>(&src).is_some() {
        Lines::File(src)
    } else {
        match cx.get_iter(src)? {
            Value::Iter(it) => Lines::Iter(it),
            other => return type_err(format!("'{}' object is not iterable", other.type_name())),
        }
    };
    let line_num = Rc::new(Cell::new(0));
    let obj = DialectObj(dialect.clone());
    let steps = ReaderSteps { lines, dialect, line_num: line_num.clone() };
    Ok(Native::value(Reader {
        rows: Value::iter(IterState::Tool(Box::new(steps))),
        line_num,
        dialect: Native::value(obj),
    }))
}

/// A `_csv.reader`: its iterator, the count of lines read and its dialect.
pub struct Reader {
    rows: Value,
    line_num: Rc<Cell<i64>>,
    dialect: Value,
}

impl NativeObject for Reader {
    fn ty(&self) -> Ty {
        Ty::Other(&"reader")
    }

    fn qualified_module(&self) -> Option<&'static str> {
        Some("_csv")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<_csv.reader object>".to_string())]
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match name {
            "line_num" => Some(Value::Int(self.line_num.get())),
            "dialect" => Some(self.dialect.clone()),
            _ => None,
        }
    }

    fn iterator(&self) -> Option<&Value> {
        Some(&self.rows)
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        each(&self.rows);
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Reader>()
    }
}

/// A reader's or writer's `dialect`: the options, as attributes.
pub struct DialectObj(pub(super) Dialect);

impl NativeObject for DialectObj {
    fn ty(&self) -> Ty {
        Ty::Other(&"Dialect")
    }

    fn qualified_module(&self) -> Option<&'static str> {
        Some("_csv")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<_csv.Dialect object>".to_string())]
    }

    fn attr(&self, name: &str) -> Option<Value> {
        let d = &self.0;
        let ch = |c: Option<char>| c.map_or(Value::None, |c| Value::str(c.to_string()));
        Some(match name {
            "delimiter" => Value::str(d.delimiter.to_string()),
            "quotechar" => ch(d.quotechar),
            "escapechar" => ch(d.escapechar),
            "doublequote" => Value::Bool(AlignedBool(d.doublequote)),
            "skipinitialspace" => Value::Bool(AlignedBool(d.skipinitialspace)),
            "lineterminator" => Value::str(d.lineterminator.clone()),
            "quoting" => Value::Int(d.quoting),
            "strict" => Value::Bool(AlignedBool(d.strict)),
            _ => return None,
        })
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<DialectObj>() + self.0.lineterminator.capacity()
    }
}
