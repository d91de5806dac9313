//! The execution trace: events, tree, JSON, metrics.
//!
//! (Not built yet: see the open issue for this crate.)
