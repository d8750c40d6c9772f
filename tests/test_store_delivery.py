"""How a store delivers one change: key subscribers, watchers and journal subscribers all
get the journal's own records, in order, whichever way the change was made."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest

from observable import Change, Journal, Store, observe
from observable.effects import Attr, Item, Members, Splice


@dataclasses.dataclass
class Profile:
    name: str = ""


Heard = list[tuple[str, tuple[Change, ...]]]


def _listen(store: Store, *keys: str) -> tuple[Heard, list[tuple[Change, ...]]]:
    """Subscribe to ``keys`` and to the store's journal; return what each hears."""
    by_key: Heard = []
    for key in keys:
        store.subscribe(key, lambda key, changes: by_key.append((key, changes)))
    by_journal: list[tuple[Change, ...]] = []
    store.journal.subscribe(by_journal.append)
    return by_key, by_journal


def test_key_subscribers_get_the_journals_records_for_every_kind_of_change() -> None:
    store = Store()
    store["log"] = []
    store["table"] = {}
    store["tags"] = set()
    store["profile"] = Profile()
    start = store.journal.version
    by_key, by_journal = _listen(store, "log", "table", "tags", "profile")

    store["log"].append("hi")  # the hot mutators' entries ...
    store["table"]["a"] = 1
    store["tags"].add("x")
    store["profile"].name = "Ann"
    store["log"].extend([1, 2])  # ... and a change recorded as a Change
    store["log"] = ["new"]  # a root change, whose path is empty

    recorded = store.journal.since(start)
    assert [changes for _, changes in by_key] == [(change,) for change in recorded]
    assert [key for key, _ in by_key] == ["log", "table", "tags", "profile", "log", "log"]
    assert by_journal == [(change,) for change in recorded]
    for change in recorded:
        assert type(change) is Change
    assert [type(change.effect) for change in recorded[:4]] == [Splice, Item, Members, Attr]
    first = recorded[0]
    assert first[:5] == (start + 1, ("log",), "append", ("hi",), ("splice", 0, (), ("hi",)))
    assert first.origin is None and isinstance(first.timestamp, float)


def test_a_key_subscriber_runs_before_later_journal_subscribers() -> None:
    store = Store()
    store["log"] = []
    order: list[str] = []
    store.journal.subscribe(lambda changes: order.append("journal first"))
    store.subscribe("log", lambda key, changes: order.append("key"))
    store.journal.subscribe(lambda changes: order.append("journal second"))
    store["log"].append(1)
    assert order == ["key", "journal first", "journal second"]


def test_a_change_nobody_subscribes_to_reaches_the_journal_and_watchers() -> None:
    store = Store()
    store["quiet"] = []
    store["heard"] = []
    by_key, by_journal = _listen(store, "heard")
    watched: list[tuple[frozenset[str], tuple[Change, ...]]] = []
    store["quiet"].append(1)
    store.subscribe_all(lambda keys, changes: watched.append((keys, changes)))
    store["quiet"].append(2)
    assert by_key == []
    assert by_journal == [(change,) for change in store.journal.since(2)]
    assert watched == [(frozenset({"quiet"}), store.journal.since(3))]


def test_watchers_get_single_changes_with_key_subscribers() -> None:
    store = Store()
    store["log"] = []
    by_key, _ = _listen(store, "log")
    watched: list[tuple[frozenset[str], tuple[Change, ...]]] = []
    store.subscribe_all(lambda keys, changes: watched.append((keys, changes)))
    store["log"].append(1)
    (change,) = store.journal.since(1)
    assert by_key == [("log", (change,))]
    assert watched == [(frozenset({"log"}), (change,))]


def test_a_batch_of_one_change_and_a_raising_watcher(caplog: pytest.LogCaptureFixture) -> None:
    store = Store()
    store["log"] = []
    by_key, by_journal = _listen(store, "log")
    watched: list[tuple[frozenset[str], tuple[Change, ...]]] = []

    def broken(keys: frozenset[str], changes: object) -> None:
        raise RuntimeError("watcher bug")

    store.subscribe_all(broken)
    store.subscribe_all(lambda keys, changes: watched.append((keys, changes)))
    with caplog.at_level(logging.ERROR, logger="observable"), store.batch():
        store["log"].append(1)
    (change,) = store.journal.since(1)
    assert by_key == [("log", (change,))] and by_journal == [(change,)]
    assert watched == [(frozenset({"log"}), (change,))]
    assert "watcher bug" in caplog.text


