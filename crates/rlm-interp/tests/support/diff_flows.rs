// The differential fuzzer's multi-line statements (issue #76), included by
// `diff_gen.rs`: asyncio programs (tasks, cancellation, timeouts, the
// primitives), lazy-iterator pipelines whose callbacks log when they run,
// and strings drawn from every Unicode general category. Each still prints
// one line: the statement's value, or the name of its exception.
//
// Delays are multiples of 1/64 s, each moved by a power of two of its own
// (`distinct`), so deadlines add up exactly and no two timers fall due at
// the same instant; the CPython worker runs asyncio on a virtual clock
// (`driver.py`), so sleeps take no real time there either.

include!("diff_unicode.rs");

/// Prelude of the flows: the log the callbacks write, and the coroutines
/// the async statements start (each logs its start, end, cancellation and
/// `finally`, so the order of events is compared, not only results). Its
/// `await` makes every program a coroutine in CPython too, as a DSL cell
/// always runs in an event loop.
pub const FLOWS_PRELUDE: &str = "\
log = []
def tap(tag, x):
    log.append((tag, x))
    return x
async def w(k, d, fail=False):
    log.append(('start', k))
    try:
        await asyncio.sleep(d)
        if fail:
            raise ValueError(k)
        log.append(('end', k))
        return k
    except asyncio.CancelledError:
        log.append(('cancelled', k))
        raise
    finally:
        log.append(('finally', k))
async def stubborn(k, d):
    try:
        await asyncio.sleep(d)
    except asyncio.CancelledError:
        log.append(('swallowed', k))
        await asyncio.sleep(d)
    return k
async def producer(q, n, d):
    for i in range(n):
        await q.put(i)
        log.append(('put', i))
        await asyncio.sleep(d)
async def consumer(q, k):
    while True:
        item = await q.get()
        log.append(('got', k, item))
        q.task_done()
async def waiter(e, k):
    log.append(('waiting', k))
    await e.wait()
    log.append(('woken', k))
    return k
async def holder(l, k, d):
    await l.acquire()
    try:
        log.append(('holds', k))
        await asyncio.sleep(d)
    finally:
        log.append(('releases', k))
        l.release()
    return k
await asyncio.sleep(0)
";

const DELAYS: &[&str] = &["0", "0.015625", "0.03125", "0.046875", "0.078125", "-1"];
const TIMEOUTS: &[&str] = &["0", "0.015625", "0.03125", "0.0625", "1", "None"];

/// A positive delay or timeout from `items`, moved by a power of two of its
/// own, so that no two timers of a program fall due at the same instant:
/// which of two such timers fires first depends on real time in CPython.
/// Zero, negative and `None` stay as they are (no timer).
fn distinct(b: &mut Bytes, items: &[&str]) -> String {
    let item = b.one(items);
    match item.parse::<f64>() {
        Ok(d) if d > 0.0 => {
            b.delays += 1;
            format!("{:?}", d + 2f64.powi(-(14 + (b.delays % 36) as i32)))
        }
        _ => item.to_string(),
    }
}
const FLAGS: &[&str] = &["False", "True"];
const TASKS: &[&str] = &["t0", "t1", "t2"];

/// A worker coroutine call with the fuzzer's key, delay and failure.
fn worker(b: &mut Bytes) -> String {
    let k = b.pick(9);
    match b.pick(6) {
        0 => format!("stubborn({k}, {})", distinct(b, DELAYS)),
        1 => format!("asyncio.sleep({}, {k})", distinct(b, DELAYS)),
        _ => format!("w({k}, {}, {})", distinct(b, DELAYS), b.one(FLAGS)),
    }
}

