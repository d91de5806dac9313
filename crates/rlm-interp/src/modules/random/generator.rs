//! `random.Random`: a generator and its methods, each CPython 3.11's
//! algorithm over the twister's outputs (`twister.rs`), so that a seeded
//! program draws what CPython draws. Arguments are bound as CPython binds
//! a Python method's, with its messages. The state is not journaled: a
//! cell a limit undoes leaves the generator where the cell left it, as
//! CPython's would be.

use std::cell::RefCell;

use rlm_syntax::ast::{BinOp, CmpOp};
use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::cost::Over::{Arg, WorkDone};
use crate::cost::{CostTable, FREE, NUMERAL, SCAN, cost};
use crate::fault::{R, exc, type_err, value_err};
use crate::modules::random::seed::seeded;
use crate::modules::random::twister::Twister;
use crate::value::*;
use crate::value::{NativeObject, ReprPart, boxed_cost};

/// A generator: the twister and the second of `gauss`'s pair.
pub(crate) struct Generator(RefCell<State>);

struct State {
    twister: Twister,
    gauss_next: Option<f64>,
}

/// Its methods, sorted; also the `random` module's functions (its default
/// generator's bound methods).
pub(crate) const METHODS: &[&str] = &[
    "choice",
    "choices",
    "expovariate",
    "gauss",
    "getrandbits",
    "randint",
    "random",
    "randrange",
    "sample",
    "seed",
    "shuffle",
    "triangular",
    "uniform",
];

/// What they cost beyond the call: a draw is a few nanoseconds; `shuffle`
/// swaps each item once; `sample` and `choices` pay each item they draw
/// and copy as they go; a str seed's bytes are digested and read as one
/// number, as `int(s)` reads its digits.
pub(crate) const COSTS: CostTable = &[
    ("choice", FREE),
    ("choices", cost(WorkDone, SCAN)),
    ("expovariate", FREE),
    ("gauss", FREE),
    ("getrandbits", FREE),
    ("randint", FREE),
    ("random", FREE),
    ("randrange", FREE),
    ("sample", cost(WorkDone, SCAN)),
    ("seed", cost(Arg(0), NUMERAL)),
    ("shuffle", cost(WorkDone, SCAN)),
    ("triangular", FREE),
    ("uniform", FREE),
];

/// Fuel for each item `sample` or `choices` draws from a population that
/// stays in the cache: a draw, an item read and pushed.
const FUEL_PER_ITEM_DRAWN: u64 = 4;

/// From how many items a population is read as memory, not cache: each
/// item drawn from it at random is a miss on its slot and one on the
/// value's count (`choices(X, k=len(X))` over 275,740 strings took 324 ns
/// an item, CPython 3.11 345 ns, against the loop's ~4 ns a unit).
const CACHED_POPULATION: usize = 1 << 14;

/// Fuel for each item drawn from a larger population (see above).
const FUEL_PER_FAR_ITEM_DRAWN: u64 = 48;

/// What drawing one item from a population of `n` costs.
fn draw_fuel(n: usize) -> u64 {
    if n > CACHED_POPULATION { FUEL_PER_FAR_ITEM_DRAWN } else { FUEL_PER_ITEM_DRAWN }
}

/// Fuel for each new index a `sample` of a large population draws: a
/// lookup and an insert into the set of those drawn (a new set element's
/// charge, `cost::FUEL_PER_NEW_SET_ELEMENT`).
const FUEL_PER_INDEX_KEPT: u64 = 12;

/// Fuel for each weight `choices` sums (an addition through the machine's
/// operator, of any number types) and for each step of its bisection (a
/// comparison through the machine's).
const FUEL_PER_WEIGHT_SUMMED: u64 = 8;
const FUEL_PER_BISECTION_STEP: u64 = 4;

/// Fuel for each swap of `shuffle`: a draw (a retry half the time at
/// worst) and two items exchanged.
const FUEL_PER_SWAP: u64 = 3;

/// Fuel for each swap in a list too large for the cache: a miss on the
/// far slot (`shuffle` of 10**6 ints took 50 ns a swap, CPython 3.11's
/// 65 ns).
const FUEL_PER_FAR_SWAP: u64 = 10;

impl Generator {
    /// A generator seeded by `key` (see `seed.rs`).
    pub(crate) fn from_key(key: &[u32]) -> Generator {
        Generator(RefCell::new(State { twister: Twister::from_key(key), gauss_next: None }))
    }

