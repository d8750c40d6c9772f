"""The chat example in Debian's Chromium: a message sent in one tab appears in another.

Two browser contexts are two Streamlit sessions. Tab B loads the page and then does
nothing at all; the message typed in tab A must still show up in B, because A's in-place
append reran B.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import DEFAULT_TIMEOUT_MS, browser_page, chromium_browser
from tests.support.streamlit_server import StreamlitServer, require_streamlit_harness

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.timeout(120)]

CHAT_APP = Path(__file__).resolve().parent.parent / "examples" / "chat.py"


@pytest.fixture(scope="module")
def chat_server() -> Iterator[StreamlitServer]:
    """Run ``examples/chat.py`` on a free loopback port."""
    require_streamlit_harness()
    with StreamlitServer(CHAT_APP) as server:
        yield server


def test_a_message_sent_in_tab_a_appears_in_passive_tab_b(chat_server: StreamlitServer) -> None:
    """Tab A sends a message with the chat input; idle tab B shows it without any action."""
    text = f"hello from A {uuid.uuid4().hex[:6]}"
    with (
        chromium_browser() as browser,
        browser_page(browser, chat_server.url) as tab_a,
        browser_page(browser, chat_server.url) as tab_b,
    ):
        for tab in (tab_a, tab_b):
            tab.get_by_test_id("stChatInputTextArea").wait_for()
            tab.get_by_text("# general").wait_for()

        # Messages are read in the chat, not in the journal panel (which also quotes them).
        def messages(tab: Any) -> Any:
            return tab.get_by_test_id("stChatMessage").get_by_text(text)

        assert messages(tab_b).count() == 0

        chat_input = tab_a.get_by_test_id("stChatInputTextArea")
        chat_input.fill(text)
        chat_input.press("Enter")

        messages(tab_a).wait_for(timeout=DEFAULT_TIMEOUT_MS)  # the writer shows it
        messages(tab_b).wait_for(timeout=DEFAULT_TIMEOUT_MS)  # B did nothing
        assert messages(tab_b).count() == 1
    assert "Traceback" not in chat_server.log_text()
