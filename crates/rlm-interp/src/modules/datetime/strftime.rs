//! `strftime` as CPython on glibc (C locale).

use crate::fault::R;
use crate::meter::Meter;
use crate::modules::datetime::date_time::{DAYS, DateTime, MONTHS};

/// Fuel for each directive (`%` and what follows it) of a `strftime`
/// format, charged before the output is written: a directive writes at
/// most 24 bytes (`%c`), computed from the date's fields (a weekday, a day
/// of the year or an ISO week is a few divisions). Its characters are
/// charged at the method's text rate besides. Issue #77: uncharged, a
/// format of 2 M `%s` took 23 ns a directive and of `%c` 224 ns, each
/// directive a `String` or more; written in place, `%c` takes 45-70 ns,
/// `%G` 28 ns and the rest under 10 ns (AMD EPYC, 2026-11-29), so 32
/// units, 69 ns at the loop's 2.15 ns a unit.
pub(crate) const FUEL_PER_DIRECTIVE: u64 = 32;

/// `strftime` as CPython on glibc (C locale): unknown directives are kept
/// as written, years are not zero-padded.
pub fn strftime(d: &DateTime, fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len());
    let mut unbounded = |_: &mut String, _: usize| Ok(());
    // Nothing is refused without a meter.
    let _ = write_format(d, fmt, &mut out, &mut unbounded);
    out
}

/// The fuel of `fmt`'s directives, [`FUEL_PER_DIRECTIVE`] each.
pub(crate) fn directives_fuel(fmt: &str) -> u64 {
    let directives = memchr::memchr_iter(b'%', fmt.as_bytes()).count() as u64;
    directives.saturating_mul(FUEL_PER_DIRECTIVE)
}

/// `strftime` charged: [`FUEL_PER_DIRECTIVE`] for each directive of `fmt`,
/// before any is written, and the output's growth held to the memory
/// budget as it is written (a directive writes up to 12 times its two
/// characters).
pub(crate) fn strftime_metered(meter: &mut Meter, d: &DateTime, fmt: &str) -> R<String> {
    meter.fuel(directives_fuel(fmt))?;
    let mut out = String::with_capacity(fmt.len());
    let mut grow = |out: &mut String, n: usize| {
        let want = (out.len() + n).max(out.capacity() * 2);
        // Holds a buffer of `want` bytes (twice the capacity checked).
        meter.check_text_growth(want.div_ceil(2))?;
        out.reserve_exact(want - out.len());
        Ok(())
    };
    write_format(d, fmt, &mut out, &mut grow)?;
    Ok(out)
}

/// The most bytes one directive writes (`%c`: "Thu Jan  2 00:00:00 2020").
const MAX_DIRECTIVE_BYTES: usize = 32;

/// Writes `fmt` for `d` into `out`; `grow(out, n)` is asked before `out`
/// must grow to take `n` more bytes.
fn write_format(
    d: &DateTime,
    fmt: &str,
    out: &mut String,
    grow: &mut dyn FnMut(&mut String, usize) -> R<()>,
) -> R<()> {
    let bytes = fmt.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let next = memchr::memchr(b'%', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        if next > at {
            let lit = &fmt[at..next];
            if out.capacity() - out.len() < lit.len() {
                grow(out, lit.len())?;
            }
            out.push_str(lit);
        }
        if next == bytes.len() {
            break;
        }
        if out.capacity() - out.len() < MAX_DIRECTIVE_BYTES {
            grow(out, MAX_DIRECTIVE_BYTES)?;
        }
        // The directive's character (any character: `%é` is kept whole).
        let c = fmt[next + 1..].chars().next();
        at = next + 1 + c.map_or(0, char::len_utf8);
        directive(d, c, out);
    }
    Ok(())
}

