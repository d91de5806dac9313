//! MCP servers' tools as functions of RLM programs (issue #82): the servers
//! `mcp_servers` lists (rlm-config) are connected once, when the engine's
//! parts are made, and held for their life; each tool of a server's
//! allow-list becomes an rlm-functions [`Tool::declared`] whose signature is
//! its input schema's ([`schema`]), so a call binds by CPython's rules in
//! the sandbox before one `tools/call` goes out ([`call`]).
//!
//! The connections live on a runtime of their own ([`runtime`]): whichever
//! runtime a front end drives its runs on, a call is the same task on the
//! same connection. A server that is missing an allowed tool, does not
//! start, or does not answer is a start-up error naming it; a call's failure
//! (the server's error, a timeout, a server that has exited) raises in the
//! program.

mod call;
mod connect;
mod error;
mod runtime;
pub mod schema;

use std::sync::Arc;

use futures::future::join_all;
use rlm_config::{McpServer, McpTransport};
use rlm_functions::Tool;

pub use call::MAX_RESULT_BYTES;
pub use connect::MAX_MESSAGE_BYTES;
pub use error::McpToolsError;

use crate::call::CallSpec;
use crate::connect::{Connection, Reach};
use crate::runtime::{AbortOnDrop, ClientRuntime};

/// Most characters of a tool's description the prompt shows (one line).
const DESCRIPTION_CHARS: usize = 300;

/// Connects every server of `servers` (at once) and returns their allowed
/// tools as the program's functions. `env` reads the variables a server's
/// `bearer_token_env` names. Blocks the calling thread until every server
/// answered or failed (each within its timeout).
pub fn connect_tools(
    servers: &[McpServer],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Tool>, McpToolsError> {
    if servers.is_empty() {
        return Ok(Vec::new());
    }
    let mut reaches = Vec::with_capacity(servers.len());
    for server in servers {
        reaches.push(Reach { server: server.clone(), bearer: bearer_of(server, &env)? });
    }
    let runtime = ClientRuntime::new()?;
    let opened = runtime.wait_for(join_all(reaches.into_iter().map(Connection::open)))?;
    let mut tools: Vec<Tool> = Vec::new();
    for (server, opened) in servers.iter().zip(opened) {
        let (connection, offered) = opened?;
        let connection = Arc::new(connection.held_on(&runtime));
        for name in &server.tools {
            let tool = offered
                .iter()
                .find(|t| t.name == *name)
                .ok_or_else(|| missing_tool(server, name, &offered))?;
            if let Some(first) = tools.iter().find(|t| t.name == *name) {
                return Err(McpToolsError::Duplicate {
                    tool: name.clone(),
                    first: first.server().unwrap_or_default().to_string(),
                    second: server.name.clone(),
                });
            }
            tools.push(program_tool(&runtime, &connection, tool)?);
        }
    }
    Ok(tools)
}

/// The token `server`'s `bearer_token_env` names; unset is an error (a
/// server that wants a token would refuse every call).
fn bearer_of(
    server: &McpServer,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, McpToolsError> {
    let McpTransport::Http { bearer_token_env: Some(var), .. } = &server.transport else {
        return Ok(None);
    };
    match env(var) {
        Some(token) if !token.is_empty() => Ok(Some(token)),
        _ => Err(McpToolsError::Connect {
            server: server.name.clone(),
            message: format!("bearer_token_env names {var}, which is not set"),
        }),
    }
}

/// The error of an allowed tool the server lacks: what it has, and the
/// nearest name.
fn missing_tool(server: &McpServer, name: &str, offered: &[rmcp::model::Tool]) -> McpToolsError {
    let names: Vec<&str> = offered.iter().map(|t| t.name.as_ref()).collect();
    let near = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| format!(" (did you mean '{n}'?)"))
        .unwrap_or_default();
    McpToolsError::MissingTool {
        server: server.name.clone(),
        missing: format!("'{name}'{near}"),
        offered: if names.is_empty() { "no tools".into() } else { names.join(", ") },
    }
}

/// One allowed tool as a function of the program.
fn program_tool(
    runtime: &Arc<ClientRuntime>,
    connection: &Arc<Connection>,
    tool: &rmcp::model::Tool,
) -> Result<Tool, McpToolsError> {
    let output = tool.output_schema.as_deref();
    let shape = schema::tool_shape(&tool.input_schema, output).map_err(|message| {
        McpToolsError::Schema {
            server: connection.server.clone(),
            tool: tool.name.to_string(),
            message,
        }
    })?;
    let spec = Arc::new(CallSpec {
        tool: tool.name.to_string(),
        fields: shape.fields,
        wrapped_result: shape.wrapped_result,
    });
    let description = one_line(tool.description.as_deref().unwrap_or("(no description)"));
    let (runtime, connection) = (Arc::clone(runtime), Arc::clone(connection));
    let server = connection.server.clone();
    let declared = Tool::declared(
        &spec.tool.clone(),
        shape.params,
        &shape.returns,
        &description,
        move |args| {
            // The call holds its connection, and the connection the runtime.
            let task = runtime.handle().map(|h| {
                AbortOnDrop(h.spawn(call::call(Arc::clone(&connection), Arc::clone(&spec), args)))
            });
            async move {
                match task {
                    Some(mut task) => (&mut task.0)
                        .await
                        .unwrap_or_else(|e| Err(format!("the MCP call stopped: {e}"))),
                    None => Err("the MCP client has shut down".to_string()),
                }
            }
        },
    );
    Ok(declared.on_server(&server))
}

/// A description on one line, cut to [`DESCRIPTION_CHARS`].
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(DESCRIPTION_CHARS) {
        Some((at, _)) => format!("{}...", &joined[..at]),
        None => joined,
    }
}
