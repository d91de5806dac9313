//! Dates from ISO 8601 text and ISO calendar weeks, as CPython 3.11 reads
//! them: `date.fromisoformat` (`YYYY-MM-DD`, `YYYYMMDD`, `YYYY-Www[-D]`,
//! `YYYYWww[D]`) and `date.fromisocalendar(year, week, day)`, with
//! CPython's errors.

use crate::args::{Kwargs, as_int, kw};
use crate::fault::{R, type_err, value_err};
use crate::modules::datetime::date_time::{DateTime, civil_from_days, iso_week1_monday};
use crate::value::*;

/// Whether ISO year `year` has 53 weeks: it starts on a Thursday, or on a
/// Wednesday in a leap year.
fn has_week_53(year: i64) -> bool {
    iso_week1_monday(year + 1) - iso_week1_monday(year) == 53 * 7
}

/// The date of ISO year, week and weekday (all in range).
fn from_week(year: i64, week: i64, day: i64) -> R<DateTime> {
    let days = iso_week1_monday(year) + (week - 1) * 7 + (day - 1);
    let (y, m, d) = civil_from_days(days);
    DateTime::midnight(y, m, d).validate()
}

/// The date part of an ISO string (`whole` is the string the error quotes).
pub(crate) fn parse_date(text: &str, whole: &str) -> R<DateTime> {
    let bad = || {
        value_err(format!("Invalid isoformat string: {}", crate::types::str::repr::repr_str(whole)))
    };
    if !whole.is_ascii() || text.len() < 7 {
        return bad();
    }
    let digits = |s: &str| -> Option<i64> {
        if s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    let Some(year) = digits(&text[..4]) else { return bad() };
    let (rest, dashed) = match text[4..].strip_prefix('-') {
        Some(r) => (r, true),
        None => (&text[4..], false),
    };
    if let Some(week_part) = rest.strip_prefix('W') {
        let (week, day) = match (week_part.len(), dashed) {
            (2, _) => (digits(week_part), Some(1)),
            (4, true) if week_part.as_bytes()[2] == b'-' => {
                (digits(&week_part[..2]), digits(&week_part[3..]))
            }
            (3, false) => (digits(&week_part[..2]), digits(&week_part[2..])),
            _ => return bad(),
        };
        let (Some(week), Some(day)) = (week, day) else { return bad() };
        let last_week = if has_week_53(year) { 53 } else { 52 };
        if !(1..=last_week).contains(&week) || !(1..=7).contains(&day) {
            return bad();
        }
        return from_week(year, week, day);
    }
    let (month, day) = match (rest.len(), dashed) {
        (5, true) if rest.as_bytes()[2] == b'-' => (digits(&rest[..2]), digits(&rest[3..])),
        (4, false) => (digits(&rest[..2]), digits(&rest[2..])),
        _ => return bad(),
    };
    let (Some(month), Some(day)) = (month, day) else { return bad() };
    DateTime::midnight(year, month, day).validate()
}

/// `date.fromisocalendar(year, week, day)`.
pub(crate) fn from_iso_calendar(args: &[Value], kwargs: &Kwargs) -> R<DateTime> {
    const NAMES: [&str; 3] = ["year", "week", "day"];
    if args.len() + kwargs.len() > 3 {
        return type_err(format!(
            "fromisocalendar() takes at most 3 arguments ({} given)",
            args.len() + kwargs.len()
        ));
    }
    let mut parts = [0i64; 3];
    for (i, name) in NAMES.iter().enumerate() {
        let Some(v) = args.get(i).or_else(|| kw(kwargs, name)) else {
            return type_err(format!(
                "fromisocalendar() missing required argument '{name}' (pos {})",
                i + 1
            ));
        };
        let Some(n) = as_int(v) else {
            return type_err(format!(
                "'{}' object cannot be interpreted as an integer",
                v.type_name()
            ));
        };
        if i32::try_from(n).is_err() {
            return value_err("ISO calendar component out of range");
        }
        parts[i] = n;
    }
    if let Some((k, _)) = kwargs.iter().find(|(k, _)| !NAMES.contains(&k.as_str())) {
        return type_err(format!("'{k}' is an invalid keyword argument for fromisocalendar()"));
    }
    let [year, week, day] = parts;
    if !(1..=9999).contains(&year) {
        return value_err(format!("Year is out of range: {year}"));
    }
    let last_week = if has_week_53(year) { 53 } else { 52 };
    if !(1..=last_week).contains(&week) {
        return value_err(format!("Invalid week: {week}"));
    }
    if !(1..=7).contains(&day) {
        return value_err(format!("Invalid day: {day} (range is [1, 7])"));
    }
    from_week(year, week, day)
}
