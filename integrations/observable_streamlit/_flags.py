"""Per-thread (per-context) switches: rerun suppression (``no_rerun``) and rerunning the writer."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

__all__ = [
    "include_writer",
    "is_suppressed",
    "pop_suppression",
    "push_suppression",
    "writer_included",
]

_suppressions: contextvars.ContextVar[tuple[AbstractContextManager[None], ...]] = (
    contextvars.ContextVar("observable_streamlit_suppressions", default=())
)
_include_writer: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "observable_streamlit_include_writer", default=False
)


def is_suppressed() -> bool:
    """Return True inside a ``no_rerun`` block (in this thread or task)."""
    return bool(_suppressions.get())


def push_suppression(silencer: AbstractContextManager[None]) -> None:
    """Enter ``silencer`` (the store's ``silent()``) and remember it for :func:`pop_suppression`."""
    silencer.__enter__()
    _suppressions.set((*_suppressions.get(), silencer))


def pop_suppression() -> AbstractContextManager[None]:
    """Forget the innermost suppression and return its silencer, for the caller to exit."""
    stack = _suppressions.get()
    if not stack:
        raise RuntimeError("no_rerun exited more often than it was entered")
    _suppressions.set(stack[:-1])
    return stack[-1]


def writer_included() -> bool:
    """Return True when changes made now should rerun the writing session too."""
    return _include_writer.get()


@contextmanager
def include_writer() -> Iterator[None]:
    """Make changes inside the block rerun the writing session too (after its run)."""
    token = _include_writer.set(True)
    try:
        yield
    finally:
        _include_writer.reset(token)
