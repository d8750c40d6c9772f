"""Value helpers shared by proxies and patches: immutable scalars, snapshots, no-op tests."""

from __future__ import annotations

import collections
import copy
import datetime
import decimal
import fractions
import uuid
from typing import Any

from .change import MISSING
from .source import is_user_class

__all__ = [
    "EXACT_TYPES",
    "SCALAR_TYPES",
    "indistinguishable",
    "instance_attribute",
    "instance_attributes",
    "is_noop_write",
    "snapshot_value",
]

SCALAR_TYPES: frozenset[type] = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        range,
        decimal.Decimal,
        fractions.Fraction,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        datetime.timezone,
        uuid.UUID,
        type(Ellipsis),
        type(NotImplemented),
    }
)
"""Immutable scalar types: returned raw by proxies and never copied."""

_deepcopy = copy.deepcopy
EXACT_TYPES: frozenset[type] = frozenset({type(None), bool, int, str, bytes})
"""Scalars whose equality (within one type) already means indistinguishable."""


def snapshot_value(value: Any) -> Any:
    """Return a plain deep copy of ``value``, or ``value`` itself when it is an immutable scalar.

    Parts that cannot be deep-copied (locks, queues, generators, objects whose
    ``__deepcopy__`` raises) are kept by reference, as plain Python keeps them.
    """
    if type(value) in SCALAR_TYPES:
        return value
    return plain_copy(value, {})


def plain_copy(value: Any, memo: dict[int, Any]) -> Any:
    """Deep-copy ``value`` the way it is stored, running none of its containers' own code.

    Subclasses of dict, list, set and deque are rebuilt through the base type, so a
    ``__setitem__`` or ``append`` override does not run twice; other objects go through
    :func:`copy.deepcopy`, and parts that cannot be copied are kept by reference.
    """
    kind = type(value)
    if kind in SCALAR_TYPES:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if kind is tuple:
        return tuple([plain_copy(item, memo) for item in value])
    builder = _BUILDERS.get(kind) or _subclass_builder(kind)
    if builder is None:
        known = len(memo)
        try:
            return _deepcopy(value, memo)
        except Exception:
            # The failed attempt left half-built copies in the memo: forget them.
            for stale in list(memo)[known:]:
                if stale != id(memo):  # deepcopy's keep-alive list protects ids in use
                    del memo[stale]
            return _copy_around_uncopyable(value, memo)
    copied = builder(value, memo)
    return copied


_OBJECT_REDUCE_EX = object.__reduce_ex__
_OBJECT_REDUCE = object.__reduce__


def _copy_around_uncopyable(value: Any, memo: dict[int, Any]) -> Any:
    # Something inside a user object cannot be copied (a lock in an attribute): copy its
    # own storage, keeping only that part by reference, so the copy does not follow later
    # edits of the original. Library objects and objects with their own copy or pickle
    # rules are kept whole.
    kind = type(value)
    own = getattr(value, "__dict__", None)
    if (
        not is_user_class(kind)
        or hasattr(kind, "__deepcopy__")
        or getattr(kind, "__reduce_ex__", None) is not _OBJECT_REDUCE_EX
        or getattr(kind, "__reduce__", None) is not _OBJECT_REDUCE
        or (own is not None and any(_is_dunder(name) for name in own))
    ):
        return value
    try:
        copied = object.__new__(kind)
    except TypeError:
        return value
    memo[id(value)] = copied
    for name, item in instance_attributes(value).items():
        object.__setattr__(copied, name, plain_copy(item, memo))
    return copied


def _fill_list(value: Any, memo: dict[int, Any]) -> Any:
    kind: Any = type(value)
    copied = kind.__new__(kind)
    memo[id(value)] = copied
    list.extend(copied, [plain_copy(item, memo) for item in list.__iter__(value)])
    return _with_attributes(value, copied, memo)


def _fill_dict(value: Any, memo: dict[int, Any]) -> Any:
    kind: Any = type(value)
    if issubclass(kind, collections.defaultdict):
        copied = kind.__new__(kind)
        collections.defaultdict.__init__(copied, value.default_factory)
    else:
        copied = kind.__new__(kind)
        if issubclass(kind, collections.OrderedDict):
            collections.OrderedDict.__init__(copied)
    memo[id(value)] = copied
    if isinstance(value, collections.OrderedDict):
        # Its order lives in its own links (``move_to_end`` leaves the dict storage alone).
        setter = collections.OrderedDict.__setitem__
        pairs = [(key, dict.get(value, key)) for key in collections.OrderedDict.__iter__(value)]
    else:
        setter, pairs = dict.__setitem__, list(dict.items(value))
    for key, item in pairs:
        setter(copied, plain_copy(key, memo), plain_copy(item, memo))
    return _with_attributes(value, copied, memo)


def _fill_set(value: Any, memo: dict[int, Any]) -> Any:
    kind: Any = type(value)
    copied = kind.__new__(kind)
    memo[id(value)] = copied
    set.update(copied, [plain_copy(item, memo) for item in set.__iter__(value)])
    return _with_attributes(value, copied, memo)


def _fill_deque(value: Any, memo: dict[int, Any]) -> Any:
    kind: Any = type(value)
    copied = kind.__new__(kind)
    collections.deque.__init__(copied, (), value.maxlen)
    memo[id(value)] = copied
    items = collections.deque.__iter__(value)
    collections.deque.extend(copied, [plain_copy(item, memo) for item in items])
    return _with_attributes(value, copied, memo)


