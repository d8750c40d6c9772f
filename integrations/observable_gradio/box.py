"""StateBox: one session's observed value, hashing to a stamp that moves only when it changed."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from observable import DEFAULT_RETENTION, Journal, is_observed, observe, snapshot, unwrap

__all__ = ["StateBox"]

_stamps = itertools.count(1)
_stamp_lock = threading.Lock()


class StateBox:
    """One session's observed value, stored in an ``ObservableState``.

    Gradio decides that a ``gr.State`` changed by comparing ``deep_hash`` of its value before
    and after an event. A box is not a container, so ``deep_hash`` calls ``hash(box)``, which is
    O(1): a stamp that changes exactly when the box's journal recorded a change since the last
    call. Two boxes never share a stamp, so replacing the box also counts as a change. Use the
    stamp only for change detection: it is not stable, so never use a box as a dict key.
    """

    __slots__ = ("_journal", "_mark", "_state_id", "_value")

    def __init__(
        self,
        value: Any,
        *,
        state_id: int | None = None,
        retention: int | None = DEFAULT_RETENTION,
    ) -> None:
        """Observe ``value`` with a new journal (an already observed value is copied first)."""
        journal = Journal(maxlen=retention)
        self._journal = journal
        self._value: Any = observe(snapshot(value) if is_observed(value) else value, journal)
        self._state_id = state_id
        self._mark: tuple[int, int] = (-1, 0)

    @property
    def value(self) -> Any:
        """The observed value: mutate it in place and every change is journaled."""
        return self._value

    @property
    def journal(self) -> Journal:
        """The journal that records this session's changes to the value."""
        return self._journal

    @property
    def version(self) -> int:
        """How many changes the journal has recorded."""
        return self._journal.version

    @property
    def state_id(self) -> int | None:
        """The id of the ``ObservableState`` component this box belongs to."""
        return self._state_id

    def __hash__(self) -> int:
        version = self._journal.version
        mark = self._mark
        if mark[0] >= version:
            return mark[1]
        with _stamp_lock:
            mark = self._mark
            if mark[0] < version:
                mark = self._mark = (version, next(_stamps))
            return mark[1]

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        # Gradio puts output values in some error messages: never repr the (large) value.
        kind = type(unwrap(self._value)).__name__
        return f"<StateBox {kind} version={self._journal.version}>"

    def __copy__(self) -> StateBox:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> StateBox:
        return StateBox(
            snapshot(self._value), state_id=self._state_id, retention=self._journal.maxlen
        )
