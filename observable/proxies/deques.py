"""Proxy for ``collections.deque``, with ``maxlen`` evictions visible in the recorded effect."""

from __future__ import annotations

import collections
import copy
import operator
from typing import Any, ClassVar, SupportsIndex

from ..effects import Permute
from ..values import is_noop_write, snapshot_value
from .base import MethodTable, Mutator, Outcome, mutate, node_of, unwrap_deep, with_children
from .sequences import (
    LIST_MUTATORS,
    ObservedList,
    ObservedSequence,
    item_index,
    perform_append,
    sequence_diff,
    splice,
)

__all__ = ["DEQUE_MUTATORS", "ObservedDeque"]

_node = node_of


def _grow(method: str, single: bool) -> Any:
    def perform(target: Any, items: Any) -> Outcome:
        values = [unwrap_deep(items)] if single else [unwrap_deep(item) for item in items]
        snapshots = tuple(map(snapshot_value, values))
        before = list(target)
        getattr(collections.deque, method)(target, values)
        args = snapshots if single else (snapshots,)
        return None, args, sequence_diff(target, before)

    return perform


def perform_bounded_append(target: Any, item: Any) -> Outcome:
    """``append``: at the right; a full bounded deque drops its leftmost item."""
    outcome: Outcome = (
        perform_append(target, item) if target.maxlen is None else _GROW_ONE(target, item)
    )
    return outcome


_GROW_ONE = _grow("extend", single=True)


def perform_pop(target: Any) -> Outcome:
    """``pop``: remove and return the rightmost item."""
    value = target.pop()
    return value, (), splice(len(target), (snapshot_value(value),), ())


def perform_popleft(target: Any) -> Outcome:
    """``popleft``: remove and return the leftmost item."""
    value = target.popleft()
    return value, (), splice(0, (snapshot_value(value),), ())


def perform_rotate(target: Any, steps: SupportsIndex = 1) -> Outcome:
    """``rotate``: ``steps`` to the right (left if negative), recorded as a permutation."""
    count = operator.index(steps)
    length = len(target)
    order = tuple((i - count) % length for i in range(length)) if length else ()
    unchanged = all(target[i] is target[source] for i, source in enumerate(order))
    target.rotate(count)
    return None, (count,), None if unchanged else Permute("permute", order)


def perform_insert(target: Any, index: SupportsIndex, item: Any) -> Outcome:
    """``insert``: raises ``IndexError`` on a full bounded deque, as deque does."""
    value = unwrap_deep(item)
    snapshot = snapshot_value(value)
    before = list(target)
    target.insert(index, value)
    return None, (operator.index(index), snapshot), sequence_diff(target, before)


def perform_setitem(target: Any, key: Any, value: Any) -> Outcome:
    """``d[i] = v`` (deques have no slices)."""
    new = unwrap_deep(value)
    position = item_index(key, len(target))
    before = list(target)
    target[position] = new
    if is_noop_write(before[position], new):
        return None, (position, snapshot_value(new)), None
    return None, (position, snapshot_value(new)), sequence_diff(target, before)


def perform_delitem(target: Any, key: Any) -> Outcome:
    """``del d[i]``."""
    position = item_index(key, len(target))
    old = target[position]
    del target[position]
    return None, (position,), splice(position, (snapshot_value(old),), ())


def perform_imul(target: Any, times: Any) -> Outcome:
    """``*=``: repeat the items, a bounded deque keeping its rightmost ones."""
    count = operator.index(times)
    before = list(target)
    target *= count
    return None, (count,), sequence_diff(target, before)


DEQUE_MUTATORS: MethodTable = {
    **{name: LIST_MUTATORS[name] for name in ("remove", "clear", "reverse")},
    "append": Mutator(None, doc="Append ``item`` on the right (hand-inlined: hot)."),
    "appendleft": Mutator(_grow("extendleft", single=True), doc="Append ``item`` on the left."),
    "extend": Mutator(_grow("extend", single=False), doc="Append every item on the right."),
    "extendleft": Mutator(_grow("extendleft", single=False), doc="Append items on the left."),
    "__iadd__": Mutator(_grow("extend", single=False)),
    "insert": Mutator(perform_insert, doc="Insert ``item`` before ``index``."),
    "pop": Mutator(perform_pop, returns_child=True, doc="Remove and return the rightmost item."),
    "popleft": Mutator(perform_popleft, returns_child=True, doc="Remove the leftmost item."),
    "rotate": Mutator(perform_rotate, doc="Rotate ``steps`` to the right."),
    "__setitem__": Mutator(perform_setitem),
    "__delitem__": Mutator(perform_delitem),
    "__imul__": Mutator(perform_imul),
}
"""The mutators of ``collections.deque``."""


class ObservedDeque(ObservedSequence):
    """Proxy of a ``collections.deque``: every mutator is recorded, evictions included."""

    __slots__ = ()
    target_type: ClassVar[type] = collections.deque
    mutators = DEQUE_MUTATORS

    def append(self, item: Any) -> None:
        """Append ``item`` on the right; a full bounded deque drops its leftmost item."""
        if self._self_node.target.maxlen is None:
            ObservedList.append(self, item)  # type: ignore[arg-type]
        else:
            mutate(self, "append", perform_bounded_append, (item,), {})

    def copy(self) -> Any:
        """Return the shallow copy the value's own ``copy`` makes, its mutable items the
        tracked children."""
        node = _node(self)
        return with_children(node, type(node.target).copy(node.target))

    def __copy__(self) -> Any:
        node = _node(self)
        return with_children(node, copy.copy(node.target))

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, collections.deque):
            return NotImplemented
        result = self.copy()
        result.extend(other)
        return result
