"""The default that copy-on-write sessions share: its objects, and who holds the aliased ones."""

from __future__ import annotations

import collections
from typing import Any

from .effects import read_storage
from .proxies.base import PROXY_TYPES
from .registry import proxy_class_for
from .values import SCALAR_TYPES, instance_attributes

__all__ = ["SharedDefault", "has_copy_hooks", "slots_of"]


class SharedDefault:
    """A value that many :func:`observe_shared` sessions read in place and never change.

    Making it walks the value once (O(n)) to remember which objects belong to it, and, for
    objects held at more than one place, every place that holds them; each session then
    starts in O(1). Keep the value itself unchanged: edits made to it directly (not through a
    session) would reach every session that has not copied that part.
    """

    __slots__ = ("holders", "ids", "unshareable", "value")

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
        self.unshareable: str | None = "it holds an object at two places" if again else None
        """Why sessions cannot share this value (they then each get a deep copy), or ``None``."""
        if self.unshareable is None:
            self.unshareable = _unshareable_part(value)

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


_CONTAINERS = (dict, list, tuple, collections.deque, bytearray, set, frozenset)
_SHAREABLE_CONTAINERS = frozenset(
    {*_CONTAINERS, collections.Counter, collections.OrderedDict, collections.defaultdict}
)
# Exactly these types, whose proxies have their own method tables: a user subclass's own
# methods run on the raw value.

_CODE_THAT_WRITES = ("__setattr__", "__delattr__", "__setitem__", "__delitem__")
# A user class defining one of these runs its own code on the raw object: a session could
# not copy it part by part the way a deep copy does.

_COPY_HOOKS = (
    "__copy__",
    "__deepcopy__",
    "__reduce__",
    "__reduce_ex__",
    "__getstate__",
    "__setstate__",
)


def has_copy_hooks(kind: type) -> bool:
    """Tell whether a user class decides how its objects are copied (a session deep-copies
    such an object, with its own hooks, when it first reaches it)."""
    if issubclass(kind, _CONTAINERS):
        return False  # the containers' own hooks; sessions copy them part by part
    return any(name in klass.__dict__ for klass in kind.__mro__[:-1] for name in _COPY_HOOKS)


def _unshareable_part(value: Any) -> str | None:
    """Return why copy-on-write cannot promise deep-copy behaviour for ``value``, or ``None``.

    Shared sessions copy containers shallowly as they write. That equals a deep copy for the
    built-in containers with immutable keys and members, and for objects whose attributes
    are plain storage; other shapes get a deep copy per session instead.
    """
    stack = [value]
    scalars = SCALAR_TYPES
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in scalars:
            continue
        if kind in PROXY_TYPES:
            return "it holds an observed value"
        if isinstance(item, _CONTAINERS):
            if kind not in _SHAREABLE_CONTAINERS:
                return f"it holds a {kind.__name__}, a subclass of a built-in container"
            if isinstance(item, dict):
                if not all(_immutable(key) for key in item):
                    return "a dict in it has a mutable key"
                stack.extend(item.values())
            elif kind is set or kind is frozenset:
                if not all(_immutable(member) for member in item):
                    return "a set in it has a mutable member"
            elif kind is not bytearray:
                stack.extend(item)
        elif proxy_class_for(kind) is not None:
            for klass in kind.__mro__[:-1]:
                for name in _CODE_THAT_WRITES:
                    if name in klass.__dict__:
                        return f"its {kind.__name__} objects define {name}"
            stack.extend(instance_attributes(item).values())
    return None


def _immutable(item: Any) -> bool:
    if type(item) in SCALAR_TYPES:
        return True
    return type(item) is tuple and all(_immutable(part) for part in item)


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
