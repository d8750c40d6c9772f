"""observable_gradio in one process: boxes, defaults, tokens, the shared revision and push loop.

These need gradio importable but no server. What Gradio itself does with the objects is pinned
here by calling the same functions its event loop calls (``deep_hash``, ``SessionState``,
``get_config``); the real round trips are in ``test_gradio_integration.py``.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

gr = pytest.importorskip("gradio")

import observable_gradio as og  # noqa: E402
from gradio import utils as gradio_utils  # noqa: E402
from gradio.state_holder import SessionState  # noqa: E402
from observable_gradio.attach import _push_handler  # noqa: E402
from observable_gradio.slots import PushSlots  # noqa: E402

from observable import Journal, Store, is_observed, observe  # noqa: E402

deep_hash: Callable[[Any], str] = gradio_utils.deep_hash
"""What gradio runs on a State before and after each event."""


def in_loop(test: Callable[..., None]) -> Callable[..., None]:
    """Run a test that builds a gr.Blocks inside a running event loop.

    Outside one, gradio makes (and never closes) a new event loop for each Blocks
    (``gradio.utils.safe_get_lock``); its finalizer would then warn in some later test.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        async def body() -> None:
            test(*args, **kwargs)

        asyncio.run(body())

    return run


@in_loop
def test_every_function_is_wrapped_once_the_blocks_is_built() -> None:
    """Before any session exists, every function of an app with an ObservableState or a
    SharedView is translated: none can run untranslated as a session's first event."""
    with gr.Blocks() as demo:
        state = og.ObservableState([])
        gr.Button().click(lambda: [1], None, state)  # the state is an output only
        gr.Button().click(lambda xs: xs, state, gr.JSON(), batch=True)
    with gr.Blocks() as shared_only:
        og.SharedState([]).attach()
        gr.Button().click(lambda: None)
    for app in (demo, shared_only):
        fns = list(app.fns.values())
        assert fns and all(getattr(f.fn, "__observable_gradio_wrapped__", False) for f in fns)


def test_batch_functions_translate_each_item() -> None:
    """A batch function's outputs are lists, one item per request; each is translated."""
    from observable_gradio.results import _Translator

    class Output:
        stateful = False

    state = og.ObservableState([])
    first, second = observe([1]), observe([2])
    translator = _Translator([state], [state, Output()], batch=True)
    args, _ = translator.arguments(([[3], second],), {})
    assert is_observed(args[0][0]) and args[0][1] is second  # plain inputs get observed
    stored, shown = translator.result(([[3], second], [first, {"a": second}]), args)
    assert stored[0] == [3] and is_observed(stored[0]) and stored[1] is second
    assert not is_observed(shown[0]) and not is_observed(shown[1]["a"]) and shown[1] == {"a": [2]}


# -- on() ---------------------------------------------------------------------------------
@in_loop
def test_on_adds_observable_inputs_to_the_outputs_once() -> None:
    with gr.Blocks():
        a, b = og.ObservableState([]), og.ObservableState({})
        text = gr.Textbox()
        dep = og.on(None, lambda x, y, t: t, inputs=[a, b, text], outputs=[text, a])
    assert dep["outputs"] == [text._id, a._id, b._id]


@in_loop
def test_on_refuses_a_shared_view_as_an_output() -> None:
    with gr.Blocks():
        view = og.SharedState([]).attach()
        with pytest.raises(ValueError, match="must not be an output"):
            og.on(None, lambda: None, outputs=view)


@in_loop
def test_on_as_a_decorator_returns_the_function() -> None:
    with gr.Blocks():
        state = og.ObservableState([])

        @og.on(None, inputs=state)
        def handler(items: list[int]) -> None:
            items.append(1)

    assert handler.__name__ == "handler"


# -- SharedState ---------------------------------------------------------------------------
def test_shared_revision_moves_once_per_notification() -> None:
    shared = og.SharedState({"messages": []})
    assert shared.revision == 0
    shared.value["messages"].append("hi")
    assert shared.revision == 1
    with shared.batch():
        for i in range(5):
            shared.value["messages"].append(i)
    assert shared.revision == 2
    len(shared.value["messages"])  # reading moves nothing
    assert shared.revision == 2
    shared.touch()
    assert shared.revision == 3
    with shared.lock():
        shared.value["messages"].clear()
    assert shared.revision == 4
    shared.close()
    shared.value["messages"].append("after close")
    assert shared.revision == 4


