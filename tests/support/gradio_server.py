"""Run a Gradio app file as a subprocess on a free loopback port, wait until it serves, stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.environment import free_loopback_port

STARTUP_TIMEOUT = 30.0
"""Seconds to wait for the app to answer ``/config`` (importing gradio alone takes ~5 s)."""
STOP_TIMEOUT = 10.0
"""Seconds to wait after SIGTERM, and again after SIGKILL."""


class GradioServerError(RuntimeError):
    """The Gradio subprocess exited or did not serve in time; the message holds its log."""


@dataclass(frozen=True)
class GradioServer:
    """A running Gradio app: its base URL and the subprocess behind it."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Return everything the server printed so far (stdout and stderr, interleaved)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def gradio_env(port: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a Gradio subprocess bound to 127.0.0.1:``port``."""
    env = dict(os.environ)
    env.update(
        {
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "GRADIO_SSR_MODE": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if extra:
        env.update(extra)
    return env


def _wait_until_serving(server: GradioServer, deadline: float) -> None:
    """Poll ``/config`` until it answers 200, the process dies, or the deadline passes."""
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            code = server.process.poll()
            if code is not None:
                raise GradioServerError(
                    f"gradio app exited with code {code} before serving:\n{server.log()}"
                )
            try:
                if client.get(f"{server.url}/config").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise GradioServerError(
                    f"gradio app did not serve {server.url} in time:\n{server.log()}"
                )
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the subprocess's own process group, then kill it if it lingers."""
    if process.poll() is None:
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def run_gradio_app(
    app_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[GradioServer]:
    """Run ``python app_path`` (which must call ``demo.launch()``) and yield it once it serves.

    The app binds 127.0.0.1 on a free port with analytics off; ``env`` adds or overrides
    variables. The subprocess gets its own process group, which is terminated on exit.
    """
    port = free_loopback_port()
    log_path = app_path.with_name(f"{app_path.stem}.{port}.log")
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(app_path)],
            cwd=app_path.parent,
            env=gradio_env(port, env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = GradioServer(
        url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path
    )
    try:
        _wait_until_serving(server, time.monotonic() + startup_timeout)
        yield server
    finally:
        _stop(process)
