"""Where a store's state lives: in memory (default), or in a shared or durable backend."""

from __future__ import annotations

from .base import Backend, BackendUnavailable, backend_from_url, register_backend
from .memory import MemoryBackend

__all__ = ["Backend", "BackendUnavailable", "MemoryBackend", "backend_from_url", "register_backend"]
