//! The context an RLM explores: documents, zero-copy views, search, chunking, token counts.
//!
//! (Not built yet: see the open issue for this crate.)
