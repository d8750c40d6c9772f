"""A message board shared by every tab: a message posted in one tab appears in all of them.

The board is one ``SharedState`` for the whole app. Posting appends to it in place; a
background thread can do the same (try ``/remind 5 stretch``, which posts from a timer thread
five seconds later). ``BOARD.attach(demo)`` gives every tab a state whose ``.change`` fires when
the board moved, pushed by a long-lived generator per tab (or polled with ``--poll``).

Run: ``uv run python examples/gradio_board.py [--poll]``, then open http://127.0.0.1:7860 in
two windows.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Literal

import gradio as gr
from observable_gradio import SharedState, on

BOARD = SharedState([])
"""Every message: ``{"name", "text", "at"}``, oldest first."""

SHOWN = 200
"""How many of the latest messages a tab shows."""

MODE: Literal["push", "poll"] = "poll" if "--poll" in sys.argv[1:] else "push"


def post(name: str, text: str) -> str:
    """Append a message (or schedule one with ``/remind SECONDS TEXT``); clear the input box."""
    text = text.strip()
    name = name.strip() or "anonymous"
    if not text:
        return ""
    words = text.split(maxsplit=2)
    if words[0] == "/remind" and len(words) == 3 and words[1].isdigit():
        reminder = {"name": "reminder", "text": f"{name}: {words[2]}"}
        threading.Timer(int(words[1]), _post_later, args=(reminder,)).start()
        text = f"(set a reminder in {words[1]} s)"
    BOARD.value.append({"name": name, "text": text, "at": time.strftime("%H:%M:%S")})
    return ""


def _post_later(message: dict[str, str]) -> None:
    """Runs in a timer thread: the change is pushed to every tab all the same."""
    BOARD.value.append({**message, "at": time.strftime("%H:%M:%S")})


def clear_board() -> None:
    """Remove every message (one change, so one update per tab)."""
    BOARD.value.clear()


def render(board: list[dict[str, Any]]) -> tuple[str, str]:
    """The ``.change`` listener: the latest messages as Markdown, and a count."""
    latest = board[-SHOWN:]
    lines = [f"`{m['at']}` **{m['name']}**: {m['text']}" for m in latest]
    return "\n\n".join(lines) or "*No messages yet.*", f"{len(board)} message(s)"


with gr.Blocks(title="Shared board") as demo:
    gr.Markdown(f"## Shared board ({MODE} mode)\nOpen this page in two windows and post.")
    board_view = gr.Markdown(elem_id="board")
    count = gr.Markdown(elem_id="count")
    with gr.Row():
        name = gr.Textbox(label="Name", value="guest", scale=1, elem_id="name")
        text = gr.Textbox(label="Message", placeholder="Say something", scale=4, elem_id="text")
    with gr.Row():
        send = gr.Button("Post", variant="primary", elem_id="post")
        clear = gr.Button("Clear board", elem_id="clear")

    live = BOARD.attach(demo, mode=MODE)
    on(live.change, render, inputs=live, outputs=[board_view, count], concurrency_limit=None)
    on([send.click, text.submit], post, inputs=[name, text], outputs=text)
    on(clear.click, clear_board)

if __name__ == "__main__":
    # Each open tab holds one of Gradio's worker slots in push mode (40 by default).
    demo.launch(server_name="127.0.0.1", max_threads=100)
