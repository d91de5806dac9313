//! Content-addressed blobs: large bytes (contexts) kept out of the
//! database's rows, named by the SHA-256 of their content. One small trait,
//! [`BlobStore`], so an S3-compatible store can stand beside the folder one,
//! [`FolderBlobs`]: a blob is written to a temporary file, fsynced, renamed
//! to its hash and the folder fsynced, so a crash leaves it whole or absent;
//! the same content is stored once.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A blob store's failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0:?} is not a blob name (64 lower-case hex digits)")]
    BadName(String),
    #[error("blob {0} is not stored")]
    Missing(String),
}

fn io(what: impl Into<String>, source: std::io::Error) -> BlobError {
    BlobError::Io { what: what.into(), source }
}

/// Where content-addressed blobs live.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes`; returns their name (SHA-256, hex).
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError>;
    /// Stores the content of the file at `source`, read in chunks (never
    /// whole in memory); returns its name. `source` is left as it was.
    fn put_file(&self, source: &Path) -> Result<String, BlobError>;
    /// A local file holding the blob (to memory-map it); an S3 store
    /// fetches it into a local cache first.
    fn local_path(&self, name: &str) -> Result<PathBuf, BlobError>;
    /// Whether the blob is stored.
    fn contains(&self, name: &str) -> Result<bool, BlobError>;
    /// Deletes the blob; `false` if it was not stored.
    fn delete(&self, name: &str) -> Result<bool, BlobError>;
}

/// Whether `name` is a blob name: 64 lower-case hex digits, so it never
/// leaves the folder.
pub fn valid_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn checked(name: &str) -> Result<&str, BlobError> {
    if valid_name(name) {
        Ok(name)
    } else {
        Err(BlobError::BadName(name.chars().take(80).collect()))
    }
}

/// Blobs as files in one folder (local disk, or a shared mount several
/// servers use).
#[derive(Debug, Clone)]
pub struct FolderBlobs {
    dir: PathBuf,
}

impl FolderBlobs {
    /// Opens (creating) the folder; temporary files a crash left behind go.
    pub fn open(dir: PathBuf) -> Result<Self, BlobError> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| io(format!("cannot create {}", dir.display()), e))?;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with(".tmp-") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(FolderBlobs { dir })
    }

    /// Writes through `fill` into a temporary file, then moves it to its
    /// hash's name durably.
    fn store(
        &self,
        fill: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), BlobError>) -> Result<(), BlobError>,
    ) -> Result<String, BlobError> {
        let tmp = self.dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let result = (|| {
            let file = std::fs::File::create(&tmp).map_err(|e| io("cannot create a blob", e))?;
            let mut out = std::io::BufWriter::new(file);
            let mut hasher = Sha256::new();
            fill(&mut |chunk: &[u8]| {
                hasher.update(chunk);
                out.write_all(chunk).map_err(|e| io("cannot write a blob", e))
            })?;
            let file = out.into_inner().map_err(|e| io("cannot write a blob", e.into_error()))?;
            file.sync_all().map_err(|e| io("cannot write a blob", e))?;
            let name = hex(&hasher.finalize());
            std::fs::rename(&tmp, self.dir.join(&name))
                .map_err(|e| io("cannot store a blob", e))?;
            std::fs::File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io("cannot store a blob", e))?;
            Ok(name)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl BlobStore for FolderBlobs {
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        self.store(|write| write(bytes))
    }

    fn put_file(&self, source: &Path) -> Result<String, BlobError> {
        let what = || format!("cannot read {}", source.display());
        let mut file = std::fs::File::open(source).map_err(|e| io(what(), e))?;
        self.store(|write| {
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = file.read(&mut buf).map_err(|e| io(what(), e))?;
                if n == 0 {
                    return Ok(());
                }
                write(&buf[..n])?;
            }
        })
    }

    fn local_path(&self, name: &str) -> Result<PathBuf, BlobError> {
        let path = self.dir.join(checked(name)?);
        if path.is_file() { Ok(path) } else { Err(BlobError::Missing(name.to_string())) }
    }

    fn contains(&self, name: &str) -> Result<bool, BlobError> {
        Ok(self.dir.join(checked(name)?).is_file())
    }

    fn delete(&self, name: &str) -> Result<bool, BlobError> {
        match std::fs::remove_file(self.dir.join(checked(name)?)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("cannot delete a blob", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_is_named_by_its_sha256_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FolderBlobs::open(dir.path().join("blobs")).unwrap();
        let name = blobs.put(b"abc").unwrap();
        // FIPS 180-2's test vector for "abc".
        assert_eq!(name, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(std::fs::read(blobs.local_path(&name).unwrap()).unwrap(), b"abc");
        assert_eq!(blobs.put(b"abc").unwrap(), name);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("blobs")).unwrap().collect();
        assert_eq!(files.len(), 1, "no temporary file is left and the content is stored once");
        assert!(blobs.contains(&name).unwrap());
        assert!(blobs.delete(&name).unwrap());
        assert!(!blobs.delete(&name).unwrap());
        assert!(matches!(blobs.local_path(&name), Err(BlobError::Missing(_))));
    }

    #[test]
    fn a_file_is_streamed_in_and_names_that_leave_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FolderBlobs::open(dir.path().join("blobs")).unwrap();
        let source = dir.path().join("big.txt");
        let text = "0123456789".repeat(20_000);
        std::fs::write(&source, &text).unwrap();
        let name = blobs.put_file(&source).unwrap();
        assert_eq!(name, blobs.put(text.as_bytes()).unwrap());
        assert!(source.exists());
        for bad in ["../x", "", "ABC", &"g".repeat(64), &format!("{}/", "a".repeat(63))] {
            assert!(matches!(blobs.contains(bad), Err(BlobError::BadName(_))), "{bad}");
        }
    }

    #[test]
    fn leftovers_of_a_crashed_write_go_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("blobs");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(".tmp-123"), b"half").unwrap();
        FolderBlobs::open(folder.clone()).unwrap();
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
    }
}
