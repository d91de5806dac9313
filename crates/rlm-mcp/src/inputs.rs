//! The tools' inputs: one struct per tool, deserialised by rmcp and described
//! to clients by the JSON schema schemars derives from the doc comments.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// A count given as a number or as a string of digits; any other string is
/// a clear error.
fn count_or_numeric_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Number(usize),
        Text(String),
    }
    match Option::<Given>::deserialize(d)? {
        None => Ok(None),
        Some(Given::Number(n)) => Ok(Some(n)),
        Some(Given::Text(t)) => {
            t.trim().parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!("expected a whole number, not {t:?}"))
            })
        }
    }
}

/// `rlm_ask`: a question over files, folders or text.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AskInput {
    /// The question to answer.
    pub question: String,
    /// Files, folders or glob patterns on the server's machine to load as the
    /// context (one document per file).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Text to use as (part of) the context, one more document.
    #[serde(default)]
    pub text: Option<String>,
    /// A JSON Schema the answer must match (an object): the model sees it,
    /// every FINAL is checked against it, and the answer is JSON text. No
    /// matching answer within the budget ends `schema_failed` (an error result).
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
}

/// `rlm_exec`: a DSL program (the safe Python subset) over a context.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExecInput {
    /// The program. `context` (the text), `ctx` (documents, search, chunks)
    /// and the sub-model functions (`llm_query`, `llm_batch`, ...) are bound.
    pub program: String,
    /// Files, folders or glob patterns to bind as the context.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Text to bind as (part of) the context, one more document.
    #[serde(default)]
    pub text: Option<String>,
}

/// `rlm_search`: retrieval over a file or folder, with the index `rlm index`
/// keeps beside it (built on first use, reused while the files are unchanged).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchInput {
    /// The file or folder to search.
    pub path: String,
    /// What to look for (BM25 over the folder's chunks).
    pub query: String,
    /// How many hits (1 to 50; default 5). A numeric string (`"2"`, as the
    /// MCP Inspector sends) is read as its number.
    #[serde(default, deserialize_with = "count_or_numeric_string")]
    #[schemars(with = "Option<usize>")]
    pub k: Option<usize>,
}

/// `rlm_session_create`: a session over a context, for several questions
/// that share `memory` and history.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SessionCreateInput {
    /// A label shown in the session list.
    #[serde(default)]
    pub name: Option<String>,
    /// Files, folders or glob patterns to load as the session's context.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Text to use as (part of) the context, one more document.
    #[serde(default)]
    pub text: Option<String>,
    /// A JSON Schema every answer of the session must match (an object): the model sees it,
    /// every FINAL is checked against it, and the answer is JSON text. No
    /// matching answer within the budget ends `schema_failed` (an error result).
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
}

/// `rlm_session_ask`: a question in a session made by `rlm_session_create`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SessionAskInput {
    /// The id `rlm_session_create` returned.
    pub session_id: String,
    /// The question to answer over the session's context.
    pub question: String,
}

/// `rlm_session_list`: no arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SessionListInput {}

/// `rlm_session_close`: a session made by `rlm_session_create`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SessionCloseInput {
    /// The id `rlm_session_create` returned.
    pub session_id: String,
}
