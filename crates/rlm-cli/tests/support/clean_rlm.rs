//! The `rlm` binary as the tests run it: in a folder of the test's, with
//! no configuration of the machine's leaking in (`HOME` the folder, no
//! `XDG_CONFIG_HOME`, no `RLM_*` variable).

use std::path::Path;
use std::process::Command;

/// A process of the `rlm` binary, in `dir`, with no configuration of the
/// machine's leaking in.
pub fn rlm(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rlm"));
    c.current_dir(dir).env("HOME", dir).env_remove("XDG_CONFIG_HOME");
    for (k, _) in std::env::vars() {
        if k.starts_with("RLM_") {
            c.env_remove(k);
        }
    }
    c
}