    fn random(&self) -> f64 {
        self.0.borrow_mut().twister.next_f64()
    }

    fn below(&self, n: u64) -> u64 {
        self.0.borrow_mut().twister.below(n)
    }
}

impl NativeObject for Generator {
    fn ty(&self) -> Ty {
        Ty::Other(&"Random")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<random.Random object>".to_string())]
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn method_costs(&self) -> CostTable {
        COSTS
    }

    /// Its box, the twister's 624 words inside it.
    fn mem_cost(&self) -> usize {
        boxed_cost::<Generator>()
    }
}

/// `g.name(*args, **kwargs)`.
pub(crate) fn method<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "random" => {
            let [] = bind("random", args, kwargs, &[], 0, &[])?;
            Ok(Value::Float(g.random()))
        }
        "seed" => {
            let [a, version] = bind("seed", args, kwargs, &["a", "version"], 0, &[])?;
            seed(cx, g, a.as_ref(), version.as_ref())?;
            Ok(Value::None)
        }
        "getrandbits" => {
            let [k] = bind("getrandbits", args, kwargs, &["k"], 1, &[])?;
            let k = crate::args::index_int(&k.unwrap_or(Value::None))?;
            match k {
                k if k < 0 => value_err("number of bits must be non-negative"),
                0..=63 => Ok(Value::Int(g.0.borrow_mut().twister.bits(k as u32) as i64)),
                _ => crate::types::int::overflow(),
            }
        }
        "randrange" => {
            let [start, stop, step] =
                bind("randrange", args, kwargs, &["start", "stop", "step"], 1, &[])?;
            randrange(cx, g, &start.unwrap_or(Value::None), stop.as_ref(), step.as_ref())
        }
        "randint" => {
            let [a, b] = bind("randint", args, kwargs, &["a", "b"], 2, &[])?;
            let (a, b) = (a.unwrap_or(Value::None), b.unwrap_or(Value::None));
            let stop = cx.binary(BinOp::Add, &b, &Value::Int(1))?;
            randrange(cx, g, &a, Some(&stop), None)
        }
        "uniform" => {
            let [a, b] = bind("uniform", args, kwargs, &["a", "b"], 2, &[])?;
            let (a, b) = (a.unwrap_or(Value::None), b.unwrap_or(Value::None));
            let width = cx.binary(BinOp::Sub, &b, &a)?;
            let part = cx.binary(BinOp::Mult, &width, &Value::Float(g.random()))?;
            cx.binary(BinOp::Add, &a, &part)
        }
        "triangular" => triangular(cx, g, args, kwargs),
        "gauss" => {
            let [mu, sigma] = bind("gauss", args, kwargs, &["mu", "sigma"], 0, &[])?;
            let z = gauss(g);
            let scaled =
                cx.binary(BinOp::Mult, &Value::Float(z), &sigma.unwrap_or(Value::Float(1.0)))?;
            cx.binary(BinOp::Add, &mu.unwrap_or(Value::Float(0.0)), &scaled)
        }
        "expovariate" => {
            let [lambd] = bind("expovariate", args, kwargs, &["lambd"], 0, &[])?;
            let drawn = Value::Float(-(1.0 - g.random()).ln());
            cx.binary(BinOp::Div, &drawn, &lambd.unwrap_or(Value::Float(1.0)))
        }
        "choice" => {
            let [seq] = bind("choice", args, kwargs, &["seq"], 1, &[])?;
            let seq = seq.unwrap_or(Value::None);
            let n = length(&seq)?;
            if n == 0 {
                return exc(ExcKind::IndexError, "Cannot choose from an empty sequence");
            }
            let i = g.below(n as u64);
            cx.getitem(&seq, &Value::Int(i as i64))
        }
        "shuffle" => {
            let [x] = bind("shuffle", args, kwargs, &["x"], 1, &[])?;
            shuffle(cx, g, &x.unwrap_or(Value::None))?;
            Ok(Value::None)
        }
        "sample" => {
            let [population, k, counts] =
                bind("sample", args, kwargs, &["population", "k"], 2, &["counts"])?;
            let population = population.unwrap_or(Value::None);
            sample(cx, g, &population, &k.unwrap_or(Value::None), counts.as_ref())
        }
        "choices" => {
            let [population, weights, cum_weights, k] = bind(
                "choices",
                args,
                kwargs,
                &["population", "weights"],
                1,
                &["cum_weights", "k"],
            )?;
            let population = population.unwrap_or(Value::None);
            choices(cx, g, &population, weights, cum_weights, k)
        }
        _ => exc(ExcKind::AttributeError, format!("'Random' object has no attribute '{name}'")),
    }
}

