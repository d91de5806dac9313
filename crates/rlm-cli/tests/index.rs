//! `rlm index`: builds the retrieval index beside a file or inside a folder,
//! reuses it on the next call, rebuilds it when the context changes, searches it
//! (BM25, or hybrid with the local embedding model), and refuses bad input with
//! one paragraph and exit 2.

use assert_cmd::Command;

fn rlm() -> Command {
    Command::cargo_bin("rlm").unwrap()
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn builds_beside_a_file_then_reuses_and_searches() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    let filler = "Meeting notes about the quarterly roadmap and hiring plans. ".repeat(200);
    std::fs::write(&file, format!("{filler}The vault passphrase is amber-falcon-7. {filler}"))
        .unwrap();

    let (code, _, err) = output(rlm().arg("index").arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("entries (chunks of 1000 chars), BM25 index built in"), "{err}");
    assert!(dir.path().join("notes.txt.rlm-index/manifest.json").exists());

    let (code, out, err) =
        output(rlm().arg("index").arg(&file).args(["--search", "vault passphrase", "-k", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("BM25 index reused"), "{err}");
    assert!(out.contains("The vault passphrase is amber-falcon-7."), "{out}");

    // A changed file is indexed again.
    std::fs::write(&file, "A short new text about owls.").unwrap();
    let (code, out, err) =
        output(rlm().arg("index").arg(&file).args(["--json", "--search", "owls"]));
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["report"]["bm25_reused"], false);
    assert_eq!(doc["report"]["rebuilt_because"], "the context or the chunking changed");
    assert_eq!(doc["hits"][0]["doc_id"], "notes.txt");
}

rlm_testenv::needs_embedding_model! {
    #[test]
    fn folders_are_indexed_per_file_and_hybrid_search_uses_the_local_model() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("owls.txt"), "Owls hunt small rodents at night.").unwrap();
        std::fs::write(dir.path().join("bees.txt"), "Bees collect nectar to make honey.").unwrap();
        let (code, out, err) = output(rlm().arg("index").arg(dir.path()).args([
            "--vectors",
            "local",
            "--search",
            "nocturnal birds",
            "-k",
            "2",
        ]));
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("2 entries (documents)"), "{err}");
        assert!(err.contains("vectors computed"), "{err}");
        // No word of the query is in either file: the embedding model finds the owls.
        assert!(out.starts_with("owls.txt"), "{out}");
        assert!(dir.path().join(".rlm-index/vectors.safetensors").exists());
        // The index folder is hidden, so it is not part of the context the next time.
        let (code, _, err) = output(rlm().arg("index").arg(dir.path()).args(["--vectors", "local"]));
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("BM25 index reused") && err.contains("vectors reused"), "{err}");
    }
}

#[test]
fn bad_input_is_one_paragraph_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = output(rlm().arg("index").arg(dir.path().join("missing.txt")));
    assert_eq!(code, 2);
    assert!(err.starts_with("error: ") && err.trim_end().lines().count() == 1, "{err}");
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "text").unwrap();
    let (code, _, err) =
        output(rlm().arg("index").arg(&file).args(["--chunk-chars", "10", "--overlap", "10"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than the overlap"), "{err}");
    let (code, _, err) = output(rlm().arg("index").arg(&file).args(["--vectors", "nonsense"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("use `local`, `openai:MODEL` or `ollama:MODEL`"), "{err}");
}
