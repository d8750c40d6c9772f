"""Widget sync: each widget registered inside ``sync`` adopts the room's value or writes its own.

Streamlit lets the server change a widget only *before* it is created in a run (by
setting ``st.session_state[key]``). So a session never receives a value while it runs:
a change made elsewhere reruns it (through the store's journal and the rerun scheduler),
and on that run, at the moment each widget registers, the room's value is put in place
exactly as ``st.session_state[key] = value`` would, and the browser is told to show it.

Who wins, per widget and run:

* the browser sent a value that differs from the one it sent on the session's previous
  run (the user moved it here), or the app set it through ``st.session_state``: the
  session's value is written to the room (unless read-only: then it is refused);
* otherwise the room's value, if any, replaces the session's; a widget the room has never
  seen seeds the room with its value.

Buttons, submit buttons and chat inputs are actions: never synced, never replayed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .._runtime import WidgetRegistration
from ._layout import MISSING, WIDGETS, plain, room_mapping
from .active import active_block
from .editors import EDITOR_KEY_PREFIX

__all__ = ["sync_widget"]

_LOGGER = logging.getLogger(__name__)


def sync_widget(registration: WidgetRegistration, register: Callable[[str | None], Any]) -> Any:
    """The registration hook: steer one widget inside an active ``sync`` block."""
    block = active_block()
    if (
        block is None
        or registration.is_action
        or (registration.user_key or "").startswith(EDITOR_KEY_PREFIX)
        or (registration.user_key is not None and registration.user_key in block.private)
    ):
        return register(registration.user_key)
    key = registration.user_key or registration.widget_id
    sent = registration.sent_wire()
    last = block.record.last_sent.get(registration.widget_id, MISSING)
    block.record.last_sent[registration.widget_id] = sent
    acted = registration.set_by_app() or (sent is not None and last is not MISSING and sent != last)
    widgets = room_mapping(block.room.name, WIDGETS)
    room_value = plain(widgets.get(key, MISSING)) if key in widgets else MISSING
    if acted and block.readonly:
        block.refused.add(key)
        acted = False
    if not acted and room_value is not MISSING and registration.current_wire() != room_value:
        try:
            registration.push(room_value)
        except Exception:  # the room holds a value this widget cannot take (other options)
            _LOGGER.warning("observable: widget %r cannot show the room's value", key)
        else:  # the browser adopts it: sending it back later is no action of the user
            block.record.last_sent[registration.widget_id] = room_value
    block.widgets[registration.widget_id] = (key, registration)
    result = register(registration.state_key)
    if not block.readonly and (acted or room_value is MISSING):
        value = registration.wire(result.value)
        if value != room_value:
            widgets[key] = value
    return result
