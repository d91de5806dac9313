//! Behaviour of one budget: each limit, each error, views, reservations, the soft signal.

use std::time::Duration;

use rlm_policy::{
    Budget, BudgetError, BudgetLimits, CallKind, Estimate, Resource, SubtreeLimits, TokenScope,
};
use rlm_types::Usage;

fn usage(prompt: u64, completion: u64) -> Usage {
    Usage { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0 }
}

fn budget(limits: BudgetLimits) -> Budget {
    Budget::new(limits).expect("valid limits")
}

#[test]
fn reserve_then_settle_replaces_estimate_with_actual() {
    let b = budget(BudgetLimits { max_total_tokens: Some(1_000), ..BudgetLimits::default() });
    let r = b.reserve(CallKind::Subcall, Estimate::new(300, 0.01)).unwrap();
    let s = b.snapshot();
    assert_eq!((s.in_flight, s.reserved_tokens, s.subcalls), (1, 300, 0));
    assert!((s.reserved_cost_usd - 0.01).abs() < 1e-9);

    let settled = r.settle(&usage(200, 150), 0.02);
    assert_eq!(settled.overrun_tokens, 50);
    assert!((settled.overrun_cost_usd - 0.01).abs() < 1e-9);
    let s = b.snapshot();
    assert_eq!((s.in_flight, s.reserved_tokens, s.subcalls, s.subcall_tokens), (0, 0, 1, 350));
    assert_eq!(s.usage.total(), 350);
    assert!((s.cost_usd - 0.02).abs() < 1e-9);
}

#[test]
fn dropped_or_cancelled_reservation_frees_its_room() {
    let b = budget(BudgetLimits { max_total_tokens: Some(100), ..BudgetLimits::default() });
    let r = b.reserve(CallKind::Subcall, Estimate::new(100, 0.0)).unwrap();
    assert!(matches!(
        b.reserve(CallKind::Subcall, Estimate::new(1, 0.0)),
        Err(BudgetError::TokenBudgetExceeded { scope: TokenScope::Total, .. })
    ));
    drop(r);
    let r = b.reserve(CallKind::Subcall, Estimate::new(100, 0.0)).unwrap();
    r.cancel();
    let s = b.snapshot();
    assert_eq!((s.in_flight, s.reserved_tokens, s.usage.total(), s.subcalls), (0, 0, 0, 0));
}

#[test]
fn each_limit_raises_its_own_error() {
    // Data-driven: limits, the reservation to try after one settled call, the error expected.
    struct Case {
        name: &'static str,
        limits: BudgetLimits,
        kind: CallKind,
        estimate: Estimate,
        check: fn(&BudgetError) -> bool,
    }
    let cases = [
        Case {
            name: "subcalls",
            limits: BudgetLimits { max_subcalls: Some(1), ..BudgetLimits::default() },
            kind: CallKind::Subcall,
            estimate: Estimate::new(1, 0.0),
            check: |e| matches!(e, BudgetError::MaxSubcallsExceeded { limit: 1, used: 1, .. }),
        },
        Case {
            name: "total tokens",
            limits: BudgetLimits { max_total_tokens: Some(20), ..BudgetLimits::default() },
            kind: CallKind::Root,
            estimate: Estimate::new(6, 0.0),
            check: |e| {
                matches!(
                    e,
                    BudgetError::TokenBudgetExceeded {
                        scope: TokenScope::Total,
                        limit: 20,
                        spent: 15,
                        reserved: 0,
                        requested: 6,
                        scope_depth: 0
                    }
                )
            },
        },
        Case {
            name: "subcall tokens",
            limits: BudgetLimits { max_subcall_tokens: Some(20), ..BudgetLimits::default() },
            kind: CallKind::Subcall,
            estimate: Estimate::new(6, 0.0),
            check: |e| {
                matches!(e, BudgetError::TokenBudgetExceeded { scope: TokenScope::Subcall, .. })
            },
        },
        Case {
            name: "cost",
            limits: BudgetLimits { max_cost_usd: Some(0.05), ..BudgetLimits::default() },
            kind: CallKind::Root,
            estimate: Estimate::new(0, 0.02),
            check: |e| matches!(e, BudgetError::CostBudgetExceeded { .. }),
        },
    ];
    for case in cases {
        let b = budget(case.limits);
        // One settled subcall of 15 tokens and $0.04.
        let r = b.reserve(CallKind::Subcall, Estimate::new(10, 0.01)).unwrap();
        r.settle(&usage(10, 5), 0.04);
        let err = b.reserve(case.kind, case.estimate).unwrap_err();
        assert!((case.check)(&err), "{}: unexpected {err:?}", case.name);
        assert!(err.is_limit());
        // The refusal reserved nothing.
        assert_eq!(b.snapshot().in_flight, 0, "{}", case.name);
    }
}

