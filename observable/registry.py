"""Which proxy class observes which type: a public, extensible registry, and the one rule.

The rule, in order:

1. Immutable scalars (numbers, strings, bytes, dates and times, ``Decimal``, ``UUID``…)
   come back raw.
2. A type registered with :func:`register_proxy` (or a subclass of one) gets that proxy,
   or passes through raw when registered with ``None``. ``dict``, ``list``, ``set``,
   ``frozenset``, ``tuple`` (named tuples included), ``collections.deque``,
   ``bytearray``, ``OrderedDict``, ``defaultdict`` and ``Counter`` are registered.
3. Classes, functions, modules, enum members and exceptions come back raw.
4. Instances of classes written in Python are observed as objects when the class is a
   dataclass, an attrs class or a pydantic model (wherever it is defined), or when it is
   defined in the user's own code (see :mod:`observable.source`).
5. Everything else passes through raw: C types (NumPy arrays) and classes of installed
   libraries and the standard library (pandas DataFrames, PIL images, ``pathlib.Path``,
   locks and queues), which manage their own state. Announce their in-place edits with
   ``Store.touch(key)``, or register a proxy for them.
"""

from __future__ import annotations

import enum
import functools
import types
from collections.abc import Callable
from typing import TYPE_CHECKING

from .source import is_user_class
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
_object_proxy: list[type[ObservedProxy]] = []


class _Resolved(dict):  # type: ignore[type-arg]
    """The rule's answer per type, worked out on first sight (``__missing__``)."""

    def __missing__(self, kind: type) -> type[ObservedProxy] | None:
        result = _lookup(kind)
        self[kind] = result
        return result


_cache = _Resolved()
cached_proxy_class: Callable[[type], type[ObservedProxy] | None] = _cache.__getitem__
""":func:`proxy_class_for` without a Python frame on a known type (internal, for hot paths)."""


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
    return cached_proxy_class(kind)


def _lookup(kind: type) -> type[ObservedProxy] | None:
    if kind in SCALAR_TYPES:
        return None
    for base in kind.__mro__:
        if base in _registry:
            registered = _registry[base]
            return None if registered is None else registered.specialize(kind)
    if issubclass(kind, _RAW_TYPES) or not _object_proxy or not _defined_in_python(kind):
        return None
    if is_structured_data_class(kind) or is_user_class(kind):
        return _object_proxy[0].specialize(kind)
    return None


def is_structured_data_class(kind: type) -> bool:
    """Tell whether ``kind`` is a dataclass, an attrs class or a pydantic model."""
    return any(
        marker in base.__dict__
        for base in kind.__mro__
        for marker in ("__dataclass_fields__", "__attrs_attrs__", "__pydantic_fields__")
    ) and not _is_library_base(kind)


@functools.lru_cache(maxsize=4096)
def runs_on_proxy(kind: type, name: str) -> bool:
    """Tell whether method ``name`` of ``kind`` runs bound to the proxy (so its edits are seen).

    Methods defined by the user's classes and by observed data classes do; methods a
    library base class defines (a pydantic model's ``model_dump``) run on the value itself.
    """
    for klass in kind.__mro__:
        if name in klass.__dict__:
            return klass is not object and (is_user_class(klass) or is_structured_data_class(klass))
    return False


def _is_library_base(kind: type) -> bool:
    # pydantic's own BaseModel (not a model users define) has __pydantic_fields__ too.
    return kind.__module__.startswith("pydantic.")


def _defined_in_python(kind: type) -> bool:
    # A class statement gives instances ``__dict__`` or ``__slots__``; C types
    # (even heap types such as ``array.array``) have neither in their namespace.
    return any("__dict__" in vars(base) or "__slots__" in vars(base) for base in kind.__mro__[:-1])
