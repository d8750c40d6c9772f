"""Proxies for mutable sequences, ``list`` and ``bytearray``, generated from method tables."""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable, Iterable, Iterator
from time import time as now
from typing import Any, ClassVar, SupportsIndex

from ..effects import EffectRecord, Permute, Sequence, Splice, _replace_items
from ..origin import get_origin
from ..values import SCALAR_TYPES, is_noop_write, snapshot_value
from .base import (
    PROXY_TYPES,
    MethodTable,
    Mutator,
    ObservedProxy,
    Outcome,
    child_of,
    mutate,
    node_of,
    place,
    reach,
    unwrap,
    unwrap_deep,
)
from .nodes import SequenceNode, resolve_path

__all__ = [
    "LIST_MUTATORS",
    "ObservedByteArray",
    "ObservedList",
    "ObservedSequence",
    "sequence_diff",
    "snapshot_items",
]

_node = node_of


def snapshot_items(items: Iterable[Any]) -> tuple[Any, ...]:
    """Return plain snapshots of ``items`` as a tuple."""
    return tuple(map(snapshot_value, items))


def splice(at: int, removed: tuple[Any, ...], inserted: tuple[Any, ...]) -> Splice:
    """Return a splice effect."""
    return Splice("splice", at, removed, inserted)


def insertion_index(index: SupportsIndex, length: int) -> int:
    """Return where ``list.insert(index, x)`` puts ``x`` in a sequence of ``length``."""
    position = operator.index(index)
    if position < 0:
        return max(0, position + length)
    return min(position, length)


def item_index(index: SupportsIndex, length: int) -> int:
    """Return the non-negative position that ``index`` names, raising ``IndexError`` if none."""
    position = operator.index(index)
    if position < 0:
        position += length
    if not 0 <= position < length:
        raise IndexError("index out of range")
    return position


def sequence_diff(target: Any, before: list[Any]) -> EffectRecord | None:
    """Return one splice turning ``before`` into ``target``'s items (compared by identity)."""
    after = list(target)
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] is after[start]:
        start += 1
    end_before, end_after = len(before), len(after)
    while (
        end_before > start and end_after > start and before[end_before - 1] is after[end_after - 1]
    ):
        end_before -= 1
        end_after -= 1
    if start == end_before and start == end_after:
        return None
    return splice(
        start, snapshot_items(before[start:end_before]), snapshot_items(after[start:end_after])
    )


def slice_effect(
    key: slice, old_items: list[Any], new_items: list[Any] | None
) -> EffectRecord | None:
    """Describe assigning ``new_items`` (or deleting, for ``None``) at ``key``, already done."""
    start, stop, step = key.indices(len(old_items))
    if step == 1:
        stop = max(start, stop)
        removed = old_items[start:stop]
        inserted = [] if new_items is None else new_items
        if len(removed) == len(inserted) and all(map(is_noop_write, removed, inserted)):
            return None
        return splice(start, snapshot_items(removed), snapshot_items(inserted))
    indices = range(start, stop, step)
    steps: tuple[EffectRecord, ...]
    if new_items is None:
        # Delete from the highest index down, so that each splice sees the indices it names.
        steps = tuple(splice(i, (snapshot_value(old_items[i]),), ()) for i in sorted(indices)[::-1])
    else:
        steps = tuple(
            splice(i, (snapshot_value(old_items[i]),), (snapshot_value(new),))
            for i, new in zip(indices, new_items, strict=True)
            if not is_noop_write(old_items[i], new)
        )
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else Sequence("sequence", steps)


# -- the performers: each checks and copies what it records before it changes anything ----------
def perform_append(target: Any, item: Any) -> Outcome:
    """``append``: one item at the end."""
    value = unwrap_deep(item)
    snapshot = snapshot_value(value)
    index = len(target)
    target.append(value)
    return None, (snapshot,), splice(index, (), (snapshot,))


def _prepared_items(target: Any, items: Iterable[Any]) -> list[Any]:
    if isinstance(target, bytearray):
        source = unwrap(items)
        if isinstance(source, str):
            raise TypeError("expected an iterable of integers or a bytes-like object, not str")
        if isinstance(source, int):
            raise TypeError(f"can't extend bytearray with {type(source).__name__}")
        values = list(bytes(source)) if _is_buffer(source) else [operator.index(v) for v in source]
        bytes(values)  # range check before any change
        return values
    return [unwrap_deep(item) for item in items]


def perform_extend(target: Any, items: Iterable[Any]) -> Outcome:
    """``extend`` and ``+=``: every item at the end, as one change."""
    values = _prepared_items(target, items)
    inserted = snapshot_items(values)
    index = len(target)
    target.extend(values)
    if not values:
        return None, (), None
    return None, (inserted,), splice(index, (), inserted)


