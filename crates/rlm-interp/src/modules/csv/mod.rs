//! The `csv` module: `reader`, `DictReader`, `writer`, `DictWriter` with
//! CPython's dialect options and defaults (`excel`: `,` `"` doubled quotes,
//! `\r\n` written), the `QUOTE_*` constants, `Error` and
//! `field_size_limit`. The reader is CPython's state machine (`_csv.c`) run
//! over the lines of any iterable of strings (a `StringIO`, a list): a
//! `reader` reads them a record at a time (`reader.rs`), a `DictReader`
//! all when made, its rows charged fuel and memory like any list; a field
//! over the field limit (131,072 characters) is an error, as in CPython.
//! `Sniffer` and registered dialects are left out.

/// Fuel for each line a reader parses (besides a unit per 8 bytes, each a
/// step of the state machine): a row's list and its fields' strings made.
/// A round trip of 2 000 rows through a StringIO, repeated, ran its fuel in
/// 11 s at one unit a line and a field (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md,
/// "Fuel cost table and calibration", 2026-11-24); at 48 and 16 the round trip still took 1.13 s on
/// a quiet machine (docs/benchmarks/2026-11-24-issue-33-hostile-quiet-machine.md, "Hostile programs
/// under the default limits, after the lazy generators").
const FUEL_PER_LINE_READ: u64 = 64;
/// Fuel for each byte a reader steps through its state machine (a match on
/// the state and a push into the field): a few nanoseconds a character. At
/// a unit per 8 bytes, `csv.reader` over `'a ' * n` with `delimiter=' '`
/// ran 191x the dispatch loop's time per unit (issue #77's cost fuzzer).
const FUEL_PER_BYTE_READ: u64 = 2;
/// Fuel for each field a reader saves: its string made and pushed on the
/// row (tens of nanoseconds, however short the field).
const FUEL_PER_FIELD_READ: u64 = 24;

/// What reading one line of `bytes` costs, paid before its characters are
/// stepped through.
fn line_fuel(bytes: usize) -> u64 {
    (bytes as u64).saturating_mul(FUEL_PER_BYTE_READ).saturating_add(FUEL_PER_LINE_READ)
}
/// Fuel for each field a writer writes (besides a unit per 8 bytes): its
/// text made (`str()` of a number), quoted or not, joined.
const FUEL_PER_FIELD_WRITTEN: u64 = 22;

mod reader;

pub(crate) use reader::ReaderSteps;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::cost::CostTable;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::modules::function::{function, functions};
use crate::types::stringio::StringIo;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

const QUOTE_MINIMAL: i64 = 0;
const QUOTE_ALL: i64 = 1;
const QUOTE_NONNUMERIC: i64 = 2;
const QUOTE_NONE: i64 = 3;
/// CPython's default `field_size_limit`.
pub(crate) const FIELD_LIMIT: i64 = 131_072;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let mut v = functions("csv", &["reader", "writer", "field_size_limit"]);
    v.push(("DictReader", function("csv", "DictReader")));
    v.push(("DictWriter", function("csv", "DictWriter")));
    v.push(("QUOTE_MINIMAL", Value::Int(QUOTE_MINIMAL)));
    v.push(("QUOTE_ALL", Value::Int(QUOTE_ALL)));
    v.push(("QUOTE_NONNUMERIC", Value::Int(QUOTE_NONNUMERIC)));
    v.push(("QUOTE_NONE", Value::Int(QUOTE_NONE)));
    v.push(("Error", Value::Type(Ty::Exc(ExcKind::CsvError))));
    v
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "reader" => {
            let src = first_arg(name, &args, &kwargs, "csvfile")?;
            let d = Dialect::from_args(args.get(1), &kwargs)?;
            reader::reader(cx, src, d)
        }
        "DictReader" => dict_reader(cx, args, kwargs),
        "writer" | "DictWriter" => {
            let target = first_arg(name, &args, &kwargs, "f")?;
            if Native::of::<StringIo>(&target).is_none() {
                return type_err("argument 1 must have a \"write\" method");
            }
            let dict = name == "DictWriter";
            let fieldnames = if dict {
                let f = args.get(1).or_else(|| kw(&kwargs, "fieldnames")).cloned();
                let Some(f) = f else {
                    return type_err(
                        "DictWriter.__init__() missing 1 required positional argument: 'fieldnames'",
                    );
                };
                Some(cx.iterate(&f)?)
            } else {
                None
            };
            let dialect_arg = if dict { args.get(4) } else { args.get(1) };
            let dialect = Dialect::from_args(dialect_arg, &kwargs)?;
            let restval = kw(&kwargs, "restval").cloned().unwrap_or_else(|| Value::str(""));
            let extras_raise = match kw(&kwargs, "extrasaction") {
                None => true,
                Some(Value::Str(s)) if s.as_str().eq_ignore_ascii_case("raise") => true,
                Some(Value::Str(s)) if s.as_str().eq_ignore_ascii_case("ignore") => false,
                Some(v) => {
                    let r = crate::format::repr::repr(cx.meter(), v)?;
                    let r = r.trim_matches('\'');
                    return value_err(format!("extrasaction ({r}) must be 'raise' or 'ignore'"));
                }
            };
            Ok(Native::value(Writer { target, dialect, fieldnames, restval, extras_raise }))
        }
        "field_size_limit" => field_size_limit(cx, &args, &kwargs),
        _ => exc(ExcKind::AttributeError, format!("module 'csv' has no attribute '{name}'")),
    }
}

