"""``server_state``: the shared mapping; reading a key binds the session to it."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from observable import Store

from ._dispatch import ROOM_SEPARATOR
from ._origin import tag_origin
from ._runtime import current_session_id
from ._shared import shared, shared_store

__all__ = ["MissingKeyError", "ServerState", "server_state"]


class MissingKeyError(KeyError, AttributeError):
    """A key that is not in the server state (a ``KeyError`` and an ``AttributeError``)."""


def _check_key(key: object) -> str:
    """Return ``key`` if it can name a value; raise like ``observable.Store`` otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"server_state keys must be str, not {type(key).__name__}: {key!r}")
    if ROOM_SEPARATOR in key:
        raise ValueError(f"key {key!r} contains {ROOM_SEPARATOR!r}; use server_state.room(...)")
    return key


def _tag_writer() -> None:
    """Tag changes made from this script thread with its session id."""
    session_id = current_session_id()
    if session_id is not None:
        tag_origin(session_id)


class ServerState(MutableMapping[str, Any]):
    """A drop-in for streamlit-server-state's ``server_state`` over an ``observable.Store``.

    Keys are reached by item or attribute. Reading a key (item, attribute, ``in``,
    ``get``) binds the calling session to it; any change under the key, at any depth
    and in place, reruns the other bound sessions. Values come back observed.
    """

    __slots__ = ("_rooms", "_store")

    _store: Store
    _rooms: tuple[str, ...]

    def __init__(self) -> None:
        """Give the process-wide server state (every instance shares the same values)."""
        object.__setattr__(self, "_store", shared_store())
        object.__setattr__(self, "_rooms", ())

    @classmethod
    def _view(cls, store: Store, rooms: tuple[str, ...]) -> ServerState:
        """Return a server state over ``store``: a room or read-only view of the shared one."""
        view = cls.__new__(cls)
        object.__setattr__(view, "_store", store)
        object.__setattr__(view, "_rooms", rooms)
        return view

    def _bind(self, key: str) -> None:
        """Bind the calling session to ``key``."""
        shared().dispatcher.bind(ROOM_SEPARATOR.join((*self._rooms, key)))

    # -- mapping -----------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        """Return the observed value of ``key`` and bind the session to it (even if missing)."""
        self._bind(_check_key(key))
        try:
            return self._store[key]
        except KeyError:
            raise MissingKeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        """Set ``key``; the sessions bound to it rerun if the value changed."""
        _check_key(key)
        _tag_writer()
        self._store[key] = value

    def __delitem__(self, key: str) -> None:
        """Delete ``key``; the sessions bound to it rerun."""
        _check_key(key)
        _tag_writer()
        try:
            del self._store[key]
        except KeyError:
            raise MissingKeyError(key) from None

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is set, and bind the session to it."""
        if not isinstance(key, str) or ROOM_SEPARATOR in key:
            return False
        self._bind(key)
        return key in self._store

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys (this does not bind)."""
        return iter(self._store.keys())

    def __len__(self) -> int:
        """Return the number of keys (this does not bind)."""
        return len(self._store.keys())

    def __repr__(self) -> str:
        """Show the room and the keys."""
        room = f" room={ROOM_SEPARATOR.join(self._rooms)!r}" if self._rooms else ""
        return f"<ServerState{room} keys={self._store.keys()!r}>"

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key`` or ``default``; binds the session to ``key``."""
        if not isinstance(key, str) or ROOM_SEPARATOR in key:
            return default
        try:
            return self[key]
        except KeyError:
            return default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, first setting it to ``default``; binds the session."""
        self._bind(_check_key(key))
        _tag_writer()
        return self._store.setdefault(key, default)

    # -- attributes --------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        """Return ``self[name]``; a missing ``_name`` (a library's probe) binds nothing."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name.startswith("_") and name not in self._store:
            raise MissingKeyError(name)
        return self[name]

    def __setattr__(self, name: str, value: Any) -> None:
        """Set ``self[name]``."""
        self[name] = value

    def __delattr__(self, name: str) -> None:
        """Delete ``self[name]``."""
        del self[name]

    # -- rooms, views ------------------------------------------------------------
    def room(self, name: str) -> ServerState:
        """Return the server state of room ``name``; its readers rerun for its keys only."""
        return ServerState._view(self._store.room(_check_key(name)), (*self._rooms, name))

    def rooms(self) -> list[str]:
        """Return the names of the rooms that hold any key (this does not bind)."""
        return self._store.rooms()

    def remove_room(self, name: str) -> None:
        """Delete every key of room ``name``; the sessions bound to them rerun."""
        _tag_writer()
        self._store.remove_room(_check_key(name))

    def readonly(self) -> ServerState:
        """Return a view for spectators: reads bind and rerun as usual, writes raise."""
        return ServerState._view(self._store.readonly(), self._rooms)

    @property
    def store(self) -> Store:
        """The ``observable.Store`` (or room, or read-only view) behind this mapping."""
        return self._store


server_state: ServerState = ServerState()
"""The process-wide server state, shared by every session (as in streamlit-server-state)."""
