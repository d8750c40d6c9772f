"""``with sync(room):`` shares the block's widgets and ``st.session_state`` values in a room."""

from __future__ import annotations

import copy
import logging
from types import TracebackType
from typing import Any

import streamlit as st

from .._runtime import (
    current_session_id,
    install_data_editor_hook,
    install_widget_hook,
    is_internal_key,
    stop_watching_forms,
    watch_forms,
    widget_owns_key,
)
from .._same import indistinguishable
from ._layout import MISSING, STATE, WIDGETS, bind, plain, room_mapping
from ._sessions import SessionRecord, record
from .active import ActiveBlock, active_block, reset_active_block, set_active_block
from .editors import sync_data_editor
from .presence import join, leave, watch_disconnects
from .rooms import Room
from .widgets import sync_widget

__all__ = ["READ_ONLY_MESSAGE", "leave_room", "not_synced", "sync"]

_LOGGER = logging.getLogger(__name__)

READ_ONLY_MESSAGE = "This view is read-only: your change was not applied to the room."
"""Shown in a read-only session that tried to change a synced value."""

_LOCAL_SESSION = "local"
"""Record id used off a script thread (bare python): nothing to rerun, nothing to track."""


def not_synced(key: str) -> str:
    """Keep ``key`` private to this session inside ``sync`` (a widget key or state key).

    Returns ``key`` unchanged, so it reads naturally: ``st.text_input("Name",
    key=not_synced("name"))``. The key stays private for the rest of the session.
    """
    if not isinstance(key, str):
        raise TypeError(f"not_synced() takes a str key, not {type(key).__name__}")
    block = active_block()
    session_id = current_session_id()
    if block is not None:
        block.private.add(key)
    elif session_id is not None:
        record(session_id).private.add(key)
    return key


class sync:
    """Share every widget and ``st.session_state`` value set inside the block with ``room``.

    ``room`` None (no room chosen) makes the block a no-op. With ``readonly=True`` the
    session follows the room live but never changes it: a changed widget snaps back to
    the room's value and a message says so. ``block`` names the block, so a script with
    two ``sync`` blocks can be in two rooms; in one block a session is in one room at most.
    """

    def __init__(self, room: Room | None, *, readonly: bool = False, block: str = "main") -> None:
        """Describe the block; nothing happens before ``with``."""
        if room is not None and not isinstance(room, Room):
            raise TypeError(f"sync() takes a Room (from select_room()), not {type(room).__name__}")
        self.room = room
        self.readonly = readonly
        self.block = block
        self._active: ActiveBlock | None = None
        self._token: Any = None
        self._snapshot: dict[str, Any] = {}

    def __enter__(self) -> sync:
        """Join the room, adopt its session-state values and start steering widgets."""
        if self.room is None:
            leave_room(self.block)
            self._token = set_active_block(None)
            return self
        session_id = current_session_id()
        rec = record(session_id or _LOCAL_SESSION)
        self._switch(rec, self.room)
        if session_id is not None:
            install_widget_hook(sync_widget)
            install_data_editor_hook(sync_data_editor)
            watch_disconnects()
        bind(self.room.name, WIDGETS)
        bind(self.room.name, STATE)
        join(self.room, rec, viewer=self.readonly)
        self._active = ActiveBlock(self.room, self.readonly, rec, private=rec.private)
        self._active.forms = watch_forms()
        self._adopt_state(self._active)
        self._snapshot = {k: _copy(v) for k, v in _user_state(self._active).items()}
        self._token = set_active_block(self._active)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Write the session-state values the block changed; show refusals when read-only."""
        reset_active_block(self._token)
        active, self._active = self._active, None
        if active is not None:
            stop_watching_forms(active.forms)
        if active is None or exc_type is not None:
            return
        if not active.readonly:
            _clear_submitted_forms(active)
        changed = {
            k: v
            for k, v in _user_state(active).items()
            if k not in self._snapshot or not indistinguishable(self._snapshot[k], v)
        }
        if changed and active.readonly:
            active.refused.update(changed)
            self._adopt_state(active)
        elif changed:
            state = room_mapping(active.room.name, STATE)
            for key, value in changed.items():
                try:
                    state[key] = _copy(value)
                except Exception as error:  # a value the store cannot hold
                    st.error(f"Cannot share st.session_state[{key!r}]: {error}")
        if active.refused:
            st.warning(READ_ONLY_MESSAGE, icon="🔒")

    # -- helpers -----------------------------------------------------------------------
    def _switch(self, rec: SessionRecord, room: Room) -> None:
        """Leave the room this block was in before, if it was another one."""
        previous = rec.rooms.get(self.block)
        others = {r for b, r in rec.rooms.items() if b != self.block}
        if previous is not None and previous != room.name and previous not in others:
            leave(previous, rec.session_id)
        rec.rooms[self.block] = room.name

    @staticmethod
    def _adopt_state(active: ActiveBlock) -> None:
        """Set every room session-state value this session does not already hold."""
        for key, value in plain(room_mapping(active.room.name, STATE)).items():
            if key in active.private or widget_owns_key(key):
                continue
            if not indistinguishable(st.session_state.get(key, _ABSENT), value):
                st.session_state[key] = value


def leave_room(block: str = "main") -> None:
    """Leave the room this session's ``block`` is in (``select_room`` does it on Leave)."""
    session_id = current_session_id()
    if session_id is None:
        return
    rec = record(session_id)
    previous = rec.rooms.pop(block, None)
    if previous is not None and previous not in rec.rooms.values():
        leave(previous, session_id)


_ABSENT = object()


def _clear_submitted_forms(active: ActiveBlock) -> None:
    """Give the room the defaults of fields of a ``clear_on_submit`` form submitted here.

    The submitting browser clears its own fields; every other session of the room
    adopts the cleared values from the room.
    """
    if active.forms is None:
        return
    cleared = active.forms.cleared_fields()
    if not cleared:
        return
    widgets = room_mapping(active.room.name, WIDGETS)
    for widget_id in cleared:
        if widget_id not in active.widgets:
            continue
        key, registration = active.widgets[widget_id]
        value = registration.default_wire()
        active.record.last_sent[widget_id] = value  # the browser clears itself
        if plain(widgets.get(key, MISSING)) != value:
            widgets[key] = value


def _user_state(active: ActiveBlock) -> dict[str, Any]:
    """Return the session-state values the block shares: not widgets, private or internal."""
    values = {}
    for key in list(st.session_state.keys()):
        if not isinstance(key, str) or is_internal_key(key) or key in active.private:
            continue
        if widget_owns_key(key):
            continue
        try:
            values[key] = st.session_state[key]
        except KeyError:
            continue
    return values


def _copy(value: Any) -> Any:
    """Deep-copy a value so later in-place edits show up as changes."""
    try:
        return copy.deepcopy(value)
    except Exception:
        return value
