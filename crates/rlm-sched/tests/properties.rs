//! Property tests: for random batches (duplicates, failures, latencies, caps),
//! results keep input order, identical requests run once, and every call ends with exactly one final event.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use rlm_sched::{Scheduler, SchedulerConfig, SubcallEventKind};

fn prompt() -> impl Strategy<Value = String> {
    (0..12u32, 0..40u32, any::<bool>()).prop_map(|(id, ms, fail)| {
        if fail && id % 3 == 0 { format!("fail{id}") } else { format!("sleep:{ms}:{id}") }
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batches_keep_order_dedup_and_account_for_every_call(
        prompts in proptest::collection::vec(prompt(), 0..60),
        concurrency in 1..10usize,
        window in 0..80usize,
    ) {
        let rt = runtime();
        let exec = FakeExecutor::new(Duration::from_millis(7));
        let recorder = Arc::new(Recorder::default());
        let config = SchedulerConfig { max_concurrency: concurrency, batch_window: window, ..SchedulerConfig::default() };
        let sched = Scheduler::builder(exec.clone()).config(config).listener(recorder.clone()).build().unwrap();
        let results = rt.block_on(sched.run_batch(model(), requests(&prompts), None));

        prop_assert_eq!(results.len(), prompts.len());
        for (p, r) in prompts.iter().zip(&results) {
            match r {
                Ok(c) => prop_assert_eq!(&c.text, &format!("echo:{p}")),
                Err(e) => {
                    prop_assert!(p.starts_with("fail"));
                    prop_assert!(e.to_string().contains(p.as_str()));
                }
            }
        }
        let distinct: HashSet<&String> = prompts.iter().collect();
        // Identical requests of one batch are sent once, whatever the window.
        prop_assert_eq!(exec.invocations(), distinct.len());
        prop_assert_eq!(sched.stats().dedup_hits as usize, prompts.len() - distinct.len());
        prop_assert_eq!(sched.available_permits(), concurrency);
        prop_assert_eq!(sched.inflight_calls(), 0);

        let mut finals: HashMap<u64, usize> = HashMap::new();
        for e in recorder.take() {
            if !matches!(e.kind, SubcallEventKind::Started { .. }) {
                *finals.entry(e.call_id).or_default() += 1;
            }
        }
        prop_assert_eq!(finals.len(), prompts.len());
        prop_assert!(finals.values().all(|&n| n == 1));
        let s = sched.stats();
        prop_assert_eq!((s.finished + s.failed + s.dedup_hits) as usize, prompts.len());
        prop_assert_eq!(s.executed as usize, exec.invocations());
    }
}