/// `csv.field_size_limit([new_limit])`: the limit before the call (a new
/// one is kept for the session's readers), as CPython's.
fn field_size_limit<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let new = match (args, kwargs.as_slice()) {
        ([], []) => None,
        ([v], []) | ([], [(_, v)]) if kwargs.iter().all(|(k, _)| k == "new_limit") => Some(v),
        ([], [(k, _)]) => {
            return type_err(format!(
                "field_size_limit() got an unexpected keyword argument '{k}'"
            ));
        }
        _ => {
            let n = args.len() + kwargs.len();
            return type_err(format!("field_size_limit() takes at most 1 argument ({n} given)"));
        }
    };
    let old = *cx.csv_field_limit();
    if let Some(v) = new {
        match v {
            Value::Int(n) => *cx.csv_field_limit() = *n,
            Value::Bool(AlignedBool(b)) => *cx.csv_field_limit() = *b as i64,
            _ => return type_err("limit must be an integer"),
        }
    }
    Ok(Value::Int(old))
}

fn first_arg(f: &str, args: &[Value], kwargs: &Kwargs, name: &str) -> R<Value> {
    match args.first().or_else(|| kw(kwargs, name)) {
        Some(v) => Ok(v.clone()),
        None => type_err(format!("{f}() missing required argument '{name}' (pos 1)")),
    }
}

fn csv_err(msg: impl Into<String>) -> Fault {
    Fault::Exc(Exception::new(ExcKind::CsvError, msg.into()))
}

/// The formatting options (CPython's `Dialect`).
#[derive(Clone)]
pub struct Dialect {
    delimiter: char,
    quotechar: Option<char>,
    escapechar: Option<char>,
    doublequote: bool,
    skipinitialspace: bool,
    lineterminator: String,
    quoting: i64,
    strict: bool,
}

impl Dialect {
    /// Whether `text` holds a character a writer must quote, escape or
    /// double (the delimiter, the quote or escape character, one of the line
    /// terminator's): a byte scan when they are all ASCII (every character of
    /// UTF-8 text at or past 0x80 is then ordinary).
    fn has_special(&self, text: &str) -> bool {
        let specials = || {
            [Some(self.delimiter), self.quotechar, self.escapechar]
                .into_iter()
                .flatten()
                .chain(self.lineterminator.chars())
        };
        if specials().all(|c| c.is_ascii()) {
            let mut table = [false; 128];
            for c in specials() {
                table[c as usize] = true;
            }
            text.bytes().any(|b| b < 128 && table[b as usize])
        } else {
            text.chars().any(|c| specials().any(|s| s == c))
        }
    }
}

fn one_char(name: &str, v: &Value, optional: bool) -> R<Option<char>> {
    match v {
        Value::None if optional => Ok(None),
        Value::Str(s) if s.char_len() == 1 => Ok(s.as_str().chars().next()),
        Value::Str(_) => type_err(format!("\"{name}\" must be a 1-character string")),
        other if optional => {
            type_err(format!("\"{name}\" must be string or None, not {}", other.type_name()))
        }
        other => type_err(format!("\"{name}\" must be string, not {}", other.type_name())),
    }
}

