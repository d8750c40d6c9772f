"""``journal_panel()``: the store's recent changes, live, readable in a 300 px sidebar.

Each change is one line (time, who, the full path and what happened) that expands to show
everything: session, key, path, operation and the complete arguments. Filters narrow it by
key or room and by who made the change, a caption counts changes per second, and by default
the panel shows only what the viewer may see (the keys its session reads, or one room).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from observable.describe import statement

from ._changelog import JournalEntry
from ._runtime import current_session_id
from ._shared import shared

ROOM_SEPARATOR = "/"
"""How shown keys join a room and its key (see ``observable.store_keys.show_key``)."""

__all__ = ["JournalEntry", "journal_panel", "journal_rows", "recent_changes"]

RATE_WINDOW = 10.0
"""Seconds over which the panel's changes-per-second count is taken."""

_HISTORY = 500  # entries read to filter from and to count the rate (the change log's size)
_LABEL_WIDTH = 56  # characters of "path op" in a collapsed line; the entry shows all
_EVERYONE = "everyone"
_ALL_KEYS = "all keys"
_SESSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def recent_changes(limit: int = 20) -> list[JournalEntry]:
    """Return the newest changes of the shared store, newest first (at most ``limit``)."""
    return shared().changelog.recent(limit)


def journal_rows(entries: Sequence[JournalEntry]) -> list[dict[str, str]]:
    """Return the entries as text: time, session (who), key, path (full), op and args (all)."""
    return [
        {
            "time": _clock(entry.received),
            "session": who(entry.session),
            "key": entry.key,
            "path": full_path(entry),
            "op": entry.op,
            "args": ", ".join(_repr(arg) for arg in entry.args),
        }
        for entry in entries
    ]


def journal_panel(
    limit: int = 20,
    *,
    room: str | None = None,
    everything: bool = False,
    refresh: float | None = None,
    title: str | None = "Journal",
) -> None:
    """Show the newest changes, live: one expandable line each, with filters and a rate.

    Scope: by default, the changes to keys this session reads (what the viewer already
    sees); ``room="general"`` shows only that room's keys (pass the viewer's current room);
    ``everything=True`` shows every change in the store, for an operator's page.

    The panel is a fragment: every change in the store reruns just this fragment in every
    session that shows it, the writer's included (after its run). ``refresh`` (seconds) also
    redraws it periodically, so the changes-per-second count falls back when changes stop.
    """
    if refresh is None:
        _fragment(limit, room, everything, title)
    else:
        _live_panel(limit, room, everything, title, refresh)


@dataclass(frozen=True)
class _Scope:
    """Which entries one viewer may see."""

    room: str | None
    everything: bool
    viewer: str | None

    def admits(self, entry: JournalEntry, readers: dict[str, frozenset[str]]) -> bool:
        """Return True when the viewer may see ``entry``."""
        if self.everything:
            return True
        if self.room is not None:
            return entry.key.startswith(self.room + ROOM_SEPARATOR)
        return self.viewer is not None and any(
            self.viewer in readers.get(key, frozenset()) for key in _keys(entry)
        )

    def describe(self) -> str:
        """Say what the panel shows, for its caption."""
        if self.everything:
            return "all keys"
        if self.room is not None:
            return f"room {self.room}"
        return "keys this session reads"


@st.fragment
def _fragment(limit: int, room: str | None, everything: bool, title: str | None) -> None:
    """The fragment behind :func:`journal_panel` (no periodic refresh)."""
    _draw(limit, room, everything, title)


def _live_panel(
    limit: int, room: str | None, everything: bool, title: str | None, refresh: float
) -> None:
    """Draw the panel as a fragment that also reruns every ``refresh`` seconds."""

    @st.fragment(run_every=refresh)
    def live_fragment() -> None:
        _draw(limit, room, everything, title)

    live_fragment()


def _draw(limit: int, room: str | None, everything: bool, title: str | None) -> None:
    """Draw the title, the rate, the filters and the newest entries in scope."""
    state = shared()
    state.dispatcher.watch()
    viewer = current_session_id()
    scope = _Scope(room, everything, viewer)
    history = state.changelog.recent(_HISTORY)
    readers = _readers(history) if room is None and not everything else {}
    visible = [entry for entry in history if scope.admits(entry, readers)]
    if title:
        st.markdown(f"**{title}**")
    st.caption(f"{_rate(visible, history, time.time()):.1f} changes/s · {scope.describe()}")
    if not visible:
        st.caption("No changes yet.")
        return
    key_choice, who_choice = _filters(visible, viewer, title or "journal")
    shown = [
        entry
        for entry in visible
        if _matches_key(entry, key_choice) and who_choice in (_EVERYONE, who(entry.session, viewer))
    ][:limit]
    if not shown:
        st.caption("No changes match the filters.")
    for entry in shown:
        _entry(entry, viewer)


