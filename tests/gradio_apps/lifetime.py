"""States with ``time_to_live`` and ``delete_callback``, built with ``gr.State`` and with
``ObservableState`` (only the constructor swapped; events prefixed ``g_``/``o_``).

``brief`` lives one second after its last store; ``kept`` lives while its tab is open (Gradio
deletes a closed tab's state after ``STATE_TTL_WHEN_CLOSED``: one second under
``GRADIO_IS_E2E_TEST``). Every deleted value is recorded by its state's ``delete_callback``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from observable_gradio import ObservableState

DELETED: dict[str, list[Any]] = {"g_": [], "o_": []}


def build(State: Any, p: str) -> None:
    """Build both states with ``State``, names prefixed ``p``."""
    brief = State([], time_to_live=1, delete_callback=DELETED[p].append)
    kept = State([], delete_callback=DELETED[p].append)
    text = gr.Textbox()
    shown = gr.JSON()
    for name, state in (("brief", brief), ("kept", kept)):

        def add(item: str, items: list[str]) -> list[str]:
            items.append(item)
            return items

        gr.Button().click(add, [text, state], state, api_name=f"{p}add_{name}")
        gr.Button().click(lambda items: items, state, shown, api_name=f"{p}{name}")
    gr.Button().click(lambda: DELETED[p], None, shown, api_name=f"{p}deleted")


with gr.Blocks() as demo:
    build(gr.State, "g_")
    build(ObservableState, "o_")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1")
