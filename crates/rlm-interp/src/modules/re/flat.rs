//! The groups of a match of a flat pattern, resolved as sre resolves them:
//! a backtracking walk over the match the engine found, where a repeated
//! character class is one instruction (sre's `REPEAT_ONE`).
//!
//! Why: the linear engine resolves a match's groups with a bounded
//! backtracker over its NFA, a few states and a visited bit per byte of
//! the match; a real model's `Type:\s*(.+?)(?=\nQuestion:|$)` spent 54% of
//! its instructions there (issue #59). A flat pattern (literals, classes
//! repeated, groups, alternatives, `\A`, `\z`, `^`, `$`) walks its match a
//! character at a time instead.
//!
//! Exactness: the walk takes the ways of matching in the order the engine
//! prefers them (alternatives left to right, greedy repetitions longest
//! first, lazy ones shortest first), over the same parsed pattern, so the
//! first way that reaches the end is the engine's. Anchored at the match's
//! start and bounded by its end, it ends where the match ends (else, never
//! expected, the engine's own groups are used). A walk is capped at a
//! number of steps in proportion to the match's length: past it (a pattern
//! that backtracks much), the engine resolves the groups instead, so the
//! work stays within a constant of the engine's.

use std::cell::RefCell;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::modules::re::engine::Spans;

/// Flat patterns with more instructions than this keep the engine's walk.
const MAX_INSTS: usize = 256;

/// Deeper nesting than this (groups in groups) keeps the engine's walk.
const MAX_DEPTH: usize = 16;

/// Steps a walk (or a search's walks) may take per byte of text it covered,
/// and besides: a character a repetition takes is one step, so the patterns
/// this is for take one to four a byte; far more is a pattern that
/// backtracks, which the engine (linear) then answers. Kept small: the
/// search's fuel is the engine's, a few units per match and per 64 bytes.
const STEPS_PER_BYTE: usize = 16;
const STEPS_BASE: usize = 64;

/// Steps a place where a search's literal occurs costs besides its walk
/// (finding it).
const STEPS_PER_CANDIDATE: usize = 2;

/// A set of characters: ASCII by a bitmap, the rest by sorted ranges.
struct Set {
    ascii: u128,
    ranges: Box<[(u32, u32)]>,
    /// Whether it holds every character (`(?s).`): a character's length is
    /// then read from its first byte.
    any: bool,
}

impl Set {
    fn from_ranges(ranges: impl Iterator<Item = (u32, u32)>) -> Set {
        let mut ascii = 0u128;
        let mut rest = Vec::new();
        for (a, b) in ranges {
            for c in a..=b.min(127) {
                ascii |= 1 << c;
            }
            if b >= 128 {
                rest.push((a.max(128), b));
            }
        }
        let any = ascii == u128::MAX
            && matches!(rest[..], [(128, 0x10FFFF)] | [(128, 0xD7FF), (0xE000, 0x10FFFF)]);
        Set { ascii, ranges: rest.into_boxed_slice(), any }
    }

    /// The length in bytes of the character at `at` (a char boundary before
    /// `end`) when the set holds it.
    #[inline]
    fn len_at(&self, hay: &str, at: usize, end: usize) -> Option<usize> {
        let b = *hay.as_bytes().get(at).filter(|_| at < end)?;
        if b < 128 {
            return (self.ascii >> b & 1 == 1).then_some(1);
        }
        if self.any {
            return Some(utf8_len(b)).filter(|n| at + n <= end);
        }
        let c = hay.get(at..)?.chars().next()?;
        let n = c.len_utf8();
        let c = c as u32;
        let i = self.ranges.partition_point(|&(_, hi)| hi < c);
        self.ranges.get(i).filter(|&&(lo, _)| lo <= c).map(|_| n).filter(|_| at + n <= end)
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        _ => 2,
    }
}

/// The bytes the rest of a pattern (from an instruction on) can start
/// with, and whether it can match empty at the end of the text: where
/// neither holds, it fails, so a repetition before it skips the position
/// (as sre skips to the literal that follows a repetition).
struct Follow {
    bytes: [u64; 4],
    at_end: bool,
}