impl Dialect {
    fn from_args(dialect: Option<&Value>, kwargs: &Kwargs) -> R<Dialect> {
        let mut d = Dialect {
            delimiter: ',',
            quotechar: Some('"'),
            escapechar: None,
            doublequote: true,
            skipinitialspace: false,
            lineterminator: "\r\n".into(),
            quoting: QUOTE_MINIMAL,
            strict: false,
        };
        match dialect.or_else(|| kw(kwargs, "dialect")) {
            None => {}
            Some(Value::Str(s)) => match s.as_str() {
                "excel" => {}
                "excel-tab" => d.delimiter = '\t',
                "unix" => {
                    d.lineterminator = "\n".into();
                    d.quoting = QUOTE_ALL;
                }
                _ => return Err(csv_err("unknown dialect")),
            },
            Some(_) => return Err(csv_err("unknown dialect")),
        }
        for (k, v) in kwargs {
            match k.as_str() {
                "delimiter" => {
                    d.delimiter = one_char("delimiter", v, false)?.unwrap_or(',');
                }
                "quotechar" => d.quotechar = one_char("quotechar", v, true)?,
                "escapechar" => d.escapechar = one_char("escapechar", v, true)?,
                "doublequote" => d.doublequote = v.truthy(),
                "skipinitialspace" => d.skipinitialspace = v.truthy(),
                "strict" => d.strict = v.truthy(),
                "lineterminator" => match v {
                    Value::Str(s) => d.lineterminator = s.as_str().to_string(),
                    other => {
                        return type_err(format!(
                            "\"lineterminator\" must be a string, not {}",
                            other.type_name()
                        ));
                    }
                },
                "quoting" => match as_int(v) {
                    Some(q @ 0..=3) => d.quoting = q,
                    Some(_) => return type_err("bad \"quoting\" value"),
                    None => return type_err("\"quoting\" must be an integer"),
                },
                "dialect" | "fieldnames" | "restkey" | "restval" | "extrasaction" => {}
                other => {
                    return type_err(format!(
                        "'{other}' is an invalid keyword argument for this function"
                    ));
                }
            }
        }
        // `quotechar=None` without a `quoting` quotes nothing, as CPython's.
        if matches!(kw(kwargs, "quotechar"), Some(Value::None)) && kw(kwargs, "quoting").is_none() {
            d.quoting = QUOTE_NONE;
        }
        if d.quoting != QUOTE_NONE && d.quotechar.is_none() {
            return type_err("quotechar must be set if quoting enabled");
        }
        Ok(d)
    }
}

// ------------------------------------------------------------------ reading

#[derive(Clone, Copy, PartialEq)]
enum State {
    StartRecord,
    StartField,
    EscapedChar,
    InField,
    InQuotedField,
    EscapeInQuotedField,
    QuoteInQuotedField,
    EatCrnl,
    AfterEscapedCrnl,
}

/// One record being parsed (CPython's reader state).
struct Parser<'d> {
    d: &'d Dialect,
    state: State,
    field: String,
    field_chars: usize,
    /// `csv.field_size_limit()` when the reader was made.
    limit: i64,
    numeric: bool,
    fields: Vec<Value>,
}

