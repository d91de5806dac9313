//! CPython 3.11's `listsort` (`Objects/listobject.c`), comparison for
//! comparison: natural runs (`count_run`), short runs extended by binary
//! insertion (`binarysort`) to `minrun`, runs merged by the powersort
//! policy (`found_new_run`, `powerloop`, `merge_force_collapse`), each merge
//! trimmed by galloping (`gallop_left`, `gallop_right`) and done from the
//! smaller side (`merge_lo`, `merge_hi`) with galloping mode and its
//! adaptive `min_gallop`. The same comparisons in the same order as
//! CPython's, so an inconsistent order (`nan`, a `cmp_to_key` function that
//! lies) gives CPython's result, an error is raised at CPython's
//! comparison, and the slots always hold every element (a failed merge
//! copies its temporary run back, as CPython's does).
//!
//! It sorts a slice of `usize` (the items' indices); `lt(x, y)` is
//! `key(x) < key(y)` and may fail.

use crate::fault::R;

/// Galloping starts after this many wins in a row (`MIN_GALLOP`).
const MIN_GALLOP: usize = 7;

/// A run waiting to be merged: where it starts, its length, and the power
/// of its boundary with the next run.
#[derive(Clone, Copy)]
struct Run {
    base: usize,
    len: usize,
    power: u32,
}

struct MergeState<'a, F> {
    a: &'a mut [usize],
    lt: F,
    min_gallop: usize,
    pending: Vec<Run>,
    tmp: Vec<usize>,
}

/// Sorts `a` stably by `lt`, as CPython's `list.sort` does.
pub(crate) fn timsort<F: FnMut(usize, usize) -> R<bool>>(a: &mut [usize], lt: F) -> R<()> {
    let n = a.len();
    if n < 2 {
        return Ok(());
    }
    let mut ms = MergeState { a, lt, min_gallop: MIN_GALLOP, pending: Vec::new(), tmp: Vec::new() };
    let minrun = compute_minrun(n);
    let mut lo = 0;
    let mut remaining = n;
    while remaining > 0 {
        let (mut run, descending) = ms.count_run(lo, lo + remaining)?;
        if descending {
            ms.a[lo..lo + run].reverse();
        }
        if run < minrun {
            let force = remaining.min(minrun);
            ms.binarysort(lo, lo + force, lo + run)?;
            run = force;
        }
        ms.found_new_run(run, n)?;
        ms.pending.push(Run { base: lo, len: run, power: 0 });
        lo += run;
        remaining -= run;
    }
    ms.force_collapse()
}

/// `merge_compute_minrun`.
fn compute_minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// `powerloop`: the power of the boundary between the runs at `s1` (of
/// `n1`) and after it (of `n2`), in a list of `n`.
fn powerloop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

