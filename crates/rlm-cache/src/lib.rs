//! A persistent, sled-backed cache of subcall completions.
//!
//! (Not built yet: see the open issue for this crate.)
