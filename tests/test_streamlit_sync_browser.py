"""Synced rooms in Debian's Chromium: three real tabs on one ``streamlit run`` server.

One server and one browser for the module; each test has its own room. Passive tabs are
never touched: what they show came from the room.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import browser_page, chromium_browser
from tests.support.streamlit_server import StreamlitServer, require_streamlit_harness

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.timeout(180)]

APP = Path(__file__).resolve().parent / "streamlit_apps" / "sync_app.py"
READ_ONLY = "This view is read-only: your change was not applied to the room."


@pytest.fixture(scope="module")
def server() -> Iterator[StreamlitServer]:
    """One server for the module."""
    require_streamlit_harness()
    with StreamlitServer(APP) as started:
        yield started
        log = started.log_text()
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module (each tab gets its own context: its own session)."""
    with chromium_browser() as started:
        yield started


def _url(server: StreamlitServer, room: str, viewer: bool = False) -> str:
    return f"{server.url}/?room={room}" + ("&mode=viewer" if viewer else "")


def _ready(page: Page, text: str = "runs=") -> None:
    page.get_by_text(text).first.wait_for()


def _type(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")


def test_typing_and_sliding_in_a_shows_in_b_but_private_fields_stay(
    server: StreamlitServer, browser: Browser
) -> None:
    """A types a note, moves the slider, types its name: B shows the first two only."""
    room = f"b-{uuid.uuid4().hex[:6]}"
    with (
        browser_page(browser, _url(server, room)) as a,
        browser_page(browser, _url(server, room)) as b,
    ):
        _ready(a)
        _ready(b)
        _type(a, "note", "hello from A")
        b.get_by_text("note=hello from A").wait_for()
        slider = a.get_by_role("slider").first
        slider.focus()
        slider.press("ArrowRight")
        slider.press("ArrowRight")
        b.get_by_text("x=2", exact=True).wait_for()
        thumb = b.get_by_test_id("stSliderThumbValue").first
        thumb.filter(has_text="2").wait_for()  # B's own slider moved, not just the echo
        assert b.get_by_label("note", exact=True).input_value() == "hello from A"
        _type(a, "name", "alice")
        a.get_by_text("name=alice").wait_for()
        a.get_by_role("button", name="balloons").click()
        a.get_by_text("presses=1").wait_for()
        _type(a, "note", "second")
        b.get_by_text("note=second").wait_for()
        assert b.get_by_text("name=alice").count() == 0
        assert b.get_by_text("presses=0").count() == 1
        assert b.get_by_label("name", exact=True).input_value() == ""


def test_viewer_cannot_change_the_room_and_presence_follows_tabs(
    server: StreamlitServer, browser: Browser
) -> None:
    """A read-only tab sees changes, is refused its own; presence counts tabs open and closed."""
    room = f"v-{uuid.uuid4().hex[:6]}"
    with browser_page(browser, _url(server, room)) as a:
        _ready(a, "presence=1")
        with browser_page(browser, _url(server, room, viewer=True)) as viewer:
            _ready(viewer)
            a.get_by_text("presence=2").wait_for()
            _type(a, "note", "live")
            viewer.get_by_text("note=live").wait_for()
            _type(viewer, "note", "vandal")
            viewer.get_by_text(READ_ONLY).wait_for()
            viewer.get_by_text("note=live").wait_for()
            assert viewer.get_by_label("note", exact=True).input_value() == "live"
            assert a.get_by_text("note=live").count() == 1
            with browser_page(browser, _url(server, room)) as c:
                _ready(c, "presence=3")
                a.get_by_text("presence=3").wait_for()
            a.get_by_text("presence=2").wait_for()
        a.get_by_text("presence=1").wait_for()
        assert a.get_by_text("note=live").count() == 1
