//! The stepping interpreter that runs DSL programs in a sandbox.
//!
//! (Not built yet: see the open issue for this crate.)