impl Parser<'_> {
    fn add(&mut self, c: char) -> R<()> {
        if self.field_chars as i64 >= self.limit {
            return Err(csv_err(format!("field larger than field limit ({})", self.limit)));
        }
        self.field.push(c);
        self.field_chars += 1;
        Ok(())
    }

    fn save<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<()> {
        cx.meter().fuel(FUEL_PER_FIELD_READ)?;
        let text = std::mem::take(&mut self.field);
        self.field_chars = 0;
        let v = if self.numeric {
            self.numeric = false;
            match text.trim().parse::<f64>() {
                Ok(f) => Value::Float(f),
                Err(_) => return value_err(format!("could not convert string to float: '{text}'")),
            }
        } else {
            Value::str(text)
        };
        if self.fields.len() >= cx.meter().limits.max_collection_len {
            cx.meter().check_len(self.fields.len() + 1)?;
        }
        cx.meter().alloc(crate::meter::LIST_SLOT_COST)?;
        self.fields.push(v);
        Ok(())
    }

    /// One character, or `None` for the end of a line.
    fn step<C: Callbacks + ?Sized>(&mut self, cx: &mut C, c: Option<char>) -> R<()> {
        let d = self.d;
        let is_nl = |c: Option<char>| matches!(c, Some('\n' | '\r'));
        let quoting_on = d.quoting != QUOTE_NONE;
        match self.state {
            State::StartRecord => {
                if c.is_none() {
                    return Ok(());
                }
                if is_nl(c) {
                    self.state = State::EatCrnl;
                    return Ok(());
                }
                self.state = State::StartField;
                self.start_field(cx, c)
            }
            State::StartField => self.start_field(cx, c),
            State::EscapedChar => {
                if is_nl(c) {
                    self.add(c.unwrap_or('\n'))?;
                    self.state = State::AfterEscapedCrnl;
                    return Ok(());
                }
                self.add(c.unwrap_or('\n'))?;
                self.state = State::InField;
                Ok(())
            }
            State::AfterEscapedCrnl if c.is_none() => Ok(()),
            State::AfterEscapedCrnl | State::InField => {
                if c.is_none() || is_nl(c) {
                    self.save(cx)?;
                    self.state = if c.is_none() { State::StartRecord } else { State::EatCrnl };
                } else if c == d.escapechar {
                    self.state = State::EscapedChar;
                } else if c == Some(d.delimiter) {
                    self.save(cx)?;
                    self.state = State::StartField;
                } else if let Some(c) = c {
                    self.add(c)?;
                    self.state = State::InField;
                }
                Ok(())
            }
            State::InQuotedField => {
                match c {
                    None => {}
                    Some(_) if c == d.escapechar => self.state = State::EscapeInQuotedField,
                    Some(_) if c == d.quotechar && quoting_on => {
                        self.state =
                            if d.doublequote { State::QuoteInQuotedField } else { State::InField };
                    }
                    Some(ch) => self.add(ch)?,
                }
                Ok(())
            }
            State::EscapeInQuotedField => {
                self.add(c.unwrap_or('\n'))?;
                self.state = State::InQuotedField;
                Ok(())
            }
            State::QuoteInQuotedField => {
                if quoting_on && c == d.quotechar {
                    self.add(c.unwrap_or('"'))?;
                    self.state = State::InQuotedField;
                } else if c == Some(d.delimiter) {
                    self.save(cx)?;
                    self.state = State::StartField;
                } else if c.is_none() || is_nl(c) {
                    self.save(cx)?;
                    self.state = if c.is_none() { State::StartRecord } else { State::EatCrnl };
                } else if !d.strict {
                    self.add(c.unwrap_or(' '))?;
                    self.state = State::InField;
                } else {
                    return Err(csv_err(format!(
                        "'{}' expected after '{}'",
                        d.delimiter,
                        d.quotechar.unwrap_or('"')
                    )));
                }
                Ok(())
            }
            State::EatCrnl => {
                if is_nl(c) {
                } else if c.is_none() {
                    self.state = State::StartRecord;
                } else {
                    return Err(csv_err(
                        "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?",
                    ));
                }
                Ok(())
            }
        }
    }

    fn start_field<C: Callbacks + ?Sized>(&mut self, cx: &mut C, c: Option<char>) -> R<()> {
        let d = self.d;
        if c.is_none() || matches!(c, Some('\n' | '\r')) {
            self.save(cx)?;
            self.state = if c.is_none() { State::StartRecord } else { State::EatCrnl };
        } else if c == d.quotechar && d.quoting != QUOTE_NONE {
            self.state = State::InQuotedField;
        } else if c == d.escapechar {
            self.state = State::EscapedChar;
        } else if c == Some(' ') && d.skipinitialspace {
        } else if c == Some(d.delimiter) {
            self.save(cx)?;
        } else if let Some(ch) = c {
            if d.quoting == QUOTE_NONNUMERIC {
                self.numeric = true;
            }
            self.add(ch)?;
            self.state = State::InField;
        }
        Ok(())
    }
}

/// The lines of `src`: a `StringIO` from its position, or any iterable of
/// strings.
fn lines_of<C: Callbacks + ?Sized>(cx: &mut C, src: &Value) -> R<Vec<Value>> {
    match src {
        Value::Native(n) => match n.module::<StringIo>() {
            Some(f) => f.remaining_lines(cx.meter()),
            None => cx.iterate(src),
        },
        _ => match cx.iterate(src) {
            Ok(v) => Ok(v),
            Err(Fault::Exc(e)) if e.kind == ExcKind::TypeError => {
                type_err("argument 1 must be an iterator")
            }
            Err(e) => Err(e),
        },
    }
}

