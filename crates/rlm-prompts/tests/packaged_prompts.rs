//! Every text a model reads lives in the workspace's top-level `prompts/` (the
//! design card's layout), one folder per crate that embeds it. Each such
//! crate reaches its folder through a `prompts` symlink, which `cargo package`
//! resolves, so the crate still packages on its own. This test packages each
//! crate as crates.io would receive it and fails if its `prompts/` is not
//! byte for byte the top-level folder: a symlink replaced by a copy that then
//! drifts, a file the package leaves out, or one only the package has.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each crate that embeds model-facing text, and its folder under `prompts/`.
const EMBEDDERS: &[(&str, &str)] = &[
    ("rlm-prompts", "loop"),
    ("rlm-helps", "helps"),
    ("rlm-retrieval", "retrieval"),
    ("rlm-taskspec", "criteria"),
    ("rlm-server", "server"),
    ("rlm-cli", "optimize"),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Every file under `dir` (following symlinks), by its path relative to `dir`.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// `cargo package` of one crate (no build, no lockfile: the workspace's own
/// crates are not on crates.io), unpacked into `into`; returns its folder.
fn packaged(krate: &str, into: &Path) -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let target = into.join("target");
    let out = Command::new(cargo)
        .current_dir(&root)
        .args(["package", "-p", krate, "--no-verify", "--allow-dirty", "--offline"])
        .args(["--exclude-lockfile", "--quiet", "--target-dir"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo package -p {krate}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version = env!("CARGO_PKG_VERSION");
    let archive = target.join("package").join(format!("{krate}-{version}.crate"));
    let unpacked = into.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let status =
        Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&unpacked).status().unwrap();
    assert!(status.success(), "tar could not unpack {}", archive.display());
    unpacked.join(format!("{krate}-{version}"))
}

#[test]
fn each_packaged_crate_holds_the_top_level_prompts_byte_for_byte() {
    let root = workspace_root();
    for (krate, folder) in EMBEDDERS {
        let source = root.join("prompts").join(folder);
        let expected = files_under(&source);
        assert!(!expected.is_empty(), "prompts/{folder} is empty");
        let scratch = tempfile::tempdir().unwrap();
        let package = packaged(krate, scratch.path());
        let shipped = files_under(&package.join("prompts"));
        let missing: Vec<_> = expected.keys().filter(|k| !shipped.contains_key(*k)).collect();
        let extra: Vec<_> = shipped.keys().filter(|k| !expected.contains_key(*k)).collect();
        let differing: Vec<_> =
            expected.iter().filter(|(k, v)| shipped.get(*k).is_some_and(|s| s != *v)).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && differing.is_empty(),
            "{krate}'s package differs from prompts/{folder}: missing {missing:?}, extra {extra:?}, \
             differing {:?}",
            differing.iter().map(|(k, _)| k).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_top_level_prompts_folder_belongs_to_a_crate() {
    let root = workspace_root();
    for entry in std::fs::read_dir(root.join("prompts")).unwrap() {
        let entry = entry.unwrap();
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            EMBEDDERS.iter().any(|(_, folder)| *folder == name),
            "prompts/{name} is embedded by no crate this test packages: add it to EMBEDDERS"
        );
    }
    for (krate, folder) in EMBEDDERS {
        let link = root.join("crates").join(krate).join("prompts");
        let target = std::fs::read_link(&link)
            .unwrap_or_else(|e| panic!("{} is not a symlink: {e}", link.display()));
        assert_eq!(target, Path::new("../../prompts").join(folder), "{}", link.display());
    }
}
