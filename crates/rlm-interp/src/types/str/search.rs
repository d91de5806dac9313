//! Substring search charged as it proceeds (issue #53): a search reads its
//! haystack in growing blocks (`cost::Blocks`), each charged before it is
//! read, and stops at the first match, so `s.find(w, i)` in a loop pays for
//! the bytes between matches, not for the whole string at each call.

use memchr::memmem;

use crate::cost::{Blocks, Rate};
use crate::fault::R;
use crate::vm::Vm;

impl Vm {
    /// The offset of the first `needle` in `hay`, read in growing blocks,
    /// each charged at `rate` before it is searched (and the needle, which
    /// the searcher reads once).
    pub(crate) fn find_in_blocks(
        &mut self,
        hay: &[u8],
        needle: &[u8],
        rate: Rate,
    ) -> R<Option<usize>> {
        if needle.len() > hay.len() {
            return Ok(None);
        }
        self.charge_work(rate, 0, needle.len())?;
        if needle.is_empty() {
            return Ok(Some(0));
        }
        let finder = memmem::Finder::new(needle);
        let overlap = needle.len() - 1;
        let mut blocks = Blocks::new();
        // Candidates start at `from`; `hay[..read]` is paid for.
        let (mut from, mut read) = (0usize, 0usize);
        loop {
            let end = from.saturating_add(blocks.next_len() + overlap).min(hay.len());
            self.charge_span(rate, read, end)?;
            read = end;
            if let Some(p) = finder.find(&hay[from..end]) {
                return Ok(Some(from + p));
            }
            if end == hay.len() {
                return Ok(None);
            }
            from = end - overlap;
        }
    }

    /// The offset of the last `needle` in `hay`, read backwards in growing
    /// blocks, each charged at `rate` before it is searched.
    pub(crate) fn rfind_in_blocks(
        &mut self,
        hay: &[u8],
        needle: &[u8],
        rate: Rate,
    ) -> R<Option<usize>> {
        if needle.len() > hay.len() {
            return Ok(None);
        }
        self.charge_work(rate, 0, needle.len())?;
        if needle.is_empty() {
            return Ok(Some(hay.len()));
        }
        let finder = memmem::FinderRev::new(needle);
        let overlap = needle.len() - 1;
        let mut blocks = Blocks::new();
        // Candidates end at or before `to`; `hay[unread..]` is paid for.
        let (mut to, mut unread) = (hay.len(), hay.len());
        loop {
            let start = to.saturating_sub(blocks.next_len() + overlap);
            self.charge_span(rate, hay.len() - unread, hay.len() - start)?;
            unread = start;
            if let Some(p) = finder.rfind(&hay[start..to]) {
                return Ok(Some(start + p));
            }
            if start == 0 {
                return Ok(None);
            }
            to = start + overlap;
        }
    }

    /// Charges bytes `from..to` of a text read in blocks: the fuel of the
    /// first `to` bytes less that of the first `from`, so that the blocks'
    /// charges add up to the whole read's, unrounded.
    fn charge_span(&mut self, rate: Rate, from: usize, to: usize) -> R<()> {
        let n =
            crate::cost::fuel_for(rate, 0, to as u64) - crate::cost::fuel_for(rate, 0, from as u64);
        if n == 0 {
            return Ok(());
        }
        self.fuel(n)
    }

