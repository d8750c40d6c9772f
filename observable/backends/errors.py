"""Errors about stored data: undecodable entries, quarantined keys, and lost state."""

from __future__ import annotations

from typing import Any

from .base import BackendUnavailable

__all__ = ["CodecError", "KeyQuarantined", "StateLost"]


class CodecError(TypeError):
    """A value cannot be encoded, or stored data cannot be decoded, by the backend codec.

    When the data came from a backend, ``key`` names the store key it belongs to (None
    when it cannot be told) and ``entry`` names where it is stored.
    """

    def __init__(self, message: str, *, key: Any = None, entry: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        """The store key the bad data belongs to, when known."""
        self.entry = entry
        """Where the bad data is stored (for example ``journal row 12``), when known."""


class KeyQuarantined(BackendUnavailable):
    """A write went to a store key whose stored history holds an entry that was refused.

    Assign the key a whole new value (``store[key] = value``) or delete it to repair it;
    ``store.backend.quarantined()`` tells why it was quarantined.
    """


class StateLost(BackendUnavailable):
    """The backend lost acknowledged changes that no live replica holds.

    Nothing was reset. ``store.backend.accept_loss()`` re-seeds the store from the most
    advanced replica left, knowingly dropping the lost changes.
    """
