"""Which sessions read which keys: with the whole script, or only inside some fragments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["MAX_FRAGMENTS_PER_BINDING", "Bindings", "Targets"]

MAX_FRAGMENTS_PER_BINDING = 16
"""Fragment ids kept per (key, session); the oldest go first (ids change with the layout)."""


@dataclass(frozen=True)
class Targets:
    """Sessions to rerun for one change: whole scripts, and only some fragments of others."""

    full: frozenset[str] = frozenset()
    fragments: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Return True when there is anything to rerun."""
        return bool(self.full or self.fragments)


_FULL = None  # a session that read the key outside any fragment


class Bindings:
    """Records reads per key and session; not thread-safe (its owner holds a lock).

    A session is bound to a key from its first read until it is pruned (it
    disconnected). A read outside any fragment binds the whole script for good; reads
    inside fragments bind those fragments only, as long as no read happened outside.
    """

    def __init__(self) -> None:
        """Start with no bindings."""
        self._keys: dict[str, dict[str, dict[str, None] | None]] = {}
        self._watchers: dict[str, dict[str, None]] = {}
        self._sessions: dict[str, None] = {}

    def bind(self, key: str, session_id: str, fragment_id: str | None) -> bool:
        """Record that a session read ``key`` (inside ``fragment_id``, if any).

        Return True when the session was not known before.
        """
        new_session = session_id not in self._sessions
        if new_session:
            self._sessions[session_id] = None
        readers = self._keys.setdefault(key, {})
        if session_id in readers and readers[session_id] is _FULL:
            return new_session
        if fragment_id is None:
            readers[session_id] = _FULL
        else:
            _remember(readers.setdefault(session_id, {}), fragment_id)
        return new_session

    def watch(self, session_id: str, fragment_id: str) -> bool:
        """Record a fragment that shows every change (the journal panel); True if new session."""
        new_session = session_id not in self._sessions
        if new_session:
            self._sessions[session_id] = None
        _remember(self._watchers.setdefault(session_id, {}), fragment_id)
        return new_session

    def targets(self, key: str) -> Targets:
        """Return who to rerun for a change under ``key``."""
        readers = self._keys.get(key)
        if not readers:
            return Targets()
        full = frozenset(s for s, fragments in readers.items() if fragments is _FULL)
        parts = {s: frozenset(f) for s, f in readers.items() if f is not _FULL and f}
        return Targets(full, parts)

    def watchers(self) -> dict[str, frozenset[str]]:
        """Return the fragments that show every change, per session."""
        return {s: frozenset(f) for s, f in self._watchers.items() if f}

    def sessions(self, key: str | None = None) -> frozenset[str]:
        """Return the sessions bound to ``key``, or every known session when ``key`` is None."""
        if key is None:
            return frozenset(self._sessions)
        return frozenset(self._keys.get(key, ()))

    def keys(self) -> frozenset[str]:
        """Return the keys at least one session is bound to."""
        return frozenset(k for k, readers in self._keys.items() if readers)

    def prune(self, gone: Iterable[str]) -> list[str]:
        """Forget sessions that are gone; return the keys nobody is bound to any more."""
        gone = set(gone) & self._sessions.keys()
        if not gone:
            return []
        for session_id in gone:
            del self._sessions[session_id]
            self._watchers.pop(session_id, None)
        emptied = []
        for key, readers in list(self._keys.items()):
            for session_id in gone & readers.keys():
                del readers[session_id]
            if not readers:
                del self._keys[key]
                emptied.append(key)
        return emptied


def _remember(fragments: dict[str, None] | None, fragment_id: str) -> None:
    """Add a fragment id as the newest, dropping the oldest beyond the cap."""
    assert fragments is not None
    fragments.pop(fragment_id, None)
    fragments[fragment_id] = None
    while len(fragments) > MAX_FRAGMENTS_PER_BINDING:
        del fragments[next(iter(fragments))]
