"""Proxy for objects of the user's classes: attribute set and delete, and their own methods.

One proxy class is generated per observed class. It forwards the special methods the
class defines in Python (``obj[k] = v``, ``obj += x``, ``with obj:``, ``iter(obj)``,
``obj()``) to the class's own code with ``self`` bound to the proxy, so the edits they
make are recorded. In-place operators the class lacks fall back to the binary operator,
as in plain Python.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from time import time as now
from typing import Any

import wrapt

from ..change import MISSING
from ..effects import Attr, combine, read_storage
from ..origin import get_origin
from ..registry import runs_library_code, works_through_self
from ..values import (
    EXACT_TYPES,
    SCALAR_TYPES,
    instance_attributes,
    is_noop_write,
    snapshot_value,
)
from .base import (
    IN_PLACE_OPERATORS,
    PROXY_TYPES,
    MethodTable,
    Mutator,
    ObservedProxy,
    Outcome,
    adopt,
    child_of,
    make_proxy,
    mutate,
    node_of,
    place,
    runs_on_proxy,
    storage_diff,
    storage_of,
    unwrap_deep,
)
from .mappings import ObservedDict
from .nodes import INSTANCE_DICT, AttributeNode, InstanceDictNode, Node, resolve_path

__all__ = ["OBJECT_MUTATORS", "ObservedObject"]

_node = node_of
_RESERVED_PREFIX = "_self_"
_PROXY_NAMES = (
    _RESERVED_PREFIX,
    "__wrapped",
    "__object_proxy__",
    "__reduce",
    "__deepcopy__",
    "__copy__",
    "__class__",
)
_proxy_attribute: Callable[[Any, str], Any] = object.__getattribute__
_object_setattr = object.__setattr__

FORWARDED_SPECIAL_METHODS: tuple[str, ...] = (
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__iter__",
    "__reversed__",
    "__len__",
    "__contains__",
    "__call__",
    "__enter__",
    "__exit__",
    "__aenter__",
    "__aexit__",
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__bool__",
    "__str__",
    "__format__",
    "__add__",
    "__radd__",
    "__sub__",
    "__mul__",
    "__or__",
    "__and__",
    *IN_PLACE_OPERATORS,
)
"""Special methods reached through syntax that run the class's own code on the proxy."""


@functools.lru_cache(maxsize=4096)
def _plain_storage(kind: Any, name: str) -> bool:
    # A write to ``name`` only stores a value: no custom __setattr__ and no descriptor that
    # runs code (slots are member descriptors, which only store).
    if kind.__setattr__ is not _object_setattr:
        return False
    for klass in kind.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            return type(descriptor).__name__ == "member_descriptor" or not hasattr(
                type(descriptor), "__set__"
            )
    return True


_storage_kinds: dict[type, dict[str, int]] = {}
"""Per class, per attribute name: what a write does (see :func:`_storage_kind`)."""
_dict_get = dict.get


def _storage_kind(kind: type, name: str) -> int:
    # 0: a write runs code (see _plain_storage); 1: it only stores in the instance's
    # ``__dict__``, which ``target.__dict__`` reads without running the class's code;
    # 2: it only stores, in a slot or wherever read_storage finds it.
    if not _plain_storage(kind, name):
        found = 0
    elif (
        kind.__dictoffset__
        and _real_instance_dict(kind)
        and not any(
            type(klass.__dict__.get(name)).__name__ == "member_descriptor" for klass in kind.__mro__
        )
    ):
        found = 1
    else:
        found = 2
    _storage_kinds.setdefault(kind, {})[name] = found
    return found


_bindings: dict[type, dict[str, int]] = {}
"""Per class, per method name: how the proxy binds it (see :func:`_binding`)."""


def _binding(kind: type, name: str) -> int:
    # 0: the method runs on the value; 1: on the proxy (the user's code); 2: on the proxy,
    # and it is a library base's code, whose result may be a child it stored raw.
    found = 0
    if runs_on_proxy(kind, name):
        found = 2 if runs_library_code(kind, name) else 1
    _bindings.setdefault(kind, {})[name] = found
    return found


def _real_instance_dict(kind: type) -> bool:
    # ``target.__dict__`` is the instance's storage itself: no ``__getattribute__`` of the
    # class runs, and ``__dict__`` is Python's own descriptor, not a property of the class.
    if kind.__getattribute__ is not object.__getattribute__:  # type: ignore[comparison-overlap]
        return False
    for klass in kind.__mro__:
        if "__dict__" in klass.__dict__:
            return type(klass.__dict__["__dict__"]).__name__ == "getset_descriptor"
    return False


def _has_default_setattr(kind: Any) -> bool:
    return bool(kind.__setattr__ is _object_setattr)


def perform_setattr(target: Any, name: str, value: Any) -> Outcome:
    """Set an attribute through the class's own machinery; record what its storage did."""
    value = unwrap_deep(value)
    snapshot = snapshot_value(value)
    before = storage_of(target)
    slot_before = read_storage(target, name)
    setattr(target, name, value)
    steps = storage_diff(before, target)
    slot_after = read_storage(target, name)
    recorded = any(isinstance(step, Attr) and step.name == name for step in steps)
    if name not in before and not recorded and not is_noop_write(slot_before, slot_after):
        steps.append(Attr("attr", name, snapshot_value(slot_before), snapshot_value(slot_after)))
    return None, (name, snapshot), combine(steps)


