"""Prove the real-server harness and ``observable_streamlit._runtime`` work together.

A tiny app keeps the session ids of each "room" (a query parameter) in a module
imported through ``sys.path``; session A's buttons ask the ``RerunScheduler`` to
rerun the other sessions of its room, and passive sessions count their reruns.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.streamlit_server import (
    FINISHED_EARLY_FOR_RERUN,
    FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    FINISHED_SUCCESSFULLY,
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

pytestmark = [pytest.mark.server]

# A finished run whose script_finished was still queued when the next run started
# is reported as FINISHED_EARLY_FOR_RERUN (ForwardMsgQueue.clear); both mean "ran to
# its end". SUPERSEDED (never finished) is what an interrupted run looks like.
RAN_TO_END = {FINISHED_SUCCESSFULLY, FINISHED_EARLY_FOR_RERUN}

REGISTRY = '''
"""Shared by every session of the test app (imported once per server process)."""
import threading

lock = threading.Lock()
rooms: dict[str, dict[str, None]] = {}
ever: dict[str, list[str]] = {}
fragment_ids: dict[str, str] = {}
scheduler = None
'''

APP = """
import threading
import time

import streamlit as st

import obs_harness_registry as reg
from observable_streamlit._runtime import (
    RerunScheduler,
    active_session_ids,
    current_fragment_id,
    current_session_id,
    runtime_available,
)

room = st.query_params.get("room", "default")
sid = current_session_id()
live = active_session_ids()
with reg.lock:
    if reg.scheduler is None:
        reg.scheduler = RerunScheduler()
    members = reg.rooms.setdefault(room, {})
    members[sid] = None
    for gone in [s for s in members if s not in live]:
        del members[gone]
    ever = reg.ever.setdefault(room, [])
    if sid not in ever:
        ever.append(sid)
scheduler = reg.scheduler


def others():
    with reg.lock:
        return [s for s in reg.rooms[room] if s != sid]


st.session_state.setdefault("runs", 0)
st.session_state.setdefault("clicks", 0)
st.session_state.setdefault("slow_done", 0)
st.session_state.runs += 1
st.markdown(f"room={room}")
st.markdown(f"runs={st.session_state.runs}")
st.markdown(f"clicks={st.session_state.clicks}")
st.markdown(f"slow_done={st.session_state.slow_done}")
st.markdown(f"available={runtime_available()}")
st.markdown(f"pending={len(scheduler.pending())}")
st.markdown(f"members={len(members)}")


@st.fragment
def panel():
    fid = current_fragment_id()
    with reg.lock:
        reg.fragment_ids[sid] = fid
    st.session_state.setdefault("panel_runs", 0)
    st.session_state.panel_runs += 1
    st.markdown(f"fid={fid}")
    st.markdown(f"panel_runs={st.session_state.panel_runs}")
    st.button("panel_ping", key="panel_ping")


panel()

name = st.text_input("name", key="name")
st.markdown(f"name={name}")

if st.button("notify", key="notify"):
    st.markdown(f"scheduled={scheduler.request(others())}")

if st.button("notify100", key="notify100"):
    st.markdown(f"scheduled={sum(scheduler.request(others()) for _ in range(100))}")

if st.button("notify_self", key="notify_self"):
    st.markdown(f"scheduled={scheduler.request([sid])}")

if st.button("notify_ever", key="notify_ever"):
    with reg.lock:
        everyone = list(reg.ever[room])
    st.markdown(f"scheduled={scheduler.request(everyone)}")

if st.button("notify_panel", key="notify_panel"):
    # Each session recorded its own fragment id (ids depend on the layout).
    peers = others()
    with reg.lock:
        targets = {s: [reg.fragment_ids[s]] for s in peers if s in reg.fragment_ids}
    st.markdown(f"scheduled={scheduler.request_fragments(targets)}")

if st.button("notify_panel_same_id", key="notify_panel_same_id"):
    with reg.lock:
        fid = reg.fragment_ids[sid]
    st.markdown(f"scheduled={scheduler.request(others(), fragment_ids=[fid])}")