/// One step of an async statement's body; `r` collects what it observes.
fn async_step(b: &mut Bytes) -> String {
    let t = b.one(TASKS);
    match b.pick(20) {
        0..=2 => format!("{t} = asyncio.create_task({})", worker(b)),
        3 => format!("{t} = asyncio.ensure_future({})", worker(b)),
        4 | 5 => format!("await asyncio.sleep({})", distinct(b, DELAYS)),
        6 => format!("r.append({t}.cancel())"),
        7 => format!("r.append(await {t})"),
        8 => format!(
            "r.append(await asyncio.gather({}, {}, return_exceptions={}))",
            worker(b),
            worker(b),
            b.one(FLAGS)
        ),
        9 => format!("r.append(await asyncio.gather({t}, {}))", worker(b)),
        10 => format!("r.append(await asyncio.wait_for({}, {}))", worker(b), distinct(b, TIMEOUTS)),
        11 => format!("r.append(await asyncio.wait_for({t}, {}))", distinct(b, TIMEOUTS)),
        12 => format!("r.append(await asyncio.shield({t}))"),
        13 => format!(
            "r.append(await asyncio.wait_for(asyncio.shield({t}), {}))",
            distinct(b, TIMEOUTS)
        ),
        // Tasks made in order: 3.11's as_completed starts bare coroutines in
        // the order of a set, which differs from run to run.
        14 => format!(
            "for f in asyncio.as_completed([asyncio.create_task({}), asyncio.create_task({}), {t}]):\n    r.append(await f)",
            worker(b),
            worker(b)
        ),
        15 => format!("r.append(({t}.done(), {t}.cancelled()))\nr.append({t}.result())"),
        16 => format!(
            "q = asyncio.Queue({})\nc = asyncio.create_task(consumer(q, {}))\n\
             await producer(q, {}, {})\nawait q.join()\nr.append((q.qsize(), q.empty(), q.full()))\n\
             c.cancel()",
            b.pick(3),
            b.pick(9),
            b.pick(4),
            distinct(b, DELAYS)
        ),
        17 => format!(
            "ev = asyncio.Event()\n{t} = asyncio.create_task(waiter(ev, {}))\n\
             await asyncio.sleep({})\nr.append(ev.is_set())\nev.set()\nr.append(await {t})",
            b.pick(9),
            distinct(b, DELAYS)
        ),
        18 => format!(
            "l = asyncio.{}\nr.append(await asyncio.gather(holder(l, 1, {}), holder(l, 2, {}), holder(l, 3, 0)))",
            b.one(&["Lock()", "Semaphore(1)", "Semaphore(2)"]),
            distinct(b, DELAYS),
            distinct(b, DELAYS)
        ),
        _ => format!(
            "q = asyncio.Queue({})\nq.put_nowait({})\nr.append(q.get_nowait())\nr.append(q.get_nowait())",
            b.pick(2),
            b.pick(9)
        ),
    }
}

/// An async statement: steps run in order, each caught (a cancellation is a
/// BaseException), then the observations and the log are the value.
fn async_statement(b: &mut Bytes) -> String {
    let mut src = String::from("log.clear()\nr = []\n");
    for _ in 0..1 + b.pick(5) {
        let step = async_step(b);
        src.push_str("try:\n");
        for line in step.lines() {
            src.push_str("    ");
            src.push_str(line);
            src.push('\n');
        }
        src.push_str(
            "except (Exception, asyncio.CancelledError) as e:\n    r.append(type(e).__name__)\n",
        );
    }
    src.push_str("v = (r, log)");
    src
}

/// A source of a lazy pipeline (zeros and strs make callbacks raise).
fn lazy_source(b: &mut Bytes) -> String {
    match b.pick(7) {
        0 => format!("range({})", b.one(SMALL)),
        1 => "[3, 1, 0, 2, 0, 5]".to_string(),
        2 => "iter([4, 2, 2, 7, 1])".to_string(),
        3 => "'abca'".to_string(),
        4 => "(tap('src', i) for i in range(6))".to_string(),
        5 => "reversed([1, 0, 3])".to_string(),
        _ => leaf(b, 'L'),
    }
}

/// A lazy stage over `x`: every callback logs through `tap`.
fn lazy_stage(b: &mut Bytes, x: &str) -> String {
    let l = leaf(b, 'L');
    let n = b.one(SMALL);
    match b.pick(28) {
        0 => format!("map(lambda a: tap('m', a), {x})"),
        1 => format!("map(lambda a: 12 // tap('d', a), {x})"),
        2 => format!("filter(lambda a: tap('f', a) != 2, {x})"),
        3 => format!("filter(None, {x})"),
        4 => format!("zip({x}, map(lambda a: tap('z', a), {l}))"),
        5 => format!("enumerate({x}, {n})"),
        6 => format!("itertools.islice({x}, {n})"),
        7 => format!("itertools.islice({x}, 1, {n}, 2)"),
        8 => format!("itertools.takewhile(lambda a: tap('t', a) != 0, {x})"),
        9 => format!("itertools.dropwhile(lambda a: tap('w', a) != 0, {x})"),
        10 => format!("itertools.accumulate({x})"),
        11 => format!("itertools.accumulate({x}, lambda a, c: tap('a', a))"),
        12 => format!("itertools.chain({x}, {l})"),
        13 => format!("itertools.chain.from_iterable(map(lambda a: [a, tap('c', a)], {x}))"),
        14 => format!("itertools.starmap(lambda a, c: tap('s', (a, c)), zip({x}, {x}))"),
        15 => format!("itertools.compress({x}, map(lambda a: tap('k', a), {l}))"),
        16 => format!("itertools.filterfalse(lambda a: tap('F', a), {x})"),
        17 => format!("itertools.zip_longest({x}, {l}, fillvalue=-1)"),
        18 => format!("itertools.pairwise({x})"),
        19 => format!("map(lambda a, c: tap('2', (a, c)), {x}, {l})"),
        20 => format!("itertools.product({x}, repeat=1)"),
        21 => format!("itertools.combinations({x}, 2)"),
        22 => format!("itertools.permutations({x}, 2)"),
        23 => format!("itertools.islice(itertools.cycle({x}), {n})"),
        24 => format!("(tap('g', a) for a in {x})"),
        25 => format!("(k for k, g in itertools.groupby({x}))"),
        26 => {
            format!("((k, list(g)) for k, g in itertools.groupby({x}, key=lambda a: tap('G', a)))")
        }
        _ => format!("map(lambda a: tap('h', a), itertools.tee({x}, 2)[{}])", b.pick(2)),
    }
}

