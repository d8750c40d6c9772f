"""The Gradio harness: a real server, event-level changed_state_ids, and the browser's .change.

These also pin the gradio facts the integration relies on (checked on gradio 6.31):
a ``gr.State`` output is reported changed when its ``deep_hash`` moved during the event, whether
it was mutated in place or replaced; an object whose ``__hash__`` is a version number is reported
changed only when the version moves; and a generator started on ``demo.load`` pushes a change made
by another session into this page's ``.change`` listener.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pytest

from tests.support.browser import DEFAULT_TIMEOUT_MS, browser_page, chromium_browser
from tests.support.gradio_events import GradioSession
from tests.support.gradio_server import GradioServer, run_gradio_app

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]
WAIT_MS = DEFAULT_TIMEOUT_MS

LIST_APP = """
import gradio as gr


def append_input_only(xs):
    xs.append(len(xs))
    return "append_input_only"


def append_in_place(xs):
    xs.append(len(xs))
    return xs, "append_in_place"


def replace_equal(xs):
    return list(xs), "replace_equal"


def replace_new(xs):
    return [*xs, len(xs)], "replace_new"


def count_up(xs):
    for _ in range(3):
        xs.append(len(xs))
        yield xs


def on_change(xs, changes):
    return changes + 1, f"changes={changes + 1} items={xs}"


with gr.Blocks() as demo:
    items = gr.State([])
    changes = gr.State(0)
    shown = gr.Textbox(label="shown", elem_id="shown")
    last = gr.Textbox(label="last", elem_id="last")
    for fn in (append_input_only, append_in_place, replace_equal, replace_new):
        outputs = last if fn is append_input_only else [items, last]
        gr.Button(fn.__name__, elem_id=fn.__name__).click(
            fn, items, outputs, api_name=fn.__name__
        )
    gr.Button("count_up", elem_id="count_up").click(count_up, items, items, api_name="count_up")
    gr.Button("peek", elem_id="peek").click(repr, items, last, api_name="peek")
    items.change(on_change, [items, changes], [changes, shown], api_name="on_change")

demo.launch()
"""

VERSIONED_APP = """
import threading

import gradio as gr

CONDITION = threading.Condition()


class Versioned:
    \"\"\"A mutable value whose hash is its version; every session shares the one instance.\"\"\"

    def __init__(self):
        self.items = []
        self.version = 0

    def __hash__(self):
        return self.version

    def __eq__(self, other):
        return self is other

    def __deepcopy__(self, memo):
        return self


SHARED = Versioned()


def touch(shared):
    shared.items.append("touch")
    return shared


def bump(shared):
    with CONDITION:
        shared.items.append("bump")
        shared.version += 1
        CONDITION.notify_all()
    return shared


def watch():
    seen = SHARED.version
    yield gr.skip(), "watching"
    while True:
        with CONDITION:
            CONDITION.wait_for(lambda: SHARED.version != seen, timeout=0.5)
        if SHARED.version != seen:
            seen = SHARED.version
            yield SHARED, gr.skip()
        else:
            yield gr.skip(), gr.skip()  # lets the queue notice a closed tab


with gr.Blocks() as demo:
    shared = gr.State(SHARED)
    seen = gr.Textbox(label="seen", elem_id="seen")
    status = gr.Textbox(label="status", elem_id="status")
    gr.Button("touch", elem_id="touch").click(touch, shared, shared, api_name="touch")
    gr.Button("bump", elem_id="bump").click(bump, shared, shared, api_name="bump")
    shared.change(lambda s: f"v{s.version}", shared, seen, api_name="on_change")
    demo.load(watch, None, [shared, status], concurrency_limit=None)

