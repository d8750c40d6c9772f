"""The immutable record of one mutation, and the effect tuples that describe what it did."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple, TypeAlias

__all__ = ["MISSING", "Change", "Effect", "Member", "Missing", "Path", "PathElement"]


class Missing(enum.Enum):
    """Type of the :data:`MISSING` marker."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing.MISSING
"""Stands for "no value": an absent key or attribute, before or after a change."""


class Member(NamedTuple):
    """Path element for a mutable member of a set or frozenset, which has no index or key."""

    text: str


PathElement: TypeAlias = Any
"""A dict key, a list index, an attribute name, or a :class:`Member`."""

Path: TypeAlias = tuple[PathElement, ...]
"""The route from the observed root to the mutated container."""

Effect: TypeAlias = tuple[Any, ...]
"""What a change did, as a plain tuple whose first item names its kind.

- ``("splice", index, removed, inserted)``: a sequence lost ``removed`` at ``index``
  and gained ``inserted`` there (lists, deques, bytearrays).
- ``("permute", order)``: a sequence was reordered; item ``i`` of the result was item
  ``order[i]`` before (``sort``, ``reverse``, ``rotate``).
- ``("item", key, old, new)``: a mapping key changed; ``old`` or ``new`` is
  :data:`MISSING` when the key was absent.
- ``("attr", name, old, new)``: an object attribute changed, likewise.
- ``("members", added, removed)``: a set gained and lost members.
- ``("reorder", old_keys, new_keys)``: a mapping's key order changed (``move_to_end``).
- ``("sequence", effects)``: several effects, applied in order.
"""


class Change(NamedTuple):
    """One recorded mutation: where it happened, what was called, and what it did."""

    seq: int
    """Position in the journal: 1 for the first change, then strictly increasing, no gaps."""
    path: Path
    """Route from the root to the mutated container, resolved at the moment of mutation."""
    op: str
    """The method or operator that was called, for example ``append``, ``setitem``, ``iadd``."""
    args: tuple[Any, ...]
    """The call's arguments, as plain snapshots (later mutations do not alter them)."""
    effect: Effect
    """What the call did, precise enough to replay, invert and export it."""
    origin: Any
    """Who made the change, taken from :func:`observable.origin` at the moment of mutation."""
    timestamp: float | None = None
    """When it was recorded (``time.time()``); ``None`` for a change read from a backend."""

    def __repr__(self) -> str:
        from .describe import statement

        who = "" if self.origin is None else f" (by {self.origin})"
        return f"#{self.seq} {statement(self.path, self.op, self.args)}{who}"
