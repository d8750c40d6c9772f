"""Proxies for ``set`` (recorded as member effects) and read-only ``frozenset``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from time import time as now
from typing import Any, ClassVar

from ..effects import EffectRecord, Members
from ..origin import get_origin
from ..values import SCALAR_TYPES, snapshot_value
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
    unwrap,
    unwrap_deep,
)
from .nodes import MemberNode, member_key, resolve_path

__all__ = ["SET_MUTATORS", "ObservedFrozenSet", "ObservedSet", "members"]

_node = node_of


def members(added: Iterable[Any], removed: Iterable[Any]) -> Members | None:
    """Return a members effect, or ``None`` when nothing was added or removed."""
    added = tuple(map(snapshot_value, added))
    removed = tuple(map(snapshot_value, removed))
    if not added and not removed:
        return None
    return Members("members", added, removed)


def _stored_member(target: Any, value: Any) -> Any:
    # ``{1}.discard(True)`` removes ``1``: record the member that was stored, not the argument.
    if type(value) is str:
        return value
    for member in target:
        if member == value:
            return member
    return value


def _as_set(other: Any) -> set[Any] | frozenset[Any]:
    other = unwrap(other)
    if type(other) is set or type(other) is frozenset:
        return other
    # A set method reads a set argument's storage, never its class's own ``__iter__``.
    if isinstance(other, set):
        return set(set.__iter__(other))
    if isinstance(other, frozenset):
        return frozenset(frozenset.__iter__(other))
    return set(map(unwrap_deep, other))


def perform_add(target: Any, item: Any) -> Outcome:
    """``add``: recorded only when ``item`` was not already a member."""
    value = unwrap_deep(item)
    if value in target:
        return None, (), None
    snapshot = snapshot_value(value)
    target.add(value)
    return None, (snapshot,), Members("members", (snapshot,), ())


def perform_discard(target: Any, item: Any) -> Outcome:
    """``discard``: recorded only when ``item`` was a member."""
    value = unwrap(item)
    if value not in target:
        return None, (), None
    stored = _stored_member(target, value)
    target.discard(value)
    return None, (snapshot_value(stored),), members((), (stored,))


def perform_remove(target: Any, item: Any) -> Outcome:
    """``remove``: raises ``KeyError`` when ``item`` is absent."""
    value = unwrap(item)
    if value not in target:
        raise KeyError(value)
    return perform_discard(target, value)


def perform_pop(target: Any) -> Outcome:
    """``pop``: remove and return an arbitrary member."""
    value = target.pop()
    return value, (), members((), (value,))


def perform_clear(target: Any) -> Outcome:
    """``clear``: every member."""
    removed = tuple(target)
    target.clear()
    return None, (), members((), removed)


def _planned(plan: Any, single: bool = False) -> Any:
    def perform(target: Any, *others: Any) -> Outcome:
        if single and len(others) != 1:
            raise TypeError(f"expected 1 argument, got {len(others)}")
        sets = [_as_set(other) for other in others]
        added, removed = plan(target, sets)
        args = tuple(set(map(snapshot_value, other)) for other in sets)
        effect = members(added, removed)
        target.difference_update(removed)
        target.update(added)
        return None, args, effect

    return perform


def _operator(plan: Any) -> Any:
    planned = _planned(plan, single=True)

    def perform(target: Any, other: Any) -> Outcome:
        if not isinstance(unwrap(other), set | frozenset):
            return NotImplemented, (), None
        outcome: Outcome = planned(target, other)
        return outcome

    return perform


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


SET_MUTATORS: MethodTable = {
    "add": Mutator(None, doc="Add ``item`` (hand-inlined: hot)."),
    "discard": Mutator(perform_discard, doc="Remove ``item`` if it is a member."),
    "remove": Mutator(perform_remove, doc="Remove ``item``; ``KeyError`` when absent."),
    "pop": Mutator(perform_pop, returns_child=True, doc="Remove and return a member."),
    "clear": Mutator(perform_clear, doc="Remove every member."),
    "update": Mutator(_planned(_plan_union), doc="Add the members of every iterable."),
    "intersection_update": Mutator(_planned(_plan_intersection), doc="Keep common members."),
    "difference_update": Mutator(_planned(_plan_difference), doc="Remove others' members."),
    "symmetric_difference_update": Mutator(
        _planned(_plan_symmetric, single=True), doc="Keep members found in exactly one."
    ),
    "__ior__": Mutator(_operator(_plan_union)),
    "__iand__": Mutator(_operator(_plan_intersection)),
    "__isub__": Mutator(_operator(_plan_difference)),
    "__ixor__": Mutator(_operator(_plan_symmetric)),
}
"""The mutators of ``set``."""


def set_diff(target: Any, before: set[Any]) -> EffectRecord | None:
    """Return the members effect turning ``before`` into ``target``."""
    after = set(set.__iter__(target))
    return members([v for v in after if v not in before], [v for v in before if v not in after])


class ObservedFrozenSet(ObservedProxy):
    """Read-only proxy of a ``frozenset``: its mutable members are still observed."""

    __slots__ = ()
    node_class = MemberNode
    target_type: ClassVar[type] = frozenset

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
    target_type: ClassVar[type] = set
    mutators = SET_MUTATORS

    def add(self, item: Any) -> None:
        """Add ``item``; recorded only when it was not already a member (hand-inlined: hot)."""
        node = self._self_node
        journal = node.journal
        if journal.gate is not None:
            mutate(self, "add", perform_add, (item,), {})
            return
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            kind = type(item)
            if kind in SCALAR_TYPES:
                value = snapshot = item
            else:
                value = _node(item).target if kind in PROXY_TYPES else unwrap_deep(item)
                snapshot = snapshot_value(value)
            if value in target:
                return
            path = node.path if node.stamp == journal.epoch else resolve_path(node)
            target.add(value)
            if path is None:
                return
            seq = journal._version + 1
            entry = (seq, path, "add", snapshot, get_origin(), now())
            journal._entries.append(entry)
            journal._version = seq
            if kind not in SCALAR_TYPES:
                place(node, Members("members", (snapshot,), ()))
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(entry)

    def copy(self) -> Any:
        """Return the shallow copy the value's own ``copy`` makes (a plain set for a subclass)."""
        target = _node(self).target
        return type(target).copy(target)

    @classmethod
    def capture(cls, target: Any) -> set[Any]:
        """Return the members, to compare with after running the value's own code."""
        return set(set.__iter__(target))

    @classmethod
    def restore(cls, target: Any, before: set[Any]) -> None:
        """Put back the members captured before the value's own code raised."""
        set.clear(target)
        set.update(target, before)

    diff = staticmethod(set_diff)
