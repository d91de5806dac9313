//! `datetime.strptime` as CPython's `_strptime`: the format becomes a regex
//! (leftmost-first alternation, case-insensitive).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::cost::{FORMAT_REGEX, FUEL_PER_FORMAT_COMPILE, FUEL_PER_STRPTIME};
use crate::fault::{R, exc, value_err};
use crate::meter::Meter;
use crate::modules::datetime::date_time::{
    DAYS, DateTime, MONTHS, civil_from_days, days_from_civil, iso_week1_monday,
};
use crate::value::*;

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

/// Formats at most this long are kept compiled for the thread; a longer one
/// is compiled (and paid) at every call.
const CACHED_FORMAT_BYTES: usize = 256;

/// How many compiled formats the thread keeps; past it they are all dropped.
const CACHED_FORMATS: usize = 64;

/// A session's record of the formats it paid the compile of (each once,
/// whatever the thread compiled before: `crate::paid`) is forgotten past
/// this many: they are paid again.
const FORGET_FORMATS_PAST: usize = 2 * CACHED_FORMATS;

/// A kept format: its compiled regex and its pattern's length (what its
/// compile is charged on).
type CompiledFormat = (Rc<regex::Regex>, usize);

thread_local! {
    /// The thread's compiled formats, by format, as CPython keeps them
    /// (`_strptime._regex_cache`), with their patterns' lengths: compiling the format's regex at every call
    /// was 86% of the instructions of a real model's program parsing dates in
    /// a loop (the `corpus_oolong_count` bench, issue #59).
    static FORMATS: RefCell<HashMap<Box<str>, CompiledFormat>> =
        RefCell::new(HashMap::new());
}

/// Heap the regex crate holds, per byte of a format, while it parses and
/// compiles the format's regex and matches with it (its syntax tree, the
/// case-folded classes, its programs and engines, the match's caches), at
/// most: `strptime(X, X)` of 24 976 characters of `'a '` peaked at 47.7 MiB
/// of heap (2 003 bytes a byte; issue #77's fuzzer, which first found
/// 83.1 MiB for 161 370 characters of `'ab cd\n'` with 0.4 MiB charged), and
/// peak RSS over 24 000 bytes of `'a '`, `'. '` or `'1 '` was 50-58 MiB.
const COMPILE_HEAP_PER_FORMAT_BYTE: usize = 2304;

/// A format's compiled regex, with the charge of the heap its compile and
/// match hold (none for a kept format: compiled before, nothing to hold).
struct Compiled {
    re: Rc<regex::Regex>,
    _held: Option<crate::charged::ScratchCharge>,
}

/// The compiled regex of a format: the thread's, or made and compiled now
/// (`None`: it does not compile, or it cannot match `s`). The compile is
/// charged before it is done, at its pattern's length, once per session and
/// kept format; a format too long to keep, at every call, and its heap is
/// held as live (to the budget and the meter's high-water mark) until the
/// match is done. A kept format was valid, so a hit skips building its
/// pattern (a tenth of a call's time).
fn compiled(meter: &mut Meter, fmt: &str, s: &str) -> R<Option<Compiled>> {
    let compile_fuel = |meter: &mut Meter, pattern_len: usize| {
        meter.fuel(FUEL_PER_FORMAT_COMPILE)?;
        meter.charge_work(FORMAT_REGEX, 1, pattern_len)
    };
    if fmt.len() <= CACHED_FORMAT_BYTES {
        if let Some((re, pattern_len)) = FORMATS.with(|f| f.borrow().get(fmt).cloned()) {
            if !meter.paid.format_compiled(fmt, FORGET_FORMATS_PAST) {
                compile_fuel(meter, pattern_len)?;
            }
            return Ok(Some(Compiled { re, _held: None }));
        }
    }
    // The pattern: at most 4 bytes a format byte (`\s+` for a space, an
    // escaped character) and a directive's alternatives (each directive
    // once: under 1 KiB in all); its errors CPython's before the compile
    // is charged.
    let pattern_held =
        crate::charged::charge_scratch(meter, fmt.len().saturating_add(1024).saturating_mul(4))?;
    let (pattern, min_chars) = pattern_of(fmt)?;
    compile_fuel(meter, pattern.len())?;
    // A text shorter than the least the format matches cannot match it:
    // CPython's answer, "does not match format", without the compile's
    // heap (a memory error for a long format the text could never match).
    // Counted only for a format too long to keep.
    if fmt.len() > CACHED_FORMAT_BYTES && s.chars().count() < min_chars {
        return Ok(None);
    }
    let held = crate::charged::charge_scratch(
        meter,
        fmt.len().saturating_add(64).saturating_mul(COMPILE_HEAP_PER_FORMAT_BYTE),
    )?;
    drop(pattern_held);
    let Ok(re) = regex::Regex::new(&pattern) else { return Ok(None) };
    let re = Rc::new(re);
    if fmt.len() <= CACHED_FORMAT_BYTES {
        meter.paid.format_compiled(fmt, FORGET_FORMATS_PAST);
        FORMATS.with(|f| {
            let mut f = f.borrow_mut();
            if f.len() >= CACHED_FORMATS {
                f.clear();
            }
            f.insert(fmt.into(), (re.clone(), pattern.len()));
        });
    }
    Ok(Some(Compiled { re, _held: Some(held) }))
}

