//! `str` methods: the table of names (read by `tools/gen_method_arity.py`),
//! the dispatcher, and the methods themselves (the split family is in
//! `split.rs`). Every method charges fuel for the whole string before it runs.

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::charged::ChargedString;
use crate::cost::Over::{All, Args, Recv, WorkDone};
use crate::cost::{CHARWISE, COPY, Cost, CostTable, FREE, HASH, JOIN, PIECES, SCAN, TEXT, cost};
use crate::fault::{R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::types::str::py_isspace;
use crate::types::str::search::{self, Reader};
use crate::types::str::tabs::{EXPAND, expanded_len, for_each_tab_run};
use crate::types::str::{case, split};
use crate::value::*;

pub(crate) const STR_METHODS: &[&str] = &[
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

/// A range of a string's code points and the bytes they take.
struct StrRange {
    chars: std::ops::Range<usize>,
    bytes: std::ops::Range<usize>,
}

/// The costs of the methods a call site runs directly (`fast.rs`), named so
/// that it reads them without a search of the table by name (a third of a
/// `chunk.count(w)` call's own instructions, issue #59).
pub(crate) const CASE_COST: Cost = cost(Recv, TEXT);
pub(crate) const STRIP_COST: Cost = cost(WorkDone, TEXT);
pub(crate) const SPLIT_COST: Cost = cost(WorkDone, PIECES);
pub(crate) const SEARCH_COST: Cost = cost(WorkDone, SCAN);

/// What each `str` method costs (`builtins/cost.rs`), sorted: the bytes it reads; what it writes is charged when made (`Vm::check_str_len`).
pub(crate) const STR_COSTS: CostTable = &[
    ("capitalize", cost(Recv, TEXT)),
    ("casefold", cost(Recv, TEXT)),
    ("center", cost(All, COPY)),
    ("count", SEARCH_COST),
    // Refused: bytes are not available.
    ("encode", FREE),
    ("endswith", cost(WorkDone, SCAN)),
    ("expandtabs", cost(Recv, CHARWISE)),
    ("find", cost(WorkDone, SCAN)),
    ("format", cost(All, CHARWISE)),
    ("format_map", cost(All, CHARWISE)),
    ("index", cost(WorkDone, SCAN)),
    ("isalnum", cost(Recv, TEXT)),
    ("isalpha", cost(Recv, TEXT)),
    ("isascii", cost(Recv, SCAN)),
    ("isdecimal", cost(Recv, TEXT)),
    ("isdigit", cost(Recv, TEXT)),
    ("isidentifier", cost(Recv, TEXT)),
    ("islower", cost(Recv, TEXT)),
    ("isnumeric", cost(Recv, TEXT)),
    ("isprintable", cost(Recv, TEXT)),
    ("isspace", cost(Recv, TEXT)),
    ("istitle", cost(Recv, TEXT)),
    ("isupper", cost(Recv, TEXT)),
    ("join", cost(All, JOIN)),
    ("ljust", cost(All, COPY)),
    ("lower", CASE_COST),
    ("lstrip", STRIP_COST),
    ("maketrans", cost(Args, HASH)),
    ("partition", cost(WorkDone, SCAN)),
    ("removeprefix", cost(WorkDone, SCAN)),
    ("removesuffix", cost(WorkDone, SCAN)),
    ("replace", cost(WorkDone, SCAN)),
    ("rfind", cost(WorkDone, SCAN)),
    ("rindex", cost(WorkDone, SCAN)),
    ("rjust", cost(All, COPY)),
    ("rpartition", cost(WorkDone, SCAN)),
    ("rsplit", cost(WorkDone, PIECES)),
    ("rstrip", STRIP_COST),
    ("split", SPLIT_COST),
    ("splitlines", cost(Recv, PIECES)),
    ("startswith", cost(WorkDone, SCAN)),
    ("strip", STRIP_COST),
    ("swapcase", cost(Recv, CHARWISE)),
    ("title", cost(Recv, CHARWISE)),
    ("translate", cost(All, CHARWISE)),
    ("upper", CASE_COST),
    ("zfill", cost(Recv, COPY)),
];

pub(crate) fn str_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
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
    // A unit a call; the methods over the whole string pay for it up
    // front too (`whole`), those charged as they proceed only for what
    // they do.
    cx.meter().fuel(1)?;
    let whole = |vm: &mut C| charge_whole(vm, s);
    match name {
        "lower" | "upper" | "casefold" | "strip" | "lstrip" | "rstrip" => {
            case_or_strip(cx, s, name, &args)
        }
        "splitlines" => {
            whole(cx)?;
            split::split_family(cx.meter(), s, name, &args, &kwargs)
        }
        "split" | "rsplit" | "partition" | "rpartition" => {
            split::split_family(cx.meter(), s, name, &args, &kwargs)
        }
        "join" => {
            whole(cx)?;
            str_join_replace(cx, s, name, &args, &kwargs)
        }
        "replace" => str_join_replace(cx, s, name, &args, &kwargs),
        "find" | "rfind" | "index" | "rindex" | "count" | "startswith" | "endswith" => {
            str_search(cx, s, name, &args)
        }
        "isdigit" | "isnumeric" | "isdecimal" | "isalpha" | "isalnum" | "isspace" | "isascii"
        | "isprintable" | "isupper" | "islower" | "istitle" | "isidentifier" | "title"
        | "capitalize" | "swapcase" => {
            whole(cx)?;
            str_predicate_case(cx.meter(), s, name)
        }
        "removeprefix" | "removesuffix" => str_layout(cx, s, name, &args, &kwargs),
        "center" | "ljust" | "rjust" | "zfill" | "format" | "format_map" | "expandtabs"
        | "translate" => {
            whole(cx)?;
            str_layout(cx, s, name, &args, &kwargs)
        }
        "maketrans" => cx.call_method(&Value::Type(Ty::Str), "maketrans", args, kwargs),
        "encode" => exc(
            ExcKind::NotImplementedError,
            "bytes are not available in this sandbox; work with str",
        ),
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// The charge of a method that reads the whole string before it runs.
fn charge_whole<C: Callbacks + ?Sized>(cx: &mut C, s: &Str) -> R<()> {
    cx.meter().fuel(s.byte_len() as u64 / 32)
}

/// A change of case (paid for the whole string up front, as it reads all of
/// it) or a strip (charged as it reads): after the unit a call.
pub(super) fn case_or_strip<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: &[Value],
) -> R<Value> {
    if matches!(name, "lower" | "upper" | "casefold") {
        charge_whole(cx, s)?;
    }
    str_case_strip(cx, s, name, args)
}

fn str_case_strip<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: &[Value],
) -> R<Value> {
    let text = s.as_str();
    let arg_str = |i: usize| -> R<Option<&Str>> {
        match args.get(i) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(t)) => Ok(Some(t)),
            Some(_) => type_err(format!("{name} arg must be None or str")),
        }
    };
    match name {
        "lower" | "upper" => {
            cx.meter().check_str_len(text.len())?;
            if s.is_ascii() {
                return Ok(Value::Str(s.ascii_cased(name == "upper")));
            }
            let out = if name == "upper" {
                case::upper(cx.meter(), text)?
            } else {
                case::lower(cx.meter(), text)?
            };
            let v = Value::str(out);
            cx.meter().guard_result(&v)?;
            Ok(v)
        }
        "casefold" => {
            cx.meter().check_str_len(s.char_len())?;
            // ASCII folds to its lower case: no table lookup a character
            // (the lookup made `casefold` 27x the dispatch loop's time a
            // fuel unit, issue #59's calibration re-run).
            if s.is_ascii() {
                return Ok(Value::Str(s.ascii_cased(false)));
            }
            // A table lookup a non-ASCII character (~5 ns a byte, 13x the
            // loop's time a unit at the receiver's charge alone): paid by
            // `case` per non-ASCII byte as it reads.
            let v = Value::str(case::casefold(cx.meter(), text)?);
            cx.meter().guard_result(&v)?;
            Ok(v)
        }
        "strip" | "lstrip" | "rstrip" => {
            let set = StripSet::new(arg_str(0)?.map(|c| c.as_str()));
            let f = |c: char| set.has(c);
            // Charged as it reads, from each end to the first character
            // it keeps, and for the part it copies: ASCII bytes a byte at
            // a time, the rest a character at a time from the first byte
            // past ASCII (a character at a time, with a scan of the
            // characters to strip for each, `lstrip` ran 9.5x the loop's
            // time a unit: issue #77).
            let a = if name == "rstrip" {
                0
            } else {
                let a = search::scan_bytes_while(cx.meter(), text.as_bytes(), TEXT, &set.ascii)?;
                if a < text.len() && !text.as_bytes()[a].is_ascii() {
                    a + search::scan_while(cx.meter(), &text[a..], STRIP_WIDE, f)?
                } else {
                    a
                }
            };
            let b = if name == "lstrip" {
                text.len()
            } else {
                let rest = &text.as_bytes()[a..];
                let kept = search::scan_bytes_back_while(cx.meter(), rest, TEXT, &set.ascii)?;
                let b = if kept > 0 && !rest[kept - 1].is_ascii() {
                    search::scan_back_while(cx.meter(), &text[a..a + kept], STRIP_WIDE, f)?
                } else {
                    kept
                };
                a + b
            };
            if a == 0 && b == text.len() {
                return Ok(Value::Str(s.clone()));
            }
            split::charge_part(cx.meter(), s, b - a)?;
            Ok(Value::Str(s.byte_substr(a, b, None)))
        }
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// `sep.join(items)`: every item a string (else CPython's error), the
/// result's length held to the limit before it is made, and its code-point
/// count and ASCII flag summed from the parts' (no scan of the result).
fn join_items(meter: &mut Meter, sep: &Str, items: &[Value]) -> R<Value> {
    let text = sep.as_str();
    let gaps = items.len().saturating_sub(1);
    let (mut total, mut chars, mut ascii) =
        (text.len() * gaps, sep.char_len() * gaps, sep.is_ascii());
    for (i, x) in items.iter().enumerate() {
        match x {
            Value::Str(t) => {
                total += t.byte_len();
                chars += t.char_len();
                ascii &= t.is_ascii();
            }
            other => {
                return type_err(format!(
                    "sequence item {i}: expected str instance, {} found",
                    other.type_name()
                ));
            }
        }
    }
    meter.check_str_len(total)?;
    let mut out = String::with_capacity(total);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(text);
        }
        if let Value::Str(t) = x {
            out.push_str(t.as_str());
        }
    }
    Ok(Value::Str(Str::joined(out.into(), chars, ascii)))
}