def _filters(entries: Sequence[JournalEntry], viewer: str | None, name: str) -> tuple[str, str]:
    """Draw the key/room and session filters (in a closed expander); return the choices."""
    keys = _key_options(entries)
    people = sorted({who(entry.session, viewer) for entry in entries})
    with st.expander("Filter", expanded=False):
        key_choice = st.selectbox("Key or room", [_ALL_KEYS, *keys], key=f"{name}:panel:key")
        who_choice = st.selectbox("Made by", [_EVERYONE, *people], key=f"{name}:panel:who")
    return key_choice or _ALL_KEYS, who_choice or _EVERYONE


def _entry(entry: JournalEntry, viewer: str | None) -> None:
    """Draw one change: a short line that expands to every detail."""
    line = f"{_clock(entry.received, millis=False)} {who(entry.session, viewer)} · {summary(entry)}"
    with st.expander(_escape(_shorten(line, _LABEL_WIDTH))):
        details = [
            f"`#{entry.seq}` at {_clock(entry.received)}",
            f"**by** {_escape(who(entry.session, viewer))}",
            f"**path** `{full_path(entry)}`",
            f"**op** `{entry.op}`",
        ]
        if entry.session is not None and entry.session != who(entry.session, viewer):
            details.insert(2, f"session `{entry.session}`")
        st.markdown("  \n".join(details))  # one block, a line each: compact in a sidebar
        if entry.args:
            st.code("\n".join(_repr(arg) for arg in entry.args), language="python", wrap_lines=True)


def who(session: str | None, viewer: str | None = None) -> str:
    """Name who made a change: the app's origin name, "you", a short session id or "thread"."""
    if session is None:
        return "thread"
    if viewer is not None and session == viewer:
        return "you"
    if _SESSION_ID.match(session):
        return f"session {session[:8]}"
    return session


def full_path(entry: JournalEntry) -> str:
    """Return where the change happened, from the key down: ``general/messages[3].text``."""
    return entry.key + "".join(_step(part) for part in entry.path)


def summary(entry: JournalEntry) -> str:
    """Return the change in one line: ``messages[0].text = 'hi'`` or ``messages.append(…)``."""
    if _at_root(entry):  # the key itself was assigned, set by default or deleted
        return statement((), entry.op, (entry.key, *entry.args[1:]), limit=None)
    return statement((entry.key, *entry.path), entry.op, entry.args, limit=None)


def _at_root(entry: JournalEntry) -> bool:
    """Return True for a change to the store's top level (its first argument is the key).

    A :class:`JournalEntry` keeps the path below the key only, so a top-level change and a
    change of the key's own value look alike but for that argument.
    """
    return not entry.path and bool(entry.args) and entry.args[0] == entry.key


def _step(part: Any) -> str:
    """Format one path component: ``[3]``, ``.name`` or ``['a key']``."""
    if isinstance(part, str) and _IDENTIFIER.match(part):
        return f".{part}"
    return f"[{_repr(part)}]"


def _keys(entry: JournalEntry) -> list[str]:
    """Return the store keys of an entry (one, or several for a multi-key change)."""
    return entry.key.split(", ")


def _readers(entries: Iterable[JournalEntry]) -> dict[str, frozenset[str]]:
    """Return the sessions bound to each key the entries touch."""
    dispatcher = shared().dispatcher
    keys = {key for entry in entries for key in _keys(entry)}
    return {key: dispatcher.bound_sessions(key) for key in keys}


def _key_options(entries: Iterable[JournalEntry]) -> list[str]:
    """Return the rooms (``room/*``) and keys seen in ``entries``, sorted."""
    options: set[str] = set()
    for entry in entries:
        for key in _keys(entry):
            options.add(key)
            if ROOM_SEPARATOR in key:
                options.add(key.rsplit(ROOM_SEPARATOR, 1)[0] + ROOM_SEPARATOR + "*")
    return sorted(options)


def _matches_key(entry: JournalEntry, choice: str) -> bool:
    """Return True when the entry falls under the chosen key or ``room/*``."""
    if choice == _ALL_KEYS:
        return True
    if choice.endswith(ROOM_SEPARATOR + "*"):
        return any(key.startswith(choice[:-1]) for key in _keys(entry))
    return choice in _keys(entry)


def _rate(entries: Sequence[JournalEntry], history: Sequence[JournalEntry], now: float) -> float:
    """Return changes per second among ``entries`` over the last :data:`RATE_WINDOW` seconds.

    ``history`` is everything read from the change log, newest first. When it is full and
    does not reach back a whole window (a burst filled it), the rate is taken over the span
    it covers.
    """
    since = now - RATE_WINDOW
    if len(history) >= _HISTORY:
        since = max(since, history[-1].received)
    count = sum(1 for entry in entries if entry.received >= since)
    return count / max(now - since, 1e-3)


def _clock(stamp: float, *, millis: bool = True) -> str:
    """Return a local wall-clock time: ``12:03:04.123`` (or without milliseconds)."""
    text = time.strftime("%H:%M:%S", time.localtime(stamp))
    return f"{text}.{int(stamp * 1000) % 1000:03d}" if millis else text


def _repr(value: Any) -> str:
    """Return ``repr(value)``, or a placeholder if it raises."""
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _shorten(text: str, width: int) -> str:
    """Cut long text with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(text: str) -> str:
    """Escape Markdown so names and values show literally in labels and lines."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
