"""No decoding runs while the journal lock is held (backends issue, defect 4).

A backend that catches up reads and decodes what it lacks first, then takes the journal
lock and applies the decoded changes only if the local version did not move meanwhile.
These tests watch every decode of a replica's codec (is the calling thread holding that
replica's journal lock?) across every kind of catch-up, and block one decode to show that
local reads and writes go on meanwhile. Real ``redis-server`` and real SQLite files.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from observable import Journal, Store
from observable.backends import Codec, StateReloaded
from observable.store_keys import keys_of
from tests.support.redis_server import RedisServer, redis_server
from tests.support.stores import plain_value, wait_for

MARK = "decode-me-slowly"
"""Text in a value whose first decode blocks until the test lets it go."""


class WatchedCodec(Codec):
    """The default codec, noting for each parse whether the watched journal's lock is held.

    With ``gate`` set, the first parse of a text holding :data:`MARK` waits for the gate.
    """

    def __init__(self) -> None:
        super().__init__()
        self.journal: Journal | None = None
        self.outside = 0
        self.under_lock: list[str] = []
        self.gate: threading.Event | None = None
        self.blocked = threading.Event()
        self._claim = threading.Lock()

    def parse(self, text: str | bytes, *, key: Any = None, entry: str | None = None) -> Any:
        """Note who decodes, maybe block, then parse as the default codec does."""
        journal = self.journal
        if journal is not None:
            if getattr(journal.lock, "_is_owned")():  # noqa: B009 (RLock's own check)
                self.under_lock.append(f"{threading.current_thread().name}: {entry}")
            else:
                self.outside += 1
        raw = text.decode() if isinstance(text, bytes) else text
        if self.gate is not None and MARK in raw and self._claim.acquire(blocking=False):
            self.blocked.set()  # only the first such decode blocks (the lock is never freed)
            assert self.gate.wait(timeout=120), "the test never let the decode go"
        return super().parse(text, key=key, entry=entry)


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def _lock_is_free(journal: Journal) -> bool:
    """Tell whether another thread can take ``journal``'s lock (waits generously)."""
    taken: list[bool] = []

    def take() -> None:
        got = journal.lock.acquire(timeout=60)
        taken.append(got)
        if got:
            journal.lock.release()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    thread.join(timeout=90)
    return taken == [True]


def _changes_to(store: Store, key: str) -> int:
    return sum(1 for change in store.journal if tuple(keys_of(change)) == (key,))


def _last_keys(store: Store, count: int) -> list[tuple[str, ...]]:
    return [tuple(keys_of(change)) for change in store.journal[-count:]]


def _writes_in_order(items: list[Any], writers: dict[str, int]) -> None:
    """Every writer's appends are there exactly once, in the order it made them."""
    for name, count in writers.items():
        assert [n for who, n in items if who == name] == list(range(count)), name


