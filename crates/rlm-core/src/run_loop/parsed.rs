//! The programs the loop's own checks read (`evidence.rs`, `repeats.rs`),
//! each parsed once. Every check parsed the program itself: a step's program
//! was parsed four or five times besides the sandbox's own parse, 15% of
//! the README demo's instructions in `rlm serve` (issue #80). A text not
//! among the run's last few comes from the interpreter's parse cache, which
//! holds what the sandbox parsed on this thread: each execution of a
//! server's sessions parsed its program again there.

use std::rc::Rc;

use rlm_syntax::ast::Module;

/// The last few texts parsed, newest last; a step's checks ask for the same
/// one or two (the program, and a FINAL the reply wrote in prose).
const KEPT: usize = 4;

/// Parsed programs of one run, by their exact text.
#[derive(Default)]
pub(crate) struct Parsed {
    recent: Vec<(Box<str>, Option<Rc<Module>>)>,
}

impl Parsed {
    /// `code`'s syntax tree, `None` if it does not parse (the interpreter
    /// reports the error; the checks only need to know).
    pub(crate) fn module(&mut self, code: &str) -> Option<Rc<Module>> {
        if let Some((_, module)) = self.recent.iter().find(|(text, _)| &**text == code) {
            return module.clone();
        }
        // The sandbox parsed the step's program on this thread (its cache
        // answers); a FINAL in prose is parsed here once.
        let module = rlm_interp::parse_cached(code).ok();
        if self.recent.len() == KEPT {
            self.recent.remove(0);
        }
        self.recent.push((code.into(), module.clone()));
        module
    }
}

#[cfg(test)]
mod tests {
    use super::{KEPT, Parsed};
    use std::rc::Rc;

    #[test]
    fn a_text_is_parsed_once_while_it_is_among_the_last_few() {
        let mut parsed = Parsed::default();
        let first = parsed.module("x = 1").expect("parses");
        assert!(Rc::ptr_eq(&first, &parsed.module("x = 1").expect("parses")));
        assert!(parsed.module("x = (").is_none());
        for i in 0..KEPT {
            parsed.module(&format!("y = {i}"));
        }
        // Pushed out of the run's memo: the interpreter's cache of this
        // thread answers with the same tree.
        let again = parsed.module("x = 1").expect("parses");
        assert!(Rc::ptr_eq(&first, &again), "the thread's parse cache holds it");
        assert_eq!(*first, *again);
    }
}
