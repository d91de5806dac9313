//! Loaders: contexts from files (memory-mapped when large), directory trees (globs, include and
//! exclude; binary files skipped and reported; the text read once into one buffer), readers such
//! as stdin (spooled to an anonymous temporary file, then mapped), and raw bytes; strict UTF-8
//! with the offending byte offset, or lossy decoding on request.

use std::fs::File;
use std::io::{Read, Seek as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::buffer::Buffer;
use crate::context::{Context, ContextKind, DEFAULT_SEPARATOR, Document, DocumentInfo};
use crate::error::{ContextError, Result};
use crate::index::{CharIndex, CharIndexBuilder};

/// Size of the reads used to validate a file before mapping it.
const VALIDATE_READ_BYTES: usize = 1 << 20;

/// A file whose first this many bytes hold a NUL byte is binary (git's and ripgrep's rule).
pub const BINARY_SNIFF_BYTES: usize = 8 << 10;

/// The offset of the NUL byte that makes `head` binary, if any.
fn binary_offset(head: &[u8]) -> Option<usize> {
    memchr::memchr(0, &head[..head.len().min(BINARY_SNIFF_BYTES)])
}

/// Whether the file at `path` is binary by the loader's rule, having read only its first
/// [`BINARY_SNIFF_BYTES`] (for a surface that lists files before loading them).
pub fn is_binary_file(path: &Path) -> Result<bool> {
    let mut head = Vec::with_capacity(BINARY_SNIFF_BYTES);
    File::open(path)
        .and_then(|f| f.take(BINARY_SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(io_error(path))?;
    Ok(binary_offset(&head).is_some())
}

/// A loaded context and the files a directory walk skipped as binary (in path order), so the
/// embedder can say so, one line per file.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The context.
    pub context: Context,
    /// Files left out because they hold binary data.
    pub skipped_binary: Vec<PathBuf>,
}

/// How to turn bytes into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoding {
    /// Invalid UTF-8 is an error naming the file and byte offset.
    #[default]
    Strict,
    /// Invalid sequences become U+FFFD (as Python's `errors="replace"`).
    Lossy,
}

/// Options for the loaders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Strict or lossy UTF-8.
    pub decoding: Decoding,
    /// Files at least this large are memory-mapped instead of read (when valid UTF-8).
    pub mmap_min_bytes: u64,
    /// Globs a file's path relative to the walked directory must match (none: every file).
    pub include: Vec<String>,
    /// Globs that exclude files (checked after `include`).
    pub exclude: Vec<String>,
    /// Also load files and directories whose names start with a dot.
    pub include_hidden: bool,
    /// Follow symbolic links while walking.
    pub follow_links: bool,
    /// Separator placed between the files of a directory.
    pub separator: String,
    /// Most files a directory load may read.
    pub max_files: usize,
    /// Most bytes a loaded context may hold, read or memory-mapped: checked against the files'
    /// sizes before any of their bytes is read (a server's context cap).
    pub max_total_bytes: u64,
    /// Skip binary files (a NUL byte in their first [`BINARY_SNIFF_BYTES`]) while walking a
    /// directory, reporting them in [`Loaded::skipped_binary`]; otherwise they are decoded as
    /// text like any other file.
    pub skip_binary: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            decoding: Decoding::Strict,
            mmap_min_bytes: 16 << 20,
            include: Vec::new(),
            exclude: Vec::new(),
            include_hidden: false,
            follow_links: false,
            separator: DEFAULT_SEPARATOR.to_string(),
            max_files: 100_000,
            max_total_bytes: 64 << 30,
            skip_binary: true,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ContextError + '_ {
    move |source| ContextError::Io { path: path.to_path_buf(), source }
}

/// Decodes `bytes` as `decoding` says; `path` names the source in errors.
fn decode(bytes: Vec<u8>, decoding: Decoding, path: Option<&Path>) -> Result<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => match decoding {
            Decoding::Lossy => Ok(String::from_utf8_lossy(error.as_bytes()).into_owned()),
            Decoding::Strict => Err(ContextError::InvalidUtf8 {
                path: path.map(Path::to_path_buf),
                byte_offset: error.utf8_error().valid_up_to() as u64,
            }),
        },
    }
}

