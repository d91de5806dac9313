//! One probe per sized entry of the fuel cost table (`builtins/cost.rs`): a
//! call of the entry on a global `X` whose size the cost is over, and how to
//! build `X` at a given size. Shared by `tests/fuel_cost_table.rs` (which
//! checks the charge comes before the work) and
//! `examples/fuel_calibration.rs` (which measures time per fuel unit).

#![allow(dead_code)]

use rlm_interp::cost_table::Rate;

/// What `X` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// ASCII text of `n` bytes: words, spaces and newlines.
    Text,
    /// `n - 1` spaces and a digit (a number `int`/`float` parse).
    Padded,
    /// A JSON list of `n` bytes.
    Json,
    /// `list(range(n))`.
    Ints,
    /// `tuple(range(n))`.
    Tuple,
    /// `dict.fromkeys(range(n), 1)`.
    Dict,
    /// `set(range(n))`.
    Set,
    /// `collections.deque(range(n))`.
    Deque,
    /// `collections.Counter(range(n))`.
    Counter,
    /// `collections.OrderedDict(dict.fromkeys(range(n), 1))`.
    Ordered,
    /// `n` short strings.
    Strs,
    /// `n` one-item lists.
    Rows,
}

impl Input {
    fn is_text(self) -> bool {
        matches!(self, Input::Text | Input::Padded | Input::Json)
    }
}

pub struct Probe {
    /// The entry's name in `cost_table::entries()`.
    pub entry: &'static str,
    pub input: Input,
    /// The call (a cell run after the setup).
    pub code: &'static str,
}

/// The size of `X` (bytes for text, else items) whose charge at `rate` is `charge`.
pub fn input_size(input: Input, rate: Rate, charge: u64) -> usize {
    let n = if input.is_text() {
        charge * 64 / u64::from(rate.per_64_bytes.max(1))
    } else {
        charge / u64::from(rate.per_item.max(1))
    };
    n.max(16) as usize
}

/// The cell that makes `X` (of size `n`) and the helpers probes use.
pub fn setup_source(input: Input, n: usize) -> String {
    let x = match input {
        Input::Text => format!("X = ('ab cd\\n' * ({n} // 6 + 1))[:{n}]"),
        Input::Padded => format!("X = ' ' * ({n} - 1) + '1'"),
        Input::Json => format!("X = '[' + '1,' * (({n} - 3) // 2) + '1]'"),
        Input::Ints => format!("X = list(range({n}))"),
        Input::Tuple => format!("X = tuple(range({n}))"),
        Input::Dict => format!("X = dict.fromkeys(range({n}), 1)"),
        Input::Set => format!("X = set(range({n}))"),
        Input::Deque => format!("X = collections.deque(range({n}))"),
        Input::Counter => format!("X = collections.Counter(range({n}))"),
        Input::Ordered => format!("X = collections.OrderedDict(dict.fromkeys(range({n}), 1))"),
        Input::Strs => format!("X = ['ab'] * {n}"),
        Input::Rows => format!("X = [[1] for _ in range({n})]"),
    };
    format!(
        "import collections, csv, datetime, functools, io, itertools, json, math, random, re, string, textwrap\n\
         P = re.compile('zz+')\n\
         Q = re.compile('[^z]*z')\n\
         M = re.match('a', 'ab')\n\
         D0 = datetime.datetime(2020, 1, 2)\n\
         F = io.StringIO()\n\
         W = csv.writer(io.StringIO())\n\
         {x}\n"
    )
}

const fn p(entry: &'static str, input: Input, code: &'static str) -> Probe {
    Probe { entry, input, code }
}

use Input::*;

