"""Start ``tests.support.backend_worker`` children and follow their line protocol."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """One child process whose stdout lines are collected by a thread."""

    def __init__(self, *args: str) -> None:
        """Start ``python -m tests.support.backend_worker ARGS``."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.backend_worker", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._errors: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_errors, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _pump_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._errors.append(line)

    def stderr(self) -> str:
        """Return what the child wrote to stderr so far."""
        return "".join(self._errors[-60:])

    def expect(self, prefix: str, timeout: float = 60.0) -> str:
        """Return the next line starting with ``prefix`` (earlier lines are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.args}: no {prefix!r} line; stderr:\n{self.stderr()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(timeout=5)
                raise RuntimeError(
                    f"{self.args} exited ({self.process.returncode}) before {prefix!r}; "
                    f"stderr:\n{self.stderr()}"
                )
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def last(self, prefix: str) -> str | None:
        """Return the newest line seen so far that starts with ``prefix``.

        Once the child has exited, every line it wrote is read first.
        """
        exited = self.process.poll() is not None
        while True:
            try:
                line = self.lines.get(timeout=10) if exited else self.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self.lines.put(None)
                break
            self.seen.append(line)
        for line in reversed(self.seen):
            if line.startswith(prefix):
                return line
        return None

    def send(self, line: str) -> None:
        """Write one command line to the child's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """Kill the child with SIGKILL, as a crash would, and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        """Ask the child to exit, then make sure it is gone."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send("exit")
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def workers() -> Iterator[list[Worker]]:
    """Yield a list to put workers in; every one is closed (or killed) afterwards."""
    started: list[Worker] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.close()
