//! Contexts on disk: each session's context is written once, as one blob of
//! joined documents in the content-addressed blob store ([`crate::blobs`],
//! `server.blob_dir`, shared by a cluster's processes), and every execution
//! memory-maps it (`rlm_context::Context::from_file_with_documents`); a
//! loaded context is kept per layout, so executions share one mapping and
//! nothing is copied per execution. Sessions stored before the blob store
//! name a file of `DATA/contexts/`: those are read where they are, and
//! deleted with their session.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dashmap::DashMap;
use rlm_context::{Context, LoadOptions};

use crate::blobs::{self, BlobError, BlobStore, BlobWrite, FileStamp, stamp_of};
use crate::error::ServerError;
use crate::store::{ContextRef, DocumentRef};

/// Placed between the documents of a multi-document context.
pub const SEPARATOR: &str = "\n\n";

/// One document to store: its name (a file name, for uploads) and text.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub name: Option<String>,
    pub text: String,
}

/// The blob store contexts go to, the legacy contexts folder, and the
/// contexts loaded from them.
#[derive(Debug)]
pub struct ContextFiles {
    /// `DATA/contexts/`: contexts stored before the blob store.
    legacy_dir: PathBuf,
    blobs: Arc<dyn BlobStore>,
    loaded: DashMap<ContextRef, Context>,
    /// Each blob verified against its name, with the stamp (length,
    /// modification time) it had then: it is hashed again once it changes.
    verified: DashMap<String, FileStamp>,
}

/// A blob store's failure as the server's. A missing or damaged blob is a
/// 409 naming the blob, never a server path (the log has the path).
fn blob_error(e: BlobError) -> ServerError {
    match e {
        BlobError::Io { what, source } => ServerError::Io { what, source },
        BlobError::Missing(name) => ServerError::ContextMissing(format!(
            "the stored context (blob {name}) is missing from the server's blob store: store \
             the context again (PUT /api/sessions/{{id}}) or restore the blob"
        )),
        BlobError::Damaged { name, why } => ServerError::ContextDamaged(format!(
            "the stored context (blob {name}) is damaged ({why}) and is not used: store the \
             context again (PUT /api/sessions/{{id}}) or restore the blob"
        )),
        other => ServerError::Internal(other.to_string()),
    }
}

impl ContextFiles {
    /// Contexts in `blobs`; those of older records in `legacy_dir` (whose
    /// leftovers of interrupted writes go).
    pub fn open(legacy_dir: PathBuf, blobs: Arc<dyn BlobStore>) -> Result<Self, ServerError> {
        if legacy_dir.is_dir() {
            remove_leftovers(&legacy_dir);
        }
        Ok(ContextFiles { legacy_dir, blobs, loaded: DashMap::new(), verified: DashMap::new() })
    }

    /// Writes the documents as one blob.
    pub fn store(&self, documents: &[NewDocument]) -> Result<ContextRef, ServerError> {
        let mut writer = self.writer()?;
        for doc in documents {
            writer.begin_document(doc.name.clone())?;
            writer.write(doc.text.as_bytes())?;
        }
        writer.finish()
    }

    /// A context written as it arrives (uploads are streamed to the blob
    /// store chunk by chunk, never held whole in memory).
    pub fn writer(&self) -> Result<ContextWriter, ServerError> {
        Ok(ContextWriter {
            out: Some(self.blobs.writer().map_err(blob_error)?),
            bytes: 0,
            chars: 0,
            documents: Vec::new(),
            carry: Vec::new(),
        })
    }

    /// The text of an inline context stored as a blob (a cluster's api
    /// stores one too large for a job message); its name.
    pub fn put_text(&self, text: &str) -> Result<String, ServerError> {
        self.blobs.put(text.as_bytes()).map_err(blob_error)
    }

    /// An inline context stored as a blob: read as the text it was sent
    /// as (the same context the request would have made in one process).
    pub fn load_blob(&self, name: &str) -> Result<Context, ServerError> {
        let path = self.verified_blob(name, None)?;
        let text = std::fs::read_to_string(&path).map_err(|source| ServerError::Io {
            what: format!("cannot read the inline context {name}"),
            source,
        })?;
        Ok(Context::from_text(text))
    }

    /// The context a session stored, memory-mapped (shared by every execution).
    /// A blob is checked against its SHA-256 name and its record's length
    /// first (hashed once per change of the file, see `verified`).
    pub fn load(&self, context: &ContextRef) -> Result<Context, ServerError> {
        let blob_path = match &context.blob {
            Some(name) => Some(self.verified_blob(name, Some(context.bytes))?),
            None => None,
        };
        if let Some(c) = self.loaded.get(context) {
            return Ok(c.clone());
        }
        let path = match blob_path {
            Some(p) => p,
            None => self.path_of(context)?,
        };
        let layout: Vec<(Option<String>, usize)> =
            context.documents.iter().map(|d| (d.name.clone(), d.bytes as usize)).collect();
        let options = LoadOptions { mmap_min_bytes: 1, ..LoadOptions::default() };
        let loaded =
            Context::from_file_with_documents(&path, &layout, &context.separator, &options)
                .map_err(|e| {
                    // The error names the file: logged, not sent.
                    tracing::error!(error = %e, "a stored context does not load");
                    ServerError::ContextDamaged(format!(
                        "the stored context ({} bytes, hash {}) does not load as its record \
                         describes it: store the context again (PUT /api/sessions/{{id}})",
                        context.bytes, context.hash
                    ))
                })?;
        self.loaded.insert(context.clone(), loaded.clone());
        Ok(loaded)
    }

