//! A generator of well-typed DSL programs for differential fuzzing against
//! CPython 3.11 (issue #53, item 5): turns arbitrary bytes into a program
//! of independent statements, each of which computes one value and prints
//! `show(value)` (a canonical `repr`: sets sorted, no addresses), or the
//! name of the exception it raised. Every statement prints exactly one
//! line, so the n-th lines of our run and of CPython's answer the same
//! question.
//!
//! Expressions are typed: each hole in a template below (`$i` an int, `$s`
//! a str, ...) is filled with an expression of that type, down to literals
//! at the edges (0, -1, 2**31, i64's ends, -0.0, 5e-324, inf, nan, empty,
//! CJK, combining, emoji, escapes). Sizes (repetition counts, widths,
//! `range` bounds) are small ints, so no statement makes CPython allocate
//! gigabytes or loop for long; big ints appear only in arithmetic.
//!
//! A share of the statements call methods and builtins read from the
//! interpreter's tables (`cost_table::entries`, `METHOD_ARITY`, through
//! `hostile_gen.rs`'s catalog) with tame arguments, so a method the typed
//! templates do not know is still compared.
//!
//! Shared by `fuzz/fuzz_targets/interp_differential.rs` (cargo-fuzz) and
//! `tests/differential_fuzz.rs` (a proptest in the normal suite).

#![allow(dead_code)]

use super::hostile_gen;

/// A generated program and the statement behind each line it prints.
pub struct Program {
    pub src: String,
    pub statements: Vec<String>,
}

/// Binds the modules and `show`; printed nothing.
pub const PRELUDE: &str = "\
import math, json, re, itertools, string
from collections import Counter, OrderedDict, defaultdict, deque
def show(v):
    if isinstance(v, (set, frozenset)):
        return type(v).__name__ + repr(sorted(repr(x) for x in v))
    r = repr(v)
    if ' at 0x' in r:
        return '<' + type(v).__name__ + '>'
    return r
";

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "-3",
    "10",
    "255",
    "2**31",
    "-2**31",
    "2**32",
    "9223372036854775807",
    "(-9223372036854775807 - 1)",
    "10**18",
    "123456789",
    "-987654321",
    "True",
    "65",
    "0x7f",
    "0o17",
    "0b1011",
    "1_000_000",
];

const SMALL: &[&str] = &["0", "1", "2", "3", "5", "8", "12", "-1", "-2", "4", "6", "10"];

const STEPS: &[&str] = &["None", "1", "-1", "2", "-2", "3", "-3", "0", "5"];

const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "1.5",
    "-2.5",
    "0.1",
    "2.5",
    "3.0",
    "0.5",
    "1e308",
    "-1e308",
    "5e-324",
    "1e16",
    "1e-7",
    "123456.789",
    "float('inf')",
    "float('-inf')",
    "float('nan')",
    "1.7976931348623157e308",
    "2.2250738585072014e-308",
    "0.3",
    "100.0",
    "1e22",
    "9007199254740993.0",
    "-1.25",
];

const STRS: &[&str] = &[
    "",
    "a",
    "abc",
    "Hello World",
    "  padded  ",
    "\t\n x\r\u{b}\u{c}",
    "ß",
    "İstanbul",
    "ﬁne",
    "日本語テキスト",
    "e\u{301}",
    "😀👍🏽",
    "a,b,,c",
    "123",
    "-42",
    "3.14",
    "0x1f",
    "aAbB",
    "hello world foo",
    "\u{0}",
    "x\\y",
    "it's",
    "\"q\"",
    "ǅungla",
    "ΣΑΣ ΟΔΟΣ",
    "١٢٣",
    "½²",
    "a-b_c d",
    "CamelCaseWord",
    "{}",
    "%s",
    "TITLE case",
    "line1\nline2\r\nline3",
    "\u{85}\u{2028}x",
    "tab\there",
    "ﬀ",
    "\u{1f}\u{7f}",
    "mississippi",
    "  ",
    "Ⅷ",
    "ŉ",
    "end of line\n",
    "e\u{301}t\u{e9} x\u{b2}\u{203f}y\n\n",
];

