//! Property test: random sequences of reserve / settle / cancel / child on a
//! random tree agree with a simple reference model of the ledger.

use proptest::prelude::*;
use rlm_policy::{Budget, BudgetLimits, CallKind, Estimate, Reservation, SubtreeLimits};
use rlm_types::Usage;

#[derive(Debug, Clone)]
enum Op {
    Child { parent: usize, cap: Option<u64> },
    Reserve { level: usize, estimate: u64, subcall: bool },
    Settle { which: usize, actual: u64 },
    Cancel { which: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..8usize, proptest::option::of(0..400u64))
            .prop_map(|(parent, cap)| Op::Child { parent, cap }),
        4 => (0..8usize, 0..120u64, any::<bool>())
            .prop_map(|(level, estimate, subcall)| Op::Reserve { level, estimate, subcall }),
        3 => (0..32usize, 0..200u64).prop_map(|(which, actual)| Op::Settle { which, actual }),
        1 => (0..32usize).prop_map(|which| Op::Cancel { which }),
    ]
}

struct ModelLevel {
    parent: Option<usize>,
    cap: Option<u64>,
    spent: u64,
    reserved: u64,
    in_flight: u64,
}

struct Open {
    level: usize,
    estimate: u64,
    reservation: Reservation,
}

fn path(levels: &[ModelLevel], mut at: usize) -> Vec<usize> {
    let mut p = vec![at];
    while let Some(parent) = levels[at].parent {
        p.push(parent);
        at = parent;
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn ledger_matches_reference_model(root_cap in 0..1_000u64, ops in proptest::collection::vec(op(), 1..80)) {
        let root = Budget::new(BudgetLimits { max_total_tokens: Some(root_cap), ..BudgetLimits::default() }).unwrap();
        let mut views = vec![root];
        let mut levels = vec![ModelLevel { parent: None, cap: Some(root_cap), spent: 0, reserved: 0, in_flight: 0 }];
        let mut open: Vec<Open> = Vec::new();

        for op in ops {
            match op {
                Op::Child { parent, cap } => {
                    let parent = parent % views.len();
                    let child = views[parent]
                        .child(SubtreeLimits { max_total_tokens: cap, ..Default::default() })
                        .unwrap();
                    views.push(child);
                    levels.push(ModelLevel { parent: Some(parent), cap, spent: 0, reserved: 0, in_flight: 0 });
                }
                Op::Reserve { level, estimate, subcall } => {
                    let level = level % views.len();
                    let kind = if subcall { CallKind::Subcall } else { CallKind::Root };
                    let fits = path(&levels, level).iter().all(|&i| {
                        let l = &levels[i];
                        l.cap.is_none_or(|cap| l.spent + l.reserved + estimate <= cap)
                    });
                    let result = views[level].reserve(kind, Estimate::new(estimate, 0.0));
                    prop_assert_eq!(result.is_ok(), fits);
                    if let Ok(reservation) = result {
                        for i in path(&levels, level) {
                            levels[i].reserved += estimate;
                            levels[i].in_flight += 1;
                        }
                        open.push(Open { level, estimate, reservation });
                    }
                }
                Op::Settle { which, actual } => {
                    if open.is_empty() { continue; }
                    let o = open.swap_remove(which % open.len());
                    let usage = Usage { prompt_tokens: actual, completion_tokens: 0, cached_tokens: 0 };
                    let s = o.reservation.settle(&usage, 0.0);
                    prop_assert_eq!(s.overrun_tokens, actual.saturating_sub(o.estimate));
                    for i in path(&levels, o.level) {
                        levels[i].reserved -= o.estimate;
                        levels[i].in_flight -= 1;
                        levels[i].spent += actual;
                    }
                }
                Op::Cancel { which } => {
                    if open.is_empty() { continue; }
                    let o = open.swap_remove(which % open.len());
                    o.reservation.cancel();
                    for i in path(&levels, o.level) {
                        levels[i].reserved -= o.estimate;
                        levels[i].in_flight -= 1;
                    }
                }
            }
            for (view, level) in views.iter().zip(&levels) {
                let snap = view.snapshot();
                prop_assert_eq!(snap.usage.total(), level.spent);
                prop_assert_eq!(snap.reserved_tokens, level.reserved);
                prop_assert_eq!(snap.in_flight, level.in_flight);
            }
        }
        // Dropping the remaining reservations frees everything.
        drop(open);
        for view in &views {
            let snap = view.snapshot();
            prop_assert_eq!((snap.in_flight, snap.reserved_tokens), (0, 0));
        }
    }
}
