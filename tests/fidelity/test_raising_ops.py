"""Rule 2: values that cannot be deep-copied are accepted as plain Python accepts them, and
an operation that raises leaves the value untouched and records nothing.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import observable
from observable import Journal, Store
from observable.backends import CodecError
from tests.fidelity.harness import differential, exact, no_proxy_inside


class NoDeepCopy:
    """A user object that refuses to be deep-copied (it owns a resource, say)."""

    def __init__(self) -> None:
        self.name = "resource"

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        raise TypeError("NoDeepCopy objects cannot be copied")


def _generator() -> Iterator[int]:
    yield from range(3)


UNCOPYABLE: dict[str, Callable[[], Any]] = {
    "Lock": threading.Lock,
    "RLock": threading.RLock,
    "Queue": queue.Queue,
    "generator": _generator,
    "__deepcopy__ raises": NoDeepCopy,
}


class Box:
    """A plain user object with one attribute."""

    def __init__(self) -> None:
        self.slot: Any = None


STORE_IT: dict[str, Callable[[Any, Any], Any]] = {
    "list.append": lambda r, v: r["l"].append(v),
    "list.insert": lambda r, v: r["l"].insert(0, v),
    "list setitem": lambda r, v: r["l"].__setitem__(0, v),
    "list.extend": lambda r, v: r["l"].extend([v]),
    "list +=": lambda r, v: r["l"].__iadd__([v]),
    "list slice": lambda r, v: r["l"].__setitem__(slice(0, 1), [v, v]),
    "dict setitem": lambda r, v: r.__setitem__("x", v),
    "dict.update": lambda r, v: r.update(x=v),
    "dict.setdefault": lambda r, v: r.setdefault("x", v),
    "set.add": lambda r, v: r["s"].add(v),
    "deque.appendleft": lambda r, v: r["q"].appendleft(v),
    "attribute": lambda r, v: setattr(r["o"], "slot", v),
    "nested in a new dict": lambda r, v: r["l"].append({"held": v}),
}


def _initial() -> dict[str, Any]:
    return {"l": [0], "s": {1}, "q": collections.deque([0]), "o": Box()}


@pytest.mark.parametrize("store_it", STORE_IT, ids=list(STORE_IT))
@pytest.mark.parametrize("make", UNCOPYABLE, ids=list(UNCOPYABLE))
def test_uncopyable_values_are_stored_like_plain_python(make: str, store_it: str) -> None:
    def program(root: Any) -> Any:
        STORE_IT[store_it](root, UNCOPYABLE[make]())
        yield
        root["l"].append(1)  # the value stays usable and tracked afterwards
        yield

    differential(_initial(), program, copyable=False)


@pytest.mark.parametrize("make", UNCOPYABLE, ids=list(UNCOPYABLE))
def test_uncopyable_values_are_kept_by_reference(make: str) -> None:
    value = UNCOPYABLE[make]()
    proxy = observable.observe({"items": []})
    proxy["items"].append(value)
    proxy["by_key"] = value
    raw = observable.unwrap(proxy)
    assert raw["items"][0] is value
    assert raw["by_key"] is value
    assert observable.journal_of(proxy).version == 2


def test_a_stored_lock_still_works_as_a_lock() -> None:
    proxy = observable.observe({"locks": []})
    proxy["locks"].append(threading.Lock())
    with proxy["locks"][0]:
        assert proxy["locks"][0].locked()
    assert not proxy["locks"][0].locked()


# -- operations that raise in plain Python too: same error, value and journal untouched ---


@dataclasses.dataclass(frozen=True)
class Frozen:
    """A frozen dataclass."""

    x: int = 0


class Slotted:
    """A class with fixed slots."""

    __slots__ = ("a",)

    def __init__(self) -> None:
        self.a = 1


RAISING: dict[str, Callable[[Any], Any]] = {
    "list.insert bad index": lambda r: r["l"].insert("x", 1),
    "list setitem out of range": lambda r: r["l"].__setitem__(10, 1),
    "list setitem bad index": lambda r: r["l"].__setitem__("x", 1),
    "list.pop out of range": lambda r: r["l"].pop(10),
    "list del out of range": lambda r: r["l"].__delitem__(10),
    "list extended slice wrong length": lambda r: r["l"].__setitem__(slice(None, None, 2), [1]),
    "list slice step 0": lambda r: r["l"].__setitem__(slice(1, 2, 0), []),
    "list.remove missing": lambda r: r["l"].remove(99),
    "list.sort key raises": lambda r: r["l"].sort(key=lambda item: 1 / 0),
    "list += int": lambda r: r["l"].__iadd__(5),
    "list *= str": lambda r: r["l"].__imul__("x"),
    "list.extend int": lambda r: r["l"].extend(5),
    "list slice from int": lambda r: r["l"].__setitem__(slice(0, 1), 5),
    "dict unhashable key": lambda r: r.__setitem__([1], 2),
    "dict.setdefault unhashable": lambda r: r.setdefault([1], 2),
    "dict.pop missing": lambda r: r.pop("missing"),
    "dict del missing": lambda r: r.__delitem__("missing"),
    "dict.popitem empty": lambda r: r["empty"].popitem(),
    "dict.update int": lambda r: r.update(5),
    "dict.update bad pair first": lambda r: r.update([("a",)]),
    "dict |= int": lambda r: r.__ior__(5),
    "set.add unhashable": lambda r: r["s"].add([1]),
    "set.remove missing": lambda r: r["s"].remove(99),
    "set.discard unhashable": lambda r: r["s"].discard([1]),
    "set.update int": lambda r: r["s"].update(5),
    "set |= list": lambda r: r["s"].__ior__([1]),
    "set.pop empty": lambda r: r["es"].pop(),
    "deque.rotate str": lambda r: r["q"].rotate("x"),
    "deque.remove missing": lambda r: r["q"].remove(99),
    "full deque insert": lambda r: r["full"].insert(0, 1),
    "OrderedDict.move_to_end missing": lambda r: r["od"].move_to_end("missing"),
    "Counter.update int": lambda r: r["c"].update(5),
    "bytearray.append 300": lambda r: r["b"].append(300),
    "bytearray setitem -1": lambda r: r["b"].__setitem__(0, -1),
    "delattr missing": lambda r: delattr(r["o"], "missing"),
    "frozen dataclass setattr": lambda r: setattr(r["frozen"], "x", 1),
    "slots class unknown attribute": lambda r: setattr(r["slotted"], "b", 1),
    "insert bad index with a lock": lambda r: r["l"].insert("x", threading.Lock()),
    "setitem out of range with a lock": lambda r: r["l"].__setitem__(10, threading.Lock()),
    "unhashable key with a lock": lambda r: r.__setitem__([1], threading.Lock()),
    "slice step 0 with a queue": lambda r: r["l"].__setitem__(slice(1, 2, 0), [queue.Queue()]),
}


def _rich() -> dict[str, Any]:
    return {
        "l": [3, 1, 2],
        "empty": {},
        "s": {1, 2},
        "es": set(),
        "q": collections.deque([1, 2]),
        "full": collections.deque([1], maxlen=1),
        "od": collections.OrderedDict(a=1),
        "c": collections.Counter("ab"),
        "b": bytearray(b"ab"),
        "o": Box(),
        "frozen": Frozen(),
        "slotted": Slotted(),
    }


@pytest.mark.parametrize("operation", RAISING, ids=list(RAISING))
def test_an_operation_that_raises_changes_and_records_nothing(operation: str) -> None:
    def program(root: Any) -> Any:
        RAISING[operation](root)
        yield

    proxy, changes = differential(_rich(), program)
    assert changes == ()
    assert exact(proxy) == exact(_rich())


# -- operations that raise part-way: plain Python may keep part of the work; the observed
# value must keep none of it (the rule 2), and in any case the journal must agree.


def _fails_after_one(item: Any) -> Iterator[Any]:
    yield item
    raise RuntimeError("the source failed")


class Touchy:
    """Orders by ``n`` but refuses to be compared with ``n == 13``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __lt__(self, other: Touchy) -> bool:
        if 13 in (self.n, other.n):
            raise ValueError("unlucky comparison")
        return self.n < other.n