/// Regular expressions without groups (`findall` gives strs).
const PATTERNS: &[&str] = &[
    r"\w+",
    r"\d+",
    r"[a-z]+",
    r"\s+",
    r"a|b",
    r"[^a-z]",
    r"\b\w",
    r"(?i)h",
    r".",
    r"x*",
    r"",
    r"\W+",
    r"[A-Z][a-z]*",
    r"^\s*",
    r"\s*$",
    r"[ -/]",
    r"\.",
    r"i(?=s)",
    r"s{2}",
    r"[\u00e0-\uffff]",
    r"\w$",
    r"\w+(?=\s|$)",
    r"(?a)\w+",
    r"(?m)\w$",
    r"\S+(?=\n)",
    r"[\w.]+",
    r"\101|\0",
];

/// Regular expressions with groups.
const GROUP_PATTERNS: &[&str] = &[
    r"(\w)(\d)?",
    r"(a)|(b)",
    r"(\w+)\s(\w+)",
    r"(?P<w>[a-z]+)",
    r"(s)(s)?",
    r"(\w)(\w)$",
    r"(\w+)(?=\W)",
];

const INT_SPECS: &[&str] = &[
    "", "d", "5d", "<5", ">8", "^7", "+d", " d", "08d", ",", "_", "x", "#x", "X", "#o", "b",
    "#010b", "c", "e", ".3e", "f", ".2f", "%", "g", "*^9", "=+8", ",d", "_x", ".0f", "-", "n", "o",
    "+,", "0=10", "s",
];

const FLOAT_SPECS: &[&str] = &[
    "", ".2f", "10.3f", "e", ".0e", "g", ".3g", "%", ".1%", "+.2f", "08.2f", ",.2f", "_.3f", "E",
    "G", "#g", "#.0f", ".0f", "<10", "^12.4", ".15g", ".17g", "r", ".1", "n", ",", "z.1f", ".30f",
    "-^11.3e", "d",
];

const STR_SPECS: &[&str] =
    &["", ">10", "<5", "^9", "*^11", ".3", "10.2", "s", "=5", "d", "_<7", "^", ">0", "x>4"];

const PERCENT_INT: &[&str] = &[
    "%d", "%5d", "%-5d|", "%05d", "%x", "%#X", "%o", "%#o", "%e", "%g", "%c", "%+d", "% d", "%i",
    "%.3d", "%s", "%r", "%a", "%%%d", "%u", "%f",
];

const PERCENT_FLOAT: &[&str] = &[
    "%f", "%.2f", "%10.3f", "%-10.1f|", "%e", "%.3E", "%g", "%G", "%.10g", "%s", "%r", "%d",
    "%+.1f", "%#.0f", "%5.1%%", "%x",
];

const PERCENT_STR: &[&str] = &["%s", "%r", "%a", "%10s", "%-10s|", "%.2s", "%5.1s", "%c", "%d"];

/// Templates of each type; the first is the leaf form (a literal).
const INT_T: &[&str] = &[
    "#",
    "($i + $i)",
    "($i - $i)",
    "($i * $i)",
    "($i // $i)",
    "($i % $i)",
    "($i ** $n)",
    "(-$i)",
    "($i << $n)",
    "($i >> $n)",
    "($i & $i)",
    "($i | $i)",
    "($i ^ $i)",
    "(~$i)",
    "abs($i)",
    "len($s)",
    "len($l)",
    "$s.count($s)",
    "$s.find($s)",
    "$s.rfind($s)",
    "$s.index($s)",
    "$s.find($s, $i, $i)",
    "$s.count($s, $n)",
    "int($f)",
    "round($f)",
    "ord($s)",
    "sum($L)",
    "min($L)",
    "max($L)",
    "$L.index($i)",
    "$L.count($i)",
    "divmod($i, $i)[0]",
    "pow($i, $n, $i)",
    "pow($i, -1, $i)",
    "$i.bit_length()",
    "round($i, $n)",
    "math.gcd($i, $i)",
    "math.isqrt($i)",
    "math.floor($f)",
    "math.ceil($f)",
    "math.comb($n, $n)",
    "math.factorial($n)",
    "math.trunc($f)",
    "$d.get($s, $i)",
    "len($d)",
    "len($e)",
    "sorted($L)[$i]",
    "$L[$i]",
    "$t.count($x)",
    "json.loads(json.dumps($i))",
    "($i if $b else $i)",
    "(True + $i)",
    "max($i, $i, key=abs)",
    "min($L, default=$i)",
    "Counter($s).total()",
    "len(set($s))",
    "int($b)",
    "math.prod($L)",
    "math.lcm($n, $n)",
    "len($S)",
    "$i.bit_count()",
    "sum($L, $i)",
    "round($i, -$n)",
    "int($s)",
    "int($s, $n)",
    "hash($i)",
    "$L[$i:][$i]",
    "sum(x for x in $L if x > $i)",
    "len(range($i, $i, $z))",
    "range($n, $i, $z)[$i]",
    "abs($i) % $n",
    "list($s).count($s)",
    "(lambda a, b=$i: a * b)($i)",
];

