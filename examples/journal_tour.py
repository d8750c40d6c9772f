"""A short tour: observe a nested value, mutate it in place, and watch the journal.

Run with ``uv run python examples/journal_tour.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import json

import observable


@dataclasses.dataclass
class Room:
    """A chat room: a topic and its messages."""

    topic: str
    messages: list[dict[str, str]] = dataclasses.field(default_factory=list)


def place(path: tuple[object, ...]) -> str:
    """Write a path as Python would reach it: ``rooms.general.messages[0]``."""
    text = ""
    for part in path:
        if isinstance(part, str) and part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "value"


def statement(change: observable.Change) -> str:
    """Write a change as the statement that made it: ``rooms.general.topic = 'hi'``."""
    target = place(change.path)
    if change.op in ("setitem", "setattr") and len(change.args) == 2:
        return f"{place((*change.path, change.args[0]))} = {change.args[1]!r}"
    return f"{target}.{change.op}({', '.join(repr(arg) for arg in change.args)})"


def main() -> None:
    """Print every change as it happens, then replay, undo and export the journal."""
    journal = observable.Journal()
    initial = {"rooms": {"general": Room("hello")}, "online": {"ada"}}
    state = observable.observe(copy.deepcopy(initial), journal)

    def show(changes: tuple[observable.Change, ...]) -> None:
        for change in changes:  # fixed-width columns first, the statement (any length) last
            print(f"  #{change.seq:<3} {change.origin or '-':<6} {statement(change)}")

    journal.subscribe(show)
    print("changes, as they happen:")
    general = state["rooms"]["general"]
    with observable.origin("ada"):
        general.messages.append({"user": "ada", "text": "hi all"})
        general.topic = "introductions"
    with observable.origin("grace"), journal.batch():
        state["online"].add("grace")
        general.messages.append({"user": "grace", "text": "hello!"})
    general.messages[0]["text"] = "hi everyone"
    state["rooms"]["random"] = Room("anything goes")

    changes = journal.since(0)
    replayed = observable.apply(copy.deepcopy(initial), changes)
    print(f"\nreplay of {len(changes)} changes equals the live value: {replayed == state}")
    undone = observable.apply(observable.snapshot(state), observable.invert(changes))
    print(f"undo gets back the initial value: {undone == initial}")
    print("\nas RFC 6902 JSON Patch:")
    for operation in observable.to_json_patch(journal.since(3)):
        print("  " + json.dumps(operation))


if __name__ == "__main__":
    main()
