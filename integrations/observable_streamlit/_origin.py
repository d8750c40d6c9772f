"""Tag the changes a Streamlit script thread makes with its session id."""

from __future__ import annotations

from observable import current_origin
from observable.origin import set_origin

__all__ = ["tag_origin"]


def tag_origin(session_id: str) -> None:
    """Make later changes on this thread carry ``session_id``, unless an origin is set.

    A script thread belongs to one session for its whole life, and Streamlit offers no
    block around a run, so the origin is set for the rest of the thread: the body, its
    callbacks and its fragments. An explicit ``observable.origin(...)`` block still wins.
    """
    if current_origin() is None:
        set_origin(session_id)