/// Every record of `src`, each a list of strings (floats for unquoted
/// fields under `QUOTE_NONNUMERIC`).
fn read_rows<C: Callbacks + ?Sized>(cx: &mut C, src: &Value, d: &Dialect) -> R<Vec<Value>> {
    let lines = lines_of(cx, src)?;
    let mut p = Parser {
        d,
        state: State::StartRecord,
        field: String::new(),
        field_chars: 0,
        limit: *cx.csv_field_limit(),
        numeric: false,
        fields: Vec::new(),
    };
    let mut rows = Vec::new();
    for line in &lines {
        let Value::Str(s) = line else {
            return Err(csv_err(format!(
                "iterator should return strings, not {} (the file should be opened in text mode)",
                line.type_name()
            )));
        };
        cx.meter().fuel(line_fuel(s.byte_len()))?;
        for c in s.as_str().chars() {
            p.step(cx, Some(c))?;
        }
        p.step(cx, None)?;
        if p.state == State::StartRecord {
            if rows.len() >= cx.meter().limits.max_collection_len {
                cx.meter().check_len(rows.len() + 1)?;
            }
            cx.meter().alloc(crate::meter::LIST_SLOT_COST)?;
            rows.push(Value::list(std::mem::take(&mut p.fields)));
        }
    }
    // The data ended inside a record.
    if !p.field.is_empty() || p.state == State::InQuotedField {
        if d.strict {
            return Err(csv_err("unexpected end of data"));
        }
        p.save(cx)?;
    }
    if !p.fields.is_empty() {
        rows.push(Value::list(std::mem::take(&mut p.fields)));
    }
    Ok(rows)
}

/// `csv.DictReader(f, fieldnames=None, restkey=None, restval=None, ...)`:
/// rows as dicts keyed by the first row (or `fieldnames`); blank rows are
/// skipped; extra values go under `restkey`, missing ones are `restval`.
fn dict_reader<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let src = first_arg("DictReader", &args, &kwargs, "f")?;
    let restkey = args.get(2).or_else(|| kw(&kwargs, "restkey")).cloned().unwrap_or(Value::None);
    let restval = args.get(3).or_else(|| kw(&kwargs, "restval")).cloned().unwrap_or(Value::None);
    let d = Dialect::from_args(args.get(4), &kwargs)?;
    let mut rows = read_rows(cx, &src, &d)?.into_iter();
    let fieldnames = match args.get(1).or_else(|| kw(&kwargs, "fieldnames")) {
        Some(Value::None) | None => rows.next(),
        Some(f) => Some(Value::list(cx.iterate(f)?)),
    };
    let names = match &fieldnames {
        Some(f) => cx.iterate(f)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for row in rows {
        let items = cx.iterate(&row)?;
        if items.is_empty() {
            continue;
        }
        cx.meter().alloc(crate::types::dict::DICT_ENTRY_COST * names.len().max(1))?;
        let mut dict = Dict::new();
        for (k, v) in names.iter().zip(items.iter()) {
            let k = crate::types::equality::key(cx.meter(), k.clone())?;
            dict.map.insert(k, v.clone());
        }
        if items.len() > names.len() {
            let k = crate::types::equality::key(cx.meter(), restkey.clone())?;
            dict.map.insert(k, Value::list(items[names.len()..].to_vec()));
        } else {
            for k in &names[items.len()..] {
                let k = crate::types::equality::key(cx.meter(), k.clone())?;
                dict.map.insert(k, restval.clone());
            }
        }
        out.push(Value::dict(dict));
    }
    Ok(Native::value(DictReader {
        rows: Value::iter(IterState::Items(out.into())),
        fieldnames: fieldnames.unwrap_or(Value::None),
    }))
}

/// A `DictReader`: its rows (an iterator) and `fieldnames`.
pub struct DictReader {
    pub rows: Value,
    pub fieldnames: Value,
}

pub(crate) fn reader_attr(r: &DictReader, name: &str) -> Option<Value> {
    match name {
        "fieldnames" => Some(r.fieldnames.clone()),
        _ => None,
    }
}

/// A `DictReader` as a value: an iterator of its rows.
impl NativeObject for DictReader {
    fn ty(&self) -> Ty {
        Ty::Other(&"DictReader")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<csv.DictReader object>".to_string())]
    }

