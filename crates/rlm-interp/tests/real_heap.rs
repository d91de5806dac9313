//! The memory budget is real memory: programs run under a counting global
//! allocator (this test binary's own; library users keep theirs), and the
//! heap's peak while a session runs, and until it is dropped, must stay
//! within the session's `memory_bytes` plus [`SLACK`]. Covered: every program
//! of `tests/hostile/` (with the hostile suite's limits, ending with the
//! kind its header names), the programs of issue #12, variants over every
//! container kind, and a generated set of allocation-heavy programs.
//!
//! The property holds for any budget, so the budgets here are small enough
//! to keep the debug build fast; the 512 MiB default is shown by
//! `/usr/bin/time` on the release binary (docs/benchmarks/2026-11-21-rlm-interp.md, rlm-interp
//! memory). Programs run one at a time (the tests take turns): the peak is process-wide.

#[path = "support/hostile.rs"]
mod hostile;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, SLACK, peak_of};
use rlm_interp::Limits;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Run `src` in a fresh session under `limits`; returns how it ended and the
/// heap's peak above what was held before (the session's drop included).
fn measure(src: &str, limits: Limits) -> (hostile::Ending, usize) {
    peak_of(|| hostile::run_program(src, limits))
}

/// The heap is process-wide: the tests of this binary take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs every case; returns the failures, one line each.
fn check_all(cases: &[(String, String, Vec<String>, Limits)]) -> Vec<String> {
    let _turn = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut failures = Vec::new();
    let mut worst = (0.0f64, String::new());
    for (name, src, want, limits) in cases {
        let budget = limits.memory_bytes;
        let started = std::time::Instant::now();
        let (ending, peak) = measure(src, limits.clone());
        // REAL_HEAP_LIST=1 lists each program's peak, time and ending.
        if std::env::var_os("REAL_HEAP_LIST").is_some() {
            eprintln!(
                "{:>7.2}x {:>6.2}s {name}: {} ({})",
                peak as f64 / budget as f64,
                started.elapsed().as_secs_f64(),
                ending.kind,
                ending.detail
            );
        }
        let over = peak as f64 / budget as f64;
        if over > worst.0 {
            worst = (over, name.clone());
        }
        if !want.contains(&ending.kind) {
            failures.push(format!(
                "{name}: expected {}, got {} ({})",
                want.join("|"),
                ending.kind,
                ending.detail
            ));
        }
        if peak > budget + SLACK {
            failures.push(format!(
                "{name}: real heap peaked at {peak} bytes, budget {budget} + slack {SLACK}"
            ));
        }
    }
    eprintln!("{} programs; highest peak/budget {:.2} ({})", cases.len(), worst.0, worst.1);
    failures
}

/// Hostile programs whose heap still passes budget + slack, with why (none
/// now: `textwrap.indent` was one, building its whole result before the
/// string cap was checked). The test fails if one starts to pass, so the
/// list cannot go stale.
const KNOWN_GAPS: &[(&str, &str)] = &[];

