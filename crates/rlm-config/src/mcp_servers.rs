//! `mcp_servers`: the MCP servers whose tools a program may call (issue #82).
//! In `rlm.toml` one table per server, `[mcp_servers.NAME]`; as a flag or an
//! `RLM_MCP_SERVERS` variable the same tables as one JSON object. Each server
//! is started over stdio (`command`, `args`, `env`) or reached over streamable
//! HTTP (`url`, `headers`, `bearer_token_env`: the *name* of the variable
//! holding the token, so no secret is ever written in the file), and lists
//! the tools that become functions (`tools`: an allow-list; the rest of the
//! server's tools stay out of reach).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How long one tool call may take when the server's table does not say.
pub const DEFAULT_MCP_TIMEOUT_SECS: f64 = 30.0;

/// One MCP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpServer {
    /// Its name in `rlm.toml` (`[mcp_servers.NAME]`), in errors and traces.
    pub name: String,
    pub transport: McpTransport,
    /// The tools that become functions of the program, by their names on the
    /// server (each a Python identifier: the name the program calls).
    pub tools: Vec<String>,
    /// How long one call may take, in seconds.
    pub timeout_secs: f64,
}

/// How the server is reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum McpTransport {
    /// A child process speaking MCP on its stdin and stdout.
    Stdio {
        command: String,
        args: Vec<String>,
        /// Variables set for the child (on top of this process's environment).
        env: BTreeMap<String, String>,
    },
    /// A streamable-HTTP endpoint.
    Http {
        url: String,
        /// Headers sent with every request (no secrets: see `bearer_token_env`).
        headers: BTreeMap<String, String>,
        /// The environment variable holding a bearer token, if the server wants one.
        bearer_token_env: Option<String>,
    },
}

/// A server's table as written: every key optional, unknown keys refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    bearer_token_env: Option<String>,
    #[serde(default)]
    tools: Vec<String>,
    timeout_secs: Option<f64>,
}

/// The servers a JSON object of server tables names (the knob's text form);
/// the error says which server and key is wrong, and how to write it.
pub fn parse_mcp_servers(text: &str) -> Result<Vec<McpServer>, String> {
    let tables: BTreeMap<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| format!("a JSON object of server tables ({e}): {}", EXAMPLE))?;
    tables.into_iter().map(|(name, table)| server(name, table)).collect()
}

const EXAMPLE: &str = "e.g. {\"weather\": {\"command\": \"python\", \"args\": [\"weather.py\"], \
                       \"tools\": [\"forecast\"]}}, or in rlm.toml [mcp_servers.weather] with \
                       command, args and tools";

fn server(name: String, table: serde_json::Value) -> Result<McpServer, String> {
    if !is_identifier(&name) && !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(format!(
            "the server name {name:?} is not a plain name (letters, digits, - and _)"
        ));
    }
    let w: Written = serde_json::from_value(table)
        .map_err(|e| format!("mcp_servers.{name}: {e} (keys: command, args, env, url, headers, bearer_token_env, tools, timeout_secs)"))?;
    let transport = match (w.command, w.url) {
        (Some(command), None) if !command.trim().is_empty() => {
            if !w.headers.is_empty() || w.bearer_token_env.is_some() {
                return Err(format!(
                    "mcp_servers.{name}: headers and bearer_token_env are for a server reached by url"
                ));
            }
            McpTransport::Stdio { command, args: w.args, env: w.env }
        }
        (None, Some(url)) if url.starts_with("http://") || url.starts_with("https://") => {
            if !w.args.is_empty() || !w.env.is_empty() {
                return Err(format!(
                    "mcp_servers.{name}: args and env are for a server started by command"
                ));
            }
            McpTransport::Http { url, headers: w.headers, bearer_token_env: w.bearer_token_env }
        }
        (None, Some(url)) => {
            return Err(format!(
                "mcp_servers.{name}: url {url:?} is not an http:// or https:// URL"
            ));
        }
        _ => {
            return Err(format!(
                "mcp_servers.{name}: set one of `command` (a server started over stdio) or `url` (streamable HTTP)"
            ));
        }
    };
    if w.tools.is_empty() {
        return Err(format!(
            "mcp_servers.{name}: `tools` lists no tool; name the tools programs may call (an allow-list)"
        ));
    }
    for tool in &w.tools {
        if !is_identifier(tool) || tool.starts_with("__") {
            return Err(format!(
                "mcp_servers.{name}: the tool {tool:?} is not a Python identifier, so no program could call it"
            ));
        }
    }
    let timeout_secs = w.timeout_secs.unwrap_or(DEFAULT_MCP_TIMEOUT_SECS);
    if !(timeout_secs.is_finite() && timeout_secs > 0.0 && timeout_secs <= 86_400.0) {
        return Err(format!(
            "mcp_servers.{name}: timeout_secs must be a number of seconds from 0 to 86400"
        ));
    }
    Ok(McpServer { name, transport, tools: w.tools, timeout_secs })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The servers as the knob's text form (a JSON object of server tables):
