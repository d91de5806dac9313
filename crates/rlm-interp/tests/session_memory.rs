//! The memory count is per session, not per thread: sessions interleaved on
//! one thread (a host running several sandboxes, a nested sub-RLM run from
//! inside another session's host function) never see each other's bytes,
//! and each is held to its own budget.

use std::cell::RefCell;
use std::rc::Rc;

use rlm_interp::{HostFunc, HostReturn, Interpreter, Limits, Outcome, Value};

const MIB: usize = 1 << 20;

fn session(budget_mib: usize) -> Interpreter {
    Interpreter::new(Limits { memory_bytes: budget_mib * MIB, ..Limits::default() })
}

fn done(o: Outcome) {
    assert!(matches!(o, Outcome::Done), "expected Done, got {o:?}");
}

/// Bytes the session counts, brought up to date.
fn live(s: &mut Interpreter) -> usize {
    s.synced_memory_bytes() as usize
}

#[test]
fn two_sessions_on_one_thread_count_only_their_own_values() {
    let mut a = session(64);
    let mut b = session(64);
    let (a0, b0) = (live(&mut a), live(&mut b));
    done(a.run_cell("x = 'a' * (20 * 1024 * 1024)\ny = [i for i in range(100000)]"));
    let a1 = live(&mut a);
    assert!(a1 >= a0 + 20 * MIB, "a holds its 20 MiB string: {a0} -> {a1}");
    assert_eq!(live(&mut b), b0, "b's count does not move when a allocates");
    assert_eq!(b.live_memory_bytes() as usize, b0, "nor its O(1) running count");

    done(b.run_cell("z = 'b' * (10 * 1024 * 1024)"));
    let b1 = live(&mut b);
    assert!(b1 >= b0 + 10 * MIB && b1 < b0 + 12 * MIB, "b counts its 10 MiB: {b0} -> {b1}");
    assert_eq!(live(&mut a), a1, "a's count does not move when b allocates");

    // Freeing in one session credits that session only.
    done(a.run_cell("del x"));
    let a2 = live(&mut a);
    assert!(a2 + 20 * MIB <= a1 + MIB, "a is credited its string: {a1} -> {a2}");
    assert_eq!(live(&mut b), b1);
}

#[test]
fn interleaved_sessions_are_each_held_to_their_own_budget() {
    // Each holds 40 MiB of a 64 MiB budget while suspended at a host call:
    // counted per thread, the second would see 80 MiB and fail.
    let mut a = session(64);
    let mut b = session(64);
    let prog = "big = 'q' * (40 * 1024 * 1024)\nr = llm_query('go')\nprint(len(big), r)";
    let Outcome::Suspended(calls_a) = a.run_cell(prog) else { panic!("a should suspend") };
    let Outcome::Suspended(calls_b) = b.run_cell(prog) else { panic!("b should suspend") };
    for (s, calls) in [(&mut a, calls_a), (&mut b, calls_b)] {
        for c in calls {
            s.answer(c.id, Ok(Value::str("ok"))).expect("pending call");
        }
    }
    done(a.resume());
    done(b.resume());
    assert_eq!(a.take_output(), "41943040 ok\n");
    assert_eq!(b.take_output(), "41943040 ok\n");

    // A third session over its own budget still fails, on its own count.
    let mut c = session(32);
    match c.run_cell("big = 'q' * (40 * 1024 * 1024)") {
        Outcome::Error(e) => assert!(e.message.contains("memory"), "{}", e.message),
        o => panic!("expected a memory error, got {o:?}"),
    }
}

