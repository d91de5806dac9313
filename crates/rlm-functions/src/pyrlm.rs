//! pyrlm-runtime's in-program API, for programs written against it (the
//! Python bindings' `RLM` installs it; [`Flavor::Pyrlm`]): `ctx` with
//! pyrlm's `Context` methods and return shapes (`find` and `chunk` give
//! `(start, end, text)` tuples, `chunk_documents` `(first, end, [docs])`,
//! `get_document` None out of range, `metadata` pyrlm's keys), and the
//! functions whose pyrlm signature or result differs from ours:
//! `extract_after` (the first word after the marker), `pick_first_answer`,
//! `ask`/`ask_chunk` with `max_tokens`, `ask_chunks`/`ask_chunked`/
//! `ask_chunks_first` taking `ctx`, a string, `(start, end, text)` tuples or
//! strings with `chunk_size`, `overlap`, `parallel`, and the JSON forms
//! `llm_query_json`, `llm_batch_json`, `llm_query_records`,
//! `llm_batch_records` (replies parsed by [`parse_jsonish`]).
//!
//! Every method binds its arguments to pyrlm's signature by
//! [`Signature::bind`]: an unknown keyword is CPython's `TypeError`, never
//! ignored. Views are zero-copy, as in `context_binding`; scans and results
//! are charged to the program's fuel in proportion to their size.

use std::rc::Rc;
use std::sync::Arc;

use rlm_context::{Context, FindOptions};
use rlm_interp::{
    AlignedBool, DefaultValue, Dict, ExcKind, FuelMeter, HostError, HostObject, HostReturn,
    Interpreter, Key, LimitError, ParamType, Signature, SignatureParam, SmolStr, Str, Value,
    from_json,
};

use crate::context_binding::{ContextText, charge, context_error, view_value};

/// Which in-program API a registry installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// rlm's own (`ctx.find` gives dicts with a snippet; the prompt's examples).
    #[default]
    Rlm,
    /// pyrlm-runtime's signatures and return shapes (this module).
    Pyrlm,
}

/// Python's `re` flag values (`flags=` of `ctx.find`).
const RE_IGNORECASE: i64 = 2;
const RE_MULTILINE: i64 = 8;
const RE_DOTALL: i64 = 16;
const RE_VERBOSE: i64 = 64;

/// Characters pyrlm strips from a word `extract_after` returns.
const WORD_STRIP: &[char] =
    &[' ', '\t', '\r', '\n', '.', ',', ';', ':', '"', '\'', '(', ')', '[', ']', '{', '}'];

/// The chunk size `ask_chunks(question, ctx)` uses when none is given (pyrlm's).
const DEFAULT_CHUNK_CHARS: i64 = 2000;

/// pyrlm's "no answer" reply.
const NO_ANSWER: &str = "NO_ANSWER";

/// Answers longer than this are not an answer `pick_first_answer` returns (pyrlm's rule).
const MAX_ANSWER_CHARS: usize = 80;

fn p(name: &str, ty: ParamType) -> SignatureParam {
    SignatureParam::required(name, ty)
}

fn opt(name: &str, ty: ParamType, default: DefaultValue) -> SignatureParam {
    SignatureParam::optional(name, ty, default)
}

fn none(name: &str, ty: ParamType) -> SignatureParam {
    SignatureParam::optional(name, ParamType::optional(ty), DefaultValue::None)
}

fn limit(e: LimitError) -> HostError {
    HostError::new(e.to_string())
}

fn value_error(message: impl Into<String>) -> HostError {
    HostError::typed(ExcKind::ValueError, message)
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(AlignedBool(b)) => Some(i64::from(*b)),
        _ => None,
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Registers `ctx` as pyrlm's `Context` over `context` (replacing rlm's).
pub fn bind_pyrlm_ctx(session: &mut Interpreter, context: &Context) {
    let whole = Str::from_buffer(Arc::new(ContextText(context.clone())));
    session.register_object("ctx", Rc::new(PyrlmCtx { ctx: context.clone(), whole }));
}

