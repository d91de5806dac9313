//! The functions a program has besides the interpreter's builtins and the
//! context binding, declared once: name, aliases, typed signature, what it
//! returns, the line the system prompt lists, and how it is served. The
//! interpreter's registration, the host's serving, the CLI and the system
//! prompt all read this [`FunctionRegistry`]; adding a function is one entry
//! in [`FunctionRegistry::standard`] (and its serving, if it is a new kind),
//! or, from outside this crate, one [`Tool::declared`] given to the
//! builder (name, typed parameters, what it returns, doc line, the function).
//!
//! Arguments are bound to the declared signature by one rule
//! ([`rlm_interp::Signature::bind`]: Python's, with CPython's `TypeError`s).
//! Inline functions bind when called; the others when their host call is
//! served, before anything is sent, so a bad call costs nothing.

use std::collections::HashMap;
use std::rc::Rc;

use rlm_context::Context;
use rlm_interp::{
    DefaultValue, ExcKind, FuelMeter, HostCall, HostError, HostFunc, HostReturn, Interpreter,
    ParamType, Signature, SignatureParam, SmolStr, Value,
};
use rlm_retrieval::SearchMode;

use crate::context_helpers::{
    BYTES_PER_FUEL, count_lines, count_plan, extract_after, find_lines, grep, pick_first_answer,
};
use crate::pyrlm::{self, Flavor};
use crate::retrieval::{RetrievalOp, RetrievalSettings, check_k, check_mode};
use crate::tools::Tool;

/// Fuel of one retrieval call, besides its hits: a search walks posting
/// lists or vectors, far more work than one interpreter step.
const FUEL_PER_RETRIEVAL: u64 = 100;

/// Fuel per requested hit: making its dict (a preview of
/// [`rlm_retrieval::PREVIEW_CHARS`] characters and its metadata) at the
/// interpreter's scanning rate.
const FUEL_PER_HIT: u64 = (rlm_retrieval::PREVIEW_CHARS as u64 + 200) / BYTES_PER_FUEL;

/// What serving a function involves, as a front end sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// Runs inside the interpreter.
    Inline,
    /// One or more sub-model calls.
    Subcall,
    /// A recursive sub-RLM.
    SubRlm,
    /// A tool the embedder registered.
    Tool,
    /// A search of the context index or of a document backend.
    Retrieval,
}

/// How the host serves a function's calls.
#[derive(Clone, Copy)]
pub enum Service {
    /// Runs in the interpreter: the bound arguments, the program's context,
    /// and a fuel meter to charge its own work to.
    Inline(InlineFn),
    /// `llm_query(prompt, model, max_tokens)`: one sub-model call.
    Subcall,
    /// One prompt of `llm_batch(prompts, model, max_tokens, on_error)`: a
    /// sub-model call whose failure leaves an [`crate::LlmError`] in its
    /// slot (its bound arguments: prompt, model, max_tokens, on_error), or
    /// raises with `on_error="raise"`.
    BatchSubcall,
    /// `ask(question, text)`: one sub-model call with the `ask` template.
    Ask,
    /// `ask_chunks(question, chunks)`: one `ask` per chunk, in one batch;
    /// `first`: the first real answer instead of the list.
    AskChunks { first: bool },
    /// `llm_query_json(prompt, text, model, max_tokens)` (`records`:
    /// `llm_query_records(prompt, model, max_tokens)`): one sub-model call,
    /// its reply read as JSON ([`pyrlm::parse_jsonish`]; records:
    /// [`pyrlm::json_records`]).
    SubcallJson { records: bool },
    /// `answer_from_chunks(question)`: `ask` about the passages holding the
    /// question's words; the first answer found in its passage.
    AnswerFromChunks,
    /// `rlm_query(prompt, context)`: a sub-RLM (a subcall at the depth limit).
    SubRlm,
    /// The registered tool at this index.
    Tool(usize),
    /// `search` / `es_*`: bound and charged in the interpreter, then served
    /// by the run's retrieval on the async side (backends may be remote).
    Retrieval(RetrievalOp),
}

