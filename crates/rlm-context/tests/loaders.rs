//! Real inputs: folders with binary files in them (skipped and reported,
//! having read only their first block), files past the size cap (refused
//! before a byte is read, mapped or not),
//! text in other encodings (`Decoding::Lossy`), a folder's documents as views
//! into one buffer, and streams spooled to a temporary file.

use rlm_context::{Context, ContextError, Decoding, LoadOptions};

fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

#[test]
fn binary_files_in_a_folder_are_skipped_and_reported() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let dir = folder(&[("a.md", b"alpha"), ("img/logo.png", png), ("z.txt", b"omega")]);
    let loaded = Context::load_dir(dir.path(), &LoadOptions::default()).unwrap();
    assert_eq!(loaded.skipped_binary, vec![dir.path().join("img/logo.png")]);
    let ctx = loaded.context;
    assert_eq!(ctx.num_documents(), 2);
    assert_eq!(ctx.get_document(0).unwrap().as_str(), "alpha");
    assert_eq!(ctx.get_document(1).unwrap().as_str(), "omega");
    assert_eq!(ctx.text().as_str(), format!("alpha{}omega", rlm_context::DEFAULT_SEPARATOR));
    assert_eq!(
        ctx.documents()[1].chars.start,
        5 + rlm_context::DEFAULT_SEPARATOR.chars().count() as u64
    );
    // Named on its own, a binary file is an error that says so.
    let err =
        Context::from_file(dir.path().join("img/logo.png"), &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, ContextError::BinaryFile { byte_offset: 8, .. }), "{err}");
    // Only binary files: nothing matched.
    let only = folder(&[("x.bin", b"\0\0")]);
    assert!(matches!(
        Context::load_dir(only.path(), &LoadOptions::default()),
        Err(ContextError::NoFilesMatched { .. })
    ));
}

/// A 1 TiB sparse binary file beside two small text files: read whole it
/// would take the machine's memory; skipped on its first block, the folder
/// loads at once. The same file past the cap is refused by its size alone.
#[test]
fn a_huge_binary_file_is_skipped_on_its_head_and_a_huge_file_refused_by_its_size() {
    let dir = folder(&[("a.txt", b"alpha"), ("z.txt", b"omega")]);
    let huge = std::fs::File::create(dir.path().join("m.bin")).unwrap();
    huge.set_len(1 << 40).unwrap();
    let uncapped = LoadOptions { max_total_bytes: u64::MAX, ..LoadOptions::default() };
    let loaded = Context::load_dir(dir.path(), &uncapped).unwrap();
    assert_eq!(loaded.skipped_binary, vec![dir.path().join("m.bin")]);
    assert_eq!(loaded.context.num_documents(), 2);
    let files =
        [("a".to_string(), dir.path().join("a.txt")), ("m".into(), dir.path().join("m.bin"))];
    let listed = Context::load_files(&files, &uncapped).unwrap();
    assert_eq!(listed.skipped_binary, vec![dir.path().join("m.bin")]);
    // Capped: refused from the sizes the walk listed, whether or not a file would be mapped.
    let capped =
        LoadOptions { max_total_bytes: 1 << 20, mmap_min_bytes: 1, ..LoadOptions::default() };
    let err = Context::load_dir(dir.path(), &capped).unwrap_err();
    assert!(matches!(err, ContextError::TooLarge { found, .. } if found > 1 << 40), "{err}");
    let text = dir.path().join("big.txt");
    std::fs::write(&text, "x".repeat(2 << 20)).unwrap();
    let err = Context::from_file(&text, &capped).unwrap_err();
    assert!(matches!(err, ContextError::TooLarge { found, .. } if found == 2 << 20), "{err}");
}

#[test]
fn other_encodings_fail_strictly_and_load_lossily() {
    let latin1 = b"caf\xe9 cr\xe8me";
    let dir = folder(&[("a.txt", b"ok"), ("b.txt", latin1)]);
    let err = Context::from_dir(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, ContextError::InvalidUtf8 { byte_offset: 3, .. }), "{err}");
    let lossy = LoadOptions { decoding: Decoding::Lossy, ..LoadOptions::default() };
    let ctx = Context::from_dir(dir.path(), &lossy).unwrap();
    assert_eq!(ctx.get_document(1).unwrap().as_str(), "caf\u{fffd} cr\u{fffd}me");
    assert_eq!(ctx.documents()[1].chars.end - ctx.documents()[1].chars.start, 10);
}

#[test]
fn streams_are_spooled_and_mapped_when_large() {
    let text = "line of text\n".repeat(2000);
    let small = Context::from_reader(text.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(small.text().as_str(), text);
    let mapped_opts = LoadOptions { mmap_min_bytes: 1, ..LoadOptions::default() };
    let mapped = Context::from_reader(text.as_bytes(), &mapped_opts).unwrap();
    assert_eq!(mapped.text().as_str(), text);
    assert_eq!(mapped.documents()[0].name.as_deref(), Some("<stdin>"));
    let bad = Context::from_reader(&b"ab\xffcd"[..], &mapped_opts).unwrap_err();
    assert!(matches!(bad, ContextError::InvalidUtf8 { byte_offset: 2, .. }), "{bad}");
    let lossy = LoadOptions { decoding: Decoding::Lossy, ..mapped_opts };
    assert_eq!(
        Context::from_reader(&b"ab\xffcd"[..], &lossy).unwrap().text().as_str(),
        "ab\u{fffd}cd"
    );
    let capped = LoadOptions { max_total_bytes: 10, ..LoadOptions::default() };
    assert!(matches!(
        Context::from_reader(text.as_bytes(), &capped),
        Err(ContextError::TooLarge { .. })
    ));
}
