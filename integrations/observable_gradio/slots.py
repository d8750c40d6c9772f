"""PushSlots: how many tabs of one app may hold a worker slot for pushes at the same time.

Gradio runs at most ``max_threads`` events at once (``launch(max_threads=...)``, 40 by default),
and every push generator holds one of those slots while its tab is open. Without a bound, enough
open tabs take every slot and no other event (a post, a click) ever runs: the app freezes. A tab
that finds no free push slot is switched to polling instead (see ``attach``).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

__all__ = ["DEFAULT_MAX_THREADS", "PushSlots", "push_slots"]

DEFAULT_MAX_THREADS = 40
"""Gradio's default ``max_threads`` (used when the app does not say)."""

_by_app: weakref.WeakKeyDictionary[Any, PushSlots] = weakref.WeakKeyDictionary()
_by_app_lock = threading.Lock()


class PushSlots:
    """A counter of the push generators running in one app, with a limit.

    ``limit=None`` allows half of the app's worker slots (rounded down), so at least half
    stay free for every other event; an app with one worker slot pushes to no tab.
    """

    def __init__(self, app: Any, limit: int | None = None) -> None:
        """Count for the ``gr.Blocks`` ``app``; ``limit`` as described on the class."""
        _check(limit)
        self._app = weakref.ref(app)
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """How many tabs may be pushed to at once, as of now."""
        if self.limit is not None:
            return self.limit
        app = self._app()
        threads = getattr(app, "max_threads", DEFAULT_MAX_THREADS)
        if not isinstance(threads, int) or threads < 1:
            threads = DEFAULT_MAX_THREADS
        return threads // 2

    @property
    def used(self) -> int:
        """How many push generators hold a slot now."""
        return self._used

    def take(self) -> bool:
        """Claim a slot for one push generator; False if none is free."""
        with self._lock:
            if self._used >= self.capacity:
                return False
            self._used += 1
            return True

    def release(self) -> None:
        """Give back a slot claimed by :meth:`take`."""
        with self._lock:
            self._used = max(0, self._used - 1)


def _check(limit: int | None) -> None:
    """Refuse a limit that is not None or a whole number >= 0."""
    if limit is not None and (type(limit) is not int or limit < 0):
        raise ValueError(f"push_slots must be a whole number >= 0 or None, not {limit!r}")


def push_slots(app: Any, limit: int | None = None) -> PushSlots:
    """Return the one :class:`PushSlots` of ``app`` (every SharedState attached to it shares
    it); a ``limit`` given here replaces the earlier one."""
    _check(limit)
    with _by_app_lock:
        slots = _by_app.get(app)
        if slots is None:
            slots = _by_app[app] = PushSlots(app, limit)
        elif limit is not None:
            slots.limit = limit
        return slots
