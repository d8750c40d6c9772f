"""Value helpers shared by proxies and patches: immutable scalars, snapshots, no-op tests."""

from __future__ import annotations

import copy
import datetime
import decimal
import fractions
import uuid
from typing import Any

from .change import MISSING

__all__ = [
    "SCALAR_TYPES",
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


def snapshot_value(value: Any) -> Any:
    """Return a plain deep copy of ``value``, or ``value`` itself when it is an immutable scalar."""
    if type(value) in SCALAR_TYPES:
        return value
    return _deepcopy(value)


def is_noop_write(old: Any, new: Any) -> bool:
    """Tell whether writing ``new`` where ``old`` stands changes nothing.

    True for the very same object, or an equal immutable scalar of the same type
    (``1`` over ``True`` is a change: it shows in the value's repr).
    """
    if old is new:
        return True
    kind = type(new)
    return kind is type(old) and kind in SCALAR_TYPES and old == new


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
    attributes = dict(getattr(value, "__dict__", {}))
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(value, name):
                attributes[name] = getattr(value, name)
    return attributes
