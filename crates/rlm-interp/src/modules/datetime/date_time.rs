//! `datetime.datetime`, `datetime.date` and `datetime.time` (one struct,
//! flagged): proleptic Gregorian calendar arithmetic, validation, ISO format,
//! attributes, methods, `repr`, and ordering (mixing kinds is a TypeError).

use crate::args::{Kwargs, as_int, kw};
use crate::cost::CostTable;
use crate::fault::{R, exc, type_err, value_err};
use crate::modules::datetime::fields_tuple::{FieldsTuple, ISO_CALENDAR, STRUCT_TIME};
use crate::modules::datetime::strftime::{directives_fuel, strftime, strftime_metered};
use crate::types::attr_error::qualified_type_name;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub micro: i64,
    pub has_time: bool,
    /// A `datetime.time`: only the clock fields mean anything (the date is
    /// CPython's strftime default, 1900-01-01).
    pub time_only: bool,
}

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days-since-epoch of the Monday of ISO week 1 (the week holding 4 January).
pub(crate) fn iso_week1_monday(year: i64) -> i64 {
    let first = days_from_civil(year, 1, 1);
    let wd = (first + 3).rem_euclid(7);
    if wd > 3 { first - wd + 7 } else { first - wd }
}

/// Proleptic Gregorian ordinal (1 = 0001-01-01) of days-since-epoch 0.
pub(crate) const ORDINAL_OF_EPOCH: i64 = 719163;

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

impl DateTime {
    /// A date at midnight (no time part).
    pub(crate) fn midnight(year: i64, month: i64, day: i64) -> DateTime {
        DateTime {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
            has_time: false,
            time_only: false,
        }
    }

    pub(crate) fn validate(self) -> R<DateTime> {
        if !(1..=9999).contains(&self.year) {
            return value_err(format!("year {} is out of range", self.year));
        }
        if !(1..=12).contains(&self.month) {
            return value_err("month must be in 1..12");
        }
        if self.day < 1 || self.day > days_in_month(self.year, self.month) {
            return value_err("day is out of range for month");
        }
        if !(0..24).contains(&self.hour) {
            return value_err("hour must be in 0..23");
        }
        if !(0..60).contains(&self.minute) {
            return value_err("minute must be in 0..59");
        }
        if !(0..60).contains(&self.second) {
            return value_err("second must be in 0..59");
        }
        if !(0..1_000_000).contains(&self.micro) {
            return value_err("microsecond must be in 0..999999");
        }
        Ok(self)
    }

    pub(crate) fn total_micros(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        ((days * 86400 + self.hour * 3600 + self.minute * 60 + self.second) * 1_000_000)
            + self.micro
    }

    /// The date (and time) `us` microseconds after 0001-01-01's epoch
    /// offset; `OverflowError` outside years 1..9999, as CPython's.
    pub(crate) fn from_micros(us: i128, has_time: bool) -> R<DateTime> {
        let days = us.div_euclid(86_400_000_000);
        let rem = us.rem_euclid(86_400_000_000) as i64;
        // Years 1..9999 are about ±3.7 million days around the epoch.
        let (y, m, d) = match i64::try_from(days) {
            Ok(days) if days.abs() < 10_000_000 => civil_from_days(days),
            _ => (0, 1, 1),
        };
        if !(1..=9999).contains(&y) {
            return crate::fault::exc(ExcKind::OverflowError, "date value out of range");
        }
        let secs = rem / 1_000_000;
        Ok(DateTime {
            year: y,
            month: m,
            day: d,
            hour: secs / 3600,
            minute: (secs / 60) % 60,
            second: secs % 60,
            micro: rem % 1_000_000,
            has_time,
            time_only: false,
        })
    }

