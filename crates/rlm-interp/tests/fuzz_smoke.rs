//! Property test over generated programs (the same generator as the fuzz
//! targets): no panic, the run ends, fuel stays within its bound, and a
//! host call answered with anything (value or error) never breaks the VM.

#[path = "support/gen.rs"]
mod generator;

use proptest::prelude::*;
use rlm_interp::{HostError, Limits, Outcome, Session, Value};

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
        let mut s = Session::new(lim.clone());
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
