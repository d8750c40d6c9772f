"""Rooms: any typed name, ``?room=`` links, unguessable private rooms, and the sidebar picker."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import streamlit as st

from .._runtime import is_internal_key
from ._layout import META, listed_rooms, plain, room_store

__all__ = ["MAX_ROOM_NAME", "QUERY_PARAM", "Room", "private_room", "select_room"]

QUERY_PARAM = "room"
"""The query parameter that names a room: ``?room=...``."""

MAX_ROOM_NAME = 200
"""Longest accepted room name, in characters."""

_CURRENT = "$$STREAMLIT_INTERNAL_KEY_observable_sync_room"
_NAME_INPUT = "$$STREAMLIT_INTERNAL_KEY_observable_sync_room_name"
_PICK = "$$STREAMLIT_INTERNAL_KEY_observable_sync_room_pick"
_LINKED = "$$STREAMLIT_INTERNAL_KEY_observable_sync_room_link"
_NONE = "—"
assert all(is_internal_key(k) for k in (_CURRENT, _NAME_INPUT, _PICK, _LINKED))


@dataclass(frozen=True)
class Room:
    """A room sessions share; ``name`` is any non-blank text of at most 200 characters."""

    name: str
    listed: bool = True

    def __post_init__(self) -> None:
        """Refuse names that are not text, blank, too long or hold control characters."""
        if not isinstance(self.name, str):
            raise TypeError(f"room name must be str, not {type(self.name).__name__}")
        if not self.name.strip():
            raise ValueError("room name must not be blank")
        if len(self.name) > MAX_ROOM_NAME:
            raise ValueError(f"room name is longer than {MAX_ROOM_NAME} characters")
        if any(unicodedata.category(c) == "Cc" for c in self.name):
            raise ValueError("room name must not contain control characters")

    @property
    def query(self) -> str:
        """The query string that opens this room: ``room=<name>``."""
        return f"{QUERY_PARAM}={quote(self.name, safe='')}"


def private_room() -> Room:
    """Return a new unlisted room with an unguessable name (128 random bits)."""
    return Room(secrets.token_urlsafe(16), listed=False)


def _open(room: Room) -> Room:
    """Record that a room exists, listed or not (the first opener decides)."""
    store = room_store(room.name)
    if META not in store:
        with store.lock(META):
            store.setdefault(META, {"listed": room.listed})
    meta = plain(store[META])
    return Room(room.name, listed=bool(meta.get("listed", False)))


def _valid(name: str | None) -> Room | None:
    """Return the room a typed or linked name names, or None (with a visible error)."""
    if not name:
        return None
    try:
        return Room(name)
    except (TypeError, ValueError) as exc:
        st.sidebar.error(f"Cannot open room {name!r}: {exc}")
        return None


def _choose(room: Room | None) -> None:
    """Widget callback: make ``room`` the session's room (None leaves)."""
    st.session_state[_CURRENT] = room


def _choose_typed() -> None:
    """Join the room whose name was typed."""
    _choose(_valid(str(st.session_state.get(_NAME_INPUT, ""))))


def _choose_picked() -> None:
    """Join the listed room picked in the sidebar."""
    picked = st.session_state.get(_PICK)
    if isinstance(picked, str) and picked != _NONE:
        _choose(_valid(picked))


def select_room(*, label: str = "Room") -> Room | None:
    """Sidebar picker: join a listed room, type any name, create a private room, or leave.

    The choice is kept in the URL (``?room=...``) so the link opens the same room. The
    session itself is the identity: nothing the browser sends names who you are.
    """
    sidebar = st.sidebar
    sidebar.subheader(label)
    linked = st.query_params.get(QUERY_PARAM)
    current: Room | None = st.session_state.get(_CURRENT)
    if linked and linked != st.session_state.get(_LINKED):  # a new link was opened
        current = _valid(linked)
    st.session_state[_LINKED] = linked
    typed = sidebar.text_input("Room name", key=_NAME_INPUT, placeholder="any name")
    join, private, leave = sidebar.columns(3)
    join.button("Join", on_click=_choose_typed, disabled=not typed.strip())
    private.button("Private", on_click=lambda: _choose(private_room()), help="unguessable link")
    leave.button("Leave", on_click=_choose, args=(None,), disabled=current is None)
    rooms = listed_rooms()
    if rooms:
        sidebar.selectbox("Open rooms", [_NONE, *rooms], key=_PICK, on_change=_choose_picked)
    if current is not None:
        current = _open(current)
        st.query_params[QUERY_PARAM] = current.name
        sidebar.caption(f"In room **{current.name}** · share `?{current.query}`")
    elif QUERY_PARAM in st.query_params:
        del st.query_params[QUERY_PARAM]
    st.session_state[_CURRENT] = current
    return current
