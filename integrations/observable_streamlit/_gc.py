"""Keep Streamlit's post-run garbage collection short: freeze the long-lived objects.

After every script run Streamlit calls ``gc.collect(2)`` (``runner.postScriptGC``, on by
default). A full collection walks every tracked object of the process (Streamlit, the
app's libraries, the shared values, every connected session), holding the GIL all
along; each rerun this integration asks for pays it again. ``gc.freeze()`` moves the
objects alive at that moment to a permanent generation the collector skips. Objects
created afterwards are collected as usual; frozen ones are still freed by reference
counting, but a frozen object that later becomes part of an unreachable cycle stays
until the next freeze.

Each connected session keeps a few hundred objects of its own, so a freeze taken when
the first session ran would leave every later session's objects to each collection
(7 ms per collection at 50 sessions). The :class:`Freezer` therefore freezes again:

- when a session binds to the shared state for the first time, as soon as no script
  runs: ``gc.collect()`` then ``gc.freeze()``. The collection walks only what is not
  frozen yet (a few milliseconds), so no unfrozen garbage gets frozen;
- after sessions left, once no script runs: ``gc.unfreeze()``, ``gc.collect()``,
  ``gc.freeze()``. This walks every object once (what Streamlit pays after every run
  without a freeze; 50-150 ms on a loaded 2-core machine, during which a change waits)
  and frees the cyclic garbage that frozen objects left meanwhile (a closed session's,
  a replaced value's). It waits until no session left for ``SETTLE`` seconds, but no
  longer than ``MAX_DELAY`` seconds after the first leave it covers, so a server with
  steady churn pays it at most once per ``MAX_DELAY``.

So garbage hidden by a freeze lives at most ``MAX_DELAY`` seconds (plus the time until
no script runs) after a session leaves; while no session leaves it is bounded by what
the sessions alive at the freezes drop later.

Skipped when ``runner.postScriptGC`` is off (no collection after each run; Python's own
full collections are rarer) and when the environment
variable ``OBSERVABLE_STREAMLIT_GC_FREEZE`` is ``0``, ``false``, ``no`` or ``off``.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import Final

import streamlit as st

from ._runtime import call_when_idle

__all__ = [
    "FREEZE_ENV",
    "MAX_DELAY",
    "SETTLE",
    "Freezer",
    "freeze_long_lived",
    "freeze_wanted",
]

FREEZE_ENV: Final = "OBSERVABLE_STREAMLIT_GC_FREEZE"
"""Set to ``0`` (or ``false``, ``no``, ``off``) to leave the garbage collector alone."""

SETTLE: Final = 10.0
"""Seconds without a session leaving before everything is collected and frozen again."""

MAX_DELAY: Final = 60.0
"""Seconds after a leave by which everything is collected and frozen again, churn or not."""

_OFF: Final = frozenset({"0", "false", "no", "off"})
_lock = threading.Lock()


def freeze_wanted() -> bool:
    """Return True unless the environment or Streamlit's config makes the freeze useless."""
    if os.environ.get(FREEZE_ENV, "").strip().lower() in _OFF:
        return False
    return bool(st.get_option("runner.postScriptGC"))


def freeze_long_lived(*, thaw_first: bool = False) -> bool:
    """Collect what is not frozen, then freeze every object alive now; True if it froze.

    ``thaw_first`` unfreezes everything before collecting, so that garbage a freeze held
    (cycles that died while frozen) is freed too: a full pass over every object.
    """
    with _lock:
        if not freeze_wanted():
            return False
        if thaw_first:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
        return True


class Freezer:
    """Freezes new sessions' objects when scripts are idle; everything again after leaves."""

    def __init__(self, *, settle: float = SETTLE, max_delay: float = MAX_DELAY) -> None:
        """Refreeze everything ``settle`` s after the last leave, ``max_delay`` s at most."""
        self._settle = settle
        self._max_delay = max_delay
        self._lock = threading.Lock()
        self._arrival_due = False
        self._first_left_at = 0.0
        self._left_at = 0.0
        self._leave_due = False

    def session_arrived(self) -> None:
        """Note a session that bound first (any thread): freeze once no script runs."""
        if not freeze_wanted():
            return
        with self._lock:
            if self._arrival_due:
                return
            self._arrival_due = True
        if not call_when_idle(self._freeze_arrivals):  # no live runtime
            with self._lock:
                self._arrival_due = False

    def _freeze_arrivals(self) -> None:
        """Freeze what the sessions that arrived keep (event loop)."""
        with self._lock:
            self._arrival_due = False
        freeze_long_lived()

    def session_left(self) -> None:
        """Note a session that disconnected or closed (any thread): refreeze after settling."""
        if not freeze_wanted():
            return
        with self._lock:
            self._left_at = time.monotonic()
            if self._leave_due:
                return
            self._leave_due = True
            self._first_left_at = self._left_at
        self._schedule_leave(self._settle)

    def _schedule_leave(self, delay: float) -> None:
        """Arrange :meth:`_settled` for when no script runs, ``delay`` s from now."""
        if not call_when_idle(self._settled, delay=delay):  # no live runtime
            with self._lock:
                self._leave_due = False

    def _settled(self) -> None:
        """Refreeze everything once leaves settled or ``max_delay`` passed (event loop)."""
        with self._lock:
            due = min(self._left_at + self._settle, self._first_left_at + self._max_delay)
            wait = due - time.monotonic()
            if wait <= 0:
                self._leave_due = False
        if wait > 0:
            self._schedule_leave(wait)
            return
        freeze_long_lived(thaw_first=True)