#[test]
fn hostile_programs_stay_within_budget_plus_slack() {
    let mut cases = Vec::new();
    for (name, src) in hostile::programs() {
        if KNOWN_GAPS.iter().any(|(n, _)| *n == name) {
            let _turn = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let want = hostile::expected_kinds(&name, &src).expect("a valid header");
            let (ending, peak) = measure(&src, hostile::limits());
            assert!(
                want.contains(&ending.kind) && peak > hostile::limits().memory_bytes + SLACK,
                "{name} is listed as a known gap but now stays within budget: remove it from KNOWN_GAPS"
            );
            continue;
        }
        let want = hostile::expected_kinds(&name, &src).expect("a valid header");
        cases.push((name, src, want, hostile::limits()));
    }
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Limits for the allocation-heavy programs: a budget big enough that the
/// heap's fixed costs do not dominate, fuel enough to reach it.
fn heavy_limits(memory_bytes: usize) -> Limits {
    Limits { memory_bytes, fuel: 200_000_000, ..Limits::default() }
}

/// The programs of issue #12 and variants over every container kind.
const ISSUE_PROGRAMS: &[(&str, &str)] = &[
    ("append_str", "x = []\nwhile True:\n    x.append('y' * 1000)\n"),
    (
        "dict_int_keys_str_values",
        "d = {}\ni = 0\nwhile True:\n    d[i] = str(i) * 100\n    i += 1\n",
    ),
    ("nested_comprehension", "print(len([i * j for i in range(10**6) for j in range(10**6)]))\n"),
    ("deep_nesting", "x = []\nfor i in range(10**7):\n    x = [x]\nprint(x)\n"),
    ("deep_nesting_len", "x = []\nfor i in range(10**7):\n    x = [x]\nprint(len(x))\n"),
    ("deep_nesting_repr", "x = []\nfor i in range(10**7):\n    x = [x]\nprint(repr(x)[:10])\n"),
    ("dict_str_keys", "d = {}\nfor i in range(10**7):\n    d[str(i)] = i\nprint(len(d))\n"),
    ("set_str", "s = set()\nfor i in range(10**7):\n    s.add(str(i))\n"),
    ("set_tuples", "s = set()\nfor i in range(10**7):\n    s.add((i, i))\n"),
    ("frozensets", "x = []\nfor i in range(10**7):\n    x.append(frozenset([i]))\n"),
    ("tuple_nesting", "t = ()\nfor i in range(10**7):\n    t = (t, i)\n"),
    ("tuple_list", "x = []\nfor i in range(10**7):\n    x.append((i, str(i)))\n"),
    (
        "deque_str",
        "from collections import deque\nd = deque()\nfor i in range(10**7):\n    d.append(str(i) * 10)\n",
    ),
    (
        "str_slices",
        "s = 'abcdefgh' * 1000\nx = []\nfor i in range(10**7):\n    x.append(s[i % 100:])\n",
    ),
    (
        "join_growth",
        "parts = []\nfor i in range(10**7):\n    parts.append(','.join(parts[-3:]) + str(i))\n",
    ),
    (
        "bytes_like_join",
        "s = ''\nx = []\nfor i in range(10**7):\n    x.append(''.join(['ab'] * 50))\n",
    ),
    ("dict_comprehension", "d = {str(i): [i] for i in range(10**7)}\n"),
    ("set_comprehension", "s = {str(i) * 3 for i in range(10**7)}\n"),
    ("list_of_lists", "x = [[i] for i in range(10**7)]\n"),
    ("closures", "fs = []\nfor i in range(10**7):\n    fs.append(lambda i=i: i)\n"),
    (
        "closure_cells",
        "def mk(v):\n    def f():\n        return v\n    return f\nfs = [mk(str(i)) for i in range(10**7)]\n",
    ),
    (
        "exceptions",
        "errs = []\nfor i in range(10**7):\n    try:\n        raise ValueError(str(i))\n    except ValueError as e:\n        errs.append(e)\n",
    ),
    (
        "exceptions_from_a_call",
        "def f():\n    raise KeyError()\nerrs = []\nfor i in range(10**7):\n    try:\n        f()\n    except KeyError as e:\n        errs.append(e)\n",
    ),
    ("cycles_garbage", "for i in range(10**7):\n    a = [str(i)]\n    a.append(a)\n"),
    (
        "cycles_kept",
        "keep = []\nfor i in range(10**7):\n    a = [i]\n    a.append(a)\n    keep.append(a)\n",
    ),
    ("zip_iterators", "x = []\nfor i in range(10**7):\n    x.append(zip([i, i], [i, i]))\n"),
    ("dict_of_dicts", "d = {}\nfor i in range(10**7):\n    d[i] = {'k': i, 'v': str(i)}\n"),
    ("list_extend", "x = []\nwhile True:\n    x.extend(range(1000))\n"),
    ("list_repeat", "x = [0]\nwhile True:\n    x = x * 2\n"),
    (
        "str_repeat_growth",
        "x = []\nn = 1\nwhile True:\n    x.append('z' * n)\n    n = n * 2 if n < 10**6 else n\n",
    ),
    ("methods_kept", "x = []\nfor i in range(10**7):\n    x.append('a'.upper)\n"),
    (
        "split_results",
        "s = 'a b c d e f g h ' * 100\nx = []\nwhile True:\n    x.append(s.split())\n",
    ),
    (
        "counter_growth",
        "from collections import Counter\nc = Counter()\nfor i in range(10**7):\n    c[str(i)] += 1\n",
    ),
    // `Counter.update` and `Counter(...)` grew the table uncharged (int keys:
    // nothing else charged the account to make it sync).
    (
        "counter_update_iterable",
        "from collections import Counter\nc = Counter()\ni = 0\nwhile True:\n    c.update(range(i, i + 100000))\n    i += 100000\n",
    ),
    (
        "counter_update_mapping",
        "from collections import Counter\nc = Counter()\ni = 0\nwhile True:\n    c.update({j: 1 for j in range(i, i + 1000)})\n    i += 1000\n",
    ),
    (
        "counter_subtract",
        "from collections import Counter\nc = Counter()\ni = 0\nwhile True:\n    c.subtract(range(i, i + 100000))\n    i += 100000\n",
    ),
    (
        "counters_made",
        "from collections import Counter\nx = []\ni = 0\nwhile True:\n    x.append(Counter(range(i, i + 1000)))\n    i += 1000\n",
    ),
    // Escaping writers grew one string past the budget before any check
    // (the hostile generator's find: `r = json.dumps(r)` reached 128 MiB in
    // a 32 MiB session): each string is measured before it is written.
    // `tee` made its iterators uncharged (a million empty ones: 136 MiB).
    (
        "tee_many_copies",
        "import itertools\nx = []\nwhile True:\n    x.append(itertools.tee('', 10**5))\n",
    ),
    // `ljust` charged a byte per character of a 4-byte fill.
    ("ljust_wide_fill", "x = []\nwhile True:\n    x.append('a'.ljust(10**6, '\\U0001F600'))\n"),
    ("json_dumps_doubling", "import json\nr = True\nwhile True:\n    r = json.dumps(r)\n"),
    ("repr_doubling", "r = '\\x00'\nwhile True:\n    r = repr(r)\n"),
    ("json_dumps_keys_doubling", "import json\nr = 'k'\nwhile True:\n    r = json.dumps({r: r})\n"),
    (
        "json_dumps_wide_separator",
        "import json\nsep = ', ' * 500000\nx = []\nwhile True:\n    x.append(json.dumps(list(range(100)), separators=(sep, ':')))\n",
    ),
    (
        "json_dumps_wide_indent",
        "import json\nx = []\nn = 1000\nwhile True:\n    x.append(json.dumps([[1, 2]] * 10, indent=n))\n    n *= 2\n",
    ),
];

#[test]
fn issue_programs_and_variants_stay_within_budget_plus_slack() {
    let cases: Vec<_> = ISSUE_PROGRAMS
        .iter()
        .map(|(name, src)| {
            // Every program grows without bound, except `cycles_garbage`,
            // whose live data is one list: its cycles are collected during
            // the run, so it finishes (as in CPython) within the budget.
            let want: &[&str] = if *name == "cycles_garbage" {
                &["ok", "fuel"]
            } else {
                &["memory", "collection_length"]
            };
            let want = want.iter().map(|w| w.to_string()).collect();
            (name.to_string(), src.to_string(), want, heavy_limits(24 << 20))
        })
        .collect();
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Element expressions and ways of keeping them, combined: every
/// combination grows without bound and must end at the memory limit (or the
/// collection cap) within budget plus slack.
#[test]
fn generated_allocation_heavy_programs_stay_within_budget_plus_slack() {
    let elements = [
        "i",
        "str(i)",
        "str(i) * 20",
        "(i, str(i))",
        "[i, i]",
        "{'k': i}",
        "{i}",
        "f'{i:>40}'",
        "'x' * (i % 500)",
        "lambda: i",
        "ValueError(i)",
        "range(i)",
    ];
    let keepers = [
        ("list", "acc = []\n", "acc.append(E)"),
        ("dict", "acc = {}\n", "acc[i] = E"),
        ("set_of_str", "acc = set()\n", "acc.add(str(E))"),
        ("deque", "from collections import deque\nacc = deque()\n", "acc.append(E)"),
        ("nested", "acc = None\n", "acc = [acc, E]"),
        ("tuple_chain", "acc = ()\n", "acc = (acc, E)"),
        ("closure_chain", "acc = lambda: 0\n", "acc = (lambda f, e: lambda: (f, e))(acc, E)"),
    ];
    let mut cases = Vec::new();
    for (kname, setup, keep) in keepers {
        for (n, e) in elements.iter().enumerate() {
            // Strings of these repeat (500 lengths; addresses reused), so a
            // set of them stops growing: not a memory program.
            if kname == "set_of_str" && (e.starts_with("'x'") || e.starts_with("lambda")) {
                continue;
            }
            let src =
                format!("{setup}i = 0\nwhile True:\n    {}\n    i += 1\n", keep.replace('E', e));
            let want = vec!["memory".to_string(), "collection_length".to_string()];
            cases.push((format!("{kname}_{n}"), src, want, heavy_limits(8 << 20)));
        }
    }
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The slack is a fixed 16 MiB, so a small budget hides a heap that passes
/// the budget by a share of it: dropping a 4.5 M-deep chain of lists kept
/// one emptied vector per level in the deferred-drop queue (47% over a
/// 512 MiB budget, 11 MiB over a 24 MiB one). Deep chains, at a budget where
/// such a share shows, must stay within the budget plus a quarter of the
/// slack.
#[test]
fn deep_chains_stay_within_budget_by_a_fixed_margin() {
    let programs = [
        ("list_chain", "x = []\nfor i in range(10**7):\n    x = [x]\n"),
        ("tuple_chain", "t = ()\nfor i in range(10**7):\n    t = (t,)\n"),
        ("dict_chain", "d = {}\nfor i in range(10**7):\n    d = {'d': d}\n"),
    ];
    let _turn = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let budget = 64 << 20;
    for (name, src) in programs {
        let (ending, peak) = measure(src, heavy_limits(budget));
        assert_eq!(ending.kind, "memory", "{name}: {}", ending.detail);
        assert!(
            peak <= budget + SLACK / 4,
            "{name}: real heap peaked at {peak} bytes, budget {budget} + {}",
            SLACK / 4
        );
    }
}

/// A function with many locals called recursively: each frame's own
/// buffers (160 KB of locals here) are charged while it lives, so the
/// recursion ends at the memory limit, not at the call-depth cap with
/// 400 uncounted frames (64 MB).
#[test]
fn large_frames_are_charged() {
    let mut src = String::from("def f(n):\n");
    for i in 0..10_000 {
        src.push_str(&format!("    a{i} = n\n"));
    }
    src.push_str("    return f(n + 1)\nf(0)\n");
    let cases =
        vec![("large_frames".to_string(), src, vec!["memory".to_string()], heavy_limits(24 << 20))];
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
