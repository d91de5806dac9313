//! Parsed programs, kept per thread and keyed by their source: models resend
//! the same cell (a retry, the same helper in every turn, the same program
//! per sub-RLM), and parsing is most of a small cell's start-up. Parsing is
//! a pure function of the source, so a hit is exactly what a parse would
//! give; compiling stays per session (it assigns the session's global slots).
//! Bounded: sources up to `MAX_SOURCE` bytes, `CAPACITY` of them, the oldest
//! replaced first.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::rc::Rc;

use rlm_syntax::ast::Module;

/// Longer programs take long enough to run that their parse does not matter.
const MAX_SOURCE: usize = 8 * 1024;
const CAPACITY: usize = 32;

struct Entry {
    hash: u64,
    source: Box<str>,
    module: Rc<Module>,
}

#[derive(Default)]
struct Cache {
    entries: Vec<Entry>,
    /// Where the next new entry goes once the cache is full.
    next: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// `rlm_syntax::parse(source)`, from the cache when this thread parsed the
/// same source recently. Errors are not kept (they are rare and rendered
/// from the source anyway).
pub(crate) fn parse(source: &str) -> Result<Rc<Module>, rlm_syntax::ParseError> {
    if source.len() > MAX_SOURCE {
        return rlm_syntax::parse(source).map(Rc::new);
    }
    // A filter before comparing sources (which a hit always does).
    let hash = foldhash::quality::FixedState::default().hash_one(source);
    let hit = CACHE.try_with(|c| {
        c.borrow()
            .entries
            .iter()
            .find(|e| e.hash == hash && &*e.source == source)
            .map(|e| e.module.clone())
    });
    if let Ok(Some(module)) = hit {
        return Ok(module);
    }
    let module = Rc::new(rlm_syntax::parse(source)?);
    let _ = CACHE.try_with(|c| {
        let mut c = c.borrow_mut();
        let entry = Entry { hash, source: source.into(), module: module.clone() };
        if c.entries.len() < CAPACITY {
            c.entries.push(entry);
        } else {
            let at = c.next % CAPACITY;
            c.entries[at] = entry;
            c.next = at + 1;
        }
    });
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_is_the_same_parse_and_the_cache_stays_bounded() {
        let a = parse("x = 1\nprint(x)").ok();
        let b = parse("x = 1\nprint(x)").ok();
        assert!(matches!((&a, &b), (Some(a), Some(b)) if Rc::ptr_eq(a, b)));
        assert!(parse("x = (").is_err());
        for i in 0..(CAPACITY * 2) {
            assert!(parse(&format!("y = {i}")).is_ok());
        }
        let len = CACHE.with(|c| c.borrow().entries.len());
        assert_eq!(len, CAPACITY);
        // The first entry was replaced: a new parse, equal in meaning.
        let c = parse("x = 1\nprint(x)").ok();
        assert!(matches!((&a, &c), (Some(a), Some(c)) if !Rc::ptr_eq(a, c)));
    }
}
