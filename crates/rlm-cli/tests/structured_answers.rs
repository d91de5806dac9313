//! Structured answers (issue #57) through the built binary: `rlm run
//! --output-schema` and a task file's `output_schema` over the scripted model
//! of `tests/structured/script.toml`, whose first FINAL is prose and whose
//! only way to a matching answer is the repair note reaching it (a rule that
//! matches the note); a schema no answer meets ends `schema_failed` (exit 7,
//! stderr, no stdout); a bad schema is a usage error naming its file. Then
//! `rlm serve`'s /v1 `response_format` driven by the official clients: the
//! `openai` Python SDK's `parse()` with a pydantic model, `json_object`,
//! `schema_failed` as a 422 and `tools` refused (`structured/python_clients.py`);
//! `/api/execute` reporting `schema_failed` as a failed execution;
//! LiteLLM; and Node's `openai` `parse()` with `zodResponseFormat` and the
//! Vercel AI SDK's `generateObject` (`node-clients/`).

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

use crate::serve_child;
use serve_child::start_serve;

const KEY: &str = "structured-answers-token-0123456789";
const QUESTION: &str = "Which city is the capital of France, and how many people live there?";
const CITY_SCHEMA: &str = r#"{"type": "object", "additionalProperties": false,
  "required": ["city", "population"],
  "properties": {"city": {"type": "string"}, "population": {"type": "integer"}}}"#;
const CITY_JSON: &str = r#"{"city":"Paris","population":2102650}"#;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            c.env_remove(name);
        }
    }
    c
}

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/structured")
}

fn script() -> PathBuf {
    here().join("script.toml")
}

#[test]
fn run_with_an_output_schema_repairs_the_first_final_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("city.json");
    std::fs::write(&schema, CITY_SCHEMA).unwrap();
    let trace = dir.path().join("run.jsonl");
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--script"])
        .arg(script())
        .arg("--output-schema")
        .arg(&schema)
        .arg("--trace")
        .arg(&trace)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{CITY_JSON}\n"));
    // The prose FINAL was refused by the schema, with the failing path.
    let events = std::fs::read_to_string(&trace).unwrap();
    assert!(events.contains("FINAL refused by the output schema"), "{events}");
    assert!(events.contains("is not of type \\\"object\\\""), "{events}");
}

#[test]
fn a_task_file_output_schema_and_inline_json_work_the_same() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("city.json"), CITY_SCHEMA).unwrap();
    let task = dir.path().join("task.toml");
    std::fs::write(
        &task,
        format!("question = {QUESTION:?}\nmodel = \"scripted\"\noutput_schema = \"city.json\"\n"),
    )
    .unwrap();
    let out = rlm()
        .args(["run", "--task"])
        .arg(&task)
        .arg("--script")
        .arg(script())
        .arg("--json")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["answer"], CITY_JSON, "{doc}");
    assert_eq!(doc["finish"], "final", "{doc}");
    // Inline, through the environment.
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--script"])
        .arg(script())
        .env("RLM_OUTPUT_SCHEMA", CITY_SCHEMA)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{CITY_JSON}\n"));
}

#[test]
fn no_matching_answer_is_schema_failed_exit_7_with_the_candidate_on_stderr() {
    let schema = r#"{"type": "array"}"#;
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--max-steps", "4", "--script"])
        .arg(script())
        .args(["--output-schema", schema])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "a failing candidate is no answer");
    assert!(stderr.contains("schema_failed"), "{stderr}");
    assert!(stderr.contains("is not of type \"array\""), "{stderr}");
    assert!(stderr.contains("The last candidate was:"), "{stderr}");
    let json = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--max-steps", "4", "--json", "--script"])
        .arg(script())
        .args(["--output-schema", schema])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(7));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["finish"], "schema_failed", "{doc}");
    assert!(doc["answer"].is_null(), "a failing candidate is no answer: {doc}");
    assert!(doc["candidate"].is_string(), "the candidate travels in --json: {doc}");
}

