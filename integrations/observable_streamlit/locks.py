"""``server_state_lock``: one re-entrant lock per key, by item or attribute."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from .state import ServerState, server_state, store_of

__all__ = ["ServerStateLock", "locks_of", "server_state_lock"]


class ServerStateLock(Mapping[Hashable, AbstractContextManager[Any]]):
    """A drop-in for streamlit-server-state's ``server_state_lock``.

    ``server_state_lock["count"]`` (or ``.count``) is the key's re-entrant lock. While a
    thread holds it, other threads' reads and assignments of ``server_state["count"]``
    wait, as upstream. Locking never binds a session. As upstream, any hashable works as
    a lock key, and ``k in server_state_lock`` tells whether ``k`` was ever set, read or
    locked.
    """

    __slots__ = ("_others", "_seen", "_state")

    _others: dict[Hashable, threading.RLock]
    _seen: dict[str, None]
    _state: ServerState

    def __init__(self, state: ServerState = server_state) -> None:
        """Give the locks of ``state`` (the process-wide server state by default)."""
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_seen", {})  # str keys whose lock was handed out
        object.__setattr__(self, "_others", {})  # non-str keys: process-local locks

    def __getitem__(self, key: Hashable) -> AbstractContextManager[Any]:
        """Return the lock of ``key`` (it need not be set yet)."""
        if isinstance(key, str):
            self._seen[key] = None
            return store_of(self._state).lock(key)
        return self._others.get(key) or self._others.setdefault(key, threading.RLock())

    def __getattr__(self, name: str) -> AbstractContextManager[Any]:
        """Return ``self[name]`` (dunder names are never keys)."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is set, or its lock was ever handed out."""
        if isinstance(key, str):
            return key in self._seen or key in store_of(self._state)
        try:
            return key in self._others
        except TypeError:  # unhashable
            return False

    def _keys(self) -> list[Hashable]:
        """Return every key that is set or was locked, set keys first."""
        keys: dict[Hashable, None] = dict.fromkeys(store_of(self._state).keys())
        keys.update(dict.fromkeys(list(self._seen)))
        keys.update(dict.fromkeys(list(self._others)))
        return list(keys)

    def __iter__(self) -> Iterator[Hashable]:
        """Iterate over the keys that are set or were locked."""
        return iter(self._keys())

    def __len__(self) -> int:
        """Return how many keys are set or were locked."""
        return len(self._keys())


def locks_of(state: ServerState) -> ServerStateLock:
    """Return the locks of ``state``: a room's keys (``locks_of(room("team"))["log"]``)."""
    return ServerStateLock(state)


server_state_lock: ServerStateLock = ServerStateLock()
"""The locks of the process-wide server state."""
