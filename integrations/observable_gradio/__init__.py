"""Gradio integration for observable: change events from the journal, and shared live values.

* :class:`ObservableState` replaces ``gr.State`` with nothing else changed: handlers receive the
  value (observed), and ``.change`` fires exactly when it changed, at any depth, found in O(1)
  from the journal, never by walking it.
* :func:`on` is ``gr.on`` that also makes every ObservableState input an output (Gradio only
  checks outputs for changes).
* :class:`SharedState` holds one observed value for the whole app; :meth:`SharedState.attach`
  pushes its changes to every open tab (or polls, with ``mode="poll"``).

Needs the ``gradio`` extra: ``pip install "observable-journal[gradio]"``.
"""

from __future__ import annotations

from ._gradio import INSTALL_HINT, install_change_hash
from .attach import attach
from .components import ObservableState, SharedView
from .defaults import SessionDefault, TokenDefault
from .listen import on
from .shared import SharedState
from .tokens import SharedToken
from .wakeup import Wakeup

__all__ = [
    "INSTALL_HINT",
    "ObservableState",
    "SessionDefault",
    "SharedState",
    "SharedToken",
    "SharedView",
    "TokenDefault",
    "Wakeup",
    "attach",
    "install_change_hash",
    "on",
]
