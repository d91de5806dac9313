//! The local embedding model loads offline from the files the fetch script
//! caches (`scripts/fetch-embedding-model.sh`, run by `.ci/test`; without them the tests are skipped) and produces
//! sentence embeddings that behave as all-MiniLM-L6-v2's do.

use std::path::PathBuf;

use rlm_retrieval::{Embedder, MiniLmEmbedder, RetrievalError, default_model_dir};

fn model_dir() -> PathBuf {
    let dir = default_model_dir().expect("HOME or RLM_MODEL_CACHE is set");
    assert!(
        dir.join("model.safetensors").exists(),
        "{} has no model: run crates/rlm-retrieval/scripts/fetch-embedding-model.sh",
        dir.display()
    );
    dir
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

rlm_testenv::needs_embedding_model! {
    #[test]
    fn loads_offline_and_embeds_meaningfully() {
        let model = MiniLmEmbedder::load(&model_dir()).unwrap();
        assert_eq!(model.id(), "local:all-MiniLM-L6-v2");
        let texts: Vec<String> = [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The girl is carrying a baby.",
            "A man is riding a horse.",
        ]
        .map(String::from)
        .to_vec();
        let v = model.embed_sync(&texts).unwrap();
        assert_eq!(v.len(), 4);
        for e in &v {
            assert_eq!(e.len(), 384);
            let norm: f32 = e.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        }
        let eating = cosine(&v[0], &v[1]);
        assert!(eating > 0.6, "{eating}");
        assert!(eating > cosine(&v[0], &v[2]) + 0.3);
        assert!(eating > cosine(&v[0], &v[3]));
        // Batching (padding) does not change a text's embedding.
        let alone = model.embed_sync(&texts[..1]).unwrap();
        assert!(cosine(&alone[0], &v[0]) > 0.9999);
        // Long inputs are truncated to the model's limit, not refused.
        let long = vec!["word ".repeat(5000)];
        assert_eq!(model.embed_sync(&long).unwrap()[0].len(), 384);
        assert!(model.embed_sync(&[]).unwrap().is_empty());
    }
}

rlm_testenv::needs_embedding_model! {
    #[test]
    fn missing_or_corrupt_files_are_errors_naming_the_fetch_script() {
        let empty = tempfile::tempdir().unwrap();
        let err = MiniLmEmbedder::load(empty.path()).unwrap_err();
        assert!(
            matches!(&err, RetrievalError::Model(m) if m.contains("fetch-embedding-model.sh")),
            "{err}"
        );

        let broken = tempfile::tempdir().unwrap();
        let src = model_dir();
        std::fs::copy(src.join("config.json"), broken.path().join("config.json")).unwrap();
        std::fs::copy(src.join("tokenizer.json"), broken.path().join("tokenizer.json")).unwrap();
        std::fs::write(broken.path().join("model.safetensors"), b"not safetensors").unwrap();
        assert!(matches!(MiniLmEmbedder::load(broken.path()), Err(RetrievalError::Model(_))));
    }
}