const FLOAT_T: &[&str] = &[
    "#",
    "($f + $f)",
    "($f - $f)",
    "($f * $f)",
    "($f / $f)",
    "($f // $f)",
    "($f % $f)",
    "($f ** $f)",
    "($i / $i)",
    "(-$f)",
    "abs($f)",
    "float($i)",
    "round($f, $n)",
    "math.sqrt($f)",
    "math.log($f)",
    "math.exp($f)",
    "math.sin($f)",
    "math.fsum($F)",
    "math.hypot($f, $f)",
    "math.copysign($f, $f)",
    "math.fabs($f)",
    "math.pi",
    "math.e",
    "math.inf",
    "sum($F)",
    "max($f, $f)",
    "min($F)",
    "divmod($f, $f)[1]",
    "math.fmod($f, $f)",
    "math.remainder($f, $f)",
    "($f * $i)",
    "($i ** -$n)",
    "($f ** $n)",
    "float($s)",
    "math.atan2($f, $f)",
    "math.modf($f)[0]",
    "math.frexp($f)[0]",
    "math.ldexp($f, $n)",
    "math.log2($f)",
    "math.log10($f)",
    "math.pow($f, $f)",
    "(0.1 * $n)",
    "($i / $f)",
    "round($f, -$n)",
    "math.degrees($f)",
    "math.dist($F[:2], $F[:2])",
    "json.loads(json.dumps($f))",
    "float(str($f))",
    "float(repr($f))",
];

const STR_T: &[&str] = &[
    "#",
    "($s + $s)",
    "($s * $n)",
    "$s[$i]",
    "$s[$n:$n]",
    "$s[$i:$i:$z]",
    "$s[::$z]",
    "$s.upper()",
    "$s.lower()",
    "$s.casefold()",
    "$s.title()",
    "$s.capitalize()",
    "$s.swapcase()",
    "$s.strip()",
    "$s.strip($s)",
    "$s.lstrip($s)",
    "$s.rstrip()",
    "$s.replace($s, $s)",
    "$s.replace($s, $s, $i)",
    "$s.center($n)",
    "$s.center($n, $c)",
    "$s.ljust($n, $c)",
    "$s.rjust($n)",
    "$s.zfill($n)",
    "$s.join($S)",
    "$s.expandtabs($n)",
    "$s.removeprefix($s)",
    "$s.removesuffix($s)",
    "str($x)",
    "repr($x)",
    "str($l)",
    "ascii($s)",
    "chr($i)",
    "hex($i)",
    "oct($i)",
    "bin($i)",
    "format($i, $C)",
    "format($f, $G)",
    "format($s, $H)",
    "json.dumps($a)",
    "json.dumps($a, sort_keys=True)",
    "json.dumps($s, ensure_ascii=False)",
    "json.dumps($d, indent=$n)",
    "re.sub($p, $s, $s)",
    "re.sub($p, '<\\\\g<0>>', $s)",
    "re.sub($p, lambda m: m.group(0).upper(), $s, count=$n)",
    "re.escape($s)",
    "string.capwords($s)",
    "''.join(sorted($s))",
    "''.join(reversed($s))",
    "str($f)",
    "repr($f)",
    "str($i)",
    "$s.translate(str.maketrans($s, $s))",
    "$s.translate({ord($c): $s})",
    "'{} {}'.format($x, $x)",
    "'{0!r:^9}|{1}'.format($s, $x)",
    "'{:$C}'.format($i)",
    "'{:$G}'.format($f)",
    "$s.format($x)",
    "str($t)",
    "str($d)",
    "json.dumps($l, separators=(',', ':'))",
    "$S[$i]",
    "'-'.join(map(str, $L))",
    "re.sub($P, r'\\2\\1', $s)",
    "$s.title().swapcase()",
    "str(Counter($s))",
    "repr(deque($L, maxlen=$n))",
    "str(OrderedDict(zip($S, $L)))",
    "repr(range($i, $i, $z))",
    "repr($s)",
    "$s.upper().lower()",
    "$s.lstrip()",
    "$s.rsplit(None, $n)[$i]",
    "' '.join($s.split())",
    "string.ascii_letters[$i:$i:$z]",
    "string.punctuation",
    "str(math.inf)",
    "repr(-0.0)",
    "'%s-%s' % ($x, $s)",
    "repr($l)",
];

