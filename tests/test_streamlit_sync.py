"""``observable_streamlit.sync`` on a real ``streamlit run``, sessions driven over the WebSocket.

One server runs ``tests/streamlit_apps/sync_app.py`` for the module; every test uses its
own room (``?room=``), so tests cannot see each other. Passive sessions send nothing after
their first run: whatever they show later came from the room through the journal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.Common_pb2 import DoubleArray, StringArray

from tests.support.streamlit_server import (
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

APP = Path(__file__).resolve().parent / "streamlit_apps" / "sync_app.py"
READ_ONLY = "This view is read-only: your change was not applied to the room."

# (widget key or label, WidgetState field, value sent, text the app shows afterwards)
WIDGETS: list[tuple[str, str, Any, str]] = [
    ("x", "double_array_value", DoubleArray(data=[42]), "x=42"),
    ("level", "string_array_value", StringArray(data=["high"]), "level=high"),
    ("n", "double_value", 7.0, "n=7"),
    ("note", "string_value", "hello", "note=hello"),
    ("area", "string_value", "two\nlines", "area=two\nlines"),
    ("check", "bool_value", True, "check=True"),
    ("switch", "bool_value", True, "switch=True"),
    ("choice", "string_value", "c", "choice=c"),
    ("color name", "string_value", "blue", "color name=blue"),
    ("tags", "string_array_value", StringArray(data=["q", "r"]), "tags=q,r"),
    ("day", "string_array_value", StringArray(data=["2025-02-03"]), "day=2025-02-03"),
    ("at", "string_value", "08:30", "at=08:30:00"),
    ("color", "string_value", "#ff0000", "color=#ff0000"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[StreamlitServer]:
    """One server for the module."""
    require_streamlit_harness()
    with StreamlitServer(APP) as started:
        yield started
        log = started.log_text()
    assert "Traceback" not in log, log


def _room() -> str:
    return f"room {uuid.uuid4().hex[:8]}/ü"  # any typed text, '/' included


def _open(server: StreamlitServer, room: str, *, viewer: bool = False) -> StreamlitSession:
    from urllib.parse import quote

    query = f"room={quote(room, safe='')}" + ("&mode=viewer" if viewer else "")
    session = server.session(query_string=query, adopt_server_values=True)
    session.wait_quiet(0.5)
    return session


@pytest.mark.parametrize(
    ("target", "field", "value", "shown"), WIDGETS, ids=[w[0] for w in WIDGETS]
)
def test_a_change_in_a_shows_in_passive_b(
    server: StreamlitServer, target: str, field: str, value: Any, shown: str
) -> None:
    """Each widget kind: A changes it, B (which sends nothing) shows the new value."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    assert shown not in b.screen()
    a.set_value(target, field, value)
    a.wait_for_text(shown)
    b.wait_for_text(shown)