if st.button("background", key="background"):
    targets = others()

    def later():
        time.sleep(0.3)
        scheduler.request(targets)

    threading.Thread(target=later, daemon=True).start()


def slow_callback():
    time.sleep(1.5)
    st.session_state.clicks += 1


st.button("slow_callback", key="slow_callback", on_click=slow_callback)

if st.button("slow_body", key="slow_body"):
    slot = st.empty()
    for i in range(15):
        time.sleep(0.1)
        slot.markdown(f"slow step {i}")
    st.session_state.slow_done += 1
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """Run the test app on a free loopback port for the whole module."""
    require_streamlit_harness()
    root: Path = tmp_path_factory.mktemp("streamlit_app")
    (root / "obs_harness_registry.py").write_text(textwrap.dedent(REGISTRY))
    (root / "app.py").write_text(textwrap.dedent(APP))
    with StreamlitServer(root / "app.py") as running:
        yield running


def open_room(server: StreamlitServer, room: str, count: int) -> list[StreamlitSession]:
    """Open ``count`` sessions in ``room``; each has finished its first run."""
    sessions = [server.session(query_string=f"room={room}") for _ in range(count)]
    # The first sessions ran before the later ones joined; let late joins settle.
    for session in sessions:
        session.wait_quiet(0.2)
    return sessions


def close_all(sessions: list[StreamlitSession]) -> None:
    """Close sessions opened by a test."""
    for session in sessions:
        session.close()


@pytest.mark.timeout(30)
def test_sessions_have_distinct_ids_and_a_live_runtime(server: StreamlitServer) -> None:
    """Two sockets are two sessions; the app sees a real runtime."""
    a, b = open_room(server, "ids", 2)
    try:
        assert a.session_id and b.session_id and a.session_id != b.session_id
        assert "available=True" in a.texts()
        assert a.status_counts() == {FINISHED_SUCCESSFULLY: 1}
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_click_reruns_the_other_session_exactly_once(server: StreamlitServer) -> None:
    """A's button reruns B once, keeps B's query string, and does not rerun A."""
    a, b = open_room(server, "once", 2)
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("notify")
        runs_a = a.runs_after(mark_a, at_least=1)
        runs_b = b.runs_after(mark_b, at_least=1)
        assert len(runs_a) == 1, runs_a
        assert "scheduled=1" in runs_a[0].texts
        assert len(runs_b) == 1, runs_b
        assert runs_b[0].status == FINISHED_SUCCESSFULLY
        assert "room=once" in runs_b[0].texts  # query string survived the rerun
        assert "runs=2" in b.screen()
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_hundred_requests_in_one_run_coalesce(server: StreamlitServer) -> None:
    """100 requests made during one run of A give each other session one rerun."""
    a, b, c = open_room(server, "coalesce", 3)
    try:
        marks = [s.mark() for s in (a, b, c)]
        a.click("notify100")
        runs_a = a.runs_after(marks[0], at_least=1)
        assert len(runs_a) == 1
        assert "scheduled=2" in runs_a[0].texts  # 2 targets, each scheduled once
        for session, mark in ((b, marks[1]), (c, marks[2])):
            runs = session.runs_after(mark, at_least=1)
            assert len(runs) == 1, runs
    finally:
        close_all([a, b, c])


@pytest.mark.timeout(30)
def test_requesting_the_current_session_is_a_no_op(server: StreamlitServer) -> None:
    """The writer is excluded by default: asking to rerun yourself does nothing."""
    (a,) = open_room(server, "self", 1)
    try:
        mark = a.mark()
        a.click("notify_self")
        runs = a.runs_after(mark, at_least=1, quiet_period=1.0)
        assert len(runs) == 1
        assert "scheduled=0" in runs[0].texts
    finally:
        a.close()


