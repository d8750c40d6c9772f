"""Rule 1: children reached through slices, shallow copies, operators, views, iteration and
helpers are the tree's own children: editing them is journaled at their path. Editing the
new (shallow) container itself changes nothing in the tree and records nothing.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Callable
from typing import Any

import pytest

import observable
from tests.fidelity.harness import differential

ROWS = [{"done": False, "n": 0}, {"done": False, "n": 1}, {"done": False, "n": 2}]


def test_rows_reached_through_a_slice() -> None:
    def program(rows: Any) -> Any:
        for row in rows[1:]:
            row["done"] = True
            yield

    differential(ROWS, program, json=True)


LIST_CHILD: dict[str, Callable[[Any], Any]] = {
    "slice": lambda p: p[1:][0],
    "reversed slice": lambda p: p[::-1][0],
    "negative slice": lambda p: p[-2:][-1],
    "copy()": lambda p: p.copy()[1],
    "copy.copy": lambda p: copy.copy(p)[1],
    "p + []": lambda p: (p + [])[1],
    "[] + p": lambda p: ([] + p)[1],
    "p * 1": lambda p: (p * 1)[1],
    "list(p)": lambda p: list(p)[1],
    "unpacking": lambda p: [*p][1],
    "reversed()": lambda p: next(reversed(p)),
    "next(iter())": lambda p: next(iter(p)),
    "enumerate": lambda p: next(row for i, row in enumerate(p) if i == 1),
    "sorted": lambda p: sorted(p, key=lambda row: -row["n"])[0],
    "max": lambda p: max(p, key=lambda row: row["n"]),
    "filter": lambda p: next(filter(lambda row: row["n"] == 1, p)),
    "zip": lambda p: next(zip(p, p, strict=True))[0],
    "tuple unpacking": lambda p: (lambda first, *rest: rest[0])(*p),
}


@pytest.mark.parametrize("reach", LIST_CHILD, ids=list(LIST_CHILD))
def test_list_child_reached_through(reach: str) -> None:
    def program(rows: Any) -> Any:
        row = LIST_CHILD[reach](rows)
        yield
        row["done"] = True
        yield
        row.setdefault("tags", []).append(reach)
        yield

    differential(ROWS, program, json=True)


DICT_CHILD: dict[str, Callable[[Any], Any]] = {
    "copy()": lambda d: d.copy()["a"],
    "copy.copy": lambda d: copy.copy(d)["a"],
    "d | {}": lambda d: (d | {})["a"],
    "{} | d": lambda d: ({} | d)["a"],
    "dict(d)": lambda d: dict(d)["a"],
    "{**d}": lambda d: {**d}["a"],
    "values()": lambda d: next(iter(d.values())),
    "items()": lambda d: next(iter(d.items()))[1],
    "list(values())": lambda d: list(d.values())[0],
    "reversed(values())": lambda d: next(reversed(d.values())),
    "get": lambda d: d.get("a"),
    "setdefault (present)": lambda d: d.setdefault("a", []),
    "get with default": lambda d: d.get("a", None),
    "comprehension": lambda d: {k: v for k, v in d.items()}["a"],
}


@pytest.mark.parametrize("reach", DICT_CHILD, ids=list(DICT_CHILD))
def test_dict_child_reached_through(reach: str) -> None:
    def program(root: Any) -> Any:
        child = DICT_CHILD[reach](root)
        yield
        child.append(reach)
        yield
        child[0]["x"] = 1
        yield

    differential({"a": [{"x": 0}]}, program, json=True)


def test_setdefault_of_a_missing_key_returns_the_stored_child() -> None:
    def program(root: Any) -> Any:
        root.setdefault("new", []).append(1)
        yield
        root.setdefault("new", []).append(2)
        yield

    differential({}, program, json=True)


def test_defaultdict_missing_key_returns_the_stored_child() -> None:
    def program(root: Any) -> Any:
        root["groups"]["a"].append(1)
        yield
        group = root["groups"]["b"]
        yield
        group.append(2)
        yield

    differential({"groups": collections.defaultdict(list)}, program)


def test_children_of_a_tuple_member() -> None:
    def program(root: Any) -> Any:
        root["t"][0].append(1)
        yield
        for row in root["t"][1:]:
            row["seen"] = True
            yield

    differential({"t": ([], {"a": 1}, {"b": 2})}, program)


def test_children_through_deque_iteration_and_index() -> None:
    def program(root: Any) -> Any:
        for item in reversed(root):
            item.append(0)
            yield
        root[-1].append(1)
        yield
        copy.copy(root)[0].append(2)
        yield

    differential(collections.deque([[1], [2]]), program)


def test_set_member_objects_reached_through_iteration() -> None:
    class Tag:
        def __init__(self, name: str) -> None:
            self.name = name
            self.count = 0

    # The edit is journaled (its path goes through the set member), but a set member has
    # no address another copy can follow: replay says so with a clear PatchError.
    journal = observable.Journal()
    root = observable.observe({"tags": {Tag("a")}}, journal)
    for tag in root["tags"]:
        tag.count += 1
    (change,) = journal.since(0)
    assert change.path[0] == "tags" and isinstance(change.path[1], observable.Member)
    assert next(iter(observable.unwrap(root)["tags"])).count == 1
    with pytest.raises(observable.PatchError, match="set member"):
        observable.apply({"tags": {Tag("a")}}, [change])


@pytest.mark.parametrize(
    "new_container",
    [
        lambda p: p[:],
        lambda p: p[1:],
        lambda p: p.copy(),
        lambda p: p + [],
        lambda p: p * 1,
        lambda p: list(p),
        lambda p: copy.copy(p),
    ],
    ids=["[:]", "[1:]", "copy()", "+ []", "* 1", "list()", "copy.copy"],
)
def test_editing_the_new_list_itself_leaves_the_tree_alone(
    new_container: Callable[[Any], Any],
) -> None:
    def program(rows: Any) -> Any:
        other = new_container(rows)
        other.append({"n": 99})
        yield
        other.pop(0)
        yield
        other.clear()
        yield
        rows[0]["n"] = 5
        yield

    differential(ROWS, program, json=True)


@pytest.mark.parametrize(
    "new_container",
    [lambda d: d.copy(), lambda d: d | {}, lambda d: dict(d), lambda d: copy.copy(d)],
    ids=["copy()", "| {}", "dict()", "copy.copy"],
)
def test_editing_the_new_dict_itself_leaves_the_tree_alone(
    new_container: Callable[[Any], Any],
) -> None:
    def program(root: Any) -> Any:
        other = new_container(root)
        other["z"] = 1
        yield
        del other["a"]
        yield
        root["a"].append(1)
        yield

    differential({"a": []}, program, json=True)