#[test]
fn a_bad_schema_is_a_usage_error_naming_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-schema.json");
    std::fs::write(&bad, r#"{"type": 12}"#).unwrap();
    for setting in [bad.display().to_string(), dir.path().join("absent.json").display().to_string()]
    {
        let out = rlm()
            .args(["run", QUESTION, "--model", "scripted", "--output-schema", &setting])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&setting), "{stderr}");
        assert!(stderr.contains("output.schema"), "{stderr}");
        assert!(!stderr.contains("task file"), "a schema is not a task: {stderr}");
    }
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--output-schema", "{not json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

/// `rlm serve` over the structured script, with an API key.
fn serve() -> (std::process::Child, String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let (child, base) = start_serve(|c| {
        c.arg("--data").arg(data.path().join("store"));
        c.arg("--script").arg(script());
        c.env("RLM_API_KEYS", format!("structured:{KEY}"));
    });
    (child, base, data)
}

/// `/api/execute` under a configured schema no answer meets: the execution
/// is `failed` with the finish `schema_failed`, the reason as its error, and
/// the candidate as its result (never `completed`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_api_reports_schema_failed_as_a_failed_execution() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, base) = start_serve(|c| {
        c.arg("--data").arg(data.path().join("store"));
        c.arg("--script").arg(script());
        c.env("RLM_OUTPUT_SCHEMA", r#"{"type": "array"}"#).env("RLM_MAX_STEPS", "3");
        c.env("RLM_API_KEYS", format!("structured:{KEY}"));
    });
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/execute"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"user_query": QUESTION, "context": "Paris, France"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["finish"], "schema_failed", "{body}");
    let error = body["error_message"].as_str().unwrap_or_default();
    assert!(error.contains("is not of type \"array\""), "{body}");
    assert!(body["final_result"].is_string(), "the candidate: {body}");
}

fn client_output(mut command: StdCommand) -> String {
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the client failed:\n{stdout}\n{stderr}");
    assert!(stdout.ends_with("all ok\n"), "{stdout}");
    stdout
}

rlm_testenv::needs_openai_client! {
    #[test]
    fn the_openai_python_sdk_parses_a_pydantic_model_from_v1() {
        let (mut child, base, _data) = serve();
        let mut command = StdCommand::new(rlm_testenv::venv_python());
        command
            .arg(here().join("python_clients.py"))
            .args([base.as_str(), KEY, "openai", "openai-responses"]);
        let stdout = client_output(command);
        let _ = child.kill();
        let _ = child.wait();
        for check in [
            "openai parse",
            "openai json_object",
            "openai schema_failed",
            "openai tools refused",
            "openai responses.create",
            "openai responses.stream",
            "openai responses.parse",
        ] {
            assert!(stdout.contains(&format!("ok: {check}")), "{stdout}");
        }
    }
}

rlm_testenv::needs_litellm_client! {
    #[test]
    fn litellm_response_format_parses_into_the_model() {
        let (mut child, base, _data) = serve();
        let mut command = StdCommand::new(rlm_testenv::venv_python());
        command.arg(here().join("python_clients.py")).args([base.as_str(), KEY, "litellm"]);
        // LiteLLM must not fetch its price list from the network.
        command.env("LITELLM_LOCAL_MODEL_COST_MAP", "True");
        let stdout = client_output(command);
        let _ = child.kill();
        let _ = child.wait();
        assert!(stdout.contains("ok: litellm response_format"), "{stdout}");
    }
}

rlm_testenv::needs_node_clients! {
    #[test]
    fn node_openai_parse_and_the_ai_sdk_generate_object_get_the_object() {
        let (mut child, base, _data) = serve();
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node-clients");
        let mut command = StdCommand::new("node");
        command.arg(folder.join("clients.mjs")).args([base.as_str(), KEY]).current_dir(&folder);
        let stdout = client_output(command);
        let _ = child.kill();
        let _ = child.wait();
        for check in [
            "openai zodResponseFormat parse",
            "ai generateObject",
            "ai generateText (responses)",
            "ai generateObject (responses)",
            "openai responses.create",
            "openai responses.create stream",
            "openai responses.parse",
        ] {
            assert!(stdout.contains(&format!("ok: {check}")), "{stdout}");
        }
    }
}
