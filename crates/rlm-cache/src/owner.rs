//! Who holds a cache folder: the process that opened its database writes a
//! line naming itself (`pid 4242: python3 app.py`) into the folder, so a
//! second process refused by sled's lock can say which process to stop.
//! The line is advice, never a lock: sled's `flock` is the lock, and the
//! kernel drops it when its process exits, however it exits.

use std::path::Path;

/// The file in a cache folder naming the process holding it.
pub const OWNER_FILE: &str = "rlm-cache.owner";

/// The longest command line kept in the record.
const MAX_COMMAND_CHARS: usize = 200;

/// Names this process in `folder` (just after taking sled's lock). A
/// folder that refuses the write loses only the name in a later error.
pub fn record(folder: &Path) {
    let _ = std::fs::write(folder.join(OWNER_FILE), format!("{}\n", this_process()));
}

/// The process that recorded itself in `folder`, as its record says
/// (`pid 4242: python3 app.py`), or `None` when there is no record.
pub fn holder(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join(OWNER_FILE)).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// `pid <id>: <command line>` of this process.
fn this_process() -> String {
    let command = std::fs::read("/proc/self/cmdline")
        .ok()
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .or_else(|| std::env::current_exe().ok().map(|p| p.display().to_string()))
        .unwrap_or_default();
    let command: String = command.chars().take(MAX_COMMAND_CHARS).collect();
    format!("pid {}: {command}", std::process::id())
}
