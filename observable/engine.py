"""The state behind a store and its rooms: one observed root, journal, locks and subscribers."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .backends.errors import CodecError
from .backends.quarantine import NOTHING
from .backends.safety import apply_change
from .change import Change
from .journal import DEFAULT_RETENTION, Entry, Journal, built, logger
from .observe import observe
from .proxies.base import node_of
from .store_keys import keys_of

__all__ = ["KeySubscriber", "StoreEngine"]

KeySubscriber = Callable[[str, tuple[Change, ...]], object]
"""Called with a key and the changes made under it (empty for :meth:`StoreEngine.touch`)."""

_silenced: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "observable_silenced", default=False
)


class StoreEngine:
    """Holds the observed root mapping of full keys to values, shared by a store's views."""

    def __init__(self, retention: int | None = DEFAULT_RETENTION) -> None:
        self.journal = Journal(maxlen=retention)
        self.root: Any = observe({}, self.journal)
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._subscribers: dict[str, tuple[KeySubscriber, ...]] = {}
        self._watchers: tuple[Callable[[frozenset[str], tuple[Change, ...]], object], ...] = ()
        self.journal.subscribe_routed(self._dispatch, self._route)

    @property
    def raw_root(self) -> dict[str, Any]:
        """The plain dict behind the root proxy; changes to it are not journaled."""
        return node_of(self.root).target  # type: ignore[no-any-return]

    def lock(self, key: str) -> threading.RLock:
        """Return the re-entrant lock of ``key``."""
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.RLock()
            return lock

    def subscribe(self, key: str, callback: KeySubscriber) -> Callable[[], None]:
        """Call ``callback(key, changes)`` after changes under ``key``; return an unsubscribe."""
        with self._guard:
            self._subscribers[key] = (*self._subscribers.get(key, ()), callback)

        active = [True]  # a second call must not remove a twin subscription

        def unsubscribe() -> None:
            with self._guard:
                if not active:
                    return
                active.clear()
                callbacks = list(self._subscribers.get(key, ()))
                for index, subscribed in enumerate(callbacks):
                    if subscribed is callback:  # this subscription only, not its twins
                        del callbacks[index]
                        break
                if callbacks:
                    self._subscribers[key] = tuple(callbacks)
                else:
                    self._subscribers.pop(key, None)

        return unsubscribe

    def watch(
        self, callback: Callable[[frozenset[str], tuple[Change, ...]], object]
    ) -> Callable[[], None]:
        """Call ``callback(keys, changes)`` after every notification; return an unsubscribe."""
        with self._guard:
            self._watchers = (*self._watchers, callback)

        def unwatch() -> None:
            with self._guard:
                self._watchers = tuple(cb for cb in self._watchers if cb is not callback)

        return unwatch

    @contextlib.contextmanager
    def silent(self) -> Iterator[None]:
        """Make changes inside the block (in this thread or task) notify nobody."""
        token = _silenced.set(True)
        try:
            yield
        finally:
            _silenced.reset(token)

    def touch(self, keys: Iterable[str]) -> None:
        """Notify the subscribers of ``keys`` as if they had changed."""
        self._notify({key: [] for key in keys})

    def apply_remote(
        self,
        changes: Iterable[Change],
        *,
        silent: bool = False,
        refused: Callable[[Change, CodecError], Change] | None = None,
    ) -> list[Change]:
        """Apply changes read from a backend: to the raw value, into the journal, then notify.

        Each change is checked against the value first (``observable.backends.safety``):
        stored data never reaches anything but the value's own data. A change that does
        not fit raises :class:`~observable.backends.CodecError`, or, with ``refused``,
        is replaced in the journal by what ``refused(change, error)`` returns. A change
        whose effect is the empty ``("sequence", ())`` is journaled without applying.
        ``silent`` changes notify nobody. Return the journaled changes.
        """
        applied = []
        with self.journal.lock:
            raw = self.raw_root
            for change in changes:
                if change.effect != NOTHING:
                    try:
                        apply_change(raw, change)
                    except CodecError as error:
                        if refused is None:
                            raise
                        change = refused(change, error)
                self.journal.append_existing(change)
                applied.append(change)
        if not silent:
            with self.journal.batch():
                for change in applied:
                    self.journal.deliver(change)
        return applied

    def load(self, values: dict[str, Any], version: int) -> None:
        """Replace the whole state with ``values`` at journal ``version``; notify every key."""
        with self.journal.lock:
            raw = self.raw_root
            touched = set(raw) | set(values)
            raw.clear()
            raw.update(values)
            self.journal.restart_at(version)
        self.touch(touched)

    def _route(self, entry: Change | Entry) -> Change | Entry:
        """Notify the subscribers of one change delivered on its own; return it built if it was.

        A change inside a key nobody subscribes to (nor watches) is never built.
        """
        if _silenced.get():
            return entry
        path = entry[1]
        if not path:  # a root key set or deleted: its effect names the key
            record = built(entry)
            self._dispatch((record,))
            return record
        key = path[0]
        callbacks = self._subscribers.get(key)
        if callbacks is None:
            if not self._watchers:
                return entry
            callbacks = ()
        record = built(entry)
        changes = (record,)
        for callback in callbacks:
            try:
                callback(key, changes)
            except Exception:
                logger.exception("observable: store subscriber %r raised", callback)
        watchers = self._watchers
        if watchers:
            keys = frozenset((key,))
            for watcher in watchers:
                _call_safely(watcher, keys, changes)
        return record

    def _dispatch(self, changes: tuple[Change, ...]) -> None:
        if len(changes) == 1 and changes[0].path:
            self._route(changes[0])  # one change inside one key: no grouping needed
            return
        if _silenced.get():
            return
        by_key: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            for key in keys_of(change):
                by_key[key].append(change)
        self._notify(by_key)

    def _notify(self, by_key: dict[str, list[Change]]) -> None:
        for key, changes in by_key.items():
            for callback in self._subscribers.get(key, ()):
                _call_safely(callback, key, tuple(changes))
        if self._watchers:
            # By identity: a change's args may hold dicts, which cannot be hashed.
            unique = {id(c): c for group in by_key.values() for c in group}
            everything = tuple(unique.values())
            for watcher in self._watchers:
                _call_safely(watcher, frozenset(by_key), everything)


def _call_safely(callback: Callable[..., object], *args: Any) -> None:
    try:
        callback(*args)
    except Exception:
        logger.exception("observable: store subscriber %r raised", callback)
