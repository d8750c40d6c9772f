"""Synced rooms on durable and shared stores: a SQLite room survives a restart; two servers
on one Redis share a room. Sessions are WebSocket clients of real ``streamlit run`` servers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.proto.Common_pb2 import DoubleArray

from tests.support.redis_server import redis_server
from tests.support.streamlit_server import StreamlitServer, require_streamlit_harness

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

APP = Path(__file__).resolve().parent / "streamlit_apps" / "sync_app.py"


def test_a_room_on_sqlite_survives_a_server_restart(tmp_path: Path) -> None:
    """Values set before a restart are what a new session of the restarted server shows."""
    require_streamlit_harness()
    env = {"OBSERVABLE_STORE_URL": f"sqlite:///{tmp_path / 'rooms.db'}"}
    with StreamlitServer(APP, env=env) as first:
        port = first.port
        a = first.session(query_string="room=kept")
        a.set_value("x", "double_array_value", DoubleArray(data=[64]))
        a.wait_for_text("x=64")
        a.set_text("note", "still here")
        a.wait_for_text("note=still here")
        a.click("bump")
        a.wait_for_text("counter=1")
    with StreamlitServer(APP, env=env, port=port) as second:
        b = second.session(query_string="room=kept")
        b.wait_quiet(0.5)
        screen = b.screen()
        assert {"x=64", "note=still here", "counter=1", "presence=1"} <= set(screen), screen
        log = second.log_text()
    assert "Traceback" not in log, log


def test_two_servers_on_one_redis_share_a_room() -> None:
    """A change on server 1 shows in a passive session of server 2, and presence spans both."""
    require_streamlit_harness()
    with redis_server() as redis:
        env = {"OBSERVABLE_STORE_URL": f"{redis.url}?store=sync-test"}
        with StreamlitServer(APP, env=env) as one, StreamlitServer(APP, env=env) as two:
            a = one.session(query_string="room=shared")
            b = two.session(query_string="room=shared")
            a.wait_for_text("presence=2")
            b.wait_for_text("presence=2")
            a.set_value("x", "double_array_value", DoubleArray(data=[17]))
            b.wait_for_text("x=17")
            b.set_text("note", "from two")
            a.wait_for_text("note=from two")
            b.close()
            a.wait_for_text("presence=1")
            logs = one.log_text() + two.log_text()
    assert "Traceback" not in logs, logs


def test_members_of_a_crashed_server_expire_with_its_lease() -> None:
    """Server 1 is SIGKILLed: server 2's presence drops its member once the lease runs out."""
    require_streamlit_harness()
    with redis_server() as redis:
        env = {
            "OBSERVABLE_STORE_URL": f"{redis.url}?store=lease-test",
            "OBSERVABLE_SYNC_LEASE": "3",
        }
        with StreamlitServer(APP, env=env) as one, StreamlitServer(APP, env=env) as two:
            one.session(query_string="room=crash")
            b = two.session(query_string="room=crash")
            b.wait_for_text("presence=2")
            one.kill()  # no disconnect, no goodbye: only the lease can tell
            b.wait_for_text("presence=1", timeout=30.0)  # B sends nothing: a rerun shows it
            fresh = two.session(query_string="room=crash")
            fresh.wait_for_text("presence=2")  # B and the newcomer, no ghost
            log = two.log_text()
    assert "Traceback" not in log, log