def test_shared_state_reuses_the_journal_of_an_observed_value() -> None:
    journal = Journal()
    value: list[int] = observe([], journal)
    shared = og.SharedState(value)
    assert shared.journal is journal and shared.value is value


def test_shared_state_from_a_store_key_follows_that_key_only() -> None:
    store = Store()
    store["board"] = []
    store["other"] = []
    shared = og.SharedState.from_store(store, "board")
    store["other"].append(1)
    assert shared.revision == 0
    shared.value.append("hi")
    assert shared.revision == 1 and store["board"] == ["hi"]
    shared.touch()
    assert shared.revision == 2
    with pytest.raises(KeyError):
        og.SharedState.from_store(store, "missing")


def test_token_hash_is_the_revision_the_tab_saw() -> None:
    shared = og.SharedState([])
    token = copy.deepcopy(og.TokenDefault(shared))
    assert isinstance(token, og.SharedToken) and token.seen == -1
    before = deep_hash(token)
    assert token.advance() and not token.advance()
    assert deep_hash(token) != before
    shared.value.append(1)
    assert deep_hash(token) == deep_hash(token)  # the token moves only when advanced
    assert token.advance() and token.seen == shared.revision == 1


# -- the push loop -----------------------------------------------------------------------
async def _next(stream: AsyncIterator[Any], timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(anext(stream), timeout)


class App:
    """Stands for a gr.Blocks: what PushSlots reads of it."""

    def __init__(self, max_threads: int) -> None:
        self.max_threads = max_threads


def test_push_loop_yields_once_per_burst_keeps_alive_and_unregisters() -> None:
    shared = og.SharedState([])
    skip = gr.skip()
    app = App(max_threads=40)
    slots = PushSlots(app)

    async def scenario() -> None:
        token = og.SharedToken(shared)
        stream = _push_handler(shared, keepalive=0.2, coalesce=0.05, slots=slots)(token)
        assert await _next(stream) == (token, skip)  # the first step draws the current value
        assert shared.watchers == 1 and token.seen == 0 and slots.used == 1
        assert await _next(stream) == (skip, skip)  # nothing changed: a keep-alive

        def burst() -> None:
            for i in range(100):
                shared.value.append(i)

        writer = threading.Thread(target=burst)
        writer.start()
        writer.join()
        assert await _next(stream) == (token, skip)
        assert token.seen == shared.revision == 100  # one push for the whole burst
        assert await _next(stream) == (skip, skip)
        await stream.aclose()  # what Gradio does when the tab has closed
        assert shared.watchers == 0 and slots.used == 0

    asyncio.run(scenario())


def test_tabs_beyond_the_push_slots_draw_once_then_switch_to_polling() -> None:
    """Half the worker slots push (2 of 5); a third tab draws the value, ends, and polls."""
    shared = og.SharedState([])
    app = App(max_threads=5)
    slots = PushSlots(app)
    assert slots.capacity == 2

    async def scenario() -> None:
        tokens = [og.SharedToken(shared) for _ in range(3)]
        streams = [_push_handler(shared, 0.2, 0.0, slots)(token) for token in tokens]
        for stream, token in zip(streams[:2], tokens, strict=False):
            assert (await _next(stream))[0] is token
        view, timer = await _next(streams[2])
        assert view is tokens[2] and tokens[2].seen == shared.revision
        assert isinstance(timer, gr.Timer) and timer.active  # this tab now polls
        with pytest.raises(StopAsyncIteration):
            await _next(streams[2])
        assert slots.used == 2 and shared.watchers == 2
        for stream in streams[:2]:
            await stream.aclose()
        assert slots.used == 0

    asyncio.run(scenario())


def test_push_slots_default_to_half_the_worker_slots_and_refuse_bad_limits() -> None:
    apps = [App(n) for n in (1, 2, 3, 40)]
    assert [PushSlots(app).capacity for app in apps] == [0, 1, 1, 20]
    assert PushSlots(apps[0], limit=3).capacity == 3
    for bad in (-1, 1.5, "2", True):
        with pytest.raises(ValueError, match="push_slots"):
            PushSlots(App(40), limit=bad)  # type: ignore[arg-type]


def test_wakeup_from_another_thread_and_after_rearm() -> None:
    async def scenario() -> None:
        wakeup = og.Wakeup()
        assert not await wakeup.wait(0.01)
        threading.Thread(target=wakeup.notify).start()
        assert await wakeup.wait(5.0)
        wakeup.notify()  # not re-armed: ignored
        wakeup.rearm()
        assert not await wakeup.wait(0.01)

    asyncio.run(scenario())


@in_loop
def test_attach_outside_a_blocks_context_needs_the_blocks() -> None:
    shared = og.SharedState([])
    with pytest.raises(RuntimeError, match=r"needs a gr\.Blocks"):
        shared.attach()
    with gr.Blocks() as demo:
        pass
    view = shared.attach(demo, mode="poll", interval=0.5)
    assert view.shared is shared and view._id in demo.blocks
    with pytest.raises(ValueError, match="mode"):
        shared.attach(demo, mode="sometimes")  # type: ignore[arg-type]


def test_missing_gradio_names_the_extra() -> None:
    code = "import sys; sys.modules['gradio'] = None; import observable_gradio"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert 'pip install "observable-journal[gradio]"' in result.stderr


def test_shared_state_honours_the_store_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from observable_gradio import shared as shared_module

    url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("OBSERVABLE_STORE_URL", url)
    monkeypatch.setattr(shared_module, "_store", [])
    board = shared_module.SharedState([])
    revision = board.revision
    board.value.append("posted")
    assert board.revision > revision
    key = next(key for key in shared_module.shared_store() if key.startswith("gradio-shared-"))
    other_server = Store(url)  # a second server on the same database
    assert other_server[key] == ["posted"]
    keyed = shared_module.SharedState(["ignored"], key=key)
    assert keyed.value == ["posted"]
    with pytest.raises(ValueError, match="not both"):
        shared_module.SharedState([], key="x", journal=board.journal)


# -- the straight swap ----------------------------------------------------------------------
def test_deep_hash_is_patched_and_gradio_still_matches_the_checked_function() -> None:
    """Fails when gradio changes deep_hash: the guard must still recognise the original."""
    from gradio import blocks, utils
    from observable_gradio import _gradio

    assert og.install_change_hash()
    assert _gradio._expected_deep_hash(_gradio.original_deep_hash)
    assert utils.deep_hash is _gradio._observable_deep_hash and blocks.utils is utils


def test_stamp_of_an_observed_root_never_walks_it_and_moves_only_on_change() -> None:
    """deep_hash of an observed root is its journal stamp; a child is walked as before."""
    from gradio import utils

    og.install_change_hash()
    value = observe([{"a": [1]}])
    first = utils.deep_hash(value)
    assert first == f"observable:{first.split(':')[1]}:0"
    _ = value[0]["a"][0]
    assert utils.deep_hash(value) == first
    value[0]["a"].append(2)
    assert utils.deep_hash(value) != first
    assert utils.deep_hash(value[0]) == utils.deep_hash({"a": [1, 2]})


def test_constructor_matches_gr_state() -> None:
    """.value is the default; an un-deep-copyable default fails at build time; render=False."""
    import threading

    assert og.ObservableState([1]).value == [1]
    assert type(og.ObservableState([1]).value) is list
    with pytest.raises(TypeError, match="deepcopied"):
        og.ObservableState(threading.Lock())
    assert not og.ObservableState([1], render=False).is_rendered


@in_loop
def test_session_value_is_observed_and_pickles_plain() -> None:
    """A session's value is the observed default; pickling gives a plain copy.

    (That ``delete_callback`` receives it is proven on a launched app, in
    ``test_gradio_lifetime.py``.)
    """
    import pickle

    with gr.Blocks() as demo:
        state = og.ObservableState({"a": [1]})
    value = SessionState(demo)[state._id]
    assert is_observed(value) and value == {"a": [1]}
    assert pickle.loads(pickle.dumps(value)) == {"a": [1]}
    assert type(pickle.loads(pickle.dumps(value))) is dict