demo.launch()
"""


def _serve(
    tmp_path_factory: pytest.TempPathFactory, name: str, source: str
) -> Iterator[GradioServer]:
    """Write an app file and run it for the duration of the module."""
    app = tmp_path_factory.mktemp(name) / "app.py"
    app.write_text(textwrap.dedent(source), encoding="utf-8")
    with run_gradio_app(app) as server:
        yield server


@pytest.fixture(scope="module")
def list_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """Serve the app whose events mutate or replace a plain ``gr.State`` list."""
    yield from _serve(tmp_path_factory, "list_app", LIST_APP)


@pytest.fixture(scope="module")
def versioned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """Serve the app whose shared ``gr.State`` value hashes to its version."""
    yield from _serve(tmp_path_factory, "versioned_app", VERSIONED_APP)


def _state_id(session: GradioSession, api_name: str) -> int:
    """Return the id of the first output of an event (the ``gr.State`` under test)."""
    return int(session.dependency(api_name)["outputs"][0])


def test_in_place_mutation_is_reported_only_when_the_state_is_an_output(
    list_server: GradioServer,
) -> None:
    """deep_hash before vs after: in-place and new values both count, if the State is an output."""
    with GradioSession(list_server.url) as session:
        items = _state_id(session, "append_in_place")
        assert session.changed_state_ids("append_input_only") == []
        assert session.call("peek").data == ["[0]"]  # mutated, but nobody was told
        assert session.changed_state_ids("append_in_place") == [items]
        assert session.changed_state_ids("replace_equal") == []
        assert session.changed_state_ids("replace_new") == [items]
        assert session.call("peek").data == ["[0, 1, 2]"]


def test_each_generator_step_reports_its_own_changed_state_ids(list_server: GradioServer) -> None:
    """Every ``process_generating`` message carries the ids changed by that step."""
    with GradioSession(list_server.url) as session:
        items = _state_id(session, "count_up")
        outcome = session.call("count_up")
        assert outcome.generating_changed_state_ids == [[items]] * 3
        assert outcome.changed_state_ids == []  # the final, exhausted step changes nothing
        assert session.call("peek").data == ["[0, 1, 2]"]


def test_sessions_chosen_by_hash_keep_separate_state(list_server: GradioServer) -> None:
    """Per-session state is keyed by session_hash, so two hashes are two tabs."""
    with (
        GradioSession(list_server.url, "harness-a") as tab_a,
        GradioSession(list_server.url, "harness-b") as tab_b,
    ):
        tab_a.call("append_in_place")
        tab_a.call("append_in_place")
        assert tab_a.call("peek").data == ["[0, 1]"]
        assert tab_b.call("peek").data == ["[]"]
        with GradioSession(list_server.url, "harness-a") as tab_a_again:
            assert tab_a_again.call("peek").data == ["[0, 1]"]


@pytest.mark.browser
def test_browser_fires_change_only_for_reported_states(list_server: GradioServer) -> None:
    """The page's ``.change`` listener runs for changed_state_ids and for nothing else."""
    with chromium_browser() as browser, browser_page(browser, list_server.url) as page:
        from playwright.sync_api import expect

        shown = page.locator("#shown textarea")
        last = page.locator("#last textarea")
        page.locator("#append_in_place").click()
        expect(shown).to_have_value("changes=1 items=[0]", timeout=WAIT_MS)
        page.locator("#replace_equal").click()
        expect(last).to_have_value("replace_equal", timeout=WAIT_MS)
        page.locator("#append_input_only").click()
        expect(last).to_have_value("append_input_only", timeout=WAIT_MS)
        page.locator("#replace_new").click()
        expect(shown).to_have_value("changes=2 items=[0, 1, 2]", timeout=WAIT_MS)


def test_version_hash_reports_a_change_only_when_the_version_moves(
    versioned_server: GradioServer,
) -> None:
    """For a non-container object deep_hash is ``hash(obj)``: here, its version number."""
    with GradioSession(versioned_server.url) as session:
        shared = _state_id(session, "bump")
        assert session.changed_state_ids("touch") == []
        assert session.changed_state_ids("bump") == [shared]
        assert session.changed_state_ids("touch") == []


@pytest.mark.browser
def test_load_generator_pushes_another_sessions_change_to_the_page(
    versioned_server: GradioServer,
) -> None:
    """Tab B bumps the shared value; tab A's load generator yields it, and A's .change runs."""
    with (
        chromium_browser() as browser,
        browser_page(browser, versioned_server.url) as tab_a,
        browser_page(browser, versioned_server.url) as tab_b,
    ):
        from playwright.sync_api import expect

        for tab in (tab_a, tab_b):
            expect(tab.locator("#status textarea")).to_have_value("watching", timeout=WAIT_MS)
        seen_a = tab_a.locator("#seen textarea")
        seen_b = tab_b.locator("#seen textarea")
        tab_b.locator("#touch").click()
        tab_b.locator("#bump").click()
        expect(seen_b).to_have_value(_version_text(), timeout=WAIT_MS)
        expect(seen_a).to_have_value(seen_b.input_value(), timeout=WAIT_MS)


def _version_text() -> re.Pattern[str]:
    """Match the text the ``.change`` listener writes: ``v`` and a positive version."""
    return re.compile(r"v[1-9]\d*")
