"""Streamlit integration: a drop-in for streamlit-server-state whose in-place edits rerun sessions.

``server_state["messages"].append(m)`` reruns every other session that read
``messages``: no hashing, no ``force_rerun_bound_sessions`` call.
"""

from __future__ import annotations

try:
    import streamlit as _streamlit  # noqa: F401
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "observable_streamlit needs Streamlit, which is not installed. "
        'Install the extra: pip install "observable-journal[streamlit]"'
    ) from _exc

from observable import ReadOnlyError

from ._shared import shared_store
from .locks import ServerStateLock, server_state_lock
from .panel import JournalEntry, journal_panel, journal_rows, recent_changes
from .reruns import (
    NoRerun,
    RerunSuppressedError,
    bound_sessions,
    force_rerun_bound_sessions,
    no_rerun,
    rerun_writer,
)
from .state import MissingKeyError, ServerState, server_state

__all__ = [
    "JournalEntry",
    "MissingKeyError",
    "NoRerun",
    "ReadOnlyError",
    "RerunSuppressedError",
    "ServerState",
    "ServerStateLock",
    "bound_sessions",
    "force_rerun_bound_sessions",
    "journal_panel",
    "journal_rows",
    "no_rerun",
    "recent_changes",
    "rerun_writer",
    "server_state",
    "server_state_lock",
    "shared_store",
]

# -- synced rooms (observable_streamlit.sync) ----------------------------------------------
from .sync import (
    READ_ONLY_MESSAGE,
    Presence,
    Room,
    leave_room,
    not_synced,
    private_room,
    room_presence,
    select_room,
    sync,
)

__all__ += [
    "READ_ONLY_MESSAGE",
    "Presence",
    "Room",
    "leave_room",
    "not_synced",
    "private_room",
    "room_presence",
    "select_room",
    "sync",
]
