//! Tests generated from the fuel cost table (`builtins/cost.rs`, issue #33):
//! for every entry whose cost grows with its input, a call on an input 100x
//! larger than a small fuel limit allows ends with the fuel error, before
//! the work: the session holds no more memory after the call than before
//! (its result was never made). The same call under a large limit ends
//! normally, so the probe is a real call of the entry. Every entry needs a
//! probe (`probes.rs`), so a new costly builtin cannot go untested.
//! (That every registered builtin, method, module function and operator has
//! an entry is the unit test `builtins::cost::tests`.)

#[path = "support/fuel_probes.rs"]
mod fuel_probes;

use std::collections::BTreeSet;

use fuel_probes::{PROBES, input_size, setup_source};
use rlm_interp::cost_table::{Over, entries};
use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

/// The small limit the calls run under; 100x it is the input's charge.
const SMALL_FUEL: u64 = 2_000;

fn session() -> Interpreter {
    Interpreter::new(Limits { fuel: 10_000_000_000, ..Limits::default() })
}

fn run(s: &mut Interpreter, src: &str) -> Outcome {
    s.run_cell(src)
}

#[test]
fn every_sized_entry_has_a_probe() {
    let sized: BTreeSet<String> =
        entries().into_iter().filter(|(_, c)| c.over != Over::Nothing).map(|(n, _)| n).collect();
    let probed: BTreeSet<String> = PROBES.iter().map(|p| p.entry.to_string()).collect();
    let missing: Vec<_> = sized.difference(&probed).collect();
    let stale: Vec<_> = probed.difference(&sized).collect();
    assert!(missing.is_empty(), "entries without a probe: {missing:?}");
    assert!(stale.is_empty(), "probes of no sized entry: {stale:?}");
}

#[test]
fn an_input_100x_over_the_fuel_ends_with_the_fuel_error_before_the_work() {
    let costs: std::collections::BTreeMap<String, _> = entries().into_iter().collect();
    let mut failures = Vec::new();
    for probe in PROBES {
        let Some(cost) = costs.get(probe.entry) else { continue };
        let n = input_size(probe.input, cost.rate, SMALL_FUEL * 100);
        let setup = setup_source(probe.input, n);

        // Under a large limit: the probe is a real call that ends normally.
        let mut s = session();
        match run(&mut s, &setup) {
            Outcome::Done => {}
            other => panic!("{}: the setup failed: {other:?}", probe.entry),
        }
        match run(&mut s, probe.code) {
            Outcome::Done => {}
            Outcome::Error(e) => {
                failures.push(format!("{}: fails under a large limit: {}", probe.entry, e.message));
                continue;
            }
            other => panic!("{}: {other:?}", probe.entry),
        }

        // Under a small one: the fuel error, and nothing made.
        let mut s = session();
        match run(&mut s, &setup) {
            Outcome::Done => {}
            other => panic!("{}: the setup failed: {other:?}", probe.entry),
        }
        let before = s.synced_memory_bytes();
        s.set_fuel_limit(SMALL_FUEL);
        match run(&mut s, probe.code) {
            Outcome::Error(e) if e.kind == ErrorKind::Limit(LimitKind::Fuel) => {}
            Outcome::Error(e) => {
                failures.push(format!("{}: ended with {:?}: {}", probe.entry, e.kind, e.message));
                continue;
            }
            other => {
                failures.push(format!("{}: ended with {other:?}", probe.entry));
                continue;
            }
        }
        let used = s.fuel_used();
        assert!(used > SMALL_FUEL, "{}: fuel used {used}", probe.entry);
        let after = s.synced_memory_bytes();
        if after > before + (64 << 10) {
            failures.push(format!(
                "{}: {} bytes more after the fuel error (the work ran before its charge)",
                probe.entry,
                after - before
            ));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
