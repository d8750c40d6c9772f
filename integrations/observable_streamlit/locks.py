"""``server_state_lock``: one re-entrant lock per key, by item or attribute."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from observable import Store

from ._dispatch import resolve
from ._shared import shared_store

__all__ = ["ServerStateLock", "server_state_lock"]


class ServerStateLock(Mapping[str, AbstractContextManager[Any]]):
    """A drop-in for streamlit-server-state's ``server_state_lock``.

    ``server_state_lock["count"]`` (or ``.count``) is the key's re-entrant lock; use
    ``"room/key"`` for a key inside a room. Locking never binds a session.
    """

    __slots__ = ("_store",)

    def __init__(self) -> None:
        """Give the locks of the process-wide server state."""
        self._store: Store = shared_store()

    def __getitem__(self, key: str) -> AbstractContextManager[Any]:
        """Return the lock of ``key`` (it need not be set yet)."""
        store, name = resolve(self._store, key)
        return store.lock(name)

    def __getattr__(self, name: str) -> AbstractContextManager[Any]:
        """Return ``self[name]`` (dunder names are never keys)."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is set in the store."""
        return key in self._store

    def __iter__(self) -> Iterator[str]:
        """Iterate over the store's keys."""
        return iter(self._store.keys())

    def __len__(self) -> int:
        """Return the number of keys."""
        return len(self._store.keys())


server_state_lock: ServerStateLock = ServerStateLock()
"""The locks of the process-wide server state."""