type InlineFn = fn(&Context, &[Value], FuelMeter<'_>) -> Result<Value, HostError>;

/// Turns a call's bound arguments into the ones its host service reads
/// (in the interpreter, where the context and the program's values are).
type NormalizeFn = fn(&Context, &[Value], FuelMeter<'_>) -> Result<Vec<Value>, HostError>;

/// How the interpreter runs a declared name.
#[derive(Clone, Copy)]
enum Form {
    /// A call the host serves (or an inline function), under its own name.
    Call(Service),
    /// An awaitable making one call of the named function when awaited.
    AsyncOf(&'static str),
    /// One call of the named function per item of the first argument.
    BatchOf { call: &'static str, awaitable: bool },
    /// One call of this function per item of the first argument, each bound
    /// to the item's signature (the first parameter one item) and served as
    /// `item`.
    Batch { item: Service, awaitable: bool },
    /// Bound and normalized in the interpreter, then served by the host.
    Normalized { pre: NormalizeFn, service: Service },
    /// pyrlm's `ctx` (installed over rlm's; its presence in a worker's
    /// manifest selects [`Flavor::Pyrlm`]).
    PyrlmCtx,
}

/// One declared function.
pub struct FunctionSpec {
    pub name: SmolStr,
    pub aliases: Vec<SmolStr>,
    /// `None` for tools made without one: their positional arguments go to
    /// the tool as JSON.
    pub signature: Option<Signature>,
    /// What it returns, as the prompt says it (`str`, `list of str`...).
    pub returns: &'static str,
    /// The line the system prompt lists (`None`: not listed).
    pub doc: Option<&'static str>,
    /// Listed by the compact prompt too (the few functions a small model needs).
    pub compact: bool,
    /// A batch's item signature (its first parameter one item), for [`Form::Batch`].
    item_signature: Option<Signature>,
    form: Form,
}

impl std::fmt::Debug for FunctionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionSpec").field("name", &self.name).finish_non_exhaustive()
    }
}

impl FunctionSpec {
    fn new(
        name: &str,
        params: Vec<SignatureParam>,
        returns: &'static str,
        doc: Option<&'static str>,
        form: Form,
    ) -> FunctionSpec {
        FunctionSpec {
            name: SmolStr::new(name),
            aliases: Vec::new(),
            signature: Some(Signature::new(params)),
            returns,
            doc,
            compact: false,
            item_signature: None,
            form,
        }
    }

    /// A batch served item by item: `params` are the batch's (the first one
    /// the list), `item_params` one item's, each served as `item`.
    fn batch(
        name: &str,
        params: Vec<SignatureParam>,
        item_params: Vec<SignatureParam>,
        returns: &'static str,
        doc: Option<&'static str>,
        item: Service,
    ) -> FunctionSpec {
        let mut spec =
            FunctionSpec::new(name, params, returns, doc, Form::Batch { item, awaitable: false });
        spec.item_signature = Some(Signature::new(item_params));
        spec
    }

    /// Listed by the compact prompt as well.
    fn compact(mut self) -> FunctionSpec {
        self.compact = true;
        self
    }

    fn aliases(mut self, names: &[&str]) -> FunctionSpec {
        self.aliases = names.iter().copied().map(SmolStr::new).collect();
        self
    }

    /// What serving it involves; `None` for the awaitable and batch forms,
    /// whose calls are calls of the function they name.
    pub fn kind(&self) -> Option<FunctionKind> {
        match self.form {
            Form::Call(Service::Inline(_)) => Some(FunctionKind::Inline),
            Form::Call(
                Service::Subcall
                | Service::BatchSubcall
                | Service::Ask
                | Service::AskChunks { .. }
                | Service::SubcallJson { .. }
                | Service::AnswerFromChunks,
            )
            | Form::Normalized { .. }
            | Form::Batch { .. } => Some(FunctionKind::Subcall),
            Form::PyrlmCtx => Some(FunctionKind::Inline),
            Form::Call(Service::SubRlm) => Some(FunctionKind::SubRlm),
            Form::Call(Service::Tool(_)) => Some(FunctionKind::Tool),
            Form::Call(Service::Retrieval(_)) => Some(FunctionKind::Retrieval),
            Form::AsyncOf(_) | Form::BatchOf { .. } => None,
        }
    }

    /// `name(a, b=None)` as the prompt shows it: parameters with their defaults.
    pub fn call_form(&self) -> String {
        let mut out = String::new();
        self.write_call_form(&mut out);
        out
    }

    /// [`Self::call_form`], written at the end of `out` (the system prompt
    /// lists every function: no string per parameter).
    fn write_call_form(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str(&self.name);
        out.push('(');
        for (i, p) in self.signature.iter().flat_map(|s| &s.params).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&p.name);
            match &p.default {
                None => {}
                Some(DefaultValue::None) => out.push_str("=None"),
                Some(DefaultValue::Bool(b)) => out.push_str(if *b { "=True" } else { "=False" }),
                Some(DefaultValue::Int(i)) => {
                    let _ = write!(out, "={i}");
                }
                Some(DefaultValue::Float(f)) => {
                    let _ = write!(out, "={f:?}");
                }
                Some(DefaultValue::Str(s)) => {
                    let _ = write!(out, "={:?}", s.as_str());
                }
            }
        }
        out.push(')');
    }
}