#[test]
fn root_calls_do_not_count_as_subcalls() {
    let b = budget(BudgetLimits {
        max_subcalls: Some(1),
        max_subcall_tokens: Some(10),
        ..BudgetLimits::default()
    });
    for _ in 0..3 {
        b.reserve(CallKind::Root, Estimate::new(100, 0.0)).unwrap().settle(&usage(50, 50), 0.0);
    }
    let s = b.snapshot();
    assert_eq!((s.root_calls, s.subcalls, s.subcall_tokens, s.usage.total()), (3, 0, 0, 300));
    b.reserve(CallKind::Subcall, Estimate::new(10, 0.0)).unwrap().settle(&usage(5, 5), 0.0);
}

#[test]
fn steps_count_per_level() {
    let root =
        budget(BudgetLimits { max_steps: Some(2), max_depth: Some(3), ..BudgetLimits::default() });
    assert_eq!(root.begin_step().unwrap(), 1);
    assert_eq!(root.begin_step().unwrap(), 2);
    assert_eq!(
        root.begin_step().unwrap_err(),
        BudgetError::MaxStepsExceeded { limit: 2, depth: 0 }
    );
    assert!(matches!(root.check(), Err(BudgetError::MaxStepsExceeded { .. })));
    // A child inherits the per-level limit but has its own count...
    let child = root.child(SubtreeLimits::default()).unwrap();
    assert_eq!(child.begin_step().unwrap(), 1);
    // ...unless given its own.
    let tight = root.child(SubtreeLimits { max_steps: Some(0), ..Default::default() }).unwrap();
    assert_eq!(
        tight.begin_step().unwrap_err(),
        BudgetError::MaxStepsExceeded { limit: 0, depth: 1 }
    );
}

#[test]
fn depth_limit_applies_to_children() {
    let root = budget(BudgetLimits { max_depth: Some(1), ..BudgetLimits::default() });
    assert_eq!(root.depth(), 0);
    let child = root.child(SubtreeLimits::default()).unwrap();
    assert_eq!(child.depth(), 1);
    assert_eq!(
        child.child(SubtreeLimits::default()).unwrap_err(),
        BudgetError::MaxDepthExceeded { limit: 1, requested: 2 }
    );
    let flat = budget(BudgetLimits { max_depth: Some(0), ..BudgetLimits::default() });
    assert!(matches!(
        flat.child(SubtreeLimits::default()),
        Err(BudgetError::MaxDepthExceeded { .. })
    ));
}

#[test]
fn spend_in_a_subtree_counts_against_every_ancestor() {
    let root = budget(BudgetLimits { max_total_tokens: Some(1_000), ..BudgetLimits::default() });
    let child =
        root.child(SubtreeLimits { max_total_tokens: Some(300), ..Default::default() }).unwrap();
    let grandchild = child.child(SubtreeLimits::default()).unwrap();
    grandchild
        .reserve(CallKind::Subcall, Estimate::new(200, 0.0))
        .unwrap()
        .settle(&usage(100, 100), 0.0);
    assert_eq!(grandchild.snapshot().usage.total(), 200);
    assert_eq!(child.snapshot().usage.total(), 200);
    assert_eq!(root.snapshot().usage.total(), 200);
    assert_eq!(grandchild.tree_snapshot(), root.snapshot());

    // The child's own cap (300) refuses before the tree's (1,000) would.
    let err = grandchild.reserve(CallKind::Subcall, Estimate::new(150, 0.0)).unwrap_err();
    assert!(
        matches!(err, BudgetError::TokenBudgetExceeded { limit: 300, scope_depth: 1, .. }),
        "{err:?}"
    );
    // A sibling subtree is bounded only by the tree: 200 spent + 701 fits in 1,000.
    let sibling = root.child(SubtreeLimits::default()).unwrap();
    let r = sibling.reserve(CallKind::Subcall, Estimate::new(701, 0.0)).unwrap();
    // Now the root has 200 + 701 in use: the child may not take 100 more although its own cap allows it.
    let err = child.reserve(CallKind::Subcall, Estimate::new(100, 0.0)).unwrap_err();
    assert!(
        matches!(err, BudgetError::TokenBudgetExceeded { limit: 1_000, scope_depth: 0, .. }),
        "{err:?}"
    );
    drop(r);
    child.reserve(CallKind::Subcall, Estimate::new(100, 0.0)).unwrap().cancel();
}

