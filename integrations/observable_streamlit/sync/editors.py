"""``st.data_editor`` inside ``sync``: the room holds the edited table; every editor shows it.

What is synced is the **edited data** (the DataFrame ``st.data_editor`` returns), as
pandas' JSON (``orient="split"``), under the editor's key (or its position when unkeyed).
Streamlit cannot put edits into an editor the browser already shows, so each session
draws the editor with the room's data as its ``data`` and a hidden key derived from
that data: when another session changes the room, the key changes and the browser
mounts a fresh editor showing the new table. A session keeps its key while the room
holds what it wrote itself, so its own further edits apply to the table it shows.

* The whole table is one value: two people editing at once converge on the last write
  (journal order), like any other widget.
* Only pandas DataFrames are synced; other data (lists, dicts, numpy arrays) is drawn
  unsynced. Column dtypes are restored from the app's own data.
* Inside ``sync``, ``st.session_state[key]`` is not set for a synced editor (Streamlit
  would hold this session's unsaved edits against the shown table, which are folded
  into the room at once); read the returned DataFrame.
* A read-only session's editors are disabled.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from .._runtime import element_position
from ._layout import WIDGETS, plain, room_mapping
from .active import active_block

__all__ = ["EDITOR_KEY_PREFIX", "sync_data_editor"]

_LOGGER = logging.getLogger(__name__)

EDITOR_KEY_PREFIX = "$$STREAMLIT_INTERNAL_KEY_observable_sync_editor_"
"""Hidden keys of synced editors start with this (never synced as widgets themselves)."""


@dataclass
class _EditorView:
    """What one session's editor shows: the base table (JSON) and the key it is drawn with."""

    base: str | None
    key: str
    edits: str = "{}"
    written: str | None = None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _to_json(frame: Any) -> str:
    """Return the table as pandas' split JSON (ISO dates), the form the room stores."""
    return str(frame.to_json(orient="split", date_format="iso", date_unit="ns"))


def _from_json(text: str, like: Any) -> Any:
    """Rebuild a table stored by :func:`_to_json`, with the dtypes of the app's ``like``."""
    pandas: Any = importlib.import_module("pandas")
    frame = pandas.read_json(io.StringIO(text), orient="split", convert_dates=False)
    for column in frame.columns:
        if column in like.columns:
            with contextlib.suppress(TypeError, ValueError):  # keep what JSON gave
                frame[column] = frame[column].astype(like.dtypes[column])
    return frame


def _is_data_frame(data: object) -> bool:
    """True for a pandas DataFrame (pandas is Streamlit's dependency, not ours)."""
    kind = type(data)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] == "pandas"


def _edits(key: str) -> str:
    """Return this run's unsaved edits of the editor drawn under ``key`` as sorted JSON."""
    state = st.session_state.get(key)
    if not state:
        return "{}"
    return json.dumps(dict(state), sort_keys=True, default=str)


def sync_data_editor(draw: Callable[..., Any], dg: Any, data: Any, kwargs: dict[str, Any]) -> Any:
    """The ``st.data_editor`` hook: draw a synced editor inside an active ``sync`` block."""
    block = active_block()
    user_key = kwargs.get("key")
    if (
        block is None
        or not _is_data_frame(data)
        or (isinstance(user_key, str) and user_key in block.private)
    ):
        return draw(data, **kwargs)
    where = f":{user_key}" if user_key is not None else f"@{element_position(dg)}"
    name = "data_editor" + where
    widgets = room_mapping(block.room.name, WIDGETS)
    stored = plain(widgets.get(name))
    room = stored if isinstance(stored, str) else None
    views: dict[str, _EditorView] = block.record.editors
    view = views.get(name)
    if view is None or (room != view.base and room != view.written):
        # first draw, or another session changed the table: remount on the room's table
        view = views[name] = _EditorView(room, f"{EDITOR_KEY_PREFIX}{_digest(name + str(room))}")
    shown = data
    if view.base is not None:
        try:
            shown = _from_json(view.base, data)
        except ValueError:
            _LOGGER.warning("observable: the room's table for %r cannot be read", name)
    arguments = dict(kwargs, key=view.key)
    if block.readonly:
        arguments["disabled"] = True
    result = draw(shown, **arguments)
    edits = _edits(view.key)
    if edits != view.edits and not block.readonly:
        view.edits = edits
        table = _to_json(result)
        if table != room:
            view.written = table
            widgets[name] = table
    return result
