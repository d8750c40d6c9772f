"""Per-module progress for the suite: each module's line ends with its time and its rank.

``tests/test_store.py ........  4.1 s, module 7/23, 2:15 so far  [ 30%]`` — so a module that
spends a minute starting servers shows, when it ends, how long it took and where the run is.
"""

from __future__ import annotations

import time

import pytest

__all__ = ["ModuleProgress"]


def _module(nodeid: str) -> str:
    """Return the module part of a test id."""
    return nodeid.split("::")[0]


class ModuleProgress:
    """A pytest plugin that writes a module's time and rank after its last test."""

    def __init__(self, config: pytest.Config) -> None:
        """Write through the terminal reporter of ``config`` (none: stay silent)."""
        self._config = config
        self._rank: dict[str, int] = {}
        self._last: dict[str, str] = {}
        self._started = self._module_started = time.monotonic()
        self._current: str | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Remember each module's rank and last test, in running order."""
        for item in session.items:
            module = _module(item.nodeid)
            self._rank.setdefault(module, len(self._rank) + 1)
            self._last[module] = item.nodeid
        self._started = time.monotonic()

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """Start the clock of a module at its first test."""
        if _module(nodeid) != self._current:
            self._current = _module(nodeid)
            self._module_started = time.monotonic()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """After a module's last test, write its time and rank (before pytest's percentage)."""
        module = _module(nodeid)
        if self._last.get(module) != nodeid:
            return
        reporter = self._config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or self._config.get_verbosity() != 0:
            return  # -v prints a line per test; -q keeps it short
        now = time.monotonic()
        minutes, seconds = divmod(int(now - self._started), 60)
        reporter.write(
            f"  {now - self._module_started:.1f} s, module {self._rank[module]}/"
            f"{len(self._rank)}, {minutes}:{seconds:02d} so far",
            cyan=True,
        )
