"""Keep Streamlit's post-run garbage collection short: freeze the long-lived objects once.

After every script run Streamlit calls ``gc.collect(2)`` (``runner.postScriptGC``, on by
default). A full collection walks every tracked object of the process (Streamlit, the
app's libraries, the shared values), holding the GIL all along; each rerun this
integration asks for pays it again. ``gc.freeze()`` moves the objects alive at that
moment to a permanent generation the collector skips. Objects created afterwards are
collected as usual; the frozen ones are still freed by reference counting, but a frozen
object that later becomes part of an unreachable cycle is never freed.

The freeze runs once per process in a live Streamlit server: the first use of the shared
state arranges it for the moment every session is idle, so what the first runs imported
lazily (Streamlit loads pandas, numpy and pyarrow on the first ``st.write``) is frozen
too. It follows one full collection, so no garbage is frozen; what can never be freed
is the cyclic garbage the sessions alive at that moment leave when they end (bounded,
once). It is skipped when ``runner.postScriptGC`` is off (nothing to gain) and when the
environment variable ``OBSERVABLE_STREAMLIT_GC_FREEZE`` is ``0``, ``false``, ``no`` or
``off``.
"""

from __future__ import annotations

import gc
import os
import threading
from typing import Final

import streamlit as st

__all__ = ["FREEZE_ENV", "freeze_long_lived", "freeze_wanted"]

FREEZE_ENV: Final = "OBSERVABLE_STREAMLIT_GC_FREEZE"
"""Set to ``0`` (or ``false``, ``no``, ``off``) to leave the garbage collector alone."""

_OFF: Final = frozenset({"0", "false", "no", "off"})
_lock = threading.Lock()
_frozen = False


def freeze_wanted() -> bool:
    """Return True unless the environment or Streamlit's config makes the freeze useless."""
    if os.environ.get(FREEZE_ENV, "").strip().lower() in _OFF:
        return False
    return bool(st.get_option("runner.postScriptGC"))


def freeze_long_lived() -> bool:
    """Collect, then freeze every object alive now (once per process); True if it froze."""
    global _frozen
    with _lock:
        if _frozen or not freeze_wanted():
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