def test_silent_changes_skip_store_subscribers_but_not_journal_subscribers() -> None:
    store = Store()
    store["log"] = []
    by_key, by_journal = _listen(store, "log")
    watched: list[frozenset[str]] = []
    store.subscribe_all(lambda keys, changes: watched.append(keys))
    with store.silent():
        store["log"].append(1)
        store["log"].extend([2])
    assert by_key == [] and watched == []
    assert by_journal == [(change,) for change in store.journal.since(1)]
    store["log"].append(3)
    assert by_key == [("log", store.journal.since(3))]


def test_a_batch_notifies_each_key_once_with_its_changes() -> None:
    store = Store()
    store["log"] = []
    store["table"] = {}
    by_key, by_journal = _listen(store, "log", "table")
    with store.batch():
        store["log"].append(1)
        store["table"]["a"] = 1
        store["log"].append(2)
        assert by_key == [] and by_journal == []
    first, second, third = store.journal.since(2)
    assert by_key == [("log", (first, third)), ("table", (second,))]
    assert by_journal == [(first, second, third)]


def test_a_raising_key_subscriber_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store()
    store["log"] = []

    def broken(key: str, changes: object) -> None:
        raise RuntimeError("key subscriber bug")

    store.subscribe("log", broken)
    by_key, by_journal = _listen(store, "log")
    with caplog.at_level(logging.ERROR, logger="observable"):
        store["log"].append(1)
    assert store["log"] == [1] and store.journal.version == 2
    assert by_key == [("log", store.journal.since(1))]
    assert by_journal == [store.journal.since(1)]
    assert "key subscriber bug" in caplog.text


def test_a_top_level_key_holding_the_room_mark_is_read_as_itself() -> None:
    store = Store()
    for key in ("a\x1fb", "\x1f", "plain"):
        store[key] = [key]
        store[key].append(1)
        assert store[key] == [key, 1]
    assert sorted(store.keys()) == sorted(["a\x1fb", "\x1f", "plain"])
    with pytest.raises(KeyError):
        _ = store["missing\x1f"]


# -- the journal's routed subscriber --------------------------------------------------------
def _routed(journal: Journal) -> tuple[list[Any], list[tuple[Change, ...]]]:
    """Subscribe a route that records what it is given and builds nothing."""
    routed: list[Any] = []
    batched: list[tuple[Change, ...]] = []

    def route(entry: Any) -> Any:
        routed.append(entry)
        return entry

    journal.subscribe_routed(batched.append, route)
    return routed, batched


def test_a_route_gets_single_changes_and_its_subscriber_gets_batches() -> None:
    journal = Journal()
    routed, batched = _routed(journal)
    later: list[tuple[Change, ...]] = []
    journal.subscribe(later.append)
    items = observe([], journal)
    items.append(1)
    items.extend([2])
    with journal.batch():
        items.append(3)
    assert [entry[0] for entry in routed] == [1, 2]  # seq comes first in both forms
    assert batched == [journal.since(2)]
    assert later == [(change,) for change in journal.since(0)[:2]] + [journal.since(2)]


def test_a_raising_route_is_logged_and_later_subscribers_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal = Journal()

    def route(entry: Any) -> Any:
        raise RuntimeError("route bug")

    journal.subscribe_routed(lambda changes: None, route)
    later: list[tuple[Change, ...]] = []
    journal.subscribe(later.append)
    items = observe([], journal)
    with caplog.at_level(logging.ERROR, logger="observable"):
        items.append(1)
    assert later == [journal.since(0)] and "route bug" in caplog.text


def test_a_routed_subscriber_must_come_first_and_can_leave() -> None:
    journal = Journal()
    journal.subscribe(lambda changes: None)
    with pytest.raises(RuntimeError, match="first"):
        journal.subscribe_routed(lambda changes: None, lambda entry: entry)
    with pytest.raises(TypeError, match="callable"):
        Journal().subscribe_routed(lambda changes: None, 42)  # type: ignore[arg-type]

    journal = Journal()
    routed: list[Any] = []

    def route(entry: Any) -> Any:
        routed.append(entry)
        return entry

    leave = journal.subscribe_routed(lambda changes: None, route)
    later: list[tuple[Change, ...]] = []
    stop_later = journal.subscribe(later.append)
    items = observe([], journal)
    items.append(1)
    stop_later()
    items.append(2)
    leave()
    items.append(3)
    assert len(routed) == 2 and later == [journal.since(0)[:1]]
    assert not journal.subscribed
    again: list[tuple[Change, ...]] = []
    journal.subscribe(again.append)
    items.append(4)
    assert again == [journal.since(3)] and len(routed) == 2
