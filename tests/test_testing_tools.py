"""``observable.testing``: the coverage checker users point at their own types."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import strategies as st

from observable import Journal, apply, observe
from observable.testing import MutationNotTracked, assert_mutations_tracked, structure


@dataclasses.dataclass
class Cart:
    items: list[Any] = dataclasses.field(default_factory=list)
    total: int = 0

    def add(self, item: Any) -> None:
        self.items.append(item)
        self.total += 1

    def clear(self) -> None:
        self.items.clear()
        self.total = 0

    def size(self) -> int:
        return len(self.items)


class Leaky:
    """Keeps a private list and mutates it through the raw object, behind the proxy."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def add(self, item: Any) -> None:
        raw = object.__getattribute__(self, "__wrapped__") if hasattr(self, "__wrapped__") else self
        raw.entries.append(item)


class Chatty:
    """Records a change without changing anything: it writes an equal new list."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def refresh(self) -> None:
        self.entries = list(self.entries)


def test_a_well_behaved_class_passes() -> None:
    assert_mutations_tracked(Cart, max_examples=60)


def test_a_mutation_behind_the_proxy_is_caught_with_a_minimal_example() -> None:
    with pytest.raises(MutationNotTracked, match=r"step 1: call add\(.*\) changed the object"):
        assert_mutations_tracked(Leaky, max_examples=60)


def test_replacing_a_container_by_an_indistinguishable_copy_is_no_change() -> None:
    # The documented rule: a write records nothing when the new value cannot be told from
    # the old one. Chatty swaps its list for an equal copy: no change, and no entry.
    assert_mutations_tracked(Chatty, max_examples=20)
    value = Chatty()
    before = structure(value)
    value.refresh()
    assert structure(value) == before


def test_arguments_and_attributes_can_be_given() -> None:
    assert_mutations_tracked(
        Cart,
        methods=["add"],
        arguments={"add": st.tuples(st.integers())},
        attributes=["total"],
        max_examples=30,
    )
    with pytest.raises(ValueError, match="nothing to exercise"):
        assert_mutations_tracked(Cart, methods=[], max_examples=1)


def test_replay_gives_aliases_separate_copies() -> None:
    # Documented limitation: one object reachable at two places (an alias) is journaled
    # through the path it was mutated through; a replay rebuilds it as two equal copies.
    journal = Journal(maxlen=None)
    rows = observe([[]], journal)
    rows *= 2  # both items are now the same list
    rows[0].append(1)
    assert rows == [[1], [1]]
    assert apply([[]], journal.since(0)) == [[1], []]
