"""The Redis backend against a real ``redis-server``: guarantees 1-6 of the backends issue.

Stores in one test process stand for servers: each has its own connections, reader thread
and engine, exactly as in separate processes. The tests marked ``processes`` run real
writer processes (``tests/support/backend_worker.py``).

1. Every replica converges to the same value.
2. The order of changes per store is the same everywhere.
3. A change is applied exactly once per replica.
4. No acknowledged change is lost.
5. During an outage a write raises ``BackendUnavailable`` and rolls the local value back.
6. A Redis restart that wipes every key is detected (epoch) and the state re-seeded.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from observable import BackendUnavailable, Change, JournalTruncated, Store
from observable.backends import BatchConflict, CodecError, LockLost
from observable.backends.redis import RedisBackend
from tests.support.redis_server import RedisServer, redis_server
from tests.support.stores import plain_value, wait_for
from tests.support.workers import Worker, workers

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

StoreFactory = Callable[..., Store]

_WIPES = {"block": 0.2, "reseed_wait": 1.5}
"""Options of replicas in wipe tests: each notices a wipe well within the claim window."""


class Opaque:
    """A type the codec does not know."""


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A non-persistent redis-server on a free loopback port."""
    with redis_server() as started:
        yield started


@pytest.fixture
def persistent() -> Iterator[RedisServer]:
    """A redis-server that fsyncs every write to its append-only file."""
    with redis_server(persist=True) as started:
        yield started


def _factory(server: RedisServer) -> Iterator[StoreFactory]:
    opened: list[Store] = []

    def make(name: str = "test", **options: Any) -> Store:
        # A fresh store waits reseed_wait for claims before its first seeding; tests of
        # wipes pass a realistic one.
        settings = {"store": name, "reseed_wait": 0.2, **options}
        query = "&".join(f"{key}={value}" for key, value in settings.items())
        store = Store(f"{server.url}?{query}")
        opened.append(store)
        return store

    try:
        yield make
    finally:
        for store in opened:
            store.backend.close()


@pytest.fixture
def stores(server: RedisServer) -> Iterator[StoreFactory]:
    """Open stores on ``server``; all are closed afterwards."""
    yield from _factory(server)


@pytest.fixture
def persistent_stores(persistent: RedisServer) -> Iterator[StoreFactory]:
    """Open stores on the persistent server; all are closed afterwards."""
    yield from _factory(persistent)


def _client(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url, socket_timeout=5)


def _converged(*replicas: Store) -> None:
    """Wait until every replica is at the same version, then compare their values."""
    wait_for(
        lambda: len({replica.journal.version for replica in replicas}) == 1,
        f"versions {[replica.journal.version for replica in replicas]} to meet",
    )
    first = plain_value(replicas[0])
    for replica in replicas[1:]:
        assert plain_value(replica) == first
        assert replica.keys() == replicas[0].keys()


def _records(store: Store) -> list[tuple[Any, ...]]:
    return [(c.seq, c.path, c.op, c.args, c.effect, c.origin) for c in store.journal.since(0)]


