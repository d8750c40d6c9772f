"""Tell whether a value assigned to a key is indistinguishable from the one it replaces.

Widgets return a new object on every run, so ``server_state.x = st.multiselect(...,
default=server_state.x)`` assigns an equal copy on every run in every session. Treating
that as a change would make sessions rerun each other forever; this module is how the
drop-in tells such copies apart from real changes, before anything is assigned.
"""

from __future__ import annotations

import datetime
import decimal
import fractions
import math
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["indistinguishable", "is_plain_data"]

_ATOMS: frozenset[type] = frozenset({type(None), bool, int, str, bytes, range})
_BY_REPR: frozenset[type] = frozenset(
    {
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        decimal.Decimal,
        fractions.Fraction,
        complex,
    }
)
_SEQUENCES: frozenset[type] = frozenset({list, tuple, deque})
_SETS: frozenset[type] = frozenset({set, frozenset})


def is_plain_data(value: object) -> bool:
    """Return True for builtin scalars and containers (whose in-place edits are tracked)."""
    kind = type(value)
    return (
        kind in _ATOMS
        or kind is float
        or kind in _BY_REPR
        or kind in _SEQUENCES
        or kind in _SETS
        or kind is dict
    )


def indistinguishable(old: Any, new: Any) -> bool:
    """Return True when ``new`` could not be told apart from ``old`` by any reader.

    Types must match exactly at every depth (``1`` is not ``True``, a tuple is not a
    list), floats compare by bits (``-0.0`` differs from ``0.0``, NaN equals NaN),
    dictionaries compare key order too, and pandas/numpy values compare by content.
    Anything else is distinguishable unless it is the same object.
    """
    if old is new:
        return True
    kind = type(old)
    if type(new) is not kind:
        return False
    compare = _COMPARERS.get(kind)
    if compare is not None:
        return compare(old, new)
    if kind in _ATOMS:
        return bool(old == new)
    if kind in _BY_REPR:
        return bool(old == new) and repr(old) == repr(new)
    return _library_equal(old, new)


def _floats(old: float, new: float) -> bool:
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) and math.isnan(new)
    return old == new and math.copysign(1.0, old) == math.copysign(1.0, new)


def _sequences(old: Any, new: Any) -> bool:
    if len(old) != len(new):
        return False
    if type(old) is deque and old.maxlen != new.maxlen:
        return False
    return all(indistinguishable(a, b) for a, b in zip(old, new, strict=True))


def _dicts(old: dict[Any, Any], new: dict[Any, Any]) -> bool:
    if len(old) != len(new):
        return False
    for (key_a, value_a), (key_b, value_b) in zip(old.items(), new.items(), strict=True):
        if not indistinguishable(key_a, key_b) or not indistinguishable(value_a, value_b):
            return False
    return True


def _sets(old: Any, new: Any) -> bool:
    if len(old) != len(new) or old != new:
        return False
    # Equal sets may still hold 1 in one and True in the other.
    return sorted(map(repr, old)) == sorted(map(repr, new))


_COMPARERS: dict[type, Callable[[Any, Any], bool]] = {
    float: _floats,
    list: _sequences,
    tuple: _sequences,
    deque: _sequences,
    dict: _dicts,
    set: _sets,
    frozenset: _sets,
}


def _library_equal(old: Any, new: Any) -> bool:
    """Compare pandas and numpy values by content; anything else is distinguishable."""
    module = type(old).__module__.split(".", 1)[0]
    if module == "pandas" and callable(getattr(old, "equals", None)):
        same_labels = all(
            getattr(old, name).equals(getattr(new, name))
            for name in ("index", "columns")
            if hasattr(old, name) and callable(getattr(getattr(old, name), "equals", None))
        )
        same_types = repr(getattr(old, "dtypes", None)) == repr(getattr(new, "dtypes", None))
        return bool(same_labels and same_types and old.equals(new))
    if module == "numpy" and hasattr(old, "dtype") and hasattr(old, "shape"):
        import numpy

        if old.dtype != new.dtype or old.shape != new.shape:
            return False
        try:
            return bool(numpy.array_equal(old, new, equal_nan=True))
        except TypeError:  # dtypes without NaN (strings, objects)
            return bool(numpy.array_equal(old, new))
    return False
