"""Proxies for mutable sequences: ``list`` and ``bytearray``."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any, SupportsIndex

from ..change import Effect
from ..values import SCALAR_TYPES, is_noop_write, snapshot_value
from .base import PROXY_TYPES, ObservedProxy, child_of, handle_refusal, mutate, node_of, unwrap
from .nodes import SequenceNode, resolve_path

__all__ = ["ObservedByteArray", "ObservedList", "ObservedSequence", "snapshot_items"]

_node = node_of


def snapshot_items(items: Iterable[Any]) -> tuple[Any, ...]:
    """Return plain snapshots of ``items`` as a tuple."""
    return tuple(map(snapshot_value, items))


def splice(index: int, removed: tuple[Any, ...], inserted: tuple[Any, ...]) -> Effect:
    """Return a splice effect."""
    return ("splice", index, removed, inserted)


def insertion_index(index: SupportsIndex, length: int) -> int:
    """Return where ``list.insert(index, x)`` puts ``x`` in a sequence of ``length``."""
    position = operator.index(index)
    if position < 0:
        return max(0, position + length)
    return min(position, length)


def slice_effect(
    target: Any, key: slice, old_items: list[Any], new_items: list[Any] | None
) -> Effect | None:
    """Describe assigning ``new_items`` (or deleting, for ``None``) at ``key``, already done."""
    start, stop, step = key.indices(len(old_items))
    if step == 1:
        stop = max(start, stop)
        removed = old_items[start:stop]
        inserted = [] if new_items is None else new_items
        if len(removed) == len(inserted) and all(map(operator.is_, removed, inserted)):
            return None
        return splice(start, snapshot_items(removed), snapshot_items(inserted))
    indices = range(start, stop, step)
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
    return steps[0] if len(steps) == 1 else ("sequence", steps)


class ObservedSequence(ObservedProxy):
    """Mutators shared by every mutable sequence proxy (list-like semantics)."""

    __slots__ = ()
    node_class = SequenceNode

    def __getitem__(self, index: Any) -> Any:
        node = _node(self)
        target = node.target
        value = target[index]
        if type(value) in SCALAR_TYPES or isinstance(index, slice):
            return value
        index = operator.index(index)
        if index < 0:
            index += len(target)
        return child_of(node, index, value)

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
            yield child_of(node, index, target[index])

    def append(self, item: Any) -> None:
        """Append ``item`` and record it."""
        node = _node(self)
        journal = node.journal
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            if type(item) in PROXY_TYPES:
                item = _node(item).target
            path = () if node.parent is None else resolve_path(node)
            index = len(target)
            target.append(item)
            if path is None:
                return
            value = item if type(item) in SCALAR_TYPES else snapshot_value(item)
            effect = ("splice", index, (), (value,))
            try:
                change = journal.record(path, "append", (value,), effect)
            except BaseException as error:
                handle_refusal(journal, target, effect, error)
                return self.append(item)
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(change)

    def _extend(self, op: str, items: Iterable[Any]) -> None:
        values = [unwrap(item) for item in items]

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            index = len(target)
            target.extend(values)
            if not values:
                return None, (), None
            inserted = snapshot_items(values)
            return None, (inserted,), splice(index, (), inserted)

        mutate(self, op, perform)

    def extend(self, items: Iterable[Any]) -> None:
        """Append every item of ``items`` and record them as one change."""
        self._extend("extend", items)

    def __iadd__(self, items: Any) -> Any:
        self._extend("iadd", items)
        return self

    def insert(self, index: SupportsIndex, item: Any) -> None:
        """Insert ``item`` before ``index`` and record it."""
        value = unwrap(item)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect]:
            position = insertion_index(index, len(target))
            target.insert(index, value)
            inserted = snapshot_value(value)
            return None, (index, inserted), splice(position, (), (inserted,))

        mutate(self, "insert", perform)

    def pop(self, index: SupportsIndex = -1) -> Any:
        """Remove and return the item at ``index`` (default last), recording it."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect]:
            length = len(target)
            value = target.pop(index)
            position = operator.index(index)
            if position < 0:
                position += length
            return value, (index,), splice(position, (snapshot_value(value),), ())

        return mutate(self, "pop", perform)

    def remove(self, item: Any) -> None:
        """Remove the first item equal to ``item``, recording where it stood."""
        value = unwrap(item)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect]:
            position = target.index(value)
            removed = target[position]
            del target[position]
            return None, (snapshot_value(value),), splice(position, (snapshot_value(removed),), ())

        mutate(self, "remove", perform)

    def clear(self) -> None:
        """Remove every item and record them."""

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            if not target:
                return None, (), None
            removed = snapshot_items(target)
            target.clear()
            return None, (), splice(0, removed, ())

        mutate(self, "clear", perform)

    def reverse(self) -> None:
        """Reverse in place; recorded unless the order is unchanged by identity."""

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            length = len(target)
            if all(target[i] is target[length - 1 - i] for i in range(length // 2)):
                return None, (), None
            target.reverse()
            return None, (), ("permute", tuple(range(length - 1, -1, -1)))

        mutate(self, "reverse", perform)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            self._assign_slice(key, value)
            return
        new = unwrap(value)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            old = target[key]
            position = operator.index(key)
            if position < 0:
                position += len(target)
            target[key] = new
            if is_noop_write(old, new):
                return None, (), None
            snapshot = snapshot_value(new)
            return None, (position, snapshot), splice(position, (snapshot_value(old),), (snapshot,))

        mutate(self, "setitem", perform)

    def _assign_slice(self, key: slice, values: Iterable[Any]) -> None:
        new_items = [unwrap(item) for item in values]

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            old_items = list(target)
            target[key] = new_items
            effect = slice_effect(target, key, old_items, new_items)
            return None, (key, snapshot_items(new_items)), effect

        mutate(self, "setitem", perform)

    def __delitem__(self, key: Any) -> None:
        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            if isinstance(key, slice):
                old_items = list(target)
                del target[key]
                return None, (key,), slice_effect(target, key, old_items, None)
            old = target[key]
            position = operator.index(key)
            if position < 0:
                position += len(target)
            del target[key]
            return None, (key,), splice(position, (snapshot_value(old),), ())

        mutate(self, "delitem", perform)

    def __imul__(self, times: Any) -> Any:
        count = operator.index(times)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            length = len(target)
            if count == 1 or length == 0:
                return None, (count,), None
            if count <= 0:
                removed = snapshot_items(target)
                target *= count
                return None, (count,), splice(0, removed, ())
            target *= count
            return None, (count,), splice(length, (), snapshot_items(target[length:]))

        mutate(self, "imul", perform)
        return self


class ObservedList(ObservedSequence):
    """Proxy of a ``list``: every mutator, slices included, is recorded."""

    __slots__ = ()

    def sort(self, *, key: Callable[[Any], Any] | None = None, reverse: bool = False) -> None:
        """Sort in place (stable); recorded as a permutation unless nothing moved.

        Unlike ``list.sort``, a comparison that raises leaves the list untouched.
        """

        def perform(target: list[Any]) -> tuple[None, tuple[Any, ...], Effect | None]:
            keys: Any = target if key is None else [key(item) for item in target]
            order = tuple(sorted(range(len(target)), key=keys.__getitem__, reverse=reverse))
            if all(position == source for position, source in enumerate(order)):
                return None, (), None
            target[:] = [target[source] for source in order]
            return None, (), ("permute", order)

        mutate(self, "sort", perform)


class ObservedByteArray(ObservedSequence):
    """Proxy of a ``bytearray``: its mutators are recorded as splices of integers."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        return iter(_node(self).target)

    def __getitem__(self, index: Any) -> Any:
        return _node(self).target[index]

    def _extend(self, op: str, items: Iterable[Any]) -> None:
        item_source = unwrap(items)
        if isinstance(item_source, str):
            raise TypeError("expected an iterable of integers or a bytes-like object, not str")
        super()._extend(op, list(bytes(item_source)) if _is_buffer(item_source) else item_source)

    def remove(self, item: Any) -> None:
        """Remove the first byte equal to the integer ``item``."""
        super().remove(operator.index(item))

    def _assign_slice(self, key: slice, values: Iterable[Any]) -> None:
        source = unwrap(values)
        if isinstance(source, int | str):
            raise TypeError(
                f"can assign only bytes, buffers, or iterables of ints, not {type(source).__name__}"
            )
        super()._assign_slice(key, list(bytes(source)) if _is_buffer(source) else source)


def _is_buffer(value: Any) -> bool:
    try:
        memoryview(value)
    except TypeError:
        return False
    return True