/// `g.seed(a, version)`: `None` draws a new key from the generator itself
/// (the sandbox has no entropy source; a run stays reproducible).
pub(crate) fn seed<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    a: Option<&Value>,
    version: Option<&Value>,
) -> R<()> {
    let version = match version {
        None => 2,
        Some(v) => crate::args::as_int(v).unwrap_or(2),
    };
    let twister = match a {
        None | Some(Value::None) => {
            let mut st = g.0.borrow_mut();
            let key: Vec<u32> = (0..4).map(|_| st.twister.next_u32()).collect();
            Twister::from_key(&key)
        }
        Some(a) => seeded(cx, a, version)?,
    };
    let mut st = g.0.borrow_mut();
    st.twister = twister;
    st.gauss_next = None;
    Ok(())
}

/// The length of a sequence argument, or CPython's `TypeError`.
fn length(seq: &Value) -> R<usize> {
    match crate::types::dispatch::len(seq) {
        Some(n) => n,
        None => type_err(format!("object of type '{}' has no len()", seq.type_name())),
    }
}

/// `randrange(start, stop, step)`, its arguments converted as CPython 3.11
/// converts them (an integral float still accepted).
fn randrange<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    start: &Value,
    stop: Option<&Value>,
    step: Option<&Value>,
) -> R<Value> {
    let istart = integer(cx, start, "arg 1")?;
    let Some(stop) = stop.filter(|v| !matches!(v, Value::None)) else {
        if step.is_some() {
            return type_err("Missing a non-None stop argument");
        }
        if istart > 0 {
            return Ok(Value::Int(g.below(istart as u64) as i64));
        }
        return value_err("empty range for randrange()");
    };
    let istop = integer(cx, stop, "stop")?;
    let width = i128::from(istop) - i128::from(istart);
    let istep = match step {
        None => 1,
        Some(s) => integer(cx, s, "step")?,
    };
    if istep == 1 {
        if width > 0 {
            return Ok(Value::Int((i128::from(istart) + i128::from(g.below(width as u64))) as i64));
        }
        return value_err(format!("empty range for randrange() ({istart}, {istop}, {width})"));
    }
    let istep = i128::from(istep);
    let n = match istep {
        s if s > 0 => (width + s - 1).div_euclid(s),
        s if s < 0 => (width + s + 1).div_euclid(s),
        _ => return value_err("zero step for randrange()"),
    };
    if n <= 0 {
        return value_err("empty range for randrange()");
    }
    let r = i128::from(g.below(n as u64));
    Ok(Value::Int((i128::from(istart) + istep * r) as i64))
}

/// One of `randrange`'s arguments as CPython 3.11 reads it: an index,
/// else `int(v)` when that equals `v` (an integral float, deprecated there
/// and still accepted).
fn integer<C: Callbacks + ?Sized>(cx: &mut C, v: &Value, which: &str) -> R<i64> {
    if let Some(i) = crate::args::as_int(v) {
        return Ok(i);
    }
    let as_int = cx.call_value(&Value::Type(Ty::Int), vec![v.clone()], Vec::new())?;
    if !cx.compare(CmpOp::Eq, &as_int, v)? {
        return value_err(format!("non-integer {which} for randrange()"));
    }
    crate::args::index_int(&as_int)
}

/// `gauss()`'s standard normal draw: a pair made by the Box-Muller
/// transform, the second kept for the next call.
fn gauss(g: &Generator) -> f64 {
    let mut st = g.0.borrow_mut();
    if let Some(z) = st.gauss_next.take() {
        return z;
    }
    let x2pi = st.twister.next_f64() * std::f64::consts::TAU;
    let g2rad = (-2.0 * (1.0 - st.twister.next_f64()).ln()).sqrt();
    st.gauss_next = Some(x2pi.sin() * g2rad);
    x2pi.cos() * g2rad
}

