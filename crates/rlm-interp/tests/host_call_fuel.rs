//! Host calls pay for the host's work before they leave the sandbox (issue
//! #33): a fixed charge per call and a charge per byte of its text, so a
//! fan-out of `llm_query` calls on big prompts ends with the fuel error
//! instead of keeping the host busy for minutes, and each call pays once.

use rlm_interp::cost_table::{HOST_CALL_FUEL, HOST_TEXT, host_call_fuel};
use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome, Value};

/// Answers every suspension "ok" until the cell ends; the rounds served.
fn serve(s: &mut Interpreter, mut o: Outcome) -> (Outcome, usize) {
    let mut rounds = 0;
    while let Outcome::Suspended(calls) = o {
        for c in calls {
            assert!(s.answer(c.id, Ok(Value::str("ok"))).is_ok());
        }
        rounds += 1;
        o = s.resume();
    }
    (o, rounds)
}

#[test]
fn each_call_pays_the_fixed_charge_and_its_text_once() {
    let mut s = Interpreter::new(Limits::default());
    let o = s.run_cell(
        "import asyncio\np = 'q' * 6400\nrs = await asyncio.gather(*[llm_query(p) for _ in range(10)])\n",
    );
    let Outcome::Suspended(calls) = &o else { panic!("expected a suspension, got {o:?}") };
    assert_eq!(calls.len(), 10);
    let one = host_call_fuel(&calls[0].args, &calls[0].kwargs, u64::MAX);
    assert_eq!(one, HOST_CALL_FUEL + 6400 / 64 * u64::from(HOST_TEXT.per_64_bytes));
    // Paid before the calls were handed out.
    let before = s.fuel_used();
    assert!(before >= 10 * one, "fuel used {before}, calls cost {}", 10 * one);
    // Answering and resuming does not charge them again.
    let (end, rounds) = serve(&mut s, o);
    assert!(matches!(end, Outcome::Done), "{end:?}");
    assert_eq!(rounds, 1);
    assert!(s.fuel_used() - before < one, "the calls were charged again");
}

#[test]
fn a_fan_out_of_big_prompts_ends_with_the_fuel_error_before_the_calls_go_out() {
    // 500 calls on a 100 kB prompt cost more than 20 M units: the first
    // fan-out is refused with the fuel error, no call reaches the host.
    let mut s = Interpreter::new(Limits { fuel: 20_000_000, ..Limits::default() });
    let o = s.run_cell(
        "import asyncio\np = 'q' * 100000\nwhile True:\n    rs = await asyncio.gather(*[llm_query(p) for _ in range(500)])\nprint('ESCAPED')\n",
    );
    match &o {
        Outcome::Error(e) => assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Fuel), "{e:?}"),
        other => panic!("expected the fuel error before any call, got {other:?}"),
    }
    // The cell was rolled back (`p` unbound), and the session runs on.
    assert!(s.pending_limit().is_none());
    assert!(s.get_global("p").is_none());
    assert!(matches!(s.run_cell("print('next')"), Outcome::Done));
}

#[test]
fn a_loop_of_small_calls_ends_with_the_fuel_error_within_the_calls_the_fuel_buys() {
    let fuel = 5_000_000;
    let mut s = Interpreter::new(Limits { fuel, ..Limits::default() });
    let o = s.run_cell("answers = []\nwhile True:\n    answers.append(llm_query('q'))\n");
    let (end, rounds) = serve(&mut s, o);
    match &end {
        Outcome::Error(e) => assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Fuel), "{e:?}"),
        other => panic!("expected the fuel error, got {other:?}"),
    }
    // Each call paid at least the fixed charge.
    assert!(rounds as u64 <= fuel / HOST_CALL_FUEL, "{rounds} calls served");
    assert!(rounds > 0);
}

#[test]
fn a_batch_pays_per_prompt() {
    let mut s = Interpreter::new(Limits::default());
    let o = s.run_cell("rs = llm_batch(['a' * 640, 'b' * 640, 'c'])\n");
    let Outcome::Suspended(calls) = &o else { panic!("expected a suspension, got {o:?}") };
    assert_eq!(calls.len(), 3);
    let due: u64 = calls.iter().map(|c| host_call_fuel(&c.args, &c.kwargs, u64::MAX)).sum();
    assert!(due >= 3 * HOST_CALL_FUEL + 2 * 640 / 64 * u64::from(HOST_TEXT.per_64_bytes));
    assert!(s.fuel_used() >= due);
}

#[test]
fn nested_arguments_pay_for_every_string_and_item_they_hold() {
    // A subcall's `schema` dict (issue #57): its strings and items, at any
    // depth, are converted and sent by the host, so they are charged.
    let mut s = Interpreter::new(Limits::default());
    let o = s.run_cell(
        "schema = {'type': 'object', 'properties': {'name': {'type': 'string', 'description': 'x' * 6400}}}\nr = llm_query('q', schema=schema)\n",
    );
    let Outcome::Suspended(calls) = &o else { panic!("expected a suspension, got {o:?}") };
    let nested = host_call_fuel(&calls[0].args, &calls[0].kwargs, u64::MAX);
    assert!(
        nested >= HOST_CALL_FUEL + 6400 / 64 * u64::from(HOST_TEXT.per_64_bytes),
        "the description three levels down was not charged: {nested}"
    );
}

#[test]
fn a_dag_of_shared_dicts_ends_with_the_fuel_error_without_walking_its_paths() {
    // 60 levels of a dict holding the one below twice: 2^60 paths, built
    // with a few hundred steps. The charge walks only what fuel could pay.
    let mut s = Interpreter::new(Limits { fuel: 5_000_000, ..Limits::default() });
    let started = std::time::Instant::now();
    let o = s.run_cell(
        "d = {'leaf': 'x'}\nfor _ in range(60):\n    d = {'a': d, 'b': d}\nr = llm_query('q', schema=d)\n",
    );
    match &o {
        Outcome::Error(e) => assert_eq!(e.kind, ErrorKind::Limit(LimitKind::Fuel), "{e:?}"),
        other => panic!("expected the fuel error before the call left, got {other:?}"),
    }
    // Not a timing assertion on speed: 2^60 visits would never end at all.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
