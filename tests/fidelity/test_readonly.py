"""Rule 7: read-only views refuse every mutator of every kind, at any depth and through every
way of reaching a child; ``assert_mutations_tracked`` is honest.
"""

from __future__ import annotations

import array
import collections
import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

import observable
from observable import Journal, ReadOnlyError
from observable.testing import assert_mutations_tracked
from tests.fidelity.harness import exact


class Account:
    """A user object whose special methods and methods mutate it."""

    def __init__(self) -> None:
        self.balance = 0
        self.log: list[str] = []
        self.data: dict[str, Any] = {}

    def deposit(self, amount: int) -> None:
        """Mutate through ``self``."""
        self.balance += amount

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iadd__(self, amount: int) -> Account:
        self.balance += amount
        return self

    def __enter__(self) -> Account:
        self.log.append("enter")
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append("exit")

    def __call__(self) -> None:
        self.log.append("called")


def _value() -> dict[str, Any]:
    return {
        "l": [[1], {"k": [2]}, 3],
        "d": {"a": [1], "b": {"c": 2}},
        "dd": collections.defaultdict(list, {"a": [1]}),
        "od": collections.OrderedDict(a=1, b=2),
        "c": collections.Counter("aab"),
        "s": {1, 2},
        "q": collections.deque([[1], 2]),
        "b": bytearray(b"ab"),
        "o": Account(),
    }


def _iadd(target: Any, other: Any) -> None:
    target += other


def _imul(target: Any, other: Any) -> None:
    target *= other


def _ior(target: Any, other: Any) -> None:
    target |= other


def _iand(target: Any, other: Any) -> None:
    target &= other


def _isub(target: Any, other: Any) -> None:
    target -= other


def _ixor(target: Any, other: Any) -> None:
    target ^= other


def _with(target: Any) -> None:
    with target:
        pass


