"""Gradio integration for observable: change events from the journal, and shared live values.

* :class:`ObservableState` is a ``gr.State`` whose ``.change`` fires exactly when its value was
  mutated during an event, at any depth, found in O(1) from the journal, never by walking it.
* :func:`on` wires an event so that observed states reach the function as observed values and
  are always outputs (Gradio only checks outputs for changes).
* :class:`SharedState` holds one observed value for the whole app; :meth:`SharedState.attach`
  pushes its changes to every open tab (or polls, with ``mode="poll"``).

Needs the ``gradio`` extra: ``pip install "observable-journal[gradio]"``.
"""

from __future__ import annotations

from ._gradio import INSTALL_HINT
from .attach import attach
from .box import StateBox
from .compat import GradioCompatibilityWarning, check_change_detection
from .components import ObservableState, SharedView
from .defaults import SessionDefault, TokenDefault
from .listen import on
from .shared import SharedState
from .tokens import SharedToken
from .wakeup import Wakeup

__all__ = [
    "INSTALL_HINT",
    "GradioCompatibilityWarning",
    "ObservableState",
    "SessionDefault",
    "SharedState",
    "SharedToken",
    "SharedView",
    "StateBox",
    "TokenDefault",
    "Wakeup",
    "attach",
    "check_change_detection",
    "on",
]
