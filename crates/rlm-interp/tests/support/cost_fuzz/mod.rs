//! The cost fuzzer's parts (issue #77), shared by `examples/cost_fuzz.rs`
//! (the search and its report), `tests/cost_corpus.rs` (the corpus replayed
//! in the suite) and `fuzz/fuzz_targets/interp_cost.rs` (libFuzzer's bytes
//! turned into an entry and a shape): one job per file.

#![allow(dead_code)]

pub mod corpus;
pub mod probes;
pub mod shape;
pub mod trial;
