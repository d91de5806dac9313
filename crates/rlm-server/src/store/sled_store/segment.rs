//! The size of the log segments a store is opened with.
//!
//! sled writes a page (a tree node, up to 16 records before it splits)
//! larger than a quarter of a segment to a file of its own, and writes the
//! file again, and deletes the old one, each time the page is rewritten. At
//! sled's default segment of 512 KiB that is every node of records of 8 KiB
//! or more (executions, trace chunks, sessions): under the README demo's
//! load, a file created and deleted every few executions, and the kernel's
//! file creation ~8% of the server's CPU (issue #80). A segment of
//! [`SEGMENT_BYTES`] keeps such pages in the log.

use std::path::Path;

/// The segment of a store created now: a page up to 1 MiB stays in the log.
pub(super) const SEGMENT_BYTES: usize = 4 << 20;

/// sled's own default, which every store created before [`SEGMENT_BYTES`]
/// was set has.
const SLED_DEFAULT: usize = 512 << 10;

/// The segment size to open the store at `path` with: the one it was
/// created with (sled refuses another), read from sled's `conf` file;
/// [`SEGMENT_BYTES`] for a new store (no `conf`, no log).
///
/// A `conf` without a size sled could have written (cut short, damaged),
/// or a log without its `conf`, gets sled's default, as before this size
/// was set: sled then finds the damage itself and the store is reported
/// damaged, not opened at a size read from a broken file.
pub(super) fn segment_size(path: &Path) -> usize {
    match std::fs::read(path.join("conf")) {
        Ok(conf) => String::from_utf8_lossy(&conf)
            .lines()
            .find_map(|line| line.strip_prefix("segment_size: ")?.trim().parse::<usize>().ok())
            .filter(|size| size.is_power_of_two() && *size >= SLED_DEFAULT)
            .unwrap_or(SLED_DEFAULT),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !path.join("db").exists() => {
            SEGMENT_BYTES
        }
        // A log without its `conf`, or an unreadable one: sled reports it.
        Err(_) => SLED_DEFAULT,
    }
}

#[cfg(test)]
mod tests {
    use super::{SEGMENT_BYTES, SLED_DEFAULT, segment_size};

    #[test]
    fn a_new_store_gets_the_large_segment_and_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(segment_size(dir.path()), SEGMENT_BYTES);
        // A store sled created with its default segment opens with it again.
        let old = dir.path().join("old");
        sled::Config::new().path(&old).open().unwrap().flush().unwrap();
        assert_eq!(segment_size(&old), SLED_DEFAULT);
        let new = dir.path().join("new");
        let config = sled::Config::new().path(&new).segment_size(segment_size(&new));
        config.open().unwrap().flush().unwrap();
        assert_eq!(segment_size(&new), SEGMENT_BYTES);
        // Each reopens at the size it reads.
        for path in [&old, &new] {
            sled::Config::new().path(path).segment_size(segment_size(path)).open().unwrap();
        }
        // A `conf` cut short, or missing beside a log, is not read as a size.
        let conf = std::fs::read(new.join("conf")).unwrap();
        for cut in 0..conf.len() {
            std::fs::write(new.join("conf"), &conf[..cut]).unwrap();
            let size = segment_size(&new);
            assert!(size == SLED_DEFAULT || size == SEGMENT_BYTES, "cut at {cut}: {size}");
        }
        std::fs::remove_file(new.join("conf")).unwrap();
        assert_eq!(segment_size(&new), SLED_DEFAULT);
    }
}
