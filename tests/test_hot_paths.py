"""Each hand-inlined hot mutator records exactly what the generic table path records."""

from __future__ import annotations

import collections
import dataclasses
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest

import observable
from observable.proxies.base import Perform, mutate
from observable.proxies.deques import perform_bounded_append
from observable.proxies.mappings import perform_setitem as dict_setitem
from observable.proxies.objects import perform_setattr
from observable.proxies.sequences import perform_append
from observable.proxies.sets import perform_add


@dataclasses.dataclass
class Box:
    """A dataclass whose attribute writes take the hot path."""

    value: Any = None
    items: list[Any] = dataclasses.field(default_factory=list)


# Values of every sort a hot path treats differently: scalars, containers, proxies of this
# journal (moved children), values that cannot be deep-copied, equal-but-new containers.
ARGUMENTS: list[tuple[str, Callable[[Any], Any]]] = [
    ("int", lambda root: 7),
    ("float -0.0", lambda root: -0.0),
    ("text", lambda root: "hi"),
    ("dict", lambda root: {"k": [1]}),
    ("own child", lambda root: root["child"]),
    ("plain value holding a child", lambda root: {"inner": root["child"]}),
    ("lock", lambda root: threading.Lock()),
    ("equal new list", lambda root: [1]),
]

CASES: list[tuple[str, Callable[[Any], Any], str, Perform, Callable[[Any, Any], Any]]] = [
    ("list.append", lambda root: root["list"], "append", perform_append, lambda p, v: p.append(v)),
    (
        "deque.append",
        lambda root: root["deque"],
        "append",
        perform_bounded_append,
        lambda p, v: p.append(v),
    ),
    (
        "dict.__setitem__",
        lambda root: root["dict"],
        "setitem",
        lambda target, value: dict_setitem(target, "x", value),
        lambda p, v: p.__setitem__("x", v),
    ),
    ("set.add", lambda root: root["set"], "add", perform_add, lambda p, v: p.add(v)),
    (
        "object.__setattr__",
        lambda root: root["box"],
        "setattr",
        lambda target, value: perform_setattr(target, "value", value),
        lambda p, v: setattr(p, "value", v),
    ),
]


def _fresh() -> Any:
    return observable.observe(
        {
            "list": [],
            "deque": collections.deque(),
            "dict": {"x": [1]},
            "set": set(),
            "box": Box(),
            "child": {"c": 0},
        },
        observable.Journal(maxlen=None),
    )


def _shown(value: Any) -> str:
    # Two runs make two locks: compare them without their addresses.
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def _record(changes: tuple[observable.Change, ...]) -> list[tuple[Any, ...]]:
    return [(c.path, c.op, _shown(c.args), _shown(c.effect)) for c in changes]


_UNHASHABLE = ("dict", "plain value holding a child", "own child", "equal new list")
COMBINATIONS = [
    pytest.param(*case, *argument, id=f"{case[0]}-{argument[0]}")
    for case in CASES
    for argument in ARGUMENTS
    if not (case[0] == "set.add" and argument[0] in _UNHASHABLE)
]


@pytest.mark.parametrize(
    ("name", "container", "op", "perform", "hot", "argument", "make"), COMBINATIONS
)
def test_hot_path_matches_generic_path(
    name: str,
    container: Callable[[Any], Any],
    op: str,
    perform: Perform,
    hot: Callable[[Any, Any], Any],
    argument: str,
    make: Callable[[Any], Any],
) -> None:
    hot_root, generic_root = _fresh(), _fresh()
    hot(container(hot_root), make(hot_root))
    mutate(container(generic_root), op, perform, (make(generic_root),), {})
    hot_changes = observable.journal_of(hot_root).since(0)
    generic_changes = observable.journal_of(generic_root).since(0)
    assert _record(hot_changes) == _record(generic_changes)
    assert _shown(observable.unwrap(hot_root)) == _shown(observable.unwrap(generic_root))
    # A child placed by either path keeps being tracked at its new place.
    hot_root["child"]["c"] = 1
    generic_root["child"]["c"] = 1
    assert _record(observable.journal_of(hot_root).since(len(hot_changes))) == _record(
        observable.journal_of(generic_root).since(len(generic_changes))
    )