PART_WAY: dict[str, tuple[Callable[[Any], Any], type[BaseException]]] = {
    "list.extend": (lambda r: r["l"].extend(_fails_after_one(9)), RuntimeError),
    "list +=": (lambda r: r["l"].__iadd__(_fails_after_one(9)), RuntimeError),
    "deque.extend": (lambda r: r["q"].extend(_fails_after_one(9)), RuntimeError),
    "deque.extendleft": (lambda r: r["q"].extendleft(_fails_after_one(9)), RuntimeError),
    "dict.update pairs": (lambda r: r.update(_fails_after_one(("new", 1))), RuntimeError),
    "dict.update bad second pair": (lambda r: r.update([("new", 1), ("bad",)]), ValueError),
    "set.update": (lambda r: r["s"].update(_fails_after_one(9)), RuntimeError),
    "set.update unhashable second": (lambda r: r["s"].update([9, [1]]), TypeError),
    "Counter.update": (lambda r: r["c"].update(_fails_after_one("z")), RuntimeError),
    "bytearray.extend": (lambda r: r["b"].extend(_fails_after_one(9)), RuntimeError),
    "list.sort mixed types": (lambda r: r["mixed"].sort(), TypeError),
    "list.sort comparison raises": (lambda r: r["touchy"].sort(), ValueError),
    "list slice from failing iterable": (
        lambda r: r["l"].__setitem__(slice(0, 1), _fails_after_one(9)),
        RuntimeError,
    ),
}