/// `ctx` with pyrlm-runtime's `Context` methods.
struct PyrlmCtx {
    ctx: Context,
    whole: Str,
}

/// The method names, each with its pyrlm signature.
fn method_signature(name: &str) -> Option<Signature> {
    let int = ParamType::Int;
    let params = match name {
        "len_chars" | "num_documents" | "document_lengths" | "metadata" => vec![],
        "get_document" => vec![p("index", int)],
        "slice" => vec![p("start", int.clone()), p("end", int)],
        "find" => vec![
            p("pattern", ParamType::Str),
            opt("regex", ParamType::Bool, DefaultValue::Bool(false)),
            opt("max_matches", int.clone(), DefaultValue::Int(20)),
            opt("case_sensitive", ParamType::Bool, DefaultValue::Bool(true)),
            none("flags", int),
        ],
        "chunk" => vec![p("size", int.clone()), opt("overlap", int, DefaultValue::Int(0))],
        "chunk_documents" => vec![opt("docs_per_chunk", int, DefaultValue::Int(10))],
        _ => return None,
    };
    Some(Signature::new(params))
}

const METHODS: [&str; 9] = [
    "len_chars",
    "num_documents",
    "get_document",
    "document_lengths",
    "slice",
    "find",
    "chunk",
    "chunk_documents",
    "metadata",
];

impl PyrlmCtx {
    fn view(&self, v: &rlm_context::TextView) -> Value {
        view_value(&self.ctx, &self.whole, v)
    }

    /// `(start, end, text)` for code points `start..end` (clamped as pyrlm's `slice`).
    fn piece(&self, start: u64, end: u64) -> Value {
        let v = self.ctx.slice(Some(to_i64(start)), Some(to_i64(end)));
        Value::tuple(vec![Value::Int(to_i64(start)), Value::Int(to_i64(end)), self.view(&v)])
    }

    fn find(&self, a: &[Value], fuel: FuelMeter<'_>) -> Result<Value, HostError> {
        let Value::Str(pattern) = &a[0] else { return Ok(Value::list(Vec::new())) };
        let max = int_of(&a[2]).unwrap_or(20);
        let flags = int_of(&a[4]);
        if max <= 0 || pattern.as_str().is_empty() {
            return Ok(Value::list(Vec::new()));
        }
        let regex = a[1].truthy() || flags.is_some();
        let case_sensitive = a[3].truthy();
        let mut pattern = pattern.as_str().to_string();
        let options = if regex {
            let f = flags.unwrap_or(if case_sensitive { 0 } else { RE_IGNORECASE });
            let mut inline = String::new();
            for (bit, c) in [(RE_MULTILINE, 'm'), (RE_DOTALL, 's'), (RE_VERBOSE, 'x')] {
                if f & bit != 0 {
                    inline.push(c);
                }
            }
            if !inline.is_empty() {
                pattern = format!("(?{inline}){pattern}");
            }
            FindOptions::regex().case_insensitive(f & RE_IGNORECASE != 0)
        } else {
            FindOptions::literal().case_insensitive(!case_sensitive)
        };
        let options = options.max_matches(usize::try_from(max).unwrap_or(usize::MAX));
        let found = self.ctx.find(&pattern, &options).map_err(context_error)?;
        charge(&mut *fuel, found.bytes_scanned)?;
        fuel(found.matches.len() as u64).map_err(limit)?;
        Ok(Value::list(
            found
                .matches
                .iter()
                .map(|m| {
                    Value::tuple(vec![
                        Value::Int(to_i64(m.start)),
                        Value::Int(to_i64(m.end)),
                        self.view(&m.text),
                    ])
                })
                .collect(),
        ))
    }

    fn chunk(&self, a: &[Value], fuel: FuelMeter<'_>) -> Result<Value, HostError> {
        let (size, overlap) = (int_of(&a[0]).unwrap_or(0), int_of(&a[1]).unwrap_or(0));
        let pieces = chunk_bounds(self.ctx.len_chars(), size, overlap)?;
        fuel(pieces.len() as u64 + 1).map_err(limit)?;
        Ok(Value::list(pieces.into_iter().map(|(s, e)| self.piece(s, e)).collect()))
    }

