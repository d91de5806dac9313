//! A `str`'s storage: the text (inline, on the heap, or a view of an
//! external buffer), its code-point length, cached hash, char-to-byte index
//! and the account it is charged to. Only data: the operators, methods and
//! `repr` are in the folder's other files, which name this one; it names no
//! value (issue #59: the value layer holds a `Str` without reaching `str`'s
//! behaviour).

use std::cell::{Cell, OnceCell};
use std::hash::BuildHasher;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::LazyLock;

use compact_str::CompactString;

use crate::mem::{AccountRef, Owner};

use super::chars::{INDEX_STEP, advance_chars, char_index, count_chars};

/// A text buffer owned outside the interpreter (the RLM context, possibly
/// memory-mapped). Wrapped zero-copy by [`Str::from_buffer`]; slices of it are
/// views, not copies.
pub trait TextBuffer: Send + Sync {
    fn text(&self) -> &str;
    /// `(code points, is ASCII)` when the buffer already knows them, so that
    /// wrapping a huge text does not rescan it (default: scanned once).
    fn char_len_hint(&self) -> Option<(usize, bool)> {
        None
    }
}

impl TextBuffer for String {
    fn text(&self) -> &str {
        self
    }
}

impl TextBuffer for Box<str> {
    fn text(&self) -> &str {
        self
    }
}

enum StrData {
    /// Its own bytes: up to [`INLINE`] of them inside the string's `Rc` box
    /// (no second allocation, nothing more to free), else on the heap.
    Owned(CompactString),
    /// Text whose fields do not fit beside an owned string's: a view of an
    /// external buffer, or a long non-ASCII text with its char-to-byte index.
    /// Boxed, so that the common string (a short word: `split` makes
    /// hundreds of thousands) is one 64-byte block, as CPython's is.
    Large(Box<LargeText>),
}

/// The text of a [`StrData::Large`] string and, once built, its char-to-byte
/// index (see [`Str::byte_of_char`]).
struct LargeText {
    source: LargeSource,
    index: OnceCell<Vec<usize>>,
    /// The last code point whose byte offset was asked or learnt, and that
    /// offset: a program walking forward (`s[i]` in a loop, `find(w, i + 1)`
    /// after a match) converts from there, a few characters, instead of from
    /// the index's entry.
    last: Cell<(usize, usize)>,
}

enum LargeSource {
    /// A non-ASCII text of its own longer than `2 * INDEX_STEP` code points
    /// (indexing it walks at most `INDEX_STEP` of them).
    Owned(CompactString),
    /// A view of bytes `start..end` of an external buffer (never shorter
    /// than [`INLINE`] + 1: a shorter part is copied inline, which costs less
    /// than holding the buffer and reads without calling through its trait
    /// object).
    Shared(Arc<dyn TextBuffer>, usize, usize),
}

impl LargeText {
    fn as_str(&self) -> &str {
        match &self.source {
            LargeSource::Owned(s) => s.as_str(),
            LargeSource::Shared(b, s, e) => b.text().get(*s..*e).unwrap_or(""),
        }
    }

    fn byte_len(&self) -> usize {
        match &self.source {
            LargeSource::Owned(s) => s.len(),
            LargeSource::Shared(_, s, e) => e.saturating_sub(*s),
        }
    }
}

impl StrData {
    /// Owned text of `char_len` code points: inline or on the heap, boxed
    /// with room for an index when long and non-ASCII.
    fn owned(s: CompactString, char_len: usize, ascii: bool) -> StrData {
        if !ascii && char_len > INDEX_STEP * 2 {
            StrData::large(LargeSource::Owned(s))
        } else {
            StrData::Owned(s)
        }
    }

    fn large(source: LargeSource) -> StrData {
        StrData::Large(Box::new(LargeText {
            source,
            index: OnceCell::new(),
            last: Cell::new((0, 0)),
        }))
    }
}

