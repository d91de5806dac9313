//! Content-addressed blobs: large bytes (contexts) kept out of the
//! database's rows, named by the SHA-256 of their content. One small trait,
//! [`BlobStore`], so an S3-compatible store can stand beside the folder one,
//! [`FolderBlobs`]: a blob is written to a temporary file, fsynced, renamed
//! to its hash and the folder fsynced, so a crash leaves it whole or absent;
//! the same content is stored once. Who references a blob is the store's
//! business (`Store::blob_references`); deleting an unreferenced one is
//! [`crate::blob_sweep`]'s, which only ever deletes a blob older than a
//! grace period ([`BlobStore::delete_if_older`]): every `put` gives the
//! blob a fresh modification time, so a blob an upload just stored (and is
//! about to reference) is never taken.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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
    /// The blob's bytes are not the ones its name was made from (changed
    /// on disk, cut short, grown): it is not used.
    #[error("blob {name} is damaged: {why}")]
    Damaged { name: String, why: String },
}

fn io(what: impl Into<String>, source: std::io::Error) -> BlobError {
    BlobError::Io { what: what.into(), source }
}

/// A blob being written chunk by chunk; [`BlobWrite::finish`] stores it
/// under its name. Dropped unfinished, nothing is stored.
pub trait BlobWrite: Send {
    fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError>;
    /// Bytes written so far.
    fn bytes(&self) -> u64;
    /// Stores the blob durably; returns its name (SHA-256, hex).
    fn finish(self: Box<Self>) -> Result<String, BlobError>;
}

