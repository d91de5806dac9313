//! The server on rlm-core's `Session`: the conversation history reaches the
//! root model, a restarted server restores each session's `memory`,
//! history and cumulative budget from its stored state, and executions of
//! one session sent at once each start from the state the one before left.

use crate::common;

use common::*;
use rlm_adapters::FakeScript;
use serde_json::json;

/// The root model answers from what its first message shows: the first
/// question alone, or the first question with its answer in the history.
fn history_script() -> FakeScript {
    toml::from_str(
        r#"
model = "history"
# Each answer reads the context first: a FINAL of a literal alone is no
# evidence (guards.require_program, issue #60).
when_exhausted = { fixed = "```repl\nn = len(context)\nFINAL('no history was shown')\n```" }

[[rules]]
pattern = '(?s)Earlier questions in this session.*Which city hosts the summit\?.*Lisbon.*Who opens it\?'
reply = "```repl\nn = len(context)\nFINAL('the mayor of Lisbon, as the summit city was Lisbon')\n```"

[[rules]]
pattern = '(?s)Earlier questions in this session.*Which city hosts the summit\?.*Where is it\?'
reply = "```repl\nFINAL('still ' + memory.get('city', 'unknown'))\n```"

# Last: the history of later questions repeats this one.
[[rules]]
pattern = 'Which city hosts the summit\?'
reply = "```repl\nmemory['city'] = 'Lisbon'\nFINAL('Lisbon')\n```"
"#,
    )
    .unwrap()
}

async fn ask(s: &TestServer, sid: &str, query: &str) -> serde_json::Value {
    let (status, exec) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": query})).await;
    assert_eq!(status, 200, "{exec}");
    exec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_execution_shows_the_first_to_the_model() {
    let s = TestServer::start(history_script()).await;
    let sid = s.create_session("history", "summit notes").await;
    let first = ask(&s, &sid, "Which city hosts the summit?").await;
    assert_eq!(first["final_result"], "Lisbon", "{first}");
    let second = ask(&s, &sid, "Who opens it?").await;
    assert_eq!(second["final_result"], "the mayor of Lisbon, as the summit city was Lisbon");
    // The history names the server's executions, in order.
    let (_, history) = s.get(&format!("/api/sessions/{sid}/history")).await;
    let turns = history["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!((&turns[0]["execution_id"], &turns[0]["answer"]), (&first["id"], &json!("Lisbon")));
    assert_eq!(turns[1]["execution_id"], second["id"]);
    // Another session has its own, empty, history.
    let other = s.create_session("other", "summit notes").await;
    let fresh = ask(&s, &other, "Who opens it?").await;
    assert_eq!(fresh["final_result"], "no history was shown");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_restores_memory_history_and_the_cumulative_budget() {
    let s = TestServer::start(history_script()).await;
    let (status, session) = s
        .post(
            "/api/sessions",
            json!({"name": "kept", "context": "summit notes", "settings": {"max_total_calls": 2}}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let sid = session["id"].as_str().unwrap().to_string();
    ask(&s, &sid, "Which city hosts the summit?").await;
    let dir = s.stop().await;

    let c = config(&dir, history_script());
    let s = TestServer::start_config(dir, c).await;
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    assert_eq!(memory["memory"], json!({"city": "Lisbon"}));
    // The restored session shows the model its history and gives the program its memory.
    let second = ask(&s, &sid, "Where is it?").await;
    assert_eq!(second["final_result"], "still Lisbon", "{second}");
    // Two calls spent of two, across the restart: the third is refused.
    let (_, session) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(
        (&session["spend"]["root_calls"], &session["history_turns"]),
        (&json!(2), &json!(2))
    );
    let (status, refused) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "And then?"})).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("budget_exhausted")), "{refused}");
    s.stop().await;
}

/// An execution admitted while another of its session runs must not start
/// from the session record it read at admission (the one before it settles
/// a newer state): every turn and every call is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_of_one_session_sent_at_once_each_keep_their_turn() {
    let s = TestServer::start(history_script()).await;
    let sid = s.create_session("busy", "summit notes").await;
    for round in 0..3 {
        let asks = (0..6)
            .map(|i| ask(&s, &sid, if i % 2 == 0 { "Where is it?" } else { "Who opens it?" }));
        let answers = futures::future::join_all(asks).await;
        assert!(answers.iter().all(|a| a["status"] == "completed"), "round {round}: {answers:?}");
    }
    let (_, session) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(
        (&session["spend"]["root_calls"], &session["history_turns"]),
        (&json!(18), &json!(18)),
        "{session}"
    );
    let (_, history) = s.get(&format!("/api/sessions/{sid}/history?limit=100")).await;
    let mut ids: Vec<&str> = history["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["execution_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 18, "{history}");
    s.stop().await;
}
