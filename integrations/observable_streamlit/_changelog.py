"""Recent changes with the time they were received and who made them, for the journal panel."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from observable import Change, Journal, keys_of
from observable.store_keys import show_key

from ._runtime import current_session_id

__all__ = ["ChangeLog", "JournalEntry"]


@dataclass(frozen=True)
class JournalEntry:
    """One change as the journal panel shows it."""

    received: float
    """When the change reached the log (``time.time()``); a ``Change`` has no time of its own."""
    session: str | None
    """The change's origin, else the session whose thread made it, else None (a thread)."""
    key: str
    """The store key it happened under (``room/key`` inside a room)."""
    path: tuple[Any, ...]
    """Where inside the key's value: the change's path without the key."""
    op: str
    """The method or operator, for example ``append`` or ``setitem``."""
    args: tuple[Any, ...]
    """The call's arguments, as plain snapshots."""
    seq: int
    """The change's position in the store's journal."""


class ChangeLog:
    """Keeps the newest changes of a journal, stamped when received; thread-safe."""

    def __init__(self, journal: Journal, maxlen: int = 500) -> None:
        """Subscribe to ``journal`` and keep at most ``maxlen`` entries."""
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] = journal.subscribe(self._record)

    def close(self) -> None:
        """Stop recording."""
        self._unsubscribe()

    def _record(self, changes: tuple[Change, ...]) -> None:
        """Journal subscriber: runs in the writer's thread, right after the changes."""
        received = time.time()
        writer = current_session_id()
        entries = [_entry(change, received, writer) for change in changes]
        with self._lock:
            self._entries.extend(entries)

    def recent(self, limit: int) -> list[JournalEntry]:
        """Return up to ``limit`` entries, newest first."""
        with self._lock:
            newest = list(self._entries)[-limit:] if limit > 0 else []
        newest.reverse()
        return newest


def _entry(change: Change, received: float, writer: str | None) -> JournalEntry:
    """Build the entry of one change."""
    origin = change.origin if change.origin is not None else writer
    return JournalEntry(
        received=received,
        session=None if origin is None else str(origin),
        key=", ".join(
            show_key(key) if isinstance(key, str) else str(key) for key in keys_of(change)
        ),
        path=tuple(change.path[1:]),
        op=change.op,
        args=tuple(change.args),
        seq=change.seq,
    )


def _show(key: object) -> str:
    """Name a root key for people (``room/key`` inside a room)."""
    return show_key(key) if isinstance(key, str) else str(key)
