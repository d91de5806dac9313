//! Snapshot tests of the metadata shown to the root model: the rendered lines and the JSON form.
//! They are part of the prompt, so any change must be deliberate (review the `.snap` diff).

use rlm_context::{Context, Document, LoadOptions};

fn snapshot(name: &str, context: &Context) {
    let metadata = context.metadata().clone();
    let root = env!("CARGO_MANIFEST_DIR");
    let rendered = metadata.render().replace(root, "<crate>");
    insta::assert_snapshot!(format!("{name}_rendered"), rendered);
    insta::assert_json_snapshot!(format!("{name}_json"), metadata, {
        ".source" => insta::dynamic_redaction(move |value, _| {
            value.as_str().map_or(value.clone(), |s| s.replace(root, "<crate>").into())
        }),
    });
}

#[test]
fn plain_string() {
    snapshot("plain_string", &Context::from_text("The quick brown fox jumps over the lazy dog."));
}

#[test]
fn mixed_scripts_with_a_long_preview() {
    let text = "Zürich 日本語 😀 e\u{301}\n\"quoted\"\t".repeat(30);
    snapshot("mixed_scripts", &Context::from_text(text));
}

#[test]
fn named_documents() {
    let documents = (0..14).map(|i| {
        Document::named(format!("doc-{i:02}.txt"), format!("Document {i}. ").repeat(i + 1))
    });
    snapshot("named_documents", &Context::from_documents(documents));
}

#[test]
fn empty_contexts() {
    snapshot("empty_string", &Context::from_text(""));
    snapshot("empty_document_list", &Context::from_documents(Vec::<String>::new()));
}

#[test]
fn directory() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus");
    snapshot("directory", &Context::from_dir(root, &LoadOptions::default()).unwrap());
}

#[test]
fn metadata_is_stable_across_clones_and_reloads() {
    let a = Context::from_documents(["one", "two"]);
    let b = Context::from_documents(["one", "two"]);
    assert_eq!(a.metadata(), b.metadata());
    assert_eq!(a.clone().metadata(), a.metadata());
    let c = Context::from_documents(["one", "two!"]);
    assert_ne!(a.metadata().content_hash, c.metadata().content_hash);
}
