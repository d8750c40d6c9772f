"""Gradio's documented gr.State patterns, run with gr.State and with ObservableState.

One launched app (``tests/gradio_apps/state_patterns.py``) builds every pattern twice, the
second time with only the constructor swapped. Each test drives both through the event stream
the way the browser does (including running ``.change`` listeners for ``changed_state_ids``,
cascading, as the page would) and asserts identical visible outputs and ``.change`` counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gradio_events import GradioSession
from tests.support.gradio_server import GradioServer, run_gradio_app

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

APP = Path(__file__).resolve().parent / "gradio_apps" / "state_patterns.py"
CASCADE_LIMIT = 10
"""Rounds of .change listeners to follow; a loop would exceed it."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradioServer]:
    """The patterns app, served once for the module."""
    copy = tmp_path_factory.mktemp("patterns") / APP.name
    copy.write_text(APP.read_text(encoding="utf-8"), encoding="utf-8")
    with run_gradio_app(copy, startup_timeout=120.0) as server:
        yield server


class Page:
    """One browser tab, emulated: runs events and the .change listeners they trigger."""

    def __init__(self, session: GradioSession) -> None:
        self.session = session
        self.changes: dict[int, int] = {}
        self.deps = list(session.config["dependencies"])
        self.rendered: dict[int, list[dict[str, Any]]] = {}

    def listeners(self, state_id: int) -> list[dict[str, Any]]:
        """Return the dependencies a .change of ``state_id`` triggers."""
        return [d for d in self.deps if [state_id, "change"] in [list(t) for t in d["targets"]]]

    def run(self, target: str | int, data: list[Any] | None = None) -> list[Any]:
        """Run an event and every .change cascade after it; return the event's outputs."""
        outcome = self.session.call(target, data)
        self._learn(outcome.completed)
        pending = list(outcome.changed_state_ids)
        for _ in range(CASCADE_LIMIT):
            if not pending:
                break
            fired, pending = pending, []
            for state_id in fired:
                self.changes[state_id] = self.changes.get(state_id, 0) + 1
                for dependency in self.listeners(state_id):
                    follow = self.session.call(dependency["id"])
                    self._learn(follow.completed)
                    pending += follow.changed_state_ids
        else:
            raise AssertionError(f"a .change loop after {target!r}")
        return outcome.data

    def _learn(self, message: dict[str, Any]) -> None:
        """Apply a ``gr.render`` result as the page does: the render's previous components and
        events are replaced by the ones it sent (a stale event id answers 500 on submit)."""
        render = message["output"].get("render_config")
        if not render:
            return
        render_id = render["render_id"]
        self.deps = [d for d in self.deps if d.get("rendered_in") != render_id]
        self.deps += render["dependencies"]
        self.rendered[render_id] = render["components"]
        self.session.config["dependencies"] = self.deps  # so the session can submit them

    def rendered_text(self, kind: str) -> list[str]:
        """Return the values of the rendered components of ``kind`` (their visible text)."""
        return [
            str(c["props"].get("value"))
            for components in self.rendered.values()
            for c in components
            if c["type"] == kind
        ]

    def click(self, text: str) -> list[Any]:
        """Click the rendered button showing ``text``, as a user would; return the outputs."""
        buttons = [
            c["id"]
            for components in self.rendered.values()
            for c in components
            if c["type"] == "button" and c["props"].get("value") == text
        ]
        assert len(buttons) == 1, (text, buttons)
        dependency = next(d for d in self.deps if [buttons[0], "click"] in map(list, d["targets"]))
        return self.run(int(dependency["id"]))

    def api(self, name: str) -> int:
        """Return the fn_index of a (possibly rendered, latest render) event by api_name."""
        for dependency in reversed(self.deps):
            if dependency.get("api_name") == name:
                return int(dependency["id"])
        raise KeyError(name)

    def change_count(self, prefix: str, api_name: str) -> int:
        """Return how many times the state behind ``api_name``'s .change fired."""
        dependency = next(d for d in self.deps if d.get("api_name") == f"{prefix}{api_name}")
        state_id = int(dependency["targets"][0][0])
        return self.changes.get(state_id, 0)


def _both(app: GradioServer, script: list[tuple[str, list[Any] | None]]) -> dict[str, Any]:
    """Run ``script`` on both variants, each in a new session; return outputs and pages."""
    results: dict[str, Any] = {}
    for prefix in ("g_", "o_"):
        with GradioSession(app.url) as session:
            page = Page(session)
            page.run(page.api(f"{prefix}cart_read"), [[]])  # opens the session like a load
            outputs = [page.run(page.api(prefix + name), data) for name, data in script]
            results[prefix] = (outputs, page)
    return results


