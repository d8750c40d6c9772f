"""The entry points: observe a value, unwrap a proxy, take a plain snapshot."""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from .change import Path
from .journal import Journal
from .proxies.base import PROXY_TYPES, make_proxy, node_of, unwrap_deep
from .proxies.base import unwrap as raw_target
from .proxies.nodes import resolve_path
from .registry import proxy_class_for
from .shared import unwrap
from .values import SCALAR_TYPES, plain_copy

__all__ = [
    "PassesThroughRaw",
    "is_observed",
    "journal_of",
    "observe",
    "path_of",
    "snapshot",
    "unwrap",
]


class PassesThroughRaw(UserWarning):
    """``observe()`` was given a value of a type it does not track, and returned it raw."""


T = TypeVar("T")


def observe(value: T, journal: Journal | None = None, *, warn: bool = True) -> T:
    """Return a transparent proxy of ``value`` that records its mutations in ``journal``.

    A new :class:`Journal` is made when none is given. Immutable scalars and types
    with no proxy come back raw; for a mutable type that passes through raw (a DataFrame, a
    lock) a :class:`PassesThroughRaw` warning says so, unless ``warn=False`` (for callers
    that observe whatever they are handed). An already observed value comes back
    unchanged; one observed by another journal raises ``ValueError``.
    """
    if type(value) in PROXY_TYPES:
        if journal is not None and node_of(value).journal is not journal:
            raise ValueError(
                "value is already observed by another journal: observe(unwrap(value), journal) "
                "gives it a second, independent journal"
            )
        return value
    proxy_class = proxy_class_for(type(value))
    if proxy_class is not None:
        # A plain value may hold proxies (``items + [new]``): the raw tree never does.
        value = unwrap_deep(value)
    if proxy_class is None:
        if warn and type(value) not in SCALAR_TYPES:
            warnings.warn(
                f"{type(value).__qualname__} objects pass through observe() raw: their in-place "
                "edits are not recorded (announce them with Store.touch(key), or teach "
                "observe the type with register_proxy)",
                PassesThroughRaw,
                stacklevel=2,
            )
        return value
    return make_proxy(proxy_class, value, Journal() if journal is None else journal)  # type: ignore[return-value]


def is_observed(value: Any) -> bool:
    """Tell whether ``value`` is an observable proxy."""
    return type(value) in PROXY_TYPES


def journal_of(proxy: Any) -> Journal:
    """Return the journal that records the proxy's changes."""
    if type(proxy) not in PROXY_TYPES:
        raise TypeError(f"{type(proxy).__name__} object is not observed")
    return node_of(proxy).journal


def path_of(proxy: Any) -> Path | None:
    """Return the proxy's current path from its root, or ``None`` if it was detached."""
    if type(proxy) not in PROXY_TYPES:
        raise TypeError(f"{type(proxy).__name__} object is not observed")
    return resolve_path(node_of(proxy))


def snapshot(value: Any) -> Any:
    """Return a plain deep copy of ``value``, with no proxies anywhere inside."""
    if type(value) in PROXY_TYPES and node_of(value).journal.shared is not None:
        return plain_copy(unwrap(value), {})  # a shared session's value, made its own first
    return plain_copy(raw_target(value), {})
