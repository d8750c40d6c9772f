"""The one-time ``gc.freeze()`` that keeps Streamlit's post-run collections short."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from observable_streamlit import _gc

from tests.support.streamlit_server import StreamlitServer, require_streamlit_harness

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