/// A host call bound to its function's signature.
pub struct BoundCall {
    pub service: Service,
    /// One value per parameter, defaults filled in (tools: the positional args).
    pub args: Vec<Value>,
}

/// Every declared function (see the module docs).
pub struct FunctionRegistry {
    specs: Vec<FunctionSpec>,
    by_name: HashMap<SmolStr, usize>,
}

impl std::fmt::Debug for FunctionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.specs.iter().map(|s| &s.name)).finish()
    }
}

fn p(name: &str, ty: ParamType) -> SignatureParam {
    SignatureParam::required(name, ty)
}

fn opt(name: &str, ty: ParamType) -> SignatureParam {
    SignatureParam::optional(name, ParamType::optional(ty), DefaultValue::None)
}

/// `on_error="value"`: what a batch does with a prompt that fails for good
/// ([`ON_ERROR_VALUE`] or [`ON_ERROR_RAISE`]).
fn on_error() -> SignatureParam {
    SignatureParam::optional(
        "on_error",
        ParamType::Str,
        DefaultValue::Str(SmolStr::new_static(ON_ERROR_VALUE)),
    )
}

/// `llm_batch(..., on_error="value")`: a prompt that fails for good leaves
/// an `LLMError` in its slot.
pub const ON_ERROR_VALUE: &str = "value";
/// `llm_batch(..., on_error="raise")`: it raises, and the batch with it.
pub const ON_ERROR_RAISE: &str = "raise";

/// `(pattern, since=None, until=None)`: `count_lines` and `find_lines`.
fn lines_params() -> Vec<SignatureParam> {
    vec![p("pattern", ParamType::Str), opt("since", ParamType::Str), opt("until", ParamType::Str)]
}

impl FunctionRegistry {
    /// The RLM functions: the short helpers first (they do the right thing by
    /// default), then sub-model calls and their batch and awaitable forms,
    /// the `ask` helpers, `extract_after`, and `rlm_query`.
    pub fn standard() -> FunctionRegistry {
        FunctionRegistry::standard_for(Flavor::Rlm)
    }

    /// [`Self::standard`], or with pyrlm-runtime's API in its place
    /// ([`Flavor::Pyrlm`]: `ctx`, and the functions whose signature or result
    /// differs, replaced by pyrlm's; its JSON and chunk forms added).
    pub fn standard_for(flavor: Flavor) -> FunctionRegistry {
        let mut specs = Self::short_helpers();
        specs.extend(Self::model_calls());
        if flavor == Flavor::Pyrlm {
            let pyrlm = Self::pyrlm_specs();
            specs.retain(|s| !pyrlm.iter().any(|p| p.name == s.name));
            specs.extend(pyrlm);
        }
        FunctionRegistry::from_specs(specs)
    }