    /// A session dropped this context: a legacy file is deleted (it was the
    /// session's alone); a blob's mapping is forgotten, and the blob itself
    /// is the blob sweep's to delete once nothing references it
    /// ([`crate::blob_sweep`]). Executions still holding a mapping keep
    /// reading it until they end.
    pub fn remove(&self, context: &ContextRef) {
        self.loaded.remove(context);
        if context.blob.is_none()
            && let Ok(path) = self.path_of(context)
        {
            let _ = std::fs::remove_file(path);
        }
    }

    /// The path of blob `name` once its content matches its name (and
    /// `bytes`, its record's length, when given); a mismatch is logged with
    /// the path and answered without it.
    fn verified_blob(&self, name: &str, bytes: Option<u64>) -> Result<PathBuf, ServerError> {
        let path = self.blobs.local_path(name).map_err(blob_error)?;
        let unchanged = std::fs::File::open(&path)
            .and_then(|f| stamp_of(&f))
            .is_ok_and(|now| self.verified.get(name).is_some_and(|seen| *seen == now));
        if unchanged {
            return Ok(path);
        }
        match blobs::verify(&path, name, bytes) {
            Ok(stamp) => {
                self.verified.insert(name.to_string(), stamp);
                Ok(path)
            }
            Err(e) => {
                self.verified.remove(name);
                tracing::error!(blob = %name, path = %path.display(), error = %e, "a stored context is not usable");
                Err(blob_error(e))
            }
        }
    }

    fn path_of(&self, context: &ContextRef) -> Result<PathBuf, ServerError> {
        if let Some(name) = &context.blob {
            return self.blobs.local_path(name).map_err(blob_error);
        }
        // Stored names are ours, but a damaged record must not point outside.
        if context.file.is_empty()
            || context.file.contains(['/', '\\'])
            || context.file.starts_with('.')
        {
            return Err(ServerError::Internal(format!(
                "stored context name {:?} is not a plain file name",
                context.file
            )));
        }
        Ok(self.legacy_dir.join(&context.file))
    }
}

/// A context being written into the blob store: documents appended in
/// chunks, checked as UTF-8 and counted on the way (the blob store hashes
/// them: the blob's SHA-256 name is the context's hash), stored by
/// [`ContextWriter::finish`]; dropped unfinished, nothing is stored.
pub struct ContextWriter {
    out: Option<Box<dyn BlobWrite>>,
    bytes: u64,
    chars: u64,
    documents: Vec<DocumentRef>,
    /// The first bytes of a character split between two chunks (at most 3).
    carry: Vec<u8>,
}

impl ContextWriter {
    /// Bytes written so far, separators included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn emit(&mut self, bytes: &[u8]) -> Result<(), ServerError> {
        let out = self.out.as_mut().ok_or_else(|| {
            ServerError::Internal("a context writer was used after it finished".into())
        })?;
        out.write(bytes).map_err(blob_error)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
    fn end_document(&mut self) -> Result<(), ServerError> {
        if !self.carry.is_empty() {
            let name = self.documents.last().and_then(|d| d.name.clone());
            return Err(ServerError::BadRequest(format!(
                "document {name:?} is not UTF-8 text (it ends inside a character)"
            )));
        }
        Ok(())
    }

    /// Starts the next document (after the separator, if one came before).
    pub fn begin_document(&mut self, name: Option<String>) -> Result<(), ServerError> {
        self.end_document()?;
        if !self.documents.is_empty() {
            self.emit(SEPARATOR.as_bytes())?;
            self.chars += SEPARATOR.chars().count() as u64;
        }
        self.documents.push(DocumentRef { name, bytes: 0, chars: 0 });
        Ok(())
    }

