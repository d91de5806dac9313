//! The bytes behind a context: an owned string or a read-only memory map of a validated file.

use std::sync::Arc;

use crate::index::CharIndex;

/// Storage for the text. Always valid UTF-8 (checked when it was built).
pub(crate) enum Storage {
    /// Text held in memory.
    Owned(Box<str>),
    /// A file mapped read-only; its bytes were validated as UTF-8 when it was loaded.
    Mapped(memmap2::Mmap),
}

/// The shared buffer every view points into: the text plus its code-point index.
pub(crate) struct Buffer {
    storage: Storage,
    index: CharIndex,
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("mapped", &matches!(self.storage, Storage::Mapped(_)))
            .field("bytes", &self.bytes().len())
            .field("chars", &self.index.total_chars())
            .finish()
    }
}

impl Buffer {
    /// A buffer over an owned string (indexed here).
    pub(crate) fn owned(text: String) -> Arc<Self> {
        let index = CharIndex::build(text.as_bytes());
        Arc::new(Self { storage: Storage::Owned(text.into_boxed_str()), index })
    }

    /// A buffer over a memory map whose bytes were validated as UTF-8 and indexed by the caller.
    pub(crate) fn mapped(map: memmap2::Mmap, index: CharIndex) -> Arc<Self> {
        Arc::new(Self { storage: Storage::Mapped(map), index })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.storage {
            Storage::Owned(text) => text.as_bytes(),
            Storage::Mapped(map) => map,
        }
    }

    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.storage, Storage::Mapped(_))
    }

    pub(crate) fn index(&self) -> &CharIndex {
        &self.index
    }

    /// The whole text.
    pub(crate) fn text(&self) -> &str {
        match &self.storage {
            Storage::Owned(text) => text,
            Storage::Mapped(map) => mapped_str(map),
        }
    }
}

/// Views the mapped bytes as `str` without re-validating a (possibly multi-GB) file on every access.
#[allow(unsafe_code)]
fn mapped_str(map: &memmap2::Mmap) -> &str {
    // SAFETY: `Buffer::mapped` is only called by the loader after it validated the file's bytes as
    // UTF-8 and checked that the mapping has the validated length. The remaining caveat is the one
    // every memory map carries (see `loader::map_file`): if another process rewrites or truncates the
    // file while it is mapped, the bytes may change under us; the loader documents that files must
    // not be modified while a context over them is alive.
    unsafe { std::str::from_utf8_unchecked(map) }
}
