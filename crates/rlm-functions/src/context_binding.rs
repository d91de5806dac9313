//! Binds an `rlm_context::Context` into an interpreter session.
//!
//! The program sees the context three ways, with the names the peers use:
//! `context` and `P` (the whole text as one `str`), `ctx` (an object with
//! `len_chars, num_documents, get_document, document_lengths, slice, find,
//! count, chunk, chunk_lines, chunk_paragraphs, chunk_documents, metadata,
//! peek, tail`), and the functions `peek(n)`, `tail(n)`, `lenP()`.
//!
//! Nothing is copied: `context` wraps the context's buffer (possibly a memory
//! map) as a shared `Str`, and every document, slice, match and chunk handed
//! to the program is a view of it. Positions are code-point indices, the same
//! as Python's and as the interpreter's `str`. Work inside `ctx` methods is
//! charged to the program's fuel in proportion to the bytes scanned.

use std::rc::Rc;
use std::sync::Arc;

use rlm_context::{Context, FindOptions, TextView};
use rlm_interp::{
    AlignedBool, Dict, ExcKind, HostError, HostFunc, HostObject, HostReturn, Interpreter, Key,
    LimitError, SmolStr, Str, TextBuffer, Value,
};

/// Bytes of scanning one unit of fuel pays for (the interpreter's own rate).
const BYTES_PER_FUEL: usize = 64;
/// Matches `ctx.find` returns unless asked for more.
const DEFAULT_MAX_MATCHES: usize = 1000;

/// The context's text as an interpreter buffer.
pub(crate) struct ContextText(pub(crate) Context);

impl TextBuffer for ContextText {
    fn text(&self) -> &str {
        self.0.as_str()
    }

    /// The context's own index knows its length: binding a 100 MB context
    /// into a new session must not rescan it.
    fn char_len_hint(&self) -> Option<(usize, bool)> {
        let chars = usize::try_from(self.0.len_chars()).ok()?;
        Some((chars, chars == self.0.len_bytes()))
    }
}

/// Bind `context`, `P`, `ctx`, `peek`, `tail` and `lenP` into `session`.
pub fn bind_context(session: &mut Interpreter, context: &Context) {
    let whole = Str::from_buffer(Arc::new(ContextText(context.clone())));
    session.set_global("context", Value::Str(whole.clone()));
    session.set_global("P", Value::Str(whole.clone()));
    let ctx = Rc::new(CtxObject { ctx: context.clone(), whole });
    session.register_object("ctx", ctx.clone());
    for name in ["peek", "tail"] {
        let ctx = ctx.clone();
        let f = move |args: &[Value], kwargs: &[(SmolStr, Value)]| {
            let n = int_arg(args, kwargs, 0, "n")?.unwrap_or(2000).max(0) as u64;
            let view = if name == "peek" { ctx.ctx.peek(n) } else { ctx.ctx.tail(n) };
            Ok(HostReturn::Value(ctx.view(&view)))
        };
        session.register(name, HostFunc::Inline(Rc::new(f)));
    }
    let ctx_len = ctx.clone();
    session.register(
        "lenP",
        HostFunc::Inline(Rc::new(move |_, _| {
            Ok(HostReturn::Value(Value::Int(to_i64(ctx_len.ctx.len_chars()))))
        })),
    );
}

/// `ctx`: the context's methods, over one shared buffer.
struct CtxObject {
    ctx: Context,
    /// `context` itself, from which every view is cut.
    whole: Str,
}

impl CtxObject {
    /// A view of the context as a zero-copy interpreter string.
    fn view(&self, v: &TextView) -> Value {
        view_value(&self.ctx, &self.whole, v)
    }

    fn find(
        &self,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: Fuel<'_>,
    ) -> Result<Value, HostError> {
        let pattern =
            str_arg(args, kwargs, 0, "pattern")?.ok_or_else(|| missing("find", "pattern"))?;
        let options = find_options(args, kwargs)?;
        let result = self.ctx.find(&pattern, &options).map_err(context_error)?;
        charge(fuel, result.bytes_scanned)?;
        let mut out = Vec::with_capacity(result.matches.len());
        for m in &result.matches {
            let mut d = Dict::new();
            d.map.insert(Key(Value::str("start")), Value::Int(to_i64(m.start)));
            d.map.insert(Key(Value::str("end")), Value::Int(to_i64(m.end)));
            d.map.insert(Key(Value::str("text")), self.view(&m.text));
            d.map.insert(Key(Value::str("snippet")), self.view(&m.snippet));
            out.push(Value::dict(d));
        }
        Ok(Value::list(out))
    }

