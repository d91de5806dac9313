//! A limit error rolls the program back inside a served execution too
//! (issue #53): the model's first program sets a variable and a `memory`
//! key, its second changes both and then runs out of fuel, its third reads
//! them. The answer is the first program's value, the stored `memory` has
//! the first program's key and not the second's, and the model was told how
//! far the second got.

use crate::common;

use common::*;
use serde_json::json;

const SCRIPT: &str = r#"
model = "rollback"
[[replies]]
text = '''
```repl
kept = ['first']
memory['first'] = 1
```
'''
[[replies]]
text = '''
```repl
kept.append('second')
memory['second'] = 2
while True:
    pass
```
'''
[[replies]]
text = '''
```repl
print(kept)
```
'''
[[replies]]
text = '''
```repl
FINAL(repr(kept))
```
'''
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_execution_goes_on_after_a_limit_with_its_state_rolled_back() {
    let s = TestServer::start_with(toml::from_str(SCRIPT).unwrap(), |c| {
        c.limits.sandbox.fuel = 200_000;
    })
    .await;
    let sid = s.create_session("rollback", "some context").await;
    let (status, done) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "go"})).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["final_result"], json!("['first']"), "{done}");
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    assert_eq!(memory["memory"], json!({"first": 1}), "the second program's key was rolled back");
    let id = done["id"].as_str().expect("an execution id");
    // The trace as JSON lines: the program's error carries the note.
    let text = s.client.get(s.url(&format!("/api/executions/{id}/trace"))).send().await.unwrap();
    let text = text.text().await.unwrap();
    assert!(text.contains("The fuel limit stopped this program at line 3"), "{text}");
    s.stop().await;
}
