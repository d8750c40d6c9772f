"""observable_gradio against real launched apps: events, pushes and closed tabs, then Chromium.

Each server is started once per module (gradio takes 7-15 s to start) and bound to 127.0.0.1.
Event-level tests speak the queue protocol (``tests/support/gradio_events.py``) and read the
``changed_state_ids`` the browser acts on; browser tests drive Debian's Chromium. No timing is
asserted anywhere: every wait is bounded and waits for a state, not for a duration.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import DEFAULT_TIMEOUT_MS, browser_page, chromium_browser
from tests.support.gradio_events import GradioSession, Message, PendingEvent
from tests.support.gradio_server import GradioServer, run_gradio_app

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parent.parent
TEST_APP = ROOT / "tests" / "gradio_apps" / "observable_app.py"
EXAMPLES = ROOT / "examples"
WAIT_S = 20.0
"""Bound on every wait for a server-side state."""
WAIT_MS = DEFAULT_TIMEOUT_MS


def _serve(
    tmp_path_factory: pytest.TempPathFactory, source: Path, env: dict[str, str] | None = None
) -> Iterator[GradioServer]:
    """Copy an app into a temporary directory (its log goes there too) and serve it."""
    app = tmp_path_factory.mktemp(source.stem) / source.name
    app.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with run_gradio_app(app, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """The test app: per-session states, a pushed and a polled shared value."""
    yield from _serve(tmp_path_factory, TEST_APP)


@pytest.fixture(scope="module")
def few_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """A pushed shared board on an app launched with ``max_threads=2``."""
    yield from _serve(tmp_path_factory, ROOT / "tests" / "gradio_apps" / "few_slots_board.py")


@pytest.fixture(scope="module")
def cart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """``examples/gradio_cart.py``."""
    yield from _serve(tmp_path_factory, EXAMPLES / "gradio_cart.py")


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """``examples/gradio_board.py`` in push mode."""
    yield from _serve(tmp_path_factory, EXAMPLES / "gradio_board.py")


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """``examples/gradio_large_state.py`` with 2,000 records (the code path is the same)."""
    yield from _serve(
        tmp_path_factory, EXAMPLES / "gradio_large_state.py", {"OBSERVABLE_RECORDS": "2000"}
    )


def _ids(session: GradioSession) -> dict[str, int]:
    """Return the test app's component ids by name."""
    ids: dict[str, int] = json.loads(session.call("ids").data[0])
    return ids


def _dependency(session: GradioSession, output: int, trigger: str) -> int:
    """Return the fn_index of the event with this (first) output and this trigger kind."""
    for dependency in session.config["dependencies"]:
        kinds = {kind for _, kind in dependency["targets"]}
        if dependency["outputs"][:1] == [output] and trigger in kinds:
            return int(dependency["id"])
    raise KeyError(f"no {trigger} event with output {output}")


def _wait_for(probe: Callable[[], Any], expected: Any, what: str) -> None:
    """Poll ``probe`` until it returns ``expected``, for at most WAIT_S seconds."""
    deadline = time.monotonic() + WAIT_S
    seen = probe()
    while seen != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {seen!r}, expected {expected!r}")
        time.sleep(0.05)
        seen = probe()


def _changed(message: Message) -> list[int]:
    """Return the changed_state_ids of a generator step."""
    assert message["msg"] == "process_generating", message
    return list(message["output"].get("changed_state_ids") or [])


def _watchers(session: GradioSession) -> int:
    """Ask the test app how many tabs wait for pushes of its shared board."""
    return int(session.call("watchers").data[0])


def _start_push(session: GradioSession, live: int) -> PendingEvent:
    """Start the tab's push generator, as the page does on load; return after its first step."""
    event = session.submit(_dependency(session, live, "load"))
    while True:
        message = event.next_message(timeout=WAIT_S)
        if message["msg"] == "process_generating":
            assert _changed(message) == [live]  # the first step draws the current value
            return event