/// The longest text kept inline (`CompactString`'s own size).
pub(crate) const INLINE: usize = std::mem::size_of::<CompactString>();

// An inline text is never long enough to need an index (`StrData::owned`),
// which `Parts::short_part` relies on.
const _: () = assert!(INLINE <= INDEX_STEP * 2);

pub struct StrInner {
    data: StrData,
    char_len: usize,
    ascii: bool,
    /// The text's hash, computed the first time it is needed (0: not yet;
    /// see [`Str::hash_code`]). 32 bits fit beside `ascii`: the string costs
    /// no more, and the dict's own hasher mixes it to a full hash.
    hash: Cell<u32>,
    /// The bytes a short search for this string looks for
    /// (`search::Picks`, packed; [`NO_PICKS`]: not yet), kept as the hash
    /// is: a needle such as `"roll"` is searched for once a line. In the
    /// padding beside `hash`: the string costs no more.
    picks: Cell<u16>,
    /// Charged for this string (see `mem`): credited when it is dropped.
    account: Owner,
}

/// [`StrInner::picks`] before they are first read.
pub(crate) const NO_PICKS: u16 = u16::MAX;

impl StrInner {
    /// Its allocations: the `Rc` box, the box of a large text, and its bytes
    /// if they are on the heap (not inline, not a view of an external buffer:
    /// the context costs nothing). The index is charged when built.
    fn mem_cost(&self) -> usize {
        let heap = |s: &CompactString| {
            if s.is_heap_allocated() { crate::mem::block(s.capacity()) } else { 0 }
        };
        crate::mem::rc_block::<StrInner>()
            + match &self.data {
                StrData::Owned(s) => heap(s),
                StrData::Large(l) => {
                    crate::mem::block(std::mem::size_of::<LargeText>())
                        + match &l.source {
                            LargeSource::Owned(s) => heap(s),
                            LargeSource::Shared(..) => 0,
                        }
                }
            }
    }

    /// Everything it was charged: [`StrInner::mem_cost`] and the index if built.
    fn charged(&self) -> usize {
        let index = match &self.data {
            StrData::Large(l) => {
                l.index.get().map_or(0, |i| crate::mem::vec_block::<usize>(i.capacity()))
            }
            StrData::Owned(_) => 0,
        };
        self.mem_cost() + index
    }
}

impl Drop for StrInner {
    fn drop(&mut self) {
        self.account.credit(self.charged());
    }
}

/// A string's fields before it is charged to an account (`Str::from_inner`).
struct PendingStr {
    data: StrData,
    char_len: usize,
    ascii: bool,
}

/// An immutable string with Python's code-point semantics. Cheap to clone.
#[derive(Clone)]
pub struct Str(Rc<StrInner>);

/// A string held without keeping its text alive: only to tell, later,
/// whether a string is the same one (a cache keyed by a text).
pub(crate) struct WeakStr(std::rc::Weak<StrInner>);

impl WeakStr {
    /// Whether `s` is the string this was made from (its text still alive).
    pub(crate) fn is(&self, s: &Str) -> bool {
        std::rc::Weak::ptr_eq(&self.0, &Rc::downgrade(&s.0)) && self.0.strong_count() > 0
    }
}

impl Str {
    /// A handle that tells this string apart without keeping it alive.
    pub(crate) fn downgrade(&self) -> WeakStr {
        WeakStr(Rc::downgrade(&self.0))
    }

    /// The bytes the memory count charges for this string (its box and
    /// heap text; `sys.getsizeof`).
    pub(crate) fn charged_bytes(&self) -> usize {
        self.0.mem_cost()
    }

    pub fn new(s: impl Into<CompactString>) -> Str {
        let mut s: CompactString = s.into();
        // A heap buffer with room to spare (a `String` built by pushing)
        // gives the spare back, as a `Box<str>` did.
        if s.is_heap_allocated() && s.capacity() > s.len() {
            s.shrink_to_fit();
        }
        let ascii = s.is_ascii();
        let char_len = if ascii { s.len() } else { s.chars().count() };
        Str::from_inner(PendingStr { data: StrData::owned(s, char_len, ascii), char_len, ascii })
    }