    fn metadata(&self) -> Value {
        let m = self.ctx.metadata();
        let mut d = Dict::new();
        d.map.insert(Key(Value::str("chars")), Value::Int(to_i64(self.ctx.len_chars())));
        d.map.insert(Key(Value::str("bytes")), Value::Int(to_i64(self.ctx.len_bytes() as u64)));
        d.map.insert(
            Key(Value::str("documents")),
            Value::Int(to_i64(self.ctx.num_documents() as u64)),
        );
        d.map.insert(Key(Value::str("summary")), Value::str(m.render()));
        Value::dict(d)
    }
}

/// A view of `ctx` as a zero-copy interpreter string cut from `whole` (the
/// context's whole text as bound).
pub(crate) fn view_value(ctx: &Context, whole: &Str, v: &TextView) -> Value {
    let base = ctx.text().buffer_byte_range().start;
    let r = v.buffer_byte_range();
    let (a, b) = (r.start.saturating_sub(base), r.end.saturating_sub(base));
    Value::Str(whole.byte_substr(a, b, usize::try_from(v.len_chars()).ok()))
}

type Fuel<'a> = &'a mut dyn FnMut(u64) -> Result<(), LimitError>;

pub(crate) fn charge(fuel: Fuel<'_>, bytes: usize) -> Result<(), HostError> {
    // A limit error must end the program; the interpreter re-raises it as
    // uncatchable when it sees the fuel callback fail, so only report here.
    fuel((bytes / BYTES_PER_FUEL) as u64 + 1).map_err(|e| HostError::new(e.to_string()))
}

impl HostObject for CtxObject {
    fn type_name(&self) -> &str {
        "Context"
    }

    fn method_names(&self) -> Vec<String> {
        [
            "len_chars",
            "num_documents",
            "get_document",
            "document_lengths",
            "slice",
            "find",
            "count",
            "chunk",
            "chunk_lines",
            "chunk_paragraphs",
            "chunk_documents",
            "metadata",
            "peek",
            "tail",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), LimitError>,
    ) -> Option<Result<HostReturn, HostError>> {
        let result = match name {
            "len_chars" => Ok(Value::Int(to_i64(self.ctx.len_chars()))),
            "num_documents" => Ok(Value::Int(to_i64(self.ctx.num_documents() as u64))),
            "document_lengths" => Ok(Value::list(
                self.ctx.document_lengths().into_iter().map(|n| Value::Int(to_i64(n))).collect(),
            )),
            "get_document" => (|| {
                let i = int_arg(args, kwargs, 0, "index")?
                    .ok_or_else(|| missing("get_document", "index"))?;
                let doc = self.ctx.get_document(i).map_err(context_error)?;
                Ok(self.view(&doc))
            })(),
            "slice" => (|| {
                let start = int_arg(args, kwargs, 0, "start")?;
                let end = int_arg(args, kwargs, 1, "end")?;
                Ok(self.view(&self.ctx.slice(start, end)))
            })(),
            "peek" | "tail" => (|| {
                let n = int_arg(args, kwargs, 0, "n")?.unwrap_or(2000).max(0) as u64;
                let v = if name == "peek" { self.ctx.peek(n) } else { self.ctx.tail(n) };
                Ok(self.view(&v))
            })(),
            "find" => self.find(args, kwargs, fuel),
            "count" => (|| {
                let pattern = str_arg(args, kwargs, 0, "pattern")?
                    .ok_or_else(|| missing("count", "pattern"))?;
                let options = find_options(args, kwargs)?;
                charge(fuel, self.ctx.len_bytes())?;
                let n = self.ctx.count_matches(&pattern, &options).map_err(context_error)?;
                Ok(Value::Int(to_i64(n)))
            })(),
            "chunk" | "chunk_lines" | "chunk_paragraphs" => (|| {
                let size =
                    int_arg(args, kwargs, 0, "size")?.ok_or_else(|| missing(name, "size"))?;
                let size = u64::try_from(size)
                    .map_err(|_| value_error(format!("{name}: size must be positive")))?;
                charge(fuel, self.ctx.len_bytes())?;
                let text = &self.ctx;
                let chunks = match name {
                    "chunk" => {
                        let overlap = int_arg(args, kwargs, 1, "overlap")?.unwrap_or(0);
                        let overlap = u64::try_from(overlap).map_err(|_| {
                            value_error("chunk: overlap must not be negative".to_string())
                        })?;
                        text.chunk(size, overlap)
                    }
                    "chunk_lines" => text.chunk_lines(size),
                    _ => text.chunk_paragraphs(size),
                }
                .map_err(context_error)?;
                Ok(Value::list(chunks.iter().map(|c| self.view(&c.text)).collect()))
            })(),
            "chunk_documents" => (|| {
                let n = int_arg(args, kwargs, 0, "n")?
                    .ok_or_else(|| missing("chunk_documents", "n"))?;
                let n = usize::try_from(n)
                    .map_err(|_| value_error("chunk_documents: n must be positive".into()))?;
                charge(fuel, self.ctx.len_bytes())?;
                let chunks = self.ctx.chunk_documents(n).map_err(context_error)?;
                Ok(Value::list(chunks.iter().map(|c| self.view(&c.text)).collect()))
            })(),
            "metadata" => Ok(self.metadata()),
            _ => return None,
        };
        Some(result.map(HostReturn::Value))
    }
}