# -- 1. changed_state_ids at the event level ----------------------------------------------
@pytest.mark.parametrize(
    ("event", "state", "changed"),
    [
        ("append", "items", True),
        ("untouched", "items", False),
        ("nested_append", "nested", True),
        ("nested_read", "nested", False),
        ("rename", "profile", True),
        ("same_name", "profile", False),
        ("tag", "profile", True),
        ("keep", "items", False),
        ("replace", "items", True),
    ],
)
def test_changed_state_ids_list_exactly_the_mutated_states(
    app: GradioServer, event: str, state: str, changed: bool
) -> None:
    """In place, nested, or an attribute of a custom object: listed; untouched: not listed."""
    with GradioSession(app.url) as session:
        ids = _ids(session)
        assert session.changed_state_ids(event) == ([ids[state]] if changed else [])


def test_a_state_left_out_of_the_outputs_is_never_reported(app: GradioServer) -> None:
    """Plain Gradio wiring with the state as input only: the edit is kept but not announced."""
    with GradioSession(app.url) as session:
        assert session.changed_state_ids("raw_append") == []
        assert session.call("peek").data[0] == "[0] v1"
        assert session.changed_state_ids("append") == [_ids(session)["items"]]


def test_special_arguments_and_output_only_replacement(app: GradioServer) -> None:
    """``on`` keeps gr.Request injection; returning a value to an output-only state replaces it."""
    with GradioSession(app.url) as session:
        items = _ids(session)["items"]
        session.call("append")
        outcome = session.call("whoami")
        assert outcome.data[0] == f"1 items for {session.session_hash}"
        assert outcome.changed_state_ids == []
        assert session.changed_state_ids("reset") == [items]
        assert session.call("peek").data[0] == "[] v0"


@pytest.mark.parametrize("wiring", ["wired", "on", "plain"])
def test_an_in_place_append_never_walks_or_copies_the_value(app: GradioServer, wiring: str) -> None:
    """O(1) detection, structurally: after the session's first access (which deep-copies a
    ``gr.State`` default), an in-place append to 1,000 records that each count every hash,
    comparison, copy, pickle and repr is reported changed without touching one of them. ``gr.State``
    (``plain``) is the control: Gradio's change check hashes every record, twice."""
    with GradioSession(app.url) as session:
        event = f"counted_{wiring}"
        state = int(session.dependency(event)["outputs"][-1])
        session.call(event)  # the session's first access
        session.call("counted_reset")
        assert session.changed_state_ids(event) == [state]
        touches = int(session.call("counted_touches").data[0])
        if wiring == "plain":
            assert touches >= 2 * 1000  # hashed before and after the event
        else:
            assert touches == 0


@pytest.mark.parametrize("wiring", ["plain", "wired", "on"])
def test_a_sessions_first_event_copies_no_record_of_the_default(
    app: GradioServer, wiring: str
) -> None:
    """O(1) first event, structurally: a new session's first append to 1,000 records that each
    count every copy, hash, comparison, pickle and repr touches none of them (the session shares
    the default and copies only the list it appends to). ``gr.State`` deep-copies each."""
    with GradioSession(app.url) as session:
        event = f"counted_{wiring}"
        state = int(session.dependency(event)["outputs"][-1])
        session.call("counted_reset")
        assert session.changed_state_ids(event) == [state]  # the session's first access
        touches = int(session.call("counted_touches").data[0])
        if wiring == "plain":
            assert touches >= 1000  # every record deep-copied (and hashed)
        else:
            assert touches == 0


def test_on_chained_with_then_runs_after_its_event_and_reports_the_edit(
    app: GradioServer,
) -> None:
    """``on(dep.then, ...)`` registers one event that runs after ``dep``, as the page runs it."""
    with GradioSession(app.url) as session:
        items = _ids(session)["items"]
        chain = int(session.dependency("chain")["id"])
        follows = [d for d in session.config["dependencies"] if d["trigger_after"] == chain]
        assert [d["api_name"] for d in follows] == ["chain_then"]
        assert not follows[0]["trigger_only_on_success"]
        assert session.call("chain").data == ["chain started"]
        outcome = session.call(follows[0]["id"])  # the page runs it once ``chain`` completes
        assert outcome.data[0] == "append"
        assert outcome.changed_state_ids == [items]
        assert session.call("peek").data[0] == "[0] v1"


