//! `str.expandtabs`: the runs between tabs and line breaks, found by a byte
//! search, counted before the result is made and then copied whole.

/// What `expandtabs` writes: its bytes copied, and each run between tabs
/// and line breaks (a search restarted, a copy and the spaces written:
/// dense tabs ran 11x the loop's time a unit charged per byte alone,
/// issue #77).
pub(crate) const EXPAND: crate::cost::Rate = crate::cost::Rate { per_item: 6, per_64_bytes: 4 };

/// The characters, bytes and runs of `text.expandtabs(ts)` (saturating:
/// past the string cap it is refused before anything is made).
/// The count stops once past `cap` characters (the result is refused).
pub(crate) fn expanded_len(text: &str, ts: usize, cap: usize) -> (usize, usize, usize) {
    let (mut chars, mut bytes, mut runs) = (0usize, 0usize, 0usize);
    for_each_tab_run(text, ts, |run, spaces| {
        let n = if run.is_ascii() { run.len() } else { run.chars().count() };
        chars = chars.saturating_add(n).saturating_add(spaces);
        bytes = bytes.saturating_add(run.len()).saturating_add(spaces);
        runs += 1;
        chars <= cap
    });
    (chars, bytes, runs)
}

/// `text.expandtabs(ts)` as runs copied whole (a line break ends its run)
/// and the spaces each tab that follows one becomes: found by a byte
/// search for the three bytes, not a character at a time (7x the loop's
/// time a unit, issue #77).
/// `each` returns whether to go on.
pub(crate) fn for_each_tab_run(text: &str, ts: usize, mut each: impl FnMut(&str, usize) -> bool) {
    let mut col = 0usize;
    let mut rest = text;
    while let Some(i) = memchr::memchr3(b'\t', b'\n', b'\r', rest.as_bytes()) {
        let (run, tail) = rest.split_at(i);
        if rest.as_bytes()[i] == b'\t' {
            col = col.saturating_add(if run.is_ascii() { run.len() } else { run.chars().count() });
            let n = if ts == 0 { 0 } else { ts - col % ts };
            if !each(run, n) {
                return;
            }
            col = col.saturating_add(n);
        } else {
            if !each(&rest[..=i], 0) {
                return;
            }
            col = 0;
        }
        rest = &tail[1..];
    }
    each(rest, 0);
}