def _with_attributes(value: Any, copied: Any, memo: dict[int, Any]) -> Any:
    own = getattr(value, "__dict__", None)
    if own:
        copied.__dict__.update({name: plain_copy(item, memo) for name, item in own.items()})
    for klass in type(value).__mro__:  # a container subclass's own slots, the filled ones
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            slot: Any = klass.__dict__.get(name)
            if type(slot).__name__ == "member_descriptor":
                try:
                    item = slot.__get__(value, type(value))
                except AttributeError:
                    continue
                slot.__set__(copied, plain_copy(item, memo))
    return copied


_BUILDERS: dict[type, Any] = {
    list: _fill_list,
    dict: _fill_dict,
    set: _fill_set,
    collections.deque: _fill_deque,
    collections.OrderedDict: _fill_dict,
    collections.defaultdict: _fill_dict,
    collections.Counter: _fill_dict,
}


def _subclass_builder(kind: type) -> Any:
    if kind.__module__ == "builtins" or kind.__dict__.get("__deepcopy__"):
        return None
    for base, builder in ((dict, _fill_dict), (list, _fill_list), (set, _fill_set)):
        if issubclass(kind, base):
            return builder
    if issubclass(kind, collections.deque):
        return _fill_deque
    return None


def indistinguishable(old: Any, new: Any) -> bool:
    """Tell whether ``new`` cannot be told from ``old``: writing it over ``old`` is no change.

    The journal's rule for every write (see :func:`is_noop_write`), for integrations that
    decide themselves whether an assignment changes anything.
    """
    return is_noop_write(old, new)


def is_noop_write(old: Any, new: Any) -> bool:
    """Tell whether writing ``new`` where ``old`` stands changes nothing anyone can see.

    True for the very same object, and for a value indistinguishable from the old one:
    the same type and equal, with the same ``repr`` where equality hides a difference
    (``-0.0`` and ``0.0``, ``Decimal("1.0")`` and ``Decimal("1.00")``, datetimes in
    other zones). Containers (list, tuple, dict, set, frozenset, deque, bytearray) of
    indistinguishable contents count as the same; other objects only by identity.
    """
    if old is new:
        return True
    return type(old) is type(new) and _indistinguishable(old, new, 0)


_NAN_TYPES: frozenset[type] = frozenset({float, complex, decimal.Decimal})
_CONTAINER_TYPES: frozenset[type] = frozenset(
    {list, tuple, dict, set, frozenset, collections.deque, bytearray}
)
_MAX_DEPTH = 100


def _indistinguishable(old: Any, new: Any, depth: int) -> bool:
    if old is new:
        return True
    kind = type(old)
    if kind is not type(new):
        return False
    if kind in SCALAR_TYPES:
        try:
            if old != new:
                # NaN is unequal to itself, yet one NaN cannot be told from another.
                return kind in _NAN_TYPES and repr(old) == repr(new) and "nan" in repr(old).lower()
        except Exception:
            return False
        return kind in EXACT_TYPES or repr(old) == repr(new)
    if kind not in _CONTAINER_TYPES and not issubclass(kind, tuple):
        return False
    if depth > _MAX_DEPTH or len(old) != len(new):
        return False
    if kind is dict:
        if list(old) != list(new):
            return False
        for (key_a, value_a), (key_b, value_b) in zip(old.items(), new.items(), strict=True):
            if not (
                _indistinguishable(key_a, key_b, depth + 1)
                and _indistinguishable(value_a, value_b, depth + 1)
            ):
                return False
        return True
    if kind is set or kind is frozenset:
        if old != new:
            return False
        olds = {member: member for member in old}
        return all(_indistinguishable(olds[member], member, depth + 1) for member in new)
    if kind is bytearray:
        return bool(old == new)
    if kind is collections.deque and old.maxlen != new.maxlen:
        return False
    return all(_indistinguishable(a, b, depth + 1) for a, b in zip(old, new, strict=True))


def instance_attribute(target: Any, name: str) -> Any:
    """Return the attribute as the instance itself holds it, or ``MISSING``.

    A class-level default is not the instance's own: assigning over it creates an
    instance attribute, which is a change. Properties and slots are read through.
    """
    own = getattr(target, "__dict__", None)
    if own is not None and name in own:
        return own[name]
    descriptor = getattr(type(target), name, MISSING)
    if descriptor is not MISSING and _is_data_descriptor(type(descriptor)):
        return getattr(target, name, MISSING)
    if own is None:
        return getattr(target, name, MISSING)
    return MISSING


_data_descriptor_types: dict[type, bool] = {}


def _is_data_descriptor(kind: type) -> bool:
    known = _data_descriptor_types.get(kind)
    if known is None:
        known = _data_descriptor_types[kind] = hasattr(kind, "__set__")
    return known


def instance_attributes(value: Any) -> dict[str, Any]:
    """Return the attributes an object holds itself: its ``__dict__`` and filled slots."""
    own = getattr(value, "__dict__", None)
    attributes = {name: item for name, item in (own or {}).items() if not _is_dunder(name)}
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if not _is_dunder(name) and hasattr(value, name):
                attributes[name] = getattr(value, name)
    return attributes


def _is_dunder(name: str) -> bool:
    # Dunder names in an instance's storage are a library's bookkeeping (pydantic's
    # ``__pydantic_fields_set__``), not the object's data.
    return name.startswith("__") and name.endswith("__")
