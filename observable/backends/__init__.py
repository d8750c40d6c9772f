"""Where a store's state lives: in memory (default), in a SQLite file, or in Redis.

``observable.backends.sqlite.SQLiteBackend`` and ``observable.backends.redis.RedisBackend``
are imported on demand by :func:`backend_from_url` (the Redis one needs the ``redis``
extra). See ``docs/backends.md``.
"""

from __future__ import annotations

from .base import (
    Backend,
    BackendUnavailable,
    BatchConflict,
    LockLost,
    StateReloaded,
    backend_from_url,
    register_backend,
)
from .codec import Codec, register_type, unregister_type
from .errors import CodecError, KeyQuarantined, StateLost
from .memory import MemoryBackend
from .quarantine import Quarantined

__all__ = [
    "Backend",
    "BackendUnavailable",
    "BatchConflict",
    "Codec",
    "CodecError",
    "KeyQuarantined",
    "LockLost",
    "MemoryBackend",
    "Quarantined",
    "StateLost",
    "StateReloaded",
    "backend_from_url",
    "register_backend",
    "register_type",
    "unregister_type",
]
