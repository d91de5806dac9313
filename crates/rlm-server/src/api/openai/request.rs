//! The chat-completions request as this endpoint reads it, and the rule that
//! turns its messages into an RLM's question and context:
//!
//! * The **question** is the last `user` message's short text, preceded by
//!   the short `system`/`developer` messages (the caller's instructions).
//! * The **context** is every long text: a message's text (or one of its
//!   `text` parts) of more than [`CONTEXT_THRESHOLD_CHARS`] characters, or a
//!   `text` part marked `"rlm_context": true` whatever its length, in message
//!   order, separated by blank lines. Earlier short `user`/`assistant` turns
//!   follow it as a transcript, so the conversation is not lost.
//! * With `model: "rlm:session/<id>"` the session's stored context is used:
//!   a long text in the messages is refused then (store it in the session).
//! * A last user message with no short text (only documents, or blank) asks
//!   what the instructions ask; with no instructions either, the question is
//!   `prompts/chat_question.md` (answer the conversation's request).
//!
//! Unsupported requests are refused, not ignored: `n` other than 1, `tools`,
//! `functions`, and content parts other than text (images, audio, files).
//!
//! `response_format` (issue #57) is honoured: `json_schema` makes its
//! `schema` the execution's output schema (every FINAL is checked against
//! it, `strict` or not), `json_object` the schema `{"type": "object"}`, and
//! `text` none; the answer's content is then the JSON text. Another type is
//! refused.
//! Sampling settings (`temperature`, `max_tokens`...) are accepted and not
//! used: the RLM's budgets bound a run.

use serde::Deserialize;
use utoipa::ToSchema;

use super::error::OpenAiError;

/// The question of a chat whose last user message and instructions hold no short text.
pub const DEFAULT_QUESTION: &str = include_str!("../../../prompts/chat_question.md");

/// A message text longer than this (in characters) is context, not question.
pub const CONTEXT_THRESHOLD_CHARS: usize = 2_000;

/// `POST /v1/chat/completions`'s body (fields this endpoint reads; others,
/// such as the sampling settings, are accepted and not used). At least one
/// message is a `user` message.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatRequest {
    /// `rlm`, `rlm:<provider>:<model>` or `rlm:session/<id>` (`GET /v1/models`).
    pub model: String,
    pub messages: Vec<OpenAiMessage>,
    #[serde(default)]
    pub stream: Option<bool>,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// 1 (an RLM gives one answer).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1)]
    pub n: Option<u32>,
    /// Not supported: null or absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub tools: Option<serde_json::Value>,
    /// Not supported: null or absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub functions: Option<serde_json::Value>,
    /// `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`,
    /// `{"type": "json_object"}` or `{"type": "text"}`.
    #[serde(default)]
    pub response_format: Option<ResponseFormat>,
    /// An rlm extension (OpenAI clients send it in `extra_body`): record
    /// the execution's model exchanges, as `/api/execute`'s `record`.
    #[serde(default)]
    pub record: Option<bool>,
    /// An rlm extension (`extra_body`): answer the model calls from this
    /// recording, as `/api/execute`'s `replay`.
    #[serde(default)]
    pub replay: Option<crate::recordings::InlineReplay>,
}

/// What the answer must be (OpenAI's `response_format`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResponseFormat {
    /// `json_schema`, `json_object` or `text`.
    #[serde(rename = "type")]
    pub kind: String,
    /// With `json_schema`: the schema and its name.
    #[serde(default)]
    pub json_schema: Option<JsonSchemaFormat>,
}

/// `response_format.json_schema`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // `name`, `description`, `strict`: read for the OpenAPI document, not used
pub struct JsonSchemaFormat {
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The JSON Schema the answer must match (absent: any JSON).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub schema: Option<serde_json::Value>,
    /// Accepted: every answer is checked against the schema either way.
    #[serde(default)]
    pub strict: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StreamOptions {
    /// A last chunk with the usage.
    #[serde(default)]
    pub include_usage: Option<bool>,
}

/// The role of a message (others are refused).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only: the role is read as text
pub enum MessageRole {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenAiMessage {
    #[schema(value_type = MessageRole)]
    pub role: String,
    #[serde(default)]
    pub content: Option<MessageContent>,
}

/// A message's content: a string, or a list of parts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

/// The kind of a content part (text only).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only: the kind is read as text
pub enum PartKind {
    Text,
}

/// A content part: text only.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContentPart {
    #[serde(rename = "type")]
    #[schema(value_type = PartKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub text: Option<String>,
    /// Marks a text part as the document (context) whatever its length.
    #[serde(default)]
    pub rlm_context: bool,
}

/// What the messages ask.
#[derive(Debug, PartialEq, Eq)]
pub struct Asked {
    pub question: String,
    /// `None`: no long text and no earlier turns.
    pub context: Option<String>,
}

impl ChatRequest {
    /// Refuses what this endpoint does not do.
    pub fn check_supported(&self) -> Result<(), OpenAiError> {
        if let Some(n) = self.n.filter(|&n| n != 1) {
            return Err(OpenAiError::invalid("n", format!("n={n}: an RLM gives one answer (n=1)")));
        }
        if self.tools.as_ref().is_some_and(|t| !t.is_null()) {
            return Err(OpenAiError::invalid(
                "tools",
                "tools are not supported by the RLM endpoint",
            ));
        }
        if self.functions.as_ref().is_some_and(|t| !t.is_null()) {
            return Err(OpenAiError::invalid(
                "functions",
                "functions are not supported by the RLM endpoint",
            ));
        }
        Ok(())
    }