/// A lazy pipeline drawn one item at a time: what was drawn and what the
/// callbacks logged interleave in one list, so evaluation order is compared.
fn lazy_statement(b: &mut Bytes) -> String {
    let mut p = lazy_source(b);
    for _ in 0..1 + b.pick(3) {
        p = lazy_stage(b, &p);
    }
    let draw = match b.pick(4) {
        0 => {
            "for a in it:\n        log.append(('out', a))\n        if len(log) > 60:\n            break"
        }
        1 => "log.append(('next', next(it, 'end')))\n    log.append(('next', next(it, 'end')))",
        2 => "gs = list(it)\n    log.append(('all', gs))",
        _ => "log.append(('first', next(it)))\n    log.append(('rest', list(it)))",
    };
    format!(
        "log.clear()\nit = {p}\nlog.append('made')\ntry:\n    {draw}\n\
         except Exception as e:\n    log.append(type(e).__name__)\nv = log"
    )
}

/// Code points worth meeting often: case mappings CPython 3.11 and newer
/// tables disagree on, the final sigma, PEP 3131's Other_ID_Start and
/// Other_ID_Continue, titlecase digraphs, ligatures that expand.
const UNICODE_SPECIAL: &[u32] = &[
    0x1C89, 0x3A3, 0x3C2, 0x130, 0xDF, 0xFB01, 0x1C5, 0x149, 0x2118, 0xB7, 0xB2, 0x2E2F, 0x212E,
    0x1885, 0x309B, 0x387, 0x1369, 0x19DA, 0x10A0, 0x13A0, 0xAB70, 0x1E9E, 0x2160, 0x24B6, 0x345,
];

/// A string of 1 to 6 code points, each from a category the input picks.
fn unicode_str(b: &mut Bytes) -> String {
    let mut s = String::new();
    for _ in 0..1 + b.pick(6) {
        let cp = if b.pick(4) == 0 {
            UNICODE_SPECIAL[b.pick(UNICODE_SPECIAL.len())]
        } else {
            let (_, cps) = UNICODE_SAMPLES[b.pick(UNICODE_SAMPLES.len())];
            cps[b.pick(cps.len())]
        };
        s.push(char::from_u32(cp).unwrap_or('?'));
        if b.pick(3) == 0 {
            s.push_str(b.one(&["a", "A", " ", "1", "Σ", "_"]));
        }
    }
    str_literal(&s)
}

/// A Unicode statement: case mappings, predicates, identifiers, numerics,
/// splitting and padding of a string drawn from the categories.
fn unicode_statement(b: &mut Bytes) -> String {
    let s = unicode_str(b);
    let op = b.one(&[
        "s.lower()",
        "s.upper()",
        "s.casefold()",
        "s.title()",
        "s.capitalize()",
        "s.swapcase()",
        "[s.isalpha(), s.isalnum(), s.isdigit(), s.isdecimal(), s.isnumeric()]",
        "[s.isupper(), s.islower(), s.istitle(), s.isspace(), s.isprintable()]",
        "[s.isidentifier(), ('x' + s).isidentifier(), (s + 'x').isidentifier()]",
        "[c.isidentifier() for c in s]",
        "[(c.isupper(), c.islower(), c.upper(), c.lower()) for c in s]",
        "[(c.isdecimal(), c.isdigit(), c.isnumeric(), c.isspace()) for c in s]",
        "s.split()",
        "s.splitlines()",
        "s.strip()",
        "repr(s)",
        "ascii(s)",
        "[len(s), len(s.upper()), len(s.casefold())]",
        "s.center(9, '*')",
        "f'{s:^9}|{s!a}'",
        "s.zfill(7)",
        "sorted(s)",
        "int(s)",
        "float(s)",
        "s.title().istitle()",
        "s.expandtabs(3)",
        "str.maketrans(s[:1], 'z') if s else {}",
        "s.upper().lower() == s.lower()",
        "' '.join(s.split()).swapcase()",
        "[s.startswith(s[:1]), s.find(s[-1:]), s.count(s[:1]), s.partition(s[:1])]",
    ]);
    format!("s = {s}\nv = {op}")
}
