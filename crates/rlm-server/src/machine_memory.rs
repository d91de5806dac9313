//! How much memory this process may use: the cgroup's limit (v2
//! `memory.max`, v1 `memory.limit_in_bytes`) when one is set, else the
//! machine's (`MemTotal` in `/proc/meminfo`). The sandbox memory governor's
//! default bound is a fraction of it.

use std::path::Path;

/// The default `--max-sandbox-memory`: this share of [`available`].
pub const DEFAULT_SANDBOX_SHARE: (u64, u64) = (1, 2);

/// What is assumed when nothing can be read (not Linux, no /proc).
const FALLBACK_BYTES: u64 = 4 << 30;

/// The memory this process may use, in bytes.
pub fn available() -> u64 {
    let machine = read_meminfo(Path::new("/proc/meminfo")).unwrap_or(FALLBACK_BYTES);
    let cgroup = cgroup_limit(Path::new("/proc/self/cgroup"), Path::new("/sys/fs/cgroup"));
    cgroup.map_or(machine, |limit| limit.min(machine))
}

/// The default bound of the sandboxes' budgets together.
pub fn default_sandbox_bound() -> u64 {
    let (num, den) = DEFAULT_SANDBOX_SHARE;
    available() / den * num
}

/// `MemTotal` in bytes.
fn read_meminfo(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The memory limit of this process's cgroup, v2 or v1 (`None`: no limit,
/// or none readable).
fn cgroup_limit(self_cgroup: &Path, root: &Path) -> Option<u64> {
    let membership = std::fs::read_to_string(self_cgroup).ok()?;
    for line in membership.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        let candidates = if id == "0" && controllers.is_empty() {
            [root.join(rel).join("memory.max"), root.join("unified").join(rel).join("memory.max")]
        } else if controllers.split(',').any(|c| c == "memory") {
            // Inside a container the cgroup is often mounted at the root.
            [
                root.join("memory").join(rel).join("memory.limit_in_bytes"),
                root.join("memory").join("memory.limit_in_bytes"),
            ]
        } else {
            continue;
        };
        if let Some(limit) = candidates.iter().find_map(|p| read_limit(p)) {
            return Some(limit);
        }
    }
    None
}

/// A limit file's bytes; `max` and v1's "no limit" (near `i64::MAX`) are none.
fn read_limit(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < 1 << 60).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_v2_limit_and_ignores_max() {
        let dir = tempfile::tempdir().expect("tempdir");
        let group = dir.path().join("sys/app");
        std::fs::create_dir_all(&group).expect("mkdir");
        let cgroup = dir.path().join("cgroup");
        std::fs::write(&cgroup, "0::/app\n").expect("write");
        std::fs::write(group.join("memory.max"), "2147483648\n").expect("write");
        assert_eq!(cgroup_limit(&cgroup, &dir.path().join("sys")), Some(2 << 30));
        std::fs::write(group.join("memory.max"), "max\n").expect("write");
        assert_eq!(cgroup_limit(&cgroup, &dir.path().join("sys")), None);
    }

    #[test]
    fn reads_a_v1_limit_and_meminfo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mem = dir.path().join("memory");
        std::fs::create_dir_all(&mem).expect("mkdir");
        let cgroup = dir.path().join("cgroup");
        std::fs::write(&cgroup, "4:memory:/docker/abc\n0::/\n").expect("write");
        std::fs::write(mem.join("memory.limit_in_bytes"), "1073741824").expect("write");
        assert_eq!(cgroup_limit(&cgroup, dir.path()), Some(1 << 30));
        std::fs::write(mem.join("memory.limit_in_bytes"), "9223372036854771712").expect("write");
        assert_eq!(cgroup_limit(&cgroup, dir.path()), None);
        let meminfo = dir.path().join("meminfo");
        std::fs::write(&meminfo, "MemTotal:       16384 kB\nMemFree: 1 kB\n").expect("write");
        assert_eq!(read_meminfo(&meminfo), Some(16 << 20));
        assert!(available() > 0);
    }
}
