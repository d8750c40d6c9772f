"""The shopping cart from Gradio's state guide, edited in place, with exact ``.change`` events.

Gradio's guide rebuilds the cart on every click (``cart = previous_cart + new_items``) and tells a
``.change`` listener about it by hashing the whole list before and after the event. Here the cart
is an ``ObservableState``: handlers edit it in place (``cart.extend``, ``cart.pop``,
``cart.clear``), and ``.change`` fires exactly when the cart's journal moved during the event.
The "change events" counter shows it: reading the cart, or adding nothing, fires nothing.

Run: ``uv run python examples/gradio_cart.py``, then open http://127.0.0.1:7860.
"""

from __future__ import annotations

import gradio as gr
from observable_gradio import ObservableState, on

PRODUCTS = ["Cereal", "Milk", "Orange Juice", "Water"]


def add_items(new_items: list[str], cart: list[str]) -> None:
    """Add the ticked products to the cart, in place."""
    cart.extend(new_items)


def remove_last(cart: list[str]) -> None:
    """Take the last product out of the cart (nothing happens when it is empty)."""
    if cart:
        cart.pop()


def empty_cart(cart: list[str]) -> None:
    """Empty the cart (clearing an empty cart records nothing, so fires nothing)."""
    cart.clear()


def check_out(cart: list[str]) -> str:
    """Read the cart without changing it: no ``.change`` event follows."""
    if not cart:
        return "Your cart is empty."
    return f"Checked out {len(cart)} item(s): {', '.join(cart)}."


def show_cart(cart: list[str], events: float) -> tuple[int, str, int]:
    """The ``.change`` listener: the cart's size and contents, and one more change event."""
    return len(cart), ", ".join(cart), int(events or 0) + 1


with gr.Blocks(title="Shopping cart") as demo:
    gr.Markdown("## Shopping cart\nEdited in place; `.change` fires only when the cart changed.")
    cart = ObservableState([])
    items_to_add = gr.CheckboxGroup(PRODUCTS, label="Products", elem_id="products")
    with gr.Row():
        add = gr.Button("Add items", elem_id="add")
        remove = gr.Button("Remove last", elem_id="remove")
        empty = gr.Button("Empty cart", elem_id="empty")
        checkout = gr.Button("Check out", elem_id="checkout")
    with gr.Row():
        cart_size = gr.Number(label="Cart size", value=0, elem_id="size")
        events = gr.Number(label="Change events", value=0, elem_id="events")
    contents = gr.Textbox(label="Cart", elem_id="contents")
    receipt = gr.Textbox(label="Receipt", elem_id="receipt")

    # `on` makes the cart an output of each event, so Gradio checks it (in O(1)).
    on(add.click, add_items, inputs=[items_to_add, cart])
    on(remove.click, remove_last, inputs=cart)
    on(empty.click, empty_cart, inputs=cart)
    on(checkout.click, check_out, inputs=cart, outputs=receipt)
    on(cart.change, show_cart, inputs=[cart, events], outputs=[cart_size, contents, events])

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1")