    fn attr(&self, name: &str) -> Option<Value> {
        reader_attr(self, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        READER_METHODS
    }

    fn iterator(&self) -> Option<&Value> {
        Some(&self.rows)
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        each(&self.rows);
        each(&self.fieldnames);
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<DictReader>()
    }
}

// ------------------------------------------------------------------ writing

/// A `writer` or `DictWriter` (with `fieldnames`) over a `StringIO`.
pub struct Writer {
    target: Value,
    dialect: Dialect,
    fieldnames: Option<Vec<Value>>,
    restval: Value,
    extras_raise: bool,
}

impl Writer {
    /// Each value it holds, for the cycle collector.
    pub(crate) fn held(&self, mut each: impl FnMut(&Value)) {
        each(&self.target);
        each(&self.restval);
        self.fieldnames.iter().flatten().for_each(each);
    }
}

pub(crate) const READER_METHODS: &[&str] = &[];
pub(crate) const WRITER_METHODS: &[&str] = &["writerow", "writerows", "writeheader"];

/// Whether `csv.DictWriter.name` is one of the class's methods (CPython's
/// `DictWriter` is a class: `csv.DictWriter.writerow(w, row)`).
pub(crate) fn is_dict_writer_method(b: &BuiltinFn, name: &str) -> bool {
    b.module == "csv" && b.name == "DictWriter" && WRITER_METHODS.contains(&name)
}

/// `csv.DictWriter.writerow(w, row)`: the method of `w`, a `DictWriter`.
pub(crate) fn dict_writer_unbound<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let mut it = args.into_iter();
    match it.next() {
        Some(w) if Native::of::<Writer>(&w).is_some_and(|w| w.fieldnames.is_some()) => {
            cx.call_method(&w, name, it.collect(), kwargs)
        }
        Some(other) => type_err(format!(
            "DictWriter.{name}() needs a DictWriter as its first argument, not '{}'",
            other.type_name()
        )),
        None => {
            type_err(format!("DictWriter.{name}() missing 1 required positional argument: 'self'"))
        }
    }
}

