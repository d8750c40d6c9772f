"""Machinery shared by backends that keep a snapshot plus a log of encoded changes.

A :class:`LogBackend` sees every local change through the journal's commit hook,
encodes it with the codec (refusing what it cannot store, which rolls the change back),
and appends it to its log with a fencing check: the log must be at exactly the version
the change was made against. When it is not, the change is refused with
:class:`~observable.Conflict`; the core rolls it back, calls the catch-up hook (which
applies what the log has and this process lacks) and runs the operation again.

Inside ``store.batch()`` the changes are encoded as they happen but appended together
when the block ends, in one round trip. If the log moved meanwhile and none of the
changes made elsewhere touch the batch's keys, the batch is rebased after them (changes
on different keys commute); otherwise the batch is rolled back and
:class:`~observable.backends.BatchConflict` raised.

A snapshot holds one encoded value per store key. Compaction rewrites the keys changed
since the last snapshot and drops the log entries it covers.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from ..change import MISSING, Change, Member
from ..engine import _silenced
from ..journal import Conflict, JournalTruncated
from ..patch import apply_effect, follow_path, invert_effect
from ..store_keys import keys_of
from .base import Backend, BackendUnavailable, BatchConflict, StateReloaded
from .codec import DEFAULT_CODEC, Codec, CodecError, EncodedChange, UndecodableChange
from .fetched import PREFETCH_TRIES, Fetched, Loaded, Stored
from .quarantine import NOTHING, Quarantine, Quarantined, placeholder, repaired_keys
from .safety import apply_change

if TYPE_CHECKING:
    from ..engine import StoreEngine
    from ..journal import Journal

__all__ = [
    "DEFAULT_COMPACT_EVERY",
    "Behind",
    "Fetched",
    "Loaded",
    "LogBackend",
    "Progress",
    "Stored",
    "in_order",
]

logger = logging.getLogger("observable.backends")

DEFAULT_COMPACT_EVERY = 10_000
"""Compact after this many log entries since the last snapshot, unless told otherwise."""

RETRY_BASE = 0.001
"""Seconds of the first back-off after a repeated write conflict (doubled each time)."""

RETRY_CAP = 0.05
"""Most seconds one back-off after a write conflict lasts (the wait is jittered below it)."""

TURN_AFTER = 4
"""Conflicts in a row after which a writer asks for the next turn (see :meth:`_take_turn`)."""

_ROOT_ORDER = "\x00root-order"
"""Pseudo-key of a change that adds or removes a top-level key (store key order)."""

_EVERYTHING = "\x00everything"
"""Pseudo-key of a change that names no key (it may touch any)."""


class Behind(Exception):
    """Raised by :meth:`LogBackend._append` when the log is not at the expected version."""


class Progress(enum.Enum):
    """What a catch-up did."""

    NOTHING = "nothing"
    APPLIED = "applied"
    RESEEDED = "reseeded"
    RELOADED = "reloaded"
    UNCHANGED_RELOAD = "unchanged-reload"


@dataclass
class _Batch:
    base: int
    thread: int
    changes: list[Change] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


def in_order(values: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """Return ``values`` with the keys named in ``order`` first, in that order."""
    ordered = {key: values[key] for key in order if key in values}
    ordered.update(values)
    return ordered


def _footprint(changes: Iterable[Change | Stored]) -> set[str]:
    """Return the store keys the changes touch, plus pseudo-keys for the key order and
    for changes that name no key (which touch everything)."""
    footprint: set[str] = set()
    for item in changes:
        if isinstance(item, UndecodableChange):
            footprint.add(item.key if isinstance(item.key, str) else _EVERYTHING)
            continue
        change = item.change if isinstance(item, EncodedChange) else item
        keys = keys_of(change)
        if not keys:
            footprint.add(_EVERYTHING)
        footprint.update(keys)
        if not change.path and _adds_or_removes(change.effect):
            footprint.add(_ROOT_ORDER)
    return footprint


def _overlap(first: set[str], second: set[str]) -> bool:
    if _EVERYTHING in first or _EVERYTHING in second:
        return bool(first and second)
    return not first.isdisjoint(second)


def _adds_or_removes(effect: tuple[Any, ...]) -> bool:
    if effect[0] == "item":
        return effect[2] is MISSING or effect[3] is MISSING
    if effect[0] == "sequence":
        return any(_adds_or_removes(step) for step in effect[1])
    return True


class LogBackend(Backend):
    """Base of the SQLite and Redis backends: commit hook, batches, compaction, reloads.

    Subclasses implement the storage: :meth:`_open`, :meth:`_append`, :meth:`_catch_up`,
    :meth:`_write_snapshot` and :meth:`_shutdown`. Every storage call happens with the
    journal lock held, except where a subclass says otherwise.
    """

    def __init__(
        self, *, codec: Codec = DEFAULT_CODEC, compact_every: int = DEFAULT_COMPACT_EVERY
    ) -> None:
        if compact_every < 0:
            raise ValueError(f"compact_every must be >= 0 (0 never compacts), not {compact_every}")
        self.codec = codec
        """The codec that encodes values and changes for storage."""
        self.compact_every = compact_every
        """Log entries since the last snapshot that trigger compaction (0: never)."""
        self._engine: StoreEngine | None = None
        self._batch: _Batch | None = None
        self._dirty: set[str] = set()
        self._all_dirty = False
        self._compact_due = False
        self._closed = False
        self._unsubscribe: Any = None
        self._kept: set[str] = set()  # keys whose objects the last reload kept
        self._reloads = 0  # whole states installed so far (a reload may detach proxies)
        self._rebases = 0  # reloads plus re-seeds: the store's state was settled anew
        self._quarantine = Quarantine(type(self).__name__)
        self._conflicts = threading.local()  # this thread's conflicts in a row, refused change
        self.worst_retry_wait = 0.0
        """The longest back-off a write waited after conflicts, in seconds (for benchmarks)."""

    # -- attaching ---------------------------------------------------------------------
    @property
    def engine(self) -> StoreEngine:
        """The engine this backend keeps in sync (after :meth:`attach`)."""
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} is not attached to a store")
        return self._engine

    @property
    def journal(self) -> Journal:
        """The journal of the attached engine."""
        return self.engine.journal

    def attach(self, engine: StoreEngine) -> None:
        """Load the stored state into ``engine``, then commit every local change."""
        if self._engine is not None:
            raise RuntimeError(f"{type(self).__name__} is already attached to a store")
        self._engine = engine
        self._quarantine.where = repr(self)
        journal = engine.journal
        with journal.lock:
            self._open()
            journal.attach_gate(self)
        self._unsubscribe = journal.subscribe(self._after_changes)
        self._started()

    def _started(self) -> None:
        """Called after attaching, outside the journal lock (start threads here)."""

    def close(self) -> None:
        """Stop syncing; later writes to the store raise :class:`BackendUnavailable`."""
        if self._closed or self._engine is None:
            self._closed = True
            return
        self._closed = True
        journal = self._engine.journal
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._shutdown_threads()
        with journal.lock:
            self._shutdown()

    # -- subclass interface ------------------------------------------------------------
    def _open(self) -> None:
        """Connect and load the stored state into the engine (journal lock held)."""
        raise NotImplementedError

    def _append(self, expected: int, parts: Sequence[str]) -> int:
        """Append encoded changes as ``expected + 1, ...``; return entries since the snapshot.

        Raise :class:`Behind` when the log is not at ``expected``, and
        :class:`BackendUnavailable` when the storage cannot be reached.
        """
        raise NotImplementedError

    def _catch_up(self) -> Progress:
        """Bring the engine up to date with the log (journal lock held).

        Used when opening, by batches, and as the last resort of :meth:`_sync`; every
        other catch-up reads and decodes without the lock (:meth:`_prefetch`).
        """
        raise NotImplementedError

    def _prefetch(self, base: int, whole: bool) -> Fetched:
        """Read and decode what the store holds beyond local version ``base``.

        Runs WITHOUT the journal lock (decoding never runs under it) and changes no
        local state. ``whole`` reads the whole state, as a reload does.
        """
        raise NotImplementedError

    def _loaded(self, state: Loaded) -> None:
        """Note a whole state that is being installed (journal lock held)."""

    def _reload(self) -> Progress:
        """Replace the local state by the stored one (journal lock held)."""
        raise NotImplementedError

    def _fetch_since(self, version: int) -> list[Stored] | None:
        """Return the logged changes after ``version``, or None if they cannot be replayed."""
        raise NotImplementedError

    def _write_snapshot(
        self,
        version: int,
        upserts: dict[str, str],
        deletes: list[str],
        order: list[str],
        full: bool,
    ) -> None:
        """Store a snapshot at ``version`` and drop the log entries it covers.

        ``upserts`` are the encoded values of changed keys, ``deletes`` the removed keys,
        ``order`` every key in store order; ``full`` replaces every stored key.
        """
        raise NotImplementedError

    def _shutdown(self) -> None:
        """Release connections (journal lock held)."""

    def _shutdown_threads(self) -> None:
        """Stop background threads (journal lock not held)."""

    def _lock_fences(self) -> list[tuple[str, str]]:
        """Return the shared locks the calling thread holds, to check at commit."""
        return []

    # -- local changes -----------------------------------------------------------------
    def commit(self, change: Change) -> None:
        """Store a local change before the journal appends it (the journal's commit gate)."""
        if self._closed:
            raise BackendUnavailable(f"the {type(self).__name__} of this store was closed")
        self._quarantine.refuse_local(change)
        for key in change.path:
            if type(key) is Member:
                raise CodecError(
                    f"a change inside a set member (path {change.path!r}) cannot be stored: "
                    "set members have no address another process can find. Remove the "
                    "member and add the changed value instead"
                )
        text = self.codec.encode_change(change, silent=_silenced.get())
        batch = self._batch
        if batch is not None and batch.thread == threading.get_ident():
            batch.changes.append(change)
            batch.parts.append(text)
            return
        try:
            length = self._append(change.seq - 1, (text,))
        except Behind:
            self._conflicts.refused = change
            self._conflicts.reloads = self._reloads
            self._conflicts.rebases = self._rebases
            raise Conflict("the shared log moved on; catching up") from None
        self._committed((change,), length)

    def catch_up(self) -> None:
        """Fetch and apply what the shared log holds beyond this replica (after a Conflict).

        Runs without the journal lock: reading and decoding happen before it is taken.
        """
        self._back_off()  # outside the journal lock: other writers go on meanwhile
        assert self._engine is not None
        journal = self._engine.journal
        refused: Change | None = getattr(self._conflicts, "refused", None)
        self._conflicts.refused = None
        before = getattr(self._conflicts, "reloads", self._reloads)
        rebases = getattr(self._conflicts, "rebases", self._rebases)
        with journal.deferring():
            # One read: if another thread (the reader) applied meanwhile, the operation
            # simply runs again on what it applied, and meets the log afresh.
            progress = self._sync(once=True)
        with journal.lock:
            reloads, kept = self._reloads - before, set(self._kept)
            rebased = self._rebases != rebases
        # The operation runs again on its proxy: fine if that proxy is the root, or sits
        # under a key whose value the one reload kept (same objects, still attached). A
        # reload by another thread (the reader) since the conflict counts too.
        root = refused is not None and not refused.path
        attached = root or (refused is not None and reloads == 1 and refused.path[0] in kept)
        if reloads and not attached:
            raise StateReloaded(
                "the store reloaded its state from the backend while this write waited; "
                "the write was rolled back: read the value from the store again and retry"
            )
        if progress is None:
            return  # the local version moved meanwhile: run the operation again
        overtaken = refused is not None and journal.version >= refused.seq
        waited = getattr(self._conflicts, "yielded", False)  # refused: another's turn
        self._conflicts.yielded = False
        if progress is Progress.NOTHING and not overtaken and not rebased and not waited:
            # (Overtaken or rebased: another thread, the reader, applied the newer changes
            # or settled a new epoch between the conflict and this catch-up, which runs
            # outside the journal lock. Run it again.)
            raise BackendUnavailable(
                "the backend refused the write as out of date, but has nothing newer"
            )

    @overload
    def _sync(self, *, whole: bool = False, once: Literal[False] = False) -> Progress: ...

    @overload
    def _sync(self, *, whole: bool = False, once: bool) -> Progress | None: ...

    def _sync(self, *, whole: bool = False, once: bool = False) -> Progress | None:
        """Catch up (or reload, ``whole``): read and decode first, then apply under the lock.

        What was read is applied only if the local version did not move meanwhile;
        otherwise it is dropped and read again (``once``: None is returned instead).
        After :data:`PREFETCH_TRIES` moves in a row, the catch-up reads under the lock
        (safe: nothing can move then).
        """
        journal = self.journal
        for _ in range(1 if once else PREFETCH_TRIES):
            with journal.lock:  # a batch open in another thread: wait for its outcome
                base = journal.version
            fetched = self._prefetch(base, whole)
            with journal.lock:
                progress = self._use(fetched)
            if progress is not None or once:
                return progress
        logger.info("observable: %r kept moving while it caught up; reading under the lock", self)
        with journal.lock:
            return self._reload() if whole else self._catch_up()

    def _use(self, fetched: Fetched) -> Progress | None:
        """Apply what :meth:`_prefetch` read, if the local version is still the one it read
        against; None when it moved (or the read found nothing usable): read again.

        Journal lock held; nothing here decodes.
        """
        if self.journal.version != fetched.base or fetched.locked:
            return None
        if fetched.state is not None:
            return self._install_state(fetched.state)
        if fetched.items is None:
            return None
        if not fetched.items:
            return Progress.NOTHING
        self._apply_remote(fetched.items)
        return Progress.APPLIED

    def _back_off(self) -> None:
        """Wait a jittered, bounded while after repeated conflicts, so writers take turns.

        A writer that lost :data:`TURN_AFTER` times in a row asks for the next turn; while
        it holds it, it does not wait (the others do).
        """
        conflicts = getattr(self._conflicts, "count", 0) + 1
        self._conflicts.count = conflicts
        if conflicts >= TURN_AFTER and self._take_turn():
            return
        if conflicts > 1:
            wait = random.uniform(0, min(RETRY_CAP, RETRY_BASE * 2 ** (conflicts - 2)))
            self.worst_retry_wait = max(self.worst_retry_wait, wait)
            time.sleep(wait)

    def _take_turn(self) -> bool:
        """Ask the storage to refuse other writers' commits until this one commits (or a
        short lease ends); True if this writer holds the turn. None here: no turns."""
        return False

    def _committed(self, changes: Sequence[Change], length: int) -> None:
        self._conflicts.count = 0
        self._conflicts.yielded = False
        if self._quarantine:
            for change in changes:
                self._quarantine.lift(repaired_keys(change))
        self._track(changes)
        if self.compact_every and length >= self.compact_every:
            self._compact_due = True

    def _track(self, changes: Iterable[Change]) -> None:
        dirty = self._dirty
        for change in changes:
            keys = keys_of(change)
            if not keys:
                self._all_dirty = True
            dirty.update(keys)

    # -- remote changes ----------------------------------------------------------------
    def quarantined(self) -> dict[Any, Quarantined]:
        """Return the quarantined store keys and why (see ``observable.backends.quarantine``).

        A key is quarantined when a stored entry of it cannot be decoded or applied; the
        key None stands for an entry whose key could not be read.
        """
        with self.journal.lock:
            return dict(self._quarantine.keys)

    def reload(self) -> None:
        """Read the whole state from the backend again (retries quarantined keys)."""
        with self.journal.batch():
            self._sync(whole=True)

    def _prepare(self, item: Stored, quarantine: Quarantine) -> Change:
        """Return the change to journal for a stored item: itself, or a placeholder."""
        if isinstance(item, UndecodableChange):
            quarantine.add(item.key, item.seq, item.error, item.text)
            return placeholder(item.seq, item.key)
        change = item.change
        if quarantine.holds(change):
            return quarantine.hold(change)
        if quarantine:
            quarantine.lift(repaired_keys(change))
        return change

    @staticmethod
    def _refuser(quarantine: Quarantine, items: Sequence[Stored]) -> Any:
        entries = {item.change.seq: item.entry for item in items if isinstance(item, EncodedChange)}

        def refused(change: Change, error: CodecError) -> Change:
            key = error.key if error.key is not None else next(iter(keys_of(change)), None)
            error.entry = error.entry or entries.get(change.seq)
            quarantine.add(key, change.seq, error, repr(change)[:300])
            return placeholder(change.seq, key)

        return refused

    def _apply_remote(self, items: Sequence[Stored]) -> None:
        """Apply changes made elsewhere, in order; silent ones notify nobody (lock held).

        A change that cannot be decoded or applied quarantines its key (never raises).
        """
        engine = self.engine
        quarantine = self._quarantine
        refused = self._refuser(quarantine, items)
        start = 0
        while start < len(items):
            silent = _is_silent(items[start])
            end = start
            while end < len(items) and _is_silent(items[end]) == silent:
                end += 1
            group = [self._prepare(item, quarantine) for item in items[start:end]]
            self._track(engine.apply_remote(group, silent=silent, refused=refused))
            start = end

    def _replay(
        self, values: dict[str, Any], items: Sequence[Stored], quarantine: Quarantine
    ) -> list[Change]:
        """Apply stored changes to plain ``values``; return what to journal for each."""
        refused = self._refuser(quarantine, items)
        replayed = []
        for item in items:
            change = self._prepare(item, quarantine)
            if change.effect != NOTHING:
                try:
                    apply_change(values, change)
                except CodecError as error:
                    change = refused(change, error)
            replayed.append(change)
        return replayed

    def _decode_values(
        self, pairs: Iterable[tuple[str, str | bytes]], quarantine: Quarantine, entry: str
    ) -> dict[str, Any]:
        """Decode snapshot values; a value that cannot be decoded quarantines its key."""
        values: dict[str, Any] = {}
        for key, text in pairs:
            try:
                values[key] = self.codec.decode(text, key=key, entry=entry)
            except CodecError as error:
                quarantine.add(key, None, error, str(text[:300]))
        return values

    def _install_state(self, state: Loaded) -> Progress:
        """Replace the local state by a whole decoded one (journal lock held)."""
        self._loaded(state)
        unchanged = self._install(state.values, state.version, state.replayed, state.quarantine)
        return Progress.UNCHANGED_RELOAD if unchanged else Progress.RELOADED

    def _decoded_state(
        self,
        pairs: Iterable[tuple[str, str | bytes]],
        where: str,
        order: str | bytes | None,
        items: Sequence[Stored],
        version: int,
        mark: Any,
    ) -> Loaded:
        """Decode a snapshot (``pairs``, key ``order`` as a JSON list, at ``version``) and
        replay ``items`` on it; what cannot be decoded is quarantined. No lock needed."""
        quarantine = Quarantine(repr(self))
        values = self._decode_values(pairs, quarantine, where)
        try:
            names = json.loads(order) if order is not None else []
        except (ValueError, TypeError, RecursionError):  # stored data: never trusted
            names = []
        if not isinstance(names, list):
            names = []
        values = in_order(values, [name for name in names if isinstance(name, str)])
        replayed = self._replay(values, items, quarantine)
        return Loaded(values, version + len(items), replayed, quarantine, mark)

    def _install(
        self,
        values: dict[str, Any],
        version: int,
        replayed: Sequence[Change],
        quarantine: Quarantine,
    ) -> bool:
        """Replace the local state by ``values`` at ``version``; return True if it was equal.

        ``quarantine`` holds the keys the reading refused; it replaces the current one.

        ``replayed`` are the logged changes applied on top of the stored snapshot (their
        keys still need compacting). Keys whose value did not change keep their objects,
        so proxies of them held by users stay attached.
        """
        raw = self.engine.raw_root
        unchanged = set(raw) == set(values)
        kept = self._kept
        kept.clear()
        self._reloads += 1
        self._rebases += 1
        for key, value in values.items():
            old = raw.get(key, MISSING)
            if old is not MISSING and type(old) is type(value):
                try:
                    same = bool(old == value)
                except Exception:
                    same = False
                if same:
                    values[key] = old
                    kept.add(key)
                    continue
            unchanged = False
        self._quarantine.keys = quarantine.keys
        self.engine.load(values, version)
        self._dirty.clear()
        self._all_dirty = False
        self._track(replayed)
        return unchanged

    # -- batches -----------------------------------------------------------------------
    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Group the changes made in the block into one commit when it ends."""
        return self._batch_context()

    @contextlib.contextmanager
    def _batch_context(self) -> Iterator[None]:
        journal = self.journal
        current = self._batch
        if current is not None and current.thread == threading.get_ident():
            yield  # nested: part of the outer batch
            return
        with journal.batch():  # subscribers hear of everything once the batch is settled
            lock = journal.lock
            lock.acquire()
            held = True
            try:
                state = _Batch(journal.version, threading.get_ident())
                self._batch = state
                try:
                    yield
                finally:
                    self._batch = None
                    if state.changes and not self._flush(state):
                        lock.release()  # rolled back: catch up without the lock
                        held = False
                        self._rebase(state)
            finally:
                self._batch = None
                if held:
                    lock.release()

    def in_batch(self) -> bool:
        """Tell whether the calling thread has a batch open."""
        batch = self._batch
        return batch is not None and batch.thread == threading.get_ident()

    def _flush(self, state: _Batch) -> bool:
        """Commit a batch (lock held); False when the log moved on (the batch is rolled back)."""
        try:
            length = self._append(state.base, state.parts)
        except Behind:
            self._roll_back(state)
            return False
        except BaseException:
            self._roll_back(state)
            raise
        self._committed(state.changes, length)
        return True

    def _rebase(self, state: _Batch) -> None:
        """Commit a rolled-back batch after what the log gained meanwhile, if none of that
        touches the batch's keys (changes on different keys commute); else raise.

        Reads and decodes without the journal lock, like :meth:`_sync`. The batch stays
        rolled back while the lock is free, so no other thread sees it uncommitted.
        """
        journal = self.journal
        mine = _footprint(state.changes)
        for _ in range(PREFETCH_TRIES):
            self._back_off()  # without the lock: jittered, and may take the next turn
            with journal.lock:
                base = journal.version
            fetched = self._prefetch(base, False)
            with journal.lock:
                if journal.version != base:
                    continue  # moved meanwhile: read again
                if fetched.items is None or fetched.locked:
                    progress = self._use(fetched)
                    if progress is None:
                        continue
                    raise StateReloaded(
                        f"the stored state was replaced while this batch was open "
                        f"({progress.value}); the batch ({len(state.changes)} changes) was "
                        "rolled back: read the values from the store again and retry"
                    )
                try:
                    local: Sequence[Change] | None = journal.since(state.base)
                except (JournalTruncated, ValueError):
                    local = None  # reloaded meanwhile: assume the worst
                progress = self._use(fetched) or Progress.NOTHING
                theirs = [*(local or ()), *fetched.items]
                if local is None or _overlap(_footprint(theirs), mine):
                    raise BatchConflict(
                        "another process changed the same store keys while this batch was "
                        f"open; the batch ({len(state.changes)} changes) was rolled back "
                        f"({progress.value}). Hold store.lock(key) around batches on shared keys"
                    )
                self._reapply(state)
                if self._flush(state):
                    return
        raise BatchConflict(
            f"the store kept changing while this batch ({len(state.changes)} changes) waited "
            "to commit; it was rolled back: read the values from the store again and retry"
        )

    def _reapply(self, state: _Batch) -> None:
        """Make a rolled-back batch again, after the journal's newest change (lock held)."""
        journal = self.journal
        raw = self.engine.raw_root
        done: list[Change] = []
        try:
            for change in state.changes:
                apply_effect(follow_path(raw, change.path), change.effect)
                done.append(change)
        except Exception as error:
            for change in reversed(done):
                apply_effect(follow_path(raw, change.path), invert_effect(change.effect))
            raise BatchConflict(
                f"the batch ({len(state.changes)} changes) could not be made again after "
                f"other processes' changes ({error}); it was rolled back"
            ) from error
        base = journal.version
        state.changes = [change._replace(seq=base + 1 + i) for i, change in enumerate(done)]
        state.base = base
        for change in state.changes:
            journal.append_existing(change)
            journal.deliver(change)

    def _roll_back(self, state: _Batch) -> None:
        """Undo a batch's changes on the raw value and forget them (lock held)."""
        raw = self.engine.raw_root
        try:
            for change in reversed(state.changes):
                apply_effect(follow_path(raw, change.path), invert_effect(change.effect))
        except Exception:
            logger.exception("observable: rolling a batch back failed; reloading the state")
            self.journal.discard_after(state.base)
            self._reload()
            return
        self.journal.discard_after(state.base)

    # -- compaction --------------------------------------------------------------------
    def _after_changes(self, changes: tuple[Change, ...]) -> None:
        if self._compact_due and not self._closed:
            self.compact()

    def compact(self) -> bool:
        """Write a snapshot of the keys changed since the last one and trim the log.

        Return False when another process already wrote a newer snapshot or the
        storage refused; compaction is retried later.
        """
        journal = self.journal
        with journal.lock:
            if self.in_batch():
                return False
            if self._quarantine:
                # The snapshot would replace the refused entries by a stale value.
                logger.warning(
                    "observable: %r: compaction waits until the quarantined keys %r are repaired",
                    self,
                    list(self._quarantine.keys),
                )
                self._compact_due = False
                return False
            self._compact_due = False
            raw = self.engine.raw_root
            keys = set(raw) if self._all_dirty else self._dirty
            upserts: dict[str, str] = {}
            deletes: list[str] = []
            try:
                for key in keys:
                    value = raw.get(key, MISSING)
                    if value is MISSING:
                        deletes.append(key)
                    else:
                        upserts[key] = self.codec.encode(value)
                self._write_snapshot(journal.version, upserts, deletes, list(raw), self._all_dirty)
            except (CodecError, BackendUnavailable) as error:
                logger.warning("observable: compaction skipped: %s", error)
                return False
            self._dirty.clear()
            self._all_dirty = False
            return True


def _is_silent(item: Stored) -> bool:
    return isinstance(item, EncodedChange) and item.silent
