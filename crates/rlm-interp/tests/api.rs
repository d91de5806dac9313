//! The embedding API: suspension at host calls (one or many at once),
//! resuming with values or errors, inline host functions and objects,
//! notebook semantics across cells, FINAL, fuel accounting, zero-copy views.

use std::rc::Rc;
use std::sync::Arc;

use rlm_interp::{
    ErrorKind, HostCall, HostError, HostFunc, HostObject, HostReturn, Interpreter, LimitKind,
    Limits, Outcome, SmolStr, Str, Value,
};

fn suspended(o: Outcome) -> Vec<HostCall> {
    match o {
        Outcome::Suspended(c) => c,
        other => panic!("expected a suspension, got {other:?}"),
    }
}

fn arg0(s: &mut Interpreter, c: &HostCall) -> String {
    s.display(&c.args[0])
}

#[test]
fn sync_llm_query_suspends_and_resumes() {
    let mut s = Interpreter::default();
    let calls = suspended(s.run_cell("x = llm_query('hello', model='m1')\nprint('got', x)"));
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "llm_query");
    assert_eq!(arg0(&mut s, &calls[0]), "hello");
    assert_eq!(calls[0].kwargs[0].0, "model");
    assert_eq!(s.take_output(), "");
    let fuel_before = s.fuel_used();
    s.answer(calls[0].id, Ok(Value::str("world"))).unwrap();
    assert_eq!(s.fuel_used(), fuel_before, "no fuel is spent while suspended");
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "got world\n");
}

#[test]
fn gather_suspends_with_all_pending_calls_at_once() {
    let mut s = Interpreter::default();
    let src = "import asyncio\nasync def ask(q):\n    a = await llm_query_async(q)\n    return q + '=' + a\nr = await asyncio.gather(*[ask(f'q{i}') for i in range(4)])\nprint(r)";
    let calls = suspended(s.run_cell(src));
    assert_eq!(calls.len(), 4, "all four coroutines reach their host call before suspending");
    let prompts: Vec<String> = calls.iter().map(|c| s.display(&c.args[0])).collect();
    assert_eq!(prompts, ["q0", "q1", "q2", "q3"]);
    // Answer out of order, one at a time.
    for c in calls.iter().rev() {
        let p = s.display(&c.args[0]);
        s.answer(c.id, Ok(Value::str(format!("A{p}")))).unwrap();
    }
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "['q0=Aq0', 'q1=Aq1', 'q2=Aq2', 'q3=Aq3']\n");
}

#[test]
fn partial_answers_keep_the_rest_pending() {
    let mut s = Interpreter::default();
    let calls = suspended(s.run_cell("r = llm_batch(['a', 'b', 'c'])\nprint(r)"));
    assert_eq!(calls.len(), 3);
    s.answer(calls[1].id, Ok(Value::str("B"))).unwrap();
    let again = suspended(s.resume());
    let mut ids: Vec<u64> = again.iter().map(|c| c.id).collect();
    ids.sort();
    assert_eq!(ids, vec![calls[0].id, calls[2].id]);
    s.answer(calls[0].id, Ok(Value::str("A"))).unwrap();
    s.answer(calls[2].id, Ok(Value::str("C"))).unwrap();
    assert!(s.answer(999, Ok(Value::None)).is_err(), "unknown ids are refused");
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "['A', 'B', 'C']\n");
}

#[test]
fn host_errors_become_catchable_exceptions() {
    let mut s = Interpreter::default();
    let calls = suspended(
        s.run_cell("try:\n    llm_query('x')\nexcept RuntimeError as e:\n    print('failed:', e)"),
    );
    s.answer(calls[0].id, Err(HostError::new("rate limited"))).unwrap();
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "failed: rate limited\n");
}

#[test]
fn gather_propagates_the_first_error_unless_return_exceptions() {
    let mut s = Interpreter::default();
    let src = "import asyncio\nr = await asyncio.gather(llm_query_async('a'), llm_query_async('b'), return_exceptions=True)\nprint([type(x).__name__ for x in r])";
    let calls = suspended(s.run_cell(src));
    s.answer(calls[0].id, Ok(Value::str("ok"))).unwrap();
    s.answer(calls[1].id, Err(HostError::typed(rlm_interp::ExcKind::TimeoutError, "slow")))
        .unwrap();
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "['str', 'TimeoutError']\n");
}