#[test]
fn a_session_nested_in_a_host_function_counts_apart_from_its_parent() {
    // The parent calls `child()`, an inline host function that runs a whole
    // other session on the same thread while the parent's cell is running.
    let seen: Rc<RefCell<Vec<usize>>> = Rc::new(RefCell::new(Vec::new()));
    let seen_in = seen.clone();
    let mut parent = session(64);
    parent.register(
        "child",
        HostFunc::Inline(Rc::new(move |_args, _kwargs| {
            let mut child = session(32);
            let before = child.synced_memory_bytes() as usize;
            // 24 MiB in a 32 MiB child while the parent holds 40 MiB.
            let out = child.run_cell("c = 'c' * (24 * 1024 * 1024)\nn = len(c)");
            assert!(matches!(out, Outcome::Done), "child: {out:?}");
            seen_in.borrow_mut().push(child.synced_memory_bytes() as usize - before);
            Ok(HostReturn::Value(Value::Int(1)))
        })),
    );
    let before = live(&mut parent);
    done(parent.run_cell("p = 'p' * (40 * 1024 * 1024)\nk = child()\nq = 'r' * 1000"));
    let grown = live(&mut parent) - before;
    assert!((40 * MIB..41 * MIB).contains(&grown), "parent counts its own 40 MiB only: {grown}");
    let child_grown = seen.borrow()[0];
    assert!((24 * MIB..25 * MIB).contains(&child_grown), "child counts its 24 MiB: {child_grown}");
}

#[test]
fn a_value_passed_between_sessions_stays_charged_to_the_one_that_made_it() {
    let mut a = session(64);
    let mut b = session(64);
    done(a.run_cell("s = 'x' * (8 * 1024 * 1024)"));
    let s = a.get_global("s").expect("s");
    let b0 = live(&mut b);
    b.set_global("t", s);
    done(b.run_cell("u = len(t)"));
    assert!(live(&mut b) < b0 + MIB, "b did not make the string");
    done(a.run_cell("del s"));
    let a_held = live(&mut a);
    assert!(a_held >= 8 * MIB, "a's string lives on in b: still a's ({a_held})");
    done(b.run_cell("del t"));
    assert!(live(&mut a) + 8 * MIB <= a_held + MIB, "dropped in b, credited to a");
}

/// Run `prog` (one `llm_query`) and answer it with what `reply` makes: the
/// host makes its reply outside any session, as a model client does.
fn answered_with(budget_mib: usize, prog: &str, reply: impl Fn() -> Value) -> Interpreter {
    let mut s = session(budget_mib);
    let Outcome::Suspended(calls) = s.run_cell(prog) else { panic!("should suspend") };
    for c in calls {
        s.answer(c.id, Ok(reply())).expect("pending call");
    }
    s
}

#[test]
fn a_model_reply_is_charged_to_the_session_that_receives_it() {
    let prog = "r = llm_query('go')";
    let mut s = answered_with(64, prog, || Value::str("m".repeat(12 * MIB)));
    let before = live(&mut s);
    assert!(before >= 12 * MIB, "the 12 MiB reply counts once answered: {before}");
    done(s.resume());
    let held = live(&mut s);
    assert!((12 * MIB..13 * MIB).contains(&held), "held in `r`: {held}");
    done(s.run_cell("del r"));
    assert!(live(&mut s) < MIB, "credited to the session when dropped");

    // Replies of every shape: a list of strings, a dict, a tuple.
    let mut s = answered_with(64, prog, || {
        let rows: Vec<Value> = (0..4).map(|_| Value::str("w".repeat(MIB))).collect();
        Value::list(rows)
    });
    done(s.resume());
    let held = live(&mut s);
    assert!((4 * MIB..5 * MIB).contains(&held), "the list's four 1 MiB strings: {held}");
    done(s.run_cell("del r"));
    assert!(live(&mut s) < MIB, "list and strings credited when dropped");

    // Over the budget: a reply bigger than what is left makes the program's
    // next allocation fail, on the session's own count.
    let mut s =
        answered_with(16, "r = llm_query('go')\nbig = r * 2", || Value::str("z".repeat(10 * MIB)));
    match s.resume() {
        Outcome::Error(e) => assert!(e.message.contains("memory"), "{}", e.message),
        o => panic!("expected a memory error, got {o:?}"),
    }
}

