//! The embedding hooks a host such as the Python bindings uses: keeping the
//! value of a cell's last expression (one parse), the interrupt check a
//! long-running program calls every so many fuel units, and a host object's
//! own truth value and text.

use std::cell::Cell;
use std::rc::Rc;

use rlm_interp::{
    ErrorKind, HostError, HostObject, HostReturn, HostStop, Interpreter, Limits, Outcome, SmolStr,
    Value,
};

#[test]
fn the_last_expression_is_kept_and_other_endings_store_nothing() {
    let mut s = Interpreter::new(Limits::default());
    s.set_global("_r", Value::None);
    assert!(matches!(s.run_cell_keeping_last("x = 20\nx * 2 + 2", "_r"), Outcome::Done));
    assert_eq!(s.get_global("_r").map(|v| format!("{v:?}")), Some(format!("{:?}", Value::Int(42))));
    // A cell ending with another statement leaves the global alone.
    s.set_global("_r", Value::None);
    assert!(matches!(s.run_cell_keeping_last("y = 1", "_r"), Outcome::Done));
    assert!(matches!(s.get_global("_r"), Some(Value::None)));
    // Line numbers of errors in the kept expression are the source's.
    match s.run_cell_keeping_last("a = 1\n\n1 / 0", "_r") {
        Outcome::Error(e) => {
            assert_eq!(e.type_name, "ZeroDivisionError");
            assert_eq!(e.traceback.last().map(|t| t.1), Some(3));
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // Plain run_cell still drops the value.
    s.set_global("_r", Value::None);
    assert!(matches!(s.run_cell("5"), Outcome::Done));
    assert!(matches!(s.get_global("_r"), Some(Value::None)));
}

#[test]
fn the_interrupt_check_runs_every_n_fuel_and_stops_a_pure_loop() {
    let mut s = Interpreter::new(Limits { fuel: 50_000_000, ..Limits::default() });
    let calls = Rc::new(Cell::new(0u64));
    let seen = Rc::clone(&calls);
    s.set_interrupt_check(Some((
        10_000,
        Rc::new(move || {
            seen.set(seen.get() + 1);
            (seen.get() >= 5).then_some(HostStop::Cancel)
        }),
    )));
    match s.run_cell("i = 0\nwhile True:\n    i += 1") {
        Outcome::Error(e) => {
            assert_eq!(e.kind, ErrorKind::Exception);
            assert_eq!(e.type_name, "KeyboardInterrupt");
        }
        other => panic!("expected KeyboardInterrupt, got {other:?}"),
    }
    assert_eq!(calls.get(), 5);
    // About 5 checks' worth of fuel, not the whole budget.
    assert!(s.fuel_used() >= 50_000 && s.fuel_used() < 60_000, "{}", s.fuel_used());
    // The session lives on (an interrupt is not a limit), and without the
    // check a run uses its fuel as before.
    s.set_interrupt_check(None);
    assert!(matches!(s.run_cell("z = sum(range(1000))"), Outcome::Done));
    // `except KeyboardInterrupt` can catch it, as in CPython.
    let flag = Rc::new(Cell::new(true));
    let f = Rc::clone(&flag);
    s.set_interrupt_check(Some((1_000, Rc::new(move || f.get().then_some(HostStop::Cancel)))));
    let src = "try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    caught = 'KeyboardInterrupt'";
    flag.set(true);
    let out = s.run_cell(src);
    assert!(matches!(out, Outcome::Done), "{out:?}");
    assert_eq!(s.get_global("caught").map(|v| s.display(&v)), Some("KeyboardInterrupt".into()));
}

#[test]
fn fuel_still_runs_out_with_an_interrupt_check_that_never_fires() {
    let mut s = Interpreter::new(Limits { fuel: 100_000, ..Limits::default() });
    s.set_interrupt_check(Some((7_000, Rc::new(|| None))));
    match s.run_cell("while True:\n    pass") {
        Outcome::Error(e) => assert!(matches!(e.kind, ErrorKind::Limit(_)), "{e:?}"),
        other => panic!("expected the fuel limit, got {other:?}"),
    }
}

/// A host value that is falsy and has its own text (as rlm's `LLMError`).
struct Failure;

impl HostObject for Failure {
    fn type_name(&self) -> &str {
        "Failure"
    }
    fn call_method(
        &self,
        _: &str,
        _: &[Value],
        _: &[(SmolStr, Value)],
        _: &mut dyn FnMut(u64) -> Result<(), rlm_interp::LimitError>,
    ) -> Option<Result<HostReturn, HostError>> {
        None
    }
    fn get_attr(&self, name: &str) -> Option<Value> {
        (name == "kind").then(|| Value::str("rate_limited"))
    }
    fn truthy(&self) -> bool {
        false
    }
    fn repr(&self) -> Option<String> {
        Some("<Failure: rate limited>".into())
    }
    fn str(&self) -> Option<String> {
        Some("Failure: rate limited".into())
    }
}

#[test]
fn a_host_object_gives_its_own_truth_and_text() {
    let mut s = Interpreter::new(Limits::default());
    s.set_global("r", Value::Host(Rc::new(Rc::new(Failure))));
    let src = "print(bool(r), not r, 'yes' if r else 'no')\n\
               print(r)\nprint(str(r), repr(r))\nprint(f'{r} {r!r} [{r:}]')\n\
               print([r], r.kind, isinstance(r, str))\n\
               print([x for x in [r, 'ok'] if x])\n\
               try:\n    print(f'{r:>30}')\nexcept TypeError as e:\n    print('TypeError', e)";
    let out = s.run_cell(src);
    assert!(matches!(out, Outcome::Done), "{out:?}");
    assert_eq!(
        s.take_output(),
        "False True no\nFailure: rate limited\nFailure: rate limited <Failure: rate limited>\n\
         Failure: rate limited <Failure: rate limited> [Failure: rate limited]\n\
         [<Failure: rate limited>] rate_limited False\n['ok']\n\
         TypeError unsupported format string passed to host object.__format__\n"
    );
    // Its text is held to the string cap like any other.
    let mut small = Interpreter::new(Limits { max_str_len: 10, ..Limits::default() });
    small.set_global("r", Value::Host(Rc::new(Rc::new(Failure))));
    match small.run_cell("x = str(r)") {
        Outcome::Error(e) => assert!(matches!(e.kind, ErrorKind::Limit(_)), "{e:?}"),
        other => panic!("expected the string limit, got {other:?}"),
    }
}
