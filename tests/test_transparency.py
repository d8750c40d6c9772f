"""Proxies look and behave like the values they wrap."""

from __future__ import annotations

import collections
import copy
import dataclasses
import gc
import json
import pickle
import weakref
from typing import Any

import pytest

import observable
from observable import is_observed, journal_of, observe, path_of, snapshot, unwrap


@dataclasses.dataclass
class Point:
    x: int
    tags: list[str] = dataclasses.field(default_factory=list)


def test_isinstance_equality_len_iteration_and_repr_match_the_wrapped_value() -> None:
    value = {"a": [1, 2], "b": {"c": 3}}
    proxy = observe(copy.deepcopy(value))
    assert isinstance(proxy, dict)
    assert isinstance(proxy["a"], list)
    assert proxy == value and value == proxy
    assert proxy != {"a": []}
    assert len(proxy) == 2
    assert "a" in proxy and "z" not in proxy
    assert list(proxy) == ["a", "b"]
    assert repr(proxy) == repr(value)
    assert str(proxy["a"]) == "[1, 2]"
    assert bool(observe([])) is False
    assert proxy["a"] < [1, 3] and proxy["a"] >= [1, 2]
    assert proxy["a"] + [3] == [1, 2, 3] and [0] + proxy["a"] == [0, 1, 2]
    assert list(reversed(proxy["a"])) == [2, 1]
    assert observe({1, 2}) | {3} == {1, 2, 3}
    assert proxy | {"z": 0} == {**value, "z": 0}


def test_hash_follows_the_wrapped_value() -> None:
    point = observe(Point(1))
    assert hash(point) == hash(unwrap(point)) if Point.__hash__ else True
    with pytest.raises(TypeError):
        hash(observe([1]))
    assert hash(observe((1, 2))) == hash((1, 2))


def test_children_are_cached_per_journal_and_freed_when_unused() -> None:
    proxy = observe({"a": {"b": []}, "c": {}})
    assert proxy["a"] is proxy["a"]
    assert proxy["a"]["b"] is proxy["a"]["b"]
    child = weakref.ref(proxy["a"])
    assert is_observed(child())
    # The most recently used child stays cached; using another one frees the first.
    assert child() is not None
    _ = proxy["c"]
    gc.collect()
    assert child() is None
    assert list(observable.journal_of(proxy).nodes) == [id(unwrap(proxy)["c"])]


def test_immutable_scalars_and_unproxyable_values_come_back_raw() -> None:
    import array

    proxy = observe({"n": 1, "s": "x", "none": None, "arr": array.array("i", [1])})
    assert type(proxy["n"]) is int
    assert type(proxy["s"]) is str
    assert type(proxy["arr"]) is array.array
    assert observe(5) == 5 and not is_observed(observe(5))


def test_copy_deepcopy_and_pickle_give_plain_values() -> None:
    proxy = observe({"a": [1, {"b": 2}], "p": Point(1, ["t"])})
    for result in (copy.copy(proxy), copy.deepcopy(proxy), pickle.loads(pickle.dumps(proxy))):
        assert not is_observed(result)
        assert type(result) is dict
        assert result == proxy
    deep = copy.deepcopy(proxy)
    assert deep["a"] is not unwrap(proxy)["a"]
    assert snapshot(proxy) == proxy and not is_observed(snapshot(proxy)["p"])
    assert type(pickle.loads(pickle.dumps(proxy["p"]))) is Point


def test_json_dumps_with_unwrap_as_default() -> None:
    proxy = observe({"a": [1, {"b": None}]})
    assert json.dumps(proxy, default=unwrap) == '{"a": [1, {"b": null}]}'
    assert json.dumps(proxy["a"], default=unwrap) == '[1, {"b": null}]'


def test_observing_again_never_double_wraps() -> None:
    proxy = observe([1])
    assert observe(proxy) is proxy
    assert unwrap(unwrap(proxy)) == [1] and type(unwrap(proxy)) is list
    with pytest.raises(ValueError, match="another journal"):
        observe(proxy, observable.Journal())


def test_storing_a_proxy_stores_the_plain_value() -> None:
    first = observe({"items": [1]})
    second = observe({})
    second["copy"] = first["items"]
    assert type(unwrap(second)["copy"]) is list
    assert unwrap(second)["copy"] is unwrap(first)["items"]


def test_aliased_child_reports_the_path_it_was_mutated_through() -> None:
    shared: list[int] = []
    journal = observable.Journal()
    proxy = observe({"left": shared, "right": shared}, journal)
    proxy["left"].append(1)
    proxy["right"].append(2)
    assert [change.path for change in journal.since(0)] == [("left",), ("right",)]


def test_list_indices_are_resolved_at_the_moment_of_mutation() -> None:
    journal = observable.Journal()
    rows = observe([{"n": 0}, {"n": 1}], journal)
    second = rows[1]
    rows.insert(0, {"n": -1})
    second["n"] = 10
    del rows[0]
    second["n"] = 11
    assert [change.path for change in journal.since(0)][1:] == [(2,), (), (1,)]
    assert path_of(second) == (1,)


