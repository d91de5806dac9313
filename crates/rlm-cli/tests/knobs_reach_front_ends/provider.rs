//! The test's model provider on 127.0.0.1, for the knobs that name a model,
//! an embedding model or a search cluster (the `provider` probe, and rows
//! whose `env` points a provider's address at it): an OpenAI-compatible chat
//! endpoint, Ollama's embeddings and Elasticsearch's search, each probe
//! under a path of its own (`{provider}`).

use wiremock::Request;

use super::*;

/// What the provider's model answers last: a program that prints, then its
/// answer (it rests on evidence).
pub(super) const PROVIDER_FINAL: &str =
    "```repl\nprint('the provider answered')\nFINAL('from the provider')\n```";
/// What it answers a conversation without an assistant turn yet: a first
/// step, so a run with its price over a cost ceiling stops before its answer.
const PROVIDER_FIRST: &str = "```repl\nprint('a first step at the provider')\n```";
/// The usage it reports per call: priced as `claude-opus-4` ($15 and $75 per
/// million tokens) it is $0.90, above the `budgets.max_cost_usd` row's $0.50.
const PROMPT_TOKENS: u64 = 10_000;
const COMPLETION_TOKENS: u64 = 10_000;

fn provider() -> &'static MockService {
    static PROVIDER: OnceLock<MockService> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        MockService::start(|| vec![Mock::given(method("POST")).respond_with(answer)])
    })
}

/// The provider's address for the probe in `dir`.
pub(super) fn provider_url(dir: &Path) -> String {
    provider().url_of(dir)
}

/// The requests the probe in `dir` sent the provider, each as its path and body.
pub(super) fn provider_requests(dir: &Path) -> Vec<String> {
    let requests = provider().requests_of(dir).into_iter();
    requests.map(|q| format!("{} {}", q.url.path(), text(&q.body))).collect()
}

/// Whether a probe of `row` talks to the provider, with the knob or without.
pub(super) fn uses_provider(row: &Row) -> bool {
    let values = row.also.values().chain(row.paired.values()).chain(row.env.values());
    values.chain([&row.value]).any(|v| v.contains("{provider}")) || row.probe == "provider"
}

fn answer(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let path = request.url.path();
    if path.ends_with("/chat/completions") {
        chat(&body)
    } else if path.ends_with("/api/embed") {
        embeddings(&body)
    } else if path.ends_with("/_search") {
        ResponseTemplate::new(200).set_body_json(json!({"hits": {"hits": [
            {"_id": "1", "_score": 1.0, "_source": {"content": "a small context"}}
        ]}}))
    } else {
        ResponseTemplate::new(404)
    }
}

/// An OpenAI chat completion, streamed when asked.
fn chat(body: &Value) -> ResponseTemplate {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let answered_before = messages.iter().any(|m| m["role"] == "assistant");
    let content = if answered_before { PROVIDER_FINAL } else { PROVIDER_FIRST };
    let usage = json!({
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    });
    let model = body["model"].clone();
    if body["stream"] != true {
        return ResponseTemplate::new(200).set_body_json(json!({
            "id": "knob-probe",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": usage,
        }));
    }
    let chunk = |choices: Value, usage: Value| json!({"id": "knob-probe", "object": "chat.completion.chunk", "model": model, "choices": choices, "usage": usage});
    let events = [
        chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": null}]),
            Value::Null,
        ),
        chunk(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]), Value::Null),
        chunk(json!([]), usage),
    ];
    let mut sse: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    sse.push_str("data: [DONE]\n\n");
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(sse)
}

/// Ollama's `/api/embed`: a vector per input, from its bytes.
fn embeddings(body: &Value) -> ResponseTemplate {
    let inputs: Vec<String> = match &body["input"] {
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().unwrap_or_default().to_string()).collect()
        }
        Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    };
    let vector = |text: &String| -> Vec<f32> {
        let mut v = [1.0f32; 8];
        for (i, b) in text.bytes().enumerate() {
            v[i % 8] += f32::from(b) / 255.0;
        }
        v.to_vec()
    };
    let vectors: Vec<Vec<f32>> = inputs.iter().map(vector).collect();
    ResponseTemplate::new(200).set_body_json(json!({"model": body["model"], "embeddings": vectors}))
}
