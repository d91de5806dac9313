//! Issue #77's named cases: programs whose builtin work once outran its
//! charge (time or memory), each with the endings it may have under the
//! default `Limits`: the right answer (each program checks its result with
//! `assert`, so a wrong one ends in an exception) or a clean limit error of
//! the kind named. Shared by the test that asserts them with a counting
//! allocator (`tests/cost_cases.rs`) and the release example that prints
//! each one's wall time, ending and heap peak (`examples/cost_cases.rs`).

#![allow(dead_code)]

/// One named case.
pub struct Case {
    pub name: &'static str,
    pub src: &'static str,
    /// The endings allowed (`hostile::classify`'s kinds; `ok` is the right answer).
    pub want: &'static [&'static str],
    /// The fuel the debug test runs it with when the default's 200 M would
    /// take too long there (a fuel-bound case: the ending is the same, it
    /// comes sooner); `None` runs it with the default.
    pub debug_fuel: Option<u64>,
}

/// The heap's peak may pass the memory budget by this much (issue #77).
pub const HEAP_SLACK: usize = 64 << 20;

pub const CASES: &[Case] = &[
    Case {
        name: "re_sub_thousands_separator_x200",
        src: "import re\n\
              digits = '1234567890' * 30000\n\
              for _ in range(200):\n    \
                  r = re.sub(r'\\B(?=(\\d{3})+(?!\\d))', ',', digits)\n",
        want: &["fuel"],
        debug_fuel: Some(10_000_000),
    },
    Case {
        name: "repr_nul_heavy",
        src: "s = '\\x00' * (1 << 24)\n\
              r = repr(s)\n\
              assert len(r) == 4 * len(s) + 2 and r[:5] == \"'\\\\x00\"\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "ascii_dotted_capital_i",
        src: "s = '\\u0130' * (1 << 23)\n\
              r = ascii(s)\n\
              assert len(r) == 6 * len(s) + 2 and r[:7] == \"'\\\\u0130\"\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "replace_dense_single_char",
        src: "s = 'a' * (1 << 24)\n\
              r = s.replace('a', 'bc')\n\
              assert len(r) == 2 * len(s) and r[:4] == 'bcbc'\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "lower_capital_sigma_runs",
        src: "s = 'A\\u03a3\\u03a3' * (1 << 21)\n\
              r = s.lower()\n\
              assert len(r) == len(s) and r[-3:] == 'a\\u03c3\\u03c2'\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "count_dense_ab",
        src: "s = 'ab' * (1 << 23)\n\
              assert s.count('ab') == 1 << 23\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "replace_dense_ab",
        src: "s = 'ab' * (1 << 23)\n\
              r = s.replace('ab', 'xyz')\n\
              assert len(r) == 3 * (1 << 23) and r[:6] == 'xyzxyz'\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "expandtabs_10e8",
        src: "r = '\\t'.expandtabs(10 ** 8)\n\
              assert len(r) == 10 ** 8 and r[-1] == ' '\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "expandtabs_past_the_string_cap",
        src: "r = '\\t\\t\\t'.expandtabs(10 ** 8)\n",
        want: &["string_length", "memory", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "isidentifier_huge",
        src: "s = 'a' * (1 << 25)\n\
              assert s.isidentifier() and not (s + '-').isidentifier()\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "replace_empty_needle",
        src: "s = 'a' * (1 << 24)\n\
              r = s.replace('', '-')\n\
              assert len(r) == 2 * len(s) + 1 and r[:3] == '-a-'\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "textwrap_wrap_width_1",
        src: "import textwrap\n\
              r = textwrap.wrap('a ' * 10 ** 7, 1)\n\
              assert len(r) == 10 ** 7 and r[0] == 'a'\n",
        want: &["ok", "memory", "fuel"],
        debug_fuel: None,
    },
    Case {
        name: "lookahead_reads_to_the_end_once",
        src: "import re\n\
              r = re.search(r'(?=(a+))b', 'a' * 200000)\n\
              assert r is None\n",
        want: &["fuel"],
        debug_fuel: Some(10_000_000),
    },
    Case {
        name: "lookahead_reads_to_the_end_at_each_place",
        src: "import re\n\
              r = list(re.finditer(r'(?=(a+))', 'a' * 1398099))\n\
              assert len(r) == 1398099\n",
        want: &["fuel"],
        debug_fuel: Some(10_000_000),
    },
    Case {
        name: "lookahead_thousands_separator_honest",
        src: "import re\n\
              x = ''.join(str(7 ** i) + ' ' for i in range(22)) * 100\n\
              r = re.sub(r'\\B(?=(\\d{3})+(?!\\d))', ',', x)\n\
              assert r.count(',') == 100 * sum((len(str(7 ** i)) - 1) // 3 for i in range(22))\n",
        want: &["ok"],
        debug_fuel: None,
    },
    Case {
        name: "groups_over_a_whole_mixed_script_text",
        src: "import re\n\
              x = ('ab' + 'Aa\\u00e9') * 800000\n\
              r = re.sub(r'(\\w+\\s?)*$', ',', x)\n\
              assert r == ',,'\n",
        want: &["ok", "fuel"],
        debug_fuel: None,
    },
    Case {
        // The backtracking engine's stack, a branch per character for each
        // tier it runs (each a regex of its own keeping its own stack):
        // uncharged, this peaked 96 MiB over the 490 MiB held, past the
        // budget + 64 MiB; charged before each tier, the first no longer fits.
        name: "backtracking_stack_near_the_budget",
        src: "import re\n\
              a = 'x' * (245 << 20)\n\
              b = 'y' * (245 << 20)\n\
              r = re.fullmatch(r'(?s).*(?=.)', 'Aa' * 460000)\n\
              assert r is None\n",
        want: &["ok", "memory", "regex"],
        debug_fuel: None,
    },
];