    /// Whether `needle` occurs in `hay` (`needle in hay`), charged as
    /// [`Vm::find_in_blocks`].
    pub(crate) fn contains_in_blocks(&mut self, hay: &[u8], needle: &[u8], rate: Rate) -> R<bool> {
        Ok(self.find_in_blocks(hay, needle, rate)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use crate::cost::{FIRST_BLOCK, SCAN, fuel_for};
    use crate::limits::Limits;
    use crate::vm::Vm;

    /// A text of `len` bytes with `needle` at `at` (and nowhere else).
    fn text_with(len: usize, needle: &[u8], at: usize) -> Vec<u8> {
        let mut t: Vec<u8> = (0..len).map(|i| b"abcdefgh "[i % 9]).collect();
        t[at..at + needle.len()].copy_from_slice(needle);
        t
    }

    /// The searches find what memchr finds over the whole text, and charge
    /// at least the bytes read up to the match (before reading them) and at
    /// most twice that plus a first block: in proportion to the work, not
    /// to the text.
    #[test]
    fn searches_charge_within_2x_of_the_bytes_read() {
        let len = 3 << 20;
        for needle in [&b"Z"[..], b"ZQ", b"needle in here"] {
            for at in [0usize, 1, 200, 300, 5_000, 70_000, 1 << 20, len - needle.len()] {
                let t = text_with(len, needle, at);
                let mut vm = Vm::new(Limits::default());
                let found = vm.find_in_blocks(&t, needle, SCAN).ok().flatten();
                assert_eq!(found, Some(at), "{needle:?} at {at}");
                let read = (at + needle.len()) as u64;
                let (least, most) = (
                    fuel_for(SCAN, 0, read),
                    2 * fuel_for(SCAN, 0, read + needle.len() as u64)
                        + fuel_for(SCAN, 0, (FIRST_BLOCK + needle.len()) as u64),
                );
                assert!(
                    (least..=most).contains(&vm.fuel_used),
                    "find {needle:?} at {at}: {} not in {least}..={most}",
                    vm.fuel_used
                );
                // Backwards: the bytes from the match to the end.
                let mut vm = Vm::new(Limits::default());
                let found = vm.rfind_in_blocks(&t, needle, SCAN).ok().flatten();
                assert_eq!(found, Some(at), "rfind {needle:?} at {at}");
                let read = (len - at) as u64;
                let (least, most) = (
                    fuel_for(SCAN, 0, read),
                    2 * fuel_for(SCAN, 0, read + needle.len() as u64)
                        + fuel_for(SCAN, 0, (FIRST_BLOCK + needle.len()) as u64),
                );
                assert!(
                    (least..=most).contains(&vm.fuel_used),
                    "rfind {needle:?} at {at}: {} not in {least}..={most}",
                    vm.fuel_used
                );
            }
        }
    }

    /// A needle across every block boundary is found (the blocks overlap
    /// by its length less one), and one that is absent costs the whole text.
    #[test]
    fn matches_across_block_edges_are_found() {
        let needle = b"0123456789";
        let mut edge = 0;
        let mut size = FIRST_BLOCK;
        let mut edges = Vec::new();
        for _ in 0..12 {
            edge += size;
            size = (size * 2).min(crate::cost::MAX_BLOCK);
            edges.push(edge);
        }
        for &e in &edges {
            for back in 1..needle.len() {
                let t = text_with(edge + 100, needle, e - back);
                let mut vm = Vm::new(Limits::default());
                assert_eq!(vm.find_in_blocks(&t, needle, SCAN).ok().flatten(), Some(e - back));
                let mut vm = Vm::new(Limits::default());
                assert_eq!(vm.rfind_in_blocks(&t, needle, SCAN).ok().flatten(), Some(e - back));
                let from_end = t.len() - e + back;
                let t = text_with(from_end + edge, needle, from_end - back);
                let mut vm = Vm::new(Limits::default());
                assert_eq!(
                    vm.rfind_in_blocks(&t, needle, SCAN).ok().flatten(),
                    Some(from_end - back)
                );
            }
        }
        let t = text_with(1 << 20, b"x", 0);
        let mut vm = Vm::new(Limits::default());
        assert_eq!(vm.find_in_blocks(&t, b"needle", SCAN).ok().flatten(), None);
        assert!(vm.fuel_used >= fuel_for(SCAN, 0, 1 << 20));
        assert!(vm.fuel_used <= fuel_for(SCAN, 0, (1 << 20) + 64));
    }

    /// Under a small fuel limit, a search over a large text ends with the
    /// fuel error having read no more than the limit paid for.
    #[test]
    fn the_charge_comes_before_the_block() {
        let t = text_with(8 << 20, b"Z", (8 << 20) - 1);
        let mut vm = Vm::new(Limits { fuel: 1_000, ..Limits::default() });
        assert!(vm.find_in_blocks(&t, b"Z", SCAN).is_err());
        assert!(vm.fuel_used <= 1_001, "{}", vm.fuel_used);
    }
}
