"""Rerun control: ``no_rerun``, ``force_rerun_bound_sessions``, rerunning the writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from ._flags import include_writer, is_suppressed, pop_suppression, push_suppression
from ._shared import shared
from .state import ServerState, server_state, store_of

__all__ = [
    "NoRerun",
    "RerunSuppressedError",
    "bound_sessions",
    "force_rerun_bound_sessions",
    "no_rerun",
    "rerun_writer",
]


class RerunSuppressedError(Exception):
    """``force_rerun_bound_sessions`` was called inside a ``no_rerun`` block."""


class NoRerun:
    """``with no_rerun:`` changes the store without rerunning anyone (they are still journaled)."""

    def __enter__(self) -> None:
        """Start suppressing reruns in this thread (blocks nest)."""
        push_suppression(shared().store.silent())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop suppressing reruns."""
        pop_suppression().__exit__(exc_type, exc, tb)

    def __call__(self) -> NoRerun:
        """Return the context manager itself, so ``with no_rerun():`` works too."""
        return self

    def __repr__(self) -> str:
        """Name the object."""
        return "observable_streamlit.no_rerun"


no_rerun = NoRerun()
"""Suppress reruns for changes made inside ``with no_rerun:``."""


def force_rerun_bound_sessions(
    key: str, *, include_self: bool = True, state: ServerState = server_state
) -> int:
    """Rerun the sessions bound to ``key`` of ``state`` (a room, say) without a change.

    As upstream, the calling session reruns too if it is bound (after its current run);
    pass ``include_self=False`` to leave it out. Returns how many sessions were newly
    scheduled. Raises :class:`RerunSuppressedError` inside ``no_rerun``.
    """
    if is_suppressed():
        raise RerunSuppressedError(
            "force_rerun_bound_sessions() cannot be used in the no_rerun context."
        )
    full_key = store_of(state).full_key(key)
    return shared().dispatcher.rerun_readers(full_key, include_writer=include_self)


@contextmanager
def rerun_writer() -> Iterator[None]:
    """Also rerun the writing session, once its current run is over, for changes in the block.

    By default a session's own changes never rerun it (that loops). Use this when the
    writer displayed the value before changing it; never around a change every run makes.
    """
    with include_writer():
        yield


def bound_sessions(key: str, state: ServerState = server_state) -> frozenset[str]:
    """Return the ids of the connected sessions bound to ``key`` of ``state``."""
    dispatcher = shared().dispatcher
    dispatcher.prune()
    return dispatcher.bound_sessions(store_of(state).full_key(key))
