//! Model adapters: the ModelAdapter trait and its HTTP and scripted implementations.
//!
//! (Not built yet: see the open issue for this crate.)
