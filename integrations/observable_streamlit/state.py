"""``server_state``: the shared mapping; reading a key binds the session to it."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from observable import Store

from ._origin import tag_origin
from ._runtime import current_session_id
from ._same import edits_are_unseen, indistinguishable
from ._shared import plain_value, shared, shared_store

__all__ = ["MissingKeyError", "ServerState", "server_state", "store_of"]

# The mapping methods users call on server_state (as on streamlit-server-state's, a
# MutableMapping): an attribute read of one of these names gives the method, as upstream.
# Every other attribute name is a key; store such a name and read it back by attribute.
_METHODS = frozenset(
    {"get", "setdefault", "keys", "items", "values", "pop", "popitem", "update", "clear"}
)
_SLOT = "_ServerState__store"


class MissingKeyError(KeyError, AttributeError):
    """A key that is not in the server state (a ``KeyError`` and an ``AttributeError``)."""


def _check_key(key: object) -> str:
    """Return ``key`` if it can name a value; raise like ``observable.Store`` otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"server_state keys must be str, not {type(key).__name__}: {key!r}")
    return key


def _tag_writer() -> None:
    """Tag changes made from this script thread with its session id."""
    session_id = current_session_id()
    if session_id is not None:
        tag_origin(session_id)


def store_of(state: ServerState) -> Store:
    """Return the ``observable.Store`` (or room, or read-only view) behind a server state."""
    store: Store = object.__getattribute__(state, _SLOT)
    return store


class ServerState(MutableMapping[str, Any]):
    """A drop-in for streamlit-server-state's ``server_state`` over an ``observable.Store``.

    Keys are reached by item or attribute; every string is a key (``/`` included) and
    every attribute name but the mapping methods (``get``, ``keys``…) reads back what was
    stored. Reading a key (item, attribute, ``in``, ``get``) binds the calling session
    to it; any change under the key, at any depth and in place, reruns the other bound
    sessions. Assigning a value indistinguishable from the current one changes nothing.
    Reads and assignments of a key wait while another thread holds its lock.
    Rooms, read-only views and the store are reached by module functions
    (``room``, ``rooms``, ``remove_room``, ``readonly``, ``store_of``).
    """

    __slots__ = ("__store",)

    def __init__(self) -> None:
        """Give the process-wide server state (every instance shares the same values)."""
        object.__setattr__(self, _SLOT, shared_store())

    @classmethod
    def _view(cls, store: Store) -> ServerState:
        """Return a server state over ``store``: a room or read-only view of the shared one."""
        view = cls.__new__(cls)
        object.__setattr__(view, _SLOT, store)
        return view

    def __getattribute__(self, name: str) -> Any:
        """Return a key's value; dunders and the mapping methods are the object's own."""
        if (name.startswith("__") and name.endswith("__")) or name in _METHODS:
            return object.__getattribute__(self, name)
        if name.startswith("_") and name not in store_of(self):
            raise MissingKeyError(name)  # a library's probe (``_repr_html_``): bind nothing
        return self[name]

    # -- mapping -----------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        """Return the observed value of ``key`` and bind the session to it (even if missing)."""
        store = store_of(self)
        shared().dispatcher.bind(store, _check_key(key))
        with store.lock(key):
            try:
                return store[key]
            except KeyError:
                raise MissingKeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        """Set ``key``; the sessions bound to it rerun unless the value is indistinguishable.

        Assigning the very object already stored (a pandas DataFrame edited in place, say)
        reruns them too, as streamlit-server-state does when its ``repr`` changed.
        """
        store = store_of(self)
        _check_key(key)
        _tag_writer()
        with store.lock(key):
            if key in store:
                old = plain_value(store[key])
                new = plain_value(value)
                if old is new and edits_are_unseen(old):
                    store.touch(key)  # edited behind the proxy's back, then re-assigned
                    return
                if indistinguishable(old, new):
                    return
            store[key] = value

    def __delitem__(self, key: str) -> None:
        """Delete ``key``; the sessions bound to it rerun."""
        store = store_of(self)
        _check_key(key)
        _tag_writer()
        with store.lock(key):
            try:
                del store[key]
            except KeyError:
                raise MissingKeyError(key) from None

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is set, and bind the session to it."""
        if not isinstance(key, str):
            return False
        store = store_of(self)
        shared().dispatcher.bind(store, key)
        with store.lock(key):
            return key in store

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys (this does not bind)."""
        return iter(store_of(self).keys())

    def __len__(self) -> int:
        """Return the number of keys (this does not bind)."""
        return len(store_of(self).keys())

    def __repr__(self) -> str:
        """Show the room and the keys."""
        store = store_of(self)
        path = store.room_path
        room = f" room={'/'.join(path)!r}" if path else ""
        return f"<ServerState{room} keys={store.keys()!r}>"

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key`` or ``default``; binds the session to ``key``."""
        if not isinstance(key, str):
            return default
        try:
            return self[key]
        except KeyError:
            return default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, first setting it to ``default``; binds the session."""
        store = store_of(self)
        shared().dispatcher.bind(store, _check_key(key))
        _tag_writer()
        with store.lock(key):
            return store.setdefault(key, default)

    # -- attributes --------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        """Set ``self[name]``."""
        self[name] = value

    def __delattr__(self, name: str) -> None:
        """Delete ``self[name]``."""
        del self[name]


server_state: ServerState = ServerState()
"""The process-wide server state, shared by every session (as in streamlit-server-state)."""