def test_a_detached_child_records_nothing() -> None:
    journal = observable.Journal()
    proxy = observe({"a": [1]}, journal)
    old = proxy["a"]
    proxy["a"] = []
    version = journal.version
    old.append(2)
    assert journal.version == version
    assert path_of(old) is None


def test_cycles_do_not_recurse_forever() -> None:
    journal = observable.Journal()
    items = observe([], journal)
    items.append(items)
    items[0][0][0].append(1)
    # One object has one proxy: its path is the shortest route it was reached by.
    assert journal.since(0)[-1].path == (0,)
    assert repr(items) == "[[...], 1]"
    assert snapshot(items)[0] is not unwrap(items)


def test_objects_dataclasses_slots_and_properties() -> None:
    class Slotted:
        __slots__ = ("value",)

        def __init__(self) -> None:
            self.value = 0

    class Temperature:
        def __init__(self) -> None:
            self._celsius = 0.0

        @property
        def celsius(self) -> float:
            return self._celsius

        @celsius.setter
        def celsius(self, value: float) -> None:
            self._celsius = max(value, -273.15)

    journal = observable.Journal()
    root = observe({"point": Point(1), "slot": Slotted(), "temp": Temperature()}, journal)
    root["point"].x = 2
    root["point"].tags.append("t")
    root["slot"].value = 5
    root["temp"].celsius = 21.5
    del root["point"].x
    ops = [(change.path, change.op, change.args) for change in journal.since(0)]
    assert ops == [
        (("point",), "setattr", ("x", 2)),
        (("point", "tags"), "append", ("t",)),
        (("slot",), "setattr", ("value", 5)),
        # The property's own setter ran on the proxy: what it stored is what is recorded.
        (("temp",), "setattr", ("_celsius", 21.5)),
        (("point",), "delattr", ("x",)),
    ]
    assert isinstance(root["point"], Point)


def test_methods_of_user_classes_run_against_the_proxy() -> None:
    class Inbox:
        def __init__(self) -> None:
            self.messages: list[str] = []

        def receive(self, text: str) -> None:
            self.messages.append(text)

    class Names(list[str]):
        def add_twice(self, name: str) -> None:
            self.append(name)
            self.append(name)

    journal = observable.Journal()
    root = observe({"inbox": Inbox(), "names": Names()}, journal)
    root["inbox"].receive("hi")
    root["names"].add_twice("x")
    # A method of a list subclass runs on the list itself (so ``super()`` works) and is
    # recorded as the one change it made.
    assert [(change.path, change.op) for change in journal.since(0)] == [
        (("inbox", "messages"), "append"),
        (("names",), "add_twice"),
    ]
    assert root["names"] == ["x", "x"]


def test_tuples_and_frozensets_track_their_mutable_members() -> None:
    journal = observable.Journal()
    root = observe({"pair": ([1], {"k": 0}), "frozen": frozenset({Point.__name__})}, journal)
    root["pair"][0].append(2)
    root["pair"][1]["k"] = 1
    assert [change.path for change in journal.since(0)] == [("pair", 0), ("pair", 1)]
    assert isinstance(root["pair"], tuple)


def test_named_tuple_fields_are_tracked() -> None:
    Pair = collections.namedtuple("Pair", "left right")
    journal = observable.Journal()
    root = observe({"pair": Pair([], [])}, journal)
    root["pair"].left.append(1)
    assert journal.since(0)[0].path == ("pair", 0)


def test_members_of_sets_are_observed_with_a_member_path() -> None:
    class Tag:
        def __init__(self) -> None:
            self.label = "x"

    journal = observable.Journal()
    root = observe({"tags": {Tag()}}, journal)
    for tag in root["tags"]:
        tag.label = "y"
    (change,) = journal.since(0)
    assert isinstance(change.path[1], observable.Member)
    with pytest.raises(observable.PatchError, match="set member"):
        observable.to_json_patch([change])


def test_registry_teaches_observe_a_new_type_or_opts_one_out() -> None:
    class Stack(list[Any]):
        pass

    class Opaque:
        pass

    observable.register_proxy(Opaque, None)
    try:
        with pytest.warns(observable.PassesThroughRaw, match="Opaque"):
            assert not is_observed(observe(Opaque()))
        stack_proxy = observable.proxy_class_for(Stack)
        assert stack_proxy is not None
        assert issubclass(stack_proxy, observable.proxies.ObservedList)
    finally:
        observable.unregister_proxy(Opaque)
    assert is_observed(observe(Opaque()))
    with pytest.raises(TypeError, match="ObservedProxy"):
        observable.register_proxy(Opaque, dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="immutable scalar"):
        observable.register_proxy(int, observable.proxies.ObservedObject)


def test_journal_of_rejects_plain_values() -> None:
    with pytest.raises(TypeError, match="not observed"):
        journal_of([1])
