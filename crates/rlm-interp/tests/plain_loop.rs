//! The plain instructions' loop (`vm/plain.rs`) is exact: a program stopped
//! by its fuel limit at every possible point stops at the same instruction,
//! with the same fuel used and the same traceback, as when every
//! instruction runs in the full loop (an interrupt check every unit keeps
//! the checkpoint one unit ahead, where the plain loop never starts). And a
//! program that runs to its end prints the same and uses the same fuel.

use std::rc::Rc;

use rlm_interp::{Interpreter, Limits, Outcome};

/// Programs mixing the plain instructions (loads, stores, jumps, int
/// arithmetic and comparisons, range and list loops, fused pairs and
/// triples) with the full loop's (calls, methods, string work, raises).
const PROGRAMS: &[&str] = &[
    "x = 0\nfor i in range(40):\n    x = x + i\n    if x % 3 == 0:\n        x += 1\nprint(x)",
    "def f(n):\n    t = 0\n    i = 0\n    while i < n:\n        t += i * 2\n        i = i + 1\n    return t\nprint(f(30), f(5))",
    "xs = [3, 1, 4, 1, 5, 9, 2, 6]\ns = 0\nfor v in xs:\n    s += v\n    a, b = v, s\n    if a > 3 and b < 20 or a == 1:\n        s -= 1\nprint(s, a, b)",
    "def g(xs):\n    out = []\n    for i, w in enumerate(xs):\n        if len(w) > 1:\n            out.append(w.upper() + str(i))\n    return out\nprint(g(['ab', 'c', 'def', 'gh']))",
    "t = 0\nfor i in range(10):\n    try:\n        if i == 7:\n            raise ValueError(i)\n        t = t + i\n    except ValueError:\n        t = -t\nprint(t)",
    "def h():\n    y = 1\n    for k in (1, 2, 3):\n        y = y * k + 1\n    return z\nh()",
    "ws = ['b', 'a', 'c', 'a', 'x' * 70, 'x' * 70]\nn = 0\nfor w in ws:\n    if w == 'a':\n        n += 1\n    elif w > 'b' or w != 'z':\n        n += 10\n    if w == ws[-1] and w <= 'y':\n        n -= 1\nprint(n)",
    "n = 0\nwhile True:\n    n = n + 1",
    // Issue #59's seventh steps: a comprehension's append and `not`, cells
    // stored and loaded, `w in line` over short and 200-byte lines (its
    // search's units charged in the plain loop, up to the checkpoint), the
    // `any`/`all` items that do not decide, constant tuples.
    "ls = ['roll a d20', 'x' * 200 + 'nat 1', '', 'Matt: check', 'y' * 250]\nr = [l for l in ls if not l or 'roll' in l or 'nat ' in l]\nc = [l for l in ls if any(k in l for k in ['check', 'save', 'nat'])]\na = [all(k not in l for k in ('zz', 'yy')) for l in ls]\nprint(len(r), len(c), a)",
    "def f(xs):\n    fs = [lambda: x for x in xs]\n    return [g() for g in fs] + [y for y in xs if any(y == z for z in xs)]\nprint(f([1, 2, 3]))",
    "import re\nt = 0\nfor m in re.finditer(r'(\\d+)', 'a 12 b 7 c 30 d 5'):\n    t += int(m.group(1)) + len(str(t))\nprint(t)",
    // Issue #79: the calls made in place (`len(x)`, `d.get(k)`,
    // `s.startswith(p)`) and `d[k] = v` over the entry the lookup before it
    // found, beside the keys they leave to the full loop (long strings,
    // tuples), a removal between the lookup and the store, and the dict's kinds.
    "counts = {}\nws = 'b a c a b a x'.split() + ['a' * 70, 'a' * 70]\nfor w in ws:\n    counts[w] = counts.get(w, 0) + 1\n    if w.startswith('a') and len(w) > 1:\n        counts[w] += 1\nk = counts.get('b')\ndel counts['a']\ncounts['b'] = counts.get('c', 0) + len(ws)\ncounts['c'] = k\nprint(counts, [w.endswith('a') for w in ws])",
    "from collections import Counter, defaultdict\nc = Counter('abcab')\nd = defaultdict(int)\nfor ch in 'abcabz':\n    c[ch] = c.get(ch, 0) + 1\n    d[ch] += 1\n    d[(ch, 1)] = d.get((ch, 1), 5) + 1\nprint(sorted(c.items()), sorted(d.items()))",
];

fn run(src: &str, fuel: u64, every_unit: bool) -> String {
    let mut s = Interpreter::new(Limits { fuel, ..Limits::default() });
    if every_unit {
        s.set_interrupt_check(Some((1, Rc::new(|| None))));
    }
    let outcome = match s.run_cell(src) {
        Outcome::Error(e) => format!("{}: {} at {:?}", e.type_name, e.message, e.traceback),
        other => format!("{other:?}"),
    };
    format!("{outcome} | out {:?} | fuel {}", s.take_output(), s.fuel_used())
}

#[test]
fn every_stopping_point_matches_the_full_loop() {
    for src in PROGRAMS {
        // The fuel a run to the end (or the endless loop's first 600) takes.
        let full = run(src, 600, true);
        let total = full.rsplit("fuel ").next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(600);
        assert!(total > 20, "{src}: {full}");
        for fuel in 1..=total + 3 {
            let plain = run(src, fuel, false);
            let reference = run(src, fuel, true);
            assert_eq!(plain, reference, "fuel limit {fuel}:\n{src}");
        }
    }
}
