"""Read-only proxy for tuples, whose mutable items are still observed."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

from ..values import SCALAR_TYPES
from .base import ObservedProxy, child_of, node_of
from .nodes import SequenceNode

__all__ = ["ObservedTuple"]

_node = node_of


class ObservedTuple(ObservedProxy):
    """Proxy of a ``tuple`` (named tuples included): items are observed, the tuple is not."""

    __slots__ = ()
    node_class = SequenceNode

    def __getitem__(self, index: Any) -> Any:
        node = _node(self)
        target = node.target
        value = target[index]
        if type(value) in SCALAR_TYPES or isinstance(index, slice):
            return value
        index = operator.index(index)
        if index < 0:
            index += len(target)
        return child_of(node, index, value)

    def __iter__(self) -> Iterator[Any]:
        node = _node(self)
        for index, value in enumerate(node.target):
            yield child_of(node, index, value)

    def __getattr__(self, name: str) -> Any:
        node = _node(self)
        value = getattr(node.target, name)
        fields = getattr(type(node.target), "_fields", ())
        if name in fields:
            return child_of(node, fields.index(name), value)
        return super().__getattr__(name)
