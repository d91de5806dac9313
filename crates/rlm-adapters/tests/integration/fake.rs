//! The scripted fake adapter: ordered replies, regex rules with captures,
//! rule limits, scripted errors, exhaustion modes, echo/fixed modes,
//! streaming, determinism, and script files.

use std::sync::Arc;

use futures::future::join_all;
use rlm_adapters::{
    AdapterError, AdapterErrorKind, FakeAdapter, FakeReply, FakeRule, FakeScript, MatchTarget,
    ModelAdapter, WhenExhausted, collect_stream,
};
use rlm_types::{ChatMessage, CompletionRequest, FinishReason, GenerationParams};

fn user(s: &str) -> CompletionRequest {
    CompletionRequest::user(s)
}

#[tokio::test]
async fn echo_and_fixed() {
    let e = FakeAdapter::echo();
    let req = CompletionRequest {
        messages: vec![
            ChatMessage::system("sys"),
            ChatMessage::user("first"),
            ChatMessage::assistant("x"),
            ChatMessage::user("last one"),
        ],
        params: Default::default(),
        traceparent: None,
    };
    let c = e.complete(&req).await.unwrap();
    assert_eq!(c.text, "last one");
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.usage.completion_tokens, 2); // 8 chars / 4
    assert_eq!(c.usage.prompt_tokens, 5); // 3+5+1+8 = 17 chars → 5
    assert_eq!(e.model_id().to_string(), "fake:echo");
    let f = FakeAdapter::fixed("FINAL(1)");
    for _ in 0..3 {
        assert_eq!(f.complete(&user("anything")).await.unwrap().text, "FINAL(1)");
    }
    assert_eq!(f.requests().len(), 3);
}

fn script() -> FakeScript {
    FakeScript {
        model: Some("root-and-subs".into()),
        replies: vec!["```repl\nprint(len(P))\n```".into(), "FINAL(done)".into()],
        rules: vec![
            FakeRule {
                pattern: r"(?i)capital of (?P<country>\w+)".into(),
                target: MatchTarget::LastUser,
                reply: FakeReply::Text("capital of ${country}: unknown".into()),
                times: None,
            },
            FakeRule {
                pattern: "^once$".into(),
                target: MatchTarget::LastUser,
                reply: "only once".into(),
                times: Some(1),
            },
            FakeRule {
                pattern: "judge".into(),
                target: MatchTarget::System,
                reply: "verdict: yes".into(),
                times: None,
            },
        ],
        when_exhausted: WhenExhausted::Error,
        context_window: Some(32_000),
    }
}

#[tokio::test]
async fn from_start_plays_the_script_again_with_its_own_state() {
    let a = FakeAdapter::scripted(script()).unwrap();
    assert_eq!(a.complete(&user("go")).await.unwrap().text, "```repl\nprint(len(P))\n```");
    assert_eq!(a.complete(&user("once")).await.unwrap().text, "only once");
    // A copy made midway starts from the first reply, its rule uses at zero.
    let b = a.from_start();
    assert_eq!(b.model_id(), a.model_id());
    assert_eq!(b.context_window(), Some(32_000));
    assert_eq!(b.complete(&user("once")).await.unwrap().text, "only once");
    assert_eq!(b.complete(&user("go")).await.unwrap().text, "```repl\nprint(len(P))\n```");
    assert_eq!(b.requests().len(), 2, "its own requests only");
    // The original goes on where it was: the limited rule is spent, the next reply is the second.
    assert_eq!(a.complete(&user("once")).await.unwrap().text, "FINAL(done)");
    assert!(a.complete(&user("go")).await.is_err(), "exhausted");
    assert_eq!(
        b.complete(&user("the capital of Peru")).await.unwrap().text,
        "capital of Peru: unknown"
    );
    assert_eq!(b.complete(&user("go")).await.unwrap().text, "FINAL(done)");
}

#[tokio::test]
async fn rules_before_ordered_replies() {
    let a = FakeAdapter::scripted(script()).unwrap();
    assert_eq!(a.model_id().to_string(), "fake:root-and-subs");
    assert_eq!(a.context_window(), Some(32_000));
    assert_eq!(
        a.complete(&user("What is the capital of France?")).await.unwrap().text,
        "capital of France: unknown"
    );
    assert_eq!(a.complete(&user("root turn")).await.unwrap().text, "```repl\nprint(len(P))\n```");
    assert_eq!(a.complete(&user("once")).await.unwrap().text, "only once");
    // the rule is used up: "once" now takes the next ordered reply
    assert_eq!(a.complete(&user("once")).await.unwrap().text, "FINAL(done)");
    let judged = CompletionRequest {
        messages: vec![ChatMessage::system("you are a judge"), ChatMessage::user("x")],
        params: Default::default(),
        traceparent: None,
    };
    assert_eq!(a.complete(&judged).await.unwrap().text, "verdict: yes");
    assert_eq!(a.remaining_replies(), 0);
    assert_eq!(
        a.complete(&user("more")).await.unwrap_err(),
        AdapterError::ScriptExhausted { served: 2 }
    );
    assert_eq!(a.requests().len(), 6);
    assert_eq!(a.calls(), 6);
}