def _same_outputs(results: dict[str, Any]) -> None:
    """Assert both variants produced exactly the same outputs."""
    assert results["o_"][0] == results["g_"][0]


def test_cart_and_counter_same_outputs_and_change_counts(app: GradioServer) -> None:
    """Replacing, extending in place, returning an equal copy, reading; a counter with echo."""
    script: list[tuple[str, list[Any] | None]] = [
        ("cart_add", [["Milk"], None]),
        ("cart_extend", [["Water"], None]),
        ("cart_same", None),
        ("cart_read", None),
        ("cart_extend", [[], None]),
        ("inc", None),
        ("same", None),
        ("inc", None),
    ]
    results = _both(app, script)
    _same_outputs(results)
    for name in ("cart_change", "count_change"):
        counts = [results[p][1].change_count(p, name) for p in ("g_", "o_")]
        assert counts[0] == counts[1], (name, counts)
    assert results["o_"][1].change_count("o_", "cart_change") == 2
    assert results["o_"][1].change_count("o_", "count_change") == 2


def test_render_todo_list(app: GradioServer) -> None:
    """The gr.render to-do list: add two tasks, mark one done from a rendered button."""
    seen: dict[str, Any] = {}
    for prefix in ("g_", "o_"):
        with GradioSession(app.url) as session:
            page = Page(session)
            page.run(page.api(f"{prefix}task_add"), [None, "milk"])
            page.run(page.api(f"{prefix}task_add"), [None, "eggs"])
            before = page.rendered_text("markdown"), page.rendered_text("button")
            page.click("done milk")
            after = page.rendered_text("markdown"), page.rendered_text("button")
            # each add and the done fire .change once, and each .change re-renders the list
            seen[prefix] = (before, after, sorted(page.changes.values()))
    for prefix in ("g_", "o_"):
        assert seen[prefix] == (
            ([f"{prefix}todo 2 open"], ["done milk", "done eggs"]),
            ([f"{prefix}todo 1 open"], ["done eggs"]),
            [3],
        ), prefix


def test_interface_chatbot_chatinterface_hangman(app: GradioServer) -> None:
    """gr.Interface with state, chatbot history, ChatInterface additional input, hangman."""
    script: list[tuple[str, list[Any] | None]] = [
        ("interface", ["one", None]),
        ("interface", ["two", None]),
        ("chat", ["hi", None]),
        ("chat", ["again", None]),
        ("chatif", ["hi", [], None]),
        ("guess", ["g", None]),
        ("guess", ["x", None]),
    ]
    results = _both(app, script)
    _same_outputs(results)
    outputs = results["o_"][0]
    assert outputs[1][0] == {"Current": "two", "Previous": ["one"]}
    assert "with uuid 00000000-0000-0000-0000-000000000007" in str(outputs[4])
    assert "StateBox" not in str(outputs)
    counts = [results[p][1].change_count(p, "used_change") for p in ("g_", "o_")]
    assert counts == [2, 2]


def test_gallery_of_pil_images_changes_on_add_only(app: GradioServer) -> None:
    """Showing PIL images in a Gallery is a read: .change fires for adds only, in both."""
    script: list[tuple[str, list[Any] | None]] = [
        ("paint", None),
        ("show_gallery", None),
        ("paint", None),
        ("show_gallery", None),
    ]
    results = _both(app, script)
    counts = [results[p][1].change_count(p, "images_change") for p in ("g_", "o_")]
    assert counts == [2, 2]
    for prefix in ("g_", "o_"):
        shown = results[prefix][0][3][0]
        assert len(shown) == 2 and all(item["image"]["path"] for item in shown)


@pytest.mark.parametrize(
    "component",
    [
        "json",
        "dataframe",
        "chatbot",
        "label",
        "highlighted",
        "checkbox",
        "dropdown",
        "textbox",
        "markdown",
        "whole",
    ],
)
def test_observed_values_reach_the_browser_as_plain_values(
    app: GradioServer, component: str
) -> None:
    """What the event stream carries to the browser is identical for observed and plain."""
    payloads = []
    for prefix in ("g_", "o_"):
        with GradioSession(app.url) as session:
            payloads.append(session.call(f"{prefix}show_{component}").data)
    assert payloads[1] == payloads[0]
    assert "Observed" not in repr(payloads[1])
