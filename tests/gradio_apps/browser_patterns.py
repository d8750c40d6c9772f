"""The cart and the counter with ``.change`` from Gradio's state guide, side by side: the left
column built with ``gr.State``, the right one with ``ObservableState`` (only the constructor
swapped; element ids prefixed ``g_``/``o_``). Each ``.change`` listener also counts its runs in
a visible number, so a browser test can compare how often ``.change`` fired.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from observable_gradio import ObservableState


def build(State: Any, p: str) -> None:
    """Build the cart and the counter with ``State``, element ids prefixed ``p``."""
    cart = State([])
    items = gr.CheckboxGroup(["Milk", "Water", "Bread"], label="Items", elem_id=f"{p}items")
    with gr.Row():
        add = gr.Button("Add", elem_id=f"{p}add")
        remove = gr.Button("Remove last", elem_id=f"{p}remove")
        checkout = gr.Button("Checkout", elem_id=f"{p}checkout")
    status = gr.Textbox(label="Last action", elem_id=f"{p}status")
    contents = gr.Textbox(label="Cart", elem_id=f"{p}contents")
    receipt = gr.Textbox(label="Receipt", elem_id=f"{p}receipt")
    cart_changes = gr.Number(0, label="Cart changes", elem_id=f"{p}cart_changes")

    def add_items(new: list[str], current: list[str]) -> tuple[list[str], str]:
        return current + new, f"added {len(new)}"

    def remove_last(current: list[str]) -> tuple[list[str], str]:
        if current:
            current.pop()
        return current, "removed"

    add.click(add_items, [items, cart], [cart, status])
    remove.click(remove_last, cart, [cart, status])
    checkout.click(lambda c: (f"{len(c)} item(s)", "checked out"), cart, [receipt, status])
    cart.change(lambda c, n: (", ".join(c), n + 1), [cart, cart_changes], [contents, cart_changes])

    count = State(0)
    with gr.Row():
        increment = gr.Button("+1", elem_id=f"{p}inc")
        same = gr.Button("Keep", elem_id=f"{p}same")
    shown = gr.Textbox(label="Count", elem_id=f"{p}count")
    count_changes = gr.Number(0, label="Count changes", elem_id=f"{p}count_changes")
    increment.click(lambda c: (c + 1, "incremented"), count, [count, status])
    same.click(lambda c: (c, "kept"), count, [count, status])
    count.change(lambda c, n: (f"count {c}", n + 1), [count, count_changes], [shown, count_changes])


with gr.Blocks() as demo, gr.Row():
    with gr.Column():
        gr.Markdown("gr.State")
        build(gr.State, "g_")
    with gr.Column():
        gr.Markdown("ObservableState")
        build(ObservableState, "o_")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1")
