"""Two real ``streamlit run`` servers share one Redis: an append on one reruns readers on the other.

Both servers get ``OBSERVABLE_STORE_URL`` pointing at the same Redis store, so
``observable_streamlit.server_state`` is one shared value with no code change. Sessions are
WebSocket clients (``tests/support/streamlit_server.py``); passive ones never send anything
after their first run, so every later run was caused by another session.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer, redis_server
from tests.support.streamlit_server import (
    FINISHED_SUCCESSFULLY,
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

APP = """
import streamlit as st

from observable_streamlit import server_state, server_state_lock

ns = st.query_params.get("ns", "default")
role = st.query_params.get("role", "reader")
LOG = f"{ns}_log"

st.markdown(f"ns={ns}")
if role in ("writer", "reader"):
    with server_state_lock[LOG]:
        log = server_state.setdefault(LOG, [])
    st.markdown(f"len={len(log)}")
    st.markdown(f"last={log[-1] if log else None}")
if role == "writer":
    if st.button("append", key="append"):
        server_state[LOG].append(f"from-{ns}")
    if st.button("append100", key="append100"):
        for i in range(100):
            server_state[LOG].append(i)
"""


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    """One redis-server for both Streamlit servers."""
    with redis_server() as started:
        yield started


@pytest.fixture(scope="module")
def servers(
    redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StreamlitServer, StreamlitServer]]:
    """Two Streamlit servers on different ports, one Redis store."""
    require_streamlit_harness()
    root: Path = tmp_path_factory.mktemp("scale_out_app")
    (root / "app.py").write_text(textwrap.dedent(APP))
    env = {"OBSERVABLE_STORE_URL": f"{redis.url}?store=streamlit-test"}
    with (
        StreamlitServer(root / "app.py", env=env) as first,
        StreamlitServer(root / "app.py", env=env) as second,
    ):
        assert first.port != second.port
        yield first, second
        logs = first.log_text() + second.log_text()
    assert "Traceback" not in logs, logs


def _open(server: StreamlitServer, ns: str, role: str) -> StreamlitSession:
    session = server.session(query_string=f"ns={ns}&role={role}")
    session.wait_quiet(0.3)
    return session


def test_an_append_on_one_server_reruns_a_passive_session_on_the_other(
    servers: tuple[StreamlitServer, StreamlitServer],
) -> None:
    first, second = servers
    writer = _open(first, "cross", "writer")
    remote_reader = _open(second, "cross", "reader")
    remote_other = _open(second, "cross", "other")
    local_reader = _open(first, "cross", "reader")
    marks = {s: s.mark() for s in (writer, remote_reader, remote_other, local_reader)}
    writer.click("append")
    runs = remote_reader.runs_after(marks[remote_reader], at_least=1, quiet_period=1.0)
    assert len(runs) == 1, runs  # exactly one rerun on the other server
    assert runs[0].status == FINISHED_SUCCESSFULLY
    assert "len=1" in runs[0].texts and "last=from-cross" in runs[0].texts
    assert "ns=cross" in runs[0].texts  # its query string survived the rerun
    local = local_reader.runs_after(marks[local_reader], at_least=1, quiet_period=0.5)
    assert len(local) == 1 and "len=1" in local[0].texts
    assert remote_other.runs_after(marks[remote_other], quiet_period=0.5) == []


def test_changes_flow_both_ways_and_a_burst_ends_on_the_final_value(
    servers: tuple[StreamlitServer, StreamlitServer],
) -> None:
    first, second = servers
    writer = _open(second, "burst", "writer")
    reader = _open(first, "burst", "reader")
    mark = reader.mark()
    writer.click("append100")
    reader.runs_after(mark, at_least=1, quiet_period=1.0)
    reader.wait_for_text("len=100", timeout=20)
    mark = reader.mark()
    writer.click("append")
    runs = reader.runs_after(mark, at_least=1, quiet_period=1.0)
    assert len(runs) == 1 and "len=101" in runs[0].texts


def test_the_scale_out_example_starts_both_servers() -> None:
    """``examples/scale_out/run.py --check``: Redis and two servers come up, then stop."""
    import subprocess
    import sys

    from tests.support.environment import require_executable

    require_executable("redis-server", "apt-get install redis-server")  # the launcher needs it
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "examples/scale_out/run.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "both servers answer: OK" in done.stdout