    /// Appends a chunk of the current document's text.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ServerError> {
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            &joined
        };
        let valid = match std::str::from_utf8(data) {
            Ok(_) => data.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => {
                let doc = self.documents.last();
                let offset = doc.map_or(0, |d| d.bytes) + e.valid_up_to() as u64;
                let name = doc.and_then(|d| d.name.clone());
                return Err(ServerError::BadRequest(format!(
                    "document {name:?} is not UTF-8 text (invalid byte at offset {offset})"
                )));
            }
        };
        let (text, rest) = data.split_at(valid);
        let chars = std::str::from_utf8(text).map_or(0, |t| t.chars().count()) as u64;
        let rest = rest.to_vec();
        self.emit(text)?;
        self.chars += chars;
        if let Some(doc) = self.documents.last_mut() {
            doc.bytes += text.len() as u64;
            doc.chars += chars;
        }
        self.carry = rest;
        Ok(())
    }

    /// Stores the blob durably (before any record names it).
    pub fn finish(mut self) -> Result<ContextRef, ServerError> {
        self.end_document()?;
        let out = self
            .out
            .take()
            .ok_or_else(|| ServerError::Internal("a context writer finished twice".into()))?;
        let name = out.finish().map_err(blob_error)?;
        let mut documents = std::mem::take(&mut self.documents);
        if documents.is_empty() {
            documents.push(DocumentRef { name: None, bytes: 0, chars: 0 });
        }
        Ok(ContextRef {
            file: String::new(),
            blob: Some(name.clone()),
            bytes: self.bytes,
            chars: self.chars,
            hash: name,
            documents,
            separator: SEPARATOR.to_string(),
        })
    }
}

/// Temporary files a crash left behind mid-write (`.<name>.tmp`): never
/// renamed, so no record names them.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            if let Err(e) = std::fs::remove_file(entry.path()) {
                tracing::warn!(file = %name, error = %e, "cannot remove a leftover context file");
            }
        }
    }
}

/// Resolves a client-given relative path under `root`, refusing absolute
/// paths, `..`, and anything (symlinks included) that lands outside `root`.
pub fn resolve_under(root: &Path, relative: &str) -> Result<PathBuf, ServerError> {
    if Path::new(relative).is_absolute() {
        return Err(ServerError::BadRequest(format!(
            "path {relative:?} is refused: give a path relative to the server's allowed directory"
        )));
    }
    // rlm-context's guard, the one `rlm mcp` uses: no `..`, no link out of
    // the root, no /proc, /sys or device.
    let roots = rlm_context::AllowedRoots::new(&[root.to_path_buf()]).map_err(|e| {
        ServerError::Config(format!("the allowed directory {} is unusable: {e}", root.display()))
    })?;
    roots.resolve(relative).map_err(|e| ServerError::BadRequest(e.to_string()))
}

/// Reads the files at `path` (a file, or every file under a folder, in name
/// order) as documents named by their path relative to `root`.
pub fn read_documents(
    root: &Path,
    path: &Path,
    max_bytes: u64,
    total: &mut u64,
) -> Result<Vec<NewDocument>, ServerError> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut files = Vec::new();
    if path.is_dir() {
        collect_files(path, &mut files)?;
    } else {
        files.push(path.to_path_buf());
    }
    let mut docs = Vec::with_capacity(files.len());
    for file in files {
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        *total += size;
        if *total > max_bytes {
            return Err(ServerError::TooLarge {
                what: "the context",
                found: *total,
                limit: max_bytes,
            });
        }
        let bytes = std::fs::read(&file).map_err(|source| ServerError::Io {
            what: format!("cannot read {}", file.display()),
            source,
        })?;
        let name = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
        let text = String::from_utf8(bytes).map_err(|e| {
            ServerError::BadRequest(format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        docs.push(NewDocument { name: Some(name), text });
    }
    Ok(docs)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ServerError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| ServerError::Io {
            what: format!("cannot list {}", dir.display()),
            source,
        })?
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        // Symbolic links are not followed: they could lead outside the root.
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect_files(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blobs::FolderBlobs;

    #[test]
    fn opening_removes_half_written_legacy_files_and_the_same_text_is_one_blob() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("contexts");
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(legacy.join(".3f2a.txt.tmp"), "half a context").unwrap();
        std::fs::write(legacy.join("old.txt"), "an old context").unwrap();
        let blobs = Arc::new(FolderBlobs::open(dir.path().join("blobs")).unwrap());
        let files = ContextFiles::open(legacy.clone(), blobs.clone()).unwrap();
        let doc = || vec![NewDocument { name: None, text: "a whole context".into() }];
        let first = files.store(&doc()).unwrap();
        let second = files.store(&doc()).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.blob.as_deref(), Some(first.hash.as_str()));
        assert_eq!(files.load(&first).unwrap().text().as_str(), "a whole context");
        let left: Vec<String> = std::fs::read_dir(&legacy)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["old.txt".to_string()]);
        assert_eq!(blobs.list(10, std::time::SystemTime::UNIX_EPOCH).unwrap().len(), 1);
        let old = ContextRef {
            file: "old.txt".into(),
            blob: None,
            bytes: 14,
            chars: 14,
            hash: "legacy".into(),
            documents: vec![DocumentRef { name: None, bytes: 14, chars: 14 }],
            separator: SEPARATOR.into(),
        };
        assert_eq!(files.load(&old).unwrap().text().as_str(), "an old context");
        files.remove(&old);
        assert!(!legacy.join("old.txt").exists(), "a legacy file was its session's alone");
        files.remove(&first);
        assert!(blobs.contains(first.blob.as_deref().unwrap()).unwrap(), "the sweep's to delete");
    }
}
