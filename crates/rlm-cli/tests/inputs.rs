//! Real inputs through the built binary, as a new user meets them: a folder
//! with binary files in it, text in another encoding (`--lossy`), stdin,
//! `rlm exec /dev/zero`, and a trace file that is not a trace.

use assert_cmd::Command;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    for v in ["RLM_MODEL", "RLM_SUB_MODEL", "RLM_FAKE_SCRIPT", "RLM_CONFIG", "RLM_TRACE"] {
        c.env_remove(v);
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
