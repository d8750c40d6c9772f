"""The Gradio app that ``bench/gradio_events.py`` launches (run as a script, never imported).

For each size in ``BENCH_GRADIO_SIZES`` it holds a list of that many records twice: in a plain
``gr.State`` and in an ``ObservableState``. Each has a ``.change`` listener, so Gradio checks it
after every event that outputs it, and one event appends a record in place. A ``SharedState``,
attached in push mode, measures how fast a change reaches the other sessions.
"""

from __future__ import annotations

import json
import os
from typing import Any

import gradio as gr
from observable_gradio import ObservableState, SharedState, on

SIZES = [int(size) for size in os.environ.get("BENCH_GRADIO_SIZES", "1000").split(",")]
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


with gr.Blocks() as demo:
    for size in SIZES:
        plain = gr.State(records(size))
        plain.change(lambda items: None, plain, None)
        gr.on(None, append_plain, plain, plain, api_name=f"plain_{size}")
        observed = ObservableState(lambda size=size: records(size))
        on(observed.change, lambda items: None, inputs=observed)
        on(None, append_observed, inputs=observed, api_name=f"observed_{size}")
    live = SHARED.attach(demo)
    on(live.change, lambda value: None, inputs=live, concurrency_limit=None)
    last = gr.Textbox()
    on(None, bump, outputs=last, api_name="bump", concurrency_limit=None)
    on(None, lambda: json.dumps({"live": live._id}), outputs=last, api_name="ids")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1", max_threads=100)
