"""Copying one object of a shared default, and putting the copy in place, running none of its
containers' own code (an overridden ``append`` or ``__setitem__`` must not run twice)."""

from __future__ import annotations

import collections
import copy
from typing import Any, cast

from .change import MISSING
from .effects import read_storage, write_storage
from .proxies.nodes import INSTANCE_DICT

__all__ = ["deep_or_same", "holds", "rebuilt", "shallow", "store"]


def deep_or_same(value: Any) -> Any:
    """Return a deep copy of a library object, or the object itself when it cannot be copied
    (a lock: shared by reference, as :func:`observable.snapshot` keeps it)."""
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def shallow(value: Any) -> Any:
    """Return a shallow copy of ``value`` that runs none of its container's own code."""
    kind = type(value)
    if kind is tuple or kind is frozenset:
        return kind(list(value))
    if isinstance(value, tuple):
        return tuple.__new__(kind, list(value))
    if isinstance(value, frozenset):
        return frozenset.__new__(kind, list(value))
    base = next((b for b in _BASES if isinstance(value, b)), None)
    if base is None or kind in _BASES:
        return copy.copy(value)
    new = cast(Any, base).__new__(kind)
    if base is collections.deque:
        collections.deque.__init__(new, value, value.maxlen)
    elif base is collections.OrderedDict:
        for key, item in dict.items(value):
            collections.OrderedDict.__setitem__(new, key, item)
    elif base is dict:
        dict.update(new, value)
        if isinstance(value, collections.defaultdict):
            new.default_factory = value.default_factory
    elif base is list:
        list.extend(new, value)
    elif base is set:
        set.update(new, value)
    else:
        new[:] = value
    own = getattr(value, "__dict__", None)
    if own:
        new.__dict__.update(own)
    return new


_BASES: tuple[type, ...] = (
    collections.deque,
    collections.OrderedDict,
    dict,
    list,
    set,
    bytearray,
)


def rebuilt(container: Any, key: Any, old: Any, new: Any) -> Any:
    """Return a tuple or frozenset like ``container`` with ``new`` for ``old`` (at ``key``)."""
    if isinstance(container, tuple):
        items = list(container)
        items[key] = new
        return tuple.__new__(type(container), items)
    return frozenset.__new__(type(container), [new if m is old else m for m in container])


def holds(container: Any, key: Any, value: Any) -> bool:
    """Tell whether ``container`` holds ``value`` at ``key`` (a set: as a member)."""
    try:
        if isinstance(container, set | frozenset):
            return any(member is value for member in container)
        if isinstance(container, dict):
            return dict.get(container, key, MISSING) is value
        if isinstance(container, list | tuple | collections.deque):
            return container[key] is value
        return read_storage(container, key) is value
    except (IndexError, TypeError, KeyError):
        return False


def store(container: Any, key: Any, old: Any, new: Any) -> None:
    """Put ``new`` where ``container`` holds ``old`` (at ``key``), running none of its code."""
    if isinstance(container, collections.OrderedDict):
        collections.OrderedDict.__setitem__(container, key, new)
    elif isinstance(container, dict):
        dict.__setitem__(container, key, new)
    elif isinstance(container, list):
        list.__setitem__(container, key, new)
    elif isinstance(container, collections.deque):
        collections.deque.__setitem__(container, key, new)
    elif isinstance(container, set):
        set.discard(container, old)
        set.add(container, new)
    elif key is INSTANCE_DICT:
        raise TypeError("an object's __dict__ is never replaced")
    else:
        write_storage(container, key, new)