# -- Redis -------------------------------------------------------------------------------
@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A non-persistent redis-server on a free loopback port."""
    with redis_server() as started:
        yield started


@pytest.mark.server
@pytest.mark.timeout(180)
def test_redis_never_decodes_under_the_journal_lock(server: RedisServer) -> None:
    """Conflicts, shared locks, the reader, reloads, a rebased batch and a trimmed log:
    all decode outside the lock."""
    url = f"{server.url}?store=watch&block=0.2&reseed_wait=0.2&compact_every=25"
    codec = WatchedCodec()
    other, watched = Store(url), Store(url, codec=codec)
    try:
        codec.journal = watched.journal
        other["log"] = []
        other["n"] = 0
        wait_for(lambda: "n" in watched, "the watched replica to hear of the keys")

        def write(store: Store, name: str) -> None:
            for number in range(150):
                store["log"].append([name, number])  # no lock: commits race, catch up, retry
                if number % 10 == 0:
                    with store.lock("n"):  # taking the lock catches up first
                        store["n"] += 1

        threads = [
            _in_thread(lambda s=s, n=n: write(s, n)) for s, n in ((other, "o"), (watched, "w"))
        ]
        for thread, errors in threads:
            thread.join(timeout=150)
            assert not thread.is_alive() and not errors, errors
        watched.backend.reload()
        watched["mine"] = []
        with watched.batch():
            for number in range(5):
                watched["mine"].append(number)
            other["theirs"] = 1  # the log moves on: the batch is rebased after it
        assert watched["theirs"] == 1
        assert _last_keys(watched, 6) == [("theirs",)] + [("mine",)] * 5  # rebased after it

        with watched.journal.lock:  # its reader reads and decodes, but cannot apply...
            for number in range(100):
                other["log"].append(["late", number])  # ...while the log is trimmed past it
        wait_for(lambda: watched.journal.version == other.journal.version, "a converged replica")

        assert codec.under_lock == []
        assert codec.outside > 0  # it did decode, every time without the lock
        assert plain_value(watched) == plain_value(other)
        assert watched["n"] == 30
        assert other["mine"] == [0, 1, 2, 3, 4]
        _writes_in_order(watched["log"], {"o": 150, "w": 150, "late": 100})
    finally:
        other.backend.close()
        watched.backend.close()


@pytest.mark.server
@pytest.mark.timeout(180)
def test_redis_reads_and_writes_go_on_while_the_reader_decodes(server: RedisServer) -> None:
    """The reader thread stuck in a slow decode holds no lock; its stale result is dropped."""
    url = f"{server.url}?store=slow&block=0.2&reseed_wait=0.2"
    codec = WatchedCodec()
    other, watched = Store(url), Store(url, codec=codec)
    try:
        codec.journal = watched.journal
        other["count"] = 0
        wait_for(lambda: "count" in watched, "the watched replica to hear of the key")
        codec.gate = threading.Event()
        other["slow"] = f"{MARK} {'x' * 1000}"
        assert codec.blocked.wait(timeout=60)  # the reader thread is inside the decode

        assert _lock_is_free(watched.journal)
        assert watched["count"] == 0
        writer, errors = _in_thread(lambda: watched.__setitem__("count", 1))
        writer.join(timeout=90)  # conflict: the writer catches up itself (its own decode)
        assert not writer.is_alive() and not errors, errors
        assert watched["slow"].startswith(MARK)
        assert not codec.gate.is_set()  # ...while the reader is still stuck

        codec.gate.set()  # the reader's decoded batch is stale now: dropped, read again
        wait_for(lambda: other["count"] == 1, "the other replica to hear of the write")
        other["count"] = 2
        wait_for(lambda: watched["count"] == 2, "the reader to go on")
        assert watched.journal.version == other.journal.version
        assert _changes_to(watched, "slow") == 1  # applied once, not twice
        assert plain_value(watched) == plain_value(other)
        assert codec.under_lock == []
    finally:
        if codec.gate is not None:
            codec.gate.set()
        other.backend.close()
        watched.backend.close()


# -- SQLite ------------------------------------------------------------------------------
def _url(path: Path, **options: Any) -> str:
    query = "&".join(f"{name}={value}" for name, value in options.items())
    return f"sqlite:///{path}" + (f"?{query}" if query else "")


def _append(store: Store, item: Any) -> None:
    """Append to ``log``; after a reload (another process compacted meanwhile) the write
    raises StateReloaded, as docs/backends.md says: read the key again and retry."""
    while True:
        try:
            store.setdefault("log", [])
            store["log"].append(item)
            return
        except StateReloaded:
            continue


def test_sqlite_never_decodes_under_the_journal_lock(tmp_path: Path) -> None:
    """Conflicts, reloads after another process compacted, reload() and a rebased batch:
    all decode outside the lock."""
    url = _url(tmp_path / "state.db", compact_every=7, synchronous="normal")
    codec = WatchedCodec()
    other, watched = Store(url), Store(url, codec=codec)
    try:
        codec.journal = watched.journal
        other["log"] = []
        for number in range(60):
            _append(other, ["o", number])  # compacts now and then
            if number % 3 == 0:
                _append(watched, ["w", number // 3])  # behind: catches up first
        watched.backend.reload()
        watched["mine"] = []
        with watched.batch():
            for number in range(5):
                watched["mine"].append(number)
            other["theirs"] = 1  # the file moves on: the batch is rebased after it
        assert watched["theirs"] == 1
        assert _last_keys(watched, 6) == [("theirs",)] + [("mine",)] * 5  # rebased after it
        assert codec.under_lock == []
        assert codec.outside > 0
        fresh = Store(url)
        try:
            assert plain_value(watched) == plain_value(fresh)
        finally:
            fresh.backend.close()
        _writes_in_order(watched["log"], {"o": 60, "w": 20})
    finally:
        other.backend.close()
        watched.backend.close()


def test_sqlite_writes_go_on_while_a_catch_up_decodes(tmp_path: Path) -> None:
    """A writer stuck decoding what it missed holds no lock; other writers go on."""
    url = _url(tmp_path / "state.db", synchronous="normal")
    codec = WatchedCodec()
    other, watched = Store(url), Store(url, codec=codec)
    try:
        codec.journal = watched.journal
        other["base"] = 0
        watched["first"] = 1  # catches up with "base"
        codec.gate = threading.Event()
        other["slow"] = f"{MARK} {'x' * 1000}"

        stuck, stuck_errors = _in_thread(lambda: watched.__setitem__("stuck", 1))
        assert codec.blocked.wait(timeout=60)  # its catch-up is inside the decode
        assert _lock_is_free(watched.journal)
        assert watched["first"] == 1
        writer, errors = _in_thread(lambda: watched.__setitem__("free", 2))
        writer.join(timeout=90)
        assert not writer.is_alive() and not errors, errors
        assert stuck.is_alive()  # still decoding

        codec.gate.set()  # its decoded batch is stale: dropped, read again, then it writes
        stuck.join(timeout=90)
        assert not stuck.is_alive() and not stuck_errors, stuck_errors
        fresh = Store(url)
        try:
            assert plain_value(fresh) == plain_value(watched)
            assert plain_value(watched) == {
                "base": 0,
                "first": 1,
                "slow": f"{MARK} {'x' * 1000}",
                "free": 2,
                "stuck": 1,
            }
        finally:
            fresh.backend.close()
        assert _changes_to(watched, "slow") == 1
        assert codec.under_lock == []
    finally:
        if codec.gate is not None:
            codec.gate.set()
        other.backend.close()
        watched.backend.close()