    /// pyrlm-runtime's forms of the functions (see [`crate::pyrlm`]).
    fn pyrlm_specs() -> Vec<FunctionSpec> {
        let max_tokens = || opt("max_tokens", ParamType::Int);
        let json = || {
            vec![
                p("prompt", ParamType::Str),
                opt("text", ParamType::Str),
                opt("model", ParamType::Str),
                max_tokens(),
            ]
        };
        let records =
            || vec![p("prompt", ParamType::Str), opt("model", ParamType::Str), max_tokens()];
        let batch =
            || vec![p("prompts", ParamType::StrList), opt("model", ParamType::Str), max_tokens()];
        let ask = || vec![p("question", ParamType::Str), p("text", ParamType::Str), max_tokens()];
        let normalized = |service| Form::Normalized { pre: pyrlm::normalize_chunks, service };
        vec![
            FunctionSpec::new("ctx", vec![], "Context", None, Form::PyrlmCtx),
            FunctionSpec::new(
                "extract_after",
                vec![
                    p("marker", ParamType::Str),
                    SignatureParam::optional("max_len", ParamType::Int, DefaultValue::Int(128)),
                ],
                "str or None",
                Some("the first word after the first occurrence of marker in the context."),
                Form::Call(Service::Inline(pyrlm::extract_after)),
            ),
            FunctionSpec::new(
                "pick_first_answer",
                vec![p("answers", ParamType::Any)],
                "str or None",
                Some("the first short one-line answer that is not NO_ANSWER."),
                Form::Call(Service::Inline(pyrlm::pick_first_answer)),
            ),
            FunctionSpec::new(
                "ask",
                ask(),
                "str",
                Some("asks a sub-model the question about the text."),
                Form::Call(Service::Ask),
            )
            .aliases(&["ask_chunk"]),
            FunctionSpec::new(
                "ask_chunks",
                pyrlm::ask_chunks_params(true),
                "list of str",
                Some(
                    "asks the question about each chunk (ctx, a str cut by chunk_size, (start, end, text) tuples, or strs).",
                ),
                normalized(Service::AskChunks { first: false }),
            )
            .aliases(&["ask_chunked"]),
            FunctionSpec::new(
                "ask_chunks_first",
                pyrlm::ask_chunks_params(false),
                "str or None",
                None,
                normalized(Service::AskChunks { first: true }),
            ),
            FunctionSpec::new(
                "llm_query_json",
                json(),
                "parsed JSON",
                Some("llm_query of prompt (and text), its reply parsed as JSON."),
                Form::Call(Service::SubcallJson { records: false }),
            ),
            FunctionSpec::new(
                "llm_query_records",
                records(),
                "list of dicts",
                Some("llm_query, its reply read as a list of JSON records."),
                Form::Call(Service::SubcallJson { records: true }),
            ),
            FunctionSpec::new(
                "llm_batch_json",
                batch(),
                "list",
                None,
                Form::BatchOf { call: "llm_query_json", awaitable: false },
            ),
            FunctionSpec::new(
                "llm_batch_records",
                batch(),
                "list of lists of dicts",
                None,
                Form::BatchOf { call: "llm_query_records", awaitable: false },
            ),
            FunctionSpec::new(
                "_parse_jsonish_response",
                vec![p("text", ParamType::Str)],
                "parsed JSON",
                None,
                Form::Call(Service::Inline(pyrlm::parse_jsonish_fn)),
            ),
        ]
    }

    /// `grep`, `count_lines`, `find_lines` (over the context, in the
    /// interpreter), `count_plan` and `answer_from_chunks`.
    fn short_helpers() -> Vec<FunctionSpec> {
        vec![
            FunctionSpec::new(
                "grep",
                vec![
                    p("term", ParamType::Str),
                    SignatureParam::optional("width", ParamType::Int, DefaultValue::Int(200)),
                ],
                "list of str",
                Some(
                    "the text around each place `term` occurs (any case), about `width` characters each, at most 20. Print it to read what the context says.",
                ),
                Form::Call(Service::Inline(grep)),
            )
            .compact(),
            FunctionSpec::new(
                "count_lines",
                lines_params(),
                "int",
                Some(
                    "how many lines of the context match the regular expression `pattern` (any case), dated from `since` to `until` when given (dates in any common format, both days included). Example: `print(count_lines(\"LOGIN_FAILED\", since=\"2026-03-04\", until=\"2026-03-06\"))`.",
                ),
                Form::Call(Service::Inline(count_lines)),
            )
            .compact(),
            FunctionSpec::new(
                "find_lines",
                lines_params(),
                "list of str",
                Some("the lines `count_lines` counts, to print and check."),
                Form::Call(Service::Inline(find_lines)),
            )
            .compact(),
            // The built-in counting strategy's plan; not listed.
            FunctionSpec::new(
                "count_plan",
                vec![p("question", ParamType::Str)],
                "dict or None",
                None,
                Form::Call(Service::Inline(count_plan)),
            ),
            FunctionSpec::new(
                "answer_from_chunks",
                vec![p("question", ParamType::Str)],
                "str or None",
                Some(
                    "asks sub-models the question about the passages that hold its words and returns an answer found in the text (None if none).",
                ),
                Form::Call(Service::AnswerFromChunks),
            )
            .compact(),
        ]
    }

