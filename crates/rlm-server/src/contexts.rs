//! Contexts on disk: each session's context is written once, as one file of
//! joined documents in `DATA/contexts/`, and every execution memory-maps that
//! file (`rlm_context::Context::from_file_with_documents`); a loaded context is
//! kept per file, so executions share one mapping and nothing is copied per
//! execution.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use dashmap::DashMap;
use rlm_context::{Context, LoadOptions};
use uuid::Uuid;

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

/// The contexts folder and the contexts loaded from it.
#[derive(Debug)]
pub struct ContextFiles {
    dir: PathBuf,
    loaded: DashMap<String, Context>,
}

impl ContextFiles {
    pub fn open(dir: PathBuf) -> Result<Self, ServerError> {
        std::fs::create_dir_all(&dir).map_err(|source| ServerError::Io {
            what: format!("cannot create {}", dir.display()),
            source,
        })?;
        remove_leftovers(&dir);
        Ok(ContextFiles { dir, loaded: DashMap::new() })
    }

    /// Writes the documents as one new file (through a temporary file and a
    /// rename, so a crash never leaves a half-written context behind).
    pub fn store(&self, documents: &[NewDocument]) -> Result<ContextRef, ServerError> {
        let mut writer = self.writer()?;
        for doc in documents {
            writer.begin_document(doc.name.clone())?;
            writer.write(doc.text.as_bytes())?;
        }
        writer.finish()
    }

    /// A context written as it arrives (uploads are streamed to disk chunk
    /// by chunk, never held whole in memory).
    pub fn writer(&self) -> Result<ContextWriter<'_>, ServerError> {
        let file = format!("{}.txt", Uuid::new_v4());
        let tmp = self.dir.join(format!(".{file}.tmp"));
        let out = std::fs::File::create(&tmp).map_err(|e| io("cannot create a context file", e))?;
        Ok(ContextWriter {
            files: self,
            file,
            tmp,
            out: Some(std::io::BufWriter::new(out)),
            hasher: blake3::Hasher::new(),
            bytes: 0,
            chars: 0,
            documents: Vec::new(),
            carry: Vec::new(),
        })
    }

    /// The context a session stored, memory-mapped (shared by every execution).
    pub fn load(&self, context: &ContextRef) -> Result<Context, ServerError> {
        if let Some(c) = self.loaded.get(&context.file) {
            return Ok(c.clone());
        }
        let path = self.path_of(context)?;
        let layout: Vec<(Option<String>, usize)> =
            context.documents.iter().map(|d| (d.name.clone(), d.bytes as usize)).collect();
        let options = LoadOptions { mmap_min_bytes: 1, ..LoadOptions::default() };
        let loaded =
            Context::from_file_with_documents(&path, &layout, &context.separator, &options)?;
        self.loaded.insert(context.file.clone(), loaded.clone());
        Ok(loaded)
    }

    /// Deletes a stored context (executions still holding its mapping keep
    /// reading it until they end).
    pub fn remove(&self, context: &ContextRef) {
        self.loaded.remove(&context.file);
        if let Ok(path) = self.path_of(context) {
            let _ = std::fs::remove_file(path);
        }
    }

    fn path_of(&self, context: &ContextRef) -> Result<PathBuf, ServerError> {
        // Stored names are ours, but a damaged record must not point outside.
        if context.file.contains(['/', '\\']) || context.file.starts_with('.') {
            return Err(ServerError::Internal(format!(
                "stored context name {:?} is not a plain file name",
                context.file
            )));
        }
        Ok(self.dir.join(&context.file))
    }
}

fn io(what: &str, source: std::io::Error) -> ServerError {
    ServerError::Io { what: what.to_string(), source }
}

/// A context file being written: documents appended in chunks, checked as
/// UTF-8, hashed and counted on the way, renamed into place by
/// [`ContextWriter::finish`]; dropped unfinished, its temporary file goes.
pub struct ContextWriter<'a> {
    files: &'a ContextFiles,
    file: String,
    tmp: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    hasher: blake3::Hasher,
    bytes: u64,
    chars: u64,
    documents: Vec<DocumentRef>,
    /// The first bytes of a character split between two chunks (at most 3).
    carry: Vec<u8>,
}

impl ContextWriter<'_> {
    /// Bytes written so far, separators included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn emit(&mut self, bytes: &[u8]) -> Result<(), ServerError> {
        let out = self.out.as_mut().ok_or_else(|| {
            ServerError::Internal("a context writer was used after it finished".into())
        })?;
        out.write_all(bytes).map_err(|e| io("cannot write a context", e))?;
        self.hasher.update(bytes);
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

    /// Makes the file durable and renames it into place.
    pub fn finish(mut self) -> Result<ContextRef, ServerError> {
        self.end_document()?;
        let out = self
            .out
            .take()
            .ok_or_else(|| ServerError::Internal("a context writer finished twice".into()))?;
        let written = out.into_inner().map_err(|e| io("cannot write a context", e.into_error()))?;
        written.sync_all().map_err(|e| io("cannot write a context", e))?;
        drop(written);
        std::fs::rename(&self.tmp, self.files.dir.join(&self.file))
            .map_err(|e| io("cannot store a context file", e))?;
        // The rename is durable once the directory is: the session record
        // that names the file is acknowledged only after this.
        std::fs::File::open(&self.files.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("cannot store a context file", e))?;
        let mut documents = std::mem::take(&mut self.documents);
        if documents.is_empty() {
            documents.push(DocumentRef { name: None, bytes: 0, chars: 0 });
        }
        Ok(ContextRef {
            file: self.file.clone(),
            bytes: self.bytes,
            chars: self.chars,
            hash: self.hasher.finalize().to_hex().to_string(),
            documents,
            separator: SEPARATOR.to_string(),
        })
    }
}

impl Drop for ContextWriter<'_> {
    fn drop(&mut self) {
        // Unfinished (an error, a refused upload): the temporary file goes.
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
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
    let bad = |why: &str| ServerError::BadRequest(format!("path {relative:?} is refused: {why}"));
    let rel = Path::new(relative);
    if relative.is_empty() || rel.is_absolute() {
        return Err(bad("give a path relative to the server's allowed directory"));
    }
    if rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(bad("`..` and prefixes are not allowed"));
    }
    let root = root.canonicalize().map_err(|source| ServerError::Io {
        what: format!("the allowed directory {} is unusable", root.display()),
        source,
    })?;
    let full = root
        .join(rel)
        .canonicalize()
        .map_err(|_| ServerError::BadRequest(format!("path {relative:?} does not exist")))?;
    if !full.starts_with(&root) {
        return Err(bad("it leads outside the allowed directory"));
    }
    Ok(full)
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

    #[test]
    fn opening_removes_half_written_files_and_keeps_stored_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".3f2a.txt.tmp"), "half a context").unwrap();
        let files = ContextFiles::open(dir.path().to_path_buf()).unwrap();
        let stored =
            files.store(&[NewDocument { name: None, text: "a whole context".into() }]).unwrap();
        drop(files);
        ContextFiles::open(dir.path().to_path_buf()).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![stored.file]);
    }
}