/// The fewest characters a directive's regex matches.
fn directive_min_chars(c: char) -> usize {
    match c {
        'G' | 'Y' => 4,
        'y' | 'p' => 2,
        // "May"; "Jan", "Mon".
        'B' | 'b' | 'a' => 3,
        // "Monday", "Friday", "Sunday".
        'A' => 6,
        _ => 1,
    }
}

/// The regex CPython's `_strptime` makes of a format: its directives'
/// patterns, its spaces as `\s+`, the rest literal; the format's errors
/// (`ValueError`, `re.error`) as CPython raises them; and the fewest
/// characters it matches (a literal matches one, case-folded or not).
fn pattern_of(fmt: &str) -> R<(String, usize)> {
    let fmt_repr = || crate::types::str::repr::repr_str(fmt);
    let mut pattern = String::from("(?i)^");
    let mut seen = Vec::new();
    let mut min_chars = 0usize;
    let mut fc = fmt.chars().peekable();
    while let Some(c) = fc.next() {
        min_chars += 1;
        if c == '%' {
            let Some(dc) = fc.next() else {
                return value_err(format!("stray % in format {}", fmt_repr()));
            };
            if dc == '%' {
                pattern.push('%');
                continue;
            }
            let Some(re) = strptime_directive_re(dc) else {
                return value_err(format!("'{dc}' is a bad directive in format {}", fmt_repr()));
            };
            if seen.contains(&dc) {
                return exc(ExcKind::ReError, format!("redefinition of group name '{dc}'"));
            }
            seen.push(dc);
            min_chars += directive_min_chars(dc) - 1;
            pattern.push_str(&re);
        } else if crate::unicode::py_isspace(c) {
            while fc.peek().is_some_and(|c| crate::unicode::py_isspace(*c)) {
                fc.next();
            }
            pattern.push_str(r"\s+");
        } else {
            pattern.push_str(&regex::escape(&c.to_string()));
        }
    }
    Ok((pattern, min_chars))
}

/// `datetime.strptime` as CPython's `_strptime`: the format becomes a regex
/// (leftmost-first alternation, case-insensitive), so out-of-range fields
/// "do not match format" exactly when they do in CPython.
pub(crate) fn strptime(meter: &mut Meter, s: &str, fmt: &str) -> R<DateTime> {
    let bad = || {
        value_err(format!(
            "time data {} does not match format {}",
            crate::types::str::repr::repr_str(s),
            crate::types::str::repr::repr_str(fmt)
        ))
    };
    let Some(compiled) = compiled(meter, fmt, s)? else { return bad() };
    let re = &compiled.re;
    meter.fuel(FUEL_PER_STRPTIME)?;
    let Some(caps) = re.captures(s) else { return bad() };
    let end = caps.get(0).map_or(0, |m| m.end());
    if end != s.len() {
        return value_err(format!("unconverted data remains: {}", &s[end..]));
    }
    // Each directive's text, read from the captures once (by group index):
    // looking each of the ~20 directives up by name hashed the name every
    // time, a tenth of a real model's date-parsing loop.
    let mut fields: [Option<&str>; 128] = [None; 128];
    for (i, name) in re.capture_names().enumerate() {
        if let (Some(&[c]), Some(m)) = (name.map(str::as_bytes), caps.get(i)) {
            if let Some(slot) = fields.get_mut(c as usize) {
                *slot = Some(m.as_str());
            }
        }
    }
    let text = |c: &str| c.bytes().next().and_then(|b| fields.get(b as usize).copied().flatten());
    let num = |c: &str| -> Option<i64> {
        let t = text(c)?;
        t.trim().chars().try_fold(0i64, |acc, ch| Some(acc * 10 + ch.to_digit(10)? as i64))
    };
    // The names are ASCII, so comparing them without case to the lowered
    // text is comparing their lowered forms.
    let find = |c: &str, names: &[&str], n: usize| -> Option<i64> {
        let t = text(c)?.to_lowercase();
        names.iter().position(|x| x[..n.min(x.len())].eq_ignore_ascii_case(&t)).map(|i| i as i64)
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