const BOOL_T: &[&str] = &[
    "#",
    "$s.isdigit()",
    "$s.isalpha()",
    "$s.isalnum()",
    "$s.isspace()",
    "$s.isupper()",
    "$s.islower()",
    "$s.istitle()",
    "$s.isdecimal()",
    "$s.isnumeric()",
    "$s.isidentifier()",
    "$s.isprintable()",
    "$s.isascii()",
    "$s.startswith($s)",
    "$s.endswith($s, $n)",
    "($s in $s)",
    "($i in $L)",
    "($s in $d)",
    "($i in $e)",
    "($i < $i)",
    "($f < $f)",
    "($f == $f)",
    "($s < $s)",
    "($l == $l)",
    "($t < $t)",
    "($i == $f)",
    "(not $b)",
    "($b and $b)",
    "($b or $b)",
    "bool($x)",
    "all($L)",
    "any($l)",
    "isinstance($x, int)",
    "math.isnan($f)",
    "($e <= $e)",
    "$e.isdisjoint($e)",
    "math.isclose($f, $f)",
    "$f.is_integer()",
    "($S > $S)",
    "($i != $f)",
    "($f >= $i)",
    "($x is None)",
    "($x == $x)",
    "math.isfinite($f)",
    "($s.startswith(($s, $s)))",
    "($L < $L)",
    "($d == $d)",
    "($e == set($L))",
    "($s not in $S)",
    "(1 < $i < $i)",
];

const INT_LIST_T: &[&str] = &[
    "#",
    "list(range($n))",
    "list(range($n, $n, $z))",
    "sorted($L)",
    "sorted($L, reverse=$b)",
    "sorted($L, key=$k)",
    "($L + $L)",
    "($L * $n)",
    "$L[$i:$i:$z]",
    "$L[::$z]",
    "[x * $i for x in $L]",
    "[x for x in $L if x % 2]",
    "list(map(abs, $L))",
    "list(filter(None, $L))",
    "list(reversed($L))",
    "sorted($e)",
    "[ord(ch) for ch in $s]",
    "list(itertools.accumulate($L))",
    "list(itertools.islice(itertools.count($i), $n))",
    "[a * b for a, b in zip($L, $L)]",
    "list(divmod($i, $i))",
    "[len(w) for w in $S]",
    "list(itertools.chain($L, $L))",
    "list($d.values())",
    "[x // $n for x in $L]",
    "list(range($i, $i, $z)[:8])",
    "[x for x in range($n) for y in range(x)]",
    "sorted($L, key=lambda v: (v % 3, -v))",
    "list(itertools.compress($L, $L))",
    "list(itertools.takewhile(lambda v: v < $i, $L))",
    "list(itertools.dropwhile(lambda v: v < $i, $L))",
    "list(deque($L, maxlen=$n))",
    "list(range($n))[::$z]",
    "[$L.pop() for _ in range(0)]",
    "[round(v) for v in $F]",
    "sorted(set($L))",
    "list(itertools.accumulate($L, max))",
];