pub const PROBES: &[Probe] = &[
    // Built-in functions and types called.
    p("builtins.sorted", Ints, "r = sorted(X)"),
    p("builtins.reversed", Ints, "r = reversed(X)"),
    p("builtins.min", Ints, "r = min(X)"),
    p("builtins.max", Ints, "r = max(X)"),
    p("builtins.sum", Ints, "r = sum(X)"),
    p("builtins.iter", Set, "r = iter(X)"),
    p("builtins.hash", Tuple, "r = hash(X)"),
    p("builtins.format", Text, "r = format(X, '')"),
    p("call.Counter", Ints, "r = collections.Counter(X)"),
    p("call.OrderedDict", Dict, "r = collections.OrderedDict(X)"),
    p("call.defaultdict", Dict, "r = collections.defaultdict(int, X)"),
    p("call.deque", Ints, "r = collections.deque(X)"),
    p("call.dict", Dict, "r = dict(X)"),
    p("call.float", Padded, "r = float(X)"),
    p("call.frozenset", Ints, "r = frozenset(X)"),
    p("call.int", Padded, "r = int(X)"),
    p("call.list", Ints, "r = list(X)"),
    p("call.set", Ints, "r = set(X)"),
    p("call.tuple", Ints, "r = tuple(X)"),
    // str methods.
    p("str.capitalize", Text, "r = X.capitalize()"),
    p("str.casefold", Text, "r = X.casefold()"),
    p("str.center", Text, "r = X.center(10)"),
    p("str.count", Text, "r = X.count('ab')"),
    p("str.endswith", Text, "r = X.endswith(X)"),
    p("str.expandtabs", Text, "r = X.expandtabs()"),
    p("str.find", Text, "r = X.find('zz')"),
    p("str.format", Text, "r = X.format()"),
    p("str.format_map", Text, "r = X.format_map({})"),
    p("str.index", Text, "try:\n    r = X.index('zz')\nexcept ValueError:\n    r = -1"),
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
    p("str.join", Text, "r = X.join(['a', 'b'])"),
    p("str.ljust", Text, "r = X.ljust(10)"),
    p("str.lower", Text, "r = X.lower()"),
    p("str.lstrip", Padded, "r = X.lstrip()"),
    p("str.maketrans", Text, "r = 'a'.maketrans(X, X)"),
    p("str.partition", Text, "r = X.partition('zz')"),
    p("str.removeprefix", Text, "r = X.removeprefix(X)"),
    p("str.removesuffix", Text, "r = X.removesuffix(X)"),
    p("str.replace", Text, "r = X.replace('zz', 'y')"),
    p("str.rfind", Text, "r = X.rfind('zz')"),
    p("str.rindex", Text, "try:\n    r = X.rindex('zz')\nexcept ValueError:\n    r = -1"),
    p("str.rjust", Text, "r = X.rjust(10)"),
    p("str.rpartition", Text, "r = X.rpartition('zz')"),
    p("str.rsplit", Text, "r = X.rsplit()"),
    p("str.rstrip", Padded, "r = X.rstrip('1 ')"),
    p("str.split", Text, "r = X.split()"),
    p("str.splitlines", Text, "r = X.splitlines()"),
    p("str.startswith", Text, "r = X.startswith(X)"),
    p("str.strip", Padded, "r = X.strip()"),
    p("str.swapcase", Text, "r = X.swapcase()"),
    p("str.title", Text, "r = X.title()"),
    p("str.translate", Text, "r = X.translate({})"),
    p("str.upper", Text, "r = X.upper()"),
    p("str.zfill", Text, "r = X.zfill(10)"),
    // list methods.
    p("list.clear", Ints, "X.clear()"),
    p("list.copy", Ints, "r = X.copy()"),
    p("list.count", Ints, "r = X.count(-1)"),
    p("list.extend", Ints, "Y = []\nY.extend(X)"),
    p("list.index", Ints, "r = X.index(X[-1])"),
    p("list.remove", Ints, "X.remove(X[-1])"),
    p("list.reverse", Ints, "X.reverse()"),
    p("list.sort", Ints, "X.sort()"),
    // dict and its flavours.
    p("dict.clear", Dict, "X.clear()"),
    p("dict.copy", Dict, "r = X.copy()"),
    p("dict.fromkeys", Ints, "r = {}.fromkeys(X)"),
    p("dict.update", Dict, "Y = {}\nY.update(X)"),
    p("Counter.elements", Counter, "r = X.elements()"),
    p("Counter.most_common", Counter, "r = X.most_common(1)"),
    p("Counter.subtract", Counter, "X.subtract(X)"),
    p("Counter.total", Counter, "r = X.total()"),
    p("OrderedDict.move_to_end", Ordered, "X.move_to_end(0)"),
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
    p("set.symmetric_difference", Set, "r = X.symmetric_difference(X)"),
    p("set.symmetric_difference_update", Set, "X.symmetric_difference_update(X)"),
    p("set.union", Set, "r = X.union(X)"),
    p("set.update", Set, "Y = set()\nY.update(X)"),
    // tuple and deque.
    p("tuple.count", Tuple, "r = X.count(-1)"),
    p("tuple.index", Tuple, "r = X.index(X[-1])"),
    p("deque.clear", Deque, "X.clear()"),
    p("deque.copy", Deque, "r = X.copy()"),
    p("deque.count", Deque, "r = X.count(-1)"),
    p("deque.extend", Ints, "Y = collections.deque()\nY.extend(X)"),
    p("deque.extendleft", Ints, "Y = collections.deque()\nY.extendleft(X)"),
    p("deque.index", Deque, "r = X.index(X[-1])"),
    p("deque.remove", Deque, "X.remove(X[-1])"),
    p("deque.reverse", Deque, "X.reverse()"),
    p("deque.rotate", Deque, "X.rotate(1)"),
    // Native objects' methods.
    p("re.Pattern.findall", Text, "r = P.findall(X)"),
    p("re.Pattern.finditer", Text, "r = next(P.finditer(X), None)"),
    p("re.Pattern.fullmatch", Text, "r = Q.fullmatch(X)"),
    p("re.Pattern.match", Text, "r = Q.match(X)"),
    p("re.Pattern.search", Text, "r = P.search(X)"),
    p("re.Pattern.split", Text, "r = P.split(X)"),
    p("re.Pattern.sub", Text, "r = P.sub('y', X)"),
    p("re.Pattern.subn", Text, "r = P.subn('y', X)"),
    p("re.SRE_Scanner.match", Text, "r = Q.scanner(X).match()"),
    p("re.SRE_Scanner.search", Text, "r = P.scanner(X).search()"),
    p("re.Match.expand", Text, "r = M.expand(X)"),
    p("datetime.datetime.strftime", Text, "r = D0.strftime(X)"),
    p("io.StringIO.write", Text, "F.write(X)"),
    p("io.StringIO.writelines", Strs, "F.writelines(X)"),
    p("random.Random.choices", Ints, "r = random.choices(X, k=len(X))"),
    p("random.Random.sample", Ints, "r = random.sample(X, len(X))"),
    p("random.Random.seed", Text, "random.seed(X)"),
    p("random.Random.shuffle", Ints, "random.shuffle(X)"),
    p("csv.writer.writerow", Ints, "W.writerow(X)"),
    p("csv.writer.writerows", Rows, "W.writerows(X)"),
    // A date's class methods, called on a date.
    p(
        "datetime.datetime.fromisoformat",
        Text,
        "try:\n    r = datetime.date(2000, 1, 1).fromisoformat(X)\nexcept ValueError:\n    pass",
    ),
    p(
        "datetime.datetime.strptime",
        Text,
        "try:\n    r = datetime.datetime(2000, 1, 1).strptime(X, X)\nexcept ValueError:\n    pass",
    ),
    // Methods of type objects.
    p("type.fromhex", Padded, "r = float.fromhex(X)"),
    p(
        "type.fromisoformat",
        Text,
        "try:\n    r = datetime.date.fromisoformat(X)\nexcept ValueError:\n    pass",
    ),
    p("type.fromkeys", Ints, "r = dict.fromkeys(X)"),
    p("type.maketrans", Text, "r = str.maketrans(X, X)"),
    p(
        "type.strptime",
        Text,
        "try:\n    r = datetime.datetime.strptime(X, X)\nexcept ValueError:\n    pass",
    ),
    // Operators.
    p("operator.%", Text, "r = X % ()"),
    p("operator.&", Set, "r = X & X"),
    p("operator.*", Ints, "r = X * 1"),
    p("operator.+", Ints, "r = X + X"),
    p("operator.+=", Ints, "Y = []\nY += X"),
    p("operator.-", Set, "r = X - X"),
    p("operator.[:]", Ints, "r = X[1:]"),
    p("operator.^", Set, "r = X ^ X"),
    p("operator.|", Set, "r = X | X"),
    p("operator.|=", Set, "Y = set()\nY |= X"),
    // Module functions.
    p("string.capwords", Text, "r = string.capwords(X)"),
    p("io.StringIO", Text, "r = io.StringIO(X)"),
    p("random.Random", Text, "r = random.Random(X)"),
    p("re.compile", Text, "r = re.compile(X)"),
    p("re.escape", Text, "r = re.escape(X)"),
    p("re.findall", Text, "r = re.findall('zz', X)"),
    p("re.finditer", Text, "r = next(re.finditer('zz', X), None)"),
    p("re.fullmatch", Text, "r = re.fullmatch('[^z]*z', X)"),
    p("re.match", Text, "r = re.match('[^z]*z', X)"),
    p("re.search", Text, "r = re.search('zz', X)"),
    p("re.split", Text, "r = re.split('zz', X)"),
    p("re.sub", Text, "r = re.sub('zz', 'y', X)"),
    p("re.subn", Text, "r = re.subn('zz', 'y', X)"),
    p("json.loads", Json, "r = json.loads(X)"),
    p("itertools.accumulate", Ints, "r = itertools.accumulate(X)"),
    p("itertools.chain", Ints, "r = itertools.chain(X, X)"),
    p("itertools.combinations", Ints, "r = itertools.combinations(X, 1)"),
    p(
        "itertools.combinations_with_replacement",
        Ints,
        "r = itertools.combinations_with_replacement(X, 1)",
    ),
    p("itertools.compress", Ints, "r = itertools.compress(X, X)"),
    p("itertools.cycle", Ints, "r = itertools.cycle(X)"),
    p("itertools.dropwhile", Ints, "r = itertools.dropwhile(bool, X)"),
    p("itertools.filterfalse", Ints, "r = itertools.filterfalse(None, X)"),
    p("itertools.from_iterable", Rows, "r = itertools.chain.from_iterable(X)"),
    p("itertools.groupby", Ints, "r = itertools.groupby(X)"),
    p("itertools.pairwise", Ints, "r = itertools.pairwise(X)"),
    p("itertools.permutations", Ints, "r = itertools.permutations(X, 1)"),
    p("itertools.product", Ints, "r = itertools.product(X)"),
    p("itertools.starmap", Rows, "r = itertools.starmap(abs, X)"),
    p("itertools.takewhile", Ints, "r = itertools.takewhile(bool, X)"),
    p("itertools.tee", Ints, "r = itertools.tee(X)"),
    p("itertools.zip_longest", Ints, "r = itertools.zip_longest(X, X)"),
    p("functools.reduce", Ints, "r = functools.reduce(max, X)"),
    p("math.dist", Ints, "r = math.dist(X, X)"),
    p("math.fsum", Ints, "r = math.fsum(X)"),
    p("math.prod", Ints, "r = math.prod(X)"),
    p("textwrap.dedent", Text, "r = textwrap.dedent(X)"),
    p("textwrap.fill", Text, "r = textwrap.fill(X)"),
    p("textwrap.indent", Text, "r = textwrap.indent(X, ' ')"),
    p("textwrap.shorten", Text, "r = textwrap.shorten(X, 10)"),
    p("textwrap.wrap", Text, "r = textwrap.wrap(X)"),
    p("csv.DictReader", Strs, "r = csv.DictReader(X)"),
    p("csv.reader", Strs, "r = csv.reader(X)"),
];