#[test]
fn globals_persist_across_cells_and_final_ends_the_run() {
    let mut s = Interpreter::default();
    assert!(matches!(
        s.run_cell("import re\ncount = 3\ndef double(x):\n    return 2 * x"),
        Outcome::Done
    ));
    assert!(matches!(
        s.run_cell("count = double(count)\nprint(count, re.findall('a', 'aa'))"),
        Outcome::Done
    ));
    assert_eq!(s.take_output(), "6 ['a', 'a']\n");
    match s.run_cell("answer = f'count={count}'\nFINAL_VAR('answer')\nprint('not reached')") {
        Outcome::Final(v) => assert_eq!(s.display(&v), "count=6"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.take_output(), "");
    match s.run_cell("FINAL_VAR('nope')") {
        Outcome::Error(e) => {
            assert_eq!(e.type_name, "NameError");
            assert!(
                e.message.contains("FINAL_VAR: variable 'nope' is not defined"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
    let names: Vec<String> = s.globals().iter().map(|(n, _)| n.to_string()).collect();
    assert!(
        names.contains(&"count".to_string()) && names.contains(&"double".to_string()),
        "{names:?}"
    );
}

#[test]
fn errors_render_like_cpython_tracebacks() {
    let mut s = Interpreter::default();
    let src = "def f(d):\n    return d['k']\nf({})";
    match s.run_cell(src) {
        Outcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Exception);
            assert_eq!(e.last_line(), "KeyError: 'k'");
            let text = e.render(src, "cell.py");
            assert!(text.starts_with("Traceback (most recent call last):\n"), "{text}");
            assert!(
                text.contains("line 3, in <module>") && text.contains("line 2, in f"),
                "{text}"
            );
            assert!(text.contains("    return d['k']"), "{text}");
            assert!(text.ends_with("KeyError: 'k'\n"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // The session stays usable after an ordinary exception.
    assert!(matches!(s.run_cell("print('still here')"), Outcome::Done));
    match s.run_cell("x = (") {
        Outcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Syntax);
            assert!(e.render("x = (", "c").contains("never closed") || !e.message.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn inline_host_functions_and_rewrites_to_host_calls() {
    let mut s = Interpreter::default();
    s.register(
        "word_count",
        HostFunc::Inline(Rc::new(|args: &[Value], _kw: &[(SmolStr, Value)]| match args.first() {
            Some(Value::Str(t)) => {
                Ok(HostReturn::Value(Value::Int(t.as_str().split_whitespace().count() as i64)))
            }
            _ => Err(HostError::typed(rlm_interp::ExcKind::TypeError, "word_count() needs a str")),
        })),
    );
    s.register(
        "ask",
        HostFunc::Inline(Rc::new(|args: &[Value], _kw: &[(SmolStr, Value)]| {
            Ok(HostReturn::Suspend {
                name: SmolStr::new("llm_query"),
                args: args.to_vec(),
                kwargs: Vec::new(),
            })
        })),
    );
    let calls = suspended(s.run_cell("print(word_count('a b c'))\ntry:\n    word_count(1)\nexcept TypeError as e:\n    print(e)\nprint(ask('q?'))"));
    assert_eq!(calls[0].name, "llm_query");
    s.answer(calls[0].id, Ok(Value::str("yes"))).unwrap();
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "3\nword_count() needs a str\nyes\n");
}

struct Ctx {
    text: Arc<String>,
}

impl HostObject for Ctx {
    fn type_name(&self) -> &str {
        "Context"
    }

    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        _kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), rlm_interp::LimitError>,
    ) -> Option<Result<HostReturn, HostError>> {
        match name {
            "len_chars" => {
                Some(Ok(HostReturn::Value(Value::Int(self.text.chars().count() as i64))))
            }
            "find" => {
                if fuel(self.text.len() as u64 / 64).is_err() {
                    return Some(Err(HostError::new("out of fuel")));
                }
                let Some(Value::Str(p)) = args.first() else {
                    return Some(Err(HostError::new("find(pattern)")));
                };
                Some(Ok(HostReturn::Value(Value::Int(
                    self.text.find(p.as_str()).map_or(-1, |i| i as i64),
                ))))
            }
            _ => None,
        }
    }

    fn method_names(&self) -> Vec<String> {
        vec!["len_chars".into(), "find".into()]
    }
}

#[test]
fn host_objects_expose_methods() {
    let mut s = Interpreter::default();
    s.register_object("ctx", Rc::new(Ctx { text: Arc::new("needle in a haystack".into()) }));
    assert!(matches!(
        s.run_cell("print(ctx.len_chars(), ctx.find('hay'))\nf = ctx.find\nprint(f('in'))"),
        Outcome::Done
    ));
    assert_eq!(s.take_output(), "20 12\n7\n");
    match s.run_cell("ctx.delete_everything()") {
        Outcome::Error(e) => assert_eq!(
            e.last_line(),
            "AttributeError: 'Context' object has no attribute 'delete_everything'"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn huge_shared_context_is_sliced_without_copies() {
    // 8 MB of non-ASCII text: indexing and slicing use the sampled index.
    let text: String = "é漢a".repeat(8 << 20 >> 3);
    let n = text.chars().count();
    let probe = text.chars().nth(1_000_001).unwrap_or(' ');
    let mut s = Interpreter::default();
    s.set_global("context", Value::Str(Str::from_buffer(Arc::new(text))));
    let src = "total = 0\nfor i in range(0, len(context), 100000):\n    total += len(context[i:i + 50])\nprint(len(context), total, context[-3:], context[1000001])";
    assert!(matches!(s.run_cell(src), Outcome::Done));
    let out = s.take_output();
    let expected_total: usize = (0..n).step_by(100_000).map(|i| 50.min(n - i)).sum();
    assert_eq!(out, format!("{n} {expected_total} é漢a {probe}\n"));
    assert!(s.fuel_used() < 100_000, "slicing must not cost O(n) per access: {}", s.fuel_used());
}

#[test]
fn limits_are_configurable_and_reported() {
    let mut s = Interpreter::new(Limits { fuel: 10_000, ..Limits::default() });
    match s.run_cell("i = 0\nwhile True:\n    i += 1") {
        Outcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Fuel));
            assert!(e.render("", "c").contains("cannot be caught"));
        }
        other => panic!("{other:?}"),
    }
    // The cell was rolled back, and the session runs the next one.
    assert!(s.pending_limit().is_none());
    match s.run_cell("try:\n    print(i)\nexcept NameError:\n    print('rolled back')") {
        Outcome::Done => assert_eq!(s.take_output(), "rolled back\n"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn callbacks_cannot_suspend_and_say_what_to_do() {
    let mut s = Interpreter::default();
    match s.run_cell("r = list(map(llm_query, ['a', 'b']))") {
        Outcome::Error(e) => {
            assert!(e.message.contains("use a for loop or a list comprehension"), "{}", e.message)
        }
        other => panic!("{other:?}"),
    }
    // The comprehension form works.
    let calls = suspended(s.run_cell("r = [llm_query(p) for p in ['a', 'b']]\nprint(r)"));
    s.answer(calls[0].id, Ok(Value::str("1"))).unwrap();
    let calls = suspended(s.resume());
    s.answer(calls[0].id, Ok(Value::str("2"))).unwrap();
    assert!(matches!(s.resume(), Outcome::Done));
    assert_eq!(s.take_output(), "['1', '2']\n");
}

#[test]
fn ending_a_session_breaks_cycles_but_keeps_values_held_outside() {
    let mut s = Interpreter::default();
    let src = "x = [1]\nx.append(x)\nd = {}\nd['self'] = d\ndef outer():\n    def rec(n):\n        return 0 if n == 0 else rec(n - 1)\n    return rec\nr = outer()\nkeep = [1, 2]\nkeep.append(keep)";
    assert!(matches!(s.run_cell(src), Outcome::Done));
    let keep = s.get_global("keep").unwrap();
    drop(s);
    // The embedder's value survives intact (it is referenced from outside).
    let mut other = Interpreter::default();
    assert_eq!(other.repr(&keep), "[1, 2, [...]]");
}

#[test]
fn tracebacks_suggest_close_names() {
    let mut s = Interpreter::default();
    match s.run_cell("t = 'abc'\nt.startwith('a')") {
        Outcome::Error(e) => {
            assert_eq!(e.last_line(), "AttributeError: 'str' object has no attribute 'startwith'");
            assert!(
                e.render("", "c").ends_with("Did you mean: 'startswith'?\n"),
                "{}",
                e.render("", "c")
            );
        }
        other => panic!("{other:?}"),
    }
    match s.run_cell("lenn('a')") {
        Outcome::Error(e) => assert!(
            e.render("", "c")
                .ends_with("NameError: name 'lenn' is not defined. Did you mean: 'len'?\n")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn live_memory_is_what_the_globals_hold_now() {
    let mut s = Interpreter::default();
    let empty = s.synced_memory_bytes();
    assert!(matches!(s.run_cell("big = 'y' * 100000\nparts = [big[:10]] * 1000"), Outcome::Done));
    // The running count (O(1)) has the string exactly; the list at its size
    // when made, until a sync brings it up to date.
    assert!(s.live_memory_bytes() >= empty + 100_000, "{empty} -> {}", s.live_memory_bytes());
    let held = s.synced_memory_bytes();
    assert_eq!(s.live_memory_bytes(), held, "after a sync the running count is exact");
    // The string's bytes plus a 1,000-slot list, on top of what was there.
    assert!(held >= empty + 100_000 + 16 * 1000, "{empty} -> {held}");
    assert!(held < empty + 200_000, "{empty} -> {held}");
    // Dropping the values frees them; built-and-dropped values never count.
    assert!(matches!(
        s.run_cell("big = None\nparts = None\nfor i in range(1000):\n    t = str(i) * 100"),
        Outcome::Done
    ));
    // The string is credited when dropped; the dead list when synced.
    assert!(s.live_memory_bytes() < held - 90_000, "{held} -> {}", s.live_memory_bytes());
    let after = s.synced_memory_bytes();
    assert!(after < empty + 1_000, "{empty} -> {after}");
    // A view of an external buffer (the context) costs nothing.
    s.set_global("context", Value::Str(Str::from_buffer(Arc::new("z".repeat(1_000_000)))));
    assert!(s.synced_memory_bytes() < after + 1_000);
}

/// A compiled pattern carries its session's backtracking limit: a session
/// with a tight limit must not leave its patterns to a later session of the
/// same thread (the Python bindings and the server run many sessions on one
/// thread). Found by the knob table's Python probe (issue #34).
#[test]
fn regex_backtrack_limit_does_not_leak_between_sessions_of_a_thread() {
    let src = "import re\nm = re.search(r'(\\w+)\\1z', 'ab' * 30)\nprint(m)\n";
    let mut tight = Interpreter::new(Limits { regex_backtrack_limit: 100, ..Limits::default() });
    let Outcome::Error(e) = tight.run_cell(src) else { panic!("the tight limit must stop it") };
    assert!(e.message.contains("backtracking"), "{}", e.message);
    let mut default = Interpreter::new(Limits::default());
    let outcome = default.run_cell(src);
    assert!(matches!(outcome, Outcome::Done), "the default limit must let it finish: {outcome:?}");
    assert_eq!(default.take_output(), "None\n");
}

/// Under a recursion limit the program lowered, `RecursionError` is
/// CPython's and catchable; at the embedder's own limit (the program's
/// `setrecursionlimit` past it is clamped to it) it is the call-depth limit
/// error, which no `except` catches and which ends the cell (issue #76).
#[test]
fn a_lowered_recursion_limit_is_catchable_the_embedders_is_not() {
    let mut s = Interpreter::new(Limits { max_call_depth: 100, ..Limits::default() });
    let lowered = "import sys\nsys.setrecursionlimit(50)\ndef f(n):\n    return f(n + 1)\ntry:\n    f(0)\nexcept RecursionError as e:\n    print('caught', e)\n";
    let o = s.run_cell(lowered);
    assert!(matches!(o, Outcome::Done), "{o:?}");
    assert_eq!(s.take_output(), "caught maximum recursion depth exceeded\n");
    let own = "sys.setrecursionlimit(10**6)\nprint(sys.getrecursionlimit())\ntry:\n    f(0)\nexcept RecursionError as e:\n    print('caught', e)\n";
    match s.run_cell(own) {
        Outcome::Error(e) => {
            assert!(matches!(e.kind, ErrorKind::Limit(LimitKind::CallDepth)), "{e:?}")
        }
        other => panic!("expected the call-depth limit, got {other:?}"),
    }
    assert_eq!(s.take_output(), "100\n");
}