const STR_LIST_T: &[&str] = &[
    "#",
    "$s.split()",
    "$s.split($s)",
    "$s.split($s, $n)",
    "$s.rsplit($s, $n)",
    "$s.splitlines()",
    "$s.splitlines(True)",
    "sorted($S)",
    "sorted($s)",
    "list($s)",
    "re.findall($p, $s)",
    "re.split($p, $s)",
    "sorted($d)",
    "list($d.keys())",
    "[w.strip() for w in $S]",
    "[w for w in $S if w]",
    "($S + $S)",
    "$S[::$z]",
    "list(map(str, $L))",
    "[str(x) for x in $L]",
    "sorted($S, key=len)",
    "sorted($S, key=str.lower)",
    "sorted($S, key=lambda w: w[::-1])",
    "re.split($p, $s, maxsplit=$n)",
    "[m.group(0) for m in re.finditer($p, $s)]",
    "sorted($E)",
    "list(string.ascii_lowercase[:$n])",
    "[$s.join(p) for p in $S]",
    "$s.partition($s)[::2]",
    "[repr(f) for f in $F]",
    "[format(v, $C) for v in $L]",
    "[w.title() for w in $S]",
    "list(itertools.repeat($s, $n))",
    "[k for k, g in itertools.groupby($s)]",
    "list(dict.fromkeys($s))",
    "[c * $n for c in $s]",
];

const FLOAT_LIST_T: &[&str] = &[
    "#",
    "[x / 3 for x in $L]",
    "[float(x) for x in $L]",
    "sorted($F)",
    "$F + [$f]",
    "[x * $f for x in $F]",
    "[round(x, $n) for x in $F]",
    "list(map(abs, $F))",
    "list(itertools.accumulate($F))",
    "[math.floor(x) / 2 for x in $F]",
];

const ANY_LIST_T: &[&str] = &[
    "$L",
    "$S",
    "$F",
    "[$x, $x]",
    "list($t)",
    "list($d.items())",
    "list(zip($L, $S))",
    "list(enumerate($S))",
    "[*$L, *$S]",
    "list(itertools.product($L[:3], repeat=2))",
    "list(itertools.permutations($L[:4], 2))",
    "list(itertools.combinations($S[:5], 2))",
    "[(k, len(list(g))) for k, g in itertools.groupby(sorted($s))]",
    "list(itertools.zip_longest($L, $S, fillvalue=$x))",
    "sorted($d.items())",
    "list(Counter($s).items())",
    "Counter($S).most_common($n)",
    "json.loads(json.dumps($l))",
    "re.findall($P, $s)",
    "[$x] * $n",
    "[[$i] * $n] * $n",
    "list(itertools.pairwise($L))",
    "sorted($l, key=repr)",
    "list(map(lambda a, b: (a, b), $L, $S))",
    "[x for x in $l][$i:$i]",
    "list(itertools.combinations_with_replacement($S[:3], 2))",
    "Counter($s).most_common()",
    "list(itertools.starmap(pow, [($n, $n), ($n, $n)]))",
    "[m.span() for m in re.finditer($p, $s)]",
    "[m.groups() for m in re.finditer($P, $s)]",
    "list(zip(*[$L, $L]))",
];

const TUPLE_T: &[&str] = &[
    "($x, $x)",
    "tuple($L)",
    "$s.partition($s)",
    "$s.rpartition($s)",
    "divmod($i, $i)",
    "divmod($f, $f)",
    "$f.as_integer_ratio()",
    "tuple(sorted($S))",
    "($t + $t)",
    "$t[::$z]",
    "($x,)",
    "()",
    "tuple(zip($L, $L))",
    "($i, $f, $s)",
    "tuple($s)",
    "math.modf($f)",
    "math.frexp($f)",
    "($t * $n)",
    "tuple(enumerate($s))[:$n]",
    "(re.search($P, $s) or re.search('', '')).groups()",
    "(re.search($p, $s) or re.search('', '')).span()",
];

const DICT_T: &[&str] = &[
    "#",
    "{'x': $x, 'y': $x}",
    "dict(zip($S, $L))",
    "{w: len(w) for w in $S}",
    "dict(Counter($s))",
    "dict(Counter($S))",
    "{**$d, **$d}",
    "($d | $d)",
    "dict.fromkeys($S, $i)",
    "dict(sorted($d.items()))",
    "json.loads(json.dumps($d))",
    "{k: v for k, v in $d.items() if v}",
    "dict(enumerate($S))",
    "Counter($s)",
    "Counter($L)",
    "(Counter($s) + Counter($s))",
    "(Counter($s) - Counter($s))",
    "(Counter($s) | Counter($s))",
    "(Counter($s) & Counter($s))",
    "OrderedDict(zip($S, $L))",
    "defaultdict(int, $d)",
    "dict($d, z=$x)",
    "{$s: $x}",
    "{$i: $x, $f: $x}",
    "dict([($s, $i), ($s, $i)])",
    "(re.search($P, $s) or re.search('', '')).groupdict()",
    "json.loads(json.dumps({$i: $x}))",
    "{k: v for k, v in sorted($d.items(), key=lambda kv: repr(kv[1]))}",
];

