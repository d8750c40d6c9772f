"""Issue 12: apps written for streamlit-server-state, against a real ``streamlit run``.

Each app in ``tests/streamlit_apps`` is written as users write them (several follow
streamlit-server-state's own examples with only the import swapped). Two or three
sessions talk to one server over the WebSocket harness.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.proto.Common_pb2 import DoubleArray, StringArray

from tests.support.streamlit_server import (
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

APPS = Path(__file__).parent / "streamlit_apps"
IDLE_WINDOW = 5.0  # seconds of idleness in which no session may rerun


@pytest.fixture()
def serve() -> Iterator[object]:
    """Start a server for one app file; stop it (and assert no traceback) afterwards."""
    require_streamlit_harness()
    servers: list[tuple[StreamlitServer, bool]] = []

    def start(name: str, *, known_failure: bool = False) -> StreamlitServer:
        server = StreamlitServer(APPS / name)
        server.start()
        servers.append((server, known_failure))
        return server

    yield start
    for server, known_failure in servers:
        log = server.log_text()
        server.stop()
        assert known_failure or "Traceback" not in log, log


def settle(*sessions: StreamlitSession) -> None:
    """Wait until every session is quiet."""
    for session in sessions:
        session.wait_quiet(0.75, timeout=20)


def act(session: StreamlitSession, action: Callable[[], None], *others: StreamlitSession) -> int:
    """Do ``action`` in ``session``; wait for its run(s) and for quiet everywhere.

    Return how many runs the session made.
    """
    mark = session.mark()
    action()
    runs = session.runs_after(mark, at_least=1, timeout=20)
    settle(*others)
    settle(session)
    return len(session.runs_since(mark)) if runs else 0


def shown(session: StreamlitSession, prefix: str) -> str:
    """Return the newest text starting with ``prefix`` on the session's screen."""
    matches = [text for text in session.screen() if text.startswith(prefix)]
    assert matches, session.screen()
    return matches[-1]