/// Reads `reader` to the end, validating UTF-8 and building the code-point index as it goes,
/// without keeping the bytes. Returns the index, or the offset of the first invalid byte.
fn validate_stream(mut reader: impl Read, path: &Path) -> Result<Result<CharIndex, u64>> {
    let mut buffer = vec![0u8; VALIDATE_READ_BYTES + 4];
    let mut builder = CharIndexBuilder::default();
    let mut carry = 0usize; // bytes of an incomplete code point kept from the previous read
    let mut offset = 0u64; // file offset of buffer[0]
    loop {
        let read = match reader.read(&mut buffer[carry..carry + VALIDATE_READ_BYTES]) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_error(path)(error)),
        };
        if read == 0 {
            if carry > 0 {
                return Ok(Err(offset)); // the file ends inside a code point
            }
            return Ok(Ok(builder.finish()));
        }
        let filled = carry + read;
        let valid = match simdutf8::compat::from_utf8(&buffer[..filled]) {
            Ok(_) => filled,
            Err(error) if error.error_len().is_some() => {
                return Ok(Err(offset + error.valid_up_to() as u64));
            }
            Err(error) => error.valid_up_to(),
        };
        builder.push(&buffer[..valid]);
        buffer.copy_within(valid..filled, 0);
        carry = filled - valid;
        offset += valid as u64;
    }
}

/// Maps `file` read-only.
///
/// The caller must then check the mapping against what it validated. Memory maps carry one caveat
/// that no check can remove: if another process truncates the file while it is mapped, touching
/// the lost pages raises SIGBUS, and if it rewrites the file the text changes under every view.
/// Contexts over memory-mapped files therefore require that the file is not modified while the
/// context is alive (the same contract as every mmap-based reader such as ripgrep).
#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this buffer; memmap2 keeps it valid for the
    // `Mmap`'s lifetime. The only unsoundness would come from the file being changed by someone
    // else while mapped, which the loader's documented contract (above) excludes.
    unsafe { memmap2::Mmap::map(file) }
}

impl Context {
    /// Loads a file or, for a directory, every matching file under it.
    pub fn from_path(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        Self::load_path(path, options).map(|loaded| loaded.context)
    }