#[test]
fn consecutive_errors_stop_a_level_and_success_resets() {
    let b = budget(BudgetLimits { max_consecutive_errors: Some(3), ..BudgetLimits::default() });
    assert_eq!(b.record_error().unwrap(), 1);
    assert_eq!(b.record_error().unwrap(), 2);
    b.record_success();
    assert_eq!(b.record_error().unwrap(), 1);
    assert_eq!(b.record_error().unwrap(), 2);
    assert_eq!(
        b.record_error().unwrap_err(),
        BudgetError::MaxConsecutiveErrors { limit: 3, depth: 0 }
    );
    assert!(matches!(b.check(), Err(BudgetError::MaxConsecutiveErrors { .. })));
    // Another level has its own streak.
    let child = b.child(SubtreeLimits::default()).unwrap();
    assert_eq!(child.record_error().unwrap(), 1);
}

#[test]
fn wall_time_limit_refuses_steps_calls_and_children() {
    let b = budget(BudgetLimits {
        max_wall_time: Some(Duration::from_millis(30)),
        ..BudgetLimits::default()
    });
    b.begin_step().unwrap();
    assert!(b.time_left().is_some_and(|left| left <= Duration::from_millis(30)));
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(b.time_left(), Some(Duration::ZERO));
    assert!(matches!(b.begin_step(), Err(BudgetError::TimeBudgetExceeded { limit_ms: 30, .. })));
    assert!(matches!(
        b.reserve(CallKind::Root, Estimate::default()),
        Err(BudgetError::TimeBudgetExceeded { .. })
    ));
    assert!(matches!(
        b.child(SubtreeLimits::default()),
        Err(BudgetError::TimeBudgetExceeded { .. })
    ));
    assert!(matches!(b.check(), Err(BudgetError::TimeBudgetExceeded { .. })));
    assert_eq!(b.soft_limit().map(|h| h.resource), Some(Resource::WallTime));
}

#[test]
fn time_left_is_the_nearest_wall_time_limit_on_the_path() {
    let unlimited = budget(BudgetLimits::default());
    assert_eq!(unlimited.time_left(), None);
    let b = budget(BudgetLimits {
        max_wall_time: Some(Duration::from_secs(100)),
        ..BudgetLimits::default()
    });
    let child = b
        .child(SubtreeLimits { max_wall_time: Some(Duration::from_secs(5)), ..Default::default() })
        .unwrap();
    assert!(child.time_left().is_some_and(|l| l <= Duration::from_secs(5)));
    assert!(b.time_left().is_some_and(|l| l > Duration::from_secs(5)));
    let free = b.child(SubtreeLimits::default()).unwrap();
    assert!(free.time_left().is_some_and(|l| l > Duration::from_secs(5)), "the parent's limit");
}

#[test]
fn soft_limit_fires_at_the_ratio_counting_reservations() {
    let b = budget(BudgetLimits {
        max_total_tokens: Some(1_000),
        max_subcalls: Some(100),
        soft_limit_ratio: 0.8,
        ..BudgetLimits::default()
    });
    b.reserve(CallKind::Subcall, Estimate::new(700, 0.0)).unwrap().settle(&usage(400, 300), 0.0);
    assert_eq!(b.soft_limit(), None);
    let r = b.reserve(CallKind::Subcall, Estimate::new(100, 0.0)).unwrap();
    let hit = b.soft_limit().expect("800 of 1000 tokens in use");
    assert_eq!(hit.resource, Resource::TotalTokens);
    assert_eq!((hit.used, hit.limit, hit.scope_depth), (800.0, 1000.0, 0));
    assert!((hit.fraction - 0.8).abs() < 1e-12);
    assert_eq!(b.snapshot().soft_limit, Some(hit));
    // The hard limit has not been reached: calls still fit.
    assert!(b.check().is_ok());
    r.cancel();
    assert_eq!(b.soft_limit(), None);
}

#[test]
fn soft_limit_reports_the_closest_limit() {
    let b = budget(BudgetLimits {
        max_steps: Some(10),
        max_cost_usd: Some(1.0),
        soft_limit_ratio: 0.5,
        ..BudgetLimits::default()
    });
    for _ in 0..6 {
        b.begin_step().unwrap();
    }
    b.record_spend(CallKind::Root, &usage(1, 1), 0.9);
    let hit = b.soft_limit().unwrap();
    assert_eq!(hit.resource, Resource::CostUsd);
    let child = b.child(SubtreeLimits::default()).unwrap();
    // The tree-wide cost is visible from below; the child's own steps are not the parent's.
    assert_eq!(child.soft_limit().unwrap().resource, Resource::CostUsd);
    assert!(matches!(b.check(), Ok(())));
    b.record_spend(CallKind::Root, &usage(1, 1), 0.1);
    assert!(matches!(b.check(), Err(BudgetError::CostBudgetExceeded { .. })));
}

