//! rlm-examples as a library holds one thing: the user guide's Rust blocks
//! (`docs/guide`), run as its doc tests (`cargo test -p rlm-examples --doc`).
//! `crates/rlm-cli/tests/guide.rs` checks that every page with a Rust block
//! is included here. (The examples themselves are the binaries.)

/// The guide's chapter on embedding the runtime in a Rust program.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide/src/front-ends/rust.md")]
pub struct GuideRustChapter;
