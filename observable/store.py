"""Stores: named observed values with per-key locks, subscriptions, rooms and read-only views."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .backends.base import STORE_URL_VARIABLE, Backend, backend_from_url
from .change import Change
from .engine import KeySubscriber, StoreEngine
from .journal import DEFAULT_RETENTION, Journal
from .readonly import ReadOnlyError, readonly

__all__ = ["ReadOnlyStore", "Store"]

_ROOM_SEPARATOR = "/"
_OWN_ATTRIBUTES = frozenset({"_engine", "_prefix", "_backend"})


def _check_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"store keys must be str, not {type(key).__name__}: {key!r}")
    if _ROOM_SEPARATOR in key:
        raise ValueError(f"store key {key!r} contains {_ROOM_SEPARATOR!r}, which separates rooms")
    return key


class Store:
    """A mapping of string keys to observed values, reached by item or attribute.

    Every change lands in one journal (``store.journal``); its path starts with the key
    it happened under (or, for assigning and deleting keys, its effect names the key).
    The backend comes from ``backend``, a URL, or the ``OBSERVABLE_STORE_URL``
    environment variable (default ``memory://``). Names of the store's own methods
    (``lock``, ``room``…) are reached as keys by item access only.
    """

    __slots__ = ("_backend", "_engine", "_prefix")

    _engine: StoreEngine
    _prefix: str
    _backend: Backend

    def __init__(
        self, backend: Backend | str | None = None, *, retention: int | None = DEFAULT_RETENTION
    ) -> None:
        if backend is None:
            backend = os.environ.get(STORE_URL_VARIABLE) or "memory://"
        if isinstance(backend, str):
            backend = backend_from_url(backend)
        engine = StoreEngine(retention)
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_prefix", "")
        object.__setattr__(self, "_backend", backend)
        backend.attach(engine)

    @classmethod
    def _view(cls, engine: StoreEngine, prefix: str, backend: Backend) -> Any:
        view = object.__new__(cls)
        object.__setattr__(view, "_engine", engine)
        object.__setattr__(view, "_prefix", prefix)
        object.__setattr__(view, "_backend", backend)
        return view

    # -- mapping -------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        try:
            return self._engine.root[self._prefix + _check_key(key)]
        except KeyError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._engine.root[self._prefix + _check_key(key)] = value

    def __delitem__(self, key: str) -> None:
        try:
            del self._engine.root[self._prefix + _check_key(key)]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (self._prefix + key) in self._engine.raw_root

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        name = f" room={self._prefix[:-1]!r}" if self._prefix else ""
        return f"<{type(self).__name__}{name} keys={self.keys()!r}>"

    def keys(self) -> list[str]:
        """Return this store's keys (not those of its rooms)."""
        prefix, size = self._prefix, len(self._prefix)
        return [
            key[size:]
            for key in list(self._engine.raw_root)
            if key.startswith(prefix) and _ROOM_SEPARATOR not in key[size:]
        ]

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, or ``default`` when it is absent."""
        return self[key] if key in self else default  # noqa: SIM401 (this is get itself)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, first setting it to ``default`` when absent."""
        full = self._prefix + _check_key(key)
        return self._engine.root.setdefault(full, default)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"store has no key or attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN_ATTRIBUTES:
            raise AttributeError(f"{name} is the store's own attribute")
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    # -- journal, locks and notifications --------------------------------------------
    @property
    def journal(self) -> Journal:
        """The journal of every change in this store, its rooms included."""
        return self._engine.journal

    @property
    def backend(self) -> Backend:
        """The backend that keeps this store's state."""
        return self._backend

    def lock(self, key: str) -> AbstractContextManager[Any]:
        """Return the re-entrant lock of ``key`` (shared by every process on a shared backend)."""
        full = self._prefix + _check_key(key)
        shared = self._backend.lock(full)
        return shared if shared is not None else self._engine.lock(full)

    def subscribe(self, key: str, callback: KeySubscriber) -> Callable[[], None]:
        """Call ``callback(key, changes)`` after every change under ``key``; return an unsubscribe.

        ``changes`` is empty when the key was :meth:`touch`-ed.
        """
        full = self._prefix + _check_key(key)
        size = len(self._prefix)

        def forward(full_key: str, changes: tuple[Change, ...]) -> None:
            callback(full_key[size:], changes)

        return self._engine.subscribe(full, forward)

    def subscribe_all(
        self, callback: Callable[[frozenset[str], tuple[Change, ...]], object]
    ) -> Callable[[], None]:
        """Call ``callback(keys, changes)`` after every notification touching this store's keys."""
        prefix, size = self._prefix, len(self._prefix)

        def forward(full_keys: frozenset[str], changes: tuple[Change, ...]) -> None:
            keys = frozenset(
                key[size:]
                for key in full_keys
                if key.startswith(prefix) and _ROOM_SEPARATOR not in key[size:]
            )
            if keys:
                callback(keys, changes)

        return self._engine.watch(forward)

    def silent(self) -> AbstractContextManager[None]:
        """Make changes inside the block notify no subscriber (they are still journaled)."""
        return self._engine.silent()

    def batch(self) -> AbstractContextManager[None]:
        """Group the changes made in the block: one notification, and one backend commit.

        A shared or durable backend commits them together when the block ends (see
        ``docs/backends.md``); the in-memory store only groups notifications.
        """
        grouped = self._backend.batch()
        return grouped if grouped is not None else self._engine.journal.batch()

    def touch(self, key: str) -> None:
        """Notify the subscribers of ``key`` without changing it (after a raw, untracked edit)."""
        self._engine.touch([self._prefix + _check_key(key)])

    # -- rooms and views -----------------------------------------------------------
    def room(self, name: str) -> Store:
        """Return the store namespaced under ``name``; its keys are ``name/key`` in this one."""
        return type(self)._view(self._engine, self._prefix + _check_key(name) + "/", self._backend)  # type: ignore[no-any-return]

    def rooms(self) -> list[str]:
        """Return the names of the rooms directly inside this store that hold any key."""
        prefix, size = self._prefix, len(self._prefix)
        names = dict.fromkeys(
            key[size:].split(_ROOM_SEPARATOR, 1)[0]
            for key in list(self._engine.raw_root)
            if key.startswith(prefix) and _ROOM_SEPARATOR in key[size:]
        )
        return list(names)

    def remove_room(self, name: str) -> None:
        """Delete every key of room ``name`` (and of rooms inside it)."""
        prefix = self._prefix + _check_key(name) + "/"
        with self.journal.batch():
            for key in [k for k in list(self._engine.raw_root) if k.startswith(prefix)]:
                del self._engine.root[key]

    def readonly(self) -> ReadOnlyStore:
        """Return a read-only view of this store: reading works, every mutation raises."""
        return ReadOnlyStore._view(self._engine, self._prefix, self._backend)  # type: ignore[no-any-return]


class ReadOnlyStore(Store):
    """A store view for spectators: values read as read-only views; writes raise ReadOnlyError."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        return readonly(super().__getitem__(key))

    def __setitem__(self, key: str, value: Any) -> None:
        raise ReadOnlyError(f"read-only store: cannot set {key!r}")

    def __delitem__(self, key: str) -> None:
        raise ReadOnlyError(f"read-only store: cannot delete {key!r}")

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key`` read-only; setting a default is refused."""
        if key in self:
            return self[key]
        raise ReadOnlyError(f"read-only store: cannot set {key!r}")

    def remove_room(self, name: str) -> None:
        """Refused: a read-only store cannot remove rooms."""
        raise ReadOnlyError("read-only store: cannot remove rooms")

    def room(self, name: str) -> ReadOnlyStore:
        """Return the read-only view of room ``name``."""
        return super().room(name).readonly()
