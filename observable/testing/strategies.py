"""Hypothesis strategies for nested values of every kind that ``observe`` supports."""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

from hypothesis import strategies as st

__all__ = ["Record", "json_values", "keys", "mutable_values", "scalars"]


@dataclasses.dataclass
class Record:
    """A small mutable object for property tests: a field, a list, and a method."""

    label: Any = None
    items: list[Any] = dataclasses.field(default_factory=list)

    def add(self, item: Any) -> None:
        """Append ``item`` through ``self``, as user methods do."""
        self.items.append(item)


def scalars() -> st.SearchStrategy[Any]:
    """Immutable JSON scalars: None, booleans, small integers and short texts."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 9),
        st.text(alphabet="abcxyz", max_size=3),
    )


def keys() -> st.SearchStrategy[str]:
    """Short dict keys from a small alphabet, so that keys collide often."""
    return st.text(alphabet="abcde", min_size=1, max_size=2)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Nested dicts and lists of scalars: values that JSON can express exactly."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(keys(), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def _set_members() -> st.SearchStrategy[Any]:
    # Integers or texts only: ``1 == 1.0 == True`` would make member identity ambiguous.
    return st.one_of(st.integers(-3, 9), st.text(alphabet="abcxyz", max_size=3))


def mutable_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Nested values of every supported kind: dict, OrderedDict, defaultdict, Counter,
    list, deque (bounded or not), set, bytearray, tuple, frozenset and objects."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys(), children, max_size=4),
            st.dictionaries(keys(), children, max_size=4).map(collections.OrderedDict),
            st.dictionaries(keys(), children, max_size=3).map(
                lambda mapping: collections.defaultdict(list, mapping)
            ),
            st.lists(children, max_size=4).map(collections.deque),
            st.tuples(st.lists(children, max_size=4), st.integers(0, 4)).map(
                lambda pair: collections.deque(pair[0], maxlen=pair[1])
            ),
            st.lists(children, max_size=3).map(tuple),
            st.builds(Record, children, st.lists(children, max_size=3)),
        )

    leaves = st.one_of(
        scalars(),
        st.sets(_set_members(), max_size=4),
        st.frozensets(_set_members(), max_size=3),
        st.binary(max_size=4).map(bytearray),
        st.dictionaries(st.sampled_from("abc"), st.integers(-2, 3), max_size=3).map(
            collections.Counter
        ),
    )
    return st.recursive(leaves, extend, max_leaves=max_leaves)
