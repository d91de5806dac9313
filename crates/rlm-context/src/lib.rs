//! The context an RLM explores: documents, zero-copy views, search, chunking, token counts.
//!
//! A [`Context`] holds one text (the program's `context`/`P`) made of documents joined by a
//! separator, in one shared buffer: an owned string, or a memory map of a large file. Every
//! document, slice, match and chunk is a [`TextView`] into that buffer; nothing is copied until a
//! caller asks for a `String`. All positions are code-point indices, exactly as Python's `str`
//! counts them, and a block index makes code-point slicing of multi-GB UTF-8 text fast.
//!
//! ```
//! use rlm_context::{Context, FindOptions};
//!
//! let ctx = Context::from_documents(["première page", "日本語 text 😀"]);
//! assert_eq!(ctx.num_documents(), 2);
//! let hit = &ctx.find("text", &FindOptions::literal().snippet_chars(4)).unwrap().matches[0];
//! // Positions are code points, as in Python: they slice back to the match.
//! assert_eq!(ctx.slice(Some(hit.start as i64), Some(hit.end as i64)).as_str(), "text");
//! assert_eq!(hit.snippet.as_str(), "日本語 text 😀");
//! assert_eq!(ctx.document_at(hit.start), Some(1));
//! println!("{}", ctx.metadata().render());
//! ```
//!
//! This crate knows nothing of the interpreter: `rlm-core` binds these methods to the DSL's
//! `ctx` object and `peek`/`tail`/`lenP` functions:
//!
//! | DSL (peer names)                  | Rust                                                   |
//! |-----------------------------------|--------------------------------------------------------|
//! | `context`, `P`                    | [`Context::text`] (a [`TextView`]; `as_str()` borrows) |
//! | `ctx.len_chars()`, `lenP()`       | [`Context::len_chars`]                                 |
//! | `ctx.num_documents()`             | [`Context::num_documents`]                             |
//! | `ctx.get_document(i)`             | [`Context::get_document`]                              |
//! | `ctx.document_lengths()`          | [`Context::document_lengths`]                          |
//! | `ctx.slice(a, b)`, `P[a:b]`       | [`Context::slice`] (Python slice semantics)            |
//! | `ctx.find(p, regex=False)`        | [`Context::find`] with [`FindOptions`]                 |
//! | `ctx.chunk(size, overlap=0)`      | [`Context::chunk`]                                     |
//! | `ctx.chunk_documents(n)`          | [`Context::chunk_documents`]                           |
//! | `ctx.page(n)`                     | [`Context::page`]                                      |
//! | `ctx.metadata()`                  | [`Context::metadata`]                                  |
//! | `peek(n)`, `tail(n)`              | [`Context::peek`], [`Context::tail`]                   |
//! | line/paragraph/token chunks       | [`Context::chunk_lines`], [`Context::chunk_paragraphs`], [`Context::chunk_tokens`] |
//!
//! Work is proportional to what a call touches, so the binding can charge fuel from
//! [`FindResult::bytes_scanned`], chunk counts and [`TextView::len_bytes`].
//!
//! [`WindowFit`] fits a prompt into a model's window: as it is, in window-sized parts, or
//! refused with the figures that explain why.

mod boundary;
mod buffer;
mod chunk;
mod confine;
mod context;
mod counting;
mod dates;
mod error;
mod index;
mod lines;
mod loader;
mod metadata;
mod passages;
mod search;
mod tokens;
mod view;
mod window;

pub use chunk::{Boundary, Chunk, DocumentChunk};
pub use confine::AllowedRoots;
pub use context::{Context, ContextKind, ContextLimits, DEFAULT_SEPARATOR, Document, DocumentInfo};
pub use counting::{CountPlan, case_insensitive, select_lines};
pub use dates::{DateWindow, Stamp, first_stamp, parse_stamp, stamps_in};
pub use error::{ContextError, Result};
pub use index::{BLOCK_BYTES, CharIndex};
pub use lines::GREP_MAX_HITS;
pub use loader::{BINARY_SNIFF_BYTES, Decoding, LoadOptions, Loaded, is_binary_file};
pub use metadata::{
    ContextMetadata, DocumentSummary, LengthStats, MetadataOptions, TokenCount, python_repr,
};
pub use passages::{Passage, best_passages, salient_terms};
pub use search::{DEFAULT_PAGE_MARKER, FindOptions, FindResult, Match, Pattern};
pub use tokens::{Encoding, estimate_tokens};
pub use view::{TextView, python_slice_bounds};
pub use window::{PromptFit, TooLarge, WindowFit};

#[cfg(test)]
mod tests {
    #[test]
    fn shared_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Context>();
        check::<super::TextView>();
        check::<super::ContextError>();
    }
}
