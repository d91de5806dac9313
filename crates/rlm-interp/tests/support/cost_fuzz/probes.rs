//! The cost fuzzer's probes (issue #77): for each entry of the fuel cost
//! table (`rlm_interp::cost_table::entries()`) a call on a global `X` built
//! from a `Shape`, with argument variants (`{A}` in the code) the search
//! chooses among, and the issue's hand-found cases as seeds.

use super::shape::{MAX_ITEMS, MAX_TEXT, Shape};

/// What `X` is, built from the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text of `n` characters: the fill, the needle every `gap` fills.
    Text,
    /// The text split into lines (a CSV reader's input).
    Lines,
    /// `json.dumps` of `n` elements.
    Json,
    /// A list of `n` elements of the shape's element kind.
    List,
    Tuple,
    Dict,
    Set,
    Deque,
    Counter,
    Ordered,
    /// `n` strings: `str` of each element.
    Strs,
    /// `n` one-element lists.
    Rows,
}

impl Kind {
    pub fn is_text(self) -> bool {
        matches!(self, Kind::Text | Kind::Lines)
    }

    pub fn max_n(self) -> u64 {
        if self.is_text() { MAX_TEXT } else { MAX_ITEMS }
    }
}

pub struct Probe {
    /// The entry's name in `cost_table::entries()`.
    pub entry: &'static str,
    pub kind: Kind,
    /// Statements run on `X`; `{A}` is replaced by the chosen variant.
    pub code: &'static str,
    pub args: &'static [&'static str],
}

impl Probe {
    pub fn variants(&self) -> usize {
        self.args.len().max(1)
    }