    /// Sub-model calls and their batch and awaitable forms, the `ask`
    /// helpers, `pick_first_answer`, `extract_after`, and `rlm_query`.
    fn model_calls() -> Vec<FunctionSpec> {
        // `schema`: a JSON Schema (a dict, or its JSON text) the reply must
        // match; the call then returns the parsed value (issue #57).
        let llm = || {
            vec![
                p("prompt", ParamType::Str),
                opt("model", ParamType::Str),
                opt("max_tokens", ParamType::Int),
                opt("schema", ParamType::Any),
            ]
        };
        let batch = || {
            vec![
                p("prompts", ParamType::StrList),
                opt("model", ParamType::Str),
                opt("max_tokens", ParamType::Int),
                on_error(),
                opt("schema", ParamType::Any),
            ]
        };
        let batch_item = || {
            let mut params = llm();
            params.insert(3, on_error());
            params
        };
        let ask_chunks = || vec![p("question", ParamType::Str), p("chunks", ParamType::StrList)];
        let rlm = || vec![p("prompt", ParamType::Str), opt("context", ParamType::Str)];
        vec![
            FunctionSpec::new(
                "llm_query",
                llm(),
                "str",
                Some(
                    "ask a sub-model about a piece of text you put in the prompt (it sees nothing else; it reads up to {{sub_window_chars}} characters). With `schema=` (a JSON Schema dict) the reply is JSON checked against it, and you get the parsed value (a dict, a list...).",
                ),
                Form::Call(Service::Subcall),
            ),
            FunctionSpec::batch(
                "llm_batch",
                batch(),
                batch_item(),
                "list of str",
                Some(
                    "many llm_query calls run in parallel. Prefer it to a loop of llm_query. A prompt that still fails after its retries gets an LLMError in its place, not a str: falsy, `print(r)` shows why (`r.kind`: \"rate_limited\", \"timeout\", ...); the other answers are kept. `on_error=\"raise\"` raises instead.",
                ),
                Service::BatchSubcall,
            )
            .compact()
            .aliases(&["llm_query_batched", "llm_query_batch"]),
            FunctionSpec::new(
                "llm_query_async",
                llm(),
                "awaitable str",
                None,
                Form::AsyncOf("llm_query"),
            ),
            FunctionSpec::new(
                "llm_batch_async",
                batch(),
                "awaitable list of str",
                None,
                Form::BatchOf { call: "llm_batch", awaitable: true },
            )
            .aliases(&["llm_query_batch_async", "llm_query_batched_async"]),
            FunctionSpec::new(
                "ask",
                vec![p("question", ParamType::Str), p("text", ParamType::Str)],
                "str",
                Some("asks a sub-model the question about the text."),
                Form::Call(Service::Ask),
            ),
            FunctionSpec::new(
                "ask_chunks",
                ask_chunks(),
                "list of answers",
                Some("asks the question about each chunk, in parallel."),
                Form::Call(Service::AskChunks { first: false }),
            ),
            FunctionSpec::new(
                "ask_chunks_first",
                ask_chunks(),
                "str or None",
                None,
                Form::Call(Service::AskChunks { first: true }),
            ),
            FunctionSpec::new(
                "pick_first_answer",
                vec![p("answers", ParamType::List)],
                "str or None",
                Some("the first answer that is not empty or \"not found\"."),
                Form::Call(Service::Inline(pick_first_answer)),
            ),
            FunctionSpec::new(
                "extract_after",
                vec![
                    p("marker", ParamType::Str),
                    SignatureParam::optional(
                        "max_len",
                        ParamType::optional(ParamType::Int),
                        DefaultValue::Int(200),
                    ),
                ],
                "str or None",
                Some("the text after the first occurrence of marker in the context."),
                Form::Call(Service::Inline(extract_after)),
            ),
            FunctionSpec::new(
                "rlm_query",
                rlm(),
                "str",
                Some(
                    "a recursive sub-RLM with its own REPL over `context` (default: this context), for sub-questions that need their own exploration.",
                ),
                Form::Call(Service::SubRlm),
            ),
            FunctionSpec::new(
                "rlm_query_async",
                rlm(),
                "awaitable str",
                None,
                Form::AsyncOf("rlm_query"),
            ),
        ]
    }