# -- 3. per-session state -----------------------------------------------------------------
def test_two_sessions_keep_independent_state_and_journals(app: GradioServer) -> None:
    with GradioSession(app.url) as tab_a, GradioSession(app.url) as tab_b:
        tab_a.call("append")
        tab_a.call("append")
        tab_b.call("append")
        assert tab_a.call("peek").data[0] == "[0, 1] v2"
        assert tab_b.call("peek").data[0] == "[0] v1"
        with GradioSession(app.url, tab_a.session_hash) as tab_a_again:
            assert tab_a_again.call("peek").data[0] == "[0, 1] v2"


def test_sessions_share_the_default_and_never_change_it(app: GradioServer) -> None:
    # Each session reads the one default in place and copies what it writes: one session's
    # edits at any depth reach neither the default nor a session that starts after them.
    with GradioSession(app.url) as first:
        defaults = first.call("defaults").data[0]
        assert defaults == "([], {'a': {'b': []}}, Profile(name='ada', tags=[]))"
        for event in ("nested_append", "tag", "rename", "append"):
            first.call(event)
        assert first.call("nested_read").data[0] == "nested_read 1"
        assert first.call("defaults").data[0] == defaults
        with GradioSession(app.url) as second:
            assert second.call("nested_read").data[0] == "nested_read 0"
            assert second.call("peek").data[0] == "[] v0"
            second.call("nested_append")
            second.call("nested_append")
            assert second.call("nested_read").data[0] == "nested_read 2"
        assert first.call("nested_read").data[0] == "nested_read 1"
        assert first.call("defaults").data[0] == defaults


# -- shared values: push, background threads, polling ---------------------------------------
def test_a_post_is_pushed_once_to_another_session_then_only_keepalives(
    app: GradioServer,
) -> None:
    with GradioSession(app.url) as watcher, GradioSession(app.url) as writer:
        live = _ids(watcher)["live"]
        stream = _start_push(watcher, live)
        writer.call("post", ["hello"])
        assert _changed(stream.next_message(timeout=WAIT_S)) == [live]
        assert _changed(stream.next_message(timeout=WAIT_S)) == []  # keep-alive, no change
        writer.call("post_from_thread", ["from a thread"])
        assert _changed(stream.next_message(timeout=WAIT_S)) == [live]
        assert _changed(stream.next_message(timeout=WAIT_S)) == []


def test_polling_reports_a_change_once_per_revision(app: GradioServer) -> None:
    with GradioSession(app.url) as tab, GradioSession(app.url) as writer:
        polled = _ids(tab)["polled"]
        tick = _dependency(tab, polled, "tick")
        assert tab.changed_state_ids(tick) == [polled]  # the first tick draws the value
        assert tab.changed_state_ids(tick) == []
        writer.call("post_polled", ["x"])
        assert tab.changed_state_ids(tick) == [polled]
        assert tab.changed_state_ids(tick) == []


# -- 4. closed tabs -----------------------------------------------------------------------
def test_a_closed_session_releases_its_subscription(app: GradioServer) -> None:
    with GradioSession(app.url) as observer:
        # Tabs of earlier tests end within a keep-alive of their closing.
        _wait_for(lambda: _watchers(observer), 0, "watchers before the test")
        tab = GradioSession(app.url)
        try:
            _start_push(tab, _ids(tab)["live"])
            assert _watchers(observer) == 1
        finally:
            tab.close()  # drops the stream, as a closed tab does
        _wait_for(lambda: _watchers(observer), 0, "watchers after the tab closed")


# -- the large-state example at the event level ----------------------------------------------
def test_large_state_example_reports_edits_and_not_reads(large: GradioServer) -> None:
    with GradioSession(large.url) as session:
        records = int(session.dependency("append_record")["inputs"][0])
        assert session.changed_state_ids("append_record", [None, "x"]) == [records]
        assert session.changed_state_ids("edit_record", [None, 5, "y"]) == [records]
        assert session.changed_state_ids("edit_record", [None, 5, "y"]) == []  # same text
        assert session.changed_state_ids("toggle_record", [None, 7]) == [records]
        assert session.changed_state_ids("show_record", [None, 7]) == []
        summary = session.call("describe").data[0]
        assert summary.startswith("2,001 records, version 3")


