//! The RLM loop: composes the other crates.
//!
//! (Not built yet: see the open issue for this crate.)
