"""SharedToken: one tab's view of a SharedState, hashing to the revision the tab last saw."""

from __future__ import annotations

from typing import Any

from .shared import SharedState

__all__ = ["NEVER_SEEN", "SharedToken"]

NEVER_SEEN = -1
"""The revision a new tab has seen: none, so its first push or poll draws the current value."""


class SharedToken:
    """One tab's view of a SharedState: the value, and the revision the tab last saw.

    Gradio compares ``hash(token)`` before and after each event; only the push or poll code
    calls :meth:`advance`, so the tab is told about each revision it sees exactly once.
    """

    __slots__ = ("_shared", "seen")

    def __init__(self, shared: SharedState, seen: int = NEVER_SEEN) -> None:
        """Make a token that has seen ``seen`` (by default nothing yet)."""
        self._shared = shared
        self.seen = seen
        """The revision this tab was last told about."""

    @property
    def value(self) -> Any:
        """The shared observed value."""
        return self._shared.value

    @property
    def shared(self) -> SharedState:
        """The SharedState this token follows."""
        return self._shared

    def advance(self) -> bool:
        """Catch up with the shared revision; return True if it had moved."""
        revision = self._shared.revision
        if revision == self.seen:
            return False
        self.seen = revision
        return True

    def __hash__(self) -> int:
        return self.seen + 1  # never -1, which Python would fold into -2

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"<SharedToken seen={self.seen} revision={self._shared.revision}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedToken:
        return SharedToken(self._shared, self.seen)
