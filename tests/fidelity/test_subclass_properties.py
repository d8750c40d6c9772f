"""Property: hostile container subclasses behave, and are journaled, as in plain Python.

Each example draws a subclass of a dict, OrderedDict, defaultdict, Counter, list, deque or
set with a few behaviours that rewrite what it stores (``subclass_kinds``), builds a value
of it directly, by ``copy.deepcopy`` or by a pickle round trip, puts it at some depth, and
runs a program of edits through :func:`tests.fidelity.harness.differential`: plain Python
on a deep copy is the oracle after every edit; replay and undo, whole and per step, agree.
"""

from __future__ import annotations

import collections
import copy
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from tests.fidelity.harness import differential
from tests.fidelity.subclass_kinds import BASES, BEHAVIOURS, EDITS, edit, subclass_of

_KEYS = ("a", "A", "b", "B", "_p", 0, 1)
_MAPPINGS = (dict, collections.OrderedDict, collections.defaultdict, collections.Counter)

quick = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    report_multiple_bugs=False,
    deadline=None,
)


def _value(spec: tuple[str, int]) -> Any:
    """A fresh value for each run: a number, or a one-item list."""
    kind, number = spec
    return [number] if kind == "list" else number


_values = st.tuples(st.sampled_from(["int", "int", "list"]), st.integers(-5, 5))


def _contents(base: type) -> st.SearchStrategy[Any]:
    if base is collections.Counter:
        return st.dictionaries(st.sampled_from(_KEYS), st.integers(-2, 4), max_size=4)
    if base in _MAPPINGS:
        return st.dictionaries(st.sampled_from(_KEYS), _values, max_size=4)
    if base is set:
        return st.sets(st.sampled_from(_KEYS), max_size=4)
    return st.lists(_values, max_size=5)


def _make(base: type, kind: type, contents: Any, maxlen: int | None) -> Any:
    if base is collections.defaultdict:
        return kind(list, {k: _value(v) for k, v in contents.items()})
    if base is collections.Counter:
        return kind(contents)
    if base in _MAPPINGS:
        return kind({k: _value(v) for k, v in contents.items()})
    if base is set:
        return kind(contents)
    if base is collections.deque:
        return kind([_value(v) for v in contents], maxlen)
    return kind([_value(v) for v in contents])


def _built(how: str, value: Any) -> Any:
    if how == "deepcopy":
        return copy.deepcopy(value)
    if how == "pickle":
        return pickle.loads(pickle.dumps(value))
    return value


def _placed(depth: int, value: Any) -> Any:
    if depth == 0:
        return value
    if depth == 1:
        return {"c": value}
    return {"top": [{"n": 1}, {"c": value}]}


def _located(root: Any, depth: int) -> Any:
    if depth == 0:
        return root
    if depth == 1:
        return root["c"]
    return root["top"][1]["c"]


@st.composite
def hostile_cases(draw: st.DrawFn, bases: tuple[type, ...] = BASES) -> Any:
    """An initial value holding a hostile subclass value, and edits to run on it."""
    base = draw(st.sampled_from(bases))
    behaviours = frozenset(draw(st.sets(st.sampled_from(BEHAVIOURS[base]), max_size=3)))
    kind = subclass_of(base, behaviours)
    maxlen = draw(st.sampled_from([None, None, 3])) if base is collections.deque else None
    how = draw(st.sampled_from(["direct", "deepcopy", "pickle"]))
    try:
        value = _built(how, _make(base, kind, draw(_contents(base)), maxlen))
    except (ValueError, KeyError):
        assume(False)  # a refusing subclass cannot be built from these contents
    depth = draw(st.integers(0, 2))
    where = st.sampled_from(_KEYS) if base in (*_MAPPINGS, set) else st.integers(-3, 3)
    edits = draw(
        st.lists(st.tuples(st.sampled_from(sorted(EDITS[base])), where, _values), max_size=6)
    )
    return base, depth, _placed(depth, value), edits, (kind.__name__, how)


@pytest.mark.parametrize("base", BASES, ids=lambda base: base.__name__)
@quick
@given(data=st.data())
def test_hostile_subclasses_behave_and_are_journaled_as_in_plain_python(
    base: type, data: st.DataObject
) -> None:
    base, depth, initial, edits, _ = data.draw(hostile_cases(bases=(base,)), label="case")

    def program(root: Any) -> Iterator[Any]:
        for name, where, value in edits:
            yield edit(_located(root, depth), base, name, where, _value(value))

    differential(initial, program)
