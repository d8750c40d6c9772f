"""What gradio copies to start a session's state: objects whose deep copy is the new value.

Gradio deep-copies a State's default on each session's first access (``SessionState``), and that
is the only hook it offers for per-session values. Neither object here is callable (gradio would
call it) nor a container (nothing walks it). A session's value shares the default
(:func:`observable.observe_shared`): starting it costs O(1), and its first write copies only the
path it touches.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from observable import Journal, SharedDefault, is_observed, observe, observe_shared, snapshot

from .results import wrap_dependencies
from .shared import SharedState
from .tokens import SharedToken

__all__ = ["SessionDefault", "TokenDefault"]


class SessionDefault:
    """Handed to gradio for one session's first access: its deep copy is the observed value."""

    __slots__ = ("_initial", "_journal", "_session", "_state_id")

    def __init__(
        self, initial: Any, journal: Callable[[], Journal], state_id: int, session: Any
    ) -> None:
        """Share ``initial`` (a SharedDefault) or call it (a factory) for the session
        ``session`` when copied."""
        self._initial = initial
        self._journal = journal
        self._state_id = state_id
        self._session = session

    def new_value(self) -> Any:
        """Return the session's value, observed with a new journal: the shared default, copied
        as it is written (or the factory's result; an immutable scalar stays raw)."""
        initial = self._initial
        if isinstance(initial, SharedDefault):
            observed = observe_shared(initial, self._journal())
        else:
            value = initial() if callable(initial) else copy.deepcopy(initial)
            if is_observed(value):
                value = snapshot(value)  # a factory handed back an observed value: own a copy
            observed = observe(value, self._journal(), warn=False)
        if self._session is not None:
            wrap_dependencies(self._session)  # a render's functions, for one
        return observed

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self.new_value()

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
