"""``observable_streamlit`` against a real ``streamlit run`` server, driven over its WebSocket.

One server runs for the whole module. Every test works under its own key namespace (the
``ns`` query parameter), so tests cannot see each other's values. A session's role (another
query parameter) decides what it reads: ``writer`` reads and clicks; ``reader`` reads the log
by item; ``attr`` and ``contains`` bind by attribute and by ``in``; ``nested`` reads only the
rooms value; ``fragment`` reads the log only inside an ``st.fragment``; ``other`` reads
nothing. Passive sessions never send anything after their first run: every run they make
afterwards was caused by another session.

Covers the issue's nine cases, plus: binding by item, attribute and ``in``; fragment-only
reruns; ``rerun_writer``; the query string surviving a rerun; and the session id as origin.
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
    ScriptRun,
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

pytestmark = [pytest.mark.server, pytest.mark.timeout(60)]

# A run whose script_finished was still queued when the next run started is reported as
# FINISHED_EARLY_FOR_RERUN (and its queued deltas are dropped); both mean "ran to its end".
RAN_TO_END = {FINISHED_SUCCESSFULLY, FINISHED_EARLY_FOR_RERUN}

APP = """
import threading
import time

import streamlit as st

from observable_streamlit import (
    RerunSuppressedError,
    bound_sessions,
    force_rerun_bound_sessions,
    journal_panel,
    no_rerun,
    rerun_writer,
    server_state,
    server_state_lock,
    shared_store,
)
from observable_streamlit._runtime import current_fragment_id, current_session_id

ns = st.query_params.get("ns", "default")
role = st.query_params.get("role", "reader")
LOG, ROOMS = f"{ns}_log", f"{ns}_rooms"
sid = current_session_id()

st.session_state.setdefault("runs", 0)
st.session_state.runs += 1
st.markdown(f"ns={ns}")
st.markdown(f"runs={st.session_state.runs}")
if st.query_params.get("panel"):  # drawn before any change this run makes
    journal_panel(limit=3)

if role in ("writer", "reader"):
    with server_state_lock[LOG]:
        log = server_state.setdefault(LOG, [])
    st.markdown(f"len={len(log)}")
elif role == "attr":
    st.markdown(f"len={len(getattr(server_state, LOG, []))}")
elif role == "contains":
    st.markdown(f"present={LOG in server_state}")
elif role == "nested":
    with server_state_lock[ROOMS]:
        rooms = server_state.setdefault(ROOMS, {"general": {"messages": []}})
    st.markdown(f"messages={len(rooms['general']['messages'])}")
elif role == "panel":
    journal_panel(limit=3)
elif role == "fragment":

    @st.fragment
    def panel():
        st.markdown(f"fid={current_fragment_id()}")
        st.markdown(f"fragment_len={len(server_state.get(LOG) or [])}")

    panel()


def append_in_callback():
    server_state[LOG].append("callback")
    st.session_state.callback_origin = shared_store().journal.since(
        shared_store().journal.version - 1
    )[0].origin


def append_later(log):
    time.sleep(0.2)
    log.append("thread")


