//! Native objects of built-in modules (compiled pattern, match, datetime,
//! timedelta, `functools.partial`) and dict views: one enum, and the
//! dispatch of their type, attributes, methods, `repr` and `str` to the
//! module (or type) that defines each.

use std::rc::Rc;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::cost::Over::{All, Arg, Args, WorkDone};
use crate::cost::{CHARWISE, COMPILE, COPY, CostTable, FREE, HASH, HASH_BYTES, TEXT, cost};
use crate::fault::{R, exc};
use crate::meter::Meter;
use crate::modules::datetime::{date_time, timedelta};
use crate::modules::functools;
use crate::modules::re::{match_obj, pattern};
use crate::types::dict::view;
use crate::value::*;

/// Native objects of built-in modules (compiled pattern, match, datetime...).
pub enum Native {
    Pattern(Rc<crate::modules::re::engine::CompiledRegex>),
    Match(Rc<match_obj::MatchObj>),
    Partial(Partial),
    DateTime(date_time::DateTime),
    TimeDelta(i64, i64, i64),
    /// `d.keys()` (0), `d.values()` (1), `d.items()` (2): live views.
    DictView(u8, Rc<StoreCell<Dict>>),
    /// `io.StringIO(...)`.
    StringIO(crate::types::stringio::StringIo),
    /// `csv.DictReader(...)`.
    CsvReader(crate::modules::csv::DictReader),
    /// `csv.writer(...)` / `csv.DictWriter(...)`.
    CsvWriter(crate::modules::csv::Writer),
    /// `sys.stdout` (false) or `sys.stderr` (true).
    SysStream(bool),
    /// `sys.version_info`: its tuple, with named fields.
    VersionInfo(Value),
    /// `asyncio.sleep(...)`, `asyncio.wait_for(...)`: coroutines of the
    /// virtual clock.
    Timed(crate::modules::asyncio::Timed),
}

