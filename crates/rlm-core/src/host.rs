//! Builds a program's session: the context binding, the RLM functions
//! (`ask`, `ask_chunks`, `rlm_query`, tools...), `answer`, `memory`.
//!
//! Functions that do work of their own (`extract_after` scans the context,
//! `pick_first_answer` walks a list) charge fuel for it before doing it, like
//! the interpreter's builtins.

use std::rc::Rc;

use rlm_context::Context;
use rlm_interp::{Dict, ExcKind, HostError, HostFunc, HostReturn, Key, Session, SmolStr, Value};

use crate::context_binding::bind_context;
use crate::prompts::render;
use crate::rlm::Inner;

/// Bytes of scanning one unit of fuel pays for (the interpreter's own rate).
const BYTES_PER_FUEL: u64 = 64;

/// Answers that mean "the sub-model found nothing" (compared lowercased, dots trimmed).
const NOT_FOUND: [&str; 6] = ["not found", "none", "n/a", "unknown", "no answer", "notfound"];

/// A fresh session for a run over `context`.
pub(crate) fn new_session(inner: &Inner, context: &Context) -> Session {
    let mut s = Session::new(inner.interp_limits.clone());
    bind_context(&mut s, context);
    let template: Rc<str> = Rc::from(inner.prompts.ask.as_str());
    s.register(
        "ask",
        HostFunc::Inline(Rc::new(move |args, kwargs| {
            let prompt = ask_prompt(&template, args, kwargs)?;
            Ok(HostReturn::Suspend {
                name: SmolStr::new_static("llm_query"),
                args: vec![Value::str(prompt)],
                kwargs: Vec::new(),
            })
        })),
    );
    s.register("rlm_query", HostFunc::Suspend { call: SmolStr::new_static("rlm_query") });
    s.register("rlm_query_async", HostFunc::Async { call: SmolStr::new_static("rlm_query") });
    for tool in &inner.tools {
        s.register(
            &tool.name,
            HostFunc::Suspend { call: SmolStr::new(format!("tool:{}", tool.name)) },
        );
    }
    // ask_chunks / ask_chunks_first: one host call the loop serves as a batch.
    for (name, call) in [("ask_chunks", "ask_chunks"), ("ask_chunks_first", "ask_chunks_first")] {
        s.register(
            name,
            HostFunc::InlineMetered(Rc::new(move |args, kwargs, fuel| {
                let question = text_arg(args, kwargs, 0, "question", name)?;
                let chunks = args
                    .get(1)
                    .or_else(|| kwargs.iter().find(|(k, _)| k == "chunks").map(|(_, v)| v))
                    .cloned()
                    .ok_or_else(|| {
                        HostError::typed(
                            ExcKind::TypeError,
                            format!("{name}() missing required argument: 'chunks'"),
                        )
                    })?;
                if let Value::List(l) = &chunks {
                    fuel(l.borrow().len() as u64 + 1).map_err(|e| HostError::new(e.to_string()))?;
                }
                Ok(HostReturn::Suspend {
                    name: SmolStr::new_static(call),
                    args: vec![Value::str(question), chunks],
                    kwargs: Vec::new(),
                })
            })),
        );
    }
    s.register(
        "pick_first_answer",
        HostFunc::InlineMetered(Rc::new(|args, _kwargs, fuel| {
            let Some(Value::List(list)) = args.first() else {
                return Err(HostError::typed(
                    ExcKind::TypeError,
                    "pick_first_answer() takes a list of answers",
                ));
            };
            let items = list.borrow();
            fuel(items.len() as u64 + 1).map_err(|e| HostError::new(e.to_string()))?;
            Ok(HostReturn::Value(pick_first(&items).map(Value::str).unwrap_or(Value::None)))
        })),
    );
    let text = context.clone();
    s.register(
        "extract_after",
        HostFunc::InlineMetered(Rc::new(move |args, kwargs, fuel| {
            let marker = text_arg(args, kwargs, 0, "marker", "extract_after")?;
            let max_len = match args
                .get(1)
                .or_else(|| kwargs.iter().find(|(k, _)| k == "max_len").map(|(_, v)| v))
            {
                None | Some(Value::None) => 200,
                Some(Value::Int(n)) if *n >= 0 => *n as usize,
                Some(other) => {
                    return Err(HostError::typed(
                        ExcKind::TypeError,
                        format!(
                            "extract_after() max_len must be a non-negative int, not {}",
                            other.type_name()
                        ),
                    ));
                }
            };
            let hay = text.as_str();
            // The scan may touch the whole context: pay for it first.
            fuel(hay.len() as u64 / BYTES_PER_FUEL + 1)
                .map_err(|e| HostError::new(e.to_string()))?;
            if marker.is_empty() {
                return Err(HostError::typed(
                    ExcKind::ValueError,
                    "extract_after() marker is empty",
                ));
            }
            Ok(HostReturn::Value(match hay.find(&marker) {
                None => Value::None,
                Some(i) => {
                    let rest = &hay[i + marker.len()..];
                    let end =
                        rest.char_indices().nth(max_len).map(|(j, _)| j).unwrap_or(rest.len());
                    Value::str(rest[..end].trim())
                }
            }))
        })),
    );
    s.set_global("answer", answer_dict());
    s
}

