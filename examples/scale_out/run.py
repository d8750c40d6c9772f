"""Start a local Redis and two Streamlit servers that share one observable store.

    uv run python examples/scale_out/run.py            # Ctrl+C stops everything
    uv run python examples/scale_out/run.py --check    # start, check both answer, stop

Everything binds 127.0.0.1 on free ports. Redis keeps nothing on disk unless
``--persist`` is given (then it writes an append-only file in a temporary directory).
Needs ``redis-server`` on PATH (Debian: ``apt-get install redis-server``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"


class CtrlC:
    """Ctrl+C raises KeyboardInterrupt, but never while a child is being started.

    A Ctrl+C that lands inside ``subprocess.Popen`` could leave a started child that no one
    knows about, running after this script has gone; :meth:`held` delays it until the child
    is on the list of processes to stop.
    """

    def __init__(self) -> None:
        """Install the SIGINT handler."""
        self._holding = False
        self._pending = False
        signal.signal(signal.SIGINT, self._interrupt)

    def _interrupt(self, signum: int, frame: object) -> None:
        """Raise now, or remember it for the end of :meth:`held`."""
        if self._holding:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Delay Ctrl+C until the end of the block."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            if self._pending:
                raise KeyboardInterrupt


def start(
    processes: list[subprocess.Popen[bytes]], ctrl_c: CtrlC, command: list[str], **options: Any
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a process group of its own and add it to ``processes``.

    A terminal's Ctrl+C then reaches only this script, which stops the children in order (a
    child interrupted while importing would print a ``KeyboardInterrupt`` traceback).
    """
    with ctrl_c.held():
        process = subprocess.Popen(command, start_new_session=True, **options)
        processes.append(process)
    return process


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_redis(port: int, timeout: float = 10.0) -> None:
    """Block until Redis answers PING on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port}")


def wait_for_streamlit(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Block until Streamlit's health endpoint on ``port`` answers ``ok``."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit on port {port} exited with {process.returncode}")
        try:
            with opener.open(f"http://{HOST}:{port}/_stcore/health", timeout=1) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit on port {port} did not become healthy")


def main() -> int:
    """Start Redis and two Streamlit servers; stop them all on exit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="start, check, and stop")
    parser.add_argument("--persist", action="store_true", help="Redis writes an AOF file")
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        print("redis-server is not on PATH (apt-get install redis-server)", file=sys.stderr)
        return 1
    processes: list[subprocess.Popen[bytes]] = []
    ctrl_c = CtrlC()
    with tempfile.TemporaryDirectory(prefix="observable-scale-out-") as data:
        try:
            redis_port = free_port()
            command = [redis_server, "--port", str(redis_port), "--bind", HOST, "--dir", data]
            command += ["--save", "", "--appendonly", "yes" if args.persist else "no"]
            start(processes, ctrl_c, command, stdout=subprocess.DEVNULL)
            wait_for_redis(redis_port)
            store_url = f"redis://{HOST}:{redis_port}/0?store=scale-out-demo"
            ports = [free_port(), free_port()]
            for number, port in enumerate(ports, start=1):
                env = dict(os.environ, OBSERVABLE_STORE_URL=store_url)
                env["SCALE_OUT_SERVER"] = f"server {number} (port {port})"
                command = [sys.executable, "-m", "streamlit", "run", str(HERE / "app.py")]
                command += ["--server.port", str(port), "--server.address", HOST]
                command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
                start(processes, ctrl_c, command, env=env, cwd=HERE)
            for port, process in zip(ports, processes[1:], strict=True):
                wait_for_streamlit(port, process, timeout=60)
            print(f"\nRedis store: {store_url}")
            for number, port in enumerate(ports, start=1):
                print(f"server {number}: http://{HOST}:{port}")
            if args.check:
                print("both servers answer: OK")
                return 0
            print("Ctrl+C stops everything.")
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C cannot cut cleanup
            for process in reversed(processes):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
