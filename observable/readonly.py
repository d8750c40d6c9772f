"""Read-only views: every mutation through them raises :class:`ReadOnlyError`."""

from __future__ import annotations

import collections
import copy
import functools
import types
from collections.abc import Iterator
from typing import Any

import wrapt

from .errors import ReadOnlyError
from .values import SCALAR_TYPES

__all__ = ["ReadOnlyError", "ReadOnlyView", "readonly"]



@functools.cache
def _mutators() -> frozenset[str]:
    """Every mutator name of every proxy kind's method table, and the in-place operators."""
    return _mutator_names()


def _mutator_names() -> frozenset[str]:
    from .proxies import ObservedProxy
    from .proxies.base import IN_PLACE_OPERATORS, PROXY_TYPES

    names = {name for kind in PROXY_TYPES | {ObservedProxy} for name in kind.mutators}
    return frozenset(names | set(IN_PLACE_OPERATORS))


def _refuse(name: str) -> ReadOnlyError:
    return ReadOnlyError(f"read-only view: {name} is not allowed")


class ReadOnlyView(wrapt.ObjectProxy[Any]):
    """A view that reads like the wrapped value and refuses every mutation, at any depth."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(self.__wrapped__)

    def __getattr__(self, name: str) -> Any:
        if name in _mutators():
            raise _refuse(f".{name}()")
        value = getattr(self.__wrapped__, name)
        if (
            type(value) is types.MethodType
            and value.__self__ is self.__wrapped__
            and getattr(type(self.__wrapped__), name, None) is not value.__func__
        ):
            # A method of the user's class: run it on the view, so its edits raise. A
            # method of the proxy class itself (``keys``…) needs the proxy: call it as is.
            return types.MethodType(value.__func__, self)
        return readonly(value) if not callable(value) else value

    def __getitem__(self, key: Any) -> Any:
        wrapped = self.__wrapped__
        if isinstance(wrapped, collections.defaultdict) and key not in wrapped:
            if wrapped.default_factory is not None:
                raise _refuse(f"inserting the default for missing key {key!r}")
        return readonly(wrapped[key])

    def __iter__(self) -> Iterator[Any]:
        for value in self.__wrapped__:
            yield readonly(value)

    def get(self, key: Any, default: Any = None) -> Any:
        """Return a read-only view of the value for ``key``, or ``default``."""
        return readonly(self.__wrapped__.get(key, default))

    def values(self) -> Iterator[Any]:
        """Return read-only views of the values."""
        return (readonly(value) for value in self.__wrapped__.values())

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Return (key, read-only view) pairs."""
        return ((key, readonly(value)) for key, value in self.__wrapped__.items())

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_self_") or name == "__wrapped__":
            wrapt.ObjectProxy.__setattr__(self, name, value)
            return
        raise _refuse(f"setting attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        raise _refuse(f"deleting attribute {name!r}")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise _refuse("item assignment")

    def __delitem__(self, key: Any) -> None:
        raise _refuse("item deletion")

    def __copy__(self) -> Any:
        return copy.copy(self.__wrapped__)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(self.__wrapped__, memo)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.__wrapped__.__reduce_ex__(protocol)


def _refuse_in_place(name: str) -> Any:
    def method(self: ReadOnlyView, other: Any) -> Any:
        raise _refuse(f"in-place {name}")

    method.__name__ = name
    return method


def _install_refusals() -> None:
    from .proxies.base import IN_PLACE_OPERATORS

    for name in IN_PLACE_OPERATORS:
        setattr(ReadOnlyView, name, _refuse_in_place(name))


_install_refusals()


def readonly(value: Any) -> Any:
    """Return a read-only view of ``value`` (scalars and views come back as they are)."""
    if type(value) in SCALAR_TYPES or type(value) is ReadOnlyView:
        return value
    return ReadOnlyView(value)