impl<F: FnMut(usize, usize) -> R<bool>> MergeState<'_, F> {
    fn lt(&mut self, x: usize, y: usize) -> R<bool> {
        (self.lt)(x, y)
    }

    /// `count_run`: the length of the run at `lo` (before `hi`), and
    /// whether it is strictly descending.
    fn count_run(&mut self, lo: usize, hi: usize) -> R<(usize, bool)> {
        let mut i = lo + 1;
        if i == hi {
            return Ok((1, false));
        }
        let mut n = 2;
        if self.lt(self.a[i], self.a[i - 1])? {
            i += 1;
            while i < hi {
                if !self.lt(self.a[i], self.a[i - 1])? {
                    break;
                }
                i += 1;
                n += 1;
            }
            return Ok((n, true));
        }
        i += 1;
        while i < hi {
            if self.lt(self.a[i], self.a[i - 1])? {
                break;
            }
            i += 1;
            n += 1;
        }
        Ok((n, false))
    }

    /// `binarysort`: `a[lo..hi]` sorted, `a[lo..start]` being sorted.
    fn binarysort(&mut self, lo: usize, hi: usize, mut start: usize) -> R<()> {
        if lo == start {
            start += 1;
        }
        while start < hi {
            let pivot = self.a[start];
            let (mut l, mut r) = (lo, start);
            while l < r {
                let p = l + ((r - l) >> 1);
                if self.lt(pivot, self.a[p])? {
                    r = p;
                } else {
                    l = p + 1;
                }
            }
            self.a.copy_within(l..start, l + 1);
            self.a[l] = pivot;
            start += 1;
        }
        Ok(())
    }

    /// `found_new_run`: the runs on the stack whose boundary is more
    /// powerful than the new run's merged first.
    fn found_new_run(&mut self, n2: usize, n: usize) -> R<()> {
        let Some(top) = self.pending.last().copied() else { return Ok(()) };
        let power = powerloop(top.base, top.len, n2, n);
        while self.pending.len() > 1 && self.pending[self.pending.len() - 2].power > power {
            self.merge_at(self.pending.len() - 2)?;
        }
        if let Some(top) = self.pending.last_mut() {
            top.power = power;
        }
        Ok(())
    }

    /// `merge_force_collapse`.
    fn force_collapse(&mut self) -> R<()> {
        while self.pending.len() > 1 {
            let p = &self.pending;
            let mut n = p.len() - 2;
            if n > 0 && p[n - 1].len < p[n + 1].len {
                n -= 1;
            }
            self.merge_at(n)?;
        }
        Ok(())
    }

    /// `merge_at`: runs `i` and `i + 1` merged into run `i`.
    fn merge_at(&mut self, i: usize) -> R<()> {
        let (ra, rb) = (self.pending[i], self.pending[i + 1]);
        self.pending[i].len = ra.len + rb.len;
        self.pending.remove(i + 1);
        let (mut base_a, mut na) = (ra.base, ra.len);
        let (base_b, nb) = (rb.base, rb.len);
        // Where b's first belongs in a: what is before it stays.
        let k = self.gallop_right(self.a[base_b], base_a, na, 0)?;
        base_a += k;
        na -= k;
        if na == 0 {
            return Ok(());
        }
        // Where a's last belongs in b: what is after it stays.
        let nb = self.gallop_left(self.a[base_a + na - 1], base_b, nb, nb - 1)?;
        if nb == 0 {
            return Ok(());
        }
        if na <= nb {
            self.merge_lo(base_a, na, base_b, nb)
        } else {
            self.merge_hi(base_a, na, base_b, nb)
        }
    }

    /// The value at `base + i` of the slots, or of the temporary run.
    fn at(&self, in_tmp: bool, i: usize) -> usize {
        if in_tmp { self.tmp[i] } else { self.a[i] }
    }

    /// `gallop_left`: where `key` goes in the `n` slots from `base` (in the
    /// temporary run when `in_tmp`) before any equal one, searching from
    /// `hint`.
    fn gallop_left_in(
        &mut self,
        key: usize,
        in_tmp: bool,
        base: usize,
        n: usize,
        hint: usize,
    ) -> R<usize> {
        let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
        let (n, hint) = (n as isize, hint as isize);
        let at = |s: &Self, i: isize| s.at(in_tmp, base + i as usize);
        if self.lt(at(self, hint), key)? {
            let maxofs = n - hint;
            while ofs < maxofs {
                if self.lt(at(self, hint + ofs), key)? {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            ofs = ofs.min(maxofs);
            lastofs += hint;
            ofs += hint;
        } else {
            let maxofs = hint + 1;
            while ofs < maxofs {
                if self.lt(at(self, hint - ofs), key)? {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            ofs = ofs.min(maxofs);
            (lastofs, ofs) = (hint - ofs, hint - lastofs);
        }
        lastofs += 1;
        while lastofs < ofs {
            let m = lastofs + ((ofs - lastofs) >> 1);
            if self.lt(at(self, m), key)? {
                lastofs = m + 1;
            } else {
                ofs = m;
            }
        }
        Ok(ofs as usize)
    }

    /// `gallop_right`: where `key` goes in the `n` slots from `base` (in
    /// the temporary run when `in_tmp`) after any equal one, searching from
    /// `hint`.
    fn gallop_right_in(
        &mut self,
        key: usize,
        in_tmp: bool,
        base: usize,
        n: usize,
        hint: usize,
    ) -> R<usize> {
        let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
        let (n, hint) = (n as isize, hint as isize);
        let at = |s: &Self, i: isize| s.at(in_tmp, base + i as usize);
        if self.lt(key, at(self, hint))? {
            let maxofs = hint + 1;
            while ofs < maxofs {
                if self.lt(key, at(self, hint - ofs))? {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            ofs = ofs.min(maxofs);
            (lastofs, ofs) = (hint - ofs, hint - lastofs);
        } else {
            let maxofs = n - hint;
            while ofs < maxofs {
                if self.lt(key, at(self, hint + ofs))? {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            ofs = ofs.min(maxofs);
            lastofs += hint;
            ofs += hint;
        }
        lastofs += 1;
        while lastofs < ofs {
            let m = lastofs + ((ofs - lastofs) >> 1);
            if self.lt(key, at(self, m))? {
                ofs = m;
            } else {
                lastofs = m + 1;
            }
        }
        Ok(ofs as usize)
    }

    fn gallop_left(&mut self, key: usize, base: usize, n: usize, hint: usize) -> R<usize> {
        self.gallop_left_in(key, false, base, n, hint)
    }

    fn gallop_right(&mut self, key: usize, base: usize, n: usize, hint: usize) -> R<usize> {
        self.gallop_right_in(key, false, base, n, hint)
    }

    /// `merge_lo`: run a (`na` at `pa`, the shorter, copied out) merged
    /// with run b (`nb` at `pb`) from the left. Whatever happens, the slots
    /// end holding every element.
    fn merge_lo(&mut self, pa: usize, na: usize, pb: usize, nb: usize) -> R<()> {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.a[pa..pa + na]);
        let mut st = Lo { dest: pa, a: 0, na, b: pb, nb };
        let r = self.merge_lo_steps(&mut st);
        match r {
            Ok(true) => {
                // CopyB: a's last element goes after what is left of b.
                self.a.copy_within(st.b..st.b + st.nb, st.dest);
                self.a[st.dest + st.nb] = self.tmp[st.a];
                Ok(())
            }
            other => {
                // Succeed or Fail: what is left of a goes back.
                self.a[st.dest..st.dest + st.na].copy_from_slice(&self.tmp[st.a..st.a + st.na]);
                other.map(|_| ())
            }
        }
    }

    /// `merge_lo`'s loop: `Ok(true)` for its `CopyB` ending, `Ok(false)` for
    /// `Succeed`.
    fn merge_lo_steps(&mut self, s: &mut Lo) -> R<bool> {
        self.a[s.dest] = self.a[s.b];
        (s.dest, s.b, s.nb) = (s.dest + 1, s.b + 1, s.nb - 1);
        if s.nb == 0 {
            return Ok(false);
        }
        if s.na == 1 {
            return Ok(true);
        }
        let mut min_gallop = self.min_gallop;
        loop {
            let (mut acount, mut bcount) = (0, 0);
            loop {
                if self.lt(self.a[s.b], self.tmp[s.a])? {
                    self.a[s.dest] = self.a[s.b];
                    (s.dest, s.b, s.nb) = (s.dest + 1, s.b + 1, s.nb - 1);
                    bcount += 1;
                    acount = 0;
                    if s.nb == 0 {
                        return Ok(false);
                    }
                    if bcount >= min_gallop {
                        break;
                    }
                } else {
                    self.a[s.dest] = self.tmp[s.a];
                    (s.dest, s.a, s.na) = (s.dest + 1, s.a + 1, s.na - 1);
                    acount += 1;
                    bcount = 0;
                    if s.na == 1 {
                        return Ok(true);
                    }
                    if acount >= min_gallop {
                        break;
                    }
                }
            }
            min_gallop += 1;
            loop {
                min_gallop -= usize::from(min_gallop > 1);
                self.min_gallop = min_gallop;
                let k = self.gallop_right_in(self.a[s.b], true, s.a, s.na, 0)?;
                acount = k;
                if k > 0 {
                    self.a[s.dest..s.dest + k].copy_from_slice(&self.tmp[s.a..s.a + k]);
                    (s.dest, s.a, s.na) = (s.dest + k, s.a + k, s.na - k);
                    if s.na == 1 {
                        return Ok(true);
                    }
                    // Impossible with a consistent order, but possible.
                    if s.na == 0 {
                        return Ok(false);
                    }
                }
                self.a[s.dest] = self.a[s.b];
                (s.dest, s.b, s.nb) = (s.dest + 1, s.b + 1, s.nb - 1);
                if s.nb == 0 {
                    return Ok(false);
                }
                let k = self.gallop_left(self.tmp[s.a], s.b, s.nb, 0)?;
                bcount = k;
                if k > 0 {
                    self.a.copy_within(s.b..s.b + k, s.dest);
                    (s.dest, s.b, s.nb) = (s.dest + k, s.b + k, s.nb - k);
                    if s.nb == 0 {
                        return Ok(false);
                    }
                }
                self.a[s.dest] = self.tmp[s.a];
                (s.dest, s.a, s.na) = (s.dest + 1, s.a + 1, s.na - 1);
                if s.na == 1 {
                    return Ok(true);
                }
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            min_gallop += 1;
            self.min_gallop = min_gallop;
        }
    }

    /// `merge_hi`: run a (`na` at `pa`) merged with run b (`nb` at `pb`,
    /// the shorter, copied out) from the right. Whatever happens, the
    /// slots end holding every element.
    fn merge_hi(&mut self, pa: usize, na: usize, pb: usize, nb: usize) -> R<()> {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.a[pb..pb + nb]);
        // Positions are of the last element of each part (one past it
        // when the part is empty), counted from the slots' start plus one
        // so that they never go below zero.
        let mut st = Hi { dest: pb + nb, a: pa + na, na, b: nb, nb, base_a: pa };
        let r = self.merge_hi_steps(&mut st);
        match r {
            Ok(true) => {
                // CopyA: b's first element goes before what is left of a.
                let (dest, a) = (st.dest - 1, st.a - 1);
                self.a.copy_within(a + 1 - st.na..a + 1, dest + 1 - st.na);
                self.a[dest - st.na] = self.tmp[st.b - 1];
                Ok(())
            }
            other => {
                // Succeed or Fail: what is left of b goes back.
                if st.nb > 0 {
                    let dest = st.dest - 1;
                    self.a[dest + 1 - st.nb..dest + 1].copy_from_slice(&self.tmp[..st.nb]);
                }
                other.map(|_| ())
            }
        }
    }

    /// `merge_hi`'s loop: `Ok(true)` for its `CopyA` ending, `Ok(false)` for
    /// `Succeed`. `s.dest`, `s.a` and `s.b` are one past the current
    /// element (of the slots, the slots and the temporary run).
    fn merge_hi_steps(&mut self, s: &mut Hi) -> R<bool> {
        self.a[s.dest - 1] = self.a[s.a - 1];
        (s.dest, s.a, s.na) = (s.dest - 1, s.a - 1, s.na - 1);
        if s.na == 0 {
            return Ok(false);
        }
        if s.nb == 1 {
            return Ok(true);
        }
        let mut min_gallop = self.min_gallop;
        loop {
            let (mut acount, mut bcount) = (0, 0);
            loop {
                if self.lt(self.tmp[s.b - 1], self.a[s.a - 1])? {
                    self.a[s.dest - 1] = self.a[s.a - 1];
                    (s.dest, s.a, s.na) = (s.dest - 1, s.a - 1, s.na - 1);
                    acount += 1;
                    bcount = 0;
                    if s.na == 0 {
                        return Ok(false);
                    }
                    if acount >= min_gallop {
                        break;
                    }
                } else {
                    self.a[s.dest - 1] = self.tmp[s.b - 1];
                    (s.dest, s.b, s.nb) = (s.dest - 1, s.b - 1, s.nb - 1);
                    bcount += 1;
                    acount = 0;
                    if s.nb == 1 {
                        return Ok(true);
                    }
                    if bcount >= min_gallop {
                        break;
                    }
                }
            }
            min_gallop += 1;
            loop {
                min_gallop -= usize::from(min_gallop > 1);
                self.min_gallop = min_gallop;
                let k = self.gallop_right(self.tmp[s.b - 1], s.base_a, s.na, s.na - 1)?;
                let k = s.na - k;
                acount = k;
                if k > 0 {
                    // a's last k move to the end of dest.
                    self.a.copy_within(s.a - k..s.a, s.dest - k);
                    (s.dest, s.a, s.na) = (s.dest - k, s.a - k, s.na - k);
                    if s.na == 0 {
                        return Ok(false);
                    }
                }
                self.a[s.dest - 1] = self.tmp[s.b - 1];
                (s.dest, s.b, s.nb) = (s.dest - 1, s.b - 1, s.nb - 1);
                if s.nb == 1 {
                    return Ok(true);
                }
                let k = self.gallop_left_in(self.a[s.a - 1], true, 0, s.nb, s.nb - 1)?;
                let k = s.nb - k;
                bcount = k;
                if k > 0 {
                    self.a[s.dest - k..s.dest].copy_from_slice(&self.tmp[s.b - k..s.b]);
                    (s.dest, s.b, s.nb) = (s.dest - k, s.b - k, s.nb - k);
                    if s.nb == 1 {
                        return Ok(true);
                    }
                    // Impossible with a consistent order, but possible.
                    if s.nb == 0 {
                        return Ok(false);
                    }
                }
                self.a[s.dest - 1] = self.a[s.a - 1];
                (s.dest, s.a, s.na) = (s.dest - 1, s.a - 1, s.na - 1);
                if s.na == 0 {
                    return Ok(false);
                }
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            min_gallop += 1;
            self.min_gallop = min_gallop;
        }
    }
}

/// `merge_lo`'s cursors: the next slot to fill, a's next (in the
/// temporary run) and how many are left, b's next and how many are left.
struct Lo {
    dest: usize,
    a: usize,
    na: usize,
    b: usize,
    nb: usize,
}

/// `merge_hi`'s cursors, each one past its current element: the slot to
/// fill, a's last (in the slots) and how many are left, b's last (in the
/// temporary run) and how many are left; and where a starts.
struct Hi {
    dest: usize,
    a: usize,
    na: usize,
    b: usize,
    nb: usize,
    base_a: usize,
}
