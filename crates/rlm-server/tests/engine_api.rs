//! The RLM Engine's calls and shapes, over HTTP to a real server: every
//! field its React frontend reads (`frontend/src/api/client.ts`) is present
//! with the right JSON type, and the values are the real ones.

use crate::common;

use common::*;
use serde_json::{Value, json};

fn assert_fields(v: &Value, fields: &[(&str, &str)]) {
    for (name, kind) in fields {
        let f = v.get(*name).unwrap_or_else(|| panic!("field {name} missing in {v}"));
        let ok = match *kind {
            "string" => f.is_string(),
            "string?" => f.is_string() || f.is_null(),
            "number" => f.is_number(),
            "number?" => f.is_number() || f.is_null(),
            "object?" => f.is_object() || f.is_null(),
            "array" => f.is_array(),
            "object" => f.is_object(),
            _ => unreachable!(),
        };
        assert!(ok, "field {name} should be {kind}: {f}");
    }
}

const SESSION: &[(&str, &str)] = &[
    ("id", "string"),
    ("name", "string?"),
    ("context_metadata", "object?"),
    ("created_at", "string"),
    ("updated_at", "string"),
    ("memory_count", "number"),
];

const EXECUTION: &[(&str, &str)] = &[
    ("id", "string"),
    ("session_id", "string?"),
    ("user_query", "string"),
    ("context_size", "number"),
    ("status", "string"),
    ("started_at", "string?"),
    ("completed_at", "string?"),
    ("total_input_tokens", "number"),
    ("total_output_tokens", "number"),
    ("total_cost_usd", "number"),
    ("final_result", "string?"),
    ("error_message", "string?"),
];

