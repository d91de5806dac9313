//! `rlm serve`'s OpenAI-compatible endpoint driven by the official clients:
//! `tests/openai_sdk.py` runs the `openai` Python SDK (sync, async,
//! streaming, errors) and LangChain's `ChatOpenAI` against a server started
//! here on 127.0.0.1 with an API key, over the scripted demo model, and each
//! must answer the README's demo question right.

use std::process::Command;

use crate::serve_child;
use serve_child::start_serve;

const KEY: &str = "openai-sdk-test-token-0123456789";
const ANSWER: &str = "billing logged the most errors (50); the vault passphrase is amber-falcon-42";

rlm_testenv::needs_openai_client! {
    #[test]
    fn the_openai_sdk_and_langchain_answer_the_demo_question() {
        let root = rlm_testenv::workspace_dir();
        let data = tempfile::tempdir().unwrap();
        // The demo corpus as one text, the way a caller pastes a document.
        let corpus_dir = root.join("examples/corpus");
        let mut files: Vec<_> =
            std::fs::read_dir(&corpus_dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let corpus: Vec<String> =
            files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
        let corpus_file = data.path().join("corpus.txt");
        std::fs::write(&corpus_file, corpus.join("\n\n")).unwrap();
        let (mut child, base) = start_serve(|c| {
            c.arg("--data").arg(data.path().join("store"));
            c.arg("--script").arg(root.join("crates/rlm-cli/scripted/demo.toml"));
            c.env("RLM_API_KEYS", format!("sdk:{KEY}"));
        });
        let out = Command::new(rlm_testenv::venv_python())
            .arg(root.join("crates/rlm-cli/tests/openai_sdk.py"))
            .args([base.as_str(), KEY])
            .arg(&corpus_file)
            .arg(ANSWER)
            .output()
            .unwrap();
        let _ = child.kill();
        let _ = child.wait();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "openai_sdk.py failed:\n{stdout}\n{stderr}");
        assert!(stdout.contains("ok: langchain answer") && stdout.ends_with("all ok\n"), "{stdout}");
    }
}