MUTATORS: dict[str, Callable[[Any], Any]] = {
    # lists
    "list.append": lambda r: r["l"].append(0),
    "list.extend": lambda r: r["l"].extend([0]),
    "list.insert": lambda r: r["l"].insert(0, 0),
    "list.pop": lambda r: r["l"].pop(),
    "list.remove": lambda r: r["l"].remove(3),
    "list.clear": lambda r: r["l"].clear(),
    "list.sort": lambda r: r["l"].sort(key=repr),
    "list.reverse": lambda r: r["l"].reverse(),
    "list setitem": lambda r: r["l"].__setitem__(0, 0),
    "list delitem": lambda r: r["l"].__delitem__(0),
    "list slice set": lambda r: r["l"].__setitem__(slice(0, 1), []),
    "list slice del": lambda r: r["l"].__delitem__(slice(0, 1)),
    "list +=": lambda r: _iadd(r["l"], [0]),
    "list *=": lambda r: _imul(r["l"], 2),
    "nested list.append": lambda r: r["l"][0].append(0),
    "nested dict setitem": lambda r: r["l"][1]["k"].append(0),
    # dicts
    "dict setitem": lambda r: r["d"].__setitem__("z", 0),
    "dict delitem": lambda r: r["d"].__delitem__("a"),
    "dict.pop": lambda r: r["d"].pop("a"),
    "dict.popitem": lambda r: r["d"].popitem(),
    "dict.clear": lambda r: r["d"].clear(),
    "dict.update": lambda r: r["d"].update(z=0),
    "dict.setdefault": lambda r: r["d"].setdefault("z", 0),
    "dict |=": lambda r: _ior(r["d"], {"z": 0}),
    "root setitem": lambda r: r.__setitem__("z", 0),
    "defaultdict missing key": lambda r: r["dd"]["new"],
    "defaultdict missing key then append": lambda r: r["dd"]["new"].append(1),
    "OrderedDict.move_to_end": lambda r: r["od"].move_to_end("a"),
    "OrderedDict.popitem": lambda r: r["od"].popitem(last=False),
    "Counter.update": lambda r: r["c"].update("z"),
    "Counter.subtract": lambda r: r["c"].subtract("a"),
    "Counter +=": lambda r: _iadd(r["c"], collections.Counter("z")),
    "Counter -=": lambda r: _isub(r["c"], collections.Counter("a")),
    "Counter |=": lambda r: _ior(r["c"], collections.Counter("zz")),
    "Counter &=": lambda r: _iand(r["c"], collections.Counter("a")),
    "Counter missing key += 1": lambda r: r["c"].__setitem__("z", r["c"]["z"] + 1),
    # sets
    "set.add": lambda r: r["s"].add(9),
    "set.discard": lambda r: r["s"].discard(1),
    "set.remove": lambda r: r["s"].remove(1),
    "set.pop": lambda r: r["s"].pop(),
    "set.clear": lambda r: r["s"].clear(),
    "set.update": lambda r: r["s"].update({9}),
    "set.intersection_update": lambda r: r["s"].intersection_update({1}),
    "set.difference_update": lambda r: r["s"].difference_update({1}),
    "set.symmetric_difference_update": lambda r: r["s"].symmetric_difference_update({9}),
    "set |=": lambda r: _ior(r["s"], {9}),
    "set &=": lambda r: _iand(r["s"], {1}),
    "set -=": lambda r: _isub(r["s"], {1}),
    "set ^=": lambda r: _ixor(r["s"], {9}),
    # deques
    "deque.append": lambda r: r["q"].append(0),
    "deque.appendleft": lambda r: r["q"].appendleft(0),
    "deque.extend": lambda r: r["q"].extend([0]),
    "deque.extendleft": lambda r: r["q"].extendleft([0]),
    "deque.pop": lambda r: r["q"].pop(),
    "deque.popleft": lambda r: r["q"].popleft(),
    "deque.rotate": lambda r: r["q"].rotate(1),
    "deque.remove": lambda r: r["q"].remove(2),
    "deque.insert": lambda r: r["q"].insert(0, 0),
    "deque.clear": lambda r: r["q"].clear(),
    "deque setitem": lambda r: r["q"].__setitem__(0, 0),
    "deque delitem": lambda r: r["q"].__delitem__(0),
    "deque +=": lambda r: _iadd(r["q"], [0]),
    "deque *=": lambda r: _imul(r["q"], 2),
    "deque child": lambda r: r["q"][0].append(0),
    # bytearrays
    "bytearray.append": lambda r: r["b"].append(0),
    "bytearray.extend": lambda r: r["b"].extend(b"z"),
    "bytearray setitem": lambda r: r["b"].__setitem__(0, 0),
    "bytearray +=": lambda r: _iadd(r["b"], b"z"),
    "bytearray.reverse": lambda r: r["b"].reverse(),
    # objects
    "setattr": lambda r: setattr(r["o"], "balance", 5),
    "new attribute": lambda r: setattr(r["o"], "extra", 5),
    "delattr": lambda r: delattr(r["o"], "balance"),
    "method writing self": lambda r: r["o"].deposit(5),
    "object attribute child": lambda r: r["o"].log.append("x"),
    "user __setitem__": lambda r: r["o"].__setitem__("k", 1),
    "user obj[k] = v": lambda r: operator_setitem(r["o"], "k", 1),
    "user del obj[k]": lambda r: operator_delitem(r["o"], "k"),
    "user +=": lambda r: _iadd(r["o"], 5),
    "user with": lambda r: _with(r["o"]),
    "user call": lambda r: r["o"](),
    # children reached indirectly
    "slice child": lambda r: r["l"][0:1][0].append(0),
    "reversed slice child": lambda r: r["l"][::-1][2].append(0),
    "copy() child": lambda r: r["l"].copy()[0].append(0),
    "+ [] child": lambda r: (r["l"] + [])[0].append(0),
    "next(iter()) child": lambda r: next(iter(r["l"])).append(0),
    "reversed() child": lambda r: list(reversed(r["q"]))[1].append(0),
    "values() child": lambda r: next(iter(r["d"].values())).append(0),
    "items() child": lambda r: next(iter(r["d"].items()))[1].append(0),
    "get child": lambda r: r["d"].get("a").append(0),
    "dict copy child": lambda r: r["d"].copy()["a"].append(0),
    "dict | child": lambda r: (r["d"] | {})["a"].append(0),
    "dict() child": lambda r: dict(r["d"])["a"].append(0),
    "getattr child": lambda r: getattr(r["o"], "log").append("x"),  # noqa: B009
    "vars() child": lambda r: vars(r["o"])["log"].append("x"),
    "vars() write": lambda r: vars(r["o"]).__setitem__("balance", 7),
}


def operator_setitem(target: Any, key: Any, value: Any) -> None:
    """``target[key] = value`` as syntax."""
    target[key] = value


def operator_delitem(target: Any, key: Any) -> None:
    """``del target[key]`` as syntax."""
    del target[key]


