"""Proxy for arbitrary objects: attribute set and delete, nested values, bound methods."""

from __future__ import annotations

import types
from typing import Any

import wrapt

from ..change import MISSING, Effect
from ..values import SCALAR_TYPES, instance_attribute, is_noop_write, snapshot_value
from .base import PROXY_TYPES, ObservedProxy, child_of, handle_refusal, mutate, node_of
from .nodes import AttributeNode, resolve_path

__all__ = ["ObservedObject"]

_node = node_of
_RESERVED_PREFIX = "_self_"
_PROXY_NAMES = (
    _RESERVED_PREFIX,
    "__wrapped",
    "__object_proxy__",
    "__reduce",
    "__deepcopy__",
    "__copy__",
)
_proxy_attribute = ObservedProxy.__getattribute__


class ObservedObject(ObservedProxy):
    """Proxy of an instance of a Python class: plain classes, dataclasses, ``__slots__``.

    Attribute writes and deletes are recorded (property setters included). Attribute
    values are observed in turn, and methods run with ``self`` bound to the proxy, so
    the mutations they make are recorded too. Names starting with ``_self_`` are
    reserved for the proxy.
    """

    __slots__ = ()
    node_class = AttributeNode

    def __getattribute__(self, name: str) -> Any:
        # Looking attributes up on the target first avoids wrapt's miss on the proxy
        # class (a raised and cleared AttributeError) for every attribute read.
        if name.startswith(_PROXY_NAMES):
            return _proxy_attribute(self, name)
        node = _node(self)
        target = node.target
        value = getattr(target, name)
        kind = type(value)
        if kind in SCALAR_TYPES:
            return value
        if kind is types.MethodType:
            if value.__self__ is target:
                return types.MethodType(value.__func__, self)
            return value
        return child_of(node, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith(_RESERVED_PREFIX):
            wrapt.ObjectProxy.__setattr__(self, name, value)
            return
        node = _node(self)
        journal = node.journal
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            if type(value) in PROXY_TYPES:
                value = _node(value).target
            path = () if node.parent is None else resolve_path(node)
            old = instance_attribute(target, name)
            setattr(target, name, value)
            if path is None or is_noop_write(old, value):
                return
            new = snapshot_value(value)
            effect = ("attr", name, snapshot_value(old), new)
            try:
                change = journal.record(path, "setattr", (name, new), effect)
            except BaseException as error:
                handle_refusal(journal, target, effect, error)
                return self.__setattr__(name, value)
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(change)

    def __delattr__(self, name: str) -> None:
        if name.startswith(_RESERVED_PREFIX):
            wrapt.ObjectProxy.__delattr__(self, name)
            return

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect]:
            old = instance_attribute(target, name)
            delattr(target, name)
            return None, (name,), ("attr", name, snapshot_value(old), MISSING)

        mutate(self, "delattr", perform)
