"""SharedState: one observed value for the whole app, with a revision that moves on each change."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Literal

from observable import Change, Journal, Store, is_observed, journal_of, observe, unwrap
from observable.backends.base import STORE_URL_VARIABLE

from .wakeup import Wakeup

if TYPE_CHECKING:
    from ._gradio import gr
    from .components import SharedView

__all__ = ["SharedState", "shared_store"]

_automatic_keys = itertools.count(1)
_store_guard = threading.Lock()
_store: list[Store] = []


def shared_store() -> Store:
    """Return the process-wide store of store-backed shared values (``OBSERVABLE_STORE_URL``)."""
    with _store_guard:
        if not _store:
            _store.append(Store())
        return _store[0]


class SharedState:
    """One observed value shared by every session (and any thread) of an app.

    Mutate :attr:`value` in place from an event handler or a background thread. Each
    notification of its journal moves :attr:`revision`; :meth:`attach` turns that into a
    ``.change`` event in every open tab. The value never goes into Gradio's session state,
    so Gradio never copies, hashes or walks it.
    """

    def __init__(
        self, value: Any = None, *, key: str | None = None, journal: Journal | None = None
    ) -> None:
        """Observe ``value`` (with ``journal``, a new one, or the one it is observed with).

        With ``key``, or whenever ``OBSERVABLE_STORE_URL`` names a backend, the value lives
        in the process-wide store under ``key`` instead (default ``gradio-shared-<n>``, by
        creation order), so every server of the app shares it; a value already stored
        there wins over ``value``.
        """
        if key is None and journal is None and os.environ.get(STORE_URL_VARIABLE):
            key = f"gradio-shared-{next(_automatic_keys)}"
        if key is not None:
            if journal is not None:
                raise ValueError("give SharedState a key (store-backed) or a journal, not both")
            store = shared_store()
            store.setdefault(key, value)
            self._adopt(store, key)
            return
        if journal is None:
            journal = journal_of(value) if is_observed(value) else Journal()
        self._journal = journal
        observed = observe(value, journal, warn=False)
        self._read: Callable[[], Any] = lambda: observed
        self._touch: Callable[[], None] = self._changed
        self._lock_of: Callable[[], AbstractContextManager[Any]] = lambda: journal.lock
        self._setup()
        self._unsubscribe = journal.subscribe(self._on_changes)

    @classmethod
    def from_store(cls, store: Store, key: str) -> SharedState:
        """Share ``store[key]``: changes under that key (and ``store.touch(key)``) are pushed."""
        if key not in store:
            raise KeyError(f"the store has no key {key!r}; set it before sharing it")
        shared = cls.__new__(cls)
        shared._adopt(store, key)
        return shared

    def _adopt(self, store: Store, key: str) -> None:
        """Follow ``store[key]`` instead of a value of its own."""
        self._journal = store.journal
        self._read = lambda: store[key]
        self._touch = lambda: store.touch(key)
        self._lock_of = lambda: store.lock(key)
        self._setup()
        self._unsubscribe = store.subscribe(key, lambda _key, _changes: self._changed())

    def _setup(self) -> None:
        """Initialise the revision counter and the set of waiting sessions."""
        self._counter = itertools.count(1)
        self._revision = 0
        self._waiters_lock = threading.Lock()
        self._waiters: tuple[Wakeup, ...] = ()

    # -- the value ---------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """The observed shared value; mutate it in place."""
        return self._read()

    @property
    def journal(self) -> Journal:
        """The journal that records the shared value's changes."""
        return self._journal

    @property
    def revision(self) -> int:
        """A number that moves on every notification of a change (0 before the first)."""
        return self._revision

    def lock(self) -> AbstractContextManager[Any]:
        """Return the re-entrant lock to hold around a read-modify-write of several steps."""
        return self._lock_of()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the changes made inside the block into one notification, so one push."""
        with self._journal.batch():
            yield

    def touch(self) -> None:
        """Push to every tab without a change (after a raw edit behind the proxy's back)."""
        self._touch()

    # -- sessions waiting for a change ---------------------------------------------------
    @property
    def watchers(self) -> int:
        """How many sessions are waiting for changes right now (one per open tab in push mode)."""
        return len(self._waiters)

    def register(self, waiter: Wakeup) -> None:
        """Wake ``waiter`` on every change until :meth:`unregister` is called."""
        with self._waiters_lock:
            self._waiters = (*self._waiters, waiter)

    def unregister(self, waiter: Wakeup) -> None:
        """Stop waking ``waiter`` (a no-op if it is not registered)."""
        with self._waiters_lock:
            self._waiters = tuple(w for w in self._waiters if w is not waiter)

    def _on_changes(self, changes: tuple[Change, ...]) -> None:
        """The journal subscriber: one call per change or per batch."""
        self._changed()

    def _changed(self) -> None:
        """Move the revision, then wake every waiting session."""
        self._revision = next(self._counter)
        for waiter in self._waiters:
            waiter.notify()

    def close(self) -> None:
        """Stop following the journal (pushes stop; the value stays usable)."""
        self._unsubscribe()

    # -- Gradio ------------------------------------------------------------------------
    def attach(
        self,
        demo: gr.Blocks | None = None,
        *,
        mode: Literal["push", "poll"] = "push",
        interval: float = 1.0,
        keepalive: float = 1.0,
        coalesce: float = 0.01,
        push_slots: int | None = None,
    ) -> SharedView:
        """Add this value to a ``gr.Blocks`` and return the component whose ``.change`` fires.

        See :func:`observable_gradio.attach.attach` for the two modes, their costs, and how
        push mode falls back to polling for the tabs beyond ``push_slots``.
        """
        from .attach import attach

        return attach(
            self,
            demo,
            mode=mode,
            interval=interval,
            keepalive=keepalive,
            coalesce=coalesce,
            push_slots=push_slots,
        )

    def __repr__(self) -> str:
        return (
            f"<SharedState {type(unwrap(self.value)).__name__} revision={self._revision} "
            f"watchers={len(self._waiters)}>"
        )
