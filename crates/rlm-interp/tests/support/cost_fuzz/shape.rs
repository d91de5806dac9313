//! An input's shape (issue #77): the parameters a cost fuzzer mutates, and
//! the DSL source that builds the input `X` from them. A shape is more than a
//! size: the text's alphabet (ASCII, Latin-1, CJK, astral, combining marks,
//! capital sigma, characters whose case mapping changes length), the density
//! of a needle in it, a collection's element kind and nesting depth, and which
//! of a probe's argument variants the call uses.

use serde_json::{Value as Json, json};

/// A small deterministic generator (SplitMix64): the search is reproducible
/// from its seed (what it keeps still depends on the times it measures).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Log-uniform in `lo..=hi`.
    pub fn log_between(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo.max(1) as f64).ln(), (hi.max(lo) as f64).ln());
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((l + u * (h - l)).exp() as u64).clamp(lo, hi)
    }
}

/// A stable hash of a name (FNV-1a), to seed each entry's generator.
pub fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The text's repeated unit, as DSL string literals: Unicode categories and
/// the characters whose handling differs from plain ASCII.
pub const FILLS: &[&str] = &[
    r"'ab cd\n'",                   // ASCII words
    "'a'",                          // one ASCII letter
    "'ab'",                         // a two-letter period
    "'a '",                         // one-letter words (textwrap)
    "'\u{e9}'",                     // Latin-1
    "'\u{4e2d}'",                   // CJK
    "'\u{1f600}'",                  // astral
    r"'e\u0301'",                   // a combining mark
    "'\u{3a3}'",                    // capital sigma (final-sigma rule in lower())
    "'\u{df}'",                     // sharp s: upper() grows it to 'SS'
    "'\u{130}'",                    // dotted capital I: lower() grows it
    "'\u{fb03}'",                   // the ffi ligature: upper() triples it
    "'\u{149}'",                    // n preceded by apostrophe: upper() grows it
    r"'\t'",                        // tabs
    "'9'",                          // digits
    "' '",                          // spaces
    r"'\n'",                        // newlines
    r"'\x00'",                      // a control character (repr escapes it)
    r#"'\'\"\\'"#,                  // quotes and a backslash (repr escapes them)
    r"'\x80\xff'",                  // Latin-1 non-printables (repr and ascii escape them)
    "'a_1'",                        // identifier characters
    "'Aa'",                         // title case
    "'a\u{3a3}\u{4e2d}\u{1f600} '", // mixed widths
    "'1,'",                         // a JSON/CSV-like list of numbers
    "'{}'",                         // format fields
    "'%s'",                         // %-format fields
];

/// What is inserted every `gap` repeats of the fill (its density).
pub const NEEDLES: &[&str] =
    &["''", "'ab'", "'a'", "'zz'", "'\u{3a3}'", r"'\t'", "' '", r"'\n'", "','", "'1'", "'x'"];

/// A collection's element, as a DSL expression of `i` (`NEST` is a list
/// nested `depth` deep).
pub const ELEMS: &[&str] = &[
    "i",
    "-i",
    "i * 1000000007",
    "i % 7",
    "str(i)",
    "'x' * 16",
    "'k%d' % i",
    "'\u{e9}\u{4e2d}\u{1f600}' * 4",
    "(i, i)",
    "[i]",
    "float(i)",
    "None",
    "i % 2 == 0",
    "{'a': i}",
    "NEST",
    "str(i % 100)",
];

/// The parameters a cost fuzzer searches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Characters of text, or items of a collection.
    pub n: u64,
    /// Index into `FILLS`.
    pub fill: usize,
    /// Index into `NEEDLES`.
    pub needle: usize,
    /// Repeats of the fill between two needles (the needle's density).
    pub gap: u64,
    /// Index into `ELEMS`.
    pub elem: usize,
    /// Nesting depth of `NEST` (and of a JSON document's items).
    pub depth: u64,
    /// Which of the probe's argument variants the call uses.
    pub variant: usize,
}

/// The largest text a trial builds, in characters, and the largest collection.
pub const MAX_TEXT: u64 = 4 << 20;
pub const MAX_ITEMS: u64 = 1 << 20;
pub const MAX_DEPTH: u64 = 150;

