"""Which proxy class observes which type: a public, extensible registry."""

from __future__ import annotations

import enum
import types
from typing import TYPE_CHECKING

from .values import SCALAR_TYPES

if TYPE_CHECKING:
    from .proxies.base import ObservedProxy

__all__ = ["proxy_class_for", "register_proxy", "unregister_proxy"]

_RAW_TYPES: tuple[type, ...] = (
    type,
    enum.Enum,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    BaseException,
)

_registry: dict[type, type[ObservedProxy] | None] = {}
_cache: dict[type, type[ObservedProxy] | None] = {}
_object_proxy: list[type[ObservedProxy]] = []


def register_proxy(kind: type, proxy_class: type[ObservedProxy] | None) -> None:
    """Observe values of ``kind`` (and its subclasses) with ``proxy_class``.

    Pass ``None`` to make values of ``kind`` pass through raw, untracked.
    """
    if not isinstance(kind, type):
        raise TypeError(f"register_proxy() needs a type, not {kind!r}")
    from .proxies.base import ObservedProxy

    if proxy_class is not None and not (
        isinstance(proxy_class, type) and issubclass(proxy_class, ObservedProxy)
    ):
        raise TypeError(f"proxy class must subclass ObservedProxy, not {proxy_class!r}")
    if kind in SCALAR_TYPES:
        raise ValueError(f"{kind.__name__} is an immutable scalar and is never proxied")
    _registry[kind] = proxy_class
    _cache.clear()


def unregister_proxy(kind: type) -> None:
    """Forget a registration made with :func:`register_proxy`."""
    del _registry[kind]
    _cache.clear()


def set_object_proxy(proxy_class: type[ObservedProxy]) -> None:
    """Install the proxy class used for instances of classes defined in Python."""
    _object_proxy[:] = [proxy_class]
    _cache.clear()


def proxy_class_for(kind: type) -> type[ObservedProxy] | None:
    """Return the proxy class that observes values of ``kind``, or ``None`` for raw values."""
    try:
        return _cache[kind]
    except KeyError:
        pass
    result = _lookup(kind)
    _cache[kind] = result
    return result


def _lookup(kind: type) -> type[ObservedProxy] | None:
    if kind in SCALAR_TYPES:
        return None
    for base in kind.__mro__:
        if base in _registry:
            return _registry[base]
    if issubclass(kind, _RAW_TYPES):
        return None
    if _object_proxy and _defined_in_python(kind):
        return _object_proxy[0]
    return None


def _defined_in_python(kind: type) -> bool:
    # A class statement gives instances ``__dict__`` or ``__slots__``; C types
    # (even heap types such as ``array.array``) have neither in their namespace.
    return any("__dict__" in vars(base) or "__slots__" in vars(base) for base in kind.__mro__[:-1])
