"""The Gradio app that ``bench/gradio_events.py`` launches (run as a script, never imported).

For each size in ``BENCH_GRADIO_SIZES`` it holds a list of that many records in three states,
each with a ``.change`` listener (so Gradio checks it after every event that outputs it) and
one event that appends a record in place:

* ``plain_N``: a ``gr.State``, wired with plain Gradio (the state is input and output);
* ``wired_N``: an ``ObservableState`` wired exactly the same way (the straight swap);
* ``observed_N``: an ``ObservableState`` wired with ``observable_gradio.on``.

For the first event of a new session, ``first_plain_N`` and ``first_wired_N`` append to a
``gr.State``/``ObservableState`` whose default is the list itself, as users write it
(``gr.State`` copies it once per session; ``ObservableState`` shares it, copying on write).
A ``SharedState``, attached in push mode, measures how fast a change reaches the other
sessions.
"""

from __future__ import annotations

import json
import os
from typing import Any

import gradio as gr
from observable_gradio import ObservableState, SharedState, on

SIZES = [int(size) for size in os.environ.get("BENCH_GRADIO_SIZES", "1000").split(",")]
FIRST_SIZES = [int(size) for size in os.environ.get("BENCH_GRADIO_FIRST", "").split(",") if size]
SHARED = SharedState([])


def records(count: int) -> list[dict[str, Any]]:
    """Return ``count`` small records."""
    return [{"id": i, "text": f"record {i}", "done": False} for i in range(count)]


def append_plain(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append in place, and return the list so that Gradio stores and checks it."""
    items.append({"id": len(items), "text": "new", "done": False})
    return items


def append_observed(items: list[dict[str, Any]]) -> None:
    """Append in place; ``on`` returns the state for it."""
    items.append({"id": len(items), "text": "new", "done": False})


def bump() -> str:
    """Change the shared value once."""
    SHARED.value.append(len(SHARED.value))
    return str(SHARED.revision)


def plain_wiring(state: Any, name: str) -> None:
    """Give ``state`` a ``.change`` listener and an in-place append, wired with plain Gradio."""
    state.change(lambda items: None, state, None)
    gr.Button().click(append_plain, state, state, api_name=name)


with gr.Blocks() as demo:
    for size in SIZES:
        plain_wiring(gr.State(records(size)), f"plain_{size}")
        plain_wiring(ObservableState(lambda size=size: records(size)), f"wired_{size}")
        observed = ObservableState(lambda size=size: records(size))
        on(observed.change, lambda items: None, inputs=observed)
        on(None, append_observed, inputs=observed, api_name=f"observed_{size}")
    for size in FIRST_SIZES:
        plain_wiring(gr.State(records(size)), f"first_plain_{size}")
        plain_wiring(ObservableState(records(size)), f"first_wired_{size}")
    live = SHARED.attach(demo)
    on(live.change, lambda value: None, inputs=live, concurrency_limit=None)
    last = gr.Textbox()
    on(None, bump, outputs=last, api_name="bump", concurrency_limit=None)
    on(None, lambda: json.dumps({"live": live._id}), outputs=last, api_name="ids")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1", max_threads=100)
