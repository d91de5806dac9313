//! Behaviour of the public API beyond the CPython differential: loaders (files, memory maps,
//! directory trees, streams), UTF-8 errors, zero-copy sharing, token chunking, limits and every
//! bad-input path, which must give a clear error and never panic.

use std::fs;
use std::path::Path;

use rlm_context::{
    Context, ContextError, ContextKind, ContextLimits, Decoding, Encoding, FindOptions, LoadOptions,
};

fn write(dir: &Path, relative: &str, bytes: &[u8]) {
    let path = dir.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn mmap_options() -> LoadOptions {
    LoadOptions { mmap_min_bytes: 0, ..LoadOptions::default() }
}

#[test]
fn a_file_is_memory_mapped_and_sliced_by_code_point() {
    let dir = tempfile::tempdir().unwrap();
    let text = "héllo 日本 😀 wörld\n".repeat(2000);
    write(dir.path(), "big.txt", text.as_bytes());
    let context = Context::from_file(dir.path().join("big.txt"), &mmap_options()).unwrap();
    assert!(context.is_memory_mapped());
    assert_eq!(context.kind(), ContextKind::File);
    assert_eq!(context.len_chars(), text.chars().count() as u64);
    let chars: Vec<char> = text.chars().collect();
    for (start, end) in [(0, 5), (17, 40), (9000, 9100), (31_990, 32_000)] {
        let want: String = chars[start..end].iter().collect();
        assert_eq!(context.slice(Some(start as i64), Some(end as i64)).as_str(), want);
    }
    let found = context.find("wörld", &FindOptions::literal().max_matches(3)).unwrap();
    assert_eq!(found.matches[1].start, 17 + 11);
    assert!(found.truncated);
    assert_eq!(context.documents()[0].name.as_deref(), Some("big.txt"));

    // The same file below the threshold is read, and behaves identically.
    let read = Context::from_file(dir.path().join("big.txt"), &LoadOptions::default()).unwrap();
    assert!(!read.is_memory_mapped());
    assert_eq!(read.as_str(), context.as_str());
    assert_eq!(read.metadata().content_hash, context.metadata().content_hash);
}

#[test]
fn invalid_utf8_names_the_file_and_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "ok ünïcode ".repeat(100).into_bytes();
    let offset = bytes.len();
    bytes.extend_from_slice(&[b'x', 0xff, b'y']);
    write(dir.path(), "bad.txt", &bytes);
    let path = dir.path().join("bad.txt");
    for options in [LoadOptions::default(), mmap_options()] {
        let error = Context::from_file(&path, &options).unwrap_err();
        match &error {
            ContextError::InvalidUtf8 { path: Some(p), byte_offset } => {
                assert_eq!(p, &path);
                assert_eq!(*byte_offset, offset as u64 + 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("bad.txt") && message.contains("lossy"), "{message}");
        let lossy = LoadOptions { decoding: Decoding::Lossy, ..options };
        let context = Context::from_file(&path, &lossy).unwrap();
        assert!(context.as_str().ends_with("x\u{fffd}y"));
    }
    // A file that ends inside a multi-byte sequence.
    write(dir.path(), "cut.txt", &"日本".as_bytes()[..4]);
    let error = Context::from_file(dir.path().join("cut.txt"), &mmap_options()).unwrap_err();
    assert!(matches!(error, ContextError::InvalidUtf8 { byte_offset: 3, .. }), "{error:?}");
    let error = Context::from_bytes(vec![b'a', 0xc3], Decoding::Strict).unwrap_err();
    assert!(matches!(error, ContextError::InvalidUtf8 { path: None, byte_offset: 1 }));
}

#[test]
fn a_directory_tree_loads_with_globs_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.md", b"# B");
    write(dir.path(), "a.txt", "alpha 日本".as_bytes());
    write(dir.path(), "sub/c.txt", b"gamma");
    write(dir.path(), "sub/skip.log", b"log");
    write(dir.path(), ".hidden/x.txt", b"hidden");
    write(dir.path(), "target/d.txt", b"build output");
    let options = LoadOptions {
        include: vec!["**/*.txt".into(), "*.md".into()],
        exclude: vec!["target/**".into()],
        separator: "\n=====\n".into(),
        ..LoadOptions::default()
    };
    let context = Context::from_path(dir.path(), &options).unwrap();
    assert_eq!(context.kind(), ContextKind::Directory);
    let names: Vec<_> = context.documents().iter().map(|d| d.name.clone().unwrap()).collect();
    assert_eq!(names, ["a.txt", "b.md", "sub/c.txt"]);
    assert_eq!(context.as_str(), "alpha 日本\n=====\n# B\n=====\ngamma");
    assert_eq!(context.document_lengths(), [8, 3, 5]);
    assert_eq!(context.get_document(-1).unwrap().as_str(), "gamma");
    assert_eq!(
        context.documents()[2].path.as_deref(),
        Some(dir.path().join("sub/c.txt").as_path())
    );
    // The document a match falls in.
    let hit = context.find("gamma", &FindOptions::literal()).unwrap().matches[0].start;
    assert_eq!(context.document_at(hit), Some(2));
    assert_eq!(context.document_at(9), None, "inside a separator");

    let hidden = LoadOptions { include_hidden: true, ..LoadOptions::default() };
    let all = Context::from_dir(dir.path(), &hidden).unwrap();
    assert!(all.documents().iter().any(|d| d.name.as_deref() == Some(".hidden/x.txt")));
    assert_eq!(all.num_documents(), 6);

    let none = LoadOptions { include: vec!["*.pdf".into()], ..LoadOptions::default() };
    let error = Context::from_dir(dir.path(), &none).unwrap_err();
    assert!(matches!(error, ContextError::NoFilesMatched { .. }), "{error}");
    let bad_glob = LoadOptions { include: vec!["[".into()], ..LoadOptions::default() };
    assert!(matches!(
        Context::from_dir(dir.path(), &bad_glob).unwrap_err(),
        ContextError::InvalidGlob { .. }
    ));
    let few = LoadOptions { max_files: 2, ..LoadOptions::default() };
    assert!(matches!(
        Context::from_dir(dir.path(), &few).unwrap_err(),
        ContextError::TooLarge { .. }
    ));
    write(dir.path(), "z/bad.txt", &[0xc0, 0x80]);
    let error = Context::from_dir(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(error.to_string().contains("bad.txt"), "{error}");
}

#[test]
fn missing_paths_and_streams() {
    let error = Context::from_path("/definitely/not/here", &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, ContextError::Io { .. }));
    assert!(error.to_string().contains("/definitely/not/here"));
    let context =
        Context::from_reader("from a pipe\n".as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(context.kind(), ContextKind::Stream);
    assert_eq!(context.as_str(), "from a pipe\n");
    let small = LoadOptions { max_total_bytes: 4, ..LoadOptions::default() };
    let error = Context::from_reader("too long".as_bytes(), &small).unwrap_err();
    assert!(matches!(error, ContextError::TooLarge { .. }));
}

#[test]
fn views_documents_and_chunks_share_one_buffer() {
    let context = Context::from_documents(["un été 🌞", "二つ目", "third"]);
    let whole = context.text().clone();
    let document = context.get_document(1).unwrap();
    let chunk = &context.chunk(4, 1).unwrap()[2];
    let found = &context.find("つ", &FindOptions::literal().snippet_chars(2)).unwrap().matches[0];
    for view in [&document, &chunk.text, &found.text, &found.snippet] {
        assert!(view.shares_buffer_with(&whole));
    }
    assert_eq!(found.snippet.as_str(), "\n二つ目\n");
    // A sub-context over a slice shares the buffer too, and counts from its own start.
    let sub = Context::from_view(&context.slice(Some(3), Some(9)));
    assert!(sub.text().shares_buffer_with(&whole));
    assert_eq!(sub.as_str(), "été 🌞\n");
    assert_eq!(sub.find("🌞", &FindOptions::literal()).unwrap().matches[0].start, 4);
    assert_eq!(sub.slice(Some(-2), None).as_str(), "🌞\n");
    // Views of views.
    let inner = document.slice(Some(1), None).slice(Some(0), Some(1));
    assert_eq!(inner.as_str(), "つ");
    assert_eq!(inner.buffer_char_range(), 16..17);
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let context = Context::from_text("abc");
    let invalid = |r: Result<Vec<rlm_context::Chunk>, ContextError>| {
        assert!(matches!(r, Err(ContextError::InvalidArgument(_))), "{r:?}")
    };
    invalid(context.chunk(0, 0));
    invalid(context.chunk(3, 3));
    invalid(context.chunk_lines(0));
    invalid(context.chunk_tokens(0, 0, Encoding::Cl100kBase));
    invalid(context.chunk_tokens(5, 5, Encoding::Cl100kBase));
    assert!(context.chunk_documents(0).is_err());
    assert!(matches!(
        context.find("", &FindOptions::literal()),
        Err(ContextError::InvalidArgument(_))
    ));
    let error = context.find("(?<=a)b", &FindOptions::regex()).unwrap_err();
    assert!(matches!(error, ContextError::InvalidRegex { .. }), "{error}");
    assert!(context.find(&"a".repeat(20_000), &FindOptions::literal()).is_err());
    assert!(matches!(context.slice_checked(2, 4), Err(ContextError::OutOfRange { .. })));
    assert!(matches!(context.slice_checked(3, 2), Err(ContextError::OutOfRange { .. })));
    assert_eq!(context.slice_checked(1, 3).unwrap().as_str(), "bc");
    assert!(matches!(context.get_document(1), Err(ContextError::OutOfRange { .. })));
    assert_eq!(context.slice(Some(i64::MIN), Some(i64::MAX)).as_str(), "abc");
    assert_eq!(context.peek(u64::MAX).as_str(), "abc");
    assert_eq!(context.tail(u64::MAX).as_str(), "abc");
    // Huge sizes are fine: one chunk.
    assert_eq!(context.chunk(u64::MAX, u64::MAX - 1).unwrap().len(), 1);
    assert_eq!(context.chunk_lines(u64::MAX).unwrap().len(), 1);
    assert_eq!(context.chunk_tokens(usize::MAX, 0, Encoding::O200kBase).unwrap().len(), 1);
    assert_eq!(context.chunk_documents(usize::MAX).unwrap().len(), 1);
    let found =
        context.find("b", &FindOptions::literal().max_matches(usize::MAX).snippet_chars(u64::MAX));
    assert_eq!(found.unwrap().matches[0].snippet.as_str(), "abc");
    assert!(context.text().char_at(i64::MIN).is_err());
    assert_eq!(context.text().char_at(-1).unwrap(), 'c');
    let empty = Context::from_documents(Vec::<String>::new());
    assert_eq!(empty.num_documents(), 0);
    let error = empty.get_document(0).unwrap_err();
    assert!(error.to_string().contains("no documents"), "{error}");
    assert!(empty.chunk(10, 0).unwrap().is_empty());
    assert!(empty.chunk_documents(3).unwrap().is_empty());
    assert!(empty.find("x", &FindOptions::literal()).unwrap().matches.is_empty());
}

#[test]
fn caps_bound_results() {
    let limits = ContextLimits { max_chunks: 10, max_matches: 5, ..ContextLimits::default() };
    let context = Context::from_text("a".repeat(100)).with_limits(limits);
    let error = context.chunk(5, 0).unwrap_err();
    assert!(matches!(error, ContextError::TooManyResults { count: 20, cap: 10, .. }), "{error}");
    assert!(error.to_string().contains("larger chunk size"));
    assert_eq!(context.chunk(10, 0).unwrap().len(), 10);
    assert!(context.chunk_lines(5).is_err());
    let found = context.find("a", &FindOptions::literal().max_matches(1_000)).unwrap();
    assert_eq!(found.matches.len(), 5);
    assert!(found.truncated);
    assert_eq!(context.count_matches("a", &FindOptions::literal()).unwrap(), 100);
    let none = context.find("a", &FindOptions::literal().max_matches(0)).unwrap();
    assert!(none.matches.is_empty() && none.truncated);
    let exact =
        context.find("aaaaaaaaaaaaaaaaaaaa", &FindOptions::literal().max_matches(5)).unwrap();
    assert_eq!(exact.matches.len(), 5);
    assert!(!exact.truncated);
}

#[test]
fn token_counts_and_token_chunks() {
    // Known counts for these encodings.
    assert_eq!(Encoding::Cl100kBase.count("hello world").unwrap(), 2);
    assert_eq!(Encoding::O200kBase.count("hello world").unwrap(), 2);
    assert_eq!(Encoding::Cl100kBase.count("").unwrap(), 0);
    // Special-token text is ordinary text, not a control token (and does not panic).
    assert!(Encoding::Cl100kBase.count("<|endoftext|>").unwrap() > 1);

    let paragraph =
        "Recursive language models keep very long contexts outside the model. 递归语言模型 😀\n";
    let text = paragraph.repeat(60);
    let context = Context::from_text(text.clone());
    for (encoding, max, overlap) in
        [(Encoding::Cl100kBase, 50, 0), (Encoding::O200kBase, 64, 8), (Encoding::Cl100kBase, 7, 3)]
    {
        let chunks = context.chunk_tokens(max, overlap, encoding).unwrap();
        assert!(chunks.len() > 5);
        assert_eq!(chunks.first().unwrap().start, 0);
        assert_eq!(chunks.last().unwrap().end, context.len_chars());
        for pair in chunks.windows(2) {
            assert!(pair[1].start > pair[0].start, "progress");
            assert!(pair[1].start <= pair[0].end, "no gaps");
            if overlap == 0 {
                assert_eq!(pair[1].start, pair[0].end);
            }
        }
        for chunk in &chunks {
            let count = encoding.count(chunk.text.as_str()).unwrap();
            assert!(count <= max as u64 + 2, "{count} tokens > {max}: {:?}", chunk.text.as_str());
        }
        if overlap == 0 {
            let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
            assert_eq!(joined, text);
        }
    }
}

#[test]
fn metadata_token_count_is_estimated_unless_an_exact_count_is_asked_for() {
    let context = Context::from_text("hello world");
    assert!(!context.metadata().tokens.exact);
    assert_eq!(context.metadata().tokens.count, 3);
    assert!(context.metadata().render().contains("~3 tokens"), "{}", context.metadata().render());
    let options =
        rlm_context::MetadataOptions { exact_tokens_max_bytes: 1 << 20, ..Default::default() };
    let exact = context.metadata_with(&options);
    assert!(exact.tokens.exact);
    assert_eq!(exact.tokens.count, 2);
    let too_big = rlm_context::MetadataOptions { exact_tokens_max_bytes: 4, ..Default::default() };
    assert!(!context.metadata_with(&too_big).tokens.exact);
}

#[test]
fn pages_between_markers() {
    let text = "cover<!-- Page 1 -->première page<!-- Page 2 -->第二页 😀<!-- Page 3 -->last";
    let context = Context::from_text(text);
    assert_eq!(context.page(1, None).unwrap().unwrap().as_str(), "première page");
    let second = context.page(2, None).unwrap().unwrap();
    assert_eq!(second.as_str(), "第二页 😀");
    // Positions are code points: the view's range slices back to the same text.
    let range = second.buffer_char_range();
    let back = context.slice(Some(range.start as i64), Some(range.end as i64));
    assert_eq!(back.as_str(), "第二页 😀");
    assert_eq!(context.page(3, None).unwrap().unwrap().as_str(), "last");
    assert!(context.page(4, None).unwrap().is_none());
    assert_eq!(context.page(2, Some(r"\[p(\d+)\]")).unwrap(), None);
    assert!(matches!(context.page(1, Some("no group")), Err(ContextError::InvalidArgument(_))));
    assert!(matches!(context.page(1, Some("(")), Err(ContextError::InvalidRegex { .. })));
}

#[test]
fn views_count_tokens() {
    let context = Context::from_text("hello world, hello world");
    let view = context.slice(Some(0), Some(11));
    assert_eq!(view.count_tokens(Encoding::Cl100kBase).unwrap(), 2);
    assert!(view.estimate_tokens() >= 2);
}

#[test]
fn a_file_with_a_recorded_document_layout_maps_into_documents() {
    let dir = tempfile::tempdir().unwrap();
    let sep = "\n\n---\n\n";
    let docs = ["héllo wörld", "second ✓ doc", "third"];
    write(dir.path(), "joined.txt", docs.join(sep).as_bytes());
    let layout: Vec<(Option<String>, usize)> =
        docs.iter().enumerate().map(|(i, d)| (Some(format!("d{i}")), d.len())).collect();
    let path = dir.path().join("joined.txt");
    let context = Context::from_file_with_documents(&path, &layout, sep, &mmap_options()).unwrap();
    assert_eq!(context.num_documents(), 3);
    assert_eq!(context.get_document(1).unwrap().as_str(), "second ✓ doc");
    assert_eq!(context.get_document(2).unwrap().as_str(), "third");
    assert_eq!(context.len_chars(), docs.join(sep).chars().count() as u64);
    // A layout that does not match the file is an error, not a wrong split.
    let mut wrong = layout.clone();
    wrong[0].1 += 1;
    assert!(Context::from_file_with_documents(&path, &wrong, sep, &mmap_options()).is_err());
    let total = docs.join(sep).len();
    let cut = vec![(None, 2), (None, total - 2 - sep.len())];
    assert!(Context::from_file_with_documents(&path, &cut, sep, &mmap_options()).is_err());
    assert!(Context::from_file_with_documents(&path, &[], sep, &mmap_options()).is_err());
}