impl Follow {
    fn add(&mut self, b: u8) {
        self.bytes[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn add_set(&mut self, set: &Set) {
        self.bytes[0] |= set.ascii as u64;
        self.bytes[1] |= (set.ascii >> 64) as u64;
        if set.any || !set.ranges.is_empty() {
            // Any first byte of a longer character (kept simple: all of them).
            self.bytes[2] = u64::MAX;
            self.bytes[3] = u64::MAX;
        }
    }

    /// Whether the rest may match from `at`.
    #[inline]
    fn may_start(&self, hay: &[u8], at: usize) -> bool {
        match hay.get(at) {
            Some(&b) => self.bytes[usize::from(b >> 6)] >> (b & 63) & 1 == 1,
            None => self.at_end,
        }
    }

    /// What the program can start with from `pc`; `None` when it can match
    /// empty elsewhere than at the end of the text (then no position is
    /// skipped).
    fn of(prog: &[Inst], pc: usize) -> Option<Follow> {
        let mut follow = Follow { bytes: [0; 4], at_end: false };
        let mut seen = vec![false; prog.len()];
        let mut work = vec![pc];
        while let Some(pc) = work.pop() {
            if std::mem::replace(&mut seen[pc], true) {
                continue;
            }
            match &prog[pc] {
                Inst::Lit(l) => match l.first() {
                    Some(&b) => follow.add(b),
                    None => work.push(pc + 1),
                },
                Inst::Rep { set, min, .. } => {
                    follow.add_set(set);
                    if *min == 0 {
                        work.push(pc + 1);
                    }
                }
                Inst::Save(_) => work.push(pc + 1),
                Inst::Split(alts) => work.extend(alts.iter().copied()),
                Inst::Jump(to) => work.push(*to),
                // Past it nothing is read: the rest matches at the end only.
                Inst::Look(Look::End) => follow.at_end = true,
                Inst::Look(_) | Inst::Match => return None,
            }
        }
        Some(follow)
    }
}

enum Inst {
    Lit(Box<[u8]>),
    Rep {
        set: Set,
        min: u32,
        max: u32,
        greedy: bool,
    },
    Save(usize),
    Look(Look),
    /// Alternatives, in the order the engine prefers them.
    Split(Box<[usize]>),
    Jump(usize),
    Match,
}

/// A way back to try after a failure (or a group's bound to restore).
#[derive(Clone, Copy)]
enum Frame {
    /// A greedy repetition that reached `at` from `floor`: one character less.
    Greedy {
        next: usize,
        at: usize,
        floor: usize,
    },
    /// A lazy repetition (`rep`, its instruction) that took `n` characters
    /// up to `at`: one more.
    Lazy {
        rep: usize,
        at: usize,
        n: u32,
    },
    /// The alternative `i` of the split at `split`, from `at`.
    Alt {
        split: usize,
        i: usize,
        at: usize,
    },
    Restore {
        slot: usize,
        old: Option<usize>,
    },
}

/// A walk past its step cap: the engine decides instead.
struct Capped;

/// What a walk writes: its ways back and its group bounds (kept between
/// walks, so that a walk allocates nothing).
struct Scratch {
    stack: Vec<Frame>,
    slots: Vec<Option<usize>>,
}

/// A flat pattern compiled for the walk.
pub(super) struct Flat {
    prog: Vec<Inst>,
    /// For each repetition, what can follow it ([`Follow`]).
    follow: Vec<Option<Follow>>,
    /// The literal every match starts with, when the pattern begins with
    /// one: a search then walks from each place it occurs.
    prefix: Option<memchr::memmem::Finder<'static>>,
    /// Whether that literal is the first instruction (no group opens before it).
    prefix_first: bool,
    /// For each repetition, whether only the end of the match follows it
    /// (then it never needs a way back).
    last: Vec<bool>,
    scratch: RefCell<Scratch>,
}

impl Flat {
    /// The walk of `hir` (the pattern as the engine parsed it, with
    /// `groups` groups besides the whole match), if it is flat.
    pub(super) fn build(hir: &Hir, groups: usize) -> Option<Flat> {
        let mut prog = Vec::new();
        emit(hir, &mut prog, 0)?;
        prog.push(Inst::Match);
        if prog.len() > MAX_INSTS {
            return None;
        }
        let slots = 2 * (groups + 1);
        if prog.iter().any(|i| matches!(i, Inst::Save(s) if *s >= slots)) {
            return None;
        }
        let follow = (0..prog.len())
            .map(|pc| match prog[pc] {
                Inst::Rep { .. } => Follow::of(&prog, pc + 1),
                _ => None,
            })
            .collect();
        let prefix = match prog.iter().find(|i| !matches!(i, Inst::Save(_))) {
            Some(Inst::Lit(l)) => Some(memchr::memmem::Finder::new(l).into_owned()),
            _ => None,
        };
        let prefix_first = matches!(prog.first(), Some(Inst::Lit(_)));
        let last = (0..prog.len())
            .map(|pc| prog[pc + 1..].iter().all(|i| matches!(i, Inst::Save(_) | Inst::Match)))
            .collect();
        let scratch = RefCell::new(Scratch { stack: Vec::new(), slots: vec![None; slots] });
        Some(Flat { prog, follow, prefix, prefix_first, last, scratch })
    }

    /// The leftmost match at or after `start` in `hay`, for a pattern that
    /// begins with a literal: every match starts where the literal occurs,
    /// so the first place whose walk matches is the leftmost match, and its
    /// walk the way the engine prefers. `None` when the pattern does not
    /// begin with a literal, the walks ran past their cap (in proportion to
    /// the text they covered), or the walk is in use.
    pub(super) fn search(&self, hay: &str, start: usize) -> Option<Option<Spans>> {
        let finder = self.prefix.as_ref()?;
        let mut scratch = self.scratch.try_borrow_mut().ok()?;
        let Scratch { stack, slots } = &mut *scratch;
        let (bytes, mut from, mut steps) = (hay.as_bytes(), start, 0);
        while let Some(i) = finder.find(bytes.get(from..)?) {
            let at = from + i;
            steps += STEPS_PER_CANDIDATE;
            let read = Read { origin: start, to: at + finder.needle().len() };
            // The literal just found is read past when it is the first instruction.
            let walk_from = if self.prefix_first { (1, read.to) } else { (0, at) };
            match self.walk(hay, walk_from, hay.len(), read, slots, stack, &mut steps) {
                Ok(Some(end)) => return Some(Some(spans(at, end, slots))),
                Ok(None) => from = at + 1,
                Err(Capped) => return None,
            }
        }
        Some(None)
    }

    /// The spans of the whole match and each group of the match at
    /// `start..end` of `hay` (found by the engine); `None` when the walk
    /// ran past its cap, or is in use (a search inside a search).
    pub(super) fn groups(&self, hay: &str, start: usize, end: usize) -> Option<Spans> {
        let mut scratch = self.scratch.try_borrow_mut().ok()?;
        let Scratch { stack, slots } = &mut *scratch;
        let read = Read { origin: start, to: end };
        let matched = self.walk(hay, (0, start), end, read, slots, stack, &mut 0).ok()??;
        (matched == end).then(|| spans(start, end, slots))
    }

    /// Where the first way of matching from instruction `pc` at `at` (up to
    /// `end`) ends, its
    /// group bounds written to `slots`; `Err` past the step cap, which
    /// grows with the text read since `read.origin`.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        hay: &str,
        (mut pc, mut at): (usize, usize),
        end: usize,
        read: Read,
        slots: &mut [Option<usize>],
        stack: &mut Vec<Frame>,
        steps: &mut usize,
    ) -> Result<Option<usize>, Capped> {
        stack.clear();
        slots.fill(None);
        let bytes = hay.as_bytes();
        let mut cap = read.cap(read.to);
        loop {
            *steps += 1;
            if *steps > cap {
                cap = read.cap(at.max(read.to));
                if *steps > cap {
                    return Err(Capped);
                }
            }
            let ok = match &self.prog[pc] {
                Inst::Lit(l) => {
                    // The first byte alone rejects most positions.
                    let ok = bytes.get(at) == l.first()
                        && bytes.get(at..end).is_some_and(|t| t.starts_with(l));
                    if ok {
                        at += l.len();
                        pc += 1;
                    }
                    ok
                }
                Inst::Rep { set, min, max, greedy } => {
                    let mut n = 0;
                    let mut ok = true;
                    while n < *min {
                        match set.len_at(hay, at, end) {
                            Some(k) => (at, n) = (at + k, n + 1),
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if ok && *greedy {
                        let floor = at;
                        while n < *max {
                            match set.len_at(hay, at, end) {
                                Some(k) => (at, n) = (at + k, n + 1),
                                None => break,
                            }
                        }
                        *steps += n as usize;
                        at = self.back_to_follow(pc, hay, at, floor, steps);
                        if at > floor && !self.last[pc] {
                            stack.push(Frame::Greedy { next: pc + 1, at, floor });
                        }
                    } else if ok {
                        *steps += n as usize;
                        match self.lazy_to_follow(pc, hay, at, n, end, steps) {
                            Some((to, taken)) => {
                                (at, n) = (to, taken);
                                if n < *max {
                                    stack.push(Frame::Lazy { rep: pc, at, n });
                                }
                            }
                            None => ok = false,
                        }
                    }
                    pc += 1;
                    ok
                }
                Inst::Save(s) => {
                    stack.push(Frame::Restore { slot: *s, old: slots[*s] });
                    slots[*s] = Some(at);
                    pc += 1;
                    true
                }
                Inst::Look(look) => {
                    pc += 1;
                    look_matches(*look, bytes, at)
                }
                Inst::Split(alts) => {
                    if alts.len() > 1 {
                        stack.push(Frame::Alt { split: pc, i: 1, at });
                    }
                    pc = alts[0];
                    true
                }
                Inst::Jump(to) => {
                    pc = *to;
                    true
                }
                Inst::Match => return Ok(Some(at)),
            };
            if !ok {
                match self.backtrack(hay, end, slots, stack, steps) {
                    Some((to_pc, to_at)) => (pc, at) = (to_pc, to_at),
                    None => return Ok(None),
                }
            }
        }
    }

    /// The next way to try, from the stack (group bounds restored on the
    /// way); `None` when none is left.
    fn backtrack(
        &self,
        hay: &str,
        end: usize,
        slots: &mut [Option<usize>],
        stack: &mut Vec<Frame>,
        steps: &mut usize,
    ) -> Option<(usize, usize)> {
        loop {
            *steps += 1;
            match stack.pop()? {
                Frame::Restore { slot, old } => slots[slot] = old,
                Frame::Greedy { next, at, floor } => {
                    let back = self.back_to_follow(next - 1, hay, prev_char(hay, at), floor, steps);
                    if back > floor {
                        stack.push(Frame::Greedy { next, at: back, floor });
                    }
                    return Some((next, back));
                }
                Frame::Lazy { rep, at, n } => {
                    let Inst::Rep { set, max, .. } = &self.prog[rep] else { return None };
                    if let Some(k) = set.len_at(hay, at, end) {
                        if let Some((at, n)) =
                            self.lazy_to_follow(rep, hay, at + k, n + 1, end, steps)
                        {
                            if n < *max {
                                stack.push(Frame::Lazy { rep, at, n });
                            }
                            return Some((rep + 1, at));
                        }
                    }
                }
                Frame::Alt { split, i, at } => {
                    let Inst::Split(alts) = &self.prog[split] else { return None };
                    if i + 1 < alts.len() {
                        stack.push(Frame::Alt { split, i: i + 1, at });
                    }
                    return Some((alts[i], at));
                }
            }
        }
    }
}

impl Flat {
    /// A greedy repetition (at `rep`) backed off from `at` to the first
    /// position, down to `floor`, where what follows it may match.
    #[inline]
    fn back_to_follow(
        &self,
        rep: usize,
        hay: &str,
        mut at: usize,
        floor: usize,
        steps: &mut usize,
    ) -> usize {
        if let Some(f) = &self.follow[rep] {
            while at > floor && !f.may_start(hay.as_bytes(), at) {
                at = prev_char(hay, at);
                *steps += 1;
            }
        }
        at
    }

    /// A lazy repetition (at `rep`) that took `n` characters up to `at`,
    /// taking more up to the first position where what follows it may
    /// match (or its maximum); `None` when it cannot take one it needs.
    #[inline]
    fn lazy_to_follow(
        &self,
        rep: usize,
        hay: &str,
        mut at: usize,
        mut n: u32,
        end: usize,
        steps: &mut usize,
    ) -> Option<(usize, u32)> {
        let (Inst::Rep { set, max, .. }, Some(f)) = (&self.prog[rep], &self.follow[rep]) else {
            return Some((at, n));
        };
        while n < *max && !f.may_start(hay.as_bytes(), at) {
            at += set.len_at(hay, at, end)?;
            n += 1;
            *steps += 1;
        }
        Some((at, n))
    }
}

/// How much text a walk (or a search's walks) covered: its cap grows with
/// it, from `origin` to the furthest of `to` and where the walk stands.
#[derive(Clone, Copy)]
struct Read {
    origin: usize,
    to: usize,
}

impl Read {
    fn cap(self, to: usize) -> usize {
        STEPS_BASE + STEPS_PER_BYTE * to.saturating_sub(self.origin)
    }
}

/// Group bounds as spans, the whole match `start..end` first.
fn spans(start: usize, end: usize, slots: &[Option<usize>]) -> Spans {
    let mut out = Vec::with_capacity(slots.len() / 2);
    out.push(Some((start, end)));
    out.extend(slots[2..].chunks_exact(2).map(|p| p[0].zip(p[1])));
    out
}

/// The char boundary before `at` (> 0) in `hay`.
#[inline]
fn prev_char(hay: &str, at: usize) -> usize {
    let mut back = at - 1;
    while !hay.is_char_boundary(back) {
        back -= 1;
    }
    back
}

fn look_matches(look: Look, hay: &[u8], at: usize) -> bool {
    match look {
        Look::Start => at == 0,
        Look::End => at == hay.len(),
        Look::StartLF => at == 0 || hay[at - 1] == b'\n',
        Look::EndLF => at == hay.len() || hay[at] == b'\n',
        _ => false,
    }
}

/// The set a single-character pattern matches (a class, or a literal of
/// one character).
fn single_char(hir: &Hir) -> Option<Set> {
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            Some(Set::from_ranges(c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32))))
        }
        // Byte classes over ASCII only (a byte past it would split a character).
        HirKind::Class(Class::Bytes(c)) if c.ranges().iter().all(|r| r.end() < 128) => {
            Some(Set::from_ranges(c.ranges().iter().map(|r| (r.start().into(), r.end().into()))))
        }
        HirKind::Literal(l) => {
            let s = std::str::from_utf8(&l.0).ok()?;
            let mut chars = s.chars();
            let c = chars.next()? as u32;
            chars.next().is_none().then(|| Set::from_ranges(std::iter::once((c, c))))
        }
        _ => None,
    }
}

