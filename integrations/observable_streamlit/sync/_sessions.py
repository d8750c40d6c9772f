"""What the sync layer remembers per session: its rooms, private keys and last browser values."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SessionRecord", "forget", "member_id", "record", "records"]


@dataclass
class SessionRecord:
    """One session's sync bookkeeping (server side only)."""

    session_id: str
    last_sent: dict[str, Any] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)  # block name -> room name
    private: set[str] = field(default_factory=set)
    editors: dict[str, Any] = field(default_factory=dict)  # synced data editors' views

    @property
    def member(self) -> str:
        """The id other sessions see in presence (a hash: session ids stay secret)."""
        return member_id(self.session_id)


_lock = threading.Lock()
_records: dict[str, SessionRecord] = {}


def member_id(session_id: str) -> str:
    """Return the public member id of a session."""
    return hashlib.sha256(f"observable-sync:{session_id}".encode()).hexdigest()[:12]


def record(session_id: str) -> SessionRecord:
    """Return the record of ``session_id``, creating it on first use."""
    with _lock:
        found = _records.get(session_id)
        if found is None:
            found = _records[session_id] = SessionRecord(session_id)
        return found


def forget(session_id: str) -> SessionRecord | None:
    """Drop and return the record of a session that ended."""
    with _lock:
        return _records.pop(session_id, None)


def records() -> dict[str, SessionRecord]:
    """Return a snapshot of every record (member id -> record)."""
    with _lock:
        return {r.member: r for r in _records.values()}
