"""The library's error hierarchy: every error it raises on purpose subclasses ObservableError."""

from __future__ import annotations

__all__ = ["Conflict", "JournalTruncated", "ObservableError", "PatchError", "ReadOnlyError"]


class ObservableError(Exception):
    """Base class of every error observable raises on purpose."""


class PatchError(ObservableError, ValueError):
    """A change cannot be applied to this value, or has no JSON Patch form."""


class ReadOnlyError(ObservableError, TypeError):
    """A mutation was attempted through a read-only view."""


class JournalTruncated(ObservableError, LookupError):
    """A reader asked for changes that the journal no longer retains."""


class Conflict(ObservableError):
    """Raised by a backend's commit when the journal is behind a shared log.

    The writer rolls its operation back, the backend catches up, and the operation runs
    again against the caught-up value.
    """
