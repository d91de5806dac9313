//! Dates and times as questions and log lines write them, and the window
//! between two of them (issue #19: "how many X from 2026-03-04 to
//! 2026-03-06?"). Recognised: ISO (`2026-03-04`, `2026/03/04`, with
//! `T10:00` or ` 10:00:05`), US slashes (`03/04/2026`; day first when the
//! first number cannot be a month), `4 March 2026`, `March 4, 2026`,
//! `Mar 4` (no year: any year), each with an optional time after it. Only
//! what comparing needs is kept: no time zones, no calendar arithmetic.

use std::sync::LazyLock;

use regex::Regex;

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const MONTH_NAMES: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

const TIME: &str = r"(?:(?:T|\s+(?:at\s+)?|,\s*)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?)?";

/// One regex for every format; each alternative names its own groups.
static STAMP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let iso = r"(?P<iy>\d{4})[-/](?P<im>\d{1,2})[-/](?P<id>\d{1,2})";
    let slash = r"(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4})";
    let dmy = format!(
        r"(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{MONTH_NAMES})\.?(?:,?\s+(?P<dy>\d{{4}}))?"
    );
    let mdy = format!(
        r"(?P<mm>{MONTH_NAMES})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<my>\d{{4}}))?"
    );
    // No closing `\b`: `...T10:00:00Z` ends inside a word.
    let pattern = format!(r"(?i)\b(?:{iso}|{slash}|{dmy}|{mdy}){TIME}");
    Regex::new(&pattern).ok()
});

/// A time of day alone (`10:00`, `14:30:05`), for "between 10:00 and 12:00 on ...".
static CLOCK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b").ok());

/// A calendar date with an optional time of day; `year` is `None` when the
/// text gave none ("March 4"), and then matches any year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
    /// Seconds since midnight, when a time was written.
    pub seconds: Option<u32>,
}

impl Stamp {
    /// Seconds of the day, from midnight (`start`) or to its end.
    fn second_of_day(&self, start: bool) -> u32 {
        self.seconds.unwrap_or(if start { 0 } else { 86_399 })
    }

    /// Ordering key; without a year only month, day and time count.
    fn key(&self, year: Option<i32>, start: bool) -> i64 {
        let y = i64::from(year.unwrap_or(0));
        ((y * 100 + i64::from(self.month)) * 100 + i64::from(self.day)) * 100_000
            + i64::from(self.second_of_day(start))
    }

