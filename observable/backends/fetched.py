"""What a catch-up reads and decodes without the journal lock, to apply under it.

Decoding stored data can be slow (bounded, but a big value still costs time), so a
backend never decodes while it holds the journal lock: it notes the local version,
reads and decodes what the store holds beyond it, then takes the lock and applies the
result only if the local version is still the one it read against. If it moved (another
thread wrote or applied meanwhile), the result is dropped and read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..change import Change
from .codec import EncodedChange, UndecodableChange
from .quarantine import Quarantine

__all__ = ["PREFETCH_TRIES", "Fetched", "Loaded", "Stored"]

PREFETCH_TRIES = 20
"""Reads a catch-up makes while the local version keeps moving before it falls back to
reading under the journal lock (safe, but other threads wait meanwhile)."""

Stored = EncodedChange | UndecodableChange
"""A change read from a backend: decoded, or refused by the codec."""


@dataclass
class Loaded:
    """A whole stored state, read and decoded: values, their version, what was replayed."""

    values: dict[str, Any]
    """The decoded values by store key (keys that could not be decoded are left out)."""
    version: int
    """The version the values are at."""
    replayed: list[Change]
    """The logged changes applied on top of the snapshot (their keys need compacting)."""
    quarantine: Quarantine
    """The keys the reading refused."""
    mark: Any = None
    """The backend's note of what it read (the Redis epoch, the SQLite snapshot version)."""


@dataclass
class Fetched:
    """The result of reading the store beyond local version ``base``, without the lock."""

    base: int
    """The local version the read was made against."""
    mark: Any = None
    """The backend's view of the store when it read (the Redis epoch)."""
    items: list[Stored] | None = None
    """The changes after ``base``, decoded (empty: nothing new)."""
    state: Loaded | None = None
    """A whole state to install instead (the log no longer reaches back to ``base``)."""
    locked: bool = False
    """Only the lock's holder can settle it (a wiped store; nothing was decoded)."""
