//! Budgets and limits for a whole RLM tree.
//!
//! (Not built yet: see the open issue for this crate.)
