"""Apply changes read from a backend so that they can only ever touch the stored value's data.

A change decoded from a backend was written by whoever can write to the backend, so it is
checked step by step against the value it is applied to, before anything happens:

- each step of its path must suit the container it enters: a key present in a dict (no
  ``defaultdict`` factory runs), an integer index in range for a list, tuple or deque, or,
  for any other object, a safe attribute name (an identifier, no dunder, no ``_self_``
  prefix) that the *instance* holds in its ``__dict__`` or in a slot. Class attributes,
  descriptors, classes, modules and callables are never entered, and set members have no
  address;
- its effect must suit the container it lands on (a splice on a sequence with the index
  in range, an attribute the class does not use for a method or property, members of a
  set, ...).

Nothing here calls ``getattr``, so :func:`observable.patch.follow_path` is never reached
with backend data. Values inside effects are whatever the codec decoded: only the types
it knows (JSON types, its tagged builtins and registered classes).
"""

from __future__ import annotations

import collections
import types
from collections.abc import Mapping, MutableMapping
from typing import Any

from ..change import MISSING, Change, Effect, Member
from ..patch import apply_effect
from .errors import CodecError
from .types import class_attribute, safe_name, settable

__all__ = ["UnsafeChange", "apply_change", "container_at"]

_SEQUENCES = (list, tuple, collections.deque)
_MUTABLE_SEQUENCES = (list, collections.deque, bytearray)


class UnsafeChange(CodecError):
    """A change read from a backend does not fit the value it would be applied to."""


def _refuse(message: str) -> UnsafeChange:
    return UnsafeChange(message)


def _opaque(value: Any) -> bool:
    """Tell whether ``value`` is something data must never enter or change."""
    return isinstance(value, type | types.ModuleType) or callable(value)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _own_attribute(target: Any, name: Any) -> Any:
    """Return the instance attribute ``name`` of ``target`` (``__dict__`` or slot), or MISSING."""
    if not safe_name(name):
        raise _refuse(f"attribute name {name!r:.80} is not allowed in stored data")
    try:
        own = object.__getattribute__(target, "__dict__")
    except AttributeError:
        own = None
    if type(own) is dict and name in own:
        return own[name]
    slot = class_attribute(type(target), name)
    if type(slot) is types.MemberDescriptorType:
        try:
            return slot.__get__(target, type(target))
        except AttributeError:
            return MISSING
    return MISSING


def _step(container: Any, step: Any) -> Any:
    if type(step) is Member:
        raise _refuse("a stored path goes through a set member, which has no address")
    if isinstance(container, Mapping):
        if not _hashable(step) or step not in container:
            raise _refuse(f"key {step!r:.80} is not in the {type(container).__name__}")
        if isinstance(container, dict):
            return dict.__getitem__(container, step)
        return container[step]
    if isinstance(container, _SEQUENCES):
        if type(step) is not int or not 0 <= step < len(container):
            raise _refuse(f"index {step!r:.40} is not in the {type(container).__name__}")
        return container[step]
    if _opaque(container):
        raise _refuse(f"a stored path enters a {type(container).__name__}")
    value = _own_attribute(container, step)
    if value is MISSING:
        raise _refuse(
            f"{type(container).__name__} instance has no attribute {step!r:.80} of its own"
        )
    return value


def container_at(root: Any, path: tuple[Any, ...]) -> Any:
    """Return the container ``path`` leads to from ``root``, checking every step."""
    container = root
    for step in path:
        container = _step(container, step)
    if _opaque(container):
        raise _refuse(f"a stored path leads to a {type(container).__name__}")
    return container


def _check_effect(container: Any, effect: Effect) -> None:
    kind = effect[0]
    if kind == "splice":
        _, index, removed, _inserted = effect
        if not isinstance(container, _MUTABLE_SEQUENCES):
            raise _refuse(f"a splice cannot apply to a {type(container).__name__}")
        if type(index) is not int or not 0 <= index <= len(container) - len(removed):
            raise _refuse(f"splice index {index!r:.40} is out of range")
    elif kind == "permute":
        order = effect[1]
        if not isinstance(container, list | collections.deque):
            raise _refuse(f"a permutation cannot apply to a {type(container).__name__}")
        if any(type(i) is not int for i in order) or sorted(order) != list(range(len(container))):
            raise _refuse("a stored permutation does not fit the sequence")
    elif kind == "item":
        key, new = effect[1], effect[3]
        if isinstance(container, list):
            if type(key) is not int or not 0 <= key < len(container) or new is MISSING:
                raise _refuse(f"list index {key!r:.40} is out of range")
        elif not isinstance(container, MutableMapping):
            raise _refuse(f"an item cannot be set on a {type(container).__name__}")
        elif not _hashable(key) or (new is MISSING and key not in container):
            raise _refuse(f"key {key!r:.80} cannot be changed")
    elif kind == "attr":
        name, new = effect[1], effect[3]
        if _opaque(container) or isinstance(container, Mapping | _SEQUENCES | set):
            raise _refuse(f"an attribute cannot be set on a {type(container).__name__}")
        if not settable(type(container), name):
            raise _refuse(f"attribute {name!r:.80} of {type(container).__name__} is not data")
        if new is MISSING and _own_attribute(container, name) is MISSING:
            raise _refuse(f"attribute {name!r:.80} cannot be deleted")
    elif kind == "members":
        if not isinstance(container, set):
            raise _refuse(f"members cannot be changed on a {type(container).__name__}")
        if not all(_hashable(member) for member in (*effect[1], *effect[2])):
            raise _refuse("stored set members are not hashable")
    elif kind == "reorder":
        if not isinstance(container, dict) or not all(
            _hashable(key) and key in container for key in effect[2]
        ):
            raise _refuse("a stored reorder names keys the mapping lacks")
    elif kind != "sequence":
        raise _refuse(f"unknown effect kind {kind!r:.40}")


def _apply(container: Any, effect: Effect) -> None:
    if effect[0] == "sequence":
        for step in effect[1]:
            _apply(container, step)
        return
    _check_effect(container, effect)
    apply_effect(container, effect)


def apply_change(root: Any, change: Change) -> None:
    """Apply a change read from a backend to ``root``, after checking that it fits.

    Raise :class:`UnsafeChange` (a :class:`CodecError` naming the store key) when it
    does not; a failure of the operation itself is reported the same way.
    """
    key = change.path[0] if change.path else None
    try:
        if change.path and not isinstance(change.path[0], str):
            raise _refuse("a stored path must start with a store key")
        container = container_at(root, change.path)
        if not change.path and change.effect[0] not in ("item", "sequence", "reorder"):
            raise _refuse("only keys can be set or removed at the root of a store")
        _apply(container, change.effect)
    except UnsafeChange as error:
        raise UnsafeChange(
            f"change {change.seq} ({change.op!r:.40}) was refused: {error}", key=key
        ) from None
    except Exception as error:  # the checked operation may still fail on odd data
        raise UnsafeChange(
            f"change {change.seq} ({change.op!r:.40}) failed: {type(error).__name__}: {error}",
            key=key,
        ) from error
