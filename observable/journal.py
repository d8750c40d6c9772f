"""The change journal: an ordered, bounded, thread-safe log of changes with subscribers."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from .change import Change, Effect, Path
from .errors import Conflict, JournalTruncated
from .origin import get_origin

__all__ = [
    "DEFAULT_RETENTION",
    "CommitHook",
    "Conflict",
    "Journal",
    "JournalTruncated",
    "Subscriber",
]

logger = logging.getLogger("observable")

DEFAULT_RETENTION = 10_000
"""How many changes a journal keeps unless told otherwise."""

Subscriber = Callable[[tuple[Change, ...]], object]
"""A callback that receives the changes of one notification, oldest first."""

_new_change = tuple.__new__


CommitHook = Callable[[Change], object]
"""Called with each local change before it is appended; raising refuses the change."""


class _BatchState(threading.local):
    depth = 0
    pending: list[Change] | None = None


class Journal:
    """An append-only log of :class:`Change` records that notifies its subscribers.

    Appends are thread-safe and numbered 1, 2, 3, … with no gaps. At most ``maxlen``
    changes are retained (``None`` keeps all); asking for older ones raises
    :class:`JournalTruncated` instead of returning a silent gap.
    """

    __slots__ = (
        "__weakref__",
        "_batch",
        "_entries",
        "_subscribers",
        "_version",
        "catch_up_hook",
        "commit_hook",
        "lock",
        "nodes",
        "subscribed",
    )

    def __init__(self, maxlen: int | None = DEFAULT_RETENTION) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be a positive integer or None, not {maxlen!r}")
        self.lock = threading.RLock()
        """Held while a change is made and recorded; hold it to read a consistent state."""
        self._entries: deque[Change] = deque(maxlen=maxlen)
        self._version = 0
        self._subscribers: tuple[Subscriber, ...] = ()
        self.subscribed = False
        """Whether anyone subscribes: writers skip :meth:`deliver` when nobody does."""
        self._batch = _BatchState()
        self.nodes: dict[int, Any] = {}
        """Internal: the live proxy nodes of this journal's values, by object identity."""
        self.commit_hook: CommitHook | None = None
        """Set by a backend: sees (and may refuse) every local change before it is appended."""
        self.catch_up_hook: Callable[[], object] | None = None
        """Set by a backend: brings the value up to date after a :class:`Conflict`."""

    @property
    def maxlen(self) -> int | None:
        """How many changes are retained (``None``: all of them)."""
        return self._entries.maxlen

    @property
    def version(self) -> int:
        """The ``seq`` of the newest change, or 0 when nothing was recorded yet."""
        return self._version

    @property
    def oldest_retained(self) -> int:
        """The ``seq`` of the oldest change still retained (``version + 1`` when none are)."""
        return self._version - len(self._entries) + 1

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Change]:
        with self.lock:
            return iter(tuple(self._entries))

    def __repr__(self) -> str:
        return f"<Journal version={self._version} retained={len(self._entries)}>"

    def since(self, version: int) -> tuple[Change, ...]:
        """Return the changes recorded after ``version``, oldest first.

        Raises :class:`JournalTruncated` when some of them were already dropped.
        """
        if type(version) is not int:
            raise TypeError(f"since() takes an int version, not {type(version).__name__}")
        with self.lock:
            if version > self._version or version < 0:
                raise ValueError(f"version {version} is outside 0..{self._version}")
            oldest = self.oldest_retained
            if version + 1 < oldest:
                raise JournalTruncated(
                    f"changes {version + 1}..{oldest - 1} were dropped "
                    f"(retention is {self.maxlen}); reload the value instead of replaying"
                )
            return tuple(itertools.islice(self._entries, version + 1 - oldest, None))

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(changes)`` after each change or batch; return an unsubscribe function.

        Callbacks run in the thread that made the change, after the journal lock is
        released. An exception in a callback is logged and does not reach the writer,
        whose change has already happened.
        """
        if not callable(callback):
            raise TypeError(f"subscriber must be callable, not {type(callback).__name__}")
        with self.lock:
            self._subscribers = (*self._subscribers, callback)
            self.subscribed = True

        def unsubscribe() -> None:
            with self.lock:
                subscribers = list(self._subscribers)
                if callback in subscribers:
                    subscribers.remove(callback)
                    self._subscribers = tuple(subscribers)
                    self.subscribed = bool(subscribers)

        return unsubscribe

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Deliver the changes this thread makes inside the block as one notification.

        Batches nest; only the outermost exit notifies. Changes are recorded (and
        visible through :meth:`since`) immediately.
        """
        state = self._batch
        if state.depth == 0:
            state.pending = []
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
            if state.depth == 0:
                pending, state.pending = state.pending, None
                if pending:
                    self._notify(tuple(pending))

    def record(self, path: Path, op: str, args: tuple[Any, ...], effect: Effect) -> Change:
        """Append one change and return it; the caller must hold :attr:`lock`.

        Call :meth:`deliver` with the result after releasing the lock.
        """
        seq = self._version + 1
        change: Change = _new_change(Change, (seq, path, op, args, effect, get_origin()))
        if self.commit_hook is not None:
            self.commit_hook(change)
        self._entries.append(change)
        self._version = seq
        return change

    def append_existing(self, change: Change) -> None:
        """Append a change made elsewhere (a replica's), keeping its ``seq``; hold :attr:`lock`.

        The commit hook is not called. Deliver it with :meth:`deliver` afterwards.
        """
        if change.seq != self._version + 1:
            raise ValueError(f"change {change.seq} does not follow version {self._version}")
        self._entries.append(change)
        self._version = change.seq

    def restart_at(self, version: int) -> None:
        """Drop every retained change and continue numbering after ``version``.

        Used when the value is reloaded from a snapshot; readers behind it get
        :class:`JournalTruncated`.
        """
        with self.lock:
            self._entries.clear()
            self._version = version

    def discard_after(self, version: int) -> None:
        """Forget the changes after ``version``, which a backend rolled back; hold :attr:`lock`.

        They are also dropped from this thread's open :meth:`batch`, so no subscriber
        hears of them. Numbering continues after ``version``.
        """
        if not 0 <= version <= self._version:
            raise ValueError(f"version {version} is outside 0..{self._version}")
        entries = self._entries
        while entries and entries[-1].seq > version:
            entries.pop()
        self._version = version
        pending = self._batch.pending
        if pending:
            pending[:] = [change for change in pending if change.seq <= version]

    def catch_up(self) -> None:
        """Bring the value up to date with the shared log (after a :class:`Conflict`)."""
        if self.catch_up_hook is None:
            raise RuntimeError(
                "the journal's commit hook raised Conflict but no catch-up hook is set"
            )
        self.catch_up_hook()

    def deliver(self, change: Change) -> None:
        """Hand a recorded change to the subscribers, or to the open batch."""
        if not self._subscribers:
            return
        state = self._batch
        if state.depth:
            assert state.pending is not None
            state.pending.append(change)
        else:
            self._notify((change,))

    def _notify(self, changes: tuple[Change, ...]) -> None:
        for callback in self._subscribers:
            try:
                callback(changes)
            except Exception:
                logger.exception("observable: subscriber %r raised", callback)