    pub(crate) fn weekday(&self) -> i64 {
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7)
    }

    /// Day of the year, 1-based.
    pub(crate) fn yday(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1) + 1
    }

    /// ISO 8601 (year, week, weekday 1..7), for `%G`, `%V` and `%u`.
    pub(crate) fn iso_calendar(&self) -> (i64, i64, i64) {
        let day = days_from_civil(self.year, self.month, self.day);
        let mut year = self.year;
        let mut week1 = iso_week1_monday(year);
        if day < week1 {
            year -= 1;
            week1 = iso_week1_monday(year);
        } else if day >= iso_week1_monday(year + 1) {
            year += 1;
            week1 = iso_week1_monday(year);
        }
        (year, (day - week1) / 7 + 1, self.weekday() + 1)
    }

    pub(crate) fn isoformat(&self, sep: &str) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if !self.has_time {
            return date;
        }
        let (date, sep) = if self.time_only { (String::new(), "") } else { (date, sep) };
        let mut t = format!("{date}{sep}{:02}:{:02}:{:02}", self.hour, self.minute, self.second);
        if self.micro != 0 {
            t.push_str(&format!(".{:06}", self.micro));
        }
        t
    }
}

impl DateTime {
    pub(crate) fn ty(&self) -> Ty {
        if self.time_only {
            Ty::Other(&"time")
        } else if self.has_time {
            Ty::Other(&"datetime")
        } else {
            Ty::Other(&"date")
        }
    }

    pub(crate) fn method_names(&self) -> &'static [&'static str] {
        if self.time_only {
            return &["strftime", "isoformat", "replace"];
        }
        if self.has_time {
            return &[
                "strftime",
                "isoformat",
                "weekday",
                "isoweekday",
                "isocalendar",
                "ctime",
                "timetuple",
                "date",
                "time",
                "replace",
                "timestamp",
                "toordinal",
                "fromordinal",
                "fromisoformat",
                "fromisocalendar",
                "strptime",
                "combine",
            ];
        }
        &[
            "strftime",
            "isoformat",
            "weekday",
            "isoweekday",
            "isocalendar",
            "ctime",
            "timetuple",
            "replace",
            "toordinal",
            "fromordinal",
            "fromisoformat",
            "fromisocalendar",
        ]
    }

    pub(crate) fn attr(&self, name: &str) -> Option<Value> {
        let d = self;
        match name {
            "year" if !d.time_only => Some(Value::Int(d.year)),
            "month" if !d.time_only => Some(Value::Int(d.month)),
            "day" if !d.time_only => Some(Value::Int(d.day)),
            "hour" if d.has_time => Some(Value::Int(d.hour)),
            "minute" if d.has_time => Some(Value::Int(d.minute)),
            "second" if d.has_time => Some(Value::Int(d.second)),
            "microsecond" if d.has_time => Some(Value::Int(d.micro)),
            _ => None,
        }
    }

    pub(crate) fn repr(&self) -> String {
        let d = self;
        if d.has_time {
            let mut s = if d.time_only {
                format!("datetime.time({}, {}", d.hour, d.minute)
            } else {
                format!(
                    "datetime.datetime({}, {}, {}, {}, {}",
                    d.year, d.month, d.day, d.hour, d.minute
                )
            };
            if d.second != 0 || d.micro != 0 {
                s.push_str(&format!(", {}", d.second));
            }
            if d.micro != 0 {
                s.push_str(&format!(", {}", d.micro));
            }
            s.push(')');
            s
        } else {
            format!("datetime.date({}, {}, {})", d.year, d.month, d.day)
        }
    }
}

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(crate) const DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// A method call on a date, datetime or time.
pub(crate) fn method(
    meter: &mut crate::meter::Meter,
    recv: &Value,
    d: &DateTime,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "strftime" => {
            let Some(Value::Str(f)) = args.first() else {
                return type_err("strftime() argument must be str");
            };
            Ok(Value::str(strftime_metered(meter, d, f.as_str())?))
        }
        "isoformat" => {
            let sep = match args.first().or_else(|| kw(&kwargs, "sep")) {
                Some(Value::Str(s)) => s.as_str().to_string(),
                _ => "T".to_string(),
            };
            Ok(Value::str(d.isoformat(&sep)))
        }
        _ if d.time_only && !matches!(name, "strftime" | "isoformat" | "replace") => exc(
            ExcKind::AttributeError,
            format!("'datetime.time' object has no attribute '{name}'"),
        ),
        "weekday" => Ok(Value::Int(d.weekday())),
        "time" => Ok(dt_value(DateTime { year: 1900, month: 1, day: 1, time_only: true, ..*d })),
        "isoweekday" => Ok(Value::Int(d.weekday() + 1)),
        "isocalendar" => {
            let (y, w, wd) = d.iso_calendar();
            Ok(FieldsTuple::value(&ISO_CALENDAR, &[y, w, wd]))
        }
        "ctime" => Ok(Value::str(format!(
            "{} {} {:>2} {:02}:{:02}:{:02} {:04}",
            &DAYS[d.weekday() as usize][..3],
            &MONTHS[(d.month - 1) as usize][..3],
            d.day,
            d.hour,
            d.minute,
            d.second,
            d.year
        ))),
        "timetuple" => Ok(FieldsTuple::value(
            &STRUCT_TIME,
            &[d.year, d.month, d.day, d.hour, d.minute, d.second, d.weekday(), d.yday(), -1],
        )),
        "toordinal" => Ok(Value::Int(days_from_civil(d.year, d.month, d.day) + ORDINAL_OF_EPOCH)),
        "date" => Ok(dt_value(DateTime::midnight(d.year, d.month, d.day))),
        "replace" => {
            let mut e = *d;
            for (k, v) in &kwargs {
                let v = as_int(v).unwrap_or(0);
                match k.as_str() {
                    "year" if !d.time_only => e.year = v,
                    "month" if !d.time_only => e.month = v,
                    "day" if !d.time_only => e.day = v,
                    "hour" => e.hour = v,
                    "minute" => e.minute = v,
                    "second" => e.second = v,
                    "microsecond" => e.micro = v,
                    other => {
                        return type_err(format!(
                            "'{other}' is an invalid keyword argument for replace()"
                        ));
                    }
                }
            }
            e.validate().map(dt_value)
        }
        _ => exc(
            ExcKind::AttributeError,
            format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
        ),
    }
}

