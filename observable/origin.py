"""Who is making changes right now, carried by a context variable so callers never pass it."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

__all__ = ["current_origin", "origin"]

_origin: contextvars.ContextVar[Any] = contextvars.ContextVar("observable_origin", default=None)
get_origin = _origin.get


def current_origin() -> Any:
    """Return the origin that changes made now would carry (``None`` by default)."""
    return _origin.get()


@contextlib.contextmanager
def origin(value: Any) -> Iterator[None]:
    """Tag every change made inside the block (in this thread or task) with ``value``."""
    token = _origin.set(value)
    try:
        yield
    finally:
        _origin.reset(token)
