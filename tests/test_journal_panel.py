"""The journal panel under Streamlit's AppTest: compact lines, full details, scope and filters.

AppTest runs one session (id ``test session id``) with no real runtime. Changes made here,
outside any script thread, reach the panel like a background thread's; their origin is what
``observable.origin(...)`` set, as an app would.
"""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from observable_streamlit import journal_rows, recent_changes, server_state
from observable_streamlit import room as room_of
from observable_streamlit.panel import full_path, summary, who
from streamlit.testing.v1 import AppTest

import observable

APP = """
import streamlit as st
from observable_streamlit import journal_panel, room, server_state, server_state_lock

*ROOMS, KEY = "{read}".split("/")
view = room(ROOMS[0]) if ROOMS else server_state
with server_state_lock["{read}"]:
    view.setdefault(KEY, [])
with st.sidebar:
    journal_panel(limit={limit}, room={room!r}, everything={everything}, refresh={refresh})
"""


def unique(prefix: str) -> str:
    """Return a name no other test uses (the store is process-wide)."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def run_panel(tmp_path: Path, **options: Any) -> AppTest:
    """Run an app whose session reads ``read`` and shows the panel with ``options``."""
    settings = {"limit": 20, "room": None, "everything": False, "refresh": None, **options}
    script = tmp_path / "panel_app.py"
    script.write_text(textwrap.dedent(APP.format(**settings)))
    app = AppTest.from_file(str(script))
    app.run(timeout=30)
    assert not app.exception, app.exception
    return app


def labels(app: AppTest) -> list[str]:
    """Return the collapsed lines of the panel, newest first (Markdown escapes removed)."""
    return [expander.label.replace("\\", "") for expander in app.sidebar.expander][1:]


def test_each_change_is_one_line_with_who_and_the_full_path_and_expands_to_all(
    tmp_path: Path,
) -> None:
    room = unique("r")
    key = f"{room}/messages"
    long_text = "x" * 150
    app = run_panel(tmp_path, read=key, room=room)
    with observable.origin("ada"):
        room_of(room)["messages"].append({"user": "ada", "text": long_text})
        room_of(room)["messages"][0]["text"] = "hello"
    app.run(timeout=30)

    newest, older = labels(app)[:2]
    assert "ada" in newest and f"{key}[0].text = 'hello'" in newest
    assert older.startswith(tuple("0123456789")) and "ada" in older
    assert f"{key}.append(" in older and len(older) < 80  # cut in the line ...

    entry = app.sidebar.expander[2]  # ... and complete inside the entry
    texts = [m.value for m in entry.markdown]
    assert any(f"`{key}`" in text for text in texts)
    assert any("**op** `append`" in text for text in texts)
    assert long_text in entry.code[0].value
    assert app.sidebar.expander[0].label == "Filter"


def test_a_room_scope_hides_other_rooms(tmp_path: Path) -> None:
    mine, other = unique("mine"), unique("other")
    app = run_panel(tmp_path, read=f"{mine}/messages", room=mine)
    with observable.origin("grace"):
        room_of(other)["messages"] = ["secret"]
        room_of(mine)["messages"].append("visible")
    app.run(timeout=30)
    shown = " ".join(labels(app))
    assert f"{mine}/messages" in shown
    assert other not in shown and "secret" not in shown
    assert any(f"room {mine}" in caption.value for caption in app.sidebar.caption)


def test_by_default_only_keys_this_session_reads_are_shown(tmp_path: Path) -> None:
    read, unread = unique("read"), unique("unread")
    app = run_panel(tmp_path, read=read)
    server_state[unread] = ["not for this viewer"]
    server_state[read].append("for this viewer")
    app.run(timeout=30)
    shown = " ".join(labels(app))
    assert f"{read}.append('for this viewer')" in shown
    assert unread not in shown
    assert any("keys this session reads" in caption.value for caption in app.sidebar.caption)

    everything = run_panel(tmp_path, read=read, everything=True)
    assert unread in " ".join(labels(everything))


def test_filters_by_key_or_room_and_by_who(tmp_path: Path) -> None:
    first, second = unique("a"), unique("b")
    app = run_panel(tmp_path, read=first, everything=True)
    with observable.origin("ada"):
        room_of(first)["log"] = [1]
    with observable.origin("grace"):
        room_of(second)["log"] = [2]
        room_of(first)["log"].append(3)
    app.run(timeout=30)

    key_filter, who_filter = app.sidebar.selectbox
    assert f"{first}/*" in key_filter.options and f"{first}/log" in key_filter.options
    assert {"ada", "grace"} <= set(who_filter.options)

    key_filter.set_value(f"{first}/*").run(timeout=30)
    shown = labels(app)
    assert len(shown) == 2 and all(f"{first}/log" in line for line in shown)

    app.sidebar.selectbox[1].set_value("grace").run(timeout=30)
    (line,) = labels(app)
    assert "grace" in line and f"{first}/log.append(3)" in line


def test_the_rate_counts_recent_changes_per_second(tmp_path: Path) -> None:
    room = unique("rate")  # AppTest sessions share one id: a fresh room isolates this test
    app = run_panel(tmp_path, read=f"{room}/log", room=room, refresh=2.0)
    for n in range(30):
        room_of(room)["log"].append(n)
    app.run(timeout=30)
    rate = next(c.value for c in app.sidebar.caption if "changes/s" in c.value)
    assert float(rate.split()[0]) == pytest.approx(30 / 10, abs=0.2)  # 30 in a 10 s window
    assert len(labels(app)) == 20  # limit


def test_who_names_the_app_origin_the_viewer_a_session_or_a_thread() -> None:
    session = "3f2b9c1e-0d4a-4c4b-9a57-5b8f0d1c2e3a"
    assert who("ada") == "ada"
    assert who(session, viewer=session) == "you"
    assert who(session, viewer="another") == "session 3f2b9c1e"
    assert who(None) == "thread"


def test_rows_and_summaries_keep_the_full_path_and_arguments() -> None:
    key = unique("rows")
    server_state[key] = {"rooms": [{"messages": []}]}
    with observable.origin("ada"):
        server_state[key]["rooms"][0]["messages"].append("y" * 100)
    entry = recent_changes(1)[0]
    assert full_path(entry) == f"{key}.rooms[0].messages"
    assert summary(entry) == f"{key}.rooms[0].messages.append({'y' * 100!r})"
    row = journal_rows([entry])[0]
    assert row["session"] == "ada" and row["path"] == f"{key}.rooms[0].messages"
    assert row["args"] == repr("y" * 100)
    del server_state[key]


def test_top_level_assignments_and_deletions_read_naturally() -> None:
    key = unique("top")
    server_state[key] = [1, 2]
    assert summary(recent_changes(1)[0]) == f"{key} = [1, 2]"
    server_state.setdefault(unique("other"), {})
    assert summary(recent_changes(1)[0]).endswith(" = {}")
    del server_state[key]
    assert summary(recent_changes(1)[0]) == f"del {key}"
