"""The command-line examples as a user runs them: the journal tour's layout, scale-out's Ctrl+C."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.environment import require_executable

ROOT = Path(__file__).resolve().parents[1]
STARTUP_LIMIT = 180.0  # seconds for Redis and two Streamlit servers on a loaded 2-core machine
CHANGE_LINE = re.compile(r"^  #\d+ ")


def test_the_journal_tour_prints_aligned_columns_even_for_long_paths() -> None:
    done = subprocess.run(
        [sys.executable, "examples/journal_tour.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [line for line in done.stdout.splitlines() if CHANGE_LINE.match(line)]
    assert len(lines) == 6
    columns = {tuple(m.start() for m in re.finditer(r"(?<= )\S", line))[1:3] for line in lines}
    assert len(columns) == 1, "\n".join(lines)  # origin and statement start at one offset
    assert "rooms.general.messages[0].text = 'hi everyone'" in done.stdout  # the longest path
    assert "replay of 6 changes equals the live value: True" in done.stdout


@pytest.mark.server
@pytest.mark.parametrize("moment", ["while starting", "while serving", "twice"])
def test_ctrl_c_stops_the_scale_out_example_cleanly(moment: str) -> None:
    """Ctrl+C in a terminal interrupts the whole foreground group: no traceback, no leftovers.

    ``twice``: a second Ctrl+C while the servers are stopping (an impatient user, or
    ``uv run`` forwarding the first one) must not interrupt the cleanup either.
    """
    require_executable("redis-server", "apt-get install redis-server")
    with subprocess.Popen(
        [sys.executable, "examples/scale_out/run.py"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # its lines arrive as printed
        start_new_session=True,  # a group of its own, as a terminal's foreground job has
    ) as process:
        output = _Lines(process)
        children: list[int] = []
        try:
            if moment == "while starting":  # Redis is up, the Streamlit servers are importing
                _wait_for(lambda: len(_children(process.pid)) >= 2, STARTUP_LIMIT)
            else:
                output.wait_for("Ctrl+C stops everything", STARTUP_LIMIT)
            children = _children(process.pid)
            _ctrl_c(process)
            if moment == "twice":
                output.wait_for("Stopping...", 60)  # a server is shutting down
                _ctrl_c(process)
            process.wait(timeout=60)
            stderr = process.stderr.read() if process.stderr else ""
        finally:
            _stop(process, children)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


class _Lines:
    """Collects a process's stdout lines in a thread (a selector misses buffered lines)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        """Start reading."""
        assert process.stdout is not None
        self._stdout = process.stdout
        self._lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Append every line, and wake the waiters."""
        for line in self._stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()

    def wait_for(self, marker: str, limit: float) -> None:
        """Wait for a line containing ``marker`` (fail after ``limit`` seconds)."""
        with self._changed:
            found = self._changed.wait_for(lambda: any(marker in x for x in self._lines), limit)
            if not found:
                pytest.fail(f"no {marker!r} within {limit} s:\n{''.join(self._lines)}")


def _ctrl_c(process: subprocess.Popen[str]) -> None:
    """Do what a terminal's Ctrl+C does: SIGINT to the foreground process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)


def _stop(process: subprocess.Popen[str], children: list[int]) -> None:
    """After a failure: let the script stop its children (Ctrl+C), else kill them all."""
    if process.poll() is None:
        children = children or _children(process.pid)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _wait_for(condition: Callable[[], bool], limit: float) -> None:
    """Poll ``condition`` until it holds (fail after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {limit} s")
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    """Return the ids of the direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
