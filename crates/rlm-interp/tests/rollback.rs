//! A limit error rolls the session back to its state before the program
//! (issue #53): six cells, the first four build up state of every kind a
//! program keeps (ints, strings, lists appended to and sorted, dicts, sets, a
//! deque, nested containers, a closure's counter, a defaultdict, a Counter),
//! the fifth changes all of it and then hits one limit, and the sixth reads
//! every variable. The sixth prints exactly what it prints in a session that
//! never ran the fifth, for every kind of limit; the memory count is back
//! where it was; and the session runs on.

use std::cell::Cell;
use std::rc::Rc;

use rlm_interp::{ErrorKind, HostStop, Interpreter, LimitKind, Limits, Outcome};

/// The fixture (`tests/rollback/README.md`).
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/rollback/", $name))
    };
}

/// Cells 1-4: the state a model builds over its first steps.
const BUILD: [&str; 4] =
    [fixture!("cell1.py"), fixture!("cell2.py"), fixture!("cell3.py"), fixture!("cell4.py")];

/// Cell 6: every variable, printed.
const READ: &str = fixture!("read.py");

/// Cell 5's changes before it hits its limit: every variable touched.
const CHANGE: &str = fixture!("change.py");

/// Small limits, so that each one is reached in a fraction of a second.
fn limits() -> Limits {
    Limits {
        fuel: 3_000_000,
        memory_bytes: 48 << 20,
        max_str_len: 1 << 20,
        max_collection_len: 1_000_000,
        max_call_depth: 100,
        max_nesting: 50,
        max_output_bytes: 20_000,
        regex_backtrack_limit: 100_000,
    }
}

/// What each limit kind's fifth cell ends with, after [`CHANGE`].
fn triggers() -> Vec<(LimitKind, &'static str)> {
    vec![
        (LimitKind::Fuel, fixture!("limit_fuel.py")),
        (LimitKind::Memory, fixture!("limit_memory.py")),
        (LimitKind::StrLen, fixture!("limit_str_len.py")),
        (LimitKind::CollectionLen, fixture!("limit_collection_len.py")),
        (LimitKind::CallDepth, fixture!("limit_call_depth.py")),
        (LimitKind::Nesting, fixture!("limit_nesting.py")),
        (LimitKind::Output, fixture!("limit_output.py")),
        (LimitKind::Regex, fixture!("limit_regex.py")),
        (LimitKind::WallTime, fixture!("limit_wall_time.py")),
    ]
}

fn run(s: &mut Interpreter, src: &str) -> (String, Outcome) {
    let out = s.run_cell(src);
    (s.take_output(), out)
}

fn session_after_build() -> Interpreter {
    let mut s = Interpreter::new(limits());
    for (i, cell) in BUILD.iter().enumerate() {
        let (out, end) = run(&mut s, cell);
        assert!(matches!(end, Outcome::Done), "cell {}: {end:?} {out}", i + 1);
    }
    s
}

/// Cell 6's output in a session that never ran cell 5.
fn reference() -> String {
    let mut s = session_after_build();
    let (out, end) = run(&mut s, READ);
    assert!(matches!(end, Outcome::Done), "{end:?}");
    out
}

