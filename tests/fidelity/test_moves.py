"""Rule 1: a child moved elsewhere (popped, removed, deleted, then re-inserted) stays tracked
at the path it has now, whether the user edits it through a held proxy or the returned value.
"""

from __future__ import annotations

import collections
from typing import Any

import observable
from tests.fidelity.harness import differential


def test_kanban_move_by_pop_and_append_then_edit() -> None:
    def program(board: Any) -> Any:
        card = board["todo"].pop(0)
        yield card
        board["done"].append(card)
        yield
        card["s"] = "done"
        yield

    proxy, _ = differential({"todo": [{"s": "todo"}, {"s": "x"}], "done": []}, program, json=True)
    assert observable.unwrap(proxy)["done"] == [{"s": "done"}]


def test_move_by_remove_of_a_held_proxy_then_edit() -> None:
    def program(board: Any) -> Any:
        card = board["todo"][0]
        board["todo"].remove(card)
        yield
        board["done"].insert(0, card)
        yield
        card["s"] = "done"
        yield
        card.setdefault("tags", []).append("moved")
        yield

    differential({"todo": [{"s": "todo"}], "done": [{"s": "old"}]}, program, json=True)


def test_move_by_del_then_assign_elsewhere_then_edit() -> None:
    def program(root: Any) -> Any:
        child = root["a"]["x"]
        del root["a"]["x"]
        yield
        root["b"]["y"] = child
        yield
        child.append(1)
        yield

    differential({"a": {"x": [0]}, "b": {}}, program, json=True)


def test_move_by_dict_pop_then_edit_through_returned_value() -> None:
    def program(root: Any) -> Any:
        moved = root["a"].pop("x")
        yield
        root["b"]["x"] = moved
        yield
        moved["k"] = 1
        yield
        moved["list"].append(2)
        yield

    differential({"a": {"x": {"list": []}}, "b": {}}, program, json=True)


def test_move_by_popitem_then_edit() -> None:
    def program(root: Any) -> Any:
        key, moved = root["a"].popitem()
        yield key
        root["b"].append(moved)
        yield
        moved.append(key)
        yield

    differential({"a": {"x": [1], "y": [2]}, "b": []}, program, json=True)


def test_move_within_one_list_then_edit() -> None:
    def program(rows: Any) -> Any:
        rows.insert(0, rows.pop())
        yield
        rows[0]["n"] = 9
        yield
        rows[1]["n"] = 8
        yield

    differential([{"n": 1}, {"n": 2}, {"n": 3}], program, json=True)


def test_move_twice_then_edit_through_the_first_handle() -> None:
    def program(root: Any) -> Any:
        card = root["a"].pop()
        root["b"].append(card)
        yield
        again = root["b"].pop()
        root["c"]["slot"] = again
        yield
        card["s"] = 2
        yield

    differential({"a": [{"s": 0}], "b": [], "c": {}}, program, json=True)


def test_edits_to_a_detached_child_record_nothing() -> None:
    def program(root: Any) -> Any:
        card = root["a"].pop()
        yield
        card["s"] = "gone"
        yield
        card.clear()
        yield

    differential({"a": [{"s": 0}]}, program, json=True)


def test_a_child_reinserted_into_a_new_container_that_is_then_stored() -> None:
    def program(root: Any) -> Any:
        row = root["rows"][0]
        root["rows"] = [row, {"n": 2}]
        yield
        row["n"] = 10
        yield
        root["rows"][1]["n"] = 20
        yield

    differential({"rows": [{"n": 1}]}, program, json=True)


def test_moving_between_deque_and_list() -> None:
    def program(root: Any) -> Any:
        item = root["q"].popleft()
        root["l"].append(item)
        yield
        item.append("x")
        yield
        root["q"].appendleft(root["l"].pop(0))
        yield
        item.append("y")
        yield

    differential({"q": collections.deque([[1], [2]]), "l": []}, program)


def test_moving_an_object_attribute_into_a_list() -> None:
    class Holder:
        def __init__(self) -> None:
            self.inbox: list[Any] = [{"n": 0}]

    def program(root: Any) -> Any:
        item = root["h"].inbox.pop()
        root["done"].append(item)
        yield
        item["n"] = 1
        yield
        root["h"].inbox = [item]
        root["done"].clear()
        yield
        item["n"] = 2
        yield

    differential({"h": Holder(), "done": []}, program)


def test_proxy_placed_inside_a_plain_value_leaves_no_proxy_in_the_raw_tree() -> None:
    def program(root: Any) -> Any:
        root["arch"] = {"old": root["cur"]}
        yield
        root["both"] = [root["arch"], (root["cur"],)]
        yield

    differential({"cur": [1, 2], "arch": None}, program)


def test_proxy_of_another_journal_inside_a_value_leaves_no_proxy_in_the_raw_tree() -> None:
    other = observable.observe({"x": [1]})
    root = observable.observe({"a": None})
    root["a"] = {"from_other": other["x"], "whole": other}
    raw = observable.unwrap(root)
    inner = raw["a"]
    assert not observable.is_observed(inner["from_other"])
    assert not observable.is_observed(inner["whole"])
    assert not observable.is_observed(inner["whole"]["x"])


def test_raw_tree_with_a_placed_proxy_can_be_pickled_and_dumped() -> None:
    import json
    import pickle

    root = observable.observe({"cur": [1], "arch": None})
    root["arch"] = {"old": root["cur"]}
    raw = observable.unwrap(root)
    assert json.loads(json.dumps(raw)) == {"cur": [1], "arch": {"old": [1]}}
    assert pickle.loads(pickle.dumps(raw)) == {"cur": [1], "arch": {"old": [1]}}


def test_a_moved_child_stored_over_an_equal_value_is_still_tracked() -> None:
    def program(root: Any) -> Any:
        moved = root["items"].pop(0)
        yield
        root["box"]["slot"] = moved  # {} replaces an equal {}: no change to record
        yield
        moved["edited"] = True
        yield

    differential({"items": [{}], "box": {"slot": {}}}, program, json=True)


def test_adding_an_equal_member_leaves_the_newcomer_where_it_was() -> None:
    class Keyed:
        def __init__(self, value: int) -> None:
            self.value = value
            self.notes: list[int] = []

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Keyed) and other.value == self.value

        def __hash__(self) -> int:
            return hash(self.value)

    class PassingGate:  # a backend's gate sends every write down the generic path
        def commit(self, change: Any) -> None:
            pass

        def catch_up(self) -> None:
            pass

    journal = observable.Journal()
    journal.attach_gate(PassingGate())
    root = observable.observe({"s": {Keyed(1)}, "l": [Keyed(1)]}, journal)
    newcomer = root["l"][0]
    root["s"].add(newcomer)  # the set keeps the equal member it had
    start = journal.version
    newcomer.notes.append(1)
    assert [change.path for change in journal.since(start)] == [("l", 0, "notes")]
