"""Kept paths: a child's recorded path follows every move of it or of an ancestor.

Hot mutators reuse the path a node resolved while the journal's structural epoch is
unchanged. These tests move children and ancestors in every way that shifts or removes
them, then mutate through proxies taken before the move, and check the recorded path
is where the child stands now (or that nothing is recorded once it left the tree).
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import pytest

from observable import Journal, observe


def _last_path(journal: Journal) -> Any:
    return journal.since(journal.version - 1)[0].path


@dataclasses.dataclass
class Box:
    """A user object holding one child."""

    item: Any


def test_an_insert_before_a_child_moves_its_recorded_index() -> None:
    journal = Journal()
    root = observe({"rows": [[], []]}, journal)
    second = root["rows"][1]
    second.append("a")
    assert _last_path(journal) == ("rows", 1)
    root["rows"].insert(0, [])
    second.append("b")
    assert _last_path(journal) == ("rows", 2)


def test_a_pop_before_a_child_and_of_an_ancestor() -> None:
    journal = Journal()
    root = observe({"rows": [[], {"inner": []}]}, journal)
    inner = root["rows"][1]["inner"]
    inner.append(1)
    assert _last_path(journal) == ("rows", 1, "inner")
    root["rows"].pop(0)
    inner.append(2)
    assert _last_path(journal) == ("rows", 0, "inner")
    version = journal.version
    detached = root["rows"].pop(0)
    assert journal.version == version + 1
    inner.append(3)  # its ancestor left the tree: the change is not the tree's
    assert journal.version == version + 1
    assert detached == {"inner": [1, 2, 3]}


def test_replacing_an_ancestor_detaches_the_old_children() -> None:
    journal = Journal()
    root = observe({"a": {"b": []}}, journal)
    old = root["a"]["b"]
    old.append(1)
    root["a"] = {"b": []}
    version = journal.version
    old.append(2)
    assert journal.version == version
    root["a"]["b"].append(3)
    assert _last_path(journal) == ("a", "b")


def test_an_equal_replacement_that_records_nothing_still_detaches() -> None:
    journal = Journal()
    root = observe({"a": {"b": [1]}}, journal)
    old = root["a"]["b"]
    old.append(2)
    version = journal.version
    root["a"] = {"b": [1, 2]}  # indistinguishable: no change recorded
    assert journal.version == version
    old.append(3)  # no longer in the tree
    assert journal.version == version
    assert root == {"a": {"b": [1, 2]}}


def test_moving_a_child_to_another_parent() -> None:
    journal = Journal()
    root = observe({"left": [[]], "right": []}, journal)
    child = root["left"][0]
    child.append(1)
    assert _last_path(journal) == ("left", 0)
    root["right"].append(root["left"].pop())
    child.append(2)
    assert _last_path(journal) == ("right", 0)


def test_sorting_and_reversing_reorder_children() -> None:
    journal = Journal()
    root = observe([[3], [1], [2]], journal)
    first = root[0]
    first.append(0)
    assert _last_path(journal) == (0,)
    root.sort()
    first.append(9)
    assert _last_path(journal) == (2,)
    root.reverse()
    first.append(8)
    assert _last_path(journal) == (0,)


def test_slice_assignment_and_deletion_shift_children() -> None:
    journal = Journal()
    root = observe([[0], [1], [2], [3]], journal)
    last = root[3]
    del root[0:2]
    last.append("x")
    assert _last_path(journal) == (1,)
    root[0:0] = [[], [], []]
    last.append("y")
    assert _last_path(journal) == (4,)


def test_attribute_children_follow_their_object() -> None:
    journal = Journal()
    root = observe({"boxes": [Box([]), Box([])]}, journal)
    items = root["boxes"][1].item
    items.append(1)
    assert _last_path(journal) == ("boxes", 1, "item")
    del root["boxes"][0]
    items.append(2)
    assert _last_path(journal) == ("boxes", 0, "item")
    root["boxes"][0].item = []
    version = journal.version
    items.append(3)
    assert journal.version == version


def test_a_refused_change_rolls_back_and_paths_stay_exact() -> None:
    journal = Journal()
    root = observe({"rows": [[], []]}, journal)
    second = root["rows"][1]
    second.append(1)

    class Refuse:
        def commit(self, change: Any) -> None:
            if change.op == "insert":
                raise RuntimeError("refused")

        def catch_up(self) -> None:
            raise AssertionError("not reached")

    journal.attach_gate(Refuse())
    with pytest.raises(RuntimeError):
        root["rows"].insert(0, [])
    journal.attach_gate(None)
    second.append(2)
    assert _last_path(journal) == ("rows", 1)
    assert root == {"rows": [[], [1, 2]]}


def test_a_set_member_and_a_deque_keep_exact_paths() -> None:
    journal = Journal()
    root = observe({"log": collections.deque([[]], maxlen=2)}, journal)
    first = root["log"][0]
    first.append(1)
    assert _last_path(journal) == ("log", 0)
    root["log"].appendleft([])
    first.append(2)
    assert _last_path(journal) == ("log", 1)
    root["log"].appendleft([])  # the bounded deque drops ``first`` on the right
    version = journal.version
    first.append(3)
    assert journal.version == version