    /// [`Context::from_path`], also reporting the binary files a directory walk skipped.
    pub fn load_path(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Loaded> {
        let path = path.as_ref();
        let metadata = std::fs::metadata(path).map_err(io_error(path))?;
        if metadata.is_dir() {
            Self::load_dir(path, options)
        } else if metadata.is_file() {
            Ok(Loaded { context: Self::from_file(path, options)?, skipped_binary: Vec::new() })
        } else {
            Err(ContextError::NotAFileOrDirectory(path.to_path_buf()))
        }
    }

    /// Loads one file as a one-document context. Files of at least `mmap_min_bytes` that are
    /// valid UTF-8 are memory-mapped (validated and indexed with bounded memory, never copied).
    /// A binary file (a NUL byte in its first [`BINARY_SNIFF_BYTES`]) is a
    /// [`ContextError::BinaryFile`], whatever the decoding.
    pub fn from_file(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(io_error(path))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let source = OpenSource {
            path,
            document_path: Some(path.to_path_buf()),
            name,
            kind: ContextKind::File,
            source: Some(path.display().to_string()),
            reject_binary: true,
        };
        Self::from_open_file(file, &source, options)
    }

    /// Loads an open file from its start: mapped when large and valid UTF-8, else read.
    fn from_open_file(
        mut file: File,
        from: &OpenSource<'_>,
        options: &LoadOptions,
    ) -> Result<Self> {
        let path = from.path;
        let size = file.metadata().map_err(io_error(path))?.len();
        if size > options.max_total_bytes {
            return Err(ContextError::TooLarge {
                what: "file size in bytes",
                limit: options.max_total_bytes,
                found: size,
            });
        }
        if from.reject_binary {
            let mut head = vec![0u8; BINARY_SNIFF_BYTES.min(size as usize)];
            file.read_exact(&mut head).map_err(io_error(path))?;
            if let Some(offset) = binary_offset(&head) {
                return Err(ContextError::BinaryFile {
                    path: path.to_path_buf(),
                    byte_offset: offset as u64,
                });
            }
            file.rewind().map_err(io_error(path))?;
        }
        if size >= options.mmap_min_bytes && size > 0 {
            match validate_stream(&file, path)? {
                Ok(index) => {
                    let map = map_file(&file).map_err(io_error(path))?;
                    let validated = index.total_bytes() as u64;
                    if map.len() as u64 != validated {
                        return Err(ContextError::FileChanged {
                            path: path.to_path_buf(),
                            expected: validated,
                            found: map.len() as u64,
                        });
                    }
                    let document = DocumentInfo {
                        name: from.name.clone(),
                        path: from.document_path.clone(),
                        chars: 0..index.total_chars(),
                        bytes: 0..map.len(),
                    };
                    let buffer = Buffer::mapped(map, index);
                    return Ok(Self::assemble(
                        buffer,
                        vec![document],
                        DEFAULT_SEPARATOR,
                        from.kind,
                        from.source.clone(),
                    ));
                }
                Err(byte_offset) if options.decoding == Decoding::Strict => {
                    return Err(ContextError::InvalidUtf8 {
                        path: Some(path.to_path_buf()),
                        byte_offset,
                    });
                }
                // Lossy decoding of an invalid file: it has to be copied and repaired.
                Err(_) => file.rewind().map_err(io_error(path))?,
            }
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes).map_err(io_error(path))?;
        let text = decode(bytes, options.decoding, Some(path))?;
        let document = Document { name: from.name.clone(), path: from.document_path.clone(), text };
        Ok(Self::join_documents([document], DEFAULT_SEPARATOR, from.kind, from.source.clone()))
    }

    /// Loads every file under `root` whose relative path (with `/` separators) matches the
    /// include globs and none of the exclude globs, in path order, one document per file, named
    /// by relative path and joined by `options.separator`.
    pub fn from_dir(root: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        Self::load_dir(root, options).map(|loaded| loaded.context)
    }

    /// [`Context::from_dir`], also reporting the binary files it skipped. Each file is read
    /// straight into the one joined buffer (sized from the files' lengths up front), so the
    /// text is held once: the documents are views into it.
    pub fn load_dir(root: impl AsRef<Path>, options: &LoadOptions) -> Result<Loaded> {
        let root = root.as_ref();
        let files = walk_files(root, options)?;
        if files.is_empty() {
            return Err(ContextError::NoFilesMatched {
                root: root.to_path_buf(),
                include: options.include.clone(),
                exclude: options.exclude.clone(),
            });
        }
        Self::join_files(files, root, options, ContextKind::Directory, root.display().to_string())
    }

    /// Loads several files as one context, one document per file (named as given), each read
    /// straight into the one joined buffer as [`Context::load_dir`] does: the text is held once,
    /// whatever the number of files (binary files are skipped and reported likewise).
    pub fn load_files(files: &[(String, PathBuf)], options: &LoadOptions) -> Result<Loaded> {
        let mut walked = Vec::with_capacity(files.len());
        for (name, path) in files {
            let size = std::fs::metadata(path).map_err(io_error(path))?.len();
            walked.push(WalkedFile { path: path.clone(), relative_name: name.clone(), size });
        }
        let label = files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        Self::join_files(walked, Path::new(&label), options, ContextKind::Directory, label.clone())
    }

    /// `files` read into one buffer, joined by `options.separator`, one document each.
    fn join_files(
        files: Vec<WalkedFile>,
        root: &Path,
        options: &LoadOptions,
        kind: ContextKind,
        source: String,
    ) -> Result<Loaded> {
        let listed: u64 = files.iter().map(|f| f.size).sum();
        if listed > options.max_total_bytes {
            return Err(ContextError::TooLarge {
                what: "total bytes of the files",
                limit: options.max_total_bytes,
                found: listed,
            });
        }
        let separator = options.separator.as_bytes();
        let separator_chars = options.separator.chars().count() as u64;
        // Grown a file at a time, once its head showed it is text: a binary file's listed size
        // is never allocated.
        let mut joined: Vec<u8> = Vec::new();
        let mut infos: Vec<DocumentInfo> = Vec::with_capacity(files.len());
        let mut skipped_binary = Vec::new();
        let mut chars = 0u64;
        for file in files {
            let before = joined.len();
            if !infos.is_empty() {
                joined.extend_from_slice(separator);
            }
            let start = joined.len();
            // The head first: a binary file is skipped having read only its first block.
            let mut opened = File::open(&file.path).map_err(io_error(&file.path))?;
            (&mut opened)
                .take(BINARY_SNIFF_BYTES as u64)
                .read_to_end(&mut joined)
                .map_err(io_error(&file.path))?;
            if options.skip_binary && binary_offset(&joined[start..]).is_some() {
                joined.truncate(before);
                skipped_binary.push(file.path);
                continue;
            }
            // The rest, no further than the cap (a file that grew since it was listed).
            let room = options.max_total_bytes.saturating_sub(joined.len() as u64);
            let rest = file.size.saturating_sub((joined.len() - start) as u64).min(room);
            joined.reserve(usize::try_from(rest).unwrap_or(usize::MAX));
            (&mut opened)
                .take(room.saturating_add(1))
                .read_to_end(&mut joined)
                .map_err(io_error(&file.path))?;
            if joined.len() as u64 > options.max_total_bytes {
                return Err(ContextError::TooLarge {
                    what: "total bytes of the files",
                    limit: options.max_total_bytes,
                    found: joined.len() as u64,
                });
            }
            if let Err(error) = simdutf8::compat::from_utf8(&joined[start..]) {
                match options.decoding {
                    Decoding::Strict => {
                        return Err(ContextError::InvalidUtf8 {
                            path: Some(file.path),
                            byte_offset: error.valid_up_to() as u64,
                        });
                    }
                    Decoding::Lossy => {
                        let repaired = String::from_utf8_lossy(&joined[start..]).into_owned();
                        joined.truncate(start);
                        joined.extend_from_slice(repaired.as_bytes());
                    }
                }
            }
            if !infos.is_empty() {
                chars += separator_chars;
            }
            let doc_chars = crate::index::count_char_starts(&joined[start..]) as u64;
            infos.push(DocumentInfo {
                name: Some(file.relative_name),
                path: Some(file.path),
                chars: chars..chars + doc_chars,
                bytes: start..joined.len(),
            });
            chars += doc_chars;
        }
        if infos.is_empty() {
            return Err(ContextError::NoFilesMatched {
                root: root.to_path_buf(),
                include: options.include.clone(),
                exclude: options.exclude.clone(),
            });
        }
        // Every part was validated (or repaired) above; a failure here would be a bug, reported
        // as the invalid input it would be rather than a panic.
        let text = String::from_utf8(joined).map_err(|error| ContextError::InvalidUtf8 {
            path: Some(root.to_path_buf()),
            byte_offset: error.utf8_error().valid_up_to() as u64,
        })?;
        let context =
            Self::assemble(Buffer::owned(text), infos, &options.separator, kind, Some(source));
        Ok(Loaded { context, skipped_binary })
    }

    /// Loads a file that holds several documents joined by `separator`, as an embedder that wrote
    /// it recorded them (`documents`: each one's name and length in bytes, in order). The file is
    /// loaded as [`Context::from_file`] loads it (memory-mapped from `mmap_min_bytes` on); the
    /// documents are views into it. A file whose size or separators do not match the layout is a
    /// [`ContextError::FileChanged`]. The file's path is the embedder's business: it is not the
    /// context's source (the metadata a model reads does not name it).
    pub fn from_file_with_documents(
        path: impl AsRef<Path>,
        documents: &[(Option<String>, usize)],
        separator: &str,
        options: &LoadOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(io_error(path))?;
        Self::from_open_file_with_documents(file, path, documents, separator, options)
    }

    /// [`Context::from_file_with_documents`] over a file already open: for a process that may
    /// not open files itself (a sandbox worker handed the file by its parent). `path` only names
    /// the file in errors.
    pub fn from_open_file_with_documents(
        file: File,
        path: &Path,
        documents: &[(Option<String>, usize)],
        separator: &str,
        options: &LoadOptions,
    ) -> Result<Self> {
        let source = OpenSource {
            path,
            document_path: Some(path.to_path_buf()),
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            kind: ContextKind::File,
            source: Some(path.display().to_string()),
            reject_binary: true,
        };
        let whole = Self::from_open_file(file, &source, options)?;
        let text = whole.text().clone();
        let bytes = text.as_bytes();
        let expected = documents.iter().map(|(_, len)| *len).sum::<usize>()
            + separator.len() * documents.len().saturating_sub(1);
        let changed = |found: usize| ContextError::FileChanged {
            path: path.to_path_buf(),
            expected: expected as u64,
            found: found as u64,
        };
        if documents.is_empty() || expected != bytes.len() {
            return Err(changed(bytes.len()));
        }
        let mut infos = Vec::with_capacity(documents.len());
        let mut start = 0usize;
        for (i, (name, len)) in documents.iter().enumerate() {
            if i > 0 {
                let sep_end = start + separator.len();
                if bytes.get(start..sep_end) != Some(separator.as_bytes()) {
                    return Err(changed(bytes.len()));
                }
                start = sep_end;
            }
            let end = start + len;
            // Both ends must be code-point boundaries (the file is valid UTF-8 as a whole).
            let on_boundary = |b: usize| b == bytes.len() || (bytes[b] as i8) >= -0x40;
            if !on_boundary(start) || !on_boundary(end) {
                return Err(changed(bytes.len()));
            }
            infos.push(DocumentInfo {
                name: name.clone(),
                path: None,
                chars: text.byte_to_char(start)..text.byte_to_char(end),
                bytes: start..end,
            });
            start = end;
        }
        Ok(Self::assemble(
            Arc::clone(text.buffer()),
            infos,
            separator,
            ContextKind::DocumentList,
            None,
        ))
    }

    /// Reads a stream to its end (for example stdin) into a one-document context. The stream is
    /// spooled to an anonymous temporary file (removed by the system when the context is gone)
    /// and loaded as [`Context::from_file`] loads a file: a large input is memory-mapped, so it
    /// costs disk, not memory.
    pub fn from_reader(reader: impl Read, options: &LoadOptions) -> Result<Self> {
        let limit = options.max_total_bytes;
        let mut spool = tempfile::tempfile().map_err(ContextError::Stream)?;
        let read = std::io::copy(&mut reader.take(limit.saturating_add(1)), &mut spool)
            .map_err(ContextError::Stream)?;
        if read > limit {
            return Err(ContextError::TooLarge { what: "input size in bytes", limit, found: read });
        }
        spool.rewind().map_err(ContextError::Stream)?;
        let source = OpenSource {
            path: Path::new("<stdin>"),
            document_path: None,
            name: Some("<stdin>".into()),
            kind: ContextKind::Stream,
            source: Some("<stdin>".into()),
            reject_binary: false,
        };
        Self::from_open_file(spool, &source, options)
    }

    /// Reads standard input to its end (spooled and mapped as [`Context::from_reader`] says).
    pub fn from_stdin(options: &LoadOptions) -> Result<Self> {
        Self::from_reader(std::io::stdin().lock(), options)
    }

    /// A one-string context from raw bytes, decoded as `decoding` says.
    pub fn from_bytes(bytes: Vec<u8>, decoding: Decoding) -> Result<Self> {
        Ok(Self::from_text(decode(bytes, decoding, None)?))
    }
}

/// Where an open file came from: its name in errors, and how the context describes it.
struct OpenSource<'a> {
    path: &'a Path,
    document_path: Option<PathBuf>,
    name: Option<String>,
    kind: ContextKind,
    source: Option<String>,
    reject_binary: bool,
}