impl Writer {
    /// The row's cells: the row itself, or a dict's values in field order.
    fn cells<C: Callbacks + ?Sized>(&self, cx: &mut C, row: &Value) -> R<Vec<Value>> {
        let Some(names) = &self.fieldnames else {
            return match cx.iterate(row) {
                Err(Fault::Exc(e)) if e.kind == ExcKind::TypeError => {
                    Err(csv_err(format!("iterable expected, not {}", row.type_name())))
                }
                other => other,
            };
        };
        let Value::Dict(d) = row else {
            return exc(
                ExcKind::AttributeError,
                format!("'{}' object has no attribute 'keys'", row.type_name()),
            );
        };
        if self.extras_raise {
            let mut wrong = Vec::new();
            let keys: Vec<Value> = d.borrow().map.keys().map(|k| k.0.clone()).collect();
            for k in keys {
                let mut found = false;
                for n in names {
                    if crate::types::eq_walk::eq(cx.meter(), &k, n)? {
                        found = true;
                        break;
                    }
                }
                if !found {
                    wrong.push(crate::format::repr::repr(cx.meter(), &k)?);
                }
            }
            if !wrong.is_empty() {
                return value_err(format!(
                    "dict contains fields not in fieldnames: {}",
                    wrong.join(", ")
                ));
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let k = crate::types::equality::key(cx.meter(), n.clone())?;
            out.push(d.borrow().map.get(&k).cloned().unwrap_or_else(|| self.restval.clone()));
        }
        Ok(out)
    }

    /// One record as text (CPython's `join_append`).
    fn join<C: Callbacks + ?Sized>(&self, cx: &mut C, cells: &[Value]) -> R<String> {
        let d = &self.dialect;
        // Charged as it grows (a row of huge fields, written to a StringIO).
        let mut out = crate::charged::ChargedString::new();
        let single_empty = cells.len() == 1
            && matches!(&cells[0], Value::Str(s) if s.byte_len() == 0)
            || cells.len() == 1 && matches!(&cells[0], Value::None);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(cx.meter(), d.delimiter)?;
            }
            let numeric =
                matches!(cell, Value::Int(_) | Value::Float(_) | Value::Bool(AlignedBool(_)));
            let text: std::borrow::Cow<'_, str> = match cell {
                Value::None => "".into(),
                Value::Str(s) => s.as_str().into(),
                v => crate::format::repr::py_str(cx.meter(), v)?.into(),
            };
            cx.meter().fuel((text.len() / 8) as u64 + FUEL_PER_FIELD_WRITTEN)?;
            // The quoted copy of the field, charged before it is made.
            cx.meter().alloc(text.len())?;
            let mut quoted = match d.quoting {
                QUOTE_ALL => true,
                QUOTE_NONNUMERIC => !numeric,
                _ => false,
            };
            if single_empty {
                if d.quoting == QUOTE_NONE {
                    return Err(csv_err("single empty field record must be quoted"));
                }
                quoted = true;
            }
            if !d.has_special(&text) {
                // Nothing to escape or double (the common field): written
                // whole, not a character at a time into a copy.
                if quoted {
                    let q = d.quotechar.unwrap_or('"');
                    out.push(cx.meter(), q)?;
                    out.push_str(cx.meter(), &text)?;
                    out.push(cx.meter(), q)?;
                } else {
                    out.push_str(cx.meter(), &text)?;
                }
                continue;
            }
            let mut field = String::with_capacity(text.len());
            for c in text.chars() {
                let special = c == d.delimiter
                    || Some(c) == d.escapechar
                    || Some(c) == d.quotechar
                    || d.lineterminator.contains(c);
                let mut escape = false;
                if special {
                    if d.quoting == QUOTE_NONE {
                        escape = true;
                    } else {
                        if Some(c) == d.quotechar {
                            if d.doublequote {
                                field.push(c);
                            } else {
                                escape = true;
                            }
                        } else if Some(c) == d.escapechar {
                            escape = true;
                        }
                        if !escape {
                            quoted = true;
                        }
                    }
                    if escape {
                        match d.escapechar {
                            Some(e) => field.push(e),
                            None => return Err(csv_err("need to escape, but no escapechar set")),
                        }
                    }
                }
                field.push(c);
            }
            if quoted {
                let q = d.quotechar.unwrap_or('"');
                out.push(cx.meter(), q)?;
                out.push_str(cx.meter(), &field)?;
                out.push(cx.meter(), q)?;
            } else {
                out.push_str(cx.meter(), &field)?;
            }
        }
        out.push_str(cx.meter(), &d.lineterminator)?;
        Ok(out.into_string())
    }

    fn write_row<C: Callbacks + ?Sized>(&self, cx: &mut C, row: &Value) -> R<Value> {
        let cells = self.cells(cx, row)?;
        let text = self.join(cx, &cells)?;
        let Value::Native(n) = &self.target else { return type_err("no file") };
        let Some(f) = n.module::<StringIo>() else { return type_err("no file") };
        if f.is_closed() {
            return value_err("I/O operation on closed file");
        }
        crate::types::stringio::write(cx.meter(), f, &text)?;
        Ok(Value::Int(char_count(&text) as i64))
    }
}

/// The characters of `text` (its bytes when it is ASCII, a fast check).
fn char_count(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.chars().count() }
}

pub(crate) fn writer_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    w: &Writer,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "writerow" => {
            let Some(row) = args.first() else {
                return type_err("writerow() takes exactly one argument (0 given)");
            };
            w.write_row(cx, row)
        }
        "writerows" => {
            let rows = cx.iterate(args.first().unwrap_or(&Value::None))?;
            for r in &rows {
                w.write_row(cx, r)?;
            }
            Ok(Value::None)
        }
        "writeheader" if w.fieldnames.is_some() => {
            let names = w.fieldnames.clone().unwrap_or_default();
            let text = w.join(cx, &names)?;
            let Value::Native(n) = &w.target else { return type_err("no file") };
            let Some(f) = n.module::<StringIo>() else { return type_err("no file") };
            crate::types::stringio::write(cx.meter(), f, &text)?;
            Ok(Value::Int(char_count(&text) as i64))
        }
        _ => {
            exc(ExcKind::AttributeError, format!("'_csv.writer' object has no attribute '{name}'"))
        }
    }
}

/// A csv writer as a value.
impl NativeObject for Writer {
    fn ty(&self) -> Ty {
        Ty::Other(&"_csv.writer")
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match name {
            "dialect" => Some(Native::value(reader::DialectObj(self.dialect.clone()))),
            _ => None,
        }
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<_csv.writer object>".to_string())]
    }

    fn method_names(&self) -> &'static [&'static str] {
        WRITER_METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::CSV_WRITER_COSTS
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        Writer::held(self, each)
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Writer>()
    }
}