def test_widget_bound_values_never_loop(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 1: multiselect and range slider bound to server_state: 0 reruns when idle."""
    server = serve("shared_widgets.py")
    a, b = server.session(), server.session()
    settle(a, b)
    act(a, lambda: a.set_value("Shared", "string_array_value", StringArray(data=["a", "c"])), b)
    act(a, lambda: a.set_value("Range", "double_array_value", DoubleArray(data=[10, 90])), b)
    b.wait_for_text("selected=['a', 'c']")
    b.wait_for_text("span=(10, 90)")
    marks = a.mark(), b.mark()
    time.sleep(IDLE_WINDOW)  # a counting window, not a timing assertion
    assert a.runs_since(marks[0]) == [] and b.runs_since(marks[1]) == []


def test_arrow_key_twice_moves_the_shared_slider_twice(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 2: the global-slider example: two steps from one session both land."""
    server = serve("shared_widgets.py")
    a, b = server.session(), server.session()
    settle(a, b)
    for expected in (51, 52):  # each press sends the displayed slider's value + 1
        value = DoubleArray(data=[expected])
        act(a, lambda value=value: a.set_value("Shared value", "double_array_value", value), b)
        b.wait_for_text(f"slider={expected}")
        assert shown(a, "slider=") == f"slider={expected}"


def test_a_count_drawn_above_its_button_is_fresh_in_the_writer(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 4: the writer reruns once (it drew count before incrementing it), then quiet."""
    server = serve("counter.py")
    a, b = server.session(), server.session()
    settle(a, b)
    assert act(a, lambda: a.click("Increment"), b) == 2  # the click's run, then one rerun
    b.wait_for_text("count=1")
    assert shown(a, "count=") == "count=1"


def test_room_names_with_slashes_work(serve) -> None:  # type: ignore[no-untyped-def]
    """Points 5 and 6: ``room_team/blue`` is a key; ``server_state["rooms"]`` reads back."""
    server = serve("rooms_chat.py")
    a, b = server.session(), server.session()
    settle(a, b)
    act(a, lambda: a.set_text("Room name", "team/blue"), b)
    b.wait_for_text("rooms=['team/blue']")
    act(a, lambda: a.set_text("Message", "hello"), b)
    b.wait_for_text("messages=['hello']")  # B's radio defaults to the only room


def test_uncopyable_values_store_as_upstream(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 7: a queue, a lock and an object holding them are stored and shared.

    As upstream, ``queue.put`` and ``lock.acquire`` are not changes anyone is told of;
    the other session sees the very same objects on its next run.
    """
    server = serve("uncopyable.py")
    a, b = server.session(), server.session()
    settle(a, b)
    act(a, lambda: a.click("put"), b)
    act(a, lambda: a.click("lock"), b)
    assert "queue=1 worker=1" in a.screen() and "locked=True" in a.screen()
    act(b, b.rerun)
    assert "queue=1 worker=1" in b.screen()
    assert "locked=True" in b.screen()  # the same lock, not a copy


def test_names_json_dataframes_and_locks(serve) -> None:  # type: ignore[no-untyped-def]
    """Points 6, 8, 9, 10: method-like names, JSON export, DataFrames, blocking locks."""
    server = serve("values.py")
    a, b = server.session(), server.session()
    settle(a, b)
    assert "names_ok=True" in a.screen()
    act(a, lambda: a.click("say"), b)
    b.wait_for_text('json=[{"user": "ada", "text": "hi"}, {"user": "bob", "text": "yo"}]')
    exported = shown(b, "json=").removeprefix("json=")
    assert json.loads(exported) == [{"user": "ada", "text": "hi"}, {"user": "bob", "text": "yo"}]
    act(a, lambda: a.click("contend"))
    assert "contended=main" in a.screen()  # the main thread's write waited for the lock
    assert "locks=True False True" in a.screen()


def test_dataframes_render_and_edit_without_loops(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 10: st.dataframe shows a stored DataFrame; an st.data_editor edit reaches B.

    The editor's result is assigned back on every run: that is no change, so it never loops.
    """
    server = serve("dataframe.py")
    a, b = server.session(), server.session()
    settle(a, b)
    assert "df_sum=3" in a.screen() and "df_sum=3" in b.screen()
    edit = {"edited_rows": {"0": {"a": 5}}, "added_rows": [], "deleted_rows": []}
    act(a, lambda: a.set_value("editor", "string_value", json.dumps(edit)), b)
    b.wait_for_text("df_sum=7")
    assert "df_sum=7" in a.screen() and "first=5" in b.screen()
    marks = a.mark(), b.mark()
    time.sleep(IDLE_WINDOW)  # st.data_editor's result assigned back must not loop
    assert a.runs_since(marks[0]) == [] and b.runs_since(marks[1]) == []


def _burst(server: StreamlitServer, count: int) -> int:
    """Type ``count`` messages ~100 ms apart in one session while two others watch."""
    writer, *watchers = (server.session() for _ in range(3))
    for session in (writer, *watchers):
        act(session, lambda session=session: session.set_text("Nick name", "ada"))
    settle(writer, *watchers)
    for i in range(count):
        writer.set_text("Message", f"m{i}")
        time.sleep(0.1)  # the typing pace under test
    settle(writer, *watchers)
    act(writer, writer.rerun)
    return int(shown(writer, "stored=").removeprefix("stored="))


def test_fast_chat_input_keeps_as_many_messages_as_a_no_rerun_app(serve) -> None:  # type: ignore[no-untyped-def]
    """Point 3: 50 messages ~100 ms apart: as many stored as an app with no reruns.

    All 50 whenever the control keeps all 50. A message is lost when the next one
    replaces the writer's run before its callback ran (Streamlit's fast reruns); the
    control loses some too when Streamlit's ``gc.collect(2)`` after each run stalls
    the process, which is why ours may never keep fewer than the control.
    """
    control = _burst(serve("chat_control.py"), 50)
    ours = _burst(serve("chat_burst.py"), 50)
    assert ours >= control, (ours, control)