    /// A string joined from parts whose code-point counts and ASCII flags
    /// are known (`s + t`, an f-string's pieces): as [`Str::new`] without
    /// reading the text again. `char_len` must be `s`'s code-point count and
    /// `ascii` whether it is all ASCII.
    pub(crate) fn joined(mut s: CompactString, char_len: usize, ascii: bool) -> Str {
        if s.is_heap_allocated() && s.capacity() > s.len() {
            s.shrink_to_fit();
        }
        debug_assert_eq!(char_len, s.chars().count());
        Str::from_inner(PendingStr { data: StrData::owned(s, char_len, ascii), char_len, ascii })
    }

    /// An ASCII string's lower (or upper) case, made where a string keeps
    /// its text (inline when short) and with the length and code-point count
    /// it already has: no `String` to convert, no scan of the result.
    pub(crate) fn ascii_cased(&self, upper: bool) -> Str {
        debug_assert!(self.is_ascii());
        let mut text = CompactString::new(self.as_str());
        if upper {
            text.as_mut_str().make_ascii_uppercase();
        } else {
            text.as_mut_str().make_ascii_lowercase();
        }
        Str::joined(text, self.char_len(), true)
    }

    /// The text of `parts` (of `total` bytes) one after another, built where
    /// a string keeps it: inline when it fits (no heap buffer to allocate,
    /// copy and free), else in one exact `String` whose buffer the string
    /// takes over (`CompactString`'s own appends cost more than `String`'s).
    pub(crate) fn concat_text<'a>(
        parts: impl Iterator<Item = &'a str>,
        total: usize,
    ) -> CompactString {
        if total <= INLINE {
            let mut out = CompactString::default();
            parts.for_each(|p| out.push_str(p));
            out
        } else {
            let mut out = String::with_capacity(total);
            parts.for_each(|p| out.push_str(p));
            CompactString::from(out)
        }
    }

    /// Every string is made here: it is charged to the current account (see
    /// `StrInner::mem_cost`), which it keeps to credit when dropped.
    fn from_inner(inner: PendingStr) -> Str {
        Str::charged_to(inner, Owner::current())
    }

    /// A string charged to `account` (see [`Str::from_inner`]).
    #[inline(always)]
    fn charged_to(inner: PendingStr, account: Owner) -> Str {
        let inner = StrInner {
            data: inner.data,
            char_len: inner.char_len,
            ascii: inner.ascii,
            hash: Cell::new(0),
            picks: Cell::new(NO_PICKS),
            account,
        };
        inner.account.charge(inner.mem_cost());
        Str(Rc::new(inner))
    }

    /// Charge it to `to` if it was made outside any session (see
    /// `mem::Owner::adopt`).
    pub(crate) fn adopt(&self, to: &AccountRef) {
        self.0.account.adopt(to, self.0.charged());
    }

    /// Wrap an external buffer without copying it.
    pub fn from_buffer(buf: Arc<dyn TextBuffer>) -> Str {
        let text = buf.text();
        let len = text.len();
        let (char_len, ascii) = match buf.char_len_hint() {
            Some(known) => known,
            None => {
                let ascii = text.is_ascii();
                (if ascii { len } else { text.chars().count() }, ascii)
            }
        };
        let data = StrData::large(LargeSource::Shared(buf, 0, len));
        Str::from_inner(PendingStr { data, char_len, ascii })
    }

    /// Where this string keeps what a short search for it looks for
    /// (`search::picks_of`).
    #[inline(always)]
    pub(crate) fn picks_cell(&self) -> &Cell<u16> {
        &self.0.picks
    }

    /// Inline: a dict lookup's key comparison reads both keys' text, and a
    /// call per read was a third of that comparison's cost.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0.data {
            StrData::Owned(s) => s.as_str(),
            StrData::Large(l) => l.as_str(),
        }
    }

    /// A hash of the text, computed once per string and kept: a dict lookup
    /// and the store after it (`d[w] = d.get(w, 0) + 1`) hash the text once.
    /// Seeded per process, so that programs cannot pick colliding keys.
    #[inline(always)]
    pub fn hash_code(&self) -> u32 {
        let known = self.0.hash.get();
        if known != 0 {
            return known;
        }
        self.compute_hash()
    }

    /// [`Str::hash_code`] the first time: out of line, so that the cached
    /// read stays small where it is inlined.
    #[inline(never)]
    fn compute_hash(&self) -> u32 {
        static SEED: LazyLock<foldhash::fast::RandomState> = LazyLock::new(Default::default);
        // Never 0, the mark of "not yet".
        let h = (SEED.hash_one(self.as_str()) as u32) | 1;
        self.0.hash.set(h);
        h
    }

    #[inline]
    pub fn char_len(&self) -> usize {
        self.0.char_len
    }

    /// Without reading the text (a view's buffer is behind a trait object).
    #[inline]
    pub fn byte_len(&self) -> usize {
        match &self.0.data {
            StrData::Owned(s) => s.len(),
            StrData::Large(l) => l.byte_len(),
        }
    }

    /// Whether this is a view of an external buffer (its bytes are not ours).
    /// How many handles hold this string (releasing the last frees it).
    pub(crate) fn owners(&self) -> usize {
        Rc::strong_count(&self.0)
    }

    pub fn is_shared(&self) -> bool {
        matches!(&self.0.data, StrData::Large(l) if matches!(l.source, LargeSource::Shared(..)))
    }

    pub fn is_ascii(&self) -> bool {
        self.0.ascii
    }

    pub fn ptr_eq(a: &Str, b: &Str) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }

    /// Byte offset of code point `ci` (`ci <= char_len`): O(1) amortised.
    /// A long non-ASCII text converts from the last position it converted
    /// when `ci` is at most [`INDEX_STEP`] after it (a forward walk), else
    /// from its index's entry: at most `INDEX_STEP` code points either
    /// way, read a word at a time.
    pub fn byte_of_char(&self, ci: usize) -> usize {
        let s = self.as_str();
        if self.0.ascii {
            return ci.min(s.len());
        }
        if ci >= self.0.char_len {
            return s.len();
        }
        if ci == 0 {
            // Searches with the default range ask for 0: no index for it.
            return 0;
        }
        if self.0.char_len <= INDEX_STEP * 2 {
            return advance_chars(s.as_bytes(), 0, ci);
        }
        let StrData::Large(large) = &self.0.data else {
            // Not reached: a long non-ASCII text is always large (`StrData::owned`).
            return advance_chars(s.as_bytes(), 0, ci);
        };
        let (c0, b0) = large.last.get();
        let b = if ci >= c0 && ci - c0 <= INDEX_STEP {
            advance_chars(s.as_bytes(), b0, ci - c0)
        } else {
            let index = self.char_index(large, s);
            let base = index.get(ci / INDEX_STEP).copied().unwrap_or(0);
            advance_chars(s.as_bytes(), base, ci % INDEX_STEP)
        };
        large.last.set((ci, b));
        b
    }

    /// The index of a long non-ASCII text, built (and charged to the
    /// string's account) the first time it is needed.
    fn char_index<'a>(&self, large: &'a LargeText, s: &str) -> &'a [usize] {
        large.index.get_or_init(|| {
            let idx = char_index(s, self.0.char_len);
            self.0.account.charge(crate::mem::vec_block::<usize>(idx.capacity()));
            idx
        })
    }

    /// Records that code point `ci` starts at byte `b` (a search that
    /// counted its way there), so that converting a position just after it
    /// (the next search's start) costs a few characters.
    pub(crate) fn remember_position(&self, ci: usize, b: usize) {
        if let StrData::Large(large) = &self.0.data {
            if !self.0.ascii && ci <= self.0.char_len && b <= large.byte_len() {
                large.last.set((ci, b));
            }
        }
    }

    /// Code point at index `ci`.
    pub fn char_at(&self, ci: usize) -> Option<char> {
        if ci >= self.0.char_len {
            return None;
        }
        let b = self.byte_of_char(ci);
        self.as_str()[b..].chars().next()
    }

    /// The substring of code points `a..b` (clamped). Parts of shared
    /// buffers longer than [`INLINE`] bytes stay views.
    pub fn substr(&self, a: usize, b: usize) -> Str {
        let b = b.min(self.0.char_len);
        let a = a.min(b);
        if a == 0 && b == self.0.char_len {
            return self.clone();
        }
        let ba = self.byte_of_char(a);
        let bb = self.byte_of_char(b);
        self.byte_substr(ba, bb, Some(b - a))
    }

    /// Substring by byte offsets on char boundaries; `char_len` if known.
    pub fn byte_substr(&self, ba: usize, bb: usize, char_len: Option<usize>) -> Str {
        Str::from_inner(self.substr_fields(ba, bb, char_len))
    }

    /// A maker of this string's substrings by byte ranges (`split`'s words,
    /// `splitlines`' lines), which reads the text and looks up the account
    /// they are charged to once for all.
    pub(crate) fn parts(&self) -> Parts<'_> {
        Parts { of: self, text: self.as_str(), account: crate::mem::current() }
    }

    /// A substring's fields (see [`Str::part_fields`]).
    #[inline]
    fn substr_fields(&self, ba: usize, bb: usize, char_len: Option<usize>) -> PendingStr {
        self.part_fields(self.as_str(), ba, bb, char_len)
    }

    /// The fields of bytes `ba..bb` of this string, whose text is `text`: a
    /// view when this is a view and the part is longer than [`INLINE`], else
    /// a copy (inline when short).
    #[inline(always)]
    fn part_fields(&self, text: &str, ba: usize, bb: usize, char_len: Option<usize>) -> PendingStr {
        self.fields_of(&text[ba..bb], ba, bb, char_len)
    }

    /// [`Str::part_fields`] of `part`, bytes `ba..bb` of this string's text.
    #[inline(always)]
    fn fields_of(&self, part: &str, ba: usize, bb: usize, char_len: Option<usize>) -> PendingStr {
        // A known code-point count equal to the byte length means ASCII
        // (every other code point takes two bytes or more): no re-scan.
        let ascii = self.0.ascii || char_len.map_or_else(|| part.is_ascii(), |n| n == part.len());
        let char_len = match char_len {
            Some(n) => n,
            None if ascii => part.len(),
            None => part.chars().count(),
        };
        let data = match &self.0.data {
            StrData::Large(l) if part.len() > INLINE => match &l.source {
                LargeSource::Shared(buf, s, _) => {
                    StrData::large(LargeSource::Shared(buf.clone(), s + ba, s + bb))
                }
                LargeSource::Owned(_) => StrData::owned(CompactString::new(part), char_len, ascii),
            },
            _ => StrData::owned(CompactString::new(part), char_len, ascii),
        };
        PendingStr { data, char_len, ascii }
    }

    /// Char index of a byte offset (a char boundary): O(1) amortised, as
    /// [`Str::byte_of_char`] (from the last position converted when `b` is
    /// at most a few steps after it, else from the index's entry found by
    /// a binary search).
    pub fn char_of_byte(&self, b: usize) -> usize {
        if self.0.ascii {
            return b;
        }
        let s = self.as_str();
        let bytes = s.as_bytes();
        let b = b.min(bytes.len());
        let StrData::Large(large) = &self.0.data else {
            // A short text: at most 2 * INDEX_STEP code points.
            return count_chars(&bytes[..b]);
        };
        if self.0.char_len <= INDEX_STEP * 2 {
            return count_chars(&bytes[..b]);
        }
        let (c0, b0) = large.last.get();
        let ci = if b >= b0 && b - b0 <= INDEX_STEP * 4 {
            c0 + count_chars(&bytes[b0..b])
        } else {
            let index = self.char_index(large, s);
            let k = index.partition_point(|&x| x <= b).saturating_sub(1);
            let base = index.get(k).copied().unwrap_or(0);
            k * INDEX_STEP + count_chars(&bytes[base.min(b)..b])
        };
        large.last.set((ci, b));
        ci
    }
}