/// `triangular(low=0.0, high=1.0, mode=None)`.
fn triangular<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let [low, high, mode] = bind("triangular", args, kwargs, &["low", "high", "mode"], 0, &[])?;
    let mut low = low.unwrap_or(Value::Float(0.0));
    let mut high = high.unwrap_or(Value::Float(1.0));
    let mut u = g.random();
    let c = match mode.filter(|m| !matches!(m, Value::None)) {
        None => 0.5,
        Some(mode) => {
            let over = cx.binary(BinOp::Sub, &mode, &low)?;
            let under = cx.binary(BinOp::Sub, &high, &low)?;
            if matches!(under, Value::Int(0)) || matches!(under, Value::Float(f) if f == 0.0) {
                return Ok(low);
            }
            match cx.binary(BinOp::Div, &over, &under)? {
                Value::Float(c) => c,
                other => {
                    return type_err(format!("must be real number, not {}", other.type_name()));
                }
            }
        }
    };
    let mut c = c;
    if u > c {
        u = 1.0 - u;
        c = 1.0 - c;
        std::mem::swap(&mut low, &mut high);
    }
    let width = cx.binary(BinOp::Sub, &high, &low)?;
    let part = cx.binary(BinOp::Mult, &width, &Value::Float((u * c).sqrt()))?;
    cx.binary(BinOp::Add, &low, &part)
}

/// `shuffle(x)`: CPython's swaps, from the end, each with an item at or
/// before it, through the sequence's own item assignment.
fn shuffle<C: Callbacks + ?Sized>(cx: &mut C, g: &Generator, x: &Value) -> R<()> {
    let n = length(x)?;
    let per_swap = if n > CACHED_POPULATION { FUEL_PER_FAR_SWAP } else { FUEL_PER_SWAP };
    cx.meter().fuel((n as u64).saturating_mul(per_swap))?;
    if let Value::List(l) = x {
        // The common case in place, the journal's copy made first.
        let mut items = l.borrow_mut();
        for i in (1..items.len()).rev() {
            let j = g.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
        return Ok(());
    }
    for i in (1..n).rev() {
        let j = g.below(i as u64 + 1) as i64;
        let (iv, jv) = (Value::Int(i as i64), Value::Int(j));
        let a = cx.getitem(x, &jv)?;
        let b = cx.getitem(x, &iv)?;
        crate::types::dispatch::setitem(cx, x, iv, a)?;
        crate::types::dispatch::setitem(cx, x, jv, b)?;
    }
    Ok(())
}

/// `population[i]`: a list's or a tuple's item read in place, any other
/// sequence's through its subscript.
fn item_at<C: Callbacks + ?Sized>(cx: &mut C, population: &Value, i: usize) -> R<Value> {
    match population {
        Value::List(l) => {
            if let Some(x) = l.borrow().get(i) {
                return Ok(x.clone());
            }
        }
        Value::Tuple(t) => {
            if let Some(x) = t.get(i) {
                return Ok(x.clone());
            }
        }
        _ => {}
    }
    cx.getitem(population, &Value::Int(i as i64))
}

/// The items of `v` in a vector charged as it grows: a list's or a tuple's
/// read in place, any other iterable's drawn.
fn charged_items<C: Callbacks + ?Sized>(cx: &mut C, v: &Value) -> R<ChargedVec<Value>> {
    let mut out = ChargedVec::new();
    if let Value::List(_) | Value::Tuple(_) = v {
        let n = length(v)?;
        for i in 0..n {
            let x = item_at(cx, v, i)?;
            out.push(cx.meter(), x)?;
        }
        return Ok(out);
    }
    for x in cx.iterate(v)? {
        out.push(cx.meter(), x)?;
    }
    Ok(out)
}

/// `sample(population, k, *, counts=None)`: CPython's two ways, a pool
/// list when the population is small beside `k`, else a set of the
/// indices drawn, so that `sample(range(10**9), 3)` copies nothing.
fn sample<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    population: &Value,
    k: &Value,
    counts: Option<&Value>,
) -> R<Value> {
    if !matches!(
        population,
        Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_) | Value::Deque(_)
    ) {
        return type_err("Population must be a sequence.  For dicts or sets, use sorted(d).");
    }
    let n = length(population)?;
    if let Some(counts) = counts.filter(|c| !matches!(c, Value::None)) {
        return sample_counted(cx, g, population, n, k, counts);
    }
    let k = crate::args::index_int(k)?;
    if k < 0 || k as usize > n {
        return value_err("Sample larger than population or is negative");
    }
    let k = k as usize;
    let mut setsize = 21usize;
    if k > 5 {
        let exp = ((k * 3) as f64).ln() / 4f64.ln();
        setsize += 4usize.saturating_pow(exp.ceil() as u32);
    }
    let mut result = ChargedVec::new();
    if n <= setsize {
        cx.meter().fuel(n as u64)?;
        let mut pool = charged_items(cx, population)?;
        for i in 0..k {
            cx.meter().fuel(draw_fuel(n))?;
            let j = g.below((n - i) as u64) as usize;
            let slots = pool.as_mut_slice();
            let last = slots[n - i - 1].clone();
            let picked = std::mem::replace(&mut slots[j], last);
            result.push(cx.meter(), picked)?;
        }
    } else {
        // The set's table, at the capacity it is made with, counted as live
        // until the sample is made.
        let table = crate::mem::table_block(k, std::mem::size_of::<u64>() + 1);
        let _scratch = crate::charged::charge_transient(cx.meter(), table)?;
        let mut selected: std::collections::HashSet<u64, HashState> =
            std::collections::HashSet::with_capacity_and_hasher(k, HashState::default());
        for _ in 0..k {
            cx.meter().fuel(draw_fuel(n) + FUEL_PER_INDEX_KEPT)?;
            let mut j = g.below(n as u64);
            while !selected.insert(j) {
                cx.meter().fuel(FUEL_PER_INDEX_KEPT)?;
                j = g.below(n as u64);
            }
            let item = item_at(cx, population, j as usize)?;
            result.push(cx.meter(), item)?;
        }
    }
    Ok(Value::list(result.into_vec()))
}