/// Appends the instructions of `hir`; `None` when it is not flat.
fn emit(hir: &Hir, prog: &mut Vec<Inst>, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH || prog.len() > MAX_INSTS {
        return None;
    }
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Literal(l) => {
            // Whole characters only: a walk never stops inside one.
            std::str::from_utf8(&l.0).ok()?;
            prog.push(Inst::Lit(l.0.clone()));
        }
        HirKind::Class(_) => {
            prog.push(Inst::Rep { set: single_char(hir)?, min: 1, max: 1, greedy: true });
        }
        HirKind::Look(look) => {
            if !matches!(look, Look::Start | Look::End | Look::StartLF | Look::EndLF) {
                return None;
            }
            prog.push(Inst::Look(*look));
        }
        HirKind::Repetition(r) => {
            let set = single_char(&r.sub)?;
            prog.push(Inst::Rep {
                set,
                min: r.min,
                max: r.max.unwrap_or(u32::MAX),
                greedy: r.greedy,
            });
        }
        HirKind::Capture(c) => {
            let slot = 2 * c.index as usize;
            prog.push(Inst::Save(slot));
            emit(&c.sub, prog, depth + 1)?;
            prog.push(Inst::Save(slot + 1));
        }
        HirKind::Concat(subs) => {
            for s in subs {
                emit(s, prog, depth + 1)?;
            }
        }
        HirKind::Alternation(subs) => {
            let split = prog.len();
            prog.push(Inst::Split(Box::new([])));
            let mut starts = Vec::with_capacity(subs.len());
            let mut jumps = Vec::with_capacity(subs.len());
            for s in subs {
                starts.push(prog.len());
                emit(s, prog, depth + 1)?;
                jumps.push(prog.len());
                prog.push(Inst::Jump(0));
            }
            let after = prog.len();
            for j in jumps {
                prog[j] = Inst::Jump(after);
            }
            prog[split] = Inst::Split(starts.into_boxed_slice());
        }
    }
    Some(())
}
