"""The defaults of the two states: objects whose deep copy is a new session's value.

Gradio deep-copies a State's default on each session's first access, and that is the only
hook it offers for per-session values. These defaults are neither callable (Gradio would attach
a load event) nor containers (``Block.get_config`` would iterate them on every event that
outputs the State, and on every page load), so building configs never touches the value.
"""

from __future__ import annotations

import copy
from typing import Any

from .box import StateBox
from .shared import SharedState
from .tokens import SharedToken

__all__ = ["SessionDefault", "TokenDefault"]


class SessionDefault:
    """The default of an ObservableState: each deep copy is a new session's observed box."""

    __slots__ = ("_initial", "_retention", "_state_id")

    def __init__(self, initial: Any, state_id: int, retention: int | None) -> None:
        """Hold the initial value by reference (or a zero-argument factory); never copy it here."""
        self._initial = initial
        self._state_id = state_id
        self._retention = retention

    @property
    def retention(self) -> int | None:
        """How many changes each session's journal keeps (None: all of them)."""
        return self._retention

    def new_box(self) -> StateBox:
        """Return a new session's box: a deep copy of the initial value, or the factory's result."""
        initial = self._initial
        value = initial() if callable(initial) else copy.deepcopy(initial)
        return StateBox(value, state_id=self._state_id, retention=self._retention)

    def __deepcopy__(self, memo: dict[int, Any]) -> StateBox:
        return self.new_box()

    def __copy__(self) -> SessionDefault:
        return self

    def __repr__(self) -> str:
        return f"<SessionDefault of {type(self._initial).__name__}>"


class TokenDefault:
    """The default of a SharedView: each deep copy is a new tab's token, which has seen nothing."""

    __slots__ = ("_shared",)

    def __init__(self, shared: SharedState) -> None:
        """Follow ``shared``."""
        self._shared = shared

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedToken:
        return SharedToken(self._shared)

    def __copy__(self) -> TokenDefault:
        return self

    def __repr__(self) -> str:
        return "<TokenDefault>"
