"""The store: keys, attributes, per-key locks and subscriptions, rooms, views and backends."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from observable import (
    MISSING,
    BackendUnavailable,
    Change,
    Conflict,
    Journal,
    MemoryBackend,
    ReadOnlyError,
    Store,
    apply,
    keys_of,
    observe,
    origin,
    readonly,
)


def test_keys_by_item_and_attribute() -> None:
    store = Store()
    store["count"] = 1
    store.messages = []
    store.messages.append("hi")
    assert store.count == 1 and store["messages"] == ["hi"]
    assert "count" in store and "nope" not in store and 3 not in store
    assert sorted(store) == ["count", "messages"] and len(store) == 2
    assert store.get("nope", 5) == 5
    assert store.setdefault("fresh", []) == [] and store.fresh == []
    with pytest.raises(AttributeError, match="no key"):
        _ = store.missing


def test_every_change_carries_its_key() -> None:
    store = Store()
    store["rooms"] = {"general": {"messages": []}}
    store["rooms"]["general"]["messages"].append("hi")
    del store["rooms"]
    assert [keys_of(change) for change in store.journal.since(0)] == [
        ("rooms",),
        ("rooms",),
        ("rooms",),
    ]


def test_delete_any_existing_key_and_missing_key_raises() -> None:
    store = Store()
    store["a"] = 1
    store.b = [1]
    del store["a"]
    del store.b
    assert len(store) == 0
    with pytest.raises(KeyError):
        del store["a"]
    with pytest.raises(AttributeError):
        del store.b


@pytest.mark.parametrize("key", [1, None, ("a",), b"a"])
def test_non_string_keys_are_a_type_error(key: Any) -> None:
    store = Store()
    with pytest.raises(TypeError, match="store keys must be str"):
        store[key] = 1
    with pytest.raises(TypeError, match="store keys must be str"):
        _ = store[key]


def test_subscriptions_are_per_key() -> None:
    store = Store()
    store.update_me = []
    store.other = []
    seen: list[tuple[str, list[str]]] = []
    unsubscribe = store.subscribe(
        "update_me", lambda key, changes: seen.append((key, [c.op for c in changes]))
    )
    store.update_me.append(1)
    store.other.append(1)
    store["update_me"] = [2]
    unsubscribe()
    store.update_me.append(3)
    assert seen == [("update_me", ["append"]), ("update_me", ["setitem"])]


def test_silent_mutates_without_notifying_and_touch_notifies_without_change() -> None:
    store = Store()
    store.log = []
    seen: list[tuple[str, int]] = []
    store.subscribe("log", lambda key, changes: seen.append((key, len(changes))))
    with store.silent():
        store.log.append(1)
    assert store.log == [1] and seen == []
    assert store.journal.version == 2  # still journaled
    store.touch("log")
    assert seen == [("log", 0)]


def test_origin_is_recorded_on_store_changes() -> None:
    store = Store()
    with origin("session-1"):
        store.count = 1
    assert store.journal.since(0)[0].origin == "session-1"


def test_lock_is_reentrant_and_per_key() -> None:
    store = Store()
    store.count = 0
    with store.lock("count"), store.lock("count"):
        store.count += 1
    assert store.lock("count") is store.lock("count")
    assert store.lock("count") is not store.lock("other")

    def bump() -> None:
        for _ in range(1_000):
            with store.lock("count"):
                store.count += 1

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count == 4_001


def test_rooms_namespace_keys_and_can_be_listed_and_removed() -> None:
    store = Store()
    general = store.room("general")
    general.messages = ["hi"]
    store.room("random").messages = []
    store.top = 1
    assert store.keys() == ["top"]
    assert store.rooms() == ["general", "random"]
    assert general.keys() == ["messages"] and general.messages == ["hi"]
    assert store.room("general").messages is general.messages
    seen: list[str] = []
    general.subscribe("messages", lambda key, changes: seen.append(key))
    general.messages.append("again")
    assert seen == ["messages"]
    store.remove_room("general")
    assert store.rooms() == ["random"] and "messages" not in general


ODD_KEYS = ["a/b", "room_team/blue", "/", "", "\x1f", "\x1f\x1fx", "\x1f1:a\x1fb", "1:a", "é/ü"]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_every_string_is_a_key_at_every_level(key: str) -> None:
    store = Store()
    store[key] = [key]
    store.room(key)[key] = ["room", key]
    store.room(key).room(key)[key] = ["nested", key]
    store.room("x")[key] = ["x", key]
    assert store[key] == [key] and key in store and store.keys() == [key]
    assert store.room(key)[key] == ["room", key] and store.room(key).keys() == [key]
    assert store.room(key).room(key)[key] == ["nested", key]
    assert sorted(store.rooms()) == sorted({key, "x"})
    assert store.room(key).rooms() == [key]
    store.remove_room(key)
    assert store.keys() == [key] and store.rooms() == ["x"] and store[key] == [key]


def test_room_names_and_keys_never_collide() -> None:
    store = Store()
    pairs = [((), "a/b"), (("a",), "b"), (("a/b",), ""), (("a", "b"), ""), (("",), "a/b")]
    for rooms, key in pairs:
        view = store
        for name in rooms:
            view = view.room(name)
        view[key] = (rooms, key)
    assert len(store.journal.since(0)) == len(pairs)
    for rooms, key in pairs:
        view = store
        for name in rooms:
            view = view.room(name)
        assert view[key] == (rooms, key)
        assert view.keys() == [key]


def test_items_values_and_keys_read_like_a_mapping() -> None:
    store = Store()
    store.a = [1]
    store["b/c"] = 2
    store.room("r").hidden = 3
    assert store.keys() == ["a", "b/c"]
    assert store.values() == [[1], 2]
    assert store.items() == [("a", [1]), ("b/c", 2)]
    store.items()[0][1].append(2)  # values come back observed
    assert store.a == [1, 2] and store.journal.version == 4


def test_readonly_store_and_views_refuse_every_mutation() -> None:
    store = Store()
    store.board = {"todo": [{"title": "write", "tags": {"a"}}]}
    spectator = store.readonly()
    assert spectator.board == store.board
    card = spectator.board["todo"][0]
    attempts = [
        lambda: spectator.__setitem__("board", {}),
        lambda: spectator.__delitem__("board"),
        lambda: setattr(spectator, "board", {}),
        lambda: spectator.board.__setitem__("done", []),
        lambda: spectator.board["todo"].append({}),
        lambda: card.update(title="x"),
        lambda: card["tags"].add("b"),
        lambda: card.pop("title"),
        lambda: spectator.board["todo"].__iadd__([1]),
        lambda: spectator.room("x").__setitem__("k", 1),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyError):
            attempt()
    assert store.journal.version == 1
    assert list(spectator.board["todo"]) == [{"title": "write", "tags": {"a"}}]


def test_readonly_proxy_binds_methods_to_the_view() -> None:
    class Counter:
        def __init__(self) -> None:
            self.value = 0

        def bump(self) -> None:
            self.value += 1

    view = readonly(observe(Counter()))
    assert view.value == 0
    with pytest.raises(ReadOnlyError):
        view.bump()


def test_commit_hook_refusal_rolls_back_every_kind_of_change() -> None:
    journal = Journal()
    root = observe({"items": [1, 2], "names": {"a"}, "info": {"k": 1}}, journal)

    class Refusing:
        def commit(self, change: Change) -> None:
            raise BackendUnavailable("backend down")

        def catch_up(self) -> None:
            raise AssertionError("never asked to catch up")

    journal.attach_gate(Refusing())
    operations = [
        lambda: root["items"].append(3),
        lambda: root["items"].pop(0),
        lambda: root["items"].sort(reverse=True),
        lambda: root["names"].add("b"),
        lambda: root["info"].__setitem__("k", 2),
        lambda: root["info"].update(z=1),
        lambda: root.__delitem__("items"),
    ]
    for operation in operations:
        with pytest.raises(BackendUnavailable):
            operation()
    assert root == {"items": [1, 2], "names": {"a"}, "info": {"k": 1}}
    assert journal.version == 0


def test_conflict_catches_up_and_runs_the_operation_again() -> None:
    journal = Journal()
    items = observe([], journal)
    remote = [Change(1, (), "append", ("remote",), ("splice", 0, (), ("remote",)), "elsewhere")]
    committed: list[Change] = []

    held_during_catch_up: list[bool] = []

    class Gate:
        def commit(self, change: Change) -> None:
            if remote:
                raise Conflict("behind")
            committed.append(change)

        def catch_up(self) -> None:
            held_during_catch_up.append(journal.lock._is_owned())  # type: ignore[attr-defined]
            with journal.lock:
                for change in remote:
                    apply(items.__wrapped__, [change])
                    journal.append_existing(change)
                remote.clear()

    journal.attach_gate(Gate())
    items.append("local")
    assert held_during_catch_up == [False]
    assert items == ["remote", "local"]
    assert [change.seq for change in journal.since(0)] == [1, 2]
    assert committed[0].effect == ("splice", 1, (), ("local",))


def test_store_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVABLE_STORE_URL", "memory://")
    assert type(Store().backend).__name__ == "MemoryBackend"
    monkeypatch.setenv("OBSERVABLE_STORE_URL", "nosuch://x")
    with pytest.raises(ValueError, match="unknown store URL scheme 'nosuch'"):
        Store()


def test_missing_marker_is_stable() -> None:
    import copy
    import pickle

    assert copy.deepcopy(MISSING) is MISSING
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_a_codec_given_in_code_reaches_the_backend_a_url_names(tmp_path: Path) -> None:
    from observable.backends.codec import Codec

    codec = Codec(allow_pickle=True)
    store = Store(f"sqlite:///{tmp_path / 'state.db'}", codec=codec)
    try:
        assert store.backend.codec is codec  # type: ignore[attr-defined]
    finally:
        store.backend.close()
    with pytest.raises(ValueError, match="give the codec to the backend"):
        Store(MemoryBackend(), codec=codec)
    with pytest.raises(ValueError, match="pickle"):
        Store(f"sqlite:///{tmp_path / 'other.db'}?pickle=1")


def test_one_unsubscribe_removes_one_subscription_of_the_same_callback() -> None:
    store = Store()
    store["log"] = []
    heard: list[str] = []

    def listen(key: str, changes: Any) -> None:
        heard.append(key)

    first = store.subscribe("log", listen)
    store.subscribe("log", listen)
    store["log"].append(1)
    assert heard == ["log", "log"]
    first()
    first()  # a second call changes nothing
    store["log"].append(2)
    assert heard == ["log", "log", "log"]
