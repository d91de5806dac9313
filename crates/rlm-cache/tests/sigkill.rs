//! Crash safety: a child process writes (and overwrites, and evicts) entries in
//! a tight loop and is killed with SIGKILL mid-write; the database must then
//! reopen and answer every key with a correct hit or a miss, never an error or
//! a wrong completion. Repeated over several kills on the same database.
//!
//! The child is this test binary re-invoked on `sigkill_child_writer` with
//! `RLM_CACHE_SIGKILL_CHILD_DIR` set; run normally, that test does nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{completion, model, request};
use rlm_cache::{CacheConfig, CacheError, SledCache};
use rlm_types::{Completion, CompletionCache};

const CHILD_DIR_ENV: &str = "RLM_CACHE_SIGKILL_CHILD_DIR";
const CHILD_START_ENV: &str = "RLM_CACHE_SIGKILL_CHILD_START";
const CHILD_CAP_ENV: &str = "RLM_CACHE_SIGKILL_CHILD_CAP";
/// Distinct keys: generation `g` is written under key `g % KEYS`, so keys are overwritten.
const KEYS: u64 = 600;
const FLUSH_EVERY: u64 = 100;

fn filler(generation: u64) -> usize {
    (generation.wrapping_mul(7919) % 6000 + 10) as usize
}

fn expected(generation: u64) -> Completion {
    completion(generation, filler(generation))
}

/// Which generation a stored completion claims to be (its text starts `answer {g}:`).
fn generation_of(c: &Completion) -> Option<u64> {
    c.text.strip_prefix("answer ")?.split(':').next()?.parse().ok()
}

#[test]
fn sigkill_child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else { return };
    let start: u64 = std::env::var(CHILD_START_ENV).unwrap().parse().unwrap();
    let cap: u64 = std::env::var(CHILD_CAP_ENV).unwrap().parse().unwrap();
    let config = CacheConfig {
        max_bytes: (cap > 0).then_some(cap),
        flush_every_ms: Some(20),
        ..CacheConfig::default()
    };
    let cache = SledCache::open_with(&dir, config).unwrap();
    println!("opened");
    for g in start.. {
        cache.put(&model(), &request(g % KEYS), &expected(g));
        if (g + 1) % FLUSH_EVERY == 0 {
            cache.flush().unwrap();
            println!("flushed {g}");
        }
    }
}

fn run_child_and_kill(dir: &std::path::Path, start: u64, cap: u64, writes_before_kill: u64) -> u64 {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "sigkill_child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_START_ENV, start.to_string())
        .env(CHILD_CAP_ENV, cap.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut opened = false;
    let last_flushed = loop {
        let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let Ok(line) = line else {
            let _ = child.kill();
            panic!("the child writer stopped reporting (status {:?})", child.try_wait());
        };
        if line == "opened" && !opened {
            opened = true;
            // While the child holds the database, opening it here must fail
            // cleanly, naming the child (issue #56).
            let err = SledCache::open(dir).unwrap_err();
            assert!(matches!(err, CacheError::Locked { .. }), "{err:?}");
            let named = format!("another process (pid {}: ", child.id());
            assert!(err.to_string().contains(&named), "{err}");
        }
        if let Some(g) = line.strip_prefix("flushed ") {
            let g: u64 = g.parse().unwrap();
            if g + 1 >= start + writes_before_kill {
                break g;
            }
        }
    };
    // Let it get into the middle of the next writes, then kill it (SIGKILL on Unix).
    std::thread::sleep(Duration::from_millis(3 + start % 7));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    last_flushed
}

/// Check every key: a miss, or a hit holding exactly the completion of some
/// generation written under that key. Returns the generation found per key.
fn check_every_key(cache: &SledCache) -> Vec<Option<u64>> {
    (0..KEYS)
        .map(|k| {
            let found = cache.get(&model(), &request(k))?;
            let g =
                generation_of(&found).unwrap_or_else(|| panic!("key {k}: foreign value {found:?}"));
            assert_eq!(g % KEYS, k, "key {k} holds generation {g} of another key");
            assert_eq!(found, expected(g), "key {k}: wrong completion for generation {g}");
            Some(g)
        })
        .collect()
}

#[test]
fn sigkill_mid_write_leaves_a_readable_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut next_start = 0;
    // Round 0: no cap, so flushed entries must survive. Rounds 1-2: a small cap,
    // so the kill also lands among evictions.
    for (round, cap) in [0u64, 300_000, 300_000].into_iter().enumerate() {
        let start = next_start;
        let last_flushed = run_child_and_kill(dir.path(), start, cap, 2 * KEYS);
        let cache = SledCache::open_with(dir.path(), CacheConfig::default())
            .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        let found = check_every_key(&cache);
        let stats = cache.stats();
        assert_eq!(stats.read_errors, 0, "round {round}: {stats:?}");
        let hits = found.iter().flatten().count();
        assert!(hits > 0, "round {round}: nothing survived");
        if cap == 0 {
            // Everything up to the last completed flush is durable: each key
            // holds that generation or a newer one.
            for g in last_flushed.saturating_sub(KEYS - 1).max(start)..=last_flushed {
                let k = (g % KEYS) as usize;
                assert!(
                    found[k].is_some_and(|have| have >= g),
                    "round {round}: flushed generation {g} lost"
                );
            }
        } else {
            assert!(cache.size_bytes() <= 300_000 + 10_000, "round {round}: {stats:?}");
        }
        eprintln!("round {round}: killed after flush {last_flushed}, {hits} hits, {stats:?}");
        next_start = last_flushed + 10 * KEYS;
    }
}
