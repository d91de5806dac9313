//! Every `itertools` function is lazy (issue #76): making one over a huge
//! or endless source costs nothing up front, each step pays
//! `FUEL_PER_TOOL_STEP` (4) and a unit per item drawn before drawing it, a
//! combinatoric iterator's first tuple is one step whatever the whole's
//! size, what a `tee` keeps counts against the memory budget, and a chain
//! of tools over tools ends at the call-depth limit, not in a crash. Their
//! Python behaviour is the differential fixtures
//! `tests/programs/itertools_lazy/*.py`.

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

/// `modules::itertools::tool::FUEL_PER_TOOL_STEP`.
const PER_STEP: u64 = 4;
const N: u64 = 2_000;

fn fuel_of(src: &str) -> u64 {
    let mut s = Interpreter::new(Limits { fuel: 1_000_000_000, ..Limits::default() });
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("{src}: {other:?}"),
    }
    s.fuel_used()
}

#[test]
fn a_tool_over_a_huge_source_costs_only_the_items_taken() {
    for src in [
        "import itertools\nm = itertools.accumulate(range(10**12))\nx = next(m) + next(m)",
        "import itertools\nm = itertools.chain(range(10**12), range(5))\nx = next(m)",
        "import itertools\nm = itertools.islice(itertools.count(), 10**18)\nx = next(m)",
        "import itertools\nm = itertools.takewhile(bool, itertools.count(1))\nx = next(m)",
        "import itertools\nm = itertools.dropwhile(lambda x: x < 3, range(10**12))\nx = next(m)",
        "import itertools\nm = itertools.filterfalse(None, range(10**12))\nx = next(m)",
        "import itertools\nm = itertools.starmap(pow, zip(range(10**12), range(10**12)))\nx = next(m)",
        "import itertools\nm = itertools.pairwise(range(10**12))\nx = next(m)",
        "import itertools\nm = itertools.compress(range(10**12), itertools.repeat(1))\nx = next(m)",
        "import itertools\nm = itertools.zip_longest(range(10**12), [])\nx = next(m)",
        "import itertools\nm = itertools.cycle(range(10**12))\nx = next(m)",
        "import itertools\nm = itertools.groupby(range(10**12))\nk, g = next(m)\nx = next(g)",
        "import itertools\na, b = itertools.tee(range(10**12))\nx = next(a) + next(b)",
        "import itertools\nx = next(itertools.permutations(range(100)))",
        "import itertools\nx = next(itertools.combinations(range(1000), 500))",
        "import itertools\nx = next(itertools.product(range(10), repeat=100))",
        "x = next(reversed(range(10**12)))",
    ] {
        let mut s = Interpreter::new(Limits { fuel: 20_000, ..Limits::default() });
        match s.run_cell(src) {
            Outcome::Done => {}
            other => panic!("{src}: {other:?}"),
        }
        assert!(s.synced_memory_bytes() < 1 << 20, "{src}: {} bytes", s.synced_memory_bytes());
    }
}

#[test]
fn every_step_pays_its_fuel_and_each_item_drawn() {
    let plain = fuel_of(&format!("xs = list(range({N}))\nfor x in xs:\n    pass"));
    for (name, src) in [
        (
            "chain",
            format!(
                "import itertools\nxs = list(range({N}))\nfor x in itertools.chain(xs):\n    pass"
            ),
        ),
        (
            "islice",
            format!(
                "import itertools\nxs = list(range({N}))\nfor x in itertools.islice(xs, None):\n    pass"
            ),
        ),
        (
            "accumulate",
            format!(
                "import itertools\nxs = list(range({N}))\nfor x in itertools.accumulate(xs):\n    pass"
            ),
        ),
        (
            "cycle",
            format!(
                "import itertools\nxs = list(range({N}))\nfor x in itertools.islice(itertools.cycle(xs), {N}):\n    pass"
            ),
        ),
    ] {
        let extra = fuel_of(&src).saturating_sub(plain) / N;
        assert!(extra > PER_STEP, "{name}: {extra} units a step more than a plain loop");
    }
    // Items a filter draws and drops pay their draws and steps too.
    let made = fuel_of(&format!("xs = [1] * {N}"));
    let dropped = fuel_of(&format!(
        "import itertools\nxs = [1] * {N}\nfor x in itertools.filterfalse(None, xs):\n    pass"
    ));
    assert!(dropped.saturating_sub(made) / N > PER_STEP, "filterfalse dropping");
}

#[test]
fn what_a_tee_keeps_counts_against_the_budget() {
    let src = "import itertools\na, b = itertools.tee(itertools.count())\nfor x in a:\n    pass";
    let limits = Limits { memory_bytes: 8 << 20, fuel: 20_000_000, ..Limits::default() };
    let mut s = Interpreter::new(limits);
    match s.run_cell(src) {
        Outcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Memory), "{}", e.message)
        }
        other => panic!("{other:?}"),
    }
}

/// CPython allocates a combinatoric iterator's `r` indices when it is made
/// (a MemoryError for `r = 2**62`, even where the result would be empty);
/// here a width past the collection cap is that limit's error, made before
/// anything of its size (the fuzz smoke test once found a capacity overflow).
#[test]
fn a_width_past_the_collection_cap_is_a_limit_not_a_crash() {
    for call in [
        "combinations([1], 2**62)",
        "combinations_with_replacement([], 2**62)",
        "combinations_with_replacement([1], 2**62)",
        "permutations([1], 2**62)",
        "combinations(range(3), 20000001)",
    ] {
        let mut s = Interpreter::new(Limits::default());
        match s.run_cell(&format!("import itertools\nx = list(itertools.{call})")) {
            Outcome::Error(e) => {
                assert_eq!(
                    e.kind,
                    ErrorKind::Limit(LimitKind::CollectionLen),
                    "{call}: {}",
                    e.message
                )
            }
            other => panic!("{call}: {other:?}"),
        }
    }
    // Within the cap, a width past the pool is CPython's empty iterator.
    let mut s = Interpreter::new(Limits::default());
    let src = "import itertools\nx = [list(itertools.combinations([1], 10**6)), \
               list(itertools.combinations_with_replacement([], 10**6)), \
               list(itertools.permutations([1, 2], 3))]\nassert x == [[], [], []], x";
    assert!(matches!(s.run_cell(src), Outcome::Done));
}

#[test]
fn a_chain_of_tools_ends_at_the_call_depth_limit() {
    for make in [
        "itertools.chain(g)",
        "itertools.islice(g, None)",
        "itertools.accumulate(g)",
        "itertools.takewhile(bool, g)",
        "itertools.tee(g, 1)[0]",
    ] {
        let src = format!(
            "import itertools\ng = iter([1])\nfor _ in range(100000):\n    g = {make}\nnext(g)"
        );
        let mut s = Interpreter::new(Limits::default());
        match s.run_cell(&src) {
            Outcome::Error(e) => {
                assert_eq!(e.kind, ErrorKind::Limit(LimitKind::CallDepth), "{make}: {}", e.message)
            }
            other => panic!("{make}: {other:?}"),
        }
    }
}

#[test]
fn a_callback_asking_its_own_tool_again_is_an_error_not_a_panic() {
    let src = "import itertools\n\
               it = None\n\
               def f(x):\n    return next(it)\n\
               it = itertools.takewhile(f, range(5))\n\
               try:\n    next(it)\nexcept ValueError as e:\n    msg = str(e)\n";
    let mut s = Interpreter::new(Limits::default());
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("{other:?}"),
    }
}
