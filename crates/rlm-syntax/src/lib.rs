//! The DSL's front end: lexer, parser, AST and diagnostics.
//!
//! (Not built yet: see the open issue for this crate.)