impl Shape {
    pub fn new(n: u64, fill: usize, needle: usize, gap: u64, variant: usize) -> Shape {
        Shape { n, fill, needle, gap, elem: 0, depth: 1, variant }
    }

    /// Clamped into range (for shapes read from files or fuzzer bytes).
    pub fn clamped(mut self, variants: usize) -> Shape {
        self.n = self.n.clamp(1, MAX_TEXT);
        self.fill %= FILLS.len();
        self.needle %= NEEDLES.len();
        self.gap = self.gap.clamp(if self.needle == 0 { 1 } else { 0 }, 1 << 16);
        self.elem %= ELEMS.len();
        self.depth = self.depth.clamp(1, MAX_DEPTH);
        self.variant %= variants.max(1);
        self
    }

    pub fn random(rng: &mut Rng, variants: usize, max_n: u64) -> Shape {
        Shape {
            n: rng.log_between(16, max_n),
            fill: rng.below(FILLS.len() as u64) as usize,
            needle: rng.below(NEEDLES.len() as u64) as usize,
            gap: rng.log_between(1, 4096),
            elem: rng.below(ELEMS.len() as u64) as usize,
            depth: rng.log_between(1, MAX_DEPTH),
            variant: rng.below(variants.max(1) as u64) as usize,
        }
        .clamped(variants)
    }

    /// One to three parameters changed: sizes and gaps by a factor (or
    /// anew), the categorical ones anew.
    pub fn mutate(&self, rng: &mut Rng, variants: usize, max_n: u64) -> Shape {
        let mut s = self.clone();
        for _ in 0..=rng.below(3) {
            match rng.below(8) {
                0 | 1 => {
                    s.n = match rng.below(3) {
                        0 => rng.log_between(16, max_n),
                        1 => s.n.saturating_mul(1 + rng.below(4)),
                        _ => s.n / (1 + rng.below(4)),
                    }
                    .clamp(16, max_n)
                }
                2 => s.fill = rng.below(FILLS.len() as u64) as usize,
                3 => s.needle = rng.below(NEEDLES.len() as u64) as usize,
                4 => {
                    s.gap = if rng.below(2) == 0 {
                        rng.log_between(0, 4096)
                    } else {
                        (s.gap * 2 + 1) / (1 + rng.below(4))
                    }
                }
                5 => s.elem = rng.below(ELEMS.len() as u64) as usize,
                6 => s.depth = rng.log_between(1, MAX_DEPTH),
                _ => s.variant = rng.below(variants.max(1) as u64) as usize,
            }
        }
        s.clamped(variants)
    }

    /// `X = ...`: text of `n` characters, the needle every `gap` fills.
    pub fn text_source(&self) -> String {
        format!(
            "U = {} + {} * {}\nX = (U * ({} // max(len(U), 1) + 1))[:{}]\n",
            NEEDLES[self.needle], FILLS[self.fill], self.gap, self.n, self.n
        )
    }

    /// `L = [...]`: `n` elements of the shape's kind.
    pub fn list_source(&self) -> String {
        let nest =
            format!("{}i{}", "[".repeat(self.depth as usize), "]".repeat(self.depth as usize));
        let elem = ELEMS[self.elem].replace("NEST", &nest);
        format!("L = [{elem} for i in range({})]\n", self.n)
    }

    pub fn to_json(&self) -> Json {
        json!({
            "n": self.n, "fill": self.fill, "needle": self.needle, "gap": self.gap,
            "elem": self.elem, "depth": self.depth, "variant": self.variant,
            "fill_literal": FILLS[self.fill], "needle_literal": NEEDLES[self.needle],
            "elem_expr": ELEMS[self.elem],
        })
    }

    pub fn from_json(j: &Json) -> Option<Shape> {
        let u = |k: &str| j.get(k).and_then(Json::as_u64);
        Some(Shape {
            n: u("n")?,
            fill: u("fill")? as usize,
            needle: u("needle")? as usize,
            gap: u("gap")?,
            elem: u("elem")? as usize,
            depth: u("depth")?,
            variant: u("variant")? as usize,
        })
    }
}
