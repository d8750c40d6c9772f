"""The change journal: an ordered, bounded, thread-safe log of changes with subscribers."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Protocol, overload

from .change import Change, Effect, Path
from .effects import Attr, Item, Members, Splice
from .errors import Conflict, JournalTruncated
from .origin import get_origin

__all__ = [
    "DEFAULT_RETENTION",
    "CommitGate",
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

Route = Callable[[Any], Any]
"""Internal: takes one change (a :class:`Change` or a hot :data:`Entry`) delivered on its own,
notifies whoever it serves, and returns the :class:`Change` it built, or what it was given."""

_new_change = tuple.__new__
_now = time.time

Entry = tuple[Any, ...]
"""A retained change: a :class:`Change`, or a hot mutator's plain tuple.

Hot mutators append flat tuples, which :func:`built` turns into a :class:`Change` (with
its args tuple and effect record) when it is read:

- ``(seq, path, "append", item, index, origin, timestamp)``
- ``(seq, path, "add", member, origin, timestamp)``
- ``(seq, path, "setitem", key, new, old, origin, timestamp)``
- ``(seq, path, "setattr", name, new, old, origin, timestamp)``
"""


def built(entry: Entry) -> Change:
    """Return ``entry`` as a :class:`Change` with a typed effect record."""
    if type(entry) is not tuple:
        return entry  # type: ignore[return-value]
    # Records are built with tuple.__new__: a NamedTuple's own constructor costs a
    # Python frame and argument packing, many times the tuple itself.
    op = entry[2]
    if op == "append":
        seq, path, op, item, index, origin, timestamp = entry
        args: tuple[Any, ...] = (item,)
        effect: Any = _new_change(Splice, ("splice", index, (), args))
    elif op == "add":
        seq, path, op, member, origin, timestamp = entry
        args = (member,)
        effect = _new_change(Members, ("members", args, ()))
    else:  # setitem or setattr
        seq, path, op, key, new, old, origin, timestamp = entry
        args = (key, new)
        if op == "setitem":
            effect = _new_change(Item, ("item", key, old, new))
        else:
            effect = _new_change(Attr, ("attr", key, old, new))
    return _new_change(Change, (seq, path, op, args, effect, origin, timestamp))


class CommitGate(Protocol):
    """The one interface through which a backend sees this journal's local changes.

    Both methods run in the writer's thread. :meth:`commit` runs with the journal lock
    held, before the change is appended; :meth:`catch_up` runs without it (a backend
    takes the lock itself to apply what it fetched, inside :meth:`Journal.deferring`).
    """

    def commit(self, change: Change) -> None:
        """Accept ``change``, or raise: :class:`Conflict` when the journal is behind the shared
        log (the writer rolls back, catches up and runs the operation again), any other error
        to refuse it (the writer rolls back and the error reaches the caller)."""

    def catch_up(self) -> None:
        """Bring the value up to date with the shared log after a :class:`Conflict`."""


class _BatchState(threading.local):
    depth = 0
    pending: list[Change] | None = None
    deferred: list[tuple[Change, ...]] | None = None


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
        "_held",
        "_route",
        "_subscribers",
        "_version",
        "epoch",
        "gate",
        "lock",
        "nodes",
        "shared",
        "subscribed",
    )

    def __init__(self, maxlen: int | None = DEFAULT_RETENTION) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be a positive integer or None, not {maxlen!r}")
        self.lock = threading.RLock()
        """Held while a change is made and recorded; hold it to read a consistent state."""
        self._entries: deque[Entry] = deque(maxlen=maxlen)
        """Internal: the retained entries (see :data:`Entry`); hot mutators append to it."""
        self._version = 0
        self.epoch = 0
        """Internal: moves whenever an object may have moved in the tree (paths cached before
        it are stale): a non-scalar removed, replaced or moved, a rollback, a remote apply."""
        self._subscribers: tuple[Subscriber, ...] = ()
        self._route: Route | None = None
        """Internal: the first subscriber's :data:`Route`, which a change delivered on its own
        goes to instead of that subscriber."""
        self.subscribed = False
        """Whether anyone subscribes: writers skip :meth:`deliver` when nobody does."""
        self._batch = _BatchState()
        self._held = 0
        """How many threads have a batch or a deferring block open: none, and deliver
        skips looking at this thread's state."""
        self.nodes: dict[int, Any] = {}
        """Internal: the live proxy nodes of this journal's values, by object identity."""
        self.gate: CommitGate | None = None
        """Internal: the backend's :class:`CommitGate`; set with :meth:`attach_gate`."""
        self.shared: Any = None
        """Internal: the copy-on-write session of :func:`observable.observe_shared`, if any."""

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
            return iter(tuple(map(built, self._entries)))

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Change, ...]: ...

    def __getitem__(self, index: int | slice) -> Change | tuple[Change, ...]:
        """Return a retained change by position (``journal[-1]`` is the newest), or a slice."""
        with self.lock:
            if isinstance(index, slice):
                return tuple(map(built, tuple(self._entries)[index]))
            return built(self._entries[index])

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[Change]]:
        """Collect the changes recorded while the block runs (by any thread) into a list.

        >>> with journal.capture() as changes:  # doctest: +SKIP
        ...     messages.append("hi")
        >>> changes[0].op  # doctest: +SKIP
        'append'
        """
        changes: list[Change] = []
        start = self._version
        try:
            yield changes
        finally:
            changes.extend(self.since(start))

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
            return tuple(map(built, itertools.islice(self._entries, version + 1 - oldest, None)))

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
                    at = subscribers.index(callback)
                    del subscribers[at]
                    self._subscribers = tuple(subscribers)
                    self.subscribed = bool(subscribers)
                    if at == 0:
                        self._route = None  # the routed subscriber takes its route along

        return unsubscribe

    def subscribe_routed(self, callback: Subscriber, route: Route) -> Callable[[], None]:
        """Subscribe ``callback`` first, and hand it each change delivered on its own through
        ``route`` instead (internal, for the store engine).

        ``route`` receives the change before it is built (see :data:`Route`), so a change
        nobody hears is never built. Batched and deferred changes still reach ``callback``.
        """
        if not callable(route):
            raise TypeError(f"route must be callable, not {type(route).__name__}")
        with self.lock:
            if self._subscribers:
                raise RuntimeError("a routed subscriber must be the journal's first")
            unsubscribe = self.subscribe(callback)
            self._route = route
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
            self._hold(1)
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
            if state.depth == 0:
                pending, state.pending = state.pending, None
                self._hold(-1)
                if pending:
                    self._notify(tuple(pending))

    def _hold(self, step: int) -> None:
        with self.lock:
            self._held += step

    def record(self, path: Path, op: str, args: tuple[Any, ...], effect: Effect) -> Change:
        """Append one change and return it; the caller must hold :attr:`lock`.

        Call :meth:`deliver` with the result after releasing the lock.
        """
        seq = self._version + 1
        change: Change = _new_change(Change, (seq, path, op, args, effect, get_origin(), _now()))
        if self.gate is not None:
            self.gate.commit(change)
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
        self.epoch += 1

    def restart_at(self, version: int) -> None:
        """Drop every retained change and continue numbering after ``version``.

        Used when the value is reloaded from a snapshot; readers behind it get
        :class:`JournalTruncated`.
        """
        with self.lock:
            self._entries.clear()
            self._version = version
            self.epoch += 1

    def discard_after(self, version: int) -> None:
        """Forget the changes after ``version``, which a backend rolled back; hold :attr:`lock`.

        They are also dropped from this thread's open :meth:`batch`, so no subscriber
        hears of them. Numbering continues after ``version``.
        """
        if not 0 <= version <= self._version:
            raise ValueError(f"version {version} is outside 0..{self._version}")
        entries = self._entries
        while entries and entries[-1][0] > version:
            entries.pop()
        self._version = version
        self.epoch += 1
        pending = self._batch.pending
        if pending:
            pending[:] = [change for change in pending if change.seq <= version]

    def attach_gate(self, gate: CommitGate | None) -> None:
        """Route every local change through ``gate`` (``None`` detaches); internal, for backends."""
        with self.lock:
            self.gate = gate

    def catch_up(self) -> None:
        """Bring the value up to date after a :class:`Conflict`; call without holding the lock."""
        if self.gate is None:
            raise RuntimeError("a change raised Conflict but the journal has no commit gate")
        self.gate.catch_up()

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """Hold back this thread's notifications until the block ends (internal).

        A backend applying remote changes under the lock wraps lock and work in this
        block, so that subscribers still run only after the lock is released.
        """
        state = self._batch
        if state.deferred is not None:
            yield
            return
        state.deferred = []
        self._hold(1)
        try:
            yield
        finally:
            deferred, state.deferred = state.deferred, None
            self._hold(-1)
            for changes in deferred:
                self._notify(changes)

    def deliver(self, change: Change | Entry) -> None:
        """Hand a recorded change (or a hot mutator's entry) to the subscribers or the batch."""
        subscribers = self._subscribers
        if not subscribers:
            return
        if self._held:
            state = self._batch
            if state.depth:
                assert state.pending is not None
                state.pending.append(built(change))
                return
            if state.deferred is not None:
                state.deferred.append((built(change),))
                return
        route = self._route
        if route is not None:
            try:
                change = route(change)
            except Exception:
                logger.exception("observable: subscriber %r raised", route)
            if len(subscribers) == 1:
                return
            subscribers = subscribers[1:]
        record: Change = built(change) if type(change) is tuple else change  # type: ignore[assignment]
        changes = (record,)
        for callback in subscribers:
            try:
                callback(changes)
            except Exception:
                logger.exception("observable: subscriber %r raised", callback)

    def _notify(self, changes: tuple[Change, ...]) -> None:
        deferred = self._batch.deferred
        if deferred is not None:
            deferred.append(changes)
            return
        for callback in self._subscribers:
            try:
                callback(changes)
            except Exception:
                logger.exception("observable: subscriber %r raised", callback)
