//! What can go wrong when the MCP servers are connected at start-up (a call's
//! failure is not an error of the engine: it raises in the program).

/// Connecting the configured servers failed; each names its server.
#[derive(Debug, thiserror::Error)]
pub enum McpToolsError {
    /// The server could not be started or reached, or did not answer
    /// `initialize` and `tools/list`.
    #[error("mcp server '{server}': {message}")]
    Connect { server: String, message: String },
    /// The allow-list names a tool the server does not have.
    #[error("mcp server '{server}' has no tool {missing}; it has: {offered}")]
    MissingTool { server: String, missing: String, offered: String },
    /// A tool's schema cannot be called from a program.
    #[error("mcp server '{server}' tool '{tool}': {message}")]
    Schema { server: String, tool: String, message: String },
    /// Two servers allow a tool of the same name.
    #[error(
        "the tool '{tool}' is allowed on two mcp servers, '{first}' and '{second}': a program calls it by name, so allow it on one"
    )]
    Duplicate { tool: String, first: String, second: String },
    /// The client's own runtime could not be made.
    #[error("the MCP client's runtime: {0}")]
    Runtime(String),
}