/// The first answer that is not empty or a "not found" (strings only).
pub(crate) fn pick_first(answers: &[Value]) -> Option<String> {
    answers.iter().find_map(|a| match a {
        Value::Str(s) => {
            let t = s.as_str().trim();
            let norm = t.trim_matches(|c| c == ' ' || c == '.').to_lowercase();
            (!t.is_empty() && !NOT_FOUND.contains(&norm.as_str())).then(|| t.to_string())
        }
        _ => None,
    })
}

/// `answer = {"content": "", "ready": False}` (the paper's reference protocol).
fn answer_dict() -> Value {
    let mut d = Dict::new();
    d.map.insert(Key(Value::str("content")), Value::str(""));
    d.map.insert(Key(Value::str("ready")), Value::Bool(false));
    Value::dict(d)
}

/// `answer["content"]` when `answer["ready"]` is true.
pub(crate) fn answer_ready(s: &mut Session) -> Option<String> {
    let Some(Value::Dict(d)) = s.get_global("answer") else { return None };
    let (ready, content) = {
        let d = d.borrow();
        (
            d.map.get(&Key(Value::str("ready"))).map(|v| v.truthy()).unwrap_or(false),
            d.map.get(&Key(Value::str("content"))).cloned(),
        )
    };
    if !ready {
        return None;
    }
    Some(content.map(|c| s.display(&c)).unwrap_or_default())
}

/// What the program has put aside as an answer so far (for best-effort endings).
pub(crate) fn partial_answer(s: &mut Session, auto_var: Option<&str>) -> Option<String> {
    if let Some(Value::Dict(d)) = s.get_global("answer") {
        let content = d.borrow().map.get(&Key(Value::str("content"))).cloned();
        if let Some(c) = content {
            let text = s.display(&c);
            if !text.trim().is_empty() {
                return Some(text);
            }
        }
    }
    auto_var.and_then(|n| auto_final(s, n))
}

/// The auto-finalize variable's value, if a program set it (not None).
pub(crate) fn auto_final(s: &mut Session, name: &str) -> Option<String> {
    match s.get_global(name) {
        None | Some(Value::None) => None,
        Some(v) => Some(s.display(&v)),
    }
}

fn ask_prompt(
    template: &str,
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
) -> Result<String, HostError> {
    let question = text_arg(args, kwargs, 0, "question", "ask")?;
    let text = text_arg(args, kwargs, 1, "text", "ask")?;
    render(template, &[("question", &question), ("text", &text)])
        .map_err(|e| HostError::new(e.to_string()))
}

fn text_arg(
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
    i: usize,
    name: &str,
    func: &str,
) -> Result<String, HostError> {
    let v = args.get(i).or_else(|| kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v));
    match v {
        Some(Value::Str(s)) => Ok(s.as_str().to_string()),
        Some(other) => Err(HostError::typed(
            ExcKind::TypeError,
            format!("{func}() argument '{name}' must be str, not {}", other.type_name()),
        )),
        None => Err(HostError::typed(
            ExcKind::TypeError,
            format!("{func}() missing required argument: '{name}'"),
        )),
    }
}

/// `memory` as an interpreter dict.
pub(crate) fn set_memory(s: &mut Session, memory: &crate::memory::MemoryMap) {
    s.set_global(
        "memory",
        crate::json_value::from_json(&serde_json::Value::Object(memory.clone())),
    );
}

/// `memory` back as JSON (entries without a JSON form are dropped, and named).
pub(crate) fn get_memory(s: &mut Session) -> (crate::memory::MemoryMap, Vec<String>) {
    let mut out = crate::memory::MemoryMap::new();
    let mut dropped = Vec::new();
    let Some(Value::Dict(d)) = s.get_global("memory") else { return (out, dropped) };
    let entries: Vec<(Value, Value)> =
        d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
    for (k, v) in entries {
        let key = match &k {
            Value::Str(k) => k.as_str().to_string(),
            other => {
                dropped.push(s.repr(other));
                continue;
            }
        };
        match crate::json_value::to_json(s, &v) {
            Ok(j) => {
                out.insert(key, j);
            }
            Err(_) => dropped.push(key),
        }
    }
    (out, dropped)
}