/// what `rlm config` prints, and parses back to the same servers.
pub fn mcp_servers_text(servers: &[McpServer]) -> String {
    mcp_servers_json(servers).to_string()
}

/// The servers as a JSON object of server tables.
pub fn mcp_servers_json(servers: &[McpServer]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for s in servers {
        let mut table = serde_json::Map::new();
        match &s.transport {
            McpTransport::Stdio { command, args, env } => {
                table.insert("command".into(), command.as_str().into());
                table.insert("args".into(), serde_json::json!(args));
                if !env.is_empty() {
                    table.insert("env".into(), serde_json::json!(env));
                }
            }
            McpTransport::Http { url, headers, bearer_token_env } => {
                table.insert("url".into(), url.as_str().into());
                if !headers.is_empty() {
                    table.insert("headers".into(), serde_json::json!(headers));
                }
                if let Some(v) = bearer_token_env {
                    table.insert("bearer_token_env".into(), v.as_str().into());
                }
            }
        }
        table.insert("tools".into(), serde_json::json!(s.tools));
        table.insert("timeout_secs".into(), s.timeout_secs.into());
        out.insert(s.name.clone(), table.into());
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse_and_print_back() {
        let text = r#"{"weather": {"command": "python", "args": ["w.py"], "tools": ["forecast"]},
                       "docs": {"url": "http://127.0.0.1:9/mcp", "bearer_token_env": "DOCS_TOKEN",
                                "tools": ["search"], "timeout_secs": 5}}"#;
        let servers = parse_mcp_servers(text).unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1].name, "weather");
        assert_eq!(servers[1].timeout_secs, DEFAULT_MCP_TIMEOUT_SECS);
        assert!(
            matches!(&servers[0].transport, McpTransport::Http { bearer_token_env: Some(v), .. } if v == "DOCS_TOKEN")
        );
        assert_eq!(parse_mcp_servers(&mcp_servers_text(&servers)).unwrap(), servers);
        assert_eq!(parse_mcp_servers("{}").unwrap(), vec![]);
    }

    #[test]
    fn bad_tables_say_what_is_wrong() {
        let err = |t: &str| parse_mcp_servers(t).unwrap_err();
        assert!(err(r#"{"w": {"tools": ["a"]}}"#).contains("set one of `command`"));
        assert!(
            err(r#"{"w": {"command": "x", "url": "http://a", "tools": ["a"]}}"#)
                .contains("set one of")
        );
        assert!(err(r#"{"w": {"command": "x"}}"#).contains("lists no tool"));
        assert!(
            err(r#"{"w": {"command": "x", "tools": ["get-it"]}}"#)
                .contains("not a Python identifier")
        );
        assert!(
            err(r#"{"w": {"command": "x", "tools": ["a"], "token": "s"}}"#)
                .contains("unknown field `token`")
        );
        assert!(err(r#"{"w": {"url": "ftp://a", "tools": ["a"]}}"#).contains("not an http://"));
        assert!(
            err(r#"{"w": {"command": "x", "tools": ["a"], "timeout_secs": 0}}"#)
                .contains("timeout_secs")
        );
        assert!(err("[1]").contains("a JSON object of server tables"));
    }
}
