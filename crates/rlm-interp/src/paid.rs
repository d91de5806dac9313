//! What a session has paid for of what its thread shares: the compiled
//! patterns of `re`'s per-thread cache and the compiled formats of
//! `strptime`'s. Each session pays a shared pattern's compile (and each
//! variant's) and its first search once, and a format's compile once,
//! whatever ran before it on the thread, so that its fuel is a function of
//! the program and the host's replies only (issue #53). Part of the meter
//! (issue #59): the modules that keep those caches then charge through the
//! meter alone, not the whole `Vm`. The records are forgotten all at once
//! past a size their cache gives (then paid again).

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A session's records of what it paid once.
#[derive(Default)]
pub(crate) struct Paid {
    /// Patterns by address, each held (so an address is never another
    /// pattern's) with whether its first search was paid too. Held as
    /// `Any`: the core does not know the `re` module's types.
    patterns: HashMap<usize, (Rc<dyn Any>, bool)>,
    /// `strptime` formats whose compile was paid.
    formats: HashSet<Box<str>>,
}

impl Paid {
    /// Records the pattern `p` as compiled by this session; whether it was
    /// already. Past `forget_past` patterns, all are forgotten first.
    pub(crate) fn pattern_compiled<T: Any>(&mut self, p: &Rc<T>, forget_past: usize) -> bool {
        let key = Rc::as_ptr(p) as usize;
        if self.patterns.contains_key(&key) {
            return true;
        }
        if self.patterns.len() >= forget_past {
            self.patterns.clear();
        }
        let held: Rc<dyn Any> = p.clone();
        self.patterns.insert(key, (held, false));
        false
    }

    /// Records the first search of the pattern at `p` in this session:
    /// whether it was already, or `None` when this session did not compile
    /// it (another session handed it over; the pattern keeps its own record
    /// then).
    pub(crate) fn pattern_searched<T>(&mut self, p: &T) -> Option<bool> {
        let (_, searched) = self.patterns.get_mut(&(p as *const T as usize))?;
        Some(std::mem::replace(searched, true))
    }

    /// Records the format `fmt` as compiled by this session; whether it was
    /// already. Past `forget_past` formats, all are forgotten first.
    pub(crate) fn format_compiled(&mut self, fmt: &str, forget_past: usize) -> bool {
        if self.formats.contains(fmt) {
            return true;
        }
        if self.formats.len() >= forget_past {
            self.formats.clear();
        }
        self.formats.insert(fmt.into());
        false
    }
}