#[tokio::test]
async fn exhaustion_modes() {
    let modes = [
        (WhenExhausted::Echo, Ok("ping")),
        (WhenExhausted::RepeatLast, Ok("r1")),
        (WhenExhausted::Fixed("FINAL(x)".into()), Ok("FINAL(x)")),
        (WhenExhausted::Error, Err(AdapterErrorKind::ScriptExhausted)),
    ];
    for (mode, want) in modes {
        let a = FakeAdapter::scripted(FakeScript {
            replies: vec!["r1".into()],
            when_exhausted: mode,
            ..Default::default()
        })
        .unwrap();
        a.complete(&user("first")).await.unwrap();
        let got = a.complete(&user("ping")).await;
        match want {
            Ok(t) => assert_eq!(got.unwrap().text, t),
            Err(k) => assert_eq!(got.unwrap_err().kind(), k),
        }
    }
}

#[tokio::test]
async fn scripted_errors_usage_finish_and_max_tokens() {
    let toml_script = r#"
replies = [
  { error = { kind = "context_length_exceeded", message = "prompt is too long" } },
  { text = "abc", usage = { prompt_tokens = 1000, completion_tokens = 7, cached_tokens = 600 }, finish_reason = "length" },
  { text = "slow", delay_ms = 5 },
  "0123456789abcdefghij",
]
"#;
    let script: FakeScript = toml::from_str(toml_script).unwrap();
    let a = FakeAdapter::scripted(script).unwrap();
    let e = a.complete(&user("q")).await.unwrap_err();
    assert!(e.is_context_length_exceeded());
    assert_eq!(e.provider_message(), Some("prompt is too long"));
    let c = a.complete(&user("q")).await.unwrap();
    assert_eq!(
        (c.usage.prompt_tokens, c.usage.completion_tokens, c.usage.cached_tokens),
        (1000, 7, 600)
    );
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert_eq!(a.complete(&user("q")).await.unwrap().text, "slow");
    let capped = CompletionRequest {
        messages: vec![ChatMessage::user("q")],
        params: GenerationParams { max_tokens: Some(2), ..Default::default() },
        traceparent: None,
    };
    let c = a.complete(&capped).await.unwrap();
    assert_eq!(c.text, "01234567");
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
}

#[tokio::test]
async fn streams_word_deltas() {
    let a = FakeAdapter::fixed("print(P[:100])\nFINAL(ok) now");
    let report = a.stream(&user("q")).await;
    let (deltas, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(deltas, vec!["print(P[:100])\n", "FINAL(ok) ", "now"]);
    assert_eq!(deltas.concat(), c.text);
    let err =
        FakeAdapter::replies(Vec::<String>::new()).stream(&user("q")).await.result.err().unwrap();
    assert_eq!(err.kind(), AdapterErrorKind::ScriptExhausted);
}

#[tokio::test]
async fn deterministic_under_concurrent_subcalls() {
    // Concurrent subcalls hit rules, so their replies do not depend on arrival order.
    let run = || async {
        let a: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::scripted(script()).unwrap());
        let futs = (0..20).map(|i| {
            let a = a.clone();
            async move { a.complete(&user(&format!("capital of C{i}"))).await.unwrap() }
        });
        join_all(futs).await.into_iter().map(|c| (c.text, c.usage)).collect::<Vec<_>>()
    };
    let (one, two) = (run().await, run().await);
    assert_eq!(one, two);
    assert_eq!(one[7].0, "capital of C7: unknown");
}

#[test]
fn script_files_and_bad_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("demo.json");
    std::fs::write(&json_path, r#"{"replies": ["a", {"text": "b"}], "rules": [{"pattern": "x(\\d)", "reply": "got $1"}], "when_exhausted": {"fixed": "z"}}"#).unwrap();
    let a = FakeAdapter::from_file(&json_path).unwrap();
    assert_eq!(a.model_id().to_string(), "fake:demo");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        assert_eq!(a.complete(&user("x7")).await.unwrap().text, "got 7");
        assert_eq!(a.complete(&user("q")).await.unwrap().text, "a");
        assert_eq!(a.complete(&user("q")).await.unwrap().text, "b");
        assert_eq!(a.complete(&user("q")).await.unwrap().text, "z");
    });
    let bad_regex = dir.path().join("bad.json");
    std::fs::write(&bad_regex, r#"{"rules": [{"pattern": "(", "reply": "x"}]}"#).unwrap();
    assert_eq!(FakeAdapter::from_file(&bad_regex).unwrap_err().kind(), AdapterErrorKind::Config);
    let bad_kind = dir.path().join("bad.toml");
    std::fs::write(&bad_kind, "replies = [{ error = { kind = \"meteor_strike\" } }]").unwrap();
    assert_eq!(FakeAdapter::from_file(&bad_kind).unwrap_err().kind(), AdapterErrorKind::Config);
    assert_eq!(
        FakeAdapter::from_file(&dir.path().join("missing.json")).unwrap_err().kind(),
        AdapterErrorKind::Config
    );
}