    /// The call's statements for the shape's variant, inside a `try` (an
    /// exception is a result too: its message may be what is slow).
    pub fn call_source(&self, shape: &Shape) -> String {
        let arg = self.args.get(shape.variant % self.variants()).copied().unwrap_or("");
        let body = self.code.replace("{A}", arg);
        let mut s = String::from("try:\n");
        for line in body.lines() {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
        s.push_str("except Exception as e:\n    r = e\n");
        s
    }

    /// The cell that builds `X` for the shape (and the helpers probes use).
    pub fn setup_source(&self, shape: &Shape) -> String {
        let mut s = String::from(
            "import asyncio, collections, csv, datetime, functools, io, itertools, json, math, random, re, string, textwrap\n\
             P = re.compile('zz+')\n\
             Q = re.compile('[^z]*z')\n\
             M = re.match('a', 'ab')\n\
             D0 = datetime.datetime(2020, 1, 2)\n\
             F = io.StringIO()\n\
             W = csv.writer(io.StringIO())\n",
        );
        if self.kind.is_text() {
            s.push_str(&shape.text_source());
            if self.kind == Kind::Lines {
                s.push_str("X = X.split('\\n')\n");
            }
            s.push_str("del U\n");
            return s;
        }
        s.push_str(&shape.list_source());
        s.push_str(match self.kind {
            Kind::Json => "X = json.dumps(L)\n",
            Kind::List => "X = L\n",
            Kind::Tuple => "X = tuple(L)\n",
            Kind::Dict => "X = dict.fromkeys(L, 1)\n",
            Kind::Set => "X = set(L)\n",
            Kind::Deque => "X = collections.deque(L)\n",
            Kind::Counter => "X = collections.Counter(L)\n",
            Kind::Ordered => "X = collections.OrderedDict(dict.fromkeys(L, 1))\n",
            Kind::Strs => "X = [str(e) for e in L]\n",
            _ => "X = [[e] for e in L]\n",
        });
        s.push_str("del L\n");
        s
    }

    /// The whole program: setup and call, one cell (the corpus's form).
    pub fn program(&self, shape: &Shape) -> String {
        format!("{}{}", self.setup_source(shape), self.call_source(shape))
    }
}

/// Needles and search strings.
const NEEDLE: &[&str] = &[
    "'ab'",
    "'a'",
    "''",
    "'zz'",
    "'\u{3a3}'",
    r"'\t'",
    "' '",
    "X[:3]",
    "X[-3:]",
    "'a' * 40",
    "X[:1000]",
    "'ab' * 20 + 'c'",
    "'9'",
];
/// Replacements.
const REPL: &[&str] = &[
    "'a', 'bc'",
    "'ab', 'x'",
    "'', '-'",
    "'a', ''",
    "'zz', 'y'",
    "'\u{3a3}', 'ab'",
    "' ', '  '",
    "'9', '99'",
    "'ab', X[:100]",
    "X[:2], X[:2]",
];
/// Regular expressions: lookarounds that read far past a short match,
/// alternations, nested quantifiers (within the engine's guards),
/// backreferences, Unicode classes.
const REGEX: &[&str] = &[
    r"r'\B(?=(\d{3})+(?!\d))'",
    "'zz+'",
    "'a'",
    "'(a|ab)*c'",
    r"r'(?=.*z)'",
    r"r'(\w+\s?)*$'",
    "'(a+)+b'",
    r"r'a(?!b)'",
    r"r'(?<=a)b'",
    r"r'(\w)\1'",
    "'[^z]*z'",
    "'.*?x'",
    r"r'\b\w+\b'",
    "'(?i)\u{3c3}'",
    "'.'",
    "''",
    r"r'(?=(a+))'",
    r"r'\d+(?=\D*$)'",
    "'[a-z\u{e9}\u{4e2d}]+'",
    "'(?:a|b|c|d|e|f|g|h)+$'",
    r"r'(?=(\w+))\1'",
    r"r'(?<!\d)(?=\d)'",
    r"r'(\s*)\S'",
    r"r'(?s).*(?=.)'",
];
const WIDTH: &[&str] = &["10", "len(X) * 2", "len(X) + 100000", "len(X) + 1", "2 ** 20"];
const TABS: &[&str] = &["", "1", "8", "1000", "10 ** 5", "10 ** 8"];
const SPLIT: &[&str] = &["", "'ab'", "' '", r"'\n'", "'a'", "None, 3", "'zz'", "'\u{3a3}'"];
const STRIP: &[&str] = &["", "'a '", "'ab'", r"' \t\n'", "X[:50]", "'\u{3a3}\u{4e2d}'"];
const WRAP: &[&str] = &["", ", 1", ", 2", ", 10", ", width=1, break_long_words=False", ", 1000"];
const LIMITED: &[&str] = &["", "1", "2"];

const fn p(entry: &'static str, kind: Kind, code: &'static str) -> Probe {
    Probe { entry, kind, code, args: &[] }
}

const fn pa(
    entry: &'static str,
    kind: Kind,
    code: &'static str,
    args: &'static [&'static str],
) -> Probe {
    Probe { entry, kind, code, args }
}

use Kind::*;