/// `CompactString::new(part)` for a part of at most [`INLINE`] bytes, its
/// bytes copied at a length known where the copy is compiled when the part
/// is a short word: a call to `memcpy` per word, and the checks around it,
/// were a seventh of a `split` word's making (`sort_counter` -3.3% Ir).
#[inline(always)]
fn inline_text(part: &str) -> CompactString {
    macro_rules! by_length {
        ($($n:literal)*) => {
            match part.len() {
                $($n => CompactString::new(&part[..$n]),)*
                _ => CompactString::new(part),
            }
        };
    }
    by_length!(1 2 3 4 5 6 7 8 9 10 11 12)
}

/// See [`Str::parts`].
pub(crate) struct Parts<'a> {
    of: &'a Str,
    text: &'a str,
    account: AccountRef,
}

impl Parts<'_> {
    /// Bytes `a..b` (on char boundaries) as [`Str::byte_substr`] makes them.
    #[inline]
    pub(crate) fn part_str(&self, a: usize, b: usize) -> Str {
        self.part_counted(a, b, None)
    }

    /// The same, of `char_len` code points if known (else counted).
    #[inline]
    pub(crate) fn part_counted(&self, a: usize, b: usize, char_len: Option<usize>) -> Str {
        let part = &self.text[a..b];
        if part.len() <= INLINE {
            return self.short_part(part, char_len);
        }
        self.long_part(part, a, b, char_len)
    }

    /// [`Parts::part_counted`] of a part whose scan learnt whether it is
    /// ASCII (false: not known), inlined where it is called: `split`'s
    /// words, hundreds of thousands of short ones, are made in its loop (the
    /// call, its saved registers and its arguments were a sixth of a word's
    /// making); a long part is made out of line.
    #[inline(always)]
    pub(crate) fn part_scanned(&self, a: usize, b: usize, ascii: bool) -> Str {
        let part = &self.text[a..b];
        if part.len() <= INLINE {
            return self.short_part(part, ascii.then_some(part.len()));
        }
        self.long_part(part, a, b, ascii.then_some(part.len()))
    }

    /// A part longer than [`INLINE`] bytes, `part`, bytes `a..b` of the
    /// text: a view of a shared buffer, or a copy on the heap.
    #[inline(never)]
    fn long_part(&self, part: &str, a: usize, b: usize, char_len: Option<usize>) -> Str {
        let part = self.of.fields_of(part, a, b, char_len);
        Str::charged_to(part, Owner::of(&self.account))
    }

    /// A part of at most [`INLINE`] bytes: always an inline copy whatever
    /// holds the text (a view costs more than the copy), so its charge is
    /// the `Rc` box alone, known without reading what was built (`split`
    /// makes hundreds of thousands: the general path's matches were a
    /// third of a word's making).
    #[inline(always)]
    fn short_part(&self, part: &str, char_len: Option<usize>) -> Str {
        debug_assert!(part.len() <= INLINE);
        let ascii =
            self.of.0.ascii || char_len.map_or_else(|| part.is_ascii(), |n| n == part.len());
        let char_len = match char_len {
            Some(n) => n,
            None if ascii => part.len(),
            None => count_chars(part.as_bytes()),
        };
        // Inline: no heap block to charge, and too short to need an index
        // (`StrData::owned`).
        let data = StrData::Owned(inline_text(part));
        self.account.charge(crate::mem::rc_block::<StrInner>());
        let made = Str(Rc::new(StrInner {
            data,
            char_len,
            ascii,
            hash: Cell::new(0),
            picks: Cell::new(NO_PICKS),
            account: Owner::of(&self.account),
        }));
        // What its drop will credit (`StrInner::charged`).
        debug_assert_eq!(made.0.charged(), crate::mem::rc_block::<StrInner>());
        made
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq for Str {
    /// Always inline: when LLVM left it to its heuristics, code added
    /// elsewhere (a module's new callers of the machine) made it an
    /// out-of-line call in `list.count`'s loop, +1.5% on
    /// `corpus_trec_regex` (issue #79).
    #[inline(always)]
    fn eq(&self, other: &Str) -> bool {
        // Code-point counts first, then the hashes if both are known: most
        // unequal strings differ there, and reading them costs no call into
        // a view's buffer.
        if Rc::ptr_eq(&self.0, &other.0) {
            return true;
        }
        let (a, b) = (&*self.0, &*other.0);
        if a.char_len != b.char_len {
            return false;
        }
        let (ha, hb) = (a.hash.get(), b.hash.get());
        if ha != 0 && hb != 0 && ha != hb {
            return false;
        }
        match (&a.data, &b.data) {
            // Two owned texts (dict keys: words): each read once, the
            // lengths compared by `same_bytes`.
            (StrData::Owned(x), StrData::Owned(y)) => same_bytes(x.as_bytes(), y.as_bytes()),
            _ => {
                self.byte_len() == other.byte_len()
                    && same_bytes(self.as_str().as_bytes(), other.as_str().as_bytes())
            }
        }
    }
}

/// `a == b` for byte strings of the same length. Short ones (most dict
/// keys: words) are compared as two overlapping words of 4 or 8 bytes
/// instead of through a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |s: &[u8], at: usize| s.get(at..).and_then(|t| t.first_chunk::<8>()).copied();
    let word4 = |s: &[u8], at: usize| s.get(at..).and_then(|t| t.first_chunk::<4>()).copied();
    match n {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::new(s)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::new(s)
    }
}

