//! `map`, `filter`, `enumerate` and `zip` are lazy (issue #33): making one
//! over a huge or endless source costs nothing up front, each step pays
//! `FUEL_PER_ADAPTER_STEP` (4) besides its source and callback, and a chain
//! of adapters over adapters ends at the call-depth limit, not in a crash.
//! Their Python behaviour is the differential fixture
//! `tests/programs/builtins/lazy_map_filter_enumerate_zip.py`.

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

const N: u64 = 2_000;
/// `types::iter::FUEL_PER_ADAPTER_STEP`.
const PER_STEP: u64 = 4;

fn fuel_of(src: &str) -> u64 {
    let mut s = Interpreter::new(Limits { fuel: 1_000_000_000, ..Limits::default() });
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("{src}: {other:?}"),
    }
    s.fuel_used()
}

#[test]
fn an_adapter_over_a_huge_source_costs_only_the_items_taken() {
    for src in [
        "m = map(abs, range(10**12))\nx = next(m) + next(m)",
        "m = filter(None, range(10**12))\nx = next(m)",
        "m = enumerate(range(10**12))\nx = next(m)",
        "m = zip(range(10**12), range(10**12))\nx = next(m)",
        "import itertools\nm = map(abs, itertools.count())\nx = next(m)",
    ] {
        let mut s = Interpreter::new(Limits { fuel: 5_000, ..Limits::default() });
        match s.run_cell(src) {
            Outcome::Done => {}
            other => panic!("{src}: {other:?}"),
        }
        assert!(s.synced_memory_bytes() < 1 << 20, "{src}: {} bytes", s.synced_memory_bytes());
    }
}

#[test]
fn every_step_pays_its_fuel() {
    let plain = fuel_of(&format!("xs = list(range({N}))\nfor x in xs:\n    pass"));
    for (name, src) in [
        ("map", format!("xs = list(range({N}))\nfor x in map(abs, xs):\n    pass")),
        ("enumerate", format!("xs = list(range({N}))\nfor x in enumerate(xs):\n    pass")),
        ("zip", format!("xs = list(range({N}))\nfor x in zip(xs):\n    pass")),
        ("filter", format!("xs = list(range({N}))\nfor x in filter(None, xs):\n    pass")),
    ] {
        let extra = fuel_of(&src).saturating_sub(plain) / N;
        assert!(extra >= PER_STEP, "{name}: {extra} units a step more than a plain loop");
    }
    // Every item a filter pulls and drops pays a step too (the loop body
    // never runs).
    let made = fuel_of(&format!("xs = [0] * {N}"));
    let dropped = fuel_of(&format!("xs = [0] * {N}\nfor x in filter(None, xs):\n    pass"));
    let extra = dropped.saturating_sub(made) / N;
    assert!(extra >= PER_STEP, "filter dropping: {extra} units an item");
}

#[test]
fn a_chain_of_adapters_ends_at_the_call_depth_limit() {
    for make in ["map(abs, g)", "filter(None, g)", "zip(g)", "enumerate(g)"] {
        let src = format!("g = iter([1])\nfor _ in range(100000):\n    g = {make}\nnext(g)");
        let mut s = Interpreter::new(Limits::default());
        match s.run_cell(&src) {
            Outcome::Error(e) => {
                assert_eq!(e.kind, ErrorKind::Limit(LimitKind::CallDepth), "{make}: {}", e.message)
            }
            other => panic!("{make}: {other:?}"),
        }
    }
}
