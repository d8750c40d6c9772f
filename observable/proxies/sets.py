"""Proxies for ``set`` (recorded as member effects) and read-only ``frozenset``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..change import Effect
from ..values import SCALAR_TYPES, snapshot_value
from .base import PROXY_TYPES, ObservedProxy, child_of, handle_refusal, mutate, node_of, unwrap
from .nodes import MemberNode, member_key, resolve_path

__all__ = ["ObservedFrozenSet", "ObservedSet"]

_node = node_of


def members(added: Iterable[Any], removed: Iterable[Any]) -> Effect | None:
    """Return a members effect, or ``None`` when nothing was added or removed."""
    added = tuple(map(snapshot_value, added))
    removed = tuple(map(snapshot_value, removed))
    if not added and not removed:
        return None
    return ("members", added, removed)


def _as_set(other: Any) -> set[Any] | frozenset[Any]:
    other = unwrap(other)
    if isinstance(other, set | frozenset):
        return other
    return set(map(unwrap, other))


class ObservedFrozenSet(ObservedProxy):
    """Read-only proxy of a ``frozenset``: its mutable members are still observed."""

    __slots__ = ()
    node_class = MemberNode

    def __iter__(self) -> Iterator[Any]:
        node = _node(self)
        for value in node.target:
            if type(value) in SCALAR_TYPES:
                yield value
            else:
                yield child_of(node, member_key(value), value)


class ObservedSet(ObservedFrozenSet):
    """Proxy of a ``set``: every mutator and in-place operator is recorded."""

    __slots__ = ()

    def add(self, item: Any) -> None:
        """Add ``item``; recorded only when it was not already a member."""
        node = _node(self)
        journal = node.journal
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            if type(item) in PROXY_TYPES:
                item = _node(item).target
            if item in target:
                return
            path = () if node.parent is None else resolve_path(node)
            target.add(item)
            if path is None:
                return
            value = item if type(item) in SCALAR_TYPES else snapshot_value(item)
            effect = ("members", (value,), ())
            try:
                change = journal.record(path, "add", (value,), effect)
            except BaseException as error:
                handle_refusal(journal, target, effect, error)
                return self.add(item)
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(change)

    def discard(self, item: Any) -> None:
        """Remove ``item`` if present; recorded only when it was."""
        value = unwrap(item)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            if value not in target:
                return None, (value,), None
            target.discard(value)
            return None, (snapshot_value(value),), members((), (value,))

        mutate(self, "discard", perform)

    def remove(self, item: Any) -> None:
        """Remove ``item``, raising ``KeyError`` when it is absent."""
        value = unwrap(item)

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            target.remove(value)
            return None, (snapshot_value(value),), members((), (value,))

        mutate(self, "remove", perform)

    def pop(self) -> Any:
        """Remove and return an arbitrary member."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect | None]:
            value = target.pop()
            return value, (), members((), (value,))

        return mutate(self, "pop", perform)

    def clear(self) -> None:
        """Remove every member, recording them."""

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            removed = tuple(target)
            target.clear()
            return None, (), members((), removed)

        mutate(self, "clear", perform)

    def _change(self, op: str, others: tuple[Any, ...], plan: Any) -> None:
        sets = [_as_set(other) for other in others]

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            added, removed = plan(target, sets)
            target.difference_update(removed)
            target.update(added)
            args = tuple(set(map(snapshot_value, other)) for other in sets)
            return None, args, members(added, removed)

        mutate(self, op, perform)

    def update(self, *others: Iterable[Any]) -> None:
        """Add the members of every iterable in ``others``."""
        self._change("update", others, _plan_union)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        """Keep only members found in every iterable of ``others``."""
        self._change("intersection_update", others, _plan_intersection)

    def difference_update(self, *others: Iterable[Any]) -> None:
        """Remove the members found in any iterable of ``others``."""
        self._change("difference_update", others, _plan_difference)

    def symmetric_difference_update(self, other: Iterable[Any]) -> None:
        """Keep the members found in exactly one of this set and ``other``."""
        self._change("symmetric_difference_update", (other,), _plan_symmetric)

    def _operator(self, op: str, other: Any, plan: Any) -> Any:
        if not isinstance(unwrap(other), set | frozenset):
            return NotImplemented
        self._change(op, (other,), plan)
        return self

    def __ior__(self, other: Any) -> Any:
        return self._operator("ior", other, _plan_union)

    def __iand__(self, other: Any) -> Any:
        return self._operator("iand", other, _plan_intersection)

    def __isub__(self, other: Any) -> Any:
        return self._operator("isub", other, _plan_difference)

    def __ixor__(self, other: Any) -> Any:
        return self._operator("ixor", other, _plan_symmetric)


Plan = tuple[list[Any], list[Any]]


def _plan_union(target: set[Any], others: list[set[Any]]) -> Plan:
    added: dict[Any, None] = {}
    for other in others:
        for value in other:
            if value not in target:
                added.setdefault(value)
    return list(added), []


def _plan_intersection(target: set[Any], others: list[set[Any]]) -> Plan:
    return [], [value for value in target if not all(value in other for other in others)]


def _plan_difference(target: set[Any], others: list[set[Any]]) -> Plan:
    return [], [value for value in target if any(value in other for other in others)]


def _plan_symmetric(target: set[Any], others: list[set[Any]]) -> Plan:
    (other,) = others
    removed = [value for value in target if value in other]
    added = [value for value in other if value not in target]
    return added, removed
