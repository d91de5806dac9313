//! A persistent, sled-backed cache of subcall completions.
//!
//! [`SledCache`] implements [`rlm_types::CompletionCache`]: the scheduler asks
//! it before calling a model and stores what the model answered. Its one job is
//! to return a previously stored completion for the *same* request to the
//! *same* model, and never anything else.
//!
//! * **Key**: [`CacheKey`], a blake3 hash of a canonical, versioned encoding of
//!   the effective [`ModelId`](rlm_types::ModelId), every
//!   [`GenerationParams`](rlm_types::GenerationParams) field (they all change
//!   the output) and the messages.
//! * **Value**: a versioned, checksummed envelope around the serialised
//!   [`Completion`](rlm_types::Completion) and the time it was stored (for TTL).
//! * **Never an error on the hot path**: a corrupt, truncated or undecodable
//!   value is a miss (counted in [`CacheStats::corrupt`] and removed); a failed
//!   write is dropped (counted in [`CacheStats::write_errors`]).
//! * **Atomic writes; crash safety**: an entry and its eviction-index record are
//!   written in one sled transaction; the scan at open repairs anything else a
//!   crash could leave, so a process killed mid-write (even by SIGKILL) leaves a
//!   database that reopens with every entry a hit or a miss. Writes since the
//!   last flush (every [`CacheConfig::flush_every_ms`]) may be lost; call
//!   [`SledCache::flush`] when durability matters.
//! * **Size cap** ([`CacheConfig::max_bytes`]) with oldest-first eviction, and an
//!   optional **TTL** ([`CacheConfig::ttl`]).
//!
//! # One open database per folder, one process per database
//!
//! A folder is opened once per process: opening it again (any `open*`) while
//! a handle to it is alive returns a handle to the same open database, so two
//! parts of a program (two Python `FileCache` objects, say) share its entries.
//! The first open's [`CacheConfig`] holds until its last handle is dropped.
//!
//! sled takes an exclusive file lock (`flock`) on its database for as long as
//! the process has it open; a second *process* fails with
//! [`CacheError::Locked`], naming the directory and the process that holds it
//! (each process that opens a database writes `pid <id>: <command line>` into
//! the folder's `rlm-cache.owner`), after waiting up to 1.5 s for the lock (a
//! handle dropped a moment ago releases it only when sled's flusher thread
//! stops). The kernel releases the lock when the process exits, however it
//! exits, so a stale lock never survives a crash.
//!
//! To share a cache:
//! * **Threads, tasks and objects of one process**: open the folder as often
//!   as you like, or share one [`SledCache`] (it is `Clone`, `Send` and
//!   `Sync`); every handle reaches the same database.
//! * **Several processes at once**: give each its own cache directory (they
//!   then do not share hits), or send all their subcalls through one process
//!   that owns the cache (for example one `rlm` server that the others call).
//!   Do not point several processes at one directory and retry on
//!   `Locked`: they would serialise on the lock.
//! * **One after another** (batch jobs, CI): reuse the directory freely; each
//!   process opens it after the previous one exited.
//!
//! # Example
//! ```
//! use rlm_cache::{CacheConfig, SledCache};
//! use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId, Usage};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let cache = SledCache::open_with(dir.path(), CacheConfig::default()).unwrap();
//! let model: ModelId = "openai:gpt-5-mini".parse().unwrap();
//! let request = CompletionRequest::user("What is 6 x 7?");
//! assert!(cache.get(&model, &request).is_none());
//! let answer = Completion {
//!     text: "42".into(),
//!     usage: Usage { prompt_tokens: 9, completion_tokens: 1, cached_tokens: 0 },
//!     finish_reason: None,
//!     model: "gpt-5-mini".into(),
//!     latency: std::time::Duration::from_millis(250),
//! };
//! cache.put(&model, &request, &answer);
//! assert_eq!(cache.get(&model, &request).unwrap().text, "42");
//! assert_eq!(cache.stats().hits, 1);
//! ```

mod entry;
mod error;
mod key;
mod owner;
mod store;

pub use entry::{DecodeError, EntryHeader, VALUE_FORMAT_VERSION};

/// The stored value's envelope, for caches on other backends (rlm-redis) that
/// store the same checksummed bytes: [`encode_value`] builds it, [`decode_value`]
/// reads it back (any damage is a [`DecodeError`], never a panic).
pub use entry::{decode as decode_value, encode as encode_value};
pub use error::CacheError;
pub use key::{CacheKey, KEY_FORMAT_VERSION};
pub use store::{CacheConfig, CacheStats, DB_FORMAT_VERSION, ENTRIES_TREE, ORDER_TREE, SledCache};
