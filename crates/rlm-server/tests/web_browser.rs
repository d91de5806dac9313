//! The web page in a real browser: starts `rlm serve` (in-process, scripted
//! model, paced so that a reply can be seen arriving) and runs
//! `web/tests/browser.mjs` (playwright-core driving Debian's headless
//! Chromium) against it: create a session, ask the demo question and watch
//! the tree grow, expand a subcall, keyboard, dark mode, a shared link
//! re-opened, an error run, a sub-RLM nested, a retried root-model call (a
//! mock OpenAI-compatible server that rate-limits once), subcalls flagged
//! cached (the server's subcall cache) and deduped, the Cancel button, the
//! dashboard against `/api/stats` and `/metrics`, a 1,000-subcall execution
//! (whose timings it prints), and the API-key prompt of a server with keys.
//!
//! Needs Node.js >= 20.19, `/usr/bin/chromium` and `npm install` in
//! `crates/rlm-server/web` (`.ci/test` provides them). Without them it is
//! ignored with a `SKIPPED` reason (`rlm-testenv`). `RLM_WEB_SCREENSHOTS=DIR`
//! saves the screenshots of the README; `RLM_WEB_TIMINGS=FILE` writes the
//! timings as JSON.

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{MockModel, MockReply, TestServer, demo_script};
use rlm_adapters::FakeReplySpec;
use rlm_adapters::{FakeReply, FakeRule, FakeScript, MatchTarget};
use rlm_server::ApiKey;

const CHROMIUM: &str = "/usr/bin/chromium";
/// The key of the second server, the one that asks for a key.
const KEYED_TOKEN: &str = "browser-test-key-0123456789";

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn rule(
    pattern: &str,
    target: MatchTarget,
    times: Option<u32>,
    text: &str,
    delay_ms: u64,
) -> FakeRule {
    FakeRule {
        pattern: pattern.into(),
        target,
        times,
        reply: FakeReply::Full(FakeReplySpec {
            text: text.into(),
            delay_ms: (delay_ms > 0).then_some(delay_ms),
            ..FakeReplySpec::default()
        }),
    }
}

/// The demo script, with slow sub-model answers (so the running batch can be
/// seen) and more behaviours chosen by the question: a program that fails
/// every step (`DIVIDE BY ZERO`), a 1,000-subcall batch (`BIG BATCH`), and a
/// sub-RLM (`NESTED QUESTION`, whose sub-RLM plays `INNER TASK`).
fn browser_script() -> FakeScript {
    let mut script = demo_script();
    for r in &mut script.rules {
        if let FakeReply::Text(text) = &r.reply {
            r.reply = FakeReply::Full(FakeReplySpec {
                text: text.clone(),
                delay_ms: Some(800),
                ..FakeReplySpec::default()
            });
        }
    }
    let all = MatchTarget::All;
    let extra = [
        rule(
            "DIVIDE BY ZERO",
            all,
            None,
            "I will divide the size by zero.\n```repl\nprint(len(context) / 0)\n```\n",
            0,
        ),
        rule(
            "BIG BATCH",
            all,
            Some(1),
            "One subcall per item.\n```repl\nanswers = llm_batch([f\"item {i}: what is {i} squared?\" for i in range(1000)])\nprint(len(answers), answers[:3])\n```\n",
            0,
        ),
        rule(
            "BIG BATCH",
            all,
            None,
            "FINAL(f\"{len(answers)} answers; the last: {answers[-1]}\")",
            0,
        ),
        rule(r"^item (\d+): ", MatchTarget::LastUser, None, "the square of $1", 20),
        rule(
            "NESTED QUESTION",
            all,
            Some(1),
            "I will ask a sub-RLM.\n```repl\ninner = rlm_query('INNER TASK: how many words are in the context?', context)\nprint('the sub-RLM said:', inner)\n```\n",
            0,
        ),
        rule("NESTED QUESTION", all, None, "FINAL(f\"the sub-RLM counted {inner}\")", 0),
        rule(
            "INNER TASK",
            all,
            Some(1),
            "Counting.\n```repl\nn = len(context.split())\nprint(n)\n```\n",
            0,
        ),
        rule("INNER TASK", all, None, "FINAL(f\"{n} words\")", 0),
        rule(
            "DEDUP QUESTION",
            all,
            Some(1),
            "Three identical prompts at once.\n```repl\nanswers = llm_batch(['what is the same thing?'] * 3)\nprint(answers)\n```\n",
            0,
        ),
        rule("DEDUP QUESTION", all, None, "FINAL(answers[0])", 0),
        rule("^what is the same thing", MatchTarget::LastUser, None, "the same answer", 300),
        rule(
            "SLOW BATCH",
            all,
            Some(1),
            "Eight slow calls.\n```repl\nanswers = llm_batch([f'slow item {i}' for i in range(8)])\n```\n",
            0,
        ),
        rule("SLOW BATCH", all, None, "FINAL(len(answers))", 0),
        rule("^slow item", MatchTarget::LastUser, None, "too late", 60_000),
    ];
    script.rules.splice(0..0, extra);
    script
}

rlm_testenv::needs_browser! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_page_works_in_headless_chromium() {
        let web = web_dir();
        // A root model over HTTP for the retry run: rate-limited once (retried
        // after the 5 ms it asks for), then a program, then the answer.
        let mock = MockModel::start(|n, _| match n {
            0 => MockReply {
                status: 429,
                headers: vec![("retry-after-ms".into(), "5".into())],
                ..MockReply::ok("slow down")
            },
            1 => MockReply::ok("Counting.\n```repl\nprint(len(context))\n```\n"),
            _ => MockReply::ok("FINAL('answered after a retry')"),
        })
        .await;
        let env = mock.env();
        let s = TestServer::start_with(browser_script(), |c| {
            c.scripted_token_delay = Duration::from_millis(30);
            c.allowed_models.push("openai:mock-root".into());
            c.env = env;
            c.engine.cache = Some(c.data_dir.join("cache"));
            // BIG BATCH's 1,000 subcalls are past the default batch cap.
            c.engine.budgets.max_batch = Some(1000);
        })
        .await;
        // A second server that wants an API key, for the page's key prompt.
        let keyed = TestServer::start_with(demo_script(), |c| {
            c.api_keys = ApiKey::parse_list(&format!("web:{KEYED_TOKEN}")).unwrap();
        })
        .await;
        let mut cmd = Command::new("node");
        cmd.arg(web.join("tests/browser.mjs"))
            .current_dir(&web)
            .env("RLM_BASE", &s.base)
            .env("RLM_CHROMIUM", CHROMIUM)
            .env("RLM_PROFILE_DIR", s.dir.path().join("chromium-profile"))
            .env("RLM_KEYED_BASE", &keyed.base)
            .env("RLM_KEYED_TOKEN", KEYED_TOKEN);
        for var in ["RLM_WEB_SCREENSHOTS", "RLM_WEB_TIMINGS"] {
            if let Ok(v) = std::env::var(var) {
                cmd.env(var, v);
            }
        }
        let output = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!("{stdout}");
        eprintln!("{stderr}");
        assert!(output.status.success(), "browser.mjs failed ({}):\n{stdout}\n{stderr}", output.status);
        assert!(stdout.contains("ALL BROWSER CHECKS PASSED"), "{stdout}");
        s.stop().await;
        keyed.stop().await;
    }
}