#[test]
fn a_global_set_by_the_embedder_is_charged_to_the_session() {
    let mut s = session(64);
    let b0 = live(&mut s);
    let t = Value::tuple(vec![Value::str("e".repeat(3 * MIB)), Value::Int(1)]);
    s.set_global("t", t);
    let b1 = live(&mut s);
    assert!((b0 + 3 * MIB..b0 + 4 * MIB).contains(&b1), "the tuple and its string: {b0} -> {b1}");
    done(s.run_cell("del t"));
    assert!(live(&mut s) < b0 + MIB, "credited when the program drops it");
}

#[test]
fn what_a_host_function_returns_is_charged_to_the_session() {
    let mut s = session(64);
    s.register(
        "fetch",
        HostFunc::Inline(Rc::new(|_args, _kwargs| {
            Ok(HostReturn::Value(Value::list(vec![Value::str("h".repeat(5 * MIB))])))
        })),
    );
    let b0 = live(&mut s);
    done(s.run_cell("x = fetch()"));
    let b1 = live(&mut s);
    assert!((b0 + 5 * MIB..b0 + 6 * MIB).contains(&b1), "the host's 5 MiB list: {b0} -> {b1}");
    done(s.run_cell("del x"));
    assert!(live(&mut s) < b0 + MIB, "credited when dropped");
}

#[test]
fn a_reply_larger_than_the_budget_ends_the_program_before_it_holds_it() {
    // 2 MiB into a 1 MiB budget: refused when answered. Before, the next
    // check came only after the sync grace (4 MiB), so a program that
    // stores and prints held the reply over its budget.
    let mut s =
        answered_with(1, "r = llm_query('go')\nprint('held')", || Value::str("z".repeat(2 * MIB)));
    match s.resume() {
        Outcome::Error(e) => assert!(e.message.contains("memory limit"), "{}", e.message),
        o => panic!("expected a memory error, got {o:?}"),
    }
    assert!(!s.take_output().contains("held"));
    // Reported, and the cell rolled back: `r` was never bound, the session runs on.
    assert!(s.pending_limit().is_none());
    assert!(s.get_global("r").is_none());
    assert!(matches!(s.run_cell("print('next')"), Outcome::Done));
}

/// A sync measures only the lists changed since the last one (and visits no
/// list when none changed), so each way a list can change must still reach
/// the count: growth after a sync that skipped every list, growth of one
/// list among many untouched ones, and shrinking, in either of two sessions
/// interleaved on one thread (the changes are noted per thread).
#[test]
fn lists_changed_after_a_sync_are_measured_again() {
    let mut a = session(256);
    let mut b = session(256);
    done(a.run_cell("xs = [[i] for i in range(20000)]\nys = [[] for i in range(100)]"));
    let a0 = live(&mut a);
    // Nothing changed: this sync skips the lists, and the count stands.
    assert_eq!(live(&mut a), a0, "a sync with nothing changed keeps the count");

    // One list among 20,000 grows by a million slots: at least 16 MB more.
    done(a.run_cell("xs[777].extend(range(1000000))"));
    let a1 = live(&mut a);
    assert!(a1 >= a0 + 16_000_000, "one grown list is measured: {a0} -> {a1}");

    // Another session's lists change in between: a's lists do not, and a's
    // next sync still sees its own change made after it.
    done(b.run_cell("zs = [[] for i in range(1000)]\nfor z in zs:\n    z.append(1)"));
    let b0 = live(&mut b);
    assert_eq!(live(&mut a), a1, "b's changes do not move a's count");
    done(a.run_cell("for y in ys:\n    y.extend(range(10000))"));
    let a2 = live(&mut a);
    assert!(a2 >= a1 + 100 * 10000 * 16, "a hundred grown lists are measured: {a1} -> {a2}");

    // Shrinking is seen too: the buffers are released.
    done(a.run_cell(
        "xs[777].clear()\nxs[777] = []\nfor y in ys:\n    y.clear()\n    y[:] = []\nys = None",
    ));
    let a3 = live(&mut a);
    assert!(a3 + 30_000_000 <= a2, "released buffers are credited: {a2} -> {a3}");
    assert_eq!(live(&mut b), b0, "a's changes do not move b's count");
}
