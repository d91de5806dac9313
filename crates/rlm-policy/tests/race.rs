//! 1,000 calls race against one budget on a multi-threaded runtime; the final
//! spend must respect the documented overshoot bound (see the crate docs).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rlm_policy::{Budget, BudgetLimits, CallKind, Estimate};
use rlm_types::Usage;
use tokio::sync::Semaphore;

const CALLS: usize = 1_000;
const ESTIMATE: u64 = 100;

struct Outcome {
    admitted: usize,
    refused: usize,
    max_overrun: u64,
}

/// Starts `CALLS` tasks at once; each reserves `ESTIMATE` tokens (holding a
/// permit of `concurrency`, if any, from reservation to settlement), "runs" for
/// a random moment, then settles a random actual usage in `actual_range`.
async fn race(
    budget: &Budget,
    concurrency: Option<usize>,
    actual_range: std::ops::RangeInclusive<u64>,
) -> Outcome {
    let permits = concurrency.map(|c| Arc::new(Semaphore::new(c)));
    let mut tasks = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let budget = budget.clone();
        let permits = permits.clone();
        let range = actual_range.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = match &permits {
                Some(p) => Some(p.acquire().await.expect("semaphore open")),
                None => None,
            };
            let reservation = match budget.reserve(CallKind::Subcall, Estimate::new(ESTIMATE, 0.0))
            {
                Ok(r) => r,
                Err(_) => return None,
            };
            let (pause, actual) = {
                let mut rng = rand::rng();
                (rng.random_range(0..300u64), rng.random_range(range))
            };
            tokio::time::sleep(Duration::from_micros(pause)).await;
            let prompt = actual / 2;
            let usage = Usage {
                prompt_tokens: prompt,
                completion_tokens: actual - prompt,
                cached_tokens: 0,
            };
            Some(reservation.settle(&usage, 0.0).overrun_tokens)
        }));
    }
    let mut outcome = Outcome { admitted: 0, refused: 0, max_overrun: 0 };
    for task in tasks {
        match task.await.expect("task ran") {
            Some(overrun) => {
                outcome.admitted += 1;
                outcome.max_overrun = outcome.max_overrun.max(overrun);
            }
            None => outcome.refused += 1,
        }
    }
    let snap = budget.snapshot();
    assert_eq!((snap.in_flight, snap.reserved_tokens), (0, 0), "every reservation settled");
    assert_eq!(snap.subcalls as usize, outcome.admitted);
    outcome
}

fn budget(tokens: u64) -> Budget {
    Budget::new(BudgetLimits { max_total_tokens: Some(tokens), ..BudgetLimits::default() })
        .expect("limits")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn upper_bound_estimates_never_overshoot_with_all_calls_in_flight() {
    let limit = 20_000;
    let b = budget(limit);
    // Actual usage never above the estimate: the spend must never pass the limit.
    let outcome = race(&b, None, 40..=ESTIMATE).await;
    let spent = b.snapshot().usage.total();
    assert!(spent <= limit, "spent {spent} > limit {limit}");
    assert_eq!(outcome.max_overrun, 0);
    assert!(outcome.refused > 0, "the budget must have refused some of the 1,000 calls");
    assert!(outcome.admitted >= (limit / ESTIMATE) as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_call_at_a_time_overshoots_by_at_most_one_calls_error() {
    let limit = 20_000;
    let b = budget(limit);
    let max_error = 50;
    let outcome = race(&b, Some(1), 60..=ESTIMATE + max_error).await;
    let spent = b.snapshot().usage.total();
    assert!(spent <= limit + outcome.max_overrun, "spent {spent}, limit {limit}");
    assert!(outcome.max_overrun <= max_error);
    assert!(outcome.refused > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_c_overshoots_by_at_most_c_errors() {
    let limit = 20_000;
    let concurrency = 16;
    let max_error = 50;
    let b = budget(limit);
    let outcome = race(&b, Some(concurrency), 60..=ESTIMATE + max_error).await;
    let spent = b.snapshot().usage.total();
    let bound = limit + concurrency as u64 * outcome.max_overrun;
    assert!(spent <= bound, "spent {spent} > {bound}");
    assert!(outcome.refused > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subcall_count_and_cost_are_exact_under_a_race() {
    let b = Budget::new(BudgetLimits {
        max_subcalls: Some(300),
        max_cost_usd: Some(1.0),
        ..BudgetLimits::default()
    })
    .expect("limits");
    let mut tasks = Vec::new();
    for _ in 0..CALLS {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            let r = b.reserve(CallKind::Subcall, Estimate::new(1, 0.004)).ok()?;
            tokio::task::yield_now().await;
            r.settle(&Usage::default(), 0.004);
            Some(())
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        admitted += usize::from(t.await.expect("task").is_some());
    }
    let snap = b.snapshot();
    // $1.00 / $0.004 = 250 calls fit, fewer than the 300-subcall limit.
    assert_eq!(admitted, 250);
    assert_eq!(snap.subcalls, 250);
    assert!(snap.cost_usd <= 1.0 + 1e-9, "cost {}", snap.cost_usd);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nested_levels_racing_respect_every_cap() {
    let root = budget(30_000);
    // Ten sub-RLMs, each capped at 4,000 tokens: together they could claim 40,000.
    let children: Vec<Budget> = (0..10)
        .map(|_| {
            root.child(rlm_policy::SubtreeLimits {
                max_total_tokens: Some(4_000),
                ..Default::default()
            })
            .expect("child")
        })
        .collect();
    let mut tasks = Vec::new();
    for i in 0..CALLS {
        let level = children[i % children.len()].clone();
        tasks.push(tokio::spawn(async move {
            let r = level.reserve(CallKind::Subcall, Estimate::new(ESTIMATE, 0.0)).ok()?;
            tokio::task::yield_now().await;
            let actual = rand::rng().random_range(50..=ESTIMATE);
            r.settle(&Usage { prompt_tokens: actual, completion_tokens: 0, cached_tokens: 0 }, 0.0);
            Some(())
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let mut sum = 0;
    for child in &children {
        let snap = child.snapshot();
        assert!(snap.usage.total() <= 4_000, "child spent {}", snap.usage.total());
        assert_eq!((snap.in_flight, snap.reserved_tokens), (0, 0));
        sum += snap.usage.total();
    }
    let tree = root.snapshot();
    assert_eq!(tree.usage.total(), sum, "the root sees exactly its children's spend");
    assert!(tree.usage.total() <= 30_000);
}