impl Native {
    /// The tuple a tuple-like native stands for (`sys.version_info`), which
    /// compares, indexes, iterates and hashes as that tuple.
    pub(crate) fn as_tuple(v: &Value) -> Option<&Value> {
        match v {
            Value::Native(n) => match &**n {
                Native::VersionInfo(t) => Some(t),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Native {
    /// Whether it holds values of the program (which can make cycles).
    pub(crate) fn holds_values(&self) -> bool {
        matches!(
            self,
            Native::DictView(..)
                | Native::Partial(_)
                | Native::CsvReader(_)
                | Native::CsvWriter(_)
                | Native::Timed(_)
        )
    }

    /// Each value it holds, for the cycle collector (`gc`).
    pub(crate) fn held(&self, mut each: impl FnMut(&Value)) {
        match self {
            Native::DictView(_, d) => each(&Value::Dict(d.clone())),
            Native::Partial(p) => {
                each(&p.func);
                p.args.iter().for_each(&mut each);
                p.kwargs.iter().for_each(|(_, x)| each(x));
            }
            Native::CsvReader(r) => {
                each(&r.rows);
                each(&r.fieldnames);
            }
            Native::CsvWriter(w) => w.held(each),
            Native::Timed(t) => t.held(each),
            _ => {}
        }
    }

    pub fn ty(&self) -> Ty {
        match self {
            Native::Pattern(_) => Ty::Other(&"re.Pattern"),
            Native::Match(_) => Ty::Other(&"re.Match"),
            Native::Partial(_) => Ty::Other(&"functools.partial"),
            Native::DateTime(d) => d.ty(),
            Native::TimeDelta(..) => Ty::Other(&"timedelta"),
            Native::DictView(0, _) => Ty::Other(&"dict_keys"),
            Native::DictView(1, _) => Ty::Other(&"dict_values"),
            Native::DictView(..) => Ty::Other(&"dict_items"),
            Native::StringIO(_) => Ty::Other(&"StringIO"),
            Native::CsvReader(_) => Ty::Other(&"DictReader"),
            Native::CsvWriter(_) => Ty::Other(&"_csv.writer"),
            Native::SysStream(_) => Ty::Other(&"TextIOWrapper"),
            Native::VersionInfo(_) => Ty::Other(&"version_info"),
            Native::Timed(_) => Ty::Other(&"coroutine"),
        }
    }
}

pub(crate) fn native_method_names(n: &Native) -> &'static [&'static str] {
    match n {
        Native::Pattern(_) => pattern::METHODS,
        Native::Match(_) => match_obj::METHODS,
        Native::DateTime(d) => d.method_names(),
        Native::TimeDelta(..) => timedelta::METHODS,
        Native::DictView(..) => view::METHODS,
        Native::Partial(_) | Native::Timed(_) => &[],
        Native::StringIO(_) => crate::types::stringio::METHODS,
        Native::CsvReader(_) => crate::modules::csv::READER_METHODS,
        Native::CsvWriter(_) => crate::modules::csv::WRITER_METHODS,
        Native::SysStream(_) => crate::modules::sys::STREAM_METHODS,
        Native::VersionInfo(_) => crate::types::tuple::TUPLE_METHODS,
    }
}

/// What each native object's methods cost (`builtins/cost.rs`), sorted,
/// beside `native_method_names` (their registration). A pattern's methods
/// cost what `re`'s functions do (the string searched is their first
/// argument); reads of a `StringIO` charge the text they return as they
/// read it; a csv writer charges each row's text as it writes it.
pub(crate) fn native_method_costs(n: &Native) -> CostTable {
    match n {
        Native::Pattern(_) => PATTERN_COSTS,
        Native::Match(_) => MATCH_COSTS,
        Native::DateTime(_) => DATETIME_COSTS,
        Native::TimeDelta(..) | Native::Partial(_) | Native::CsvReader(_) | Native::Timed(_) => &[],
        Native::DictView(..) => DICT_VIEW_COSTS,
        Native::StringIO(_) => STRINGIO_COSTS,
        Native::CsvWriter(_) => CSV_WRITER_COSTS,
        Native::SysStream(_) => SYS_STREAM_COSTS,
        Native::VersionInfo(_) => crate::types::tuple::TUPLE_COSTS,
    }
}

/// `write` charges its text as the output does (`Vm::write_output`).
pub(crate) const SYS_STREAM_COSTS: CostTable = &[("flush", FREE), ("write", FREE)];

pub(crate) const DICT_VIEW_COSTS: CostTable = &[("isdisjoint", cost(All, HASH))];
pub(crate) const PATTERN_COSTS: CostTable = &[
    ("findall", cost(WorkDone, TEXT)),
    ("finditer", cost(WorkDone, TEXT)),
    ("fullmatch", cost(WorkDone, TEXT)),
    ("match", cost(WorkDone, TEXT)),
    ("search", cost(WorkDone, TEXT)),
    ("split", cost(WorkDone, TEXT)),
    ("sub", cost(WorkDone, TEXT)),
    ("subn", cost(WorkDone, TEXT)),
];
pub(crate) const MATCH_COSTS: CostTable = &[
    ("end", FREE),
    ("expand", cost(Arg(0), TEXT)),
    ("group", FREE),
    ("groupdict", FREE),
    ("groups", FREE),
    ("span", FREE),
    ("start", FREE),
];
pub(crate) const DATETIME_COSTS: CostTable = &[
    ("date", FREE),
    ("isoformat", FREE),
    ("isoweekday", FREE),
    ("replace", FREE),
    ("strftime", cost(Arg(0), TEXT)),
    ("time", FREE),
    ("timestamp", FREE),
    ("toordinal", FREE),
    ("weekday", FREE),
];
pub(crate) const STRINGIO_COSTS: CostTable = &[
    ("close", FREE),
    ("getvalue", FREE),
    ("read", FREE),
    ("readline", FREE),
    ("readlines", FREE),
    ("seek", FREE),
    ("tell", FREE),
    ("truncate", FREE),
    ("write", cost(Arg(0), COPY)),
    ("writelines", cost(Arg(0), COPY)),
];
pub(crate) const CSV_WRITER_COSTS: CostTable =
    &[("writeheader", FREE), ("writerow", cost(Arg(0), TEXT)), ("writerows", cost(Arg(0), TEXT))];

/// What the methods of type objects cost (`dict.fromkeys`, `str.maketrans`,
/// `datetime.strptime`...), sorted.
pub(crate) const TYPE_METHOD_COSTS: CostTable = &[
    ("combine", FREE),
    ("fromisoformat", cost(Args, CHARWISE)),
    ("fromkeys", cost(Arg(0), HASH_BYTES)),
    ("fromordinal", FREE),
    ("maketrans", cost(Args, HASH)),
    ("strptime", cost(Args, COMPILE)),
];

pub(crate) fn native_attr(n: &Rc<Native>, name: &str) -> Option<Value> {
    match &**n {
        Native::Match(m) => match_obj::match_attr(m, name),
        Native::Pattern(p) => pattern::pattern_attr(p, name),
        Native::DateTime(d) => d.attr(name),
        Native::TimeDelta(days, secs, us) => timedelta::attr(*days, *secs, *us, name),
        Native::Partial(p) => functools::partial_attr(p, name),
        Native::DictView(..) | Native::StringIO(_) | Native::CsvWriter(_) => None,
        Native::SysStream(_) | Native::Timed(_) => None,
        Native::VersionInfo(t) => crate::modules::sys::version_attr(t, name),
        Native::CsvReader(r) => crate::modules::csv::reader_attr(r, name),
    }
}

pub(crate) fn native_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    n: &Rc<Native>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match &**n {
        Native::Pattern(p) => crate::modules::re::re_call(cx, name, Some(p.clone()), args, kwargs),
        Native::Match(m) => match_obj::match_method(m, name, args, kwargs),
        Native::DateTime(d) => date_time::method(recv, d, name, args, kwargs),
        Native::TimeDelta(days, secs, us) => timedelta::method(*days, *secs, *us, name),
        Native::DictView(kind, d) => {
            crate::types::dict::view::dict_view_method(cx, recv, *kind, d, name, args)
        }
        Native::StringIO(f) => {
            let _ = kwargs;
            crate::types::stringio::method(cx, f, name, args)
        }
        Native::CsvWriter(w) => crate::modules::csv::writer_method(cx, w, name, args),
        Native::SysStream(_) => {
            let _ = kwargs;
            crate::modules::sys::stream_method(cx, name, args)
        }
        Native::VersionInfo(t) => cx.call_method(t, name, args, kwargs),
        Native::Partial(_) | Native::CsvReader(_) | Native::Timed(_) => exc(
            ExcKind::AttributeError,
            format!("'{}' object has no attribute '{name}'", n.ty().name()),
        ),
    }
}

pub(crate) fn native_repr(meter: &mut Meter, n: &Rc<Native>) -> R<String> {
    Ok(match &**n {
        Native::Pattern(p) => pattern::pattern_repr(meter, p)?,
        Native::Match(m) => match_obj::match_repr(meter, m)?,
        Native::Partial(p) => functools::partial_repr(meter, p)?,
        Native::DateTime(d) => d.repr(),
        Native::TimeDelta(days, secs, us) => timedelta::repr(*days, *secs, *us),
        Native::DictView(kind, d) => crate::types::dict::view::dict_view_repr(meter, *kind, d)?,
        Native::StringIO(_) => "<_io.StringIO object>".to_string(),
        Native::CsvReader(_) => "<csv.DictReader object>".to_string(),
        Native::CsvWriter(_) => "<_csv.writer object>".to_string(),
        Native::SysStream(false) => {
            "<_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>".to_string()
        }
        Native::SysStream(true) => {
            "<_io.TextIOWrapper name='<stderr>' mode='w' encoding='utf-8'>".to_string()
        }
        Native::VersionInfo(t) => crate::modules::sys::version_repr(meter, t)?,
        Native::Timed(t) => format!("<coroutine object {}>", t.name()),
    })
}

/// A `functools.partial`'s repr inside a repr walk (its depth, its cycle
/// marks): the natives' one way into their modules, for `format/repr.rs`.
pub(crate) fn partial_repr_into(
    meter: &mut Meter,
    p: &crate::modules::functools::Partial,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    functools::partial_repr_into(meter, p, out, depth, seen)
}

/// `str()` of a datetime/timedelta differs from its repr.
pub(crate) fn native_str(n: &Native) -> Option<String> {
    match n {
        Native::DateTime(d) => Some(d.isoformat(" ")),
        Native::TimeDelta(days, secs, us) => Some(timedelta::str_of(*days, *secs, *us)),
        _ => None,
    }
}