/// `sample(population, k, counts=...)`: a sample of `range(total)`, each
/// drawn number mapped to the item whose cumulative count passes it.
fn sample_counted<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    population: &Value,
    n: usize,
    k: &Value,
    counts: &Value,
) -> R<Value> {
    let counts = charged_items(cx, counts)?;
    cx.meter().fuel((counts.len() as u64).saturating_mul(FUEL_PER_WEIGHT_SUMMED))?;
    let mut cumulative = ChargedVec::new();
    let mut total: i64 = 0;
    for c in counts.as_slice() {
        let Some(c) = crate::args::as_int(c) else {
            return type_err("Counts must be integers");
        };
        total = match total.checked_add(c) {
            Some(t) => t,
            None => return crate::types::int::overflow(),
        };
        cumulative.push(cx.meter(), total)?;
    }
    if cumulative.len() != n {
        return value_err("The number of counts does not match the population");
    }
    if total <= 0 {
        return value_err("Total of counts must be greater than zero");
    }
    // The bounds bisected: every cumulative count but the total.
    let bounds = &cumulative.as_slice()[..n - 1];
    let range = Value::Range(std::rc::Rc::new((0, total, 1)));
    let Value::List(picked) = sample(cx, g, &range, k, None)? else {
        return value_err("sample() did not return a list");
    };
    let mut result = ChargedVec::new();
    for at in 0..picked.borrow().len() {
        cx.meter().fuel(draw_fuel(n))?;
        let s = crate::args::as_int(&picked.borrow()[at]).unwrap_or(0);
        let i = bounds.partition_point(|&c| c <= s);
        let item = item_at(cx, population, i)?;
        result.push(cx.meter(), item)?;
    }
    Ok(Value::list(result.into_vec()))
}