def perform_insert(target: Any, index: SupportsIndex, item: Any) -> Outcome:
    """``insert``: one item before ``index``."""
    value = unwrap_deep(item)
    inserted = snapshot_value(value)
    position = insertion_index(index, len(target))
    target.insert(index, value)
    return None, (operator.index(index), inserted), splice(position, (), (inserted,))


def perform_pop(target: Any, index: SupportsIndex = -1) -> Outcome:
    """``pop``: remove and return the item at ``index``."""
    if not len(target):
        raise IndexError(f"pop from empty {type(target).__name__}")
    position = item_index(index, len(target))
    value = target.pop(position)
    return value, (operator.index(index),), splice(position, (snapshot_value(value),), ())


def perform_remove(target: Any, item: Any) -> Outcome:
    """``remove``: the first item equal to ``item``."""
    value = unwrap(item)
    position = target.index(value)
    removed = target[position]
    del target[position]
    return None, (snapshot_value(value),), splice(position, (snapshot_value(removed),), ())


def perform_clear(target: Any) -> Outcome:
    """``clear``: every item."""
    if not len(target):
        return None, (), None
    removed = snapshot_items(target)
    target.clear()
    return None, (), splice(0, removed, ())


def perform_reverse(target: Any) -> Outcome:
    """``reverse``: recorded unless the order is unchanged by identity."""
    length = len(target)
    if all(target[i] is target[length - 1 - i] for i in range(length // 2)):
        return None, (), None
    target.reverse()
    return None, (), Permute("permute", tuple(range(length - 1, -1, -1)))


def perform_sort(
    target: Any, *, key: Callable[[Any], Any] | None = None, reverse: bool = False
) -> Outcome:
    """``sort``: stable; a comparison that raises leaves the list untouched."""
    keys: Any = list(target) if key is None else [key(item) for item in target]
    order = tuple(sorted(range(len(target)), key=keys.__getitem__, reverse=bool(reverse)))
    if all(position == source for position, source in enumerate(order)):
        return None, (), None
    items = list(target)
    _replace_items(target, 0, len(items), [items[source] for source in order])
    return None, (), Permute("permute", order)


def perform_setitem(target: Any, key: Any, value: Any) -> Outcome:
    """``p[i] = v`` and ``p[a:b] = values``."""
    if isinstance(key, slice):
        new_items = _prepared_items(target, value)
        old_items = list(target)
        target[key] = new_items
        return None, (key, snapshot_items(new_items)), slice_effect(key, old_items, new_items)
    new = unwrap_deep(value)
    if isinstance(target, bytearray):
        bytearray(1)[0] = new  # the value is checked before the index, as bytearray does
    position = item_index(key, len(target))
    old = target[position]
    snapshot = snapshot_value(new)
    target[position] = new
    if is_noop_write(old, new):
        return None, (), None
    return None, (position, snapshot), splice(position, (snapshot_value(old),), (snapshot,))


def perform_delitem(target: Any, key: Any) -> Outcome:
    """``del p[i]`` and ``del p[a:b]``."""
    if isinstance(key, slice):
        old_items = list(target)
        del target[key]
        return None, (key,), slice_effect(key, old_items, None)
    position = item_index(key, len(target))
    old = target[position]
    del target[position]
    return None, (position,), splice(position, (snapshot_value(old),), ())


def perform_imul(target: Any, times: Any) -> Outcome:
    """``*=``: repeat the items (or clear them for a count below 1)."""
    count = operator.index(times)
    before = list(target)
    target *= count
    return None, (count,), sequence_diff(target, before)


LIST_MUTATORS: MethodTable = {
    "append": Mutator(None, doc="Append ``item`` and record it (hand-inlined: hot)."),
    "extend": Mutator(perform_extend, doc="Append every item of ``items`` as one change."),
    "__iadd__": Mutator(perform_extend),
    "insert": Mutator(perform_insert, doc="Insert ``item`` before ``index`` and record it."),
    "pop": Mutator(perform_pop, returns_child=True, doc="Remove and return an item."),
    "remove": Mutator(perform_remove, doc="Remove the first item equal to ``item``."),
    "clear": Mutator(perform_clear, doc="Remove every item."),
    "reverse": Mutator(perform_reverse, doc="Reverse the items in place."),
    "sort": Mutator(perform_sort, doc="Sort in place; a comparison that raises changes nothing."),
    "__setitem__": Mutator(perform_setitem),
    "__delitem__": Mutator(perform_delitem),
    "__imul__": Mutator(perform_imul),
}
"""The mutators of ``list``."""


class ObservedSequence(ObservedProxy):
    """Readers shared by every sequence proxy: children are observed on the way out."""

    __slots__ = ()
    node_class = SequenceNode

    def __getitem__(self, index: Any) -> Any:
        node = self._self_node
        target = node.target
        value = target[index]
        if type(value) in SCALAR_TYPES:
            return value
        if isinstance(index, slice):
            start, _, step = index.indices(len(target))
            return (
                type(value)(
                    v if type(v) in SCALAR_TYPES else child_of(node, start + offset * step, v)
                    for offset, v in enumerate(value)
                )
                if type(value) in (list, tuple)
                else value
            )
        if type(index) is not int:
            index = operator.index(index)
        if index < 0:
            index += len(target)
        recent = node.recent  # the child reached last, most often this one again
        if recent is not None:
            proxy, last = recent
            if last.target is value and last.key == index and last.parent is node:
                return proxy
        kind = type(value)
        if kind in PROXY_TYPES:
            return child_of(node, index, value)
        return reach(node, index, value, kind)

    def __iter__(self) -> Iterator[Any]:
        node = _node(self)
        for index, value in enumerate(node.target):
            if type(value) in SCALAR_TYPES:
                yield value
            else:
                yield child_of(node, index, value)

    def __reversed__(self) -> Iterator[Any]:
        node = _node(self)
        target = node.target
        for index in range(len(target) - 1, -1, -1):
            value = target[index]
            yield value if type(value) in SCALAR_TYPES else child_of(node, index, value)

    def _observed(self) -> list[Any]:
        return list(iter(self))

    @classmethod
    def capture(cls, target: Any) -> list[Any]:
        """Return the items, to compare with after running the value's own code."""
        return list(target)

    @classmethod
    def restore(cls, target: Any, before: list[Any]) -> None:
        """Put back the items captured before the value's own code raised."""
        _replace_items(target, 0, len(target), before)

    diff = staticmethod(sequence_diff)


class ObservedList(ObservedSequence):
    """Proxy of a ``list``: every mutator, slices included, is recorded.

    Copies (``copy()``, ``copy.copy``, ``p + []``, ``p * 1``, slices) are plain lists
    whose mutable items are the tracked children themselves, as they are in plain Python.
    """

    __slots__ = ()
    target_type: ClassVar[type] = list
    mutators = LIST_MUTATORS

    def append(self, item: Any) -> None:
        """Append ``item`` and record it (hand-inlined: hot)."""
        node = self._self_node
        journal = node.journal
        if journal.gate is not None:
            mutate(self, "append", perform_append, (item,), {})
            return
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            kind = type(item)
            scalar = kind in SCALAR_TYPES
            if scalar:
                value = snapshot = item
            else:
                value = _node(item).target if kind in PROXY_TYPES else unwrap_deep(item)
                snapshot = snapshot_value(value)
            path = node.path if node.stamp == journal.epoch else resolve_path(node)
            index = len(target)
            target.append(value)
            if path is None:
                return
            seq = journal._version + 1
            entry = (seq, path, "append", snapshot, index, get_origin(), now())
            journal._entries.append(entry)
            journal._version = seq
            if not scalar:
                place(node, splice(index, (), (snapshot,)))
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(entry)

    def copy(self) -> list[Any]:
        """Return a plain shallow copy whose mutable items are the tracked children."""
        return self._observed()

    def __copy__(self) -> Any:
        result = copy.copy(_node(self).target)
        _replace_items(result, 0, len(result), self._observed())
        return result

    def __add__(self, other: Any) -> Any:
        if type(other) in PROXY_TYPES and isinstance(other, list):
            other = ObservedSequence._observed(other)  # type: ignore[arg-type]
        return operator.add(self._observed(), other)

    def __radd__(self, other: Any) -> Any:
        return operator.add(unwrap(other), self._observed())

    def __mul__(self, times: Any) -> Any:
        return self._observed() * times

    __rmul__ = __mul__


def _is_buffer(value: Any) -> bool:
    try:
        memoryview(value)
    except TypeError:
        return False
    return True


def perform_remove_byte(target: Any, item: Any) -> Outcome:
    """``remove`` of a bytearray: the first byte equal to the integer ``item``."""
    return perform_remove(target, operator.index(unwrap(item)))


BYTEARRAY_MUTATORS: MethodTable = {
    "append": Mutator(perform_append, doc="Append the integer ``item``."),
    **{name: row for name, row in LIST_MUTATORS.items() if name not in ("append", "sort")},
    "pop": Mutator(perform_pop, doc="Remove and return the integer at ``index``."),
    "remove": Mutator(perform_remove_byte, doc="Remove the first byte equal to ``item``."),
}
"""The mutators of ``bytearray`` (its items are integers, never observed)."""


class ObservedByteArray(ObservedSequence):
    """Proxy of a ``bytearray``: its mutators are recorded as splices of integers."""

    __slots__ = ()
    target_type: ClassVar[type] = bytearray
    mutators = BYTEARRAY_MUTATORS

    def __iter__(self) -> Iterator[Any]:
        return iter(_node(self).target)

    def __getitem__(self, index: Any) -> Any:
        return _node(self).target[index]