pub const PROBES: &[Probe] = &[
    // Built-in functions (sized, and the free ones whose work is sized).
    pa("builtins.sorted", List, "r = sorted(X{A})", &["", ", reverse=True", ", key=str"]),
    p("builtins.reversed", List, "r = list(reversed(X))"),
    pa("builtins.min", List, "r = min(X{A})", &["", ", key=str", ", default=0"]),
    pa("builtins.max", List, "r = max(X{A})", &["", ", key=str", ", default=0"]),
    pa("builtins.sum", List, "r = sum(X{A})", &["", ", 0.5"]),
    p("builtins.iter", Set, "r = list(iter(X))"),
    p("builtins.hash", Tuple, "r = hash(X)"),
    pa("builtins.format", Text, "r = format(X, {A})", &["''", "'>10'", "'^' + str(len(X) * 2)"]),
    pa("builtins.repr", Text, "r = repr({A})", &["X", "[X]", "{X: X}"]),
    pa("builtins.ascii", Text, "r = ascii({A})", &["X", "[X]"]),
    pa("builtins.print", Text, "print({A})", &["X", "repr(X)", "X, X"]),
    p("builtins.len", List, "r = len(X)"),
    pa("builtins.any", List, "r = any({A})", &["X", "x is None for x in X"]),
    pa("builtins.all", List, "r = all({A})", &["X", "x is not None for x in X"]),
    pa("builtins.enumerate", List, "r = list(enumerate(X))", &[]),
    p("builtins.zip", List, "r = list(zip(X, X))"),
    p("builtins.map", List, "r = list(map(str, X))"),
    p("builtins.filter", List, "r = list(filter(None, X))"),
    // Types called.
    p("call.Counter", List, "r = collections.Counter(X)"),
    p("call.OrderedDict", Dict, "r = collections.OrderedDict(X)"),
    p("call.defaultdict", Dict, "r = collections.defaultdict(int, X)"),
    p("call.deque", List, "r = collections.deque(X)"),
    p("call.dict", Dict, "r = dict(X)"),
    pa("call.float", Text, "r = float({A})", &["X", "X.strip()"]),
    p("call.frozenset", List, "r = frozenset(X)"),
    pa("call.int", Text, "r = int({A})", &["X", "X.strip()", "X, 16", "X, 36"]),
    p("call.list", List, "r = list(X)"),
    p("call.set", List, "r = set(X)"),
    p("call.tuple", List, "r = tuple(X)"),
    pa("call.str", List, "r = str({A})", &["X", "[X, X]"]),
    // str methods.
    p("str.capitalize", Text, "r = X.capitalize()"),
    p("str.casefold", Text, "r = X.casefold()"),
    pa("str.center", Text, "r = X.center({A})", WIDTH),
    pa("str.count", Text, "r = X.count({A})", NEEDLE),
    pa(
        "str.encode",
        Text,
        "r = X.encode({A})",
        &["", "'utf-8'", "'ascii', 'replace'", "'latin-1', 'ignore'"],
    ),
    pa("str.endswith", Text, "r = X.endswith({A})", &["X", "X[1:]", "('a', 'b', X[1:])"]),
    pa("str.expandtabs", Text, "r = X.expandtabs({A})", TABS),
    pa("str.find", Text, "r = X.find({A})", NEEDLE),
    pa("str.format", Text, "r = X.format({A})", &["", "1", "*range(10)", "X"]),
    pa("str.format_map", Text, "r = X.format_map({A})", &["{}", "{'a': 1}"]),
    pa("str.index", Text, "r = X.index({A})", NEEDLE),
    p("str.isalnum", Text, "r = X.isalnum()"),
    p("str.isalpha", Text, "r = X.isalpha()"),
    p("str.isascii", Text, "r = X.isascii()"),
    p("str.isdecimal", Text, "r = X.isdecimal()"),
    p("str.isdigit", Text, "r = X.isdigit()"),
    p("str.isidentifier", Text, "r = X.isidentifier()"),
    p("str.islower", Text, "r = X.islower()"),
    p("str.isnumeric", Text, "r = X.isnumeric()"),
    p("str.isprintable", Text, "r = X.isprintable()"),
    p("str.isspace", Text, "r = X.isspace()"),
    p("str.istitle", Text, "r = X.istitle()"),
    p("str.isupper", Text, "r = X.isupper()"),
    pa(
        "str.join",
        Text,
        "r = {A}",
        &["X.join(['a', 'b'])", "'-'.join(X)", "X[:5].join(X)", "''.join(X.split())"],
    ),
    pa("str.ljust", Text, "r = X.ljust({A})", WIDTH),
    p("str.lower", Text, "r = X.lower()"),
    pa("str.lstrip", Text, "r = X.lstrip({A})", STRIP),
    pa("str.maketrans", Text, "r = 'a'.maketrans({A})", &["X, X", "X, X[::-1]", "'', '', X"]),
    pa("str.partition", Text, "r = X.partition({A})", NEEDLE),
    pa("str.removeprefix", Text, "r = X.removeprefix({A})", &["X", "X[:-1]", "'a'"]),
    pa("str.removesuffix", Text, "r = X.removesuffix({A})", &["X", "X[1:]", "'a'"]),
    pa("str.replace", Text, "r = X.replace({A})", REPL),
    pa("str.rfind", Text, "r = X.rfind({A})", NEEDLE),
    pa("str.rindex", Text, "r = X.rindex({A})", NEEDLE),
    pa("str.rjust", Text, "r = X.rjust({A})", WIDTH),
    pa("str.rpartition", Text, "r = X.rpartition({A})", NEEDLE),
    pa("str.rsplit", Text, "r = X.rsplit({A})", SPLIT),
    pa("str.rstrip", Text, "r = X.rstrip({A})", STRIP),
    pa("str.split", Text, "r = X.split({A})", SPLIT),
    pa("str.splitlines", Text, "r = X.splitlines({A})", &["", "True"]),
    pa("str.startswith", Text, "r = X.startswith({A})", &["X", "X[:-1]", "('a', 'b', X[:-1])"]),
    pa("str.strip", Text, "r = X.strip({A})", STRIP),
    p("str.swapcase", Text, "r = X.swapcase()"),
    p("str.title", Text, "r = X.title()"),
    pa(
        "str.translate",
        Text,
        "r = X.translate({A})",
        &["{}", "{97: 'bcd'}", "str.maketrans('a\u{3a3}', 'b\u{3c3}')", "{97: None}"],
    ),
    p("str.upper", Text, "r = X.upper()"),
    pa("str.zfill", Text, "r = X.zfill({A})", WIDTH),
    // list methods.
    p("list.clear", List, "X.clear()"),
    p("list.copy", List, "r = X.copy()"),
    pa("list.count", List, "r = X.count({A})", &["-1", "X[-1]", "X[0]"]),
    p("list.extend", List, "Y = []\nY.extend(X)"),
    pa("list.index", List, "r = X.index({A})", &["X[-1]", "-1"]),
    p("list.insert", List, "X.insert(0, 1)"),
    p("list.pop", List, "r = X.pop(0)"),
    pa("list.remove", List, "X.remove({A})", &["X[-1]", "-1"]),
    p("list.reverse", List, "X.reverse()"),
    pa("list.sort", List, "X.sort({A})", &["", "reverse=True", "key=str"]),
    // dict and its flavours.
    p("dict.clear", Dict, "X.clear()"),
    p("dict.copy", Dict, "r = X.copy()"),
    p("dict.fromkeys", List, "r = {}.fromkeys(X)"),
    p("dict.update", Dict, "Y = {}\nY.update(X)"),
    p("dict.items", Dict, "r = list(X.items())"),
    p("dict.popitem", Dict, "r = X.popitem()"),
    p("Counter.elements", Counter, "r = list(X.elements())"),
    pa("Counter.most_common", Counter, "r = X.most_common({A})", &["1", "", "len(X) // 2"]),
    p("Counter.subtract", Counter, "X.subtract(X)"),
    p("Counter.total", Counter, "r = X.total()"),
    pa(
        "OrderedDict.move_to_end",
        Ordered,
        "X.move_to_end({A})",
        &["next(iter(X))", "next(iter(X)), False"],
    ),
    p("dict_keys.isdisjoint", Dict, "r = X.keys().isdisjoint(X)"),
    // set and frozenset.
    p("set.clear", Set, "X.clear()"),
    p("set.copy", Set, "r = X.copy()"),
    p("set.difference", Set, "r = X.difference(X)"),
    p("set.difference_update", Set, "X.difference_update(X)"),
    p("set.intersection", Set, "r = X.intersection(X)"),
    p("set.intersection_update", Set, "X.intersection_update(X)"),
    p("set.isdisjoint", Set, "r = X.isdisjoint(X)"),
    p("set.issubset", Set, "r = X.issubset(X)"),
    p("set.issuperset", Set, "r = X.issuperset(X)"),
    p("set.pop", Set, "r = X.pop()"),
    p("set.symmetric_difference", Set, "r = X.symmetric_difference(X)"),
    p("set.symmetric_difference_update", Set, "X.symmetric_difference_update(X)"),
    p("set.union", Set, "r = X.union(X)"),
    p("set.update", Set, "Y = set()\nY.update(X)"),
    // tuple and deque.
    pa("tuple.count", Tuple, "r = X.count({A})", &["-1", "X[-1]"]),
    p("tuple.index", Tuple, "r = X.index(X[-1])"),
    p("deque.clear", Deque, "X.clear()"),
    p("deque.copy", Deque, "r = X.copy()"),
    p("deque.count", Deque, "r = X.count(-1)"),
    p("deque.extend", List, "Y = collections.deque()\nY.extend(X)"),
    p("deque.extendleft", List, "Y = collections.deque()\nY.extendleft(X)"),
    p("deque.index", Deque, "r = X.index(X[-1])"),
    p("deque.remove", Deque, "X.remove(X[-1])"),
    p("deque.reverse", Deque, "X.reverse()"),
    pa("deque.rotate", Deque, "X.rotate({A})", &["1", "len(X) // 2", "-1"]),
    // re: module functions and the compiled pattern's methods.
    pa("re.Pattern.findall", Text, "r = re.compile({A}).findall(X)", REGEX),
    pa("re.Pattern.finditer", Text, "r = list(re.compile({A}).finditer(X))", REGEX),
    pa("re.Pattern.fullmatch", Text, "r = re.compile({A}).fullmatch(X)", REGEX),
    pa("re.Pattern.match", Text, "r = re.compile({A}).match(X)", REGEX),
    pa("re.Pattern.search", Text, "r = re.compile({A}).search(X)", REGEX),
    pa("re.Pattern.split", Text, "r = re.compile({A}).split(X)", REGEX),
    pa("re.Pattern.sub", Text, "r = re.compile({A}).sub(',', X)", REGEX),
    pa("re.Pattern.subn", Text, "r = re.compile({A}).subn(',', X)", REGEX),
    pa("re.SRE_Scanner.match", Text, "r = re.compile({A}).scanner(X).match()", REGEX),
    pa("re.SRE_Scanner.search", Text, "r = re.compile({A}).scanner(X).search()", REGEX),
    p("re.Match.expand", Text, "r = M.expand(X)"),
    pa("re.Match.group", Text, "m = re.search({A}, X)\nr = m and m.group(0)", REGEX),
    pa("re.compile", Text, "r = re.compile({A})", &["X", "re.escape(X)", "'(' + X + ')*'"]),
    p("re.escape", Text, "r = re.escape(X)"),
    pa("re.findall", Text, "r = re.findall({A}, X)", REGEX),
    pa("re.finditer", Text, "r = list(re.finditer({A}, X))", REGEX),
    pa("re.fullmatch", Text, "r = re.fullmatch({A}, X)", REGEX),
    pa("re.match", Text, "r = re.match({A}, X)", REGEX),
    pa("re.search", Text, "r = re.search({A}, X)", REGEX),
    pa("re.split", Text, "r = re.split({A}, X)", REGEX),
    pa("re.sub", Text, "r = re.sub({A}, ',', X)", REGEX),
    pa("re.subn", Text, "r = re.subn({A}, ',', X)", REGEX),
    // datetime, io, csv.
    p("datetime.datetime.strftime", Text, "r = D0.strftime(X)"),
    p("datetime.datetime.fromisoformat", Text, "r = datetime.date(2000, 1, 1).fromisoformat(X)"),
    p("datetime.datetime.strptime", Text, "r = datetime.datetime(2000, 1, 1).strptime(X, X)"),
    p("io.StringIO.write", Text, "F.write(X)"),
    p("io.StringIO.writelines", Strs, "F.writelines(X)"),
    pa(
        "io.StringIO.readlines",
        Text,
        "r = io.StringIO(X).{A}",
        &["readlines()", "read()", "readline()"],
    ),
    p("io.StringIO", Text, "r = io.StringIO(X)"),
    // random: the draws of a sample or a shuffle, a str seed's digest.
    pa(
        "random.Random.choices",
        List,
        "r = random.choices(X, {A})",
        &["k=len(X)", "weights=X, k=len(X)", "cum_weights=X, k=len(X)", "k=10"],
    ),
    pa("random.Random.sample", List, "r = random.sample(X, {A})", &["len(X)", "len(X) // 7", "5"]),
    p("random.Random.shuffle", List, "random.shuffle(X)"),
    p("random.Random.seed", Text, "random.seed(X)"),
    p("random.Random", Text, "r = random.Random(X)"),
    p("csv.writer.writerow", List, "W.writerow(X)"),
    p("csv.writer.writerows", Rows, "W.writerows(X)"),
    pa(
        "csv.reader",
        Lines,
        "r = list(csv.reader(X{A}))",
        &["", ", delimiter=' '", ", quotechar='a'"],
    ),
    p("csv.DictReader", Lines, "r = list(csv.DictReader(X))"),
    // Methods of type objects.
    p("type.fromhex", Text, "r = float.fromhex(X)"),
    p("type.fromisoformat", Text, "r = datetime.date.fromisoformat(X)"),
    p("type.fromkeys", List, "r = dict.fromkeys(X)"),
    p("type.maketrans", Text, "r = str.maketrans(X, X)"),
    p("type.strptime", Text, "r = datetime.datetime.strptime(X, X)"),
    // Operators.
    pa("operator.%", Text, "r = X % {A}", &["()", "(1,) * X.count('%')", "{}"]),
    p("operator.&", Set, "r = X & X"),
    pa("operator.*", List, "r = X * {A}", &["1", "2", "0"]),
    p("operator.+", List, "r = X + X"),
    p("operator.+=", List, "Y = []\nY += X"),
    p("operator.-", Set, "r = X - X"),
    pa("operator.[:]", List, "r = X[{A}]", &["1:", "::-1", "::2", "1:-1"]),
    p("operator.^", Set, "r = X ^ X"),
    p("operator.|", Set, "r = X | X"),
    p("operator.|=", Set, "Y = set()\nY |= X"),
    pa("operator.==", List, "r = {A}", &["X == list(X)", "X < list(X)", "X[-1] in X"]),
    // Module functions.
    p("string.capwords", Text, "r = string.capwords(X)"),
    p("json.loads", Json, "r = json.loads(X)"),
    pa(
        "json.dumps",
        List,
        "r = json.dumps(X{A})",
        &["", ", indent=2", ", sort_keys=True", ", ensure_ascii=False"],
    ),
    p("itertools.accumulate", List, "r = list(itertools.accumulate(X))"),
    p("itertools.chain", List, "r = list(itertools.chain(X, X))"),
    pa("itertools.combinations", List, "r = list(itertools.combinations(X, {A}))", LIMITED),
    pa(
        "itertools.combinations_with_replacement",
        List,
        "r = list(itertools.combinations_with_replacement(X, {A}))",
        LIMITED,
    ),
    p("itertools.compress", List, "r = list(itertools.compress(X, X))"),
    p("itertools.cycle", List, "r = list(itertools.islice(itertools.cycle(X), 2 * len(X)))"),
    p("itertools.dropwhile", List, "r = list(itertools.dropwhile(bool, X))"),
    p("itertools.filterfalse", List, "r = list(itertools.filterfalse(None, X))"),
    p("itertools.from_iterable", Rows, "r = list(itertools.chain.from_iterable(X))"),
    p("itertools.groupby", List, "r = [(k, list(g)) for k, g in itertools.groupby(X)]"),
    p("itertools.islice", List, "r = list(itertools.islice(X, 1, None, 2))"),
    p("itertools.pairwise", List, "r = list(itertools.pairwise(X))"),
    pa("itertools.permutations", List, "r = list(itertools.permutations(X, {A}))", LIMITED),
    pa("itertools.product", List, "r = list(itertools.product(X{A}))", &["", ", repeat=2", ", X"]),
    p("itertools.starmap", Rows, "r = list(itertools.starmap(abs, X))"),
    p("itertools.takewhile", List, "r = list(itertools.takewhile(bool, X))"),
    p("itertools.tee", List, "a, b = itertools.tee(X)\nr = list(a)"),
    p("itertools.zip_longest", List, "r = list(itertools.zip_longest(X, X[1:]))"),
    pa("functools.reduce", List, "r = functools.reduce({A}, X)", &["max", "lambda a, b: b"]),
    p("math.dist", List, "r = math.dist(X, X)"),
    p("math.fsum", List, "r = math.fsum(X)"),
    p("math.prod", List, "r = math.prod(X)"),
    pa(
        "collections.namedtuple",
        Strs,
        "r = collections.namedtuple('T', X{A})",
        &["", ", rename=True"],
    ),
    pa("textwrap.dedent", Text, "r = textwrap.dedent(X)", &[]),
    pa("textwrap.fill", Text, "r = textwrap.fill(X{A})", WRAP),
    pa("textwrap.indent", Text, "r = textwrap.indent(X, {A})", &["' '", "X[:10]"]),
    pa("textwrap.shorten", Text, "r = textwrap.shorten(X, {A})", &["10", "len(X)"]),
    pa("textwrap.wrap", Text, "r = textwrap.wrap(X{A})", WRAP),
    pa(
        "asyncio.gather",
        List,
        "async def w(i):\n    await asyncio.sleep({A})\nasync def main():\n    return await asyncio.gather(*[w(i) for i in X])\nr = asyncio.run(main())",
        &["0", "0.001"],
    ),
];