const INT_SET_T: &[&str] = &[
    "#",
    "set($L)",
    "($e | $e)",
    "($e & $e)",
    "($e - $e)",
    "($e ^ $e)",
    "{x % $n for x in $L}",
    "set(range($n))",
    "frozenset($L)",
    "$e.union($L)",
    "$e.intersection($L, $L)",
    "$e.difference($L)",
    "$e.symmetric_difference($L)",
    "set($d.values()) & $e",
    "set()",
    "(frozenset($L) | $e)",
    "{len(w) for w in $S}",
];

const STR_SET_T: &[&str] = &[
    "set($s)",
    "set($S)",
    "($E | $E)",
    "($E & $E)",
    "($E - $E)",
    "set($d)",
    "frozenset($S)",
    "{w.lower() for w in $S}",
    "($d.keys() & $E)",
    "set(re.findall($p, $s))",
];

/// Tame values for the catalog's calls: no big sizes, no infinite iterators.
const TAME: &[&str] = &["$n", "$s", "$f", "$S", "$L", "$b", "None", "$d", "$t", "$c"];

const INT_KEYS: &[&str] = &["abs", "str", "lambda v: -v", "lambda v: (v % 3, v)", "None", "repr"];

/// Catalog receivers that need a constructed value, by type.
fn receiver(ty: &str) -> &'static str {
    match ty {
        "Counter" => "Counter($s)",
        "OrderedDict" => "OrderedDict(zip($S, $L))",
        "defaultdict" => "defaultdict(list, $d)",
        "deque" => "deque($L)",
        "dict" => "$d",
        "float" => "$f",
        "frozenset" => "frozenset($L)",
        "int" => "$i",
        "list" => "$l",
        "range" => "range($n, $n, $z)",
        "set" => "$e",
        "tuple" => "$t",
        _ => "$s",
    }
}

/// Builtins the catalog statements never call: they read input, end the
/// program, print, or show something that differs between runs.
const SKIPPED: &[&str] =
    &["input", "dir", "FINAL", "FINAL_VAR", "SHOW_VARS", "print", "id", "hash", "iter", "next"];