/// What `replace` writes: its bytes, and each occurrence replaced (the
/// search resumed past it, the text before it and the replacement copied:
/// ~8 ns each, 5.6x the loop's time a unit at one unit: issue #77).
const REPLACED: crate::cost::Rate = crate::cost::Rate { per_item: 4, per_64_bytes: 4 };

/// `sep.join(text)`: the characters of `text` with `sep` between them,
/// written straight from the text (a str made per character, then joined,
/// ran 150x the loop's time a unit and held a value per character: issue
/// #77). Its length held to the cap and the budget, and its bytes paid as
/// a join's, before it is written.
fn join_chars(meter: &mut Meter, sep: &Str, text: &Str) -> R<Value> {
    let n = text.char_len();
    let gaps = n.saturating_sub(1);
    let chars = n.saturating_add(sep.char_len().saturating_mul(gaps));
    let bytes = text.byte_len().saturating_add(sep.byte_len().saturating_mul(gaps));
    meter.check_str_len(chars)?;
    // Each character a piece joined.
    meter.charge_work(JOIN, n, bytes)?;
    meter.check_text_exact(bytes)?;
    let mut out = String::with_capacity(bytes);
    let mut it = text.as_str().chars();
    if let Some(c) = it.next() {
        out.push(c);
    }
    for c in it {
        out.push_str(sep.as_str());
        out.push(c);
    }
    Ok(Value::Str(Str::joined(out.into(), chars, sep.is_ascii() && text.is_ascii())))
}