/// The issue's hand-found cases (#77), each an entry and a shape: where a
/// search starts, besides a random shape.
pub fn seeds() -> Vec<(&'static str, Shape)> {
    // FILLS: 1 'a', 2 'ab', 3 'a ', 8 capital sigma, 13 tab, 14 '9', 20 'a_1', 22 mixed.
    // NEEDLE (count/find): 0 'ab'. REPL: 0 'a'->'bc', 1 'ab'->'x', 2 ''->'-'.
    vec![
        ("re.sub", Shape::new(100_000, 14, 0, 1, 0)),
        ("re.Pattern.sub", Shape::new(100_000, 14, 0, 1, 0)),
        ("re.findall", Shape::new(100_000, 14, 0, 1, 0)),
        ("builtins.repr", Shape::new(4 << 20, 0, 0, 1, 0)),
        ("builtins.repr", Shape::new(1 << 20, 19, 0, 1, 0)),
        ("builtins.ascii", Shape::new(1 << 20, 22, 0, 1, 0)),
        ("str.replace", Shape::new(1 << 20, 1, 0, 1, 0)),
        ("str.replace", Shape::new(1 << 20, 2, 0, 1, 1)),
        ("str.replace", Shape::new(1 << 20, 1, 0, 1, 2)),
        ("str.lower", Shape::new(1 << 20, 8, 0, 1, 0)),
        ("str.count", Shape::new(4 << 20, 2, 0, 1, 0)),
        ("str.expandtabs", Shape::new(1 << 10, 13, 0, 1, 4)),
        ("str.isidentifier", Shape::new(4 << 20, 20, 0, 1, 0)),
        ("textwrap.wrap", Shape::new(1 << 20, 3, 0, 1, 1)),
        ("textwrap.fill", Shape::new(1 << 20, 3, 0, 1, 1)),
        ("asyncio.gather", Shape::new(10_000, 0, 0, 1, 0)),
    ]
}