@pytest.mark.parametrize("mutate", MUTATORS, ids=list(MUTATORS))
def test_readonly_view_refuses_every_mutator(mutate: str) -> None:
    journal = Journal(maxlen=None)
    proxy = observable.observe(_value(), journal)
    if mutate == "user del obj[k]":
        proxy["o"]["k"] = 0
    before = exact(proxy)
    version = journal.version
    view = observable.readonly(proxy)
    with pytest.raises(ReadOnlyError):
        MUTATORS[mutate](view)
    assert exact(proxy) == before
    assert journal.version == version


def test_readonly_view_reads_like_the_value() -> None:
    proxy = observable.observe(_value())
    view = observable.readonly(proxy)
    assert view["l"] == [[1], {"k": [2]}, 3]
    assert len(view["d"]) == 2 and "a" in view["d"]
    assert list(view["od"]) == ["a", "b"]
    assert view["c"]["a"] == 2 and view["c"]["missing"] == 0
    assert sorted(view["s"]) == [1, 2]
    assert view["o"].balance == 0
    assert view["dd"].get("new") is None
    assert "new" not in view["dd"]
    plain = copy.deepcopy(view)
    plain["l"].append(1)  # a deep copy is the user's own, mutable
    assert exact(proxy) == exact(_value())


# -- assert_mutations_tracked is honest ----------------------------------------------------


class AlwaysRaises:
    """Every method raises: the checker must not pass this class silently."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, item: Any) -> None:
        """Fail."""
        raise RuntimeError("broken")


def test_checker_fails_a_class_whose_methods_raise() -> None:
    with pytest.raises(AssertionError):
        assert_mutations_tracked(AlwaysRaises, methods=["add"], max_examples=20)


_RAW: list[Any] = []


class WritesBehind:
    """Keeps its raw self and writes through it, behind the proxy."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        _RAW.append(self)
        self.me = len(_RAW) - 1

    def add(self, item: Any) -> None:
        """Append through the raw object, not through ``self``."""
        _RAW[self.me].items.append(item)


def test_checker_fails_a_class_that_writes_behind_the_proxy() -> None:
    with pytest.raises(AssertionError):
        assert_mutations_tracked(WritesBehind, methods=["add"], max_examples=20)


class CState:
    """State held in a C-level container the library cannot see into."""

    def __init__(self) -> None:
        self.buffer = array.array("i")

    def push(self, item: int) -> None:
        """Append to the C array."""
        self.buffer.append(item)


def test_checker_fails_a_class_with_untracked_c_level_state() -> None:
    with pytest.raises(AssertionError):
        assert_mutations_tracked(
            CState,
            methods=["push"],
            arguments={"push": st.tuples(st.integers(0, 9))},
            max_examples=20,
        )


class Bounce:
    """A method that changes and restores: push, then pop."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def bounce(self, item: Any) -> None:
        """Push then pop: nothing changes in the end."""
        self.items.append(item)
        self.items.pop()

    def add(self, item: Any) -> None:
        """A real change."""
        self.items.append(item)


def test_checker_has_no_false_alarm_on_push_then_pop() -> None:
    assert_mutations_tracked(Bounce, methods=["bounce", "add"], max_examples=30)


class BehindWithSentinel:
    """Writes a recognisable value behind the proxy."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        _RAW.append(self)
        self.me = len(_RAW) - 1

    def poke(self) -> None:
        """Append the sentinel behind the proxy."""
        _RAW[self.me].items.append("SENTINEL-7")


def test_checker_reports_a_before_after_diff() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_mutations_tracked(BehindWithSentinel, methods=["poke"], max_examples=5)
    message = str(failure.value)
    assert "items" in message
    assert "SENTINEL-7" in message


class Optional:
    """Only an optional argument reaches the untracked write."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        _RAW.append(self)
        self.me = len(_RAW) - 1

    def add(self, item: Any, behind: bool = False) -> None:
        """Append tracked, or behind the proxy when ``behind``."""
        target = _RAW[self.me] if behind else self
        target.items.append(item)


class KeywordOnly:
    """Only a keyword-only argument reaches the untracked write."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        _RAW.append(self)
        self.me = len(_RAW) - 1

    def add(self, item: Any, *, behind: bool = False) -> None:
        """Append tracked, or behind the proxy when ``behind``."""
        target = _RAW[self.me] if behind else self
        target.items.append(item)


@pytest.mark.parametrize("kind", [Optional, KeywordOnly], ids=["optional", "keyword-only"])
def test_checker_generates_optional_arguments(kind: type) -> None:
    with pytest.raises(AssertionError):
        assert_mutations_tracked(kind, methods=["add"], max_examples=100)
