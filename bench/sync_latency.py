"""Synced rooms: from a widget change in session A to the rerun finished in each other session.

One real ``streamlit run`` server hosts ``tests/streamlit_apps/sync_app.py``; ``SESSIONS``
WebSocket sessions (the test suite's harness) join one room. A moves the slider; the
latency of each passive session is the time from sending A's change to that session's
``script_finished`` (one clock: the client's). p50 and p99 are over every passive
session and every change.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import table
from bench.streamlit_latency import Section, _unavailable
from bench.targets import TargetResult

SECTION = "streamlit.sync"
"""The section name for ``--only``."""

SESSIONS = 10
"""Sessions in the room (A and nine passive ones)."""

APP = Path(__file__).resolve().parent.parent / "tests" / "streamlit_apps" / "sync_app.py"


def _percentile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run_section(*, smoke: bool, say: Callable[[str], None]) -> Section:
    """Start a server, fill a room, move a slider repeatedly; report p50/p99 in ms."""
    reason = _unavailable()
    if reason is not None:
        text = f"== streamlit sync: n/a ({reason}) ==\n"
        return Section(text, {"reason": reason}, [])
    from streamlit.proto.Common_pb2 import DoubleArray

    from tests.support.streamlit_server import StreamlitServer

    changes = 5 if smoke else 30
    room = f"bench-{uuid.uuid4().hex[:6]}"
    latencies: list[float] = []
    with StreamlitServer(APP, extra_args=("--runner.postScriptGC", "false")) as server:
        sessions = [server.session(query_string=f"room={room}") for _ in range(SESSIONS)]
        for session in sessions:
            session.wait_quiet(0.3, timeout=30)
        writer, passive = sessions[0], sessions[1:]
        say(f"streamlit.sync: {SESSIONS} sessions in a room, {changes} changes")
        for i in range(changes):
            value = 1 + i % 99
            marks = [s.mark() for s in passive]
            sent = time.monotonic()
            writer.set_value("x", "double_array_value", DoubleArray(data=[value]))
            for session, mark in zip(passive, marks, strict=True):
                run = session.wait_for_runs(1, timeout=30, since=mark)[0]
                assert run.finished_at is not None
                latencies.append((run.finished_at - sent) * 1000.0)
            for session in sessions:
                session.wait_quiet(0.2, timeout=30)
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    rows = [
        [
            f"{SESSIONS}",
            f"{len(latencies)}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{statistics.mean(latencies):.1f}",
        ]
    ]
    text = "== streamlit sync: widget change in A -> rerun finished in B ==\n" + table(
        ["sessions", "samples", "p50 ms", "p99 ms", "mean ms"], rows, right=[0, 1, 2, 3, 4]
    )
    document: dict[str, Any] = {
        "sessions": SESSIONS,
        "samples": len(latencies),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
    }
    targets: list[TargetResult] = []
    return Section(text + "\n", document, targets)
