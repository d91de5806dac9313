//! A deque iterated whole (`list(d)`, `d.extend(d)`, `tuple(d)`) is copied
//! in one move (issue #33: `d.extend(list(d))` spent 40% of its time
//! stepping an iterator): the copy is charged memory before it is made and
//! fuel per item, and keeps the deque's order.

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

fn run(limits: Limits, src: &str) -> (Outcome, u64, String) {
    let mut s = Interpreter::new(limits);
    let o = s.run_cell(src);
    let out = s.take_output();
    (o, s.fuel_used(), out)
}

#[test]
fn a_deque_copy_keeps_its_order_and_doubling_works() {
    let (o, _, out) = run(
        Limits::default(),
        "import collections\nd = collections.deque([1, 2, 3])\nd.appendleft(0)\n\
         d.extend(list(d))\nd.extend(d)\nprint(list(d)[:9], len(d), tuple(d)[-1])",
    );
    assert!(matches!(o, Outcome::Done), "{o:?}");
    assert_eq!(out.trim(), "[0, 1, 2, 3, 0, 1, 2, 3, 0] 16 3");
}

#[test]
fn a_deque_copy_pays_per_item_and_is_held_to_the_budget() {
    let big = Limits { fuel: 1_000_000_000, ..Limits::default() };
    let make = "import collections\nd = collections.deque(range(200000))\n";
    let (_, without, _) = run(big.clone(), make);
    let (_, with, _) = run(big, &format!("{make}x = list(d)\ny = list(d)"));
    assert!(with - without >= 2 * 200_000 / 8, "{with} units against {without}");

    // Each copy is 9.6 MB: the second does not fit in 24 MiB with the deque.
    let tight = Limits { memory_bytes: 24 << 20, ..Limits::default() };
    let (o, _, _) = run(
        tight,
        "import collections\nd = collections.deque(range(600000))\nx = list(d)\ny = list(d)",
    );
    match o {
        Outcome::Error(e) => assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Memory)),
        other => panic!("{other:?}"),
    }
}
