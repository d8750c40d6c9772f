"""Read-only proxy for tuples, whose mutable items are still observed."""

from __future__ import annotations

from typing import Any

from .base import child_of, node_of
from .sequences import ObservedSequence

__all__ = ["ObservedTuple"]

_node = node_of


class ObservedTuple(ObservedSequence):
    """Proxy of a ``tuple`` (named tuples included): items are observed, the tuple is not.

    ``t += x`` makes a new plain tuple, as in plain Python.
    """

    __slots__ = ()
    target_type = tuple

    def __getattr__(self, name: str) -> Any:
        node = _node(self)
        value = getattr(node.target, name)
        fields = getattr(type(node.target), "_fields", ())
        if name in fields:
            return child_of(node, fields.index(name), value)
        return super().__getattr__(name)

    def __add__(self, other: Any) -> Any:
        return tuple(self) + (other if type(other) is not type(self) else tuple(other))

    def __radd__(self, other: Any) -> Any:
        return other + tuple(self)