thread_local! {
    static ASCII: Vec<Str> = (0u8..128).map(|b| Str::new((b as char).to_string())).collect();
}

/// Shared one-character strings for ASCII (iteration over text allocates nothing).
pub fn ascii_char(b: u8) -> Str {
    ASCII.with(|a| a[(b & 127) as usize].clone())
}

#[cfg(test)]
mod hash_tests {
    use std::sync::Arc;

    use super::{Str, StrInner};

    /// Equal texts hash equal however they are held (owned, a view of a
    /// buffer, a substring), the cached hash is what a second call returns,
    /// and the cache does not make a string cost more (it fits beside
    /// `ascii`).
    #[test]
    fn hash_code_is_cached_and_follows_the_text() {
        let long = "the river runs to the sea, past the mill";
        let owned = Str::new(long);
        let buf: Arc<dyn super::TextBuffer> = Arc::new(format!("> {long} <"));
        let whole = Str::from_buffer(buf);
        let view = whole.byte_substr(2, 2 + long.len(), None);
        assert!(view.is_shared());
        assert_eq!(view.as_str(), long);
        let first = owned.hash_code();
        assert_ne!(first, 0);
        assert_eq!(owned.hash_code(), first);
        assert_eq!(view.hash_code(), first);
        assert_eq!(Str::new("river").hash_code(), whole.byte_substr(6, 11, None).hash_code());
        assert_ne!(Str::new(format!("{long}s")).hash_code(), first);
        assert_eq!(Str::new("").hash_code(), Str::new("").hash_code());
        // With its `Rc` counts a string is one 64-byte block (see `StrData::Large`).
        assert_eq!(std::mem::size_of::<StrInner>(), 48);
    }
}

