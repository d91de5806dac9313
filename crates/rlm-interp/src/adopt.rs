//! Values the host makes outside any session (a model's reply, an
//! embedder's global) join the session they are handed to: strings and
//! tuples move their charge from the thread's detached account to the
//! session's, containers are registered with the session (they were not
//! registered while detached, see `gc`), and so on through what they hold.
//! Values made by a session, this one or another, stay charged to their
//! maker and are not entered.

use std::rc::Rc;

use crate::mem::AccountRef;
use crate::value::Value;

/// Charge `v`, and everything made outside any session that it holds, to
/// `to`. Runs with `to` current (the caller has entered it: registering a
/// container registers it with the current account). Iterative, so a deep
/// value cannot overflow the stack; each object is entered once (a tuple
/// adopted or a container registered is not adopted again), so cycles end.
pub(crate) fn adopt(v: &Value, to: &AccountRef) {
    let mut todo: Vec<Value> = vec![v.clone()];
    let mut registered = false;
    while let Some(v) = todo.pop() {
        registered |= matches!(
            &v,
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Deque(_)
        );
        match &v {
            Value::Str(s) => s.adopt(to),
            // Adopting it is the guard: only a tuple that moved is entered.
            Value::Tuple(t) if t.adopt(to) => todo.extend(t.iter().cloned()),
            // A registered container (a weak reference in some account's
            // registry) was made in a session: it stays with its maker.
            Value::List(l) if Rc::weak_count(l) == 0 => {
                crate::gc::Track::track(l);
                if let Ok(items) = l.try_borrow() {
                    todo.extend(items.iter().cloned());
                }
            }
            Value::Dict(d) if Rc::weak_count(d) == 0 => {
                crate::gc::Track::track(d);
                if let Ok(d) = d.try_borrow() {
                    for (k, x) in d.map.iter() {
                        todo.push(k.0.clone());
                        todo.push(x.clone());
                    }
                }
            }
            Value::Set(s) if Rc::weak_count(s) == 0 => {
                crate::gc::Track::track(s);
                if let Ok(s) = s.try_borrow() {
                    todo.extend(s.iter().map(|k| k.0.clone()));
                }
            }
            Value::FrozenSet(s) if Rc::weak_count(s) == 0 => {
                crate::gc::Track::track(s);
                todo.extend(s.iter().map(|k| k.0.clone()));
            }
            Value::Deque(d) if Rc::weak_count(d) == 0 => {
                crate::gc::Track::track(d);
                if let Ok(items) = d.try_borrow() {
                    todo.extend(items.iter().cloned());
                }
            }
            _ => {}
        }
    }
    // A container made outside the session may hold a cycle made before the
    // session's registry could see the store that made it.
    if registered {
        crate::gc::note_adopted();
    }
}
