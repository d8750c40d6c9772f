"""Value helpers shared by proxies and patches: immutable scalars, snapshots, no-op tests."""

from __future__ import annotations

import copy
import datetime
import decimal
import fractions
import uuid
from typing import Any

__all__ = ["SCALAR_TYPES", "is_noop_write", "snapshot_value"]

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