#[cfg(test)]
mod storage_tests {
    use std::sync::Arc;

    use super::{INLINE, LargeText, Str, StrInner, TextBuffer};
    use crate::mem::{block, rc_block};

    /// A part of an external buffer is a view when longer than `INLINE`
    /// bytes and an inline copy otherwise; a copy costs only the `Rc` box, as
    /// a short owned string does, a view also its box, and a long owned one
    /// its heap block. Equal texts compare equal however they are held, with or
    /// without their hashes known, and differ when only the hashes or only
    /// the bytes tell them apart.
    #[test]
    fn short_parts_are_inline_and_long_parts_are_views() {
        let text = format!("ab {} é{}", "x".repeat(INLINE + 1), "y".repeat(INLINE - 3));
        let buf: Arc<dyn TextBuffer> = Arc::new(text.clone());
        let whole = Str::from_buffer(buf);
        let short = whole.byte_substr(0, 2, None);
        let long = whole.byte_substr(3, 3 + INLINE + 1, None);
        let accented = whole.substr(INLINE + 5, INLINE + 5 + INLINE - 2);
        assert!(!short.is_shared() && long.is_shared() && !accented.is_shared());
        assert_eq!(short.as_str(), "ab");
        assert_eq!(long.as_str(), "x".repeat(INLINE + 1));
        assert_eq!(accented.as_str(), format!("é{}", "y".repeat(INLINE - 3)));
        assert_eq!(
            (accented.char_len(), accented.byte_len(), accented.is_ascii()),
            (INLINE - 2, INLINE - 1, false)
        );
        for s in [&short, &accented] {
            assert_eq!(s.0.mem_cost(), rc_block::<StrInner>(), "{s:?}");
        }
        let view_box = block(std::mem::size_of::<LargeText>());
        assert_eq!(long.0.mem_cost(), rc_block::<StrInner>() + view_box);
        let heap = Str::new("z".repeat(100));
        assert_eq!(heap.0.mem_cost(), rc_block::<StrInner>() + block(heap_capacity(&heap)));
        assert!(heap_capacity(&heap) >= 100);
        let parts = whole.parts();
        let words = [parts.part(0, 2), parts.part(3, 3 + INLINE + 1)];
        assert_eq!(words[0].as_str(), Some(&short));
        assert_eq!(words[1].as_str(), Some(&long));
        assert!(short != Str::new("ac") && long != Str::new("x".repeat(INLINE + 1) + "!"));
        let owned_long = Str::new("x".repeat(INLINE + 1));
        assert!(owned_long == long);
        owned_long.hash_code();
        assert!(owned_long == long, "one hash known");
        long.hash_code();
        assert!(owned_long == long, "both known");
        let other = Str::new("y".repeat(INLINE + 1));
        other.hash_code();
        assert!(other != long, "both known, different");
    }