/// Where content-addressed blobs live.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// A blob written as it arrives (never whole in memory).
    fn writer(&self) -> Result<Box<dyn BlobWrite>, BlobError>;
    /// Stores `bytes`; returns their name (SHA-256, hex).
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let mut writer = self.writer()?;
        writer.write(bytes)?;
        writer.finish()
    }
    /// Stores the content of the file at `source`, read in chunks (never
    /// whole in memory); returns its name. `source` is left as it was.
    fn put_file(&self, source: &Path) -> Result<String, BlobError> {
        let what = || format!("cannot read {}", source.display());
        let mut file = std::fs::File::open(source).map_err(|e| io(what(), e))?;
        let mut writer = self.writer()?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(|e| io(what(), e))?;
            if n == 0 {
                return writer.finish();
            }
            writer.write(&buf[..n])?;
        }
    }
    /// A local file holding the blob (to memory-map it); an S3 store
    /// fetches it into a local cache first.
    fn local_path(&self, name: &str) -> Result<PathBuf, BlobError>;
    /// Whether the blob is stored.
    fn contains(&self, name: &str) -> Result<bool, BlobError>;
    /// Deletes the blob; `false` if it was not stored.
    fn delete(&self, name: &str) -> Result<bool, BlobError>;
    /// Deletes the blob unless it was stored (put) after `cutoff`; `true`
    /// if it went.
    fn delete_if_older(&self, name: &str, cutoff: SystemTime) -> Result<bool, BlobError>;
    /// The names of the stored blobs, at most `limit`, and the leftovers of
    /// writes a crash interrupted older than `cutoff` removed on the way.
    fn list(&self, limit: usize, cutoff: SystemTime) -> Result<Vec<String>, BlobError>;
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
    /// Opens (creating) the folder. Temporary files are not removed here:
    /// another process sharing the folder may be writing them
    /// ([`BlobStore::list`] removes old ones).
    pub fn open(dir: PathBuf) -> Result<Self, BlobError> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| io(format!("cannot create {}", dir.display()), e))?;
        Ok(FolderBlobs { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A blob being written into a temporary file of the folder.
struct FolderBlobWriter {
    dir: PathBuf,
    tmp: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    hasher: Sha256,
    bytes: u64,
}

impl BlobWrite for FolderBlobWriter {
    fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        let out = self.out.as_mut().ok_or_else(|| {
            io("cannot write a blob", std::io::Error::other("the writer has finished"))
        })?;
        out.write_all(chunk).map_err(|e| io("cannot write a blob", e))?;
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn finish(mut self: Box<Self>) -> Result<String, BlobError> {
        let out = self.out.take().ok_or_else(|| {
            io("cannot write a blob", std::io::Error::other("the writer has finished"))
        })?;
        let result = (|| {
            let file = out.into_inner().map_err(|e| io("cannot write a blob", e.into_error()))?;
            file.sync_all().map_err(|e| io("cannot write a blob", e))?;
            drop(file);
            let name = hex(&std::mem::take(&mut self.hasher).finalize());
            // Over a stored copy of the same content too: the blob's
            // modification time is then this put's (see the module docs).
            std::fs::rename(&self.tmp, self.dir.join(&name))
                .map_err(|e| io("cannot store a blob", e))?;
            sync_dir(&self.dir)?;
            Ok(name)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }
}

impl Drop for FolderBlobWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("cannot store a blob", e))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a blob file is on disk now: its length and modification time (a
/// blob verified with the same two need not be hashed again).
pub type FileStamp = (u64, SystemTime);

/// Checks the blob `name` at `path` against its name: `bytes` long when
/// given (the length its record says), and the SHA-256 of its content, read
/// a block at a time, equal to the name. Returns the stamp it was verified at.
pub fn verify(path: &Path, name: &str, bytes: Option<u64>) -> Result<FileStamp, BlobError> {
    let missing = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => BlobError::Missing(name.to_string()),
        _ => io(format!("cannot read blob {name}"), e),
    };
    let mut file = std::fs::File::open(path).map_err(missing)?;
    let stamp = stamp_of(&file).map_err(missing)?;
    let damaged = |why: String| BlobError::Damaged { name: name.to_string(), why };
    if let Some(expected) = bytes
        && stamp.0 != expected
    {
        return Err(damaged(format!("it has {} bytes, its record {expected}", stamp.0)));
    }
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut block).map_err(missing)?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    if hex(&hasher.finalize()) != name {
        return Err(damaged("its content does not match its SHA-256 name".into()));
    }
    Ok(stamp)
}

/// The length and modification time of an open file.
pub fn stamp_of(file: &std::fs::File) -> std::io::Result<FileStamp> {
    let meta = file.metadata()?;
    Ok((meta.len(), meta.modified()?))
}

fn modified(path: &Path) -> std::io::Result<SystemTime> {
    std::fs::metadata(path)?.modified()
}

impl BlobStore for FolderBlobs {
    fn writer(&self) -> Result<Box<dyn BlobWrite>, BlobError> {
        let tmp = self.dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let file = std::fs::File::create(&tmp).map_err(|e| io("cannot create a blob", e))?;
        Ok(Box::new(FolderBlobWriter {
            dir: self.dir.clone(),
            tmp,
            out: Some(std::io::BufWriter::new(file)),
            hasher: Sha256::new(),
            bytes: 0,
        }))
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

    fn delete_if_older(&self, name: &str, cutoff: SystemTime) -> Result<bool, BlobError> {
        let path = self.dir.join(checked(name)?);
        match modified(&path) {
            Ok(at) if at > cutoff => return Ok(false),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io("cannot read a blob's time", e)),
        }
        // Moved aside first, then looked at again: a put that renamed a
        // fresh copy in between is the one moved, and it goes back.
        let aside = self.dir.join(format!(".trash-{}", uuid::Uuid::new_v4().simple()));
        match std::fs::rename(&path, &aside) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io("cannot delete a blob", e)),
        }
        let fresh = modified(&aside).map(|at| at > cutoff).unwrap_or(false);
        if fresh {
            match std::fs::hard_link(&aside, &path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io("cannot put a blob back", e)),
            }
        }
        std::fs::remove_file(&aside).map_err(|e| io("cannot delete a blob", e))?;
        Ok(!fresh)
    }

    fn list(&self, limit: usize, cutoff: SystemTime) -> Result<Vec<String>, BlobError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| io(format!("cannot list {}", self.dir.display()), e))?;
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            if valid_name(&file) {
                if names.len() < limit {
                    names.push(file.into_owned());
                }
            } else if (file.starts_with(".tmp-") || file.starts_with(".trash-"))
                && modified(&entry.path()).is_ok_and(|at| at <= cutoff)
            {
                // A write or a delete a crash interrupted.
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(names)
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
    fn leftovers_of_a_crashed_write_go_once_older_than_the_cutoff() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("blobs");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(".tmp-123"), b"half").unwrap();
        let blobs = FolderBlobs::open(folder.clone()).unwrap();
        let name = blobs.put(b"whole").unwrap();
        let long_ago = SystemTime::UNIX_EPOCH;
        assert_eq!(blobs.list(10, long_ago).unwrap(), vec![name.clone()]);
        assert!(folder.join(".tmp-123").exists(), "another process may still be writing it");
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(blobs.list(10, later).unwrap(), vec![name]);
        assert!(!folder.join(".tmp-123").exists());
        assert_eq!(blobs.list(0, later).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn only_a_blob_stored_before_the_cutoff_is_deleted_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FolderBlobs::open(dir.path().join("blobs")).unwrap();
        let name = blobs.put(b"kept while fresh").unwrap();
        assert!(!blobs.delete_if_older(&name, SystemTime::UNIX_EPOCH).unwrap());
        assert!(blobs.contains(&name).unwrap());
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(blobs.delete_if_older(&name, later).unwrap());
        assert!(!blobs.contains(&name).unwrap());
        assert!(!blobs.delete_if_older(&name, later).unwrap(), "already gone");
        assert_eq!(std::fs::read_dir(blobs.dir()).unwrap().count(), 0, "nothing set aside is left");
    }
}