@pytest.mark.timeout(30)
def test_request_from_a_background_thread(server: StreamlitServer) -> None:
    """A request made from a plain thread (no script context) is delivered."""
    a, b = open_room(server, "thread", 2)
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("background")
        runs_b = b.runs_after(mark_b, at_least=1, quiet_period=1.0)
        assert len(runs_b) == 1
        assert len(a.runs_after(mark_a, at_least=1)) == 1
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_busy_session_is_rerun_after_its_callback_not_during_it(
    server: StreamlitServer,
) -> None:
    """A rerun requested while B runs a slow callback waits for B's run, then runs once."""
    a, b = open_room(server, "callback", 2)
    try:
        mark_b = b.mark()
        b.click("slow_callback")  # the callback sleeps 1.5 s
        b.wait_for_start(mark_b)
        time.sleep(0.3)
        requested_at = time.monotonic()
        a.click("notify")
        runs_b = b.runs_after(mark_b, at_least=2, quiet_period=1.0, timeout=15)
        assert len(runs_b) == 2, runs_b
        click_run, rerun = runs_b
        assert click_run.status in RAN_TO_END
        # Delivered only after the callback's run was over, and the click counted once.
        assert click_run.finished_at is not None and rerun.started_at >= click_run.finished_at
        assert rerun.started_at - requested_at >= 0.5
        assert "clicks=1" in rerun.texts
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_busy_session_body_is_not_interrupted(server: StreamlitServer) -> None:
    """With fastReruns on, a remote rerun must not cut a running script short."""
    a, b = open_room(server, "body", 2)
    try:
        mark_b = b.mark()
        b.click("slow_body")  # 1.5 s of st.* yield points
        b.wait_for_start(mark_b)
        time.sleep(0.3)
        a.click("notify")
        runs_b = b.runs_after(mark_b, at_least=2, quiet_period=1.0, timeout=15)
        assert len(runs_b) == 2, runs_b
        assert runs_b[0].status in RAN_TO_END
        # The slow body reached its end: the rerun shows its effect.
        assert "slow_done=1" in runs_b[1].texts
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
@pytest.mark.parametrize("button", ["notify_panel", "notify_panel_same_id"])
def test_fragment_rerun_of_another_session(server: StreamlitServer, button: str) -> None:
    """A fragment rerun of B redraws only B's fragment; equal layouts share fragment ids."""
    a, b = open_room(server, f"fragment-{button}", 2)
    try:
        fid_a = next(t for t in a.texts() if t.startswith("fid="))
        fid_b = next(t for t in b.texts() if t.startswith("fid="))
        assert fid_a == fid_b and fid_a != "fid=None"
        mark_a, mark_b = a.mark(), b.mark()
        a.click(button)
        assert "scheduled=1" in a.runs_after(mark_a, at_least=1)[0].texts
        runs_b = b.runs_after(mark_b, at_least=1)
        assert len(runs_b) == 1, runs_b
        (run,) = runs_b
        assert run.fragment_ids == (fid_b.removeprefix("fid="),)
        assert run.status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        assert run.texts == [fid_b, "panel_runs=2"]  # nothing outside the fragment
        screen = b.screen()
        assert "runs=1" in screen and "panel_runs=2" in screen
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_widget_clicked_inside_a_fragment_runs_only_that_fragment(
    server: StreamlitServer,
) -> None:
    """The harness sends a fragment widget's fragment id, as the browser does."""
    (a,) = open_room(server, "ping", 1)
    try:
        mark = a.mark()
        a.click("panel_ping")
        runs = a.runs_after(mark, at_least=1)
        assert len(runs) == 1 and runs[0].is_fragment_run
        assert runs[0].status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    finally:
        a.close()


