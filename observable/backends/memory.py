"""The default backend: state lives in this process only."""

from __future__ import annotations

from .base import Backend

__all__ = ["MemoryBackend"]


class MemoryBackend(Backend):
    """Keeps nothing outside the process; the store's own value is the state."""

    @classmethod
    def from_url(cls, url: str, *, codec: object = None) -> MemoryBackend:
        """Build from ``memory://`` (nothing is encoded, so a codec has no use here)."""
        return cls()