const NODE: &[(&str, &str)] = &[
    ("id", "string"),
    ("execution_id", "string"),
    ("parent_node_id", "string?"),
    ("node_type", "string"),
    ("depth", "number"),
    ("sequence_number", "number"),
    ("prompt", "string?"),
    ("generated_code", "string?"),
    ("status", "string"),
    ("started_at", "string?"),
    ("completed_at", "string?"),
    ("model_used", "string?"),
    ("input_tokens", "number"),
    ("output_tokens", "number"),
    ("cost_usd", "number"),
    ("output", "string?"),
    ("error_message", "string?"),
    ("memory_before", "object?"),
    ("memory_after", "object?"),
    ("children", "array"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engines_calls_work_with_its_field_names() {
    let s = TestServer::start(demo_script()).await;
    let corpus = corpus_text();

    // POST /api/sessions {name, context}
    let (status, session) =
        s.post("/api/sessions", json!({"name": "my-doc", "context": corpus})).await;
    assert_eq!(status, 200, "{session}");
    assert_fields(&session, SESSION);
    let sid = session["id"].as_str().unwrap().to_string();
    assert_eq!(session["name"], "my-doc");
    assert_eq!(session["context_metadata"]["size"], corpus.chars().count() as u64);
    assert_eq!(session["context_metadata"]["hash"].as_str().unwrap().len(), 64);
    assert_eq!(session["memory_count"], 0);

    // GET /api/sessions, GET /api/sessions/{id}
    let (status, list) = s.get("/api/sessions").await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_fields(&list["sessions"][0], SESSION);
    let (status, one) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!((status, one["id"].as_str()), (200, Some(sid.as_str())));

    // PUT /api/sessions/{id}
    let r = s
        .client
        .put(s.url(&format!("/api/sessions/{sid}")))
        .json(&json!({"name": "renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["context_metadata"]["size"], corpus.chars().count() as u64);

    // Memory: POST {key, value}, GET {memory}, DELETE /memory/{key}
    let (status, set) = s
        .post(&format!("/api/sessions/{sid}/memory"), json!({"key": "k", "value": {"a": [1, 2]}}))
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!((set["key"].as_str(), &set["value"]), (Some("k"), &json!({"a": [1, 2]})));
    assert!(set["updated_at"].is_string());
    s.post(&format!("/api/sessions/{sid}/memory"), json!({"key": "gone", "value": 1})).await;
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    assert_eq!(memory["memory"], json!({"k": {"a": [1, 2]}, "gone": 1}));
    let (_, one) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(one["memory_count"], 2);
    let r =
        s.client.delete(s.url(&format!("/api/sessions/{sid}/memory/gone"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "deleted", "key": "gone"}));
    let r =
        s.client.delete(s.url(&format!("/api/sessions/{sid}/memory/gone"))).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // POST /api/execute {session_id, user_query}: blocks until the answer.
    let (status, exec) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{exec}");
    assert_fields(&exec, EXECUTION);
    assert_eq!(exec["status"], "completed");
    assert_eq!(
        exec["final_result"],
        "billing logged the most errors (50); the vault passphrase is amber-falcon-42"
    );
    assert_eq!(exec["session_id"].as_str(), Some(sid.as_str()));
    assert_eq!(exec["context_size"], corpus.chars().count() as u64);
    assert!(exec["total_input_tokens"].as_u64().unwrap() > 0);
    // The context breakdown: what went through the models is the record's
    // spend (one model, nothing cached), the context is held symbolically.
    let breakdown = &exec["context_breakdown"];
    assert_eq!(
        breakdown["inline_tokens"].as_u64(),
        Some(
            exec["total_input_tokens"].as_u64().unwrap()
                + exec["total_output_tokens"].as_u64().unwrap()
        ),
        "{breakdown}"
    );
    assert_eq!(breakdown["symbolic_tokens"], (corpus.chars().count() as u64).div_ceil(4));
    let eid = exec["id"].as_str().unwrap().to_string();

    // The Engine also takes a context inline, without a session.
    let (status, inline) =
        s.post("/api/execute", json!({"context": corpus, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{inline}");
    assert_eq!(inline["session_id"], Value::Null);
    assert_eq!(inline["status"], "completed");

    // GET /api/executions (?session_id=), GET /api/executions/{id}
    let (_, all) = s.get("/api/executions").await;
    assert_eq!(all["total"], 2);
    assert_fields(&all["executions"][0], EXECUTION);
    let (_, mine) = s.get(&format!("/api/executions?session_id={sid}")).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["executions"][0]["id"].as_str(), Some(eid.as_str()));
    let (status, detail) = s.get(&format!("/api/executions/{eid}")).await;
    assert_eq!(status, 200);
    assert_fields(&detail, EXECUTION);
    assert!(detail["generated_code"].as_str().unwrap().contains("llm_batch"));
    let tree = &detail["tree"];
    assert_eq!(tree["execution_id"].as_str(), Some(eid.as_str()));

    // GET /api/executions/{id}/tree: the root and its subcalls as `children`.
    let (status, t) = s.get(&format!("/api/executions/{eid}/tree")).await;
    assert_eq!(status, 200);
    assert_eq!(&t, tree);
    let root = &t["tree"];
    assert_fields(root, NODE);
    assert_eq!(root["node_type"], "root");
    assert_eq!(root["depth"], 0);
    assert_eq!(root["status"], "completed");
    assert_eq!(root["output"], exec["final_result"]);
    let children = root["children"].as_array().unwrap();
    assert_eq!(children.len(), 6, "six llm_batch chunks");
    for (i, c) in children.iter().enumerate() {
        assert_fields(c, NODE);
        assert_eq!(c["node_type"], "child");
        assert_eq!(c["depth"], 1);
        assert_eq!(c["sequence_number"], i as u64);
        assert_eq!(c["parent_node_id"], root["id"]);
        assert!(c["prompt"].as_str().unwrap().starts_with("Find the vault passphrase"));
    }
    assert!(children.iter().any(|c| c["output"] == "amber-falcon-42"));
    assert_eq!(t["total_nodes"], 7);

    // GET /api/stats (?session_id=)
    let (status, stats) = s.get("/api/stats").await;
    assert_eq!(status, 200);
    assert_fields(
        &stats,
        &[
            ("total_executions", "number"),
            ("total_input_tokens", "number"),
            ("total_output_tokens", "number"),
            ("total_cost_usd", "number"),
            ("average_cost_per_execution", "number"),
            ("executions_by_status", "object"),
        ],
    );
    assert_eq!(stats["total_executions"], 2);
    assert_eq!(stats["executions_by_status"]["completed"], 2);
    assert_eq!(stats["latency"]["count"], 2);
    assert_eq!(stats["total_subcalls"], 12);
    // Executions over time: both in the timeline's (one-minute) buckets.
    let buckets = stats["timeline"]["buckets"].as_array().unwrap();
    assert_eq!(stats["timeline"]["bucket_secs"], 60);
    assert_eq!(buckets.iter().map(|b| b["executions"].as_u64().unwrap()).sum::<u64>(), 2);
    assert_eq!(buckets.iter().map(|b| b["completed"].as_u64().unwrap()).sum::<u64>(), 2);
    let (_, one_stats) = s.get(&format!("/api/stats?session_id={sid}")).await;
    assert_eq!(one_stats["total_executions"], 1);
    assert_eq!(one_stats["total_input_tokens"], exec["total_input_tokens"]);
    assert_eq!(stats["per_session"][0]["session_id"].as_str(), Some(sid.as_str()));

    // The session's cumulative spend and history.
    let (_, one) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(one["spend"]["executions"], 1);
    assert_eq!(one["spend"]["input_tokens"], exec["total_input_tokens"]);
    let (_, history) = s.get(&format!("/api/sessions/{sid}/history")).await;
    assert_eq!(history["turns"][0]["answer"], exec["final_result"]);

    // The trace as JSON lines.
    let r = s.client.get(s.url(&format!("/api/executions/{eid}/trace"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let lines: Vec<Value> =
        r.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["kind"]["type"], "run_started");
    assert_eq!(lines.last().unwrap()["kind"]["type"], "run_finished");

    // DELETE /api/sessions/{id}
    let r = s.client.delete(s.url(&format!("/api/sessions/{sid}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "deleted", "session_id": sid}));
    let (status, gone) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(status, 404);
    assert!(gone["detail"].as_str().unwrap().contains("no session"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints_answer() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("ops", &corpus_text()).await;
    let (status, _) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200);
    assert_eq!(
        s.get("/healthz").await,
        (200, json!({"status": "healthy", "service": "rlm-server"}))
    );
    assert_eq!(s.get("/readyz").await.0, 200);
    assert_eq!(s.get("/api/health").await.0, 200);
    let metrics = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for needle in [
        "rlm_executions_total{status=\"completed\"} 1",
        "rlm_subcalls_total{result=\"ok\"} 6",
        "rlm_execution_duration_seconds_count 1",
        "rlm_tokens_total{kind=\"input\"}",
        "rlm_jobs_queued 0",
        "rlm_executions_in_flight 0",
    ] {
        assert!(metrics.contains(needle), "{needle} missing in\n{metrics}");
    }
    // Per model: three root-model steps and six subcalls, all the scripted model's;
    // its tokens are the execution's.
    let value = |name: &str| -> f64 {
        let line = metrics.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| {
            panic!("{name} missing in\n{metrics}");
        });
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("rlm_model_calls_total{model=\"fake:scripted-demo\"}"), 9.0);
    assert_eq!(
        value("rlm_model_tokens_total{model=\"fake:scripted-demo\",kind=\"input\"}"),
        value("rlm_tokens_total{kind=\"input\"}")
    );
    assert!(metrics.contains("rlm_model_cost_usd_total{model=\"fake:scripted-demo\"}"));
    let (status, doc) = s.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/sessions",
        "/api/execute",
        "/api/execute/stream",
        "/api/executions/{id}/tree",
        "/api/stats",
        "/api/jobs/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} not documented");
    }
    assert!(doc["components"]["schemas"]["ExecutionNode"].is_object());
    // Unknown routes are JSON 404s; a request id comes back on every answer.
    let r = s.client.get(s.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-request-id"));
    s.stop().await;
}