@pytest.mark.timeout(30)
def test_remote_rerun_keeps_the_target_widget_values(server: StreamlitServer) -> None:
    """B typed into a text input; A's rerun of B still shows B's value."""
    a, b = open_room(server, "widgets", 2)
    try:
        mark_b = b.mark()
        b.set_text("name", "bob")
        assert "name=bob" in b.runs_after(mark_b, at_least=1)[0].texts
        mark_b = b.mark()
        a.click("notify")
        b.wait_for_text("runs=3")
        runs_b = b.runs_after(mark_b, at_least=1)
        assert len(runs_b) == 1
        assert "name=bob" in runs_b[0].texts
        assert "name=bob" in b.screen()
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_disconnected_sessions_are_dropped(server: StreamlitServer) -> None:
    """Closing a socket disconnects its session; requests for it are dropped."""
    a, b, gone = open_room(server, "gone", 3)
    try:
        gone.close()
        deadline = time.monotonic() + 10
        while True:  # the server disconnects the session once it sees the close
            mark_a = a.mark()
            a.rerun()
            if "members=2" in a.runs_after(mark_a, at_least=1)[0].texts:
                break
            assert time.monotonic() < deadline, "closed session still active"
            time.sleep(0.1)
        mark_a, mark_b = a.mark(), b.mark()
        a.click("notify_ever")  # targets A (excluded), B and the closed session
        assert "scheduled=2" in a.runs_after(mark_a, at_least=1)[0].texts
        assert len(b.runs_after(mark_b, at_least=1)) == 1
        mark_a = a.mark()
        a.rerun()
        assert "pending=0" in a.runs_after(mark_a, at_least=1)[0].texts
    finally:
        close_all([a, b])


@pytest.mark.timeout(30)
def test_scheduler_is_a_no_op_without_a_runtime(tmp_path: Path) -> None:
    """Bare python and AppTest have no real runtime: requests do nothing."""
    require_streamlit_harness()
    from observable_streamlit._runtime import (
        RerunScheduler,
        active_session_ids,
        current_session_id,
        runtime_available,
    )
    from streamlit.testing.v1 import AppTest

    assert runtime_available() is False
    assert current_session_id() is None
    assert active_session_ids() == set()
    assert RerunScheduler().request(["anything"]) == 0

    script = tmp_path / "apptest_app.py"
    script.write_text(
        textwrap.dedent(
            """
            import streamlit as st
            from observable_streamlit._runtime import (
                RerunScheduler, current_session_id, runtime_available,
            )
            st.markdown(f"available={runtime_available()}")
            st.markdown(f"sid={current_session_id()}")
            st.markdown(f"scheduled={RerunScheduler().request(['other'])}")
            """
        )
    )
    at = AppTest.from_file(str(script)).run(timeout=20)
    assert not at.exception
    assert [m.value for m in at.markdown] == [
        "available=False",
        "sid=test session id",
        "scheduled=0",
    ]


def test_version_guard_names_the_version_when_a_private_name_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing private name raises UnsupportedStreamlitVersion naming version and name."""
    require_streamlit_harness()
    import streamlit
    from observable_streamlit import _runtime
    from streamlit.runtime.app_session import AppSession

    monkeypatch.delattr(AppSession, "request_rerun")
    with pytest.raises(_runtime.UnsupportedStreamlitVersion) as raised:
        _runtime.check_streamlit_version()
    assert streamlit.__version__ in str(raised.value)
    assert "AppSession.request_rerun" in str(raised.value)
    assert isinstance(raised.value, RuntimeError)


def test_version_guard_warns_outside_the_tested_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version outside 1.40 <= v < 2.0 that still has every name only warns."""
    require_streamlit_harness()
    import streamlit
    from observable_streamlit import _runtime

    monkeypatch.setattr(streamlit, "__version__", "2.3.0")
    with pytest.warns(_runtime.StreamlitVersionWarning, match=r"2\.3\.0"):
        _runtime.check_streamlit_version()


def test_live_runtime_names_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime object without ``_session_mgr`` is reported, not silently ignored."""
    require_streamlit_harness()
    from observable_streamlit import _runtime

    monkeypatch.setattr(_runtime, "_instance_names_checked", False)
    with pytest.raises(_runtime.UnsupportedStreamlitVersion, match="_session_mgr"):
        _runtime._check_instance_names(object())  # type: ignore[arg-type]
