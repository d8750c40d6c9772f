"""The app the Gradio integration tests run against a real server.

Per-session ``ObservableState`` values (a list, a nested dict, a custom object) with events that
mutate them in place, or leave them untouched; and two ``SharedState`` values, one pushed to every
tab and one polled. The ``ids`` event tells the tests which component id is which.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from observable_gradio import ObservableState, SharedState, on

from observable import journal_of


@dataclass
class Profile:
    """A custom object held in a per-session state."""

    name: str = "ada"
    tags: list[str] = field(default_factory=list)


class Counted:
    """A record that counts every hash, comparison, copy, pickle or repr of it (a walk would)."""

    touches = 0

    def _touched(self) -> None:
        type(self).touches += 1

    def __hash__(self) -> int:
        self._touched()
        return id(self)

    def __eq__(self, other: object) -> bool:
        self._touched()
        return self is other

    def __repr__(self) -> str:
        self._touched()
        return "<Counted>"

    def __copy__(self) -> Counted:
        self._touched()
        return Counted()

    def __deepcopy__(self, memo: dict[int, Any]) -> Counted:
        self._touched()
        return Counted()

    def __reduce_ex__(self, protocol: Any) -> Any:
        self._touched()
        return (Counted, ())


COUNTED_RECORDS = 1000
BOARD = SharedState({"messages": []})
POLLED = SharedState([])


def append(items: list[int]) -> str:
    """Append in place."""
    items.append(len(items))
    return "append"


def untouched(items: list[int]) -> str:
    """Read only."""
    return f"untouched {len(items)}"


def replace(items: list[int]) -> list[int]:
    """Return a new list for the listed state: a replacement."""
    return [*items, -1]


def keep(items: list[int]) -> list[int]:
    """Return the received (observed) list itself, unchanged."""
    return items


def whoami(items: list[int], request: gr.Request) -> str:
    """Gradio still injects special arguments through ``on``."""
    return f"{len(items)} items for {request.session_hash}"


def reset() -> list[int]:
    """The state is an output only: a new value replaces the session's value."""
    return []


def peek(items: list[int]) -> str:
    """Show the session's list and its journal version."""
    return f"{list(items)} v{journal_of(items).version}"


def nested_append(nested: dict[str, dict[str, list[int]]]) -> str:
    """Mutate two levels down."""
    nested["a"]["b"].append(1)
    return "nested_append"


def nested_read(nested: dict[str, dict[str, list[int]]]) -> str:
    """Read two levels down."""
    return f"nested_read {len(nested['a']['b'])}"


def rename(profile: Profile) -> str:
    """Set an attribute of a custom object."""
    profile.name = "grace" if profile.name == "ada" else "ada"
    return "rename"


def same_name(profile: Profile) -> str:
    """Write an attribute with the value it already has: a no-op write records nothing."""
    profile.name = str(profile.name)
    return "same_name"


def tag(profile: Profile) -> str:
    """Mutate a list inside a custom object."""
    profile.tags.append("x")
    return "tag"


def raw_append_input_only(items: list[int]) -> str:
    """Wired with plain Gradio: the state is an input only, so Gradio does not check it."""
    items.append(len(items))
    return "raw_append_input_only"


def append_counted(records: list[Any]) -> list[Any]:
    """Append one plain record in place and return the list (plain Gradio wiring)."""
    records.append({"n": len(records)})
    return records


def reset_touches() -> str:
    """Forget earlier touches (a gr.State session's first access deep-copies every record)."""
    Counted.touches = 0
    return "reset"


def post(text: str) -> str:
    """Add a message to the shared board."""
    BOARD.value["messages"].append(text)
    return "posted"


def post_from_thread(text: str) -> str:
    """Add a message to the shared board from a background thread."""
    thread = threading.Thread(target=lambda: BOARD.value["messages"].append(text))
    thread.start()
    thread.join()
    return "posted from thread"


def post_polled(text: str) -> str:
    """Add an item to the polled shared list."""
    POLLED.value.append(text)
    return "posted polled"


def button(name: str) -> Any:
    """Return the click trigger of a new button (events need a trigger; None means on load)."""
    return gr.Button(name, elem_id=name).click


def render_board(board: dict[str, list[str]]) -> str:
    """The board as text."""
    return " | ".join(board["messages"])


with gr.Blocks() as demo:
    items = ObservableState([])
    nested = ObservableState({"a": {"b": []}})
    profile = ObservableState(Profile())
    text = gr.Textbox(label="text", elem_id="text")
    last = gr.Textbox(label="last", elem_id="last")
    changes = gr.Textbox(label="changes", elem_id="changes")
    board_text = gr.Textbox(label="board", elem_id="board")
    polled_text = gr.Textbox(label="polled", elem_id="polled")

    for fn, state in (
        (append, items),
        (untouched, items),
        (peek, items),
        (nested_append, nested),
        (nested_read, nested),
        (rename, profile),
        (same_name, profile),
        (tag, profile),
    ):
        on(button(fn.__name__), fn, inputs=state, outputs=last, api_name=fn.__name__)
    on(button("replace"), replace, inputs=items, outputs=items, api_name="replace")
    on(button("reset"), reset, outputs=items, api_name="reset")
    on(button("whoami"), whoami, inputs=items, outputs=last, api_name="whoami")
    on(button("keep"), keep, inputs=items, outputs=items, api_name="keep")
    gr.on(
        button("raw_append"),
        raw_append_input_only,
        inputs=items,
        outputs=last,
        api_name="raw_append",
    )
    # every record counts each time anything walks, hashes or copies it
    for kind, make in (("plain", gr.State), ("wired", ObservableState), ("on", ObservableState)):
        counted = make([Counted() for _ in range(COUNTED_RECORDS)])
        counted.change(lambda records: None, counted, None)
        if kind == "on":
            on(button(f"counted_{kind}"), append_counted, inputs=counted, api_name="counted_on")
        else:
            gr.Button().click(append_counted, counted, counted, api_name=f"counted_{kind}")
    on(button("counted_reset"), reset_touches, outputs=last, api_name="counted_reset")
    on(None, lambda: str(Counted.touches), outputs=last, api_name="counted_touches")

    # on() chained after another event with dependency.then (gr.on itself refuses it)
    chain = gr.Button("chain", elem_id="chain").click(
        lambda: "chain started", outputs=last, api_name="chain"
    )
    on(chain.then, append, inputs=items, outputs=last, api_name="chain_then")
    for state in (items, nested, profile):
        on(state.change, lambda value: repr(value), inputs=state, outputs=changes)

    live = BOARD.attach(demo, keepalive=0.5)
    on(live.change, render_board, inputs=live, outputs=board_text, concurrency_limit=None)
    polled = POLLED.attach(demo, mode="poll", interval=0.5)
    on(polled.change, lambda xs: " | ".join(xs), inputs=polled, outputs=polled_text)

    on(button("post"), post, inputs=text, outputs=last, api_name="post")
    on(
        button("post_from_thread"),
        post_from_thread,
        inputs=text,
        outputs=last,
        api_name="post_from_thread",
    )
    on(button("post_polled"), post_polled, inputs=text, outputs=last, api_name="post_polled")
    on(button("watchers"), lambda: str(BOARD.watchers), outputs=last, api_name="watchers")
    on(
        button("defaults"),
        lambda: repr((items.value, nested.value, profile.value)),
        outputs=last,
        api_name="defaults",
    )
    ids = {
        "items": items._id,
        "nested": nested._id,
        "profile": profile._id,
        "live": live._id,
        "polled": polled._id,
    }
    on(button("ids"), lambda: json.dumps(ids), outputs=last, api_name="ids")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1")
