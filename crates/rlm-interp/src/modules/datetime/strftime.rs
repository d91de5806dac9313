//! `strftime` as CPython on glibc (C locale).

use crate::modules::datetime::date_time::{DAYS, DateTime, MONTHS};

/// `strftime` as CPython on glibc (C locale): unknown directives are kept
/// as written, years are not zero-padded.
pub fn strftime(d: &DateTime, fmt: &str) -> String {
    let mut out = String::new();
    let mut it = fmt.chars();
    let month = MONTHS[(d.month - 1).clamp(0, 11) as usize];
    let day = DAYS[d.weekday().clamp(0, 6) as usize];
    let hour12 = if d.hour % 12 == 0 { 12 } else { d.hour % 12 };
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let piece = match it.next() {
            Some('Y') => d.year.to_string(),
            Some('y') => format!("{:02}", d.year % 100),
            Some('C') => (d.year / 100).to_string(),
            Some('m') => format!("{:02}", d.month),
            Some('d') => format!("{:02}", d.day),
            Some('e') => format!("{:2}", d.day),
            Some('H') => format!("{:02}", d.hour),
            Some('k') => format!("{:2}", d.hour),
            Some('I') => format!("{hour12:02}"),
            Some('l') => format!("{hour12:2}"),
            Some('p') => (if d.hour < 12 { "AM" } else { "PM" }).to_string(),
            Some('P') => (if d.hour < 12 { "am" } else { "pm" }).to_string(),
            Some('M') => format!("{:02}", d.minute),
            Some('S') => format!("{:02}", d.second),
            Some('f') => format!("{:06}", d.micro),
            Some('B') => month.to_string(),
            Some('b') | Some('h') => month[..3].to_string(),
            Some('A') => day.to_string(),
            Some('a') => day[..3].to_string(),
            Some('j') => format!("{:03}", d.yday()),
            Some('w') => ((d.weekday() + 1) % 7).to_string(),
            Some('u') => (d.weekday() + 1).to_string(),
            // Weeks starting on Sunday (%U) or Monday (%W); days before the
            // first such day are in week 0.
            Some('U') => format!("{:02}", (d.yday() - 1 + 7 - (d.weekday() + 1) % 7) / 7),
            Some('W') => format!("{:02}", (d.yday() - 1 + 7 - d.weekday()) / 7),
            Some('V') => format!("{:02}", d.iso_calendar().1),
            Some('G') => d.iso_calendar().0.to_string(),
            Some('g') => format!("{:02}", d.iso_calendar().0 % 100),
            Some('D') => strftime(d, "%m/%d/%y"),
            Some('x') => strftime(d, "%m/%d/%y"),
            Some('F') => strftime(d, "%Y-%m-%d"),
            Some('T') | Some('X') => strftime(d, "%H:%M:%S"),
            Some('R') => strftime(d, "%H:%M"),
            Some('r') => strftime(d, "%I:%M:%S %p"),
            Some('c') => strftime(d, "%a %b %e %H:%M:%S %Y"),
            Some('n') => "\n".to_string(),
            Some('t') => "\t".to_string(),
            Some('z') | Some('Z') => String::new(),
            Some('%') => "%".to_string(),
            Some(o) => format!("%{o}"),
            None => "%".to_string(),
        };
        out.push_str(&piece);
    }
    out
}
