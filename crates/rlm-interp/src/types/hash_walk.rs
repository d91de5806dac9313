//! A key's hash (`Key`, `KeyRef`): the keys programs use most (strings,
//! whose hash is cached, and ints) hashed inline, every other value through
//! its type's hash (`PyType::hash`, reached through `dispatch.rs`) in a walk
//! held to a depth, and the values of no protocol type (functions, types,
//! modules' objects) here. Beside the keys' equality (`eq_walk.rs`): the
//! value layer holds a key's data, not how it hashes.

use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::types::protocol::HashWalk;
use crate::value::*;

/// Below this depth a tuple key's items are not hashed (only its length):
/// keys are validated shallower than the nesting cap (`equality::key`), and
/// a hash that stops at a fixed depth still agrees with equality.
const MAX_HASH_DEPTH: usize = 256;

// Inline: every dict lookup and store hashes a key, most often a string
// (the `word_count` bench's counts paid 40 Ir a lookup for the call when
// LLVM left it out of line).
impl Hash for Key {
    #[inline(always)]
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(&self.0, state)
    }
}

impl Hash for KeyRef<'_> {
    #[inline(always)]
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.0, state)
    }
}

/// A key's hash, strings and ints inline: every dict lookup hashes its key,
/// and the general dispatch cost a call and a jump table each.
#[inline(always)]
fn hash_key<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Str(s) => s.hash_code().hash(state),
        Value::Int(i) => i.hash(state),
        other => hash_nested(other, state, 0),
    }
}

/// The walk as a type's hash sees it: one call of [`hash_nested`] deep.
struct Walk<'a, H> {
    state: &'a mut H,
    depth: usize,
}

impl<H: Hasher> HashWalk for Walk<'_, H> {
    type State = H;

    #[inline]
    fn state(&mut self) -> &mut H {
        self.state
    }

    #[inline]
    fn item(&mut self, v: &Value) {
        if self.depth < MAX_HASH_DEPTH {
            hash_nested(v, self.state, self.depth + 1)
        }
    }
}

fn hash_nested<H: Hasher>(v: &Value, state: &mut H, depth: usize) {
    let hashed = crate::types::dispatch::hash(v, &mut Walk { state: &mut *state, depth });
    match hashed {
        Ok(Some(())) => {}
        // An unhashable value is never a key (`equality::key` refused it):
        // a constant keeps the hash total.
        Ok(None) => 0u8.hash(state),
        Err(()) => hash_other(v, state, depth),
    }
}

/// The hash of a value of no protocol type, agreeing with its equality
/// (`eq_walk.rs`): functions and exceptions are equal only to themselves
/// and hash by their address; built-in functions, modules and types by
/// their names.
fn hash_other<H: Hasher>(v: &Value, state: &mut H, depth: usize) {
    match v {
        Value::None => 0u8.hash(state),
        Value::Type(t) => t.name().hash(state),
        Value::Func(f) => (Rc::as_ptr(f) as usize).hash(state),
        Value::Exc(e) => (Rc::as_ptr(e) as usize).hash(state),
        Value::Builtin(b) => {
            b.name.hash(state);
            b.module.hash(state);
        }
        Value::Module(m) => m.name.hash(state),
        // `re.IGNORECASE`: as the int it equals.
        Value::Native(n) if n.as_int().is_some() => n.as_int().unwrap_or(0).hash(state),
        // `sys.version_info`, `date.isocalendar()`: as the tuple they equal.
        Value::Native(_) if Native::as_tuple(v).is_some() => {
            if let Some(t) = Native::as_tuple(v) {
                hash_nested(t, state, depth)
            }
        }
        // The rest (dates, bound methods, host objects) equal by rules of
        // their own: one hash for all, which equality sorts out.
        _ => 1u8.hash(state),
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use crate::value::{Key, Value};

    fn hash_of(v: &Value) -> u64 {
        // One fixed seed: the hashes of one run compared with each other.
        foldhash::fast::FixedState::with_seed(7).hash_one(Key(v.clone()))
    }

    fn global(s: &crate::Interpreter, name: &str) -> Value {
        s.get_global(name).unwrap_or(Value::None)
    }

    /// Functions are keys by identity, each hashed by its own address: they
    /// once all hashed to one shared address, so every function key of a
    /// dict collided with every other.
    #[test]
    fn distinct_functions_hash_apart_and_each_alike_each_time() {
        let mut s = crate::Interpreter::default();
        let _ = s.run_cell("def f(): pass\ndef g(): pass\nh = lambda: 0\nf2 = f");
        let (f, g, h, f2) = (global(&s, "f"), global(&s, "g"), global(&s, "h"), global(&s, "f2"));
        assert!(matches!(f, Value::Func(_)) && matches!(g, Value::Func(_)));
        assert_ne!(hash_of(&f), hash_of(&g));
        assert_ne!(hash_of(&f), hash_of(&h));
        assert_ne!(hash_of(&g), hash_of(&h));
        assert_eq!(hash_of(&f), hash_of(&f2));
    }

    /// Values that are equal hash alike across types: `1 == 1.0 == True`,
    /// a tuple of them, and `range(0) == range(5, 5)`.
    #[test]
    fn equal_values_of_different_types_hash_alike() {
        let mut s = crate::Interpreter::default();
        let _ = s.run_cell(
            "a = (1, 'x', (2.0, True))\nb = (True, 'x', (2, 1.0))\nr = range(0)\nq = range(5, 5)",
        );
        assert_eq!(hash_of(&global(&s, "a")), hash_of(&global(&s, "b")));
        assert_eq!(hash_of(&global(&s, "r")), hash_of(&global(&s, "q")));
        assert_eq!(hash_of(&Value::Int(3)), hash_of(&Value::Float(3.0)));
    }
}
