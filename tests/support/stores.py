"""Helpers shared by the backend tests: waiting for a condition, and a store's plain value."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from observable import Store, snapshot

__all__ = ["plain_value", "wait_for"]


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def plain_value(store: Store) -> dict[str, Any]:
    """Return a plain copy of every key of ``store``, taken under its journal lock."""
    with store.journal.lock:
        return {key: snapshot(store[key]) for key in store}
