"""The journal: numbering, retention, subscriptions, batches, origins and concurrency."""

from __future__ import annotations

import logging
import threading

import pytest

import observable
from observable import Journal, JournalTruncated, apply, observe, origin


def test_sequence_numbers_start_at_one_and_version_follows() -> None:
    journal = Journal()
    items = observe([], journal)
    assert journal.version == 0
    items.append(1)
    items.append(2)
    assert [change.seq for change in journal.since(0)] == [1, 2]
    assert journal.version == 2
    assert journal.since(2) == ()
    assert [change.args for change in journal.since(1)] == [(2,)]


def test_since_rejects_versions_from_the_future() -> None:
    with pytest.raises(ValueError, match="outside"):
        Journal().since(1)


def test_reader_that_fell_behind_retention_gets_a_clear_error() -> None:
    journal = Journal(maxlen=3)
    items = observe([], journal)
    for number in range(5):
        items.append(number)
    assert [change.seq for change in journal.since(2)] == [3, 4, 5]
    with pytest.raises(JournalTruncated, match=r"1\.\.2 were dropped"):
        journal.since(0)
    with pytest.raises(JournalTruncated):
        journal.since(1)


def test_retention_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Journal(maxlen=0)


def test_subscribers_get_each_change_and_can_unsubscribe() -> None:
    journal = Journal()
    seen: list[tuple[str, ...]] = []
    unsubscribe = journal.subscribe(lambda changes: seen.append(tuple(c.op for c in changes)))
    items = observe([], journal)
    items.append(1)
    items.extend([2, 3])
    unsubscribe()
    items.append(4)
    unsubscribe()  # a second call is harmless
    assert seen == [("append",), ("extend",)]


def test_a_failing_subscriber_is_logged_and_does_not_undo_or_block(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal = Journal()
    later: list[int] = []

    def broken(changes: object) -> None:
        raise RuntimeError("subscriber bug")

    journal.subscribe(broken)
    journal.subscribe(lambda changes: later.append(len(changes)))  # type: ignore[arg-type]
    items = observe([], journal)
    with caplog.at_level(logging.ERROR, logger="observable"):
        items.append(1)
    assert items == [1]
    assert journal.version == 1
    assert later == [1]
    assert "subscriber bug" in caplog.text


def test_subscribe_rejects_non_callables() -> None:
    with pytest.raises(TypeError, match="callable"):
        Journal().subscribe(42)  # type: ignore[arg-type]


def test_nested_batches_notify_once_at_the_outermost_exit() -> None:
    journal = Journal()
    notifications: list[list[int]] = []
    journal.subscribe(lambda changes: notifications.append([c.seq for c in changes]))
    items = observe([], journal)
    with journal.batch():
        items.append(1)
        with journal.batch():
            items.append(2)
        assert notifications == []
        assert journal.version == 2  # recorded immediately, delivered later
        items.append(3)
    assert notifications == [[1, 2, 3]]


def test_a_batch_that_raises_still_delivers_what_was_recorded() -> None:
    journal = Journal()
    notifications: list[int] = []
    journal.subscribe(lambda changes: notifications.append(len(changes)))
    items = observe([], journal)
    with pytest.raises(KeyError), journal.batch():
        items.append(1)
        raise KeyError("boom")
    assert notifications == [1]


def test_origin_is_carried_by_context_not_arguments() -> None:
    journal = Journal()
    items = observe([], journal)
    items.append(0)
    with origin("session-a"):
        items.append(1)
        assert observable.current_origin() == "session-a"
    assert [change.origin for change in journal.since(0)] == [None, "session-a"]


def test_origin_is_per_thread() -> None:
    journal = Journal(maxlen=None)
    items = observe([], journal)
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        with origin(name):
            barrier.wait()
            for _ in range(200):
                items.append(name)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(change.origin == change.args[0] for change in journal.since(0))


def test_eight_threads_lose_no_entry_and_leave_no_gap() -> None:
    journal = Journal(maxlen=None)
    root = observe({"log": [], "counts": {}, "tags": set()}, journal)
    threads_count, per_thread = 8, 10_000
    barrier = threading.Barrier(threads_count)

    def writer(number: int) -> None:
        log, counts, tags = root["log"], root["counts"], root["tags"]
        barrier.wait()
        for step in range(per_thread):
            kind = step % 3
            if kind == 0:
                log.append((number, step))
            elif kind == 1:
                counts[f"{number}-{step}"] = step
            else:
                tags.add((number, step))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    changes = journal.since(0)
    assert [change.seq for change in changes] == list(range(1, threads_count * per_thread + 1))
    total = len(root["log"]) + len(root["counts"]) + len(root["tags"])
    assert total == threads_count * per_thread
    replayed = apply({"log": [], "counts": {}, "tags": set()}, changes)
    assert replayed == root


def test_concurrent_appends_replay_in_the_order_they_happened() -> None:
    journal = Journal(maxlen=None)
    items = observe([], journal)

    def writer(number: int) -> None:
        for step in range(2_000):
            items.append((number, step))
            if step % 7 == 0:
                items.insert(0, (number, -step))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert apply([], journal.since(0)) == items