fn str_join_replace<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let text = s.as_str();
    match name {
        "join" => {
            if args.len() != 1 {
                return type_err(format!(
                    "str.join() takes exactly one argument ({} given)",
                    args.len()
                ));
            }
            // A list or tuple is read where it lies (charged as `iterate`
            // charges its copy): no vector of clones made and dropped.
            match &args[0] {
                Value::List(l) => {
                    cx.meter().fuel(l.borrow().len() as u64 / 8)?;
                    join_items(cx.meter(), s, &l.borrow())
                }
                Value::Tuple(t) => {
                    cx.meter().fuel(t.len() as u64 / 8)?;
                    join_items(cx.meter(), s, t)
                }
                Value::Str(t) => join_chars(cx.meter(), s, t),
                other => {
                    let items = cx.iterate(other)?;
                    join_items(cx.meter(), s, &items)
                }
            }
        }
        "replace" => {
            let (Some(Value::Str(old)), Some(Value::Str(new))) = (args.first(), args.get(1)) else {
                return type_err("replace() argument must be str");
            };
            let count = match args.get(2).or_else(|| kw(kwargs, "count")) {
                Some(v) => crate::args::index_int(v)?,
                None => -1,
            };
            let (old, new) = (old.as_str(), new.as_str());
            // The occurrences counted as the search reads (a `count`
            // stops it), then the result charged as it is made.
            let n = if old.is_empty() {
                let all = s.char_len() + 1;
                if count < 0 { all } else { all.min(count as usize) }
            } else if count < 0 {
                // Every occurrence: the whole text read once, by the
                // counting searchers (a search a match paid a searcher's
                // setup a match on dense needles).
                cx.meter().charge_work(SCAN, 0, text.len())?;
                search::count(text.as_bytes(), old.as_bytes())
            } else {
                let (bytes, mut n, mut at) = (text.as_bytes(), 0usize, 0usize);
                let mut reader = Reader::new(old.as_bytes(), SCAN);
                while count < 0 || n < count as usize {
                    let Some(p) = search::find_read(cx.meter(), &mut reader, bytes, at)? else {
                        break;
                    };
                    n += 1;
                    at = p + old.len();
                }
                n
            };
            if n == 0 {
                return Ok(Value::Str(s.clone()));
            }
            // The bytes written, and a replacement per occurrence (dense
            // single characters ran 35x the loop's time a unit charged
            // for the copy of the text alone: issue #77).
            let total = text.len() + n * new.len();
            cx.meter().charge_work(REPLACED, n, total)?;
            cx.meter().check_str_len(total)?;
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
            // Made at its exact size, checked against the budget first:
            // `str::replace` grew its buffer by doubling, two buffers
            // held at once at each step (a 262 MB result peaked at 631
            // MiB RSS under the 512 MiB budget).
            cx.meter().check_text_exact(total)?;
            let mut out = String::with_capacity(total);
            let mut last = 0;
            let mut put = |p: usize| {
                out.push_str(&text[last..p]);
                out.push_str(new);
                last = p + old.len();
            };
            match old.as_bytes() {
                [b] => memchr::memchr_iter(*b, text.as_bytes()).take(n).for_each(&mut put),
                o => memchr::memmem::find_iter(text.as_bytes(), o).take(n).for_each(&mut put),
            }
            out.push_str(&text[last..]);
            Ok(Value::str(out))
        }
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// `find`, `index`, `count` and their right-hand forms, `startswith`,
/// `endswith`: charged as they proceed, for the part of the string their
/// range covers and, for a search, the blocks read before the match.
pub(super) fn str_search<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: &[Value],
) -> R<Value> {
    let text = s.as_str();
    match name {
        "find" | "rfind" | "index" | "rindex" | "count" => {
            let Some(Value::Str(sub)) = args.first() else {
                return type_err(format!(
                    "must be str, not {}",
                    args.first().map(|v| v.type_name()).unwrap_or("nothing")
                ));
            };
            let not_found = || {
                if name.ends_with("index") {
                    value_err("substring not found")
                } else {
                    Ok(Value::Int(if name == "count" { 0 } else { -1 }))
                }
            };
            let range = str_range(s, args.get(1), args.get(2))?;
            if args.get(1).and_then(as_int).is_some_and(|st| st > s.char_len() as i64) {
                return not_found();
            }
            let Some(r) = range else {
                return not_found();
            };
            let (hay, sub) = (&text.as_bytes()[r.bytes.clone()], sub.as_str().as_bytes());
            if name == "count" {
                if sub.is_empty() {
                    return Ok(Value::Int((r.chars.len() + 1) as i64));
                }
                // Non-overlapping, as str.count; it reads the whole range.
                let n = search::count_in_blocks(cx.meter(), hay, sub, crate::cost::OCCURRENCES)?;
                return Ok(Value::Int(n as i64));
            }
            let at = if name.starts_with('r') {
                search::rfind_in_blocks(cx.meter(), hay, sub, SCAN)?
            } else {
                search::find_in_blocks(cx.meter(), hay, sub, SCAN)?
            };
            let Some(p) = at else { return not_found() };
            // The match's code point, counted over the bytes the search read.
            let ci = if s.is_ascii() {
                r.chars.start + p
            } else if name.starts_with('r') {
                r.chars.end - crate::types::str::count_chars(&hay[p..])
            } else {
                r.chars.start + crate::types::str::count_chars(&hay[..p])
            };
            s.remember_position(ci, r.bytes.start + p);
            Ok(Value::Int(ci as i64))
        }
        "startswith" | "endswith" => {
            let Some(p) = args.first() else {
                return type_err(format!("{name}() takes at least 1 argument (0 given)"));
            };
            let range = str_range(s, args.get(1), args.get(2))?;
            // A start past the end matches nothing, not even "".
            let past_end = args.get(1).and_then(as_int).is_some_and(|st| st > s.char_len() as i64);
            let hay = range.filter(|_| !past_end).map(|r| &text[r.bytes]);
            let one = std::slice::from_ref(p);
            let candidates = match p {
                Value::Tuple(ps) => &ps[..],
                Value::Str(_) => one,
                o => {
                    return type_err(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        o.type_name()
                    ));
                }
            };
            // Tried in order, each checked as it comes (CPython's order).
            for p in candidates {
                let Value::Str(p) = p else {
                    return type_err(format!(
                        "tuple for {name} must only contain str, not {}",
                        p.type_name()
                    ));
                };
                let Some(hay) = hay else { continue };
                // Each prefix tried reads at most its length (or the range's).
                let p = p.as_str();
                cx.meter().charge_work(SCAN, 1, p.len().min(hay.len()))?;
                if if name == "startswith" { hay.starts_with(p) } else { hay.ends_with(p) } {
                    return Ok(Value::Bool(AlignedBool(true)));
                }
            }
            Ok(Value::Bool(AlignedBool(false)))
        }
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// The `is...` predicates and the case changes that take no argument.
fn str_predicate_case(meter: &mut Meter, s: &Str, name: &str) -> R<Value> {
    let text = s.as_str();
    // A predicate over non-ASCII text looks each character up in the
    // tables: paid up front, as it reads them all but where one fails
    // (issue #77: `isidentifier`, `isupper`, `isprintable` ran 3-19x the
    // loop's time a unit charged per byte). The changes of case pay in
    // `case`, as they read.
    if !s.is_ascii() && name.starts_with("is") {
        let wide = text.bytes().filter(|b| !b.is_ascii()).count();
        meter.charge_work(crate::cost::UNICODE_LOOKUP, wide, text.len())?;
    }
    if s.is_ascii()
        && let Some(r) = case::ascii_predicate(text.as_bytes(), name)
    {
        return Ok(Value::Bool(AlignedBool(r)));
    }
    match name {
        "isdigit" | "isnumeric" | "isdecimal" => {
            let pred = match name {
                "isdigit" => crate::unicode::is_digit,
                "isnumeric" => crate::unicode::is_numeric,
                _ => crate::unicode::is_decimal,
            };
            Ok(Value::Bool(AlignedBool(!text.is_empty() && text.chars().all(pred))))
        }
        "isalpha" => Ok(Value::Bool(AlignedBool(
            !text.is_empty() && text.chars().all(crate::unicode::is_alpha),
        ))),
        "isalnum" => Ok(Value::Bool(AlignedBool(
            !text.is_empty() && text.chars().all(crate::unicode::is_alnum),
        ))),
        "isspace" => Ok(Value::Bool(AlignedBool(!text.is_empty() && text.chars().all(py_isspace)))),
        "isascii" => Ok(Value::Bool(AlignedBool(s.is_ascii()))),
        "isprintable" => {
            Ok(Value::Bool(AlignedBool(text.chars().all(crate::unicode::is_printable))))
        }
        // A titlecase letter (`ǅ`) is neither, and makes both false.
        "isupper" => Ok(Value::Bool(AlignedBool(case::is_upper_text(text)))),
        "islower" => Ok(Value::Bool(AlignedBool(case::is_lower_text(text)))),
        "istitle" => Ok(Value::Bool(AlignedBool(case::is_title_text(text)))),
        "isidentifier" => Ok(Value::Bool(AlignedBool(crate::unicode::is_identifier(text)))),
        "title" | "capitalize" | "swapcase" => {
            let v = Value::str(case::change_case(meter, s.as_str(), s.is_ascii(), name)?);
            meter.guard_result(&v)?;
            Ok(v)
        }
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// Padding, prefixes, tabs, `format` and `translate`.
fn str_layout<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &Str,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let text = s.as_str();
    match name {
        "center" | "ljust" | "rjust" => {
            let Some(w) = args.first() else {
                return type_err(format!("{name}() takes at least 1 argument"));
            };
            let w = crate::args::index_int(w)?;
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
            cx.meter().check_str_len(w)?;
            let pad = w - n;
            // `check_str_len` charged a byte per character; a wider
            // fill (up to 4 bytes) is charged the rest before it is made.
            let bytes = text.len().saturating_add(pad.saturating_mul(fill.len_utf8()));
            cx.meter().alloc(bytes.saturating_sub(w))?;
            let (left, right) = match name {
                "ljust" => (0, pad),
                "rjust" => (pad, 0),
                _ => {
                    // CPython's centering puts the extra space on the right when odd... unless the width is odd.
                    let left = pad / 2 + (pad & w & 1);
                    (left, pad - left)
                }
            };
            // One exact buffer (formatting the padding apart held it twice).
            let mut out = String::with_capacity(text.len() + pad * fill.len_utf8());
            crate::format::fill::push_fill(&mut out, fill, left);
            out.push_str(text);
            crate::format::fill::push_fill(&mut out, fill, right);
            Ok(Value::str(out))
        }
        "zfill" => {
            let w = args.first().map_or(Ok(0), crate::args::index_int)?.max(0) as usize;
            let n = s.char_len();
            if w <= n {
                return Ok(Value::Str(s.clone()));
            }
            cx.meter().check_str_len(w)?;
            let (sign, rest) = match text.chars().next() {
                Some(c @ ('+' | '-')) => (c.to_string(), &text[1..]),
                _ => (String::new(), text),
            };
            let mut out = String::with_capacity(text.len() + (w - n));
            out.push_str(&sign);
            crate::format::fill::push_fill(&mut out, '0', w - n);
            out.push_str(rest);
            Ok(Value::str(out))
        }
        "format" => {
            let src = crate::callbacks::FormatSource::Call { args, kwargs };
            Ok(Value::str(cx.str_format(text, &src)?))
        }
        "format_map" => {
            // Any object: names are looked up as `m[name]`, only if the
            // string has fields.
            let Some(m) = args.first() else {
                return type_err("format_map() takes exactly one argument (0 given)");
            };
            let src = crate::callbacks::FormatSource::Map(m);
            Ok(Value::str(cx.str_format(text, &src)?))
        }
        // Charged for the bytes compared and the part copied.
        "removeprefix" => {
            let Some(Value::Str(p)) = args.first() else {
                return type_err("removeprefix() argument must be str");
            };
            cx.meter().charge_work(SCAN, 0, p.byte_len().min(text.len()))?;
            Ok(match text.strip_prefix(p.as_str()) {
                Some(r) if !p.as_str().is_empty() => {
                    split::charge_part(cx.meter(), s, r.len())?;
                    Value::Str(s.byte_substr(p.byte_len(), text.len(), None))
                }
                _ => Value::Str(s.clone()),
            })
        }
        "removesuffix" => {
            let Some(Value::Str(p)) = args.first() else {
                return type_err("removesuffix() argument must be str");
            };
            cx.meter().charge_work(SCAN, 0, p.byte_len().min(text.len()))?;
            Ok(match text.strip_suffix(p.as_str()) {
                Some(r) if !p.as_str().is_empty() => {
                    split::charge_part(cx.meter(), s, r.len())?;
                    Value::Str(s.byte_substr(0, r.len(), None))
                }
                _ => Value::Str(s.clone()),
            })
        }
        "expandtabs" => {
            let ts = match args.first().or_else(|| kw(kwargs, "tabsize")) {
                Some(v) => crate::args::index_int(v)?.max(0) as usize,
                None => 8,
            };
            // The result's length first (a pass the receiver's charge
            // pays), held to the string cap and the budget and its bytes
            // paid before any is written: a tab writes up to `tabsize`
            // spaces (issue #77: `'\t' * 1024` `.expandtabs(10 ** 5)` wrote
            // them a push at a time, uncharged, 93x the loop's time a unit).
            let (chars, bytes, runs) = expanded_len(text, ts, cx.meter().limits.max_str_len);
            cx.meter().check_str_len(chars)?;
            cx.meter().charge_work(EXPAND, runs, bytes)?;
            cx.meter().check_text_exact(bytes)?;
            let mut out = String::with_capacity(bytes);
            for_each_tab_run(text, ts, |run, spaces| {
                out.push_str(run);
                out.extend(std::iter::repeat_n(' ', spaces));
                true
            });
            Ok(Value::str(out))
        }
        "translate" => {
            let Some(Value::Dict(table)) = args.first() else {
                return type_err("translate() argument must be a mapping (use str.maketrans)");
            };
            let table = table.clone();
            // A dict lookup for each character past ASCII (ASCII ones are
            // looked up once each): charged per byte past ASCII before it
            // runs (at the receiver's rate alone, `Σ` text ran 14x the
            // loop's time a unit: issue #77).
            if !s.is_ascii() {
                let wide = text.bytes().filter(|b| !b.is_ascii()).count();
                cx.meter().charge_work(crate::cost::UNICODE_LOOKUP, wide, 0)?;
            }
            // Charged as it grows, and held to the string cap.
            let mut out = ChargedString::new();
            out.reserve(cx.meter(), text.len())?;
            // Each ASCII character's mapping is looked up once (a dict
            // lookup per character ran 15 ns each), and runs of
            // characters the table keeps are copied whole.
            let mut ascii: Vec<Option<Mapped>> = vec![None; 128];
            let mut kept_from = 0;
            for (at, c) in text.char_indices() {
                let mapped = match ascii.get(c as usize) {
                    Some(Some(m)) => m.clone(),
                    _ => {
                        let k = Key(Value::Int(c as i64));
                        let found = table.borrow().map.get(&k).cloned();
                        let m = match found {
                            None => Mapped::Keep,
                            Some(Value::None) => Mapped::Drop,
                            Some(Value::Str(r)) => Mapped::Text(r),
                            Some(v) => match as_int(&v) {
                                Some(i) => match u32::try_from(i).ok().and_then(char::from_u32) {
                                    Some(r) => Mapped::Char(r),
                                    // (A lone surrogate, as `chr` says, cannot be in a str here.)
                                    None => {
                                        return crate::fault::value_err(
                                            "character mapping must be in range(0x110000)",
                                        );
                                    }
                                },
                                None => {
                                    return type_err(
                                        "character mapping must return integer, None or str",
                                    );
                                }
                            },
                        };
                        if let Some(slot) = ascii.get_mut(c as usize) {
                            *slot = Some(m.clone());
                        }
                        m
                    }
                };
                if matches!(mapped, Mapped::Keep) {
                    continue;
                }
                out.push_str(cx.meter(), &text[kept_from..at])?;
                kept_from = at + c.len_utf8();
                match mapped {
                    Mapped::Keep | Mapped::Drop => {}
                    Mapped::Text(r) => out.push_str(cx.meter(), r.as_str())?,
                    Mapped::Char(r) => out.push(cx.meter(), r)?,
                }
            }
            out.push_str(cx.meter(), &text[kept_from..])?;
            cx.meter().check_str_len(out.len())?;
            Ok(Value::str(out.into_string()))
        }
        _ => no_attr_among(&Value::Str(s.clone()), name, STR_METHODS.iter().copied()),
    }
}

/// Optional start/end code-point indices (Python's slice rules) as a
/// range of code points and the bytes it covers (`None` when the start
/// is past the end): O(1) amortised, also on non-ASCII text.
fn str_range(s: &Str, start: Option<&Value>, end: Option<&Value>) -> R<Option<StrRange>> {
    let len = s.char_len() as i64;
    let conv = |v: Option<&Value>, default: i64| -> R<i64> {
        match v {
            None | Some(Value::None) => Ok(default),
            Some(v) => match as_int(v) {
                Some(i) => Ok(if i < 0 { (i + len).max(0) } else { i.min(len) }),
                None => {
                    type_err("slice indices must be integers or None or have an __index__ method")
                }
            },
        }
    };
    let a = conv(start, 0)? as usize;
    let b = conv(end, len)? as usize;
    if a > b {
        return Ok(None);
    }
    Ok(Some(StrRange { chars: a..b, bytes: s.byte_of_char(a)..s.byte_of_char(b) }))
}

/// `str.maketrans(dict)` or `str.maketrans(from, to[, delete])`, with
/// CPython's checks in its order (the second and third arguments' types
/// first, as its argument parser does).
pub(crate) fn str_maketrans(meter: &mut Meter, args: &[Value]) -> R<Value> {
    if args.is_empty() || args.len() > 3 {
        let bound = if args.is_empty() { "at least 1 argument" } else { "at most 3 arguments" };
        return type_err(format!("maketrans expected {bound}, got {}", args.len()));
    }
    for (i, v) in args.iter().enumerate().skip(1) {
        if !matches!(v, Value::Str(_)) {
            let n = i + 1;
            return type_err(format!(
                "maketrans() argument {n} must be str, not {}",
                v.type_name()
            ));
        }
    }
    let mut d = Dict::new();
    match (&args[0], args.get(1)) {
        (Value::Dict(src), None) => {
            for (k, v) in src.borrow().map.iter() {
                let k = match &k.0 {
                    Value::Str(s) if s.char_len() == 1 => {
                        Value::Int(s.as_str().chars().next().map_or(0, |c| c as i64))
                    }
                    Value::Str(_) => {
                        return value_err("string keys in translate table must be of length 1");
                    }
                    k @ (Value::Int(_) | Value::Bool(AlignedBool(_))) => k.clone(),
                    _ => {
                        return type_err("keys in translate table must be strings or integers");
                    }
                };
                d.map.insert(Key(k), v.clone());
            }
        }
        (_, None) => {
            return type_err("if you give only one argument to maketrans it must be a dict");
        }
        (Value::Str(a), Some(Value::Str(b))) => {
            if a.char_len() != b.char_len() {
                return value_err("the first two maketrans arguments must have equal length");
            }
            // A key hashed and inserted a character (charged per byte of
            // the arguments, it ran 17x the loop's time a unit: issue #77).
            let z = match args.get(2) {
                Some(Value::Str(z)) => z.char_len(),
                _ => 0,
            };
            meter.charge_work(HASH, a.char_len().saturating_add(z), 0)?;
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
                "first maketrans argument must be a string if there is a second argument",
            );
        }
    }
    Ok(Value::dict(d))
}

/// What `str.translate`'s table does with one character.
#[derive(Clone)]
enum Mapped {
    Keep,
    Drop,
    Text(Str),
    Char(char),
}

/// A strip's rate past ASCII, a character decoded and looked up at a
/// time (at [`TEXT`], `lstrip` over `ﬃ` and `Σ` ran 12x the loop's time a
/// unit: issue #77).
const STRIP_WIDE: crate::cost::Rate = crate::cost::Rate { per_item: 0, per_64_bytes: 128 };

/// The characters a strip takes off: the ASCII ones as a table a byte
/// indexes, the others sorted (whitespace by its own test when none are
/// given).
struct StripSet {
    ascii: [bool; 128],
    /// `None`: Unicode's whitespace past ASCII.
    wide: Option<Vec<char>>,
}

impl StripSet {
    fn new(chars: Option<&str>) -> StripSet {
        let mut ascii = [false; 128];
        let wide = match chars {
            None => {
                for (b, slot) in ascii.iter_mut().enumerate() {
                    *slot = py_isspace(char::from(b as u8));
                }
                None
            }
            Some(cs) => {
                let mut wide: Vec<char> = Vec::new();
                for c in cs.chars() {
                    match u8::try_from(c) {
                        Ok(b) if b.is_ascii() => ascii[b as usize] = true,
                        _ => wide.push(c),
                    }
                }
                wide.sort_unstable();
                Some(wide)
            }
        };
        StripSet { ascii, wide }
    }

    fn has(&self, c: char) -> bool {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => self.ascii[b as usize],
            _ => match &self.wide {
                Some(w) => w.binary_search(&c).is_ok(),
                None => py_isspace(c),
            },
        }
    }
}

