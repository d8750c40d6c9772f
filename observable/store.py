"""Stores: named observed values with per-key locks, subscriptions, rooms and read-only views."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .backends.base import STORE_URL_VARIABLE, Backend, backend_from_url
from .backends.codec import Codec
from .change import Change
from .engine import KeySubscriber, StoreEngine
from .journal import DEFAULT_RETENTION, Journal
from .readonly import ReadOnlyError, readonly
from .store_keys import MARK, join_key, room_prefix, split_key

__all__ = ["ReadOnlyStore", "Store"]

_OWN_ATTRIBUTES = frozenset({"_engine", "_rooms", "_backend"})


def _check_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"store keys must be str, not {type(key).__name__}: {key!r}")
    return key


class Store:
    """A mapping of string keys to observed values, reached by item or attribute.

    Every change lands in one journal (``store.journal``); its path starts with the key
    it happened under (or, for assigning and deleting keys, its effect names the key).
    The backend comes from ``backend``, a URL, or the ``OBSERVABLE_STORE_URL``
    environment variable (default ``memory://``). Every string is a key, ``/`` included;
    rooms live in a namespace no key can spell (see ``observable.store_keys``). Names of
    the store's own methods (``lock``, ``room``…) are reached as keys by item access only.
        A ``codec`` (for example ``Codec(allow_pickle=True)``, a choice made in code, never by
    a URL) goes to the backend a URL names.
    """

    __slots__ = ("_backend", "_engine", "_rooms")

    _engine: StoreEngine
    _rooms: tuple[str, ...]
    _backend: Backend

    def __init__(
        self,
        backend: Backend | str | None = None,
        *,
        retention: int | None = DEFAULT_RETENTION,
        codec: Codec | None = None,
    ) -> None:
        if backend is None:
            backend = os.environ.get(STORE_URL_VARIABLE) or "memory://"
        if isinstance(backend, str):
            backend = backend_from_url(backend, **({} if codec is None else {"codec": codec}))
        elif codec is not None:
            raise ValueError("give the codec to the backend you built: Backend(..., codec=codec)")
        engine = StoreEngine(retention)
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_rooms", ())
        object.__setattr__(self, "_backend", backend)
        backend.attach(engine)

    @classmethod
    def _view(cls, engine: StoreEngine, rooms: tuple[str, ...], backend: Backend) -> Any:
        view = object.__new__(cls)
        object.__setattr__(view, "_engine", engine)
        object.__setattr__(view, "_rooms", rooms)
        object.__setattr__(view, "_backend", backend)
        return view

    def full_key(self, key: str) -> str:
        """Return the key of ``key`` in the root of the store (as journal paths name it)."""
        return join_key(self._rooms, _check_key(key))

    @property
    def room_path(self) -> tuple[str, ...]:
        """The names of the rooms this view is inside, outermost first (``()`` at the top)."""
        return self._rooms

    # -- mapping -------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if type(key) is str and MARK not in key and not self._rooms:
            full = key  # a top-level key is its own root key (``in`` is cheaper than startswith)
        else:
            full = self.full_key(key)
        try:
            return self._engine.root[full]
        except KeyError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._engine.root[self.full_key(key)] = value

    def __delitem__(self, key: str) -> None:
        try:
            del self._engine.root[self.full_key(key)]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and join_key(self._rooms, key) in self._engine.raw_root

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        name = f" room={'/'.join(self._rooms)!r}" if self._rooms else ""
        return f"<{type(self).__name__}{name} keys={self.keys()!r}>"

    def _parsed(self) -> list[tuple[tuple[str, ...], str]]:
        """Return the (room path, key) of every root key inside this view's room path."""
        rooms, depth = self._rooms, len(self._rooms)
        prefix = room_prefix(rooms)[:-1] if rooms else ""
        parsed = []
        for raw in list(self._engine.raw_root):
            if not raw.startswith(prefix):
                continue
            parts = split_key(raw)
            if parts is not None and parts[0][:depth] == rooms:
                parsed.append(parts)
        return parsed

    def keys(self) -> list[str]:
        """Return this store's keys (not those of its rooms)."""
        depth = len(self._rooms)
        return [key for rooms, key in self._parsed() if len(rooms) == depth]

    def values(self) -> list[Any]:
        """Return the observed values of this store's keys."""
        return [value for _, value in self.items()]

    def items(self) -> list[tuple[str, Any]]:
        """Return ``(key, observed value)`` pairs of this store's keys."""
        pairs = []
        for key in self.keys():
            try:
                pairs.append((key, self[key]))
            except KeyError:  # deleted by another thread meanwhile
                continue
        return pairs

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, or ``default`` when it is absent."""
        return self[key] if key in self else default  # noqa: SIM401 (this is get itself)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value of ``key``, first setting it to ``default`` when absent."""
        return self._engine.root.setdefault(self.full_key(key), default)

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
        full = self.full_key(key)
        shared = self._backend.lock(full)
        return shared if shared is not None else self._engine.lock(full)

    def subscribe(self, key: str, callback: KeySubscriber) -> Callable[[], None]:
        """Call ``callback(key, changes)`` after every change under ``key``; return an unsubscribe.

        ``changes`` is empty when the key was :meth:`touch`-ed.
        """
        full = self.full_key(key)
        if full == key:
            return self._engine.subscribe(full, callback)  # the engine names it as we do

        def forward(_full_key: str, changes: tuple[Change, ...]) -> None:
            callback(key, changes)

        return self._engine.subscribe(full, forward)

    def subscribe_all(
        self, callback: Callable[[frozenset[str], tuple[Change, ...]], object]
    ) -> Callable[[], None]:
        """Call ``callback(keys, changes)`` after every notification touching this store's keys."""
        rooms = self._rooms

        def forward(full_keys: frozenset[str], changes: tuple[Change, ...]) -> None:
            parsed = [split_key(full) for full in full_keys]
            keys = frozenset(p[1] for p in parsed if p is not None and p[0] == rooms)
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
        self._engine.touch([self.full_key(key)])

    # -- rooms and views -----------------------------------------------------------
    def room(self, name: str) -> Store:
        """Return the store namespaced under ``name``; its keys never collide with this one's."""
        rooms = (*self._rooms, _check_key(name))
        return type(self)._view(self._engine, rooms, self._backend)  # type: ignore[no-any-return]

    def rooms(self) -> list[str]:
        """Return the names of the rooms directly inside this store that hold any key."""
        depth = len(self._rooms)
        names = dict.fromkeys(rooms[depth] for rooms, _ in self._parsed() if len(rooms) > depth)
        return list(names)

    def remove_room(self, name: str) -> None:
        """Delete every key of room ``name`` (and of rooms inside it)."""
        inside = (*self._rooms, _check_key(name))
        depth = len(inside)
        doomed = [join_key(rooms, key) for rooms, key in self._parsed() if rooms[:depth] == inside]
        with self.journal.batch():
            for full in doomed:
                if full in self._engine.raw_root:
                    del self._engine.root[full]

    def readonly(self) -> ReadOnlyStore:
        """Return a read-only view of this store: reading works, every mutation raises."""
        return ReadOnlyStore._view(self._engine, self._rooms, self._backend)  # type: ignore[no-any-return]


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