    /// The retrieval functions `settings` enables: `search` over the context
    /// index, the `es_*` functions over a document backend.
    pub fn retrieval(settings: &RetrievalSettings) -> Vec<FunctionSpec> {
        Self::retrieval_specs(settings.context_index.is_some(), settings.backend.is_some())
    }

    /// `search` when `search`, the `es_*` functions when `backend`.
    fn retrieval_specs(search: bool, backend: bool) -> Vec<FunctionSpec> {
        let query = || p("query", ParamType::Str);
        let k = || SignatureParam::optional("k", ParamType::Int, DefaultValue::Int(10));
        let mut specs = Vec::new();
        if search {
            specs.push(FunctionSpec::new(
                "search",
                vec![query(), k(), opt("mode", ParamType::Str)],
                "list of dicts",
                Some(
                    "the k passages of the context that best match the query, best first, each `{\"doc_id\", \"preview\" (the text around the match), \"score\", \"metadata\": {\"start\", \"end\", ...}}`; `context[start:end]` is the whole passage. mode: \"bm25\" (words), \"vector\" (meaning) or \"hybrid\".",
                ),
                Form::Call(Service::Retrieval(RetrievalOp::Search)),
            )
            .compact());
        }
        if backend {
            let search = |name: &str, mode, doc| {
                FunctionSpec::new(
                    name,
                    vec![query(), k(), opt("filters", ParamType::Any)],
                    "list of dicts",
                    doc,
                    Form::Call(Service::Retrieval(RetrievalOp::Backend(mode))),
                )
            };
            specs.push(search(
                "es_search",
                SearchMode::Bm25,
                Some(
                    "keyword (BM25) search of the document index; `filters`: a dict of metadata values. Each hit is `{\"doc_id\", \"preview\", \"score\", \"metadata\"}`.",
                ),
            ));
            specs.push(search(
                "es_vector_search",
                SearchMode::Vector,
                Some("semantic search of the document index (same arguments and hits)."),
            ));
            specs.push(search(
                "es_hybrid_search",
                SearchMode::Hybrid,
                Some("keyword and semantic search fused (same arguments and hits)."),
            ));
            specs.push(FunctionSpec::new(
                "es_get",
                vec![p("doc_id", ParamType::Str)],
                "dict",
                Some("a whole document of the index: `{\"doc_id\", \"content\", \"metadata\"}`."),
                Form::Call(Service::Retrieval(RetrievalOp::Get)),
            ));
        }
        specs
    }

    /// The standard functions, the retrieval functions `retrieval` enables,
    /// and `tools` (no two may share a name).
    pub fn configured(
        tools: &[Tool],
        retrieval: &RetrievalSettings,
    ) -> Result<FunctionRegistry, String> {
        FunctionRegistry::configured_for(tools, retrieval, Flavor::Rlm)
    }

    /// [`Self::configured`] with the standard functions of `flavor`.
    pub fn configured_for(
        tools: &[Tool],
        retrieval: &RetrievalSettings,
        flavor: Flavor,
    ) -> Result<FunctionRegistry, String> {
        let mut specs = FunctionRegistry::standard_for(flavor).specs;
        specs.extend(FunctionRegistry::retrieval(retrieval));
        let mut registry = FunctionRegistry::from_specs(specs);
        for (i, tool) in tools.iter().enumerate() {
            if registry.by_name.contains_key(tool.name.as_str()) {
                return Err(format!("tool name {:?} is already a function name", tool.name));
            }
            registry.by_name.insert(SmolStr::new(&tool.name), registry.specs.len());
            registry.specs.push(FunctionSpec {
                name: SmolStr::new(&tool.name),
                aliases: Vec::new(),
                signature: tool.params().cloned(),
                returns: "object",
                doc: None,
                compact: false,
                item_signature: None,
                form: Form::Call(Service::Tool(i)),
            });
        }
        Ok(registry)
    }

