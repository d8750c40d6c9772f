"""``journal_panel()``: the store's recent changes, live, in any Streamlit container."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from ._changelog import JournalEntry
from ._shared import shared

__all__ = ["JournalEntry", "journal_panel", "journal_rows", "recent_changes"]

_ARGS_WIDTH = 60


def recent_changes(limit: int = 20) -> list[JournalEntry]:
    """Return the newest changes of the shared store, newest first (at most ``limit``)."""
    return shared().changelog.recent(limit)


def journal_rows(entries: list[JournalEntry]) -> list[dict[str, str]]:
    """Return the panel's table rows: time, session, key, path, op and args, as text."""
    return [_row(entry) for entry in entries]


def journal_panel(limit: int = 20, *, title: str | None = "Journal") -> None:
    """Show the newest changes (time, session, key, path, op, args), updated live.

    The panel is a fragment: every change in the store reruns just this fragment in
    every session that shows it, the writer's included (after its run).
    """
    _panel(limit, title)


@st.fragment
def _panel(limit: int, title: str | None) -> None:
    """The fragment behind :func:`journal_panel`."""
    shared().dispatcher.watch()
    if title:
        st.markdown(f"**{title}**")
    entries = recent_changes(limit)
    if not entries:
        st.caption("No changes yet.")
        return
    st.dataframe(journal_rows(entries), hide_index=True)


def _row(entry: JournalEntry) -> dict[str, str]:
    """Format one entry."""
    stamp = time.strftime("%H:%M:%S", time.localtime(entry.received))
    millis = int(entry.received * 1000) % 1000
    return {
        "time": f"{stamp}.{millis:03d}",
        "session": _short(entry.session),
        "key": entry.key,
        "path": "/".join(str(part) for part in entry.path) or "·",
        "op": entry.op,
        "args": _shorten(", ".join(_repr(arg) for arg in entry.args)),
    }


def _short(session: str | None) -> str:
    """Shorten a session id (uuid) to its first 8 characters; ``thread`` when unknown."""
    if session is None:
        return "thread"
    return session[:8]


def _repr(value: Any) -> str:
    """Return ``repr(value)``, or a placeholder if it raises."""
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _shorten(text: str) -> str:
    """Cut long text with an ellipsis."""
    return text if len(text) <= _ARGS_WIDTH else text[: _ARGS_WIDTH - 1] + "…"