    fn chunk_documents(&self, a: &[Value], fuel: FuelMeter<'_>) -> Result<Value, HostError> {
        let per = int_of(&a[0]).unwrap_or(0);
        if per <= 0 {
            return Err(value_error("docs_per_chunk must be > 0"));
        }
        let n = self.ctx.num_documents();
        fuel(n as u64 + 1).map_err(limit)?;
        if n == 0 {
            return Ok(Value::list(vec![Value::tuple(vec![
                Value::Int(0),
                Value::Int(1),
                Value::list(vec![Value::Str(self.whole.clone())]),
            ])]));
        }
        let per = usize::try_from(per).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut start = 0usize;
        while start < n {
            let end = n.min(start.saturating_add(per));
            let mut docs = Vec::with_capacity(end - start);
            for i in start..end {
                let d = self.ctx.get_document(i as i64).map_err(context_error)?;
                docs.push(self.view(&d));
            }
            out.push(Value::tuple(vec![
                Value::Int(start as i64),
                Value::Int(end as i64),
                Value::list(docs),
            ]));
            start = end;
        }
        Ok(Value::list(out))
    }

    fn metadata(&self) -> Value {
        let n = self.ctx.num_documents().max(1);
        let mut d = Dict::new();
        let mut put = |k: &str, v: Value| {
            d.map.insert(Key(Value::str(k)), v);
        };
        put("context_type", Value::str(self.context_type()));
        put("total_length", Value::Int(to_i64(self.ctx.len_chars())));
        put("num_documents", Value::Int(n as i64));
        if n > 1 {
            let lengths = self.ctx.document_lengths().into_iter().map(|l| Value::Int(to_i64(l)));
            put("document_lengths", Value::list(lengths.collect()));
        }
        Value::dict(d)
    }

    /// pyrlm's `context_type`: a context of several documents is a document list.
    fn context_type(&self) -> &'static str {
        if self.ctx.num_documents() > 1 { "document_list" } else { "string" }
    }
}

/// pyrlm's `chunk(size, overlap)` bounds, in code points.
fn chunk_bounds(len: u64, size: i64, overlap: i64) -> Result<Vec<(u64, u64)>, HostError> {
    if size <= 0 {
        return Err(value_error("size must be > 0"));
    }
    if overlap < 0 {
        return Err(value_error("overlap must be >= 0"));
    }
    if overlap >= size {
        return Err(value_error("overlap must be < size"));
    }
    let (size, overlap) = (size as u64, overlap as u64);
    let mut out = Vec::new();
    let mut start = 0u64;
    while start < len {
        let end = len.min(start.saturating_add(size));
        out.push((start, end));
        if end >= len {
            break;
        }
        start = end - overlap;
    }
    Ok(out)
}

impl HostObject for PyrlmCtx {
    fn type_name(&self) -> &str {
        "Context"
    }

    fn method_names(&self) -> Vec<String> {
        METHODS.iter().map(|s| s.to_string()).collect()
    }

    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "text" => Some(Value::Str(self.whole.clone())),
            "context_type" => Some(Value::str(self.context_type())),
            _ => None,
        }
    }

    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), LimitError>,
    ) -> Option<Result<HostReturn, HostError>> {
        let signature = method_signature(name)?;
        let mut run = || -> Result<Value, HostError> {
            let a = signature.bind(&format!("Context.{name}"), args, kwargs)?;
            match name {
                "len_chars" => Ok(Value::Int(to_i64(self.ctx.len_chars()))),
                "num_documents" => Ok(Value::Int(self.ctx.num_documents().max(1) as i64)),
                "document_lengths" => {
                    let mut l = self.ctx.document_lengths();
                    if l.is_empty() {
                        l.push(self.ctx.len_chars());
                    }
                    fuel(l.len() as u64).map_err(limit)?;
                    Ok(Value::list(l.into_iter().map(|n| Value::Int(to_i64(n))).collect()))
                }
                "get_document" => {
                    let i = int_of(&a[0]).unwrap_or(-1);
                    if self.ctx.num_documents() == 0 && i == 0 {
                        return Ok(Value::Str(self.whole.clone()));
                    }
                    Ok(match self.ctx.get_document(i) {
                        Ok(d) if i >= 0 => self.view(&d),
                        _ => Value::None,
                    })
                }
                "slice" => {
                    let len = to_i64(self.ctx.len_chars());
                    let clamp = |v: &Value| int_of(v).unwrap_or(0).clamp(0, len);
                    let (s, e) = (clamp(&a[0]), clamp(&a[1]));
                    if s >= e {
                        return Ok(Value::str(""));
                    }
                    Ok(self.view(&self.ctx.slice(Some(s), Some(e))))
                }
                "find" => self.find(&a, fuel),
                "chunk" => self.chunk(&a, fuel),
                "chunk_documents" => self.chunk_documents(&a, fuel),
                _ => Ok(self.metadata()),
            }
        };
        Some(run().map(HostReturn::Value))
    }
}