    /// What a sandbox worker needs to install this registry: the declared
    /// functions' names (its binary has the same declarations) and the
    /// tools' names (their calls come back to be served here).
    pub fn worker_manifest(&self) -> (Vec<String>, Vec<String>) {
        let (tools, declared): (Vec<&FunctionSpec>, Vec<&FunctionSpec>) =
            self.specs.iter().partition(|s| matches!(s.form, Form::Call(Service::Tool(_))));
        let names = |specs: Vec<&FunctionSpec>| specs.iter().map(|s| s.name.to_string()).collect();
        (names(declared), names(tools))
    }

    /// The registry a sandbox worker installs from a [`Self::worker_manifest`]:
    /// the standard and retrieval functions named, and each tool as a call
    /// served by the parent.
    pub fn for_worker(declared: &[String], tools: &[String]) -> FunctionRegistry {
        let flavor = if declared.iter().any(|n| n == "ctx") { Flavor::Pyrlm } else { Flavor::Rlm };
        let mut specs = FunctionRegistry::standard_for(flavor).specs;
        specs.extend(FunctionRegistry::retrieval_specs(true, true));
        specs.retain(|s| declared.iter().any(|n| n == s.name.as_str()));
        for (i, name) in tools.iter().enumerate() {
            specs.push(FunctionSpec {
                name: SmolStr::new(name),
                aliases: Vec::new(),
                signature: None,
                returns: "object",
                doc: None,
                compact: false,
                item_signature: None,
                form: Form::Call(Service::Tool(i)),
            });
        }
        FunctionRegistry::from_specs(specs)
    }

    fn from_specs(specs: Vec<FunctionSpec>) -> FunctionRegistry {
        let mut by_name = HashMap::new();
        for (i, s) in specs.iter().enumerate() {
            by_name.insert(s.name.clone(), i);
            for a in &s.aliases {
                by_name.insert(a.clone(), i);
            }
        }
        FunctionRegistry { specs, by_name }
    }

    /// Every declared function.
    pub fn specs(&self) -> &[FunctionSpec] {
        &self.specs
    }

    /// The function a program calls by `name` (or an alias).
    pub fn get(&self, name: &str) -> Option<&FunctionSpec> {
        self.by_name.get(name).map(|&i| &self.specs[i])
    }

    /// The system prompt's list: one line per documented function.
    pub fn prompt_lines(&self) -> String {
        self.lines(false)
    }

    /// The compact prompt's list: the documented functions marked compact.
    pub fn compact_prompt_lines(&self) -> String {
        self.lines(true)
    }

    fn lines(&self, compact_only: bool) -> String {
        let mut out = String::new();
        for s in self.specs.iter().filter(|s| s.compact || !compact_only) {
            if let Some(doc) = s.doc {
                use std::fmt::Write;
                out.push_str("- `");
                s.write_call_form(&mut out);
                let _ = writeln!(out, "` -> {}: {}", s.returns, doc);
            }
        }
        out
    }

    /// Registers every function into `session`; inline ones work on `context`.
    pub fn install(&self, session: &mut Interpreter, context: &Context) {
        for spec in &self.specs {
            let f = match spec.form {
                Form::Call(Service::Inline(f)) => {
                    let context = context.clone();
                    let name = spec.name.clone();
                    let signature = spec.signature.clone().unwrap_or_default();
                    HostFunc::InlineMetered(Rc::new(move |args, kwargs, fuel| {
                        let bound = signature.bind(&name, args, kwargs)?;
                        f(&context, &bound, fuel).map(HostReturn::Value)
                    }))
                }
                Form::Call(Service::Retrieval(op)) => retrieval_entry(spec, op),
                Form::Normalized { pre, .. } => normalized_entry(spec, pre, context),
                Form::PyrlmCtx => {
                    pyrlm::bind_pyrlm_ctx(session, context);
                    continue;
                }
                Form::Call(_) => HostFunc::Suspend { call: spec.name.clone() },
                Form::AsyncOf(call) => HostFunc::Async { call: SmolStr::new_static(call) },
                Form::BatchOf { call, awaitable } => {
                    HostFunc::Batch { call: SmolStr::new_static(call), awaitable }
                }
                Form::Batch { awaitable, .. } => {
                    HostFunc::Batch { call: spec.name.clone(), awaitable }
                }
            };
            for name in std::iter::once(&spec.name).chain(&spec.aliases) {
                session.register(name, f.clone());
            }
        }
    }