def test_replicas_converge_in_one_order_applying_each_change_once(
    stores: StoreFactory,
) -> None:
    """Guarantees 1, 2 and 3, with two writers racing on shared and private keys."""
    first, second, watcher = stores(), stores(), stores()
    seen: Counter[int] = Counter()
    watcher.subscribe_all(lambda keys, changes: seen.update(c.seq for c in changes))
    first["shared"] = []
    second["counter"] = 0
    # The batches below replace these keys; creating them there would make the two batches
    # conflict on the key order (documented), which this test is not about.
    first["one"] = first["two"] = None

    def write(store: Store, name: str) -> None:
        for number in range(150):
            store["shared"].append((name, number))  # no lock: commits race and retry
            if number % 10 == 0:
                with store.lock("counter"):
                    store["counter"] += 1
            if number % 25 == 0:
                with store.batch():
                    store[name] = {"n": number, "tags": {name}}
                    store[name]["tags"].add(str(number))

    threads = [
        threading.Thread(target=write, args=(store, name))
        for store, name in ((first, "one"), (second, "two"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    late = stores()
    _converged(first, second, watcher, late)
    assert first["counter"] == 30
    assert Counter(first["shared"]) == Counter(
        (name, number) for name in ("one", "two") for number in range(150)
    )
    assert _records(first) == _records(second) == _records(watcher)
    version = watcher.journal.version
    assert sorted(seen) == list(range(1, version + 1))  # every change...
    assert set(seen.values()) == {1}  # ...exactly once


def test_remote_changes_notify_local_subscribers_and_silent_ones_do_not(
    stores: StoreFactory,
) -> None:
    writer, reader = stores(), stores()
    heard: list[tuple[str, list[str]]] = []
    reader.subscribe("messages", lambda key, changes: heard.append((key, [c.op for c in changes])))
    writer["messages"] = []
    _converged(writer, reader)
    writer["messages"].append({"text": "hi"})
    wait_for(lambda: ("messages", ["append"]) in heard, "the remote append to be heard")
    with writer.silent():
        writer["messages"].append({"text": "quiet"})
    writer["messages"].append({"text": "loud"})
    _converged(writer, reader)
    wait_for(lambda: len(heard) == 3, "three notifications")
    assert [ops for _, ops in heard] == [["setitem"], ["append"], ["append"]]
    assert reader["messages"][-2]["text"] == "quiet"


def test_a_batch_is_one_entry_and_is_rebased_over_other_keys(
    stores: StoreFactory, server: RedisServer
) -> None:
    first, second = stores(), stores()
    first["a"] = []
    second["b"] = []
    _converged(first, second)
    length = _client(server).xlen("{observable:test}:log")
    with first.batch():
        for number in range(600):  # more than one stream entry holds
            first["a"].append(number)
        second["b"].append("meanwhile")
    assert _client(server).xlen("{observable:test}:log") == length + 1 + 2
    _converged(first, second)
    assert first["a"] == list(range(600)) and first["b"] == ["meanwhile"]
    assert _records(first) == _records(second)


def test_a_batch_on_a_key_changed_elsewhere_is_rolled_back(stores: StoreFactory) -> None:
    first, second = stores(), stores()
    first["a"] = [0]
    _converged(first, second)
    with pytest.raises(BatchConflict), first.batch():
        first["a"].append("mine")
        second["a"].append("theirs")
    _converged(first, second)
    assert first["a"] == [0, "theirs"]


def test_shared_lock_serialises_read_modify_write_across_replicas(
    stores: StoreFactory,
) -> None:
    replicas = [stores(lock_lease=2) for _ in range(3)]
    replicas[0]["count"] = 0
    _converged(*replicas)

    def bump(store: Store) -> None:
        for _ in range(40):
            with store.lock("count"):
                store["count"] += 1  # reads the newest value: the lock caught up

    threads = [threading.Thread(target=bump, args=(store,)) for store in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _converged(*replicas)
    assert replicas[0]["count"] == 120
    lock = replicas[0].lock("count")
    assert lock is replicas[0].lock("count")
    with lock, lock:  # re-entrant
        replicas[0]["count"] += 1
    with replicas[0].lock("count"), pytest.raises(RuntimeError, match="before opening"):  # noqa: SIM117
        with replicas[0].batch(), replicas[0].lock("other"):
            pass


def test_a_lost_lease_refuses_writes_and_is_reported(
    stores: StoreFactory, server: RedisServer
) -> None:
    first, second = stores(lock_lease=5), stores(lock_lease=5)
    first["count"] = 0
    _converged(first, second)
    with pytest.raises(LockLost, match="did not run alone"), first.lock("count"):
        first["count"] = 1
        _client(server).delete("{observable:test}:lock:count")  # the lease ran out
        with second.lock("count"):
            second["count"] = 2
            with pytest.raises(LockLost, match="rolled back"):
                first["count"] = 3  # fenced: the other process holds the lock now
    _converged(first, second)
    assert first["count"] == 2


def test_an_outage_refuses_writes_and_rolls_them_back(
    persistent_stores: StoreFactory, persistent: RedisServer
) -> None:
    """Guarantee 5: BackendUnavailable and a rolled-back value; writes resume afterwards."""
    writer, other = persistent_stores(write_timeout=0.5), persistent_stores()
    writer["items"] = [1]
    _converged(writer, other)
    persistent.stop()
    with pytest.raises(BackendUnavailable, match="unreachable"):
        writer["items"].append(2)
    with pytest.raises(BackendUnavailable), writer.batch():
        writer["items"].append(3)
        writer["fresh"] = True
    assert writer["items"] == [1] and "fresh" not in writer
    assert writer.journal.version == 1
    persistent.start()
    writer["items"].append(4)
    _converged(writer, other)
    assert other["items"] == [1, 4]


@pytest.mark.parametrize("crash", [False, True], ids=["graceful", "crash"])
def test_a_restart_with_persistence_keeps_the_log(
    persistent_stores: StoreFactory,
    persistent: RedisServer,
    crash: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = persistent_stores(), persistent_stores()
    first["log"] = list(range(5))
    _converged(first, second)
    second["log"].append("before")
    _converged(first, second)
    epoch = _client(persistent).get("{observable:test}:epoch")
    persistent.restart(crash=crash)
    with caplog.at_level(logging.WARNING, logger="observable.backends"):
        second["log"].append("after")
        _converged(first, second)
    assert _client(persistent).get("{observable:test}:epoch") == epoch
    assert "re-seeded" not in caplog.text
    assert first["log"] == [*range(5), "before", "after"]
    _converged(first, second, persistent_stores())


def test_a_restart_without_persistence_is_detected_and_reseeded(
    stores: StoreFactory, server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Guarantee 6: the epoch is gone, a replica re-seeds, nothing is reset to empty."""
    first, second = stores(**_WIPES), stores(**_WIPES)
    first["log"] = [1, 2]
    second["tags"] = {"a"}
    _converged(first, second)
    expected = plain_value(first)
    with caplog.at_level(logging.WARNING, logger="observable.backends"):
        server.restart(persist=False)
        wait_for(
            lambda: _client(server).get("{observable:test}:epoch") is not None,
            "a replica to re-seed",
        )
        _converged(first, second)
    assert "re-seeded" in caplog.text
    assert plain_value(first) == expected
    late = stores()
    assert plain_value(late) == expected  # a new replica loads the re-seeded state
    late["log"].append(3)
    _converged(first, second, late)
    assert second["log"] == [1, 2, 3]


def test_a_fresh_replica_on_a_wiped_server_does_not_empty_the_others(
    stores: StoreFactory, server: RedisServer
) -> None:
    first = stores(**_WIPES)
    first["log"] = list(range(10))
    _client(server).flushall()  # every key gone, connections intact
    fresh = stores(**_WIPES)  # claims a re-seed with nothing; the older replica wins
    wait_for(lambda: fresh.get("log") == list(range(10)), "the older replica to supersede it")
    _converged(first, fresh)


def test_a_server_that_lost_recent_writes_is_reseeded_from_the_replicas(
    stores: StoreFactory, server: RedisServer
) -> None:
    first, second = stores(**_WIPES), stores(**_WIPES)
    first["log"] = []
    for number in range(10):
        first["log"].append(number)
    _converged(first, second)
    client = _client(server)
    client.set("{observable:test}:seq", 6)  # as if the last four writes were never saved
    client.xtrim("{observable:test}:log", minid="7-0")
    client.xtrim("{observable:test}:log", maxlen=3)
    wait_for(lambda: int(client.get("{observable:test}:seq") or 0) == 11, "a re-seed")
    _converged(first, second)
    assert second["log"] == list(range(10))
    second["log"].append(10)
    _converged(first, second)


def test_a_replica_that_fell_behind_the_trimmed_log_reloads(stores: StoreFactory) -> None:
    writer = stores(compact_every=20)
    lagging = stores(compact_every=20)
    writer["log"] = []
    _converged(writer, lagging)
    with lagging.journal.lock:  # its reader can read, but not apply
        for number in range(200):
            writer["log"].append(number)
    _converged(writer, lagging)
    assert lagging["log"] == list(range(200))
    with pytest.raises(JournalTruncated):
        lagging.journal.since(1)  # reloaded from a snapshot, not replayed from 1

    backend = lagging.backend
    assert isinstance(backend, RedisBackend)
    backend._shutdown_threads()  # no reader now: only taking the lock can catch up
    for number in range(200, 400):
        writer["log"].append(number)
    with lagging.lock("log"):
        assert lagging["log"] == list(range(400))
        lagging["log"].append("caught up")
    wait_for(lambda: writer.get("log", [None])[-1] == "caught up", "the writer to hear of it")


def test_unencodable_values_leave_nothing_behind(stores: StoreFactory, server: RedisServer) -> None:
    """Bad input: a clear error, the local value rolled back, nothing in Redis."""
    writer, reader = stores(), stores()
    writer["cart"] = {"items": ["apple"]}
    _converged(writer, reader)
    length = _client(server).xlen("{observable:test}:log")
    with pytest.raises(CodecError, match=r"Opaque.*register_type\(Opaque\)"):
        writer["cart"]["items"].append(Opaque())
    with pytest.raises(CodecError), writer.batch():
        writer["cart"]["items"].append("pear")
        writer["cart"]["owner"] = Opaque()
    assert writer["cart"] == {"items": ["apple", "pear"]}
    assert _client(server).xlen("{observable:test}:log") == length + 1
    _converged(writer, reader)


def test_a_retried_commit_is_not_written_twice(stores: StoreFactory, server: RedisServer) -> None:
    store = stores()
    backend = store.backend
    assert isinstance(backend, RedisBackend)
    store["k"] = 0
    text = backend.codec.encode_change(
        Change(2, (), "setitem", ("k", 1), ("item", "k", 0, 1), None)
    )
    args = [backend._epoch, "1", "2", "commit-x", 1, "2-0", 1, "[" + text + "]"]
    keys = ["{observable:test}:seq", "{observable:test}:log"]
    keys += ["{observable:test}:epoch", "{observable:test}:snapver", "{observable:test}:turn"]
    assert backend._script("commit", keys, args)[0] == b"ok"
    assert backend._script("commit", keys, args)[0] == b"ok"  # the reply was lost: retry
    assert backend._script("commit", keys, [*args[:3], "commit-y", *args[4:]])[0] == b"behind"
    assert _client(server).get("{observable:test}:seq") == b"2"
    wait_for(lambda: store.get("k") == 1, "the commit to arrive through the stream")


def test_a_writer_that_keeps_losing_gets_the_next_turn(
    stores: StoreFactory, server: RedisServer
) -> None:
    """Fairness: while a starving writer holds the turn, others' commits wait for it."""
    first, second = stores(), stores()
    first["k"] = 0
    _converged(first, second)
    backend = second.backend
    assert isinstance(backend, RedisBackend)
    backend._turn_lease_ms = 120_000  # the turn outlives any delay of this test
    assert backend._take_turn()  # as after TURN_AFTER conflicts in a row
    client = _client(server)
    assert client.get("{observable:test}:turn") == backend._replica.encode()
    writer = threading.Thread(target=lambda: first.__setitem__("k", 1))
    writer.start()  # refused ("turn") and backing off while the turn is held
    second["k"] = 2  # the turn holder commits, which ends its turn
    writer.join(timeout=60)
    assert not writer.is_alive()
    assert client.get("{observable:test}:turn") is None
    _converged(first, second)
    assert [change.args[1] for change in first.journal][-2:] == [2, 1]


def test_a_commit_whose_reply_is_lost_is_neither_lost_nor_doubled(stores: StoreFactory) -> None:
    """Guarantees 3 and 4 when the connection drops after Redis ran the commit."""
    writer, other = stores(write_timeout=0.3), stores()
    writer["log"] = []
    _converged(writer, other)
    backend = writer.backend
    assert isinstance(backend, RedisBackend)
    real = backend._scripts["commit"]
    attempts: list[int] = []

    def reply_lost_once(**kwargs: Any) -> Any:
        attempts.append(1)
        result = real(**kwargs)
        if len(attempts) == 1:
            raise redis.ConnectionError("connection reset after the script ran")
        return result

    backend._scripts["commit"] = reply_lost_once
    writer["log"].append("once")  # the retry recognises its own commit
    assert len(attempts) == 2 and writer["log"] == ["once"]

    def ran_then_unreachable(**kwargs: Any) -> Any:
        if not attempts or attempts[-1] != 0:
            attempts.append(0)
            real(**kwargs)
        raise redis.ConnectionError("unreachable")

    backend._scripts["commit"] = ran_then_unreachable
    with pytest.raises(BackendUnavailable):
        writer["log"].append("maybe")  # rolled back here, but Redis has it...
    backend._scripts["commit"] = real
    _converged(writer, other)  # ...so it arrives back through the stream, once
    assert writer["log"] == other["log"] == ["once", "maybe"]


def test_store_names_isolate_and_options_are_parsed(
    stores: StoreFactory, server: RedisServer
) -> None:
    chat, board = stores("chat"), stores("board", compact_every=7, lock_lease=3, block=0.2)
    chat["x"] = 1
    board["x"] = 2
    _converged(chat, stores("chat"))
    assert chat["x"] == 1 and board["x"] == 2
    backend = board.backend
    assert isinstance(backend, RedisBackend)
    assert (backend.compact_every, backend.lock_lease, backend.block) == (7, 3.0, 0.2)
    assert backend.prefix == "{observable:board}"
    assert "store=" not in backend.url
    with pytest.raises(ValueError, match="braces"):
        RedisBackend(server.url, store="a}b")


def test_an_unreachable_server_fails_fast_and_clearly() -> None:
    from tests.support.environment import free_loopback_port

    url = f"redis://127.0.0.1:{free_loopback_port()}/0?write_timeout=0.2"
    with pytest.raises(BackendUnavailable, match="cannot reach Redis"):
        Store(url)


def _log_items(store: Store) -> Counter[tuple[int, int]]:
    return Counter((writer, number) for writer, number in store["log"])


@pytest.mark.timeout(300)
def test_three_writer_processes_make_100000_changes_under_locks(server: RedisServer) -> None:
    """Guarantees 1-4 with real processes: same value everywhere, nothing lost or doubled."""
    url = f"{server.url}?store=scale&lock_lease=5"
    totals = [33_334, 33_333, 33_333]
    watcher = Store(url)
    try:
        with workers() as started:
            for number, total in enumerate(totals):
                started.append(Worker("redis", url, str(number), str(total), "250"))
            for worker in started:
                worker.expect("ready")
            for worker, total in zip(started, totals, strict=True):
                assert worker.expect("done", timeout=240) == f"done {total}"
            head = int(_client(server).get("{observable:scale}:seq") or 0)
            assert head == sum(totals) + 4  # + "log" and three "solo" keys created
            digests = set()
            for worker in started:
                worker.send(f"converge {head}")
            for worker in started:
                digests.add(worker.expect("digest").split(maxsplit=1)[1])
            wait_for(lambda: watcher.journal.version == head, "the watcher to catch up", 60)
            late = Store(url)
            try:
                from tests.support.backend_worker import digest

                digests.add(" ".join(map(str, digest(watcher))))
                digests.add(" ".join(map(str, digest(late))))
                assert len(digests) == 1, digests
                items = _log_items(late)
                solo = Counter(
                    (writer, number) for writer in range(3) for number in late[f"solo{writer}"]
                )
                assert set(items.values()) == {1} and set(solo.values()) == {1}
                everything = set(items) | set(solo)
                assert everything == {
                    (writer, number)
                    for writer, total in enumerate(totals)
                    for number in range(total)
                }
                if watcher.journal.oldest_retained <= head - 999:
                    assert [c.seq for c in watcher.journal.since(head - 1000)] == list(
                        range(head - 999, head + 1)
                    )
                else:
                    # The watcher fell behind the trimmed log and reloaded the snapshot (a
                    # loaded machine): asking for what it skipped must say so, never a gap.
                    with pytest.raises(JournalTruncated):
                        watcher.journal.since(head - 1000)
            finally:
                late.backend.close()
    finally:
        watcher.backend.close()


@pytest.mark.timeout(300)
def test_a_killed_replica_restarts_and_catches_up_from_snapshot_and_stream(
    server: RedisServer,
) -> None:
    url = f"{server.url}?store=crash&lock_lease=1&compact_every=500"
    with workers() as started:
        survivors = [Worker("redis", url, str(number), "12000", "100") for number in (0, 1)]
        victim = Worker("redis", url, "2", "1000000", "100")
        started.extend([*survivors, victim])
        for worker in started:
            worker.expect("ready")
        victim.expect("acked", timeout=60)
        for _ in range(20):
            victim.expect("acked", timeout=60)
        victim.kill()  # possibly holding the lock: its lease expires, the others go on
        line = victim.last("acked")
        assert line is not None
        acked = int(line.split()[1])
        for worker in survivors:
            assert worker.expect("done", timeout=240) == "done 12000"
        restarted = Worker("redis", url, "2", "0", "100")
        started.append(restarted)
        ready_at = int(restarted.expect("ready").split()[1])
        client = _client(server)
        head = int(client.get("{observable:crash}:seq") or 0)
        assert 0 < int(client.get("{observable:crash}:snapver") or 0) <= ready_at <= head
        for worker in [*survivors, restarted]:
            worker.send(f"converge {head}")
        digests = {
            worker.expect("digest").split(maxsplit=1)[1] for worker in [*survivors, restarted]
        }
        assert len(digests) == 1, digests
    check = Store(url)
    try:
        mine = sorted(number for writer, number in check["log"] if writer == 2)
        mine += list(check["solo2"])
        mine.sort()
        # Every acknowledged change is there; the batch in flight is all there or absent.
        assert mine == list(range(len(mine)))
        assert acked <= len(mine) <= acked + 100
    finally:
        check.backend.close()
