//! CPython's `TextWrapper` and its options (`expand_tabs`, `tabsize`,
//! `replace_whitespace`, `fix_sentence_endings`, `break_long_words`,
//! `drop_whitespace`, `break_on_hyphens`): the text cut into chunks as its
//! `wordsep_re` splits it (runs of whitespace, words, hyphenated parts,
//! em-dashes; `wordsep_simple_re` without `break_on_hyphens`: whitespace
//! and the rest), then the chunks laid into lines greedily, a long word
//! broken at a hyphen or at the line's end (or kept whole on a line of its
//! own), whitespace dropped at line ends but kept on the first line's
//! start, `max_lines` closed by the placeholder.
//!
//! Chunks are ranges of the munged text's characters (no string a chunk);
//! lines are charged as they are made, fuel a block of lines at a time.

use crate::callbacks::Callbacks;
use crate::fault::{R, value_err};
use crate::unicode::{is_alnum, is_decimal};

/// The settings of one wrap.
pub(super) struct Wrapper<'a> {
    pub width: i64,
    pub initial_indent: &'a str,
    pub subsequent_indent: &'a str,
    pub max_lines: Option<i64>,
    pub placeholder: &'a str,
    pub options: Options,
}

/// `TextWrapper`'s switches, with its defaults.
#[derive(Clone, Copy)]
pub(super) struct Options {
    pub expand_tabs: bool,
    pub tabsize: i64,
    pub replace_whitespace: bool,
    pub fix_sentence_endings: bool,
    pub break_long_words: bool,
    pub drop_whitespace: bool,
    pub break_on_hyphens: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            expand_tabs: true,
            tabsize: 8,
            replace_whitespace: true,
            fix_sentence_endings: false,
            break_long_words: true,
            drop_whitespace: true,
            break_on_hyphens: true,
        }
    }
}

/// Fuel per line made (its chunks gathered, its string, its charge, its
/// value and slot), charged before a block of `LINE_BLOCK` lines is made:
/// at 4, `fill(X, 1)` (a line a character) ran 87x the loop's time a unit
/// (issue #77).
const FUEL_PER_LINE: u64 = 48;

/// Fuel per chunk (its end found twice, its range kept, moved to a line
/// and copied into it).
const FUEL_PER_CHUNK: u64 = 8;

/// Fuel per step of the loop that lays chunks into lines (a line made, or
/// a piece of a long word taken and dropped as whitespace: `fill('\t' * n,
/// 1)` takes one space a step off a single chunk of 8n spaces), charged a
/// block of [`LINE_BLOCK`] steps before they run: uncharged, it ran 60x the
/// loop's time a unit (issue #77).
const FUEL_PER_WRAP_STEP: u64 = 16;
const LINE_BLOCK: usize = 1024;

const WS: [char; 6] = ['\t', '\n', '\x0b', '\x0c', '\r', ' '];

fn is_ws(c: char) -> bool {
    WS.contains(&c)
}
fn is_word(c: char) -> bool {
    c == '_' || is_alnum(c)
}
fn is_letter(c: char) -> bool {
    is_word(c) && !is_decimal(c)
}
fn is_word_punct(c: char) -> bool {
    is_word(c) || matches!(c, '!' | '"' | '\'' | '&' | '.' | ',' | '?')
}

