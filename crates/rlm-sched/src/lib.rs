//! The governor-throttled parallel subcall scheduler.
//!
//! (Not built yet: see the open issue for this crate.)