    /// The short-text comparison agrees with `==` at every length around its
    /// word sizes, for a difference at every position.
    #[test]
    fn same_bytes_finds_every_difference() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(super::same_bytes(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!super::same_bytes(&a, &b), "{n} {at}");
            }
            assert!(!super::same_bytes(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }

    fn heap_capacity(s: &Str) -> usize {
        match &s.0.data {
            super::StrData::Owned(c) if c.is_heap_allocated() => c.capacity(),
            _ => 0,
        }
    }

    /// A long non-ASCII owned text is boxed with its index, which indexing
    /// builds once and charges: the string's charge then counts both, and
    /// every position agrees with `char_indices`.
    #[test]
    fn long_non_ascii_text_keeps_its_index_in_the_box() {
        let text = "é".repeat(super::INDEX_STEP * 3);
        let s = Str::new(text.as_str());
        assert!(matches!(s.0.data, super::StrData::Large(_)));
        let before = s.0.charged();
        assert_eq!(s.byte_of_char(super::INDEX_STEP * 2 + 1), (super::INDEX_STEP * 2 + 1) * 2);
        assert!(s.0.charged() > before, "the index is charged when built");
        let short = Str::new("é".repeat(super::INDEX_STEP));
        assert!(matches!(short.0.data, super::StrData::Owned(_)));
    }
}
