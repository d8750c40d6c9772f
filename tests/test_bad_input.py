"""Operations that raise record nothing and leave the value as it was."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from observable import Journal, observe, snapshot


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: int


CASES: list[tuple[str, Callable[[], Any], Callable[[Any], Any], type[BaseException]]] = [
    ("remove missing", lambda: [1, 2], lambda p: p.remove(3), ValueError),
    ("pop empty list", lambda: [], lambda p: p.pop(), IndexError),
    ("pop bad index", lambda: [1], lambda p: p.pop(5), IndexError),
    ("setitem out of range", lambda: [1], lambda p: p.__setitem__(3, 0), IndexError),
    (
        "extended slice wrong size",
        lambda: [1, 2, 3],
        lambda p: p.__setitem__(slice(None, None, 2), [1]),
        ValueError,
    ),
    ("sort incomparable", lambda: [1, "a", 2], lambda p: p.sort(), TypeError),
    ("imul by text", lambda: [1], lambda p: p.__imul__("x"), TypeError),
    (
        "frozen dataclass",
        lambda: Frozen(1),
        lambda p: setattr(p, "x", 2),
        dataclasses.FrozenInstanceError,
    ),
    ("delattr missing", lambda: Frozen(1), lambda p: delattr(p, "y"), AttributeError),
    ("dict missing key", lambda: {}, lambda p: p.__delitem__("k"), KeyError),
    ("dict pop missing", lambda: {}, lambda p: p.pop("k"), KeyError),
    ("dict popitem empty", lambda: {}, lambda p: p.popitem(), KeyError),
    ("dict unhashable key", lambda: {}, lambda p: p.__setitem__([], 1), TypeError),
    ("dict update half bad", lambda: {"a": 1}, lambda p: p.update([("b", 2), ([], 3)]), TypeError),
    ("dict update bad pair", lambda: {"a": 1}, lambda p: p.update([("b", 2, 3)]), ValueError),
    ("set remove missing", lambda: {1}, lambda p: p.remove(2), KeyError),
    ("set pop empty", lambda: set(), lambda p: p.pop(), KeyError),
    ("set add unhashable", lambda: {1}, lambda p: p.add([]), TypeError),
    ("set update unhashable", lambda: {1}, lambda p: p.update([2, []]), TypeError),
    ("deque pop empty", lambda: collections.deque(), lambda p: p.popleft(), IndexError),
    (
        "deque insert full",
        lambda: collections.deque([1], maxlen=1),
        lambda p: p.insert(0, 2),
        IndexError,
    ),
    (
        "deque slice",
        lambda: collections.deque([1]),
        lambda p: p.__setitem__(slice(0, 1), [2]),
        TypeError,
    ),
    ("bytearray out of range", lambda: bytearray(b"a"), lambda p: p.append(300), ValueError),
    ("bytearray remove bytes", lambda: bytearray(b"ab"), lambda p: p.remove(b"a"), TypeError),
    ("bytearray extend text", lambda: bytearray(b"a"), lambda p: p.extend("xy"), TypeError),
    (
        "counter update bad",
        lambda: collections.Counter("ab"),
        lambda p: p.update({"a": 1, "b": "x"}),
        TypeError,
    ),
    (
        "defaultdict without factory",
        lambda: collections.defaultdict(None),
        lambda p: p["k"],
        KeyError,
    ),
    (
        "ordered move missing",
        lambda: collections.OrderedDict(a=1),
        lambda p: p.move_to_end("z"),
        KeyError,
    ),
]


@pytest.mark.parametrize(
    ("factory", "operation", "error"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_failed_operation_records_nothing_and_changes_nothing(
    factory: Callable[[], Any], operation: Callable[[Any], Any], error: type[BaseException]
) -> None:
    journal = Journal()
    proxy = observe(factory(), journal)
    before = snapshot(proxy)
    with pytest.raises(error):
        operation(proxy)
    assert journal.version == 0
    assert proxy == before


NO_OPS: list[tuple[str, Callable[[], Any], Callable[[Any], Any]]] = [
    ("sort sorted", lambda: [1, 2, 3], lambda p: p.sort()),
    ("reverse palindrome", lambda: [1, 2, 1], lambda p: p.reverse()),
    ("discard missing", lambda: {1}, lambda p: p.discard(2)),
    ("add existing", lambda: {1}, lambda p: p.add(1)),
    ("clear empty list", lambda: [], lambda p: p.clear()),
    ("clear empty dict", lambda: {}, lambda p: p.clear()),
    ("clear empty set", lambda: set(), lambda p: p.clear()),
    ("update equal", lambda: {"a": 1, "b": "x"}, lambda p: p.update(a=1, b="x")),
    ("setitem equal", lambda: {"a": 1}, lambda p: p.__setitem__("a", 1)),
    ("setitem same object", lambda: {"a": [1]}, lambda p: p.__setitem__("a", p["a"])),
    ("list setitem equal", lambda: [1.5], lambda p: p.__setitem__(0, 1.5)),
    (
        "setattr equal",
        lambda: Frozen.__mro__[0].__new__(Frozen) and {"x": 1},
        lambda p: p.update({"x": 1}),
    ),
    ("extend empty", lambda: [1], lambda p: p.extend([])),
    ("imul one", lambda: [1], lambda p: p.__imul__(1)),
    ("rotate full turn", lambda: collections.deque([1, 2]), lambda p: p.rotate(2)),
    ("setdefault existing", lambda: {"a": 1}, lambda p: p.setdefault("a", 2)),
    ("pop missing with default", lambda: {}, lambda p: p.pop("a", None)),
    ("move last to end", lambda: collections.OrderedDict(a=1, b=2), lambda p: p.move_to_end("b")),
    ("append to zero maxlen", lambda: collections.deque(maxlen=0), lambda p: p.append(1)),
    ("counter update nothing", lambda: collections.Counter("a"), lambda p: p.update([])),
]


@pytest.mark.parametrize(
    ("factory", "operation"), [case[1:] for case in NO_OPS], ids=[case[0] for case in NO_OPS]
)
def test_operation_that_changes_nothing_records_nothing(
    factory: Callable[[], Any], operation: Callable[[Any], Any]
) -> None:
    journal = Journal()
    proxy = observe(factory(), journal)
    operation(proxy)
    assert journal.version == 0
