//! Errors of reading and assembling traces. Recording never fails.

use crate::event::{SpanId, SpanKind};

/// A stream of events that cannot be read or does not form a trace.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(
        "event seq {seq} has schema version {found}; this build reads versions up to {supported}"
    )]
    UnsupportedSchema { seq: u64, found: u32, supported: u32 },
    #[error("event seq {seq} follows seq {previous}: seq must increase")]
    SeqNotIncreasing { seq: u64, previous: u64 },
    #[error("event seq {seq} opens span {span}, which is already open")]
    DuplicateSpan { seq: u64, span: SpanId },
    #[error("event seq {seq} opens span {span} under parent {parent}, which was never opened")]
    UnknownParent { seq: u64, span: SpanId, parent: SpanId },
    #[error("event seq {seq} refers to span {span}, which was never opened")]
    UnknownSpan { seq: u64, span: SpanId },
    #[error("event seq {seq} closes span {span} as a {found:?}, but it was opened as a {opened:?}")]
    KindMismatch { seq: u64, span: SpanId, opened: SpanKind, found: SpanKind },
    #[error("event seq {seq} closes span {span}, which is already closed")]
    AlreadyClosed { seq: u64, span: SpanId },
    #[error("event seq {seq} nests span {span} deeper than {max} levels")]
    TooDeep { seq: u64, span: SpanId, max: usize },
    #[error("line {line}: not a trace event: {message}")]
    BadLine { line: usize, message: String },
    #[error("not a trace: {0}")]
    BadJson(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
