"""Programs of mutations that run identically on a plain value and on its observed proxy.

A :class:`Step` is abstract: it names a route of child choices, an operation choice
and raw material for arguments. :func:`apply_step` interprets it against the current
value, so the same step means the same call on a plain value and on a proxy.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..values import SCALAR_TYPES
from .strategies import Record, _set_members, keys, scalars

__all__ = [
    "OPERATIONS",
    "Step",
    "apply_step",
    "container_kind",
    "locate",
    "operation_name",
    "steps",
]


@dataclass(frozen=True)
class Step:
    """One abstract mutation: route choices, an operation choice, and argument material."""

    route: tuple[int, ...]
    operation: int
    numbers: tuple[int, int]
    value: Any
    values: tuple[Any, ...]
    key: str
    member: Any


def steps(values: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Step]:
    """Steps whose inserted values come from ``values`` (scalars by default)."""
    values = scalars() if values is None else values
    return st.builds(
        Step,
        route=st.lists(st.integers(0, 7), max_size=3).map(tuple),
        operation=st.integers(0, 63),
        numbers=st.tuples(st.integers(-5, 6), st.integers(-5, 6)),
        value=values,
        values=st.lists(values, max_size=3).map(tuple),
        key=keys(),
        member=_set_members(),
    )


Operation = Callable[[Any, Step], Any]


def _sort_key(item: Any) -> tuple[str, str]:
    return (type(item).__name__, repr(item))


def _existing(container: Any, step: Step) -> Any:
    items = list(container)
    return items[step.numbers[0] % len(items)] if items else step.value


def _multiplier(container: Any, step: Step) -> int:
    # ``*=`` on mutable items puts one object at several places (aliases); programs keep
    # trees alias-free, because a replay cannot tell aliases from equal copies.
    if all(type(item) in SCALAR_TYPES for item in container):
        return step.numbers[1] % 4
    return step.numbers[1] % 2


def _byte(step: Step) -> int:
    return step.numbers[0] * 40 % 300


_SEQUENCE: dict[str, Operation] = {
    "append": lambda c, s: c.append(s.value),
    "extend": lambda c, s: c.extend(s.values),
    "insert": lambda c, s: c.insert(s.numbers[0], s.value),
    "pop": lambda c, s: c.pop(),
    "pop:at": lambda c, s: c.pop(s.numbers[0]),
    "remove": lambda c, s: c.remove(_existing(c, s)),
    "remove:missing": lambda c, s: c.remove(s.value),
    "clear": lambda c, s: c.clear(),
    "reverse": lambda c, s: c.reverse(),
    "__setitem__": lambda c, s: c.__setitem__(s.numbers[0], s.value),
    "__delitem__": lambda c, s: c.__delitem__(s.numbers[0]),
    "__iadd__": lambda c, s: c.__iadd__(list(s.values)),
    "__imul__": lambda c, s: c.__imul__(_multiplier(c, s)),
}

_LIST: dict[str, Operation] = {
    **_SEQUENCE,
    "sort": lambda c, s: c.sort(key=_sort_key, reverse=s.numbers[1] > 0),
    "__setitem__:slice": lambda c, s: c.__setitem__(slice(s.numbers[0], s.numbers[1]), s.values),
    "__setitem__:extended": lambda c, s: c.__setitem__(
        slice(None, None, 2), [copy.deepcopy(s.value) for _ in c[::2]]
    ),
    "__delitem__:slice": lambda c, s: c.__delitem__(slice(s.numbers[0], s.numbers[1])),
    "__delitem__:extended": lambda c, s: c.__delitem__(slice(s.numbers[0], None, -2)),
    "__setitem__:same": lambda c, s: c.__setitem__(s.numbers[0], c[s.numbers[0]]),
}

_DEQUE: dict[str, Operation] = {
    **_SEQUENCE,
    "appendleft": lambda c, s: c.appendleft(s.value),
    "extendleft": lambda c, s: c.extendleft(s.values),
    "popleft": lambda c, s: c.popleft(),
    "rotate": lambda c, s: c.rotate(s.numbers[0]),
}

_BYTEARRAY: dict[str, Operation] = {
    "append": lambda c, s: c.append(_byte(s)),
    "extend": lambda c, s: c.extend(bytes(n % 256 for n in s.numbers)),
    "insert": lambda c, s: c.insert(s.numbers[0], _byte(s)),
    "pop": lambda c, s: c.pop(),
    "remove": lambda c, s: c.remove(_existing(c, s) if c else _byte(s)),
    "clear": lambda c, s: c.clear(),
    "reverse": lambda c, s: c.reverse(),
    "__setitem__": lambda c, s: c.__setitem__(s.numbers[0], _byte(s)),
    "__setitem__:slice": lambda c, s: c.__setitem__(slice(s.numbers[0], s.numbers[1]), b"xy"),
    "__delitem__:slice": lambda c, s: c.__delitem__(slice(s.numbers[0], s.numbers[1])),
    "__iadd__": lambda c, s: c.__iadd__(b"z"),
    "__imul__": lambda c, s: c.__imul__(s.numbers[1] % 3),
}

_DICT: dict[str, Operation] = {
    "__setitem__": lambda c, s: c.__setitem__(s.key, s.value),
    "__setitem__:same": lambda c, s: c.__setitem__(s.key, c[s.key]) if s.key in c else None,
    "__delitem__": lambda c, s: c.__delitem__(s.key),
    "pop": lambda c, s: c.pop(s.key),
    "pop:default": lambda c, s: c.pop(s.key, s.value),
    "popitem": lambda c, s: c.popitem(),
    "clear": lambda c, s: c.clear(),
    "update": lambda c, s: c.update({s.key: s.value}),
    "update:pairs": lambda c, s: c.update([(s.key, s.value), ("a", s.numbers[0])]),
    "update:keywords": lambda c, s: c.update(a=s.value),
    "setdefault": lambda c, s: c.setdefault(s.key, s.value),
    "__ior__": lambda c, s: c.__ior__({s.key: s.value}),
    "update:bad": lambda c, s: c.update([(s.key, s.value, 1)]),
}

_ORDERED: dict[str, Operation] = {
    **_DICT,
    "move_to_end": lambda c, s: c.move_to_end(s.key, s.numbers[0] > 0),
    "popitem:first": lambda c, s: c.popitem(last=False),
}

_DEFAULT: dict[str, Operation] = {**_DICT, "__getitem__:missing": lambda c, s: c[s.key]}

_COUNTER: dict[str, Operation] = {
    "update": lambda c, s: c.update(s.key),
    "subtract": lambda c, s: c.subtract({s.key[0]: s.numbers[0]}),
    "__iadd__": lambda c, s: c.__iadd__(collections.Counter({s.key[0]: s.numbers[0]})),
    "__isub__": lambda c, s: c.__isub__(collections.Counter({s.key[0]: s.numbers[1]})),
    "__ior__": lambda c, s: c.__ior__(collections.Counter({s.key[0]: s.numbers[0]})),
    "__iand__": lambda c, s: c.__iand__(collections.Counter({s.key[0]: s.numbers[1]})),
    "__setitem__": lambda c, s: c.__setitem__(s.key[0], s.numbers[0]),
    "__delitem__": lambda c, s: c.__delitem__(s.key[0]),
    "clear": lambda c, s: c.clear(),
    "pop": lambda c, s: c.pop(s.key[0]),
    "popitem": lambda c, s: c.popitem(),
    "setdefault": lambda c, s: c.setdefault(s.key[0], s.numbers[0]),
}

_SET: dict[str, Operation] = {
    "add": lambda c, s: c.add(s.member),
    "add:existing": lambda c, s: c.add(_existing(c, s)) if c else None,
    "discard": lambda c, s: c.discard(s.member),
    "remove": lambda c, s: c.remove(s.member),
    "pop": lambda c, s: c.pop(),
    "clear": lambda c, s: c.clear(),
    "update": lambda c, s: c.update([s.member], {s.numbers[0]}),
    "intersection_update": lambda c, s: c.intersection_update({s.member, s.numbers[0]}),
    "difference_update": lambda c, s: c.difference_update([s.member]),
    "symmetric_difference_update": lambda c, s: c.symmetric_difference_update({s.member}),
    "__ior__": lambda c, s: c.__ior__({s.member}),
    "__iand__": lambda c, s: c.__iand__({s.member, s.numbers[0]}),
    "__isub__": lambda c, s: c.__isub__({s.member}),
    "__ixor__": lambda c, s: c.__ixor__({s.member}),
    "__ior__:bad": lambda c, s: c.__ior__([s.member]),
    "add:unhashable": lambda c, s: c.add([s.member]),
}

_RECORD: dict[str, Operation] = {
    "__setattr__": lambda c, s: setattr(c, "label", s.value),
    "__setattr__:items": lambda c, s: setattr(c, "items", list(s.values)),
    "__setattr__:same": lambda c, s: setattr(c, "label", c.label) if hasattr(c, "label") else None,
    "__delattr__": lambda c, s: delattr(c, "label"),
    "add": lambda c, s: c.add(s.value),
    "__setattr__:new": lambda c, s: setattr(c, "extra", s.value),
}

OPERATIONS: dict[str, dict[str, Operation]] = {
    "list": _LIST,
    "deque": _DEQUE,
    "bytearray": _BYTEARRAY,
    "dict": _DICT,
    "OrderedDict": _ORDERED,
    "defaultdict": _DEFAULT,
    "Counter": _COUNTER,
    "set": _SET,
    "Record": _RECORD,
}
"""For each mutable kind, its operations by name: ``mutator`` or ``mutator:variant``, where
``mutator`` is a name of the kind's method table (a test keeps the two in step)."""


