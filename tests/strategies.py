"""The project's Hypothesis strategies, in one place (the public ones come from
``observable.testing``; test-only compositions are defined here)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from observable.testing import Step, json_values, keys, mutable_values, scalars, steps

__all__ = [
    "json_programs",
    "json_values",
    "keys",
    "mutable_values",
    "programs",
    "scalars",
    "steps",
]


def programs(
    values: st.SearchStrategy[Any] | None = None, max_steps: int = 15
) -> st.SearchStrategy[tuple[Any, list[Step]]]:
    """An initial value of any supported kind and a program of steps to run on it."""
    initial = mutable_values() if values is None else values
    return st.tuples(initial, st.lists(steps(json_values(max_leaves=3)), max_size=max_steps))


def json_programs(max_steps: int = 15) -> st.SearchStrategy[tuple[Any, list[Step]]]:
    """A JSON document (dict or list at the top) and a program of steps on it."""
    documents = st.one_of(
        st.dictionaries(keys(), json_values(), max_size=4), st.lists(json_values(), max_size=4)
    )
    return st.tuples(documents, st.lists(steps(json_values(max_leaves=3)), max_size=max_steps))
