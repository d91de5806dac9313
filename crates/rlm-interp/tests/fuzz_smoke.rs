//! Property tests over generated programs (the same generators as the fuzz
//! targets): no panic, the run ends, fuel stays within its bound, and a
//! host call answered with anything (value or error) never breaks the VM.
//! The hostile generator (`support/hostile_gen.rs`, issue #33) also checks
//! that the memory the session holds stays within its budget.

#[path = "support/gen.rs"]
mod generator;
#[path = "support/hostile_gen.rs"]
mod hostile_gen;

use proptest::prelude::*;
use rlm_interp::{HostError, Interpreter, Limits, Outcome, Value};

fn limits() -> Limits {
    Limits {
        fuel: 200_000,
        memory_bytes: 16 << 20,
        max_str_len: 1 << 20,
        max_collection_len: 100_000,
        max_call_depth: 100,
        max_nesting: 50,
        max_output_bytes: 1 << 20,
        regex_backtrack_limit: 10_000,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn generated_programs_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300), replies in proptest::collection::vec(any::<u8>(), 0..40)) {
        let src = generator::program(&data);
        let lim = limits();
        let mut s = Interpreter::new(lim.clone());
        let mut o = s.run_cell(&src);
        if let Outcome::Error(e) = &o {
            prop_assert!(e.kind != rlm_interp::ErrorKind::Syntax, "generator made invalid code: {e:?}\n{src}");
        }
        let mut k = 0;
        while let Outcome::Suspended(calls) = o {
            for c in calls {
                let r = replies.get(k).copied().unwrap_or(0);
                k += 1;
                let answer = match r % 4 {
                    0 => Ok(Value::str("reply")),
                    1 => Ok(Value::Int(r as i64)),
                    2 => Err(HostError::new("host failure")),
                    _ => Ok(Value::None),
                };
                prop_assert!(s.answer(c.id, answer).is_ok());
            }
            o = s.resume();
            prop_assert!(k < 10_000, "too many host calls");
        }
        prop_assert!(s.fuel_used() <= lim.fuel + (lim.max_str_len as u64), "fuel {} over budget", s.fuel_used());
        let _ = s.take_output();
    }
}

/// The default limits with a small fuel (runs end fast) and a 32 MiB budget
/// (hundreds of cases share the machine).
fn hostile_limits() -> Limits {
    Limits { fuel: 100_000, memory_bytes: 32 << 20, ..Limits::default() }
}

/// How far the session's count may lag its budget: lists, dicts and sets are
/// counted "at their size when last synced, at most max(4 MiB, live/2)
/// bytes of charged allocation ago" (`Interpreter::live_memory_bytes`).
fn memory_slack(budget: usize) -> u64 {
    (4u64 << 20).max(budget as u64 / 2)
}

#[test]
fn the_hostile_generator_reaches_every_builtin_and_method() {
    let catalog = hostile_gen::catalog();
    assert!(catalog.builtins.iter().any(|b| b == "sorted"), "{:?}", catalog.builtins);
    assert!(catalog.builtins.len() >= 30, "{:?}", catalog.builtins);
    assert!(catalog.methods.iter().any(|m| m.ty == "str" && m.name == "join"));
    assert!(catalog.methods.iter().any(|m| m.ty == "deque" && m.name == "rotate"));
    assert!(catalog.methods.len() >= 250, "{} methods", catalog.methods.len());
    assert!(catalog.module_functions.iter().any(|(m, f)| m == "re" && f == "findall"));
    assert!(catalog.module_functions.iter().any(|(m, f)| m == "itertools" && f == "product"));
    // Every method's accepted argument counts were read from its row.
    let join = catalog.methods.iter().find(|m| m.ty == "str" && m.name == "join").unwrap();
    assert_eq!(join.arities, vec![1]);
}

/// 200 cases per run by default; `PROPTEST_CASES` asks for more (a long
/// local hunt) without editing the test.
fn hostile_cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: hostile_cases(), ..ProptestConfig::default() })]
    #[test]
    fn hostile_generated_programs_end_within_their_limits(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let src = hostile_gen::program(&data);
        let lim = hostile_limits();
        let mut s = Interpreter::new(lim.clone());
        let mut o = s.run_cell(&src);
        let mut rounds = 0;
        while let Outcome::Suspended(calls) = o {
            for c in calls {
                prop_assert!(s.answer(c.id, Ok(Value::str("ok"))).is_ok());
            }
            o = s.resume();
            rounds += 1;
            // Every round runs at least one instruction: fuel bounds them.
            prop_assert!(rounds <= lim.fuel, "too many host-call rounds");
        }
        if let Outcome::Error(e) = &o {
            prop_assert!(e.kind != rlm_interp::ErrorKind::Syntax, "generator made invalid code: {e:?}\n{src}");
        }
        prop_assert!(s.fuel_used() <= lim.fuel + (lim.max_str_len as u64), "fuel {} over budget\n{src}", s.fuel_used());
        let held = s.synced_memory_bytes();
        prop_assert!(
            held <= lim.memory_bytes as u64 + memory_slack(lim.memory_bytes),
            "{held} bytes held, budget {}\n{src}",
            lim.memory_bytes
        );
        let _ = s.take_output();
    }
}