if role == "writer":
    if st.button("append", key="append"):
        server_state[LOG].append(1)
        last = shared_store().journal.since(shared_store().journal.version - 1)[0]
        st.session_state["origin_is_me"] = last.origin == sid
    if "origin_is_me" in st.session_state:  # kept for the rerun: the click run may not flush
        st.markdown(f"origin_is_me={st.session_state['origin_is_me']}")
    if st.button("append100", key="append100"):
        for i in range(100):
            server_state[LOG].append(i)
    if st.button("slow", key="slow"):
        server_state[LOG].append("first")
        time.sleep(0.4)  # B would be rerun by now if reruns only waited for a window
        server_state[LOG].append("second")
    if st.button("nested", key="nested"):
        server_state[ROOMS]["general"]["messages"].append({"text": "hi"})
    if st.button("silent", key="silent"):
        with no_rerun:
            server_state[LOG].append("silent")
        try:
            with no_rerun:
                force_rerun_bound_sessions(LOG)
        except RerunSuppressedError:
            st.markdown("suppressed_error")
    if st.button("force", key="force"):
        # The caller is rerun too, which may end this run before it draws: keep the count
        # for the rerun to show.
        st.session_state.forced = force_rerun_bound_sessions(LOG)
    elif "forced" in st.session_state:
        st.markdown(f"forced={st.session_state.pop('forced')}")
    if st.button("force_others", key="force_others"):
        st.markdown(f"forced={force_rerun_bound_sessions(LOG, include_self=False)}")
    st.button("callback", key="callback", on_click=append_in_callback)
    if "callback_origin" in st.session_state:
        st.markdown(f"callback_origin_is_me={st.session_state.pop('callback_origin') == sid}")
    if st.button("thread", key="thread"):
        threading.Thread(target=append_later, args=(server_state[LOG],), daemon=True).start()
    if st.button("delete", key="delete"):
        del server_state[LOG]
    if st.button("with_writer", key="with_writer"):
        with rerun_writer():
            server_state[LOG].append("me too")
    if st.button("noop", key="noop"):
        pass
    st.markdown(f"bound={len(bound_sessions(LOG))}")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """Run the test app on a free loopback port for the whole module."""
    require_streamlit_harness()
    root: Path = tmp_path_factory.mktemp("observable_streamlit_app")
    (root / "app.py").write_text(textwrap.dedent(APP))
    with StreamlitServer(root / "app.py") as running:
        yield running
        log = running.log_text()
    assert "Traceback" not in log, log


def open_sessions(server: StreamlitServer, ns: str, *roles: str) -> list[StreamlitSession]:
    """Open one session per role in namespace ``ns``; each has finished its first run."""
    sessions = [server.session(query_string=f"ns={ns}&role={role}") for role in roles]
    for session in sessions:  # the writer's first run may rerun readers that joined earlier
        session.wait_quiet(0.3)
    return sessions


def close_all(sessions: list[StreamlitSession]) -> None:
    """Close the sessions a test opened."""
    for session in sessions:
        session.close()


def only_run(session: StreamlitSession, mark: int, **wait: float) -> ScriptRun:
    """Wait for the session's next finished run, then for quiet; assert it was the only one."""
    runs = session.runs_after(mark, at_least=1, **wait)
    assert len(runs) == 1, runs
    return runs[0]


def writer_runs(session: StreamlitSession, mark: int, **wait: float) -> list[ScriptRun]:
    """Wait for the writer's click run and its one rerun (it drew the key before writing it)."""
    runs = session.runs_after(mark, at_least=2, **wait)
    assert len(runs) == 2, runs
    assert not runs[1].is_fragment_run and runs[1].status == FINISHED_SUCCESSFULLY
    return runs


def no_runs(session: StreamlitSession, mark: int, quiet_period: float = 0.75) -> None:
    """Assert that the session did not run after ``mark`` (waiting for quiet first)."""
    assert session.runs_after(mark, quiet_period=quiet_period) == []