    /// How the window shows it: `2026-03-04`, `2026-03-04 10:00:00`, `03-04`.
    pub fn render(&self) -> String {
        let date = match self.year {
            Some(y) => format!("{y:04}-{:02}-{:02}", self.month, self.day),
            None => format!("{} {}", MONTH_TITLES[usize::from(self.month) - 1], self.day),
        };
        match self.seconds {
            None => date,
            Some(s) => format!("{date} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        }
    }
}

const MONTH_TITLES: [&str; 12] = [
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

/// Every date (with its time) written in `text`, in order, with its byte range.
pub fn stamps_in(text: &str) -> Vec<(Stamp, std::ops::Range<usize>)> {
    let Some(re) = STAMP.as_ref() else { return Vec::new() };
    re.captures_iter(text)
        .filter_map(|c| {
            let m = c.get(0)?;
            stamp_of(&c).map(|s| (s, m.range()))
        })
        .collect()
}

/// The first date written in `text` (a log line's time).
pub fn first_stamp(text: &str) -> Option<Stamp> {
    let re = STAMP.as_ref()?;
    re.captures_iter(text).find_map(|c| stamp_of(&c))
}

/// `text` read as one date, e.g. a `since=` argument; `None` if it holds none.
pub fn parse_stamp(text: &str) -> Option<Stamp> {
    first_stamp(text.trim())
}

fn num<T: std::str::FromStr>(c: &regex::Captures<'_>, name: &str) -> Option<T> {
    c.name(name).and_then(|m| m.as_str().parse().ok())
}

fn month_of(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    MONTHS.iter().position(|m| lower.starts_with(m)).and_then(|i| u8::try_from(i + 1).ok())
}

fn stamp_of(c: &regex::Captures<'_>) -> Option<Stamp> {
    let (year, month, day) = if let Some(y) = num::<i32>(c, "iy") {
        (Some(y), num(c, "im")?, num(c, "id")?)
    } else if let Some(y) = num::<i32>(c, "sy") {
        let (a, b): (u8, u8) = (num(c, "sa")?, num(c, "sb")?);
        // US order unless the first number cannot be a month.
        if a > 12 { (Some(y), b, a) } else { (Some(y), a, b) }
    } else if let Some(m) = c.name("dm") {
        (num(c, "dy"), month_of(m.as_str())?, num(c, "dd")?)
    } else {
        (num(c, "my"), month_of(c.name("mm")?.as_str())?, num(c, "md")?)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let seconds = match num::<u32>(c, "h") {
        None => None,
        Some(h) => {
            let (mi, s) = (num::<u32>(c, "mi")?, num::<u32>(c, "s").unwrap_or(0));
            if h > 23 || mi > 59 || s > 59 {
                return None;
            }
            Some(h * 3600 + mi * 60 + s)
        }
    };
    Some(Stamp { year, month, day, seconds })
}

/// An inclusive window of dates: a bound without a time takes its whole day
/// (`since` from midnight, `until` to the day's last second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateWindow {
    pub since: Option<Stamp>,
    pub until: Option<Stamp>,
}

impl DateWindow {
    /// Whether a line dated `at` falls inside (a bound without a year
    /// compares month, day and time only).
    pub fn contains(&self, at: &Stamp) -> bool {
        let after = self.since.is_none_or(|s| {
            let year = s.year.and(at.year);
            at.key(year, true) >= s.key(year, true)
        });
        let before = self.until.is_none_or(|u| {
            let year = u.year.and(at.year);
            // A line's own missing time is its day's start.
            at.key(year, true) <= u.key(year, false)
        });
        after && before
    }

    /// The window a question names: two dates ("from A to B", "between A
    /// and B"), one date with two times ("between 10:00 and 12:00 on A"),
    /// or one date after "since"/"after"/"from" (a lower bound),
    /// "before"/"until"/"by" (an upper bound), or alone ("on A": that day).
    pub fn from_question(question: &str) -> Option<DateWindow> {
        let stamps = stamps_in(question);
        match stamps.as_slice() {
            [] => None,
            [(a, range)] => {
                let clocks: Vec<u32> = clock_times(question, range);
                if let [t1, t2] = clocks.as_slice() {
                    let (lo, hi) = ((*t1).min(*t2), (*t1).max(*t2));
                    return Some(DateWindow {
                        since: Some(Stamp { seconds: Some(lo), ..*a }),
                        until: Some(Stamp { seconds: Some(hi), ..*a }),
                    });
                }
                let before = question[..range.start].to_lowercase();
                let last_word = before.split_whitespace().last().unwrap_or("");
                Some(match last_word {
                    "since" | "after" | "from" => DateWindow { since: Some(*a), until: None },
                    "before" | "until" | "till" | "by" => {
                        DateWindow { since: None, until: Some(*a) }
                    }
                    _ => DateWindow { since: Some(*a), until: Some(*a) },
                })
            }
            [(a, _), (b, _), ..] => {
                let (lo, hi) = if b.key(b.year.and(a.year), true) < a.key(b.year.and(a.year), true)
                {
                    (*b, *a)
                } else {
                    (*a, *b)
                };
                Some(DateWindow { since: Some(lo), until: Some(hi) })
            }
        }
    }
}

/// Times of day written outside the date at `date` (seconds since midnight).
fn clock_times(question: &str, date: &std::ops::Range<usize>) -> Vec<u32> {
    let Some(re) = CLOCK.as_ref() else { return Vec::new() };
    re.captures_iter(question)
        .filter(|c| c.get(0).is_some_and(|m| m.end() <= date.start || m.start() >= date.end))
        .filter_map(|c| {
            let h: u32 = c.get(1)?.as_str().parse().ok()?;
            let m: u32 = c.get(2)?.as_str().parse().ok()?;
            let s: u32 = c.get(3).map_or(Some(0), |s| s.as_str().parse().ok())?;
            (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> Stamp {
        Stamp { year: Some(y), month: m, day: d, seconds: None }
    }

    #[test]
    fn formats_of_one_date() {
        let want = day(2026, 3, 4);
        for text in [
            "2026-03-04",
            "2026/3/4",
            "03/04/2026",
            "4 March 2026",
            "March 4, 2026",
            "4th of Mar 2026",
        ] {
            assert_eq!(parse_stamp(text), Some(want), "{text}");
        }
        assert_eq!(parse_stamp("13/04/2026"), Some(day(2026, 4, 13)));
        assert_eq!(
            parse_stamp("2026-03-01T08:12:31Z"),
            Some(Stamp { seconds: Some(8 * 3600 + 12 * 60 + 31), ..day(2026, 3, 1) })
        );
        assert_eq!(parse_stamp("Mar 4").map(|s| (s.year, s.month, s.day)), Some((None, 3, 4)));
        assert_eq!(parse_stamp("no date here"), None);
        assert_eq!(parse_stamp("2026-13-40"), None);
    }

    #[test]
    fn windows_questions_name() {
        let w = DateWindow::from_question(
            "How many LOGIN_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)?",
        )
        .unwrap();
        assert_eq!((w.since, w.until), (Some(day(2026, 3, 4)), Some(day(2026, 3, 6))));
        let line = |t: &str| parse_stamp(t).unwrap();
        assert!(w.contains(&line("2026-03-06T23:10:00Z")));
        assert!(w.contains(&line("2026-03-04T00:00:01Z")));
        assert!(!w.contains(&line("2026-03-07T00:00:00Z")));
        assert!(!w.contains(&line("2026-03-03T23:59:59Z")));
        // Reversed, other formats, times.
        let w = DateWindow::from_question("count errors between March 6, 2026 and 4 March 2026")
            .unwrap();
        assert_eq!(w.since, Some(day(2026, 3, 4)));
        let w =
            DateWindow::from_question("How many TIMEOUTs between 10:00 and 12:30 on 2026-03-02?")
                .unwrap();
        assert!(w.contains(&line("2026-03-02T11:00:00Z")));
        assert!(!w.contains(&line("2026-03-02T12:31:00Z")));
        let w = DateWindow::from_question("How many since 03/05/2026?").unwrap();
        assert!(w.until.is_none() && w.since == Some(day(2026, 3, 5)));
        let w = DateWindow::from_question("How many on Mar 5?").unwrap();
        assert!(w.contains(&line("2026-03-05 13:00")) && !w.contains(&line("2026-03-06 00:00")));
        assert_eq!(DateWindow::from_question("How many users?"), None);
    }
}
