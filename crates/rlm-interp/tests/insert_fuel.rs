//! Fuel per insert (issue #33): every path that puts keys into a dict or
//! elements into a set one at a time pays `FUEL_PER_NEW_DICT_KEY` /
//! `FUEL_PER_NEW_SET_ELEMENT` (12) per new entry on top of the instructions
//! around it, and a cycle collection pays `FUEL_PER_ITEM_COLLECTED` (4) per
//! value it takes out of garbage. Each test compares a program that inserts
//! `N` new entries with the same program doing the same steps without new
//! entries (the key already there, or a list instead of the set).

use rlm_interp::{Interpreter, Limits, Outcome};

const N: u64 = 2_000;
/// The charge per new key or element (`cost::FUEL_PER_NEW_DICT_KEY`,
/// `cost::FUEL_PER_NEW_SET_ELEMENT`).
const PER_INSERT: u64 = 12;

fn fuel_of(src: &str) -> u64 {
    let mut s = Interpreter::new(Limits { fuel: 1_000_000_000, ..Limits::default() });
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("{src}: {other:?}"),
    }
    s.fuel_used()
}

/// The fuel `inserting` spends more than `control`, per one of `N` entries.
fn extra_per_entry(inserting: &str, control: &str) -> u64 {
    let a = fuel_of(&inserting.replace("N", &N.to_string()));
    let b = fuel_of(&control.replace("N", &N.to_string()));
    assert!(a > b, "{inserting}: {a} units, not more than the control's {b}");
    (a - b) / N
}

fn assert_charged(path: &str, inserting: &str, control: &str) {
    let extra = extra_per_entry(inserting, control);
    // Less a unit or two: the control's own charge per item (a list's copy,
    // a lookup's hash) and rounding.
    assert!(
        extra >= PER_INSERT - 2,
        "{path}: {extra} units more per new entry than the control, not {PER_INSERT}"
    );
    // Charged once: not several times per entry.
    assert!(extra <= 3 * PER_INSERT, "{path}: {extra} units more per entry");
}

#[test]
fn every_one_at_a_time_dict_insert_pays_per_new_key() {
    assert_charged(
        "d[k] = v",
        "d = {}\nfor i in range(N):\n    d[i] = i",
        "d = {0: 0}\nfor i in range(N):\n    d[0] = i",
    );
    assert_charged(
        "setdefault",
        "d = {}\nfor i in range(N):\n    d.setdefault(i, i)",
        "d = {0: 0}\nfor i in range(N):\n    d.setdefault(0, i)",
    );
    assert_charged(
        "Counter new key",
        "import collections\nc = collections.Counter()\nfor i in range(N):\n    c[i] += 1",
        "import collections\nc = collections.Counter()\nfor i in range(N):\n    c[0] += 1",
    );
    assert_charged(
        "defaultdict missing key",
        "import collections\nd = collections.defaultdict(int)\nfor i in range(N):\n    d[i]",
        "import collections\nd = collections.defaultdict(int)\nfor i in range(N):\n    d[0]",
    );
    assert_charged(
        "update from pairs (each pair read as well)",
        "p = [(i, i) for i in range(N)]\nd = {}\nd.update(p)",
        "p = [(i, i) for i in range(N)]\nd = list(p)",
    );
    assert_charged(
        "dict(pairs)",
        "p = [(i, i) for i in range(N)]\nd = dict(p)",
        "p = [(i, i) for i in range(N)]\nd = list(p)",
    );
    assert_charged(
        "update from a dict",
        "p = {i: i for i in range(N)}\nd = {}\nd.update(p)",
        "p = {i: i for i in range(N)}\nd = {}\nd.update({})",
    );
    assert_charged(
        "dict comprehension",
        "d = {i: i for i in range(N)}",
        "d = [i for i in range(N)]",
    );
    assert_charged(
        "fromkeys",
        "k = list(range(N))\nd = dict.fromkeys(k)",
        "k = list(range(N))\nd = list(k)",
    );
}

#[test]
fn every_one_at_a_time_set_insert_pays_per_element() {
    assert_charged(
        "set.add",
        "s = set()\nfor i in range(N):\n    s.add(i)",
        // The same loop and method calls, none inserting (`list.append`
        // pays a charge of its own since issue #53).
        "s = set()\nfor i in range(N):\n    s.clear()",
    );
    assert_charged("set comprehension", "s = {i for i in range(N)}", "s = [i for i in range(N)]");
    assert_charged(
        "set(iterable)",
        "k = list(range(N))\ns = set(k)",
        "k = list(range(N))\ns = list(k)",
    );
    assert_charged(
        "frozenset(iterable)",
        "k = list(range(N))\ns = frozenset(k)",
        "k = list(range(N))\ns = list(k)",
    );
    assert_charged("{*xs}", "k = list(range(N))\ns = {*k}", "k = list(range(N))\ns = [*k]");
}

