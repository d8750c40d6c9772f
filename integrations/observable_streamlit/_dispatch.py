"""From store notifications to reruns: bind readers, prune the gone, and ask the scheduler."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from observable import Change, Store

from ._bindings import Bindings, Targets
from ._flags import is_suppressed, writer_included
from ._origin import tag_origin
from ._runtime import (
    RerunScheduler,
    RunPosition,
    active_session_ids,
    current_fragment_id,
    current_run,
    current_session_id,
    runtime_available,
)

__all__ = ["Dispatcher"]

PRUNE_INTERVAL = 0.5
"""Seconds between prunes triggered by changes (a new session and ``prune()`` prune at once)."""


class Dispatcher:
    """Reruns the sessions bound to a key, at any depth of its value, when it changes.

    Keys are the store's root keys (``Store.full_key``), so a room's keys are distinct.
    The writer itself reruns once, after its run, when its script body read the key
    before changing it (what it drew above may be stale); a run started that way never
    reruns its writer again, so no loop can form.
    """

    def __init__(
        self,
        store: Store,
        scheduler: RerunScheduler,
        *,
        on_new_session: Callable[[], None] | None = None,
    ) -> None:
        """Watch ``store`` (and its rooms) and rerun through ``scheduler``.

        ``on_new_session()`` is called (outside the lock) when a session binds first.
        """
        self._store = store
        self._on_new_session = on_new_session
        self._scheduler = scheduler
        self._bindings = Bindings()
        self._lock = threading.RLock()
        self._subscriptions: dict[str, Callable[[], None]] = {}
        self._pruned_at = 0.0
        # Per session: its current run, and the keys its script body read in that run.
        self._reads: dict[str, tuple[object, set[str]]] = {}
        self._writer_reruns_due: set[str] = set()  # sessions rerun for their own change
        self._writer_rerun_runs: dict[str, object] = {}  # ...and the run that rerun started
        self._unwatch = store.journal.subscribe(self._on_journal)

    # -- reads ---------------------------------------------------------------------
    def bind(self, store: Store, key: str, *, drawn: bool = True) -> None:
        """Bind the calling session (and fragment) to ``key`` of ``store`` (a view of ours).

        ``drawn=False`` says the caller does not draw the value it read (synced widgets
        show the writer's own input), so a change of ``key`` later in the run does not
        rerun the writer. A no-op off a script thread.
        """
        position = current_run()
        if position is None:
            return
        session_id = position.session_id
        full_key = store.full_key(key)
        tag_origin(session_id)
        fragment_id = current_fragment_id()
        with self._lock:
            new_session = self._bindings.bind(full_key, session_id, fragment_id)
            if full_key not in self._subscriptions:
                self._subscriptions[full_key] = store.subscribe(key, self._subscriber(full_key))
            self._note_read(position, full_key if drawn else None)
        if new_session:
            self._session_arrived()

    def _note_read(self, position: RunPosition, full_key: str | None) -> None:
        """Track this run; remember that its body drew ``full_key`` (under the lock)."""
        session_id = position.session_id
        seen = self._reads.get(session_id)
        if seen is None or seen[0] is not position.run:
            seen = (position.run, set())
            self._reads[session_id] = seen
            if session_id in self._writer_reruns_due:
                self._writer_reruns_due.discard(session_id)
                self._writer_rerun_runs[session_id] = position.run
        if position.in_body and full_key is not None:
            seen[1].add(full_key)

    def _writer_drew(self, full_key: str) -> bool:
        """Return True when the writing run read ``full_key`` in its body before changing it.

        Then the writer reruns once; the run that rerun starts is never rerun this way.
        """
        position = current_run()
        if position is None:
            return False
        session_id = position.session_id
        with self._lock:
            seen = self._reads.get(session_id)
            if seen is None or seen[0] is not position.run or full_key not in seen[1]:
                return False
            if self._writer_rerun_runs.get(session_id) is position.run:
                return False
            self._writer_reruns_due.add(session_id)
            return True

    def watch(self) -> None:
        """Bind the calling fragment to every change (used by the journal panel)."""
        session_id = current_session_id()
        fragment_id = current_fragment_id()
        if session_id is None or fragment_id is None:
            return
        tag_origin(session_id)
        with self._lock:
            new_session = self._bindings.watch(session_id, fragment_id)
        if new_session:
            self._session_arrived()

    def _session_arrived(self) -> None:
        """A session bound for the first time: prune, and tell ``on_new_session``."""
        self.prune()
        if self._on_new_session is not None:
            self._on_new_session()

    def bound_sessions(self, full_key: str) -> frozenset[str]:
        """Return the ids of the sessions bound to ``full_key``."""
        with self._lock:
            return self._bindings.sessions(full_key)

    # -- pruning -------------------------------------------------------------------
    def prune(self) -> None:
        """Unbind sessions that disconnected; drop subscriptions nobody needs any more."""
        if not runtime_available():
            return
        with self._lock:
            self._pruned_at = time.monotonic()
            known = self._bindings.sessions()
        if not known:
            return
        # Only sessions known before the snapshot of active ones can be pruned: a session
        # that binds meanwhile is connected, though it may be missing from the snapshot.
        gone = known - active_session_ids()
        if not gone:
            return
        with self._lock:
            for session_id in gone:
                self._reads.pop(session_id, None)
                self._writer_rerun_runs.pop(session_id, None)
                self._writer_reruns_due.discard(session_id)
            for full_key in self._bindings.prune(gone):
                unsubscribe = self._subscriptions.pop(full_key, None)
                if unsubscribe is not None:
                    unsubscribe()

    # -- changes -------------------------------------------------------------------
    def _subscriber(self, full_key: str) -> Callable[[str, tuple[Change, ...]], None]:
        """Return the store subscriber of one key (its callback gets the room-relative key)."""

        def changed(_key: str, _changes: tuple[Change, ...]) -> None:
            """Rerun the readers of ``full_key`` (runs in the writer's thread)."""
            self.rerun_readers(full_key)

        return changed

    def rerun_readers(self, full_key: str, *, include_writer: bool | None = None) -> int:
        """Rerun the sessions bound to ``full_key``; return how many were newly scheduled.

        Runs in the writer's thread on every change, so it stays cheap: sessions that
        disconnected are pruned at most every ``PRUNE_INTERVAL`` seconds from here (the
        scheduler skips them meanwhile).
        """
        if is_suppressed():
            return 0
        with self._lock:
            targets = self._bindings.targets(full_key)
            stale = time.monotonic() - self._pruned_at >= PRUNE_INTERVAL
        if not targets:
            return 0
        if stale:
            self.prune()
            with self._lock:
                targets = self._bindings.targets(full_key)
        if include_writer is None:  # a change: decide; a forced rerun says itself
            include_writer = writer_included() or self._writer_drew(full_key)
        return self._request(targets, include_writer=include_writer)

    def _request(self, targets: Targets, *, include_writer: bool) -> int:
        """Hand targets to the scheduler, held until the writer's run is over."""
        scheduled = 0
        if targets.full:
            scheduled += self._scheduler.request(
                targets.full, exclude_current=not include_writer, after_current_run=True
            )
        if targets.fragments:
            scheduled += self._scheduler.request_fragments(
                targets.fragments, exclude_current=not include_writer, after_current_run=True
            )
        return scheduled

    def _on_journal(self, _changes: tuple[Change, ...]) -> None:
        """Journal subscriber: rerun the fragments that show every change (the writer's too)."""
        if is_suppressed():
            return
        with self._lock:
            watchers = self._bindings.watchers()
        if watchers:
            self._scheduler.request_fragments(
                watchers, exclude_current=False, after_current_run=True
            )