    /// The output schema `response_format` asks for (`None`: free text);
    /// a schema that does not compile, or an unknown type, is refused.
    pub fn output_schema(&self) -> Result<Option<serde_json::Value>, OpenAiError> {
        let Some(format) = &self.response_format else { return Ok(None) };
        let schema = match format.kind.as_str() {
            "text" => return Ok(None),
            "json_object" => serde_json::json!({"type": "object"}),
            "json_schema" => match &format.json_schema {
                Some(JsonSchemaFormat { schema: Some(s), .. }) => {
                    // Its size first: a schema past the bound is never copied.
                    rlm_core::OutputSchema::check_size(s, "of response_format")
                        .map_err(|e| OpenAiError::invalid("response_format", e.to_string()))?;
                    s.clone()
                }
                Some(_) => serde_json::Value::Bool(true),
                None => {
                    return Err(OpenAiError::invalid(
                        "response_format",
                        "response_format of type json_schema needs `json_schema`",
                    ));
                }
            },
            other => {
                return Err(OpenAiError::invalid(
                    "response_format",
                    format!(
                        "response_format type {other:?} is not supported (json_schema, json_object or text)"
                    ),
                ));
            }
        };
        rlm_core::OutputSchema::new(schema.clone(), "of response_format")
            .map_err(|e| OpenAiError::invalid("response_format", e.to_string()))?;
        Ok(Some(schema))
    }

    pub fn streams(&self) -> bool {
        self.stream.unwrap_or(false)
    }

    pub fn include_usage(&self) -> bool {
        self.stream_options.as_ref().and_then(|o| o.include_usage).unwrap_or(false)
    }
}

/// One text of a message, and whether it is context.
struct Piece<'a> {
    text: &'a str,
    is_context: bool,
}

fn pieces(message: &OpenAiMessage) -> Result<Vec<Piece<'_>>, OpenAiError> {
    let long = |t: &str| t.chars().nth(CONTEXT_THRESHOLD_CHARS).is_some();
    match &message.content {
        None => Ok(Vec::new()),
        Some(MessageContent::Text(t)) => Ok(vec![Piece { text: t, is_context: long(t) }]),
        Some(MessageContent::Parts(parts)) => parts
            .iter()
            .map(|p| match (p.kind.as_str(), &p.text) {
                ("text", Some(t)) => Ok(Piece { text: t, is_context: p.rlm_context || long(t) }),
                ("text", None) => {
                    Err(OpenAiError::invalid("messages", "a text part has no `text`"))
                }
                (other, _) => Err(OpenAiError::invalid(
                    "messages",
                    format!("content parts of type {other:?} are not supported (text only)"),
                )),
            })
            .collect(),
    }
}