/// What CPython prints for cells 1-4 then cell 6, run as one program.
fn cpython_reference() -> String {
    let program = format!("{}{READ}", BUILD.concat());
    let out = std::process::Command::new("python3")
        .args(["-c", &program])
        .output()
        .expect("python3 runs (CPython 3.11 is the DSL's oracle)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn a_limit_in_the_fifth_cell_leaves_the_first_four_cells_state() {
    let expected = reference();
    assert!(expected.contains("made_in_cell_5 is not defined"), "{expected}");
    assert_eq!(expected, cpython_reference(), "the fixture prints what CPython prints");
    for (kind, trigger) in triggers() {
        let mut s = session_after_build();
        let before = s.synced_memory_bytes();
        if kind == LimitKind::WallTime {
            // The host's deadline passes after a few checks.
            let asked = Rc::new(Cell::new(0));
            let check = move || {
                asked.set(asked.get() + 1);
                (asked.get() > 3).then_some(HostStop::Deadline)
            };
            s.set_interrupt_check(Some((10_000, Rc::new(check))));
        }
        let (_, end) = run(&mut s, &format!("{CHANGE}{trigger}"));
        s.set_interrupt_check(None);
        let Outcome::Error(e) = end else { panic!("{kind:?}: expected a limit, got {end:?}") };
        assert_eq!(e.kind, ErrorKind::Limit(kind), "{kind:?}: {}", e.message);
        let stop = e.stop.unwrap_or_else(|| panic!("{kind:?}: no stop info"));
        assert!(stop.fuel_used > 0 && stop.fuel_limit == limits().fuel, "{kind:?}: {stop:?}");
        assert!(e.line().is_some(), "{kind:?}: no line in {:?}", e.traceback);
        let rendered = e.render(&format!("{CHANGE}{trigger}"), "<cell>");
        assert!(rendered.contains("every variable is as it was"), "{kind:?}: {rendered}");
        assert!(s.pending_limit().is_none());
        let after = s.synced_memory_bytes();
        assert!(
            after.abs_diff(before) < 64 * 1024,
            "{kind:?}: memory {before} before the cell, {after} after its rollback"
        );
        let (out, end) = run(&mut s, READ);
        assert!(matches!(end, Outcome::Done), "{kind:?}: cell 6 ended {end:?}");
        assert_eq!(out, expected, "{kind:?}: cell 6 reads other values");
        // And the session goes on changing state as usual.
        let (out, end) = run(&mut s, "findings.append('later')\nprint(findings[-1], count)");
        assert!(matches!(end, Outcome::Done), "{kind:?}: {end:?}");
        assert_eq!(out, "later 50\n", "{kind:?}");
    }
}

/// The line a limit stopped the program on, and what it had used, are
/// given: the model reads where its program went wrong.
#[test]
fn the_limit_error_says_where_the_program_stopped() {
    let mut s = Interpreter::new(limits());
    let src = "x = 1\ndef spin():\n    while True:\n        pass\nspin()\n";
    let Outcome::Error(e) = s.run_cell(src) else { panic!("expected the fuel error") };
    assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Fuel));
    // The loop's jump (line 3) or its body (line 4), inside `spin`, called on line 5.
    let names: Vec<&str> = e.traceback.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, ["<module>", "spin"]);
    assert_eq!(e.traceback[0].1, 5);
    let line = e.line().expect("a line");
    assert!((3..=4).contains(&line), "{:?}", e.traceback);
    let rendered = e.render(src, "<cell>");
    assert!(rendered.contains(&format!("line {line}, in spin\n")), "{rendered}");
    // The variables of the failed cell are gone with it.
    assert!(s.get_global("x").is_none());
    assert!(s.get_global("spin").is_none());
}

/// A cell that ends with an exception keeps its changes (as CPython does);
/// only limits roll back.
#[test]
fn an_exception_keeps_what_the_cell_changed() {
    let mut s = Interpreter::new(limits());
    assert!(matches!(s.run_cell("xs = [1]"), Outcome::Done));
    let end = s.run_cell("xs.append(2)\nraise ValueError('stop')");
    assert!(matches!(end, Outcome::Error(ref e) if e.kind == ErrorKind::Exception));
    let _ = s.run_cell("print(xs)");
    assert_eq!(s.take_output(), "[1, 2]\n");
}

/// A cell suspended at a host call and stopped by a limit when it resumes
/// rolls back what it did before the call too.
#[test]
fn a_limit_after_a_host_call_rolls_back_the_whole_cell() {
    let mut s = Interpreter::new(limits());
    assert!(matches!(s.run_cell("xs = [1]\nd = {'a': 1}"), Outcome::Done));
    let end = s.run_cell(
        "xs.append(2)\nd['b'] = 2\nr = llm_query('q')\nxs.append(r)\nwhile True:\n    xs[0] += 1\n",
    );
    let Outcome::Suspended(calls) = end else { panic!("expected a host call, got {end:?}") };
    s.answer(calls[0].id, Ok(rlm_interp::Value::str("reply"))).expect("a pending call");
    let end = s.resume();
    assert!(matches!(end, Outcome::Error(ref e) if e.kind == ErrorKind::Limit(LimitKind::Fuel)));
    let _ = s.run_cell("print(xs, d)");
    assert_eq!(s.take_output(), "[1] {'a': 1}\n");
}

/// A list appended to across many cells is journaled by its length only:
/// a rollback truncates it, whatever its length.
#[test]
fn a_long_list_appended_to_is_truncated_back() {
    let mut s = Interpreter::new(limits());
    assert!(matches!(s.run_cell("big = list(range(200000))"), Outcome::Done));
    let end = s.run_cell("for i in range(10):\n    big.append(i)\nwhile True:\n    pass\n");
    assert!(matches!(end, Outcome::Error(ref e) if e.kind == ErrorKind::Limit(LimitKind::Fuel)));
    let _ = s.run_cell("print(len(big), big[-1])");
    assert_eq!(s.take_output(), "200000 199999\n");
    // Appended to, then changed otherwise: the items before the cell are kept.
    let end = s.run_cell("big.append(-1)\nbig.reverse()\nbig[0] = 'x'\nwhile True:\n    pass\n");
    assert!(matches!(end, Outcome::Error(ref e) if e.kind == ErrorKind::Limit(LimitKind::Fuel)));
    let _ = s.run_cell("print(len(big), big[0], big[-1])");
    assert_eq!(s.take_output(), "200000 0 199999\n");
}
