"""The cart and the counter with ``.change`` in Chromium: ``gr.State`` and ``ObservableState``
show the same text and fire ``.change`` the same number of times, for the same clicks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import DEFAULT_TIMEOUT_MS, browser_page, chromium_browser
from tests.support.gradio_server import GradioServer, run_gradio_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.timeout(240)]

APP = Path(__file__).resolve().parent / "gradio_apps" / "browser_patterns.py"
CLICKS = [
    # (button or "check:<item>", the last action the page then shows)
    ("check:Milk", None),
    ("add", "added 1"),  # a new list: a change
    ("check:Water", None),
    ("add", "added 2"),  # a change
    ("checkout", "checked out"),  # a read: no change
    ("remove", "removed"),  # in place: a change
    ("check:Milk", None),
    ("check:Water", None),
    ("add", "added 0"),  # an equal new list: no change
    ("inc", "incremented"),  # a change
    ("same", "kept"),  # the same value: no change
    ("inc", "incremented"),  # a change
]
"""What a user does in each column, in order (no two clicks in a row show the same action,
so waiting for the shown action waits for that click's event)."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """The side-by-side app."""
    copy = tmp_path_factory.mktemp("browser_patterns") / APP.name
    copy.write_text(APP.read_text(encoding="utf-8"), encoding="utf-8")
    with run_gradio_app(copy) as server:
        yield server


def _play(page: Page, p: str) -> dict[str, str]:
    """Click through CLICKS in the column ``p``, each after the previous one finished; return
    what the column finally shows."""
    from playwright.sync_api import expect

    status = page.locator(f"#{p}status textarea")
    for action, shown in CLICKS:
        if action.startswith("check:"):
            page.locator(f"#{p}items").get_by_label(action.split(":", 1)[1]).click()
            continue
        page.locator(f"#{p}{action}").click()
        expect(status).to_have_value(str(shown), timeout=DEFAULT_TIMEOUT_MS)
    # the last change listeners have run once the counts reached what the clicks imply
    expect(page.locator(f"#{p}count textarea")).to_have_value("count 2")
    return {
        name: page.locator(f"#{p}{name} {tag}").input_value()
        for name, tag in (
            ("contents", "textarea"),
            ("receipt", "textarea"),
            ("cart_changes", "input"),
            ("count", "textarea"),
            ("count_changes", "input"),
        )
    }


def test_cart_and_counter_show_the_same_text_and_change_counts(app: GradioServer) -> None:
    with chromium_browser() as browser, browser_page(browser, app.url) as page:
        plain = _play(page, "g_")
        observed = _play(page, "o_")
    assert observed == plain
    assert plain == {
        "contents": "Milk, Milk",
        "receipt": "3 item(s)",
        "cart_changes": "3",
        "count": "count 2",
        "count_changes": "2",
    }