    /// Binds a host call to the signature of the function it calls.
    pub fn bind(&self, call: &HostCall) -> Result<BoundCall, HostError> {
        let Some(spec) = self.get(&call.name) else {
            return Err(HostError::new(format!("no host function '{}' here", call.name)));
        };
        let (service, signature) = match spec.form {
            Form::Call(service) | Form::Normalized { service, .. } => (service, &spec.signature),
            Form::Batch { item, .. } => (item, &spec.item_signature),
            _ => return Err(HostError::new(format!("'{}' is not served by itself", call.name))),
        };
        let args = match signature {
            Some(signature) => signature.bind(&spec.name, &call.args, &call.kwargs)?,
            None if !call.kwargs.is_empty() => {
                return Err(HostError::typed(
                    ExcKind::TypeError,
                    format!("{}() takes positional arguments only", spec.name),
                ));
            }
            None => call.args.clone(),
        };
        if matches!(service, Service::BatchSubcall) {
            check_on_error(&spec.name, args.get(3))?;
        }
        Ok(BoundCall { service, args })
    }
}

/// `on_error` must be one of the two words (a bad one fails the whole batch
/// before anything is sent, as a bad argument does).
fn check_on_error(name: &str, value: Option<&Value>) -> Result<(), HostError> {
    match value {
        Some(Value::Str(s)) if [ON_ERROR_VALUE, ON_ERROR_RAISE].contains(&s.as_str()) => Ok(()),
        other => Err(HostError::typed(
            ExcKind::ValueError,
            format!(
                "{name}() argument 'on_error' must be {ON_ERROR_VALUE:?} or {ON_ERROR_RAISE:?}, not {}",
                other.map_or_else(|| "None".to_string(), |v| format!("{v:?}"))
            ),
        )),
    }
}

/// A retrieval function as the interpreter runs it: its arguments are bound
/// and checked and its fuel charged here, before anything reaches the host;
/// then the program suspends with the bound call.
fn retrieval_entry(spec: &FunctionSpec, op: RetrievalOp) -> HostFunc {
    let name = spec.name.clone();
    let signature = spec.signature.clone().unwrap_or_default();
    HostFunc::InlineMetered(Rc::new(move |args, kwargs, fuel| {
        let bound = signature.bind(&name, args, kwargs)?;
        let hits = match op {
            RetrievalOp::Get => 1,
            RetrievalOp::Search | RetrievalOp::Backend(_) => check_k(&name, bound.get(1))? as u64,
        };
        if op == RetrievalOp::Search {
            check_mode(&name, bound.get(2))?;
        }
        fuel(FUEL_PER_RETRIEVAL + hits * FUEL_PER_HIT)
            .map_err(|e| HostError::new(e.to_string()))?;
        Ok(HostReturn::Suspend { name: name.clone(), args: bound, kwargs: Vec::new() })
    }))
}

/// A function whose arguments are bound and normalized by `pre` in the
/// interpreter (charging its work), then sent to the host as one call.
fn normalized_entry(spec: &FunctionSpec, pre: NormalizeFn, context: &Context) -> HostFunc {
    let name = spec.name.clone();
    let signature = spec.signature.clone().unwrap_or_default();
    let context = context.clone();
    HostFunc::InlineMetered(Rc::new(move |args, kwargs, fuel| {
        let bound = signature.bind(&name, args, kwargs)?;
        let args = pre(&context, &bound, fuel)?;
        Ok(HostReturn::Suspend { name: name.clone(), args, kwargs: Vec::new() })
    }))
}

#[cfg(test)]
mod tests;
