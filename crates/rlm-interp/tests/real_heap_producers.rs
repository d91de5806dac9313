//! Every builtin that produces a string or a collection is charged before
//! it allocates, or as its result grows (issue #33): generated from a table
//! with one row per producer, each a program whose result would be at least
//! 4x a 64 MiB budget (from an input well inside it). Each must end with the
//! memory error (or the row's cap) and the real heap's peak, measured by a
//! counting allocator, must stay within the budget plus the documented
//! slack (ARCHITECTURE.md, "Memory": 16 MiB).
//!
//! The caps are the defaults (string 256 M characters, collection 20 M), so
//! the budget is what must stop each program. Rows run one at a time: the
//! peak is process-wide.

#[path = "support/hostile.rs"]
mod hostile;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, SLACK, peak_of};
use rlm_interp::Limits;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The budget of every row.
const BUDGET: usize = 64 << 20;

/// One producing builtin: its name, a program whose result would be at least
/// 4x [`BUDGET`], and the endings allowed besides `memory` (a cap the
/// result would also pass).
struct Row {
    name: &'static str,
    program: &'static str,
    also: &'static [&'static str],
}

const fn row(name: &'static str, program: &'static str) -> Row {
    Row { name, program, also: &[] }
}

/// The producers. Sizes: an empty or one-character part of a split costs
/// ~96 bytes (its string's `Rc` box and its list slot), so 3 M parts are
/// ~288 MB from a 3 MB input.
const ROWS: &[Row] = &[
    // str.split family
    row("str_split_sep", "x = ('x' * 3_000_000).split('x')\n"),
    row("str_rsplit_sep", "x = ('x' * 3_000_000).rsplit('x')\n"),
    row("str_split_whitespace", "x = (' a' * 3_000_000).split()\n"),
    row("str_rsplit_whitespace", "x = (' a' * 3_000_000).rsplit()\n"),
    row("str_splitlines", "x = ('\\n' * 3_000_000).splitlines()\n"),
    row("list_of_str_non_ascii", "x = list('\u{e9}' * 3_000_000)\n"),
    // re
    row("re_split_empty", "import re\nx = re.split('', 'a' * 3_000_000)\n"),
    row("re_findall_empty", "import re\nx = re.findall('', 'a' * 3_000_000)\n"),
    row("re_findall_groups", "import re\nx = re.findall('(a)(b)?', 'a' * 3_000_000)\n"),
    row("re_finditer", "import re\nx = list(re.finditer('a', 'a' * 3_000_000))\n"),
    row("re_sub_empty", "import re\nx = re.sub('', '-' * 100, 'a' * 3_000_000)\n"),
    row("re_subn_template", "import re\nx = re.subn('(a)', '\\\\1' * 100, 'a' * 3_000_000)\n"),
    // join
    row("join_generator", "x = ''.join('x' * 100 for _ in range(3_000_000))\n"),
    row("join_repeat", "import itertools\nx = ''.join(itertools.repeat('x' * 1000, 250_000))\n"),
    row("join_list", "x = ','.join(['x' * 1000] * 250_000)\n"),
    // repeat and concatenation
    row("str_repeat", "x = 'ab' * 100_000_000\n"),
    row("list_repeat", "x = [0] * 20_000_000\n"),
    row("tuple_repeat", "x = (0,) * 20_000_000\n"),
    row("list_concat_doubling", "a = [0] * 1000\nwhile True:\n    a = a + a\n"),
    row("tuple_concat_doubling", "a = (0,) * 1000\nwhile True:\n    a = a + a\n"),
    row("str_concat_doubling", "a = 'x' * 1000\nwhile True:\n    a = a + a\n"),
    row("list_iadd_doubling", "a = [0] * 1000\nwhile True:\n    a += a\n"),
    row("str_iadd_doubling", "a = 'x' * 1000\nwhile True:\n    a += a\n"),
    // constructors over iterators
    row("dict_zip", "x = dict(zip(range(20_000_000), range(20_000_000)))\n"),
    row("list_zip", "x = list(zip(range(10_000_000), range(10_000_000)))\n"),
    // wide rows: each step makes a tuple of 4,000 items (64 KB)
    row("zip_star_transpose", "x = list(zip(*[range(4000)] * 4000))\n"),
    row(
        "zip_longest_transpose",
        "import itertools\nx = list(itertools.zip_longest(*[range(4000)] * 4000))\n",
    ),
    row("map_many_iterables", "x = list(map(lambda *a: a, *[range(4000)] * 4000))\n"),
    row("tuple_generator", "x = tuple(str(i) for i in range(10_000_000))\n"),
    row("list_map", "x = list(map(str, range(10_000_000)))\n"),
    row("set_range", "x = set(range(20_000_000))\n"),
    row("sorted_generator", "x = sorted(str(i) for i in range(10_000_000))\n"),
    // bulk inserts into an existing dict or set: each round's copy grows a
    // table in place (about 10 MB for 200,000 entries)
    row(
        "dict_ior_copies",
        "a = {i: i for i in range(200_000)}\nxs = []\nwhile True:\n    d = {}\n    d |= a\n    xs.append(d)\n",
    ),
    row(
        "dict_update_copies",
        "a = {i: i for i in range(200_000)}\nxs = []\nwhile True:\n    d = {}\n    d.update(a)\n    xs.append(d)\n",
    ),
    row(
        "set_ior_copies",
        "a = set(range(200_000))\nxs = []\nwhile True:\n    s = set()\n    s |= a\n    xs.append(s)\n",
    ),
    row(
        "set_update_copies",
        "a = set(range(200_000))\nxs = []\nwhile True:\n    s = set()\n    s.update(a)\n    xs.append(s)\n",
    ),
    row(
        "set_union_copies",
        "a = set(range(200_000))\nb = {-1}\nxs = []\nwhile True:\n    xs.append(a | b)\n",
    ),
    // csv and StringIO
    row(
        "csv_writer_stringio",
        "import csv, io\nf = io.StringIO()\nw = csv.writer(f)\nrow = ['x' * 1000] * 100\nwhile True:\n    w.writerow(row)\n",
    ),
    row(
        "csv_writerows_stringio",
        "import csv, io\nf = io.StringIO()\nw = csv.writer(f)\nw.writerows([['x' * 1000] * 100] * 3000)\n",
    ),
    row(
        "stringio_write",
        "import io\nf = io.StringIO()\ns = 'x' * 100_000\nwhile True:\n    f.write(s)\n",
    ),
    row(
        "csv_reader_rows",
        "import csv, io\nrows = list(csv.reader(io.StringIO('a,b,c,d\\n' * 3_000_000)))\n",
    ),
    // padding and growing str methods
    row("fstring_width", "x = f\"{'x':>200000000}\"\n"),
    row("format_width", "x = format('x', '>200000000')\n"),
    row("percent_width", "x = '%200000000s' % 'x'\n"),
    row("str_center", "x = 'x'.center(200_000_000)\n"),
    row("str_ljust", "x = 'x'.ljust(200_000_000)\n"),
    row("str_zfill", "x = '1'.zfill(200_000_000)\n"),
    row("str_replace", "x = ('ab' * 1_000_000).replace('a', 'x' * 200)\n"),
    row("str_replace_empty", "x = ('a' * 1_000_000).replace('', 'x' * 200)\n"),
    row("str_expandtabs", "x = ('\\t' * 1_000_000).expandtabs(200)\n"),
    row("str_translate", "x = ('a' * 1_000_000).translate({97: 'x' * 200})\n"),
    // writers of whole values (small lists of large or shared items: the
    // text is what grows)
    row("repr_list", "x = repr(['x' * 10_000] * 20_000)\n"),
    row("str_of_list", "x = str([[10**17] * 1000] * 20_000)\n"),
    row("json_dumps", "import json\nx = json.dumps(['x' * 10_000] * 20_000)\n"),
    row("json_dumps_nested", "import json\nx = json.dumps([[10**17] * 1000] * 20_000)\n"),
    row("json_loads", "import json\nx = json.loads('[' + '[],' * 10_000_000 + '[]]')\n"),
    row("textwrap_wrap", "import textwrap\nx = textwrap.wrap('a ' * 5_000_000, 1)\n"),
    // itertools materialisers
    row(
        "itertools_product",
        "import itertools\nx = list(itertools.product(range(4000), repeat=2))\n",
    ),
    Row {
        name: "list_islice_count",
        program: "import itertools\nx = list(itertools.islice(itertools.count(), 10**18))\n",
        also: &["collection_length"],
    },
    // `sum(islice(count(), 10**18))` keeps nothing since islice is lazy
    // (issue #76): it runs out of fuel, as CPython would run for ever.
    row("dict_fromkeys", "x = dict.fromkeys(range(20_000_000))\n"),
    row("counter_range", "import collections\nx = collections.Counter(range(20_000_000))\n"),
    row("format_grouped_zero_pad", "x = format(5, '0200000000,')\n"),
    row(
        "itertools_accumulate",
        "import itertools\nx = list(itertools.accumulate(['x'] * 100_000))\n",
    ),
];

