//! The house's shape read from its sources, for the tests that hold it
//! (a dev-dependency only): each crate's files and code proper
//! ([`source`]), and the file graph by every path form with its circles
//! ([`file_graph`]). `tests/circles.rs` holds every crate of the workspace
//! to the same ceiling, so a new crate or file is held without being listed.

pub mod file_graph;
pub mod source;

pub use file_graph::{FileGraph, circles, file_graph};
pub use source::{code_of, crate_sources, paths_after, source_files, workspace_crates};
