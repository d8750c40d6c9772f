"""The one-time ``gc.freeze()`` that keeps Streamlit's post-run collections short."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from observable_streamlit import _gc

from tests.support.streamlit_server import (
    StreamlitServer,
    StreamlitSession,
    require_streamlit_harness,
)

APP = Path(__file__).parent / "streamlit_apps" / "gc_freeze.py"


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_the_environment_turns_the_freeze_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """OBSERVABLE_STREAMLIT_GC_FREEZE=0 (or false/no/off) leaves the collector alone."""
    monkeypatch.setenv(_gc.FREEZE_ENV, value)
    frozen = gc.get_freeze_count()
    assert not _gc.freeze_wanted()
    assert not _gc.freeze_long_lived()
    assert gc.get_freeze_count() == frozen


def test_without_post_run_collections_there_is_nothing_to_freeze(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``runner.postScriptGC`` off the freeze would gain nothing, so it is skipped."""
    import streamlit as st

    monkeypatch.delenv(_gc.FREEZE_ENV, raising=False)
    assert _gc.freeze_wanted() == bool(st.get_option("runner.postScriptGC"))
    monkeypatch.setattr(st, "get_option", lambda name: False)
    assert not _gc.freeze_wanted()


@pytest.mark.server
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("env", "frozen"), [({}, True), ({_gc.FREEZE_ENV: "0"}, False)])
def test_a_real_server_freezes_once_the_first_runs_are_over(
    env: dict[str, str], frozen: bool
) -> None:
    """With Streamlit's defaults the next session finds objects frozen; opted out, none."""
    require_streamlit_harness()
    with StreamlitServer(APP, env=env) as server:
        first = server.session()
        first.wait_quiet(0.5, timeout=20)
        second = server.session()
        second.wait_for_text("greeting=hello")
        assert f"frozen={frozen}" in second.screen()
        log = server.log_text()
    assert "Traceback" not in log, log


REFREEZE_APP = Path(__file__).parent / "streamlit_apps" / "gc_refreeze.py"


def _shown(session: StreamlitSession, name: str) -> str:
    """Return the value the newest finished run showed as ``name=value``."""
    for text in session.texts():
        if text.startswith(f"{name}="):
            return text.removeprefix(f"{name}=")
    raise LookupError(f"{name}= not shown; have {session.texts()}")


def _rerun_until(session: StreamlitSession, done: Callable[[], bool], what: str) -> None:
    """Rerun ``session`` (as its Rerun button does) until ``done()``; fail after 60 s."""
    deadline = time.monotonic() + 60
    while True:
        mark = session.mark()
        session.rerun()
        session.wait_for_runs(1, since=mark, timeout=20)
        session.wait_quiet(0.1, timeout=20)
        if done():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}; last run showed {session.texts()}")
        time.sleep(0.2)  # poll interval between reruns, not a wait for an event


@pytest.mark.server
@pytest.mark.timeout(180)
def test_later_tabs_are_frozen_and_garbage_is_freed_when_a_tab_leaves() -> None:
    """A tab that connects later is frozen too; garbage a freeze held is freed after a leave.

    With Streamlit's defaults each post-run collection skips frozen objects, so every
    tab's own objects must be frozen, not only the first one's. What a frozen object
    leaves as cyclic garbage is held until the next tab leaves (as documented), then
    freed by the refreeze that follows.
    """
    require_streamlit_harness()
    with StreamlitServer(REFREEZE_APP) as server:
        first = server.session()
        first.wait_for_text("greeting=hello", timeout=20)
        _rerun_until(first, lambda: int(_shown(first, "frozen")) > 0, "a first freeze")
        before = int(_shown(first, "frozen"))

        second = server.session()
        second.wait_for_text("greeting=hello", timeout=20)
        _rerun_until(
            first, lambda: int(_shown(first, "frozen")) > before, "the new tab's objects frozen"
        )

        mark = first.mark()
        first.click("Let go")
        first.wait_for_runs(1, since=mark, timeout=20)
        first.wait_quiet(0.1, timeout=20)
        # Frozen when the tab arrived, so Streamlit's post-run collection cannot free it.
        assert _shown(first, "keepsake") == "alive"

        second.close()
        _rerun_until(first, lambda: _shown(first, "keepsake") == "freed", "the keepsake freed")
        log = server.log_text()
    assert "Traceback" not in log, log
