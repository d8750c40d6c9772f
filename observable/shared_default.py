"""The default that copy-on-write sessions share: its objects, and who holds the aliased ones."""

from __future__ import annotations

import collections
from typing import Any

from .effects import read_storage
from .proxies.base import PROXY_TYPES
from .registry import proxy_class_for
from .values import SCALAR_TYPES, instance_attributes

__all__ = ["SharedDefault", "slots_of"]


class SharedDefault:
    """A value that many :func:`observe_shared` sessions read in place and never change.

    Making it walks the value once (O(n)) to remember which objects belong to it, and, for
    objects held at more than one place, every place that holds them; each session then
    starts in O(1). Keep the value itself unchanged: edits made to it directly (not through a
    session) would reach every session that has not copied that part.
    """

    __slots__ = ("holders", "ids", "value")

    def __init__(self, value: Any) -> None:
        """Share ``value`` (an observed value is copied first: the default is plain)."""
        if type(value) in PROXY_TYPES:
            from .observe import snapshot

            value = snapshot(value)
        self.value = value
        ids, again = _reachable(value)
        self.ids: frozenset[int] = frozenset(ids)
        """The identity of every non-scalar object in the value."""
        self.holders: dict[int, list[tuple[Any, Any]]] = _holders(value, again) if again else {}
        """Every (holder, key) of each object held at several places, and of their holders."""

    def __repr__(self) -> str:
        return f"<SharedDefault of {type(self.value).__name__}, {len(self.ids)} objects>"


def _reachable(value: Any) -> tuple[set[int], set[int]]:
    """Return the ids of every non-scalar object reachable from ``value`` (keys included), and
    of those reached more than once (aliases and cycles)."""
    seen: set[int] = set()
    again: set[int] = set()
    stack = [value]
    scalars = SCALAR_TYPES
    while stack:
        item = stack.pop()
        if type(item) in scalars:
            continue
        if id(item) in seen:
            again.add(id(item))
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack.extend(key for key in dict.keys(item) if type(key) not in scalars)
            stack.extend(inner for inner in dict.values(item) if type(inner) not in scalars)
        elif isinstance(item, list | tuple | set | frozenset | collections.deque):
            stack.extend(inner for inner in item if type(inner) not in scalars)
        elif proxy_class_for(type(item)) is not None:
            stack.extend(instance_attributes(item).values())
    return seen, again


def _holders(value: Any, aliased: set[int]) -> dict[int, list[tuple[Any, Any]]]:
    """Return the holders of each object in ``aliased`` and of each holder up to the root."""
    first: dict[int, tuple[Any, Any]] = {}
    every: dict[int, list[tuple[Any, Any]]] = {}
    visited: set[int] = set()
    stack: list[tuple[Any, Any, Any]] = [(value, None, None)]
    while stack:
        item, holder, key = stack.pop()
        if type(item) in SCALAR_TYPES:
            continue
        if holder is not None:
            if id(item) in aliased:
                every.setdefault(id(item), []).append((holder, key))
            first.setdefault(id(item), (holder, key))
        if id(item) in visited:
            continue
        visited.add(id(item))
        stack.extend((child, item, where) for where, child in slots_of(item))
    holders: dict[int, list[tuple[Any, Any]]] = {}
    todo = list(aliased)
    while todo:
        ident = todo.pop()
        if ident in holders:
            continue
        entries = every.get(ident) or ([first[ident]] if ident in first else [])
        holders[ident] = entries
        todo.extend(id(holder) for holder, _ in entries)
    return holders


def slots_of(container: Any) -> list[tuple[Any, Any]]:
    """Return the (key, child) pairs of a container or object, as :func:`store` takes them."""
    if isinstance(container, dict):
        return list(dict.items(container))
    if isinstance(container, list | tuple | collections.deque):
        return list(enumerate(container))
    if isinstance(container, set | frozenset):
        return [(None, member) for member in container]
    if proxy_class_for(type(container)) is None:
        return []
    return [
        (name, item)
        for name, item in instance_attributes(container).items()
        if read_storage(container, name) is item
    ]
