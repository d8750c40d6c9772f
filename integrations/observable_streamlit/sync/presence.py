"""Presence: who is in a room now, kept live by joins, leaves and disconnects (no polling)."""

from __future__ import annotations

import socket
from typing import Any

import streamlit as st

from .._runtime import current_session_id, on_session_end
from ._layout import PRESENCE, bind, plain, room_mapping
from ._sessions import SessionRecord, forget, member_id, records
from .lease import live_servers, start_leases
from .rooms import Room

__all__ = ["Presence", "join", "leave", "room_presence", "watch_disconnects"]


class Presence:
    """Who is in a room: ``count``, ``labels``, your own label; ``st.write`` shows one line."""

    __slots__ = ("count", "labels", "you")

    def __init__(self, labels: list[str], you: str | None) -> None:
        """Hold the sorted member labels and the caller's own label (None if not a member)."""
        self.count = len(labels)
        self.labels = tuple(labels)
        self.you = you

    def __str__(self) -> str:
        """Return ``"2 here: guest-1a2b3 (you), guest-9f3c1"``."""
        shown = [f"{label} (you)" if label == self.you else label for label in self.labels]
        return f"{self.count} here: {', '.join(shown)}"

    def __repr__(self) -> str:
        """Show the count and labels."""
        return f"Presence(count={self.count}, labels={self.labels!r}, you={self.you!r})"


def server_id() -> str:
    """Name this server (host and port): presence entries of a restarted server are its own."""
    port = st.get_option("server.port")
    return f"{socket.gethostname()}:{port}"


def label_of(record: SessionRecord, viewer: bool) -> str:
    """Return the label other sessions see for a member."""
    return f"guest-{record.member[:5]}" + (" (viewer)" if viewer else "")


def join(room: Room, record: SessionRecord, *, viewer: bool) -> None:
    """Add the session to the room's presence, dropping this server's stale members."""
    start_leases(server_id)
    members = room_mapping(room.name, PRESENCE)
    me = server_id()
    live = records()
    for member, entry in list(plain(members).items()):
        if member != record.member and entry.get("server") == me and member not in live:
            members.pop(member, None)
    entry = {"label": label_of(record, viewer), "server": me, "viewer": viewer}
    if plain(members.get(record.member)) != entry:
        members[record.member] = entry


def leave(room_name: str, session_id: str) -> None:
    """Remove a session from a room's presence."""
    members = room_mapping(room_name, PRESENCE)
    members.pop(member_id(session_id), None)


def _session_ended(session_id: str) -> None:
    """Drop a closed or disconnected tab from every room it was in (event loop thread)."""
    ended = forget(session_id)
    if ended is None:
        return
    for room_name in set(ended.rooms.values()):
        leave(room_name, session_id)


def watch_disconnects() -> None:
    """Make sure closing a tab removes it from presence (installed once per server)."""
    on_session_end(_session_ended)


def room_presence(room: Room | None) -> Presence:
    """Return who is in ``room`` now; the calling session reruns when that changes."""
    if room is None:
        return Presence([], None)
    bind(room.name, PRESENCE)
    members: dict[str, Any] = plain(room_mapping(room.name, PRESENCE))
    session_id = current_session_id()
    alive = live_servers() | {server_id()}
    members = {m: e for m, e in members.items() if e.get("server") in alive}
    mine = None if session_id is None else members.get(member_id(session_id))
    labels = sorted(str(entry.get("label", "?")) for entry in members.values())
    return Presence(labels, None if mine is None else str(mine.get("label")))