def container_kind(value: Any) -> str | None:
    """Return the name under which :data:`OPERATIONS` lists the value's operations."""
    for kind in (
        collections.OrderedDict,
        collections.defaultdict,
        collections.Counter,
        dict,
        list,
        collections.deque,
        bytearray,
        set,
        Record,
    ):
        if isinstance(value, kind):
            return kind.__name__
    return None


def _children(container: Any) -> list[tuple[Any, Any]]:
    if isinstance(container, dict):
        pairs = [(key, container[key]) for key in list(container.keys())]
    elif isinstance(container, Record):
        pairs = [
            (name, getattr(container, name))
            for name in ("label", "items")
            if hasattr(container, name)
        ]
    elif isinstance(container, list | tuple | collections.deque):
        pairs = list(enumerate(container))
    else:
        return []
    return [(key, value) for key, value in pairs if type(value) not in SCALAR_TYPES]


def _descend(container: Any, key: Any) -> Any:
    if isinstance(container, Record):
        return getattr(container, key)
    return container[key]


def locate(root: Any, step: Step) -> tuple[tuple[Any, ...], Any]:
    """Return the route (keys) the step walks from ``root`` and the container it reaches."""
    route: list[Any] = []
    container = root
    for choice in step.route:
        children = _children(container)
        if not children:
            break
        key, _ = children[choice % len(children)]
        route.append(key)
        container = _descend(container, key)
    return tuple(route), container


def operation_name(root: Any, step: Step) -> tuple[str | None, str]:
    """Return the container kind the step reaches and the operation it would run."""
    _, container = locate(root, step)
    kind = container_kind(container)
    if kind is None:
        return None, "none"
    operations = OPERATIONS[kind]
    return kind, sorted(operations)[step.operation % len(operations)]


def apply_step(root: Any, step: Step) -> tuple[str, Any]:
    """Run ``step`` on ``root``; return the operation's name and its result.

    Exceptions from the operation propagate. A step that reaches an immutable
    container (tuple, frozenset) or a scalar does nothing and returns ``("none", None)``.
    The step's values are copied first, so a step can run on several roots unshared.
    """
    step = copy.deepcopy(step)
    _, container = locate(root, step)
    kind = container_kind(container)
    if kind is None:
        return "none", None
    operations = OPERATIONS[kind]
    name = sorted(operations)[step.operation % len(operations)]
    return name, operations[name](container, step)
