"""Read-only proxy for tuples, whose mutable items are still observed."""

from __future__ import annotations

from typing import Any

from .base import ObservedProxy, child_of, node_of
from .nodes import SequenceNode
from .sequences import ObservedSequence

__all__ = ["ObservedTuple"]

_node = node_of


class ObservedTuple(ObservedProxy):
    """Proxy of a ``tuple`` (named tuples included): items are observed, the tuple is not."""

    __slots__ = ()
    node_class = SequenceNode

    __getitem__ = ObservedSequence.__getitem__
    __iter__ = ObservedSequence.__iter__
    __reversed__ = ObservedSequence.__reversed__

    def __getattr__(self, name: str) -> Any:
        node = _node(self)
        value = getattr(node.target, name)
        fields = getattr(type(node.target), "_fields", ())
        if name in fields:
            return child_of(node, fields.index(name), value)
        return super().__getattr__(name)
