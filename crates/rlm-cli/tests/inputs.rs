//! Real inputs through the built binary, as a new user meets them: a folder
//! with binary files in it, text in another encoding (`--lossy`), stdin,
//! `rlm exec /dev/zero`, and a trace file that is not a trace.

use assert_cmd::Command;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            c.env_remove(name);
        }
    }
    c
}

const PRINT_DOCS: &str =
    "print(ctx.num_documents(), [ctx.get_document(i)[:5] for i in range(ctx.num_documents())])\n";

#[test]
fn binary_files_in_a_folder_are_skipped_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), "alpha text").unwrap();
    std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(dir.path().join("z.txt"), "omega text").unwrap();
    let cell = dir.path().join("cell.py");
    std::fs::write(&cell, PRINT_DOCS).unwrap();
    let out = rlm().arg("exec").arg(&cell).arg("--context").arg(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // cell.py is a document too: a, cell, z.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3 ['alpha', 'print', 'omega']\n");
    let notices: Vec<&str> = stderr.lines().filter(|l| l.contains("binary file skipped")).collect();
    assert_eq!(
        notices,
        [format!("rlm: {}: binary file skipped", dir.path().join("logo.png").display())]
    );
}

/// Several `--context` files are one document each, in the order given,
/// named by file name; a binary one among them is an error, as it is alone.
#[test]
fn several_context_files_are_one_document_each() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = ["b.txt", "a.md", "c.log"]
        .iter()
        .zip(["bravo text", "alpha text", "charlie ✓ text"])
        .map(|(name, text)| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    let cell = dir.path().join("cell.py");
    std::fs::write(
        &cell,
        "print(ctx.num_documents(), [ctx.get_document(i)[:7] for i in range(3)])\n\
         print(ctx.get_document(2))\n",
    )
    .unwrap();
    let mut c = rlm();
    c.arg("exec").arg(&cell);
    for f in &files {
        c.arg("--context").arg(f);
    }
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("3 ['bravo t', 'alpha t', 'charlie']"));
    assert_eq!(lines.last(), Some("charlie ✓ text"));
    let png = dir.path().join("logo.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = rlm()
        .arg("exec")
        .arg(&cell)
        .arg("--context")
        .arg(&files[0])
        .arg("--context")
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("logo.png is a binary file"));
}

#[test]
fn other_encodings_name_the_lossy_flag_which_exists() {
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("menu.txt");
    std::fs::write(&latin1, b"caf\xe9 cr\xe8me").unwrap();
    let cell = dir.path().join("cell.py");
    std::fs::write(&cell, "print(len(context), context[3] == '\\ufffd')\n").unwrap();
    let strict = rlm().arg("exec").arg(&cell).arg("--context").arg(&latin1).output().unwrap();
    assert_eq!(strict.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(stderr.contains("not valid UTF-8 at byte offset 3; pass --lossy"), "{stderr}");
    let lossy =
        rlm().arg("exec").arg(&cell).arg("--context").arg(&latin1).arg("--lossy").output().unwrap();
    assert_eq!(lossy.status.code(), Some(0), "{}", String::from_utf8_lossy(&lossy.stderr));
    assert_eq!(String::from_utf8_lossy(&lossy.stdout), "10 True\n");
    // `rlm run` has the flag as well (the error names only flags that exist).
    let run = rlm().args(["run", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).contains("--lossy"));
}

#[test]
fn stdin_context_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let cell = dir.path().join("cell.py");
    std::fs::write(&cell, "print(len(context), context[:4])\n").unwrap();
    let out = rlm()
        .arg("exec")
        .arg(&cell)
        .args(["--context", "-"])
        .write_stdin("from stdin\n".repeat(1000))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "11000 from\n");
}

#[test]
fn exec_of_an_endless_file_fails_after_the_source_cap() {
    let out = rlm()
        .args(["exec", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a program is at most 1048576 bytes"), "{stderr}");
}

#[test]
fn trace_show_of_a_bad_file_exits_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in
        [("bad.jsonl", "{\"seq\": 1}\nnot json\n"), ("empty.jsonl", ""), ("obj.jsonl", "{}\n")]
    {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = rlm().args(["trace", "show"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "), "{name}");
    }
}