/// The signature of `ask_chunks` / `ask_chunked`.
pub(crate) fn ask_chunks_params(with_parallel: bool) -> Vec<SignatureParam> {
    let mut v = vec![
        p("question", ParamType::Str),
        p("chunks", ParamType::Any),
        none("max_tokens", ParamType::Int),
        none("chunk_size", ParamType::Int),
        opt("overlap", ParamType::Int, DefaultValue::Int(0)),
    ];
    if with_parallel {
        v.push(none("parallel", ParamType::Bool));
    }
    v
}

/// `ask_chunks`' arguments made servable: `chunks` (pyrlm's forms: `ctx`, a
/// string, `(start, end, text)` tuples, strings; anything else is no chunk)
/// turned into the list of strings the host asks about.
pub(crate) fn normalize_chunks(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Vec<Value>, HostError> {
    let mut out = args.to_vec();
    let chunk_size = args.get(3).and_then(int_of).filter(|n| *n > 0);
    let overlap = args.get(4).and_then(int_of).unwrap_or(0);
    let whole_str = || Str::from_buffer(Arc::new(ContextText(context.clone())));
    let cut = |text: &Str, size: i64, fuel: FuelMeter<'_>| -> Result<Vec<Value>, HostError> {
        let len = text.as_str().chars().count() as u64;
        fuel(text.as_str().len() as u64 / 64 + 1).map_err(limit)?;
        let bounds = chunk_bounds(len, size, overlap)?;
        let idx: Vec<usize> = text.as_str().char_indices().map(|(i, _)| i).collect();
        let byte = |c: u64| idx.get(c as usize).copied().unwrap_or(text.as_str().len());
        Ok(bounds
            .into_iter()
            .map(|(s, e)| Value::Str(text.byte_substr(byte(s), byte(e), Some((e - s) as usize))))
            .collect())
    };
    let chunks = match args.get(1) {
        Some(Value::Host(h)) if h.type_name() == "Context" => {
            cut(&whole_str(), chunk_size.unwrap_or(DEFAULT_CHUNK_CHARS), fuel)?
        }
        Some(Value::Str(s)) => match chunk_size {
            Some(size) => cut(s, size, fuel)?,
            None => vec![Value::Str(s.clone())],
        },
        Some(Value::List(l)) => {
            let items = l.borrow().clone();
            fuel(items.len() as u64 + 1).map_err(limit)?;
            let is_piece = |v: &Value| matches!(v, Value::Tuple(t) if t.len() >= 3);
            match items.first() {
                Some(first) if is_piece(first) => items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Tuple(t) if t.len() >= 3 => match &t[2] {
                            Value::Str(s) => Some(Value::Str(s.clone())),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect(),
                Some(Value::Str(_)) => {
                    items.into_iter().filter(|v| matches!(v, Value::Str(_))).collect()
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    if let Some(slot) = out.get_mut(1) {
        *slot = Value::list(chunks);
    }
    Ok(out)
}

/// `extract_after(marker, max_len=128)`: the first word within `max_len`
/// characters after the first `marker`, punctuation stripped (None if none).
pub(crate) fn extract_after(
    context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let Some(Value::Str(marker)) = args.first() else {
        return Err(HostError::typed(ExcKind::TypeError, "extract_after() needs a marker"));
    };
    let max_len = args.get(1).and_then(int_of).unwrap_or(128);
    let hay = context.as_str();
    fuel(hay.len() as u64 / 64 + 1).map_err(limit)?;
    let Some(i) = hay.find(marker.as_str()) else { return Ok(Value::None) };
    let rest = &hay[i + marker.as_str().len()..];
    let window: &str = if max_len <= 0 {
        ""
    } else {
        let n = usize::try_from(max_len).unwrap_or(usize::MAX);
        let end = rest.char_indices().nth(n).map(|(j, _)| j).unwrap_or(rest.len());
        &rest[..end]
    };
    let word = window.split_whitespace().next().unwrap_or("").trim_matches(WORD_STRIP);
    Ok(if word.is_empty() { Value::None } else { Value::str(word) })
}

/// pyrlm's reading of one sub-model answer: None for an empty, fenced,
/// thinking, multi-line, over-long or `NO_ANSWER` reply; an `answer:` /
/// `final:` / `result:` prefix dropped; after "the key term is:", its word.
pub fn sanitize_answer(text: &str) -> Option<String> {
    let mut cleaned = text.trim().to_string();
    if cleaned.is_empty() {
        return None;
    }
    let lowered = cleaned.to_lowercase();
    if cleaned.contains("```") || lowered.contains("<think>") {
        return None;
    }
    if ["answer:", "final:", "result:"].iter().any(|p| lowered.starts_with(p)) {
        cleaned = cleaned.split_once(':').map(|x| x.1).unwrap_or("").trim().to_string();
    }
    if cleaned == NO_ANSWER {
        return None;
    }
    let lowered = cleaned.to_lowercase();
    let marker = "the key term is:";
    if let Some(at) = lowered.find(marker)
        && lowered.len() == cleaned.len()
    {
        let tail = cleaned[at + marker.len()..].trim();
        let word = tail.split_whitespace().next()?.trim_matches(WORD_STRIP);
        return (!word.is_empty()).then(|| word.to_string());
    }
    if cleaned.contains('\n') || cleaned.chars().count() > MAX_ANSWER_CHARS {
        return None;
    }
    Some(cleaned)
}

/// `pick_first_answer(answers)`: the first string [`sanitize_answer`] keeps
/// (None if `answers` is not a list).
pub(crate) fn pick_first_answer(
    _context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let Some(Value::List(l)) = args.first() else { return Ok(Value::None) };
    let items = l.borrow().clone();
    for item in &items {
        if let Value::Str(s) = item {
            fuel(s.as_str().len() as u64 / 64 + 1).map_err(limit)?;
            if let Some(a) = sanitize_answer(s.as_str()) {
                return Ok(Value::str(a));
            }
        }
    }
    Ok(Value::None)
}

/// `_parse_jsonish_response(text)`: the inline form of [`parse_jsonish`].
pub(crate) fn parse_jsonish_fn(
    _context: &Context,
    args: &[Value],
    fuel: FuelMeter<'_>,
) -> Result<Value, HostError> {
    let Some(Value::Str(s)) = args.first() else {
        return Err(HostError::typed(ExcKind::TypeError, "_parse_jsonish_response() needs a str"));
    };
    fuel(4 * (s.as_str().len() as u64 / 64 + 1)).map_err(limit)?;
    Ok(parse_jsonish(s.as_str()))
}

/// A sub-model's reply read as JSON, as pyrlm reads it: a fenced block's
/// body, the text after the first colon, the outermost `{...}` or `[...]`;
/// the first that parses. Otherwise `{"_parse_error": ..., "_raw": text}`.
pub fn parse_jsonish(text: &str) -> Value {
    let stripped = strip_fences(text);
    let mut candidates: Vec<&str> = vec![stripped];
    if let Some((_, after)) = stripped.split_once(':') {
        candidates.push(after.trim());
    }
    for (open, close) in [('{', '}'), ('[', ']')] {
        if let (Some(s), Some(e)) = (stripped.find(open), stripped.rfind(close))
            && e > s
        {
            candidates.push(stripped[s..=e].trim());
        }
    }
    for c in candidates.into_iter().filter(|c| !c.is_empty()) {
        if let Ok(j) = serde_json::from_str::<serde_json::Value>(c) {
            return from_json(&j);
        }
    }
    let mut d = Dict::new();
    d.map.insert(
        Key(Value::str("_parse_error")),
        Value::str("Could not parse JSON from subcall response."),
    );
    d.map.insert(Key(Value::str("_raw")), Value::str(stripped));
    Value::dict(d)
}

/// The body of a reply's leading Markdown fence (the reply, trimmed, if none).
fn strip_fences(text: &str) -> &str {
    let stripped = text.trim();
    if !stripped.starts_with("```") {
        return stripped;
    }
    let lines: Vec<&str> = stripped.lines().collect();
    if lines.len() < 2 {
        return stripped;
    }
    let Some(close) = (1..lines.len()).find(|&i| lines[i].trim() == "```") else {
        return stripped;
    };
    // The body's bytes inside `stripped` (lines are slices of it).
    let start = lines[1].as_ptr() as usize - stripped.as_ptr() as usize;
    let end =
        lines[close - 1].as_ptr() as usize - stripped.as_ptr() as usize + lines[close - 1].len();
    if close == 1 { "" } else { stripped[start..end].trim() }
}

/// The records in a parsed JSON reply: a list's dicts, the dicts of a
/// `records`/`items`/`entities`/`results`/`data` list, or the dict itself.
pub fn json_records(parsed: Value) -> Value {
    let dicts = |l: &[Value]| {
        Value::list(l.iter().filter(|v| matches!(v, Value::Dict(_))).cloned().collect())
    };
    match &parsed {
        Value::List(l) => dicts(&l.borrow()),
        Value::Dict(d) => {
            let d = d.borrow();
            for key in ["records", "items", "entities", "results", "data"] {
                if let Some(Value::List(l)) = d.map.get(&Key(Value::str(key))) {
                    return dicts(&l.borrow());
                }
            }
            if d.map.contains_key(&Key(Value::str("_parse_error"))) {
                return Value::list(Vec::new());
            }
            drop(d);
            Value::list(vec![parsed.clone()])
        }
        _ => Value::list(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_bounds_follow_pyrlm() {
        assert_eq!(chunk_bounds(10, 4, 1).unwrap(), vec![(0, 4), (3, 7), (6, 10)]);
        assert_eq!(chunk_bounds(0, 4, 0).unwrap(), vec![]);
        assert_eq!(chunk_bounds(5, 2, 2).unwrap_err().message, "overlap must be < size");
    }

    #[test]
    fn jsonish_reads_fences_prefixes_and_embedded_objects() {
        let show = |t: &str| rlm_interp::to_json(&parse_jsonish(t)).unwrap().to_string();
        assert_eq!(show("```json\n{\"a\": 1}\n```"), r#"{"a":1}"#);
        assert_eq!(show("Result: [1, 2]"), "[1,2]");
        assert_eq!(show("here {\"b\": true} ok"), r#"{"b":true}"#);
        assert!(show("nothing").contains("_parse_error"));
        let recs = json_records(parse_jsonish(r#"{"items": [{"x": 1}, 2]}"#));
        assert_eq!(rlm_interp::to_json(&recs).unwrap().to_string(), r#"[{"x":1}]"#);
    }

    #[test]
    fn answers_are_sanitized_as_pyrlm_does() {
        assert_eq!(sanitize_answer(" Answer: 42 "), Some("42".into()));
        assert_eq!(sanitize_answer("NO_ANSWER"), None);
        assert_eq!(sanitize_answer("a\nb"), None);
        assert_eq!(sanitize_answer("The key term is: Zebra."), Some("Zebra".into()));
    }
}