/// Order two date/time values; mixing kinds is CPython's TypeError.
pub(crate) fn datetime_cmp(p: &DateTime, q: &DateTime, op: &str) -> R<std::cmp::Ordering> {
    let kind = |d: &DateTime| match (d.time_only, d.has_time) {
        (true, _) => "datetime.time",
        (false, true) => "datetime.datetime",
        (false, false) => "datetime.date",
    };
    let (kp, kq) = (kind(p), kind(q));
    if kp == kq {
        return Ok(p.cmp(q));
    }
    if p.time_only || q.time_only {
        return type_err(format!("'{op}' not supported between instances of '{kp}' and '{kq}'"));
    }
    type_err(format!("can't compare {kp} to {kq}"))
}

pub(crate) fn dt_value(d: DateTime) -> Value {
    Native::value(d)
}

/// A date, datetime or time as a value.
impl NativeObject for DateTime {
    fn ty(&self) -> Ty {
        DateTime::ty(self)
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text(DateTime::repr(self))]
    }

    fn str(&self) -> Option<String> {
        Some(self.isoformat(" "))
    }

    fn attr(&self, name: &str) -> Option<Value> {
        DateTime::attr(self, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        DateTime::method_names(self)
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::DATETIME_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<DateTime>()
    }

    fn eq_native(&self, other: &dyn NativeObject) -> Option<bool> {
        (other as &dyn std::any::Any).downcast_ref::<DateTime>().map(|o| o == self).or(Some(false))
    }

    fn format_spec(&self, spec: &str) -> Option<String> {
        Some(strftime(self, spec))
    }

    fn format_spec_fuel(&self, spec: &str) -> u64 {
        directives_fuel(spec)
    }

    fn qualified_module(&self) -> Option<&'static str> {
        Some("datetime")
    }
}
