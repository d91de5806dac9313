"""``FileCache`` (pyrlm's ``pyrlm_runtime.cache``): the persistent subcall cache.

``FileCache(root)`` opens (creates) the runtime's cache in the folder ``root``
(a sled database); ``RLM(cache=...)`` serves identical sub-model calls (same
model, same request) from it, and the trace marks those steps ``cache_hit``.
``CacheRecord(text, usage)`` is pyrlm's record type.

Several ``FileCache`` objects on one folder in a process (and
``RLM(cache_dir=)`` on it) share one open database: what one stores, the
others read. The folder closes when the last of them is gone. Another
*process* cannot open a folder while this one holds it (sled's lock): its
``FileCache(root)`` raises ``ConfigError`` naming the process that holds it
(``pid 4242: python3 app.py``). pyrlm's JSON files allow that; give each
process its own folder, or let one process serve the others.

``get(key)`` / ``set(key, record)``: pyrlm's records under a string key of
the caller's, kept in the same database (under a hash of the key in a domain
of its own, so a string key never meets a subcall's); ``get`` returns None for
a key never set. The runtime's own subcall records are keyed by a hash of
(model, request) and are not reachable by a string key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Union

from ._native import FileCache as _NativeFileCache
from .adapters.base import Usage


@dataclass(frozen=True)
class CacheRecord:
    """A cached reply, as pyrlm's ``CacheRecord``."""

    text: str
    usage: Usage


class FileCache:
    """The runtime's subcall cache in the folder ``root`` (see the module docs)."""

    def __init__(self, root: Union[str, "os.PathLike[str]"] = ".rlm_cache") -> None:
        self._native = _NativeFileCache(root=os.fspath(root))

    @property
    def root(self) -> str:
        """The folder of the cache."""
        return self._native.root

    def get(self, key: str) -> Optional[CacheRecord]:
        """The record ``set`` stored under ``key``, or None."""
        found = self._native.get(_key(key))
        if found is None:
            return None
        text, prompt, completion = found
        return CacheRecord(text=text, usage=Usage(prompt, completion, prompt + completion))

    def set(self, key: str, record: CacheRecord) -> None:
        """Stores ``record`` under ``key`` (replacing what was there)."""
        usage = record.usage
        if not self._native.set(_key(key), str(record.text), int(usage.prompt_tokens), int(usage.completion_tokens)):
            raise OSError(f"FileCache.set({key!r}): the cache in {self.root} refused the write")


def _key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a cache key is a str, not {type(key).__name__}")
    return key


__all__ = ["CacheRecord", "FileCache"]
