"""Gradio's documented ``gr.State`` patterns, built twice in one app: with ``gr.State`` and with
``ObservableState``, only the constructor swapped. Event names are prefixed ``g_``/``o_``.

Cart, counter with ``.change``, a ``gr.render`` to-do list, ``gr.Interface`` with state, chatbot
history, ``ChatInterface`` with an additional state input, hangman, a gallery of PIL images, and
one event per output component that shows the state's value (the rendering table).
"""

from __future__ import annotations

import uuid
from typing import Any

import gradio as gr
from observable_gradio import ObservableState
from PIL import Image

SECRET = "gradio"
SHOWN: dict[str, Any] = {
    "json": {"a": [1, {"b": 2}], "c": None},
    "dataframe": [[1, "x"], [2, "y"]],
    "chatbot": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
    "label": {"cat": 0.75, "dog": 0.25},
    "highlighted": [["big", "ADJ"], [" ", None], ["cat", "NOUN"]],
    "checkbox": ["Milk", "Water"],
    "dropdown": "Milk",
    "textbox": ["line one", "line two"],
    "markdown": {"title": "# Hello"},
}


def build(State: Any, p: str) -> None:
    """Build every pattern with ``State`` as the state constructor, names prefixed ``p``."""
    # -- cart (Gradio's state guide), replaced and edited in place ----------------------------
    cart = State([])
    items = gr.CheckboxGroup(["Milk", "Water", "Bread"], label=f"{p}items")
    size = gr.Number(label=f"{p}cart size")
    gr.Button().click(lambda new, c: c + new, [items, cart], cart, api_name=f"{p}cart_add")
    gr.Button().click(
        lambda new, c: (c.extend(new), c)[1], [items, cart], cart, api_name=f"{p}cart_extend"
    )
    gr.Button().click(lambda c: list(c), cart, cart, api_name=f"{p}cart_same")
    gr.Button().click(lambda c: len(c), cart, size, api_name=f"{p}cart_read")
    cart.change(lambda c: len(c), cart, size, api_name=f"{p}cart_change")

    # -- counter with .change ------------------------------------------------------------------
    count = State(0)
    shown = gr.Markdown(label=f"{p}count")
    gr.Button().click(lambda c: c + 1, count, count, api_name=f"{p}inc")
    gr.Button().click(lambda c: c, count, count, api_name=f"{p}same")
    count.change(lambda c: f"count {c}", count, shown, api_name=f"{p}count_change")
    # a .change listener that outputs its own state must not loop
    count.change(lambda c: c, count, count, api_name=f"{p}count_echo")

    # -- gr.render to-do list ------------------------------------------------------------------
    tasks = State([])
    name = gr.Textbox(label=f"{p}task")
    name.submit(
        lambda t, n: (t + [{"name": n, "complete": False}], ""),  # noqa: RUF005 - as the docs
        [tasks, name],
        [tasks, name],
        api_name=f"{p}task_add",
    )

    @gr.render(inputs=tasks)
    def todo(task_list: list[dict[str, Any]]) -> None:
        gr.Markdown(f"{p}todo {sum(not t['complete'] for t in task_list)} open")
        for index, task in enumerate(task_list):
            if task["complete"]:
                continue

            def done(task: dict[str, Any] = task) -> list[dict[str, Any]]:
                task["complete"] = True
                return task_list

            gr.Button(f"done {task['name']}").click(done, None, tasks, api_name=f"{p}done{index}")

    # -- gr.Interface with state ---------------------------------------------------------------
    def store_message(message: str, history: list[str]) -> tuple[dict[str, Any], list[str]]:
        output = {"Current": message, "Previous": history[::-1]}
        history.append(message)
        return output, history

    gr.Interface(
        store_message, ["textbox", State([])], ["json", State()], api_name=f"{p}interface"
    ).render()

    # -- chatbot history held in a state -------------------------------------------------------
    history = State([])
    bot = gr.Chatbot(label=f"{p}bot")
    message = gr.Textbox(label=f"{p}message")

    def respond(text: str, hist: list[dict[str, str]]) -> tuple[str, Any, Any]:
        hist.append({"role": "user", "content": text})
        hist.append({"role": "assistant", "content": f"echo {text}"})
        return "", hist, hist

    message.submit(respond, [message, history], [message, history, bot], api_name=f"{p}chat")

    # -- ChatInterface with an additional state input ------------------------------------------
    session_id = State(uuid.UUID(int=7))
    gr.ChatInterface(
        lambda msg, _h, sid: f"{msg} with uuid {sid}",
        additional_inputs=[session_id],
        api_name=f"{p}chatif",
    ).render()

    # -- hangman (dict return) -----------------------------------------------------------------
    used = State([])
    letter = gr.Textbox(label=f"{p}letter")
    used_box = gr.Textbox(label=f"{p}used")
    word = gr.Textbox(label=f"{p}word")

    def guess(ch: str, letters: list[str]) -> dict[Any, Any]:
        letters.append(ch)
        answer = "".join(c if c in letters else "_" for c in SECRET)
        return {used: letters, used_box: ", ".join(letters), word: answer}

    gr.Button().click(guess, [letter, used], [used, used_box, word], api_name=f"{p}guess")
    used.change(lambda x: len(x), used, None, api_name=f"{p}used_change")

    # -- gallery of PIL images -----------------------------------------------------------------
    images = State([])
    gallery = gr.Gallery(label=f"{p}gallery")

    def paint(imgs: list[Image.Image]) -> Any:
        imgs.append(Image.new("RGB", (4, 4), (len(imgs) * 40, 0, 0)))
        return imgs, imgs

    gr.Button().click(paint, images, [images, gallery], api_name=f"{p}paint")
    gr.Button().click(lambda i: i, images, gallery, api_name=f"{p}show_gallery")
    images.change(lambda i: len(i), images, None, api_name=f"{p}images_change")

    # -- every output component shows the state's value ----------------------------------------
    value = State(SHOWN)
    outputs = {
        "json": gr.JSON(),
        "dataframe": gr.Dataframe(),
        "chatbot": gr.Chatbot(),
        "label": gr.Label(),
        "highlighted": gr.HighlightedText(),
        "checkbox": gr.CheckboxGroup(["Milk", "Water", "Bread"]),
        "dropdown": gr.Dropdown(["Milk", "Water"]),
        "textbox": gr.Textbox(),
        "markdown": gr.Markdown(),
    }
    for key, component in outputs.items():
        if key == "textbox":
            fn: Any = lambda v, k=key: "\n".join(v[k])  # noqa: E731
        elif key == "markdown":
            fn = lambda v, k=key: v[k]["title"]  # noqa: E731
        else:
            fn = lambda v, k=key: v[k]  # noqa: E731
        gr.Button().click(fn, value, component, api_name=f"{p}show_{key}")
    gr.Button().click(lambda v: v, value, outputs["json"], api_name=f"{p}show_whole")


with gr.Blocks() as demo:
    with gr.Tab("gr.State"):
        build(gr.State, "g_")
    with gr.Tab("ObservableState"):
        build(ObservableState, "o_")

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None).launch()
