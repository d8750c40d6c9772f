"""Rooms and read-only views of ``server_state``: module functions, so no key is shadowed."""

from __future__ import annotations

from .state import ServerState, server_state, store_of

__all__ = ["readonly", "remove_room", "room", "rooms"]


def room(name: str, state: ServerState = server_state) -> ServerState:
    """Return the server state of room ``name`` (inside ``state``).

    Its keys never collide with ``state``'s own keys or other rooms', whatever the
    names (``/`` included); its readers rerun for its keys only.
    """
    if not isinstance(name, str):
        raise TypeError(f"room names must be str, not {type(name).__name__}: {name!r}")
    return ServerState._view(store_of(state).room(name))


def rooms(state: ServerState = server_state) -> list[str]:
    """Return the names of the rooms directly inside ``state`` that hold any key."""
    return store_of(state).rooms()


def remove_room(name: str, state: ServerState = server_state) -> None:
    """Delete every key of room ``name`` inside ``state``; the sessions bound to them rerun."""
    if not isinstance(name, str):
        raise TypeError(f"room names must be str, not {type(name).__name__}: {name!r}")
    store_of(state).remove_room(name)


def readonly(state: ServerState = server_state) -> ServerState:
    """Return a view of ``state`` for spectators: reads bind and rerun as usual, writes raise."""
    return ServerState._view(store_of(state).readonly())