# -- 2. in Chromium -------------------------------------------------------------------------
@pytest.mark.browser
def test_cart_change_fires_in_the_page_after_in_place_edits_only(cart: GradioServer) -> None:
    with chromium_browser() as browser, browser_page(browser, cart.url) as page:
        from playwright.sync_api import expect

        size = page.locator("#size input")
        events = page.locator("#events input")
        page.get_by_label("Milk").check()
        page.locator("#add").click()
        expect(size).to_have_value("1", timeout=WAIT_MS)
        expect(events).to_have_value("1", timeout=WAIT_MS)
        page.locator("#checkout").click()  # reads only
        expect(page.locator("#receipt textarea")).to_have_value(re.compile("Milk"), timeout=WAIT_MS)
        page.locator("#remove").click()
        expect(size).to_have_value("0", timeout=WAIT_MS)
        page.locator("#empty").click()  # already empty: nothing recorded
        page.locator("#add").click()
        expect(size).to_have_value("1", timeout=WAIT_MS)
        # add, remove, add: three changes; the checkout and the empty cart fired nothing.
        expect(events).to_have_value("3", timeout=WAIT_MS)
        expect(page.locator("#contents textarea")).to_have_value("Milk", timeout=WAIT_MS)


@pytest.mark.browser
def test_board_post_in_one_tab_appears_in_another_without_any_action(
    board: GradioServer,
) -> None:
    with (
        chromium_browser() as browser,
        browser_page(browser, board.url) as tab_a,
        browser_page(browser, board.url) as tab_b,
    ):
        from playwright.sync_api import expect

        for tab in (tab_a, tab_b):  # the first push draws the board
            expect(tab.locator("#count")).to_contain_text("message(s)", timeout=WAIT_MS)
        tab_a.locator("#text textarea").fill("hello from A")
        tab_a.locator("#post").click()
        expect(tab_b.locator("#board")).to_contain_text("hello from A", timeout=WAIT_MS)
        expect(tab_a.locator("#board")).to_contain_text("hello from A", timeout=WAIT_MS)
        tab_b.locator("#text textarea").fill("/remind 1 from a timer thread")
        tab_b.locator("#post").click()
        for tab in (tab_a, tab_b):
            expect(tab.locator("#board")).to_contain_text("from a timer thread", timeout=WAIT_MS)
            expect(tab.locator("#board")).to_contain_text("reminder", timeout=WAIT_MS)


@pytest.mark.browser
def test_three_tabs_on_two_worker_slots_keep_working_the_extra_tabs_poll(
    few_slots: GradioServer,
) -> None:
    """``max_threads=2``, three tabs: one is pushed to, two poll, and every post shows in all."""
    with (
        chromium_browser() as browser,
        browser_page(browser, few_slots.url) as tab_a,
        browser_page(browser, few_slots.url) as tab_b,
        browser_page(browser, few_slots.url) as tab_c,
    ):
        from playwright.sync_api import expect

        tabs = (tab_a, tab_b, tab_c)
        for tab in tabs:  # every tab draws the board once, pushed or not
            expect(tab.locator("#board")).to_contain_text("empty", timeout=WAIT_MS)
        with GradioSession(few_slots.url) as observer:
            assert observer.call("watchers").data[0] == "1"  # one push slot of the two
        for tab, message in ((tab_a, "first from A"), (tab_c, "then from C")):
            tab.locator("#text textarea").fill(message)
            tab.locator("#post").click()
            for other in tabs:
                expect(other.locator("#board")).to_contain_text(message, timeout=WAIT_MS)
        with GradioSession(few_slots.url) as observer:
            # a shared value returned to a gr.JSON reaches the browser as the plain list
            assert observer.call("board_json").data[0] == ["first from A", "then from C"]


@pytest.mark.browser
def test_closing_a_browser_tab_releases_its_subscription(app: GradioServer) -> None:
    with GradioSession(app.url) as observer, chromium_browser() as browser:
        _wait_for(lambda: _watchers(observer), 0, "watchers before the test")
        with browser_page(browser, app.url):
            _wait_for(lambda: _watchers(observer), 1, "watchers with the tab open")
        _wait_for(lambda: _watchers(observer), 0, "watchers after the tab closed")