#[test]
fn a_set_comprehension_is_held_to_the_collection_cap() {
    let mut s = Interpreter::new(Limits { max_collection_len: 1_000, ..Limits::default() });
    match s.run_cell("s = {i for i in range(5000)}") {
        Outcome::Error(e) => {
            assert_eq!(e.kind, rlm_interp::ErrorKind::Limit(rlm_interp::LimitKind::CollectionLen))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_collection_pays_per_value_it_releases_from_garbage() {
    // Each round leaves a list of 1,000 strings in a cycle; the collections
    // that release them pay 4 units per value (FUEL_PER_ITEM_COLLECTED).
    let rounds = 3_000;
    let cycles =
        format!("for i in range({rounds}):\n    a = ['y'] * 1000\n    a.append(a)\na = None");
    let plain = format!("for i in range({rounds}):\n    a = ['y'] * 1000\na = None");
    let mut s = Interpreter::new(Limits {
        fuel: 1_000_000_000,
        memory_bytes: 16 << 20,
        ..Limits::default()
    });
    assert!(matches!(s.run_cell(&cycles), Outcome::Done));
    let with_cycles = s.fuel_used();
    let mut s = Interpreter::new(Limits {
        fuel: 1_000_000_000,
        memory_bytes: 16 << 20,
        ..Limits::default()
    });
    assert!(matches!(s.run_cell(&plain), Outcome::Done));
    let without = s.fuel_used();
    // Most rounds' lists are released by a collection during the run.
    let released_at_least = (rounds as u64 / 2) * 1_000;
    assert!(
        with_cycles - without >= 4 * released_at_least,
        "{with_cycles} units with cycles, {without} without"
    );
}

/// Keys a dict holds before the test's inserts: past
/// `cost::BIG_TABLE_FROM` (32,768) twice over, so each insert pays two
/// doublings' `cost::FUEL_PER_BIG_TABLE_DOUBLING` more than into a small one.
const BIG: u64 = 70_000;
/// `cost::FUEL_PER_BIG_TABLE_DOUBLING`.
const PER_DOUBLING: u64 = 24;

#[test]
fn an_insert_into_a_big_table_pays_more_than_into_a_small_one() {
    let pre = format!("d = {{i: i for i in range({BIG})}}\ns = {{i for i in range({BIG})}}\n");
    let cases = [
        ("d[k] = v", "d[i] = i", "e[i] = i"),
        ("set.add", "s.add(i)", "t.add(i)"),
        ("d[k] = d.get(k, 0) + 1", "d[i] = d.get(i, 0) + 1", "e[i] = e.get(i, 0) + 1"),
    ];
    for (path, big, small) in cases {
        let prog = |body: &str| {
            format!("{pre}e = {{}}\nt = set()\nfor i in range({BIG}, {BIG} + N):\n    {body}")
        };
        let extra = extra_per_entry(&prog(big), &prog(small));
        assert!(
            extra >= 2 * PER_DOUBLING,
            "{path}: {extra} units more per new entry into {BIG} entries than into a small table"
        );
        assert!(extra <= 3 * PER_DOUBLING, "{path}: {extra} units more per entry");
    }
}

#[test]
fn big_table_charge_grows_with_the_table_and_is_bulk_for_update() {
    // `d.update(big)` into a big dict pays the big-table rate per key too.
    let n = 40_000u64;
    let update_big = format!(
        "a = {{i: i for i in range({n})}}\nd = {{i: i for i in range({n}, {n} * 2)}}\nd.update(a)"
    );
    let update_small = format!("a = {{i: i for i in range({n})}}\nd = {{}}\nd.update({{0: 0}})");
    let a = fuel_of(&update_big);
    let b = fuel_of(&update_small);
    // Building `d` and inserting `n` keys: at least the per-key charge and
    // one doubling's more per key for the update into 80,000 entries.
    assert!(a - b >= n * (PER_INSERT + PER_DOUBLING), "{a} units against {b}");
}

#[test]
fn bulk_set_and_dict_inserts_into_a_big_table_pay_the_big_table_rate() {
    // The same bulk operation on a table of BIG entries with N new entries
    // against N entries it already holds: the difference is the big-table
    // charge of the new ones (two doublings past `BIG_TABLE_FROM` each).
    let pre_set = format!("s = set(range({BIG}))\n");
    let pre_dict = format!("d = {{i: i for i in range({BIG})}}\n");
    let new_set = format!("t = set(range({BIG}, {BIG} + N))\n");
    let old_set = "t = set(range(N))\n";
    let new_dict = format!("e = {{i: i for i in range({BIG}, {BIG} + N)}}\n");
    let old_dict = "e = {i: i for i in range(N)}\n";
    let cases = [
        ("s |= t", &pre_set, &new_set, old_set, "s |= t"),
        ("s.update(t)", &pre_set, &new_set, old_set, "s.update(t)"),
        ("s.union(t)", &pre_set, &new_set, old_set, "u = s.union(t)"),
        ("s | t", &pre_set, &new_set, old_set, "u = s | t"),
        ("d |= e", &pre_dict, &new_dict, old_dict, "d |= e"),
        ("d | e", &pre_dict, &new_dict, old_dict, "f = d | e"),
    ];
    for (path, pre, new, old, op) in cases {
        let extra = extra_per_entry(&format!("{pre}{new}{op}"), &format!("{pre}{old}{op}"));
        assert!(
            extra >= 2 * PER_DOUBLING,
            "{path}: {extra} units more per new entry into {BIG} entries than per entry held"
        );
        assert!(extra <= 3 * PER_DOUBLING + PER_INSERT, "{path}: {extra} units more per entry");
    }
}

#[test]
fn an_in_place_union_costs_what_it_adds_not_the_receiver() {
    // `s |= {i}` and `s.update({i})` in a loop over a big set: CPython's
    // in-place union walks the argument only; a copy of the receiver per
    // call made the loop quadratic (and charged it so).
    let build = |n: u64| format!("s = set(range({n}))\nd = {{i: i for i in range({n})}}\n");
    for op in ["s |= {i}", "s.update({i})", "d |= {i: i}"] {
        let unions = |n: u64| {
            fuel_of(&format!("{}for i in range(100):\n    {op}", build(n))) - fuel_of(&build(n))
        };
        let (small, big) = (unions(1_000), unions(20_000));
        assert!(
            big <= small + small / 2 + 100,
            "{op}: 100 unions into 20,000 entries cost {big} units, into 1,000 {small}"
        );
    }
}
