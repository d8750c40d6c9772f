"""``time_to_live`` and ``delete_callback`` on a launched app, gr.State against ObservableState.

Gradio deletes expired state every second (and a closed tab's state one second after it closed,
under ``GRADIO_IS_E2E_TEST``), calling the state's ``delete_callback`` with the stored value.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gradio_events import GradioSession
from tests.support.gradio_server import GradioServer, run_gradio_app

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

APP = Path(__file__).resolve().parent / "gradio_apps" / "lifetime.py"
WAIT_S = 30.0
"""Bound on waiting for Gradio's once-a-second clean-up."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """The lifetime app, with Gradio's short closed-tab lifetime."""
    copy = tmp_path_factory.mktemp("lifetime") / APP.name
    copy.write_text(APP.read_text(encoding="utf-8"), encoding="utf-8")
    with run_gradio_app(copy, env={"GRADIO_IS_E2E_TEST": "1"}) as server:
        yield server


def _read(session: GradioSession, event: str) -> Any:
    """Return what an event shows in its ``gr.JSON``."""
    return session.call(event).data[0]


def _wait_for_deleted(session: GradioSession, prefix: str, expected: list[Any]) -> None:
    """Wait until the app recorded exactly ``expected`` as deleted values."""
    deadline = time.monotonic() + WAIT_S
    while (seen := _read(session, f"{prefix}deleted")) != expected:
        assert len(seen) <= len(expected), seen
        if time.monotonic() > deadline:
            raise AssertionError(f"deleted values: {seen}, expected {expected}")
        time.sleep(0.1)


@pytest.mark.parametrize("prefix", ["g_", "o_"])
def test_time_to_live_deletes_the_value_and_hands_it_to_the_callback(
    app: GradioServer, prefix: str
) -> None:
    """The state lived one second after its last store: the callback got the value with the
    in-place edit, the next event starts from a fresh default, and the other state stays."""
    with GradioSession(app.url) as session:
        session.call(f"{prefix}add_kept", ["stays", None])
        session.call(f"{prefix}add_brief", ["edited in place", None])
        _wait_for_deleted(session, prefix, [["edited in place"]])
        assert _read(session, f"{prefix}brief") == []
        assert _read(session, f"{prefix}kept") == ["stays"]


@pytest.mark.parametrize("prefix", ["g_", "o_"])
def test_closing_the_tab_hands_every_stored_value_to_its_callback(
    app: GradioServer, prefix: str
) -> None:
    with GradioSession(app.url) as observer:
        before = _read(observer, f"{prefix}deleted")
        with GradioSession(app.url) as tab, tab.heartbeat():  # an open tab, then closed
            tab.call(f"{prefix}add_kept", ["left behind", None])
            tab.call(f"{prefix}add_kept", ["and more", None])
        _wait_for_deleted(observer, prefix, [*before, ["left behind", "and more"]])