def perform_delattr(target: Any, name: str) -> Outcome:
    """Delete an attribute; record what its storage lost."""
    before = storage_of(target)
    slot_before = read_storage(target, name)
    delattr(target, name)
    steps = storage_diff(before, target)
    if name not in before and slot_before is not MISSING and read_storage(target, name) is MISSING:
        steps.append(Attr("attr", name, snapshot_value(slot_before), MISSING))
    return None, (name,), combine(steps)


OBJECT_MUTATORS: MethodTable = {
    "__setattr__": Mutator(None),
    "__delattr__": Mutator(None),
}
"""The mutators every observed object has (its own methods are observed through ``self``)."""


class ObservedObject(ObservedProxy):
    """Proxy of an instance of the user's class: plain classes, dataclasses, attrs, pydantic.

    Attribute writes and deletes are recorded as changes of the instance's own storage.
    Values the instance holds are observed in turn; class attributes come back raw.
    Methods the user wrote, and those of ``UserDict``, ``UserList``, ``UserString`` and the
    ``collections.abc`` mixins, run with ``self`` bound to the proxy; other library methods
    (a pydantic model's ``model_dump``) run on the object itself (see the registry). Names
    starting with ``_self_`` are reserved for the proxy.
    """

    __slots__ = ()
    node_class = AttributeNode
    mutators = OBJECT_MUTATORS

    @classmethod
    def specialize(cls, kind: type) -> type[ObservedProxy]:
        """Return the proxy class of ``kind``, forwarding the special methods it defines."""
        namespace: dict[str, Any] = {"__slots__": (), "target_type": kind}
        for name in FORWARDED_SPECIAL_METHODS:
            own = _own_function(kind, name)
            if own is not None:
                library = not _is_user_function(own)
                namespace[name] = _forward_library(own) if library else _forward(own)
            elif name in IN_PLACE_OPERATORS and getattr(kind, name, None) is not None:
                namespace[name] = _forward_raw(name)
        for marker in ("__dataclass_fields__", "__dataclass_params__", "__attrs_attrs__"):
            if hasattr(kind, marker):
                namespace[marker] = getattr(kind, marker)
        if getattr(kind, "__hash__", None) is None:
            namespace["__hash__"] = None
        return type(f"Observed{kind.__name__}", (cls,), namespace)

    def __getattribute__(self, name: str) -> Any:
        if name[:1] == "_" and name.startswith(_PROXY_NAMES):
            return _proxy_attribute(self, name)
        node = _node(self)
        target = node.target
        if name == "__dict__":
            return _instance_dict(node)
        value = getattr(target, name)
        kind = type(value)
        if kind in SCALAR_TYPES:
            return value
        if kind is types.MethodType:
            if value.__self__ is target:
                owner = type(target)
                known = _bindings.get(owner)
                binding = None if known is None else known.get(name)
                if binding is None:
                    binding = _binding(owner, name)
                if binding == 1:
                    return types.MethodType(value.__func__, self)
                if binding == 2:
                    return functools.partial(_call_library, self, value.__func__)
            return value
        own = getattr(target, "__dict__", None)
        if (own is None or _dict_get(own, name, MISSING) is not value) and read_storage(
            target, name
        ) is not value:
            # A property may hand out a value the instance stores under another name: that
            # is this instance's child. A class attribute or computed value is not.
            stored = _storage_name(target, value)
            return value if stored is None else child_of(node, stored, value)
        recent = node.recent
        if recent is not None:
            proxy, last = recent
            if last.target is value and last.key == name and last.parent is node:
                return proxy
        return child_of(node, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name[:1] == "_" and name.startswith(_RESERVED_PREFIX):
            wrapt.ObjectProxy.__setattr__(self, name, value)
            return
        node = _node(self)
        target = node.target
        kind = type(target)
        known = _storage_kinds.get(kind)
        storage = None if known is None else known.get(name)
        if storage is None:
            storage = _storage_kind(kind, name)
        # A class that gained its own __setattr__ after its kinds were cached runs it.
        if not storage or kind.__setattr__ is not _object_setattr:  # type: ignore[comparison-overlap]
            setter = _property_setter(kind, name)
            if setter is not None:
                setter(self, value)  # the user's setter, on the proxy: its writes are recorded
            else:
                mutate(self, "setattr", perform_setattr, (name, value), {})
            return
        journal = node.journal
        if journal.gate is not None or type(node) is not AttributeNode:
            mutate(self, "setattr", perform_setattr, (name, value), {})
            return
        lock = journal.lock
        lock.acquire()
        try:
            new = value
            kind = type(new)
            scalar = kind in SCALAR_TYPES
            if scalar:
                snapshot = new
            else:
                new = _node(new).target if kind in PROXY_TYPES else unwrap_deep(new)
                snapshot = snapshot_value(new)
            path = node.path if node.stamp == journal.epoch else resolve_path(node)
            # object.__setattr__, not a store into __dict__: a class patched after its
            # kinds were cached (a property added by mock.patch.object) still runs.
            old = (
                _dict_get(target.__dict__, name, MISSING)
                if storage == 1
                else read_storage(target, name)
            )
            _object_setattr(target, name, new)
            old_kind = type(old)
            if old is new:
                unchanged = True
            elif old_kind in EXACT_TYPES and old_kind is type(new):
                unchanged = old == new
            elif old_kind in SCALAR_TYPES:
                unchanged = is_noop_write(old, new)
            elif old is MISSING:
                unchanged = False
            else:
                journal.epoch += 1  # a child was replaced: paths below it are found afresh
                unchanged = is_noop_write(old, new)
                if not unchanged:
                    old = snapshot_value(old)
            if unchanged:
                if new is not old and not scalar:
                    adopt(node, (new,))
                return
            if path is None:
                return
            seq = journal._version + 1
            entry = (seq, path, "setattr", name, snapshot, old, get_origin(), now())
            journal._entries.append(entry)
            journal._version = seq
            if not scalar:
                place(node, Attr("attr", name, old, snapshot))
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(entry)

    def __delattr__(self, name: str) -> None:
        if name.startswith(_RESERVED_PREFIX):
            wrapt.ObjectProxy.__delattr__(self, name)
            return
        mutate(self, "delattr", perform_delattr, (name,), {})


class ObservedInstanceDict(ObservedDict):
    """An observed object's ``__dict__``: writes to it are recorded as attribute changes."""

    __slots__ = ()
    node_class = InstanceDictNode


def _instance_dict(node: Node) -> Any:
    own = getattr(node.target, "__dict__", None)
    if own is None:
        raise AttributeError(f"{type(node.target).__name__!r} object has no attribute '__dict__'")
    found = node.journal.nodes.get(id(own))
    proxy = None if found is None else found()
    if found is None or proxy is None:
        return make_proxy(ObservedInstanceDict, own, node.journal, node, INSTANCE_DICT)
    node.recent = (proxy, found)
    return proxy


def _storage_name(target: Any, value: Any) -> str | None:
    for name, item in instance_attributes(target).items():
        if item is value:
            return name
    return None


def _is_user_function(function: Any) -> bool:
    from ..source import is_user_function

    return is_user_function(function)


def _own_function(kind: type, name: str) -> Callable[..., Any] | None:
    # The user's function, or one of a library base that works only through ``self``
    # (``UserDict.__getitem__``): either runs on the proxy.
    for klass in kind.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            if isinstance(found, types.FunctionType) and (
                _is_user_function(found) or works_through_self(klass, name)
            ):
                return found
            return None
    return None


def _forward(function: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)

    method.__name__ = function.__name__
    method.__doc__ = function.__doc__
    return method


def _forward_library(function: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _call_library(self, function, *args, **kwargs)

    method.__name__ = function.__name__
    method.__doc__ = function.__doc__
    return method


def _call_library(proxy: Any, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # A library base's method, run on the proxy. What it hands back may be an object it
    # has just stored raw (``MutableMapping.setdefault``'s default, what ``UserDict``'s
    # ``__getitem__`` got from ``__missing__``): hand out that child tracked.
    result = function(proxy, *args, **kwargs)
    kind = type(result)
    if kind in SCALAR_TYPES or kind in PROXY_TYPES or result is None:
        return result
    return _stored_child(proxy, result)


def _stored_child(proxy: Any, value: Any) -> Any:
    # ``value`` as a tracked child when the object holds it in an attribute, or one level
    # down in a dict or list attribute (``self.data``); else ``value`` itself.
    node = _node(proxy)
    for name, item in instance_attributes(node.target).items():
        if item is value:
            return child_of(node, name, value)
        if type(item) is dict:
            where = next((key for key, inner in item.items() if inner is value), MISSING)
        elif type(item) is list:
            where = next((at for at, inner in enumerate(item) if inner is value), MISSING)
        else:
            continue
        if where is not MISSING:
            return child_of(_node(child_of(node, name, item)), where, value)
    return value


def _forward_raw(name: str) -> Callable[..., Any]:
    # An in-place operator from a library base class: it runs on the object itself.
    def method(self: Any, other: Any) -> Any:
        target = _node(self).target
        result = mutate(self, name.strip("_"), _diff_call(name), (other,), {})
        return self if result is target else result

    method.__name__ = name
    return method


def _diff_call(name: str) -> Callable[..., Outcome]:
    def perform(target: Any, other: Any) -> Outcome:
        before = storage_of(target)
        result = getattr(type(target), name)(target, unwrap_deep(other))
        return result, (snapshot_value(other),), combine(storage_diff(before, target))

    return perform


def _property_setter(kind: type, name: str) -> Callable[[Any, Any], Any] | None:
    for klass in kind.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            if (
                isinstance(descriptor, property)
                and descriptor.fset is not None
                and _is_user_function(descriptor.fset)
                and _has_default_setattr(kind)
            ):
                return descriptor.fset
            return None
    return None