/// `n` written in decimal, at least `width` wide, padded on the left with
/// `pad`.
fn push_num(out: &mut String, n: i64, width: usize, pad: char) {
    debug_assert!(pad.is_ascii());
    if !(0..100_000_000).contains(&n) || width > 8 {
        use std::fmt::Write;
        let _ = match pad {
            '0' => write!(out, "{n:0width$}"),
            _ => write!(out, "{n:width$}"),
        };
        return;
    }
    // Right-aligned in a buffer of up to 8 digits and the padding.
    let mut buf = [pad as u8; 8];
    let mut start = buf.len();
    let mut rest = n;
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = start.min(buf.len() - width);
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// `hour:MM` (`%R`), then `:SS` when `seconds` (`%T`).
fn clock(out: &mut String, hour: i64, d: &DateTime, seconds: bool) {
    push_num(out, hour, 2, '0');
    out.push(':');
    push_num(out, d.minute, 2, '0');
    if seconds {
        out.push(':');
        push_num(out, d.second, 2, '0');
    }
}

/// Writes the directive `%c` (`None`: a `%` ending the format) for `d`.
fn directive(d: &DateTime, c: Option<char>, out: &mut String) {
    let month = || MONTHS[(d.month - 1).clamp(0, 11) as usize];
    let day = || DAYS[d.weekday().clamp(0, 6) as usize];
    let hour12 = || if d.hour % 12 == 0 { 12 } else { d.hour % 12 };
    match c {
        Some('Y') => push_num(out, d.year, 0, '0'),
        Some('y') => push_num(out, d.year % 100, 2, '0'),
        Some('C') => push_num(out, d.year / 100, 0, '0'),
        Some('m') => push_num(out, d.month, 2, '0'),
        Some('d') => push_num(out, d.day, 2, '0'),
        Some('e') => push_num(out, d.day, 2, ' '),
        Some('H') => push_num(out, d.hour, 2, '0'),
        Some('k') => push_num(out, d.hour, 2, ' '),
        Some('I') => push_num(out, hour12(), 2, '0'),
        Some('l') => push_num(out, hour12(), 2, ' '),
        Some('p') => out.push_str(if d.hour < 12 { "AM" } else { "PM" }),
        Some('P') => out.push_str(if d.hour < 12 { "am" } else { "pm" }),
        Some('M') => push_num(out, d.minute, 2, '0'),
        Some('S') => push_num(out, d.second, 2, '0'),
        Some('f') => push_num(out, d.micro, 6, '0'),
        Some('B') => out.push_str(month()),
        Some('b') | Some('h') => out.push_str(&month()[..3]),
        Some('A') => out.push_str(day()),
        Some('a') => out.push_str(&day()[..3]),
        Some('j') => push_num(out, d.yday(), 3, '0'),
        Some('w') => push_num(out, (d.weekday() + 1) % 7, 0, '0'),
        Some('u') => push_num(out, d.weekday() + 1, 0, '0'),
        // Weeks starting on Sunday (%U) or Monday (%W); days before the
        // first such day are in week 0.
        Some('U') => push_num(out, (d.yday() - 1 + 7 - (d.weekday() + 1) % 7) / 7, 2, '0'),
        Some('W') => push_num(out, (d.yday() - 1 + 7 - d.weekday()) / 7, 2, '0'),
        Some('V') => push_num(out, d.iso_calendar().1, 2, '0'),
        Some('G') => push_num(out, d.iso_calendar().0, 0, '0'),
        Some('g') => push_num(out, d.iso_calendar().0 % 100, 2, '0'),
        // The composite directives, written as their parts would be.
        Some('D') | Some('x') => {
            push_num(out, d.month, 2, '0');
            out.push('/');
            push_num(out, d.day, 2, '0');
            out.push('/');
            push_num(out, d.year % 100, 2, '0');
        }
        Some('F') => {
            push_num(out, d.year, 0, '0');
            out.push('-');
            push_num(out, d.month, 2, '0');
            out.push('-');
            push_num(out, d.day, 2, '0');
        }
        Some('T') | Some('X') => clock(out, d.hour, d, true),
        Some('R') => clock(out, d.hour, d, false),
        Some('r') => {
            clock(out, hour12(), d, true);
            out.push_str(if d.hour < 12 { " AM" } else { " PM" });
        }
        Some('c') => {
            out.push_str(&day()[..3]);
            out.push(' ');
            out.push_str(&month()[..3]);
            out.push(' ');
            push_num(out, d.day, 2, ' ');
            out.push(' ');
            clock(out, d.hour, d, true);
            out.push(' ');
            push_num(out, d.year, 0, '0');
        }
        Some('n') => out.push('\n'),
        Some('t') => out.push('\t'),
        Some('z') | Some('Z') => {}
        Some('%') => out.push('%'),
        Some(o) => {
            out.push('%');
            out.push(o);
        }
        None => out.push('%'),
    }
}