/// A byte reader: every choice consumes one byte (0 when exhausted, so an
/// exhausted input picks leaves and ends).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    fn pick(&mut self, n: usize) -> usize {
        let b = self.data.get(self.pos).copied().unwrap_or(0) as usize;
        self.pos += 1;
        b % n.max(1)
    }

    fn one<'t>(&mut self, items: &'t [&'t str]) -> &'t str {
        items[self.pick(items.len())]
    }

    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// `s` as a single-quoted Python literal (escapes for quotes, backslashes
/// and controls; other characters as they are).
pub fn str_literal(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            '\u{85}' | '\u{2028}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The leaf (literal) of a hole's type.
fn leaf(b: &mut Bytes, hole: char) -> String {
    let ints = |b: &mut Bytes, n: usize| -> String {
        (0..n).map(|_| b.one(INTS).to_string()).collect::<Vec<_>>().join(", ")
    };
    let strs = |b: &mut Bytes, n: usize| -> String {
        (0..n).map(|_| str_literal(b.one(STRS))).collect::<Vec<_>>().join(", ")
    };
    match hole {
        'i' => b.one(INTS).to_string(),
        'n' => b.one(SMALL).to_string(),
        'z' => b.one(STEPS).to_string(),
        'f' => b.one(FLOATS).to_string(),
        's' => str_literal(b.one(STRS)),
        'c' => str_literal(b.one(&["*", " ", "-", "0", "é", "日", ""])),
        'b' => b.one(&["True", "False"]).to_string(),
        'L' => {
            let n = b.pick(5);
            format!("[{}]", ints(b, n))
        }
        'S' => {
            let n = b.pick(5);
            format!("[{}]", strs(b, n))
        }
        'F' => {
            let n = b.pick(4);
            format!("[{}]", (0..n).map(|_| b.one(FLOATS)).collect::<Vec<_>>().join(", "))
        }
        'd' => {
            let n = b.pick(4);
            let items: Vec<String> =
                (0..n).map(|_| format!("{}: {}", str_literal(b.one(STRS)), b.one(INTS))).collect();
            format!("{{{}}}", items.join(", "))
        }
        'e' => {
            let n = b.pick(5);
            if n == 0 { "set()".to_string() } else { format!("{{{}}}", ints(b, n)) }
        }
        'E' => {
            let n = 1 + b.pick(4);
            format!("{{{}}}", strs(b, n))
        }
        't' => {
            let n = b.pick(4);
            format!("({}{})", ints(b, n), if n == 1 { "," } else { "" })
        }
        'p' => format!("r'{}'", b.one(PATTERNS)),
        'P' => format!("r'{}'", b.one(GROUP_PATTERNS)),
        'C' => format!("'{}'", b.one(INT_SPECS)),
        'G' => format!("'{}'", b.one(FLOAT_SPECS)),
        'H' => format!("'{}'", b.one(STR_SPECS)),
        'k' => b.one(INT_KEYS).to_string(),
        _ => "None".to_string(),
    }
}

/// The templates of a hole's type (`None` for leaf-only holes).
fn templates(hole: char) -> Option<&'static [&'static str]> {
    Some(match hole {
        'i' => INT_T,
        'f' => FLOAT_T,
        's' => STR_T,
        'b' => BOOL_T,
        'L' => INT_LIST_T,
        'S' => STR_LIST_T,
        'F' => FLOAT_LIST_T,
        'l' => ANY_LIST_T,
        't' => TUPLE_T,
        'd' => DICT_T,
        'e' => INT_SET_T,
        'E' => STR_SET_T,
        _ => return None,
    })
}

/// An expression for `hole`, at most `depth` templates deep. Holes `x`
/// (any scalar) and `a` (anything) choose a concrete type first.
fn expr(b: &mut Bytes, hole: char, depth: usize) -> String {
    let hole = match hole {
        'x' => ['i', 'f', 's', 'b', 'N'][b.pick(5)],
        'a' => ['i', 'f', 's', 'b', 'N', 'l', 't', 'd', 'L', 'S'][b.pick(10)],
        h => h,
    };
    let Some(ts) = templates(hole) else { return leaf(b, hole) };
    let t = ts[b.pick(ts.len())];
    if depth == 0 || t == "#" {
        return leaf_or_first(b, hole, ts);
    }
    fill(b, t, depth - 1)
}

/// The leaf of a type that has one, else its first template filled with leaves.
fn leaf_or_first(b: &mut Bytes, hole: char, ts: &[&str]) -> String {
    if ts[0] == "#" { leaf(b, hole) } else { fill(b, ts[0], 0) }
}

/// `template` with every `$h` replaced by an expression of type `h`.
fn fill(b: &mut Bytes, template: &str, depth: usize) -> String {
    let mut out = String::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let hole = chars.next().unwrap_or('N');
        out.push_str(&expr(b, hole, depth));
    }
    out
}

/// A value's statement: compute it, print what `show` makes of it.
fn value_statement(b: &mut Bytes) -> String {
    let hole = ['i', 'f', 's', 'b', 'L', 'S', 'F', 'l', 't', 'd', 'e', 'E', 'a'][b.pick(13)];
    let depth = 1 + b.pick(3);
    format!("v = {}", expr(b, hole, depth))
}

/// A formatting statement: f-string, `format`, or `%`, over a bound value
/// (3.11's f-strings take no backslash or same quote in the expression).
fn format_statement(b: &mut Bytes) -> String {
    let (hole, specs, percents) = match b.pick(3) {
        0 => ('i', INT_SPECS, PERCENT_INT),
        1 => ('f', FLOAT_SPECS, PERCENT_FLOAT),
        _ => ('s', STR_SPECS, PERCENT_STR),
    };
    let depth = b.pick(3);
    let bound = format!("t = {}; ", expr(b, hole, depth));
    let spec = b.one(specs);
    let line = match b.pick(8) {
        0 => format!("v = f\"[{{t:{spec}}}]\""),
        1 => format!("v = f\"{{t!r:>{}}}|{{t!s}}\"", b.one(SMALL)),
        2 => format!("v = f\"{{t:>{{{}}}}}{{t=}}\"", b.one(SMALL)),
        3 => format!("v = format(t, '{spec}')"),
        4 => format!("v = '{}' % t", b.one(percents)),
        5 => format!("v = '%*s|%-*d' % ({}, t, {}, len(str(t)))", b.one(SMALL), b.one(SMALL)),
        6 => "v = '%(k)s:%(k)r' % {'k': t}".to_string(),
        _ => format!("v = '{{0:{spec}}}|{{0!a}}'.format(t)"),
    };
    bound + &line
}