def test_append_reruns_a_passive_reader_exactly_once(server: StreamlitServer) -> None:
    """Case 1: A appends in place; passive B reruns once, sees it, and keeps its query string."""
    a, b = open_sessions(server, "append", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("append")
        run = only_run(b, mark_b)
        assert run.status == FINISHED_SUCCESSFULLY
        assert "len=1" in run.texts
        assert "ns=append" in run.texts  # the rerun kept B's query string
        click_run, rerun = writer_runs(a, mark_a)
        assert "origin_is_me=True" in rerun.texts  # the change carries A's session id
        assert "len=1" in rerun.texts and "len=1" not in click_run.texts
    finally:
        close_all([a, b])


def test_hundred_appends_in_one_run_rerun_each_reader_once(server: StreamlitServer) -> None:
    """Case 2: 100 appends in one run of A give each other reader one rerun showing all 100."""
    a, b, c = open_sessions(server, "hundred", "writer", "reader", "reader")
    try:
        marks = [s.mark() for s in (a, b, c)]
        a.click("append100")
        for session, mark in ((b, marks[1]), (c, marks[2])):
            assert "len=100" in only_run(session, mark).texts
        assert "len=100" in writer_runs(a, marks[0])[1].texts
    finally:
        close_all([a, b, c])


def test_changes_spread_over_one_run_rerun_each_reader_once(server: StreamlitServer) -> None:
    """Changes 0.4 s apart in one run of A still give B one rerun, after A's run, showing both."""
    a, b = open_sessions(server, "slow", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("slow")
        run = only_run(b, mark_b)
        assert "len=2" in run.texts
        click_run = writer_runs(a, mark_a, quiet_period=0.1)[0]
        assert click_run.finished_at is not None and run.started_at >= click_run.finished_at
    finally:
        close_all([a, b])


def test_the_journal_panel_updates_live_as_a_fragment(server: StreamlitServer) -> None:
    """A session showing journal_panel() gets one fragment run per change elsewhere."""
    a, panel = open_sessions(server, "panel", "writer", "panel")
    try:
        mark = panel.mark()
        a.click("append")
        run = only_run(panel, mark)
        assert run.status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY and run.is_fragment_run
        assert "**Journal**" in run.texts and "runs=1" in panel.screen()
    finally:
        close_all([a, panel])


def test_the_writers_own_panel_refreshes_once_after_its_run(server: StreamlitServer) -> None:
    """A writer's journal panel drawn before its change gets one fragment run after the run.

    (A panel drawn after the change already shows it; its id then differs, and nothing reruns.)
    """
    a = server.session(query_string="ns=own_panel&role=writer&panel=1")
    try:
        a.wait_quiet(0.3)
        mark = a.mark()
        a.click("append")
        runs = a.runs_after(mark, at_least=2)
        assert len(runs) == 2, runs  # the click's run, then one run that redraws the panel
        click_run, panel_run = runs
        assert click_run.status in RAN_TO_END and not click_run.is_fragment_run
        assert "**Journal**" in panel_run.texts
    finally:
        a.close()


def test_the_writer_reruns_once_when_it_drew_the_key_before_changing_it(
    server: StreamlitServer,
) -> None:
    """Issue 12 point 4: A drew len=0 above its button; one rerun shows len=1, then quiet."""
    a, b = open_sessions(server, "self", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("append")
        only_run(b, mark_b)
        click_run, rerun = writer_runs(a, mark_a, quiet_period=1.0)
        # The click run drew len=0 (its texts may never be sent: the rerun that follows
        # clears what was not flushed yet, in the browser too); the rerun shows len=1.
        assert "len=1" not in click_run.texts and "len=1" in rerun.texts
    finally:
        close_all([a, b])


def test_a_session_that_never_read_the_key_is_not_rerun(server: StreamlitServer) -> None:
    """Case 4: a session that read nothing (or another key) is left alone."""
    a, b, other, nested = open_sessions(server, "unread", "writer", "reader", "other", "nested")
    try:
        marks = {s: s.mark() for s in (a, b, other, nested)}
        a.click("append")
        only_run(b, marks[b])
        no_runs(other, marks[other])
        no_runs(nested, marks[nested], quiet_period=0.1)
    finally:
        close_all([a, b, other, nested])


def test_a_nested_edit_reruns_the_sessions_bound_to_the_root_key(
    server: StreamlitServer,
) -> None:
    """Case 5: rooms["general"]["messages"].append reruns the sessions that read ``rooms``."""
    a, nested, reader = open_sessions(server, "nested", "writer", "nested", "reader")
    try:
        mark_nested, mark_reader = nested.mark(), reader.mark()
        a.click("nested")
        assert "messages=1" in only_run(nested, mark_nested).texts
        no_runs(reader, mark_reader, quiet_period=0.1)  # it read the log, not the rooms
    finally:
        close_all([a, nested, reader])


def test_no_rerun_suppresses_and_force_rerun_forces(server: StreamlitServer) -> None:
    """Case 6: changes inside no_rerun rerun nobody; force_rerun_bound_sessions reruns B."""
    a, b = open_sessions(server, "force", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("silent")
        assert "suppressed_error" in only_run(a, mark_a).texts
        no_runs(b, mark_b)

        mark_a, mark_b = a.mark(), b.mark()
        a.click("force")
        assert "forced=2" in writer_runs(a, mark_a)[1].texts  # as upstream: the caller too
        assert "len=1" in only_run(b, mark_b).texts  # the silent append, shown now

        mark_a, mark_b = a.mark(), b.mark()
        a.click("force_others")
        assert "forced=1" in only_run(a, mark_a).texts  # include_self=False: B only
        only_run(b, mark_b)
    finally:
        close_all([a, b])


def test_a_change_from_a_callback_reruns_the_readers(server: StreamlitServer) -> None:
    """Case 7a: an append in A's widget callback reruns B once, and carries A's session id."""
    a, b = open_sessions(server, "callback", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("callback")
        assert "len=1" in only_run(b, mark_b).texts
        run_a = only_run(a, mark_a)
        assert "len=1" in run_a.texts  # the callback ran before A's body
        assert "callback_origin_is_me=True" in run_a.texts
    finally:
        close_all([a, b])


def test_a_change_from_a_background_thread_reruns_every_reader(server: StreamlitServer) -> None:
    """Case 7b: a thread has no session, so nobody is excluded: A and B both rerun once."""
    a, b = open_sessions(server, "thread", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("thread")
        assert "len=1" in only_run(b, mark_b).texts
        runs_a = a.runs_after(mark_a, at_least=2)
        assert len(runs_a) == 2, runs_a  # the click's run, then the thread's rerun
        assert "len=1" in runs_a[1].texts
    finally:
        close_all([a, b])


def test_a_disconnected_session_is_dropped(server: StreamlitServer) -> None:
    """Case 8: a closed session is unbound and never rerun; nothing fails on the server."""
    a, b, gone = open_sessions(server, "gone", "writer", "reader", "reader")
    try:
        mark_a = a.mark()
        a.click("noop")
        assert "bound=3" in only_run(a, mark_a, quiet_period=0.1).texts
        gone.close()
        deadline = time.monotonic() + 10
        while True:  # the server disconnects the session once it sees the close
            mark_a = a.mark()
            a.click("noop")
            if "bound=2" in only_run(a, mark_a, quiet_period=0.1).texts:
                break
            assert time.monotonic() < deadline, "closed session still bound"
            time.sleep(0.1)
        mark_a, mark_b = a.mark(), b.mark()
        a.click("append")
        assert "bound=2" in writer_runs(a, mark_a)[1].texts  # the click's run may end early
        only_run(b, mark_b)
        assert "Traceback" not in server.log_text()
    finally:
        close_all([a, b])


def test_deleting_a_key_reruns_its_readers(server: StreamlitServer) -> None:
    """Case 9: ``del server_state[key]`` works and reruns the sessions bound to the key."""
    a, attr, contains = open_sessions(server, "delete", "writer", "attr", "contains")
    try:
        assert "present=True" in contains.texts()
        marks = {s: s.mark() for s in (a, attr, contains)}
        a.click("delete")
        # A drew the log before deleting it, so A reruns once, and its setdefault sets the
        # log again; the others rerun (coalesced, they may already see it set again).
        assert contains.runs_after(marks[contains], at_least=1)
        assert attr.runs_after(marks[attr], at_least=1, quiet_period=0.1)
        writer_runs(a, marks[a], quiet_period=0.1)
    finally:
        close_all([a, attr, contains])


def test_reading_by_item_attribute_and_in_all_bind(server: StreamlitServer) -> None:
    """Reads by item, attribute and ``in`` each bind their session."""
    a, item, attr, contains = open_sessions(
        server, "binding", "writer", "reader", "attr", "contains"
    )
    try:
        marks = {s: s.mark() for s in (item, attr, contains)}
        a.click("append")
        assert "len=1" in only_run(item, marks[item]).texts
        assert "len=1" in only_run(attr, marks[attr], quiet_period=0.1).texts
        assert "present=True" in only_run(contains, marks[contains], quiet_period=0.1).texts
    finally:
        close_all([a, item, attr, contains])


def test_a_key_read_only_inside_a_fragment_reruns_only_that_fragment(
    server: StreamlitServer,
) -> None:
    """A session that read the key only inside an st.fragment gets a fragment run, nothing else."""
    a, fragment = open_sessions(server, "fragment", "writer", "fragment")
    try:
        fid = next(t for t in fragment.texts() if t.startswith("fid="))
        assert fid != "fid=None"
        mark = fragment.mark()
        a.click("append")
        run = only_run(fragment, mark)
        assert run.status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        assert run.fragment_ids == (fid.removeprefix("fid="),)
        assert run.texts == [fid, "fragment_len=1"]  # nothing outside the fragment ran
        screen = fragment.screen()
        assert "runs=1" in screen and "fragment_len=1" in screen
    finally:
        close_all([a, fragment])


def test_rerun_writer_reruns_the_writer_once_after_its_run(server: StreamlitServer) -> None:
    """Asked with rerun_writer(), the writer reruns once, after its run, and shows its change."""
    a, b = open_sessions(server, "with_writer", "writer", "reader")
    try:
        mark_a, mark_b = a.mark(), b.mark()
        a.click("with_writer")
        runs = a.runs_after(mark_a, at_least=2)
        assert len(runs) == 2, runs
        click_run, rerun = runs
        # The click's run ran to its end (its output may be replaced unflushed: EARLY_FOR_RERUN),
        # and the writer's rerun came after it and shows the change.
        assert click_run.status in RAN_TO_END, click_run
        assert click_run.finished_at is not None and rerun.started_at >= click_run.finished_at
        assert "len=1" in rerun.texts
        only_run(b, mark_b)
    finally:
        close_all([a, b])


MULTIPAGE_APP = """
import streamlit as st

from observable_streamlit import server_state


def home():
    st.markdown("page=home")
    st.markdown(f"len={len(server_state.setdefault('pages_log', []))}")
    if st.button("append", key="append"):
        server_state["pages_log"].append(1)


def other():
    st.markdown("page=other")
    st.markdown(f"q={st.query_params.get('q')}")
    st.markdown(f"len={len(server_state.setdefault('pages_log', []))}")


st.navigation(
    [
        st.Page(home, title="home", url_path="home", default=True),
        st.Page(other, title="other", url_path="other"),
    ]
).run()
"""


def test_a_rerun_keeps_the_page_and_query_string_of_a_multipage_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """B, on another page with a query string, is rerun on that page with that query string."""
    require_streamlit_harness()
    root: Path = tmp_path_factory.mktemp("observable_streamlit_pages")
    (root / "app.py").write_text(textwrap.dedent(MULTIPAGE_APP))
    with StreamlitServer(root / "app.py") as pages:
        a = pages.session()
        b = pages.session(page_name="other", query_string="q=7")
        for session in (a, b):
            session.wait_quiet(0.3)
        assert "page=home" in a.texts()
        assert "page=other" in b.texts() and "q=7" in b.texts()
        mark = b.mark()
        a.click("append")
        run = only_run(b, mark)
        assert {"page=other", "q=7", "len=1"} <= set(run.texts)
        log = pages.log_text()
    assert "Traceback" not in log, log