/// `choices(population, weights=None, *, cum_weights=None, k=1)`: each
/// pick one `random()`, scaled to the population or found among the
/// cumulative weights by bisection (weights of any number type, compared
/// as the program compares them).
fn choices<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Generator,
    population: &Value,
    weights: Option<Value>,
    cum_weights: Option<Value>,
    k: Option<Value>,
) -> R<Value> {
    let n = length(population)?;
    let k = match k {
        None => 1,
        Some(k) => crate::args::index_int(&k)?,
    };
    let weights = weights.filter(|w| !matches!(w, Value::None));
    let cum_weights = cum_weights.filter(|w| !matches!(w, Value::None));
    // The list of `k` picks is known in size: a `k` past the limits fails
    // here, before any draw.
    let picks = usize::try_from(k.max(0)).unwrap_or(usize::MAX);
    cx.meter().check_len(picks)?;
    cx.meter().alloc(crate::mem::vec_block::<Value>(picks))?;
    let mut result = ChargedVec::new();
    let Some(cum) = cumulative_weights(cx, weights, cum_weights)? else {
        for _ in 0..k.max(0) {
            cx.meter().fuel(draw_fuel(n))?;
            let i = (g.random() * n as f64).floor() as usize;
            let item = item_at(cx, population, i)?;
            result.push(cx.meter(), item)?;
        }
        return Ok(Value::list(result.into_vec()));
    };
    if length(&cum)? != n {
        return value_err("The number of weights does not match the population");
    }
    if n == 0 {
        return exc(ExcKind::IndexError, "list index out of range");
    }
    let last = item_at(cx, &cum, n - 1)?;
    let total = match cx.binary(BinOp::Add, &last, &Value::Float(0.0))? {
        Value::Float(t) => t,
        other => return type_err(format!("must be real number, not {}", other.type_name())),
    };
    if total <= 0.0 {
        return value_err("Total of weights must be greater than zero");
    }
    if !total.is_finite() {
        return value_err("Total of weights must be finite");
    }
    let steps = u64::from(usize::BITS - n.leading_zeros());
    for _ in 0..k.max(0) {
        cx.meter().fuel(draw_fuel(n) + steps * FUEL_PER_BISECTION_STEP)?;
        let x = Value::Float(g.random() * total);
        let (mut lo, mut hi) = (0usize, n - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = item_at(cx, &cum, mid)?;
            if cx.compare(CmpOp::Lt, &x, &at)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let item = item_at(cx, population, lo)?;
        result.push(cx.meter(), item)?;
    }
    Ok(Value::list(result.into_vec()))
}

/// The cumulative weights `choices` bisects, as a list or tuple read in
/// place: given (a list or a tuple as it is, any other iterable as a new
/// list), or summed from the weights as `itertools.accumulate` sums them
/// into a new list; `None` for equal weights.
fn cumulative_weights<C: Callbacks + ?Sized>(
    cx: &mut C,
    weights: Option<Value>,
    cum_weights: Option<Value>,
) -> R<Option<Value>> {
    match (weights, cum_weights) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => type_err("Cannot specify both weights and cumulative weights"),
        (None, Some(cum @ (Value::List(_) | Value::Tuple(_)))) => Ok(Some(cum)),
        (None, Some(cum)) => Ok(Some(Value::list(cx.iterate(&cum)?))),
        (Some(w), None) => {
            if let Value::Int(k) = w {
                return type_err(format!(
                    "The number of choices must be a keyword argument: k={k}"
                ));
            }
            let items = charged_items(cx, &w)?;
            cx.meter().fuel((items.len() as u64).saturating_mul(FUEL_PER_WEIGHT_SUMMED))?;
            let mut sums = ChargedVec::new();
            let mut total: Option<Value> = None;
            for x in items.into_vec() {
                let next = match &total {
                    None => x,
                    Some(t) => cx.binary(BinOp::Add, t, &x)?,
                };
                sums.push(cx.meter(), next.clone())?;
                total = Some(next);
            }
            Ok(Some(Value::list(sums.into_vec())))
        }
    }
}

/// Binds a method's arguments as CPython binds a Python method's:
/// `positional` by position or keyword (the first `required` of them
/// required), `keyword_only` by keyword; `None` for one not given.
fn bind<const S: usize>(
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
    positional: &[&str],
    required: usize,
    keyword_only: &[&str],
) -> R<[Option<Value>; S]> {
    let mut slots: [Option<Value>; S] = std::array::from_fn(|_| None);
    let fname = format!("Random.{name}");
    if args.len() > positional.len() {
        // Counted with `self`, as CPython counts a method's.
        let (min, max) = (required + 1, positional.len() + 1);
        return type_err(crate::signature::too_many_positional(&fname, min, max, args.len() + 1));
    }
    for (slot, v) in slots.iter_mut().zip(args) {
        *slot = Some(v);
    }
    for (k, v) in kwargs {
        let at = positional.iter().chain(keyword_only).position(|p| *p == k.as_str());
        match at {
            None => {
                return type_err(format!("{fname}() got an unexpected keyword argument '{k}'"));
            }
            Some(i) if slots[i].is_some() => {
                return type_err(format!("{fname}() got multiple values for argument '{k}'"));
            }
            Some(i) => slots[i] = Some(v),
        }
    }
    let missing: Vec<SmolStr> = positional[..required]
        .iter()
        .zip(&slots)
        .filter(|(_, s)| s.is_none())
        .map(|(p, _)| SmolStr::new(p))
        .collect();
    if !missing.is_empty() {
        return type_err(crate::signature::missing_positional(&fname, &missing));
    }
    Ok(slots)
}