/// `str` in the value protocol.
pub(crate) struct StrType;

impl crate::types::protocol::PyType for StrType {
    type Data = Str;

    fn truth(data: &Str) -> bool {
        data.byte_len() != 0
    }

    fn len(data: &Str) -> Option<R<usize>> {
        Some(Ok(data.char_len()))
    }

    fn method_names(data: &Str) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        STR_METHODS.into()
    }

    fn method_cost(data: &Str, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(STR_COSTS, name)
    }

    fn arity_key(data: &Str) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_STR)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Str,
        idx: &Value,
    ) -> Option<R<Value>> {
        Some(super::str_getitem(cx.meter(), data, idx))
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Str,
    ) -> Option<R<IterState>> {
        let _ = (cx, recv);
        Some(Ok(IterState::Str(data.clone(), 0)))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &Str, walk: &mut W) -> R<()> {
        super::repr::repr_str_walk(data, walk)
    }

    fn hash<W: crate::types::protocol::HashWalk>(data: &Str, walk: &mut W) -> Option<()> {
        use std::hash::Hash;
        data.hash_code().hash(walk.state());
        Some(())
    }

    #[inline]
    fn size(data: &Str) -> (u64, u64) {
        (0, data.byte_len() as u64)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Str,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let Value::Str(y) = other else { return Some(false) };
        if data.byte_len() == y.byte_len() {
            walk.spend((data.byte_len() / 64) as u64)?;
        }
        Some(data == y)
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        _lhs: &Value,
        data: &Str,
        other: &Value,
    ) -> Option<R<bool>> {
        let Value::Str(y) = other else { return None };
        let o = super::str_order(walk.meter(), data, y);
        Some(o.map(|o| crate::types::protocol::holds(op, Some(o))))
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Str,
        item: &Value,
    ) -> Option<R<bool>> {
        Some(super::str_contains(cx.meter(), data, item))
    }

    #[inline]
    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Str,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        // `n * seq` (reflected) as `seq * n`; anything else by the left operand.
        let other = if reflected { lhs } else { rhs };
        match op {
            BinOp::Add if !reflected => Some(super::str_add(cx.meter(), data, lhs, rhs)),
            BinOp::Mult if crate::args::as_int(other).is_some() => {
                Some(super::str_repeat(cx.meter(), data, other))
            }
            _ => None,
        }
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Str,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = recv;
        str_method(cx, data, name, args, kwargs)
    }
}