def _part_way_initial() -> dict[str, Any]:
    return {
        "l": [1, 2],
        "q": collections.deque([1]),
        "s": {1},
        "c": collections.Counter("a"),
        "b": bytearray(b"a"),
        "mixed": [3, "a", 1, 2, "b", 0],
        "touchy": [Touchy(n) for n in (5, 13, 1, 4, 2, 13, 0)],
    }


@pytest.mark.parametrize("operation", PART_WAY, ids=list(PART_WAY))
def test_an_operation_failing_part_way_keeps_nothing(operation: str) -> None:
    run, error = PART_WAY[operation]
    journal = Journal(maxlen=None)
    proxy = observable.observe(_part_way_initial(), journal)
    with pytest.raises(error):
        run(proxy)
    assert exact(proxy) == exact(_part_way_initial())
    assert journal.version == 0
    no_proxy_inside(proxy)


@pytest.mark.parametrize("operation", PART_WAY, ids=list(PART_WAY))
def test_after_an_operation_failing_part_way_the_journal_agrees_with_the_value(
    operation: str,
) -> None:
    run, error = PART_WAY[operation]
    initial = _part_way_initial()
    journal = Journal(maxlen=None)
    proxy = observable.observe(copy.deepcopy(initial), journal)
    with pytest.raises(error):
        run(proxy)
    replayed = observable.apply(copy.deepcopy(initial), journal.since(0))
    assert exact(replayed) == exact(proxy)


# -- a durable backend refuses what it cannot encode, before anything changes -------------


def test_sqlite_store_refuses_an_uncopyable_value_before_anything_changes(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        store["items"] = [1]
        version = store.journal.version
        with pytest.raises(CodecError):
            store["items"].append(threading.Lock())
        assert observable.unwrap(store["items"]) == [1]
        assert store.journal.version == version
        store["items"].append(2)
        assert observable.unwrap(store["items"]) == [1, 2]
    finally:
        store.backend.close()
    again = Store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert observable.unwrap(again["items"]) == [1, 2]
    finally:
        again.backend.close()


def test_memory_store_accepts_an_uncopyable_value() -> None:
    store = Store("memory://")
    store["items"] = []
    lock = threading.Lock()
    store["items"].append(lock)
    assert observable.unwrap(store["items"])[0] is lock
    assert store.journal.version == 2


def test_a_removed_user_object_holding_a_lock_undoes_to_what_it_was() -> None:
    # The object's snapshot must be a copy around the lock, not the object itself: a
    # reference would follow the later edits, and undoing them would no longer fit.
    from tests.strategies import PlainBox

    def program(root: Any) -> Iterator[None]:
        root[0].label.append(threading.Lock())
        yield
        box = root.pop(0)
        yield
        root.insert(0, box)
        yield
        root[0].label = None
        yield
        root[0] = None
        yield

    differential([PlainBox([], [])], program, copyable=False, strict_noop=False)


def test_a_user_objects_snapshot_copies_around_what_cannot_be_copied() -> None:
    from tests.strategies import PlainBox

    lock = threading.Lock()
    box = PlainBox([lock], {"a": 1})
    copied = observable.snapshot(box)
    assert copied is not box and copied.label is not box.label
    assert copied.label[0] is lock  # the lock itself is kept, as plain Python keeps it
    assert copied.items == box.items and copied.items is not box.items
    # A library object holding a lock is kept whole.
    waiting: queue.Queue[int] = queue.Queue()
    assert observable.snapshot([waiting])[0] is waiting
