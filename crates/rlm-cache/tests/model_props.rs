//! Model-based property test: random puts, gets, TTL-free reopens and clears
//! against a `HashMap`. Without a cap the cache answers exactly like the map;
//! with a cap it may forget (evict) but never answers with a stale or foreign
//! completion, and stays under the cap.

mod common;

use std::collections::HashMap;

use common::{completion, model, request};
use proptest::prelude::*;
use rlm_cache::{CacheConfig, SledCache};
use rlm_types::{Completion, CompletionCache};

#[derive(Debug, Clone)]
enum Op {
    Put { key: u64, version: u64, filler: usize },
    Get { key: u64 },
    Reopen,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u64..12, 0u64..1000, 0usize..2000).prop_map(|(key, version, filler)| Op::Put { key, version, filler }),
        6 => (0u64..12).prop_map(|key| Op::Get { key }),
        1 => Just(Op::Reopen),
        1 => Just(Op::Clear),
    ]
}

/// A completion for `key` whose text also carries `version`.
fn versioned(key: u64, version: u64, filler: usize) -> Completion {
    let mut c = completion(key, filler);
    c.text = format!("{} v{version}", c.text);
    c
}

fn run(ops: &[Op], cap: Option<u64>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let config = CacheConfig { max_bytes: cap, ..CacheConfig::default() };
    let mut cache = Some(SledCache::open_with(dir.path(), config.clone()).unwrap());
    let mut model_map: HashMap<u64, Completion> = HashMap::new();
    for op in ops {
        let c = cache.as_ref().unwrap();
        match op {
            Op::Put { key, version, filler } => {
                let value = versioned(*key, *version, *filler);
                c.put(&model(), &request(*key), &value);
                model_map.insert(*key, value);
            }
            Op::Get { key } => {
                let got = c.get(&model(), &request(*key));
                match cap {
                    None => prop_assert_eq!(got.as_ref(), model_map.get(key)),
                    Some(_) => {
                        if let Some(got) = got {
                            prop_assert_eq!(Some(&got), model_map.get(key), "stale or foreign hit");
                        }
                    }
                }
            }
            Op::Reopen => {
                drop(cache.take());
                cache = Some(SledCache::open_with(dir.path(), config.clone()).unwrap());
            }
            Op::Clear => {
                c.clear().unwrap();
                model_map.clear();
            }
        }
        if let Some(cap) = cap {
            prop_assert!(cache.as_ref().unwrap().size_bytes() <= cap);
        }
    }
    let stats = cache.unwrap().stats();
    prop_assert_eq!(stats.corrupt + stats.read_errors + stats.write_errors, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn uncapped_cache_behaves_like_a_map(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops, None)?;
    }

    #[test]
    fn capped_cache_forgets_but_never_lies(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops, Some(6_000))?;
    }
}
