"""Proxy for ``collections.deque``, with ``maxlen`` evictions visible in the recorded effect."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex

from ..change import Effect
from ..values import snapshot_value
from .base import mutate, node_of, unwrap
from .sequences import ObservedSequence, snapshot_items, splice

__all__ = ["ObservedDeque"]

_node = node_of


def _bounded_growth(
    before: list[Any], after: list[Any], added: int, at_left: bool
) -> Effect | None:
    """Describe adding ``added`` items at one end of a bounded deque that dropped from the other."""
    survivors = min(added, len(after))
    kept = len(after) - survivors
    dropped = len(before) - kept
    steps: list[Effect] = []
    if at_left:
        if dropped:
            steps.append(splice(kept, snapshot_items(before[kept:]), ()))
        if survivors:
            steps.append(splice(0, (), snapshot_items(after[:survivors])))
    else:
        if dropped:
            steps.append(splice(0, snapshot_items(before[:dropped]), ()))
        if survivors:
            steps.append(splice(kept, (), snapshot_items(after[kept:])))
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else ("sequence", tuple(steps))


class ObservedDeque(ObservedSequence):
    """Proxy of a ``collections.deque``: every mutator is recorded, evictions included."""

    __slots__ = ()

    def append(self, item: Any) -> None:
        """Append ``item`` on the right; a full bounded deque drops its leftmost item."""
        if _node(self).target.maxlen is None:
            ObservedSequence.append(self, item)
        else:
            self._grow("append", [unwrap(item)], at_left=False)

    def appendleft(self, item: Any) -> None:
        """Append ``item`` on the left; a full bounded deque drops its rightmost item."""
        self._grow("appendleft", [unwrap(item)], at_left=True)

    def extend(self, items: Iterable[Any]) -> None:
        """Append every item on the right, recording any evictions."""
        self._grow("extend", [unwrap(item) for item in items], at_left=False)

    def extendleft(self, items: Iterable[Any]) -> None:
        """Append every item on the left (so they end up reversed), recording any evictions."""
        self._grow("extendleft", [unwrap(item) for item in items], at_left=True)

    def __iadd__(self, items: Any) -> Any:
        self._grow("iadd", [unwrap(item) for item in items], at_left=False)
        return self

    def _grow(self, op: str, values: list[Any], at_left: bool) -> None:
        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            snapshots = snapshot_items(values)
            args = snapshots[:1] if op in ("append", "appendleft") else (snapshots,)
            if target.maxlen is None:
                length = len(target)
                (target.extendleft if at_left else target.extend)(values)
                if not values:
                    return None, args, None
                if at_left:
                    return None, args, splice(0, (), snapshots[::-1])
                return None, args, splice(length, (), snapshots)
            before = list(target)
            (target.extendleft if at_left else target.extend)(values)
            return None, args, _bounded_growth(before, list(target), len(values), at_left)

        mutate(self, op, perform)

    def popleft(self) -> Any:
        """Remove and return the leftmost item, recording it."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect]:
            value = target.popleft()
            return value, (), splice(0, (snapshot_value(value),), ())

        return mutate(self, "popleft", perform)

    def pop(self) -> Any:  # type: ignore[override]
        """Remove and return the rightmost item, recording it."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect]:
            value = target.pop()
            return value, (), splice(len(target), (snapshot_value(value),), ())

        return mutate(self, "pop", perform)

    def rotate(self, steps: SupportsIndex = 1) -> None:
        """Rotate ``steps`` to the right (left if negative), recorded as a permutation."""
        count = operator.index(steps)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            length = len(target)
            order = tuple((i - count) % length for i in range(length)) if length else ()
            if all(target[i] is target[source] for i, source in enumerate(order)):
                target.rotate(count)
                return None, (count,), None
            target.rotate(count)
            return None, (count,), ("permute", order)

        mutate(self, "rotate", perform)

    def __imul__(self, times: Any) -> Any:
        count = operator.index(times)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            before = list(target)
            target *= count
            after = list(target)
            if len(before) == len(after) and all(map(operator.is_, before, after)):
                return None, (count,), None
            return None, (count,), splice(0, snapshot_items(before), snapshot_items(after))

        mutate(self, "imul", perform)
        return self