/// Tabs expanded to columns of `tabsize` (`str.expandtabs`), then each
/// whitespace character a space (`_munge_whitespace`), as the options say.
/// `chars` bounds the result's length (the caller's charge): reserved at
/// once, as a buffer grown from the text's length by doubling held up to
/// twice the charge (`wrap` of tabs: 25 MiB of heap for 12.6 MiB charged).
pub(super) fn munge(text: &str, o: Options, chars: usize) -> Vec<char> {
    let mut out = Vec::with_capacity(chars);
    let mut col = 0usize;
    let tabsize = o.tabsize.max(0) as usize;
    for c in text.chars() {
        match c {
            '\t' if o.expand_tabs => {
                let n = if tabsize == 0 { 0 } else { tabsize - col % tabsize };
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(if o.replace_whitespace { ' ' } else { c });
                col = 0;
            }
            c if is_ws(c) && o.replace_whitespace => {
                out.push(' ');
                col += 1;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Whether `t[at..]` is two or more '-' then a word character (`-{2,}(?=\w)`);
/// the end of the dashes if so.
fn em_dash_at(t: &[char], at: usize) -> Option<usize> {
    let mut j = at;
    while t.get(j) == Some(&'-') {
        j += 1;
    }
    (j - at >= 2 && t.get(j).is_some_and(|&c| is_word(c))).then_some(j)
}

fn letter_at(t: &[char], i: usize) -> bool {
    t.get(i).is_some_and(|&c| is_letter(c))
}

/// The hyphen at `j` ends a word part: `-(?:(?<=lt{2}-)|(?<=lt-lt-))(?=lt-?lt)`.
fn hyphen_breaks(t: &[char], j: usize) -> bool {
    if t.get(j) != Some(&'-') || j < 2 {
        return false;
    }
    let behind = (letter_at(t, j - 2) && letter_at(t, j - 1))
        || (j >= 3 && letter_at(t, j - 3) && t[j - 2] == '-' && letter_at(t, j - 1));
    let ahead = letter_at(t, j + 1)
        && (letter_at(t, j + 2) || (t.get(j + 2) == Some(&'-') && letter_at(t, j + 3)));
    behind && ahead
}

/// The end of the chunk starting at `i` (`wordsep_re`'s alternatives in
/// their order: whitespace, an em-dash after a word, a word part; or
/// `wordsep_simple_re`'s: whitespace, anything else).
fn chunk_end(t: &[char], i: usize, hyphens: bool) -> usize {
    if is_ws(t[i]) || !hyphens {
        let ws = is_ws(t[i]);
        let mut j = i + 1;
        while j < t.len() && is_ws(t[j]) == ws {
            j += 1;
        }
        return j;
    }
    if i > 0 && is_word_punct(t[i - 1]) {
        if let Some(j) = em_dash_at(t, i) {
            return j;
        }
    }
    // The shortest run of non-space characters that one of the word's
    // endings follows.
    let mut j = i + 1;
    loop {
        if hyphen_breaks(t, j) {
            return j + 1;
        }
        if j >= t.len() || is_ws(t[j]) {
            return j;
        }
        if is_word_punct(t[j - 1]) && em_dash_at(t, j).is_some() {
            return j;
        }
        j += 1;
    }
}

/// The text's chunks, as ranges of `t`, and their charge: counted first,
/// then charged as live at their exact size before they are made, for as
/// long as the wrap runs (they are the wrapper's own, not a collection of
/// the program's, so the collection cap is not theirs; a vector grown by
/// doubling held up to 536 MB for 20 M chunks: issue #77), paid
/// [`FUEL_PER_CHUNK`] each.
pub(super) fn chunks<C: Callbacks + ?Sized>(
    cx: &mut C,
    t: &[char],
    hyphens: bool,
) -> R<(Vec<(usize, usize)>, crate::charged::ScratchCharge)> {
    let mut n = 0usize;
    let mut i = 0;
    while i < t.len() {
        i = chunk_end(t, i, hyphens);
        n += 1;
    }
    cx.meter().fuel((n as u64).saturating_mul(FUEL_PER_CHUNK))?;
    let held =
        crate::charged::charge_scratch(cx.meter(), crate::mem::vec_block::<(usize, usize)>(n))?;
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < t.len() {
        let j = chunk_end(t, i, hyphens);
        out.push((i, j));
        i = j;
    }
    Ok((out, held))
}

/// `_fix_sentence_endings`: a single space after a chunk ending a sentence
/// (`[a-z][.!?]["']?` at its end) becomes two (appended to the text, and the
/// chunk pointed at them).
fn fix_sentence_endings(t: &mut Vec<char>, chunks: &mut [(usize, usize)]) {
    let two = t.len();
    let mut added = false;
    let mut i = 0;
    while i + 1 < chunks.len() {
        let (a, b) = chunks[i];
        let (c, d) = chunks[i + 1];
        let mut end = b;
        if end > a && matches!(t[end - 1], '"' | '\'') {
            end -= 1;
        }
        let ends = end >= a + 2
            && matches!(t[end - 1], '.' | '!' | '?')
            && t[end - 2].is_ascii_lowercase();
        if d - c == 1 && t[c] == ' ' && ends {
            chunks[i + 1] = (two, two + 2);
            added = true;
            i += 2;
        } else {
            i += 1;
        }
    }
    if added {
        t.extend([' ', ' ']);
    }
}

fn blank(t: &[char], (a, b): (usize, usize)) -> bool {
    t[a..b].iter().all(|c| crate::types::str::py_isspace(*c))
}

/// The lines being made, each charged to the budget as live (its text and
/// slot) before it is added, and paid a block at a time; credited as each
/// is taken (to become a str or part of one) or when dropped. Not held to
/// the collection cap: `fill`'s result is one string (`wrap`'s list is held
/// to it when made).
pub(super) struct Lines {
    out: Vec<String>,
    /// The next line [`Lines::take_next`] gives.
    next: usize,
    account: crate::mem::AccountRef,
    charged: usize,
}

/// What a line holds on the heap: its text and its slot (doubled by the
/// vector's growth).
fn line_cost(line: &str) -> usize {
    crate::mem::block(line.len()) + std::mem::size_of::<String>() * 2
}

impl Lines {
    fn new<C: Callbacks + ?Sized>(cx: &mut C) -> Lines {
        Lines { out: Vec::new(), next: 0, account: cx.meter().account.clone(), charged: 0 }
    }

    fn push<C: Callbacks + ?Sized>(&mut self, cx: &mut C, line: String) -> R<()> {
        if self.out.len() % LINE_BLOCK == 0 {
            cx.meter().fuel(FUEL_PER_LINE * LINE_BLOCK as u64)?;
        }
        let cost = line_cost(&line);
        cx.meter().alloc(cost)?;
        self.account.charge(cost);
        self.charged += cost;
        self.out.push(line);
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.out.len()
    }

    /// How many lines were taken.
    pub(super) fn taken(&self) -> usize {
        self.next
    }

    /// The lines' text joined by newlines, in bytes.
    pub(super) fn text_len(&self) -> usize {
        self.out.iter().map(|l| l.len() + 1).sum::<usize>().saturating_sub(1)
    }

    /// The next line, its text handed over (and its charge credited).
    pub(super) fn take_next(&mut self) -> Option<String> {
        let line = std::mem::take(self.out.get_mut(self.next)?);
        self.next += 1;
        let cost = line_cost(&line).min(self.charged);
        self.account.credit(cost);
        self.charged -= cost;
        Some(line)
    }

    /// The last line made, to change in place (its charge as it was).
    fn last_mut(&mut self) -> Option<&mut String> {
        self.out.last_mut()
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        self.account.credit(self.charged);
    }
}

fn char_len(s: &str) -> i64 {
    s.chars().count() as i64
}

impl Wrapper<'_> {
    /// `TextWrapper._wrap_chunks` over the chunks of `t`.
    pub(super) fn wrap<C: Callbacks + ?Sized>(&self, cx: &mut C, mut text: Vec<char>) -> R<Lines> {
        if self.width <= 0 {
            return value_err(format!("invalid width {} (must be > 0)", self.width));
        }
        if let Some(m) = self.max_lines {
            let indent = if m > 1 { self.subsequent_indent } else { self.initial_indent };
            if char_len(indent) + char_len(self.placeholder.trim_start()) > self.width {
                return value_err("placeholder too large for max width");
            }
        }
        let (mut chunks, _chunks_held) = chunks(cx, &text, self.options.break_on_hyphens)?;
        if self.options.fix_sentence_endings {
            fix_sentence_endings(&mut text, &mut chunks);
        }
        let t = &text[..];
        let drop_ws = self.options.drop_whitespace;
        chunks.reverse();
        let mut lines = Lines::new(cx);
        // The chunks of the line being made: one buffer for every line,
        // charged as it grows (a line of every chunk, `shorten(X, len(X))`,
        // held 32 MiB uncharged for 1.5 Mi characters: issue #77).
        let mut cur: Vec<(usize, usize)> = Vec::new();
        let mut cur_held = crate::charged::charge_scratch(cx.meter(), 0)?;
        let mut steps = 0usize;
        while !chunks.is_empty() {
            if steps % LINE_BLOCK == 0 {
                cx.meter().fuel(FUEL_PER_WRAP_STEP * LINE_BLOCK as u64)?;
            }
            steps += 1;
            let first = lines.len() == 0;
            let indent = if first { self.initial_indent } else { self.subsequent_indent };
            let width = self.width - char_len(indent);
            if drop_ws && !first && chunks.last().is_some_and(|&c| blank(t, c)) {
                chunks.pop();
            }
            cur.clear();
            let mut cur_len = 0i64;
            while let Some(&(a, b)) = chunks.last() {
                let l = (b - a) as i64;
                if cur_len + l > width {
                    break;
                }
                room_for_one(cx, &mut cur, &mut cur_held)?;
                cur.push((a, b));
                chunks.pop();
                cur_len += l;
            }
            if let Some(&(a, b)) = chunks.last() {
                if (b - a) as i64 > width {
                    room_for_one(cx, &mut cur, &mut cur_held)?;
                    self.break_long_word(t, &mut chunks, &mut cur, cur_len, width);
                    cur_len = cur.iter().map(|(a, b)| (b - a) as i64).sum();
                }
            }
            if drop_ws && cur.last().is_some_and(|&c| blank(t, c)) {
                if let Some((a, b)) = cur.pop() {
                    cur_len -= (b - a) as i64;
                }
            }
            if cur.is_empty() {
                continue;
            }
            let rest_blank =
                chunks.is_empty() || (drop_ws && chunks.len() == 1 && blank(t, chunks[0]));
            let fits = match self.max_lines {
                None => true,
                Some(m) => (lines.len() as i64 + 1) < m || (rest_blank && cur_len <= width),
            };
            if fits {
                lines.push(cx, join(indent, t, &cur, ""))?;
                continue;
            }
            self.close_with_placeholder(cx, t, &mut lines, &mut cur, cur_len, indent, width)?;
            break;
        }
        Ok(lines)
    }

    /// The last line allowed: its chunks dropped from the end until the
    /// placeholder fits after a non-blank one; else the placeholder goes on
    /// the previous line, or on a line of its own.
    #[allow(clippy::too_many_arguments)]
    fn close_with_placeholder<C: Callbacks + ?Sized>(
        &self,
        cx: &mut C,
        t: &[char],
        lines: &mut Lines,
        cur: &mut Vec<(usize, usize)>,
        mut cur_len: i64,
        indent: &str,
        width: i64,
    ) -> R<()> {
        let ph_len = char_len(self.placeholder);
        while let Some(&(a, b)) = cur.last() {
            if !blank(t, (a, b)) && cur_len + ph_len <= width {
                return lines.push(cx, join(indent, t, cur, self.placeholder));
            }
            cur_len -= (b - a) as i64;
            cur.pop();
        }
        if let Some(prev) = lines.last_mut() {
            let kept = prev.trim_end().len();
            if char_len(&prev[..kept]) + ph_len <= self.width {
                prev.truncate(kept);
                prev.push_str(self.placeholder);
                return Ok(());
            }
        }
        lines.push(cx, format!("{indent}{}", self.placeholder.trim_start()))
    }

    /// `_handle_long_word`: as much of the next chunk as fits (at least one
    /// character), cut after its last hyphen in that space if one follows
    /// a non-hyphen.
    fn break_long_word(
        &self,
        t: &[char],
        chunks: &mut Vec<(usize, usize)>,
        cur: &mut Vec<(usize, usize)>,
        cur_len: i64,
        width: i64,
    ) {
        let space = if width < 1 { 1 } else { (width - cur_len) as usize };
        if !self.options.break_long_words {
            // Kept whole, on a line of its own.
            if cur.is_empty() {
                if let Some(c) = chunks.pop() {
                    cur.push(c);
                }
            }
            return;
        }
        let Some(last) = chunks.last_mut() else { return };
        let (a, b) = *last;
        let mut end = space.min(b - a);
        if self.options.break_on_hyphens && b - a > space {
            let hyphen = t[a..a + space].iter().rposition(|&c| c == '-');
            if let Some(h) = hyphen.filter(|&h| h > 0) {
                if t[a..a + h].iter().any(|&c| c != '-') {
                    end = h + 1;
                }
            }
        }
        cur.push((a, a + end));
        *last = (a + end, b);
    }
}

/// Room for one more chunk in the line's buffer, its growth charged first.
fn room_for_one<C: Callbacks + ?Sized>(
    cx: &mut C,
    cur: &mut Vec<(usize, usize)>,
    held: &mut crate::charged::ScratchCharge,
) -> R<()> {
    if cur.len() < cur.capacity() {
        return Ok(());
    }
    let new_cap = cur.capacity().saturating_mul(2).max(8);
    let block = crate::mem::vec_block::<(usize, usize)>;
    held.grow(cx.meter(), block(new_cap).saturating_sub(block(cur.capacity())))?;
    cur.reserve_exact(new_cap - cur.len());
    Ok(())
}

fn join(indent: &str, t: &[char], parts: &[(usize, usize)], tail: &str) -> String {
    let mut s = String::from(indent);
    for &(a, b) in parts {
        s.extend(&t[a..b]);
    }
    s.push_str(tail);
    s
}