/// Applies the module's rule. `session`: the context is stored, so long
/// texts are refused.
pub fn split_messages(messages: &[OpenAiMessage], session: bool) -> Result<Asked, OpenAiError> {
    let last_user = messages.iter().rposition(|m| m.role == "user").ok_or_else(|| {
        OpenAiError::invalid("messages", "there is no user message (the question)")
    })?;
    let mut instructions = Vec::new();
    let mut documents = Vec::new();
    let mut transcript = Vec::new();
    let mut question = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let role = message.role.as_str();
        if !matches!(role, "system" | "developer" | "user" | "assistant" | "tool") {
            return Err(OpenAiError::invalid("messages", format!("unknown role {role:?}")));
        }
        for piece in pieces(message)? {
            if piece.is_context {
                if session {
                    return Err(OpenAiError::invalid(
                        "messages",
                        format!(
                            "a message text over {CONTEXT_THRESHOLD_CHARS} characters (or marked \
                             rlm_context) is context, and an rlm:session model has its context \
                             stored: send the question only"
                        ),
                    ));
                }
                documents.push(piece.text);
            } else if i == last_user {
                question.push(piece.text);
            } else if matches!(role, "system" | "developer") {
                instructions.push(piece.text);
            } else if !piece.text.trim().is_empty() {
                transcript.push(format!("{role}: {}", piece.text));
            }
        }
    }
    let nonblank = |texts: Vec<&str>| {
        let kept: Vec<&str> = texts.into_iter().filter(|t| !t.trim().is_empty()).collect();
        (!kept.is_empty()).then(|| kept.join("\n"))
    };
    let question = match (nonblank(instructions), nonblank(question)) {
        (Some(i), Some(q)) => format!("{i}\n\n{q}"),
        (None, Some(q)) => q,
        // The last user message holds only documents: the instructions ask.
        (Some(i), None) => i,
        (None, None) => DEFAULT_QUESTION.trim().to_string(),
    };
    let mut context: Vec<String> = documents.into_iter().map(str::to_string).collect();
    if !transcript.is_empty() {
        if session {
            return Err(OpenAiError::invalid(
                "messages",
                "an rlm:session model keeps its own history: send the question only",
            ));
        }
        context.push(format!("The conversation so far:\n{}", transcript.join("\n")));
    }
    let context = if context.is_empty() { None } else { Some(context.join("\n\n")) };
    Ok(Asked { question, context })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> ChatRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_long_message_is_context_and_the_last_user_message_the_question() {
        let doc = "log line\n".repeat(300);
        let r = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": doc},
            {"role": "user", "content": "Which service failed?"},
        ]}));
        let asked = split_messages(&r.messages, false).unwrap();
        assert_eq!(asked.question, "Answer briefly.\n\nWhich service failed?");
        assert_eq!(asked.context.as_deref(), Some(doc.as_str()));
    }

    #[test]
    fn a_marked_part_is_context_whatever_its_length() {
        let r = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "short doc", "rlm_context": true},
                {"type": "text", "text": "What is in it?"},
            ]},
        ]}));
        let asked = split_messages(&r.messages, false).unwrap();
        assert_eq!(
            asked,
            Asked { question: "What is in it?".into(), context: Some("short doc".into()) }
        );
    }

    #[test]
    fn earlier_turns_follow_the_documents_as_a_transcript() {
        let r = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "And now?"},
        ]}));
        let asked = split_messages(&r.messages, false).unwrap();
        assert_eq!(asked.question, "And now?");
        assert_eq!(
            asked.context.as_deref(),
            Some("The conversation so far:\nuser: Hi\nassistant: Hello")
        );
    }

    #[test]
    fn a_last_user_message_without_a_question_asks_the_instructions_or_the_default() {
        let doc = "x".repeat(CONTEXT_THRESHOLD_CHARS + 1);
        let only_doc = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "user", "content": doc},
        ]}));
        let asked = split_messages(&only_doc.messages, false).unwrap();
        assert_eq!(asked.question, DEFAULT_QUESTION.trim());
        assert_eq!(asked.context.as_deref(), Some(doc.as_str()));
        let instructed = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "system", "content": "Summarise the log."},
            {"role": "user", "content": [{"type": "text", "text": "  "}]},
        ]}));
        let asked = split_messages(&instructed.messages, false).unwrap();
        assert_eq!((asked.question.as_str(), asked.context), ("Summarise the log.", None));
    }

    #[test]
    fn refusals_name_the_field() {
        let only_doc = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "user", "content": "x".repeat(CONTEXT_THRESHOLD_CHARS + 1)},
        ]}));
        assert!(split_messages(&only_doc.messages, true).is_err());
        let no_user = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "system", "content": "x"},
        ]}));
        assert!(split_messages(&no_user.messages, false).is_err());
        let image = request(serde_json::json!({"model": "rlm", "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
        ]}));
        assert!(split_messages(&image.messages, false).unwrap_err().message.contains("image_url"));
        let n2 = request(serde_json::json!({"model": "rlm", "n": 2, "messages": []}));
        assert_eq!(n2.check_supported().unwrap_err().param, Some("n"));
        let tools = request(serde_json::json!({"model": "rlm", "tools": [{}], "messages": []}));
        let refused = tools.check_supported().unwrap_err();
        assert_eq!(refused.param, Some("tools"));
        assert!(refused.message.contains("tools are not supported"), "{}", refused.message);
    }

    #[test]
    fn response_format_becomes_the_output_schema() {
        let with = |format: serde_json::Value| {
            request(serde_json::json!({"model": "rlm", "messages": [], "response_format": format}))
                .output_schema()
        };
        let schema =
            serde_json::json!({"type": "object", "properties": {"a": {"type": "integer"}}});
        let named = with(serde_json::json!({"type": "json_schema",
            "json_schema": {"name": "A", "schema": schema, "strict": true}}));
        assert_eq!(named.unwrap(), Some(schema));
        assert_eq!(
            with(serde_json::json!({"type": "json_object"})).unwrap(),
            Some(serde_json::json!({"type": "object"}))
        );
        assert_eq!(with(serde_json::json!({"type": "text"})).unwrap(), None);
        let bad_type = with(serde_json::json!({"type": "xml"})).unwrap_err();
        assert_eq!(bad_type.param, Some("response_format"));
        let bad_schema = with(serde_json::json!({"type": "json_schema",
            "json_schema": {"name": "A", "schema": {"type": 3}}}))
        .unwrap_err();
        assert_eq!(bad_schema.param, Some("response_format"));
    }
}