#[test]
fn hostile_amounts_are_errors_not_panics() {
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        assert!(matches!(
            Budget::new(BudgetLimits { max_cost_usd: Some(bad), ..BudgetLimits::default() }),
            Err(BudgetError::InvalidAmount { .. })
        ));
        let b = Budget::unlimited();
        let err = b.reserve(CallKind::Subcall, Estimate::new(1, bad)).unwrap_err();
        assert!(!err.is_limit());
        // A bad cost at settlement is charged as the estimate.
        let r = b.reserve(CallKind::Subcall, Estimate::new(1, 0.5)).unwrap();
        r.settle(&usage(1, 0), bad);
        assert!((b.snapshot().cost_usd - 0.5).abs() < 1e-9);
    }
    for ratio in [0.0, 1.5, f64::NAN] {
        assert!(matches!(
            Budget::new(BudgetLimits { soft_limit_ratio: ratio, ..BudgetLimits::default() }),
            Err(BudgetError::InvalidSoftLimitRatio(_))
        ));
    }
    // Huge values saturate instead of overflowing.
    let b = budget(BudgetLimits { max_total_tokens: Some(u64::MAX), ..BudgetLimits::default() });
    let r = b.reserve(CallKind::Subcall, Estimate::new(u64::MAX, 0.0)).unwrap();
    assert!(b.reserve(CallKind::Subcall, Estimate::new(u64::MAX, 0.0)).is_err());
    r.settle(&usage(u64::MAX, u64::MAX), 0.0);
}

#[test]
fn errors_and_snapshots_serialize() {
    let err = BudgetError::TokenBudgetExceeded {
        scope: TokenScope::Subcall,
        limit: 10,
        spent: 8,
        reserved: 1,
        requested: 2,
        scope_depth: 0,
    };
    let json = serde_json::to_string(&err).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"token_budget_exceeded","scope":"subcall","limit":10,"spent":8,"reserved":1,"requested":2,"scope_depth":0}"#
    );
    assert_eq!(serde_json::from_str::<BudgetError>(&json).unwrap(), err);
    assert_eq!(
        err.to_string(),
        "subcall token budget reached: 8 spent + 1 reserved + 2 requested > 10 (limit set at depth 0)"
    );

    let limits =
        BudgetLimits { max_wall_time: Some(Duration::from_secs(90)), ..BudgetLimits::default() };
    let json = serde_json::to_value(&limits).unwrap();
    assert_eq!(json["max_wall_time"], 90_000);
    assert_eq!(serde_json::from_value::<BudgetLimits>(json).unwrap(), limits);
    // Missing fields take defaults.
    let partial: BudgetLimits = serde_json::from_str(r#"{"max_steps": 5}"#).unwrap();
    assert_eq!(partial, BudgetLimits { max_steps: Some(5), ..BudgetLimits::default() });

    let b = Budget::unlimited();
    let snap = b.snapshot();
    let back: rlm_policy::UsageSnapshot =
        serde_json::from_str(&serde_json::to_string(&snap).unwrap()).unwrap();
    assert_eq!(back, snap);
}

#[test]
fn requests_count_every_attempt_tree_wide_and_limit_nothing() {
    let root = budget(BudgetLimits { max_subcalls: Some(1), ..BudgetLimits::default() });
    let child = root.child(SubtreeLimits::default()).unwrap();
    // A subcall that took three attempts (two retries), then one that failed
    // after two: five requests, one settled subcall.
    let r = child.reserve(CallKind::Subcall, Estimate::new(10, 0.0)).unwrap();
    child.count_requests(3);
    r.settle(&usage(5, 5), 0.0);
    root.count_requests(2);
    assert_eq!((child.snapshot().requests, child.snapshot().subcalls), (3, 1));
    assert_eq!((root.snapshot().requests, root.snapshot().subcalls), (5, 1));
    // Snapshots stored before the count existed still read.
    let mut old = serde_json::to_value(root.snapshot()).unwrap();
    old.as_object_mut().unwrap().remove("requests");
    let back: rlm_policy::UsageSnapshot = serde_json::from_value(old).unwrap();
    assert_eq!(back.requests, 0);
}
