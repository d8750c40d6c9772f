"""The two proxy variants of a copy-on-write session (see :mod:`observable.shared`).

Each proxy class has two variants, generated from its method table:

* the *shared* variant wraps an object of the shared default. Every mutator (each table row,
  the hand-inlined hot rows, a subclass's own methods, attribute sets, in-place operators)
  first asks the session to give the node a private copy, which swaps the proxy to
  the private variant, then runs the normal method;
* the *private* variant wraps the session's own object, and runs the normal class's code
  for everything (the hot paths pay nothing). It only guards the few ways a proxy hands
  out raw objects that may still belong to the default (``copy.copy`` of an object, and
  the methods of a library base class, which run on the raw object): those first give the
  session its own copy of everything below the node.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Protocol

from .base import IN_PLACE_OPERATORS, ObservedProxy, diff_method, node_of
from .nodes import Node
from .objects import ObservedObject

__all__ = [
    "SHARED_TYPES",
    "Owner",
    "become_private",
    "private_variant",
    "shared_variant",
    "unshared_class",
]

_node = node_of
_set_class: Callable[[Any, type], None] = object.__dict__["__class__"].__set__


class Owner(Protocol):
    """What the variants ask of a copy-on-write session."""

    def own(self, node: Node) -> Any:
        """Give ``node`` a private copy of its target (written into its parent); return it."""

    def own_all(self, node: Node) -> Any:
        """Give the session its own copy of everything under ``node``; return the target."""


SHARED_TYPES: set[type] = set()
"""Every shared variant class: ``type(proxy) in SHARED_TYPES`` tells a proxy of the default."""

_PRIVATE: dict[type, type] = {}
_SHARED: dict[type, type] = {}
_UNSHARED: dict[type, type] = {}
_DIFF_CODE = diff_method("__probe__").__code__

_CONTAINER_READERS = frozenset(
    {
        "count",
        "index",
        "isdisjoint",
        "issubset",
        "issuperset",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "most_common",
        "elements",
        "total",
        "fromkeys",
        "maxlen",
        "default_factory",
        "__contains__",
        "__len__",
        "__sizeof__",
        "__format__",
        "__dir__",
        "__getstate__",
        "__class_getitem__",
        "__subclasshook__",
        "__init_subclass__",
    }
)
"""Methods of the built-in containers, reached through ``__getattr__``, that only read."""


_LIVE_READERS = ("__iter__", "__reversed__", "keys", "values", "items")
"""Readers that hand out a live iterator or view of the container itself."""


_DEEP_READERS = (
    "__repr__",
    "__str__",
    "__deepcopy__",
    "__reduce_ex__",
    "__reduce__",
    *(f"__{comparison}__" for comparison in ("eq", "ne", "lt", "le", "gt", "ge")),
)
"""Readers of the whole raw value below a proxy: they run once the session owns all of it."""


def _owner(proxy: Any) -> Owner:
    return _node(proxy).journal.shared  # type: ignore[no-any-return]


def unshared_class(cls: type) -> Any:
    """Return the private variant a shared variant becomes (``cls`` itself if not shared)."""
    return _UNSHARED.get(cls, cls)


def become_private(proxy: Any) -> None:
    """Swap a shared-variant proxy to its private variant (the normal class's code)."""
    cls = type(proxy)
    private = _UNSHARED.get(cls)
    if private is not None:
        _set_class(proxy, private)


def private_variant(cls: type[ObservedProxy]) -> type[ObservedProxy]:
    """Return the variant of ``cls`` for objects a copy-on-write session owns."""
    found = _PRIVATE.get(cls)
    if found is not None:
        return found
    namespace: dict[str, Any] = {"__slots__": (), "__module__": cls.__module__}
    if getattr(cls, "__copy__", None) is ObservedProxy.__copy__:
        namespace["__copy__"] = _owning_copy
    for name in _DEEP_READERS:
        namespace[name] = _owning_all(getattr(cls, name))
    namespace["__hash__"] = cls.__hash__  # a class defining __eq__ alone would lose it
    if issubclass(cls, ObservedObject):
        namespace["__getattribute__"] = _object_getattribute(cls.__getattribute__)
    variant = type(cls.__name__, (cls,), namespace)
    variant.__qualname__ = cls.__qualname__
    _PRIVATE[cls] = variant
    return variant


def shared_variant(cls: type[ObservedProxy]) -> type[ObservedProxy]:
    """Return the variant of ``cls`` for objects of the shared default (copy on first write)."""
    found = _SHARED.get(cls)
    if found is not None:
        return found
    private = private_variant(cls)
    namespace: dict[str, Any] = {"__slots__": (), "__module__": cls.__module__}
    for name in _writers(cls):
        namespace[name] = _unsharing(name)
    for name in _LIVE_READERS:
        if hasattr(cls, name) and not issubclass(cls, ObservedObject):
            # A loop over the container sees the writes its body makes, as in a deep copy:
            # it must iterate the session's own container, not the default's.
            namespace[name] = _unsharing(name)
    namespace["__setattr__"] = _unsharing_setattr(cls.__setattr__)
    namespace["__delattr__"] = _unsharing_delattr(cls.__delattr__)
    if issubclass(cls, ObservedObject):
        namespace["__getattribute__"] = _shared_object_getattribute(
            private.__dict__["__getattribute__"]
        )
    else:
        namespace["__getattr__"] = _shared_getattr(cls.__getattr__)
    if "__getitem__" in cls.mutators:  # defaultdict: only a missing key writes
        namespace["__getitem__"] = _missing_unshares(cls.__getitem__)
    variant = type(cls.__name__, (private,), namespace)
    variant.__qualname__ = cls.__qualname__
    SHARED_TYPES.add(variant)
    _SHARED[cls] = variant
    _UNSHARED[variant] = private
    return variant


def _writers(cls: type[ObservedProxy]) -> set[str]:
    """The methods of ``cls`` that may write: its table's rows, its in-place operators, and a
    container subclass's own methods (run on the raw value, recorded by difference)."""
    names = {name for name in cls.mutators if name not in ("__getitem__", "__setattr__")}
    names.discard("__delattr__")
    for name in IN_PLACE_OPERATORS:
        if getattr(cls, name, None) is not getattr(ObservedProxy, name, None):
            names.add(name)
    for klass in cls.__mro__:
        for name, member in vars(klass).items():
            if getattr(member, "__code__", None) is _DIFF_CODE:
                names.add(name)
    return names


def _unsharing(name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        _owner(self).own(_node(self))
        return getattr(unshared_class(type(self)), name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = name
    method.__doc__ = f"Copy this part of the shared default, then ``{name}``."
    return method


def _is_proxy_name(name: str) -> bool:
    return name.startswith("_self_") or name == "__wrapped__"


def _unsharing_setattr(normal: Callable[[Any, str, Any], None]) -> Callable[..., None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if not _is_proxy_name(name):
            _owner(self).own(_node(self))
        normal(self, name, value)

    return __setattr__


def _unsharing_delattr(normal: Callable[[Any, str], None]) -> Callable[..., None]:
    def __delattr__(self: Any, name: str) -> None:
        if not _is_proxy_name(name):
            _owner(self).own(_node(self))
        normal(self, name)

    return __delattr__


def _missing_unshares(normal: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def __getitem__(self: Any, key: Any) -> Any:
        target = _node(self).target
        if key not in target and target.default_factory is not None:
            _owner(self).own(_node(self))
            return unshared_class(type(self)).__getitem__(self, key)
        return normal(self, key)

    return __getitem__


def _shared_getattr(normal: Callable[[Any, str], Any]) -> Callable[..., Any]:
    # A container's method reached through __getattr__ runs on the raw value (a subclass's
    # own method, recorded by difference): the node is copied first, unless it only reads.
    def __getattr__(self: Any, name: str) -> Any:
        node = _node(self)
        value = getattr(node.target, name)
        own_method = type(getattr(type(node.target), name, None)) is types.FunctionType
        if (
            callable(value)
            and getattr(value, "__self__", None) is node.target
            and (name not in _CONTAINER_READERS or own_method)
        ):
            _owner(self).own(node)
        return normal(self, name)

    return __getattr__


_PROXY_NAMES = ("_self_", "__wrapped", "__object_proxy__", "__reduce", "__deepcopy__", "__class__")
_proxy_attribute = object.__getattribute__


def _object_getattribute(normal: Callable[[Any, str], Any]) -> Callable[..., Any]:
    # A library method runs on the raw object: what it returns or keeps may be the object's
    # children, so the session first owns everything under the object.
    def __getattribute__(self: Any, name: str) -> Any:
        if name[:1] == "_" and name.startswith(_PROXY_NAMES):
            return _proxy_attribute(self, name)
        value = normal(self, name)
        kind = type(value)
        if (kind is types.MethodType or kind is types.BuiltinMethodType) and (
            value.__self__ is _node(self).target
        ):
            _owner(self).own_all(_node(self))
            value = normal(self, name)
        return value

    return __getattribute__


def _shared_object_getattribute(private: Callable[[Any, str], Any]) -> Callable[..., Any]:
    def __getattribute__(self: Any, name: str) -> Any:
        if name == "__dict__":  # its view writes the object's own storage
            _owner(self).own(_node(self))
        return private(self, name)

    return __getattribute__


def _owning_all(normal: Callable[..., Any]) -> Callable[..., Any]:
    # A deep reader of the raw value (repr, deepcopy, pickle) sees the session's value once
    # everything below the node is the session's own (an alias copied through one of its
    # places is then the copy at every place).
    def method(self: Any, *args: Any) -> Any:
        _owner(self).own_all(_node(self))
        return normal(self, *args)

    method.__name__ = normal.__name__
    return method


def _owning_copy(self: Any) -> Any:
    # copy.copy of an object holds its raw children: they must be the session's own.
    node = _node(self)
    _owner(self).own_all(node)
    return ObservedProxy.__copy__(self)
