"""A shared board in push mode on an app with only two worker slots (``max_threads=2``).

Each pushed tab holds a worker slot, so three open tabs would take every slot and freeze the
app; with the push slots bounded (half the worker slots: one), the first tab is pushed to and
the others fall back to polling, and posting keeps working in every tab.
"""

from __future__ import annotations

import gradio as gr
from observable_gradio import SharedState, on

BOARD = SharedState([])

with gr.Blocks() as demo:
    board = gr.Markdown(elem_id="board")
    text = gr.Textbox(label="Message", elem_id="text")
    send = gr.Button("Post", elem_id="post")
    live = BOARD.attach(demo, interval=0.5)
    on(live.change, lambda posts: " | ".join(posts) or "empty", inputs=live, outputs=board)
    on(send.click, lambda message: BOARD.value.append(message), inputs=text)
    on(None, lambda: str(BOARD.watchers), outputs=text, api_name="watchers")
    shown = gr.JSON()
    gr.Button().click(lambda: BOARD.value, None, shown, api_name="board_json")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1", max_threads=2)
