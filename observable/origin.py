"""Who is making changes right now, carried by a context variable so callers never pass it."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

__all__ = ["current_origin", "origin", "reset_origin", "set_origin"]

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


def set_origin(value: Any) -> contextvars.Token[Any]:
    """Tag every change made from now on (in this thread or task) with ``value``; return a token.

    For frameworks that own the thread but offer no block around the work, such as a
    Streamlit script thread, which belongs to one session for its whole life. Prefer
    :func:`origin` wherever a ``with`` block fits; pass the token to :func:`reset_origin`
    to undo.
    """
    return _origin.set(value)


def reset_origin(token: contextvars.Token[Any]) -> None:
    """Restore the origin that was current before the :func:`set_origin` that made ``token``."""
    _origin.reset(token)