fn find_options(args: &[Value], kwargs: &[(SmolStr, Value)]) -> Result<FindOptions, HostError> {
    let regex = bool_arg(args, kwargs, 1, "regex")?.unwrap_or(false);
    let mut options = if regex { FindOptions::regex() } else { FindOptions::literal() };
    let max =
        int_arg(&[], kwargs, usize::MAX, "max_results")?.unwrap_or(DEFAULT_MAX_MATCHES as i64);
    options = options.max_matches(usize::try_from(max.max(0)).unwrap_or(DEFAULT_MAX_MATCHES));
    if let Some(snippet) = int_arg(&[], kwargs, usize::MAX, "snippet")? {
        options = options.snippet_chars(snippet.max(0) as u64);
    }
    if let Some(ci) = bool_arg(&[], kwargs, usize::MAX, "case_insensitive")? {
        options = options.case_insensitive(ci);
    }
    Ok(options)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn arg<'a>(
    args: &'a [Value],
    kwargs: &'a [(SmolStr, Value)],
    pos: usize,
    name: &str,
) -> Option<&'a Value> {
    args.get(pos).or_else(|| kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v))
}

fn int_arg(
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
    pos: usize,
    name: &str,
) -> Result<Option<i64>, HostError> {
    match arg(args, kwargs, pos, name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(Value::Bool(AlignedBool(b))) => Ok(Some(i64::from(*b))),
        Some(other) => Err(HostError::typed(
            ExcKind::TypeError,
            format!("'{name}' must be an int, not {}", other.type_name()),
        )),
    }
}

fn bool_arg(
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
    pos: usize,
    name: &str,
) -> Result<Option<bool>, HostError> {
    match arg(args, kwargs, pos, name) {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(v.truthy())),
    }
}

fn str_arg(
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
    pos: usize,
    name: &str,
) -> Result<Option<String>, HostError> {
    match arg(args, kwargs, pos, name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.as_str().to_string())),
        Some(other) => Err(HostError::typed(
            ExcKind::TypeError,
            format!("'{name}' must be a str, not {}", other.type_name()),
        )),
    }
}

fn missing(method: &str, param: &str) -> HostError {
    HostError::typed(
        ExcKind::TypeError,
        format!("ctx.{method}() missing required argument: '{param}'"),
    )
}

fn value_error(message: String) -> HostError {
    HostError::typed(ExcKind::ValueError, message)
}

pub(crate) fn context_error(e: rlm_context::ContextError) -> HostError {
    let kind = match &e {
        rlm_context::ContextError::OutOfRange { .. } => ExcKind::IndexError,
        _ => ExcKind::ValueError,
    };
    HostError::typed(kind, e.to_string())
}
