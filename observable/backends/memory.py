"""The default backend: state lives in this process only."""

from __future__ import annotations

from .base import Backend

__all__ = ["MemoryBackend"]


class MemoryBackend(Backend):
    """Keeps nothing outside the process; the store's own value is the state."""

    @classmethod
    def from_url(cls, url: str) -> MemoryBackend:
        """Build from ``memory://``."""
        return cls()
