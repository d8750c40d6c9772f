"""Where a room lives in the shared store: one namespace per room, three keys, and binding."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from observable import Store, unwrap

from .._shared import shared

__all__ = [
    "META",
    "MISSING",
    "NAMESPACE",
    "PRESENCE",
    "STATE",
    "WIDGETS",
    "bind",
    "listed_rooms",
    "plain",
    "room_mapping",
    "room_store",
]

NAMESPACE = "observable-sync"
"""The store room that holds every synced room (it cannot collide with user keys)."""

WIDGETS = "widgets"
"""Per room: widget key or id -> the value the browser would send (JSON-ready)."""
STATE = "state"
"""Per room: ``st.session_state`` key -> value set inside ``sync``."""
PRESENCE = "presence"
"""Per room: member id -> ``{"label", "server", "viewer"}``."""
META = "meta"
"""Per room: ``{"listed": bool}``; listed rooms are offered by ``select_room``."""

MISSING: Any = object()
"""Marks an absent value (``None`` is a valid widget value)."""


def _encoded(name: str) -> str:
    """Return a store-safe room key for any room name (``/`` and ``%`` are escaped)."""
    return quote(name, safe="")


def room_store(name: str) -> Store:
    """Return the store namespace of room ``name``."""
    return shared().store.room(NAMESPACE).room(_encoded(name))


def room_mapping(name: str, key: str) -> Any:
    """Return the observed dict under ``key`` in room ``name``, creating it empty."""
    store = room_store(name)
    value = store.get(key)
    if value is None:
        with store.lock(key):
            value = store.setdefault(key, {})
    return value


def bind(name: str, key: str) -> None:
    """Rerun the calling session whenever ``key`` of room ``name`` changes.

    Not a drawing read: a session's own synced input never reruns it.
    """
    shared().dispatcher.bind(room_store(name), key, drawn=False)


def plain(value: Any) -> Any:
    """Return a plain copy of a stored value (never a proxy)."""
    if value is MISSING:
        return MISSING
    raw = unwrap(value)
    if isinstance(raw, dict):
        return {k: plain(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [plain(v) for v in raw]
    return raw


def listed_rooms() -> list[str]:
    """Return the names of rooms that were opened as listed (private rooms never are)."""
    from urllib.parse import unquote

    namespace = shared().store.room(NAMESPACE)
    names = []
    for encoded in namespace.rooms():
        meta = namespace.room(encoded).get(META)
        if meta is not None and unwrap(meta).get("listed"):
            names.append(unquote(encoded))
    return sorted(names)