/// The heap is process-wide: the tests of this binary take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn limits() -> Limits {
    Limits { memory_bytes: BUDGET, fuel: 2_000_000_000, ..Limits::default() }
}

#[test]
fn every_producer_is_charged_before_its_result_passes_the_budget() {
    let _turn = take_turn();
    let mut failures = Vec::new();
    for r in ROWS {
        let started = std::time::Instant::now();
        let (ending, peak) = peak_of(|| hostile::run_program(r.program, limits()));
        // REAL_HEAP_LIST=1 lists each row's peak, time and ending.
        if std::env::var_os("REAL_HEAP_LIST").is_some() {
            eprintln!(
                "{:>7.2}x {:>6.2}s {}: {} ({})",
                peak as f64 / BUDGET as f64,
                started.elapsed().as_secs_f64(),
                r.name,
                ending.kind,
                ending.detail
            );
        }
        if ending.kind != "memory" && !r.also.contains(&ending.kind.as_str()) {
            failures.push(format!(
                "{}: expected memory, got {} ({})",
                r.name, ending.kind, ending.detail
            ));
        }
        if peak > BUDGET + SLACK {
            failures.push(format!(
                "{}: real heap peaked at {peak} bytes, budget {BUDGET} + slack {SLACK}",
                r.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// Unreachable self-referencing lists are reclaimed soon, not when the
/// budget is full: a loop that strands a 16 KB cycle per round (and keeps
/// nothing) runs until its fuel is spent with the heap's peak at a small
/// share of the budget (a collection is due once the live bytes grew
/// fourfold past a thirty-second of the budget, `gc::collect_due`).
#[test]
fn unreachable_cycles_are_reclaimed_long_before_the_budget() {
    let _turn = take_turn();
    let programs = [
        ("self_ref_lists", "while True:\n    a = ['y'] * 1000\n    a.append(a)\n"),
        (
            "two_list_cycles",
            "while True:\n    a = ['y'] * 500\n    b = [a] * 500\n    a.append(b)\n",
        ),
        ("dict_cycles", "while True:\n    d = {i: i for i in range(500)}\n    d['me'] = d\n"),
    ];
    for (name, src) in programs {
        let limits = Limits { memory_bytes: BUDGET, fuel: 3_000_000, ..Limits::default() };
        let (ending, peak) = peak_of(|| hostile::run_program(src, limits));
        eprintln!("{name}: {} KiB peak, {}", peak >> 10, ending.kind);
        assert_eq!(ending.kind, "fuel", "{name}: {}", ending.detail);
        assert!(peak <= BUDGET / 4, "{name}: real heap peaked at {peak} bytes, budget {BUDGET}");
    }
}