def test_private_key_stays_private_and_buttons_never_repeat(server: StreamlitServer) -> None:
    """``not_synced`` keys and button presses stay in the session that made them."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    a.set_text("name", "alice")
    a.wait_for_text("name=alice")
    a.click("balloons")
    a.wait_for_text("presses=1")
    a.set_text("note", "after")  # a synced change after them: B reruns and shows it
    b.wait_for_text("note=after")
    b.wait_quiet(0.75)
    assert "name=" in b.screen() and "presses=0" in b.screen()


def test_session_state_set_inside_the_block_is_synced(server: StreamlitServer) -> None:
    """``st.session_state["counter"] += 1`` in A (a button's body) shows in B."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    a.click("bump")
    b.wait_for_text("counter=1")
    b.click("bump")
    a.wait_for_text("counter=2")


def test_two_people_moving_different_widgets_both_win(server: StreamlitServer) -> None:
    """A moves x while B types a note: every session ends with both changes."""
    room = _room()
    a, b, c = _open(server, room), _open(server, room), _open(server, room)
    a.set_value("x", "double_array_value", DoubleArray(data=[11]))
    b.set_text("note", "from b")
    for session in (a, b, c):
        session.wait_for_text("x=11")
        session.wait_for_text("note=from b")


def test_the_same_widget_converges_everywhere(server: StreamlitServer) -> None:
    """A and B set x at once: all three sessions settle on one value, the room's."""
    room = _room()
    a, b, c = _open(server, room), _open(server, room), _open(server, room)
    a.set_value("x", "double_array_value", DoubleArray(data=[20]))
    b.set_value("x", "double_array_value", DoubleArray(data=[30]))
    for session in (a, b, c):
        session.wait_quiet(1.0)
    shown = {next(t for t in s.screen() if t.startswith("x=")) for s in (a, b, c)}
    assert len(shown) == 1 and shown <= {"x=20", "x=30"}, shown


def test_form_fields_sync_on_submit_only(server: StreamlitServer) -> None:
    """A form field typed in A reaches B when A submits, not before."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    a.set_text("topic", "draft")  # the harness sends it; a browser would hold it until submit
    a.click("submit")
    b.wait_for_text("topic=draft")


def test_read_only_session_follows_but_cannot_change_the_room(server: StreamlitServer) -> None:
    """The viewer sees A's change live; its own change is refused with a visible message."""
    room = _room()
    a, viewer = _open(server, room), _open(server, room, viewer=True)
    a.set_value("x", "double_array_value", DoubleArray(data=[55]))
    viewer.wait_for_text("x=55")
    mark = a.mark()
    viewer.set_value("x", "double_array_value", DoubleArray(data=[99]))
    viewer.wait_for_text(READ_ONLY)
    viewer.wait_for_text("x=55")  # snapped back
    viewer.click("bump")
    viewer.wait_quiet(0.75)
    assert a.runs_after(mark) == []  # the room never changed
    assert "x=55" in a.screen() and "counter=0" in a.screen()


def test_presence_counts_join_and_leave_and_idle_rooms_never_rerun(
    server: StreamlitServer,
) -> None:
    """Presence goes 1, 2, 3, 2 as sessions come and go; an idle room then has 0 reruns."""
    room = _room()
    a = _open(server, room)
    a.wait_for_text("presence=1")
    b = _open(server, room)
    a.wait_for_text("presence=2")
    c = _open(server, room)
    b.wait_for_text("presence=3")
    c.close()
    a.wait_for_text("presence=2")
    b.wait_for_text("presence=2")
    a.wait_quiet(1.0)
    b.wait_quiet(1.0)
    marks = (a.mark(), b.mark())
    assert a.runs_after(marks[0], quiet_period=2.0) == []
    assert b.runs_after(marks[1], quiet_period=0.5) == []


def test_switching_rooms_leaves_the_old_one(server: StreamlitServer) -> None:
    """A session in room 1 that moves to room 2 drops out of room 1's presence."""
    first, second = _room(), _room()
    stay = _open(server, first)
    mover = _open(server, first)
    stay.wait_for_text("presence=2")
    typed = mover.mark()
    mover.set_text("Room name", second)
    mover.wait_for_runs(1, since=typed)  # Join is enabled once a name is typed
    mover.click("Join")
    mover.wait_for_text("presence=1")
    stay.wait_for_text("presence=1")
    mover.set_value("x", "double_array_value", DoubleArray(data=[3]))
    mover.wait_for_text("x=3")
    stay.wait_quiet(0.75)
    assert "x=0" in stay.screen()


def test_a_clear_on_submit_form_is_cleared_in_every_session(server: StreamlitServer) -> None:
    """A submits a ``clear_on_submit`` form: A's run gets the message, every field clears."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    b.set_text("message", "half typed")  # the harness sends a form field at once
    a.wait_for_text("message=half typed")
    mark = a.mark()
    a.set_text("message", "hello")
    a.wait_for_runs(1, since=mark)
    mark = a.mark()
    a.click("send")
    run = a.wait_for_runs(1, since=mark)[-1]
    assert "message=hello" in run.texts  # the submission itself is A's, as in Streamlit
    b.wait_for_text("message=")
    late = _open(server, room)
    assert "message=" in late.screen(), late.screen()
    a.set_text("note", "later")  # A's next run must not bring the message back
    b.wait_for_text("note=later")
    a.wait_quiet(0.75)
    assert "message=" in b.screen() and "message=" in a.screen()


def test_a_pushed_value_calls_no_on_change_in_the_receiving_session(
    server: StreamlitServer,
) -> None:
    """B's ``on_change`` runs for B's own moves only, not for values pushed from A."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    b.set_value("y", "double_array_value", DoubleArray(data=[3]))
    b.wait_for_text("y_changes=1")
    a.wait_for_text("y=3")
    a.set_value("y", "double_array_value", DoubleArray(data=[7]))
    b.wait_for_text("y=7")
    a.set_text("note", "rerun b")  # a server-side rerun of B right after the push
    b.wait_for_text("note=rerun b")
    b.click("bump")  # and one of B's own, with what B's browser now shows
    a.wait_for_text("counter=1")
    b.wait_quiet(0.75)
    assert "y_changes=1" in b.screen() and "y=7" in b.screen(), b.screen()
    assert "y=7" in a.screen(), a.screen()


EDITOR_PREFIX = "$$STREAMLIT_INTERNAL_KEY_observable_sync_editor_"


def _edit(session: StreamlitSession, edits: dict[int, dict[str, Any]]) -> str:
    """Send the edits of the session's (newest) data editor, as the browser sends them."""
    import json

    editor = next(w for w in reversed(_widgets(session)) if w.id == _editor_id(session))
    rows = {str(row): cells for row, cells in edits.items()}
    delta = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    session.set_value(editor.key, "string_value", json.dumps(delta))
    return editor.id


def _widgets(session: StreamlitSession) -> list[Any]:
    with session._cond:
        return list(session._widgets.values())


def _editor_id(session: StreamlitSession) -> str:
    """The element id of the session's newest synced data editor."""
    editors = [w.id for w in _widgets(session) if (w.key or "").startswith(EDITOR_PREFIX)]
    return editors[-1]


def _drawn_table(session: StreamlitSession) -> list[tuple[str, int]]:
    """The rows the session's newest editor shows in the browser (its Arrow data)."""
    frame = session.table(_editor_id(session))
    return list(zip(frame["item"], frame["qty"], strict=True))


def test_data_editor_edits_reach_the_other_editor(server: StreamlitServer) -> None:
    """A edits a cell: B's editor is redrawn with A's table; B's edit then reaches A."""
    room = _room()
    a, b = _open(server, room), _open(server, room)
    _edit(a, {0: {"qty": 4}})
    b.wait_for_text("table=tea:4,cake:2")
    first = _edit(a, {0: {"qty": 5}})  # A's editor keeps its edits: the browser sends them all
    a.wait_for_text("table=tea:5,cake:2")
    b.wait_for_text("table=tea:5,cake:2")
    assert _drawn_table(b) == [("tea", 5), ("cake", 2)]  # B's grid shows it, not only B's code
    _edit(b, {1: {"qty": 9}})
    a.wait_for_text("table=tea:5,cake:9")
    assert _drawn_table(a) == [("tea", 5), ("cake", 9)]
    assert _editor_id(a) != first  # A's editor was remounted on the new table
    _edit(a, {0: {"qty": 6}})  # and A edits the table it now shows
    b.wait_for_text("table=tea:6,cake:9")
    a.wait_quiet(0.75)
    assert "table=tea:6,cake:9" in a.screen(), a.screen()
