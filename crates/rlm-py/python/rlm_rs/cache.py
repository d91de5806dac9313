"""``FileCache`` (pyrlm's ``pyrlm_runtime.cache``): the persistent subcall cache.

``FileCache(root)`` opens (creates) the runtime's cache in the folder ``root``
(a sled database, one process at a time); ``RLM(cache=...)`` serves identical
sub-model calls (same model, same request) from it, and the trace marks those
steps ``cache_hit``. ``CacheRecord(text, usage)`` is pyrlm's record type.

Refused: ``get(key)`` / ``set(key, record)``. pyrlm addresses records by a
string its own loop builds; the runtime keys them by a hash of (model,
request) it computes itself, so a record cannot be read or written under a
string key. Both raise ``ConfigError`` saying so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NoReturn, Union

from ._native import FileCache as _NativeFileCache
from .adapters.base import Usage
from .errors import ConfigError


@dataclass(frozen=True)
class CacheRecord:
    """A cached reply, as pyrlm's ``CacheRecord``."""

    text: str
    usage: Usage


_WHY = (
    "is not supported by rlm_rs: the runtime keys cached replies by a hash of (model, request) "
    "that it computes itself, not by pyrlm's string keys; pass the cache to RLM(cache=) and read "
    "cache hits from trace.steps[i].cache_hit"
)


class FileCache:
    """The runtime's subcall cache in the folder ``root`` (see the module docs)."""

    def __init__(self, root: Union[str, "os.PathLike[str]"] = ".rlm_cache") -> None:
        self._native = _NativeFileCache(root=os.fspath(root))

    @property
    def root(self) -> str:
        """The folder of the cache."""
        return self._native.root

    def get(self, key: str) -> NoReturn:
        """Refused (``ConfigError``): see the module docs."""
        raise ConfigError(f"FileCache.get({key!r}) {_WHY}")

    def set(self, key: str, record: CacheRecord) -> NoReturn:
        """Refused (``ConfigError``): see the module docs."""
        raise ConfigError(f"FileCache.set({key!r}, ...) {_WHY}")


__all__ = ["CacheRecord", "FileCache"]
