"""A short tour: observe a nested value, mutate it in place, and watch the journal.

Run with ``uv run python examples/journal_tour.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import json

import observable
from observable.describe import statement


@dataclasses.dataclass
class Room:
    """A chat room: a topic and its messages."""

    topic: str
    messages: list[dict[str, str]] = dataclasses.field(default_factory=list)


def main() -> None:
    """Print every change as it happens, then replay, undo and export the journal."""
    journal = observable.Journal()
    initial = {"rooms": {"general": Room("hello")}, "online": {"ada"}}
    state = observable.observe(copy.deepcopy(initial), journal)

    def show(changes: tuple[observable.Change, ...]) -> None:
        for change in changes:  # fixed-width columns first, the statement (any length) last
            written = statement(change.path, change.op, change.args)
            print(f"  #{change.seq:<3} {change.origin or '-':<6} {written}")

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