/// A mutation of a bound container, then the container itself is the value.
fn mutation_statement(b: &mut Bytes) -> String {
    let (hole, ops): (char, &[&str]) = match b.pick(3) {
        0 => (
            'l',
            &[
                "v.append($x)",
                "v.extend($L)",
                "v.insert($i, $x)",
                "v.pop($i)",
                "v.remove($x)",
                "v.sort()",
                "v.reverse()",
                "v[$i:$i:$z] = $L",
                "del v[$i:$i:$z]",
                "v[$i] = $x",
                "v *= $n",
                "v += $S",
                "v[$n:$n] = $S",
                "del v[$i]",
                "v.sort(key=repr, reverse=$b)",
                "v.clear()",
                "v.pop()",
            ],
        ),
        1 => (
            'd',
            &[
                "v[$s] = $x",
                "v.update($d)",
                "v.pop($s, None)",
                "v.setdefault($s, $x)",
                "del v[$s]",
                "v.popitem()",
                "v |= $d",
                "v.update(zip($S, $L))",
                "v.pop($s)",
                "v.clear()",
            ],
        ),
        _ => (
            'e',
            &[
                "v.add($i)",
                "v.discard($i)",
                "v.remove($i)",
                "v.update($L)",
                "v.intersection_update($L)",
                "v -= $e",
                "v |= $e",
                "v ^= $e",
                "v &= $e",
                "v.difference_update($L, $L)",
                "v.symmetric_difference_update($L)",
            ],
        ),
    };
    let depth = b.pick(2);
    let init = expr(b, hole, depth);
    let op = b.one(ops);
    let op2 = b.one(ops);
    format!("v = {init}; {}; {}", fill(b, op, 1), fill(b, op2, 1))
}

/// A call of a method or builtin read from the interpreter's tables, with
/// tame arguments.
fn catalog_statement(b: &mut Bytes) -> String {
    let cat = hostile_gen::catalog();
    let tame_args = |b: &mut Bytes, n: usize| -> String {
        let mut args = Vec::new();
        for _ in 0..n {
            let t = b.one(TAME);
            args.push(fill(b, t, 0));
        }
        args.join(", ")
    };
    if b.pick(3) > 0 {
        let m = &cat.methods[b.pick(cat.methods.len())];
        let count =
            if m.arities.is_empty() { b.pick(3) } else { m.arities[b.pick(m.arities.len())] };
        let recv = fill(b, receiver(&m.ty), 0);
        return format!("v = ({recv}).{}({})", m.name, tame_args(b, count));
    }
    let callable: Vec<&String> =
        cat.builtins.iter().filter(|f| !SKIPPED.contains(&f.as_str())).collect();
    let f = callable[b.pick(callable.len())];
    let count = b.pick(4);
    format!("v = {f}({})", tame_args(b, count))
}

/// One statement's body (one line of `;`-joined simple statements).
fn body(b: &mut Bytes) -> String {
    match b.pick(10) {
        0..=4 => value_statement(b),
        5 | 6 => format_statement(b),
        7 => mutation_statement(b),
        _ => catalog_statement(b),
    }
}

/// A complete program: the prelude, then statements while input lasts.
pub fn program(data: &[u8]) -> Program {
    let mut b = Bytes::new(data);
    let mut src = String::from(PRELUDE);
    let mut statements = Vec::new();
    while !b.done() && statements.len() < 40 && src.len() < 12_000 {
        let stmt = body(&mut b);
        src.push_str(&format!(
            "try:\n    {stmt}\n    print(show(v))\nexcept Exception as e:\n    print(type(e).__name__)\n"
        ));
        statements.push(stmt);
    }
    Program { src, statements }
}
