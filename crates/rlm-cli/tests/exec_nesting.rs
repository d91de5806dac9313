//! Issue #33: `rlm exec` of a program that nests `functools.partial` 10^6
//! deep and calls it prints what CPython prints (3: CPython flattens nested
//! partials), where calling through every level in Rust overflowed the
//! stack and aborted the process (SIGABRT). A value nested 10^6 deep ends
//! with the nesting limit's error, and the process exits normally.

use assert_cmd::Command;
use predicates::prelude::*;

/// Checked with `python3` (3.11): prints `3`, then `3`.
const PARTIAL_MILLION: &str = "\
from functools import partial
p = partial(lambda x, *rest: x, 3)
for _ in range(1000000):
    p = partial(p)
print(p())
q = partial(lambda *a: len(a))
for i in range(3):
    q = partial(q, i)
print(q())
";

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
fn a_partial_nested_a_million_deep_prints_what_cpython_prints() {
    let dir = tempfile::tempdir().unwrap();
    let prog = write(&dir, "partial.py", PARTIAL_MILLION);
    Command::cargo_bin("rlm").unwrap().arg("exec").arg(&prog).assert().success().stdout("3\n3\n");
}

#[test]
fn a_value_nested_a_million_deep_ends_with_the_nesting_error() {
    let dir = tempfile::tempdir().unwrap();
    let prog = write(
        &dir,
        "nested.py",
        "e = ValueError(0)\nfor _ in range(1000000):\n    e = ValueError(e)\nprint(str(e))\n",
    );
    Command::cargo_bin("rlm")
        .unwrap()
        .arg("exec")
        .arg(&prog)
        .assert()
        .failure()
        .stderr(predicate::str::contains("nested too deeply"));
}
