"""Subclasses of ``UserDict``, ``UserList`` and ``UserString``, and the user's own
``MutableMapping`` and ``MutableSequence`` classes: the methods their library bases define
run bound to the proxy, so every edit they make is recorded and every child they hand out
is tracked. Plain Python on a deep copy is the oracle; the journal must replay and undo.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Iterator, MutableMapping, MutableSequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import observable
from tests.fidelity.harness import differential


class Settings(collections.UserDict):  # type: ignore[type-arg]
    """A UserDict subclass that adds nothing: every method is the library's."""


class LowerSettings(collections.UserDict):  # type: ignore[type-arg]
    """A UserDict that lower-cases text keys on every write and read."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_lower(key), value)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(_lower(key))

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(_lower(key))

    def __contains__(self, key: object) -> bool:
        return _lower(key) in self.data


class Defaulted(collections.UserDict):  # type: ignore[type-arg]
    """A UserDict whose ``__missing__`` stores a new list, as a defaultdict would."""

    def __missing__(self, key: Any) -> Any:
        self.data[key] = made = []
        return made


class Rows(collections.UserList):  # type: ignore[type-arg]
    """A UserList subclass that adds nothing."""


class CappedRows(collections.UserList):  # type: ignore[type-arg]
    """A UserList that keeps at most three items, dropping the oldest."""

    def append(self, item: Any) -> None:
        super().append(item)
        while len(self) > 3:
            del self[0]


class Name(collections.UserString):
    """A UserString subclass."""


class Registry(MutableMapping):  # type: ignore[type-arg]
    """The user's own mapping: five methods, the rest are ``MutableMapping``'s mixins."""

    def __init__(self, **items: Any) -> None:
        self.entries: dict[Any, Any] = dict(items)

    def __getitem__(self, key: Any) -> Any:
        return self.entries[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.entries[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.entries[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class Track(MutableSequence):  # type: ignore[type-arg]
    """The user's own sequence: ``append``, ``extend``, ``pop``, ``+=`` are mixins."""

    def __init__(self, *items: Any) -> None:
        self.items = list(items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        self.items[index] = value

    def __delitem__(self, index: Any) -> None:
        del self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def insert(self, index: int, value: Any) -> None:
        self.items.insert(index, value)


def _lower(key: Any) -> Any:
    return key.lower() if isinstance(key, str) else key


# -- UserDict: reads hand out tracked children, every mixin's edits are recorded -------------


def test_a_child_read_through_a_user_dict_is_tracked_at_any_depth() -> None:
    def program(root: Any) -> Any:
        root["u"]["a"].append(2)
        yield
        root["u"]["n"]["deep"]["list"].append({"x": 1})
        yield
        root["u"]["n"]["deep"]["list"][-1]["x"] = 5
        yield
        yield root["u"].get("a").append(3)
        yield
        for value in root["u"].values():
            if isinstance(value, list):
                value.append("via values()")
        yield
        for _key, value in root["u"].items():
            if isinstance(value, list):
                value.append("via items()")
        yield

    differential({"u": Settings(a=[1], n={"deep": {"list": []}})}, program)


@pytest.mark.parametrize("kind", [Settings, LowerSettings], ids=lambda k: k.__name__)
def test_user_dict_mutators_replay_and_undo(kind: type) -> None:
    def program(root: Any) -> Any:
        u = root["u"]
        u["New"] = [1]
        yield
        yield u.pop("a")
        yield u.pop("missing", "default")
        yield u.popitem()
        u.update({"B": 2, "c": [3]}, D=4)
        yield
        u.update([("e", 5)])
        yield
        yield u.setdefault("c", "unused")
        u.setdefault("c").append(4)
        yield
        u |= {"f": 6}
        yield
        del u["b"]
        yield
        u.clear()
        yield
        u["g"] = {"h": []}
        u["g"]["h"].append(1)
        yield

    differential({"u": kind(a=[1], z={"k": 1})}, program)


def test_user_dict_missing_hook_stores_a_tracked_child() -> None:
    def program(root: Any) -> Any:
        root["d"]["new"].append(1)
        yield
        root["d"]["new"].append(2)
        yield

    differential({"d": Defaulted()}, program)


def test_a_removed_child_of_a_user_dict_is_detached() -> None:
    def program(root: Any) -> Any:
        removed = root["u"].pop("a")
        yield
        removed.append("after removal")  # no longer in the tree: nothing to record
        yield
        root["u"]["b"] = removed
        yield
        removed.append("back in")
        yield

    differential({"u": Settings(a=[1])}, program)


def test_reads_of_a_user_dict_record_nothing() -> None:
    u = observable.observe({"u": Settings(a=[1], b={"c": 2})})
    journal = observable.journal_of(u)
    inner = u["u"]
    assert inner["a"] == [1] and "a" in inner and len(inner) == 2
    assert list(inner) == ["a", "b"] and inner.get("zz") is None
    assert dict(inner.items()) == {"a": [1], "b": {"c": 2}}
    assert inner == {"a": [1], "b": {"c": 2}} and inner.copy() == inner
    assert journal.since(0) == ()
    assert observable.is_observed(inner["a"]) and observable.is_observed(inner.get("b"))


# -- UserList -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Rows, CappedRows], ids=lambda k: k.__name__)
def test_user_list_mutators_replay_and_undo(kind: type) -> None:
    def program(root: Any) -> Any:
        rows = root["l"]
        rows[0].append("child")
        yield
        rows.append([5])
        yield
        rows.extend([[6], 7])
        yield
        rows.insert(1, "ins")
        yield
        yield rows.pop()
        yield rows.pop(0)
        rows.remove("ins")
        yield
        rows += [8, [9]]
        yield
        rows *= 2
        yield
        rows[1:2] = ["sliced"]
        yield
        rows.reverse()
        yield
        rows[-1].append("deep")
        yield
        del rows[0]
        yield
        root["n"].sort()
        yield
        root["n"].sort(key=lambda n: -n)
        yield
        yield rows.index("sliced"), rows.count(8), rows[:2], rows + [0]
        rows.clear()
        yield

    differential({"l": kind([[1], 2, 3]), "n": kind([3, 1, 2])}, program)


# -- UserString -----------------------------------------------------------------------------


def test_user_string_is_replaced_not_edited() -> None:
    def program(root: Any) -> Any:
        yield root["s"].upper(), root["s"][1:], "a" in root["s"], len(root["s"])
        root["s"] += "!"
        yield
        root["s"].data = "set directly"
        yield
        yield str(root["s"]), root["s"] == "set directly", hash(root["s"]) == hash("set directly")

    differential({"s": Name("ada")}, program)


# -- the user's own MutableMapping and MutableSequence classes: the mixins -------------------


def test_mutable_mapping_mixins_on_a_users_class_are_recorded() -> None:
    def program(root: Any) -> Any:
        r = root["r"]
        r["a"].append(2)
        yield
        yield r.pop("a")
        yield r.pop("zz", None)
        r.update(b=[1], c=3)
        yield
        r.setdefault("b", None).append(2)
        yield
        yield r.popitem()
        r.get("b").append(3)
        yield
        r.clear()
        yield

    differential({"r": Registry(a=[1], k={"x": 1})}, program)


def test_mutable_sequence_mixins_on_a_users_class_are_recorded() -> None:
    def program(root: Any) -> Any:
        t = root["t"]
        t.append([1])
        yield
        t.extend([2, [3]])
        yield
        t[-1].append(4)
        yield
        t += [5]
        yield
        yield t.pop()
        t.remove(2)
        yield
        t.reverse()
        yield
        for item in t:
            if isinstance(item, list):
                item.append("via iteration")
        yield
        yield t.index("x"), t.count("x"), "x" in t, list(reversed(t))
        t.clear()
        yield

    differential({"t": Track("x", [0])}, program)


# -- property: random programs of the library methods agree with plain Python ---------------

_KEYS = st.sampled_from(["a", "B", "c", "A"])
_ITEMS = st.one_of(st.integers(0, 5), st.lists(st.integers(0, 5), max_size=2))
_DICT_STEPS = st.one_of(
    st.tuples(st.just("set"), _KEYS, _ITEMS),
    st.tuples(st.just("pop"), _KEYS, st.none()),
    st.tuples(st.just("setdefault"), _KEYS, _ITEMS),
    st.tuples(st.just("update"), _KEYS, _ITEMS),
    st.tuples(st.just("append-at"), _KEYS, st.integers(0, 5)),
    st.tuples(st.just("popitem"), st.none(), st.none()),
)
_LIST_STEPS = st.one_of(
    st.tuples(st.just("append"), _ITEMS),
    st.tuples(st.just("extend"), st.lists(_ITEMS, max_size=2)),
    st.tuples(st.just("iadd"), st.lists(_ITEMS, max_size=2)),
    st.tuples(st.just("pop"), st.none()),
    st.tuples(st.just("append-at"), st.integers(-3, 3)),
    st.tuples(st.just("reverse"), st.none()),
)


def _dict_step(u: Any, op: str, key: Any, item: Any) -> Any:
    if op == "set":
        u[key] = item
    elif op == "pop":
        return u.pop(key, None)
    elif op == "setdefault":
        found = u.setdefault(key, item)
        if isinstance(found, list):
            found.append("via setdefault")
    elif op == "update":
        u.update({key: item})
    elif op == "append-at":
        found = u.get(key)
        if isinstance(found, list):
            found.append(item)
    elif u:
        return u.popitem()
    return None


def _list_step(rows: Any, op: str, arg: Any) -> Any:
    if op == "append":
        rows.append(arg)
    elif op == "extend":
        rows.extend(arg)
    elif op == "iadd":
        rows += arg
    elif op == "pop":
        return rows.pop() if rows else None
    elif op == "append-at":
        if -len(rows) <= arg < len(rows) and isinstance(rows[arg], list):
            rows[arg].append("deep")
    else:
        rows.reverse()
    return None


@settings(deadline=None, max_examples=60)
@given(
    dict_kind=st.sampled_from([Settings, LowerSettings]),
    list_kind=st.sampled_from([Rows, CappedRows]),
    dict_steps=st.lists(_DICT_STEPS, max_size=8),
    list_steps=st.lists(_LIST_STEPS, max_size=8),
)
def test_random_programs_of_user_collections_agree_with_plain_python(
    dict_kind: type, list_kind: type, dict_steps: list[Any], list_steps: list[Any]
) -> None:
    def program(root: Any) -> Any:
        # Each run gets its own copies of the drawn values: the two runs must share nothing.
        for op, key, item in copy.deepcopy(dict_steps):
            yield _dict_step(root["u"], op, key, item)
        for op, arg in copy.deepcopy(list_steps):
            yield _list_step(root["l"], op, arg)

    differential({"u": dict_kind(a=[1], b=2), "l": list_kind([[0], 1])}, program)
