"""Decide whether a missing external part (server binary, browser) is a skip or a failure."""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn

import pytest

CHROMIUM_PATH = "/usr/bin/chromium"


def running_in_ci() -> bool:
    """Return True when the suite runs under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """Fail under CI, where every real part must exist; skip with the reason elsewhere."""
    if running_in_ci():
        pytest.fail(f"required for CI but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_executable(name: str, hint: str) -> str:
    """Return the path of an executable, or fail/skip with an install hint."""
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` is not on PATH ({hint})")
    return path


def require_chromium() -> str:
    """Return Debian's Chromium path, or fail/skip with an install hint."""
    if not os.path.exists(CHROMIUM_PATH):
        missing(f"{CHROMIUM_PATH} not found (apt-get install chromium)")
    return CHROMIUM_PATH


def free_loopback_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
