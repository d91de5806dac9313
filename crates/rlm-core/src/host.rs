//! Builds a program's session: the context binding, the RLM functions
//! (`ask`, `ask_chunks`, `rlm_query`, tools...), `answer`, `memory`.
//!
//! Functions that only combine other functions (`ask_chunks`,
//! `pick_first_answer`, `extract_after`) are written in the DSL itself (the
//! prelude below), so their work is charged to fuel like the program's own.

use std::rc::Rc;

use rlm_context::Context;
use rlm_interp::{
    Dict, ExcKind, HostError, HostFunc, HostReturn, Key, Outcome, Session, SmolStr, Value,
};

use crate::context_binding::bind_context;
use crate::prompts::render;
use crate::rlm::Inner;

/// DSL definitions run in every new session.
const PRELUDE: &str = r#"
def ask_chunks(question, chunks, parallel=None):
    return llm_batch([_ask_prompt(question, c) for c in chunks])

def pick_first_answer(answers):
    for a in answers:
        if a is None:
            continue
        t = str(a).strip()
        if t and t.strip(" .").lower() not in ("not found", "none", "n/a", "unknown", "no answer", "notfound"):
            return t
    return None

def ask_chunks_first(question, chunks):
    return pick_first_answer(ask_chunks(question, chunks))

def extract_after(marker, max_len=200):
    i = context.find(marker)
    if i < 0:
        return None
    start = i + len(marker)
    return context[start:start + max_len].strip()
"#;

/// A fresh session for a run over `context`.
pub(crate) fn new_session(inner: &Inner, context: &Context) -> Session {
    let mut s = Session::new(inner.interp_limits.clone());
    bind_context(&mut s, context);
    let template: Rc<str> = Rc::from(inner.prompts.ask.as_str());
    let t = Rc::clone(&template);
    s.register(
        "_ask_prompt",
        HostFunc::Inline(Rc::new(move |args, kwargs| {
            Ok(HostReturn::Value(Value::str(ask_prompt(&t, args, kwargs)?)))
        })),
    );
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
    s.set_cell_name("<prelude>");
    let outcome = s.run_cell(PRELUDE);
    debug_assert!(matches!(outcome, Outcome::Done), "prelude failed: {outcome:?}");
    s.set_cell_name("<repl>");
    s.set_global("answer", answer_dict());
    s
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
