//! Tools: typed Rust functions the embedder registers, callable from the
//! program by name, listed with their signatures in the root prompt.
//!
//! A tool runs on the loop's async side (it may do I/O); the program sees an
//! ordinary call that returns a value or raises `RuntimeError` with the
//! tool's message. Arguments cross as JSON, so a tool never sees interpreter
//! internals. A tool made by [`Tool::declared`] has a typed signature in the
//! function registry: its calls bind by the registry's one rule (keywords,
//! defaults, CPython's `TypeError`s) before it runs; other tools take
//! positional arguments only.

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_interp::Signature;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// What a tool returns: a JSON value, or an error message the program sees.
pub type ToolResult = Result<Json, String>;

type ToolFn = dyn Fn(Vec<Json>) -> BoxFuture<'static, ToolResult> + Send + Sync;

/// A function the program may call.
#[derive(Clone)]
pub struct Tool {
    /// The name the program calls (a Python identifier).
    pub name: String,
    /// Shown in the prompt, e.g. `weather(city: str) -> str`.
    pub signature: String,
    /// One line: what it does.
    pub description: String,
    /// The declared parameters, when the tool has them ([`Tool::declared`]).
    params: Option<Signature>,
    /// The MCP server the tool calls, when it is one of an MCP server's
    /// (rlm-mcp-tools): traces name it.
    server: Option<String>,
    func: Arc<ToolFn>,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool").field("signature", &self.signature).finish_non_exhaustive()
    }
}

impl Tool {
    /// An async tool over raw JSON arguments.
    pub fn new_async<F, Fut>(name: &str, signature: &str, description: &str, f: F) -> Tool
    where
        F: Fn(Vec<Json>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ToolResult> + Send + 'static,
    {
        Tool {
            name: name.to_string(),
            signature: signature.to_string(),
            description: description.to_string(),
            params: None,
            server: None,
            func: Arc::new(move |args| Box::pin(f(args))),
        }
    }

    /// An async tool with declared parameters. A call binds to `params` as a
    /// Python `def` would (positional or keyword, defaults filled in, with
    /// CPython's `TypeError`s and a type check per parameter) before anything
    /// runs; the tool gets one JSON value per parameter, in order. The prompt
    /// lists it as `name(query: str, k: int = 10) -> returns`.
    pub fn declared<F, Fut>(
        name: &str,
        params: Signature,
        returns: &str,
        description: &str,
        f: F,
    ) -> Tool
    where
        F: Fn(Vec<Json>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ToolResult> + Send + 'static,
    {
        let shown = format!("{} -> {returns}", params.render(name));
        Tool { params: Some(params), ..Tool::new_async(name, &shown, description, f) }
    }

    /// The declared parameters, if any.
    pub fn params(&self) -> Option<&Signature> {
        self.params.as_ref()
    }

    /// The tool as one of the MCP server `server`'s.
    pub fn on_server(self, server: &str) -> Tool {
        Tool { server: Some(server.to_string()), ..self }
    }

    /// The MCP server the tool calls, if it is one of a server's.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// A synchronous tool with typed arguments: `A` is deserialized from the
    /// JSON array of positional arguments (use a tuple, e.g. `(String, i64)`),
    /// `R` is serialized back. A type mismatch is a `TypeError`-like message
    /// naming the signature.
    pub fn typed<A, R, F>(name: &str, signature: &str, description: &str, f: F) -> Tool
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> Result<R, String> + Send + Sync + 'static,
    {
        let sig = signature.to_string();
        let f = Arc::new(f);
        Tool::new_async(name, signature, description, move |args: Vec<Json>| {
            let result = match serde_json::from_value::<A>(Json::Array(args)) {
                Ok(a) => f(a).and_then(|r| {
                    serde_json::to_value(r).map_err(|e| format!("tool result is not JSON: {e}"))
                }),
                Err(e) => Err(format!("bad arguments for {sig}: {e}")),
            };
            std::future::ready(result)
        })
    }

    /// Calls the tool.
    pub fn call(&self, args: Vec<Json>) -> BoxFuture<'static, ToolResult> {
        (self.func)(args)
    }

    /// Whether `name` can be bound in the program (an identifier, not a dunder name).
    pub fn valid_name(name: &str) -> bool {
        rlm_syntax::is_identifier(name) && !name.starts_with("__")
    }
}

/// The prompt lines listing tools (empty when there are none).
pub fn render_tool_list(tools: &[Tool]) -> String {
    if tools.is_empty() {
        return String::new();
    }
    let mut out = String::from("- Tools (call them like functions):\n");
    for t in tools {
        out.push_str(&format!("  - `{}`: {}\n", t.signature, t.description));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_tools_check_their_arguments() {
        let add =
            Tool::typed(
                "add",
                "add(a: int, b: int) -> int",
                "adds",
                |(a, b): (i64, i64)| Ok(a + b),
            );
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(rt.block_on(add.call(vec![2.into(), 3.into()])), Ok(Json::from(5)));
        let e = rt.block_on(add.call(vec!["x".into()])).unwrap_err();
        assert!(e.contains("add(a: int, b: int)"), "{e}");
        assert!(Tool::valid_name("add") && !Tool::valid_name("__x") && !Tool::valid_name("1a"));
        assert!(render_tool_list(&[add]).contains("`add(a: int, b: int) -> int`: adds"));
    }

    #[test]
    fn declared_tools_show_their_signature() {
        use rlm_interp::{DefaultValue, ParamType, SignatureParam};
        let params = Signature::new(vec![
            SignatureParam::required("query", ParamType::Str),
            SignatureParam::optional("k", ParamType::Int, DefaultValue::Int(10)),
        ]);
        let search = Tool::declared("search", params.clone(), "list of dict", "searches", |_| {
            std::future::ready(Ok(Json::Null))
        });
        assert_eq!(search.params(), Some(&params));
        assert!(
            render_tool_list(&[search])
                .contains("`search(query: str, k: int = 10) -> list of dict`: searches")
        );
    }
}