/// One file a directory walk selected.
struct WalkedFile {
    path: PathBuf,
    relative_name: String,
    size: u64,
}

/// The files under `root` the options select, in path order, with their sizes.
fn walk_files(root: &Path, options: &LoadOptions) -> Result<Vec<WalkedFile>> {
    let include = build_globs(&options.include)?;
    let exclude = build_globs(&options.exclude)?;
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(options.follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            options.include_hidden
                || entry.depth() == 0
                || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            let source =
                error.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop"));
            ContextError::Io { path, source }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let relative_name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if include.as_ref().is_some_and(|set| !set.is_match(&relative_name))
            || exclude.as_ref().is_some_and(|set| set.is_match(&relative_name))
        {
            continue;
        }
        if files.len() >= options.max_files {
            return Err(ContextError::TooLarge {
                what: "number of files",
                limit: options.max_files as u64,
                found: files.len() as u64 + 1,
            });
        }
        let size = entry.metadata().map_err(|error| ContextError::Io {
            path: entry.path().to_path_buf(),
            source: error.into_io_error().unwrap_or_else(|| std::io::Error::other("metadata")),
        })?;
        files.push(WalkedFile {
            path: entry.path().to_path_buf(),
            relative_name,
            size: size.len(),
        });
    }
    Ok(files)
}

fn build_globs(globs: &[String]) -> Result<Option<GlobSet>> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let parsed = Glob::new(glob).map_err(|error| ContextError::InvalidGlob {
            glob: glob.clone(),
            message: error.kind().to_string(),
        })?;
        builder.add(parsed);
    }
    builder.build().map(Some).map_err(|error| ContextError::InvalidGlob {
        glob: globs.join(", "),
        message: error.to_string(),
    })
}
